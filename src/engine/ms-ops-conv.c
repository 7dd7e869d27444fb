/* ms-ops-conv.c: 2-D convolution, its transpose and weight gradient, and max pooling
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three ops close under differentiation: conv2d (x, w), conv_transpose2d (x, w) and
 * conv2d_weight_grad (x, gy).  Each is bilinear and each of its partial derivatives is one of
 * the three, so gradients of gradients (WGAN-GP, unrolled GANs) need nothing else.  Max pooling
 * likewise closes with "unpool" (scatter at the argmax) and "gather" (read at the argmax),
 * which are linear with the argmax indices as constants.
 *
 * All three convolutions reduce to one GEMM per chunk of images with the chunk's pixels as the
 * long dimension (llm.c and Caffe lower convolution the same way, but per image; our images are
 * 7x7 to 28x28, far too small for a good per-image GEMM):
 *
 *   col (C*kh*kw, nb*Ho*Wo)   im2col of nb input images
 *   forward        y' (O, nb*P)      = w (O, CK) col
 *   data grad      col               = w^T gy' (O, nb*P), then col2im (scatter-add)
 *   weight grad    gw (O, CK)       += gy' col^T
 *
 * where gy' / y' are the chunk's (nb, O, P) planes regrouped as (O, nb, P).  Scratch comes
 * from the step arena.  The bias is never fused: ms_add_channel() adds it as its own op, which
 * keeps the three ops bilinear.
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <cblas.h>

#include "ms-ops.h"
#include "ms-parallel.h"

#define OP_CLASS(id, label) \
  static void id##_backward (MsGraph *, MsTensor *, MsTensor *, const gboolean *, MsTensor **); \
  static const MsOpClass id##_class = { label, id##_backward }

OP_CLASS (conv2d, "conv2d");
OP_CLASS (conv_transpose2d, "conv_transpose2d");
OP_CLASS (conv2d_weight_grad, "conv2d_weight_grad");
OP_CLASS (max_pool2d, "max_pool2d");
OP_CLASS (unpool, "max_unpool2d");
OP_CLASS (gather, "max_pool2d_gather");

/* Images per chunk: enough for CHUNK_COLS pixels, since the GEMM wants a few hundred columns,
 * but no more, since the im2col buffer is then still warm in cache when the GEMM reads it (and
 * small in the step arena); with 192 pixels or more, one image per chunk, so the GEMM writes
 * NCHW directly.  Measured on the DCGAN and classifier layers (7x7 to 28x28). */
#define CHUNK_COLS        256
#define CHUNK_ONE_IMAGE   192
#define CHUNK_MAX_BYTES   (16u << 20)

/* The geometry of one conv2d: input (n, c, h, w), weight (o, c, kh, kw), output (n, o, ho, wo).
 * conv_transpose2d is described by the conv2d it is the data gradient of. */
typedef struct
{
  int n, c, h, w;
  int o, kh, kw;
  int stride, pad;
  int ho, wo;
} ConvGeom;

static inline gsize
geom_ck (const ConvGeom *cg)
{
  return (gsize) cg->c * cg->kh * cg->kw;
}

static inline gsize
geom_p (const ConvGeom *cg)
{
  return (gsize) cg->ho * cg->wo;
}

static int
geom_chunk (const ConvGeom *cg)
{
  gsize p = geom_p (cg), image_bytes = geom_ck (cg) * p * sizeof (float), nb;

  if (image_bytes == 0 || p >= CHUNK_ONE_IMAGE)
    return 1;
  nb = (CHUNK_COLS + p - 1) / p;
  nb = MIN (nb, MAX (1, CHUNK_MAX_BYTES / image_bytes));
  return (int) CLAMP (nb, 1, (gsize) MAX (cg->n, 1));
}

/* Slack after the padded plane: im2col's row copies read up to 3 floats past a row. */
#define PAD_SLACK 16

/* Every input plane is first copied into a zero-bordered buffer, so the copy loops need no
 * bounds checks.  The copy costs 1/(kh*kw) of the im2col writes. */
typedef struct
{
  int    hp, wp;       /* (H + 2 pad, W + 2 pad) */
  int   *off;          /* (P): where output pixel i reads, relative to its window corner */
  float *buf;          /* (hp, wp) + PAD_SLACK floats */
} PadPlan;

