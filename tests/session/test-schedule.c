/* test-schedule.c: the --schedule parser (ms-schedule.h)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ms-gan.h"
#include "ms-optim.h"
#include "ms-schedule.h"
#include "ms-values.h"

static GPtrArray *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *out = NULL;

  if (!ms_schedule_parse (text, &out, &error))
    g_error ("“%s” should parse: %s", text, error->message);
  g_assert_nonnull (out);
  return out;
}

static MsScheduleEntry *
entry (GPtrArray *a,
       guint      i)
{
  g_assert_cmpuint (i, <, a->len);
  return g_ptr_array_index (a, i);
}

static void
test_example (void)
{
  g_autoptr(GPtrArray) a = parse_ok ("2000:optimizer=rmsprop,lr=1e-3;4000:loss=wgan-gp");

  g_assert_cmpuint (a->len, ==, 3);
  g_assert_cmpint (entry (a, 0)->iteration, ==, 2000);
  g_assert_cmpstr (entry (a, 0)->key, ==, "optimizer");
  g_assert_cmpstr (entry (a, 0)->value, ==, "rmsprop");
  g_assert_cmpfloat (entry (a, 0)->number, ==, MS_OPTIM_RMSPROP);
  g_assert_cmpstr (entry (a, 1)->key, ==, "lr");
  g_assert_cmpfloat_with_epsilon (entry (a, 1)->number, 1e-3, 1e-15);
  g_assert_cmpint (entry (a, 2)->iteration, ==, 4000);
  g_assert_cmpstr (entry (a, 2)->key, ==, "loss");
  g_assert_cmpfloat (entry (a, 2)->number, ==, MS_LOSS_WGAN_GP);
}

/* VEEGAN and AdaGAN keys; each entry knows which ITER:... group it was written in */
static void
test_remedy_keys (void)
{
  g_autoptr(GPtrArray) a = parse_ok ("500:veegan=on,adagan-rounds=3;100:loss=wgan-gp,n-critic=2;"
                                     "100:veegan=OFF");

  g_assert_cmpuint (a->len, ==, 5);
  g_assert_cmpstr (entry (a, 0)->key, ==, "loss");
  g_assert_cmpint (entry (a, 0)->entry, ==, 2);
  g_assert_cmpint (entry (a, 1)->entry, ==, 2);
  g_assert_cmpstr (entry (a, 2)->key, ==, "veegan");
  g_assert_cmpfloat (entry (a, 2)->number, ==, 0);
  g_assert_cmpint (entry (a, 2)->entry, ==, 3);
  g_assert_cmpstr (entry (a, 3)->key, ==, "veegan");
  g_assert_cmpfloat (entry (a, 3)->number, ==, 1);
  g_assert_cmpint (entry (a, 3)->entry, ==, 1);
  g_assert_cmpstr (entry (a, 4)->key, ==, "adagan-rounds");
  g_assert_cmpfloat (entry (a, 4)->number, ==, 3);
  {
    g_autoptr(GError) error = NULL;
    GPtrArray *out = NULL;

    g_assert_false (ms_schedule_parse ("10:adagan-rounds=11", &out, &error));
    g_assert_nonnull (strstr (error->message, "from 0 to 10"));
    g_clear_error (&error);
    g_assert_false (ms_schedule_parse ("10:veegan=maybe", &out, &error));
    g_assert_nonnull (strstr (error->message, "on or off"));
    g_assert_null (out);
  }
}

static void
test_sorted_stable (void)
{
  g_autoptr(GPtrArray) a = parse_ok ("300:lr=0.1; 100:batch=32 ,n-critic=2;300:lr-g=0.2;0:unroll=3;"
                                     "100:clip=0.05;");

  g_assert_cmpuint (a->len, ==, 6);
  g_assert_cmpint (entry (a, 0)->iteration, ==, 0);
  g_assert_cmpstr (entry (a, 0)->key, ==, "unroll");
  g_assert_cmpfloat (entry (a, 0)->number, ==, 3);
  g_assert_cmpstr (entry (a, 1)->key, ==, "batch");
  g_assert_cmpfloat (entry (a, 1)->number, ==, 32);
  g_assert_cmpstr (entry (a, 2)->key, ==, "n-critic");
  g_assert_cmpstr (entry (a, 3)->key, ==, "clip");
  g_assert_cmpint (entry (a, 3)->iteration, ==, 100);
  g_assert_cmpstr (entry (a, 4)->key, ==, "lr");
  g_assert_cmpstr (entry (a, 5)->key, ==, "lr-g");
  g_assert_cmpint (entry (a, 5)->iteration, ==, 300);
}

