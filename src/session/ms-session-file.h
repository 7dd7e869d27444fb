/* ms-session-file.h: a session from a session file already in memory
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ms_session_new_from_file() reads the file and hands its bytes to the same code as
 * ms_session_new_from_bytes(), so the fuzzer (fuzz/fuzz-session-file.c) and the tests that
 * feed crafted bytes exercise exactly what opening a file does.
 */
#pragma once

#include "ms-session.h"

G_BEGIN_DECLS

/* Like ms_session_new_from_file() (all its checks, the session starts paused) on the bytes of
 * a session file.  @display names the file in messages and in the "continued from" event;
 * with @headless frames carry no sample grid.  Keeps no reference to @bytes beyond the
 * snapshots it copies.  (transfer full), or NULL with @error.  Main thread. */
MsSession *ms_session_new_from_bytes (GBytes      *bytes,
                                      const char  *display,
                                      gboolean     headless,
                                      GError     **error);

G_END_DECLS
