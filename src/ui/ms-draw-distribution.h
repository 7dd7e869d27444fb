/* ms-draw-distribution.h: a 2-D target distribution drawn with the mouse (or the keyboard)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each point the user places is the centre of one Gaussian mode with the same spread
 * ("points-std"), in data coordinates -MS_DRAW_DISTRIBUTION_EXTENT .. +EXTENT on both axes
 * (y up).  Mouse: click on empty space to add a mode (at most MS_EVAL_MAX_CLASSES), drag a mode
 * to move it, right-click (or long-press) a mode to remove it.  Keyboard: Insert, Return or
 * plus adds a mode at the centre, Page Up / Page Down select the previous / next mode, the
 * arrow keys move the selected mode, Delete or Backspace removes it.
 *
 *   GtkWidget *draw = ms_draw_distribution_new ();
 *   ms_draw_distribution_add_point (MS_DRAW_DISTRIBUTION (draw), 1.0f, 0.0f);
 *   int n;
 *   const float *xy = ms_draw_distribution_get_points (MS_DRAW_DISTRIBUTION (draw), &n);
 *
 * Main thread only.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MS_DRAW_DISTRIBUTION_EXTENT   4.0f
#define MS_DRAW_DISTRIBUTION_MAX      32     /* MS_EVAL_MAX_CLASSES */
#define MS_DRAW_DISTRIBUTION_MIN_STD  0.01
#define MS_DRAW_DISTRIBUTION_MAX_STD  2.0

#define MS_TYPE_DRAW_DISTRIBUTION (ms_draw_distribution_get_type ())

G_DECLARE_FINAL_TYPE (MsDrawDistribution, ms_draw_distribution, MS, DRAW_DISTRIBUTION, GtkWidget)

GtkWidget   *ms_draw_distribution_new            (void);

/* (transfer none) (n, 2) mode centres, valid until the next change; NULL when n is 0 */
const float *ms_draw_distribution_get_points     (MsDrawDistribution *self,
                                                  int                *n);
int          ms_draw_distribution_get_n_points   (MsDrawDistribution *self);
/* Keeps the first MS_DRAW_DISTRIBUTION_MAX points, clamped into the extent */
void         ms_draw_distribution_set_points     (MsDrawDistribution *self,
                                                  const float        *xy,
                                                  int                 n);
/* Clamped into the extent; FALSE (nothing added) when already full.  The new point is
 * selected. */
gboolean     ms_draw_distribution_add_point      (MsDrawDistribution *self,
                                                  float               x,
                                                  float               y);
void         ms_draw_distribution_remove_point   (MsDrawDistribution *self,
                                                  int                 index);
void         ms_draw_distribution_clear          (MsDrawDistribution *self);
/* -1 when none */
int          ms_draw_distribution_get_selected   (MsDrawDistribution *self);

double       ms_draw_distribution_get_points_std (MsDrawDistribution *self);
/* Clamped to MIN_STD .. MAX_STD */
void         ms_draw_distribution_set_points_std (MsDrawDistribution *self,
                                                  double              std);

/* Widget coordinates (@width x @height) <-> data coordinates, as the widget maps them */
void         ms_draw_distribution_widget_to_data (int                 width,
                                                  int                 height,
                                                  double              wx,
                                                  double              wy,
                                                  float              *x,
                                                  float              *y);
void         ms_draw_distribution_data_to_widget (int                 width,
                                                  int                 height,
                                                  float               x,
                                                  float               y,
                                                  double             *wx,
                                                  double             *wy);

/* The painter the widget uses (and export could): axes, each mode as a dot with its 1- and
 * 2-std circles, @selected (or -1) highlighted.  @fg: the foreground colour. */
void         ms_draw_distribution_paint          (cairo_t            *cr,
                                                  int                 width,
                                                  int                 height,
                                                  const float        *xy,
                                                  int                 n,
                                                  double              std,
                                                  int                 selected,
                                                  const GdkRGBA      *fg);

G_END_DECLS
