/* ms-fixture.c: reader for the PyTorch reference files written by fixtures/make_fixtures.py
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include "ms-fixture.h"

#define MAGIC "MSFX0001"
#define MAGIC_LEN 8

struct _MsFixture
{
  GPtrArray  *records;       /* MsFixtureRecord*, owned */
  GHashTable *by_name;       /* name -> MsFixtureRecord*, borrowed */
  char       *torch_version;
  int         format;
  double      seed;
};

G_DEFINE_QUARK (ms-fixture-error-quark, ms_fixture_error)

typedef struct
{
  const guint8 *p;
  const guint8 *end;
  const char   *what;       /* for messages: which record we are in */
} Reader;

static gboolean
need (Reader  *r,
      gsize    n,
      GError **error)
{
  if ((gsize) (r->end - r->p) < n)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_TRUNCATED,
                   "fixture truncated in %s: %" G_GSIZE_FORMAT " bytes needed, %"
                   G_GSIZE_FORMAT " left", r->what, n, (gsize) (r->end - r->p));
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_u16 (Reader   *r,
          guint16  *out,
          GError  **error)
{
  if (!need (r, 2, error))
    return FALSE;
  *out = (guint16) (r->p[0] | (r->p[1] << 8));
  r->p += 2;
  return TRUE;
}

static gboolean
read_u32 (Reader   *r,
          guint32  *out,
          GError  **error)
{
  guint32 v;

  if (!need (r, 4, error))
    return FALSE;
  memcpy (&v, r->p, 4);
  *out = GUINT32_FROM_LE (v);
  r->p += 4;
  return TRUE;
}

static char *
read_name (Reader  *r,
           GError **error)
{
  guint16 len;

  if (!read_u16 (r, &len, error) || !need (r, len, error))
    return NULL;
  if (len == 0 || !g_utf8_validate ((const char *) r->p, len, NULL)
      || memchr (r->p, '\0', len) != NULL)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                   "fixture has an empty or invalid name in %s", r->what);
      return NULL;
    }
  r->p += len;
  return g_strndup ((const char *) r->p - len, len);
}

static gboolean
read_tensor (Reader           *r,
             MsFixtureTensor  *t,
             GError          **error)
{
  guint32 ndim;
  gsize numel = 1;

  t->name = read_name (r, error);
  if (t->name == NULL || !read_u32 (r, &ndim, error))
    return FALSE;
  if (ndim > MS_FIXTURE_MAX_DIMS)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                   "tensor %s in %s has rank %u (at most %d)", t->name, r->what, ndim,
                   MS_FIXTURE_MAX_DIMS);
      return FALSE;
    }
  t->ndim = (int) ndim;
  for (int d = 0; d < MS_FIXTURE_MAX_DIMS; d++)
    t->shape[d] = 1;
  for (guint32 d = 0; d < ndim; d++)
    {
      guint32 v;

      if (!read_u32 (r, &v, error))
        return FALSE;
      /* Checked against the bytes left before the product can overflow: each dimension and
       * the running product are bounded by the file's size. */
      if ((gint32) v < 0 || (v > 0 && numel > (gsize) (r->end - r->p) / 4 / v))
        {
          g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                       "tensor %s in %s has dimension %d of size %d, more than the file holds",
                       t->name, r->what, (int) d, (gint32) v);
          return FALSE;
        }
      t->shape[d] = (int) v;
      numel *= v;
    }
  t->numel = numel;
  if (!need (r, numel * 4, error))
    return FALSE;
  t->data = g_new (float, MAX (numel, 1));
  memcpy (t->data, r->p, numel * 4);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < numel; i++)
    {
      guint32 *u = (guint32 *) &t->data[i];
      *u = GUINT32_FROM_LE (*u);
    }
#endif
  r->p += numel * 4;
  return TRUE;
}

static void
record_free (gpointer data)
{
  MsFixtureRecord *rec = data;

  for (guint i = 0; i < rec->n_tensors; i++)
    {
      g_free (rec->tensors[i].name);
      g_free (rec->tensors[i].data);
    }
  g_free (rec->tensors);
  g_free (rec->name);
  g_free (rec);
}

static MsFixtureRecord *
read_record (Reader  *r,
             GError **error)
{
  MsFixtureRecord *rec = g_new0 (MsFixtureRecord, 1);
  guint32 n;

  r->what = "a record name";
  rec->name = read_name (r, error);
  if (rec->name == NULL)
    goto fail;
  r->what = rec->name;
  if (!read_u32 (r, &n, error))
    goto fail;
  /* Every tensor takes at least 2 (name length) + 1 (name) + 4 (rank) + 4 (one float) bytes */
  if (n > (gsize) (r->end - r->p) / 11)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                   "record %s claims %u tensors, more than the file holds", rec->name, n);
      goto fail;
    }
  rec->tensors = g_new0 (MsFixtureTensor, MAX (n, 1));
  for (guint32 i = 0; i < n; i++)
    {
      rec->n_tensors = i + 1;  /* so that record_free() frees what was read */
      if (!read_tensor (r, &rec->tensors[i], error))
        goto fail;
      for (guint32 j = 0; j < i; j++)
        if (g_str_equal (rec->tensors[j].name, rec->tensors[i].name))
          {
            g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                         "record %s has two tensors named %s", rec->name, rec->tensors[i].name);
            goto fail;
          }
    }
  rec->n_tensors = n;
  return rec;

