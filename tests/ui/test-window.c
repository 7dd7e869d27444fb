/* test-window.c: MsWindow under Xvfb: actions reach the session, frames stream in, presenter
 * mode, key bindings, pause on collapse, no leaks; and a screenshot after real MNIST training
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sessions train ring8 with the mlp (fast); one window at a time, since the engine's thread
 * pool is process-wide.  Every wait has a timeout that fails the test.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include <gif_lib.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ms-application.h"
#include "ms-control-panel.h"
#include "ms-export-dialog.h"
#include "ms-help-page.h"
#include "ms-window-private.h"

#define WAIT_SECONDS 60

typedef gboolean (*Predicate) (MsWindow *window, gpointer data);

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @pred holds; FALSE after @seconds */
static gboolean
wait_until (MsWindow  *window,
            Predicate  pred,
            gpointer   data,
            double     seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (seconds * 1000), on_timeout, &timed_out);

  while (!pred (window, data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out || pred (window, data);
}

static gboolean
always_false (MsWindow *window,
              gpointer  data)
{
  return FALSE;
}

/* Keeps the main loop running for @seconds */
static void
spin (MsWindow *window,
      double    seconds)
{
  wait_until (window, always_false, NULL, seconds);
}

static gboolean
has_event (MsWindow *window,
           gpointer  data)
{
  MsSession *session = ms_window_get_session (window);
  guint n = ms_session_get_n_events (session);
  MsSessionEventKind kind = GPOINTER_TO_INT (data);

  for (guint i = 0; i < n; i++)
    if (ms_session_get_event (session, i)->kind == kind)
      return TRUE;
  return FALSE;
}

static guint
count_events (MsWindow           *window,
              MsSessionEventKind  kind)
{
  MsSession *session = ms_window_get_session (window);
  guint n = ms_session_get_n_events (session), count = 0;

  for (guint i = 0; i < n; i++)
    count += ms_session_get_event (session, i)->kind == kind;
  return count;
}

typedef struct
{
  MsSessionEventKind kind;
  guint              count;
} EventCount;

static gboolean
has_n_events (MsWindow *window,
              gpointer  data)
{
  EventCount *c = data;

  return count_events (window, c->kind) >= c->count;
}

static void
assert_event_after (MsWindow           *window,
                    const char         *action,
                    MsSessionEventKind  kind)
{
  EventCount c = { kind, count_events (window, kind) + 1 };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, NULL));
  if (!wait_until (window, has_n_events, &c, WAIT_SECONDS))
    g_error ("%s produced no event of kind %d within %d s", action, kind, WAIT_SECONDS);
}

static gboolean
iteration_above (MsWindow *window,
                 gpointer  data)
{
  MsStatusLine *line = MS_STATUS_LINE (_ms_window_get_part (window, "status-line"));

  return ms_status_line_get_iteration (line) > *(gint64 *) data;
}

static GSettings *
test_settings (void)
{
  GSettings *settings = g_settings_new (APP_ID);

  g_settings_set_boolean (settings, "pause-on-collapse", FALSE);
  return settings;
}

static MsWindow *
new_ring8_window (void)
{
  g_autoptr(GSettings) settings = test_settings ();
  MsSessionSettings run;
  MsWindow *window;

  ms_session_settings_init (&run, "ring8", MS_LOSS_NSGAN);
  run.eval_every = 10;
  run.eval_samples = 200;
  run.grid_size = 16;
  run.start_paused = TRUE;
  window = ms_window_new_for_run (NULL, settings, &run);
  ms_session_settings_clear (&run);
  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
destroy_window (MsWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  /* Let GTK drop what it still holds (pending idles, the toplevel list) */
  for (int i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (window);
}

/* The window builds with every part, and finalizes without a leak */
static void
test_window_builds (void)
{
  MsWindow *window = new_ring8_window ();
  static const char * const parts[] = {
    "grid", "histogram", "scatter", "indicator", "curve-kl", "curve-is", "curve-loss",
    "curve-modes", "control-panel", "status-line", "snapshot-list",
  };

  g_assert_nonnull (ms_window_get_session (window));
  g_assert_false (ms_window_get_running (window));
  g_assert_false (ms_window_get_presenter (window));
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      GtkWidget *part = _ms_window_get_part (window, parts[i]);

      g_assert_nonnull (part);
      g_assert_true (gtk_widget_get_root (part) == GTK_ROOT (window));
    }
  g_assert_null (_ms_window_get_part (window, "no-such-part"));

  /* The "Classes" toggle of the sample grid follows its setting */
  {
    GtkWidget *grid = _ms_window_get_part (window, "grid");
    GSettings *settings = NULL;
    gboolean shown = TRUE;

    g_object_get (window, "settings", &settings, NULL);
    g_object_get (grid, "show-labels", &shown, NULL);
    g_assert_false (shown);
    g_settings_set_boolean (settings, "show-labels", TRUE);
    g_object_get (grid, "show-labels", &shown, NULL);
    g_assert_true (shown);
    g_settings_reset (settings, "show-labels");
    g_object_unref (settings);
  }

  /* Icon-only buttons have an accessible name; Play/Pause names what it will do */
  {
    GtkWidget *buttons[] = {
      window->sidebar_button, window->play_button, window->step_button, window->reset_button,
      window->snapshot_button, window->menu_button, window->help_button,
    };

    for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
      g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (buttons[i]),
                                                       GTK_ACCESSIBLE_PROPERTY_LABEL));
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (window->play_button),
                                         GTK_ACCESSIBLE_PROPERTY_LABEL, "Play");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (window->play_button),
                                         GTK_ACCESSIBLE_PROPERTY_LABEL, "Pause");
    g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (window->play_button)), ==,
                     "media-playback-pause-symbolic");
  }
  destroy_window (window);
}

/* Play/pause, steps, snapshot and reset reach the session and produce their events; frames
 * arrive and the status line's iteration grows while running */
static void
test_window_actions (void)
{
  MsWindow *window = new_ring8_window ();
  MsSnapshotList *snapshots = MS_SNAPSHOT_LIST (_ms_window_get_part (window, "snapshot-list"));
  MsStatusLine *line = MS_STATUS_LINE (_ms_window_get_part (window, "status-line"));
  g_autofree char *text = NULL;
  gint64 seen = 0;

  assert_event_after (window, "win.play-pause", MS_SESSION_EVENT_RESUME);
  g_assert_true (ms_window_get_running (window));
  g_assert_true (wait_until (window, iteration_above, &seen, WAIT_SECONDS));
  seen = ms_status_line_get_iteration (line);
  g_assert_true (wait_until (window, iteration_above, &seen, WAIT_SECONDS));
  g_assert_cmpint (ms_status_line_get_iteration (line), >, seen);
  text = ms_status_line_get_text (line);
  g_assert_nonnull (strstr (text, "ring8"));

  assert_event_after (window, "win.play-pause", MS_SESSION_EVENT_PAUSE);
  g_assert_false (ms_window_get_running (window));

  assert_event_after (window, "win.step", MS_SESSION_EVENT_STEP);
  assert_event_after (window, "win.step-d", MS_SESSION_EVENT_STEP);
  assert_event_after (window, "win.step-g", MS_SESSION_EVENT_STEP);

  /* A rejected value becomes a toast */
  ms_session_push (ms_window_get_session (window), ms_session_command_new_set_lr (TRUE, -1));
  g_assert_true (wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_REJECTED),
                             WAIT_SECONDS));
  spin (window, 0.1);
  g_assert_nonnull (_ms_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (_ms_window_get_last_toast (window), "A change was not applied"));

  g_assert_cmpuint (ms_snapshot_list_get_n_items (snapshots), ==, 0);
  assert_event_after (window, "win.snapshot", MS_SESSION_EVENT_SNAPSHOT);
  g_assert_cmpuint (ms_snapshot_list_get_n_items (snapshots), ==, 1);

  /* Reset keeps the run so far as a second snapshot, which can be restored */
  assert_event_after (window, "win.reset", MS_SESSION_EVENT_RESET);
  g_assert_cmpuint (ms_snapshot_list_get_n_items (snapshots), ==, 2);
  g_assert_cmpuint (count_events (window, MS_SESSION_EVENT_SNAPSHOT), ==, 2);
  ms_session_restore (ms_window_get_session (window), ms_snapshot_list_get_id (snapshots, 1));
  g_assert_true (wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_RESTORE),
                             WAIT_SECONDS));
  g_assert_nonnull (_ms_window_get_last_toast (window));

  /* A new run drops the snapshots */
  {
    MsSessionSettings other;
    EventCount c = { MS_SESSION_EVENT_RUN_STARTED,
                     count_events (window, MS_SESSION_EVENT_RUN_STARTED) + 1 };

    ms_session_settings_init (&other, "ring8", MS_LOSS_NSGAN);
    other.seed = 7;
    other.eval_every = 10;
    other.eval_samples = 200;
    other.grid_size = 16;
    ms_session_push (ms_window_get_session (window), ms_session_command_new_new_run (&other));
    ms_session_settings_clear (&other);
    g_assert_true (wait_until (window, has_n_events, &c, WAIT_SECONDS));
    g_assert_cmpuint (ms_snapshot_list_get_n_items (snapshots), ==, 0);
  }

  destroy_window (window);
}

