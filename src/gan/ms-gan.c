/* ms-gan.c: objectives and the training step
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ms-gan.h"
#include "ms-ops.h"
#include "ms-quote.h"

/* AdaGAN: the finite sample drawn when no real set is attached (the paper's 64k points) */
#define ADAGAN_OWN_POINTS      65536
#define ADAGAN_OWN_MAX_FLOATS  (1 << 24)
/* AdaGAN: steps that turn the last D into the mixture classifier (at most a round's) */
#define ADAGAN_CLASSIFIER_STEPS 200
/* Points per forward pass when D scores the whole real set */
#define ADAGAN_SCORE_CHUNK     1024

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

  guint32      *idx_buf;       /* AdaGAN: indices of the real batch */

  /* VEEGAN (NULL when off): the reconstructor F and the joint D(z, x) = head([trunk(x), z])
   * (trunk NULL for mlp: head([x, z])).  F steps with G's optimizer config, the joint D with
   * D's, each with its own state. */
  MsNet        *rec;
  MsNet        *jtrunk;
  MsNet        *jhead;
  MsOptimizer   opt_r;
  MsOptimizer   opt_jt;
  MsOptimizer   opt_jh;

  /* AdaGAN (round 0 when off) */
  int           round;                 /* 1-based */
  gint64        round_start;           /* ms_gan_iterations() when the round began */
  int           n_frozen;              /* finished generators, in comp[] */
  MsNet        *comp[MS_GAN_MAX_ADAGAN_ROUNDS];
  double        mix_w[MS_GAN_MAX_ADAGAN_ROUNDS + 1];  /* frozen ones, then the current G */
  double       *data_w;                /* (n_points) real-data weights, NULL = uniform */
  double       *data_cum;              /* (n_points) their running sums */
  /* The finite real set: attached by the owner, or drawn from the sampler (own_points) */
  gsize         n_points;
  MsRealGetter  getter;
  gpointer      getter_data;
  float        *own_points;
  MsRng         own_rng;               /* what own_points was drawn with, for checkpoints */
};

static gboolean apply_structure (MsGan *gan, const MsGanConfig *config, GError **error);
static void     veegan_stop     (MsGan *gan);
static void     adagan_stop     (MsGan *gan);

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
  if (error != NULL)
    {
      g_autofree char *shown = ms_quote_text (name);

      g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                   _("unknown loss “%s” (choose one of nsgan, minimax, wgan-clip, wgan-gp)"),
                   shown);
    }
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
                 _("batch size %d is out of range (1 to 4096)"), c->batch);
  else if (c->n_critic < 1 || c->n_critic > 100)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 _("discriminator steps per generator step %d is out of range (1 to 100)"),
                 c->n_critic);
  else if (!(c->gp_lambda >= 0.0f && c->gp_lambda <= 1000.0f))
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 _("gradient-penalty weight %g is out of range (0 to 1000)"), c->gp_lambda);
  else if (!(c->clip > 0.0f && c->clip <= 10.0f))
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 _("clip value %g is out of range (above 0, at most 10)"), c->clip);
  else if (c->unroll < 0 || c->unroll > MS_GAN_MAX_UNROLL)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 _("unrolling steps %d is out of range (0 to %d)"), c->unroll, MS_GAN_MAX_UNROLL);
  else if (c->adagan_rounds < 0 || c->adagan_rounds > MS_GAN_MAX_ADAGAN_ROUNDS)
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 _("AdaGAN rounds %d is out of range (0 to %d)"), c->adagan_rounds,
                 MS_GAN_MAX_ADAGAN_ROUNDS);
  else if (c->adagan_rounds > 1 && (c->adagan_round_iters < 1 || c->adagan_round_iters > 10000000))
    g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                 _("AdaGAN iterations per round %d is out of range (1 to 10000000)"),
                 c->adagan_round_iters);
  else if (c->veegan && c->adagan_rounds > 1)
    g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                         _("VEEGAN and AdaGAN cannot be combined: AdaGAN reweights the data "
                           "with a discriminator on data alone, VEEGAN's sees (noise, data) "
                           "pairs"));
  else if (c->veegan && c->unroll > 0)
    g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                         _("VEEGAN and unrolling cannot be combined (turn one of them off)"));
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
  if (!apply_structure (gan, config, error))
    {
      ms_gan_free (gan);
      return NULL;
    }
  return gan;
}

