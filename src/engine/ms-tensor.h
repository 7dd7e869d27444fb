/* ms-tensor.h: float32 tensors, the per-step graph and its arena
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every tensor made during a training step lives in an MsGraph: a bump arena that is reset after
 * the step, plus a tape of the ops that produced each tensor (the tensor records its op and its
 * sources, so the tape is the graph).  Ops run eagerly; when recording is on and a source
 * requires a gradient, the result is appended to the tape.  Parameters live outside the graph in
 * an MsParams block and enter it as leaf tensors that point into that block.
 *
 *   MsGraph *g = ms_graph_new ();
 *   MsTensor *x = ms_tensor_new (g, 2, (int[]) { 64, 100 });      // (batch, 100)
 *   MsTensor *w = ms_params_tensor (g, params, 0);                  // (256, 100), requires grad
 *   MsTensor *loss = ms_mean (g, ms_square (g, ms_matmul (g, x, w, FALSE, TRUE)));
 *   ms_graph_backward (g, loss);                                    // adds into params' grads
 *   ms_graph_reset (g);                                             // frees every step tensor
 *
 * Threading: an MsGraph and its tensors belong to one thread (the trainer).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MS_MAX_DIMS 4
#define MS_MAX_SRCS 3

typedef struct _MsArena   MsArena;
typedef struct _MsGraph   MsGraph;
typedef struct _MsTensor  MsTensor;
typedef struct _MsOpClass MsOpClass;

/* An op's backward rule.  @gy is the gradient flowing into @node (same shape as @node).  For
 * each source i with @need[i] set, the rule stores the gradient in @gx[i] (or leaves it NULL
 * when the gradient is zero).  Rules must compute only with engine ops, so that they are
 * recorded when the graph is differentiated with create_graph. */
typedef void (*MsBackwardFunc) (MsGraph        *g,
                                MsTensor       *node,
                                MsTensor       *gy,
                                const gboolean *need,
                                MsTensor      **gx);

struct _MsOpClass
{
  const char     *name;      /* e.g. "conv2d"; the PyTorch function it matches is in its file */
  MsBackwardFunc  backward;  /* NULL for ops that are never differentiated */
};

struct _MsTensor
{
  int              ndim;
  int              shape[MS_MAX_DIMS];  /* row-major, NCHW for images */
  gsize            numel;
  float           *data;                /* contiguous, numel floats */

  const MsOpClass *op;                  /* NULL for leaves */
  MsTensor        *src[MS_MAX_SRCS];
  int              iparam[8];           /* op arguments (stride, padding, ...) */
  float            fparam[4];
  gpointer         aux;                 /* op-owned saved data in the arena (masks, indices) */

  float           *grad_dst;            /* parameters: where ms_graph_backward() adds the grad */
  guint            requires_grad : 1;
  guint            on_tape : 1;

  /* Scratch used by the autograd pass only. */
  MsTensor        *grad;
  guint            grad_owned : 1;
  guint            needed : 1;
  int              tape_index;
};

/* Arena: 64-byte aligned bump allocation.  Reset keeps the memory; when a step needed more than
 * one chunk, reset merges them into one chunk of the high-water size, so that a steady training
 * loop never maps fresh pages. */
MsArena  *ms_arena_new          (gsize     initial_bytes);
void      ms_arena_free         (MsArena  *arena);
gpointer  ms_arena_alloc        (MsArena  *arena,
                                 gsize     bytes);
void      ms_arena_reset        (MsArena  *arena);
gsize     ms_arena_high_water   (MsArena  *arena);
gsize     ms_arena_capacity     (MsArena  *arena);

MsGraph  *ms_graph_new          (void);
void      ms_graph_free         (MsGraph  *g);
/* Drops every tensor of the step; the arena keeps its memory. */
void      ms_graph_reset        (MsGraph  *g);
MsArena  *ms_graph_arena        (MsGraph  *g);
/* Recording is on by default.  Returns the previous value (for no-grad sections). */
gboolean  ms_graph_set_recording (MsGraph *g,
                                  gboolean recording);
gboolean  ms_graph_is_recording (MsGraph  *g);
guint     ms_graph_tape_length  (MsGraph  *g);

/* Tensors (all owned by @g; invalid after ms_graph_reset()).  @shape has @ndim entries. */
MsTensor *ms_tensor_new         (MsGraph   *g,
                                 int        ndim,
                                 const int *shape);     /* uninitialised data */
MsTensor *ms_tensor_zeros       (MsGraph   *g,
                                 int        ndim,
                                 const int *shape);
MsTensor *ms_tensor_new_like    (MsGraph   *g,
                                 const MsTensor *like); /* same shape, uninitialised */
MsTensor *ms_tensor_fill        (MsGraph   *g,
                                 int        ndim,
                                 const int *shape,
                                 float      value);
/* Copies @data (numel floats) into a new tensor. */
MsTensor *ms_tensor_from_data   (MsGraph     *g,
                                 int          ndim,
                                 const int   *shape,
                                 const float *data);
/* A leaf over memory the caller owns (no copy).  @grad_dst may be NULL. */
MsTensor *ms_tensor_wrap        (MsGraph   *g,
                                 int        ndim,
                                 const int *shape,
                                 float     *data,
                                 float     *grad_dst,
                                 gboolean   requires_grad);
gboolean  ms_tensor_same_shape  (const MsTensor *a,
                                 const MsTensor *b);
/* Size of dimension @d, or 1 when d >= ndim. */
int       ms_tensor_dim         (const MsTensor *t,
                                 int             d);
/* Number of elements after dimension 1: H*W for NCHW, 1 for (N, F). */
gsize     ms_tensor_inner       (const MsTensor *t);
char     *ms_tensor_shape_string (const MsTensor *t);  /* "(64, 1, 28, 28)", g_free() it */

/* For op implementations: a result tensor with op and sources recorded.  The result requires a
 * gradient when recording is on and any source does; only then is it put on the tape. */
MsTensor *ms_graph_op_result    (MsGraph          *g,
                                 const MsOpClass  *op,
                                 int               ndim,
                                 const int        *shape,
                                 MsTensor         *src0,
                                 MsTensor         *src1,
                                 MsTensor         *src2);

/* Like ms_graph_op_result(), but the result shares @data (views such as reshape). */
MsTensor *ms_graph_op_view      (MsGraph          *g,
                                 const MsOpClass  *op,
                                 int               ndim,
                                 const int        *shape,
                                 MsTensor         *src,
                                 float            *data);

/* Floating-point operations done by GEMM-based ops in this process (2 per multiply-add), for
 * the benchmark's GFLOP/s figures. */
void      ms_flops_add          (double flops);
double    ms_flops_get          (void);
void      ms_flops_reset        (void);

/* Autograd ------------------------------------------------------------------------------ */

/* Like torch.autograd.grad(y, xs, grad_outputs=gy, create_graph=create_graph,
 * allow_unused=True): writes d y / d xs[i] into @gxs[i] (a zero tensor when unused).  @gy is
 * NULL for a scalar @y (gradient 1).  With @create_graph the backward ops are recorded, so the
 * results can be differentiated again. */
void      ms_graph_grad         (MsGraph   *g,
                                 MsTensor  *y,
                                 MsTensor  *gy,
                                 int        n,
                                 MsTensor **xs,
                                 MsTensor **gxs,
                                 gboolean   create_graph);

/* Like loss.backward(): adds d loss / d p into p->grad_dst for every parameter leaf reachable
 * from the scalar @loss.  Not recorded. */
void      ms_graph_backward     (MsGraph   *g,
                                 MsTensor  *loss);

G_END_DECLS
