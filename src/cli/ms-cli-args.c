/* ms-cli-args.c: `modescope-cli train`'s flags, parsed and validated without training
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every numeric flag goes through one callback and ms-values.h, so "--batch abc", "--lr nan",
 * "--iters 1e400" and "--unroll 11" are refused with the same words the window uses.  NAN in
 * MsCliTrainArgs means "not given", which is why a NAN typed by the user is refused here.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ms-cli.h"
#include "ms-cli-args.h"
#include "ms-mixture.h"
#include "ms-values.h"

gboolean
ms_cli_usage_error (GError    **error,
                    const char *format,
                    ...)
{
  va_list args;
  char *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
  g_free (msg);
  return FALSE;
}

void
ms_cli_train_args_init (MsCliTrainArgs *a)
{
  g_return_if_fail (a != NULL);

  *a = (MsCliTrainArgs) {
    .lr = NAN, .lr_g = NAN, .lr_d = NAN, .momentum = NAN, .beta1 = NAN, .beta2 = NAN,
    .n_critic = 0, .gp_lambda = NAN, .clip = NAN, .pack = 1, .batch = 64, .iters = 2000,
    .seed = 1, .eval_every = 100,
  };
}

void
ms_cli_train_args_clear (MsCliTrainArgs *a)
{
  g_return_if_fail (a != NULL);

  g_clear_pointer (&a->dataset, g_free);
  g_clear_pointer (&a->arch, g_free);
  g_clear_pointer (&a->loss, g_free);
  g_clear_pointer (&a->optimizer, g_free);
  g_clear_pointer (&a->optimizer_g, g_free);
  g_clear_pointer (&a->optimizer_d, g_free);
  g_clear_pointer (&a->schedule, g_free);
  g_clear_pointer (&a->json, g_free);
  g_clear_pointer (&a->csv, g_free);
  g_clear_pointer (&a->snapshot, g_free);
  g_clear_pointer (&a->resume, g_free);
  g_clear_pointer (&a->grid, g_free);
}

typedef enum
{
  FLAG_DOUBLE,
  FLAG_INT,
  FLAG_INT64,
} FlagType;

static const struct
{
  const char     *flag;
  MsValueSetting  setting;
  FlagType        type;
  gsize           offset;
} number_flags[] = {
  { "--lr", MS_VALUE_LR, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, lr) },
  { "--lr-g", MS_VALUE_LR, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, lr_g) },
  { "--lr-d", MS_VALUE_LR, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, lr_d) },
  { "--momentum", MS_VALUE_MOMENTUM, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, momentum) },
  { "--beta1", MS_VALUE_BETA1, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, beta1) },
  { "--beta2", MS_VALUE_BETA2, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, beta2) },
  { "--gp-lambda", MS_VALUE_GP_LAMBDA, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, gp_lambda) },
  { "--clip", MS_VALUE_CLIP, FLAG_DOUBLE, G_STRUCT_OFFSET (MsCliTrainArgs, clip) },
  { "--n-critic", MS_VALUE_N_CRITIC, FLAG_INT, G_STRUCT_OFFSET (MsCliTrainArgs, n_critic) },
  { "--unroll", MS_VALUE_UNROLL, FLAG_INT, G_STRUCT_OFFSET (MsCliTrainArgs, unroll) },
  { "--pack", MS_VALUE_PACK, FLAG_INT, G_STRUCT_OFFSET (MsCliTrainArgs, pack) },
  { "--batch", MS_VALUE_BATCH, FLAG_INT, G_STRUCT_OFFSET (MsCliTrainArgs, batch) },
  { "--iters", MS_VALUE_ITERS, FLAG_INT64, G_STRUCT_OFFSET (MsCliTrainArgs, iters) },
  { "--seed", MS_VALUE_SEED, FLAG_INT64, G_STRUCT_OFFSET (MsCliTrainArgs, seed) },
  { "--threads", MS_VALUE_THREADS, FLAG_INT, G_STRUCT_OFFSET (MsCliTrainArgs, threads) },
  { "--eval-every", MS_VALUE_EVAL_EVERY, FLAG_INT, G_STRUCT_OFFSET (MsCliTrainArgs, eval_every) },
  { "--eval-samples", MS_VALUE_EVAL_SAMPLES, FLAG_INT,
    G_STRUCT_OFFSET (MsCliTrainArgs, eval_samples) },
  { "--adagan-rounds", MS_VALUE_ADAGAN_ROUNDS, FLAG_INT,
    G_STRUCT_OFFSET (MsCliTrainArgs, adagan_rounds) },
  { "--adagan-round-iters", MS_VALUE_ADAGAN_ROUND_ITERS, FLAG_INT,
    G_STRUCT_OFFSET (MsCliTrainArgs, adagan_round_iters) },
};

static gboolean
parse_number_flag (const char  *option_name,
                   const char  *value,
                   gpointer     data,
                   GError     **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (number_flags); i++)
    if (strcmp (option_name, number_flags[i].flag) == 0)
      {
        gint64 n = 0;
        double v = 0.0;

        if (number_flags[i].type == FLAG_DOUBLE
            ? !ms_value_parse (number_flags[i].setting, value, &v, error)
            : !ms_value_parse_integer (number_flags[i].setting, value, &n, error))
          {
            g_prefix_error (error, "%s: ", option_name);
            return FALSE;
          }
        switch (number_flags[i].type)
          {
          case FLAG_DOUBLE:
            G_STRUCT_MEMBER (double, data, number_flags[i].offset) = v;
            break;
          case FLAG_INT:
            G_STRUCT_MEMBER (int, data, number_flags[i].offset) = (int) n;
            break;
          case FLAG_INT64:
          default:
            G_STRUCT_MEMBER (gint64, data, number_flags[i].offset) = n;
            break;
          }
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, _("Unknown option %s"),
               option_name);
  return FALSE;
}

gboolean
ms_cli_train_parse_args (int             *argc,
                         char          ***argv,
                         MsCliTrainArgs  *a,
                         gboolean         help,
                         GError         **error)
{
  GOptionEntry entries[] = {
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &a->dataset,
      N_("mnist (default), fashion, ring8, grid25, wgan8, wgan25 or an IDX folder"), N_("NAME") },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &a->arch,
      N_("dcgan-small (default for images), dcgan-paper, mlp (default for 2-D data)"),
      N_("NAME") },
    { "loss", 0, 0, G_OPTION_ARG_STRING, &a->loss,
      N_("nsgan (default), minimax, wgan-clip, wgan-gp"), N_("NAME") },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &a->optimizer,
      N_("Both networks: sgd, momentum, nesterov, rmsprop, adam"), N_("NAME") },
    { "optimizer-g", 0, 0, G_OPTION_ARG_STRING, &a->optimizer_g, N_("The generator’s optimizer"),
      N_("NAME") },
    { "optimizer-d", 0, 0, G_OPTION_ARG_STRING, &a->optimizer_d,
      N_("The discriminator’s optimizer"), N_("NAME") },
    { "lr", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Learning rate of both networks (1e-08 to 10)"), N_("RATE") },
    { "lr-g", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("The generator’s learning rate"), N_("RATE") },
    { "lr-d", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("The discriminator’s learning rate"), N_("RATE") },
    { "momentum", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Momentum (SGD, Nesterov, RMSProp), 0 to below 1"), N_("M") },
    { "beta1", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag, N_("Adam’s beta1 (0 to below 1)"),
      N_("B") },
    { "beta2", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag, N_("Adam’s beta2 (0 to below 1)"),
      N_("B") },
    { "n-critic", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Discriminator steps per generator step (1 to 100)"), N_("N") },
    { "unroll", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Unrolled GAN: look-ahead steps of the discriminator for the generator (0 to 10, "
         "default 0)"), N_("K") },
    { "first-order-unroll", 0, 0, G_OPTION_ARG_NONE, &a->first_order_unroll,
      N_("With --unroll: train against the looked-ahead discriminator without differentiating "
         "through the unroll"), NULL },
    { "gp-lambda", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("WGAN-GP penalty weight (10; 0 to 1000)"), N_("L") },
    { "clip", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("WGAN weight clipping (0.01; above 0, at most 10)"), N_("C") },
    { "pack", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("PacGAN: samples the discriminator sees at once (1 to 16)"), N_("M") },
    { "veegan", 0, 0, G_OPTION_ARG_NONE, &a->veegan,
      N_("VEEGAN: a reconstructor network maps data back to noise"), NULL },
    { "adagan-rounds", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("AdaGAN: a mixture of R generators, each round on data reweighted by the last "
         "discriminator (2 to 10; 0 or 1 is off)"), N_("R") },
    { "adagan-round-iters", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("AdaGAN: iterations per round (default --iters / R)"), N_("N") },
    { "batch", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Batch size (64; 1 to 4096, at most the data set’s size)"), N_("N") },
    { "iters", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Generator iterations in all (2000); with --resume the file’s iterations count too, "
         "so --iters 4000 on a file saved at 3000 trains 1000 more"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag, N_("Random seed (1)"), N_("N") },
    { "threads", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Engine threads, 1 to 1024 (default: one per core, or 1 when OPENBLAS_NUM_THREADS is "
         "set); a run repeats bit for bit with the same thread count"), N_("N") },
    { "eval-samples", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Generator samples per evaluation (500 for images as in the optimizer paper, 2500 "
         "for 2-D; 10 to 100000)"), N_("N") },
    { "eval-every", 0, 0, G_OPTION_ARG_CALLBACK, parse_number_flag,
      N_("Evaluate every N iterations, and at the last one (100)"), N_("N") },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &a->schedule,
      N_("Change settings once ITER iterations are done, e.g. "
         "2000:optimizer=rmsprop,lr=1e-3;4000:loss=wgan-gp (keys: optimizer, optimizer-g, "
         "optimizer-d, lr, lr-g, lr-d, momentum, beta1, beta2, loss, n-critic, gp-lambda, clip, "
         "unroll, first-order-unroll, batch, veegan=on|off, adagan-rounds; loss= also sets the "
         "objective’s paper defaults for n-critic, clip and gp-lambda unless the entry sets "
         "them)"), N_("SPEC") },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &a->json,
      N_("Write the settings, every evaluation, the schedule’s events and the final result as "
         "JSON"), N_("FILE") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &a->csv,
      N_("Write one CSV row per evaluation (empty: the metric does not apply to the dataset; "
         "nan: undefined this time)"), N_("FILE") },
    { "snapshot", 0, 0, G_OPTION_ARG_FILENAME, &a->snapshot,
      N_("At the end, save the whole session (weights, optimizer state, RNG, history) to FILE"),
      N_("FILE") },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &a->resume,
      N_("Continue the session saved in FILE with its settings; flags given explicitly change "
         "them from there on (a branch, e.g. --optimizer sgd); --dataset, --arch, --pack, "
         "--seed and --eval-samples cannot change.  Without --schedule the file’s schedule "
         "goes on; --csv and --json include the earlier evaluations"), N_("FILE") },
    { "grid", 0, 0, G_OPTION_ARG_FILENAME, &a->grid,
      N_("Write the final fixed-noise samples as a 720x720 PNG: the image grid, or the 2-D "
         "scatter over the data"), N_("FILE.png") },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = NULL;
  GOptionGroup *group;

  g_return_val_if_fail (argc != NULL && argv != NULL && a != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ctx = g_option_context_new (N_("- train a GAN without a window"));
  group = g_option_group_new ("train", "", "", a, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_set_main_group (ctx, group);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_description (ctx, _("Exit status: 0 when the run completed, 1 when it "
                                           "failed while running, 2 for a bad flag, value or "
                                           "file (before any training), 3 when training "
                                           "diverged (rolled back to the last good state)."));
  g_option_context_set_help_enabled (ctx, help);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    return ms_cli_usage_error (error, _("unexpected argument “%s”"), (*argv)[1]);
  if (a->json != NULL && a->csv != NULL && strcmp (a->json, a->csv) == 0)
    return ms_cli_usage_error (error, _("--json and --csv name the same file “%s”"), a->json);
  if (a->grid != NULL && !g_str_has_suffix (a->grid, ".png") && !g_str_has_suffix (a->grid, ".PNG"))
    return ms_cli_usage_error (error, _("--grid: “%s” must be a .png file"), a->grid);
  return TRUE;
}

gboolean
ms_cli_dataset_is_2d (const char *name)
{
  const char * const *names = ms_mixture_names ();

  for (int i = 0; name != NULL && names[i] != NULL; i++)
    if (g_ascii_strcasecmp (names[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* Builds one network's optimizer from the shared and the per-network flags. */
