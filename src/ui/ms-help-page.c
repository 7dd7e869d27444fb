/* ms-help-page.c: "What is mode collapse?", a short page for students
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ms-help-page.h"

struct _MsHelpPage
{
  AdwWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (MsHelpPage, ms_help_page, ADW_TYPE_WINDOW)

GtkWidget *
ms_help_page_new (GtkWindow *parent)
{
  return g_object_new (MS_TYPE_HELP_PAGE, "transient-for", parent, NULL);
}

static void
ms_help_page_class_init (MsHelpPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/modescope/ModeScope/ui/ms-help-page.ui");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ms_help_page_init (MsHelpPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
