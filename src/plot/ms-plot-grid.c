/* ms-plot-grid.c: the fixed-noise samples as a grid of images
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Digits are 28x28 pixels shown at several times that size: each source pixel becomes an
 * integer-sized square at integer coordinates (CAIRO_FILTER_NEAREST), so the grid stays crisp
 * on screen and in exports, and tests can check the blocks exactly.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "ms-plot-private.h"

typedef struct
{
  int     cols, rows;
  int     img_w, img_h;
  double  pixel;         /* size of one source pixel */
  double  gap;
  double  label_h;       /* below each image with labels */
  double  cell_w, cell_h;
  double  x0, y0;        /* top-left of the first cell */
} GridLayout;

static gboolean
grid_has_images (const MsFrame *frame)
{
  return frame != NULL && !frame->is_2d && frame->grey != NULL && frame->grid_n > 0 &&
         frame->sample_ndim == 3 && frame->sample_shape[1] > 0 && frame->sample_shape[2] > 0;
}

static void
grid_layout (double             width,
             double             height,
             const MsFrame     *frame,
             const MsPlotStyle *style,
             gboolean           show_labels,
             GridLayout        *l)
{
  int n = frame->grid_n;
  double avail_w, avail_h, px_w, px_h;

  l->img_h = frame->sample_shape[1];
  l->img_w = frame->sample_shape[2];
  l->gap = MAX (2.0, round (_ms_plot_line (style, 1.5)));
  l->label_h = show_labels && frame->grid_labels != NULL
               ? ceil (_ms_plot_font_px (style, MS_PLOT_FONT_SMALL) * 1.3) : 0;
  /* The column count that gives the largest samples */
  l->cols = 1;
  {
    double best = -1;

    for (int cols = 1; cols <= n; cols++)
      {
        int rows = (n + cols - 1) / cols;
        double p = MIN ((width / cols - l->gap) / l->img_w,
                        (height / rows - l->gap - l->label_h) / l->img_h);

        if (p >= 1)
          p = floor (p);
        /* Among equally large samples, the most nearly square grid (8 x 8, not 6 x 11) */
        if (p > best + 1e-9
            || (p > best - 1e-9 && abs (cols - rows) < abs (l->cols - (n + l->cols - 1) / l->cols)))
          best = MAX (best, p), l->cols = cols;
      }
  }
  l->rows = (n + l->cols - 1) / l->cols;

  avail_w = width / l->cols - l->gap;
  avail_h = height / l->rows - l->gap - l->label_h;
  px_w = avail_w / l->img_w;
  px_h = avail_h / l->img_h;
  l->pixel = MIN (px_w, px_h);
  if (l->pixel >= 1)
    l->pixel = floor (l->pixel);
  l->pixel = MAX (l->pixel, 0.05);

  l->cell_w = l->img_w * l->pixel + l->gap;
  l->cell_h = l->img_h * l->pixel + l->gap + l->label_h;
  l->x0 = floor ((width - l->cols * l->cell_w) / 2 + l->gap / 2);
  l->y0 = floor ((height - l->rows * l->cell_h) / 2 + l->gap / 2);
}

gboolean
ms_plot_sample_grid_cell (double             width,
                          double             height,
                          const MsFrame     *frame,
                          const MsPlotStyle *style,
                          gboolean           show_labels,
                          int                index,
                          double            *x,
                          double            *y,
                          double            *pixel)
{
  GridLayout l;

  g_return_val_if_fail (style != NULL, FALSE);

  if (!grid_has_images (frame) || index < 0 || index >= frame->grid_n)
    return FALSE;
  grid_layout (width, height, frame, style, show_labels, &l);
  if (x != NULL)
    *x = l.x0 + (index % l.cols) * l.cell_w;
  if (y != NULL)
    *y = l.y0 + (index / l.cols) * l.cell_h;
  if (pixel != NULL)
    *pixel = l.pixel;
  return TRUE;
}

/* One sample's grey pixels as an RGB24 surface */
static cairo_surface_t *
sample_surface (const MsFrame *frame,
                int            index,
                int            w,
                int            h)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  const guint8 *src = frame->grey + (gsize) index * w * h;
  guint8 *data;
  int stride;

  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    return s;
  cairo_surface_flush (s);
  data = cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s);
  for (int r = 0; r < h; r++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) r * stride);

      for (int c = 0; c < w; c++)
        {
          guint32 v = src[r * w + c];

          row[c] = 0xff000000u | v << 16 | v << 8 | v;
        }
    }
  cairo_surface_mark_dirty (s);
  return s;
}

void
ms_plot_sample_grid (cairo_t           *cr,
                     double             width,
                     double             height,
                     const MsFrame     *frame,
                     const MsPlotStyle *style,
                     gboolean           show_labels)
{
  GridLayout l;
  gboolean labels;

  g_return_if_fail (cr != NULL && style != NULL);

  if (frame != NULL && frame->is_2d)
    {
      ms_plot_scatter (cr, width, height, frame, style);
      return;
    }

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);
  if (!grid_has_images (frame))
    {
      _ms_plot_message (cr, width, height, style, _("No samples yet"));
      cairo_restore (cr);
      return;
    }

  grid_layout (width, height, frame, style, show_labels, &l);
  labels = show_labels && frame->grid_labels != NULL;
  _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);

  for (int i = 0; i < frame->grid_n; i++)
    {
      double x = l.x0 + (i % l.cols) * l.cell_w;
      double y = l.y0 + (i / l.cols) * l.cell_h;
      double iw = l.img_w * l.pixel, ih = l.img_h * l.pixel;
      cairo_surface_t *s = sample_surface (frame, i, l.img_w, l.img_h);
      cairo_pattern_t *p;
      cairo_matrix_t m;

      p = cairo_pattern_create_for_surface (s);
      cairo_pattern_set_filter (p, CAIRO_FILTER_NEAREST);
      cairo_pattern_set_extend (p, CAIRO_EXTEND_PAD);
      cairo_matrix_init_scale (&m, 1.0 / l.pixel, 1.0 / l.pixel);
      cairo_matrix_translate (&m, -x, -y);
      cairo_pattern_set_matrix (p, &m);
      cairo_set_source (cr, p);
      cairo_rectangle (cr, x, y, iw, ih);
      cairo_fill (cr);
      cairo_pattern_destroy (p);
      cairo_surface_destroy (s);

      if (labels)
        {
          int c = frame->grid_labels[i];
          const char *name = NULL;
          g_autofree char *shown = NULL;
          MsPlotColor colour = style->muted;

          if (c >= 0 && c < frame->n_classes && frame->class_names != NULL)
            {
              name = frame->class_names[c];
              colour = _ms_plot_class_color (style, c);
            }
          /* A frame in the class's colour, outside the pixels so they stay exact */
          _ms_plot_set_color (cr, colour);
          cairo_set_line_width (cr, MIN (l.gap / 2, _ms_plot_line (style, 1)));
          cairo_rectangle (cr, x - l.gap / 4, y - l.gap / 4, iw + l.gap / 2, ih + l.gap / 2);
          cairo_stroke (cr);
          shown = _ms_plot_elide (cr, name != NULL ? name : "?", iw + l.gap);
          _ms_plot_text (cr, x + iw / 2, y + ih + l.gap / 2, 0.5, 0.0, shown);
        }
    }
  cairo_restore (cr);
}
