/* test-ops.c: finite-difference checks of every non-convolution op, first and second order
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include "ms-ops.h"
#include "ms-rng.h"
#include "ms-test-util.h"

typedef MsTensor *(*UnaryOp) (MsGraph *, MsTensor *);
typedef MsTensor *(*BinaryOp) (MsGraph *, MsTensor *, MsTensor *);

/* sum(op(leaves) * R): a scalar whose gradient is op's vector-Jacobian product with R */
static MsTensor *
weighted_sum (MsGraph  *g,
              MsTensor *y)
{
  MsTensor *r = ms_test_random (g, y->ndim, y->shape, 999, -1.0f, 1.0f);

  return ms_sum (g, ms_mul (g, y, r));
}

static MsTensor *
apply_unary (MsGraph *g, MsTensor **leaves, gpointer op)
{
  return weighted_sum (g, ((UnaryOp) op) (g, leaves[0]));
}

static MsTensor *
apply_binary (MsGraph *g, MsTensor **leaves, gpointer op)
{
  return weighted_sum (g, ((BinaryOp) op) (g, leaves[0], leaves[1]));
}

static void
check_unary (UnaryOp op,
             float   lo,
             float   hi)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *x = ms_test_random_leaf (g, 2, (int[]) { 3, 7 }, 1, lo, hi);

  /* Keep points off the kinks at 0 (ReLU), where central differences are meaningless. */
  for (gsize i = 0; i < x->numel; i++)
    if (fabsf (x->data[i]) < 0.05f)
      x->data[i] += x->data[i] < 0 ? -0.05f : 0.05f;

  ms_test_gradcheck (apply_unary, (gpointer) op, 1, &x, g, 1e-2f, 2e-3f, 2e-2f, 64);
  ms_graph_free (g);
}

static void
check_binary (BinaryOp op,
              float    lo,
              float    hi)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *leaves[2] = {
    ms_test_random_leaf (g, 3, (int[]) { 2, 3, 4 }, 2, lo, hi),
    ms_test_random_leaf (g, 3, (int[]) { 2, 3, 4 }, 3, lo, hi),
  };

  ms_test_gradcheck (apply_binary, (gpointer) op, 2, leaves, g, 1e-2f, 2e-3f, 2e-2f, 64);
  ms_graph_free (g);
}

static MsTensor *op_scale (MsGraph *g, MsTensor *x) { return ms_scale (g, x, -1.5f); }
static MsTensor *op_add_scalar (MsGraph *g, MsTensor *x) { return ms_add_scalar (g, x, 0.7f); }
static MsTensor *op_lrelu (MsGraph *g, MsTensor *x) { return ms_leaky_relu (g, x, 0.2f); }
static MsTensor *op_sum (MsGraph *g, MsTensor *x) { return ms_sum (g, x); }
static MsTensor *op_mean (MsGraph *g, MsTensor *x) { return ms_mean (g, x); }
static MsTensor *op_row_sum (MsGraph *g, MsTensor *x) { return ms_row_sum (g, x); }
static MsTensor *op_channel_sum (MsGraph *g, MsTensor *x) { return ms_channel_sum (g, x); }
static MsTensor *op_log_softmax (MsGraph *g, MsTensor *x) { return ms_log_softmax (g, x); }
static MsTensor *op_reshape (MsGraph *g, MsTensor *x) { return ms_reshape (g, x, 1, (int[]) { -1 }); }
static MsTensor *op_slice0 (MsGraph *g, MsTensor *x) { return ms_slice (g, x, 0, 1, 2); }
static MsTensor *op_slice1 (MsGraph *g, MsTensor *x) { return ms_slice (g, x, 1, 2, 4); }
static MsTensor *op_concat0 (MsGraph *g, MsTensor *a, MsTensor *b) { return ms_concat (g, a, b, 0); }
static MsTensor *op_concat1 (MsGraph *g, MsTensor *a, MsTensor *b) { return ms_concat (g, a, b, 1); }
static MsTensor *op_mse (MsGraph *g, MsTensor *a, MsTensor *b) { return ms_mse (g, a, b); }
static MsTensor *op_bce (MsGraph *g, MsTensor *a, MsTensor *b)
{
  /* targets must be constants in [0, 1]: use b only through a sigmoid, as a soft label */
  return ms_bce_with_logits (g, a, ms_sigmoid (g, b));
}

static void
test_elementwise (void)
{
  check_unary (ms_neg, -2, 2);
  check_unary (op_scale, -2, 2);
  check_unary (op_add_scalar, -2, 2);
  check_unary (ms_relu, -2, 2);
  check_unary (op_lrelu, -2, 2);
  check_unary (ms_tanh, -2, 2);
  check_unary (ms_sigmoid, -4, 4);
  check_unary (ms_softplus, -4, 4);
  check_unary (ms_square, -2, 2);
  check_unary (ms_sqrt, 0.5f, 3);
  check_unary (ms_exp, -2, 2);
  check_unary (ms_log, 0.5f, 3);
  check_binary (ms_add, -2, 2);
  check_binary (ms_sub, -2, 2);
  check_binary (ms_mul, -2, 2);
  check_binary (ms_div, 0.5f, 2);
}

