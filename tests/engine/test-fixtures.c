/* test-fixtures.c: the engine against PyTorch's numbers (the .msfx files in tests/fixtures)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fixtures hold inputs, initial weights and cotangents together with PyTorch's results, so
 * nothing here depends on matching PyTorch's RNG.  Each test rebuilds a record's computation with
 * engine ops and compares elementwise:
 *
 *   |actual - expected| <= atol + rtol * |expected|
 *
 * with a tolerance per case (the table below).  The references were computed in float64 from the
 * float32 inputs, so the tolerance only has to cover the engine's float32 rounding: atol 1e-6,
 * rtol 1e-5 for elementwise ops and reductions, 1e-5/1e-4 where longer sums (GEMM,
 * convolutions, batch norm, whole networks) accumulate rounding, 1e-6/1e-5 on the parameters
 * after each optimizer step.  These leave a margin of about 10x over what the engine showed on
 * x86-64 with OpenBLAS.  A failure prints the record, tensor, worst index, expected and actual.
 *
 * Op records are tested twice:
 *   /fixtures/ops/NAME      forward, then the vector-Jacobian product with R (create_graph off)
 *   /fixtures/ops-2nd/NAME  the same gradients with create_graph on, then the gradient of
 *                           sum_i sum(grad_i * R2_i) with respect to every input (grad of grad)
 *
 * Every test runs in a subprocess, so that a crash or a critical in one op (G_DEBUG has
 * fatal-warnings) fails that test only; the child's messages go to stderr.
 */
#include <math.h>
#include <string.h>
#include "ms-fixture.h"
#include "ms-ops.h"
#include "ms-optim.h"
#include "ms-params.h"
#include "ms-test-util.h"

#define MAX_LEAVES 8
#define MAX_EXTRA  4

static MsFixture *ops_fx, *optim_fx, *gan_fx;

/* Reporting ------------------------------------------------------------------------------ */

static void G_GNUC_PRINTF (1, 2)
report (const char *format,
        ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("%s", msg);
  if (g_test_subprocess ())
    g_printerr ("%s\n", msg);
}

static void G_GNUC_PRINTF (1, 2)
fail (const char *format,
      ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  report ("FAIL %s", msg);
  g_test_fail ();
}

static char *
shape_string (int        ndim,
              const int *shape)
{
  GString *s = g_string_new ("(");

  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, d ? ", %d" : "%d", shape[d]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

/* Compares @n floats; on failure reports the worst element and how many are out of tolerance. */
static gboolean
compare_floats (const char  *what,
                const float *actual,
                const float *expected,
                gsize        n,
                double       atol,
                double       rtol)
{
  gsize worst, bad = 0;
  double ratio = ms_test_compare (actual, expected, n, atol, rtol, &worst);

  if (ratio <= 1.0)
    {
      if (g_test_verbose ())
        report ("ok %s: worst error %.3g of tolerance", what, ratio);
      return TRUE;
    }
  for (gsize i = 0; i < n; i++)
    if (!(fabs ((double) actual[i] - expected[i]) <= atol + rtol * fabs (expected[i])))
      bad++;
  fail ("%s: index %" G_GSIZE_FORMAT ": expected %.9g, actual %.9g (|diff| %.3g, tolerance "
        "%.3g + %.3g*|expected|; %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " elements off)",
        what, worst, expected[worst], actual[worst],
        fabs ((double) actual[worst] - expected[worst]), atol, rtol, bad, n);
  return FALSE;
}

/* Compares a tensor with a fixture tensor: same number of elements (and the same shape, when
 * @check_shape), then elementwise. */
static gboolean
compare_tensor (const char            *record,
                const char            *name,
                const MsTensor        *actual,
                const MsFixtureTensor *expected,
                double                 atol,
                double                 rtol)
{
  g_autofree char *what = g_strdup_printf ("%s: %s", record, name);
  gboolean same = actual != NULL && actual->numel == expected->numel;

  if (same && actual->ndim == expected->ndim)
    for (int d = 0; d < actual->ndim; d++)
      same = same && actual->shape[d] == expected->shape[d];
  if (!same)
    {
      g_autofree char *es = shape_string (expected->ndim, expected->shape);
      g_autofree char *as = actual ? ms_tensor_shape_string (actual) : g_strdup ("NULL");

      fail ("%s: shape %s, expected %s", what, as, es);
      return FALSE;
    }
  return compare_floats (what, actual->data, expected->data, expected->numel, atol, rtol);
}

static const MsFixtureTensor *
need_tensor (const MsFixtureRecord *rec,
             const char            *name)
{
  const MsFixtureTensor *t = ms_fixture_record_get (rec, name);

  if (t == NULL)
    g_error ("fixture record %s has no tensor %s; regenerate the fixtures", rec->name, name);
  return t;
}

/* A test case: one record rebuilt in one graph ------------------------------------------ */

typedef struct
{
  const MsFixtureRecord *rec;
  MsGraph               *g;
  int                    n_leaves;
  MsTensor              *leaves[MAX_LEAVES + 1];    /* + 1: the cotangent, second order */
  const char            *leaf_names[MAX_LEAVES + 1];
  int                    n_extra;                 /* results outside the graph (running stats) */
  const char            *extra_names[MAX_EXTRA];
  const float           *extra_data[MAX_EXTRA];
} Case;

/* A copy of a fixture tensor in the graph's arena, so ops may keep pointers into it. */
static float *
arena_copy (Case                  *c,
            const MsFixtureTensor *t)
{
  float *data = ms_arena_alloc (ms_graph_arena (c->g), t->numel * sizeof (float));

  memcpy (data, t->data, t->numel * sizeof (float));
  return data;
}

/* The fixture tensor @name as a leaf; it requires a gradient when the record holds
 * "grad:<name>", and is then one of the case's leaves. */
