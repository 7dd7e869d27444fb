/* ms-ops.c: elementwise ops, reductions, shapes, GEMM, normalisation and losses
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each op's forward loop and its backward rule sit side by side.  Backward rules call only
 * public ops, so that they are recorded (and can be differentiated again) when the caller asks
 * for create_graph.  Convolutions live in ms-ops-conv.c.
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <cblas.h>

#include "ms-ops.h"
#include "ms-parallel.h"
#include "ms-rng.h"

#define OP_CLASS(id, label) \
  static void id##_backward (MsGraph *, MsTensor *, MsTensor *, const gboolean *, MsTensor **); \
  static const MsOpClass id##_class = { label, id##_backward }

static void
check_same_shape (const char     *op,
                  const MsTensor *a,
                  const MsTensor *b)
{
  if (!ms_tensor_same_shape (a, b))
    {
      g_autofree char *sa = ms_tensor_shape_string (a);
      g_autofree char *sb = ms_tensor_shape_string (b);

      g_error ("%s: shapes %s and %s differ", op, sa, sb);
    }
}

/* Elementwise loops over at least this many floats are split between the engine's threads
 * (below it, waking a thread costs more than it saves). */
#define PARALLEL_ELEMENTS ((gsize) 1 << 17)

typedef struct
{
  const float *a;
  const float *b;
  float       *y;
  float        s;
  gsize        n;
  void       (*kernel) (const float *restrict a, const float *restrict b, float *restrict y,
                        float s, gsize n);
} EwJob;

static void
ew_task (int      t,
         int      n_tasks,
         gpointer data)
{
  const EwJob *j = data;
  gsize start = j->n * (gsize) t / (gsize) n_tasks;
  gsize end = j->n * (gsize) (t + 1) / (gsize) n_tasks;

  j->kernel (j->a ? j->a + start : NULL, j->b ? j->b + start : NULL, j->y + start, j->s,
             end - start);
}

/* y[i] = kernel (a[i], b[i], s) for i < n, on the engine's threads when n is large */
static void
ew_run (void       (*kernel) (const float *restrict, const float *restrict, float *restrict,
                              float, gsize),
        const float *a,
        const float *b,
        float       *y,
        float        s,
        gsize        n)
{
  EwJob job = { a, b, y, s, n, kernel };

  ms_parallel_run (n >= PARALLEL_ELEMENTS ? ms_parallel_threads () : 1, ew_task, &job);
}

static void
k_add (const float *restrict a, const float *restrict b, float *restrict y, float s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = a[i] + b[i];
}

static void
k_sub (const float *restrict a, const float *restrict b, float *restrict y, float s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = a[i] - b[i];
}

static void
k_mul (const float *restrict a, const float *restrict b, float *restrict y, float s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = a[i] * b[i];
}

static void
k_scale (const float *restrict a, const float *restrict b, float *restrict y, float s, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = a[i] * s;
}

static void
k_leaky_relu (const float *restrict a, const float *restrict b, float *restrict y, float s,
              gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = a[i] > 0.0f ? a[i] : a[i] * s;
}

/* a = gy, b = x */
static void
k_leaky_relu_mask (const float *restrict a, const float *restrict b, float *restrict y, float s,
                   gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] = b[i] > 0.0f ? a[i] : a[i] * s;
}

/* Elementwise binary ---------------------------------------------------------------------- */

OP_CLASS (add, "add");
OP_CLASS (sub, "sub");
OP_CLASS (mul, "mul");
OP_CLASS (div, "div");

/* torch.add */
MsTensor *
ms_add (MsGraph  *g,
        MsTensor *a,
        MsTensor *b)
{
  MsTensor *y;
  const float *restrict pa = a->data, *restrict pb = b->data;
  float *restrict py;

  check_same_shape ("add", a, b);
  y = ms_graph_op_result (g, &add_class, a->ndim, a->shape, a, b, NULL);
  py = y->data;
  ew_run (k_add, pa, pb, py, 0.0f, y->numel);
  return y;
}

static void
add_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = gy;
  gx[1] = gy;
}

/* torch.sub */
MsTensor *
ms_sub (MsGraph  *g,
        MsTensor *a,
        MsTensor *b)
{
  MsTensor *y;
  const float *restrict pa = a->data, *restrict pb = b->data;
  float *restrict py;

  check_same_shape ("sub", a, b);
  y = ms_graph_op_result (g, &sub_class, a->ndim, a->shape, a, b, NULL);
  py = y->data;
  ew_run (k_sub, pa, pb, py, 0.0f, y->numel);
  return y;
}

static void
sub_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = gy;
  if (need[1])
    gx[1] = ms_neg (g, gy);
}

/* torch.mul */
MsTensor *
ms_mul (MsGraph  *g,
        MsTensor *a,
        MsTensor *b)
{
  MsTensor *y;
  const float *restrict pa = a->data, *restrict pb = b->data;
  float *restrict py;

  check_same_shape ("mul", a, b);
  y = ms_graph_op_result (g, &mul_class, a->ndim, a->shape, a, b, NULL);
  py = y->data;
  ew_run (k_mul, pa, pb, py, 0.0f, y->numel);
  return y;
}

static void
mul_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  if (need[0])
    gx[0] = ms_mul (g, gy, node->src[1]);
  if (need[1])
    gx[1] = ms_mul (g, gy, node->src[0]);
}

/* torch.div */
MsTensor *
ms_div (MsGraph  *g,
        MsTensor *a,
        MsTensor *b)
{
  MsTensor *y;
  const float *restrict pa = a->data, *restrict pb = b->data;
  float *restrict py;

  check_same_shape ("div", a, b);
  y = ms_graph_op_result (g, &div_class, a->ndim, a->shape, a, b, NULL);
  py = y->data;
  for (gsize i = 0; i < y->numel; i++)
    py[i] = pa[i] / pb[i];
  return y;
}

