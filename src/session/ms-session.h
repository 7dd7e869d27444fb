/* ms-session.h: one live training session, a trainer thread driven from the main loop
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An MsSession (main thread only) owns one long-lived trainer GThread, which owns every piece
 * of engine state (MsGan, MsEvaluator, MsDataSource).  The two sides talk as STYLE.md §7 says:
 *
 *  - main -> trainer: MsSessionCommand values pushed onto a GAsyncQueue, applied by the trainer
 *    only between steps.  ms_session_push() applies at the next step boundary;
 *    ms_session_schedule() applies when the run has done exactly @iteration iterations (late
 *    commands apply at once), so the same seed, settings, schedule and engine thread count
 *    give the same run bit for bit.  Every applied command is recorded as an MsSessionEvent.
 *  - trainer -> main: every eval_every iterations (and on pause, step, restore, reset) the
 *    trainer builds an immutable, reference-counted MsFrame (evaluated), and for a window (not
 *    headless) a frame about every 250 ms between evaluations, with the latest evaluation,
 *    so the grid and the losses stay live; each goes into a one-slot
 *    mailbox; at most one idle is queued on the session's main context, which takes the
 *    mailbox, appends the curve points and events of every frame (skipped ones included) to
 *    the history and sets the "frame" property.
 *
 *   MsSessionSettings s;
 *   ms_session_settings_init (&s, "ring8", MS_LOSS_NSGAN);
 *   g_autoptr(MsSession) session = ms_session_new (&s, &error);
 *   ms_session_settings_clear (&s);
 *   g_signal_connect (session, "notify::frame", G_CALLBACK (on_frame), NULL);
 *   ms_session_push (session, ms_session_command_new_set_lr (FALSE, 1e-3));
 *
 * Evaluations: every eval_every iterations, and when a command stops or moves the run (pause,
 * including the end of a scripted run, step, restore, reset, new run); never twice for the
 * same weights: a frame built again at the same weights (e.g. after a learning-rate change)
 * carries the evaluation they already have, so the collapse detector sees each evaluated
 * iteration once.  Evaluations use the same noise for the
 * whole run (a stream of the seed), so successive ones differ by the generator only.  The
 * evaluation of iteration 0 (the untrained generator) is shown but, unless a command stops the
 * run there, neither fed to the detector nor kept in the history.  Its cost is therefore eval_samples generator samples and one pass of
 * the classifier (or the mixture's coverage) per eval_every iterations, as modescope-cli
 * --eval-every and --eval-samples always meant; headless sessions add nothing else to running
 * frames.
 *
 * Session files (ms_session_save_file, ms_session_new_from_file): one ms-checkpoint container
 * holding the settings, the trainer's state (weights, optimizer state, RNG, iteration, the
 * collapse detector's inputs), the whole history (curve, events, evaluations, branches) and
 * every user snapshot, so that a loaded session continues bit for bit as the saved one would
 * have (same engine thread count).  Commands scheduled but not yet applied are not saved; the
 * automatic rollback point of a loaded session is the state it was loaded with.
 *
 * Divergence: a NaN or infinity in a loss or a weight pauses the run and rolls it back to the
 * last automatic snapshot (one is taken when a run starts and every snapshot_every
 * evaluations, only from finite weights); an MS_SESSION_EVENT_DIVERGED event says what
 * happened.  No frame ever carries non-finite samples or losses.
 */
#pragma once

#include <gio/gio.h>

#include "ms-evaluate.h"
#include "ms-gan.h"

G_BEGIN_DECLS

/* Settings ----------------------------------------------------------------------------- */

typedef struct _MsSessionSettings MsSessionSettings;

struct _MsSessionSettings
{
  char          *dataset;         /* ms_data_source_open() name, or "drawn" with @points */
  float         *points;          /* "drawn": (n_points, 2) mode centres the user drew */
  int            n_points;        /* 1 .. MS_EVAL_MAX_CLASSES */
  float          points_std;      /* "drawn": each mode's standard deviation (0.05) */
  char          *arch;            /* NULL: mlp for 2-D data, dcgan-small for images */
  MsGanConfig    gan;             /* objective, batch and remedies */
  MsOptimConfig  optim_g;
  MsOptimConfig  optim_d;
  int            pack;            /* PacGAN: the discriminator's input, so fixed for a run */
  guint64        seed;
  int            eval_every;      /* iterations between frames (K), >= 1 */
  int            eval_samples;    /* samples per evaluation (500), 0 disables evaluation */
  int            grid_size;       /* fixed-noise samples per frame (64) */
  int            snapshot_every;  /* evaluations between automatic snapshots (5) */
  gboolean       start_paused;
  /* For a front end without views (modescope-cli): frames built while running carry the
   * evaluation only (no sample grid, grid labels, heat map or real points) and no reference
   * Inception Score is computed; frames built while paused are complete. */
  gboolean       headless;
};

