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

G_END_DECLS
