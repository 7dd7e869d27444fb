/* ms-tensor.c: the arena, the graph (tape) and reverse-mode autograd
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ms-tensor.h"
#include "ms-ops.h"

#define ARENA_ALIGN 64

typedef struct
{
  guint8 *base;
  gsize   size;
  gsize   used;
} ArenaChunk;

struct _MsArena
{
  GArray *chunks;       /* ArenaChunk; only the last one takes new allocations */
  gsize   in_use;       /* bytes handed out since the last reset, over all chunks */
  gsize   high_water;
};

/* Chunks are mappings of their own rather than malloc() memory: a step arena reaches a
 * gigabyte with costly settings (unroll 10 on MNIST), and freeing chunks that size through
 * malloc() raises glibc's mmap threshold, after which later buffers of a run come from the
 * heap and stay resident, fragmented, when the run ends (modescope-cli soak, run 5:
 * +17 MB resident after a new run against +1.7 MB of live heap).  munmap() returns a chunk
 * whole, and mmap() gives page alignment, more than ARENA_ALIGN. */
static guint8 *
chunk_alloc (gsize size)
{
  gpointer mem = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  if (mem == MAP_FAILED)
    g_error ("out of memory: the step arena could not grow to %" G_GSIZE_FORMAT " bytes", size);
  return mem;
}

static void
chunk_free (ArenaChunk *chunk)
{
  munmap (chunk->base, chunk->size);
}

MsArena *
ms_arena_new (gsize initial_bytes)
{
  MsArena *arena = g_new0 (MsArena, 1);
  ArenaChunk chunk;

  arena->chunks = g_array_new (FALSE, FALSE, sizeof (ArenaChunk));
  chunk.size = MAX (initial_bytes, (gsize) 1 << 20);
  chunk.base = chunk_alloc (chunk.size);
  chunk.used = 0;
  g_array_append_val (arena->chunks, chunk);
  return arena;
}

void
ms_arena_free (MsArena *arena)
{
  if (arena == NULL)
    return;
  for (guint i = 0; i < arena->chunks->len; i++)
    chunk_free (&g_array_index (arena->chunks, ArenaChunk, i));
  g_array_free (arena->chunks, TRUE);
  g_free (arena);
}

gpointer
ms_arena_alloc (MsArena *arena,
                gsize    bytes)
{
  ArenaChunk *last = &g_array_index (arena->chunks, ArenaChunk, arena->chunks->len - 1);
  gsize need = (bytes + ARENA_ALIGN - 1) & ~(gsize) (ARENA_ALIGN - 1);
  gpointer out;

  if (need == 0)
    need = ARENA_ALIGN;
  if (last->used + need > last->size)
    {
      ArenaChunk chunk;

      /* Grow geometrically; reset merges the chunks, so this happens only while warming up. */
      chunk.size = MAX (need, last->size);
      chunk.base = chunk_alloc (chunk.size);
      chunk.used = 0;
      g_array_append_val (arena->chunks, chunk);
      last = &g_array_index (arena->chunks, ArenaChunk, arena->chunks->len - 1);
    }
  out = last->base + last->used;
  last->used += need;
  arena->in_use += need;
  arena->high_water = MAX (arena->high_water, arena->in_use);
  return out;
}

void
ms_arena_reset (MsArena *arena)
{
  if (arena->chunks->len > 1)
    {
      ArenaChunk merged;

      for (guint i = 0; i < arena->chunks->len; i++)
        chunk_free (&g_array_index (arena->chunks, ArenaChunk, i));
      g_array_set_size (arena->chunks, 0);
      /* Room for the high-water mark plus slack, so the next step fits in one chunk. */
      merged.size = arena->high_water + arena->high_water / 8 + ARENA_ALIGN;
      merged.base = chunk_alloc (merged.size);
      merged.used = 0;
      g_array_append_val (arena->chunks, merged);
    }
  else
    g_array_index (arena->chunks, ArenaChunk, 0).used = 0;
  arena->in_use = 0;
}

gsize
ms_arena_high_water (MsArena *arena)
{
  return arena->high_water;
}

gsize
ms_arena_capacity (MsArena *arena)
{
  gsize total = 0;

  for (guint i = 0; i < arena->chunks->len; i++)
    total += g_array_index (arena->chunks, ArenaChunk, i).size;
  return total;
}