static void
div_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  MsTensor *b = node->src[1];

  if (need[0])
    gx[0] = ms_div (g, gy, b);
  if (need[1])  /* d(a/b)/db = -(a/b)/b */
    gx[1] = ms_neg (g, ms_div (g, ms_mul (g, gy, node), b));
}

/* Elementwise unary ----------------------------------------------------------------------- */

OP_CLASS (scale, "scale");
OP_CLASS (add_scalar, "add_scalar");
OP_CLASS (leaky_relu, "leaky_relu");
OP_CLASS (leaky_relu_mask, "leaky_relu_backward");
OP_CLASS (tanh, "tanh");
OP_CLASS (sigmoid, "sigmoid");
OP_CLASS (softplus, "softplus");
OP_CLASS (square, "square");
OP_CLASS (sqrt, "sqrt");
OP_CLASS (exp, "exp");
OP_CLASS (log, "log");

static MsTensor *
unary_result (MsGraph         *g,
              const MsOpClass *op,
              MsTensor        *x)
{
  return ms_graph_op_result (g, op, x->ndim, x->shape, x, NULL, NULL);
}

/* x * s */
MsTensor *
ms_scale (MsGraph  *g,
          MsTensor *x,
          float     s)
{
  MsTensor *y = unary_result (g, &scale_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  y->fparam[0] = s;
  ew_run (k_scale, px, NULL, py, s, y->numel);
  return y;
}

static void
scale_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_scale (g, gy, node->fparam[0]);
}

/* torch.neg */
MsTensor *
ms_neg (MsGraph  *g,
        MsTensor *x)
{
  return ms_scale (g, x, -1.0f);
}

/* x + s */
MsTensor *
ms_add_scalar (MsGraph  *g,
               MsTensor *x,
               float     s)
{
  MsTensor *y = unary_result (g, &add_scalar_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = px[i] + s;
  return y;
}

static void
add_scalar_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = gy;
}

/* F.leaky_relu(x, slope); slope 0 is torch.relu */
MsTensor *
ms_leaky_relu (MsGraph  *g,
               MsTensor *x,
               float     slope)
{
  MsTensor *y = unary_result (g, &leaky_relu_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  y->fparam[0] = slope;
  ew_run (k_leaky_relu, px, NULL, py, slope, y->numel);
  return y;
}

MsTensor *
ms_relu (MsGraph  *g,
         MsTensor *x)
{
  return ms_leaky_relu (g, x, 0.0f);
}

/* gy * (x > 0 ? 1 : slope): linear in gy, and x only selects, so its own gradient in x is 0. */
static MsTensor *
leaky_relu_mask (MsGraph  *g,
                 MsTensor *gy,
                 MsTensor *x,
                 float     slope)
{
  MsTensor *y = ms_graph_op_result (g, &leaky_relu_mask_class, gy->ndim, gy->shape, gy, x, NULL);
  const float *restrict pg = gy->data, *restrict px = x->data;
  float *restrict py = y->data;

  y->fparam[0] = slope;
  ew_run (k_leaky_relu_mask, pg, px, py, slope, y->numel);
  return y;
}

static void
leaky_relu_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = leaky_relu_mask (g, gy, node->src[0], node->fparam[0]);
}

static void
leaky_relu_mask_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need,
                          MsTensor **gx)
{
  if (need[0])
    gx[0] = leaky_relu_mask (g, gy, node->src[1], node->fparam[0]);
  /* The mask is piecewise constant in x: zero gradient, so gx[1] stays NULL. */
}

/* torch.tanh */
MsTensor *
ms_tanh (MsGraph  *g,
         MsTensor *x)
{
  MsTensor *y = unary_result (g, &tanh_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = tanhf (px[i]);
  return y;
}

static void
tanh_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  /* gy * (1 - y^2) */
  gx[0] = ms_mul (g, gy, ms_add_scalar (g, ms_neg (g, ms_square (g, node)), 1.0f));
}

static inline float
sigmoidf (float x)
{
  /* Split by sign so that exp never overflows. */
  if (x >= 0.0f)
    return 1.0f / (1.0f + expf (-x));
  else
    {
      float e = expf (x);
      return e / (1.0f + e);
    }
}

/* torch.sigmoid */
MsTensor *
ms_sigmoid (MsGraph  *g,
            MsTensor *x)
{
  MsTensor *y = unary_result (g, &sigmoid_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = sigmoidf (px[i]);
  return y;
}

static void
sigmoid_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  /* gy * y * (1 - y) */
  gx[0] = ms_mul (g, gy, ms_mul (g, node, ms_add_scalar (g, ms_neg (g, node), 1.0f)));
}

/* F.softplus(x) = log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) */
MsTensor *
ms_softplus (MsGraph  *g,
             MsTensor *x)
{
  MsTensor *y = unary_result (g, &softplus_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = fmaxf (px[i], 0.0f) + log1pf (expf (-fabsf (px[i])));
  return y;
}

static void
softplus_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_mul (g, gy, ms_sigmoid (g, node->src[0]));
}

/* torch.square */
MsTensor *
ms_square (MsGraph  *g,
           MsTensor *x)
{
  MsTensor *y = unary_result (g, &square_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = px[i] * px[i];
  return y;
}

static void
square_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_mul (g, gy, ms_scale (g, node->src[0], 2.0f));
}

/* torch.sqrt */
MsTensor *
ms_sqrt (MsGraph  *g,
         MsTensor *x)
{
  MsTensor *y = unary_result (g, &sqrt_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = sqrtf (px[i]);
  return y;
}

static void
sqrt_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_div (g, ms_scale (g, gy, 0.5f), node);
}