static MsTensor *
input (Case       *c,
       const char *name)
{
  const MsFixtureTensor *t = need_tensor (c->rec, name);
  g_autofree char *gname = g_strconcat ("grad:", name, NULL);
  gboolean diff = ms_fixture_record_get (c->rec, gname) != NULL;
  MsTensor *x;

  g_assert_cmpint (t->ndim, >=, 1);
  x = ms_tensor_wrap (c->g, t->ndim, t->shape, arena_copy (c, t), NULL, diff);
  if (diff)
    {
      g_assert_cmpint (c->n_leaves, <, MAX_LEAVES);
      c->leaves[c->n_leaves] = x;
      c->leaf_names[c->n_leaves] = name;
      c->n_leaves++;
    }
  return x;
}

/* Like input(), or NULL when the record does not have @name (optional bias, affine...) */
static MsTensor *
input_opt (Case       *c,
           const char *name)
{
  return ms_fixture_record_get (c->rec, name) ? input (c, name) : NULL;
}

/* Element @i of the record's "args" tensor, as an int */
static int
arg (Case *c,
     int   i)
{
  const MsFixtureTensor *t = need_tensor (c->rec, "args");

  g_assert_cmpuint ((gsize) i, <, t->numel);
  return (int) lrintf (t->data[i]);
}

static float
scalar (Case       *c,
        const char *name)
{
  return need_tensor (c->rec, name)->data[0];
}

static void
extra (Case        *c,
       const char  *name,
       const float *data)
{
  g_assert_cmpint (c->n_extra, <, MAX_EXTRA);
  c->extra_names[c->n_extra] = name;
  c->extra_data[c->n_extra] = data;
  c->n_extra++;
}

/* Op builders: each rebuilds its record's forward computation ----------------------------- */

typedef MsTensor *(*BuildFunc) (Case *c);

#define G_ c->g
static MsTensor *b_add (Case *c) { MsTensor *a = input (c, "a"); return ms_add (G_, a, input (c, "b")); }
static MsTensor *b_sub (Case *c) { MsTensor *a = input (c, "a"); return ms_sub (G_, a, input (c, "b")); }
static MsTensor *b_mul (Case *c) { MsTensor *a = input (c, "a"); return ms_mul (G_, a, input (c, "b")); }
static MsTensor *b_div (Case *c) { MsTensor *a = input (c, "a"); return ms_div (G_, a, input (c, "b")); }
static MsTensor *b_scale (Case *c) { return ms_scale (G_, input (c, "x"), scalar (c, "s")); }
static MsTensor *b_add_scalar (Case *c) { return ms_add_scalar (G_, input (c, "x"), scalar (c, "s")); }
static MsTensor *b_neg (Case *c) { return ms_neg (G_, input (c, "x")); }
static MsTensor *b_relu (Case *c) { return ms_relu (G_, input (c, "x")); }
static MsTensor *b_leaky_relu (Case *c) { return ms_leaky_relu (G_, input (c, "x"), scalar (c, "slope")); }
static MsTensor *b_tanh (Case *c) { return ms_tanh (G_, input (c, "x")); }
static MsTensor *b_sigmoid (Case *c) { return ms_sigmoid (G_, input (c, "x")); }
static MsTensor *b_softplus (Case *c) { return ms_softplus (G_, input (c, "x")); }
static MsTensor *b_square (Case *c) { return ms_square (G_, input (c, "x")); }
static MsTensor *b_sqrt (Case *c) { return ms_sqrt (G_, input (c, "x")); }
static MsTensor *b_exp (Case *c) { return ms_exp (G_, input (c, "x")); }
static MsTensor *b_log (Case *c) { return ms_log (G_, input (c, "x")); }
static MsTensor *b_sum (Case *c) { return ms_sum (G_, input (c, "x")); }
static MsTensor *b_mean (Case *c) { return ms_mean (G_, input (c, "x")); }
static MsTensor *b_expand_scalar (Case *c) { MsTensor *s = input (c, "s"); return ms_expand_scalar (G_, s, input (c, "like")); }
static MsTensor *b_row_sum (Case *c) { return ms_row_sum (G_, input (c, "x")); }
static MsTensor *b_row_expand (Case *c) { MsTensor *r = input (c, "r"); return ms_row_expand (G_, r, input (c, "like")); }
static MsTensor *b_channel_sum (Case *c) { return ms_channel_sum (G_, input (c, "x")); }
static MsTensor *b_channel_expand (Case *c) { MsTensor *s = input (c, "c"); return ms_channel_expand (G_, s, input (c, "like")); }
static MsTensor *b_add_channel (Case *c) { MsTensor *x = input (c, "x"); return ms_add_channel (G_, x, input (c, "b")); }
static MsTensor *b_mul_channel (Case *c) { MsTensor *x = input (c, "x"); return ms_mul_channel (G_, x, input (c, "b")); }
static MsTensor *b_mul_row (Case *c) { MsTensor *x = input (c, "x"); return ms_mul_row (G_, x, input (c, "r")); }
static MsTensor *b_concat0 (Case *c) { MsTensor *a = input (c, "a"); return ms_concat (G_, a, input (c, "b"), 0); }
static MsTensor *b_concat1 (Case *c) { MsTensor *a = input (c, "a"); return ms_concat (G_, a, input (c, "b"), 1); }
static MsTensor *b_slice (Case *c) { return ms_slice (G_, input (c, "x"), arg (c, 0), arg (c, 1), arg (c, 2)); }
static MsTensor *b_slice_embed (Case *c) { MsTensor *x = input (c, "x"); return ms_slice_embed (G_, x, input (c, "like"), arg (c, 0), arg (c, 1)); }
static MsTensor *b_matmul_NN (Case *c) { MsTensor *a = input (c, "a"); return ms_matmul (G_, a, input (c, "b"), FALSE, FALSE); }
static MsTensor *b_matmul_NT (Case *c) { MsTensor *a = input (c, "a"); return ms_matmul (G_, a, input (c, "b"), FALSE, TRUE); }
static MsTensor *b_matmul_TN (Case *c) { MsTensor *a = input (c, "a"); return ms_matmul (G_, a, input (c, "b"), TRUE, FALSE); }
static MsTensor *b_matmul_TT (Case *c) { MsTensor *a = input (c, "a"); return ms_matmul (G_, a, input (c, "b"), TRUE, TRUE); }
static MsTensor *b_max_pool2d (Case *c) { return ms_max_pool2d (G_, input (c, "x"), arg (c, 0), arg (c, 1)); }
static MsTensor *b_mse (Case *c) { MsTensor *a = input (c, "a"); return ms_mse (G_, a, input (c, "b")); }
static MsTensor *b_log_softmax (Case *c) { return ms_log_softmax (G_, input (c, "x")); }
static MsTensor *b_bce (Case *c) { MsTensor *x = input (c, "x"); return ms_bce_with_logits (G_, x, input (c, "t")); }
static MsTensor *b_bce_const (Case *c) { return ms_bce_with_logits_const (G_, input (c, "x"), scalar (c, "target")); }

