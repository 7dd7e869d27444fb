/* ms-evaluate.c: one evaluation of a generator
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-evaluate.h"

/* Real samples used for the within-class diversity reference, and pairs per class */
#define REFERENCE_SAMPLES 2000
#define DIVERSITY_PAIRS   2000
#define FLOOR_TRIALS      2000
#define FLOOR_SEED        20261123

struct _MsEvaluator
{
  MsClassifier     *classifier;   /* NULL for 2-D */
  const MsMixture  *mixture;      /* NULL for images */
  MsCollapseItems   items;
  int               k;
  int               k_data;       /* classes with real samples (k for mixtures) */
  gboolean          in_data[MS_EVAL_MAX_CLASSES];
  int               dim;          /* floats per sample */
  char            **class_names;
  double            reference[MS_EVAL_MAX_CLASSES];   /* real class mix / mode weights */
  double            real_diversity[MS_EVAL_MAX_CLASSES];
  gboolean          have_real_diversity;
  /* Scratch, grown to the largest batch evaluated */
  float            *probs;
  int              *labels;
  int               capacity;
};

static void
ensure_capacity (MsEvaluator *ev,
                 int          n)
{
  if (n <= ev->capacity)
    return;
  g_free (ev->probs);
  g_free (ev->labels);
  ev->probs = g_new (float, (gsize) n * ev->k);
  ev->labels = g_new (int, n);
  ev->capacity = n;
}

MsEvaluator *
ms_evaluator_new_images (MsClassifier    *classifier,
                         const MsDataset *test,
                         const char      *dataset_kind)
{
  MsEvaluator *ev = g_new0 (MsEvaluator, 1);
  guint counts[MS_EVAL_MAX_CLASSES] = { 0, };
  int n_ref;
  float *images;
  int *labels;

  g_return_val_if_fail (test->n_classes <= MS_EVAL_MAX_CLASSES, NULL);
  ev->classifier = classifier;
  ev->k = (int) test->n_classes;
  ev->dim = (int) (test->rows * test->cols);
  ev->items = g_strcmp0 (dataset_kind, "mnist") == 0 ? MS_COLLAPSE_ITEMS_DIGITS
                                                      : MS_COLLAPSE_ITEMS_CLASSES;
  ev->class_names = g_new0 (char *, ev->k + 1);
  for (int c = 0; c < ev->k; c++)
    ev->class_names[c] = g_strdup (ms_dataset_class_name (test, (guint) c));
  ms_dataset_class_counts (test, counts);
  for (int c = 0; c < ev->k; c++)
    {
      ev->reference[c] = test->n ? (double) counts[c] / test->n : 1.0 / ev->k;
      ev->in_data[c] = ev->reference[c] > 0.0;
      ev->k_data += ev->in_data[c];
    }

  /* Within-class diversity of real images, with their true labels: the yardstick for "all
   * the generated 3s look the same". */
  n_ref = (int) MIN (test->n, REFERENCE_SAMPLES);
  images = g_new (float, (gsize) n_ref * ev->dim);
  labels = g_new (int, n_ref);
  ms_dataset_get_images_float (test, 0, (guint) n_ref, images, TRUE);
  for (int i = 0; i < n_ref; i++)
    labels[i] = test->labels[i];
  ms_class_pairwise_distance (images, labels, n_ref, ev->dim, ev->k, DIVERSITY_PAIRS, 1,
                              ev->real_diversity);
  ev->have_real_diversity = TRUE;
  g_free (images);
  g_free (labels);
  return ev;
}

