/* test-mixture.c: named 2-D Gaussian mixtures, sampling statistics and determinism
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "ms-mixture.h"

#define N_SAMPLES 40000

static MsMixture *
mixture (const char *name)
{
  g_autoptr(GError) error = NULL;
  MsMixture *mix = ms_mixture_new_by_name (name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (mix);
  g_assert_cmpstr (mix->name, ==, name);
  return mix;
}

/* Smallest distance between two centres: every centre is distinct when it is > 0. */
static double
min_separation (const MsMixture *mix)
{
  double best = INFINITY;

  for (guint i = 0; i < mix->k; i++)
    for (guint j = i + 1; j < mix->k; j++)
      best = MIN (best, hypot (mix->centres[2 * i] - mix->centres[2 * j],
                               mix->centres[2 * i + 1] - mix->centres[2 * j + 1]));
  return best;
}

static gboolean
has_centre (const MsMixture *mix,
            double           x,
            double           y)
{
  for (guint i = 0; i < mix->k; i++)
    if (fabs (mix->centres[2 * i] - x) < 1e-5 && fabs (mix->centres[2 * i + 1] - y) < 1e-5)
      return TRUE;
  return FALSE;
}

static void
test_ring8 (void)
{
  g_autoptr(MsMixture) mix = mixture ("ring8");
  double sx = 0, sy = 0;

  g_assert_cmpuint (mix->k, ==, 8);
  g_assert_cmpfloat_with_epsilon (mix->std, 0.02f, 1e-7f);
  for (guint i = 0; i < 8; i++)
    {
      double x = mix->centres[2 * i], y = mix->centres[2 * i + 1];

      g_assert_cmpfloat_with_epsilon (hypot (x, y), 2.0, 1e-5);
      g_assert_cmpfloat_with_epsilon (mix->weights[i], 1.0f / 8, 1e-6f);
      sx += x;
      sy += y;
    }
  /* Evenly spaced, no repeated endpoint: neighbours are 2 * 2 * sin(pi/8) apart and the
   * centres balance out at the origin. */
  g_assert_cmpfloat_with_epsilon (min_separation (mix), 4.0 * sin (G_PI / 8), 1e-5);
  g_assert_cmpfloat_with_epsilon (sx, 0.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (sy, 0.0, 1e-5);
  g_assert_true (has_centre (mix, 2, 0));
  g_assert_true (has_centre (mix, 0, 2));
  g_assert_true (has_centre (mix, -2, 0));
  g_assert_true (has_centre (mix, sqrt (2), -sqrt (2)));
}

static void
test_grid25 (void)
{
  g_autoptr(MsMixture) mix = mixture ("grid25");

  g_assert_cmpuint (mix->k, ==, 25);
  g_assert_cmpfloat_with_epsilon (mix->std, 0.05f, 1e-7f);
  g_assert_cmpfloat_with_epsilon (min_separation (mix), 2.0, 1e-6);
  for (int i = -2; i <= 2; i++)
    for (int j = -2; j <= 2; j++)
      g_assert_true (has_centre (mix, 2 * i, 2 * j));
}

static void
test_wgan_sets (void)
{
  g_autoptr(MsMixture) m8 = mixture ("wgan8");
  g_autoptr(MsMixture) m25 = mixture ("wgan25");
  double r = 2.0 / 1.414;

  g_assert_cmpuint (m8->k, ==, 8);
  g_assert_cmpfloat_with_epsilon (m8->std, 0.02 / 1.414, 1e-7);
  g_assert_true (has_centre (m8, r, 0));
  g_assert_true (has_centre (m8, 0, -r));
  g_assert_true (has_centre (m8, r / sqrt (2), r / sqrt (2)));
  g_assert_true (has_centre (m8, -r / sqrt (2), r / sqrt (2)));
  for (guint i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon (hypot (m8->centres[2 * i], m8->centres[2 * i + 1]), r, 1e-5);
  g_assert_cmpfloat (min_separation (m8), >, 0.5);

  g_assert_cmpuint (m25->k, ==, 25);
  g_assert_cmpfloat_with_epsilon (m25->std, 0.05 / 2.828, 1e-7);
  g_assert_cmpfloat_with_epsilon (min_separation (m25), 2.0 / 2.828, 1e-5);
  g_assert_true (has_centre (m25, 4.0 / 2.828, -4.0 / 2.828));
  g_assert_true (has_centre (m25, 0, 0));
}

static void
test_unknown_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsMixture) mix = ms_mixture_new_by_name ("ring9", &error);
  const char * const *names = ms_mixture_names ();

  g_assert_null (mix);
  g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "ring9"));
  for (guint i = 0; names[i] != NULL; i++)
    g_assert_nonnull (strstr (error->message, names[i]));
  g_assert_cmpuint (g_strv_length ((char **) names), ==, 4);
}

