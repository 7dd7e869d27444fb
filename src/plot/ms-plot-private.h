/* ms-plot-private.h: helpers shared by the painters
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ms-plot.h"

G_BEGIN_DECLS

/* Font sizes relative to style->font_size */
#define MS_PLOT_FONT_SMALL   0.85
#define MS_PLOT_FONT_NORMAL  1.0
#define MS_PLOT_FONT_TITLE   1.15
#define MS_PLOT_FONT_LARGE   2.0

void    _ms_plot_set_color   (cairo_t *cr, MsPlotColor c);
void    _ms_plot_set_color_a (cairo_t *cr, MsPlotColor c, double alpha);
double  _ms_plot_font_px     (const MsPlotStyle *style, double rel);
double  _ms_plot_line        (const MsPlotStyle *style, double rel);
void    _ms_plot_font        (cairo_t *cr, const MsPlotStyle *style, double rel, gboolean bold);
double  _ms_plot_text_width  (cairo_t *cr, const char *text);
/* Draws @text with its box's (halign, valign) point at (x, y): 0 left/top, 0.5 centre,
 * 1 right/bottom; the box's height is the font's ascent + descent. */
void    _ms_plot_text        (cairo_t *cr, double x, double y, double halign, double valign,
                              const char *text);
/* Shortens @text with "…" to fit @max_width; (transfer full) */
char   *_ms_plot_elide       (cairo_t *cr, const char *text, double max_width);
void    _ms_plot_background  (cairo_t *cr, double w, double h, const MsPlotStyle *style);
void    _ms_plot_message     (cairo_t *cr, double w, double h, const MsPlotStyle *style,
                              const char *text);
/* "Nice" ticks covering [min, max] with about @target intervals: the step, first tick and
 * count (at most 64) */
int     _ms_plot_ticks       (double min, double max, int target, double *first, double *step);
/* A tick value with as many decimals as @step needs (transfer full) */
char   *_ms_plot_format_tick (double value, double step);
/* A value with 3 significant digits: 0.031, 2e-4, 1200 (transfer full) */
char   *_ms_plot_format_value (double value);
/* Hatches a rectangle with diagonal lines */
void    _ms_plot_hatch       (cairo_t *cr, double x, double y, double w, double h, double gap);
/* Colour of class @c out of @k (a qualitative palette) */
MsPlotColor _ms_plot_class_color (const MsPlotStyle *style, int c);

G_END_DECLS
