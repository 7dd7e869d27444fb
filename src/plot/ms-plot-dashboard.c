/* ms-plot-dashboard.c: the whole dashboard, or one of its views, as an exported figure
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The layout follows the window's: the samples (or the 2-D points) and the class mix on top
 * beside the collapse verdict, the four curves below on one iteration axis.  Figures are
 * painted at a "logical" size near the screen's and scaled up, so fonts and lines keep their
 * proportion at any export size.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ms-plot-dashboard.h"
#include "ms-plot-private.h"

static const char * const view_names[MS_PLOT_N_VIEWS] = {
  "dashboard", "grid", "histogram", "scatter", "kl", "is", "loss", "modes", "collapse",
};

const char *
ms_plot_view_to_string (MsPlotView view)
{
  g_return_val_if_fail ((guint) view < MS_PLOT_N_VIEWS, NULL);
  return view_names[view];
}

gboolean
ms_plot_view_from_string (const char *name,
                          MsPlotView *view)
{
  g_return_val_if_fail (view != NULL, FALSE);

  for (guint i = 0; name != NULL && i < MS_PLOT_N_VIEWS; i++)
    if (g_ascii_strcasecmp (name, view_names[i]) == 0)
      {
        *view = (MsPlotView) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ms_plot_view_get_title (MsPlotView view)
{
  switch (view)
    {
    case MS_PLOT_VIEW_DASHBOARD:
      return _("Whole Dashboard");
    case MS_PLOT_VIEW_GRID:
      return _("Samples");
    case MS_PLOT_VIEW_HISTOGRAM:
      return _("Class Mix");
    case MS_PLOT_VIEW_SCATTER:
      return _("Points");
    case MS_PLOT_VIEW_KL:
      return _("KL Divergence");
    case MS_PLOT_VIEW_IS:
      return _("Inception Score");
    case MS_PLOT_VIEW_LOSS:
      return _("Losses");
    case MS_PLOT_VIEW_MODES:
      return _("Modes Covered");
    case MS_PLOT_VIEW_COLLAPSE:
      return _("Collapse Indicator");
    case MS_PLOT_N_VIEWS:
    default:
      return "?";
    }
}

gboolean
ms_plot_view_applies (MsPlotView view,
                      gboolean   is_2d)
{
  switch (view)
    {
    case MS_PLOT_VIEW_GRID:
    case MS_PLOT_VIEW_HISTOGRAM:
    case MS_PLOT_VIEW_IS:
      return !is_2d;
    case MS_PLOT_VIEW_SCATTER:
      return is_2d;
    case MS_PLOT_VIEW_DASHBOARD:
    case MS_PLOT_VIEW_KL:
    case MS_PLOT_VIEW_LOSS:
    case MS_PLOT_VIEW_MODES:
    case MS_PLOT_VIEW_COLLAPSE:
      return TRUE;
    case MS_PLOT_N_VIEWS:
    default:
      return FALSE;
    }
}

#define N_CURVES 4

struct _MsPlotDashboard
{
  MsSessionHistory *history;
  const MsFrame    *frame;
  MsPlotStyle       style;
  MsPlotCurves     *curves[N_CURVES];   /* KL, IS, loss, modes */
  GArray           *evaluated;          /* MsCurvePoint with has_eval, for the strip */
  gint64            x_max;
  char             *caption;
};

static const MsCurveKind curve_kinds[N_CURVES] = {
  MS_CURVE_KL, MS_CURVE_IS, MS_CURVE_LOSS, MS_CURVE_MODES,
};

