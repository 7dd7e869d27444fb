/* ms-plot-curves.c: metric curves over iterations, with the run's events
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preparation and painting are split as in Sysprof's charts: ms_plot_curves_update() runs
 * when a frame arrives, copies what the kind shows, decimates long series and finds the value
 * range; ms_plot_curves_draw() only maps and strokes, so a widget can redraw every display
 * frame.  Losses have a point per logged iteration: they are cut into one bucket of
 * iterations per pixel column (ms_plot_curves_set_columns(), the widget's width), each keeping
 * its minimum and maximum in order, so at most 2 points per column are stroked and spikes stay
 * visible.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "ms-plot-private.h"

#define DEFAULT_COLUMNS  2048
#define MAX_EVENT_ROWS   3

typedef struct
{
  gint64  *x;
  double  *y;
  guint    n;
} Series;

typedef struct
{
  Series         s[2];
  MsCurvePoint  *points;    /* as given, to decimate again for another width */
  guint          n;
} Branch;

typedef struct
{
  gint64               iteration;
  MsSessionEventKind   kind;
  char                *label;
} Event;

typedef struct
{
  double px, py, pw, ph;      /* plot area */
  double title_h, events_h;
  double row_h;
  int    event_rows;
} Layout;

struct _MsPlotCurves
{
  MsCurveKind    kind;
  guint          n_series;        /* 2 for losses */
  guint          columns;         /* decimation buckets */

  MsCurvePoint  *points;          /* the current branch as given, for lookup */
  guint          n_points;
  Series         cur[2];
  GPtrArray     *branches;        /* Branch */
  GArray        *events;          /* Event */

  gboolean       has_floor;
  gboolean       is_2d;
  double         floor_mean, floor_p99;
  double         ref_is;
  int            k;               /* modes to cover: the real data's classes */
  gboolean       one_class;       /* the data has one of the classifier's classes: no KL */
  gboolean       subset;          /* ... or a few of them: KL over those */
  gboolean       has_kl_evals;    /* evaluated points, with a KL or not */

  gint64         fixed_min, fixed_max;
  gint64         data_min, data_max;
  double         y_min, y_max;
  gboolean       log_y;
  gboolean       has_data;

  /* The style of the last draw, so that lookup maps x the same way */
  MsPlotStyle    last_style;
  gboolean       has_style;
};

static void
series_clear (Series *s)
{
  g_clear_pointer (&s->x, g_free);
  g_clear_pointer (&s->y, g_free);
  s->n = 0;
}

static void
branch_free (gpointer data)
{
  Branch *b = data;

  g_free (b->points);
  series_clear (&b->s[0]);
  series_clear (&b->s[1]);
  g_free (b);
}

static void
event_clear (gpointer data)
{
  Event *e = data;

  g_free (e->label);
}

MsPlotCurves *
ms_plot_curves_new (MsCurveKind kind)
{
  MsPlotCurves *self;

  g_return_val_if_fail (kind <= MS_CURVE_MODES, NULL);

  self = g_new0 (MsPlotCurves, 1);
  self->kind = kind;
  self->n_series = kind == MS_CURVE_LOSS ? 2 : 1;
  self->columns = DEFAULT_COLUMNS;
  self->branches = g_ptr_array_new_with_free_func (branch_free);
  self->events = g_array_new (FALSE, TRUE, sizeof (Event));
  g_array_set_clear_func (self->events, event_clear);
  self->fixed_min = self->fixed_max = 0;
  self->y_max = 1;
  return self;
}

void
ms_plot_curves_free (MsPlotCurves *self)
{
  if (self == NULL)
    return;
  g_free (self->points);
  series_clear (&self->cur[0]);
  series_clear (&self->cur[1]);
  g_ptr_array_unref (self->branches);
  g_array_unref (self->events);
  g_free (self);
}

MsCurveKind
ms_plot_curves_get_kind (MsPlotCurves *self)
{
  g_return_val_if_fail (self != NULL, MS_CURVE_KL);
  return self->kind;
}

/* Does @p carry a value of series @s of this kind, and which */
static gboolean
point_value (MsCurveKind         kind,
             const MsCurvePoint *p,
             guint               s,
             double             *value)
{
  double v;

  switch (kind)
    {
    case MS_CURVE_KL:
      if (!p->has_eval)
        return FALSE;
      v = p->kl;
      break;
    case MS_CURVE_IS:
      if (!p->has_eval || !(p->is_mean > 0))
        return FALSE;
      v = p->is_mean;
      break;
    case MS_CURVE_MODES:
      if (!p->has_eval)
        return FALSE;
      v = p->modes_covered;
      break;
    case MS_CURVE_LOSS:
    default:
      v = s == 0 ? p->loss_d : p->loss_g;
      break;
    }
  if (!isfinite (v))
    return FALSE;
  *value = v;
  return TRUE;
}

