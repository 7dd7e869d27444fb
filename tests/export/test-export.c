/* test-export.c: figures, metrics, filmstrips and session files written and read back
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No display: a short ring8 session on the default main context (one engine
 * thread, so it repeats), exported through ms-session-export.h and ms-plot-dashboard.h as the
 * window does from its worker thread; filmstrips from hand-made image frames.
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cairo.h>
#include <gif_lib.h>
#include <glib/gstdio.h>

#include "ms-checkpoint.h"
#include "ms-parallel.h"
#include "ms-plot-dashboard.h"
#include "ms-plot-filmstrip.h"
#include "ms-session-export.h"
#include "ms-test-util.h"

#define WAIT_SECONDS 60

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

typedef gboolean (*Predicate) (MsSession *session, gpointer data);

static void
wait_for (MsSession  *session,
          Predicate   predicate,
          gpointer    data,
          const char *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  while (!predicate (session, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static gboolean
paused_at (MsSession *session,
           gpointer   data)
{
  MsFrame *f = ms_session_get_frame (session);

  return f != NULL && f->paused && ms_session_get_paused (session)
         && f->iteration == *(gint64 *) data;
}

static gboolean
has_frame (MsSession *session,
           gpointer   data)
{
  return ms_session_get_frame (session) != NULL;
}

static gboolean
has_snapshot (MsSession *session,
              gpointer   data)
{
  return ms_session_get_snapshot (session, GPOINTER_TO_UINT (data)) != NULL;
}

/* ring8, evaluated every 10 iterations, run to @iters and paused there, with an lr change */
static MsSession *
short_run (gint64 iters)
{
  g_autoptr(GError) error = NULL;
  MsSessionSettings s;
  MsSession *session;

  ms_session_settings_init (&s, "ring8", MS_LOSS_NSGAN);
  s.seed = 3;
  s.eval_every = 10;
  s.eval_samples = 200;
  s.grid_size = 16;
  s.start_paused = TRUE;
  session = ms_session_new (&s, &error);
  ms_session_settings_clear (&s);
  g_assert_no_error (error);
  ms_session_schedule (session, 10, ms_session_command_new_set_lr (TRUE, 1e-3));
  ms_session_schedule (session, iters, ms_session_command_new_pause ());
  ms_session_resume (session);
  wait_for (session, paused_at, &iters, "the pause");
  return session;
}

/* CSV -------------------------------------------------------------------------------- */

/* A CSV field holds @v: "nan", or the number to 9 significant digits */
static void
check_number (const char *field,
              double      v)
{
  double parsed;

  if (isnan (v))
    {
      g_assert_cmpstr (field, ==, "nan");
      return;
    }
  parsed = g_ascii_strtod (field, NULL);
  g_assert_cmpfloat (fabs (parsed - v), <=, 1e-8 * MAX (1.0, fabs (v)));
}

static void
test_csv_matches_history (void)
{
  MsSession *session = short_run (30);
  g_autoptr(MsSessionHistory) history = ms_session_history_new (session);
  g_autofree char *csv = ms_session_history_to_csv (history);
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  guint n = 0;
  const MsSessionEvaluation *evals = ms_session_get_evaluations (session, &n);

  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpstr (lines[0], ==, "iter,loss_d,loss_g,is,is_std,kl,kl_ref,kl_floor,modes,k,hq,"
                                 "diversity,collapse_score,collapse");
  g_assert_cmpuint (g_strv_length (lines), ==, n + 2);   /* header, rows, final "" */
  g_assert_cmpstr (lines[n + 1], ==, "");
  for (guint i = 0; i < n; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i + 1], ",", -1);
      const MsSessionEvaluation *e = &evals[i];

      g_assert_cmpuint (g_strv_length (f), ==, 14);
      g_assert_cmpint (g_ascii_strtoll (f[0], NULL, 10), ==, e->iteration);
      check_number (f[1], e->loss_d);
      check_number (f[2], e->loss_g);
      /* 2-D data: no Inception Score nor diversity, an HQ share */
      g_assert_cmpstr (f[3], ==, "");
      g_assert_cmpstr (f[4], ==, "");
      check_number (f[5], e->evaluation.kl_uniform);
      check_number (f[6], e->evaluation.kl_reference);
      g_assert_cmpint (atoi (f[8]), ==, e->evaluation.modes_covered);
      g_assert_cmpint (atoi (f[9]), ==, 8);
      check_number (f[10], e->evaluation.hq_fraction);
      g_assert_cmpstr (f[11], ==, "");
      g_assert_cmpstr (f[13], ==, ms_collapse_state_to_string (e->collapse_state));
    }
  /* the same bytes as the CLI's writer */
  {
    g_autofree char *direct = ms_metrics_format_csv (evals, n);

    g_assert_cmpstr (direct, ==, csv);
  }
  ms_session_history_unref (g_steal_pointer (&history));
  g_assert_finalize_object (session);
}

