/* ms-arch.h: the generator and discriminator architectures ModeScope trains
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *  dcgan-paper  the optimizer paper's DCGAN (the TensorFlow DCGAN tutorial): G dense 100 ->
 *               7x7x256 (no bias), BN, LReLU(0.2), ConvT 256->128 5x5 s1, BN, LReLU, ConvT
 *               128->64 5x5 s2, BN, LReLU, ConvT 64->1 5x5 s2, tanh; D conv 1->64 5x5 s2,
 *               LReLU, dropout 0.3, conv 64->128 5x5 s2, LReLU, dropout 0.3, dense 6272 -> 1.
 *  dcgan-small  the same shape at a quarter of the width with 4x4 kernels: recognisable digits
 *               within about a minute on two cores.
 *  mlp          two hidden layers: 128 units for 2-D data (as in the unrolled-GAN and VEEGAN
 *               toy experiments), 256/512 for images.
 *
 * The discriminator never has batch norm, so every objective (WGAN-GP in particular, whose
 * per-sample gradient penalty batch norm would break) can use every architecture.
 */
#pragma once

#include <glib.h>
#include "ms-layers.h"

G_BEGIN_DECLS

#define MS_GAN_ERROR (ms_gan_error_quark ())

typedef enum
{
  MS_GAN_ERROR_INVALID,     /* a setting that cannot be used (unknown name, bad value) */
} MsGanError;

GQuark ms_gan_error_quark (void);

typedef struct
{
  const char *arch;            /* "dcgan-paper", "dcgan-small", "mlp" */
  int         z_dim;           /* 0: the architecture's default */
  int         data_ndim;       /* 3 for (1, 28, 28) images, 1 for (2) points */
  int         data_shape[3];
  int         pack;            /* PacGAN: D sees this many samples (>= 1) */
} MsArchConfig;

/* The architectures' names, NULL-terminated */
const char * const *ms_arch_names (void);
/* The default noise size of @arch (100 for the DCGANs, 256 for mlp on 2-D data) */
int       ms_arch_default_z_dim  (const char         *arch,
                                  int                 data_ndim);
/* Builds and initialises both networks (DCGAN initialisation, N(0, 0.02)).  Fails for an
 * unknown architecture or one that does not fit the data (DCGANs need 1x28x28 images). */
gboolean  ms_arch_build          (const MsArchConfig *config,
                                  MsRng              *rng,
                                  MsNet             **generator,
                                  MsNet             **discriminator,
                                  GError            **error);

/* VEEGAN's networks (Srivastava et al. 2017), initialised like ms_arch_build()'s.
 *
 * The reconstructor F: x -> z mirrors the discriminator: for 2-D data an MLP 2 -> 128 -> 128
 * -> z (ReLU), as in the paper's toy setup; mlp on images 784 -> 512 -> 256 -> z (LReLU 0.2);
 * the DCGANs D's convolutions (no dropout) then a dense layer to z.
 *
 * The joint discriminator D(z, x) sees (z, x) pairs.  For mlp it is an MLP on the
 * concatenation [x flattened, z] (@trunk is NULL): for 2-D points [x, z] -> 128 -> 1 (ReLU),
 * the official 2-D notebooks' D; on images D's MLP sizes.  For the DCGANs, @trunk
 * is D's convolutions up to the flattened features (dropout kept) and @head an MLP on
 * [features, z] -> 256 -> 1 (LReLU 0.2): a convolution has no use for z's 100 numbers tiled
 * over 28x28 (that would cost 100 input channels), and a single dense layer on [features, z]
 * would score x and z independently (a sum), so it could not tell whether z belongs to x; the
 * hidden layer lets it.  With PacGAN the pack's z's are concatenated like its samples. */
MsNet    *ms_arch_build_reconstructor (const MsArchConfig *config,
                                       int                 z_dim,
                                       MsRng              *rng,
                                       GError            **error);
gboolean  ms_arch_build_joint_discriminator (const MsArchConfig *config,
                                             int                 z_dim,
                                             MsRng              *rng,
                                             MsNet             **trunk,
                                             MsNet             **head,
                                             GError            **error);
/* The joint discriminator on 2-D points as ModeScope built it until VEEGAN followed the
 * official notebooks: [x, z] -> 128 -> 128 -> 1 (ReLU).  Only for restoring session files
 * saved with it.  NULL when @config is not mlp on 2-D points. */
MsNet    *ms_arch_build_joint_discriminator_v1 (const MsArchConfig *config,
                                                int                 z_dim,
                                                MsRng              *rng);

G_END_DECLS
