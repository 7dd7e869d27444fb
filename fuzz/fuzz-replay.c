/* fuzz-replay.c: runs a fuzz target on committed inputs, without libFuzzer
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   fuzz-<name>-replay DIR|FILE...
 *
 * Calls LLVMFuzzerTestOneInput() once on every file (dot files skipped) in each directory
 * given, in name order, so that the corpus and every input a fuzzer once crashed on stay
 * tested in the normal build (and under the sanitizer setup).  A crash, an abort, a GLib
 * critical or warning (made fatal by the targets) or an allocation beyond the address-space
 * limit set below fails the test; so does a missing directory or no input at all, which would
 * otherwise pass without testing anything.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <glib.h>

#include "fuzz-common.h"

/* AddressSanitizer and ThreadSanitizer reserve terabytes of address space for themselves */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
# define FUZZ_HAVE_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#  define FUZZ_HAVE_ASAN 1
# endif
#endif

/* The same budget as the fuzz runs' -rss_limit_mb=1024: an input whose header makes the
 * loader ask for more than the file could hold ends the test.  (ASan reserves terabytes of
 * address space for its shadow, so under ASan its own allocator limit applies instead.) */
#define REPLAY_ADDRESS_SPACE (G_GUINT64_CONSTANT (3) << 30)

static int
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      return 1;
    }
  printf ("# %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
  fflush (stdout);
  /* A copy of exactly @len bytes, so ASan sees a read past the end */
  {
    g_autofree guint8 *exact = g_memdup2 (contents, len);

    LLVMFuzzerTestOneInput (len > 0 ? exact : (const uint8_t *) "", len);
  }
  return 0;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

int
main (int    argc,
      char **argv)
{
  guint n_inputs = 0;

#ifndef FUZZ_HAVE_ASAN
  {
    struct rlimit rl = { REPLAY_ADDRESS_SPACE, REPLAY_ADDRESS_SPACE };

    if (setrlimit (RLIMIT_AS, &rl) != 0)
      perror ("fuzz-replay: setrlimit");
  }
#endif

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s DIR|FILE...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = NULL;
      g_autoptr(GPtrArray) names = NULL;
      const char *name;

      if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR))
        {
          if (run_file (argv[i]) != 0)
            return 1;
          n_inputs++;
          continue;
        }
      dir = g_dir_open (argv[i], 0, &error);
      if (dir == NULL)
        {
          fprintf (stderr, "fuzz-replay: %s\n", error->message);
          return 1;
        }
      names = g_ptr_array_new_with_free_func (g_free);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      g_ptr_array_sort (names, compare_names);
      for (guint j = 0; j < names->len; j++)
        {
          if (run_file (names->pdata[j]) != 0)
            return 1;
          n_inputs++;
        }
    }
  if (n_inputs == 0)
    {
      fprintf (stderr, "fuzz-replay: no input found in the directories given\n");
      return 1;
    }
  printf ("replayed %u inputs\n", n_inputs);
  return 0;
}
