/* test-gan.c: the training step: determinism, objectives, packing, settings
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>
#include "ms-gan.h"
#include "ms-source.h"

static MsDataSource *
ring (void)
{
  g_autoptr(GError) error = NULL;
  MsDataSource *src = ms_data_source_open ("ring8", &error);

  g_assert_no_error (error);
  return src;
}

static MsGan *
new_gan (MsDataSource *src,
         const char   *arch,
         MsLossKind    loss,
         int           pack,
         guint64       seed)
{
  g_autoptr(GError) error = NULL;
  MsArchConfig a = { .arch = arch, .data_ndim = src->ndim, .pack = pack };
  MsGanConfig c = ms_gan_config_default (loss);
  MsOptimConfig o = ms_optim_config_default (MS_OPTIM_ADAM);
  MsGan *gan;

  memcpy (a.data_shape, src->shape, sizeof a.data_shape);
  c.batch = 32;
  gan = ms_gan_new (&a, &c, &o, &o, seed, ms_data_source_sample, src, &error);
  g_assert_no_error (error);
  return gan;
}

static gboolean
same_params (MsParams *a,
             MsParams *b)
{
  return a->total == b->total && memcmp (a->data, b->data, a->total * sizeof (float)) == 0;
}

static void
test_determinism (void)
{
  g_autoptr(MsDataSource) src = ring ();
  MsGan *a = new_gan (src, "mlp", MS_LOSS_NSGAN, 1, 7);
  MsGan *b = new_gan (src, "mlp", MS_LOSS_NSGAN, 1, 7);
  MsGan *c = new_gan (src, "mlp", MS_LOSS_NSGAN, 1, 8);

  for (int i = 0; i < 50; i++)
    {
      ms_gan_iteration (a);
      ms_gan_iteration (b);
      ms_gan_iteration (c);
    }
  g_assert_true (same_params (ms_net_params (ms_gan_generator (a)),
                              ms_net_params (ms_gan_generator (b))));
  g_assert_true (same_params (ms_net_params (ms_gan_discriminator (a)),
                              ms_net_params (ms_gan_discriminator (b))));
  g_assert_false (same_params (ms_net_params (ms_gan_generator (a)),
                               ms_net_params (ms_gan_generator (c))));
  ms_gan_free (a);
  ms_gan_free (b);
  ms_gan_free (c);
}

static void
test_objectives (void)
{
  g_autoptr(MsDataSource) src = ring ();

  for (MsLossKind loss = 0; loss < MS_LOSS_N_KINDS; loss++)
    {
      MsGan *gan = new_gan (src, "mlp", loss, 1, 3);
      MsParams *pd = ms_net_params (ms_gan_discriminator (gan));
      const MsGanStats *st;

      for (int i = 0; i < 20; i++)
        ms_gan_iteration (gan);
      st = ms_gan_stats (gan);
      g_assert_true (isfinite (st->loss_d) && isfinite (st->loss_g));
      g_assert_cmpfloat (st->grad_norm_d, >, 0.0);
      g_assert_cmpfloat (st->grad_norm_g, >, 0.0);
      g_assert_true (ms_params_all_finite (ms_net_params (ms_gan_generator (gan))));
      if (loss == MS_LOSS_WGAN_GP)
        g_assert_cmpfloat (st->penalty, >, 0.0);
      if (loss == MS_LOSS_WGAN_CLIP)
        for (gsize i = 0; i < pd->total; i++)
          g_assert_cmpfloat (fabsf (pd->data[i]), <=, 0.01f);
      ms_gan_free (gan);
    }
}

static void
test_nsgan_learns_ring (void)
{
  g_autoptr(MsDataSource) src = ring ();
  MsGan *gan = new_gan (src, "mlp", MS_LOSS_NSGAN, 1, 11);
  int n = 512;
  g_autofree float *z = g_new (float, (gsize) n * ms_gan_z_dim (gan));
  g_autofree float *xy = g_new (float, (gsize) n * 2);
  MsRng rng;
  double before = 0, after = 0;

  ms_rng_seed (&rng, 5);
  ms_rng_fill_normal (&rng, z, (gsize) n * ms_gan_z_dim (gan), 0, 1);
  ms_gan_generate (gan, z, n, xy);
  for (int i = 0; i < n; i++)
    before += fabs (hypot (xy[2 * i], xy[2 * i + 1]) - 2.0);
  /* GAN training oscillates, so judge the best of six snapshots: with seeds 1 to 16 the best
   * is below 0.4 of the start (seed 11, this one, is the slowest). */
  after = INFINITY;
  for (int snapshot = 0; snapshot < 6; snapshot++)
    {
      double dist = 0;

      for (int i = 0; i < 500; i++)
        ms_gan_iteration (gan);
      ms_gan_generate (gan, z, n, xy);
      for (int i = 0; i < n; i++)
        dist += fabs (hypot (xy[2 * i], xy[2 * i + 1]) - 2.0);
      after = MIN (after, dist);
    }
  g_test_message ("mean |r - 2|: %.3f -> best %.3f", before / n, after / n);
  g_assert_cmpfloat (after, <, 0.5 * before);
  ms_gan_free (gan);
}

