/* ms-gan.c: objectives and the training step
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-gan.h"
#include "ms-ops.h"

struct _MsGan
{
  MsArchConfig  arch;
  MsGanConfig   config;
  MsNet        *gen;
  MsNet        *dis;
  MsOptimizer   opt_g;
  MsOptimizer   opt_d;
  MsGraph      *graph;
  MsRng         rng;
  MsRealSampler sampler;
  gpointer      sampler_data;
  int           z_dim;
  gsize         data_size;
  gint64        iterations;
  MsGanStats    stats;

  /* Reused across steps (sized for the largest batch seen), so steps never map new pages. */
  float        *z_buf;
  float        *real_buf;
  gsize         buf_samples;

  /* The generator's last batch, recorded for the generator step */
  MsTensor     *fake;
};

static const char * const loss_names[MS_LOSS_N_KINDS] = {
  [MS_LOSS_NSGAN] = "nsgan",
  [MS_LOSS_MINIMAX] = "minimax",
  [MS_LOSS_WGAN_CLIP] = "wgan-clip",
  [MS_LOSS_WGAN_GP] = "wgan-gp",
};

const char *
ms_loss_kind_to_string (MsLossKind kind)
{
  return kind < MS_LOSS_N_KINDS ? loss_names[kind] : NULL;
}

gboolean
ms_loss_kind_from_string (const char  *name,
                          MsLossKind  *kind,
                          GError     **error)
{
  for (int i = 0; i < MS_LOSS_N_KINDS; i++)
    if (name != NULL && g_ascii_strcasecmp (name, loss_names[i]) == 0)
      {
        *kind = i;
        return TRUE;
      }
  g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
               "unknown loss “%s” (choose one of nsgan, minimax, wgan-clip, wgan-gp)",
               name ? name : "");
  return FALSE;
}

MsGanConfig
ms_gan_config_default (MsLossKind kind)
{
  MsGanConfig c = { .loss = kind, .batch = 64, .n_critic = 1, .gp_lambda = 10.0f, .clip = 0.01f,
                    .adagan_round_iters = 1000 };

  if (kind == MS_LOSS_WGAN_CLIP || kind == MS_LOSS_WGAN_GP)
    c.n_critic = 5;
  return c;
}

gboolean
ms_gan_config_validate (const MsGanConfig *c,
                        GError           **error)
{
  if (c->loss >= MS_LOSS_N_KINDS)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID, "unknown loss kind %d", c->loss);
  else if (c->batch < 1 || c->batch > 4096)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 "batch size %d is out of range (1 to 4096)", c->batch);
  else if (c->n_critic < 1 || c->n_critic > 100)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 "discriminator steps per generator step %d is out of range (1 to 100)",
                 c->n_critic);
  else if (!(c->gp_lambda >= 0.0f && c->gp_lambda <= 1000.0f))
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 "gradient-penalty weight %g is out of range (0 to 1000)", c->gp_lambda);
  else if (!(c->clip > 0.0f && c->clip <= 10.0f))
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 "clip value %g is out of range (above 0, at most 10)", c->clip);
  else if (c->unroll < 0 || c->unroll > MS_GAN_MAX_UNROLL)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 "unrolling steps %d is out of range (0 to %d)", c->unroll, MS_GAN_MAX_UNROLL);
  else if (c->adagan_rounds < 0 || c->adagan_rounds > MS_GAN_MAX_ADAGAN_ROUNDS)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 "AdaGAN rounds %d is out of range (0 to %d)", c->adagan_rounds,
                 MS_GAN_MAX_ADAGAN_ROUNDS);
  else if (c->adagan_rounds > 1 && (c->adagan_round_iters < 1 || c->adagan_round_iters > 10000000))
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 "AdaGAN iterations per round %d is out of range (1 to 10000000)",
                 c->adagan_round_iters);
  else
    return TRUE;
  return FALSE;
}

