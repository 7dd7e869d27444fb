/* ms-values.c: the numbers a user types, parsed and range-checked
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written to be safe on any input (it is fuzzed): the text is copied and trimmed before it is
 * read, numbers are read only by g_ascii_strtod / g_ascii_strtoll after the characters were
 * checked, and the piece of input quoted in a message goes through ms_value_quote().
 */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#include "ms-gan.h"
#include "ms-quote.h"
#include "ms-values.h"

G_DEFINE_QUARK (ms-value-error-quark, ms_value_error)

/* Longer text is never a number we accept; refusing it early bounds the work */
#define TEXT_MAX_BYTES  256

/* The rules.  Ranges follow the engine's and the GAN's own validation (ms-optim.c, ms-gan.c),
 * narrowed where a wider value is never useful (a learning rate above 10, momentum 1 or
 * above, which never forgets a gradient and diverges), and match the window's spin buttons. */
static const MsValueRange ranges[MS_VALUE_N_SETTINGS] = {
  [MS_VALUE_LR] = { "lr", N_("learning rate"), FALSE, MS_VALUE_RATE_MIN, MS_VALUE_RATE_MAX,
                    FALSE, FALSE, "2e-4" },
  [MS_VALUE_MOMENTUM] = { "momentum", N_("momentum"), FALSE, 0, 1, FALSE, TRUE, "0.9" },
  [MS_VALUE_BETA1] = { "beta1", N_("Adam’s beta1"), FALSE, 0, 1, FALSE, TRUE, "0.5" },
  [MS_VALUE_BETA2] = { "beta2", N_("Adam’s beta2"), FALSE, 0, 1, FALSE, TRUE, "0.999" },
  [MS_VALUE_GP_LAMBDA] = { "gp-lambda", N_("gradient-penalty weight"), FALSE, 0, 1000, FALSE,
                           FALSE, "10" },
  [MS_VALUE_CLIP] = { "clip", N_("clip value"), FALSE, 0, 10, TRUE, FALSE, "0.01" },
  [MS_VALUE_N_CRITIC] = { "n-critic", N_("number of discriminator steps per generator step"),
                          TRUE, 1, 100, FALSE, FALSE, "5" },
  [MS_VALUE_UNROLL] = { "unroll", N_("number of unrolling steps"), TRUE, 0, MS_GAN_MAX_UNROLL,
                        FALSE, FALSE, "5" },
  [MS_VALUE_PACK] = { "pack", N_("pack size"), TRUE, 1, 16, FALSE, FALSE, "2" },
  [MS_VALUE_BATCH] = { "batch", N_("batch size"), TRUE, 1, 4096, FALSE, FALSE, "64" },
  [MS_VALUE_ITERS] = { "iters", N_("number of iterations"), TRUE, 0, 100000000, FALSE, FALSE,
                       "2000" },
  [MS_VALUE_SEED] = { "seed", N_("seed"), TRUE, 0, (double) G_MAXINT64, FALSE, FALSE, "1" },
  [MS_VALUE_THREADS] = { "threads", N_("number of threads"), TRUE, 1, 1024, FALSE, FALSE, "2" },
  [MS_VALUE_EVAL_EVERY] = { "eval-every", N_("evaluation interval"), TRUE, 1, 1000000, FALSE,
                            FALSE, "100" },
  [MS_VALUE_EVAL_SAMPLES] = { "eval-samples", N_("number of samples per evaluation"), TRUE, 10,
                              100000, FALSE, FALSE, "500" },
  [MS_VALUE_ADAGAN_ROUNDS] = { "adagan-rounds", N_("number of AdaGAN rounds"), TRUE, 0,
                               MS_GAN_MAX_ADAGAN_ROUNDS, FALSE, FALSE, "5" },
  [MS_VALUE_ADAGAN_ROUND_ITERS] = { "adagan-round-iters", N_("number of AdaGAN iterations per "
                                                             "round"), TRUE, 1, 10000000, FALSE,
                                    FALSE, "1000" },
};

const MsValueRange *
ms_value_range (MsValueSetting setting)
{
  g_return_val_if_fail ((int) setting >= 0 && setting < MS_VALUE_N_SETTINGS, &ranges[0]);

  return &ranges[setting];
}

gboolean
ms_value_setting_from_key (const char     *key,
                           MsValueSetting *out)
{
  if (key == NULL)
    return FALSE;
  if (g_str_has_prefix (key, "--"))
    key += 2;
  if (strcmp (key, "lr-g") == 0 || strcmp (key, "lr-d") == 0)
    key = "lr";
  for (int i = 0; i < MS_VALUE_N_SETTINGS; i++)
    if (strcmp (key, ranges[i].key) == 0)
      {
        *out = (MsValueSetting) i;
        return TRUE;
      }
  return FALSE;
}

char *
ms_value_quote (const char *text)
{
  return ms_quote_text (text);
}

