/* test-views.c: the dashboard's view widgets (GUI: run under xvfb-run)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gtk/gtk.h>

#include "ms-class-histogram.h"
#include "ms-collapse-indicator.h"
#include "ms-curve-chart.h"
#include "ms-sample-grid.h"
#include "ms-scatter-view.h"
#include "ms-view-renderer.h"

static const char *digit_names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };

#define REASON "digits 3, 7 and 8 missing; KL 0.42 is 17x the noise floor"

/* A collapsed MNIST frame: digits 3, 7 and 8 missing */
static MsFrame *
make_collapsed_frame (void)
{
  MsFrame *f = ms_frame_new ();

  f->iteration = 1200;
  f->run = 1;
  f->grid_n = 16;
  f->sample_ndim = 3;
  f->sample_shape[0] = 1;
  f->sample_shape[1] = 28;
  f->sample_shape[2] = 28;
  f->sample_size = 784;
  f->samples = g_new0 (float, 16 * 784);
  f->grey = g_new (guint8, 16 * 784);
  for (int i = 0; i < 16 * 784; i++)
    f->grey[i] = (guint8) (i * 13 % 256);
  ms_session_settings_init (&f->settings, "mnist", MS_LOSS_NSGAN);
  f->n_classes = 10;
  f->class_names = g_strdupv ((char **) digit_names);
  for (int c = 0; c < 10; c++)
    f->real_share[c] = 0.1;
  f->grid_labels = g_new (gint8, 16);
  for (int i = 0; i < 16; i++)
    f->grid_labels[i] = (gint8) (i % 2 ? 1 : 5);

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
  f->evaluation.kl_floor_mean = 0.01;
  f->evaluation.kl_floor_p99 = 0.025;
  f->collapse_state = MS_COLLAPSE_COLLAPSED;
  f->collapse_reason = g_strdup (REASON);

  f->n_points = 3;
  f->points = g_new0 (MsCurvePoint, 3);
  for (int i = 0; i < 3; i++)
    {
      f->points[i].iteration = 1000 + 100 * i;
      f->points[i].has_eval = TRUE;
      f->points[i].kl = 0.4;
      f->points[i].collapse_state = i == 0 ? MS_COLLAPSE_PARTIAL : MS_COLLAPSE_COLLAPSED;
    }
  return f;
}

static MsFrame *
make_ring_frame (void)
{
  MsFrame *f = ms_frame_new ();

  f->iteration = 300;
  f->is_2d = TRUE;
  f->grid_n = 8;
  f->sample_ndim = 1;
  f->sample_shape[0] = 2;
  f->sample_size = 2;
  f->samples = g_new0 (float, 16);
  ms_session_settings_init (&f->settings, "ring8", MS_LOSS_NSGAN);
  f->n_modes = 8;
  f->mode_centres = g_new (float, 16);
  for (int m = 0; m < 8; m++)
    {
      f->mode_centres[2 * m] = 2 * cosf (m * G_PI / 4);
      f->mode_centres[2 * m + 1] = 2 * sinf (m * G_PI / 4);
    }
  f->heat_size = 8;
  f->heat = g_new (float, 64);
  for (int i = 0; i < 64; i++)
    f->heat[i] = (float) (i % 8) / 7.0f;
  f->extent[0] = -3, f->extent[1] = 3, f->extent[2] = -3, f->extent[3] = 3;
  f->n_classes = 8;
  f->class_names = g_strdupv ((char *[]) { "0", "1", "2", "3", "4", "5", "6", "7", NULL });
  f->has_evaluation = TRUE;
  f->evaluation.is_2d = TRUE;
  f->evaluation.n = 500;
  f->evaluation.k = 8;
  for (int m = 0; m < 6; m++)
    f->evaluation.present[m] = TRUE;
  f->evaluation.modes_covered = 6;
  return f;
}

/* Main loop helpers ---------------------------------------------------------------------- */

