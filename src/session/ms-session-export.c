/* ms-session-export.c: a session's metrics as CSV, JSON and text
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CSV and JSON writers were modescope-cli's (src/cli/ms-cli-train.c); they live here so
 * that the window writes byte for byte the same format from its session's history.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-parallel.h"
#include "ms-session-export.h"

/* What "modes" counts out of: the real data's classes (a folder of one digit: 1), else all */
static int
modes_total (const MsSessionEvaluation *r)
{
  return r->evaluation.k_data > 0 ? r->evaluation.k_data : r->evaluation.k;
}

/* A double as CSV/JSON text: "%.9g" in the C locale */
static void
append_number (GString *out,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

/* A float setting as the number it was typed as (0.01, not 0.00999999978) */
static double
float_setting (float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, "%.7g", v), NULL);
}

static void
csv_field (GString  *out,
           double    v,
           gboolean  applies)
{
  g_string_append_c (out, ',');
  if (!applies)
    return;
  if (isnan (v))
    g_string_append (out, "nan");
  else
    append_number (out, v);
}

char *
ms_metrics_format_csv (const MsSessionEvaluation *evaluations,
                       guint                      n)
{
  GString *out = g_string_new (MS_METRICS_CSV_HEADER "\n");

  g_return_val_if_fail (evaluations != NULL || n == 0, NULL);

  for (guint i = 0; i < n; i++)
    {
      const MsSessionEvaluation *r = &evaluations[i];
      gboolean img = !r->evaluation.is_2d;

      g_string_append_printf (out, "%" G_GINT64_FORMAT, r->iteration);
      csv_field (out, r->loss_d, TRUE);
      csv_field (out, r->loss_g, TRUE);
      csv_field (out, r->evaluation.is_mean, img);
      csv_field (out, r->evaluation.is_std, img);
      csv_field (out, r->evaluation.kl_uniform, TRUE);
      csv_field (out, r->evaluation.kl_reference, TRUE);
      csv_field (out, r->evaluation.kl_floor_p99, TRUE);
      g_string_append_printf (out, ",%d,%d", r->evaluation.modes_covered, modes_total (r));
      csv_field (out, r->evaluation.hq_fraction, !img);
      csv_field (out, r->evaluation.diversity, img);
      csv_field (out, r->evaluation.collapse_score, TRUE);
      g_string_append_printf (out, ",%s\n", ms_collapse_state_to_string (r->collapse_state));
    }
  return g_string_free (out, FALSE);
}

/* A JSON string: valid UTF-8, '"' '\\' and control characters escaped */
static void
json_string (GString    *out,
             const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s != NULL ? s : "", -1);

  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) valid; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

/* "key": value, with null for a value that does not apply or is not finite */
static void
json_key (GString    *out,
          gboolean   *first,
          const char *key)
{
  if (!*first)
    g_string_append (out, ", ");
  *first = FALSE;
  json_string (out, key);
  g_string_append (out, ": ");
}

static void
json_number (GString    *out,
             gboolean   *first,
             const char *key,
             double      v,
             gboolean    applies)
{
  json_key (out, first, key);
  if (applies && isfinite (v))
    append_number (out, v);
  else
    g_string_append (out, "null");
}

static void
json_int (GString    *out,
          gboolean   *first,
          const char *key,
          gint64      v)
{
  json_key (out, first, key);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, v);
}

static void
json_str (GString    *out,
          gboolean   *first,
          const char *key,
          const char *v)
{
  json_key (out, first, key);
  if (v == NULL)
    g_string_append (out, "null");
  else
    json_string (out, v);
}

static void
json_bool (GString    *out,
           gboolean   *first,
           const char *key,
           gboolean    v)
{
  json_key (out, first, key);
  g_string_append (out, v ? "true" : "false");
}