static MsTensor *
b_reshape (Case *c)
{
  const MsFixtureTensor *s = need_tensor (c->rec, "shape");
  int shape[MS_MAX_DIMS];

  for (gsize d = 0; d < s->numel; d++)
    shape[d] = (int) lrintf (s->data[d]);
  return ms_reshape (G_, input (c, "x"), (int) s->numel, shape);
}

static MsTensor *
b_linear (Case *c)
{
  MsTensor *x = input (c, "x");
  MsTensor *w = input (c, "w");

  return ms_linear (G_, x, w, input_opt (c, "b"));
}

static MsTensor *
b_conv2d (Case *c)
{
  MsTensor *x = input (c, "x");
  MsTensor *w = input (c, "w");

  return ms_conv2d (G_, x, w, input_opt (c, "b"), arg (c, 0), arg (c, 1));
}

static MsTensor *
b_conv_transpose2d (Case *c)
{
  MsTensor *x = input (c, "x");
  MsTensor *w = input (c, "w");

  return ms_conv_transpose2d (G_, x, w, input_opt (c, "b"), arg (c, 0), arg (c, 1), arg (c, 2));
}

static MsTensor *
b_conv2d_weight_grad (Case *c)
{
  MsTensor *x = input (c, "x");
  MsTensor *gy = input (c, "gy");

  return ms_conv2d_weight_grad (G_, x, gy, arg (c, 0), arg (c, 1), arg (c, 2), arg (c, 3));
}

static MsTensor *
b_batch_norm_train (Case *c)
{
  MsTensor *x = input (c, "x");
  MsTensor *gamma = input_opt (c, "gamma");
  MsTensor *beta = input_opt (c, "beta");
  float *rm = arena_copy (c, need_tensor (c->rec, "running_mean"));
  float *rv = arena_copy (c, need_tensor (c->rec, "running_var"));

  extra (c, "running_mean_out", rm);
  extra (c, "running_var_out", rv);
  return ms_batch_norm_train (G_, x, gamma, beta, 1e-5f, 0.1f, rm, rv);
}

static MsTensor *
b_batch_norm_eval (Case *c)
{
  MsTensor *x = input (c, "x");
  MsTensor *gamma = input_opt (c, "gamma");
  MsTensor *beta = input_opt (c, "beta");

  return ms_batch_norm_eval (G_, x, gamma, beta, need_tensor (c->rec, "running_mean")->data,
                             need_tensor (c->rec, "running_var")->data, 1e-5f);
}

static MsTensor *
b_softmax_cross_entropy (Case *c)
{
  const MsFixtureTensor *l = need_tensor (c->rec, "labels");
  guint8 *labels = ms_arena_alloc (ms_graph_arena (c->g), l->numel);

  for (gsize i = 0; i < l->numel; i++)
    labels[i] = (guint8) lrintf (l->data[i]);
  return ms_softmax_cross_entropy (G_, input (c, "x"), labels);
}
#undef G_

/* Tolerances: elementwise ops are within a few ulps; reductions and GEMM-like sums get more. */
#define TOL_ELEM  1e-6, 1e-5
#define TOL_SUM   1e-6, 1e-5
#define TOL_GEMM  1e-5, 1e-4
#define TOL_CONV  1e-5, 1e-4
#define TOL_NORM  1e-5, 1e-4

typedef struct
{
  const char *name;
  BuildFunc   build;
  double      atol, rtol;
} OpCase;