static void
series_build (MsCurveKind         kind,
              guint               columns,
              const MsCurvePoint *points,
              guint               n,
              guint               s,
              Series             *out)
{
  guint count = 0, k = 0;
  gint64 lo, hi;

  series_clear (out);
  for (guint i = 0; i < n; i++)
    {
      double v;

      if (point_value (kind, &points[i], s, &v))
        count++;
    }
  if (count == 0)
    return;

  out->x = g_new (gint64, MIN (count, 2 * columns + 2));
  out->y = g_new (double, MIN (count, 2 * columns + 2));

  if (count <= 2 * columns)
    {
      for (guint i = 0; i < n; i++)
        {
          double v;

          if (point_value (kind, &points[i], s, &v))
            out->x[k] = points[i].iteration, out->y[k] = v, k++;
        }
      out->n = k;
      return;
    }

  /* Min/max per bucket of iterations, in iteration order */
  lo = points[0].iteration;
  hi = MAX (points[n - 1].iteration, lo + 1);
  for (guint i = 0; i < n;)
    {
      int bucket = (int) ((points[i].iteration - lo) * (gint64) (columns - 1) / (hi - lo));
      gint64 min_x = 0, max_x = 0;
      double min_v = G_MAXDOUBLE, max_v = -G_MAXDOUBLE;
      guint j = i;

      for (; j < n; j++)
        {
          double v;

          if ((int) ((points[j].iteration - lo) * (gint64) (columns - 1) / (hi - lo)) != bucket)
            break;
          if (!point_value (kind, &points[j], s, &v))
            continue;
          if (v < min_v)
            min_v = v, min_x = points[j].iteration;
          if (v > max_v)
            max_v = v, max_x = points[j].iteration;
        }
      if (min_v <= max_v && k + 2 <= 2 * columns + 2)
        {
          if (min_x <= max_x)
            {
              out->x[k] = min_x, out->y[k++] = min_v;
              if (max_x != min_x)
                out->x[k] = max_x, out->y[k++] = max_v;
            }
          else
            {
              out->x[k] = max_x, out->y[k++] = max_v;
              out->x[k] = min_x, out->y[k++] = min_v;
            }
        }
      i = MAX (j, i + 1);
    }
  out->n = k;
}

static void
extend_range (const Series *s,
              double       *lo,
              double       *hi,
              double       *lo_pos,
              gint64       *x_lo,
              gint64       *x_hi)
{
  for (guint i = 0; i < s->n; i++)
    {
      *lo = MIN (*lo, s->y[i]);
      *hi = MAX (*hi, s->y[i]);
      if (s->y[i] > 0)
        *lo_pos = MIN (*lo_pos, s->y[i]);
      *x_lo = MIN (*x_lo, s->x[i]);
      *x_hi = MAX (*x_hi, s->x[i]);
    }
}

static void
compute_ranges (MsPlotCurves *self)
{
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE, lo_pos = G_MAXDOUBLE;
  gint64 x_lo = G_MAXINT64, x_hi = G_MININT64;

  for (guint s = 0; s < self->n_series; s++)
    extend_range (&self->cur[s], &lo, &hi, &lo_pos, &x_lo, &x_hi);
  for (guint b = 0; b < self->branches->len; b++)
    {
      Branch *br = g_ptr_array_index (self->branches, b);

      for (guint s = 0; s < self->n_series; s++)
        extend_range (&br->s[s], &lo, &hi, &lo_pos, &x_lo, &x_hi);
    }
  /* The curve's whole iteration span, evaluated or not */
  if (self->n_points > 0)
    {
      x_lo = MIN (x_lo, self->points[0].iteration);
      x_hi = MAX (x_hi, self->points[self->n_points - 1].iteration);
    }

  self->has_data = lo <= hi;
  if (x_lo > x_hi)
    x_lo = 0, x_hi = 1;
  if (x_hi <= x_lo)
    x_hi = x_lo + 1;
  self->data_min = x_lo;
  self->data_max = x_hi;

  if (!self->has_data)
    lo = 0, hi = 1, lo_pos = 1;

  self->log_y = FALSE;
  switch (self->kind)
    {
    case MS_CURVE_KL:
      if (self->has_floor)
        {
          hi = MAX (hi, self->floor_p99);
          if (self->floor_mean > 0)
            lo_pos = MIN (lo_pos, self->floor_mean);
        }
      if (lo_pos < G_MAXDOUBLE && hi / lo_pos > 100)
        {
          self->log_y = TRUE;
          self->y_min = pow (10, floor (log10 (MAX (lo_pos, 1e-6))));
          self->y_max = pow (10, ceil (log10 (hi)));
        }
      else
        {
          self->y_min = 0;
          self->y_max = hi > 0 ? hi * 1.1 : 1;
        }
      break;
    case MS_CURVE_IS:
      hi = MAX (hi, self->ref_is);
      self->y_min = 0;
      self->y_max = hi > 0 ? hi * 1.08 : 1;
      break;
    case MS_CURVE_MODES:
      self->y_min = 0;
      self->y_max = MAX (MAX (hi, (double) self->k), 1);
      break;
    case MS_CURVE_LOSS:
    default:
      {
        double pad = (hi - lo) * 0.06;

        if (!(pad > 0))
          pad = MAX (fabs (hi) * 0.1, 0.5);
        self->y_min = lo - pad;
        self->y_max = hi + pad;
      }
      break;
    }
}

