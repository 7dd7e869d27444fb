/* ms-export-dialog.c: what to export (a view or the whole dashboard), format and size
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-export-dialog.h"
#include "ms-window-private.h"

/* In the format row's order; the metrics have no view nor size */
static const char * const formats[] = { "png", "svg", "pdf", "csv", "json" };
#define FIRST_METRICS 3

struct _MsExportDialog
{
  AdwWindow       parent_instance;

  /* Template */
  AdwComboRow    *what_row;
  AdwComboRow    *format_row;
  AdwComboRow    *size_row;
  GtkWidget      *size_group;
  AdwActionRow   *width_row;
  AdwActionRow   *height_row;
  GtkSpinButton  *width_spin;
  GtkSpinButton  *height_spin;
  GtkWidget      *export_button;

  MsWindow       *window;          /* weak */
  GArray         *views;           /* MsPlotView, in the what row's order */
  gboolean        setting_size;    /* a preset is filling the spin buttons */
};

G_DEFINE_FINAL_TYPE (MsExportDialog, ms_export_dialog, ADW_TYPE_WINDOW)

static void
update_units (MsExportDialog *self)
{
  guint f = adw_combo_row_get_selected (self->format_row);
  const char *unit = f == 0 ? _("pixels") : _("points");

  adw_action_row_set_subtitle (self->width_row, unit);
  adw_action_row_set_subtitle (self->height_row, unit);
  gtk_widget_set_sensitive (GTK_WIDGET (self->what_row), f < FIRST_METRICS);
  gtk_widget_set_sensitive (self->size_group, f < FIRST_METRICS);
}

static void
apply_preset (MsExportDialog *self)
{
  guint preset = adw_combo_row_get_selected (self->size_row);

  if (preset == MS_EXPORT_SIZE_CUSTOM)
    return;
  self->setting_size = TRUE;
  gtk_spin_button_set_value (self->width_spin, preset == MS_EXPORT_SIZE_SLIDE ? 1920 : 4000);
  gtk_spin_button_set_value (self->height_spin, preset == MS_EXPORT_SIZE_SLIDE ? 1080 : 3000);
  self->setting_size = FALSE;
}

/* Typing a size makes it a custom one */
static void
size_changed_cb (MsExportDialog *self)
{
  if (!self->setting_size)
    adw_combo_row_set_selected (self->size_row, MS_EXPORT_SIZE_CUSTOM);
}

void
ms_export_dialog_get_choice (MsExportDialog  *self,
                             MsPlotView      *view,
                             const char     **format,
                             int             *width,
                             int             *height)
{
  guint what, f;

  g_return_if_fail (MS_IS_EXPORT_DIALOG (self));

  what = adw_combo_row_get_selected (self->what_row);
  f = adw_combo_row_get_selected (self->format_row);
  if (view != NULL)
    *view = what < self->views->len ? g_array_index (self->views, MsPlotView, what)
                                    : MS_PLOT_VIEW_DASHBOARD;
  if (format != NULL)
    *format = formats[MIN (f, G_N_ELEMENTS (formats) - 1)];
  if (width != NULL)
    *width = gtk_spin_button_get_value_as_int (self->width_spin);
  if (height != NULL)
    *height = gtk_spin_button_get_value_as_int (self->height_spin);
}

gboolean
ms_export_dialog_set_choice (MsExportDialog *self,
                             MsPlotView      view,
                             const char     *format,
                             MsExportSize    size,
                             int             width,
                             int             height)
{
  gboolean found = FALSE;

  g_return_val_if_fail (MS_IS_EXPORT_DIALOG (self), FALSE);

  for (guint i = 0; i < self->views->len; i++)
    if (g_array_index (self->views, MsPlotView, i) == view)
      {
        adw_combo_row_set_selected (self->what_row, i);
        found = TRUE;
      }
  for (guint i = 0; format != NULL && i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strcasecmp (format, formats[i]) == 0)
      adw_combo_row_set_selected (self->format_row, i);
  if (size == MS_EXPORT_SIZE_CUSTOM)
    {
      gtk_spin_button_set_value (self->width_spin, width);
      gtk_spin_button_set_value (self->height_spin, height);
    }
  adw_combo_row_set_selected (self->size_row, size);
  return found;
}

char *
ms_export_dialog_suggest_name (MsExportDialog *self)
{
  MsPlotView view;
  const char *format;

  g_return_val_if_fail (MS_IS_EXPORT_DIALOG (self), NULL);

  ms_export_dialog_get_choice (self, &view, &format, NULL, NULL);
  /* Translators: a file name: "ModeScope dashboard.png", "ModeScope kl.pdf",
   * "ModeScope metrics.csv" */
  return g_strdup_printf (_("ModeScope %s.%s"),
                          g_str_equal (format, "csv") || g_str_equal (format, "json")
                          ? "metrics" : ms_plot_view_to_string (view), format);
}