/* Graph ---------------------------------------------------------------------------------- */

struct _MsGraph
{
  MsArena   *arena;
  GPtrArray *tape;       /* MsTensor*, in creation order = a topological order */
  GPtrArray *leaves;     /* parameter leaves, for ms_graph_backward() */
  gboolean   recording;
};

MsGraph *
ms_graph_new (void)
{
  MsGraph *g = g_new0 (MsGraph, 1);

  g->arena = ms_arena_new (16 << 20);
  g->tape = g_ptr_array_sized_new (1024);
  g->leaves = g_ptr_array_sized_new (64);
  g->recording = TRUE;
  return g;
}

void
ms_graph_free (MsGraph *g)
{
  if (g == NULL)
    return;
  ms_arena_free (g->arena);
  g_ptr_array_unref (g->tape);
  g_ptr_array_unref (g->leaves);
  g_free (g);
}

void
ms_graph_reset (MsGraph *g)
{
  g_ptr_array_set_size (g->tape, 0);
  g_ptr_array_set_size (g->leaves, 0);
  ms_arena_reset (g->arena);
  g->recording = TRUE;
}

MsArena *
ms_graph_arena (MsGraph *g)
{
  return g->arena;
}

gboolean
ms_graph_set_recording (MsGraph  *g,
                        gboolean  recording)
{
  gboolean old = g->recording;

  g->recording = recording;
  return old;
}

gboolean
ms_graph_is_recording (MsGraph *g)
{
  return g->recording;
}

guint
ms_graph_tape_length (MsGraph *g)
{
  return g->tape->len;
}

/* Tensors -------------------------------------------------------------------------------- */

static MsTensor *
tensor_header (MsGraph   *g,
               int        ndim,
               const int *shape)
{
  MsTensor *t;
  gsize numel = 1;

  g_return_val_if_fail (ndim >= 1 && ndim <= MS_MAX_DIMS, NULL);
  t = ms_arena_alloc (g->arena, sizeof (MsTensor));
  memset (t, 0, sizeof *t);
  t->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    {
      g_return_val_if_fail (shape[d] >= 0, NULL);
      t->shape[d] = shape[d];
      numel *= (gsize) shape[d];
    }
  t->numel = numel;
  t->tape_index = -1;
  return t;
}

MsTensor *
ms_tensor_new (MsGraph   *g,
               int        ndim,
               const int *shape)
{
  MsTensor *t = tensor_header (g, ndim, shape);

  t->data = ms_arena_alloc (g->arena, t->numel * sizeof (float));
  return t;
}

MsTensor *
ms_tensor_zeros (MsGraph   *g,
                 int        ndim,
                 const int *shape)
{
  MsTensor *t = ms_tensor_new (g, ndim, shape);

  memset (t->data, 0, t->numel * sizeof (float));
  return t;
}

MsTensor *
ms_tensor_new_like (MsGraph        *g,
                    const MsTensor *like)
{
  return ms_tensor_new (g, like->ndim, like->shape);
}

MsTensor *
ms_tensor_fill (MsGraph   *g,
                int        ndim,
                const int *shape,
                float      value)
{
  MsTensor *t = ms_tensor_new (g, ndim, shape);

  for (gsize i = 0; i < t->numel; i++)
    t->data[i] = value;
  return t;
}

MsTensor *
ms_tensor_from_data (MsGraph     *g,
                     int          ndim,
                     const int   *shape,
                     const float *data)
{
  MsTensor *t = ms_tensor_new (g, ndim, shape);

  memcpy (t->data, data, t->numel * sizeof (float));
  return t;
}

MsTensor *
ms_tensor_wrap (MsGraph   *g,
                int        ndim,
                const int *shape,
                float     *data,
                float     *grad_dst,
                gboolean   requires_grad)
{
  MsTensor *t = tensor_header (g, ndim, shape);

  t->data = data;
  t->grad_dst = grad_dst;
  t->requires_grad = requires_grad ? 1 : 0;
  if (grad_dst != NULL)
    g_ptr_array_add (g->leaves, t);
  return t;
}

