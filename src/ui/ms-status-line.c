/* ms-status-line.c: iteration, iterations per second, elapsed time and the active settings
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-plot.h"
#include "ms-status-line.h"

/* Speed window: frames of the last RATE_WINDOW_US of running time */
#define RATE_WINDOW_US (3 * G_USEC_PER_SEC)
#define N_SAMPLES 64

typedef struct
{
  gint64 time_us;
  gint64 iteration;
} RateSample;

struct _MsStatusLine
{
  GtkWidget   parent_instance;

  GtkWidget  *iteration_label;
  GtkWidget  *rate_label;
  GtkWidget  *elapsed_label;
  GtkWidget  *settings_label;

  RateSample  samples[N_SAMPLES];   /* ring, oldest at (head - n) */
  guint       head, n_samples;
  gint64      iteration;
  guint       run;
  gboolean    has_frame;
  gboolean    paused;
  gint64      last_time_us;
  double      elapsed;              /* seconds of running time in this run */
  double      rate;
};

G_DEFINE_FINAL_TYPE (MsStatusLine, ms_status_line, GTK_TYPE_WIDGET)

char *
ms_status_line_format_elapsed (double seconds)
{
  gint64 s = seconds > 0 ? (gint64) seconds : 0;

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

static void
update_labels (MsStatusLine *self)
{
  g_autofree char *iteration = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *elapsed = NULL;
  g_autofree char *time = NULL;
  g_autofree char *text = NULL;

  /* Translators: the training iteration shown in the status line */
  iteration = g_strdup_printf (_("Iteration %lld"), (long long) self->iteration);
  if (!self->has_frame)
    rate = g_strdup (_("Starting…"));
  else if (self->paused)
    rate = g_strdup (_("Paused"));
  else if (self->rate > 0)
    /* Translators: training speed, iterations per second */
    rate = g_strdup_printf (_("%.1f it/s"), self->rate);
  else
    rate = g_strdup (_("Measuring…"));
  time = ms_status_line_format_elapsed (self->elapsed);
  /* Translators: training time of the current run */
  elapsed = g_strdup_printf (_("Elapsed %s"), time);

  gtk_label_set_text (GTK_LABEL (self->iteration_label), iteration);
  gtk_label_set_text (GTK_LABEL (self->rate_label), rate);
  gtk_label_set_text (GTK_LABEL (self->elapsed_label), elapsed);

  text = ms_status_line_get_text (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

static void
clear_rate (MsStatusLine *self)
{
  self->n_samples = 0;
  self->rate = 0;
}

static void
add_sample (MsStatusLine *self,
            gint64        now_us,
            gint64        iteration)
{
  const RateSample *oldest = NULL;

  self->samples[self->head] = (RateSample) { now_us, iteration };
  self->head = (self->head + 1) % N_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, N_SAMPLES);

  /* The oldest sample inside the window; drop older ones but keep two at least */
  while (self->n_samples > 2)
    {
      const RateSample *o = &self->samples[(self->head + N_SAMPLES - self->n_samples) % N_SAMPLES];

      if (now_us - o->time_us <= RATE_WINDOW_US)
        break;
      self->n_samples--;
    }
  if (self->n_samples >= 2)
    oldest = &self->samples[(self->head + N_SAMPLES - self->n_samples) % N_SAMPLES];
  if (oldest != NULL && now_us > oldest->time_us && iteration >= oldest->iteration)
    self->rate = (double) (iteration - oldest->iteration) * G_USEC_PER_SEC
                 / (double) (now_us - oldest->time_us);
}

void
ms_status_line_set_frame (MsStatusLine *self,
                          MsFrame      *frame,
                          gint64        now_us)
{
  g_return_if_fail (MS_IS_STATUS_LINE (self));

  if (frame == NULL)
    {
      self->has_frame = FALSE;
      self->iteration = 0;
      self->elapsed = 0;
      clear_rate (self);
      gtk_label_set_text (GTK_LABEL (self->settings_label), "");
      update_labels (self);
      return;
    }

  if (!self->has_frame || frame->run != self->run)
    {
      self->elapsed = 0;
      clear_rate (self);
    }
  else if (!self->paused && !frame->paused)
    self->elapsed += (double) (now_us - self->last_time_us) / G_USEC_PER_SEC;

  /* A restore moves the iteration back, a pause stops the clock: start measuring again */
  if (frame->paused || (self->has_frame && frame->iteration < self->iteration))
    clear_rate (self);
  if (!frame->paused)
    add_sample (self, now_us, frame->iteration);

  self->has_frame = TRUE;
  self->run = frame->run;
  self->paused = frame->paused;
  self->iteration = frame->iteration;
  self->last_time_us = now_us;

  {
    g_autofree char *caption = ms_plot_settings_caption (&frame->settings, frame->is_2d);

    /* Setting a tooltip costs an X round trip even when it is the same: only on change */
    if (g_strcmp0 (gtk_widget_get_tooltip_text (self->settings_label), caption) != 0)
      {
        gtk_label_set_text (GTK_LABEL (self->settings_label), caption);
        gtk_widget_set_tooltip_text (self->settings_label, caption);
      }
  }
  update_labels (self);
}

gint64
ms_status_line_get_iteration (MsStatusLine *self)
{
  g_return_val_if_fail (MS_IS_STATUS_LINE (self), 0);
  return self->iteration;
}

double
ms_status_line_get_rate (MsStatusLine *self)
{
  g_return_val_if_fail (MS_IS_STATUS_LINE (self), 0);
  return self->paused ? 0 : self->rate;
}

char *
ms_status_line_get_text (MsStatusLine *self)
{
  g_return_val_if_fail (MS_IS_STATUS_LINE (self), NULL);
  return g_strjoin (" · ",
                    gtk_label_get_text (GTK_LABEL (self->iteration_label)),
                    gtk_label_get_text (GTK_LABEL (self->rate_label)),
                    gtk_label_get_text (GTK_LABEL (self->elapsed_label)),
                    gtk_label_get_text (GTK_LABEL (self->settings_label)),
                    NULL);
}

GtkWidget *
ms_status_line_new (void)
{
  return g_object_new (MS_TYPE_STATUS_LINE, NULL);
}

static void
ms_status_line_dispose (GObject *object)
{
  MsStatusLine *self = MS_STATUS_LINE (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ms_status_line_parent_class)->dispose (object);
}

static void
ms_status_line_class_init (MsStatusLineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_status_line_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "statusline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_STATUS);
}

static GtkWidget *
add_label (MsStatusLine *self,
           const char   *css_class,
           const char   *tooltip)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (label, css_class);
  gtk_widget_set_tooltip_text (label, tooltip);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_parent (label, GTK_WIDGET (self));
  return label;
}

static void
ms_status_line_init (MsStatusLine *self)
{
  GtkBoxLayout *layout = GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self)));

  gtk_box_layout_set_spacing (layout, 18);
  self->iteration_label = add_label (self, "numeric",
                                     _("Training iterations done: each one updates the "
                                       "discriminator, then the generator"));
  self->rate_label = add_label (self, "numeric",
                                _("Training speed, measured over the last seconds"));
  self->elapsed_label = add_label (self, "numeric",
                                   _("Training time of this run, pauses not counted"));
  self->settings_label = add_label (self, "dim-label", NULL);
  gtk_widget_set_hexpand (self->settings_label, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (self->settings_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (self->settings_label), 1);
  update_labels (self);
}
