/* ms-class-histogram.c: the generated class mix beside the real one
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-class-histogram.h"
#include "ms-plot.h"
#include "ms-view-common.h"
#include "ms-view-renderer.h"

struct _MsClassHistogram
{
  GtkWidget  parent_instance;

  MsFrame   *frame;
  guint      n_missing;
  char      *summary;
  gboolean   presenter;
};

G_DEFINE_FINAL_TYPE (MsClassHistogram, ms_class_histogram, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PRESENTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
items_word (const MsFrame *f)
{
  if (f->is_2d)
    return _("Generated modes");
  if (f->settings.dataset != NULL && g_ascii_strcasecmp (f->settings.dataset, "mnist") == 0)
    return _("Generated digits");
  return _("Generated classes");
}

static void
update_summary (MsClassHistogram *self)
{
  const MsFrame *f = self->frame;
  g_autofree char *missing = NULL;

  g_clear_pointer (&self->summary, g_free);
  self->n_missing = 0;
  if (f == NULL || !f->has_evaluation || f->evaluation.k <= 0)
    self->summary = g_strdup (_("No evaluation yet"));
  else
    {
      int present, in_data = 0;

      missing = ms_view_missing_names (f, &self->n_missing);
      for (int c = 0; c < f->evaluation.k; c++)
        in_data += ms_plot_class_in_data (f, c);
      present = in_data - (int) self->n_missing;
      if (in_data < f->evaluation.k && missing != NULL)
        /* TRANSLATORS: a folder of a few digits: "Generated digits: 2 of the data's 3
         * classes present; missing: 7" (the other classes are not in the data) */
        self->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "%s: %d of the data's %d class present; "
                                                      "missing: %s",
                                                      "%s: %d of the data's %d classes present; "
                                                      "missing: %s",
                                                      in_data),
                                         items_word (f), present, in_data, missing);
      else if (in_data < f->evaluation.k)
        /* TRANSLATORS: a folder of a few digits, all of them generated: "Generated digits:
         * the data's 1 class present" */
        self->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "%s: the data's %d class present",
                                                      "%s: all the data's %d classes present",
                                                      in_data),
                                         items_word (f), in_data);
      else if (missing != NULL)
        /* TRANSLATORS: "Generated digits: 7 classes present; missing: 3, 7 and 8" */
        self->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                      "%s: %d class present; missing: %s",
                                                      "%s: %d classes present; missing: %s",
                                                      present),
                                         items_word (f), present, missing);
      else
        self->summary = g_strdup_printf (_("%s: all %d classes present"), items_word (f),
                                         f->evaluation.k);
    }
  ms_view_set_accessible (GTK_WIDGET (self), NULL, self->summary);
}

/* One render's input: the frame is immutable, so a reference is enough */
typedef struct
{
  MsFrame     *frame;
  MsPlotStyle  style;
} FrameJob;

static void
frame_job_free (gpointer data)
{
  FrameJob *job = data;

  g_clear_pointer (&job->frame, ms_frame_unref);
  g_free (job);
}

/* Worker thread */
static void
frame_paint (cairo_t *cr,
             double   width,
             double   height,
             gpointer data)
{
  FrameJob *job = data;

  ms_plot_class_histogram (cr, width, height, job->frame, &job->style);
}

static gpointer
frame_prepare (GtkWidget       *widget,
               int              width,
               int              height,
               MsViewPaintFunc *paint,
               GDestroyNotify  *free_job)
{
  MsClassHistogram *self = MS_CLASS_HISTOGRAM (widget);
  FrameJob *job = g_new0 (FrameJob, 1);

  job->frame = self->frame != NULL ? ms_frame_ref (self->frame) : NULL;
  ms_view_style_init (widget, self->presenter, &job->style);
  *paint = frame_paint;
  *free_job = frame_job_free;
  return job;
}

static void
ms_class_histogram_dispose (GObject *object)
{
  MsClassHistogram *self = MS_CLASS_HISTOGRAM (object);

  ms_view_renderer_detach (GTK_WIDGET (self));
  g_clear_pointer (&self->frame, ms_frame_unref);
  G_OBJECT_CLASS (ms_class_histogram_parent_class)->dispose (object);
}

static void
ms_class_histogram_finalize (GObject *object)
{
  MsClassHistogram *self = MS_CLASS_HISTOGRAM (object);

  g_free (self->summary);
  G_OBJECT_CLASS (ms_class_histogram_parent_class)->finalize (object);
}

static void
ms_class_histogram_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  MsClassHistogram *self = MS_CLASS_HISTOGRAM (object);

  switch (prop_id)
    {
    case PROP_PRESENTER:
      g_value_set_boolean (value, self->presenter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_class_histogram_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  MsClassHistogram *self = MS_CLASS_HISTOGRAM (object);

  switch (prop_id)
    {
    case PROP_PRESENTER:
      ms_class_histogram_set_presenter (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_class_histogram_class_init (MsClassHistogramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_class_histogram_dispose;
  object_class->finalize = ms_class_histogram_finalize;
  object_class->get_property = ms_class_histogram_get_property;
  object_class->set_property = ms_class_histogram_set_property;
  widget_class->snapshot = ms_view_renderer_snapshot;
  widget_class->css_changed = ms_view_css_changed;

  properties[PROP_PRESENTER] =
    g_param_spec_boolean ("presenter", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "ms-class-histogram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ms_class_histogram_init (MsClassHistogram *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), 240, 160);
  ms_view_renderer_attach (GTK_WIDGET (self), frame_prepare, NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("How often the generator draws each class, beside how often "
                                 "it occurs in the real data; hatched slots are classes it "
                                 "no longer draws."));
  ms_view_set_accessible (GTK_WIDGET (self), _("Class histogram"), NULL);
  update_summary (self);
}

GtkWidget *
ms_class_histogram_new (void)
{
  return g_object_new (MS_TYPE_CLASS_HISTOGRAM, NULL);
}

void
ms_class_histogram_set_frame (MsClassHistogram *self,
                              MsFrame          *frame)
{
  g_return_if_fail (MS_IS_CLASS_HISTOGRAM (self));

  if (self->frame == frame)
    return;
  if (frame != NULL)
    ms_frame_ref (frame);
  g_clear_pointer (&self->frame, ms_frame_unref);
  self->frame = frame;
  update_summary (self);
  ms_view_renderer_invalidate (GTK_WIDGET (self));
}

MsFrame *
ms_class_histogram_get_frame (MsClassHistogram *self)
{
  g_return_val_if_fail (MS_IS_CLASS_HISTOGRAM (self), NULL);
  return self->frame;
}

guint
ms_class_histogram_get_n_missing (MsClassHistogram *self)
{
  g_return_val_if_fail (MS_IS_CLASS_HISTOGRAM (self), 0);
  return self->n_missing;
}

const char *
ms_class_histogram_get_summary (MsClassHistogram *self)
{
  g_return_val_if_fail (MS_IS_CLASS_HISTOGRAM (self), NULL);
  return self->summary;
}

void
ms_class_histogram_set_presenter (MsClassHistogram *self,
                                  gboolean          presenter)
{
  g_return_if_fail (MS_IS_CLASS_HISTOGRAM (self));

  presenter = !!presenter;
  if (self->presenter == presenter)
    return;
  self->presenter = presenter;
  ms_view_renderer_invalidate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTER]);
}

gboolean
ms_class_histogram_get_presenter (MsClassHistogram *self)
{
  g_return_val_if_fail (MS_IS_CLASS_HISTOGRAM (self), FALSE);
  return self->presenter;
}
