/* ms-window-actions.c: MsWindow's win.* actions and key bindings
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Single keys (Space, S, R) are window-scope bindings that step aside while a text field or
 * spin button has the focus, so typing "1e-3" never steps the training.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-export-dialog.h"
#include "ms-help-page.h"
#include "ms-window-private.h"

static void
play_pause_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  MsWindow *self = MS_WINDOW (widget);

  _ms_window_set_running (self, !self->running);
}

static void
step (MsWindow   *self,
      MsStepKind  kind)
{
  /* A step only makes sense while paused: stepping a running session pauses it first */
  _ms_window_set_running (self, FALSE);
  ms_session_push (self->session, ms_session_command_new_step (kind));
}

static void
step_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  MsWindow *self = MS_WINDOW (widget);

  if (g_str_equal (action_name, "win.step-d"))
    step (self, MS_STEP_D);
  else if (g_str_equal (action_name, "win.step-g"))
    step (self, MS_STEP_G);
  else
    step (self, MS_STEP_BOTH);
}

static void
reset_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  MsWindow *self = MS_WINDOW (widget);

  /* Reset at once, but keep the run so far as a snapshot: a reset is never a loss */
  if (ms_session_get_iteration (self->session) > 0)
    {
      guint id = ms_session_snapshot (self->session);

      ms_snapshot_list_set_label (self->snapshot_list, id, _("Before reset"));
    }
  ms_session_push (self->session, ms_session_command_new_reset ());
}

static void
snapshot_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  MsWindow *self = MS_WINDOW (widget);

  ms_session_snapshot (self->session);
}

static void
show_help_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  gtk_window_present (GTK_WINDOW (ms_help_page_new (GTK_WINDOW (widget))));
}

static void
toggle_sidebar_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  MsWindow *self = MS_WINDOW (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
leave_presenter_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  ms_window_set_presenter (MS_WINDOW (widget), FALSE);
}

/* Export and session files (ms-window-export.c) */

static void
export_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  MsWindow *self = MS_WINDOW (widget);

  if (self->export_dialog == NULL)
    g_set_weak_pointer (&self->export_dialog, GTK_WIDGET (ms_export_dialog_new (self)));
  gtk_window_present (GTK_WINDOW (self->export_dialog));
}

static void
export_bundle_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  _ms_window_export_bundle_dialog (MS_WINDOW (widget));
}

static void
export_filmstrip_activated (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  _ms_window_export_filmstrip_dialog (MS_WINDOW (widget));
}

static void
open_session_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  _ms_window_open_session_dialog (MS_WINDOW (widget));
}

static void
save_session_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  _ms_window_save_session_dialog (MS_WINDOW (widget),
                                  g_str_equal (action_name, "win.save-session-as"));
}

/* Single-key bindings: @user_data is the action to activate */
static gboolean
single_key_cb (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (widget));
  const char *action = user_data;

  /* Text fields keep their keys; so do open menus and lists (a popover's focus is the
   * window's).  Elsewhere Space is play/pause as in a media player: a focused button, switch
   * or row is activated with Enter. */
  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)
                        || gtk_widget_get_ancestor (focus, GTK_TYPE_POPOVER) != NULL))
    return FALSE;
  if (!gtk_widget_activate_action (widget, action, NULL))
    return FALSE;
  return TRUE;
}

static gboolean
escape_cb (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  if (!MS_WINDOW (widget)->presenter)
    return FALSE;
  ms_window_set_presenter (MS_WINDOW (widget), FALSE);
  return TRUE;
}

void
_ms_window_update_actions (MsWindow *self)
{
  static const char * const session_actions[] = {
    "win.play-pause", "win.step", "win.step-d", "win.step-g", "win.reset", "win.snapshot",
    "win.export", "win.export-bundle", "win.export-filmstrip", "win.save-session",
    "win.save-session-as",
  };
  gboolean has_session = self->session != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (session_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), session_actions[i], has_session);
}

/* Space, S and R run in the capture phase, before the focused widget: GtkWindow's own Space
 * binding (activate the focused widget) would otherwise take Space first. */
void
_ms_window_init_shortcuts (MsWindow *self)
{
  static const struct { guint keyval; const char *action; } keys[] = {
    { GDK_KEY_space, "win.play-pause" },
    { GDK_KEY_KP_Space, "win.play-pause" },
    { GDK_KEY_s, "win.step" },
    { GDK_KEY_r, "win.reset" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_event_controller_set_name (controller, "ms-single-keys");
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (keys[i].keyval, 0),
                                                            gtk_callback_action_new (single_key_cb,
                                                                                     (gpointer) keys[i].action,
                                                                                     NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

void
_ms_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.play-pause", NULL, play_pause_activated);
  gtk_widget_class_install_action (widget_class, "win.step", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "win.step-d", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "win.step-g", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "win.reset", NULL, reset_activated);
  gtk_widget_class_install_action (widget_class, "win.snapshot", NULL, snapshot_activated);
  gtk_widget_class_install_action (widget_class, "win.show-help", NULL, show_help_activated);
  gtk_widget_class_install_action (widget_class, "win.toggle-sidebar", NULL,
                                   toggle_sidebar_activated);
  gtk_widget_class_install_action (widget_class, "win.leave-presenter", NULL,
                                   leave_presenter_activated);
  gtk_widget_class_install_property_action (widget_class, "win.presenter", "presenter");
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_activated);
  gtk_widget_class_install_action (widget_class, "win.export-bundle", NULL,
                                   export_bundle_activated);
  gtk_widget_class_install_action (widget_class, "win.export-filmstrip", NULL,
                                   export_filmstrip_activated);
  gtk_widget_class_install_action (widget_class, "win.open-session", NULL,
                                   open_session_activated);
  gtk_widget_class_install_action (widget_class, "win.save-session", NULL,
                                   save_session_activated);
  gtk_widget_class_install_action (widget_class, "win.save-session-as", NULL,
                                   save_session_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "win.presenter", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F1, 0, "win.show-help", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.toggle-sidebar", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-session", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save-session", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-session-as", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Escape, 0, escape_cb, NULL);
}