static void
pad_plan_init (MsGraph        *g,
               const ConvGeom *cg,
               PadPlan        *pp)
{
  MsArena *arena = ms_graph_arena (g);
  gsize p = geom_p (cg), size;

  pp->hp = cg->h + 2 * cg->pad;
  pp->wp = cg->w + 2 * cg->pad;
  pp->off = ms_arena_alloc (arena, p * sizeof (int));
  for (int oy = 0; oy < cg->ho; oy++)
    for (int ox = 0; ox < cg->wo; ox++)
      pp->off[oy * cg->wo + ox] = (oy * pp->wp + ox) * cg->stride;
  size = ((gsize) pp->hp * pp->wp + PAD_SLACK) * sizeof (float);
  pp->buf = ms_arena_alloc (arena, size);
  memset (pp->buf, 0, size);
}

static inline void
pad_plane (const ConvGeom *cg,
           const PadPlan  *pp,
           const float    *plane)
{
  for (int y = 0; y < cg->h; y++)
    memcpy (pp->buf + (gsize) (y + cg->pad) * pp->wp + cg->pad, plane + (gsize) y * cg->w,
            cg->w * sizeof (float));
}

/* col (C*kh*kw, nb*P) from nb images x (nb, C, H, W).
 *
 * Output rows are short (7 or 14 pixels), so stride 1 copies them in fixed groups of four,
 * overrunning each row into the next one (written right after) and finishing the last row
 * exactly; other strides gather through the offset table.  Both measured faster than a loop
 * per row with bounds. */
static void
im2col (const ConvGeom *cg,
        const PadPlan  *pp,
        const float    *x,
        int             nb,
        float          *col)
{
  const gsize p = geom_p (cg), hw = (gsize) cg->h * cg->w, ld = (gsize) nb * p;
  const int *restrict off = pp->off;
  const int wp = pp->wp, wo = cg->wo, ho = cg->ho, s = cg->stride;

  for (int n = 0; n < nb; n++)
    for (int c = 0; c < cg->c; c++)
      {
        float *dst = col + (gsize) c * cg->kh * cg->kw * ld + n * p;

        pad_plane (cg, pp, x + ((gsize) n * cg->c + c) * hw);
        for (int ky = 0; ky < cg->kh; ky++)
          for (int kx = 0; kx < cg->kw; kx++, dst += ld)
            {
              const float *restrict src = pp->buf + ky * wp + kx;
              float *restrict d = dst;

              if (s == 1)
                {
                  for (int oy = 0; oy < ho - 1; oy++)
                    for (int ox = 0; ox < wo; ox += 4)
                      memcpy (d + oy * wo + ox, src + oy * wp + ox, 4 * sizeof (float));
                  for (int ox = 0; ox < wo; ox++)
                    d[(ho - 1) * wo + ox] = src[(ho - 1) * wp + ox];
                }
              else
                for (gsize i = 0; i < p; i++)
                  d[i] = src[off[i]];
            }
      }
}

/* Outputs o in [*lo, *hi) read an input inside [0, size) at o * stride + k - pad. */
static inline void
valid_range (int  k,
             int  pad,
             int  stride,
             int  size,
             int  out,
             int *lo,
             int *hi)
{
  int a = pad - k, b = size - 1 + pad - k;

  *lo = a <= 0 ? 0 : (a + stride - 1) / stride;
  *hi = b < 0 ? 0 : MIN (out, b / stride + 1);
  if (*lo >= *hi)
    *lo = *hi = 0;
}

/* x (nb, C, H, W) = col2im (col (C*kh*kw, nb*P)), the adjoint of im2col.  Unlike im2col this
 * adds straight into the images with the bounds hoisted per (ky, kx): a padded accumulator
 * measured slower here. */
