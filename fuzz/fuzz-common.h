/* fuzz-common.h: what the fuzz targets share
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each fuzz-<name>.c defines LLVMFuzzerTestOneInput().  Built with -Dfuzzing=true it is linked
 * with libFuzzer; otherwise with fuzz-replay.c, which runs it on every committed input (tests
 * "fuzz-<name>").  The helpers are static inline so every target stays one translation unit.
 */
#pragma once

#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* A critical or a warning on any input is a finding: GLib reports them for programming
 * errors (a g_return_if_fail that file content reached), so they abort the run. */
static inline void
fuzz_init_once (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

static inline guint32
fuzz_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline guint64
fuzz_le64 (const guint8 *p)
{
  return (guint64) fuzz_le32 (p) | ((guint64) fuzz_le32 (p + 4) << 32);
}

static inline void
fuzz_put_le32 (guint8  *p,
               guint32  v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

#define FUZZ_CKPT_MAGIC "MSCKPT\r\n"

/* Rewrites, in place, every section CRC and the trailer CRC of an ms-checkpoint container
 * (and of containers nested in its sections, as session files nest snapshots), wherever the
 * structure is intact enough to find them.  Without this nearly every mutation would stop at
 * the first checksum and the parsers behind it would never be reached.  It is deterministic,
 * so an input replays the same in the fuzzing and the normal build.  @depth bounds the
 * recursion. */
static inline void
fuzz_fix_checkpoint_crcs (guint8 *buf,
                          gsize   len,
                          int     depth)
{
  gsize p = 16;
  guint32 n;

  if (depth > 4 || len < 16 || memcmp (buf, FUZZ_CKPT_MAGIC, 8) != 0)
    return;
  n = fuzz_le32 (buf + 12);
  for (guint32 i = 0; i < n; i++)
    {
      guint32 name_len;
      guint64 pay_len;
      gsize pay;

      if (len - p < 4)
        return;
      name_len = fuzz_le32 (buf + p);
      p += 4;
      if (len - p < (guint64) name_len + 12)
        return;
      p += name_len + 4;
      pay_len = fuzz_le64 (buf + p);
      p += 8;
      if (len - p < pay_len || len - p - pay_len < 4)
        return;
      pay = p;
      fuzz_fix_checkpoint_crcs (buf + pay, pay_len, depth + 1);
      p += pay_len;
      fuzz_put_le32 (buf + p, (guint32) crc32 (0L, buf + pay, (uInt) pay_len));
      p += 4;
    }
  if (len - p >= 4)
    fuzz_put_le32 (buf + p, (guint32) crc32 (0L, buf, (uInt) p));
}

/* (transfer full) a copy of the input with its checkpoint CRCs made right */
static inline GBytes *
fuzz_checkpoint_bytes (const uint8_t *data,
                       size_t         size)
{
  guint8 *copy = g_memdup2 (data, MAX (size, 1));

  fuzz_fix_checkpoint_crcs (copy, size, 0);
  return g_bytes_new_take (copy, size);
}
