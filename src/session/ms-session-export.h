/* ms-session-export.h: a session's metrics as CSV, JSON and text, for the CLI and the window
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One writer for both front ends, so `modescope-cli train --csv/--json` and the window's
 * exports have the same format:
 *
 *  - CSV: header iter,loss_d,loss_g,is,is_std,kl,kl_ref,kl_floor,modes,k,hq,diversity,
 *    collapse_score,collapse and one row per evaluation (k: what modes counts out of, the
 *    classes or modes of the real data: 1 for a folder of one digit).  A metric that does not apply to the
 *    dataset is an empty field (is, is_std and diversity for 2-D data, hq for images); one
 *    that applies but is undefined this time is "nan".  Numbers are "%.9g" in the C locale.
 *  - JSON: {"settings": {...}, "evaluations": [...], "events": [...], "final": {...}} with
 *    the same metrics (null where the CSV has an empty field or nan).
 *
 * The window exports from an MsSessionHistory: a copy of a session's history taken on the
 * main thread (ms_session_history_new()), immutable afterwards, so a GTask worker writes it
 * while training goes on.
 *
 *   g_autoptr(MsSessionHistory) h = ms_session_history_new (session);   // main thread
 *   g_autofree char *csv = ms_session_history_to_csv (h);               // any thread
 */
#pragma once

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_METRICS_CSV_HEADER "iter,loss_d,loss_g,is,is_std,kl,kl_ref,kl_floor,modes,k,hq," \
                              "diversity,collapse_score,collapse"

/* One line of the JSON's "events" list */
typedef struct
{
  gint64       iteration;
  const char  *what;
} MsMetricsEvent;

/* Everything the JSON report says.  Strings and arrays are borrowed. */
typedef struct
{
  const MsSessionSettings   *settings;      /* the CLI: this invocation's starting settings;
                                             * the window: the active ones */
  const char                *dataset;
  const char                *arch;
  gint64                     iters;         /* iterations asked for (the window: done) */
  int                        threads;       /* engine threads */
  const MsSessionEvaluation *evaluations;
  guint                      n_evaluations;
  const MsMetricsEvent      *events;
  guint                      n_events;
  const char                *status;        /* "completed", "diverged", or the window's "paused" / "running" */
  gint64                     iterations;    /* iterations done */
  MsGanStats                 stats;         /* the final losses */
  double                     seconds;       /* NAN (null) when unknown */
  const char                *reason;        /* the collapse detector's, nullable */
  /* What the command line was given, null in the window */
  const char                *schedule;
  const char                *json;
  const char                *csv;
  const char                *resume;
  const char                *snapshot;
  const char                *grid;
} MsMetricsReport;

/* (transfer full) The CSV of @n evaluations, header included.  Any thread. */
char   *ms_metrics_format_csv     (const MsSessionEvaluation *evaluations,
                                   guint                      n);
/* (transfer full) The JSON report, ending with a newline.  Any thread. */
char   *ms_metrics_format_json    (const MsMetricsReport     *report);

/* Session history ---------------------------------------------------------------------- */

typedef struct _MsSessionHistory MsSessionHistory;

/* (transfer full) A copy of everything @session has delivered: the latest frame (a
 * reference), the curve, the events, the evaluations and the branches.  Main thread; the
 * copy is immutable and may be read from any thread.  NULL if no frame was delivered yet. */
MsSessionHistory    *ms_session_history_new          (MsSession        *session);
MsSessionHistory    *ms_session_history_ref          (MsSessionHistory *history);
void                 ms_session_history_unref        (MsSessionHistory *history);

/* (transfer none) The latest frame */
const MsFrame       *ms_session_history_get_frame    (MsSessionHistory *history);
const MsCurvePoint  *ms_session_history_get_curve    (MsSessionHistory *history,
                                                      guint            *n_points);
const MsSessionEvent *ms_session_history_get_events  (MsSessionHistory *history,
                                                      guint            *n_events);
const MsSessionEvaluation *ms_session_history_get_evaluations (MsSessionHistory *history,
                                                      guint            *n_evaluations);
guint                ms_session_history_get_n_branches (MsSessionHistory *history);
const MsCurvePoint  *ms_session_history_get_branch   (MsSessionHistory *history,
                                                      guint             index,
                                                      guint            *n_points);

/* (transfer full) The same CSV as modescope-cli --csv */
char                *ms_session_history_to_csv       (MsSessionHistory *history);
/* (transfer full) The same JSON as modescope-cli --json; events are the session's (every
 * applied command, with its label), status "paused" or "running", seconds null. */
char                *ms_session_history_to_json      (MsSessionHistory *history);
/* (transfer full) "key: value" lines: the active settings, as the JSON's "settings" names them */
char                *ms_session_history_to_settings_text (MsSessionHistory *history);
/* (transfer full) One "iteration<TAB>label" line per event */
char                *ms_session_history_to_events_text (MsSessionHistory *history);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSessionHistory, ms_session_history_unref)

G_END_DECLS
