/* ms-cli-args.h: `modescope-cli train`'s flags, parsed and validated without training
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built as a small static library (libms-cli-args) so that modescope-cli and a fuzz target
 * link the same code:
 *
 *   MsCliTrainArgs a;
 *   ms_cli_train_args_init (&a);
 *   if (ms_cli_train_parse_args (&argc, &argv, &a, FALSE, &error)
 *       && ms_cli_train_settings_from_args (&a, &settings, &error))
 *     …
 *   ms_cli_train_args_clear (&a);
 *
 * Numbers go through ms-values.h (the window's rules and messages), each error names the flag
 * ("--lr: “abc” is not a finite number: …").  Nothing here opens a file or starts a thread.
 */
#pragma once

#include <glib.h>

#include "ms-session.h"
#include "ms-values.h"

G_BEGIN_DECLS

typedef struct
{
  char    *dataset;
  char    *arch;
  char    *loss;
  char    *optimizer;
  char    *optimizer_g;
  char    *optimizer_d;
  double   lr, lr_g, lr_d;            /* NAN: not given */
  double   momentum, beta1, beta2;    /* NAN: not given */
  int      n_critic;                  /* 0: the objective's default */
  int      unroll;
  gboolean first_order_unroll;
  double   gp_lambda;                 /* NAN: not given */
  double   clip;                      /* NAN: not given */
  int      pack;
  int      batch;
  gint64   iters;
  gint64   seed;
  int      threads;                   /* 0: not given */
  int      eval_every;
  int      eval_samples;              /* 0: by dataset */
  char    *schedule;
  char    *json;
  char    *csv;
  gboolean veegan;
  int      adagan_rounds;
  int      adagan_round_iters;        /* 0: --iters / rounds */
  char    *snapshot;
  char    *resume;
  char    *grid;
} MsCliTrainArgs;

/* The defaults: every field as when no flag is given */
void     ms_cli_train_args_init          (MsCliTrainArgs *a);
/* Frees the strings; @a can be initialised again */
void     ms_cli_train_args_clear         (MsCliTrainArgs *a);

/* Parses `train`'s flags from @argc and @argv (GOptionContext: parsed flags are removed) into
 * @a and checks each value and the combinations that need no file (--json and --csv naming
 * the same file, --grid's suffix).  With @help FALSE, --help is an unknown option instead of
 * printing and exiting (for fuzzing).  Errors are G_OPTION_ERROR, MS_VALUE_ERROR (prefixed by
 * the flag) and carry a message for the user. */
gboolean ms_cli_train_parse_args         (int             *argc,
                                          char          ***argv,
                                          MsCliTrainArgs  *a,
                                          gboolean         help,
                                          GError         **error);

/* A fresh run's settings from @a (a data set is not opened: an unknown name fails when the
 * session is made).  On success @s must be cleared with ms_session_settings_clear(). */
gboolean ms_cli_train_settings_from_args (const MsCliTrainArgs *a,
                                          MsSessionSettings    *s,
                                          GError              **error);

/* The number a flag of another command was given (@text, NULL: not given, *@out untouched),
 * checked with ms_value_parse_int / ms_value_parse_double; the error names @flag and @name
 * (translated, e.g. _("number of epochs")). */
gboolean ms_cli_int_flag                 (const char  *flag,
                                          const char  *text,
                                          int          min,
                                          int          max,
                                          const char  *name,
                                          int         *out,
                                          GError     **error);
gboolean ms_cli_double_flag              (const char  *flag,
                                          const char  *text,
                                          double       min,
                                          double       max,
                                          const char  *name,
                                          double      *out,
                                          GError     **error);
/* The same for a setting of ms-values.h (seeds up to G_MAXINT64, threads, ...) */
gboolean ms_cli_setting_flag             (const char     *flag,
                                          const char     *text,
                                          MsValueSetting  setting,
                                          gint64         *out,
                                          GError        **error);

/* Whether @name is one of the 2-D mixtures ("ring8", …, ignoring case) */
gboolean ms_cli_dataset_is_2d            (const char *name);

G_END_DECLS
