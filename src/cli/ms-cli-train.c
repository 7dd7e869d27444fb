/* ms-cli-train.c: `modescope-cli train`, a headless training run
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every flag is checked before training starts: a bad value or an unreadable file ends the
 * program with a message and exit code 2, never halfway through a run.  That includes
 * --schedule (parsed, then replayed on the starting settings so every resulting setting is
 * validated) and the folders of --json and --csv (a file is created there and removed).
 *
 * --csv FILE: header iter,loss_d,loss_g,is,is_std,kl,kl_ref,kl_floor,modes,k,hq,diversity,
 * collapse_score,collapse and one row per evaluation.  A metric that does not apply to the
 * dataset is an empty field: is, is_std and diversity for 2-D data, hq for images.  A metric
 * that applies but is undefined this time is "nan" (kl of 2-D data when no sample is near a
 * mode).  For 2-D data kl_ref is the reverse KL (rkl= on the progress line), kl_floor is the
 * 99th percentile of a perfect generator's KL; collapse is the detector's state (with
 * hysteresis), collapse_score this evaluation's own score.
 *
 * --json FILE: {"settings": {...}, "evaluations": [...], "events": [...], "final": {...}}
 * with the same metrics (null where the CSV has an empty field or nan).  Both files are
 * written at the end with g_file_set_contents() (atomic replace), also when training stops
 * because it diverged.
 *
 * The run is an MsSession, as in the window (one training loop for both front ends): a
 * headless session built before training (so data and architecture errors exit 2), the
 * schedule as session commands at their iterations, a pause at --iters, and a main loop that
 * prints from the session's history (evaluations and events) whenever a frame arrives, so a
 * coalesced frame loses nothing.  Evaluations cost what they always did: eval_samples
 * generator samples every --eval-every iterations and at the last one, on noise fixed for the
 * run; the output is the same as when this command drove MsGan itself.
 *
 * --snapshot FILE writes the session file at the end (with the schedule and the printed
 * events as notes); --resume FILE continues one: --iters counts every iteration, explicit
 * flags change the file's settings at its iteration (printed as events, a branch of the
 * saved run), and without --schedule the file's schedule goes on.  --grid FILE.png draws the
 * final frame with libms-plot (the sample grid, or the scatter for 2-D data).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ms-cli.h"
#include "ms-cli-args.h"
#include "ms-evaluate.h"
#include "ms-gan.h"
#include "ms-parallel.h"
#include "ms-plot.h"
#include "ms-schedule.h"
#include "ms-session.h"
#include "ms-session-export.h"
#include "ms-values.h"


/* Whether @flag was given on the command line (as --flag VALUE or --flag=VALUE), which a
 * resumed run needs to tell an explicit setting from a default */
