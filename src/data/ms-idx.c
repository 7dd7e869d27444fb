/* ms-idx.c: IDX reader (raw or gzip) with checks before every allocation
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader goes through one small stream type that either passes raw bytes through or
 * inflates gzip members with zlib's inflate API (rather than gzread) so that it can tell a
 * corrupt stream from a cut one and refuse data after the last member.  Order of checks for a
 * pair: the labels file is read first (small, at most MS_IDX_MAX_COUNT bytes), then the images
 * header, whose count must match before the pixel buffer is allocated.
 */
#include "config.h"
#include <glib/gi18n.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <zlib.h>

#include "ms-idx.h"

#define IDX_CHUNK        (64 * 1024)
#define IDX_TYPE_UBYTE   0x08
/* A gzip file's pixel buffer starts at this size and doubles as data arrives, so a header
 * that lies about the count costs at most twice what the file really holds. */
#define IDX_FIRST_ALLOC  (1u << 20)
/* Bytes of trailing data counted before giving up and saying "more than". */
#define IDX_MAX_TRAILING (G_GUINT64_CONSTANT (64) << 20)

G_DEFINE_QUARK (ms-data-error-quark, ms_data_error)

static const char * const fashion_class_names[MS_DATASET_N_CLASSES] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* "47,040,000": counts in messages are read by people. */
static char *
fmt_count (guint64 v)
{
  char digits[32];
  int len = g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, v);
  GString *out = g_string_sized_new (len + len / 3);

  for (int i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------------------- */
/* Stream: raw bytes or inflated gzip members                                               */

typedef struct
{
  char     *display;     /* the path in UTF-8, for messages */
  FILE     *fp;          /* NULL when reading from memory */
  GBytes   *bytes;       /* the memory being read, or NULL */
  const guint8 *mem;     /* (mem_len) the data of @bytes */
  gsize     mem_len;
  gsize     mem_pos;
  gboolean  regular;     /* a regular file: file_size is meaningful */
  guint64   file_size;
  gboolean  gz;
  gboolean  z_ready;     /* inflateInit2 succeeded */
  gboolean  z_done;      /* the last gzip member ended and nothing follows */
  gboolean  cut_short;   /* the file ended inside a gzip member */
  guint64   produced;    /* bytes delivered so far (header included) */
  z_stream  zs;          /* also the input window (next_in, avail_in) in raw mode */
  guint8   *inbuf;       /* (IDX_CHUNK) */
} IdxStream;

static void
idx_set_read_error (IdxStream  *s,
                    int         errsv,
                    GError    **error)
{
  g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_IO,
               _("Cannot read %s: %s"), s->display, g_strerror (errsv));
}

/* Reads up to @len bytes of the file (or memory) as stored; *@n_out is 0 only at its end.
 * Every read of the input goes through here, so files and memory share all the checks. */
static gboolean
idx_source_read (IdxStream  *s,
                 guint8     *buf,
                 gsize       len,
                 gsize      *n_out,
                 GError    **error)
{
  size_t n;

  if (s->fp == NULL)
    {
      n = MIN (len, s->mem_len - s->mem_pos);
      if (n > 0)
        memcpy (buf, s->mem + s->mem_pos, n);
      s->mem_pos += n;
      *n_out = n;
      return TRUE;
    }
  n = fread (buf, 1, len, s->fp);
  if (n == 0 && ferror (s->fp))
    {
      idx_set_read_error (s, errno, error);
      return FALSE;
    }
  *n_out = n;
  return TRUE;
}

/* Makes at least @want (<= IDX_CHUNK) bytes of input available; fewer only at end of file. */
static gboolean
idx_fill (IdxStream  *s,
          gsize       want,
          GError    **error)
{
  if (s->zs.avail_in >= want)
    return TRUE;
  if (s->zs.avail_in > 0 && s->zs.next_in != s->inbuf)
    memmove (s->inbuf, s->zs.next_in, s->zs.avail_in);
  s->zs.next_in = s->inbuf;
  while (s->zs.avail_in < want)
    {
      gsize n;

      if (!idx_source_read (s, s->inbuf + s->zs.avail_in, IDX_CHUNK - s->zs.avail_in, &n, error))
        return FALSE;
      if (n == 0)
        break;
      s->zs.avail_in += (uInt) n;
    }
  return TRUE;
}

static void
idx_close (IdxStream *s)
{
  if (s->z_ready)
    inflateEnd (&s->zs);
  if (s->fp != NULL)
    fclose (s->fp);
  g_clear_pointer (&s->bytes, g_bytes_unref);
  g_free (s->inbuf);
  g_free (s->display);
  memset (s, 0, sizeof *s);
}

static gboolean idx_start (IdxStream  *s,
                           GError    **error);

