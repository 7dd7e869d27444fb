/* ms-collapse.c: the mode-collapse indicator
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The score reads every signal as "how far from k equally used modes": missing classes
 * directly, the KL through the effective number of modes k exp(-KL), and look-alike samples
 * through the share of samples they affect.  Taking the maximum keeps the reason honest: the
 * line names whichever signal drove the state.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "ms-collapse.h"

/* More names than this read worse than a count ("7 of 10 digits present") */
#define MAX_NAMED_MISSING 6

struct _MsCollapseDetector
{
  MsCollapseState  state;
  MsCollapseState  pending;        /* candidate awaiting confirmation */
  int              pending_count;  /* consecutive evaluations that asked for a change */
  guint            n_evaluations;
  double           score;
  char            *reason;
};

static double
clamp01 (double x)
{
  return isnan (x) ? 0.0 : CLAMP (x, 0.0, 1.0);
}

static double
coverage_score (const MsCollapseInput *in)
{
  int m = CLAMP (in->modes_covered, 0, in->k);

  if (m >= in->k)
    return 0.0;
  /* Any missing class is at least partial collapse, also for k = 25 where one of 25 is
   * only 0.04 of the linear scale: a perfect generator does not lose a class at the
   * default threshold (docs/metrics.md). */
  return MAX (MS_COLLAPSE_PARTIAL_ENTER, (double) (in->k - MAX (m, 1)) / (in->k - 1));
}

static double
distribution_score (const MsCollapseInput *in)
{
  double floor = in->kl_floor > 0.0 && isfinite (in->kl_floor) ? in->kl_floor : 0.0;
  double excess, effective;

  if (isnan (in->kl))
    return 0.0;
  /* KL below the 99th percentile of a perfect generator's is noise, not collapse */
  excess = MAX (0.0, in->kl - floor);
  effective = in->k * exp (-excess);  /* perplexity: k exp(-KL(q || U)) = exp(H(q)) */
  return clamp01 ((in->k - effective) / (in->k - 1));
}

static double
diversity_score (const MsCollapseInput *in)
{
  const MsDiversity *d = in->diversity;
  double s;

  if (d == NULL)
    return 0.0;
  s = clamp01 (d->collapsed_share);
  /* One class of identical samples is partial collapse even when it holds < 10 % */
  if (d->worst_class >= 0 && d->worst_ratio <= MS_DIVERSITY_RATIO_COLLAPSED)
    s = MAX (s, MS_COLLAPSE_PARTIAL_ENTER);
  return s;
}

double
ms_collapse_score (const MsCollapseInput *input)
{
  g_return_val_if_fail (input != NULL, 0.0);

  if (input->k < 1)
    return 0.0;
  if (input->k == 1)   /* the only class missing is collapse; else only its variety counts */
    return input->modes_covered < 1 ? 1.0 : diversity_score (input);
  return MAX (coverage_score (input), MAX (distribution_score (input), diversity_score (input)));
}

MsCollapseState
ms_collapse_classify (MsCollapseState current,
                      double          score)
{
  switch (current)
    {
    case MS_COLLAPSE_COLLAPSED:
      if (score < MS_COLLAPSE_PARTIAL_LEAVE)
        return MS_COLLAPSE_HEALTHY;
      if (score < MS_COLLAPSE_COLLAPSED_LEAVE)
        return MS_COLLAPSE_PARTIAL;
      return MS_COLLAPSE_COLLAPSED;

    case MS_COLLAPSE_PARTIAL:
      if (score >= MS_COLLAPSE_COLLAPSED_ENTER)
        return MS_COLLAPSE_COLLAPSED;
      if (score < MS_COLLAPSE_PARTIAL_LEAVE)
        return MS_COLLAPSE_HEALTHY;
      return MS_COLLAPSE_PARTIAL;

    case MS_COLLAPSE_HEALTHY:
    default:
      if (score >= MS_COLLAPSE_COLLAPSED_ENTER)
        return MS_COLLAPSE_COLLAPSED;
      if (score >= MS_COLLAPSE_PARTIAL_ENTER)
        return MS_COLLAPSE_PARTIAL;
      return MS_COLLAPSE_HEALTHY;
    }
}

