/* test-session-file.c: session files, saved and brought back
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ring8 with the mlp architecture on the default main context, one session at a time (the
 * engine's thread pool is process-wide); one engine thread so runs repeat bit for bit.
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ms-checkpoint.h"
#include "ms-parallel.h"
#include "ms-session.h"
#include "ms-test-util.h"

#define WAIT_SECONDS 60

static char *tmpdir;

static void
settings_for_test (MsSessionSettings *s)
{
  ms_session_settings_init (s, "ring8", MS_LOSS_NSGAN);
  s->seed = 7;
  s->eval_every = 10;
  s->eval_samples = 200;
  s->grid_size = 16;
  s->start_paused = TRUE;
}

static MsSession *
new_session (void)
{
  g_autoptr(GError) error = NULL;
  MsSessionSettings s;
  MsSession *session;

  settings_for_test (&s);
  session = ms_session_new (&s, &error);
  ms_session_settings_clear (&s);
  g_assert_no_error (error);
  return session;
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
        g_error ("timed out waiting for %s (iteration %" G_GINT64_FORMAT ")", what,
                 ms_session_get_iteration (session));
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

/* Runs until @iteration (a scheduled pause) and waits there */
static void
run_to (MsSession *session,
        gint64     iteration)
{
  ms_session_schedule (session, iteration, ms_session_command_new_pause ());
  ms_session_resume (session);
  wait_for (session, paused_at, &iteration, "a pause");
}

static gboolean
has_frame (MsSession *session,
           gpointer   data)
{
  return ms_session_get_frame (session) != NULL;
}

static gboolean
has_branch (MsSession *session,
            gpointer   data)
{
  return ms_session_get_n_branches (session) > 0;
}

static gboolean
has_snapshot (MsSession *session,
              gpointer   data)
{
  return ms_session_get_snapshot (session, GPOINTER_TO_UINT (data)) != NULL;
}

static GBytes *
take_snapshot (MsSession *session,
               guint     *id_out)
{
  guint id = ms_session_snapshot (session);

  wait_for (session, has_snapshot, GUINT_TO_POINTER (id), "a snapshot");
  if (id_out != NULL)
    *id_out = id;
  return g_bytes_ref (ms_session_get_snapshot (session, id));
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static void
save (MsSession  *session,
      const char *path)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ms_session_save_file (session, path, &error));
  g_assert_no_error (error);
}

