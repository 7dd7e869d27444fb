/* ms-window-export.c: MsWindow's exports, snapshot bundle, filmstrip and session files
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every export copies what it needs on the main thread (an MsSessionHistory: the latest frame
 * is immutable, the curve, events and evaluations are copied; the filmstrip's pixels are
 * shared, immutable GBytes) and writes it in a GTask worker thread, so training and drawing
 * go on.  Files are written to a temporary name and renamed into place, folders are built
 * under a temporary name and renamed: a failure never leaves half a bundle, and keeps what
 * was there.  The dialogs here ask before anything is replaced (the native file chooser asks
 * for files itself).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ms-plot-dashboard.h"
#include "ms-session-export.h"
#include "ms-window-private.h"

#define FILMSTRIP_MAX_FRAMES 500
#define FILMSTRIP_DELAY_CS   20
#define SESSION_SUFFIX       ".msrun"

/* Filmstrip and unsaved state ---------------------------------------------------------- */

void
_ms_window_export_init (MsWindow *self)
{
  self->filmstrip = ms_filmstrip_new (FILMSTRIP_MAX_FRAMES);
  self->saved_iteration = 0;
  self->saved_n_events = 0;
}

void
_ms_window_export_dispose (MsWindow *self)
{
  g_clear_pointer (&self->filmstrip, ms_filmstrip_unref);
  if (self->export_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->export_dialog));
  g_clear_weak_pointer (&self->export_dialog);
}

void
_ms_window_export_frame (MsWindow *self,
                         MsFrame  *frame)
{
  if (self->filmstrip != NULL)
    ms_filmstrip_add_frame (self->filmstrip, frame);
  /* An opened session is saved as it was first shown */
  if (self->saved_iteration < 0 && self->session != NULL)
    {
      self->saved_iteration = frame->iteration;
      self->saved_n_events = ms_session_get_n_events (self->session);
    }
}

guint
ms_window_get_filmstrip_length (MsWindow *self)
{
  g_return_val_if_fail (MS_IS_WINDOW (self), 0);
  return self->filmstrip != NULL ? ms_filmstrip_get_n_frames (self->filmstrip) : 0;
}

gboolean
ms_window_get_unsaved (MsWindow *self)
{
  gint64 iteration;

  g_return_val_if_fail (MS_IS_WINDOW (self), FALSE);

  if (self->session == NULL || self->saved_iteration < 0)
    return FALSE;
  iteration = ms_session_get_iteration (self->session);
  /* A run that has not trained yet is not worth keeping */
  if (iteration == 0)
    return FALSE;
  return iteration != self->saved_iteration
         || ms_session_get_n_events (self->session) != self->saved_n_events;
}

const char *
ms_window_get_session_path (MsWindow *self)
{
  g_return_val_if_fail (MS_IS_WINDOW (self), NULL);
  return self->session_path;
}

char *
ms_window_get_bundle_name (MsWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d %H.%M");
  MsFrame *frame;
  guint run = 1;

  g_return_val_if_fail (MS_IS_WINDOW (self), NULL);

  frame = self->session != NULL ? ms_session_get_frame (self->session) : NULL;
  if (frame != NULL)
    run = MAX (frame->run, 1);   /* the trainer counts runs from 1, as its events say */
  /* Translators: a folder name: "ModeScope 2026-11-23 14.05 run 2" (no slashes) */
  return g_strdup_printf (_("ModeScope %s run %u"), date, run);
}

void
_ms_window_report (MsWindow     *self,
                   const GError *error,
                   const char   *done)
{
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _ms_window_toast (self, error->message);
    }
  else if (done != NULL)
    _ms_window_toast (self, done);
}

/* Worker jobs -------------------------------------------------------------------------- */

typedef enum
{
  JOB_FIGURE,
  JOB_METRICS,
  JOB_BUNDLE,
  JOB_FILMSTRIP,
} JobKind;

typedef struct
{
  JobKind           kind;
  MsSessionHistory *history;
  MsFilmstrip      *filmstrip;
  MsPlotView        view;
  char             *format;
  char             *path;      /* the file, the bundle's folder or the GIF */
  char             *folder;    /* the filmstrip's frames */
  int               width, height;
  gboolean          replace;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->history, ms_session_history_unref);
  g_clear_pointer (&job->filmstrip, ms_filmstrip_unref);
  g_free (job->format);
  g_free (job->path);
  g_free (job->folder);
  g_free (job);
}

