/* test-ui-files.c: every ui/ file parses with GtkBuilder, as `gtk4-builder-tool validate` does,
 * with libadwaita and ModeScope's own widget types known
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why not gtk4-builder-tool itself: in GTK 4.8 it knows only GTK's types, so every file that
 * uses a libadwaita widget or one of ours fails with "Invalid object type" or "Failed to lookup
 * template parent type AdwWindow".  This test does what the tool's `validate` does (a fake type
 * with the template's class name, derived from the template's parent, then the file parsed as
 * that template) in a process that links libadwaita and registers our widget types, so unknown
 * properties, wrong enum values, unknown object types and malformed XML still fail.
 *
 * Each file is validated in a subprocess: the fake template type must take the class's name
 * (GtkBuilder checks it), so the real type of that one class must not be registered there, while
 * the other classes (children in the file) must be.  Signal handlers are static functions in
 * src/ui/, which no scope can look up from here, so they get a closure that does nothing.
 * The files are found in the source tree at run time: a new ui/ file is validated without
 * touching this test, but a new widget type used in a .ui file must be added to widget_types.
 */
#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "ms-application.h"
#include "ms-class-histogram.h"
#include "ms-collapse-indicator.h"
#include "ms-control-panel.h"
#include "ms-curve-chart.h"
#include "ms-draw-distribution.h"
#include "ms-export-dialog.h"
#include "ms-help-page.h"
#include "ms-sample-grid.h"
#include "ms-scatter-view.h"
#include "ms-snapshot-list.h"
#include "ms-status-line.h"
#include "ms-window.h"

static const struct {
  const char *name;
  GType (*get_type) (void);
} widget_types[] = {
  { "MsClassHistogram", ms_class_histogram_get_type },
  { "MsCollapseIndicator", ms_collapse_indicator_get_type },
  { "MsControlPanel", ms_control_panel_get_type },
  { "MsCurveChart", ms_curve_chart_get_type },
  { "MsDrawDistribution", ms_draw_distribution_get_type },
  { "MsExportDialog", ms_export_dialog_get_type },
  { "MsHelpPage", ms_help_page_get_type },
  { "MsSampleGrid", ms_sample_grid_get_type },
  { "MsScatterView", ms_scatter_view_get_type },
  { "MsSnapshotList", ms_snapshot_list_get_type },
  { "MsStatusLine", ms_status_line_get_type },
  { "MsWindow", ms_window_get_type },
};

/* A builder scope that resolves types like GtkBuilderCScope, and gives every signal handler
 * a closure that does nothing */
#define VALIDATE_TYPE_SCOPE (validate_scope_get_type ())
G_DECLARE_FINAL_TYPE (ValidateScope, validate_scope, VALIDATE, SCOPE, GtkBuilderCScope)

struct _ValidateScope
{
  GtkBuilderCScope parent_instance;
};

static void validate_scope_iface_init (GtkBuilderScopeInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ValidateScope, validate_scope, GTK_TYPE_BUILDER_CSCOPE,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDER_SCOPE,
                                                      validate_scope_iface_init))

static void
noop_marshal (GClosure     *closure,
              GValue       *return_value,
              guint         n_param_values,
              const GValue *param_values,
              gpointer      invocation_hint,
              gpointer      marshal_data)
{
  /* the return value, if any, stays at its zero default */
}

static GClosure *
validate_scope_create_closure (GtkBuilderScope        *scope,
                               GtkBuilder             *builder,
                               const char             *function_name,
                               GtkBuilderClosureFlags  flags,
                               GObject                *object,
                               GError                **error)
{
  GClosure *closure = g_closure_new_simple (sizeof (GClosure), NULL);

  g_closure_set_marshal (closure, noop_marshal);
  return closure;
}

static void
validate_scope_iface_init (GtkBuilderScopeInterface *iface)
{
  GtkBuilderScopeInterface *parent = g_type_interface_peek_parent (iface);

  iface->get_type_from_name = parent->get_type_from_name;
  iface->get_type_from_function = parent->get_type_from_function;
  iface->create_closure = validate_scope_create_closure;
}

static void
validate_scope_class_init (ValidateScopeClass *klass)
{
}

static void
validate_scope_init (ValidateScope *self)
{
}

