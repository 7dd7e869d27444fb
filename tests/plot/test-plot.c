/* test-plot.c: the Cairo painters, headless
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pixels are checked only where no font is involved (digit blocks, hatched slots, the strip),
 * since text rendering differs between machines.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ms-plot.h"
#include "ms-test-util.h"

/* Frames ------------------------------------------------------------------------------- */

static const char *digit_names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };

/* An MNIST-like frame: @grid_n 28x28 samples whose pixel (r, c) of sample i is a distinct
 * grey, and an evaluation with classes 3, 7 and 8 missing (collapsed) */
static MsFrame *
make_image_frame (int grid_n)
{
  MsFrame *f = ms_frame_new ();

  f->iteration = 1200;
  f->grid_n = grid_n;
  f->sample_ndim = 3;
  f->sample_shape[0] = 1;
  f->sample_shape[1] = 28;
  f->sample_shape[2] = 28;
  f->sample_size = 28 * 28;
  f->samples = g_new0 (float, (gsize) grid_n * 784);
  f->grey = g_new (guint8, (gsize) grid_n * 784);
  for (int i = 0; i < grid_n; i++)
    for (int p = 0; p < 784; p++)
      f->grey[i * 784 + p] = (guint8) ((p * 7 + i * 31) % 256);

  ms_session_settings_init (&f->settings, "mnist", MS_LOSS_NSGAN);
  f->n_classes = 10;
  f->class_names = g_strdupv ((char **) digit_names);
  for (int c = 0; c < 10; c++)
    f->real_share[c] = 0.1;
  f->reference_is = 9.84;
  f->grid_labels = g_new (gint8, grid_n);
  for (int i = 0; i < grid_n; i++)
    f->grid_labels[i] = (gint8) (i % 10 == 3 || i % 10 == 7 || i % 10 == 8 ? 1 : i % 10);

  f->has_evaluation = TRUE;
  f->evaluation.n = 500;
  f->evaluation.k = 10;
  for (int c = 0; c < 10; c++)
    {
      gboolean missing = c == 3 || c == 7 || c == 8;

      f->evaluation.present[c] = !missing;
      f->evaluation.counts[c] = missing ? 0 : (c == 1 ? 150 : 50);
    }
  f->evaluation.modes_covered = 7;
  f->evaluation.kl_reference = 0.42;
  f->evaluation.kl_floor_mean = 0.01;
  f->evaluation.kl_floor_p99 = 0.025;
  f->collapse_state = MS_COLLAPSE_COLLAPSED;
  f->collapse_reason = g_strdup ("digits 3, 7 and 8 missing; KL 0.42 is 17x the noise floor");
  return f;
}

static MsFrame *
make_2d_frame (gboolean wgan)
{
  MsFrame *f = ms_frame_new ();

  f->iteration = 500;
  f->is_2d = TRUE;
  f->grid_n = 64;
  f->sample_ndim = 1;
  f->sample_shape[0] = 2;
  f->sample_size = 2;
  ms_session_settings_init (&f->settings, "ring8", wgan ? MS_LOSS_WGAN_GP : MS_LOSS_NSGAN);
  f->n_modes = 8;
  f->mode_centres = g_new (float, 16);
  for (int m = 0; m < 8; m++)
    {
      f->mode_centres[2 * m] = 2 * cosf (m * G_PI / 4);
      f->mode_centres[2 * m + 1] = 2 * sinf (m * G_PI / 4);
    }
  f->samples = g_new (float, 128);
  for (int i = 0; i < 64; i++)   /* all near mode 0 and 1: collapsed */
    {
      f->samples[2 * i] = f->mode_centres[2 * (i % 2)] + 0.01f * (i % 5);
      f->samples[2 * i + 1] = f->mode_centres[2 * (i % 2) + 1] - 0.01f * (i % 3);
    }
  f->n_real = 200;
  f->real_points = g_new (float, 400);
  for (int i = 0; i < 200; i++)
    {
      f->real_points[2 * i] = f->mode_centres[2 * (i % 8)] + 0.02f * ((i * 7) % 5 - 2);
      f->real_points[2 * i + 1] = f->mode_centres[2 * (i % 8) + 1] + 0.02f * ((i * 3) % 5 - 2);
    }
  f->heat_size = 32;
  f->heat = g_new (float, 32 * 32);
  for (int i = 0; i < 32 * 32; i++)
    f->heat[i] = wgan ? (i % 32) * 0.5f - 3.0f : (float) (i % 32) / 31.0f;
  f->extent[0] = -3, f->extent[1] = 3, f->extent[2] = -3, f->extent[3] = 3;
  f->n_classes = 8;
  f->class_names = g_strdupv ((char *[]) { "0", "1", "2", "3", "4", "5", "6", "7", NULL });
  f->has_evaluation = TRUE;
  f->evaluation.is_2d = TRUE;
  f->evaluation.n = 500;
  f->evaluation.k = 8;
  f->evaluation.present[0] = f->evaluation.present[1] = TRUE;
  f->evaluation.counts[0] = f->evaluation.counts[1] = 250;
  f->evaluation.modes_covered = 2;
  return f;
}

static MsCurvePoint *
make_points (guint n, gint64 step, int eval_every)
{
  MsCurvePoint *p = g_new0 (MsCurvePoint, n);

  for (guint i = 0; i < n; i++)
    {
      p[i].iteration = (gint64) i * step;
      p[i].loss_d = 0.7 + 0.1 * sin (i * 0.1);
      p[i].loss_g = 1.5 + 0.3 * cos (i * 0.07);
      if (i % eval_every == 0)
        {
          p[i].has_eval = TRUE;
          p[i].kl = 0.5 * exp (-(double) i / 20.0) + 0.001;
          p[i].is_mean = 2 + 6 * (1 - exp (-(double) i / 30.0));
          p[i].modes_covered = MIN (10, 3 + (int) i / 10);
          p[i].collapse_state = i < n / 3 ? MS_COLLAPSE_COLLAPSED
                                : i < 2 * n / 3 ? MS_COLLAPSE_PARTIAL : MS_COLLAPSE_HEALTHY;
        }
    }
  return p;
}

