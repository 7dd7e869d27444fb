/* ms-checkpoint.c: a chunked binary container for checkpoints and session files
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader never trusts a number from the file: the file's size is capped before it is read,
 * and every length is compared with the bytes that remain before it is used, so the only
 * allocation a file can cause is the buffer of its real size.  Sections are kept in memory
 * (the whole file is read at once) and payload parsers read them through a bounds-checked
 * cursor.
 */

#include "ms-checkpoint.h"
#include <glib/gi18n.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <zlib.h>

#define MAGIC            "MSCKPT\r\n"
#define MAGIC_LEN        8
#define HEADER_LEN       16
#define TRAILER_LEN      4
#define PARAMS_HAS_STATE 1u
#define OPTIM_HAS_M      1u
#define OPTIM_HAS_V      2u
#define OPTIM_PAYLOAD    (4 + 4 + 8 + 8 * 8)
#define RNG_PAYLOAD      (4 * 8)

G_DEFINE_QUARK (ms-checkpoint-error-quark, ms_checkpoint_error)

static guint32
crc32_of (const guint8 *data,
          gsize         len)
{
  return (guint32) crc32_z (crc32_z (0L, Z_NULL, 0), data, len);
}

/* Little-endian encoding ---------------------------------------------------------------- */

static void
put_u32 (GByteArray *b,
         guint32     v)
{
  guint32 le = GUINT32_TO_LE (v);

  g_byte_array_append (b, (const guint8 *) &le, 4);
}

static void
put_u64 (GByteArray *b,
         guint64     v)
{
  guint64 le = GUINT64_TO_LE (v);

  g_byte_array_append (b, (const guint8 *) &le, 8);
}

static void
put_f64 (GByteArray *b,
         double      v)
{
  guint64 u;

  memcpy (&u, &v, 8);
  put_u64 (b, u);
}

/* Used by the big-endian path of put_f32_block() only */
G_GNUC_UNUSED static void
put_f32 (GByteArray *b,
         float       v)
{
  guint32 u;

  memcpy (&u, &v, 4);
  put_u32 (b, u);
}

static void
put_f32_block (GByteArray  *b,
               const float *x,
               gsize        n)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  const guint8 *p = (const guint8 *) x;
  gsize bytes = n * sizeof (float);

  while (bytes > 0)
    {
      guint chunk = (guint) MIN (bytes, (gsize) 1 << 30);

      g_byte_array_append (b, p, chunk);
      p += chunk;
      bytes -= chunk;
    }
#else
  for (gsize i = 0; i < n; i++)
    put_f32 (b, x[i]);
#endif
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint64
get_u64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static void
get_f32_block (float        *dst,
               const guint8 *src,
               gsize         n)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  memcpy (dst, src, n * sizeof (float));
#else
  for (gsize i = 0; i < n; i++)
    {
      guint32 u = get_u32 (src + 4 * i);

      memcpy (&dst[i], &u, 4);
    }
#endif
}

/* A bounds-checked cursor over a payload: every read fails instead of passing the end. */
typedef struct
{
  const guint8 *data;
  gsize         size;
  gsize         pos;
} Cursor;

static gsize
cursor_left (const Cursor *c)
{
  return c->size - c->pos;
}

static gboolean
cursor_u32 (Cursor  *c,
            guint32 *v)
{
  if (cursor_left (c) < 4)
    return FALSE;
  *v = get_u32 (c->data + c->pos);
  c->pos += 4;
  return TRUE;
}

static gboolean
cursor_u64 (Cursor  *c,
            guint64 *v)
{
  if (cursor_left (c) < 8)
    return FALSE;
  *v = get_u64 (c->data + c->pos);
  c->pos += 8;
  return TRUE;
}

static gboolean
cursor_f64 (Cursor *c,
            double *v)
{
  guint64 u;

  if (!cursor_u64 (c, &u))
    return FALSE;
  memcpy (v, &u, 8);
  return TRUE;
}


/* @len bytes, returned in place */
static gboolean
cursor_bytes (Cursor        *c,
              gsize          len,
              const guint8 **p)
{
  if (cursor_left (c) < len)
    return FALSE;
  *p = c->data + c->pos;
  c->pos += len;
  return TRUE;
}

/* Writer ------------------------------------------------------------------------------- */

struct _MsCheckpointWriter
{
  GByteArray *buf;          /* header (section count patched on output) + sections */
  guint32     n_sections;
  GHashTable *names;        /* set of section names */
};

MsCheckpointWriter *
ms_checkpoint_writer_new (void)
{
  MsCheckpointWriter *w = g_new0 (MsCheckpointWriter, 1);

  w->buf = g_byte_array_new ();
  g_byte_array_append (w->buf, (const guint8 *) MAGIC, MAGIC_LEN);
  put_u32 (w->buf, MS_CHECKPOINT_VERSION);
  put_u32 (w->buf, 0);
  w->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return w;
}