static void
col2im (const ConvGeom *cg,
        const float    *col,
        int             nb,
        float          *x)
{
  const int s = cg->stride, wdt = cg->w, wo = cg->wo;
  const gsize p = geom_p (cg), hw = (gsize) cg->h * cg->w, ld = (gsize) nb * p;

  memset (x, 0, (gsize) nb * cg->c * hw * sizeof (float));
  for (int c = 0; c < cg->c; c++)
    for (int ky = 0; ky < cg->kh; ky++)
      {
        int oy0, oy1;

        valid_range (ky, cg->pad, s, cg->h, cg->ho, &oy0, &oy1);
        for (int kx = 0; kx < cg->kw; kx++)
          {
            const float *srcp = col + ((gsize) (c * cg->kh + ky) * cg->kw + kx) * ld;
            int off = kx - cg->pad, ox0, ox1;

            valid_range (kx, cg->pad, s, wdt, wo, &ox0, &ox1);
            for (int n = 0; n < nb; n++, srcp += p)
              {
                float *plane = x + ((gsize) n * cg->c + c) * hw;

                /* Within one (ky, kx) the outputs hit distinct pixels, so no sums collide. */
                for (int oy = oy0; oy < oy1; oy++)
                  {
                    float *restrict d = plane + (gsize) (oy * s + ky - cg->pad) * wdt;
                    const float *restrict src = srcp + (gsize) oy * wo;

                    if (s == 1)
                      for (int ox = ox0; ox < ox1; ox++)
                        d[ox + off] += src[ox];
                    else
                      for (int ox = ox0; ox < ox1; ox++)
                        d[ox * s + off] += src[ox];
                  }
              }
          }
      }
}

/* (nb, rows, p) -> (rows, nb, p) */
static void
regroup (const float *src,
         int          nb,
         int          rows,
         gsize        p,
         float       *dst)
{
  for (int n = 0; n < nb; n++)
    for (int r = 0; r < rows; r++)
      memcpy (dst + ((gsize) r * nb + n) * p, src + ((gsize) n * rows + r) * p,
              p * sizeof (float));
}

/* (rows, nb, p) -> (nb, rows, p) */
static void
ungroup (const float *src,
         int          nb,
         int          rows,
         gsize        p,
         float       *dst)
{
  for (int n = 0; n < nb; n++)
    for (int r = 0; r < rows; r++)
      memcpy (dst + ((gsize) n * rows + r) * p, src + ((gsize) r * nb + n) * p,
              p * sizeof (float));
}

/* The chunks of images task @t of @n_tasks handles: a fixed split, so results depend only on
 * the thread count. */
static void
task_chunks (int  n_images,
             int  chunk,
             int  t,
             int  n_tasks,
             int *first,
             int *last)
{
  int n_chunks = (n_images + chunk - 1) / chunk;

  *first = (int) ((gint64) n_chunks * t / n_tasks) * chunk;
  *last = MIN (n_images, (int) ((gint64) n_chunks * (t + 1) / n_tasks) * chunk);
}

/* Scratch for one task, taken from the arena before the tasks start (the arena is not
 * thread-safe). */
typedef struct
{
  float   *col;
  float   *tmp;
  float   *dw;       /* the task's partial weight gradient (task 0 writes the result) */
  PadPlan  pp;
} ConvScratch;

typedef struct
{
  const ConvGeom *cg;
  const float    *x;
  const float    *w;
  float          *y;
  const float    *gy;
  float          *dw;
  int             chunk;
  ConvScratch    *scratch;
} ConvJob;

static void
conv_lowered_task (int      t,
                   int      n_tasks,
                   gpointer data)
{
  const ConvJob *job = data;
  const ConvGeom *cg = job->cg;
  const gsize ck = geom_ck (cg), p = geom_p (cg);
  const gsize in_img = (gsize) cg->c * cg->h * cg->w, out_img = (gsize) cg->o * p;
  ConvScratch *sc = &job->scratch[t];
  float *dw = job->dw != NULL ? sc->dw : NULL;
  int first, last;

  task_chunks (cg->n, job->chunk, t, n_tasks, &first, &last);
  if (dw != NULL && first >= last)
    memset (dw, 0, (gsize) cg->o * ck * sizeof (float));
  for (int n0 = first; n0 < last; n0 += job->chunk)
    {
      int nb = MIN (job->chunk, last - n0);
      gsize cols = (gsize) nb * p;

      im2col (cg, &sc->pp, job->x + n0 * in_img, nb, sc->col);
      if (job->y != NULL)
        {
          /* With one image the GEMM writes the NCHW plane directly. */
          float *out = job->y + n0 * out_img;

          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, cg->o, cols, ck, 1.0f,
                       job->w, ck, sc->col, cols, 0.0f, nb > 1 ? sc->tmp : out, cols);
          if (nb > 1)
            ungroup (sc->tmp, nb, cg->o, p, out);
        }
      if (dw != NULL)
        {
          const float *a = job->gy + n0 * out_img;

          if (nb > 1)
            {
              regroup (a, nb, cg->o, p, sc->tmp);
              a = sc->tmp;
            }
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, cg->o, ck, cols, 1.0f,
                       a, cols, sc->col, cols, n0 == first ? 0.0f : 1.0f, dw, ck);
        }
    }
}

