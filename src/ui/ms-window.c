/* ms-window.c: the ModeScope main window (header bar, control sidebar, live dashboard)
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window reacts to the session's "frame" notifications only: the views are given the new
 * frame (they prepare their drawing then, not in snapshot), the status line measures the speed,
 * the session's new events become toasts.  Training itself runs on the session's thread.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ms-class-histogram.h"
#include "ms-collapse-indicator.h"
#include "ms-control-panel.h"
#include "ms-curve-chart.h"
#include "ms-sample-grid.h"
#include "ms-scatter-view.h"
#include "ms-window-private.h"

enum
{
  PROP_0,
  PROP_SETTINGS,
  PROP_SESSION,
  PROP_RUNNING,
  PROP_PRESENTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (MsWindow, ms_window, ADW_TYPE_APPLICATION_WINDOW)

/* Toasts ------------------------------------------------------------------------------- */

void
_ms_window_toast (MsWindow   *self,
                  const char *text)
{
  /* libadwaita 1.2 reads a toast's title as Pango markup: a file name with '&' or '<' in
   * an error message would otherwise vanish or inject markup */
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
}

/* A toast that stays until dismissed, ahead of the others: what the user must act on */
static void
toast_important (MsWindow   *self,
                 const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (escaped);  /* markup, as above; the label shows plain text */
  GtkWidget *label = gtk_label_new (text);

  /* Wrapped, not cut off: the end of the text says what to do */
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 90);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  adw_toast_set_custom_title (toast, label);
  adw_toast_set_timeout (toast, 0);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
}

const char *
_ms_window_get_last_toast (MsWindow *self)
{
  return self->last_toast;
}

/* Views -------------------------------------------------------------------------------- */

static void
set_presenter_on (GtkWidget *view,
                  gboolean   presenter)
{
  if (view != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (view), "presenter"))
    g_object_set (view, "presenter", presenter, NULL);
}

/* @title: NULL for views that draw their own (the charts) */
static GtkWidget *
view_card (GtkWidget  *view,
           const char *title)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  if (title != NULL)
    {
      GtkWidget *label = gtk_label_new (title);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "heading");
      gtk_box_append (GTK_BOX (box), label);
    }
  gtk_widget_set_vexpand (view, TRUE);
  gtk_widget_set_hexpand (view, TRUE);
  gtk_box_append (GTK_BOX (box), view);
  gtk_widget_add_css_class (box, "view-card");
  return box;
}

static const char *indicator_tooltip =
  N_("The collapse detector's verdict from the class mix, the KL divergence and the sample "
     "diversity; the strip shows it over the whole run");

