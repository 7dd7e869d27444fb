/* test-idx.c: the IDX reader on the shipped MNIST and on small broken files
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MODESCOPE_DATADIR is set by tests/meson.build to the source tree's data/.  Broken files are
 * written into a fresh temporary folder per test.
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "ms-idx.h"
#include "ms-test-util.h"

#define N_IMG  6
#define ROWS   4
#define COLS   5

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                  */

/* An IDX file in memory: magic 00 00 @type @ndims, big-endian dims, then @data. */
static GByteArray *
idx_bytes (guint8         type,
           guint          ndims,
           const guint32 *dims,
           const guint8  *data,
           gsize          n)
{
  GByteArray *b = g_byte_array_new ();
  guint8 magic[4] = { 0, 0, type, (guint8) ndims };

  g_byte_array_append (b, magic, 4);
  for (guint i = 0; i < ndims; i++)
    {
      guint8 be[4] = { dims[i] >> 24, (dims[i] >> 16) & 0xff, (dims[i] >> 8) & 0xff,
                       dims[i] & 0xff };

      g_byte_array_append (b, be, 4);
    }
  if (n > 0)
    g_byte_array_append (b, data, n);
  return b;
}

static char *
write_file (const char   *dir,
            const char   *name,
            const guint8 *bytes,
            gsize         len,
            gboolean      gz)
{
  char *path = g_build_filename (dir, name, NULL);

  if (gz)
    {
      gzFile f = gzopen (path, "wb9");

      g_assert_nonnull (f);
      if (len > 0)
        g_assert_cmpint (gzwrite (f, bytes, (unsigned) len), ==, (int) len);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      g_file_set_contents (path, (const char *) bytes, len, &error);
      g_assert_no_error (error);
    }
  return path;
}

static char *
write_idx (const char   *dir,
           const char   *name,
           guint8        type,
           guint         ndims,
           const guint32 *dims,
           const guint8 *data,
           gsize         n,
           gboolean      gz)
{
  g_autoptr(GByteArray) b = idx_bytes (type, ndims, dims, data, n);

  return write_file (dir, name, b->data, b->len, gz);
}

static void
synth_data (guint8 *images,   /* (N_IMG, ROWS, COLS) */
            guint8 *labels)   /* (N_IMG) */
{
  for (guint i = 0; i < N_IMG * ROWS * COLS; i++)
    images[i] = (guint8) ((i * 37) & 0xff);
  for (guint i = 0; i < N_IMG; i++)
    labels[i] = (guint8) (i % 10);
}

/* Writes a good images file and labels file; returns their paths. */
static void
write_good_pair (const char  *dir,
                 const char  *prefix,
                 gboolean     gz,
                 char       **images_path,
                 char       **labels_path)
{
  guint8 images[N_IMG * ROWS * COLS];
  guint8 labels[N_IMG];
  guint32 idims[3] = { N_IMG, ROWS, COLS };
  guint32 ldims[1] = { N_IMG };
  g_autofree char *iname = g_strdup_printf ("%s-images-idx3-ubyte%s", prefix, gz ? ".gz" : "");
  g_autofree char *lname = g_strdup_printf ("%s-labels-idx1-ubyte%s", prefix, gz ? ".gz" : "");

  synth_data (images, labels);
  *images_path = write_idx (dir, iname, 0x08, 3, idims, images, sizeof images, gz);
  *labels_path = write_idx (dir, lname, 0x08, 1, ldims, labels, sizeof labels, gz);
}

static void
write_good_labels (const char  *dir,
                   guint32      n,
                   char       **labels_path)
{
  g_autofree guint8 *labels = g_malloc0 (n);
  guint32 ldims[1] = { n };

  for (guint32 i = 0; i < n; i++)
    labels[i] = (guint8) (i % 10);
  *labels_path = write_idx (dir, "labels-idx1-ubyte", 0x08, 1, ldims, labels, n, FALSE);
}

/* Loads the pair and checks that it fails with @code and a message containing @needle and
 * naming @must_name (a file name). */
static void
assert_load_fails (const char *images_path,
                   const char *labels_path,
                   int         code,
                   const char *needle,
                   const char *must_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = ms_dataset_load_idx_pair (images_path, labels_path, &error);

  g_assert_null (ds);
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, MS_DATA_ERROR, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, needle);
  if (must_name != NULL)
    {
      g_autofree char *base = g_path_get_basename (must_name);

      if (strstr (error->message, base) == NULL)
        g_error ("message “%s” does not name %s", error->message, base);
    }
}