static void
check_presenter (GtkWidget *view,
                 gboolean   expected)
{
  gboolean presenter;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (view), "presenter") == NULL)
    return;
  g_object_get (view, "presenter", &presenter, NULL);
  g_assert_cmpint (presenter, ==, expected);
}

static gboolean
is_fullscreen (MsWindow *window,
               gpointer  data)
{
  return gtk_window_is_fullscreen (GTK_WINDOW (window)) == GPOINTER_TO_INT (data);
}

/* Presenter mode: fullscreen, the CSS class that enlarges fonts, the views' presenter flag */
static void
test_window_presenter (void)
{
  MsWindow *window = new_ring8_window ();
  static const char * const views[] = {
    "grid", "histogram", "scatter", "indicator", "curve-kl", "curve-is", "curve-loss",
    "curve-modes",
  };

  spin (window, 0.2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.presenter", NULL));
  g_assert_true (ms_window_get_presenter (window));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window), "presenter"));
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    check_presenter (_ms_window_get_part (window, views[i]), TRUE);
  /* Without a window manager the X server may never confirm the state: only log it */
  if (!wait_until (window, is_fullscreen, GINT_TO_POINTER (TRUE), 2))
    g_test_message ("the display did not report fullscreen (no window manager?)");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.presenter", NULL));
  g_assert_false (ms_window_get_presenter (window));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (window), "presenter"));
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    check_presenter (_ms_window_get_part (window, views[i]), FALSE);

  destroy_window (window);
}

/* Activates the window's key binding for @keyval as GTK would; returns whether it handled it */
static gboolean
press_key (MsWindow *window,
           guint     keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  g_autoptr(GtkShortcutTrigger) wanted = gtk_keyval_trigger_new (keyval, 0);

  /* GTK runs the capture phase first */
  for (guint k = 0; k < 2 * g_list_model_get_n_items (controllers); k++)
    {
      guint i = k % g_list_model_get_n_items (controllers);
      GtkPropagationPhase phase = k < g_list_model_get_n_items (controllers) ? GTK_PHASE_CAPTURE
                                                                              : GTK_PHASE_BUBBLE;
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c)
          || gtk_event_controller_get_propagation_phase (c) != phase)
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)); j++)
        {
          g_autoptr(GtkShortcut) sc = g_list_model_get_item (G_LIST_MODEL (c), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (sc), wanted))
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (sc),
                                                 GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                                 GTK_WIDGET (window),
                                                 gtk_shortcut_get_arguments (sc));
        }
    }
  g_error ("no key binding for %s", gdk_keyval_name (keyval));
  return FALSE;
}

static GtkWidget *
find_editable (GtkWidget *widget)
{
  if (GTK_IS_EDITABLE (widget) && gtk_widget_get_focusable (widget))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_editable (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Space toggles play/pause, S steps, R resets, F11 presenter mode; single keys do nothing
 * while a text field has the focus */
static void
test_window_shortcuts (void)
{
  MsWindow *window = new_ring8_window ();
  GtkWidget *editable;
  guint steps;

  g_assert_false (ms_window_get_running (window));
  g_assert_true (press_key (window, GDK_KEY_space));
  g_assert_true (ms_window_get_running (window));
  g_assert_true (wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_RESUME),
                             WAIT_SECONDS));
  g_assert_true (press_key (window, GDK_KEY_space));
  g_assert_false (ms_window_get_running (window));

  steps = count_events (window, MS_SESSION_EVENT_STEP);
  g_assert_true (press_key (window, GDK_KEY_s));
  {
    EventCount c = { MS_SESSION_EVENT_STEP, steps + 1 };

    g_assert_true (wait_until (window, has_n_events, &c, WAIT_SECONDS));
  }
  g_assert_true (press_key (window, GDK_KEY_r));
  g_assert_true (wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_RESET),
                             WAIT_SECONDS));

  g_assert_true (press_key (window, GDK_KEY_F11));
  g_assert_true (ms_window_get_presenter (window));
  g_assert_true (press_key (window, GDK_KEY_Escape));
  g_assert_false (ms_window_get_presenter (window));

  /* A text field with the focus keeps its keys */
  editable = find_editable (GTK_WIDGET (window));
  if (editable == NULL)
    {
      editable = gtk_entry_new ();
      gtk_box_append (GTK_BOX (window->sidebar_box), editable);
    }
  spin (window, 0.2);
  gtk_window_set_focus (GTK_WINDOW (window), editable);
  g_assert_nonnull (gtk_root_get_focus (GTK_ROOT (window)));
  g_assert_false (press_key (window, GDK_KEY_space));
  g_assert_false (ms_window_get_running (window));
  g_assert_false (press_key (window, GDK_KEY_s));

  destroy_window (window);
}

/* A hand-made collapsed frame pauses a running session when the setting is on, and says why */
static void
test_window_pause_on_collapse (void)
{
  MsWindow *window = new_ring8_window ();
  g_autoptr(MsFrame) healthy = ms_frame_new ();
  g_autoptr(MsFrame) collapsed = ms_frame_new ();

  ms_session_settings_init (&healthy->settings, "ring8", MS_LOSS_NSGAN);
  ms_session_settings_init (&collapsed->settings, "ring8", MS_LOSS_NSGAN);
  healthy->is_2d = collapsed->is_2d = TRUE;
  healthy->iteration = 100;
  collapsed->iteration = 200;
  collapsed->collapse_state = MS_COLLAPSE_COLLAPSED;
  collapsed->collapse_reason = g_strdup ("modes 2, 3, 5 and 7 missing");

  /* Off: keeps running */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  _ms_window_apply_frame (window, healthy);
  _ms_window_apply_frame (window, collapsed);
  g_assert_true (ms_window_get_running (window));

  /* On: pauses once, with the reason in a toast */
  g_settings_set_boolean (window->settings, "pause-on-collapse", TRUE);
  _ms_window_apply_frame (window, healthy);
  _ms_window_apply_frame (window, collapsed);
  g_assert_false (ms_window_get_running (window));
  g_assert_nonnull (_ms_window_get_last_toast (window));
  g_assert_nonnull (strstr (_ms_window_get_last_toast (window), "modes 2, 3, 5 and 7 missing"));

  /* Still collapsed: no second pause after the user resumed (no main-loop iteration in
   * between, so no real frame of the session can come in) */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  _ms_window_apply_frame (window, collapsed);
  g_assert_true (ms_window_get_running (window));
  /* The pause reached the session */
  g_assert_true (wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_PAUSE),
                             WAIT_SECONDS));

  g_settings_set_boolean (window->settings, "pause-on-collapse", FALSE);
  destroy_window (window);
}

