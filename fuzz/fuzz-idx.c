/* fuzz-idx.c: the IDX reader (raw and gzip) on a labels file and an images file
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: u32 little-endian F, then L = F & 0x3fffffff bytes of labels file, then the images
 * file (L is cut to what is there).  Both go through ms_dataset_load_idx_bytes(), the code
 * behind every path loader; a dataset that loads is read back as a trainer would.  Bit 31 of F
 * gzips the labels and bit 30 the images in the harness first, so that mutations of the
 * content also reach the reader's gzip path as valid streams (and in chunks of any size).
 */
#include "config.h"

#include "fuzz-common.h"
#include "ms-idx.h"

/* (transfer full) @in as one gzip member */
static GBytes *
gzip_bytes (GBytes *in)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (in, &len);
  z_stream zs = { 0 };
  uLong bound;
  guint8 *out;

  g_assert (deflateInit2 (&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  bound = deflateBound (&zs, len);
  out = g_malloc (bound);
  zs.next_in = (Bytef *) p;
  zs.avail_in = (uInt) len;
  zs.next_out = out;
  zs.avail_out = (uInt) bound;
  g_assert (deflate (&zs, Z_FINISH) == Z_STREAM_END);
  len = zs.total_out;
  deflateEnd (&zs);
  return g_bytes_new_take (out, len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) labels = NULL;
  g_autoptr(GBytes) images = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = NULL;
  gsize llen;
  guint32 flags;

  fuzz_init_once ();
  if (size < 4)
    return 0;
  flags = fuzz_le32 (data);
  llen = MIN ((gsize) (flags & 0x3fffffffu), size - 4);
  labels = g_bytes_new (data + 4, llen);
  images = g_bytes_new (data + 4 + llen, size - 4 - llen);
  if (flags & 0x80000000u)
    {
      GBytes *z = gzip_bytes (labels);

      g_bytes_unref (labels);
      labels = z;
    }
  if (flags & 0x40000000u)
    {
      GBytes *z = gzip_bytes (images);

      g_bytes_unref (images);
      images = z;
    }

  ds = ms_dataset_load_idx_bytes ("fuzz", images, "images", labels, "labels", &error);
  if (ds == NULL)
    {
      g_assert (error != NULL && error->message != NULL && *error->message != '\0');
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);
  g_assert (ds->n > 0 && ds->rows > 0 && ds->cols > 0);
  {
    guint counts[MS_DATASET_N_CLASSES];
    guint total = 0;
    MsRng rng;
    g_autofree float *x = g_new (float, (gsize) 2 * ds->rows * ds->cols);
    guint8 y[2];

    ms_dataset_class_counts (ds, counts);
    for (guint i = 0; i < MS_DATASET_N_CLASSES; i++)
      total += counts[i];
    g_assert (total == ds->n);
    ms_rng_seed (&rng, 1);
    ms_dataset_sample_batch (ds, &rng, 2, x, y);
    ms_dataset_get_images_float (ds, ds->n - 1, 1, x, FALSE);
  }
  return 0;
}