static gboolean
idx_open (IdxStream   *s,
          const char  *path,
          GError     **error)
{
  struct stat st;

  memset (s, 0, sizeof *s);
  s->display = g_filename_display_name (path);
  s->fp = g_fopen (path, "rb");
  if (s->fp == NULL)
    {
      int errsv = errno;

      g_set_error (error, MS_DATA_ERROR,
                   errsv == ENOENT ? MS_DATA_ERROR_NOT_FOUND : MS_DATA_ERROR_IO,
                   _("Cannot open %s: %s"), s->display, g_strerror (errsv));
      return FALSE;
    }
  if (fstat (fileno (s->fp), &st) == 0)
    {
      if (S_ISDIR (st.st_mode))
        {
          g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND,
                       _("%s is a folder, not an IDX file"), s->display);
          return FALSE;
        }
      s->regular = S_ISREG (st.st_mode);
      s->file_size = s->regular ? (guint64) st.st_size : 0;
    }
  return idx_start (s, error);
}

/* The same stream over bytes in memory, which count as a regular file of their size. */
static gboolean
idx_open_bytes (IdxStream   *s,
                GBytes      *bytes,
                const char  *display,
                GError     **error)
{
  memset (s, 0, sizeof *s);
  s->display = g_strdup (display);
  s->bytes = g_bytes_ref (bytes);
  s->mem = g_bytes_get_data (bytes, &s->mem_len);
  s->regular = TRUE;
  s->file_size = s->mem_len;
  return idx_start (s, error);
}

/* Looks at the first bytes: gzip or raw */
static gboolean
idx_start (IdxStream  *s,
           GError    **error)
{
  s->inbuf = g_malloc (IDX_CHUNK);
  s->zs.next_in = s->inbuf;
  s->zs.avail_in = 0;
  if (!idx_fill (s, 2, error))
    return FALSE;
  if (s->zs.avail_in >= 2 && s->inbuf[0] == 0x1f && s->inbuf[1] == 0x8b)
    {
      /* 16 + MAX_WBITS: gzip wrapper only, so the CRC-32 and length trailer are checked. */
      if (inflateInit2 (&s->zs, 16 + MAX_WBITS) != Z_OK)
        {
          g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_IO,
                       _("Cannot decompress %s: zlib could not start (out of memory)"),
                       s->display);
          return FALSE;
        }
      s->gz = TRUE;
      s->z_ready = TRUE;
    }
  return TRUE;
}

/* Reads up to @len bytes of IDX data into @buf; *@got < @len only at the end of the data. */
static gboolean
idx_read (IdxStream  *s,
          guint8     *buf,
          gsize       len,
          gsize      *got_out,
          GError    **error)
{
  gsize got = 0;

  if (!s->gz)
    {
      gsize take = MIN ((gsize) s->zs.avail_in, len);

      memcpy (buf, s->zs.next_in, take);
      s->zs.next_in += take;
      s->zs.avail_in -= (uInt) take;
      got = take;
      while (got < len)
        {
          gsize n;

          if (!idx_source_read (s, buf + got, len - got, &n, error))
            return FALSE;
          if (n == 0)
            break;
          got += n;
        }
      s->produced += got;
      *got_out = got;
      return TRUE;
    }

  while (got < len && !s->z_done && !s->cut_short)
    {
      gsize room = MIN (len - got, (gsize) (G_MAXUINT32 / 2));
      int ret;

      if (s->zs.avail_in == 0)
        {
          if (!idx_fill (s, 1, error))
            return FALSE;
          if (s->zs.avail_in == 0)
            {
              s->cut_short = TRUE;
              break;
            }
        }
      s->zs.next_out = buf + got;
      s->zs.avail_out = (uInt) room;
      ret = inflate (&s->zs, Z_NO_FLUSH);
      got += room - s->zs.avail_out;

      if (ret == Z_STREAM_END)
        {
          /* Another member may follow (files joined with cat); anything else is not ours. */
          if (!idx_fill (s, 2, error))
            return FALSE;
          if (s->zs.avail_in == 0)
            s->z_done = TRUE;
          else if (s->zs.avail_in >= 2 && s->zs.next_in[0] == 0x1f && s->zs.next_in[1] == 0x8b)
            inflateReset (&s->zs);
          else
            {
              g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                           _("%s: unexpected data follows the end of the compressed stream; "
                             "the file is damaged: download or copy it again"),
                           s->display);
              return FALSE;
            }
        }
      else if (ret == Z_MEM_ERROR)
        {
          g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_IO,
                       _("Cannot decompress %s: out of memory"), s->display);
          return FALSE;
        }
      else if (ret != Z_OK && ret != Z_BUF_ERROR)
        {
          if (s->zs.msg != NULL)
            /* the second %s is zlib's own description, in English */
            g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                         _("%s: the compressed data is corrupt (%s); "
                           "the file is damaged: download or copy it again"),
                         s->display, s->zs.msg);
          else
            g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                         _("%s: the compressed data is corrupt; "
                           "the file is damaged: download or copy it again"), s->display);
          return FALSE;
        }
      /* Z_OK, Z_BUF_ERROR: more input is needed, which the top of the loop provides. */
    }
  s->produced += got;
  *got_out = got;
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Header and body                                                                          */