/* The CLI's defaults for @loss (Adam 2e-4 beta1 0.5, or RMSProp 5e-5 for wgan-clip, ...),
 * batch 64, seed 1, eval_every 100, eval_samples 500, grid_size 64, snapshot_every 5. */
void      ms_session_settings_init     (MsSessionSettings       *settings,
                                        const char              *dataset,
                                        MsLossKind               loss);
void      ms_session_settings_copy     (MsSessionSettings       *dst,
                                        const MsSessionSettings *src);
void      ms_session_settings_clear    (MsSessionSettings       *settings);
/* Every value a user can influence; the dataset itself is opened by the trainer. */
gboolean  ms_session_settings_validate (const MsSessionSettings *settings,
                                        GError                 **error);

/* Commands ----------------------------------------------------------------------------- */

typedef enum
{
  MS_STEP_D,      /* one discriminator step */
  MS_STEP_G,      /* one generator step */
  MS_STEP_BOTH,   /* one iteration (n_critic D steps and a G step) */
} MsStepKind;

typedef struct _MsSessionCommand MsSessionCommand;

/* Keeps the weights; switching kinds resets the moments (ms_optimizer_set_config) */
MsSessionCommand *ms_session_command_new_set_optim      (gboolean             generator,
                                                         const MsOptimConfig *config);
MsSessionCommand *ms_session_command_new_set_lr         (gboolean             generator,
                                                         double               lr);
/* Loss and remedy parameters (ms_gan_set_config); keeps the weights */
MsSessionCommand *ms_session_command_new_set_gan_config (const MsGanConfig   *config);
MsSessionCommand *ms_session_command_new_set_batch      (int                  batch);
MsSessionCommand *ms_session_command_new_pause          (void);
MsSessionCommand *ms_session_command_new_resume         (void);
/* Runs even while paused */
MsSessionCommand *ms_session_command_new_step           (MsStepKind           kind);
/* A new run from the current settings (same seed: the same run again) */
MsSessionCommand *ms_session_command_new_reset          (void);
/* A new run from other settings (dataset, architecture...); automatic and user snapshots of
 * the old run are dropped */
MsSessionCommand *ms_session_command_new_new_run        (const MsSessionSettings *settings);
/* Its id is the value ms_session_push() / ms_session_schedule() return */
MsSessionCommand *ms_session_command_new_snapshot       (void);
MsSessionCommand *ms_session_command_new_restore        (guint                snapshot_id);
MsSessionCommand *ms_session_command_new_set_eval_every (int                  k);
void              ms_session_command_free               (MsSessionCommand    *command);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsSessionCommand, ms_session_command_free)

/* History ------------------------------------------------------------------------------ */

typedef enum
{
  MS_SESSION_EVENT_RUN_STARTED,
  MS_SESSION_EVENT_OPTIMIZER,
  MS_SESSION_EVENT_LR,
  MS_SESSION_EVENT_GAN_CONFIG,
  MS_SESSION_EVENT_BATCH,        /* with command_id 0: the trainer clamped the batch to the
                                  * data set's size (a folder of a few images); the label
                                  * explains it, for the user */
  MS_SESSION_EVENT_PAUSE,
  MS_SESSION_EVENT_RESUME,
  MS_SESSION_EVENT_STEP,
  MS_SESSION_EVENT_RESET,
  MS_SESSION_EVENT_SNAPSHOT,
  MS_SESSION_EVENT_RESTORE,
  MS_SESSION_EVENT_EVAL_EVERY,
  MS_SESSION_EVENT_DIVERGED,
  MS_SESSION_EVENT_REJECTED,     /* a command with an invalid value, not applied */
  MS_SESSION_EVENT_ERROR,        /* e.g. the dataset or classifier could not be loaded */
} MsSessionEventKind;

typedef struct
{
  gint64              iteration;
  MsSessionEventKind  kind;
  guint               command_id;   /* 0 for events the trainer raised itself */
  char               *label;        /* "Adam -> RMSProp", "lr D 0.0002 -> 0.001" */
} MsSessionEvent;

