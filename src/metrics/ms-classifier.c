/* ms-classifier.c: the small CNN that labels generated digits and clothes
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "ms-checkpoint.h"
#include "ms-classifier.h"
#include "ms-layers.h"
#include "ms-ops.h"
#include "ms-optim.h"
#include "ms-quote.h"

#define FORMAT_NAME   "modescope-classifier"
#define PIXELS        (MS_CLASSIFIER_SIDE * MS_CLASSIFIER_SIDE)
/* Batches between two progress reports */
#define REPORT_EVERY  50

struct _MsClassifier
{
  MsNet   *body;          /* (N, 1, 28, 28) -> (N, 128) */
  MsNet   *head;          /* (N, 128) -> (N, 10) logits */
  MsGraph *graph;         /* reset after every batch or chunk */
  char    *dataset;       /* nullable */
  double   test_accuracy; /* NAN when unknown */
  guint64  seed;          /* of the last training run, saved as metadata */
  int      epochs;
};

G_DEFINE_QUARK (ms-classifier-error-quark, ms_classifier_error)

static void
build_nets (MsClassifier *c)
{
  MsRng rng;

  /* Max-pooling before the ReLU gives the same values as after it (ReLU is monotonic) and
   * touches a quarter of the memory: these element-wise passes, not the GEMMs, dominate. */
  c->body = ms_net_new ("body", 3, (int[]) { 1, MS_CLASSIFIER_SIDE, MS_CLASSIFIER_SIDE });
  ms_net_conv (c->body, 16, 3, 1, 1, TRUE);       /* (16, 28, 28) */
  ms_net_max_pool (c->body, 2, 2);                /* (16, 14, 14) */
  ms_net_relu (c->body);
  ms_net_conv (c->body, 32, 3, 1, 1, TRUE);       /* (32, 14, 14) */
  ms_net_max_pool (c->body, 2, 2);                /* (32, 7, 7) */
  ms_net_relu (c->body);
  ms_net_flatten (c->body);                       /* (1568) */
  ms_net_linear (c->body, MS_CLASSIFIER_N_FEATURES, TRUE);
  ms_net_relu (c->body);                          /* (128) */

  c->head = ms_net_new ("head", 1, (int[]) { MS_CLASSIFIER_N_FEATURES });
  ms_net_dropout (c->head, 0.5f);
  ms_net_linear (c->head, MS_CLASSIFIER_N_CLASSES, TRUE);   /* (10) */

  ms_rng_seed (&rng, 0);
  ms_net_finalize (c->body, MS_INIT_TORCH, &rng);
  ms_net_finalize (c->head, MS_INIT_TORCH, &rng);
}

MsClassifier *
ms_classifier_new (void)
{
  MsClassifier *c = g_new0 (MsClassifier, 1);

  build_nets (c);
  c->graph = ms_graph_new ();
  c->test_accuracy = NAN;
  return c;
}

void
ms_classifier_free (MsClassifier *c)
{
  if (c == NULL)
    return;
  ms_net_free (c->body);
  ms_net_free (c->head);
  ms_graph_free (c->graph);
  g_free (c->dataset);
  g_free (c);
}

const char *
ms_classifier_get_dataset (MsClassifier *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return c->dataset;
}

double
ms_classifier_get_test_accuracy (MsClassifier *c)
{
  g_return_val_if_fail (c != NULL, NAN);
  return c->test_accuracy;
}

void
ms_classifier_set_test_accuracy (MsClassifier *c,
                                 double        accuracy)
{
  g_return_if_fail (c != NULL);
  c->test_accuracy = accuracy;
}

const char *
ms_classifier_dataset_canonical (const char *dataset)
{
  if (dataset == NULL)
    return NULL;
  if (g_ascii_strcasecmp (dataset, "mnist") == 0)
    return "mnist";
  if (g_ascii_strcasecmp (dataset, "fashion") == 0
      || g_ascii_strcasecmp (dataset, "fashion-mnist") == 0
      || g_ascii_strcasecmp (dataset, "fashion_mnist") == 0)
    return "fashion";
  return NULL;
}

/* Training ---------------------------------------------------------------------------------*/