/* The class and parent of the file's <template>, if it has one */
static gboolean
find_template (const char  *contents,
               char       **class_name,
               char       **parent_name)
{
  g_autoptr(GRegex) regex = g_regex_new ("<template\\s+class=\"([^\"]+)\"\\s+parent=\"([^\"]+)\"",
                                         0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  if (!g_regex_match (regex, contents, 0, &match))
    return FALSE;
  *class_name = g_match_info_fetch (match, 1);
  *parent_name = g_match_info_fetch (match, 2);
  return TRUE;
}

static void
fake_class_init (gpointer klass,
                 gpointer class_data)
{
}

static void
fake_instance_init (GTypeInstance *instance,
                    gpointer       klass)
{
}

/* gtk4-builder-tool's make_fake_type: an empty subclass of the template's parent */
static GType
make_fake_type (const char *class_name,
                GType       parent_type)
{
  GTypeQuery query;

  g_type_query (parent_type, &query);
  return g_type_register_static_simple (parent_type, class_name,
                                        query.class_size, fake_class_init,
                                        query.instance_size, fake_instance_init, 0);
}

/* Parses @contents (from @filename) as gtk4-builder-tool validate would.  Registers the fake
 * template type, so call it at most once per template class and process. */
static gboolean
validate_ui (const char  *contents,
             gssize       length,
             GError     **error)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new ();
  g_autoptr(GtkBuilderScope) scope = g_object_new (VALIDATE_TYPE_SCOPE, NULL);
  g_autofree char *class_name = NULL;
  g_autofree char *parent_name = NULL;
  GObject *object = NULL;
  GSList *objects;
  gboolean ok;

  gtk_builder_set_scope (builder, scope);
  if (find_template (contents, &class_name, &parent_name))
    {
      GType parent_type = gtk_builder_get_type_from_name (builder, parent_name);
      GType template_type;

      if (parent_type == G_TYPE_INVALID)
        {
          g_set_error (error, GTK_BUILDER_ERROR, GTK_BUILDER_ERROR_INVALID_VALUE,
                       "Unknown template parent type %s", parent_name);
          return FALSE;
        }
      g_assert_cmpint (g_type_from_name (class_name), ==, G_TYPE_INVALID);
      template_type = make_fake_type (class_name, parent_type);
      object = g_object_ref_sink (g_object_new (template_type, NULL));
      ok = gtk_builder_extend_with_template (builder, object, template_type, " ", 1, error)
           && gtk_builder_add_from_string (builder, contents, length, error);
    }
  else
    {
      ok = gtk_builder_add_from_string (builder, contents, length, error);
    }

  /* Destroy every window the file made, so that the process ends with nothing on screen */
  objects = gtk_builder_get_objects (builder);
  for (GSList *l = objects; l != NULL; l = l->next)
    if (GTK_IS_WINDOW (l->data) && l->data != object)
      gtk_window_destroy (l->data);
  g_slist_free (objects);
  if (object != NULL && GTK_IS_WINDOW (object))
    gtk_window_destroy (GTK_WINDOW (object));
  else if (object != NULL && GTK_IS_WIDGET (object))
    {
      /* the fake type has no dispose that removes its template's children */
      GtkWidget *child;

      while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
        gtk_widget_unparent (child);
    }
  g_clear_object (&object);
  return ok;
}

static void
test_ui_file (gconstpointer data)
{
  const char *path = data;

  if (g_test_subprocess ())
    {
      g_autofree char *contents = NULL;
      g_autofree char *class_name = NULL;
      g_autofree char *parent_name = NULL;
      g_autoptr(GError) error = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &contents, &length, &error));
      g_assert_no_error (error);
      if (!find_template (contents, &class_name, &parent_name))
        class_name = g_strdup ("");
      for (guint i = 0; i < G_N_ELEMENTS (widget_types); i++)
        if (!g_str_equal (widget_types[i].name, class_name))
          g_type_ensure (widget_types[i].get_type ());

      if (!validate_ui (contents, length, &error))
        g_error ("%s: %s", path, error->message);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The check itself can fail: an unknown property, an unknown type, a template on an unknown
 * parent and a value that does not parse (only a warning in GtkBuilder, fatal in tests) */
static const char *const broken_ui[] = {
  "<interface><template class=\"MsBroken\" parent=\"AdwWindow\">"
  "<property name=\"no-such-property\">1</property></template></interface>",
  "<interface><template class=\"MsBroken\" parent=\"GtkWidget\">"
  "<child><object class=\"MsNoSuchWidget\"/></child></template></interface>",
  "<interface><template class=\"MsBroken\" parent=\"MsNoSuchParent\"/></interface>",
  "<interface><object class=\"AdwActionRow\"><property name=\"title\">x</property>"
  "<property name=\"activatable\">maybe</property></object></interface>",
  "<interface><object class=\"GtkLabel\"><property name=\"label\">x</property></interface>",
};

/* and a correct file with libadwaita widgets and a handler this program does not have passes */
static const char fine_ui[] =
  "<interface><template class=\"MsFine\" parent=\"AdwWindow\">"
  "<property name=\"title\" translatable=\"yes\">Fine</property>"
  "<property name=\"content\"><object class=\"AdwPreferencesPage\"><child>"
  "<object class=\"AdwPreferencesGroup\"><child><object class=\"AdwActionRow\">"
  "<property name=\"activatable\">yes</property>"
  "<signal name=\"activated\" handler=\"not_in_this_program_cb\"/>"
  "</object></child></object></child></object></property></template></interface>";

static void
test_broken (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      if (!validate_ui (broken_ui[i], -1, &error))
        g_error ("broken %u: %s", i, error->message);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
}

static void
test_fine (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (validate_ui (fine_ui, -1, &error));
  g_assert_no_error (error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *ui_paths;   /* (element-type filename) the test cases' data */

static void
add_ui_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".ui"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *base = g_path_get_basename (dir);
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *test_path = g_strdup_printf ("/ui-files/%s/%s", base, file);

      char *path = g_build_filename (dir, file, NULL);

      /* the paths live until g_test_run() returns; a test subprocess exits inside it */
      g_ptr_array_add (ui_paths, path);
      g_test_add_data_func (test_path, path, test_ui_file);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *ui_dir = NULL;
  g_autofree char *gtk_dir = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  ui_dir = g_test_build_filename (G_TEST_DIST, "..", "ui", NULL);
  gtk_dir = g_build_filename (ui_dir, "gtk", NULL);
  g_test_add_func ("/ui-files/self-check/fine", test_fine);
  for (guint i = 0; i < G_N_ELEMENTS (broken_ui); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ui-files/self-check/broken-%u", i);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_broken);
    }
  ui_paths = g_ptr_array_new_with_free_func (g_free);
  add_ui_files (ui_dir);
  add_ui_files (gtk_dir);
  status = g_test_run ();
  g_clear_pointer (&ui_paths, g_ptr_array_unref);
  return status;
}
