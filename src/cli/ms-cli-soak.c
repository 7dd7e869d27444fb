/* ms-cli-soak.c: `modescope-cli soak`, hours of a user's commands in minutes
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `modescope-cli soak --minutes N` trains one headless MsSession (the window's trainer) while
 * applying a random valid command every 100 ms from a seeded generator: optimizers and
 * learning rates per network, losses and remedies, batch sizes, pause, resume, single steps,
 * snapshots (at most SOAK_MAX_SNAPSHOTS kept: the oldest is deleted, as a user tidies the
 * list), restores of a kept snapshot (branches), evaluation intervals, now and then a reset or
 * a new run.  It reports crashes, NaN escapes and memory growth:
 *
 *  - The session runs in a child process (this program again, with the hidden --worker), so
 *    that a crash or an assertion is reported by the parent with its signal and the last
 *    command the worker pushed.  A worker that stops answering for SOAK_HANG_SECONDS after
 *    its deadline is killed and reported as hung.
 *  - NaN escape: the worker checks every delivered frame (statistics, samples, evaluation),
 *    every curve point and evaluation that reaches the history, and every float of every
 *    snapshot it receives (weights and optimizer moments; after each divergence rollback it
 *    takes one to check the rolled-back weights).  A non-finite number in a frame that
 *    carries the session's DIVERGED event is the rollback itself, not an escape.  2-D data's
 *    KL may be NaN by definition (no sample near a mode: ms-evaluate.h) and is not checked.
 *  - Memory: the parent samples the worker's resident set every second.  The training step's
 *    arena keeps the peak size of the most expensive settings met so far (unroll 10 is ten
 *    times batch 16), so two raw samples compare settings, not leaks.  The levels compared are
 *    therefore taken in the same state: at the end of the warm-up (20% of the run, at most
 *    3 minutes) and at the end, the worker pauses, starts a new run with the starting
 *    settings (which frees the old networks, arenas and snapshots), waits 2 s and reads its
 *    resident set.  Growth = (end - start) / start over these two levels; above 5% fails.
 *    The raw samples' maximum and a least-squares slope after the warm-up are reported too.
 *  - The command queue: commands are applied between steps, so a slow step (unroll 10 on
 *    MNIST) lets them queue; the worker reports the longest queue (commands pushed whose
 *    event has not come back) and the longest wait for a frame.
 *
 * Output: a progress line every 10 s, then `soak minutes=... iterations=... commands=...
 * crashes=0 nan_escapes=0 rss_start_mb=... rss_end_mb=... growth=...% result=pass|fail`
 * (untranslated keys), exit 0 on pass, 1 on fail, 2 on bad flags; --report FILE writes the
 * same figures and the commands by kind as JSON.  The worker talks to the parent in lines on
 * its standard output ("ready", "cmd ID KIND TEXT", "stat KEY=VALUE...", "level KB",
 * "nan TEXT", "done"); its standard error is the parent's.
 *
 * Test-only: --inject abort|nan|leak makes the worker abort, report a fake NaN escape, or
 * hold 256 MB more after the warm-up, so the tests can show that each check fails.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "ms-checkpoint.h"
#include "ms-cli.h"
#include "ms-gan.h"
#include "ms-optim.h"
#include "ms-parallel.h"
#include "ms-session.h"

#define SOAK_TICK_MS          100
#define SOAK_PROGRESS_SECONDS 10
#define SOAK_MAX_SNAPSHOTS    8
#define SOAK_WARMUP_MAX_S     180.0
#define SOAK_WARMUP_SHARE     0.2
#define SOAK_GROWTH_LIMIT     5.0   /* percent, --growth-limit */
#define SOAK_SETTLE_MS        2000
#define SOAK_HANG_SECONDS     300   /* after the deadline, before the worker is killed */
#define SOAK_RSS_LIMIT_MB     6144  /* the worker is killed above this (a shared machine) */

typedef struct
{
  double   minutes;
  double   growth_limit;
  gint64   seed;
  char    *dataset;
  char    *arch;
  int      threads;
  char    *report;
  char    *log;
  char    *inject;
  gboolean worker;
} SoakArgs;

static void
soak_args_clear (SoakArgs *a)
{
  g_free (a->dataset);
  g_free (a->arch);
  g_free (a->report);
  g_free (a->log);
  g_free (a->inject);
}

/* Command kinds, as counted and reported (the JSON keys) */
typedef enum
{
  K_OPTIMIZER,
  K_LR,
  K_LOSS,
  K_UNROLL,
  K_VEEGAN,
  K_N_CRITIC,
  K_CLIP,
  K_GP_LAMBDA,
  K_BATCH,
  K_PAUSE,
  K_RESUME,
  K_STEP,
  K_SNAPSHOT,
  K_DELETE_SNAPSHOT,
  K_RESTORE,
  K_EVAL_EVERY,
  K_RESET,
  K_NEW_RUN,
  K_N
} Kind;

static const char * const kind_names[K_N] = {
  "optimizer", "lr", "loss", "unroll", "veegan", "n_critic", "clip", "gp_lambda", "batch",
  "pause", "resume", "step", "snapshot", "delete_snapshot", "restore", "eval_every", "reset",
  "new_run",
};

/* Relative weights per 100 ms tick (about 56 in all).  Commands that stop or move the run
 * (pause, step, restore, reset, new run) each cost an evaluation, which on MNIST takes longer
 * than an iteration, so they are rarer than setting changes.  Expensive settings (unroll 6..10,
 * n_critic 6..10) stay reachable but rare, and unroll above 5 caps the batch at 64 and
 * n_critic at 5: one such iteration of dcgan-small on MNIST takes seconds and a gigabyte of
 * step arena. */
static const double kind_weights[K_N] = {
  [K_OPTIMIZER] = 6, [K_LR] = 16, [K_LOSS] = 3, [K_UNROLL] = 2, [K_VEEGAN] = 1.5,
  [K_N_CRITIC] = 1.5, [K_CLIP] = 1.5, [K_GP_LAMBDA] = 1.5, [K_BATCH] = 3, [K_PAUSE] = 1.5,
  [K_RESUME] = 3, [K_STEP] = 2, [K_SNAPSHOT] = 2, [K_DELETE_SNAPSHOT] = 0, [K_RESTORE] = 1,
  [K_EVAL_EVERY] = 0.5, [K_RESET] = 0.15, [K_NEW_RUN] = 0.15,
};

/* Options --------------------------------------------------------------------------- */

static gboolean
parse_args (int        argc,
            char     **argv,
            SoakArgs  *a,
            GError   **error)
{
  GOptionEntry entries[] = {
    { "minutes", 0, 0, G_OPTION_ARG_DOUBLE, &a->minutes,
      N_("How long to train (fractions allowed, e.g. 0.2; default 30)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &a->seed,
      N_("Seed of the run and of the commands (default 1)"), N_("N") },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &a->dataset,
      N_("Dataset (default mnist)"), N_("NAME") },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &a->arch,
      N_("Architecture (default: dcgan-small for images, mlp for 2-D data)"), N_("NAME") },
    { "threads", 0, 0, G_OPTION_ARG_INT, &a->threads,
      N_("Engine threads (default: one per core)"), N_("N") },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &a->report,
      N_("Write the figures as JSON to FILE"), N_("FILE") },
    { "growth-limit", 0, 0, G_OPTION_ARG_DOUBLE, &a->growth_limit,
      N_("Fail above this memory growth in percent (default 5; a run of seconds needs more, "
         "its warm-up is too short for the allocator to settle)"), N_("PERCENT") },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &a->log,
      N_("Write every command the worker applied, with its time, to FILE"), N_("FILE") },
    { "inject", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &a->inject, NULL, NULL },
    { "worker", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &a->worker, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = NULL;

  a->minutes = 30.0;
  a->growth_limit = SOAK_GROWTH_LIMIT;
  a->seed = 1;
  ctx = g_option_context_new (NULL);
  /* xgettext:no-c-format */
  g_option_context_set_summary (ctx, _("Train while applying a random valid command every "
                                       "100 ms; report crashes, NaN escapes and memory "
                                       "growth above 5% after the warm-up."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, error))
    return FALSE;
  if (argc > 1)
    return ms_cli_usage_error (error, _("unexpected argument “%s”"), argv[1]);
  if (!isfinite (a->minutes) || a->minutes <= 0.0 || a->minutes > 100000.0)
    return ms_cli_usage_error (error, _("--minutes must be above 0 and at most 100000"));
  if (!isfinite (a->growth_limit) || a->growth_limit < 0.0)
    return ms_cli_usage_error (error, _("--growth-limit must be a percentage of at least 0"));
  if (a->seed < 0)
    return ms_cli_usage_error (error, _("--seed must not be negative"));
  if (a->threads < 0 || a->threads > 1024)
    return ms_cli_usage_error (error, _("--threads must be between 0 (one per core) and 1024"));
  if (a->dataset == NULL)
    a->dataset = g_strdup ("mnist");
  if (a->inject != NULL && strcmp (a->inject, "abort") != 0 && strcmp (a->inject, "nan") != 0
      && strcmp (a->inject, "leak") != 0)
    return ms_cli_usage_error (error, _("--inject must be abort, nan or leak"));
  return TRUE;
}

