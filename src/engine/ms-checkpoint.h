/* ms-checkpoint.h: a chunked binary container for checkpoints and session files
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A file is a list of named, typed sections, each with its own checksum, so that a reader can
 * say which part of a damaged file is bad and a later format can add sections that older readers
 * skip.  Writing builds the file in memory and replaces the target atomically; reading checks
 * every number in the file against the file's real size before using it, so a damaged or hostile
 * file gives a GError, never a crash or a huge allocation.
 *
 *   g_autoptr (MsCheckpointWriter) w = ms_checkpoint_writer_new ();
 *   ms_checkpoint_writer_add_params (w, "generator", gen, TRUE);
 *   ms_checkpoint_writer_add_optimizer (w, "generator.optim", &gen_opt);
 *   ms_checkpoint_writer_add_rng (w, "rng", &rng);
 *   if (!ms_checkpoint_writer_save (w, path, &error)) ...
 *
 *   g_autoptr (MsCheckpoint) ck = ms_checkpoint_load (path, &error);
 *   if (ck == NULL
 *       || !ms_checkpoint_restore_params (ck, "generator", gen, TRUE, &error)
 *       || !ms_checkpoint_restore_optimizer (ck, "generator.optim", &gen_opt, &error)) ...
 *
 * Format (version 1), every integer little-endian:
 *
 *   header   "MSCKPT\r\n" (8 bytes: the \r\n shows a text-mode transfer), u32 version,
 *            u32 number of sections
 *   section  u32 name length (1..255), name (UTF-8, no control characters), u32 type,
 *            u64 payload length, payload, u32 CRC-32 of the payload (zlib's crc32)
 *   trailer  u32 CRC-32 of everything before it
 *
 * Payloads of the built-in types (f32/f64 are IEEE 754, little-endian):
 *
 *   PARAMS      u32 flags (bit 0: m and v follow), u32 count, u64 total floats;
 *               count x { u32 name length, name, u32 ndim (1..4), ndim x u32 size };
 *               total x f32 data; with bit 0: total x f32 m, total x f32 v
 *   OPTIMIZER   u32 kind (MsOptimKind), u32 flags (bit 0 has_m, bit 1 has_v), u64 step,
 *               f64 lr, momentum, dampening, alpha, eps, beta1, beta2, weight_decay
 *   RNG         4 x u64 state
 *   STRING      UTF-8 text without NUL
 *   KEY_VALUES  u32 count; count x { u32 key length, key, u32 value length, value }, keys sorted
 *
 * Threading: a writer or a loaded checkpoint may be used from any one thread at a time; loading
 * does blocking I/O, so the UI runs it in a GTask.
 */
#pragma once

#include <glib.h>
#include "ms-optim.h"
#include "ms-params.h"
#include "ms-rng.h"

G_BEGIN_DECLS

#define MS_CHECKPOINT_ERROR (ms_checkpoint_error_quark ())

/* The format version this build writes and the newest it reads. */
#define MS_CHECKPOINT_VERSION       1
/* Larger files are refused before anything is read. */
#define MS_CHECKPOINT_MAX_FILE_SIZE (G_GUINT64_CONSTANT (1) << 32)
#define MS_CHECKPOINT_MAX_NAME      255

typedef enum
{
  MS_CHECKPOINT_ERROR_IO,              /* the file could not be opened, read or written */
  MS_CHECKPOINT_ERROR_NOT_CHECKPOINT,  /* wrong magic: some other kind of file */
  MS_CHECKPOINT_ERROR_TOO_NEW,         /* written by a newer ModeScope */
  MS_CHECKPOINT_ERROR_TOO_LARGE,       /* over MS_CHECKPOINT_MAX_FILE_SIZE */
  MS_CHECKPOINT_ERROR_TRUNCATED,       /* the file ends early */
  MS_CHECKPOINT_ERROR_CORRUPT,         /* checksum mismatch or impossible structure */
  MS_CHECKPOINT_ERROR_MISSING,         /* no such section (or no optimizer state in it) */
  MS_CHECKPOINT_ERROR_WRONG_TYPE,      /* the section holds another type */
  MS_CHECKPOINT_ERROR_INVALID,         /* a section's payload is malformed for its type */
  MS_CHECKPOINT_ERROR_MISMATCH,        /* the saved layout differs from the network's */
} MsCheckpointError;

/* Section types.  The numbers are part of the format: add new ones, never renumber. */
typedef enum
{
  MS_CHECKPOINT_TYPE_BLOB       = 1,   /* opaque bytes */
  MS_CHECKPOINT_TYPE_PARAMS     = 2,
  MS_CHECKPOINT_TYPE_OPTIMIZER  = 3,
  MS_CHECKPOINT_TYPE_RNG        = 4,
  MS_CHECKPOINT_TYPE_STRING     = 5,
  MS_CHECKPOINT_TYPE_KEY_VALUES = 6,
} MsCheckpointType;

typedef struct _MsCheckpointWriter MsCheckpointWriter;
typedef struct _MsCheckpoint       MsCheckpoint;

GQuark              ms_checkpoint_error_quark          (void);

/* Writing ------------------------------------------------------------------------------ */

/* (transfer full): free with ms_checkpoint_writer_free() */
MsCheckpointWriter *ms_checkpoint_writer_new           (void);
void                ms_checkpoint_writer_free          (MsCheckpointWriter *w);