/* An evaluation's metrics (without iter and losses) */
static void
json_metrics (GString          *out,
              gboolean         *first,
              const MsSessionEvaluation *r)
{
  gboolean img = !r->evaluation.is_2d;

  json_number (out, first, "is", r->evaluation.is_mean, img);
  json_number (out, first, "is_std", r->evaluation.is_std, img);
  json_number (out, first, "kl", r->evaluation.kl_uniform, TRUE);
  json_number (out, first, "kl_ref", r->evaluation.kl_reference, TRUE);
  json_number (out, first, "kl_floor", r->evaluation.kl_floor_p99, TRUE);
  json_int (out, first, "modes", r->evaluation.modes_covered);
  json_int (out, first, "k", modes_total (r));
  json_number (out, first, "hq", r->evaluation.hq_fraction, !img);
  json_number (out, first, "diversity", r->evaluation.diversity, img);
  json_number (out, first, "collapse_score", r->evaluation.collapse_score, TRUE);
  json_str (out, first, "collapse", ms_collapse_state_to_string (r->collapse_state));
}

static void
json_optim (GString             *out,
            gboolean            *first,
            const char          *net,
            const MsOptimConfig *o)
{
  g_autofree char *k_opt = g_strconcat ("optimizer_", net, NULL);
  g_autofree char *k_lr = g_strconcat ("lr_", net, NULL);
  g_autofree char *k_m = g_strconcat ("momentum_", net, NULL);
  g_autofree char *k_b1 = g_strconcat ("beta1_", net, NULL);
  g_autofree char *k_b2 = g_strconcat ("beta2_", net, NULL);

  json_str (out, first, k_opt, ms_optim_kind_to_string (o->kind));
  json_number (out, first, k_lr, o->lr, TRUE);
  json_number (out, first, k_m, o->momentum, TRUE);
  json_number (out, first, k_b1, o->beta1, TRUE);
  json_number (out, first, k_b2, o->beta2, TRUE);
}

char *
ms_metrics_format_json (const MsMetricsReport *r)
{
  GString *out;
  gboolean first = TRUE;
  const MsGanConfig *config;

  g_return_val_if_fail (r != NULL && r->settings != NULL, NULL);

  out = g_string_new ("{\n  \"settings\": {");
  config = &r->settings->gan;
  json_str (out, &first, "dataset", r->dataset);
  json_str (out, &first, "arch", r->arch);
  json_str (out, &first, "loss", ms_loss_kind_to_string (config->loss));
  json_optim (out, &first, "g", &r->settings->optim_g);
  json_optim (out, &first, "d", &r->settings->optim_d);
  json_int (out, &first, "batch", config->batch);
  json_int (out, &first, "n_critic", config->n_critic);
  json_number (out, &first, "gp_lambda", float_setting (config->gp_lambda), TRUE);
  json_number (out, &first, "clip", float_setting (config->clip), TRUE);
  json_int (out, &first, "unroll", config->unroll);
  json_bool (out, &first, "first_order_unroll", config->unroll_first_order);
  json_bool (out, &first, "veegan", config->veegan);
  json_int (out, &first, "adagan_rounds", config->adagan_rounds);
  json_int (out, &first, "adagan_round_iters", config->adagan_round_iters);
  json_int (out, &first, "pack", r->settings->pack);
  json_int (out, &first, "iters", r->iters);
  json_int (out, &first, "seed", (gint64) r->settings->seed);
  json_int (out, &first, "threads", r->threads);
  json_int (out, &first, "eval_every", r->settings->eval_every);
  json_int (out, &first, "eval_samples", r->settings->eval_samples);
  json_str (out, &first, "schedule", r->schedule);
  json_str (out, &first, "json", r->json);
  json_str (out, &first, "csv", r->csv);
  json_str (out, &first, "resume", r->resume);
  json_str (out, &first, "snapshot", r->snapshot);
  json_str (out, &first, "grid", r->grid);
  g_string_append (out, "},\n  \"evaluations\": [");
  for (guint i = 0; i < r->n_evaluations; i++)
    {
      const MsSessionEvaluation *e = &r->evaluations[i];

      first = TRUE;
      g_string_append (out, i == 0 ? "\n    {" : ",\n    {");
      json_int (out, &first, "iter", e->iteration);
      json_number (out, &first, "loss_d", e->loss_d, TRUE);
      json_number (out, &first, "loss_g", e->loss_g, TRUE);
      json_metrics (out, &first, e);
      g_string_append_c (out, '}');
    }
  g_string_append (out, r->n_evaluations > 0 ? "\n  ],\n  \"events\": [" : "],\n  \"events\": [");
  for (guint i = 0; i < r->n_events; i++)
    {
      const MsMetricsEvent *ev = &r->events[i];

      first = TRUE;
      g_string_append (out, i == 0 ? "\n    {" : ",\n    {");
      json_int (out, &first, "iter", ev->iteration);
      json_str (out, &first, "what", ev->what);
      g_string_append_c (out, '}');
    }
  g_string_append (out, r->n_events > 0 ? "\n  ],\n  \"final\": {" : "],\n  \"final\": {");
  first = TRUE;
  json_str (out, &first, "status", r->status);
  json_int (out, &first, "iter", r->iterations);
  json_number (out, &first, "loss_d", r->stats.loss_d, TRUE);
  json_number (out, &first, "loss_g", r->stats.loss_g, TRUE);
  json_number (out, &first, "seconds", r->seconds, TRUE);
  if (r->n_evaluations > 0)
    {
      const MsSessionEvaluation *e = &r->evaluations[r->n_evaluations - 1];

      json_int (out, &first, "eval_iter", e->iteration);
      json_metrics (out, &first, e);
    }
  json_str (out, &first, "reason", r->reason);
  g_string_append (out, "}\n}\n");
  return g_string_free (out, FALSE);
}