/* Each message is one whole sentence for translators: what was read (images or labels) and
 * whether the file is compressed choose the sentence, never words glued into it. */

static void
idx_set_truncated (IdxStream  *s,
                   guint64     have,
                   guint64     want,
                   gboolean    labels,
                   GError    **error)
{
  g_autofree char *h = fmt_count (have);
  g_autofree char *w = fmt_count (want);

  g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TRUNCATED,
               labels ? (s->gz ? _("%s: the file ends after %s of %s labels; the compressed "
                                   "data stops early, so the file is incomplete: download or "
                                   "copy it again")
                               : _("%s: the file ends after %s of %s labels; the file is "
                                   "incomplete: download or copy it again"))
                      : (s->gz ? _("%s: the file ends after %s of %s image bytes; the "
                                   "compressed data stops early, so the file is incomplete: "
                                   "download or copy it again")
                               : _("%s: the file ends after %s of %s image bytes; the file is "
                                   "incomplete: download or copy it again")),
               s->display, h, w);
}

static void
idx_set_trailing (IdxStream  *s,
                  guint64     extra,
                  gboolean    more_than,
                  guint64     want,
                  gboolean    labels,
                  GError    **error)
{
  g_autofree char *e = fmt_count (extra);
  g_autofree char *w = fmt_count (want);

  g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
               labels ? (more_than ? _("%s: more than %s bytes of unexpected data follow the "
                                       "%s labels that the header announces; the file is "
                                       "damaged or is not an IDX file")
                                   : _("%s: %s bytes of unexpected data follow the %s labels "
                                       "that the header announces; the file is damaged or is "
                                       "not an IDX file"))
                      : (more_than ? _("%s: more than %s bytes of unexpected data follow the "
                                       "%s image bytes that the header announces; the file is "
                                       "damaged or is not an IDX file")
                                   : _("%s: %s bytes of unexpected data follow the %s image "
                                       "bytes that the header announces; the file is damaged "
                                       "or is not an IDX file")),
               s->display, e, w);
}

static void
idx_set_bad_type (IdxStream  *s,
                  guint8      type,
                  GError    **error)
{
  switch (type)
    {
    case 0x09:
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                   _("%s stores signed-byte values (IDX type 0x09); ModeScope reads only "
                     "unsigned-byte IDX files (type 0x08), like MNIST's"), s->display);
      break;
    case 0x0b:
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                   _("%s stores 16-bit integers (IDX type 0x0B); ModeScope reads only "
                     "unsigned-byte IDX files (type 0x08), like MNIST's"), s->display);
      break;
    case 0x0c:
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                   _("%s stores 32-bit integers (IDX type 0x0C); ModeScope reads only "
                     "unsigned-byte IDX files (type 0x08), like MNIST's"), s->display);
      break;
    case 0x0d:
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                   _("%s stores floats (IDX type 0x0D); ModeScope reads only unsigned-byte "
                     "IDX files (type 0x08), like MNIST's"), s->display);
      break;
    case 0x0e:
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                   _("%s stores doubles (IDX type 0x0E); ModeScope reads only unsigned-byte "
                     "IDX files (type 0x08), like MNIST's"), s->display);
      break;
    default:
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                   _("%s has an unknown IDX data type 0x%02X; it is damaged or not an IDX "
                     "file"), s->display, type);
      break;
    }
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Reads and checks the magic and the dimensions.  @ndims is 3 (images: count, rows, cols) or
 * 1 (labels: count).  Nothing is allocated from what the header says. */