static gboolean
check_images (const MsDataset *ds,
              GError         **error)
{
  if (ds->rows != MS_CLASSIFIER_SIDE || ds->cols != MS_CLASSIFIER_SIDE)
    {
      g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID,
                   _("The classifier takes 28x28 images, but “%s” has %ux%u images"),
                   ds->name ? ds->name : "?", ds->rows, ds->cols);
      return FALSE;
    }
  if (ds->n == 0)
    {
      g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID,
                   _("The data set “%s” has no images"), ds->name ? ds->name : "?");
      return FALSE;
    }
  return TRUE;
}

/* Index of the largest of @k values, the lowest on ties */
static int
argmax (const float *x,
        int          k)
{
  int best = 0;

  for (int j = 1; j < k; j++)
    if (x[j] > x[best])
      best = j;
  return best;
}

gboolean
ms_classifier_train (MsClassifier        *c,
                     const MsDataset     *train,
                     int                  epochs,
                     int                  batch,
                     guint64              seed,
                     MsClassifierProgress cb,
                     gpointer             user_data,
                     GError             **error)
{
  MsOptimConfig cfg = ms_optim_config_default (MS_OPTIM_ADAM);   /* lr 1e-3, (0.9, 0.999) */
  MsOptimizer opt_body, opt_head;
  MsRng rng, init_rng, order_rng;
  g_autofree guint32 *order = NULL;
  g_autofree float *x = NULL;      /* (batch, 1, 28, 28) */
  g_autofree guint8 *y = NULL;     /* (batch) */
  MsParams *pb, *ph;
  int n_batches;

  g_return_val_if_fail (c != NULL, FALSE);
  g_return_val_if_fail (train != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_clear_pointer (&c->dataset, g_free);
  c->test_accuracy = NAN;
  if (!check_images (train, error))
    return FALSE;
  if (epochs < 1 || epochs > 1000)
    {
      g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID,
                   _("The number of epochs must be between 1 and 1000, not %d"), epochs);
      return FALSE;
    }
  if (batch < 1 || batch > 4096)
    {
      g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID,
                   _("The batch size must be between 1 and 4096, not %d"), batch);
      return FALSE;
    }
  for (guint i = 0; i < train->n; i++)
    if (train->labels[i] >= MS_CLASSIFIER_N_CLASSES)
      {
        g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_INVALID,
                     _("Image %u of “%s” has label %u; the classifier knows 10 classes"), i,
                     train->name ? train->name : "?", train->labels[i]);
        return FALSE;
      }

  /* Separate streams for the initial weights, the order and dropout, so that changing the
   * number of epochs does not change the weights a run starts from. */
  ms_rng_seed (&rng, seed);
  ms_rng_fork (&rng, &init_rng);
  ms_rng_fork (&rng, &order_rng);
  ms_net_reinit (c->body, MS_INIT_TORCH, &init_rng);
  ms_net_reinit (c->head, MS_INIT_TORCH, &init_rng);
  pb = ms_net_params (c->body);
  ph = ms_net_params (c->head);
  ms_optimizer_init (&opt_body, &cfg, NULL);
  ms_optimizer_init (&opt_head, &cfg, NULL);
  ms_optimizer_reset (&opt_body, pb);
  ms_optimizer_reset (&opt_head, ph);
  c->seed = seed;
  c->epochs = epochs;

  order = g_new (guint32, train->n);
  for (guint i = 0; i < train->n; i++)
    order[i] = i;
  x = g_new (float, (gsize) batch * PIXELS);
  y = g_new (guint8, batch);
  n_batches = (int) ((train->n + (guint) batch - 1) / (guint) batch);

  ms_graph_set_recording (c->graph, TRUE);
  for (int epoch = 1; epoch <= epochs; epoch++)
    {
      double loss_sum = 0.0;
      guint64 correct = 0, seen = 0;

      /* Fisher-Yates shuffle */
      for (guint i = train->n - 1; i > 0; i--)
        {
          guint32 j = ms_rng_below (&order_rng, i + 1);
          guint32 t = order[i];

          order[i] = order[j];
          order[j] = t;
        }

      for (int b = 0; b < n_batches; b++)
        {
          guint start = (guint) b * (guint) batch;
          int nb = (int) MIN ((guint) batch, train->n - start);
          MsGraph *g = c->graph;
          MsTensor *tx, *h, *logits, *loss;

          for (int i = 0; i < nb; i++)
            {
              guint idx = order[start + (guint) i];

              ms_dataset_get_images_float (train, idx, 1, x + (gsize) i * PIXELS, TRUE);
              y[i] = train->labels[idx];
            }
          tx = ms_tensor_from_data (g, 4, (int[]) { nb, 1, MS_CLASSIFIER_SIDE,
                                                    MS_CLASSIFIER_SIDE }, x);
          h = ms_net_forward (c->body, g, tx, NULL, MS_NET_TRAIN, &rng);
          logits = ms_net_forward (c->head, g, h, NULL, MS_NET_TRAIN, &rng);   /* (nb, 10) */
          loss = ms_softmax_cross_entropy (g, logits, y);

          ms_params_zero_grad (pb);
          ms_params_zero_grad (ph);
          ms_graph_backward (g, loss);
          ms_optimizer_step (&opt_body, pb);
          ms_optimizer_step (&opt_head, ph);

          loss_sum += loss->data[0];
          for (int i = 0; i < nb; i++)
            correct += argmax (logits->data + (gsize) i * MS_CLASSIFIER_N_CLASSES,
                               MS_CLASSIFIER_N_CLASSES) == y[i];
          seen += (guint64) nb;
          ms_graph_reset (g);

          if (cb != NULL && ((b + 1) % REPORT_EVERY == 0 || b + 1 == n_batches))
            {
              MsClassifierProgressInfo info = {
                .epoch = epoch, .n_epochs = epochs,
                .batch_index = b + 1, .n_batches = n_batches,
                .loss = loss_sum / (b + 1),
                .accuracy = (double) correct / (double) seen,
              };

              if (!cb (&info, user_data))
                {
                  g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_CANCELLED,
                               _("Training the classifier was cancelled in epoch %d"), epoch);
                  return FALSE;
                }
            }
        }
    }
  return TRUE;
}

