/* test-session.c: MsSession, its trainer thread, commands, frames, snapshots and rollback
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs on the default main context without a display, on ring8 with the mlp architecture.
 * Sessions are run one after the other (never two trainers at once), since the engine's
 * thread pool is process-wide.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ms-session.h"

#define WAIT_SECONDS 60

typedef struct
{
  guint   n_frames;
  gint64  last_iteration;
  guint   last_run;
  gboolean decreasing;    /* an iteration went backwards within a run */
  gboolean non_finite;    /* a frame carried NaN or infinity */
} FrameLog;

static void
on_frame (MsSession  *session,
          GParamSpec *pspec,
          FrameLog   *log)
{
  MsFrame *f = ms_session_get_frame (session);

  g_assert_nonnull (f);
  log->n_frames++;
  if (f->run == log->last_run && f->iteration < log->last_iteration)
    log->decreasing = TRUE;
  log->last_iteration = f->iteration;
  log->last_run = f->run;
  if (!isfinite (f->stats.loss_d) || !isfinite (f->stats.loss_g))
    log->non_finite = TRUE;
  for (gsize i = 0; i < (gsize) f->grid_n * f->sample_size; i++)
    if (!isfinite (f->samples[i]))
      log->non_finite = TRUE;
  for (guint i = 0; i < f->n_points; i++)
    if (!isfinite (f->points[i].loss_d) || !isfinite (f->points[i].loss_g))
      log->non_finite = TRUE;
}

static void
settings_for_test (MsSessionSettings *s,
                   guint64            seed)
{
  ms_session_settings_init (s, "ring8", MS_LOSS_NSGAN);
  s->seed = seed;
  s->eval_every = 10;
  s->eval_samples = 200;
  s->grid_size = 16;
  s->start_paused = TRUE;
}

static MsSession *
new_session (MsSessionSettings *s,
             FrameLog          *log)
{
  g_autoptr(GError) error = NULL;
  MsSession *session = ms_session_new (s, &error);

  g_assert_no_error (error);
  g_assert_nonnull (session);
  memset (log, 0, sizeof *log);
  g_signal_connect (session, "notify::frame", G_CALLBACK (on_frame), log);
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
      /* Non-blocking with a short sleep, so the deadline is checked even without frames */
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

static void
wait_paused_at (MsSession *session,
                gint64     iteration)
{
  wait_for (session, paused_at, &iteration, "a pause");
}

static gboolean
is_paused (MsSession *session,
           gpointer   data)
{
  return ms_session_get_paused (session);
}

static gboolean
has_snapshot (MsSession *session,
              gpointer   data)
{
  return ms_session_get_snapshot (session, GPOINTER_TO_UINT (data)) != NULL;
}

static GBytes *
wait_snapshot (MsSession *session,
               guint      id)
{
  wait_for (session, has_snapshot, GUINT_TO_POINTER (id), "a snapshot");
  return g_bytes_ref (ms_session_get_snapshot (session, id));
}

static gboolean
frames_at_least (MsSession *session,
                 gpointer   data)
{
  FrameLog *log = ((gpointer *) data)[0];

  return log->n_frames >= GPOINTER_TO_UINT (((gpointer *) data)[1]);
}

static void
wait_frames (MsSession *session,
             FrameLog  *log,
             guint      n)
{
  gpointer data[2] = { log, GUINT_TO_POINTER (n) };

  wait_for (session, frames_at_least, data, "frames");
}

static const MsSessionEvent *
find_event (MsSession          *session,
            MsSessionEventKind  kind,
            guint               nth)
{
  for (guint i = 0; i < ms_session_get_n_events (session); i++)
    {
      const MsSessionEvent *e = ms_session_get_event (session, i);

      if (e->kind == kind && nth-- == 0)
        return e;
    }
  return NULL;
}

static void
dump_events (MsSession *session)
{
  for (guint i = 0; i < ms_session_get_n_events (session); i++)
    {
      const MsSessionEvent *e = ms_session_get_event (session, i);

      g_test_message ("event %u at %" G_GINT64_FORMAT ": %s", e->kind, e->iteration, e->label);
    }
}

static gboolean
has_event (MsSession *session,
           gpointer   data)
{
  return find_event (session, GPOINTER_TO_UINT (data), 0) != NULL;
}

static gboolean
run_at_least (MsSession *session,
              gpointer   data)
{
  MsFrame *f = ms_session_get_frame (session);

  return f != NULL && f->run >= GPOINTER_TO_UINT (data);
}

static void
assert_curve_continuous (MsSession *session,
                         gint64     last)
{
  guint n = 0;
  const MsCurvePoint *p = ms_session_get_curve (session, &n);

  g_assert_cmpuint (n, ==, (guint) last);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (p[i].iteration, ==, (gint64) i + 1);
      g_assert_true (isfinite (p[i].loss_d) && isfinite (p[i].loss_g));
    }
}