typedef struct
{
  gint64  iteration;
  double  loss_d, loss_g, d_real, d_fake, grad_norm_d, grad_norm_g;
  /* Only on evaluated iterations */
  gboolean has_eval;
  double   kl;                /* kl_reference */
  double   is_mean;           /* images */
  int      modes_covered;
  double   collapse_score;
  MsCollapseState collapse_state;   /* the detector's, with hysteresis */
} MsCurvePoint;

/* One evaluation, as the history keeps it (what --csv and --json write) */
typedef struct
{
  gint64           iteration;
  double           loss_d, loss_g;
  MsEvaluation     evaluation;
  MsCollapseState  collapse_state;   /* the detector's, with hysteresis, after this one */
} MsSessionEvaluation;

/* Frames ------------------------------------------------------------------------------- */

typedef struct _MsFrame MsFrame;

/* Immutable once delivered: read the fields, never write them. */
struct _MsFrame
{
  gint64           iteration;
  guint            generation;      /* commands applied so far */
  guint            run;             /* bumped by reset and new runs */
  gboolean         paused;
  MsGanStats       stats;
  gboolean         is_2d;
  int              grid_n;          /* fixed-noise samples */
  int              sample_ndim;     /* 3 (1, H, W) or 1 (2) */
  int              sample_shape[3];
  gsize            sample_size;     /* floats per sample */
  float           *samples;         /* grid_n * sample_size; images in [-1, 1], or x, y */
  guint8          *grey;            /* images: grid_n * H * W, 0..255; NULL for 2-D */
  gboolean         has_evaluation;
  MsEvaluation     evaluation;      /* the latest of the run, perhaps of earlier weights */
  gint64           evaluation_iteration;  /* the iteration @evaluation was made at */
  MsCollapseState  collapse_state;  /* the detector's, with hysteresis */
  char            *collapse_reason;
  MsSessionEvent  *events;          /* applied since the previous frame was built */
  guint            n_events;
  MsCurvePoint    *points;          /* gathered since the previous frame was built */
  guint            n_points;

  MsSessionSettings settings;       /* active: the run's, changed by every applied command */
  /* The reference the views compare with (the same for every frame of a run) */
  int              n_classes;       /* classes or modes; 0 without evaluation */
  char           **class_names;     /* n_classes entries, NULL-terminated */
  double           real_share[MS_EVAL_MAX_CLASSES];  /* real class mix / mode weights */
  double           reference_is;    /* Inception Score of eval_samples real test images; 0 if none */
  gint8           *grid_labels;     /* grid_n predicted classes (2-D: nearest mode), -1 unknown;
                                     * NULL without evaluation */
  /* 2-D data */
  float           *real_points;     /* (n_real, 2), the same points for the whole run */
  int              n_real;
  float           *heat;            /* (heat_size, heat_size) D(x, y) as a probability (critic
                                     * values for WGAN), row 0 at y_min */
  int              heat_size;
  float            extent[4];       /* x_min, x_max, y_min, y_max of the heat map and the view */
  float           *mode_centres;    /* (n_modes, 2) */
  int              n_modes;
  float            mode_std;
};

#define MS_TYPE_FRAME (ms_frame_get_type ())

GType     ms_frame_get_type (void) G_GNUC_CONST;
/* (transfer full) An empty frame, for tests and for frames read back from a file: the last
 * unref frees every pointer field with g_free() (class_names with g_strfreev(), settings with
 * ms_session_settings_clear()). */
MsFrame  *ms_frame_new      (void);
MsFrame  *ms_frame_ref      (MsFrame *frame);
void      ms_frame_unref    (MsFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsFrame, ms_frame_unref)

/* Session ------------------------------------------------------------------------------ */

#define MS_TYPE_SESSION (ms_session_get_type ())

G_DECLARE_FINAL_TYPE (MsSession, ms_session, MS, SESSION, GObject)

/* Starts the trainer at once (paused when settings->start_paused).  Frames are delivered to
 * the thread-default main context of the caller.  NULL with @error for invalid settings. */
MsSession       *ms_session_new            (const MsSessionSettings *settings,
                                            GError                 **error);
/* The same, but opens the data and builds the networks before returning (blocking), so that
 * an unreadable dataset or an architecture that does not fit it is reported here (the CLI) */
MsSession       *ms_session_new_sync       (const MsSessionSettings *settings,
                                            GError                 **error);

/* Both take ownership of @command and return its id (> 0).  Main thread only. */
guint            ms_session_push           (MsSession        *self,
                                            MsSessionCommand *command);
guint            ms_session_schedule       (MsSession        *self,
                                            gint64            iteration,
                                            MsSessionCommand *command);

