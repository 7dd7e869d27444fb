/* ms-window-private.h: MsWindow's internals shared by ms-window*.c and the tests
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ms-plot-filmstrip.h"
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

  /* Export and session files (ms-window-export.c) */
  MsFilmstrip          *filmstrip;        /* every evaluated sample grid of this run */
  char                 *session_path;     /* where Save writes; NULL until saved or opened */
  gint64                saved_iteration;  /* the state saved or opened; -1: the first frame's */
  guint                 saved_n_events;
  gboolean              loading;          /* an opened session's history is not news: no toasts */
  GtkWidget            *export_dialog;
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

/* ms-window.c: replaces the window's session (NULL: none) and re-wires every view */
void      _ms_window_set_session        (MsWindow       *self,
                                         MsSession      *session,
                                         gboolean        loaded);

/* ms-window-export.c */
void      _ms_window_export_init        (MsWindow       *self);
void      _ms_window_export_dispose     (MsWindow       *self);
/* On every delivered frame: the filmstrip records evaluated grids */
void      _ms_window_export_frame       (MsWindow       *self,
                                         MsFrame        *frame);
/* The actions' dialogs (file choosers, questions) */
void      _ms_window_open_session_dialog  (MsWindow     *self);
void      _ms_window_save_session_dialog  (MsWindow     *self,
                                           gboolean      save_as);
void      _ms_window_export_bundle_dialog (MsWindow     *self);
void      _ms_window_export_filmstrip_dialog (MsWindow  *self);
/* What the Open and Export Bundle actions do once a file or folder is chosen: ask before
 * discarding an unsaved run / replacing an existing bundle (AdwMessageDialog), then go */
void      _ms_window_open_session_path  (MsWindow       *self,
                                         const char     *path);
void      _ms_window_export_bundle_in   (MsWindow       *self,
                                         const char     *parent);
/* Shows @error (if any) as a toast, or @done */
void      _ms_window_report             (MsWindow       *self,
                                         const GError   *error,
                                         const char     *done);

/* ms-window-bench.c: --bench-ui */
void      _ms_window_bench_start        (MsWindow       *self,
                                         double          seconds);
void      _ms_window_bench_frame        (MsWindow       *self,
                                         MsFrame        *frame);
void      _ms_window_bench_free         (MsWindowBench  *bench);

G_END_DECLS
