/* fuzz-session-file.c: opening a session file, from the container to the running session
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a session file whose CRCs (its own and those of the snapshots and the state
 * nested in it) the harness makes right, so mutations reach the settings, trainer, history,
 * snapshot and note readers, and, for an input that passes them all, the building of the
 * networks and the restore of the saved state.  ms_session_new_from_bytes() is the code behind
 * ms_session_new_from_file().
 */
#include "config.h"

#include "fuzz-common.h"
#include "ms-session-file.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  MsSession *session;

  fuzz_init_once ();
  bytes = fuzz_checkpoint_bytes (data, size);
  session = ms_session_new_from_bytes (bytes, "fuzz.msrun", TRUE, &error);
  if (session == NULL)
    {
      g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  g_assert_no_error (error);
  g_object_unref (session);
  /* Deliveries queued by the trainer hold weak references: let them run and go */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
