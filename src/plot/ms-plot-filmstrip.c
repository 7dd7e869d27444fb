/* ms-plot-filmstrip.c: the fixed-noise sample grid over a run, as PNG frames and a GIF
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Frames are kept as the trainer's grey bytes (GBytes, shared by copies), never as images:
 * tiling them costs nothing next to compressing.  Both writers encode into memory and save
 * with g_file_set_contents() (a temporary file renamed over the target), so a failure keeps
 * the earlier file.  The GIF is written by giflib with a 256-grey palette, which is exactly
 * the grid's pixel range, so no colour is quantised.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <gif_lib.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "ms-plot-filmstrip.h"

#define GAP 2
#define GAP_GREY 96
#define BAR_HEIGHT 22     /* the iteration, under the grid */
#define BAR_GREY 24

typedef struct
{
  gint64  iteration;
  GBytes *grey;     /* grid_n * h * w */
} FilmFrame;

struct _MsFilmstrip
{
  gatomicrefcount ref_count;
  guint           max_frames;
  guint           stride;         /* record every stride-th evaluation */
  guint           seen;           /* evaluations seen since the last clear */
  GArray         *frames;         /* FilmFrame */
  guint           run;
  gboolean        has_run;
  int             grid_n, sample_h, sample_w;
  int             zoom;
};

static void
film_frame_clear (gpointer data)
{
  FilmFrame *f = data;

  g_clear_pointer (&f->grey, g_bytes_unref);
}

MsFilmstrip *
ms_filmstrip_new (guint max_frames)
{
  MsFilmstrip *self = g_new0 (MsFilmstrip, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->max_frames = MAX (max_frames, 2);
  self->stride = 1;
  self->zoom = 2;
  self->frames = g_array_new (FALSE, TRUE, sizeof (FilmFrame));
  g_array_set_clear_func (self->frames, film_frame_clear);
  return self;
}

MsFilmstrip *
ms_filmstrip_ref (MsFilmstrip *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ms_filmstrip_unref (MsFilmstrip *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_array_unref (self->frames);
  g_free (self);
}

MsFilmstrip *
ms_filmstrip_copy (MsFilmstrip *self)
{
  MsFilmstrip *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = ms_filmstrip_new (self->max_frames);
  copy->stride = self->stride;
  copy->seen = self->seen;
  copy->run = self->run;
  copy->has_run = self->has_run;
  copy->grid_n = self->grid_n;
  copy->sample_h = self->sample_h;
  copy->sample_w = self->sample_w;
  copy->zoom = self->zoom;
  for (guint i = 0; i < self->frames->len; i++)
    {
      FilmFrame f = g_array_index (self->frames, FilmFrame, i);

      f.grey = g_bytes_ref (f.grey);
      g_array_append_val (copy->frames, f);
    }
  return copy;
}

void
ms_filmstrip_clear (MsFilmstrip *self)
{
  g_return_if_fail (self != NULL);

  g_array_set_size (self->frames, 0);
  self->stride = 1;
  self->seen = 0;
}

/* Over the cap: keep every second frame, and record every second evaluation from now on */
static void
thin_out (MsFilmstrip *self)
{
  guint j = 0;

  for (guint i = 0; i < self->frames->len; i++)
    {
      FilmFrame *f = &g_array_index (self->frames, FilmFrame, i);

      if (i % 2 == 0)
        {
          FilmFrame keep = *f;

          f->grey = NULL;
          g_array_index (self->frames, FilmFrame, j++) = keep;
        }
      else
        g_clear_pointer (&f->grey, g_bytes_unref);
    }
  /* The slots past j hold moved or cleared pointers only */
  for (guint i = j; i < self->frames->len; i++)
    g_array_index (self->frames, FilmFrame, i).grey = NULL;
  g_array_set_size (self->frames, j);
  self->stride *= 2;
}

gboolean
ms_filmstrip_add_frame (MsFilmstrip   *self,
                        const MsFrame *frame)
{
  FilmFrame f;
  gsize size;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (frame != NULL, FALSE);

  if (frame->is_2d || frame->grey == NULL || frame->grid_n <= 0 || frame->sample_ndim != 3)
    return FALSE;
  if (!self->has_run || frame->run != self->run || frame->grid_n != self->grid_n
      || frame->sample_shape[1] != self->sample_h || frame->sample_shape[2] != self->sample_w)
    {
      ms_filmstrip_clear (self);
      self->run = frame->run;
      self->has_run = TRUE;
      self->grid_n = frame->grid_n;
      self->sample_h = frame->sample_shape[1];
      self->sample_w = frame->sample_shape[2];
    }
  /* The grid of an evaluation at its own weights (live frames between evaluations and
   * frames that repeat an earlier evaluation are not recorded) */
  if (!frame->has_evaluation || frame->evaluation_iteration != frame->iteration)
    return FALSE;
  if (self->frames->len > 0
      && frame->iteration <= g_array_index (self->frames, FilmFrame, self->frames->len - 1).iteration)
    return FALSE;
  if (self->seen++ % self->stride != 0)
    return FALSE;

  size = (gsize) frame->grid_n * self->sample_h * self->sample_w;
  f.iteration = frame->iteration;
  f.grey = g_bytes_new (frame->grey, size);
  g_array_append_val (self->frames, f);
  if (self->frames->len > self->max_frames)
    thin_out (self);
  return TRUE;
}

guint
ms_filmstrip_get_n_frames (MsFilmstrip *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->frames->len;
}

gint64
ms_filmstrip_get_iteration (MsFilmstrip *self,
                            guint        index)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (index < self->frames->len, -1);
  return g_array_index (self->frames, FilmFrame, index).iteration;
}

void
ms_filmstrip_set_zoom (MsFilmstrip *self,
                       int          zoom)
{
  g_return_if_fail (self != NULL);
  self->zoom = CLAMP (zoom, 1, 16);
}

int
ms_filmstrip_get_zoom (MsFilmstrip *self)
{
  g_return_val_if_fail (self != NULL, 1);
  return self->zoom;
}

static int
grid_columns (int n)
{
  return MAX (1, (int) ceil (sqrt ((double) n) - 1e-9));
}

gboolean
ms_filmstrip_get_size (MsFilmstrip *self,
                       int         *width,
                       int         *height)
{
  int cols, rows;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->frames->len == 0)
    return FALSE;
  cols = grid_columns (self->grid_n);
  rows = (self->grid_n + cols - 1) / cols;
  if (width != NULL)
    *width = cols * self->sample_w * self->zoom + (cols + 1) * GAP;
  if (height != NULL)
    *height = rows * self->sample_h * self->zoom + (rows + 1) * GAP + BAR_HEIGHT;
  return TRUE;
}