/* torch.exp */
MsTensor *
ms_exp (MsGraph  *g,
        MsTensor *x)
{
  MsTensor *y = unary_result (g, &exp_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = expf (px[i]);
  return y;
}

static void
exp_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_mul (g, gy, node);
}

/* torch.log */
MsTensor *
ms_log (MsGraph  *g,
        MsTensor *x)
{
  MsTensor *y = unary_result (g, &log_class, x);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  for (gsize i = 0; i < y->numel; i++)
    py[i] = logf (px[i]);
  return y;
}

static void
log_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_div (g, gy, node->src[0]);
}

/* Reductions and broadcasts -------------------------------------------------------------- */

OP_CLASS (sum, "sum");
OP_CLASS (expand_scalar, "expand_scalar");
OP_CLASS (row_sum, "row_sum");
OP_CLASS (row_expand, "row_expand");
OP_CLASS (channel_sum, "channel_sum");
OP_CLASS (channel_expand, "channel_expand");
OP_CLASS (add_channel, "add_channel");
OP_CLASS (mul_channel, "mul_channel");
OP_CLASS (mul_row, "mul_row");

/* torch.sum, accumulated in double so that long sums stay exact to float precision */
MsTensor *
ms_sum (MsGraph  *g,
        MsTensor *x)
{
  MsTensor *y = ms_graph_op_result (g, &sum_class, 1, (int[]) { 1 }, x, NULL, NULL);
  double acc = 0.0;

  for (gsize i = 0; i < x->numel; i++)
    acc += x->data[i];
  y->data[0] = (float) acc;
  return y;
}

static void
sum_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_expand_scalar (g, gy, node->src[0]);
}

/* torch.mean */
MsTensor *
ms_mean (MsGraph  *g,
         MsTensor *x)
{
  return ms_scale (g, ms_sum (g, x), 1.0f / (float) x->numel);
}

/* s.expand_as(like) */
MsTensor *
ms_expand_scalar (MsGraph        *g,
                  MsTensor       *s,
                  const MsTensor *like)
{
  MsTensor *y = ms_graph_op_result (g, &expand_scalar_class, like->ndim, like->shape, s, NULL, NULL);
  float v = s->data[0];

  g_assert (s->numel == 1);
  for (gsize i = 0; i < y->numel; i++)
    y->data[i] = v;
  return y;
}

static void
expand_scalar_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_sum (g, gy);
}

/* x.flatten(1).sum(1) */
MsTensor *
ms_row_sum (MsGraph  *g,
            MsTensor *x)
{
  int n = x->shape[0];
  gsize inner = x->numel / MAX (n, 1);
  MsTensor *y = ms_graph_op_result (g, &row_sum_class, 1, (int[]) { n }, x, NULL, NULL);

  for (int r = 0; r < n; r++)
    {
      const float *restrict px = x->data + (gsize) r * inner;
      float acc = 0.0f;

      for (gsize i = 0; i < inner; i++)
        acc += px[i];
      y->data[r] = acc;
    }
  return y;
}

static void
row_sum_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_row_expand (g, gy, node->src[0]);
}

/* r.view(N, 1, ...).expand_as(like) */
MsTensor *
ms_row_expand (MsGraph        *g,
               MsTensor       *r,
               const MsTensor *like)
{
  MsTensor *y = ms_graph_op_result (g, &row_expand_class, like->ndim, like->shape, r, NULL, NULL);
  int n = like->shape[0];
  gsize inner = like->numel / MAX (n, 1);

  g_assert ((int) r->numel == n);
  for (int row = 0; row < n; row++)
    {
      float *restrict py = y->data + (gsize) row * inner;
      float v = r->data[row];

      for (gsize i = 0; i < inner; i++)
        py[i] = v;
    }
  return y;
}

static void
row_expand_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_row_sum (g, gy);
}

/* x.sum over every dimension but 1 */
MsTensor *
ms_channel_sum (MsGraph  *g,
                MsTensor *x)
{
  int n = x->shape[0], c = ms_tensor_dim (x, 1);
  gsize inner = ms_tensor_inner (x);
  MsTensor *y = ms_graph_op_result (g, &channel_sum_class, 1, (int[]) { c }, x, NULL, NULL);
  double *acc = g_newa (double, c);

  for (int ch = 0; ch < c; ch++)
    acc[ch] = 0.0;
  if (inner == 1)
    {
      /* (N, F): the linear layer's bias gradient; sum rows, vectorised across features */
      float *part = g_newa (float, c);

      for (int ch = 0; ch < c; ch++)
        part[ch] = 0.0f;
      for (int b = 0; b < n; b++)
        {
          const float *restrict px = x->data + (gsize) b * c;

          for (int ch = 0; ch < c; ch++)
            part[ch] += px[ch];
        }
      for (int ch = 0; ch < c; ch++)
        y->data[ch] = part[ch];
      return y;
    }
  for (int b = 0; b < n; b++)
    for (int ch = 0; ch < c; ch++)
      {
        const float *restrict px = x->data + ((gsize) b * c + ch) * inner;
        float part = 0.0f;

        for (gsize i = 0; i < inner; i++)
          part += px[i];
        acc[ch] += part;
      }
  for (int ch = 0; ch < c; ch++)
    y->data[ch] = (float) acc[ch];
  return y;
}

static void
channel_sum_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_channel_expand (g, gy, node->src[0]);
}

