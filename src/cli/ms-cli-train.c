/* ms-cli-train.c: `modescope-cli train`, a headless training run
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every flag is checked before training starts: a bad value or an unreadable file ends the
 * program with a message and exit code 2, never halfway through a run.  That includes
 * --schedule (parsed, then replayed on the starting settings so every resulting setting is
 * validated) and the folders of --json and --csv (a file is created there and removed).
 *
 * --csv FILE: header iter,loss_d,loss_g,is,is_std,kl,kl_ref,kl_floor,modes,k,hq,diversity,
 * collapse_score,collapse and one row per evaluation.  A metric that does not apply to the
 * dataset is an empty field: is, is_std and diversity for 2-D data, hq for images.  A metric
 * that applies but is undefined this time is "nan" (kl of 2-D data when no sample is near a
 * mode).  For 2-D data kl_ref is the reverse KL (rkl= on the progress line), kl_floor is the
 * 99th percentile of a perfect generator's KL; collapse is the detector's state (with
 * hysteresis), collapse_score this evaluation's own score.
 *
 * --json FILE: {"settings": {...}, "evaluations": [...], "events": [...], "final": {...}}
 * with the same metrics (null where the CSV has an empty field or nan).  Both files are
 * written at the end with g_file_set_contents() (atomic replace), also when training stops
 * because it diverged.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ms-cli.h"
#include "ms-evaluate.h"
#include "ms-gan.h"
#include "ms-source.h"
#include "ms-parallel.h"
#include "ms-schedule.h"


typedef struct
{
  char    *dataset;
  char    *arch;
  char    *loss;
  char    *optimizer;
  char    *optimizer_g;
  char    *optimizer_d;
  double   lr, lr_g, lr_d;
  double   momentum, beta1, beta2;
  int      n_critic;
  int      unroll;
  gboolean first_order_unroll;
  double   gp_lambda;
  double   clip;
  int      pack;
  int      batch;
  gint64   iters;
  gint64   seed;
  int      threads;
  int      eval_every;
  int      eval_samples;
  char    *schedule;
  char    *json;
  char    *csv;
} TrainArgs;

/* Real-valued flags: a number, finite.  NAN in TrainArgs means "not given", so a NAN typed by
 * the user must be refused here rather than mistaken for "not given". */
static const struct
{
  const char *flag;
  gsize       offset;
} real_flags[] = {
  { "--lr", G_STRUCT_OFFSET (TrainArgs, lr) },
  { "--lr-g", G_STRUCT_OFFSET (TrainArgs, lr_g) },
  { "--lr-d", G_STRUCT_OFFSET (TrainArgs, lr_d) },
  { "--momentum", G_STRUCT_OFFSET (TrainArgs, momentum) },
  { "--beta1", G_STRUCT_OFFSET (TrainArgs, beta1) },
  { "--beta2", G_STRUCT_OFFSET (TrainArgs, beta2) },
  { "--gp-lambda", G_STRUCT_OFFSET (TrainArgs, gp_lambda) },
  { "--clip", G_STRUCT_OFFSET (TrainArgs, clip) },
};

static gboolean
parse_real_flag (const char  *option_name,
                 const char  *value,
                 gpointer     data,
                 GError     **error)
{
  char *end = NULL;
  double v;

  v = g_ascii_strtod (value, &end);
  if (end == value || *end != '\0' || !isfinite (v))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s: “%s” is not a finite number", option_name, value);
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (real_flags); i++)
    if (strcmp (option_name, real_flags[i].flag) == 0)
      {
        G_STRUCT_MEMBER (double, data, real_flags[i].offset) = v;
        return TRUE;
      }
  g_assert_not_reached ();
}

/* Builds one network's optimizer from the shared and the per-network flags. */
static gboolean
optim_from_args (const TrainArgs *a,
                 const char      *kind_name,
                 double           lr,
                 MsLossKind       loss,
                 MsOptimConfig   *out,
                 GError         **error)
{
  MsOptimKind kind;

  if (kind_name == NULL)
    kind = loss == MS_LOSS_WGAN_CLIP ? MS_OPTIM_RMSPROP : MS_OPTIM_ADAM;
  else if (!ms_optim_kind_from_string (kind_name, &kind, error))
    return FALSE;
  *out = ms_optim_config_default (kind);
  /* The objectives' published defaults: WGAN RMSProp 5e-5; WGAN-GP Adam 1e-4 (0.5, 0.9);
   * DCGAN Adam 2e-4 beta1 0.5 (Radford et al.). */
  if (kind == MS_OPTIM_ADAM)
    {
      out->lr = loss == MS_LOSS_WGAN_GP ? 1e-4 : 2e-4;
      out->beta1 = 0.5;
      out->beta2 = loss == MS_LOSS_WGAN_GP ? 0.9 : 0.999;
    }
  else if (kind == MS_OPTIM_RMSPROP && loss == MS_LOSS_WGAN_CLIP)
    out->lr = 5e-5;
  else if (kind == MS_OPTIM_MOMENTUM || kind == MS_OPTIM_NESTEROV)
    out->momentum = 0.5;  /* the optimizer paper's setting */
  if (!isnan (lr))
    out->lr = lr;
  if (!isnan (a->momentum))
    out->momentum = a->momentum;
  if (!isnan (a->beta1))
    out->beta1 = a->beta1;
  if (!isnan (a->beta2))
    out->beta2 = a->beta2;
  return ms_optim_config_validate (out, error);
}

