/* ms-layers.c: sequential networks over one parameter block
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-layers.h"
#include "ms-ops.h"

struct _MsNet
{
  char     *name;
  GArray   *layers;        /* MsLayer */
  int       in_ndim;
  int       in_shape[MS_MAX_DIMS - 1];
  int       cur_ndim;      /* shape after the last layer added */
  int       cur_shape[MS_MAX_DIMS - 1];
  MsParams *params;
  MsParams *buffers;       /* BN running statistics; NULL when the net has no BN */
  gsize     n_buffer_floats;
};

static gsize
shape_size (int        ndim,
            const int *shape)
{
  gsize n = 1;

  for (int d = 0; d < ndim; d++)
    n *= (gsize) shape[d];
  return n;
}

MsNet *
ms_net_new (const char *name,
            int         in_ndim,
            const int  *in_shape)
{
  MsNet *net = g_new0 (MsNet, 1);

  g_return_val_if_fail (in_ndim >= 1 && in_ndim <= MS_MAX_DIMS - 1, NULL);
  net->name = g_strdup (name);
  net->layers = g_array_new (FALSE, TRUE, sizeof (MsLayer));
  net->in_ndim = net->cur_ndim = in_ndim;
  memcpy (net->in_shape, in_shape, in_ndim * sizeof (int));
  memcpy (net->cur_shape, in_shape, in_ndim * sizeof (int));
  net->params = ms_params_new (name);
  return net;
}

void
ms_net_free (MsNet *net)
{
  if (net == NULL)
    return;
  ms_params_free (net->params);
  if (net->buffers != NULL)
    ms_params_free (net->buffers);
  g_array_free (net->layers, TRUE);
  g_free (net->name);
  g_free (net);
}

static MsLayer *
add_layer (MsNet       *net,
           MsLayerKind  kind)
{
  MsLayer layer = { 0, };

  g_return_val_if_fail (!net->params->finalized, NULL);
  layer.kind = kind;
  layer.in_ndim = net->cur_ndim;
  memcpy (layer.in_shape, net->cur_shape, sizeof layer.in_shape);
  layer.out_ndim = net->cur_ndim;
  memcpy (layer.out_shape, net->cur_shape, sizeof layer.out_shape);
  layer.weight = layer.bias = -1;
  g_array_append_val (net->layers, layer);
  return &g_array_index (net->layers, MsLayer, net->layers->len - 1);
}

static void
set_output (MsNet   *net,
            MsLayer *layer,
            int      ndim,
            const int *shape)
{
  layer->out_ndim = net->cur_ndim = ndim;
  memcpy (layer->out_shape, shape, ndim * sizeof (int));
  memcpy (net->cur_shape, shape, ndim * sizeof (int));
}

static char *
param_name (MsNet      *net,
            const char *what)
{
  return g_strdup_printf ("%u.%s", net->layers->len - 1, what);
}

void
ms_net_linear (MsNet    *net,
               int       out_features,
               gboolean  bias)
{
  int in = (int) shape_size (net->cur_ndim, net->cur_shape);
  MsLayer *l = add_layer (net, MS_LAYER_LINEAR);
  g_autofree char *wn = param_name (net, "weight");

  l->weight = ms_params_add (net->params, wn, 2, (int[]) { out_features, in });
  if (bias)
    {
      g_autofree char *bn = param_name (net, "bias");
      l->bias = ms_params_add (net->params, bn, 1, (int[]) { out_features });
    }
  set_output (net, l, 1, (int[]) { out_features });
}

/* A convolution layer's weight (of @wshape) and optional bias (@out_channels) */
static void
add_conv_params (MsNet     *net,
                 MsLayer   *l,
                 const int *wshape,
                 int        out_channels,
                 gboolean   bias)
{
  g_autofree char *wn = param_name (net, "weight");

  l->weight = ms_params_add (net->params, wn, 4, wshape);
  if (bias)
    {
      g_autofree char *bn = param_name (net, "bias");
      l->bias = ms_params_add (net->params, bn, 1, (int[]) { out_channels });
    }
}