/* c.view(1, C, 1, 1).expand_as(like) */
MsTensor *
ms_channel_expand (MsGraph        *g,
                   MsTensor       *c,
                   const MsTensor *like)
{
  MsTensor *y = ms_graph_op_result (g, &channel_expand_class, like->ndim, like->shape, c, NULL, NULL);
  int n = like->shape[0], nc = ms_tensor_dim (like, 1);
  gsize inner = ms_tensor_inner (like);

  g_assert ((int) c->numel == nc);
  for (int b = 0; b < n; b++)
    for (int ch = 0; ch < nc; ch++)
      {
        float *restrict py = y->data + ((gsize) b * nc + ch) * inner;
        float v = c->data[ch];

        for (gsize i = 0; i < inner; i++)
          py[i] = v;
      }
  return y;
}

static void
channel_expand_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need,
                         MsTensor **gx)
{
  gx[0] = ms_channel_sum (g, gy);
}

/* x + b.view(1, C, 1, 1) */
MsTensor *
ms_add_channel (MsGraph  *g,
                MsTensor *x,
                MsTensor *b)
{
  MsTensor *y = ms_graph_op_result (g, &add_channel_class, x->ndim, x->shape, x, b, NULL);
  int n = x->shape[0], nc = ms_tensor_dim (x, 1);
  gsize inner = ms_tensor_inner (x);

  g_assert ((int) b->numel == nc);
  if (inner == 1)
    {
      /* (N, F) + (F): the linear layer's bias */
      for (int r = 0; r < n; r++)
        {
          const float *restrict px = x->data + (gsize) r * nc;
          const float *restrict pb = b->data;
          float *restrict py = y->data + (gsize) r * nc;

          for (int ch = 0; ch < nc; ch++)
            py[ch] = px[ch] + pb[ch];
        }
      return y;
    }
  for (int s = 0; s < n; s++)
    for (int ch = 0; ch < nc; ch++)
      {
        gsize off = ((gsize) s * nc + ch) * inner;
        const float *restrict px = x->data + off;
        float *restrict py = y->data + off;
        float v = b->data[ch];

        for (gsize i = 0; i < inner; i++)
          py[i] = px[i] + v;
      }
  return y;
}

static void
add_channel_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = gy;
  if (need[1])
    gx[1] = ms_channel_sum (g, gy);
}

/* x * s.view(1, C, 1, 1) */
MsTensor *
ms_mul_channel (MsGraph  *g,
                MsTensor *x,
                MsTensor *s)
{
  MsTensor *y = ms_graph_op_result (g, &mul_channel_class, x->ndim, x->shape, x, s, NULL);
  int n = x->shape[0], nc = ms_tensor_dim (x, 1);
  gsize inner = ms_tensor_inner (x);

  g_assert ((int) s->numel == nc);
  for (int b = 0; b < n; b++)
    for (int ch = 0; ch < nc; ch++)
      {
        gsize off = ((gsize) b * nc + ch) * inner;
        const float *restrict px = x->data + off;
        float *restrict py = y->data + off;
        float v = s->data[ch];

        for (gsize i = 0; i < inner; i++)
          py[i] = px[i] * v;
      }
  return y;
}

static void
mul_channel_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  if (need[0])
    gx[0] = ms_mul_channel (g, gy, node->src[1]);
  if (need[1])
    gx[1] = ms_channel_sum (g, ms_mul (g, gy, node->src[0]));
}

/* x * r.view(N, 1, 1, 1) */
MsTensor *
ms_mul_row (MsGraph  *g,
            MsTensor *x,
            MsTensor *r)
{
  MsTensor *y = ms_graph_op_result (g, &mul_row_class, x->ndim, x->shape, x, r, NULL);
  int n = x->shape[0];
  gsize inner = x->numel / MAX (n, 1);

  g_assert ((int) r->numel == n);
  for (int row = 0; row < n; row++)
    {
      const float *restrict px = x->data + (gsize) row * inner;
      float *restrict py = y->data + (gsize) row * inner;
      float v = r->data[row];

      for (gsize i = 0; i < inner; i++)
        py[i] = px[i] * v;
    }
  return y;
}

static void
mul_row_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  if (need[0])
    gx[0] = ms_mul_row (g, gy, node->src[1]);
  if (need[1])
    gx[1] = ms_row_sum (g, ms_mul (g, gy, node->src[0]));
}

/* Shapes --------------------------------------------------------------------------------- */

OP_CLASS (reshape, "reshape");
OP_CLASS (concat, "concat");
OP_CLASS (slice, "slice");
OP_CLASS (slice_embed, "slice_embed");

/* torch.reshape of a contiguous tensor: a view */
MsTensor *
ms_reshape (MsGraph   *g,
            MsTensor  *x,
            int        ndim,
            const int *shape)
{
  int out[MS_MAX_DIMS];
  gsize known = 1;
  int infer = -1;

  g_return_val_if_fail (ndim >= 1 && ndim <= MS_MAX_DIMS, NULL);
  for (int d = 0; d < ndim; d++)
    {
      out[d] = shape[d];
      if (shape[d] == -1)
        infer = d;
      else
        known *= (gsize) shape[d];
    }
  if (infer >= 0)
    out[infer] = known ? (int) (x->numel / known) : 0;
  {
    gsize total = 1;

    for (int d = 0; d < ndim; d++)
      total *= (gsize) out[d];
    if (total != x->numel)
      {
        g_autofree char *sx = ms_tensor_shape_string (x);
        g_error ("reshape: %s cannot be viewed with %" G_GSIZE_FORMAT " elements", sx, total);
      }
  }
  return ms_graph_op_view (g, &reshape_class, ndim, out, x, x->data);
}

static void
reshape_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_reshape (g, gy, node->src[0]->ndim, node->src[0]->shape);
}

