/* ms-view-renderer.c: the views paint into textures on a worker thread
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All views share one worker thread (a GThreadPool of one exclusive thread) at a lower
 * priority, so that renders queue up behind each other instead of taking both cores of a
 * small machine from the main loop and the trainer at once.  Each render gets a sequence number; a result only replaces the texture if it is newer than
 * the one shown (a synchronous first paint may overtake a render in flight).  The GTask has no
 * source object and its callback holds only a GWeakRef to the widget, so a render in flight
 * never keeps a widget alive; detach cancels it and the callback drops the result.
 */
#include "config.h"

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "ms-view-renderer.h"

/* How much less CPU the render worker gets than the main thread and the trainer when they
 * compete for it (nice levels; Linux schedules threads, so this applies to the worker only) */
#define WORKER_NICE 5

typedef struct
{
  GtkWidget          *widget;        /* not a reference: the renderer lives as long */
  MsViewPrepareFunc   prepare;
  MsViewRenderedFunc  rendered;
  GCancellable       *cancellable;

  cairo_surface_t    *surface;       /* the latest render, NULL before the first */
  GdkTexture         *texture;       /* of surface, made on demand for GL and Vulkan */
  guint64             texture_seq;
  guint64             next_seq;

  gboolean            dirty;         /* data changed since the last render started */
  gboolean            in_flight;
  guint               idle_id;
  int                 width, height, scale;   /* of the last render started */
  gulong              scale_handler;
} MsViewRenderer;

/* One render: the job and its result; the task data */
typedef struct
{
  MsViewPaintFunc   paint;
  gpointer          job;
  GDestroyNotify    free_job;
  int               width, height, scale;
  guint64           seq;
} Render;

/* The task's callback data */
typedef struct
{
  GWeakRef  widget;
  Render   *render;     /* owned by the task */
} Pending;

static GQuark
renderer_quark (void)
{
  static GQuark q;

  if (G_UNLIKELY (q == 0))
    q = g_quark_from_static_string ("ms-view-renderer");
  return q;
}

static MsViewRenderer *
get_renderer (GtkWidget *widget)
{
  return g_object_get_qdata (G_OBJECT (widget), renderer_quark ());
}

static void
render_free (gpointer data)
{
  Render *r = data;

  if (r->free_job != NULL && r->job != NULL)
    r->free_job (r->job);
  g_free (r);
}

/* Any thread */
static cairo_surface_t *
render_paint (Render *r)
{
  cairo_surface_t *surface;
  cairo_t *cr;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, r->width * r->scale,
                                        r->height * r->scale);
  cr = cairo_create (surface);
  cairo_scale (cr, r->scale, r->scale);
  r->paint (cr, r->width, r->height, r->job);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static GdkTexture *
texture_for_surface (cairo_surface_t *surface)
{
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autoptr(GBytes) bytes = NULL;

  /* Cairo's ARGB32 is GTK's default memory format (premultiplied, native-endian words) */
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface),
                                      (gsize) stride * (gsize) height,
                                      (GDestroyNotify) cairo_surface_destroy,
                                      cairo_surface_reference (surface));
  return gdk_memory_texture_new (cairo_image_surface_get_width (surface), height,
                                 GDK_MEMORY_DEFAULT, bytes, (gsize) stride);
}

static void maybe_start (MsViewRenderer *self);

/* Main thread: @surface of render @r is done */
static void
show_result (MsViewRenderer  *self,
             Render          *r,
             cairo_surface_t *surface)
{
  if (r->seq <= self->texture_seq ||
      cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    return;
  g_clear_object (&self->texture);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  self->surface = cairo_surface_reference (surface);
  self->texture_seq = r->seq;
  if (self->rendered != NULL)
    self->rendered (self->widget, r->job);
  gtk_widget_queue_draw (self->widget);
}

/* GTK 4.8's Cairo renderer copies every texture node's texture into a new surface on every
 * draw of the window; a Cairo node that paints our surface only composites it.  GL and
 * Vulkan upload a texture once. */
static gboolean
is_cairo_renderer (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GskRenderer *renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;

  return renderer == NULL || GSK_IS_CAIRO_RENDERER (renderer);
}

static Render *
render_new (MsViewRenderer *self,
            int             width,
            int             height,
            int             scale)
{
  Render *r = g_new0 (Render, 1);

  r->width = width;
  r->height = height;
  r->scale = scale;
  r->seq = ++self->next_seq;
  r->job = self->prepare (self->widget, width, height, &r->paint, &r->free_job);
  self->width = width;
  self->height = height;
  self->scale = scale;
  self->dirty = FALSE;
  return r;
}

static void
worker_run (gpointer data,
            gpointer user_data)
{
  g_autoptr(GTask) task = data;
  Render *r = g_task_get_task_data (task);
  static gsize niced = 0;

  if (g_once_init_enter (&niced))
    {
#ifdef __linux__
      /* Best effort: an unprivileged thread may always lower its own priority */
      if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WORKER_NICE) != 0)
        g_debug ("view render worker: setpriority: %s", g_strerror (errno));
#endif
      g_once_init_leave (&niced, 1);
    }

  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, render_paint (r), (GDestroyNotify) cairo_surface_destroy);
}

/* The process's render worker, made on first use and kept (an idle thread costs nothing) */
static GThreadPool *
get_worker (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      g_autoptr(GError) error = NULL;
      GThreadPool *p = g_thread_pool_new (worker_run, NULL, 1, TRUE, &error);

      if (p == NULL)
        g_error ("view render worker: %s", error->message);
      g_once_init_leave (&pool, p);
    }
  return pool;
}