/* "iteration 1200" in light grey on a dark bar of @width x BAR_HEIGHT bytes at @bar */
static void
label (MsFilmstrip *self,
       guint        index,
       guint8      *bar,
       int          width)
{
  int stride = cairo_format_stride_for_width (CAIRO_FORMAT_A8, width);
  g_autofree guint8 *mask = g_malloc0 ((gsize) stride * BAR_HEIGHT);
  cairo_surface_t *surface;
  cairo_t *cr;
  g_autofree char *text = NULL;
  cairo_text_extents_t ext;

  surface = cairo_image_surface_create_for_data (mask, CAIRO_FORMAT_A8, width, BAR_HEIGHT, stride);
  cr = cairo_create (surface);
  /* Translators: under each image of the filmstrip */
  text = g_strdup_printf (_("iteration %lld"),
                          (long long) g_array_index (self->frames, FilmFrame, index).iteration);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 13);
  cairo_text_extents (cr, text, &ext);
  cairo_move_to (cr, GAP + 4 - ext.x_bearing, (BAR_HEIGHT - ext.height) / 2 - ext.y_bearing);
  cairo_show_text (cr, text);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  cairo_surface_destroy (surface);
  for (int y = 0; y < BAR_HEIGHT; y++)
    for (int x = 0; x < width; x++)
      {
        int a = mask[(gsize) y * stride + x];

        bar[(gsize) y * width + x] = (guint8) (BAR_GREY + a * (230 - BAR_GREY) / 255);
      }
}

/* Frame @index tiled into @out (width * height bytes), its iteration below */
static void
tile (MsFilmstrip *self,
      guint        index,
      guint8      *out,
      int          width,
      int          height)
{
  const guint8 *grey = g_bytes_get_data (g_array_index (self->frames, FilmFrame, index).grey,
                                         NULL);
  int cols = grid_columns (self->grid_n), z = self->zoom;
  int sh = self->sample_h, sw = self->sample_w;

  memset (out, GAP_GREY, (gsize) width * height);
  for (int s = 0; s < self->grid_n; s++)
    {
      int x0 = GAP + (s % cols) * (sw * z + GAP), y0 = GAP + (s / cols) * (sh * z + GAP);
      const guint8 *src = grey + (gsize) s * sh * sw;

      for (int y = 0; y < sh * z; y++)
        {
          guint8 *row = out + (gsize) (y0 + y) * width + x0;
          const guint8 *srow = src + (gsize) (y / z) * sw;

          for (int x = 0; x < sw * z; x++)
            row[x] = srow[x / z];
        }
    }
  label (self, index, out + (gsize) (height - BAR_HEIGHT) * width, width);
}

static gboolean
save_bytes (const char  *path,
            GByteArray  *bytes,
            GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *display = NULL;

  if (g_file_set_contents (path, (const char *) bytes->data, bytes->len, &local))
    return TRUE;
  display = g_filename_display_name (path);
  g_set_error (error, local->domain, local->code, _("Could not save “%s”: %s"), display,
               local->message);
  return FALSE;
}

static gboolean
check_not_empty (MsFilmstrip  *self,
                 const char   *path,
                 GError      **error)
{
  g_autofree char *display = NULL;

  if (self->frames->len > 0)
    return TRUE;
  display = g_filename_display_name (path);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Could not save “%s”: no evaluation has been recorded yet"), display);
  return FALSE;
}