/* Screenshot ----------------------------------------------------------------------------- */

static gboolean
has_render_node (MsWindow *window,
                 gpointer  data)
{
  GdkPaintable *paintable = data;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  gdk_paintable_snapshot (paintable, snapshot, 1, 1);
  node = gtk_snapshot_free_to_node (snapshot);
  return node != NULL;
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *path)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  /* The paintable holds what the window drew last: wait for a drawing */
  gtk_widget_queue_draw (widget);
  if (!wait_until (MS_WINDOW (widget), has_render_node, paintable, 10))
    g_test_message ("no drawing after 10 s");
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    g_error ("nothing drawn: mapped %d, %dx%d, paintable %dx%d", gtk_widget_get_mapped (widget),
             width, height, gdk_paintable_get_intrinsic_width (paintable),
             gdk_paintable_get_intrinsic_height (paintable));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static gboolean
has_evaluated_frame (MsWindow *window,
                     gpointer  data)
{
  MsFrame *frame = ms_session_get_frame (ms_window_get_session (window));

  return frame != NULL && frame->has_evaluation && frame->iteration >= *(gint64 *) data;
}

/* A few seconds of real MNIST training (dcgan-small), then build/screenshots/window.png */
static void
test_window_screenshot (void)
{
  g_autoptr(GSettings) settings = test_settings ();
  const char *dir = g_getenv ("MS_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  MsSessionSettings run;
  MsWindow *window;
  gint64 iterations;

  if (dir == NULL)
    {
      g_test_skip ("MS_SCREENSHOT_DIR not set");
      return;
    }
  ms_session_settings_init (&run, "mnist", MS_LOSS_NSGAN);
  run.arch = g_strdup ("dcgan-small");
  run.eval_every = 20;
  run.start_paused = FALSE;
  window = ms_window_new_for_run (NULL, settings, &run);
  ms_session_settings_clear (&run);
  g_object_ref_sink (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 780);
  gtk_window_present (GTK_WINDOW (window));

  /* A snapshot on the way, so that the list shows one */
  iterations = 20;
  if (!wait_until (window, has_evaluated_frame, &iterations, 120))
    g_error ("no evaluated MNIST frame after 120 s");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.snapshot", NULL));
  iterations = 60;
  if (!wait_until (window, has_evaluated_frame, &iterations, 120))
    g_error ("no evaluated MNIST frame after 120 s");
  spin (window, 0.5);

  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, "window.png", NULL);
  save_screenshot (GTK_WIDGET (window), path);
  g_test_message ("screenshot: %s", path);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* Presenter mode as the back of the classroom sees it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.presenter", NULL));
  spin (window, 0.5);
  g_free (path);
  path = g_build_filename (dir, "window-presenter.png", NULL);
  save_screenshot (GTK_WIDGET (window), path);
  g_test_message ("screenshot: %s", path);

  destroy_window (window);
}

/* Status line ---------------------------------------------------------------------------- */

static MsFrame *
status_frame (gint64   iteration,
              guint    run,
              gboolean paused)
{
  MsFrame *frame = ms_frame_new ();

  ms_session_settings_init (&frame->settings, "ring8", MS_LOSS_WGAN_GP);
  frame->settings.gan.unroll = 5;
  frame->iteration = iteration;
  frame->run = run;
  frame->paused = paused;
  return frame;
}

/* Speed from the frames' iteration deltas over wall time; elapsed running time; the caption */
static void
test_status_line (void)
{
  MsStatusLine *line = g_object_ref_sink (MS_STATUS_LINE (ms_status_line_new ()));
  g_autofree char *elapsed = ms_status_line_format_elapsed (3903.5);
  g_autofree char *short_elapsed = ms_status_line_format_elapsed (65);
  g_autofree char *text = NULL;
  MsFrame *f;

  g_assert_cmpstr (elapsed, ==, "1:05:03");
  g_assert_cmpstr (short_elapsed, ==, "1:05");

  f = status_frame (0, 1, FALSE);
  ms_status_line_set_frame (line, f, 1000000);
  ms_frame_unref (f);
  g_assert_cmpfloat (ms_status_line_get_rate (line), ==, 0);
  f = status_frame (100, 1, FALSE);
  ms_status_line_set_frame (line, f, 2000000);
  ms_frame_unref (f);
  g_assert_cmpfloat_with_epsilon (ms_status_line_get_rate (line), 100, 1e-9);
  f = status_frame (300, 1, FALSE);
  ms_status_line_set_frame (line, f, 3000000);
  ms_frame_unref (f);
  g_assert_cmpfloat_with_epsilon (ms_status_line_get_rate (line), 150, 1e-9);
  g_assert_cmpint (ms_status_line_get_iteration (line), ==, 300);

  text = ms_status_line_get_text (line);
  g_assert_nonnull (strstr (text, "300"));
  g_assert_nonnull (strstr (text, "150.0 it/s"));
  g_assert_nonnull (strstr (text, "0:02"));
  g_assert_nonnull (strstr (text, "WGAN-GP"));
  g_assert_nonnull (strstr (text, "unrolled 5"));
  g_clear_pointer (&text, g_free);

  /* Paused: no speed, the clock stops */
  f = status_frame (300, 1, TRUE);
  ms_status_line_set_frame (line, f, 60000000);
  ms_frame_unref (f);
  g_assert_cmpfloat (ms_status_line_get_rate (line), ==, 0);
  text = ms_status_line_get_text (line);
  g_assert_nonnull (strstr (text, "0:02"));
  g_clear_pointer (&text, g_free);

  /* A new run starts over */
  f = status_frame (10, 2, FALSE);
  ms_status_line_set_frame (line, f, 61000000);
  ms_frame_unref (f);
  g_assert_cmpint (ms_status_line_get_iteration (line), ==, 10);
  g_assert_cmpfloat (ms_status_line_get_rate (line), ==, 0);

  ms_status_line_set_frame (line, NULL, 62000000);
  g_assert_cmpint (ms_status_line_get_iteration (line), ==, 0);
  g_assert_finalize_object (line);
}

/* Application ---------------------------------------------------------------------------- */

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
        return w;
    }
  return NULL;
}

/* The spin button whose upper bound is @upper */
static GtkWidget *
find_spin (GtkWidget *widget,
           double     upper)
{
  if (GTK_IS_SPIN_BUTTON (widget)
      && gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (widget))) == upper)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_spin (c, upper);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The app actions exist with their accelerators; preferences and about open their windows;
 * the style setting reaches the style manager */
