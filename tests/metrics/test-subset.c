/* test-subset.c: metrics of a data set that has only some of the classifier's classes (a
 * folder of one digit, or of three)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real reference is MNIST's test split filtered to the digits kept; "generated" samples
 * are real test images, so a generator that draws the data's digits is judged healthy and one
 * that draws another digit is judged collapsed, with a reason that says why.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-evaluate.h"
#include "ms-parallel.h"

#define SAMPLES 300

static MsDataset *test_set;
static MsClassifier *classifier;

/* The test images whose label is in @digits (a bit mask), as a dataset of its own */
static MsDataset *
subset (guint digits)
{
  MsDataset *ds = g_new0 (MsDataset, 1);
  gsize side = (gsize) test_set->rows * test_set->cols;

  ds->name = g_strdup ("subset");
  ds->rows = test_set->rows;
  ds->cols = test_set->cols;
  ds->n_classes = test_set->n_classes;
  ds->class_names = g_strdupv (test_set->class_names);
  ds->images = g_malloc (test_set->n * side);
  ds->labels = g_malloc (test_set->n);
  for (guint i = 0; i < test_set->n; i++)
    if (digits & (1u << test_set->labels[i]))
      {
        memcpy (ds->images + ds->n * side, test_set->images + i * side, side);
        ds->labels[ds->n++] = test_set->labels[i];
      }
  return ds;
}

/* SAMPLES real images of the digits in @digits, in [-1, 1] */
static float *
samples_of (guint digits)
{
  float *out = g_new (float, (gsize) SAMPLES * 784);
  int got = 0;

  for (guint i = 0; i < test_set->n && got < SAMPLES; i++)
    if (digits & (1u << test_set->labels[i]))
      ms_dataset_get_images_float (test_set, i, 1, out + (gsize) got++ * 784, TRUE);
  g_assert_cmpint (got, ==, SAMPLES);
  return out;
}

static void
assert_finite_where_it_applies (const MsEvaluation *e)
{
  g_assert_true (isfinite (e->is_mean));
  g_assert_true (isfinite (e->kl_uniform));
  g_assert_true (isfinite (e->kl_floor_p99));
  g_assert_true (isfinite (e->collapse_score));
}

/* One digit: 1 mode out of 1, only the variety judged, healthy for real 3s */
static void
test_one_digit (void)
{
  g_autoptr(MsDataset) threes = subset (1u << 3);
  g_autoptr(MsEvaluator) ev = ms_evaluator_new_images (classifier, threes, "mnist");
  g_autofree float *good = samples_of (1u << 3);
  g_autofree float *bad = samples_of (1u << 7);
  g_autofree char *line = NULL;
  MsEvaluation e;

  ms_evaluator_run (ev, good, SAMPLES, &e);
  g_test_message ("3s: %s", e.reason);
  g_assert_cmpint (e.k, ==, 10);
  g_assert_cmpint (e.k_data, ==, 1);
  g_assert_cmpint (e.modes_covered, ==, 1);
  g_assert_cmpint (e.collapse_state, ==, MS_COLLAPSE_HEALTHY);
  g_assert_true (g_str_has_prefix (e.reason, "the data set has one digit (3): only the "
                                             "variety of its samples is judged"));
  assert_finite_where_it_applies (&e);
  /* One class has no mix to compare: not the infinity of the 10 classes' zero shares */
  g_assert_true (isnan (e.kl_reference));
  line = ms_evaluation_format (&e);
  g_assert_nonnull (strstr (line, " modes=1/1 "));
  g_assert_null (strstr (line, "inf"));

  /* Only 7s: the data's one digit is missing, which is collapse, and said */
  ms_evaluator_run (ev, bad, SAMPLES, &e);
  g_test_message ("7s: %s", e.reason);
  g_assert_cmpint (e.modes_covered, ==, 0);
  g_assert_cmpint (e.collapse_state, ==, MS_COLLAPSE_COLLAPSED);
  g_assert_nonnull (strstr (e.reason, "digit 3 missing"));
  g_assert_null (strstr (e.reason, "digit 7"));
  assert_finite_where_it_applies (&e);
}

