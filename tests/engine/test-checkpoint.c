/* test-checkpoint.c: the checkpoint container, its writer and its defensive reader
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Round trips must be bit-exact; every damaged file (truncated, flipped bytes, wrong magic,
 * newer version, absurd lengths, another network's layout) must give the right GError and
 * never crash.  The damage is applied with a small, independent walker of the format described
 * in ms-checkpoint.h, which can also recompute the checksums so that the payload parsers are
 * reached with hostile contents.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <zlib.h>

#include "ms-checkpoint.h"

/* Fixture: two small networks with trained optimizer state ------------------------------ */

typedef struct
{
  MsParams    *gen;
  MsParams    *disc;
  MsOptimizer  gen_opt;
  MsOptimizer  disc_opt;
  MsRng        rng;
  GHashTable  *meta;
  char        *dir;
  char        *path;
  GBytes      *bytes;     /* the saved file */
} Fixture;

static MsParams *
make_generator (int hidden)
{
  MsParams *p = ms_params_new ("generator");

  ms_params_add (p, "fc.weight", 2, (int[]) { hidden, 100 });
  ms_params_add (p, "fc.bias", 1, (int[]) { hidden });
  ms_params_add (p, "deconv.weight", 4, (int[]) { 8, 4, 3, 3 });
  ms_params_finalize (p);
  return p;
}

static MsParams *
make_discriminator (void)
{
  MsParams *p = ms_params_new ("discriminator");

  ms_params_add (p, "conv.weight", 4, (int[]) { 4, 1, 3, 3 });
  ms_params_add (p, "fc.weight", 2, (int[]) { 1, 36 });
  ms_params_finalize (p);
  return p;
}

/* A few optimizer steps with pseudo-gradients, so that data, m and v all hold distinct values */
static void
train (MsParams    *p,
       MsOptimizer *opt,
       MsRng       *rng,
       int          steps)
{
  for (int s = 0; s < steps; s++)
    {
      ms_rng_fill_normal (rng, p->grad, p->total, 0.0f, 1.0f);
      for (gsize i = 0; i < p->total; i++)
        p->grad[i] += 0.1f * p->data[i];
      ms_optimizer_step (opt, p);
    }
}

