/* ms-session.c: the trainer thread, its commands and its frames
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything named Trainer or trainer_* runs on the trainer thread and owns the engine state;
 * everything taking an MsSession runs on the main thread.  They share only the Shared struct:
 * the command queue, the pause condition, the stop flag and the one-slot mailbox.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "ms-checkpoint.h"
#include "ms-classifier.h"
#include "ms-quote.h"
#include "ms-session-private.h"
#include "ms-source.h"

#define EVAL_CHUNK 2500   /* generator samples per call when evaluating */
#define NO_TRUNCATE G_MAXINT64
#define N_REAL_POINTS 512
/* Frames between evaluations for a window: about 4 a second keeps the grid and the losses
 * live for a few percent of a 2-core step budget (a frame generates the grid and labels it) */
#define FRAME_INTERVAL_US (250 * 1000)
/* How much nicer than the window a window's trainer threads run (trainer_lower_priority) */
#define TRAINER_NICE 5

/* Why the history is cut: a restore or reset keeps the old curve as a branch to compare
 * with; a new run (other data or networks) drops the branches, a divergence keeps nothing. */
enum
{
  TRUNCATE_BRANCH  = 1 << 0,
  TRUNCATE_NEW_RUN = 1 << 1,
};
#define HEAT_SIZE 48

/* Settings ----------------------------------------------------------------------------- */

void
ms_session_settings_init (MsSessionSettings *settings,
                          const char        *dataset,
                          MsLossKind         loss)
{
  MsOptimKind kind;
  MsOptimConfig o;

  g_return_if_fail (settings != NULL);
  g_return_if_fail (loss < MS_LOSS_N_KINDS);

  memset (settings, 0, sizeof *settings);
  settings->dataset = g_strdup (dataset != NULL ? dataset : "mnist");
  settings->gan = ms_gan_config_default (loss);
  settings->points_std = 0.05f;
  settings->pack = 1;
  settings->seed = 1;
  settings->eval_every = 100;
  settings->eval_samples = 500;
  settings->grid_size = 64;
  settings->snapshot_every = 5;

  /* The CLI's defaults (ms-cli-train.c): WGAN RMSProp 5e-5; WGAN-GP Adam 1e-4 (0.5, 0.9);
   * DCGAN Adam 2e-4 beta1 0.5. */
  kind = loss == MS_LOSS_WGAN_CLIP ? MS_OPTIM_RMSPROP : MS_OPTIM_ADAM;
  o = ms_optim_config_default (kind);
  if (kind == MS_OPTIM_ADAM)
    {
      o.lr = loss == MS_LOSS_WGAN_GP ? 1e-4 : 2e-4;
      o.beta1 = 0.5;
      o.beta2 = loss == MS_LOSS_WGAN_GP ? 0.9 : 0.999;
    }
  else
    o.lr = 5e-5;
  settings->optim_g = o;
  settings->optim_d = o;
}

void
ms_session_settings_copy (MsSessionSettings       *dst,
                          const MsSessionSettings *src)
{
  g_return_if_fail (dst != NULL && src != NULL && dst != src);

  *dst = *src;
  dst->dataset = g_strdup (src->dataset);
  dst->arch = g_strdup (src->arch);
  dst->points = src->points != NULL && src->n_points > 0
                ? g_memdup2 (src->points, sizeof (float) * 2 * (gsize) src->n_points) : NULL;
}

void
ms_session_settings_clear (MsSessionSettings *settings)
{
  g_return_if_fail (settings != NULL);

  g_clear_pointer (&settings->dataset, g_free);
  g_clear_pointer (&settings->arch, g_free);
  g_clear_pointer (&settings->points, g_free);
}

gboolean
ms_session_settings_validate (const MsSessionSettings *s,
                              GError                 **error)
{
  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (s->dataset == NULL || *s->dataset == '\0')
    {
      g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID, _("no dataset given"));
      return FALSE;
    }
  if (g_strcmp0 (s->dataset, "drawn") == 0)
    {
      if (s->points == NULL || s->n_points < 1 || s->n_points > MS_EVAL_MAX_CLASSES)
        {
          g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                       _("a drawn distribution needs between 1 and %d points"),
                       MS_EVAL_MAX_CLASSES);
          return FALSE;
        }
      for (int i = 0; i < 2 * s->n_points; i++)
        if (!(fabsf (s->points[i]) <= 100.0f))
          {
            g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                                 _("a drawn point lies outside -100 .. 100"));
            return FALSE;
          }
      if (!(s->points_std > 0.0f && s->points_std <= 10.0f))
        {
          g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                               _("the drawn modes' spread must be above 0 and at most 10"));
          return FALSE;
        }
    }
  if (s->arch != NULL && !g_strv_contains ((const char * const *) ms_arch_names (), s->arch))
    {
      g_autofree char *shown = ms_quote_text (s->arch);   /* typed, or from a file */

      g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID, _("unknown architecture “%s”"),
                   shown);
      return FALSE;
    }
  if (!ms_gan_config_validate (&s->gan, error)
      || !ms_optim_config_validate (&s->optim_g, error)
      || !ms_optim_config_validate (&s->optim_d, error))
    return FALSE;
  if (s->pack < 1 || s->pack > 16)
    {
      g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                           _("pack must be between 1 and 16"));
      return FALSE;
    }
  if (s->eval_every < 1 || s->eval_every > 1000000)
    {
      g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                           _("the evaluation interval must be between 1 and 1000000 "
                             "iterations"));
      return FALSE;
    }
  if (s->eval_samples < 0 || s->eval_samples > 100000)
    {
      g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                           _("evaluation samples must be between 0 and 100000"));
      return FALSE;
    }
  if (s->grid_size < 1 || s->grid_size > 1024)
    {
      g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                           _("the sample grid must hold between 1 and 1024 samples"));
      return FALSE;
    }
  if (s->snapshot_every < 1)
    {
      g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                           _("snapshot_every must be at least 1"));
      return FALSE;
    }
  return TRUE;
}

/* Commands ----------------------------------------------------------------------------- */

typedef enum
{
  CMD_SET_OPTIM,
  CMD_SET_LR,
  CMD_SET_GAN_CONFIG,
  CMD_SET_BATCH,
  CMD_PAUSE,
  CMD_RESUME,
  CMD_STEP,
  CMD_RESET,
  CMD_NEW_RUN,
  CMD_SNAPSHOT,
  CMD_RESTORE,
  CMD_SET_EVAL_EVERY,
  CMD_DELETE_SNAPSHOT,
  CMD_EXPORT,
  CMD_STOP,
} CommandKind;

struct _MsSessionCommand
{
  CommandKind        kind;
  guint              id;
  gint64             at;          /* -1: at the next step boundary */
  gboolean           generator;
  double             value;       /* lr */
  int                ivalue;      /* batch, step kind, snapshot id, eval interval */
  MsOptimConfig      optim;
  MsGanConfig        gan;
  MsSessionSettings *settings;
  TrainerExportFunc  export_done;   /* CMD_EXPORT */
  gpointer           export_data;
};

static MsSessionCommand *
command_new (CommandKind kind)
{
  MsSessionCommand *c = g_new0 (MsSessionCommand, 1);

  c->kind = kind;
  c->at = -1;
  return c;
}

MsSessionCommand *
ms_session_command_new_set_optim (gboolean             generator,
                                  const MsOptimConfig *config)
{
  MsSessionCommand *c;

  g_return_val_if_fail (config != NULL, NULL);
  c = command_new (CMD_SET_OPTIM);
  c->generator = !!generator;
  c->optim = *config;
  return c;
}

MsSessionCommand *
ms_session_command_new_set_lr (gboolean generator,
                               double   lr)
{
  MsSessionCommand *c = command_new (CMD_SET_LR);

  c->generator = !!generator;
  c->value = lr;
  return c;
}

MsSessionCommand *
ms_session_command_new_set_gan_config (const MsGanConfig *config)
{
  MsSessionCommand *c;

  g_return_val_if_fail (config != NULL, NULL);
  c = command_new (CMD_SET_GAN_CONFIG);
  c->gan = *config;
  return c;
}

MsSessionCommand *
ms_session_command_new_set_batch (int batch)
{
  MsSessionCommand *c = command_new (CMD_SET_BATCH);

  c->ivalue = batch;
  return c;
}

MsSessionCommand *
ms_session_command_new_pause (void)
{
  return command_new (CMD_PAUSE);
}

MsSessionCommand *
ms_session_command_new_resume (void)
{
  return command_new (CMD_RESUME);
}

MsSessionCommand *
ms_session_command_new_step (MsStepKind kind)
{
  MsSessionCommand *c;

  g_return_val_if_fail (kind <= MS_STEP_BOTH, NULL);
  c = command_new (CMD_STEP);
  c->ivalue = kind;
  return c;
}

MsSessionCommand *
ms_session_command_new_reset (void)
{
  return command_new (CMD_RESET);
}

MsSessionCommand *
ms_session_command_new_new_run (const MsSessionSettings *settings)
{
  MsSessionCommand *c;

  g_return_val_if_fail (settings != NULL, NULL);
  c = command_new (CMD_NEW_RUN);
  c->settings = g_new0 (MsSessionSettings, 1);
  ms_session_settings_copy (c->settings, settings);
  return c;
}

MsSessionCommand *
ms_session_command_new_snapshot (void)
{
  return command_new (CMD_SNAPSHOT);
}

MsSessionCommand *
ms_session_command_new_restore (guint snapshot_id)
{
  MsSessionCommand *c = command_new (CMD_RESTORE);

  c->ivalue = (int) snapshot_id;
  return c;
}

MsSessionCommand *
ms_session_command_new_set_eval_every (int k)
{
  MsSessionCommand *c = command_new (CMD_SET_EVAL_EVERY);

  c->ivalue = k;
  return c;
}

