/* test-collapse.c: the collapse score, its reasons and the debounced state machine
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "ms-collapse.h"

#define K 10
#define N 500

static const char * const digit_names[K] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

static guint64
rng_next (guint64 *s)
{
  guint64 z = (*s += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

#define assert_close(a, b, tol) \
  G_STMT_START { \
    double a_ = (a), b_ = (b); \
    if (!(fabs (a_ - b_) <= (tol))) \
      g_error ("%s = %.9g, expected %.9g (tolerance %g)", #a, a_, b_, (double) (tol)); \
  } G_STMT_END

static double
noise_floor_p99 (void)
{
  MsKlFloor f;

  g_assert_true (ms_kl_noise_floor (NULL, K, N, 0, 1, &f));
  return f.p99;
}

/* An evaluation of N labels drawn uniformly from the classes in @allowed (bit mask), as the
 * session would build it: histogram -> present classes -> KL -> missing names. */
typedef struct
{
  MsCollapseInput  in;
  const char      *missing[K + 1];
} Evaluation;

static void
evaluation_from_counts (Evaluation   *ev,
                        const guint  *counts,
                        double        floor)
{
  gboolean present[K];
  double p[K];
  int n_missing = 0;

  memset (ev, 0, sizeof *ev);
  ev->in.items = MS_COLLAPSE_ITEMS_DIGITS;
  ev->in.k = K;
  ev->in.modes_covered = ms_classes_covered (counts, K, ms_class_min_share_default (K), present);
  ms_counts_to_distribution (counts, K, p);
  ev->in.kl = ms_kl_from_uniform (p, K);
  ev->in.kl_floor = floor;
  for (int j = 0; j < K; j++)
    if (!present[j])
      ev->missing[n_missing++] = digit_names[j];
  ev->missing[n_missing] = NULL;
  ev->in.missing = ev->missing;
}

static void
random_evaluation (Evaluation *ev,
                   guint       allowed,
                   double      floor,
                   guint64    *s)
{
  guint counts[K] = { 0 };
  int classes[K], n_classes = 0;

  for (int j = 0; j < K; j++)
    if (allowed & (1u << j))
      classes[n_classes++] = j;
  for (int i = 0; i < N; i++)
    counts[classes[rng_next (s) % (guint64) n_classes]]++;
  evaluation_from_counts (ev, counts, floor);
}

/* A KL that gives @score through the distribution term alone (all classes present) */
static MsCollapseInput
input_with_score (double score,
                  double floor)
{
  MsCollapseInput in = { 0 };

  in.items = MS_COLLAPSE_ITEMS_DIGITS;
  in.k = K;
  in.modes_covered = K;
  in.kl_floor = floor;
  /* score = (k - k e^{-x}) / (k - 1)  =>  x = -ln(1 - score (k - 1) / k) */
  in.kl = floor - log (1.0 - score * (K - 1) / K);
  assert_close (ms_collapse_score (&in), score, 1e-12);
  return in;
}

/* Score and reasons -------------------------------------------------------------------------*/

static void
test_score_values (void)
{
  MsCollapseInput in = { 0 };

  in.k = K;
  in.kl_floor = 0.0;

  /* uniform over 4 of 10: coverage 6/9, distribution (10 - 4)/9 as well */
  in.modes_covered = 4;
  in.kl = log (10.0 / 4.0);
  assert_close (ms_collapse_score (&in), 6.0 / 9.0, 1e-12);

  /* one class: 1 */
  in.modes_covered = 1;
  in.kl = log (10.0);
  assert_close (ms_collapse_score (&in), 1.0, 1e-12);
  in.modes_covered = 0;
  assert_close (ms_collapse_score (&in), 1.0, 1e-12);

  /* all present, KL under the floor: 0 */
  in.modes_covered = K;
  in.kl = 0.02;
  in.kl_floor = 0.0216;
  assert_close (ms_collapse_score (&in), 0.0, 0.0);

  /* one missing is at least partial, even with 25 modes (linear share 1/24) */
  in.k = 25;
  in.modes_covered = 24;
  in.kl = 0.0;
  assert_close (ms_collapse_score (&in), MS_COLLAPSE_PARTIAL_ENTER, 1e-15);
  in.modes_covered = 17;
  assert_close (ms_collapse_score (&in), 8.0 / 24.0, 1e-12);

  /* unknown KL and no diversity: coverage alone */
  in.k = K;
  in.modes_covered = K;
  in.kl = NAN;
  assert_close (ms_collapse_score (&in), 0.0, 0.0);

  /* diversity: share of samples in look-alike classes */
  {
    MsDiversity d = { .mean_ratio = 0.6, .worst_class = 3, .worst_ratio = 0.3,
                      .collapsed_share = 0.35 };

    in.diversity = &d;
    assert_close (ms_collapse_score (&in), 0.35, 1e-15);
    /* a single class of identical samples (5 % of samples) still counts as partial */
    d.worst_ratio = 0.02;
    d.collapsed_share = 0.05;
    assert_close (ms_collapse_score (&in), MS_COLLAPSE_PARTIAL_ENTER, 1e-15);
  }
}

