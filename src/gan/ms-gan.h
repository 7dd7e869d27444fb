/* ms-gan.h: one GAN under training: networks, objective, optimizers and the training step
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An iteration is n_critic discriminator steps and one generator step, alternating as in the
 * PyTorch DCGAN example: the generator's batch from the last critic step is reused for the
 * generator step (one generator forward pass per iteration when n_critic is 1).  During the
 * generator step the discriminator's weights enter the graph as constants, so no gradient is
 * computed for them.
 *
 * Unrolled GAN (config.unroll = K > 0, Metz et al. 2017): after the real D step(s), the
 * generator step minimises the surrogate f(theta_G, theta_D^K), where theta_D^K is K steps of
 * D's optimizer (its update rule written with engine ops, its state (m, v, step count) starting
 * from the real optimizer's) from the current theta_D, on the fixed minibatch of the last D
 * step (its real batch and the generator's batch, which stays a function of theta_G).  With
 * second order (the default) G's gradient includes the term through d theta_D^K / d theta_G;
 * with unroll_first_order the looked-ahead weights are constants.  The real D and its
 * optimizer are not changed by the unroll.  K = 0 runs exactly the ordinary step.
 *
 * Threading: an MsGan belongs to one thread (the trainer).
 */
#pragma once

#include <glib.h>
#include "ms-arch.h"
#include "ms-optim.h"

G_BEGIN_DECLS

typedef enum
{
  MS_LOSS_NSGAN,       /* non-saturating: G minimises -log D(G(z)) (Goodfellow et al.) */
  MS_LOSS_MINIMAX,     /* saturating: G minimises log(1 - D(G(z))) */
  MS_LOSS_WGAN_CLIP,   /* Wasserstein critic, weights clipped to [-c, c] (Arjovsky et al.) */
  MS_LOSS_WGAN_GP,     /* Wasserstein critic with gradient penalty (Gulrajani et al.) */
  MS_LOSS_N_KINDS
} MsLossKind;

#define MS_GAN_MAX_UNROLL 10

typedef struct
{
  MsLossKind loss;
  int        batch;        /* samples per step (per packed group with PacGAN: batch groups) */
  int        n_critic;     /* discriminator steps per generator step */
  float      gp_lambda;    /* WGAN-GP */
  float      clip;         /* WGAN weight clipping */
  int        unroll;       /* Unrolled GAN (Metz et al.): look-ahead D steps K, 0 to 10; 0 is off */
  gboolean   unroll_first_order; /* G against the looked-ahead D, not through the unroll */
  gboolean   veegan;       /* VEEGAN (Srivastava et al.): a reconstructor maps data back to noise */
  int        adagan_rounds;      /* AdaGAN (Tolstikhin et al.): generators in the mixture, 0 or 1 is off */
  int        adagan_round_iters; /* AdaGAN: iterations per round before a new generator starts */
} MsGanConfig;

#define MS_GAN_MAX_ADAGAN_ROUNDS 10

/* Fills @out with @n real samples (n * data size floats, NCHW for images). */
typedef void (*MsRealSampler) (gpointer  user_data,
                               MsRng    *rng,
                               int       n,
                               float    *out);

typedef struct
{
  double loss_d;
  double loss_g;
  double d_real;          /* mean D output on real data (logit or critic value) */
  double d_fake;
  double grad_norm_d;
  double grad_norm_g;
  double penalty;         /* WGAN-GP's penalty term, 0 otherwise */
} MsGanStats;

typedef struct _MsGan MsGan;

const char *ms_loss_kind_to_string   (MsLossKind    kind);
gboolean    ms_loss_kind_from_string (const char   *name,
                                      MsLossKind   *kind,
                                      GError      **error);
/* The objective's paper defaults for n_critic, gp_lambda and clip */
MsGanConfig ms_gan_config_default    (MsLossKind    kind);
gboolean    ms_gan_config_validate   (const MsGanConfig *config,
                                      GError      **error);

MsGan      *ms_gan_new               (const MsArchConfig  *arch,
                                      const MsGanConfig   *config,
                                      const MsOptimConfig *optim_g,
                                      const MsOptimConfig *optim_d,
                                      guint64              seed,
                                      MsRealSampler        sampler,
                                      gpointer             sampler_data,
                                      GError             **error);
void        ms_gan_free              (MsGan *gan);

/* One iteration: n_critic D steps then one G step. */
void        ms_gan_iteration         (MsGan *gan);
void        ms_gan_step_d            (MsGan *gan);
void        ms_gan_step_g            (MsGan *gan);

/* Applied before the next step; optimizer state follows ms_optimizer_set_config(). */
gboolean    ms_gan_set_config        (MsGan *gan, const MsGanConfig *config, GError **error);
gboolean    ms_gan_set_optim         (MsGan *gan, gboolean generator,
                                      const MsOptimConfig *config, GError **error);

/* Generator samples for @n noise vectors @z (n * z_dim floats) into @out, with batch norm in
 * evaluation mode (running statistics), as the TensorFlow tutorial draws its grids. */
void        ms_gan_generate          (MsGan *gan, const float *z, int n, float *out);
/* Discriminator outputs for @n samples (pack must be 1), evaluation mode */
void        ms_gan_discriminate      (MsGan *gan, const float *x, int n, float *out);

const MsGanStats  *ms_gan_stats      (MsGan *gan);
const MsGanConfig *ms_gan_config     (MsGan *gan);
MsNet      *ms_gan_generator         (MsGan *gan);
MsNet      *ms_gan_discriminator     (MsGan *gan);
MsOptimizer *ms_gan_optimizer        (MsGan *gan, gboolean generator);
MsRng      *ms_gan_rng               (MsGan *gan);
int         ms_gan_z_dim             (MsGan *gan);
gsize       ms_gan_data_size         (MsGan *gan);
gint64      ms_gan_iterations        (MsGan *gan);
MsGraph    *ms_gan_graph             (MsGan *gan);

G_END_DECLS
