/* ms-session-private.h: what ms-session.c shares with ms-session-file.c
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trainer and trainer_* belong to the trainer thread (or to the thread building a session
 * from a file, before the trainer thread starts); MsSession to the main thread.
 */
#pragma once

#include "ms-classifier.h"
#include "ms-session.h"
#include "ms-source.h"

G_BEGIN_DECLS

typedef struct
{
  guint    id;
  gint64   iteration;
  GBytes  *bytes;
} Snapshot;

void      _ms_snapshot_free (gpointer        data);
Snapshot *_ms_snapshot_copy (const Snapshot *s);

/* A weak reference the trainer can pass to delivery idles without ever holding the session
 * itself (a strong reference taken on the trainer thread could become the last one, and
 * dispose joins the trainer) */
typedef struct
{
  gatomicrefcount  ref_count;
  GWeakRef         session;
} SessionHandle;

typedef struct
{
  GAsyncQueue  *commands;        /* MsSessionCommand */
  GMutex        lock;            /* the mailbox and the pause condition */
  GCond         cond;
  gint          stop;            /* atomic */
  gint          delivery_pending;/* atomic: an idle is queued */
  GMainContext *context;
  SessionHandle *handle;

  /* Mailbox, under lock */
  MsFrame      *frame;
  GArray       *points;          /* MsCurvePoint: every point not yet taken */
  GArray       *evaluations;     /* MsSessionEvaluation not yet taken */
  GPtrArray    *events;          /* MsSessionEvent */
  GPtrArray    *snapshots;       /* Snapshot */
  gint64        truncate_to;     /* drop history points after this iteration */
  guint         truncate_flags;  /* TRUNCATE_BRANCH, TRUNCATE_NEW_RUN */
  gboolean      paused;
} Shared;

typedef struct
{
  Shared              *sh;
  MsSessionSettings    settings;

  MsDataSource        *src;
  MsClassifier        *classifier;
  MsEvaluator         *evaluator;
  MsCollapseDetector  *detector;
  MsGan               *gan;

  double               reference_is; /* of real test images, per dataset */
  float               *real_points;  /* 2-D: (N_REAL_POINTS, 2), per dataset */

  gint64               iteration;
  MsGanStats           stats;        /* of the last finite step */
  guint                generation;
  guint                run;
  gboolean             paused;
  int                  eval_every;
  guint                n_evaluations;
  float               *grid_z;
  int                  z_dim;
  float               *eval_z;       /* (eval_n, z_dim): the evaluations' noise for the run */
  int                  eval_n;

  /* The evaluation of the current weights, once done (cleared by every step and load) */
  gboolean             evaluated;
  gboolean             judged;       /* ... and fed to the collapse detector */
  gboolean             want_eval;    /* an applied command stopped or moved the run */
  MsEvaluation         last_eval;
  gboolean             have_eval;    /* last_eval belongs to this run (perhaps older weights) */
  gint64               last_eval_iteration;
  gint64               last_post_us; /* monotonic time of the last frame */
  /* What the collapse detector was fed since the run started (MsSessionEvaluation), so a
   * session file can bring it back to the same state */
  GArray              *fed;

  GPtrArray           *scheduled;    /* MsSessionCommand, sorted by (at, id) */
  GPtrArray           *snapshots;    /* Snapshot taken by command */
  Snapshot            *last_good;    /* the automatic snapshot */

  /* Not yet posted */
  GArray              *points;
  GArray              *evals;        /* MsSessionEvaluation */
  GPtrArray           *events;
  GPtrArray           *new_snapshots;
  gint64               truncate_to;
  guint                truncate_flags;
} Trainer;

/* What the trainer hands over for a session file, taken between two steps */
typedef struct
{
  GBytes            *state;         /* _ms_trainer_save() */
  MsSessionSettings  settings;
  gint64             iteration;
  guint              generation;
  guint              run;
  guint              n_evaluations;
  int                eval_every;
  GArray            *fed;           /* MsSessionEvaluation */
  GPtrArray         *snapshots;     /* Snapshot */
  char              *error;         /* set instead when there is no run to save */
} TrainerExport;

void      _ms_trainer_export_free (TrainerExport *x);

struct _MsSession
{
  GObject     parent_instance;

  Shared     *sh;
  GThread    *thread;
  guint       next_id;

  MsFrame    *frame;
  gboolean    paused;
  GArray     *curve;       /* MsCurvePoint */
  GArray     *evaluations; /* MsSessionEvaluation */
  GPtrArray  *branches;    /* Branch, oldest first */
  GPtrArray  *events;      /* MsSessionEvent */
  GHashTable *snapshots;   /* id -> GBytes */
  GHashTable *notes;       /* char * -> char * */
};

typedef struct
{
  GArray *points;          /* MsCurvePoint */
  gint64  fork_iteration;
} Branch;

void      _ms_branch_free         (gpointer data);
MsSessionEvent *_ms_session_event_new (gint64              iteration,
                                       MsSessionEventKind  kind,
                                       guint               command_id,
                                       char               *label);
void      _ms_session_event_free  (gpointer data);

/* Trainer side */
Trainer  *_ms_trainer_new         (const MsSessionSettings *settings);
gboolean  _ms_trainer_start_run   (Trainer  *t,
                                   gboolean  reopen,
                                   GError  **error);
GBytes   *_ms_trainer_save        (Trainer  *t);
gboolean  _ms_trainer_load        (Trainer  *t,
                                   GBytes   *bytes,
                                   GError  **error);
void      _ms_trainer_take_last_good (Trainer *t);
void      _ms_trainer_replay_detector (Trainer *t);
void      _ms_trainer_free        (Trainer  *t);

/* Main side: a session around @t (transfer full), whose trainer thread starts at once with
 * @start, else with _ms_session_start(); when @t already holds a run (built from a file) the
 * thread does not start one. */
MsSession *_ms_session_new_for_trainer (Trainer  *t,
                                        gboolean  start);
void      _ms_session_start        (MsSession *self,
                                    Trainer   *t);
/* Moves what the trainer posted into the history now (what the delivery idle does) */
void      _ms_session_take_mailbox (MsSession *self);
/* Pushes a request for a TrainerExport; @done runs on the trainer thread with the export
 * (transfer full to @done), or with NULL when the session goes away first. */
typedef void (*TrainerExportFunc) (TrainerExport *x, gpointer data);
void      _ms_session_request_export (MsSession         *self,
                                      TrainerExportFunc  done,
                                      gpointer           data);

G_END_DECLS