/* JSON and text ---------------------------------------------------------------------- */

static void
test_json_structure (void)
{
  MsSession *session = short_run (20);
  g_autoptr(MsSessionHistory) history = ms_session_history_new (session);
  g_autofree char *json = ms_session_history_to_json (history);
  g_autofree char *settings = ms_session_history_to_settings_text (history);
  g_autofree char *events = ms_session_history_to_events_text (history);
  int depth = 0;
  gboolean in_string = FALSE;

  g_assert_true (g_str_has_prefix (json, "{\n  \"settings\": {\"dataset\": \"ring8\""));
  g_assert_true (g_str_has_suffix (json, "}\n}\n"));
  g_assert_nonnull (strstr (json, "\"evaluations\": [\n    {\"iter\": 10, "));
  g_assert_nonnull (strstr (json, "{\"iter\": 20, "));
  g_assert_nonnull (strstr (json, "\"events\": ["));
  g_assert_nonnull (strstr (json, "\"final\": {\"status\": \"paused\", \"iter\": 20"));
  g_assert_nonnull (strstr (json, "\"seconds\": null"));
  g_assert_nonnull (strstr (json, "\"is\": null"));
  g_assert_null (strstr (json, "nan"));
  /* balanced brackets outside strings */
  for (const char *p = json; *p != '\0'; p++)
    {
      if (*p == '\\' && in_string)
        {
          p++;
          continue;
        }
      if (*p == '"')
        in_string = !in_string;
      else if (!in_string && (*p == '{' || *p == '['))
        depth++;
      else if (!in_string && (*p == '}' || *p == ']'))
        g_assert_cmpint (--depth, >=, 0);
    }
  g_assert_false (in_string);
  g_assert_cmpint (depth, ==, 0);

  g_assert_nonnull (strstr (settings, "dataset: ring8\n"));
  g_assert_nonnull (strstr (settings, "lr_g: 0.001\n"));
  g_assert_nonnull (strstr (settings, "iteration: 20\n"));
  /* the learning-rate change at iteration 10, with its label */
  g_assert_nonnull (strstr (events, "10\t"));
  g_assert_nonnull (strstr (json, "{\"iter\": 10, \"what\": "));

  ms_session_history_unref (g_steal_pointer (&history));
  g_assert_finalize_object (session);
}

/* Figures ---------------------------------------------------------------------------- */

static char *
read_file (const char *path,
           gsize      *len)
{
  char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, len, &error));
  g_assert_no_error (error);
  return contents;
}

static void
check_png (const char *path,
           int         width,
           int         height)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);

  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, width);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, height);
  cairo_surface_destroy (s);
}

static void
check_svg (const char *path)
{
  g_autofree char *svg = read_file (path, NULL);

  g_assert_true (g_str_has_prefix (svg, "<?xml"));
  g_assert_nonnull (strstr (svg, "<svg"));
  g_assert_nonnull (strstr (svg, "</svg>"));
}

static void
check_pdf (const char *path)
{
  gsize len = 0;
  g_autofree char *pdf = read_file (path, &len);

  g_assert_cmpuint (len, >, 100);
  g_assert_true (g_str_has_prefix (pdf, "%PDF"));
  g_assert_nonnull (g_strstr_len (pdf + len - 32, 32, "%%EOF"));
}