static gboolean
write_text (const char  *path,
            const char  *text,
            GError     **error)
{
  g_autoptr(GError) local = NULL;

  if (g_file_set_contents (path, text, -1, &local))
    return TRUE;
  {
    g_autofree char *display = g_filename_display_name (path);

    g_set_error (error, local->domain, local->code, _("Could not save “%s”: %s"), display,
                 local->message);
  }
  return FALSE;
}

static gboolean
write_metrics (MsSessionHistory  *history,
               const char        *format,
               const char        *path,
               GError           **error)
{
  g_autofree char *text = NULL;

  if (g_ascii_strcasecmp (format, "csv") == 0)
    text = ms_session_history_to_csv (history);
  else if (g_ascii_strcasecmp (format, "json") == 0)
    text = ms_session_history_to_json (history);
  else if (g_ascii_strcasecmp (format, "settings") == 0)
    text = ms_session_history_to_settings_text (history);
  else
    text = ms_session_history_to_events_text (history);
  return write_text (path, text, error);
}

/* Removes @dir and the files in it (the folders here hold files only, one level deep) */
static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        remove_tree (p);
      else
        g_remove (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

/* "@what “@path”: the system's reason" */
typedef enum
{
  WHAT_CREATE,
  WHAT_REPLACE,
  WHAT_SAVE,
} What;

static void
set_errno_error (GError     **error,
                 int          saved_errno,
                 What         what,
                 const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *message = NULL;

  switch (what)
    {
    case WHAT_CREATE:
      message = g_strdup_printf (_("Could not create “%s”"), display);
      break;
    case WHAT_REPLACE:
      message = g_strdup_printf (_("Could not replace “%s”"), display);
      break;
    case WHAT_SAVE:
    default:
      message = g_strdup_printf (_("Could not save “%s”"), display);
      break;
    }
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", message,
               g_strerror (saved_errno));
}

/* A temporary folder beside @folder, to be renamed to it once complete */
static char *
make_temp_folder (const char  *folder,
                  GError     **error)
{
  g_autofree char *parent = g_path_get_dirname (folder);
  g_autofree char *base = g_path_get_basename (folder);
  g_autofree char *name = g_strdup_printf (".%s.part-XXXXXX", base);
  char *tmp = g_build_filename (parent, name, NULL);

  if (g_mkdtemp (tmp) == NULL)
    {
      set_errno_error (error, errno, WHAT_CREATE, folder);
      g_free (tmp);
      return NULL;
    }
  return tmp;
}

/* Renames the complete @tmp to @folder; an existing @folder is replaced only with @replace,
 * and is restored if the rename fails */
static gboolean
move_into_place (const char  *tmp,
                 const char  *folder,
                 gboolean     replace,
                 GError     **error)
{
  g_autofree char *old = NULL;

  if (g_file_test (folder, G_FILE_TEST_EXISTS))
    {
      g_autofree char *display = g_filename_display_name (folder);

      if (!replace)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       _("Could not save “%s”: it already exists"), display);
          return FALSE;
        }
      old = g_strconcat (tmp, ".old", NULL);
      if (g_rename (folder, old) != 0)
        {
          set_errno_error (error, errno, WHAT_REPLACE, folder);
          return FALSE;
        }
    }
  if (g_rename (tmp, folder) != 0)
    {
      int saved_errno = errno;

      if (old != NULL)
        g_rename (old, folder);
      set_errno_error (error, saved_errno, WHAT_SAVE, folder);
      return FALSE;
    }
  if (old != NULL)
    remove_tree (old);
  return TRUE;
}

/* An error about a file in the temporary folder @tmp names it where the user will look for
 * it: in @folder */
static void
rename_in_error (GError     *error,
                 const char *tmp,
                 const char *folder)
{
  g_autofree char *tmp_display = NULL;
  g_autofree char *folder_display = NULL;
  GString *message;

  if (error == NULL)
    return;
  tmp_display = g_filename_display_name (tmp);
  folder_display = g_filename_display_name (folder);
  message = g_string_new (error->message);
  g_string_replace (message, tmp_display, folder_display, 0);
  g_free (error->message);
  error->message = g_string_free (message, FALSE);
}