static void
flip_byte (const char *path,
           gssize      offset)   /* from the end when negative */
{
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  if (offset < 0)
    offset += (gssize) len;
  g_assert_cmpint (offset, >=, 0);
  g_assert_cmpint (offset, <, (gssize) len);
  contents[offset] ^= 0x55;
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------------------------- */
/* The shipped MNIST                                                                        */

static void
test_mnist_t10k (void)
{
  /* Known class counts of the MNIST test split. */
  static const guint expected[10] = { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = ms_dataset_load_mnist ("t10k", &error);
  guint counts[10];
  guint total = 0;
  g_autofree float *f = NULL;
  float lo = 1e9f, hi = -1e9f;

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  g_assert_cmpuint (ds->n, ==, 10000);
  g_assert_cmpuint (ds->rows, ==, 28);
  g_assert_cmpuint (ds->cols, ==, 28);
  g_assert_cmpuint (ds->n_classes, ==, 10);
  g_assert_cmpstr (ds->name, ==, "MNIST");
  g_assert_cmpstr (ds->split, ==, "t10k");
  g_assert_cmpstr (ms_dataset_class_name (ds, 7), ==, "7");
  g_assert_cmpstr (ms_dataset_class_name (ds, 10), ==, "?");
  g_assert_cmpuint (ds->labels[0], ==, 7);   /* the first test digit is a 7 */

  ms_dataset_class_counts (ds, counts);
  for (guint c = 0; c < 10; c++)
    {
      g_assert_cmpuint (counts[c], ==, expected[c]);
      total += counts[c];
    }
  g_assert_cmpuint (total, ==, ds->n);

  /* [-1, 1] scaling reaches both ends on real digits. */
  f = g_new (float, 100 * 28 * 28);
  ms_dataset_get_images_float (ds, 0, 100, f, TRUE);
  for (guint i = 0; i < 100 * 28 * 28; i++)
    {
      lo = MIN (lo, f[i]);
      hi = MAX (hi, f[i]);
    }
  g_assert_cmpfloat (lo, ==, -1.0f);
  g_assert_cmpfloat (hi, ==, 1.0f);
}

static void
test_mnist_checksum (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *mnist = g_build_filename (tmp, "mnist", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("MODESCOPE_DATADIR"));
  const char *files[] = { "SHA256SUMS", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = NULL;
  g_autofree char *bad = NULL;

  g_assert_nonnull (saved);
  g_assert_cmpint (g_mkdir (mnist, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *src = g_build_filename (saved, "mnist", files[i], NULL);
      g_autofree char *contents = NULL;
      gsize len;
      g_autofree char *dst = NULL;

      g_file_get_contents (src, &contents, &len, &error);
      g_assert_no_error (error);
      dst = write_file (mnist, files[i], (const guint8 *) contents, len, FALSE);
    }

  /* The intact copy loads from the new place... */
  g_setenv ("MODESCOPE_DATADIR", tmp, TRUE);
  ds = ms_dataset_load_mnist ("t10k", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 10000);
  g_clear_pointer (&ds, ms_dataset_free);

  /* ...and one changed byte is caught by the checksum, naming the file. */
  bad = g_build_filename (mnist, "t10k-labels-idx1-ubyte.gz", NULL);
  flip_byte (bad, 100);
  ds = ms_dataset_load_mnist ("t10k", &error);
  g_setenv ("MODESCOPE_DATADIR", saved, TRUE);
  g_assert_null (ds);
  g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CHECKSUM);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "t10k-labels-idx1-ubyte.gz"));
  g_assert_nonnull (strstr (error->message, tmp));
  g_clear_error (&error);

  /* A missing SHA256SUMS is reported, not skipped. */
  {
    g_autofree char *sums = g_build_filename (mnist, "SHA256SUMS", NULL);

    g_remove (sums);
    g_setenv ("MODESCOPE_DATADIR", tmp, TRUE);
    ds = ms_dataset_load_mnist ("t10k", &error);
    g_setenv ("MODESCOPE_DATADIR", saved, TRUE);
    g_assert_null (ds);
    g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "SHA256SUMS"));
  }

  ms_test_rm_rf (tmp);
}

