/* fuzz-values.c: the parsers and validators of values a user types or a file carries
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: one byte choosing the parser, then its input: text (up to a NUL) for the name and
 * value parsers (for ms_value_parse*, a second byte first chooses the setting), raw bytes copied into the struct for the validators (so NaN, infinities, negative
 * and huge numbers all occur).  Whatever a validator accepts must be usable: an optimizer
 * config it accepts initialises an optimizer, a name that parses maps back to itself.
 */
#include "config.h"

#include <math.h>

#include "fuzz-common.h"
#include "ms-arch.h"
#include "ms-classifier.h"
#include "ms-gan.h"
#include "ms-optim.h"
#include "ms-plot-dashboard.h"
#include "ms-session.h"
#include "ms-values.h"

enum
{
  PARSE_OPTIM_KIND,
  PARSE_LOSS_KIND,
  PARSE_PLOT_VIEW,
  PARSE_CLASSIFIER_DATASET,
  VALIDATE_OPTIM_CONFIG,
  VALIDATE_GAN_CONFIG,
  VALIDATE_SETTINGS,
  VALUE_PARSE,            /* ms-values.h: the text a user types into a flag or an entry */
  VALUE_PARSE_INTEGER,
  VALUE_PARSE_RATE,
  VALUE_PARSE_GENERIC,
  VALUE_SETTING_FROM_KEY,
  VALUE_QUOTE,
  N_PARSERS
};

