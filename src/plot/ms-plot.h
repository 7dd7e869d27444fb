/* ms-plot.h: the Cairo painters shared by the dashboard's views and by export
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every view of the dashboard is a free function over a cairo_t, the data and a size that
 * draws the complete plot: axes, ticks, labels, legend and units.  The widgets in src/ui call
 * them from a Cairo render node, export and `modescope-cli --grid` call them on PNG, SVG and
 * PDF surfaces, so an exported figure is exactly what the screen shows (STYLE.md §8).
 *
 *   MsPlotStyle style;
 *   ms_plot_style_init (&style, FALSE, FALSE);        // light background, desktop sizes
 *   ms_plot_class_histogram (cr, 640, 360, frame, &style);
 *
 *   MsPlotCurves *kl = ms_plot_curves_new (MS_CURVE_KL);
 *   ms_plot_curves_update (kl, points, n, events, n_events, frame);   // prepare: on arrival
 *   ms_plot_curves_draw (kl, cr, 640, 240, &style, -1);                // paint: cheap
 *
 * No GTK: this library depends on Cairo and libms-session only.  Painters never keep a
 * reference to the data they are given and only read it.
 *
 * Threading: painters are pure functions and may run on any thread (export runs them in a
 * GTask); one MsPlotCurves must be used by one thread at a time.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "ms-session.h"

G_BEGIN_DECLS

/* Style -------------------------------------------------------------------------------- */

typedef struct
{
  double r, g, b, a;
} MsPlotColor;

#define MS_PLOT_N_SERIES 8

typedef struct
{
  gboolean     dark;             /* light text on a dark background */
  gboolean     presenter;        /* large fonts, thick lines: readable from a classroom's back */
  const char  *font_family;      /* "Cantarell, sans-serif" style family for cairo's toy API */
  double       font_size;        /* base font size in user units (pixels on screen) */
  double       font_scale;       /* multiplies every font size */
  double       line_width;       /* base line width */
  double       line_scale;       /* multiplies every line width */
  gboolean     fill_background;  /* paint @background first (export); widgets leave it clear */
  MsPlotColor  background;
  MsPlotColor  foreground;       /* text, axes */
  MsPlotColor  grid;             /* grid lines, tick marks */
  MsPlotColor  muted;            /* secondary text, earlier branches */
  MsPlotColor  series[MS_PLOT_N_SERIES];  /* generated, real, loss D, loss G, ... */
  MsPlotColor  healthy;          /* green */
  MsPlotColor  partial;          /* amber */
  MsPlotColor  collapsed;        /* red, also "missing" markers */
  MsPlotColor  band;             /* noise-floor band */
} MsPlotStyle;

/* Indices into MsPlotStyle.series */
enum
{
  MS_PLOT_SERIES_GENERATED,
  MS_PLOT_SERIES_REAL,
  MS_PLOT_SERIES_LOSS_D,
  MS_PLOT_SERIES_LOSS_G,
  MS_PLOT_SERIES_METRIC,
  MS_PLOT_SERIES_REFERENCE,
  MS_PLOT_SERIES_EVENT,
  MS_PLOT_SERIES_EXTRA,
};

/* Fills @style for a light or @dark background; @presenter makes fonts about 1.6x and lines
 * 2x as large.  fill_background is FALSE (set it for export). */
void          ms_plot_style_init       (MsPlotStyle       *style,
                                        gboolean           dark,
                                        gboolean           presenter);
/* The colour the collapse views use for @state */
MsPlotColor   ms_plot_style_state_color (const MsPlotStyle *style,
                                        MsCollapseState    state);

/* Painters ----------------------------------------------------------------------------- */

/* Any painter as one callback, for ms_plot_write() and export */
typedef void (*MsPlotPainterFunc) (cairo_t  *cr,
                                   double    width,
                                   double    height,
                                   gpointer  data);

/* The fixed-noise samples: images as a square-ish grid of the frame's grey pixels, upscaled
 * with CAIRO_FILTER_NEAREST so digits stay crisp; with @show_labels each sample is framed in
 * its predicted class's colour and labelled with its name.  2-D frames: ms_plot_scatter().
 * A NULL frame or one without samples draws a centred "No samples yet". */
