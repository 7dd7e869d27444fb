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
 * VEEGAN (config.veegan, Srivastava et al. 2017): a reconstructor F: x -> z and a joint
 * discriminator on (z, x) pairs (their networks: ms_arch_build_reconstructor() and
 * ms_arch_build_joint_discriminator() in ms-arch.h; for the DCGANs z joins D's flattened
 * convolution features through a hidden layer, for mlp the flattened x).  D is trained by the
 * paper's logistic regression O_LR between real pairs (z ~ N(F(x), I), x) and fake pairs
 * (z, G(z)); G and F minimise the paper's O-hat = mean D_omega(z, G(z)) + mean
 * 0.5 ||z - F(G(z))||^2, the reconstruction being -log p_theta(z | G(z)) for p_theta(z | x) =
 * N(F(x), I) (Algorithm 1: F's gradient is the reconstruction term's, D's weights are
 * constants there, and F(x) is a constant in D's step).  The noisy real codes, the 0.5 and,
 * on 2-D points, D's single hidden layer follow the official notebooks (VEEGAN_2D_*.ipynb).  ModeScope's D' keeps the sign of the other objectives (high = data),
 * so D' = -D_omega: real pairs have label 1 and G's term is -mean D'(z, G(z)).  VEEGAN uses
 * this objective whatever config.loss says (the loss applies again when VEEGAN is turned off)
 * and cannot be combined with unrolling or AdaGAN (config validation says so).
 * Turning VEEGAN on (here or in ms_gan_set_config()) creates F and the joint D fresh from the
 * run's RNG, with fresh optimizer state (F with G's optimizer config, the joint D with D's);
 * the plain D is kept unchanged and idle, and takes over again when VEEGAN is turned off, which
 * frees F and the joint D.  ms_gan_discriminate() then reports D'(F(x), x).
 *
 * AdaGAN (config.adagan_rounds R > 1, Tolstikhin et al. 2017): training runs in rounds of
 * adagan_round_iters iterations (round 1 starts when AdaGAN is turned on) on a finite real
 * set (ms_gan_set_real_set(), or else 65,536 points the GAN draws once, at AdaGAN's first step,
 * from the sampler with a sub-stream of the run's RNG: the paper's finite sample; at most 2^24
 * floats for images).  At the end of round t < R: the generator joins the mixture (the
 * mixture weights follow beta_t = 1/t, so all components end equal);
 * the last D is trained on for min(adagan_round_iters, 200) logistic steps between the data
 * (uniform) and samples of the mixture, so that h = (1 - D) / D = exp(-logit) estimates
 * dP_mixture / dP_data at every real point; the points are reweighted by the paper's closed
 * form (ms_adagan_data_weights()) for beta_{t+1}; a fresh G and D (initialised from the run's
 * RNG, optimizer state reset) start round t+1 on minibatches drawn with those weights.  In
 * round R the last generator keeps training for as long as the run goes; no component is
 * added after it.  During round t, ms_gan_generate() draws from the mixture the round would
 * end with: the frozen generators with their weights times (1 - beta_t) and the current one
 * with beta_t; each noise vector picks its component from a hash of its bytes, so a fixed
 * noise grid keeps its components.  ms_gan_discriminate() uses the current D.  Lowering R
 * below the current round stops adding components; R <= 1 ends AdaGAN (the mixture is freed,
 * the current G goes on alone on the sampler's data).  PacGAN packing is refused with AdaGAN.
 *
 * Threading: an MsGan belongs to one thread (the trainer).
 */
#pragma once

#include <glib.h>
#include "ms-arch.h"
#include "ms-checkpoint.h"
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
  double recon;           /* VEEGAN: mean 0.5 ||z - F(G(z))||^2 of the last G step, else 0 */
} MsGanStats;

/* Copies the real points @indices[0..n) of a finite set into @out (n * data size floats). */
typedef void (*MsRealGetter)  (gpointer       user_data,
                               const guint32 *indices,
                               int            n,
                               float         *out);

typedef struct _MsGan MsGan;

const char *ms_loss_kind_to_string   (MsLossKind    kind);
gboolean    ms_loss_kind_from_string (const char   *name,
                                      MsLossKind   *kind,
                                      GError      **error);
/* The objective's paper defaults for n_critic, gp_lambda and clip */
MsGanConfig ms_gan_config_default    (MsLossKind    kind);
gboolean    ms_gan_config_equal      (const MsGanConfig *a,
                                      const MsGanConfig *b);
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
/* VEEGAN's F, or NULL when VEEGAN is off.  Networks may be created or freed by
 * ms_gan_set_config() and ms_gan_load(): fetch them again afterwards. */
MsNet      *ms_gan_reconstructor     (MsGan *gan);

/* Which network holds a non-finite weight, gradient, optimizer moment or batch-norm running
 * statistic (every network the
 * GAN trains or keeps: VEEGAN's reconstructor and joint discriminator, AdaGAN's earlier
 * generators), or MS_GAN_NET_NONE */
typedef enum
{
  MS_GAN_NET_NONE,
  MS_GAN_NET_GENERATOR,
  MS_GAN_NET_DISCRIMINATOR,
  MS_GAN_NET_VEEGAN,
  MS_GAN_NET_ADAGAN,
} MsGanNetwork;
MsGanNetwork ms_gan_find_non_finite  (MsGan *gan);
/* Clears every network's gradients (a rollback: the diverged step's NaN gradients are not part
 * of the restored state and would read as a divergence) */
void        ms_gan_zero_grad         (MsGan *gan);

/* AdaGAN.  The finite real set (e.g. ms_data_source_get_points() on an image source); call it
 * right after ms_gan_new() (before the first iteration and before ms_gan_load()), it cannot
 * change once the data are reweighted; @user_data must outlive the GAN.  Without one (or
 * with @n_points 0, as ms_data_source_n_points() gives for 2-D mixtures), AdaGAN draws its own
 * finite sample from the sampler at its first step. */
void        ms_gan_set_real_set      (MsGan *gan, gsize n_points, MsRealGetter getter,
                                      gpointer user_data);
/* The current round, 1-based; 0 when AdaGAN is off */
int         ms_gan_adagan_round      (MsGan *gan);
/* Generators in the mixture: the finished ones plus the one training (0 when off) */
int         ms_gan_adagan_n_components (MsGan *gan);
/* Copies the mixture weights (finished generators first, the training one last; they sum to
 * 1) into @out (MS_GAN_MAX_ADAGAN_ROUNDS entries are enough, may be NULL); returns how many. */
int         ms_gan_adagan_weights    (MsGan *gan, double *out);
/* The real points' sampling weights (*n_points of them, summing to 1), or NULL while they
 * are uniform (round 1, or AdaGAN off).  Valid until the next iteration. */
const double *ms_gan_adagan_data_weights (MsGan *gan, gsize *n_points);
/* The component (0 .. n_components - 1) that ms_gan_generate() uses for the noise vector @z */
int         ms_gan_adagan_component  (MsGan *gan, const float *z);
/* The paper's reweighting (section 3.1, eqs. 17-18, adagan.py's theory_star): w_i =
 * max(0, lambda* - (1 - beta) h_i) / (N beta) for the density ratios @ratios h_i = dP_model /
 * dP_data (x_i), with lambda* from the sorted scan, so that the weights sum to 1.  Returns
 * FALSE when no lambda* exists for these ratios; @weights are then uniform. */
gboolean    ms_adagan_data_weights   (const double *ratios, gsize n, double beta,
                                      double *weights);

/* Checkpoints: everything the GAN needs to continue bit-identically (both networks with their
 * batch-norm buffers and optimizer state, the RNG, the config, the iteration count, VEEGAN's
 * networks and optimizers, AdaGAN's round, components, mixture and data weights), as
 * sections "gan.state", "generator", "generator.buffers", "generator.optim", "discriminator",
 * "discriminator.buffers", "discriminator.optim", "rng", "veegan.*", "adagan.*".  Loading
 * applies the saved config (creating or freeing VEEGAN's networks and AdaGAN's components);
 * an attached real set must have the saved size.  On error the GAN may be partly restored:
 * restore another snapshot or start again. */
void        ms_gan_save              (MsGan *gan, MsCheckpointWriter *w);
gboolean    ms_gan_load              (MsGan *gan, const MsCheckpoint *ck, GError **error);

/* The objectives as engine ops, as the training step uses them (checked against PyTorch by
 * the tests).  D's loss without WGAN-GP's penalty: NSGAN/minimax bce(real, 1) + bce(fake, 0),
 * WGAN mean(fake) - mean(real); G's: NSGAN bce(fake, 1), minimax -mean(softplus(fake)) (=
 * mean log(1 - sigmoid)), WGAN -mean(fake). */
MsTensor   *ms_gan_loss_d            (MsGraph *g, MsLossKind kind, MsTensor *out_real,
                                      MsTensor *out_fake);
MsTensor   *ms_gan_loss_g            (MsGraph *g, MsLossKind kind, MsTensor *out_fake);
/* VEEGAN: the joint D's input [x flattened, z] (rows of both); D's loss bce(D'(real pairs), 1)
 * + bce(D'(fake pairs), 0); the reconstruction mean_i 0.5 ||z_i - z_rec_i||^2; G's and F's loss
 * -mean D'(fake pairs) + that reconstruction (@recon: the term, may be NULL). */
MsTensor   *ms_veegan_joint_input    (MsGraph *g, MsTensor *x, MsTensor *z);
MsTensor   *ms_veegan_loss_d         (MsGraph *g, MsTensor *out_real_pairs,
                                      MsTensor *out_fake_pairs);
MsTensor   *ms_veegan_recon          (MsGraph *g, MsTensor *z, MsTensor *z_rec);
MsTensor   *ms_veegan_loss_g         (MsGraph *g, MsTensor *out_fake_pairs, MsTensor *z,
                                      MsTensor *z_rec, MsTensor **recon);

G_END_DECLS