static const OpCase op_cases[] = {
  { "add", b_add, TOL_ELEM },
  { "sub", b_sub, TOL_ELEM },
  { "mul", b_mul, TOL_ELEM },
  { "div", b_div, TOL_ELEM },
  { "scale", b_scale, TOL_ELEM },
  { "add_scalar", b_add_scalar, TOL_ELEM },
  { "neg", b_neg, TOL_ELEM },
  { "relu", b_relu, TOL_ELEM },
  { "leaky_relu", b_leaky_relu, TOL_ELEM },
  { "tanh", b_tanh, TOL_ELEM },
  { "sigmoid", b_sigmoid, TOL_ELEM },
  { "softplus", b_softplus, TOL_ELEM },
  { "square", b_square, TOL_ELEM },
  { "sqrt", b_sqrt, TOL_ELEM },
  { "exp", b_exp, TOL_ELEM },
  { "log", b_log, TOL_ELEM },
  { "sum", b_sum, TOL_SUM },
  { "mean", b_mean, TOL_SUM },
  { "expand_scalar", b_expand_scalar, TOL_ELEM },
  { "row_sum", b_row_sum, TOL_SUM },
  { "row_sum_2d", b_row_sum, TOL_SUM },
  { "row_expand", b_row_expand, TOL_SUM },
  { "channel_sum", b_channel_sum, TOL_SUM },
  { "channel_sum_2d", b_channel_sum, TOL_SUM },
  { "channel_expand", b_channel_expand, TOL_SUM },
  { "add_channel", b_add_channel, TOL_SUM },
  { "add_channel_2d", b_add_channel, TOL_SUM },
  { "mul_channel", b_mul_channel, TOL_SUM },
  { "mul_channel_2d", b_mul_channel, TOL_SUM },
  { "mul_row", b_mul_row, TOL_SUM },
  { "mul_row_2d", b_mul_row, TOL_SUM },
  { "reshape", b_reshape, TOL_ELEM },
  { "concat_dim0", b_concat0, TOL_ELEM },
  { "concat_dim1", b_concat1, TOL_ELEM },
  { "concat_dim1_2d", b_concat1, TOL_ELEM },
  { "slice_dim0", b_slice, TOL_ELEM },
  { "slice_dim1", b_slice, TOL_ELEM },
  { "slice_dim1_4d", b_slice, TOL_ELEM },
  { "slice_embed_dim0", b_slice_embed, TOL_ELEM },
  { "slice_embed_dim1", b_slice_embed, TOL_ELEM },
  { "matmul_NN", b_matmul_NN, TOL_GEMM },
  { "matmul_NT", b_matmul_NT, TOL_GEMM },
  { "matmul_TN", b_matmul_TN, TOL_GEMM },
  { "matmul_TT", b_matmul_TT, TOL_GEMM },
  { "linear", b_linear, TOL_GEMM },
  { "linear_nobias", b_linear, TOL_GEMM },
  { "conv2d_s1p1", b_conv2d, TOL_CONV },
  { "conv2d_s2p1", b_conv2d, TOL_CONV },
  { "conv2d_s2p0_nobias", b_conv2d, TOL_CONV },
  { "conv2d_k4s2p1_rect", b_conv2d, TOL_CONV },
  { "conv2d_s1p0_1x1", b_conv2d, TOL_CONV },
  { "conv_transpose2d_k5s2p2op1", b_conv_transpose2d, TOL_CONV },
  { "conv_transpose2d_k4s2p1", b_conv_transpose2d, TOL_CONV },
  { "conv_transpose2d_k3s1p0_nobias_rect", b_conv_transpose2d, TOL_CONV },
  { "conv2d_weight_grad_s1p1", b_conv2d_weight_grad, TOL_CONV },
  { "conv2d_weight_grad_s2p1_rect", b_conv2d_weight_grad, TOL_CONV },
  { "max_pool2d_k2s2", b_max_pool2d, TOL_ELEM },
  { "max_pool2d_k3s2", b_max_pool2d, TOL_ELEM },
  { "batch_norm_train", b_batch_norm_train, TOL_NORM },
  { "batch_norm_train_2d", b_batch_norm_train, TOL_NORM },
  { "batch_norm_train_noaffine", b_batch_norm_train, TOL_NORM },
  { "batch_norm_eval", b_batch_norm_eval, TOL_NORM },
  { "bce_with_logits", b_bce, TOL_SUM },
  { "bce_with_logits_const1", b_bce_const, TOL_SUM },
  { "bce_with_logits_const0", b_bce_const, TOL_SUM },
  { "bce_with_logits_extreme", b_bce, TOL_SUM },
  { "mse", b_mse, TOL_SUM },
  { "log_softmax", b_log_softmax, TOL_SUM },
  { "softmax_cross_entropy", b_softmax_cross_entropy, TOL_SUM },
};

static void
case_init (Case                  *c,
           const MsFixtureRecord *rec)
{
  memset (c, 0, sizeof *c);
  c->rec = rec;
  c->g = ms_graph_new ();
}

static const MsFixtureRecord *
need_record (const MsFixture *fx,
             const char      *name)
{
  const MsFixtureRecord *rec = ms_fixture_find (fx, name);

  if (rec == NULL)
    g_error ("no fixture record %s; regenerate the fixtures", name);
  return rec;
}

/* Runs the test body in a subprocess; returns TRUE in the child, which then does the work. */
static gboolean
in_child (void)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    {
      /* Not g_test_trap_assert_passed(): that would abort the remaining tests too */
      g_test_message ("the test's subprocess failed or crashed; its messages are on stderr");
      g_test_fail ();
    }
  return FALSE;
}

static void
test_op (gconstpointer data)
{
  const OpCase *oc = data;
  Case c;
  MsTensor *y, *gy, *gxs[MAX_LEAVES];

  if (!in_child ())
    return;
  case_init (&c, need_record (ops_fx, oc->name));
  y = oc->build (&c);
  compare_tensor (oc->name, "y", y, need_tensor (c.rec, "y"), oc->atol, oc->rtol);
  for (int i = 0; i < c.n_extra; i++)
    {
      const MsFixtureTensor *e = need_tensor (c.rec, c.extra_names[i]);
      g_autofree char *what = g_strdup_printf ("%s: %s", oc->name, c.extra_names[i]);

      compare_floats (what, c.extra_data[i], e->data, e->numel, oc->atol, oc->rtol);
    }
  if (c.n_leaves == 0 || y == NULL)
    goto out;

  gy = ms_tensor_from_data (c.g, y->ndim, y->shape, need_tensor (c.rec, "R")->data);
  ms_graph_grad (c.g, y, gy, c.n_leaves, c.leaves, gxs, FALSE);
  for (int i = 0; i < c.n_leaves; i++)
    {
      g_autofree char *name = g_strconcat ("grad:", c.leaf_names[i], NULL);

      compare_tensor (oc->name, name, gxs[i], need_tensor (c.rec, name), oc->atol, oc->rtol);
    }
out:
  ms_graph_free (c.g);
}