static void
create_views (MsWindow *self)
{
  static const struct { MsCurveKind kind; const char *tooltip; } curves[] = {
    [MS_WINDOW_CURVE_KL] = { MS_CURVE_KL,
                             N_("How far the generated class mix is from the real one; the "
                                "band is what chance alone gives") },
    [MS_WINDOW_CURVE_IS] = { MS_CURVE_IS,
                             N_("High when each sample is clearly one class and every class "
                                "appears; the line is real data's score") },
    [MS_WINDOW_CURVE_LOSS] = { MS_CURVE_LOSS,
                               N_("The discriminator's and the generator's losses: a "
                                  "discriminator that wins too easily often comes before a "
                                  "collapse") },
    [MS_WINDOW_CURVE_MODES] = { MS_CURVE_MODES,
                                N_("How many classes or modes the generator still draws") },
  };

  self->sample_grid = ms_sample_grid_new ();
  gtk_widget_set_tooltip_text (self->sample_grid,
                               _("Samples from the same fixed noise at every update"));
  self->histogram = ms_class_histogram_new ();
  gtk_widget_set_tooltip_text (self->histogram,
                               _("Share of each class among generated samples, beside the "
                                 "real data's; missing classes are marked"));
  {
    /* "Label by class": each sample tinted and labelled with the classifier's verdict */
    GtkWidget *card = view_card (self->sample_grid, _("Samples"));
    GtkWidget *heading = gtk_widget_get_first_child (card);
    GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    GtkWidget *labels = gtk_toggle_button_new_with_label (_("Classes"));

    g_object_ref (heading);
    gtk_box_remove (GTK_BOX (card), heading);
    gtk_widget_set_hexpand (heading, TRUE);
    gtk_box_append (GTK_BOX (header), heading);
    g_object_unref (heading);
    gtk_widget_add_css_class (labels, "flat");
    gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
    gtk_widget_set_tooltip_text (labels, _("Tint and label each sample with the class the "
                                           "classifier sees in it"));
    gtk_box_append (GTK_BOX (header), labels);
    gtk_box_prepend (GTK_BOX (card), header);
    g_settings_bind (self->settings, "show-labels", labels, "active", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind (self->settings, "show-labels", self->sample_grid, "show-labels",
                     G_SETTINGS_BIND_GET);
    gtk_box_append (GTK_BOX (self->images_box), card);
  }
  gtk_box_append (GTK_BOX (self->images_box), view_card (self->histogram, _("Class Mix")));

  self->scatter = ms_scatter_view_new ();
  gtk_widget_set_tooltip_text (self->scatter,
                               _("Real and generated points over the discriminator's output"));
  gtk_box_append (GTK_BOX (self->points_box), view_card (self->scatter, _("Points")));

  self->indicator = ms_collapse_indicator_new ();
  gtk_widget_set_tooltip_text (self->indicator, _(indicator_tooltip));
  gtk_box_append (GTK_BOX (self->indicator_box), self->indicator);

  for (int i = 0; i < MS_WINDOW_N_CURVES; i++)
    {
      self->curves[i] = ms_curve_chart_new (curves[i].kind);
      gtk_widget_set_tooltip_text (self->curves[i], _(curves[i].tooltip));
      gtk_grid_attach (GTK_GRID (self->curves_grid), view_card (self->curves[i], NULL),
                       i % 2, i / 2, 1, 1);
    }

  self->control_panel = ms_control_panel_new (self->settings);
  gtk_box_append (GTK_BOX (self->sidebar_box), self->control_panel);
}

static void
views_set_session (MsWindow  *self,
                   MsSession *session)
{
  ms_snapshot_list_set_session (self->snapshot_list, session);
  ms_control_panel_set_session (MS_CONTROL_PANEL (self->control_panel), session);
  ms_collapse_indicator_set_session (MS_COLLAPSE_INDICATOR (self->indicator), session);
  for (int i = 0; i < MS_WINDOW_N_CURVES; i++)
    ms_curve_chart_set_session (MS_CURVE_CHART (self->curves[i]), session);
}

/* The last iteration any chart shows: the run's, or an earlier branch's when a restore went
 * back (its lighter curve stays visible for comparison) */
static gint64
x_axis_end (MsWindow *self,
            MsFrame  *frame)
{
  gint64 end = MAX (frame->iteration, 1);
  guint n;

  if (self->session == NULL)
    return end;
  for (guint b = 0; b < ms_session_get_n_branches (self->session); b++)
    {
      const MsCurvePoint *points = ms_session_get_branch (self->session, b, &n, NULL);

      if (n > 0)
        end = MAX (end, points[n - 1].iteration);
    }
  return end;
}

static void
views_set_frame (MsWindow *self,
                 MsFrame  *frame)
{
  gint64 x_max = x_axis_end (self, frame);

  gtk_stack_set_visible_child_name (self->data_stack, frame->is_2d ? "points" : "images");
  if (frame->is_2d)
    ms_scatter_view_set_frame (MS_SCATTER_VIEW (self->scatter), frame);
  else
    {
      ms_sample_grid_set_frame (MS_SAMPLE_GRID (self->sample_grid), frame);
      ms_class_histogram_set_frame (MS_CLASS_HISTOGRAM (self->histogram), frame);
    }
  /* One iteration axis for every chart and the indicator's strip */
  for (int i = 0; i < MS_WINDOW_N_CURVES; i++)
    ms_curve_chart_set_x_range (MS_CURVE_CHART (self->curves[i]), 0, x_max);
  ms_collapse_indicator_set_x_range (MS_COLLAPSE_INDICATOR (self->indicator), 0, x_max);

  /* The reason may be ellipsized beside the charts: the tooltip has all of it */
  if (frame->collapse_reason != NULL && frame->collapse_reason[0] != '\0')
    {
      g_autofree char *tooltip = g_strdup_printf ("%s\n\n%s", frame->collapse_reason,
                                                  _(indicator_tooltip));

      /* Setting a tooltip costs an X round trip even when it is the same: only on change */
      if (g_strcmp0 (gtk_widget_get_tooltip_text (self->indicator), tooltip) != 0)
        gtk_widget_set_tooltip_text (self->indicator, tooltip);
    }
}

GtkWidget *
_ms_window_get_part (MsWindow   *self,
                     const char *name)
{
  static const char * const curve_names[] = { "curve-kl", "curve-is", "curve-loss",
                                              "curve-modes" };

  g_return_val_if_fail (MS_IS_WINDOW (self), NULL);

  if (g_str_equal (name, "grid"))
    return self->sample_grid;
  if (g_str_equal (name, "histogram"))
    return self->histogram;
  if (g_str_equal (name, "scatter"))
    return self->scatter;
  if (g_str_equal (name, "indicator"))
    return self->indicator;
  if (g_str_equal (name, "control-panel"))
    return self->control_panel;
  if (g_str_equal (name, "status-line"))
    return GTK_WIDGET (self->status_line);
  if (g_str_equal (name, "snapshot-list"))
    return GTK_WIDGET (self->snapshot_list);
  for (int i = 0; i < MS_WINDOW_N_CURVES; i++)
    if (g_str_equal (name, curve_names[i]))
      return self->curves[i];
  return NULL;
}

/* Frames and events -------------------------------------------------------------------- */

static void set_running_state (MsWindow *self,
                               gboolean  running);

static void
handle_events (MsWindow *self)
{
  guint n = ms_session_get_n_events (self->session);

  /* An opened session's events are its past, not news: caught up at its first frame */
  if (self->loading)
    return;
  for (; self->n_events_seen < n; self->n_events_seen++)
    {
      const MsSessionEvent *e = ms_session_get_event (self->session, self->n_events_seen);
      g_autofree char *text = NULL;

      switch (e->kind)
        {
        case MS_SESSION_EVENT_DIVERGED:
          /* The trainer paused itself; the label says where it rolled back to (the weights
           * and the optimizer settings of then: a rate changed since is undone) */
          /* Translators: %s is e.g. "diverged at iteration 6 (loss D inf, loss G nan): rolled
           * back to iteration 0 (weights and optimizer settings) and paused" */
          {
            g_autofree char *important =
              g_strdup_printf (_("Training %s. Press Play to go on from there; if it "
                                 "diverges again, lower the learning rate."), e->label);

            toast_important (self, important);
          }
          set_running_state (self, FALSE);
          break;
        case MS_SESSION_EVENT_BATCH:
          /* The trainer clamped the batch to a small data set's size (command 0) */
          if (e->command_id == 0)
            /* Translators: %s is e.g. "batch 64 is larger than the data set, which has 5
             * images: the batch is 5" */
            text = g_strdup_printf (_("Batch size changed: %s"), e->label);
          break;
        case MS_SESSION_EVENT_REJECTED:
          /* Translators: %s says which value and why, e.g. "lr -1 is negative" */
          text = g_strdup_printf (_("A change was not applied (%s)"),
                                  g_str_has_prefix (e->label, _("rejected: "))
                                  ? e->label + strlen (_("rejected: ")) : e->label);
          break;
        case MS_SESSION_EVENT_PAUSE:
        case MS_SESSION_EVENT_RESUME:
          /* Whoever pushed it (this window, the control panel, a schedule), the button
           * follows the trainer */
          set_running_state (self, e->kind == MS_SESSION_EVENT_RESUME);
          break;
        case MS_SESSION_EVENT_RESTORE:
          text = g_strdup (_("Snapshot restored: the curves that followed it stay visible in "
                             "a lighter style"));
          break;
        case MS_SESSION_EVENT_ERROR:
          text = g_strdup_printf (_("Training stopped: %s"), e->label);
          set_running_state (self, FALSE);
          break;
        default:
          break;
        }
      if (text != NULL)
        _ms_window_toast (self, text);
    }
}

static void
check_collapse (MsWindow *self,
                MsFrame  *frame)
{
  MsCollapseState previous = self->collapse_state;

  if (frame->run != self->run)
    previous = MS_COLLAPSE_HEALTHY;
  self->run = frame->run;
  self->collapse_state = frame->collapse_state;

  if (frame->collapse_state == MS_COLLAPSE_COLLAPSED && previous != MS_COLLAPSE_COLLAPSED
      && self->running && g_settings_get_boolean (self->settings, "pause-on-collapse"))
    {
      g_autofree char *text = NULL;

      _ms_window_set_running (self, FALSE);
      /* Translators: %s is the collapse detector's reason, e.g. "digits 6, 8 and 9 missing" */
      text = g_strdup_printf (_("Paused: the generator collapsed (%s)"),
                              frame->collapse_reason != NULL ? frame->collapse_reason : "");
      _ms_window_toast (self, text);
    }
}

void
_ms_window_apply_frame (MsWindow *self,
                        MsFrame  *frame)
{
  if (self->loading && self->session != NULL)
    {
      self->n_events_seen = ms_session_get_n_events (self->session);
      self->loading = FALSE;
    }
  _ms_window_export_frame (self, frame);
  ms_status_line_set_frame (self->status_line, frame, g_get_monotonic_time ());
  views_set_frame (self, frame);
  adw_window_title_set_subtitle (self->window_title,
                                 frame->settings.dataset != NULL ? frame->settings.dataset : "");
  if (self->session != NULL)
    handle_events (self);
  check_collapse (self, frame);
  if (self->bench != NULL)
    _ms_window_bench_frame (self, frame);
}

static void
on_frame (MsSession  *session,
          GParamSpec *pspec,
          MsWindow   *self)
{
  MsFrame *frame = ms_session_get_frame (session);

  if (frame != NULL)
    _ms_window_apply_frame (self, frame);
}

/* Running state ------------------------------------------------------------------------ */

static void
update_play_button (MsWindow *self)
{
  const char *tooltip = self->running ? _("Pause training (Space)") : _("Start training (Space)");

  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            self->running ? "media-playback-pause-symbolic"
                                          : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (self->play_button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->running ? _("Pause") : _("Play"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip,
                                  -1);
  if (self->running)
    gtk_widget_remove_css_class (self->play_button, "suggested-action");
  else
    gtk_widget_add_css_class (self->play_button, "suggested-action");
}

/* What the window shows, for a state the trainer is already in */
static void
set_running_state (MsWindow *self,
                   gboolean  running)
{
  running = !!running;
  if (running == self->running)
    return;
  self->running = running;
  update_play_button (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
_ms_window_set_running (MsWindow *self,
                        gboolean  running)
{
  running = !!running;
  if (self->session != NULL && running != self->running)
    {
      if (running)
        ms_session_resume (self->session);
      else
        ms_session_pause (self->session);
    }
  set_running_state (self, running);
}

gboolean
ms_window_get_running (MsWindow *self)
{
  g_return_val_if_fail (MS_IS_WINDOW (self), FALSE);
  return self->running;
}

/* Session ------------------------------------------------------------------------------ */

void
_ms_window_set_session (MsWindow  *self,
                        MsSession *session,
                        gboolean   loaded)
{
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->frame_handler, self->session);
      g_clear_signal_handler (&self->events_handler, self->session);
      views_set_session (self, NULL);
      /* Stops and joins the old trainer thread: at most one step */
      g_clear_object (&self->session);
    }
  self->n_events_seen = 0;
  self->run = 0;
  self->collapse_state = MS_COLLAPSE_HEALTHY;
  self->loading = loaded;
  if (loaded)
    set_running_state (self, FALSE);   /* an opened session is paused */
  if (self->filmstrip != NULL)
    ms_filmstrip_clear (self->filmstrip);
  if (session != NULL)
    {
      self->session = g_object_ref (session);
      self->frame_handler = g_signal_connect (self->session, "notify::frame",
                                              G_CALLBACK (on_frame), self);
      /* Events can arrive without a frame (a rejected command while paused) */
      self->events_handler = g_signal_connect_swapped (self->session, "notify::n-events",
                                                       G_CALLBACK (handle_events), self);
      views_set_session (self, self->session);
      if (ms_session_get_frame (session) != NULL)
        _ms_window_apply_frame (self, ms_session_get_frame (session));
    }
  _ms_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
start_session (MsWindow                *self,
               const MsSessionSettings *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsSession) session = ms_session_new (run, &error);

  if (session == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not start training: %s"),
                                               error->message);

      _ms_window_toast (self, text);
      _ms_window_update_actions (self);
      return;
    }
  self->running = !run->start_paused;
  update_play_button (self);
  _ms_window_set_session (self, session, FALSE);
}

MsSession *
ms_window_get_session (MsWindow *self)
{
  g_return_val_if_fail (MS_IS_WINDOW (self), NULL);
  return self->session;
}

/* Presenter mode ----------------------------------------------------------------------- */

gboolean
ms_window_get_presenter (MsWindow *self)
{
  g_return_val_if_fail (MS_IS_WINDOW (self), FALSE);
  return self->presenter;
}

void
ms_window_set_presenter (MsWindow *self,
                         gboolean  presenter)
{
  g_return_if_fail (MS_IS_WINDOW (self));

  presenter = !!presenter;
  if (presenter == self->presenter)
    return;
  self->presenter = presenter;

  if (presenter)
    {
      self->flap_before_presenter = adw_flap_get_reveal_flap (self->flap);
      adw_flap_set_reveal_flap (self->flap, FALSE);
      gtk_widget_add_css_class (GTK_WIDGET (self), "presenter");
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    {
      adw_flap_set_reveal_flap (self->flap, self->flap_before_presenter);
      gtk_widget_remove_css_class (GTK_WIDGET (self), "presenter");
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }

  set_presenter_on (self->sample_grid, presenter);
  set_presenter_on (self->histogram, presenter);
  set_presenter_on (self->scatter, presenter);
  set_presenter_on (self->indicator, presenter);
  for (int i = 0; i < MS_WINDOW_N_CURVES; i++)
    set_presenter_on (self->curves[i], presenter);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTER]);
}