static void
test_all_keys (void)
{
  g_autoptr(GPtrArray) a = parse_ok (
    "1:optimizer=ADAM,optimizer-g=sgd,optimizer-d=nesterov,lr=1,lr-g=2e-4,lr-d=0.5,momentum=0,"
    "beta1=0,beta2=0.999,loss=minimax,n-critic=100,gp-lambda=0,clip=10,unroll=10,"
    "first-order-unroll=true,batch=4096;100000000:first-order-unroll=FALSE,LR=3");

  g_assert_cmpuint (a->len, ==, 18);
  g_assert_cmpfloat (entry (a, 0)->number, ==, MS_OPTIM_ADAM);
  g_assert_cmpstr (entry (a, 0)->value, ==, "ADAM");
  g_assert_cmpfloat (entry (a, 1)->number, ==, MS_OPTIM_SGD);
  g_assert_cmpfloat (entry (a, 2)->number, ==, MS_OPTIM_NESTEROV);
  g_assert_cmpfloat (entry (a, 9)->number, ==, MS_LOSS_MINIMAX);
  g_assert_cmpfloat (entry (a, 14)->number, ==, 1);
  g_assert_cmpfloat (entry (a, 15)->number, ==, 4096);
  g_assert_cmpint (entry (a, 16)->iteration, ==, 100000000);
  g_assert_cmpfloat (entry (a, 16)->number, ==, 0);
  g_assert_cmpstr (entry (a, 17)->key, ==, "lr");
}

static const struct
{
  const char *text;
  const char *message;   /* a part of the error message */
} invalid[] = {
  { "", "empty" },
  { "   ", "empty" },
  { ";", "entry 1 is empty" },
  { "100:lr=1;;200:lr=2", "entry 2 is empty" },
  { "100", "expected ITER:key=value" },
  { ":lr=1", "iteration before" },
  { "x:lr=1", "iteration “x” is not a whole number" },
  { "1.5:lr=1", "not a whole number" },
  { "-5:lr=1", "iteration “-5” is negative" },
  { "100000001:lr=1", "above 100000000" },
  { "99999999999999999999999999:lr=1", "above 100000000" },
  { "100:", "no key=value" },
  { "100:lr=1,,batch=2", "empty key=value" },
  { "100:lr", "“lr” is not key=value" },
  { "100:=1", "empty key" },
  { "100:lrr=1", "unknown key “lrr”" },
  { "100:lr=1,lr=2", "lr is given twice" },
  { "100:lr=", "value of lr is missing" },
  { "100:lr=0", "value of lr must be a finite number > 0" },
  { "100:lr=-1e-3", "value of lr must be a finite number > 0" },
  { "100:lr=nan", "value of lr must be a finite number > 0" },
  { "100:lr-g=inf", "value of lr-g must be" },
  { "100:lr-d=1e999", "value of lr-d must be" },
  { "100:lr=1x", "value of lr must be" },
  { "100:momentum=-0.1", "value of momentum must be a finite number >= 0" },
  { "100:beta1=1", "value of beta1 must be" },
  { "100:beta2=1.5", "value of beta2" },
  { "100:n-critic=0", "value of n-critic must be a whole number from 1 to 100" },
  { "100:n-critic=2.5", "value of n-critic" },
  { "100:unroll=11", "value of unroll" },
  { "100:batch=99999999999999999999", "value of batch" },
  { "100:gp-lambda=1001", "value of gp-lambda" },
  { "100:clip=0", "value of clip" },
  { "100:first-order-unroll=maybe", "value of first-order-unroll must be true or false" },
  { "1000:lr=1;4000:loss=wgan", "schedule entry 2 (“4000:loss=wgan”): unknown loss “wgan”" },
  { "1000:optimizer=adamw", "unknown optimizer “adamw”" },
  { "1:lr=1;2:lr=1;3:lrr=1", "schedule entry 3 (" },
  /* The CLI's and the window's ranges (ms-values.h), in their words */
  { "100:lr=11", "learning rate “11” is out of range" },
  { "100:lr-g=10.5", "learning rate “10.5” is out of range" },
  { "100:lr-d=1e-9", "learning rate “1e-09” is out of range" },
  { "100:momentum=1", "momentum “1” is out of range" },
};

