/* ms-curve-chart.c: one metric over the run's iterations, with its events
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All preparation happens in on_frame() (the session's notify::frame, at most once per
 * delivered frame): the widget's own MsPlotCurves answers the accessible description and the
 * tests, and each render (ms-view-renderer.h) gets copies of the session's points, events and
 * branches from which the worker prepares and paints a private MsPlotCurves (drawing records
 * the style in it, so one object is never shared between threads).  The last one painted comes
 * back to the main thread for hover lookups, so they map x exactly as the picture on screen.
 * Hover changes render again only when the nearest iteration changes.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-curve-chart.h"
#include "ms-view-renderer.h"

struct _MsCurveChart
{
  GtkWidget      parent_instance;

  MsCurveKind    kind;
  MsPlotCurves  *curves;
  MsPlotCurves  *drawn;            /* of the render on screen, for lookup; nullable */
  gint64         x_min, x_max;     /* the fixed x range, min >= max: automatic */
  MsSession     *session;
  gulong         frame_handler;
  guint          n_points;
  guint          n_branches;       /* branches added to curves */
  guint          run;              /* of the last frame, to notice new runs */
  gint64         hover;            /* -1: none */
  gboolean       presenter;
};

G_DEFINE_FINAL_TYPE (MsCurveChart, ms_curve_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_KIND,
  PROP_SESSION,
  PROP_PRESENTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
kind_label (MsCurveKind kind)
{
  switch (kind)
    {
    case MS_CURVE_KL:
      return _("KL divergence chart");
    case MS_CURVE_IS:
      return _("Inception Score chart");
    case MS_CURVE_MODES:
      return _("Modes covered chart");
    case MS_CURVE_LOSS:
    default:
      return _("Loss chart");
    }
}

static const char *
kind_tooltip (MsCurveKind kind)
{
  switch (kind)
    {
    case MS_CURVE_KL:
      return _("How far the generated class mix is from the real one; the shaded band is "
               "what a perfect generator would still show by chance.");
    case MS_CURVE_IS:
      return _("Inception Score: high when samples are both recognisable and varied; the "
               "dashed line is the real data's score.");
    case MS_CURVE_MODES:
      return _("How many classes or modes the generator still produces.");
    case MS_CURVE_LOSS:
    default:
      return _("The discriminator's and the generator's losses at every iteration; vertical "
               "lines mark the changes you made.");
    }
}

static void
update_accessible (MsCurveChart *self)
{
  g_autofree char *latest = ms_plot_curves_describe_latest (self->curves);
  const char *empty = ms_plot_curves_get_empty_message (self->curves);

  ms_view_set_accessible (GTK_WIDGET (self), NULL,
                          latest != NULL ? latest
                          : empty != NULL ? empty
                          : self->kind == MS_CURVE_LOSS ? _("No iterations yet")
                                                        : _("No evaluation yet"));
}

static void
refresh (MsCurveChart *self)
{
  const MsCurvePoint *points = NULL;
  guint n = 0, n_events = 0, n_branches = 0;
  g_autoptr(GArray) events = NULL;
  MsFrame *frame = NULL;

  if (self->session != NULL)
    {
      points = ms_session_get_curve (self->session, &n);
      frame = ms_session_get_frame (self->session);
      n_events = ms_session_get_n_events (self->session);
      n_branches = ms_session_get_n_branches (self->session);
    }

  events = g_array_sized_new (FALSE, FALSE, sizeof (MsSessionEvent), n_events);
  for (guint i = 0; i < n_events; i++)
    g_array_append_val (events, *ms_session_get_event (self->session, i));

  ms_plot_curves_update (self->curves, points, n,
                         (const MsSessionEvent *) (gpointer) events->data, events->len, frame);
  self->n_points = n;

  /* Branches only change on restore, reset or a new run: rebuild them then */
  if (n_branches != self->n_branches || (frame != NULL && frame->run != self->run))
    {
      ms_plot_curves_clear_branches (self->curves);
      for (guint b = 0; b < n_branches; b++)
        {
          guint bn = 0;
          gint64 fork = 0;
          const MsCurvePoint *bp = ms_session_get_branch (self->session, b, &bn, &fork);

          if (bp != NULL && bn > 0)
            ms_plot_curves_add_branch (self->curves, bp, bn);
        }
      self->n_branches = n_branches;
    }
  if (frame != NULL)
    self->run = frame->run;

  update_accessible (self);
  ms_view_renderer_invalidate (GTK_WIDGET (self));
}

static void
on_frame (MsSession    *session,
          GParamSpec   *pspec,
          MsCurveChart *self)
{
  refresh (self);
}

static void
set_hover (MsCurveChart *self,
           gint64        iteration,
           const char   *text)
{
  if (self->hover == iteration)
    return;
  self->hover = iteration;
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), text != NULL ? text : kind_tooltip (self->kind));
  ms_view_renderer_invalidate (GTK_WIDGET (self));
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           MsCurveChart             *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gint64 it = -1;
  g_autofree char *text = NULL;

  if (!ms_plot_curves_lookup (self->drawn != NULL ? self->drawn : self->curves,
                              gtk_widget_get_width (widget),
                              gtk_widget_get_height (widget), x, &it, &text))
    it = -1;
  set_hover (self, it, text);
}

