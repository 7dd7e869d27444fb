/* ms-quote.h: text from outside, made safe to quote in a message
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A name a user typed or a file carried goes into a GError message only through
 * ms_quote_text(): messages must be valid UTF-8 (GTK shows them), must not hold control
 * characters (a terminal would obey them) and must stay readable.  The same rules as
 * ms_value_quote() (src/session/ms-values.h), for the layers below the session.
 */
#pragma once

#include <glib.h>

#define MS_QUOTE_MAX_CHARS 40

/* (transfer full) @text as valid UTF-8, control characters (C0, DEL, C1) replaced by '?',
 * at most MS_QUOTE_MAX_CHARS characters (then "…"); "" for NULL.  Any thread. */
static inline char *
ms_quote_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_new (NULL);
  int n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n == MS_QUOTE_MAX_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
      n++;
    }
  return g_string_free (out, FALSE);
}