/* Shortcuts for ms_session_push (self, ms_session_command_new_...) */
void             ms_session_pause          (MsSession *self);
void             ms_session_resume         (MsSession *self);
guint            ms_session_snapshot       (MsSession *self);
void             ms_session_restore        (MsSession *self,
                                            guint      snapshot_id);

/* (transfer none) The latest delivered frame, or NULL */
MsFrame         *ms_session_get_frame      (MsSession *self);
/* Iteration of the latest frame (0 before the first) */
gint64           ms_session_get_iteration  (MsSession *self);
gboolean         ms_session_get_paused     (MsSession *self);
/* Every event delivered so far, in order */
guint            ms_session_get_n_events   (MsSession *self);
const MsSessionEvent *ms_session_get_event (MsSession *self,
                                            guint      index);
/* Every curve point delivered so far (rolled-back iterations are removed) */
const MsCurvePoint *ms_session_get_curve   (MsSession *self,
                                            guint     *n_points);
/* Forgets a delivered snapshot of this run and frees its state here and in the trainer: then
 * ms_session_get_snapshot() gives NULL and restoring it is rejected.  Records no event and
 * applies no command to the run (a window that lists snapshots removes the row itself).
 * Snapshots are kept until deleted or until a new run (not a reset) drops them, so a front
 * end that takes them for hours bounds their number with this.  FALSE (nothing done) when
 * @snapshot_id is not a delivered snapshot.  Main thread only. */
gboolean         ms_session_delete_snapshot (MsSession *self,
                                             guint      snapshot_id);
/* Earlier branches of this run, oldest first: the whole curve as it was when a restore or a
 * reset cut it (at most MS_SESSION_MAX_BRANCHES; a new run or a divergence keeps none). */
#define MS_SESSION_MAX_BRANCHES 8
guint               ms_session_get_n_branches (MsSession *self);
const MsCurvePoint *ms_session_get_branch  (MsSession *self,
                                            guint      index,
                                            guint     *n_points,
                                            gint64    *fork_iteration);
/* (transfer none) The state a snapshot saved (an ms-checkpoint container), once the trainer
 * has taken it and it was delivered; NULL otherwise. */
GBytes          *ms_session_get_snapshot   (MsSession *self,
                                            guint      snapshot_id);
/* Every evaluation delivered so far (rolled-back iterations are removed), in order */
const MsSessionEvaluation *ms_session_get_evaluations (MsSession *self,
                                            guint     *n_evaluations);

/* Free-form notes saved with the session file (e.g. the CLI's --schedule).  Main thread. */
void             ms_session_set_note       (MsSession  *self,
                                            const char *key,
                                            const char *value);
/* (transfer none) NULL when not set */
const char      *ms_session_get_note       (MsSession  *self,
                                            const char *key);

/* Session files ------------------------------------------------------------------------ */

#define MS_SESSION_FILE_VERSION 1

/* Asks the trainer for its current state (it answers between two steps), then writes the
 * settings, that state, the history up to its iteration, every user snapshot and the notes
 * into @path atomically (a temporary file renamed over it: on failure an earlier file is kept).
 * Blocks the calling (main) thread until the trainer answers (at most one training step) and
 * the file is written: use the async variant from a window.  MS_CHECKPOINT_ERROR on failure. */
gboolean         ms_session_save_file      (MsSession    *self,
                                            const char   *path,
                                            GError      **error);
/* The same without blocking: the file is written in a worker thread; @callback runs on the
 * thread-default main context of the caller. */
void             ms_session_save_file_async  (MsSession           *self,
                                              const char          *path,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean         ms_session_save_file_finish (MsSession     *self,
                                              GAsyncResult  *result,
                                              GError       **error);
/* (transfer full) A paused session restored from @path: weights, optimizer state, RNG,
 * iteration, settings as they were, history, events, snapshots and notes, so that resuming
 * continues exactly as the saved session would have.  Reads and checks the whole file and
 * builds the networks before returning (blocking: the dataset is opened), so a missing,
 * damaged, truncated or foreign file, or one that does not fit its own settings, gives a
 * GError (MS_CHECKPOINT_ERROR, or the dataset's error) and NULL.  Frames are delivered to the
 * thread-default main context of the caller. */
MsSession       *ms_session_new_from_file  (const char   *path,
                                            GError      **error);
/* The same with settings.headless set (whether frames are headless belongs to the front end
 * that opens the file, so it is never taken from the file) */
MsSession       *ms_session_new_from_file_headless (const char   *path,
                                                    GError      **error);

G_END_DECLS