/* Reasons ------------------------------------------------------------------------------------*/

/* "a", "a and b", "a, b and c" */
static char *
join_names (const char * const *names,
            int                 n)
{
  GString *list = g_string_new (names[0]);

  for (int i = 1; i < n - 1; i++)
    {
      /* TRANSLATORS: separator between items of a list such as "1, 4 and 6" */
      g_string_append (list, C_("list", ", "));
      g_string_append (list, names[i]);
    }
  if (n >= 2)
    {
      g_autofree char *head = g_string_free (list, FALSE);

      /* TRANSLATORS: the last two items of a list, e.g. "1, 4" and "6" */
      return g_strdup_printf (_("%s and %s"), head, names[n - 1]);
    }
  return g_string_free (list, FALSE);
}

static char *
coverage_reason (const MsCollapseInput *in)
{
  int n_names = in->missing != NULL ? (int) g_strv_length ((char **) in->missing) : 0;
  int m = CLAMP (in->modes_covered, 0, in->k);

  if (m >= in->k)
    {
      switch (in->items)
        {
        case MS_COLLAPSE_ITEMS_DIGITS:
          return g_strdup (_("all digits present"));
        case MS_COLLAPSE_ITEMS_MODES:
          return g_strdup (_("all modes covered"));
        case MS_COLLAPSE_ITEMS_CLASSES:
        default:
          return g_strdup (_("all classes present"));
        }
    }

  if (n_names >= 1 && n_names <= MAX_NAMED_MISSING)
    {
      g_autofree char *list = join_names (in->missing, n_names);

      switch (in->items)
        {
        case MS_COLLAPSE_ITEMS_DIGITS:
          /* TRANSLATORS: %s is a list of digits, e.g. "4 and 6" */
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "digit %s missing",
                                               "digits %s missing", n_names), list);
        case MS_COLLAPSE_ITEMS_MODES:
          /* TRANSLATORS: %s is a list of mode numbers, e.g. "3 and 7" */
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "mode %s missing",
                                               "modes %s missing", n_names), list);
        case MS_COLLAPSE_ITEMS_CLASSES:
        default:
          /* TRANSLATORS: %s is a list of class names, e.g. "Sandal and Bag" */
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "class %s missing",
                                               "classes %s missing", n_names), list);
        }
    }

  switch (in->items)
    {
    case MS_COLLAPSE_ITEMS_DIGITS:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d of %d digit present",
                                           "%d of %d digits present", in->k), m, in->k);
    case MS_COLLAPSE_ITEMS_MODES:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d of %d mode covered",
                                           "%d of %d modes covered", in->k), m, in->k);
    case MS_COLLAPSE_ITEMS_CLASSES:
    default:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d of %d class present",
                                           "%d of %d classes present", in->k), m, in->k);
    }
}

static char *
kl_reason (const MsCollapseInput *in)
{
  if (isnan (in->kl))
    return NULL;
  if (!(in->kl_floor > 0.0) || !isfinite (in->kl_floor))
    return g_strdup_printf (_("KL %.3g"), in->kl);
  if (in->kl <= in->kl_floor)
    return g_strdup_printf (_("KL %.3g within the noise floor"), in->kl);
  if (isinf (in->kl))
    return g_strdup (_("KL infinite"));

  {
    double times = in->kl / in->kl_floor;

    /* TRANSLATORS: "KL 0.31 is 12x the noise floor": how many times the KL a perfect
     * generator would show by chance; keep the format directives */
    return g_strdup_printf (_("KL %.3g is %.*fx the noise floor"),
                            in->kl, times >= 10.0 ? 0 : 1, times);
  }
}

