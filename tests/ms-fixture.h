/* ms-fixture.h: reader for the PyTorch reference files written by fixtures/make_fixtures.py
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An .msfx file is a list of named records, each a list of named float32 tensors (the format is
 * described at the top of make_fixtures.py).  The whole file is read and checked before anything
 * is returned: magic, version, name lengths, ranks, shapes and sizes against the bytes left, so a
 * truncated or corrupt file gives a GError instead of a crash.
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(MsFixture) fx = ms_fixture_load (path, &error);
 *   const MsFixtureRecord *rec = ms_fixture_find (fx, "conv2d_s1p1");
 *   const MsFixtureTensor *y = ms_fixture_record_get (rec, "y");
 *
 * Everything returned belongs to the MsFixture.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MS_FIXTURE_ERROR (ms_fixture_error_quark ())
#define MS_FIXTURE_MAX_DIMS 4

typedef enum
{
  MS_FIXTURE_ERROR_MAGIC,      /* not an MSFX file, or an unknown version */
  MS_FIXTURE_ERROR_TRUNCATED,  /* the file ends inside a record */
  MS_FIXTURE_ERROR_INVALID,    /* a bad rank, shape, name or trailing bytes */
} MsFixtureError;

typedef struct _MsFixture       MsFixture;
typedef struct _MsFixtureRecord MsFixtureRecord;
typedef struct _MsFixtureTensor MsFixtureTensor;

struct _MsFixtureTensor
{
  char  *name;
  int    ndim;                          /* 0..MS_FIXTURE_MAX_DIMS */
  int    shape[MS_FIXTURE_MAX_DIMS];
  gsize  numel;                         /* 1 for ndim 0 */
  float *data;                          /* (numel), host byte order */
};

struct _MsFixtureRecord
{
  char            *name;
  guint            n_tensors;
  MsFixtureTensor *tensors;
};

GQuark                 ms_fixture_error_quark  (void);

/* Reads and validates @path; NULL with @error set on failure.  (transfer full) */
MsFixture             *ms_fixture_load         (const char   *path,
                                                GError      **error);
/* Same, from bytes in memory (used by the reader's own tests). */
MsFixture             *ms_fixture_parse        (const guint8 *bytes,
                                                gsize         len,
                                                GError      **error);
void                   ms_fixture_free         (MsFixture    *fx);

guint                  ms_fixture_n_records    (const MsFixture *fx);
const MsFixtureRecord *ms_fixture_record       (const MsFixture *fx,
                                                guint            index);
/* NULL when absent */
const MsFixtureRecord *ms_fixture_find         (const MsFixture *fx,
                                                const char      *name);
/* The "header" record's fields: format version, seed, and the PyTorch version string (from the
 * "torch.X.Y.Z" tensor name; NULL when missing). */
int                    ms_fixture_format       (const MsFixture *fx);
double                 ms_fixture_seed         (const MsFixture *fx);
const char            *ms_fixture_torch_version (const MsFixture *fx);

/* NULL when absent */
const MsFixtureTensor *ms_fixture_record_get   (const MsFixtureRecord *rec,
                                                const char            *name);
/* The first element of a one-element tensor, or @fallback when absent */
double                 ms_fixture_record_scalar (const MsFixtureRecord *rec,
                                                 const char            *name,
                                                 double                 fallback);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsFixture, ms_fixture_free)

G_END_DECLS