MsPlotDashboard *
ms_plot_dashboard_new (MsSessionHistory *history,
                       gboolean          dark)
{
  MsPlotDashboard *self;
  const MsCurvePoint *points;
  const MsSessionEvent *events;
  guint n = 0, n_events = 0;

  g_return_val_if_fail (history != NULL, NULL);

  self = g_new0 (MsPlotDashboard, 1);
  self->history = ms_session_history_ref (history);
  self->frame = ms_session_history_get_frame (history);
  ms_plot_style_init (&self->style, dark, FALSE);
  self->style.fill_background = TRUE;
  self->caption = ms_plot_caption (self->frame);

  points = ms_session_history_get_curve (history, &n);
  events = ms_session_history_get_events (history, &n_events);
  /* One iteration axis for every chart, as in the window: the run's, or an earlier
   * branch's when a restore went back */
  self->x_max = MAX (self->frame->iteration, 1);
  for (guint b = 0; b < ms_session_history_get_n_branches (history); b++)
    {
      guint bn = 0;
      const MsCurvePoint *bp = ms_session_history_get_branch (history, b, &bn);

      if (bn > 0)
        self->x_max = MAX (self->x_max, bp[bn - 1].iteration);
    }
  for (int i = 0; i < N_CURVES; i++)
    {
      self->curves[i] = ms_plot_curves_new (curve_kinds[i]);
      ms_plot_curves_update (self->curves[i], points, n, events, n_events, self->frame);
      for (guint b = 0; b < ms_session_history_get_n_branches (history); b++)
        {
          guint bn = 0;
          const MsCurvePoint *bp = ms_session_history_get_branch (history, b, &bn);

          if (bn > 0)
            ms_plot_curves_add_branch (self->curves[i], bp, bn);
        }
      ms_plot_curves_set_x_range (self->curves[i], 0, self->x_max);
    }
  self->evaluated = g_array_new (FALSE, FALSE, sizeof (MsCurvePoint));
  for (guint i = 0; i < n; i++)
    if (points[i].has_eval)
      g_array_append_val (self->evaluated, points[i]);
  return self;
}

void
ms_plot_dashboard_free (MsPlotDashboard *self)
{
  if (self == NULL)
    return;
  for (int i = 0; i < N_CURVES; i++)
    ms_plot_curves_free (self->curves[i]);
  g_array_unref (self->evaluated);
  g_free (self->caption);
  ms_session_history_unref (self->history);
  g_free (self);
}

/* Paints @view's own plot into (0, 0, w, h) */
static void
paint_plot (MsPlotDashboard *self,
            MsPlotView       view,
            cairo_t         *cr,
            double           w,
            double           h)
{
  const MsPlotStyle *style = &self->style;
  const MsFrame *frame = self->frame;

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  switch (view)
    {
    case MS_PLOT_VIEW_GRID:
      ms_plot_sample_grid (cr, w, h, frame, style, FALSE);
      break;
    case MS_PLOT_VIEW_HISTOGRAM:
      ms_plot_class_histogram (cr, w, h, frame, style);
      break;
    case MS_PLOT_VIEW_SCATTER:
      ms_plot_scatter (cr, w, h, frame, style);
      break;
    case MS_PLOT_VIEW_KL:
    case MS_PLOT_VIEW_IS:
    case MS_PLOT_VIEW_LOSS:
    case MS_PLOT_VIEW_MODES:
      {
        MsPlotCurves *curves = self->curves[view - MS_PLOT_VIEW_KL];

        ms_plot_curves_set_columns (curves, (guint) MAX (w, 16));
        ms_plot_curves_draw (curves, cr, w, h, style, -1);
      }
      break;
    case MS_PLOT_VIEW_COLLAPSE:
      {
        double font = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
        double strip_h = MIN (MAX (2 * font, h * 0.15), h / 3);
        double badge_h = MIN (h - strip_h, 6 * font);

        /* The verdict with the strip right under it; a tall figure keeps space below */
        if (frame->has_evaluation || self->evaluated->len > 0)
          ms_plot_collapse_badge (cr, w, badge_h, frame->collapse_state,
                                  frame->collapse_reason, style);
        else
          ms_plot_collapse_badge_pending (cr, w, badge_h,
                                          _("Waiting for the first evaluation"), style);
        cairo_translate (cr, 0, badge_h);
        ms_plot_collapse_strip (cr, w, strip_h,
                                (const MsCurvePoint *) (gpointer) self->evaluated->data,
                                self->evaluated->len, 0, self->x_max, style);
      }
      break;
    case MS_PLOT_VIEW_DASHBOARD:
    case MS_PLOT_N_VIEWS:
    default:
      break;
    }
  cairo_restore (cr);
}

