/* ms-schedule.c: the --schedule parser
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written to be safe on any input (it is fuzzed): the text is bounded before anything else,
 * split into copies, and every piece quoted in a message is made valid UTF-8, stripped of
 * control characters and shortened.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "ms-gan.h"
#include "ms-optim.h"
#include "ms-quote.h"
#include "ms-schedule.h"
#include "ms-values.h"

G_DEFINE_QUARK (ms-schedule-error-quark, ms_schedule_error)

typedef enum
{
  KEY_OPTIM,
  KEY_LOSS,
  KEY_REAL,
  KEY_INT,
  KEY_BOOL,
} KeyType;

/* What a value must be: each rule has its own whole sentence in value_error() */
typedef enum
{
  RULE_NONE,
  RULE_POSITIVE,          /* > 0 */
  RULE_NON_NEGATIVE,      /* >= 0 */
  RULE_UNIT,              /* >= 0 and < 1 */
  RULE_CLOSED,            /* min to max */
  RULE_ABOVE_AT_MOST,     /* > min and <= max */
  RULE_WHOLE,             /* a whole number, min to max */
  RULE_TRUE_FALSE,
  RULE_ON_OFF,
} Rule;

static const struct
{
  const char *name;
  KeyType     type;
  double      min, max;
  gboolean    min_open, max_open;   /* min < v, v < max instead of <= */
  Rule        rule;
} keys[] = {
  { "optimizer", KEY_OPTIM, 0, 0, FALSE, FALSE, RULE_NONE },
  { "optimizer-g", KEY_OPTIM, 0, 0, FALSE, FALSE, RULE_NONE },
  { "optimizer-d", KEY_OPTIM, 0, 0, FALSE, FALSE, RULE_NONE },
  { "lr", KEY_REAL, 0, INFINITY, TRUE, TRUE, RULE_POSITIVE },
  { "lr-g", KEY_REAL, 0, INFINITY, TRUE, TRUE, RULE_POSITIVE },
  { "lr-d", KEY_REAL, 0, INFINITY, TRUE, TRUE, RULE_POSITIVE },
  { "momentum", KEY_REAL, 0, INFINITY, FALSE, TRUE, RULE_NON_NEGATIVE },
  { "beta1", KEY_REAL, 0, 1, FALSE, TRUE, RULE_UNIT },
  { "beta2", KEY_REAL, 0, 1, FALSE, TRUE, RULE_UNIT },
  { "loss", KEY_LOSS, 0, 0, FALSE, FALSE, RULE_NONE },
  { "n-critic", KEY_INT, 1, 100, FALSE, FALSE, RULE_WHOLE },
  { "gp-lambda", KEY_REAL, 0, 1000, FALSE, FALSE, RULE_CLOSED },
  { "clip", KEY_REAL, 0, 10, TRUE, FALSE, RULE_ABOVE_AT_MOST },
  { "unroll", KEY_INT, 0, MS_GAN_MAX_UNROLL, FALSE, FALSE, RULE_WHOLE },
  { "first-order-unroll", KEY_BOOL, 0, 1, FALSE, FALSE, RULE_TRUE_FALSE },
  { "batch", KEY_INT, 1, 4096, FALSE, FALSE, RULE_WHOLE },
  { "veegan", KEY_BOOL, 0, 1, FALSE, FALSE, RULE_ON_OFF },
  { "adagan-rounds", KEY_INT, 0, MS_GAN_MAX_ADAGAN_ROUNDS, FALSE, FALSE, RULE_WHOLE },
};


void
ms_schedule_entry_free (MsScheduleEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->key);
  g_free (entry->value);
  g_free (entry);
}

/* A piece of user text fit for a message: valid UTF-8, no control characters, at most 40
 * characters (then "…"): the rule of every message that quotes input (ms-quote.h) */
#define quote_text ms_quote_text

static gboolean G_GNUC_PRINTF (4, 5)
entry_error (GError    **error,
             int         index,
             const char *entry,
             const char *format,
             ...)
{
  g_autofree char *what = NULL;
  g_autofree char *shown = quote_text (entry);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  /* Translators: the last %s is one of the schedule's problems, a whole clause of its own */
  g_set_error (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
               _("schedule entry %d (“%s”): %s"), index, shown, what);
  return FALSE;
}