static int
conv_tasks (const ConvGeom *cg,
            int             chunk)
{
  int n_chunks = (cg->n + chunk - 1) / chunk;

  return CLAMP (n_chunks, 1, ms_parallel_threads ());
}

static ConvScratch *
conv_scratch_new (MsGraph        *g,
                  const ConvGeom *cg,
                  int             chunk,
                  int             n_tasks,
                  gboolean        with_pad,
                  float          *dw)
{
  MsArena *arena = ms_graph_arena (g);
  const gsize ck = geom_ck (cg), p = geom_p (cg), out_img = (gsize) cg->o * p;
  ConvScratch *sc = ms_arena_alloc (arena, n_tasks * sizeof (ConvScratch));

  for (int t = 0; t < n_tasks; t++)
    {
      sc[t].col = ms_arena_alloc (arena, ck * chunk * p * sizeof (float));
      sc[t].tmp = chunk > 1 ? ms_arena_alloc (arena, out_img * chunk * sizeof (float)) : NULL;
      sc[t].dw = dw == NULL ? NULL
               : t == 0 ? dw : ms_arena_alloc (arena, (gsize) cg->o * ck * sizeof (float));
      if (with_pad)
        pad_plan_init (g, cg, &sc[t].pp);
    }
  return sc;
}

/* One pass over im2col (x) for conv2d's two products that read it:
 *   y (N, O, Ho, Wo) = conv2d (x (N, C, H, W), w (O, C, kh, kw))           when @y is set
 *   dw (O, C, kh, kw) = torch.nn.grad.conv2d_weight (x, gy (N, O, Ho, Wo))  when @dw is set
 * conv_transpose2d's backward needs both from the same im2col, which is then built once.
 * The batch is split between the engine's threads; weight-gradient partials are added in
 * task order. */
static void
conv_lowered (MsGraph        *g,
              const ConvGeom *cg,
              const float    *x,
              const float    *w,
              float          *y,
              const float    *gy,
              float          *dw)
{
  const gsize ck = geom_ck (cg), p = geom_p (cg);
  int chunk = geom_chunk (cg);
  int n_tasks = conv_tasks (cg, chunk);
  ConvJob job = { cg, x, w, y, gy, dw, chunk, NULL };
  double flops = 2.0 * cg->o * ck * p * cg->n;

  if (dw != NULL && cg->n == 0)
    memset (dw, 0, (gsize) cg->o * ck * sizeof (float));
  if (cg->n == 0)
    return;
  job.scratch = conv_scratch_new (g, cg, chunk, n_tasks, TRUE, dw);
  ms_flops_add ((y != NULL ? flops : 0.0) + (dw != NULL ? flops : 0.0));
  ms_parallel_run (n_tasks, conv_lowered_task, &job);
  if (dw != NULL)
    for (int t = 1; t < n_tasks; t++)
      {
        const float *restrict part = job.scratch[t].dw;
        gsize total = (gsize) cg->o * ck;

        for (gsize i = 0; i < total; i++)
          dw[i] += part[i];
      }
}

static void
conv_backward_data_task (int      t,
                         int      n_tasks,
                         gpointer data)
{
  const ConvJob *job = data;
  const ConvGeom *cg = job->cg;
  const gsize ck = geom_ck (cg), p = geom_p (cg);
  const gsize in_img = (gsize) cg->c * cg->h * cg->w, out_img = (gsize) cg->o * p;
  ConvScratch *sc = &job->scratch[t];
  int first, last;

  task_chunks (cg->n, job->chunk, t, n_tasks, &first, &last);
  for (int n0 = first; n0 < last; n0 += job->chunk)
    {
      int nb = MIN (job->chunk, last - n0);
      gsize cols = (gsize) nb * p;
      const float *b = job->gy + n0 * out_img;

      if (nb > 1)
        {
          regroup (b, nb, cg->o, p, sc->tmp);
          b = sc->tmp;
        }
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, ck, cols, cg->o, 1.0f,
                   job->w, ck, b, cols, 0.0f, sc->col, cols);
      col2im (cg, sc->col, nb, job->y + n0 * in_img);
    }
}

