/* ms-plot-style.c: colours, fonts, text and tick helpers for the painters
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Colours follow the GNOME palette (libadwaita's named colours) so the plots sit well in an
 * Adwaita window, each in a lighter shade on dark backgrounds.  Text uses Cairo's toy font
 * API: plots carry a few short labels, and Pango would pull a layout library into the CLI.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-plot-private.h"

#define RGB(hex) ((MsPlotColor) { ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, \
                                  ((hex) & 0xff) / 255.0, 1.0 })

void
ms_plot_style_init (MsPlotStyle *style,
                    gboolean     dark,
                    gboolean     presenter)
{
  g_return_if_fail (style != NULL);

  memset (style, 0, sizeof *style);
  style->dark = !!dark;
  style->presenter = !!presenter;
  style->font_family = "Cantarell";
  style->font_size = 12.0;
  style->font_scale = presenter ? 1.6 : 1.0;
  style->line_width = 1.5;
  style->line_scale = presenter ? 2.0 : 1.0;
  style->fill_background = FALSE;

  if (!dark)
    {
      style->background = RGB (0xffffff);
      style->foreground = RGB (0x241f31);
      style->grid = (MsPlotColor) { 0, 0, 0, 0.12 };
      style->muted = (MsPlotColor) { 0.14, 0.12, 0.19, 0.55 };
      style->series[MS_PLOT_SERIES_GENERATED] = RGB (0x1c71d8);   /* blue 4 */
      style->series[MS_PLOT_SERIES_REAL] = RGB (0x77767b);        /* dark 1 */
      style->series[MS_PLOT_SERIES_LOSS_D] = RGB (0xc64600);      /* orange 5 */
      style->series[MS_PLOT_SERIES_LOSS_G] = RGB (0x613583);      /* purple 4 */
      style->series[MS_PLOT_SERIES_METRIC] = RGB (0x1c71d8);
      style->series[MS_PLOT_SERIES_REFERENCE] = RGB (0x26a269);   /* green 5 */
      style->series[MS_PLOT_SERIES_EVENT] = RGB (0x865e3c);       /* brown 3 */
      style->series[MS_PLOT_SERIES_EXTRA] = RGB (0xe66100);
      style->healthy = RGB (0x2ec27e);                            /* green 4 */
      style->partial = RGB (0xe5a50a);                            /* yellow 5 */
      style->collapsed = RGB (0xe01b24);                          /* red 3 */
      style->band = (MsPlotColor) { 0.15, 0.64, 0.41, 0.18 };
    }
  else
    {
      style->background = RGB (0x242424);
      style->foreground = RGB (0xffffff);
      style->grid = (MsPlotColor) { 1, 1, 1, 0.14 };
      style->muted = (MsPlotColor) { 1, 1, 1, 0.55 };
      style->series[MS_PLOT_SERIES_GENERATED] = RGB (0x62a0ea);   /* blue 2 */
      style->series[MS_PLOT_SERIES_REAL] = RGB (0xc0bfbc);        /* light 4 */
      style->series[MS_PLOT_SERIES_LOSS_D] = RGB (0xffa348);      /* orange 2 */
      style->series[MS_PLOT_SERIES_LOSS_G] = RGB (0xc061cb);      /* purple 2 */
      style->series[MS_PLOT_SERIES_METRIC] = RGB (0x62a0ea);
      style->series[MS_PLOT_SERIES_REFERENCE] = RGB (0x8ff0a4);   /* green 1 */
      style->series[MS_PLOT_SERIES_EVENT] = RGB (0xcdab8f);       /* brown 1 */
      style->series[MS_PLOT_SERIES_EXTRA] = RGB (0xffbe6f);
      style->healthy = RGB (0x57e389);                            /* green 2 */
      style->partial = RGB (0xf8e45c);                            /* yellow 2 */
      style->collapsed = RGB (0xff4d4d);                          /* a light red */
      style->band = (MsPlotColor) { 0.56, 0.94, 0.64, 0.18 };
    }
}

MsPlotColor
ms_plot_style_state_color (const MsPlotStyle *style,
                           MsCollapseState    state)
{
  switch (state)
    {
    case MS_COLLAPSE_PARTIAL:
      return style->partial;
    case MS_COLLAPSE_COLLAPSED:
      return style->collapsed;
    case MS_COLLAPSE_HEALTHY:
    default:
      return style->healthy;
    }
}

MsPlotColor
_ms_plot_class_color (const MsPlotStyle *style,
                      int                c)
{
  /* Ten distinguishable hues (Tableau 10), in the same order on both backgrounds */
  static const guint32 light[] = { 0x4e79a7, 0xf28e2b, 0x59a14f, 0xb07aa1, 0x76b7b2,
                                   0xedc948, 0xff9da7, 0x9c755f, 0xe15759, 0xbab0ac };
  guint32 hex = light[((c % 10) + 10) % 10];

  return RGB (hex);
}

