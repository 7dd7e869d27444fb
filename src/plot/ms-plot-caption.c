/* ms-plot-caption.c: the run's settings on one line
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ms-plot-private.h"

#define SEP " \xc2\xb7 "

static const char *
dataset_title (const char *name)
{
  if (name == NULL)
    return _("unknown data");
  if (g_ascii_strcasecmp (name, "mnist") == 0)
    return "MNIST";
  if (g_ascii_strcasecmp (name, "fashion") == 0 || g_ascii_strcasecmp (name, "fashion-mnist") == 0)
    return "Fashion-MNIST";
  if (g_ascii_strcasecmp (name, "drawn") == 0)
    return _("drawn modes");
  return name;
}

static const char *
loss_title (MsLossKind loss)
{
  switch (loss)
    {
    case MS_LOSS_NSGAN:
      return _("non-saturating");
    case MS_LOSS_MINIMAX:
      return _("minimax");
    case MS_LOSS_WGAN_CLIP:
      return _("WGAN (clipping)");
    case MS_LOSS_WGAN_GP:
      return "WGAN-GP";
    case MS_LOSS_N_KINDS:
    default:
      return "?";
    }
}

static const char *
optim_title (MsOptimKind kind)
{
  switch (kind)
    {
    case MS_OPTIM_SGD:
      return "SGD";
    case MS_OPTIM_MOMENTUM:
      return _("Momentum");
    case MS_OPTIM_NESTEROV:
      return "Nesterov";
    case MS_OPTIM_RMSPROP:
      return "RMSProp";
    case MS_OPTIM_ADAM:
      return "Adam";
    case MS_OPTIM_N_KINDS:
    default:
      return "?";
    }
}

/* 2e-4, 5e-5, 0.01, 0.1: the way papers write learning rates */
static char *
format_lr (double lr)
{
  if (lr > 0 && lr < 0.01)
    {
      int e = (int) floor (log10 (lr) + 1e-9);
      double m = lr / pow (10, e);

      if (fabs (m - round (m)) < 1e-6)
        return g_strdup_printf ("%.0fe%d", round (m), e);
      return g_strdup_printf ("%.2ge%d", m, e);
    }
  return g_strdup_printf ("%g", lr);
}

char *
ms_plot_settings_caption (const MsSessionSettings *s,
                          gboolean                 is_2d)
{
  GString *str;
  g_autofree char *lr_g = NULL;
  g_autofree char *lr_d = NULL;
  const char *arch;

  g_return_val_if_fail (s != NULL, NULL);

  arch = s->arch != NULL ? s->arch : is_2d ? "mlp" : "dcgan-small";
  lr_g = format_lr (s->optim_g.lr);
  lr_d = format_lr (s->optim_d.lr);

  str = g_string_new (NULL);
  g_string_append (str, dataset_title (s->dataset));
  g_string_append_printf (str, SEP "%s" SEP "%s", arch, loss_title (s->gan.loss));
  if (s->gan.n_critic > 1)
    g_string_append_printf (str, SEP "%s %d", _("n_critic"), s->gan.n_critic);
  if (s->gan.unroll > 0)
    g_string_append_printf (str, SEP "%s %d", _("unrolled"), s->gan.unroll);
  if (s->pack > 1)
    g_string_append_printf (str, SEP "PacGAN %d", s->pack);
  if (s->gan.veegan)
    g_string_append (str, SEP "VEEGAN");
  if (s->gan.adagan_rounds > 1)
    g_string_append_printf (str, SEP "AdaGAN %d", s->gan.adagan_rounds);
  /* TRANSLATORS: "G Adam 2e-4": the generator's optimizer and learning rate */
  g_string_append_printf (str, SEP "%s %s %s", C_("generator", "G"), optim_title (s->optim_g.kind), lr_g);
  /* TRANSLATORS: "D Adam 2e-4": the discriminator's optimizer and learning rate */
  g_string_append_printf (str, SEP "%s %s %s", C_("discriminator", "D"), optim_title (s->optim_d.kind), lr_d);
  g_string_append_printf (str, SEP "%s %d", _("batch"), s->gan.batch);
  return g_string_free (str, FALSE);
}

char *
ms_plot_caption (const MsFrame *frame)
{
  g_autofree char *settings = NULL;

  g_return_val_if_fail (frame != NULL, NULL);

  settings = ms_plot_settings_caption (&frame->settings, frame->is_2d);
  return g_strdup_printf ("%s" SEP "%s %" G_GINT64_FORMAT, settings, _("iteration"),
                          frame->iteration);
}