static void
test_bad_split (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = ms_dataset_load_mnist ("validation", &error);

  g_assert_null (ds);
  g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "t10k"));
}

/* ---------------------------------------------------------------------------------------- */
/* Good synthetic files                                                                     */

static void
test_raw_equals_gz (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ri = NULL, *rl = NULL, *gi = NULL, *gl = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) raw = NULL;
  g_autoptr(MsDataset) gz = NULL;
  guint8 images[N_IMG * ROWS * COLS];
  guint8 labels[N_IMG];

  synth_data (images, labels);
  write_good_pair (tmp, "train", FALSE, &ri, &rl);
  write_good_pair (tmp, "other", TRUE, &gi, &gl);

  raw = ms_dataset_load_idx_pair (ri, rl, &error);
  g_assert_no_error (error);
  gz = ms_dataset_load_idx_pair (gi, gl, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (raw->n, ==, N_IMG);
  g_assert_cmpuint (raw->rows, ==, ROWS);
  g_assert_cmpuint (raw->cols, ==, COLS);
  g_assert_cmpuint (gz->n, ==, raw->n);
  g_assert_cmpuint (gz->rows, ==, raw->rows);
  g_assert_cmpuint (gz->cols, ==, raw->cols);
  g_assert_cmpmem (raw->images, N_IMG * ROWS * COLS, images, sizeof images);
  g_assert_cmpmem (gz->images, N_IMG * ROWS * COLS, images, sizeof images);
  g_assert_cmpmem (raw->labels, N_IMG, labels, sizeof labels);
  g_assert_cmpmem (gz->labels, N_IMG, labels, sizeof labels);

  /* The folder loader finds "train-*" (raw) by name. */
  {
    g_autoptr(MsDataset) folder = ms_dataset_load_folder (tmp, "train", &error);

    g_assert_no_error (error);
    g_assert_cmpmem (folder->images, N_IMG * ROWS * COLS, images, sizeof images);
    g_assert_cmpstr (folder->split, ==, "train");
  }

  /* Two gzip members joined with cat are one valid file. */
  {
    g_autoptr(GByteArray) whole = NULL;
    guint32 idims[3] = { N_IMG, ROWS, COLS };
    g_autofree char *p1 = NULL, *p2 = NULL, *c1 = NULL, *c2 = NULL, *joined = NULL;
    gsize l1, l2;
    g_autoptr(MsDataset) cat = NULL;

    whole = idx_bytes (0x08, 3, idims, images, sizeof images);
    p1 = write_file (tmp, "part1.gz", whole->data, 30, TRUE);
    p2 = write_file (tmp, "part2.gz", whole->data + 30, whole->len - 30, TRUE);
    g_file_get_contents (p1, &c1, &l1, &error);
    g_assert_no_error (error);
    g_file_get_contents (p2, &c2, &l2, &error);
    g_assert_no_error (error);
    c1 = g_realloc (c1, l1 + l2);
    memcpy (c1 + l1, c2, l2);
    joined = write_file (tmp, "joined.gz", (const guint8 *) c1, l1 + l2, FALSE);
    cat = ms_dataset_load_idx_pair (joined, gl, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (cat->images, N_IMG * ROWS * COLS, images, sizeof images);
  }

  ms_test_rm_rf (tmp);
}

static void
test_float_and_batch (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ip = NULL, *lp = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = NULL;
  const guint px = ROWS * COLS;
  float f01[N_IMG * ROWS * COLS];
  float batch[16 * ROWS * COLS];
  guint8 blabels[16];
  MsRng rng, replay;

  write_good_pair (tmp, "t10k", TRUE, &ip, &lp);
  ds = ms_dataset_load_idx_pair (ip, lp, &error);
  g_assert_no_error (error);

  ms_dataset_get_images_float (ds, 1, 2, f01, FALSE);
  for (guint i = 0; i < 2 * px; i++)
    g_assert_cmpfloat_with_epsilon (f01[i], ds->images[px + i] / 255.0f, 1e-6f);

  /* sample_batch draws one ms_rng_below (n) per image, so a replayed generator predicts it. */
  ms_rng_seed (&rng, 1234);
  ms_rng_seed (&replay, 1234);
  ms_dataset_sample_batch (ds, &rng, 16, batch, blabels);
  for (guint b = 0; b < 16; b++)
    {
      guint32 idx = ms_rng_below (&replay, ds->n);

      g_assert_cmpuint (blabels[b], ==, ds->labels[idx]);
      for (guint i = 0; i < px; i++)
        {
          float want = ds->images[idx * px + i] / 127.5f - 1.0f;

          g_assert_cmpfloat_with_epsilon (batch[b * px + i], want, 1e-6f);
          g_assert_cmpfloat (batch[b * px + i], >=, -1.0f);
          g_assert_cmpfloat (batch[b * px + i], <=, 1.0f);
        }
    }
  ms_test_rm_rf (tmp);
}

static void
test_fashion_names (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ip = NULL, *lp = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = NULL;
  g_autofree char *empty = g_build_filename (tmp, "empty", NULL);

  write_good_pair (tmp, "t10k", FALSE, &ip, &lp);
  g_setenv ("MODESCOPE_FASHION_MNIST_DIR", tmp, TRUE);
  ds = ms_dataset_load_fashion_mnist ("t10k", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ds->name, ==, "Fashion-MNIST");
  g_assert_cmpstr (ms_dataset_class_name (ds, 0), ==, "T-shirt/top");
  g_assert_cmpstr (ms_dataset_class_name (ds, 9), ==, "Ankle boot");

  /* An explicit folder without the files is reported as such. */
  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  g_setenv ("MODESCOPE_FASHION_MNIST_DIR", empty, TRUE);
  g_clear_pointer (&ds, ms_dataset_free);
  ds = ms_dataset_load_fashion_mnist ("train", &error);
  g_unsetenv ("MODESCOPE_FASHION_MNIST_DIR");
  g_assert_null (ds);
  g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "train-images-idx3-ubyte"));
  g_clear_error (&error);

  /* Without the variable the answer depends on the machine: either it loads or the message
   * tells how to install it. */
  ds = ms_dataset_load_fashion_mnist ("t10k", &error);
  if (ds == NULL)
    {
      g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, "apt install dataset-fashion-mnist"));
    }
  ms_test_rm_rf (tmp);
}