/* Per-coordinate std s: the distance to the true centre is Rayleigh, mean s * sqrt(pi / 2),
 * and with well-separated modes the nearest centre is the true one.  Every mode gets its share. */
static void
check_statistics (const char *name,
                  guint64     seed)
{
  g_autoptr(MsMixture) mix = mixture (name);
  g_autofree float *xy = g_new (float, 2 * N_SAMPLES);
  g_autofree guint *hits = g_new0 (guint, mix->k);
  double sum_d = 0.0, mx = 0.0, my = 0.0, cx = 0.0, cy = 0.0;
  double want = mix->std * sqrt (G_PI / 2);
  double expected_hits = (double) N_SAMPLES / mix->k;
  MsRng rng;

  ms_rng_seed (&rng, seed);
  ms_mixture_sample (mix, &rng, N_SAMPLES, xy);
  for (guint i = 0; i < N_SAMPLES; i++)
    {
      float d;
      guint c = ms_mixture_nearest (mix, xy[2 * i], xy[2 * i + 1], &d);

      g_assert_true (isfinite (xy[2 * i]) && isfinite (xy[2 * i + 1]));
      hits[c]++;
      sum_d += d;
      mx += xy[2 * i];
      my += xy[2 * i + 1];
    }
  for (guint c = 0; c < mix->k; c++)
    {
      cx += mix->centres[2 * c] / mix->k;
      cy += mix->centres[2 * c + 1] / mix->k;
    }

  g_test_message ("%s: mean distance %.5f, expected %.5f", name, sum_d / N_SAMPLES, want);
  /* Standard error of the mean distance is about 0.3 % of it here; allow 3 %. */
  g_assert_cmpfloat (fabs (sum_d / N_SAMPLES - want), <, 0.03 * want);
  /* Each mode's count within 5 standard deviations of a binomial. */
  for (guint c = 0; c < mix->k; c++)
    {
      double sd = sqrt (expected_hits * (1.0 - 1.0 / mix->k));

      if (fabs (hits[c] - expected_hits) > 5 * sd)
        g_error ("%s: mode %u got %u samples, expected about %.0f", name, c, hits[c],
                 expected_hits);
    }
  /* The sample mean is the centres' mean within 6 standard errors. */
  {
    double vx = mix->std * mix->std, vy = vx;

    for (guint c = 0; c < mix->k; c++)
      {
        vx += (mix->centres[2 * c] - cx) * (mix->centres[2 * c] - cx) / mix->k;
        vy += (mix->centres[2 * c + 1] - cy) * (mix->centres[2 * c + 1] - cy) / mix->k;
      }
    g_assert_cmpfloat (fabs (mx / N_SAMPLES - cx), <, 6 * sqrt (vx / N_SAMPLES));
    g_assert_cmpfloat (fabs (my / N_SAMPLES - cy), <, 6 * sqrt (vy / N_SAMPLES));
  }
}

static void
test_statistics (void)
{
  const char * const *names = ms_mixture_names ();

  for (guint i = 0; names[i] != NULL; i++)
    check_statistics (names[i], 7 + i);
}

