/* ms-cli.h: modescope-cli subcommands
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes: 0 success, 1 a failure while running, 2 bad usage or unreadable input,
 * 3 `train` diverged (NaN/Inf; rolled back to the last good state, which --snapshot saves) */
#define MS_CLI_EXIT_FAILURE  1
#define MS_CLI_EXIT_USAGE    2
#define MS_CLI_EXIT_DIVERGED 3

/* Sets a G_OPTION_ERROR_BAD_VALUE error from a printf format; returns FALSE. */
gboolean ms_cli_usage_error (GError    **error,
                             const char *format,
                             ...) G_GNUC_PRINTF (2, 3);

int ms_cli_bench            (int argc, char **argv);
int ms_cli_eval_classifier  (int argc, char **argv);
int ms_cli_metrics          (int argc, char **argv);
int ms_cli_soak             (int argc, char **argv);
int ms_cli_train            (int argc, char **argv);
int ms_cli_train_classifier (int argc, char **argv);

G_END_DECLS