static MsSession *
load (const char *path)
{
  g_autoptr(GError) error = NULL;
  MsSession *session = ms_session_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static void
assert_evaluations_equal (MsSession *a,
                          MsSession *b)
{
  guint na = 0, nb = 0;
  const MsSessionEvaluation *ea = ms_session_get_evaluations (a, &na);
  const MsSessionEvaluation *eb = ms_session_get_evaluations (b, &nb);

  g_assert_cmpuint (na, ==, nb);
  g_assert_cmpuint (na, >, 0);
  for (guint i = 0; i < na; i++)
    {
      g_assert_cmpint (ea[i].iteration, ==, eb[i].iteration);
      g_assert_cmpfloat (ea[i].loss_d, ==, eb[i].loss_d);
      g_assert_cmpfloat (ea[i].evaluation.hq_fraction, ==, eb[i].evaluation.hq_fraction);
      g_assert_cmpint (ea[i].evaluation.modes_covered, ==, eb[i].evaluation.modes_covered);
      g_assert_cmpint (ea[i].collapse_state, ==, eb[i].collapse_state);
      g_assert_cmpstr (ea[i].evaluation.reason, ==, eb[i].evaluation.reason);
    }
}

/* Saved at 20 and continued to 40 in a new session: the same bytes as the straight run */
static void
test_file_continue_bit_identical (void)
{
  g_autofree char *path = tmp_path ("continue.msrun");
  g_autoptr(GBytes) straight = NULL;
  g_autoptr(GBytes) saved_then = NULL;
  g_autoptr(GBytes) resumed = NULL;
  MsSession *a, *b, *c;
  MsFrame *f;

  /* the straight run */
  c = new_session ();
  run_to (c, 40);
  straight = take_snapshot (c, NULL);

  /* the same run, saved on the way (saving must not disturb it) */
  a = new_session ();
  run_to (a, 25);
  save (a, path);
  run_to (a, 40);
  saved_then = take_snapshot (a, NULL);
  g_assert_true (g_bytes_equal (straight, saved_then));

  /* and brought back from the file */
  b = load (path);
  wait_for (b, has_frame, NULL, "the first frame");
  f = ms_session_get_frame (b);
  g_assert_cmpint (f->iteration, ==, 25);
  g_assert_true (f->paused);
  g_assert_cmpint (f->settings.seed, ==, 7);
  g_assert_cmpint (f->settings.eval_every, ==, 10);
  run_to (b, 40);
  resumed = take_snapshot (b, NULL);
  g_assert_true (g_bytes_equal (straight, resumed));
  /* the evaluations (and the collapse detector's states) continue as they would have (the
   * pause at 25 evaluated there, which the straight run did not) */
  assert_evaluations_equal (a, b);
  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (c);
}

static const MsSessionEvent *
find_event (MsSession          *session,
            MsSessionEventKind  kind)
{
  for (guint i = 0; i < ms_session_get_n_events (session); i++)
    if (ms_session_get_event (session, i)->kind == kind)
      return ms_session_get_event (session, i);
  return NULL;
}

/* The curve, events, branches, snapshots and notes come back */
static void
test_file_history (void)
{
  g_autofree char *path = tmp_path ("history.msrun");
  g_autoptr(GBytes) snap = NULL;
  MsSession *a, *b;
  guint id = 0, na = 0, nb = 0, n_events_a;
  const MsCurvePoint *pa, *pb;
  gint64 fork = -1;
  guint n_branch = 0;

  a = new_session ();
  run_to (a, 10);
  snap = take_snapshot (a, &id);
  ms_session_push (a, ms_session_command_new_set_lr (TRUE, 1e-3));
  run_to (a, 20);
  ms_session_restore (a, id);               /* back to 10: 11..20 becomes a branch */
  wait_for (a, has_branch, NULL, "a branch");
  run_to (a, 15);
  ms_session_set_note (a, "cli.schedule", "30:lr=1e-3");
  save (a, path);
  pa = ms_session_get_curve (a, &na);
  n_events_a = ms_session_get_n_events (a);

  b = load (path);
  wait_for (b, has_frame, NULL, "the first frame");
  pb = ms_session_get_curve (b, &nb);
  g_assert_cmpuint (na, ==, 15);
  g_assert_cmpuint (nb, ==, na);
  g_assert_cmpmem (pa, na * sizeof *pa, pb, nb * sizeof *pb);
  /* every event, then the one saying where it came from */
  g_assert_cmpuint (ms_session_get_n_events (b), ==, n_events_a + 1);
  for (guint i = 0; i < n_events_a; i++)
    {
      g_assert_cmpint (ms_session_get_event (a, i)->kind, ==, ms_session_get_event (b, i)->kind);
      g_assert_cmpstr (ms_session_get_event (a, i)->label, ==, ms_session_get_event (b, i)->label);
    }
  g_assert_nonnull (strstr (ms_session_get_event (b, n_events_a)->label, "continued from"));
  g_assert_nonnull (find_event (b, MS_SESSION_EVENT_LR));
  /* the branch the restore cut */
  g_assert_cmpuint (ms_session_get_n_branches (b), ==, 1);
  ms_session_get_branch (b, 0, &n_branch, &fork);
  g_assert_cmpint (fork, ==, 10);
  g_assert_cmpuint (n_branch, ==, 20);
  /* the user snapshot, which can still be restored */
  g_assert_true (g_bytes_equal (ms_session_get_snapshot (b, id), snap));
  g_assert_cmpstr (ms_session_get_note (b, "cli.schedule"), ==, "30:lr=1e-3");
  assert_evaluations_equal (a, b);
  ms_session_restore (b, id);
  {
    gint64 ten = 10;

    wait_for (b, paused_at, &ten, "the restore");
  }
  g_assert_cmpuint (ms_session_get_n_branches (b), ==, 2);
  /* a new snapshot gets a new id */
  {
    guint id2 = 0;
    g_autoptr(GBytes) snap2 = take_snapshot (b, &id2);

    g_assert_cmpuint (id2, >, id);
  }
  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
}

static void
assert_load_fails (const char *path,
                   const char *what)
{
  g_autoptr(GError) error = NULL;
  MsSession *session = ms_session_new_from_file (path, &error);

  g_assert_null (session);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", what, error->message);
  g_assert_nonnull (strstr (error->message, path));
}

/* Damaged, truncated, empty, foreign and missing files: a GError, never a crash */
static void
test_file_damaged (void)
{
  g_autofree char *path = tmp_path ("good.msrun");
  g_autofree char *bad = tmp_path ("bad.msrun");
  g_autofree char *contents = NULL;
  gsize len = 0;
  MsSession *a;

  a = new_session ();
  run_to (a, 10);
  save (a, path);
  g_assert_finalize_object (a);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));

  /* cut at many places */
  for (gsize cut = 0; cut < len; cut += MAX (len / 23, 1))
    {
      g_assert_true (g_file_set_contents (bad, contents, (gssize) cut, NULL));
      assert_load_fails (bad, "truncated");
    }
  /* one flipped byte at many places */
  for (gsize at = 0; at < len; at += MAX (len / 31, 1))
    {
      contents[at] ^= 0x20;
      g_assert_true (g_file_set_contents (bad, contents, (gssize) len, NULL));
      contents[at] ^= 0x20;
      assert_load_fails (bad, "flipped byte");
    }
  g_assert_true (g_file_set_contents (bad, "", 0, NULL));
  assert_load_fails (bad, "empty");
  g_assert_true (g_file_set_contents (bad, "hello, not a session\n", -1, NULL));
  assert_load_fails (bad, "text");
  {
    /* a valid ModeScope checkpoint that is not a session file */
    g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();
    g_autoptr(GError) error = NULL;

    ms_checkpoint_writer_add_string (w, "hello", "world");
    g_assert_true (ms_checkpoint_writer_save (w, bad, &error));
    assert_load_fails (bad, "other checkpoint");
  }
  {
    g_autofree char *missing = tmp_path ("no-such-file.msrun");

    assert_load_fails (missing, "missing");
  }
  /* the good file still loads */
  a = load (path);
  g_assert_finalize_object (a);
}