/* Session history ---------------------------------------------------------------------- */

typedef struct
{
  MsCurvePoint *points;
  guint         n;
} Branch;

struct _MsSessionHistory
{
  gatomicrefcount       ref_count;
  MsFrame              *frame;
  MsCurvePoint         *curve;
  guint                 n_curve;
  MsSessionEvent       *events;      /* labels owned */
  guint                 n_events;
  MsSessionEvaluation  *evaluations;
  guint                 n_evaluations;
  Branch               *branches;
  guint                 n_branches;
};

MsSessionHistory *
ms_session_history_new (MsSession *session)
{
  MsSessionHistory *h;
  const MsCurvePoint *curve;
  const MsSessionEvaluation *evals;
  MsFrame *frame;

  g_return_val_if_fail (MS_IS_SESSION (session), NULL);

  frame = ms_session_get_frame (session);
  if (frame == NULL)
    return NULL;
  h = g_new0 (MsSessionHistory, 1);
  g_atomic_ref_count_init (&h->ref_count);
  h->frame = ms_frame_ref (frame);
  curve = ms_session_get_curve (session, &h->n_curve);
  h->curve = g_memdup2 (curve, sizeof (MsCurvePoint) * h->n_curve);
  evals = ms_session_get_evaluations (session, &h->n_evaluations);
  h->evaluations = g_memdup2 (evals, sizeof (MsSessionEvaluation) * h->n_evaluations);
  h->n_events = ms_session_get_n_events (session);
  h->events = g_new0 (MsSessionEvent, MAX (h->n_events, 1));
  for (guint i = 0; i < h->n_events; i++)
    {
      h->events[i] = *ms_session_get_event (session, i);
      h->events[i].label = g_strdup (h->events[i].label);
    }
  h->n_branches = ms_session_get_n_branches (session);
  h->branches = g_new0 (Branch, MAX (h->n_branches, 1));
  for (guint b = 0; b < h->n_branches; b++)
    {
      const MsCurvePoint *bp = ms_session_get_branch (session, b, &h->branches[b].n, NULL);

      h->branches[b].points = g_memdup2 (bp, sizeof (MsCurvePoint) * h->branches[b].n);
    }
  return h;
}