static gboolean
idx_read_header (IdxStream  *s,
                 guint       ndims,
                 guint32    *dims,
                 GError    **error)
{
  gboolean labels = ndims == 1;
  guint header_len = 4 + 4 * ndims;
  guint8 head[4 + 4 * 3];
  gsize got;

  g_assert (ndims == 1 || ndims == 3);

  if (!idx_read (s, head, header_len, &got, error))
    return FALSE;
  if (got == 0 && !s->gz)
    {
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TRUNCATED,
                   _("%s is empty; download or copy it again"), s->display);
      return FALSE;
    }
  if (got >= 2 && (head[0] != 0 || head[1] != 0))
    {
      if (head[0] == 'P' && head[1] == 'K')
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                     _("%s is a ZIP archive, not an IDX file: extract it first"), s->display);
      else if (labels)
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                     _("%s is not an IDX file: it starts with %02X %02X, where an IDX labels "
                       "file starts with 00 00 08 01"), s->display, head[0], head[1]);
      else
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                     _("%s is not an IDX file: it starts with %02X %02X, where an IDX images "
                       "file starts with 00 00 08 03"), s->display, head[0], head[1]);
      return FALSE;
    }
  if (got >= 3 && head[2] != IDX_TYPE_UBYTE)
    {
      idx_set_bad_type (s, head[2], error);
      return FALSE;
    }
  if (got >= 4 && head[3] != ndims)
    {
      if (head[3] == 3 && labels)
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_MISMATCH,
                     _("%s holds images (3 dimensions) where a labels file was expected: "
                       "are the images and labels files swapped?"), s->display);
      else if (head[3] == 1 && !labels)
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_MISMATCH,
                     _("%s holds labels (1 dimension) where an images file was expected: "
                       "are the images and labels files swapped?"), s->display);
      else if (labels)
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "%s has %u dimension; an IDX labels file has 1",
                                  "%s has %u dimensions; an IDX labels file has 1", head[3]),
                     s->display, head[3]);
      else
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                     g_dngettext (GETTEXT_PACKAGE,
                                  "%s has %u dimension; an IDX images file has 3",
                                  "%s has %u dimensions; an IDX images file has 3", head[3]),
                     s->display, head[3]);
      return FALSE;
    }
  if (got < header_len)
    {
      g_autofree char *n = fmt_count (got);

      if (s->gz)
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TRUNCATED,
                     _("%s: the file ends after %s bytes, inside the %u-byte IDX header; the "
                       "compressed data stops early, so the file is incomplete: download or "
                       "copy it again"), s->display, n, header_len);
      else
        g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TRUNCATED,
                     _("%s: the file ends after %s bytes, inside the %u-byte IDX header; the "
                       "file is incomplete: download or copy it again"),
                     s->display, n, header_len);
      return FALSE;
    }

  for (guint i = 0; i < ndims; i++)
    dims[i] = read_be32 (head + 4 + 4 * i);

  if (dims[0] == 0)
    {
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                   labels ? _("%s announces 0 labels; there is nothing to load")
                          : _("%s announces 0 images; there is nothing to load"),
                   s->display);
      return FALSE;
    }
  if (dims[0] > MS_IDX_MAX_COUNT)
    {
      g_autofree char *count = fmt_count (dims[0]);
      g_autofree char *max = fmt_count (MS_IDX_MAX_COUNT);

      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TOO_LARGE,
                   labels ? _("%s announces %s labels; ModeScope accepts at most %s (the header "
                              "is damaged, or this is not an IDX file)")
                          : _("%s announces %s images; ModeScope accepts at most %s (the header "
                              "is damaged, or this is not an IDX file)"),
                   s->display, count, max);
      return FALSE;
    }
  if (ndims == 3)
    {
      guint64 bytes;

      if (dims[1] == 0 || dims[2] == 0 || dims[1] > MS_IDX_MAX_SIDE || dims[2] > MS_IDX_MAX_SIDE)
        {
          g_autofree char *rows = fmt_count (dims[1]);
          g_autofree char *cols = fmt_count (dims[2]);

          g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TOO_LARGE,
                       _("%s announces images of %s x %s pixels; ModeScope accepts 1 to %u "
                         "pixels a side (the header is damaged, or this is not an IDX file)"),
                       s->display, rows, cols, MS_IDX_MAX_SIDE);
          return FALSE;
        }
      bytes = (guint64) dims[0] * dims[1] * dims[2];
      if (bytes > MS_IDX_MAX_BYTES)
        {
          g_autofree char *count = fmt_count (dims[0]);
          g_autofree char *total = fmt_count (bytes);

          g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TOO_LARGE,
                       _("%s announces %s images of %u x %u pixels (%s bytes); ModeScope "
                         "loads at most %u MiB of images: use a smaller file"),
                       s->display, count, dims[1], dims[2], total,
                       (guint) (MS_IDX_MAX_BYTES >> 20));
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads the @nbytes of data that a checked header announced, then makes sure nothing
 * follows.  @labels: the data counted are labels, else image bytes (for messages). */
