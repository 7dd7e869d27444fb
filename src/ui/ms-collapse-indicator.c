/* ms-collapse-indicator.c: the collapse detector's verdict, its reason and its history
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only evaluated points matter to the strip, so the widget keeps a compact copy of those
 * (a few per frame) instead of the session's whole curve.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-collapse-indicator.h"
#include "ms-plot.h"
#include "ms-view-common.h"
#include "ms-view-renderer.h"

struct _MsCollapseIndicator
{
  GtkWidget        parent_instance;

  MsSession       *session;
  gulong           frame_handler;
  MsCollapseState  state;
  char            *reason;
  GArray          *points;       /* MsCurvePoint, evaluated ones only */
  guint            run;
  gboolean         has_run;
  gint64           x_min, x_max;
  gboolean         has_verdict;    /* the detector has judged at least one evaluation */
  gboolean         presenter;
};

G_DEFINE_FINAL_TYPE (MsCollapseIndicator, ms_collapse_indicator, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATE,
  PROP_REASON,
  PROP_PRESENTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
append_evaluated (MsCollapseIndicator *self,
                  const MsCurvePoint  *points,
                  guint                n)
{
  for (guint i = 0; i < n; i++)
    if (points[i].has_eval)
      g_array_append_val (self->points, points[i]);
}

static void
update_accessible (MsCollapseIndicator *self)
{
  g_autofree char *desc = NULL;

  if (!self->has_verdict)
    desc = g_strdup (_("No evaluation yet"));
  else if (self->reason == NULL || *self->reason == '\0')
    desc = g_strdup_printf ("%s", ms_collapse_state_get_label (self->state));
  else
    /* TRANSLATORS: "Collapsed: digits 3, 7 and 8 missing; KL 0.42 is 17x the noise floor" */
    desc = g_strdup_printf (_("%s: %s"), ms_collapse_state_get_label (self->state), self->reason);
  ms_view_set_accessible (GTK_WIDGET (self), NULL, desc);
}

static void
show_frame (MsCollapseIndicator *self,
            const MsFrame       *frame)
{
  MsCollapseState state = frame != NULL ? frame->collapse_state : MS_COLLAPSE_HEALTHY;
  const char *reason = frame != NULL && frame->collapse_reason != NULL
                       ? frame->collapse_reason : "";

  /* Before the detector has seen an evaluation, "Healthy" would be a claim it never made */
  self->has_verdict = frame != NULL &&
                      (frame->has_evaluation || self->points->len > 0 || *reason != '\0');

  if (state != self->state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (g_strcmp0 (reason, self->reason) != 0)
    {
      g_free (self->reason);
      self->reason = g_strdup (reason);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
    }
  update_accessible (self);
  ms_view_renderer_invalidate (GTK_WIDGET (self));
}

static void
on_frame (MsSession           *session,
          GParamSpec          *pspec,
          MsCollapseIndicator *self)
{
  const MsCurvePoint *points;
  guint n = 0;

  points = ms_session_get_curve (session, &n);
  g_array_set_size (self->points, 0);
  append_evaluated (self, points, n);
  show_frame (self, ms_session_get_frame (session));
}

/* One render's input: copies of the verdict and of the evaluated points */
typedef struct
{
  MsPlotStyle      style;
  gboolean         has_verdict;
  MsCollapseState  state;
  char            *reason;
  char            *pending;
  MsCurvePoint    *points;
  guint            n_points;
  gint64           x_min, x_max;
} IndicatorJob;

static void
indicator_job_free (gpointer data)
{
  IndicatorJob *job = data;

  g_free (job->reason);
  g_free (job->pending);
  g_free (job->points);
  g_free (job);
}

/* Worker thread */
static void
indicator_paint (cairo_t *cr,
                 double   width,
                 double   height,
                 gpointer data)
{
  IndicatorJob *job = data;
  double strip_h = MIN (job->style.font_size * job->style.font_scale, height / 3);
  double strip_y = height - strip_h;

  if (job->has_verdict)
    ms_plot_collapse_badge (cr, width, strip_y, job->state, job->reason, &job->style);
  else
    ms_plot_collapse_badge_pending (cr, width, strip_y, job->pending, &job->style);
  cairo_translate (cr, 0, strip_y);
  ms_plot_collapse_strip (cr, width, strip_h, job->points, job->n_points, job->x_min,
                          job->x_max, &job->style);
}

static gpointer
indicator_prepare (GtkWidget       *widget,
                   int              width,
                   int              height,
                   MsViewPaintFunc *paint,
                   GDestroyNotify  *free_job)
{
  MsCollapseIndicator *self = MS_COLLAPSE_INDICATOR (widget);
  IndicatorJob *job = g_new0 (IndicatorJob, 1);

  ms_view_style_init (widget, self->presenter, &job->style);
  job->has_verdict = self->has_verdict;
  job->state = self->state;
  job->reason = g_strdup (self->reason);
  job->pending = g_strdup (_("Waiting for the first evaluation"));
  job->n_points = self->points->len;
  job->points = job->n_points > 0
                ? g_memdup2 (self->points->data, sizeof (MsCurvePoint) * job->n_points) : NULL;
  job->x_min = self->x_min;
  job->x_max = self->x_max;
  *paint = indicator_paint;
  *free_job = indicator_job_free;
  return job;
}

static void
ms_collapse_indicator_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  MsCollapseIndicator *self = MS_COLLAPSE_INDICATOR (widget);
  double scale = self->presenter ? 1.6 : 1.0;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 360;
    }
  else
    {
      /* Badge: 2x font + the reason (one line, two when there is room); then the strip */
      *minimum = (int) (12 * scale * (2.0 * 1.45 + 1.3 + 1.0) + 8);
      *natural = *minimum + (int) (12 * scale * 1.3);
    }
}