static void
test_pack_and_images (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataSource) src = ms_data_source_open ("mnist", &error);
  MsGan *gan;
  g_autofree float *z = NULL;
  g_autofree float *img = NULL;

  g_assert_no_error (error);
  gan = new_gan (src, "dcgan-small", MS_LOSS_NSGAN, 2, 1);
  g_assert_cmpuint (ms_net_in_size (ms_gan_discriminator (gan)), ==, 2 * 28 * 28);
  ms_gan_iteration (gan);
  ms_gan_iteration (gan);
  g_assert_true (isfinite (ms_gan_stats (gan)->loss_d));
  z = g_new0 (float, 4 * ms_gan_z_dim (gan));
  img = g_new (float, 4 * 784);
  ms_gan_generate (gan, z, 4, img);
  for (int i = 0; i < 4 * 784; i++)
    g_assert_true (img[i] >= -1.0f && img[i] <= 1.0f);
  ms_gan_free (gan);
}

static void
test_bad_settings (void)
{
  g_autoptr(MsDataSource) src = ring ();
  MsArchConfig a = { .arch = "dcgan-paper", .data_ndim = 1, .data_shape = { 2 }, .pack = 1 };
  MsGanConfig c = ms_gan_config_default (MS_LOSS_NSGAN);
  MsOptimConfig o = ms_optim_config_default (MS_OPTIM_ADAM);
  GError *error = NULL;
  MsLossKind kind;

  /* A DCGAN cannot take 2-D points. */
  g_assert_null (ms_gan_new (&a, &c, &o, &o, 1, ms_data_source_sample, src, &error));
  g_assert_error (error, MS_GAN_ERROR, MS_GAN_ERROR_INVALID);
  g_clear_error (&error);
  a.arch = "resnet";
  g_assert_null (ms_gan_new (&a, &c, &o, &o, 1, ms_data_source_sample, src, &error));
  g_assert_nonnull (strstr (error->message, "dcgan-small"));
  g_clear_error (&error);
  a.arch = "mlp";
  c.batch = 0;
  g_assert_null (ms_gan_new (&a, &c, &o, &o, 1, ms_data_source_sample, src, &error));
  g_clear_error (&error);
  c.batch = 64;
  o.lr = NAN;
  g_assert_null (ms_gan_new (&a, &c, &o, &o, 1, ms_data_source_sample, src, &error));
  g_clear_error (&error);
  g_assert_false (ms_loss_kind_from_string ("wgan", &kind, &error));
  g_clear_error (&error);
  g_assert_true (ms_loss_kind_from_string ("WGAN-GP", &kind, NULL));
  g_assert_cmpint (kind, ==, MS_LOSS_WGAN_GP);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gan/determinism", test_determinism);
  g_test_add_func ("/gan/objectives", test_objectives);
  g_test_add_func ("/gan/nsgan-learns-ring", test_nsgan_learns_ring);
  g_test_add_func ("/gan/pack-and-images", test_pack_and_images);
  g_test_add_func ("/gan/bad-settings", test_bad_settings);
  return g_test_run ();
}
