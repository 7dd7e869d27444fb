/* ms-plot-scatter.c: 2-D data, with the discriminator's view of the plane
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The heat map is D(x, y) over the view (a probability, or critic values for WGAN losses,
 * which have no fixed range and are scaled to their own min..max).  It is blended halfway
 * into the background so the points on top stay the figure's subject.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ms-plot-private.h"

/* viridis at five stops */
static void
colormap (double  t,
          double *r,
          double *g,
          double *b)
{
  static const double stops[5][3] = {
    { 0.267, 0.005, 0.329 }, { 0.230, 0.322, 0.546 }, { 0.128, 0.567, 0.551 },
    { 0.369, 0.789, 0.383 }, { 0.993, 0.906, 0.144 },
  };
  double f;
  int i;

  t = CLAMP (isfinite (t) ? t : 0, 0, 1) * 4;
  i = MIN ((int) t, 3);
  f = t - i;
  *r = stops[i][0] + f * (stops[i + 1][0] - stops[i][0]);
  *g = stops[i][1] + f * (stops[i + 1][1] - stops[i][1]);
  *b = stops[i][2] + f * (stops[i + 1][2] - stops[i][2]);
}

static gboolean
is_critic (const MsFrame *frame)
{
  return frame->settings.gan.loss == MS_LOSS_WGAN_CLIP ||
         frame->settings.gan.loss == MS_LOSS_WGAN_GP;
}

static guint32
heat_pixel (const MsPlotStyle *style,
            double             t)
{
  const double mix = 0.55;
  double r, g, b;

  colormap (t, &r, &g, &b);
  r = style->background.r * (1 - mix) + r * mix;
  g = style->background.g * (1 - mix) + g * mix;
  b = style->background.b * (1 - mix) + b * mix;
  return 0xff000000u | (guint32) lround (r * 255) << 16 | (guint32) lround (g * 255) << 8 |
         (guint32) lround (b * 255);
}

/* The heat map, row 0 at the top (y_max), as an RGB24 surface */
static cairo_surface_t *
heat_surface (const MsFrame     *frame,
              const MsPlotStyle *style,
              double             lo,
              double             hi)
{
  int n = frame->heat_size;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, n, n);
  guint8 *data;
  int stride;

  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    return s;
  cairo_surface_flush (s);
  data = cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s);
  for (int r = 0; r < n; r++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) r * stride);
      const float *src = frame->heat + (gsize) (n - 1 - r) * n;

      for (int c = 0; c < n; c++)
        row[c] = heat_pixel (style, (src[c] - lo) / (hi - lo));
    }
  cairo_surface_mark_dirty (s);
  return s;
}

static void
dot (cairo_t *cr,
     double   x,
     double   y,
     double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
}

void
ms_plot_scatter (cairo_t           *cr,
                 double             width,
                 double             height,
                 const MsFrame     *frame,
                 const MsPlotStyle *style)
{
  double fs, lw, lo = 0, hi = 1, side, px, py, sx, sy, bar_w, legend_h;
  float x_min, x_max, y_min, y_max;
  gboolean heat, critic;
  MsPlotColor gen_colour, real_colour;

  g_return_if_fail (cr != NULL && style != NULL);

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);
  if (frame == NULL || !frame->is_2d || frame->samples == NULL || frame->grid_n <= 0)
    {
      _ms_plot_message (cr, width, height, style, _("No samples yet"));
      cairo_restore (cr);
      return;
    }

  fs = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
  lw = _ms_plot_line (style, 1);
  gen_colour = style->series[MS_PLOT_SERIES_EXTRA];
  real_colour = style->foreground;
  critic = is_critic (frame);

  x_min = frame->extent[0], x_max = frame->extent[1];
  y_min = frame->extent[2], y_max = frame->extent[3];
  if (!(x_max > x_min) || !(y_max > y_min))
    {
      /* No extent: fit the points */
      x_min = y_min = G_MAXFLOAT;
      x_max = y_max = -G_MAXFLOAT;
      for (int i = 0; i < frame->grid_n; i++)
        {
          x_min = MIN (x_min, frame->samples[2 * i]);
          x_max = MAX (x_max, frame->samples[2 * i]);
          y_min = MIN (y_min, frame->samples[2 * i + 1]);
          y_max = MAX (y_max, frame->samples[2 * i + 1]);
        }
      for (int i = 0; i < frame->n_real; i++)
        {
          x_min = MIN (x_min, frame->real_points[2 * i]);
          x_max = MAX (x_max, frame->real_points[2 * i]);
          y_min = MIN (y_min, frame->real_points[2 * i + 1]);
          y_max = MAX (y_max, frame->real_points[2 * i + 1]);
        }
      if (!(x_max > x_min))
        x_min -= 1, x_max += 1;
      if (!(y_max > y_min))
        y_min -= 1, y_max += 1;
    }

  heat = frame->heat != NULL && frame->heat_size > 1;
  if (heat)
    {
      gsize nn = (gsize) frame->heat_size * frame->heat_size;

      if (critic)
        {
          lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
          for (gsize i = 0; i < nn; i++)
            if (isfinite (frame->heat[i]))
              lo = MIN (lo, frame->heat[i]), hi = MAX (hi, frame->heat[i]);
          if (!(hi > lo))
            lo = (lo < G_MAXDOUBLE ? lo : 0) - 0.5, hi = lo + 1;
        }
    }

  /* Layout: legend line on top, square plot, colour bar on the right */
  legend_h = fs * 2.0;
  bar_w = heat ? fs * 4.5 : 0;
  {
    double aspect = (x_max - x_min) / (y_max - y_min);
    double avail_w = MAX (1, width - bar_w - fs);
    double avail_h = MAX (1, height - legend_h - fs * 0.5);

    sx = avail_w / (x_max - x_min);
    sy = avail_h / (y_max - y_min);
    side = MIN (sx, sy);          /* equal aspect: one scale for both axes */
    sx = sy = side;
    px = floor ((avail_w - (x_max - x_min) * side) / 2 + fs * 0.5);
    py = floor (legend_h + (avail_h - (y_max - y_min) * side) / 2);
    (void) aspect;
  }
