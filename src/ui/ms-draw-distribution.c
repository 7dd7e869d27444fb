/* ms-draw-distribution.c: a 2-D target distribution drawn with the mouse (or the keyboard)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ms-draw-distribution.h"

#define HIT_RADIUS   12.0   /* pixels */
#define KEY_STEP     0.1f   /* data units per arrow key press */
#define MARGIN       8.0    /* pixels around the square plot */

struct _MsDrawDistribution
{
  GtkWidget  parent_instance;

  float      xy[2 * MS_DRAW_DISTRIBUTION_MAX];
  int        n;
  int        selected;
  double     std;

  int        dragging;      /* index of the mode being dragged, -1 */
  double     drag_x0;       /* where the drag started, widget coordinates */
  double     drag_y0;
};

G_DEFINE_FINAL_TYPE (MsDrawDistribution, ms_draw_distribution, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_N_POINTS,
  PROP_POINTS_STD,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Geometry ------------------------------------------------------------------------------ */

static void
plot_square (int     width,
             int     height,
             double *x0,
             double *y0,
             double *side)
{
  double s = MAX (1.0, MIN (width, height) - 2 * MARGIN);

  *side = s;
  *x0 = (width - s) / 2.0;
  *y0 = (height - s) / 2.0;
}

void
ms_draw_distribution_widget_to_data (int     width,
                                     int     height,
                                     double  wx,
                                     double  wy,
                                     float  *x,
                                     float  *y)
{
  double x0, y0, side;
  const double e = MS_DRAW_DISTRIBUTION_EXTENT;

  plot_square (width, height, &x0, &y0, &side);
  *x = (float) CLAMP (-e + 2 * e * (wx - x0) / side, -e, e);
  *y = (float) CLAMP (e - 2 * e * (wy - y0) / side, -e, e);
}

void
ms_draw_distribution_data_to_widget (int     width,
                                     int     height,
                                     float   x,
                                     float   y,
                                     double *wx,
                                     double *wy)
{
  double x0, y0, side;
  const double e = MS_DRAW_DISTRIBUTION_EXTENT;

  plot_square (width, height, &x0, &y0, &side);
  *wx = x0 + (x + e) / (2 * e) * side;
  *wy = y0 + (e - y) / (2 * e) * side;
}

static float
clamp_coord (float v)
{
  if (!isfinite (v))
    return 0.0f;
  return CLAMP (v, -MS_DRAW_DISTRIBUTION_EXTENT, MS_DRAW_DISTRIBUTION_EXTENT);
}

/* The mode under widget point (@wx, @wy), or -1 */
static int
hit_test (MsDrawDistribution *self,
          double              wx,
          double              wy)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double best = HIT_RADIUS * HIT_RADIUS;
  int hit = -1;

  for (int i = 0; i < self->n; i++)
    {
      double px, py, d;

      ms_draw_distribution_data_to_widget (width, height, self->xy[2 * i], self->xy[2 * i + 1],
                                           &px, &py);
      d = (px - wx) * (px - wx) + (py - wy) * (py - wy);
      if (d <= best)
        {
          best = d;
          hit = i;
        }
    }
  return hit;
}

/* Painting ------------------------------------------------------------------------------ */