static void
test_op_second_order (gconstpointer data)
{
  const OpCase *oc = data;
  Case c;
  MsTensor *y, *gy, *s = NULL, *gxs[MAX_LEAVES], *ggs[MAX_LEAVES + 1];

  if (!in_child ())
    return;
  case_init (&c, need_record (ops_fx, oc->name));
  y = oc->build (&c);
  g_assert_nonnull (y);
  g_assert_cmpint (c.n_leaves, >, 0);

  /* The cotangent is a leaf too: the gradients are linear in it, and d/dR checks that every
   * backward rule records itself as a differentiable function of its incoming gradient. */
  gy = ms_tensor_wrap (c.g, y->ndim, y->shape, arena_copy (&c, need_tensor (c.rec, "R")), NULL,
                       TRUE);
  ms_graph_grad (c.g, y, gy, c.n_leaves, c.leaves, gxs, TRUE);
  for (int i = 0; i < c.n_leaves; i++)
    {
      g_autofree char *gname = g_strconcat ("grad:", c.leaf_names[i], NULL);
      g_autofree char *rname = g_strconcat ("R2:", c.leaf_names[i], NULL);
      MsTensor *r2, *term;

      compare_tensor (oc->name, gname, gxs[i], need_tensor (c.rec, gname), oc->atol, oc->rtol);
      /* Every gradient depends on gy at least; a constant one contributes nothing, and gg:R
       * then shows what is missing. */
      if (!gxs[i]->requires_grad)
        continue;
      r2 = ms_tensor_from_data (c.g, gxs[i]->ndim, gxs[i]->shape,
                                need_tensor (c.rec, rname)->data);
      term = ms_sum (c.g, ms_mul (c.g, gxs[i], r2));
      s = s ? ms_add (c.g, s, term) : term;
    }

  c.leaves[c.n_leaves] = gy;
  c.leaf_names[c.n_leaves] = "R";
  if (s != NULL)
    ms_graph_grad (c.g, s, NULL, c.n_leaves + 1, c.leaves, ggs, FALSE);
  else
    for (int i = 0; i <= c.n_leaves; i++)
      ggs[i] = ms_tensor_zeros (c.g, c.leaves[i]->ndim, c.leaves[i]->shape);
  for (int i = 0; i <= c.n_leaves; i++)
    {
      g_autofree char *name = g_strconcat ("gg:", c.leaf_names[i], NULL);

      compare_tensor (oc->name, name, ggs[i], need_tensor (c.rec, name), oc->atol, oc->rtol);
    }
  ms_graph_free (c.g);
}

static void
test_softmax_rows (void)
{
  const MsFixtureRecord *rec = need_record (ops_fx, "softmax_rows");
  const MsFixtureTensor *x = need_tensor (rec, "x");
  const MsFixtureTensor *y = need_tensor (rec, "y");
  g_autofree float *out = g_new (float, x->numel);

  if (!in_child ())
    return;
  ms_softmax_rows (x->data, x->shape[0], x->shape[1], out);
  compare_floats ("softmax_rows: y", out, y->data, y->numel, 1e-6, 1e-4);
}

/* Every op record has a builder, and every builder a record. */
static void
test_ops_coverage (void)
{
  for (guint i = 0; i < ms_fixture_n_records (ops_fx); i++)
    {
      const char *name = ms_fixture_record (ops_fx, i)->name;
      gboolean found = g_str_equal (name, "header") || g_str_equal (name, "softmax_rows");

      for (gsize k = 0; k < G_N_ELEMENTS (op_cases) && !found; k++)
        found = g_str_equal (op_cases[k].name, name);
      if (!found)
        fail ("fixture record %s has no test in test-fixtures.c", name);
    }
  for (gsize k = 0; k < G_N_ELEMENTS (op_cases); k++)
    if (ms_fixture_find (ops_fx, op_cases[k].name) == NULL)
      fail ("test %s has no fixture record; regenerate the fixtures", op_cases[k].name);
}

/* Optimizers ------------------------------------------------------------------------------- */

/* Records "KIND/NAME" hold p0 (P), grads (5, P), params (5, P) after each step, lr (5) per step
 * and the hyperparameters as one-element tensors.  A change of lr between steps goes through
 * ms_optimizer_set_config(), like assigning param_groups[0]['lr'] in torch. */
static void
test_optim (gconstpointer data)
{
  const char *name = data;
  const MsFixtureRecord *rec;
  const MsFixtureTensor *p0, *grads, *params, *lr;
  g_autofree char *kind_name = NULL;
  g_autoptr(GError) error = NULL;
  MsOptimConfig cfg;
  MsOptimizer opt;
  MsOptimKind kind;
  MsParams *p;
  int n_steps, np;

  if (!in_child ())
    return;
  rec = need_record (optim_fx, name);
  p0 = need_tensor (rec, "p0");
  grads = need_tensor (rec, "grads");
  params = need_tensor (rec, "params");
  lr = need_tensor (rec, "lr");
  n_steps = params->shape[0];
  np = (int) p0->numel;

  kind_name = g_strndup (name, strchr (name, '/') - name);
  g_assert_true (ms_optim_kind_from_string (kind_name, &kind, &error));
  g_assert_no_error (error);
  cfg = ms_optim_config_default (kind);
  cfg.lr = lr->data[0];
  cfg.momentum = ms_fixture_record_scalar (rec, "momentum", 0);
  cfg.dampening = ms_fixture_record_scalar (rec, "dampening", 0);
  cfg.alpha = ms_fixture_record_scalar (rec, "alpha", 0.99);
  cfg.eps = ms_fixture_record_scalar (rec, "eps", 1e-8);
  cfg.beta1 = ms_fixture_record_scalar (rec, "beta1", 0.9);
  cfg.beta2 = ms_fixture_record_scalar (rec, "beta2", 0.999);
  cfg.weight_decay = ms_fixture_record_scalar (rec, "weight_decay", 0);

  p = ms_params_new ("fixture");
  ms_params_add (p, "p", 1, (int[]) { np });
  ms_params_finalize (p);
  memcpy (ms_params_data (p, 0), p0->data, np * sizeof (float));
  g_assert_true (ms_optimizer_init (&opt, &cfg, &error));
  g_assert_no_error (error);

  for (int k = 0; k < n_steps; k++)
    {
      g_autofree char *what = g_strdup_printf ("%s: params after step %d", name, k + 1);

      if (lr->data[k] != (float) cfg.lr)
        {
          cfg.lr = lr->data[k];
          g_assert_true (ms_optimizer_set_config (&opt, p, &cfg, &error));
          g_assert_no_error (error);
        }
      memcpy (ms_params_grad (p, 0), grads->data + (gsize) k * np, np * sizeof (float));
      ms_optimizer_step (&opt, p);
      if (!compare_floats (what, ms_params_data (p, 0), params->data + (gsize) k * np, np,
                           1e-6, 1e-5))
        break;
    }
  ms_params_free (p);
}