static gboolean
on_timeout (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

/* Iterates the main loop until @cond holds; fails the test after @seconds */
static void
wait_for (Condition cond, gpointer data, guint seconds, const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (seconds, on_timeout, &expired);

  while (!cond (data) && !expired)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  if (expired)
    g_error ("timed out after %u s waiting for %s", seconds, what);
  g_source_remove (id);
}

static gboolean
has_size (gpointer data)
{
  return gtk_widget_get_width (data) > 0 && gtk_widget_get_height (data) > 0 &&
         gtk_widget_get_mapped (data);
}

/* Renders @widget through a GtkWidgetPaintable and returns how many pixels have ink */
static guint
render_ink (GtkWidget *widget)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GskRenderNode *node;
  cairo_surface_t *surface;
  cairo_t *cr;
  guint ink = 0;

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_object_unref (paintable);
  if (node == NULL)
    return 0;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cr = cairo_create (surface);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  gsk_render_node_unref (node);
  cairo_surface_flush (surface);
  for (int y = 0; y < h; y++)
    {
      const guint32 *row = (const guint32 *) (gpointer) (cairo_image_surface_get_data (surface) +
                                                         (gsize) y * cairo_image_surface_get_stride (surface));

      for (int x = 0; x < w; x++)
        ink += (row[x] >> 24) > 32;
    }
  cairo_surface_destroy (surface);
  return ink;
}

/* Tests -------------------------------------------------------------------------------- */