static gboolean
flag_given (char      **argv,
            const char *flag)
{
  gsize n = strlen (flag);

  for (int i = 1; argv[i] != NULL; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      if (strncmp (argv[i], flag, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
        return TRUE;
    }
  return FALSE;
}

/* --json / --csv: checked before training, written at the end */

/* Fails when @path cannot be written: a directory, a folder that does not exist or one where
 * no file can be created (tried with a temporary file, removed at once). */
static gboolean
check_writable (const char  *flag,
                const char  *path,
                GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *probe = NULL;
  int fd, saved_errno;

  if (path == NULL)
    return TRUE;
  if (*path == '\0')
    return ms_cli_usage_error (error, _("%s: the file name is empty"), flag);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return ms_cli_usage_error (error, _("%s: “%s” is a directory"), flag, path);
  dir = g_path_get_dirname (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return ms_cli_usage_error (error, _("%s: cannot write “%s”: the directory “%s” does not "
                                        "exist"), flag, path, dir);
  probe = g_build_filename (dir, ".modescope-cli-XXXXXX", NULL);
  fd = g_mkstemp (probe);
  saved_errno = errno;
  if (fd < 0)
    return ms_cli_usage_error (error, _("%s: cannot write “%s” in “%s”: %s"), flag, path, dir,
                               g_strerror (saved_errno));
  g_close (fd, NULL);
  g_unlink (probe);
  return TRUE;
}

typedef MsSessionEvaluation EvalRecord;

typedef struct
{
  gint64  iter;
  char   *what;
} EventRecord;

static void
event_record_free (EventRecord *ev)
{
  g_free (ev->what);
  g_free (ev);
}

static gboolean
write_file (const char  *flag,
            const char  *path,
            const char  *contents)
{
  g_autoptr(GError) error = NULL;

  if (g_file_set_contents (path, contents, -1, &error))
    return TRUE;
  fprintf (stderr, "modescope-cli train: %s: %s\n", flag, error->message);
  return FALSE;
}

/* --schedule: the settings it changes, replayed before training (to validate) and applied
 * during it */
typedef struct
{
  MsGanConfig   config;
  MsOptimConfig opt_g, opt_d;
} TrainState;

static const char *
optim_label (MsOptimKind kind)
{
  static const char *const labels[] = { "SGD", "Momentum", "Nesterov", "RMSProp", "Adam" };

  return (int) kind >= 0 && kind < G_N_ELEMENTS (labels) ? labels[kind] : "?";
}

/* Another kind starts from its defaults and keeps the learning rate; the same kind is kept. */
static void
switch_optim (MsOptimConfig *o,
              MsOptimKind    kind)
{
  double lr = o->lr;

  if (o->kind == kind)
    return;
  *o = ms_optim_config_default (kind);
  o->lr = lr;
}

/* Changes @s by one entry (already validated by the parser); returns the event's text.
 * @group_sets: the keys of the entry's whole ITER:... group, so that a loss change applies
 * its objective's paper defaults only to what the group does not set itself. */
static char *
schedule_apply (TrainState            *s,
                const MsScheduleEntry *e,
                const char * const    *group_keys)
{
  const char *k = e->key;
  double v = e->number;

  if (strcmp (k, "optimizer") == 0)
    {
      MsOptimKind og = s->opt_g.kind, od = s->opt_d.kind;

      switch_optim (&s->opt_g, (MsOptimKind) v);
      switch_optim (&s->opt_d, (MsOptimKind) v);
      if (og == od)
        return g_strdup_printf ("%s -> %s (G and D)", optim_label (og),
                                optim_label ((MsOptimKind) v));
      return g_strdup_printf ("G %s -> %s, D %s -> %s", optim_label (og),
                              optim_label ((MsOptimKind) v), optim_label (od),
                              optim_label ((MsOptimKind) v));
    }
  if (strcmp (k, "optimizer-g") == 0 || strcmp (k, "optimizer-d") == 0)
    {
      gboolean gen = k[10] == 'g';
      MsOptimConfig *o = gen ? &s->opt_g : &s->opt_d;
      MsOptimKind old = o->kind;

      switch_optim (o, (MsOptimKind) v);
      return g_strdup_printf ("%s -> %s (%s)", optim_label (old), optim_label ((MsOptimKind) v),
                              gen ? "G" : "D");
    }
  if (strcmp (k, "lr") == 0 || strcmp (k, "momentum") == 0 || strcmp (k, "beta1") == 0
      || strcmp (k, "beta2") == 0)
    {
      double *fg = k[0] == 'l' ? &s->opt_g.lr : k[0] == 'm' ? &s->opt_g.momentum
                   : k[4] == '1' ? &s->opt_g.beta1 : &s->opt_g.beta2;
      double *fd = k[0] == 'l' ? &s->opt_d.lr : k[0] == 'm' ? &s->opt_d.momentum
                   : k[4] == '1' ? &s->opt_d.beta1 : &s->opt_d.beta2;
      char *label;

      if (*fg == *fd)
        label = g_strdup_printf ("%s %g -> %g (G and D)", k, *fg, v);
      else
        label = g_strdup_printf ("%s %g/%g -> %g (G and D)", k, *fg, *fd, v);
      *fg = *fd = v;
      return label;
    }
  if (strcmp (k, "lr-g") == 0 || strcmp (k, "lr-d") == 0)
    {
      gboolean gen = k[3] == 'g';
      MsOptimConfig *o = gen ? &s->opt_g : &s->opt_d;
      double old = o->lr;

      o->lr = v;
      return g_strdup_printf ("lr %g -> %g (%s)", old, v, gen ? "G" : "D");
    }
  if (strcmp (k, "loss") == 0)
    {
      MsLossKind old = s->config.loss;
      MsGanConfig defaults = ms_gan_config_default ((MsLossKind) v);

      s->config.loss = (MsLossKind) v;
      /* The objective's paper defaults, unless the same entry sets them */
      if (old != s->config.loss)
        {
          if (!g_strv_contains (group_keys, "n-critic"))
            s->config.n_critic = defaults.n_critic;
          if (!g_strv_contains (group_keys, "clip"))
            s->config.clip = defaults.clip;
          if (!g_strv_contains (group_keys, "gp-lambda"))
            s->config.gp_lambda = defaults.gp_lambda;
        }
      return g_strdup_printf ("loss %s -> %s", ms_loss_kind_to_string (old),
                              ms_loss_kind_to_string ((MsLossKind) v));
    }
  if (strcmp (k, "n-critic") == 0)
    {
      int old = s->config.n_critic;

      s->config.n_critic = (int) v;
      return g_strdup_printf ("n_critic %d -> %d", old, s->config.n_critic);
    }
  if (strcmp (k, "gp-lambda") == 0)
    {
      float old = s->config.gp_lambda;

      s->config.gp_lambda = (float) v;
      return g_strdup_printf ("gp_lambda %g -> %g", old, s->config.gp_lambda);
    }
  if (strcmp (k, "clip") == 0)
    {
      float old = s->config.clip;

      s->config.clip = (float) v;
      return g_strdup_printf ("clip %g -> %g", old, s->config.clip);
    }
  if (strcmp (k, "unroll") == 0)
    {
      int old = s->config.unroll;

      s->config.unroll = (int) v;
      return g_strdup_printf ("unroll %d -> %d", old, s->config.unroll);
    }
  if (strcmp (k, "first-order-unroll") == 0)
    {
      gboolean old = s->config.unroll_first_order;

      s->config.unroll_first_order = v != 0;
      return g_strdup_printf ("first_order_unroll %s -> %s", old ? "on" : "off",
                              v != 0 ? "on" : "off");
    }
  if (strcmp (k, "batch") == 0)
    {
      int old = s->config.batch;

      s->config.batch = (int) v;
      return g_strdup_printf ("batch %d -> %d", old, s->config.batch);
    }
  if (strcmp (k, "veegan") == 0)
    {
      gboolean old = s->config.veegan;

      s->config.veegan = v != 0;
      return g_strdup_printf ("veegan %s -> %s", old ? "on" : "off", v != 0 ? "on" : "off");
    }
  if (strcmp (k, "adagan-rounds") == 0)
    {
      int old = s->config.adagan_rounds;

      s->config.adagan_rounds = (int) v;
      return g_strdup_printf ("adagan_rounds %d -> %d", old, s->config.adagan_rounds);
    }
  return NULL;   /* not a key of ms-schedule.h */
}

/* The changes of one iteration: what they say, and the settings they lead to */
typedef struct
{
  gint64      iter;
  GPtrArray  *labels;       /* char *, in the order written */
  TrainState  after;
  guint       first_id;     /* of its first session command, once scheduled */
  gboolean    printed;
} ScheduleGroup;

static void
schedule_group_free (ScheduleGroup *g)
{
  g_ptr_array_unref (g->labels);
  g_free (g);
}

/* Applies @n entries (of one iteration) to *@s and records them as a group; fails when an
 * entry is unknown or the settings they lead to are invalid. */
static gboolean
schedule_group (MsScheduleEntry * const *entries,
                guint                    n,
                gint64                   iter,
                TrainState              *s,
                GPtrArray               *groups,
                GError                 **error)
{
  ScheduleGroup *g = g_new0 (ScheduleGroup, 1);

  g->iter = iter;
  g->labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      const MsScheduleEntry *e = entries[i];
      MsValueSetting setting;
      g_autoptr(GPtrArray) keys = g_ptr_array_new ();
      char *what;

      for (guint j = 0; j < n; j++)
        if (entries[j]->entry == e->entry)
          g_ptr_array_add (keys, entries[j]->key);
      g_ptr_array_add (keys, NULL);
      what = schedule_apply (s, e, (const char * const *) keys->pdata);
      if (what == NULL)
        {
          g_set_error (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
                       _("--schedule: unknown key “%s” at iteration %lld"), e->key,
                       (long long) iter);
          schedule_group_free (g);
          return FALSE;
        }
      g_ptr_array_add (g->labels, what);
      /* The schedule's parser checks the same ranges (ms-values.h) as the window and the
       * flags; checked again here, where the value is applied */
      if (ms_value_setting_from_key (e->key, &setting)
          && !ms_value_check (setting, e->number, error))
        {
          g_prefix_error (error, _("--schedule at iteration %lld: %s: "), (long long) iter,
                          e->key);
          schedule_group_free (g);
          return FALSE;
        }
    }
  if (!ms_gan_config_validate (&s->config, error)
      || !ms_optim_config_validate (&s->opt_g, error)
      || !ms_optim_config_validate (&s->opt_d, error))
    {
      g_prefix_error (error, _("--schedule at iteration %lld: "), (long long) iter);
      schedule_group_free (g);
      return FALSE;
    }
  g->after = *s;
  g_ptr_array_add (groups, g);
  return TRUE;
}

/* Parses @text and replays the entries after iteration @from (from @from on with
 * @include_from) on the starting settings @start, appending one group per iteration. */
static gboolean
schedule_prepare (const char       *text,
                  gint64            from,
                  gboolean          include_from,
                  gint64            iters,
                  gboolean          saving,
                  const TrainState *start,
                  GPtrArray        *groups,
                  GError          **error)
{
  g_autoptr(GPtrArray) schedule = NULL;
  TrainState s = *start;
  gboolean warned = FALSE;
  guint i = 0;

  if (text == NULL)
    return TRUE;
  if (!ms_schedule_parse (text, &schedule, error))
    {
      g_prefix_error (error, "--schedule: ");
      return FALSE;
    }
  while (i < schedule->len)
    {
      gint64 iter = ((MsScheduleEntry *) g_ptr_array_index (schedule, i))->iteration;
      guint j = i;

      while (j < schedule->len
             && ((MsScheduleEntry *) g_ptr_array_index (schedule, j))->iteration == iter)
        j++;
      if (iter > from || (include_from && iter == from))
        {
          if (!schedule_group ((MsScheduleEntry * const *) schedule->pdata + i, j - i, iter, &s,
                               groups, error))
            return FALSE;
          if (iter > iters && !saving && !warned)
            {
              fprintf (stderr, _("modescope-cli train: warning: --schedule: the changes at "
                                 "iteration %lld come after --iters %lld and will not be "
                                 "applied\n"), (long long) iter, (long long) iters);
              warned = TRUE;
              /* later groups are validated but never scheduled (--snapshot keeps them for
               * --resume) */
            }
        }
      i = j;
    }
  return TRUE;
}

/* Turns each group into session commands at its iteration (at once when @at is negative):
 * the objective, then G's and D's optimizer, whichever changed (one command in any case, so
 * that the group's events are printed when it applies). */
static void
schedule_commands (MsSession        *session,
                   GPtrArray        *groups,
                   const TrainState *start,
                   gint64            iters,
                   gint64            at)
{
  TrainState prev = *start;

  for (guint i = 0; i < groups->len; i++)
    {
      ScheduleGroup *g = g_ptr_array_index (groups, i);
      gint64 when = at >= 0 ? at : g->iter;
      guint ids[3] = { 0, };
      int n = 0;

      if (g->iter > iters)
        break;
#define SEND(cmd) (ids[n++] = ms_session_schedule (session, when, (cmd)))
      if (!ms_gan_config_equal (&prev.config, &g->after.config))
        SEND (ms_session_command_new_set_gan_config (&g->after.config));
      if (!ms_optim_config_equal (&prev.opt_g, &g->after.opt_g))
        SEND (ms_session_command_new_set_optim (TRUE, &g->after.opt_g));
      if (!ms_optim_config_equal (&prev.opt_d, &g->after.opt_d))
        SEND (ms_session_command_new_set_optim (FALSE, &g->after.opt_d));
      if (n == 0)
        SEND (ms_session_command_new_set_optim (TRUE, &g->after.opt_g));
#undef SEND
      g->first_id = ids[0];
      prev = g->after;
    }
}

/* Which flags were typed: on --resume they change the file's settings */
typedef struct
{
  gboolean dataset, arch, loss, optimizer, optimizer_g, optimizer_d, lr, lr_g, lr_d, momentum,
           beta1, beta2, n_critic, unroll, first_order_unroll, gp_lambda, clip, pack, batch,
           iters, seed, eval_every, eval_samples, veegan, adagan_rounds, adagan_round_iters;
} Given;

static void
given_scan (char  **argv,
            Given  *g)
{
  g->dataset = flag_given (argv, "--dataset");
  g->arch = flag_given (argv, "--arch");
  g->loss = flag_given (argv, "--loss");
  g->optimizer = flag_given (argv, "--optimizer");
  g->optimizer_g = flag_given (argv, "--optimizer-g");
  g->optimizer_d = flag_given (argv, "--optimizer-d");
  g->lr = flag_given (argv, "--lr");
  g->lr_g = flag_given (argv, "--lr-g");
  g->lr_d = flag_given (argv, "--lr-d");
  g->momentum = flag_given (argv, "--momentum");
  g->beta1 = flag_given (argv, "--beta1");
  g->beta2 = flag_given (argv, "--beta2");
  g->n_critic = flag_given (argv, "--n-critic");
  g->unroll = flag_given (argv, "--unroll");
  g->first_order_unroll = flag_given (argv, "--first-order-unroll");
  g->gp_lambda = flag_given (argv, "--gp-lambda");
  g->clip = flag_given (argv, "--clip");
  g->pack = flag_given (argv, "--pack");
  g->batch = flag_given (argv, "--batch");
  g->iters = flag_given (argv, "--iters");
  g->seed = flag_given (argv, "--seed");
  g->eval_every = flag_given (argv, "--eval-every");
  g->eval_samples = flag_given (argv, "--eval-samples");
  g->veegan = flag_given (argv, "--veegan");
  g->adagan_rounds = flag_given (argv, "--adagan-rounds");
  g->adagan_round_iters = flag_given (argv, "--adagan-round-iters");
}

static MsScheduleEntry *
entry_new (const char *key,
           double      number)
{
  MsScheduleEntry *e = g_new0 (MsScheduleEntry, 1);

  e->entry = 1;
  e->key = g_strdup (key);
  e->number = number;
  return e;
}

/* --resume with flags: the changes they make to the file's settings, as one group of
 * schedule-like entries at the file's iteration (same semantics and event texts) */
static gboolean
resume_overrides (const MsCliTrainArgs   *a,
                  const Given       *given,
                  gint64             at,
                  TrainState        *s,
                  GPtrArray         *groups,
                  GError           **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_schedule_entry_free);
  MsLossKind loss;
  MsOptimKind kind;
  guint before = groups->len;

  if (given->dataset || given->arch || given->pack || given->seed || given->eval_samples)
    return ms_cli_usage_error (error, _("--resume: --dataset, --arch, --pack, --seed and "
                                        "--eval-samples are the file’s and cannot change"));
  if (given->loss)
    {
      if (!ms_loss_kind_from_string (a->loss, &loss, error))
        return FALSE;
      g_ptr_array_add (entries, entry_new ("loss", loss));
    }
#define NUMBER(flag, key, value) if (given->flag) g_ptr_array_add (entries, entry_new (key, value))
  NUMBER (n_critic, "n-critic", a->n_critic);
  NUMBER (gp_lambda, "gp-lambda", a->gp_lambda);
  NUMBER (clip, "clip", a->clip);
  NUMBER (unroll, "unroll", a->unroll);
  NUMBER (first_order_unroll, "first-order-unroll", a->first_order_unroll);
  NUMBER (batch, "batch", a->batch);
  NUMBER (veegan, "veegan", a->veegan);
  NUMBER (adagan_rounds, "adagan-rounds", a->adagan_rounds);
#define OPTIM(flag, key, name) \
  if (given->flag) \
    { \
      if (!ms_optim_kind_from_string (name, &kind, error)) \
        return FALSE; \
      g_ptr_array_add (entries, entry_new (key, kind)); \
    }
  OPTIM (optimizer, "optimizer", a->optimizer);
  OPTIM (optimizer_g, "optimizer-g", a->optimizer_g);
  OPTIM (optimizer_d, "optimizer-d", a->optimizer_d);
  NUMBER (lr, "lr", a->lr);
  NUMBER (lr_g, "lr-g", a->lr_g);
  NUMBER (lr_d, "lr-d", a->lr_d);
  NUMBER (momentum, "momentum", a->momentum);
  NUMBER (beta1, "beta1", a->beta1);
  NUMBER (beta2, "beta2", a->beta2);
#undef NUMBER
#undef OPTIM
  if (entries->len > 0
      && !schedule_group ((MsScheduleEntry * const *) entries->pdata, entries->len, at, s,
                          groups, error))
    return FALSE;
  if (given->adagan_round_iters || (given->adagan_rounds && a->adagan_rounds > 1))
    {
      ScheduleGroup *g;
      int old = s->config.adagan_round_iters;

      s->config.adagan_round_iters = a->adagan_round_iters > 0 ? a->adagan_round_iters
                                     : (int) MAX (1, a->iters / MAX (1, a->adagan_rounds));
      if (!ms_gan_config_validate (&s->config, error))
        return FALSE;
      if (groups->len == before)
        {
          g = g_new0 (ScheduleGroup, 1);
          g->iter = at;
          g->labels = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (groups, g);
        }
      g = g_ptr_array_index (groups, groups->len - 1);
      g_ptr_array_add (g->labels, g_strdup_printf ("adagan_round_iters %d -> %d", old,
                                                   s->config.adagan_round_iters));
      g->after = *s;
    }
  return TRUE;
}

/* The run, driven from the main loop */
typedef struct
{
  MsSession     *session;
  GMainLoop     *loop;
  GPtrArray     *groups;        /* ScheduleGroup */
  GPtrArray     *events;        /* EventRecord: what --json lists */
  guint          stop_id;       /* the pause at --iters */
  gint64         start_iter;
  gint64         iters;
  gint64         t0;
  guint          n_printed;     /* evaluations printed */
  guint          n_events_seen;
  gboolean       done;
  gint64         diverged_at;
  TrainState     start;         /* the settings training started from */
  const char    *snapshot;      /* --snapshot */
  gboolean       diverged;
  gboolean       failed;
} Run;

static char *
metrics_line (const MsEvaluation *e,
              MsCollapseState     state)
{
  g_autofree char *line = ms_evaluation_format (e);
  const char *raw = ms_collapse_state_to_string (e->collapse_state);

  /* The line shows the detector's state (with hysteresis), not this evaluation's alone. */
  if (g_str_has_suffix (line, raw))
    line[strlen (line) - strlen (raw)] = '\0';
  return g_strconcat (line, ms_collapse_state_to_string (state), NULL);
}

/* What happened, where training stands and what to try: on stderr, the line a user reads */
static void
print_divergence (Run                  *run,
                  const MsSessionEvent *e)
{
  const TrainState *s = &run->start;
  double lr;
  char rate[G_ASCII_DTOSTR_BUF_SIZE], lower[G_ASCII_DTOSTR_BUF_SIZE];

  /* The rates in effect when it diverged: the last schedule group applied by then (the
   * rollback may have undone it) */
  for (guint i = 0; i < run->groups->len; i++)
    {
      const ScheduleGroup *g = g_ptr_array_index (run->groups, i);

      if (g->iter <= e->iteration)
        s = &g->after;
    }
  lr = MAX (s->opt_g.lr, s->opt_d.lr);
  g_ascii_formatd (rate, sizeof rate, "%g", lr);
  g_ascii_formatd (lower, sizeof lower, "%g", MAX (lr / 10.0, MS_VALUE_RATE_MIN));
  /* e->label: "diverged at iteration N (what): rolled back to iteration M ... and paused" */
  fprintf (stderr, _("modescope-cli train: training %s.\n"), e->label);
  fprintf (stderr, _("modescope-cli train: the losses or weights became NaN or infinite with a "
                     "learning rate of %s: try a smaller one, such as --lr %s (exit status "
                     "3)\n"), rate, lower);
  if (run->snapshot != NULL)
    fprintf (stderr, _("modescope-cli train: --snapshot saves the state training was rolled "
                       "back to; continue it with --resume %s --lr %s\n"), run->snapshot, lower);
}

static void
print_group (Run           *run,
             ScheduleGroup *g)
{
  for (guint i = 0; i < g->labels->len; i++)
    {
      EventRecord *ev = g_new0 (EventRecord, 1);

      ev->iter = g->iter;
      ev->what = g_strdup (g_ptr_array_index (g->labels, i));
      printf ("event iter=%" G_GINT64_FORMAT " what=\"%s\"\n", ev->iter, ev->what);
      g_ptr_array_add (run->events, ev);
    }
  g->printed = TRUE;
}

/* Prints what the session delivered since the last call, in iteration order: each
 * evaluation's progress line, then the changes applied at that iteration. */
static void
run_process (Run *run)
{
  guint n_evals = 0, n_events = ms_session_get_n_events (run->session);
  const MsSessionEvaluation *evals = ms_session_get_evaluations (run->session, &n_evals);
  g_autoptr(GPtrArray) ready = g_ptr_array_new ();   /* ScheduleGroup whose commands applied */
  guint gi = 0;

  for (; run->n_events_seen < n_events; run->n_events_seen++)
    {
      const MsSessionEvent *e = ms_session_get_event (run->session, run->n_events_seen);

      if (e->command_id != 0 && e->command_id == run->stop_id)
        run->done = TRUE;
      if (e->kind == MS_SESSION_EVENT_DIVERGED)
        {
          print_divergence (run, e);
          run->diverged = run->done = TRUE;
          run->diverged_at = e->iteration;
        }
      else if (e->kind == MS_SESSION_EVENT_REJECTED)
        {
          fprintf (stderr, _("modescope-cli train: a change was %s\n"), e->label);
          run->failed = run->done = TRUE;
        }
      else if (e->kind == MS_SESSION_EVENT_BATCH && e->command_id == 0)
        fprintf (stderr, _("modescope-cli train: note: %s\n"), e->label);
      else if (e->kind == MS_SESSION_EVENT_ERROR)
        fprintf (stderr, _("modescope-cli train: warning: %s\n"), e->label);
      for (guint i = 0; e->command_id != 0 && i < run->groups->len; i++)
        {
          ScheduleGroup *g = g_ptr_array_index (run->groups, i);

          if (g->first_id == e->command_id && !g->printed)
            g_ptr_array_add (ready, g);
        }
    }

  for (; run->n_printed < n_evals; run->n_printed++)
    {
      const MsSessionEvaluation *r = &evals[run->n_printed];
      g_autofree char *metrics = NULL;
      double elapsed = (g_get_monotonic_time () - run->t0) / 1e6;
      double rate;

      if (r->iteration <= run->start_iter)
        continue;   /* from the file */
      while (gi < ready->len && ((ScheduleGroup *) g_ptr_array_index (ready, gi))->iter < r->iteration)
        print_group (run, g_ptr_array_index (ready, gi++));
      rate = (r->iteration - run->start_iter) / MAX (elapsed, 1e-9);
      metrics = metrics_line (&r->evaluation, r->collapse_state);
      printf ("iter=%" G_GINT64_FORMAT " it_per_s=%.1f eta_s=%.0f loss_d=%.4f loss_g=%.4f %s\n",
              r->iteration, rate, (run->iters - r->iteration) / rate, r->loss_d, r->loss_g,
              metrics);
    }
  for (; gi < ready->len; gi++)
    print_group (run, g_ptr_array_index (ready, gi));
  fflush (stdout);
  if (run->done && ms_session_get_paused (run->session))
    g_main_loop_quit (run->loop);
}

static void
on_frame (MsSession  *session,
          GParamSpec *pspec,
          Run        *run)
{
  run_process (run);
}

/* Waits for the first frame of a session (the state a file brought back) */
static void
on_first_frame (MsSession  *session,
                GParamSpec *pspec,
                GMainLoop  *loop)
{
  g_main_loop_quit (loop);
}

/* --grid */
static void
paint_grid (cairo_t *cr,
            double   width,
            double   height,
            gpointer data)
{
  const MsFrame *frame = data;
  MsPlotStyle style;

  ms_plot_style_init (&style, FALSE, FALSE);
  style.fill_background = TRUE;
  if (frame->is_2d)
    ms_plot_scatter (cr, width, height, frame, &style);
  else
    ms_plot_sample_grid (cr, width, height, frame, &style, FALSE);
}

/* --resume without --schedule: the file's schedule and events go on */
#define NOTE_SCHEDULE "cli.schedule"
#define NOTE_EVENTS   "cli.events"

static void
events_from_note (const char *note,
                  GPtrArray  *events)
{
  g_auto(GStrv) lines = NULL;

  if (note == NULL)
    return;
  lines = g_strsplit (note, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    {
      char *tab = strchr (lines[i], '\t');
      EventRecord *ev;

      if (tab == NULL)
        continue;
      *tab = '\0';
      ev = g_new0 (EventRecord, 1);
      ev->iter = g_ascii_strtoll (lines[i], NULL, 10);
      ev->what = g_strdup (tab + 1);
      g_ptr_array_add (events, ev);
    }
}

static char *
events_to_note (GPtrArray *events)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < events->len; i++)
    {
      const EventRecord *ev = g_ptr_array_index (events, i);
      g_autofree char *what = g_strdelimit (g_strdup (ev->what), "\t\n", ' ');

      g_string_append_printf (s, "%" G_GINT64_FORMAT "\t%s\n", ev->iter, what);
    }
  return g_string_free (s, FALSE);
}