void
ms_session_command_free (MsSessionCommand *command)
{
  if (command == NULL)
    return;
  /* An export request dropped unanswered (the session is going away) */
  if (command->kind == CMD_EXPORT && command->export_done != NULL)
    command->export_done (NULL, command->export_data);
  if (command->settings != NULL)
    {
      ms_session_settings_clear (command->settings);
      g_free (command->settings);
    }
  g_free (command);
}

/* Events, frames ----------------------------------------------------------------------- */

MsSessionEvent *
_ms_session_event_new (gint64              iteration,
           MsSessionEventKind  kind,
           guint               command_id,
           char               *label)
{
  MsSessionEvent *e = g_new0 (MsSessionEvent, 1);

  e->iteration = iteration;
  e->kind = kind;
  e->command_id = command_id;
  e->label = label;
  return e;
}

void
_ms_session_event_free (gpointer data)
{
  MsSessionEvent *e = data;

  g_free (e->label);
  g_free (e);
}

typedef struct
{
  MsFrame          frame;
  gatomicrefcount  ref_count;
} FrameReal;

G_DEFINE_BOXED_TYPE (MsFrame, ms_frame, ms_frame_ref, ms_frame_unref)

MsFrame *
ms_frame_ref (MsFrame *frame)
{
  g_return_val_if_fail (frame != NULL, NULL);
  g_atomic_ref_count_inc (&((FrameReal *) frame)->ref_count);
  return frame;
}

void
ms_frame_unref (MsFrame *frame)
{
  g_return_if_fail (frame != NULL);
  if (!g_atomic_ref_count_dec (&((FrameReal *) frame)->ref_count))
    return;
  g_free (frame->samples);
  g_free (frame->grey);
  g_free (frame->collapse_reason);
  for (guint i = 0; i < frame->n_events; i++)
    g_free (frame->events[i].label);
  g_free (frame->events);
  g_free (frame->points);
  ms_session_settings_clear (&frame->settings);
  g_strfreev (frame->class_names);
  g_free (frame->grid_labels);
  g_free (frame->real_points);
  g_free (frame->heat);
  g_free (frame->mode_centres);
  g_free (frame);
}

MsFrame *
ms_frame_new (void)
{
  FrameReal *real = g_new0 (FrameReal, 1);

  g_atomic_ref_count_init (&real->ref_count);
  return &real->frame;
}

/* Shared state ----------------------------------------------------------------------- */

void
_ms_snapshot_free (gpointer data)
{
  Snapshot *s = data;

  g_bytes_unref (s->bytes);
  g_free (s);
}

Snapshot *
_ms_snapshot_copy (const Snapshot *s)
{
  Snapshot *c = g_new0 (Snapshot, 1);

  c->id = s->id;
  c->iteration = s->iteration;
  c->bytes = g_bytes_ref (s->bytes);
  return c;
}

/* Trainer thread ----------------------------------------------------------------------- */

static void
trainer_event (Trainer            *t,
               MsSessionEventKind  kind,
               guint               command_id,
               const char         *format,
               ...) G_GNUC_PRINTF (4, 5);

static void
trainer_event (Trainer            *t,
               MsSessionEventKind  kind,
               guint               command_id,
               const char         *format,
               ...)
{
  va_list args;
  char *label;

  va_start (args, format);
  label = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (t->events, _ms_session_event_new (t->iteration, kind, command_id, label));
}

/* A batch larger than a finite training set (a folder of a few images) only repeats its
 * images: it is clamped to the set's size.  Returns the explanation, or NULL when @cfg is
 * unchanged.  2-D mixtures and drawn points are sampled without end and never clamped. */
static char *
trainer_clamp_batch (Trainer     *t,
                     MsGanConfig *cfg)
{
  gsize n = t->src != NULL ? ms_data_source_n_points (t->src) : 0;
  int asked = cfg->batch;

  if (n == 0 || (gsize) asked <= n)
    return NULL;
  cfg->batch = (int) n;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "batch %d is larger than the data set, which has %d "
                                       "image: the batch is %d",
                                       "batch %d is larger than the data set, which has %d "
                                       "images: the batch is %d", (gulong) n),
                          asked, (int) n, (int) n);
}

static void
trainer_truncate (Trainer *t,
                  gint64   iteration)
{
  guint keep = 0;

  for (guint i = 0; i < t->points->len; i++)
    if (g_array_index (t->points, MsCurvePoint, i).iteration <= iteration)
      g_array_index (t->points, MsCurvePoint, keep++) = g_array_index (t->points, MsCurvePoint, i);
  g_array_set_size (t->points, keep);
  keep = 0;
  for (guint i = 0; i < t->evals->len; i++)
    if (g_array_index (t->evals, MsSessionEvaluation, i).iteration <= iteration)
      g_array_index (t->evals, MsSessionEvaluation, keep++) =
        g_array_index (t->evals, MsSessionEvaluation, i);
  g_array_set_size (t->evals, keep);
  t->truncate_to = MIN (t->truncate_to, iteration);
}

static void
trainer_free_run (Trainer *t)
{
#ifdef __GLIBC__
  gboolean had_run = t->gan != NULL;
#endif

  g_clear_pointer (&t->gan, ms_gan_free);
  g_clear_pointer (&t->grid_z, g_free);
  g_clear_pointer (&t->eval_z, g_free);
  t->evaluated = t->have_eval = FALSE;
#ifdef __GLIBC__
  /* A run's step memory reaches gigabytes with costly settings (unroll 10 on MNIST), in
   * pieces glibc keeps for later rather than returning: give it back when the run goes
   * (modescope-cli soak: 2.2 GB resident after a new run, 0.13 GB after malloc_trim) */
  if (had_run)
    malloc_trim (0);
#endif
}

static void
trainer_free_data (Trainer *t)
{
  g_clear_pointer (&t->evaluator, ms_evaluator_free);
  g_clear_pointer (&t->classifier, ms_classifier_free);
  g_clear_pointer (&t->src, ms_data_source_free);
  g_clear_pointer (&t->real_points, g_free);
  t->reference_is = 0.0;
}

/* What the views compare the generator with, computed once per dataset: the Inception Score
 * of as many real test images as an evaluation draws, and a fixed sample of real 2-D points. */
static void
trainer_prepare_reference (Trainer *t)
{
  const MsSessionSettings *s = &t->settings;
  MsRng rng;

  ms_rng_seed (&rng, G_GUINT64_CONSTANT (0x7265616c));
  if (t->src->mixture != NULL)
    {
      t->real_points = g_new (float, 2 * N_REAL_POINTS);
      ms_mixture_sample (t->src->mixture, &rng, N_REAL_POINTS, t->real_points);
    }
  else if (t->evaluator != NULL && t->src->test != NULL && s->eval_samples > 0 && !s->headless)
    {
      guint n = MIN ((guint) s->eval_samples, t->src->test->n);
      g_autofree float *x = g_new (float, (gsize) n * ms_data_source_size (t->src));
      MsEvaluation e;

      ms_dataset_get_images_float (t->src->test, 0, n, x, TRUE);
      ms_evaluator_run (t->evaluator, x, (int) n, &e);
      t->reference_is = e.is_mean;
    }
}

/* Commands and restores change the run; the settings follow, so that a reset starts over
 * from what the user sees now and frames report the active values. */
static void
trainer_sync_settings (Trainer *t)
{
  t->settings.gan = *ms_gan_config (t->gan);
  t->settings.optim_g = ms_gan_optimizer (t->gan, TRUE)->config;
  t->settings.optim_d = ms_gan_optimizer (t->gan, FALSE)->config;
}

/* The "session" section of a snapshot: what MsGan does not save itself.  Written field by
 * field (little-endian), since snapshots also go into session files. */
#define SESSION_BLOB_SIZE (8 + 7 * 8)

static void
put_u64 (guint8 **p,
         guint64  v)
{
  v = GUINT64_TO_LE (v);
  memcpy (*p, &v, 8);
  *p += 8;
}

static guint64
get_u64 (const guint8 **p)
{
  guint64 v;

  memcpy (&v, *p, 8);
  *p += 8;
  return GUINT64_FROM_LE (v);
}

static void
put_f64 (guint8 **p,
         double   d)
{
  guint64 v;

  memcpy (&v, &d, 8);
  put_u64 (p, v);
}

static double
get_f64 (const guint8 **p)
{
  guint64 v = get_u64 (p);
  double d;

  memcpy (&d, &v, 8);
  return d;
}

GBytes *
_ms_trainer_save (Trainer *t)
{
  g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();
  guint8 blob[SESSION_BLOB_SIZE], *p = blob;
  const MsGanStats *st = &t->stats;

  put_u64 (&p, (guint64) t->iteration);
  put_f64 (&p, st->loss_d);
  put_f64 (&p, st->loss_g);
  put_f64 (&p, st->d_real);
  put_f64 (&p, st->d_fake);
  put_f64 (&p, st->grad_norm_d);
  put_f64 (&p, st->grad_norm_g);
  put_f64 (&p, st->penalty);
  g_assert (p == blob + sizeof blob);
  ms_gan_save (t->gan, w);
  ms_checkpoint_writer_add (w, "session", MS_CHECKPOINT_TYPE_BLOB, blob, sizeof blob);
  return ms_checkpoint_writer_to_bytes (w);
}

gboolean
_ms_trainer_load (Trainer  *t,
                  GBytes   *bytes,
                  GError  **error)
{
  g_autoptr(MsCheckpoint) ck = ms_checkpoint_load_bytes (bytes, error);
  const guint8 *p;
  gsize len = 0;
  gint64 iteration;
  MsGanStats stats;

  if (ck == NULL)
    return FALSE;
  p = ms_checkpoint_lookup (ck, "session", MS_CHECKPOINT_TYPE_BLOB, &len, error);
  if (p == NULL)
    return FALSE;
  if (len != SESSION_BLOB_SIZE)
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID,
                           _("the snapshot’s session section has the wrong size"));
      return FALSE;
    }
  memset (&stats, 0, sizeof stats);
  iteration = (gint64) get_u64 (&p);
  stats.loss_d = get_f64 (&p);
  stats.loss_g = get_f64 (&p);
  stats.d_real = get_f64 (&p);
  stats.d_fake = get_f64 (&p);
  stats.grad_norm_d = get_f64 (&p);
  stats.grad_norm_g = get_f64 (&p);
  stats.penalty = get_f64 (&p);
  if (iteration < 0)
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID,
                           _("the snapshot’s iteration is negative"));
      return FALSE;
    }
  if (!ms_gan_load (t->gan, ck, error))
    return FALSE;
  /* Gradients are not part of a state: those of the step before (NaN after a divergence)
   * would read as non-finite networks at the next check */
  ms_gan_zero_grad (t->gan);
  t->iteration = iteration;
  t->stats = stats;
  t->evaluated = t->have_eval = FALSE;
  trainer_sync_settings (t);
  return TRUE;
}

