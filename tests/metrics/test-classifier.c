/* test-classifier.c: the shipped MNIST classifier, its files, and training determinism
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MODESCOPE_DATADIR is set by tests/meson.build to the source tree's data/, where the shipped
 * MNIST copy and data/classifier-mnist.msck live.  Damaged files are written into a fresh
 * temporary folder per test.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "ms-checkpoint.h"
#include "ms-classifier.h"
#include "ms-parallel.h"
#include "ms-idx.h"
#include "ms-test-util.h"

#define PIXELS (28 * 28)

static MsDataset *mnist_test;   /* loaded once: gunzip and SHA-256 of the t10k split */

/* Helpers ----------------------------------------------------------------------------------*/

static MsClassifier *
load_shipped (void)
{
  g_autoptr(GError) error = NULL;
  MsClassifier *c = ms_classifier_load_default ("mnist", &error);

  g_assert_no_error (error);
  g_assert_nonnull (c);
  return c;
}

/* The first @n test images as floats in [-1, 1] (transfer full) */
static float *
test_images (guint n)
{
  float *x = g_new (float, (gsize) n * PIXELS);

  g_assert_cmpuint (n, <=, mnist_test->n);
  ms_dataset_get_images_float (mnist_test, 0, n, x, TRUE);
  return x;
}

/* A dataset holding images [start, start + n) of @src (plain data: the struct owns copies). */
static MsDataset *
subset (const MsDataset *src,
        guint            start,
        guint            n)
{
  MsDataset *ds = g_new0 (MsDataset, 1);
  gsize px = (gsize) src->rows * src->cols;

  ds->name = g_strdup ("MNIST subset");
  ds->split = g_strdup (src->split);
  ds->images = g_memdup2 (src->images + start * px, n * px);
  ds->labels = g_memdup2 (src->labels + start, n);
  ds->n = n;
  ds->rows = src->rows;
  ds->cols = src->cols;
  ds->n_classes = src->n_classes;
  ds->class_names = g_strdupv (src->class_names);
  return ds;
}

/* Tests ------------------------------------------------------------------------------------*/

/* The acceptance criterion of the metrics: >= 99% on all of MNIST's test split. */
static void
test_shipped_accuracy (void)
{
  g_autoptr(MsClassifier) c = load_shipped ();
  gint64 t0 = g_get_monotonic_time ();
  double acc = ms_classifier_accuracy (c, mnist_test);

  g_test_message ("accuracy %.4f on %u images in %.2f s (recorded %.4f)", acc, mnist_test->n,
                  (g_get_monotonic_time () - t0) / 1e6, ms_classifier_get_test_accuracy (c));
  g_assert_cmpuint (mnist_test->n, ==, 10000);
  g_assert_cmpfloat (acc, >=, 0.990);
  g_assert_cmpstr (ms_classifier_get_dataset (c), ==, "mnist");
  /* The file records what train-classifier measured on the same split. */
  g_assert_cmpfloat_with_epsilon (ms_classifier_get_test_accuracy (c), acc, 0.00051);
}

