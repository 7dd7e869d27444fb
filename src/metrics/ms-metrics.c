/* ms-metrics.c: class histograms, KL, Inception Score, mode coverage, noise floor, diversity
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sums are accumulated in double: probabilities arrive as float from the classifier, and
 * ln IS must match the section-0 identity to 1e-6.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ms-metrics.h"

/* splitmix64: tiny, seedable with any value, and identical on every platform, so the noise
 * floor and the sampled pairs are reproducible without the engine's RNG. */
static inline guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Uniform integer in [0, n), n < 2^32 (multiply-shift; the bias, < n / 2^32, is irrelevant
 * for picking pairs) */
static inline guint32
splitmix_below (guint64 *state,
                guint32  n)
{
  return (guint32) (((splitmix64 (state) >> 32) * (guint64) n) >> 32);
}

static gboolean
row_is_finite (const float *row,
               int          k)
{
  for (int j = 0; j < k; j++)
    if (!isfinite (row[j]))
      return FALSE;
  return TRUE;
}

/* Class histograms ---------------------------------------------------------------------------*/

void
ms_class_labels (const float *probs,
                 int          n,
                 int          k,
                 int         *labels)
{
  g_return_if_fail (n == 0 || (probs != NULL && labels != NULL));
  g_return_if_fail (k >= 1);

  for (int i = 0; i < n; i++)
    {
      const float *row = probs + (gsize) i * k;
      int best = 0;

      if (!row_is_finite (row, k))
        {
          labels[i] = -1;
          continue;
        }
      for (int j = 1; j < k; j++)
        if (row[j] > row[best])
          best = j;
      labels[i] = best;
    }
}

int
ms_class_histogram (const float *probs,
                    int          n,
                    int          k,
                    guint       *counts,
                    double      *soft_marginal)
{
  int counted = 0;

  g_return_val_if_fail (k >= 1, 0);
  g_return_val_if_fail (counts != NULL, 0);
  g_return_val_if_fail (n == 0 || probs != NULL, 0);

  memset (counts, 0, sizeof (guint) * k);
  if (soft_marginal != NULL)
    memset (soft_marginal, 0, sizeof (double) * k);

  for (int i = 0; i < n; i++)
    {
      const float *row = probs + (gsize) i * k;
      int best = 0;

      if (!row_is_finite (row, k))
        continue;
      for (int j = 1; j < k; j++)
        if (row[j] > row[best])
          best = j;
      counts[best]++;
      if (soft_marginal != NULL)
        for (int j = 0; j < k; j++)
          soft_marginal[j] += row[j];
      counted++;
    }

  if (soft_marginal != NULL && counted > 0)
    for (int j = 0; j < k; j++)
      soft_marginal[j] /= counted;
  return counted;
}

guint64
ms_counts_to_distribution (const guint *counts,
                           int          k,
                           double      *p)
{
  guint64 total = 0;

  g_return_val_if_fail (counts != NULL && p != NULL, 0);

  for (int j = 0; j < k; j++)
    total += counts[j];
  for (int j = 0; j < k; j++)
    p[j] = total > 0 ? (double) counts[j] / (double) total : 0.0;
  return total;
}

/* KL divergence ------------------------------------------------------------------------------*/

double
ms_kl_divergence (const double *p,
                  const double *q,
                  int           k)
{
  double kl = 0.0;

  g_return_val_if_fail (p != NULL && q != NULL, NAN);

  for (int j = 0; j < k; j++)
    {
      if (!(p[j] > 0.0))
        continue;
      if (!(q[j] > 0.0))
        return INFINITY;
      kl += p[j] * log (p[j] / q[j]);
    }
  return kl;
}

double
ms_kl_from_uniform (const double *p,
                    int           k)
{
  double kl = 0.0;
  double log_k;

  g_return_val_if_fail (p != NULL, NAN);
  g_return_val_if_fail (k >= 1, NAN);

  log_k = log ((double) k);
  for (int j = 0; j < k; j++)
    if (p[j] > 0.0)
      kl += p[j] * (log (p[j]) + log_k);
  return kl;
}

