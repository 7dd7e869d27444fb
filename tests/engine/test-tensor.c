/* test-tensor.c: the arena, the tape and the autograd driver
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>
#include "ms-ops.h"
#include "ms-params.h"
#include "ms-test-util.h"

static void
test_arena_reuse (void)
{
  MsArena *arena = ms_arena_new (1 << 20);
  gsize capacity;

  /* A step that overflows the first chunk... */
  for (int i = 0; i < 10; i++)
    g_assert_nonnull (ms_arena_alloc (arena, 300 << 10));
  g_assert_cmpuint (ms_arena_high_water (arena), >=, 3000 << 10);
  ms_arena_reset (arena);
  capacity = ms_arena_capacity (arena);
  g_assert_cmpuint (capacity, >=, 3000 << 10);
  /* ...is merged, so the same step now fits without growing again. */
  for (int round = 0; round < 3; round++)
    {
      for (int i = 0; i < 10; i++)
        {
          guint8 *p = ms_arena_alloc (arena, 300 << 10);

          g_assert_cmpuint (GPOINTER_TO_SIZE (p) % 64, ==, 0);
          p[0] = 1;
        }
      g_assert_cmpuint (ms_arena_capacity (arena), ==, capacity);
      ms_arena_reset (arena);
    }
  ms_arena_free (arena);
}

/* Freeing a step arena leaves the allocator as it was: its chunks are mappings of their own,
 * so glibc does not raise its mmap threshold to their size, and a 2 MiB buffer allocated
 * afterwards is still mapped rather than carved from the heap. */
static void
test_arena_own_mapping (void)
{
  MsArena *arena;

  if (!ms_test_have_glibc_malloc ())
    {
      g_test_skip ("needs glibc's own allocator (not under AddressSanitizer)");
      return;
    }
  arena = ms_arena_new (16 << 20);
  memset (ms_arena_alloc (arena, 15 << 20), 1, 15 << 20);
  ms_arena_free (arena);
  g_assert_true (ms_test_malloc_is_mapped (2 << 20));
}

static void
test_recording (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *x = ms_test_random_leaf (g, 1, (int[]) { 4 }, 1, -1, 1);
  MsTensor *c = ms_test_random (g, 1, (int[]) { 4 }, 2, -1, 1);
  MsTensor *y;
  gboolean old;

  /* Ops on constants are not recorded. */
  y = ms_mul (g, c, c);
  g_assert_false (y->requires_grad);
  g_assert_cmpuint (ms_graph_tape_length (g), ==, 0);
  y = ms_mul (g, x, c);
  g_assert_true (y->requires_grad);
  g_assert_cmpuint (ms_graph_tape_length (g), ==, 1);
  old = ms_graph_set_recording (g, FALSE);
  g_assert_true (old);
  y = ms_mul (g, x, c);
  g_assert_false (y->requires_grad);
  g_assert_cmpuint (ms_graph_tape_length (g), ==, 1);
  ms_graph_set_recording (g, TRUE);
  ms_graph_reset (g);
  g_assert_cmpuint (ms_graph_tape_length (g), ==, 0);
  ms_graph_free (g);
}

static void
test_grad_unused_and_shared (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *x = ms_test_random_leaf (g, 1, (int[]) { 3 }, 3, 0.5, 2);
  MsTensor *u = ms_test_random_leaf (g, 1, (int[]) { 3 }, 4, -1, 1);
  MsTensor *xs[2] = { x, u }, *gs[2];
  /* y = sum(x * x + x): x used three times, u not at all */
  MsTensor *y = ms_sum (g, ms_add (g, ms_mul (g, x, x), x));

  ms_graph_grad (g, y, NULL, 2, xs, gs, FALSE);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat_with_epsilon (gs[0]->data[i], 2 * x->data[i] + 1, 1e-6);
      g_assert_cmpfloat (gs[1]->data[i], ==, 0.0f);
    }
  /* A second call gives the same answer: the scratch state is cleared. */
  ms_graph_grad (g, y, NULL, 2, xs, gs, FALSE);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (gs[0]->data[i], 2 * x->data[i] + 1, 1e-6);
  ms_graph_free (g);
}

