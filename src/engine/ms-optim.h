/* ms-optim.h: optimizers as flat loops over a parameter block
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each optimizer is exactly the update rule of the torch.optim class it names (torch 1.13, the
 * version Debian 12 ships), run as one loop over an MsParams block.  The optimizer's per-element
 * state lives in the block's m and v buffers (same layout as the parameters), the rest (the
 * hyperparameters, the step count and whether the buffers hold state yet) in MsOptimizer.
 *
 *   MsOptimizer opt;
 *   MsOptimConfig cfg = ms_optim_config_default (MS_OPTIM_ADAM);
 *   cfg.lr = 2e-4; cfg.beta1 = 0.5;
 *   ms_optimizer_init (&opt, &cfg, NULL);
 *   for (;;)
 *     {
 *       ms_params_zero_grad (params);
 *       ms_graph_backward (g, loss);        // fills params->grad
 *       ms_optimizer_step (&opt, params);   // reads params->grad, does not zero it
 *     }
 *
 * Changing hyperparameters mid-run (ms_optimizer_set_config):
 *  - same kind, other hyperparameters (lr, betas, momentum, eps, weight decay...): the state is
 *    kept and the new values apply from the next step on, like assigning
 *    optimizer.param_groups[0]['lr'] in torch.  The step count (Adam's bias correction) goes on.
 *  - another kind: the moment buffers m and v are zeroed and the step count restarts at 0, as
 *    if a fresh torch optimizer had been built over the same parameters.
 *
 * Differences from torch, all deliberate:
 *  - torch skips parameters whose .grad is None; here every parameter of the block is updated,
 *    with whatever its gradient slice holds (zero for an unused parameter, which still moves it
 *    under momentum or weight decay).
 *  - torch keeps one step count per parameter; here there is one per block (they only differ
 *    when some parameters had no gradient).
 *
 * Threading: an MsOptimizer belongs to the thread that owns its MsParams (the trainer).
 */
#pragma once

#include <glib.h>
#include "ms-params.h"

G_BEGIN_DECLS

#define MS_OPTIM_ERROR (ms_optim_error_quark ())

typedef enum
{
  MS_OPTIM_ERROR_UNKNOWN_KIND,     /* a name that is not an optimizer */
  MS_OPTIM_ERROR_INVALID_CONFIG,   /* a hyperparameter torch would reject */
} MsOptimError;

typedef enum
{
  MS_OPTIM_SGD,        /* torch.optim.SGD (momentum ignored: plain gradient descent) */
  MS_OPTIM_MOMENTUM,   /* torch.optim.SGD (momentum, dampening) */
  MS_OPTIM_NESTEROV,   /* torch.optim.SGD (momentum, nesterov=True; dampening must be 0) */
  MS_OPTIM_RMSPROP,    /* torch.optim.RMSprop (alpha, eps, momentum; centered=False) */
  MS_OPTIM_ADAM,       /* torch.optim.Adam (betas, eps; amsgrad=False) */
  MS_OPTIM_N_KINDS
} MsOptimKind;

/* Plain data: copy it, compare it, keep it in a settings struct.  Hyperparameters are doubles
 * because torch computes its scalars (bias corrections, step sizes) from Python floats.  Every
 * kind reads lr and weight_decay (torch's L2 penalty: grad += weight_decay * param); the other
 * fields are read only by the kinds named. */
typedef struct _MsOptimConfig MsOptimConfig;

struct _MsOptimConfig
{
  MsOptimKind kind;
  double      lr;
  double      momentum;      /* MOMENTUM, NESTEROV, RMSPROP */
  double      dampening;     /* MOMENTUM (NESTEROV requires 0) */
  double      alpha;         /* RMSPROP: smoothing constant of square_avg */
  double      eps;           /* RMSPROP, ADAM: added after the square root */
  double      beta1;         /* ADAM */
  double      beta2;         /* ADAM */
  double      weight_decay;
};

typedef struct _MsOptimizer MsOptimizer;

struct _MsOptimizer
{
  MsOptimConfig config;
  gint64        step;        /* steps since the state was last reset (torch's state['step']) */
  gboolean      has_m;       /* m holds state: momentum_buffer (SGD, RMSprop) or exp_avg */
  gboolean      has_v;       /* v holds state: square_avg or exp_avg_sq */
};

GQuark        ms_optim_error_quark      (void);

/* "sgd", "momentum", "nesterov", "rmsprop", "adam" (ASCII case-insensitive).  On failure @kind is
 * untouched and @error (MS_OPTIM_ERROR_UNKNOWN_KIND) lists the valid names. */
gboolean      ms_optim_kind_from_string (const char   *name,
                                         MsOptimKind  *kind,
                                         GError      **error);
/* The canonical lower-case name (static string), or NULL for an invalid kind. */
const char   *ms_optim_kind_to_string   (MsOptimKind   kind);

/* torch's defaults for the kind (eps 1e-8, alpha 0.99, betas (0.9, 0.999), no weight decay, no
 * dampening), with lr 0.01 for the SGD family and RMSprop (RMSprop's torch default) and 1e-3
 * for Adam (torch's default); momentum 0.9 for MOMENTUM and NESTEROV, else 0. */
MsOptimConfig ms_optim_config_default   (MsOptimKind   kind);

/* Checks what torch's constructors check (lr, eps, momentum, weight_decay, alpha >= 0;
 * 0 <= beta < 1; NESTEROV needs momentum > 0 and dampening == 0) plus finiteness, with a
 * message naming the field.  Use it on any config a user can influence. */
/* Every field the update rule reads is the same */
gboolean      ms_optim_config_equal     (const MsOptimConfig *a,
                                         const MsOptimConfig *b);
gboolean      ms_optim_config_validate  (const MsOptimConfig *config,
                                         GError             **error);

/* Starts with no state (step 0).  Fails (MS_OPTIM_ERROR_INVALID_CONFIG) when @config is
 * invalid; @opt is then initialised with the defaults of MS_OPTIM_SGD so it is never garbage.
 * The caller must zero the block's m and v (ms_params_finalize() does) or call
 * ms_optimizer_reset(). */
gboolean      ms_optimizer_init         (MsOptimizer         *opt,
                                         const MsOptimConfig *config,
                                         GError             **error);

/* One update of every parameter in @params from params->grad (not zeroed). */
void          ms_optimizer_step         (MsOptimizer         *opt,
                                         MsParams            *params);

/* Call between any two steps; see the top of this file for what happens to the state.  When
 * @config is invalid, nothing changes and FALSE is returned. */
gboolean      ms_optimizer_set_config   (MsOptimizer         *opt,
                                         MsParams            *params,
                                         const MsOptimConfig *config,
                                         GError             **error);

/* Forgets the state: zeroes params->m and params->v, step 0. */
void          ms_optimizer_reset        (MsOptimizer         *opt,
                                         MsParams            *params);

/* WGAN weight clipping: every parameter clamped to [-c, c] (p.data.clamp_(-c, c)); NaN stays
 * NaN.  c >= 0. */
void          ms_optimizer_clip_weights (MsParams            *params,
                                         float                c);

G_END_DECLS