double
ms_kl_from_reference (const double *p,
                      const double *reference,
                      int           k)
{
  g_autofree double *q = NULL;
  double total = 0.0;

  g_return_val_if_fail (p != NULL, NAN);
  g_return_val_if_fail (k >= 1, NAN);

  if (reference == NULL)
    return ms_kl_from_uniform (p, k);

  for (int j = 0; j < k; j++)
    total += reference[j];
  g_return_val_if_fail (total > 0.0, NAN);

  q = g_new (double, k);
  for (int j = 0; j < k; j++)
    q[j] = reference[j] / total;
  return ms_kl_divergence (p, q, k);
}

/* Inception Score ----------------------------------------------------------------------------*/

/* exp(mean_x KL(p(y|x) || p_split(y))) over rows [begin, end) */
static double
inception_score_split (const float *probs,
                       int          begin,
                       int          end,
                       int          k,
                       double      *marginal)
{
  int m = end - begin;
  double sum = 0.0;

  memset (marginal, 0, sizeof (double) * k);
  for (int i = begin; i < end; i++)
    for (int j = 0; j < k; j++)
      marginal[j] += probs[(gsize) i * k + j];
  for (int j = 0; j < k; j++)
    marginal[j] /= m;

  for (int i = begin; i < end; i++)
    for (int j = 0; j < k; j++)
      {
        double pj = probs[(gsize) i * k + j];

        /* 0 ln 0 = 0; marginal[j] >= pj / m > 0 whenever pj > 0 */
        if (pj > 0.0)
          sum += pj * (log (pj) - log (marginal[j]));
      }
  return exp (sum / m);
}

int
ms_inception_score (const float *probs,
                    int          n,
                    int          k,
                    int          splits,
                    double      *mean,
                    double      *std)
{
  g_autofree double *marginal = NULL;
  g_autofree double *scores = NULL;
  double mu = 0.0, var = 0.0;

  if (mean != NULL)
    *mean = NAN;
  if (std != NULL)
    *std = NAN;
  g_return_val_if_fail (k >= 1, 0);
  g_return_val_if_fail (n <= 0 || probs != NULL, 0);
  if (n < 1)
    return 0;

  if (splits <= 0)
    splits = MS_IS_DEFAULT_SPLITS;
  /* Every split needs at least one row; fewer rows than splits means fewer splits. */
  splits = MIN (splits, n);

  marginal = g_new (double, k);
  scores = g_new (double, splits);
  for (int s = 0; s < splits; s++)
    {
      /* Same partition as the reference: preds[s*n//splits : (s+1)*n//splits] */
      int begin = (int) ((gint64) s * n / splits);
      int end = (int) ((gint64) (s + 1) * n / splits);

      scores[s] = inception_score_split (probs, begin, end, k, marginal);
      mu += scores[s];
    }
  mu /= splits;
  for (int s = 0; s < splits; s++)
    var += (scores[s] - mu) * (scores[s] - mu);
  var /= splits;  /* population variance, as np.std */

  if (mean != NULL)
    *mean = mu;
  if (std != NULL)
    *std = sqrt (var);
  return splits;
}

double
ms_mean_entropy (const float *probs,
                 int          n,
                 int          k)
{
  double sum = 0.0;

  g_return_val_if_fail (n <= 0 || probs != NULL, NAN);
  if (n < 1)
    return NAN;

  for (gsize i = 0; i < (gsize) n * k; i++)
    if (probs[i] > 0.0f)
      sum -= probs[i] * log ((double) probs[i]);
  return sum / n;
}

/* Modes covered (classes) --------------------------------------------------------------------*/

double
ms_class_min_share_default (int k)
{
  g_return_val_if_fail (k >= 1, 0.0);
  return 0.25 / k;
}

int
ms_classes_covered (const guint *counts,
                    int          k,
                    double       min_share,
                    gboolean    *present)
{
  guint64 total = 0;
  double threshold;
  int covered = 0;

  g_return_val_if_fail (counts != NULL, 0);

  for (int j = 0; j < k; j++)
    total += counts[j];
  threshold = MAX (1.0, min_share * (double) total);

  for (int j = 0; j < k; j++)
    {
      gboolean here = counts[j] > 0 && (double) counts[j] >= threshold;

      if (present != NULL)
        present[j] = here;
      covered += here;
    }
  return covered;
}

