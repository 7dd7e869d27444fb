/* ms-arch.c: the generator and discriminator architectures
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include <glib/gi18n.h>

#include <string.h>

#include "ms-arch.h"

G_DEFINE_QUARK (ms-gan-error-quark, ms_gan_error)

static const char * const arch_names[] = { "dcgan-small", "dcgan-paper", "mlp", NULL };

const char * const *
ms_arch_names (void)
{
  return arch_names;
}

int
ms_arch_default_z_dim (const char *arch,
                       int         data_ndim)
{
  if (g_strcmp0 (arch, "mlp") == 0 && data_ndim == 1)
    return 256;  /* Metz et al.'s toy setup */
  return 100;
}

static gboolean
is_mnist_shape (const MsArchConfig *c)
{
  return c->data_ndim == 3 && c->data_shape[0] == 1 && c->data_shape[1] == 28
         && c->data_shape[2] == 28;
}

static void
build_dcgan_paper (int z_dim, int pack, MsNet **gen, MsNet **dis)
{
  MsNet *g = ms_net_new ("generator", 1, &z_dim);
  MsNet *d = ms_net_new ("discriminator", 3, (int[]) { pack, 28, 28 });

  ms_net_linear (g, 7 * 7 * 256, FALSE);
  ms_net_batch_norm (g);
  ms_net_leaky_relu (g, 0.2f);
  ms_net_reshape (g, 3, (int[]) { 256, 7, 7 });
  ms_net_conv_t (g, 128, 5, 1, 2, 0, FALSE);        /* (128, 7, 7) */
  ms_net_batch_norm (g);
  ms_net_leaky_relu (g, 0.2f);
  ms_net_conv_t (g, 64, 5, 2, 2, 1, FALSE);         /* (64, 14, 14) */
  ms_net_batch_norm (g);
  ms_net_leaky_relu (g, 0.2f);
  ms_net_conv_t (g, 1, 5, 2, 2, 1, FALSE);          /* (1, 28, 28) */
  ms_net_tanh (g);

  ms_net_conv (d, 64, 5, 2, 2, TRUE);               /* (64, 14, 14) */
  ms_net_leaky_relu (d, 0.2f);
  ms_net_dropout (d, 0.3f);
  ms_net_conv (d, 128, 5, 2, 2, TRUE);              /* (128, 7, 7) */
  ms_net_leaky_relu (d, 0.2f);
  ms_net_dropout (d, 0.3f);
  ms_net_flatten (d);
  ms_net_linear (d, 1, TRUE);
  *gen = g;
  *dis = d;
}

static void
build_dcgan_small (int z_dim, int pack, MsNet **gen, MsNet **dis)
{
  MsNet *g = ms_net_new ("generator", 1, &z_dim);
  MsNet *d = ms_net_new ("discriminator", 3, (int[]) { pack, 28, 28 });

  ms_net_linear (g, 7 * 7 * 64, FALSE);
  ms_net_batch_norm (g);
  ms_net_leaky_relu (g, 0.2f);
  ms_net_reshape (g, 3, (int[]) { 64, 7, 7 });
  ms_net_conv_t (g, 32, 4, 2, 1, 0, FALSE);         /* (32, 14, 14) */
  ms_net_batch_norm (g);
  ms_net_leaky_relu (g, 0.2f);
  ms_net_conv_t (g, 1, 4, 2, 1, 0, FALSE);          /* (1, 28, 28) */
  ms_net_tanh (g);

  ms_net_conv (d, 32, 4, 2, 1, TRUE);               /* (32, 14, 14) */
  ms_net_leaky_relu (d, 0.2f);
  ms_net_conv (d, 64, 4, 2, 1, TRUE);               /* (64, 7, 7) */
  ms_net_leaky_relu (d, 0.2f);
  ms_net_flatten (d);
  ms_net_linear (d, 1, TRUE);
  *gen = g;
  *dis = d;
}