/* ---------------------------------------------------------------------------------------- */
/* Broken files                                                                             */

static void
test_not_found (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *missing = g_build_filename (tmp, "nope-images-idx3-ubyte", NULL);
  g_autofree char *ip = NULL, *lp = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = NULL;

  write_good_pair (tmp, "train", FALSE, &ip, &lp);
  assert_load_fails (missing, lp, MS_DATA_ERROR_NOT_FOUND, "Cannot open", missing);

  ds = ms_dataset_load_folder (tmp, "t10k", &error);
  g_assert_null (ds);
  g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "t10k-images-idx3-ubyte"));
  g_clear_error (&error);

  /* Swapped files. */
  assert_load_fails (lp, ip, MS_DATA_ERROR_MISMATCH, "swapped", ip);
  ms_test_rm_rf (tmp);
}

static void
test_truncated (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *lp = NULL;
  guint32 dims[3] = { 2000, 28, 28 };
  g_autofree guint8 *pixels = g_malloc0 (1234);
  g_autofree char *raw = NULL, *gz = NULL, *cut = NULL, *hdr = NULL;

  write_good_labels (tmp, 2000, &lp);

  /* Raw and gzip files whose data stops early, with counts in thousands. */
  raw = write_idx (tmp, "train-images-idx3-ubyte", 0x08, 3, dims, pixels, 1234, FALSE);
  assert_load_fails (raw, lp, MS_DATA_ERROR_TRUNCATED,
                     "file ends after 1,234 of 1,568,000 image bytes", raw);
  gz = write_idx (tmp, "train-images-idx3-ubyte.gz", 0x08, 3, dims, pixels, 1234, TRUE);
  assert_load_fails (gz, lp, MS_DATA_ERROR_TRUNCATED,
                     "file ends after 1,234 of 1,568,000 image bytes", gz);

  /* A gzip file cut in the middle of its compressed stream. */
  {
    guint8 *all = g_malloc (1568000);
    g_autofree char *full = NULL;
    g_autofree char *contents = NULL;
    gsize len;
    g_autoptr(GError) error = NULL;
    g_autoptr(GRand) rand = g_rand_new_with_seed (42);

    /* Noise, so the compressed stream is long and a cut lands inside the pixels. */
    for (guint i = 0; i < 1568000; i++)
      all[i] = (guint8) g_rand_int (rand);
    full = write_idx (tmp, "full.gz", 0x08, 3, dims, all, 1568000, TRUE);
    g_free (all);
    g_file_get_contents (full, &contents, &len, &error);
    g_assert_no_error (error);
    cut = write_file (tmp, "cut.gz", (const guint8 *) contents, len / 2, FALSE);
    assert_load_fails (cut, lp, MS_DATA_ERROR_TRUNCATED, "ends after", cut);

    /* Only the 8-byte gzip trailer missing: all pixels are there, the check is not. */
    g_clear_pointer (&cut, g_free);
    cut = write_file (tmp, "notrailer.gz", (const guint8 *) contents, len - 8, FALSE);
    assert_load_fails (cut, lp, MS_DATA_ERROR_TRUNCATED, "stops before the end", cut);
  }

  /* Inside the header, and an empty file. */
  {
    g_autoptr(GByteArray) b = idx_bytes (0x08, 3, dims, NULL, 0);

    hdr = write_file (tmp, "short-images-idx3-ubyte", b->data, 10, FALSE);
    assert_load_fails (hdr, lp, MS_DATA_ERROR_TRUNCATED, "inside the 16-byte IDX header", hdr);
    g_clear_pointer (&hdr, g_free);
    hdr = write_file (tmp, "empty-images-idx3-ubyte", (const guint8 *) "", 0, FALSE);
    assert_load_fails (hdr, lp, MS_DATA_ERROR_TRUNCATED, "is empty", hdr);
  }
  ms_test_rm_rf (tmp);
}

