/* ms-plot-collapse.c: the collapse detector's state over a run, and as a badge
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ms-plot-private.h"

void
ms_plot_collapse_strip (cairo_t            *cr,
                        double              width,
                        double              height,
                        const MsCurvePoint *points,
                        guint               n,
                        gint64              x_min,
                        gint64              x_max,
                        const MsPlotStyle  *style)
{
  double scale;
  int prev = -1;

  g_return_if_fail (cr != NULL && style != NULL);
  g_return_if_fail (n == 0 || points != NULL);

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);

  if (x_min >= x_max)
    {
      x_min = n > 0 ? points[0].iteration : 0;
      x_max = n > 0 ? points[n - 1].iteration : 1;
      if (x_max <= x_min)
        x_max = x_min + 1;
    }
  scale = width / (double) (x_max - x_min);

  /* Not evaluated yet: a faint track */
  _ms_plot_set_color (cr, style->grid);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);

  /* Each evaluated point's state holds until the next evaluated point (or the last point);
   * runs of one state are filled as one rectangle on whole pixels, so no seams show */
  for (guint i = 0; i <= n; i++)
    {
      if (i < n && !points[i].has_eval)
        continue;
      if (prev >= 0 && (i == n || points[i].collapse_state != points[prev].collapse_state))
        {
          gint64 a = points[prev].iteration;
          gint64 b = i < n ? points[i].iteration : MAX (points[n - 1].iteration, a + 1);
          double xa = round (CLAMP ((a - x_min) * scale, 0, width));
          double xb = round (CLAMP ((b - x_min) * scale, 0, width));

          /* The latest state stays visible even when it is at the right edge */
          if (i == n && a >= x_min && a <= x_max && xb - xa < 3)
            {
              xa = MAX (0, MIN (xa, width - 3));
              xb = MIN (width, xa + 3);
            }
          if (xb > xa)
            {
              _ms_plot_set_color (cr, ms_plot_style_state_color (style,
                                                                 points[prev].collapse_state));
              cairo_rectangle (cr, xa, 0, xb - xa, height);
              cairo_fill (cr);
            }
          prev = -1;
        }
      if (i < n && prev < 0)
        prev = (int) i;
    }
  cairo_restore (cr);
}

/* @text in at most @max_lines lines broken at spaces, the last one elided */
static void
draw_wrapped (cairo_t    *cr,
              const char *text,
              double      x,
              double      y,
              double      max_width,
              double      line_h,
              int         max_lines)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);
  guint i = 0, n = g_strv_length (words);

  for (int line = 0; line < max_lines && i < n; line++)
    {
      GString *s = g_string_new (words[i++]);
      g_autofree char *shown = NULL;

      while (i < n)
        {
          g_autofree char *longer = g_strconcat (s->str, " ", words[i], NULL);

          if (_ms_plot_text_width (cr, longer) > max_width)
            break;
          g_string_assign (s, longer);
          i++;
        }
      if (line == max_lines - 1)
        while (i < n)
          g_string_append_printf (s, " %s", words[i++]);
      shown = _ms_plot_elide (cr, s->str, max_width);
      _ms_plot_text (cr, x, y + line * line_h, 0.0, 0.0, shown);
      g_string_free (s, TRUE);
    }
}

/* The dot and the large title of the badge */
static void
badge_title (cairo_t           *cr,
             const MsPlotStyle *style,
             MsPlotColor        colour,
             const char        *label,
             gboolean           colour_text)
{
  double fs = _ms_plot_font_px (style, MS_PLOT_FONT_LARGE);
  double dot = fs * 0.7, x = fs * 0.3;

  _ms_plot_set_color (cr, colour);
  cairo_arc (cr, x + dot / 2, fs * 0.2 + fs / 2, dot / 2, 0, 2 * G_PI);
  cairo_fill (cr);
  if (!colour_text)
    _ms_plot_set_color (cr, style->muted);
  _ms_plot_font (cr, style, MS_PLOT_FONT_LARGE, colour_text);
  _ms_plot_text (cr, x + dot * 1.5, fs * 0.2, 0.0, 0.0, label);
}

void
ms_plot_collapse_badge (cairo_t           *cr,
                        double             width,
                        double             height,
                        MsCollapseState    state,
                        const char        *reason,
                        const MsPlotStyle *style)
{
  double fs, x;
  const char *label = ms_collapse_state_get_label (state);

  g_return_if_fail (cr != NULL && style != NULL);

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);
  fs = _ms_plot_font_px (style, MS_PLOT_FONT_LARGE);
  x = fs * 0.3;
  badge_title (cr, style, ms_plot_style_state_color (style, state), label, TRUE);

  if (reason != NULL && *reason != '\0')
    {
      double line_h = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL) * 1.3;
      int max_lines = MAX (1, (int) ((height - fs * 1.45) / line_h));

      _ms_plot_font (cr, style, MS_PLOT_FONT_NORMAL, FALSE);
      _ms_plot_set_color (cr, style->foreground);
      draw_wrapped (cr, reason, x, fs * 1.45, width - x * 2, line_h, max_lines);
    }
  cairo_restore (cr);
}

void
ms_plot_collapse_badge_pending (cairo_t           *cr,
                                double             width,
                                double             height,
                                const char        *text,
                                const MsPlotStyle *style)
{
  g_autofree char *shown = NULL;

  g_return_if_fail (cr != NULL && style != NULL && text != NULL);

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);
  _ms_plot_font (cr, style, MS_PLOT_FONT_LARGE, FALSE);
  shown = _ms_plot_elide (cr, text, width - _ms_plot_font_px (style, MS_PLOT_FONT_LARGE) * 1.5);
  badge_title (cr, style, style->grid, shown, FALSE);
  cairo_restore (cr);
}
