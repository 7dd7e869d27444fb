/* ms-window-private.h: MsWindow's internals shared by ms-window*.c and the tests
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ms-snapshot-list.h"
#include "ms-status-line.h"
#include "ms-window.h"

G_BEGIN_DECLS

typedef enum
{
  MS_WINDOW_CURVE_KL,
  MS_WINDOW_CURVE_IS,
  MS_WINDOW_CURVE_LOSS,
  MS_WINDOW_CURVE_MODES,
  MS_WINDOW_N_CURVES
} MsWindowCurve;

typedef struct _MsWindowBench MsWindowBench;

struct _MsWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template */
  AdwToastOverlay      *toast_overlay;
  AdwHeaderBar         *header_bar;
  AdwWindowTitle       *window_title;
  GtkWidget            *sidebar_button;
  GtkWidget            *play_button;
  GtkWidget            *step_button;
  GtkWidget            *reset_button;
  GtkWidget            *snapshot_button;
  GtkWidget            *menu_button;
  GtkWidget            *help_button;
  AdwFlap              *flap;
  GtkWidget            *sidebar_box;
  GtkStack             *data_stack;
  GtkWidget            *images_box;
  GtkWidget            *points_box;
  GtkWidget            *indicator_box;
  GtkWidget            *curves_grid;
  MsSnapshotList       *snapshot_list;
  MsStatusLine         *status_line;

  /* Built in code: the views and the control panel */
  GtkWidget            *control_panel;
  GtkWidget            *sample_grid;
  GtkWidget            *histogram;
  GtkWidget            *scatter;
  GtkWidget            *curves[MS_WINDOW_N_CURVES];
  GtkWidget            *indicator;

  GSettings            *settings;
  MsSession            *session;
  gulong                frame_handler;
  gulong                events_handler;
  guint                 n_events_seen;
  guint                 run;
  MsCollapseState       collapse_state;   /* of the latest frame of this run */
  gboolean              running;          /* what the user asked for (Play / Pause) */
  gboolean              presenter;
  gboolean              flap_before_presenter;
  char                 *last_toast;
  MsWindowBench        *bench;
};

/* ms-window-actions.c */
void      _ms_window_class_init_actions (GtkWidgetClass *widget_class);
void      _ms_window_update_actions     (MsWindow       *self);
void      _ms_window_init_shortcuts     (MsWindow       *self);

/* ms-window.c */
/* What the window does with each delivered frame (tests call it with hand-made frames) */
void      _ms_window_apply_frame        (MsWindow       *self,
                                         MsFrame        *frame);
void      _ms_window_toast              (MsWindow       *self,
                                         const char     *text);
/* (transfer none) The text of the latest toast, or NULL (tests) */
const char *_ms_window_get_last_toast   (MsWindow       *self);
void      _ms_window_set_running        (MsWindow       *self,
                                         gboolean        running);
/* (transfer none) The views, for tests: "grid", "histogram", "scatter", "indicator",
 * "curve-kl", "curve-is", "curve-loss", "curve-modes", "control-panel", "status-line",
 * "snapshot-list" */
GtkWidget *_ms_window_get_part          (MsWindow       *self,
                                         const char     *name);

/* ms-window-bench.c: --bench-ui */
void      _ms_window_bench_start        (MsWindow       *self,
                                         double          seconds);
void      _ms_window_bench_frame        (MsWindow       *self,
                                         MsFrame        *frame);
void      _ms_window_bench_free         (MsWindowBench  *bench);

G_END_DECLS
