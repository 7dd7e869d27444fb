/* ms-plot-dashboard.h: the whole dashboard, or one of its views, as an exported figure
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An MsPlotDashboard prepares the view painters of ms-plot.h (the screen's drawing code) from
 * an MsSessionHistory and paints either one view or all of them in the window's layout, with
 * a caption of the run's settings below.  The figure's size is independent of the window's:
 * text and lines grow with it, so a 1920x1080 slide and a 4000x3000 poster look alike.
 *
 *   g_autoptr(MsSessionHistory) history = ms_session_history_new (session);   // main thread
 *   // in a GTask worker:
 *   MsPlotDashboard *d = ms_plot_dashboard_new (history, FALSE);
 *   ms_plot_dashboard_write (d, MS_PLOT_VIEW_DASHBOARD, "run.pdf", "pdf", 1920, 1080, &error);
 *   ms_plot_dashboard_free (d);
 *
 * Threading: one dashboard is used by one thread at a time; it only reads the history.
 */
#pragma once

#include "ms-plot.h"
#include "ms-session-export.h"

G_BEGIN_DECLS

typedef enum
{
  MS_PLOT_VIEW_DASHBOARD,
  MS_PLOT_VIEW_GRID,        /* images: the sample grid */
  MS_PLOT_VIEW_HISTOGRAM,   /* images: the class mix */
  MS_PLOT_VIEW_SCATTER,     /* 2-D data: the points over D's output */
  MS_PLOT_VIEW_KL,
  MS_PLOT_VIEW_IS,
  MS_PLOT_VIEW_LOSS,
  MS_PLOT_VIEW_MODES,
  MS_PLOT_VIEW_COLLAPSE,    /* the collapse badge over the strip */
  MS_PLOT_N_VIEWS
} MsPlotView;

/* "dashboard", "grid", "histogram", "scatter", "kl", "is", "loss", "modes", "collapse": file
 * names of the bundle and names for tests */
const char      *ms_plot_view_to_string   (MsPlotView   view);
gboolean         ms_plot_view_from_string (const char  *name,
                                           MsPlotView  *view);
/* (transfer none) Translated, e.g. "Class Mix" */
const char      *ms_plot_view_get_title   (MsPlotView   view);
/* Whether @view shows something for image (!@is_2d) or 2-D data */
gboolean         ms_plot_view_applies     (MsPlotView   view,
                                           gboolean     is_2d);

typedef struct _MsPlotDashboard MsPlotDashboard;

/* (transfer full) Prepares every view from @history (a reference is kept); @dark: light text
 * on a dark background.  Any thread. */
MsPlotDashboard *ms_plot_dashboard_new    (MsSessionHistory *history,
                                           gboolean          dark);
void             ms_plot_dashboard_free   (MsPlotDashboard  *dashboard);
/* Paints @view at @width x @height, background and caption included */
void             ms_plot_dashboard_paint  (MsPlotDashboard  *dashboard,
                                           MsPlotView        view,
                                           cairo_t          *cr,
                                           double            width,
                                           double            height);
/* ms_plot_write() of ms_plot_dashboard_paint(): atomic, FALSE with an error naming the file */
gboolean         ms_plot_dashboard_write  (MsPlotDashboard  *dashboard,
                                           MsPlotView        view,
                                           const char       *path,
                                           const char       *format,
                                           double            width,
                                           double            height,
                                           GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsPlotDashboard, ms_plot_dashboard_free)

G_END_DECLS