/* Pixels ------------------------------------------------------------------------------- */

static cairo_surface_t *
new_surface (int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);

  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  return s;
}

static void
pixel (cairo_surface_t *s, int x, int y, int *r, int *g, int *b)
{
  guint32 v;

  cairo_surface_flush (s);
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (s));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (s));
  v = ((guint32 *) (gpointer) (cairo_image_surface_get_data (s) +
                               (gsize) y * cairo_image_surface_get_stride (s)))[x];
  *r = v >> 16 & 0xff;
  *g = v >> 8 & 0xff;
  *b = v & 0xff;
}

/* Red or pale red, not amber (amber has far more green than blue) */
static gboolean
is_reddish (int r, int g, int b)
{
  return r > g + 25 && r > b + 25 && ABS (g - b) < 40;
}

/* Pixels that differ from the background */
static guint
count_ink (cairo_surface_t *s, const MsPlotStyle *style)
{
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  int br = (int) lround (style->background.r * 255), bg = (int) lround (style->background.g * 255);
  int bb = (int) lround (style->background.b * 255);
  guint n = 0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int r, g, b;

        pixel (s, x, y, &r, &g, &b);
        n += r != br || g != bg || b != bb;
      }
  return n;
}

/* Sample grid -------------------------------------------------------------------------- */

static void
test_grid_nearest (void)
{
  g_autoptr(MsFrame) f = make_image_frame (4);
  cairo_surface_t *s = new_surface (240, 240);
  MsPlotStyle style;
  cairo_t *cr;
  double x, y, px;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  cr = cairo_create (s);
  ms_plot_sample_grid (cr, 240, 240, f, &style, FALSE);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);

  for (int i = 0; i < 4; i++)
    {
      g_assert_true (ms_plot_sample_grid_cell (240, 240, f, &style, FALSE, i, &x, &y, &px));
      g_assert_cmpfloat (px, ==, 4.0);
      g_assert_cmpfloat (x, ==, floor (x));
      g_assert_cmpfloat (y, ==, floor (y));
      /* Every source pixel is an exact 4x4 block of its grey */
      for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++)
          {
            int want = f->grey[i * 784 + r * 28 + c];

            for (int dy = 0; dy < 4; dy++)
              for (int dx = 0; dx < 4; dx++)
                {
                  int pr, pg, pb;

                  pixel (s, (int) x + c * 4 + dx, (int) y + r * 4 + dy, &pr, &pg, &pb);
                  if (pr != want || pg != want || pb != want)
                    g_error ("sample %d pixel (%d, %d) block (%d, %d): %d %d %d, want %d",
                             i, r, c, dx, dy, pr, pg, pb, want);
                }
          }
    }
  g_assert_false (ms_plot_sample_grid_cell (240, 240, f, &style, FALSE, 4, &x, &y, &px));
  cairo_surface_destroy (s);
}

/* 64 samples in a square area make an 8 x 8 grid, not a taller one with equally large cells */
static void
test_grid_square_layout (void)
{
  g_autoptr(MsFrame) f = make_image_frame (64);
  MsPlotStyle style;
  double x0, y0, x8, y8, x, y, px;

  ms_plot_style_init (&style, FALSE, FALSE);
  g_assert_true (ms_plot_sample_grid_cell (640, 640, f, &style, FALSE, 0, &x0, &y0, &px));
  g_assert_true (ms_plot_sample_grid_cell (640, 640, f, &style, FALSE, 8, &x8, &y8, &px));
  g_assert_cmpfloat (x8, ==, x0);   /* sample 8 starts the second row */
  g_assert_cmpfloat (y8, >, y0);
  g_assert_true (ms_plot_sample_grid_cell (640, 640, f, &style, FALSE, 7, &x, &y, &px));
  g_assert_cmpfloat (y, ==, y0);
}

static void
test_grid_labels_and_empty (void)
{
  g_autoptr(MsFrame) f = make_image_frame (64);
  g_autoptr(MsFrame) empty = ms_frame_new ();
  cairo_surface_t *s = new_surface (400, 420);
  MsPlotStyle style;
  cairo_t *cr;
  guint ink_labels;

  for (int dark = 0; dark <= 1; dark++)
    for (int presenter = 0; presenter <= 1; presenter++)
      {
        ms_plot_style_init (&style, dark, presenter);
        style.fill_background = TRUE;
        cr = cairo_create (s);
        ms_plot_sample_grid (cr, 400, 420, f, &style, TRUE);
        g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
        cairo_destroy (cr);
        ink_labels = count_ink (s, &style);
        g_assert_cmpuint (ink_labels, >, 400 * 420 / 4);
      }

  /* No samples: only the message */
  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  cr = cairo_create (s);
  ms_plot_sample_grid (cr, 400, 420, empty, &style, TRUE);
  ms_plot_sample_grid (cr, 400, 420, NULL, &style, FALSE);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  g_assert_cmpuint (count_ink (s, &style), <, 400 * 420 / 20);
  cairo_surface_destroy (s);
}

/* Histogram ---------------------------------------------------------------------------- */

static guint
red_pixels_in (cairo_surface_t *s, double x, double y, double w, double h)
{
  guint n = 0;

  for (int py = (int) ceil (y); py < (int) (y + h); py++)
    for (int px = (int) ceil (x); px < (int) (x + w); px++)
      {
        int r, g, b;

        pixel (s, px, py, &r, &g, &b);
        n += is_reddish (r, g, b);
      }
  return n;
}

