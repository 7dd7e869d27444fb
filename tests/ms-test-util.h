/* ms-test-util.h: helpers shared by the engine tests
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include "ms-tensor.h"

G_BEGIN_DECLS

/* Deterministic uniform values in [lo, hi) from a tiny LCG seeded by @seed (independent of
 * MsRng, so a bug there cannot hide one here). */
void      ms_test_fill_uniform (float *data, gsize n, guint32 seed, float lo, float hi);
MsTensor *ms_test_random       (MsGraph *g, int ndim, const int *shape, guint32 seed,
                                float lo, float hi);
/* A leaf that requires a gradient, with random contents; its data lives in the graph. */
MsTensor *ms_test_random_leaf  (MsGraph *g, int ndim, const int *shape, guint32 seed,
                                float lo, float hi);

/* Builds a scalar from the leaves; called again for every perturbed value. */
typedef MsTensor *(*MsTestScalarFunc) (MsGraph *g, MsTensor **leaves, gpointer user_data);

/* Checks d f / d leaves[i] from ms_graph_grad() against central differences with step @eps
 * on up to @max_checks elements per leaf.  Fails the test (g_test_fail) and prints the first
 * offending index when |analytic - numeric| > atol + rtol * |numeric|.  Returns TRUE when all
 * agree. */
gboolean  ms_test_gradcheck    (MsTestScalarFunc func, gpointer user_data,
                                int n_leaves, MsTensor **leaves, MsGraph *g,
                                float eps, float atol, float rtol, int max_checks);

/* Max |a - b| / (atol + rtol |b|); <= 1 means within tolerance */
double    ms_test_compare      (const float *actual, const float *expected, gsize n,
                                double atol, double rtol, gsize *worst_index);

/* TRUE when glibc's own allocator runs (not AddressSanitizer's), so that mallopt() and
 * mallinfo2() mean something */
gboolean  ms_test_have_glibc_malloc (void);
/* Allocates @bytes and frees them again; TRUE if glibc gave them a mapping of their own
 * rather than heap memory.  Only meaningful when ms_test_have_glibc_malloc(). */
gboolean  ms_test_malloc_is_mapped  (gsize bytes);

/* A fresh temporary folder (fails the test if it cannot be made); free with g_free() */
char     *ms_test_make_tmpdir  (const char *prefix);
/* Removes @dir and everything below it */
void      ms_test_rm_rf        (const char *dir);

G_END_DECLS