void
ms_checkpoint_writer_free (MsCheckpointWriter *w)
{
  if (w == NULL)
    return;

  g_byte_array_unref (w->buf);
  g_hash_table_unref (w->names);
  g_free (w);
}

/* No control characters: names are quoted in messages */
static gboolean
has_control_chars (const char *s,
                   gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] < 0x20 || s[i] == 0x7f)
      return TRUE;
  return FALSE;
}

static gboolean
valid_section_name (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  return len >= 1 && len <= MS_CHECKPOINT_MAX_NAME && g_utf8_validate (name, -1, NULL)
         && !has_control_chars (name, len);
}

/* Writes the section header and returns where the payload starts, or 0 when the section cannot
 * be added. */
static gsize
begin_section (MsCheckpointWriter *w,
               const char         *name,
               guint32             type,
               guint64             payload_len)
{
  gsize len;

  g_return_val_if_fail (w != NULL, 0);
  g_return_val_if_fail (valid_section_name (name), 0);
  if (g_hash_table_contains (w->names, name))
    {
      g_critical ("%s: the checkpoint already has a section '%s'", G_STRFUNC, name);
      return 0;
    }
  /* The reader refuses files over the limit; a GByteArray cannot grow past G_MAXUINT. */
  if (payload_len > MS_CHECKPOINT_MAX_FILE_SIZE - 1024
      || (guint64) w->buf->len + payload_len + 1024 > MIN (MS_CHECKPOINT_MAX_FILE_SIZE,
                                                           (guint64) G_MAXUINT))
    {
      g_critical ("%s: section '%s' would make the checkpoint larger than 4 GiB",
                  G_STRFUNC, name);
      return 0;
    }

  len = strlen (name);
  g_hash_table_add (w->names, g_strdup (name));
  put_u32 (w->buf, (guint32) len);
  g_byte_array_append (w->buf, (const guint8 *) name, (guint) len);
  put_u32 (w->buf, type);
  put_u64 (w->buf, payload_len);
  return w->buf->len;
}

static void
end_section (MsCheckpointWriter *w,
             gsize               start,
             guint64             payload_len)
{
  g_assert (w->buf->len - start == payload_len);

  put_u32 (w->buf, crc32_of (w->buf->data + start, payload_len));
  w->n_sections++;
}

void
ms_checkpoint_writer_add (MsCheckpointWriter *w,
                          const char         *name,
                          guint32             type,
                          gconstpointer       data,
                          gsize               len)
{
  gsize start;
  const guint8 *p = data;

  g_return_if_fail (data != NULL || len == 0);

  start = begin_section (w, name, type, len);
  if (start == 0)
    return;
  for (gsize done = 0; done < len;)
    {
      guint chunk = (guint) MIN (len - done, (gsize) 1 << 30);

      g_byte_array_append (w->buf, p + done, chunk);
      done += chunk;
    }
  end_section (w, start, len);
}

void
ms_checkpoint_writer_add_params (MsCheckpointWriter *w,
                                 const char         *name,
                                 const MsParams     *params,
                                 gboolean            with_state)
{
  guint64 len = 4 + 4 + 8;
  guint count;
  gsize start;

  g_return_if_fail (params != NULL && params->finalized);

  count = ms_params_count (params);
  for (guint i = 0; i < count; i++)
    {
      const MsParamInfo *info = ms_params_info (params, (int) i);

      len += 4 + strlen (info->name) + 4 + 4 * (guint64) info->ndim;
    }
  len += (guint64) params->total * sizeof (float) * (with_state ? 3 : 1);

  start = begin_section (w, name, MS_CHECKPOINT_TYPE_PARAMS, len);
  if (start == 0)
    return;

  put_u32 (w->buf, with_state ? PARAMS_HAS_STATE : 0);
  put_u32 (w->buf, count);
  put_u64 (w->buf, params->total);
  for (guint i = 0; i < count; i++)
    {
      const MsParamInfo *info = ms_params_info (params, (int) i);
      gsize name_len = strlen (info->name);

      put_u32 (w->buf, (guint32) name_len);
      g_byte_array_append (w->buf, (const guint8 *) info->name, (guint) name_len);
      put_u32 (w->buf, (guint32) info->ndim);
      for (int d = 0; d < info->ndim; d++)
        put_u32 (w->buf, (guint32) info->shape[d]);
    }
  put_f32_block (w->buf, params->data, params->total);
  if (with_state)
    {
      put_f32_block (w->buf, params->m, params->total);
      put_f32_block (w->buf, params->v, params->total);
    }
  end_section (w, start, len);
}