static MsCheckpointWriter *
make_writer (Fixture *f)
{
  MsCheckpointWriter *w = ms_checkpoint_writer_new ();
  static const guint8 blob[] = { 0, 1, 2, 3, 255, 254 };

  ms_checkpoint_writer_add_string (w, "comment", "a test run — with UTF-8");
  ms_checkpoint_writer_add_params (w, "generator", f->gen, TRUE);
  ms_checkpoint_writer_add_optimizer (w, "generator.optim", &f->gen_opt);
  ms_checkpoint_writer_add_params (w, "discriminator", f->disc, FALSE);
  ms_checkpoint_writer_add_optimizer (w, "discriminator.optim", &f->disc_opt);
  ms_checkpoint_writer_add_rng (w, "rng", &f->rng);
  ms_checkpoint_writer_add_key_values (w, "meta", f->meta);
  ms_checkpoint_writer_add (w, "blob", MS_CHECKPOINT_TYPE_BLOB, blob, sizeof blob);
  ms_checkpoint_writer_add (w, "empty", MS_CHECKPOINT_TYPE_BLOB, NULL, 0);
  return w;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCheckpointWriter) w = NULL;
  MsOptimConfig adam = ms_optim_config_default (MS_OPTIM_ADAM);
  MsOptimConfig mom = ms_optim_config_default (MS_OPTIM_NESTEROV);
  char *contents;
  gsize len;

  f->gen = make_generator (16);
  f->disc = make_discriminator ();
  ms_rng_seed (&f->rng, 1234);
  for (guint i = 0; i < ms_params_count (f->gen); i++)
    ms_init_normal (f->gen, (int) i, &f->rng, 0.0f, 0.02f);
  for (guint i = 0; i < ms_params_count (f->disc); i++)
    ms_init_normal (f->disc, (int) i, &f->rng, 0.0f, 0.02f);

  adam.lr = 2e-4;
  adam.beta1 = 0.5;
  g_assert_true (ms_optimizer_init (&f->gen_opt, &adam, NULL));
  g_assert_true (ms_optimizer_init (&f->disc_opt, &mom, NULL));
  train (f->gen, &f->gen_opt, &f->rng, 3);
  train (f->disc, &f->disc_opt, &f->rng, 2);
  ms_rng_normal (&f->rng);

  f->meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (f->meta, "objective", "wgan-gp");
  g_hash_table_insert (f->meta, "dataset", "mnist");
  g_hash_table_insert (f->meta, "empty", "");

  f->dir = g_dir_make_tmp ("ms-checkpoint-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "run.msckpt", NULL);

  w = make_writer (f);
  g_assert_true (ms_checkpoint_writer_save (w, f->path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (f->path, &contents, &len, &error));
  g_assert_no_error (error);
  f->bytes = g_bytes_new_take (contents, len);
}

static void
remove_dir (const char *dir)
{
  GDir *d;
  const char *name;

  g_chmod (dir, 0700);
  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_dir (path);
      else
        g_unlink (path);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_bytes_unref (f->bytes);
  g_hash_table_unref (f->meta);
  ms_params_free (f->gen);
  ms_params_free (f->disc);
}

/* An independent walker of the format ---------------------------------------------------- */

typedef struct
{
  char    name[256];
  gsize   name_len_off;
  gsize   type_off;
  gsize   len_off;
  gsize   payload_off;
  guint64 payload_len;
  gsize   crc_off;
} SectionPos;

static guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint64
rd64 (const guint8 *p)
{
  return (guint64) rd32 (p) | (guint64) rd32 (p + 4) << 32;
}

static void
wr32 (guint8  *p,
      guint32  v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
wr64 (guint8  *p,
      guint64  v)
{
  wr32 (p, (guint32) v);
  wr32 (p + 4, (guint32) (v >> 32));
}

/* Only for well-formed files; returns the number of sections. */
static guint
walk (const guint8 *d,
      gsize         n,
      SectionPos   *out,
      guint         max)
{
  guint count = rd32 (d + 12);
  gsize pos = 16;

  g_assert_cmpmem (d, 8, "MSCKPT\r\n", 8);
  g_assert_cmpuint (count, <=, max);
  for (guint i = 0; i < count; i++)
    {
      guint32 name_len = rd32 (d + pos);

      out[i].name_len_off = pos;
      memcpy (out[i].name, d + pos + 4, name_len);
      out[i].name[name_len] = '\0';
      pos += 4 + name_len;
      out[i].type_off = pos;
      out[i].len_off = pos + 4;
      out[i].payload_len = rd64 (d + pos + 4);
      out[i].payload_off = pos + 12;
      pos += 12 + out[i].payload_len;
      out[i].crc_off = pos;
      pos += 4;
    }
  g_assert_cmpuint (pos + 4, ==, n);
  return count;
}

static const SectionPos *
find_pos (const SectionPos *s,
          guint             n,
          const char       *name)
{
  for (guint i = 0; i < n; i++)
    if (strcmp (s[i].name, name) == 0)
      return &s[i];
  g_assert_not_reached ();
}

static guint32
crc (const guint8 *d,
     gsize         n)
{
  return (guint32) crc32 (crc32 (0L, Z_NULL, 0), d, (uInt) n);
}

/* Recomputes the checksums of a file whose section lengths are intact. */
static void
fix_crcs (guint8 *d,
          gsize   n)
{
  SectionPos s[32];
  guint count = walk (d, n, s, G_N_ELEMENTS (s));

  for (guint i = 0; i < count; i++)
    wr32 (d + s[i].crc_off, crc (d + s[i].payload_off, s[i].payload_len));
  wr32 (d + n - 4, crc (d, n - 4));
}

static guint8 *
copy_bytes (GBytes *bytes,
            gsize  *len)
{
  return g_memdup2 (g_bytes_get_data (bytes, len), g_bytes_get_size (bytes));
}

/* Loads @len bytes of @data; returns the checkpoint or NULL with @error set. */
static MsCheckpoint *
load_data (const guint8 *data,
           gsize         len,
           GError      **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, len);

  return ms_checkpoint_load_bytes (bytes, error);
}

static void
assert_load_fails (const guint8 *data,
                   gsize         len,
                   int           code,
                   const char   *substring)
{
  g_autoptr (GError) error = NULL;
  MsCheckpoint *ck = load_data (data, len, &error);

  g_assert_null (ck);
  g_assert_error (error, MS_CHECKPOINT_ERROR, code);
  if (substring != NULL && strstr (error->message, substring) == NULL)
    {
      g_test_message ("message “%s” lacks “%s”", error->message, substring);
      g_test_fail ();
    }
}

static char *
params_snapshot (const MsParams *p)
{
  char *s = g_malloc (3 * p->total * sizeof (float));

  memcpy (s, p->data, p->total * sizeof (float));
  memcpy (s + p->total * sizeof (float), p->m, p->total * sizeof (float));
  memcpy (s + 2 * p->total * sizeof (float), p->v, p->total * sizeof (float));
  return s;
}

static void
assert_params_equal_snapshot (const MsParams *p,
                              const char     *snapshot)
{
  g_autofree char *now = params_snapshot (p);

  g_assert_cmpmem (now, 3 * p->total * sizeof (float), snapshot, 3 * p->total * sizeof (float));
}

/* Round trip ----------------------------------------------------------------------------- */

static void
assert_config_equal (const MsOptimConfig *a,
                     const MsOptimConfig *b)
{
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpfloat (a->lr, ==, b->lr);
  g_assert_cmpfloat (a->momentum, ==, b->momentum);
  g_assert_cmpfloat (a->dampening, ==, b->dampening);
  g_assert_cmpfloat (a->alpha, ==, b->alpha);
  g_assert_cmpfloat (a->eps, ==, b->eps);
  g_assert_cmpfloat (a->beta1, ==, b->beta1);
  g_assert_cmpfloat (a->beta2, ==, b->beta2);
  g_assert_cmpfloat (a->weight_decay, ==, b->weight_decay);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCheckpoint) ck = NULL;
  g_autoptr (MsCheckpointWriter) w = NULL;
  g_autoptr (GBytes) again = NULL;
  g_autoptr (GHashTable) meta = NULL;
  g_autofree char *comment = NULL;
  MsParams *gen = make_generator (16);
  MsParams *disc = make_discriminator ();
  MsOptimizer gen_opt, disc_opt;
  MsRng rng;
  gconstpointer blob;
  gsize len;

  /* Same input, same bytes */
  w = make_writer (f);
  again = ms_checkpoint_writer_to_bytes (w);
  g_assert_true (g_bytes_equal (again, f->bytes));

  ck = ms_checkpoint_load (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ck);
  g_assert_cmpuint (ms_checkpoint_get_version (ck), ==, 1);
  g_assert_cmpuint (ms_checkpoint_get_n_sections (ck), ==, 9);
  g_assert_cmpstr (ms_checkpoint_get_section_name (ck, 1), ==, "generator");
  g_assert_cmpuint (ms_checkpoint_get_section_type (ck, 1), ==, MS_CHECKPOINT_TYPE_PARAMS);
  g_assert_true (ms_checkpoint_has_section (ck, "rng"));
  g_assert_false (ms_checkpoint_has_section (ck, "critic"));

  g_assert_true (ms_checkpoint_restore_params (ck, "generator", gen, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (gen->data, gen->total * 4, f->gen->data, f->gen->total * 4);
  g_assert_cmpmem (gen->m, gen->total * 4, f->gen->m, f->gen->total * 4);
  g_assert_cmpmem (gen->v, gen->total * 4, f->gen->v, f->gen->total * 4);

  /* Saved without state, restored without state: m and v untouched */
  disc->m[0] = 42.0f;
  g_assert_true (ms_checkpoint_restore_params (ck, "discriminator", disc, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (disc->data, disc->total * 4, f->disc->data, f->disc->total * 4);
  g_assert_cmpfloat (disc->m[0], ==, 42.0f);
  memcpy (disc->m, f->disc->m, disc->total * 4);

  memset (&gen_opt, 0x55, sizeof gen_opt);
  g_assert_true (ms_checkpoint_restore_optimizer (ck, "generator.optim", &gen_opt, &error));
  g_assert_no_error (error);
  assert_config_equal (&gen_opt.config, &f->gen_opt.config);
  g_assert_cmpint (gen_opt.step, ==, 3);
  g_assert_cmpint (gen_opt.has_m, ==, TRUE);
  g_assert_cmpint (gen_opt.has_v, ==, TRUE);
  g_assert_true (ms_checkpoint_restore_optimizer (ck, "discriminator.optim", &disc_opt, &error));
  g_assert_no_error (error);
  g_assert_cmpint (disc_opt.config.kind, ==, MS_OPTIM_NESTEROV);
  g_assert_cmpint (disc_opt.step, ==, 2);
  g_assert_cmpint (disc_opt.has_m, ==, TRUE);
  g_assert_cmpint (disc_opt.has_v, ==, FALSE);

  g_assert_true (ms_checkpoint_restore_rng (ck, "rng", &rng, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (rng.s, f->rng.s, sizeof rng.s) == 0);

  /* Resuming is exact: train both copies further, compare every bit. */
  train (f->gen, &f->gen_opt, &f->rng, 2);
  train (gen, &gen_opt, &rng, 2);
  g_assert_cmpmem (gen->data, gen->total * 4, f->gen->data, f->gen->total * 4);
  g_assert_cmpmem (gen->v, gen->total * 4, f->gen->v, f->gen->total * 4);
  train (f->disc, &f->disc_opt, &f->rng, 2);
  train (disc, &disc_opt, &rng, 2);
  g_assert_cmpmem (disc->data, disc->total * 4, f->disc->data, f->disc->total * 4);
  g_assert_cmphex (ms_rng_next_u64 (&rng), ==, ms_rng_next_u64 (&f->rng));

  comment = ms_checkpoint_get_string (ck, "comment", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (comment, ==, "a test run — with UTF-8");

  meta = ms_checkpoint_get_key_values (ck, "meta", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (meta), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (meta, "objective"), ==, "wgan-gp");
  g_assert_cmpstr (g_hash_table_lookup (meta, "dataset"), ==, "mnist");
  g_assert_cmpstr (g_hash_table_lookup (meta, "empty"), ==, "");

  blob = ms_checkpoint_get (ck, "blob", MS_CHECKPOINT_TYPE_BLOB, &len);
  g_assert_nonnull (blob);
  g_assert_cmpmem (blob, len, ((const guint8[]) { 0, 1, 2, 3, 255, 254 }), 6);
  g_assert_nonnull (ms_checkpoint_get (ck, "empty", MS_CHECKPOINT_TYPE_BLOB, &len));
  g_assert_cmpuint (len, ==, 0);
  g_assert_null (ms_checkpoint_get (ck, "blob", MS_CHECKPOINT_TYPE_STRING, NULL));
  g_assert_null (ms_checkpoint_get (ck, "nope", MS_CHECKPOINT_TYPE_BLOB, NULL));

  ms_params_free (gen);
  ms_params_free (disc);
}

/* An empty container is valid too. */
static void
test_empty (void)
{
  g_autoptr (MsCheckpointWriter) w = ms_checkpoint_writer_new ();
  g_autoptr (GBytes) bytes = ms_checkpoint_writer_to_bytes (w);
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCheckpoint) ck = NULL;

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 20);
  ck = ms_checkpoint_load_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_checkpoint_get_n_sections (ck), ==, 0);
}

/* Damage --------------------------------------------------------------------------------- */

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (f->bytes, &len);
  g_autofree char *cut_path = g_build_filename (f->dir, "cut.msckpt", NULL);
  gsize offsets = 0;

  for (gsize cut = 0; cut < len; cut = (cut + 97 < len || cut == len - 1) ? cut + 97 : len - 1)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *expected = g_strdup_printf ("ends after %" G_GSIZE_FORMAT " of", cut);

      /* Through a real file, as a user would meet it */
      g_assert_true (g_file_set_contents (cut_path, (const char *) d, (gssize) cut, NULL));
      g_assert_null (ms_checkpoint_load (cut_path, &error));
      g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_TRUNCATED);
      if (cut > 0 && strstr (error->message, expected) == NULL)
        {
          g_test_message ("cut at %" G_GSIZE_FORMAT ": “%s”", cut, error->message);
          g_test_fail ();
        }
      offsets++;
    }
  g_assert_cmpuint (offsets, >, 10);

  /* And every single length, in memory */
  for (gsize cut = 0; cut < len; cut++)
    assert_load_fails (d, cut, MS_CHECKPOINT_ERROR_TRUNCATED, NULL);
}

