/* test-conv.c: convolutions and max pooling against direct loops and finite differences
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reference kernels below are the textbook definitions of F.conv2d, F.conv_transpose2d,
 * torch.nn.grad.conv2d_weight and F.max_pool2d, accumulated in double.  The GEMM kernels chunk
 * the batch, so some shapes here are large enough to need several chunks (and one to need
 * one image per chunk).  Gradients are checked by central differences of a loss accumulated in
 * double; second-order checks differentiate gradient penalties built with create_graph.
 */
#include <math.h>
#include <string.h>

#include "ms-ops.h"
#include "ms-test-util.h"

/* Reference kernels ---------------------------------------------------------------------- */

/* F.conv2d: x (n, c, h, w), w (o, c, kh, kw) -> y (n, o, ho, wo) */
static double *
ref_conv2d (const float *x, int n, int c, int h, int w,
            const float *wt, int o, int kh, int kw,
            const float *b, int stride, int pad, int *ho_out, int *wo_out)
{
  int ho = (h + 2 * pad - kh) / stride + 1, wo = (w + 2 * pad - kw) / stride + 1;
  double *y = g_new0 (double, (gsize) n * o * ho * wo);

  for (int in = 0; in < n; in++)
    for (int io = 0; io < o; io++)
      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
          {
            double s = b != NULL ? b[io] : 0.0;

            for (int ic = 0; ic < c; ic++)
              for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++)
                  {
                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;

                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                      s += (double) x[((in * c + ic) * h + iy) * w + ix]
                           * wt[((io * c + ic) * kh + ky) * kw + kx];
                  }
            y[((in * o + io) * ho + oy) * wo + ox] = s;
          }
  *ho_out = ho;
  *wo_out = wo;
  return y;
}

/* F.conv_transpose2d: x (n, ci, h, w), w (ci, co, kh, kw) -> y (n, co, ho, wo), by scattering
 * every input pixel through the kernel */
static double *
ref_conv_transpose2d (const float *x, int n, int ci, int h, int w,
                      const float *wt, int co, int kh, int kw, const float *b,
                      int stride, int pad, int opad, int *ho_out, int *wo_out)
{
  int ho = (h - 1) * stride - 2 * pad + kh + opad, wo = (w - 1) * stride - 2 * pad + kw + opad;
  double *y = g_new0 (double, (gsize) n * co * ho * wo);

  for (int in = 0; in < n; in++)
    for (int io = 0; io < co; io++)
      for (gsize i = 0; i < (gsize) ho * wo; i++)
        y[(gsize) (in * co + io) * ho * wo + i] = b != NULL ? b[io] : 0.0;
  for (int in = 0; in < n; in++)
    for (int ic = 0; ic < ci; ic++)
      for (int iy = 0; iy < h; iy++)
        for (int ix = 0; ix < w; ix++)
          for (int io = 0; io < co; io++)
            for (int ky = 0; ky < kh; ky++)
              for (int kx = 0; kx < kw; kx++)
                {
                  int oy = iy * stride - pad + ky, ox = ix * stride - pad + kx;

                  if (oy >= 0 && oy < ho && ox >= 0 && ox < wo)
                    y[((in * co + io) * ho + oy) * wo + ox] +=
                      (double) x[((in * ci + ic) * h + iy) * w + ix]
                      * wt[((ic * co + io) * kh + ky) * kw + kx];
                }
  *ho_out = ho;
  *wo_out = wo;
  return y;
}

/* torch.nn.grad.conv2d_weight: x (n, c, h, w), gy (n, o, ho, wo) -> (o, c, kh, kw) */
static double *
ref_conv2d_weight_grad (const float *x, int n, int c, int h, int w,
                        const float *gy, int o, int ho, int wo,
                        int kh, int kw, int stride, int pad)
{
  double *gw = g_new0 (double, (gsize) o * c * kh * kw);

  for (int io = 0; io < o; io++)
    for (int ic = 0; ic < c; ic++)
      for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
          {
            double s = 0.0;

            for (int in = 0; in < n; in++)
              for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                  {
                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;

                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                      s += (double) x[((in * c + ic) * h + iy) * w + ix]
                           * gy[((in * o + io) * ho + oy) * wo + ox];
                  }
            gw[((io * c + ic) * kh + ky) * kw + kx] = s;
          }
  return gw;
}