void
ms_draw_distribution_paint (cairo_t       *cr,
                            int            width,
                            int            height,
                            const float   *xy,
                            int            n,
                            double         std,
                            int            selected,
                            const GdkRGBA *fg)
{
  double x0, y0, side, scale;
  const double e = MS_DRAW_DISTRIBUTION_EXTENT;
  GdkRGBA accent = { 0.21f, 0.52f, 0.89f, 1.0f };   /* Adwaita blue */

  g_return_if_fail (cr != NULL && fg != NULL);

  plot_square (width, height, &x0, &y0, &side);
  scale = side / (2 * e);

  /* Frame and a grid line per unit, the axes stronger */
  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  for (int k = (int) -e; k <= (int) e; k++)
    {
      double p = x0 + (k + e) * scale;
      double q = y0 + (e - k) * scale;

      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, k == 0 ? 0.45 : 0.12);
      cairo_move_to (cr, floor (p) + 0.5, y0);
      cairo_line_to (cr, floor (p) + 0.5, y0 + side);
      cairo_move_to (cr, x0, floor (q) + 0.5);
      cairo_line_to (cr, x0 + side, floor (q) + 0.5);
      cairo_stroke (cr);
    }
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.5);
  cairo_rectangle (cr, floor (x0) + 0.5, floor (y0) + 0.5, floor (side), floor (side));
  cairo_stroke (cr);

  /* Each mode: a filled 1-std disc, a 2-std ring, and the centre */
  for (int i = 0; i < n; i++)
    {
      double px = x0 + (xy[2 * i] + e) * scale;
      double py = y0 + (e - xy[2 * i + 1]) * scale;
      double r1 = MAX (std * scale, 2.0);

      cairo_new_path (cr);
      cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.25);
      cairo_arc (cr, px, py, r1, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.6);
      cairo_arc (cr, px, py, 2 * r1, 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 1.0);
      cairo_arc (cr, px, py, 4.0, 0, 2 * G_PI);
      cairo_fill (cr);
      if (i == selected)
        {
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.9);
          cairo_set_line_width (cr, 2.0);
          cairo_arc (cr, px, py, 8.0, 0, 2 * G_PI);
          cairo_stroke (cr);
          cairo_set_line_width (cr, 1.0);
        }
    }
  cairo_restore (cr);
}

static void
ms_draw_distribution_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  MsDrawDistribution *self = MS_DRAW_DISTRIBUTION (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA fg;
  cairo_t *cr;

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
G_GNUC_END_IGNORE_DEPRECATIONS
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  ms_draw_distribution_paint (cr, width, height, self->xy, self->n, self->std,
                              gtk_widget_has_focus (widget) || self->dragging >= 0
                              ? self->selected : -1, &fg);
  cairo_destroy (cr);
}

static void
ms_draw_distribution_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  *minimum = 160;
  *natural = 360;
}

/* Changes ------------------------------------------------------------------------------- */

static void
set_selected (MsDrawDistribution *self,
              int                 index)
{
  if (index < -1 || index >= self->n)
    index = -1;
  if (self->selected == index)
    return;
  self->selected = index;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
points_changed (MsDrawDistribution *self)
{
  g_autofree char *buf = g_strdup_printf (ngettext ("%d mode", "%d modes", self->n), self->n);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                  buf, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_POINTS]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const float *
ms_draw_distribution_get_points (MsDrawDistribution *self,
                                 int                *n)
{
  g_return_val_if_fail (MS_IS_DRAW_DISTRIBUTION (self), NULL);

  if (n != NULL)
    *n = self->n;
  return self->n > 0 ? self->xy : NULL;
}

int
ms_draw_distribution_get_n_points (MsDrawDistribution *self)
{
  g_return_val_if_fail (MS_IS_DRAW_DISTRIBUTION (self), 0);
  return self->n;
}

void
ms_draw_distribution_set_points (MsDrawDistribution *self,
                                 const float        *xy,
                                 int                 n)
{
  g_return_if_fail (MS_IS_DRAW_DISTRIBUTION (self));
  g_return_if_fail (n == 0 || xy != NULL);

  n = CLAMP (n, 0, MS_DRAW_DISTRIBUTION_MAX);
  for (int i = 0; i < 2 * n; i++)
    self->xy[i] = clamp_coord (xy[i]);
  self->n = n;
  self->dragging = -1;
  set_selected (self, -1);
  points_changed (self);
}

gboolean
ms_draw_distribution_add_point (MsDrawDistribution *self,
                                float               x,
                                float               y)
{
  g_return_val_if_fail (MS_IS_DRAW_DISTRIBUTION (self), FALSE);

  if (self->n >= MS_DRAW_DISTRIBUTION_MAX)
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return FALSE;
    }
  self->xy[2 * self->n] = clamp_coord (x);
  self->xy[2 * self->n + 1] = clamp_coord (y);
  self->n++;
  set_selected (self, self->n - 1);
  points_changed (self);
  return TRUE;
}

