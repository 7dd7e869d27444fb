/* ms-cli-metrics.c: `modescope-cli metrics`, every metric on real data: the upper reference
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ms-cli.h"
#include "ms-evaluate.h"
#include "ms-source.h"

int
ms_cli_metrics (int    argc,
                char **argv)
{
  g_autofree char *real = NULL;
  int samples = 10000;
  gint64 seed = 1;
  GOptionEntry entries[] = {
    { "real", 0, 0, G_OPTION_ARG_STRING, &real,
      "Evaluate real data: mnist, fashion, an IDX folder, or a 2-D mixture (ring8, grid25, ...)",
      "NAME" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, "How many samples (default 10000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed for sampling 2-D mixtures (1)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- metrics of real data");
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataSource) src = NULL;
  g_autoptr(MsClassifier) classifier = NULL;
  g_autoptr(MsEvaluator) ev = NULL;
  g_autofree float *x = NULL;
  g_autofree char *line = NULL;
  MsEvaluation e;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    goto usage;
  if (real == NULL)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--real is required");
      goto usage;
    }
  if (samples < 10 || samples > 1000000)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--samples must be between 10 and 1000000");
      goto usage;
    }
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

      if ((guint) samples > ds->n)
        {
          g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--samples %d is more than the %u images of %s", samples, ds->n,
                       src->title);
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
