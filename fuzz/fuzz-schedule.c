/* fuzz-schedule.c: the --schedule parser
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is the text as typed (a NUL in it ends the string, as on a command line).  A
 * schedule that parses must be sorted and within the documented ranges.
 */
#include "config.h"

#include <math.h>

#include "fuzz-common.h"
#include "ms-schedule.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init_once ();
  if (!ms_schedule_parse (text, &entries, &error))
    {
      g_assert (entries == NULL);
      g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);
  g_assert (entries != NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      MsScheduleEntry *e = g_ptr_array_index (entries, i);

      g_assert (e->iteration >= 0 && e->iteration <= MS_SCHEDULE_MAX_ITERATION);
      g_assert (i == 0 || ((MsScheduleEntry *) g_ptr_array_index (entries, i - 1))->iteration
                          <= e->iteration);
      g_assert (e->entry >= 1);
      g_assert (e->key != NULL && e->value != NULL);
      g_assert (isfinite (e->number));
    }
  return 0;
}
