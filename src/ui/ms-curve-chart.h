/* ms-curve-chart.h: one metric over the run's iterations, with its events
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Follows an MsSession: on each new frame it reads the whole curve, the events and the earlier
 * branches, prepares them (MsPlotCurves) and redraws once.  Hovering shows the values at the
 * nearest iteration.  Main thread only.
 */
#pragma once

#include <gtk/gtk.h>

#include "ms-plot.h"
#include "ms-session.h"
#include "ms-view-common.h"

G_BEGIN_DECLS

#define MS_TYPE_CURVE_CHART (ms_curve_chart_get_type ())

G_DECLARE_FINAL_TYPE (MsCurveChart, ms_curve_chart, MS, CURVE_CHART, GtkWidget)

GtkWidget   *ms_curve_chart_new           (MsCurveKind   kind);
MsCurveKind  ms_curve_chart_get_kind      (MsCurveChart *self);
/* Follows @session (nullable: shows nothing); keeps a reference */
void         ms_curve_chart_set_session   (MsCurveChart *self,
                                           MsSession    *session);
/* (transfer none) */
MsSession   *ms_curve_chart_get_session   (MsCurveChart *self);
/* Fixes the iteration axis so several charts line up; min >= max: automatic */
void         ms_curve_chart_set_x_range   (MsCurveChart *self,
                                           gint64        min,
                                           gint64        max);
/* Points of the current branch the chart holds (for tests) */
guint        ms_curve_chart_get_n_points  (MsCurveChart *self);
/* (transfer none) The prepared curves, e.g. for export with ms_plot_curves_draw() */
MsPlotCurves *ms_curve_chart_get_curves   (MsCurveChart *self);
void         ms_curve_chart_set_presenter (MsCurveChart *self,
                                           gboolean      presenter);
gboolean     ms_curve_chart_get_presenter (MsCurveChart *self);

G_END_DECLS