/* Window size -------------------------------------------------------------------------- */

static void
restore_size (MsWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
ms_window_close_request (GtkWindow *window)
{
  MsWindow *self = MS_WINDOW (window);
  int width, height;

  /* The default size follows the window while it is neither maximized nor fullscreen */
  gtk_window_get_default_size (window, &width, &height);
  if (self->settings != NULL && !self->presenter)
    {
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", MAX (width, 360));
          g_settings_set_int (self->settings, "window-height", MAX (height, 294));
        }
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }
  /* Disposing joins the trainer thread (up to one step or evaluation): be gone meanwhile */
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  gdk_display_flush (gtk_widget_get_display (GTK_WIDGET (window)));
  return GTK_WINDOW_CLASS (ms_window_parent_class)->close_request (window);
}

/* Dropping a folder of IDX files trains on it (the control panel checks it first) */
static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         MsWindow      *self)
{
  GFile *file = g_value_get_object (value);

  if (file == NULL || self->control_panel == NULL)
    return FALSE;
  ms_control_panel_open_folder (MS_CONTROL_PANEL (self->control_panel), file);
  return TRUE;
}

/* Construction ------------------------------------------------------------------------- */

static MsWindow *
window_new (GtkApplication *app,
            GSettings      *settings)
{
  g_autoptr(GSettings) own = NULL;

  if (settings == NULL)
    settings = own = g_settings_new (APP_ID);
  return g_object_new (MS_TYPE_WINDOW, "application", app, "settings", settings, NULL);
}

