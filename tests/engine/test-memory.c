/* test-memory.c: the allocator policy (ms-memory.h)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>
#include "ms-memory.h"
#include "ms-test-util.h"

/* A 2 MiB buffer allocated after a 24 MiB one was freed still gets a mapping of its own:
 * without the fixed threshold, glibc would have raised it to 24 MiB and put the buffer on
 * the heap. */
static void
test_threshold_fixed (void)
{
  guint8 *big;

  if (!ms_test_have_glibc_malloc ())
    {
      g_test_skip ("needs glibc's own allocator (not under AddressSanitizer)");
      return;
    }
  g_unsetenv ("MALLOC_MMAP_THRESHOLD_");
  g_unsetenv ("GLIBC_TUNABLES");
  g_assert_true (ms_memory_tune_allocator ());
  big = malloc (24 << 20);
  g_assert_nonnull (big);
  memset (big, 1, 24 << 20);
  free (big);
  g_assert_true (ms_test_malloc_is_mapped (2 << 20));
}

static void
test_user_setting_kept (void)
{
  g_setenv ("MALLOC_MMAP_THRESHOLD_", "65536", TRUE);
  g_assert_false (ms_memory_tune_allocator ());
  g_unsetenv ("MALLOC_MMAP_THRESHOLD_");
  g_setenv ("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=65536", TRUE);
  g_assert_false (ms_memory_tune_allocator ());
  g_unsetenv ("GLIBC_TUNABLES");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory/threshold-fixed", test_threshold_fixed);
  g_test_add_func ("/memory/user-setting-kept", test_user_setting_kept);
  return g_test_run ();
}