MsEvaluator *
ms_evaluator_new_mixture (const MsMixture *mixture)
{
  MsEvaluator *ev = g_new0 (MsEvaluator, 1);

  g_return_val_if_fail (mixture->k <= MS_EVAL_MAX_CLASSES * 32, NULL);
  ev->mixture = mixture;
  ev->k = (int) mixture->k;
  ev->k_data = ev->k;
  for (int c = 0; c < MIN (ev->k, MS_EVAL_MAX_CLASSES); c++)
    ev->in_data[c] = TRUE;
  ev->dim = 2;
  ev->items = MS_COLLAPSE_ITEMS_MODES;
  ev->class_names = g_new0 (char *, ev->k + 1);
  for (int c = 0; c < ev->k; c++)
    ev->class_names[c] = g_strdup_printf ("%d", c + 1);
  return ev;
}

void
ms_evaluator_free (MsEvaluator *ev)
{
  if (ev == NULL)
    return;
  g_strfreev (ev->class_names);
  g_free (ev->probs);
  g_free (ev->labels);
  g_free (ev);
}

int
ms_evaluator_n_classes (MsEvaluator *ev)
{
  return ev->k;
}

const char *
ms_evaluator_class_name (MsEvaluator *ev,
                         int          i)
{
  g_return_val_if_fail (i >= 0 && i < ev->k, NULL);
  return ev->class_names[i];
}

double
ms_evaluator_reference_share (MsEvaluator *ev,
                              int          i)
{
  g_return_val_if_fail (i >= 0 && i < ev->k, 0.0);
  if (ev->mixture != NULL)
    return ev->mixture->weights[i];
  return ev->reference[i];
}

void
ms_evaluator_classify (MsEvaluator *ev,
                       const float *samples,
                       int          n,
                       gint8       *labels)
{
  if (ev->mixture != NULL)
    {
      for (int i = 0; i < n; i++)
        {
          float dist;
          guint c = ms_mixture_nearest (ev->mixture, samples[2 * i], samples[2 * i + 1], &dist);

          /* The same rule as ms_mixture_coverage() */
          labels[i] = dist < MS_MIXTURE_HQ_SIGMAS * ev->mixture->std && c < 128 ? (gint8) c : -1;
        }
      return;
    }
  ensure_capacity (ev, n);
  ms_classifier_predict (ev->classifier, samples, n, ev->probs);
  ms_class_labels (ev->probs, n, ev->k, ev->labels);
  for (int i = 0; i < n; i++)
    labels[i] = (gint8) ev->labels[i];
}

/* The detector's input for @e; @missing needs room for k + 1 pointers. */
static void
collapse_input (MsEvaluator        *ev,
                const MsEvaluation *e,
                const char        **missing,
                MsCollapseInput    *in)
{
  int m = 0;
  /* Classes the data set lacks are neither missing nor expected (a folder of one digit) */
  gboolean subset = !e->is_2d && e->k_data > 0 && e->k_data < e->k;

  memset (in, 0, sizeof *in);
  in->items = ev->items;
  in->k = subset ? e->k_data : e->k;
  in->k_all = subset ? e->k : 0;
  in->modes_covered = e->modes_covered;
  in->kl = in->k >= 2 ? e->kl_uniform : NAN;
  in->kl_floor = e->kl_floor_p99;
  for (int c = 0; c < e->k && c < MS_EVAL_MAX_CLASSES; c++)
    {
      if (subset && !ev->in_data[c])
        continue;
      if (!e->present[c])
        missing[m++] = ev->class_names[c];
      if (in->only_class == NULL)
        in->only_class = ev->class_names[c];
    }
  missing[m] = NULL;
  in->missing = m > 0 ? missing : NULL;
  if (!e->is_2d)
    {
      in->diversity = &e->diversity_detail;
      if (e->diversity_detail.worst_class >= 0 && e->diversity_detail.worst_class < ev->k)
        in->least_diverse = ev->class_names[e->diversity_detail.worst_class];
    }
}

/* A data set of two or more of the classifier's classes but not all (digits 3, 5 and 7):
 * its class mix is compared over its own classes.  One class has no mix to compare. */
static gboolean
subset_mix (MsEvaluator        *ev,
            const MsEvaluation *e)
{
  return ev->mixture == NULL && ev->k_data >= 2 && ev->k_data < ev->k && e->k == ev->k;
}