static gboolean
parse_args (int         *argc,
            char      ***argv,
            TrainArgs   *a,
            GError     **error)
{
  GOptionEntry entries[] = {
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &a->dataset,
      "mnist (default), fashion, ring8, grid25, wgan8, wgan25 or an IDX folder", "NAME" },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &a->arch,
      "dcgan-small (default for images), dcgan-paper, mlp (default for 2-D data)", "NAME" },
    { "loss", 0, 0, G_OPTION_ARG_STRING, &a->loss, "nsgan (default), minimax, wgan-clip, wgan-gp",
      "NAME" },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &a->optimizer,
      "Both networks: sgd, momentum, nesterov, rmsprop, adam", "NAME" },
    { "optimizer-g", 0, 0, G_OPTION_ARG_STRING, &a->optimizer_g, "The generator's optimizer",
      "NAME" },
    { "optimizer-d", 0, 0, G_OPTION_ARG_STRING, &a->optimizer_d,
      "The discriminator's optimizer", "NAME" },
    { "lr", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "Learning rate of both networks", "RATE" },
    { "lr-g", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "The generator's learning rate", "RATE" },
    { "lr-d", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "The discriminator's learning rate", "RATE" },
    { "momentum", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "Momentum (SGD, Nesterov, RMSProp)",
      "M" },
    { "beta1", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "Adam's beta1", "B" },
    { "beta2", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "Adam's beta2", "B" },
    { "n-critic", 0, 0, G_OPTION_ARG_INT, &a->n_critic, "Discriminator steps per generator step",
      "N" },
    { "unroll", 0, 0, G_OPTION_ARG_INT, &a->unroll,
      "Unrolled GAN: look-ahead steps of the discriminator for the generator (0 to 10, default 0)",
      "K" },
    { "first-order-unroll", 0, 0, G_OPTION_ARG_NONE, &a->first_order_unroll,
      "With --unroll: train against the looked-ahead discriminator without differentiating "
      "through the unroll", NULL },
    { "gp-lambda", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "WGAN-GP penalty weight (10)",
      "L" },
    { "clip", 0, 0, G_OPTION_ARG_CALLBACK, parse_real_flag, "WGAN weight clipping (0.01)", "C" },
    { "pack", 0, 0, G_OPTION_ARG_INT, &a->pack, "PacGAN: samples the discriminator sees at once",
      "M" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &a->batch, "Batch size (64)", "N" },
    { "iters", 0, 0, G_OPTION_ARG_INT64, &a->iters, "Generator iterations (2000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &a->seed, "Random seed (1)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a->threads,
      "Engine threads (default: one per core, or 1 when OPENBLAS_NUM_THREADS is set)", "N" },
    { "eval-samples", 0, 0, G_OPTION_ARG_INT, &a->eval_samples,
      "Generator samples per evaluation (500 for images as in the optimizer paper, 2500 for 2-D)",
      "N" },
    { "eval-every", 0, 0, G_OPTION_ARG_INT, &a->eval_every, "Evaluate every N iterations (100)",
      "N" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &a->schedule,
      "Change settings once ITER iterations are done, e.g. "
      "2000:optimizer=rmsprop,lr=1e-3;4000:loss=wgan-gp (keys: optimizer, optimizer-g, "
      "optimizer-d, lr, lr-g, lr-d, momentum, beta1, beta2, loss, n-critic, gp-lambda, clip, "
      "unroll, first-order-unroll, batch)", "SPEC" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &a->json,
      "Write the settings, every evaluation, the schedule's events and the final result as JSON",
      "FILE" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &a->csv,
      "Write one CSV row per evaluation (empty: the metric does not apply to the dataset; "
      "nan: undefined this time)", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- train a GAN without a window");
  GOptionGroup *group = g_option_group_new ("train", "", "", a, NULL);

  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (ctx, group);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    return ms_cli_usage_error (error, "unexpected argument “%s”", (*argv)[1]);
  if (a->iters < 0 || a->iters > G_GINT64_CONSTANT (100000000))
    return ms_cli_usage_error (error, "--iters must be between 0 and 100000000");
  if (a->eval_samples != 0 && (a->eval_samples < 10 || a->eval_samples > 100000))
    return ms_cli_usage_error (error, "--eval-samples must be between 10 and 100000");
  if (a->eval_every < 1 || a->eval_every > 1000000)
    return ms_cli_usage_error (error, "--eval-every must be between 1 and 1000000");
  if (a->threads < 0 || a->threads > 1024)
    return ms_cli_usage_error (error, "--threads must be between 1 and 1024");
  if (a->pack < 1 || a->pack > 16)
    return ms_cli_usage_error (error, "--pack must be between 1 and 16");
  if (a->seed < 0)
    return ms_cli_usage_error (error, "--seed must not be negative");
  if (a->unroll < 0 || a->unroll > MS_GAN_MAX_UNROLL)
    return ms_cli_usage_error (error, "--unroll must be between 0 and %d", MS_GAN_MAX_UNROLL);
  return TRUE;
}

