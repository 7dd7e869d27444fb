/* ms-scatter-view.c: 2-D data: real and generated points over D's view of the plane
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-scatter-view.h"
#include "ms-plot.h"
#include "ms-view-common.h"
#include "ms-view-renderer.h"

struct _MsScatterView
{
  GtkWidget  parent_instance;

  MsFrame   *frame;
  guint      n_missing;
  char      *summary;
  gboolean   presenter;
};

G_DEFINE_FINAL_TYPE (MsScatterView, ms_scatter_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PRESENTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_summary (MsScatterView *self)
{
  const MsFrame *f = self->frame;

  g_clear_pointer (&self->summary, g_free);
  self->n_missing = 0;
  if (f == NULL || !f->is_2d || f->grid_n <= 0)
    self->summary = g_strdup (_("No samples yet"));
  else if (!f->has_evaluation || f->evaluation.k <= 0)
    self->summary = g_strdup_printf (_("%d generated points at iteration %lld"),
                                     f->grid_n, (long long) f->iteration);
  else
    {
      g_autofree char *missing = ms_view_missing_names (f, &self->n_missing);

      if (missing != NULL)
        /* TRANSLATORS: "8 modes, 6 covered; missed: 2 and 5" */
        self->summary = g_strdup_printf (_("%d modes, %d covered; missed: %s"),
                                         f->evaluation.k, f->evaluation.modes_covered, missing);
      else
        self->summary = g_strdup_printf (_("%d modes, all covered"), f->evaluation.k);
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

  ms_plot_scatter (cr, width, height, job->frame, &job->style);
}

static gpointer
frame_prepare (GtkWidget       *widget,
               int              width,
               int              height,
               MsViewPaintFunc *paint,
               GDestroyNotify  *free_job)
{
  MsScatterView *self = MS_SCATTER_VIEW (widget);
  FrameJob *job = g_new0 (FrameJob, 1);

  job->frame = self->frame != NULL ? ms_frame_ref (self->frame) : NULL;
  ms_view_style_init (widget, self->presenter, &job->style);
  *paint = frame_paint;
  *free_job = frame_job_free;
  return job;
}

static void
ms_scatter_view_dispose (GObject *object)
{
  MsScatterView *self = MS_SCATTER_VIEW (object);

  ms_view_renderer_detach (GTK_WIDGET (self));
  g_clear_pointer (&self->frame, ms_frame_unref);
  G_OBJECT_CLASS (ms_scatter_view_parent_class)->dispose (object);
}

static void
ms_scatter_view_finalize (GObject *object)
{
  MsScatterView *self = MS_SCATTER_VIEW (object);

  g_free (self->summary);
  G_OBJECT_CLASS (ms_scatter_view_parent_class)->finalize (object);
}

static void
ms_scatter_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  MsScatterView *self = MS_SCATTER_VIEW (object);

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
ms_scatter_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  MsScatterView *self = MS_SCATTER_VIEW (object);

  switch (prop_id)
    {
    case PROP_PRESENTER:
      ms_scatter_view_set_presenter (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_scatter_view_class_init (MsScatterViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_scatter_view_dispose;
  object_class->finalize = ms_scatter_view_finalize;
  object_class->get_property = ms_scatter_view_get_property;
  object_class->set_property = ms_scatter_view_set_property;
  widget_class->snapshot = ms_view_renderer_snapshot;
  widget_class->css_changed = ms_view_css_changed;

  properties[PROP_PRESENTER] =
    g_param_spec_boolean ("presenter", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "ms-scatter-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ms_scatter_view_init (MsScatterView *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), 200, 200);
  ms_view_renderer_attach (GTK_WIDGET (self), frame_prepare, NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Real points in grey and generated points in colour, over the "
                                 "discriminator's output; rings mark covered modes, red "
                                 "crosses missed ones."));
  ms_view_set_accessible (GTK_WIDGET (self), _("Generated and real points"), NULL);
  update_summary (self);
}

GtkWidget *
ms_scatter_view_new (void)
{
  return g_object_new (MS_TYPE_SCATTER_VIEW, NULL);
}

void
ms_scatter_view_set_frame (MsScatterView *self,
                              MsFrame          *frame)
{
  g_return_if_fail (MS_IS_SCATTER_VIEW (self));

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
ms_scatter_view_get_frame (MsScatterView *self)
{
  g_return_val_if_fail (MS_IS_SCATTER_VIEW (self), NULL);
  return self->frame;
}

const char *
ms_scatter_view_get_summary (MsScatterView *self)
{
  g_return_val_if_fail (MS_IS_SCATTER_VIEW (self), NULL);
  return self->summary;
}

void
ms_scatter_view_set_presenter (MsScatterView *self,
                                  gboolean          presenter)
{
  g_return_if_fail (MS_IS_SCATTER_VIEW (self));

  presenter = !!presenter;
  if (self->presenter == presenter)
    return;
  self->presenter = presenter;
  ms_view_renderer_invalidate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTER]);
}

gboolean
ms_scatter_view_get_presenter (MsScatterView *self)
{
  g_return_val_if_fail (MS_IS_SCATTER_VIEW (self), FALSE);
  return self->presenter;
}