/* dx (N, C, H, W) = the gradient of conv2d wrt its input, for gy (N, O, Ho, Wo).  It is also
 * conv_transpose2d (gy, w).  Each thread scatters into its own images. */
static void
conv_backward_data (MsGraph        *g,
                    const ConvGeom *cg,
                    const float    *gy,
                    const float    *w,
                    float          *dx)
{
  int chunk = geom_chunk (cg);
  int n_tasks = conv_tasks (cg, chunk);
  ConvJob job = { cg, NULL, w, dx, gy, NULL, chunk, NULL };

  if (cg->n == 0)
    return;
  job.scratch = conv_scratch_new (g, cg, chunk, n_tasks, FALSE, NULL);
  ms_flops_add (2.0 * geom_ck (cg) * geom_p (cg) * cg->n * cg->o);
  ms_parallel_run (n_tasks, conv_backward_data_task, &job);
}

/* Ops ------------------------------------------------------------------------------------ */

static void
shape_error (const char     *op,
             const MsTensor *a,
             const MsTensor *b,
             const char     *what)
{
  g_autofree char *sa = ms_tensor_shape_string (a);
  g_autofree char *sb = ms_tensor_shape_string (b);

  g_error ("%s: %s and %s: %s", op, sa, sb, what);
}

static MsTensor *conv_transpose (MsGraph *g, MsTensor *x, MsTensor *w, int stride, int padding,
                                 int out_pad_h, int out_pad_w);

/* The node of F.conv2d (x, w, None, stride, padding), not yet computed */
static MsTensor *
conv_result (MsGraph  *g,
             MsTensor *x,
             MsTensor *w,
             int       stride,
             int       padding,
             ConvGeom *cg)
{
  MsTensor *y;

  if (x->ndim != 4 || w->ndim != 4 || x->shape[1] != w->shape[1])
    shape_error ("conv2d", x, w, "want (N, C, H, W) and (O, C, kh, kw)");
  *cg = (ConvGeom) { x->shape[0], x->shape[1], x->shape[2], x->shape[3],
                     w->shape[0], w->shape[2], w->shape[3], stride, padding, 0, 0 };
  if (cg->h + 2 * padding < cg->kh || cg->w + 2 * padding < cg->kw)
    shape_error ("conv2d", x, w, "kernel larger than the padded input");
  cg->ho = (cg->h + 2 * padding - cg->kh) / stride + 1;
  cg->wo = (cg->w + 2 * padding - cg->kw) / stride + 1;

  y = ms_graph_op_result (g, &conv2d_class, 4, (int[]) { cg->n, cg->o, cg->ho, cg->wo },
                          x, w, NULL);
  y->iparam[0] = stride;
  y->iparam[1] = padding;
  return y;
}

/* The node of torch.nn.grad.conv2d_weight (x, (O, C, kh, kw), gy, stride, padding), not yet
 * computed */
static MsTensor *
weight_grad_result (MsGraph  *g,
                    MsTensor *x,
                    MsTensor *gy,
                    int       kh,
                    int       kw,
                    int       stride,
                    int       padding,
                    ConvGeom *cg)
{
  MsTensor *y;

  if (x->ndim != 4 || gy->ndim != 4 || x->shape[0] != gy->shape[0])
    shape_error ("conv2d_weight_grad", x, gy, "want (N, C, H, W) and (N, O, Ho, Wo)");
  *cg = (ConvGeom) { x->shape[0], x->shape[1], x->shape[2], x->shape[3],
                     gy->shape[1], kh, kw, stride, padding, gy->shape[2], gy->shape[3] };
  if (cg->h + 2 * padding < kh || cg->w + 2 * padding < kw
      || cg->ho != (cg->h + 2 * padding - kh) / stride + 1
      || cg->wo != (cg->w + 2 * padding - kw) / stride + 1)
    shape_error ("conv2d_weight_grad", x, gy, "gy is not the size of conv2d's output");

  y = ms_graph_op_result (g, &conv2d_weight_grad_class, 4, (int[]) { cg->o, cg->c, kh, kw },
                          x, gy, NULL);
  y->iparam[0] = kh;
  y->iparam[1] = kw;
  y->iparam[2] = stride;
  y->iparam[3] = padding;
  return y;
}

