/* ms-evaluate.h: one evaluation of a generator, the same for the window and the CLI
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An MsEvaluator knows the reference (the test split's class mix and within-class diversity,
 * or the mixture's centres) and turns a batch of samples into every metric ModeScope shows:
 *
 *   MsEvaluator *ev = ms_evaluator_new_images (classifier, test_set, "mnist");
 *   MsEvaluation e;
 *   ms_evaluator_run (ev, samples, 500, &e);        // samples (500, 1, 28, 28) in [-1, 1]
 *   g_autofree char *line = ms_evaluation_format (&e);   // "is=9.88 is_std=0.06 kl=0.0004 ..."
 *
 * Threading: an evaluator belongs to one thread (it runs the classifier).
 */
#pragma once

#include "ms-classifier.h"
#include "ms-collapse.h"
#include "ms-idx.h"
#include "ms-metrics.h"
#include "ms-mixture.h"

G_BEGIN_DECLS

#define MS_EVAL_MAX_CLASSES 32

typedef struct _MsEvaluator  MsEvaluator;
typedef struct _MsEvaluation MsEvaluation;

struct _MsEvaluation
{
  gboolean        is_2d;
  int             n;                              /* samples evaluated */
  int             k;                              /* classes or modes */
  int             k_data;                         /* of those, the real data's (0: all k,
                                                   * e.g. an evaluation from an older file) */
  guint           counts[MS_EVAL_MAX_CLASSES];    /* hard labels, or HQ samples per mode */
  gboolean        present[MS_EVAL_MAX_CLASSES];   /* class drawn / mode covered; modes_covered
                                                   * counts only the real data's classes */
  int             modes_covered;
  /* A data set of 2 <= k_data < k classes (digits 3, 5 and 7): kl_uniform, kl_reference and
   * the floor are over its own classes, from the samples that fell in them (all three NaN
   * when none did); one class (k_data == 1): kl_reference is NaN (no mix to compare), kl_uniform and the
   * floor stay over all k. */
  double          kl_uniform;                     /* KL(generated || uniform) of the histogram */
  double          kl_reference;                   /* KL(generated || real class mix); 2-D: reverse KL */
  double          kl_floor_mean;                  /* a perfect generator's KL for this N */
  double          kl_floor_p99;
  double          is_mean;                        /* Inception Score, 10 splits (images) */
  double          is_std;
  double          hq_fraction;                    /* 2-D: share within 3 std of a centre */
  double          diversity;                      /* within-class diversity vs real (1 = same) */
  MsDiversity     diversity_detail;
  double          collapse_score;                 /* this evaluation alone, 0..1 */
  MsCollapseState collapse_state;                 /* this evaluation alone (no hysteresis) */
  char            reason[256];
};

/* @test: the real reference (class mix, within-class diversity); @dataset_kind "mnist" words
 * classes as digits.  Both are borrowed and must outlive the evaluator. */
MsEvaluator *ms_evaluator_new_images (MsClassifier    *classifier,
                                      const MsDataset *test,
                                      const char      *dataset_kind);
MsEvaluator *ms_evaluator_new_mixture (const MsMixture *mixture);
void         ms_evaluator_free        (MsEvaluator     *ev);
int          ms_evaluator_n_classes   (MsEvaluator     *ev);
const char  *ms_evaluator_class_name  (MsEvaluator     *ev,
                                       int              i);
/* The real data's share of class / mode @i (the reference KL compares against) */
double       ms_evaluator_reference_share (MsEvaluator *ev,
                                       int              i);
/* Images: the classifier's predicted class of each of @n samples into @labels; 2-D: the
 * nearest mode when within 3 std of it, else -1. */
void         ms_evaluator_classify    (MsEvaluator     *ev,
                                       const float     *samples,
                                       int              n,
                                       gint8           *labels);
void         ms_evaluator_run         (MsEvaluator     *ev,
                                       const float     *samples,
                                       int              n,
                                       MsEvaluation    *out);
/* Feeds @e to a detector and returns its (hysteresis) state; fills the same input the
 * evaluation's own score used. */
MsCollapseState ms_evaluator_feed_detector (MsEvaluator          *ev,
                                            const MsEvaluation   *e,
                                            MsCollapseDetector   *detector);
/* key=value on one line, as modescope-cli prints it: images "is=... is_std=... kl=...
 * kl_ref=... modes=a/b collapse=...", 2-D "modes=a/b hq=... kl=... collapse=...".  b is the
 * number of classes the real data has (k_data): a folder of one digit gives modes=1/1. */
char        *ms_evaluation_format     (const MsEvaluation *e);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsEvaluator, ms_evaluator_free)

G_END_DECLS