void
ms_draw_distribution_remove_point (MsDrawDistribution *self,
                                   int                 index)
{
  g_return_if_fail (MS_IS_DRAW_DISTRIBUTION (self));

  if (index < 0 || index >= self->n)
    return;
  memmove (self->xy + 2 * index, self->xy + 2 * (index + 1),
           sizeof (float) * 2 * (gsize) (self->n - index - 1));
  self->n--;
  self->dragging = -1;
  set_selected (self, self->n == 0 ? -1 : MIN (index, self->n - 1));
  points_changed (self);
}

void
ms_draw_distribution_clear (MsDrawDistribution *self)
{
  g_return_if_fail (MS_IS_DRAW_DISTRIBUTION (self));
  ms_draw_distribution_set_points (self, NULL, 0);
}

int
ms_draw_distribution_get_selected (MsDrawDistribution *self)
{
  g_return_val_if_fail (MS_IS_DRAW_DISTRIBUTION (self), -1);
  return self->selected;
}

double
ms_draw_distribution_get_points_std (MsDrawDistribution *self)
{
  g_return_val_if_fail (MS_IS_DRAW_DISTRIBUTION (self), 0.05);
  return self->std;
}

void
ms_draw_distribution_set_points_std (MsDrawDistribution *self,
                                     double              std)
{
  g_return_if_fail (MS_IS_DRAW_DISTRIBUTION (self));

  if (!isfinite (std))
    std = 0.05;
  std = CLAMP (std, MS_DRAW_DISTRIBUTION_MIN_STD, MS_DRAW_DISTRIBUTION_MAX_STD);
  if (self->std == std)
    return;
  self->std = std;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POINTS_STD]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Input --------------------------------------------------------------------------------- */

static void
on_drag_begin (GtkGestureDrag     *gesture,
               double              x,
               double              y,
               MsDrawDistribution *self)
{
  int hit = hit_test (self, x, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (hit < 0)
    {
      float dx, dy;

      ms_draw_distribution_widget_to_data (gtk_widget_get_width (GTK_WIDGET (self)),
                                           gtk_widget_get_height (GTK_WIDGET (self)),
                                           x, y, &dx, &dy);
      if (!ms_draw_distribution_add_point (self, dx, dy))
        return;
      hit = self->n - 1;
    }
  set_selected (self, hit);
  self->dragging = hit;
  self->drag_x0 = x;
  self->drag_y0 = y;
}

static void
on_drag_update (GtkGestureDrag     *gesture,
                double              offset_x,
                double              offset_y,
                MsDrawDistribution *self)
{
  float x, y;

  if (self->dragging < 0 || self->dragging >= self->n)
    return;
  ms_draw_distribution_widget_to_data (gtk_widget_get_width (GTK_WIDGET (self)),
                                       gtk_widget_get_height (GTK_WIDGET (self)),
                                       self->drag_x0 + offset_x, self->drag_y0 + offset_y,
                                       &x, &y);
  self->xy[2 * self->dragging] = x;
  self->xy[2 * self->dragging + 1] = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag     *gesture,
             double              offset_x,
             double              offset_y,
             MsDrawDistribution *self)
{
  if (self->dragging >= 0)
    {
      on_drag_update (gesture, offset_x, offset_y, self);
      self->dragging = -1;
      points_changed (self);
    }
}

static void
on_secondary_pressed (GtkGestureClick    *gesture,
                      int                 n_press,
                      double              x,
                      double              y,
                      MsDrawDistribution *self)
{
  int hit = hit_test (self, x, y);

  if (hit >= 0)
    ms_draw_distribution_remove_point (self, hit);
}

static void
on_long_pressed (GtkGestureLongPress *gesture,
                 double               x,
                 double               y,
                 MsDrawDistribution  *self)
{
  int hit = hit_test (self, x, y);

  if (hit >= 0)
    {
      self->dragging = -1;
      ms_draw_distribution_remove_point (self, hit);
    }
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                MsDrawDistribution    *self)
{
  float dx = 0.0f, dy = 0.0f;

  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Insert:
    case GDK_KEY_KP_Insert:
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_plus:
    case GDK_KEY_KP_Add:
      ms_draw_distribution_add_point (self, 0.0f, 0.0f);
      return TRUE;
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
    case GDK_KEY_BackSpace:
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      if (self->selected < 0)
        return FALSE;
      ms_draw_distribution_remove_point (self, self->selected);
      return TRUE;
    case GDK_KEY_Page_Up:
    case GDK_KEY_KP_Page_Up:
      if (self->n > 0)
        set_selected (self, self->selected <= 0 ? self->n - 1 : self->selected - 1);
      return TRUE;
    case GDK_KEY_Page_Down:
    case GDK_KEY_KP_Page_Down:
      if (self->n > 0)
        set_selected (self, self->selected < 0 || self->selected >= self->n - 1
                            ? 0 : self->selected + 1);
      return TRUE;
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      dx = -KEY_STEP;
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      dx = KEY_STEP;
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      dy = KEY_STEP;
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      dy = -KEY_STEP;
      break;
    default:
      return FALSE;
    }

  if (self->selected < 0)
    return FALSE;   /* let the arrows move the focus */
  self->xy[2 * self->selected] = clamp_coord (self->xy[2 * self->selected] + dx);
  self->xy[2 * self->selected + 1] = clamp_coord (self->xy[2 * self->selected + 1] + dy);
  points_changed (self);
  return TRUE;
}