/* GAN compositions ----------------------------------------------------------------------- */

typedef struct
{
  MsTensor *w1, *b1, *w2, *b2, *w3, *b3;
} Critic;

static MsTensor *
critic_forward (MsGraph  *g,
                Critic   *d,
                MsTensor *x)
{
  int n = x->shape[0];
  MsTensor *h;

  h = ms_leaky_relu (g, ms_conv2d (g, x, d->w1, d->b1, 2, 1), 0.2f);
  h = ms_leaky_relu (g, ms_conv2d (g, h, d->w2, d->b2, 2, 1), 0.2f);
  h = ms_reshape (g, h, 2, (int[]) { n, -1 });
  return ms_linear (g, h, d->w3, d->b3);
}

/* A parameter leaf: requires a gradient, and ms_graph_backward() adds into @grad_dst */
static MsTensor *
weight (Case       *c,
        const char *name,
        float      *grad_dst)
{
  const MsFixtureTensor *t = need_tensor (c->rec, name);

  return ms_tensor_wrap (c->g, t->ndim, t->shape, arena_copy (c, t), grad_dst, TRUE);
}

static MsTensor *
constant (Case       *c,
          const char *name)
{
  const MsFixtureTensor *t = need_tensor (c->rec, name);

  return ms_tensor_from_data (c->g, t->ndim, t->shape, t->data);
}

#define TOL_GAN 1e-5, 1e-4

static void
test_wgan_gp (void)
{
  static const char *names[6] = { "w1", "b1", "w2", "b2", "w3", "b3" };
  const char *R = "wgan_gp";
  Case c;
  Critic d;
  MsTensor *ws[6], *gws[6], *real, *fake, *eps, *xhat_c, *xhat, *dx, *ones, *gx, *norm;
  MsTensor *penalty, *loss;
  float *grad_dst[6];

  if (!in_child ())
    return;
  case_init (&c, need_record (gan_fx, R));
  for (int i = 0; i < 6; i++)
    {
      grad_dst[i] = g_new0 (float, need_tensor (c.rec, names[i])->numel);
      ws[i] = weight (&c, names[i], grad_dst[i]);
    }
  d = (Critic) { ws[0], ws[1], ws[2], ws[3], ws[4], ws[5] };
  real = constant (&c, "real");
  fake = constant (&c, "fake");
  eps = constant (&c, "eps");

  /* xhat = eps * real + (1 - eps) * fake, a leaf of its own as in torch */
  xhat_c = ms_add (c.g, ms_mul_row (c.g, real, eps),
                   ms_mul_row (c.g, fake, ms_add_scalar (c.g, ms_neg (c.g, eps), 1.0f)));
  compare_tensor (R, "xhat", xhat_c, need_tensor (c.rec, "xhat"), TOL_ELEM);
  xhat = ms_tensor_wrap (c.g, xhat_c->ndim, xhat_c->shape, xhat_c->data, NULL, TRUE);

  dx = critic_forward (c.g, &d, xhat);
  compare_tensor (R, "d_xhat", dx, need_tensor (c.rec, "d_xhat"), TOL_GAN);
  ones = ms_tensor_fill (c.g, dx->ndim, dx->shape, 1.0f);
  ms_graph_grad (c.g, dx, ones, 1, &xhat, &gx, TRUE);
  compare_tensor (R, "grad_xhat", gx, need_tensor (c.rec, "grad_xhat"), TOL_GAN);

  /* penalty = 10 * mean((||grad||_2 - 1)^2) */
  norm = ms_sqrt (c.g, ms_row_sum (c.g, ms_square (c.g, gx)));
  compare_tensor (R, "grad_norm", norm, need_tensor (c.rec, "grad_norm"), TOL_GAN);
  penalty = ms_scale (c.g, ms_mean (c.g, ms_square (c.g, ms_add_scalar (c.g, norm, -1.0f))),
                      10.0f);
  compare_tensor (R, "penalty", penalty, need_tensor (c.rec, "penalty"), TOL_GAN);
  ms_graph_grad (c.g, penalty, NULL, 6, ws, gws, FALSE);
  for (int i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strconcat ("penalty_grad:", names[i], NULL);

      compare_tensor (R, name, gws[i], need_tensor (c.rec, name), TOL_GAN);
    }

  /* The critic's full loss, through ms_graph_backward() into the parameter gradients */
  loss = ms_add (c.g, ms_sub (c.g, ms_mean (c.g, critic_forward (c.g, &d, fake)),
                              ms_mean (c.g, critic_forward (c.g, &d, real))),
                 penalty);
  compare_tensor (R, "loss", loss, need_tensor (c.rec, "loss"), TOL_GAN);
  ms_graph_backward (c.g, loss);
  for (int i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strconcat ("loss_grad:", names[i], NULL);
      const MsFixtureTensor *e = need_tensor (c.rec, name);
      g_autofree char *what = g_strdup_printf ("%s: %s (ms_graph_backward)", R, name);

      compare_floats (what, grad_dst[i], e->data, e->numel, TOL_GAN);
      g_free (grad_dst[i]);
    }
  ms_graph_free (c.g);
}

