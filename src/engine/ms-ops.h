/* ms-ops.h: differentiable tensor ops on OpenBLAS
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every op computes its result at once (eager) and, when recording, records itself so that
 * ms_graph_grad() can differentiate it.  Every backward rule is written with these same ops, so
 * gradients can be differentiated again (WGAN-GP, unrolled GANs).  Each op names the PyTorch
 * function whose result it must match; tests/fixtures/make_fixtures.py checks exactly that.
 *
 * Shapes: images are (N, C, H, W); feature batches are (N, F).  "Channel" ops treat dimension 1
 * as the channel and everything after it as the inner extent, so they serve both layouts.
 */
#pragma once

#include "ms-tensor.h"

G_BEGIN_DECLS

/* Elementwise, same shapes ------------------------------------------------------------- */
MsTensor *ms_add          (MsGraph *g, MsTensor *a, MsTensor *b);   /* torch.add */
MsTensor *ms_sub          (MsGraph *g, MsTensor *a, MsTensor *b);   /* torch.sub */
MsTensor *ms_mul          (MsGraph *g, MsTensor *a, MsTensor *b);   /* torch.mul */
MsTensor *ms_div          (MsGraph *g, MsTensor *a, MsTensor *b);   /* torch.div */
MsTensor *ms_scale        (MsGraph *g, MsTensor *x, float s);       /* x * s */
MsTensor *ms_add_scalar   (MsGraph *g, MsTensor *x, float s);       /* x + s */
MsTensor *ms_neg          (MsGraph *g, MsTensor *x);                /* torch.neg */

/* Activations and pointwise functions */
MsTensor *ms_relu         (MsGraph *g, MsTensor *x);                /* torch.relu */
MsTensor *ms_leaky_relu   (MsGraph *g, MsTensor *x, float slope);   /* F.leaky_relu */
MsTensor *ms_tanh         (MsGraph *g, MsTensor *x);                /* torch.tanh */
MsTensor *ms_sigmoid      (MsGraph *g, MsTensor *x);                /* torch.sigmoid */
MsTensor *ms_softplus     (MsGraph *g, MsTensor *x);                /* F.softplus (beta 1) */
MsTensor *ms_square       (MsGraph *g, MsTensor *x);                /* torch.square */
MsTensor *ms_sqrt         (MsGraph *g, MsTensor *x);                /* torch.sqrt */
MsTensor *ms_exp          (MsGraph *g, MsTensor *x);                /* torch.exp */
MsTensor *ms_log          (MsGraph *g, MsTensor *x);                /* torch.log */

/* Reductions and their broadcasts ------------------------------------------------------ */
MsTensor *ms_sum          (MsGraph *g, MsTensor *x);                /* torch.sum -> (1) */
MsTensor *ms_mean         (MsGraph *g, MsTensor *x);                /* torch.mean -> (1) */
/* (1) -> @like's shape */
MsTensor *ms_expand_scalar (MsGraph *g, MsTensor *s, const MsTensor *like);
/* (N, ...) -> (N): x.flatten(1).sum(1) */
MsTensor *ms_row_sum      (MsGraph *g, MsTensor *x);
/* (N) -> @like's shape (N, ...) */
MsTensor *ms_row_expand   (MsGraph *g, MsTensor *r, const MsTensor *like);
/* (N, C, ...) -> (C): x.sum over every dimension but 1 */
MsTensor *ms_channel_sum  (MsGraph *g, MsTensor *x);
/* (C) -> @like's shape (N, C, ...) */
MsTensor *ms_channel_expand (MsGraph *g, MsTensor *c, const MsTensor *like);
/* x + b[c] and x * s[c] per channel, without materialising the broadcast */
MsTensor *ms_add_channel  (MsGraph *g, MsTensor *x, MsTensor *b);
MsTensor *ms_mul_channel  (MsGraph *g, MsTensor *x, MsTensor *s);
/* x * r[n] per row (sample) */
MsTensor *ms_mul_row      (MsGraph *g, MsTensor *x, MsTensor *r);

/* Shape ---------------------------------------------------------------------------------- */
/* A view with the same data (torch.reshape on a contiguous tensor).  One entry may be -1. */
MsTensor *ms_reshape      (MsGraph *g, MsTensor *x, int ndim, const int *shape);
/* torch.cat along dimension 0 or 1 of tensors that agree elsewhere */
MsTensor *ms_concat       (MsGraph *g, MsTensor *a, MsTensor *b, int dim);
/* x.narrow(dim, start, length), dim 0 or 1 */
MsTensor *ms_slice        (MsGraph *g, MsTensor *x, int dim, int start, int length);
/* The adjoint of ms_slice: a zero tensor of @like's shape holding @x at [start, start+len) */
MsTensor *ms_slice_embed  (MsGraph *g, MsTensor *x, const MsTensor *like, int dim, int start);