static void
render_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *p = user_data;
  g_autoptr(GtkWidget) widget = g_weak_ref_get (&p->widget);
  cairo_surface_t *surface = g_task_propagate_pointer (G_TASK (result), NULL);
  MsViewRenderer *self = widget != NULL ? get_renderer (widget) : NULL;

  /* NULL when cancelled: the widget was disposed (and maybe finalized) meanwhile */
  if (surface != NULL && self != NULL)
    {
      self->in_flight = FALSE;
      show_result (self, p->render, surface);
      maybe_start (self);
    }
  g_clear_pointer (&surface, cairo_surface_destroy);
  g_weak_ref_clear (&p->widget);
  g_free (p);
}

static void
maybe_start (MsViewRenderer *self)
{
  int width = gtk_widget_get_width (self->widget);
  int height = gtk_widget_get_height (self->widget);
  int scale = gtk_widget_get_scale_factor (self->widget);
  g_autoptr(GTask) task = NULL;
  Pending *p;

  if (width != self->width || height != self->height || scale != self->scale)
    self->dirty = TRUE;
  /* A hidden view (another page) renders when it is shown again */
  if (self->in_flight || !self->dirty || width <= 0 || height <= 0 ||
      !gtk_widget_get_mapped (self->widget))
    return;

  p = g_new0 (Pending, 1);
  g_weak_ref_init (&p->widget, self->widget);
  p->render = render_new (self, width, height, MAX (scale, 1));
  task = g_task_new (NULL, self->cancellable, render_done, p);
  g_task_set_source_tag (task, maybe_start);
  g_task_set_name (task, "[modescope] view render");
  g_task_set_task_data (task, p->render, render_free);
  self->in_flight = TRUE;
  g_thread_pool_push (get_worker (), g_steal_pointer (&task), NULL);
}

static gboolean
on_idle (gpointer data)
{
  MsViewRenderer *self = data;

  self->idle_id = 0;
  maybe_start (self);
  return G_SOURCE_REMOVE;
}

static void
on_scale_factor (GtkWidget  *widget,
                 GParamSpec *pspec,
                 gpointer    data)
{
  ms_view_renderer_invalidate (widget);
}

void
ms_view_renderer_attach (GtkWidget          *widget,
                         MsViewPrepareFunc   prepare,
                         MsViewRenderedFunc  rendered)
{
  MsViewRenderer *self;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (prepare != NULL);
  g_return_if_fail (get_renderer (widget) == NULL);

  self = g_new0 (MsViewRenderer, 1);
  self->widget = widget;
  self->prepare = prepare;
  self->rendered = rendered;
  self->cancellable = g_cancellable_new ();
  self->dirty = TRUE;
  self->scale_handler = g_signal_connect (widget, "notify::scale-factor",
                                          G_CALLBACK (on_scale_factor), NULL);
  g_object_set_qdata (G_OBJECT (widget), renderer_quark (), self);
}

void
ms_view_renderer_detach (GtkWidget *widget)
{
  MsViewRenderer *self;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  self = get_renderer (widget);
  if (self == NULL)
    return;
  g_object_set_qdata (G_OBJECT (widget), renderer_quark (), NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_clear_signal_handler (&self->scale_handler, widget);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_free (self);
}

void
ms_view_renderer_invalidate (GtkWidget *widget)
{
  MsViewRenderer *self;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  self = get_renderer (widget);
  if (self == NULL)
    return;
  self->dirty = TRUE;
  /* Above GTK's layout and paint (GDK_PRIORITY_REDRAW), below the frame delivery that
   * changes several views at once */
  if (self->idle_id == 0 && !self->in_flight)
    {
      self->idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, on_idle, self, NULL);
      g_source_set_name_by_id (self->idle_id, "[modescope] view render");
    }
}

static void
render_now (MsViewRenderer *self,
            int             width,
            int             height,
            int             scale)
{
  Render *r = render_new (self, width, height, scale);
  cairo_surface_t *surface = render_paint (r);

  show_result (self, r, surface);
  cairo_surface_destroy (surface);
  render_free (r);
}

void
ms_view_renderer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  MsViewRenderer *self = get_renderer (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, width, height);

  if (self == NULL || width <= 0 || height <= 0)
    return;

  if (self->surface == NULL)
    /* The first draw: nothing to show yet, so paint once here */
    render_now (self, width, height, MAX (gtk_widget_get_scale_factor (widget), 1));
  else
    /* A new size or scale: draw the old picture stretched until the new one is ready */
    maybe_start (self);
  if (self->surface == NULL)
    return;

  if (is_cairo_renderer (widget))
    {
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &bounds);

      cairo_rectangle (cr, 0, 0, width, height);
      cairo_clip (cr);
      cairo_scale (cr, width / (double) cairo_image_surface_get_width (self->surface),
                   height / (double) cairo_image_surface_get_height (self->surface));
      cairo_set_source_surface (cr, self->surface, 0, 0);
      cairo_paint (cr);
      cairo_destroy (cr);
    }
  else
    {
      if (self->texture == NULL)
        self->texture = texture_for_surface (self->surface);
      gtk_snapshot_append_texture (snapshot, self->texture, &bounds);
    }
}

gboolean
ms_view_is_rendering (GtkWidget *widget)
{
  MsViewRenderer *self;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);

  self = get_renderer (widget);
  if (self == NULL)
    return FALSE;
  return self->in_flight ||
         (self->dirty && gtk_widget_get_mapped (widget) &&
          gtk_widget_get_width (widget) > 0 && gtk_widget_get_height (widget) > 0);
}

void
ms_view_renderer_flush (GtkWidget *widget)
{
  MsViewRenderer *self;
  int width, height;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  self = get_renderer (widget);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  if (self == NULL || width <= 0 || height <= 0)
    return;
  g_clear_handle_id (&self->idle_id, g_source_remove);
  render_now (self, width, height, MAX (gtk_widget_get_scale_factor (widget), 1));
}