static void
test_reason_strings (void)
{
  const char *missing[] = { "4", "6", NULL };
  MsCollapseInput in = { 0 };
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;
  g_autofree char *r3 = NULL;
  g_autofree char *r4 = NULL;
  g_autofree char *r5 = NULL;
  g_autofree char *r6 = NULL;

  in.items = MS_COLLAPSE_ITEMS_DIGITS;
  in.k = K;
  in.modes_covered = 8;
  in.missing = missing;
  in.kl = 0.31;
  in.kl_floor = 0.31 / 12.0;
  r1 = ms_collapse_reason (&in);
  g_assert_cmpstr (r1, ==, "digits 4 and 6 missing; KL 0.31 is 12x the noise floor");

  in.items = MS_COLLAPSE_ITEMS_CLASSES;
  in.modes_covered = K;
  in.missing = NULL;
  in.kl = 0.008;
  in.kl_floor = 0.0216;
  r2 = ms_collapse_reason (&in);
  g_assert_cmpstr (r2, ==, "all classes present; KL 0.008 within the noise floor");

  /* one name, singular; a small multiple keeps a decimal */
  {
    const char *one[] = { "Sandal", NULL };

    in.modes_covered = 9;
    in.missing = one;
    in.kl = 0.06;
    in.kl_floor = 0.0216;
    r3 = ms_collapse_reason (&in);
    g_assert_cmpstr (r3, ==, "class Sandal missing; KL 0.06 is 2.8x the noise floor");
  }

  /* three names, and the count form when there are no names */
  {
    const char *three[] = { "1", "4", "6", NULL };

    in.items = MS_COLLAPSE_ITEMS_MODES;
    in.k = 8;
    in.modes_covered = 5;
    in.missing = three;
    in.kl = 0.5;
    in.kl_floor = 0.0;
    r4 = ms_collapse_reason (&in);
    g_assert_cmpstr (r4, ==, "modes 1, 4 and 6 missing; KL 0.5");
    in.missing = NULL;
    r5 = ms_collapse_reason (&in);
    g_assert_cmpstr (r5, ==, "5 of 8 modes covered; KL 0.5");
  }

  /* diversity names the least diverse class */
  {
    MsDiversity d = { .mean_ratio = 0.9, .worst_class = 3, .worst_ratio = 0.04,
                      .collapsed_share = 0.1 };

    in.items = MS_COLLAPSE_ITEMS_DIGITS;
    in.k = K;
    in.modes_covered = K;
    in.kl = 0.01;
    in.kl_floor = 0.0216;
    in.diversity = &d;
    in.least_diverse = "3";
    r6 = ms_collapse_reason (&in);
    g_assert_cmpstr (r6, ==, "all digits present; KL 0.01 within the noise floor; "
                             "samples of digit 3 look alike (diversity 0.04 of real)");
  }

  /* ... but not a class the reason already calls missing */
  {
    static const char * const missing_37[] = { "3", "7", NULL };
    MsDiversity d = { .mean_ratio = 0.9, .worst_class = 3, .worst_ratio = 0.04,
                      .collapsed_share = 0.1 };
    g_autofree char *r7 = NULL;

    in.modes_covered = K - 2;
    in.missing = missing_37;
    in.diversity = &d;
    in.least_diverse = "3";
    r7 = ms_collapse_reason (&in);
    g_assert_null (strstr (r7, "look alike"));
    g_assert_nonnull (strstr (r7, "missing"));
    in.missing = NULL;
  }

  g_assert_cmpstr (ms_collapse_state_to_string (MS_COLLAPSE_PARTIAL), ==, "partial");
  g_assert_cmpstr (ms_collapse_state_get_label (MS_COLLAPSE_COLLAPSED), ==, "Collapsed");
}

