/* ms-cli-metrics.c: `modescope-cli metrics`, every metric on real data: the upper reference
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "ms-cli.h"
#include "ms-cli-args.h"
#include "ms-evaluate.h"
#include "ms-source.h"

int
ms_cli_metrics (int    argc,
                char **argv)
{
  g_autofree char *real = NULL;
  g_autofree char *samples_text = NULL;
  g_autofree char *seed_text = NULL;
  int samples = 10000;
  gint64 seed = 1;
  GOptionEntry entries[] = {
    { "real", 0, 0, G_OPTION_ARG_STRING, &real,
      N_("Evaluate real data: mnist, fashion, an IDX folder, or a 2-D mixture (ring8, grid25, "
         "...)"), N_("NAME") },
    { "samples", 0, 0, G_OPTION_ARG_STRING, &samples_text,
      N_("How many samples (default 10000; 10 to 1000000, at most the data set’s size)"),
      N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, N_("Seed for sampling 2-D mixtures (1)"),
      N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (N_("- metrics of real data"));
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataSource) src = NULL;
  g_autoptr(MsClassifier) classifier = NULL;
  g_autoptr(MsEvaluator) ev = NULL;
  g_autofree float *x = NULL;
  g_autofree char *line = NULL;
  MsEvaluation e;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    goto usage;
  if (argc > 1)
    {
      ms_cli_usage_error (&error, _("unexpected argument “%s”"), argv[1]);
      goto usage;
    }
  if (real == NULL)
    {
      ms_cli_usage_error (&error, _("--real is required (mnist, fashion, an IDX folder or a "
                                    "2-D mixture such as ring8)"));
      goto usage;
    }
  if (!ms_cli_int_flag ("--samples", samples_text, 10, 1000000, _("number of samples"),
                        &samples, &error)
      || !ms_cli_setting_flag ("--seed", seed_text, MS_VALUE_SEED, &seed, &error))
    goto usage;
  src = ms_data_source_open (real, &error);
  if (src == NULL)
    goto usage;

  if (ms_data_source_is_2d (src))
    {
      MsRng rng;

      ms_rng_seed (&rng, (guint64) seed);
      x = g_new (float, (gsize) samples * 2);
      ms_mixture_sample (src->mixture, &rng, samples, x);
      ev = ms_evaluator_new_mixture (src->mixture);
    }
  else
    {
      const MsDataset *ds = src->test ? src->test : src->train;

      if (samples_text == NULL && (guint) samples > ds->n)
        {
          if (ds->n < 10)
            {
              ms_cli_usage_error (&error, g_dngettext (GETTEXT_PACKAGE,
                                                       "“%s” has only %u image: the metrics need "
                                                       "at least 10",
                                                       "“%s” has only %u images: the metrics need "
                                                       "at least 10", ds->n),
                                  src->title, ds->n);
              goto usage;
            }
          fprintf (stderr, _("modescope-cli metrics: note: “%s” has %u images: all of them are "
                             "evaluated\n"), src->title, ds->n);
          samples = (int) ds->n;
        }
      if ((guint) samples > ds->n)
        {
          ms_cli_usage_error (&error, _("--samples %d is more than the %u images of %s: use "
                                        "--samples %u or fewer"), samples, ds->n, src->title,
                              ds->n);
          goto usage;
        }
      classifier = ms_classifier_load_default (strcmp (src->name, "fashion") == 0 ? "fashion"
                                                                                  : "mnist",
                                               &error);
      if (classifier == NULL)
        goto usage;
      x = g_new (float, (gsize) samples * ms_data_source_size (src));
      ms_dataset_get_images_float (ds, 0, (guint) samples, x, TRUE);
      ev = ms_evaluator_new_images (classifier, ds, src->name);
    }
  ms_evaluator_run (ev, x, samples, &e);
  line = ms_evaluation_format (&e);
  printf ("%s\n", line);
  printf ("# %s\n", e.reason);
  return 0;

usage:
  fprintf (stderr, "modescope-cli metrics: %s\n", error->message);
  return MS_CLI_EXIT_USAGE;
}