static void
test_figures (void)
{
  MsSession *session = short_run (20);
  g_autoptr(MsSessionHistory) history = ms_session_history_new (session);
  g_autoptr(MsPlotDashboard) dashboard = ms_plot_dashboard_new (history, FALSE);
  g_autoptr(GError) error = NULL;

  for (int v = 0; v < MS_PLOT_N_VIEWS; v++)
    {
      g_autofree char *base = NULL;
      g_autofree char *png = NULL;
      MsPlotView parsed;

      g_assert_true (ms_plot_view_from_string (ms_plot_view_to_string (v), &parsed));
      g_assert_cmpint (parsed, ==, v);
      if (!ms_plot_view_applies (v, TRUE))
        continue;
      base = tmp_path (ms_plot_view_to_string (v));
      png = g_strconcat (base, ".png", NULL);
      g_assert_true (ms_plot_dashboard_write (dashboard, v, png, "png", 640, 400, &error));
      g_assert_no_error (error);
      check_png (png, 640, 400);
    }
  g_assert_false (ms_plot_view_applies (MS_PLOT_VIEW_GRID, TRUE));
  g_assert_true (ms_plot_view_applies (MS_PLOT_VIEW_GRID, FALSE));

  /* The size is the export's, not the screen's: a slide and a poster */
  {
    g_autofree char *slide = tmp_path ("slide.png");
    g_autofree char *svg = tmp_path ("dashboard.svg");
    g_autofree char *pdf = tmp_path ("dashboard.pdf");

    g_assert_true (ms_plot_dashboard_write (dashboard, MS_PLOT_VIEW_DASHBOARD, slide, "png",
                                            1920, 1080, &error));
    g_assert_no_error (error);
    check_png (slide, 1920, 1080);
    g_assert_true (ms_plot_dashboard_write (dashboard, MS_PLOT_VIEW_DASHBOARD, svg, "svg",
                                            4000, 3000, &error));
    g_assert_no_error (error);
    check_svg (svg);
    g_assert_true (ms_plot_dashboard_write (dashboard, MS_PLOT_VIEW_KL, pdf, "pdf", 600, 400,
                                            &error));
    g_assert_no_error (error);
    check_pdf (pdf);
  }

  g_clear_pointer (&dashboard, ms_plot_dashboard_free);
  ms_session_history_unref (g_steal_pointer (&history));
  g_assert_finalize_object (session);
}