static void
test_invalid (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      GPtrArray *out = (GPtrArray *) &invalid;   /* must stay untouched */

      g_test_message ("%s", invalid[i].text);
      g_assert_false (ms_schedule_parse (invalid[i].text, &out, &error));
      g_assert_error (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE);
      g_assert_true (out == (GPtrArray *) &invalid);
      if (strstr (error->message, invalid[i].message) == NULL)
        g_error ("“%s”: message “%s” lacks “%s”", invalid[i].text, error->message,
                 invalid[i].message);
    }
}

static void
test_overlong (void)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *out = NULL;
  GString *s = g_string_new (NULL);

  while (s->len <= MS_SCHEDULE_MAX_TEXT)
    g_string_append (s, "1:lr=1;");
  g_assert_false (ms_schedule_parse (s->str, &out, &error));
  g_assert_error (error, MS_SCHEDULE_ERROR, MS_SCHEDULE_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "longer than"));
  g_assert_null (out);
  g_string_free (s, TRUE);
}

static void
test_quoting (void)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *out = NULL;
  /* invalid UTF-8 and control characters are not copied into the message; long text is cut */
  const char *text = "5:\xff\xfe\x01key\n=1";
  g_autofree char *long_key = g_strdup_printf ("5:%s=1", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                                               "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");

  g_assert_false (ms_schedule_parse (text, &out, &error));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strchr (error->message, '\x01'));
  g_clear_error (&error);
  g_assert_false (ms_schedule_parse (long_key, &out, &error));
  g_assert_nonnull (strstr (error->message, "…"));
  g_assert_cmpuint (strlen (error->message), <, 250);
  g_assert_null (out);
}

static void
test_random_bytes (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261123);
  /* Bytes from the schedule's own alphabet most of the time, so that many strings get deep
   * into the parser, and any byte otherwise. */
  static const char alphabet[] = "0123456789:;,=.-+e lrgdoptimzbacsvhnkfux\t\xe2\x80\x9c";
  guint n_ok = 0;

  for (int i = 0; i < 10000; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) out = NULL;
      int len = g_rand_int_range (rand, 0, 80);
      char *s = g_malloc (len + 1);
      gboolean ok;

      if (i % 2 == 0)
        {
          for (int j = 0; j < len; j++)
            {
              if (g_rand_int_range (rand, 0, 4) == 0)
                s[j] = (char) g_rand_int_range (rand, 1, 256);
              else
                s[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
            }
          s[len] = '\0';
        }
      else
        {
          /* Tokens of the syntax in random order, mostly in a plausible one */
          static const char *const tokens[] = {
            "100", "0", "-3", "100000000", "100000001", "x", ":", ":", "=", "=", ",", ";",
            "lr", "lr-g", "batch", "loss", "optimizer", "first-order-unroll", "n-critic", "clip",
            "1e-3", "32", "wgan-gp", "adam", "true", "nan", "inf", " ", "\xff", "\xe2\x80",
          };
          GString *t = g_string_new (NULL);
          int n_tok = g_rand_int_range (rand, 0, 16);

          for (int j = 0; j < n_tok; j++)
            {
              static const char *const shape[] = { "100", ":", "lr", "=", "1e-3", ";" };

              if (g_rand_int_range (rand, 0, 3) == 0)
                g_string_append (t, tokens[g_rand_int_range (rand, 0, G_N_ELEMENTS (tokens))]);
              else if (j % 6 == 2)
                g_string_append (t, tokens[g_rand_int_range (rand, 12, 20)]);
              else if (j % 6 == 4)
                g_string_append (t, tokens[g_rand_int_range (rand, 20, 26)]);
              else
                g_string_append (t, shape[j % 6]);
            }
          g_free (s);
          s = g_string_free (t, FALSE);
        }
      ok = ms_schedule_parse (s, &out, &error);
      g_assert_true (ok == (out != NULL));
      g_assert_true (ok == (error == NULL));
      if (ok)
        {
          n_ok++;
          for (guint k = 1; k < out->len; k++)
            g_assert_cmpint (entry (out, k - 1)->iteration, <=, entry (out, k)->iteration);
        }
      else
        g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_free (s);
    }
  g_test_message ("%u of 10000 random strings parsed", n_ok);
}