static void
on_leave (GtkEventControllerMotion *controller,
          MsCurveChart             *self)
{
  set_hover (self, -1, NULL);
}

static void
ms_curve_chart_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  MsCurveChart *self = MS_CURVE_CHART (widget);

  /* Decimate to the width: at most 2 points per pixel column */
  if (width > 0)
    ms_plot_curves_set_columns (self->curves, (guint) width);
}

/* One render's input: copies of what the session holds now */
typedef struct
{
  MsCurveKind     kind;
  MsCurvePoint   *points;
  guint           n_points;
  MsSessionEvent *events;          /* labels owned */
  guint           n_events;
  MsFrame        *frame;           /* nullable */
  GPtrArray      *branches;        /* GArray of MsCurvePoint */
  guint           columns;
  gint64          x_min, x_max;
  MsPlotStyle     style;
  gint64          hover;
  MsPlotCurves   *curves;          /* prepared and painted by the worker */
} ChartJob;

static void
chart_job_free (gpointer data)
{
  ChartJob *job = data;

  for (guint i = 0; i < job->n_events; i++)
    g_free (job->events[i].label);
  g_free (job->events);
  g_free (job->points);
  g_clear_pointer (&job->frame, ms_frame_unref);
  g_clear_pointer (&job->branches, g_ptr_array_unref);
  g_clear_pointer (&job->curves, ms_plot_curves_free);
  g_free (job);
}

/* Worker thread */
static void
chart_paint (cairo_t *cr,
             double   width,
             double   height,
             gpointer data)
{
  ChartJob *job = data;

  job->curves = ms_plot_curves_new (job->kind);
  ms_plot_curves_set_columns (job->curves, job->columns);
  ms_plot_curves_update (job->curves, job->points, job->n_points, job->events, job->n_events,
                         job->frame);
  for (guint b = 0; b < job->branches->len; b++)
    {
      GArray *branch = g_ptr_array_index (job->branches, b);

      ms_plot_curves_add_branch (job->curves, (const MsCurvePoint *) (gpointer) branch->data,
                                 branch->len);
    }
  ms_plot_curves_set_x_range (job->curves, job->x_min, job->x_max);
  ms_plot_curves_draw (job->curves, cr, width, height, &job->style, job->hover);
}

static gpointer
chart_prepare (GtkWidget       *widget,
               int              width,
               int              height,
               MsViewPaintFunc *paint,
               GDestroyNotify  *free_job)
{
  MsCurveChart *self = MS_CURVE_CHART (widget);
  ChartJob *job = g_new0 (ChartJob, 1);

  job->kind = self->kind;
  job->branches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  if (self->session != NULL)
    {
      const MsCurvePoint *points = ms_session_get_curve (self->session, &job->n_points);
      MsFrame *frame = ms_session_get_frame (self->session);
      guint n_branches = ms_session_get_n_branches (self->session);

      if (job->n_points > 0)
        job->points = g_memdup2 (points, sizeof *points * job->n_points);
      job->frame = frame != NULL ? ms_frame_ref (frame) : NULL;
      job->n_events = ms_session_get_n_events (self->session);
      job->events = g_new0 (MsSessionEvent, MAX (job->n_events, 1));
      for (guint i = 0; i < job->n_events; i++)
        {
          job->events[i] = *ms_session_get_event (self->session, i);
          job->events[i].label = g_strdup (job->events[i].label);
        }
      for (guint b = 0; b < n_branches; b++)
        {
          guint bn = 0;
          gint64 fork = 0;
          const MsCurvePoint *bp = ms_session_get_branch (self->session, b, &bn, &fork);

          if (bp != NULL && bn > 0)
            {
              GArray *branch = g_array_sized_new (FALSE, FALSE, sizeof (MsCurvePoint), bn);

              g_array_append_vals (branch, bp, bn);
              g_ptr_array_add (job->branches, branch);
            }
        }
    }
  job->columns = (guint) MAX (width, 1);
  job->x_min = self->x_min;
  job->x_max = self->x_max;
  job->hover = self->hover;
  ms_view_style_init (widget, self->presenter, &job->style);
  *paint = chart_paint;
  *free_job = chart_job_free;
  return job;
}

/* Main thread: keep the painted curves for lookups */
static void
chart_rendered (GtkWidget *widget,
                gpointer   data)
{
  MsCurveChart *self = MS_CURVE_CHART (widget);
  ChartJob *job = data;

  g_clear_pointer (&self->drawn, ms_plot_curves_free);
  self->drawn = g_steal_pointer (&job->curves);
}

static void
ms_curve_chart_constructed (GObject *object)
{
  MsCurveChart *self = MS_CURVE_CHART (object);

  G_OBJECT_CLASS (ms_curve_chart_parent_class)->constructed (object);

  self->curves = ms_plot_curves_new (self->kind);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), kind_tooltip (self->kind));
  ms_view_set_accessible (GTK_WIDGET (self), kind_label (self->kind), NULL);
  update_accessible (self);
}