/* The evaluation that runs every --eval-every iterations: generator samples from noise fixed
 * for the whole run (a stream of the seed), the shared evaluator, and the collapse detector. */
typedef struct
{
  MsClassifier       *classifier;   /* images only */
  MsEvaluator        *evaluator;
  MsCollapseDetector *detector;
  int                 n;
  float              *z;            /* (n, z_dim) */
  float              *samples;      /* (n, data size) */
  MsEvaluation        last;
  MsCollapseState     last_state;   /* the detector's state after the last evaluation */
  char               *last_line;    /* key=value of the last evaluation */
} TrainEval;

static void
train_eval_clear (TrainEval *te)
{
  g_clear_pointer (&te->evaluator, ms_evaluator_free);
  g_clear_pointer (&te->classifier, ms_classifier_free);
  g_clear_pointer (&te->detector, ms_collapse_detector_free);
  g_clear_pointer (&te->z, g_free);
  g_clear_pointer (&te->samples, g_free);
  g_clear_pointer (&te->last_line, g_free);
}

static gboolean
train_eval_init (TrainEval    *te,
                 MsGan        *gan,
                 MsDataSource *src,
                 int           samples,
                 gint64        seed,
                 GError      **error)
{
  MsRng rng;

  memset (te, 0, sizeof *te);
  if (src->mixture != NULL)
    {
      te->n = samples > 0 ? samples : 2500;   /* VEEGAN's and PacGAN's 2,500 */
      te->evaluator = ms_evaluator_new_mixture (src->mixture);
    }
  else
    {
      /* Fashion-MNIST has its own classifier; digits and users' folders use MNIST's. */
      const char *which = g_strcmp0 (src->name, "fashion") == 0 ? "fashion" : "mnist";
      const MsDataset *reference = src->test ? src->test : src->train;

      te->n = samples > 0 ? samples : 500;    /* the optimizer paper's 500 */
      te->classifier = ms_classifier_load_default (which, error);
      if (te->classifier == NULL)
        return FALSE;
      te->evaluator = ms_evaluator_new_images (te->classifier, reference, src->name);
    }
  te->detector = ms_collapse_detector_new ();
  te->z = g_new (float, (gsize) te->n * ms_gan_z_dim (gan));
  te->samples = g_new (float, (gsize) te->n * ms_gan_data_size (gan));
  ms_rng_seed (&rng, (guint64) seed ^ G_GUINT64_CONSTANT (0x5eed0f1a1e7a1));
  ms_rng_fill_normal (&rng, te->z, (gsize) te->n * ms_gan_z_dim (gan), 0.0f, 1.0f);
  return TRUE;
}

/* Evaluates the generator now; returns the key=value line (with the detector's state), owned
 * by @te until the next evaluation. */
static const char *
train_eval_run (TrainEval *te,
                MsGan     *gan)
{
  MsCollapseState state;
  g_autofree char *line = NULL;
  const char *raw_state;

  ms_gan_generate (gan, te->z, te->n, te->samples);
  ms_evaluator_run (te->evaluator, te->samples, te->n, &te->last);
  state = ms_evaluator_feed_detector (te->evaluator, &te->last, te->detector);
  te->last_state = state;
  /* The line shows the detector's state (with hysteresis), not this evaluation's alone. */
  line = ms_evaluation_format (&te->last);
  raw_state = ms_collapse_state_to_string (te->last.collapse_state);
  if (g_str_has_suffix (line, raw_state))
    line[strlen (line) - strlen (raw_state)] = '\0';
  g_free (te->last_line);
  te->last_line = g_strconcat (line, ms_collapse_state_to_string (state), NULL);
  return te->last_line;
}

/* --json / --csv: checked before training, written at the end */

/* Fails when @path cannot be written: a directory, a folder that does not exist or one where
 * no file can be created (tried with a temporary file, removed at once). */
static gboolean
check_writable (const char  *flag,
                const char  *path,
                GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *probe = NULL;
  int fd, saved_errno;

  if (path == NULL)
    return TRUE;
  if (*path == '\0')
    return ms_cli_usage_error (error, "%s: the file name is empty", flag);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return ms_cli_usage_error (error, "%s: “%s” is a directory", flag, path);
  dir = g_path_get_dirname (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return ms_cli_usage_error (error, "%s: cannot write “%s”: the directory “%s” does not exist",
                               flag, path, dir);
  probe = g_build_filename (dir, ".modescope-cli-XXXXXX", NULL);
  fd = g_mkstemp (probe);
  saved_errno = errno;
  if (fd < 0)
    return ms_cli_usage_error (error, "%s: cannot write “%s” in “%s”: %s", flag, path, dir,
                               g_strerror (saved_errno));
  g_close (fd, NULL);
  g_unlink (probe);
  return TRUE;
}

typedef struct
{
  gint64          iter;
  double          loss_d, loss_g;
  MsEvaluation    e;
  MsCollapseState state;      /* the detector's (with hysteresis) */
} EvalRecord;

typedef struct
{
  gint64  iter;
  char   *what;
} EventRecord;

static void
event_record_free (EventRecord *ev)
{
  g_free (ev->what);
  g_free (ev);
}

static void
record_evaluation (GArray          *records,
                   gint64           iter,
                   const MsGanStats *st,
                   const TrainEval *te)
{
  EvalRecord r = { .iter = iter, .loss_d = st->loss_d, .loss_g = st->loss_g, .e = te->last,
                   .state = te->last_state };

  g_array_append_val (records, r);
}

/* A double as CSV/JSON text: "%.9g" in the C locale */
static void
append_number (GString *out,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

/* A float setting as the number it was typed as (0.01, not 0.00999999978) */
static double
float_setting (float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, "%.7g", v), NULL);
}