void
_ms_trainer_take_last_good (Trainer *t)
{
  g_clear_pointer (&t->last_good, _ms_snapshot_free);
  t->last_good = g_new0 (Snapshot, 1);
  t->last_good->iteration = t->iteration;
  t->last_good->bytes = _ms_trainer_save (t);
}

/* (Re)builds the networks from t->settings; reopens the data only when @reopen. */
gboolean
_ms_trainer_start_run (Trainer  *t,
                       gboolean  reopen,
                       GError  **error)
{
  const MsSessionSettings *s = &t->settings;
  MsArchConfig arch = { 0, };
  MsGanConfig gan_config;
  g_autofree char *clamped = NULL;
  MsRng rng;

  trainer_free_run (t);
  if (reopen || t->src == NULL)
    {
      trainer_free_data (t);
      if (g_strcmp0 (s->dataset, "drawn") == 0)
        t->src = ms_data_source_new_drawn (s->points, s->n_points, s->points_std);
      else
        t->src = ms_data_source_open (s->dataset, error);
      if (t->src == NULL)
        return FALSE;
      if (ms_data_source_is_2d (t->src))
        t->evaluator = ms_evaluator_new_mixture (t->src->mixture);
      else
        {
          /* Fashion-MNIST has its own classifier; digits and users' folders use MNIST's,
           * against their test split, or their training set when they have none. */
          const char *canonical = ms_classifier_dataset_canonical (s->dataset);
          const MsDataset *reference = t->src->test != NULL ? t->src->test : t->src->train;
          g_autoptr(GError) local = NULL;

          t->classifier = ms_classifier_load_default (canonical != NULL ? canonical : "mnist",
                                                      &local);
          if (t->classifier != NULL && reference != NULL)
            t->evaluator = ms_evaluator_new_images (t->classifier, reference,
                                                    canonical != NULL ? canonical : t->src->name);
          else
            trainer_event (t, MS_SESSION_EVENT_ERROR, 0, _("no evaluation: %s"),
                           local != NULL ? local->message
                                         : _("no classifier or test split for this dataset"));
        }
      trainer_prepare_reference (t);
    }
  arch.arch = s->arch != NULL ? s->arch : (ms_data_source_is_2d (t->src) ? "mlp" : "dcgan-small");
  arch.data_ndim = t->src->ndim;
  memcpy (arch.data_shape, t->src->shape, sizeof arch.data_shape);
  arch.pack = s->pack;
  gan_config = s->gan;
  clamped = trainer_clamp_batch (t, &gan_config);
  t->settings.gan.batch = gan_config.batch;
  t->gan = ms_gan_new (&arch, &gan_config, &s->optim_g, &s->optim_d, s->seed, ms_data_source_sample,
                       t->src, error);
  if (t->gan == NULL)
    return FALSE;
  /* AdaGAN's finite real set: the training images (2-D mixtures let the GAN draw its own) */
  if (ms_data_source_n_points (t->src) > 0)
    ms_gan_set_real_set (t->gan, ms_data_source_n_points (t->src), ms_data_source_get_points,
                         t->src);

  t->z_dim = ms_gan_z_dim (t->gan);
  t->grid_z = g_new (float, (gsize) s->grid_size * t->z_dim);
  ms_rng_seed (&rng, s->seed ^ G_GUINT64_CONSTANT (0x6772696400000000));
  ms_rng_fill_normal (&rng, t->grid_z, (gsize) s->grid_size * t->z_dim, 0.0f, 1.0f);
  /* The evaluations' noise, the same for the whole run (as modescope-cli always drew it) */
  t->eval_n = s->eval_samples;
  if (t->eval_n > 0)
    {
      t->eval_z = g_new (float, (gsize) t->eval_n * t->z_dim);
      ms_rng_seed (&rng, s->seed ^ G_GUINT64_CONSTANT (0x5eed0f1a1e7a1));
      ms_rng_fill_normal (&rng, t->eval_z, (gsize) t->eval_n * t->z_dim, 0.0f, 1.0f);
    }

  ms_collapse_detector_reset (t->detector);
  g_array_set_size (t->fed, 0);
  t->evaluated = t->have_eval = FALSE;
  memset (&t->stats, 0, sizeof t->stats);
  t->iteration = 0;
  t->n_evaluations = 0;
  t->eval_every = s->eval_every;
  t->run++;
  trainer_truncate (t, 0);
  _ms_trainer_take_last_good (t);
  trainer_event (t, MS_SESSION_EVENT_RUN_STARTED, 0,
                 /* Translators: a new run: its dataset, architecture, loss, the generator's
                    (G) and the discriminator's (D) optimizer and learning rate */
                 _("run %u: %s, %s, %s, G %s lr %g, D %s lr %g, batch %d, seed %llu"),
                 t->run, t->src->name, arch.arch, ms_loss_kind_to_string (s->gan.loss),
                 ms_optim_kind_to_string (s->optim_g.kind), s->optim_g.lr,
                 ms_optim_kind_to_string (s->optim_d.kind), s->optim_d.lr, s->gan.batch,
                 (unsigned long long) s->seed);
  if (clamped != NULL)
    trainer_event (t, MS_SESSION_EVENT_BATCH, 0, "%s", clamped);
  return TRUE;
}

static gboolean
all_finite (const float *x,
            gsize        n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return FALSE;
  return TRUE;
}

static char *trainer_check_networks (Trainer *t);

/* NULL when the losses (and with @weights the networks) are finite, else what is not
 * (transfer full) */
static char *
trainer_check (Trainer  *t,
               gboolean  weights)
{
  const MsGanStats *st = ms_gan_stats (t->gan);

  if (!isfinite (st->loss_d) || !isfinite (st->loss_g))
    return g_strdup_printf (_("loss D %g, loss G %g"), st->loss_d, st->loss_g);
  if (!weights)
    return NULL;
  return trainer_check_networks (t);
}

/* NULL when every network, gradient and optimizer moment is finite, else which is not */
static char *
trainer_check_networks (Trainer *t)
{
  switch (ms_gan_find_non_finite (t->gan))
    {
    case MS_GAN_NET_GENERATOR:
      return g_strdup (_("the generator's weights are not finite"));
    case MS_GAN_NET_DISCRIMINATOR:
      return g_strdup (_("the discriminator's weights are not finite"));
    case MS_GAN_NET_VEEGAN:
      return g_strdup (_("the VEEGAN reconstructor's or joint discriminator's weights are not "
                         "finite"));
    case MS_GAN_NET_ADAGAN:
      return g_strdup (_("an earlier AdaGAN generator's weights are not finite"));
    case MS_GAN_NET_NONE:
    default:
      return NULL;
    }
}

static void trainer_post (Trainer *t, gboolean evaluate);

static void
trainer_diverged (Trainer    *t,
                  const char *what)
{
  g_autoptr(GError) error = NULL;
  gint64 at = t->iteration;

  t->paused = TRUE;
  if (t->last_good != NULL && _ms_trainer_load (t, t->last_good->bytes, &error))
    {
      trainer_truncate (t, t->iteration);
      g_ptr_array_add (t->events,
                       _ms_session_event_new (at, MS_SESSION_EVENT_DIVERGED, 0,
                                  g_strdup_printf (_("diverged at iteration %lld (%s): "
                                                     "rolled back to iteration %lld (weights "
                                                     "and optimizer settings) and paused"),
                                                   (long long) at, what,
                                                   (long long) t->iteration)));
    }
  else
    {
      /* Cannot happen with our own snapshots; start the run again rather than show NaN. */
      g_autoptr(GError) error2 = NULL;

      g_ptr_array_add (t->events,
                       _ms_session_event_new (at, MS_SESSION_EVENT_DIVERGED, 0,
                                  g_strdup_printf (_("diverged at iteration %lld (%s) and "
                                                     "the rollback failed (%s): the run "
                                                     "starts again"), (long long) at, what,
                                                   error ? error->message : _("no snapshot"))));
      if (!_ms_trainer_start_run (t, FALSE, &error2))
        trainer_event (t, MS_SESSION_EVENT_ERROR, 0, "%s", error2->message);
    }
}

static void
trainer_add_point (Trainer *t)
{
  const MsGanStats *st = &t->stats;
  MsCurvePoint p = {
    .iteration = t->iteration,
    .loss_d = st->loss_d, .loss_g = st->loss_g, .d_real = st->d_real, .d_fake = st->d_fake,
    .grad_norm_d = st->grad_norm_d, .grad_norm_g = st->grad_norm_g,
  };

  g_array_append_val (t->points, p);
}

/* One step of @kind; FALSE when it diverged (and was rolled back) */
static gboolean
trainer_step (Trainer    *t,
              MsStepKind  kind)
{
  g_autofree char *what = NULL;

  switch (kind)
    {
    case MS_STEP_D:
      ms_gan_step_d (t->gan);
      break;
    case MS_STEP_G:
      ms_gan_step_g (t->gan);
      break;
    case MS_STEP_BOTH:
    default:
      ms_gan_iteration (t->gan);
      t->iteration++;
      break;
    }
  t->evaluated = FALSE;
  /* The losses every step; the weights (a scan of every parameter and gradient, 8% of a 2-D
   * step) before every frame of the run and on every manual step, so that no frame, and no
   * automatic snapshot (taken after a frame), holds a non-finite weight */
  what = trainer_check (t, kind != MS_STEP_BOTH || t->iteration % t->eval_every == 0);
  if (what != NULL)
    {
      trainer_diverged (t, what);
      trainer_post (t, TRUE);
      return FALSE;
    }
  t->stats = *ms_gan_stats (t->gan);
  if (kind == MS_STEP_BOTH)
    trainer_add_point (t);
  return TRUE;
}