void
ms_net_conv (MsNet    *net,
             int       out_channels,
             int       kernel,
             int       stride,
             int       padding,
             gboolean  bias)
{
  MsLayer *l;
  int c, h, w, ho, wo;

  g_return_if_fail (net->cur_ndim == 3);
  c = net->cur_shape[0];
  h = net->cur_shape[1];
  w = net->cur_shape[2];
  ho = (h + 2 * padding - kernel) / stride + 1;
  wo = (w + 2 * padding - kernel) / stride + 1;
  l = add_layer (net, MS_LAYER_CONV);
  l->kernel = kernel;
  l->stride = stride;
  l->padding = padding;
  add_conv_params (net, l, (int[]) { out_channels, c, kernel, kernel }, out_channels, bias);
  set_output (net, l, 3, (int[]) { out_channels, ho, wo });
}

void
ms_net_conv_t (MsNet    *net,
               int       out_channels,
               int       kernel,
               int       stride,
               int       padding,
               int       output_padding,
               gboolean  bias)
{
  MsLayer *l;
  int c, h, w, ho, wo;

  g_return_if_fail (net->cur_ndim == 3);
  c = net->cur_shape[0];
  h = net->cur_shape[1];
  w = net->cur_shape[2];
  ho = (h - 1) * stride - 2 * padding + kernel + output_padding;
  wo = (w - 1) * stride - 2 * padding + kernel + output_padding;
  l = add_layer (net, MS_LAYER_CONV_T);
  l->kernel = kernel;
  l->stride = stride;
  l->padding = padding;
  l->output_padding = output_padding;
  add_conv_params (net, l, (int[]) { c, out_channels, kernel, kernel }, out_channels, bias);
  set_output (net, l, 3, (int[]) { out_channels, ho, wo });
}

void
ms_net_batch_norm (MsNet *net)
{
  int c = net->cur_shape[0];
  MsLayer *l = add_layer (net, MS_LAYER_BATCH_NORM);
  g_autofree char *wn = param_name (net, "weight");
  g_autofree char *bn = param_name (net, "bias");

  l->alpha = 1e-5f;  /* torch's default eps */
  l->weight = ms_params_add (net->params, wn, 1, (int[]) { c });
  l->bias = ms_params_add (net->params, bn, 1, (int[]) { c });
  l->buffer_offset = net->n_buffer_floats;
  net->n_buffer_floats += 2 * (gsize) c;
}

void
ms_net_leaky_relu (MsNet *net,
                   float  slope)
{
  add_layer (net, MS_LAYER_LEAKY_RELU)->alpha = slope;
}

void
ms_net_relu (MsNet *net)
{
  ms_net_leaky_relu (net, 0.0f);
}

void
ms_net_tanh (MsNet *net)
{
  add_layer (net, MS_LAYER_TANH);
}

void
ms_net_sigmoid (MsNet *net)
{
  add_layer (net, MS_LAYER_SIGMOID);
}

void
ms_net_dropout (MsNet *net,
                float  p)
{
  add_layer (net, MS_LAYER_DROPOUT)->alpha = p;
}

void
ms_net_max_pool (MsNet *net,
                 int    kernel,
                 int    stride)
{
  MsLayer *l;
  int c, h, w;

  g_return_if_fail (net->cur_ndim == 3);
  c = net->cur_shape[0];
  h = net->cur_shape[1];
  w = net->cur_shape[2];
  l = add_layer (net, MS_LAYER_MAX_POOL);
  l->kernel = kernel;
  l->stride = stride;
  set_output (net, l, 3, (int[]) { c, (h - kernel) / stride + 1, (w - kernel) / stride + 1 });
}

void
ms_net_reshape (MsNet     *net,
                int        ndim,
                const int *shape)
{
  MsLayer *l;

  g_return_if_fail (ndim >= 1 && ndim <= MS_MAX_DIMS - 1);
  g_return_if_fail (shape_size (ndim, shape) == shape_size (net->cur_ndim, net->cur_shape));
  l = add_layer (net, MS_LAYER_RESHAPE);
  set_output (net, l, ndim, shape);
}

void
ms_net_flatten (MsNet *net)
{
  int n = (int) shape_size (net->cur_ndim, net->cur_shape);

  ms_net_reshape (net, 1, &n);
}