static void
default_run_settings (MsWindow          *self,
                      MsSessionSettings *run)
{
  /* The stored training keys; on the first start MNIST, dcgan-small, non-saturating loss, Adam */
  ms_control_panel_get_run_settings (MS_CONTROL_PANEL (self->control_panel), run);
}

MsWindow *
ms_window_new (GtkApplication *app,
               GSettings      *settings,
               gboolean        autostart)
{
  MsWindow *self = window_new (app, settings);
  MsSessionSettings run;

  default_run_settings (self, &run);
  run.start_paused = !autostart;
  start_session (self, &run);
  ms_session_settings_clear (&run);
  return self;
}

MsWindow *
ms_window_new_for_run (GtkApplication          *app,
                       GSettings               *settings,
                       const MsSessionSettings *run)
{
  MsWindow *self;

  g_return_val_if_fail (run != NULL, NULL);

  self = window_new (app, settings);
  start_session (self, run);
  return self;
}

MsWindow *
ms_window_new_bench (GtkApplication *app,
                     GSettings      *settings,
                     double          seconds)
{
  MsWindow *self = window_new (app, settings);
  MsSessionSettings run;

  ms_session_settings_init (&run, "mnist", MS_LOSS_NSGAN);
  run.arch = g_strdup ("dcgan-small");
  run.start_paused = FALSE;
  _ms_window_bench_start (self, seconds);
  start_session (self, &run);
  ms_session_settings_clear (&run);
  return self;
}