MsSessionHistory *
ms_session_history_ref (MsSessionHistory *history)
{
  g_return_val_if_fail (history != NULL, NULL);
  g_atomic_ref_count_inc (&history->ref_count);
  return history;
}

void
ms_session_history_unref (MsSessionHistory *history)
{
  if (history == NULL || !g_atomic_ref_count_dec (&history->ref_count))
    return;
  ms_frame_unref (history->frame);
  g_free (history->curve);
  for (guint i = 0; i < history->n_events; i++)
    g_free (history->events[i].label);
  g_free (history->events);
  g_free (history->evaluations);
  for (guint b = 0; b < history->n_branches; b++)
    g_free (history->branches[b].points);
  g_free (history->branches);
  g_free (history);
}

const MsFrame *
ms_session_history_get_frame (MsSessionHistory *history)
{
  g_return_val_if_fail (history != NULL, NULL);
  return history->frame;
}

const MsCurvePoint *
ms_session_history_get_curve (MsSessionHistory *history,
                              guint            *n_points)
{
  g_return_val_if_fail (history != NULL, NULL);
  if (n_points != NULL)
    *n_points = history->n_curve;
  return history->curve;
}

const MsSessionEvent *
ms_session_history_get_events (MsSessionHistory *history,
                               guint            *n_events)
{
  g_return_val_if_fail (history != NULL, NULL);
  if (n_events != NULL)
    *n_events = history->n_events;
  return history->events;
}

const MsSessionEvaluation *
ms_session_history_get_evaluations (MsSessionHistory *history,
                                    guint            *n_evaluations)
{
  g_return_val_if_fail (history != NULL, NULL);
  if (n_evaluations != NULL)
    *n_evaluations = history->n_evaluations;
  return history->evaluations;
}

guint
ms_session_history_get_n_branches (MsSessionHistory *history)
{
  g_return_val_if_fail (history != NULL, 0);
  return history->n_branches;
}

const MsCurvePoint *
ms_session_history_get_branch (MsSessionHistory *history,
                               guint             index,
                               guint            *n_points)
{
  g_return_val_if_fail (history != NULL, NULL);
  g_return_val_if_fail (index < history->n_branches, NULL);
  if (n_points != NULL)
    *n_points = history->branches[index].n;
  return history->branches[index].points;
}

char *
ms_session_history_to_csv (MsSessionHistory *history)
{
  g_return_val_if_fail (history != NULL, NULL);
  return ms_metrics_format_csv (history->evaluations, history->n_evaluations);
}

static const char *
history_arch (MsSessionHistory *history)
{
  const MsFrame *f = history->frame;

  return f->settings.arch != NULL ? f->settings.arch : f->is_2d ? "mlp" : "dcgan-small";
}

char *
ms_session_history_to_json (MsSessionHistory *history)
{
  g_autofree MsMetricsEvent *events = NULL;
  const MsFrame *f;
  MsMetricsReport report = { 0, };

  g_return_val_if_fail (history != NULL, NULL);

  f = history->frame;
  events = g_new0 (MsMetricsEvent, MAX (history->n_events, 1));
  for (guint i = 0; i < history->n_events; i++)
    {
      events[i].iteration = history->events[i].iteration;
      events[i].what = history->events[i].label;
    }
  report.settings = &f->settings;
  report.dataset = f->settings.dataset;
  report.arch = history_arch (history);
  report.iters = f->iteration;
  report.threads = ms_parallel_threads ();
  report.evaluations = history->evaluations;
  report.n_evaluations = history->n_evaluations;
  report.events = events;
  report.n_events = history->n_events;
  report.status = f->paused ? "paused" : "running";
  report.iterations = f->iteration;
  report.stats = f->stats;
  report.seconds = NAN;
  report.reason = f->collapse_reason;
  return ms_metrics_format_json (&report);
}