static gboolean
write_bundle (Job     *job,
              GError **error)
{
  g_autofree char *tmp = make_temp_folder (job->path, error);
  g_autoptr(MsPlotDashboard) dashboard = NULL;
  gboolean is_2d;
  static const char * const formats[] = { "png", "svg", "pdf" };
  static const struct { const char *name, *format; } texts[] = {
    { "metrics.csv", "csv" }, { "metrics.json", "json" },
    { "settings.txt", "settings" }, { "events.txt", "events" },
  };

  if (tmp == NULL)
    return FALSE;
  dashboard = ms_plot_dashboard_new (job->history, FALSE);
  is_2d = ms_session_history_get_frame (job->history)->is_2d;
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strconcat ("dashboard.", formats[i], NULL);
      g_autofree char *path = g_build_filename (tmp, name, NULL);

      if (!ms_plot_dashboard_write (dashboard, MS_PLOT_VIEW_DASHBOARD, path, formats[i],
                                    1920, 1080, error))
        goto fail;
    }
  for (int v = MS_PLOT_VIEW_DASHBOARD + 1; v < MS_PLOT_N_VIEWS; v++)
    {
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;

      if (!ms_plot_view_applies (v, is_2d))
        continue;
      name = g_strconcat (ms_plot_view_to_string (v), ".png", NULL);
      path = g_build_filename (tmp, name, NULL);
      if (!ms_plot_dashboard_write (dashboard, v, path, "png", 1200, 800, error))
        goto fail;
    }
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *path = g_build_filename (tmp, texts[i].name, NULL);

      if (!write_metrics (job->history, texts[i].format, path, error))
        goto fail;
    }
  if (!move_into_place (tmp, job->path, job->replace, error))
    goto fail;
  return TRUE;

fail:
  if (error != NULL)
    rename_in_error (*error, tmp, job->path);
  remove_tree (tmp);
  return FALSE;
}

static gboolean
write_filmstrip (Job     *job,
                 GError **error)
{
  g_autofree char *tmp = NULL;

  if (ms_filmstrip_get_n_frames (job->filmstrip) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The filmstrip is empty: it records the samples at every "
                             "evaluation of an image dataset"));
      return FALSE;
    }
  if (job->folder != NULL)
    {
      tmp = make_temp_folder (job->folder, error);
      if (tmp == NULL)
        return FALSE;
      if (!ms_filmstrip_write_pngs (job->filmstrip, tmp, error))
        {
          if (error != NULL)
            rename_in_error (*error, tmp, job->folder);
          remove_tree (tmp);
          return FALSE;
        }
    }
  if (!ms_filmstrip_write_gif (job->filmstrip, job->path, FILMSTRIP_DELAY_CS, error))
    {
      if (tmp != NULL)
        remove_tree (tmp);
      return FALSE;
    }
  if (tmp != NULL && !move_into_place (tmp, job->folder, TRUE, error))
    {
      remove_tree (tmp);
      return FALSE;
    }
  return TRUE;
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (g_task_return_error_if_cancelled (task))
    return;
  switch (job->kind)
    {
    case JOB_FIGURE:
      {
        g_autoptr(MsPlotDashboard) dashboard = ms_plot_dashboard_new (job->history, FALSE);

        ok = ms_plot_dashboard_write (dashboard, job->view, job->path, job->format, job->width,
                                      job->height, &error);
      }
      break;
    case JOB_METRICS:
      ok = write_metrics (job->history, job->format, job->path, &error);
      break;
    case JOB_BUNDLE:
      ok = write_bundle (job, &error);
      break;
    case JOB_FILMSTRIP:
      ok = write_filmstrip (job, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/* Starts @job in a worker, or fails at once when there is nothing to export */
static void
run_job (MsWindow            *self,
         Job                 *job,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, run_job);
  if (job->kind != JOB_FILMSTRIP && self->session != NULL)
    job->history = ms_session_history_new (self->session);
  if (job->kind == JOB_FILMSTRIP && self->filmstrip != NULL)
    job->filmstrip = ms_filmstrip_copy (self->filmstrip);
  if (job->history == NULL && job->filmstrip == NULL)
    {
      job_free (job);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                               _("Nothing to export yet: wait for the first update"));
      return;
    }
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, job_thread);
}

