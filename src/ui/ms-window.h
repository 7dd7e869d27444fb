/* ms-window.h: the ModeScope main window (header bar, control sidebar, live dashboard)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window owns one MsSession, created from the control panel's run settings (or given by
 * the caller), and only reacts to its "frame" notifications: it never waits for training.
 * Main thread only.
 */
#pragma once

#include <adwaita.h>

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_WINDOW (ms_window_get_type ())

G_DECLARE_FINAL_TYPE (MsWindow, ms_window, MS, WINDOW, AdwApplicationWindow)

/* (transfer none: the window is owned by GTK) A window training from the settings' run
 * (the control panel's keys); @autostart starts training at once, otherwise it waits for
 * Play.  @app may be NULL (tests). */
MsWindow  *ms_window_new          (GtkApplication          *app,
                                   GSettings               *settings,
                                   gboolean                 autostart);
/* (transfer none) The same with explicit first-run settings (tests, --bench-ui); the run
 * starts at once unless run->start_paused. */
MsWindow  *ms_window_new_for_run  (GtkApplication          *app,
                                   GSettings               *settings,
                                   const MsSessionSettings *run);
/* (transfer none) --bench-ui: dcgan-small on MNIST at full speed for @seconds, then prints the
 * frame draw times, control latency, peak memory and training speed, and closes. */
MsWindow  *ms_window_new_bench    (GtkApplication          *app,
                                   GSettings               *settings,
                                   double                   seconds);

/* (transfer none) The session, NULL if it could not be created */
MsSession *ms_window_get_session  (MsWindow                *self);
gboolean   ms_window_get_running  (MsWindow                *self);
gboolean   ms_window_get_presenter (MsWindow               *self);
void       ms_window_set_presenter (MsWindow               *self,
                                    gboolean                presenter);

/* Export and session files ------------------------------------------------------------
 *
 * Every export copies the session's history on the main thread (frames are immutable) and
 * writes in a GTask worker thread, so training and drawing go on; @callback runs on the main
 * thread, then call ms_window_export_finish().  Files are written atomically (a temporary file
 * or folder renamed into place): a failure keeps an earlier file.  These functions do not ask
 * before replacing a file: the window's dialogs do (the export dialog and the actions use
 * them; tests call them directly). */

/* @view: "dashboard", "grid", "histogram", "scatter", "kl", "is", "loss", "modes" or
 * "collapse" (ms_plot_view_to_string()); @format "png" (@width x @height pixels), "svg" or
 * "pdf" (points); or @format "csv" / "json": the metrics as modescope-cli writes them (@view,
 * @width and @height are ignored). */
void       ms_window_export          (MsWindow            *self,
                                      const char          *view,
                                      const char          *format,
                                      const char          *path,
                                      int                  width,
                                      int                  height,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* The snapshot bundle: the folder @folder (created; with @replace an existing one is
 * replaced, otherwise it is a G_IO_ERROR_EXISTS error) holding dashboard.png/.svg/.pdf, each
 * view's PNG, metrics.csv, metrics.json, settings.txt and events.txt. */
void       ms_window_export_bundle   (MsWindow            *self,
                                      const char          *folder,
                                      gboolean             replace,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* The filmstrip of this run: an animated GIF at @gif_path and, unless NULL, one PNG per
 * recorded evaluation in the folder @frames_folder (replaced if it exists: ask first). */
void       ms_window_export_filmstrip (MsWindow           *self,
                                      const char          *gif_path,
                                      const char          *frames_folder,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* For all three; FALSE with a GError whose message names the file */
gboolean   ms_window_export_finish   (MsWindow            *self,
                                      GAsyncResult        *result,
                                      GError             **error);
/* (transfer full) "ModeScope 2026-11-23 14.05 run 2": the bundle's folder name, now */
char      *ms_window_get_bundle_name (MsWindow            *self);
/* Evaluations the filmstrip holds */
guint      ms_window_get_filmstrip_length (MsWindow       *self);

/* Saves the whole session to @path (ms_session_save_file_async()); Save writes there from
 * then on.  Finish with ms_window_save_session_finish(). */
void       ms_window_save_session    (MsWindow            *self,
                                      const char          *path,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean   ms_window_save_session_finish (MsWindow        *self,
                                      GAsyncResult        *result,
                                      GError             **error);
/* Replaces the window's session with the one saved in @path (paused, the dashboard as it
 * was), without asking: the Open action asks before discarding an unsaved run.  Blocks while
 * the file is read and the dataset opened.  FALSE with @error keeps the current session. */
gboolean   ms_window_open_session    (MsWindow            *self,
                                      const char          *path,
                                      GError             **error);
/* Whether the run has changed since it was started, saved or opened (iterations or events) */
gboolean   ms_window_get_unsaved     (MsWindow            *self);
/* (transfer none) The file Save writes to, NULL before Save As or Open */
const char *ms_window_get_session_path (MsWindow          *self);

G_END_DECLS