/* F.max_pool2d without padding; PyTorch keeps the first maximum of each window */
static double *
ref_max_pool2d (const float *x, int n, int c, int h, int w, int k, int stride,
                int **idx_out, int *ho_out, int *wo_out)
{
  int ho = (h - k) / stride + 1, wo = (w - k) / stride + 1;
  double *y = g_new (double, (gsize) n * c * ho * wo);
  int *idx = g_new (int, (gsize) n * c * ho * wo);

  for (int pl = 0; pl < n * c; pl++)
    for (int oy = 0; oy < ho; oy++)
      for (int ox = 0; ox < wo; ox++)
        {
          int best = -1;

          for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
              {
                int i = (oy * stride + ky) * w + ox * stride + kx;

                if (best < 0 || x[pl * h * w + i] > x[pl * h * w + best])
                  best = i;
              }
          y[(pl * ho + oy) * wo + ox] = x[pl * h * w + best];
          idx[(pl * ho + oy) * wo + ox] = best;
        }
  *idx_out = idx;
  *ho_out = ho;
  *wo_out = wo;
  return y;
}

/* Helpers -------------------------------------------------------------------------------- */

/* Fails the test unless |actual - expected| <= atol + rtol |expected| everywhere */
static gboolean
check_close (const char   *what,
             const float  *actual,
             const double *expected,
             gsize         n,
             double        atol,
             double        rtol)
{
  for (gsize i = 0; i < n; i++)
    if (!(fabs (actual[i] - expected[i]) <= atol + rtol * fabs (expected[i])))
      {
        g_test_message ("%s: index %" G_GSIZE_FORMAT ": got %.7g, expected %.7g", what, i,
                        actual[i], expected[i]);
        g_test_fail ();
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_shape (const char     *what,
             const MsTensor *t,
             int             d0,
             int             d1,
             int             d2,
             int             d3)
{
  if (t->ndim == 4 && t->shape[0] == d0 && t->shape[1] == d1 && t->shape[2] == d2
      && t->shape[3] == d3)
    return TRUE;
  g_test_message ("%s: shape (%d, %d, %d, %d), expected (%d, %d, %d, %d)", what, t->shape[0],
                  t->shape[1], t->shape[2], t->shape[3], d0, d1, d2, d3);
  g_test_fail ();
  return FALSE;
}

static double
dot_double (const float *a,
            const float *b,
            gsize        n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

static double
sum_squares_double (const MsTensor *t)
{
  return dot_double (t->data, t->data, t->numel);
}

/* Builds the op's output from its leaves; called again for every perturbed value. */
typedef MsTensor *(*BuildFunc) (MsGraph *g, MsTensor **leaves, gpointer data);

/* Checks d/d leaves of sum(build(leaves) * R) from ms_graph_grad() (with gy = R) against
 * central differences of the same sum taken in double.  The ops are linear in each leaf, so
 * the differences are exact up to float rounding of the outputs. */
static void
gradcheck_weighted (BuildFunc  build,
                    gpointer   data,
                    int        n_leaves,
                    MsTensor **leaves,
                    float      eps,
                    double     atol,
                    double     rtol,
                    int        max_checks)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *y = build (g, leaves, data);
  MsTensor *r = ms_test_random (g, y->ndim, y->shape, 4242, -1.0f, 1.0f);
  MsTensor **grads = g_newa (MsTensor *, n_leaves);

  ms_graph_grad (g, y, r, n_leaves, leaves, grads, FALSE);
  for (int l = 0; l < n_leaves; l++)
    {
      MsTensor *x = leaves[l];
      gsize step = MAX (1, x->numel / (gsize) max_checks);

      if (!ms_tensor_same_shape (grads[l], x))
        {
          g_test_message ("gradient %d has the wrong shape", l);
          g_test_fail ();
          continue;
        }
      for (gsize i = 0; i < x->numel; i += step)
        {
          float saved = x->data[i];
          gboolean rec = ms_graph_set_recording (g, FALSE);
          double plus, minus, numeric, analytic = grads[l]->data[i];

          x->data[i] = saved + eps;
          plus = dot_double (build (g, leaves, data)->data, r->data, r->numel);
          x->data[i] = saved - eps;
          minus = dot_double (build (g, leaves, data)->data, r->data, r->numel);
          x->data[i] = saved;
          ms_graph_set_recording (g, rec);
          numeric = (plus - minus) / (2.0 * eps);
          if (!(fabs (analytic - numeric) <= atol + rtol * fabs (numeric)))
            {
              g_test_message ("leaf %d index %" G_GSIZE_FORMAT ": analytic %.7g, numeric %.7g",
                              l, i, analytic, numeric);
              g_test_fail ();
              break;
            }
        }
    }
  ms_graph_free (g);
}

/* Leaves live in their own graph, so gradcheck graphs can come and go. */
static MsTensor *
leaf (MsGraph *g, int d0, int d1, int d2, int d3, guint32 seed)
{
  return ms_test_random_leaf (g, 4, (int[]) { d0, d1, d2, d3 }, seed, -1.0f, 1.0f);
}

/* conv2d forward ------------------------------------------------------------------------- */

typedef struct
{
  int n, c, h, w, o, kh, kw, stride, pad;
} ConvCase;

static const ConvCase conv_cases[] = {
  { 1, 1, 5, 5, 1, 3, 3, 1, 0 },
  { 3, 3, 7, 6, 5, 3, 2, 1, 1 },       /* non-square image and kernel */
  { 3, 5, 9, 8, 7, 5, 5, 2, 2 },       /* stride 2 with padding, uneven rows */
  { 2, 6, 14, 14, 10, 5, 5, 2, 2 },    /* the DCGAN critic's second layer, shrunk */
  { 1, 3, 8, 11, 2, 4, 3, 3, 1 },      /* stride 3 */
  { 3, 2, 5, 4, 3, 1, 1, 1, 0 },       /* 1x1 */
  { 1, 2, 20, 18, 3, 3, 3, 1, 2 },     /* wide rows, padding wider than needed */
  { 45, 3, 7, 7, 6, 5, 5, 1, 2 },      /* several chunks of images */
  { 2, 2, 48, 48, 3, 3, 3, 1, 1 },     /* one image per chunk */
};

static void
test_conv2d_forward (void)
{
  for (gsize ci = 0; ci < G_N_ELEMENTS (conv_cases); ci++)
    {
      const ConvCase *k = &conv_cases[ci];
      MsGraph *g = ms_graph_new ();
      MsTensor *x = leaf (g, k->n, k->c, k->h, k->w, 1 + ci);
      MsTensor *w = leaf (g, k->o, k->c, k->kh, k->kw, 100 + ci);
      MsTensor *b = ms_test_random (g, 1, (int[]) { k->o }, 200 + ci, -1.0f, 1.0f);
      int ho, wo;
      double *ref;
      MsTensor *y;
      g_autofree char *what = g_strdup_printf ("conv2d case %" G_GSIZE_FORMAT, ci);

      for (int with_bias = 0; with_bias < 2; with_bias++)
        {
          y = ms_conv2d (g, x, w, with_bias ? b : NULL, k->stride, k->pad);
          ref = ref_conv2d (x->data, k->n, k->c, k->h, k->w, w->data, k->o, k->kh, k->kw,
                            with_bias ? b->data : NULL, k->stride, k->pad, &ho, &wo);
          if (check_shape (what, y, k->n, k->o, ho, wo))
            check_close (what, y->data, ref, y->numel, 1e-4, 1e-4);
          g_free (ref);
        }
      ms_graph_free (g);
    }
}

/* conv_transpose2d forward --------------------------------------------------------------- */

typedef struct
{
  int n, ci, h, w, co, kh, kw, stride, pad, opad;
} ConvTCase;

static const ConvTCase convt_cases[] = {
  { 1, 1, 3, 3, 1, 3, 3, 1, 0, 0 },
  { 3, 5, 7, 7, 3, 5, 5, 2, 2, 1 },    /* the DCGAN generator's upsampling, shrunk */
  { 3, 3, 4, 5, 6, 3, 2, 2, 1, 1 },    /* non-square image and kernel */
  { 2, 4, 5, 5, 7, 4, 4, 3, 0, 2 },    /* stride 3, output padding 2 */
  { 1, 6, 7, 7, 5, 5, 5, 1, 2, 0 },    /* stride 1 "same" */
  { 3, 2, 9, 9, 3, 4, 4, 2, 1, 0 },
  { 45, 3, 7, 7, 2, 5, 5, 1, 2, 0 },   /* several chunks of images */
  { 2, 2, 24, 24, 3, 4, 4, 2, 1, 0 },  /* wide rows */
  { 2, 3, 18, 17, 2, 3, 3, 1, 1, 0 },  /* wide rows, stride 1 */
};

static void
test_conv_transpose2d_forward (void)
{
  for (gsize ci = 0; ci < G_N_ELEMENTS (convt_cases); ci++)
    {
      const ConvTCase *k = &convt_cases[ci];
      MsGraph *g = ms_graph_new ();
      MsTensor *x = leaf (g, k->n, k->ci, k->h, k->w, 11 + ci);
      MsTensor *w = leaf (g, k->ci, k->co, k->kh, k->kw, 110 + ci);
      MsTensor *b = ms_test_random (g, 1, (int[]) { k->co }, 210 + ci, -1.0f, 1.0f);
      int ho, wo;
      double *ref;
      MsTensor *y;
      g_autofree char *what = g_strdup_printf ("conv_transpose2d case %" G_GSIZE_FORMAT, ci);

      for (int with_bias = 0; with_bias < 2; with_bias++)
        {
          y = ms_conv_transpose2d (g, x, w, with_bias ? b : NULL, k->stride, k->pad, k->opad);
          ref = ref_conv_transpose2d (x->data, k->n, k->ci, k->h, k->w, w->data, k->co, k->kh,
                                      k->kw, with_bias ? b->data : NULL, k->stride, k->pad,
                                      k->opad, &ho, &wo);
          if (check_shape (what, y, k->n, k->co, ho, wo))
            check_close (what, y->data, ref, y->numel, 1e-4, 1e-4);
          g_free (ref);
        }
      ms_graph_free (g);
    }
}

/* conv2d_weight_grad forward ------------------------------------------------------------- */

static void
test_conv2d_weight_grad_forward (void)
{
  for (gsize ci = 0; ci < G_N_ELEMENTS (conv_cases); ci++)
    {
      const ConvCase *k = &conv_cases[ci];
      MsGraph *g = ms_graph_new ();
      int ho = (k->h + 2 * k->pad - k->kh) / k->stride + 1;
      int wo = (k->w + 2 * k->pad - k->kw) / k->stride + 1;
      MsTensor *x = leaf (g, k->n, k->c, k->h, k->w, 21 + ci);
      MsTensor *gy = leaf (g, k->n, k->o, ho, wo, 121 + ci);
      MsTensor *gw = ms_conv2d_weight_grad (g, x, gy, k->kh, k->kw, k->stride, k->pad);
      double *ref = ref_conv2d_weight_grad (x->data, k->n, k->c, k->h, k->w, gy->data, k->o,
                                            ho, wo, k->kh, k->kw, k->stride, k->pad);
      g_autofree char *what = g_strdup_printf ("conv2d_weight_grad case %" G_GSIZE_FORMAT, ci);

      /* Sums over the whole batch: allow for float accumulation inside the GEMM. */
      if (check_shape (what, gw, k->o, k->c, k->kh, k->kw))
        check_close (what, gw->data, ref, gw->numel, 1e-4, 1e-4);
      g_free (ref);
      ms_graph_free (g);
    }
}

/* max_pool2d forward --------------------------------------------------------------------- */

typedef struct
{
  int n, c, h, w, k, stride;
} PoolCase;

static const PoolCase pool_cases[] = {
  { 3, 5, 8, 8, 2, 2 },
  { 1, 2, 7, 9, 3, 2 },     /* overlapping windows, leftover rows and columns */
  { 2, 3, 6, 6, 2, 1 },     /* overlapping windows */
  { 2, 3, 28, 28, 2, 2 },   /* the classifier's pooling */
};

static void
test_max_pool2d_forward (void)
{
  for (gsize ci = 0; ci < G_N_ELEMENTS (pool_cases); ci++)
    {
      const PoolCase *k = &pool_cases[ci];
      MsGraph *g = ms_graph_new ();
      MsTensor *x = leaf (g, k->n, k->c, k->h, k->w, 31 + ci);
      int ho, wo, *idx;
      double *ref;
      MsTensor *y;
      g_autofree char *what = g_strdup_printf ("max_pool2d case %" G_GSIZE_FORMAT, ci);

      /* Ties (ReLU outputs are often 0): the first maximum must win, as in PyTorch. */
      for (gsize i = 0; i < x->numel; i += 3)
        x->data[i] = 0.0f;
      for (gsize i = 0; i < x->numel; i++)
        x->data[i] = MAX (x->data[i], 0.0f);
      y = ms_max_pool2d (g, x, k->k, k->stride);
      ref = ref_max_pool2d (x->data, k->n, k->c, k->h, k->w, k->k, k->stride, &idx, &ho, &wo);
      if (check_shape (what, y, k->n, k->c, ho, wo)
          && check_close (what, y->data, ref, y->numel, 0.0, 0.0))
        {
          const gint32 *got = y->aux;

          for (gsize i = 0; i < y->numel; i++)
            if (got[i] != idx[i])
              {
                g_test_message ("%s: argmax %" G_GSIZE_FORMAT " is %d, expected %d", what, i,
                                got[i], idx[i]);
                g_test_fail ();
                break;
              }
        }
      g_free (ref);
      g_free (idx);
      ms_graph_free (g);
    }
}

/* First-order gradients ------------------------------------------------------------------ */

typedef struct
{
  int stride, pad, opad, kh, kw;
} Args;

static MsTensor *
build_conv2d (MsGraph *g, MsTensor **l, gpointer data)
{
  const Args *a = data;

  return ms_conv2d (g, l[0], l[1], l[2], a->stride, a->pad);
}

static MsTensor *
build_conv_transpose2d (MsGraph *g, MsTensor **l, gpointer data)
{
  const Args *a = data;

  return ms_conv_transpose2d (g, l[0], l[1], l[2], a->stride, a->pad, a->opad);
}

static MsTensor *
build_weight_grad (MsGraph *g, MsTensor **l, gpointer data)
{
  const Args *a = data;

  return ms_conv2d_weight_grad (g, l[0], l[1], a->kh, a->kw, a->stride, a->pad);
}

static MsTensor *
build_max_pool2d (MsGraph *g, MsTensor **l, gpointer data)
{
  const Args *a = data;

  return ms_max_pool2d (g, l[0], a->kh, a->stride);
}

static void
test_conv2d_grad (void)
{
  /* Shapes where H + 2p - kh is not a multiple of the stride in one dimension only, so the
   * data gradient needs different output padding for rows and columns. */
  static const ConvCase cases[] = {
    { 2, 3, 8, 9, 4, 3, 3, 2, 1 },
    { 3, 2, 7, 6, 5, 5, 3, 2, 2 },
    { 1, 3, 6, 6, 2, 3, 3, 1, 1 },
  };

  for (gsize ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      const ConvCase *k = &cases[ci];
      MsGraph *lg = ms_graph_new ();
      Args a = { k->stride, k->pad, 0, k->kh, k->kw };
      MsTensor *leaves[3] = {
        leaf (lg, k->n, k->c, k->h, k->w, 41 + ci),
        leaf (lg, k->o, k->c, k->kh, k->kw, 141 + ci),
        ms_test_random_leaf (lg, 1, (int[]) { k->o }, 241 + ci, -1.0f, 1.0f),
      };

      gradcheck_weighted (build_conv2d, &a, 3, leaves, 1e-2f, 1e-3, 1e-2, 60);
      ms_graph_free (lg);
    }
}

static void
test_conv_transpose2d_grad (void)
{
  static const ConvTCase cases[] = {
    { 2, 3, 4, 5, 4, 5, 5, 2, 2, 1 },
    { 3, 2, 3, 3, 3, 3, 2, 2, 1, 0 },
    { 1, 4, 5, 4, 2, 4, 4, 3, 1, 2 },
    { 2, 3, 5, 5, 2, 5, 5, 1, 2, 0 },
  };

  for (gsize ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      const ConvTCase *k = &cases[ci];
      MsGraph *lg = ms_graph_new ();
      Args a = { k->stride, k->pad, k->opad, k->kh, k->kw };
      MsTensor *leaves[3] = {
        leaf (lg, k->n, k->ci, k->h, k->w, 51 + ci),
        leaf (lg, k->ci, k->co, k->kh, k->kw, 151 + ci),
        ms_test_random_leaf (lg, 1, (int[]) { k->co }, 251 + ci, -1.0f, 1.0f),
      };

      gradcheck_weighted (build_conv_transpose2d, &a, 3, leaves, 1e-2f, 1e-3, 1e-2, 60);
      ms_graph_free (lg);
    }
}

static void
test_conv2d_weight_grad_grad (void)
{
  static const ConvCase cases[] = {
    { 2, 3, 8, 9, 4, 3, 3, 2, 1 },
    { 3, 2, 7, 6, 2, 5, 3, 2, 2 },
    { 1, 2, 5, 5, 3, 3, 3, 1, 0 },
  };

  for (gsize ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      const ConvCase *k = &cases[ci];
      MsGraph *lg = ms_graph_new ();
      int ho = (k->h + 2 * k->pad - k->kh) / k->stride + 1;
      int wo = (k->w + 2 * k->pad - k->kw) / k->stride + 1;
      Args a = { k->stride, k->pad, 0, k->kh, k->kw };
      MsTensor *leaves[2] = {
        leaf (lg, k->n, k->c, k->h, k->w, 61 + ci),
        leaf (lg, k->n, k->o, ho, wo, 161 + ci),
      };

      gradcheck_weighted (build_weight_grad, &a, 2, leaves, 1e-2f, 1e-3, 1e-2, 60);
      ms_graph_free (lg);
    }
}

/* Values on a grid with gaps of 0.05 in a shuffled order, so that no perturbation of 1e-2
 * changes which element of a window is the maximum. */
static void
fill_distinct (MsTensor *x,
               guint32   seed)
{
  float *keys = g_new (float, x->numel);

  ms_test_fill_uniform (keys, x->numel, seed, 0.0f, 1.0f);
  for (gsize i = 0; i < x->numel; i++)
    {
      gsize rank = 0;

      for (gsize j = 0; j < x->numel; j++)
        rank += keys[j] < keys[i] || (keys[j] == keys[i] && j < i);
      x->data[i] = 0.05f * (float) rank - 0.025f * (float) x->numel;
    }
  g_free (keys);
}

static void
test_max_pool2d_grad (void)
{
  for (gsize ci = 0; ci < 3; ci++)
    {
      const PoolCase *k = &pool_cases[ci];
      MsGraph *lg = ms_graph_new ();
      Args a = { k->stride, 0, 0, k->k, k->k };
      MsTensor *x = leaf (lg, k->n, k->c, k->h, k->w, 71 + ci);

      fill_distinct (x, 71 + ci);
      gradcheck_weighted (build_max_pool2d, &a, 1, &x, 1e-2f, 1e-3, 1e-2, 200);
      ms_graph_free (lg);
    }
}

/* Second order --------------------------------------------------------------------------- */

/* Compares the analytic gradients of a scalar P(leaves) with central differences of P. */
typedef double (*ScalarFunc) (MsGraph *g, MsTensor **leaves, gpointer data, MsTensor **p_out);

static void
gradcheck_scalar (ScalarFunc  f,
                  gpointer    data,
                  int         n_leaves,
                  MsTensor  **leaves,
                  float       eps,
                  double      rtol,
                  int         max_checks)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *p;
  MsTensor **grads = g_newa (MsTensor *, n_leaves);
  double scale = 0.0;

  f (g, leaves, data, &p);
  ms_graph_grad (g, p, NULL, n_leaves, leaves, grads, FALSE);
  for (int l = 0; l < n_leaves; l++)
    for (gsize i = 0; i < grads[l]->numel; i++)
      scale = MAX (scale, fabs (grads[l]->data[i]));
  g_assert_cmpfloat (scale, >, 0.0);

  for (int l = 0; l < n_leaves; l++)
    {
      MsTensor *x = leaves[l];
      gsize step = MAX (1, x->numel / (gsize) max_checks);

      for (gsize i = 0; i < x->numel; i += step)
        {
          float saved = x->data[i];
          double plus, minus, numeric, analytic = grads[l]->data[i];

          x->data[i] = saved + eps;
          plus = f (g, leaves, data, NULL);
          x->data[i] = saved - eps;
          minus = f (g, leaves, data, NULL);
          x->data[i] = saved;
          numeric = (plus - minus) / (2.0 * eps);
          /* The absolute part scales with the largest gradient: P is a float computation. */
          if (!(fabs (analytic - numeric) <= 1e-3 * scale + rtol * fabs (numeric)))
            {
              g_test_message ("leaf %d index %" G_GSIZE_FORMAT ": analytic %.7g, numeric %.7g "
                              "(largest gradient %.4g)", l, i, analytic, numeric, scale);
              g_test_fail ();
              break;
            }
        }
    }
  ms_graph_free (g);
}

typedef struct
{
  MsTensor *x;          /* (N, C, H, W), no gradient */
  float     slope;
} GpData;

/* WGAN-GP's penalty without the norm: P(w1, w2) = sum((d/dx sum(D(x)))^2) for the critic
 * D(x) = conv2d(leaky_relu(conv2d(x, w1, s2 p1)), w2, s1 p0).  With @p_out the penalty is
 * recorded (create_graph) so that it can be differentiated; without, only its value counts. */
static double
gp_penalty (MsGraph   *g,
            MsTensor **l,
            gpointer   data,
            MsTensor **p_out)
{
  GpData *d = data;
  MsTensor *x = ms_tensor_wrap (g, 4, d->x->shape, d->x->data, NULL, TRUE);
  MsTensor *h = ms_leaky_relu (g, ms_conv2d (g, x, l[0], NULL, 2, 1), d->slope);
  MsTensor *out = ms_conv2d (g, h, l[1], NULL, 1, 0);
  MsTensor *gx;

  ms_graph_grad (g, ms_sum (g, out), NULL, 1, &x, &gx, p_out != NULL);
  if (p_out != NULL)
    *p_out = ms_sum (g, ms_square (g, gx));
  return sum_squares_double (gx);
}

static void
test_gradient_penalty (void)
{
  MsGraph *lg = ms_graph_new ();
  GpData d = { NULL, 0.2f };
  MsTensor *leaves[2];
  const float eps = 2e-3f;
  guint32 seed;

  /* Perturbing w1 by eps moves a pre-activation by at most eps * max|x| (x in [-1, 1]); pick
   * the first seed whose pre-activations all stay clear of the leaky ReLU's kink. */
  for (seed = 1; seed < 200; seed++)
    {
      MsTensor *a;
      float margin = INFINITY;

      d.x = ms_test_random (lg, 4, (int[]) { 2, 2, 7, 6 }, seed, -1.0f, 1.0f);
      leaves[0] = leaf (lg, 3, 2, 3, 3, 1000 + seed);
      leaves[1] = leaf (lg, 2, 3, 2, 2, 2000 + seed);
      a = ms_conv2d (lg, d.x, leaves[0], NULL, 2, 1);
      for (gsize i = 0; i < a->numel; i++)
        margin = MIN (margin, fabsf (a->data[i]));
      if (margin > 4 * eps)
        break;
    }
  g_assert_cmpuint (seed, <, 200);
  gradcheck_scalar (gp_penalty, &d, 2, leaves, eps, 2e-2, 60);
  ms_graph_free (lg);
}

/* P = sum((d/dx sum(op(x, w)^2) / 2)^2) for each of the three convolution ops: its gradient
 * runs through every op's backward rule twice. */
typedef struct
{
  int    which;   /* 0 conv2d, 1 conv_transpose2d, 2 conv2d_weight_grad */
  Args   a;
} PenaltyData;

static double
op_penalty (MsGraph   *g,
            MsTensor **l,
            gpointer   data,
            MsTensor **p_out)
{
  PenaltyData *d = data;
  const Args *a = &d->a;
  MsTensor *y, *gx;

  if (d->which == 0)
    y = ms_conv2d (g, l[0], l[1], NULL, a->stride, a->pad);
  else if (d->which == 1)
    y = ms_conv_transpose2d (g, l[0], l[1], NULL, a->stride, a->pad, a->opad);
  else
    y = ms_conv2d_weight_grad (g, l[0], l[1], a->kh, a->kw, a->stride, a->pad);
  ms_graph_grad (g, ms_scale (g, ms_sum (g, ms_square (g, y)), 0.5f), NULL, 1, &l[0], &gx,
                 p_out != NULL);
  if (p_out != NULL)
    *p_out = ms_sum (g, ms_square (g, gx));
  return sum_squares_double (gx);
}

static void
test_op_penalties (void)
{
  MsGraph *lg = ms_graph_new ();
  /* Odd sizes with stride 2, so output padding shows up in the rules. */
  PenaltyData conv = { 0, { 2, 1, 0, 3, 2 } };
  PenaltyData convt = { 1, { 2, 1, 1, 3, 3 } };
  PenaltyData wgrad = { 2, { 2, 1, 0, 3, 2 } };
  MsTensor *lc[2] = { leaf (lg, 2, 2, 6, 6, 81), leaf (lg, 3, 2, 3, 2, 82) };
  MsTensor *lt[2] = { leaf (lg, 2, 3, 3, 4, 83), leaf (lg, 3, 2, 3, 3, 84) };
  /* conv2d_weight_grad (x (2, 2, 6, 6), gy (2, 3, 3, 4)) for a 3x2 kernel */
  MsTensor *lw[2] = { leaf (lg, 2, 2, 6, 6, 85), leaf (lg, 2, 3, 3, 4, 86) };

  gradcheck_scalar (op_penalty, &conv, 2, lc, 1e-2f, 2e-2, 40);
  gradcheck_scalar (op_penalty, &convt, 2, lt, 1e-2f, 2e-2, 40);
  gradcheck_scalar (op_penalty, &wgrad, 2, lw, 1e-2f, 2e-2, 40);
  ms_graph_free (lg);
}

/* Max pooling twice differentiated: the data gradient is unpool (scatter at the argmax), whose
 * gradient is a gather at the argmax, whose gradient is unpool again.  All are linear in their
 * input, so P(r, s) = sum(unpool(r) * s) style checks are exact. */
typedef struct
{
  MsTensor *x;
  MsTensor *t;
  int       order;
} PoolData;

static double
pool_penalty (MsGraph   *g,
              MsTensor **l,
              gpointer   data,
              MsTensor **p_out)
{
  PoolData *d = data;
  MsTensor *x = ms_tensor_wrap (g, 4, d->x->shape, d->x->data, NULL, TRUE);
  MsTensor *r = l[0], *s = l[1];
  MsTensor *gx, *gr, *p;

  /* gx = unpool(r); P1 = sum(gx * s) */
  ms_graph_grad (g, ms_sum (g, ms_mul (g, ms_max_pool2d (g, x, 2, 1), r)), NULL, 1, &x, &gx,
                 TRUE);
  p = ms_sum (g, ms_mul (g, gx, s));
  if (d->order == 2)
    {
      /* gr = gather(s); P2 = sum(gr * t) */
      ms_graph_grad (g, p, NULL, 1, &r, &gr, TRUE);
      p = ms_sum (g, ms_mul (g, gr, d->t));
    }
  if (p_out != NULL)
    *p_out = p;
  return p->data[0];
}

static void
test_max_pool2d_higher_order (void)
{
  MsGraph *lg = ms_graph_new ();
  PoolData d = { leaf (lg, 2, 2, 5, 6, 91), NULL, 1 };
  MsTensor *l[2] = { leaf (lg, 2, 2, 4, 5, 92), leaf (lg, 2, 2, 5, 6, 93) };

  d.t = ms_test_random (lg, 4, (int[]) { 2, 2, 4, 5 }, 94, -1.0f, 1.0f);
  fill_distinct (d.x, 91);
  gradcheck_scalar (pool_penalty, &d, 2, l, 1e-2f, 1e-2, 60);
  d.order = 2;
  gradcheck_scalar (pool_penalty, &d, 2, l, 1e-2f, 1e-2, 60);
  ms_graph_free (lg);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conv/conv2d/forward", test_conv2d_forward);
  g_test_add_func ("/conv/conv-transpose2d/forward", test_conv_transpose2d_forward);
  g_test_add_func ("/conv/conv2d-weight-grad/forward", test_conv2d_weight_grad_forward);
  g_test_add_func ("/conv/max-pool2d/forward", test_max_pool2d_forward);
  g_test_add_func ("/conv/conv2d/grad", test_conv2d_grad);
  g_test_add_func ("/conv/conv-transpose2d/grad", test_conv_transpose2d_grad);
  g_test_add_func ("/conv/conv2d-weight-grad/grad", test_conv2d_weight_grad_grad);
  g_test_add_func ("/conv/max-pool2d/grad", test_max_pool2d_grad);
  g_test_add_func ("/conv/second-order/gradient-penalty", test_gradient_penalty);
  g_test_add_func ("/conv/second-order/op-penalties", test_op_penalties);
  g_test_add_func ("/conv/second-order/max-pool2d", test_max_pool2d_higher_order);
  return g_test_run ();
}