/* The detector ------------------------------------------------------------------------------*/

static void
test_healthy_with_noise (void)
{
  g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
  double floor = noise_floor_p99 ();
  guint64 s = 2024;
  int within = 0;

  g_assert_cmpint (ms_collapse_detector_get_state (det), ==, MS_COLLAPSE_HEALTHY);
  g_assert_cmpstr (ms_collapse_detector_get_reason (det), ==, "");

  /* a perfect generator evaluated on 500 samples, 300 times */
  for (int e = 0; e < 300; e++)
    {
      Evaluation ev;

      random_evaluation (&ev, 0x3ff, floor, &s);
      g_assert_cmpint (ev.in.modes_covered, ==, K);
      g_assert_cmpint (ms_collapse_detector_feed (det, &ev.in), ==, MS_COLLAPSE_HEALTHY);
      g_assert_cmpfloat (ms_collapse_detector_get_score (det), <, MS_COLLAPSE_PARTIAL_LEAVE);
      g_assert_true (g_str_has_prefix (ms_collapse_detector_get_reason (det),
                                       "all digits present; KL "));
      within += strstr (ms_collapse_detector_get_reason (det), "within the noise floor") != NULL;
    }
  /* the 99th percentile: nearly every evaluation sits inside it */
  g_assert_cmpint (within, >=, 285);
  g_assert_cmpuint (ms_collapse_detector_get_n_evaluations (det), ==, 300);
}

static void
test_collapsed (void)
{
  double floor = noise_floor_p99 ();

  /* one class, then two classes */
  for (int variant = 0; variant < 2; variant++)
    {
      g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
      guint64 s = 7 + variant;

      for (int e = 0; e < 20; e++)
        {
          Evaluation ev;

          random_evaluation (&ev, variant == 0 ? 0x080 : 0x108, floor, &s);
          g_assert_cmpint (ms_collapse_detector_feed (det, &ev.in), ==, MS_COLLAPSE_COLLAPSED);
          g_assert_cmpfloat (ms_collapse_detector_get_score (det), >=, 0.85);
        }
      g_assert_nonnull (strstr (ms_collapse_detector_get_reason (det), "of 10 digits present"));
    }

  /* the seed's SGD run: 8s, 9s, 3s and 0s only -> collapsed (KL >= ln 2.5) */
  {
    g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
    guint64 s = 11;
    Evaluation ev;

    random_evaluation (&ev, (1u << 0) | (1u << 3) | (1u << 8) | (1u << 9), floor, &s);
    g_assert_cmpfloat (ev.in.kl, >=, log (2.5) - 1e-12);
    g_assert_cmpint (ms_collapse_detector_feed (det, &ev.in), ==, MS_COLLAPSE_COLLAPSED);
  }
}