static gboolean
event_is_drawn (MsSessionEventKind kind)
{
  switch (kind)
    {
    case MS_SESSION_EVENT_OPTIMIZER:
    case MS_SESSION_EVENT_LR:
    case MS_SESSION_EVENT_GAN_CONFIG:
    case MS_SESSION_EVENT_BATCH:
    case MS_SESSION_EVENT_RESET:
    case MS_SESSION_EVENT_RESTORE:
    case MS_SESSION_EVENT_EVAL_EVERY:
    case MS_SESSION_EVENT_DIVERGED:
      return TRUE;
    case MS_SESSION_EVENT_RUN_STARTED:
    case MS_SESSION_EVENT_PAUSE:
    case MS_SESSION_EVENT_RESUME:
    case MS_SESSION_EVENT_STEP:
    case MS_SESSION_EVENT_SNAPSHOT:
    case MS_SESSION_EVENT_REJECTED:
    case MS_SESSION_EVENT_ERROR:
    default:
      return FALSE;
    }
}

void
ms_plot_curves_update (MsPlotCurves         *self,
                       const MsCurvePoint   *points,
                       guint                 n,
                       const MsSessionEvent *events,
                       guint                 n_events,
                       const MsFrame        *latest)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n == 0 || points != NULL);
  g_return_if_fail (n_events == 0 || events != NULL);

  g_free (self->points);
  self->points = n > 0 ? g_memdup2 (points, sizeof *points * n) : NULL;
  self->n_points = n;
  for (guint s = 0; s < self->n_series; s++)
    series_build (self->kind, self->columns, points, n, s, &self->cur[s]);

  g_array_set_size (self->events, 0);
  for (guint i = 0; i < n_events; i++)
    if (event_is_drawn (events[i].kind))
      {
        Event e = { events[i].iteration, events[i].kind, g_strdup (events[i].label) };

        g_array_append_val (self->events, e);
      }

  self->has_floor = FALSE;
  self->is_2d = latest != NULL && latest->is_2d;
  self->ref_is = 0;
  self->k = 0;
  self->one_class = self->subset = self->has_kl_evals = FALSE;
  for (guint i = 0; i < n && !self->has_kl_evals; i++)
    self->has_kl_evals = points[i].has_eval;
  if (latest != NULL)
    {
      if (latest->has_evaluation && latest->evaluation.kl_floor_p99 > 0)
        {
          self->has_floor = TRUE;
          self->floor_mean = latest->evaluation.kl_floor_mean;
          self->floor_p99 = latest->evaluation.kl_floor_p99;
        }
      self->ref_is = latest->reference_is;
      self->k = latest->n_classes > 0 ? latest->n_classes
                : latest->has_evaluation ? latest->evaluation.k : 0;
      /* A folder of a few digits has only those to cover (k_data 0: an older file, all k) */
      if (latest->has_evaluation && !latest->is_2d && latest->evaluation.k_data > 0 &&
          latest->evaluation.k_data < latest->evaluation.k)
        {
          self->k = latest->evaluation.k_data;
          self->subset = TRUE;
          self->one_class = latest->evaluation.k_data == 1;
          /* Its floor is that of the KL to uniform over all classes, not of this chart's */
          if (self->one_class)
            self->has_floor = FALSE;
        }
    }
  compute_ranges (self);
}

void
ms_plot_curves_add_branch (MsPlotCurves       *self,
                           const MsCurvePoint *points,
                           guint               n)
{
  Branch *b;

  g_return_if_fail (self != NULL);
  g_return_if_fail (n == 0 || points != NULL);

  b = g_new0 (Branch, 1);
  b->points = n > 0 ? g_memdup2 (points, sizeof *points * n) : NULL;
  b->n = n;
  for (guint s = 0; s < self->n_series; s++)
    series_build (self->kind, self->columns, points, n, s, &b->s[s]);
  g_ptr_array_add (self->branches, b);
  compute_ranges (self);
}

void
ms_plot_curves_set_columns (MsPlotCurves *self,
                            guint         columns)
{
  g_return_if_fail (self != NULL);

  columns = CLAMP (columns, 16, 16384);
  if (columns == self->columns)
    return;
  self->columns = columns;
  for (guint s = 0; s < self->n_series; s++)
    series_build (self->kind, columns, self->points, self->n_points, s, &self->cur[s]);
  for (guint b = 0; b < self->branches->len; b++)
    {
      Branch *br = g_ptr_array_index (self->branches, b);

      for (guint s = 0; s < self->n_series; s++)
        series_build (self->kind, columns, br->points, br->n, s, &br->s[s]);
    }
  compute_ranges (self);
}

guint
ms_plot_curves_get_n_drawn (MsPlotCurves *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->cur[0].n + (self->n_series > 1 ? self->cur[1].n : 0);
}

void
ms_plot_curves_clear_branches (MsPlotCurves *self)
{
  g_return_if_fail (self != NULL);

  g_ptr_array_set_size (self->branches, 0);
  compute_ranges (self);
}

void
ms_plot_curves_set_x_range (MsPlotCurves *self,
                            gint64        min,
                            gint64        max)
{
  g_return_if_fail (self != NULL);

  self->fixed_min = min;
  self->fixed_max = max;
}

