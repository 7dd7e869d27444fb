/* tsan-glib.c: GLib's locks as pthread locks, so that ThreadSanitizer sees them
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preloaded by the tsan test setup only (tests/sanitizers/meson.build); never part of
 * ModeScope.  On Linux, GLib 2.74 implements GMutex and GCond with raw futex system calls,
 * which ThreadSanitizer does not intercept: every lock our code takes is invisible to it, and
 * it reports each access to data those locks protect as a race (ms-parallel.c's pool,
 * ms-session.c's mailbox).  Suppressing those reports would hide real races in our code, so
 * instead this library takes over the GMutex and GCond functions with pthread ones, which
 * TSan intercepts.  It is built without instrumentation and loaded with LD_PRELOAD, so calls
 * from our code and from libgobject/libgio (through the PLT) come here; libglib's calls to
 * itself stay on its futexes, and the objects it uses internally are never seen here.
 *
 * Data handed from one thread to another through GLib's own queues (GAsyncQueue,
 * GThreadPool) passes through libglib's internal locks, so those entry points are wrapped
 * too: the pushing side releases and the popping side acquires on the queue's address.
 *
 * glibc's PTHREAD_MUTEX_INITIALIZER and PTHREAD_COND_INITIALIZER are all zero bytes, so a
 * zero-filled block is a valid lock: a static GMutex {0} gets its block on first use.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <glib.h>

/* ThreadSanitizer's annotations (libtsan, present in every instrumented process).  Weak, so
 * that a process without TSan (the test scripts' shell) still loads this library. */
void __tsan_acquire (void *addr) __attribute__ ((weak));
void __tsan_release (void *addr) __attribute__ ((weak));

#define ACQUIRE(p) G_STMT_START { if (__tsan_acquire) __tsan_acquire ((void *) (p)); } G_STMT_END
#define RELEASE(p) G_STMT_START { if (__tsan_release) __tsan_release ((void *) (p)); } G_STMT_END

/* The block is published with an atomic exchange that TSan does not see (this file is not
 * instrumented): the annotations tell it that the calloc() happens before every use. */
static gpointer
impl_get (gpointer *slot,
          gsize     size)
{
  gpointer impl = __atomic_load_n (slot, __ATOMIC_ACQUIRE);

  if (G_UNLIKELY (impl == NULL))
    {
      gpointer fresh = calloc (1, size);

      if (fresh == NULL)
        abort ();
      RELEASE (slot);
      if (__atomic_compare_exchange_n (slot, &impl, fresh, FALSE, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE))
        return fresh;
      free (fresh);
    }
  ACQUIRE (slot);
  return impl;
}

static void
impl_clear (gpointer *slot)
{
  free (__atomic_exchange_n (slot, NULL, __ATOMIC_ACQ_REL));
}

#define MUTEX(m) ((pthread_mutex_t *) impl_get (&(m)->p, sizeof (pthread_mutex_t)))
#define COND(c) ((pthread_cond_t *) impl_get (&(c)->p, sizeof (pthread_cond_t)))

void
g_mutex_init (GMutex *mutex)
{
  mutex->p = NULL;
}

void
g_mutex_clear (GMutex *mutex)
{
  pthread_mutex_t *m = __atomic_load_n (&mutex->p, __ATOMIC_ACQUIRE);

  if (m != NULL)
    pthread_mutex_destroy (m);
  impl_clear (&mutex->p);
}

void
g_mutex_lock (GMutex *mutex)
{
  if (pthread_mutex_lock (MUTEX (mutex)) != 0)
    abort ();
}

void
g_mutex_unlock (GMutex *mutex)
{
  if (pthread_mutex_unlock (MUTEX (mutex)) != 0)
    abort ();
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  return pthread_mutex_trylock (MUTEX (mutex)) == 0;
}

void
g_cond_init (GCond *cond)
{
  cond->p = NULL;
}

void
g_cond_clear (GCond *cond)
{
  pthread_cond_t *c = __atomic_load_n (&cond->p, __ATOMIC_ACQUIRE);

  if (c != NULL)
    pthread_cond_destroy (c);
  impl_clear (&cond->p);
}

void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  if (pthread_cond_wait (COND (cond), MUTEX (mutex)) != 0)
    abort ();
}

void
g_cond_signal (GCond *cond)
{
  pthread_cond_signal (COND (cond));
}

void
g_cond_broadcast (GCond *cond)
{
  pthread_cond_broadcast (COND (cond));
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  struct timespec ts = {
    .tv_sec = end_time / G_USEC_PER_SEC,
    .tv_nsec = (end_time % G_USEC_PER_SEC) * 1000,
  };

  /* g_get_monotonic_time() is CLOCK_MONOTONIC */
  return pthread_cond_clockwait (COND (cond), MUTEX (mutex), CLOCK_MONOTONIC, &ts) == 0;
}

/* GAsyncQueue ------------------------------------------------------------------------------ */

#define REAL(name, ret, args)                                                                   \
  static ret (*real) args;                                                                      \
  if (real == NULL)                                                                             \
    *(void **) &real = dlsym (RTLD_NEXT, name);