/* Mutations of a valid schedule reach every branch far more often than random bytes. */
static void
test_mutations (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  const char *base = "2000:optimizer=rmsprop,lr=1e-3;4000:loss=wgan-gp,n-critic=5;0:batch=32";

  for (int i = 0; i < 10000; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) out = NULL;
      g_autofree char *s = g_strdup (base);
      gsize len = strlen (s);
      int n = g_rand_int_range (rand, 1, 4);

      for (int m = 0; m < n; m++)
        s[g_rand_int_range (rand, 0, (gint32) len)] = (char) g_rand_int_range (rand, 1, 256);
      if (ms_schedule_parse (s, &out, &error))
        g_assert_nonnull (out);
      else
        g_assert_nonnull (error);
    }
}

/* Every numeric key takes exactly the values ms_value_check() takes for its setting, the
 * CLI's flags and the window's entries: none is wider */
static void
test_value_ranges_agree (void)
{
  static const char *numeric[] = { "lr", "lr-g", "lr-d", "momentum", "beta1", "beta2",
                                   "n-critic", "gp-lambda", "clip", "unroll", "batch",
                                   "adagan-rounds" };
  static const double values[] = { -1, 0, 1e-9, 1e-8, 0.01, 0.5, 0.999, 1, 2, 5, 9.5, 10,
                                   10.5, 11, 16, 100, 101, 1000, 1001, 4096, 4097, 1e6 };

  for (gsize i = 0; i < G_N_ELEMENTS (numeric); i++)
    {
      MsValueSetting setting;

      g_assert_true (ms_value_setting_from_key (numeric[i], &setting));
      for (gsize j = 0; j < G_N_ELEMENTS (values); j++)
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE];
          g_autofree char *text = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(GPtrArray) out = NULL;
          gboolean schedule_ok, value_ok;

          g_ascii_formatd (number, sizeof number, "%.12g", values[j]);
          text = g_strdup_printf ("100:%s=%s", numeric[i], number);
          schedule_ok = ms_schedule_parse (text, &out, &error);
          value_ok = ms_value_check (setting, values[j], NULL);
          if (schedule_ok != value_ok)
            g_error ("“%s”: the schedule %s it, ms_value_check() %s it (%s)", text,
                     schedule_ok ? "takes" : "refuses", value_ok ? "takes" : "refuses",
                     error != NULL ? error->message : "");
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/schedule/example", test_example);
  g_test_add_func ("/schedule/sorted-stable", test_sorted_stable);
  g_test_add_func ("/schedule/remedy-keys", test_remedy_keys);
  g_test_add_func ("/schedule/all-keys", test_all_keys);
  g_test_add_func ("/schedule/invalid", test_invalid);
  g_test_add_func ("/schedule/overlong", test_overlong);
  g_test_add_func ("/schedule/quoting", test_quoting);
  g_test_add_func ("/schedule/random-bytes", test_random_bytes);
  g_test_add_func ("/schedule/mutations", test_mutations);
  g_test_add_func ("/schedule/value-ranges-agree", test_value_ranges_agree);
  return g_test_run ();
}
