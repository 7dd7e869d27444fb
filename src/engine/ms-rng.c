/* ms-rng.c: xoshiro256** seeded through splitmix64
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both generators follow the reference definitions by Blackman and Vigna
 * (https://prng.di.unimi.it/xoshiro256starstar.c and splitmix64.c), so that a seed gives the same
 * run on every platform; tests/engine/test-optim.c checks the first outputs for seed 42 against an
 * independent implementation.
 */

#include "ms-rng.h"

#include <math.h>

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
splitmix64_next (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
ms_rng_seed (MsRng   *rng,
             guint64  seed)
{
  guint64 x = seed;

  g_return_if_fail (rng != NULL);

  /* splitmix64 never yields four zero words in a row, so the state is always valid. */
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64_next (&x);
}

static inline guint64
next_u64 (MsRng *rng)
{
  guint64 *s = rng->s;
  const guint64 result = rotl (s[1] * 5, 7) * 9;
  const guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);

  return result;
}

guint64
ms_rng_next_u64 (MsRng *rng)
{
  return next_u64 (rng);
}

float
ms_rng_uniform (MsRng *rng)
{
  /* The top 24 bits: every value is exactly representable, so the result is < 1. */
  return (float) (ms_rng_next_u64 (rng) >> 40) * (1.0f / 16777216.0f);
}

guint32
ms_rng_below (MsRng   *rng,
              guint32  n)
{
  guint64 m;
  guint32 low;

  g_return_val_if_fail (n > 0, 0);

  /* Lemire's multiply-and-reject ("Fast random integer generation in an interval", 2019):
   * unbiased, and the division is only needed when a rejection is possible. */
  m = (ms_rng_next_u64 (rng) >> 32) * (guint64) n;
  low = (guint32) m;
  if (low < n)
    {
      guint32 threshold = (guint32) (-n) % n;

      while (low < threshold)
        {
          m = (ms_rng_next_u64 (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

/* Ziggurat tables (Marsaglia and Tsang, 2000: 128 layers), built once. */
#define ZIG_LAYERS 128
#define ZIG_R      3.442619855899
#define ZIG_V      9.91256303526217e-3

static double zig_x[ZIG_LAYERS + 1];   /* layer edges, x[0] = V / f(R) (the base strip) */
static double zig_f[ZIG_LAYERS + 1];   /* exp(-x^2 / 2) at the edges */

static void
zig_init_tables (void)
{
  double f = exp (-0.5 * ZIG_R * ZIG_R);

  zig_x[0] = ZIG_V / f;
  zig_x[1] = ZIG_R;
  zig_x[ZIG_LAYERS] = 0.0;
  for (int i = 2; i < ZIG_LAYERS; i++)
    zig_x[i] = sqrt (-2.0 * log (ZIG_V / zig_x[i - 1] + exp (-0.5 * zig_x[i - 1] * zig_x[i - 1])));
  for (int i = 0; i <= ZIG_LAYERS; i++)
    zig_f[i] = exp (-0.5 * zig_x[i] * zig_x[i]);
}

static void
zig_ensure_tables (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      zig_init_tables ();
      g_once_init_leave (&done, 1);
    }
}

/* The tail beyond R, by Marsaglia's method */
static double
zig_tail (MsRng *rng)
{
  double x, y;

  do
    {
      x = -log (1.0 - (double) ms_rng_uniform (rng)) / ZIG_R;
      y = -log (1.0 - (double) ms_rng_uniform (rng));
    }
  while (y + y < x * x);
  return ZIG_R + x;
}

/* A standard normal by the ziggurat method: one 64-bit draw and a compare in about 99% of
 * calls, against a log and a sine for Box-Muller.  Layer, sign and value come from disjoint
 * bits of the draw (Doornik's fix of the original's correlated bits).  The tables must be
 * built (zig_ensure_tables). */
static inline float
zig_normal (MsRng *rng)
{
  for (;;)
    {
      guint64 bits = next_u64 (rng);
      int layer = (int) (bits & (ZIG_LAYERS - 1));
      double sign = (bits & ZIG_LAYERS) ? -1.0 : 1.0;
      double u = (double) (bits >> 11) * (1.0 / 9007199254740992.0);   /* [0, 1), 53 bits */
      double x = u * zig_x[layer];

      if (G_LIKELY (x < zig_x[layer + 1]))
        return (float) (sign * x);
      if (layer == 0)
        return (float) (sign * zig_tail (rng));
      /* In the wedge: accept under the density */
      if (zig_f[layer + 1] + (double) ms_rng_uniform (rng) * (zig_f[layer] - zig_f[layer + 1])
          < exp (-0.5 * x * x))
        return (float) (sign * x);
    }
}

float
ms_rng_normal (MsRng *rng)
{
  zig_ensure_tables ();
  return zig_normal (rng);
}

void
ms_rng_fill_normal (MsRng *rng,
                    float *out,
                    gsize  n,
                    float  mean,
                    float  std)
{
  g_return_if_fail (rng != NULL);
  g_return_if_fail (out != NULL || n == 0);

  zig_ensure_tables ();
  {
    /* A local copy of the state keeps it in registers through the loop. */
    MsRng local = *rng;

    for (gsize i = 0; i < n; i++)
      out[i] = mean + std * zig_normal (&local);
    *rng = local;
  }
}

void
ms_rng_fill_uniform (MsRng *rng,
                     float *out,
                     gsize  n,
                     float  lo,
                     float  hi)
{
  g_return_if_fail (rng != NULL);
  g_return_if_fail (out != NULL || n == 0);

  for (gsize i = 0; i < n; i++)
    out[i] = lo + (hi - lo) * ms_rng_uniform (rng);
}

void
ms_rng_fork (MsRng *rng,
             MsRng *child)
{
  g_return_if_fail (rng != NULL);
  g_return_if_fail (child != NULL && child != rng);

  /* Seeding through splitmix64 decorrelates the child from the parent's next outputs. */
  ms_rng_seed (child, ms_rng_next_u64 (rng));
}