static void
test_flipped (Fixture       *f,
              gconstpointer  data)
{
  gsize len;
  g_autofree guint8 *d = copy_bytes (f->bytes, &len);
  SectionPos s[32];
  guint count = walk (d, len, s, G_N_ELEMENTS (s));

  /* A flipped byte in each section's payload names the section. */
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *expected = g_strdup_printf ("Section '%s'", s[i].name);
      gsize at = s[i].payload_off + s[i].payload_len / 2;

      if (s[i].payload_len == 0)
        continue;
      d[at] ^= 0x20;
      assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, expected);
      assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, "checksum mismatch");
      d[at] ^= 0x20;
    }

  /* Any flipped bit anywhere is detected (CRC-32 catches every single-bit error) and never
   * crashes the reader. */
  for (gsize at = 0; at < len; at++)
    for (int bit = 0; bit < 8; bit += 3)
      {
        g_autoptr (GError) error = NULL;
        MsCheckpoint *ck;

        d[at] ^= (guint8) (1u << bit);
        ck = load_data (d, len, &error);
        if (ck != NULL)
          {
            g_test_message ("flipping bit %d of byte %" G_GSIZE_FORMAT " went unnoticed", bit, at);
            g_test_fail ();
            ms_checkpoint_free (ck);
          }
        else
          g_assert_true (error->domain == MS_CHECKPOINT_ERROR);
        d[at] ^= (guint8) (1u << bit);
      }

  /* The untouched copy still loads. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (MsCheckpoint) ck = load_data (d, len, &error);

    g_assert_no_error (error);
  }
}

static void
test_magic (Fixture       *f,
            gconstpointer  data)
{
  gsize len;
  g_autofree guint8 *d = copy_bytes (f->bytes, &len);
  g_autofree guint8 *text = NULL;
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                'I', 'H', 'D', 'R', 0, 0, 0, 1 };

  assert_load_fails (png, sizeof png, MS_CHECKPOINT_ERROR_NOT_CHECKPOINT,
                     "not a ModeScope checkpoint");
  assert_load_fails ((const guint8 *) "hello", 5, MS_CHECKPOINT_ERROR_NOT_CHECKPOINT, NULL);

  d[0] = 'X';
  assert_load_fails (d, len, MS_CHECKPOINT_ERROR_NOT_CHECKPOINT, "not a ModeScope checkpoint");
  d[0] = 'M';

  /* A text-mode copy turned \r\n into \n */
  text = g_malloc (len);
  memcpy (text, d, 6);
  memcpy (text + 6, d + 7, len - 7);
  assert_load_fails (text, len - 1, MS_CHECKPOINT_ERROR_CORRUPT, "text-mode");

  /* The file on disk */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *other = g_build_filename (f->dir, "image.png", NULL);

    g_assert_true (g_file_set_contents (other, (const char *) png, sizeof png, NULL));
    g_assert_null (ms_checkpoint_load (other, &error));
    g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_NOT_CHECKPOINT);
    g_assert_nonnull (strstr (error->message, "image.png"));
  }
}

