/* ms-metrics.h: class histograms, KL, Inception Score, mode coverage, noise floor, diversity
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   guint counts[10];
 *   double soft[10], p[10], is_mean, is_std;
 *   MsKlFloor floor;
 *
 *   ms_class_histogram (probs, n, 10, counts, soft);          // probs: (n, 10) softmax rows
 *   ms_counts_to_distribution (counts, 10, p);
 *   double kl = ms_kl_from_uniform (p, 10);                    // KL(generated || U_10)
 *   ms_kl_noise_floor (NULL, 10, n, 2000, 1, &floor);           // what a perfect G would show
 *   ms_inception_score (probs, n, 10, 10, &is_mean, &is_std);
 *
 * Pure functions over plain arrays (GLib and libm only), so the trainer thread, the CLI and the
 * tests share one implementation.  Natural logarithms everywhere.  Definitions, thresholds and
 * citations: docs/metrics.md (PAPERS.md sections 0, 6 and 7).
 *
 * Threading: every function may be called from any thread.  ms_kl_noise_floor() keeps a small
 * process-wide cache behind a mutex.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Class histograms ---------------------------------------------------------------------------*/

/* Hard labels: argmax of each row of @probs (n, k), the lowest index on ties; -1 for a row with
 * a non-finite value (a diverged generator can make NaN images).  @labels: (n). */
void     ms_class_labels            (const float  *probs,
                                     int           n,
                                     int           k,
                                     int          *labels);

/* Fills @counts (k) with the argmax counts and @soft_marginal (k, nullable) with the mean of the
 * rows, p(y) = (1/n) sum_x p(y|x).  Rows with a non-finite value are skipped.  Returns the number
 * of rows counted (the sum of @counts). */
int      ms_class_histogram         (const float  *probs,
                                     int           n,
                                     int           k,
                                     guint        *counts,
                                     double       *soft_marginal);

/* @p (k) = @counts / sum.  Returns the sum; @p is all zero when it is 0. */
guint64  ms_counts_to_distribution  (const guint  *counts,
                                     int           k,
                                     double       *p);

/* KL divergence ------------------------------------------------------------------------------*/

/* KL(p || q) = sum_i p_i ln(p_i / q_i), terms with p_i = 0 skipped; +inf when some q_i = 0
 * where p_i > 0.  Neither argument is renormalised. */
double   ms_kl_divergence           (const double *p,
                                     const double *q,
                                     int           k);

/* KL(p || U_k): the convention of the mode-collapse papers (KL of the generated class or mode
 * distribution from uniform; PAPERS.md section 0).  Equals ln k - H(p). */
double   ms_kl_from_uniform         (const double *p,
                                     int           k);

/* KL(p || @reference), e.g. the real data's label mix (the seed paper's comparison, section 7).
 * @reference is normalised here; NULL means uniform. */
double   ms_kl_from_reference       (const double *p,
                                     const double *reference,
                                     int           k);

/* Inception Score ----------------------------------------------------------------------------*/

#define MS_IS_DEFAULT_SPLITS 10

/* IS = exp(E_x KL(p(y|x) || p(y))) with p(y) the mean over each split (PAPERS.md section 6,
 * ChunyuanLI mnist_cnn_icp_eval.py).  Split i holds rows [i*n/splits, (i+1)*n/splits).  @mean
 * and @std (population std, numpy's np.std) over the splits; both nullable.  Uses min(@splits, n)
 * splits, @splits <= 0 meaning MS_IS_DEFAULT_SPLITS.  Returns the number of splits used, 0 (and
 * NAN results) when n < 1.  Rows are used as given (softmax outputs, not renormalised). */
int      ms_inception_score         (const float  *probs,
                                     int           n,
                                     int           k,
                                     int           splits,
                                     double       *mean,
                                     double       *std);

/* Mean entropy of the rows, E_x H(p(y|x)) in nats: the classifier's uncertainty on the samples.
 * With one split, ln IS = ln k - KL(p(y) || U_k) - this. */
double   ms_mean_entropy            (const float  *probs,
                                     int           n,
                                     int           k);

/* Modes covered (classes) --------------------------------------------------------------------*/

/* The default share below which a class counts as missing: 1 / (4k), a quarter of a uniform
 * share.  See docs/metrics.md for why. */
double   ms_class_min_share_default (int           k);

/* Number of classes with count >= max(1, @min_share * total).  @min_share <= 0 reproduces the
 * papers' ">= 1 sample" rule (stacked MNIST).  @present (k, nullable) receives per-class
 * flags. */
int      ms_classes_covered         (const guint  *counts,
                                     int           k,
                                     double        min_share,
                                     gboolean     *present);

/* 2-D mixtures -------------------------------------------------------------------------------*/

typedef struct _MsMixtureCoverage MsMixtureCoverage;

struct _MsMixtureCoverage
{
  int     k;
  int     n;              /* samples evaluated */
  int     n_hq;           /* samples within 3 std of their nearest centre */
  int     modes_covered;  /* centres that are the nearest centre of >= 1 HQ sample */
  double  hq_fraction;    /* n_hq / n, 0 when n = 0 */
  double  reverse_kl;     /* KL(q || p), q = HQ counts / n_hq, p = weights; NAN when n_hq = 0 */
  guint  *counts;         /* (k) HQ samples per centre (PacGAN's per-mode counts); owned */
};