static void
test_histogram_missing (void)
{
  g_autoptr(MsFrame) f = make_image_frame (16);
  cairo_surface_t *s = new_surface (600, 320);
  MsPlotStyle style;
  cairo_t *cr;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  cr = cairo_create (s);
  ms_plot_class_histogram (cr, 600, 320, f, &style);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);

  for (int c = 0; c < 10; c++)
    {
      double x, y, w, h;
      guint red, area;

      g_assert_true (ms_plot_class_histogram_slot (600, 320, f, &style, c, &x, &y, &w, &h));
      g_assert_cmpfloat (w, >, 4);
      g_assert_cmpfloat (h, >, 40);
      /* The lower half of the slot: below the "missing" label */
      red = red_pixels_in (s, x + 1, y + h / 2, w - 2, h / 2 - 2);
      area = (guint) ((w - 3) * (h / 2 - 3));
      if (!f->evaluation.present[c])
        g_assert_cmpuint (red, >, area * 9 / 10);
      else
        g_assert_cmpuint (red, <, area / 20);
    }
  g_assert_false (ms_plot_class_histogram_slot (600, 320, f, &style, 10, NULL, NULL, NULL, NULL));
  cairo_surface_destroy (s);
}

static void
test_histogram_no_evaluation (void)
{
  g_autoptr(MsFrame) f = make_image_frame (4);
  cairo_surface_t *s = new_surface (300, 200);
  MsPlotStyle style;
  cairo_t *cr;
  double x, y, w, h;

  f->has_evaluation = FALSE;
  ms_plot_style_init (&style, TRUE, FALSE);
  style.fill_background = TRUE;
  cr = cairo_create (s);
  ms_plot_class_histogram (cr, 300, 200, f, &style);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  g_assert_false (ms_plot_class_histogram_slot (300, 200, f, &style, 0, &x, &y, &w, &h));
  /* Some text, no bars */
  g_assert_cmpuint (count_ink (s, &style), >, 0);
  g_assert_cmpuint (count_ink (s, &style), <, 300 * 200 / 20);
  cairo_surface_destroy (s);
}

/* A folder of one digit (3): the real mix has only 3; the generator draws 3s and 7s (a
 * digit the data lacks), or only 7s with @only_sevens (the data's digit missing) */
static MsFrame *
make_one_digit_frame (gboolean only_sevens)
{
  MsFrame *f = make_image_frame (16);

  for (int c = 0; c < 10; c++)
    {
      f->real_share[c] = c == 3 ? 1.0 : 0.0;
      f->evaluation.present[c] = (c == 3 && !only_sevens) || c == 7;
      f->evaluation.counts[c] = c == 7 ? 200 : c == 3 && !only_sevens ? 300 : 0;
    }
  f->evaluation.n = only_sevens ? 200 : 500;
  f->evaluation.k_data = 1;
  f->evaluation.modes_covered = only_sevens ? 0 : 1;
  f->evaluation.kl_reference = NAN;
  return f;
}

/* Mean colour of the slot's rectangle [x, x+w) x [y, y+h) */
static void
mean_colour (cairo_surface_t *s, double x, double y, double w, double h,
             double *r, double *g, double *b)
{
  guint n = 0;

  *r = *g = *b = 0;
  for (int py = (int) ceil (y); py < (int) (y + h); py++)
    for (int px = (int) ceil (x); px < (int) (x + w); px++)
      {
        int pr, pg, pb;

        pixel (s, px, py, &pr, &pg, &pb);
        *r += pr, *g += pg, *b += pb, n++;
      }
  g_assert_cmpuint (n, >, 0);
  *r /= n, *g /= n, *b /= n;
}

/* Classes the data lacks are greyed, never "missing"; what the generator draws of them is a
 * grey bar, the data's own class keeps its blue bar, or its red slot when it is missing */
static void
test_histogram_not_in_data (void)
{
  cairo_surface_t *s = new_surface (600, 320);
  MsPlotStyle style;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;

  for (int only_sevens = 0; only_sevens <= 1; only_sevens++)
    {
      g_autoptr(MsFrame) f = make_one_digit_frame (only_sevens);
      cairo_t *cr = cairo_create (s);

      ms_plot_class_histogram (cr, 600, 320, f, &style);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      cairo_destroy (cr);

      for (int c = 0; c < 10; c++)
        {
          double x, y, w, h, r, g, b;
          guint red, area;

          g_assert_cmpint (ms_plot_class_in_data (f, c), ==, c == 3);
          g_assert_true (ms_plot_class_histogram_slot (600, 320, f, &style, c, &x, &y, &w, &h));
          red = red_pixels_in (s, x + 1, y + h / 2, w - 2, h / 2 - 2);
          area = (guint) ((w - 3) * (h / 2 - 3));
          if (c == 3 && only_sevens)
            {
              g_assert_cmpuint (red, >, area * 9 / 10);   /* the data's digit, missing */
              continue;
            }
          g_assert_cmpuint (red, <, area / 20);
          /* The bottom rows of the slot: the generated bar, or the wash */
          mean_colour (s, x + 1, y + h - 6, w - 2, 4, &r, &g, &b);
          if (c == 3)
            g_assert_cmpfloat (b, >, r + 80);              /* blue: generated, in the data */
          else if (c == 7)
            {
              /* Faded blue: drawn, but not in the data */
              g_assert_cmpfloat (b, >, r + 40);
              g_assert_cmpfloat (r, >, 100);
            }
          else
            {
              /* Grey, a little darker than the background */
              g_assert_cmpfloat (fabs (r - b), <, 20);
              g_assert_cmpfloat (fabs (r - g), <, 20);
              g_assert_cmpfloat (r, <, 250);
              g_assert_cmpfloat (r, >, 200);
            }
        }
    }

  /* A narrow figure wraps the legend's four items into a second row above the plot */
  {
    g_autoptr(MsFrame) f = make_one_digit_frame (FALSE);
    double x, y_wide, y_narrow, w, h;

    g_assert_true (ms_plot_class_histogram_slot (900, 300, f, &style, 0, &x, &y_wide, &w, &h));
    g_assert_true (ms_plot_class_histogram_slot (200, 300, f, &style, 0, &x, &y_narrow, &w, &h));
    g_assert_cmpfloat (y_narrow, >, y_wide);
  }

  /* A frame without the real mix says nothing about it: every class is in the data */
  {
    g_autoptr(MsFrame) f = make_image_frame (4);

    memset (f->real_share, 0, sizeof f->real_share);
    for (int c = 0; c < 10; c++)
      g_assert_true (ms_plot_class_in_data (f, c));
  }
  cairo_surface_destroy (s);
}