static void
test_predict_shapes (void)
{
  g_autoptr(MsClassifier) c = load_shipped ();
  /* More than one chunk, and a partial last chunk */
  const int n = MS_CLASSIFIER_CHUNK * 2 + 23;
  g_autofree float *x = test_images ((guint) n);
  g_autofree float *probs = g_new (float, (gsize) n * 10);
  g_autofree float *probs2 = g_new (float, (gsize) n * 10);
  g_autofree float *one = g_new (float, 10);
  g_autofree float *features = g_new (float, (gsize) n * MS_CLASSIFIER_N_FEATURES);

  ms_classifier_predict (c, x, n, probs);
  for (int i = 0; i < n; i++)
    {
      double sum = 0.0;

      for (int k = 0; k < 10; k++)
        {
          g_assert_true (probs[i * 10 + k] >= 0.0f && probs[i * 10 + k] <= 1.0f);
          sum += probs[i * 10 + k];
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    }

  /* Same answer with features requested, and image by image (no batch effects in eval mode:
   * no dropout, no batch statistics). */
  ms_classifier_predict_full (c, x, n, probs2, features);
  g_assert_cmpmem (probs, (gsize) n * 10 * sizeof (float), probs2,
                   (gsize) n * 10 * sizeof (float));
  for (gsize i = 0; i < (gsize) n * MS_CLASSIFIER_N_FEATURES; i++)
    g_assert_true (features[i] >= 0.0f && isfinite (features[i]));
  for (int i = 0; i < n; i += 97)
    {
      ms_classifier_predict (c, x + (gsize) i * PIXELS, 1, one);
      for (int k = 0; k < 10; k++)
        g_assert_cmpfloat_with_epsilon (one[k], probs[i * 10 + k], 1e-5);
    }
  ms_classifier_predict (c, x, 0, probs);   /* n = 0 is allowed */
}

static void
test_save_load_round_trip (void)
{
  g_autoptr(MsClassifier) c = load_shipped ();
  g_autoptr(MsClassifier) d = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ms_test_make_tmpdir ("modescope-test-classifier");
  g_autofree char *path = g_build_filename (dir, "copy.msck", NULL);
  const int n = 300;
  g_autofree float *x = test_images (n);
  g_autofree float *a = g_new (float, n * 10);
  g_autofree float *b = g_new (float, n * 10);

  g_assert_true (ms_classifier_save (c, path, "mnist", &error));
  g_assert_no_error (error);
  d = ms_classifier_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (d);

  ms_classifier_predict (c, x, n, a);
  ms_classifier_predict (d, x, n, b);
  g_assert_cmpmem (a, n * 10 * sizeof (float), b, n * 10 * sizeof (float));
  g_assert_cmpstr (ms_classifier_get_dataset (d), ==, "mnist");
  g_assert_cmpfloat (ms_classifier_get_test_accuracy (d), ==,
                     ms_classifier_get_test_accuracy (c));
  ms_test_rm_rf (dir);
}

static void
test_damaged_files (void)
{
  g_autoptr(MsClassifier) c = load_shipped ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ms_test_make_tmpdir ("modescope-test-classifier");
  g_autofree char *path = g_build_filename (dir, "good.msck", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.msck", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  MsClassifier *d;

  g_assert_true (ms_classifier_save (c, path, "mnist", &error));
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);

  /* One flipped bit in the weights: a checksum error, not a different classifier */
  contents[len / 2] ^= 0x10;
  g_assert_true (g_file_set_contents (bad, contents, (gssize) len, &error));
  d = ms_classifier_load (bad, &error);
  g_assert_null (d);
  g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT);
  g_test_message ("flipped bit: %s", error->message);
  g_assert_nonnull (strstr (error->message, "bad.msck"));
  g_clear_error (&error);
  contents[len / 2] ^= 0x10;

  /* Truncated at several places, including inside the header */
  for (gsize cut = 0; cut < len; cut += len / 7 + 1)
    {
      g_assert_true (g_file_set_contents (bad, contents, (gssize) cut, &error));
      d = ms_classifier_load (bad, &error);
      g_assert_null (d);
      g_assert_nonnull (error);
      g_assert_true (error->domain == MS_CHECKPOINT_ERROR);
      g_clear_error (&error);
    }

  /* Missing */
  d = ms_classifier_load (dir, &error);   /* a folder */
  g_assert_null (d);
  g_assert_nonnull (error);
  g_clear_error (&error);
  {
    g_autofree char *none = g_build_filename (dir, "none.msck", NULL);

    d = ms_classifier_load (none, &error);
    g_assert_null (d);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  ms_test_rm_rf (dir);
}

/* Valid containers that are not what the classifier expects */
static void
test_wrong_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ms_test_make_tmpdir ("modescope-test-classifier");
  g_autofree char *path = g_build_filename (dir, "other.msck", NULL);
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(MsClassifier) c = ms_classifier_new ();
  MsClassifier *d;

  /* A checkpoint without the classifier's metadata (e.g. a GAN checkpoint) */
  {
    g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();

    ms_checkpoint_writer_add_string (w, "note", "not a classifier");
    g_assert_true (ms_checkpoint_writer_save (w, path, &error));
    d = ms_classifier_load (path, &error);
    g_assert_null (d);
    g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_MISMATCH);
    g_clear_error (&error);
  }

  /* Another architecture */
  {
    g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();

    g_hash_table_insert (meta, "format", "modescope-classifier");
    g_hash_table_insert (meta, "arch", "cnn-v0");
    ms_checkpoint_writer_add_key_values (w, "meta", meta);
    g_assert_true (ms_checkpoint_writer_save (w, path, &error));
    d = ms_classifier_load (path, &error);
    g_assert_null (d);
    g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_MISMATCH);
    g_test_message ("other arch: %s", error->message);
    g_clear_error (&error);
  }

  /* The right metadata over parameters of the wrong shape */
  {
    g_autoptr(MsCheckpointWriter) w = ms_checkpoint_writer_new ();
    MsParams *p = ms_params_new ("body");

    ms_params_add (p, "0.weight", 4, (int[]) { 8, 1, 3, 3 });
    ms_params_finalize (p);
    g_hash_table_insert (meta, "arch", MS_CLASSIFIER_ARCH);
    ms_checkpoint_writer_add_key_values (w, "meta", meta);
    ms_checkpoint_writer_add_params (w, "body", p, FALSE);
    ms_params_free (p);
    g_assert_true (ms_checkpoint_writer_save (w, path, &error));
    d = ms_classifier_load (path, &error);
    g_assert_null (d);
    g_assert_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH);
    g_clear_error (&error);
  }

  /* load_default: $MODESCOPE_DATADIR comes first, and a file for another dataset is refused */
  {
    g_autofree char *as_mnist = g_build_filename (dir, "classifier-mnist.msck", NULL);
    g_autofree char *old = g_strdup (g_getenv ("MODESCOPE_DATADIR"));

    g_assert_true (ms_classifier_save (c, as_mnist, "fashion", &error));
    g_setenv ("MODESCOPE_DATADIR", dir, TRUE);
    d = ms_classifier_load_default ("mnist", &error);
    if (old != NULL)
      g_setenv ("MODESCOPE_DATADIR", old, TRUE);
    else
      g_unsetenv ("MODESCOPE_DATADIR");
    g_assert_null (d);
    g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_MISMATCH);
    g_test_message ("wrong dataset: %s", error->message);
    g_clear_error (&error);
  }

  d = ms_classifier_load_default ("cifar10", &error);
  g_assert_null (d);
  g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  ms_test_rm_rf (dir);
}