void
ms_checkpoint_writer_add_optimizer (MsCheckpointWriter *w,
                                    const char         *name,
                                    const MsOptimizer  *opt)
{
  const MsOptimConfig *c;
  gsize start;

  g_return_if_fail (opt != NULL);

  start = begin_section (w, name, MS_CHECKPOINT_TYPE_OPTIMIZER, OPTIM_PAYLOAD);
  if (start == 0)
    return;

  c = &opt->config;
  put_u32 (w->buf, (guint32) c->kind);
  put_u32 (w->buf, (opt->has_m ? OPTIM_HAS_M : 0) | (opt->has_v ? OPTIM_HAS_V : 0));
  put_u64 (w->buf, (guint64) opt->step);
  put_f64 (w->buf, c->lr);
  put_f64 (w->buf, c->momentum);
  put_f64 (w->buf, c->dampening);
  put_f64 (w->buf, c->alpha);
  put_f64 (w->buf, c->eps);
  put_f64 (w->buf, c->beta1);
  put_f64 (w->buf, c->beta2);
  put_f64 (w->buf, c->weight_decay);
  end_section (w, start, OPTIM_PAYLOAD);
}

void
ms_checkpoint_writer_add_rng (MsCheckpointWriter *w,
                              const char         *name,
                              const MsRng        *rng)
{
  gsize start;

  g_return_if_fail (rng != NULL);

  start = begin_section (w, name, MS_CHECKPOINT_TYPE_RNG, RNG_PAYLOAD);
  if (start == 0)
    return;

  for (int i = 0; i < 4; i++)
    put_u64 (w->buf, rng->s[i]);
  end_section (w, start, RNG_PAYLOAD);
}

void
ms_checkpoint_writer_add_string (MsCheckpointWriter *w,
                                 const char         *name,
                                 const char         *value)
{
  g_return_if_fail (value != NULL);
  g_return_if_fail (g_utf8_validate (value, -1, NULL));

  ms_checkpoint_writer_add (w, name, MS_CHECKPOINT_TYPE_STRING, value, strlen (value));
}