void
ms_gan_free (MsGan *gan)
{
  if (gan == NULL)
    return;
  veegan_stop (gan);
  adagan_stop (gan);
  ms_net_free (gan->gen);
  ms_net_free (gan->dis);
  ms_graph_free (gan->graph);
  g_free (gan->z_buf);
  g_free (gan->real_buf);
  g_free (gan->idx_buf);
  g_free (gan->own_points);
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
  g_free (gan->idx_buf);
  gan->z_buf = g_malloc (samples * gan->z_dim * sizeof (float));
  gan->real_buf = g_malloc (samples * gan->data_size * sizeof (float));
  gan->idx_buf = g_malloc (samples * sizeof (guint32));
  gan->buf_samples = samples;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static MsInitScheme
init_scheme (MsGan *gan)
{
  /* as ms_arch_build() chooses */
  return g_strcmp0 (gan->arch.arch, "mlp") == 0 ? MS_INIT_TORCH : MS_INIT_DCGAN;
}

/* VEEGAN's networks ------------------------------------------------------------------------ */

static void
veegan_stop (MsGan *gan)
{
  g_clear_pointer (&gan->rec, ms_net_free);
  g_clear_pointer (&gan->jtrunk, ms_net_free);
  g_clear_pointer (&gan->jhead, ms_net_free);
}

/* Fresh F and joint D from the run's RNG, fresh optimizer state with the current configs.
 * The plain D is kept as it is (not trained while VEEGAN is on) and takes over again when
 * VEEGAN is turned off. */
static gboolean
veegan_start (MsGan   *gan,
              GError **error)
{
  MsNet *rec, *trunk = NULL, *head = NULL;

  rec = ms_arch_build_reconstructor (&gan->arch, gan->z_dim, &gan->rng, error);
  if (rec == NULL)
    return FALSE;
  if (!ms_arch_build_joint_discriminator (&gan->arch, gan->z_dim, &gan->rng, &trunk, &head,
                                          error))
    {
      ms_net_free (rec);
      return FALSE;
    }
  gan->rec = rec;
  gan->jtrunk = trunk;
  gan->jhead = head;
  ms_optimizer_init (&gan->opt_r, &gan->opt_g.config, NULL);
  ms_optimizer_init (&gan->opt_jt, &gan->opt_d.config, NULL);
  ms_optimizer_init (&gan->opt_jh, &gan->opt_d.config, NULL);
  return TRUE;
}

/* AdaGAN's real set and rounds -------------------------------------------------------------- */

static void
own_points_get (gpointer       data,
                const guint32 *idx,
                int            n,
                float         *out)
{
  MsGan *gan = data;

  for (int i = 0; i < n; i++)
    memcpy (out + (gsize) i * gan->data_size, gan->own_points + (gsize) idx[i] * gan->data_size,
            gan->data_size * sizeof (float));
}

/* Draws the GAN's own finite sample from the sampler with the sub-stream @rng (copied) */
static void
draw_own_points (MsGan       *gan,
                 const MsRng *rng)
{
  gsize n = MIN (ADAGAN_OWN_POINTS, ADAGAN_OWN_MAX_FLOATS / gan->data_size);
  MsRng r = *rng;

  gan->own_rng = *rng;
  g_free (gan->own_points);
  gan->own_points = g_malloc (n * gan->data_size * sizeof (float));
  for (gsize i = 0; i < n; i += 4096)
    gan->sampler (gan->sampler_data, &r, (int) MIN (4096, n - i),
                  gan->own_points + i * gan->data_size);
  gan->n_points = n;
  gan->getter = own_points_get;
  gan->getter_data = gan;
}

static void
ensure_real_set (MsGan *gan)
{
  MsRng child;

  if (gan->getter != NULL)
    return;
  ms_rng_fork (&gan->rng, &child);
  draw_own_points (gan, &child);
}

static void
set_data_weights (MsGan        *gan,
                  const double *w)    /* (n_points) or NULL for uniform */
{
  double acc = 0.0;

  g_clear_pointer (&gan->data_w, g_free);
  g_clear_pointer (&gan->data_cum, g_free);
  if (w == NULL)
    return;
  gan->data_w = g_memdup2 (w, gan->n_points * sizeof (double));
  gan->data_cum = g_new (double, gan->n_points);
  for (gsize i = 0; i < gan->n_points; i++)
    gan->data_cum[i] = acc += w[i];
}

/* The first index whose running sum exceeds u * total (inverse CDF by bisection) */
static guint32
weighted_index (const double *cum,
                gsize         n,
                double        u)
{
  double target = u * cum[n - 1];
  gsize lo = 0, hi = n - 1;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (cum[mid] > target)
        hi = mid;
      else
        lo = mid + 1;
    }
  return (guint32) lo;
}

static gboolean
adagan_on (MsGan *gan)
{
  return gan->round > 0;
}

/* @n real samples into @out: the data (the sampler), or AdaGAN's weighted finite set */
static void
sample_real (MsGan *gan,
             int    n,
             float *out,
             gboolean uniform)
{
  if (!adagan_on (gan))
    {
      gan->sampler (gan->sampler_data, &gan->rng, n, out);
      return;
    }
  ensure_real_set (gan);   /* drawn when first needed, so that an owner can attach its own */
  for (int i = 0; i < n; i++)
    gan->idx_buf[i] = uniform || gan->data_cum == NULL
                        ? ms_rng_below (&gan->rng, (guint32) gan->n_points)
                        : weighted_index (gan->data_cum, gan->n_points,
                                          (double) ms_rng_uniform (&gan->rng));
  gan->getter (gan->getter_data, gan->idx_buf, n, out);
}

static void
adagan_stop (MsGan *gan)
{
  for (int i = 0; i < gan->n_frozen; i++)
    g_clear_pointer (&gan->comp[i], ms_net_free);
  gan->n_frozen = 0;
  gan->round = 0;
  set_data_weights (gan, NULL);
}

static void
adagan_start (MsGan *gan)
{
  gan->round = 1;
  gan->round_start = gan->iterations;
  gan->n_frozen = 0;
  gan->mix_w[0] = 1.0;   /* beta_1 = 1: the first generator alone */
  set_data_weights (gan, NULL);
}

/* A generator of the run's architecture holding a copy of the current one's weights */
static MsNet *
copy_generator (MsGan *gan)
{
  MsRng scratch;
  MsNet *g = NULL, *d = NULL;

  ms_rng_seed (&scratch, 0);   /* the values are overwritten: keep the run's RNG untouched */
  if (!ms_arch_build (&gan->arch, &scratch, &g, &d, NULL))
    g_assert_not_reached ();   /* the same config built the current one */
  ms_net_free (d);
  ms_params_copy_data (ms_net_params (g), ms_net_params (gan->gen));
  if (ms_net_buffers (g) != NULL)
    ms_params_copy_data (ms_net_buffers (g), ms_net_buffers (gan->gen));
  return g;
}