static void
on_focus_changed (GtkEventControllerFocus *controller,
                  MsDrawDistribution      *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* GObject ------------------------------------------------------------------------------- */

static void
ms_draw_distribution_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  MsDrawDistribution *self = MS_DRAW_DISTRIBUTION (object);

  switch (prop_id)
    {
    case PROP_N_POINTS:
      g_value_set_int (value, self->n);
      break;
    case PROP_POINTS_STD:
      g_value_set_double (value, self->std);
      break;
    case PROP_SELECTED:
      g_value_set_int (value, self->selected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_draw_distribution_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  MsDrawDistribution *self = MS_DRAW_DISTRIBUTION (object);

  switch (prop_id)
    {
    case PROP_POINTS_STD:
      ms_draw_distribution_set_points_std (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_draw_distribution_class_init (MsDrawDistributionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ms_draw_distribution_get_property;
  object_class->set_property = ms_draw_distribution_set_property;
  widget_class->snapshot = ms_draw_distribution_snapshot;
  widget_class->measure = ms_draw_distribution_measure;

  properties[PROP_N_POINTS] =
    g_param_spec_int ("n-points", NULL, NULL, 0, MS_DRAW_DISTRIBUTION_MAX, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POINTS_STD] =
    g_param_spec_double ("points-std", NULL, NULL, MS_DRAW_DISTRIBUTION_MIN_STD,
                         MS_DRAW_DISTRIBUTION_MAX_STD, 0.05,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED] =
    g_param_spec_int ("selected", NULL, NULL, -1, MS_DRAW_DISTRIBUTION_MAX - 1, -1,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "msdrawdistribution");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ms_draw_distribution_init (MsDrawDistribution *self)
{
  GtkGesture *drag, *click, *press;
  GtkEventController *key, *focus;

  self->selected = -1;
  self->dragging = -1;
  self->std = 0.05;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_secondary_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  press = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
  g_signal_connect (press, "pressed", G_CALLBACK (on_long_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (press));

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);

  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "enter", G_CALLBACK (on_focus_changed), self);
  g_signal_connect (focus, "leave", G_CALLBACK (on_focus_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Click to add a mode, drag a mode to move it, right-click it "
                                 "to remove it; with the keyboard, Insert adds, Page Up and "
                                 "Page Down select, the arrows move and Delete removes."));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Drawn distribution"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Each point is the centre of one Gaussian mode"),
                                  -1);
  points_changed (self);
}

GtkWidget *
ms_draw_distribution_new (void)
{
  return g_object_new (MS_TYPE_DRAW_DISTRIBUTION, NULL);
}