/* torch's fan_in for a weight: shape[1] * receptive field */
static float
fan_in (const MsParamInfo *info)
{
  gsize receptive = 1;

  for (int d = 2; d < info->ndim; d++)
    receptive *= (gsize) info->shape[d];
  return (float) ((gsize) (info->ndim > 1 ? info->shape[1] : info->shape[0]) * receptive);
}

static void
init_layers (MsNet        *net,
             MsInitScheme  init,
             MsRng        *rng)
{
  for (guint i = 0; i < net->layers->len; i++)
    {
      const MsLayer *l = &g_array_index (net->layers, MsLayer, i);

      if (l->weight < 0)
        continue;
      if (l->kind == MS_LAYER_BATCH_NORM)
        {
          if (init == MS_INIT_DCGAN)
            ms_init_normal (net->params, l->weight, rng, 1.0f, 0.02f);
          else
            ms_init_constant (net->params, l->weight, 1.0f);
          ms_init_constant (net->params, l->bias, 0.0f);
          continue;
        }
      switch (init)
        {
        case MS_INIT_DCGAN:
          ms_init_normal (net->params, l->weight, rng, 0.0f, 0.02f);
          break;
        case MS_INIT_TORCH:
          ms_init_kaiming_uniform (net->params, l->weight, rng, sqrtf (5.0f));
          break;
        case MS_INIT_KAIMING:
          ms_init_kaiming_normal (net->params, l->weight, rng, 0.0f);
          break;
        case MS_INIT_XAVIER:
        default:
          ms_init_xavier_uniform (net->params, l->weight, rng, 1.0f);
          break;
        }
      if (l->bias >= 0)
        {
          if (init == MS_INIT_TORCH)
            {
              /* fan_in as torch computes it for this layer's weight */
              float bound = 1.0f / sqrtf (fan_in (ms_params_info (net->params, l->weight)));
              ms_init_uniform (net->params, l->bias, rng, -bound, bound);
            }
          else
            ms_init_constant (net->params, l->bias, 0.0f);
        }
    }
  if (net->buffers != NULL)
    {
      float *b = net->buffers->data;

      for (guint i = 0; i < net->layers->len; i++)
        {
          const MsLayer *l = &g_array_index (net->layers, MsLayer, i);

          if (l->kind == MS_LAYER_BATCH_NORM)
            {
              int c = l->in_shape[0];

              for (int k = 0; k < c; k++)
                {
                  b[l->buffer_offset + k] = 0.0f;
                  b[l->buffer_offset + c + k] = 1.0f;
                }
            }
        }
    }
}

void
ms_net_finalize (MsNet        *net,
                 MsInitScheme  init,
                 MsRng        *rng)
{
  ms_params_finalize (net->params);
  if (net->n_buffer_floats > 0)
    {
      g_autofree char *bname = g_strdup_printf ("%s.buffers", net->name);

      net->buffers = ms_params_new (bname);
      ms_params_add (net->buffers, "running_stats", 1, (int[]) { (int) net->n_buffer_floats });
      ms_params_finalize (net->buffers);
    }
  init_layers (net, init, rng);
}

void
ms_net_reinit (MsNet        *net,
               MsInitScheme  init,
               MsRng        *rng)
{
  init_layers (net, init, rng);
}

MsParams *
ms_net_params (MsNet *net)
{
  return net->params;
}

MsParams *
ms_net_buffers (MsNet *net)
{
  return net->buffers;
}

const char *
ms_net_name (MsNet *net)
{
  return net->name;
}

guint
ms_net_n_layers (MsNet *net)
{
  return net->layers->len;
}

const MsLayer *
ms_net_layer (MsNet *net,
              guint  i)
{
  g_return_val_if_fail (i < net->layers->len, NULL);
  return &g_array_index (net->layers, MsLayer, i);
}

int
ms_net_out_ndim (MsNet *net)
{
  return net->cur_ndim;
}

const int *
ms_net_out_shape (MsNet *net)
{
  return net->cur_shape;
}

gsize
ms_net_out_size (MsNet *net)
{
  return shape_size (net->cur_ndim, net->cur_shape);
}

gsize
ms_net_in_size (MsNet *net)
{
  return shape_size (net->in_ndim, net->in_shape);
}