/* GIF -------------------------------------------------------------------------------- */

static int
gif_output (GifFileType    *gif,
            const GifByteType *data,
            int             length)
{
  g_byte_array_append (gif->UserData, data, (guint) length);
  return length;
}

gboolean
ms_filmstrip_write_gif (MsFilmstrip  *self,
                        const char   *path,
                        int           delay_cs,
                        GError      **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  g_autofree guint8 *image = NULL;
  g_autofree char *display = NULL;
  ColorMapObject *palette;
  GifFileType *gif;
  int width = 0, height = 0, err = 0;
  gboolean ok = TRUE;
  static const GifByteType loop_app[] = "NETSCAPE2.0";
  GifByteType loop_sub[3] = { 1, 0, 0 };   /* loop forever */

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_empty (self, path, error))
    return FALSE;
  display = g_filename_display_name (path);
  ms_filmstrip_get_size (self, &width, &height);
  image = g_malloc ((gsize) width * height);
  bytes = g_byte_array_new ();

  gif = EGifOpen (bytes, gif_output, &err);
  if (gif == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s"),
                   display, GifErrorString (err));
      return FALSE;
    }
  EGifSetGifVersion (gif, true);
  palette = GifMakeMapObject (256, NULL);
  for (int i = 0; i < 256; i++)
    palette->Colors[i] = (GifColorType) { (GifByteType) i, (GifByteType) i, (GifByteType) i };

  ok = EGifPutScreenDesc (gif, width, height, 8, 0, palette) == GIF_OK
       && EGifPutExtensionLeader (gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK
       && EGifPutExtensionBlock (gif, 11, loop_app) == GIF_OK
       && EGifPutExtensionBlock (gif, 3, loop_sub) == GIF_OK
       && EGifPutExtensionTrailer (gif) == GIF_OK;
  for (guint i = 0; ok && i < self->frames->len; i++)
    {
      GraphicsControlBlock gcb = {
        .DisposalMode = DISPOSAL_UNSPECIFIED,
        .UserInputFlag = false,
        .DelayTime = i + 1 == self->frames->len ? MAX (delay_cs, 200) : MAX (delay_cs, 2),
        .TransparentColor = NO_TRANSPARENT_COLOR,
      };
      GifByteType ext[4];
      size_t len = EGifGCBToExtension (&gcb, ext);

      tile (self, i, image, width, height);
      ok = EGifPutExtension (gif, GRAPHICS_EXT_FUNC_CODE, (int) len, ext) == GIF_OK
           && EGifPutImageDesc (gif, 0, 0, width, height, false, NULL) == GIF_OK;
      for (int y = 0; ok && y < height; y++)
        ok = EGifPutLine (gif, image + (gsize) y * width, width) == GIF_OK;
    }
  if (!ok)
    err = gif->Error;
  if (EGifCloseFile (gif, ok ? &err : NULL) != GIF_OK)
    ok = FALSE;
  GifFreeMapObject (palette);
  if (!ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s"),
                   display, GifErrorString (err));
      return FALSE;
    }
  return save_bytes (path, bytes, error);
}

/* PNG sequence --------------------------------------------------------------------------- */

static cairo_status_t
append_png (void                *closure,
            const unsigned char *data,
            unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

gboolean
ms_filmstrip_write_pngs (MsFilmstrip  *self,
                         const char   *folder,
                         GError      **error)
{
  g_autofree guint8 *image = NULL;
  cairo_surface_t *surface;
  int width = 0, height = 0, stride;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_empty (self, folder, error))
    return FALSE;
  ms_filmstrip_get_size (self, &width, &height);
  image = g_malloc ((gsize) width * height);
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  stride = cairo_image_surface_get_stride (surface);
  for (guint i = 0; ok && i < self->frames->len; i++)
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;
      guint8 *data;
      cairo_status_t status;

      tile (self, i, image, width, height);
      cairo_surface_flush (surface);
      data = cairo_image_surface_get_data (surface);
      for (int y = 0; y < height; y++)
        {
          guint32 *row = (guint32 *) (gpointer) (data + (gsize) y * stride);

          for (int x = 0; x < width; x++)
            {
              guint32 v = image[(gsize) y * width + x];

              row[x] = 0xff000000u | (v << 16) | (v << 8) | v;
            }
        }
      cairo_surface_mark_dirty (surface);
      status = cairo_surface_write_to_png_stream (surface, append_png, bytes);
      name = g_strdup_printf ("frame-%04u-iter-%06" G_GINT64_FORMAT ".png", i + 1,
                              g_array_index (self->frames, FilmFrame, i).iteration);
      path = g_build_filename (folder, name, NULL);
      if (status != CAIRO_STATUS_SUCCESS)
        {
          g_autofree char *display = g_filename_display_name (path);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not draw “%s”: %s"),
                       display, cairo_status_to_string (status));
          ok = FALSE;
        }
      else
        ok = save_bytes (path, bytes, error);
    }
  cairo_surface_destroy (surface);
  return ok;
}