static void
test_bad_magic_and_type (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ip = NULL, *lp = NULL, *p = NULL;
  guint32 dims[3] = { N_IMG, ROWS, COLS };
  guint8 images[N_IMG * ROWS * COLS] = { 0 };

  write_good_pair (tmp, "train", FALSE, &ip, &lp);

  /* Bad magic: a ZIP archive and a text file. */
  p = write_file (tmp, "zip-images", (const guint8 *) "PK\x03\x04 and more bytes here", 24,
                  FALSE);
  assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "ZIP", p);
  g_clear_pointer (&p, g_free);
  p = write_file (tmp, "text-images.gz", (const guint8 *) "hello, world, not IDX", 21, TRUE);
  assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "not an IDX file", p);
  g_clear_pointer (&p, g_free);

  /* Float data (0x0D) and an unknown type. */
  p = write_idx (tmp, "float-images", 0x0d, 3, dims, images, sizeof images, FALSE);
  assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "float", p);
  g_clear_pointer (&p, g_free);
  p = write_idx (tmp, "weird-images", 0x42, 3, dims, images, sizeof images, FALSE);
  assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "0x42", p);
  g_clear_pointer (&p, g_free);

  /* Wrong number of dimensions. */
  p = write_idx (tmp, "2d-images", 0x08, 2, dims, images, sizeof images, FALSE);
  assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "2 dimensions", p);
  g_clear_pointer (&p, g_free);
  ms_test_rm_rf (tmp);
}

