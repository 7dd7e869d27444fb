/* ms-session-file.c: a whole session in one file, and a session back from it
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The file is an ms-checkpoint container (its CRCs catch damage and truncation) with these
 * sections; every number in the BLOBs is little-endian and every count is checked against the
 * bytes that remain before anything is allocated:
 *
 *   modescope.session  KEY_VALUES  format=modescope-session, version=1 (refused if newer)
 *   settings           BLOB  MsSessionSettings as the run has them now
 *   trainer            BLOB  iteration, generation, run, evaluations, eval_every, next command
 *                            id, and the collapse detector's inputs (MsSessionEvaluation)
 *   state              BLOB  the trainer's snapshot (an ms-checkpoint container: ms_gan_save
 *                            plus the session section), checked like any snapshot
 *   history            BLOB  curve points, events, evaluations, branches
 *   snapshots          BLOB  (id, iteration) of every user snapshot; their containers are in
 *                            the sections "snapshot.ID"
 *   notes              KEY_VALUES
 *   evaluations.k_data BLOB  the real data's classes of every evaluation (MsEvaluation.k_data),
 *                            trainer's then history's, each a count and int32s; optional: a
 *                            file without it (older) gives 0, the classifier's classes
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "ms-checkpoint.h"
#include "ms-session-file.h"
#include "ms-session-private.h"

#define FORMAT_NAME "modescope-session"
#define MAX_STRING  (1 << 20)

/* Encoding ----------------------------------------------------------------------------- */

static void
enc_u32 (GByteArray *b,
         guint32     v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

static void
enc_i32 (GByteArray *b,
         int         v)
{
  enc_u32 (b, (guint32) v);
}

static void
enc_u64 (GByteArray *b,
         guint64     v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 8);
}

static void
enc_f64 (GByteArray *b,
         double      d)
{
  guint64 v;

  memcpy (&v, &d, 8);
  enc_u64 (b, v);
}

/* NULL is written as length 0xffffffff */
static void
enc_str (GByteArray *b,
         const char *s)
{
  if (s == NULL)
    {
      enc_u32 (b, G_MAXUINT32);
      return;
    }
  enc_u32 (b, (guint32) strlen (s));
  g_byte_array_append (b, (const guint8 *) s, (guint) strlen (s));
}

typedef struct
{
  const guint8 *p;
  gsize         left;
  gboolean      ok;
} Dec;

static gboolean
dec_take (Dec          *d,
          gsize         n,
          const guint8 **out)
{
  if (!d->ok || d->left < n)
    {
      d->ok = FALSE;
      return FALSE;
    }
  *out = d->p;
  d->p += n;
  d->left -= n;
  return TRUE;
}