/* D over the view of a 2-D dataset: the centres' bounding box, padded, made square */
static void
trainer_frame_heat (Trainer *t,
                    MsFrame *f)
{
  const MsMixture *mix = t->src->mixture;
  float x0 = G_MAXFLOAT, x1 = -G_MAXFLOAT, y0 = G_MAXFLOAT, y1 = -G_MAXFLOAT;
  float cx, cy, half;
  g_autofree float *xy = NULL;
  gboolean wgan;

  for (guint c = 0; c < mix->k; c++)
    {
      x0 = MIN (x0, mix->centres[2 * c]);
      x1 = MAX (x1, mix->centres[2 * c]);
      y0 = MIN (y0, mix->centres[2 * c + 1]);
      y1 = MAX (y1, mix->centres[2 * c + 1]);
    }
  cx = 0.5f * (x0 + x1);
  cy = 0.5f * (y0 + y1);
  half = 0.5f * MAX (x1 - x0, y1 - y0);
  half += MAX (6.0f * mix->std, 0.25f * half) + 0.05f;
  f->extent[0] = cx - half;
  f->extent[1] = cx + half;
  f->extent[2] = cy - half;
  f->extent[3] = cy + half;
  f->n_modes = (int) mix->k;
  f->mode_centres = g_memdup2 (mix->centres, sizeof (float) * 2 * mix->k);
  f->mode_std = mix->std;
  f->n_real = N_REAL_POINTS;
  f->real_points = g_memdup2 (t->real_points, sizeof (float) * 2 * N_REAL_POINTS);

  if (ms_gan_config (t->gan)->veegan || t->settings.pack != 1)
    return;   /* D sees (z, x) pairs or packed groups: it has no value at a single point */
  f->heat_size = HEAT_SIZE;
  f->heat = g_new (float, HEAT_SIZE * HEAT_SIZE);
  xy = g_new (float, 2 * HEAT_SIZE * HEAT_SIZE);
  for (int r = 0; r < HEAT_SIZE; r++)
    for (int c = 0; c < HEAT_SIZE; c++)
      {
        xy[2 * (r * HEAT_SIZE + c)] = f->extent[0] + (c + 0.5f) * 2.0f * half / HEAT_SIZE;
        xy[2 * (r * HEAT_SIZE + c) + 1] = f->extent[2] + (r + 0.5f) * 2.0f * half / HEAT_SIZE;
      }
  ms_gan_discriminate (t->gan, xy, HEAT_SIZE * HEAT_SIZE, f->heat);
  wgan = t->settings.gan.loss == MS_LOSS_WGAN_CLIP || t->settings.gan.loss == MS_LOSS_WGAN_GP;
  for (int i = 0; i < HEAT_SIZE * HEAT_SIZE; i++)
    if (!wgan)
      f->heat[i] = 1.0f / (1.0f + expf (-f->heat[i]));
    else if (!isfinite (f->heat[i]))
      f->heat[i] = 0.0f;
}

/* The settings and the reference every view compares with; @full adds what only views
 * draw (grid labels, the 2-D heat map and real points) */
static void
trainer_frame_reference (Trainer  *t,
                         MsFrame  *f,
                         gboolean  full)
{
  ms_session_settings_copy (&f->settings, &t->settings);
  f->reference_is = t->reference_is;
  if (t->evaluator != NULL)
    {
      f->n_classes = MIN (ms_evaluator_n_classes (t->evaluator), MS_EVAL_MAX_CLASSES);
      f->class_names = g_new0 (char *, f->n_classes + 1);
      for (int i = 0; i < f->n_classes; i++)
        {
          f->class_names[i] = g_strdup (ms_evaluator_class_name (t->evaluator, i));
          f->real_share[i] = ms_evaluator_reference_share (t->evaluator, i);
        }
      if (full && f->grid_n > 0)
        {
          f->grid_labels = g_new (gint8, f->grid_n);
          ms_evaluator_classify (t->evaluator, f->samples, f->grid_n, f->grid_labels);
        }
    }
  if (full && f->is_2d)
    trainer_frame_heat (t, f);
}

/* Evaluates the current weights unless they were already (see ms-session.h); FALSE when the
 * generator's samples are not finite. */
static gboolean
trainer_evaluate (Trainer  *t,
                  gboolean  judge_zero)
{
  gsize size = ms_gan_data_size (t->gan);
  int n = t->eval_n;
  g_autofree float *x = NULL;
  MsSessionEvaluation r;

  if (!t->evaluated)
    {
      x = g_new (float, (gsize) n * size);
      for (int i = 0; i < n; i += EVAL_CHUNK)
        ms_gan_generate (t->gan, t->eval_z + (gsize) i * t->z_dim, MIN (EVAL_CHUNK, n - i),
                         x + (gsize) i * size);
      if (!all_finite (x, (gsize) n * size))
        return FALSE;
      ms_evaluator_run (t->evaluator, x, n, &t->last_eval);
      t->evaluated = TRUE;
      t->have_eval = TRUE;
      t->last_eval_iteration = t->iteration;
      t->judged = FALSE;
    }
  /* The untrained generator is shown, and judged only when a command asks (a scripted run
   * of 0 iterations) */
  if (t->judged || (t->iteration == 0 && !judge_zero))
    return TRUE;
  t->judged = TRUE;

  memset (&r, 0, sizeof r);
  r.iteration = t->iteration;
  r.loss_d = t->stats.loss_d;
  r.loss_g = t->stats.loss_g;
  r.evaluation = t->last_eval;
  r.collapse_state = ms_evaluator_feed_detector (t->evaluator, &t->last_eval, t->detector);
  g_array_append_val (t->fed, r);
  g_array_append_val (t->evals, r);
  t->n_evaluations++;
  if (t->points->len > 0)
    {
      MsCurvePoint *p = &g_array_index (t->points, MsCurvePoint, t->points->len - 1);

      if (p->iteration == t->iteration)
        {
          p->has_eval = TRUE;
          p->kl = r.evaluation.kl_reference;
          p->is_mean = r.evaluation.is_mean;
          p->modes_covered = r.evaluation.modes_covered;
          p->collapse_score = r.evaluation.collapse_score;
          p->collapse_state = r.collapse_state;
        }
    }
  return TRUE;
}

/* Builds a frame (NULL when the generator's samples are not finite). */
static MsFrame *
trainer_build_frame (Trainer  *t,
                     gboolean  evaluate)
{
  const MsSessionSettings *s = &t->settings;
  MsFrame *f = ms_frame_new ();
  gsize size = ms_gan_data_size (t->gan);
  gboolean full = !s->headless || t->paused;

  f->iteration = t->iteration;
  f->generation = t->generation;
  f->run = t->run;
  f->paused = t->paused;
  f->stats = t->stats;
  f->is_2d = ms_data_source_is_2d (t->src);
  f->grid_n = full ? s->grid_size : 0;
  f->sample_ndim = t->src->ndim;
  memcpy (f->sample_shape, t->src->shape, sizeof f->sample_shape);
  f->sample_size = size;
  if (f->grid_n > 0)
    {
      f->samples = g_new (float, (gsize) f->grid_n * size);
      ms_gan_generate (t->gan, t->grid_z, f->grid_n, f->samples);
      if (!all_finite (f->samples, (gsize) f->grid_n * size))
        {
          ms_frame_unref (f);
          return NULL;
        }
      if (!f->is_2d)
        {
          f->grey = g_new (guint8, (gsize) f->grid_n * size);
          for (gsize i = 0; i < (gsize) f->grid_n * size; i++)
            f->grey[i] = (guint8) CLAMP (lrintf ((f->samples[i] + 1.0f) * 127.5f), 0, 255);
        }
    }

  if (evaluate && t->evaluator != NULL && t->eval_n > 0)
    {
      if (!trainer_evaluate (t, t->want_eval))
        {
          ms_frame_unref (f);
          return NULL;
        }
      f->evaluation = t->last_eval;
      f->has_evaluation = TRUE;
    }
  else if (t->have_eval && t->evaluator != NULL)
    {
      /* Between evaluations, frames show the latest one */
      f->evaluation = t->last_eval;
      f->has_evaluation = TRUE;
    }
  f->evaluation_iteration = f->has_evaluation ? t->last_eval_iteration : -1;
  f->collapse_state = ms_collapse_detector_get_state (t->detector);
  f->collapse_reason = g_strdup (ms_collapse_detector_get_reason (t->detector));

  f->n_events = t->events->len;
  f->events = g_new0 (MsSessionEvent, MAX (f->n_events, 1));
  for (guint i = 0; i < f->n_events; i++)
    {
      const MsSessionEvent *e = g_ptr_array_index (t->events, i);

      f->events[i] = *e;
      f->events[i].label = g_strdup (e->label);
    }
  f->n_points = t->points->len;
  f->points = g_memdup2 (t->points->data, MAX (f->n_points, 1) * sizeof (MsCurvePoint));
  trainer_frame_reference (t, f, full);
  return f;
}

static gboolean deliver_idle (gpointer data);

static void
truncate_evaluations (GArray *evals,
                      gint64  iteration)
{
  guint n = evals->len;

  while (n > 0 && g_array_index (evals, MsSessionEvaluation, n - 1).iteration > iteration)
    n--;
  g_array_set_size (evals, n);
}

static SessionHandle *
handle_ref (SessionHandle *h)
{
  g_atomic_ref_count_inc (&h->ref_count);
  return h;
}

