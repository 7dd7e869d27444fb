/* ms-mixture.h: 2-D Gaussian mixtures, the toy targets on which mode collapse is easy to see
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   g_autoptr(MsMixture) mix = ms_mixture_new_by_name ("ring8", &error);
 *   float xy[256 * 2];
 *   ms_mixture_sample (mix, rng, 256, xy);
 *
 * Every component has the same isotropic standard deviation.  The named sets:
 *
 *   ring8   8 centres at angles 2*pi*k/8 on a circle of radius 2, std 0.02
 *   grid25  5 x 5 centres at {-4, -2, 0, 2, 4}^2, std 0.05
 *   wgan8   the WGAN-GP toy set: (±1, 0), (0, ±1), (±1/√2, ±1/√2), times 2, std 0.02,
 *           all divided by 1.414 (centres and std)
 *   wgan25  the WGAN-GP 25-Gaussian set: {-2..2}^2 times 2, std 0.05, all divided by 2.828
 *
 * Threading: a mixture is immutable after construction; sample from any thread with that
 * thread's own MsRng.  Errors use MS_DATA_ERROR from ms-idx.h.
 */
#pragma once

#include <glib.h>

#include "ms-idx.h"
#include "ms-rng.h"

G_BEGIN_DECLS

typedef struct _MsMixture MsMixture;

/* Plain data; build it with a constructor and free it with ms_mixture_free(). */
struct _MsMixture
{
  char   *name;      /* "ring8", …, or "custom" */
  guint   k;         /* number of components, >= 1 */
  float  *centres;   /* (k, 2) */
  float  *weights;   /* (k), positive, summing to 1 */
  float   std;       /* per coordinate, same for every component */
};

/* Returns (transfer none) the NULL-terminated list of names ms_mixture_new_by_name() knows. */
const char * const *ms_mixture_names          (void);

/* Returns (transfer full) the named mixture, or NULL with MS_DATA_ERROR_INVALID and a message
 * listing the valid names. */
MsMixture  *ms_mixture_new_by_name     (const char   *name,
                                        GError      **error);

/* A mixture with @k components.  @centres: (k, 2); @weights: (k) or NULL for equal weights,
 * normalised here and each > 0.  Returns (transfer full). */
MsMixture  *ms_mixture_new             (const char   *name,
                                        const float  *centres,
                                        const float  *weights,
                                        guint         k,
                                        float         std);

/* Equal-weight components centred on user-drawn points.  @xy: (n, 2), n >= 1.
 * Returns (transfer full), named "custom". */
MsMixture  *ms_mixture_new_from_points (const float  *xy,
                                        int           n,
                                        float         std);

MsMixture  *ms_mixture_copy            (const MsMixture *mix);
void        ms_mixture_free            (MsMixture    *mix);

/* Draws @n points into @out, shape (n, 2), using @rng only: per point one uniform to pick the
 * component (weighted), then two normals. */
void        ms_mixture_sample          (const MsMixture *mix,
                                        MsRng           *rng,
                                        int              n,
                                        float           *out);

/* Returns the index of the centre nearest to (@x, @y) and stores the distance to it in
 * @out_dist (nullable).  Used to assign generated points to modes. */
guint       ms_mixture_nearest         (const MsMixture *mix,
                                        float            x,
                                        float            y,
                                        float           *out_dist);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsMixture, ms_mixture_free)

G_END_DECLS