#define MS_MIXTURE_HQ_SIGMAS 3.0

/* VEEGAN/PacGAN coverage (PAPERS.md section 0).  @centres (k, 2); @weights (k, nullable = equal,
 * normalised here); @xy (n, 2).  Samples with a non-finite coordinate are never HQ.  @out is
 * overwritten: call ms_mixture_coverage_clear() to free its counts. */
void     ms_mixture_coverage        (const float       *centres,
                                     const float       *weights,
                                     int                k,
                                     float              std,
                                     const float       *xy,
                                     int                n,
                                     MsMixtureCoverage *out);
void     ms_mixture_coverage_clear  (MsMixtureCoverage *cov);

/* Finite-sample KL noise floor ---------------------------------------------------------------*/

typedef struct _MsKlFloor MsKlFloor;

struct _MsKlFloor
{
  int     k;
  int     n_samples;
  int     trials;
  double  mean;
  double  median;
  double  p95;
  double  p99;
  double  asymptotic;   /* KL(ref || target) + (k - 1) / (2 N) */
};

#define MS_KL_FLOOR_DEFAULT_TRIALS 2000

/* The KL(p_hat || U_k) shown by a *perfect* generator whose N = @n_samples labels are a
 * multinomial draw from @ref (k, nullable = uniform; normalised here): Monte Carlo over @trials
 * draws (<= 0: MS_KL_FLOOR_DEFAULT_TRIALS) with splitmix64 seeded by @seed, so the same
 * arguments give the same numbers everywhere.  Percentiles interpolate linearly (numpy's
 * default).  Cost O(trials * (N + k)): a few ms for k = 10, N = 500, 2000 trials; results
 * are cached per argument set.  Returns FALSE (and leaves @out untouched) on invalid arguments. */
gboolean ms_kl_noise_floor          (const double *ref,
                                     int           k,
                                     int           n_samples,
                                     int           trials,
                                     guint64       seed,
                                     MsKlFloor    *out);

/* Same, measuring KL(p_hat || @target) (nullable = uniform) instead; use @target = @ref for the
 * floor of KL against the real label mix. */
gboolean ms_kl_noise_floor_full     (const double *ref,
                                     const double *target,
                                     int           k,
                                     int           n_samples,
                                     int           trials,
                                     guint64       seed,
                                     MsKlFloor    *out);

/* (k - 1) / (2 N): the large-N mean of KL(p_hat || p) (2N KL -> chi^2 with k - 1 dof). */
double   ms_kl_floor_asymptotic     (int           k,
                                     int           n_samples);

/* Sample diversity ---------------------------------------------------------------------------*/

/* Mean Euclidean distance between samples of @x (n, dim): over all pairs when n(n-1)/2 <=
 * @max_pairs (or @max_pairs <= 0), else over @max_pairs random pairs i != j drawn with
 * splitmix64(@seed).  0 when n < 2. */
double   ms_mean_pairwise_distance  (const float  *x,
                                     int           n,
                                     int           dim,
                                     int           max_pairs,
                                     guint64       seed);

/* Within-class version: pairs only between samples with the same @labels (n, values in [0, k),
 * others ignored), at most @max_pairs per class.  @per_class (k, nullable) receives each class's
 * mean distance, NAN for classes with fewer than 2 samples.  Returns the mean over those classes
 * weighted by their sample counts, NAN when none has 2 samples. */
double   ms_class_pairwise_distance (const float  *x,
                                     const int    *labels,
                                     int           n,
                                     int           dim,
                                     int           k,
                                     int           max_pairs,
                                     guint64       seed,
                                     double       *per_class);

typedef struct _MsDiversity MsDiversity;

struct _MsDiversity
{
  double  mean_ratio;       /* sum_c w_c r_c over the classes used, w_c = count share */
  int     worst_class;      /* class with the lowest r_c, -1 if none */
  double  worst_ratio;      /* its r_c, NAN if none */
  double  collapsed_share;  /* sum_c (n_c / N) ramp(r_c): share of samples in collapsed classes */
};

/* r_c = generated / real within-class distance; a class is used when it has >= @min_count
 * (at least 2) generated samples and both distances are finite with real > 0.  ramp(r) is 1 at
 * r <= MS_DIVERSITY_RATIO_COLLAPSED, 0 at r >= MS_DIVERSITY_RATIO_OK, linear between.  With
 * k = 1 and overall distances this grades "every sample alike".  See docs/metrics.md. */
#define MS_DIVERSITY_RATIO_OK        0.5
#define MS_DIVERSITY_RATIO_COLLAPSED 0.1

void     ms_diversity_summary       (const double *gen_per_class,
                                     const double *real_per_class,
                                     const guint  *gen_counts,
                                     int           k,
                                     guint         min_count,
                                     MsDiversity  *out);

/* The per-class collapse degree ramp(r) above, in [0, 1]; 0 for NAN. */
double   ms_diversity_ramp          (double        ratio);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MsMixtureCoverage, ms_mixture_coverage_clear)

G_END_DECLS