static void
handle_unref (gpointer data)
{
  SessionHandle *h = data;

  if (!g_atomic_ref_count_dec (&h->ref_count))
    return;
  g_weak_ref_clear (&h->session);
  g_free (h);
}

/* Moves everything not yet posted into the mailbox, with a new frame (when there is a run),
 * and makes sure one delivery is queued. */
static void
trainer_post (Trainer  *t,
              gboolean  evaluate)
{
  Shared *sh = t->sh;
  MsFrame *frame = NULL;

  t->last_post_us = g_get_monotonic_time ();
  if (t->gan != NULL)
    {
      frame = trainer_build_frame (t, evaluate);
      if (frame == NULL)
        {
          trainer_diverged (t, _("the generator's samples are not finite"));
          frame = t->gan != NULL ? trainer_build_frame (t, FALSE) : NULL;
        }
    }

  g_mutex_lock (&sh->lock);
  if (frame != NULL)
    {
      g_clear_pointer (&sh->frame, ms_frame_unref);
      sh->frame = frame;
    }
  if (t->truncate_to != NO_TRUNCATE)
    {
      guint keep = 0;

      for (guint i = 0; i < sh->points->len; i++)
        if (g_array_index (sh->points, MsCurvePoint, i).iteration <= t->truncate_to)
          g_array_index (sh->points, MsCurvePoint, keep++) =
            g_array_index (sh->points, MsCurvePoint, i);
      g_array_set_size (sh->points, keep);
      truncate_evaluations (sh->evaluations, t->truncate_to);
      sh->truncate_to = MIN (sh->truncate_to, t->truncate_to);
      sh->truncate_flags |= t->truncate_flags;
      t->truncate_to = NO_TRUNCATE;
      t->truncate_flags = 0;
    }
  g_array_append_vals (sh->points, t->points->data, t->points->len);
  g_array_set_size (t->points, 0);
  g_array_append_vals (sh->evaluations, t->evals->data, t->evals->len);
  g_array_set_size (t->evals, 0);
  g_ptr_array_extend_and_steal (sh->events, g_steal_pointer (&t->events));
  t->events = g_ptr_array_new_with_free_func (_ms_session_event_free);
  g_ptr_array_extend_and_steal (sh->snapshots, g_steal_pointer (&t->new_snapshots));
  t->new_snapshots = g_ptr_array_new_with_free_func (_ms_snapshot_free);
  sh->paused = t->paused;
  g_mutex_unlock (&sh->lock);

  if (g_atomic_int_compare_and_exchange (&sh->delivery_pending, 0, 1))
    {
      /* An idle source rather than g_main_context_invoke(): invoke would run the callback on
       * this thread whenever it can acquire the context. */
      GSource *source = g_idle_source_new ();
      g_source_set_callback (source, deliver_idle, handle_ref (sh->handle), handle_unref);
      g_source_set_static_name (source, "[modescope] session frame");
      g_source_attach (source, sh->context);
      g_source_unref (source);
    }
}

static const char *
optim_label (MsOptimKind kind)
{
  static const char * const labels[MS_OPTIM_N_KINDS] = {
    [MS_OPTIM_SGD] = "SGD",
    [MS_OPTIM_MOMENTUM] = "Momentum",
    [MS_OPTIM_NESTEROV] = "Nesterov",
    [MS_OPTIM_RMSPROP] = "RMSProp",
    [MS_OPTIM_ADAM] = "Adam",
  };

  return kind < MS_OPTIM_N_KINDS ? labels[kind] : "?";
}

static char *
gan_config_diff (const MsGanConfig *a,
                 const MsGanConfig *b)
{
  GString *s = g_string_new (NULL);

  if (a->loss != b->loss)
    {
      g_string_append (s, s->len ? ", " : "");
      g_string_append_printf (s, _("loss %s -> %s"),
                              ms_loss_kind_to_string (a->loss), ms_loss_kind_to_string (b->loss));
    }
  if (a->batch != b->batch)
    {
      g_string_append (s, s->len ? ", " : "");
      g_string_append_printf (s, _("batch %d -> %d"), a->batch, b->batch);
    }
  if (a->n_critic != b->n_critic)
    g_string_append_printf (s, "%sn_critic %d -> %d", s->len ? ", " : "", a->n_critic,
                            b->n_critic);
  if (a->gp_lambda != b->gp_lambda)
    g_string_append_printf (s, "%sgp_lambda %g -> %g", s->len ? ", " : "", a->gp_lambda,
                            b->gp_lambda);
  if (a->clip != b->clip)
    g_string_append_printf (s, "%sclip %g -> %g", s->len ? ", " : "", a->clip, b->clip);
  if (s->len == 0)
    g_string_append (s, memcmp (a, b, sizeof *a) != 0 ? _("remedy settings changed")
                                                       : _("objective unchanged"));
  return g_string_free (s, FALSE);
}

static Snapshot *
find_snapshot (GPtrArray *array,
               guint      id)
{
  for (guint i = 0; i < array->len; i++)
    {
      Snapshot *s = g_ptr_array_index (array, i);

      if (s->id == id)
        return s;
    }
  return NULL;
}

void
_ms_trainer_export_free (TrainerExport *x)
{
  if (x == NULL)
    return;
  g_clear_pointer (&x->state, g_bytes_unref);
  ms_session_settings_clear (&x->settings);
  g_clear_pointer (&x->fed, g_array_unref);
  g_clear_pointer (&x->snapshots, g_ptr_array_unref);
  g_free (x->error);
  g_free (x);
}

/* (transfer full) Everything a session file needs from the trainer.  Posts first, so that
 * the history the main thread takes afterwards reaches the exported iteration. */
static TrainerExport *
trainer_export (Trainer *t)
{
  TrainerExport *x = g_new0 (TrainerExport, 1);

  if (t->gan == NULL)
    {
      x->error = g_strdup (_("the session has no run to save (its data or networks could not "
                             "be loaded)"));
      return x;
    }
  trainer_post (t, FALSE);
  x->state = _ms_trainer_save (t);
  ms_session_settings_copy (&x->settings, &t->settings);
  x->iteration = t->iteration;
  x->generation = t->generation;
  x->run = t->run;
  x->n_evaluations = t->n_evaluations;
  x->eval_every = t->eval_every;
  x->fed = g_array_copy (t->fed);
  x->snapshots = g_ptr_array_new_with_free_func (_ms_snapshot_free);
  for (guint i = 0; i < t->snapshots->len; i++)
    g_ptr_array_add (x->snapshots, _ms_snapshot_copy (g_ptr_array_index (t->snapshots, i)));
  return x;
}