void
ms_window_export (MsWindow            *self,
                  const char          *view,
                  const char          *format,
                  const char          *path,
                  int                  width,
                  int                  height,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  Job *job;

  g_return_if_fail (MS_IS_WINDOW (self));
  g_return_if_fail (format != NULL);
  g_return_if_fail (path != NULL);

  job = g_new0 (Job, 1);
  job->format = g_ascii_strdown (format, -1);
  job->path = g_strdup (path);
  job->width = width;
  job->height = height;
  if (g_str_equal (job->format, "csv") || g_str_equal (job->format, "json"))
    job->kind = JOB_METRICS;
  else
    {
      job->kind = JOB_FIGURE;
      if (!ms_plot_view_from_string (view, &job->view))
        {
          g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

          g_task_set_source_tag (task, run_job);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   _("Unknown view “%s”"), view != NULL ? view : "");
          job_free (job);
          return;
        }
    }
  run_job (self, job, cancellable, callback, user_data);
}

void
ms_window_export_bundle (MsWindow            *self,
                         const char          *folder,
                         gboolean             replace,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  Job *job;

  g_return_if_fail (MS_IS_WINDOW (self));
  g_return_if_fail (folder != NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_BUNDLE;
  job->path = g_strdup (folder);
  job->replace = replace;
  run_job (self, job, cancellable, callback, user_data);
}

void
ms_window_export_filmstrip (MsWindow            *self,
                            const char          *gif_path,
                            const char          *frames_folder,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Job *job;

  g_return_if_fail (MS_IS_WINDOW (self));
  g_return_if_fail (gif_path != NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_FILMSTRIP;
  job->path = g_strdup (gif_path);
  job->folder = g_strdup (frames_folder);
  run_job (self, job, cancellable, callback, user_data);
}

gboolean
ms_window_export_finish (MsWindow      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (MS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == run_job, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Session files ------------------------------------------------------------------------ */

typedef struct
{
  char   *path;
  gint64  iteration;
  guint   n_events;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->path);
  g_free (data);
}

static void
session_saved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MsWindow *self = g_task_get_source_object (task);
  SaveData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!ms_session_save_file_finish (MS_SESSION (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* Still this window's session: Save writes there from now on */
  if (self->session == MS_SESSION (object))
    {
      g_free (self->session_path);
      self->session_path = g_strdup (data->path);
      self->saved_iteration = data->iteration;
      self->saved_n_events = data->n_events;
    }
  g_task_return_boolean (task, TRUE);
}

void
ms_window_save_session (MsWindow            *self,
                        const char          *path,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  SaveData *data;

  g_return_if_fail (MS_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ms_window_save_session);
  if (self->session == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s",
                               _("There is no session to save"));
      g_object_unref (task);
      return;
    }
  data = g_new0 (SaveData, 1);
  data->path = g_strdup (path);
  /* What the file will hold, if nothing happens meanwhile (a paused run) */
  data->iteration = ms_session_get_iteration (self->session);
  data->n_events = ms_session_get_n_events (self->session);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);
  ms_session_save_file_async (self->session, path, cancellable, session_saved_cb, task);
}

gboolean
ms_window_save_session_finish (MsWindow      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (MS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
ms_window_open_session (MsWindow    *self,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(MsSession) session = NULL;

  g_return_val_if_fail (MS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  session = ms_session_new_from_file (path, error);
  if (session == NULL)
    return FALSE;
  _ms_window_set_session (self, session, TRUE);
  g_free (self->session_path);
  self->session_path = g_strdup (path);
  self->saved_iteration = -1;   /* the state it shows first */
  self->saved_n_events = 0;
  return TRUE;
}

/* Dialogs ------------------------------------------------------------------------------ */

typedef void (*ConfirmFunc) (MsWindow *self,
                             gpointer  data);

typedef struct
{
  MsWindow       *self;
  ConfirmFunc     func;
  gpointer        data;
  GDestroyNotify  destroy;
} Confirm;

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     Confirm          *c)
{
  if (g_str_equal (response, "confirm"))
    c->func (c->self, c->data);
  if (c->destroy != NULL)
    c->destroy (c->data);
  g_object_unref (c->self);
  g_free (c);
}

/* Asks @heading / @body with Cancel and @action (destructive); @func runs on @action */
static void
confirm (MsWindow       *self,
         const char     *heading,
         const char     *body,
         const char     *action,
         ConfirmFunc     func,
         gpointer        data,
         GDestroyNotify  destroy)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  Confirm *c = g_new0 (Confirm, 1);

  c->self = g_object_ref (self);
  c->func = func;
  c->data = data;
  c->destroy = destroy;
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "confirm", action,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb), c);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef void (*ChosenFunc) (MsWindow *self,
                            GFile    *file);

typedef struct
{
  MsWindow   *self;
  ChosenFunc  func;
} Chooser;

static void
chooser_response_cb (GtkNativeDialog *native,
                     int              response,
                     Chooser         *c)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      if (file != NULL && g_file_peek_path (file) != NULL)
        c->func (c->self, file);
      else if (file != NULL)
        _ms_window_toast (c->self, _("Choose a local file"));
    }
  g_object_unref (c->self);
  g_free (c);
  g_object_unref (native);
}