/* F.conv2d (x, w, None, stride, padding) */
static MsTensor *
conv (MsGraph  *g,
      MsTensor *x,
      MsTensor *w,
      int       stride,
      int       padding)
{
  ConvGeom cg;
  MsTensor *y = conv_result (g, x, w, stride, padding, &cg);

  conv_lowered (g, &cg, x->data, w->data, y->data, NULL, NULL);
  return y;
}

/* conv2d's gradient with respect to its input x, for weight w: conv_transpose2d (gy, w) with
 * the output padding that recovers x's size (the rows and columns no output reads when
 * (H + 2p - kh) is not a multiple of the stride). */
static MsTensor *
conv_data_grad (MsGraph        *g,
                MsTensor       *gy,
                MsTensor       *w,
                const MsTensor *x,
                int             s,
                int             p)
{
  int kh = w->shape[2], kw = w->shape[3];

  return conv_transpose (g, gy, w, s, p,
                         x->shape[2] - ((gy->shape[2] - 1) * s - 2 * p + kh),
                         x->shape[3] - ((gy->shape[3] - 1) * s - 2 * p + kw));
}

/* d conv2d (x, w) = conv_transpose2d (gy, w) dx + conv2d_weight_grad (x, gy) dw.  The output
 * padding recovers the input rows and columns that no output reads when (H + 2p - kh) is not
 * a multiple of the stride. */
static void
conv2d_backward (MsGraph        *g,
                 MsTensor       *node,
                 MsTensor       *gy,
                 const gboolean *need,
                 MsTensor      **gx)
{
  MsTensor *x = node->src[0], *w = node->src[1];
  int s = node->iparam[0], p = node->iparam[1], kh = w->shape[2], kw = w->shape[3];

  if (need[0])
    gx[0] = conv_data_grad (g, gy, w, x, s, p);
  if (need[1])
    gx[1] = ms_conv2d_weight_grad (g, x, gy, kh, kw, s, p);
}

/* F.conv2d (x, w, b, stride, padding) */
MsTensor *
ms_conv2d (MsGraph  *g,
           MsTensor *x,
           MsTensor *w,
           MsTensor *b,
           int       stride,
           int       padding)
{
  MsTensor *y;

  g_return_val_if_fail (stride >= 1 && padding >= 0, NULL);
  y = conv (g, x, w, stride, padding);
  /* The bias is its own op: its gradient is a channel sum, and conv stays bilinear. */
  return b != NULL ? ms_add_channel (g, y, b) : y;
}

/* F.conv_transpose2d (x, w, None, stride, padding, (out_pad_h, out_pad_w)) */
static MsTensor *
conv_transpose (MsGraph  *g,
                MsTensor *x,
                MsTensor *w,
                int       stride,
                int       padding,
                int       out_pad_h,
                int       out_pad_w)
{
  ConvGeom cg;
  MsTensor *y;

  if (x->ndim != 4 || w->ndim != 4 || x->shape[1] != w->shape[0])
    shape_error ("conv_transpose2d", x, w, "want (N, Ci, H, W) and (Ci, Co, kh, kw)");
  if (out_pad_h < 0 || out_pad_w < 0 || out_pad_h >= stride || out_pad_w >= stride)
    shape_error ("conv_transpose2d", x, w, "output padding must be in [0, stride)");
  /* The conv2d whose data gradient this is: its input is our output. */
  cg = (ConvGeom) { x->shape[0], w->shape[1], 0, 0,
                    w->shape[0], w->shape[2], w->shape[3], stride, padding,
                    x->shape[2], x->shape[3] };
  cg.h = (cg.ho - 1) * stride - 2 * padding + cg.kh + out_pad_h;
  cg.w = (cg.wo - 1) * stride - 2 * padding + cg.kw + out_pad_w;
  if (cg.h <= 0 || cg.w <= 0)
    shape_error ("conv_transpose2d", x, w, "empty output");

  y = ms_graph_op_result (g, &conv_transpose2d_class, 4, (int[]) { cg.n, cg.c, cg.h, cg.w },
                          x, w, NULL);
  y->iparam[0] = stride;
  y->iparam[1] = padding;
  y->iparam[2] = out_pad_h;
  y->iparam[3] = out_pad_w;
  conv_backward_data (g, &cg, x->data, w->data, y->data);
  return y;
}