static int
compare_keys (const void *a,
              const void *b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

void
ms_checkpoint_writer_add_key_values (MsCheckpointWriter *w,
                                     const char         *name,
                                     GHashTable         *table)
{
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;
  guint64 len = 4;
  gsize start;

  g_return_if_fail (table != NULL);

  keys = g_hash_table_get_keys_as_array (table, &n_keys);
  qsort (keys, n_keys, sizeof (gpointer), compare_keys);
  for (guint i = 0; i < n_keys; i++)
    {
      const char *value = g_hash_table_lookup (table, keys[i]);

      g_return_if_fail (keys[i] != NULL && g_utf8_validate (keys[i], -1, NULL));
      g_return_if_fail (value != NULL && g_utf8_validate (value, -1, NULL));
      len += 4 + strlen (keys[i]) + 4 + strlen (value);
    }

  start = begin_section (w, name, MS_CHECKPOINT_TYPE_KEY_VALUES, len);
  if (start == 0)
    return;

  put_u32 (w->buf, n_keys);
  for (guint i = 0; i < n_keys; i++)
    {
      const char *key = keys[i];
      const char *value = g_hash_table_lookup (table, key);

      put_u32 (w->buf, (guint32) strlen (key));
      g_byte_array_append (w->buf, (const guint8 *) key, (guint) strlen (key));
      put_u32 (w->buf, (guint32) strlen (value));
      g_byte_array_append (w->buf, (const guint8 *) value, (guint) strlen (value));
    }
  end_section (w, start, len);
}

/* Completes the header and appends the trailer; undo with g_byte_array_set_size (buf, len - 4). */
static void
writer_finish (MsCheckpointWriter *w)
{
  guint32 n = GUINT32_TO_LE (w->n_sections);

  memcpy (w->buf->data + MAGIC_LEN + 4, &n, 4);
  put_u32 (w->buf, crc32_of (w->buf->data, w->buf->len));
}

GBytes *
ms_checkpoint_writer_to_bytes (MsCheckpointWriter *w)
{
  GBytes *bytes;

  g_return_val_if_fail (w != NULL, NULL);

  writer_finish (w);
  bytes = g_bytes_new (w->buf->data, w->buf->len);
  g_byte_array_set_size (w->buf, w->buf->len - TRAILER_LEN);
  return bytes;
}

gboolean
ms_checkpoint_writer_save (MsCheckpointWriter *w,
                           const char         *path,
                           GError            **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (w != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  writer_finish (w);
  ok = g_file_set_contents (path, (const char *) w->buf->data, w->buf->len, &local_error);
  g_byte_array_set_size (w->buf, w->buf->len - TRAILER_LEN);

  if (!ok)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO,
                   _("Could not save the checkpoint: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Reader ------------------------------------------------------------------------------- */

typedef struct
{
  char    *name;
  guint32  type;
  gsize    offset;
  gsize    length;
} Section;

struct _MsCheckpoint
{
  GBytes       *bytes;
  const guint8 *data;
  gsize         size;
  char         *display;     /* file name for messages */
  guint32       version;
  GArray       *sections;    /* Section */
};

static void
section_clear (gpointer data)
{
  Section *s = data;

  g_free (s->name);
}

void
ms_checkpoint_free (MsCheckpoint *ck)
{
  if (ck == NULL)
    return;

  g_bytes_unref (ck->bytes);
  g_array_unref (ck->sections);
  g_free (ck->display);
  g_free (ck);
}

static gboolean
fail_truncated (GError     **error,
                const char  *display,
                gsize        size,
                guint64      need)
{
  if (need > MS_CHECKPOINT_MAX_FILE_SIZE)
    g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                 _("'%s' is corrupt: a length in it points %llu bytes past its end"), display,
                 (unsigned long long) (need - size));
  else
    g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_TRUNCATED,
                 _("'%s' is incomplete: the file ends after %llu of at least %llu bytes; it "
                     "may have been cut off while saving or copying"),
                 display, (unsigned long long) size, (unsigned long long) need);
  return FALSE;
}

/* The magic and the version at the start of @data (@size bytes: the whole file, or at least
 * its first HEADER_LEN bytes), so that a file that is no checkpoint fails before it is read */
static gboolean
check_header (const guint8  *data,
              gsize          size,
              const char    *display,
              guint32       *version,
              GError       **error)
{
  /* Magic */
  if (size < MAGIC_LEN || memcmp (data, MAGIC, MAGIC_LEN) != 0)
    {
      if ((size >= 7 && memcmp (data, "MSCKPT\n", 7) == 0)
          || (size >= 9 && memcmp (data, "MSCKPT\r\r\n", 9) == 0))
        g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                     _("'%s' was damaged by a text-mode transfer (its line endings were "
                       "converted); copy the original again as a binary file"), display);
      else if (size == 0)
        g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_TRUNCATED,
                     _("'%s' is empty"), display);
      else if (size < MAGIC_LEN && memcmp (data, MAGIC, size) == 0)
        return fail_truncated (error, display, size, HEADER_LEN);
      else
        g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_NOT_CHECKPOINT,
                     _("'%s' is not a ModeScope checkpoint"), display);
      return FALSE;
    }
  if (size < HEADER_LEN)
    return fail_truncated (error, display, size, HEADER_LEN + TRAILER_LEN);

  /* Version */
  *version = get_u32 (data + MAGIC_LEN);
  if (*version > MS_CHECKPOINT_VERSION)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_TOO_NEW,
                   _("'%s' was made by a newer ModeScope (format %u, this version reads %u); "
                     "open it with a newer version of ModeScope"),
                   display, *version, MS_CHECKPOINT_VERSION);
      return FALSE;
    }
  if (*version == 0)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                   _("'%s' is corrupt: it claims format version 0"), display);
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse (MsCheckpoint  *ck,
       GError       **error)
{
  const guint8 *data = ck->data;
  gsize size = ck->size;
  const char *display = ck->display;
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  guint32 n_sections, stored_crc;
  gsize pos;

  if (!check_header (data, size, display, &ck->version, error))
    return FALSE;

  /* Sections.  Nothing is allocated from n_sections: each section read consumes at least 21
   * bytes of the file, so a false count ends in a truncation error. */
  n_sections = get_u32 (data + MAGIC_LEN + 4);
  pos = HEADER_LEN;
  for (guint32 i = 0; i < n_sections; i++)
    {
      Section s = { 0 };
      guint32 name_len, stored;
      guint64 payload_len;
      const char *name;

      if (size - pos < 4)
        return fail_truncated (error, display, size, (guint64) pos + 4);
      name_len = get_u32 (data + pos);
      pos += 4;
      if (name_len == 0 || name_len > MS_CHECKPOINT_MAX_NAME)
        {
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                       _("'%s' is corrupt: section %u has a name of %u bytes (1 to %u allowed)"),
                       display, i + 1, name_len, MS_CHECKPOINT_MAX_NAME);
          return FALSE;
        }
      if (size - pos < (gsize) name_len + 4 + 8)
        return fail_truncated (error, display, size, (guint64) pos + name_len + 4 + 8);
      name = (const char *) data + pos;
      if (!g_utf8_validate_len (name, name_len, NULL) || has_control_chars (name, name_len))
        {
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                       _("'%s' is corrupt: the name of section %u is not valid text"),
                       display, i + 1);
          return FALSE;
        }
      s.name = g_strndup (name, name_len);
      pos += name_len;
      s.type = get_u32 (data + pos);
      pos += 4;
      payload_len = get_u64 (data + pos);
      pos += 8;

      if (payload_len > MS_CHECKPOINT_MAX_FILE_SIZE)
        {
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                       _("'%s' is corrupt: section '%s' claims %llu bytes, more than a "
                           "checkpoint can hold"), display, s.name,
                       (unsigned long long) payload_len);
          g_free (s.name);
          return FALSE;
        }
      if (size - pos < payload_len || size - pos - payload_len < 4)
        {
          fail_truncated (error, display, size, (guint64) pos + payload_len + 4);
          g_free (s.name);
          return FALSE;
        }
      s.offset = pos;
      s.length = (gsize) payload_len;
      pos += s.length;
      stored = get_u32 (data + pos);
      pos += 4;

      if (stored != crc32_of (data + s.offset, s.length))
        {
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                       _("Section '%s' of '%s' is corrupt (checksum mismatch)"), s.name, display);
          g_free (s.name);
          return FALSE;
        }
      if (g_hash_table_contains (names, s.name))
        {
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                       _("'%s' is corrupt: it has two sections named '%s'"), display, s.name);
          g_free (s.name);
          return FALSE;
        }
      g_array_append_val (ck->sections, s);
      g_hash_table_add (names, g_array_index (ck->sections, Section,
                                              ck->sections->len - 1).name);
    }

  /* Trailer */
  if (size - pos < TRAILER_LEN)
    return fail_truncated (error, display, size, (guint64) pos + TRAILER_LEN);
  if (size - pos > TRAILER_LEN)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                   _("'%s' is corrupt: it has %llu unexpected bytes after its end"),
                   display, (unsigned long long) (size - pos - TRAILER_LEN));
      return FALSE;
    }
  stored_crc = get_u32 (data + pos);
  if (stored_crc != crc32_of (data, pos))
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_CORRUPT,
                   _("'%s' is corrupt (checksum mismatch in its headers)"), display);
      return FALSE;
    }
  return TRUE;
}

