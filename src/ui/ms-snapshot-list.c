/* ms-snapshot-list.c: the user's snapshots of the run, each with a Restore button
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-snapshot-list.h"

struct _MsSnapshotList
{
  GtkWidget    parent_instance;

  GtkWidget   *placeholder;
  GtkWidget   *list_box;
  MsSession   *session;
  gulong       events_handler;
  guint        n_events_seen;
  gboolean     seen_first_run;
  GArray      *ids;          /* guint, one per row, oldest first */
  GHashTable  *labels;       /* snapshot id -> label */
};

G_DEFINE_FINAL_TYPE (MsSnapshotList, ms_snapshot_list, GTK_TYPE_WIDGET)

static void
on_restore_clicked (GtkButton      *button,
                    MsSnapshotList *self)
{
  guint id = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "ms-snapshot-id"));

  if (self->session != NULL && id != 0)
    ms_session_restore (self->session, id);
}

static void
clear_rows (MsSnapshotList *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (self->list_box)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->list_box), row);
  g_array_set_size (self->ids, 0);
  gtk_widget_set_visible (self->list_box, FALSE);
  gtk_widget_set_visible (self->placeholder, TRUE);
}

static void
add_row (MsSnapshotList       *self,
         const MsSessionEvent *event)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%X");
  g_autofree char *title = NULL;
  g_autofree char *accessible = NULL;
  const char *label = g_hash_table_lookup (self->labels, GUINT_TO_POINTER (event->command_id));
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("edit-undo-symbolic");

  /* Translators: a snapshot in the list: "Iteration 1200" */
  title = g_strdup_printf (_("Iteration %lld"), (long long) event->iteration);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (label != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", label, time);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
    }
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), time);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Go back to this snapshot; the curves since then stay "
                                         "visible in a lighter style"));
  /* Translators: accessible name of a snapshot's restore button */
  accessible = g_strdup_printf (_("Restore iteration %lld"), (long long) event->iteration);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_object_set_data (G_OBJECT (button), "ms-snapshot-id", GUINT_TO_POINTER (event->command_id));
  g_signal_connect (button, "clicked", G_CALLBACK (on_restore_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);

  gtk_list_box_append (GTK_LIST_BOX (self->list_box), row);
  g_array_append_val (self->ids, event->command_id);
  gtk_widget_set_visible (self->list_box, TRUE);
  gtk_widget_set_visible (self->placeholder, FALSE);
}

static void
on_n_events (MsSession      *session,
             GParamSpec     *pspec,
             MsSnapshotList *self)
{
  guint n = ms_session_get_n_events (session);

  for (; self->n_events_seen < n; self->n_events_seen++)
    {
      const MsSessionEvent *e = ms_session_get_event (session, self->n_events_seen);

      if (e->kind == MS_SESSION_EVENT_RUN_STARTED)
        {
          /* A new run drops the old run's snapshots (ms_session_command_new_new_run); a
           * reset keeps them.  The trainer records a reset as RUN_STARTED then RESET, both
           * from the same command, so they arrive together. */
          gboolean reset = self->n_events_seen + 1 < n
                           && ms_session_get_event (session, self->n_events_seen + 1)->kind
                              == MS_SESSION_EVENT_RESET;

          if (self->seen_first_run && !reset)
            clear_rows (self);
          self->seen_first_run = TRUE;
        }
      else if (e->kind == MS_SESSION_EVENT_SNAPSHOT && e->command_id != 0)
        add_row (self, e);
    }
}

void
ms_snapshot_list_set_session (MsSnapshotList *self,
                              MsSession      *session)
{
  g_return_if_fail (MS_IS_SNAPSHOT_LIST (self));
  g_return_if_fail (session == NULL || MS_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_clear_signal_handler (&self->events_handler, self->session);
  g_set_object (&self->session, session);
  clear_rows (self);
  self->n_events_seen = 0;
  self->seen_first_run = FALSE;
  if (session != NULL)
    {
      self->events_handler = g_signal_connect (session, "notify::n-events",
                                               G_CALLBACK (on_n_events), self);
      on_n_events (session, NULL, self);
    }
}

void
ms_snapshot_list_set_label (MsSnapshotList *self,
                            guint           snapshot_id,
                            const char     *label)
{
  g_return_if_fail (MS_IS_SNAPSHOT_LIST (self));
  g_hash_table_insert (self->labels, GUINT_TO_POINTER (snapshot_id), g_strdup (label));
}

guint
ms_snapshot_list_get_n_items (MsSnapshotList *self)
{
  g_return_val_if_fail (MS_IS_SNAPSHOT_LIST (self), 0);
  return self->ids->len;
}

guint
ms_snapshot_list_get_id (MsSnapshotList *self,
                         guint           index)
{
  g_return_val_if_fail (MS_IS_SNAPSHOT_LIST (self), 0);
  return index < self->ids->len ? g_array_index (self->ids, guint, index) : 0;
}

GtkWidget *
ms_snapshot_list_new (void)
{
  return g_object_new (MS_TYPE_SNAPSHOT_LIST, NULL);
}

static void
ms_snapshot_list_dispose (GObject *object)
{
  MsSnapshotList *self = MS_SNAPSHOT_LIST (object);

  if (self->session != NULL)
    g_clear_signal_handler (&self->events_handler, self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->placeholder, gtk_widget_unparent);
  g_clear_pointer (&self->list_box, gtk_widget_unparent);
  G_OBJECT_CLASS (ms_snapshot_list_parent_class)->dispose (object);
}

static void
ms_snapshot_list_finalize (GObject *object)
{
  MsSnapshotList *self = MS_SNAPSHOT_LIST (object);

  g_array_unref (self->ids);
  g_hash_table_unref (self->labels);
  G_OBJECT_CLASS (ms_snapshot_list_parent_class)->finalize (object);
}

static void
ms_snapshot_list_class_init (MsSnapshotListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_snapshot_list_dispose;
  object_class->finalize = ms_snapshot_list_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "snapshotlist");
}

static void
ms_snapshot_list_init (MsSnapshotList *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  self->ids = g_array_new (FALSE, FALSE, sizeof (guint));
  self->labels = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  /* Not GtkListBox's placeholder: that one takes no height inside a scrolled window */
  self->placeholder = gtk_label_new (_("No snapshots yet: press Snapshot to keep the current "
                                       "state and come back to it later"));
  gtk_label_set_wrap (GTK_LABEL (self->placeholder), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->placeholder), 0);
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_widget_set_parent (self->placeholder, GTK_WIDGET (self));

  self->list_box = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list_box), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->list_box, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Snapshots"), -1);
  gtk_widget_set_visible (self->list_box, FALSE);
  gtk_widget_set_parent (self->list_box, GTK_WIDGET (self));
}