/* The KLs of @e over the data's own classes: the generated samples that fell in them,
 * renormalised, against uniform and against the real mix of those classes.  Samples of
 * classes the data lacks are left out (the histogram shows them; present[] says so); when
 * none fell in the data's classes the mix is undefined this time: NaN. */
static void
data_mix (MsEvaluator  *ev,
          MsEvaluation *e)
{
  guint counts[MS_EVAL_MAX_CLASSES];
  double p[MS_EVAL_MAX_CLASSES];
  double ref[MS_EVAL_MAX_CLASSES];
  guint total = 0;
  int k = 0;

  for (int c = 0; c < ev->k; c++)
    if (ev->in_data[c])
      {
        counts[k] = e->counts[c];
        ref[k] = ev->reference[c];
        total += counts[k++];
      }
  if (total == 0)
    {
      e->kl_uniform = e->kl_reference = NAN;
      return;
    }
  ms_counts_to_distribution (counts, k, p);
  e->kl_uniform = ms_kl_from_uniform (p, k);
  e->kl_reference = ms_kl_from_reference (p, ref, k);
}

static void
finish (MsEvaluator  *ev,
        MsEvaluation *e)
{
  const char **missing = g_newa (const char *, ev->k + 1);
  MsCollapseInput in;
  MsKlFloor floor = { 0, };
  g_autofree char *reason = NULL;
  double ref[MS_EVAL_MAX_CLASSES];
  int k_ref = 0, n_ref = 0;

  /* What a perfect generator shows: samples drawn from the real mix (which is not exactly
   * uniform for MNIST), measured against uniform as the KL itself is.  A data set of a few
   * classes: over its own classes, with the samples that fell in them (data_mix()). */
  if (subset_mix (ev, e))
    {
      for (int c = 0; c < ev->k; c++)
        if (ev->in_data[c])
          {
            ref[k_ref++] = ev->reference[c];
            n_ref += (int) e->counts[c];
          }
    }
  else
    {
      k_ref = e->k;
      n_ref = e->n;
    }
  if (n_ref == 0 && subset_mix (ev, e))
    e->kl_floor_mean = e->kl_floor_p99 = NAN;   /* no sample of them: no mix, as the KLs */
  else if (ms_kl_noise_floor (ev->mixture != NULL ? NULL : subset_mix (ev, e) ? ref
                              : ev->reference, k_ref, MAX (n_ref, 1), FLOOR_TRIALS, FLOOR_SEED,
                              &floor))
    {
      e->kl_floor_mean = floor.mean;
      e->kl_floor_p99 = floor.p99;
    }
  collapse_input (ev, e, missing, &in);
  e->collapse_score = ms_collapse_score (&in);
  e->collapse_state = ms_collapse_classify (MS_COLLAPSE_HEALTHY, e->collapse_score);
  reason = ms_collapse_reason (&in);
  g_strlcpy (e->reason, reason ? reason : "", sizeof e->reason);
}