static MsCheckpoint *
load_bytes (GBytes      *bytes,
            char        *display,   /* (transfer full) */
            GError     **error)
{
  MsCheckpoint *ck = g_new0 (MsCheckpoint, 1);

  ck->bytes = bytes;
  ck->data = g_bytes_get_data (bytes, &ck->size);
  if (ck->data == NULL)
    ck->data = (const guint8 *) "";
  ck->display = display;
  ck->sections = g_array_new (FALSE, TRUE, sizeof (Section));
  g_array_set_clear_func (ck->sections, section_clear);

  if (!parse (ck, error))
    {
      ms_checkpoint_free (ck);
      return NULL;
    }
  return ck;
}

MsCheckpoint *
ms_checkpoint_load_bytes (GBytes  *bytes,
                          GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return load_bytes (g_bytes_ref (bytes), g_strdup ("checkpoint"), error);
}

MsCheckpoint *
ms_checkpoint_load (const char  *path,
                    GError     **error)
{
  g_autofree char *display = NULL;
  struct stat st;
  guint8 *buf;
  gsize size, got = 0;
  int fd, saved_errno;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO,
                   _("Could not open '%s': %s"), display, g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0)
    {
      saved_errno = errno;
      g_close (fd, NULL);
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO,
                   _("Could not read '%s': %s"), display, g_strerror (saved_errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_close (fd, NULL);
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO,
                   _("'%s' is not a regular file"), display);
      return NULL;
    }
  if (st.st_size < 0 || (guint64) st.st_size > MS_CHECKPOINT_MAX_FILE_SIZE
      || (guint64) st.st_size > G_MAXSIZE)
    {
      g_autofree char *sz = g_format_size ((guint64) st.st_size);

      g_close (fd, NULL);
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_TOO_LARGE,
                   _("'%s' is too large to be a ModeScope checkpoint (%s; the limit is 4 GiB)"),
                   display, sz);
      return NULL;
    }

  /* A file that is not a checkpoint (a photo, a 3 GB disk image) fails on its first bytes,
   * before anything is allocated or read for the rest of it */
  size = (gsize) st.st_size;
  {
    guint8 head[HEADER_LEN];
    gsize head_len = 0;
    guint32 version;

    while (head_len < MIN (size, sizeof head))
      {
        gssize n = read (fd, head + head_len, MIN (size, sizeof head) - head_len);

        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          break;
        head_len += (gsize) n;
      }
    if (!check_header (head, head_len, display, &version, error)
        || lseek (fd, 0, SEEK_SET) != 0)
      {
        saved_errno = errno;
        g_close (fd, NULL);
        if (error != NULL && *error == NULL)
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO,
                       _("Could not read '%s': %s"), display, g_strerror (saved_errno));
        return NULL;
      }
  }

  /* The only allocation the file decides: its real, capped size. */
  buf = g_malloc (MAX (size, 1));
  while (got < size)
    {
      gssize n = read (fd, buf + got, MIN (size - got, (gsize) 1 << 30));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          g_free (buf);
          g_close (fd, NULL);
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_IO,
                       _("Could not read '%s': %s"), display, g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;    /* shrank while reading: the parser reports the truncation */
      got += (gsize) n;
    }
  g_close (fd, NULL);

  return load_bytes (g_bytes_new_take (buf, got), g_steal_pointer (&display), error);
}

