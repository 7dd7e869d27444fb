/* ms-class-histogram.h: the generated class mix beside the real one
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

#define MS_TYPE_CLASS_HISTOGRAM (ms_class_histogram_get_type ())

G_DECLARE_FINAL_TYPE (MsClassHistogram, ms_class_histogram, MS, CLASS_HISTOGRAM, GtkWidget)

GtkWidget *ms_class_histogram_new           (void);
/* Keeps a reference to @frame (nullable) */
void       ms_class_histogram_set_frame     (MsClassHistogram *self,
                                             MsFrame          *frame);
/* (transfer none) */
MsFrame   *ms_class_histogram_get_frame     (MsClassHistogram *self);
/* Classes the latest evaluation found missing (0 without evaluation) */
guint      ms_class_histogram_get_n_missing (MsClassHistogram *self);
/* The accessible description, e.g. "Generated digits: 7 classes present; missing: 3, 7
 * and 8" (transfer none) */
const char *ms_class_histogram_get_summary  (MsClassHistogram *self);
void       ms_class_histogram_set_presenter (MsClassHistogram *self,
                                             gboolean          presenter);
gboolean   ms_class_histogram_get_presenter (MsClassHistogram *self);

G_END_DECLS