static gint64
read_rss_kb (GPid pid)
{
  g_autofree char *path = pid > 0 ? g_strdup_printf ("/proc/%d/statm", (int) pid)
                                  : g_strdup ("/proc/self/statm");
  g_autofree char *text = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL)
      || sscanf (text, "%lu %lu", &size, &resident) != 2)
    return -1;
  return (gint64) resident * (sysconf (_SC_PAGESIZE) / 1024);
}

/* Worker ---------------------------------------------------------------------------- */

typedef enum
{
  PHASE_RUN,
  PHASE_QUIESCE,   /* pause + new run pushed, waiting for its paused frame */
  PHASE_SETTLE,    /* waiting SOAK_SETTLE_MS before reading the level */
  PHASE_DONE,
} Phase;

typedef struct
{
  SoakArgs          *args;
  MsSession         *session;
  MsSessionSettings  start;     /* the run the soak starts (and levels) with */
  GRand             *rand;
  GMainLoop         *loop;
  gint64             t0_us;
  gint64             end_us;
  gint64             warmup_us;
  gboolean           is_2d;
  int                pack;      /* of the run last started */

  Phase              phase;
  gboolean           warmup_level_done;
  guint              quiesce_id;
  gboolean           quiesce_started;
  gint64             settle_until_us;

  /* Snapshot ids: pushed but not yet delivered, and kept (delivered, oldest first) */
  GArray            *pending_snaps;
  GArray            *kept_snaps;

  /* Commands pushed whose answer (an event with their id) has not come back */
  GQueue             in_flight;
  guint              max_queue;
  guint              n_events_seen;
  guint              n_points_checked;
  guint              n_evals_checked;
  guint              last_run;
  gint64             last_iteration;

  guint64            counts[K_N];
  guint64            commands;
  guint64            iterations;
  guint64            frames;
  guint64            restores;
  guint64            rollbacks;
  guint64            rejected;
  guint64            errors;
  guint64            nan_escapes;
  guint64            nan_in_rollback;
  guint64            snapshots_checked;
  gint64             last_frame_us;
  gint64             max_frame_gap_us;
  gint64             paused_us;
  gint64             paused_since_us;

  guint              tick;
  GPtrArray         *leak;       /* --inject leak */
  gsize              leak_bytes;
  gboolean           injected;
} Worker;