void
ms_plot_curves_get_x_range (MsPlotCurves *self,
                            gint64       *min,
                            gint64       *max)
{
  g_return_if_fail (self != NULL);

  if (self->fixed_min < self->fixed_max)
    {
      *min = self->fixed_min;
      *max = self->fixed_max;
    }
  else
    {
      *min = self->data_min;
      *max = self->data_max;
    }
}

gboolean
ms_plot_curves_is_empty (MsPlotCurves *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return !self->has_data;
}

static const char *empty_message (MsPlotCurves *self);

const char *
ms_plot_curves_get_empty_message (MsPlotCurves *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->has_data ? NULL : empty_message (self);
}

int
ms_plot_curves_get_modes_total (MsPlotCurves *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->k;
}

/* Layout and mapping ------------------------------------------------------------------- */

static char *
format_iteration (gint64 v,
                  double step)
{
  if (v != 0 && v % 1000 == 0 && step >= 1000)
    return g_strdup_printf ("%" G_GINT64_FORMAT "k", v / 1000);
  return g_strdup_printf ("%" G_GINT64_FORMAT, v);
}

static double
map_y (MsPlotCurves *self,
       const Layout *l,
       double        v)
{
  double t;

  if (self->log_y)
    t = (log10 (MAX (v, self->y_min * 1e-3)) - log10 (self->y_min)) /
        (log10 (self->y_max) - log10 (self->y_min));
  else
    t = (v - self->y_min) / (self->y_max - self->y_min);
  return l->py + l->ph * (1 - t);
}

static double
map_x (MsPlotCurves *self,
       const Layout *l,
       double        it)
{
  gint64 lo, hi;

  ms_plot_curves_get_x_range (self, &lo, &hi);
  return l->px + l->pw * (it - lo) / (double) (hi - lo);
}

/* Ticks for a plot about @plot_h high with @font_px labels: no closer than ~2.2 lines */
static int
y_ticks (MsPlotCurves *self,
         double        plot_h,
         double        font_px,
         double       *values,
         int           max)
{
  int n = 0, target = CLAMP ((int) (plot_h / (font_px * 2.2)), 1, 5);

  if (self->log_y)
    {
      int decades = (int) lround (log10 (self->y_max / self->y_min));
      int every = MAX (1, (decades + target - 1) / MAX (target, 1));
      int i = 0;

      for (double d = self->y_min; d <= self->y_max * 1.0001 && n < max; d *= 10, i++)
        if (i % every == 0)
          values[n++] = d;
    }
  else
    {
      double first, step;
      int count = _ms_plot_ticks (self->y_min, self->y_max, target, &first, &step);

      if (self->kind == MS_CURVE_MODES && step < 1)
        count = _ms_plot_ticks (self->y_min, self->y_max,
                                MIN (target, (int) self->y_max), &first, &step);
      if (self->kind == MS_CURVE_MODES && step < 1)
        count = _ms_plot_ticks (self->y_min, self->y_max, 1, &first, &step);
      for (int i = 0; i < count && n < max; i++)
        values[n++] = first + i * step;
    }
  return n;
}

/* The plot area's height without the y tick labels' width (which depends on the ticks) */
static double
plot_height (MsPlotCurves      *self,
             double             height,
             const MsPlotStyle *style)
{
  double fs = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
  double row_h = ceil (_ms_plot_font_px (style, MS_PLOT_FONT_SMALL) * 1.35);
  int rows = self->events->len > 0 ? MIN (MAX_EVENT_ROWS, (int) self->events->len) : 0;

  rows = MIN (rows, MAX (1, (int) (height * 0.25 / row_h)));
  return MAX (1, height - ceil (fs * 1.7) - rows * row_h - fs * 0.3 - fs * 2.9);
}

static void
compute_layout (MsPlotCurves      *self,
                cairo_t           *cr,
                double             width,
                double             height,
                const MsPlotStyle *style,
                Layout            *l)
{
  double fs = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
  double ticks[64], tick_w = 0;
  int n = y_ticks (self, plot_height (self, height, style),
                   _ms_plot_font_px (style, MS_PLOT_FONT_SMALL), ticks, 64);

  _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *t = _ms_plot_format_value (ticks[i]);

      tick_w = MAX (tick_w, _ms_plot_text_width (cr, t));
    }

  l->row_h = ceil (_ms_plot_font_px (style, MS_PLOT_FONT_SMALL) * 1.35);
  l->title_h = ceil (fs * 1.7);
  /* Event labels take at most a quarter of the height; crowded labels are left out */
  l->event_rows = self->events->len > 0 ? MIN (MAX_EVENT_ROWS, (int) self->events->len) : 0;
  l->event_rows = MIN (l->event_rows, MAX (1, (int) (height * 0.25 / l->row_h)));
  l->events_h = l->event_rows * l->row_h;
  l->px = ceil (tick_w + fs * 0.8);
  l->py = l->title_h + l->events_h + fs * 0.3;
  l->pw = MAX (1, width - l->px - fs * 1.0);
  l->ph = MAX (1, height - l->py - fs * 2.9);
}

static void
layout_for_lookup (MsPlotCurves *self,
                   double        width,
                   double        height,
                   Layout       *l)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cairo_t *cr = cairo_create (s);
  MsPlotStyle style;

  if (self->has_style)
    style = self->last_style;
  else
    ms_plot_style_init (&style, FALSE, FALSE);
  compute_layout (self, cr, width, height, &style, l);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* Index of the point of the current branch nearest to @it that carries this kind's values */
