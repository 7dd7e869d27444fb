/* ms-values.h: the numbers a user types, parsed and range-checked (GTK-free)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One set of rules for modescope-cli's flags and the window's entries, so that a value the
 * window refuses is refused by the CLI with the same message:
 *
 *   double lr;
 *   if (!ms_value_parse_rate (gtk_editable_get_text (entry), &lr, &error))
 *     show (error->message);   // "“abc” is not a number: enter a learning rate from …"
 *
 *   gint64 batch;
 *   if (!ms_value_parse_integer (MS_VALUE_BATCH, "64", &batch, &error)) …
 *
 * Text is read in the C locale (a decimal point, whatever LC_NUMERIC says), with spaces
 * around it allowed; "nan", "inf", "1e400" (out of double range), trailing garbage and empty
 * text are refused.  Messages are translated, quote at most 40 characters of the input (made
 * valid UTF-8, control characters replaced) and say what to type instead.  Every function is
 * safe on any input (they are fuzzed), pure and callable from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MS_VALUE_ERROR (ms_value_error_quark ())

typedef enum
{
  MS_VALUE_ERROR_INVALID,     /* not a number (or not a whole number) */
  MS_VALUE_ERROR_RANGE,       /* a number, outside the setting's range */
} MsValueError;

/* Learning rates: above this is never useful and diverges at once; below, nothing moves */
#define MS_VALUE_RATE_MIN 1e-8
#define MS_VALUE_RATE_MAX 10.0

/* Every numeric setting of a run */
typedef enum
{
  MS_VALUE_LR,
  MS_VALUE_MOMENTUM,
  MS_VALUE_BETA1,
  MS_VALUE_BETA2,
  MS_VALUE_GP_LAMBDA,
  MS_VALUE_CLIP,
  MS_VALUE_N_CRITIC,
  MS_VALUE_UNROLL,
  MS_VALUE_PACK,
  MS_VALUE_BATCH,
  MS_VALUE_ITERS,
  MS_VALUE_SEED,
  MS_VALUE_THREADS,
  MS_VALUE_EVAL_EVERY,
  MS_VALUE_EVAL_SAMPLES,
  MS_VALUE_ADAGAN_ROUNDS,
  MS_VALUE_ADAGAN_ROUND_ITERS,
  MS_VALUE_N_SETTINGS
} MsValueSetting;

typedef struct
{
  const char *key;        /* the CLI flag without "--" and the schedule key: "lr", "n-critic" */
  const char *label;      /* untranslated (N_), for people: "learning rate" */
  gboolean    integer;    /* a whole number (ms_value_parse_integer) or a real (ms_value_parse) */
  double      min, max;   /* inclusive, except where min_open / max_open */
  gboolean    min_open, max_open;
  const char *example;    /* a typical value, as typed: "2e-4" */
} MsValueRange;

GQuark              ms_value_error_quark   (void);

/* The rules of @setting (static, never NULL for a valid @setting) */
const MsValueRange *ms_value_range         (MsValueSetting  setting);
/* The setting whose key is @key ("lr", "lr-g" and "lr-d" are MS_VALUE_LR, "beta1", ...;
 * a leading "--" is skipped); FALSE when none is */
gboolean            ms_value_setting_from_key (const char     *key,
                                               MsValueSetting *out);

/* A finite number in @setting's range (a real setting; for an integer one, a whole number);
 * on failure *@out is untouched and @error says why and what to type. */
gboolean            ms_value_check         (MsValueSetting  setting,
                                            double          value,
                                            GError        **error);

/* Parses @text as @setting (either kind; an integer setting takes whole numbers only, "64",
 * not "64.5" or "6.4e1").  On failure *@out is untouched. */
gboolean            ms_value_parse         (MsValueSetting  setting,
                                            const char     *text,
                                            double         *out,
                                            GError        **error);
/* Parses @text as an integer @setting, exactly up to G_MAXINT64 (seeds).  On failure *@out
 * is untouched; a real @setting is a programming error. */
gboolean            ms_value_parse_integer (MsValueSetting  setting,
                                            const char     *text,
                                            gint64         *out,
                                            GError        **error);

/* A learning rate from MS_VALUE_RATE_MIN to MS_VALUE_RATE_MAX (ms_value_parse (MS_VALUE_LR)) */
gboolean            ms_value_parse_rate    (const char     *text,
                                            double         *out,
                                            GError        **error);
/* Generic forms: a finite real / a whole number from @min to @max; @name (already
 * translated, e.g. _("batch size")) is what the message calls the value. */
gboolean            ms_value_parse_double  (const char     *text,
                                            double          min,
                                            double          max,
                                            const char     *name,
                                            double         *out,
                                            GError        **error);
gboolean            ms_value_parse_int     (const char     *text,
                                            int             min,
                                            int             max,
                                            const char     *name,
                                            int            *out,
                                            GError        **error);

/* @text made safe to quote in a message: valid UTF-8, control characters replaced by '?',
 * at most 40 characters (then "…").  Free with g_free(). */
char               *ms_value_quote         (const char     *text);

G_END_DECLS
