/* fuzz-make-seeds.c: writes the seed inputs of the fuzz targets
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   fuzz-make-seeds CORPUS_DIR [SESSION.msrun]
 *
 * Small valid (and a few nearly valid) inputs for each target, written to CORPUS_DIR/<target>/.
 * With a session file (modescope-cli train --dataset ring8 --iters 20 --snapshot FILE), also
 * that file and a copy whose "state" section is an empty container: the fuzzer then mutates
 * the settings, history and snapshot list of a 3 KB file instead of 800 KB of weights.
 * The committed corpus was made with it and then grown and minimised by libFuzzer
 * (docs/reliability.md); it is not run by the build.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <zlib.h>

#include "fuzz-common.h"
#include "fuzz-tiny-net.h"
#include "ms-checkpoint.h"
#include "ms-classifier.h"
#include "ms-gan.h"
#include "ms-session.h"

static const char *corpus;

static void
write_seed (const char    *target,
            const char    *name,
            gconstpointer  data,
            gsize          len)
{
  g_autofree char *dir = g_build_filename (corpus, target, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  if (!g_file_set_contents (path, data, len, &error))
    g_error ("%s", error->message);
}

static void
write_seed_bytes (const char *target,
                  const char *name,
                  GBytes     *bytes)
{
  gsize len;
  gconstpointer p = g_bytes_get_data (bytes, &len);

  write_seed (target, name, p, len);
}

static GByteArray *
idx_file (guint ndims,
          guint n,
          guint rows,
          guint cols)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[4] = { 0, 0, 8, (guint8) ndims };
  guint32 dims[3] = { GUINT32_TO_BE (n), GUINT32_TO_BE (rows), GUINT32_TO_BE (cols) };
  gsize body = ndims == 1 ? n : (gsize) n * rows * cols;

  g_byte_array_append (b, head, 4);
  g_byte_array_append (b, (const guint8 *) dims, 4 * ndims);
  for (gsize i = 0; i < body; i++)
    {
      guint8 v = ndims == 1 ? (guint8) (i % 10) : (guint8) (i * 37);

      g_byte_array_append (b, &v, 1);
    }
  return b;
}

static GByteArray *
gzip (const GByteArray *raw)
{
  GByteArray *out = g_byte_array_sized_new (raw->len + 64);
  z_stream zs = { 0 };
  guint8 buf[4096];
  int ret;

  deflateInit2 (&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = raw->data;
  zs.avail_in = raw->len;
  do
    {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      ret = deflate (&zs, Z_FINISH);
      g_byte_array_append (out, buf, sizeof buf - zs.avail_out);
    }
  while (ret != Z_STREAM_END);
  deflateEnd (&zs);
  return out;
}

/* u32 labels length, labels, images: the layout fuzz-idx.c reads */
static void
idx_seed_flags (const char       *name,
                const GByteArray *labels,
                const GByteArray *images,
                guint32           flags)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  guint8 len[4];

  fuzz_put_le32 (len, labels->len | flags);
  g_byte_array_append (b, len, 4);
  g_byte_array_append (b, labels->data, labels->len);
  g_byte_array_append (b, images->data, images->len);
  write_seed ("idx", name, b->data, b->len);
}

static void
idx_seed (const char       *name,
          const GByteArray *labels,
          const GByteArray *images)
{
  idx_seed_flags (name, labels, images, 0);
}