static guint8 *
idx_read_body (IdxStream   *s,
               guint64      nbytes,
               gboolean     labels,
               GError     **error)
{
  guint64 header_len = s->produced;
  g_autofree guint8 *buf = NULL;
  guint64 got = 0;
  guint64 extra = 0;
  guint8 scratch[4096];
  gsize n;

  g_assert (nbytes <= MS_IDX_MAX_BYTES);

  if (!s->gz && s->regular)
    {
      /* A raw file's size is known: refuse a short or long one before allocating. */
      guint64 have = s->file_size > header_len ? s->file_size - header_len : 0;

      if (have < nbytes)
        {
          idx_set_truncated (s, have, nbytes, labels, error);
          return NULL;
        }
      if (have > nbytes)
        {
          idx_set_trailing (s, have - nbytes, FALSE, nbytes, labels, error);
          return NULL;
        }
      buf = g_malloc (nbytes);
      if (!idx_read (s, buf, nbytes, &n, error))
        return NULL;
      got = n;
    }
  else
    {
      guint64 cap = MIN (nbytes, IDX_FIRST_ALLOC);

      buf = g_malloc (cap);
      while (got < nbytes)
        {
          if (got == cap)
            {
              cap = MIN (cap * 2, nbytes);
              buf = g_realloc (buf, cap);
            }
          if (!idx_read (s, buf + got, cap - got, &n, error))
            return NULL;
          got += n;
          if (got < cap)
            break;
        }
    }

  if (got < nbytes)
    {
      idx_set_truncated (s, got, nbytes, labels, error);
      return NULL;
    }

  /* For gzip this also runs inflate to the end of the stream, which checks the CRC-32. */
  do
    {
      if (!idx_read (s, scratch, sizeof scratch, &n, error))
        return NULL;
      extra += n;
    }
  while (n == sizeof scratch && extra <= IDX_MAX_TRAILING);

  if (extra > 0)
    {
      idx_set_trailing (s, extra, extra > IDX_MAX_TRAILING, nbytes, labels, error);
      return NULL;
    }
  if (s->cut_short)
    {
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_TRUNCATED,
                   _("%s: the compressed data stops before the end of the gzip stream; "
                     "the file is incomplete: download or copy it again"), s->display);
      return NULL;
    }
  return g_steal_pointer (&buf);
}

/* ---------------------------------------------------------------------------------------- */
/* Datasets                                                                                 */

static char **
digit_class_names (guint n_classes)
{
  char **names = g_new0 (char *, n_classes + 1);

  for (guint i = 0; i < n_classes; i++)
    names[i] = g_strdup_printf ("%u", i);
  return names;
}

/* One file of a pair: a path, or bytes in memory with the name messages give them */
typedef struct
{
  const char *path;
  GBytes     *bytes;
  const char *display;
} IdxInput;

static gboolean
idx_open_input (IdxStream      *s,
                const IdxInput *in,
                GError        **error)
{
  if (in->bytes != NULL)
    return idx_open_bytes (s, in->bytes, in->display, error);
  return idx_open (s, in->path, error);
}

static MsDataset *
load_pair (const IdxInput  *images_in,
           const IdxInput  *labels_in,
           GError         **error)
{
  IdxStream s;
  guint32 ldims[1];
  guint32 idims[3];
  g_autofree guint8 *labels = NULL;
  g_autofree guint8 *images = NULL;
  g_autofree char *ldisp = NULL;
  MsDataset *ds;

  /* Labels first: they are small, and their count bounds the images allocation. */
  if (!idx_open_input (&s, labels_in, error) || !idx_read_header (&s, 1, ldims, error))
    {
      idx_close (&s);
      return NULL;
    }
  labels = idx_read_body (&s, ldims[0], TRUE, error);
  if (labels == NULL)
    {
      idx_close (&s);
      return NULL;
    }
  for (guint i = 0; i < ldims[0]; i++)
    {
      if (labels[i] >= MS_DATASET_N_CLASSES)
        {
          g_autofree char *index = fmt_count (i);

          g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CORRUPT,
                       _("%s: label %u at index %s is out of range 0..%u; ModeScope works with "
                         "%u classes, so this is not an MNIST-style labels file, or it is damaged"),
                       s.display, labels[i], index, MS_DATASET_N_CLASSES - 1,
                       MS_DATASET_N_CLASSES);
          idx_close (&s);
          return NULL;
        }
    }
  ldisp = g_strdup (s.display);
  idx_close (&s);

  if (!idx_open_input (&s, images_in, error) || !idx_read_header (&s, 3, idims, error))
    {
      idx_close (&s);
      return NULL;
    }
  if (idims[0] != ldims[0])
    {
      g_autofree char *ni = fmt_count (idims[0]);
      g_autofree char *nl = fmt_count (ldims[0]);

      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_MISMATCH,
                   _("%s has %s images but %s has %s labels; the two files must come from the "
                     "same split"), s.display, ni, ldisp, nl);
      idx_close (&s);
      return NULL;
    }
  images = idx_read_body (&s, (guint64) idims[0] * idims[1] * idims[2], FALSE, error);
  idx_close (&s);
  if (images == NULL)
    return NULL;

  ds = g_new0 (MsDataset, 1);
  ds->images = g_steal_pointer (&images);
  ds->labels = g_steal_pointer (&labels);
  ds->n = idims[0];
  ds->rows = idims[1];
  ds->cols = idims[2];
  ds->n_classes = MS_DATASET_N_CLASSES;
  ds->class_names = digit_class_names (ds->n_classes);
  return ds;
}