static void
test_determinism (void)
{
  g_autoptr(MsMixture) mix = mixture ("grid25");
  float a[2 * 500], b[2 * 500], c[2 * 500];
  MsRng r1, r2, r3;

  ms_rng_seed (&r1, 99);
  ms_rng_seed (&r2, 99);
  ms_rng_seed (&r3, 100);
  ms_mixture_sample (mix, &r1, 500, a);
  ms_mixture_sample (mix, &r2, 500, b);
  ms_mixture_sample (mix, &r3, 500, c);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_true (memcmp (a, c, sizeof a) != 0);

  /* Two half batches continue the same stream as one whole batch. */
  ms_rng_seed (&r1, 99);
  ms_mixture_sample (mix, &r1, 250, b);
  ms_mixture_sample (mix, &r1, 250, b + 500);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
}

static void
test_from_points (void)
{
  const float pts[3 * 2] = { 0.5f, 0.5f, -1.0f, 0.25f, 3.0f, -2.0f };
  g_autoptr(MsMixture) mix = ms_mixture_new_from_points (pts, 3, 0.1f);
  g_autoptr(MsMixture) copy = NULL;
  float xy[2 * 3000];
  guint hits[3] = { 0 };
  MsRng rng;

  g_assert_cmpuint (mix->k, ==, 3);
  g_assert_cmpstr (mix->name, ==, "custom");
  g_assert_cmpmem (mix->centres, sizeof pts, pts, sizeof pts);
  g_assert_cmpfloat_with_epsilon (mix->weights[0] + mix->weights[1] + mix->weights[2], 1.0f,
                                  1e-6f);

  ms_rng_seed (&rng, 5);
  ms_mixture_sample (mix, &rng, 3000, xy);
  for (guint i = 0; i < 3000; i++)
    hits[ms_mixture_nearest (mix, xy[2 * i], xy[2 * i + 1], NULL)]++;
  for (guint c = 0; c < 3; c++)
    g_assert_cmpuint (hits[c], >, 850);

  copy = ms_mixture_copy (mix);
  g_assert_cmpmem (copy->centres, sizeof pts, mix->centres, sizeof pts);
  g_assert_cmpmem (copy->weights, 3 * sizeof (float), mix->weights, 3 * sizeof (float));
  g_assert_cmpfloat (copy->std, ==, mix->std);
}

static void
test_weights (void)
{
  const float centres[2 * 2] = { -5.0f, 0.0f, 5.0f, 0.0f };
  const float weights[2] = { 3.0f, 1.0f };
  g_autoptr(MsMixture) mix = ms_mixture_new ("lopsided", centres, weights, 2, 0.1f);
  g_autofree float *xy = g_new (float, 2 * N_SAMPLES);
  guint left = 0;
  MsRng rng;

  g_assert_cmpfloat_with_epsilon (mix->weights[0], 0.75f, 1e-6f);
  ms_rng_seed (&rng, 3);
  ms_mixture_sample (mix, &rng, N_SAMPLES, xy);
  for (guint i = 0; i < N_SAMPLES; i++)
    left += xy[2 * i] < 0;
  /* 0.75 +- 5 binomial standard deviations (0.0022 each). */
  g_assert_cmpfloat (fabs ((double) left / N_SAMPLES - 0.75), <, 0.011);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/mixture/ring8", test_ring8);
  g_test_add_func ("/data/mixture/grid25", test_grid25);
  g_test_add_func ("/data/mixture/wgan-sets", test_wgan_sets);
  g_test_add_func ("/data/mixture/unknown-name", test_unknown_name);
  g_test_add_func ("/data/mixture/statistics", test_statistics);
  g_test_add_func ("/data/mixture/determinism", test_determinism);
  g_test_add_func ("/data/mixture/from-points", test_from_points);
  g_test_add_func ("/data/mixture/weights", test_weights);

  return g_test_run ();
}