static void
idx_seeds (void)
{
  g_autoptr(GByteArray) l3 = idx_file (1, 3, 0, 0);
  g_autoptr(GByteArray) i3 = idx_file (3, 3, 4, 5);
  g_autoptr(GByteArray) l3z = gzip (l3);
  g_autoptr(GByteArray) i3z = gzip (i3);
  g_autoptr(GByteArray) i2 = idx_file (3, 2, 4, 5);

  idx_seed ("raw", l3, i3);
  idx_seed ("gzip", l3z, i3z);
  idx_seed ("raw-labels-gzip-images", l3, i3z);
  idx_seed ("count-mismatch", l3, i2);
  /* raw content that the harness gzips: mutations stay valid gzip streams */
  idx_seed_flags ("harness-gzip", l3, i3, 0xc0000000u);
  {
    /* 100 images of 28 x 28: 78 KB, more than one chunk of the reader's input */
    g_autoptr(GByteArray) l = idx_file (1, 100, 0, 0);
    g_autoptr(GByteArray) i = idx_file (3, 100, 28, 28);

    idx_seed_flags ("harness-gzip-100", l, i, 0xc0000000u);
  }
  {
    /* two gzip members joined, as `cat a.gz b.gz` makes */
    g_autoptr(GByteArray) half = g_byte_array_new ();
    g_autoptr(GByteArray) a = NULL;
    g_autoptr(GByteArray) b = NULL;
    g_autoptr(GByteArray) joined = g_byte_array_new ();

    g_byte_array_append (half, i3->data, 20);
    a = gzip (half);
    g_byte_array_set_size (half, 0);
    g_byte_array_append (half, i3->data + 20, i3->len - 20);
    b = gzip (half);
    g_byte_array_append (joined, a->data, a->len);
    g_byte_array_append (joined, b->data, b->len);
    idx_seed ("gzip-two-members", l3z, joined);
  }
}

static void
checkpoint_seeds (void)
{
  MsNet *net = fuzz_tiny_net ();
  g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();
  g_autoptr(GHashTable) kv = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GBytes) all = NULL;
  MsOptimConfig cfg = ms_optim_config_default (MS_OPTIM_ADAM);
  MsOptimizer opt;
  MsRng rng;

  ms_optimizer_init (&opt, &cfg, NULL);
  opt.step = 3;
  opt.has_m = opt.has_v = TRUE;
  ms_rng_seed (&rng, 5);
  g_hash_table_insert (kv, "format", "fuzz");
  g_hash_table_insert (kv, "version", "1");
  ms_checkpoint_writer_add_params (w, "net", ms_net_params (net), TRUE);
  ms_checkpoint_writer_add_optimizer (w, "net.optim", &opt);
  ms_checkpoint_writer_add_rng (w, "rng", &rng);
  ms_checkpoint_writer_add_string (w, "note", "héllo");
  ms_checkpoint_writer_add_key_values (w, "kv", kv);
  ms_checkpoint_writer_add (w, "blob", MS_CHECKPOINT_TYPE_BLOB, "abc", 3);
  all = ms_checkpoint_writer_to_bytes (w);
  write_seed_bytes ("checkpoint", "all-types", all);

  {
    /* The classifier's metadata over parameters of the wrong layout: reaches the mismatch */
    g_autoptr(MsCheckpointWriter) c = ms_checkpoint_writer_new ();
    g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(GBytes) b = NULL;

    g_hash_table_insert (meta, "format", "modescope-classifier");
    g_hash_table_insert (meta, "arch", MS_CLASSIFIER_ARCH);
    g_hash_table_insert (meta, "dataset", "mnist");
    g_hash_table_insert (meta, "test_accuracy", "0.99");
    g_hash_table_insert (meta, "seed", "1");
    g_hash_table_insert (meta, "epochs", "2");
    ms_checkpoint_writer_add_key_values (c, "meta", meta);
    ms_checkpoint_writer_add_params (c, "body", ms_net_params (net), FALSE);
    ms_checkpoint_writer_add_params (c, "head", ms_net_params (net), FALSE);
    b = ms_checkpoint_writer_to_bytes (c);
    write_seed_bytes ("classifier", "classifier-meta", b);
  }
  {
    g_autoptr(MsCheckpointWriter) e = ms_checkpoint_writer_new ();
    g_autoptr(GBytes) b = ms_checkpoint_writer_to_bytes (e);

    write_seed_bytes ("checkpoint", "empty", b);
  }
}

static void
schedule_seeds (void)
{
  static const char * const seeds[] = {
    "2000:optimizer=rmsprop,lr=1e-3;4000:loss=wgan-gp,n-critic=5",
    "0:lr-g=2e-4,lr-d=1e-4,beta1=0.5,beta2=0.999",
    " 10 : momentum = 0.9 , optimizer-g = nesterov ; 10:optimizer-d=SGD",
    "100:gp-lambda=10,clip=0.01,unroll=5,first-order-unroll=true",
    "5:batch=128,veegan=on,adagan-rounds=3;5:veegan=off",
    "1:loss=minimax;2:loss=wgan-clip;3:loss=nsgan;100000000:optimizer=adam",
    "1:lr=nan",
    "x:lr=1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree char *name = g_strdup_printf ("seed-%u", i);

      write_seed ("schedule", name, seeds[i], strlen (seeds[i]));
    }
}

