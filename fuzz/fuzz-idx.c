/* fuzz-idx.c: the IDX reader (raw and gzip) on a labels file and an images file
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: u32 little-endian L, then L bytes of labels file, then the images file (L is cut to
 * what is there).  Both go through ms_dataset_load_idx_bytes(), the code behind every path
 * loader; a dataset that loads is read back as a trainer would.
 */
#include "config.h"

#include "fuzz-common.h"
#include "ms-idx.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) labels = NULL;
  g_autoptr(GBytes) images = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataset) ds = NULL;
  gsize llen;

  fuzz_init_once ();
  if (size < 4)
    return 0;
  llen = MIN ((gsize) fuzz_le32 (data), size - 4);
  labels = g_bytes_new (data + 4, llen);
  images = g_bytes_new (data + 4 + llen, size - 4 - llen);

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
