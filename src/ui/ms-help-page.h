/* ms-help-page.h: "What is mode collapse?", a short page for students
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MS_TYPE_HELP_PAGE (ms_help_page_get_type ())

G_DECLARE_FINAL_TYPE (MsHelpPage, ms_help_page, MS, HELP_PAGE, AdwWindow)

/* (transfer none: owned by GTK once presented) */
GtkWidget *ms_help_page_new (GtkWindow *parent);

G_END_DECLS