MsGan *
ms_gan_new (const MsArchConfig  *arch,
            const MsGanConfig   *config,
            const MsOptimConfig *optim_g,
            const MsOptimConfig *optim_d,
            guint64              seed,
            MsRealSampler        sampler,
            gpointer             sampler_data,
            GError             **error)
{
  MsGan *gan;

  if (!ms_gan_config_validate (config, error))
    return NULL;
  if (!ms_optim_config_validate (optim_g, error) || !ms_optim_config_validate (optim_d, error))
    return NULL;
  gan = g_new0 (MsGan, 1);
  gan->arch = *arch;
  gan->arch.pack = MAX (arch->pack, 1);
  gan->config = *config;
  ms_rng_seed (&gan->rng, seed);
  if (!ms_arch_build (&gan->arch, &gan->rng, &gan->gen, &gan->dis, error))
    {
      g_free (gan);
      return NULL;
    }
  gan->z_dim = (int) ms_net_in_size (gan->gen);
  gan->data_size = ms_net_out_size (gan->gen);
  ms_optimizer_init (&gan->opt_g, optim_g, NULL);
  ms_optimizer_init (&gan->opt_d, optim_d, NULL);
  gan->graph = ms_graph_new ();
  gan->sampler = sampler;
  gan->sampler_data = sampler_data;
  return gan;
}

void
ms_gan_free (MsGan *gan)
{
  if (gan == NULL)
    return;
  ms_net_free (gan->gen);
  ms_net_free (gan->dis);
  ms_graph_free (gan->graph);
  g_free (gan->z_buf);
  g_free (gan->real_buf);
  g_free (gan);
}

static void
ensure_buffers (MsGan *gan,
                gsize  samples)
{
  if (samples <= gan->buf_samples)
    return;
  g_free (gan->z_buf);
  g_free (gan->real_buf);
  gan->z_buf = g_malloc (samples * gan->z_dim * sizeof (float));
  gan->real_buf = g_malloc (samples * gan->data_size * sizeof (float));
  gan->buf_samples = samples;
}

/* The generator's batch: n * pack samples, recorded when @record. */
static MsTensor *
generate (MsGan    *gan,
          gboolean  record)
{
  MsGraph *g = gan->graph;
  int n = gan->config.batch * gan->arch.pack;
  gboolean old = ms_graph_set_recording (g, record);
  MsTensor *z, *fake;

  ensure_buffers (gan, n);
  ms_rng_fill_normal (&gan->rng, gan->z_buf, (gsize) n * gan->z_dim, 0.0f, 1.0f);
  z = ms_tensor_wrap (g, 2, (int[]) { n, gan->z_dim }, gan->z_buf, NULL, FALSE);
  fake = ms_net_forward (gan->gen, g, z, NULL, MS_NET_TRAIN, &gan->rng);
  ms_graph_set_recording (g, old);
  return fake;
}

/* (n * pack, per-sample...) -> (n, pack * channels, ...): packing is a reshape in NCHW. */
static MsTensor *
pack (MsGan    *gan,
      MsTensor *x)
{
  int m = gan->arch.pack;
  int shape[MS_MAX_DIMS];

  if (m == 1)
    return x;
  shape[0] = x->shape[0] / m;
  if (gan->arch.data_ndim == 3)
    {
      shape[1] = gan->arch.data_shape[0] * m;
      shape[2] = gan->arch.data_shape[1];
      shape[3] = gan->arch.data_shape[2];
      return ms_reshape (gan->graph, x, 4, shape);
    }
  shape[1] = (int) gan->data_size * m;
  return ms_reshape (gan->graph, x, 2, shape);
}

/* D on @x with the parameter tensors @p (one per parameter), for the unrolled look-ahead */
static MsTensor *
discriminate_with (MsGan     *gan,
                   MsTensor  *x,
                   MsTensor **p)
{
  return ms_net_forward (gan->dis, gan->graph, pack (gan, x), p, MS_NET_TRAIN, &gan->rng);
}