static void
ms_collapse_indicator_dispose (GObject *object)
{
  MsCollapseIndicator *self = MS_COLLAPSE_INDICATOR (object);

  ms_view_renderer_detach (GTK_WIDGET (self));
  if (self->session != NULL)
    g_clear_signal_handler (&self->frame_handler, self->session);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ms_collapse_indicator_parent_class)->dispose (object);
}

static void
ms_collapse_indicator_finalize (GObject *object)
{
  MsCollapseIndicator *self = MS_COLLAPSE_INDICATOR (object);

  g_free (self->reason);
  g_array_unref (self->points);
  G_OBJECT_CLASS (ms_collapse_indicator_parent_class)->finalize (object);
}

static void
ms_collapse_indicator_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  MsCollapseIndicator *self = MS_COLLAPSE_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_REASON:
      g_value_set_string (value, self->reason);
      break;
    case PROP_PRESENTER:
      g_value_set_boolean (value, self->presenter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_collapse_indicator_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  MsCollapseIndicator *self = MS_COLLAPSE_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_PRESENTER:
      ms_collapse_indicator_set_presenter (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_collapse_indicator_class_init (MsCollapseIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_collapse_indicator_dispose;
  object_class->finalize = ms_collapse_indicator_finalize;
  object_class->get_property = ms_collapse_indicator_get_property;
  object_class->set_property = ms_collapse_indicator_set_property;
  widget_class->snapshot = ms_view_renderer_snapshot;
  widget_class->css_changed = ms_view_css_changed;
  widget_class->measure = ms_collapse_indicator_measure;

  /* MsCollapseState (no GEnum type in the GLib-only metrics library) */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, MS_COLLAPSE_HEALTHY, MS_COLLAPSE_COLLAPSED,
                      MS_COLLAPSE_HEALTHY,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REASON] =
    g_param_spec_string ("reason", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENTER] =
    g_param_spec_boolean ("presenter", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "ms-collapse-indicator");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ms_collapse_indicator_init (MsCollapseIndicator *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (MsCurvePoint));
  ms_view_renderer_attach (GTK_WIDGET (self), indicator_prepare, NULL);
  self->reason = g_strdup ("");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("The mode-collapse detector's verdict and why; the strip "
                                 "below shows it over the whole run."));
  ms_view_set_accessible (GTK_WIDGET (self), _("Collapse indicator"), NULL);
  update_accessible (self);
}

GtkWidget *
ms_collapse_indicator_new (void)
{
  return g_object_new (MS_TYPE_COLLAPSE_INDICATOR, NULL);
}

void
ms_collapse_indicator_set_session (MsCollapseIndicator *self,
                                   MsSession           *session)
{
  g_return_if_fail (MS_IS_COLLAPSE_INDICATOR (self));
  g_return_if_fail (session == NULL || MS_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_clear_signal_handler (&self->frame_handler, self->session);
  g_set_object (&self->session, session);
  g_array_set_size (self->points, 0);
  if (session != NULL)
    {
      self->frame_handler = g_signal_connect (session, "notify::frame",
                                              G_CALLBACK (on_frame), self);
      on_frame (session, NULL, self);
    }
  else
    show_frame (self, NULL);
}

void
ms_collapse_indicator_set_frame (MsCollapseIndicator *self,
                                 MsFrame             *frame)
{
  g_return_if_fail (MS_IS_COLLAPSE_INDICATOR (self));

  if (frame != NULL)
    {
      if (!self->has_run || frame->run != self->run)
        g_array_set_size (self->points, 0);
      self->run = frame->run;
      self->has_run = TRUE;
      append_evaluated (self, frame->points, frame->n_points);
    }
  show_frame (self, frame);
}

MsCollapseState
ms_collapse_indicator_get_state (MsCollapseIndicator *self)
{
  g_return_val_if_fail (MS_IS_COLLAPSE_INDICATOR (self), MS_COLLAPSE_HEALTHY);
  return self->state;
}

const char *
ms_collapse_indicator_get_reason (MsCollapseIndicator *self)
{
  g_return_val_if_fail (MS_IS_COLLAPSE_INDICATOR (self), NULL);
  return self->reason;
}

void
ms_collapse_indicator_set_x_range (MsCollapseIndicator *self,
                                   gint64               min,
                                   gint64               max)
{
  g_return_if_fail (MS_IS_COLLAPSE_INDICATOR (self));

  if (self->x_min == min && self->x_max == max)
    return;
  self->x_min = min;
  self->x_max = max;
  ms_view_renderer_invalidate (GTK_WIDGET (self));
}

void
ms_collapse_indicator_set_presenter (MsCollapseIndicator *self,
                                     gboolean             presenter)
{
  g_return_if_fail (MS_IS_COLLAPSE_INDICATOR (self));

  presenter = !!presenter;
  if (self->presenter == presenter)
    return;
  self->presenter = presenter;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  ms_view_renderer_invalidate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTER]);
}

gboolean
ms_collapse_indicator_get_presenter (MsCollapseIndicator *self)
{
  g_return_val_if_fail (MS_IS_COLLAPSE_INDICATOR (self), FALSE);
  return self->presenter;
}