static void
test_version (Fixture       *f,
              gconstpointer  data)
{
  gsize len;
  g_autofree guint8 *d = copy_bytes (f->bytes, &len);

  /* A well-formed file of format 3: its checksums are right, only the version is new. */
  wr32 (d + 8, 3);
  fix_crcs (d, len);
  assert_load_fails (d, len, MS_CHECKPOINT_ERROR_TOO_NEW,
                     "made by a newer ModeScope (format 3, this version reads 1)");

  wr32 (d + 8, 0);
  fix_crcs (d, len);
  assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, NULL);
}

static void
test_huge_lengths (Fixture       *f,
                   gconstpointer  data)
{
  gsize len;
  g_autofree guint8 *orig = copy_bytes (f->bytes, &len);
  g_autofree guint8 *d = g_memdup2 (orig, len);
  SectionPos s[32];
  guint count = walk (d, len, s, G_N_ELEMENTS (s));

  for (guint i = 0; i < count; i++)
    {
      /* Payload lengths far beyond any file: refused before any allocation */
      static const guint64 huge[] = { G_GUINT64_CONSTANT (1) << 60, G_MAXUINT64,
                                      G_GUINT64_CONSTANT (1) << 32, G_MAXUINT32 };

      for (gsize h = 0; h < G_N_ELEMENTS (huge); h++)
        {
          wr64 (d + s[i].len_off, huge[h]);
          wr32 (d + len - 4, crc (d, len - 4));
          assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, NULL);
        }
      /* Just past the end: looks like truncation */
      wr64 (d + s[i].len_off, len);
      assert_load_fails (d, len, MS_CHECKPOINT_ERROR_TRUNCATED, NULL);
      memcpy (d, orig, len);

      /* Name lengths */
      wr32 (d + s[i].name_len_off, G_MAXUINT32);
      assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, NULL);
      wr32 (d + s[i].name_len_off, 256);
      assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, NULL);
      wr32 (d + s[i].name_len_off, 0);
      assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, NULL);
      memcpy (d, orig, len);
    }

  /* A huge section count runs out of file (or reads the trailer as a section header), it does
   * not allocate */
  wr32 (d + 12, G_MAXUINT32);
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (load_data (d, len, &error));
    g_assert_true (g_error_matches (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_TRUNCATED)
                   || g_error_matches (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT));
  }
  /* Fewer sections than present: bytes left over */
  wr32 (d + 12, count - 1);
  assert_load_fails (d, len, MS_CHECKPOINT_ERROR_CORRUPT, NULL);
  memcpy (d, orig, len);

  /* Trailing garbage */
  {
    g_autofree guint8 *longer = g_malloc (len + 3);

    memcpy (longer, orig, len);
    memset (longer + len, 0, 3);
    assert_load_fails (longer, len + 3, MS_CHECKPOINT_ERROR_CORRUPT, "after its end");
  }
}