static void
finalize_session (MsSession *session)
{
  g_assert_finalize_object (session);
}

static gboolean
iteration_above (MsSession *session,
                 gpointer   data)
{
  return ms_session_get_iteration (session) > *(gint64 *) data;
}

/* Frames arrive while running, iterations increase, every iteration has a curve point */
static void
test_session_frames (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  MsFrame *f;
  guint n = 0;
  const MsCurvePoint *p;

  settings_for_test (&s, 1);
  s.start_paused = FALSE;
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);

  wait_frames (session, &log, 6);
  /* frames come by time, not by iteration: a slow build (sanitizers) posts six sooner */
  wait_for (session, iteration_above, &(gint64) { 49 }, "iteration 50");
  ms_session_pause (session);
  wait_for (session, is_paused, NULL, "pause");
  /* everything the trainer posted before pausing is delivered with the pause's frame */
  f = ms_session_get_frame (session);
  g_assert_nonnull (f);
  g_assert_false (log.decreasing);
  g_assert_false (log.non_finite);
  g_assert_cmpint (f->iteration, >=, 50);
  g_assert_true (f->is_2d);
  g_assert_cmpint (f->grid_n, ==, 16);
  g_assert_cmpuint (f->sample_size, ==, 2);
  g_assert_null (f->grey);
  g_assert_true (f->has_evaluation);
  g_assert_cmpint (f->evaluation.n, ==, 200);
  g_assert_cmpint (f->evaluation.k, ==, 8);
  g_assert_nonnull (f->collapse_reason);
  assert_curve_continuous (session, f->iteration);
  p = ms_session_get_curve (session, &n);
  g_assert_true (p[9].has_eval);      /* iteration 10 was evaluated */
  g_assert_false (p[10].has_eval);
  g_assert_nonnull (find_event (session, MS_SESSION_EVENT_RUN_STARTED, 0));

  /* what the 2-D view draws: real points, the modes, D's output over the view */
  g_assert_cmpint (f->n_classes, ==, 8);
  g_assert_cmpstr (f->class_names[0], ==, "1");
  g_assert_null (f->class_names[8]);
  g_assert_cmpfloat_with_epsilon (f->real_share[3], 0.125, 1e-6);
  g_assert_cmpint (f->n_modes, ==, 8);
  g_assert_cmpfloat_with_epsilon (f->mode_std, 0.02, 1e-6);
  g_assert_cmpint (f->n_real, >, 100);
  g_assert_cmpint (f->heat_size, >=, 16);
  for (int i = 0; i < f->heat_size * f->heat_size; i++)
    g_assert_true (f->heat[i] >= 0.0f && f->heat[i] <= 1.0f);
  for (int m = 0; m < f->n_modes; m++)
    {
      g_assert_cmpfloat (f->mode_centres[2 * m], >, f->extent[0]);
      g_assert_cmpfloat (f->mode_centres[2 * m], <, f->extent[1]);
      g_assert_cmpfloat (f->mode_centres[2 * m + 1], >, f->extent[2]);
      g_assert_cmpfloat (f->mode_centres[2 * m + 1], <, f->extent[3]);
    }
  g_assert_nonnull (f->grid_labels);
  for (int i = 0; i < f->grid_n; i++)
    g_assert_true (f->grid_labels[i] >= -1 && f->grid_labels[i] < 8);
  g_assert_cmpstr (f->settings.dataset, ==, "ring8");
  g_assert_cmpint (f->settings.gan.loss, ==, MS_LOSS_NSGAN);
  finalize_session (session);
}