/* Each add copies its data into the writer at once, so the source may change afterwards.
 * @name: 1 to 255 bytes of UTF-8 without control characters, unique within the file
 * (programming errors otherwise: g_critical and nothing is added). */
void                ms_checkpoint_writer_add           (MsCheckpointWriter *w,
                                                        const char         *name,
                                                        guint32             type,
                                                        gconstpointer       data,
                                                        gsize               len);
/* Names, shapes and data of every parameter; with @with_state also the m and v buffers (the
 * optimizer's moments), so that training resumes exactly. */
void                ms_checkpoint_writer_add_params    (MsCheckpointWriter *w,
                                                        const char         *name,
                                                        const MsParams     *params,
                                                        gboolean            with_state);
/* Config, step count and state flags (the moments themselves are in the params section) */
void                ms_checkpoint_writer_add_optimizer (MsCheckpointWriter *w,
                                                        const char         *name,
                                                        const MsOptimizer  *opt);
void                ms_checkpoint_writer_add_rng       (MsCheckpointWriter *w,
                                                        const char         *name,
                                                        const MsRng        *rng);
void                ms_checkpoint_writer_add_string    (MsCheckpointWriter *w,
                                                        const char         *name,
                                                        const char         *value);
/* @table maps UTF-8 strings to UTF-8 strings; written with sorted keys, so the same table
 * always gives the same bytes. */
void                ms_checkpoint_writer_add_key_values (MsCheckpointWriter *w,
                                                         const char         *name,
                                                         GHashTable         *table);

/* The whole file as it would be saved (transfer full). */
GBytes             *ms_checkpoint_writer_to_bytes      (MsCheckpointWriter *w);

/* Writes a temporary file in the same directory and renames it over @path
 * (g_file_set_contents), so @path holds either the old or the new checkpoint, never a mix.
 * MS_CHECKPOINT_ERROR_IO on failure. */
gboolean            ms_checkpoint_writer_save          (MsCheckpointWriter *w,
                                                        const char         *path,
                                                        GError            **error);

/* Reading ------------------------------------------------------------------------------ */

/* Reads and verifies the whole file (magic, version, every length, every section checksum,
 * the trailer checksum).  (transfer full): free with ms_checkpoint_free(). */
MsCheckpoint       *ms_checkpoint_load                 (const char         *path,
                                                        GError            **error);
/* The same checks on bytes in memory; keeps a reference to @bytes. */
MsCheckpoint       *ms_checkpoint_load_bytes           (GBytes             *bytes,
                                                        GError            **error);
void                ms_checkpoint_free                 (MsCheckpoint       *ck);

guint32             ms_checkpoint_get_version          (const MsCheckpoint *ck);
guint               ms_checkpoint_get_n_sections       (const MsCheckpoint *ck);
const char         *ms_checkpoint_get_section_name     (const MsCheckpoint *ck,
                                                        guint               index);
guint32             ms_checkpoint_get_section_type     (const MsCheckpoint *ck,
                                                        guint               index);
gboolean            ms_checkpoint_has_section          (const MsCheckpoint *ck,
                                                        const char         *name);

/* The payload of section @name if it has type @type, else NULL.  (transfer none): valid while
 * @ck lives; not aligned.  @len may be NULL. */
gconstpointer       ms_checkpoint_get                  (const MsCheckpoint *ck,
                                                        const char         *name,
                                                        guint32             type,
                                                        gsize              *len);
/* Same, but says why with MS_CHECKPOINT_ERROR_MISSING or _WRONG_TYPE. */
gconstpointer       ms_checkpoint_lookup               (const MsCheckpoint *ck,
                                                        const char         *name,
                                                        guint32             type,
                                                        gsize              *len,
                                                        GError            **error);

/* Copies the saved parameters into @params after checking that the layout (count, order, names,
 * shapes) matches exactly (MS_CHECKPOINT_ERROR_MISMATCH otherwise).  With @with_state the m
 * and v buffers are restored too (MS_CHECKPOINT_ERROR_MISSING when the section has none);
 * without, they are left as they are.  On any error @params is unchanged. */
gboolean            ms_checkpoint_restore_params       (const MsCheckpoint *ck,
                                                        const char         *name,
                                                        MsParams           *params,
                                                        gboolean            with_state,
                                                        GError            **error);
/* On error @opt is unchanged.  The config is validated like a user's. */
gboolean            ms_checkpoint_restore_optimizer    (const MsCheckpoint *ck,
                                                        const char         *name,
                                                        MsOptimizer        *opt,
                                                        GError            **error);
gboolean            ms_checkpoint_restore_rng          (const MsCheckpoint *ck,
                                                        const char         *name,
                                                        MsRng              *rng,
                                                        GError            **error);
/* (transfer full) */
char               *ms_checkpoint_get_string           (const MsCheckpoint *ck,
                                                        const char         *name,
                                                        GError            **error);
/* (transfer full): a new table of strings to strings */
GHashTable         *ms_checkpoint_get_key_values       (const MsCheckpoint *ck,
                                                        const char         *name,
                                                        GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsCheckpointWriter, ms_checkpoint_writer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsCheckpoint, ms_checkpoint_free)

G_END_DECLS
