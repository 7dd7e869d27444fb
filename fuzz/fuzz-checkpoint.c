/* fuzz-checkpoint.c: the checkpoint container and every typed reader behind it
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a container whose CRCs the harness makes right (fuzz-common.h), so mutations
 * reach the section readers.  Every section is read with the reader of its type; PARAMS
 * sections are restored into a small fixed network (the layout fuzz-make-seeds writes), with
 * and without optimizer state.  The classifier loader on top of it has its own target
 * (fuzz-classifier.c), since building its network makes it a hundred times slower.
 */
#include "config.h"

#include "fuzz-common.h"
#include "fuzz-tiny-net.h"
#include "ms-checkpoint.h"

static void
try_params (MsCheckpoint *ck,
            const char   *name)
{
  MsNet *net = fuzz_tiny_net ();

  for (int with_state = 0; with_state <= 1; with_state++)
    {
      g_autoptr(GError) error = NULL;

      if (!ms_checkpoint_restore_params (ck, name, ms_net_params (net), with_state, &error))
        g_assert (error != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsCheckpoint) ck = NULL;

  fuzz_init_once ();
  bytes = fuzz_checkpoint_bytes (data, size);
  ck = ms_checkpoint_load_bytes (bytes, &error);
  if (ck == NULL)
    {
      g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  for (guint i = 0; i < ms_checkpoint_get_n_sections (ck); i++)
    {
      const char *name = ms_checkpoint_get_section_name (ck, i);
      guint32 type = ms_checkpoint_get_section_type (ck, i);
      g_autoptr(GError) local = NULL;

      g_assert (name != NULL && g_utf8_validate (name, -1, NULL));
      g_assert (ms_checkpoint_has_section (ck, name));
      switch (type)
        {
        case MS_CHECKPOINT_TYPE_PARAMS:
          try_params (ck, name);
          break;
        case MS_CHECKPOINT_TYPE_OPTIMIZER:
          {
            MsOptimConfig cfg = ms_optim_config_default (MS_OPTIM_ADAM);
            MsOptimizer opt;

            ms_optimizer_init (&opt, &cfg, NULL);
            if (!ms_checkpoint_restore_optimizer (ck, name, &opt, &local))
              g_assert (local != NULL);
            else
              g_assert (ms_optim_config_validate (&opt.config, NULL));
          }
          break;
        case MS_CHECKPOINT_TYPE_RNG:
          {
            MsRng rng;

            ms_rng_seed (&rng, 1);
            if (!ms_checkpoint_restore_rng (ck, name, &rng, &local))
              g_assert (local != NULL);
            else
              (void) ms_rng_below (&rng, 10);
          }
          break;
        case MS_CHECKPOINT_TYPE_STRING:
          {
            g_autofree char *s = ms_checkpoint_get_string (ck, name, &local);

            g_assert (s != NULL ? g_utf8_validate (s, -1, NULL) : local != NULL);
          }
          break;
        case MS_CHECKPOINT_TYPE_KEY_VALUES:
          {
            g_autoptr(GHashTable) kv = ms_checkpoint_get_key_values (ck, name, &local);

            g_assert (kv != NULL || local != NULL);
          }
          break;
        default:
          {
            gsize len = 0;

            (void) ms_checkpoint_get (ck, name, type, &len);
          }
          break;
        }
      /* The wrong type is refused by every reader */
      if (type != MS_CHECKPOINT_TYPE_STRING)
        {
          g_autoptr(GError) e2 = NULL;
          g_autofree char *s = ms_checkpoint_get_string (ck, name, &e2);

          g_assert (s == NULL && e2 != NULL);
        }
    }
  return 0;
}