static char *
diversity_reason (const MsCollapseInput *in)
{
  const MsDiversity *d = in->diversity;

  if (d == NULL || d->worst_class < 0 || !(d->worst_ratio < MS_DIVERSITY_RATIO_OK))
    return NULL;
  /* A class too rare to count as present can still hold the few look-alike samples the
   * diversity measure sees; "missing" already says more, and both together read as a
   * contradiction ("digit 0 missing; samples of digit 0 look alike"). */
  if (in->least_diverse != NULL && in->missing != NULL
      && g_strv_contains (in->missing, in->least_diverse))
    return NULL;

  if (in->least_diverse == NULL)
    /* TRANSLATORS: within-class diversity of generated samples relative to real ones */
    return g_strdup_printf (_("samples look alike (diversity %.2f of real)"), d->worst_ratio);

  switch (in->items)
    {
    case MS_COLLAPSE_ITEMS_DIGITS:
      return g_strdup_printf (_("samples of digit %s look alike (diversity %.2f of real)"),
                              in->least_diverse, d->worst_ratio);
    case MS_COLLAPSE_ITEMS_MODES:
      return g_strdup_printf (_("samples of mode %s look alike (diversity %.2f of real)"),
                              in->least_diverse, d->worst_ratio);
    case MS_COLLAPSE_ITEMS_CLASSES:
    default:
      return g_strdup_printf (_("samples of class %s look alike (diversity %.2f of real)"),
                              in->least_diverse, d->worst_ratio);
    }
}

char *
ms_collapse_reason (const MsCollapseInput *input)
{
  g_autofree char *coverage = NULL;
  g_autofree char *kl = NULL;
  g_autofree char *diversity = NULL;
  const char *separator;
  GString *line;

  g_return_val_if_fail (input != NULL, NULL);

  /* TRANSLATORS: separator between the parts of the collapse reason */
  separator = C_("reason", "; ");
  diversity = diversity_reason (input);
  if (input->k == 1)
    {
      /* One class: present or not, and how varied; no KL against one class */
      const char *name = input->only_class != NULL ? input->only_class : "?";

      line = g_string_new (NULL);
      switch (input->items)
        {
        case MS_COLLAPSE_ITEMS_DIGITS:
          g_string_printf (line, _("the data set has one digit (%s): only the variety of its "
                                   "samples is judged"), name);
          break;
        case MS_COLLAPSE_ITEMS_MODES:
          g_string_printf (line, _("the data has one mode: only whether samples reach it is "
                                   "judged"));
          break;
        case MS_COLLAPSE_ITEMS_CLASSES:
        default:
          g_string_printf (line, _("the data set has one class (%s): only the variety of its "
                                   "samples is judged"), name);
          break;
        }
      if (input->modes_covered < 1)
        {
          coverage = coverage_reason (input);
          g_string_append_printf (line, "%s%s", separator, coverage);
        }
      if (diversity != NULL)
        g_string_append_printf (line, "%s%s", separator, diversity);
      return g_string_free (line, FALSE);
    }

  coverage = coverage_reason (input);
  kl = kl_reason (input);

  line = g_string_new (NULL);
  if (input->k_all > input->k)
    {
      g_string_append_printf (line, g_dngettext (GETTEXT_PACKAGE,
                                                 "the data set has %d of the %d classes",
                                                 "the data set has %d of the %d classes",
                                                 (gulong) input->k_all),
                              input->k, input->k_all);
      g_string_append (line, separator);
    }
  g_string_append (line, coverage);
  if (kl != NULL)
    g_string_append_printf (line, "%s%s", separator, kl);
  if (diversity != NULL)
    g_string_append_printf (line, "%s%s", separator, diversity);
  return g_string_free (line, FALSE);
}