static int
nearest_point (MsPlotCurves *self,
               double        it)
{
  int best = -1;
  double best_d = G_MAXDOUBLE;
  guint lo = 0, hi = self->n_points;

  if (self->n_points == 0)
    return -1;
  /* first point with iteration >= it */
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (self->points[mid].iteration < it)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (int dir = -1; dir <= 1; dir += 2)
    for (int i = dir < 0 ? (int) lo - 1 : (int) lo; i >= 0 && i < (int) self->n_points; i += dir)
      {
        double v, d = fabs (self->points[i].iteration - it);

        if (d > best_d)
          break;
        if (point_value (self->kind, &self->points[i], 0, &v))
          {
            best = i, best_d = d;
            break;
          }
      }
  return best;
}

static char *
point_text (MsPlotCurves       *self,
            const MsCurvePoint *p)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  switch (self->kind)
    {
    case MS_CURVE_KL:
      a = _ms_plot_format_value (p->kl);
      if (self->has_floor)
        {
          b = _ms_plot_format_value (self->floor_p99);
          /* TRANSLATORS: hover text on the KL chart: iteration, KL, its noise floor */
          return g_strdup_printf (_("iter %lld: KL %s (floor %s)"),
                                  (long long) p->iteration, a, b);
        }
      return g_strdup_printf (_("iter %lld: KL %s"), (long long) p->iteration, a);
    case MS_CURVE_IS:
      a = _ms_plot_format_value (p->is_mean);
      if (self->ref_is > 0)
        {
          b = _ms_plot_format_value (self->ref_is);
          return g_strdup_printf (_("iter %lld: IS %s (real data %s)"),
                                  (long long) p->iteration, a, b);
        }
      return g_strdup_printf (_("iter %lld: IS %s"), (long long) p->iteration, a);
    case MS_CURVE_MODES:
      if (self->k > 0)
        return g_strdup_printf (_("iter %lld: %d of %d modes covered"),
                                (long long) p->iteration, p->modes_covered, self->k);
      return g_strdup_printf (_("iter %lld: %d modes covered"),
                              (long long) p->iteration, p->modes_covered);
    case MS_CURVE_LOSS:
    default:
      a = _ms_plot_format_value (p->loss_d);
      b = _ms_plot_format_value (p->loss_g);
      return g_strdup_printf (_("iter %lld: loss D %s, loss G %s"),
                              (long long) p->iteration, a, b);
    }
}

gboolean
ms_plot_curves_lookup (MsPlotCurves  *self,
                       double         width,
                       double         height,
                       double         x,
                       gint64        *iteration,
                       char         **text)
{
  Layout l;
  gint64 lo, hi;
  int i;

  g_return_val_if_fail (self != NULL, FALSE);

  if (text != NULL)
    *text = NULL;
  layout_for_lookup (self, width, height, &l);
  if (x < l.px - 4 || x > l.px + l.pw + 4)
    return FALSE;
  ms_plot_curves_get_x_range (self, &lo, &hi);
  i = nearest_point (self, lo + (x - l.px) / l.pw * (double) (hi - lo));
  if (i < 0)
    return FALSE;
  if (iteration != NULL)
    *iteration = self->points[i].iteration;
  if (text != NULL)
    *text = point_text (self, &self->points[i]);
  return TRUE;
}

/* Painting ----------------------------------------------------------------------------- */

static const char *
kind_title (MsCurveKind kind)
{
  switch (kind)
    {
    case MS_CURVE_KL:
      return _("KL to the real class mix (nats)");
    case MS_CURVE_IS:
      return _("Inception Score");
    case MS_CURVE_MODES:
      return _("Modes covered");
    case MS_CURVE_LOSS:
    default:
      return _("Losses");
    }
}

/* Why an empty chart is empty; the KL of a data set of one class or of a few is undefined
 * when there is no mix to compare, never a number */
static const char *
empty_message (MsPlotCurves *self)
{
  switch (self->kind)
    {
    case MS_CURVE_LOSS:
      return _("No iterations yet");
    case MS_CURVE_IS:
      return self->is_2d ? _("The Inception Score needs images") : _("No evaluation yet");
    case MS_CURVE_KL:
      if (self->one_class)
        /* TRANSLATORS: the KL chart of a folder of one digit */
        return _("The data has one class: there is no class mix to compare");
      if (self->subset && self->has_kl_evals)
        /* TRANSLATORS: the KL chart of a folder of a few digits when no generated sample
         * was classified as one of them */
        return _("No KL yet: the generator drew none of the data's classes");
      return _("No evaluation yet");
    case MS_CURVE_MODES:
    default:
      return _("No evaluation yet");
    }
}

/* A reference line's label at the left end, above the line, or below it near the top */
static void
reference_label (cairo_t      *cr,
                 const Layout *l,
                 double        y,
                 double        fs,
                 const char   *text)
{
  if (y - l->py < fs * 1.3)
    _ms_plot_text (cr, l->px + fs * 0.4, y + 2, 0, 0, text);
  else
    _ms_plot_text (cr, l->px + fs * 0.4, y - 2, 0, 1, text);
}

