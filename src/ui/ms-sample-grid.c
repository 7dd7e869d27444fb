/* ms-sample-grid.c: the generator's fixed-noise samples
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-plot.h"
#include "ms-sample-grid.h"
#include "ms-view-common.h"
#include "ms-view-renderer.h"

struct _MsSampleGrid
{
  GtkWidget  parent_instance;

  MsFrame   *frame;
  gboolean   show_labels;
  gboolean   presenter;
};

G_DEFINE_FINAL_TYPE (MsSampleGrid, ms_sample_grid, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SHOW_LABELS,
  PROP_PRESENTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_accessible (MsSampleGrid *self)
{
  const MsFrame *f = self->frame;
  g_autofree char *desc = NULL;

  if (f == NULL || f->grid_n <= 0)
    desc = g_strdup (_("No samples yet"));
  else if (f->is_2d)
    {
      if (f->has_evaluation)
        desc = g_strdup_printf (_("%d generated points at iteration %lld"
                                  "; %d of %d modes covered"),
                                f->grid_n, (long long) f->iteration, f->evaluation.modes_covered,
                                f->evaluation.k);
      else
        desc = g_strdup_printf (_("%d generated points at iteration %lld"),
                                f->grid_n, (long long) f->iteration);
    }
  else if (f->grid_labels != NULL && f->n_classes > 0)
    {
      guint counts[MS_EVAL_MAX_CLASSES] = { 0 };
      GString *classes = g_string_new (NULL);
      int distinct = 0;

      for (int i = 0; i < f->grid_n; i++)
        if (f->grid_labels[i] >= 0 && f->grid_labels[i] < MIN (f->n_classes, MS_EVAL_MAX_CLASSES))
          counts[f->grid_labels[i]]++;
      for (int c = 0; c < MIN (f->n_classes, MS_EVAL_MAX_CLASSES); c++)
        if (counts[c] > 0)
          {
            const char *name = f->class_names != NULL && f->class_names[c] != NULL
                               ? f->class_names[c] : "?";

            g_string_append_printf (classes, "%s%s", distinct > 0 ? ", " : "", name);
            distinct++;
          }
      desc = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%d generated samples at iteration %lld"
                                           "; they look like %d class: %s",
                                           "%d generated samples at iteration %lld"
                                           "; they look like %d classes: %s", distinct),
                              f->grid_n, (long long) f->iteration, distinct, classes->str);
      g_string_free (classes, TRUE);
    }
  else
    desc = g_strdup_printf (_("%d generated samples at iteration %lld"),
                            f->grid_n, (long long) f->iteration);

  ms_view_set_accessible (GTK_WIDGET (self), NULL, desc);
}

/* One render's input: the frame is immutable, so a reference is enough */
typedef struct
{
  MsFrame     *frame;
  MsPlotStyle  style;
  gboolean     show_labels;
} GridJob;

static void
grid_job_free (gpointer data)
{
  GridJob *job = data;

  g_clear_pointer (&job->frame, ms_frame_unref);
  g_free (job);
}

/* Worker thread */
static void
grid_paint (cairo_t *cr,
            double   width,
            double   height,
            gpointer data)
{
  GridJob *job = data;

  ms_plot_sample_grid (cr, width, height, job->frame, &job->style, job->show_labels);
}

static gpointer
grid_prepare (GtkWidget       *widget,
              int              width,
              int              height,
              MsViewPaintFunc *paint,
              GDestroyNotify  *free_job)
{
  MsSampleGrid *self = MS_SAMPLE_GRID (widget);
  GridJob *job = g_new0 (GridJob, 1);

  job->frame = self->frame != NULL ? ms_frame_ref (self->frame) : NULL;
  job->show_labels = self->show_labels;
  ms_view_style_init (widget, self->presenter, &job->style);
  *paint = grid_paint;
  *free_job = grid_job_free;
  return job;
}