static void
build_mlp (const MsArchConfig *c, int z_dim, MsNet **gen, MsNet **dis)
{
  gsize data_size = 1;
  int hidden_g[2], hidden_d[2];
  MsNet *g, *d;
  int d_in;

  for (int i = 0; i < c->data_ndim; i++)
    data_size *= (gsize) c->data_shape[i];
  d_in = (int) data_size * c->pack;
  if (c->data_ndim == 1)
    {
      hidden_g[0] = hidden_g[1] = 128;
      hidden_d[0] = hidden_d[1] = 128;
    }
  else
    {
      hidden_g[0] = 256;
      hidden_g[1] = 512;
      hidden_d[0] = 512;
      hidden_d[1] = 256;
    }
  g = ms_net_new ("generator", 1, &z_dim);
  ms_net_linear (g, hidden_g[0], TRUE);
  ms_net_relu (g);
  ms_net_linear (g, hidden_g[1], TRUE);
  ms_net_relu (g);
  ms_net_linear (g, (int) data_size, TRUE);
  if (c->data_ndim == 3)
    {
      ms_net_tanh (g);
      ms_net_reshape (g, 3, c->data_shape);
    }

  d = ms_net_new ("discriminator", 1, &d_in);
  ms_net_linear (d, hidden_d[0], TRUE);
  ms_net_leaky_relu (d, c->data_ndim == 1 ? 0.0f : 0.2f);
  ms_net_linear (d, hidden_d[1], TRUE);
  ms_net_leaky_relu (d, c->data_ndim == 1 ? 0.0f : 0.2f);
  ms_net_linear (d, 1, TRUE);
  *gen = g;
  *dis = d;
}

gboolean
ms_arch_build (const MsArchConfig *config,
               MsRng              *rng,
               MsNet             **generator,
               MsNet             **discriminator,
               GError            **error)
{
  int z_dim = config->z_dim > 0 ? config->z_dim : ms_arch_default_z_dim (config->arch,
                                                                         config->data_ndim);
  int pack = MAX (config->pack, 1);
  MsNet *g = NULL, *d = NULL;

  if (z_dim > 4096 || pack > 16)
    {
      g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                   _("noise size %d or pack size %d is out of range (noise 1..4096, pack 1..16)"),
                   z_dim, pack);
      return FALSE;
    }
  if (g_strcmp0 (config->arch, "dcgan-paper") == 0 || g_strcmp0 (config->arch, "dcgan-small") == 0)
    {
      if (!is_mnist_shape (config))
        {
          g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                       _("architecture “%s” needs 28x28 grey images; use “mlp” for 2-D data"),
                       config->arch);
          return FALSE;
        }
      if (strcmp (config->arch, "dcgan-paper") == 0)
        build_dcgan_paper (z_dim, pack, &g, &d);
      else
        build_dcgan_small (z_dim, pack, &g, &d);
    }
  else if (g_strcmp0 (config->arch, "mlp") == 0)
    build_mlp (config, z_dim, &g, &d);
  else
    {
      g_autofree char *names = g_strjoinv (", ", (char **) arch_names);
      g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                   _("unknown architecture “%s” (choose one of %s)"),
                   config->arch ? config->arch : "", names);
      return FALSE;
    }
  {
    /* DCGANs use Radford et al.'s N(0, 0.02); MLPs torch's defaults, under which small ReLU
     * nets on 2-D data start with useful output scales. */
    MsInitScheme init = g_strcmp0 (config->arch, "mlp") == 0 ? MS_INIT_TORCH : MS_INIT_DCGAN;

    ms_net_finalize (g, init, rng);
    ms_net_finalize (d, init, rng);
  }
  *generator = g;
  *discriminator = d;
  return TRUE;
}

/* VEEGAN ---------------------------------------------------------------------------------- */

static gsize
data_size_of (const MsArchConfig *c)
{
  gsize n = 1;

  for (int i = 0; i < c->data_ndim; i++)
    n *= (gsize) c->data_shape[i];
  return n;
}

/* The DCGAN discriminators' convolutions, to the flattened features */
static void
add_conv_trunk (MsNet              *net,
                const MsArchConfig *c,
                gboolean            dropout)
{
  gboolean paper = strcmp (c->arch, "dcgan-paper") == 0;
  int k = paper ? 5 : 4, pad = paper ? 2 : 1;

  ms_net_conv (net, paper ? 64 : 32, k, 2, pad, TRUE);
  ms_net_leaky_relu (net, 0.2f);
  if (paper && dropout)
    ms_net_dropout (net, 0.3f);
  ms_net_conv (net, paper ? 128 : 64, k, 2, pad, TRUE);
  ms_net_leaky_relu (net, 0.2f);
  if (paper && dropout)
    ms_net_dropout (net, 0.3f);
  ms_net_flatten (net);
}