/* Applies @c (transfer full) and records what happened as an event. */
static void
trainer_apply (Trainer          *t,
               MsSessionCommand *c)
{
  g_autoptr(GError) error = NULL;
  const char *net = c->generator ? "G" : "D";
  gboolean applied = TRUE;

  if (c->kind == CMD_EXPORT)
    {
      /* Not a change of the run: no event, no generation */
      c->export_done (trainer_export (t), c->export_data);
      c->export_done = NULL;
      ms_session_command_free (c);
      return;
    }
  if (c->kind == CMD_DELETE_SNAPSHOT)
    {
      /* Neither: the main side forgot it already (ms_session_delete_snapshot) */
      for (guint i = 0; i < t->snapshots->len; i++)
        if (((Snapshot *) g_ptr_array_index (t->snapshots, i))->id == (guint) c->ivalue)
          {
            g_ptr_array_remove_index (t->snapshots, i);
            break;
          }
      ms_session_command_free (c);
      return;
    }
  if (t->gan == NULL && c->kind != CMD_NEW_RUN && c->kind != CMD_STOP && c->kind != CMD_PAUSE
      && c->kind != CMD_RESUME && c->kind != CMD_SET_EVAL_EVERY)
    {
      trainer_event (t, MS_SESSION_EVENT_REJECTED, c->id, "%s",
                     _("no run to apply the command to"));
      ms_session_command_free (c);
      return;
    }

  switch (c->kind)
    {
    case CMD_SET_OPTIM:
      {
        MsOptimConfig old = ms_gan_optimizer (t->gan, c->generator)->config;

        if (ms_gan_set_optim (t->gan, c->generator, &c->optim, &error))
          trainer_event (t, MS_SESSION_EVENT_OPTIMIZER, c->id, _("%s -> %s (%s, lr %g)"),
                         optim_label (old.kind), optim_label (c->optim.kind), net, c->optim.lr);
        else
          applied = FALSE;
      }
      break;

    case CMD_SET_LR:
      {
        MsOptimConfig cfg = ms_gan_optimizer (t->gan, c->generator)->config;
        double old = cfg.lr;

        cfg.lr = c->value;
        if (ms_gan_set_optim (t->gan, c->generator, &cfg, &error))
          trainer_event (t, MS_SESSION_EVENT_LR, c->id, _("lr %s %g -> %g"), net, old,
                         c->value);
        else
          applied = FALSE;
      }
      break;

    case CMD_SET_GAN_CONFIG:
    case CMD_SET_BATCH:
      {
        MsGanConfig old = *ms_gan_config (t->gan);
        MsGanConfig cfg = c->kind == CMD_SET_BATCH ? old : c->gan;
        g_autofree char *clamped = NULL;

        if (c->kind == CMD_SET_BATCH)
          cfg.batch = c->ivalue;
        /* Validated as asked, then clamped to the data set (an explained event of its own) */
        if (!ms_gan_config_validate (&cfg, &error))
          applied = FALSE;
        else
          clamped = trainer_clamp_batch (t, &cfg);
        if (applied && ms_gan_set_config (t->gan, &cfg, &error))
          {
            g_autofree char *diff = gan_config_diff (&old, &cfg);

            trainer_event (t, c->kind == CMD_SET_BATCH ? MS_SESSION_EVENT_BATCH
                                                       : MS_SESSION_EVENT_GAN_CONFIG,
                           c->id, "%s", diff);
            if (clamped != NULL)
              trainer_event (t, MS_SESSION_EVENT_BATCH, 0, "%s", clamped);
          }
        else
          applied = FALSE;
      }
      break;

    case CMD_PAUSE:
      trainer_event (t, MS_SESSION_EVENT_PAUSE, c->id, "%s",
                     t->paused ? _("paused (already paused)") : _("paused"));
      t->paused = TRUE;
      break;

    case CMD_RESUME:
      trainer_event (t, MS_SESSION_EVENT_RESUME, c->id, "%s",
                     t->paused ? _("resumed") : _("resumed (was running)"));
      t->paused = FALSE;
      break;

    case CMD_STEP:
      {
        static const char * const names[] = { N_("step D"), N_("step G"),
                                              N_("step (one iteration)") };

        trainer_event (t, MS_SESSION_EVENT_STEP, c->id, "%s", _(names[c->ivalue]));
        trainer_step (t, (MsStepKind) c->ivalue);
      }
      break;

    case CMD_RESET:
      t->truncate_flags |= TRUNCATE_BRANCH;
      if (_ms_trainer_start_run (t, FALSE, &error))
        trainer_event (t, MS_SESSION_EVENT_RESET, c->id,
                       _("reset: run %u from the current settings"), t->run);
      else
        applied = FALSE;
      break;

    case CMD_NEW_RUN:
      if (ms_session_settings_validate (c->settings, &error))
        {
          gboolean reopen = g_strcmp0 (c->settings->dataset, t->settings.dataset) != 0
                            || g_strcmp0 (c->settings->dataset, "drawn") == 0
                            || t->src == NULL;

          ms_session_settings_clear (&t->settings);
          ms_session_settings_copy (&t->settings, c->settings);
          g_ptr_array_set_size (t->snapshots, 0);
          t->truncate_flags |= TRUNCATE_NEW_RUN;
          if (!_ms_trainer_start_run (t, reopen, &error))
            {
              trainer_free_run (t);
              t->paused = TRUE;
              applied = FALSE;
            }
          else
            {
              /* The run's start event answers the command, so the UI can match it */
              MsSessionEvent *e = g_ptr_array_index (t->events, t->events->len - 1);

              if (e->kind == MS_SESSION_EVENT_RUN_STARTED)
                e->command_id = c->id;
            }
        }
      else
        applied = FALSE;
      break;

    case CMD_SNAPSHOT:
      {
        g_autofree char *what = t->gan != NULL ? trainer_check_networks (t) : NULL;
        Snapshot *s;

        /* Between evaluations only the losses are checked: a snapshot must never keep a
         * non-finite weight or moment, or restoring it would diverge again.  (Not the
         * losses: after a rollback they are the diverged step's until the next step.) */
        if (what != NULL)
          trainer_diverged (t, what);
        s = g_new0 (Snapshot, 1);

        s->id = c->id;
        s->iteration = t->iteration;
        s->bytes = _ms_trainer_save (t);
        g_ptr_array_add (t->snapshots, s);
        g_ptr_array_add (t->new_snapshots, _ms_snapshot_copy (s));
        trainer_event (t, MS_SESSION_EVENT_SNAPSHOT, c->id, _("snapshot %u"), c->id);
      }
      break;

    case CMD_RESTORE:
      {
        Snapshot *s = find_snapshot (t->snapshots, (guint) c->ivalue);
        gint64 from = t->iteration;

        if (s == NULL)
          {
            g_set_error (&error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISSING,
                         _("no snapshot %d in this run"), c->ivalue);
            applied = FALSE;
          }
        else if (_ms_trainer_load (t, s->bytes, &error))
          {
            trainer_truncate (t, t->iteration);
            t->truncate_flags |= TRUNCATE_BRANCH;
            g_ptr_array_add (t->events,
                             _ms_session_event_new (from, MS_SESSION_EVENT_RESTORE, c->id,
                                        g_strdup_printf (_("restored snapshot %u: iteration "
                                                           "%lld -> %lld"), s->id,
                                                         (long long) from,
                                                         (long long) t->iteration)));
          }
        else
          applied = FALSE;
      }
      break;

    case CMD_SET_EVAL_EVERY:
      if (c->ivalue >= 1 && c->ivalue <= 1000000)
        {
          trainer_event (t, MS_SESSION_EVENT_EVAL_EVERY, c->id,
                         _("evaluation every %d -> %d iterations"), t->eval_every, c->ivalue);
          t->eval_every = c->ivalue;
          t->settings.eval_every = c->ivalue;   /* frames report the active interval */
        }
      else
        {
          g_set_error (&error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                       _("evaluation interval %d is not between 1 and 1000000"), c->ivalue);
          applied = FALSE;
        }
      break;

    case CMD_STOP:
    default:
      g_atomic_int_set (&t->sh->stop, 1);
      break;
    }

  if (applied && (c->kind == CMD_PAUSE || c->kind == CMD_STEP || c->kind == CMD_RESET
                  || c->kind == CMD_NEW_RUN || c->kind == CMD_RESTORE))
    t->want_eval = TRUE;
  if (applied)
    {
      t->generation++;
      if (t->gan != NULL)
        trainer_sync_settings (t);
    }
  else
    /* the window shows the reason without this prefix (ms-window.c) */
    trainer_event (t, MS_SESSION_EVENT_REJECTED, c->id, "%s%s", _("rejected: "),
                   error != NULL ? error->message : _("invalid value"));
  ms_session_command_free (c);
}

static int
compare_scheduled (gconstpointer a,
                   gconstpointer b)
{
  const MsSessionCommand *ca = *(MsSessionCommand * const *) a;
  const MsSessionCommand *cb = *(MsSessionCommand * const *) b;

  if (ca->at != cb->at)
    return ca->at < cb->at ? -1 : 1;
  return ca->id < cb->id ? -1 : ca->id > cb->id;
}

/* Applies the commands queued when it starts and every scheduled one that is due; TRUE if
 * any was.  Only those already queued: commands that cost a step or an evaluation (step,
 * restore, reset) can take longer than a front end takes to push the next ones, and a drain
 * that waited for an empty queue would then never end, posting no frame and keeping every
 * snapshot and event it made in memory (modescope-cli soak found it on MNIST). */
static gboolean
trainer_drain (Trainer *t)
{
  MsSessionCommand *c;
  gboolean any = FALSE, sort = FALSE;
  gint queued = g_async_queue_length (t->sh->commands);

  while (queued-- > 0 && (c = g_async_queue_try_pop (t->sh->commands)) != NULL)
    {
      if (c->at >= 0)
        {
          g_ptr_array_add (t->scheduled, c);
          sort = TRUE;
          continue;
        }
      trainer_apply (t, c);
      any = TRUE;
    }
  if (sort)
    g_ptr_array_sort (t->scheduled, compare_scheduled);
  while (t->scheduled->len > 0 && !g_atomic_int_get (&t->sh->stop))
    {
      c = g_ptr_array_index (t->scheduled, 0);
      if (c->at > t->iteration)
        break;
      g_ptr_array_steal_index (t->scheduled, 0);
      trainer_apply (t, c);
      any = TRUE;
    }
  return any;
}

/* A window's trainer yields the CPU to the main loop: on 2 cores its threads otherwise keep
 * GTK waiting for a core at every display frame.  The engine's worker threads are created by
 * the trainer and inherit its niceness; training loses only the time the window draws. */
static void
trainer_lower_priority (void)
{
#if defined(__linux__)
  id_t tid = (id_t) syscall (SYS_gettid);
  int nice;

  errno = 0;
  nice = getpriority (PRIO_PROCESS, tid);
  if (errno == 0 && setpriority (PRIO_PROCESS, tid, MIN (nice + TRAINER_NICE, 19)) != 0)
    g_debug ("could not lower the trainer's priority: %s", g_strerror (errno));
#endif
}

static gpointer
trainer_main (gpointer data)
{
  Trainer *t = data;
  Shared *sh = t->sh;
  g_autoptr(GError) error = NULL;

  if (!t->settings.headless)
    trainer_lower_priority ();

  /* A session from a file arrives with its run built */
  if (t->gan == NULL && !_ms_trainer_start_run (t, TRUE, &error))
    {
      trainer_event (t, MS_SESSION_EVENT_ERROR, 0, "%s", error->message);
      trainer_free_run (t);
      t->paused = TRUE;
    }
  /* A headless front end has no view to show the untrained generator's evaluation on */
  trainer_post (t, !t->settings.headless);

  while (!g_atomic_int_get (&sh->stop))
    {
      if (trainer_drain (t))
        {
          /* Evaluated when the run stopped or moved; a changed setting alone shows the
           * evaluation the weights already have */
          trainer_post (t, t->want_eval);
          t->want_eval = FALSE;
          continue;
        }
      if (t->paused || t->gan == NULL)
        {
          g_mutex_lock (&sh->lock);
          while (!g_atomic_int_get (&sh->stop) && g_async_queue_length (sh->commands) <= 0)
            g_cond_wait (&sh->cond, &sh->lock);
          g_mutex_unlock (&sh->lock);
          continue;
        }
      if (!trainer_step (t, MS_STEP_BOTH))
        continue;
      if (t->iteration % t->eval_every == 0)
        {
          trainer_post (t, TRUE);
          if (t->n_evaluations % (guint) t->settings.snapshot_every == 0)
            _ms_trainer_take_last_good (t);
        }
      else if (!t->settings.headless
               && g_get_monotonic_time () - t->last_post_us >= FRAME_INTERVAL_US)
        trainer_post (t, FALSE);   /* a window sees the samples move between evaluations */
    }

  _ms_trainer_free (t);
  return NULL;
}

Trainer *
_ms_trainer_new (const MsSessionSettings *settings)
{
  Trainer *t = g_new0 (Trainer, 1);

  ms_session_settings_copy (&t->settings, settings);
  t->paused = settings->start_paused;
  t->detector = ms_collapse_detector_new ();
  t->scheduled = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_session_command_free);
  t->snapshots = g_ptr_array_new_with_free_func (_ms_snapshot_free);
  t->new_snapshots = g_ptr_array_new_with_free_func (_ms_snapshot_free);
  t->events = g_ptr_array_new_with_free_func (_ms_session_event_free);
  t->points = g_array_new (FALSE, FALSE, sizeof (MsCurvePoint));
  t->evals = g_array_new (FALSE, FALSE, sizeof (MsSessionEvaluation));
  t->fed = g_array_new (FALSE, FALSE, sizeof (MsSessionEvaluation));
  t->truncate_to = NO_TRUNCATE;
  return t;
}