/* Commands apply between steps at the scheduled iteration and are recorded as events */
static void
test_session_commands (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  MsOptimConfig rms = ms_optim_config_default (MS_OPTIM_RMSPROP);
  const MsSessionEvent *e;
  guint lr_id, bad_id;

  settings_for_test (&s, 2);
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);

  rms.lr = 5e-5;
  lr_id = ms_session_schedule (session, 20, ms_session_command_new_set_lr (FALSE, 1e-3));
  ms_session_schedule (session, 30, ms_session_command_new_set_optim (TRUE, &rms));
  ms_session_schedule (session, 35, ms_session_command_new_set_batch (32));
  bad_id = ms_session_schedule (session, 36, ms_session_command_new_set_lr (TRUE, -1.0));
  ms_session_schedule (session, 40, ms_session_command_new_pause ());
  ms_session_resume (session);
  wait_paused_at (session, 40);

  dump_events (session);
  e = find_event (session, MS_SESSION_EVENT_LR, 0);
  g_assert_nonnull (e);
  g_assert_cmpint (e->iteration, ==, 20);
  g_assert_cmpuint (e->command_id, ==, lr_id);
  g_assert_cmpstr (e->label, ==, "lr D 0.0002 -> 0.001");
  e = find_event (session, MS_SESSION_EVENT_OPTIMIZER, 0);
  g_assert_nonnull (e);
  g_assert_cmpint (e->iteration, ==, 30);
  g_assert_true (g_str_has_prefix (e->label, "Adam -> RMSProp"));
  e = find_event (session, MS_SESSION_EVENT_BATCH, 0);
  g_assert_nonnull (e);
  g_assert_cmpint (e->iteration, ==, 35);
  g_assert_cmpstr (e->label, ==, "batch 64 -> 32");
  e = find_event (session, MS_SESSION_EVENT_REJECTED, 0);
  g_assert_nonnull (e);
  g_assert_cmpint (e->iteration, ==, 36);
  g_assert_cmpuint (e->command_id, ==, bad_id);
  e = find_event (session, MS_SESSION_EVENT_PAUSE, 0);
  g_assert_nonnull (e);
  g_assert_cmpint (e->iteration, ==, 40);
  /* the frame says how many commands were applied: resume, lr, optimizer, batch, pause */
  g_assert_cmpuint (ms_session_get_frame (session)->generation, ==, 5);
  assert_curve_continuous (session, 40);
  g_assert_false (log.non_finite);
  finalize_session (session);
}

/* Paused sessions do not train; step once runs exactly one step of the requested kind */
static void
test_session_pause_step (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after_d = NULL;
  g_autoptr(GBytes) after_g = NULL;
  gint64 it;
  guint id;

  settings_for_test (&s, 3);
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);

  wait_paused_at (session, 0);
  ms_session_push (session, ms_session_command_new_step (MS_STEP_BOTH));
  wait_paused_at (session, 1);
  assert_curve_continuous (session, 1);

  /* nothing happens while paused */
  g_usleep (100000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (ms_session_get_iteration (session), ==, 1);

  /* a D step changes the networks but not the iteration count */
  id = ms_session_snapshot (session);
  before = wait_snapshot (session, id);
  ms_session_push (session, ms_session_command_new_step (MS_STEP_D));
  id = ms_session_snapshot (session);
  after_d = wait_snapshot (session, id);
  g_assert_false (g_bytes_equal (before, after_d));
  ms_session_push (session, ms_session_command_new_step (MS_STEP_G));
  id = ms_session_snapshot (session);
  after_g = wait_snapshot (session, id);
  g_assert_false (g_bytes_equal (after_d, after_g));
  g_assert_cmpint (ms_session_get_iteration (session), ==, 1);
  g_assert_nonnull (find_event (session, MS_SESSION_EVENT_STEP, 2));

  ms_session_resume (session);
  it = 30;
  wait_for (session, iteration_above, &it, "training after resume");
  g_assert_false (ms_session_get_paused (session));
  ms_session_pause (session);
  wait_for (session, is_paused, NULL, "pause");
  it = ms_session_get_iteration (session);
  g_usleep (100000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (ms_session_get_iteration (session), ==, it);
  g_assert_false (log.non_finite);
  finalize_session (session);
}

/* Restoring a snapshot and training on gives the bytes of the first continuation */
static void
test_session_snapshot_restore (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) at20 = NULL;
  guint s20, s60a, s60b;

  settings_for_test (&s, 4);
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);

  s20 = ms_session_schedule (session, 20, ms_session_command_new_snapshot ());
  ms_session_schedule (session, 37, ms_session_command_new_set_lr (TRUE, 1e-3));
  s60a = ms_session_schedule (session, 60, ms_session_command_new_snapshot ());
  ms_session_schedule (session, 60, ms_session_command_new_pause ());
  ms_session_resume (session);
  wait_paused_at (session, 60);
  first = wait_snapshot (session, s60a);
  at20 = wait_snapshot (session, s20);
  g_assert_false (g_bytes_equal (first, at20));

  ms_session_restore (session, s20);
  ms_session_schedule (session, 37, ms_session_command_new_set_lr (TRUE, 1e-3));
  s60b = ms_session_schedule (session, 60, ms_session_command_new_snapshot ());
  ms_session_schedule (session, 60, ms_session_command_new_pause ());
  ms_session_resume (session);
  second = wait_snapshot (session, s60b);
  wait_paused_at (session, 60);

  g_assert_true (g_bytes_equal (first, second));
  /* the branch cut by the restore stays for comparison */
  g_assert_cmpuint (ms_session_get_n_branches (session), ==, 1);
  {
    guint n = 0;
    gint64 fork = 0;
    const MsCurvePoint *p = ms_session_get_branch (session, 0, &n, &fork);

    g_assert_cmpuint (n, ==, 60);
    g_assert_cmpint (fork, ==, 20);
    g_assert_cmpint (p[59].iteration, ==, 60);
  }
  g_assert_nonnull (find_event (session, MS_SESSION_EVENT_RESTORE, 0));
  g_assert_cmpint (find_event (session, MS_SESSION_EVENT_RESTORE, 0)->iteration, ==, 60);
  /* the rolled-back points were replaced, not duplicated */
  assert_curve_continuous (session, 60);
  /* restoring an unknown id is rejected */
  ms_session_restore (session, 999);
  wait_for (session, has_event, GUINT_TO_POINTER (MS_SESSION_EVENT_REJECTED), "rejection");
  g_assert_false (log.non_finite);
  finalize_session (session);
}