char *
ms_session_history_to_settings_text (MsSessionHistory *history)
{
  const MsFrame *f;
  const MsSessionSettings *s;
  GString *out;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (history != NULL, NULL);

  f = history->frame;
  s = &f->settings;
  out = g_string_new (NULL);
#define NUM(v) g_ascii_formatd (buf, sizeof buf, "%.9g", (v))
  g_string_append_printf (out, "dataset: %s\n", s->dataset != NULL ? s->dataset : "");
  g_string_append_printf (out, "arch: %s\n", history_arch (history));
  g_string_append_printf (out, "loss: %s\n", ms_loss_kind_to_string (s->gan.loss));
  g_string_append_printf (out, "optimizer_g: %s\n", ms_optim_kind_to_string (s->optim_g.kind));
  g_string_append_printf (out, "lr_g: %s\n", NUM (s->optim_g.lr));
  g_string_append_printf (out, "momentum_g: %s\n", NUM (s->optim_g.momentum));
  g_string_append_printf (out, "beta1_g: %s\n", NUM (s->optim_g.beta1));
  g_string_append_printf (out, "beta2_g: %s\n", NUM (s->optim_g.beta2));
  g_string_append_printf (out, "optimizer_d: %s\n", ms_optim_kind_to_string (s->optim_d.kind));
  g_string_append_printf (out, "lr_d: %s\n", NUM (s->optim_d.lr));
  g_string_append_printf (out, "momentum_d: %s\n", NUM (s->optim_d.momentum));
  g_string_append_printf (out, "beta1_d: %s\n", NUM (s->optim_d.beta1));
  g_string_append_printf (out, "beta2_d: %s\n", NUM (s->optim_d.beta2));
  g_string_append_printf (out, "batch: %d\n", s->gan.batch);
  g_string_append_printf (out, "n_critic: %d\n", s->gan.n_critic);
  g_string_append_printf (out, "gp_lambda: %s\n", NUM (float_setting (s->gan.gp_lambda)));
  g_string_append_printf (out, "clip: %s\n", NUM (float_setting (s->gan.clip)));
  g_string_append_printf (out, "unroll: %d\n", s->gan.unroll);
  g_string_append_printf (out, "first_order_unroll: %s\n",
                          s->gan.unroll_first_order ? "true" : "false");
  g_string_append_printf (out, "veegan: %s\n", s->gan.veegan ? "true" : "false");
  g_string_append_printf (out, "adagan_rounds: %d\n", s->gan.adagan_rounds);
  g_string_append_printf (out, "adagan_round_iters: %d\n", s->gan.adagan_round_iters);
  g_string_append_printf (out, "pack: %d\n", s->pack);
  g_string_append_printf (out, "seed: %" G_GUINT64_FORMAT "\n", s->seed);
  g_string_append_printf (out, "eval_every: %d\n", s->eval_every);
  g_string_append_printf (out, "eval_samples: %d\n", s->eval_samples);
  g_string_append_printf (out, "iteration: %" G_GINT64_FORMAT "\n", f->iteration);
  g_string_append_printf (out, "run: %u\n", f->run);
#undef NUM
  return g_string_free (out, FALSE);
}

char *
ms_session_history_to_events_text (MsSessionHistory *history)
{
  GString *out;

  g_return_val_if_fail (history != NULL, NULL);

  out = g_string_new (NULL);
  for (guint i = 0; i < history->n_events; i++)
    {
      g_autofree char *label = g_strdelimit (g_strdup (history->events[i].label != NULL
                                                       ? history->events[i].label : ""),
                                             "\t\n", ' ');

      g_string_append_printf (out, "%" G_GINT64_FORMAT "\t%s\n", history->events[i].iteration,
                              label);
    }
  return g_string_free (out, FALSE);
}