/* A bound as people write it, in the C locale: 1e-08, 10, 100000000 */
static void
format_bound (char   *buf,
              gsize   len,
              double  v)
{
  if (v >= 9.2e18)
    g_snprintf (buf, len, "%" G_GINT64_FORMAT, G_MAXINT64);
  else
    g_ascii_formatd (buf, len, "%.12g", v);
}

/* "from 1e-08 to 10", translated */
static char *
describe_range (double   min,
                double   max,
                gboolean min_open,
                gboolean max_open)
{
  char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];

  format_bound (lo, sizeof lo, min);
  format_bound (hi, sizeof hi, max);
  /* Translators: the range a typed number must be in, ending "the learning rate must be a
   * number %s" (e.g. "from 1e-08 to 10"); %s are the bounds */
  if (min_open && max_open)
    return g_strdup_printf (_("above %s and below %s"), lo, hi);
  if (min_open)
    return g_strdup_printf (_("above %s and at most %s"), lo, hi);
  if (max_open)
    return g_strdup_printf (_("from %s to below %s"), lo, hi);
  return g_strdup_printf (_("from %s to %s"), lo, hi);
}

static gboolean
in_range (double   v,
          double   min,
          double   max,
          gboolean min_open,
          gboolean max_open)
{
  if (!isfinite (v))
    return FALSE;
  if (min_open ? !(v > min) : !(v >= min))
    return FALSE;
  if (max_open ? !(v < max) : !(v <= max))
    return FALSE;
  return TRUE;
}

/* Sets the error for @text (as typed) against the rules */
static gboolean
fail (GError     **error,
      MsValueError code,
      const char  *text,
      const char  *name,
      gboolean     integer,
      double       min,
      double       max,
      gboolean     min_open,
      gboolean     max_open,
      const char  *example)
{
  g_autofree char *quoted = ms_value_quote (text);
  g_autofree char *range = describe_range (min, max, min_open, max_open);
  g_autofree char *hint = NULL;

  if (example != NULL)
    /* Translators: appended to the messages below, e.g. ", such as 2e-4" */
    hint = g_strdup_printf (_(", such as %s"), example);
  /* Translators: the typed text, the setting's name ("learning rate", "batch size"), the range
   * ("from 1 to 4096") and ", such as 64" */
  if (code == MS_VALUE_ERROR_INVALID && integer)
    g_set_error (error, MS_VALUE_ERROR, code,
                 _("“%s” is not a whole number: the %s must be a whole number %s%s"),
                 quoted, name, range, hint != NULL ? hint : "");
  else if (code == MS_VALUE_ERROR_INVALID)
    g_set_error (error, MS_VALUE_ERROR, code,
                 _("“%s” is not a finite number: the %s must be a number %s%s"),
                 quoted, name, range, hint != NULL ? hint : "");
  else
    /* Translators: the setting's name, the typed text, the range and ", such as 64" */
    g_set_error (error, MS_VALUE_ERROR, code,
                 _("%s “%s” is out of range: it must be %s%s"), name, quoted, range,
                 hint != NULL ? hint : "");
  return FALSE;
}

/* @text trimmed into @buf; FALSE when it is too long to be a number */
static gboolean
trim_copy (const char *text,
           char       *buf,
           gsize       len)
{
  const char *start, *end;

  if (text == NULL)
    text = "";
  start = text;
  while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
    start++;
  end = start + strnlen (start, len);
  if ((gsize) (end - start) >= len)
    return FALSE;
  while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
    end--;
  memcpy (buf, start, end - start);
  buf[end - start] = '\0';
  return TRUE;
}

/* Reads a real: TRUE with *@out finite; *@overflow when it is a number out of double's range */
static gboolean
read_real (const char *text,
           double     *out,
           gboolean   *overflow)
{
  char buf[TEXT_MAX_BYTES];
  char *end = NULL;
  double v;

  *overflow = FALSE;
  if (!trim_copy (text, buf, sizeof buf) || buf[0] == '\0')
    return FALSE;
  /* Digits, sign, point and exponent only: no "nan", "inf", hexadecimal or locale forms */
  for (const char *p = buf; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p) && strchr ("+-.eE", *p) == NULL)
      return FALSE;
  errno = 0;
  v = g_ascii_strtod (buf, &end);
  if (end == buf || *end != '\0')
    return FALSE;
  if (errno == ERANGE || !isfinite (v))
    {
      /* 1e400 (too large) or 1e-400 (too small to tell from 0): a number, out of range */
      *overflow = TRUE;
      return FALSE;
    }
  *out = v;
  return TRUE;
}

