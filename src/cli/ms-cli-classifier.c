/* ms-cli-classifier.c: `modescope-cli train-classifier` and `eval-classifier`
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * These make and check the weights the collapse metrics label samples with (shipped as
 * data/classifier-<dataset>.msck; docs/classifier.md).  As in `train`, every flag and input
 * file is checked before work starts: a bad value ends the program with a message and exit
 * code 2.  Machine-readable lines (key=value) go to stdout, progress to stderr.
 *
 * Both default to one OpenBLAS thread: the classifier's GEMMs (batch 64, 16 to 32 channels)
 * are too small for a second thread to pay off (an MNIST epoch took 18 s with one thread and
 * 38 s with two on the 2-core target), and a fixed thread count keeps a seed's weights the
 * same from run to run.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ms-classifier.h"
#include "ms-parallel.h"
#include "ms-cli.h"
#include "ms-cli-args.h"
#include "ms-idx.h"

static MsDataset *
load_split (const char  *canon,
            const char  *split,
            GError     **error)
{
  if (strcmp (canon, "mnist") == 0)
    return ms_dataset_load_mnist (split, error);
  return ms_dataset_load_fashion_mnist (split, error);
}

static gboolean
check_dataset (const char  *name,
               const char **canon,
               GError     **error)
{
  if (name == NULL)
    return ms_cli_usage_error (error, _("--dataset is required (mnist or fashion)"));
  *canon = ms_classifier_dataset_canonical (name);
  if (*canon == NULL)
    {
      g_autofree char *quoted = ms_value_quote (name);

      return ms_cli_usage_error (error, _("unknown dataset “%s”; use mnist or fashion"), quoted);
    }
  return TRUE;
}

/* train-classifier -------------------------------------------------------------------------*/

typedef struct
{
  gint64           t0;
  MsClassifier    *c;
  const MsDataset *test;
} Progress;

static gboolean
report_progress (const MsClassifierProgressInfo *info,
                 gpointer                        user_data)
{
  Progress *p = user_data;
  double elapsed = (g_get_monotonic_time () - p->t0) / 1e6;

  if (info->batch_index == info->n_batches)
    {
      /* About 2 s per epoch on MNIST's test split: cheap enough to show the learning curve. */
      double test_acc = ms_classifier_accuracy (p->c, p->test);

      fputc ('\n', stderr);
      printf ("epoch=%d loss=%.4f train_accuracy=%.4f test_accuracy=%.4f seconds=%.1f\n",
              info->epoch, info->loss, info->accuracy, test_acc, elapsed);
      fflush (stdout);
    }
  else
    {
      double done = (info->epoch - 1) + (double) info->batch_index / info->n_batches;
      double eta = elapsed / done * (info->n_epochs - done);

      fputc ('\r', stderr);
      fprintf (stderr, _("epoch %d/%d  batch %d/%d  loss %.4f  accuracy %.4f  eta %.0f s   "),
               info->epoch, info->n_epochs, info->batch_index, info->n_batches, info->loss,
               info->accuracy, eta);
    }
  fflush (stderr);
  return TRUE;
}