static void
csv_field (GString  *out,
           double    v,
           gboolean  applies)
{
  g_string_append_c (out, ',');
  if (!applies)
    return;
  if (isnan (v))
    g_string_append (out, "nan");
  else
    append_number (out, v);
}

#define CSV_HEADER "iter,loss_d,loss_g,is,is_std,kl,kl_ref,kl_floor,modes,k,hq,diversity," \
                   "collapse_score,collapse"

static char *
format_csv (GArray *records)
{
  GString *out = g_string_new (CSV_HEADER "\n");

  for (guint i = 0; i < records->len; i++)
    {
      const EvalRecord *r = &g_array_index (records, EvalRecord, i);
      gboolean img = !r->e.is_2d;

      g_string_append_printf (out, "%" G_GINT64_FORMAT, r->iter);
      csv_field (out, r->loss_d, TRUE);
      csv_field (out, r->loss_g, TRUE);
      csv_field (out, r->e.is_mean, img);
      csv_field (out, r->e.is_std, img);
      csv_field (out, r->e.kl_uniform, TRUE);
      csv_field (out, r->e.kl_reference, TRUE);
      csv_field (out, r->e.kl_floor_p99, TRUE);
      g_string_append_printf (out, ",%d,%d", r->e.modes_covered, r->e.k);
      csv_field (out, r->e.hq_fraction, !img);
      csv_field (out, r->e.diversity, img);
      csv_field (out, r->e.collapse_score, TRUE);
      g_string_append_printf (out, ",%s\n", ms_collapse_state_to_string (r->state));
    }
  return g_string_free (out, FALSE);
}

/* A JSON string: valid UTF-8, '"' '\\' and control characters escaped */
static void
json_string (GString    *out,
             const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s != NULL ? s : "", -1);

  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) valid; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

/* "key": value, with null for a value that does not apply or is not finite */
static void
json_key (GString    *out,
          gboolean   *first,
          const char *key)
{
  if (!*first)
    g_string_append (out, ", ");
  *first = FALSE;
  json_string (out, key);
  g_string_append (out, ": ");
}

static void
json_number (GString    *out,
             gboolean   *first,
             const char *key,
             double      v,
             gboolean    applies)
{
  json_key (out, first, key);
  if (applies && isfinite (v))
    append_number (out, v);
  else
    g_string_append (out, "null");
}

static void
json_int (GString    *out,
          gboolean   *first,
          const char *key,
          gint64      v)
{
  json_key (out, first, key);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, v);
}

static void
json_str (GString    *out,
          gboolean   *first,
          const char *key,
          const char *v)
{
  json_key (out, first, key);
  if (v == NULL)
    g_string_append (out, "null");
  else
    json_string (out, v);
}

static void
json_bool (GString    *out,
           gboolean   *first,
           const char *key,
           gboolean    v)
{
  json_key (out, first, key);
  g_string_append (out, v ? "true" : "false");
}

/* An evaluation's metrics (without iter and losses) */
static void
json_metrics (GString          *out,
              gboolean         *first,
              const EvalRecord *r)
{
  gboolean img = !r->e.is_2d;

  json_number (out, first, "is", r->e.is_mean, img);
  json_number (out, first, "is_std", r->e.is_std, img);
  json_number (out, first, "kl", r->e.kl_uniform, TRUE);
  json_number (out, first, "kl_ref", r->e.kl_reference, TRUE);
  json_number (out, first, "kl_floor", r->e.kl_floor_p99, TRUE);
  json_int (out, first, "modes", r->e.modes_covered);
  json_int (out, first, "k", r->e.k);
  json_number (out, first, "hq", r->e.hq_fraction, !img);
  json_number (out, first, "diversity", r->e.diversity, img);
  json_number (out, first, "collapse_score", r->e.collapse_score, TRUE);
  json_str (out, first, "collapse", ms_collapse_state_to_string (r->state));
}

typedef struct
{
  const TrainArgs     *a;
  const char          *dataset;
  const char          *arch;
  const MsGanConfig   *config;      /* the starting settings */
  const MsOptimConfig *opt_g, *opt_d;
  int                  eval_samples;
  GArray              *records;
  GPtrArray           *events;
  const char          *status;      /* "completed" or "diverged" */
  gint64               iterations;
  const MsGanStats    *stats;
  double               seconds;
  const char          *reason;      /* the collapse detector's */
} JsonReport;