static void
test_absurd_dims (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ip = NULL, *lp = NULL, *p = NULL;
  guint8 few[64] = { 0 };

  write_good_pair (tmp, "train", FALSE, &ip, &lp);

  {
    guint32 dims[3] = { 0x7fffffff, 28, 28 };

    p = write_idx (tmp, "huge-count", 0x08, 3, dims, few, sizeof few, FALSE);
    assert_load_fails (p, lp, MS_DATA_ERROR_TOO_LARGE, "2,147,483,647", p);
    g_clear_pointer (&p, g_free);
  }
  {
    guint32 dims[3] = { N_IMG, 5000, 28 };

    p = write_idx (tmp, "huge-rows.gz", 0x08, 3, dims, few, sizeof few, TRUE);
    assert_load_fails (p, lp, MS_DATA_ERROR_TOO_LARGE, "5,000 x 28", p);
    g_clear_pointer (&p, g_free);
  }
  {
    guint32 dims[3] = { N_IMG, 28, 0 };

    p = write_idx (tmp, "zero-cols", 0x08, 3, dims, few, sizeof few, FALSE);
    assert_load_fails (p, lp, MS_DATA_ERROR_TOO_LARGE, "28 x 0", p);
    g_clear_pointer (&p, g_free);
  }
  {
    guint32 dims[3] = { 0, 28, 28 };

    p = write_idx (tmp, "zero-count", 0x08, 3, dims, few, 0, FALSE);
    assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "announces 0 images", p);
    g_clear_pointer (&p, g_free);
  }
  {
    /* Each dimension is allowed, their product is not. */
    guint32 dims[3] = { 9000000, 1000, 1000 };

    p = write_idx (tmp, "huge-total", 0x08, 3, dims, few, sizeof few, FALSE);
    assert_load_fails (p, lp, MS_DATA_ERROR_TOO_LARGE, "at most", p);
    g_clear_pointer (&p, g_free);
  }
  {
    guint32 ldims[1] = { 20000000 };
    g_autofree char *bigl = write_idx (tmp, "huge-labels", 0x08, 1, ldims, few, sizeof few,
                                       TRUE);

    assert_load_fails (ip, bigl, MS_DATA_ERROR_TOO_LARGE, "20,000,000 labels", bigl);
  }
  ms_test_rm_rf (tmp);
}

/* Caps the address space at what this process maps now plus @extra bytes.  Relative, not
 * absolute: AddressSanitizer maps terabytes of shadow memory at start-up, so an absolute
 * 512 MiB cap fails its first allocation (meson test --setup asan); mmap()s of its own
 * allocator inside that reservation still count against @extra. */
static void
limit_address_space (guint64 extra)
{
  g_autofree char *statm = NULL;
  struct rlimit rl;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  rl.rlim_cur = rl.rlim_max = g_ascii_strtoull (statm, NULL, 10) * (guint64) sysconf (_SC_PAGESIZE)
                              + extra;
  g_assert_cmpint (setrlimit (RLIMIT_AS, &rl), ==, 0);
}

/* A header that passes the limits (2,000,000 images of 32 x 32: 2 GB) on a tiny file must not
 * cost 2 GB: run the loads with the address space capped well below that. */