void
_ms_plot_set_color (cairo_t     *cr,
                    MsPlotColor  c)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, c.a);
}

void
_ms_plot_set_color_a (cairo_t     *cr,
                      MsPlotColor  c,
                      double       alpha)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, c.a * alpha);
}

double
_ms_plot_font_px (const MsPlotStyle *style,
                  double             rel)
{
  return style->font_size * style->font_scale * rel;
}

double
_ms_plot_line (const MsPlotStyle *style,
               double             rel)
{
  return style->line_width * style->line_scale * rel;
}

void
_ms_plot_font (cairo_t           *cr,
               const MsPlotStyle *style,
               double             rel,
               gboolean           bold)
{
  cairo_select_font_face (cr, style->font_family != NULL ? style->font_family : "sans-serif",
                          CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, _ms_plot_font_px (style, rel));
}

double
_ms_plot_text_width (cairo_t    *cr,
                     const char *text)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  return ext.x_advance;
}

void
_ms_plot_text (cairo_t    *cr,
               double      x,
               double      y,
               double      halign,
               double      valign,
               const char *text)
{
  cairo_font_extents_t fe;
  double w = _ms_plot_text_width (cr, text);

  cairo_font_extents (cr, &fe);
  cairo_move_to (cr, x - halign * w, y - valign * (fe.ascent + fe.descent) + fe.ascent);
  cairo_show_text (cr, text);
  cairo_new_path (cr);
}

char *
_ms_plot_elide (cairo_t    *cr,
                const char *text,
                double      max_width)
{
  static const char ellipsis[] = "\xe2\x80\xa6";
  glong len;

  if (_ms_plot_text_width (cr, text) <= max_width)
    return g_strdup (text);
  if (max_width <= _ms_plot_text_width (cr, ellipsis))
    return g_strdup ("");

  len = g_utf8_strlen (text, -1);
  for (glong keep = len - 1; keep > 0; keep--)
    {
      const char *end = g_utf8_offset_to_pointer (text, keep);
      g_autofree char *head = g_strndup (text, end - text);
      char *candidate = g_strconcat (head, ellipsis, NULL);

      if (_ms_plot_text_width (cr, candidate) <= max_width)
        return candidate;
      g_free (candidate);
    }
  return g_strdup (ellipsis);
}

void
_ms_plot_background (cairo_t           *cr,
                     double             w,
                     double             h,
                     const MsPlotStyle *style)
{
  if (!style->fill_background)
    return;
  cairo_save (cr);
  _ms_plot_set_color (cr, style->background);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_fill (cr);
  cairo_restore (cr);
}

void
_ms_plot_message (cairo_t           *cr,
                  double             w,
                  double             h,
                  const MsPlotStyle *style,
                  const char        *text)
{
  g_autofree char *shown = NULL;

  cairo_save (cr);
  _ms_plot_font (cr, style, MS_PLOT_FONT_TITLE, FALSE);
  _ms_plot_set_color (cr, style->muted);
  shown = _ms_plot_elide (cr, text, w - 8);
  _ms_plot_text (cr, w / 2, h / 2, 0.5, 0.5, shown);
  cairo_restore (cr);
}

int
_ms_plot_ticks (double  min,
                double  max,
                int     target,
                double *first,
                double *step)
{
  double range = max - min, raw, mag, norm, s;
  int n;

  if (!(range > 0) || !isfinite (range))
    {
      *first = min;
      *step = 1;
      return 1;
    }
  raw = range / MAX (target, 1);
  mag = pow (10, floor (log10 (raw)));
  norm = raw / mag;
  s = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  s *= mag;
  *step = s;
  *first = ceil (min / s - 1e-9) * s;
  n = (int) floor ((max - *first) / s + 1e-9) + 1;
  return CLAMP (n, 0, 64);
}

char *
_ms_plot_format_tick (double value,
                      double step)
{
  int decimals = 0;

  if (fabs (value) < step * 1e-6)
    value = 0;
  if (step > 0 && step < 1)
    decimals = CLAMP ((int) ceil (-log10 (step) - 1e-9), 0, 8);
  if (fabs (value) >= 1e5 || (value != 0 && fabs (value) < 1e-4))
    return g_strdup_printf ("%.0e", value);
  return g_strdup_printf ("%.*f", decimals, value);
}

char *
_ms_plot_format_value (double value)
{
  if (!isfinite (value))
    return g_strdup ("\xe2\x80\x94");
  if (value == 0)
    return g_strdup ("0");
  if (fabs (value) >= 1e-3 && fabs (value) < 1e5)
    return g_strdup_printf ("%.3g", value);
  return g_strdup_printf ("%.2g", value);
}

void
_ms_plot_hatch (cairo_t *cr,
                double   x,
                double   y,
                double   w,
                double   h,
                double   gap)
{
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  for (double t = -h; t < w; t += gap)
    {
      cairo_move_to (cr, x + t, y + h);
      cairo_line_to (cr, x + t + h, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}
