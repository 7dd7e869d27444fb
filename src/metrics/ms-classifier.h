/* ms-classifier.h: the small CNN that labels generated digits and clothes
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The mode-collapse metrics count classes in generated samples, so they need a classifier that
 * is much better than the generator's mistakes: ModeScope ships one per dataset (99.2% on
 * MNIST's test split, 91.7% on Fashion-MNIST's), trained by `modescope-cli train-classifier`
 * (docs/classifier.md).
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(MsClassifier) c = ms_classifier_load_default ("mnist", &error);
 *   if (c == NULL)
 *     return report (error->message);     // names the command that makes the file
 *   float probs[64 * 10];
 *   ms_classifier_predict (c, images, 64, probs);   // images (64, 1, 28, 28) in [-1, 1]
 *
 * Architecture "cnn-v1" (two nets so that the 128 features can be read out):
 *   body  conv 1->16 3x3 p1, max-pool 2, ReLU    (16, 14, 14)
 *         conv 16->32 3x3 p1, max-pool 2, ReLU   (32, 7, 7)
 *         flatten, linear 1568->128, ReLU        (128)
 *   head  dropout 0.5 (training only), linear 128->10   (10) logits
 * About 207k parameters (0.8 MB file) and 1.2M multiply-adds per image: 10,000 images take
 * about 2 s on one core, so the trainer can label a few thousand samples per evaluation.
 *
 * A weights file is an ms-checkpoint container with the sections "body" and "head" (PARAMS,
 * without optimizer state) and "meta" (KEY_VALUES: format, arch, dataset, test_accuracy, seed,
 * epochs).
 *
 * Threading: a classifier (it owns a graph) belongs to one thread at a time.  Loading reads a
 * file; training takes minutes, so callers with a UI run both in a worker thread.
 */
#pragma once

#include <glib.h>

#include "ms-idx.h"

G_BEGIN_DECLS

#define MS_CLASSIFIER_ERROR (ms_classifier_error_quark ())

typedef enum
{
  MS_CLASSIFIER_ERROR_NOT_FOUND,   /* no weights file where ModeScope looks for one */
  MS_CLASSIFIER_ERROR_MISMATCH,    /* not a classifier file, another architecture or dataset */
  MS_CLASSIFIER_ERROR_INVALID,     /* arguments a user can influence: image size, epochs... */
  MS_CLASSIFIER_ERROR_CANCELLED,   /* the progress callback asked to stop */
} MsClassifierError;

/* The architecture this build creates and reads (the "arch" key of a weights file). */
#define MS_CLASSIFIER_ARCH        "cnn-v1"
#define MS_CLASSIFIER_N_CLASSES   10
#define MS_CLASSIFIER_N_FEATURES  128
#define MS_CLASSIFIER_SIDE        28
/* Images per forward pass in ms_classifier_predict(): keeps the graph's arena near 10 MB;
 * larger chunks were no faster (the element-wise passes are memory-bound). */
#define MS_CLASSIFIER_CHUNK       100

typedef struct _MsClassifier MsClassifier;

typedef struct
{
  int     epoch;          /* 1-based */
  int     n_epochs;
  int     batch_index;    /* batches done in this epoch, 1..n_batches */
  int     n_batches;      /* per epoch */
  double  loss;           /* mean cross-entropy over this epoch's batches so far */
  double  accuracy;       /* mean training accuracy (dropout on) over the same batches */
} MsClassifierProgressInfo;

/* Called every few dozen batches and after the last batch of each epoch, on the training
 * thread.  Return FALSE to stop training (MS_CLASSIFIER_ERROR_CANCELLED). */
typedef gboolean (*MsClassifierProgress) (const MsClassifierProgressInfo *info,
                                          gpointer                        user_data);

GQuark        ms_classifier_error_quark         (void);

/* A classifier with untrained weights (initialised from seed 0).  (transfer full) */
MsClassifier *ms_classifier_new                 (void);
void          ms_classifier_free                (MsClassifier       *c);

/* Re-initialises the weights from @seed (torch's default init), then trains with Adam (lr 1e-3,
 * torch's defaults) on cross-entropy, @epochs passes over @train in an order drawn from @seed.
 * The same seed, data and BLAS thread count give the same weights.  @train must hold 28x28
 * images with labels < 10.  @cb may be NULL.  On failure (bad arguments, cancelled) the weights
 * are partly trained; the dataset name and test accuracy are cleared either way. */
gboolean      ms_classifier_train               (MsClassifier        *c,
                                                 const MsDataset     *train,
                                                 int                  epochs,
                                                 int                  batch,
                                                 guint64              seed,
                                                 MsClassifierProgress cb,
                                                 gpointer             user_data,
                                                 GError             **error);

/* Class probabilities (softmax) in evaluation mode (no dropout).  @images (n, 1, 28, 28) in
 * [-1, 1] (ms_dataset_get_images_float (..., TRUE)); @probs (n, 10). */
void          ms_classifier_predict             (MsClassifier        *c,
                                                 const float         *images,
                                                 int                  n,
                                                 float               *probs);

/* Same, also writing the penultimate ReLU activations to @features (n, 128) (nullable), an
 * embedding for within-class diversity.  @probs is nullable too. */
void          ms_classifier_predict_full        (MsClassifier        *c,
                                                 const float         *images,
                                                 int                  n,
                                                 float               *probs,
                                                 float               *features);

/* Share of @test's images whose argmax matches their label, in [0, 1]; NAN for an empty set
 * or images that are not 28x28. */
double        ms_classifier_accuracy            (MsClassifier        *c,
                                                 const MsDataset     *test);

/* The dataset the weights were trained for ("mnist", "fashion"...) as saved in or loaded from
 * a file, or NULL.  (transfer none) */
const char   *ms_classifier_get_dataset         (MsClassifier        *c);
/* The test accuracy recorded with the weights, or NAN when unknown. */
double        ms_classifier_get_test_accuracy   (MsClassifier        *c);
/* Records the accuracy that ms_classifier_save() writes (e.g. the result of
 * ms_classifier_accuracy() on the test split). */
void          ms_classifier_set_test_accuracy   (MsClassifier        *c,
                                                 double               accuracy);

/* Writes the weights and their metadata atomically (ms_checkpoint_writer_save()).
 * @dataset_name: a short name such as "mnist" or "fashion". */
gboolean      ms_classifier_save                (MsClassifier        *c,
                                                 const char          *path,
                                                 const char          *dataset_name,
                                                 GError             **error);

/* Reads a file written by ms_classifier_save().  A damaged file gives an MS_CHECKPOINT_ERROR;
 * another kind of file or architecture MS_CLASSIFIER_ERROR_MISMATCH.  (transfer full) */
MsClassifier *ms_classifier_load                (const char          *path,
                                                 GError             **error);

/* The shipped classifier for @dataset ("mnist", or "fashion" / "fashion-mnist"):
 * classifier-<dataset>.msck in $MODESCOPE_DATADIR, then PKGDATADIR, then the source tree's
 * data/.  MS_CLASSIFIER_ERROR_NOT_FOUND names the places searched and the command that trains
 * one; a file for another dataset gives MS_CLASSIFIER_ERROR_MISMATCH.  (transfer full) */
MsClassifier *ms_classifier_load_default        (const char          *dataset,
                                                 GError             **error);

/* The canonical short name ("mnist", "fashion") of a dataset name, or NULL when no classifier
 * exists for it.  (transfer none) */
const char   *ms_classifier_dataset_canonical   (const char          *dataset);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsClassifier, ms_classifier_free)

G_END_DECLS
