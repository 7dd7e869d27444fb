/* ms-status-line.h: iteration, iterations per second, elapsed time and the active settings
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_STATUS_LINE (ms_status_line_get_type ())

G_DECLARE_FINAL_TYPE (MsStatusLine, ms_status_line, MS, STATUS_LINE, GtkWidget)

GtkWidget  *ms_status_line_new              (void);
/* Shows @frame (may be NULL: clears).  The speed is measured from the iteration deltas of the
 * frames over @now_us (g_get_monotonic_time()), over the last few seconds of running time. */
void        ms_status_line_set_frame        (MsStatusLine            *self,
                                             MsFrame                 *frame,
                                             gint64                   now_us);
/* The iteration shown (0 without a frame) */
gint64      ms_status_line_get_iteration    (MsStatusLine            *self);
/* Iterations per second (0 when unknown or paused) */
double      ms_status_line_get_rate         (MsStatusLine            *self);
/* (transfer full) The whole line as one string, as shown and read by screen readers */
char       *ms_status_line_get_text         (MsStatusLine            *self);

/* Pure helper, (transfer full): "1:05:03" / "4:07".  The settings are worded by
 * ms_plot_settings_caption(), as in exported captions. */
char       *ms_status_line_format_elapsed   (double                   seconds);

G_END_DECLS