/* Hostile payloads with valid checksums reach the payload parsers. */
static void
test_hostile_payloads (Fixture       *f,
                       gconstpointer  data)
{
  gsize len;
  g_autofree guint8 *orig = copy_bytes (f->bytes, &len);
  g_autofree guint8 *d = g_memdup2 (orig, len);
  g_autofree char *snapshot = NULL;
  SectionPos s[32];
  guint count = walk (d, len, s, G_N_ELEMENTS (s));
  const SectionPos *gen = find_pos (s, count, "generator");
  const SectionPos *opt = find_pos (s, count, "generator.optim");
  const SectionPos *rng = find_pos (s, count, "rng");
  const SectionPos *meta = find_pos (s, count, "meta");
  MsParams *target = make_generator (16);
  MsOptimizer o;
  MsRng r;
  struct { const SectionPos *sec; gsize off; guint64 value; int width; int code; } cases[] = {
    /* params: flags, count, total, first name length, first ndim, first size */
    { gen, 0, 0x80, 4, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 4, G_MAXUINT32, 4, MS_CHECKPOINT_ERROR_MISMATCH },
    { gen, 4, 2, 4, MS_CHECKPOINT_ERROR_MISMATCH },
    { gen, 8, G_GUINT64_CONSTANT (1) << 60, 8, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 8, 0, 8, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 16, G_MAXUINT32, 4, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 16, 0, 4, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 20 + 9, G_MAXINT32, 4, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 20 + 9, 0, 4, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 20 + 13, 1u << 31, 4, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 20 + 13, 0, 4, MS_CHECKPOINT_ERROR_INVALID },
    { gen, 20 + 13, 17, 4, MS_CHECKPOINT_ERROR_MISMATCH },
    /* optimizer: kind, flags, step, lr */
    { opt, 0, 99, 4, MS_CHECKPOINT_ERROR_INVALID },
    { opt, 4, 0xff, 4, MS_CHECKPOINT_ERROR_INVALID },
    { opt, 8, G_MAXUINT64, 8, MS_CHECKPOINT_ERROR_INVALID },
    { opt, 16, 0xbff0000000000000, 8, MS_CHECKPOINT_ERROR_INVALID },   /* lr = -1.0 */
    { opt, 16, 0x7ff8000000000000, 8, MS_CHECKPOINT_ERROR_INVALID },   /* lr = NaN */
    /* key-values: count, first key length */
    { meta, 0, G_MAXUINT32, 4, MS_CHECKPOINT_ERROR_INVALID },
    { meta, 0, 2, 4, MS_CHECKPOINT_ERROR_INVALID },
    { meta, 4, G_MAXUINT32, 4, MS_CHECKPOINT_ERROR_INVALID },
  };

  snapshot = params_snapshot (target);
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MsCheckpoint) ck = NULL;
      g_autoptr (GHashTable) table = NULL;
      guint8 *at = d + cases[c].sec->payload_off + cases[c].off;
      gboolean ok;

      memcpy (d, orig, len);
      if (cases[c].width == 4)
        wr32 (at, (guint32) cases[c].value);
      else
        wr64 (at, cases[c].value);
      fix_crcs (d, len);
      ck = load_data (d, len, &error);
      g_assert_no_error (error);

      if (cases[c].sec == gen)
        {
          ok = ms_checkpoint_restore_params (ck, "generator", target, TRUE, &error);
          assert_params_equal_snapshot (target, snapshot);
        }
      else if (cases[c].sec == opt)
        {
          memset (&o, 0x33, sizeof o);
          ok = ms_checkpoint_restore_optimizer (ck, "generator.optim", &o, &error);
          g_assert_cmpint (o.step, ==, 0x3333333333333333);
        }
      else if (cases[c].sec == rng)
        ok = ms_checkpoint_restore_rng (ck, "rng", &r, &error);
      else
        {
          table = ms_checkpoint_get_key_values (ck, "meta", &error);
          ok = table != NULL;
        }
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", c, error ? error->message : "ok");
      g_assert_false (ok);
      g_assert_error (error, MS_CHECKPOINT_ERROR, cases[c].code);
    }

  /* An all-zero generator state */
  memcpy (d, orig, len);
  memset (d + rng->payload_off, 0, 32);
  fix_crcs (d, len);
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (MsCheckpoint) ck = load_data (d, len, &error);

    g_assert_false (ms_checkpoint_restore_rng (ck, "rng", &r, &error));
    g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID);
  }

  /* Every byte of every payload, changed with valid checksums: any result but a crash, and a
   * failed restore leaves the target alone. */
  for (guint i = 0; i < count; i++)
    for (guint64 k = 0; k < s[i].payload_len; k++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (MsCheckpoint) ck = NULL;
        g_autoptr (GHashTable) table = NULL;
        g_autofree char *text = NULL;
        gsize at = s[i].payload_off + k;

        /* Params payloads are mostly float data: probe their headers fully, data sparsely. */
        if (k > 200 && k % 61 != 0)
          continue;
        memcpy (d, orig, len);
        d[at] ^= 0xff;
        fix_crcs (d, len);
        ck = load_data (d, len, &error);
        g_assert_no_error (error);

        if (!ms_checkpoint_restore_params (ck, s[i].name, target, TRUE, &error))
          {
            assert_params_equal_snapshot (target, snapshot);
            g_clear_error (&error);
          }
        else
          {
            /* A changed float is still a valid checkpoint */
            g_free (snapshot);
            snapshot = params_snapshot (target);
          }
        if (!ms_checkpoint_restore_optimizer (ck, s[i].name, &o, &error))
          g_clear_error (&error);
        if (!ms_checkpoint_restore_rng (ck, s[i].name, &r, &error))
          g_clear_error (&error);
        text = ms_checkpoint_get_string (ck, s[i].name, &error);
        g_clear_error (&error);
        table = ms_checkpoint_get_key_values (ck, s[i].name, &error);
        g_clear_error (&error);
      }

  ms_params_free (target);
}

