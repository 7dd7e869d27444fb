/* test-values.c: the value parsers shared by modescope-cli and the window (ms-values.h)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include "ms-values.h"

static void
assert_rate_refused (const char  *text,
                     MsValueError code,
                     const char  *words)
{
  g_autoptr(GError) error = NULL;
  double v = 123.0;

  g_assert_false (ms_value_parse_rate (text, &v, &error));
  g_assert_error (error, MS_VALUE_ERROR, (int) code);
  g_assert_cmpfloat (v, ==, 123.0);   /* untouched */
  if (strstr (error->message, words) == NULL)
    g_error ("“%s”: message “%s” lacks “%s”", text, error->message, words);
  /* every message says what to type */
  g_assert_nonnull (strstr (error->message, "such as 2e-4"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_rate (void)
{
  double v = 0.0;

  g_assert_true (ms_value_parse_rate ("2e-4", &v, NULL));
  g_assert_cmpfloat (v, ==, 2e-4);
  g_assert_true (ms_value_parse_rate ("  0.01 \n", &v, NULL));
  g_assert_cmpfloat (v, ==, 0.01);
  g_assert_true (ms_value_parse_rate ("10", &v, NULL));
  g_assert_true (ms_value_parse_rate ("1e-8", &v, NULL));

  assert_rate_refused ("abc", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("   ", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("nan", MS_VALUE_ERROR_INVALID, "“nan” is not a finite number");
  assert_rate_refused ("inf", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("-inf", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("0x10", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("1e-3x", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("0,001", MS_VALUE_ERROR_INVALID, "not a finite number");
  assert_rate_refused ("-1", MS_VALUE_ERROR_RANGE, "learning rate “-1” is out of range");
  assert_rate_refused ("0", MS_VALUE_ERROR_RANGE, "from 1e-08 to 10");
  assert_rate_refused ("100", MS_VALUE_ERROR_RANGE, "out of range");
  assert_rate_refused ("1e400", MS_VALUE_ERROR_RANGE, "out of range");
  assert_rate_refused ("1e-400", MS_VALUE_ERROR_RANGE, "out of range");
}

/* The decimal point is read whatever the locale, and the messages print one */
static void
test_locale (void)
{
  g_autoptr(GError) error = NULL;
  double v = 0.0;

  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") == NULL)
    {
      g_test_skip ("no de_DE.UTF-8 locale");
      return;
    }
  g_assert_true (ms_value_parse_rate ("0.5", &v, NULL));
  g_assert_cmpfloat (v, ==, 0.5);
  g_assert_false (ms_value_parse (MS_VALUE_BETA1, "1.5", &v, &error));
  g_assert_nonnull (strstr (error->message, "from 0 to below 1"));
  setlocale (LC_NUMERIC, "C");
}

static void
test_settings (void)
{
  static const struct
  {
    MsValueSetting setting;
    const char    *good, *bad;
    MsValueError   code;
  } cases[] = {
    { MS_VALUE_MOMENTUM, "0.9", "1", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_MOMENTUM, "0", "-0.1", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_BETA1, "0.5", "1", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_BETA2, "0.999", "nan", MS_VALUE_ERROR_INVALID },
    { MS_VALUE_GP_LAMBDA, "0", "1001", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_CLIP, "10", "0", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_N_CRITIC, "5", "0", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_N_CRITIC, "100", "2.5", MS_VALUE_ERROR_INVALID },
    { MS_VALUE_UNROLL, "0", "11", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_UNROLL, "10", "-1", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_PACK, "16", "17", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_BATCH, "4096", "4097", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_BATCH, "1", "abc", MS_VALUE_ERROR_INVALID },
    { MS_VALUE_BATCH, "+64", "6.4e1", MS_VALUE_ERROR_INVALID },
    { MS_VALUE_ITERS, "0", "100000001", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_ITERS, "100000000", "99999999999999999999999", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_SEED, "9223372036854775807", "-1", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_THREADS, "1", "0", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_EVAL_EVERY, "1", "0", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_EVAL_SAMPLES, "10", "9", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_ADAGAN_ROUNDS, "10", "11", MS_VALUE_ERROR_RANGE },
    { MS_VALUE_ADAGAN_ROUND_ITERS, "1", "0", MS_VALUE_ERROR_RANGE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const MsValueRange *r = ms_value_range (cases[i].setting);
      g_autoptr(GError) error = NULL;
      double v = -7.0;

      g_test_message ("%s: %s / %s", r->key, cases[i].good, cases[i].bad);
      g_assert_true (ms_value_parse (cases[i].setting, cases[i].good, &v, NULL));
      g_assert_true (ms_value_check (cases[i].setting, v, NULL));
      v = -7.0;
      g_assert_false (ms_value_parse (cases[i].setting, cases[i].bad, &v, &error));
      g_assert_error (error, MS_VALUE_ERROR, (int) cases[i].code);
      g_assert_cmpfloat (v, ==, -7.0);
      g_assert_nonnull (strstr (error->message, r->example));
    }

  {
    gint64 seed = 0;

    g_assert_true (ms_value_parse_integer (MS_VALUE_SEED, "9223372036854775807", &seed, NULL));
    g_assert_cmpint (seed, ==, G_MAXINT64);
  }
  g_assert_false (ms_value_check (MS_VALUE_LR, NAN, NULL));
  g_assert_false (ms_value_check (MS_VALUE_LR, INFINITY, NULL));
  g_assert_false (ms_value_check (MS_VALUE_BATCH, 2.5, NULL));
  g_assert_true (ms_value_check (MS_VALUE_BATCH, 64, NULL));
}

static void
test_keys (void)
{
  MsValueSetting s;

  g_assert_true (ms_value_setting_from_key ("--lr-g", &s));
  g_assert_cmpint (s, ==, MS_VALUE_LR);
  g_assert_true (ms_value_setting_from_key ("n-critic", &s));
  g_assert_cmpint (s, ==, MS_VALUE_N_CRITIC);
  g_assert_false (ms_value_setting_from_key ("--dataset", &s));
  g_assert_false (ms_value_setting_from_key (NULL, &s));
  for (int i = 0; i < MS_VALUE_N_SETTINGS; i++)
    {
      g_assert_true (ms_value_setting_from_key (ms_value_range (i)->key, &s));
      g_assert_cmpint (s, ==, i);
    }
}

static void
test_generic (void)
{
  g_autoptr(GError) error = NULL;
  double d = 0.0;
  int n = 0;

  g_assert_true (ms_value_parse_double ("1.5", 0, 2, "scale", &d, NULL));
  g_assert_cmpfloat (d, ==, 1.5);
  g_assert_false (ms_value_parse_double ("3", 0, 2, "scale", &d, &error));
  g_assert_nonnull (strstr (error->message, "scale “3” is out of range"));
  g_clear_error (&error);
  g_assert_true (ms_value_parse_int ("-3", -5, 5, "offset", &n, NULL));
  g_assert_cmpint (n, ==, -3);
  g_assert_false (ms_value_parse_int ("4294967296", -5, 5, "offset", &n, &error));
  g_assert_error (error, MS_VALUE_ERROR, MS_VALUE_ERROR_RANGE);
  g_assert_cmpint (n, ==, -3);
}

/* Whatever comes in, a message that is valid UTF-8, short, and free of control characters */
static void
test_hostile (void)
{
  g_autofree char *long_text = g_strnfill (100000, '7');
  const char *texts[] = { "\xff\xfe", "1\n2", "\x1b[31mred", "1e", "e5", "-", "+", ".", "1..2",
                          "--1", "1e+", long_text };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) error2 = NULL;
      double v;
      gint64 n;

      g_assert_false (ms_value_parse_rate (texts[i], &v, &error));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpuint (strlen (error->message), <, 400);
      for (const char *p = error->message; *p != '\0'; p++)
        g_assert_false (*p > 0 && *p < 0x20);
      g_assert_false (ms_value_parse_integer (MS_VALUE_BATCH, texts[i], &n, &error2));
      g_assert_true (g_utf8_validate (error2->message, -1, NULL));
      g_assert_cmpuint (strlen (error2->message), <, 400);
    }
  {
    g_autofree char *q = ms_value_quote (long_text);

    g_assert_cmpuint (g_utf8_strlen (q, -1), ==, 41);
    g_assert_true (g_str_has_suffix (q, "…"));
  }
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/values/rate", test_rate);
  g_test_add_func ("/values/locale", test_locale);
  g_test_add_func ("/values/settings", test_settings);
  g_test_add_func ("/values/keys", test_keys);
  g_test_add_func ("/values/generic", test_generic);
  g_test_add_func ("/values/hostile", test_hostile);
  return g_test_run ();
}