/* A view's heading above it (the charts draw their own titles) */
static gboolean
has_heading (MsPlotView view)
{
  return view == MS_PLOT_VIEW_GRID || view == MS_PLOT_VIEW_HISTOGRAM
         || view == MS_PLOT_VIEW_SCATTER || view == MS_PLOT_VIEW_COLLAPSE;
}

/* @view in a card at (x, y, w, h): its heading, then the plot */
static void
paint_card (MsPlotDashboard *self,
            MsPlotView       view,
            cairo_t         *cr,
            double           x,
            double           y,
            double           w,
            double           h)
{
  const MsPlotStyle *style = &self->style;
  double head = 0;

  if (w < 4 || h < 4)
    return;
  cairo_save (cr);
  cairo_translate (cr, x, y);
  if (has_heading (view))
    {
      g_autofree char *title = NULL;

      head = 1.8 * _ms_plot_font_px (style, MS_PLOT_FONT_TITLE);
      _ms_plot_font (cr, style, MS_PLOT_FONT_TITLE, TRUE);
      _ms_plot_set_color (cr, style->foreground);
      title = _ms_plot_elide (cr, ms_plot_view_get_title (view), w);
      _ms_plot_text (cr, 0, head / 2, 0, 0.5, title);
      cairo_translate (cr, 0, head);
    }
  paint_plot (self, view, cr, w, h - head);
  cairo_restore (cr);
}

/* Whether the events list shows @kind: what changed the run, not the play controls */
static gboolean
shows_event (MsSessionEventKind kind)
{
  return kind != MS_SESSION_EVENT_PAUSE && kind != MS_SESSION_EVENT_RESUME
         && kind != MS_SESSION_EVENT_STEP && kind != MS_SESSION_EVENT_REJECTED;
}

/* The latest changes that fit into (x, y, w, h), oldest first: "1200  lr G 0.0002 -> 0.001" */
static void
paint_events (MsPlotDashboard *self,
              cairo_t         *cr,
              double           x,
              double           y,
              double           w,
              double           h)
{
  const MsPlotStyle *style = &self->style;
  const MsSessionEvent *events;
  double line_h = 1.5 * _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
  double head = 1.8 * _ms_plot_font_px (style, MS_PLOT_FONT_TITLE);
  guint n = 0, shown = 0, first;
  int fit;

  events = ms_session_history_get_events (self->history, &n);
  fit = (int) ((h - head) / line_h);
  if (fit <= 0 || w < 20)
    return;
  cairo_save (cr);
  cairo_translate (cr, x, y);
  _ms_plot_font (cr, style, MS_PLOT_FONT_TITLE, TRUE);
  _ms_plot_set_color (cr, style->foreground);
  _ms_plot_text (cr, 0, head / 2, 0, 0.5, _("Changes"));
  /* The last @fit shown events */
  first = n;
  while (first > 0 && shown < (guint) fit)
    if (shows_event (events[--first].kind))
      shown++;
  _ms_plot_font (cr, style, MS_PLOT_FONT_NORMAL, FALSE);
  shown = 0;
  for (guint i = first; i < n; i++)
    {
      g_autofree char *line = NULL;
      g_autofree char *elided = NULL;

      if (!shows_event (events[i].kind))
        continue;
      line = g_strdup_printf ("%" G_GINT64_FORMAT "  %s", events[i].iteration,
                              events[i].label != NULL ? events[i].label : "");
      elided = _ms_plot_elide (cr, line, w);
      _ms_plot_set_color (cr, style->muted);
      _ms_plot_text (cr, 0, head + (shown + 0.5) * line_h, 0, 0.5, elided);
      shown++;
    }
  cairo_restore (cr);
}