#define MAP_X(v) (px + ((v) - x_min) * sx)
#define MAP_Y(v) (py + (y_max - (v)) * sy)

  /* Heat map */
  if (heat)
    {
      cairo_surface_t *s = heat_surface (frame, style, lo, hi);
      cairo_pattern_t *p = cairo_pattern_create_for_surface (s);
      cairo_matrix_t m;
      double w = (x_max - x_min) * sx, h = (y_max - y_min) * sy;

      cairo_pattern_set_filter (p, CAIRO_FILTER_BILINEAR);
      cairo_pattern_set_extend (p, CAIRO_EXTEND_PAD);
      cairo_matrix_init_scale (&m, frame->heat_size / w, frame->heat_size / h);
      cairo_matrix_translate (&m, -px, -py);
      cairo_pattern_set_matrix (p, &m);
      cairo_set_source (cr, p);
      cairo_rectangle (cr, px, py, w, h);
      cairo_fill (cr);
      cairo_pattern_destroy (p);
      cairo_surface_destroy (s);
    }

  /* Frame */
  _ms_plot_set_color (cr, style->grid);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, px + 0.5, py + 0.5, (x_max - x_min) * sx - 1, (y_max - y_min) * sy - 1);
  cairo_stroke (cr);

  cairo_save (cr);
  cairo_rectangle (cr, px, py, (x_max - x_min) * sx, (y_max - y_min) * sy);
  cairo_clip (cr);

  /* Modes: a ring when covered, a red cross when missed */
  for (int m = 0; m < frame->n_modes && frame->mode_centres != NULL; m++)
    {
      double cx = MAP_X (frame->mode_centres[2 * m]), cy = MAP_Y (frame->mode_centres[2 * m + 1]);
      gboolean covered = frame->has_evaluation && m < frame->evaluation.k &&
                         frame->evaluation.present[m];
      double r = fs * 0.6;

      cairo_set_line_width (cr, lw * 1.5);
      if (covered || !frame->has_evaluation)
        {
          _ms_plot_set_color (cr, covered ? style->healthy : style->muted);
          dot (cr, cx, cy, r);
          cairo_stroke (cr);
        }
      else
        {
          _ms_plot_set_color (cr, style->collapsed);
          cairo_move_to (cr, cx - r, cy - r);
          cairo_line_to (cr, cx + r, cy + r);
          cairo_move_to (cr, cx - r, cy + r);
          cairo_line_to (cr, cx + r, cy - r);
          cairo_stroke (cr);
        }
    }
  /* Real points: small and faint, they are the reference; drawn over the mode markers, which
   * would hide a tight mixture's samples */
  _ms_plot_set_color_a (cr, real_colour, 0.6);
  for (int i = 0; i < frame->n_real; i++)
    dot (cr, MAP_X (frame->real_points[2 * i]), MAP_Y (frame->real_points[2 * i + 1]),
         lw * 1.2);
  cairo_fill (cr);

  /* Generated points: larger, outlined */
  for (int i = 0; i < frame->grid_n; i++)
    dot (cr, MAP_X (frame->samples[2 * i]), MAP_Y (frame->samples[2 * i + 1]), lw * 2.2);
  _ms_plot_set_color (cr, gen_colour);
  cairo_fill_preserve (cr);
  _ms_plot_set_color (cr, style->background);
  cairo_set_line_width (cr, MAX (0.75, lw * 0.5));
  cairo_stroke (cr);

  cairo_restore (cr);

  /* Legend */
  {
    double lx = fs * 0.5, ly = fs * 0.9, r = lw * 2.2;

    _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);

    _ms_plot_set_color_a (cr, real_colour, 0.6);
    dot (cr, lx + r, ly, r);
    cairo_fill (cr);
    _ms_plot_set_color (cr, style->foreground);
    _ms_plot_text (cr, lx + r * 3, ly, 0, 0.5, _("real data"));
    lx += r * 3 + _ms_plot_text_width (cr, _("real data")) + fs;

    _ms_plot_set_color (cr, gen_colour);
    dot (cr, lx + r, ly, r);
    cairo_fill (cr);
    _ms_plot_set_color (cr, style->foreground);
    _ms_plot_text (cr, lx + r * 3, ly, 0, 0.5, _("generated"));
    lx += r * 3 + _ms_plot_text_width (cr, _("generated")) + fs;

    if (frame->n_modes > 0)
      {
        double mr = fs * 0.4;

        cairo_set_line_width (cr, lw);
        _ms_plot_set_color (cr, style->healthy);
        dot (cr, lx + mr, ly, mr);
        cairo_stroke (cr);
        _ms_plot_set_color (cr, style->foreground);
        _ms_plot_text (cr, lx + mr * 2.6, ly, 0, 0.5, _("mode covered"));
        lx += mr * 2.6 + _ms_plot_text_width (cr, _("mode covered")) + fs;

        _ms_plot_set_color (cr, style->collapsed);
        cairo_move_to (cr, lx, ly - mr);
        cairo_line_to (cr, lx + 2 * mr, ly + mr);
        cairo_move_to (cr, lx, ly + mr);
        cairo_line_to (cr, lx + 2 * mr, ly - mr);
        cairo_stroke (cr);
        _ms_plot_set_color (cr, style->foreground);
        _ms_plot_text (cr, lx + mr * 2.6, ly, 0, 0.5, _("mode missed"));
      }
  }

  /* Colour bar */
  if (heat)
    {
      double bx = width - bar_w + fs * 0.3, bw = fs * 0.9;
      double by = py, bh = (y_max - y_min) * sy;
      const int steps = 64;
      double first, step;
      int n_ticks;

      for (int i = 0; i < steps; i++)
        {
          guint32 p = heat_pixel (style, 1.0 - (i + 0.5) / steps);

          cairo_set_source_rgb (cr, (p >> 16 & 0xff) / 255.0, (p >> 8 & 0xff) / 255.0,
                                (p & 0xff) / 255.0);
          cairo_rectangle (cr, bx, by + bh * i / steps, bw, bh / steps + 0.5);
          cairo_fill (cr);
        }
      _ms_plot_set_color (cr, style->grid);
      cairo_set_line_width (cr, 1);
      cairo_rectangle (cr, bx + 0.5, by + 0.5, bw - 1, bh - 1);
      cairo_stroke (cr);

      _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
      _ms_plot_set_color (cr, style->foreground);
      _ms_plot_text (cr, bx + bw / 2, by - fs * 0.2, 0.5, 1.0,
                     critic ? _("critic") : "D(x)");
      n_ticks = _ms_plot_ticks (lo, hi, 4, &first, &step);
      for (int i = 0; i < n_ticks; i++)
        {
          double v = first + i * step;
          double y = by + bh * (1 - (v - lo) / (hi - lo));
          g_autofree char *t = _ms_plot_format_tick (v, step);

          cairo_move_to (cr, bx + bw, y);
          cairo_line_to (cr, bx + bw + fs * 0.3, y);
          cairo_set_line_width (cr, 1);
          cairo_stroke (cr);
          _ms_plot_text (cr, bx + bw + fs * 0.45, y, 0, 0.5, t);
        }
    }
#undef MAP_X
#undef MAP_Y
  cairo_restore (cr);
}