void
g_async_queue_push (GAsyncQueue *queue,
                    gpointer     data)
{
  REAL ("g_async_queue_push", void, (GAsyncQueue *, gpointer));
  RELEASE (queue);
  real (queue, data);
}

void
g_async_queue_push_unlocked (GAsyncQueue *queue,
                             gpointer     data)
{
  REAL ("g_async_queue_push_unlocked", void, (GAsyncQueue *, gpointer));
  RELEASE (queue);
  real (queue, data);
}

void
g_async_queue_push_front (GAsyncQueue *queue,
                          gpointer     item)
{
  REAL ("g_async_queue_push_front", void, (GAsyncQueue *, gpointer));
  RELEASE (queue);
  real (queue, item);
}

gpointer
g_async_queue_pop (GAsyncQueue *queue)
{
  gpointer data;

  REAL ("g_async_queue_pop", gpointer, (GAsyncQueue *));
  data = real (queue);
  ACQUIRE (queue);
  return data;
}

gpointer
g_async_queue_try_pop (GAsyncQueue *queue)
{
  gpointer data;

  REAL ("g_async_queue_try_pop", gpointer, (GAsyncQueue *));
  data = real (queue);
  if (data != NULL)
    ACQUIRE (queue);
  return data;
}

gpointer
g_async_queue_timeout_pop (GAsyncQueue *queue,
                           guint64      timeout)
{
  gpointer data;

  REAL ("g_async_queue_timeout_pop", gpointer, (GAsyncQueue *, guint64));
  data = real (queue, timeout);
  if (data != NULL)
    ACQUIRE (queue);
  return data;
}

/* GThreadPool (GTask's worker threads use one): the pushing thread releases on the item,
 * the worker acquires on it before running the pool's function. */

typedef struct
{
  GFunc    func;
  gpointer user_data;
} PoolFunc;

static void
pool_trampoline (gpointer data,
                 gpointer user_data)
{
  PoolFunc *pf = user_data;

  ACQUIRE (data);
  pf->func (data, pf->user_data);
}

GThreadPool *
g_thread_pool_new (GFunc     func,
                   gpointer  user_data,
                   gint      max_threads,
                   gboolean  exclusive,
                   GError  **error)
{
  PoolFunc *pf = malloc (sizeof *pf);   /* lives as long as the process */

  REAL ("g_thread_pool_new", GThreadPool *, (GFunc, gpointer, gint, gboolean, GError **));
  if (pf == NULL)
    abort ();
  pf->func = func;
  pf->user_data = user_data;
  return real (pool_trampoline, pf, max_threads, exclusive, error);
}

GThreadPool *
g_thread_pool_new_full (GFunc          func,
                        gpointer       user_data,
                        GDestroyNotify item_free_func,
                        gint           max_threads,
                        gboolean       exclusive,
                        GError       **error)
{
  PoolFunc *pf = malloc (sizeof *pf);   /* lives as long as the process */

  REAL ("g_thread_pool_new_full", GThreadPool *,
        (GFunc, gpointer, GDestroyNotify, gint, gboolean, GError **));
  if (pf == NULL)
    abort ();
  pf->func = func;
  pf->user_data = user_data;
  return real (pool_trampoline, pf, item_free_func, max_threads, exclusive, error);
}

gboolean
g_thread_pool_push (GThreadPool *pool,
                    gpointer     data,
                    GError     **error)
{
  REAL ("g_thread_pool_push", gboolean, (GThreadPool *, gpointer, GError **));
  RELEASE (data);
  return real (pool, data, error);
}

/* Idle and timeout sources attached from another thread (the trainer's frame delivery): the
 * main loop runs and frees them under GMainContext's internal lock.  The attaching thread
 * releases on the source; the callback and its destroy notify acquire on it first.  Other
 * kinds of source call their callback with other arguments, so they are left alone. */

typedef struct
{
  GSource       *source;
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify notify;
} SourceCallback;

static gboolean
source_trampoline (gpointer user_data)
{
  SourceCallback *cb = user_data;

  ACQUIRE (cb->source);
  return cb->func (cb->data);
}

static void
source_notify (gpointer user_data)
{
  SourceCallback *cb = user_data;

  ACQUIRE (cb->source);
  if (cb->notify != NULL)
    cb->notify (cb->data);
  free (cb);
}

void
g_source_set_callback (GSource        *source,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  REAL ("g_source_set_callback", void, (GSource *, GSourceFunc, gpointer, GDestroyNotify));
  RELEASE (source);
  if (func != NULL
      && (source->source_funcs == &g_idle_funcs || source->source_funcs == &g_timeout_funcs))
    {
      SourceCallback *cb = malloc (sizeof *cb);

      if (cb == NULL)
        abort ();
      *cb = (SourceCallback) { source, func, data, notify };
      real (source, source_trampoline, cb, source_notify);
      return;
    }
  real (source, func, data, notify);
}

guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  REAL ("g_source_attach", guint, (GSource *, GMainContext *));
  RELEASE (source);
  return real (source, context);
}
