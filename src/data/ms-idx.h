/* ms-idx.h: labelled image datasets read from IDX files (MNIST, Fashion-MNIST, user folders)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dataset keeps its pixels as bytes, as the files store them: the full MNIST training split
 * is 47 MB that way instead of 188 MB as floats.  Batches are converted to floats when they
 * are drawn.
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(MsDataset) ds = ms_dataset_load_mnist ("train", &error);
 *   if (ds == NULL)
 *     return show_error (error->message);
 *   float x[64 * 1 * 28 * 28];
 *   ms_dataset_sample_batch (ds, rng, 64, x, NULL);
 *
 * The readers never trust a header: the magic, the data type and every dimension are checked
 * before anything is allocated, a raw file's size is compared with the header before its data
 * is read, and a compressed file's buffer only grows as decompressed data actually arrives.
 * Every failure is a GError in MS_DATA_ERROR whose message names the file.
 *
 * Threading: no global state; a loader may run on any thread, and a loaded dataset may be read
 * from several threads at once (each with its own MsRng).
 */
#pragma once

#include <glib.h>

#include "ms-rng.h"

G_BEGIN_DECLS

#define MS_DATA_ERROR (ms_data_error_quark ())

typedef enum
{
  MS_DATA_ERROR_NOT_FOUND,      /* a file or a dataset is not where it was looked for */
  MS_DATA_ERROR_IO,             /* the system refused to read a file (permissions, I/O error) */
  MS_DATA_ERROR_TRUNCATED,      /* a file ends before its header says it should */
  MS_DATA_ERROR_CORRUPT,        /* bad magic, data type, compressed stream, trailing data, label */
  MS_DATA_ERROR_MISMATCH,       /* images and labels do not belong together */
  MS_DATA_ERROR_CHECKSUM,       /* a shipped file does not match its SHA-256 */
  MS_DATA_ERROR_TOO_LARGE,      /* a header announces absurd dimensions */
  MS_DATA_ERROR_INVALID,        /* an unknown name: split, mixture */
} MsDataError;

/* Limits above which a header is refused before anything is allocated. */
#define MS_IDX_MAX_COUNT   10000000u           /* images in one file */
#define MS_IDX_MAX_SIDE    1024u               /* rows, cols */
#define MS_IDX_MAX_BYTES   (G_GUINT64_CONSTANT (2) << 30)  /* pixels of one file: 2 GiB */

#define MS_DATASET_N_CLASSES 10

typedef struct _MsDataset MsDataset;

/* Plain data: read the fields directly, but let the loaders and ms_dataset_free() manage them. */
struct _MsDataset
{
  char    *name;         /* "MNIST", "Fashion-MNIST", or the folder's name */
  char    *split;        /* "train" or "t10k"; NULL when loaded with ms_dataset_load_idx_pair() */
  guint8  *images;       /* (n, rows, cols), row-major, 0 = background */
  guint8  *labels;       /* (n), each < n_classes */
  guint    n;
  guint    rows;
  guint    cols;
  guint    n_classes;
  char   **class_names;  /* (n_classes), NULL-terminated */
};

GQuark      ms_data_error_quark            (void);

/* Loads an images file and a labels file, each raw IDX or gzip-compressed (detected by its
 * magic bytes, whatever the name).  Labels must be < MS_DATASET_N_CLASSES; the class names are
 * the digits "0".."9".  Returns (transfer full) a dataset, or NULL with @error set. */
MsDataset  *ms_dataset_load_idx_pair       (const char  *images_path,
                                            const char  *labels_path,
                                            GError     **error);

/* The same reader over files already in memory (raw IDX or gzip, as on disk), with every
 * check of the path loader: a header is checked against the bytes present before anything is
 * allocated.  @images_display and @labels_display name the files in messages; @name becomes
 * the dataset's name.  Keeps no reference to the bytes.  Returns (transfer full) a dataset,
 * or NULL with @error set. */
MsDataset  *ms_dataset_load_idx_bytes      (const char  *name,
                                            GBytes      *images,
                                            const char  *images_display,
                                            GBytes      *labels,
                                            const char  *labels_display,
                                            GError     **error);

/* Finds "<split>-images-idx3-ubyte" and "<split>-labels-idx1-ubyte" in @dir, with or without
 * ".gz" (and the "<split>-images.idx3-ubyte" spelling some mirrors use), and loads them.
 * @split is "train" or "t10k" ("test" is taken as "t10k").  Returns (transfer full) a dataset, or NULL with @error set. */
MsDataset  *ms_dataset_load_folder         (const char  *dir,
                                            const char  *split,
                                            GError     **error);

/* The MNIST copy that ships with ModeScope, looked for in $MODESCOPE_DATADIR/mnist, then
 * PKGDATADIR/mnist, then the source tree's data/mnist.  The .gz files are checked against the
 * folder's SHA256SUMS before they are read.  Returns (transfer full) or NULL with @error. */
MsDataset  *ms_dataset_load_mnist          (const char  *split,
                                            GError     **error);

/* Fashion-MNIST as Debian's dataset-fashion-mnist package installs it, or from
 * $MODESCOPE_FASHION_MNIST_DIR when that is set (then only there).  Class names are the
 * clothing names.  Returns (transfer full) or NULL with @error (MS_DATA_ERROR_NOT_FOUND when
 * the package is not installed). */
MsDataset  *ms_dataset_load_fashion_mnist  (const char  *split,
                                            GError     **error);

void        ms_dataset_free                (MsDataset   *ds);

/* Returns the name of class @label, or "?" when it is out of range. */
const char *ms_dataset_class_name          (const MsDataset *ds,
                                            guint            label);

/* Fills @counts, shape (n_classes), with the number of images of each class. */
void        ms_dataset_class_counts        (const MsDataset *ds,
                                            guint           *counts);

/* Draws @batch images uniformly with replacement, using @rng only.
 * @out_images: (batch, 1, rows, cols), scaled to [-1, 1] as x / 127.5 - 1.
 * @out_labels: (batch) or NULL. */
void        ms_dataset_sample_batch        (const MsDataset *ds,
                                            MsRng           *rng,
                                            int              batch,
                                            float           *out_images,
                                            guint8          *out_labels);

/* Copies images start .. start + count - 1 into @out, shape (count, 1, rows, cols), scaled to
 * [-1, 1] when @scale_m1_1, else to [0, 1] as x / 255.  start + count must be <= n. */
void        ms_dataset_get_images_float    (const MsDataset *ds,
                                            guint            start,
                                            guint            count,
                                            float           *out,
                                            gboolean         scale_m1_1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsDataset, ms_dataset_free)

G_END_DECLS