/* Inference --------------------------------------------------------------------------------*/

void
ms_classifier_predict_full (MsClassifier *c,
                            const float  *images,
                            int           n,
                            float        *probs,
                            float        *features)
{
  MsGraph *g;
  gboolean old;

  g_return_if_fail (c != NULL);
  g_return_if_fail (n >= 0);
  g_return_if_fail (n == 0 || images != NULL);

  g = c->graph;
  old = ms_graph_set_recording (g, FALSE);
  for (int start = 0; start < n; start += MS_CLASSIFIER_CHUNK)
    {
      int nb = MIN (MS_CLASSIFIER_CHUNK, n - start);
      MsTensor *tx, *h, *logits;

      /* A constant leaf over the caller's memory: nothing writes to it. */
      tx = ms_tensor_wrap (g, 4, (int[]) { nb, 1, MS_CLASSIFIER_SIDE, MS_CLASSIFIER_SIDE },
                           (float *) images + (gsize) start * PIXELS, NULL, FALSE);
      h = ms_net_forward (c->body, g, tx, NULL, MS_NET_EVAL, NULL);        /* (nb, 128) */
      if (features != NULL)
        memcpy (features + (gsize) start * MS_CLASSIFIER_N_FEATURES, h->data,
                h->numel * sizeof (float));
      if (probs != NULL)
        {
          logits = ms_net_forward (c->head, g, h, NULL, MS_NET_EVAL, NULL);  /* (nb, 10) */
          ms_softmax_rows (logits->data, nb, MS_CLASSIFIER_N_CLASSES,
                           probs + (gsize) start * MS_CLASSIFIER_N_CLASSES);
        }
      ms_graph_reset (g);
    }
  ms_graph_set_recording (g, old);
}

void
ms_classifier_predict (MsClassifier *c,
                       const float  *images,
                       int           n,
                       float        *probs)
{
  g_return_if_fail (probs != NULL || n == 0);
  ms_classifier_predict_full (c, images, n, probs, NULL);
}