/* Reads a whole number: TRUE with *@out; *@overflow when it is one out of gint64's range */
static gboolean
read_integer (const char *text,
              gint64     *out,
              gboolean   *overflow)
{
  char buf[TEXT_MAX_BYTES];
  const char *p;
  char *end = NULL;
  gint64 v;

  *overflow = FALSE;
  if (!trim_copy (text, buf, sizeof buf) || buf[0] == '\0')
    return FALSE;
  p = buf;
  if (*p == '+' || *p == '-')
    p++;
  if (*p == '\0')
    return FALSE;
  for (; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  errno = 0;
  v = g_ascii_strtoll (buf, &end, 10);
  if (end == buf || *end != '\0')
    return FALSE;
  if (errno == ERANGE)
    {
      *overflow = TRUE;
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
valid_setting (MsValueSetting setting)
{
  return (int) setting >= 0 && setting < MS_VALUE_N_SETTINGS;
}

gboolean
ms_value_parse_integer (MsValueSetting  setting,
                        const char     *text,
                        gint64         *out,
                        GError        **error)
{
  const MsValueRange *r;
  gboolean overflow;
  gint64 v = 0, lo, hi;

  g_return_val_if_fail (valid_setting (setting), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  r = &ranges[setting];
  g_return_val_if_fail (r->integer, FALSE);
  lo = (gint64) r->min;
  hi = r->max >= 9.2e18 ? G_MAXINT64 : (gint64) r->max;
  if (!read_integer (text, &v, &overflow))
    return fail (error, overflow ? MS_VALUE_ERROR_RANGE : MS_VALUE_ERROR_INVALID, text,
                 _(r->label), TRUE, r->min, r->max, FALSE, FALSE, r->example);
  if (v < lo || v > hi)
    return fail (error, MS_VALUE_ERROR_RANGE, text, _(r->label), TRUE, r->min, r->max, FALSE,
                 FALSE, r->example);
  *out = v;
  return TRUE;
}

gboolean
ms_value_parse (MsValueSetting  setting,
                const char     *text,
                double         *out,
                GError        **error)
{
  const MsValueRange *r;
  gboolean overflow;
  double v = 0.0;

  g_return_val_if_fail (valid_setting (setting), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  r = &ranges[setting];
  if (r->integer)
    {
      gint64 i;

      if (!ms_value_parse_integer (setting, text, &i, error))
        return FALSE;
      *out = (double) i;
      return TRUE;
    }
  if (!read_real (text, &v, &overflow))
    return fail (error, overflow ? MS_VALUE_ERROR_RANGE : MS_VALUE_ERROR_INVALID, text,
                 _(r->label), FALSE, r->min, r->max, r->min_open, r->max_open, r->example);
  if (!in_range (v, r->min, r->max, r->min_open, r->max_open))
    return fail (error, MS_VALUE_ERROR_RANGE, text, _(r->label), FALSE, r->min, r->max,
                 r->min_open, r->max_open, r->example);
  *out = v;
  return TRUE;
}

gboolean
ms_value_check (MsValueSetting  setting,
                double          value,
                GError        **error)
{
  const MsValueRange *r;
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (valid_setting (setting), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  r = &ranges[setting];
  if (in_range (value, r->min, r->max, r->min_open, r->max_open)
      && (!r->integer || value == floor (value)))
    return TRUE;
  g_ascii_formatd (text, sizeof text, "%.12g", value);
  return fail (error, isfinite (value) && (!r->integer || value == floor (value))
               ? MS_VALUE_ERROR_RANGE : MS_VALUE_ERROR_INVALID, text, _(r->label), r->integer,
               r->min, r->max, r->min_open, r->max_open, r->example);
}

gboolean
ms_value_parse_rate (const char  *text,
                     double      *out,
                     GError     **error)
{
  return ms_value_parse (MS_VALUE_LR, text, out, error);
}

gboolean
ms_value_parse_double (const char  *text,
                       double       min,
                       double       max,
                       const char  *name,
                       double      *out,
                       GError     **error)
{
  gboolean overflow;
  double v = 0.0;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_real (text, &v, &overflow))
    return fail (error, overflow ? MS_VALUE_ERROR_RANGE : MS_VALUE_ERROR_INVALID, text, name,
                 FALSE, min, max, FALSE, FALSE, NULL);
  if (!in_range (v, min, max, FALSE, FALSE))
    return fail (error, MS_VALUE_ERROR_RANGE, text, name, FALSE, min, max, FALSE, FALSE, NULL);
  *out = v;
  return TRUE;
}

gboolean
ms_value_parse_int (const char  *text,
                    int          min,
                    int          max,
                    const char  *name,
                    int         *out,
                    GError     **error)
{
  gboolean overflow;
  gint64 v = 0;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_integer (text, &v, &overflow))
    return fail (error, overflow ? MS_VALUE_ERROR_RANGE : MS_VALUE_ERROR_INVALID, text, name,
                 TRUE, min, max, FALSE, FALSE, NULL);
  if (v < min || v > max)
    return fail (error, MS_VALUE_ERROR_RANGE, text, name, TRUE, min, max, FALSE, FALSE, NULL);
  *out = (int) v;
  return TRUE;
}
