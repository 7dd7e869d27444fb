/* ms-optim.c: SGD, momentum, Nesterov, RMSprop and Adam as flat loops
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each loop transcribes the single-tensor code path of torch 1.13
 * (torch/optim/{sgd,rmsprop,adam}.py, _single_tensor_*), including the order of the float
 * operations where ATen's kernels fix it (addcdiv computes self + (value * t1) / t2).  Scalars
 * are rounded to float once, as ATen does with Python scalars for float tensors; the bias
 * corrections are computed in double like torch computes them in Python.
 *
 * The loops have no branches and restrict-qualified pointers, so GCC vectorises them at -O3
 * (sqrtf needs -fno-math-errno, which the project sets).  Every decision (kind, first step,
 * momentum or not) is taken once per step, outside the loops.
 */

#include "ms-optim.h"
#include "ms-quote.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ms-optim-error-quark, ms_optim_error)

static const char * const kind_names[MS_OPTIM_N_KINDS] = {
  [MS_OPTIM_SGD] = "sgd",
  [MS_OPTIM_MOMENTUM] = "momentum",
  [MS_OPTIM_NESTEROV] = "nesterov",
  [MS_OPTIM_RMSPROP] = "rmsprop",
  [MS_OPTIM_ADAM] = "adam",
};

gboolean
ms_optim_kind_from_string (const char   *name,
                           MsOptimKind  *kind,
                           GError      **error)
{
  g_return_val_if_fail (kind != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (int k = 0; k < MS_OPTIM_N_KINDS && name != NULL; k++)
    if (g_ascii_strcasecmp (name, kind_names[k]) == 0)
      {
        *kind = (MsOptimKind) k;
        return TRUE;
      }

  if (error != NULL)
    {
      g_autofree char *shown = ms_quote_text (name);

      g_set_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_UNKNOWN_KIND,
                   _("Unknown optimizer “%s”: use one of sgd, momentum, nesterov, rmsprop or "
                     "adam"), shown);
    }
  return FALSE;
}

const char *
ms_optim_kind_to_string (MsOptimKind kind)
{
  if ((int) kind < 0 || kind >= MS_OPTIM_N_KINDS)
    return NULL;
  return kind_names[kind];
}

MsOptimConfig
ms_optim_config_default (MsOptimKind kind)
{
  MsOptimConfig c = {
    .kind = kind,
    .lr = 0.01,
    .momentum = 0.0,
    .dampening = 0.0,
    .alpha = 0.99,
    .eps = 1e-8,
    .beta1 = 0.9,
    .beta2 = 0.999,
    .weight_decay = 0.0,
  };

  g_return_val_if_fail ((int) kind >= 0 && kind < MS_OPTIM_N_KINDS,
                        ms_optim_config_default (MS_OPTIM_SGD));

  switch (kind)
    {
    case MS_OPTIM_MOMENTUM:
    case MS_OPTIM_NESTEROV:
      c.momentum = 0.9;
      break;
    case MS_OPTIM_ADAM:
      c.lr = 1e-3;
      break;
    case MS_OPTIM_SGD:
    case MS_OPTIM_RMSPROP:
    case MS_OPTIM_N_KINDS:
    default:
      break;
    }
  return c;
}

static gboolean
check_at_least_zero (const char *field,
                     double      value,
                     GError    **error)
{
  if (isfinite (value) && value >= 0.0)
    return TRUE;

  g_set_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG,
               _("Invalid %s %g: it must be a finite number of at least 0"), field, value);
  return FALSE;
}

static gboolean
check_beta (const char *field,
            double      value,
            GError    **error)
{
  if (isfinite (value) && value >= 0.0 && value < 1.0)
    return TRUE;

  g_set_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG,
               _("Invalid %s %g: it must be at least 0 and less than 1"), field, value);
  return FALSE;
}