/* Collapse ----------------------------------------------------------------------------- */

static void
test_collapse_strip (void)
{
  MsCurvePoint p[4] = {
    { .iteration = 0, .has_eval = TRUE, .collapse_state = MS_COLLAPSE_HEALTHY },
    { .iteration = 100, .has_eval = TRUE, .collapse_state = MS_COLLAPSE_PARTIAL },
    { .iteration = 150, .has_eval = FALSE },
    { .iteration = 200, .has_eval = TRUE, .collapse_state = MS_COLLAPSE_COLLAPSED },
  };
  cairo_surface_t *s = new_surface (400, 20);
  MsPlotStyle style;
  cairo_t *cr;
  int r, g, b;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  cr = cairo_create (s);
  /* x range 0..400: healthy 0..100, partial 100..200, collapsed from 200 to the last point
   * (200) only, then nothing: the track */
  ms_plot_collapse_strip (cr, 400, 20, p, 4, 0, 400, &style);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);

  pixel (s, 50, 10, &r, &g, &b);
  g_assert_cmpint (g, >, r + 40);                       /* green */
  pixel (s, 150, 10, &r, &g, &b);
  g_assert_cmpint (r, >, 180);                          /* amber */
  g_assert_cmpint (g, >, 120);
  g_assert_cmpint (b, <, 80);
  pixel (s, 350, 10, &r, &g, &b);
  g_assert_false (is_reddish (r, g, b));                /* not evaluated */

  /* Automatic range: 0..200, the collapsed state fills the last pixel column */
  cr = cairo_create (s);
  ms_plot_collapse_strip (cr, 400, 20, p, 4, 0, 0, &style);
  cairo_destroy (cr);
  pixel (s, 399, 10, &r, &g, &b);
  g_assert_true (is_reddish (r, g, b));
  pixel (s, 250, 10, &r, &g, &b);
  g_assert_false (is_reddish (r, g, b));

  /* A long collapsed stretch is red */
  p[1].collapse_state = MS_COLLAPSE_COLLAPSED;
  cr = cairo_create (s);
  ms_plot_collapse_strip (cr, 400, 20, p, 4, 0, 0, &style);
  cairo_destroy (cr);
  for (int x = 205; x < 395; x += 10)
    {
      pixel (s, x, 10, &r, &g, &b);
      g_assert_true (is_reddish (r, g, b));
    }

  /* No points: no crash */
  cr = cairo_create (s);
  ms_plot_collapse_strip (cr, 400, 20, NULL, 0, 0, 0, &style);
  ms_plot_collapse_badge (cr, 400, 20, MS_COLLAPSE_COLLAPSED, "digits 3 and 7 missing", &style);
  ms_plot_collapse_badge (cr, 400, 20, MS_COLLAPSE_HEALTHY, NULL, &style);
  ms_plot_collapse_badge_pending (cr, 400, 20, "Waiting for the first evaluation", &style);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* Scatter ------------------------------------------------------------------------------ */

static void
test_scatter (void)
{
  cairo_surface_t *s = new_surface (420, 360);
  MsPlotStyle style;

  for (int wgan = 0; wgan <= 1; wgan++)
    {
      g_autoptr(MsFrame) f = make_2d_frame (wgan);
      cairo_t *cr;

      ms_plot_style_init (&style, wgan, FALSE);
      style.fill_background = TRUE;
      cr = cairo_create (s);
      ms_plot_scatter (cr, 420, 360, f, &style);
      /* The grid painter hands 2-D frames to the scatter */
      ms_plot_sample_grid (cr, 420, 360, f, &style, TRUE);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      cairo_destroy (cr);
      /* The heat map covers most of the view */
      g_assert_cmpuint (count_ink (s, &style), >, 420 * 360 / 3);
    }

  {
    g_autoptr(MsFrame) f = make_2d_frame (FALSE);
    cairo_t *cr;

    /* Without heat map and evaluation */
    g_clear_pointer (&f->heat, g_free);
    f->heat_size = 0;
    f->has_evaluation = FALSE;
    cr = cairo_create (s);
    ms_plot_scatter (cr, 420, 360, f, &style);
    ms_plot_scatter (cr, 420, 360, NULL, &style);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
  }
  cairo_surface_destroy (s);
}

/* Curves ------------------------------------------------------------------------------- */