/* (outer, mid, inner) split of a shape around dimension @dim */
static void
split_dims (const MsTensor *t,
            int             dim,
            gsize          *outer,
            gsize          *inner)
{
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < dim; d++)
    *outer *= (gsize) t->shape[d];
  for (int d = dim + 1; d < t->ndim; d++)
    *inner *= (gsize) t->shape[d];
}

/* torch.cat((a, b), dim) */
MsTensor *
ms_concat (MsGraph  *g,
           MsTensor *a,
           MsTensor *b,
           int       dim)
{
  int shape[MS_MAX_DIMS];
  gsize outer, inner, ra, rb;
  MsTensor *y;

  g_return_val_if_fail (a->ndim == b->ndim && dim >= 0 && dim < a->ndim, NULL);
  for (int d = 0; d < a->ndim; d++)
    {
      if (d != dim && a->shape[d] != b->shape[d])
        g_error ("concat: shapes disagree outside dimension %d", dim);
      shape[d] = a->shape[d];
    }
  shape[dim] = a->shape[dim] + b->shape[dim];
  y = ms_graph_op_result (g, &concat_class, a->ndim, shape, a, b, NULL);
  y->iparam[0] = dim;
  split_dims (a, dim, &outer, &inner);
  ra = (gsize) a->shape[dim] * inner;
  rb = (gsize) b->shape[dim] * inner;
  for (gsize o = 0; o < outer; o++)
    {
      memcpy (y->data + o * (ra + rb), a->data + o * ra, ra * sizeof (float));
      memcpy (y->data + o * (ra + rb) + ra, b->data + o * rb, rb * sizeof (float));
    }
  return y;
}

static void
concat_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  int dim = node->iparam[0];
  int na = node->src[0]->shape[dim];

  if (need[0])
    gx[0] = ms_slice (g, gy, dim, 0, na);
  if (need[1])
    gx[1] = ms_slice (g, gy, dim, na, node->src[1]->shape[dim]);
}

/* x.narrow(dim, start, length) */
MsTensor *
ms_slice (MsGraph  *g,
          MsTensor *x,
          int       dim,
          int       start,
          int       length)
{
  int shape[MS_MAX_DIMS];
  gsize outer, inner, rx, ry;
  MsTensor *y;

  g_return_val_if_fail (dim >= 0 && dim < x->ndim, NULL);
  g_return_val_if_fail (start >= 0 && length >= 0 && start + length <= x->shape[dim], NULL);
  memcpy (shape, x->shape, sizeof shape);
  shape[dim] = length;
  split_dims (x, dim, &outer, &inner);
  if (outer == 1)  /* a contiguous block: view it */
    y = ms_graph_op_view (g, &slice_class, x->ndim, shape, x, x->data + (gsize) start * inner);
  else
    {
      y = ms_graph_op_result (g, &slice_class, x->ndim, shape, x, NULL, NULL);
      rx = (gsize) x->shape[dim] * inner;
      ry = (gsize) length * inner;
      for (gsize o = 0; o < outer; o++)
        memcpy (y->data + o * ry, x->data + o * rx + (gsize) start * inner, ry * sizeof (float));
    }
  y->iparam[0] = dim;
  y->iparam[1] = start;
  return y;
}

static void
slice_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_slice_embed (g, gy, node->src[0], node->iparam[0], node->iparam[1]);
}

/* The adjoint of narrow: zeros of @like's shape with @x at [start, start + x.shape[dim]) */
MsTensor *
ms_slice_embed (MsGraph        *g,
                MsTensor       *x,
                const MsTensor *like,
                int             dim,
                int             start)
{
  MsTensor *y = ms_graph_op_result (g, &slice_embed_class, like->ndim, like->shape, x, NULL, NULL);
  gsize outer, inner, rx, ry;

  split_dims (like, dim, &outer, &inner);
  ry = (gsize) like->shape[dim] * inner;
  rx = (gsize) x->shape[dim] * inner;
  memset (y->data, 0, y->numel * sizeof (float));
  for (gsize o = 0; o < outer; o++)
    memcpy (y->data + o * ry + (gsize) start * inner, x->data + o * rx, rx * sizeof (float));
  y->iparam[0] = dim;
  y->iparam[1] = start;
  return y;
}

static void
slice_embed_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = ms_slice (g, gy, node->iparam[0], node->iparam[1], node->src[0]->shape[node->iparam[0]]);
}

/* GEMM ----------------------------------------------------------------------------------- */

OP_CLASS (matmul, "matmul");

/* Multiply-adds from which a GEMM is split between the engine's threads */
#define GEMM_SPLIT_MACS (32.0 * 1024 * 1024)

typedef struct
{
  gboolean     ta, tb;
  int          m, n, k;
  const float *a;
  int          lda;
  const float *b;
  int          ldb;
  float       *c;
} GemmJob;

/* Task t computes a fixed slice of C's rows (or of its columns when C has few rows). */
static void
gemm_task (int      t,
           int      n_tasks,
           gpointer data)
{
  const GemmJob *j = data;
  const float *a = j->a, *b = j->b;
  float *c = j->c;
  int m = j->m, n = j->n;

  if (j->m >= 2 * n_tasks || j->m >= j->n)
    {
      int r0 = (int) ((gint64) j->m * t / n_tasks), r1 = (int) ((gint64) j->m * (t + 1) / n_tasks);

      a += j->ta ? (gsize) r0 : (gsize) r0 * j->lda;
      c += (gsize) r0 * j->n;
      m = r1 - r0;
    }
  else
    {
      int c0 = (int) ((gint64) j->n * t / n_tasks), c1 = (int) ((gint64) j->n * (t + 1) / n_tasks);

      b += j->tb ? (gsize) c0 * j->ldb : (gsize) c0;
      c += c0;
      n = c1 - c0;
    }
  if (m > 0 && n > 0)
    cblas_sgemm (CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans,
                 j->tb ? CblasTrans : CblasNoTrans, m, n, j->k, 1.0f,
                 a, j->lda, b, j->ldb, 0.0f, c, j->n);
}