static void
json_optim (GString             *out,
            gboolean            *first,
            const char          *net,
            const MsOptimConfig *o)
{
  g_autofree char *k_opt = g_strconcat ("optimizer_", net, NULL);
  g_autofree char *k_lr = g_strconcat ("lr_", net, NULL);
  g_autofree char *k_m = g_strconcat ("momentum_", net, NULL);
  g_autofree char *k_b1 = g_strconcat ("beta1_", net, NULL);
  g_autofree char *k_b2 = g_strconcat ("beta2_", net, NULL);

  json_str (out, first, k_opt, ms_optim_kind_to_string (o->kind));
  json_number (out, first, k_lr, o->lr, TRUE);
  json_number (out, first, k_m, o->momentum, TRUE);
  json_number (out, first, k_b1, o->beta1, TRUE);
  json_number (out, first, k_b2, o->beta2, TRUE);
}

static char *
format_json (const JsonReport *r)
{
  GString *out = g_string_new ("{\n  \"settings\": {");
  gboolean first = TRUE;

  json_str (out, &first, "dataset", r->dataset);
  json_str (out, &first, "arch", r->arch);
  json_str (out, &first, "loss", ms_loss_kind_to_string (r->config->loss));
  json_optim (out, &first, "g", r->opt_g);
  json_optim (out, &first, "d", r->opt_d);
  json_int (out, &first, "batch", r->config->batch);
  json_int (out, &first, "n_critic", r->config->n_critic);
  json_number (out, &first, "gp_lambda", float_setting (r->config->gp_lambda), TRUE);
  json_number (out, &first, "clip", float_setting (r->config->clip), TRUE);
  json_int (out, &first, "unroll", r->config->unroll);
  json_bool (out, &first, "first_order_unroll", r->config->unroll_first_order);
  json_int (out, &first, "pack", r->a->pack);
  json_int (out, &first, "iters", r->a->iters);
  json_int (out, &first, "seed", r->a->seed);
  json_int (out, &first, "threads", ms_parallel_threads ());
  json_int (out, &first, "eval_every", r->a->eval_every);
  json_int (out, &first, "eval_samples", r->eval_samples);
  json_str (out, &first, "schedule", r->a->schedule);
  json_str (out, &first, "json", r->a->json);
  json_str (out, &first, "csv", r->a->csv);
  g_string_append (out, "},\n  \"evaluations\": [");
  for (guint i = 0; i < r->records->len; i++)
    {
      const EvalRecord *e = &g_array_index (r->records, EvalRecord, i);

      first = TRUE;
      g_string_append (out, i == 0 ? "\n    {" : ",\n    {");
      json_int (out, &first, "iter", e->iter);
      json_number (out, &first, "loss_d", e->loss_d, TRUE);
      json_number (out, &first, "loss_g", e->loss_g, TRUE);
      json_metrics (out, &first, e);
      g_string_append_c (out, '}');
    }
  g_string_append (out, r->records->len > 0 ? "\n  ],\n  \"events\": [" : "],\n  \"events\": [");
  for (guint i = 0; i < r->events->len; i++)
    {
      const EventRecord *ev = g_ptr_array_index (r->events, i);

      first = TRUE;
      g_string_append (out, i == 0 ? "\n    {" : ",\n    {");
      json_int (out, &first, "iter", ev->iter);
      json_str (out, &first, "what", ev->what);
      g_string_append_c (out, '}');
    }
  g_string_append (out, r->events->len > 0 ? "\n  ],\n  \"final\": {" : "],\n  \"final\": {");
  first = TRUE;
  json_str (out, &first, "status", r->status);
  json_int (out, &first, "iter", r->iterations);
  json_number (out, &first, "loss_d", r->stats->loss_d, TRUE);
  json_number (out, &first, "loss_g", r->stats->loss_g, TRUE);
  json_number (out, &first, "seconds", r->seconds, TRUE);
  if (r->records->len > 0)
    {
      const EvalRecord *e = &g_array_index (r->records, EvalRecord, r->records->len - 1);

      json_int (out, &first, "eval_iter", e->iter);
      json_metrics (out, &first, e);
    }
  json_str (out, &first, "reason", r->reason);
  g_string_append (out, "}\n}\n");
  return g_string_free (out, FALSE);
}

static gboolean
write_file (const char  *flag,
            const char  *path,
            const char  *contents)
{
  g_autoptr(GError) error = NULL;

  if (g_file_set_contents (path, contents, -1, &error))
    return TRUE;
  fprintf (stderr, "modescope-cli train: %s: %s\n", flag, error->message);
  return FALSE;
}

/* --schedule: the settings it changes, replayed before training (to validate) and applied
 * during it */
typedef struct
{
  MsGanConfig   config;
  MsOptimConfig opt_g, opt_d;
} TrainState;

static const char *
optim_label (MsOptimKind kind)
{
  static const char *const labels[] = { "SGD", "Momentum", "Nesterov", "RMSProp", "Adam" };

  return (int) kind >= 0 && kind < G_N_ELEMENTS (labels) ? labels[kind] : "?";
}

/* Another kind starts from its defaults and keeps the learning rate; the same kind is kept. */
static void
switch_optim (MsOptimConfig *o,
              MsOptimKind    kind)
{
  double lr = o->lr;

  if (o->kind == kind)
    return;
  *o = ms_optim_config_default (kind);
  o->lr = lr;
}

