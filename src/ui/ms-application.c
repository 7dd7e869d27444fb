/* ms-application.c: the ModeScope application (app actions, preferences, about)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-application.h"
#include "ms-parallel.h"
#include "ms-window.h"

struct _MsApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  gboolean        autostart;
  double          bench_seconds;   /* --bench-ui: > 0 runs the UI benchmark */
  int             default_threads; /* the engine's own choice, for engine-threads = 0 */
};

G_DEFINE_FINAL_TYPE (MsApplication, ms_application, ADW_TYPE_APPLICATION)

MsApplication *
ms_application_new (void)
{
  return g_object_new (MS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/modescope/ModeScope",
                       NULL);
}

GSettings *
ms_application_get_settings (MsApplication *self)
{
  g_return_val_if_fail (MS_IS_APPLICATION (self), NULL);
  return self->settings;
}

gboolean
ms_application_get_autostart (MsApplication *self)
{
  g_return_val_if_fail (MS_IS_APPLICATION (self), FALSE);
  return self->autostart;
}

/* Settings that act on the whole process ----------------------------------------------- */

static void
apply_color_scheme (MsApplication *self)
{
  static const AdwColorScheme schemes[] = {
    ADW_COLOR_SCHEME_DEFAULT, ADW_COLOR_SCHEME_FORCE_LIGHT, ADW_COLOR_SCHEME_FORCE_DARK,
  };
  int value = g_settings_get_enum (self->settings, "color-scheme");

  if (value < 0 || value >= (int) G_N_ELEMENTS (schemes))
    value = 0;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), schemes[value]);
}

static void
apply_threads (MsApplication *self)
{
  int n = g_settings_get_int (self->settings, "engine-threads");

  ms_parallel_set_threads (n > 0 ? n : self->default_threads);
}

static void
on_settings_changed (GSettings     *settings,
                     const char    *key,
                     MsApplication *self)
{
  if (g_str_equal (key, "color-scheme"))
    apply_color_scheme (self);
  else if (g_str_equal (key, "engine-threads"))
    apply_threads (self);
}

/* Preferences -------------------------------------------------------------------------- */

static gboolean
scheme_get_mapping (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);
  guint selected = g_str_equal (nick, "light") ? 1 : g_str_equal (nick, "dark") ? 2 : 0;

  g_value_set_uint (value, selected);
  return TRUE;
}

static GVariant *
scheme_set_mapping (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  static const char * const nicks[] = { "system", "light", "dark" };
  guint selected = g_value_get_uint (value);

  return g_variant_new_string (nicks[selected < G_N_ELEMENTS (nicks) ? selected : 0]);
}

static GtkWidget *
spin_row (GSettings  *settings,
          const char *key,
          const char *title,
          const char *subtitle,
          double      lower,
          double      upper)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, upper, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (spin, subtitle);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle,
                                  -1);
  g_settings_bind (settings, key, spin, "value", G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  return row;
}

static GtkWidget *
switch_row (GSettings  *settings,
            const char *key,
            const char *title,
            const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *sw = gtk_switch_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle,
                                  -1);
  g_settings_bind (settings, key, sw, "active", G_SETTINGS_BIND_DEFAULT);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
  return row;
}

static gboolean
settings_has_key (GSettings  *settings,
                  const char *key)
{
  g_autoptr(GSettingsSchema) schema = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  return schema != NULL && g_settings_schema_has_key (schema, key);
}

static void
on_eval_every_changed (GtkSpinButton *spin,
                       MsApplication *self)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  for (GList *l = windows; l != NULL; l = l->next)
    if (MS_IS_WINDOW (l->data) && ms_window_get_session (l->data) != NULL)
      ms_session_push (ms_window_get_session (l->data),
                       ms_session_command_new_set_eval_every (gtk_spin_button_get_value_as_int (spin)));
}