/* torch.matmul(op(a), op(b)) for 2-D a, b through cblas_sgemm */
MsTensor *
ms_matmul (MsGraph  *g,
           MsTensor *a,
           MsTensor *b,
           gboolean  trans_a,
           gboolean  trans_b)
{
  int m, k, kb, n;
  MsTensor *y;

  g_return_val_if_fail (a->ndim == 2 && b->ndim == 2, NULL);
  m = trans_a ? a->shape[1] : a->shape[0];
  k = trans_a ? a->shape[0] : a->shape[1];
  kb = trans_b ? b->shape[1] : b->shape[0];
  n = trans_b ? b->shape[0] : b->shape[1];
  if (k != kb)
    {
      g_autofree char *sa = ms_tensor_shape_string (a);
      g_autofree char *sb = ms_tensor_shape_string (b);
      g_error ("matmul: inner dimensions of %s%s and %s%s differ", sa, trans_a ? "^T" : "",
               sb, trans_b ? "^T" : "");
    }
  y = ms_graph_op_result (g, &matmul_class, 2, (int[]) { m, n }, a, b, NULL);
  y->iparam[0] = trans_a ? 1 : 0;
  y->iparam[1] = trans_b ? 1 : 0;
  if (m == 0 || n == 0)
    return y;
  if (k == 0)
    {
      memset (y->data, 0, y->numel * sizeof (float));
      return y;
    }
  ms_flops_add (2.0 * m * n * k);
  {
    GemmJob job = { trans_a, trans_b, m, n, k, a->data, a->shape[1], b->data, b->shape[1],
                    y->data };
    /* Splitting pays only when each slice is still a sizeable GEMM. */
    int tasks = (double) m * n * k >= GEMM_SPLIT_MACS ? ms_parallel_threads () : 1;

    ms_parallel_run (tasks, gemm_task, &job);
  }
  return y;
}

static void
matmul_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  MsTensor *a = node->src[0], *b = node->src[1];
  gboolean ta = node->iparam[0], tb = node->iparam[1];

  /* y = op(a) op(b): d op(a) = gy op(b)^T, d op(b) = op(a)^T gy, then undo the op. */
  if (need[0])
    gx[0] = ta ? ms_matmul (g, b, gy, tb, TRUE) : ms_matmul (g, gy, b, FALSE, !tb);
  if (need[1])
    gx[1] = tb ? ms_matmul (g, gy, a, TRUE, ta) : ms_matmul (g, a, gy, !ta, FALSE);
}

/* F.linear(x, w, b) */
MsTensor *
ms_linear (MsGraph  *g,
           MsTensor *x,
           MsTensor *w,
           MsTensor *b)
{
  MsTensor *y;

  if (x->ndim != 2)
    x = ms_reshape (g, x, 2, (int[]) { x->shape[0], -1 });
  y = ms_matmul (g, x, w, FALSE, TRUE);
  return b != NULL ? ms_add_channel (g, y, b) : y;
}

/* Normalisation -------------------------------------------------------------------------- */

/* 1 / sqrt(v + eps) for a (C) tensor */
static MsTensor *
inv_std (MsGraph  *g,
         MsTensor *var,
         float     eps)
{
  MsTensor *ones = ms_tensor_fill (g, 1, var->shape, 1.0f);

  return ms_div (g, ones, ms_sqrt (g, ms_add_scalar (g, var, eps)));
}

OP_CLASS (batch_norm, "batch_norm");

/* F.batch_norm(training=True): one fused pass forward.  The per-channel mean and 1/std are
 * saved in aux; the backward rule has a fused kernel for ordinary training and an op-composed
 * form, recomputing the statistics from x, when the backward pass is itself recorded. */
MsTensor *
ms_batch_norm_train (MsGraph  *g,
                     MsTensor *x,
                     MsTensor *gamma,
                     MsTensor *beta,
                     float     eps,
                     float     momentum,
                     float    *running_mean,
                     float    *running_var)
{
  int n = x->shape[0], c = ms_tensor_dim (x, 1);
  gsize inner = ms_tensor_inner (x);
  gsize count = (gsize) n * inner;
  MsTensor *y = ms_graph_op_result (g, &batch_norm_class, x->ndim, x->shape, x, gamma, beta);
  float *stats = ms_arena_alloc (ms_graph_arena (g), 2 * (gsize) c * sizeof (float));
  float unbias = count > 1 ? (float) count / (float) (count - 1) : 1.0f;

  y->fparam[0] = eps;
  y->aux = stats;
  for (int ch = 0; ch < c; ch++)
    {
      double sum = 0.0, sq = 0.0;
      float mean, var, invstd, scale, shift;

      for (int b = 0; b < n; b++)
        {
          const float *restrict px = x->data + ((gsize) b * c + ch) * inner;
          float part = 0.0f;

          for (gsize i = 0; i < inner; i++)
            part += px[i];
          sum += part;
        }
      mean = (float) (sum / (double) count);
      for (int b = 0; b < n; b++)
        {
          const float *restrict px = x->data + ((gsize) b * c + ch) * inner;
          float part = 0.0f;

          for (gsize i = 0; i < inner; i++)
            part += (px[i] - mean) * (px[i] - mean);
          sq += part;
        }
      var = (float) (sq / (double) count);
      invstd = 1.0f / sqrtf (var + eps);
      stats[ch] = mean;
      stats[c + ch] = invstd;
      scale = invstd * (gamma ? gamma->data[ch] : 1.0f);
      shift = (beta ? beta->data[ch] : 0.0f) - mean * scale;
      for (int b = 0; b < n; b++)
        {
          gsize off = ((gsize) b * c + ch) * inner;
          const float *restrict px = x->data + off;
          float *restrict py = y->data + off;

          for (gsize i = 0; i < inner; i++)
            py[i] = px[i] * scale + shift;
        }
      if (running_mean != NULL && running_var != NULL)
        {
          running_mean[ch] = (1.0f - momentum) * running_mean[ch] + momentum * mean;
          running_var[ch] = (1.0f - momentum) * running_var[ch] + momentum * var * unbias;
        }
    }
  return y;
}

