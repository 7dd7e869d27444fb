/* ms-mixture.c: 2-D Gaussian mixtures
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The WGAN-GP sets reproduce the reference script's constants (1.414 and 2.828, not √2 and
 * 2√2) so that numbers in papers compare; ring8 uses exact angles 2*pi*k/8, k = 0..7, with no
 * repeated endpoint.
 */
#include "config.h"

#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "ms-mixture.h"

static const char * const mixture_names[] = { "ring8", "grid25", "wgan8", "wgan25", NULL };

const char * const *
ms_mixture_names (void)
{
  return mixture_names;
}

MsMixture *
ms_mixture_new (const char  *name,
                const float *centres,
                const float *weights,
                guint        k,
                float        std)
{
  MsMixture *mix;
  double total = 0.0;

  g_return_val_if_fail (centres != NULL, NULL);
  g_return_val_if_fail (k >= 1, NULL);
  g_return_val_if_fail (std >= 0.0f, NULL);

  for (guint i = 0; i < k; i++)
    {
      double w = weights != NULL ? weights[i] : 1.0;

      g_return_val_if_fail (w > 0.0 && isfinite (w), NULL);
      total += w;
    }

  mix = g_new0 (MsMixture, 1);
  mix->name = g_strdup (name != NULL ? name : "custom");
  mix->k = k;
  mix->std = std;
  mix->centres = g_memdup2 (centres, (gsize) k * 2 * sizeof (float));
  mix->weights = g_new (float, k);
  for (guint i = 0; i < k; i++)
    mix->weights[i] = (float) ((weights != NULL ? weights[i] : 1.0) / total);
  return mix;
}

MsMixture *
ms_mixture_new_from_points (const float *xy,
                            int          n,
                            float        std)
{
  g_return_val_if_fail (xy != NULL, NULL);
  g_return_val_if_fail (n >= 1, NULL);

  return ms_mixture_new ("custom", xy, NULL, (guint) n, std);
}

MsMixture *
ms_mixture_new_by_name (const char  *name,
                        GError     **error)
{
  float c[25 * 2];
  guint k = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_strcmp0 (name, "ring8") == 0)
    {
      for (guint i = 0; i < 8; i++)
        {
          double a = 2.0 * G_PI * i / 8.0;

          c[2 * i] = (float) (2.0 * cos (a));
          c[2 * i + 1] = (float) (2.0 * sin (a));
        }
      return ms_mixture_new (name, c, NULL, 8, 0.02f);
    }
  if (g_strcmp0 (name, "grid25") == 0)
    {
      for (int i = -2; i <= 2; i++)
        for (int j = -2; j <= 2; j++, k++)
          {
            c[2 * k] = 2.0f * i;
            c[2 * k + 1] = 2.0f * j;
          }
      return ms_mixture_new (name, c, NULL, 25, 0.05f);
    }
  if (g_strcmp0 (name, "wgan8") == 0)
    {
      const double r = 1.0 / sqrt (2.0);
      const double unit[8][2] = {
        { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 },
        { r, r }, { r, -r }, { -r, r }, { -r, -r },
      };

      for (guint i = 0; i < 8; i++)
        {
          c[2 * i] = (float) (2.0 * unit[i][0] / 1.414);
          c[2 * i + 1] = (float) (2.0 * unit[i][1] / 1.414);
        }
      return ms_mixture_new (name, c, NULL, 8, (float) (0.02 / 1.414));
    }
  if (g_strcmp0 (name, "wgan25") == 0)
    {
      for (int i = -2; i <= 2; i++)
        for (int j = -2; j <= 2; j++, k++)
          {
            c[2 * k] = (float) (2.0 * i / 2.828);
            c[2 * k + 1] = (float) (2.0 * j / 2.828);
          }
      return ms_mixture_new (name, c, NULL, 25, (float) (0.05 / 2.828));
    }

  {
    g_autofree char *valid = g_strjoinv (", ", (char **) mixture_names);

    g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_INVALID,
                 _("Unknown mixture “%s”; valid names are %s"), name != NULL ? name : "", valid);
  }
  return NULL;
}

MsMixture *
ms_mixture_copy (const MsMixture *mix)
{
  g_return_val_if_fail (mix != NULL, NULL);

  return ms_mixture_new (mix->name, mix->centres, mix->weights, mix->k, mix->std);
}

void
ms_mixture_free (MsMixture *mix)
{
  if (mix == NULL)
    return;
  g_free (mix->name);
  g_free (mix->centres);
  g_free (mix->weights);
  g_free (mix);
}

/* Weighted choice by walking the cumulative weights; k is at most a few hundred. */
static guint
pick_component (const MsMixture *mix,
                MsRng           *rng)
{
  float u = ms_rng_uniform (rng);
  float acc = 0.0f;

  for (guint i = 0; i + 1 < mix->k; i++)
    {
      acc += mix->weights[i];
      if (u < acc)
        return i;
    }
  return mix->k - 1;
}

void
ms_mixture_sample (const MsMixture *mix,
                   MsRng           *rng,
                   int              n,
                   float           *out)
{
  g_return_if_fail (mix != NULL);
  g_return_if_fail (rng != NULL);
  g_return_if_fail (n >= 0);
  g_return_if_fail (out != NULL || n == 0);

  for (int i = 0; i < n; i++)
    {
      guint c = pick_component (mix, rng);
      float dx = ms_rng_normal (rng);
      float dy = ms_rng_normal (rng);

      out[2 * i] = mix->centres[2 * c] + mix->std * dx;
      out[2 * i + 1] = mix->centres[2 * c + 1] + mix->std * dy;
    }
}

guint
ms_mixture_nearest (const MsMixture *mix,
                    float            x,
                    float            y,
                    float           *out_dist)
{
  guint best = 0;
  float best_d2 = INFINITY;

  g_return_val_if_fail (mix != NULL, 0);

  for (guint i = 0; i < mix->k; i++)
    {
      float dx = x - mix->centres[2 * i];
      float dy = y - mix->centres[2 * i + 1];
      float d2 = dx * dx + dy * dy;

      if (d2 < best_d2)
        {
          best_d2 = d2;
          best = i;
        }
    }
  if (out_dist != NULL)
    *out_dist = sqrtf (best_d2);
  return best;
}