void          ms_plot_sample_grid      (cairo_t           *cr,
                                        double             width,
                                        double             height,
                                        const MsFrame     *frame,
                                        const MsPlotStyle *style,
                                        gboolean           show_labels);

/* Where ms_plot_sample_grid() puts sample @index's pixels (x, y, size of one source pixel),
 * for tests and hit testing; FALSE if the frame has no such image sample. */
gboolean      ms_plot_sample_grid_cell (double             width,
                                        double             height,
                                        const MsFrame     *frame,
                                        const MsPlotStyle *style,
                                        gboolean           show_labels,
                                        int                index,
                                        double            *x,
                                        double            *y,
                                        double            *pixel);

/* Generated class shares (evaluation.counts / n) beside the real class mix; missing classes
 * are a red hatched slot labelled "missing"; classes the real data lacks
 * (!ms_plot_class_in_data()) are greyed, never "missing", with a "not in the data" legend
 * item.  Without evaluation: "No evaluation yet". */
void          ms_plot_class_histogram  (cairo_t           *cr,
                                        double             width,
                                        double             height,
                                        const MsFrame     *frame,
                                        const MsPlotStyle *style);

/* Whether the real data has class @c: FALSE only when @frame carries the real class mix
 * (real_share, n_classes) and class @c has no share of it, as in a folder of one digit.
 * Such a class is neither missing nor expected. */
gboolean      ms_plot_class_in_data    (const MsFrame     *frame,
                                        int                c);

/* The rectangle of class @c's slot in ms_plot_class_histogram()'s plot area; FALSE if none */
gboolean      ms_plot_class_histogram_slot (double         width,
                                        double             height,
                                        const MsFrame     *frame,
                                        const MsPlotStyle *style,
                                        int                c,
                                        double            *x,
                                        double            *y,
                                        double            *w,
                                        double            *h);

/* 2-D data: D's output as a heat map with a colour bar ("D(x)", or "critic" for WGAN
 * losses), real and generated points, and the modes marked covered (filled ring) or missed
 * (red cross), with equal aspect ratio. */
void          ms_plot_scatter          (cairo_t           *cr,
                                        double             width,
                                        double             height,
                                        const MsFrame     *frame,
                                        const MsPlotStyle *style);

/* The detector's state on every evaluated point over [x_min, x_max] as a horizontal strip:
 * green healthy, amber partial, red collapsed; each state holds until the next evaluation.
 * x_min >= x_max: the points' own range. */
void          ms_plot_collapse_strip   (cairo_t           *cr,
                                        double             width,
                                        double             height,
                                        const MsCurvePoint *points,
                                        guint              n,
                                        gint64             x_min,
                                        gint64             x_max,
                                        const MsPlotStyle *style);

/* The state in large coloured words with the detector's one-line @reason below it (nullable) */
void          ms_plot_collapse_badge   (cairo_t           *cr,
                                        double             width,
                                        double             height,
                                        MsCollapseState    state,
                                        const char        *reason,
                                        const MsPlotStyle *style);

/* Before the first evaluation: a grey dot and @text (e.g. "Waiting for the first
 * evaluation") in the badge's place, so no state is claimed */
void          ms_plot_collapse_badge_pending (cairo_t     *cr,
                                        double             width,
                                        double             height,
                                        const char        *text,
                                        const MsPlotStyle *style);

/* Curves ------------------------------------------------------------------------------- */

typedef enum
{
  MS_CURVE_KL,      /* KL(generated || real mix) with the noise-floor band */
  MS_CURVE_IS,      /* Inception Score with the real data's as a dashed line */
  MS_CURVE_LOSS,    /* loss D and loss G on every point */
  MS_CURVE_MODES,   /* modes covered of k */
} MsCurveKind;

typedef struct _MsPlotCurves MsPlotCurves;

/* (transfer full) */
MsPlotCurves *ms_plot_curves_new       (MsCurveKind        kind);
void          ms_plot_curves_free      (MsPlotCurves      *curves);
MsCurveKind   ms_plot_curves_get_kind  (MsPlotCurves      *curves);
/* Copies and prepares (decimates, finds ranges) the current branch: @points in iteration
 * order, the run's @events (PAUSE, RESUME, STEP, SNAPSHOT, REJECTED and ERROR are not
 * drawn), @latest (nullable) for the references (noise floor, real IS, k). */