static GBytes *
run_to (guint64 seed,
        gint64  iteration)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  MsOptimConfig sgd = ms_optim_config_default (MS_OPTIM_MOMENTUM);
  GBytes *bytes;
  guint id;

  settings_for_test (&s, seed);
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);
  sgd.lr = 0.01;
  ms_session_schedule (session, 15, ms_session_command_new_set_lr (TRUE, 5e-4));
  ms_session_schedule (session, 25, ms_session_command_new_set_optim (FALSE, &sgd));
  id = ms_session_schedule (session, iteration, ms_session_command_new_snapshot ());
  ms_session_schedule (session, iteration, ms_session_command_new_pause ());
  ms_session_resume (session);
  bytes = wait_snapshot (session, id);
  wait_paused_at (session, iteration);
  finalize_session (session);
  return bytes;
}

/* Same seed, settings and schedule: the same run bit for bit */
static void
test_session_determinism (void)
{
  g_autoptr(GBytes) a = run_to (7, 50);
  g_autoptr(GBytes) b = run_to (7, 50);
  g_autoptr(GBytes) c = run_to (8, 50);

  g_assert_true (g_bytes_equal (a, b));
  g_assert_false (g_bytes_equal (a, c));
}

/* An absurd learning rate makes the run diverge: it is rolled back and paused, and no NaN
 * reaches a frame or the curves */