static gboolean
optim_from_args (const MsCliTrainArgs *a,
                 const char           *kind_name,
                 double                lr,
                 MsLossKind            loss,
                 MsOptimConfig        *out,
                 GError              **error)
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

gboolean
ms_cli_train_settings_from_args (const MsCliTrainArgs *a,
                                 MsSessionSettings    *s,
                                 GError              **error)
{
  MsLossKind loss = MS_LOSS_NSGAN;
  const char *dataset;
  MsGanConfig config;

  g_return_val_if_fail (a != NULL && s != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dataset = a->dataset != NULL ? a->dataset : "mnist";
  if (a->loss != NULL && !ms_loss_kind_from_string (a->loss, &loss, error))
    return FALSE;
  ms_session_settings_init (s, dataset, loss);
  config = ms_gan_config_default (loss);
  config.batch = a->batch;
  if (a->n_critic != 0)
    config.n_critic = a->n_critic;
  config.unroll = a->unroll;
  config.unroll_first_order = a->first_order_unroll;
  if (!isnan (a->gp_lambda))
    config.gp_lambda = (float) a->gp_lambda;
  if (!isnan (a->clip))
    config.clip = (float) a->clip;
  config.veegan = a->veegan;
  config.adagan_rounds = a->adagan_rounds;
  if (a->adagan_rounds > 1)
    config.adagan_round_iters = a->adagan_round_iters > 0 ? a->adagan_round_iters
                                : (int) MAX (1, a->iters / a->adagan_rounds);
  if (!ms_gan_config_validate (&config, error))
    goto fail;
  s->gan = config;
  if (!optim_from_args (a, a->optimizer_g ? a->optimizer_g : a->optimizer,
                        !isnan (a->lr_g) ? a->lr_g : a->lr, loss, &s->optim_g, error)
      || !optim_from_args (a, a->optimizer_d ? a->optimizer_d : a->optimizer,
                           !isnan (a->lr_d) ? a->lr_d : a->lr, loss, &s->optim_d, error))
    goto fail;
  g_free (s->arch);
  s->arch = g_strdup (a->arch);
  s->pack = a->pack;
  s->seed = (guint64) a->seed;
  s->eval_every = a->eval_every;
  s->eval_samples = a->eval_samples > 0 ? a->eval_samples
                    : ms_cli_dataset_is_2d (dataset) ? 2500 : 500;
  s->grid_size = 64;
  s->start_paused = TRUE;
  s->headless = TRUE;
  return TRUE;

fail:
  ms_session_settings_clear (s);
  return FALSE;
}

gboolean
ms_cli_int_flag (const char  *flag,
                 const char  *text,
                 int          min,
                 int          max,
                 const char  *name,
                 int         *out,
                 GError     **error)
{
  if (text == NULL)
    return TRUE;
  if (ms_value_parse_int (text, min, max, name, out, error))
    return TRUE;
  g_prefix_error (error, "%s: ", flag);
  return FALSE;
}

gboolean
ms_cli_double_flag (const char  *flag,
                    const char  *text,
                    double       min,
                    double       max,
                    const char  *name,
                    double      *out,
                    GError     **error)
{
  if (text == NULL)
    return TRUE;
  if (ms_value_parse_double (text, min, max, name, out, error))
    return TRUE;
  g_prefix_error (error, "%s: ", flag);
  return FALSE;
}

gboolean
ms_cli_setting_flag (const char     *flag,
                     const char     *text,
                     MsValueSetting  setting,
                     gint64         *out,
                     GError        **error)
{
  if (text == NULL)
    return TRUE;
  if (ms_value_parse_integer (setting, text, out, error))
    return TRUE;
  g_prefix_error (error, "%s: ", flag);
  return FALSE;
}