int
ms_cli_train_classifier (int    argc,
                         char **argv)
{
  g_autofree char *dataset = NULL;
  g_autofree char *output = NULL;
  g_autofree char *epochs_text = NULL;
  g_autofree char *batch_text = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *threads_text = NULL;
  int epochs = -1, batch = 64, threads = 0;   /* -1: the dataset's default */
  gint64 seed = 1;
  GOptionEntry entries[] = {
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, N_("mnist or fashion (required)"),
      N_("NAME") },
    { "epochs", 0, 0, G_OPTION_ARG_STRING, &epochs_text,
      N_("Passes over the training split (mnist 15, fashion 20; 1 to 1000)"), N_("N") },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &batch_text, N_("Batch size (64; 1 to 4096)"),
      N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, N_("Random seed (1)"), N_("N") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Where to write the weights (default: the source tree’s data/classifier-NAME.msck)"),
      N_("PATH") },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      N_("Engine threads, 1 to 1024 (default: one per core, or 1 when OPENBLAS_NUM_THREADS is "
         "set)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx =
    g_option_context_new (N_("- train the classifier the collapse metrics use"));
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) train = NULL;
  g_autoptr(MsDataset) test = NULL;
  g_autoptr(MsClassifier) c = NULL;
  g_autofree char *dir = NULL;
  const char *canon = NULL;
  Progress progress = { 0, };
  double acc, seconds;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    goto usage;
  if (argc > 1)
    {
      ms_cli_usage_error (&error, _("unexpected argument “%s”"), argv[1]);
      goto usage;
    }
  if (!check_dataset (dataset, &canon, &error))
    goto usage;
  if (epochs_text == NULL)
    epochs = strcmp (canon, "mnist") == 0 ? 15 : 20;
  if (!ms_cli_int_flag ("--epochs", epochs_text, 1, 1000, _("number of epochs"), &epochs,
                        &error)
      || !ms_cli_int_flag ("--batch", batch_text, 1, 4096, _("batch size"), &batch, &error)
      || !ms_cli_setting_flag ("--seed", seed_text, MS_VALUE_SEED, &seed, &error)
      || !ms_cli_int_flag ("--threads", threads_text, 1, 1024, _("number of threads"), &threads,
                           &error))
    goto usage;
  if (output == NULL)
    output = g_strdup_printf ("%s/classifier-%s.msck", SOURCE_DATADIR, canon);
  dir = g_path_get_dirname (output);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      ms_cli_usage_error (&error, _("cannot write %s: the folder %s does not exist"), output,
                          dir);
      goto usage;
    }

  train = load_split (canon, "train", &error);
  if (train == NULL)
    goto usage;
  test = load_split (canon, "t10k", &error);
  if (test == NULL)
    goto usage;
  if (threads > 0)
    ms_parallel_set_threads (threads);

  printf ("train-classifier dataset=%s arch=%s train_images=%u test_images=%u epochs=%d "
          "batch=%d seed=%" G_GINT64_FORMAT "\n", canon, MS_CLASSIFIER_ARCH, train->n, test->n,
          epochs, batch, seed);
  fflush (stdout);
  c = ms_classifier_new ();
  progress.c = c;
  progress.test = test;
  progress.t0 = g_get_monotonic_time ();
  if (!ms_classifier_train (c, train, epochs, batch, (guint64) seed, report_progress, &progress,
                            &error))
    {
      fprintf (stderr, "modescope-cli train-classifier: %s\n", error->message);
      return MS_CLI_EXIT_FAILURE;
    }
  seconds = (g_get_monotonic_time () - progress.t0) / 1e6;
  acc = ms_classifier_accuracy (c, test);
  ms_classifier_set_test_accuracy (c, acc);
  if (!ms_classifier_save (c, output, canon, &error))
    {
      fprintf (stderr, "modescope-cli train-classifier: %s\n", error->message);
      return MS_CLI_EXIT_FAILURE;
    }
  printf (_("wrote %s\n"), output);
  printf ("train_seconds=%.1f\n", seconds);
  printf ("accuracy=%.4f\n", acc);
  return 0;

usage:
  fprintf (stderr, "modescope-cli train-classifier: %s\n", error->message);
  return MS_CLI_EXIT_USAGE;
}

/* eval-classifier --------------------------------------------------------------------------*/

int
ms_cli_eval_classifier (int    argc,
                        char **argv)
{
  g_autofree char *dataset = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *threads_text = NULL;
  int threads = 0;
  GOptionEntry entries[] = {
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, N_("mnist or fashion (required)"),
      N_("NAME") },
    { "weights", 'w', 0, G_OPTION_ARG_FILENAME, &weights,
      N_("A weights file (default: the shipped classifier-NAME.msck)"), N_("PATH") },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      N_("Engine threads, 1 to 1024 (default: one per core, or 1 when OPENBLAS_NUM_THREADS is "
         "set)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx =
    g_option_context_new (N_("- measure a classifier’s accuracy on the test split"));
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) test = NULL;
  g_autoptr(MsClassifier) c = NULL;
  const char *canon = NULL;
  const char *trained_on;
  double acc, recorded;
  gint64 t0;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    goto usage;
  if (argc > 1)
    {
      ms_cli_usage_error (&error, _("unexpected argument “%s”"), argv[1]);
      goto usage;
    }
  if (!check_dataset (dataset, &canon, &error)
      || !ms_cli_int_flag ("--threads", threads_text, 1, 1024, _("number of threads"), &threads,
                           &error))
    goto usage;
  c = weights != NULL ? ms_classifier_load (weights, &error)
                      : ms_classifier_load_default (canon, &error);
  if (c == NULL)
    goto usage;
  trained_on = ms_classifier_get_dataset (c);
  if (trained_on != NULL && g_strcmp0 (ms_classifier_dataset_canonical (trained_on), canon) != 0)
    fprintf (stderr, _("modescope-cli eval-classifier: warning: these weights were trained on "
                       "“%s”, not %s\n"), trained_on, canon);
  test = load_split (canon, "t10k", &error);
  if (test == NULL)
    goto usage;
  if (threads > 0)
    ms_parallel_set_threads (threads);

  recorded = ms_classifier_get_test_accuracy (c);
  if (!isnan (recorded))
    fprintf (stderr, _("accuracy recorded in the weights file: %.4f\n"), recorded);
  t0 = g_get_monotonic_time ();
  acc = ms_classifier_accuracy (c, test);
  printf ("eval-classifier dataset=%s images=%u seconds=%.2f\n", canon, test->n,
          (g_get_monotonic_time () - t0) / 1e6);
  printf ("accuracy=%.4f\n", acc);
  return 0;

usage:
  fprintf (stderr, "modescope-cli eval-classifier: %s\n", error->message);
  return MS_CLI_EXIT_USAGE;
}