static MsTensor *
discriminate (MsGan     *gan,
              MsTensor  *x,
              gboolean   constant_weights)
{
  MsGraph *g = gan->graph;
  guint np = ms_params_count (ms_net_params (gan->dis));
  MsTensor **p = g_newa (MsTensor *, np);

  for (guint i = 0; i < np; i++)
    p[i] = constant_weights ? ms_params_tensor_const (g, ms_net_params (gan->dis), (int) i)
                            : ms_params_tensor (g, ms_net_params (gan->dis), (int) i);
  return discriminate_with (gan, x, p);
}

static double
mean_of (const MsTensor *t)
{
  double acc = 0.0;

  for (gsize i = 0; i < t->numel; i++)
    acc += t->data[i];
  return t->numel ? acc / (double) t->numel : 0.0;
}

/* WGAN-GP: lambda * mean((||grad_xhat D(xhat)||_2 - 1)^2), xhat = eps real + (1 - eps) fake */
static MsTensor *
gradient_penalty (MsGan     *gan,
                  MsTensor  *real,
                  MsTensor  *fake,
                  MsTensor **params)
{
  MsGraph *g = gan->graph;
  int n = real->shape[0];
  MsTensor *eps = ms_tensor_new (g, 1, &n);
  MsTensor *xhat, *out, *grad, *norm;

  ms_rng_fill_uniform (&gan->rng, eps->data, n, 0.0f, 1.0f);
  {
    gboolean old = ms_graph_set_recording (g, FALSE);
    MsTensor *one_minus = ms_add_scalar (g, ms_neg (g, eps), 1.0f);

    xhat = ms_add (g, ms_mul_row (g, real, eps), ms_mul_row (g, fake, one_minus));
    ms_graph_set_recording (g, old);
  }
  xhat->requires_grad = 1;
  out = ms_sum (g, params != NULL ? discriminate_with (gan, xhat, params)
                                  : discriminate (gan, xhat, FALSE));
  ms_graph_grad (g, out, NULL, 1, &xhat, &grad, TRUE);
  norm = ms_sqrt (g, ms_add_scalar (g, ms_row_sum (g, ms_square (g, grad)), 1e-12f));
  return ms_scale (g, ms_mean (g, ms_square (g, ms_add_scalar (g, norm, -1.0f))),
                   gan->config.gp_lambda);
}

/* D's loss on (real, fake).  @params NULL: the real D's own parameter leaves (gradients into
 * its block); else the given tensors (the unroll).  @out_real/@out_fake/@penalty may be NULL. */
static MsTensor *
d_loss (MsGan     *gan,
        MsTensor  *real,
        MsTensor  *fake,
        MsTensor **params,
        MsTensor **out_real_ret,
        MsTensor **out_fake_ret,
        double    *penalty)
{
  MsGraph *g = gan->graph;
  MsTensor *out_real, *out_fake, *loss;

  out_real = params != NULL ? discriminate_with (gan, real, params)
                            : discriminate (gan, real, FALSE);
  out_fake = params != NULL ? discriminate_with (gan, fake, params)
                            : discriminate (gan, fake, FALSE);
  if (penalty != NULL)
    *penalty = 0.0;
  switch (gan->config.loss)
    {
    case MS_LOSS_NSGAN:
    case MS_LOSS_MINIMAX:
      loss = ms_add (g, ms_bce_with_logits_const (g, out_real, 1.0f),
                     ms_bce_with_logits_const (g, out_fake, 0.0f));
      break;
    case MS_LOSS_WGAN_CLIP:
      loss = ms_sub (g, ms_mean (g, out_fake), ms_mean (g, out_real));
      break;
    case MS_LOSS_WGAN_GP:
    default:
      {
        MsTensor *gp = gradient_penalty (gan, real, fake, params);

        if (penalty != NULL)
          *penalty = gp->data[0];
        loss = ms_add (g, ms_sub (g, ms_mean (g, out_fake), ms_mean (g, out_real)), gp);
      }
      break;
    }
  if (out_real_ret != NULL)
    *out_real_ret = out_real;
  if (out_fake_ret != NULL)
    *out_fake_ret = out_fake;
  return loss;
}

