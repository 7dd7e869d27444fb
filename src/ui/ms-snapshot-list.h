/* ms-snapshot-list.h: the user's snapshots of the run, each with a Restore button
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ms-session.h"

G_BEGIN_DECLS

#define MS_TYPE_SNAPSHOT_LIST (ms_snapshot_list_get_type ())

G_DECLARE_FINAL_TYPE (MsSnapshotList, ms_snapshot_list, MS, SNAPSHOT_LIST, GtkWidget)

GtkWidget *ms_snapshot_list_new          (void);
/* Follows @session's events: a row per user snapshot (SNAPSHOT events with a command id),
 * cleared when a new run starts.  Restore pushes ms_session_restore(). */
void       ms_snapshot_list_set_session  (MsSnapshotList *self,
                                          MsSession      *session);
/* Names the snapshot whose command id is @snapshot_id ("Before reset") */
void       ms_snapshot_list_set_label    (MsSnapshotList *self,
                                          guint           snapshot_id,
                                          const char     *label);
guint      ms_snapshot_list_get_n_items  (MsSnapshotList *self);
/* The command id of row @index (oldest first), 0 if out of range */
guint      ms_snapshot_list_get_id       (MsSnapshotList *self,
                                          guint           index);

G_END_DECLS