/* Linear algebra (cblas_sgemm) --------------------------------------------------------- */
/* op(a) @ op(b) for 2-D tensors, op = transpose when the flag is set: torch.matmul */
MsTensor *ms_matmul       (MsGraph *g, MsTensor *a, MsTensor *b, gboolean trans_a, gboolean trans_b);
/* F.linear: x (N, in) @ w (out, in)^T + b (out); @b may be NULL */
MsTensor *ms_linear       (MsGraph *g, MsTensor *x, MsTensor *w, MsTensor *b);

/* Convolutions (src/engine/ms-ops-conv.c) ----------------------------------------------- */
/* F.conv2d: x (N, C, H, W), w (O, C, kh, kw), b (O) or NULL -> (N, O, Ho, Wo) */
MsTensor *ms_conv2d       (MsGraph *g, MsTensor *x, MsTensor *w, MsTensor *b,
                           int stride, int padding);
/* F.conv_transpose2d: x (N, Ci, H, W), w (Ci, Co, kh, kw), b (Co) or NULL
 * -> (N, Co, (H-1)*stride - 2*padding + kh + output_padding, ...) */
MsTensor *ms_conv_transpose2d (MsGraph *g, MsTensor *x, MsTensor *w, MsTensor *b,
                               int stride, int padding, int output_padding);
/* The weight gradient of conv2d: for x (N, C, H, W) and gy (N, O, Ho, Wo) gives (O, C, kh, kw),
 * as torch.nn.grad.conv2d_weight.  It is the third op of the family that conv2d and
 * conv_transpose2d close under differentiation. */
MsTensor *ms_conv2d_weight_grad (MsGraph *g, MsTensor *x, MsTensor *gy, int kh, int kw,
                                 int stride, int padding);
/* F.max_pool2d(x, kernel, stride), no padding */
MsTensor *ms_max_pool2d   (MsGraph *g, MsTensor *x, int kernel, int stride);

/* Normalisation and regularisation ------------------------------------------------------ */
/* F.batch_norm in training mode over (N, C, ...): batch statistics (biased variance), affine
 * @gamma/@beta (C) may be NULL.  When @running_mean/@running_var are given (C floats, not
 * tensors) they are updated with @momentum as torch does (unbiased variance). */
MsTensor *ms_batch_norm_train (MsGraph *g, MsTensor *x, MsTensor *gamma, MsTensor *beta,
                               float eps, float momentum,
                               float *running_mean, float *running_var);
/* F.batch_norm in evaluation mode with fixed statistics */
MsTensor *ms_batch_norm_eval  (MsGraph *g, MsTensor *x, MsTensor *gamma, MsTensor *beta,
                               const float *running_mean, const float *running_var, float eps);
/* F.dropout(training=True): zeroes with probability @p and scales by 1/(1-p); the mask comes
 * from @rng, so a seeded run is reproducible.  Use ms_mul with a mask to replay one. */
typedef struct _MsRng MsRng;
MsTensor *ms_dropout      (MsGraph *g, MsTensor *x, float p, MsRng *rng);

/* Losses (scalar results, shape (1)) ---------------------------------------------------- */
/* F.binary_cross_entropy_with_logits(x, t), mean reduction; @t same shape as @x, no grad */
MsTensor *ms_bce_with_logits (MsGraph *g, MsTensor *x, MsTensor *t);
/* Same, against a constant target value (1 for real, 0 for fake) */
MsTensor *ms_bce_with_logits_const (MsGraph *g, MsTensor *x, float target);
/* F.mse_loss, mean reduction */
MsTensor *ms_mse          (MsGraph *g, MsTensor *a, MsTensor *b);
/* F.log_softmax(x, dim=1) for (N, K) */
MsTensor *ms_log_softmax  (MsGraph *g, MsTensor *x);
/* F.cross_entropy(x, labels), mean reduction; x (N, K), labels N bytes in [0, K) */
MsTensor *ms_softmax_cross_entropy (MsGraph *g, MsTensor *x, const guint8 *labels);

/* Not differentiable: softmax rows of (N, K) into @out (N*K floats). */
void      ms_softmax_rows (const float *x, int n, int k, float *out);

G_END_DECLS