static void
d_step_with (MsGan    *gan,
             MsTensor *fake_recorded)
{
  MsGraph *g = gan->graph;
  int n = gan->config.batch * gan->arch.pack;
  MsParams *pd = ms_net_params (gan->dis);
  MsTensor *real, *fake, *out_real, *out_fake, *loss;

  ensure_buffers (gan, n);
  gan->sampler (gan->sampler_data, &gan->rng, n, gan->real_buf);
  real = ms_tensor_wrap (g, fake_recorded->ndim, fake_recorded->shape, gan->real_buf, NULL, FALSE);
  /* fake.detach() */
  fake = ms_tensor_wrap (g, fake_recorded->ndim, fake_recorded->shape, fake_recorded->data,
                         NULL, FALSE);
  loss = d_loss (gan, real, fake, NULL, &out_real, &out_fake, &gan->stats.penalty);
  ms_params_zero_grad (pd);
  ms_graph_backward (g, loss);
  gan->stats.loss_d = loss->data[0];
  gan->stats.d_real = mean_of (out_real);
  gan->stats.d_fake = mean_of (out_fake);
  gan->stats.grad_norm_d = ms_params_grad_norm (pd);
  ms_optimizer_step (&gan->opt_d, pd);
  if (gan->config.loss == MS_LOSS_WGAN_CLIP)
    ms_optimizer_clip_weights (pd, gan->config.clip);
}

void
ms_gan_step_d (MsGan *gan)
{
  MsTensor *fake = generate (gan, FALSE);

  d_step_with (gan, fake);
  ms_graph_reset (gan->graph);
}

/* The unroll ------------------------------------------------------------------------------ */

/* Added under the square roots of the unrolled RMSprop/Adam: d sqrt(v) / dv is infinite at
 * v = 0 (a parameter whose gradient has always been exactly 0, e.g. behind a dead ReLU), and
 * inf * 0 would put NaN into G's gradient.  Below float resolution for any v >= 1e-22. */
#define UNROLL_SQRT_TINY 1e-30f

/* clamp(p, -c, c) as engine ops: p * mask + offset, with mask 1 inside [-c, c] (gradient 1)
 * and 0 outside (gradient 0, value -c or c), as torch.clamp differentiates. */
static MsTensor *
clamp_tensor (MsGraph  *g,
              MsTensor *p,
              float     c)
{
  MsTensor *mask = ms_tensor_new_like (g, p);
  MsTensor *off = ms_tensor_new_like (g, p);

  for (gsize i = 0; i < p->numel; i++)
    {
      float x = p->data[i];
      gboolean inside = x >= -c && x <= c;

      mask->data[i] = inside ? 1.0f : 0.0f;
      off->data[i] = inside ? 0.0f : (x < -c ? -c : (x > c ? c : x));   /* NaN stays NaN */
    }
  return ms_add (g, ms_mul (g, p, mask), off);
}

/* theta_D^K into @p (one tensor per D parameter), K = config.unroll steps of D's optimizer from
 * the current D and its optimizer state, on the fixed minibatch (@real, @fake).  Each update is
 * the rule of ms-optim.c written with engine ops, so with second order the result stays a
 * function of @fake and so of theta_G.  The real parameters and moment buffers are only read.
 *
 * Every kind is unrolled with its own rule (d = grad + weight_decay * p throughout):
 *   SGD:            p -= lr d
 *   momentum:       buf = d (first step of a fresh optimizer) or momentum buf + (1 - damp) d;
 *                   p -= lr buf        (Nesterov: p -= lr (d + momentum buf))
 *   RMSprop:        sq = alpha sq + (1 - alpha) d^2;  avg = sqrt(sq + tiny) + eps;
 *                   p -= lr d / avg    (momentum: buf = momentum buf + d / avg; p -= lr buf)
 *   Adam:           m = b1 m + (1 - b1) d;  v = b2 v + (1 - b2) d^2;  t = step + k + 1;
 *                   p -= lr / (1 - b1^t) * m / (sqrt(v + tiny) / sqrt(1 - b2^t) + eps)
 * with the moment buffers starting from the real optimizer's m and v and its step count.
 * WGAN weight clipping is applied after each look-ahead step as a differentiable clamp.
 * Float rounding differs slightly from the flat loops (other operation order). */