static void
test_reductions_and_shapes (void)
{
  check_unary (op_sum, -2, 2);
  check_unary (op_mean, -2, 2);
  check_unary (op_row_sum, -2, 2);
  check_unary (op_channel_sum, -2, 2);
  check_unary (op_log_softmax, -3, 3);
  check_unary (op_reshape, -2, 2);
  check_unary (op_slice0, -2, 2);
  check_unary (op_slice1, -2, 2);
  check_binary (op_concat0, -2, 2);
  check_binary (op_concat1, -2, 2);
  check_binary (op_mse, -2, 2);
  check_binary (op_bce, -3, 3);
}

static MsTensor *
apply_broadcasts (MsGraph *g, MsTensor **l, gpointer data)
{
  /* x (2, 3, 4), c (3), r (2) */
  MsTensor *y = ms_add_channel (g, ms_mul_channel (g, l[0], l[1]), l[1]);

  y = ms_mul_row (g, y, l[2]);
  y = ms_add (g, y, ms_channel_expand (g, l[1], y));
  y = ms_add (g, y, ms_row_expand (g, l[2], y));
  y = ms_add (g, y, ms_expand_scalar (g, ms_sum (g, l[2]), y));
  return weighted_sum (g, y);
}

static void
test_broadcasts (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *leaves[3] = {
    ms_test_random_leaf (g, 3, (int[]) { 2, 3, 4 }, 4, -1, 1),
    ms_test_random_leaf (g, 1, (int[]) { 3 }, 5, -1, 1),
    ms_test_random_leaf (g, 1, (int[]) { 2 }, 6, -1, 1),
  };

  ms_test_gradcheck (apply_broadcasts, NULL, 3, leaves, g, 1e-2f, 2e-3f, 2e-2f, 64);
  ms_graph_free (g);
}

static MsTensor *
apply_matmul (MsGraph *g, MsTensor **l, gpointer data)
{
  int flags = GPOINTER_TO_INT (data);

  return weighted_sum (g, ms_matmul (g, l[0], l[1], flags & 1, (flags >> 1) & 1));
}

static void
test_matmul (void)
{
  for (int flags = 0; flags < 4; flags++)
    {
      MsGraph *g = ms_graph_new ();
      gboolean ta = flags & 1, tb = (flags >> 1) & 1;
      MsTensor *leaves[2] = {
        ms_test_random_leaf (g, 2, ta ? (int[]) { 5, 3 } : (int[]) { 3, 5 }, 7, -1, 1),
        ms_test_random_leaf (g, 2, tb ? (int[]) { 4, 5 } : (int[]) { 5, 4 }, 8, -1, 1),
      };
      MsTensor *y;
      double expect;

      /* y[1][2] against a direct dot product */
      y = ms_matmul (g, leaves[0], leaves[1], ta, tb);
      expect = 0;
      for (int k = 0; k < 5; k++)
        expect += (double) leaves[0]->data[ta ? k * 3 + 1 : 1 * 5 + k]
                  * leaves[1]->data[tb ? 2 * 5 + k : k * 4 + 2];
      g_assert_cmpfloat_with_epsilon (y->data[1 * 4 + 2], expect, 1e-5);
      ms_test_gradcheck (apply_matmul, GINT_TO_POINTER (flags), 2, leaves, g,
                         1e-2f, 2e-3f, 2e-2f, 64);
      ms_graph_free (g);
    }
}

static MsTensor *
apply_batch_norm (MsGraph *g, MsTensor **l, gpointer data)
{
  return weighted_sum (g, ms_batch_norm_train (g, l[0], l[1], l[2], 1e-5f, 0.1f, NULL, NULL));
}

static void
test_batch_norm (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *leaves[3] = {
    ms_test_random_leaf (g, 4, (int[]) { 3, 2, 2, 2 }, 9, -2, 2),
    ms_test_random_leaf (g, 1, (int[]) { 2 }, 10, 0.5, 1.5),
    ms_test_random_leaf (g, 1, (int[]) { 2 }, 11, -1, 1),
  };
  float rm[2] = { 0, 0 }, rv[2] = { 1, 1 };
  MsTensor *y = ms_batch_norm_train (g, leaves[0], NULL, NULL, 1e-5f, 0.1f, rm, rv);
  double mean = 0, var = 0;

  /* Without affine parameters each channel comes out with mean 0 and variance 1. */
  for (int n = 0; n < 3; n++)
    for (int i = 0; i < 4; i++)
      mean += y->data[n * 8 + i];
  mean /= 12;
  for (int n = 0; n < 3; n++)
    for (int i = 0; i < 4; i++)
      var += (y->data[n * 8 + i] - mean) * (y->data[n * 8 + i] - mean);
  var /= 12;
  g_assert_cmpfloat_with_epsilon (mean, 0.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (var, 1.0, 1e-3);
  g_assert_cmpfloat (rm[0], !=, 0.0f);
  g_assert_cmpfloat (rv[0], !=, 1.0f);

  ms_test_gradcheck (apply_batch_norm, NULL, 3, leaves, g, 1e-2f, 3e-3f, 3e-2f, 64);
  ms_graph_free (g);
}

static void
test_cross_entropy (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *x = ms_test_random_leaf (g, 2, (int[]) { 4, 10 }, 12, -3, 3);
  guint8 labels[4] = { 0, 9, 3, 3 };
  MsTensor *loss = ms_softmax_cross_entropy (g, x, labels), *gx;
  float probs[40];
  double expect = 0;

  ms_softmax_rows (x->data, 4, 10, probs);
  for (int r = 0; r < 4; r++)
    expect -= log (probs[r * 10 + labels[r]]);
  g_assert_cmpfloat_with_epsilon (loss->data[0], expect / 4, 1e-5);
  ms_graph_grad (g, loss, NULL, 1, &x, &gx, FALSE);
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < 10; j++)
      g_assert_cmpfloat_with_epsilon (gx->data[r * 10 + j],
                                      (probs[r * 10 + j] - (j == labels[r])) / 4.0, 1e-6);
  ms_graph_free (g);
}