void
_ms_trainer_free (Trainer *t)
{
  trainer_free_run (t);
  trainer_free_data (t);
  g_clear_pointer (&t->last_good, _ms_snapshot_free);
  g_ptr_array_unref (t->scheduled);
  g_ptr_array_unref (t->snapshots);
  g_ptr_array_unref (t->new_snapshots);
  g_ptr_array_unref (t->events);
  g_array_unref (t->points);
  g_array_unref (t->evals);
  g_array_unref (t->fed);
  ms_collapse_detector_free (t->detector);
  ms_session_settings_clear (&t->settings);
  g_free (t);
}

/* Feeds the recorded detector inputs again, so a run loaded from a file judges the next
 * evaluations exactly as the saved one would have; the evaluation of the current weights is
 * not repeated when it is the last one recorded. */
void
_ms_trainer_replay_detector (Trainer *t)
{
  ms_collapse_detector_reset (t->detector);
  t->evaluated = FALSE;
  if (t->evaluator == NULL)
    return;
  for (guint i = 0; i < t->fed->len; i++)
    {
      MsSessionEvaluation *r = &g_array_index (t->fed, MsSessionEvaluation, i);

      ms_evaluator_feed_detector (t->evaluator, &r->evaluation, t->detector);
    }
  if (t->fed->len > 0)
    {
      const MsSessionEvaluation *last = &g_array_index (t->fed, MsSessionEvaluation,
                                                        t->fed->len - 1);

      t->last_eval = last->evaluation;
      t->last_eval_iteration = last->iteration;
      t->have_eval = TRUE;
      if (last->iteration == t->iteration)
        t->evaluated = t->judged = TRUE;
    }
}

