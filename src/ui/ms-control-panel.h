/* ms-control-panel.h: the control sidebar (data, networks, objective and remedies, optimizers,
 * training)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every control applies mid-session through the session's command queue (set_optim, set_lr,
 * set_gan_config, set_batch, set_eval_every); a change that needs a new run (dataset,
 * architecture, seed, PacGAN pack size) asks first, then pushes a new_run command.  The
 * controls follow the session's frames (after a restore or a scheduled change) without pushing
 * anything back, and every value persists in the TRAINING keys of the GSettings schema, so the
 * window starts its first session from ms_control_panel_get_run_settings().
 *
 *   GtkWidget *panel = ms_control_panel_new (settings);
 *   MsSessionSettings run;
 *   ms_control_panel_get_run_settings (MS_CONTROL_PANEL (panel), &run);
 *   session = ms_session_new (&run, &error);
 *   ms_session_settings_clear (&run);
 *   ms_control_panel_set_session (MS_CONTROL_PANEL (panel), session);
 *
 * Main thread only.
 */
#pragma once

#include <adwaita.h>

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_CONTROL_PANEL (ms_control_panel_get_type ())

G_DECLARE_FINAL_TYPE (MsControlPanel, ms_control_panel, MS, CONTROL_PANEL, GtkWidget)

/* (transfer floating) @settings: the app's GSettings (io.github.modescope.ModeScope) */
GtkWidget  *ms_control_panel_new               (GSettings         *settings);

/* (transfer none) nullable */
MsSession  *ms_control_panel_get_session       (MsControlPanel    *self);
/* Settable at any time, NULL allowed; the controls take the session's settings from its
 * latest frame (now, or when the first frame arrives). */
void        ms_control_panel_set_session       (MsControlPanel    *self,
                                                MsSession         *session);
GSettings  *ms_control_panel_get_settings      (MsControlPanel    *self);

/* Fills @out (ms_session_settings_init, then every stored value) for the first session;
 * the caller clears it with ms_session_settings_clear(). */
void        ms_control_panel_get_run_settings  (MsControlPanel    *self,
                                                MsSessionSettings *out);

/* "confirm-new-run" (default TRUE): ask before a change that starts a new run.  Tests and
 * scripted use turn it off. */
gboolean    ms_control_panel_get_confirm_new_run (MsControlPanel  *self);
void        ms_control_panel_set_confirm_new_run (MsControlPanel  *self,
                                                  gboolean         confirm);

/* (transfer none) The message the panel shows about a rejected value or folder, or NULL */
const char *ms_control_panel_get_message       (MsControlPanel    *self);

/* Trains on an IDX folder (e.g. dropped on the window): checked off the main thread with
 * ms_data_source_open(); an invalid folder is reported in a dialog and in "message" and
 * changes nothing.  Same path as "Open IDX Folder…". */
void        ms_control_panel_open_folder       (MsControlPanel    *self,
                                                GFile             *folder);
/* Trains on a drawn distribution (@xy: (n, 2), 1 <= n <= MS_EVAL_MAX_CLASSES, each |v| <= 100;
 * @std in 0.01 .. 2): what "Use" in the drawing dialog does.  FALSE (and "message") when the
 * points are invalid. */
gboolean    ms_control_panel_use_drawn         (MsControlPanel    *self,
                                                const float       *xy,
                                                int                n,
                                                double             std);

G_END_DECLS