static void
test_no_alloc_from_header (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
      g_autofree char *lp = NULL, *raw = NULL, *gz = NULL;
      guint32 dims[3] = { 2000000, 32, 32 };
      guint8 few[4096] = { 0 };

      limit_address_space (512u << 20);
      {
        guint32 ldims[1] = { 2000000 };
        g_autofree guint8 *labels = g_malloc0 (2000000);

        lp = write_idx (tmp, "big-labels.gz", 0x08, 1, ldims, labels, 2000000, TRUE);
      }
      raw = write_idx (tmp, "big-images", 0x08, 3, dims, few, sizeof few, FALSE);
      gz = write_idx (tmp, "big-images.gz", 0x08, 3, dims, few, sizeof few, TRUE);
      assert_load_fails (raw, lp, MS_DATA_ERROR_TRUNCATED, "of 2,048,000,000 image bytes", raw);
      assert_load_fails (gz, lp, MS_DATA_ERROR_TRUNCATED, "of 2,048,000,000 image bytes", gz);
      ms_test_rm_rf (tmp);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The in-memory reader is the path reader: the same dataset from the same bytes, the same
 * refusals, and headers that claim more than the bytes hold fail before any allocation of
 * that size (the subprocess's address space is capped at 512 MiB, as above) */
static void
test_bytes (void)
{
  g_autofree char *tmp = NULL;

  if (g_test_subprocess ())
    {
      guint32 dims[3] = { 2000000, 32, 32 };
      guint32 ldims[1] = { 2000000 };
      guint8 few[4096] = { 0 };
      g_autofree guint8 *labels = g_malloc0 (2000000);
      g_autoptr(GByteArray) li = idx_bytes (0x08, 1, ldims, labels, 2000000);
      g_autoptr(GByteArray) im = idx_bytes (0x08, 3, dims, few, sizeof few);
      g_autoptr(GByteArray) lcut = idx_bytes (0x08, 1, ldims, few, sizeof few);
      g_autoptr(GBytes) lb = g_bytes_new (li->data, li->len);
      g_autoptr(GBytes) ib = g_bytes_new (im->data, im->len);
      g_autoptr(GBytes) lcb = g_bytes_new (lcut->data, lcut->len);
      g_autoptr(GError) error = NULL;
      MsDataset *ds;

      limit_address_space (512u << 20);
      ds = ms_dataset_load_idx_bytes ("big", ib, "images", lb, "labels", &error);
      g_assert_null (ds);
      g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TRUNCATED);
      g_assert_nonnull (strstr (error->message, "of 2,048,000,000 image bytes"));
      g_clear_error (&error);
      ds = ms_dataset_load_idx_bytes ("big", ib, "images", lcb, "labels", &error);
      g_assert_null (ds);
      g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TRUNCATED);
      g_assert_nonnull (strstr (error->message, "of 2,000,000 labels"));
      return;
    }
  tmp = ms_test_make_tmpdir ("modescope-test-idx");
  for (int gz = 0; gz <= 1; gz++)
    {
      g_autofree char *ip = NULL, *lp = NULL;
      g_autofree char *ic = NULL, *lc = NULL;
      gsize ilen, llen;
      g_autoptr(GBytes) ib = NULL, lb = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(MsDataset) a = NULL, b = NULL;

      write_good_pair (tmp, gz ? "gz" : "raw", gz, &ip, &lp);
      g_assert_true (g_file_get_contents (ip, &ic, &ilen, NULL));
      g_assert_true (g_file_get_contents (lp, &lc, &llen, NULL));
      ib = g_bytes_new (ic, ilen);
      lb = g_bytes_new (lc, llen);
      a = ms_dataset_load_idx_pair (ip, lp, &error);
      g_assert_no_error (error);
      b = ms_dataset_load_idx_bytes ("mine", ib, "images.idx", lb, "labels.idx", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (b->name, ==, "mine");
      g_assert_cmpuint (a->n, ==, b->n);
      g_assert_cmpuint (a->rows, ==, b->rows);
      g_assert_cmpuint (a->cols, ==, b->cols);
      g_assert_cmpmem (a->images, (gsize) a->n * a->rows * a->cols,
                       b->images, (gsize) b->n * b->rows * b->cols);
      g_assert_cmpmem (a->labels, a->n, b->labels, b->n);

      /* Swapped: the message names the bytes as the caller called them */
      g_clear_pointer (&b, ms_dataset_free);
      b = ms_dataset_load_idx_bytes ("mine", lb, "%n%s%n.idx", ib, "labels.idx", &error);
      g_assert_null (b);
      g_assert_error (error, MS_DATA_ERROR, MS_DATA_ERROR_MISMATCH);
      g_assert_nonnull (strstr (error->message, "labels.idx"));
      g_clear_error (&error);
      b = ms_dataset_load_idx_bytes ("mine", ib, "%n%s%n.idx", ib, "labels.idx", &error);
      g_assert_null (b);
      g_assert_nonnull (strstr (error->message, "labels.idx"));
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  ms_test_rm_rf (tmp);
}

static void
test_mismatch_and_labels (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ip = NULL, *lp = NULL, *p = NULL;
  guint8 labels[400];

  write_good_pair (tmp, "train", FALSE, &ip, &lp);

  /* Counts disagree. */
  g_free (lp);
  write_good_labels (tmp, N_IMG + 1, &lp);
  assert_load_fails (ip, lp, MS_DATA_ERROR_MISMATCH, "has 6 images but", ip);
  assert_load_fails (ip, lp, MS_DATA_ERROR_MISMATCH, "has 7 labels", lp);

  /* A label out of range. */
  {
    guint32 ldims[1] = { 400 };

    for (guint i = 0; i < 400; i++)
      labels[i] = (guint8) (i % 10);
    labels[345] = 12;
    p = write_idx (tmp, "bad-labels-idx1-ubyte.gz", 0x08, 1, ldims, labels, 400, TRUE);
    assert_load_fails (ip, p, MS_DATA_ERROR_CORRUPT,
                       "label 12 at index 345 is out of range 0..9", p);
  }
  ms_test_rm_rf (tmp);
}

static void
test_corrupt_gzip (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ip = NULL, *lp = NULL;
  g_autofree char *big = NULL;
  g_autofree char *lp2 = NULL;
  guint32 dims[3] = { 100, 28, 28 };
  g_autofree guint8 *pixels = g_malloc (100 * 28 * 28);

  write_good_pair (tmp, "train", TRUE, &ip, &lp);

  /* The CRC-32 in the trailer. */
  flip_byte (ip, -8);
  assert_load_fails (ip, lp, MS_DATA_ERROR_CORRUPT, "compressed data is corrupt", ip);

  /* A byte in the middle of the deflate data of a larger file. */
  for (guint i = 0; i < 100 * 28 * 28; i++)
    pixels[i] = (guint8) ((i % 28) * (i / 784) + i / 28);
  big = write_idx (tmp, "big-images.gz", 0x08, 3, dims, pixels, 100 * 28 * 28, TRUE);
  write_good_labels (tmp, 100, &lp2);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MsDataset) ok = ms_dataset_load_idx_pair (big, lp2, &error);

    g_assert_no_error (error);
    g_assert_cmpmem (ok->images, 100 * 28 * 28, pixels, 100 * 28 * 28);
  }
  flip_byte (big, 200);
  assert_load_fails (big, lp2, MS_DATA_ERROR_CORRUPT, "corrupt", big);
  ms_test_rm_rf (tmp);
}