typedef struct
{
  MsWindow   *window;
  MsPlotView  view;
  const char *format;
  int         width, height;
} Pending;

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  MsWindow *window = MS_WINDOW (object);
  g_autofree char *name = user_data;
  g_autoptr(GError) error = NULL;

  if (!ms_window_export_finish (window, result, &error))
    _ms_window_report (window, error, NULL);
  else
    {
      /* Translators: %s is a file name */
      g_autofree char *text = g_strdup_printf (_("Exported “%s”"), name);

      _ms_window_toast (window, text);
    }
}

static void
chooser_response_cb (GtkNativeDialog *native,
                     int              response,
                     Pending         *p)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      const char *path = file != NULL ? g_file_peek_path (file) : NULL;

      if (path != NULL)
        {
          g_autofree char *full = NULL;
          g_autofree char *suffix = g_strconcat (".", p->format, NULL);

          if (!g_str_has_suffix (path, suffix))
            path = full = g_strconcat (path, suffix, NULL);
          ms_window_export (p->window, ms_plot_view_to_string (p->view), p->format, path,
                            p->width, p->height, NULL, exported_cb,
                            g_filename_display_basename (path));
        }
    }
  g_object_unref (p->window);
  g_free (p);
  g_object_unref (native);
}

static void
export_clicked_cb (MsExportDialog *self)
{
  GtkFileChooserNative *native;
  g_autofree char *name = NULL;
  Pending *p;

  if (self->window == NULL)
    return;
  p = g_new0 (Pending, 1);
  p->window = g_object_ref (self->window);
  ms_export_dialog_get_choice (self, &p->view, &p->format, &p->width, &p->height);
  name = ms_export_dialog_suggest_name (self);
  /* GTK 4.8 has no GtkFileDialog; in GTK 4 a save chooser always asks before replacing */
  native = gtk_file_chooser_native_new (_("Export Figure"), GTK_WINDOW (self->window),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  g_signal_connect (native, "response", G_CALLBACK (chooser_response_cb), p);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
fill_views (MsExportDialog *self)
{
  MsSession *session = self->window != NULL ? ms_window_get_session (self->window) : NULL;
  MsFrame *frame = session != NULL ? ms_session_get_frame (session) : NULL;
  gboolean is_2d = frame != NULL && frame->is_2d;
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  g_array_set_size (self->views, 0);
  for (int v = 0; v < MS_PLOT_N_VIEWS; v++)
    if (ms_plot_view_applies (v, is_2d))
      {
        MsPlotView view = v;

        g_array_append_val (self->views, view);
        gtk_string_list_append (model, ms_plot_view_get_title (view));
      }
  adw_combo_row_set_model (self->what_row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (self->what_row, 0);
}

MsExportDialog *
ms_export_dialog_new (MsWindow *window)
{
  MsExportDialog *self;

  g_return_val_if_fail (MS_IS_WINDOW (window), NULL);

  self = g_object_new (MS_TYPE_EXPORT_DIALOG, "transient-for", window, NULL);
  g_set_weak_pointer (&self->window, window);
  fill_views (self);
  gtk_widget_set_sensitive (self->export_button,
                            ms_window_get_session (window) != NULL
                            && ms_session_get_frame (ms_window_get_session (window)) != NULL);
  return self;
}

static void
ms_export_dialog_dispose (GObject *object)
{
  MsExportDialog *self = MS_EXPORT_DIALOG (object);

  g_clear_weak_pointer (&self->window);
  gtk_widget_dispose_template (GTK_WIDGET (self), MS_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (ms_export_dialog_parent_class)->dispose (object);
}

static void
ms_export_dialog_finalize (GObject *object)
{
  MsExportDialog *self = MS_EXPORT_DIALOG (object);

  g_array_unref (self->views);
  G_OBJECT_CLASS (ms_export_dialog_parent_class)->finalize (object);
}

static void
ms_export_dialog_class_init (MsExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ms_export_dialog_dispose;
  object_class->finalize = ms_export_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/modescope/ModeScope/ui/ms-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, what_row);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, size_row);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, size_group);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, width_row);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, height_row);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, width_spin);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, height_spin);
  gtk_widget_class_bind_template_child (widget_class, MsExportDialog, export_button);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ms_export_dialog_init (MsExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->views = g_array_new (FALSE, FALSE, sizeof (MsPlotView));
  g_signal_connect_swapped (self->format_row, "notify::selected", G_CALLBACK (update_units), self);
  g_signal_connect_swapped (self->size_row, "notify::selected", G_CALLBACK (apply_preset), self);
  g_signal_connect_swapped (self->width_spin, "value-changed", G_CALLBACK (size_changed_cb), self);
  g_signal_connect_swapped (self->height_spin, "value-changed", G_CALLBACK (size_changed_cb), self);
  update_units (self);
}