typedef struct
{
  int calls;
  int stop_after;
  int last_epoch;
} ProgressLog;

static gboolean
log_progress (const MsClassifierProgressInfo *info,
              gpointer                        user_data)
{
  ProgressLog *log = user_data;

  g_assert_cmpint (info->batch_index, >=, 1);
  g_assert_cmpint (info->batch_index, <=, info->n_batches);
  g_assert_true (isfinite (info->loss) && info->loss > 0.0);
  g_assert_true (info->accuracy >= 0.0 && info->accuracy <= 1.0);
  log->calls++;
  log->last_epoch = info->epoch;
  return log->stop_after == 0 || log->calls < log->stop_after;
}

/* A tiny run (300 images, 3 epochs): the same seed gives bit-identical weights, another seed
 * different ones, and training learns something even this briefly. */
static void
test_train_deterministic (void)
{
  g_autoptr(MsDataset) small = subset (mnist_test, 0, 300);
  g_autoptr(MsDataset) held_out = subset (mnist_test, 5000, 1000);
  g_autoptr(MsClassifier) a = ms_classifier_new ();
  g_autoptr(MsClassifier) b = ms_classifier_new ();
  g_autoptr(MsClassifier) other = ms_classifier_new ();
  g_autoptr(GError) error = NULL;
  const int n = 200;
  g_autofree float *x = test_images (n);
  g_autofree float *pa = g_new (float, n * 10);
  g_autofree float *pb = g_new (float, n * 10);
  g_autofree float *po = g_new (float, n * 10);
  ProgressLog log = { 0, };
  double acc;

  g_assert_true (ms_classifier_train (a, small, 3, 32, 7, log_progress, &log, &error));
  g_assert_no_error (error);
  g_assert_cmpint (log.calls, ==, 3);   /* 10 batches per epoch: only the epoch ends report */
  g_assert_cmpint (log.last_epoch, ==, 3);
  g_assert_true (ms_classifier_train (b, small, 3, 32, 7, NULL, NULL, &error));
  g_assert_true (ms_classifier_train (other, small, 3, 32, 8, NULL, NULL, &error));
  g_assert_no_error (error);

  ms_classifier_predict (a, x, n, pa);
  ms_classifier_predict (b, x, n, pb);
  ms_classifier_predict (other, x, n, po);
  g_assert_cmpmem (pa, n * 10 * sizeof (float), pb, n * 10 * sizeof (float));
  g_assert_true (memcmp (pa, po, n * 10 * sizeof (float)) != 0);

  acc = ms_classifier_accuracy (a, held_out);
  g_test_message ("300 images, 3 epochs: held-out accuracy %.3f", acc);
  g_assert_cmpfloat (acc, >, 0.3);   /* chance is 0.1 */
  /* Training clears what the weights were known for. */
  g_assert_null (ms_classifier_get_dataset (a));
  g_assert_true (isnan (ms_classifier_get_test_accuracy (a)));

  /* Retraining the same object from the same seed starts over: identical again */
  g_assert_true (ms_classifier_train (b, small, 3, 32, 7, NULL, NULL, &error));
  ms_classifier_predict (b, x, n, pb);
  g_assert_cmpmem (pa, n * 10 * sizeof (float), pb, n * 10 * sizeof (float));
}

