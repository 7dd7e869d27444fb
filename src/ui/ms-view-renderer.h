/* ms-view-renderer.h: the views paint into textures on a worker thread
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A view attaches a renderer in init and calls ms_view_renderer_invalidate() whenever what it
 * shows changes (a frame, a property, the hover).  At most one render per view is in flight:
 * when it may start (from an idle, so that several changes in one main-loop iteration make one
 * render), the renderer calls the view's prepare function on the main thread, which returns an
 * immutable job (copies and references, never the widget's own mutable state) together with
 * the painter to run on it; the painter runs in a GTask thread into a Cairo image surface of
 * the widget's size times its scale factor, and the main thread keeps the surface and queues a
 * draw; snapshot wraps its pixels in a GdkMemoryTexture for the GL renderer, or paints it from
 * a Cairo node for the Cairo renderer (whose texture nodes copy every texture on every draw).  Changes while a render runs start one more render with
 * the newest data when it finishes.  snapshot only appends the latest picture (stretched while
 * a render for a new size is on its way); the very first draw paints synchronously once.
 * Results that arrive after dispose are dropped (a GCancellable and a weak reference).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs on a worker thread: paints @job at @width x @height (widget pixels) on @cr.  Reads only
 * @job, which no other thread touches while it runs. */
typedef void     (*MsViewPaintFunc)    (cairo_t    *cr,
                                        double      width,
                                        double      height,
                                        gpointer    job);

/* Main thread: the immutable input of one render of @widget at @width x @height.  Returns the
 * job, sets @paint and @free_job (called on any thread once the render is over). */
typedef gpointer (*MsViewPrepareFunc)  (GtkWidget       *widget,
                                        int              width,
                                        int              height,
                                        MsViewPaintFunc *paint,
                                        GDestroyNotify  *free_job);

/* Main thread, optional: a render of @job became the one on screen (e.g. to keep what it
 * prepared for hover lookups).  The job is freed after it returns. */
typedef void     (*MsViewRenderedFunc) (GtkWidget  *widget,
                                        gpointer    job);

/* Attaches a renderer to @widget (call in init).  ms_view_renderer_detach() in dispose. */
void     ms_view_renderer_attach     (GtkWidget          *widget,
                                      MsViewPrepareFunc   prepare,
                                      MsViewRenderedFunc  rendered);
/* Cancels a render in flight (its result is dropped) and frees the texture */
void     ms_view_renderer_detach     (GtkWidget          *widget);

/* What @widget shows changed: render again soon with the newest data */
void     ms_view_renderer_invalidate (GtkWidget          *widget);

/* A snapshot vfunc for the views: the latest texture at the widget's bounds */
void     ms_view_renderer_snapshot   (GtkWidget          *widget,
                                      GtkSnapshot        *snapshot);

/* TRUE while a render of @widget is queued or running (tests wait for FALSE) */
gboolean ms_view_is_rendering        (GtkWidget          *widget);

/* Renders @widget's current data into its texture on the calling (main) thread now, for
 * tests and screenshots that must see the newest data */
void     ms_view_renderer_flush      (GtkWidget          *widget);

G_END_DECLS
