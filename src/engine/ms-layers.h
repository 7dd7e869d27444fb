/* ms-layers.h: sequential networks built from layers over one MsParams block
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A network is a list of layers; its parameters live in one MsParams block, its batch-norm
 * running statistics in a second block of buffers.  The forward pass takes the parameters as
 * tensors, so that an unrolled GAN can run the discriminator with look-ahead weights that are
 * themselves functions of the generator.
 *
 *   MsNet *d = ms_net_new ("discriminator", 3, (int[]) { 1, 28, 28 });
 *   ms_net_conv (d, 64, 5, 2, 2, TRUE);          // (N, 64, 14, 14)
 *   ms_net_leaky_relu (d, 0.2f);
 *   ms_net_flatten (d);
 *   ms_net_linear (d, 1, TRUE);                   // (N, 1)
 *   ms_net_finalize (d, MS_INIT_DCGAN, rng);
 *   MsTensor *logits = ms_net_forward (d, g, x, NULL, MS_NET_TRAIN, rng);
 */
#pragma once

#include "ms-params.h"
#include "ms-rng.h"

G_BEGIN_DECLS

typedef struct _MsNet MsNet;

typedef enum
{
  MS_LAYER_LINEAR,
  MS_LAYER_CONV,
  MS_LAYER_CONV_T,
  MS_LAYER_BATCH_NORM,
  MS_LAYER_LEAKY_RELU,   /* slope 0 is ReLU */
  MS_LAYER_TANH,
  MS_LAYER_SIGMOID,
  MS_LAYER_DROPOUT,
  MS_LAYER_MAX_POOL,
  MS_LAYER_RESHAPE,      /* to a per-sample shape */
} MsLayerKind;

typedef enum
{
  MS_INIT_DCGAN,         /* weights N(0, 0.02), BN gamma N(1, 0.02), biases 0 (Radford et al.) */
  MS_INIT_TORCH,         /* nn.Linear / nn.Conv2d defaults: kaiming_uniform(a=sqrt(5)) */
  MS_INIT_KAIMING,       /* kaiming_normal for ReLU nets, biases 0 */
  MS_INIT_XAVIER,        /* xavier_uniform, biases 0 */
} MsInitScheme;

typedef enum
{
  MS_NET_TRAIN,          /* batch statistics, dropout on, running statistics updated */
  MS_NET_TRAIN_FROZEN,   /* batch statistics, dropout on, running statistics untouched */
  MS_NET_EVAL,           /* running statistics, dropout off */
} MsNetMode;

typedef struct
{
  MsLayerKind kind;
  int         in_shape[MS_MAX_DIMS - 1];   /* per sample */
  int         in_ndim;
  int         out_shape[MS_MAX_DIMS - 1];
  int         out_ndim;
  int         weight;                      /* index into params, or -1 */
  int         bias;                        /* index into params, or -1 */
  int         kernel, stride, padding, output_padding;
  float       alpha;                       /* slope, dropout p, BN eps */
  gsize       buffer_offset;               /* BN running mean, then var, in buffers */
} MsLayer;

MsNet          *ms_net_new          (const char *name,
                                     int         in_ndim,
                                     const int  *in_shape);   /* per sample, e.g. (1, 28, 28) */
void            ms_net_free         (MsNet      *net);
void            ms_net_linear       (MsNet *net, int out_features, gboolean bias);
void            ms_net_conv         (MsNet *net, int out_channels, int kernel, int stride,
                                     int padding, gboolean bias);
void            ms_net_conv_t       (MsNet *net, int out_channels, int kernel, int stride,
                                     int padding, int output_padding, gboolean bias);
void            ms_net_batch_norm   (MsNet *net);
void            ms_net_leaky_relu   (MsNet *net, float slope);
void            ms_net_relu         (MsNet *net);
void            ms_net_tanh         (MsNet *net);
void            ms_net_sigmoid      (MsNet *net);
void            ms_net_dropout      (MsNet *net, float p);
void            ms_net_max_pool     (MsNet *net, int kernel, int stride);
void            ms_net_flatten      (MsNet *net);
void            ms_net_reshape      (MsNet *net, int ndim, const int *shape);
/* Allocates the blocks and initialises them from @rng. */
void            ms_net_finalize     (MsNet *net, MsInitScheme init, MsRng *rng);
/* Re-draws every parameter and resets running statistics. */
void            ms_net_reinit       (MsNet *net, MsInitScheme init, MsRng *rng);

MsParams       *ms_net_params       (MsNet *net);
/* Running statistics (BN mean and var) as a parameter-like block, or NULL when none */
MsParams       *ms_net_buffers      (MsNet *net);
const char     *ms_net_name         (MsNet *net);
guint           ms_net_n_layers     (MsNet *net);
const MsLayer  *ms_net_layer        (MsNet *net, guint i);
/* Per-sample output shape */
int             ms_net_out_ndim     (MsNet *net);
const int      *ms_net_out_shape    (MsNet *net);
gsize           ms_net_out_size     (MsNet *net);
gsize           ms_net_in_size      (MsNet *net);
/* Multiply-adds of one forward pass for one sample (for GFLOP/s figures) */
double          ms_net_forward_macs (MsNet *net);

/* The parameters as leaves of @g that require gradients (out: one per parameter). */
void            ms_net_param_leaves (MsNet *net, MsGraph *g, MsTensor **out);
/* Runs the net on x (N, in_shape...).  @params gives one tensor per parameter (any tensors of
 * the right shapes); NULL means the net's own parameters as leaves.  @rng is needed when the
 * net has dropout and mode is not EVAL. */
MsTensor       *ms_net_forward      (MsNet     *net,
                                     MsGraph   *g,
                                     MsTensor  *x,
                                     MsTensor **params,
                                     MsNetMode  mode,
                                     MsRng     *rng);

G_END_DECLS