/* A native file chooser (GTK 4.8: no GtkFileDialog); in GTK 4 a save chooser always asks
 * before replacing a file */
static void
choose (MsWindow             *self,
        GtkFileChooserAction  action,
        const char           *title,
        const char           *accept,
        const char           *current_name,
        const char           *filter_name,
        const char           *filter_pattern,
        ChosenFunc            func)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action,
                                                              accept, _("_Cancel"));
  Chooser *c = g_new0 (Chooser, 1);

  c->self = g_object_ref (self);
  c->func = func;
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  if (current_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), current_name);
  if (self->session_path != NULL && action != GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER)
    {
      g_autoptr(GFile) file = g_file_new_for_path (self->session_path);
      g_autoptr(GFile) parent = g_file_get_parent (file);

      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), parent, NULL);
    }
  if (filter_pattern != NULL)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();
      GtkFileFilter *all = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, filter_name);
      gtk_file_filter_add_pattern (filter, filter_pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
      gtk_file_filter_set_name (all, _("All Files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
      g_object_unref (filter);
      g_object_unref (all);
    }
  g_signal_connect (native, "response", G_CALLBACK (chooser_response_cb), c);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* Open */

static void
open_now (MsWindow *self,
          gpointer  data)
{
  const char *path = data;
  g_autoptr(GError) error = NULL;

  if (!ms_window_open_session (self, path, &error))
    {
      _ms_window_report (self, error, NULL);
      return;
    }
  {
    g_autofree char *base = g_filename_display_basename (path);
    /* Translators: %s is a file name */
    g_autofree char *text = g_strdup_printf (_("Opened “%s”: press Play to continue"), base);

    _ms_window_toast (self, text);
  }
}

void
_ms_window_open_session_path (MsWindow   *self,
                              const char *path)
{
  if (ms_window_get_unsaved (self))
    confirm (self, _("Discard the Current Run?"),
             _("The run in this window has not been saved. Opening another session ends it."),
             _("_Discard and Open"), open_now, g_strdup (path), g_free);
  else
    open_now (self, (gpointer) path);
}

static void
open_chosen (MsWindow *self,
             GFile    *file)
{
  _ms_window_open_session_path (self, g_file_peek_path (file));
}

void
_ms_window_open_session_dialog (MsWindow *self)
{
  choose (self, GTK_FILE_CHOOSER_ACTION_OPEN, _("Open Session"), _("_Open"), NULL,
          _("ModeScope Sessions"), "*" SESSION_SUFFIX, open_chosen);
}

/* Save */

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  MsWindow *self = MS_WINDOW (object);
  g_autoptr(GError) error = NULL;

  if (!ms_window_save_session_finish (self, result, &error))
    _ms_window_report (self, error, NULL);
  else
    {
      g_autofree char *base = g_filename_display_basename (self->session_path);
      /* Translators: %s is a file name */
      g_autofree char *text = g_strdup_printf (_("Session saved as “%s”"), base);

      _ms_window_toast (self, text);
    }
}

static void
save_chosen (MsWindow *self,
             GFile    *file)
{
  const char *path = g_file_peek_path (file);
  g_autofree char *with_suffix = NULL;

  if (!g_str_has_suffix (path, SESSION_SUFFIX))
    path = with_suffix = g_strconcat (path, SESSION_SUFFIX, NULL);
  ms_window_save_session (self, path, NULL, saved_cb, NULL);
}

void
_ms_window_save_session_dialog (MsWindow *self,
                                gboolean  save_as)
{
  g_autofree char *bundle = NULL;
  g_autofree char *name = NULL;

  if (!save_as && self->session_path != NULL)
    {
      ms_window_save_session (self, self->session_path, NULL, saved_cb, NULL);
      return;
    }
  bundle = ms_window_get_bundle_name (self);
  name = g_strconcat (bundle, SESSION_SUFFIX, NULL);
  choose (self, GTK_FILE_CHOOSER_ACTION_SAVE, _("Save Session"), _("_Save"), name,
          _("ModeScope Sessions"), "*" SESSION_SUFFIX, save_chosen);
}

/* Bundle */

static void
exported_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  MsWindow *self = MS_WINDOW (object);
  g_autofree char *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!ms_window_export_finish (self, result, &error))
    _ms_window_report (self, error, NULL);
  else
    _ms_window_toast (self, done);
}

