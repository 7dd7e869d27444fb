/* ms-source.c: what a run trains on, by name
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ms-quote.h"
#include "ms-source.h"

static gboolean
is_mixture_name (const char *name)
{
  const char * const *names = ms_mixture_names ();

  for (int i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return TRUE;
  return FALSE;
}

static MsDataSource *
image_source (const char *name,
              const char *title,
              MsDataset  *train,
              MsDataset  *test)
{
  MsDataSource *src = g_new0 (MsDataSource, 1);

  src->name = g_strdup (name);
  src->title = g_strdup (title);
  src->train = train;
  src->test = test;
  src->ndim = 3;
  src->shape[0] = 1;
  src->shape[1] = (int) train->rows;
  src->shape[2] = (int) train->cols;
  return src;
}

MsDataSource *
ms_data_source_open (const char  *name,
                     GError     **error)
{
  MsDataset *train = NULL, *test = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (is_mixture_name (name))
    {
      MsMixture *mix = ms_mixture_new_by_name (name, error);
      MsDataSource *src;

      if (mix == NULL)
        return NULL;
      src = g_new0 (MsDataSource, 1);
      src->name = g_strdup (name);
      /* Translators: a 2-D data set: its number of Gaussians and its name, "8 Gaussians
       * (ring8)" */
      src->title = g_strdup_printf (_("%u Gaussians (%s)"), mix->k, name);
      src->mixture = mix;
      src->ndim = 1;
      src->shape[0] = 2;
      return src;
    }
  if (strcmp (name, "mnist") == 0 || strcmp (name, "fashion") == 0)
    {
      gboolean fashion = name[0] == 'f';

      train = fashion ? ms_dataset_load_fashion_mnist ("train", error)
                      : ms_dataset_load_mnist ("train", error);
      if (train == NULL)
        return NULL;
      test = fashion ? ms_dataset_load_fashion_mnist ("t10k", error)
                     : ms_dataset_load_mnist ("t10k", error);
      if (test == NULL)
        {
          ms_dataset_free (train);
          return NULL;
        }
      return image_source (name, fashion ? "Fashion-MNIST" : "MNIST", train, test);
    }
  if (g_file_test (name, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *base = g_path_get_basename (name);

      /* An unreadable folder would otherwise look empty ("no images file") */
      if (g_access (name, R_OK | X_OK) != 0)
        {
          int saved_errno = errno;
          g_autofree char *display = g_filename_display_name (name);

          g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_IO,
                       _("Cannot read the folder “%s”: %s; check its permissions"), display,
                       g_strerror (saved_errno));
          return NULL;
        }
      train = ms_dataset_load_folder (name, "train", error);
      if (train == NULL)
        return NULL;
      /* The test split is optional in a user's folder; only "not there" is forgiven. */
      {
        g_autoptr(GError) local = NULL;

        test = ms_dataset_load_folder (name, "t10k", &local);
        if (test == NULL && !g_error_matches (local, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND))
          {
            g_propagate_error (error, g_steal_pointer (&local));
            ms_dataset_free (train);
            return NULL;
          }
      }
      return image_source (name, base, train, test);
    }
  {
    g_autofree char *mixtures = g_strjoinv (", ", (char **) ms_mixture_names ());
    g_autofree char *valid = ms_quote_text (name);  /* typed or from a file: made printable */

    /* Translators: %s are the name given and the 2-D data sets' names (ring8, grid25, ...) */
    g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND,
                 _("unknown dataset “%s”: use mnist, fashion, %s, or the path of a folder with "
                   "IDX files"), valid, mixtures);
  }
  return NULL;
}

MsDataSource *
ms_data_source_new_drawn (const float *xy,
                          int          n,
                          float        std)
{
  MsDataSource *src;

  g_return_val_if_fail (xy != NULL && n >= 1, NULL);
  src = g_new0 (MsDataSource, 1);
  src->name = g_strdup ("drawn");
  src->title = g_strdup (_("Drawn distribution"));
  src->mixture = ms_mixture_new_from_points (xy, n, std);
  src->ndim = 1;
  src->shape[0] = 2;
  return src;
}

void
ms_data_source_free (MsDataSource *src)
{
  if (src == NULL)
    return;
  if (src->train)
    ms_dataset_free (src->train);
  if (src->test)
    ms_dataset_free (src->test);
  if (src->mixture)
    ms_mixture_free (src->mixture);
  g_free (src->name);
  g_free (src->title);
  g_free (src);
}

gsize
ms_data_source_size (const MsDataSource *src)
{
  gsize n = 1;

  for (int d = 0; d < src->ndim; d++)
    n *= (gsize) src->shape[d];
  return n;
}

gboolean
ms_data_source_is_2d (const MsDataSource *src)
{
  return src->mixture != NULL;
}

void
ms_data_source_sample (gpointer  data,
                       MsRng    *rng,
                       int       n,
                       float    *out)
{
  MsDataSource *src = data;

  if (src->mixture != NULL)
    ms_mixture_sample (src->mixture, rng, n, out);
  else
    ms_dataset_sample_batch (src->train, rng, n, out, NULL);
}

gsize
ms_data_source_n_points (const MsDataSource *src)
{
  return src->train != NULL ? src->train->n : 0;
}

void
ms_data_source_get_points (gpointer       data,
                           const guint32 *indices,
                           int            n,
                           float         *out)
{
  MsDataSource *src = data;
  gsize size = ms_data_source_size (src);

  g_return_if_fail (src->train != NULL);
  for (int i = 0; i < n; i++)
    {
      g_return_if_fail (indices[i] < src->train->n);
      ms_dataset_get_images_float (src->train, indices[i], 1, out + (gsize) i * size, TRUE);
    }
}
