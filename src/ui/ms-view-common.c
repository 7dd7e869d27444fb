/* ms-view-common.c: what the dashboard's view widgets share
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The views read the dark/light choice from their own CSS colour rather than from
 * AdwStyleManager: that follows the application's style (and a high-contrast or dark theme)
 * without a property for the window to keep in sync, and works in tests without adw_init().
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ms-view-common.h"
#include "ms-view-renderer.h"

GType
ms_curve_kind_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { MS_CURVE_KL, "MS_CURVE_KL", "kl" },
        { MS_CURVE_IS, "MS_CURVE_IS", "is" },
        { MS_CURVE_LOSS, "MS_CURVE_LOSS", "loss" },
        { MS_CURVE_MODES, "MS_CURVE_MODES", "modes" },
        { 0, NULL, NULL },
      };
      GType t = g_enum_register_static (g_intern_static_string ("MsCurveKind"), values);

      g_once_init_leave (&type_id, t);
    }
  return type_id;
}

static gboolean
widget_is_dark (GtkWidget *widget)
{
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  return 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
}

void
ms_view_style_init (GtkWidget   *widget,
                    gboolean     presenter,
                    MsPlotStyle *style)
{
  ms_plot_style_init (style, widget_is_dark (widget), presenter);
}

void
ms_view_css_changed (GtkWidget         *widget,
                     GtkCssStyleChange *change)
{
  static GQuark dark_quark;
  int dark, before;

  if (G_UNLIKELY (dark_quark == 0))
    dark_quark = g_quark_from_static_string ("ms-view-dark");

  GTK_WIDGET_CLASS (g_type_class_peek (GTK_TYPE_WIDGET))->css_changed (widget, change);

  dark = widget_is_dark (widget) ? 2 : 1;
  before = GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (widget), dark_quark));
  if (dark != before)
    {
      g_object_set_qdata (G_OBJECT (widget), dark_quark, GINT_TO_POINTER (dark));
      ms_view_renderer_invalidate (widget);
    }
}

cairo_t *
ms_view_begin_cairo (GtkWidget   *widget,
                     GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (width <= 0 || height <= 0)
    return NULL;
  return gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

void
ms_view_set_accessible (GtkWidget  *widget,
                        const char *label,
                        const char *description)
{
  if (label != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                    -1);
  if (description != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                    -1);
}

char *
ms_view_missing_names (const MsFrame *frame,
                       guint         *n_missing)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GString *s;

  if (n_missing != NULL)
    *n_missing = 0;
  if (frame == NULL || !frame->has_evaluation)
    return NULL;

  /* A class the real data lacks (a folder of one digit) is not missing */
  for (int c = 0; c < frame->evaluation.k && c < MS_EVAL_MAX_CLASSES; c++)
    if (!frame->evaluation.present[c] && ms_plot_class_in_data (frame, c))
      {
        if (frame->class_names != NULL && c < frame->n_classes && frame->class_names[c] != NULL)
          g_ptr_array_add (names, g_strdup (frame->class_names[c]));
        else
          g_ptr_array_add (names, g_strdup_printf ("%d", c));
      }
  if (n_missing != NULL)
    *n_missing = names->len;
  if (names->len == 0)
    return NULL;

  s = g_string_new (g_ptr_array_index (names, 0));
  for (guint i = 1; i < names->len; i++)
    /* TRANSLATORS: list separators: "3, 7 and 8" */
    g_string_append_printf (s, "%s%s", i + 1 == names->len ? _(" and ") : _(", "),
                            (const char *) g_ptr_array_index (names, i));
  return g_string_free (s, FALSE);
}
