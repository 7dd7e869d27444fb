/* ms-scatter-view.h: 2-D data: real and generated points over D's view of the plane
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Main thread only.
 */
#pragma once

#include <gtk/gtk.h>

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_SCATTER_VIEW (ms_scatter_view_get_type ())

G_DECLARE_FINAL_TYPE (MsScatterView, ms_scatter_view, MS, SCATTER_VIEW, GtkWidget)

GtkWidget *ms_scatter_view_new           (void);
/* Keeps a reference to @frame (nullable) */
void       ms_scatter_view_set_frame     (MsScatterView *self,
                                          MsFrame          *frame);
/* (transfer none) */
MsFrame   *ms_scatter_view_get_frame     (MsScatterView *self);
/* The accessible description, e.g. "8 modes, 6 covered; missed: 2 and 5" (transfer none) */
const char *ms_scatter_view_get_summary  (MsScatterView *self);
void       ms_scatter_view_set_presenter (MsScatterView *self,
                                          gboolean          presenter);
gboolean   ms_scatter_view_get_presenter (MsScatterView *self);

G_END_DECLS