guint32
ms_checkpoint_get_version (const MsCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, 0);
  return ck->version;
}

guint
ms_checkpoint_get_n_sections (const MsCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, 0);
  return ck->sections->len;
}

const char *
ms_checkpoint_get_section_name (const MsCheckpoint *ck,
                                guint               index)
{
  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (index < ck->sections->len, NULL);
  return g_array_index (ck->sections, Section, index).name;
}

guint32
ms_checkpoint_get_section_type (const MsCheckpoint *ck,
                                guint               index)
{
  g_return_val_if_fail (ck != NULL, 0);
  g_return_val_if_fail (index < ck->sections->len, 0);
  return g_array_index (ck->sections, Section, index).type;
}

static const Section *
find_section (const MsCheckpoint *ck,
              const char         *name)
{
  for (guint i = 0; i < ck->sections->len; i++)
    {
      const Section *s = &g_array_index (ck->sections, Section, i);

      if (strcmp (s->name, name) == 0)
        return s;
    }
  return NULL;
}

gboolean
ms_checkpoint_has_section (const MsCheckpoint *ck,
                           const char         *name)
{
  g_return_val_if_fail (ck != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return find_section (ck, name) != NULL;
}

/* What a section of @type holds, in words (translated) */
static const char *
type_name (guint32 type)
{
  switch (type)
    {
    case MS_CHECKPOINT_TYPE_BLOB: return _("raw data");
    case MS_CHECKPOINT_TYPE_PARAMS: return _("network parameters");
    case MS_CHECKPOINT_TYPE_OPTIMIZER: return _("optimizer settings");
    case MS_CHECKPOINT_TYPE_RNG: return _("a random number generator state");
    case MS_CHECKPOINT_TYPE_STRING: return _("text");
    case MS_CHECKPOINT_TYPE_KEY_VALUES: return _("key-value pairs");
    default: return _("data of an unknown kind");
    }
}

gconstpointer
ms_checkpoint_lookup (const MsCheckpoint *ck,
                      const char         *name,
                      guint32             type,
                      gsize              *len,
                      GError            **error)
{
  const Section *s;

  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  s = find_section (ck, name);
  if (s == NULL)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISSING,
                   _("'%s' has no section '%s'; it may be a checkpoint of another kind of run"),
                   ck->display, name);
      return NULL;
    }
  if (s->type != type)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_WRONG_TYPE,
                   /* Translators: the 1st %s is a section name, the 2nd a file name; the 3rd
                    * and 5th say what a section holds ("network parameters", "text", ...) */
                   _("Section '%s' of '%s' is not what ModeScope expects there: it holds %s "
                     "(type %u) instead of %s (type %u); the file is damaged or was written by "
                     "another program"),
                   name, ck->display, type_name (s->type), s->type, type_name (type), type);
      return NULL;
    }
  if (len != NULL)
    *len = s->length;
  return ck->data + s->offset;
}

gconstpointer
ms_checkpoint_get (const MsCheckpoint *ck,
                   const char         *name,
                   guint32             type,
                   gsize              *len)
{
  return ms_checkpoint_lookup (ck, name, type, len, NULL);
}

static gboolean
fail_malformed (GError            **error,
                const MsCheckpoint *ck,
                const char         *name,
                const char         *what)
{
  g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_INVALID,
               _("Section '%s' of '%s' is malformed (%s); the file was written by a faulty "
                 "program or damaged before it was saved"), name, ck->display, what);
  return FALSE;
}