/* Changes @s by one entry (already validated by the parser); returns the event's text. */
static char *
schedule_apply (TrainState            *s,
                const MsScheduleEntry *e)
{
  const char *k = e->key;
  double v = e->number;

  if (strcmp (k, "optimizer") == 0)
    {
      MsOptimKind og = s->opt_g.kind, od = s->opt_d.kind;

      switch_optim (&s->opt_g, (MsOptimKind) v);
      switch_optim (&s->opt_d, (MsOptimKind) v);
      if (og == od)
        return g_strdup_printf ("%s -> %s (G and D)", optim_label (og),
                                optim_label ((MsOptimKind) v));
      return g_strdup_printf ("G %s -> %s, D %s -> %s", optim_label (og),
                              optim_label ((MsOptimKind) v), optim_label (od),
                              optim_label ((MsOptimKind) v));
    }
  if (strcmp (k, "optimizer-g") == 0 || strcmp (k, "optimizer-d") == 0)
    {
      gboolean gen = k[10] == 'g';
      MsOptimConfig *o = gen ? &s->opt_g : &s->opt_d;
      MsOptimKind old = o->kind;

      switch_optim (o, (MsOptimKind) v);
      return g_strdup_printf ("%s -> %s (%s)", optim_label (old), optim_label ((MsOptimKind) v),
                              gen ? "G" : "D");
    }
  if (strcmp (k, "lr") == 0 || strcmp (k, "momentum") == 0 || strcmp (k, "beta1") == 0
      || strcmp (k, "beta2") == 0)
    {
      double *fg = k[0] == 'l' ? &s->opt_g.lr : k[0] == 'm' ? &s->opt_g.momentum
                   : k[4] == '1' ? &s->opt_g.beta1 : &s->opt_g.beta2;
      double *fd = k[0] == 'l' ? &s->opt_d.lr : k[0] == 'm' ? &s->opt_d.momentum
                   : k[4] == '1' ? &s->opt_d.beta1 : &s->opt_d.beta2;
      char *label;

      if (*fg == *fd)
        label = g_strdup_printf ("%s %g -> %g (G and D)", k, *fg, v);
      else
        label = g_strdup_printf ("%s %g/%g -> %g (G and D)", k, *fg, *fd, v);
      *fg = *fd = v;
      return label;
    }
  if (strcmp (k, "lr-g") == 0 || strcmp (k, "lr-d") == 0)
    {
      gboolean gen = k[3] == 'g';
      MsOptimConfig *o = gen ? &s->opt_g : &s->opt_d;
      double old = o->lr;

      o->lr = v;
      return g_strdup_printf ("lr %g -> %g (%s)", old, v, gen ? "G" : "D");
    }
  if (strcmp (k, "loss") == 0)
    {
      MsLossKind old = s->config.loss;

      s->config.loss = (MsLossKind) v;
      return g_strdup_printf ("loss %s -> %s", ms_loss_kind_to_string (old),
                              ms_loss_kind_to_string ((MsLossKind) v));
    }
  if (strcmp (k, "n-critic") == 0)
    {
      int old = s->config.n_critic;

      s->config.n_critic = (int) v;
      return g_strdup_printf ("n_critic %d -> %d", old, s->config.n_critic);
    }
  if (strcmp (k, "gp-lambda") == 0)
    {
      float old = s->config.gp_lambda;

      s->config.gp_lambda = (float) v;
      return g_strdup_printf ("gp_lambda %g -> %g", old, s->config.gp_lambda);
    }
  if (strcmp (k, "clip") == 0)
    {
      float old = s->config.clip;

      s->config.clip = (float) v;
      return g_strdup_printf ("clip %g -> %g", old, s->config.clip);
    }
  if (strcmp (k, "unroll") == 0)
    {
      int old = s->config.unroll;

      s->config.unroll = (int) v;
      return g_strdup_printf ("unroll %d -> %d", old, s->config.unroll);
    }
  if (strcmp (k, "first-order-unroll") == 0)
    {
      gboolean old = s->config.unroll_first_order;

      s->config.unroll_first_order = v != 0;
      return g_strdup_printf ("first_order_unroll %s -> %s", old ? "on" : "off",
                              v != 0 ? "on" : "off");
    }
  if (strcmp (k, "batch") == 0)
    {
      int old = s->config.batch;

      s->config.batch = (int) v;
      return g_strdup_printf ("batch %d -> %d", old, s->config.batch);
    }
  return NULL;   /* not a key of ms-schedule.h */
}

/* Applies the entries of iteration @iter starting at *@next to @s (and to @gan when not NULL:
 * the replay before training passes NULL), printing and recording events when @events is
 * given.  Fails when an entry is unknown or the settings it leads to are invalid. */