static void
values_seeds (void)
{
  static const struct { guint8 parser; const char *text; } texts[] = {
    { 0, "adam" }, { 0, "RMSProp" }, { 1, "wgan-gp" }, { 1, "nsgan" },
    { 2, "dashboard" }, { 3, "fashion-mnist" },
    /* ms-values.h: parser 7 and 8 take the setting (MsValueSetting) as the next byte */
    { 7, "\x00" "2e-4" }, { 7, "\x09" " 64 " }, { 7, "\x02" "0.999" },
    { 8, "\x0b" "18446744073709551615" }, { 8, "\x0a" "2000" },
    { 9, "1e-3" }, { 10, "1.5" }, { 11, "--lr-g" }, { 12, "caf\xc3\xa9\x01\xff" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *name = g_strdup_printf ("text-%u", i);
      g_autoptr(GByteArray) b = g_byte_array_new ();

      g_byte_array_append (b, &texts[i].parser, 1);
      g_byte_array_append (b, (const guint8 *) texts[i].text, strlen (texts[i].text));
      write_seed ("values", name, b->data, b->len);
    }
  {
    MsOptimConfig cfg = ms_optim_config_default (MS_OPTIM_RMSPROP);
    g_autoptr(GByteArray) b = g_byte_array_new ();
    guint8 parser = 4;

    g_byte_array_append (b, &parser, 1);
    g_byte_array_append (b, (const guint8 *) &cfg, sizeof cfg);
    write_seed ("values", "optim-config", b->data, b->len);
  }
  {
    MsGanConfig cfg = ms_gan_config_default (MS_LOSS_WGAN_GP);
    g_autoptr(GByteArray) b = g_byte_array_new ();
    guint8 parser = 5;

    g_byte_array_append (b, &parser, 1);
    g_byte_array_append (b, (const guint8 *) &cfg, sizeof cfg);
    write_seed ("values", "gan-config", b->data, b->len);
  }
  {
    MsSessionSettings s;
    g_autoptr(GByteArray) b = g_byte_array_new ();
    gsize fixed = G_STRUCT_OFFSET (MsSessionSettings, start_paused)
                  - G_STRUCT_OFFSET (MsSessionSettings, gan);
    guint8 parser = 6;

    ms_session_settings_init (&s, "ring8", MS_LOSS_NSGAN);
    g_byte_array_append (b, &parser, 1);
    g_byte_array_append (b, (const guint8 *) &s.gan, fixed);
    g_byte_array_append (b, (const guint8 *) "grid25\nmlp", 10);
    write_seed ("values", "settings", b->data, b->len);
    ms_session_settings_clear (&s);
  }
}

/* The session file as it is, and with its state replaced by an empty container */
static void
session_seeds (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = ms_checkpoint_load (path, &error);
  g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();
  g_autoptr(MsCheckpointWriter) empty = ms_checkpoint_writer_new ();
  g_autoptr(GBytes) empty_bytes = ms_checkpoint_writer_to_bytes (empty);
  g_autoptr(GBytes) small = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  if (ck == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < ms_checkpoint_get_n_sections (ck); i++)
    {
      const char *name = ms_checkpoint_get_section_name (ck, i);
      guint32 type = ms_checkpoint_get_section_type (ck, i);
      gsize plen;
      gconstpointer p = ms_checkpoint_get (ck, name, type, &plen);

      if (g_str_equal (name, "state"))
        {
          p = g_bytes_get_data (empty_bytes, &plen);
        }
      ms_checkpoint_writer_add (w, name, type, p, plen);
    }
  small = ms_checkpoint_writer_to_bytes (w);
  write_seed_bytes ("session-file", "ring8-empty-state", small);
  if (!g_file_get_contents (path, &contents, &len, &error))
    g_error ("%s", error->message);
  write_seed ("session-file", "ring8-mlp-20", contents, len);
}

int
main (int    argc,
      char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS_DIR [SESSION.msrun]\n", argv[0]);
      return 2;
    }
  corpus = argv[1];
  idx_seeds ();
  checkpoint_seeds ();
  schedule_seeds ();
  values_seeds ();
  if (argc > 2)
    session_seeds (argv[2]);
  return 0;
}
