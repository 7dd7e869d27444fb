/* ms-params.c: a network's parameters in one contiguous block
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parameters are packed back to back in registration order (no padding), so total is the sum of
 * the parameters' sizes and a checkpoint can store each block as one array.  Only the blocks are
 * 64-byte aligned.
 */

#include "ms-params.h"

#include <math.h>
#include <string.h>

#define MS_PARAMS_ALIGN 64

static void
param_info_clear (gpointer data)
{
  MsParamInfo *info = data;

  g_clear_pointer (&info->name, g_free);
}

MsParams *
ms_params_new (const char *name)
{
  MsParams *p = g_new0 (MsParams, 1);

  p->name = g_strdup (name != NULL ? name : "params");
  p->info = g_array_new (FALSE, TRUE, sizeof (MsParamInfo));
  g_array_set_clear_func (p->info, param_info_clear);
  return p;
}

void
ms_params_free (MsParams *p)
{
  if (p == NULL)
    return;

  g_clear_pointer (&p->data, g_aligned_free);
  g_clear_pointer (&p->grad, g_aligned_free);
  g_clear_pointer (&p->m, g_aligned_free);
  g_clear_pointer (&p->v, g_aligned_free);
  g_array_unref (p->info);
  g_free (p->name);
  g_free (p);
}

int
ms_params_add (MsParams   *p,
               const char *name,
               int         ndim,
               const int  *shape)
{
  MsParamInfo info = { 0 };
  gsize numel = 1;

  g_return_val_if_fail (p != NULL, -1);
  g_return_val_if_fail (!p->finalized, -1);
  g_return_val_if_fail (name != NULL && *name != '\0', -1);
  g_return_val_if_fail (ndim >= 1 && ndim <= MS_MAX_DIMS, -1);
  g_return_val_if_fail (shape != NULL, -1);
  g_return_val_if_fail (ms_params_find (p, name) < 0, -1);

  for (int d = 0; d < ndim; d++)
    {
      g_return_val_if_fail (shape[d] > 0, -1);
      g_return_val_if_fail (numel <= G_MAXSIZE / sizeof (float) / (gsize) shape[d], -1);
      numel *= (gsize) shape[d];
      info.shape[d] = shape[d];
    }
  for (int d = ndim; d < MS_MAX_DIMS; d++)
    info.shape[d] = 1;

  g_return_val_if_fail (p->total <= G_MAXSIZE / sizeof (float) - numel, -1);

  info.name = g_strdup (name);
  info.ndim = ndim;
  info.offset = p->total;
  info.numel = numel;
  p->total += numel;
  g_array_append_val (p->info, info);

  return (int) p->info->len - 1;
}

static float *
alloc_block (gsize n)
{
  /* Never zero-sized, so that an empty network still has valid pointers. */
  return g_aligned_alloc0 (MAX (n, 1), sizeof (float), MS_PARAMS_ALIGN);
}

void
ms_params_finalize (MsParams *p)
{
  g_return_if_fail (p != NULL);
  g_return_if_fail (!p->finalized);

  p->data = alloc_block (p->total);
  p->grad = alloc_block (p->total);
  p->m = alloc_block (p->total);
  p->v = alloc_block (p->total);
  p->finalized = TRUE;
}

guint
ms_params_count (const MsParams *p)
{
  g_return_val_if_fail (p != NULL, 0);

  return p->info->len;
}

const MsParamInfo *
ms_params_info (const MsParams *p,
                int             index)
{
  g_return_val_if_fail (p != NULL, NULL);
  g_return_val_if_fail (index >= 0 && (guint) index < p->info->len, NULL);

  return &g_array_index (p->info, MsParamInfo, index);
}

int
ms_params_find (const MsParams *p,
                const char     *name)
{
  g_return_val_if_fail (p != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < p->info->len; i++)
    if (strcmp (g_array_index (p->info, MsParamInfo, i).name, name) == 0)
      return (int) i;
  return -1;
}

float *
ms_params_data (MsParams *p,
                int       index)
{
  const MsParamInfo *info = ms_params_info (p, index);

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (p->finalized, NULL);

  return p->data + info->offset;
}