double
ms_net_forward_macs (MsNet *net)
{
  double macs = 0.0;

  for (guint i = 0; i < net->layers->len; i++)
    {
      const MsLayer *l = &g_array_index (net->layers, MsLayer, i);
      double k2 = (double) l->kernel * l->kernel;

      switch (l->kind)
        {
        case MS_LAYER_LINEAR:
          macs += (double) shape_size (l->in_ndim, l->in_shape) * l->out_shape[0];
          break;
        case MS_LAYER_CONV:   /* every output takes C * k * k products */
          macs += (double) shape_size (l->out_ndim, l->out_shape) * l->in_shape[0] * k2;
          break;
        case MS_LAYER_CONV_T: /* every input scatters into Co * k * k outputs */
          macs += (double) shape_size (l->in_ndim, l->in_shape) * l->out_shape[0] * k2;
          break;
        default:
          break;
        }
    }
  return macs;
}

void
ms_net_param_leaves (MsNet     *net,
                     MsGraph   *g,
                     MsTensor **out)
{
  for (guint i = 0; i < ms_params_count (net->params); i++)
    out[i] = ms_params_tensor (g, net->params, (int) i);
}

MsTensor *
ms_net_forward (MsNet     *net,
                MsGraph   *g,
                MsTensor  *x,
                MsTensor **params,
                MsNetMode  mode,
                MsRng     *rng)
{
  guint np = ms_params_count (net->params);
  MsTensor **p = params;
  int batch = x->shape[0];

  if (p == NULL)
    {
      p = g_newa (MsTensor *, MAX (np, 1));
      ms_net_param_leaves (net, g, p);
    }
  if ((gsize) x->numel != (gsize) batch * ms_net_in_size (net))
    {
      g_autofree char *sx = ms_tensor_shape_string (x);
      g_error ("%s: input %s does not match the network's input size %" G_GSIZE_FORMAT,
               net->name, sx, ms_net_in_size (net));
    }
  {
    int shape[MS_MAX_DIMS] = { batch, };

    memcpy (shape + 1, net->in_shape, net->in_ndim * sizeof (int));
    x = ms_reshape (g, x, net->in_ndim + 1, shape);
  }

  for (guint i = 0; i < net->layers->len; i++)
    {
      const MsLayer *l = &g_array_index (net->layers, MsLayer, i);
      MsTensor *w = l->weight >= 0 ? p[l->weight] : NULL;
      MsTensor *b = l->bias >= 0 ? p[l->bias] : NULL;

      switch (l->kind)
        {
        case MS_LAYER_LINEAR:
          x = ms_linear (g, x, w, b);
          break;
        case MS_LAYER_CONV:
          x = ms_conv2d (g, x, w, b, l->stride, l->padding);
          break;
        case MS_LAYER_CONV_T:
          x = ms_conv_transpose2d (g, x, w, b, l->stride, l->padding, l->output_padding);
          break;
        case MS_LAYER_BATCH_NORM:
          {
            int c = l->in_shape[0];
            float *stats = net->buffers->data + l->buffer_offset;

            if (mode == MS_NET_EVAL)
              x = ms_batch_norm_eval (g, x, w, b, stats, stats + c, l->alpha);
            else if (mode == MS_NET_TRAIN)
              x = ms_batch_norm_train (g, x, w, b, l->alpha, 0.1f, stats, stats + c);
            else
              x = ms_batch_norm_train (g, x, w, b, l->alpha, 0.1f, NULL, NULL);
          }
          break;
        case MS_LAYER_LEAKY_RELU:
          x = ms_leaky_relu (g, x, l->alpha);
          break;
        case MS_LAYER_TANH:
          x = ms_tanh (g, x);
          break;
        case MS_LAYER_SIGMOID:
          x = ms_sigmoid (g, x);
          break;
        case MS_LAYER_DROPOUT:
          if (mode != MS_NET_EVAL)
            {
              g_return_val_if_fail (rng != NULL, NULL);
              x = ms_dropout (g, x, l->alpha, rng);
            }
          break;
        case MS_LAYER_MAX_POOL:
          x = ms_max_pool2d (g, x, l->kernel, l->stride);
          break;
        case MS_LAYER_RESHAPE:
          {
            int shape[MS_MAX_DIMS] = { batch, };

            memcpy (shape + 1, l->out_shape, l->out_ndim * sizeof (int));
            x = ms_reshape (g, x, l->out_ndim + 1, shape);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return x;
}
