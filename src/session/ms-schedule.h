/* ms-schedule.h: hyperparameter changes at given iterations (`modescope-cli train --schedule`)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Syntax: entries separated by ';', each ITER:key=value[,key=value...], for example
 *
 *   2000:optimizer=rmsprop,lr=1e-3;4000:loss=wgan-gp
 *
 * ITER is a whole number from 0 to 100000000: the changes apply once ITER iterations are done
 * (0: before the first).  Spaces around ITER, keys and values are ignored.  Keys and what
 * their values must be:
 *
 *   optimizer, optimizer-g, optimizer-d   sgd, momentum, nesterov, rmsprop, adam
 *   lr, lr-g, lr-d                        a finite number > 0
 *   momentum                              a finite number >= 0
 *   beta1, beta2                          a finite number, 0 <= beta < 1
 *   loss                                  nsgan, minimax, wgan-clip, wgan-gp (a change also
 *                                         applies the objective's paper defaults for n-critic,
 *                                         clip and gp-lambda, except those the same entry sets)
 *   n-critic                              a whole number, 1 to 100
 *   gp-lambda                             a finite number, 0 to 1000
 *   clip                                  a finite number, above 0 and at most 10
 *   unroll                                a whole number, 0 to 10
 *   first-order-unroll                    true or false (or on, off)
 *   batch                                 a whole number, 1 to 4096
 *   veegan                                on or off (or true, false)
 *   adagan-rounds                         a whole number, 0 to 10 (0 or 1: AdaGAN off)
 *
 * A key may appear once per entry; several entries may share an iteration (they then apply in
 * the order written).  The whole text is at most 64 KiB.  Names are matched ignoring ASCII
 * case; the entry's key is stored in its canonical lower-case form.
 *
 * The parser never reads past the string's end and reports every problem as an error naming
 * the entry (1-based, as written) and the problem; it is meant to be safe on any input.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MS_SCHEDULE_ERROR (ms_schedule_error_quark ())

typedef enum
{
  MS_SCHEDULE_ERROR_PARSE,      /* anything malformed or out of range */
} MsScheduleError;

#define MS_SCHEDULE_MAX_TEXT      65536
#define MS_SCHEDULE_MAX_ITERATION G_GINT64_CONSTANT (100000000)

typedef struct
{
  gint64  iteration;
  int     entry;    /* 1-based number of the ITER:... entry it was written in */
  char   *key;      /* canonical key, e.g. "lr-g" */
  char   *value;    /* the value as written (spaces trimmed) */
  /* The parsed value: the number for numeric keys, the MsOptimKind / MsLossKind for optimizer
   * and loss keys, 1 or 0 for first-order-unroll and veegan. */
  double  number;
} MsScheduleEntry;

GQuark   ms_schedule_error_quark (void);

void     ms_schedule_entry_free  (MsScheduleEntry *entry);

/* Parses @text into a new array (owned by the caller, frees its entries) of MsScheduleEntry,
 * sorted by iteration; the sort is stable so entries of one iteration keep their written
 * order.  On failure returns FALSE with @error set and leaves *@out untouched. */
gboolean ms_schedule_parse       (const char  *text,
                                  GPtrArray  **out,
                                  GError     **error);

G_END_DECLS