/* A copy of @path's container with section @victim's payload changed by @mutate */
static void
rewrite (const char *path,
         const char *out,
         const char *victim,
         gsize       at,
         int         how)   /* 0: byte to 0xff, 1: cut the payload at @at, 2: byte + 1 */
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = ms_checkpoint_load (path, &error);
  g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();

  g_assert_no_error (error);
  for (guint i = 0; i < ms_checkpoint_get_n_sections (ck); i++)
    {
      const char *name = ms_checkpoint_get_section_name (ck, i);
      guint32 type = ms_checkpoint_get_section_type (ck, i);
      gsize len = 0;
      const guint8 *p = ms_checkpoint_get (ck, name, type, &len);
      g_autofree guint8 *copy = g_memdup2 (p, MAX (len, 1));

      if (strcmp (name, victim) == 0 && len > 0)
        {
          at %= len;
          if (how == 0)
            copy[at] = 0xff;
          else if (how == 1)
            len = at;
          else
            copy[at]++;
        }
      ms_checkpoint_writer_add (w, name, type, copy, len);
    }
  g_assert_true (ms_checkpoint_writer_save (w, out, &error));
}

/* Valid containers with malformed payloads (the checksums are right): every count and
 * length is checked before it is used, so each load fails cleanly or gives a session */
static void
test_file_malformed_payloads (void)
{
  g_autofree char *path = tmp_path ("fuzz-good.msrun");
  g_autofree char *bad = tmp_path ("fuzz-bad.msrun");
  const char *victims[] = { "modescope.session", "settings", "trainer", "history", "snapshots",
                            "notes", "state" };
  guint n_failed = 0, n_loaded = 0;
  MsSession *a;

  a = new_session ();
  run_to (a, 10);
  ms_session_snapshot (a);
  run_to (a, 20);
  ms_session_set_note (a, "k", "v");
  save (a, path);
  g_assert_finalize_object (a);

  for (guint v = 0; v < G_N_ELEMENTS (victims); v++)
    for (int how = 0; how < 3; how++)
      for (gsize at = 0; at < 4000; at += 1 + at / 2 + 37 * how)
        {
          g_autoptr(GError) error = NULL;
          MsSession *s;

          rewrite (path, bad, victims[v], at, how);
          s = ms_session_new_from_file (bad, &error);
          if (s == NULL)
            {
              g_assert_nonnull (error);
              n_failed++;
            }
          else
            {
              g_assert_no_error (error);
              n_loaded++;
              g_assert_finalize_object (s);
            }
        }
  g_test_message ("%u malformed files refused, %u loaded", n_failed, n_loaded);
  g_assert_cmpuint (n_failed, >, 0);
}