static guint32
dec_u32 (Dec *d)
{
  const guint8 *p;
  guint32 v = 0;

  if (dec_take (d, 4, &p))
    memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static int
dec_i32 (Dec *d)
{
  return (int) (gint32) dec_u32 (d);
}

static guint64
dec_u64 (Dec *d)
{
  const guint8 *p;
  guint64 v = 0;

  if (dec_take (d, 8, &p))
    memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static double
dec_f64 (Dec *d)
{
  guint64 v = dec_u64 (d);
  double x;

  memcpy (&x, &v, 8);
  return x;
}

/* (transfer full) NULL for a written NULL, or on failure (d->ok then FALSE) */
static char *
dec_str (Dec *d)
{
  guint32 n = dec_u32 (d);
  const guint8 *p;

  if (!d->ok || n == G_MAXUINT32)
    return NULL;
  if (n > MAX_STRING || !dec_take (d, n, &p) || !g_utf8_validate ((const char *) p, n, NULL)
      || memchr (p, '\0', n) != NULL)
    {
      d->ok = FALSE;
      return NULL;
    }
  return g_strndup ((const char *) p, n);
}

/* A name that is used as a dataset name, a folder path or an architecture: the same as
 * dec_str(), but control characters (C0, DEL) are refused, since such a name ends up in
 * messages, the window and exported text files */
static char *
dec_name (Dec *d)
{
  char *s = dec_str (d);

  for (const char *p = s; p != NULL && *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        d->ok = FALSE;
        g_free (s);
        return NULL;
      }
  return s;
}

/* Text that is only shown (event labels, collapse reasons): control characters become
 * spaces, so that a file cannot break a line of events.txt or a message apart */
static void
sanitize_text (char *s)
{
  for (char *p = s; p != NULL && *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
}

/* A count of records of at least @min_size bytes each: never more than the bytes left hold */
static guint
dec_count (Dec   *d,
           gsize  min_size)
{
  guint32 n = dec_u32 (d);

  if (!d->ok || (guint64) n * min_size > d->left)
    {
      d->ok = FALSE;
      return 0;
    }
  return n;
}

/* Values ------------------------------------------------------------------------------- */

static void
enc_optim (GByteArray          *b,
           const MsOptimConfig *o)
{
  enc_u32 (b, o->kind);
  enc_f64 (b, o->lr);
  enc_f64 (b, o->momentum);
  enc_f64 (b, o->dampening);
  enc_f64 (b, o->alpha);
  enc_f64 (b, o->eps);
  enc_f64 (b, o->beta1);
  enc_f64 (b, o->beta2);
  enc_f64 (b, o->weight_decay);
}

static void
dec_optim (Dec           *d,
           MsOptimConfig *o)
{
  guint32 kind = dec_u32 (d);

  if (kind >= MS_OPTIM_N_KINDS)
    d->ok = FALSE;
  o->kind = d->ok ? (MsOptimKind) kind : MS_OPTIM_SGD;
  o->lr = dec_f64 (d);
  o->momentum = dec_f64 (d);
  o->dampening = dec_f64 (d);
  o->alpha = dec_f64 (d);
  o->eps = dec_f64 (d);
  o->beta1 = dec_f64 (d);
  o->beta2 = dec_f64 (d);
  o->weight_decay = dec_f64 (d);
}

static void
enc_settings (GByteArray              *b,
              const MsSessionSettings *s)
{
  enc_str (b, s->dataset);
  enc_i32 (b, s->points != NULL ? s->n_points : 0);
  for (int i = 0; s->points != NULL && i < 2 * s->n_points; i++)
    enc_f64 (b, s->points[i]);
  enc_f64 (b, s->points_std);
  enc_str (b, s->arch);
  enc_u32 (b, s->gan.loss);
  enc_i32 (b, s->gan.batch);
  enc_i32 (b, s->gan.n_critic);
  enc_f64 (b, s->gan.gp_lambda);
  enc_f64 (b, s->gan.clip);
  enc_i32 (b, s->gan.unroll);
  enc_u32 (b, !!s->gan.unroll_first_order);
  enc_u32 (b, !!s->gan.veegan);
  enc_i32 (b, s->gan.adagan_rounds);
  enc_i32 (b, s->gan.adagan_round_iters);
  enc_optim (b, &s->optim_g);
  enc_optim (b, &s->optim_d);
  enc_i32 (b, s->pack);
  enc_u64 (b, s->seed);
  enc_i32 (b, s->eval_every);
  enc_i32 (b, s->eval_samples);
  enc_i32 (b, s->grid_size);
  enc_i32 (b, s->snapshot_every);
  enc_u32 (b, !!s->start_paused);
  enc_u32 (b, !!s->headless);
}

/* Fills @s (cleared by the caller on failure); validated by the caller */
static void
dec_settings (Dec               *d,
              MsSessionSettings *s)
{
  guint32 loss;
  guint n;

  memset (s, 0, sizeof *s);
  s->dataset = dec_name (d);
  n = dec_count (d, 16);
  if (d->ok && n > MS_EVAL_MAX_CLASSES)
    d->ok = FALSE;
  if (d->ok && n > 0)
    {
      s->n_points = (int) n;
      s->points = g_new (float, 2 * n);
      for (guint i = 0; i < 2 * n; i++)
        s->points[i] = (float) dec_f64 (d);
    }
  s->points_std = (float) dec_f64 (d);
  s->arch = dec_name (d);
  loss = dec_u32 (d);
  if (loss >= MS_LOSS_N_KINDS)
    d->ok = FALSE;
  s->gan.loss = d->ok ? (MsLossKind) loss : MS_LOSS_NSGAN;
  s->gan.batch = dec_i32 (d);
  s->gan.n_critic = dec_i32 (d);
  s->gan.gp_lambda = (float) dec_f64 (d);
  s->gan.clip = (float) dec_f64 (d);
  s->gan.unroll = dec_i32 (d);
  s->gan.unroll_first_order = dec_u32 (d) != 0;
  s->gan.veegan = dec_u32 (d) != 0;
  s->gan.adagan_rounds = dec_i32 (d);
  s->gan.adagan_round_iters = dec_i32 (d);
  dec_optim (d, &s->optim_g);
  dec_optim (d, &s->optim_d);
  s->pack = dec_i32 (d);
  s->seed = dec_u64 (d);
  s->eval_every = dec_i32 (d);
  s->eval_samples = dec_i32 (d);
  s->grid_size = dec_i32 (d);
  s->snapshot_every = dec_i32 (d);
  s->start_paused = dec_u32 (d) != 0;
  s->headless = dec_u32 (d) != 0;
}

static void
enc_evaluation (GByteArray                *b,
                const MsSessionEvaluation *r)
{
  const MsEvaluation *e = &r->evaluation;

  enc_u64 (b, (guint64) r->iteration);
  enc_f64 (b, r->loss_d);
  enc_f64 (b, r->loss_g);
  enc_u32 (b, r->collapse_state);
  enc_u32 (b, !!e->is_2d);
  enc_i32 (b, e->n);
  enc_i32 (b, e->k);
  for (int i = 0; i < MS_EVAL_MAX_CLASSES; i++)
    enc_u32 (b, e->counts[i]);
  for (int i = 0; i < MS_EVAL_MAX_CLASSES; i++)
    enc_u32 (b, !!e->present[i]);
  enc_i32 (b, e->modes_covered);
  enc_f64 (b, e->kl_uniform);
  enc_f64 (b, e->kl_reference);
  enc_f64 (b, e->kl_floor_mean);
  enc_f64 (b, e->kl_floor_p99);
  enc_f64 (b, e->is_mean);
  enc_f64 (b, e->is_std);
  enc_f64 (b, e->hq_fraction);
  enc_f64 (b, e->diversity);
  enc_f64 (b, e->diversity_detail.mean_ratio);
  enc_i32 (b, e->diversity_detail.worst_class);
  enc_f64 (b, e->diversity_detail.worst_ratio);
  enc_f64 (b, e->diversity_detail.collapsed_share);
  enc_f64 (b, e->collapse_score);
  enc_u32 (b, e->collapse_state);
  enc_str (b, e->reason);
}

#define EVALUATION_MIN_SIZE (8 + 16 + 4 + 12 + 2 * 4 * MS_EVAL_MAX_CLASSES + 4 + 8 * 8 + 28 + 8 \
                             + 4 + 4)

static gboolean
collapse_state_ok (guint32 v)
{
  return v <= MS_COLLAPSE_COLLAPSED;
}

static void
dec_evaluation (Dec                 *d,
                MsSessionEvaluation *r)
{
  MsEvaluation *e = &r->evaluation;
  g_autofree char *reason = NULL;
  guint32 state;

  memset (r, 0, sizeof *r);
  r->iteration = (gint64) dec_u64 (d);
  r->loss_d = dec_f64 (d);
  r->loss_g = dec_f64 (d);
  state = dec_u32 (d);
  r->collapse_state = collapse_state_ok (state) ? (MsCollapseState) state : MS_COLLAPSE_HEALTHY;
  e->is_2d = dec_u32 (d) != 0;
  e->n = dec_i32 (d);
  e->k = dec_i32 (d);
  for (int i = 0; i < MS_EVAL_MAX_CLASSES; i++)
    e->counts[i] = dec_u32 (d);
  for (int i = 0; i < MS_EVAL_MAX_CLASSES; i++)
    e->present[i] = dec_u32 (d) != 0;
  e->modes_covered = dec_i32 (d);
  e->kl_uniform = dec_f64 (d);
  e->kl_reference = dec_f64 (d);
  e->kl_floor_mean = dec_f64 (d);
  e->kl_floor_p99 = dec_f64 (d);
  e->is_mean = dec_f64 (d);
  e->is_std = dec_f64 (d);
  e->hq_fraction = dec_f64 (d);
  e->diversity = dec_f64 (d);
  e->diversity_detail.mean_ratio = dec_f64 (d);
  e->diversity_detail.worst_class = dec_i32 (d);
  e->diversity_detail.worst_ratio = dec_f64 (d);
  e->diversity_detail.collapsed_share = dec_f64 (d);
  e->collapse_score = dec_f64 (d);
  state = dec_u32 (d);
  e->collapse_state = collapse_state_ok (state) ? (MsCollapseState) state : MS_COLLAPSE_HEALTHY;
  reason = dec_str (d);
  sanitize_text (reason);
  if (reason != NULL)
    {
      const char *end;

      /* A reason longer than the field is cut at a character boundary, not inside one */
      g_strlcpy (e->reason, reason, sizeof e->reason);
      if (!g_utf8_validate (e->reason, -1, &end))
        e->reason[end - e->reason] = '\0';
    }
  if (!collapse_state_ok (state) || r->iteration < 0 || e->k < 0 || e->k > MS_EVAL_MAX_CLASSES
      || e->n < 0 || e->diversity_detail.worst_class >= MS_EVAL_MAX_CLASSES)
    d->ok = FALSE;
}

static void
enc_point (GByteArray         *b,
           const MsCurvePoint *p)
{
  enc_u64 (b, (guint64) p->iteration);
  enc_f64 (b, p->loss_d);
  enc_f64 (b, p->loss_g);
  enc_f64 (b, p->d_real);
  enc_f64 (b, p->d_fake);
  enc_f64 (b, p->grad_norm_d);
  enc_f64 (b, p->grad_norm_g);
  enc_u32 (b, !!p->has_eval);
  enc_f64 (b, p->kl);
  enc_f64 (b, p->is_mean);
  enc_i32 (b, p->modes_covered);
  enc_f64 (b, p->collapse_score);
  enc_u32 (b, p->collapse_state);
}

#define POINT_SIZE (8 + 6 * 8 + 4 + 2 * 8 + 4 + 8 + 4)

static void
dec_point (Dec          *d,
           MsCurvePoint *p)
{
  guint32 state;

  memset (p, 0, sizeof *p);
  p->iteration = (gint64) dec_u64 (d);
  p->loss_d = dec_f64 (d);
  p->loss_g = dec_f64 (d);
  p->d_real = dec_f64 (d);
  p->d_fake = dec_f64 (d);
  p->grad_norm_d = dec_f64 (d);
  p->grad_norm_g = dec_f64 (d);
  p->has_eval = dec_u32 (d) != 0;
  p->kl = dec_f64 (d);
  p->is_mean = dec_f64 (d);
  p->modes_covered = dec_i32 (d);
  p->collapse_score = dec_f64 (d);
  state = dec_u32 (d);
  if (!collapse_state_ok (state) || p->iteration < 0)
    d->ok = FALSE;
  p->collapse_state = d->ok ? (MsCollapseState) state : MS_COLLAPSE_HEALTHY;
}

static void
enc_points (GByteArray         *b,
            const MsCurvePoint *points,
            guint               n,
            gint64              max_iteration)
{
  guint keep = 0;

  while (keep < n && points[keep].iteration <= max_iteration)
    keep++;
  enc_u32 (b, keep);
  for (guint i = 0; i < keep; i++)
    enc_point (b, &points[i]);
}

static GArray *
dec_points (Dec *d)
{
  guint n = dec_count (d, POINT_SIZE);
  GArray *a = g_array_sized_new (FALSE, TRUE, sizeof (MsCurvePoint), n);

  for (guint i = 0; i < n && d->ok; i++)
    {
      MsCurvePoint p;

      dec_point (d, &p);
      g_array_append_val (a, p);
    }
  return a;
}

static GArray *
dec_evaluations (Dec *d)
{
  guint n = dec_count (d, EVALUATION_MIN_SIZE);
  GArray *a = g_array_sized_new (FALSE, TRUE, sizeof (MsSessionEvaluation), n);

  for (guint i = 0; i < n && d->ok; i++)
    {
      MsSessionEvaluation r;

      dec_evaluation (d, &r);
      g_array_append_val (a, r);
    }
  return a;
}

/* How many of the evaluations @a (in iteration order) a file cut at @max_iteration keeps */
static guint
evaluations_kept (GArray *a,
                  gint64  max_iteration)
{
  guint keep = 0;

  while (keep < a->len && g_array_index (a, MsSessionEvaluation, keep).iteration <= max_iteration)
    keep++;
  return keep;
}

static void
enc_evaluations (GByteArray *b,
                 GArray     *a,
                 gint64      max_iteration)
{
  guint keep = evaluations_kept (a, max_iteration);

  enc_u32 (b, keep);
  for (guint i = 0; i < keep; i++)
    enc_evaluation (b, &g_array_index (a, MsSessionEvaluation, i));
}

/* The k_data of the same evaluations enc_evaluations() writes.  They have a section of their
 * own so that files without it (written before it existed) keep loading, with k_data 0. */
static void
enc_k_data (GByteArray *b,
            GArray     *a,
            gint64      max_iteration)
{
  guint keep = evaluations_kept (a, max_iteration);

  enc_u32 (b, keep);
  for (guint i = 0; i < keep; i++)
    enc_i32 (b, g_array_index (a, MsSessionEvaluation, i).evaluation.k_data);
}

/* Into the evaluations @a decoded from the same file: one value each, from 0 to its k */
static void
dec_k_data (Dec    *d,
            GArray *a)
{
  guint n = dec_count (d, 4);

  if (n != a->len)
    d->ok = FALSE;
  for (guint i = 0; i < n && d->ok; i++)
    {
      MsEvaluation *e = &g_array_index (a, MsSessionEvaluation, i).evaluation;
      int k_data = dec_i32 (d);

      if (k_data < 0 || k_data > e->k)
        d->ok = FALSE;
      else
        e->k_data = k_data;
    }
}

/* Errors ------------------------------------------------------------------------------- */

/* The part of a session file that is malformed: each has its own whole sentence */
typedef enum
{
  PART_MARKER,
  PART_SETTINGS,
  PART_TRAINER,
  PART_HISTORY,
  PART_SNAPSHOTS,
} Part;

static gboolean
damaged (GError **error,
         Part     part)
{
  const char *message = NULL;

  switch (part)
    {
    case PART_MARKER:
      message = _("its format marker is malformed (the file is damaged or was not written by "
                  "ModeScope)");
      break;
    case PART_SETTINGS:
      message = _("its settings are malformed (the file is damaged or was not written by "
                  "ModeScope)");
      break;
    case PART_TRAINER:
      message = _("its trainer data are malformed (the file is damaged or was not written by "
                  "ModeScope)");
      break;
    case PART_HISTORY:
      message = _("its history is malformed (the file is damaged or was not written by "
                  "ModeScope)");
      break;
    case PART_SNAPSHOTS:
    default:
      message = _("its snapshot list is malformed (the file is damaged or was not written by "
                  "ModeScope)");
      break;
    }
  g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID, message);
  return FALSE;
}

static void
prefix_path (GError    **error,
             const char *path,
             gboolean    saving)
{
  g_autofree char *display = g_filename_display_name (path);

  if (saving)
    g_prefix_error (error, _("Cannot save the session to “%s”: "), display);
  else
    g_prefix_error (error, _("Cannot open the session file “%s”: "), display);
}

/* Saving ------------------------------------------------------------------------------- */

/* (transfer full) The container for @x and the history of @self up to x->iteration */
static MsCheckpointWriter *
build_writer (MsSession     *self,
              TrainerExport *x)
{
  MsCheckpointWriter *w = ms_checkpoint_writer_new ();
  g_autoptr(GHashTable) marker = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GByteArray) b = NULL;
  g_autofree char *version = g_strdup_printf ("%d", MS_SESSION_FILE_VERSION);
  guint n_events = 0;

  g_hash_table_insert (marker, (gpointer) "format", (gpointer) FORMAT_NAME);
  g_hash_table_insert (marker, (gpointer) "version", version);
  ms_checkpoint_writer_add_key_values (w, "modescope.session", marker);

  b = g_byte_array_new ();
  enc_settings (b, &x->settings);
  ms_checkpoint_writer_add (w, "settings", MS_CHECKPOINT_TYPE_BLOB, b->data, b->len);

  g_byte_array_set_size (b, 0);
  enc_u64 (b, (guint64) x->iteration);
  enc_u32 (b, x->generation);
  enc_u32 (b, x->run);
  enc_u32 (b, x->n_evaluations);
  enc_i32 (b, x->eval_every);
  enc_u32 (b, self->next_id);
  enc_evaluations (b, x->fed, G_MAXINT64);
  ms_checkpoint_writer_add (w, "trainer", MS_CHECKPOINT_TYPE_BLOB, b->data, b->len);

  ms_checkpoint_writer_add (w, "state", MS_CHECKPOINT_TYPE_BLOB,
                            g_bytes_get_data (x->state, NULL), g_bytes_get_size (x->state));

  g_byte_array_set_size (b, 0);
  enc_points (b, (const MsCurvePoint *) (gpointer) self->curve->data, self->curve->len,
              x->iteration);
  for (guint i = 0; i < self->events->len; i++)
    if (((MsSessionEvent *) g_ptr_array_index (self->events, i))->iteration <= x->iteration)
      n_events = i + 1;
  enc_u32 (b, n_events);
  for (guint i = 0; i < n_events; i++)
    {
      const MsSessionEvent *e = g_ptr_array_index (self->events, i);

      enc_u64 (b, (guint64) e->iteration);
      enc_u32 (b, e->kind);
      enc_u32 (b, e->command_id);
      enc_str (b, e->label);
    }
  enc_evaluations (b, self->evaluations, x->iteration);
  enc_u32 (b, self->branches->len);
  for (guint i = 0; i < self->branches->len; i++)
    {
      const Branch *br = g_ptr_array_index (self->branches, i);

      enc_u64 (b, (guint64) br->fork_iteration);
      enc_points (b, (const MsCurvePoint *) (gpointer) br->points->data, br->points->len,
                  G_MAXINT64);
    }
  ms_checkpoint_writer_add (w, "history", MS_CHECKPOINT_TYPE_BLOB, b->data, b->len);

  g_byte_array_set_size (b, 0);
  enc_u32 (b, x->snapshots->len);
  for (guint i = 0; i < x->snapshots->len; i++)
    {
      const Snapshot *s = g_ptr_array_index (x->snapshots, i);
      g_autofree char *name = g_strdup_printf ("snapshot.%u", s->id);

      enc_u32 (b, s->id);
      enc_u64 (b, (guint64) s->iteration);
      ms_checkpoint_writer_add (w, name, MS_CHECKPOINT_TYPE_BLOB,
                                g_bytes_get_data (s->bytes, NULL), g_bytes_get_size (s->bytes));
    }
  ms_checkpoint_writer_add (w, "snapshots", MS_CHECKPOINT_TYPE_BLOB, b->data, b->len);

  ms_checkpoint_writer_add_key_values (w, "notes", self->notes);

  g_byte_array_set_size (b, 0);
  enc_k_data (b, x->fed, G_MAXINT64);
  enc_k_data (b, self->evaluations, x->iteration);
  ms_checkpoint_writer_add (w, "evaluations.k_data", MS_CHECKPOINT_TYPE_BLOB, b->data, b->len);
  return w;
}