static void
test_application (void)
{
  g_autoptr(MsApplication) app = ms_application_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) accels = NULL;
  GSettings *settings;
  GtkWindow *w;
  MsWindow *run_window;
  GtkWidget *eval_spin;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  settings = ms_application_get_settings (app);
  g_assert_nonnull (settings);
  g_assert_false (ms_application_get_autostart (app));

  for (guint i = 0; i < 4; i++)
    {
      static const char * const names[] = { "quit", "about", "preferences", "shortcuts" };

      g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), names[i]));
    }
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_assert_cmpstr (accels[0], ==, "<Control>q");

  /* The evaluation interval in the preferences applies to the running session */
  run_window = new_ring8_window ();
  gtk_window_set_application (GTK_WINDOW (run_window), GTK_APPLICATION (app));
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  w = find_toplevel (ADW_TYPE_PREFERENCES_WINDOW);
  g_assert_nonnull (w);
  eval_spin = find_spin (GTK_WIDGET (w), 1000000);
  g_assert_nonnull (eval_spin);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (eval_spin), 7);
  g_assert_cmpint (g_settings_get_int (settings, "eval-every"), ==, 7);
  g_assert_true (wait_until (run_window, has_event,
                             GINT_TO_POINTER (MS_SESSION_EVENT_EVAL_EVERY), WAIT_SECONDS));
  g_settings_reset (settings, "eval-every");
  gtk_window_destroy (w);
  destroy_window (run_window);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  w = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (w);
  g_assert_nonnull (strstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (w)), PACKAGE_VERSION));
  g_assert_cmpint (adw_about_window_get_license_type (ADW_ABOUT_WINDOW (w)), ==,
                   GTK_LICENSE_GPL_3_0);
  gtk_window_destroy (w);

  /* Quit closes the window, which stores its size */
  run_window = new_ring8_window ();
  gtk_window_set_application (GTK_WINDOW (run_window), GTK_APPLICATION (app));
  gtk_window_set_default_size (GTK_WINDOW (run_window), 1001, 702);
  spin (run_window, 0.2);

  /* Ctrl+? and the menu item: GtkApplication's shortcuts window from gtk/help-overlay.ui */
  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  w = find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_nonnull (w);
  gtk_window_destroy (w);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1001);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 702);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  for (int i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (run_window);

  g_settings_set_string (settings, "color-scheme", "dark");
  g_assert_cmpint (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()), ==,
                   ADW_COLOR_SCHEME_FORCE_DARK);
  g_settings_set_string (settings, "color-scheme", "system");
  g_assert_cmpint (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()), ==,
                   ADW_COLOR_SCHEME_DEFAULT);
}

/* F1 / the help button open "What is mode collapse?" */
static void
test_window_help (void)
{
  MsWindow *window = new_ring8_window ();
  GtkWindow *help;

  g_assert_null (find_toplevel (MS_TYPE_HELP_PAGE));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help", NULL));
  help = find_toplevel (MS_TYPE_HELP_PAGE);
  g_assert_nonnull (help);
  g_assert_true (gtk_window_get_transient_for (help) == GTK_WINDOW (window));
  gtk_window_destroy (help);
  destroy_window (window);
}

/* The window opens at the stored size */
static void
test_window_size (void)
{
  g_autoptr(GSettings) settings = test_settings ();
  MsWindow *window;
  int width, height;

  g_settings_set_int (settings, "window-width", 900);
  g_settings_set_int (settings, "window-height", 700);
  window = new_ring8_window ();
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 700);
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  destroy_window (window);
}

/* ring8 with the mlp, in a narrow window: the scatter page, the sidebar folded */
static void
test_window_screenshot_ring8 (void)
{
  const char *dir = g_getenv ("MS_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  MsWindow *window;
  gint64 iterations;

  if (dir == NULL)
    {
      g_test_skip ("MS_SCREENSHOT_DIR not set");
      return;
    }
  window = new_ring8_window ();
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  /* Snapshot at 100, go on to 300, restore: the later curves stay, lighter */
  iterations = 100;
  if (!wait_until (window, has_evaluated_frame, &iterations, 60))
    g_error ("no evaluated ring8 frame after 60 s");
  /* Waits for the snapshot's event: under ASan at a load of 7 the frame at 300 once came
   * before it, and the list was still empty */
  assert_event_after (window, "win.snapshot", MS_SESSION_EVENT_SNAPSHOT);
  iterations = 300;
  if (!wait_until (window, has_evaluated_frame, &iterations, 60))
    g_error ("no evaluated ring8 frame after 60 s");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  g_assert_cmpuint (ms_snapshot_list_get_n_items (window->snapshot_list), ==, 1);
  ms_session_restore (ms_window_get_session (window),
                      ms_snapshot_list_get_id (window->snapshot_list, 0));
  if (!wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_RESTORE), 60))
    g_error ("no restore after 60 s");
  spin (window, 0.5);
  g_assert_cmpuint (ms_session_get_n_branches (ms_window_get_session (window)), ==, 1);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->data_stack), ==, "points");

  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, "window-ring8.png", NULL);
  save_screenshot (GTK_WIDGET (window), path);
  g_test_message ("screenshot: %s", path);
  destroy_window (window);
}

/* Export and session files ------------------------------------------------------------ */

/* Removes a test's folder and everything below it */
static void
ms_test_remove_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        ms_test_remove_dir (p);
      else
        g_remove (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

static gboolean
export_done (MsWindow *window,
             gpointer  data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* Waits for an ms_window_export*() started with store_result and finishes it */
static gboolean
finish_export (MsWindow       *window,
               GAsyncResult  **result,
               GError        **error)
{
  gboolean ok;

  if (!wait_until (window, export_done, result, WAIT_SECONDS))
    g_error ("the export did not finish within %d s", WAIT_SECONDS);
  ok = ms_window_export_finish (window, *result, error);
  g_clear_object (result);
  return ok;
}

static void
assert_png_size (const char *path,
                 int         width,
                 int         height)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);

  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, width);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, height);
  cairo_surface_destroy (s);
}

static void
assert_starts_with (const char *path,
                    const char *prefix)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, prefix));
}

/* Runs a ring8 window to iteration @iters or beyond, paused */
static MsWindow *
trained_window (gint64 iters)
{
  MsWindow *window = new_ring8_window ();
  gint64 seen = iters;

  assert_event_after (window, "win.play-pause", MS_SESSION_EVENT_RESUME);
  g_assert_true (wait_until (window, has_evaluated_frame, &seen, WAIT_SECONDS));
  assert_event_after (window, "win.play-pause", MS_SESSION_EVENT_PAUSE);
  spin (window, 0.2);
  return window;
}

/* Shortcuts with modifiers (press_key() has none) */
static gboolean
press_accel (MsWindow        *window,
             guint            keyval,
             GdkModifierType  mods)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  g_autoptr(GtkShortcutTrigger) wanted = gtk_keyval_trigger_new (keyval, mods);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)); j++)
        {
          g_autoptr(GtkShortcut) sc = g_list_model_get_item (G_LIST_MODEL (c), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (sc), wanted))
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (sc),
                                                 GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                                 GTK_WIDGET (window),
                                                 gtk_shortcut_get_arguments (sc));
        }
    }
  return FALSE;
}

/* Every view and the dashboard in each format, the metrics, the bundle, and errors that keep
 * what was there; the export dialog's choices */