/* A save that cannot be written fails and leaves the earlier file as it was */
static void
test_file_save_fails (void)
{
  g_autofree char *path = tmp_path ("keep.msrun");
  g_autofree char *missing = g_build_filename (tmpdir, "no", "such", "dir", "x.msrun", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before = 0, len_after = 0;
  g_autoptr(GError) error = NULL;
  struct rlimit old_limit, limit;
  MsSession *a;

  a = new_session ();
  run_to (a, 10);
  g_assert_false (ms_session_save_file (a, missing, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  save (a, path);
  g_assert_true (g_file_get_contents (path, &before, &len_before, NULL));
  run_to (a, 20);
  /* A file size limit makes every write fail, even for root (who ignores read-only folders) */
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  limit = old_limit;
  limit.rlim_cur = 4096;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  g_assert_false (ms_session_save_file (a, path, &error));
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_file_get_contents (path, &after, &len_after, NULL));
  g_assert_cmpmem (before, len_before, after, len_after);
  g_assert_finalize_object (a);
  /* and it still loads, at the iteration it was saved */
  a = load (path);
  wait_for (a, has_frame, NULL, "the first frame");
  g_assert_cmpint (ms_session_get_iteration (a), ==, 10);
  g_assert_finalize_object (a);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  GError **error = data;

  g_assert_true (ms_session_save_file_finish (MS_SESSION (object), result, error)
                 || *error != NULL);
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "done");   /* a marker */
}

static gboolean
saved (MsSession *session,
       gpointer   data)
{
  return *(GError **) data != NULL;
}

/* The window's variant, while training runs */
static void
test_file_save_async (void)
{
  g_autofree char *path = tmp_path ("async.msrun");
  g_autoptr(GError) error = NULL;
  MsSession *a, *b;
  MsFrame *f;

  a = new_session ();
  ms_session_resume (a);
  ms_session_save_file_async (a, path, NULL, saved_cb, &error);
  wait_for (a, saved, &error, "the save");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);   /* the marker: no error */
  ms_session_pause (a);
  g_assert_finalize_object (a);

  b = load (path);
  wait_for (b, has_frame, NULL, "the first frame");
  f = ms_session_get_frame (b);
  g_assert_true (f->paused);
  /* the history ends where the state was taken */
  {
    guint n = 0;
    const MsCurvePoint *p = ms_session_get_curve (b, &n);

    g_assert_cmpuint (n, ==, (guint) f->iteration);
    if (n > 0)
      g_assert_cmpint (p[n - 1].iteration, ==, f->iteration);
  }
  g_assert_finalize_object (b);
}

/* Headless frames are the opening front end's choice, not the file's */
static void
test_file_headless (void)
{
  g_autofree char *path = tmp_path ("headless.msrun");
  g_autoptr(GError) error = NULL;
  MsSessionSettings s;
  MsSession *a;
  MsFrame *f;

  settings_for_test (&s);
  s.headless = TRUE;
  a = ms_session_new_sync (&s, &error);
  ms_session_settings_clear (&s);
  g_assert_no_error (error);
  run_to (a, 10);
  f = ms_session_get_frame (a);
  g_assert_true (f->settings.headless);
  save (a, path);
  g_assert_finalize_object (a);

  a = load (path);
  wait_for (a, has_frame, NULL, "the first frame");
  g_assert_false (ms_session_get_frame (a)->settings.headless);
  g_assert_cmpint (ms_session_get_frame (a)->grid_n, ==, 16);
  g_assert_finalize_object (a);

  a = ms_session_new_from_file_headless (path, &error);
  g_assert_no_error (error);
  wait_for (a, has_frame, NULL, "the first frame");
  g_assert_true (ms_session_get_frame (a)->settings.headless);
  g_assert_finalize_object (a);
}

static gboolean
has_lr_event (MsSession *session,
              gpointer   data)
{
  return find_event (session, MS_SESSION_EVENT_LR) != NULL;
}

/* Evaluations: every eval_every iterations and when a command stops the run, once per
 * weights; a changed setting shows the evaluation the weights have */
