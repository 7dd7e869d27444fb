/* ms-plot-write.c: a painter into a PNG, SVG or PDF file
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The figure is rendered into memory first and written with g_file_set_contents(), which
 * writes a temporary file in the same folder and renames it over the target: a failed
 * export never leaves half a file, nor destroys the previous one.
 */
#include "config.h"

#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "ms-plot-private.h"

static cairo_status_t
append_bytes (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
paint (cairo_surface_t   *surface,
       double             width,
       double             height,
       MsPlotPainterFunc  func,
       gpointer           data)
{
  cairo_t *cr = cairo_create (surface);

  func (cr, width, height, data);
  cairo_destroy (cr);
}

gboolean
ms_plot_write (const char         *path,
               const char         *format,
               double              width,
               double              height,
               MsPlotPainterFunc   func,
               gpointer            data,
               GError            **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  cairo_surface_t *surface = NULL;
  cairo_status_t status;
  g_autoptr(GError) local = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (format != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  if (!(width >= 1 && height >= 1 && width <= 16384 && height <= 16384))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Could not export “%s”: the size %.0f × %.0f is not between 1 and 16384"),
                   display, width, height);
      return FALSE;
    }

  bytes = g_byte_array_new ();
  if (g_ascii_strcasecmp (format, "png") == 0)
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) (width + 0.5),
                                            (int) (height + 0.5));
      if (cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS)
        {
          paint (surface, width, height, func, data);
          cairo_surface_flush (surface);
          status = cairo_surface_write_to_png_stream (surface, append_bytes, bytes);
        }
      else
        status = cairo_surface_status (surface);
    }
  else if (g_ascii_strcasecmp (format, "svg") == 0 || g_ascii_strcasecmp (format, "pdf") == 0)
    {
      if (g_ascii_strcasecmp (format, "svg") == 0)
        surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height);
      else
        surface = cairo_pdf_surface_create_for_stream (append_bytes, bytes, width, height);
      if (cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS)
        paint (surface, width, height, func, data);
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Could not export “%s”: unknown format “%s” (use png, svg or pdf)"),
                   display, format);
      return FALSE;
    }
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not draw “%s”: %s"), display, cairo_status_to_string (status));
      return FALSE;
    }

  if (!g_file_set_contents (path, (const char *) bytes->data, bytes->len, &local))
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *dir_display = g_filename_display_name (dir);

      g_set_error (error, local->domain, local->code,
                   _("Could not save “%s”: %s. Choose a folder you can write to, such as "
                     "your Pictures folder, and check there is free space (folder: %s)."),
                   display, local->message, dir_display);
      return FALSE;
    }
  return TRUE;
}
