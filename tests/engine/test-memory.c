/* test-memory.c: the allocator policy (ms-memory.h)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "ms-memory.h"
#include "ms-test-util.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* A 2 MiB buffer allocated after a 24 MiB one was freed still gets a mapping of its own:
 * without the fixed threshold, glibc would have raised it to 24 MiB and put the buffer on
 * the heap. */
static void
test_threshold_fixed (void)
{
#if defined(__GLIBC__) && !defined(UNDER_ASAN)
  gsize mapped_before;
  guint8 *big, *small;

  g_unsetenv ("MALLOC_MMAP_THRESHOLD_");
  g_unsetenv ("GLIBC_TUNABLES");
  g_assert_true (ms_memory_tune_allocator ());
  big = malloc (24 << 20);
  g_assert_nonnull (big);
  memset (big, 1, 24 << 20);
  free (big);
  mapped_before = mallinfo2 ().hblkhd;
  small = malloc (2 << 20);
  g_assert_nonnull (small);
  g_assert_cmpuint (mallinfo2 ().hblkhd, >=, mapped_before + (2 << 20));
  free (small);
#else
  g_test_skip ("needs glibc's own allocator (not under AddressSanitizer)");
#endif
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