static void
test_partial (void)
{
  g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
  double floor = noise_floor_p99 ();
  guint64 s = 99;

  /* healthy first, then digits 4 and 6 disappear (the seed's SGD + momentum run) */
  for (int e = 0; e < 5; e++)
    {
      Evaluation ev;

      random_evaluation (&ev, 0x3ff, floor, &s);
      ms_collapse_detector_feed (det, &ev.in);
    }
  g_assert_cmpint (ms_collapse_detector_get_state (det), ==, MS_COLLAPSE_HEALTHY);

  for (int e = 0; e < 10; e++)
    {
      Evaluation ev;
      MsCollapseState state;

      random_evaluation (&ev, 0x3ff & ~((1u << 4) | (1u << 6)), floor, &s);
      g_assert_cmpint (ev.in.modes_covered, ==, 8);
      state = ms_collapse_detector_feed (det, &ev.in);
      /* the first evaluation only arms the change; the second confirms it */
      g_assert_cmpint (state, ==, e == 0 ? MS_COLLAPSE_HEALTHY : MS_COLLAPSE_PARTIAL);
      if (e == 0)
        g_assert_cmpint (ms_collapse_detector_get_pending (det), ==, MS_COLLAPSE_PARTIAL);
      g_assert_true (g_str_has_prefix (ms_collapse_detector_get_reason (det),
                                       "digits 4 and 6 missing; KL "));
      g_assert_nonnull (strstr (ms_collapse_detector_get_reason (det), "x the noise floor"));
    }

  /* recovery also takes two evaluations */
  {
    Evaluation ev;

    random_evaluation (&ev, 0x3ff, floor, &s);
    g_assert_cmpint (ms_collapse_detector_feed (det, &ev.in), ==, MS_COLLAPSE_PARTIAL);
    random_evaluation (&ev, 0x3ff, floor, &s);
    g_assert_cmpint (ms_collapse_detector_feed (det, &ev.in), ==, MS_COLLAPSE_HEALTHY);
  }

  ms_collapse_detector_reset (det);
  g_assert_cmpuint (ms_collapse_detector_get_n_evaluations (det), ==, 0);
  g_assert_cmpint (ms_collapse_detector_get_state (det), ==, MS_COLLAPSE_HEALTHY);
}

static void
test_no_flicker (void)
{
  g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
  double floor = 0.0216;
  MsCollapseInput below = input_with_score (0.08, floor);
  MsCollapseInput above = input_with_score (0.12, floor);
  MsCollapseInput low = input_with_score (0.05, floor);
  MsCollapseInput high = input_with_score (0.65, floor);
  MsCollapseInput mid = input_with_score (0.55, floor);

  /* alternating around the partial threshold: stays healthy */
  for (int e = 0; e < 20; e++)
    g_assert_cmpint (ms_collapse_detector_feed (det, e % 2 ? &above : &below), ==,
                     MS_COLLAPSE_HEALTHY);

  /* two in a row above: partial */
  ms_collapse_detector_feed (det, &above);
  g_assert_cmpint (ms_collapse_detector_feed (det, &above), ==, MS_COLLAPSE_PARTIAL);

  /* inside the band (0.06 <= score < 0.10) it stays partial however long it lasts */
  for (int e = 0; e < 20; e++)
    g_assert_cmpint (ms_collapse_detector_feed (det, &below), ==, MS_COLLAPSE_PARTIAL);

  /* alternating below the leave threshold and above the enter one: stays partial */
  for (int e = 0; e < 20; e++)
    g_assert_cmpint (ms_collapse_detector_feed (det, e % 2 ? &above : &low), ==,
                     MS_COLLAPSE_PARTIAL);

  /* alternating around the collapsed threshold: stays partial */
  for (int e = 0; e < 20; e++)
    g_assert_cmpint (ms_collapse_detector_feed (det, e % 2 ? &high : &mid), ==,
                     MS_COLLAPSE_PARTIAL);

  /* collapsed after two high ones, then the 0.50-0.60 band keeps it there */
  ms_collapse_detector_feed (det, &high);
  g_assert_cmpint (ms_collapse_detector_feed (det, &high), ==, MS_COLLAPSE_COLLAPSED);
  for (int e = 0; e < 20; e++)
    g_assert_cmpint (ms_collapse_detector_feed (det, &mid), ==, MS_COLLAPSE_COLLAPSED);

  /* a digit that flickers in and out (present in alternate evaluations) does not flicker the
   * state either way */
  {
    g_autoptr(MsCollapseDetector) d2 = ms_collapse_detector_new ();
    const char *missing[] = { "5", NULL };
    MsCollapseInput gone = input_with_score (0.0, floor);

    gone.modes_covered = K - 1;
    gone.missing = missing;
    for (int e = 0; e < 20; e++)
      g_assert_cmpint (ms_collapse_detector_feed (d2, e % 2 ? &gone : &low), ==,
                       MS_COLLAPSE_HEALTHY);
  }
}