const char *
ms_collapse_state_to_string (MsCollapseState state)
{
  switch (state)
    {
    case MS_COLLAPSE_HEALTHY:
      return "healthy";
    case MS_COLLAPSE_PARTIAL:
      return "partial";
    case MS_COLLAPSE_COLLAPSED:
      return "collapsed";
    default:
      g_return_val_if_reached ("healthy");
    }
}

const char *
ms_collapse_state_get_label (MsCollapseState state)
{
  switch (state)
    {
    case MS_COLLAPSE_HEALTHY:
      return _("Healthy");
    case MS_COLLAPSE_PARTIAL:
      return _("Partial collapse");
    case MS_COLLAPSE_COLLAPSED:
      return _("Collapsed");
    default:
      g_return_val_if_reached ("");
    }
}

/* The detector -------------------------------------------------------------------------------*/

MsCollapseDetector *
ms_collapse_detector_new (void)
{
  MsCollapseDetector *det = g_new0 (MsCollapseDetector, 1);

  ms_collapse_detector_reset (det);
  return det;
}

void
ms_collapse_detector_free (MsCollapseDetector *det)
{
  if (det == NULL)
    return;
  g_free (det->reason);
  g_free (det);
}

void
ms_collapse_detector_reset (MsCollapseDetector *det)
{
  g_return_if_fail (det != NULL);

  det->state = MS_COLLAPSE_HEALTHY;
  det->pending = MS_COLLAPSE_HEALTHY;
  det->pending_count = 0;
  det->n_evaluations = 0;
  det->score = 0.0;
  g_free (det->reason);
  det->reason = g_strdup ("");
}

MsCollapseState
ms_collapse_detector_feed (MsCollapseDetector    *det,
                           const MsCollapseInput *input)
{
  MsCollapseState candidate;

  g_return_val_if_fail (det != NULL, MS_COLLAPSE_HEALTHY);
  g_return_val_if_fail (input != NULL, det->state);

  det->score = ms_collapse_score (input);
  g_free (det->reason);
  det->reason = ms_collapse_reason (input);
  candidate = ms_collapse_classify (det->state, det->score);

  if (det->n_evaluations++ == 0)
    {
      /* Nothing to flicker from yet */
      det->state = det->pending = candidate;
      det->pending_count = 0;
      return det->state;
    }

  if (candidate == det->state)
    {
      det->pending = det->state;
      det->pending_count = 0;
      return det->state;
    }

  if (det->pending_count > 0 && (det->pending > det->state) == (candidate > det->state))
    {
      /* Same direction as the previous request: confirm the milder of the two, so
       * "collapsed, then partial" after healthy lands on partial */
      det->pending = candidate > det->state ? MIN (det->pending, candidate)
                                            : MAX (det->pending, candidate);
      det->pending_count++;
    }
  else
    {
      det->pending = candidate;
      det->pending_count = 1;
    }

  if (det->pending_count >= MS_COLLAPSE_CONFIRMATIONS)
    {
      det->state = det->pending;
      det->pending_count = 0;
    }
  return det->state;
}

MsCollapseState
ms_collapse_detector_get_state (MsCollapseDetector *det)
{
  g_return_val_if_fail (det != NULL, MS_COLLAPSE_HEALTHY);
  return det->state;
}

MsCollapseState
ms_collapse_detector_get_pending (MsCollapseDetector *det)
{
  g_return_val_if_fail (det != NULL, MS_COLLAPSE_HEALTHY);
  return det->pending_count > 0 ? det->pending : det->state;
}

double
ms_collapse_detector_get_score (MsCollapseDetector *det)
{
  g_return_val_if_fail (det != NULL, 0.0);
  return det->score;
}

const char *
ms_collapse_detector_get_reason (MsCollapseDetector *det)
{
  g_return_val_if_fail (det != NULL, "");
  return det->reason;
}

guint
ms_collapse_detector_get_n_evaluations (MsCollapseDetector *det)
{
  g_return_val_if_fail (det != NULL, 0);
  return det->n_evaluations;
}
