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

G_END_DECLS
