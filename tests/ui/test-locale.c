/* test-locale.c: the window starts in German and in Norwegian Bokmål with translated labels
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each language runs in its own subprocess: LANGUAGE=<lang> over the C.UTF-8 locale (always
 * present on Debian, unlike de_DE.UTF-8 or nb_NO.UTF-8 without the locales-all package).  glibc
 * ignores LANGUAGE only when LC_MESSAGES is exactly "C" or "POSIX", so C.UTF-8 with LANGUAGE
 * translates, and setlocale() discards gettext's cached translations.  The catalogues are the
 * ones this build compiled (MS_LOCALEDIR=<build>/po, laid out as <lang>/LC_MESSAGES/modescope.mo).
 *
 * Checked: strings from a composite template (.ui), from C code set at run time (the Play
 * button's tooltip), from the control panel's template, and a session event label made on the
 * trainer thread.  The expected texts are written out here, so a missing, stale or empty
 * catalogue fails.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "ms-window-private.h"

typedef struct {
  const char *lang;
  const char *sidebar_tooltip;   /* ui/ms-window.ui */
  const char *play_tooltip;      /* src/ui/ms-window.c, paused */
  const char *group_title;       /* ui/ms-control-panel.ui: "Networks" */
  const char *run_prefix;        /* src/session/ms-session.c: "run 1: " */
} Expected;

static const Expected expected[] = {
  { "de", "Trainingssteuerung ein- oder ausblenden (F9)", "Training starten (Leertaste)",
    "Netze", "Lauf 1: " },
  { "nb", "Vis eller skjul treningskontrollene (F9)", "Start treningen (mellomrom)",
    "Nettverk", "kjøring 1: " },
};

static gboolean
find_group_title (GtkWidget  *widget,
                  const char *title)
{
  if (ADW_IS_PREFERENCES_GROUP (widget)
      && g_strcmp0 (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget)), title) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (find_group_title (child, title))
      return TRUE;
  return FALSE;
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The label of the session's first event, once the trainer has made it (NULL after 30 s) */
static char *
wait_first_event (MsSession *session)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (30, on_timeout, &timed_out);
  char *label = NULL;

  while (label == NULL && !timed_out)
    {
      if (ms_session_get_n_events (session) > 0)
        label = g_strdup (ms_session_get_event (session, 0)->label);
      else
        g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (id);
  return label;
}

static void
spin (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* With MS_SCREENSHOT_DIR set, <name>.png there: to review long translations by eye */
static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
  const char *dir = g_getenv ("MS_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  int width, height;

  if (dir == NULL)
    return;
  spin (1.5);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  path = g_strdup_printf ("%s/%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
run_in_language (const Expected *e)
{
  const char *localedir = g_getenv ("MS_LOCALEDIR");
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *mo = NULL;
  g_autofree char *label = NULL;
  MsSessionSettings run;
  MsWindow *window;

  g_assert_nonnull (localedir);
  mo = g_build_filename (localedir, e->lang, "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));

  g_setenv ("LANGUAGE", e->lang, TRUE);
  g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* the catalogue itself answers before any widget is built */
  g_assert_cmpstr (_("Start training (Space)"), ==, e->play_tooltip);

  g_settings_set_boolean (settings, "pause-on-collapse", FALSE);
  ms_session_settings_init (&run, "ring8", MS_LOSS_NSGAN);
  run.eval_every = 10;
  run.eval_samples = 200;
  run.grid_size = 16;
  run.start_paused = TRUE;
  window = ms_window_new_for_run (NULL, settings, &run);
  ms_session_settings_clear (&run);
  g_object_ref_sink (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 820);
  gtk_window_present (GTK_WINDOW (window));

  g_assert_cmpstr (gtk_widget_get_tooltip_text (window->sidebar_button), ==, e->sidebar_tooltip);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (window->play_button), ==, e->play_tooltip);
  g_assert_true (find_group_title (window->control_panel, e->group_title));
  g_assert_false (find_group_title (window->control_panel, "Networks"));

  label = wait_first_event (ms_window_get_session (window));
  g_assert_nonnull (label);
  if (!g_str_has_prefix (label, e->run_prefix))
    g_error ("the first event is “%s”, expected it to start with “%s”", label, e->run_prefix);
  if (g_getenv ("MS_SCREENSHOT_DIR") != NULL)
    {
      static const struct { const char *action, *name; } dialogs[] = {
        { "win.show-help", "help" }, { "win.export", "export" },
      };
      g_autofree char *name = g_strdup_printf ("window-%s", e->lang);

      save_screenshot (GTK_WIDGET (window), name);
      for (guint i = 0; i < G_N_ELEMENTS (dialogs); i++)
        {
          GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

          gtk_widget_activate_action (GTK_WIDGET (window), dialogs[i].action, NULL);
          spin (0.5);
          for (guint j = 0; j < g_list_model_get_n_items (toplevels); j++)
            {
              g_autoptr(GtkWindow) top = g_list_model_get_item (toplevels, j);

              if (top != GTK_WINDOW (window) && gtk_widget_get_visible (GTK_WIDGET (top)))
                {
                  g_free (name);
                  name = g_strdup_printf ("window-%s-%s", e->lang, dialogs[i].name);
                  save_screenshot (GTK_WIDGET (top), name);
                  gtk_window_destroy (top);
                  break;
                }
            }
        }
    }

  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (window);
}

static void
test_locale (gconstpointer data)
{
  const Expected *e = data;

  if (g_test_subprocess ())
    {
      run_in_language (e);
      return;
    }
  g_test_trap_subprocess (NULL, 90 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Without LANGUAGE the same window is in English: the check can tell the languages apart */
static void
test_english (void)
{
  if (g_test_subprocess ())
    {
      g_unsetenv ("LANGUAGE");
      g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("MS_LOCALEDIR"));
      textdomain (GETTEXT_PACKAGE);
      g_assert_cmpstr (_("Start training (Space)"), ==, "Start training (Space)");
      g_assert_cmpstr (_("Networks"), ==, "Networks");
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/locale/en", test_english);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ui/locale/%s", expected[i].lang);

      g_test_add_data_func (path, &expected[i], test_locale);
    }
  return g_test_run ();
}