/* @shown: the value as quote_text() shows it */
static gboolean
value_error (GError    **error,
             int         index,
             const char *entry,
             int         k,
             const char *shown)
{
  const char *key = keys[k].name;

  switch (keys[k].rule)
    {
    case RULE_POSITIVE:
      return entry_error (error, index, entry,
                          _("value of %s must be a finite number > 0, not “%s”"), key, shown);
    case RULE_NON_NEGATIVE:
      return entry_error (error, index, entry,
                          _("value of %s must be a finite number >= 0, not “%s”"), key, shown);
    case RULE_UNIT:
      return entry_error (error, index, entry,
                          _("value of %s must be a finite number >= 0 and < 1, not “%s”"),
                          key, shown);
    case RULE_CLOSED:
      return entry_error (error, index, entry,
                          _("value of %s must be a finite number from %g to %g, not “%s”"),
                          key, keys[k].min, keys[k].max, shown);
    case RULE_ABOVE_AT_MOST:
      return entry_error (error, index, entry,
                          _("value of %s must be a finite number > %g and <= %g, not “%s”"),
                          key, keys[k].min, keys[k].max, shown);
    case RULE_WHOLE:
      return entry_error (error, index, entry,
                          _("value of %s must be a whole number from %d to %d, not “%s”"),
                          key, (int) keys[k].min, (int) keys[k].max, shown);
    case RULE_TRUE_FALSE:
      return entry_error (error, index, entry,
                          _("value of %s must be true or false, not “%s”"), key, shown);
    case RULE_ON_OFF:
      return entry_error (error, index, entry,
                          _("value of %s must be on or off, not “%s”"), key, shown);
    case RULE_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* Decimal digits only, value <= @max; FALSE when not a whole number, *too_big when it is one
 * but above @max. */
static gboolean
parse_whole (const char *s,
             gint64      max,
             gint64     *out,
             gboolean   *too_big)
{
  gint64 v = 0;

  *too_big = FALSE;
  if (*s == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    {
      int d = *p - '0';

      if (v > (max - d) / 10)
        {
          *too_big = TRUE;
          return TRUE;
        }
      v = v * 10 + d;
    }
  *out = v;
  return TRUE;
}

/* The ranges of modescope-cli's flags and the window's entries (ms-values.h): a number the
 * schedule's own rule takes but they refuse (a learning rate above 10) is refused here too,
 * in their words, so a schedule cannot set what the CLI and the window would not */
static gboolean
value_agrees (int          index,
              const char  *entry,
              int          k,
              double       v,
              GError     **error)
{
  g_autoptr(GError) local = NULL;
  MsValueSetting setting;

  if (!ms_value_setting_from_key (keys[k].name, &setting) || ms_value_check (setting, v, &local))
    return TRUE;
  return entry_error (error, index, entry, "%s", local->message);
}

static gboolean
parse_value (int          index,
             const char  *entry,
             int          k,
             const char  *value,
             double      *number,
             GError     **error)
{
  g_autofree char *shown = quote_text (value);

  switch (keys[k].type)
    {
    case KEY_OPTIM:
      {
        MsOptimKind kind;

        if (!ms_optim_kind_from_string (value, &kind, NULL))
          return entry_error (error, index, entry,
                              _("unknown optimizer “%s” (sgd, momentum, nesterov, rmsprop or "
                                "adam)"), shown);
        *number = kind;
        return TRUE;
      }
    case KEY_LOSS:
      {
        MsLossKind kind;

        if (!ms_loss_kind_from_string (value, &kind, NULL))
          return entry_error (error, index, entry,
                              _("unknown loss “%s” (nsgan, minimax, wgan-clip or wgan-gp)"),
                              shown);
        *number = kind;
        return TRUE;
      }
    case KEY_BOOL:
      if (g_ascii_strcasecmp (value, "true") == 0 || g_ascii_strcasecmp (value, "on") == 0)
        *number = 1;
      else if (g_ascii_strcasecmp (value, "false") == 0
               || g_ascii_strcasecmp (value, "off") == 0)
        *number = 0;
      else
        return value_error (error, index, entry, k, shown);
      return TRUE;
    case KEY_INT:
      {
        gint64 v = 0;
        gboolean too_big;

        if (!parse_whole (value, (gint64) keys[k].max, &v, &too_big) || too_big
            || v < (gint64) keys[k].min)
          return value_error (error, index, entry, k, shown);
        if (!value_agrees (index, entry, k, (double) v, error))
          return FALSE;
        *number = (double) v;
        return TRUE;
      }
    case KEY_REAL:
      {
        char *end = NULL;
        double v = g_ascii_strtod (value, &end);

        if (end == value || *end != '\0' || !isfinite (v)
            || (keys[k].min_open ? !(v > keys[k].min) : !(v >= keys[k].min))
            || (keys[k].max_open ? !(v < keys[k].max) : !(v <= keys[k].max)))
          return value_error (error, index, entry, k, shown);
        if (!value_agrees (index, entry, k, v, error))
          return FALSE;
        *number = v;
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
}

/* Parses one entry (already stripped, not empty) into @out. */
static gboolean
parse_entry (int          index,
             char        *entry,
             GPtrArray   *out,
             GError     **error)
{
  g_autofree char *shown_entry = g_strdup (entry);   /* before it is cut up */
  g_auto(GStrv) items = NULL;
  char *colon = strchr (entry, ':');
  char *iter_text;
  gint64 iteration = 0;
  gboolean too_big;
  gboolean seen[G_N_ELEMENTS (keys)] = { FALSE, };

  if (colon == NULL)
    return entry_error (error, index, shown_entry, _("expected ITER:key=value[,key=value...]"));
  *colon = '\0';
  iter_text = g_strstrip (entry);
  if (*iter_text == '\0')
    return entry_error (error, index, shown_entry, _("the iteration before “:” is missing"));
  if (iter_text[0] == '-' && parse_whole (iter_text + 1, G_MAXINT64, &iteration, &too_big))
    {
      g_autofree char *shown = quote_text (iter_text);
      return entry_error (error, index, shown_entry, _("iteration “%s” is negative"), shown);
    }
  if (!parse_whole (iter_text, MS_SCHEDULE_MAX_ITERATION, &iteration, &too_big))
    {
      g_autofree char *shown = quote_text (iter_text);
      return entry_error (error, index, shown_entry, _("iteration “%s” is not a whole number"),
                          shown);
    }
  if (too_big)
    {
      g_autofree char *shown = quote_text (iter_text);
      return entry_error (error, index, shown_entry, _("iteration “%s” is above %lld"),
                          shown, (long long) MS_SCHEDULE_MAX_ITERATION);
    }

  if (*g_strstrip (colon + 1) == '\0')
    return entry_error (error, index, shown_entry, _("no key=value after the iteration"));
  items = g_strsplit (colon + 1, ",", -1);
  for (int i = 0; items[i] != NULL; i++)
    {
      char *item = g_strstrip (items[i]);
      char *eq = strchr (item, '=');
      char *key, *value;
      MsScheduleEntry *e;
      double number = 0;
      int k;

      if (*item == '\0')
        return entry_error (error, index, shown_entry, _("an empty key=value (two commas?)"));
      if (eq == NULL)
        {
          g_autofree char *shown = quote_text (item);
          return entry_error (error, index, shown_entry, _("“%s” is not key=value"), shown);
        }
      *eq = '\0';
      key = g_strstrip (item);
      value = g_strstrip (eq + 1);
      if (*key == '\0')
        return entry_error (error, index, shown_entry, _("empty key before “=”"));
      for (k = 0; k < (int) G_N_ELEMENTS (keys); k++)
        if (g_ascii_strcasecmp (key, keys[k].name) == 0)
          break;
      if (k == (int) G_N_ELEMENTS (keys))
        {
          g_autofree char *shown = quote_text (key);
          return entry_error (error, index, shown_entry, _("unknown key “%s”"), shown);
        }
      if (seen[k])
        return entry_error (error, index, shown_entry, _("key %s is given twice"), keys[k].name);
      seen[k] = TRUE;
      if (*value == '\0')
        return entry_error (error, index, shown_entry, _("value of %s is missing"), keys[k].name);
      if (!parse_value (index, shown_entry, k, value, &number, error))
        return FALSE;
      e = g_new0 (MsScheduleEntry, 1);
      e->iteration = iteration;
      e->entry = index;
      e->key = g_strdup (keys[k].name);
      e->value = g_strdup (value);
      e->number = number;
      g_ptr_array_add (out, e);
    }
  return TRUE;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const MsScheduleEntry *ea = *(MsScheduleEntry * const *) a;
  const MsScheduleEntry *eb = *(MsScheduleEntry * const *) b;

  return (ea->iteration > eb->iteration) - (ea->iteration < eb->iteration);
}

gboolean
ms_schedule_parse (const char  *text,
                   GPtrArray  **out,
                   GError     **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_auto(GStrv) parts = NULL;
  gsize len;
  int n_parts;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    {
      g_set_error_literal (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
                           _("the schedule is missing"));
      return FALSE;
    }
  for (len = 0; len <= MS_SCHEDULE_MAX_TEXT && text[len] != '\0'; len++)
    ;
  if (len > MS_SCHEDULE_MAX_TEXT)
    {
      g_set_error (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
                   _("the schedule is longer than %d bytes"), MS_SCHEDULE_MAX_TEXT);
      return FALSE;
    }
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_schedule_entry_free);
  parts = g_strsplit (text, ";", -1);
  n_parts = (int) g_strv_length (parts);
  for (int i = 0; i < n_parts; i++)
    {
      char *entry = g_strstrip (parts[i]);

      if (*entry == '\0')
        {
          /* One ';' after the last entry is allowed. */
          if (i == n_parts - 1 && i > 0)
            break;
          if (n_parts == 1)
            g_set_error_literal (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
                                 _("the schedule is empty (expected "
                                   "ITER:key=value[,...][;...])"));
          else
            g_set_error (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
                         _("schedule entry %d is empty"), i + 1);
          return FALSE;
        }
      if (!parse_entry (i + 1, entry, entries, error))
        return FALSE;
    }
  if (entries->len == 0)
    {
      /* g_strsplit() gives no parts at all for "" */
      g_set_error_literal (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE,
                           _("the schedule is empty (expected ITER:key=value[,...][;...])"));
      return FALSE;
    }
  /* g_ptr_array_sort() is a stable sort (documented since GLib 2.32). */
  g_ptr_array_sort (entries, compare_entries);
  *out = g_steal_pointer (&entries);
  return TRUE;
}