static void
test_curves_kinds (void)
{
  g_autoptr(MsFrame) latest = make_image_frame (4);
  g_autofree MsCurvePoint *p = make_points (200, 10, 10);
  g_autofree MsCurvePoint *branch = make_points (80, 10, 10);
  MsSessionEvent events[] = {
    { 300, MS_SESSION_EVENT_OPTIMIZER, 1, (char *) "Adam -> RMSProp (G, lr 0.001)" },
    { 310, MS_SESSION_EVENT_LR, 2, (char *) "lr D 0.0002 -> 0.001" },
    { 320, MS_SESSION_EVENT_PAUSE, 3, (char *) "paused" },
    { 900, MS_SESSION_EVENT_DIVERGED, 0, (char *) "diverged: rolled back to 800" },
  };
  cairo_surface_t *s = new_surface (640, 260);
  MsPlotStyle style;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;

  for (MsCurveKind kind = MS_CURVE_KL; kind <= MS_CURVE_MODES; kind++)
    {
      g_autoptr(MsPlotCurves) c = ms_plot_curves_new (kind);
      g_autofree char *text = NULL;
      g_autofree char *latest_text = NULL;
      gint64 it = -1, lo, hi;
      cairo_t *cr;

      g_assert_true (ms_plot_curves_is_empty (c));
      cr = cairo_create (s);
      ms_plot_curves_draw (c, cr, 640, 260, &style, -1);   /* "No evaluation yet" */
      cairo_destroy (cr);
      g_assert_false (ms_plot_curves_lookup (c, 640, 260, 320, &it, &text));
      g_assert_null (ms_plot_curves_describe_latest (c));

      ms_plot_curves_update (c, p, 200, events, G_N_ELEMENTS (events), latest);
      ms_plot_curves_add_branch (c, branch, 80);
      g_assert_false (ms_plot_curves_is_empty (c));
      ms_plot_curves_get_x_range (c, &lo, &hi);
      g_assert_cmpint (lo, ==, 0);
      g_assert_cmpint (hi, ==, 1990);

      cr = cairo_create (s);
      ms_plot_curves_draw (c, cr, 640, 260, &style, 1000);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      cairo_destroy (cr);
      g_assert_cmpuint (count_ink (s, &style), >, 2000);

      /* The middle of the plot: iteration near 1000 */
      g_assert_true (ms_plot_curves_lookup (c, 640, 260, 330, &it, &text));
      g_assert_cmpint (it, >, 700);
      g_assert_cmpint (it, <, 1300);
      g_assert_true (g_str_has_prefix (text, "iter "));
      if (kind != MS_CURVE_LOSS)
        g_assert_cmpint (it % 100, ==, 0);   /* evaluated points only */
      if (kind == MS_CURVE_KL)
        g_assert_nonnull (strstr (text, "(floor 0.025)"));
      if (kind == MS_CURVE_IS)
        g_assert_nonnull (strstr (text, "real data 9.84"));
      if (kind == MS_CURVE_MODES)
        g_assert_nonnull (strstr (text, "of 10 modes"));
      if (kind == MS_CURVE_LOSS)
        g_assert_nonnull (strstr (text, "loss G"));
      /* Left of the plot area: nothing */
      g_assert_false (ms_plot_curves_lookup (c, 640, 260, 1, NULL, NULL));

      latest_text = ms_plot_curves_describe_latest (c);
      g_assert_nonnull (latest_text);
      g_assert_true (g_str_has_prefix (latest_text, kind == MS_CURVE_LOSS ? "iter 1990:"
                                                                          : "iter 1900:"));

      /* A fixed axis shared with other charts */
      ms_plot_curves_set_x_range (c, 0, 4000);
      ms_plot_curves_get_x_range (c, &lo, &hi);
      g_assert_cmpint (hi, ==, 4000);
      g_assert_true (ms_plot_curves_lookup (c, 640, 260, 620, &it, NULL));
      /* nearest to ~3900: the last (evaluated) point */
      g_assert_cmpint (it, ==, kind == MS_CURVE_LOSS ? 1990 : 1900);
      ms_plot_curves_clear_branches (c);

      /* Presenter and dark styles, tiny sizes */
      for (int dark = 0; dark <= 1; dark++)
        {
          MsPlotStyle big;

          ms_plot_style_init (&big, dark, TRUE);
          cr = cairo_create (s);
          ms_plot_curves_draw (c, cr, 640, 260, &big, -1);
          ms_plot_curves_draw (c, cr, 30, 20, &big, 5);
          g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
          cairo_destroy (cr);
        }
    }
  cairo_surface_destroy (s);
}

/* A folder of one digit: modes out of 1, and a KL chart that says why it is empty; a folder
 * of three digits whose generator drew none of them: says so too.  No "nan" or "inf" ever. */