static void
emit (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

/* One line to the parent; flushed, since the parent may have to report it after a crash */
static void
emit (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  vfprintf (stdout, format, args);
  va_end (args);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
nan_escape (Worker     *w,
            const char *what,
            double      value)
{
  w->nan_escapes++;
  emit ("nan %s=%g at iteration %" G_GINT64_FORMAT, what, value, w->last_iteration);
}

static gboolean
frame_has_divergence (const MsFrame *f)
{
  for (guint i = 0; i < f->n_events; i++)
    if (f->events[i].kind == MS_SESSION_EVENT_DIVERGED)
      return TRUE;
  return FALSE;
}

/* Checks one number; returns FALSE for a non-finite one (counted and reported unless
 * @excused) */
static gboolean
check_value (Worker     *w,
             const char *what,
             double      value,
             gboolean    excused)
{
  if (isfinite (value))
    return TRUE;
  if (excused)
    w->nan_in_rollback++;
  else
    nan_escape (w, what, value);
  return FALSE;
}

static void
check_stats (Worker           *w,
             const char       *where,
             const MsGanStats *s,
             gboolean          excused)
{
  const struct { const char *name; double v; } v[] = {
    { "loss_d", s->loss_d }, { "loss_g", s->loss_g }, { "d_real", s->d_real },
    { "d_fake", s->d_fake }, { "grad_norm_d", s->grad_norm_d },
    { "grad_norm_g", s->grad_norm_g }, { "penalty", s->penalty }, { "recon", s->recon },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (v); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s.%s", where, v[i].name);

      check_value (w, what, v[i].v, excused);
    }
}

static void
check_evaluation (Worker             *w,
                  const char         *where,
                  const MsEvaluation *e,
                  gboolean            excused)
{
  g_autofree char *a = g_strdup_printf ("%s.collapse_score", where);

  check_value (w, a, e->collapse_score, excused);
  if (!e->is_2d)
    {
      const struct { const char *name; double v; } v[] = {
        { "kl_uniform", e->kl_uniform }, { "kl_reference", e->kl_reference },
        { "is_mean", e->is_mean }, { "is_std", e->is_std },
      };

      for (gsize i = 0; i < G_N_ELEMENTS (v); i++)
        {
          g_autofree char *what = g_strdup_printf ("%s.%s", where, v[i].name);

          check_value (w, what, v[i].v, excused);
        }
    }
}

static void
check_point (Worker             *w,
             const char         *where,
             const MsCurvePoint *p,
             gboolean            excused)
{
  const struct { const char *name; double v; } v[] = {
    { "loss_d", p->loss_d }, { "loss_g", p->loss_g }, { "d_real", p->d_real },
    { "d_fake", p->d_fake }, { "grad_norm_d", p->grad_norm_d },
    { "grad_norm_g", p->grad_norm_g },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (v); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s.%s", where, v[i].name);

      check_value (w, what, v[i].v, excused);
    }
  if (p->has_eval)
    {
      g_autofree char *what = g_strdup_printf ("%s.collapse_score", where);

      check_value (w, what, p->collapse_score, excused);
      if (!w->is_2d)
        {
          g_autofree char *kl = g_strdup_printf ("%s.kl", where);
          g_autofree char *is = g_strdup_printf ("%s.is_mean", where);

          check_value (w, kl, p->kl, excused);
          check_value (w, is, p->is_mean, excused);
        }
    }
}

static guint32
rd_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

/* Every float of every PARAMS section (weights, and the optimizer's m and v when saved) must
 * be finite: the session never keeps a snapshot of non-finite weights, and a rollback must
 * leave none.  The layout is ms-checkpoint.h's. */
static void
check_snapshot (Worker *w,
                guint   id,
                GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = ms_checkpoint_load_bytes (bytes, &error);

  w->snapshots_checked++;
  if (ck == NULL)
    {
      emit ("error snapshot %u cannot be read: %s", id, error->message);
      w->errors++;
      return;
    }
  for (guint i = 0; i < ms_checkpoint_get_n_sections (ck); i++)
    {
      const char *name = ms_checkpoint_get_section_name (ck, i);
      const guint8 *p, *end;
      gsize len = 0;
      guint32 flags, count;
      guint64 total, n_floats, bad = 0;

      if (ms_checkpoint_get_section_type (ck, i) != MS_CHECKPOINT_TYPE_PARAMS)
        continue;
      p = ms_checkpoint_get (ck, name, MS_CHECKPOINT_TYPE_PARAMS, &len);
      if (p == NULL || len < 16)
        continue;
      end = p + len;
      flags = rd_u32 (p);
      count = rd_u32 (p + 4);
      total = (guint64) rd_u32 (p + 8) | (guint64) rd_u32 (p + 12) << 32;
      p += 16;
      for (guint32 k = 0; k < count && p + 4 <= end; k++)
        {
          guint32 nlen = rd_u32 (p);

          p += 4 + nlen;
          if (p + 4 > end)
            break;
          p += 4 + 4 * (gsize) rd_u32 (p);
        }
      n_floats = total * ((flags & 1) ? 3 : 1);
      if (p > end || (guint64) (end - p) < n_floats * 4)
        {
          emit ("error snapshot %u: section %s is shorter than its header says", id, name);
          w->errors++;
          continue;
        }
      for (guint64 k = 0; k < n_floats; k++)
        {
          float f;

          memcpy (&f, p + 4 * k, 4);
          if (!isfinite (f))
            bad++;
        }
      if (bad > 0)
        {
          w->nan_escapes++;
          emit ("nan snapshot %u: %" G_GUINT64_FORMAT " non-finite floats in %s", id, bad,
                name);
        }
    }
}

static void
worker_stat (Worker *w)
{
  GString *s = g_string_new ("stat");
  gint64 now = g_get_monotonic_time ();
  gint64 paused = w->paused_us + (w->paused_since_us > 0 ? now - w->paused_since_us : 0);

  g_string_append_printf (s, " elapsed=%.1f iterations=%" G_GUINT64_FORMAT
                          " commands=%" G_GUINT64_FORMAT " frames=%" G_GUINT64_FORMAT
                          " queue=%u queue_max=%u snapshots_kept=%u restores=%" G_GUINT64_FORMAT
                          " rollbacks=%" G_GUINT64_FORMAT " nan_escapes=%" G_GUINT64_FORMAT
                          " nan_in_rollback=%" G_GUINT64_FORMAT " rejected=%" G_GUINT64_FORMAT
                          " errors=%" G_GUINT64_FORMAT " snapshots_checked=%" G_GUINT64_FORMAT
                          " max_frame_gap=%.1f paused_seconds=%.1f run=%u",
                          (now - w->t0_us) / 1e6, w->iterations, w->commands, w->frames,
                          w->in_flight.length, w->max_queue, w->kept_snaps->len, w->restores,
                          w->rollbacks, w->nan_escapes, w->nan_in_rollback, w->rejected,
                          w->errors, w->snapshots_checked, w->max_frame_gap_us / 1e6,
                          paused / 1e6, w->last_run);
  for (int k = 0; k < K_N; k++)
    g_string_append_printf (s, " c_%s=%" G_GUINT64_FORMAT, kind_names[k], w->counts[k]);
  emit ("%s", s->str);
  g_string_free (s, TRUE);
}

static guint push (Worker           *w,
                   Kind              kind,
                   MsSessionCommand *c,
                   const char       *format,
                   ...) G_GNUC_PRINTF (4, 5);

static void
worker_events (Worker *w)
{
  guint n = ms_session_get_n_events (w->session);
  guint max_id = 0;

  for (; w->n_events_seen < n; w->n_events_seen++)
    {
      const MsSessionEvent *e = ms_session_get_event (w->session, w->n_events_seen);

      max_id = MAX (max_id, e->command_id);
      switch (e->kind)
        {
        case MS_SESSION_EVENT_DIVERGED:
          /* Check the rolled-back weights through a snapshot of them */
          {
            guint id;

            w->rollbacks++;
            id = push (w, K_SNAPSHOT, ms_session_command_new_snapshot (),
                       "(the rolled-back weights: %s)", e->label);
            g_array_append_val (w->pending_snaps, id);
          }
          break;
        case MS_SESSION_EVENT_RESTORE:
          w->restores++;
          break;
        case MS_SESSION_EVENT_REJECTED:
          /* Every command is valid, so a rejection is worth reading (a restore of a
           * snapshot that a divergence or a new run dropped is one explanation) */
          w->rejected++;
          emit ("rejected command %u: %s", e->command_id, e->label);
          break;
        case MS_SESSION_EVENT_ERROR:
          w->errors++;
          emit ("error %s", e->label);
          break;
        case MS_SESSION_EVENT_RUN_STARTED:
          if (e->command_id != 0 && e->command_id == w->quiesce_id)
            w->quiesce_started = TRUE;
          break;
        default:
          break;
        }
    }
  while (!g_queue_is_empty (&w->in_flight)
         && GPOINTER_TO_UINT (g_queue_peek_head (&w->in_flight)) <= max_id)
    g_queue_pop_head (&w->in_flight);
}

static void
on_frame (MsSession  *session,
          GParamSpec *pspec,
          Worker     *w)
{
  MsFrame *f = ms_session_get_frame (session);
  gboolean excused;
  gint64 now = g_get_monotonic_time ();
  const MsCurvePoint *curve;
  const MsSessionEvaluation *evals;
  guint n;

  if (f == NULL)
    return;
  w->frames++;
  if (w->last_frame_us > 0 && !ms_session_get_paused (session))
    w->max_frame_gap_us = MAX (w->max_frame_gap_us, now - w->last_frame_us);
  w->last_frame_us = now;
  if (ms_session_get_paused (session) && w->paused_since_us == 0)
    w->paused_since_us = now;
  else if (!ms_session_get_paused (session) && w->paused_since_us > 0)
    {
      w->paused_us += now - w->paused_since_us;
      w->paused_since_us = 0;
    }

  /* Iterations trained: what each frame adds to the last one of the same run; a restore or
   * a rollback moves back, and training from there counts again */
  if (f->run == w->last_run && f->iteration > w->last_iteration)
    w->iterations += (guint64) (f->iteration - w->last_iteration);
  else if (f->run != w->last_run)
    w->iterations += (guint64) MAX (f->iteration, 0);
  w->last_run = f->run;
  w->last_iteration = f->iteration;
  w->is_2d = f->is_2d;

  worker_events (w);

  excused = frame_has_divergence (f);
  check_stats (w, "frame", &f->stats, excused);
  if (w->args->inject != NULL && strcmp (w->args->inject, "nan") == 0 && !w->injected
      && now >= w->warmup_us)
    {
      MsGanStats fake = f->stats;

      fake.loss_g = NAN;
      w->injected = TRUE;
      check_stats (w, "frame(injected)", &fake, FALSE);
    }
  if (f->samples != NULL)
    for (gsize i = 0; i < (gsize) f->grid_n * f->sample_size; i++)
      if (!check_value (w, "frame.samples", f->samples[i], excused))
        break;
  for (guint i = 0; i < f->n_points; i++)
    check_point (w, "frame.point", &f->points[i], excused);
  if (f->has_evaluation)
    check_evaluation (w, "frame.evaluation", &f->evaluation, excused);

  /* The history: what the views draw (rollbacks remove their points before delivery) */
  curve = ms_session_get_curve (session, &n);
  w->n_points_checked = MIN (w->n_points_checked, n);
  for (; w->n_points_checked < n; w->n_points_checked++)
    check_point (w, "curve", &curve[w->n_points_checked], FALSE);
  evals = ms_session_get_evaluations (session, &n);
  w->n_evals_checked = MIN (w->n_evals_checked, n);
  for (; w->n_evals_checked < n; w->n_evals_checked++)
    check_evaluation (w, "history.evaluation", &evals[w->n_evals_checked].evaluation, FALSE);

  /* Snapshots as they arrive */
  for (guint i = 0; i < w->pending_snaps->len;)
    {
      guint id = g_array_index (w->pending_snaps, guint, i);
      GBytes *bytes = ms_session_get_snapshot (session, id);

      if (bytes == NULL)
        {
          i++;
          continue;
        }
      check_snapshot (w, id, bytes);
      g_array_remove_index (w->pending_snaps, i);
      g_array_append_val (w->kept_snaps, id);
    }
}

static guint
push (Worker           *w,
      Kind              kind,
      MsSessionCommand *c,
      const char       *format,
      ...)
{
  va_list args;
  g_autofree char *text = NULL;
  guint id;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  id = ms_session_push (w->session, c);
  /* Before the trainer can apply it: if applying it crashes, the parent names it */
  emit ("cmd %u %s %s", id, kind_names[kind], text);
  g_queue_push_tail (&w->in_flight, GUINT_TO_POINTER (id));
  w->max_queue = MAX (w->max_queue, w->in_flight.length);
  w->counts[kind]++;
  w->commands++;
  return id;
}

static double
log_uniform (GRand  *r,
             double  lo,
             double  hi)
{
  return exp (g_rand_double_range (r, log (lo), log (hi)));
}

/* The settings as the trainer will have them once the queue is applied are unknown (a
 * restore brings a snapshot's back), so limits use the larger of the frame's and the last
 * pushed value */
typedef struct
{
  MsGanConfig gan;
  gboolean    valid;
} Model;

static Model model;

static MsGanConfig
current_gan (Worker *w)
{
  MsFrame *f = ms_session_get_frame (w->session);
  MsGanConfig c = f != NULL ? f->settings.gan : w->start.gan;

  if (model.valid)
    {
      MsGanConfig m = model.gan;

      /* Start from the frame's; take the pushed one's costly values if larger */
      c.batch = MAX (c.batch, m.batch);
      c.unroll = MAX (c.unroll, m.unroll);
    }
  return c;
}

/* PacGAN multiplies what D sees by pack; the unroll repeats D steps inside the G step */
static int
batch_cap (Worker *w,
           int     unroll)
{
  int cap = unroll > 5 ? 32 : unroll > 0 ? 64 : 256;

  return MAX (8, cap / MAX (w->pack, 1));
}

static void
push_gan (Worker      *w,
          Kind         kind,
          MsGanConfig *c,
          const char  *text)
{
  g_autoptr(GError) error = NULL;

  c->batch = MIN (c->batch, batch_cap (w, c->unroll));
  if (c->unroll > 5)
    c->n_critic = MIN (c->n_critic, 5);
  if (c->veegan)
    c->unroll = 0;
  c->adagan_rounds = 0;
  if (!ms_gan_config_validate (c, &error))
    {
      /* A soak bug, not the session's: say so and skip */
      emit ("error the soak built an invalid configuration (%s): %s", text, error->message);
      w->errors++;
      return;
    }
  model.gan = *c;
  model.valid = TRUE;
  push (w, kind, ms_session_command_new_set_gan_config (c), "%s", text);
}

static void
push_new_run (Worker                  *w,
              const MsSessionSettings *s,
              Kind                     kind,
              const char              *text)
{
  /* A new run drops every snapshot of the old one */
  g_array_set_size (w->pending_snaps, 0);
  g_array_set_size (w->kept_snaps, 0);
  model.valid = FALSE;
  push (w, kind, ms_session_command_new_new_run (s), "%s", text);
}

static void
random_command (Worker *w)
{
  GRand *r = w->rand;
  double total = 0, pick;
  Kind kind = K_LR;
  MsGanConfig c = current_gan (w);
  gboolean paused = ms_session_get_paused (w->session);
  double weights[K_N];

  memcpy (weights, kind_weights, sizeof weights);
  if (w->kept_snaps->len == 0)
    weights[K_RESTORE] = 0;
  if (paused)
    weights[K_PAUSE] = 1;
  for (int k = 0; k < K_N; k++)
    total += weights[k];
  pick = g_rand_double_range (r, 0, total);
  for (int k = 0; k < K_N; k++)
    {
      if (pick < weights[k])
        {
          kind = (Kind) k;
          break;
        }
      pick -= weights[k];
    }

  switch (kind)
    {
    case K_OPTIMIZER:
      {
        gboolean gen = g_rand_boolean (r);
        MsOptimKind ok = (MsOptimKind) g_rand_int_range (r, 0, MS_OPTIM_N_KINDS);
        MsOptimConfig o = ms_optim_config_default (ok);

        o.lr = ok == MS_OPTIM_ADAM || ok == MS_OPTIM_RMSPROP ? log_uniform (r, 2e-5, 2e-3)
                                                            : log_uniform (r, 1e-4, 2e-2);
        push (w, kind, ms_session_command_new_set_optim (gen, &o), "%s %s lr %g",
              gen ? "G" : "D", ms_optim_kind_to_string (ok), o.lr);
      }
      break;
    case K_LR:
      {
        gboolean gen = g_rand_boolean (r);
        /* Now and then a rate that can make training diverge (the window's spin button
         * goes to 10): the rollback is part of what is soaked */
        double lr = g_rand_double (r) < 0.03 ? log_uniform (r, 0.5, 10.0)
                                              : log_uniform (r, 1e-5, 1e-2);

        push (w, kind, ms_session_command_new_set_lr (gen, lr), "%s %g", gen ? "G" : "D", lr);
      }
      break;
    case K_LOSS:
      {
        MsLossKind loss = (MsLossKind) g_rand_int_range (r, 0, MS_LOSS_N_KINDS);
        MsGanConfig d = ms_gan_config_default (loss);
        g_autofree char *text = NULL;

        c.loss = loss;
        c.n_critic = d.n_critic;
        text = g_strdup_printf ("%s n_critic %d", ms_loss_kind_to_string (loss), c.n_critic);
        push_gan (w, kind, &c, text);
      }
      break;
    case K_UNROLL:
      {
        double u = g_rand_double (r);
        g_autofree char *text = NULL;

        c.unroll = u < 0.6 ? 0 : u < 0.95 ? g_rand_int_range (r, 1, 6)
                                          : g_rand_int_range (r, 6, 11);
        c.unroll_first_order = g_rand_boolean (r);
        if (c.unroll > 0)
          c.veegan = FALSE;
        text = g_strdup_printf ("%d %s", c.unroll, c.unroll_first_order ? "first-order"
                                                                         : "second-order");
        push_gan (w, kind, &c, text);
      }
      break;
    case K_VEEGAN:
      c.veegan = !c.veegan;
      push_gan (w, kind, &c, c.veegan ? "on" : "off");
      break;
    case K_N_CRITIC:
      {
        g_autofree char *text = NULL;

        c.n_critic = g_rand_double (r) < 0.9 ? g_rand_int_range (r, 1, 6)
                                             : g_rand_int_range (r, 6, 11);
        text = g_strdup_printf ("%d", c.n_critic);
        push_gan (w, kind, &c, text);
      }
      break;
    case K_CLIP:
      {
        g_autofree char *text = NULL;

        c.clip = (float) log_uniform (r, 1e-3, 0.1);
        text = g_strdup_printf ("%g", c.clip);
        push_gan (w, kind, &c, text);
      }
      break;
    case K_GP_LAMBDA:
      {
        static const float lambdas[] = { 0.0f, 0.1f, 1.0f, 10.0f, 50.0f, 100.0f };
        g_autofree char *text = NULL;

        c.gp_lambda = lambdas[g_rand_int_range (r, 0, G_N_ELEMENTS (lambdas))];
        text = g_strdup_printf ("%g", c.gp_lambda);
        push_gan (w, kind, &c, text);
      }
      break;
    case K_BATCH:
      {
        static const int batches[] = { 8, 16, 32, 64, 128, 256 };
        int b = batches[g_rand_int_range (r, 0, G_N_ELEMENTS (batches))];

        b = MIN (b, batch_cap (w, c.unroll));
        c.batch = b;
        if (model.valid)
          model.gan.batch = b;
        push (w, kind, ms_session_command_new_set_batch (b), "%d", b);
      }
      break;
    case K_PAUSE:
      push (w, kind, ms_session_command_new_pause (), "%s", "");
      break;
    case K_RESUME:
      push (w, kind, ms_session_command_new_resume (), "%s", "");
      break;
    case K_STEP:
      {
        static const char * const names[] = { "D", "G", "both" };
        MsStepKind s = (MsStepKind) g_rand_int_range (r, 0, 3);

        push (w, kind, ms_session_command_new_step (s), "%s", names[s]);
      }
      break;
    case K_SNAPSHOT:
      {
        guint id = push (w, kind, ms_session_command_new_snapshot (), "%s", "");

        g_array_append_val (w->pending_snaps, id);
      }
      break;
    case K_RESTORE:
      {
        guint i = (guint) g_rand_int_range (r, 0, (gint32) w->kept_snaps->len);
        guint id = g_array_index (w->kept_snaps, guint, i);

        model.valid = FALSE;
        push (w, kind, ms_session_command_new_restore (id), "%u", id);
      }
      break;
    case K_EVAL_EVERY:
      {
        static const int ks[] = { 25, 50, 100, 200 };
        int k = ks[g_rand_int_range (r, 0, G_N_ELEMENTS (ks))];

        push (w, kind, ms_session_command_new_set_eval_every (k), "%d", k);
      }
      break;
    case K_RESET:
      model.valid = FALSE;
      push (w, kind, ms_session_command_new_reset (), "%s", "");
      break;
    case K_NEW_RUN:
      {
        MsSessionSettings s;
        g_autofree char *text = NULL;

        ms_session_settings_copy (&s, &w->start);
        s.seed = (guint64) g_rand_int_range (r, 1, 1000000);
        s.pack = g_rand_double (r) < 0.7 ? 1 : g_rand_int_range (r, 2, 5);
        w->pack = s.pack;
        text = g_strdup_printf ("seed %" G_GUINT64_FORMAT " pack %d", s.seed, s.pack);
        push_new_run (w, &s, kind, text);
        ms_session_settings_clear (&s);
      }
      break;
    case K_DELETE_SNAPSHOT:
    case K_N:
    default:
      g_assert_not_reached ();
    }

  /* A user tidies the snapshot list: the oldest goes once there are too many */
  while (w->kept_snaps->len > SOAK_MAX_SNAPSHOTS)
    {
      guint id = g_array_index (w->kept_snaps, guint, 0);

      g_array_remove_index (w->kept_snaps, 0);
      emit ("cmd %u delete_snapshot %u", id, id);
      if (ms_session_delete_snapshot (w->session, id))
        {
          w->counts[K_DELETE_SNAPSHOT]++;
          w->commands++;
        }
    }
}

static void
start_quiesce (Worker *w)
{
  w->phase = PHASE_QUIESCE;
  w->quiesce_started = FALSE;
  push (w, K_PAUSE, ms_session_command_new_pause (), "%s", "(level)");
  w->pack = w->start.pack;
  push_new_run (w, &w->start, K_NEW_RUN, "(level: the starting settings)");
  w->quiesce_id = GPOINTER_TO_UINT (g_queue_peek_tail (&w->in_flight));
}

static gboolean
on_tick (gpointer data)
{
  Worker *w = data;
  gint64 now = g_get_monotonic_time ();

  worker_events (w);
  switch (w->phase)
    {
    case PHASE_RUN:
      if (!w->warmup_level_done && now >= w->warmup_us)
        {
          w->warmup_level_done = TRUE;
          start_quiesce (w);
          break;
        }
      if (now >= w->end_us)
        {
          start_quiesce (w);
          break;
        }
      if (w->args->inject != NULL && strcmp (w->args->inject, "abort") == 0
          && now >= w->t0_us + (w->end_us - w->t0_us) / 4)
        {
          emit ("cmd 0 abort (injected)");
          abort ();
        }
      if (w->args->inject != NULL && strcmp (w->args->inject, "leak") == 0
          && w->warmup_level_done)
        {
          /* 256 MB, 16 MB a tick, touched so it is resident */
          gsize chunk = 16 << 20;

          if (w->leak_bytes < (256u << 20))
            {
              guint8 *p = g_malloc (chunk);

              memset (p, 0xa5, chunk);
              g_ptr_array_add (w->leak, p);
              w->leak_bytes += chunk;
            }
        }
      random_command (w);
      break;

    case PHASE_QUIESCE:
      {
        MsFrame *f = ms_session_get_frame (w->session);

        if (w->quiesce_started && g_queue_is_empty (&w->in_flight) && f != NULL && f->paused
            && f->iteration == 0)
          {
            w->phase = PHASE_SETTLE;
            w->settle_until_us = now + SOAK_SETTLE_MS * 1000;
          }
      }
      break;

    case PHASE_SETTLE:
      if (now >= w->settle_until_us)
        {
          gint64 untrimmed = read_rss_kb (0);
          struct mallinfo2 mi;
          guint n_curve = 0, n_evals = 0;

          /* Freed memory the allocator keeps for later (a curve that a new run emptied,
           * a bigger arena freed) is not growth: give it back first, and say how much.
           * The allocator's own count of live bytes goes with it. */
          malloc_trim (0);
          mi = mallinfo2 ();
          ms_session_get_curve (w->session, &n_curve);
          ms_session_get_evaluations (w->session, &n_evals);
          emit ("level %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, read_rss_kb (0), untrimmed);
          emit ("heap in_use_kb=%zu mmapped_kb=%zu curve=%u evaluations=%u events=%u "
                "branches=%u", mi.uordblks / 1024, mi.hblkhd / 1024, n_curve, n_evals,
                ms_session_get_n_events (w->session), ms_session_get_n_branches (w->session));
          if (now >= w->end_us)
            {
              w->phase = PHASE_DONE;
              worker_stat (w);
              emit ("done");
              g_main_loop_quit (w->loop);
              w->tick = 0;
              return G_SOURCE_REMOVE;
            }
          w->phase = PHASE_RUN;
          push (w, K_RESUME, ms_session_command_new_resume (), "%s", "(after the level)");
        }
      break;

    case PHASE_DONE:
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stat (gpointer data)
{
  worker_stat (data);
  return G_SOURCE_CONTINUE;
}

static int
run_worker (SoakArgs *a)
{
  g_autoptr(GError) error = NULL;
  Worker w = { 0 };
  guint stat;
  double seconds = a->minutes * 60.0;
  int status = 0;

  if (a->threads > 0)
    ms_parallel_set_threads (a->threads);
  ms_session_settings_init (&w.start, a->dataset, MS_LOSS_NSGAN);
  g_free (w.start.arch);
  w.start.arch = g_strdup (a->arch);
  w.start.seed = (guint64) a->seed;
  w.start.headless = TRUE;
  w.pack = w.start.pack;
  w.args = a;
  w.rand = g_rand_new_with_seed ((guint32) (a->seed ^ 0x50a4u));
  w.pending_snaps = g_array_new (FALSE, FALSE, sizeof (guint));
  w.kept_snaps = g_array_new (FALSE, FALSE, sizeof (guint));
  w.leak = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&w.in_flight);

  w.session = ms_session_new_sync (&w.start, &error);
  if (w.session == NULL)
    {
      fprintf (stderr, _("modescope-cli soak: %s\n"), error->message);
      status = MS_CLI_EXIT_USAGE;
      goto out;
    }
  g_signal_connect (w.session, "notify::frame", G_CALLBACK (on_frame), &w);
  w.loop = g_main_loop_new (NULL, FALSE);
  w.t0_us = g_get_monotonic_time ();
  w.end_us = w.t0_us + (gint64) (seconds * G_USEC_PER_SEC);
  w.warmup_us = w.t0_us + (gint64) (MIN (seconds * SOAK_WARMUP_SHARE, SOAK_WARMUP_MAX_S)
                                    * G_USEC_PER_SEC);
  emit ("ready");
  w.tick = g_timeout_add (SOAK_TICK_MS, on_tick, &w);
  stat = g_timeout_add_seconds (1, on_stat, &w);
  g_main_loop_run (w.loop);
  g_source_remove (stat);
  g_clear_handle_id (&w.tick, g_source_remove);

  g_object_unref (w.session);
  g_main_loop_unref (w.loop);

out:
  g_rand_free (w.rand);
  g_array_unref (w.pending_snaps);
  g_array_unref (w.kept_snaps);
  g_ptr_array_unref (w.leak);
  g_queue_clear (&w.in_flight);
  ms_session_settings_clear (&w.start);
  return status;
}

/* Parent ---------------------------------------------------------------------------- */

typedef struct
{
  SoakArgs         *args;
  GMainLoop        *loop;
  GSubprocess      *proc;
  GPid              pid;
  GDataInputStream *in;
  GCancellable     *cancel;

  gboolean          ready;
  gboolean          done;
  gboolean          exited;
  gboolean          hung;
  gboolean          over_limit;
  gint64            start_us;      /* "ready" */
  double            seconds;
  double            warmup_s;

  char             *last_command;
  FILE             *log;           /* --log */
  GHashTable       *stat;          /* the latest "stat" line: key -> value */
  GPtrArray        *nan_lines;
  GPtrArray        *messages;      /* rejected commands, errors */
  gint64            levels[2];     /* KB; -1 until read */
  gint64            untrimmed[2];  /* the same before malloc_trim() */
  gint64            heap_kb[2];    /* live bytes by the allocator's count (mallinfo2) */
  guint             n_levels;

  /* RSS samples after "ready": seconds, KB */
  GArray           *t;
  GArray           *rss;
  gint64            rss_max_kb;
  gint64            rss_warmup_sample_kb;
  gint64            rss_last_kb;
  gint64            last_progress_us;
  guint             sample;
  double            load_start, load_sum;
  guint             load_n;
} Parent;

static const char *
stat_get (Parent     *p,
          const char *key)
{
  const char *v = g_hash_table_lookup (p->stat, key);

  return v != NULL ? v : "0";
}

static double
read_load (void)
{
  g_autofree char *text = NULL;
  double load = -1;

  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    sscanf (text, "%lf", &load);
  return load;
}

static void read_next_line (Parent *p);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Parent *p = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (p->in, result, NULL,
                                                                     &error);

  if (line == NULL)
    return;   /* the end (the worker exited) or cancelled */
  if (p->log != NULL && !g_str_has_prefix (line, "stat "))
    fprintf (p->log, "%.1f %s\n",
             p->ready ? (g_get_monotonic_time () - p->start_us) / 1e6 : 0.0, line);
  if (strcmp (line, "ready") == 0)
    {
      p->ready = TRUE;
      p->start_us = g_get_monotonic_time ();
      p->last_progress_us = p->start_us;
      p->load_start = read_load ();
    }
  else if (strcmp (line, "done") == 0)
    p->done = TRUE;
  else if (g_str_has_prefix (line, "cmd "))
    {
      g_free (p->last_command);
      p->last_command = g_strdup (line + 4);
    }
  else if (g_str_has_prefix (line, "stat "))
    {
      g_auto(GStrv) kv = g_strsplit (line + 5, " ", -1);

      for (guint i = 0; kv[i] != NULL; i++)
        {
          char *eq = strchr (kv[i], '=');

          if (eq != NULL)
            g_hash_table_replace (p->stat, g_strndup (kv[i], (gsize) (eq - kv[i])),
                                  g_strdup (eq + 1));
        }
    }
  else if (g_str_has_prefix (line, "level "))
    {
      char *end = NULL;
      gint64 trimmed = g_ascii_strtoll (line + 6, &end, 10);
      gint64 untrimmed = g_ascii_strtoll (end, NULL, 10);

      printf (_("soak: resident memory after a new run with the starting settings: %.1f MB "
                "(%.1f MB before the allocator returned its free memory)\n"),
              trimmed / 1024.0, untrimmed / 1024.0);
      if (p->n_levels < 2)
        p->n_levels++;
      p->levels[p->n_levels - 1] = trimmed;
      p->untrimmed[p->n_levels - 1] = untrimmed;
      fflush (stdout);
    }
  else if (g_str_has_prefix (line, "nan "))
    {
      if (p->nan_lines->len < 100)
        g_ptr_array_add (p->nan_lines, g_strdup (line + 4));
      fprintf (stderr, _("soak: a non-finite number escaped: %s\n"), line + 4);
    }
  else if (g_str_has_prefix (line, "heap "))
    {
      guint64 in_use = 0, mmapped = 0;

      printf ("soak: %s\n", line);
      fflush (stdout);
      if (sscanf (line, "heap in_use_kb=%" G_GUINT64_FORMAT " mmapped_kb=%" G_GUINT64_FORMAT,
                  &in_use, &mmapped) == 2 && p->n_levels > 0)
        p->heap_kb[p->n_levels - 1] = (gint64) (in_use + mmapped);
    }
  else if (g_str_has_prefix (line, "rejected ") || g_str_has_prefix (line, "error "))
    {
      if (p->messages->len < 100)
        g_ptr_array_add (p->messages, g_strdup (line));
      fprintf (stderr, "soak: %s\n", line);
    }
  read_next_line (p);
}

static void
read_next_line (Parent *p)
{
  g_data_input_stream_read_line_async (p->in, G_PRIORITY_DEFAULT, p->cancel, on_line, p);
}

static void
on_worker_exit (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Parent *p = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  p->exited = TRUE;
}

static gboolean
on_sample (gpointer data)
{
  Parent *p = data;
  gint64 now = g_get_monotonic_time ();
  gint64 kb;
  double t;

  if (p->exited)
    {
      g_main_loop_quit (p->loop);
      p->sample = 0;
      return G_SOURCE_REMOVE;
    }
  if (!p->ready)
    return G_SOURCE_CONTINUE;
  t = (now - p->start_us) / 1e6;
  if (t > p->seconds + SOAK_HANG_SECONDS)
    {
      /* Past its deadline and still not done: hung (a step can take seconds, not minutes) */
      p->hung = TRUE;
      g_subprocess_force_exit (p->proc);
      return G_SOURCE_CONTINUE;
    }
  if (p->done)
    return G_SOURCE_CONTINUE;   /* tearing down: no longer the run's memory */
  kb = read_rss_kb (p->pid);
  if (kb < 0)
    return G_SOURCE_CONTINUE;
  if (kb > (gint64) SOAK_RSS_LIMIT_MB * 1024 && !p->over_limit)
    {
      /* The machine is shared: a worker this large is stopped (and the run fails) */
      p->over_limit = TRUE;
      fprintf (stderr, _("soak: the worker uses %.0f MB, over the limit of %d MB: stopping it\n"),
               kb / 1024.0, SOAK_RSS_LIMIT_MB);
      g_subprocess_force_exit (p->proc);
      return G_SOURCE_CONTINUE;
    }
  p->rss_last_kb = kb;
  if (t >= p->warmup_s)
    {
      if (p->rss_warmup_sample_kb < 0)
        p->rss_warmup_sample_kb = kb;
      p->rss_max_kb = MAX (p->rss_max_kb, kb);
      g_array_append_val (p->t, t);
      g_array_append_val (p->rss, kb);
    }
  {
    double load = read_load ();

    if (load >= 0)
      {
        p->load_sum += load;
        p->load_n++;
      }
  }
  if (now - p->last_progress_us >= SOAK_PROGRESS_SECONDS * G_USEC_PER_SEC)
    {
      double it = g_ascii_strtod (stat_get (p, "iterations"), NULL);

      p->last_progress_us = now;
      printf (_("soak: %.0f of %.0f s, %.0f iterations (%.1f it/s), %s commands, queue %s "
                "(longest %s), %s snapshots kept, %s restores, %s rollbacks, %s NaN escapes, "
                "resident %.1f MB\n"),
              t, p->seconds, it, t > 0 ? it / t : 0.0, stat_get (p, "commands"),
              stat_get (p, "queue"), stat_get (p, "queue_max"), stat_get (p, "snapshots_kept"),
              stat_get (p, "restores"), stat_get (p, "rollbacks"), stat_get (p, "nan_escapes"),
              kb / 1024.0);
      fflush (stdout);
    }
  return G_SOURCE_CONTINUE;
}

/* Least-squares slope of the samples after the warm-up, in MB per hour */
static double
rss_slope_mb_per_hour (Parent *p)
{
  double st = 0, sr = 0, stt = 0, str = 0;
  guint n = p->t->len;

  if (n < 2)
    return 0;
  for (guint i = 0; i < n; i++)
    {
      double t = g_array_index (p->t, double, i), r = g_array_index (p->rss, gint64, i) / 1024.0;

      st += t;
      sr += r;
      stt += t * t;
      str += t * r;
    }
  if (n * stt - st * st <= 0)
    return 0;
  return (n * str - st * sr) / (n * stt - st * st) * 3600.0;
}

static void
json_string (GString    *s,
             const char *text)
{
  g_string_append_c (s, '"');
  for (const char *c = text; *c != '\0'; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_printf (s, "\\%c", *c);
      else if ((guchar) *c < 0x20)
        g_string_append_printf (s, "\\u%04x", *c);
      else
        g_string_append_c (s, *c);
    }
  g_string_append_c (s, '"');
}

static int
run_parent (SoakArgs *a)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  Parent p = { 0 };
  gboolean crashed = FALSE, pass;
  int status, signal_no = 0, exit_code = 0, rc;
  double growth = 0, rss_start_mb, rss_end_mb, minutes_run, iterations, train_s;
  g_autofree char *crash_text = NULL;
  g_autofree char *summary = NULL;

  if (a->report != NULL)
    {
      /* An unwritable report is a usage error, found before half an hour of training */
      g_autofree char *dir = g_path_get_dirname (a->report);

      if (!g_file_test (dir, G_FILE_TEST_IS_DIR) || g_access (dir, W_OK) != 0)
        {
          fprintf (stderr, _("modescope-cli soak: cannot write the report into “%s”: %s\n"),
                   dir, g_strerror (errno != 0 ? errno : ENOENT));
          return MS_CLI_EXIT_USAGE;
        }
    }

  if (a->log != NULL && (p.log = fopen (a->log, "w")) == NULL)
    {
      fprintf (stderr, _("modescope-cli soak: cannot write the log “%s”: %s\n"), a->log,
               g_strerror (errno));
      return MS_CLI_EXIT_USAGE;
    }

  g_ptr_array_add (argv, g_strdup (self_exe != NULL ? self_exe : "modescope-cli"));
  g_ptr_array_add (argv, g_strdup ("soak"));
  g_ptr_array_add (argv, g_strdup ("--worker"));
  g_ptr_array_add (argv, g_strdup_printf ("--minutes=%.17g", a->minutes));
  g_ptr_array_add (argv, g_strdup_printf ("--seed=%" G_GINT64_FORMAT, a->seed));
  g_ptr_array_add (argv, g_strdup_printf ("--dataset=%s", a->dataset));
  if (a->arch != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--arch=%s", a->arch));
  if (a->threads > 0)
    g_ptr_array_add (argv, g_strdup_printf ("--threads=%d", a->threads));
  if (a->inject != NULL)
    g_ptr_array_add (argv, g_strdup_printf ("--inject=%s", a->inject));
  g_ptr_array_add (argv, NULL);

  p.args = a;
  p.seconds = a->minutes * 60.0;
  p.warmup_s = MIN (p.seconds * SOAK_WARMUP_SHARE, SOAK_WARMUP_MAX_S);
  p.stat = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p.nan_lines = g_ptr_array_new_with_free_func (g_free);
  p.messages = g_ptr_array_new_with_free_func (g_free);
  p.t = g_array_new (FALSE, FALSE, sizeof (double));
  p.rss = g_array_new (FALSE, FALSE, sizeof (gint64));
  p.rss_warmup_sample_kb = -1;
  p.levels[0] = p.levels[1] = -1;
  p.untrimmed[0] = p.untrimmed[1] = -1;
  p.cancel = g_cancellable_new ();

  p.proc = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                              &error);
  if (p.proc == NULL)
    {
      fprintf (stderr, _("modescope-cli soak: cannot start the worker: %s\n"), error->message);
      return MS_CLI_EXIT_FAILURE;
    }
  p.pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (p.proc), NULL, 10);
  p.in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p.proc));
  p.loop = g_main_loop_new (NULL, FALSE);
  /* %lld, not G_GINT64_FORMAT: xgettext cuts a msgid at a macro */
  printf (_("soak: %.1f minutes on %s (seed %lld), a command every %d ms; "
            "memory is compared after a warm-up of %.0f s\n"),
          a->minutes, a->dataset, (long long) a->seed, SOAK_TICK_MS, p.warmup_s);
  fflush (stdout);
  read_next_line (&p);
  g_subprocess_wait_async (p.proc, NULL, on_worker_exit, &p);
  p.sample = g_timeout_add_seconds (1, on_sample, &p);
  g_main_loop_run (p.loop);
  g_clear_handle_id (&p.sample, g_source_remove);
  g_cancellable_cancel (p.cancel);
  /* Lines still buffered (the last command before a crash) */
  while (TRUE)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (p.in, NULL, NULL, NULL);

      if (line == NULL)
        break;
      if (p.log != NULL)
        fprintf (p.log, "end %s\n", line);
      if (g_str_has_prefix (line, "cmd "))
        {
          g_free (p.last_command);
          p.last_command = g_strdup (line + 4);
        }
    }

  status = g_subprocess_get_status (p.proc);
  if (g_subprocess_get_if_signaled (p.proc))
    {
      signal_no = g_subprocess_get_term_sig (p.proc);
      crashed = TRUE;
      if (p.hung)
        crash_text = g_strdup_printf (_("the worker hung and was killed (%s)"),
                                      g_strsignal (signal_no));
      else if (p.over_limit)
        crash_text = g_strdup_printf (_("the worker went over %d MB and was killed (%s)"),
                                      SOAK_RSS_LIMIT_MB, g_strsignal (signal_no));
      else
        crash_text = g_strdup_printf (_("the worker died of signal %d (%s)"), signal_no,
                                      g_strsignal (signal_no));
    }
  else
    {
      exit_code = g_subprocess_get_exit_status (p.proc);
      if (exit_code == MS_CLI_EXIT_USAGE && !p.ready)
        {
          rc = MS_CLI_EXIT_USAGE;   /* the worker said why: a dataset or architecture */
          goto out;
        }
      if (exit_code != 0 || !p.done)
        {
          crashed = TRUE;
          crash_text = g_strdup_printf (_("the worker exited with status %d before the end"),
                                        exit_code);
        }
    }
  (void) status;
  if (crashed)
    fprintf (stderr, _("soak: %s; the last command was: %s\n"), crash_text,
             p.last_command != NULL ? p.last_command : _("(none)"));

  rss_start_mb = p.levels[0] >= 0 ? p.levels[0] / 1024.0 : 0;
  rss_end_mb = p.n_levels >= 2 ? p.levels[1] / 1024.0 : p.rss_last_kb / 1024.0;
  if (rss_start_mb > 0)
    growth = (rss_end_mb - rss_start_mb) / rss_start_mb * 100.0;
  iterations = g_ascii_strtod (stat_get (&p, "iterations"), NULL);
  minutes_run = p.ready ? (g_get_monotonic_time () - p.start_us) / 60e6 : 0;
  train_s = g_ascii_strtod (stat_get (&p, "elapsed"), NULL);
  pass = !crashed && p.nan_lines->len == 0 && g_ascii_strtoull (stat_get (&p, "nan_escapes"),
                                                                 NULL, 10) == 0
         && p.n_levels >= 2 && growth <= a->growth_limit;

  printf (_("soak: commands by kind:"));
  for (int k = 0; k < K_N; k++)
    {
      g_autofree char *key = g_strdup_printf ("c_%s", kind_names[k]);

      printf (" %s=%s", kind_names[k], stat_get (&p, key));
    }
  printf ("\n");
  printf (_("soak: %.0f iterations in %.0f s (%.2f it/s, %s s paused), %s frames, %s snapshots "
            "checked, %s kept, %s restores, %s divergence rollbacks, %s rejected commands, "
            "longest queue %s, longest wait for a frame %s s\n"),
          iterations, train_s, train_s > 0 ? iterations / train_s : 0.0,
          stat_get (&p, "paused_seconds"), stat_get (&p, "frames"),
          stat_get (&p, "snapshots_checked"), stat_get (&p, "snapshots_kept"),
          stat_get (&p, "restores"), stat_get (&p, "rollbacks"), stat_get (&p, "rejected"),
          stat_get (&p, "queue_max"), stat_get (&p, "max_frame_gap"));
  printf (_("soak: resident memory: %.1f MB at the end of the warm-up, %.1f MB at the end "
            "(both after a new run; %.1f and %.1f MB before the allocator returned its free "
            "memory), %.1f MB at most while training (%.1f MB in the first sample after the "
            "warm-up); trend %+.1f MB per hour; load average %.2f\n"),
          rss_start_mb, rss_end_mb, p.untrimmed[0] / 1024.0, p.untrimmed[1] / 1024.0,
          p.rss_max_kb / 1024.0,
          p.rss_warmup_sample_kb > 0 ? p.rss_warmup_sample_kb / 1024.0 : 0.0,
          rss_slope_mb_per_hour (&p), p.load_n > 0 ? p.load_sum / p.load_n : 0.0);
  printf (_("soak: live heap (the allocator's count): %.1f MB at the end of the warm-up, "
            "%.1f MB at the end\n"), p.heap_kb[0] / 1024.0, p.heap_kb[1] / 1024.0);
  summary = g_strdup_printf ("soak minutes=%.2f iterations=%.0f commands=%s crashes=%d "
                             "nan_escapes=%s rss_start_mb=%.1f rss_end_mb=%.1f growth=%.2f%% "
                             "result=%s",
                             minutes_run, iterations, stat_get (&p, "commands"), crashed ? 1 : 0,
                             stat_get (&p, "nan_escapes"), rss_start_mb, rss_end_mb, growth,
                             pass ? "pass" : "fail");
  printf ("%s\n", summary);
  fflush (stdout);

  rc = pass ? 0 : MS_CLI_EXIT_FAILURE;
  if (a->report != NULL)
    {
      GString *j = g_string_new ("{\n");

      g_string_append (j, "  \"dataset\": ");
      json_string (j, a->dataset);
      g_string_append (j, ",\n  \"arch\": ");
      if (a->arch != NULL)
        json_string (j, a->arch);
      else
        g_string_append (j, "null");
      g_string_append_printf (j, ",\n  \"seed\": %" G_GINT64_FORMAT ",\n"
                              "  \"threads\": %d,\n"
                              "  \"minutes_requested\": %.6g,\n"
                              "  \"minutes\": %.4f,\n"
                              "  \"warmup_seconds\": %.1f,\n"
                              "  \"iterations\": %.0f,\n"
                              "  \"iterations_per_second\": %.4f,\n",
                              a->seed, a->threads > 0 ? a->threads : ms_parallel_threads (),
                              a->minutes, minutes_run, p.warmup_s, iterations,
                              train_s > 0 ? iterations / train_s : 0.0);
      g_string_append_printf (j, "  \"commands\": %s,\n  \"commands_by_kind\": {",
                              stat_get (&p, "commands"));
      for (int k = 0; k < K_N; k++)
        {
          g_autofree char *key = g_strdup_printf ("c_%s", kind_names[k]);

          g_string_append_printf (j, "%s\"%s\": %s", k > 0 ? ", " : "", kind_names[k],
                                  stat_get (&p, key));
        }
      g_string_append (j, "},\n");
      {
        static const char * const keys[] = {
          "frames", "snapshots_checked", "snapshots_kept", "restores", "rollbacks",
          "nan_escapes", "nan_in_rollback", "rejected", "errors", "queue_max",
          "max_frame_gap", "paused_seconds",
        };

        for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
          g_string_append_printf (j, "  \"%s\": %s,\n", keys[i], stat_get (&p, keys[i]));
      }
      g_string_append_printf (j, "  \"crashes\": %d,\n  \"crash\": ", crashed ? 1 : 0);
      if (crashed)
        json_string (j, crash_text);
      else
        g_string_append (j, "null");
      g_string_append (j, ",\n  \"last_command\": ");
      if (p.last_command != NULL)
        json_string (j, p.last_command);
      else
        g_string_append (j, "null");
      g_string_append (j, ",\n  \"nan_reports\": [");
      for (guint i = 0; i < p.nan_lines->len; i++)
        {
          g_string_append (j, i > 0 ? ", " : "");
          json_string (j, g_ptr_array_index (p.nan_lines, i));
        }
      g_string_append (j, "],\n  \"messages\": [");
      for (guint i = 0; i < p.messages->len; i++)
        {
          g_string_append (j, i > 0 ? ", " : "");
          json_string (j, g_ptr_array_index (p.messages, i));
        }
      g_string_append_printf (j, "],\n  \"rss_start_mb\": %.2f,\n  \"rss_end_mb\": %.2f,\n"
                              "  \"rss_start_untrimmed_mb\": %.2f,\n"
                              "  \"rss_end_untrimmed_mb\": %.2f,\n"
                              "  \"rss_max_mb\": %.2f,\n  \"rss_warmup_sample_mb\": %.2f,\n"
                              "  \"rss_end_sample_mb\": %.2f,\n"
                              "  \"rss_trend_mb_per_hour\": %.3f,\n"
                              "  \"heap_start_mb\": %.2f,\n  \"heap_end_mb\": %.2f,\n"
                              "  \"growth_percent\": %.3f,\n  \"growth_limit_percent\": %.1f,\n"
                              "  \"load_average\": %.2f,\n",
                              rss_start_mb, rss_end_mb, p.untrimmed[0] / 1024.0,
                              p.untrimmed[1] / 1024.0, p.rss_max_kb / 1024.0,
                              p.rss_warmup_sample_kb > 0 ? p.rss_warmup_sample_kb / 1024.0 : 0.0,
                              p.rss_last_kb / 1024.0, rss_slope_mb_per_hour (&p),
                              p.heap_kb[0] / 1024.0, p.heap_kb[1] / 1024.0, growth,
                              a->growth_limit, p.load_n > 0 ? p.load_sum / p.load_n : 0.0);
      g_string_append (j, "  \"summary\": ");
      json_string (j, summary);
      g_string_append_printf (j, ",\n  \"result\": \"%s\"\n}\n", pass ? "pass" : "fail");
      if (!g_file_set_contents (a->report, j->str, (gssize) j->len, &error))
        {
          fprintf (stderr, _("modescope-cli soak: cannot write the report: %s\n"),
                   error->message);
          rc = MS_CLI_EXIT_FAILURE;
        }
      g_string_free (j, TRUE);
    }

out:
  if (p.log != NULL)
    fclose (p.log);
  g_object_unref (p.in);
  g_object_unref (p.proc);
  g_object_unref (p.cancel);
  g_main_loop_unref (p.loop);
  g_hash_table_unref (p.stat);
  g_ptr_array_unref (p.nan_lines);
  g_ptr_array_unref (p.messages);
  g_array_unref (p.t);
  g_array_unref (p.rss);
  g_free (p.last_command);
  return rc;
}

int
ms_cli_soak (int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  SoakArgs a = { 0 };
  int rc;

  if (!parse_args (argc, argv, &a, &error))
    {
      fprintf (stderr, "modescope-cli soak: %s\n", error->message);
      soak_args_clear (&a);
      return MS_CLI_EXIT_USAGE;
    }
  rc = a.worker ? run_worker (&a) : run_parent (&a);
  soak_args_clear (&a);
  return rc;
}