fail:
  record_free (rec);
  return NULL;
}

void
ms_fixture_free (MsFixture *fx)
{
  if (fx == NULL)
    return;
  g_hash_table_unref (fx->by_name);
  g_ptr_array_unref (fx->records);
  g_free (fx->torch_version);
  g_free (fx);
}

MsFixture *
ms_fixture_parse (const guint8  *bytes,
                  gsize          len,
                  GError       **error)
{
  g_autoptr(MsFixture) fx = NULL;
  Reader r = { bytes, bytes + len, "the file header" };
  const MsFixtureRecord *header;
  guint32 n;

  g_return_val_if_fail (bytes != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < MAGIC_LEN || memcmp (bytes, MAGIC, MAGIC_LEN) != 0)
    {
      if (len >= MAGIC_LEN && memcmp (bytes, MAGIC, 4) == 0)
        g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_MAGIC,
                     "unsupported fixture version %.4s (this reader knows %s); regenerate "
                     "with tests/fixtures/make_fixtures.py", bytes + 4, MAGIC + 4);
      else
        g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_MAGIC,
                     "not a fixture file (no %s magic)", MAGIC);
      return NULL;
    }
  r.p += MAGIC_LEN;

  fx = g_new0 (MsFixture, 1);
  fx->records = g_ptr_array_new_with_free_func (record_free);
  fx->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  if (!read_u32 (&r, &n, error))
    return NULL;
  /* A record takes at least 2 + 1 + 4 bytes */
  if (n > len / 7)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                   "fixture claims %u records, more than the file holds", n);
      return NULL;
    }
  for (guint32 i = 0; i < n; i++)
    {
      MsFixtureRecord *rec = read_record (&r, error);

      if (rec == NULL)
        return NULL;
      if (g_hash_table_contains (fx->by_name, rec->name))
        {
          g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                       "fixture has two records named %s", rec->name);
          record_free (rec);
          return NULL;
        }
      g_ptr_array_add (fx->records, rec);
      g_hash_table_insert (fx->by_name, rec->name, rec);
    }
  if (r.p != r.end)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                   "fixture has %" G_GSIZE_FORMAT " bytes after its last record",
                   (gsize) (r.end - r.p));
      return NULL;
    }

  header = ms_fixture_find (fx, "header");
  if (header == NULL)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_INVALID,
                   "fixture has no header record");
      return NULL;
    }
  fx->format = (int) ms_fixture_record_scalar (header, "format", 0);
  fx->seed = ms_fixture_record_scalar (header, "seed", 0);
  for (guint i = 0; i < header->n_tensors; i++)
    if (g_str_has_prefix (header->tensors[i].name, "torch."))
      fx->torch_version = g_strdup (header->tensors[i].name + strlen ("torch."));
  if (fx->format != 1)
    {
      g_set_error (error, MS_FIXTURE_ERROR, MS_FIXTURE_ERROR_MAGIC,
                   "unsupported fixture format %d in the header (this reader knows 1)",
                   fx->format);
      return NULL;
    }
  return g_steal_pointer (&fx);
}

MsFixture *
ms_fixture_load (const char  *path,
                 GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;
  MsFixture *fx;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  fx = ms_fixture_parse ((const guint8 *) contents, len, &local);
  if (fx == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", path);
      return NULL;
    }
  return fx;
}

guint
ms_fixture_n_records (const MsFixture *fx)
{
  g_return_val_if_fail (fx != NULL, 0);
  return fx->records->len;
}

const MsFixtureRecord *
ms_fixture_record (const MsFixture *fx,
                   guint            index)
{
  g_return_val_if_fail (fx != NULL, NULL);
  g_return_val_if_fail (index < fx->records->len, NULL);
  return g_ptr_array_index (fx->records, index);
}

const MsFixtureRecord *
ms_fixture_find (const MsFixture *fx,
                 const char      *name)
{
  g_return_val_if_fail (fx != NULL && name != NULL, NULL);
  return g_hash_table_lookup (fx->by_name, name);
}

int
ms_fixture_format (const MsFixture *fx)
{
  g_return_val_if_fail (fx != NULL, 0);
  return fx->format;
}

double
ms_fixture_seed (const MsFixture *fx)
{
  g_return_val_if_fail (fx != NULL, 0);
  return fx->seed;
}

const char *
ms_fixture_torch_version (const MsFixture *fx)
{
  g_return_val_if_fail (fx != NULL, NULL);
  return fx->torch_version;
}

const MsFixtureTensor *
ms_fixture_record_get (const MsFixtureRecord *rec,
                       const char            *name)
{
  g_return_val_if_fail (rec != NULL && name != NULL, NULL);
  for (guint i = 0; i < rec->n_tensors; i++)
    if (g_str_equal (rec->tensors[i].name, name))
      return &rec->tensors[i];
  return NULL;
}

double
ms_fixture_record_scalar (const MsFixtureRecord *rec,
                          const char            *name,
                          double                 fallback)
{
  const MsFixtureTensor *t = ms_fixture_record_get (rec, name);

  return t != NULL && t->numel >= 1 ? t->data[0] : fallback;
}