gboolean
ms_tensor_same_shape (const MsTensor *a,
                      const MsTensor *b)
{
  if (a->ndim != b->ndim)
    return FALSE;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != b->shape[d])
      return FALSE;
  return TRUE;
}

int
ms_tensor_dim (const MsTensor *t,
               int             d)
{
  return d < t->ndim ? t->shape[d] : 1;
}

gsize
ms_tensor_inner (const MsTensor *t)
{
  gsize inner = 1;

  for (int d = 2; d < t->ndim; d++)
    inner *= (gsize) t->shape[d];
  return inner;
}

char *
ms_tensor_shape_string (const MsTensor *t)
{
  GString *s = g_string_new ("(");

  for (int d = 0; d < t->ndim; d++)
    g_string_append_printf (s, d ? ", %d" : "%d", t->shape[d]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static MsTensor *
op_result (MsGraph         *g,
           const MsOpClass *op,
           MsTensor        *t,
           MsTensor        *src0,
           MsTensor        *src1,
           MsTensor        *src2)
{
  gboolean needs_grad = FALSE;

  t->op = op;
  t->src[0] = src0;
  t->src[1] = src1;
  t->src[2] = src2;
  if (g->recording && op->backward != NULL)
    for (int i = 0; i < MS_MAX_SRCS; i++)
      if (t->src[i] != NULL && t->src[i]->requires_grad)
        needs_grad = TRUE;
  if (needs_grad)
    {
      t->requires_grad = 1;
      t->on_tape = 1;
      t->tape_index = (int) g->tape->len;
      g_ptr_array_add (g->tape, t);
    }
  return t;
}

MsTensor *
ms_graph_op_result (MsGraph         *g,
                    const MsOpClass *op,
                    int              ndim,
                    const int       *shape,
                    MsTensor        *src0,
                    MsTensor        *src1,
                    MsTensor        *src2)
{
  return op_result (g, op, ms_tensor_new (g, ndim, shape), src0, src1, src2);
}

MsTensor *
ms_graph_op_view (MsGraph         *g,
                  const MsOpClass *op,
                  int              ndim,
                  const int       *shape,
                  MsTensor        *src,
                  float           *data)
{
  MsTensor *t = tensor_header (g, ndim, shape);

  t->data = data;
  return op_result (g, op, t, src, NULL, NULL);
}

/* FLOP counter --------------------------------------------------------------------------- */

/* Whole FLOPs, added from the engine's worker threads too */
static gint64 flop_counter;

void
ms_flops_add (double flops)
{
  __atomic_fetch_add (&flop_counter, (gint64) flops, __ATOMIC_RELAXED);
}

double
ms_flops_get (void)
{
  return (double) __atomic_load_n (&flop_counter, __ATOMIC_RELAXED);
}

void
ms_flops_reset (void)
{
  __atomic_store_n (&flop_counter, 0, __ATOMIC_RELAXED);
}

/* Autograd ------------------------------------------------------------------------------- */

/* Adds @gx into @t's gradient.  Without create_graph the sum is done in place when the
 * accumulator is ours (gradients handed out by rules may be shared, e.g. by add's backward). */
static void
accumulate (MsGraph  *g,
            MsTensor *t,
            MsTensor *gx,
            gboolean  create_graph)
{
  g_assert (gx->numel == t->numel);
  if (t->grad == NULL)
    {
      t->grad = gx;
      t->grad_owned = 0;
    }
  else if (create_graph)
    t->grad = ms_add (g, t->grad, gx);
  else if (t->grad_owned)
    {
      float *restrict dst = t->grad->data;
      const float *restrict src = gx->data;

      for (gsize i = 0; i < t->numel; i++)
        dst[i] += src[i];
    }
  else
    {
      t->grad = ms_add (g, t->grad, gx);
      t->grad_owned = 1;
    }
}

/* Marks the tape nodes whose gradient matters: those that lead to a wanted leaf or node.  The
 * tape is in topological order, so one forward sweep suffices. */
static void
mark_needed (MsGraph  *g,
             int       last)
{
  for (int i = 0; i <= last; i++)
    {
      MsTensor *t = g_ptr_array_index (g->tape, i);

      if (t->needed)
        continue;
      for (int s = 0; s < MS_MAX_SRCS; s++)
        if (t->src[s] != NULL && t->src[s]->needed)
          {
            t->needed = 1;
            break;
          }
    }
}

static void
run_backward (MsGraph  *g,
              MsTensor *y,
              MsTensor *gy,
              gboolean  create_graph)
{
  gboolean old_recording = g->recording;
  int last = y->tape_index;

  mark_needed (g, last);
  if (!y->needed)
    return;

  g->recording = create_graph;
  y->grad = gy;
  y->grad_owned = 0;
  for (int i = last; i >= 0; i--)
    {
      MsTensor *t = g_ptr_array_index (g->tape, i);
      gboolean need[MS_MAX_SRCS] = { FALSE, };
      MsTensor *gx[MS_MAX_SRCS] = { NULL, };
      gboolean any = FALSE;

      if (t->grad == NULL || !t->needed)
        continue;
      for (int s = 0; s < MS_MAX_SRCS; s++)
        if (t->src[s] != NULL && t->src[s]->requires_grad && t->src[s]->needed)
          need[s] = any = TRUE;
      if (!any)
        continue;
      t->op->backward (g, t, t->grad, need, gx);
      for (int s = 0; s < MS_MAX_SRCS; s++)
        if (need[s] && gx[s] != NULL)
          accumulate (g, t->src[s], gx[s], create_graph);
    }
  g->recording = old_recording;
}

static void
clear_scratch (MsGraph *g,
               int      n,
               MsTensor **xs)
{
  for (guint i = 0; i < g->tape->len; i++)
    {
      MsTensor *t = g_ptr_array_index (g->tape, i);

      t->grad = NULL;
      t->grad_owned = 0;
      t->needed = 0;
      for (int s = 0; s < MS_MAX_SRCS; s++)
        if (t->src[s] != NULL && !t->src[s]->on_tape)
          {
            t->src[s]->grad = NULL;
            t->src[s]->grad_owned = 0;
            t->src[s]->needed = 0;
          }
    }
  for (int i = 0; i < n; i++)
    {
      xs[i]->grad = NULL;
      xs[i]->needed = 0;
    }
}

void
ms_graph_grad (MsGraph   *g,
               MsTensor  *y,
               MsTensor  *gy,
               int        n,
               MsTensor **xs,
               MsTensor **gxs,
               gboolean   create_graph)
{
  g_return_if_fail (y != NULL);
  g_return_if_fail (gy != NULL || y->numel == 1);

  clear_scratch (g, n, xs);
  for (int i = 0; i < n; i++)
    xs[i]->needed = 1;

  if (y->on_tape)
    {
      if (gy == NULL)
        gy = ms_tensor_fill (g, y->ndim, y->shape, 1.0f);
      run_backward (g, y, gy, create_graph);
    }
  else if (y->needed && gy != NULL)
    y->grad = gy;  /* y is itself one of the leaves */
  else if (y->needed)
    y->grad = ms_tensor_fill (g, y->ndim, y->shape, 1.0f);

  for (int i = 0; i < n; i++)
    {
      MsTensor *gx = xs[i]->grad;

      gxs[i] = gx != NULL ? gx : ms_tensor_zeros (g, xs[i]->ndim, xs[i]->shape);
    }
  clear_scratch (g, n, xs);
}

void
ms_graph_backward (MsGraph  *g,
                   MsTensor *loss)
{
  g_return_if_fail (loss != NULL && loss->numel == 1);

  if (!loss->on_tape)
    return;
  clear_scratch (g, 0, NULL);
  for (guint i = 0; i < g->leaves->len; i++)
    {
      MsTensor *leaf = g_ptr_array_index (g->leaves, i);

      leaf->grad = NULL;
      leaf->needed = leaf->requires_grad;
    }
  run_backward (g, loss, ms_tensor_fill (g, loss->ndim, loss->shape, 1.0f), FALSE);
  for (guint i = 0; i < g->leaves->len; i++)
    {
      MsTensor *leaf = g_ptr_array_index (g->leaves, i);

      if (leaf->grad != NULL)
        {
          float *restrict dst = leaf->grad_dst;
          const float *restrict src = leaf->grad->data;

          for (gsize k = 0; k < leaf->numel; k++)
            dst[k] += src[k];
        }
      leaf->grad = NULL;
      leaf->needed = 0;
    }
  clear_scratch (g, 0, NULL);
}