MsDataset *
ms_dataset_load_idx_pair (const char  *images_path,
                          const char  *labels_path,
                          GError     **error)
{
  MsDataset *ds;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (images_path != NULL, NULL);
  g_return_val_if_fail (labels_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ds = load_pair (&(IdxInput) { .path = images_path }, &(IdxInput) { .path = labels_path },
                  error);
  if (ds == NULL)
    return NULL;
  dir = g_path_get_dirname (images_path);
  ds->name = g_path_get_basename (dir);
  return ds;
}

MsDataset *
ms_dataset_load_idx_bytes (const char  *name,
                           GBytes      *images,
                           const char  *images_display,
                           GBytes      *labels,
                           const char  *labels_display,
                           GError     **error)
{
  MsDataset *ds;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (images != NULL && images_display != NULL, NULL);
  g_return_val_if_fail (labels != NULL && labels_display != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ds = load_pair (&(IdxInput) { .bytes = images, .display = images_display },
                  &(IdxInput) { .bytes = labels, .display = labels_display }, error);
  if (ds == NULL)
    return NULL;
  ds->name = g_strdup (name);
  return ds;
}

/* "test" is accepted for "t10k", the name people use for that split. */
static const char *
check_split (const char  *split,
             GError     **error)
{
  if (g_strcmp0 (split, "train") == 0)
    return "train";
  if (g_strcmp0 (split, "t10k") == 0 || g_strcmp0 (split, "test") == 0)
    return "t10k";
  g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_INVALID,
               _("Unknown dataset split “%s”: use “train” or “t10k”"), split);
  return NULL;
}

/* Returns the first existing file "<split>-<kind>..." in @dir, or NULL. */
static char *
find_idx_file (const char *dir,
               const char *split,
               const char *kind)   /* "images" or "labels" */
{
  const char *ext = g_str_equal (kind, "images") ? "idx3" : "idx1";
  const char *seps[] = { "-", "." };
  const char *suffixes[] = { ".gz", "" };

  for (guint i = 0; i < G_N_ELEMENTS (seps); i++)
    for (guint j = 0; j < G_N_ELEMENTS (suffixes); j++)
      {
        g_autofree char *base = g_strdup_printf ("%s-%s%s%s-ubyte%s",
                                                 split, kind, seps[i], ext, suffixes[j]);
        g_autofree char *path = g_build_filename (dir, base, NULL);

        if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
          return g_steal_pointer (&path);
      }
  return NULL;
}

MsDataset *
ms_dataset_load_folder (const char  *dir,
                        const char  *split,
                        GError     **error)
{
  g_autofree char *disp = NULL;
  g_autofree char *images = NULL;
  g_autofree char *labels = NULL;
  MsDataset *ds;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  split = check_split (split, error);
  if (split == NULL)
    return NULL;
  disp = g_filename_display_name (dir);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND,
                   _("The folder %s does not exist"), disp);
      return NULL;
    }
  images = find_idx_file (dir, split, "images");
  labels = find_idx_file (dir, split, "labels");
  if (images == NULL || labels == NULL)
    {
      /* e.g. "train-images-idx3-ubyte": a file name, not words to translate */
      g_autofree char *expected = images == NULL
                                  ? g_strdup_printf ("%s-images-idx3-ubyte", split)
                                  : g_strdup_printf ("%s-labels-idx1-ubyte", split);

      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND,
                   images == NULL ? _("No images file in %s: expected %s or %s.gz")
                                  : _("No labels file in %s: expected %s or %s.gz"),
                   disp, expected, expected);
      return NULL;
    }

  ds = load_pair (&(IdxInput) { .path = images }, &(IdxInput) { .path = labels }, error);
  if (ds == NULL)
    return NULL;
  ds->name = g_path_get_basename (dir);
  ds->split = g_strdup (split);
  return ds;
}

/* ---------------------------------------------------------------------------------------- */
/* The shipped MNIST, checked against SHA256SUMS                                            */

static char *
sha256_file (const char  *path,
             GError     **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (IDX_CHUNK);
  FILE *fp = g_fopen (path, "rb");
  size_t n;

  if (fp == NULL)
    {
      int errsv = errno;
      g_autofree char *disp = g_filename_display_name (path);

      g_set_error (error, MS_DATA_ERROR,
                   errsv == ENOENT ? MS_DATA_ERROR_NOT_FOUND : MS_DATA_ERROR_IO,
                   _("Cannot open %s: %s"), disp, g_strerror (errsv));
      return NULL;
    }
  while ((n = fread (buf, 1, IDX_CHUNK, fp)) > 0)
    g_checksum_update (sum, buf, n);
  if (ferror (fp))
    {
      int errsv = errno;
      g_autofree char *disp = g_filename_display_name (path);

      fclose (fp);
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_IO,
                   _("Cannot read %s: %s"), disp, g_strerror (errsv));
      return NULL;
    }
  fclose (fp);
  return g_strdup (g_checksum_get_string (sum));
}

