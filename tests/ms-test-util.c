/* ms-test-util.c: helpers shared by the engine tests
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <glib/gstdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "ms-test-util.h"

void
ms_test_fill_uniform (float   *data,
                      gsize    n,
                      guint32  seed,
                      float    lo,
                      float    hi)
{
  guint64 state = seed * 6364136223846793005ULL + 1442695040888963407ULL;

  for (gsize i = 0; i < n; i++)
    {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      data[i] = lo + (hi - lo) * (float) ((state >> 40) & 0xffffff) / 16777216.0f;
    }
}

MsTensor *
ms_test_random (MsGraph   *g,
                int        ndim,
                const int *shape,
                guint32    seed,
                float      lo,
                float      hi)
{
  MsTensor *t = ms_tensor_new (g, ndim, shape);

  ms_test_fill_uniform (t->data, t->numel, seed, lo, hi);
  return t;
}

MsTensor *
ms_test_random_leaf (MsGraph   *g,
                     int        ndim,
                     const int *shape,
                     guint32    seed,
                     float      lo,
                     float      hi)
{
  MsTensor *t = ms_test_random (g, ndim, shape, seed, lo, hi);

  t->requires_grad = 1;
  return t;
}

double
ms_test_compare (const float *actual,
                 const float *expected,
                 gsize        n,
                 double       atol,
                 double       rtol,
                 gsize       *worst_index)
{
  double worst = 0.0;

  if (worst_index)
    *worst_index = 0;
  for (gsize i = 0; i < n; i++)
    {
      double err = fabs ((double) actual[i] - expected[i]) / (atol + rtol * fabs (expected[i]));

      if (!(err <= worst))  /* also catches NaN */
        {
          worst = isnan (err) ? INFINITY : err;
          if (worst_index)
            *worst_index = i;
        }
    }
  return worst;
}

gboolean
ms_test_gradcheck (MsTestScalarFunc  func,
                   gpointer          user_data,
                   int               n_leaves,
                   MsTensor        **leaves,
                   MsGraph          *g,
                   float             eps,
                   float             atol,
                   float             rtol,
                   int               max_checks)
{
  MsTensor **grads = g_newa (MsTensor *, n_leaves);
  MsTensor *y = func (g, leaves, user_data);
  gboolean ok = TRUE;

  ms_graph_grad (g, y, NULL, n_leaves, leaves, grads, FALSE);
  for (int l = 0; l < n_leaves; l++)
    {
      MsTensor *x = leaves[l];
      gsize stride = MAX (1, x->numel / (gsize) max_checks);

      for (gsize i = 0; i < x->numel; i += stride)
        {
          float saved = x->data[i];
          double plus, minus, numeric, analytic;

          x->data[i] = saved + eps;
          plus = func (g, leaves, user_data)->data[0];
          x->data[i] = saved - eps;
          minus = func (g, leaves, user_data)->data[0];
          x->data[i] = saved;
          numeric = (plus - minus) / (2.0 * eps);
          analytic = grads[l]->data[i];
          if (!(fabs (analytic - numeric) <= atol + rtol * fabs (numeric)))
            {
              g_test_message ("gradcheck: leaf %d index %" G_GSIZE_FORMAT
                              ": analytic %.6g, numeric %.6g", l, i, analytic, numeric);
              ok = FALSE;
              break;
            }
        }
    }
  if (!ok)
    g_test_fail ();
  return ok;
}

char *
ms_test_make_tmpdir (const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpl = g_strdup_printf ("%s-XXXXXX", prefix);
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

void
ms_test_rm_rf (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        ms_test_rm_rf (p);
      else
        g_remove (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

#if defined(__SANITIZE_ADDRESS__)
#define MS_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MS_TEST_UNDER_ASAN 1
#endif
#endif

gboolean
ms_test_have_glibc_malloc (void)
{
#if defined(__GLIBC__) && !defined(MS_TEST_UNDER_ASAN)
  return TRUE;
#else
  return FALSE;
#endif
}

gboolean
ms_test_malloc_is_mapped (gsize bytes)
{
#if defined(__GLIBC__) && !defined(MS_TEST_UNDER_ASAN)
  gsize mapped_before = mallinfo2 ().hblkhd;
  guint8 *p = malloc (bytes);
  gboolean mapped;

  g_assert_nonnull (p);
  mapped = mallinfo2 ().hblkhd >= mapped_before + bytes;
  free (p);
  return mapped;
#else
  return FALSE;
#endif
}