/* 2-D mixtures -------------------------------------------------------------------------------*/

void
ms_mixture_coverage (const float       *centres,
                     const float       *weights,
                     int                k,
                     float              std,
                     const float       *xy,
                     int                n,
                     MsMixtureCoverage *out)
{
  g_autofree double *p = NULL;
  g_autofree double *q = NULL;
  double radius2, weight_total = 0.0;

  g_return_if_fail (out != NULL);
  memset (out, 0, sizeof *out);
  out->reverse_kl = NAN;
  g_return_if_fail (centres != NULL && k >= 1);
  g_return_if_fail (n == 0 || xy != NULL);
  g_return_if_fail (std > 0.0f);

  out->k = k;
  out->n = MAX (n, 0);
  out->counts = g_new0 (guint, k);
  radius2 = (MS_MIXTURE_HQ_SIGMAS * std) * (MS_MIXTURE_HQ_SIGMAS * std);

  for (int i = 0; i < n; i++)
    {
      double x = xy[2 * i], y = xy[2 * i + 1];
      double best_d2 = INFINITY;
      int best = -1;

      if (!isfinite (x) || !isfinite (y))
        continue;
      for (int c = 0; c < k; c++)
        {
          double dx = x - centres[2 * c], dy = y - centres[2 * c + 1];
          double d2 = dx * dx + dy * dy;

          if (d2 < best_d2)
            {
              best_d2 = d2;
              best = c;
            }
        }
      /* Strictly below 3 std, as VEEGAN's "within three standard deviations" */
      if (best >= 0 && best_d2 < radius2)
        {
          out->counts[best]++;
          out->n_hq++;
        }
    }

  for (int c = 0; c < k; c++)
    out->modes_covered += out->counts[c] > 0;
  out->hq_fraction = n > 0 ? (double) out->n_hq / n : 0.0;

  if (out->n_hq == 0)
    return;

  p = g_new (double, k);
  q = g_new (double, k);
  for (int c = 0; c < k; c++)
    weight_total += weights != NULL ? weights[c] : 1.0;
  for (int c = 0; c < k; c++)
    {
      p[c] = (weights != NULL ? weights[c] : 1.0) / weight_total;
      q[c] = (double) out->counts[c] / out->n_hq;
    }
  out->reverse_kl = ms_kl_divergence (q, p, k);
}

void
ms_mixture_coverage_clear (MsMixtureCoverage *cov)
{
  if (cov == NULL)
    return;
  g_clear_pointer (&cov->counts, g_free);
  cov->k = 0;
}

/* Finite-sample KL noise floor ---------------------------------------------------------------*/

double
ms_kl_floor_asymptotic (int k,
                        int n_samples)
{
  g_return_val_if_fail (k >= 1 && n_samples >= 1, NAN);
  return (double) (k - 1) / (2.0 * n_samples);
}

/* Vose's alias table: one 64-bit draw per sample whatever k is (high half picks the column,
 * low half decides between it and its alias), so the floor stays cheap for stacked MNIST's
 * k = 1000.  @threshold[j] = P(keep j) * 2^32. */