/* Finds @name's checksum in the text of a SHA256SUMS file ("<hex>  <name>" or "<hex> *<name>"). */
static char *
sums_lookup (const char *sums,
             const char *name)
{
  g_auto(GStrv) lines = g_strsplit (sums, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      const char *file;

      if (strlen (line) < 66 || !g_ascii_isspace (line[64]))
        continue;
      file = line + 64;
      while (g_ascii_isspace (*file))
        file++;
      if (*file == '*')
        file++;
      if (g_str_equal (file, name))
        return g_ascii_strdown (line, 64);
    }
  return NULL;
}

static gboolean
verify_sha256 (const char  *dir,
               const char  *sums,
               const char  *sums_path,
               const char  *name,
               GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *disp = g_filename_display_name (path);
  g_autofree char *sums_disp = g_filename_display_name (sums_path);
  g_autofree char *expected = sums_lookup (sums, name);
  g_autofree char *actual = NULL;

  if (expected == NULL)
    {
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CHECKSUM,
                   _("%s has no checksum for %s; reinstall ModeScope to restore its MNIST copy"),
                   sums_disp, name);
      return FALSE;
    }
  actual = sha256_file (path, error);
  if (actual == NULL)
    return FALSE;
  if (!g_str_equal (actual, expected))
    {
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_CHECKSUM,
                   _("%s is damaged: its SHA-256 is %s but %s lists %s; reinstall ModeScope "
                     "to restore its MNIST copy, or open an IDX folder instead"),
                   disp, actual, sums_disp, expected);
      return FALSE;
    }
  return TRUE;
}

MsDataset *
ms_dataset_load_mnist (const char  *split,
                       GError     **error)
{
  const char *env = g_getenv ("MODESCOPE_DATADIR");
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *images = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *sums_path = NULL;
  g_autofree char *sums = NULL;
  g_autoptr(GError) local = NULL;
  const char *dir = NULL;
  MsDataset *ds;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  split = check_split (split, error);
  if (split == NULL)
    return NULL;

  if (env != NULL && *env != '\0')
    g_ptr_array_add (dirs, g_build_filename (env, "mnist", NULL));
  g_ptr_array_add (dirs, g_build_filename (PKGDATADIR, "mnist", NULL));
  g_ptr_array_add (dirs, g_build_filename (SOURCE_DATADIR, "mnist", NULL));

  images = g_strdup_printf ("%s-images-idx3-ubyte.gz", split);
  labels = g_strdup_printf ("%s-labels-idx1-ubyte.gz", split);
  for (guint i = 0; i < dirs->len && dir == NULL; i++)
    {
      g_autofree char *ip = g_build_filename (dirs->pdata[i], images, NULL);
      g_autofree char *lp = g_build_filename (dirs->pdata[i], labels, NULL);

      if (g_file_test (ip, G_FILE_TEST_IS_REGULAR) && g_file_test (lp, G_FILE_TEST_IS_REGULAR))
        dir = dirs->pdata[i];
    }
  if (dir == NULL)
    {
      g_autoptr(GString) where = g_string_new (NULL);

      for (guint i = 0; i < dirs->len; i++)
        {
          g_autofree char *d = g_filename_display_name (dirs->pdata[i]);

          g_string_append_printf (where, "%s%s", i > 0 ? ", " : "", d);
        }
      g_set_error (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND,
                   _("The MNIST copy that ships with ModeScope was not found (looked for %s in "
                     "%s); reinstall ModeScope, or open an IDX folder instead"),
                   images, where->str);
      return NULL;
    }

  sums_path = g_build_filename (dir, "SHA256SUMS", NULL);
  if (!g_file_get_contents (sums_path, &sums, NULL, &local))
    {
      g_set_error (error, MS_DATA_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? MS_DATA_ERROR_NOT_FOUND : MS_DATA_ERROR_IO,
                   _("Cannot check the MNIST files: %s; reinstall ModeScope to restore them"),
                   local->message);
      return NULL;
    }
  if (!verify_sha256 (dir, sums, sums_path, images, error)
      || !verify_sha256 (dir, sums, sums_path, labels, error))
    return NULL;

  {
    g_autofree char *ip = g_build_filename (dir, images, NULL);
    g_autofree char *lp = g_build_filename (dir, labels, NULL);

    ds = load_pair (&(IdxInput) { .path = ip }, &(IdxInput) { .path = lp }, error);
  }
  if (ds == NULL)
    return NULL;
  ds->name = g_strdup ("MNIST");
  ds->split = g_strdup (split);
  return ds;
}

/* ---------------------------------------------------------------------------------------- */
/* Fashion-MNIST from Debian's dataset-fashion-mnist                                        */

