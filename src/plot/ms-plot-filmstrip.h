/* ms-plot-filmstrip.h: the fixed-noise sample grid over a run, as PNG frames and a GIF
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An MsFilmstrip records the grey pixels of every evaluated frame's sample grid (64 MNIST
 * samples are 50 KB); over @max_frames it keeps every second one and from then on records
 * every Nth evaluation only, so a long run keeps an even sampling within the cap.  A new run
 * (or a grid of another shape) starts the strip again.
 *
 *   MsFilmstrip *strip = ms_filmstrip_new (500);
 *   ms_filmstrip_add_frame (strip, frame);                 // main thread, on every frame
 *   g_autoptr(MsFilmstrip) copy = ms_filmstrip_copy (strip);   // hand to a worker
 *   ms_filmstrip_write_gif (copy, "run.gif", &error);
 *
 * Each image is the grid tiled in rows of ceil(sqrt(n)) samples, every sample pixel drawn as
 * a square of ms_filmstrip_get_zoom() pixels, with a 2-pixel grey frame between samples, and
 * "iteration N" on a 22-pixel bar below.
 *
 * Threading: one strip is used by one thread at a time; copies share the (immutable) pixels.
 */
#pragma once

#include <glib.h>

#include "ms-session.h"

G_BEGIN_DECLS

typedef struct _MsFilmstrip MsFilmstrip;

/* (transfer full) @max_frames >= 2 */
MsFilmstrip *ms_filmstrip_new           (guint         max_frames);
MsFilmstrip *ms_filmstrip_ref           (MsFilmstrip  *strip);
void         ms_filmstrip_unref         (MsFilmstrip  *strip);
/* (transfer full) A copy sharing the pixels, for another thread */
MsFilmstrip *ms_filmstrip_copy          (MsFilmstrip  *strip);
/* Records @frame's grid if it is an image frame evaluated at its own iteration and newer than
 * the last recorded one; a new run or grid shape clears the strip first.  TRUE if recorded. */
gboolean     ms_filmstrip_add_frame     (MsFilmstrip   *strip,
                                         const MsFrame *frame);
void         ms_filmstrip_clear         (MsFilmstrip  *strip);
guint        ms_filmstrip_get_n_frames  (MsFilmstrip  *strip);
gint64       ms_filmstrip_get_iteration (MsFilmstrip  *strip,
                                         guint         index);
/* The size of each image in pixels; FALSE when the strip is empty */
gboolean     ms_filmstrip_get_size      (MsFilmstrip  *strip,
                                         int          *width,
                                         int          *height);
/* Upscaling of each sample pixel (default 2) */
void         ms_filmstrip_set_zoom      (MsFilmstrip  *strip,
                                         int           zoom);
int          ms_filmstrip_get_zoom      (MsFilmstrip  *strip);

/* One animated GIF (256 greys, looping, @delay_cs hundredths of a second per image, the last
 * held 2 s), written to a temporary file renamed over @path.  FALSE with a G_IO_ERROR /
 * G_FILE_ERROR naming the file (an empty strip is G_IO_ERROR_INVALID_ARGUMENT). */
gboolean     ms_filmstrip_write_gif     (MsFilmstrip  *strip,
                                         const char   *path,
                                         int           delay_cs,
                                         GError      **error);
/* One PNG per image into the existing folder @folder: "frame-0001-iter-000100.png", ...,
 * each written atomically. */
gboolean     ms_filmstrip_write_pngs    (MsFilmstrip  *strip,
                                         const char   *folder,
                                         GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsFilmstrip, ms_filmstrip_unref)

G_END_DECLS
