/* ms-params.h: a network's parameters in one contiguous block
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As in llm.c, all parameters of a network live in one float block, and the gradients and the
 * optimizer's moment buffers use the same layout: zeroing gradients is one memset, an optimizer
 * step is a flat loop, a checkpoint is a header plus the blocks.  Layers register their tensors
 * once (name and shape) and get an index; each step they enter a graph as leaves through
 * ms_params_tensor().
 *
 *   MsParams *p = ms_params_new ("generator");
 *   int w = ms_params_add (p, "fc.weight", 2, (int[]) { 256, 100 });
 *   ms_params_finalize (p);                 // allocates data, grad, m, v (zeroed)
 *   ms_init_normal (p, w, rng, 0.0f, 0.02f);
 */
#pragma once

#include <glib.h>
#include "ms-tensor.h"
#include "ms-rng.h"

G_BEGIN_DECLS

typedef struct _MsParamInfo MsParamInfo;
typedef struct _MsParams    MsParams;

struct _MsParamInfo
{
  char  *name;
  int    ndim;
  int    shape[MS_MAX_DIMS];
  gsize  offset;          /* in floats, into each block */
  gsize  numel;
};

struct _MsParams
{
  char        *name;
  GArray      *info;      /* MsParamInfo */
  gsize        total;     /* floats per block */
  float       *data;      /* (total) */
  float       *grad;      /* (total) */
  float       *m;         /* (total): momentum buffer / Adam's exp_avg */
  float       *v;         /* (total): RMSProp's square_avg / Adam's exp_avg_sq */
  gboolean     finalized;
};

MsParams          *ms_params_new       (const char *name);
void               ms_params_free      (MsParams   *p);
/* Before ms_params_finalize() only; returns the parameter's index */
int                ms_params_add       (MsParams   *p,
                                        const char *name,
                                        int         ndim,
                                        const int  *shape);
/* Allocates the four blocks (64-byte aligned, zeroed) */
void               ms_params_finalize  (MsParams   *p);
guint              ms_params_count     (const MsParams *p);
const MsParamInfo *ms_params_info      (const MsParams *p,
                                        int         index);
int                ms_params_find      (const MsParams *p,
                                        const char *name);   /* -1 when absent */
float             *ms_params_data      (MsParams   *p,
                                        int         index);
float             *ms_params_grad      (MsParams   *p,
                                        int         index);
void               ms_params_zero_grad (MsParams   *p);
/* The parameter as a leaf of @g that requires a gradient; ms_graph_backward() adds into its
 * slice of p->grad. */
MsTensor          *ms_params_tensor    (MsGraph    *g,
                                        MsParams   *p,
                                        int         index);
/* Same data, but a constant leaf (no gradient) */
MsTensor          *ms_params_tensor_const (MsGraph *g,
                                           MsParams *p,
                                           int       index);
/* Copies data (and optionally the moment buffers) between blocks of the same layout */
gboolean           ms_params_same_layout (const MsParams *a,
                                          const MsParams *b);
void               ms_params_copy_data (MsParams       *dst,
                                        const MsParams *src);
double             ms_params_grad_norm (const MsParams *p);
/* TRUE when every value of data, grad and the optimizer state (m, v) is finite */
gboolean           ms_params_all_finite (const MsParams *p);

/* torch.nn.init._calculate_fan_in_and_fan_out on the shape of parameter @index (rank >= 2):
 * fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field, where the receptive
 * field is the product of shape[2:].  For a ConvTranspose2d weight (Ci, Co, kh, kw) this gives
 * fan_in = Co * kh * kw, exactly as torch does.  For rank 1 both fans are the length (torch
 * refuses; ModeScope does not initialise biases through fans). */
void               ms_params_fans      (const MsParams *p,
                                        int             index,
                                        gsize          *fan_in,
                                        gsize          *fan_out);

/* Initialisers (torch.nn.init) */
void ms_init_normal          (MsParams *p, int index, MsRng *rng, float mean, float std);
void ms_init_constant        (MsParams *p, int index, float value);
/* kaiming_uniform_(a) / xavier_uniform_(gain) with torch's fan computation (fan_in = shape[1]
 * * receptive field for weights of rank >= 2) */
void ms_init_kaiming_uniform (MsParams *p, int index, MsRng *rng, float a);
void ms_init_kaiming_normal  (MsParams *p, int index, MsRng *rng, float a);
void ms_init_xavier_uniform  (MsParams *p, int index, MsRng *rng, float gain);
void ms_init_xavier_normal   (MsParams *p, int index, MsRng *rng, float gain);
/* torch's default for nn.Linear/nn.Conv2d bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) */
void ms_init_uniform         (MsParams *p, int index, MsRng *rng, float lo, float hi);

G_END_DECLS
