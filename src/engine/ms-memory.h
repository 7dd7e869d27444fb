/* ms-memory.h: the allocator policy for long training sessions
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean ms_memory_tune_allocator (void);

G_END_DECLS