static void
test_create_graph (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *x = ms_test_random_leaf (g, 1, (int[]) { 5 }, 5, 0.5, 2);
  MsTensor *y = ms_sum (g, ms_mul (g, ms_square (g, x), x));    /* sum x^3 */
  MsTensor *gx, *ggx, *s;
  guint before;

  /* Without create_graph the gradient is a constant. */
  before = ms_graph_tape_length (g);
  ms_graph_grad (g, y, NULL, 1, &x, &gx, FALSE);
  g_assert_false (gx->requires_grad);
  g_assert_cmpuint (ms_graph_tape_length (g), ==, before);

  /* With it, d/dx sum(3 x^2) = 6 x. */
  ms_graph_grad (g, y, NULL, 1, &x, &gx, TRUE);
  g_assert_true (gx->requires_grad);
  s = ms_sum (g, gx);
  ms_graph_grad (g, s, NULL, 1, &x, &ggx, FALSE);
  for (int i = 0; i < 5; i++)
    {
      g_assert_cmpfloat_with_epsilon (gx->data[i], 3 * x->data[i] * x->data[i], 1e-5);
      g_assert_cmpfloat_with_epsilon (ggx->data[i], 6 * x->data[i], 1e-5);
    }
  ms_graph_free (g);
}

static void
test_backward_into_params (void)
{
  MsGraph *g = ms_graph_new ();
  MsParams *p = ms_params_new ("net");
  int w = ms_params_add (p, "w", 2, (int[]) { 2, 3 });
  MsTensor *tw, *x, *loss;

  ms_params_finalize (p);
  ms_test_fill_uniform (ms_params_data (p, w), 6, 6, -1, 1);
  x = ms_test_random (g, 2, (int[]) { 4, 3 }, 7, -1, 1);
  tw = ms_params_tensor (g, p, w);
  loss = ms_sum (g, ms_matmul (g, x, tw, FALSE, TRUE));
  ms_graph_backward (g, loss);
  /* d sum(x w^T) / d w[o][i] = sum_n x[n][i] */
  for (int o = 0; o < 2; o++)
    for (int i = 0; i < 3; i++)
      {
        double expect = 0;

        for (int n = 0; n < 4; n++)
          expect += x->data[n * 3 + i];
        g_assert_cmpfloat_with_epsilon (ms_params_grad (p, w)[o * 3 + i], expect, 1e-5);
      }
  /* backward adds: twice gives twice the gradient */
  ms_graph_backward (g, loss);
  g_assert_cmpfloat_with_epsilon (ms_params_grad (p, w)[0], 2 * (x->data[0] + x->data[3]
                                  + x->data[6] + x->data[9]), 1e-5);
  ms_params_zero_grad (p);
  g_assert_cmpfloat (ms_params_grad (p, w)[0], ==, 0.0f);
  ms_params_free (p);
  ms_graph_free (g);
}

static void
test_flop_counter (void)
{
  MsGraph *g = ms_graph_new ();
  MsTensor *a = ms_test_random (g, 2, (int[]) { 3, 4 }, 8, -1, 1);
  MsTensor *b = ms_test_random (g, 2, (int[]) { 4, 5 }, 9, -1, 1);

  ms_flops_reset ();
  ms_matmul (g, a, b, FALSE, FALSE);
  g_assert_cmpfloat (ms_flops_get (), ==, 2.0 * 3 * 4 * 5);
  ms_graph_free (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tensor/arena-reuse", test_arena_reuse);
  g_test_add_func ("/tensor/arena-own-mapping", test_arena_own_mapping);
  g_test_add_func ("/tensor/recording", test_recording);
  g_test_add_func ("/tensor/grad-unused-shared", test_grad_unused_and_shared);
  g_test_add_func ("/tensor/create-graph", test_create_graph);
  g_test_add_func ("/tensor/backward-into-params", test_backward_into_params);
  g_test_add_func ("/tensor/flop-counter", test_flop_counter);
  return g_test_run ();
}
