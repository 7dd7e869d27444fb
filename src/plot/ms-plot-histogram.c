/* ms-plot-histogram.c: the generated class mix beside the real one
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each class gets a slot for the generated share and a narrower bar for the real data's
 * share next to it.  A class the generator no longer draws gets a red hatched slot with
 * "missing" written in it: an empty slot alone reads as "small", not as "gone".  A class the
 * real data does not have (a folder of one digit) is neither missing nor expected: its slot is
 * greyed, its name muted, and what the generator still draws of it is a faded bar.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ms-plot-private.h"

typedef struct
{
  double px, py, pw, ph;   /* plot area */
  double slot_w;           /* per class */
  double y_max;            /* share at the top of the plot */
  double tick_first, tick_step;
  int    n_ticks;
  gboolean rotate_names;
  /* Legend items, wrapped into rows when the figure is narrow */
  int    n_legend;
  double legend_x[4], legend_y[4];
} HistLayout;

#define LEGEND_NOT_IN_DATA 3

static gboolean
hist_has_data (const MsFrame *frame)
{
  return frame != NULL && frame->has_evaluation && frame->evaluation.k > 0 &&
         frame->evaluation.n > 0;
}

gboolean
ms_plot_class_in_data (const MsFrame *frame,
                       int            c)
{
  gboolean known = FALSE;

  g_return_val_if_fail (frame != NULL, TRUE);

  if (c < 0 || c >= frame->n_classes || c >= MS_EVAL_MAX_CLASSES)
    return TRUE;
  /* A frame without the real mix (all zero) says nothing about it */
  for (int i = 0; i < frame->n_classes && i < MS_EVAL_MAX_CLASSES && !known; i++)
    known = frame->real_share[i] > 0;
  return !known || frame->real_share[c] > 0;
}

static gboolean
any_absent (const MsFrame *frame)
{
  for (int c = 0; c < frame->evaluation.k; c++)
    if (!ms_plot_class_in_data (frame, c))
      return TRUE;
  return FALSE;
}

/* The legend's labels; the last only when some class is not in the data */
static int
legend_labels (const MsFrame *frame,
               const char    *labels[4])
{
  labels[0] = _("generated");
  labels[1] = _("real data");
  labels[2] = _("missing");
  /* TRANSLATORS: the class histogram's legend: a class the training data does not have
   * (a folder of one digit), greyed */
  labels[LEGEND_NOT_IN_DATA] = _("not in the data");
  return any_absent (frame) ? 4 : 3;
}

static const char *
class_name (const MsFrame *frame,
            int            c,
            char           buf[16])
{
  if (frame->class_names != NULL && c < frame->n_classes && frame->class_names[c] != NULL)
    return frame->class_names[c];
  g_snprintf (buf, 16, "%d", c);
  return buf;
}

static void
hist_layout (cairo_t           *cr,
             double             width,
             double             height,
             const MsFrame     *frame,
             const MsPlotStyle *style,
             HistLayout        *l)
{
  const MsEvaluation *e = &frame->evaluation;
  double fs = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
  double max_share = 0, name_w = 0, tick_w = 0;
  char buf[16];

  for (int c = 0; c < e->k; c++)
    {
      max_share = MAX (max_share, (double) e->counts[c] / e->n);
      if (c < frame->n_classes)
        max_share = MAX (max_share, frame->real_share[c]);
    }
  l->y_max = max_share > 0 ? MIN (1.0, max_share * 1.12) : 1.0;
  l->n_ticks = _ms_plot_ticks (0, l->y_max, 4, &l->tick_first, &l->tick_step);

  _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
  for (int i = 0; i < l->n_ticks; i++)
    {
      g_autofree char *t = _ms_plot_format_tick ((l->tick_first + i * l->tick_step) * 100,
                                                 l->tick_step * 100);
      tick_w = MAX (tick_w, _ms_plot_text_width (cr, t));
    }
  for (int c = 0; c < e->k; c++)
    name_w = MAX (name_w, _ms_plot_text_width (cr, class_name (frame, c, buf)));

  l->px = ceil (tick_w + fs * 2.2);
  l->pw = MAX (1, width - l->px - fs * 0.8);
  l->slot_w = l->pw / e->k;
  l->rotate_names = name_w > l->slot_w * 0.95;
  if (l->rotate_names)
    {
      /* The last name slants right of its slot: keep it inside the figure */
      double overhang = MIN (name_w, height / 3) * 0.72 - l->slot_w / 2;

      if (overhang > fs * 0.8)
        {
          l->pw = MAX (1, width - l->px - overhang);
          l->slot_w = l->pw / e->k;
        }
    }
  /* Legend: left to right from the plot's left edge, a new row when an item would not fit */
  {
    const char *labels[4];
    double sq = fs * 0.8, x = l->px, y = fs * 0.5;
    int rows = 1;

    l->n_legend = legend_labels (frame, labels);
    for (int i = 0; i < l->n_legend; i++)
      {
        double w = sq * 1.4 + _ms_plot_text_width (cr, labels[i]);

        if (i > 0 && x + w > width - fs * 0.3)
          {
            x = l->px;
            y += fs * 1.3;
            rows++;
          }
        l->legend_x[i] = x;
        l->legend_y[i] = y;
        x += w + fs * 1.2;
      }
    l->py = ceil (fs * 2.4 + (rows - 1) * fs * 1.3);
  }
  l->ph = height - l->py - fs * 1.8 - (l->rotate_names ? MIN (name_w, height / 3) : fs * 1.2);
  l->ph = MAX (1, l->ph);
}

