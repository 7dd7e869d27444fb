/* ms-export-dialog.h: what to export (a view or the whole dashboard), format and size
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A modal window over an MsWindow: the view (only those the run's data has), PNG / SVG / PDF,
 * and a size independent of the window's (slide 1920 x 1080, poster 4000 x 3000, or custom;
 * pixels for PNG, points for SVG and PDF); or the metrics as CSV or JSON (modescope-cli's
 * format).  Export… asks for the file with a native chooser
 * (which asks before replacing one), closes, and exports with ms_window_export(): the window
 * shows the result as a toast.  Main thread only.
 */
#pragma once

#include <adwaita.h>

#include "ms-plot-dashboard.h"
#include "ms-window.h"

G_BEGIN_DECLS

#define MS_TYPE_EXPORT_DIALOG (ms_export_dialog_get_type ())

G_DECLARE_FINAL_TYPE (MsExportDialog, ms_export_dialog, MS, EXPORT_DIALOG, AdwWindow)

typedef enum
{
  MS_EXPORT_SIZE_SLIDE,    /* 1920 x 1080 */
  MS_EXPORT_SIZE_POSTER,   /* 4000 x 3000 */
  MS_EXPORT_SIZE_CUSTOM,
} MsExportSize;

/* (transfer none: a toplevel) Transient for and exporting from @window */
MsExportDialog *ms_export_dialog_new        (MsWindow        *window);
/* The current choice: view, "png" / "svg" / "pdf" / "csv" / "json" and size */
void            ms_export_dialog_get_choice (MsExportDialog  *self,
                                             MsPlotView      *view,
                                             const char     **format,
                                             int             *width,
                                             int             *height);
/* Sets the choice (tests, and the window remembering the last one); FALSE if @view is not
 * offered for this run's data.  @width and @height count with MS_EXPORT_SIZE_CUSTOM only. */
gboolean        ms_export_dialog_set_choice (MsExportDialog  *self,
                                             MsPlotView       view,
                                             const char      *format,
                                             MsExportSize     size,
                                             int              width,
                                             int              height);
/* (transfer full) The file name the chooser proposes, e.g. "ModeScope dashboard.png" */
char           *ms_export_dialog_suggest_name (MsExportDialog *self);

G_END_DECLS
