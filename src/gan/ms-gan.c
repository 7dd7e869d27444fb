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
  MsGanConfig c = { .loss = kind, .batch = 64, .n_critic = 1, .gp_lambda = 10.0f, .clip = 0.01f };

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
  return ms_net_forward (gan->dis, g, pack (gan, x), p, MS_NET_TRAIN, &gan->rng);
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
gradient_penalty (MsGan    *gan,
                  MsTensor *real,
                  MsTensor *fake)
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
  out = ms_sum (g, discriminate (gan, xhat, FALSE));
  ms_graph_grad (g, out, NULL, 1, &xhat, &grad, TRUE);
  norm = ms_sqrt (g, ms_add_scalar (g, ms_row_sum (g, ms_square (g, grad)), 1e-12f));
  return ms_scale (g, ms_mean (g, ms_square (g, ms_add_scalar (g, norm, -1.0f))),
                   gan->config.gp_lambda);
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
  out_real = discriminate (gan, real, FALSE);
  out_fake = discriminate (gan, fake, FALSE);
  gan->stats.penalty = 0.0;
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
        MsTensor *gp = gradient_penalty (gan, real, fake);

        gan->stats.penalty = gp->data[0];
        loss = ms_add (g, ms_sub (g, ms_mean (g, out_fake), ms_mean (g, out_real)), gp);
      }
      break;
    }
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

static void
g_step_with (MsGan    *gan,
             MsTensor *fake)
{
  MsGraph *g = gan->graph;
  MsParams *pg = ms_net_params (gan->gen);
  MsTensor *out = discriminate (gan, fake, TRUE);
  MsTensor *loss;

  switch (gan->config.loss)
    {
    case MS_LOSS_NSGAN:
      loss = ms_bce_with_logits_const (g, out, 1.0f);
      break;
    case MS_LOSS_MINIMAX:   /* log(1 - sigmoid(l)) = -softplus(l) */
      loss = ms_neg (g, ms_mean (g, ms_softplus (g, out)));
      break;
    default:
      loss = ms_neg (g, ms_mean (g, out));
      break;
    }
  ms_params_zero_grad (pg);
  ms_graph_backward (g, loss);
  gan->stats.loss_g = loss->data[0];
  gan->stats.grad_norm_g = ms_params_grad_norm (pg);
  ms_optimizer_step (&gan->opt_g, pg);
}

void
ms_gan_step_g (MsGan *gan)
{
  g_step_with (gan, generate (gan, TRUE));
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
        g_step_with (gan, fake);
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