/* Second order: P = sum((d/dx sum(f(x, w) * R))^2) differentiated with respect to x and w,
 * through tanh, sigmoid, softplus, matmul, leaky ReLU, broadcasts and reductions. */
static MsTensor *
apply_penalty (MsGraph *g, MsTensor **l, gpointer data)
{
  MsTensor *x = l[0], *w = l[1], *b = l[2];
  MsTensor *h = ms_linear (g, x, w, b);                    /* (4, 6) */
  MsTensor *out, *gx;

  h = ms_add (g, ms_tanh (g, h), ms_softplus (g, ms_leaky_relu (g, h, 0.2f)));
  h = ms_mul (g, h, ms_sigmoid (g, h));
  h = ms_batch_norm_train (g, h, NULL, NULL, 1e-5f, 0.1f, NULL, NULL);
  out = weighted_sum (g, ms_log_softmax (g, h));
  ms_graph_grad (g, out, NULL, 1, &x, &gx, TRUE);
  return ms_sum (g, ms_square (g, ms_add_scalar (g, ms_sqrt (g, ms_add_scalar (g, ms_row_sum (g, ms_square (g, gx)), 1e-3f)), -1.0f)));
}

static void
test_second_order (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *leaves[3] = {
    ms_test_random_leaf (g, 2, (int[]) { 4, 5 }, 13, -1, 1),
    ms_test_random_leaf (g, 2, (int[]) { 6, 5 }, 14, -1, 1),
    ms_test_random_leaf (g, 1, (int[]) { 6 }, 15, -0.5, 0.5),
  };

  ms_test_gradcheck (apply_penalty, NULL, 3, leaves, g, 1e-2f, 5e-3f, 3e-2f, 32);
  ms_graph_free (g);
}

static void
test_dropout (void)
{
  MsGraph *g = ms_graph_new ();
  MsRng rng;
  MsTensor *x = ms_tensor_fill (g, 1, (int[]) { 10000 }, 1.0f), *y;
  int zeros = 0;

  ms_rng_seed (&rng, 7);
  y = ms_dropout (g, x, 0.3f, &rng);
  for (int i = 0; i < 10000; i++)
    {
      if (y->data[i] == 0.0f)
        zeros++;
      else
        g_assert_cmpfloat_with_epsilon (y->data[i], 1.0 / 0.7, 1e-6);
    }
  g_assert_cmpint (zeros, >, 2800);
  g_assert_cmpint (zeros, <, 3200);

  /* The gradient goes through the same mask, with the same scale. */
  {
    MsTensor *leaf = ms_test_random_leaf (g, 1, (int[]) { 1000 }, 21, 0.5f, 1.5f);
    MsTensor *r = ms_test_random (g, 1, (int[]) { 1000 }, 22, -1.0f, 1.0f);
    MsTensor *out = ms_dropout (g, leaf, 0.3f, &rng), *gx;

    ms_graph_grad (g, ms_sum (g, ms_mul (g, out, r)), NULL, 1, &leaf, &gx, FALSE);
    for (int i = 0; i < 1000; i++)
      g_assert_cmpfloat_with_epsilon (gx->data[i], out->data[i] != 0.0f ? r->data[i] / 0.7 : 0.0,
                                      1e-6);
  }
  ms_graph_free (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/elementwise", test_elementwise);
  g_test_add_func ("/ops/reductions-shapes", test_reductions_and_shapes);
  g_test_add_func ("/ops/broadcasts", test_broadcasts);
  g_test_add_func ("/ops/matmul", test_matmul);
  g_test_add_func ("/ops/batch-norm", test_batch_norm);
  g_test_add_func ("/ops/cross-entropy", test_cross_entropy);
  g_test_add_func ("/ops/dropout", test_dropout);
  g_test_add_func ("/ops/second-order", test_second_order);
  return g_test_run ();
}