int
ms_cli_train (int    argc,
              char **argv)
{
  MsCliTrainArgs a;
  Given given = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) schedule_group_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_record_free);
  g_autoptr(MsSession) session = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  MsSessionSettings settings;
  gboolean have_settings = FALSE;
  TrainState state;
  const char *schedule_text = NULL;
  MsFrame *frame = NULL;
  g_autoptr(MsFrame) held = NULL;
  Run run = { 0, };
  double seconds = 0.0;
  int status = 0;

  ms_cli_train_args_init (&a);
  given_scan (argv, &given);
  if (!ms_cli_train_parse_args (&argc, &argv, &a, TRUE, &error))
    goto usage;
  if (!check_writable ("--json", a.json, &error) || !check_writable ("--csv", a.csv, &error)
      || !check_writable ("--snapshot", a.snapshot, &error)
      || !check_writable ("--grid", a.grid, &error))
    goto usage;
  if (a.threads > 0)
    ms_parallel_set_threads (a.threads);

  loop = g_main_loop_new (NULL, FALSE);
  if (a.resume != NULL)
    {
      gulong handler;

      session = ms_session_new_from_file_headless (a.resume, &error);
      if (session == NULL)
        goto usage;
      handler = g_signal_connect (session, "notify::frame", G_CALLBACK (on_first_frame), loop);
      g_main_loop_run (loop);
      g_signal_handler_disconnect (session, handler);
      frame = ms_session_get_frame (session);
      ms_session_settings_copy (&settings, &frame->settings);
      have_settings = TRUE;
      run.start_iter = frame->iteration;
      if (a.iters < run.start_iter)
        {
          ms_cli_usage_error (&error, _("--iters %lld is below the %lld iterations “%s” already "
                                        "holds (--iters counts them too)"),
                              (long long) a.iters, (long long) run.start_iter, a.resume);
          goto usage;
        }
      state = (TrainState) { .config = settings.gan, .opt_g = settings.optim_g,
                             .opt_d = settings.optim_d };
      if (!resume_overrides (&a, &given, run.start_iter, &state, groups, &error))
        goto usage;
      if (given.eval_every)
        settings.eval_every = a.eval_every;
      settings.gan = state.config;
      settings.optim_g = state.opt_g;
      settings.optim_d = state.opt_d;
      schedule_text = a.schedule != NULL ? a.schedule : ms_session_get_note (session, NOTE_SCHEDULE);
      if (!schedule_prepare (schedule_text, run.start_iter, a.schedule != NULL, a.iters,
                             a.snapshot != NULL, &state, groups, &error))
        goto usage;
      events_from_note (ms_session_get_note (session, NOTE_EVENTS), events);
      if (given.eval_every)
        ms_session_push (session, ms_session_command_new_set_eval_every (a.eval_every));
    }
  else
    {
      if (!ms_cli_train_settings_from_args (&a, &settings, &error))
        goto usage;
      have_settings = TRUE;
      state = (TrainState) { .config = settings.gan, .opt_g = settings.optim_g,
                             .opt_d = settings.optim_d };
      schedule_text = a.schedule;
      if (!schedule_prepare (schedule_text, -1, TRUE, a.iters, a.snapshot != NULL, &state, groups,
                             &error))
        goto usage;
      session = ms_session_new_sync (&settings, &error);
      if (session == NULL)
        goto usage;
      /* The first frame carries the run's settings as the trainer applied them: a batch
       * larger than a small folder is clamped, and the header says what trains */
      {
        gulong handler = g_signal_connect (session, "notify::frame",
                                           G_CALLBACK (on_first_frame), loop);

        g_main_loop_run (loop);
        g_signal_handler_disconnect (session, handler);
      }
    }

  {
    MsFrame *f = ms_session_get_frame (session);
    const char *dataset = f != NULL ? f->settings.dataset : settings.dataset;
    const char *arch = settings.arch;
    int batch = f != NULL ? f->settings.gan.batch : settings.gan.batch;

    if (arch == NULL)
      arch = ms_cli_dataset_is_2d (dataset) ? "mlp" : "dcgan-small";
    printf ("train dataset=%s arch=%s loss=%s optimizer_g=%s lr_g=%g optimizer_d=%s lr_d=%g "
            "batch=%d n_critic=%d unroll=%d%s%s%s pack=%d seed=%" G_GUINT64_FORMAT
            " iters=%" G_GINT64_FORMAT "\n",
            dataset, arch, ms_loss_kind_to_string (settings.gan.loss),
            ms_optim_kind_to_string (settings.optim_g.kind), settings.optim_g.lr,
            ms_optim_kind_to_string (settings.optim_d.kind), settings.optim_d.lr,
            batch, settings.gan.n_critic, settings.gan.unroll,
            settings.gan.unroll > 0 && settings.gan.unroll_first_order ? " first_order_unroll" : "",
            settings.gan.veegan ? " veegan" : "",
            settings.gan.adagan_rounds > 1 ? " adagan" : "",
            settings.pack, settings.seed, a.iters);
    fflush (stdout);
  }

  run.session = session;
  run.loop = loop;
  run.groups = groups;
  run.events = events;
  run.iters = a.iters;
  run.snapshot = a.snapshot;
  {
    /* Overrides of a resumed run apply at once, the schedule at its iterations */
    TrainState start = { .config = settings.gan, .opt_g = settings.optim_g,
                         .opt_d = settings.optim_d };

    if (a.resume != NULL && frame != NULL)
      start = (TrainState) { .config = frame->settings.gan, .opt_g = frame->settings.optim_g,
                             .opt_d = frame->settings.optim_d };
    schedule_commands (session, groups, &start, a.iters, -1);
    run.start = start;
  }
  run.t0 = g_get_monotonic_time ();
  g_signal_connect (session, "notify::frame", G_CALLBACK (on_frame), &run);
  run.stop_id = ms_session_schedule (session, a.iters, ms_session_command_new_pause ());
  if (a.iters > run.start_iter)
    ms_session_resume (session);
  g_main_loop_run (loop);
  g_signal_handlers_disconnect_by_func (session, on_frame, &run);
  seconds = (g_get_monotonic_time () - run.t0) / 1e6;
  if (run.failed)
    status = MS_CLI_EXIT_FAILURE;
  else if (run.diverged)
    status = MS_CLI_EXIT_DIVERGED;

  /* Held: saving the snapshot below can deliver a newer frame and drop this one */
  frame = held = ms_frame_ref (ms_session_get_frame (session));
  if (status == 0)
    {
      g_autofree char *metrics = frame->has_evaluation
                                 ? metrics_line (&frame->evaluation, frame->collapse_state)
                                 : g_strdup ("");

      printf ("final iter=%" G_GINT64_FORMAT " loss_d=%.4f loss_g=%.4f %s seconds=%.1f\n",
              frame->iteration, frame->stats.loss_d, frame->stats.loss_g, metrics, seconds);
      printf ("# %s\n", frame->collapse_reason != NULL ? frame->collapse_reason : "");
    }
  fflush (stdout);

  if (a.grid != NULL && status == 0)
    {
      g_autoptr(GError) local = NULL;

      if (!ms_plot_write (a.grid, "png", 720, 720, paint_grid, frame, &local))
        {
          fprintf (stderr, "modescope-cli train: --grid: %s\n", local->message);
          status = MS_CLI_EXIT_FAILURE;
        }
    }
  if (a.snapshot != NULL && !run.failed)
    {
      g_autoptr(GError) local = NULL;
      g_autofree char *note = events_to_note (events);

      ms_session_set_note (session, NOTE_SCHEDULE, schedule_text);
      ms_session_set_note (session, NOTE_EVENTS, note);
      if (!ms_session_save_file (session, a.snapshot, &local))
        {
          fprintf (stderr, "modescope-cli train: --snapshot: %s\n", local->message);
          status = MS_CLI_EXIT_FAILURE;
        }
    }
  if (a.csv != NULL || a.json != NULL)
    {
      guint n = 0;
      const MsSessionEvaluation *evals = ms_session_get_evaluations (session, &n);
      g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (EvalRecord));

      g_array_append_vals (records, evals, n);
      if (a.csv != NULL)
        {
          g_autofree char *csv = ms_metrics_format_csv ((const MsSessionEvaluation *) (gpointer) records->data,
                                                        records->len);

          if (!write_file ("--csv", a.csv, csv))
            status = MS_CLI_EXIT_FAILURE;
        }
      if (a.json != NULL)
        {
          const char *arch = settings.arch != NULL ? settings.arch
                             : frame->is_2d ? "mlp" : "dcgan-small";
          g_autofree MsMetricsEvent *evs = g_new0 (MsMetricsEvent, MAX (events->len, 1));
          MsMetricsReport report = {
            .settings = &settings, .dataset = frame->settings.dataset, .arch = arch,
            .iters = a.iters, .threads = ms_parallel_threads (),
            .evaluations = (const MsSessionEvaluation *) (gpointer) records->data,
            .n_evaluations = records->len, .events = evs, .n_events = events->len,
            .status = run.diverged || run.failed ? "diverged" : "completed",
            .iterations = run.diverged ? run.diverged_at : frame->iteration,
            .stats = frame->stats, .seconds = seconds,
            .reason = frame->collapse_reason,
            .schedule = a.schedule, .json = a.json, .csv = a.csv, .resume = a.resume,
            .snapshot = a.snapshot, .grid = a.grid,
          };

          for (guint i = 0; i < events->len; i++)
            {
              const EventRecord *ev = g_ptr_array_index (events, i);

              evs[i] = (MsMetricsEvent) { .iteration = ev->iter, .what = ev->what };
            }
          g_autofree char *json = ms_metrics_format_json (&report);

          if (!write_file ("--json", a.json, json))
            status = MS_CLI_EXIT_FAILURE;
        }
    }
  goto out;

usage:
  fprintf (stderr, "modescope-cli train: %s\n", error->message);
  status = MS_CLI_EXIT_USAGE;

out:
  g_clear_object (&session);
  if (have_settings)
    ms_session_settings_clear (&settings);
  ms_cli_train_args_clear (&a);
  return status;
}