static void
test_session_divergence (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  const MsSessionEvent *e;
  guint n = 0;
  const MsCurvePoint *p;
  MsFrame *f;

  settings_for_test (&s, 5);
  s.snapshot_every = 1;
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);

  ms_session_schedule (session, 25, ms_session_command_new_set_lr (FALSE, 1e30));
  ms_session_schedule (session, 25, ms_session_command_new_set_lr (TRUE, 1e30));
  ms_session_schedule (session, 500, ms_session_command_new_pause ());
  ms_session_resume (session);
  wait_for (session, has_event, GUINT_TO_POINTER (MS_SESSION_EVENT_DIVERGED), "divergence");
  wait_for (session, is_paused, NULL, "pause");

  dump_events (session);
  e = find_event (session, MS_SESSION_EVENT_DIVERGED, 0);
  g_assert_cmpint (e->iteration, >, 25);
  g_assert_cmpint (e->iteration, <, 500);
  g_assert_nonnull (strstr (e->label, "rolled back to iteration 20"));
  f = ms_session_get_frame (session);
  g_assert_cmpint (f->iteration, ==, 20);
  g_assert_true (f->paused);
  g_assert_false (log.non_finite);
  p = ms_session_get_curve (session, &n);
  g_assert_cmpuint (n, ==, 20);
  for (guint i = 0; i < n; i++)
    g_assert_true (isfinite (p[i].loss_d) && isfinite (p[i].loss_g));

  /* A snapshot of the rolled-back state is taken as it is: the diverged step's losses, still
   * the GAN's last until the next step, do not count as a second divergence (a snapshot
   * checks the weights and optimizer moments, which the rollback made finite) */
  g_assert_null (find_event (session, MS_SESSION_EVENT_SNAPSHOT, 0));
  ms_session_snapshot (session);
  wait_for (session, has_event, GUINT_TO_POINTER (MS_SESSION_EVENT_SNAPSHOT), "snapshot");
  g_assert_null (find_event (session, MS_SESSION_EVENT_DIVERGED, 1));

  /* the rollback restored the optimizers as they were at iteration 20, so training goes on */
  ms_session_schedule (session, 40, ms_session_command_new_pause ());
  ms_session_resume (session);
  wait_paused_at (session, 40);
  g_assert_null (find_event (session, MS_SESSION_EVENT_DIVERGED, 1));
  g_assert_false (log.non_finite);
  finalize_session (session);
}

/* Reset replays the same run; a new run switches dataset; the evaluation interval changes */
static void
test_session_reset_new_run (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  g_autoptr(GBytes) a = NULL;
  g_autoptr(GBytes) b = NULL;
  MsFrame *f;
  guint id, new_run_id;

  settings_for_test (&s, 9);
  session = new_session (&s, &log);

  id = ms_session_schedule (session, 30, ms_session_command_new_snapshot ());
  ms_session_schedule (session, 30, ms_session_command_new_pause ());
  ms_session_resume (session);
  a = wait_snapshot (session, id);
  wait_paused_at (session, 30);

  ms_session_push (session, ms_session_command_new_reset ());
  wait_paused_at (session, 0);
  f = ms_session_get_frame (session);
  g_assert_cmpuint (f->run, ==, 2);
  assert_curve_continuous (session, 0);
  g_assert_cmpuint (ms_session_get_n_branches (session), ==, 1);
  g_assert_nonnull (find_event (session, MS_SESSION_EVENT_RESET, 0));

  ms_session_push (session, ms_session_command_new_set_eval_every (7));
  id = ms_session_schedule (session, 30, ms_session_command_new_snapshot ());
  ms_session_schedule (session, 30, ms_session_command_new_pause ());
  ms_session_resume (session);
  b = wait_snapshot (session, id);
  wait_paused_at (session, 30);
  g_assert_true (g_bytes_equal (a, b));
  {
    guint n = 0;
    const MsCurvePoint *p = ms_session_get_curve (session, &n);

    g_assert_cmpuint (n, ==, 30);
    g_assert_true (p[6].has_eval);    /* iteration 7 */
    g_assert_false (p[9].has_eval);   /* iteration 10 no longer */
  }

  g_free (s.dataset);
  s.dataset = g_strdup ("grid25");
  new_run_id = ms_session_push (session, ms_session_command_new_new_run (&s));
  wait_paused_at (session, 0);
  f = ms_session_get_frame (session);
  g_assert_cmpuint (f->run, ==, 3);
  /* the new run's start answers the command */
  g_assert_cmpuint (find_event (session, MS_SESSION_EVENT_RUN_STARTED, 2)->command_id, ==, new_run_id);
  g_assert_true (f->has_evaluation);
  g_assert_cmpint (f->evaluation.k, ==, 25);
  g_assert_cmpuint (ms_session_get_n_branches (session), ==, 0);
  /* a reset starts over from the settings as the commands left them */
  ms_session_push (session, ms_session_command_new_set_lr (TRUE, 1e-3));
  ms_session_push (session, ms_session_command_new_reset ());
  wait_for (session, run_at_least, GUINT_TO_POINTER (4), "the reset's run");
  f = ms_session_get_frame (session);
  g_assert_cmpfloat (f->settings.optim_g.lr, ==, 1e-3);
  g_assert_cmpfloat (f->settings.optim_d.lr, ==, s.optim_d.lr);
  /* the old run's snapshots are gone */
  ms_session_restore (session, id);
  wait_for (session, has_event, GUINT_TO_POINTER (MS_SESSION_EVENT_REJECTED), "rejection");
  g_assert_false (log.non_finite);
  ms_session_settings_clear (&s);
  finalize_session (session);
}