static void
test_curves_subset (void)
{
  g_autoptr(MsFrame) one = make_one_digit_frame (FALSE);
  g_autoptr(MsFrame) three = make_one_digit_frame (FALSE);
  g_autofree MsCurvePoint *p = make_points (50, 10, 10);
  cairo_surface_t *s = new_surface (640, 260);
  MsPlotStyle style;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  three->evaluation.k_data = 3;
  for (guint i = 0; i < 50; i++)
    {
      p[i].kl = p[i].has_eval ? NAN : 0;
      p[i].modes_covered = p[i].has_eval ? (int) (i / 10) % 2 : 0;
    }

  for (MsCurveKind kind = MS_CURVE_KL; kind <= MS_CURVE_MODES; kind++)
    {
      g_autoptr(MsPlotCurves) c = ms_plot_curves_new (kind);
      g_autofree char *latest = NULL;
      g_autofree char *text = NULL;
      cairo_t *cr;

      ms_plot_curves_update (c, p, 50, NULL, 0, one);
      cr = cairo_create (s);
      ms_plot_curves_draw (c, cr, 640, 260, &style, 200);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      cairo_destroy (cr);
      latest = ms_plot_curves_describe_latest (c);
      if (ms_plot_curves_lookup (c, 640, 260, 330, NULL, &text))
        {
          g_assert_null (strstr (text, "nan"));
          g_assert_null (strstr (text, "inf"));
        }
      if (kind == MS_CURVE_KL)
        {
          g_assert_true (ms_plot_curves_is_empty (c));
          g_assert_null (latest);
          g_assert_nonnull (strstr (ms_plot_curves_get_empty_message (c), "one class"));
          /* The floor is kl_uniform's over all 10 classes: not this chart's, so no legend
           * square of the band's green over white */
          g_assert_cmpint (count_ink (s, &style), <, 640 * 260 / 20);
          {
            guint green = 0;

            for (int y = 0; y < 40; y++)
              for (int x = 0; x < 640; x++)
                {
                  int r, g, b;

                  pixel (s, x, y, &r, &g, &b);
                  green += g > r + 10 && g > b + 5;
                }
            g_assert_cmpuint (green, ==, 0);
          }

          ms_plot_curves_update (c, p, 50, NULL, 0, three);
          g_assert_true (ms_plot_curves_is_empty (c));
          g_assert_nonnull (strstr (ms_plot_curves_get_empty_message (c), "none of the data"));
          cr = cairo_create (s);
          ms_plot_curves_draw (c, cr, 640, 260, &style, 200);
          cairo_destroy (cr);

          /* Without any evaluation yet it says only that */
          ms_plot_curves_update (c, NULL, 0, NULL, 0, one);
          g_assert_nonnull (strstr (ms_plot_curves_get_empty_message (c), "one class"));
        }
      else if (kind == MS_CURVE_MODES)
        {
          g_assert_cmpint (ms_plot_curves_get_modes_total (c), ==, 1);
          g_assert_nonnull (latest);
          g_assert_nonnull (strstr (latest, "of 1 modes"));
          ms_plot_curves_update (c, p, 50, NULL, 0, three);
          g_assert_cmpint (ms_plot_curves_get_modes_total (c), ==, 3);
          /* k_data 0 (an evaluation from an older file): all the classifier's classes */
          one->evaluation.k_data = 0;
          ms_plot_curves_update (c, p, 50, NULL, 0, one);
          g_assert_cmpint (ms_plot_curves_get_modes_total (c), ==, 10);
          one->evaluation.k_data = 1;
        }
      if (kind != MS_CURVE_KL)
        g_assert_null (ms_plot_curves_get_empty_message (c));
    }
  cairo_surface_destroy (s);
}

/* A spike among 200,000 loss points survives decimation: the loss D colour reaches the top
 * of the plot area */
static void
test_curves_decimation_keeps_spikes (void)
{
  const guint n = 200000;
  g_autofree MsCurvePoint *p = make_points (n, 1, 1000);
  g_autoptr(MsPlotCurves) c = ms_plot_curves_new (MS_CURVE_LOSS);
  cairo_surface_t *s = new_surface (600, 300);
  MsPlotStyle style;
  cairo_t *cr;
  int target_r, target_g, target_b;
  gboolean found = FALSE;

  p[123457].loss_d = 100.0;
  ms_plot_curves_update (c, p, n, NULL, 0, NULL);
  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  cr = cairo_create (s);
  ms_plot_curves_draw (c, cr, 600, 300, &style, -1);
  cairo_destroy (cr);

  target_r = (int) lround (style.series[MS_PLOT_SERIES_LOSS_D].r * 255);
  target_g = (int) lround (style.series[MS_PLOT_SERIES_LOSS_D].g * 255);
  target_b = (int) lround (style.series[MS_PLOT_SERIES_LOSS_D].b * 255);
  /* The top eighth of the image, around 123457 / 200000 of the width */
  for (int y = 0; y < 300 / 8 + 20 && !found; y++)
    for (int x = 300; x < 450 && !found; x++)
      {
        int r, g, b;

        pixel (s, x, y, &r, &g, &b);
        found = ABS (r - target_r) < 40 && ABS (g - target_g) < 40 && ABS (b - target_b) < 40;
      }
  g_assert_true (found);

  /* At most 2 points per column and series, the spike still the maximum */
  g_assert_cmpuint (ms_plot_curves_get_n_drawn (c), <=, 2 * 2 * 2048);
  ms_plot_curves_set_columns (c, 300);
  g_assert_cmpuint (ms_plot_curves_get_n_drawn (c), <=, 2 * 2 * 300);
  g_assert_cmpuint (ms_plot_curves_get_n_drawn (c), >=, 2 * 300);
  cr = cairo_create (s);
  ms_plot_curves_draw (c, cr, 600, 300, &style, -1);
  cairo_destroy (cr);
  found = FALSE;
  for (int y = 0; y < 300 / 8 + 20 && !found; y++)
    for (int x = 300; x < 450 && !found; x++)
      {
        int r, g, b;

        pixel (s, x, y, &r, &g, &b);
        found = ABS (r - target_r) < 40 && ABS (g - target_g) < 40 && ABS (b - target_b) < 40;
      }
  g_assert_true (found);
  cairo_surface_destroy (s);
}

/* Caption ------------------------------------------------------------------------------ */

static void
test_caption (void)
{
  g_autoptr(MsFrame) f = make_image_frame (4);
  g_autoptr(MsFrame) r = make_2d_frame (TRUE);
  g_autofree char *a = ms_plot_caption (f);
  g_autofree char *b = NULL;

  g_assert_cmpstr (a, ==, "MNIST \xc2\xb7 dcgan-small \xc2\xb7 non-saturating \xc2\xb7 G Adam 2e-4 "
                          "\xc2\xb7 D Adam 2e-4 \xc2\xb7 batch 64 \xc2\xb7 iteration 1200");
  r->settings.gan.unroll = 5;
  b = ms_plot_caption (r);
  g_assert_true (g_str_has_prefix (b, "ring8 \xc2\xb7 mlp \xc2\xb7 WGAN-GP"));
  g_assert_nonnull (strstr (b, "unrolled 5"));
  g_assert_nonnull (strstr (b, "iteration 500"));
}