gboolean
ms_optim_config_validate (const MsOptimConfig *c,
                          GError             **error)
{
  g_return_val_if_fail (c != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((int) c->kind < 0 || c->kind >= MS_OPTIM_N_KINDS)
    {
      g_set_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG,
                   _("Invalid optimizer kind %d"), (int) c->kind);
      return FALSE;
    }

  /* The checks of torch's constructors, for every field whatever the kind, so that a config
   * stays valid when only its kind is changed. */
  if (!check_at_least_zero ("learning rate", c->lr, error)
      || !check_at_least_zero ("momentum", c->momentum, error)
      || !check_at_least_zero ("weight decay", c->weight_decay, error)
      || !check_at_least_zero ("epsilon", c->eps, error)
      || !check_at_least_zero ("alpha", c->alpha, error)
      || !check_beta ("beta1", c->beta1, error)
      || !check_beta ("beta2", c->beta2, error))
    return FALSE;

  if (!isfinite (c->dampening))
    {
      g_set_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG,
                   _("Invalid dampening %g: it must be a finite number"), c->dampening);
      return FALSE;
    }

  if (c->kind == MS_OPTIM_NESTEROV && (c->momentum <= 0.0 || c->dampening != 0.0))
    {
      g_set_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG,
                   _("Nesterov momentum needs a momentum above 0 and a dampening of 0 "
                     "(got momentum %g, dampening %g)"), c->momentum, c->dampening);
      return FALSE;
    }

  return TRUE;
}

gboolean
ms_optimizer_init (MsOptimizer         *opt,
                   const MsOptimConfig *config,
                   GError             **error)
{
  g_return_val_if_fail (opt != NULL, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  memset (opt, 0, sizeof *opt);
  if (!ms_optim_config_validate (config, error))
    {
      opt->config = ms_optim_config_default (MS_OPTIM_SGD);
      return FALSE;
    }
  opt->config = *config;
  return TRUE;
}

void
ms_optimizer_reset (MsOptimizer *opt,
                    MsParams    *params)
{
  g_return_if_fail (opt != NULL);
  g_return_if_fail (params != NULL && params->finalized);

  memset (params->m, 0, params->total * sizeof (float));
  memset (params->v, 0, params->total * sizeof (float));
  opt->step = 0;
  opt->has_m = FALSE;
  opt->has_v = FALSE;
}

gboolean
ms_optimizer_set_config (MsOptimizer         *opt,
                         MsParams            *params,
                         const MsOptimConfig *config,
                         GError             **error)
{
  g_return_val_if_fail (opt != NULL, FALSE);
  g_return_val_if_fail (params != NULL && params->finalized, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  if (!ms_optim_config_validate (config, error))
    return FALSE;

  if (config->kind != opt->config.kind)
    ms_optimizer_reset (opt, params);
  opt->config = *config;
  return TRUE;
}

/* The loops ---------------------------------------------------------------------------- */

/* torch.optim.SGD, momentum == 0:
 *   d_p = grad + weight_decay * param;  param += -lr * d_p */
static void
sgd_loop (gsize               n,
          float *restrict     w,
          const float *restrict g,
          float               wd,
          float               neg_lr)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];

      w[i] = w[i] + neg_lr * d;
    }
}

/* torch.optim.SGD, momentum != 0, first step: buf = clone (d_p).
 * Nesterov: d_p = d_p + momentum * buf, else d_p = buf;  param += -lr * d_p */
static void
momentum_first_loop (gsize                 n,
                     float *restrict       w,
                     const float *restrict g,
                     float *restrict       buf,
                     float                 wd,
                     float                 neg_lr)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];

      buf[i] = d;
      w[i] = w[i] + neg_lr * d;
    }
}

static void
nesterov_first_loop (gsize                 n,
                     float *restrict       w,
                     const float *restrict g,
                     float *restrict       buf,
                     float                 wd,
                     float                 mom,
                     float                 neg_lr)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];

      buf[i] = d;
      w[i] = w[i] + neg_lr * (d + mom * d);
    }
}