static void
bundle_now (MsWindow *self,
            gpointer  data)
{
  const char *folder = data;
  g_autofree char *base = g_filename_display_basename (folder);

  ms_window_export_bundle (self, folder, TRUE, NULL, exported_cb,
                           /* Translators: %s is a folder name */
                           g_strdup_printf (_("Bundle saved in “%s”"), base));
}

void
_ms_window_export_bundle_in (MsWindow   *self,
                             const char *parent)
{
  g_autofree char *name = ms_window_get_bundle_name (self);
  g_autofree char *folder = g_build_filename (parent, name, NULL);

  if (g_file_test (folder, G_FILE_TEST_EXISTS))
    {
      g_autofree char *body = g_strdup_printf (_("“%s” already exists. Replacing it "
                                                 "removes the files in it."), name);

      confirm (self, _("Replace the Folder?"), body, _("_Replace"), bundle_now,
               g_steal_pointer (&folder), g_free);
    }
  else
    bundle_now (self, folder);
}

static void
bundle_chosen (MsWindow *self,
               GFile    *parent)
{
  _ms_window_export_bundle_in (self, g_file_peek_path (parent));
}

void
_ms_window_export_bundle_dialog (MsWindow *self)
{
  choose (self, GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
          _("Choose Where to Save the Bundle"), _("_Save Here"), NULL, NULL, NULL,
          bundle_chosen);
}

/* Filmstrip */

static char *
frames_folder_for (const char *gif_path)
{
  g_autofree char *stem = g_strdup (gif_path);

  if (g_str_has_suffix (stem, ".gif") || g_str_has_suffix (stem, ".GIF"))
    stem[strlen (stem) - 4] = '\0';
  /* Translators: the folder of the filmstrip's PNG frames beside "filmstrip.gif" */
  return g_strdup_printf (_("%s frames"), stem);
}

static void
filmstrip_now (MsWindow *self,
               gpointer  data)
{
  const char *gif = data;
  g_autofree char *folder = frames_folder_for (gif);
  g_autofree char *base = g_filename_display_basename (gif);

  ms_window_export_filmstrip (self, gif, folder, NULL, exported_cb,
                              /* Translators: %s is a file name */
                              g_strdup_printf (_("Filmstrip saved as “%s” with its frames"),
                                               base));
}

static void
filmstrip_chosen (MsWindow *self,
                  GFile    *file)
{
  g_autofree char *gif = g_strdup (g_file_peek_path (file));
  g_autofree char *folder = NULL;

  if (!g_str_has_suffix (gif, ".gif") && !g_str_has_suffix (gif, ".GIF"))
    {
      char *with = g_strconcat (gif, ".gif", NULL);

      g_free (gif);
      gif = with;
    }
  folder = frames_folder_for (gif);
  if (g_file_test (folder, G_FILE_TEST_EXISTS))
    {
      g_autofree char *base = g_filename_display_basename (folder);
      g_autofree char *body = g_strdup_printf (_("The frames go into “%s”, which already "
                                                 "exists. Replacing it removes the files in "
                                                 "it."), base);

      confirm (self, _("Replace the Folder?"), body, _("_Replace"), filmstrip_now,
               g_steal_pointer (&gif), g_free);
    }
  else
    filmstrip_now (self, gif);
}

void
_ms_window_export_filmstrip_dialog (MsWindow *self)
{
  if (ms_window_get_filmstrip_length (self) == 0)
    {
      _ms_window_toast (self, _("The filmstrip is empty: it records the samples at every "
                                "evaluation of an image dataset"));
      return;
    }
  choose (self, GTK_FILE_CHOOSER_ACTION_SAVE, _("Export Filmstrip"), _("_Export"),
          _("filmstrip.gif"), _("GIF Images"), "*.gif", filmstrip_chosen);
}