static void
run_images (MsEvaluator  *ev,
            const float  *samples,
            int           n,
            MsEvaluation *e)
{
  double marginal[MS_EVAL_MAX_CLASSES];
  double p[MS_EVAL_MAX_CLASSES];
  double gen_div[MS_EVAL_MAX_CLASSES];

  ensure_capacity (ev, n);
  ms_classifier_predict (ev->classifier, samples, n, ev->probs);
  ms_class_histogram (ev->probs, n, ev->k, e->counts, marginal);
  ms_counts_to_distribution (e->counts, ev->k, p);
  e->kl_uniform = ms_kl_from_uniform (p, ev->k);
  /* Against the real class mix, which has no share for classes the data lacks: any sample
   * of them would make it infinite, so a few classes compare over their own; one class has
   * no mix to compare (NaN: the CSV's "nan", the KL chart says why) */
  if (ev->k_data >= 2 && ev->k_data < ev->k)
    data_mix (ev, e);
  else if (ev->k_data == 1 && ev->k > 1)
    e->kl_reference = NAN;
  else
    e->kl_reference = ms_kl_from_reference (p, ev->reference, ev->k);
  ms_inception_score (ev->probs, n, ev->k, 10, &e->is_mean, &e->is_std);
  e->modes_covered = ms_classes_covered (e->counts, ev->k, ms_class_min_share_default (ev->k),
                                         e->present);
  /* Only classes the real data has are modes to cover; present[] still says which classes
   * the generator draws, data or not (the histogram shows them) */
  e->k_data = ev->k_data;
  for (int c = 0; c < ev->k; c++)
    if (e->present[c] && !ev->in_data[c])
      e->modes_covered--;
  ms_class_labels (ev->probs, n, ev->k, ev->labels);
  ms_class_pairwise_distance (samples, ev->labels, n, ev->dim, ev->k, DIVERSITY_PAIRS, 2,
                              gen_div);
  ms_diversity_summary (gen_div, ev->real_diversity, e->counts, ev->k, 2, &e->diversity_detail);
  e->diversity = e->diversity_detail.mean_ratio;
  e->hq_fraction = NAN;
}

static void
run_points (MsEvaluator  *ev,
            const float  *samples,
            int           n,
            MsEvaluation *e)
{
  g_auto(MsMixtureCoverage) cov = { 0, };
  double p[MS_EVAL_MAX_CLASSES];
  int k = MIN (ev->k, MS_EVAL_MAX_CLASSES);

  ms_mixture_coverage (ev->mixture->centres, ev->mixture->weights, ev->k, ev->mixture->std,
                       samples, n, &cov);
  e->modes_covered = cov.modes_covered;
  e->hq_fraction = cov.hq_fraction;
  e->kl_reference = cov.reverse_kl;
  for (int c = 0; c < k; c++)
    {
      e->counts[c] = cov.counts[c];
      e->present[c] = cov.counts[c] > 0;
    }
  ms_counts_to_distribution (e->counts, k, p);
  e->kl_uniform = cov.n_hq > 0 ? ms_kl_from_uniform (p, k) : NAN;
  e->is_mean = e->is_std = NAN;
  e->diversity = NAN;
}

void
ms_evaluator_run (MsEvaluator  *ev,
                  const float  *samples,
                  int           n,
                  MsEvaluation *out)
{
  memset (out, 0, sizeof *out);
  out->n = n;
  out->k = ev->k;
  out->k_data = ev->k_data;
  out->is_2d = ev->mixture != NULL;
  if (n <= 0)
    return;
  if (ev->mixture != NULL)
    run_points (ev, samples, n, out);
  else
    run_images (ev, samples, n, out);
  finish (ev, out);
}

MsCollapseState
ms_evaluator_feed_detector (MsEvaluator        *ev,
                            const MsEvaluation *e,
                            MsCollapseDetector *detector)
{
  const char **missing = g_newa (const char *, ev->k + 1);
  MsCollapseInput in;

  collapse_input (ev, e, missing, &in);
  return ms_collapse_detector_feed (detector, &in);
}

char *
ms_evaluation_format (const MsEvaluation *e)
{
  if (e->is_2d)
    return g_strdup_printf ("modes=%d/%d hq=%.3f kl=%.4f rkl=%.4f collapse=%s",
                            e->modes_covered, e->k, e->hq_fraction, e->kl_uniform,
                            e->kl_reference, ms_collapse_state_to_string (e->collapse_state));
  return g_strdup_printf ("is=%.2f is_std=%.2f kl=%.4f kl_ref=%.4f kl_floor=%.4f modes=%d/%d "
                          "diversity=%.2f collapse=%s",
                          e->is_mean, e->is_std, e->kl_uniform, e->kl_reference,
                          e->kl_floor_p99, e->modes_covered, e->k_data > 0 ? e->k_data : e->k,
                          e->diversity,
                          ms_collapse_state_to_string (e->collapse_state));
}