static void
test_train_errors (void)
{
  g_autoptr(MsDataset) small = subset (mnist_test, 0, 100);
  g_autoptr(MsClassifier) c = ms_classifier_new ();
  g_autoptr(GError) error = NULL;
  ProgressLog log = { .stop_after = 1 };

  g_assert_false (ms_classifier_train (c, small, 0, 32, 1, NULL, NULL, &error));
  g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ms_classifier_train (c, small, 1, 0, 1, NULL, NULL, &error));
  g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID);
  g_clear_error (&error);

  small->labels[3] = 12;
  g_assert_false (ms_classifier_train (c, small, 1, 32, 1, NULL, NULL, &error));
  g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID);
  g_clear_error (&error);
  small->labels[3] = 1;

  small->rows = 14;
  small->cols = 56;
  g_assert_false (ms_classifier_train (c, small, 1, 32, 1, NULL, NULL, &error));
  g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (isnan (ms_classifier_accuracy (c, small)));
  small->rows = small->cols = 28;

  /* The callback stops training */
  g_assert_false (ms_classifier_train (c, small, 3, 32, 1, log_progress, &log, &error));
  g_assert_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_CANCELLED);
  g_assert_cmpint (log.calls, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* meson runs tests in parallel on 2 cores; OpenBLAS threads that wait for each other on a
   * busy machine made 10k predictions take 30 s instead of 2 s. */
  ms_parallel_set_threads (1);

  mnist_test = ms_dataset_load_mnist ("t10k", &error);
  g_assert_no_error (error);

  g_test_add_func ("/classifier/shipped-accuracy", test_shipped_accuracy);
  g_test_add_func ("/classifier/predict", test_predict_shapes);
  g_test_add_func ("/classifier/save-load", test_save_load_round_trip);
  g_test_add_func ("/classifier/damaged-files", test_damaged_files);
  g_test_add_func ("/classifier/wrong-files", test_wrong_files);
  g_test_add_func ("/classifier/train-deterministic", test_train_deterministic);
  g_test_add_func ("/classifier/train-errors", test_train_errors);
  ret = g_test_run ();
  ms_dataset_free (mnist_test);
  return ret;
}