static void
paint_dashboard (MsPlotDashboard *self,
                 cairo_t         *cr,
                 double           w,
                 double           h)
{
  const double gap = 16;
  double top_h = (h - gap) * 0.52, bottom_h = h - gap - top_h;
  double side_w = MIN (320, w * 0.28), data_w = w - side_w - gap;
  double cw = (w - gap) / 2, ch = (bottom_h - gap) / 2;
  double collapse_h = MIN (top_h, 10 * _ms_plot_font_px (&self->style, MS_PLOT_FONT_NORMAL));

  if (self->frame->is_2d)
    paint_card (self, MS_PLOT_VIEW_SCATTER, cr, 0, 0, data_w, top_h);
  else
    {
      double half = (data_w - gap) / 2;

      paint_card (self, MS_PLOT_VIEW_GRID, cr, 0, 0, half, top_h);
      paint_card (self, MS_PLOT_VIEW_HISTOGRAM, cr, half + gap, 0, half, top_h);
    }
  paint_card (self, MS_PLOT_VIEW_COLLAPSE, cr, data_w + gap, 0, side_w, collapse_h);
  paint_events (self, cr, data_w + gap, collapse_h + gap, side_w, top_h - collapse_h - gap);
  for (int i = 0; i < N_CURVES; i++)
    paint_card (self, (MsPlotView) (MS_PLOT_VIEW_KL + i), cr, (i % 2) * (cw + gap),
                top_h + gap + (i / 2) * (ch + gap), cw, ch);
}

/* The reference size of a figure: what the screen shows it at */
static void
reference_size (MsPlotView view,
                double    *rw,
                double    *rh)
{
  if (view == MS_PLOT_VIEW_DASHBOARD)
    *rw = 1280, *rh = 800;
  else
    *rw = 720, *rh = 480;
}

void
ms_plot_dashboard_paint (MsPlotDashboard *self,
                         MsPlotView       view,
                         cairo_t         *cr,
                         double           width,
                         double           height)
{
  const MsPlotStyle *style;
  double rw, rh, scale, w, h, margin, caption_h;
  g_autofree char *caption = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail ((guint) view < MS_PLOT_N_VIEWS);
  g_return_if_fail (cr != NULL);

  style = &self->style;
  reference_size (view, &rw, &rh);
  scale = CLAMP (sqrt ((width * height) / (rw * rh)), 0.5, 16);
  w = width / scale;
  h = height / scale;

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);
  cairo_scale (cr, scale, scale);
  margin = 0.02 * MIN (w, h) + 4;
  caption_h = 1.8 * _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);

  /* The caption: the run's settings and iteration, under the figure */
  _ms_plot_font (cr, style, MS_PLOT_FONT_NORMAL, FALSE);
  _ms_plot_set_color (cr, style->muted);
  caption = _ms_plot_elide (cr, self->caption, w - 2 * margin);
  _ms_plot_text (cr, margin, h - margin - caption_h / 2, 0, 0.5, caption);

  cairo_translate (cr, margin, margin);
  w -= 2 * margin;
  h -= 2 * margin + caption_h;
  if (view == MS_PLOT_VIEW_DASHBOARD)
    paint_dashboard (self, cr, w, h);
  else
    paint_card (self, view, cr, 0, 0, w, h);
  cairo_restore (cr);
}

typedef struct
{
  MsPlotDashboard *dashboard;
  MsPlotView       view;
} PaintData;

static void
paint_cb (cairo_t *cr,
          double   width,
          double   height,
          gpointer data)
{
  PaintData *p = data;

  ms_plot_dashboard_paint (p->dashboard, p->view, cr, width, height);
}

gboolean
ms_plot_dashboard_write (MsPlotDashboard  *self,
                         MsPlotView        view,
                         const char       *path,
                         const char       *format,
                         double            width,
                         double            height,
                         GError          **error)
{
  PaintData data = { self, view };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail ((guint) view < MS_PLOT_N_VIEWS, FALSE);

  return ms_plot_write (path, format, width, height, paint_cb, &data, error);
}