/* MsSession ---------------------------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (MsSession, ms_session, G_TYPE_OBJECT)

void
_ms_branch_free (gpointer data)
{
  Branch *b = data;

  g_array_unref (b->points);
  g_free (b);
}

enum
{
  PROP_0,
  PROP_FRAME,
  PROP_ITERATION,
  PROP_PAUSED,
  PROP_N_EVENTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void take_mailbox (MsSession *self, gboolean from_idle);

static gboolean
deliver_idle (gpointer data)
{
  g_autoptr(MsSession) self = g_weak_ref_get (&((SessionHandle *) data)->session);

  if (self != NULL)
    take_mailbox (self, TRUE);
  return G_SOURCE_REMOVE;
}

void
_ms_session_take_mailbox (MsSession *self)
{
  take_mailbox (self, FALSE);
}

static gboolean
snapshot_is_older (gpointer key,
                   gpointer value,
                   gpointer cut)
{
  return GPOINTER_TO_UINT (key) < GPOINTER_TO_UINT (cut);
}

static void
take_mailbox (MsSession *self,
              gboolean   from_idle)
{
  Shared *sh = self->sh;
  MsFrame *frame;
  GArray *points, *evaluations;
  GPtrArray *events, *snapshots;
  gint64 truncate_to, old_iteration;
  guint truncate_flags;
  gboolean paused;
  guint old_n_events;

  g_mutex_lock (&sh->lock);
  frame = g_steal_pointer (&sh->frame);
  points = sh->points;
  sh->points = g_array_new (FALSE, FALSE, sizeof (MsCurvePoint));
  evaluations = sh->evaluations;
  sh->evaluations = g_array_new (FALSE, FALSE, sizeof (MsSessionEvaluation));
  events = sh->events;
  sh->events = g_ptr_array_new_with_free_func (_ms_session_event_free);
  snapshots = sh->snapshots;
  sh->snapshots = g_ptr_array_new_with_free_func (_ms_snapshot_free);
  truncate_to = sh->truncate_to;
  truncate_flags = sh->truncate_flags;
  sh->truncate_to = NO_TRUNCATE;
  sh->truncate_flags = 0;
  paused = sh->paused;
  if (from_idle)
    g_atomic_int_set (&sh->delivery_pending, 0);
  g_mutex_unlock (&sh->lock);

  g_object_freeze_notify (G_OBJECT (self));
  if (truncate_flags & TRUNCATE_NEW_RUN)
    g_ptr_array_set_size (self->branches, 0);
  if (truncate_to != NO_TRUNCATE)
    {
      guint n = self->curve->len;

      if ((truncate_flags & (TRUNCATE_BRANCH | TRUNCATE_NEW_RUN)) == TRUNCATE_BRANCH
          && n > 0 && g_array_index (self->curve, MsCurvePoint, n - 1).iteration > truncate_to)
        {
          Branch *b = g_new0 (Branch, 1);

          b->points = g_array_copy (self->curve);
          b->fork_iteration = truncate_to;
          if (self->branches->len == MS_SESSION_MAX_BRANCHES)
            g_ptr_array_remove_index (self->branches, 0);
          g_ptr_array_add (self->branches, b);
        }
      while (n > 0 && g_array_index (self->curve, MsCurvePoint, n - 1).iteration > truncate_to)
        n--;
      if ((truncate_flags & TRUNCATE_NEW_RUN) && n == 0)
        {
          /* A new run starts from nothing, also in memory: an emptied array would keep the
           * capacity of the longest run so far (modescope-cli soak, ring8: 1 MB after 10 min) */
          g_array_unref (self->curve);
          self->curve = g_array_new (FALSE, FALSE, sizeof (MsCurvePoint));
        }
      else
        g_array_set_size (self->curve, n);
      truncate_evaluations (self->evaluations, truncate_to);
    }
  g_array_append_vals (self->curve, points->data, points->len);
  g_array_unref (points);
  /* One evaluation per iteration: a restore evaluates the restored iteration again, and a
   * paused new run or reset evaluates iteration 0 again (a truncation keeps what is at the
   * iteration it cuts to); the newer one replaces the older, which would otherwise pile up
   * (modescope-cli soak: 277 evaluations at iteration 0 after 35 minutes) */
  for (guint i = 0; i < evaluations->len; i++)
    {
      const MsSessionEvaluation *e = &g_array_index (evaluations, MsSessionEvaluation, i);

      truncate_evaluations (self->evaluations, e->iteration - 1);
      g_array_append_vals (self->evaluations, e, 1);
    }
  g_array_unref (evaluations);

  old_n_events = self->events->len;
  /* Copied, not stolen: the history lives as long as the session, and strings the trainer
   * allocated would stay scattered over the trainer's heap, between the megabytes of
   * snapshots and step memory it allocates and frees, keeping those pages from being
   * returned (modescope-cli soak: the resident set after the same new run grew with the
   * number of commands while the live heap did not) */
  for (guint i = 0; i < events->len; i++)
    {
      const MsSessionEvent *e = g_ptr_array_index (events, i);

      g_ptr_array_add (self->events, _ms_session_event_new (e->iteration, e->kind,
                                                            e->command_id, g_strdup (e->label)));
    }
  g_ptr_array_unref (events);
  if (self->events->len != old_n_events)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_EVENTS]);

  if (truncate_flags & TRUNCATE_NEW_RUN)
    {
      /* The trainer dropped the old run's snapshots: so does the history, or every new run
       * would keep the old ones' bytes for as long as the session lives.  A new run's
       * RUN_STARTED carries its command's id (a reset's carries 0); snapshots are numbered
       * by their commands, so older ids belong to an older run.  A new run that failed
       * leaves no run, hence no snapshot. */
      guint cut = 0;

      for (guint i = old_n_events; i < self->events->len; i++)
        {
          const MsSessionEvent *e = g_ptr_array_index (self->events, i);

          if (e->kind == MS_SESSION_EVENT_RUN_STARTED)
            cut = MAX (cut, e->command_id);
        }
      if (cut == 0)
        cut = G_MAXUINT;
      g_hash_table_foreach_remove (self->snapshots, snapshot_is_older, GUINT_TO_POINTER (cut));
      for (guint i = snapshots->len; i > 0; i--)
        if (((Snapshot *) g_ptr_array_index (snapshots, i - 1))->id < cut)
          g_ptr_array_remove_index (snapshots, i - 1);
    }
  for (guint i = 0; i < snapshots->len; i++)
    {
      Snapshot *s = g_ptr_array_index (snapshots, i);

      g_hash_table_replace (self->snapshots, GUINT_TO_POINTER (s->id), g_bytes_ref (s->bytes));
    }
  g_ptr_array_unref (snapshots);

  if (frame != NULL)
    {
      old_iteration = ms_session_get_iteration (self);
      g_clear_pointer (&self->frame, ms_frame_unref);
      self->frame = frame;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAME]);
      if (frame->iteration != old_iteration)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITERATION]);
    }
  if (paused != self->paused)
    {
      self->paused = paused;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
ms_session_stop (MsSession *self)
{
  Shared *sh = self->sh;

  if (self->thread == NULL)
    return;
  g_mutex_lock (&sh->lock);
  g_atomic_int_set (&sh->stop, 1);
  g_cond_broadcast (&sh->cond);
  g_mutex_unlock (&sh->lock);
  g_thread_join (g_steal_pointer (&self->thread));
}

static void
ms_session_dispose (GObject *object)
{
  MsSession *self = MS_SESSION (object);

  ms_session_stop (self);
  g_clear_pointer (&self->frame, ms_frame_unref);
  G_OBJECT_CLASS (ms_session_parent_class)->dispose (object);
}

static void
ms_session_finalize (GObject *object)
{
  MsSession *self = MS_SESSION (object);
  Shared *sh = self->sh;

  g_async_queue_unref (sh->commands);
  g_mutex_clear (&sh->lock);
  g_cond_clear (&sh->cond);
  g_main_context_unref (sh->context);
  handle_unref (sh->handle);
  g_clear_pointer (&sh->frame, ms_frame_unref);
  g_array_unref (sh->points);
  g_array_unref (sh->evaluations);
  g_ptr_array_unref (sh->events);
  g_ptr_array_unref (sh->snapshots);
  g_free (sh);

  g_array_unref (self->curve);
  g_array_unref (self->evaluations);
  g_hash_table_unref (self->notes);
  g_ptr_array_unref (self->branches);
  g_ptr_array_unref (self->events);
  g_hash_table_unref (self->snapshots);
  G_OBJECT_CLASS (ms_session_parent_class)->finalize (object);
}

static void
ms_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  MsSession *self = MS_SESSION (object);

  switch (prop_id)
    {
    case PROP_FRAME:
      g_value_set_boxed (value, self->frame);
      break;
    case PROP_ITERATION:
      g_value_set_int64 (value, ms_session_get_iteration (self));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_N_EVENTS:
      g_value_set_uint (value, self->events->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_session_class_init (MsSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ms_session_dispose;
  object_class->finalize = ms_session_finalize;
  object_class->get_property = ms_session_get_property;

  properties[PROP_FRAME] =
    g_param_spec_boxed ("frame", NULL, NULL, MS_TYPE_FRAME,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITERATION] =
    g_param_spec_int64 ("iteration", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_EVENTS] =
    g_param_spec_uint ("n-events", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_session_init (MsSession *self)
{
  self->curve = g_array_new (FALSE, FALSE, sizeof (MsCurvePoint));
  self->evaluations = g_array_new (FALSE, FALSE, sizeof (MsSessionEvaluation));
  self->notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->branches = g_ptr_array_new_with_free_func (_ms_branch_free);
  self->events = g_ptr_array_new_with_free_func (_ms_session_event_free);
  self->snapshots = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
}

MsSession *
_ms_session_new_for_trainer (Trainer  *t,
                             gboolean  start)
{
  MsSession *self;
  Shared *sh;

  self = g_object_new (MS_TYPE_SESSION, NULL);
  self->paused = t->paused;
  sh = self->sh = g_new0 (Shared, 1);
  sh->commands = g_async_queue_new_full ((GDestroyNotify) ms_session_command_free);
  g_mutex_init (&sh->lock);
  g_cond_init (&sh->cond);
  sh->context = g_main_context_ref_thread_default ();
  sh->handle = g_new0 (SessionHandle, 1);
  g_atomic_ref_count_init (&sh->handle->ref_count);
  g_weak_ref_init (&sh->handle->session, self);
  sh->points = g_array_new (FALSE, FALSE, sizeof (MsCurvePoint));
  sh->evaluations = g_array_new (FALSE, FALSE, sizeof (MsSessionEvaluation));
  sh->events = g_ptr_array_new_with_free_func (_ms_session_event_free);
  sh->snapshots = g_ptr_array_new_with_free_func (_ms_snapshot_free);
  sh->truncate_to = NO_TRUNCATE;
  sh->paused = t->paused;

  t->sh = sh;
  if (start)
    _ms_session_start (self, t);
  return self;
}

void
_ms_session_start (MsSession *self,
                   Trainer   *t)
{
  g_return_if_fail (self->thread == NULL && t->sh == self->sh);
  self->thread = g_thread_new ("ms-trainer", trainer_main, t);
}

MsSession *
ms_session_new (const MsSessionSettings *settings,
                GError                 **error)
{
  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ms_session_settings_validate (settings, error))
    return NULL;
  return _ms_session_new_for_trainer (_ms_trainer_new (settings), TRUE);
}

MsSession *
ms_session_new_sync (const MsSessionSettings *settings,
                     GError                 **error)
{
  Trainer *t;

  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!ms_session_settings_validate (settings, error))
    return NULL;
  t = _ms_trainer_new (settings);
  if (!_ms_trainer_start_run (t, TRUE, error))
    {
      _ms_trainer_free (t);
      return NULL;
    }
  return _ms_session_new_for_trainer (t, TRUE);
}

static guint
enqueue (MsSession        *self,
         gint64            at,
         MsSessionCommand *command)
{
  Shared *sh = self->sh;
  guint id = ++self->next_id;

  command->id = id;
  command->at = at;
  g_async_queue_push (sh->commands, command);
  g_mutex_lock (&sh->lock);
  g_cond_signal (&sh->cond);
  g_mutex_unlock (&sh->lock);
  return id;
}

guint
ms_session_push (MsSession        *self,
                 MsSessionCommand *command)
{
  g_return_val_if_fail (MS_IS_SESSION (self), 0);
  g_return_val_if_fail (command != NULL, 0);
  g_return_val_if_fail (command->kind != CMD_STOP, 0);

  return enqueue (self, -1, command);
}

guint
ms_session_schedule (MsSession        *self,
                     gint64            iteration,
                     MsSessionCommand *command)
{
  g_return_val_if_fail (MS_IS_SESSION (self), 0);
  g_return_val_if_fail (command != NULL, 0);
  g_return_val_if_fail (iteration >= 0, 0);

  return enqueue (self, iteration, command);
}

void
ms_session_pause (MsSession *self)
{
  ms_session_push (self, ms_session_command_new_pause ());
}

void
ms_session_resume (MsSession *self)
{
  ms_session_push (self, ms_session_command_new_resume ());
}

guint
ms_session_snapshot (MsSession *self)
{
  return ms_session_push (self, ms_session_command_new_snapshot ());
}

void
ms_session_restore (MsSession *self,
                    guint      snapshot_id)
{
  ms_session_push (self, ms_session_command_new_restore (snapshot_id));
}

MsFrame *
ms_session_get_frame (MsSession *self)
{
  g_return_val_if_fail (MS_IS_SESSION (self), NULL);
  return self->frame;
}

gint64
ms_session_get_iteration (MsSession *self)
{
  g_return_val_if_fail (MS_IS_SESSION (self), 0);
  return self->frame != NULL ? self->frame->iteration : 0;
}

gboolean
ms_session_get_paused (MsSession *self)
{
  g_return_val_if_fail (MS_IS_SESSION (self), FALSE);
  return self->paused;
}

guint
ms_session_get_n_events (MsSession *self)
{
  g_return_val_if_fail (MS_IS_SESSION (self), 0);
  return self->events->len;
}

const MsSessionEvent *
ms_session_get_event (MsSession *self,
                      guint      index)
{
  g_return_val_if_fail (MS_IS_SESSION (self), NULL);
  g_return_val_if_fail (index < self->events->len, NULL);
  return g_ptr_array_index (self->events, index);
}

const MsCurvePoint *
ms_session_get_curve (MsSession *self,
                      guint     *n_points)
{
  g_return_val_if_fail (MS_IS_SESSION (self), NULL);
  if (n_points != NULL)
    *n_points = self->curve->len;
  return (const MsCurvePoint *) (gpointer) self->curve->data;
}

GBytes *
ms_session_get_snapshot (MsSession *self,
                         guint      snapshot_id)
{
  g_return_val_if_fail (MS_IS_SESSION (self), NULL);
  return g_hash_table_lookup (self->snapshots, GUINT_TO_POINTER (snapshot_id));
}

gboolean
ms_session_delete_snapshot (MsSession *self,
                            guint      snapshot_id)
{
  MsSessionCommand *c;

  g_return_val_if_fail (MS_IS_SESSION (self), FALSE);

  if (!g_hash_table_remove (self->snapshots, GUINT_TO_POINTER (snapshot_id)))
    return FALSE;
  c = command_new (CMD_DELETE_SNAPSHOT);
  c->ivalue = (int) snapshot_id;
  enqueue (self, -1, c);
  return TRUE;
}

guint
ms_session_get_n_branches (MsSession *self)
{
  g_return_val_if_fail (MS_IS_SESSION (self), 0);
  return self->branches->len;
}

const MsCurvePoint *
ms_session_get_branch (MsSession *self,
                       guint      index,
                       guint     *n_points,
                       gint64    *fork_iteration)
{
  const Branch *b;

  g_return_val_if_fail (MS_IS_SESSION (self), NULL);
  g_return_val_if_fail (index < self->branches->len, NULL);
  b = g_ptr_array_index (self->branches, index);
  if (n_points != NULL)
    *n_points = b->points->len;
  if (fork_iteration != NULL)
    *fork_iteration = b->fork_iteration;
  return (const MsCurvePoint *) (gpointer) b->points->data;
}

const MsSessionEvaluation *
ms_session_get_evaluations (MsSession *self,
                            guint     *n_evaluations)
{
  g_return_val_if_fail (MS_IS_SESSION (self), NULL);
  if (n_evaluations != NULL)
    *n_evaluations = self->evaluations->len;
  return (const MsSessionEvaluation *) (gpointer) self->evaluations->data;
}

void
ms_session_set_note (MsSession  *self,
                     const char *key,
                     const char *value)
{
  g_return_if_fail (MS_IS_SESSION (self));
  g_return_if_fail (key != NULL && g_utf8_validate (key, -1, NULL));
  g_return_if_fail (value == NULL || g_utf8_validate (value, -1, NULL));

  if (value == NULL)
    g_hash_table_remove (self->notes, key);
  else
    g_hash_table_replace (self->notes, g_strdup (key), g_strdup (value));
}

const char *
ms_session_get_note (MsSession  *self,
                     const char *key)
{
  g_return_val_if_fail (MS_IS_SESSION (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->notes, key);
}

void
_ms_session_request_export (MsSession         *self,
                            TrainerExportFunc  done,
                            gpointer           data)
{
  MsSessionCommand *c = command_new (CMD_EXPORT);

  c->export_done = done;
  c->export_data = data;
  c->id = 0;
  c->at = -1;
  g_async_queue_push (self->sh->commands, c);
  g_mutex_lock (&self->sh->lock);
  g_cond_signal (&self->sh->cond);
  g_mutex_unlock (&self->sh->lock);
}