static void
alias_build (const double *p,
             int           k,
             guint64      *threshold,
             int          *alias)
{
  g_autofree double *scaled = g_new (double, k);
  g_autofree int *small = g_new (int, k);
  g_autofree int *large = g_new (int, k);
  int n_small = 0, n_large = 0;

  for (int j = 0; j < k; j++)
    {
      scaled[j] = p[j] * k;
      if (scaled[j] < 1.0)
        small[n_small++] = j;
      else
        large[n_large++] = j;
    }
  while (n_small > 0 && n_large > 0)
    {
      int s = small[--n_small];
      int l = large[--n_large];

      threshold[s] = (guint64) (scaled[s] * 4294967296.0);
      alias[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0)
        small[n_small++] = l;
      else
        large[n_large++] = l;
    }
  /* Leftovers are 1 up to rounding: always keep */
  while (n_large > 0)
    {
      int l = large[--n_large];
      threshold[l] = G_GUINT64_CONSTANT (1) << 32;
      alias[l] = l;
    }
  while (n_small > 0)
    {
      int s = small[--n_small];
      threshold[s] = G_GUINT64_CONSTANT (1) << 32;
      alias[s] = s;
    }
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* numpy.percentile's default "linear" method on sorted values */
static double
percentile_sorted (const double *sorted,
                   int           n,
                   double        q)
{
  double pos = q * (n - 1);
  int lo = (int) floor (pos);
  int hi = MIN (lo + 1, n - 1);

  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

static gboolean
normalise (const double *in,
           int           k,
           double       *out)
{
  double total = 0.0;

  if (in == NULL)
    {
      for (int j = 0; j < k; j++)
        out[j] = 1.0 / k;
      return TRUE;
    }
  for (int j = 0; j < k; j++)
    {
      if (!(in[j] >= 0.0) || !isfinite (in[j]))
        return FALSE;
      total += in[j];
    }
  if (!(total > 0.0))
    return FALSE;
  for (int j = 0; j < k; j++)
    out[j] = in[j] / total;
  return TRUE;
}

/* The cache: a session asks for the same (k, N) at every evaluation; keyed on every argument
 * (distributions after normalisation), so it is invisible apart from the time saved. */
typedef struct
{
  int        k, n_samples, trials;
  guint64    seed;
  double    *ref;     /* (k) normalised */
  double    *target;  /* (k) normalised */
  MsKlFloor  result;
} FloorEntry;

#define FLOOR_CACHE_SIZE 16

G_LOCK_DEFINE_STATIC (floor_cache);
static FloorEntry floor_cache[FLOOR_CACHE_SIZE];
static guint floor_cache_next;

static gboolean
floor_cache_lookup (int           k,
                    int           n_samples,
                    int           trials,
                    guint64       seed,
                    const double *ref,
                    const double *target,
                    MsKlFloor    *out)
{
  gboolean found = FALSE;

  G_LOCK (floor_cache);
  for (guint i = 0; i < FLOOR_CACHE_SIZE && !found; i++)
    {
      FloorEntry *e = &floor_cache[i];

      if (e->ref != NULL && e->k == k && e->n_samples == n_samples && e->trials == trials
          && e->seed == seed && memcmp (e->ref, ref, sizeof (double) * k) == 0
          && memcmp (e->target, target, sizeof (double) * k) == 0)
        {
          *out = e->result;
          found = TRUE;
        }
    }
  G_UNLOCK (floor_cache);
  return found;
}

static void
floor_cache_store (int              k,
                   int              n_samples,
                   int              trials,
                   guint64          seed,
                   const double    *ref,
                   const double    *target,
                   const MsKlFloor *result)
{
  FloorEntry *e;

  G_LOCK (floor_cache);
  e = &floor_cache[floor_cache_next];
  floor_cache_next = (floor_cache_next + 1) % FLOOR_CACHE_SIZE;
  g_free (e->ref);
  g_free (e->target);
  e->k = k;
  e->n_samples = n_samples;
  e->trials = trials;
  e->seed = seed;
  e->ref = g_memdup2 (ref, sizeof (double) * k);
  e->target = g_memdup2 (target, sizeof (double) * k);
  e->result = *result;
  G_UNLOCK (floor_cache);
}

gboolean
ms_kl_noise_floor_full (const double *ref,
                        const double *target,
                        int           k,
                        int           n_samples,
                        int           trials,
                        guint64       seed,
                        MsKlFloor    *out)
{
  g_autofree double *p = NULL;
  g_autofree double *t = NULL;
  g_autofree double *log_t = NULL;
  g_autofree guint64 *threshold = NULL;
  g_autofree int *alias = NULL;
  g_autofree guint *counts = NULL;
  g_autofree double *kls = NULL;
  MsKlFloor result = { 0 };
  guint64 state = seed;
  double sum = 0.0, log_n;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (k >= 1 && n_samples >= 1, FALSE);

  if (trials <= 0)
    trials = MS_KL_FLOOR_DEFAULT_TRIALS;

  p = g_new (double, k);
  t = g_new (double, k);
  if (!normalise (ref, k, p) || !normalise (target, k, t))
    {
      g_critical ("%s: distributions must be non-negative with a positive sum", G_STRFUNC);
      return FALSE;
    }

  if (floor_cache_lookup (k, n_samples, trials, seed, p, t, out))
    return TRUE;

  log_t = g_new (double, k);
  for (int j = 0; j < k; j++)
    log_t[j] = log (t[j]);

  threshold = g_new (guint64, k);
  alias = g_new (int, k);
  alias_build (p, k, threshold, alias);

  log_n = log ((double) n_samples);
  counts = g_new (guint, k);
  kls = g_new (double, trials);
  for (int trial = 0; trial < trials; trial++)
    {
      double kl = 0.0;

      memset (counts, 0, sizeof (guint) * k);
      for (int s = 0; s < n_samples; s++)
        {
          guint64 r = splitmix64 (&state);
          guint32 j = (guint32) (((r >> 32) * (guint64) k) >> 32);

          counts[(r & 0xffffffffu) < threshold[j] ? (int) j : alias[j]]++;
        }
      for (int j = 0; j < k; j++)
        if (counts[j] > 0)
          {
            double q = (double) counts[j] / n_samples;

            if (t[j] <= 0.0)
              {
                kl = INFINITY;
                break;
              }
            kl += q * (log ((double) counts[j]) - log_n - log_t[j]);
          }
      kls[trial] = kl;
      sum += kl;
    }

  qsort (kls, trials, sizeof (double), compare_double);
  result.k = k;
  result.n_samples = n_samples;
  result.trials = trials;
  result.mean = sum / trials;
  result.median = percentile_sorted (kls, trials, 0.50);
  result.p95 = percentile_sorted (kls, trials, 0.95);
  result.p99 = percentile_sorted (kls, trials, 0.99);
  result.asymptotic = ms_kl_divergence (p, t, k) + ms_kl_floor_asymptotic (k, n_samples);

  floor_cache_store (k, n_samples, trials, seed, p, t, &result);
  *out = result;
  return TRUE;
}

gboolean
ms_kl_noise_floor (const double *ref,
                   int           k,
                   int           n_samples,
                   int           trials,
                   guint64       seed,
                   MsKlFloor    *out)
{
  return ms_kl_noise_floor_full (ref, NULL, k, n_samples, trials, seed, out);
}

/* Sample diversity ---------------------------------------------------------------------------*/

static inline double
distance (const float *a,
          const float *b,
          int          dim)
{
  double sum = 0.0;

  for (int d = 0; d < dim; d++)
    {
      double diff = (double) a[d] - (double) b[d];
      sum += diff * diff;
    }
  return sqrt (sum);
}

/* Mean distance over pairs of the rows listed in @index (m of them) */
static double
pairwise_mean (const float *x,
               const int   *index,
               int          m,
               int          dim,
               int          max_pairs,
               guint64     *state)
{
  gint64 all_pairs = (gint64) m * (m - 1) / 2;
  double sum = 0.0;

  if (m < 2)
    return 0.0;

  if (max_pairs <= 0 || all_pairs <= max_pairs)
    {
      for (int a = 0; a < m; a++)
        for (int b = a + 1; b < m; b++)
          sum += distance (x + (gsize) index[a] * dim, x + (gsize) index[b] * dim, dim);
      return sum / (double) all_pairs;
    }

  for (int s = 0; s < max_pairs; s++)
    {
      int a = (int) splitmix_below (state, (guint32) m);
      int b = (int) splitmix_below (state, (guint32) (m - 1));

      if (b >= a)
        b++;
      sum += distance (x + (gsize) index[a] * dim, x + (gsize) index[b] * dim, dim);
    }
  return sum / max_pairs;
}

double
ms_mean_pairwise_distance (const float *x,
                           int          n,
                           int          dim,
                           int          max_pairs,
                           guint64      seed)
{
  g_autofree int *index = NULL;
  guint64 state = seed;

  g_return_val_if_fail (dim >= 1, NAN);
  g_return_val_if_fail (n <= 1 || x != NULL, NAN);
  if (n < 2)
    return 0.0;

  index = g_new (int, n);
  for (int i = 0; i < n; i++)
    index[i] = i;
  return pairwise_mean (x, index, n, dim, max_pairs, &state);
}

double
ms_class_pairwise_distance (const float *x,
                            const int   *labels,
                            int          n,
                            int          dim,
                            int          k,
                            int          max_pairs,
                            guint64      seed,
                            double      *per_class)
{
  g_autofree int *start = NULL;
  g_autofree int *fill = NULL;
  g_autofree int *index = NULL;
  guint64 state = seed;
  double weighted = 0.0;
  gint64 weight = 0;

  g_return_val_if_fail (k >= 1 && dim >= 1, NAN);
  g_return_val_if_fail (n <= 0 || (x != NULL && labels != NULL), NAN);

  /* Counting sort of the rows by class, so each class's rows are contiguous in @index */
  start = g_new0 (int, k + 1);
  for (int i = 0; i < n; i++)
    if (labels[i] >= 0 && labels[i] < k)
      start[labels[i] + 1]++;
  for (int c = 0; c < k; c++)
    start[c + 1] += start[c];
  fill = g_memdup2 (start, sizeof (int) * k);
  index = g_new (int, MAX (start[k], 1));
  for (int i = 0; i < n; i++)
    if (labels[i] >= 0 && labels[i] < k)
      index[fill[labels[i]]++] = i;

  for (int c = 0; c < k; c++)
    {
      int m = start[c + 1] - start[c];
      double d;

      if (m < 2)
        {
          if (per_class != NULL)
            per_class[c] = NAN;
          continue;
        }
      d = pairwise_mean (x, index + start[c], m, dim, max_pairs, &state);
      if (per_class != NULL)
        per_class[c] = d;
      weighted += d * m;
      weight += m;
    }
  return weight > 0 ? weighted / (double) weight : NAN;
}

double
ms_diversity_ramp (double ratio)
{
  if (isnan (ratio))
    return 0.0;
  if (ratio <= MS_DIVERSITY_RATIO_COLLAPSED)
    return 1.0;
  if (ratio >= MS_DIVERSITY_RATIO_OK)
    return 0.0;
  return (MS_DIVERSITY_RATIO_OK - ratio) / (MS_DIVERSITY_RATIO_OK - MS_DIVERSITY_RATIO_COLLAPSED);
}

void
ms_diversity_summary (const double *gen_per_class,
                      const double *real_per_class,
                      const guint  *gen_counts,
                      int           k,
                      guint         min_count,
                      MsDiversity  *out)
{
  guint64 total = 0, used = 0;
  double ratio_sum = 0.0, collapsed = 0.0;

  g_return_if_fail (out != NULL);
  out->mean_ratio = NAN;
  out->worst_class = -1;
  out->worst_ratio = NAN;
  out->collapsed_share = NAN;
  g_return_if_fail (gen_per_class != NULL && real_per_class != NULL && gen_counts != NULL);
  g_return_if_fail (k >= 1);

  min_count = MAX (min_count, 2);
  for (int c = 0; c < k; c++)
    total += gen_counts[c];

  for (int c = 0; c < k; c++)
    {
      double r;

      if (gen_counts[c] < min_count || !isfinite (gen_per_class[c])
          || !isfinite (real_per_class[c]) || !(real_per_class[c] > 0.0))
        continue;
      r = gen_per_class[c] / real_per_class[c];
      ratio_sum += r * gen_counts[c];
      used += gen_counts[c];
      collapsed += ms_diversity_ramp (r) * gen_counts[c];
      if (out->worst_class < 0 || r < out->worst_ratio)
        {
          out->worst_class = c;
          out->worst_ratio = r;
        }
    }

  if (used == 0)
    return;
  out->mean_ratio = ratio_sum / (double) used;
  out->collapsed_share = collapsed / (double) total;
}
