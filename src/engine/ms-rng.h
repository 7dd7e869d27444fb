/* ms-rng.h: the seeded random number generator of a run
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * xoshiro256** seeded through splitmix64: fast, small state (saved in checkpoints), and the
 * same sequence on every platform, so a seed names a run.  Normals come from a ziggurat
 * (Marsaglia and Tsang), so the whole state is the four words.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsRng MsRng;

struct _MsRng
{
  guint64 s[4];
};

void    ms_rng_seed      (MsRng *rng, guint64 seed);
guint64 ms_rng_next_u64  (MsRng *rng);
/* Uniform in [0, 1) with 24 random bits */
float   ms_rng_uniform   (MsRng *rng);
/* Uniform integer in [0, n), unbiased; n > 0 */
guint32 ms_rng_below     (MsRng *rng, guint32 n);
/* Standard normal */
float   ms_rng_normal    (MsRng *rng);
void    ms_rng_fill_normal  (MsRng *rng, float *out, gsize n, float mean, float std);
void    ms_rng_fill_uniform (MsRng *rng, float *out, gsize n, float lo, float hi);
/* A generator for a sub-stream (e.g. the fixed evaluation noise) that does not disturb @rng's
 * own sequence beyond one draw. */
void    ms_rng_fork      (MsRng *rng, MsRng *child);

G_END_DECLS