static gboolean
check_arch (const MsArchConfig *c,
            int                 z_dim,
            gboolean           *conv,
            GError            **error)
{
  *conv = g_strcmp0 (c->arch, "dcgan-paper") == 0 || g_strcmp0 (c->arch, "dcgan-small") == 0;
  if (z_dim < 1 || z_dim > 4096 || c->pack < 1 || c->pack > 16)
    {
      g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                   _("noise size %d or pack size %d is out of range (noise 1..4096, pack 1..16)"),
                   z_dim, c->pack);
      return FALSE;
    }
  if (!(*conv ? is_mnist_shape (c) : g_strcmp0 (c->arch, "mlp") == 0))
    {
      g_set_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID,
                   _("architecture “%s” has no VEEGAN networks for this data"),
                   c->arch ? c->arch : "");
      return FALSE;
    }
  return TRUE;
}

MsNet *
ms_arch_build_reconstructor (const MsArchConfig *c,
                             int                 z_dim,
                             MsRng              *rng,
                             GError            **error)
{
  gboolean conv;
  MsNet *f;

  if (!check_arch (c, z_dim, &conv, error))
    return NULL;
  if (conv)
    {
      f = ms_net_new ("reconstructor", 3, c->data_shape);
      add_conv_trunk (f, c, FALSE);
      ms_net_linear (f, z_dim, TRUE);
      ms_net_finalize (f, MS_INIT_DCGAN, rng);
      return f;
    }
  {
    int in = (int) data_size_of (c);
    gboolean points = c->data_ndim == 1;
    float slope = points ? 0.0f : 0.2f;

    f = ms_net_new ("reconstructor", 1, &in);
    ms_net_linear (f, points ? 128 : 512, TRUE);
    ms_net_leaky_relu (f, slope);
    ms_net_linear (f, points ? 128 : 256, TRUE);
    ms_net_leaky_relu (f, slope);
    ms_net_linear (f, z_dim, TRUE);
    ms_net_finalize (f, MS_INIT_TORCH, rng);
  }
  return f;
}

/* @points_layers: hidden layers of the MLP on 2-D points (1 now, 2 before) */
static gboolean
build_joint_discriminator (const MsArchConfig *c,
                           int                 z_dim,
                           int                 points_layers,
                           MsRng              *rng,
                           MsNet             **trunk,
                           MsNet             **head,
                           GError            **error)
{
  int pack = MAX (c->pack, 1);
  MsArchConfig packed = *c;
  gboolean conv;
  MsNet *h;
  int in;

  packed.pack = pack;
  if (!check_arch (&packed, z_dim, &conv, error))
    return FALSE;
  if (conv)
    {
      MsNet *t = ms_net_new ("discriminator.trunk", 3, (int[]) { pack, 28, 28 });

      add_conv_trunk (t, c, TRUE);
      in = (int) ms_net_out_size (t) + z_dim * pack;
      h = ms_net_new ("discriminator.head", 1, &in);
      ms_net_linear (h, 256, TRUE);
      ms_net_leaky_relu (h, 0.2f);
      ms_net_linear (h, 1, TRUE);
      ms_net_finalize (t, MS_INIT_DCGAN, rng);
      ms_net_finalize (h, MS_INIT_DCGAN, rng);
      *trunk = t;
      *head = h;
      return TRUE;
    }
  {
    gboolean points = c->data_ndim == 1;
    float slope = points ? 0.0f : 0.2f;

    in = ((int) data_size_of (c) + z_dim) * pack;
    h = ms_net_new ("discriminator", 1, &in);
    ms_net_linear (h, points ? 128 : 512, TRUE);
    ms_net_leaky_relu (h, slope);
    /* 2-D points: one hidden layer of 128 ReLU on [x, z], as the official 2-D notebooks'
     * data_network (their "n_layer_disc: 2" is not used by it) */
    if (!points || points_layers > 1)
      {
        ms_net_linear (h, points ? 128 : 256, TRUE);
        ms_net_leaky_relu (h, slope);
      }
    ms_net_linear (h, 1, TRUE);
    ms_net_finalize (h, MS_INIT_TORCH, rng);
  }
  *trunk = NULL;
  *head = h;
  return TRUE;
}

gboolean
ms_arch_build_joint_discriminator (const MsArchConfig *c,
                                   int                 z_dim,
                                   MsRng              *rng,
                                   MsNet             **trunk,
                                   MsNet             **head,
                                   GError            **error)
{
  return build_joint_discriminator (c, z_dim, 1, rng, trunk, head, error);
}

MsNet *
ms_arch_build_joint_discriminator_v1 (const MsArchConfig *c,
                                      int                 z_dim,
                                      MsRng              *rng)
{
  MsNet *trunk = NULL, *head = NULL;

  if (c->data_ndim != 1 || g_strcmp0 (c->arch, "mlp") != 0
      || !build_joint_discriminator (c, z_dim, 2, rng, &trunk, &head, NULL))
    return NULL;
  return head;
}