typedef struct
{
  MsTensor *w1, *b1, *w2, *b2;
} SmallD;

static MsTensor *
small_d (MsGraph  *g,
         SmallD   *d,
         MsTensor *x)
{
  return ms_linear (g, ms_tanh (g, ms_linear (g, x, d->w1, d->b1)), d->w2, d->b2);
}

static void
test_unrolled_gan (void)
{
  static const char *dnames[4] = { "wd1", "bd1", "wd2", "bd2" };
  const char *R = "unrolled_gan";
  Case c;
  MsTensor *wd[4], *gd[4], *wd1[4], *gg[2], *gg0[2], *gen[2], *z, *real, *xf, *ld, *lg, *lg0;
  SmallD d, d1;
  float eta;

  if (!in_child ())
    return;
  case_init (&c, need_record (gan_fx, R));
  gen[0] = weight (&c, "wg", NULL);
  gen[1] = weight (&c, "bg", NULL);
  for (int i = 0; i < 4; i++)
    wd[i] = weight (&c, dnames[i], NULL);
  z = constant (&c, "z");
  real = constant (&c, "real");
  eta = scalar (&c, "eta");
  d = (SmallD) { wd[0], wd[1], wd[2], wd[3] };

  xf = ms_linear (c.g, z, gen[0], gen[1]);
  ld = ms_add (c.g, ms_bce_with_logits_const (c.g, small_d (c.g, &d, real), 1.0f),
               ms_bce_with_logits_const (c.g, small_d (c.g, &d, xf), 0.0f));
  compare_tensor (R, "loss_d", ld, need_tensor (c.rec, "loss_d"), TOL_GAN);

  /* One SGD step of the discriminator that stays a function of the generator */
  ms_graph_grad (c.g, ld, NULL, 4, wd, gd, TRUE);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strconcat ("unrolled:", dnames[i], NULL);

      wd1[i] = ms_sub (c.g, wd[i], ms_scale (c.g, gd[i], eta));
      compare_tensor (R, name, wd1[i], need_tensor (c.rec, name), TOL_GAN);
    }
  d1 = (SmallD) { wd1[0], wd1[1], wd1[2], wd1[3] };
  lg = ms_bce_with_logits_const (c.g, small_d (c.g, &d1, xf), 1.0f);
  compare_tensor (R, "loss_g", lg, need_tensor (c.rec, "loss_g"), TOL_GAN);
  ms_graph_grad (c.g, lg, NULL, 2, gen, gg, FALSE);
  compare_tensor (R, "grad:wg", gg[0], need_tensor (c.rec, "grad:wg"), TOL_GAN);
  compare_tensor (R, "grad:bg", gg[1], need_tensor (c.rec, "grad:bg"), TOL_GAN);

  /* Without unrolling, for contrast: the second-order term is what differs */
  lg0 = ms_bce_with_logits_const (c.g, small_d (c.g, &d, xf), 1.0f);
  ms_graph_grad (c.g, lg0, NULL, 2, gen, gg0, FALSE);
  compare_tensor (R, "grad0:wg", gg0[0], need_tensor (c.rec, "grad0:wg"), TOL_GAN);
  compare_tensor (R, "grad0:bg", gg0[1], need_tensor (c.rec, "grad0:bg"), TOL_GAN);
  ms_graph_free (c.g);
}

static void
test_dcgan_generator (void)
{
  const char *R = "dcgan_generator";
  Case c;
  MsTensor *w_fc, *gamma, *beta, *w_ct, *b_ct, *z, *h, *y, *gy, *gxs[MAX_LEAVES];
  float rm[4] = { 0, 0, 0, 0 }, rv[4] = { 1, 1, 1, 1 };
  int n;

  if (!in_child ())
    return;
  case_init (&c, need_record (gan_fx, R));
  z = input (&c, "z");
  w_fc = input (&c, "w_fc");
  gamma = input (&c, "gamma");
  beta = input (&c, "beta");
  w_ct = input (&c, "w_ct");
  b_ct = input (&c, "b_ct");
  n = z->shape[0];

  h = ms_reshape (c.g, ms_linear (c.g, z, w_fc, NULL), 4, (int[]) { n, 4, 3, 3 });
  h = ms_batch_norm_train (c.g, h, gamma, beta, 1e-5f, 0.1f, rm, rv);
  h = ms_leaky_relu (c.g, h, 0.2f);
  y = ms_tanh (c.g, ms_conv_transpose2d (c.g, h, w_ct, b_ct, 2, 1, 0));
  compare_tensor (R, "y", y, need_tensor (c.rec, "y"), TOL_GAN);
  compare_floats ("dcgan_generator: running_mean_out", rm,
                  need_tensor (c.rec, "running_mean_out")->data, 4, TOL_GAN);
  compare_floats ("dcgan_generator: running_var_out", rv,
                  need_tensor (c.rec, "running_var_out")->data, 4, TOL_GAN);

  gy = constant (&c, "R");
  ms_graph_grad (c.g, y, gy, c.n_leaves, c.leaves, gxs, FALSE);
  for (int i = 0; i < c.n_leaves; i++)
    {
      g_autofree char *name = g_strconcat ("grad:", c.leaf_names[i], NULL);

      compare_tensor (R, name, gxs[i], need_tensor (c.rec, name), TOL_GAN);
    }
  ms_graph_free (c.g);
}

/* The reader ------------------------------------------------------------------------------ */

static void
test_reader_header (void)
{
  g_assert_cmpint (ms_fixture_format (ops_fx), ==, 1);
  g_assert_cmpfloat (ms_fixture_seed (ops_fx), >, 0);
  g_assert_nonnull (ms_fixture_torch_version (ops_fx));
  g_test_message ("fixtures from torch %s, seed %.0f", ms_fixture_torch_version (ops_fx),
                  ms_fixture_seed (ops_fx));
  g_assert_cmpstr (ms_fixture_record (ops_fx, 0)->name, ==, "header");
}