double
ms_classifier_accuracy (MsClassifier    *c,
                        const MsDataset *test)
{
  g_autofree float *x = NULL;
  float probs[MS_CLASSIFIER_CHUNK * MS_CLASSIFIER_N_CLASSES];
  guint correct = 0;

  g_return_val_if_fail (c != NULL, NAN);
  g_return_val_if_fail (test != NULL, NAN);

  if (!check_images (test, NULL))
    return NAN;
  x = g_new (float, (gsize) MS_CLASSIFIER_CHUNK * PIXELS);
  for (guint start = 0; start < test->n; start += MS_CLASSIFIER_CHUNK)
    {
      guint nb = MIN (MS_CLASSIFIER_CHUNK, test->n - start);

      ms_dataset_get_images_float (test, start, nb, x, TRUE);
      ms_classifier_predict (c, x, (int) nb, probs);
      for (guint i = 0; i < nb; i++)
        correct += argmax (probs + (gsize) i * MS_CLASSIFIER_N_CLASSES,
                           MS_CLASSIFIER_N_CLASSES) == test->labels[start + i];
    }
  return (double) correct / (double) test->n;
}

/* Files ------------------------------------------------------------------------------------*/

gboolean
ms_classifier_save (MsClassifier *c,
                    const char   *path,
                    const char   *dataset_name,
                    GError      **error)
{
  g_autoptr(MsCheckpointWriter) w = NULL;
  g_autoptr(GHashTable) meta = NULL;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (c != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (dataset_name != NULL && *dataset_name != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (meta, "format", g_strdup (FORMAT_NAME));
  g_hash_table_insert (meta, "arch", g_strdup (MS_CLASSIFIER_ARCH));
  g_hash_table_insert (meta, "dataset", g_strdup (dataset_name));
  if (!isnan (c->test_accuracy))
    g_hash_table_insert (meta, "test_accuracy",
                         g_strdup (g_ascii_formatd (buf, sizeof buf, "%.4f", c->test_accuracy)));
  if (c->epochs > 0)
    {
      g_hash_table_insert (meta, "seed", g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed));
      g_hash_table_insert (meta, "epochs", g_strdup_printf ("%d", c->epochs));
    }

  w = ms_checkpoint_writer_new ();
  ms_checkpoint_writer_add_key_values (w, "meta", meta);
  ms_checkpoint_writer_add_params (w, "body", ms_net_params (c->body), FALSE);
  ms_checkpoint_writer_add_params (w, "head", ms_net_params (c->head), FALSE);
  /* cnn-v1 has no batch norm; a later architecture with running statistics saves them here. */
  if (ms_net_buffers (c->body) != NULL)
    ms_checkpoint_writer_add_params (w, "body.buffers", ms_net_buffers (c->body), FALSE);
  if (!ms_checkpoint_writer_save (w, path, error))
    return FALSE;
  if (g_strcmp0 (c->dataset, dataset_name) != 0)
    {
      g_free (c->dataset);
      c->dataset = g_strdup (dataset_name);
    }
  return TRUE;
}

MsClassifier *
ms_classifier_load (const char  *path,
                    GError     **error)
{
  g_autoptr(MsCheckpoint) ck = NULL;
  g_autoptr(GHashTable) meta = NULL;
  g_autoptr(MsClassifier) c = NULL;
  g_autoptr(GError) local = NULL;
  const char *format, *arch, *acc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The checkpoint's messages name the file already. */
  ck = ms_checkpoint_load (path, error);
  if (ck == NULL)
    return NULL;
  meta = ms_checkpoint_get_key_values (ck, "meta", &local);
  format = meta ? g_hash_table_lookup (meta, "format") : NULL;
  if (meta == NULL || g_strcmp0 (format, FORMAT_NAME) != 0)
    {
      g_autofree char *disp = g_filename_display_name (path);

      g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_MISMATCH,
                   _("%s is a ModeScope file but not classifier weights"), disp);
      return NULL;
    }
  arch = g_hash_table_lookup (meta, "arch");
  if (g_strcmp0 (arch, MS_CLASSIFIER_ARCH) != 0)
    {
      g_autofree char *disp = g_filename_display_name (path);
      g_autofree char *shown = ms_quote_text (arch ? arch : "(none)");   /* text from the file */

      g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_MISMATCH,
                   _("%s holds a classifier of architecture “%s”, but this version of ModeScope "
                     "reads “%s”; train a new one with modescope-cli train-classifier"),
                   disp, shown, MS_CLASSIFIER_ARCH);
      return NULL;
    }

  c = ms_classifier_new ();
  if (!ms_checkpoint_restore_params (ck, "body", ms_net_params (c->body), FALSE, error)
      || !ms_checkpoint_restore_params (ck, "head", ms_net_params (c->head), FALSE, error)
      || (ms_net_buffers (c->body) != NULL
          && !ms_checkpoint_restore_params (ck, "body.buffers", ms_net_buffers (c->body),
                                            FALSE, error)))
    return NULL;
  if (!ms_params_all_finite (ms_net_params (c->body))
      || !ms_params_all_finite (ms_net_params (c->head)))
    {
      g_autofree char *disp = g_filename_display_name (path);

      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID,
                   _("%s: the classifier's weights contain NaN or infinite values"), disp);
      return NULL;
    }

  c->dataset = g_strdup (g_hash_table_lookup (meta, "dataset"));
  acc = g_hash_table_lookup (meta, "test_accuracy");
  if (acc != NULL)
    {
      char *end = NULL;
      double v = g_ascii_strtod (acc, &end);

      if (end != acc && *end == '\0' && v >= 0.0 && v <= 1.0)
        c->test_accuracy = v;
    }
  if (g_hash_table_contains (meta, "seed"))
    c->seed = g_ascii_strtoull (g_hash_table_lookup (meta, "seed"), NULL, 10);
  if (g_hash_table_contains (meta, "epochs"))
    c->epochs = (int) CLAMP (g_ascii_strtoll (g_hash_table_lookup (meta, "epochs"), NULL, 10),
                             0, 1000);
  return g_steal_pointer (&c);
}