/* Files -------------------------------------------------------------------------------- */

static void
paint_histogram (cairo_t *cr, double w, double h, gpointer data)
{
  MsPlotStyle style;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  ms_plot_class_histogram (cr, w, h, data, &style);
}

static guint
count_entries (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

static void
test_write_formats (void)
{
  g_autoptr(MsFrame) f = make_image_frame (4);
  g_autofree char *dir = ms_test_make_tmpdir ("ms-plot");
  g_autofree char *png = g_build_filename (dir, "h.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "h.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "h.pdf", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  cairo_surface_t *back;

  g_assert_true (ms_plot_write (png, "png", 320, 200, paint_histogram, f, &error));
  g_assert_no_error (error);
  back = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (back), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (back), ==, 320);
  g_assert_cmpint (cairo_image_surface_get_height (back), ==, 200);
  cairo_surface_destroy (back);

  g_assert_true (ms_plot_write (svg, "svg", 320, 200, paint_histogram, f, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 100);
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_assert_nonnull (strstr (contents, "<svg"));
  g_assert_nonnull (strstr (contents, "</svg>"));
  g_clear_pointer (&contents, g_free);

  g_assert_true (ms_plot_write (pdf, "PDF", 320, 200, paint_histogram, f, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 100);
  g_assert_true (g_str_has_prefix (contents, "%PDF"));

  /* Only the three files: no temporary left behind */
  g_assert_cmpuint (count_entries (dir), ==, 3);

  /* Unknown format and bad sizes fail before touching the file */
  g_assert_false (ms_plot_write (png, "bmp", 320, 200, paint_histogram, f, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (ms_plot_write (png, "png", 0, 200, paint_histogram, f, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  back = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_image_surface_get_width (back), ==, 320);
  cairo_surface_destroy (back);

  ms_test_rm_rf (dir);
}

static void
test_write_failures (void)
{
  g_autoptr(MsFrame) f = make_image_frame (4);
  g_autofree char *dir = ms_test_make_tmpdir ("ms-plot");
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "h.png", NULL);
  g_autofree char *ro = g_build_filename (dir, "read-only", NULL);
  g_autofree char *ro_file = g_build_filename (ro, "h.png", NULL);
  g_autofree char *as_dir = g_build_filename (dir, "a-folder", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;

  /* A folder that does not exist */
  g_assert_false (ms_plot_write (missing, "png", 100, 80, paint_histogram, f, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "h.png"));
  g_clear_error (&error);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  /* A path that is a folder: the folder and its parent are left as they were */
  g_assert_cmpint (g_mkdir (as_dir, 0755), ==, 0);
  g_assert_false (ms_plot_write (as_dir, "svg", 100, 80, paint_histogram, f, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (g_file_test (as_dir, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* A read-only folder with an earlier export: it is kept */
  g_assert_cmpint (g_mkdir (ro, 0755), ==, 0);
  g_assert_true (ms_plot_write (ro_file, "png", 100, 80, paint_histogram, f, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (ro_file, &before, &before_len, NULL));
  g_assert_cmpint (g_chmod (ro, 0555), ==, 0);
  if (access (ro, W_OK) == 0)
    {
      /* root ignores the mode */
      g_chmod (ro, 0755);
      ms_test_rm_rf (dir);
      g_test_skip ("the read-only case needs a user that cannot write to a 0555 folder");
      return;
    }
  g_assert_false (ms_plot_write (ro_file, "png", 200, 120, paint_histogram, f, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "Choose a folder"));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (ro_file, &after, &after_len, NULL));
  g_assert_cmpuint (after_len, ==, before_len);
  g_assert_cmpint (memcmp (before, after, before_len), ==, 0);
  g_assert_cmpuint (count_entries (ro), ==, 1);
  g_chmod (ro, 0755);
  ms_test_rm_rf (dir);
}

/* Gallery: every painter to a PNG, light and dark, kept as artifacts to look at: in
 * $MS_PLOT_GALLERY when set, else in <build>/tests/plot-gallery under meson test, else in a
 * temporary folder removed afterwards */
typedef struct
{
  MsFrame      *frame;
  MsPlotCurves *curves;
  MsCurvePoint *points;
  guint         n_points;
  gboolean      dark;
  gboolean      presenter;
  int           which;
} Gallery;

static void
paint_gallery (cairo_t *cr, double w, double h, gpointer data)
{
  Gallery *g = data;
  MsPlotStyle style;

  ms_plot_style_init (&style, g->dark, g->presenter);
  style.fill_background = TRUE;
  switch (g->which)
    {
    case 0:
      ms_plot_sample_grid (cr, w, h, g->frame, &style, TRUE);
      break;
    case 1:
      ms_plot_class_histogram (cr, w, h, g->frame, &style);
      break;
    case 2:
      ms_plot_curves_draw (g->curves, cr, w, h, &style, 700);
      break;
    case 3:
      ms_plot_scatter (cr, w, h, g->frame, &style);
      break;
    default:
      ms_plot_collapse_badge (cr, w, h - 16, MS_COLLAPSE_COLLAPSED, g->frame->collapse_reason,
                              &style);
      cairo_translate (cr, 0, h - 16);
      ms_plot_collapse_strip (cr, w, 16, g->points, g->n_points, 0, 0, &style);
      break;
    }
}

static void
test_gallery (void)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *keep = g_getenv ("MS_PLOT_GALLERY") != NULL
                          ? g_strdup (g_getenv ("MS_PLOT_GALLERY"))
                          : builddir != NULL ? g_build_filename (builddir, "plot-gallery", NULL)
                          : NULL;
  g_autofree char *dir = keep != NULL ? g_strdup (keep) : ms_test_make_tmpdir ("ms-gallery");
  g_autoptr(MsFrame) images = make_image_frame (64);
  g_autoptr(MsFrame) ring = make_2d_frame (FALSE);
  g_autofree MsCurvePoint *p = make_points (300, 10, 10);
  MsSessionEvent events[] = {
    { 600, MS_SESSION_EVENT_OPTIMIZER, 1, (char *) "Adam -> RMSProp (G, lr 0.001)" },
    { 640, MS_SESSION_EVENT_LR, 2, (char *) "lr D 0.0002 -> 0.001" },
    { 660, MS_SESSION_EVENT_GAN_CONFIG, 3, (char *) "loss nsgan -> wgan-gp" },
    { 2000, MS_SESSION_EVENT_DIVERGED, 0, (char *) "diverged: rolled back to 1900" },
  };
  static const char *kinds[] = { "kl", "is", "loss", "modes" };

  g_mkdir_with_parents (dir, 0755);
  for (int mode = 0; mode < 3; mode++)   /* light, dark, presenter (light) */
    for (int which = 0; which < 8; which++)
      {
        gboolean dark = mode == 1;
        Gallery g = { which == 3 ? ring : images, NULL, p, 300, dark, mode == 2, which };
        const char *suffix = mode == 0 ? "light" : mode == 1 ? "dark" : "presenter";
        g_autofree char *name = NULL;
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;
        double w = 640, h = 360;

        if (which >= 4 && which < 8)
          {
            g.curves = ms_plot_curves_new ((MsCurveKind) (which - 4));
            ms_plot_curves_update (g.curves, p, 300, events, G_N_ELEMENTS (events), images);
            g.which = 2;
            h = 240;
            name = g_strdup_printf ("curve-%s-%s.png", kinds[which - 4], suffix);
          }
        else
          {
            static const char *names[] = { "grid", "histogram", "", "scatter" };

            if (which == 2)
              {
                g.which = 4;
                h = mode == 2 ? 130 : 90;
                name = g_strdup_printf ("collapse-%s.png", suffix);
              }
            else
              name = g_strdup_printf ("%s-%s.png", names[which], suffix);
          }
        path = g_build_filename (dir, name, NULL);
        g_assert_true (ms_plot_write (path, "png", w, h, paint_gallery, &g, &error));
        g_assert_no_error (error);
        g_clear_pointer (&g.curves, ms_plot_curves_free);
      }
  /* Fashion-MNIST's long class names, on a narrow histogram */
  {
    static const char *fashion[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL };
    Gallery g = { images, NULL, p, 300, FALSE, FALSE, 1 };
    g_autofree char *path = g_build_filename (dir, "histogram-fashion.png", NULL);
    g_autoptr(GError) error = NULL;

    g_strfreev (images->class_names);
    images->class_names = g_strdupv ((char **) fashion);
    g_assert_true (ms_plot_write (path, "png", 420, 300, paint_gallery, &g, &error));
    g_assert_no_error (error);
  }
  /* A folder of one digit: the other classes greyed, the KL chart explained, modes out of 1 */
  for (int which = 0; which < 5; which++)
    {
      g_autoptr(MsFrame) one = make_one_digit_frame (which == 4);
      g_autofree MsCurvePoint *q = make_points (300, 10, 10);
      static const char *names[] = { "histogram-one-digit-light.png", "histogram-one-digit-dark.png",
                                     "curve-kl-one-digit.png", "curve-modes-one-digit.png",
                                     "histogram-one-digit-narrow.png" };
      Gallery g = { one, NULL, q, 300, which == 1, FALSE, 1 };
      g_autofree char *path = g_build_filename (dir, names[which], NULL);
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < 300; i++)
        {
          q[i].kl = NAN;
          q[i].modes_covered = MIN (q[i].modes_covered, 1);
        }
      if (which == 2 || which == 3)
        {
          g.curves = ms_plot_curves_new (which == 2 ? MS_CURVE_KL : MS_CURVE_MODES);
          ms_plot_curves_update (g.curves, q, 300, NULL, 0, one);
          g.which = 2;
        }
      g_assert_true (ms_plot_write (path, "png", which == 4 ? 280 : 640,
                                    which == 2 || which == 3 ? 240 : 360, paint_gallery, &g,
                                    &error));
      g_assert_no_error (error);
      g_clear_pointer (&g.curves, ms_plot_curves_free);
    }
  g_assert_cmpuint (count_entries (dir), >=, 30);
  if (keep == NULL)
    ms_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/grid/nearest", test_grid_nearest);
  g_test_add_func ("/plot/grid/square-layout", test_grid_square_layout);
  g_test_add_func ("/plot/grid/labels-and-empty", test_grid_labels_and_empty);
  g_test_add_func ("/plot/histogram/missing", test_histogram_missing);
  g_test_add_func ("/plot/histogram/no-evaluation", test_histogram_no_evaluation);
  g_test_add_func ("/plot/histogram/not-in-data", test_histogram_not_in_data);
  g_test_add_func ("/plot/collapse/strip", test_collapse_strip);
  g_test_add_func ("/plot/scatter", test_scatter);
  g_test_add_func ("/plot/curves/kinds", test_curves_kinds);
  g_test_add_func ("/plot/curves/decimation", test_curves_decimation_keeps_spikes);
  g_test_add_func ("/plot/curves/subset", test_curves_subset);
  g_test_add_func ("/plot/caption", test_caption);
  g_test_add_func ("/plot/write/formats", test_write_formats);
  g_test_add_func ("/plot/write/failures", test_write_failures);
  g_test_add_func ("/plot/gallery", test_gallery);
  return g_test_run ();
}