/* Deleting a snapshot frees it on both sides (restoring it is rejected), and a new run drops
 * the old run's snapshots from the history too, while a reset keeps them */
static void
test_session_delete_snapshot (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  guint a, b, c;
  const MsSessionEvent *e;

  settings_for_test (&s, 4);
  session = new_session (&s, &log);
  a = ms_session_schedule (session, 10, ms_session_command_new_snapshot ());
  b = ms_session_schedule (session, 20, ms_session_command_new_snapshot ());
  ms_session_schedule (session, 20, ms_session_command_new_pause ());
  ms_session_resume (session);
  g_bytes_unref (wait_snapshot (session, b));
  wait_paused_at (session, 20);
  g_assert_nonnull (ms_session_get_snapshot (session, a));

  g_assert_true (ms_session_delete_snapshot (session, a));
  g_assert_null (ms_session_get_snapshot (session, a));
  g_assert_false (ms_session_delete_snapshot (session, a));     /* already gone */
  g_assert_false (ms_session_delete_snapshot (session, 9999));  /* never taken */
  ms_session_restore (session, a);
  wait_for (session, has_event, GUINT_TO_POINTER (MS_SESSION_EVENT_REJECTED), "rejection");
  e = find_event (session, MS_SESSION_EVENT_REJECTED, 0);
  g_assert_true (strstr (e->label, "no snapshot") != NULL);
  /* the other one still restores */
  ms_session_push (session, ms_session_command_new_step (MS_STEP_BOTH));
  wait_paused_at (session, 21);
  ms_session_restore (session, b);
  wait_paused_at (session, 20);
  g_assert_nonnull (find_event (session, MS_SESSION_EVENT_RESTORE, 0));

  /* a reset keeps b; a new run drops it, also from the history */
  ms_session_push (session, ms_session_command_new_reset ());
  wait_for (session, run_at_least, GUINT_TO_POINTER (2), "the reset's run");
  g_assert_nonnull (ms_session_get_snapshot (session, b));
  c = ms_session_snapshot (session);
  g_bytes_unref (wait_snapshot (session, c));
  ms_session_push (session, ms_session_command_new_new_run (&s));
  wait_for (session, run_at_least, GUINT_TO_POINTER (3), "the new run");
  g_assert_null (ms_session_get_snapshot (session, b));
  g_assert_null (ms_session_get_snapshot (session, c));
  g_assert_false (ms_session_delete_snapshot (session, c));
  c = ms_session_snapshot (session);
  g_bytes_unref (wait_snapshot (session, c));
  g_assert_false (log.non_finite);
  ms_session_settings_clear (&s);
  finalize_session (session);
}

static void
assert_evaluations_increase (MsSession *session)
{
  guint n = 0;
  const MsSessionEvaluation *e = ms_session_get_evaluations (session, &n);

  for (guint i = 1; i < n; i++)
    g_assert_cmpint (e[i - 1].iteration, <, e[i].iteration);
}

/* The history holds one evaluation per iteration: paused new runs and resets evaluate
 * iteration 0 again, a restore the restored iteration */
static void
test_session_evaluations_unique (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  guint id, snap, n = 0;

  settings_for_test (&s, 8);
  session = new_session (&s, &log);
  for (int i = 0; i < 3; i++)
    {
      id = ms_session_push (session, ms_session_command_new_new_run (&s));
      wait_for (session, run_at_least, GUINT_TO_POINTER (i + 2), "a new run");
    }
  ms_session_push (session, ms_session_command_new_reset ());
  wait_for (session, run_at_least, GUINT_TO_POINTER (5), "the reset's run");
  ms_session_get_evaluations (session, &n);
  g_assert_cmpuint (n, <=, 1);
  snap = ms_session_schedule (session, 20, ms_session_command_new_snapshot ());
  ms_session_schedule (session, 30, ms_session_command_new_pause ());
  ms_session_resume (session);
  g_bytes_unref (wait_snapshot (session, snap));
  wait_paused_at (session, 30);
  ms_session_restore (session, snap);
  wait_paused_at (session, 20);
  wait_for (session, has_event, GUINT_TO_POINTER (MS_SESSION_EVENT_RESTORE), "the restore");
  assert_evaluations_increase (session);
  ms_session_get_evaluations (session, &n);
  g_assert_cmpint (ms_session_get_evaluations (session, &n)[n - 1].iteration, ==, 20);
  (void) id;
  ms_session_settings_clear (&s);
  finalize_session (session);
}