/* The op-composed backward: differentiable in x, gy, gamma. */
static void
batch_norm_backward_composed (MsGraph        *g,
                              MsTensor       *node,
                              MsTensor       *gy,
                              const gboolean *need,
                              MsTensor      **gx)
{
  MsTensor *x = node->src[0], *gamma = node->src[1];
  float count = (float) (x->numel / (gsize) ms_tensor_dim (x, 1));
  MsTensor *mean, *xc, *var, *invstd, *xhat, *g1, *t;

  mean = ms_scale (g, ms_channel_sum (g, x), 1.0f / count);
  xc = ms_add_channel (g, x, ms_neg (g, mean));
  var = ms_scale (g, ms_channel_sum (g, ms_square (g, xc)), 1.0f / count);
  invstd = ms_div (g, ms_tensor_fill (g, 1, var->shape, 1.0f),
                   ms_sqrt (g, ms_add_scalar (g, var, node->fparam[0])));
  xhat = ms_mul_channel (g, xc, invstd);
  if (need[0])
    {
      /* dx = invstd / M * (M g1 - sum(g1) - xhat * sum(g1 xhat)), g1 = gy * gamma */
      g1 = gamma != NULL ? ms_mul_channel (g, gy, gamma) : gy;
      t = ms_sub (g, ms_scale (g, g1, count), ms_channel_expand (g, ms_channel_sum (g, g1), x));
      t = ms_sub (g, t, ms_mul (g, xhat, ms_channel_expand (g, ms_channel_sum (g, ms_mul (g, g1, xhat)), x)));
      gx[0] = ms_mul_channel (g, t, ms_scale (g, invstd, 1.0f / count));
    }
  if (need[1])
    gx[1] = ms_channel_sum (g, ms_mul (g, gy, xhat));
  if (need[2])
    gx[2] = ms_channel_sum (g, gy);
}

static void
batch_norm_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  MsTensor *x = node->src[0], *gamma = node->src[1];
  int n = x->shape[0], c = ms_tensor_dim (x, 1);
  gsize inner = ms_tensor_inner (x);
  float count = (float) ((gsize) n * inner);
  const float *stats = node->aux;
  MsTensor *dx = NULL, *dgamma = NULL, *dbeta = NULL;

  if (ms_graph_is_recording (g))
    {
      batch_norm_backward_composed (g, node, gy, need, gx);
      return;
    }
  if (need[0])
    dx = ms_tensor_new_like (g, x);
  if (need[1])
    dgamma = ms_tensor_new (g, 1, &c);
  if (need[2])
    dbeta = ms_tensor_new (g, 1, &c);
  for (int ch = 0; ch < c; ch++)
    {
      float mean = stats[ch], invstd = stats[c + ch];
      double sum_dy = 0.0, sum_dy_xhat = 0.0;

      for (int b = 0; b < n; b++)
        {
          gsize off = ((gsize) b * c + ch) * inner;
          const float *restrict px = x->data + off;
          const float *restrict pg = gy->data + off;
          float s1 = 0.0f, s2 = 0.0f;

          for (gsize i = 0; i < inner; i++)
            {
              s1 += pg[i];
              s2 += pg[i] * (px[i] - mean);
            }
          sum_dy += s1;
          sum_dy_xhat += s2;
        }
      sum_dy_xhat *= invstd;
      if (dgamma)
        dgamma->data[ch] = (float) sum_dy_xhat;
      if (dbeta)
        dbeta->data[ch] = (float) sum_dy;
      if (dx)
        {
          float gam = gamma ? gamma->data[ch] : 1.0f;
          float k = gam * invstd / count;
          float a = (float) sum_dy, bcoef = (float) sum_dy_xhat * invstd;

          for (int b = 0; b < n; b++)
            {
              gsize off = ((gsize) b * c + ch) * inner;
              const float *restrict px = x->data + off;
              const float *restrict pg = gy->data + off;
              float *restrict pd = dx->data + off;

              for (gsize i = 0; i < inner; i++)
                pd[i] = k * (count * pg[i] - a - (px[i] - mean) * bcoef);
            }
        }
    }
  gx[0] = dx;
  gx[1] = dgamma;
  gx[2] = dbeta;
}

/* F.batch_norm(training=False) */
MsTensor *
ms_batch_norm_eval (MsGraph     *g,
                    MsTensor    *x,
                    MsTensor    *gamma,
                    MsTensor    *beta,
                    const float *running_mean,
                    const float *running_var,
                    float        eps)
{
  int c = ms_tensor_dim (x, 1);
  MsTensor *mean = ms_tensor_from_data (g, 1, (int[]) { c }, running_mean);
  MsTensor *var = ms_tensor_from_data (g, 1, (int[]) { c }, running_var);
  MsTensor *scale = inv_std (g, var, eps);
  MsTensor *shift;

  if (gamma != NULL)
    scale = ms_mul (g, scale, gamma);
  shift = ms_neg (g, ms_mul (g, mean, scale));
  if (beta != NULL)
    shift = ms_add (g, shift, beta);
  return ms_add_channel (g, ms_mul_channel (g, x, scale), shift);
}