static void
ms_window_constructed (GObject *object)
{
  MsWindow *self = MS_WINDOW (object);

  G_OBJECT_CLASS (ms_window_parent_class)->constructed (object);

  g_assert (self->settings != NULL);
  restore_size (self);
  create_views (self);
  _ms_window_export_init (self);
  update_play_button (self);
  _ms_window_update_actions (self);
}

static void
ms_window_dispose (GObject *object)
{
  MsWindow *self = MS_WINDOW (object);

  _ms_window_export_dispose (self);
  /* Stops and joins the trainer thread: at most one step */
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->frame_handler, self->session);
      g_clear_signal_handler (&self->events_handler, self->session);
      views_set_session (self, NULL);
      g_clear_object (&self->session);
    }
  g_clear_pointer (&self->bench, _ms_window_bench_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), MS_TYPE_WINDOW);
  G_OBJECT_CLASS (ms_window_parent_class)->dispose (object);
}

static void
ms_window_finalize (GObject *object)
{
  MsWindow *self = MS_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->last_toast);
  g_free (self->session_path);
  G_OBJECT_CLASS (ms_window_parent_class)->finalize (object);
}

static void
ms_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  MsWindow *self = MS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_PRESENTER:
      g_value_set_boolean (value, self->presenter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  MsWindow *self = MS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_PRESENTER:
      ms_window_set_presenter (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_window_class_init (MsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = ms_window_constructed;
  object_class->dispose = ms_window_dispose;
  object_class->finalize = ms_window_finalize;
  object_class->get_property = ms_window_get_property;
  object_class->set_property = ms_window_set_property;
  window_class->close_request = ms_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, MS_TYPE_SESSION,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRESENTER] =
    g_param_spec_boolean ("presenter", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (MS_TYPE_SNAPSHOT_LIST);
  g_type_ensure (MS_TYPE_STATUS_LINE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/modescope/ModeScope/ui/ms-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, sidebar_button);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, step_button);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, reset_button);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, snapshot_button);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, help_button);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, sidebar_box);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, data_stack);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, images_box);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, points_box);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, indicator_box);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, curves_grid);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, snapshot_list);
  gtk_widget_class_bind_template_child (widget_class, MsWindow, status_line);

  _ms_window_class_init_actions (widget_class);
}

static void
ms_window_init (MsWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  _ms_window_init_shortcuts (self);

  drop = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sidebar_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Training Controls"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sidebar_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Training Controls"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->step_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Step"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->reset_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reset"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->snapshot_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Snapshot"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Main Menu"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->help_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("What Is Mode Collapse?"), -1);
}