/* y = conv_transpose2d (x, w) is the data gradient of conv2d (., w) at gy = x, so
 * dx = conv2d (gy, w) and dw = conv2d_weight_grad (gy, x): the roles of input and output
 * swap.  Output padding only adds rows that conv2d never reads. */
static void
conv_transpose2d_backward (MsGraph        *g,
                           MsTensor       *node,
                           MsTensor       *gy,
                           const gboolean *need,
                           MsTensor      **gx)
{
  MsTensor *x = node->src[0], *w = node->src[1];
  int s = node->iparam[0], p = node->iparam[1];
  ConvGeom cg;

  if (need[0] && need[1])
    {
      /* Both products read im2col (gy): build it once.  Each result is still its own node. */
      gx[0] = conv_result (g, gy, w, s, p, &cg);
      gx[1] = weight_grad_result (g, gy, x, w->shape[2], w->shape[3], s, p, &cg);
      conv_lowered (g, &cg, gy->data, w->data, gx[0]->data, x->data, gx[1]->data);
      return;
    }
  if (need[0])
    gx[0] = conv (g, gy, w, s, p);
  if (need[1])
    gx[1] = ms_conv2d_weight_grad (g, gy, x, w->shape[2], w->shape[3], s, p);
}

/* F.conv_transpose2d (x, w, b, stride, padding, output_padding) */
MsTensor *
ms_conv_transpose2d (MsGraph  *g,
                     MsTensor *x,
                     MsTensor *w,
                     MsTensor *b,
                     int       stride,
                     int       padding,
                     int       output_padding)
{
  MsTensor *y;

  g_return_val_if_fail (stride >= 1 && padding >= 0, NULL);
  g_return_val_if_fail (output_padding >= 0 && output_padding < stride, NULL);
  y = conv_transpose (g, x, w, stride, padding, output_padding, output_padding);
  return b != NULL ? ms_add_channel (g, y, b) : y;
}

/* torch.nn.grad.conv2d_weight (x, (O, C, kh, kw), gy, stride, padding) */
MsTensor *
ms_conv2d_weight_grad (MsGraph  *g,
                       MsTensor *x,
                       MsTensor *gy,
                       int       kh,
                       int       kw,
                       int       stride,
                       int       padding)
{
  ConvGeom cg;
  MsTensor *y;

  g_return_val_if_fail (stride >= 1 && padding >= 0 && kh >= 1 && kw >= 1, NULL);
  y = weight_grad_result (g, x, gy, kh, kw, stride, padding, &cg);
  conv_lowered (g, &cg, x->data, NULL, NULL, gy->data, y->data);
  return y;
}

/* gw = conv2d_weight_grad (x, gy) is bilinear: for an incoming gradient G (O, C, kh, kw),
 * d/dx <G, gw> is conv2d's data gradient with weight G, and d/dgy <G, gw> = conv2d (x, G). */
static void
conv2d_weight_grad_backward (MsGraph        *g,
                             MsTensor       *node,
                             MsTensor       *ggw,
                             const gboolean *need,
                             MsTensor      **gx)
{
  MsTensor *x = node->src[0], *gy = node->src[1];
  int s = node->iparam[2], p = node->iparam[3];   /* iparam 0, 1: kh, kw, as ggw's shape */

  if (need[0])
    gx[0] = conv_data_grad (g, gy, ggw, x, s, p);
  if (need[1])
    gx[1] = conv (g, x, ggw, s, p);
}

/* Max pooling ---------------------------------------------------------------------------- */

/* F.max_pool2d (x, kernel, stride), no padding, floor mode.  aux holds, for every output, the
 * index of its maximum inside the input plane (int32), chosen as PyTorch does: the first
 * maximum in row-major window order, or the last NaN. */