static void
stroke_series (MsPlotCurves *self,
               cairo_t      *cr,
               const Layout *l,
               const Series *s,
               gboolean      markers,
               double        radius)
{
  if (s->n == 0)
    return;
  for (guint i = 0; i < s->n; i++)
    {
      double x = map_x (self, l, s->x[i]), y = map_y (self, l, s->y[i]);

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  if (s->n == 1)
    cairo_rel_line_to (cr, 0.01, 0);
  cairo_stroke (cr);
  if (markers)
    {
      for (guint i = 0; i < s->n; i++)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, map_x (self, l, s->x[i]), map_y (self, l, s->y[i]), radius, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }
}

static void
draw_events (MsPlotCurves      *self,
             cairo_t           *cr,
             const Layout      *l,
             const MsPlotStyle *style)
{
  double row_end[MAX_EVENT_ROWS];
  double fs = _ms_plot_font_px (style, MS_PLOT_FONT_SMALL);
  gint64 lo, hi;

  ms_plot_curves_get_x_range (self, &lo, &hi);
  for (int r = 0; r < MAX_EVENT_ROWS; r++)
    row_end[r] = -G_MAXDOUBLE;

  _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
  for (guint i = 0; i < self->events->len; i++)
    {
      const Event *e = &g_array_index (self->events, Event, i);
      MsPlotColor colour = e->kind == MS_SESSION_EVENT_DIVERGED ? style->collapsed
                           : style->series[MS_PLOT_SERIES_EVENT];
      double x, w, best_space = -1;
      int row = -1;
      const char *label = e->label != NULL ? e->label : "";

      if (e->iteration < lo || e->iteration > hi)
        continue;
      x = round (map_x (self, l, e->iteration)) + 0.5;

      /* The marker through the plot */
      _ms_plot_set_color_a (cr, colour, 0.8);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
      cairo_move_to (cr, x, l->title_h);
      cairo_line_to (cr, x, l->py + l->ph);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);

      /* The label right of the marker, in the first row where it does not overlap; else
       * elided into the row with the most room */
      w = _ms_plot_text_width (cr, label);
      for (int r = 0; r < l->event_rows; r++)
        if (row_end[r] < x)
          {
            double space = l->px + l->pw + fs - x;

            if (row < 0 || space > best_space)
              row = r, best_space = space;
            if (w + fs * 0.3 <= space)
              break;
          }
      if (row < 0)
        continue;   /* crowded: the marker stays, the label is in the tooltip */
      {
        double avail = MIN (l->px + l->pw + fs - x - fs * 0.3, 1e9);
        g_autofree char *shown = _ms_plot_elide (cr, label, avail);
        double y = l->title_h + row * l->row_h;

        if (*shown == '\0')
          continue;
        /* Background under the text so it stays readable over other markers */
        _ms_plot_set_color (cr, style->background);
        cairo_rectangle (cr, x + 2, y, _ms_plot_text_width (cr, shown) + fs * 0.3, l->row_h);
        if (style->fill_background)
          cairo_fill (cr);
        else
          cairo_new_path (cr);
        _ms_plot_set_color (cr, colour);
        _ms_plot_text (cr, x + fs * 0.3, y + l->row_h / 2, 0, 0.5, shown);
        row_end[row] = x + fs * 0.3 + _ms_plot_text_width (cr, shown) + fs * 0.5;
      }
    }
}