static void
test_window_export (void)
{
  MsWindow *window = trained_window (20);
  g_autofree char *dir = g_dir_make_tmp ("modescope-window-export-XXXXXX", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const formats[] = { "png", "svg", "pdf" };

  g_assert_nonnull (dir);
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *name = g_strconcat ("dashboard.", formats[f], NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      ms_window_export (window, "dashboard", formats[f], path, 1920, 1080, NULL, store_result,
                        &result);
      g_assert_true (finish_export (window, &result, &error));
      g_assert_no_error (error);
      if (f == 0)
        assert_png_size (path, 1920, 1080);
      else
        assert_starts_with (path, f == 1 ? "<?xml" : "%PDF");
    }
  {
    g_autofree char *path = g_build_filename (dir, "kl.png", NULL);

    ms_window_export (window, "kl", "png", path, 640, 300, NULL, store_result, &result);
    g_assert_true (finish_export (window, &result, &error));
    assert_png_size (path, 640, 300);
  }

  /* Metrics: the same bytes as the CLI's writer over the session's history */
  {
    g_autofree char *path = g_build_filename (dir, "metrics.csv", NULL);
    g_autofree char *contents = NULL;
    g_autoptr(MsSessionHistory) history = ms_session_history_new (ms_window_get_session (window));
    g_autofree char *expected = ms_session_history_to_csv (history);

    ms_window_export (window, NULL, "csv", path, 0, 0, NULL, store_result, &result);
    g_assert_true (finish_export (window, &result, &error));
    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, expected);
    g_assert_true (g_str_has_prefix (contents, "iter,loss_d,loss_g,"));
  }

  /* A folder that does not exist: an error naming the file, nothing written */
  {
    g_autofree char *path = g_build_filename (dir, "missing", "x.pdf", NULL);

    ms_window_export (window, "loss", "pdf", path, 600, 400, NULL, store_result, &result);
    g_assert_false (finish_export (window, &result, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "x.pdf"));
    g_clear_error (&error);
  }

  /* The bundle: named by date and run, complete, never replaced without being told */
  {
    g_autofree char *name = ms_window_get_bundle_name (window);
    g_autofree char *folder = g_build_filename (dir, name, NULL);
    static const char * const files[] = {
      "dashboard.png", "dashboard.svg", "dashboard.pdf", "scatter.png", "kl.png", "loss.png",
      "modes.png", "collapse.png", "metrics.csv", "metrics.json", "settings.txt", "events.txt",
    };
    g_autofree char *marker = g_build_filename (folder, "mine.txt", NULL);

    g_assert_true (g_str_has_prefix (name, "ModeScope "));
    g_assert_true (g_str_has_suffix (name, " run 1"));
    ms_window_export_bundle (window, folder, FALSE, NULL, store_result, &result);
    g_assert_true (finish_export (window, &result, &error));
    g_assert_no_error (error);
    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *path = g_build_filename (folder, files[i], NULL);

        if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
          g_error ("the bundle has no %s", files[i]);
      }
    {
      g_autofree char *grid = g_build_filename (folder, "grid.png", NULL);

      g_assert_false (g_file_test (grid, G_FILE_TEST_EXISTS));   /* 2-D data: no image grid */
    }
    {
      g_autofree char *json = g_build_filename (folder, "metrics.json", NULL);

      assert_starts_with (json, "{\n  \"settings\"");
    }
    g_assert_true (g_file_set_contents (marker, "keep", -1, NULL));
    ms_window_export_bundle (window, folder, FALSE, NULL, store_result, &result);
    g_assert_false (finish_export (window, &result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
    g_clear_error (&error);
    g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
    ms_window_export_bundle (window, folder, TRUE, NULL, store_result, &result);
    g_assert_true (finish_export (window, &result, &error));
    g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));

    /* A full disk (a file size limit): an error, the earlier bundle whole, no leftovers */
    {
      struct rlimit old_limit, limit;
      g_autofree char *csv = g_build_filename (folder, "metrics.csv", NULL);
      g_autoptr(GDir) d = NULL;
      const char *entry;
      guint n_entries = 0;

      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
      limit = old_limit;
      limit.rlim_cur = 4096;
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      ms_window_export_bundle (window, folder, TRUE, NULL, store_result, &result);
      g_assert_false (finish_export (window, &result, &error));
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_null (strstr (error->message, ".part-"));   /* names the bundle, not a temporary */
      g_assert_nonnull (strstr (error->message, name));
      g_clear_error (&error);
      g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));
      d = g_dir_open (dir, 0, NULL);
      while ((entry = g_dir_read_name (d)) != NULL)
        {
          g_assert_false (g_str_has_prefix (entry, "."));   /* no temporary folder left */
          n_entries++;
        }
      g_assert_cmpuint (n_entries, >, 0);
    }
  }

  /* 2-D data has no filmstrip: an error, no file */
  {
    g_autofree char *gif = g_build_filename (dir, "strip.gif", NULL);

    g_assert_cmpuint (ms_window_get_filmstrip_length (window), ==, 0);
    ms_window_export_filmstrip (window, gif, NULL, NULL, store_result, &result);
    g_assert_false (finish_export (window, &result, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_false (g_file_test (gif, G_FILE_TEST_EXISTS));
  }

  /* Ctrl+E opens the export dialog; its choices and presets */
  {
    MsExportDialog *dialog;
    MsPlotView view;
    const char *format;
    int width, height;
    g_autofree char *name = NULL;

    g_assert_true (press_accel (window, GDK_KEY_e, GDK_CONTROL_MASK));
    g_assert_nonnull (window->export_dialog);
    dialog = MS_EXPORT_DIALOG (window->export_dialog);
    ms_export_dialog_get_choice (dialog, &view, &format, &width, &height);
    g_assert_cmpint (view, ==, MS_PLOT_VIEW_DASHBOARD);
    g_assert_cmpstr (format, ==, "png");
    g_assert_cmpint (width, ==, 1920);
    g_assert_cmpint (height, ==, 1080);
    g_assert_false (ms_export_dialog_set_choice (dialog, MS_PLOT_VIEW_GRID, "svg",
                                                 MS_EXPORT_SIZE_POSTER, 0, 0));  /* 2-D data */
    g_assert_true (ms_export_dialog_set_choice (dialog, MS_PLOT_VIEW_KL, "pdf",
                                                MS_EXPORT_SIZE_POSTER, 0, 0));
    ms_export_dialog_get_choice (dialog, &view, &format, &width, &height);
    g_assert_cmpint (view, ==, MS_PLOT_VIEW_KL);
    g_assert_cmpstr (format, ==, "pdf");
    g_assert_cmpint (width, ==, 4000);
    g_assert_cmpint (height, ==, 3000);
    name = ms_export_dialog_suggest_name (dialog);
    g_assert_cmpstr (name, ==, "ModeScope kl.pdf");
    g_assert_true (ms_export_dialog_set_choice (dialog, MS_PLOT_VIEW_LOSS, "png",
                                                MS_EXPORT_SIZE_CUSTOM, 800, 450));
    ms_export_dialog_get_choice (dialog, NULL, NULL, &width, &height);
    g_assert_cmpint (width, ==, 800);
    g_assert_cmpint (height, ==, 450);
    /* The metrics have no view nor size */
    g_assert_true (ms_export_dialog_set_choice (dialog, MS_PLOT_VIEW_LOSS, "csv",
                                                MS_EXPORT_SIZE_SLIDE, 0, 0));
    g_clear_pointer (&name, g_free);
    name = ms_export_dialog_suggest_name (dialog);
    g_assert_cmpstr (name, ==, "ModeScope metrics.csv");
    gtk_window_destroy (GTK_WINDOW (dialog));
    spin (window, 0.1);
    g_assert_null (window->export_dialog);
  }

  destroy_window (window);
  ms_test_remove_dir (dir);
}

/* The filmstrip records each evaluated image grid once and exports a GIF and PNG frames */
static void
test_window_filmstrip (void)
{
  MsWindow *window = new_ring8_window ();
  g_autofree char *dir = g_dir_make_tmp ("modescope-window-film-XXXXXX", NULL);
  g_autofree char *gif_path = g_build_filename (dir, "strip.gif", NULL);
  g_autofree char *frames = g_build_filename (dir, "strip frames", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GifFileType *gif;
  int err = 0;

  for (int i = 1; i <= 3; i++)
    {
      g_autoptr(MsFrame) f = ms_frame_new ();
      gsize n = 4 * 8 * 8;

      ms_session_settings_init (&f->settings, "mnist", MS_LOSS_NSGAN);
      f->iteration = f->evaluation_iteration = i * 100;
      f->paused = TRUE;
      f->has_evaluation = TRUE;
      f->grid_n = 4;
      f->sample_ndim = 3;
      f->sample_shape[0] = 1;
      f->sample_shape[1] = f->sample_shape[2] = 8;
      f->sample_size = 64;
      f->grey = g_malloc0 (n);
      f->samples = g_new0 (float, n);
      _ms_window_apply_frame (window, f);
      _ms_window_apply_frame (window, f);   /* the same evaluation again: recorded once */
    }
  g_assert_cmpuint (ms_window_get_filmstrip_length (window), ==, 3);
  ms_window_export_filmstrip (window, gif_path, frames, NULL, store_result, &result);
  g_assert_true (finish_export (window, &result, &error));
  g_assert_no_error (error);
  gif = DGifOpenFileName (gif_path, &err);
  g_assert_nonnull (gif);
  g_assert_cmpint (DGifSlurp (gif), ==, GIF_OK);
  g_assert_cmpint (gif->ImageCount, ==, 3);
  DGifCloseFile (gif, &err);
  {
    g_autofree char *first = g_build_filename (frames, "frame-0001-iter-000100.png", NULL);
    g_autofree char *third = g_build_filename (frames, "frame-0003-iter-000300.png", NULL);

    g_assert_true (g_file_test (first, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (third, G_FILE_TEST_IS_REGULAR));
  }
  destroy_window (window);
  ms_test_remove_dir (dir);
}

static gboolean
saved_and_done (MsWindow *window,
                gpointer  data)
{
  return *(GAsyncResult **) data != NULL;
}

static gboolean
toast_says_saved (MsWindow *window,
                  gpointer  data)
{
  const char *toast = _ms_window_get_last_toast (window);

  return toast != NULL && g_str_has_prefix (toast, "Session saved as “run.msrun”");
}

static gboolean
has_frame_at (MsWindow *window,
              gpointer  data)
{
  MsFrame *frame = ms_session_get_frame (ms_window_get_session (window));

  return frame != NULL && frame->iteration == *(gint64 *) data;
}

/* Save, then Open: the same curve, evaluations, events and snapshots, paused; a failed save
 * keeps the earlier file, a failed open keeps the current session */
static void
test_window_session_files (void)
{
  MsWindow *window = trained_window (20);
  g_autofree char *dir = g_dir_make_tmp ("modescope-window-session-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.msrun", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "run.msrun", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsSessionHistory) before = NULL;
  g_autoptr(MsSessionHistory) after = NULL;
  g_autofree char *csv_before = NULL;
  g_autofree char *csv_after = NULL;
  g_autofree char *events_before = NULL;
  g_autofree char *events_after = NULL;
  MsSnapshotList *snapshots = MS_SNAPSHOT_LIST (_ms_window_get_part (window, "snapshot-list"));
  MsSession *old;
  gint64 iteration;
  guint n_before = 0, n_after = 0;

  assert_event_after (window, "win.snapshot", MS_SESSION_EVENT_SNAPSHOT);
  spin (window, 0.2);
  g_assert_true (ms_window_get_unsaved (window));
  g_assert_null (ms_window_get_session_path (window));

  ms_window_save_session (window, missing, NULL, store_result, &result);
  g_assert_true (wait_until (window, saved_and_done, &result, WAIT_SECONDS));
  g_assert_false (ms_window_save_session_finish (window, result, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_clear_object (&result);
  g_assert_true (ms_window_get_unsaved (window));

  ms_window_save_session (window, path, NULL, store_result, &result);
  g_assert_true (wait_until (window, saved_and_done, &result, WAIT_SECONDS));
  g_assert_true (ms_window_save_session_finish (window, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_false (ms_window_get_unsaved (window));
  g_assert_cmpstr (ms_window_get_session_path (window), ==, path);

  before = ms_session_history_new (ms_window_get_session (window));
  iteration = ms_session_history_get_frame (before)->iteration;
  ms_session_history_get_curve (before, &n_before);
  csv_before = ms_session_history_to_csv (before);
  events_before = ms_session_history_to_events_text (before);

  /* A file that cannot be read keeps the run */
  old = ms_window_get_session (window);
  g_assert_false (ms_window_open_session (window, missing, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (ms_window_get_session (window) == old);

  /* Train on, then open the saved state again */
  assert_event_after (window, "win.step", MS_SESSION_EVENT_STEP);
  g_assert_true (ms_window_get_unsaved (window));
  g_assert_true (ms_window_open_session (window, path, &error));
  g_assert_no_error (error);
  g_assert_true (ms_window_get_session (window) != old);
  g_assert_true (wait_until (window, has_frame_at, &iteration, WAIT_SECONDS));
  spin (window, 0.2);
  g_assert_false (ms_window_get_running (window));
  g_assert_false (ms_window_get_unsaved (window));
  after = ms_session_history_new (ms_window_get_session (window));
  ms_session_history_get_curve (after, &n_after);
  g_assert_cmpuint (n_after, ==, n_before);
  csv_after = ms_session_history_to_csv (after);
  g_assert_cmpstr (csv_after, ==, csv_before);
  events_after = ms_session_history_to_events_text (after);
  g_assert_true (g_str_has_prefix (events_after, events_before));
  g_assert_cmpuint (ms_snapshot_list_get_n_items (snapshots), ==, 1);
  /* The history is not news: no toast about a restore from the file's events */
  g_assert_true (_ms_window_get_last_toast (window) == NULL
                 || strstr (_ms_window_get_last_toast (window), "restored") == NULL);

  /* Ctrl+S now saves there without asking, and says so */
  g_assert_true (press_accel (window, GDK_KEY_s, GDK_CONTROL_MASK));
  g_assert_true (wait_until (window, toast_says_saved, NULL, WAIT_SECONDS));
  destroy_window (window);
  ms_test_remove_dir (dir);
}

/* The question a window asks (an AdwMessageDialog transient for it), or NULL */
static AdwMessageDialog *
find_question (MsWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (window)
          && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

/* What clicking a response button does: the response, then the dialog closes */
static void
answer (AdwMessageDialog *question,
        const char       *response)
{
  adw_message_dialog_response (question, response);
  gtk_window_destroy (GTK_WINDOW (question));
}

/* Opening over an unsaved run asks first; Cancel keeps the run, Discard opens.  A bundle
 * whose folder exists asks before replacing it. */
static void
test_window_questions (void)
{
  MsWindow *window = trained_window (10);
  g_autofree char *dir = g_dir_make_tmp ("modescope-window-ask-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "run.msrun", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *question;
  MsSession *old;

  ms_window_save_session (window, path, NULL, store_result, &result);
  g_assert_true (wait_until (window, saved_and_done, &result, WAIT_SECONDS));
  g_assert_true (ms_window_save_session_finish (window, result, &error));
  g_clear_object (&result);
  assert_event_after (window, "win.step", MS_SESSION_EVENT_STEP);
  g_assert_true (ms_window_get_unsaved (window));

  old = ms_window_get_session (window);
  _ms_window_open_session_path (window, path);
  question = find_question (window);
  g_assert_nonnull (question);
  g_assert_true (ms_window_get_session (window) == old);
  answer (question, "cancel");
  spin (window, 0.1);
  g_assert_true (ms_window_get_session (window) == old);
  g_assert_null (find_question (window));

  _ms_window_open_session_path (window, path);
  question = find_question (window);
  g_assert_nonnull (question);
  answer (question, "confirm");
  spin (window, 0.1);
  g_assert_true (ms_window_get_session (window) != old);
  g_assert_false (ms_window_get_unsaved (window));
  /* nothing to lose now: opens without asking */
  old = ms_window_get_session (window);
  _ms_window_open_session_path (window, path);
  g_assert_null (find_question (window));
  g_assert_true (ms_window_get_session (window) != old);

  /* The bundle's folder exists: asked, and Cancel keeps it as it was */
  {
    g_autofree char *name = ms_window_get_bundle_name (window);
    g_autofree char *folder = g_build_filename (dir, name, NULL);
    g_autofree char *marker = g_build_filename (folder, "mine.txt", NULL);

    g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
    g_assert_true (g_file_set_contents (marker, "keep", -1, NULL));
    _ms_window_export_bundle_in (window, dir);
    question = find_question (window);
    g_assert_nonnull (question);
    answer (question, "cancel");
    spin (window, 0.5);
    g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  }

  destroy_window (window);
  ms_test_remove_dir (dir);
}

/* Bad values ----------------------------------------------------------------------------- */

static gpointer
panel_child (MsWindow   *window,
             const char *name)
{
  GtkWidget *panel = _ms_window_get_part (window, "control-panel");
  GObject *object = gtk_widget_get_template_child (panel, MS_TYPE_CONTROL_PANEL, name);

  g_assert_nonnull (object);
  return object;
}

static gboolean
toast_contains (MsWindow *window,
                gpointer  data)
{
  const char *toast = _ms_window_get_last_toast (window);

  return toast != NULL && strstr (toast, data) != NULL;
}

static gboolean
has_clamp_event (MsWindow *window,
                 gpointer  data)
{
  MsSession *session = ms_window_get_session (window);

  for (guint i = 0; i < ms_session_get_n_events (session); i++)
    {
      const MsSessionEvent *e = ms_session_get_event (session, i);

      if (e->kind == MS_SESSION_EVENT_BATCH && e->command_id == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_paused_frame (MsWindow *window,
                 gpointer  data)
{
  MsFrame *frame = ms_session_get_frame (ms_window_get_session (window));

  return frame != NULL && frame->paused && !ms_window_get_running (window);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
has_message_dialog (MsWindow *window,
                    gpointer  data)
{
  return find_message_dialog () != NULL;
}

/* A raw IDX training split of @n noise images of 28x28, every label @label */
static void
write_idx_folder (const char *dir,
                  guint       n,
                  guint8      label)
{
  g_autofree char *images_path = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *labels_path = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  GByteArray *images = g_byte_array_new ();
  GByteArray *labels = g_byte_array_new ();
  guint8 head[16] = { 0, 0, 8, 3, n >> 24, n >> 16, n >> 8, n, 0, 0, 0, 28, 0, 0, 0, 28 };
  GRand *rand = g_rand_new_with_seed (7);

  g_byte_array_append (images, head, 16);
  for (guint i = 0; i < n * 784; i++)
    {
      guint8 v = (guint8) g_rand_int_range (rand, 0, 256);

      g_byte_array_append (images, &v, 1);
    }
  head[3] = 1;
  g_byte_array_append (labels, head, 8);
  for (guint i = 0; i < n; i++)
    g_byte_array_append (labels, &label, 1);
  g_assert_true (g_mkdir_with_parents (dir, 0755) == 0);
  g_assert_true (g_file_set_contents (images_path, (char *) images->data, images->len, NULL));
  g_assert_true (g_file_set_contents (labels_path, (char *) labels->data, labels->len, NULL));
  g_byte_array_unref (images);
  g_byte_array_unref (labels);
  g_rand_free (rand);
}

/* Typing a bad learning rate shows an error state with the CLI's words and changes nothing */
static void
test_window_bad_learning_rates (void)
{
  MsWindow *window = new_ring8_window ();
  const char *bad[] = { "abc", "-1", "1e400", "nan", "0", "100", "" };
  MsSession *session = ms_window_get_session (window);
  GtkWidget *panel;
  AdwEntryRow *row;
  guint n;

  g_assert_true (wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_RUN_STARTED),
                             WAIT_SECONDS));
  spin (window, 0.3);
  panel = _ms_window_get_part (window, "control-panel");
  row = panel_child (window, "g_lr_row");
  n = ms_session_get_n_events (session);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *message;

      gtk_editable_set_text (GTK_EDITABLE (row), bad[i]);
      g_signal_emit_by_name (row, "apply");
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
      message = ms_control_panel_get_message (MS_CONTROL_PANEL (panel));
      g_assert_nonnull (message);
      g_test_message ("“%s”: %s", bad[i], message);
      g_assert_nonnull (strstr (message, "learning rate"));
      g_assert_nonnull (strstr (message, "from 1e-08 to 10"));
    }
  spin (window, 0.3);
  g_assert_cmpuint (ms_session_get_n_events (session), ==, n);
  g_assert_cmpfloat_with_epsilon (ms_session_get_frame (session)->settings.optim_g.lr, 2e-4,
                                  1e-12);

  /* A good one applies and clears the error */
  gtk_editable_set_text (GTK_EDITABLE (row), "1e-3");
  g_signal_emit_by_name (row, "apply");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_true (wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_LR),
                             WAIT_SECONDS));
  destroy_window (window);
}

/* A diverging learning rate: rolled back and paused, the user told where and what to do, and
 * Play goes on from the rollback point */
static void
test_window_divergence (void)
{
  MsWindow *window = new_ring8_window ();
  MsSession *session = ms_window_get_session (window);
  const MsSessionEvent *e = NULL;
  gint64 rolled_back, target;

  spin (window, 0.3);
  ms_session_push (session, ms_session_command_new_set_lr (TRUE, 1e30));
  ms_session_push (session, ms_session_command_new_set_lr (FALSE, 1e30));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  if (!wait_until (window, has_event, GINT_TO_POINTER (MS_SESSION_EVENT_DIVERGED),
                   WAIT_SECONDS))
    g_error ("no divergence within %d s", WAIT_SECONDS);
  g_assert_true (wait_until (window, is_paused_frame, NULL, WAIT_SECONDS));
  g_assert_true (wait_until (window, toast_contains, (gpointer) "rolled back to iteration",
                             WAIT_SECONDS));
  g_test_message ("toast: %s", _ms_window_get_last_toast (window));
  g_assert_nonnull (strstr (_ms_window_get_last_toast (window), "lower the learning rate"));
  if (g_getenv ("MS_SCREENSHOT_DIR") != NULL)
    {
      g_autofree char *png = g_build_filename (g_getenv ("MS_SCREENSHOT_DIR"), "divergence.png",
                                               NULL);

      g_assert_true (g_mkdir_with_parents (g_getenv ("MS_SCREENSHOT_DIR"), 0755) == 0);
      spin (window, 0.5);
      save_screenshot (GTK_WIDGET (window), png);
    }
  g_assert_false (ms_window_get_running (window));
  for (guint i = 0; i < ms_session_get_n_events (session); i++)
    if (ms_session_get_event (session, i)->kind == MS_SESSION_EVENT_DIVERGED)
      e = ms_session_get_event (session, i);
  g_assert_nonnull (e);
  rolled_back = ms_session_get_frame (session)->iteration;
  g_assert_cmpint (rolled_back, <, e->iteration);
  g_assert_true (isfinite (ms_session_get_frame (session)->stats.loss_d));

  /* A sane rate and Play: training goes on from the rollback point */
  ms_session_push (session, ms_session_command_new_set_lr (TRUE, 2e-4));
  ms_session_push (session, ms_session_command_new_set_lr (FALSE, 2e-4));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  target = rolled_back + 20;
  g_assert_true (wait_until (window, iteration_above, &target, WAIT_SECONDS));
  g_assert_true (ms_window_get_running (window));
  g_assert_true (isfinite (ms_session_get_frame (session)->stats.loss_g));
  destroy_window (window);
}

/* Broken session files and IDX folders: an error the user can read, and the window keeps its
 * run and keeps working */
static void
test_window_bad_files (void)
{
  MsWindow *window = new_ring8_window ();
  g_autofree char *dir = g_dir_make_tmp ("modescope-window-bad-XXXXXX", NULL);
  g_autofree char *zero = g_build_filename (dir, "zero.msrun", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.msrun", NULL);
  g_autofree char *empty_dir = g_build_filename (dir, "empty", NULL);
  g_autofree char *empty_images = g_build_filename (empty_dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *empty_labels = g_build_filename (empty_dir, "train-labels-idx1-ubyte", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (empty_dir);
  MsSession *session = ms_window_get_session (window);
  GtkWidget *panel = _ms_window_get_part (window, "control-panel");
  AdwMessageDialog *dialog;
  const struct { const char *path; const char *words; } files[] = {
    { zero, "is empty" }, { garbage, "not a ModeScope checkpoint" }, { dir, "not a regular file" },
  };
  gint64 target;

  g_assert_true (g_file_set_contents (zero, "", 0, NULL));
  g_assert_true (g_file_set_contents (garbage, "MSCK not really a checkpoint", -1, NULL));
  spin (window, 0.3);
  g_assert_false (ms_window_get_unsaved (window));
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      /* The Open dialog's path: the error as a toast */
      _ms_window_open_session_path (window, files[i].path);
      g_test_message ("%s: %s", files[i].path, _ms_window_get_last_toast (window));
      g_assert_true (toast_contains (window, (gpointer) files[i].words));
      g_assert_true (ms_window_get_session (window) == session);
    }

  /* An IDX folder of empty files: a dialog that says why, and the run stays */
  g_assert_true (g_mkdir_with_parents (empty_dir, 0755) == 0);
  g_assert_true (g_file_set_contents (empty_images, "", 0, NULL));
  g_assert_true (g_file_set_contents (empty_labels, "", 0, NULL));
  ms_control_panel_open_folder (MS_CONTROL_PANEL (panel), folder);
  g_assert_true (wait_until (window, has_message_dialog, NULL, WAIT_SECONDS));
  dialog = find_message_dialog ();
  g_test_message ("%s: %s", adw_message_dialog_get_heading (dialog),
                  adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "is empty"));
  g_assert_nonnull (strstr (ms_control_panel_get_message (MS_CONTROL_PANEL (panel)),
                            "This folder cannot be used"));
  adw_message_dialog_response (dialog, "close");
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (ms_window_get_session (window) == session);

  /* A folder that cannot be read (root reads any folder: then only said) */
  if (geteuid () == 0)
    g_test_message ("unreadable folder: not checked, running as root");
  else
    {
      g_autofree char *locked = g_build_filename (dir, "locked", NULL);
      g_autoptr(GFile) locked_file = g_file_new_for_path (locked);

      write_idx_folder (locked, 5, 1);
      g_assert_true (g_chmod (locked, 0) == 0);
      ms_control_panel_open_folder (MS_CONTROL_PANEL (panel), locked_file);
      g_assert_true (wait_until (window, has_message_dialog, NULL, WAIT_SECONDS));
      dialog = find_message_dialog ();
      g_test_message ("%s", adw_message_dialog_get_body (dialog));
      adw_message_dialog_response (dialog, "close");
      if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
        gtk_window_destroy (GTK_WINDOW (dialog));
      g_assert_true (g_chmod (locked, 0755) == 0);
      g_assert_true (ms_window_get_session (window) == session);
    }

  /* ... and the window still trains */
  target = 20;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  g_assert_true (wait_until (window, iteration_above, &target, WAIT_SECONDS));
  destroy_window (window);
  ms_test_remove_dir (dir);
}

/* A folder of 5 images of one digit: the batch of 64 is clamped to 5 and the user told; the
 * collapse reason explains the one class; no metric is NaN in the frame where it applies */
static void
test_window_small_folder (void)
{
  g_autofree char *dir = g_dir_make_tmp ("modescope-window-small-XXXXXX", NULL);
  g_autoptr(GSettings) settings = test_settings ();
  MsSessionSettings run;
  MsWindow *window;
  MsFrame *frame;
  gint64 target = 3;

  write_idx_folder (dir, 5, 3);
  ms_session_settings_init (&run, dir, MS_LOSS_NSGAN);
  run.eval_every = 2;
  run.eval_samples = 20;
  run.grid_size = 16;
  run.start_paused = TRUE;
  window = ms_window_new_for_run (NULL, settings, &run);
  ms_session_settings_clear (&run);
  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  g_assert_true (wait_until (window, has_clamp_event, NULL, WAIT_SECONDS));
  g_assert_true (wait_until (window, toast_contains, (gpointer) "Batch size changed",
                             WAIT_SECONDS));
  g_test_message ("toast: %s", _ms_window_get_last_toast (window));
  g_assert_nonnull (strstr (_ms_window_get_last_toast (window), "which has 5 images"));
  g_assert_true (wait_until (window, iteration_above, &target, WAIT_SECONDS));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.play-pause", NULL));
  spin (window, 0.5);
  frame = ms_session_get_frame (ms_window_get_session (window));
  g_assert_cmpint (frame->settings.gan.batch, ==, 5);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (panel_child (window, "batch_spin")), ==, 5);
  /* The settings keep the batch asked for, for the next run on a larger data set */
  g_assert_cmpint (g_settings_get_int (settings, "batch"), ==, 64);
  g_assert_true (frame->has_evaluation);
  g_assert_cmpint (frame->evaluation.k_data, ==, 1);
  g_assert_cmpint (frame->evaluation.modes_covered, <=, 1);
  g_assert_true (isfinite (frame->evaluation.is_mean));
  g_assert_true (isfinite (frame->evaluation.collapse_score));
  g_test_message ("reason: %s", frame->collapse_reason);
  g_assert_nonnull (strstr (frame->collapse_reason, "the data set has one class (3)"));
  if (g_getenv ("MS_SCREENSHOT_DIR") != NULL)
    {
      g_autofree char *png = g_build_filename (g_getenv ("MS_SCREENSHOT_DIR"), "one-digit.png",
                                               NULL);

      g_assert_true (g_mkdir_with_parents (g_getenv ("MS_SCREENSHOT_DIR"), 0755) == 0);
      save_screenshot (GTK_WIDGET (window), png);
    }
  destroy_window (window);
  ms_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) css = NULL;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* What AdwApplication loads for the app (a parse error is a fatal warning here) */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/modescope/ModeScope/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/ui/window/builds", test_window_builds);
  g_test_add_func ("/ui/window/actions", test_window_actions);
  g_test_add_func ("/ui/window/presenter", test_window_presenter);
  g_test_add_func ("/ui/window/shortcuts", test_window_shortcuts);
  g_test_add_func ("/ui/window/pause-on-collapse", test_window_pause_on_collapse);
  g_test_add_func ("/ui/window/size", test_window_size);
  g_test_add_func ("/ui/window/help", test_window_help);
  g_test_add_func ("/ui/application", test_application);
  g_test_add_func ("/ui/status-line", test_status_line);
  g_test_add_func ("/ui/window/screenshot/mnist", test_window_screenshot);
  g_test_add_func ("/ui/window/screenshot/ring8", test_window_screenshot_ring8);
  g_test_add_func ("/ui/window/export", test_window_export);
  g_test_add_func ("/ui/window/filmstrip", test_window_filmstrip);
  g_test_add_func ("/ui/window/session-files", test_window_session_files);
  g_test_add_func ("/ui/window/questions", test_window_questions);
  g_test_add_func ("/ui/window/bad-learning-rates", test_window_bad_learning_rates);
  g_test_add_func ("/ui/window/divergence", test_window_divergence);
  g_test_add_func ("/ui/window/bad-files", test_window_bad_files);
  g_test_add_func ("/ui/window/small-folder", test_window_small_folder);
  return g_test_run ();
}
