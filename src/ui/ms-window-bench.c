/* ms-window-bench.c: `modescope --bench-ui SECONDS`, the window's speed targets measured
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trains dcgan-small on MNIST at full speed in the window and prints: the distribution of the
 * time GTK spends on each display frame (from the frame clock's "update" to its "after-paint":
 * layout, snapshot and rendering), the latency from a control change (a learning-rate command
 * pushed every two seconds) to its event arriving in the window, the peak resident memory
 * (VmHWM) and the training speed.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>

#include "ms-window-private.h"

#define LR_EVERY_MS 2000

struct _MsWindowBench
{
  MsWindow *window;           /* unowned */
  double    seconds;
  gint64    start_us;
  guint     end_id;
  guint     lr_id;
  gint64    paint_start_us;
  GArray   *paint_ms;         /* double */
  GArray   *latency_ms;       /* double */
  guint     pending_command;
  gint64    pending_since_us;
  gboolean  lr_toggle;
  gint64    first_iteration, last_iteration;
  gint64    first_us, last_us;
  gboolean  has_first;
};

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  gsize i;

  if (values->len == 0)
    return 0;
  i = (gsize) (p * (values->len - 1) + 0.5);
  return g_array_index (values, double, MIN (i, values->len - 1));
}

static double
share_below (GArray *values,
             double  limit)
{
  guint n = 0;

  for (guint i = 0; i < values->len; i++)
    n += g_array_index (values, double, i) <= limit;
  return values->len > 0 ? 100.0 * n / values->len : 0;
}

static long
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static gboolean
bench_end (gpointer user_data)
{
  MsWindowBench *b = user_data;
  double it_s = 0;

  b->end_id = 0;
  /* The first frame includes the renderer's start-up (shader compilation with GL) */
  if (b->paint_ms->len > 1)
    g_array_remove_index (b->paint_ms, 0);
  g_array_sort (b->paint_ms, compare_double);
  g_array_sort (b->latency_ms, compare_double);
  if (b->has_first && b->last_us > b->first_us)
    it_s = (double) (b->last_iteration - b->first_iteration) * G_USEC_PER_SEC
           / (double) (b->last_us - b->first_us);

  {
    GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (b->window));

    printf ("bench-ui: %.0f s of dcgan-small on MNIST in the window (%s)\n", b->seconds,
            renderer != NULL ? G_OBJECT_TYPE_NAME (renderer) : "no renderer");
  }
  printf ("frames drawn after the first: %u; draw time ms: median %.2f, p95 %.2f, max %.2f; "
          "%.1f%% within 16 ms\n",
          b->paint_ms->len, percentile (b->paint_ms, 0.5), percentile (b->paint_ms, 0.95),
          percentile (b->paint_ms, 1.0), share_below (b->paint_ms, 16.0));
  printf ("control latency (set lr -> event in the window), ms: n %u, median %.1f, max %.1f\n",
          b->latency_ms->len, percentile (b->latency_ms, 0.5), percentile (b->latency_ms, 1.0));
  printf ("peak resident memory: %.1f MB\n", peak_rss_kib () / 1024.0);
  printf ("training: %.2f it/s (iterations %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")\n",
          it_s, b->first_iteration, b->last_iteration);
  fflush (stdout);

  gtk_window_destroy (GTK_WINDOW (b->window));
  return G_SOURCE_REMOVE;
}

static gboolean
bench_push_lr (gpointer user_data)
{
  MsWindowBench *b = user_data;
  MsSession *session = ms_window_get_session (b->window);

  if (session == NULL || b->pending_command != 0)
    return G_SOURCE_CONTINUE;
  b->lr_toggle = !b->lr_toggle;
  b->pending_since_us = g_get_monotonic_time ();
  b->pending_command = ms_session_push (session,
                                        ms_session_command_new_set_lr (FALSE, b->lr_toggle
                                                                      ? 2.1e-4 : 2e-4));
  return G_SOURCE_CONTINUE;
}

static void
on_update (GdkFrameClock *clock,
           MsWindow      *self)
{
  if (self->bench != NULL)
    self->bench->paint_start_us = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                MsWindow      *self)
{
  MsWindowBench *b = self->bench;
  double ms;

  if (b == NULL || b->paint_start_us == 0)
    return;
  ms = (g_get_monotonic_time () - b->paint_start_us) / 1000.0;
  g_array_append_val (b->paint_ms, ms);
  b->paint_start_us = 0;
}

static void
on_realize (GtkWidget *widget,
            gpointer   user_data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_connect_object (clock, "update", G_CALLBACK (on_update), widget, 0);
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (on_after_paint), widget, 0);
}

void
_ms_window_bench_frame (MsWindow *self,
                        MsFrame  *frame)
{
  MsWindowBench *b = self->bench;
  gint64 now = g_get_monotonic_time ();

  if (!b->has_first)
    {
      /* Count from the first frame: loading MNIST and the classifier is not training */
      b->has_first = TRUE;
      b->first_iteration = frame->iteration;
      b->first_us = now;
    }
  b->last_iteration = frame->iteration;
  b->last_us = now;

  if (b->pending_command != 0)
    for (guint i = 0; i < frame->n_events; i++)
      if (frame->events[i].command_id == b->pending_command)
        {
          double ms = (now - b->pending_since_us) / 1000.0;

          g_array_append_val (b->latency_ms, ms);
          b->pending_command = 0;
          break;
        }
}

void
_ms_window_bench_start (MsWindow *self,
                        double    seconds)
{
  MsWindowBench *b = g_new0 (MsWindowBench, 1);

  b->window = self;
  b->seconds = seconds;
  b->start_us = g_get_monotonic_time ();
  b->paint_ms = g_array_new (FALSE, FALSE, sizeof (double));
  b->latency_ms = g_array_new (FALSE, FALSE, sizeof (double));
  b->end_id = g_timeout_add ((guint) (seconds * 1000), bench_end, b);
  b->lr_id = g_timeout_add (LR_EVERY_MS, bench_push_lr, b);
  self->bench = b;
  g_signal_connect (self, "realize", G_CALLBACK (on_realize), NULL);
}

void
_ms_window_bench_free (MsWindowBench *b)
{
  g_clear_handle_id (&b->end_id, g_source_remove);
  g_clear_handle_id (&b->lr_id, g_source_remove);
  g_array_unref (b->paint_ms);
  g_array_unref (b->latency_ms);
  g_free (b);
}