static void
expect_parse_error (const guint8 *bytes,
                    gsize         len,
                    int           code)
{
  g_autoptr(GError) error = NULL;
  MsFixture *fx = ms_fixture_parse (bytes, len, &error);

  g_assert_null (fx);
  g_assert_error (error, MS_FIXTURE_ERROR, code);
}

/* Truncation anywhere, bad magic, versions, ranks and huge sizes give a GError, never a crash. */
static void
test_reader_malformed (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "gan.msfx", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *bytes = NULL;
  g_autofree guint8 *copy = NULL;
  gsize len;
  guint32 huge = GUINT32_TO_LE (0x7fffffff);

  g_assert_true (g_file_get_contents (path, (char **) &bytes, &len, &error));
  g_assert_no_error (error);

  for (gsize cut = 0; cut < len; cut += (cut < 512 ? 1 : 97))
    {
      g_autoptr(GError) e = NULL;
      MsFixture *fx = ms_fixture_parse (bytes, cut, &e);

      g_assert_null (fx);
      g_assert_nonnull (e);
    }

  copy = g_memdup2 (bytes, len);
  copy[0] = 'X';
  expect_parse_error (copy, len, MS_FIXTURE_ERROR_MAGIC);
  memcpy (copy, "MSFX0002", 8);
  expect_parse_error (copy, len, MS_FIXTURE_ERROR_MAGIC);
  memcpy (copy, bytes, len);

  /* The record count */
  memcpy (copy + 8, &huge, 4);
  expect_parse_error (copy, len, MS_FIXTURE_ERROR_INVALID);
  memcpy (copy, bytes, len);

  /* The header record's first tensor: 8 magic + 4 count + 2 + 6 "header" + 4 n_tensors, then
   * its name "format" (2 + 6), then ndim and the first dimension */
  copy[32] = 9;
  expect_parse_error (copy, len, MS_FIXTURE_ERROR_INVALID);
  memcpy (copy, bytes, len);
  memcpy (copy + 36, &huge, 4);
  expect_parse_error (copy, len, MS_FIXTURE_ERROR_INVALID);
  memcpy (copy, bytes, len);

  /* Trailing bytes */
  {
    g_autofree guint8 *longer = g_malloc0 (len + 3);

    memcpy (longer, bytes, len);
    expect_parse_error (longer, len + 3, MS_FIXTURE_ERROR_INVALID);
  }

  /* Intact, it parses */
  {
    g_autoptr(MsFixture) fx = ms_fixture_parse (copy, len, &error);

    g_assert_no_error (error);
    g_assert_nonnull (fx);
  }

  /* A missing file */
  {
    g_autoptr(GError) e = NULL;

    g_assert_null (ms_fixture_load ("/nonexistent/ops.msfx", &e));
    g_assert_error (e, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
}

/* Registration ---------------------------------------------------------------------------- */

static MsFixture *
load (const char *file)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", file, NULL);
  g_autoptr(GError) error = NULL;
  MsFixture *fx = ms_fixture_load (path, &error);

  if (fx == NULL)
    g_error ("%s", error->message);
  return fx;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char **args = g_new0 (char *, argc + 2);
  int n_args = 0, ret;

  /* Keep going after a failure: one run should list every op that disagrees with PyTorch, not
   * only the first (GLib's default is to stop, even under --tap). */
  for (int i = 0; i < argc; i++)
    args[n_args++] = argv[i];
  args[n_args++] = (char *) "--keep-going";
  argv = args;
  argc = n_args;
  g_test_init (&argc, &argv, NULL);

  ops_fx = load ("ops.msfx");
  optim_fx = load ("optim.msfx");
  gan_fx = load ("gan.msfx");

  g_test_add_func ("/fixtures/reader/header", test_reader_header);
  g_test_add_func ("/fixtures/reader/malformed", test_reader_malformed);
  g_test_add_func ("/fixtures/ops/coverage", test_ops_coverage);
  for (gsize i = 0; i < G_N_ELEMENTS (op_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/fixtures/ops/%s", op_cases[i].name);
      const MsFixtureRecord *rec = ms_fixture_find (ops_fx, op_cases[i].name);

      g_test_add_data_func (path, &op_cases[i], test_op);
      if (rec != NULL && ms_fixture_record_get (rec, "R") != NULL)
        {
          gboolean has_gg = FALSE;

          for (guint k = 0; k < rec->n_tensors; k++)
            has_gg = has_gg || g_str_has_prefix (rec->tensors[k].name, "gg:");
          if (has_gg)
            {
              g_autofree char *path2 = g_strdup_printf ("/fixtures/ops-2nd/%s",
                                                        op_cases[i].name);

              g_test_add_data_func (path2, &op_cases[i], test_op_second_order);
            }
        }
    }
  g_test_add_func ("/fixtures/ops/softmax_rows", test_softmax_rows);
  for (guint i = 0; i < ms_fixture_n_records (optim_fx); i++)
    {
      const char *name = ms_fixture_record (optim_fx, i)->name;
      g_autofree char *path = NULL;

      if (g_str_equal (name, "header"))
        continue;
      path = g_strdup_printf ("/fixtures/optim/%s", name);
      g_test_add_data_func (path, name, test_optim);
    }
  g_test_add_func ("/fixtures/gan/wgan-gp", test_wgan_gp);
  g_test_add_func ("/fixtures/gan/unrolled", test_unrolled_gan);
  g_test_add_func ("/fixtures/gan/dcgan-generator", test_dcgan_generator);

  ret = g_test_run ();
  ms_fixture_free (ops_fx);
  ms_fixture_free (optim_fx);
  ms_fixture_free (gan_fx);
  return ret;
}