typedef struct
{
  GMutex         lock;
  GCond          cond;
  gboolean       done;
  TrainerExport *export;
} SyncExport;

static void
sync_export_done (TrainerExport *x,
                  gpointer       data)
{
  SyncExport *se = data;

  g_mutex_lock (&se->lock);
  se->export = x;
  se->done = TRUE;
  g_cond_signal (&se->cond);
  g_mutex_unlock (&se->lock);
}

static gboolean
export_ok (TrainerExport  *x,
           GError        **error)
{
  if (x == NULL)
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO,
                           _("the session was closed"));
      return FALSE;
    }
  if (x->error != NULL)
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO, x->error);
      return FALSE;
    }
  return TRUE;
}

gboolean
ms_session_save_file (MsSession   *self,
                      const char  *path,
                      GError     **error)
{
  SyncExport se = { 0, };
  g_autoptr(MsCheckpointWriter) w = NULL;
  gboolean ok;

  g_return_val_if_fail (MS_IS_SESSION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_init (&se.lock);
  g_cond_init (&se.cond);
  _ms_session_request_export (self, sync_export_done, &se);
  /* The trainer answers between two steps and never waits on this thread */
  g_mutex_lock (&se.lock);
  while (!se.done)
    g_cond_wait (&se.cond, &se.lock);
  g_mutex_unlock (&se.lock);
  g_mutex_clear (&se.lock);
  g_cond_clear (&se.cond);

  ok = export_ok (se.export, error);
  if (ok)
    {
      _ms_session_take_mailbox (self);
      w = build_writer (self, se.export);
      ok = ms_checkpoint_writer_save (w, path, error);
    }
  _ms_trainer_export_free (se.export);
  if (!ok)
    prefix_path (error, path, TRUE);
  return ok;
}

typedef struct
{
  char               *path;
  MsCheckpointWriter *writer;
} AsyncSave;

static void
async_save_free (gpointer data)
{
  AsyncSave *as = data;

  g_free (as->path);
  g_clear_pointer (&as->writer, ms_checkpoint_writer_free);
  g_free (as);
}

static void
save_in_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  AsyncSave *as = data;
  GError *error = NULL;

  if (ms_checkpoint_writer_save (as->writer, as->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    {
      prefix_path (&error, as->path, TRUE);
      g_task_return_error (task, error);
    }
}

/* Main thread: the trainer's export has arrived */
static void
export_arrived (GObject      *object,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  MsSession *self = MS_SESSION (object);
  AsyncSave *as = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  TrainerExport *x = g_task_propagate_pointer (G_TASK (result), &error);

  if (error == NULL && export_ok (x, &error))
    {
      _ms_session_take_mailbox (self);
      as->writer = build_writer (self, x);
    }
  _ms_trainer_export_free (x);
  /* The reference the request held (dropped here, on the main thread, since the inner task
   * holds the session, whose last reference must never go on the trainer thread) */
  g_object_unref (result);
  if (error != NULL)
    {
      prefix_path (&error, as->path, TRUE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_run_in_thread (task, save_in_thread);
}

/* Trainer thread: hands the export to the main context */
static void
async_export_done (TrainerExport *x,
                   gpointer       data)
{
  GTask *inner = data;

  /* export_arrived() drops the request's reference */
  g_task_return_pointer (inner, x, (GDestroyNotify) _ms_trainer_export_free);
}

void
ms_session_save_file_async (MsSession           *self,
                            const char          *path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task, *inner;
  AsyncSave *as;

  g_return_if_fail (MS_IS_SESSION (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ms_session_save_file_async);
  as = g_new0 (AsyncSave, 1);
  as->path = g_strdup (path);
  g_task_set_task_data (task, as, async_save_free);
  /* The inner task carries the trainer's answer to this context */
  inner = g_task_new (self, NULL, export_arrived, task);
  _ms_session_request_export (self, async_export_done, inner);
}

gboolean
ms_session_save_file_finish (MsSession     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Loading ------------------------------------------------------------------------------ */

typedef struct
{
  MsSessionSettings settings;
  gint64    iteration;
  guint     generation, run, n_evaluations, next_id;
  int       eval_every;
  GArray   *fed;
  GArray   *curve;
  GPtrArray *events;
  GArray   *evaluations;
  GPtrArray *branches;
  GPtrArray *snapshots;
  GHashTable *notes;
} Loaded;

static void
loaded_clear (Loaded *l)
{
  ms_session_settings_clear (&l->settings);
  g_clear_pointer (&l->fed, g_array_unref);
  g_clear_pointer (&l->curve, g_array_unref);
  g_clear_pointer (&l->events, g_ptr_array_unref);
  g_clear_pointer (&l->evaluations, g_array_unref);
  g_clear_pointer (&l->branches, g_ptr_array_unref);
  g_clear_pointer (&l->snapshots, g_ptr_array_unref);
  g_clear_pointer (&l->notes, g_hash_table_unref);
}

static gboolean
blob (MsCheckpoint  *ck,
      const char    *name,
      Dec           *d,
      GError       **error)
{
  gsize len = 0;
  const guint8 *p = ms_checkpoint_lookup (ck, name, MS_CHECKPOINT_TYPE_BLOB, &len, error);

  if (p == NULL)
    return FALSE;
  d->p = p;
  d->left = len;
  d->ok = TRUE;
  return TRUE;
}

static gboolean
sorted_by_iteration (GArray *a,
                     gsize   offset)
{
  for (guint i = 1; i < a->len; i++)
    if (G_STRUCT_MEMBER (gint64, a->data + (i - 1) * g_array_get_element_size (a), offset)
        > G_STRUCT_MEMBER (gint64, a->data + i * g_array_get_element_size (a), offset))
      return FALSE;
  return TRUE;
}

static gboolean
read_file (MsCheckpoint  *ck,
           Loaded        *l,
           GError       **error)
{
  g_autoptr(GHashTable) marker = NULL;
  const char *format, *version;
  Dec d;
  guint n;

  if (!ms_checkpoint_has_section (ck, "modescope.session"))
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_NOT_CHECKPOINT,
                           _("it is a ModeScope checkpoint, but not a session file"));
      return FALSE;
    }
  marker = ms_checkpoint_get_key_values (ck, "modescope.session", error);
  if (marker == NULL)
    return FALSE;
  format = g_hash_table_lookup (marker, "format");
  version = g_hash_table_lookup (marker, "version");
  if (g_strcmp0 (format, FORMAT_NAME) != 0 || version == NULL)
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_NOT_CHECKPOINT,
                           _("it is a ModeScope checkpoint, but not a session file"));
      return FALSE;
    }
  /* The version is quoted below: digits only, so no file text reaches the message */
  if (*version == '\0' || strlen (version) > 9
      || strspn (version, "0123456789") != strlen (version))
    return damaged (error, PART_MARKER);
  if (g_ascii_strtoull (version, NULL, 10) != MS_SESSION_FILE_VERSION)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_TOO_NEW,
                   _("it is a session file of version %s, this ModeScope reads version %d: "
                     "open it with the ModeScope that wrote it"), version,
                   MS_SESSION_FILE_VERSION);
      return FALSE;
    }

  if (!blob (ck, "settings", &d, error))
    return FALSE;
  dec_settings (&d, &l->settings);
  if (!d.ok || d.left != 0)
    return damaged (error, PART_SETTINGS);
  if (!ms_session_settings_validate (&l->settings, error))
    {
      g_prefix_error (error, _("its settings are invalid: "));
      return FALSE;
    }

  if (!blob (ck, "trainer", &d, error))
    return FALSE;
  l->iteration = (gint64) dec_u64 (&d);
  l->generation = dec_u32 (&d);
  l->run = dec_u32 (&d);
  l->n_evaluations = dec_u32 (&d);
  l->eval_every = dec_i32 (&d);
  l->next_id = dec_u32 (&d);
  l->fed = dec_evaluations (&d);
  /* (the detector's inputs need not be in order: a restore goes back) */
  if (!d.ok || d.left != 0 || l->iteration < 0 || l->eval_every < 1 || l->eval_every > 1000000)
    return damaged (error, PART_TRAINER);

  if (!blob (ck, "history", &d, error))
    return FALSE;
  l->curve = dec_points (&d);
  n = dec_count (&d, 8 + 4 + 4 + 4);
  l->events = g_ptr_array_new_with_free_func (_ms_session_event_free);
  for (guint i = 0; i < n && d.ok; i++)
    {
      gint64 iteration = (gint64) dec_u64 (&d);
      guint32 kind = dec_u32 (&d);
      guint32 id = dec_u32 (&d);
      char *label = dec_str (&d);

      sanitize_text (label);
      if (kind > MS_SESSION_EVENT_ERROR || iteration < 0 || label == NULL)
        d.ok = FALSE;
      if (d.ok)
        g_ptr_array_add (l->events, _ms_session_event_new (iteration, (MsSessionEventKind) kind,
                                                           id, label));
      else
        g_free (label);
    }
  l->evaluations = dec_evaluations (&d);
  n = dec_count (&d, 8 + 4);
  if (n > MS_SESSION_MAX_BRANCHES)
    d.ok = FALSE;
  l->branches = g_ptr_array_new_with_free_func (_ms_branch_free);
  for (guint i = 0; i < n && d.ok; i++)
    {
      Branch *b = g_new0 (Branch, 1);

      b->fork_iteration = (gint64) dec_u64 (&d);
      b->points = dec_points (&d);
      g_ptr_array_add (l->branches, b);
    }
  if (!d.ok || d.left != 0
      || !sorted_by_iteration (l->curve, G_STRUCT_OFFSET (MsCurvePoint, iteration))
      || !sorted_by_iteration (l->evaluations, G_STRUCT_OFFSET (MsSessionEvaluation, iteration)))
    return damaged (error, PART_HISTORY);

  if (!blob (ck, "snapshots", &d, error))
    return FALSE;
  n = dec_count (&d, 4 + 8);
  l->snapshots = g_ptr_array_new_with_free_func (_ms_snapshot_free);
  for (guint i = 0; i < n && d.ok; i++)
    {
      guint32 id = dec_u32 (&d);
      gint64 iteration = (gint64) dec_u64 (&d);
      g_autofree char *name = g_strdup_printf ("snapshot.%u", id);
      gconstpointer p;
      gsize len = 0;
      Snapshot *s;

      if (!d.ok)
        break;
      p = ms_checkpoint_lookup (ck, name, MS_CHECKPOINT_TYPE_BLOB, &len, error);
      if (p == NULL)
        return FALSE;
      s = g_new0 (Snapshot, 1);
      s->id = id;
      s->iteration = iteration;
      s->bytes = g_bytes_new (p, len);
      g_ptr_array_add (l->snapshots, s);
    }
  if (!d.ok || d.left != 0)
    return damaged (error, PART_SNAPSHOTS);

  /* Optional (older files lack it): without it every k_data stays 0 */
  if (ms_checkpoint_has_section (ck, "evaluations.k_data"))
    {
      if (!blob (ck, "evaluations.k_data", &d, error))
        return FALSE;
      dec_k_data (&d, l->fed);
      dec_k_data (&d, l->evaluations);
      if (!d.ok || d.left != 0)
        return damaged (error, PART_HISTORY);
    }

  l->notes = ms_checkpoint_get_key_values (ck, "notes", error);
  return l->notes != NULL;
}