gboolean
ms_plot_class_histogram_slot (double             width,
                              double             height,
                              const MsFrame     *frame,
                              const MsPlotStyle *style,
                              int                c,
                              double            *x,
                              double            *y,
                              double            *w,
                              double            *h)
{
  cairo_surface_t *s;
  cairo_t *cr;
  HistLayout l;

  if (!hist_has_data (frame) || c < 0 || c >= frame->evaluation.k)
    return FALSE;
  s = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cr = cairo_create (s);
  hist_layout (cr, width, height, frame, style, &l);
  cairo_destroy (cr);
  cairo_surface_destroy (s);

  /* The generated bar's slot: the left 55% of the class's column, inset */
  *x = l.px + c * l.slot_w + l.slot_w * 0.12;
  *w = l.slot_w * 0.46;
  *y = l.py;
  *h = l.ph;
  return TRUE;
}

void
ms_plot_class_histogram (cairo_t           *cr,
                         double             width,
                         double             height,
                         const MsFrame     *frame,
                         const MsPlotStyle *style)
{
  const MsEvaluation *e;
  HistLayout l;
  double fs, lw;
  char buf[16];

  g_return_if_fail (cr != NULL && style != NULL);

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);
  if (!hist_has_data (frame))
    {
      _ms_plot_message (cr, width, height, style, _("No evaluation yet"));
      cairo_restore (cr);
      return;
    }

  e = &frame->evaluation;
  fs = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
  lw = _ms_plot_line (style, 1);
  hist_layout (cr, width, height, frame, style, &l);

  /* Grid and y ticks (percent) */
  _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
  cairo_set_line_width (cr, MAX (1, lw * 0.6));
  for (int i = 0; i < l.n_ticks; i++)
    {
      double v = l.tick_first + i * l.tick_step;
      double y = round (l.py + l.ph - v / l.y_max * l.ph) + 0.5;
      g_autofree char *t = _ms_plot_format_tick (v * 100, l.tick_step * 100);

      _ms_plot_set_color (cr, style->grid);
      cairo_move_to (cr, l.px, y);
      cairo_line_to (cr, l.px + l.pw, y);
      cairo_stroke (cr);
      _ms_plot_set_color (cr, style->foreground);
      _ms_plot_text (cr, l.px - fs * 0.4, y, 1.0, 0.5, t);
    }
  cairo_save (cr);
  cairo_translate (cr, fs * 0.2, l.py + l.ph / 2);
  cairo_rotate (cr, -G_PI / 2);
  _ms_plot_text (cr, 0, 0, 0.5, 0.0, _("share of samples (%)"));
  cairo_restore (cr);

  for (int c = 0; c < e->k; c++)
    {
      double sx, sy, sw, sh;
      double gen = (double) e->counts[c] / e->n;
      double real = c < frame->n_classes ? frame->real_share[c] : 0;
      double base = l.py + l.ph;
      double rx = l.px + c * l.slot_w + l.slot_w * 0.60;
      const char *name = class_name (frame, c, buf);
      gboolean in_data = ms_plot_class_in_data (frame, c);
      gboolean missing = in_data && !e->present[c];

      ms_plot_class_histogram_slot (width, height, frame, style, c, &sx, &sy, &sw, &sh);

      if (!in_data)
        {
          /* The whole column, so it reads as "left out" rather than as a bar */
          _ms_plot_set_color_a (cr, style->muted, 0.14);
          cairo_rectangle (cr, l.px + c * l.slot_w + l.slot_w * 0.06, sy, l.slot_w * 0.88, sh);
          cairo_fill (cr);
        }
      else if (missing)
        {
          _ms_plot_set_color_a (cr, style->collapsed, 0.16);
          cairo_rectangle (cr, sx, sy, sw, sh);
          cairo_fill (cr);
          _ms_plot_set_color_a (cr, style->collapsed, 0.75);
          cairo_set_line_width (cr, MAX (1, lw * 0.8));
          _ms_plot_hatch (cr, sx, sy, sw, sh, MAX (5, fs * 0.6));
          cairo_save (cr);
          _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, TRUE);
          {
            double tw = _ms_plot_text_width (cr, _("missing")), th = fs * 1.1;
            gboolean rotate = tw >= sw * 0.9;

            cairo_translate (cr, sx + sw / 2, sy + fs * 0.3);
            if (rotate)
              cairo_rotate (cr, G_PI / 2);
            /* On a plain background: text over hatching is hard to read */
            _ms_plot_set_color (cr, style->background);
            if (rotate)
              cairo_rectangle (cr, -fs * 0.15, -th / 2, tw + fs * 0.3, th);
            else
              cairo_rectangle (cr, -tw / 2 - fs * 0.15, -fs * 0.05, tw + fs * 0.3, th);
            cairo_fill (cr);
            _ms_plot_set_color (cr, style->collapsed);
            if (rotate)
              _ms_plot_text (cr, 0, 0, 0.0, 0.5, _("missing"));
            else
              _ms_plot_text (cr, 0, 0, 0.5, 0.0, _("missing"));
          }
          cairo_restore (cr);
        }

      /* Generated share */
      if (gen > 0)
        {
          double h = gen / l.y_max * l.ph;

          /* Faded for a class the data lacks: drawn, but not what it should draw */
          _ms_plot_set_color_a (cr, style->series[MS_PLOT_SERIES_GENERATED], in_data ? 1 : 0.4);
          cairo_rectangle (cr, sx, base - h, sw, h);
          cairo_fill (cr);
        }
      /* Real share: a narrower, lighter bar */
      if (real > 0)
        {
          double h = real / l.y_max * l.ph;

          _ms_plot_set_color_a (cr, style->series[MS_PLOT_SERIES_REAL], 0.8);
          cairo_rectangle (cr, rx, base - h, l.slot_w * 0.26, h);
          cairo_fill (cr);
        }

      /* Class name under the slot */
      _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, missing);
      _ms_plot_set_color (cr, missing ? style->collapsed
                              : in_data ? style->foreground : style->muted);
      if (!l.rotate_names)
        _ms_plot_text (cr, l.px + (c + 0.5) * l.slot_w, base + fs * 0.4, 0.5, 0.0, name);
      else
        {
          g_autofree char *shown = _ms_plot_elide (cr, name, height / 3);

          cairo_save (cr);
          cairo_translate (cr, l.px + (c + 0.5) * l.slot_w, base + fs * 0.4);
          cairo_rotate (cr, G_PI / 4);
          _ms_plot_text (cr, 0, 0, 0.0, 0.5, shown);
          cairo_restore (cr);
        }
    }

  /* Baseline */
  _ms_plot_set_color (cr, style->foreground);
  cairo_set_line_width (cr, MAX (1, lw * 0.8));
  cairo_move_to (cr, l.px, round (l.py + l.ph) + 0.5);
  cairo_line_to (cr, l.px + l.pw, round (l.py + l.ph) + 0.5);
  cairo_stroke (cr);

  /* Legend, top left */
  _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
  {
    const char *labels[4];
    double sq = fs * 0.8;

    legend_labels (frame, labels);
    for (int i = 0; i < l.n_legend; i++)
      {
        double lx = l.legend_x[i], ly = l.legend_y[i];

        if (i == LEGEND_NOT_IN_DATA)
          {
            _ms_plot_set_color_a (cr, style->muted, 0.35);
            cairo_rectangle (cr, lx, ly, sq, sq);
            cairo_fill (cr);
          }
        else if (i == 2)   /* missing */
          {
            _ms_plot_set_color_a (cr, style->collapsed, 0.16);
            cairo_rectangle (cr, lx, ly, sq, sq);
            cairo_fill (cr);
            _ms_plot_set_color_a (cr, style->collapsed, 0.75);
            cairo_set_line_width (cr, 1);
            _ms_plot_hatch (cr, lx, ly, sq, sq, 3);
          }
        else
          {
            _ms_plot_set_color (cr, style->series[i == 0 ? MS_PLOT_SERIES_GENERATED
                                                         : MS_PLOT_SERIES_REAL]);
            cairo_rectangle (cr, lx, ly, sq, sq);
            cairo_fill (cr);
          }
        _ms_plot_set_color (cr, style->foreground);
        _ms_plot_text (cr, lx + sq * 1.4, ly + sq / 2, 0.0, 0.5, labels[i]);
      }
  }
  cairo_restore (cr);
}
