/* ms-view-common.h: what the dashboard's view widgets share
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ms-plot.h"

G_BEGIN_DECLS

#define MS_TYPE_CURVE_KIND (ms_curve_kind_get_type ())

/* MsCurveKind as a GEnum, for the "kind" property of MsCurveChart */
GType    ms_curve_kind_get_type   (void) G_GNUC_CONST;

/* A plot style matching @widget's current colours: dark when its CSS foreground colour is
 * light (AdwStyleManager's dark style, or a dark theme), large when @presenter. */
void     ms_view_style_init       (GtkWidget   *widget,
                                   gboolean     presenter,
                                   MsPlotStyle *style);

/* A css_changed vfunc for the views: chains up and renders again (ms-view-renderer.h) only
 * when the style switched between light and dark (hover and focus changes do not) */
void     ms_view_css_changed      (GtkWidget         *widget,
                                   GtkCssStyleChange *change);

/* Appends one Cairo node covering @widget and returns its context (the caller draws and
 * cairo_destroy()s it); NULL when the widget has no size. */
cairo_t *ms_view_begin_cairo      (GtkWidget   *widget,
                                   GtkSnapshot *snapshot);

/* Sets the accessible label and description (both may be NULL: unchanged) */
void     ms_view_set_accessible   (GtkWidget   *widget,
                                   const char  *label,
                                   const char  *description);

/* "3, 7 and 8": the names of the real data's classes with !present[c] (classes the data
 * lacks are not missing: ms_plot_class_in_data()), (transfer full); NULL if none */
char    *ms_view_missing_names    (const MsFrame *frame,
                                   guint         *n_missing);

G_END_DECLS