static void
test_collapsed_frame (void)
{
  g_autoptr(MsFrame) f = make_collapsed_frame ();
  MsClassHistogram *hist = MS_CLASS_HISTOGRAM (g_object_ref_sink (ms_class_histogram_new ()));
  MsCollapseIndicator *ind = MS_COLLAPSE_INDICATOR (g_object_ref_sink (ms_collapse_indicator_new ()));

  /* Before any frame */
  g_assert_cmpuint (ms_class_histogram_get_n_missing (hist), ==, 0);
  gtk_test_accessible_assert_property (hist, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "No evaluation yet");
  g_assert_cmpint (ms_collapse_indicator_get_state (ind), ==, MS_COLLAPSE_HEALTHY);
  g_assert_cmpstr (ms_collapse_indicator_get_reason (ind), ==, "");
  gtk_test_accessible_assert_property (ind, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "No evaluation yet");
  g_assert_true (gtk_test_accessible_has_role (GTK_ACCESSIBLE (hist), GTK_ACCESSIBLE_ROLE_IMG));
  g_assert_true (gtk_test_accessible_has_role (GTK_ACCESSIBLE (ind), GTK_ACCESSIBLE_ROLE_IMG));

  ms_class_histogram_set_frame (hist, f);
  g_assert_cmpuint (ms_class_histogram_get_n_missing (hist), ==, 3);
  g_assert_cmpstr (ms_class_histogram_get_summary (hist), ==,
                   "Generated digits: 7 classes present; missing: 3, 7 and 8");
  gtk_test_accessible_assert_property (hist, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Generated digits: 7 classes present; missing: 3, 7 and 8");
  gtk_test_accessible_assert_property (hist, GTK_ACCESSIBLE_PROPERTY_LABEL, "Class histogram");

  ms_collapse_indicator_set_frame (ind, f);
  g_assert_cmpint (ms_collapse_indicator_get_state (ind), ==, MS_COLLAPSE_COLLAPSED);
  g_assert_cmpstr (ms_collapse_indicator_get_reason (ind), ==, REASON);
  gtk_test_accessible_assert_property (ind, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Collapsed: " REASON);

  /* Back to nothing */
  ms_class_histogram_set_frame (hist, NULL);
  g_assert_cmpuint (ms_class_histogram_get_n_missing (hist), ==, 0);

  g_assert_finalize_object (hist);
  g_assert_finalize_object (ind);
}

/* A folder of a few digits: the classes it lacks are neither present nor missing */
static void
test_subset_frame (void)
{
  g_autoptr(MsFrame) f = make_collapsed_frame ();
  MsClassHistogram *hist = MS_CLASS_HISTOGRAM (g_object_ref_sink (ms_class_histogram_new ()));

  /* One digit (3); the generator draws 3s and 7s */
  for (int c = 0; c < 10; c++)
    {
      f->real_share[c] = c == 3 ? 1.0 : 0.0;
      f->evaluation.present[c] = c == 3 || c == 7;
      f->evaluation.counts[c] = c == 3 ? 300 : c == 7 ? 200 : 0;
    }
  f->evaluation.k_data = 1;
  f->evaluation.modes_covered = 1;
  ms_class_histogram_set_frame (hist, f);
  g_assert_cmpuint (ms_class_histogram_get_n_missing (hist), ==, 0);
  g_assert_cmpstr (ms_class_histogram_get_summary (hist), ==,
                   "Generated digits: the data's 1 class present");

  /* Only 7s: the data's digit is missing, and only it */
  f->evaluation.present[3] = FALSE;
  f->evaluation.counts[3] = 0;
  ms_class_histogram_set_frame (hist, NULL);
  ms_class_histogram_set_frame (hist, f);
  g_assert_cmpuint (ms_class_histogram_get_n_missing (hist), ==, 1);
  g_assert_cmpstr (ms_class_histogram_get_summary (hist), ==,
                   "Generated digits: 0 of the data's 1 class present; missing: 3");

  /* Three digits (3, 5, 7), 7 missing */
  g_clear_pointer (&f, ms_frame_unref);
  f = make_collapsed_frame ();
  for (int c = 0; c < 10; c++)
    {
      f->real_share[c] = c == 3 || c == 5 || c == 7 ? 1.0 / 3 : 0.0;
      f->evaluation.present[c] = c == 3 || c == 5 || c == 1;
      f->evaluation.counts[c] = f->evaluation.present[c] ? 100 : 0;
    }
  f->evaluation.k_data = 3;
  f->evaluation.modes_covered = 2;
  ms_class_histogram_set_frame (hist, f);
  g_assert_cmpuint (ms_class_histogram_get_n_missing (hist), ==, 1);
  gtk_test_accessible_assert_property (hist, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Generated digits: 2 of the data's 3 classes present; "
                                       "missing: 7");
  g_assert_finalize_object (hist);
}

static void
test_render_all (void)
{
  g_autoptr(MsFrame) f = make_collapsed_frame ();
  g_autoptr(MsFrame) ring = make_ring_frame ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *widgets[6];

  widgets[0] = ms_sample_grid_new ();
  widgets[1] = ms_class_histogram_new ();
  widgets[2] = ms_collapse_indicator_new ();
  widgets[3] = ms_scatter_view_new ();
  widgets[4] = ms_curve_chart_new (MS_CURVE_KL);
  widgets[5] = ms_sample_grid_new ();

  ms_sample_grid_set_frame (MS_SAMPLE_GRID (widgets[0]), f);
  g_object_set (widgets[0], "show-labels", TRUE, "presenter", TRUE, NULL);
  ms_class_histogram_set_frame (MS_CLASS_HISTOGRAM (widgets[1]), f);
  ms_collapse_indicator_set_frame (MS_COLLAPSE_INDICATOR (widgets[2]), f);
  ms_scatter_view_set_frame (MS_SCATTER_VIEW (widgets[3]), ring);
  ms_sample_grid_set_frame (MS_SAMPLE_GRID (widgets[5]), ring);   /* 2-D: the scatter */

  g_assert_cmpstr (ms_scatter_view_get_summary (MS_SCATTER_VIEW (widgets[3])), ==,
                   "8 modes, 6 covered; missed: 6 and 7");
  gtk_test_accessible_assert_property (widgets[3], GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "8 modes, 6 covered; missed: 6 and 7");
  gtk_test_accessible_assert_property (widgets[0], GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "16 generated samples at iteration 1200; they look "
                                       "like 2 classes: 1, 5");

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    {
      g_object_ref (widgets[i]);
      gtk_box_append (GTK_BOX (box), widgets[i]);
      gtk_widget_set_vexpand (widgets[i], TRUE);
      g_assert_nonnull (gtk_widget_get_tooltip_text (widgets[i]));
    }
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 1400);
  gtk_window_present (GTK_WINDOW (window));

  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    {
      guint ink;

      wait_for (has_size, widgets[i], 10, "the widget to be mapped");
      ink = render_ink (widgets[i]);
      g_test_message ("widget %u (%s): %u pixels of ink", i, G_OBJECT_TYPE_NAME (widgets[i]), ink);
      g_assert_cmpuint (ink, >, 50);
    }

  /* The presenter mode makes the indicator taller */
  {
    int before, after;

    gtk_widget_measure (widgets[2], GTK_ORIENTATION_VERTICAL, -1, &before, NULL, NULL, NULL);
    ms_collapse_indicator_set_presenter (MS_COLLAPSE_INDICATOR (widgets[2]), TRUE);
    gtk_widget_measure (widgets[2], GTK_ORIENTATION_VERTICAL, -1, &after, NULL, NULL, NULL);
    g_assert_cmpint (after, >, before);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; i < G_N_ELEMENTS (widgets); i++)
    g_assert_finalize_object (widgets[i]);
}

static gboolean
not_rendering (gpointer data)
{
  return !ms_view_is_rendering (data);
}

static gboolean
on_quit_timeout (gpointer data)
{
  gboolean *done = data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop for @ms milliseconds */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_quit_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  GtkWidget *widget;
  guint      above;
} InkAbove;

/* The window has drawn @widget's new picture (a GtkWidgetPaintable follows the window's
 * frames) */
static gboolean
ink_above (gpointer data)
{
  InkAbove *d = data;

  return render_ink (d->widget) > d->above;
}

/* A view paints on the worker thread when its data changes and shows the result once the main
 * loop has it: until then the old picture stays; a render in flight never keeps the widget
 * alive, and its result is dropped after dispose */
static void
test_async_render (void)
{
  g_autoptr(MsFrame) f = make_collapsed_frame ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *grid = g_object_ref (ms_sample_grid_new ());
  GtkWidget *hist = g_object_ref (ms_class_histogram_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  guint empty, full, hist_empty;

  gtk_widget_set_vexpand (grid, TRUE);
  gtk_widget_set_vexpand (hist, TRUE);
  gtk_box_append (GTK_BOX (box), grid);
  gtk_box_append (GTK_BOX (box), hist);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 640);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (has_size, grid, 10, "the grid to be mapped");
  wait_for (has_size, hist, 10, "the histogram to be mapped");
  wait_for (not_rendering, grid, 10, "the grid's first render");
  wait_for (not_rendering, hist, 10, "the histogram's first render");
  g_assert_false (ms_view_is_rendering (grid));
  empty = render_ink (grid);
  hist_empty = render_ink (hist);

  /* A new frame: queued, the old picture until the main loop takes the result */
  ms_sample_grid_set_frame (MS_SAMPLE_GRID (grid), f);
  ms_class_histogram_set_frame (MS_CLASS_HISTOGRAM (hist), f);
  g_assert_true (ms_view_is_rendering (grid));
  g_assert_true (ms_view_is_rendering (hist));
  g_assert_cmpuint (render_ink (grid), ==, empty);
  wait_for (not_rendering, grid, 10, "the grid's render");
  wait_for (not_rendering, hist, 10, "the histogram's render");
  wait_for (ink_above, &(InkAbove) { grid, empty + 10000 }, 10, "the grid's samples");
  wait_for (ink_above, &(InkAbove) { hist, hist_empty }, 10, "the histogram's bars");
  full = render_ink (grid);
  g_test_message ("grid ink: %u without samples, %u with", empty, full);

  /* Several changes in one main-loop iteration make one render with the newest data */
  ms_sample_grid_set_frame (MS_SAMPLE_GRID (grid), NULL);
  ms_sample_grid_set_presenter (MS_SAMPLE_GRID (grid), TRUE);
  ms_sample_grid_set_frame (MS_SAMPLE_GRID (grid), f);
  wait_for (not_rendering, grid, 10, "the grid's render");
  wait_for (ink_above, &(InkAbove) { grid, empty + 10000 }, 10, "the grid's samples");

  /* Disposed with a render in flight (a snapshot starts one at once) */
  ms_sample_grid_set_frame (MS_SAMPLE_GRID (grid), NULL);
  ms_class_histogram_set_presenter (MS_CLASS_HISTOGRAM (hist), TRUE);
  render_ink (grid);
  render_ink (hist);
  g_assert_true (ms_view_is_rendering (grid));
  g_assert_true (ms_view_is_rendering (hist));
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (grid);
  g_assert_finalize_object (hist);
  spin (300);   /* the dropped results arrive */
}

typedef struct
{
  MsCurveChart        *chart;
  MsCollapseIndicator *indicator;
} LiveData;

static gboolean
chart_has_evaluations (gpointer data)
{
  LiveData *d = data;
  g_autofree char *text = ms_plot_curves_describe_latest (ms_curve_chart_get_curves (d->chart));

  return ms_curve_chart_get_n_points (d->chart) > 0 && text != NULL;
}

static gboolean
has_ink (gpointer data)
{
  return render_ink (data) > 100;
}

static gboolean
session_is_paused (gpointer data)
{
  return ms_session_get_paused (data);
}

static gboolean
session_is_ours (gpointer data)
{
  return g_atomic_int_get (&G_OBJECT (data)->ref_count) == 1;
}

static void
test_live_session (void)
{
  MsSessionSettings s;
  g_autoptr(GError) error = NULL;
  MsSession *session;
  LiveData d;
  MsCurveChart *loss;
  gint64 lo, hi;

  ms_session_settings_init (&s, "ring8", MS_LOSS_NSGAN);
  s.eval_every = 10;
  s.eval_samples = 200;
  session = ms_session_new (&s, &error);
  ms_session_settings_clear (&s);
  g_assert_no_error (error);
  g_assert_nonnull (session);

  d.chart = MS_CURVE_CHART (g_object_ref_sink (ms_curve_chart_new (MS_CURVE_KL)));
  d.indicator = MS_COLLAPSE_INDICATOR (g_object_ref_sink (ms_collapse_indicator_new ()));
  loss = MS_CURVE_CHART (g_object_ref_sink (g_object_new (MS_TYPE_CURVE_CHART,
                                                          "kind", MS_CURVE_LOSS,
                                                          "session", session, NULL)));
  g_assert_cmpint (ms_curve_chart_get_kind (loss), ==, MS_CURVE_LOSS);
  ms_curve_chart_set_session (d.chart, session);
  ms_collapse_indicator_set_session (d.indicator, session);

  wait_for (chart_has_evaluations, &d, 60, "evaluated curve points");
  ms_session_pause (session);
  wait_for (session_is_paused, session, 30, "the session to pause");

  /* Hover: the tooltip says the values at the nearest iteration, and explains the chart again
   * when the pointer leaves */
  {
    GtkWidget *window = gtk_window_new ();
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (loss));
    GtkEventController *motion = NULL;
    g_autofree char *explanation = g_strdup (gtk_widget_get_tooltip_text (GTK_WIDGET (loss)));

    gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (loss));
    gtk_window_set_default_size (GTK_WINDOW (window), 600, 300);
    gtk_window_present (GTK_WINDOW (window));
    wait_for (has_size, loss, 10, "the chart to be mapped");
    for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
      {
        g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

        if (GTK_IS_EVENT_CONTROLLER_MOTION (c))
          motion = c;
      }
    g_assert_nonnull (motion);
    g_signal_emit_by_name (motion, "motion", gtk_widget_get_width (GTK_WIDGET (loss)) / 2.0, 100.0);
    g_assert_true (g_str_has_prefix (gtk_widget_get_tooltip_text (GTK_WIDGET (loss)), "iter "));
    g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (loss)), "loss G"));
    wait_for (has_ink, loss, 10, "the chart to draw with the hover box");
    g_signal_emit_by_name (motion, "leave");
    g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (loss)), ==, explanation);
    gtk_window_set_child (GTK_WINDOW (window), NULL);
    gtk_window_destroy (GTK_WINDOW (window));
  }

  g_assert_cmpuint (ms_curve_chart_get_n_points (d.chart), >, 0);
  g_assert_cmpuint (ms_curve_chart_get_n_points (loss), >, 0);
  g_assert_false (ms_plot_curves_is_empty (ms_curve_chart_get_curves (loss)));
  ms_plot_curves_get_x_range (ms_curve_chart_get_curves (d.chart), &lo, &hi);
  g_assert_cmpint (hi, >, lo);
  {
    g_autofree char *text = ms_plot_curves_describe_latest (ms_curve_chart_get_curves (d.chart));

    g_assert_true (g_str_has_prefix (text, "iter "));
    gtk_test_accessible_assert_property (d.chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text);
  }
  /* The indicator follows the same frames */
  g_assert_cmpstr (ms_collapse_indicator_get_reason (d.indicator), !=, NULL);

  /* A fixed axis shared by the charts */
  ms_curve_chart_set_x_range (d.chart, 0, 5000);
  ms_plot_curves_get_x_range (ms_curve_chart_get_curves (d.chart), &lo, &hi);
  g_assert_cmpint (hi, ==, 5000);

  ms_curve_chart_set_session (d.chart, NULL);
  ms_collapse_indicator_set_session (d.indicator, NULL);
  g_assert_cmpuint (ms_curve_chart_get_n_points (d.chart), ==, 0);
  g_assert_finalize_object (d.chart);
  g_assert_finalize_object (d.indicator);
  g_assert_finalize_object (loss);
  /* The trainer holds the session for a moment while it queues a delivery */
  wait_for (session_is_ours, session, 30, "the trainer to drop its reference");
  g_assert_finalize_object (session);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui/views/collapsed-frame", test_collapsed_frame);
  g_test_add_func ("/ui/views/subset-frame", test_subset_frame);
  g_test_add_func ("/ui/views/render", test_render_all);
  g_test_add_func ("/ui/views/async-render", test_async_render);
  g_test_add_func ("/ui/views/live-session", test_live_session);
  return g_test_run ();
}