/* Three digits: modes out of 3, digits the data lacks are neither missing nor expected */
static void
test_three_digits (void)
{
  guint kept = (1u << 3) | (1u << 5) | (1u << 7);
  g_autoptr(MsDataset) three = subset (kept);
  g_autoptr(MsEvaluator) ev = ms_evaluator_new_images (classifier, three, "mnist");
  g_autofree float *all = samples_of (kept);
  g_autofree float *two = samples_of ((1u << 3) | (1u << 5));
  MsEvaluation e;

  ms_evaluator_run (ev, all, SAMPLES, &e);
  g_test_message ("3, 5, 7: %s", e.reason);
  g_assert_cmpint (e.k_data, ==, 3);
  g_assert_cmpint (e.modes_covered, ==, 3);
  g_assert_cmpint (e.collapse_state, ==, MS_COLLAPSE_HEALTHY);
  g_assert_true (g_str_has_prefix (e.reason, "the data set has 3 of the 10 classes; all digits "
                                             "present"));
  assert_finite_where_it_applies (&e);
  /* The KLs over the data's 3 classes: real samples of them are within the noise floor */
  g_test_message ("kl %g kl_ref %g floor %g", e.kl_uniform, e.kl_reference, e.kl_floor_p99);
  g_assert_true (isfinite (e.kl_reference));
  g_assert_cmpfloat (e.kl_reference, <, 0.05);
  g_assert_cmpfloat (e.kl_floor_p99, <, 0.05);

  ms_evaluator_run (ev, two, SAMPLES, &e);
  g_test_message ("3, 5: %s", e.reason);
  g_assert_cmpint (e.modes_covered, ==, 2);
  g_assert_cmpint (e.collapse_state, !=, MS_COLLAPSE_HEALTHY);
  g_assert_nonnull (strstr (e.reason, "digit 7 missing"));
  g_assert_null (strstr (e.reason, "digit 0"));
}

/* The detector's rules for one class, without a classifier */
static void
test_collapse_one_class (void)
{
  MsDiversity flat = { .mean_ratio = 0.1, .worst_class = 0, .worst_ratio = 0.1,
                       .collapsed_share = 1.0 };
  MsDiversity varied = { .mean_ratio = 1.0, .worst_class = 0, .worst_ratio = 1.0,
                         .collapsed_share = 0.0 };
  const char *missing[] = { "Bag", NULL };
  MsCollapseInput in = {
    .items = MS_COLLAPSE_ITEMS_CLASSES, .k = 1, .k_all = 10, .modes_covered = 1, .kl = NAN,
    .diversity = &varied, .least_diverse = "Bag", .only_class = "Bag",
  };
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;
  g_autofree char *r3 = NULL;

  g_assert_cmpfloat (ms_collapse_score (&in), ==, 0.0);
  r1 = ms_collapse_reason (&in);
  g_assert_cmpstr (r1, ==, "the data set has one class (Bag): only the variety of its samples "
                           "is judged");
  in.diversity = &flat;
  g_assert_cmpfloat (ms_collapse_score (&in), >=, MS_COLLAPSE_COLLAPSED_ENTER);
  r2 = ms_collapse_reason (&in);
  g_assert_nonnull (strstr (r2, "samples of class Bag look alike"));
  in.modes_covered = 0;
  in.missing = missing;
  in.diversity = NULL;
  g_assert_cmpfloat (ms_collapse_score (&in), ==, 1.0);
  r3 = ms_collapse_reason (&in);
  g_assert_nonnull (strstr (r3, "class Bag missing"));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  ms_parallel_set_threads (1);   /* meson runs test programs side by side */
  test_set = ms_dataset_load_mnist ("t10k", &error);
  g_assert_no_error (error);
  classifier = ms_classifier_load_default ("mnist", &error);
  g_assert_no_error (error);
  g_test_add_func ("/metrics/subset/one-digit", test_one_digit);
  g_test_add_func ("/metrics/subset/three-digits", test_three_digits);
  g_test_add_func ("/metrics/subset/collapse-one-class", test_collapse_one_class);
  status = g_test_run ();
  ms_classifier_free (classifier);
  ms_dataset_free (test_set);
  return status;
}