/* Later steps: buf = buf * momentum + (1 - dampening) * d_p */
static void
momentum_loop (gsize                 n,
               float *restrict       w,
               const float *restrict g,
               float *restrict       buf,
               float                 wd,
               float                 mom,
               float                 one_minus_damp,
               float                 neg_lr)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];
      float b = buf[i] * mom + one_minus_damp * d;

      buf[i] = b;
      w[i] = w[i] + neg_lr * b;
    }
}

static void
nesterov_loop (gsize                 n,
               float *restrict       w,
               const float *restrict g,
               float *restrict       buf,
               float                 wd,
               float                 mom,
               float                 one_minus_damp,
               float                 neg_lr)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];
      float b = buf[i] * mom + one_minus_damp * d;

      buf[i] = b;
      w[i] = w[i] + neg_lr * (d + mom * b);
    }
}

/* torch.optim.RMSprop (centered=False):
 *   square_avg = square_avg * alpha + (1 - alpha) * grad * grad
 *   avg = sqrt (square_avg) + eps
 *   momentum == 0: param += (-lr * grad) / avg
 *   momentum > 0:  buf = buf * momentum + grad / avg;  param += -lr * buf */
static void
rmsprop_loop (gsize                 n,
              float *restrict       w,
              const float *restrict g,
              float *restrict       sq,
              float                 wd,
              float                 alpha,
              float                 one_minus_alpha,
              float                 eps,
              float                 neg_lr)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];
      float s = sq[i] * alpha + one_minus_alpha * d * d;
      float avg = sqrtf (s) + eps;

      sq[i] = s;
      w[i] = w[i] + neg_lr * d / avg;
    }
}

static void
rmsprop_momentum_loop (gsize                 n,
                       float *restrict       w,
                       const float *restrict g,
                       float *restrict       sq,
                       float *restrict       buf,
                       float                 wd,
                       float                 alpha,
                       float                 one_minus_alpha,
                       float                 eps,
                       float                 mom,
                       float                 neg_lr)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];
      float s = sq[i] * alpha + one_minus_alpha * d * d;
      float avg = sqrtf (s) + eps;
      float b = buf[i] * mom + d / avg;

      sq[i] = s;
      buf[i] = b;
      w[i] = w[i] + neg_lr * b;
    }
}

/* torch.optim.Adam (amsgrad=False), _single_tensor_adam:
 *   exp_avg = exp_avg * beta1 + (1 - beta1) * grad
 *   exp_avg_sq = exp_avg_sq * beta2 + (1 - beta2) * grad * grad
 *   step_size = lr / bias_correction1
 *   denom = sqrt (exp_avg_sq) / sqrt (bias_correction2) + eps
 *   param += (-step_size * exp_avg) / denom */
static void
adam_loop (gsize                 n,
           float *restrict       w,
           const float *restrict g,
           float *restrict       m,
           float *restrict       v,
           float                 wd,
           float                 beta1,
           float                 one_minus_beta1,
           float                 beta2,
           float                 one_minus_beta2,
           float                 bc2_sqrt,
           float                 eps,
           float                 neg_step_size)
{
  for (gsize i = 0; i < n; i++)
    {
      float d = g[i] + wd * w[i];
      float mi = m[i] * beta1 + one_minus_beta1 * d;
      float vi = v[i] * beta2 + one_minus_beta2 * d * d;
      float denom = sqrtf (vi) / bc2_sqrt + eps;

      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] + neg_step_size * mi / denom;
    }
}

