/* ms-application.h: the ModeScope application (app actions, preferences, about)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MS_TYPE_APPLICATION (ms_application_get_type ())

G_DECLARE_FINAL_TYPE (MsApplication, ms_application, MS, APPLICATION, AdwApplication)

/* (transfer full) */
MsApplication *ms_application_new          (void);
/* (transfer none) The application's settings (io.github.modescope.ModeScope) */
GSettings     *ms_application_get_settings (MsApplication *self);
/* TRUE when started with --autostart: the first window starts training at once */
gboolean       ms_application_get_autostart (MsApplication *self);

G_END_DECLS