static void
check_error (gboolean  ok,
             GError   *error)
{
  if (ok)
    g_assert_no_error (error);
  else
    g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const guint8 *rest;
  gsize n;

  fuzz_init_once ();
  if (size < 1)
    return 0;
  rest = data + 1;
  n = size - 1;
  text = g_strndup ((const char *) rest, n);

  switch (data[0] % N_PARSERS)
    {
    case PARSE_OPTIM_KIND:
      {
        MsOptimKind kind = MS_OPTIM_N_KINDS;
        gboolean ok = ms_optim_kind_from_string (text, &kind, &error);

        check_error (ok, error);
        if (ok)
          g_assert (g_ascii_strcasecmp (ms_optim_kind_to_string (kind), text) == 0);
      }
      break;
    case PARSE_LOSS_KIND:
      {
        MsLossKind kind = MS_LOSS_N_KINDS;
        gboolean ok = ms_loss_kind_from_string (text, &kind, &error);

        check_error (ok, error);
        if (ok)
          g_assert (ms_loss_kind_to_string (kind) != NULL);
      }
      break;
    case PARSE_PLOT_VIEW:
      {
        MsPlotView view = MS_PLOT_N_VIEWS;

        if (ms_plot_view_from_string (text, &view))
          g_assert (view < MS_PLOT_N_VIEWS && ms_plot_view_to_string (view) != NULL);
      }
      break;
    case PARSE_CLASSIFIER_DATASET:
      {
        const char *canon = ms_classifier_dataset_canonical (text);

        g_assert (canon == NULL || g_strv_contains ((const char *[]) { "mnist", "fashion", NULL },
                                                    canon));
        (void) g_strv_contains ((const char * const *) ms_arch_names (), text);
      }
      break;
    case VALIDATE_OPTIM_CONFIG:
      {
        MsOptimConfig cfg = ms_optim_config_default (MS_OPTIM_ADAM);
        gboolean ok;

        memcpy (&cfg, rest, MIN (n, sizeof cfg));
        ok = ms_optim_config_validate (&cfg, &error);
        check_error (ok, error);
        if (ok)
          {
            MsOptimizer opt;

            g_assert (cfg.kind < MS_OPTIM_N_KINDS && isfinite (cfg.lr));
            g_assert (ms_optimizer_init (&opt, &cfg, NULL));
          }
      }
      break;
    case VALIDATE_GAN_CONFIG:
      {
        MsGanConfig cfg = ms_gan_config_default (MS_LOSS_NSGAN);
        gboolean ok;

        memcpy (&cfg, rest, MIN (n, sizeof cfg));
        ok = ms_gan_config_validate (&cfg, &error);
        check_error (ok, error);
        if (ok)
          g_assert (cfg.loss < MS_LOSS_N_KINDS && cfg.batch >= 1 && cfg.n_critic >= 1
                    && cfg.unroll >= 0);
      }
      break;
    case VALIDATE_SETTINGS:
      {
        /* The numbers from the bytes; the dataset and arch names from the text after them */
        MsSessionSettings s;
        gsize fixed = G_STRUCT_OFFSET (MsSessionSettings, start_paused)
                      - G_STRUCT_OFFSET (MsSessionSettings, gan);
        g_auto(GStrv) names = NULL;
        gboolean ok;

        ms_session_settings_init (&s, "ring8", MS_LOSS_NSGAN);
        memcpy (&s.gan, rest, MIN (n, fixed));
        names = g_strsplit (n > fixed ? text + fixed : "", "\n", 3);
        if (names[0] != NULL)
          {
            g_free (s.dataset);
            s.dataset = g_strdup (names[0]);
            if (names[1] != NULL)
              {
                g_free (s.arch);
                s.arch = g_strdup (names[1]);
              }
          }
        ok = ms_session_settings_validate (&s, &error);
        check_error (ok, error);
        ms_session_settings_clear (&s);
      }
      break;
    case VALUE_PARSE:
    case VALUE_PARSE_INTEGER:
      {
        MsValueSetting setting = (MsValueSetting) ((n > 0 ? rest[0] : 0) % MS_VALUE_N_SETTINGS);
        const MsValueRange *range = ms_value_range (setting);
        const char *value_text = n > 0 ? text + 1 : text;
        gboolean ok;

        g_assert (range != NULL);
        if (data[0] % N_PARSERS == VALUE_PARSE)
          {
            double v = -12345.0;

            ok = ms_value_parse (setting, value_text, &v, &error);
            check_error (ok, error);
            if (ok)
              {
                g_assert (isfinite (v) && v >= range->min && v <= range->max);
                g_assert (!range->integer || v == floor (v));
                g_assert (ms_value_check (setting, v, NULL));
              }
            else
              g_assert (v == -12345.0);
          }
        else if (range->integer)
          {
            gint64 v = -12345;

            ok = ms_value_parse_integer (setting, value_text, &v, &error);
            check_error (ok, error);
            if (ok)
              g_assert ((double) v >= range->min && (double) v <= range->max);
            else
              g_assert (v == -12345);
          }
      }
      break;
    case VALUE_PARSE_RATE:
      {
        double v = 0;
        gboolean ok = ms_value_parse_rate (text, &v, &error);

        check_error (ok, error);
        if (ok)
          g_assert (v >= MS_VALUE_RATE_MIN && v <= MS_VALUE_RATE_MAX);
      }
      break;
    case VALUE_PARSE_GENERIC:
      {
        double d = 0;
        int i = 0;
        gboolean ok = ms_value_parse_double (text, -1.0, 1e6, "value", &d, &error);

        check_error (ok, error);
        if (ok)
          g_assert (isfinite (d) && d >= -1.0 && d <= 1e6);
        g_clear_error (&error);
        ok = ms_value_parse_int (text, -5, 4096, "count", &i, &error);
        check_error (ok, error);
        if (ok)
          g_assert (i >= -5 && i <= 4096);
      }
      break;
    case VALUE_SETTING_FROM_KEY:
      {
        MsValueSetting setting;

        if (ms_value_setting_from_key (text, &setting))
          g_assert (setting < MS_VALUE_N_SETTINGS && ms_value_range (setting)->key != NULL);
      }
      break;
    case VALUE_QUOTE:
      {
        g_autofree char *q = ms_value_quote (text);

        g_assert (g_utf8_validate (q, -1, NULL));
        g_assert (g_utf8_strlen (q, -1) <= 41);
        for (const char *p = q; *p != '\0'; p++)
          g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return 0;
}