/* Commands pushed faster than the trainer applies them (each step costs one): frames keep
 * coming, since a drain applies only what was queued when it began */
static void
test_session_command_flood (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  gint64 end;
  guint frames_before, pushed = 0;

  settings_for_test (&s, 6);
  s.gan.batch = 512;   /* a step of about 10 ms: slower than the pushes */
  session = new_session (&s, &log);
  wait_frames (session, &log, 1);
  frames_before = log.n_frames;
  end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      ms_session_push (session, ms_session_command_new_step (MS_STEP_BOTH));
      pushed++;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  g_test_message ("%u steps pushed, %u frames while pushing, iteration %" G_GINT64_FORMAT,
                  pushed, log.n_frames - frames_before, ms_session_get_iteration (session));
  g_assert_cmpuint (log.n_frames - frames_before, >=, 1);
  g_assert_false (log.non_finite);
  ms_session_settings_clear (&s);
  finalize_session (session);
}

/* Images: the grey grid and the classifier's evaluation (skipped without MNIST) */
static void
test_session_mnist (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  MsFrame *f;

  settings_for_test (&s, 1);
  g_free (s.dataset);
  s.dataset = g_strdup ("mnist");
  s.eval_samples = 100;
  s.grid_size = 4;
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);

  ms_session_push (session, ms_session_command_new_step (MS_STEP_BOTH));
  wait_for (session, has_event, GUINT_TO_POINTER (MS_SESSION_EVENT_STEP), "one step");
  if (find_event (session, MS_SESSION_EVENT_ERROR, 0) != NULL)
    {
      g_test_skip (find_event (session, MS_SESSION_EVENT_ERROR, 0)->label);
      finalize_session (session);
      return;
    }
  wait_paused_at (session, 1);
  f = ms_session_get_frame (session);
  g_assert_false (f->is_2d);
  g_assert_cmpint (f->grid_n, ==, 4);
  g_assert_cmpuint (f->sample_size, ==, 28 * 28);
  g_assert_nonnull (f->grey);
  for (gsize i = 0; i < f->sample_size * 4; i++)
    g_assert_cmpint (f->grey[i], ==, (int) CLAMP (lrintf ((f->samples[i] + 1.0f) * 127.5f), 0, 255));
  g_assert_true (f->has_evaluation);
  g_assert_cmpint (f->evaluation.k, ==, 10);
  g_assert_cmpint (f->evaluation.n, ==, 100);
  g_assert_cmpint (f->n_classes, ==, 10);
  g_assert_nonnull (f->grid_labels);
  for (int i = 0; i < f->grid_n; i++)
    g_assert_true (f->grid_labels[i] >= 0 && f->grid_labels[i] < 10);
  {
    double sum = 0.0;

    for (int c = 0; c < 10; c++)
      sum += f->real_share[c];
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-9);
  }
  /* real test digits, as many as an evaluation draws (100 here, in 10 splits, which caps the
   * score well below 10), beat an untrained generator */
  g_assert_cmpfloat (f->reference_is, >, 4.0);
  g_assert_cmpfloat (f->reference_is, >, f->evaluation.is_mean + 1.0);
  g_assert_null (f->heat);
  finalize_session (session);
}

/* Dropping the last reference joins the trainer, running or not */
static void
test_session_dispose_running (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;

  settings_for_test (&s, 6);
  s.start_paused = FALSE;
  session = new_session (&s, &log);
  wait_frames (session, &log, 2);
  finalize_session (session);

  /* at once, before the trainer has even built its first frame */
  session = new_session (&s, &log);
  finalize_session (session);

  /* with a delivery still queued on the main context */
  session = new_session (&s, &log);
  g_usleep (50000);
  finalize_session (session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  ms_session_settings_clear (&s);
}

/* Niceness of the thread named @name, or G_MININT if there is none */
static int
thread_nice (const char *name)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *comm_path = g_strdup_printf ("/proc/self/task/%s/comm", tid);
      g_autofree char *stat_path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *comm = NULL;
      g_autofree char *stat = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after;

      if (!g_file_get_contents (comm_path, &comm, NULL, NULL)
          || !g_file_get_contents (stat_path, &stat, NULL, NULL))
        continue;
      g_strstrip (comm);
      if (!g_str_equal (comm, name) || (after = strrchr (stat, ')')) == NULL)
        continue;
      /* after the name: state is field 3, nice field 19 */
      fields = g_strsplit (after + 2, " ", -1);
      if (g_strv_length (fields) > 16)
        return atoi (fields[16]);
    }
  return G_MININT;
}

