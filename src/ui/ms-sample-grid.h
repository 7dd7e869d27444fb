/* ms-sample-grid.h: the generator's fixed-noise samples
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the latest frame's grid of samples (images, or the scatter for 2-D data), with each
 * sample's predicted class when "show-labels" is set.  Main thread only.
 */
#pragma once

#include <gtk/gtk.h>

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_SAMPLE_GRID (ms_sample_grid_get_type ())

G_DECLARE_FINAL_TYPE (MsSampleGrid, ms_sample_grid, MS, SAMPLE_GRID, GtkWidget)

GtkWidget *ms_sample_grid_new             (void);
/* Keeps a reference to @frame (nullable: nothing to show) */
void       ms_sample_grid_set_frame       (MsSampleGrid *self,
                                           MsFrame      *frame);
/* (transfer none) */
MsFrame   *ms_sample_grid_get_frame       (MsSampleGrid *self);
void       ms_sample_grid_set_show_labels (MsSampleGrid *self,
                                           gboolean      show_labels);
gboolean   ms_sample_grid_get_show_labels (MsSampleGrid *self);
void       ms_sample_grid_set_presenter   (MsSampleGrid *self,
                                           gboolean      presenter);
gboolean   ms_sample_grid_get_presenter   (MsSampleGrid *self);

G_END_DECLS