void          ms_plot_curves_update    (MsPlotCurves      *curves,
                                        const MsCurvePoint *points,
                                        guint              n,
                                        const MsSessionEvent *events,
                                        guint              n_events,
                                        const MsFrame     *latest);
/* An earlier branch, drawn lighter beneath the current one */
void          ms_plot_curves_add_branch (MsPlotCurves     *curves,
                                        const MsCurvePoint *points,
                                        guint              n);
void          ms_plot_curves_clear_branches (MsPlotCurves *curves);
/* Long series (losses) keep at most 2 points (the minimum and maximum) per bucket of
 * iterations, one bucket per @columns: set it to the chart's width in pixels.  Default 2048. */
void          ms_plot_curves_set_columns (MsPlotCurves    *curves,
                                        guint              columns);
/* Points the current branch strokes after decimation (all series), for tests */
guint         ms_plot_curves_get_n_drawn (MsPlotCurves    *curves);
/* Fixes the iteration axis so that several charts line up; min >= max: automatic */
void          ms_plot_curves_set_x_range (MsPlotCurves    *curves,
                                        gint64             min,
                                        gint64             max);
/* The iteration range the x axis shows (the fixed one or the data's) */
void          ms_plot_curves_get_x_range (MsPlotCurves    *curves,
                                        gint64            *min,
                                        gint64            *max);
gboolean      ms_plot_curves_is_empty  (MsPlotCurves      *curves);
/* What an empty chart says instead ("No evaluation yet", or for the KL of a folder of one
 * digit why there is none), translated; NULL when it has data */
const char   *ms_plot_curves_get_empty_message (MsPlotCurves *curves);
/* The modes chart's "all N" line: the classes of the real data (a folder of one digit: 1),
 * or 0 when unknown */
int           ms_plot_curves_get_modes_total (MsPlotCurves *curves);
/* Paints; @hover_iteration >= 0 draws a cursor with the values there. */
void          ms_plot_curves_draw      (MsPlotCurves      *curves,
                                        cairo_t           *cr,
                                        double             width,
                                        double             height,
                                        const MsPlotStyle *style,
                                        gint64             hover_iteration);
/* The nearest point to @x (chart coordinates) for hover: its iteration and a one-line
 * (transfer full) text such as "iter 1200: KL 0.031 (floor 0.004)".  FALSE outside the plot
 * area or without points; @text may be NULL. */
gboolean      ms_plot_curves_lookup    (MsPlotCurves      *curves,
                                        double             width,
                                        double             height,
                                        double             x,
                                        gint64            *iteration,
                                        char             **text);

/* (transfer full) The latest value in words, as the hover text says it ("iter 1200: KL 0.031
 * (floor 0.004)"), for accessible descriptions; NULL without points. */
char         *ms_plot_curves_describe_latest (MsPlotCurves *curves);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsPlotCurves, ms_plot_curves_free)

/* Text and files ----------------------------------------------------------------------- */

/* (transfer full) One line with the run's settings, e.g. "MNIST · dcgan-small ·
 * non-saturating · G Adam 2e-4 · D Adam 2e-4 · batch 64 · iteration 1200". */
/* The same without the iteration, for the status line */
char         *ms_plot_settings_caption (const MsSessionSettings *settings,
                                        gboolean                 is_2d);
char         *ms_plot_caption          (const MsFrame     *frame);

/* Renders @func at @width x @height (pixels for "png", points for "svg" and "pdf") to @path
 * atomically: a temporary file in the same folder renamed over @path, so an earlier file is
 * kept on failure.  FALSE with a G_IO_ERROR / G_FILE_ERROR that names the file otherwise. */
gboolean      ms_plot_write            (const char        *path,
                                        const char        *format,
                                        double             width,
                                        double             height,
                                        MsPlotPainterFunc  func,
                                        gpointer           data,
                                        GError           **error);

G_END_DECLS