void
ms_optimizer_step (MsOptimizer *opt,
                   MsParams    *params)
{
  const MsOptimConfig *c;
  gsize n;
  float wd, neg_lr;

  g_return_if_fail (opt != NULL);
  g_return_if_fail (params != NULL && params->finalized);

  c = &opt->config;
  n = params->total;
  wd = (float) c->weight_decay;
  neg_lr = (float) -c->lr;

  /* torch increments state['step'] before using it. */
  opt->step++;

  switch (c->kind)
    {
    case MS_OPTIM_SGD:
      sgd_loop (n, params->data, params->grad, wd, neg_lr);
      break;

    case MS_OPTIM_MOMENTUM:
    case MS_OPTIM_NESTEROV:
      {
        gboolean nesterov = c->kind == MS_OPTIM_NESTEROV;
        float mom = (float) c->momentum;
        float one_minus_damp = (float) (1.0 - c->dampening);

        /* momentum == 0 is plain SGD in torch, and the buffer (if any) is left alone. */
        if (c->momentum == 0.0)
          sgd_loop (n, params->data, params->grad, wd, neg_lr);
        else if (!opt->has_m && nesterov)
          nesterov_first_loop (n, params->data, params->grad, params->m, wd, mom, neg_lr);
        else if (!opt->has_m)
          momentum_first_loop (n, params->data, params->grad, params->m, wd, neg_lr);
        else if (nesterov)
          nesterov_loop (n, params->data, params->grad, params->m,
                         wd, mom, one_minus_damp, neg_lr);
        else
          momentum_loop (n, params->data, params->grad, params->m,
                         wd, mom, one_minus_damp, neg_lr);
        if (c->momentum != 0.0)
          opt->has_m = TRUE;
      }
      break;

    case MS_OPTIM_RMSPROP:
      {
        float alpha = (float) c->alpha;
        float one_minus_alpha = (float) (1.0 - c->alpha);
        float eps = (float) c->eps;

        /* torch creates the momentum buffer as zeros, so no first-step case here. */
        if (c->momentum > 0.0)
          {
            rmsprop_momentum_loop (n, params->data, params->grad, params->v, params->m,
                                   wd, alpha, one_minus_alpha, eps, (float) c->momentum,
                                   neg_lr);
            opt->has_m = TRUE;
          }
        else
          rmsprop_loop (n, params->data, params->grad, params->v,
                        wd, alpha, one_minus_alpha, eps, neg_lr);
        opt->has_v = TRUE;
      }
      break;

    case MS_OPTIM_ADAM:
      {
        double step = (double) opt->step;
        double bias_correction1 = 1.0 - pow (c->beta1, step);
        double bias_correction2 = 1.0 - pow (c->beta2, step);
        double step_size = c->lr / bias_correction1;

        /* beta1 == 0 gives bias_correction1 == 1; beta1 > 0 and step >= 1 keep it above 0. */
        adam_loop (n, params->data, params->grad, params->m, params->v,
                   wd,
                   (float) c->beta1, (float) (1.0 - c->beta1),
                   (float) c->beta2, (float) (1.0 - c->beta2),
                   (float) sqrt (bias_correction2), (float) c->eps,
                   (float) -step_size);
        opt->has_m = TRUE;
        opt->has_v = TRUE;
      }
      break;

    case MS_OPTIM_N_KINDS:
    default:
      g_critical ("%s: invalid optimizer kind %d", G_STRFUNC, (int) c->kind);
      opt->step--;
      break;
    }
}

/* Clamping with comparisons (not fminf/fmaxf) maps onto minps/maxps and keeps NaN, like
 * torch.clamp_. */
static void
clip_loop (gsize           n,
           float *restrict w,
           float           c)
{
  for (gsize i = 0; i < n; i++)
    {
      float x = w[i];

      x = x < -c ? -c : x;
      x = x > c ? c : x;
      w[i] = x;
    }
}

void
ms_optimizer_clip_weights (MsParams *params,
                           float     c)
{
  g_return_if_fail (params != NULL && params->finalized);
  g_return_if_fail (c >= 0.0f);

  clip_loop (params->total, params->data, c);
}

gboolean
ms_optim_config_equal (const MsOptimConfig *a,
                       const MsOptimConfig *b)
{
  return a->kind == b->kind && a->lr == b->lr && a->momentum == b->momentum
         && a->dampening == b->dampening && a->alpha == b->alpha && a->eps == b->eps
         && a->beta1 == b->beta1 && a->beta2 == b->beta2 && a->weight_decay == b->weight_decay;
}