OP_CLASS (dropout, "dropout");

/* y = x * mask / (1 - p) with the byte mask in aux: linear in x, so the backward rule is the
 * same op, with the same mask, on the gradient. */
static MsTensor *
dropout_apply (MsGraph      *g,
               MsTensor     *x,
               const guint8 *mask,
               float         keep_scale)
{
  MsTensor *y = ms_graph_op_result (g, &dropout_class, x->ndim, x->shape, x, NULL, NULL);
  const float *restrict px = x->data;
  float *restrict py = y->data;

  y->aux = (gpointer) mask;
  y->fparam[0] = keep_scale;
  for (gsize i = 0; i < y->numel; i++)
    py[i] = mask[i] ? px[i] * keep_scale : 0.0f;
  return y;
}

static void
dropout_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  gx[0] = dropout_apply (g, gy, node->aux, node->fparam[0]);
}

/* F.dropout(training=True) with a mask drawn from @rng: each 64-bit draw decides two elements
 * with 32 bits each. */
MsTensor *
ms_dropout (MsGraph  *g,
            MsTensor *x,
            float     p,
            MsRng    *rng)
{
  guint8 *mask;
  guint64 threshold;

  if (p <= 0.0f)
    return x;
  mask = ms_arena_alloc (ms_graph_arena (g), x->numel);
  threshold = (guint64) ((double) MIN (p, 1.0f) * 4294967296.0);
  for (gsize i = 0; i < x->numel; i += 2)
    {
      guint64 bits = ms_rng_next_u64 (rng);

      mask[i] = (bits & 0xffffffffu) >= threshold;
      if (i + 1 < x->numel)
        mask[i + 1] = (bits >> 32) >= threshold;
    }
  return dropout_apply (g, x, mask, p < 1.0f ? 1.0f / (1.0f - p) : 0.0f);
}

/* Losses --------------------------------------------------------------------------------- */

/* F.binary_cross_entropy_with_logits(x, t) = mean(softplus(x) - t * x) */
MsTensor *
ms_bce_with_logits (MsGraph  *g,
                    MsTensor *x,
                    MsTensor *t)
{
  return ms_mean (g, ms_sub (g, ms_softplus (g, x), ms_mul (g, t, x)));
}

MsTensor *
ms_bce_with_logits_const (MsGraph  *g,
                          MsTensor *x,
                          float     target)
{
  if (target == 0.0f)
    return ms_mean (g, ms_softplus (g, x));
  return ms_mean (g, ms_sub (g, ms_softplus (g, x), ms_scale (g, x, target)));
}

/* F.mse_loss */
MsTensor *
ms_mse (MsGraph  *g,
        MsTensor *a,
        MsTensor *b)
{
  return ms_mean (g, ms_square (g, ms_sub (g, a, b)));
}

OP_CLASS (log_softmax, "log_softmax");

/* F.log_softmax(x, dim=1) for (N, K) */
MsTensor *
ms_log_softmax (MsGraph  *g,
                MsTensor *x)
{
  int n = x->shape[0];
  int k = (int) (x->numel / MAX (n, 1));
  MsTensor *y = ms_graph_op_result (g, &log_softmax_class, x->ndim, x->shape, x, NULL, NULL);

  for (int r = 0; r < n; r++)
    {
      const float *px = x->data + (gsize) r * k;
      float *py = y->data + (gsize) r * k;
      float mx = px[0];
      double acc = 0.0;
      float lse;

      for (int j = 1; j < k; j++)
        mx = fmaxf (mx, px[j]);
      for (int j = 0; j < k; j++)
        acc += exp ((double) px[j] - mx);
      lse = mx + (float) log (acc);
      for (int j = 0; j < k; j++)
        py[j] = px[j] - lse;
    }
  return y;
}

static void
log_softmax_backward (MsGraph *g, MsTensor *node, MsTensor *gy, const gboolean *need, MsTensor **gx)
{
  /* gy - softmax * rowsum(gy), with softmax = exp(y) */
  gx[0] = ms_sub (g, gy, ms_mul (g, ms_exp (g, node), ms_row_expand (g, ms_row_sum (g, gy), gy)));
}

/* F.cross_entropy(x, labels), mean over the batch */
MsTensor *
ms_softmax_cross_entropy (MsGraph      *g,
                          MsTensor     *x,
                          const guint8 *labels)
{
  int n = x->shape[0];
  int k = (int) (x->numel / MAX (n, 1));
  MsTensor *onehot = ms_tensor_zeros (g, x->ndim, x->shape);

  for (int r = 0; r < n; r++)
    {
      g_return_val_if_fail (labels[r] < k, NULL);
      onehot->data[(gsize) r * k + labels[r]] = 1.0f;
    }
  return ms_scale (g, ms_sum (g, ms_mul (g, ms_log_softmax (g, x), onehot)), -1.0f / (float) n);
}

void
ms_softmax_rows (const float *x,
                 int          n,
                 int          k,
                 float       *out)
{
  for (int r = 0; r < n; r++)
    {
      const float *px = x + (gsize) r * k;
      float *po = out + (gsize) r * k;
      float mx = px[0];
      double acc = 0.0;

      for (int j = 1; j < k; j++)
        mx = fmaxf (mx, px[j]);
      for (int j = 0; j < k; j++)
        {
          po[j] = expf (px[j] - mx);
          acc += po[j];
        }
      for (int j = 0; j < k; j++)
        po[j] = (float) (po[j] / acc);
    }
}
