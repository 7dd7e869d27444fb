/* test-metrics.c: known answers for histograms, KL, IS, coverage, the noise floor, diversity
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference values come from PAPERS.md section 0 (computed there independently) or from
 * closed forms; random inputs use a local splitmix64 so a bug in the library's sampler
 * cannot hide in the test's.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "ms-metrics.h"

/* Test-side PRNG ---------------------------------------------------------------------------*/

static guint64
rng_next (guint64 *s)
{
  guint64 z = (*s += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static double
rng_uniform (guint64 *s)
{
  return (double) (rng_next (s) >> 11) * 0x1.0p-53;
}

static double
rng_normal (guint64 *s)
{
  double u1 = 1.0 - rng_uniform (s), u2 = rng_uniform (s);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

/* Random softmax rows with logits of scale @scale */
static float *
random_softmax (int      n,
                int      k,
                double   scale,
                guint64  seed)
{
  float *probs = g_new (float, (gsize) n * k);
  guint64 s = seed;

  for (int i = 0; i < n; i++)
    {
      double logits[64], max = -INFINITY, sum = 0.0;

      g_assert_cmpint (k, <=, 64);
      for (int j = 0; j < k; j++)
        {
          logits[j] = scale * rng_normal (&s);
          max = MAX (max, logits[j]);
        }
      for (int j = 0; j < k; j++)
        sum += exp (logits[j] - max);
      for (int j = 0; j < k; j++)
        probs[(gsize) i * k + j] = (float) (exp (logits[j] - max) / sum);
    }
  return probs;
}

static void
one_hot (float *row,
         int    k,
         int    label)
{
  for (int j = 0; j < k; j++)
    row[j] = j == label ? 1.0f : 0.0f;
}

#define assert_close(a, b, tol) \
  G_STMT_START { \
    double a_ = (a), b_ = (b); \
    if (!(fabs (a_ - b_) <= (tol))) \
      g_error ("%s = %.9g, expected %.9g (tolerance %g)", #a, a_, b_, (double) (tol)); \
  } G_STMT_END

#define assert_rel(a, b, rel) assert_close (a, b, (rel) * fabs (b))

/* Histograms --------------------------------------------------------------------------------*/

static void
test_histogram (void)
{
  const float probs[] = {
    0.7f, 0.2f, 0.1f,
    0.1f, 0.8f, 0.1f,
    0.4f, 0.4f, 0.2f,     /* tie: lowest index wins */
    0.0f, NAN,  1.0f,     /* skipped */
    0.2f, 0.3f, 0.5f,
  };
  guint counts[3];
  double soft[3];
  int labels[5];
  int counted;

  counted = ms_class_histogram (probs, 5, 3, counts, soft);
  g_assert_cmpint (counted, ==, 4);
  g_assert_cmpuint (counts[0], ==, 2);
  g_assert_cmpuint (counts[1], ==, 1);
  g_assert_cmpuint (counts[2], ==, 1);
  assert_close (soft[0], (0.7 + 0.1 + 0.4 + 0.2) / 4, 1e-7);
  assert_close (soft[1], (0.2 + 0.8 + 0.4 + 0.3) / 4, 1e-7);
  assert_close (soft[2], (0.1 + 0.1 + 0.2 + 0.5) / 4, 1e-7);

  ms_class_labels (probs, 5, 3, labels);
  g_assert_cmpint (labels[0], ==, 0);
  g_assert_cmpint (labels[1], ==, 1);
  g_assert_cmpint (labels[2], ==, 0);
  g_assert_cmpint (labels[3], ==, -1);
  g_assert_cmpint (labels[4], ==, 2);

  /* soft marginal is optional; empty input counts nothing */
  g_assert_cmpint (ms_class_histogram (probs, 0, 3, counts, NULL), ==, 0);
  g_assert_cmpuint (counts[0] + counts[1] + counts[2], ==, 0);
}

/* KL ----------------------------------------------------------------------------------------*/

static void
test_kl (void)
{
  const double p[] = { 0.5, 0.5, 0.0 };
  const double q[] = { 0.25, 0.5, 0.25 };
  const double q_zero[] = { 0.0, 1.0, 0.0 };
  const double ref_unnormalised[] = { 1.0, 2.0, 1.0 };
  double single[10] = { 0 };
  double uniform[10];
  const guint counts[4] = { 30, 10, 0, 60 };
  double dist[4];

  /* 0.5 ln 2 + 0.5 ln 1; the p = 0 term is skipped even though q > 0 */
  assert_close (ms_kl_divergence (p, q, 3), 0.5 * G_LN2, 1e-15);
  g_assert_true (isinf (ms_kl_divergence (p, q_zero, 3)));
  /* q = 0 where p = 0 is fine */
  assert_close (ms_kl_divergence (q_zero, q, 3), log (2.0), 1e-15);

  single[7] = 1.0;
  assert_close (ms_kl_from_uniform (single, 10), log (10.0), 1e-12);
  for (int j = 0; j < 10; j++)
    uniform[j] = 0.1;
  assert_close (ms_kl_from_uniform (uniform, 10), 0.0, 1e-15);
  assert_close (ms_kl_from_reference (single, NULL, 10), log (10.0), 1e-12);

  /* the reference is normalised: {1,2,1} is q */
  assert_close (ms_kl_from_reference (p, ref_unnormalised, 3), 0.5 * G_LN2, 1e-15);

  g_assert_cmpuint (ms_counts_to_distribution (counts, 4, dist), ==, 100);
  assert_close (dist[0], 0.3, 1e-15);
  assert_close (dist[2], 0.0, 0.0);
  /* ln 4 - H(0.3, 0.1, 0.6) */
  assert_close (ms_kl_from_uniform (dist, 4),
                log (4.0) + 0.3 * log (0.3) + 0.1 * log (0.1) + 0.6 * log (0.6), 1e-14);
}

/* Every reported (modes, KL) pair satisfies KL(q || U_K) >= ln(K / modes) (PAPERS.md 0) */
static void
test_kl_mode_bound (void)
{
  guint64 s = 42;

  for (int trial = 0; trial < 500; trial++)
    {
      guint counts[10] = { 0 };
      double p[10];
      int present = 1 + (int) (rng_next (&s) % 10);
      int n = 1 + (int) (rng_next (&s) % 1000);
      int covered;
      double kl;

      for (int i = 0; i < n; i++)
        counts[rng_next (&s) % present]++;
      ms_counts_to_distribution (counts, 10, p);
      covered = ms_classes_covered (counts, 10, 0.0, NULL);
      kl = ms_kl_from_uniform (p, 10);
      g_assert_cmpint (covered, >=, 1);
      g_assert_cmpfloat (kl, >=, log (10.0 / covered) - 1e-12);
    }

  /* uniform over k of K modes attains the bound: 4 of 10 -> ln 2.5 */
  {
    const guint counts[10] = { 25, 25, 25, 25, 0, 0, 0, 0, 0, 0 };
    double p[10];

    ms_counts_to_distribution (counts, 10, p);
    assert_close (ms_kl_from_uniform (p, 10), 0.916290731874155, 1e-12);
  }
}

/* Inception Score ---------------------------------------------------------------------------*/

static void
test_is_single_class (void)
{
  const int n = 500, k = 10;
  g_autofree float *probs = g_new (float, n * k);
  guint counts[10];
  double soft[10], p[10], mean, std;

  for (int i = 0; i < n; i++)
    one_hot (probs + i * k, k, 3);

  g_assert_cmpint (ms_inception_score (probs, n, k, 10, &mean, &std), ==, 10);
  assert_close (mean, 1.0, 1e-12);
  assert_close (std, 0.0, 1e-12);

  ms_class_histogram (probs, n, k, counts, soft);
  ms_counts_to_distribution (counts, k, p);
  assert_close (ms_kl_from_uniform (p, k), log (10.0), 1e-12);
  assert_close (ms_kl_from_uniform (soft, k), log (10.0), 1e-12);
  assert_close (ms_mean_entropy (probs, n, k), 0.0, 1e-12);
}

static void
test_is_perfect (void)
{
  const int n = 1000, k = 10;
  g_autofree float *probs = g_new (float, n * k);
  double mean, std;

  /* every split of 100 holds each class 10 times, one-hot: IS = k exactly */
  for (int i = 0; i < n; i++)
    one_hot (probs + i * k, k, i % k);
  g_assert_cmpint (ms_inception_score (probs, n, k, 0, &mean, &std), ==, MS_IS_DEFAULT_SPLITS);
  assert_close (mean, 10.0, 1e-9);
  assert_close (std, 0.0, 1e-9);
}

static void
test_is_identity (void)
{
  const int n = 2000, k = 10;

  /* confident and unconfident classifiers */
  for (int variant = 0; variant < 3; variant++)
    {
      double scale = (double[]) { 0.5, 2.0, 6.0 }[variant];
      g_autofree float *probs = random_softmax (n, k, scale, 1234 + variant);
      guint counts[10];
      double soft[10], mean, std, lhs, rhs;

      g_assert_cmpint (ms_inception_score (probs, n, k, 1, &mean, &std), ==, 1);
      assert_close (std, 0.0, 0.0);
      ms_class_histogram (probs, n, k, counts, soft);

      lhs = log (mean);
      rhs = log (10.0) - ms_kl_from_uniform (soft, k) - ms_mean_entropy (probs, n, k);
      assert_close (lhs, rhs, 1e-6);
      g_assert_cmpfloat (mean, <=, 10.0);
      g_assert_cmpfloat (mean, >=, 1.0);
    }
}

static void
test_is_splits_std (void)
{
  const int n = 20, k = 10;
  g_autofree float *probs = g_new (float, n * k);
  double mean, std;

  /* split 0 (rows 0-9): all class 0, IS 1; split 1: classes 0 and 1 half each, IS 2 */
  for (int i = 0; i < 10; i++)
    one_hot (probs + i * k, k, 0);
  for (int i = 10; i < 20; i++)
    one_hot (probs + i * k, k, i % 2);

  g_assert_cmpint (ms_inception_score (probs, n, k, 2, &mean, &std), ==, 2);
  assert_close (mean, 1.5, 1e-12);
  /* population std (np.std), not the sample std 0.7071 */
  assert_close (std, 0.5, 1e-12);

  /* Uneven partition as numpy slicing: n = 7, 3 splits -> rows [0,2), [2,4), [4,7) */
  for (int i = 0; i < 7; i++)
    one_hot (probs + i * k, k, i < 4 ? 5 : (i % 3));
  /* splits: {5,5} IS 1; {5,5} IS 1; rows 4,5,6 -> classes 1,2,0 -> IS 3 */
  g_assert_cmpint (ms_inception_score (probs, 7, k, 3, &mean, &std), ==, 3);
  assert_close (mean, 5.0 / 3.0, 1e-12);
  assert_close (std, sqrt (((1 - 5.0 / 3) * (1 - 5.0 / 3) * 2 + (3 - 5.0 / 3) * (3 - 5.0 / 3)) / 3),
                1e-12);
}

static void
test_is_few_samples (void)
{
  const int k = 10;
  float probs[3 * 10];
  double mean, std;

  for (int i = 0; i < 3; i++)
    one_hot (probs + i * k, k, i);
  /* fewer rows than splits: one row per split, each scoring exp(0) = 1 */
  g_assert_cmpint (ms_inception_score (probs, 3, k, 10, &mean, &std), ==, 3);
  assert_close (mean, 1.0, 1e-12);
  assert_close (std, 0.0, 1e-12);

  g_assert_cmpint (ms_inception_score (probs, 0, k, 10, &mean, &std), ==, 0);
  g_assert_true (isnan (mean));
  g_assert_true (isnan (std));
}

/* Classes covered ---------------------------------------------------------------------------*/

static void
test_classes_covered (void)
{
  /* 500 samples; class 8 holds 5 (1 %, what classifier errors leak), class 9 none */
  const guint counts[10] = { 60, 55, 60, 55, 60, 55, 60, 55, 5, 0 };
  gboolean present[10];

  assert_close (ms_class_min_share_default (10), 0.025, 1e-15);
  g_assert_cmpint (ms_classes_covered (counts, 10, ms_class_min_share_default (10), present),
                   ==, 8);
  g_assert_true (present[0]);
  g_assert_false (present[8]);
  g_assert_false (present[9]);

  /* the papers' ">= 1 sample" rule */
  g_assert_cmpint (ms_classes_covered (counts, 10, 0.0, present), ==, 9);
  g_assert_true (present[8]);

  /* at the threshold exactly: 12.5 needed, 13 passes, 12 does not */
  {
    guint c[2] = { 13, 487 };

    g_assert_cmpint (ms_classes_covered (c, 2, 0.025, NULL), ==, 2);
    c[0] = 12;
    c[1] = 488;
    g_assert_cmpint (ms_classes_covered (c, 2, 0.025, NULL), ==, 1);
  }
}

/* 2-D mixtures ------------------------------------------------------------------------------*/

static void
ring8 (float *centres)
{
  for (int i = 0; i < 8; i++)
    {
      centres[2 * i] = (float) (2.0 * cos (2.0 * G_PI * i / 8));
      centres[2 * i + 1] = (float) (2.0 * sin (2.0 * G_PI * i / 8));
    }
}

static void
grid25 (float *centres)
{
  for (int i = 0; i < 25; i++)
    {
      centres[2 * i] = (float) (-4 + 2 * (i / 5));
      centres[2 * i + 1] = (float) (-4 + 2 * (i % 5));
    }
}

static void
sample_mixture (const float *centres,
                int          k,
                float        std,
                int          n,
                guint64      seed,
                float       *xy)
{
  guint64 s = seed;

  for (int i = 0; i < n; i++)
    {
      int c = (int) (rng_next (&s) % (guint64) k);

      xy[2 * i] = centres[2 * c] + std * (float) rng_normal (&s);
      xy[2 * i + 1] = centres[2 * c + 1] + std * (float) rng_normal (&s);
    }
}

static void
check_perfect_mixture (const float *centres,
                       int          k,
                       float        std)
{
  const int n = 10000;
  g_autofree float *xy = g_new (float, 2 * n);
  g_auto(MsMixtureCoverage) cov = { 0 };
  guint total = 0;

  sample_mixture (centres, k, std, n, 7 + k, xy);
  ms_mixture_coverage (centres, NULL, k, std, xy, n, &cov);

  g_assert_cmpint (cov.k, ==, k);
  g_assert_cmpint (cov.n, ==, n);
  g_assert_cmpint (cov.modes_covered, ==, k);
  /* P(r < 3 sigma) for a 2-D isotropic Gaussian = 1 - e^-4.5 = 0.9889 */
  assert_close (cov.hq_fraction, 1.0 - exp (-4.5), 0.01);
  for (int c = 0; c < k; c++)
    total += cov.counts[c];
  g_assert_cmpuint (total, ==, (guint) cov.n_hq);
  /* roughly uniform over modes: floor of (k-1)/(2 n_hq) plus noise */
  g_assert_cmpfloat (cov.reverse_kl, >=, 0.0);
  g_assert_cmpfloat (cov.reverse_kl, <, 0.01);
}

static void
check_one_mode (const float *centres,
                int          k,
                float        std,
                double       expected_kl)
{
  const int n = 1000;
  g_autofree float *xy = g_new (float, 2 * n);
  g_auto(MsMixtureCoverage) cov = { 0 };

  for (int i = 0; i < n; i++)
    {
      xy[2 * i] = centres[2 * 3] + (i % 2 ? 1 : -1) * std;
      xy[2 * i + 1] = centres[2 * 3 + 1];
    }
  ms_mixture_coverage (centres, NULL, k, std, xy, n, &cov);
  g_assert_cmpint (cov.modes_covered, ==, 1);
  g_assert_cmpint (cov.n_hq, ==, n);
  assert_close (cov.hq_fraction, 1.0, 0.0);
  g_assert_cmpuint (cov.counts[3], ==, (guint) n);
  assert_close (cov.reverse_kl, expected_kl, 1e-12);
}

static void
test_mixture_ring (void)
{
  float centres[16];

  ring8 (centres);
  check_perfect_mixture (centres, 8, 0.02f);
  check_one_mode (centres, 8, 0.02f, log (8.0));
}

static void
test_mixture_grid (void)
{
  float centres[50];

  grid25 (centres);
  check_perfect_mixture (centres, 25, 0.05f);
  check_one_mode (centres, 25, 0.05f, log (25.0));
}

static void
test_mixture_edges (void)
{
  float centres[16];
  /* 3 std exactly is not HQ; a point between two modes is assigned but not HQ; NaN is
   * never HQ */
  float xy[] = {
    2.0f + 0.0599f, 0.0f,           /* mode 0, HQ */
    2.0f + 0.0601f, 0.0f,           /* mode 0, beyond 3 std */
    1.0f, 1.0f,                     /* nearest mode 1, far */
    NAN, 0.0f,
    0.0f, 2.0f,                     /* mode 2 exactly */
  };
  const float weights[8] = { 3, 1, 1, 1, 1, 1, 1, 1 };   /* normalised: 0.3, 0.1, ... */
  g_auto(MsMixtureCoverage) cov = { 0 };

  ring8 (centres);
  ms_mixture_coverage (centres, weights, 8, 0.02f, xy, 5, &cov);
  g_assert_cmpint (cov.n, ==, 5);
  g_assert_cmpint (cov.n_hq, ==, 2);
  g_assert_cmpint (cov.modes_covered, ==, 2);
  g_assert_cmpuint (cov.counts[0], ==, 1);
  g_assert_cmpuint (cov.counts[2], ==, 1);
  assert_close (cov.hq_fraction, 0.4, 1e-15);
  /* q = (0.5 at mode 0, 0.5 at mode 2), p = (0.3, 0.1): empty modes skipped */
  assert_close (cov.reverse_kl, 0.5 * log (0.5 / 0.3) + 0.5 * log (0.5 / 0.1), 1e-6);
  ms_mixture_coverage_clear (&cov);
  g_assert_null (cov.counts);

  /* exactly 3 std (representable: std 0.5, distance 1.5) is not HQ; just inside is */
  {
    const float two[] = { 0.0f, 0.0f, 10.0f, 0.0f };
    const float at[] = { 1.5f, 0.0f, 10.0f, 1.4999f };
    g_auto(MsMixtureCoverage) c2 = { 0 };

    ms_mixture_coverage (two, NULL, 2, 0.5f, at, 2, &c2);
    g_assert_cmpuint (c2.counts[0], ==, 0);
    g_assert_cmpuint (c2.counts[1], ==, 1);
    g_assert_cmpint (c2.modes_covered, ==, 1);
    assert_close (c2.reverse_kl, log (2.0), 1e-12);
  }

  /* nothing HQ: KL undefined */
  ms_mixture_coverage (centres, NULL, 8, 0.02f, xy + 2, 2, &cov);
  g_assert_cmpint (cov.modes_covered, ==, 0);
  g_assert_true (isnan (cov.reverse_kl));
}

/* Noise floor -------------------------------------------------------------------------------*/

/* MNIST training-set label counts, digits 0-9 */
static const double mnist_train_labels[10] = {
  5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
};

static void
test_noise_floor_uniform (void)
{
  MsKlFloor f;

  /* enough trials that the Monte Carlo error on the 99th percentile stays below 2 % */
  g_assert_true (ms_kl_noise_floor (NULL, 10, 500, 40000, 1, &f));
  g_assert_cmpint (f.k, ==, 10);
  g_assert_cmpint (f.n_samples, ==, 500);
  g_assert_cmpint (f.trials, ==, 40000);
  assert_rel (f.mean, 0.0090, 0.03);
  assert_rel (f.median, 0.0085, 0.03);
  assert_rel (f.p95, 0.0169, 0.03);
  assert_rel (f.p99, 0.0216, 0.04);
  assert_close (f.asymptotic, 0.009, 1e-15);
  assert_close (ms_kl_floor_asymptotic (10, 500), 0.009, 1e-15);

  g_assert_true (ms_kl_noise_floor (NULL, 10, 1000, 20000, 2, &f));
  assert_rel (f.mean, 0.0045, 0.03);
  g_assert_true (ms_kl_noise_floor (NULL, 10, 10000, 4000, 3, &f));
  /* PAPERS.md rounds this to 0.0005; (k - 1) / (2N) = 0.00045 */
  assert_rel (f.mean, 0.00045, 0.03);

  /* the session's default: fewer trials, same answer within Monte Carlo error */
  g_assert_true (ms_kl_noise_floor (NULL, 10, 500, 0, 1, &f));
  g_assert_cmpint (f.trials, ==, MS_KL_FLOOR_DEFAULT_TRIALS);
  assert_rel (f.mean, 0.0090, 0.05);
  assert_rel (f.p99, 0.0216, 0.12);
}

static void
test_noise_floor_reference (void)
{
  MsKlFloor f;
  double p[10];
  double total = 0.0;

  /* labels drawn from the MNIST marginal, KL measured from uniform */
  g_assert_true (ms_kl_noise_floor (mnist_train_labels, 10, 500, 40000, 1, &f));
  assert_rel (f.mean, 0.0105, 0.03);
  assert_rel (f.p95, 0.0196, 0.03);
  assert_rel (f.p99, 0.0249, 0.04);

  for (int j = 0; j < 10; j++)
    total += mnist_train_labels[j];
  for (int j = 0; j < 10; j++)
    p[j] = mnist_train_labels[j] / total;
  assert_close (ms_kl_from_uniform (p, 10), 0.00143, 1e-5);
  assert_close (f.asymptotic, ms_kl_from_uniform (p, 10) + 0.009, 1e-12);

  /* measured against the same mix, the floor is the uniform one again */
  g_assert_true (ms_kl_noise_floor_full (mnist_train_labels, mnist_train_labels, 10, 500,
                                         40000, 1, &f));
  assert_rel (f.mean, 0.0090, 0.03);

  /* stacked MNIST: K = 1000, N = 26,000 -> ~0.019 */
  g_assert_true (ms_kl_noise_floor (NULL, 1000, 26000, 200, 5, &f));
  assert_rel (f.mean, 0.019, 0.05);
}

static gboolean
floor_equal (const MsKlFloor *a,
             const MsKlFloor *b)
{
  return a->k == b->k && a->n_samples == b->n_samples && a->trials == b->trials
         && a->mean == b->mean && a->median == b->median && a->p95 == b->p95
         && a->p99 == b->p99 && a->asymptotic == b->asymptotic;
}

static void
test_noise_floor_reproducible (void)
{
  MsKlFloor a, b, c;

  /* odd sizes so the cache does not answer for another test's arguments */
  g_assert_true (ms_kl_noise_floor (NULL, 7, 321, 500, 99, &a));
  g_assert_true (ms_kl_noise_floor (NULL, 7, 321, 500, 99, &b));
  g_assert_true (floor_equal (&a, &b));
  g_assert_true (ms_kl_noise_floor (NULL, 7, 321, 500, 100, &c));
  g_assert_cmpfloat (a.mean, !=, c.mean);
  g_assert_cmpfloat (a.median, <=, a.p95);
  g_assert_cmpfloat (a.p95, <=, a.p99);

  /* the arguments alone fix the numbers: push the entry out of the cache and recompute */
  for (int n = 10; n < 40; n++)
    g_assert_true (ms_kl_noise_floor (NULL, 3, n, 50, 1, &c));
  g_assert_true (ms_kl_noise_floor_full (NULL, NULL, 7, 321, 500, 99, &c));
  g_assert_true (floor_equal (&a, &c));
}

/* Diversity ---------------------------------------------------------------------------------*/

static void
test_pairwise_distance (void)
{
  /* 1-D points 0, 1, 3: distances 1, 3, 2 */
  const float line[] = { 0.0f, 1.0f, 3.0f };
  /* 2-D: a 3-4-5 triangle */
  const float tri[] = { 0, 0, 3, 0, 0, 4 };
  g_autofree float *same = g_new (float, 100 * 16);
  g_autofree float *cloud = NULL;
  double exact, sampled;

  assert_close (ms_mean_pairwise_distance (line, 3, 1, 0, 1), 2.0, 1e-12);
  assert_close (ms_mean_pairwise_distance (tri, 3, 2, 100, 1), 4.0, 1e-12);
  assert_close (ms_mean_pairwise_distance (line, 1, 1, 0, 1), 0.0, 0.0);

  for (int i = 0; i < 100 * 16; i++)
    same[i] = (float) (i % 16);
  assert_close (ms_mean_pairwise_distance (same, 100, 16, 50, 1), 0.0, 0.0);

  /* sampled pairs estimate the exact mean */
  cloud = random_softmax (400, 16, 3.0, 5);
  exact = ms_mean_pairwise_distance (cloud, 400, 16, 0, 1);
  sampled = ms_mean_pairwise_distance (cloud, 400, 16, 20000, 1);
  assert_rel (sampled, exact, 0.02);
  g_assert_cmpfloat (sampled, ==, ms_mean_pairwise_distance (cloud, 400, 16, 20000, 1));
}

static void
test_class_pairwise_distance (void)
{
  /* class 0: 0, 2 (mean 2); class 1: 10, 11, 13 (mean 2); class 2: one sample; -1 ignored */
  const float x[] = { 0, 10, 2, 11, 13, 50, 99 };
  const int labels[] = { 0, 1, 0, 1, 1, 2, -1 };
  double per_class[4];
  double d;

  d = ms_class_pairwise_distance (x, labels, 7, 1, 4, 0, 1, per_class);
  assert_close (per_class[0], 2.0, 1e-12);
  assert_close (per_class[1], (1.0 + 3.0 + 2.0) / 3.0, 1e-12);
  g_assert_true (isnan (per_class[2]));
  g_assert_true (isnan (per_class[3]));
  assert_close (d, (2.0 * 2 + 2.0 * 3) / 5, 1e-12);
}

static void
test_diversity_summary (void)
{
  const double real[4] = { 10, 10, 10, 10 };
  /* ratios 1.0, 0.05 (collapsed), 0.3 (half way), and a class with too few samples */
  const double gen[4] = { 10, 0.5, 3, 0 };
  const guint counts[4] = { 50, 30, 20, 1 };
  MsDiversity d;

  ms_diversity_summary (gen, real, counts, 4, 10, &d);
  g_assert_cmpint (d.worst_class, ==, 1);
  assert_close (d.worst_ratio, 0.05, 1e-12);
  assert_close (d.mean_ratio, (1.0 * 50 + 0.05 * 30 + 0.3 * 20) / 100, 1e-12);
  /* ramp(1) = 0, ramp(0.05) = 1, ramp(0.3) = 0.5; shares over all 101 samples */
  assert_close (d.collapsed_share, (30 * 1.0 + 20 * 0.5) / 101, 1e-12);

  assert_close (ms_diversity_ramp (MS_DIVERSITY_RATIO_OK), 0.0, 0.0);
  assert_close (ms_diversity_ramp (MS_DIVERSITY_RATIO_COLLAPSED), 1.0, 0.0);
  assert_close (ms_diversity_ramp (NAN), 0.0, 0.0);

  /* nothing usable */
  {
    const guint few[4] = { 1, 1, 0, 0 };

    ms_diversity_summary (gen, real, few, 4, 2, &d);
    g_assert_cmpint (d.worst_class, ==, -1);
    g_assert_true (isnan (d.mean_ratio));
    g_assert_true (isnan (d.collapsed_share));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/histogram", test_histogram);
  g_test_add_func ("/metrics/kl", test_kl);
  g_test_add_func ("/metrics/kl-mode-bound", test_kl_mode_bound);
  g_test_add_func ("/metrics/is/single-class", test_is_single_class);
  g_test_add_func ("/metrics/is/perfect", test_is_perfect);
  g_test_add_func ("/metrics/is/identity", test_is_identity);
  g_test_add_func ("/metrics/is/splits-std", test_is_splits_std);
  g_test_add_func ("/metrics/is/few-samples", test_is_few_samples);
  g_test_add_func ("/metrics/classes-covered", test_classes_covered);
  g_test_add_func ("/metrics/mixture/ring8", test_mixture_ring);
  g_test_add_func ("/metrics/mixture/grid25", test_mixture_grid);
  g_test_add_func ("/metrics/mixture/edges", test_mixture_edges);
  g_test_add_func ("/metrics/noise-floor/uniform", test_noise_floor_uniform);
  g_test_add_func ("/metrics/noise-floor/reference", test_noise_floor_reference);
  g_test_add_func ("/metrics/noise-floor/reproducible", test_noise_floor_reproducible);
  g_test_add_func ("/metrics/diversity/pairwise", test_pairwise_distance);
  g_test_add_func ("/metrics/diversity/class-pairwise", test_class_pairwise_distance);
  g_test_add_func ("/metrics/diversity/summary", test_diversity_summary);

  return g_test_run ();
}