static gboolean
schedule_step (GPtrArray  *schedule,
               guint      *next,
               gint64      iter,
               TrainState *s,
               MsGan      *gan,
               GPtrArray  *events,
               GError    **error)
{
  gboolean any = FALSE;

  while (*next < schedule->len)
    {
      const MsScheduleEntry *e = g_ptr_array_index (schedule, *next);
      char *what;

      if (e->iteration != iter)
        break;
      (*next)++;
      any = TRUE;
      what = schedule_apply (s, e);
      if (what == NULL)
        {
          g_set_error (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
                       "--schedule: unknown key “%s” at iteration %" G_GINT64_FORMAT, e->key,
                       iter);
          return FALSE;
        }
      if (events != NULL)
        {
          EventRecord *ev = g_new0 (EventRecord, 1);

          printf ("event iter=%" G_GINT64_FORMAT " what=\"%s\"\n", iter, what);
          ev->iter = iter;
          ev->what = what;
          g_ptr_array_add (events, ev);
        }
      else
        g_free (what);
    }
  if (!any)
    return TRUE;
  if (!ms_gan_config_validate (&s->config, error)
      || !ms_optim_config_validate (&s->opt_g, error)
      || !ms_optim_config_validate (&s->opt_d, error))
    {
      g_prefix_error (error, "--schedule at iteration %" G_GINT64_FORMAT ": ", iter);
      return FALSE;
    }
  if (gan != NULL
      && (!ms_gan_set_config (gan, &s->config, error)
          || !ms_gan_set_optim (gan, TRUE, &s->opt_g, error)
          || !ms_gan_set_optim (gan, FALSE, &s->opt_d, error)))
    {
      g_prefix_error (error, "--schedule at iteration %" G_GINT64_FORMAT ": ", iter);
      return FALSE;
    }
  fflush (stdout);
  return TRUE;
}

/* Parses --schedule and replays it on the starting settings. */
static gboolean
schedule_prepare (const TrainArgs  *a,
                  const TrainState *start,
                  GPtrArray       **out,
                  GError          **error)
{
  g_autoptr(GPtrArray) schedule = NULL;
  TrainState s = *start;
  guint next = 0;

  if (a->schedule == NULL)
    return TRUE;
  if (!ms_schedule_parse (a->schedule, &schedule, error))
    {
      g_prefix_error (error, "--schedule: ");
      return FALSE;
    }
  while (next < schedule->len)
    {
      const MsScheduleEntry *e = g_ptr_array_index (schedule, next);

      if (!schedule_step (schedule, &next, e->iteration, &s, NULL, NULL, error))
        return FALSE;
    }
  for (guint i = 0; i < schedule->len; i++)
    {
      const MsScheduleEntry *e = g_ptr_array_index (schedule, i);

      if (e->iteration > a->iters)
        {
          fprintf (stderr, "modescope-cli train: warning: --schedule: the changes at iteration %"
                   G_GINT64_FORMAT " come after --iters %" G_GINT64_FORMAT
                   " and will not be applied\n", e->iteration, a->iters);
          break;
        }
    }
  *out = g_steal_pointer (&schedule);
  return TRUE;
}