static void
unroll_discriminator (MsGan     *gan,
                      MsTensor  *real,
                      MsTensor  *fake,
                      MsTensor **p)
{
  MsGraph *g = gan->graph;
  MsParams *pd = ms_net_params (gan->dis);
  const MsOptimConfig *c = &gan->opt_d.config;
  guint np = ms_params_count (pd);
  gboolean second = !gan->config.unroll_first_order;
  MsTensor **m = g_newa (MsTensor *, np);
  MsTensor **v = g_newa (MsTensor *, np);
  MsTensor **gd = g_newa (MsTensor *, np);
  gboolean has_m = gan->opt_d.has_m;
  float wd = (float) c->weight_decay;
  float neg_lr = (float) -c->lr;
  float mom = (float) c->momentum;
  MsTensor *fake_in = fake;

  /* First order: only the values of theta_D^K matter, so D's loss sees the batch detached. */
  if (!second)
    fake_in = ms_tensor_wrap (g, fake->ndim, fake->shape, fake->data, NULL, FALSE);

  /* theta_D as leaves that require a gradient (so that ms_graph_grad() can differentiate D's
   * loss w.r.t. them) but have no gradient destination: ms_graph_backward() ignores them. */
  for (guint i = 0; i < np; i++)
    {
      const MsParamInfo *info = ms_params_info (pd, (int) i);

      p[i] = ms_tensor_wrap (g, info->ndim, info->shape, pd->data + info->offset, NULL, TRUE);
      m[i] = ms_tensor_wrap (g, info->ndim, info->shape, pd->m + info->offset, NULL, FALSE);
      v[i] = ms_tensor_wrap (g, info->ndim, info->shape, pd->v + info->offset, NULL, FALSE);
    }

  for (int k = 0; k < gan->config.unroll; k++)
    {
      MsTensor *loss = d_loss (gan, real, fake_in, p, NULL, NULL, NULL);
      double step = (double) (gan->opt_d.step + k + 1);

      ms_graph_grad (g, loss, NULL, (int) np, p, gd, second);
      for (guint i = 0; i < np; i++)
        {
          MsTensor *d = wd != 0.0f ? ms_add (g, gd[i], ms_scale (g, p[i], wd)) : gd[i];
          MsTensor *upd;   /* added to p */

          switch (c->kind)
            {
            case MS_OPTIM_MOMENTUM:
            case MS_OPTIM_NESTEROV:
              if (c->momentum == 0.0)
                {
                  upd = ms_scale (g, d, neg_lr);
                  break;
                }
              /* buf = d on the first step, then buf * momentum + (1 - dampening) * d */
              m[i] = has_m ? ms_add (g, ms_scale (g, m[i], mom),
                                     ms_scale (g, d, (float) (1.0 - c->dampening)))
                           : d;
              upd = c->kind == MS_OPTIM_NESTEROV
                      ? ms_scale (g, ms_add (g, d, ms_scale (g, m[i], mom)), neg_lr)
                      : ms_scale (g, m[i], neg_lr);
              break;

            case MS_OPTIM_RMSPROP:
              {
                MsTensor *avg;

                v[i] = ms_add (g, ms_scale (g, v[i], (float) c->alpha),
                               ms_scale (g, ms_square (g, d), (float) (1.0 - c->alpha)));
                avg = ms_add_scalar (g, ms_sqrt (g, ms_add_scalar (g, v[i], UNROLL_SQRT_TINY)),
                                     (float) c->eps);
                if (c->momentum > 0.0)
                  {
                    m[i] = ms_add (g, ms_scale (g, m[i], mom), ms_div (g, d, avg));
                    upd = ms_scale (g, m[i], neg_lr);
                  }
                else
                  upd = ms_scale (g, ms_div (g, d, avg), neg_lr);
              }
              break;

            case MS_OPTIM_ADAM:
              {
                double bc1 = 1.0 - pow (c->beta1, step);
                double bc2 = 1.0 - pow (c->beta2, step);
                MsTensor *denom;

                m[i] = ms_add (g, ms_scale (g, m[i], (float) c->beta1),
                               ms_scale (g, d, (float) (1.0 - c->beta1)));
                v[i] = ms_add (g, ms_scale (g, v[i], (float) c->beta2),
                               ms_scale (g, ms_square (g, d), (float) (1.0 - c->beta2)));
                denom = ms_add_scalar (g, ms_scale (g, ms_sqrt (g, ms_add_scalar (g, v[i],
                                                                                  UNROLL_SQRT_TINY)),
                                                    (float) (1.0 / sqrt (bc2))),
                                       (float) c->eps);
                upd = ms_scale (g, ms_div (g, m[i], denom), (float) -(c->lr / bc1));
              }
              break;

            case MS_OPTIM_SGD:
            default:
              upd = ms_scale (g, d, neg_lr);
              break;
            }
          p[i] = ms_add (g, p[i], upd);
          if (gan->config.loss == MS_LOSS_WGAN_CLIP)
            p[i] = clamp_tensor (g, p[i], gan->config.clip);
        }
      /* Only SGD with momentum has a first-step case (buf = d); RMSprop's buffer starts at 0 */
      if (c->momentum != 0.0)
        has_m = TRUE;
    }

  /* First order: theta_D^K.detach() */
  if (!second)
    for (guint i = 0; i < np; i++)
      p[i] = ms_tensor_wrap (g, p[i]->ndim, p[i]->shape, p[i]->data, NULL, FALSE);
}