/* A write that cannot happen fails with an error naming the file and keeps the earlier one */
static void
test_failed_write_keeps_file (void)
{
  MsSession *session = short_run (10);
  g_autoptr(MsSessionHistory) history = ms_session_history_new (session);
  g_autoptr(MsPlotDashboard) dashboard = ms_plot_dashboard_new (history, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmpdir, "no", "such", "x.png", NULL);
  g_autofree char *path = tmp_path ("keep.pdf");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before = 0, len_after = 0;
  struct rlimit old_limit, limit;

  g_assert_false (ms_plot_dashboard_write (dashboard, MS_PLOT_VIEW_DASHBOARD, missing, "png",
                                           640, 400, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "x.png"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_true (ms_plot_dashboard_write (dashboard, MS_PLOT_VIEW_LOSS, path, "pdf", 300, 200,
                                          &error));
  g_assert_no_error (error);
  before = read_file (path, &len_before);

  /* A full disk: a file size limit below the figure's size (root ignores read-only folders) */
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  limit = old_limit;
  limit.rlim_cur = 2048;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  g_assert_false (ms_plot_dashboard_write (dashboard, MS_PLOT_VIEW_DASHBOARD, path, "pdf",
                                           1920, 1080, &error));
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  after = read_file (path, &len_after);
  g_assert_cmpmem (before, len_before, after, len_after);

  g_clear_pointer (&dashboard, ms_plot_dashboard_free);
  ms_session_history_unref (g_steal_pointer (&history));
  g_assert_finalize_object (session);
}

/* Filmstrip -------------------------------------------------------------------------- */

/* An image frame with a 16-sample 28x28 grid, evaluated at @iteration of @run */
static MsFrame *
image_frame (gint64   iteration,
             guint    run,
             gboolean evaluated)
{
  MsFrame *f = ms_frame_new ();
  gsize n = 16 * 28 * 28;

  f->iteration = iteration;
  f->run = run;
  f->grid_n = 16;
  f->sample_ndim = 3;
  f->sample_shape[0] = 1;
  f->sample_shape[1] = 28;
  f->sample_shape[2] = 28;
  f->sample_size = 28 * 28;
  f->grey = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    f->grey[i] = (guint8) ((i + iteration) & 0xff);
  f->has_evaluation = evaluated;
  f->evaluation_iteration = evaluated ? iteration : iteration - 5;
  return f;
}

static void
add (MsFilmstrip *strip,
     gint64       iteration,
     guint        run,
     gboolean     evaluated,
     gboolean     expect)
{
  g_autoptr(MsFrame) f = image_frame (iteration, run, evaluated);

  g_assert_cmpint (ms_filmstrip_add_frame (strip, f), ==, expect);
}

static void
test_filmstrip_record (void)
{
  g_autoptr(MsFilmstrip) strip = ms_filmstrip_new (4);
  g_autoptr(MsFilmstrip) copy = NULL;

  add (strip, 10, 0, TRUE, TRUE);
  add (strip, 15, 0, FALSE, FALSE);     /* a live frame between evaluations */
  add (strip, 10, 0, TRUE, FALSE);      /* the same evaluation again */
  add (strip, 20, 0, TRUE, TRUE);
  add (strip, 30, 0, TRUE, TRUE);
  add (strip, 40, 0, TRUE, TRUE);
  g_assert_cmpuint (ms_filmstrip_get_n_frames (strip), ==, 4);
  copy = ms_filmstrip_copy (strip);
  /* over the cap: every second one is kept, then every second evaluation is recorded */
  add (strip, 50, 0, TRUE, TRUE);
  g_assert_cmpuint (ms_filmstrip_get_n_frames (strip), ==, 3);
  g_assert_cmpint (ms_filmstrip_get_iteration (strip, 0), ==, 10);
  g_assert_cmpint (ms_filmstrip_get_iteration (strip, 1), ==, 30);
  g_assert_cmpint (ms_filmstrip_get_iteration (strip, 2), ==, 50);
  add (strip, 60, 0, TRUE, FALSE);
  add (strip, 70, 0, TRUE, TRUE);
  /* the copy is unchanged */
  g_assert_cmpuint (ms_filmstrip_get_n_frames (copy), ==, 4);
  /* a new run starts again */
  add (strip, 10, 1, TRUE, TRUE);
  g_assert_cmpuint (ms_filmstrip_get_n_frames (strip), ==, 1);
}

static void
test_filmstrip_write (void)
{
  g_autoptr(MsFilmstrip) strip = ms_filmstrip_new (500);
  g_autoptr(GError) error = NULL;
  g_autofree char *gif_path = tmp_path ("strip.gif");
  g_autofree char *folder = tmp_path ("strip-frames");
  g_autoptr(GDir) dir = NULL;
  GifFileType *gif;
  int width = 0, height = 0, err = 0, n_png = 0;
  const char *name;

  /* nothing recorded yet: an error, no file */
  g_assert_false (ms_filmstrip_write_gif (strip, gif_path, 10, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (g_file_test (gif_path, G_FILE_TEST_EXISTS));

  for (int i = 1; i <= 5; i++)
    add (strip, i * 100, 0, TRUE, TRUE);
  g_assert_true (ms_filmstrip_get_size (strip, &width, &height));
  /* 4 x 4 samples of 28 x 28 at zoom 2 with 2-pixel gaps, and the iteration's bar */
  g_assert_cmpint (width, ==, 4 * 56 + 5 * 2);
  g_assert_cmpint (height, ==, width + 22);

  g_assert_true (ms_filmstrip_write_gif (strip, gif_path, 10, &error));
  g_assert_no_error (error);
  gif = DGifOpenFileName (gif_path, &err);
  g_assert_nonnull (gif);
  g_assert_cmpint (DGifSlurp (gif), ==, GIF_OK);
  g_assert_cmpint (gif->ImageCount, ==, 5);
  g_assert_cmpint (gif->SWidth, ==, width);
  g_assert_cmpint (gif->SHeight, ==, height);
  /* a sample pixel survives exactly: sample 0, pixel (0, 0) of the first frame */
  g_assert_cmpint (gif->SavedImages[0].RasterBits[2 * width + 2], ==, (0 + 100) & 0xff);
  DGifCloseFile (gif, &err);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_true (ms_filmstrip_write_pngs (strip, folder, &error));
  g_assert_no_error (error);
  dir = g_dir_open (folder, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_assert_true (g_str_has_prefix (name, "frame-"));
      check_png (path, width, height);
      n_png++;
    }
  g_assert_cmpint (n_png, ==, 5);
  {
    g_autofree char *first = g_build_filename (folder, "frame-0001-iter-000100.png", NULL);

    g_assert_true (g_file_test (first, G_FILE_TEST_EXISTS));
  }
}

/* Session files ---------------------------------------------------------------------- */

static gboolean
same_curve (const MsCurvePoint *a,
            guint               na,
            const MsCurvePoint *b,
            guint               nb)
{
  if (na != nb)
    return FALSE;
  for (guint i = 0; i < na; i++)
    if (a[i].iteration != b[i].iteration || a[i].loss_d != b[i].loss_d
        || a[i].loss_g != b[i].loss_g || a[i].has_eval != b[i].has_eval)
      return FALSE;
  return TRUE;
}

/* A saved session opens to the same state: curve, events, evaluations, snapshots */
static void
test_session_roundtrip (void)
{
  g_autofree char *path = tmp_path ("run.msrun");
  g_autoptr(GError) error = NULL;
  MsSession *a = short_run (20);
  MsSession *b;
  guint id = ms_session_snapshot (a), na = 0, nb = 0;
  g_autoptr(MsSessionHistory) ha = NULL;
  g_autoptr(MsSessionHistory) hb = NULL;
  g_autofree char *csv_a = NULL;
  g_autofree char *csv_b = NULL;
  g_autofree char *events_a = NULL;
  g_autofree char *events_b = NULL;
  const MsCurvePoint *ca, *cb;

  wait_for (a, has_snapshot, GUINT_TO_POINTER (id), "a snapshot");
  g_assert_true (ms_session_save_file (a, path, &error));
  g_assert_no_error (error);
  b = ms_session_new_from_file (path, &error);
  g_assert_no_error (error);
  wait_for (b, has_frame, NULL, "the first frame");

  ha = ms_session_history_new (a);
  hb = ms_session_history_new (b);
  ca = ms_session_history_get_curve (ha, &na);
  cb = ms_session_history_get_curve (hb, &nb);
  g_assert_true (same_curve (ca, na, cb, nb));
  csv_a = ms_session_history_to_csv (ha);
  csv_b = ms_session_history_to_csv (hb);
  g_assert_cmpstr (csv_a, ==, csv_b);
  events_a = ms_session_history_to_events_text (ha);
  events_b = ms_session_history_to_events_text (hb);
  g_assert_true (g_str_has_prefix (events_b, events_a));
  g_assert_nonnull (ms_session_get_snapshot (b, id));
  g_assert_true (g_bytes_equal (ms_session_get_snapshot (a, id), ms_session_get_snapshot (b, id)));

  ms_session_history_unref (g_steal_pointer (&ha));
  ms_session_history_unref (g_steal_pointer (&hb));
  g_assert_finalize_object (b);
  g_assert_finalize_object (a);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  ms_parallel_set_threads (1);
  tmpdir = ms_test_make_tmpdir ("modescope-export-");

  g_test_add_func ("/export/csv", test_csv_matches_history);
  g_test_add_func ("/export/json", test_json_structure);
  g_test_add_func ("/export/figures", test_figures);
  g_test_add_func ("/export/failed-write", test_failed_write_keeps_file);
  g_test_add_func ("/export/filmstrip/record", test_filmstrip_record);
  g_test_add_func ("/export/filmstrip/write", test_filmstrip_write);
  g_test_add_func ("/export/session-roundtrip", test_session_roundtrip);

  status = g_test_run ();
  /* MS_EXPORT_KEEP=1 keeps the figures to look at */
  if (g_getenv ("MS_EXPORT_KEEP") != NULL)
    g_printerr ("# figures kept in %s\n", tmpdir);
  else
    ms_test_rm_rf (tmpdir);
  g_free (tmpdir);
  return status;
}
