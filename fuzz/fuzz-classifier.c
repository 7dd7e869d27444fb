/* fuzz-classifier.c: the classifier (.msck) loader
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is a checkpoint container (CRCs made right by the harness, fuzz-common.h) read by
 * ms_classifier_load(): its "meta" key-value section, then the body and head parameters
 * restored into the classifier's network and checked to be finite.  The loader takes a path,
 * so each input is written to one temporary file first.
 */
#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "ms-classifier.h"

static char *classifier_path;

static void
remove_classifier_file (void)
{
  if (classifier_path != NULL)
    g_unlink (classifier_path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsClassifier) c = NULL;
  gsize len;
  const guint8 *p;

  fuzz_init_once ();
  bytes = fuzz_checkpoint_bytes (data, size);
  p = g_bytes_get_data (bytes, &len);
  if (classifier_path == NULL)
    {
      int fd = g_file_open_tmp ("fuzz-classifier-XXXXXX.msck", &classifier_path, &error);

      g_assert_no_error (error);
      close (fd);
      atexit (remove_classifier_file);
    }
  if (!g_file_set_contents (classifier_path, (const char *) p, len, &error))
    g_error ("cannot write %s: %s", classifier_path, error->message);
  c = ms_classifier_load (classifier_path, &error);
  if (c == NULL)
    g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
  else
    g_assert_no_error (error);
  return 0;
}