static char *
shape_string (int            ndim,
              const guint32 *shape)
{
  GString *s = g_string_new ("(");

  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, d == 0 ? "%u" : ", %u", shape[d]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

gboolean
ms_checkpoint_restore_params (const MsCheckpoint *ck,
                              const char         *name,
                              MsParams           *params,
                              gboolean            with_state,
                              GError            **error)
{
  Cursor c = { 0 };
  guint32 flags, count, n_net;
  guint64 total, file_total = 0, value_bytes;
  const guint8 *values;

  g_return_val_if_fail (ck != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (params != NULL && params->finalized, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  c.data = ms_checkpoint_lookup (ck, name, MS_CHECKPOINT_TYPE_PARAMS, &c.size, error);
  if (c.data == NULL)
    return FALSE;

  if (!cursor_u32 (&c, &flags) || !cursor_u32 (&c, &count) || !cursor_u64 (&c, &total))
    return fail_malformed (error, ck, name, "its header is cut short");
  if ((flags & ~PARAMS_HAS_STATE) != 0)
    return fail_malformed (error, ck, name, "unknown flags");

  n_net = ms_params_count (params);
  for (guint32 i = 0; i < count; i++)
    {
      const MsParamInfo *info;
      guint32 name_len, ndim, shape[MS_MAX_DIMS];
      const guint8 *pname;
      guint64 numel = 1;
      gboolean same;

      if (i >= n_net)
        break;    /* more parameters in the file: reported below */

      if (!cursor_u32 (&c, &name_len) || name_len == 0
          || !cursor_bytes (&c, name_len, &pname)
          || !cursor_u32 (&c, &ndim) || ndim < 1 || ndim > MS_MAX_DIMS)
        return fail_malformed (error, ck, name, "a parameter entry is invalid");
      for (guint32 d = 0; d < ndim; d++)
        {
          if (!cursor_u32 (&c, &shape[d]) || shape[d] == 0 || shape[d] > G_MAXINT
              || numel > MS_CHECKPOINT_MAX_FILE_SIZE / shape[d])
            return fail_malformed (error, ck, name, "a parameter has an invalid shape");
          numel *= shape[d];
        }
      file_total += numel;
      if (file_total > MS_CHECKPOINT_MAX_FILE_SIZE)
        return fail_malformed (error, ck, name, "the parameters are too large");

      info = ms_params_info (params, (int) i);
      if (strlen (info->name) != name_len || memcmp (info->name, pname, name_len) != 0)
        {
          g_autofree char *file_name = g_utf8_make_valid ((const char *) pname, name_len);

          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH,
                       _("Cannot restore '%s' from '%s': parameter %u is '%s' in the file but "
                         "'%s' in this network"), name, ck->display, i + 1, file_name, info->name);
          return FALSE;
        }
      same = (int) ndim == info->ndim;
      for (guint32 d = 0; d < ndim && same; d++)
        same = shape[d] == (guint32) info->shape[d];
      if (!same)
        {
          guint32 net_shape[MS_MAX_DIMS];
          g_autofree char *file_str = NULL;
          g_autofree char *net_str = NULL;

          for (int d = 0; d < info->ndim; d++)
            net_shape[d] = (guint32) info->shape[d];
          file_str = shape_string ((int) ndim, shape);
          net_str = shape_string (info->ndim, net_shape);
          g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH,
                       _("Cannot restore '%s' from '%s': parameter '%s' has shape %s in the file "
                         "but %s in this network"), name, ck->display, info->name, file_str,
                       net_str);
          return FALSE;
        }
    }
  if (count != n_net)
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISMATCH,
                   _("Cannot restore '%s' from '%s': the file has %u parameters but this network "
                     "has %u"), name, ck->display, count, n_net);
      return FALSE;
    }

  /* The layout matches, so file_total == params->total. */
  if (total != file_total || total != params->total)
    return fail_malformed (error, ck, name, "the parameter count does not add up");
  value_bytes = total * sizeof (float) * ((flags & PARAMS_HAS_STATE) ? 3 : 1);
  if (cursor_left (&c) != value_bytes)
    return fail_malformed (error, ck, name, "the values do not match the shapes");
  if (with_state && !(flags & PARAMS_HAS_STATE))
    {
      g_set_error (error, MS_CHECKPOINT_ERROR, MS_CHECKPOINT_ERROR_MISSING,
                   _("Section '%s' of '%s' holds no optimizer state (it was saved without it)"),
                   name, ck->display);
      return FALSE;
    }

  values = c.data + c.pos;
  get_f32_block (params->data, values, params->total);
  if (with_state)
    {
      get_f32_block (params->m, values + params->total * sizeof (float), params->total);
      get_f32_block (params->v, values + 2 * params->total * sizeof (float), params->total);
    }
  return TRUE;
}

