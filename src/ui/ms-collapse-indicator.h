/* ms-collapse-indicator.h: the collapse detector's verdict, its reason and its history
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Healthy" / "Partial collapse" / "Collapsed" in large coloured words, the detector's
 * one-line reason below, and a strip with the state over the whole run.  Main thread only.
 */
#pragma once

#include <gtk/gtk.h>

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_COLLAPSE_INDICATOR (ms_collapse_indicator_get_type ())

G_DECLARE_FINAL_TYPE (MsCollapseIndicator, ms_collapse_indicator, MS, COLLAPSE_INDICATOR, GtkWidget)

GtkWidget       *ms_collapse_indicator_new           (void);
/* Follows @session (nullable); keeps a reference */
void             ms_collapse_indicator_set_session   (MsCollapseIndicator *self,
                                                      MsSession           *session);
/* Shows @frame (nullable) without a session: the strip collects the points of the frames
 * given, and starts over when the frame's run changes */
void             ms_collapse_indicator_set_frame     (MsCollapseIndicator *self,
                                                      MsFrame             *frame);
MsCollapseState  ms_collapse_indicator_get_state     (MsCollapseIndicator *self);
/* (transfer none) The detector's reason, "" before the first evaluation */
const char      *ms_collapse_indicator_get_reason    (MsCollapseIndicator *self);
/* Aligns the strip with the curve charts; min >= max: the run's own range */
void             ms_collapse_indicator_set_x_range   (MsCollapseIndicator *self,
                                                      gint64               min,
                                                      gint64               max);
void             ms_collapse_indicator_set_presenter (MsCollapseIndicator *self,
                                                      gboolean             presenter);
gboolean         ms_collapse_indicator_get_presenter (MsCollapseIndicator *self);

G_END_DECLS
