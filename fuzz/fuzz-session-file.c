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

static void
check_text (const char *s)
{
  g_assert (s != NULL && g_utf8_validate (s, -1, NULL));
  for (const char *p = s; *p != '\0'; p++)
    g_assert ((guchar) *p >= 0x20 && *p != 0x7f);
}

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
  /* What the window shows of the file: valid UTF-8, no control characters */
  for (guint i = 0; i < ms_session_get_n_events (session); i++)
    check_text (ms_session_get_event (session, i)->label);
  {
    guint n = 0;
    const MsSessionEvaluation *e = ms_session_get_evaluations (session, &n);

    for (guint i = 0; i < n; i++)
      check_text (e[i].evaluation.reason);
  }
  g_object_unref (session);
  /* Deliveries queued by the trainer hold weak references: let them run and go */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