/* A window's trainer yields the CPU to the main loop; a headless one (the CLI) does not */
static void
test_session_priority (void)
{
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  int base;

  if (!g_file_test ("/proc/self/task", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no /proc/self/task");
      return;
    }
  base = getpriority (PRIO_PROCESS, 0);
  for (int headless = 0; headless <= 1; headless++)
    {
      settings_for_test (&s, 1);
      s.headless = headless;
      session = new_session (&s, &log);
      ms_session_settings_clear (&s);
      ms_session_push (session, ms_session_command_new_step (MS_STEP_BOTH));
      wait_paused_at (session, 1);
      /* relative to this thread's, in case the tests themselves run niced */
      g_assert_cmpint (thread_nice ("ms-trainer"), ==,
                       headless ? base : MIN (base + 5, 19));
      finalize_session (session);
    }
}

/* A distribution drawn with the mouse */
static void
test_session_drawn (void)
{
  static const float points[] = { -1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1.0f };
  MsSessionSettings s;
  FrameLog log;
  MsSession *session;
  MsFrame *f;
  g_autoptr(GError) error = NULL;

  settings_for_test (&s, 3);
  g_free (s.dataset);
  s.dataset = g_strdup ("drawn");
  g_assert_false (ms_session_settings_validate (&s, &error));   /* no points */
  g_assert_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID);
  g_clear_error (&error);
  s.points = g_memdup2 (points, sizeof points);
  s.n_points = 3;
  s.points[0] = NAN;
  g_assert_false (ms_session_settings_validate (&s, &error));
  g_clear_error (&error);
  s.points[0] = -1.0f;
  session = new_session (&s, &log);
  ms_session_settings_clear (&s);
  ms_session_push (session, ms_session_command_new_step (MS_STEP_BOTH));
  wait_paused_at (session, 1);
  f = ms_session_get_frame (session);
  g_assert_true (f->is_2d);
  g_assert_cmpint (f->n_modes, ==, 3);
  g_assert_cmpfloat (f->mode_centres[4], ==, 0.0f);
  g_assert_cmpfloat (f->mode_centres[5], ==, 1.0f);
  g_assert_cmpint (f->settings.n_points, ==, 3);
  finalize_session (session);
}

static void
test_session_invalid_settings (void)
{
  MsSessionSettings s;
  g_autoptr(GError) error = NULL;
  MsSession *session;

  settings_for_test (&s, 1);
  s.eval_every = 0;
  session = ms_session_new (&s, &error);
  g_assert_null (session);
  g_assert_nonnull (error);
  g_clear_error (&error);
  s.eval_every = 10;
  g_free (s.arch);
  s.arch = g_strdup ("nope");
  session = ms_session_new (&s, &error);
  g_assert_null (session);
  g_assert_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID);
  ms_session_settings_clear (&s);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session/frames", test_session_frames);
  g_test_add_func ("/session/commands", test_session_commands);
  g_test_add_func ("/session/pause-step", test_session_pause_step);
  g_test_add_func ("/session/snapshot-restore", test_session_snapshot_restore);
  g_test_add_func ("/session/determinism", test_session_determinism);
  g_test_add_func ("/session/divergence", test_session_divergence);
  g_test_add_func ("/session/reset-new-run", test_session_reset_new_run);
  g_test_add_func ("/session/delete-snapshot", test_session_delete_snapshot);
  g_test_add_func ("/session/command-flood", test_session_command_flood);
  g_test_add_func ("/session/evaluations-unique", test_session_evaluations_unique);
  g_test_add_func ("/session/mnist", test_session_mnist);
  g_test_add_func ("/session/dispose-running", test_session_dispose_running);
  g_test_add_func ("/session/invalid-settings", test_session_invalid_settings);
  g_test_add_func ("/session/drawn", test_session_drawn);
  g_test_add_func ("/session/priority", test_session_priority);

  return g_test_run ();
}