static void
ms_sample_grid_dispose (GObject *object)
{
  MsSampleGrid *self = MS_SAMPLE_GRID (object);

  ms_view_renderer_detach (GTK_WIDGET (self));
  g_clear_pointer (&self->frame, ms_frame_unref);
  G_OBJECT_CLASS (ms_sample_grid_parent_class)->dispose (object);
}

static void
ms_sample_grid_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MsSampleGrid *self = MS_SAMPLE_GRID (object);

  switch (prop_id)
    {
    case PROP_SHOW_LABELS:
      g_value_set_boolean (value, self->show_labels);
      break;
    case PROP_PRESENTER:
      g_value_set_boolean (value, self->presenter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_sample_grid_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  MsSampleGrid *self = MS_SAMPLE_GRID (object);

  switch (prop_id)
    {
    case PROP_SHOW_LABELS:
      ms_sample_grid_set_show_labels (self, g_value_get_boolean (value));
      break;
    case PROP_PRESENTER:
      ms_sample_grid_set_presenter (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_sample_grid_class_init (MsSampleGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_sample_grid_dispose;
  object_class->get_property = ms_sample_grid_get_property;
  object_class->set_property = ms_sample_grid_set_property;
  widget_class->snapshot = ms_view_renderer_snapshot;
  widget_class->css_changed = ms_view_css_changed;

  properties[PROP_SHOW_LABELS] =
    g_param_spec_boolean ("show-labels", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENTER] =
    g_param_spec_boolean ("presenter", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "ms-sample-grid");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ms_sample_grid_init (MsSampleGrid *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), 160, 160);
  ms_view_renderer_attach (GTK_WIDGET (self), grid_prepare, NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("The generator's samples for a fixed set of noise vectors: "
                                 "the same inputs at every frame, so you see them change."));
  ms_view_set_accessible (GTK_WIDGET (self), _("Generated samples"), NULL);
  update_accessible (self);
}

GtkWidget *
ms_sample_grid_new (void)
{
  return g_object_new (MS_TYPE_SAMPLE_GRID, NULL);
}

void
ms_sample_grid_set_frame (MsSampleGrid *self,
                          MsFrame      *frame)
{
  g_return_if_fail (MS_IS_SAMPLE_GRID (self));

  if (self->frame == frame)
    return;
  if (frame != NULL)
    ms_frame_ref (frame);
  g_clear_pointer (&self->frame, ms_frame_unref);
  self->frame = frame;
  update_accessible (self);
  ms_view_renderer_invalidate (GTK_WIDGET (self));
}

MsFrame *
ms_sample_grid_get_frame (MsSampleGrid *self)
{
  g_return_val_if_fail (MS_IS_SAMPLE_GRID (self), NULL);
  return self->frame;
}

void
ms_sample_grid_set_show_labels (MsSampleGrid *self,
                                gboolean      show_labels)
{
  g_return_if_fail (MS_IS_SAMPLE_GRID (self));

  show_labels = !!show_labels;
  if (self->show_labels == show_labels)
    return;
  self->show_labels = show_labels;
  ms_view_renderer_invalidate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_LABELS]);
}

gboolean
ms_sample_grid_get_show_labels (MsSampleGrid *self)
{
  g_return_val_if_fail (MS_IS_SAMPLE_GRID (self), FALSE);
  return self->show_labels;
}

void
ms_sample_grid_set_presenter (MsSampleGrid *self,
                              gboolean      presenter)
{
  g_return_if_fail (MS_IS_SAMPLE_GRID (self));

  presenter = !!presenter;
  if (self->presenter == presenter)
    return;
  self->presenter = presenter;
  ms_view_renderer_invalidate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTER]);
}

gboolean
ms_sample_grid_get_presenter (MsSampleGrid *self)
{
  g_return_val_if_fail (MS_IS_SAMPLE_GRID (self), FALSE);
  return self->presenter;
}