static void
ms_curve_chart_dispose (GObject *object)
{
  MsCurveChart *self = MS_CURVE_CHART (object);

  ms_view_renderer_detach (GTK_WIDGET (self));
  if (self->session != NULL)
    g_clear_signal_handler (&self->frame_handler, self->session);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ms_curve_chart_parent_class)->dispose (object);
}

static void
ms_curve_chart_finalize (GObject *object)
{
  MsCurveChart *self = MS_CURVE_CHART (object);

  g_clear_pointer (&self->curves, ms_plot_curves_free);
  g_clear_pointer (&self->drawn, ms_plot_curves_free);
  G_OBJECT_CLASS (ms_curve_chart_parent_class)->finalize (object);
}

static void
ms_curve_chart_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MsCurveChart *self = MS_CURVE_CHART (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_PRESENTER:
      g_value_set_boolean (value, self->presenter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_curve_chart_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  MsCurveChart *self = MS_CURVE_CHART (object);

  switch (prop_id)
    {
    case PROP_KIND:
      self->kind = g_value_get_enum (value);
      break;
    case PROP_SESSION:
      ms_curve_chart_set_session (self, g_value_get_object (value));
      break;
    case PROP_PRESENTER:
      ms_curve_chart_set_presenter (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_curve_chart_class_init (MsCurveChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ms_curve_chart_constructed;
  object_class->dispose = ms_curve_chart_dispose;
  object_class->finalize = ms_curve_chart_finalize;
  object_class->get_property = ms_curve_chart_get_property;
  object_class->set_property = ms_curve_chart_set_property;
  widget_class->snapshot = ms_view_renderer_snapshot;
  widget_class->size_allocate = ms_curve_chart_size_allocate;
  widget_class->css_changed = ms_view_css_changed;

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, MS_TYPE_CURVE_KIND, MS_CURVE_LOSS,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, MS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENTER] =
    g_param_spec_boolean ("presenter", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "ms-curve-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ms_curve_chart_init (MsCurveChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->hover = -1;
  gtk_widget_set_size_request (GTK_WIDGET (self), 240, 140);
  ms_view_renderer_attach (GTK_WIDGET (self), chart_prepare, chart_rendered);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
ms_curve_chart_new (MsCurveKind kind)
{
  return g_object_new (MS_TYPE_CURVE_CHART, "kind", kind, NULL);
}

MsCurveKind
ms_curve_chart_get_kind (MsCurveChart *self)
{
  g_return_val_if_fail (MS_IS_CURVE_CHART (self), MS_CURVE_LOSS);
  return self->kind;
}

void
ms_curve_chart_set_session (MsCurveChart *self,
                            MsSession    *session)
{
  g_return_if_fail (MS_IS_CURVE_CHART (self));
  g_return_if_fail (session == NULL || MS_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_clear_signal_handler (&self->frame_handler, self->session);
  g_set_object (&self->session, session);
  if (session != NULL)
    self->frame_handler = g_signal_connect (session, "notify::frame", G_CALLBACK (on_frame), self);
  self->n_branches = G_MAXUINT;   /* rebuild them */
  self->hover = -1;
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

MsSession *
ms_curve_chart_get_session (MsCurveChart *self)
{
  g_return_val_if_fail (MS_IS_CURVE_CHART (self), NULL);
  return self->session;
}

void
ms_curve_chart_set_x_range (MsCurveChart *self,
                            gint64        min,
                            gint64        max)
{
  gint64 old_min, old_max;

  g_return_if_fail (MS_IS_CURVE_CHART (self));

  ms_plot_curves_get_x_range (self->curves, &old_min, &old_max);
  ms_plot_curves_set_x_range (self->curves, min, max);
  self->x_min = min;
  self->x_max = max;
  if (min < max && old_min == min && old_max == max)
    return;
  ms_view_renderer_invalidate (GTK_WIDGET (self));
}

guint
ms_curve_chart_get_n_points (MsCurveChart *self)
{
  g_return_val_if_fail (MS_IS_CURVE_CHART (self), 0);
  return self->n_points;
}

MsPlotCurves *
ms_curve_chart_get_curves (MsCurveChart *self)
{
  g_return_val_if_fail (MS_IS_CURVE_CHART (self), NULL);
  return self->curves;
}

void
ms_curve_chart_set_presenter (MsCurveChart *self,
                              gboolean      presenter)
{
  g_return_if_fail (MS_IS_CURVE_CHART (self));

  presenter = !!presenter;
  if (self->presenter == presenter)
    return;
  self->presenter = presenter;
  ms_view_renderer_invalidate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTER]);
}

gboolean
ms_curve_chart_get_presenter (MsCurveChart *self)
{
  g_return_val_if_fail (MS_IS_CURVE_CHART (self), FALSE);
  return self->presenter;
}