static void
test_layout_mismatch (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCheckpoint) ck = ms_checkpoint_load (f->path, &error);
  MsParams *narrow = make_generator (8);
  MsParams *renamed = ms_params_new ("generator");
  MsParams *shorter = ms_params_new ("generator");
  MsParams *same = make_generator (16);
  g_autofree char *snapshot = NULL;

  g_assert_no_error (error);

  ms_params_add (renamed, "fc.weight", 2, (int[]) { 16, 100 });
  ms_params_add (renamed, "fc.b", 1, (int[]) { 16 });
  ms_params_add (renamed, "deconv.weight", 4, (int[]) { 8, 4, 3, 3 });
  ms_params_finalize (renamed);
  ms_params_add (shorter, "fc.weight", 2, (int[]) { 16, 100 });
  ms_params_add (shorter, "fc.bias", 1, (int[]) { 16 });
  ms_params_finalize (shorter);

  snapshot = params_snapshot (narrow);
  g_assert_false (ms_checkpoint_restore_params (ck, "generator", narrow, FALSE, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "parameter 'fc.weight' has shape (16, 100) in the "
                                            "file but (8, 100) in this network"));
  assert_params_equal_snapshot (narrow, snapshot);
  g_clear_error (&error);

  g_assert_false (ms_checkpoint_restore_params (ck, "generator", renamed, FALSE, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "'fc.bias' in the file but 'fc.b' in this network"));
  g_clear_error (&error);

  g_assert_false (ms_checkpoint_restore_params (ck, "generator", shorter, FALSE, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "3 parameters but this network has 2"));
  g_clear_error (&error);

  /* The generator's section given to the discriminator */
  g_assert_false (ms_checkpoint_restore_params (ck, "discriminator", same, FALSE, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH);
  g_clear_error (&error);

  /* No state saved for the discriminator */
  g_assert_false (ms_checkpoint_restore_params (ck, "discriminator", f->disc, TRUE, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISSING);
  g_clear_error (&error);

  g_assert_false (ms_checkpoint_restore_params (ck, "critic", same, FALSE, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "'critic'"));
  g_clear_error (&error);

  g_assert_false (ms_checkpoint_restore_params (ck, "rng", same, FALSE, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_WRONG_TYPE);
  g_clear_error (&error);

  g_assert_null (ms_checkpoint_get_string (ck, "meta", &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_WRONG_TYPE);
  g_clear_error (&error);

  g_assert_true (ms_checkpoint_restore_params (ck, "generator", same, TRUE, &error));
  g_assert_no_error (error);

  ms_params_free (narrow);
  ms_params_free (renamed);
  ms_params_free (shorter);
  ms_params_free (same);
}

/* Files ---------------------------------------------------------------------------------- */

static void
test_io_errors (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCheckpointWriter) w = make_writer (f);
  g_autofree char *missing = g_build_filename (f->dir, "missing.msckpt", NULL);
  g_autofree char *under_file = g_build_filename (f->path, "x.msckpt", NULL);

  g_assert_null (ms_checkpoint_load (missing, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.msckpt"));
  g_clear_error (&error);

  g_assert_null (ms_checkpoint_load (f->dir, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO);
  g_clear_error (&error);

  /* A path below a regular file fails for every user, root included */
  g_assert_false (ms_checkpoint_writer_save (w, under_file, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO);
}

static gboolean
dir_is_writable (const char *dir)
{
  g_autofree char *probe = g_build_filename (dir, "probe", NULL);
  int fd = g_open (probe, O_WRONLY | O_CREAT | O_EXCL, 0600);

  if (fd < 0)
    return FALSE;
  g_close (fd, NULL);
  g_unlink (probe);
  return TRUE;
}

static void
save_into_read_only_dir (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsCheckpointWriter) w = ms_checkpoint_writer_new ();
  g_autofree char *contents = NULL;
  gsize len;
  GDir *dir;
  const char *name;
  int n_files = 0;

  ms_checkpoint_writer_add_string (w, "comment", "the newer checkpoint");
  g_assert_false (ms_checkpoint_writer_save (w, f->path, &error));
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO);
  g_test_message ("%s", error->message);

  /* The earlier file is intact, and no temporary file was left behind */
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (f->bytes, NULL), g_bytes_get_size (f->bytes));
  dir = g_dir_open (f->dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    n_files++;
  g_dir_close (dir);
  g_assert_cmpint (n_files, ==, 1);
}

static void
test_read_only_dir (Fixture       *f,
                    gconstpointer  data)
{
  pid_t pid;
  int status;

  /* The unprivileged child below must be able to reach the directory and read the file. */
  g_assert_cmpint (g_chmod (f->path, 0644), ==, 0);
  g_assert_cmpint (g_chmod (f->dir, 0555), ==, 0);

  if (!dir_is_writable (f->dir))
    {
      save_into_read_only_dir (f);
      g_chmod (f->dir, 0700);
      return;
    }

  /* Root ignores directory permissions: drop to an unprivileged user in a child process.  A
   * failed assertion there aborts the child, which fails the test here.  The file itself stays
   * writable for that user, as it is for a normal user, so that only a save that goes through
   * a temporary file in the directory fails. */
  if (chown (f->path, 65534, 65534) != 0)
    {
      g_chmod (f->dir, 0700);
      g_test_skip ("cannot hand the file to an unprivileged user");
      return;
    }
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (setgid (65534) != 0 || setuid (65534) != 0)
        _exit (77);
      g_assert_false (dir_is_writable (f->dir));
      save_into_read_only_dir (f);
      _exit (0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_chmod (f->dir, 0700);

  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    g_test_skip ("the directory stays writable and privileges cannot be dropped");
  else if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_test_message ("the unprivileged save check failed (status %d)", status);
      g_test_fail ();
    }
}

/* A section name is quoted in messages: one with a control character is refused as corrupt,
 * and the message does not carry it */
static void
test_control_char_name (void)
{
  static const char name[] = "a\nb\x1b[2J";
  GByteArray *b = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = NULL;
  guint32 u;
  guint64 len = 0;

  g_byte_array_append (b, (const guint8 *) "MSCKPT\r\n", 8);
  u = GUINT32_TO_LE (1);
  g_byte_array_append (b, (const guint8 *) &u, 4);                 /* version */
  g_byte_array_append (b, (const guint8 *) &u, 4);                 /* one section */
  u = GUINT32_TO_LE ((guint32) strlen (name));
  g_byte_array_append (b, (const guint8 *) &u, 4);
  g_byte_array_append (b, (const guint8 *) name, strlen (name));
  u = GUINT32_TO_LE (MS_CHECKPOINT_TYPE_BLOB);
  g_byte_array_append (b, (const guint8 *) &u, 4);
  g_byte_array_append (b, (const guint8 *) &len, 8);
  u = GUINT32_TO_LE ((guint32) crc32 (0L, Z_NULL, 0));
  g_byte_array_append (b, (const guint8 *) &u, 4);                 /* empty payload's CRC */
  u = GUINT32_TO_LE ((guint32) crc32 (0L, b->data, b->len));
  g_byte_array_append (b, (const guint8 *) &u, 4);                 /* trailer */
  bytes = g_byte_array_free_to_bytes (b);

  ck = ms_checkpoint_load_bytes (bytes, &error);
  g_assert_null (ck);
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (error->message, '\x1b'));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/checkpoint/round-trip", test_round_trip);
  ADD ("/checkpoint/truncated", test_truncated);
  ADD ("/checkpoint/flipped", test_flipped);
  ADD ("/checkpoint/magic", test_magic);
  ADD ("/checkpoint/version", test_version);
  ADD ("/checkpoint/huge-lengths", test_huge_lengths);
  ADD ("/checkpoint/hostile-payloads", test_hostile_payloads);
  ADD ("/checkpoint/layout-mismatch", test_layout_mismatch);
  ADD ("/checkpoint/io-errors", test_io_errors);
  ADD ("/checkpoint/read-only-dir", test_read_only_dir);
#undef ADD
  g_test_add_func ("/checkpoint/empty", test_empty);
  g_test_add_func ("/checkpoint/control-char-name", test_control_char_name);

  return g_test_run ();
}