MsTensor *
ms_max_pool2d (MsGraph  *g,
               MsTensor *x,
               int       kernel,
               int       stride)
{
  int n, c, h, w, ho, wo;
  gsize planes, hw, p;
  MsTensor *y;
  gint32 *idx;

  g_return_val_if_fail (kernel >= 1 && stride >= 1, NULL);
  g_return_val_if_fail (x->ndim == 4 && x->shape[2] >= kernel && x->shape[3] >= kernel, NULL);
  n = x->shape[0];
  c = x->shape[1];
  h = x->shape[2];
  w = x->shape[3];
  ho = (h - kernel) / stride + 1;
  wo = (w - kernel) / stride + 1;
  planes = (gsize) n * c;
  hw = (gsize) h * w;
  p = (gsize) ho * wo;

  y = ms_graph_op_result (g, &max_pool2d_class, 4, (int[]) { n, c, ho, wo }, x, NULL, NULL);
  y->iparam[0] = kernel;
  y->iparam[1] = stride;
  idx = ms_arena_alloc (ms_graph_arena (g), planes * p * sizeof (gint32));
  y->aux = idx;

  for (gsize pl = 0; pl < planes; pl++)
    {
      const float *restrict src = x->data + pl * hw;
      float *restrict dst = y->data + pl * p;
      gint32 *restrict di = idx + pl * p;

      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
          {
            int i0 = oy * stride * w + ox * stride, best_i = i0;
            float best = -INFINITY;

            for (int ky = 0; ky < kernel; ky++)
              for (int kx = 0; kx < kernel; kx++)
                {
                  int i = i0 + ky * w + kx;
                  float v = src[i];

                  if (v > best || isnan (v))
                    {
                      best = v;
                      best_i = i;
                    }
                }
            dst[oy * wo + ox] = best;
            di[oy * wo + ox] = best_i;
          }
    }
  return y;
}

/* zeros (like's shape) with v scattered-added at the indices: max_pool2d's data gradient */
static MsTensor *
unpool (MsGraph        *g,
        MsTensor       *v,
        const gint32   *idx,
        const MsTensor *like)
{
  MsTensor *y = ms_graph_op_result (g, &unpool_class, 4, like->shape, v, NULL, NULL);
  gsize planes = (gsize) v->shape[0] * v->shape[1], p = ms_tensor_inner (v);
  gsize hw = ms_tensor_inner (like);

  y->aux = (gpointer) idx;
  memset (y->data, 0, y->numel * sizeof (float));
  for (gsize pl = 0; pl < planes; pl++)
    {
      const float *src = v->data + pl * p;
      const gint32 *si = idx + pl * p;
      float *dst = y->data + pl * hw;

      /* Overlapping windows can share a maximum, hence +=. */
      for (gsize i = 0; i < p; i++)
        dst[si[i]] += src[i];
    }
  return y;
}

/* v (like's shape) read at the indices: unpool's adjoint */
static MsTensor *
gather (MsGraph        *g,
        MsTensor       *v,
        const gint32   *idx,
        const MsTensor *like)
{
  MsTensor *y = ms_graph_op_result (g, &gather_class, 4, like->shape, v, NULL, NULL);
  gsize planes = (gsize) like->shape[0] * like->shape[1], p = ms_tensor_inner (like);
  gsize hw = ms_tensor_inner (v);

  y->aux = (gpointer) idx;
  for (gsize pl = 0; pl < planes; pl++)
    {
      const float *restrict src = v->data + pl * hw;
      const gint32 *restrict si = idx + pl * p;
      float *restrict dst = y->data + pl * p;

      for (gsize i = 0; i < p; i++)
        dst[i] = src[si[i]];
    }
  return y;
}

static void
max_pool2d_backward (MsGraph        *g,
                     MsTensor       *node,
                     MsTensor       *gy,
                     const gboolean *need,
                     MsTensor      **gx)
{
  gx[0] = unpool (g, gy, node->aux, node->src[0]);
}

static void
unpool_backward (MsGraph        *g,
                 MsTensor       *node,
                 MsTensor       *gy,
                 const gboolean *need,
                 MsTensor      **gx)
{
  gx[0] = gather (g, gy, node->aux, node->src[0]);
}

/* max_pool2d is a gather at its argmax, so both share one backward rule. */
static void
gather_backward (MsGraph        *g,
                 MsTensor       *node,
                 MsTensor       *gy,
                 const gboolean *need,
                 MsTensor      **gx)
{
  max_pool2d_backward (g, node, gy, need, gx);
}