int
ms_cli_train (int    argc,
              char **argv)
{
  TrainArgs a = {
    .lr = NAN, .lr_g = NAN, .lr_d = NAN, .momentum = NAN, .beta1 = NAN, .beta2 = NAN,
    .n_critic = 0, .gp_lambda = NAN, .clip = NAN, .pack = 1, .batch = 64, .iters = 2000,
    .seed = 1, .eval_every = 100,
  };
  TrainEval te = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataSource) src = NULL;
  g_autoptr(GPtrArray) schedule = NULL;
  g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (EvalRecord));
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_record_free);
  MsArchConfig arch = { 0, };
  MsGanConfig config;
  MsOptimConfig opt_g, opt_d;
  TrainState state;
  MsLossKind loss = MS_LOSS_NSGAN;
  MsGan *gan = NULL;
  guint next_change = 0;
  gint64 t0;
  double seconds;
  int status = 0;

  if (!parse_args (&argc, &argv, &a, &error))
    goto usage;
  if (a.loss != NULL && !ms_loss_kind_from_string (a.loss, &loss, &error))
    goto usage;
  config = ms_gan_config_default (loss);
  config.batch = a.batch;
  if (a.n_critic != 0)
    config.n_critic = a.n_critic;
  config.unroll = a.unroll;
  config.unroll_first_order = a.first_order_unroll;
  if (!isnan (a.gp_lambda))
    config.gp_lambda = (float) a.gp_lambda;
  if (!isnan (a.clip))
    config.clip = (float) a.clip;
  if (!ms_gan_config_validate (&config, &error))
    goto usage;
  if (!optim_from_args (&a, a.optimizer_g ? a.optimizer_g : a.optimizer,
                        !isnan (a.lr_g) ? a.lr_g : a.lr, loss, &opt_g, &error)
      || !optim_from_args (&a, a.optimizer_d ? a.optimizer_d : a.optimizer,
                           !isnan (a.lr_d) ? a.lr_d : a.lr, loss, &opt_d, &error))
    goto usage;
  state = (TrainState) { .config = config, .opt_g = opt_g, .opt_d = opt_d };
  if (!schedule_prepare (&a, &state, &schedule, &error))
    goto usage;
  if (a.json != NULL && a.csv != NULL && strcmp (a.json, a.csv) == 0)
    {
      ms_cli_usage_error (&error, "--json and --csv name the same file “%s”", a.json);
      goto usage;
    }
  if (!check_writable ("--json", a.json, &error) || !check_writable ("--csv", a.csv, &error))
    goto usage;

  src = ms_data_source_open (a.dataset ? a.dataset : "mnist", &error);
  if (src == NULL)
    goto usage;
  arch.arch = a.arch ? a.arch : (ms_data_source_is_2d (src) ? "mlp" : "dcgan-small");
  arch.data_ndim = src->ndim;
  memcpy (arch.data_shape, src->shape, sizeof arch.data_shape);
  arch.pack = a.pack;
  if (a.threads > 0)
    ms_parallel_set_threads (a.threads);
  gan = ms_gan_new (&arch, &config, &opt_g, &opt_d, (guint64) a.seed, ms_data_source_sample, src,
                    &error);
  if (gan == NULL)
    goto usage;
  if (!train_eval_init (&te, gan, src, a.eval_samples, a.seed, &error))
    goto usage;

  printf ("train dataset=%s arch=%s loss=%s optimizer_g=%s lr_g=%g optimizer_d=%s lr_d=%g "
          "batch=%d n_critic=%d unroll=%d%s pack=%d seed=%" G_GINT64_FORMAT
          " iters=%" G_GINT64_FORMAT "\n",
          src->name, arch.arch, ms_loss_kind_to_string (loss),
          ms_optim_kind_to_string (opt_g.kind), opt_g.lr, ms_optim_kind_to_string (opt_d.kind),
          opt_d.lr, config.batch, config.n_critic, config.unroll,
          config.unroll > 0 && config.unroll_first_order ? " first_order_unroll" : "",
          arch.pack, a.seed, a.iters);
  fflush (stdout);
  t0 = g_get_monotonic_time ();
  /* Changes at iteration 0 apply before the first step. */
  if (schedule != NULL
      && !schedule_step (schedule, &next_change, 0, &state, gan, events, &error))
    goto failure;
  for (gint64 it = 1; it <= a.iters; it++)
    {
      const MsGanStats *st;

      ms_gan_iteration (gan);
      st = ms_gan_stats (gan);
      if (!isfinite (st->loss_d) || !isfinite (st->loss_g))
        {
          fprintf (stderr, "modescope-cli train: training diverged at iteration %" G_GINT64_FORMAT
                   " (loss is not a number); try a smaller learning rate\n", it);
          status = MS_CLI_EXIT_FAILURE;
          break;
        }
      if (it % a.eval_every == 0 || it == a.iters)
        {
          gint64 now = g_get_monotonic_time ();
          double elapsed = (now - t0) / 1e6;
          double rate = it / MAX (elapsed, 1e-9);

          const char *metrics = train_eval_run (&te, gan);

          record_evaluation (records, it, st, &te);
          printf ("iter=%" G_GINT64_FORMAT " it_per_s=%.1f eta_s=%.0f loss_d=%.4f loss_g=%.4f "
                  "%s\n", it, rate, (a.iters - it) / rate, st->loss_d, st->loss_g, metrics);
          fflush (stdout);
        }
      /* The changes take effect from the next iteration on. */
      if (schedule != NULL
          && !schedule_step (schedule, &next_change, it, &state, gan, events, &error))
        goto failure;
    }
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  if (status == 0)
    {
      const MsGanStats *st = ms_gan_stats (gan);
      const char *eval = te.last_line;

      /* The loop's last report evaluated the final generator, unless there was no iteration. */
      if (eval == NULL)
        {
          eval = train_eval_run (&te, gan);
          record_evaluation (records, ms_gan_iterations (gan), st, &te);
        }
      printf ("final iter=%" G_GINT64_FORMAT " loss_d=%.4f loss_g=%.4f %s seconds=%.1f\n",
              ms_gan_iterations (gan), st->loss_d, st->loss_g, eval, seconds);
      printf ("# %s\n", ms_collapse_detector_get_reason (te.detector));
    }
  fflush (stdout);
  if (a.csv != NULL)
    {
      g_autofree char *csv = format_csv (records);

      if (!write_file ("--csv", a.csv, csv))
        status = MS_CLI_EXIT_FAILURE;
    }
  if (a.json != NULL)
    {
      JsonReport report = {
        .a = &a, .dataset = src->name, .arch = arch.arch, .config = &config, .opt_g = &opt_g,
        .opt_d = &opt_d, .eval_samples = te.n, .records = records, .events = events,
        .status = status == 0 ? "completed" : "diverged", .iterations = ms_gan_iterations (gan),
        .stats = ms_gan_stats (gan), .seconds = seconds,
        .reason = ms_collapse_detector_get_reason (te.detector),
      };
      g_autofree char *json = format_json (&report);

      if (!write_file ("--json", a.json, json))
        status = MS_CLI_EXIT_FAILURE;
    }
  goto out;

failure:
  fprintf (stderr, "modescope-cli train: %s\n", error->message);
  status = MS_CLI_EXIT_FAILURE;
  goto out;

usage:
  fprintf (stderr, "modescope-cli train: %s\n", error->message);
  status = MS_CLI_EXIT_USAGE;

out:
  train_eval_clear (&te);
  ms_gan_free (gan);
  g_free (a.dataset);
  g_free (a.arch);
  g_free (a.loss);
  g_free (a.optimizer);
  g_free (a.optimizer_g);
  g_free (a.optimizer_d);
  g_free (a.schedule);
  g_free (a.json);
  g_free (a.csv);
  return status;
}