void
ms_plot_curves_draw (MsPlotCurves      *self,
                     cairo_t           *cr,
                     double             width,
                     double             height,
                     const MsPlotStyle *style,
                     gint64             hover_iteration)
{
  Layout l;
  double fs, lw, ticks[64], first, step;
  int n;
  gint64 lo, hi;
  MsPlotColor colours[2];
  g_autofree char *title = NULL;

  g_return_if_fail (self != NULL && cr != NULL && style != NULL);

  self->last_style = *style;
  self->has_style = TRUE;

  cairo_save (cr);
  _ms_plot_background (cr, width, height, style);
  fs = _ms_plot_font_px (style, MS_PLOT_FONT_NORMAL);
  lw = _ms_plot_line (style, 1);
  compute_layout (self, cr, width, height, style, &l);
  ms_plot_curves_get_x_range (self, &lo, &hi);

  if (self->kind == MS_CURVE_LOSS)
    {
      colours[0] = style->series[MS_PLOT_SERIES_LOSS_D];
      colours[1] = style->series[MS_PLOT_SERIES_LOSS_G];
    }
  else
    colours[0] = colours[1] = style->series[MS_PLOT_SERIES_METRIC];

  /* Title left, legend right; the title gets what the legend leaves */
  {
    double x = width - fs * 0.5, legend_w = 0, title_w;
    const char *names[3] = { NULL, NULL, NULL };
    MsPlotColor cols[3];
    gboolean dashed[3] = { FALSE, FALSE, FALSE }, band[3] = { FALSE, FALSE, FALSE };
    int count = 0;
    g_autofree char *full = self->log_y && self->has_data
                            /* TRANSLATORS: a chart's title when its y axis is logarithmic */
                            ? g_strdup_printf (_("%s, log scale"), kind_title (self->kind))
                            : g_strdup (kind_title (self->kind));

    if (self->kind == MS_CURVE_LOSS)
      {
        names[0] = _("loss D"), cols[0] = colours[0];
        names[1] = _("loss G"), cols[1] = colours[1];
        count = 2;
      }
    else if (self->kind == MS_CURVE_KL && self->has_floor)
      {
        names[0] = _("noise floor"), cols[0] = style->band, band[0] = TRUE;
        count = 1;
      }
    else if (self->kind == MS_CURVE_IS && self->ref_is > 0)
      {
        names[0] = _("real data"), cols[0] = style->series[MS_PLOT_SERIES_REFERENCE];
        dashed[0] = TRUE;
        count = 1;
      }
    if (self->branches->len > 0)
      {
        names[count] = _("earlier branch"), cols[count] = style->muted;
        count++;
      }

    _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
    for (int i = 0; i < count; i++)
      legend_w += _ms_plot_text_width (cr, names[i]) + fs * 2.7;

    _ms_plot_font (cr, style, MS_PLOT_FONT_NORMAL, TRUE);
    _ms_plot_set_color (cr, style->foreground);
    title = _ms_plot_elide (cr, full, MAX (width * 0.45, width - legend_w - fs * 1.5));
    title_w = _ms_plot_text_width (cr, title);
    _ms_plot_text (cr, fs * 0.2, l.title_h / 2, 0, 0.5, title);

    _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
    for (int i = count - 1; i >= 0; i--)
      {
        double tw = _ms_plot_text_width (cr, names[i]);

        x -= tw;
        if (x - fs * 2 < title_w + fs)
          break;
        _ms_plot_set_color (cr, style->foreground);
        _ms_plot_text (cr, x, l.title_h / 2, 0, 0.5, names[i]);
        x -= fs * 1.8;
        _ms_plot_set_color (cr, cols[i]);
        if (band[i])
          {
            cairo_rectangle (cr, x, l.title_h / 2 - fs * 0.4, fs * 1.4, fs * 0.8);
            cairo_fill (cr);
          }
        else
          {
            cairo_set_line_width (cr, lw * 1.5);
            if (dashed[i])
              cairo_set_dash (cr, (double[]) { 5, 3 }, 2, 0);
            cairo_move_to (cr, x, l.title_h / 2);
            cairo_line_to (cr, x + fs * 1.4, l.title_h / 2);
            cairo_stroke (cr);
            cairo_set_dash (cr, NULL, 0, 0);
          }
        x -= fs * 0.9;
      }
  }

  if (!self->has_data)
    {
      _ms_plot_message (cr, width, height, style, empty_message (self));
      cairo_restore (cr);
      return;
    }

  /* y grid and ticks */
  n = y_ticks (self, l.ph, _ms_plot_font_px (style, MS_PLOT_FONT_SMALL), ticks, 64);
  _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
  cairo_set_line_width (cr, 1);
  for (int i = 0; i < n; i++)
    {
      double y = round (map_y (self, &l, ticks[i])) + 0.5;
      g_autofree char *t = self->kind == MS_CURVE_MODES ? g_strdup_printf ("%.0f", ticks[i])
                           : _ms_plot_format_value (ticks[i]);

      if (y < l.py - 1 || y > l.py + l.ph + 1)
        continue;
      _ms_plot_set_color (cr, style->grid);
      cairo_move_to (cr, l.px, y);
      cairo_line_to (cr, l.px + l.pw, y);
      cairo_stroke (cr);
      _ms_plot_set_color (cr, style->foreground);
      _ms_plot_text (cr, l.px - fs * 0.35, y, 1, 0.5, t);
    }

  /* x ticks: iterations */
  n = _ms_plot_ticks (lo, hi, MAX (2, (int) (l.pw / (fs * 6))), &first, &step);
  if (step < 1)
    n = _ms_plot_ticks (lo, hi, (int) (hi - lo), &first, &step);
  for (int i = 0; i < n; i++)
    {
      double v = first + i * step;
      double x = round (map_x (self, &l, v)) + 0.5;
      g_autofree char *t = format_iteration ((gint64) llround (v), step);

      _ms_plot_set_color (cr, style->grid);
      cairo_move_to (cr, x, l.py + l.ph);
      cairo_line_to (cr, x, l.py + l.ph + fs * 0.3);
      cairo_stroke (cr);
      _ms_plot_set_color (cr, style->foreground);
      _ms_plot_text (cr, x, l.py + l.ph + fs * 0.4, 0.5, 0, t);
    }
  _ms_plot_set_color (cr, style->muted);
  _ms_plot_text (cr, l.px + l.pw, height - fs * 0.1, 1, 1, _("iteration"));

  /* Axes */
  _ms_plot_set_color (cr, style->foreground);
  cairo_move_to (cr, l.px + 0.5, l.py);
  cairo_line_to (cr, l.px + 0.5, round (l.py + l.ph) + 0.5);
  cairo_line_to (cr, l.px + l.pw, round (l.py + l.ph) + 0.5);
  cairo_stroke (cr);

  cairo_save (cr);
  cairo_rectangle (cr, l.px, l.py - lw * 2, l.pw + lw * 2, l.ph + lw * 4);
  cairo_clip (cr);

  /* References */
  if (self->kind == MS_CURVE_KL && self->has_floor)
    {
      double y0 = map_y (self, &l, self->floor_p99);
      double y1 = map_y (self, &l, MAX (self->floor_mean, self->log_y ? self->y_min : 0));

      _ms_plot_set_color (cr, style->band);
      cairo_rectangle (cr, l.px, y0, l.pw, MAX (1, y1 - y0));
      cairo_fill (cr);
    }
  if (self->kind == MS_CURVE_IS && self->ref_is > 0)
    {
      double y = map_y (self, &l, self->ref_is);

      _ms_plot_set_color (cr, style->series[MS_PLOT_SERIES_REFERENCE]);
      cairo_set_line_width (cr, lw);
      cairo_set_dash (cr, (double[]) { 6, 4 }, 2, 0);
      cairo_move_to (cr, l.px, y);
      cairo_line_to (cr, l.px + l.pw, y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
      reference_label (cr, &l, y, fs, _("real data"));
    }
  if (self->kind == MS_CURVE_MODES && self->k > 0)
    {
      double y = map_y (self, &l, self->k);
      g_autofree char *t = g_strdup_printf (_("all %d"), self->k);

      _ms_plot_set_color (cr, style->series[MS_PLOT_SERIES_REFERENCE]);
      cairo_set_line_width (cr, lw);
      cairo_set_dash (cr, (double[]) { 6, 4 }, 2, 0);
      cairo_move_to (cr, l.px, y);
      cairo_line_to (cr, l.px + l.pw, y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
      reference_label (cr, &l, y, fs, t);
    }

  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  /* Earlier branches, light and thin */
  for (guint b = 0; b < self->branches->len; b++)
    {
      Branch *br = g_ptr_array_index (self->branches, b);

      for (guint s = 0; s < self->n_series; s++)
        {
          _ms_plot_set_color_a (cr, colours[s], 0.35);
          cairo_set_line_width (cr, lw * 0.8);
          stroke_series (self, cr, &l, &br->s[s], FALSE, 0);
        }
    }

  /* The current branch */
  for (guint s = 0; s < self->n_series; s++)
    {
      const Series *se = &self->cur[s];
      gboolean markers = self->kind != MS_CURVE_LOSS && se->n > 0 && se->n < l.pw / (lw * 6);

      _ms_plot_set_color (cr, colours[s]);
      cairo_set_line_width (cr, lw * (self->kind == MS_CURVE_LOSS ? 1.0 : 1.5));
      stroke_series (self, cr, &l, se, markers, lw * 1.8);
    }

  /* Collapse state in the MODES chart is the strip's job; hover cursor */
  if (hover_iteration >= 0 && hover_iteration >= lo && hover_iteration <= hi)
    {
      double x = round (map_x (self, &l, hover_iteration)) + 0.5;
      int i = nearest_point (self, hover_iteration);

      _ms_plot_set_color (cr, style->foreground);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, x, l.py);
      cairo_line_to (cr, x, l.py + l.ph);
      cairo_stroke (cr);
      if (i >= 0)
        for (guint s = 0; s < self->n_series; s++)
          {
            double v;

            if (!point_value (self->kind, &self->points[i], s, &v))
              continue;
            _ms_plot_set_color (cr, colours[s]);
            cairo_arc (cr, x, map_y (self, &l, v), lw * 3, 0, 2 * G_PI);
            cairo_fill_preserve (cr);
            _ms_plot_set_color (cr, style->background);
            cairo_set_line_width (cr, lw);
            cairo_stroke (cr);
          }
    }
  cairo_restore (cr);

  draw_events (self, cr, &l, style);

  /* Hover box last, above everything */
  if (hover_iteration >= 0)
    {
      int i = nearest_point (self, hover_iteration);

      if (i >= 0)
        {
          g_autofree char *t = point_text (self, &self->points[i]);
          double x = map_x (self, &l, self->points[i].iteration), tw, bh, bx, by;

          _ms_plot_font (cr, style, MS_PLOT_FONT_SMALL, FALSE);
          tw = _ms_plot_text_width (cr, t) + fs;
          bh = fs * 1.6;
          bx = x + fs * 0.6;
          if (bx + tw > l.px + l.pw)
            bx = x - fs * 0.6 - tw;
          bx = MAX (bx, 0);
          by = l.py + fs * 0.3;
          _ms_plot_set_color_a (cr, style->background, 0.92);
          cairo_rectangle (cr, bx, by, tw, bh);
          cairo_fill_preserve (cr);
          _ms_plot_set_color (cr, style->grid);
          cairo_set_line_width (cr, 1);
          cairo_stroke (cr);
          _ms_plot_set_color (cr, style->foreground);
          _ms_plot_text (cr, bx + fs * 0.5, by + bh / 2, 0, 0.5, t);
        }
    }
  cairo_restore (cr);
}

char *
ms_plot_curves_describe_latest (MsPlotCurves *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = self->n_points; i > 0; i--)
    {
      double v;

      if (point_value (self->kind, &self->points[i - 1], 0, &v))
        return point_text (self, &self->points[i - 1]);
    }
  return NULL;
}
