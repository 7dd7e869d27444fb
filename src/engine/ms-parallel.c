/* ms-parallel.c: the engine's own threads
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ms-parallel.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads (int n);
#endif

#define MAX_THREADS 64

typedef struct
{
  GMutex          lock;        /* guards everything below */
  GCond           start;
  GCond           done;
  guint64         generation;  /* bumped for every job */
  MsParallelFunc  fn;
  gpointer        data;
  int             n_tasks;
  int             pending;     /* worker tasks not finished */
  int             n_workers;   /* threads started besides the callers */
  GMutex          busy;        /* held by the thread whose job runs */
} Pool;

static Pool pool;
static int threads_wanted;
static gboolean user_blas;

static void
init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      user_blas = g_getenv ("OPENBLAS_NUM_THREADS") != NULL
                  || g_getenv ("GOTO_NUM_THREADS") != NULL
                  || g_getenv ("OMP_NUM_THREADS") != NULL;
      threads_wanted = user_blas ? 1 : CLAMP ((int) g_get_num_processors (), 1, MAX_THREADS);
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
      if (!user_blas)
        openblas_set_num_threads (1);
#endif
      g_mutex_init (&pool.lock);
      g_cond_init (&pool.start);
      g_cond_init (&pool.done);
      g_mutex_init (&pool.busy);
      g_once_init_leave (&done, 1);
    }
}

gboolean
ms_parallel_blas_configured_by_user (void)
{
  init_once ();
  return user_blas;
}

int
ms_parallel_threads (void)
{
  init_once ();
  return g_atomic_int_get (&threads_wanted);
}

void
ms_parallel_set_threads (int n)
{
  init_once ();
  g_atomic_int_set (&threads_wanted, CLAMP (n, 1, MAX_THREADS));
}

static gpointer
worker_main (gpointer user_data)
{
  int index = GPOINTER_TO_INT (user_data);   /* 1 .. n_workers */
  guint64 seen = 0;

  g_mutex_lock (&pool.lock);
  for (;;)
    {
      MsParallelFunc fn;
      gpointer data;
      int n_tasks;

      while (pool.generation == seen)
        g_cond_wait (&pool.start, &pool.lock);
      seen = pool.generation;
      fn = pool.fn;
      data = pool.data;
      n_tasks = pool.n_tasks;
      if (index >= n_tasks)
        continue;
      g_mutex_unlock (&pool.lock);
      fn (index, n_tasks, data);
      g_mutex_lock (&pool.lock);
      if (--pool.pending == 0)
        g_cond_signal (&pool.done);
    }
  return NULL;
}

void
ms_parallel_run (int            n_tasks,
                 MsParallelFunc fn,
                 gpointer       data)
{
  init_once ();
  n_tasks = CLAMP (n_tasks, 1, ms_parallel_threads ());
  if (n_tasks == 1 || !g_mutex_trylock (&pool.busy))
    {
      for (int t = 0; t < n_tasks; t++)
        fn (t, n_tasks, data);
      return;
    }
  g_mutex_lock (&pool.lock);
  while (pool.n_workers < n_tasks - 1)
    {
      /* Workers live as long as the process, like OpenBLAS's own. */
      GThread *thread = g_thread_new ("ms-engine", worker_main,
                                      GINT_TO_POINTER (pool.n_workers + 1));
      g_thread_unref (thread);
      pool.n_workers++;
    }
  pool.fn = fn;
  pool.data = data;
  pool.n_tasks = n_tasks;
  pool.pending = n_tasks - 1;
  pool.generation++;
  g_cond_broadcast (&pool.start);
  g_mutex_unlock (&pool.lock);

  fn (0, n_tasks, data);

  g_mutex_lock (&pool.lock);
  while (pool.pending > 0)
    g_cond_wait (&pool.done, &pool.lock);
  g_mutex_unlock (&pool.lock);
  g_mutex_unlock (&pool.busy);
}