MsDataset *
ms_dataset_load_fashion_mnist (const char  *split,
                               GError     **error)
{
  static const char * const subdirs[] = {
    "dataset-fashion-mnist", "datasets/fashion-mnist", "fashion-mnist",
  };
  static const char * const nested[] = { "", "data/fashion", "fashion", "data" };
  const char *env = g_getenv ("MODESCOPE_FASHION_MNIST_DIR");
  const char * const *sysdirs = g_get_system_data_dirs ();
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  MsDataset *ds = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  split = check_split (split, error);
  if (split == NULL)
    return NULL;

  if (env != NULL && *env != '\0')
    {
      /* An explicit folder is the only place looked at, so a wrong one is reported. */
      ds = ms_dataset_load_folder (env, split, error);
      if (ds == NULL)
        {
          g_prefix_error (error, "MODESCOPE_FASHION_MNIST_DIR: ");
          return NULL;
        }
    }
  else
    {
      g_ptr_array_add (candidates, g_strdup ("/usr/share"));
      for (guint i = 0; sysdirs[i] != NULL; i++)
        if (!g_str_equal (sysdirs[i], "/usr/share") && !g_str_equal (sysdirs[i], "/usr/share/"))
          g_ptr_array_add (candidates, g_strdup (sysdirs[i]));

      for (guint i = 0; i < candidates->len && ds == NULL; i++)
        for (guint j = 0; j < G_N_ELEMENTS (subdirs) && ds == NULL; j++)
          for (guint k = 0; k < G_N_ELEMENTS (nested) && ds == NULL; k++)
            {
              g_autofree char *dir = g_build_filename (candidates->pdata[i], subdirs[j],
                                                       nested[k], NULL);
              g_autofree char *images = find_idx_file (dir, split, "images");

              if (images == NULL)
                continue;
              ds = ms_dataset_load_folder (dir, split, error);
              if (ds == NULL)
                return NULL;   /* found but unreadable: say why, do not hide it */
            }
      if (ds == NULL)
        {
          g_set_error_literal (error, MS_DATA_ERROR, MS_DATA_ERROR_NOT_FOUND,
                               _("Fashion-MNIST is not installed: apt install "
                                 "dataset-fashion-mnist, or open an IDX folder"));
          return NULL;
        }
    }

  g_free (ds->name);
  ds->name = g_strdup ("Fashion-MNIST");
  g_strfreev (ds->class_names);
  ds->class_names = g_new0 (char *, MS_DATASET_N_CLASSES + 1);
  for (guint i = 0; i < MS_DATASET_N_CLASSES; i++)
    ds->class_names[i] = g_strdup (fashion_class_names[i]);
  return ds;
}

/* ---------------------------------------------------------------------------------------- */
/* Access                                                                                   */

void
ms_dataset_free (MsDataset *ds)
{
  if (ds == NULL)
    return;
  g_free (ds->name);
  g_free (ds->split);
  g_free (ds->images);
  g_free (ds->labels);
  g_strfreev (ds->class_names);
  g_free (ds);
}

const char *
ms_dataset_class_name (const MsDataset *ds,
                       guint            label)
{
  g_return_val_if_fail (ds != NULL, "?");

  if (label >= ds->n_classes || ds->class_names == NULL)
    return "?";
  return ds->class_names[label];
}

void
ms_dataset_class_counts (const MsDataset *ds,
                         guint           *counts)
{
  g_return_if_fail (ds != NULL);
  g_return_if_fail (counts != NULL);

  memset (counts, 0, ds->n_classes * sizeof *counts);
  for (guint i = 0; i < ds->n; i++)
    if (ds->labels[i] < ds->n_classes)
      counts[ds->labels[i]]++;
}

static inline void
bytes_to_float (const guint8 *src,
                gsize         n,
                float        *dst,
                gboolean      scale_m1_1)
{
  if (scale_m1_1)
    for (gsize i = 0; i < n; i++)
      dst[i] = (float) src[i] / 127.5f - 1.0f;
  else
    for (gsize i = 0; i < n; i++)
      dst[i] = (float) src[i] / 255.0f;
}

void
ms_dataset_sample_batch (const MsDataset *ds,
                         MsRng           *rng,
                         int              batch,
                         float           *out_images,
                         guint8          *out_labels)
{
  gsize px;

  g_return_if_fail (ds != NULL && ds->n > 0);
  g_return_if_fail (rng != NULL);
  g_return_if_fail (batch >= 0);
  g_return_if_fail (out_images != NULL || batch == 0);

  px = (gsize) ds->rows * ds->cols;
  for (int b = 0; b < batch; b++)
    {
      guint32 idx = ms_rng_below (rng, ds->n);

      bytes_to_float (ds->images + idx * px, px, out_images + b * px, TRUE);
      if (out_labels != NULL)
        out_labels[b] = ds->labels[idx];
    }
}

void
ms_dataset_get_images_float (const MsDataset *ds,
                             guint            start,
                             guint            count,
                             float           *out,
                             gboolean         scale_m1_1)
{
  gsize px;

  g_return_if_fail (ds != NULL);
  g_return_if_fail (start <= ds->n && count <= ds->n - start);
  g_return_if_fail (out != NULL || count == 0);

  px = (gsize) ds->rows * ds->cols;
  bytes_to_float (ds->images + (gsize) start * px, (gsize) count * px, out, scale_m1_1);
}
