/* ms-cli-train.c: `modescope-cli train`, a headless training run
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every flag is checked before training starts: a bad value or an unreadable file ends the
 * program with a message and exit code 2, never halfway through a run.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ms-cli.h"
#include "ms-evaluate.h"
#include "ms-gan.h"
#include "ms-source.h"
#include "ms-parallel.h"


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
  /* The line shows the detector's state (with hysteresis), not this evaluation's alone. */
  line = ms_evaluation_format (&te->last);
  raw_state = ms_collapse_state_to_string (te->last.collapse_state);
  if (g_str_has_suffix (line, raw_state))
    line[strlen (line) - strlen (raw_state)] = '\0';
  g_free (te->last_line);
  te->last_line = g_strconcat (line, ms_collapse_state_to_string (state), NULL);
  return te->last_line;
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
  MsArchConfig arch = { 0, };
  MsGanConfig config;
  MsOptimConfig opt_g, opt_d;
  MsLossKind loss = MS_LOSS_NSGAN;
  MsGan *gan = NULL;
  gint64 t0;
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

          printf ("iter=%" G_GINT64_FORMAT " it_per_s=%.1f eta_s=%.0f loss_d=%.4f loss_g=%.4f "
                  "%s\n", it, rate, (a.iters - it) / rate, st->loss_d, st->loss_g, metrics);
          fflush (stdout);
        }
    }
  if (status == 0)
    {
      const MsGanStats *st = ms_gan_stats (gan);
      double seconds = (g_get_monotonic_time () - t0) / 1e6;
      /* The loop's last report evaluated the final generator. */
      const char *eval = te.last_line ? te.last_line : train_eval_run (&te, gan);

      printf ("final iter=%" G_GINT64_FORMAT " loss_d=%.4f loss_g=%.4f %s seconds=%.1f\n",
              ms_gan_iterations (gan), st->loss_d, st->loss_g, eval, seconds);
      printf ("# %s\n", ms_collapse_detector_get_reason (te.detector));
    }
  train_eval_clear (&te);
  ms_gan_free (gan);
  g_free (a.dataset);
  g_free (a.arch);
  g_free (a.loss);
  g_free (a.optimizer);
  g_free (a.optimizer_g);
  g_free (a.optimizer_d);
  return status;

usage:
  fprintf (stderr, "modescope-cli train: %s\n", error->message);
  train_eval_clear (&te);
  ms_gan_free (gan);
  g_free (a.dataset);
  g_free (a.arch);
  g_free (a.loss);
  g_free (a.optimizer);
  g_free (a.optimizer_g);
  g_free (a.optimizer_d);
  return MS_CLI_EXIT_USAGE;
}