float *
ms_params_grad (MsParams *p,
                int       index)
{
  const MsParamInfo *info = ms_params_info (p, index);

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (p->finalized, NULL);

  return p->grad + info->offset;
}

void
ms_params_zero_grad (MsParams *p)
{
  g_return_if_fail (p != NULL);
  g_return_if_fail (p->finalized);

  memset (p->grad, 0, p->total * sizeof (float));
}

MsTensor *
ms_params_tensor (MsGraph  *g,
                  MsParams *p,
                  int       index)
{
  const MsParamInfo *info = ms_params_info (p, index);

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (p->finalized, NULL);

  return ms_tensor_wrap (g, info->ndim, info->shape,
                         p->data + info->offset, p->grad + info->offset, TRUE);
}

MsTensor *
ms_params_tensor_const (MsGraph  *g,
                        MsParams *p,
                        int       index)
{
  const MsParamInfo *info = ms_params_info (p, index);

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (p->finalized, NULL);

  return ms_tensor_wrap (g, info->ndim, info->shape, p->data + info->offset, NULL, FALSE);
}

gboolean
ms_params_same_layout (const MsParams *a,
                       const MsParams *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (a->info->len != b->info->len || a->total != b->total)
    return FALSE;

  for (guint i = 0; i < a->info->len; i++)
    {
      const MsParamInfo *x = &g_array_index (a->info, MsParamInfo, i);
      const MsParamInfo *y = &g_array_index (b->info, MsParamInfo, i);

      if (strcmp (x->name, y->name) != 0 || x->ndim != y->ndim)
        return FALSE;
      for (int d = 0; d < x->ndim; d++)
        if (x->shape[d] != y->shape[d])
          return FALSE;
    }
  return TRUE;
}

void
ms_params_copy_data (MsParams       *dst,
                     const MsParams *src)
{
  g_return_if_fail (dst != NULL && src != NULL);
  g_return_if_fail (dst->finalized && src->finalized);
  g_return_if_fail (ms_params_same_layout (dst, src));

  if (dst != src)
    memcpy (dst->data, src->data, src->total * sizeof (float));
}

double
ms_params_grad_norm (const MsParams *p)
{
  const float *g;
  double sum = 0.0;

  g_return_val_if_fail (p != NULL, 0.0);
  g_return_val_if_fail (p->finalized, 0.0);

  g = p->grad;
  for (gsize i = 0; i < p->total; i++)
    sum += (double) g[i] * (double) g[i];
  return sqrt (sum);
}

gboolean
ms_params_all_finite (const MsParams *p)
{
  g_return_val_if_fail (p != NULL, FALSE);
  g_return_val_if_fail (p->finalized, FALSE);

  for (gsize i = 0; i < p->total; i++)
    if (!isfinite (p->data[i]) || !isfinite (p->grad[i]))
      return FALSE;
  /* The optimizer's state too: an infinite Adam moment with finite weights poisons the next
   * step, and a snapshot holding it would be a rollback point that diverges again */
  for (gsize i = 0; p->m != NULL && i < p->total; i++)
    if (!isfinite (p->m[i]))
      return FALSE;
  for (gsize i = 0; p->v != NULL && i < p->total; i++)
    if (!isfinite (p->v[i]))
      return FALSE;
  return TRUE;
}

/* Initialisers ------------------------------------------------------------------------ */

void
ms_params_fans (const MsParams *p,
                int             index,
                gsize          *fan_in,
                gsize          *fan_out)
{
  const MsParamInfo *info = ms_params_info (p, index);
  gsize receptive = 1;

  g_return_if_fail (info != NULL);

  if (info->ndim < 2)
    {
      if (fan_in != NULL)
        *fan_in = info->numel;
      if (fan_out != NULL)
        *fan_out = info->numel;
      return;
    }

  /* torch.nn.init._calculate_fan_in_and_fan_out */
  for (int d = 2; d < info->ndim; d++)
    receptive *= (gsize) info->shape[d];
  if (fan_in != NULL)
    *fan_in = (gsize) info->shape[1] * receptive;
  if (fan_out != NULL)
    *fan_out = (gsize) info->shape[0] * receptive;
}

/* torch.nn.init.calculate_gain ('leaky_relu', a) */
static double
leaky_relu_gain (float a)
{
  return sqrt (2.0 / (1.0 + (double) a * (double) a));
}