static void
test_mixed_escalation (void)
{
  g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
  MsCollapseInput ok = input_with_score (0.0, 0.0216);
  MsCollapseInput part = input_with_score (0.3, 0.0216);
  MsCollapseInput coll = input_with_score (0.9, 0.0216);

  g_assert_cmpint (ms_collapse_detector_feed (det, &ok), ==, MS_COLLAPSE_HEALTHY);
  /* two evaluations asking for "worse": the milder one is confirmed */
  g_assert_cmpint (ms_collapse_detector_feed (det, &coll), ==, MS_COLLAPSE_HEALTHY);
  g_assert_cmpint (ms_collapse_detector_feed (det, &part), ==, MS_COLLAPSE_PARTIAL);
  /* and from there, two collapsed ones */
  g_assert_cmpint (ms_collapse_detector_feed (det, &coll), ==, MS_COLLAPSE_PARTIAL);
  g_assert_cmpint (ms_collapse_detector_feed (det, &coll), ==, MS_COLLAPSE_COLLAPSED);

  /* the first evaluation of a fresh detector sets the state directly */
  ms_collapse_detector_reset (det);
  g_assert_cmpint (ms_collapse_detector_feed (det, &coll), ==, MS_COLLAPSE_COLLAPSED);
  assert_close (ms_collapse_detector_get_score (det), 0.9, 1e-12);

  g_assert_cmpint (ms_collapse_classify (MS_COLLAPSE_COLLAPSED, 0.01), ==, MS_COLLAPSE_HEALTHY);
  g_assert_cmpint (ms_collapse_classify (MS_COLLAPSE_COLLAPSED, 0.55), ==, MS_COLLAPSE_COLLAPSED);
  g_assert_cmpint (ms_collapse_classify (MS_COLLAPSE_HEALTHY, 0.55), ==, MS_COLLAPSE_PARTIAL);
}

static void
test_within_class_collapse (void)
{
  g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
  /* all classes present and balanced, but every 3 is the same image */
  const double real[K] = { 9, 5, 10, 9, 9, 9, 9, 8, 9, 8 };
  double gen[K];
  guint counts[K];
  MsDiversity d;
  MsCollapseInput in = { 0 };

  for (int j = 0; j < K; j++)
    {
      gen[j] = 0.85 * real[j];
      counts[j] = 50;
    }
  gen[3] = 0.2;
  ms_diversity_summary (gen, real, counts, K, 10, &d);
  g_assert_cmpint (d.worst_class, ==, 3);

  in.items = MS_COLLAPSE_ITEMS_DIGITS;
  in.k = K;
  in.modes_covered = K;
  in.kl = 0.0;
  in.kl_floor = 0.0216;
  in.diversity = &d;
  in.least_diverse = digit_names[d.worst_class];
  ms_collapse_detector_feed (det, &in);
  g_assert_cmpint (ms_collapse_detector_get_state (det), ==, MS_COLLAPSE_PARTIAL);
  g_assert_nonnull (strstr (ms_collapse_detector_get_reason (det),
                            "samples of digit 3 look alike"));

  /* every class collapsed to one image each: collapsed although all ten are present */
  for (int j = 0; j < K; j++)
    gen[j] = 0.01 * real[j];
  ms_diversity_summary (gen, real, counts, K, 10, &d);
  ms_collapse_detector_reset (det);
  ms_collapse_detector_feed (det, &in);
  g_assert_cmpint (ms_collapse_detector_get_state (det), ==, MS_COLLAPSE_COLLAPSED);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/collapse/score", test_score_values);
  g_test_add_func ("/collapse/reasons", test_reason_strings);
  g_test_add_func ("/collapse/healthy-with-noise", test_healthy_with_noise);
  g_test_add_func ("/collapse/collapsed", test_collapsed);
  g_test_add_func ("/collapse/partial", test_partial);
  g_test_add_func ("/collapse/no-flicker", test_no_flicker);
  g_test_add_func ("/collapse/mixed-escalation", test_mixed_escalation);
  g_test_add_func ("/collapse/within-class", test_within_class_collapse);

  return g_test_run ();
}
