/* ms-source.h: what a run trains on, by name: a dataset or a 2-D mixture
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   g_autoptr(MsDataSource) src = ms_data_source_open ("mnist", &error);
 *   ms_data_source_sample (src, rng, 64, out);      // (64, 1, 28, 28) in [-1, 1]
 *
 * Names: "mnist", "fashion" (Fashion-MNIST), the mixtures of ms_mixture_names() ("ring8",
 * "grid25", "wgan8", "wgan25"), or the path of a folder holding IDX files.
 */
#pragma once

#include "ms-idx.h"
#include "ms-mixture.h"

G_BEGIN_DECLS

typedef struct _MsDataSource MsDataSource;

struct _MsDataSource
{
  char      *name;        /* as opened */
  char      *title;       /* for people: "MNIST", "8 Gaussians on a ring", ... */
  MsDataset *train;       /* image sets: the training split */
  MsDataset *test;        /* image sets: the test split, or NULL when the folder has none */
  MsMixture *mixture;     /* 2-D sets */
  int        ndim;        /* per sample: 3 (1, H, W) or 1 (2) */
  int        shape[3];
};

MsDataSource *ms_data_source_open      (const char   *name,
                                        GError      **error);
/* A 2-D source from points the user drew (n >= 1), each a mode with standard deviation @std */
MsDataSource *ms_data_source_new_drawn (const float  *xy,
                                        int           n,
                                        float         std);
void          ms_data_source_free      (MsDataSource *src);
gsize         ms_data_source_size      (const MsDataSource *src);   /* floats per sample */
gboolean      ms_data_source_is_2d     (const MsDataSource *src);
/* Matches MsRealSampler, so it can be handed to ms_gan_new() with the source as user data. */
void          ms_data_source_sample    (gpointer      src,
                                        MsRng        *rng,
                                        int           n,
                                        float        *out);

/* The finite training set, for methods that weight its points (AdaGAN): the training split's
 * size for image sets; 0 for 2-D mixtures, which have no finite set (AdaGAN then draws its own
 * fixed sample from the mixture with the run's RNG). */
gsize         ms_data_source_n_points  (const MsDataSource *src);
/* Copies training points @indices[0..n) (each < ms_data_source_n_points()) into @out, as
 * ms_data_source_sample() scales them.  Matches MsRealGetter (ms-gan.h), with the source as
 * user data. */
void          ms_data_source_get_points (gpointer       src,
                                         const guint32 *indices,
                                         int            n,
                                         float         *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsDataSource, ms_data_source_free)

G_END_DECLS
