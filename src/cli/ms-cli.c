/* ms-cli.c: modescope-cli, the headless front end
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ms-cli.h"
#include "ms-memory.h"

static int
run_about (int    argc,
           char **argv)
{
  printf (_("ModeScope %s: watch a GAN train and see mode collapse as it happens.\n"
            "Copyright 2026 The ModeScope developers.  Licence: GPL-3.0-or-later.\n\n"
            "Data shipped with ModeScope:\n"
            "  MNIST database of handwritten digits, by Yann LeCun, Corinna Cortes and\n"
            "  Christopher J.C. Burges.  Licence: Creative Commons Attribution-Share Alike 3.0.\n"
            "Data used when installed:\n"
            "  Fashion-MNIST, by Han Xiao, Kashif Rasul and Roland Vollgraf (Zalando Research).\n"
            "  Licence: MIT.  Debian package dataset-fashion-mnist.\n"), PACKAGE_VERSION);
  return 0;
}

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "train", ms_cli_train, N_("train a GAN without a window and report its progress") },
  { "metrics", ms_cli_metrics, N_("every metric on real data (the upper reference)") },
  { "about", run_about, N_("version, licence and the credits of the shipped data") },
  { "bench", ms_cli_bench, N_("time training iterations of the engine (and PyTorch, if installed)") },
  { "train-classifier", ms_cli_train_classifier, N_("train the classifier the collapse metrics use") },
  { "eval-classifier", ms_cli_eval_classifier, N_("measure a classifier’s test accuracy") },
  { "soak", ms_cli_soak, N_("train under random commands; report crashes, NaN and leaks") },
};

static void
print_usage (FILE *out)
{
  fprintf (out, _("Usage: modescope-cli COMMAND [OPTION…]\n\nCommands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-18s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, _("\nRun “modescope-cli COMMAND --help” for a command’s options.\n"
                  "Exit status: 0 success, 1 a failure while running, 2 a bad flag, value or "
                  "file (before any work starts), 3 training diverged (train).\n"));
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  {
    /* MODESCOPE_LOCALEDIR: the catalogues of an uninstalled build (<build>/po), for tests */
    const char *localedir = g_getenv ("MODESCOPE_LOCALEDIR");

    bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir
                                                                          : LOCALEDIR);
  }
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* Numbers in our key=value output must always use a decimal point. */
  setlocale (LC_NUMERIC, "C");
  ms_memory_tune_allocator ();

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? MS_CLI_EXIT_USAGE : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("modescope-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
  fprintf (stderr, _("modescope-cli: unknown command “%s”\n\n"), argv[1]);
  print_usage (stderr);
  return MS_CLI_EXIT_USAGE;
}
