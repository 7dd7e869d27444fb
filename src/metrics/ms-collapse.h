/* ms-collapse.h: the mode-collapse indicator, one evaluation at a time
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   g_autoptr(MsCollapseDetector) det = ms_collapse_detector_new ();
 *   const char *missing[] = { "4", "6", NULL };
 *   MsCollapseInput in = {
 *     .items = MS_COLLAPSE_ITEMS_DIGITS, .k = 10, .modes_covered = 8,
 *     .kl = 0.31, .kl_floor = floor.p99, .missing = missing,
 *   };
 *   ms_collapse_detector_feed (det, &in);
 *   ms_collapse_detector_get_reason (det);   // "digits 4 and 6 missing; KL 0.31 is 14x the …"
 *
 * score = max(coverage, distribution, diversity) in [0, 1]; the state follows the score with
 * separate enter/leave thresholds *and* two consecutive evaluations to change.  Exact
 * definitions and the reasons for the numbers: docs/metrics.md.
 *
 * Threading: a detector belongs to one thread (the trainer's); the pure functions are
 * thread-safe.
 */
#pragma once

#include <glib.h>

#include "ms-metrics.h"

G_BEGIN_DECLS

typedef enum
{
  MS_COLLAPSE_HEALTHY,
  MS_COLLAPSE_PARTIAL,
  MS_COLLAPSE_COLLAPSED,
} MsCollapseState;

/* What the k categories are called in the reason ("digits 4 and 6 missing") */
typedef enum
{
  MS_COLLAPSE_ITEMS_CLASSES,   /* Fashion-MNIST, user folders: "classes Sandal and Bag missing" */
  MS_COLLAPSE_ITEMS_DIGITS,    /* MNIST */
  MS_COLLAPSE_ITEMS_MODES,     /* 2-D mixtures, stacked MNIST */
} MsCollapseItems;

typedef struct _MsCollapseInput MsCollapseInput;

/* One evaluation.  Zero-initialise, then fill what was measured. */
struct _MsCollapseInput
{
  MsCollapseItems      items;
  int                  k;              /* classes or modes, >= 1 (see k_all) */
  int                  modes_covered;  /* ms_classes_covered() or MsMixtureCoverage */
  double               kl;             /* KL(generated || uniform), or vs the reference mix;
                                        * NAN if not measured */
  double               kl_floor;       /* MsKlFloor.p99 for this N and reference; <= 0 unknown */
  const MsDiversity   *diversity;      /* nullable: within-class diversity vs real data */
  const char * const  *missing;        /* nullable, NULL-terminated names of missing classes */
  const char          *least_diverse;  /* nullable: name of diversity->worst_class */
  /* A data set without some of the classes the classifier knows (a folder of one digit):
   * @k counts the data set's classes only, @k_all the classifier's (0: the same as @k).  With
   * k = 1 only the diversity is judged (coverage and KL say nothing about one class), and
   * @only_class names it. */
  int                  k_all;
  const char          *only_class;
};

/* Score thresholds of the state machine (docs/metrics.md, "Collapse indicator") */
#define MS_COLLAPSE_PARTIAL_ENTER    0.10
#define MS_COLLAPSE_PARTIAL_LEAVE    0.06
#define MS_COLLAPSE_COLLAPSED_ENTER  0.60
#define MS_COLLAPSE_COLLAPSED_LEAVE  0.50
/* Consecutive evaluations needed to change state */
#define MS_COLLAPSE_CONFIRMATIONS    2

/* The instantaneous score of one evaluation, in [0, 1] (0 healthy, 1 one mode only). */
double           ms_collapse_score                (const MsCollapseInput *input);

/* The state @input alone would put a detector in when it is currently in @current (the
 * enter/leave thresholds, without the confirmation count). */
MsCollapseState  ms_collapse_classify             (MsCollapseState        current,
                                                   double                 score);

/* One translatable line describing @input.  Returns (transfer full). */
char            *ms_collapse_reason               (const MsCollapseInput *input);

/* Stable identifiers for files: "healthy", "partial", "collapsed".  (transfer none) */
const char      *ms_collapse_state_to_string      (MsCollapseState        state);
/* Translated labels for the UI: "Healthy", "Partial collapse", "Collapsed".  (transfer none) */
const char      *ms_collapse_state_get_label      (MsCollapseState        state);

typedef struct _MsCollapseDetector MsCollapseDetector;

/* Returns (transfer full) a detector with no evaluation yet (state HEALTHY, score 0). */
MsCollapseDetector *ms_collapse_detector_new      (void);
void             ms_collapse_detector_free        (MsCollapseDetector    *det);
/* Forgets every evaluation (e.g. after the session resets the networks). */
void             ms_collapse_detector_reset       (MsCollapseDetector    *det);

/* Feeds one evaluation and returns the (debounced) state.  The first evaluation sets the
 * state directly; later changes need MS_COLLAPSE_CONFIRMATIONS evaluations in a row. */
MsCollapseState  ms_collapse_detector_feed        (MsCollapseDetector    *det,
                                                   const MsCollapseInput *input);

MsCollapseState  ms_collapse_detector_get_state   (MsCollapseDetector    *det);
/* The state a change is waiting to be confirmed for; the current state when none. */
MsCollapseState  ms_collapse_detector_get_pending (MsCollapseDetector    *det);
/* Score of the latest evaluation (not debounced). */
double           ms_collapse_detector_get_score   (MsCollapseDetector    *det);
/* Reason for the latest evaluation; (transfer none), valid until the next feed or reset.
 * "" before the first evaluation. */
const char      *ms_collapse_detector_get_reason  (MsCollapseDetector    *det);
guint            ms_collapse_detector_get_n_evaluations (MsCollapseDetector *det);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsCollapseDetector, ms_collapse_detector_free)

G_END_DECLS