/* Makes gan->config's VEEGAN and AdaGAN state real: creates or frees their parts. */
static gboolean
apply_structure (MsGan             *gan,
                 const MsGanConfig *config,
                 GError           **error)
{
  gboolean want_ada = config->adagan_rounds > 1;

  if (want_ada && gan->arch.pack > 1)
    {
      g_set_error_literal (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                           _("AdaGAN cannot be combined with PacGAN packing: its "
                             "reweighting scores single data points"));
      return FALSE;
    }
  if (config->veegan && gan->rec == NULL && !veegan_start (gan, error))
    return FALSE;
  if (!config->veegan)
    veegan_stop (gan);
  if (want_ada && !adagan_on (gan))
    adagan_start (gan);
  else if (!want_ada && adagan_on (gan))
    adagan_stop (gan);
  return TRUE;
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

/* The objectives as engine ops (public for the fixture tests) ------------------------------ */

MsTensor *
ms_gan_loss_d (MsGraph    *g,
               MsLossKind  kind,
               MsTensor   *out_real,
               MsTensor   *out_fake)
{
  if (kind == MS_LOSS_NSGAN || kind == MS_LOSS_MINIMAX)
    return ms_add (g, ms_bce_with_logits_const (g, out_real, 1.0f),
                   ms_bce_with_logits_const (g, out_fake, 0.0f));
  return ms_sub (g, ms_mean (g, out_fake), ms_mean (g, out_real));
}

MsTensor *
ms_gan_loss_g (MsGraph    *g,
               MsLossKind  kind,
               MsTensor   *out_fake)
{
  switch (kind)
    {
    case MS_LOSS_NSGAN:
      return ms_bce_with_logits_const (g, out_fake, 1.0f);
    case MS_LOSS_MINIMAX:   /* log(1 - sigmoid(l)) = -softplus(l) */
      return ms_neg (g, ms_mean (g, ms_softplus (g, out_fake)));
    default:
      return ms_neg (g, ms_mean (g, out_fake));
    }
}

MsTensor *
ms_veegan_joint_input (MsGraph  *g,
                       MsTensor *x,
                       MsTensor *z)
{
  int rows = x->shape[0];

  return ms_concat (g, ms_reshape (g, x, 2, (int[]) { rows, -1 }),
                    ms_reshape (g, z, 2, (int[]) { rows, -1 }), 1);
}

MsTensor *
ms_veegan_loss_d (MsGraph  *g,
                  MsTensor *out_real_pairs,
                  MsTensor *out_fake_pairs)
{
  return ms_add (g, ms_bce_with_logits_const (g, out_real_pairs, 1.0f),
                 ms_bce_with_logits_const (g, out_fake_pairs, 0.0f));
}

MsTensor *
ms_veegan_recon (MsGraph  *g,
                 MsTensor *z,
                 MsTensor *z_rec)
{
  return ms_scale (g, ms_mean (g, ms_row_sum (g, ms_square (g, ms_sub (g, z_rec, z)))), 0.5f);
}

MsTensor *
ms_veegan_loss_g (MsGraph   *g,
                  MsTensor  *out_fake_pairs,
                  MsTensor  *z,
                  MsTensor  *z_rec,
                  MsTensor **recon_out)
{
  MsTensor *recon = ms_veegan_recon (g, z, z_rec);

  if (recon_out != NULL)
    *recon_out = recon;
  return ms_add (g, ms_neg (g, ms_mean (g, out_fake_pairs)), recon);
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
  loss = ms_gan_loss_d (g, gan->config.loss, out_real, out_fake);
  if (gan->config.loss == MS_LOSS_WGAN_GP)
    {
      MsTensor *gp = gradient_penalty (gan, real, fake, params);

      if (penalty != NULL)
        *penalty = gp->data[0];
      loss = ms_add (g, loss, gp);
    }
  if (out_real_ret != NULL)
    *out_real_ret = out_real;
  if (out_fake_ret != NULL)
    *out_fake_ret = out_fake;
  return loss;
}

/* VEEGAN's steps ------------------------------------------------------------------------------ */

/* @net's parameters as constant leaves into @p (the other side's step must not train it) */
static MsTensor **
const_params (MsGan *gan,
              MsNet *net,
              MsTensor **p)
{
  MsParams *params = ms_net_params (net);

  for (guint i = 0; i < ms_params_count (params); i++)
    p[i] = ms_params_tensor_const (gan->graph, params, (int) i);
  return p;
}

/* The joint D on pairs (z, x): x (n * pack, ...), z (n * pack, z_dim) -> (n, 1) */
static MsTensor *
joint_forward (MsGan     *gan,
               MsTensor  *x,
               MsTensor  *z,
               gboolean   constant_weights,
               MsNetMode  mode)
{
  MsGraph *g = gan->graph;
  int rows = x->shape[0] / gan->arch.pack;
  MsTensor **pt = NULL, **ph = NULL;
  MsTensor *feat;

  if (constant_weights)
    {
      ph = const_params (gan, gan->jhead,
                         g_newa (MsTensor *, ms_params_count (ms_net_params (gan->jhead))));
      if (gan->jtrunk != NULL)
        pt = const_params (gan, gan->jtrunk,
                           g_newa (MsTensor *, ms_params_count (ms_net_params (gan->jtrunk))));
    }
  feat = gan->jtrunk != NULL ? ms_net_forward (gan->jtrunk, g, pack (gan, x), pt, mode, &gan->rng)
                             : ms_reshape (g, x, 2, (int[]) { rows, -1 });
  return ms_net_forward (gan->jhead, g,
                         ms_veegan_joint_input (g, feat,
                                                ms_reshape (g, z, 2, (int[]) { rows, -1 })),
                         ph, mode, &gan->rng);
}

/* F(x) as a constant (only the generator step trains F, Algorithm 1 of the paper).  With
 * @sample, a draw z ~ p_theta(z | x) = N(F(x), I) instead of its mean: the paper's real pairs
 * (Algorithm 1: z^i ~ p_theta(z | x^i); its reconstruction term is -log p_theta, see
 * ms_veegan_recon()), as the official notebooks draw them (a unit-variance Normal around the
 * reconstructor's output).  With the mean alone, every real pair's z lies on F's 2-D image
 * of the data, which D tells from N(0, I) by z alone: its loss goes to 0 within a few hundred
 * steps and G learns nothing from it (ring8: 0-5 of 8 modes, about 0% HQ). */
static MsTensor *
reconstruct_const (MsGan     *gan,
                   MsTensor  *x,
                   MsNetMode  mode,
                   gboolean   sample)
{
  MsGraph *g = gan->graph;
  gboolean old = ms_graph_set_recording (g, FALSE);
  MsTensor *zr = ms_net_forward (gan->rec, g, x, NULL, mode, &gan->rng);

  if (sample)
    {
      MsTensor *eps = ms_tensor_new (g, zr->ndim, zr->shape);

      ms_rng_fill_normal (&gan->rng, eps->data, eps->numel, 0.0f, 1.0f);
      zr = ms_add (g, zr, eps);
    }
  ms_graph_set_recording (g, old);
  return ms_tensor_wrap (g, zr->ndim, zr->shape, zr->data, NULL, FALSE);
}

/* D's logistic regression (the paper's O_LR): real pairs (F(x), x) against (z, G(z)) */
static void
veegan_d_step (MsGan    *gan,
               MsTensor *real,
               MsTensor *fake)
{
  MsGraph *g = gan->graph;
  MsTensor *z = ms_tensor_wrap (g, 2, (int[]) { fake->shape[0], gan->z_dim }, gan->z_buf,
                                NULL, FALSE);
  MsTensor *out_real, *out_fake, *loss;
  double nt = 0.0, nh;

  out_real = joint_forward (gan, real, reconstruct_const (gan, real, MS_NET_TRAIN, TRUE), FALSE,
                            MS_NET_TRAIN);
  out_fake = joint_forward (gan, fake, z, FALSE, MS_NET_TRAIN);
  loss = ms_veegan_loss_d (g, out_real, out_fake);
  if (gan->jtrunk != NULL)
    ms_params_zero_grad (ms_net_params (gan->jtrunk));
  ms_params_zero_grad (ms_net_params (gan->jhead));
  ms_graph_backward (g, loss);
  gan->stats.loss_d = loss->data[0];
  gan->stats.d_real = mean_of (out_real);
  gan->stats.d_fake = mean_of (out_fake);
  gan->stats.penalty = 0.0;
  if (gan->jtrunk != NULL)
    {
      nt = ms_params_grad_norm (ms_net_params (gan->jtrunk));
      ms_optimizer_step (&gan->opt_jt, ms_net_params (gan->jtrunk));
    }
  nh = ms_params_grad_norm (ms_net_params (gan->jhead));
  gan->stats.grad_norm_d = sqrt (nt * nt + nh * nh);
  ms_optimizer_step (&gan->opt_jh, ms_net_params (gan->jhead));
}

/* G and F minimise the paper's O-hat: the adversarial term (-D', D' = -D_omega, see the
 * header) plus the noise autoencoder's ||z - F(G(z))||^2; D enters as constants. */
static void
veegan_g_step (MsGan    *gan,
               MsTensor *fake)
{
  MsGraph *g = gan->graph;
  MsParams *pg = ms_net_params (gan->gen), *pr = ms_net_params (gan->rec);
  MsTensor *z = ms_tensor_wrap (g, 2, (int[]) { fake->shape[0], gan->z_dim }, gan->z_buf,
                                NULL, FALSE);
  MsTensor *out, *zrec, *recon, *loss;

  out = joint_forward (gan, fake, z, TRUE, MS_NET_TRAIN);
  zrec = ms_net_forward (gan->rec, g, fake, NULL, MS_NET_TRAIN, &gan->rng);
  loss = ms_veegan_loss_g (g, out, z, zrec, &recon);
  ms_params_zero_grad (pg);
  ms_params_zero_grad (pr);
  ms_graph_backward (g, loss);
  gan->stats.loss_g = loss->data[0];
  gan->stats.recon = recon->data[0];
  gan->stats.grad_norm_g = ms_params_grad_norm (pg);
  ms_optimizer_step (&gan->opt_g, pg);
  ms_optimizer_step (&gan->opt_r, pr);
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
  sample_real (gan, n, gan->real_buf, FALSE);
  real = ms_tensor_wrap (g, fake_recorded->ndim, fake_recorded->shape, gan->real_buf, NULL, FALSE);
  /* fake.detach() */
  fake = ms_tensor_wrap (g, fake_recorded->ndim, fake_recorded->shape, fake_recorded->data,
                         NULL, FALSE);
  if (gan->rec != NULL)
    {
      veegan_d_step (gan, real, fake);
      return;
    }
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

/* @have_real: gan->real_buf holds the last D step's real batch (the unroll's minibatch). */
static void
g_step_with (MsGan    *gan,
             MsTensor *fake,
             gboolean  have_real)
{
  MsParams *pg = ms_net_params (gan->gen);
  MsTensor *out, *loss;

  if (gan->rec != NULL)
    {
      veegan_g_step (gan, fake);
      return;
    }
  if (gan->config.unroll > 0)
    {
      guint np = ms_params_count (ms_net_params (gan->dis));
      MsTensor **p = g_newa (MsTensor *, np);
      MsTensor *real;

      if (!have_real)
        {
          ensure_buffers (gan, fake->shape[0]);
          sample_real (gan, fake->shape[0], gan->real_buf, FALSE);
        }
      real = ms_tensor_wrap (gan->graph, fake->ndim, fake->shape, gan->real_buf, NULL, FALSE);
      unroll_discriminator (gan, real, fake, p);
      out = discriminate_with (gan, fake, p);
    }
  else
    out = discriminate (gan, fake, TRUE);
  loss = ms_gan_loss_g (gan->graph, gan->config.loss, out);
  ms_params_zero_grad (pg);
  ms_graph_backward (gan->graph, loss);
  gan->stats.loss_g = loss->data[0];
  gan->stats.recon = 0.0;
  gan->stats.grad_norm_g = ms_params_grad_norm (pg);
  ms_optimizer_step (&gan->opt_g, pg);
}

void
ms_gan_step_g (MsGan *gan)
{
  g_step_with (gan, generate (gan, TRUE), FALSE);
  ms_graph_reset (gan->graph);
}

/* AdaGAN's rounds ------------------------------------------------------------------------------ */

gboolean
ms_adagan_data_weights (const double *ratios,
                        gsize         n,
                        double        beta,
                        double       *weights)
{
  g_autofree double *sorted = NULL;
  double cum = 0.0, lambda = 0.0;
  gboolean found = FALSE;

  g_return_val_if_fail (n > 0 && beta > 0.0 && beta <= 1.0, FALSE);
  sorted = g_memdup2 (ratios, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_doubles);
  /* lambda* (eq. 18): the i for which (1 - beta) h_(i) <= lambda <= (1 - beta) h_(i+1), where
   * lambda = (beta N + (1 - beta) sum_{j <= i} h_(j)) / i; it exists by Lemma 5 in theory,
   * but D's estimate of h may not allow it, and then the weights stay uniform (adagan.py). */
  for (gsize i = 0; i < n && !found; i++)
    {
      cum += sorted[i];
      lambda = (beta * (double) n + (1.0 - beta) * cum) / (double) (i + 1);
      if (i == n - 1)
        found = lambda >= (1.0 - beta) * sorted[i];
      else
        found = lambda <= (1.0 - beta) * sorted[i + 1] && lambda >= (1.0 - beta) * sorted[i];
    }
  /* eq. 17: w_i = max(0, lambda - (1 - beta) h_i) / (N beta) */
  for (gsize i = 0; i < n; i++)
    weights[i] = !found ? 1.0 / (double) n
                        : MAX (0.0, lambda - (1.0 - beta) * ratios[i]) / ((double) n * beta);
  return found;
}

/* Component (0..n_frozen-1 frozen, n_frozen the current G) for a uniform @u */
static int
pick_component (MsGan  *gan,
                int     n,           /* components to choose from */
                double  u)
{
  double total = 0.0, acc = 0.0;

  for (int c = 0; c < n; c++)
    total += gan->mix_w[c];
  for (int c = 0; c < n - 1; c++)
    if (u * total < (acc += gan->mix_w[c]))
      return c;
  return n - 1;
}

int
ms_gan_adagan_component (MsGan       *gan,
                         const float *z)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  const guint8 *b = (const guint8 *) z;

  if (!adagan_on (gan))
    return 0;
  /* FNV-1a over the noise's bytes, then splitmix64's finaliser: the same z always gets the
   * same component, so a fixed-noise grid stays put between frames */
  for (gsize i = 0; i < (gsize) gan->z_dim * sizeof (float); i++)
    h = (h ^ b[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  h ^= h >> 30;
  h *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  h ^= h >> 27;
  h *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  h ^= h >> 31;
  return pick_component (gan, gan->n_frozen + 1, (double) (h >> 11) * 0x1.0p-53);
}

/* Samples of the components @which[i] (0..n_frozen) for the n rows of @z, evaluation mode */
static void
mixture_forward (MsGan       *gan,
                 const float *z,
                 int          n,
                 const int   *which,
                 float       *out)
{
  MsGraph *g = gan->graph;
  gboolean old = ms_graph_set_recording (g, FALSE);
  int *rows = ms_arena_alloc (ms_graph_arena (g), (gsize) n * sizeof (int));
  gsize zd = (gsize) gan->z_dim, xd = gan->data_size;

  for (int c = 0; c <= gan->n_frozen; c++)
    {
      MsNet *net = c < gan->n_frozen ? gan->comp[c] : gan->gen;
      MsTensor *zt, *y;
      int m = 0;

      for (int i = 0; i < n; i++)
        if (which[i] == c)
          rows[m++] = i;
      if (m == 0)
        continue;
      zt = ms_tensor_new (g, 2, (int[]) { m, gan->z_dim });
      for (int j = 0; j < m; j++)
        memcpy (zt->data + j * zd, z + rows[j] * zd, zd * sizeof (float));
      y = ms_net_forward (net, g, zt, NULL, MS_NET_EVAL, NULL);
      for (int j = 0; j < m; j++)
        memcpy (out + rows[j] * xd, y->data + j * xd, xd * sizeof (float));
    }
  ms_graph_set_recording (g, old);
}

/* The paper's classifier between the data (uniform) and the mixture P_t: the last D, trained
 * on for a few more steps against samples of P_t rather than of the last generator alone,
 * always with the logistic loss so that (1 - D) / D estimates dP_t / dP_data. */
static void
adagan_train_classifier (MsGan *gan)
{
  MsGraph *g = gan->graph;
  MsParams *pd = ms_net_params (gan->dis);
  int n = gan->config.batch;
  int steps = MIN (gan->config.adagan_round_iters, ADAGAN_CLASSIFIER_STEPS);
  int *which;
  int shape[MS_MAX_DIMS] = { n, };

  memcpy (shape + 1, gan->arch.data_shape, gan->arch.data_ndim * sizeof (int));
  ensure_buffers (gan, n);
  for (int s = 0; s < steps; s++)
    {
      MsTensor *real, *fake, *loss;

      which = ms_arena_alloc (ms_graph_arena (g), (gsize) n * sizeof (int));
      sample_real (gan, n, gan->real_buf, TRUE);
      ms_rng_fill_normal (&gan->rng, gan->z_buf, (gsize) n * gan->z_dim, 0.0f, 1.0f);
      for (int i = 0; i < n; i++)
        which[i] = pick_component (gan, gan->n_frozen, (double) ms_rng_uniform (&gan->rng));
      fake = ms_tensor_new (g, gan->arch.data_ndim + 1, shape);
      mixture_forward (gan, gan->z_buf, n, which, fake->data);
      real = ms_tensor_wrap (g, gan->arch.data_ndim + 1, shape, gan->real_buf, NULL, FALSE);
      loss = ms_gan_loss_d (g, MS_LOSS_NSGAN, discriminate (gan, real, FALSE),
                            discriminate (gan, fake, FALSE));
      ms_params_zero_grad (pd);
      ms_graph_backward (g, loss);
      ms_optimizer_step (&gan->opt_d, pd);
      ms_graph_reset (g);
    }
}

/* h(x_i) = dP_t / dP_data (x_i) ~ (1 - D) / D = exp(-logit) for every real point */
static double *
adagan_ratios (MsGan *gan)
{
  MsGraph *g = gan->graph;
  double *h = g_new (double, gan->n_points);
  int shape[MS_MAX_DIMS];

  ensure_buffers (gan, ADAGAN_SCORE_CHUNK);
  memcpy (shape + 1, gan->arch.data_shape, gan->arch.data_ndim * sizeof (int));
  for (gsize i = 0; i < gan->n_points; i += ADAGAN_SCORE_CHUNK)
    {
      int m = (int) MIN (ADAGAN_SCORE_CHUNK, gan->n_points - i);
      gboolean old = ms_graph_set_recording (g, FALSE);
      MsTensor *x, *y;

      for (int j = 0; j < m; j++)
        gan->idx_buf[j] = (guint32) (i + j);
      gan->getter (gan->getter_data, gan->idx_buf, m, gan->real_buf);
      shape[0] = m;
      x = ms_tensor_wrap (g, gan->arch.data_ndim + 1, shape, gan->real_buf, NULL, FALSE);
      y = ms_net_forward (gan->dis, g, x, NULL, MS_NET_EVAL, NULL);
      for (int j = 0; j < m; j++)
        h[i + j] = exp (-CLAMP ((double) y->data[j], -60.0, 60.0));
      ms_graph_set_recording (g, old);
      ms_graph_reset (g);
    }
  return h;
}

/* End of round t: G_t joins the mixture, the data are reweighted for beta_{t+1} = 1/(t+1)
 * (the paper's uniform heuristic: every component ends with the same weight), and a fresh
 * G and D (drawn from the run's RNG, optimizer state reset) start round t+1. */
static void
adagan_next_round (MsGan *gan)
{
  int t = gan->round;
  double beta = 1.0 / (double) (t + 1);
  g_autofree double *h = NULL;
  g_autofree double *w = g_new (double, gan->n_points);

  gan->comp[gan->n_frozen++] = copy_generator (gan);
  adagan_train_classifier (gan);
  h = adagan_ratios (gan);
  if (!ms_adagan_data_weights (h, gan->n_points, beta, w))
    g_debug ("AdaGAN round %d: no lambda* for D's ratios, uniform data weights", t + 1);
  set_data_weights (gan, w);
  for (int c = 0; c < gan->n_frozen; c++)
    gan->mix_w[c] *= 1.0 - beta;
  gan->mix_w[gan->n_frozen] = beta;
  ms_net_reinit (gan->gen, init_scheme (gan), &gan->rng);
  ms_net_reinit (gan->dis, init_scheme (gan), &gan->rng);
  ms_optimizer_reset (&gan->opt_g, ms_net_params (gan->gen));
  ms_optimizer_reset (&gan->opt_d, ms_net_params (gan->dis));
  gan->round = t + 1;
  gan->round_start = gan->iterations;
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
  if (adagan_on (gan) && gan->round < gan->config.adagan_rounds
      && gan->iterations - gan->round_start >= gan->config.adagan_round_iters)
    adagan_next_round (gan);
}

gboolean
ms_gan_set_config (MsGan             *gan,
                   const MsGanConfig *config,
                   GError           **error)
{
  if (!ms_gan_config_validate (config, error) || !apply_structure (gan, config, error))
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
  /* F follows G's settings, the joint D follows D's */
  if (generator)
    {
      ms_optimizer_set_config (&gan->opt_g, ms_net_params (gan->gen), config, NULL);
      if (gan->rec != NULL)
        ms_optimizer_set_config (&gan->opt_r, ms_net_params (gan->rec), config, NULL);
    }
  else
    {
      ms_optimizer_set_config (&gan->opt_d, ms_net_params (gan->dis), config, NULL);
      if (gan->jtrunk != NULL)
        ms_optimizer_set_config (&gan->opt_jt, ms_net_params (gan->jtrunk), config, NULL);
      if (gan->jhead != NULL)
        ms_optimizer_set_config (&gan->opt_jh, ms_net_params (gan->jhead), config, NULL);
    }
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

  if (adagan_on (gan) && gan->n_frozen > 0)
    {
      int *which = ms_arena_alloc (ms_graph_arena (g), (gsize) n * sizeof (int));

      for (int i = 0; i < n; i++)
        which[i] = ms_gan_adagan_component (gan, z + (gsize) i * gan->z_dim);
      mixture_forward (gan, z, n, which, out);
    }
  else
    {
      MsTensor *tz = ms_tensor_from_data (g, 2, (int[]) { n, gan->z_dim }, z);
      MsTensor *y = ms_net_forward (gan->gen, g, tz, NULL, MS_NET_EVAL, NULL);

      memcpy (out, y->data, y->numel * sizeof (float));
    }
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
  if (gan->rec != NULL)   /* D'(F(x), x): high for data, as the plain D */
    y = joint_forward (gan, tx, reconstruct_const (gan, tx, MS_NET_EVAL, FALSE), TRUE, MS_NET_EVAL);
  else
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

void
ms_gan_zero_grad (MsGan *gan)
{
  MsNet *nets[] = { gan->gen, gan->dis, gan->rec, gan->jtrunk, gan->jhead };

  for (gsize i = 0; i < G_N_ELEMENTS (nets); i++)
    if (nets[i] != NULL)
      ms_params_zero_grad (ms_net_params (nets[i]));
  for (int i = 0; i < gan->n_frozen; i++)
    ms_params_zero_grad (ms_net_params (gan->comp[i]));
}

/* Parameters, gradients, optimizer moments and batch-norm running statistics */
static gboolean
net_finite (MsNet *net)
{
  MsParams *buffers;

  if (net == NULL)
    return TRUE;
  if (!ms_params_all_finite (ms_net_params (net)))
    return FALSE;
  buffers = ms_net_buffers (net);
  for (gsize i = 0; buffers != NULL && buffers->data != NULL && i < buffers->total; i++)
    if (!isfinite (buffers->data[i]))
      return FALSE;
  return TRUE;
}

MsGanNetwork
ms_gan_find_non_finite (MsGan *gan)
{
  if (!net_finite (gan->gen))
    return MS_GAN_NET_GENERATOR;
  if (!net_finite (gan->dis))
    return MS_GAN_NET_DISCRIMINATOR;
  if (!net_finite (gan->rec) || !net_finite (gan->jtrunk) || !net_finite (gan->jhead))
    return MS_GAN_NET_VEEGAN;
  for (int i = 0; i < gan->n_frozen; i++)
    if (!net_finite (gan->comp[i]))
      return MS_GAN_NET_ADAGAN;
  return MS_GAN_NET_NONE;
}

MsNet *
ms_gan_reconstructor (MsGan *gan)
{
  return gan->rec;
}

int
ms_gan_adagan_round (MsGan *gan)
{
  return gan->round;
}

int
ms_gan_adagan_n_components (MsGan *gan)
{
  return adagan_on (gan) ? gan->n_frozen + 1 : 0;
}

int
ms_gan_adagan_weights (MsGan  *gan,
                       double *out)
{
  int n = ms_gan_adagan_n_components (gan);

  if (out != NULL)
    memcpy (out, gan->mix_w, n * sizeof (double));
  return n;
}

const double *
ms_gan_adagan_data_weights (MsGan *gan,
                            gsize *n_points)
{
  if (n_points != NULL)
    *n_points = adagan_on (gan) ? gan->n_points : 0;
  return gan->data_w;
}

void
ms_gan_set_real_set (MsGan        *gan,
                     gsize         n_points,
                     MsRealGetter  getter,
                     gpointer      user_data)
{
  g_return_if_fail (n_points <= G_MAXUINT32 && (n_points == 0 || getter != NULL));
  /* the data weights index the set they were computed on */
  g_return_if_fail (gan->data_w == NULL || gan->n_points == n_points);

  g_clear_pointer (&gan->own_points, g_free);
  gan->n_points = n_points;
  gan->getter = n_points > 0 ? getter : NULL;
  gan->getter_data = user_data;
}

/* Checkpoints ------------------------------------------------------------------------------ */

#define GAN_STATE_VERSION 1

/* Raw, like the session's own blob: snapshots are read back by the same build. */
typedef struct
{
  guint32     version;
  guint32     own_points;        /* the finite set was drawn by the GAN (own_rng) */
  MsGanConfig config;
  gint64      iterations;
  gint64      round_start;
  gint32      round;
  gint32      n_frozen;
  double      mix_w[MS_GAN_MAX_ADAGAN_ROUNDS + 1];
  guint64     n_points;
  guint32     has_data_w;
  guint32     pad;
  MsRng       own_rng;
} GanState;

static void
add_net (MsCheckpointWriter *w,
         const char         *name,
         MsNet              *net,
         const MsOptimizer  *opt)
{
  g_autofree char *buffers = g_strconcat (name, ".buffers", NULL);
  g_autofree char *optim = g_strconcat (name, ".optim", NULL);

  ms_checkpoint_writer_add_params (w, name, ms_net_params (net), opt != NULL);
  if (ms_net_buffers (net) != NULL)
    ms_checkpoint_writer_add_params (w, buffers, ms_net_buffers (net), FALSE);
  if (opt != NULL)
    ms_checkpoint_writer_add_optimizer (w, optim, opt);
}

static gboolean
restore_net (const MsCheckpoint *ck,
             const char         *name,
             MsNet              *net,
             MsOptimizer        *opt,
             GError            **error)
{
  g_autofree char *buffers = g_strconcat (name, ".buffers", NULL);
  g_autofree char *optim = g_strconcat (name, ".optim", NULL);

  return ms_checkpoint_restore_params (ck, name, ms_net_params (net), opt != NULL, error)
         && (ms_net_buffers (net) == NULL
             || ms_checkpoint_restore_params (ck, buffers, ms_net_buffers (net), FALSE, error))
         && (opt == NULL || ms_checkpoint_restore_optimizer (ck, optim, opt, error));
}

/* The joint D's head; a file saved before the joint D on 2-D points lost its second hidden
 * layer holds the old layout, which then goes on training (a shape check fails before any
 * value is written, so the first attempt leaves the network as it was). */
static gboolean
restore_joint_head (MsGan              *gan,
                    const MsCheckpoint *ck,
                    GError            **error)
{
  g_autoptr(GError) local = NULL;
  MsNet *old;
  MsRng scratch;   /* the weights are overwritten: keep the run's RNG as restored */

  if (restore_net (ck, "veegan.discriminator", gan->jhead, &gan->opt_jh, &local))
    return TRUE;
  ms_rng_seed (&scratch, 0);
  if (!g_error_matches (local, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH)
      || (old = ms_arch_build_joint_discriminator_v1 (&gan->arch, gan->z_dim, &scratch)) == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!restore_net (ck, "veegan.discriminator", old, &gan->opt_jh, NULL))
    {
      ms_net_free (old);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  ms_net_free (gan->jhead);
  gan->jhead = old;
  return TRUE;
}

void
ms_gan_save (MsGan              *gan,
             MsCheckpointWriter *w)
{
  GanState st;

  memset (&st, 0, sizeof st);
  st.version = GAN_STATE_VERSION;
  st.own_points = gan->own_points != NULL;
  st.config = gan->config;
  st.iterations = gan->iterations;
  st.round_start = gan->round_start;
  st.round = gan->round;
  st.n_frozen = gan->n_frozen;
  memcpy (st.mix_w, gan->mix_w, sizeof st.mix_w);
  st.n_points = gan->n_points;
  st.has_data_w = gan->data_w != NULL;
  st.own_rng = gan->own_rng;
  ms_checkpoint_writer_add (w, "gan.state", MS_CHECKPOINT_TYPE_BLOB, &st, sizeof st);
  add_net (w, "generator", gan->gen, &gan->opt_g);
  add_net (w, "discriminator", gan->dis, &gan->opt_d);
  ms_checkpoint_writer_add_rng (w, "rng", &gan->rng);
  if (gan->rec != NULL)
    {
      add_net (w, "veegan.reconstructor", gan->rec, &gan->opt_r);
      add_net (w, "veegan.discriminator", gan->jhead, &gan->opt_jh);
      if (gan->jtrunk != NULL)
        add_net (w, "veegan.discriminator.trunk", gan->jtrunk, &gan->opt_jt);
    }
  for (int c = 0; c < gan->n_frozen; c++)
    {
      g_autofree char *name = g_strdup_printf ("adagan.component.%d", c);

      add_net (w, name, gan->comp[c], NULL);
    }
  if (gan->data_w != NULL)
    ms_checkpoint_writer_add (w, "adagan.data-weights", MS_CHECKPOINT_TYPE_BLOB, gan->data_w,
                              gan->n_points * sizeof (double));
}

gboolean
ms_gan_load (MsGan              *gan,
             const MsCheckpoint *ck,
             GError            **error)
{
  const GanState *stp;
  GanState st;
  gsize len = 0;
  const double *dw = NULL;

  stp = ms_checkpoint_lookup (ck, "gan.state", MS_CHECKPOINT_TYPE_BLOB, &len, error);
  if (stp == NULL)
    return FALSE;
  if (len != sizeof st)
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID,
                           "the checkpoint's GAN state has the wrong size");
      return FALSE;
    }
  memcpy (&st, stp, sizeof st);   /* the payload is not aligned */
  if (st.version != GAN_STATE_VERSION || st.round < 0 || st.n_frozen < 0
      || st.n_frozen > MS_GAN_MAX_ADAGAN_ROUNDS - 1 || (st.round == 0 && st.n_frozen > 0)
      || st.n_points > G_MAXUINT32 || (st.has_data_w && st.n_points == 0)
      || (st.own_points && st.n_points == 0))
    {
      g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID,
                           "the checkpoint's GAN state is malformed");
      return FALSE;
    }
  if (!ms_gan_config_validate (&st.config, error))
    return FALSE;
  if (st.round > 0 && !st.own_points && st.n_points > 0
      && (gan->own_points != NULL || gan->n_points != st.n_points))
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH,
                   "the checkpoint's AdaGAN data set has %" G_GUINT64_FORMAT " points, this "
                   "run's %" G_GSIZE_FORMAT, st.n_points, gan->n_points);
      return FALSE;
    }
  if (st.has_data_w)
    {
      dw = ms_checkpoint_lookup (ck, "adagan.data-weights", MS_CHECKPOINT_TYPE_BLOB, &len, error);
      if (dw == NULL)
        return FALSE;
      if (len != st.n_points * sizeof (double))
        {
          g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID,
                               "the checkpoint's AdaGAN data weights have the wrong size");
          return FALSE;
        }
    }

  /* The structure first (VEEGAN's networks, AdaGAN's components), then every value */
  adagan_stop (gan);
  if (!apply_structure (gan, &st.config, error))
    return FALSE;
  if (st.round > 0)
    {
      if (st.own_points && (gan->own_points == NULL
                            || memcmp (&gan->own_rng, &st.own_rng, sizeof st.own_rng) != 0))
        draw_own_points (gan, &st.own_rng);
      else if (st.n_points == 0 && gan->own_points != NULL)
        {
          /* saved before the set was drawn: draw it at the same point again */
          g_clear_pointer (&gan->own_points, g_free);
          gan->getter = NULL;
          gan->n_points = 0;
        }
      if (st.n_points > 0 && gan->n_points != st.n_points)
        {
          g_set_error_literal (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH,
                               "the checkpoint's AdaGAN data set differs from this run's");
          return FALSE;
        }
      for (int c = 0; c < st.n_frozen; c++)
        gan->comp[c] = copy_generator (gan);
      gan->n_frozen = st.n_frozen;
      gan->round = st.round;
      gan->round_start = st.round_start;
      memcpy (gan->mix_w, st.mix_w, sizeof st.mix_w);
      if (dw != NULL)
        {
          g_autofree double *copy = g_memdup2 (dw, len);   /* aligned */

          set_data_weights (gan, copy);
        }
    }
  if (!restore_net (ck, "generator", gan->gen, &gan->opt_g, error)
      || !restore_net (ck, "discriminator", gan->dis, &gan->opt_d, error)
      || !ms_checkpoint_restore_rng (ck, "rng", &gan->rng, error))
    return FALSE;
  if (gan->rec != NULL
      && (!restore_net (ck, "veegan.reconstructor", gan->rec, &gan->opt_r, error)
          || !restore_joint_head (gan, ck, error)
          || (gan->jtrunk != NULL
              && !restore_net (ck, "veegan.discriminator.trunk", gan->jtrunk, &gan->opt_jt,
                               error))))
    return FALSE;
  for (int c = 0; c < gan->n_frozen; c++)
    {
      g_autofree char *name = g_strdup_printf ("adagan.component.%d", c);

      if (!restore_net (ck, name, gan->comp[c], NULL, error))
        return FALSE;
    }
  gan->config = st.config;
  gan->iterations = st.iterations;
  return TRUE;
}

gboolean
ms_gan_config_equal (const MsGanConfig *a,
                     const MsGanConfig *b)
{
  return a->loss == b->loss && a->batch == b->batch && a->n_critic == b->n_critic
         && a->gp_lambda == b->gp_lambda && a->clip == b->clip && a->unroll == b->unroll
         && !a->unroll_first_order == !b->unroll_first_order && !a->veegan == !b->veegan
         && a->adagan_rounds == b->adagan_rounds
         && a->adagan_round_iters == b->adagan_round_iters;
}