static MsTensor *
g_loss (MsGan    *gan,
        MsTensor *out)
{
  MsGraph *g = gan->graph;

  switch (gan->config.loss)
    {
    case MS_LOSS_NSGAN:
      return ms_bce_with_logits_const (g, out, 1.0f);
    case MS_LOSS_MINIMAX:   /* log(1 - sigmoid(l)) = -softplus(l) */
      return ms_neg (g, ms_mean (g, ms_softplus (g, out)));
    default:
      return ms_neg (g, ms_mean (g, out));
    }
}

/* @have_real: gan->real_buf holds the last D step's real batch (the unroll's minibatch). */
static void
g_step_with (MsGan    *gan,
             MsTensor *fake,
             gboolean  have_real)
{
  MsParams *pg = ms_net_params (gan->gen);
  MsTensor *out, *loss;

  if (gan->config.unroll > 0)
    {
      guint np = ms_params_count (ms_net_params (gan->dis));
      MsTensor **p = g_newa (MsTensor *, np);
      MsTensor *real;

      if (!have_real)
        {
          ensure_buffers (gan, fake->shape[0]);
          gan->sampler (gan->sampler_data, &gan->rng, fake->shape[0], gan->real_buf);
        }
      real = ms_tensor_wrap (gan->graph, fake->ndim, fake->shape, gan->real_buf, NULL, FALSE);
      unroll_discriminator (gan, real, fake, p);
      out = discriminate_with (gan, fake, p);
    }
  else
    out = discriminate (gan, fake, TRUE);
  loss = g_loss (gan, out);
  ms_params_zero_grad (pg);
  ms_graph_backward (gan->graph, loss);
  gan->stats.loss_g = loss->data[0];
  gan->stats.grad_norm_g = ms_params_grad_norm (pg);
  ms_optimizer_step (&gan->opt_g, pg);
}