MsClassifier *
ms_classifier_load_default (const char  *dataset,
                            GError     **error)
{
  const char *canon = ms_classifier_dataset_canonical (dataset);
  const char *env = g_getenv ("MODESCOPE_DATADIR");
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *file = NULL;
  g_autoptr(GString) where = NULL;
  MsClassifier *c;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (canon == NULL)
    {
      g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_NOT_FOUND,
                   _("ModeScope has no classifier for the dataset “%s” (only mnist and fashion)"),
                   dataset ? dataset : "(null)");
      return NULL;
    }

  file = g_strdup_printf ("classifier-%s.msck", canon);
  if (env != NULL && *env != '\0')
    g_ptr_array_add (dirs, g_strdup (env));
  g_ptr_array_add (dirs, g_strdup (PKGDATADIR));
  g_ptr_array_add (dirs, g_strdup (SOURCE_DATADIR));

  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *path = g_build_filename (dirs->pdata[i], file, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      c = ms_classifier_load (path, error);
      if (c == NULL)
        return NULL;
      if (c->dataset != NULL && g_strcmp0 (ms_classifier_dataset_canonical (c->dataset),
                                           canon) != 0)
        {
          g_autofree char *disp = g_filename_display_name (path);
          g_autofree char *shown = ms_quote_text (c->dataset);   /* text from the file */

          g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_MISMATCH,
                       _("%s was trained on “%s”, not %s; run modescope-cli train-classifier "
                         "--dataset %s"), disp, shown, canon, canon);
          ms_classifier_free (c);
          return NULL;
        }
      if (c->dataset == NULL)
        c->dataset = g_strdup (canon);
      return c;
    }

  where = g_string_new (NULL);
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autofree char *d = g_filename_display_name (dirs->pdata[i]);

      g_string_append_printf (where, "%s%s", i > 0 ? ", " : "", d);
    }
  g_set_error (error, MS_CLASSIFIER_ERROR, MS_CLASSIFIER_ERROR_NOT_FOUND,
               _("The %s classifier was not found (looked for %s in %s); run "
                 "modescope-cli train-classifier --dataset %s"), canon, file, where->str, canon);
  return NULL;
}