/* (transfer floating) The preferences window, every row bound to GSettings */
static GtkWidget *
preferences_window_new (MsApplication *self,
                        GtkWindow     *parent)
{
  GtkWidget *window = adw_preferences_window_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *training = adw_preferences_group_new ();
  GtkWidget *appearance = adw_preferences_group_new ();
  GtkWidget *style_row;
  GtkStringList *styles;

  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  adw_preferences_window_set_search_enabled (ADW_PREFERENCES_WINDOW (window), FALSE);

  adw_preferences_page_set_title (ADW_PREFERENCES_PAGE (page), _("General"));
  adw_preferences_page_set_icon_name (ADW_PREFERENCES_PAGE (page), "preferences-system-symbolic");

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (training), _("Training"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (training),
                             switch_row (self->settings, "pause-on-collapse",
                                         _("Pause on Collapse"),
                                         _("Stop training when the generator collapses, to "
                                           "discuss what happened")));
  /* The evaluation interval is one of the control panel's keys: stored for the next run,
   * and applied to the running session at once (the panel follows the session's frames) */
  if (settings_has_key (self->settings, "eval-every"))
    {
      GtkWidget *row = spin_row (self->settings, "eval-every", _("Evaluation Interval"),
                                 _("Iterations between two measurements of the generated "
                                   "samples"),
                                 1, 1000000);
      GtkWidget *spin = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));

      g_settings_unbind (spin, "value");
      g_settings_bind (self->settings, "eval-every", spin, "value",
                       G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_GET_NO_CHANGES);
      g_signal_connect_object (spin, "value-changed", G_CALLBACK (on_eval_every_changed),
                               self, 0);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (training), row);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (training),
                             spin_row (self->settings, "engine-threads",
                                       _("Training Threads"),
                                       _("Processor threads the training uses; 0 picks one "
                                         "per core"),
                                       0, 64));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (appearance), _("Appearance"));
  styles = gtk_string_list_new ((const char * const[]) {
                                  _("Follow System"), _("Light"), _("Dark"), NULL });
  style_row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (style_row), _("Style"));
  adw_combo_row_set_model (ADW_COMBO_ROW (style_row), G_LIST_MODEL (styles));
  g_object_unref (styles);
  g_settings_bind_with_mapping (self->settings, "color-scheme", style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, scheme_get_mapping, scheme_set_mapping,
                                NULL, NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (appearance), style_row);

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (training));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (appearance));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (window), ADW_PREFERENCES_PAGE (page));
  return window;
}

/* App actions -------------------------------------------------------------------------- */

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  /* Closing (not destroying) the windows saves their size; it also stops their training */
  for (GList *l = windows; l != NULL; l = l->next)
    g_object_ref (l->data);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
  g_application_quit (app);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *parent = gtk_application_get_active_window (app);
  static const char *developers[] = { "The ModeScope developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-name", _("ModeScope"),
                        "application-icon", APP_ID,
                        "developer-name", _("The ModeScope developers"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("Train a generative adversarial network live and watch "
                                      "mode collapse happen."),
                        "website", "https://github.com/modescope/modescope",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The ModeScope developers",
                        "translator-credits", _("translator-credits"),
                        NULL);
  adw_about_window_add_legal_section (ADW_ABOUT_WINDOW (about),
                                      _("MNIST"),
                                      _("MNIST database by Yann LeCun, Corinna Cortes and "
                                        "Christopher J.C. Burges"),
                                      GTK_LICENSE_CUSTOM,
                                      _("Licensed under "
                                        "<a href=\"https://creativecommons.org/licenses/by-sa/3.0/\">"
                                        "CC BY-SA 3.0</a>."));
  adw_about_window_add_credit_section (ADW_ABOUT_WINDOW (about), _("Data"),
                                       (const char *[]) {
                                         _("MNIST database by Yann LeCun, Corinna Cortes and "
                                           "Christopher J.C. Burges, CC BY-SA 3.0"),
                                         NULL });
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  MsApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (preferences_window_new (self, parent)));
}

static void
shortcuts_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.show-help-overlay", NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
  { "shortcuts", shortcuts_activated },
};

/* GApplication ------------------------------------------------------------------------- */

static int
ms_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  MsApplication *self = MS_APPLICATION (app);

  if (g_variant_dict_contains (options, "autostart"))
    self->autostart = TRUE;
  if (g_variant_dict_lookup (options, "bench-ui", "d", &self->bench_seconds))
    {
      if (!(self->bench_seconds > 0 && self->bench_seconds <= 3600))
        {
          g_printerr (_("--bench-ui needs a number of seconds between 0 and 3600\n"));
          return 2;
        }
      /* A benchmark measures this process, never an instance that is already running */
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }
  return -1;
}

static void
ms_application_startup (GApplication *app)
{
  MsApplication *self = MS_APPLICATION (app);

  G_APPLICATION_CLASS (ms_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  self->default_threads = ms_parallel_threads ();
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (on_settings_changed), self, 0);
  apply_color_scheme (self);
  apply_threads (self);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         (const char *[]) { "<Control>comma", NULL });
}

static void
ms_application_activate (GApplication *app)
{
  MsApplication *self = MS_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      if (self->bench_seconds > 0)
        window = GTK_WINDOW (ms_window_new_bench (GTK_APPLICATION (app), self->settings,
                                                  self->bench_seconds));
      else
        window = GTK_WINDOW (ms_window_new (GTK_APPLICATION (app), self->settings,
                                            self->autostart));
    }
  gtk_window_present (window);
}

static void
ms_application_dispose (GObject *object)
{
  MsApplication *self = MS_APPLICATION (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (ms_application_parent_class)->dispose (object);
}

static void
ms_application_class_init (MsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ms_application_dispose;
  app_class->handle_local_options = ms_application_handle_local_options;
  app_class->startup = ms_application_startup;
  app_class->activate = ms_application_activate;
}

static void
ms_application_init (MsApplication *self)
{
  static const GOptionEntry options[] = {
    { "autostart", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start training as soon as the window opens"), NULL },
    { "bench-ui", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, NULL,
      N_("Train at full speed for SECONDS, then print frame times, latency and memory"),
      N_("SECONDS") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Train a GAN live and watch mode collapse"));
}