static const MsParamInfo *
init_target (MsParams *p,
             int       index)
{
  const MsParamInfo *info = ms_params_info (p, index);

  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (p->finalized, NULL);
  return info;
}

void
ms_init_normal (MsParams *p,
                int       index,
                MsRng    *rng,
                float     mean,
                float     std)
{
  const MsParamInfo *info = init_target (p, index);

  g_return_if_fail (info != NULL);
  ms_rng_fill_normal (rng, p->data + info->offset, info->numel, mean, std);
}

void
ms_init_constant (MsParams *p,
                  int       index,
                  float     value)
{
  const MsParamInfo *info = init_target (p, index);
  float *d;

  g_return_if_fail (info != NULL);
  d = p->data + info->offset;
  for (gsize i = 0; i < info->numel; i++)
    d[i] = value;
}

void
ms_init_uniform (MsParams *p,
                 int       index,
                 MsRng    *rng,
                 float     lo,
                 float     hi)
{
  const MsParamInfo *info = init_target (p, index);

  g_return_if_fail (info != NULL);
  ms_rng_fill_uniform (rng, p->data + info->offset, info->numel, lo, hi);
}

/* torch.nn.init.kaiming_uniform_ (w, a, mode='fan_in', nonlinearity='leaky_relu'):
 * bound = sqrt (3) * gain / sqrt (fan_in) */
void
ms_init_kaiming_uniform (MsParams *p,
                         int       index,
                         MsRng    *rng,
                         float     a)
{
  const MsParamInfo *info = init_target (p, index);
  gsize fan_in = 1;
  float bound;

  g_return_if_fail (info != NULL);
  g_return_if_fail (info->ndim >= 2);

  ms_params_fans (p, index, &fan_in, NULL);
  bound = (float) (sqrt (3.0) * leaky_relu_gain (a) / sqrt ((double) fan_in));
  ms_rng_fill_uniform (rng, p->data + info->offset, info->numel, -bound, bound);
}

/* torch.nn.init.kaiming_normal_ (w, a, mode='fan_in', nonlinearity='leaky_relu'):
 * std = gain / sqrt (fan_in) */
void
ms_init_kaiming_normal (MsParams *p,
                        int       index,
                        MsRng    *rng,
                        float     a)
{
  const MsParamInfo *info = init_target (p, index);
  gsize fan_in = 1;
  float std;

  g_return_if_fail (info != NULL);
  g_return_if_fail (info->ndim >= 2);

  ms_params_fans (p, index, &fan_in, NULL);
  std = (float) (leaky_relu_gain (a) / sqrt ((double) fan_in));
  ms_rng_fill_normal (rng, p->data + info->offset, info->numel, 0.0f, std);
}

/* torch.nn.init.xavier_uniform_ (w, gain): bound = gain * sqrt (6 / (fan_in + fan_out)) */
void
ms_init_xavier_uniform (MsParams *p,
                        int       index,
                        MsRng    *rng,
                        float     gain)
{
  const MsParamInfo *info = init_target (p, index);
  gsize fan_in = 1, fan_out = 1;
  float bound;

  g_return_if_fail (info != NULL);
  g_return_if_fail (info->ndim >= 2);

  ms_params_fans (p, index, &fan_in, &fan_out);
  bound = (float) ((double) gain * sqrt (6.0 / (double) (fan_in + fan_out)));
  ms_rng_fill_uniform (rng, p->data + info->offset, info->numel, -bound, bound);
}

/* torch.nn.init.xavier_normal_ (w, gain): std = gain * sqrt (2 / (fan_in + fan_out)) */
void
ms_init_xavier_normal (MsParams *p,
                       int       index,
                       MsRng    *rng,
                       float     gain)
{
  const MsParamInfo *info = init_target (p, index);
  gsize fan_in = 1, fan_out = 1;
  float std;

  g_return_if_fail (info != NULL);
  g_return_if_fail (info->ndim >= 2);

  ms_params_fans (p, index, &fan_in, &fan_out);
  std = (float) ((double) gain * sqrt (2.0 / (double) (fan_in + fan_out)));
  ms_rng_fill_normal (rng, p->data + info->offset, info->numel, 0.0f, std);
}