static void
test_trailing_garbage (void)
{
  g_autofree char *tmp = ms_test_make_tmpdir ("modescope-test-idx");
  g_autofree char *ip = NULL, *lp = NULL, *p = NULL;
  guint8 images[N_IMG * ROWS * COLS + 5];
  guint8 labels[N_IMG];
  guint32 dims[3] = { N_IMG, ROWS, COLS };

  synth_data (images, labels);
  memset (images + N_IMG * ROWS * COLS, 0xab, 5);
  write_good_pair (tmp, "train", FALSE, &ip, &lp);

  /* Extra bytes after the announced data, raw and compressed. */
  p = write_idx (tmp, "extra-images", 0x08, 3, dims, images, sizeof images, FALSE);
  assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "5 bytes of unexpected data", p);
  g_clear_pointer (&p, g_free);
  p = write_idx (tmp, "extra-images.gz", 0x08, 3, dims, images, sizeof images, TRUE);
  assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "5 bytes of unexpected data", p);
  g_clear_pointer (&p, g_free);

  /* Junk after a valid gzip stream. */
  {
    g_autofree char *contents = NULL;
    gsize len;
    g_autoptr(GError) error = NULL;
    g_autofree char *good = write_idx (tmp, "good.gz", 0x08, 3, dims, images,
                                       N_IMG * ROWS * COLS, TRUE);

    g_file_get_contents (good, &contents, &len, &error);
    g_assert_no_error (error);
    contents = g_realloc (contents, len + 3);
    memcpy (contents + len, "xyz", 3);
    p = write_file (tmp, "junk-after.gz", (const guint8 *) contents, len + 3, FALSE);
    assert_load_fails (p, lp, MS_DATA_ERROR_CORRUPT, "follows the end of the compressed", p);
  }
  ms_test_rm_rf (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/data/idx/mnist-t10k", test_mnist_t10k);
  g_test_add_func ("/data/idx/mnist-checksum", test_mnist_checksum);
  g_test_add_func ("/data/idx/bad-split", test_bad_split);
  g_test_add_func ("/data/idx/raw-equals-gz", test_raw_equals_gz);
  g_test_add_func ("/data/idx/float-and-batch", test_float_and_batch);
  g_test_add_func ("/data/idx/fashion-names", test_fashion_names);
  g_test_add_func ("/data/idx/not-found", test_not_found);
  g_test_add_func ("/data/idx/truncated", test_truncated);
  g_test_add_func ("/data/idx/bad-magic-and-type", test_bad_magic_and_type);
  g_test_add_func ("/data/idx/absurd-dims", test_absurd_dims);
  g_test_add_func ("/data/idx/no-alloc-from-header", test_no_alloc_from_header);
  g_test_add_func ("/data/idx/mismatch-and-labels", test_mismatch_and_labels);
  g_test_add_func ("/data/idx/corrupt-gzip", test_corrupt_gzip);
  g_test_add_func ("/data/idx/trailing-garbage", test_trailing_garbage);
  g_test_add_func ("/data/idx/bytes", test_bytes);

  return g_test_run ();
}