static void
test_evaluations_once (void)
{
  MsSession *a = new_session ();
  const MsSessionEvaluation *e;
  guint n = 0;
  MsFrame *f;

  run_to (a, 15);                       /* evaluated at 10 and at the pause at 15 */
  e = ms_session_get_evaluations (a, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (e[0].iteration, ==, 10);
  g_assert_cmpint (e[1].iteration, ==, 15);
  ms_session_push (a, ms_session_command_new_set_lr (TRUE, 1e-3));
  ms_session_pause (a);                 /* the same weights: not evaluated again */
  wait_for (a, has_frame, NULL, "a frame");
  {
    gint64 fifteen = 15;

    wait_for (a, has_lr_event, NULL, "the learning-rate change");
    wait_for (a, paused_at, &fifteen, "the pause");
  }
  f = ms_session_get_frame (a);
  g_assert_true (f->has_evaluation);
  e = ms_session_get_evaluations (a, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (f->evaluation.hq_fraction, ==, e[1].evaluation.hq_fraction);
  run_to (a, 20);                       /* 20 is a multiple of eval_every: once */
  e = ms_session_get_evaluations (a, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (e[2].iteration, ==, 20);
  g_assert_finalize_object (a);
}

/* Files from elsewhere are data ----------------------------------------------------- */

#if defined(__SANITIZE_THREAD__)
# define HAVE_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define HAVE_TSAN 1
# endif
#endif

/* Caps this process's address space at what it uses now plus @extra bytes, so that an
 * allocation a header asks for aborts the (sub)process instead of succeeding.  Relative, so it
 * holds under AddressSanitizer too (its terabytes of shadow are mapped at start-up, and its
 * allocator's later mappings count against @extra).  FALSE under ThreadSanitizer, which maps
 * shadow for new memory as it goes. */
static gboolean
limit_address_space (guint64 extra)
{
#ifdef HAVE_TSAN
  return FALSE;
#else
  g_autofree char *statm = NULL;
  guint64 pages;
  struct rlimit rl;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  pages = g_ascii_strtoull (statm, NULL, 10);
  rl.rlim_cur = rl.rlim_max = pages * (guint64) sysconf (_SC_PAGESIZE) + extra;
  return setrlimit (RLIMIT_AS, &rl) == 0;
#endif
}

/* A copy of @path with section @victim's payload replaced by @data */
static void
replace_section (const char   *path,
                 const char   *out,
                 const char   *victim,
                 const guint8 *data,
                 gsize         len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = ms_checkpoint_load (path, &error);
  g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();

  g_assert_no_error (error);
  for (guint i = 0; i < ms_checkpoint_get_n_sections (ck); i++)
    {
      const char *name = ms_checkpoint_get_section_name (ck, i);
      guint32 type = ms_checkpoint_get_section_type (ck, i);
      gsize plen = 0;
      const guint8 *p = ms_checkpoint_get (ck, name, type, &plen);

      if (strcmp (name, victim) == 0)
        ms_checkpoint_writer_add (w, name, type, data, len);
      else
        ms_checkpoint_writer_add (w, name, type, p, plen);
    }
  g_assert_true (ms_checkpoint_writer_save (w, out, &error));
}

static GBytes *
section_bytes (const char *path,
               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = ms_checkpoint_load (path, &error);
  gsize len = 0;
  gconstpointer p;

  g_assert_no_error (error);
  p = ms_checkpoint_get (ck, name, MS_CHECKPOINT_TYPE_BLOB, &len);
  g_assert_nonnull (p);
  return g_bytes_new (p, len);
}

static void
put_u32 (guint8  *p,
         guint32  v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

/* The settings blob of @path with the architecture name (NULL in these tests' files)
 * replaced by @arch and the dataset name by @dataset (when not NULL) */
static GByteArray *
settings_with_names (const char *path,
                     const char *dataset,
                     const char *arch)
{
  g_autoptr(GBytes) orig = section_bytes (path, "settings");
  gsize len;
  const guint8 *p = g_bytes_get_data (orig, &len);
  GByteArray *b = g_byte_array_new ();
  guint32 dlen, n_points;
  gsize at;
  guint8 u[4];

  memcpy (&dlen, p, 4);
  dlen = GUINT32_FROM_LE (dlen);
  memcpy (&n_points, p + 4 + dlen, 4);
  g_assert_cmpuint (GUINT32_FROM_LE (n_points), ==, 0);
  at = 4 + dlen + 4 + 8;                          /* dataset, n_points, points_std */
  g_assert_cmpuint (p[at], ==, 0xff);             /* arch: NULL */
  put_u32 (u, dataset != NULL ? (guint32) strlen (dataset) : dlen);
  g_byte_array_append (b, u, 4);
  if (dataset != NULL)
    g_byte_array_append (b, (const guint8 *) dataset, strlen (dataset));
  else
    g_byte_array_append (b, p + 4, dlen);
  g_byte_array_append (b, p + 4 + dlen, 12);
  put_u32 (u, (guint32) strlen (arch));
  g_byte_array_append (b, u, 4);
  g_byte_array_append (b, (const guint8 *) arch, strlen (arch));
  g_byte_array_append (b, p + at + 4, len - at - 4);
  return b;
}

/* Text from the file reaches messages as an argument, never as a format: printf directives
 * in it come back literally; names with control characters are refused */
static void
test_file_names_are_data (void)
{
  g_autofree char *path = tmp_path ("names-good.msrun");
  g_autofree char *bad = tmp_path ("names-bad.msrun");
  static const char *format_attack = "%n%s%n%s%p%x%08x";
  MsSession *a;

  a = new_session ();
  run_to (a, 10);
  save (a, path);
  g_assert_finalize_object (a);

  {
    g_autoptr(GByteArray) b = settings_with_names (path, NULL, format_attack);
    g_autoptr(GError) error = NULL;

    replace_section (path, bad, "settings", b->data, b->len);
    g_assert_null (ms_session_new_from_file (bad, &error));
    g_assert_nonnull (error);
    g_test_message ("arch: %s", error->message);
    g_assert_nonnull (strstr (error->message, format_attack));
  }
  {
    /* A dataset that is no known name and no folder: refused by the dataset opener, quoted */
    g_autoptr(GByteArray) b = settings_with_names (path, "/nonexistent/%n%n%s", "mlp");
    g_autoptr(GError) error = NULL;

    replace_section (path, bad, "settings", b->data, b->len);
    g_assert_null (ms_session_new_from_file (bad, &error));
    g_assert_nonnull (error);
    g_test_message ("dataset: %s", error->message);
    g_assert_nonnull (strstr (error->message, "/nonexistent/%n%n%s"));
  }
  {
    const char *names[][2] = {
      { "ring8\n", "mlp" }, { "ring8", "mlp\x1b[2J" }, { "ring8\r", "mlp" }, { "ri\x7fng8", "mlp" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autoptr(GByteArray) b = settings_with_names (path, names[i][0], names[i][1]);
        g_autoptr(GError) error = NULL;

        replace_section (path, bad, "settings", b->data, b->len);
        g_assert_null (ms_session_new_from_file (bad, &error));
        g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID);
        g_assert_null (strchr (error->message, '\n'));
        g_assert_null (strchr (error->message, '\x1b'));
      }
  }
  {
    /* A format marker whose version is not a number is refused without quoting it */
    g_autoptr(GError) error = NULL;
    g_autoptr(MsCheckpoint) ck = ms_checkpoint_load (path, &error);
    g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();
    g_autoptr(GHashTable) marker = g_hash_table_new (g_str_hash, g_str_equal);

    g_assert_no_error (error);
    g_hash_table_insert (marker, "format", "modescope-session");
    g_hash_table_insert (marker, "version", "2\n\x1b[2J%n");
    for (guint i = 0; i < ms_checkpoint_get_n_sections (ck); i++)
      {
        const char *name = ms_checkpoint_get_section_name (ck, i);
        guint32 type = ms_checkpoint_get_section_type (ck, i);
        gsize plen = 0;
        gconstpointer p = ms_checkpoint_get (ck, name, type, &plen);

        if (strcmp (name, "modescope.session") == 0)
          ms_checkpoint_writer_add_key_values (w, name, marker);
        else
          ms_checkpoint_writer_add (w, name, type, p, plen);
      }
    g_assert_true (ms_checkpoint_writer_save (w, bad, &error));
    g_assert_null (ms_session_new_from_file (bad, &error));
    g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID);
    g_assert_null (strchr (error->message, '\n'));
    g_assert_null (strchr (error->message, '\x1b'));
  }
  {
    /* The file's own names, well formed, still load */
    g_autoptr(GByteArray) b = settings_with_names (path, "ring8", "mlp");

    replace_section (path, bad, "settings", b->data, b->len);
    a = load (bad);
    g_assert_finalize_object (a);
  }
}

/* Counts and lengths that claim far more than the file holds: an error before any
 * allocation they would size.  Run in a subprocess whose address space is capped at what it
 * uses plus 256 MiB, so an allocation of the announced size would abort it. */
static void
test_file_huge_counts (void)
{
  g_autofree char *path = tmp_path ("huge-good.msrun");
  g_autofree char *bad = tmp_path ("huge-bad.msrun");
  MsSession *a;

  a = new_session ();
  run_to (a, 10);
  ms_session_snapshot (a);
  run_to (a, 20);
  save (a, path);
  g_assert_finalize_object (a);

  if (g_test_subprocess ())
    {
      static const guint32 counts[] = { 0xffffffffu, 0x7fffffffu, 0x10000000u, 1000000u };
      const char *sections[] = { "history", "snapshots", "trainer", "settings" };
      /* where each section's first count is: history and snapshots start with one, the
       * trainer data after 4 x u32 + u64, the settings (n_points) after the dataset name */
      const gsize offsets[] = { 0, 0, 8 + 5 * 4, 4 + 5 };
      guint n = 0;

      if (!limit_address_space (G_GUINT64_CONSTANT (256) << 20))
        g_test_message ("address space not capped (sanitizer build)");
      for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
        for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
          {
            g_autoptr(GBytes) orig = section_bytes (path, sections[s]);
            gsize len = g_bytes_get_size (orig);
            g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (orig, NULL), len);
            g_autoptr(GError) error = NULL;

            g_assert_cmpuint (len, >=, offsets[s] + 4);
            put_u32 (copy + offsets[s], counts[c]);
            replace_section (path, bad, sections[s], copy, len);
            g_assert_null (ms_session_new_from_file (bad, &error));
            g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID);
            n++;
          }
      {
        /* A container whose first section claims 2^62 bytes of payload */
        guint8 head[16 + 4 + 8 + 4 + 8 + 16] = "MSCKPT\r\n";
        g_autoptr(GError) error = NULL;
        guint64 huge = GUINT64_TO_LE (G_GUINT64_CONSTANT (1) << 62);

        put_u32 (head + 8, 1);
        put_u32 (head + 12, 1);
        put_u32 (head + 16, 8);
        memcpy (head + 20, "settings", 8);
        put_u32 (head + 28, MS_CHECKPOINT_TYPE_BLOB);
        memcpy (head + 32, &huge, 8);
        g_assert_true (g_file_set_contents (bad, (const char *) head, sizeof head, NULL));
        g_assert_null (ms_session_new_from_file (bad, &error));
        g_assert_true (g_error_matches (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT)
                       || g_error_matches (error, MS_CHECKPOINT_ERROR,
                                           MS_CHECKPOINT_ERROR_TRUNCATED));
        n++;
      }
      g_test_message ("%u files with huge counts refused", n);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Opening a session file, good or bad, writes nothing: the folder it is in and the file
 * itself are the same afterwards */
static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static char *
listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  GString *out = g_string_new (NULL);

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      GStatBuf st;

      g_assert_cmpint (g_stat (p, &st), ==, 0);
      g_ptr_array_add (names, g_strdup_printf ("%s %lld %lld", name, (long long) st.st_size,
                                               (long long) st.st_mtime));
    }
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (out, "%s\n", (char *) names->pdata[i]);
  return g_string_free (out, FALSE);
}

static void
test_file_load_writes_nothing (void)
{
  g_autofree char *dir = g_build_filename (tmpdir, "read-only-use", NULL);
  g_autofree char *path = g_build_filename (dir, "run.msrun", NULL);
  g_autofree char *bad = g_build_filename (dir, "damaged.msrun", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *tmp_before = NULL;
  g_autofree char *tmp_after = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *contents_after = NULL;
  gsize len = 0, len_after = 0;
  MsSession *a;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  a = new_session ();
  run_to (a, 10);
  save (a, path);
  g_assert_finalize_object (a);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  contents[len / 2] ^= 1;
  g_assert_true (g_file_set_contents (bad, contents, (gssize) len, NULL));
  contents[len / 2] ^= 1;

  before = listing (dir);
  tmp_before = listing (tmpdir);
  g_usleep (1100 * 1000);   /* so that a rewrite would change a whole-second mtime */
  a = load (path);
  run_to (a, 20);           /* training on the loaded session writes nothing either */
  g_assert_finalize_object (a);
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (ms_session_new_from_file (bad, &error));
    g_assert_nonnull (error);
  }
  after = listing (dir);
  tmp_after = listing (tmpdir);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpstr (tmp_before, ==, tmp_after);
  g_assert_true (g_file_get_contents (path, &contents_after, &len_after, NULL));
  g_assert_cmpmem (contents, len, contents_after, len_after);
}

/* A folder of @n random images, all labelled @label */
static void
write_idx_folder (const char *dir,
                  guint       n,
                  guint8      label)
{
  g_autofree char *images_path = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *labels_path = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  g_autoptr(GByteArray) images = g_byte_array_new ();
  g_autoptr(GByteArray) labels = g_byte_array_new ();
  guint8 head[16] = { 0, 0, 8, 3, n >> 24, n >> 16, n >> 8, n, 0, 0, 0, 28, 0, 0, 0, 28 };

  g_byte_array_append (images, head, 16);
  for (guint i = 0; i < n * 784; i++)
    {
      guint8 v = (guint8) (i * 2654435761u >> 24);

      g_byte_array_append (images, &v, 1);
    }
  head[3] = 1;
  g_byte_array_append (labels, head, 8);
  for (guint i = 0; i < n; i++)
    g_byte_array_append (labels, &label, 1);
  g_assert_true (g_mkdir_with_parents (dir, 0755) == 0);
  g_assert_true (g_file_set_contents (images_path, (char *) images->data, images->len, NULL));
  g_assert_true (g_file_set_contents (labels_path, (char *) labels->data, labels->len, NULL));
}

/* A copy of @path without section @victim */
static void
drop_section (const char *path,
              const char *out,
              const char *victim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = ms_checkpoint_load (path, &error);
  g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();
  gboolean found = FALSE;

  g_assert_no_error (error);
  for (guint i = 0; i < ms_checkpoint_get_n_sections (ck); i++)
    {
      const char *name = ms_checkpoint_get_section_name (ck, i);
      guint32 type = ms_checkpoint_get_section_type (ck, i);
      gsize plen = 0;
      const guint8 *p = ms_checkpoint_get (ck, name, type, &plen);

      if (strcmp (name, victim) == 0)
        found = TRUE;
      else
        ms_checkpoint_writer_add (w, name, type, p, plen);
    }
  g_assert_true (found);
  g_assert_true (ms_checkpoint_writer_save (w, out, &error));
}

static void
assert_k_data (MsSession *session,
               int        k_data)
{
  guint n = 0;
  const MsSessionEvaluation *e = ms_session_get_evaluations (session, &n);
  MsFrame *f = ms_session_get_frame (session);

  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (e[i].evaluation.k_data, ==, k_data);
  g_assert_nonnull (f);
  g_assert_true (f->has_evaluation);
  g_assert_cmpint (f->evaluation.k_data, ==, k_data);
}

/* A folder of one digit: its evaluations keep k_data = 1 through a file, so the loaded
 * dashboard counts modes out of 1 and the detector, replayed, judges the one class as the
 * run did; a file without the section (older) loads with k_data 0; a k_data above the
 * evaluation's k is refused as a malformed history */
static void
test_file_k_data (void)
{
  g_autofree char *dir = tmp_path ("one-digit");
  g_autofree char *path = tmp_path ("one-digit.msrun");
  g_autofree char *old = tmp_path ("one-digit-old.msrun");
  g_autofree char *bad = tmp_path ("one-digit-bad.msrun");
  g_autoptr(GError) error = NULL;
  MsSessionSettings s;
  MsSession *a, *b;
  MsCollapseState state;

  write_idx_folder (dir, 5, 3);
  ms_session_settings_init (&s, dir, MS_LOSS_NSGAN);
  s.seed = 7;
  s.eval_every = 2;
  s.eval_samples = 20;
  s.grid_size = 16;
  s.start_paused = TRUE;
  a = ms_session_new (&s, &error);
  ms_session_settings_clear (&s);
  g_assert_no_error (error);
  run_to (a, 6);
  assert_k_data (a, 1);
  state = ms_session_get_frame (a)->collapse_state;
  save (a, path);

  b = load (path);
  wait_for (b, has_frame, NULL, "the first frame");
  assert_k_data (b, 1);
  {
    guint na = 0, nb = 0;
    const MsSessionEvaluation *ea = ms_session_get_evaluations (a, &na);
    const MsSessionEvaluation *eb = ms_session_get_evaluations (b, &nb);

    g_assert_cmpuint (na, ==, nb);
    for (guint i = 0; i < na; i++)
      {
        g_assert_cmpint (ea[i].evaluation.modes_covered, ==, eb[i].evaluation.modes_covered);
        g_assert_cmpstr (ea[i].evaluation.reason, ==, eb[i].evaluation.reason);
      }
  }
  g_assert_cmpint (ms_session_get_frame (b)->collapse_state, ==, state);
  g_assert_finalize_object (b);

  /* Written before k_data was saved */
  drop_section (path, old, "evaluations.k_data");
  b = load (old);
  wait_for (b, has_frame, NULL, "the first frame");
  assert_k_data (b, 0);
  g_assert_finalize_object (b);

  /* k_data 11 of 10 classes */
  {
    g_autoptr(GBytes) orig = section_bytes (path, "evaluations.k_data");
    gsize len = 0;
    const guint8 *p = g_bytes_get_data (orig, &len);
    g_autofree guint8 *data = NULL;

    g_assert_cmpuint (len, >=, 8);
    data = g_memdup2 (p, len);
    put_u32 (data + 4, 11);
    replace_section (path, bad, "evaluations.k_data", data, len);
    g_assert_null (ms_session_new_from_file (bad, &error));
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "its history is malformed"));
  }
  g_assert_finalize_object (a);
  ms_test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  ms_parallel_set_threads (1);
  tmpdir = ms_test_make_tmpdir ("modescope-session-file");
  g_test_add_func ("/session-file/continue-bit-identical", test_file_continue_bit_identical);
  g_test_add_func ("/session-file/history", test_file_history);
  g_test_add_func ("/session-file/damaged", test_file_damaged);
  g_test_add_func ("/session-file/malformed-payloads", test_file_malformed_payloads);
  g_test_add_func ("/session-file/save-fails", test_file_save_fails);
  g_test_add_func ("/session-file/save-async", test_file_save_async);
  g_test_add_func ("/session-file/headless", test_file_headless);
  g_test_add_func ("/session/evaluations-once", test_evaluations_once);
  g_test_add_func ("/session-file/names-are-data", test_file_names_are_data);
  g_test_add_func ("/session-file/huge-counts", test_file_huge_counts);
  g_test_add_func ("/session-file/load-writes-nothing", test_file_load_writes_nothing);
  g_test_add_func ("/session-file/k-data", test_file_k_data);
  status = g_test_run ();
  ms_test_rm_rf (tmpdir);
  g_free (tmpdir);
  return status;
}