void
ms_gan_step_g (MsGan *gan)
{
  g_step_with (gan, generate (gan, TRUE), FALSE);
  ms_graph_reset (gan->graph);
}

void
ms_gan_iteration (MsGan *gan)
{
  for (int i = 0; i < gan->config.n_critic; i++)
    {
      gboolean last = i == gan->config.n_critic - 1;
      MsTensor *fake = generate (gan, last);

      d_step_with (gan, fake);
      if (last)
        g_step_with (gan, fake, TRUE);
      ms_graph_reset (gan->graph);
    }
  gan->iterations++;
}

gboolean
ms_gan_set_config (MsGan             *gan,
                   const MsGanConfig *config,
                   GError           **error)
{
  if (!ms_gan_config_validate (config, error))
    return FALSE;
  gan->config = *config;
  return TRUE;
}

gboolean
ms_gan_set_optim (MsGan               *gan,
                  gboolean             generator,
                  const MsOptimConfig *config,
                  GError             **error)
{
  if (!ms_optim_config_validate (config, error))
    return FALSE;
  if (generator)
    ms_optimizer_set_config (&gan->opt_g, ms_net_params (gan->gen), config, NULL);
  else
    ms_optimizer_set_config (&gan->opt_d, ms_net_params (gan->dis), config, NULL);
  return TRUE;
}

void
ms_gan_generate (MsGan       *gan,
                 const float *z,
                 int          n,
                 float       *out)
{
  MsGraph *g = gan->graph;
  gboolean old = ms_graph_set_recording (g, FALSE);
  MsTensor *tz = ms_tensor_from_data (g, 2, (int[]) { n, gan->z_dim }, z);
  MsTensor *y = ms_net_forward (gan->gen, g, tz, NULL, MS_NET_EVAL, NULL);

  memcpy (out, y->data, y->numel * sizeof (float));
  ms_graph_set_recording (g, old);
  ms_graph_reset (g);
}

void
ms_gan_discriminate (MsGan       *gan,
                     const float *x,
                     int          n,
                     float       *out)
{
  MsGraph *g = gan->graph;
  gboolean old = ms_graph_set_recording (g, FALSE);
  int shape[MS_MAX_DIMS] = { n, };
  MsTensor *tx, *y;

  g_return_if_fail (gan->arch.pack == 1);
  memcpy (shape + 1, gan->arch.data_shape, gan->arch.data_ndim * sizeof (int));
  tx = ms_tensor_from_data (g, gan->arch.data_ndim + 1, shape, x);
  y = ms_net_forward (gan->dis, g, tx, NULL, MS_NET_EVAL, NULL);
  memcpy (out, y->data, y->numel * sizeof (float));
  ms_graph_set_recording (g, old);
  ms_graph_reset (g);
}

const MsGanStats *
ms_gan_stats (MsGan *gan)
{
  return &gan->stats;
}

const MsGanConfig *
ms_gan_config (MsGan *gan)
{
  return &gan->config;
}

MsNet *
ms_gan_generator (MsGan *gan)
{
  return gan->gen;
}

MsNet *
ms_gan_discriminator (MsGan *gan)
{
  return gan->dis;
}

MsOptimizer *
ms_gan_optimizer (MsGan    *gan,
                  gboolean  generator)
{
  return generator ? &gan->opt_g : &gan->opt_d;
}

MsRng *
ms_gan_rng (MsGan *gan)
{
  return &gan->rng;
}

int
ms_gan_z_dim (MsGan *gan)
{
  return gan->z_dim;
}

gsize
ms_gan_data_size (MsGan *gan)
{
  return gan->data_size;
}

gint64
ms_gan_iterations (MsGan *gan)
{
  return gan->iterations;
}

MsGraph *
ms_gan_graph (MsGan *gan)
{
  return gan->graph;
}