/* Everything after the container's own checks, shared by files and bytes.  @display names
 * the file in messages and in the "continued from" event. */
static MsSession *
new_from_checkpoint (MsCheckpoint  *ck,
                     const char    *display,
                     gboolean       headless,
                     GError       **error)
{
  g_autoptr(GBytes) state = NULL;
  Loaded l;
  Trainer *t;
  MsSession *self;
  gconstpointer p;
  gsize len = 0;
  GHashTableIter iter;
  gpointer key, value;

  memset (&l, 0, sizeof l);
  if (!read_file (ck, &l, error))
    goto fail;
  p = ms_checkpoint_lookup (ck, "state", MS_CHECKPOINT_TYPE_BLOB, &len, error);
  if (p == NULL)
    goto fail;
  state = g_bytes_new (p, len);
  for (guint i = 0; i < l.snapshots->len; i++)
    {
      /* Every snapshot is a checked container too, so a restore cannot fail on it later */
      g_autoptr(MsCheckpoint) sck = ms_checkpoint_load_bytes (((Snapshot *)
                                                               g_ptr_array_index (l.snapshots, i))->bytes,
                                                              error);

      if (sck == NULL)
        {
          g_prefix_error (error, _("its snapshot %u: "),
                          ((Snapshot *) g_ptr_array_index (l.snapshots, i))->id);
          goto fail;
        }
    }

  /* Build the run as it was: the networks from the settings, then the saved state.  Whether
   * frames are headless belongs to the front end opening the file, not to the run. */
  l.settings.start_paused = TRUE;
  l.settings.headless = headless;
  t = _ms_trainer_new (&l.settings);
  if (!_ms_trainer_start_run (t, TRUE, error) || !_ms_trainer_load (t, state, error))
    {
      _ms_trainer_free (t);
      goto fail;
    }
  if (t->iteration != l.iteration)
    {
      _ms_trainer_free (t);
      damaged (error, PART_TRAINER);
      goto fail;
    }
  /* What start_run reset or recorded belongs to a fresh run, not to this one */
  g_ptr_array_set_size (t->events, 0);
  g_array_set_size (t->points, 0);
  g_array_set_size (t->evals, 0);
  t->truncate_to = G_MAXINT64;
  t->truncate_flags = 0;
  t->generation = l.generation;
  t->run = l.run;
  t->n_evaluations = l.n_evaluations;
  t->eval_every = l.eval_every;
  t->settings.eval_every = l.eval_every;
  g_array_unref (t->fed);
  t->fed = g_steal_pointer (&l.fed);
  _ms_trainer_replay_detector (t);
  for (guint i = 0; i < l.snapshots->len; i++)
    g_ptr_array_add (t->snapshots, _ms_snapshot_copy (g_ptr_array_index (l.snapshots, i)));
  _ms_trainer_take_last_good (t);
  {
    char *label = g_strdup_printf (_("continued from “%s” at iteration %lld"), display,
                                   (long long) t->iteration);

    sanitize_text (label);   /* a file name may hold a line break */
    g_ptr_array_add (t->events,
                     _ms_session_event_new (t->iteration, MS_SESSION_EVENT_RESTORE, 0, label));
  }

  self = _ms_session_new_for_trainer (t, FALSE);
  self->next_id = l.next_id;
  g_array_append_vals (self->curve, l.curve->data, l.curve->len);
  g_array_append_vals (self->evaluations, l.evaluations->data, l.evaluations->len);
  g_ptr_array_extend_and_steal (self->events, g_steal_pointer (&l.events));
  g_ptr_array_extend_and_steal (self->branches, g_steal_pointer (&l.branches));
  for (guint i = 0; i < l.snapshots->len; i++)
    {
      Snapshot *s = g_ptr_array_index (l.snapshots, i);

      g_hash_table_replace (self->snapshots, GUINT_TO_POINTER (s->id), g_bytes_ref (s->bytes));
      self->next_id = MAX (self->next_id, s->id);
    }
  g_hash_table_iter_init (&iter, l.notes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ms_session_set_note (self, key, value);
  loaded_clear (&l);
  _ms_session_start (self, t);
  return self;

fail:
  loaded_clear (&l);
  return NULL;
}

static MsSession *
new_from_file (const char  *path,
               gboolean     headless,
               GError     **error)
{
  g_autoptr(MsCheckpoint) ck = NULL;
  g_autofree char *display = g_filename_display_name (path);
  MsSession *self = NULL;

  ck = ms_checkpoint_load (path, error);
  if (ck != NULL)
    self = new_from_checkpoint (ck, display, headless, error);
  if (self == NULL)
    prefix_path (error, path, FALSE);
  return self;
}

MsSession *
ms_session_new_from_bytes (GBytes      *bytes,
                           const char  *display,
                           gboolean     headless,
                           GError     **error)
{
  g_autoptr(MsCheckpoint) ck = NULL;
  MsSession *self = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ck = ms_checkpoint_load_bytes (bytes, error);
  if (ck != NULL)
    self = new_from_checkpoint (ck, display, headless, error);
  if (self == NULL)
    g_prefix_error (error, _("Cannot open the session file “%s”: "), display);
  return self;
}

MsSession *
ms_session_new_from_file (const char  *path,
                          GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return new_from_file (path, FALSE, error);
}

MsSession *
ms_session_new_from_file_headless (const char  *path,
                                   GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return new_from_file (path, TRUE, error);
}