gboolean
ms_checkpoint_restore_optimizer (const MsCheckpoint *ck,
                                 const char         *name,
                                 MsOptimizer        *opt,
                                 GError            **error)
{
  g_autoptr (GError) local_error = NULL;
  Cursor c = { 0 };
  MsOptimConfig config = { 0 };
  guint32 kind = 0, flags = 0;
  guint64 step = 0;

  g_return_val_if_fail (ck != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (opt != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  c.data = ms_checkpoint_lookup (ck, name, MS_CHECKPOINT_TYPE_OPTIMIZER, &c.size, error);
  if (c.data == NULL)
    return FALSE;
  if (c.size != OPTIM_PAYLOAD)
    return fail_malformed (error, ck, name, "it has the wrong size");

  /* The size is right, so none of these reads can fail. */
  cursor_u32 (&c, &kind);
  cursor_u32 (&c, &flags);
  cursor_u64 (&c, &step);
  cursor_f64 (&c, &config.lr);
  cursor_f64 (&c, &config.momentum);
  cursor_f64 (&c, &config.dampening);
  cursor_f64 (&c, &config.alpha);
  cursor_f64 (&c, &config.eps);
  cursor_f64 (&c, &config.beta1);
  cursor_f64 (&c, &config.beta2);
  cursor_f64 (&c, &config.weight_decay);

  if (kind >= MS_OPTIM_N_KINDS)
    return fail_malformed (error, ck, name, "unknown optimizer kind");
  if ((flags & ~(OPTIM_HAS_M | OPTIM_HAS_V)) != 0)
    return fail_malformed (error, ck, name, "unknown flags");
  if (step > (guint64) G_MAXINT64)
    return fail_malformed (error, ck, name, "invalid step count");
  config.kind = (MsOptimKind) kind;
  if (!ms_optim_config_validate (&config, &local_error))
    return fail_malformed (error, ck, name, local_error->message);

  opt->config = config;
  opt->step = (gint64) step;
  opt->has_m = (flags & OPTIM_HAS_M) != 0;
  opt->has_v = (flags & OPTIM_HAS_V) != 0;
  return TRUE;
}

gboolean
ms_checkpoint_restore_rng (const MsCheckpoint *ck,
                           const char         *name,
                           MsRng              *rng,
                           GError            **error)
{
  Cursor c = { 0 };
  MsRng r = { { 0, } };

  g_return_val_if_fail (ck != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (rng != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  c.data = ms_checkpoint_lookup (ck, name, MS_CHECKPOINT_TYPE_RNG, &c.size, error);
  if (c.data == NULL)
    return FALSE;
  if (c.size != RNG_PAYLOAD)
    return fail_malformed (error, ck, name, "it has the wrong size");

  for (int i = 0; i < 4; i++)
    cursor_u64 (&c, &r.s[i]);

  /* xoshiro256** never leaves the all-zero state, and never enters it from another. */
  if ((r.s[0] | r.s[1] | r.s[2] | r.s[3]) == 0)
    return fail_malformed (error, ck, name, "the generator state is zero");

  *rng = r;
  return TRUE;
}

char *
ms_checkpoint_get_string (const MsCheckpoint *ck,
                          const char         *name,
                          GError            **error)
{
  const char *text;
  gsize len;

  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  text = ms_checkpoint_lookup (ck, name, MS_CHECKPOINT_TYPE_STRING, &len, error);
  if (text == NULL)
    return NULL;
  if (!g_utf8_validate_len (text, len, NULL))
    {
      fail_malformed (error, ck, name, "it is not valid text");
      return NULL;
    }
  return g_strndup (text, len);
}

GHashTable *
ms_checkpoint_get_key_values (const MsCheckpoint *ck,
                              const char         *name,
                              GError            **error)
{
  g_autoptr (GHashTable) table = NULL;
  Cursor c = { 0 };
  guint32 count;

  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  c.data = ms_checkpoint_lookup (ck, name, MS_CHECKPOINT_TYPE_KEY_VALUES, &c.size, error);
  if (c.data == NULL)
    return NULL;
  if (!cursor_u32 (&c, &count))
    {
      fail_malformed (error, ck, name, "its header is cut short");
      return NULL;
    }

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Each entry consumes at least 9 bytes, so a false count cannot loop long. */
  for (guint32 i = 0; i < count; i++)
    {
      guint32 key_len, value_len;
      const guint8 *key, *value;

      if (!cursor_u32 (&c, &key_len) || key_len == 0 || !cursor_bytes (&c, key_len, &key)
          || !cursor_u32 (&c, &value_len) || !cursor_bytes (&c, value_len, &value)
          || !g_utf8_validate_len ((const char *) key, key_len, NULL)
          || !g_utf8_validate_len ((const char *) value, value_len, NULL))
        {
          fail_malformed (error, ck, name, "an entry is invalid");
          return NULL;
        }
      if (!g_hash_table_insert (table, g_strndup ((const char *) key, key_len),
                                g_strndup ((const char *) value, value_len)))
        {
          fail_malformed (error, ck, name, "a key appears twice");
          return NULL;
        }
    }
  if (cursor_left (&c) != 0)
    {
      fail_malformed (error, ck, name, "unexpected bytes after the last entry");
      return NULL;
    }
  return g_steal_pointer (&table);
}
