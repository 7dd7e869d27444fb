/* ms-parallel.h: the engine's own threads, one per core
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Convolutions and large GEMMs split their batch into one fixed slice per thread, and each
 * slice runs single-threaded cblas_sgemm plus its own im2col/col2im.  Measured on the 2-core
 * target (modescope-cli bench), OpenBLAS's own threads lose to one thread on every GAN step
 * (they spin and yield between small calls), while splitting the batch keeps both cores busy
 * including the lowering loops.  Slices are fixed by the thread count and partial sums are
 * added in slice order, so a run is bit-identical for the same seed and thread count.
 *
 * The user's settings win: when OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS is
 * set, the engine uses one thread and leaves OpenBLAS's threading exactly as configured.
 * Otherwise the engine uses one thread per core and calls OpenBLAS with one thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*MsParallelFunc) (int      task,
                                int      n_tasks,
                                gpointer data);

/* Threads an op may use (>= 1) */
int      ms_parallel_threads      (void);
/* An explicit choice (a --threads flag): 1..64.  Takes effect for the next op. */
void     ms_parallel_set_threads  (int n);
/* TRUE when the user's environment configures OpenBLAS's threads */
gboolean ms_parallel_blas_configured_by_user (void);
/* Runs fn (t, n_tasks, data) for t in [0, n_tasks), task 0 on the calling thread, and
 * returns when all are done.  n_tasks is clamped to ms_parallel_threads().  When the pool is
 * busy (another thread's op), the tasks run one after another on the caller. */
void     ms_parallel_run          (int            n_tasks,
                                   MsParallelFunc fn,
                                   gpointer       data);

G_END_DECLS
