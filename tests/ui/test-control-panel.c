/* test-control-panel.c: MsControlPanel and MsDrawDistribution under Xvfb
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each control is set programmatically on a panel driving a real, paused ring8 session; the
 * test then waits (with a timeout that fails it) for the matching MsSessionEvent, and checks
 * the value landed in GSettings.  Every case uses its own in-memory settings backend.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "ms-control-panel.h"
#include "ms-draw-distribution.h"

#define WAIT_SECONDS 30.0

#if defined(__SANITIZE_ADDRESS__)
# define HAVE_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define HAVE_ASAN 1
# endif
#endif

/* Helpers -------------------------------------------------------------------------------- */

static GSettings *
new_settings (void)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  return g_settings_new_with_backend (APP_ID, backend);
}

/* g_settings_get_string() returns a copy: compare and free it */
static void
assert_setting_str (GSettings  *settings,
                    const char *key,
                    const char *expected)
{
  g_autofree char *value = g_settings_get_string (settings, key);

  g_assert_cmpstr (value, ==, expected);
}

static gpointer
child (MsControlPanel *panel,
       const char     *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (panel), MS_TYPE_CONTROL_PANEL,
                                                   name);

  g_assert_nonnull (object);
  return object;
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Predicate) (gpointer data);

static gboolean
wait_until (Predicate pred,
            gpointer  data,
            double    seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add ((guint) (seconds * 1000), on_timeout, &timed_out);

  while (!pred (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return pred (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
spin_loop (double seconds)
{
  wait_until (never, NULL, seconds);
}

typedef struct
{
  MsSession          *session;
  guint               from;      /* events before the change */
  MsSessionEventKind  kind;
} EventWait;

static gboolean
has_event_since (gpointer data)
{
  EventWait *w = data;
  guint n = ms_session_get_n_events (w->session);

  for (guint i = w->from; i < n; i++)
    if (ms_session_get_event (w->session, i)->kind == w->kind)
      return TRUE;
  return FALSE;
}

/* Waits for an event of @kind after event index @from; fails the test on timeout */
static void
expect_event (MsSession          *session,
              guint               from,
              MsSessionEventKind  kind)
{
  EventWait w = { session, from, kind };

  if (!wait_until (has_event_since, &w, WAIT_SECONDS))
    g_error ("no event of kind %d after event %u", kind, from);
}

static gboolean
has_frame (gpointer data)
{
  return ms_session_get_frame (data) != NULL;
}

typedef struct
{
  MsSession *session;
  guint      run;
} RunWait;

static gboolean
run_is (gpointer data)
{
  RunWait *w = data;
  MsFrame *f = ms_session_get_frame (w->session);

  return f != NULL && f->run == w->run;
}

static MsSession *
new_ring8_session (void)
{
  g_autoptr(GError) error = NULL;
  MsSessionSettings s;
  MsSession *session;

  ms_session_settings_init (&s, "ring8", MS_LOSS_NSGAN);
  s.start_paused = TRUE;
  s.eval_every = 10;
  s.eval_samples = 100;
  s.grid_size = 16;
  session = ms_session_new (&s, &error);
  g_assert_no_error (error);
  ms_session_settings_clear (&s);
  g_assert_true (wait_until (has_frame, session, WAIT_SECONDS));
  return session;
}

static MsControlPanel *
new_panel (GSettings *settings)
{
  MsControlPanel *panel = MS_CONTROL_PANEL (ms_control_panel_new (settings));

  g_object_ref_sink (panel);
  return panel;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

/* Answers like a click on a response button, which also closes the dialog */
static void
respond (AdwMessageDialog *dialog,
         const char       *response)
{
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, response);
  if (gtk_widget_get_visible (GTK_WIDGET (dialog)))
    gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* For objects a worker thread may still hold for a moment (a GTask's source object): drop
 * our reference and wait until it is finalized */
static void
assert_finalized_soon (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  g_assert_true (wait_until (is_null, &weak, WAIT_SECONDS));
}

static void
finish (MsControlPanel *panel,
        MsSession      *session,
        GSettings      *settings)
{
  g_assert_finalize_object (panel);
  if (session != NULL)
    g_assert_finalize_object (session);
  g_assert_finalize_object (settings);
}

/* Tests ---------------------------------------------------------------------------------- */

static void
test_defaults (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  MsSessionSettings s;

  ms_control_panel_get_run_settings (panel, &s);
  g_assert_cmpstr (s.dataset, ==, "mnist");
  g_assert_null (s.arch);
  g_assert_cmpint (s.gan.loss, ==, MS_LOSS_NSGAN);
  g_assert_cmpint (s.optim_g.kind, ==, MS_OPTIM_ADAM);
  g_assert_cmpint (s.optim_d.kind, ==, MS_OPTIM_ADAM);
  g_assert_cmpfloat_with_epsilon (s.optim_g.lr, 2e-4, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.optim_d.lr, 2e-4, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.optim_g.beta1, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (s.optim_g.beta2, 0.999, 1e-12);
  g_assert_cmpint (s.gan.batch, ==, 64);
  g_assert_cmpint (s.gan.n_critic, ==, 1);
  g_assert_cmpuint (s.seed, ==, 1);
  g_assert_cmpint (s.eval_every, ==, 100);
  g_assert_cmpint (s.eval_samples, ==, 500);
  g_assert_cmpint (s.pack, ==, 1);
  g_assert_true (ms_session_settings_validate (&s, NULL));
  ms_session_settings_clear (&s);

  /* The controls show the stored values */
  g_assert_cmpstr (gtk_editable_get_text (child (panel, "g_lr_row")), ==, "0.0002");
  g_assert_cmpuint (adw_combo_row_get_selected (child (panel, "loss_row")), ==, MS_LOSS_NSGAN);
  g_assert_cmpuint (adw_combo_row_get_selected (child (panel, "arch_row")), ==, 0);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (child (panel, "batch_spin")), ==, 64);
  /* Relevant parameters only: Adam shows its betas, not momentum; NS-GAN no clip value */
  g_assert_true (gtk_widget_get_visible (child (panel, "g_beta1_row")));
  g_assert_false (gtk_widget_get_visible (child (panel, "g_momentum_row")));
  g_assert_false (gtk_widget_get_visible (child (panel, "clip_row")));

  finish (panel, NULL, settings);
}

static void
test_stored_values_come_back (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel;
  MsSessionSettings s;

  g_settings_set_string (settings, "dataset", "grid25");
  g_settings_set_string (settings, "arch", "mlp");
  g_settings_set_string (settings, "loss", "wgan-gp");
  g_settings_set_double (settings, "gp-lambda", 5.0);
  g_settings_set_string (settings, "optim-d-kind", "rmsprop");
  g_settings_set_double (settings, "optim-d-lr", 5e-5);
  g_settings_set_int (settings, "n-critic", 5);
  g_settings_set_int (settings, "seed", 7);
  panel = new_panel (settings);

  ms_control_panel_get_run_settings (panel, &s);
  g_assert_cmpstr (s.dataset, ==, "grid25");
  g_assert_cmpstr (s.arch, ==, "mlp");
  g_assert_cmpint (s.gan.loss, ==, MS_LOSS_WGAN_GP);
  g_assert_cmpfloat_with_epsilon (s.gan.gp_lambda, 5.0, 1e-6);
  g_assert_cmpint (s.optim_d.kind, ==, MS_OPTIM_RMSPROP);
  g_assert_cmpfloat_with_epsilon (s.optim_d.lr, 5e-5, 1e-12);
  g_assert_cmpint (s.gan.n_critic, ==, 5);
  g_assert_cmpuint (s.seed, ==, 7);
  ms_session_settings_clear (&s);

  g_assert_cmpuint (adw_combo_row_get_selected (child (panel, "d_kind_row")), ==,
                    MS_OPTIM_RMSPROP);
  g_assert_true (gtk_widget_get_visible (child (panel, "d_alpha_row")));
  g_assert_true (gtk_widget_get_visible (child (panel, "lambda_row")));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (child (panel, "seed_spin")), ==, 7);

  /* Combinations that cannot start are mended (a DCGAN on 2-D points, AdaGAN with PacGAN) */
  g_settings_set_string (settings, "arch", "dcgan-small");
  g_settings_set_int (settings, "adagan-rounds", 3);
  g_settings_set_int (settings, "pack", 2);
  ms_control_panel_get_run_settings (panel, &s);
  g_assert_null (s.arch);
  g_assert_cmpint (s.gan.adagan_rounds, ==, 0);
  g_assert_cmpint (s.pack, ==, 2);
  ms_session_settings_clear (&s);

  finish (panel, NULL, settings);
}

static void
test_controls_push_commands (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  MsSession *session = new_ring8_session ();
  MsFrame *frame;
  guint n;

  ms_control_panel_set_confirm_new_run (panel, FALSE);
  ms_control_panel_set_session (panel, session);
  /* The panel took the session's settings from its frame */
  assert_setting_str (settings, "dataset", "ring8");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (child (panel, "eval_every_spin")), ==, 10);

  /* Learning rate (G) */
  n = ms_session_get_n_events (session);
  gtk_editable_set_text (child (panel, "g_lr_row"), "1e-3");
  g_signal_emit_by_name (child (panel, "g_lr_row"), "apply");
  expect_event (session, n, MS_SESSION_EVENT_LR);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "optim-g-lr"), 1e-3, 1e-12);
  g_assert_true (wait_until ((Predicate) has_frame, session, 1));
  spin_loop (0.2);
  frame = ms_session_get_frame (session);
  g_assert_cmpfloat_with_epsilon (frame->settings.optim_g.lr, 1e-3, 1e-12);

  /* Optimizer (D) */
  n = ms_session_get_n_events (session);
  adw_combo_row_set_selected (child (panel, "d_kind_row"), MS_OPTIM_RMSPROP);
  expect_event (session, n, MS_SESSION_EVENT_OPTIMIZER);
  assert_setting_str (settings, "optim-d-kind", "rmsprop");
  g_assert_true (gtk_widget_get_visible (child (panel, "d_alpha_row")));
  g_assert_false (gtk_widget_get_visible (child (panel, "d_beta1_row")));

  /* Momentum of SGD with momentum (G): the kind, then the value */
  n = ms_session_get_n_events (session);
  adw_combo_row_set_selected (child (panel, "g_kind_row"), MS_OPTIM_MOMENTUM);
  expect_event (session, n, MS_SESSION_EVENT_OPTIMIZER);
  n = ms_session_get_n_events (session);
  gtk_spin_button_set_value (child (panel, "g_momentum_spin"), 0.5);
  expect_event (session, n, MS_SESSION_EVENT_OPTIMIZER);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "optim-g-momentum"), 0.5,
                                  1e-9);

  /* Objective */
  n = ms_session_get_n_events (session);
  adw_combo_row_set_selected (child (panel, "loss_row"), MS_LOSS_WGAN_GP);
  expect_event (session, n, MS_SESSION_EVENT_GAN_CONFIG);
  assert_setting_str (settings, "loss", "wgan-gp");
  g_assert_true (gtk_widget_get_visible (child (panel, "lambda_row")));
  /* with the WGAN papers' 5 critic steps, since n_critic was NS-GAN's default */
  g_assert_cmpint (gtk_spin_button_get_value_as_int (child (panel, "n_critic_spin")), ==, 5);
  g_assert_cmpint (g_settings_get_int (settings, "n-critic"), ==, 5);

  /* Remedy parameter: the gradient penalty's weight, then unrolling */
  n = ms_session_get_n_events (session);
  gtk_spin_button_set_value (child (panel, "lambda_spin"), 3.0);
  expect_event (session, n, MS_SESSION_EVENT_GAN_CONFIG);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "gp-lambda"), 3.0, 1e-6);
  n = ms_session_get_n_events (session);
  adw_expander_row_set_enable_expansion (child (panel, "unroll_row"), TRUE);
  expect_event (session, n, MS_SESSION_EVENT_GAN_CONFIG);
  g_assert_cmpint (g_settings_get_int (settings, "unroll"), ==,
                   gtk_spin_button_get_value_as_int (child (panel, "unroll_spin")));

  /* D steps per G step */
  n = ms_session_get_n_events (session);
  gtk_spin_button_set_value (child (panel, "n_critic_spin"), 3);
  expect_event (session, n, MS_SESSION_EVENT_GAN_CONFIG);
  g_assert_cmpint (g_settings_get_int (settings, "n-critic"), ==, 3);

  /* An invalid combination is explained and put back, without a command */
  n = ms_session_get_n_events (session);
  gtk_switch_set_active (child (panel, "veegan_switch"), TRUE);
  g_assert_nonnull (ms_control_panel_get_message (panel));
  g_assert_false (gtk_switch_get_active (child (panel, "veegan_switch")));
  g_assert_false (g_settings_get_boolean (settings, "veegan"));

  /* Batch */
  gtk_spin_button_set_value (child (panel, "batch_spin"), 32);
  expect_event (session, n, MS_SESSION_EVENT_BATCH);
  g_assert_cmpint (g_settings_get_int (settings, "batch"), ==, 32);

  /* Evaluation interval */
  n = ms_session_get_n_events (session);
  gtk_spin_button_set_value (child (panel, "eval_every_spin"), 20);
  expect_event (session, n, MS_SESSION_EVENT_EVAL_EVERY);
  g_assert_cmpint (g_settings_get_int (settings, "eval-every"), ==, 20);
  spin_loop (0.3);

  /* Up and Down in a learning-rate field step along 1, 2, 5 x 10^k */
  {
    GtkEventController *key = NULL;
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (child (panel, "g_lr_row"));
    gboolean handled = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (controllers) && key == NULL; i++)
      {
        g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

        if (GTK_IS_EVENT_CONTROLLER_KEY (c)
            && gtk_event_controller_get_propagation_phase (c) == GTK_PHASE_CAPTURE)
          key = c;
      }
    g_assert_nonnull (key);
    n = ms_session_get_n_events (session);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Up, 0, 0, &handled);
    g_assert_true (handled);
    g_assert_cmpstr (gtk_editable_get_text (child (panel, "g_lr_row")), ==, "0.002");
    expect_event (session, n, MS_SESSION_EVENT_LR);
    n = ms_session_get_n_events (session);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
    g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Down, 0, 0, &handled);
    g_assert_cmpstr (gtk_editable_get_text (child (panel, "g_lr_row")), ==, "0.0005");
    expect_event (session, n, MS_SESSION_EVENT_LR);
    g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "optim-g-lr"), 5e-4, 1e-12);
  }

  /* "Same as generator": D takes G's optimizer */
  n = ms_session_get_n_events (session);
  gtk_switch_set_active (child (panel, "link_switch"), TRUE);
  expect_event (session, n, MS_SESSION_EVENT_OPTIMIZER);
  g_assert_true (g_settings_get_boolean (settings, "link-optimizers"));
  assert_setting_str (settings, "optim-d-kind", "momentum");
  g_assert_false (gtk_widget_get_sensitive (child (panel, "d_kind_row")));
  spin_loop (0.3);

  /* The whole run so far carries every change */
  frame = ms_session_get_frame (session);
  g_assert_cmpint (frame->settings.gan.loss, ==, MS_LOSS_WGAN_GP);
  g_assert_cmpint (frame->settings.gan.n_critic, ==, 3);
  g_assert_cmpint (frame->settings.gan.batch, ==, 32);
  g_assert_cmpint (frame->settings.optim_g.kind, ==, MS_OPTIM_MOMENTUM);
  g_assert_cmpfloat_with_epsilon (frame->settings.optim_g.momentum, 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (frame->settings.optim_g.lr, 5e-4, 1e-12);
  g_assert_cmpint (frame->settings.optim_d.kind, ==, MS_OPTIM_MOMENTUM);
  g_assert_cmpfloat_with_epsilon (frame->settings.optim_d.momentum, 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (frame->settings.optim_d.lr, 5e-4, 1e-12);

  ms_control_panel_set_session (panel, NULL);
  finish (panel, session, settings);
}

static void
test_invalid_lr (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  MsSession *session = new_ring8_session ();
  const char *bad[] = { "abc", "-1e-3", "0", "nan", "inf", "11", "1e-3x", "" };
  AdwEntryRow *row;
  guint n;

  ms_control_panel_set_session (panel, session);
  spin_loop (0.2);
  row = child (panel, "d_lr_row");
  n = ms_session_get_n_events (session);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gtk_editable_set_text (GTK_EDITABLE (row), bad[i]);
      g_signal_emit_by_name (row, "apply");
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
      g_assert_nonnull (ms_control_panel_get_message (panel));
    }
  spin_loop (0.5);
  g_assert_cmpuint (ms_session_get_n_events (session), ==, n);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "optim-d-lr"), 2e-4, 1e-12);

  /* A valid one clears the error and applies */
  gtk_editable_set_text (GTK_EDITABLE (row), " 5e-4 ");
  g_signal_emit_by_name (row, "apply");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_null (ms_control_panel_get_message (panel));
  expect_event (session, n, MS_SESSION_EVENT_LR);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "optim-d-lr"), 5e-4, 1e-12);

  ms_control_panel_set_session (panel, NULL);
  finish (panel, session, settings);
}

static void
test_follows_session (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  MsSession *session = new_ring8_session ();
  MsGanConfig gan;
  guint n;

  ms_control_panel_set_session (panel, session);
  spin_loop (0.2);

  /* A change that does not come from the panel (a script, a restore) */
  n = ms_session_get_n_events (session);
  ms_session_push (session, ms_session_command_new_set_lr (TRUE, 5e-3));
  expect_event (session, n, MS_SESSION_EVENT_LR);
  spin_loop (0.3);
  g_assert_cmpstr (gtk_editable_get_text (child (panel, "g_lr_row")), ==, "0.005");
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "optim-g-lr"), 5e-3, 1e-12);

  gan = ms_session_get_frame (session)->settings.gan;
  gan.loss = MS_LOSS_WGAN_CLIP;
  gan.clip = 0.05f;
  ms_session_push (session, ms_session_command_new_set_gan_config (&gan));
  expect_event (session, n + 1, MS_SESSION_EVENT_GAN_CONFIG);
  spin_loop (0.3);
  g_assert_cmpuint (adw_combo_row_get_selected (child (panel, "loss_row")), ==,
                    MS_LOSS_WGAN_CLIP);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (child (panel, "clip_spin")), 0.05,
                                  1e-6);
  g_assert_true (gtk_widget_get_visible (child (panel, "clip_row")));
  assert_setting_str (settings, "loss", "wgan-clip");

  n = ms_session_get_n_events (session);
  ms_session_push (session, ms_session_command_new_set_optim (FALSE, &(MsOptimConfig) {
    .kind = MS_OPTIM_NESTEROV, .lr = 0.01, .momentum = 0.8, .alpha = 0.99, .eps = 1e-8,
    .beta1 = 0.9, .beta2 = 0.999 }));
  expect_event (session, n, MS_SESSION_EVENT_OPTIMIZER);
  spin_loop (0.3);
  g_assert_cmpuint (adw_combo_row_get_selected (child (panel, "d_kind_row")), ==,
                    MS_OPTIM_NESTEROV);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (child (panel, "d_momentum_spin")),
                                  0.8, 1e-9);

  /* ... and the panel pushed nothing back */
  g_assert_cmpuint (ms_session_get_n_events (session), ==, n + 1);

  ms_control_panel_set_session (panel, NULL);
  finish (panel, session, settings);
}

static gboolean
has_error_event (gpointer data)
{
  EventWait w = { data, 0, MS_SESSION_EVENT_ERROR };

  return has_event_since (&w);
}

/* A session whose data could not be loaded has no run and sends no frame: the session's
 * rejection of a change reaches the panel's message all the same */
static void
test_session_without_run (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  g_autoptr(GError) error = NULL;
  MsSessionSettings s;
  MsSession *session;
  guint n;

  ms_session_settings_init (&s, "/nonexistent/modescope-idx-folder", MS_LOSS_NSGAN);
  s.start_paused = TRUE;
  session = ms_session_new (&s, &error);
  g_assert_no_error (error);
  ms_session_settings_clear (&s);
  g_assert_true (wait_until (has_error_event, session, WAIT_SECONDS));
  g_assert_null (ms_session_get_frame (session));

  ms_control_panel_set_session (panel, session);
  n = ms_session_get_n_events (session);
  gtk_spin_button_set_value (child (panel, "batch_spin"), 16);
  expect_event (session, n, MS_SESSION_EVENT_REJECTED);
  spin_loop (0.2);
  g_assert_nonnull (ms_control_panel_get_message (panel));

  ms_control_panel_set_session (panel, NULL);
  finish (panel, session, settings);
}

static void
test_new_run (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  MsSession *session = new_ring8_session ();
  AdwMessageDialog *dialog;
  RunWait rw;
  guint n, run;

  ms_control_panel_set_session (panel, session);
  spin_loop (0.2);
  run = ms_session_get_frame (session)->run;
  g_assert_true (ms_control_panel_get_confirm_new_run (panel));

  /* The seed needs a new run: the panel asks first; Cancel puts the control back */
  n = ms_session_get_n_events (session);
  gtk_spin_button_set_value (child (panel, "seed_spin"), 5);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  respond (dialog, "cancel");
  g_assert_cmpint (gtk_spin_button_get_value_as_int (child (panel, "seed_spin")), ==, 1);
  g_assert_cmpint (g_settings_get_int (settings, "seed"), ==, 1);
  spin_loop (0.3);
  g_assert_cmpuint (ms_session_get_n_events (session), ==, n);

  /* Start New Run: a new run with the new seed */
  gtk_spin_button_set_value (child (panel, "seed_spin"), 5);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  respond (dialog, "new-run");
  rw = (RunWait) { session, run + 1 };
  g_assert_true (wait_until (run_is, &rw, WAIT_SECONDS));
  g_assert_cmpuint (ms_session_get_frame (session)->settings.seed, ==, 5);
  g_assert_cmpint (g_settings_get_int (settings, "seed"), ==, 5);

  /* Without confirmation (tests, scripts): the dataset, then the architecture */
  ms_control_panel_set_confirm_new_run (panel, FALSE);
  adw_combo_row_set_selected (child (panel, "dataset_row"), 3);   /* mnist, fashion, ring8, grid25 */
  rw.run = run + 2;
  g_assert_true (wait_until (run_is, &rw, WAIT_SECONDS));
  g_assert_cmpstr (ms_session_get_frame (session)->settings.dataset, ==, "grid25");
  assert_setting_str (settings, "dataset", "grid25");
  g_assert_cmpuint (ms_session_get_frame (session)->settings.seed, ==, 5);

  /* PacGAN's pack size */
  gtk_spin_button_set_value (child (panel, "pack_spin"), 2);
  rw.run = run + 3;
  g_assert_true (wait_until (run_is, &rw, WAIT_SECONDS));
  g_assert_cmpint (ms_session_get_frame (session)->settings.pack, ==, 2);
  g_assert_cmpint (g_settings_get_int (settings, "pack"), ==, 2);

  /* AdaGAN and PacGAN do not mix: refused with a message, nothing pushed */
  n = ms_session_get_n_events (session);
  adw_expander_row_set_enable_expansion (child (panel, "adagan_row"), TRUE);
  g_assert_nonnull (ms_control_panel_get_message (panel));
  g_assert_false (adw_expander_row_get_enable_expansion (child (panel, "adagan_row")));
  g_assert_cmpint (g_settings_get_int (settings, "adagan-rounds"), ==, 0);
  spin_loop (0.3);
  g_assert_cmpuint (ms_session_get_n_events (session), ==, n);

  /* A DCGAN cannot train on 2-D points: refused before any new run */
  n = ms_session_get_n_events (session);
  adw_combo_row_set_selected (child (panel, "arch_row"), 1);   /* Automatic, dcgan-small, ... */
  g_assert_nonnull (ms_control_panel_get_message (panel));
  g_assert_cmpuint (adw_combo_row_get_selected (child (panel, "arch_row")), ==, 0);
  assert_setting_str (settings, "arch", "automatic");
  spin_loop (0.3);
  g_assert_cmpuint (ms_session_get_n_events (session), ==, n);

  ms_control_panel_set_session (panel, NULL);
  finish (panel, session, settings);
}

static void
test_drawn (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  const float xy[] = { 0.0f, 0.0f, 1.0f, 1.0f, -2.0f, 0.5f };
  const float far[] = { 0.0f, 500.0f };
  g_autoptr(GVariant) stored = NULL;
  MsSessionSettings s;

  /* Rejected: nothing, too far, a bad spread */
  g_assert_false (ms_control_panel_use_drawn (panel, xy, 0, 0.1));
  g_assert_nonnull (ms_control_panel_get_message (panel));
  g_assert_false (ms_control_panel_use_drawn (panel, far, 1, 0.1));
  g_assert_false (ms_control_panel_use_drawn (panel, xy, 3, 0.0));
  assert_setting_str (settings, "dataset", "mnist");

  /* Without a session it is simply the next run's dataset */
  g_assert_true (ms_control_panel_use_drawn (panel, xy, 3, 0.1));
  g_assert_null (ms_control_panel_get_message (panel));
  assert_setting_str (settings, "dataset", "drawn");
  stored = g_settings_get_value (settings, "drawn-points");
  g_assert_cmpuint (g_variant_n_children (stored), ==, 3);
  ms_control_panel_get_run_settings (panel, &s);
  g_assert_cmpstr (s.dataset, ==, "drawn");
  g_assert_cmpint (s.n_points, ==, 3);
  g_assert_cmpfloat_with_epsilon (s.points[4], -2.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (s.points_std, 0.1f, 1e-6);
  g_assert_true (ms_session_settings_validate (&s, NULL));
  ms_session_settings_clear (&s);

  finish (panel, NULL, settings);
}

static gboolean
has_message (gpointer data)
{
  return ms_control_panel_get_message (data) != NULL;
}

static void
test_bad_folder (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  g_autofree char *dir = g_dir_make_tmp ("ms-panel-XXXXXX", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (dir);

  g_assert_nonnull (dir);
  ms_control_panel_open_folder (panel, file);
  g_assert_true (wait_until (has_message, panel, WAIT_SECONDS));
  assert_setting_str (settings, "dataset", "mnist");
  assert_setting_str (settings, "dataset-folder", "");
  g_rmdir (dir);

  assert_finalized_soon (panel);
  g_assert_finalize_object (settings);
}

static gboolean
dataset_is_folder (gpointer data)
{
  g_autofree char *dataset = g_settings_get_string (data, "dataset");

  return g_str_equal (dataset, "folder");
}

/* "Open IDX Folder…" shows a folder chooser; a panel that goes away takes it along */
static void
test_folder_chooser (void)
{
  GSettings *settings;
  MsControlPanel *panel;

#ifdef HAVE_ASAN
  /* GTK 4's path bar leaks the GFileInfo of every folder it shows
   * (gtk_path_bar_get_info_callback never unrefs what g_file_query_info_finish returns).  GIO
   * creates it on a worker thread, where no stack frame names GTK, so a LeakSanitizer
   * suppression would have to cover all of GIO.  Under AddressSanitizer the chooser runs in a
   * subprocess without leak detection instead; every other check stays on. */
  if (!g_test_subprocess ())
    {
      g_autofree char *saved = g_strdup (g_getenv ("ASAN_OPTIONS"));
      g_autofree char *options = g_strconcat (saved != NULL ? saved : "", ":detect_leaks=0",
                                              NULL);

      g_setenv ("ASAN_OPTIONS", options, TRUE);
      g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
      if (saved != NULL)
        g_setenv ("ASAN_OPTIONS", saved, TRUE);
      else
        g_unsetenv ("ASAN_OPTIONS");
      g_test_trap_assert_passed ();
      return;
    }
#endif
  settings = new_settings ();
  panel = new_panel (settings);
  g_signal_emit_by_name (child (panel, "open_folder_row"), "activated");
  spin_loop (0.3);
  g_signal_emit_by_name (child (panel, "open_folder_row"), "activated");   /* shown again */
  spin_loop (0.3);
  finish (panel, NULL, settings);
  spin_loop (0.3);
}

/* The shipped MNIST folder is a valid IDX folder */
static void
test_good_folder (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  const char *datadir = g_getenv ("MODESCOPE_DATADIR");
  g_autofree char *dir = g_build_filename (datadir != NULL ? datadir : SOURCE_DATADIR, "mnist",
                                           NULL);
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autofree char *stored = NULL;
  MsSessionSettings s;

  ms_control_panel_open_folder (panel, file);
  g_assert_true (wait_until (dataset_is_folder, settings, WAIT_SECONDS));
  g_assert_null (ms_control_panel_get_message (panel));
  stored = g_settings_get_string (settings, "dataset-folder");
  g_assert_cmpstr (stored, ==, dir);
  ms_control_panel_get_run_settings (panel, &s);
  g_assert_cmpstr (s.dataset, ==, dir);
  ms_session_settings_clear (&s);

  assert_finalized_soon (panel);
  g_assert_finalize_object (settings);
}

/* main() points MODESCOPE_FASHION_MNIST_DIR at a folder that does not exist */
static void
test_fashion_missing (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel;
  MsSessionSettings s;

  g_settings_set_string (settings, "dataset", "fashion");
  panel = new_panel (settings);
  ms_control_panel_get_run_settings (panel, &s);
  g_assert_cmpstr (s.dataset, ==, "mnist");
  ms_session_settings_clear (&s);

  /* Choosing it anyway (it is insensitive in the list) is refused with a message */
  g_settings_set_string (settings, "dataset", "ring8");
  g_clear_object (&panel);
  panel = new_panel (settings);
  adw_combo_row_set_selected (child (panel, "dataset_row"), 1);
  g_assert_nonnull (ms_control_panel_get_message (panel));
  assert_setting_str (settings, "dataset", "ring8");
  g_assert_cmpuint (adw_combo_row_get_selected (child (panel, "dataset_row")), ==, 2);

  finish (panel, NULL, settings);
}

static GtkWindow *
find_window (const char *title)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_window_get_title (GTK_WINDOW (w)), title) == 0)
        return GTK_WINDOW (w);
    }
  return NULL;
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_descendant (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_draw_dialog (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  GtkWindow *dialog;
  MsDrawDistribution *draw;
  GtkWidget *use;

  g_signal_emit_by_name (child (panel, "draw_row"), "activated");
  dialog = find_window ("Draw a Distribution");
  g_assert_nonnull (dialog);
  draw = MS_DRAW_DISTRIBUTION (find_descendant (GTK_WIDGET (dialog), MS_TYPE_DRAW_DISTRIBUTION));
  g_assert_nonnull (draw);
  use = g_object_get_data (G_OBJECT (draw), "ms-use-button");
  g_assert_nonnull (use);
  g_assert_false (gtk_widget_get_sensitive (use));   /* nothing drawn yet */
  ms_draw_distribution_add_point (draw, 1.0f, 1.0f);
  ms_draw_distribution_add_point (draw, -1.0f, 1.0f);
  g_assert_true (gtk_widget_get_sensitive (use));
  g_signal_emit_by_name (use, "clicked");
  g_assert_null (find_window ("Draw a Distribution"));
  assert_setting_str (settings, "dataset", "drawn");

  /* Again: it opens with the drawing in use; Cancel changes nothing */
  g_signal_emit_by_name (child (panel, "draw_row"), "activated");
  dialog = find_window ("Draw a Distribution");
  g_assert_nonnull (dialog);
  draw = MS_DRAW_DISTRIBUTION (find_descendant (GTK_WIDGET (dialog), MS_TYPE_DRAW_DISTRIBUTION));
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 2);
  gtk_window_destroy (dialog);

  finish (panel, NULL, settings);
}

static void
test_accessible (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  const char *controls[] = {
    "dataset_row", "arch_row", "loss_row", "clip_spin", "lambda_spin", "n_critic_spin",
    "unroll_spin", "first_order_switch", "pack_spin", "veegan_switch", "adagan_rounds_spin",
    "adagan_iters_spin", "link_switch", "g_kind_row", "g_lr_row", "g_momentum_spin",
    "g_alpha_spin", "g_beta1_spin", "g_beta2_spin", "d_kind_row", "d_lr_row", "batch_spin",
    "seed_spin", "eval_every_spin", "eval_samples_spin",
  };

  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    {
      GtkWidget *w = child (panel, controls[i]);

      g_test_message ("%s", controls[i]);
      g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (w),
                                                       GTK_ACCESSIBLE_PROPERTY_LABEL));
      g_assert_nonnull (gtk_widget_get_tooltip_text (w));
    }
  finish (panel, NULL, settings);
}

static gboolean has_size (gpointer data);

/* Tab alone reaches every visible control */
static void
test_keyboard (void)
{
  GSettings *settings = new_settings ();
  MsControlPanel *panel = new_panel (settings);
  GtkWidget *window = gtk_window_new ();
  const char *controls[] = {
    "dataset_row", "open_folder_row", "draw_row", "arch_row", "loss_row", "n_critic_spin",
    "unroll_row", "pack_spin", "veegan_switch", "adagan_row", "g_kind_row", "g_lr_row",
    "g_beta1_spin", "g_beta2_spin", "link_switch", "d_kind_row", "d_lr_row", "batch_spin",
    "seed_spin", "eval_every_spin", "eval_samples_spin",
  };
  gboolean reached[G_N_ELEMENTS (controls)] = { FALSE, };

  gtk_window_set_default_size (GTK_WINDOW (window), 360, 700);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_until (has_size, panel, WAIT_SECONDS));

  for (int step = 0; step < 400; step++)
    {
      GtkWidget *focus;

      gtk_widget_child_focus (window, GTK_DIR_TAB_FORWARD);
      focus = gtk_root_get_focus (GTK_ROOT (window));
      for (guint i = 0; i < G_N_ELEMENTS (controls) && focus != NULL; i++)
        if (focus == child (panel, controls[i])
            || gtk_widget_is_ancestor (focus, child (panel, controls[i])))
          reached[i] = TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    {
      g_test_message ("%s", controls[i]);
      g_assert_true (reached[i]);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  finish (panel, NULL, settings);
}

/* MsDrawDistribution --------------------------------------------------------------------- */

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type,
                 guint      button)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type)
          && (button == 0 || gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (c)) == button))
        return c;   /* the widget keeps it */
    }
  return NULL;
}

static gboolean
has_size (gpointer data)
{
  return gtk_widget_get_width (data) > 100 && gtk_widget_get_height (data) > 100;
}

static void
test_draw_api (void)
{
  MsDrawDistribution *draw = MS_DRAW_DISTRIBUTION (ms_draw_distribution_new ());
  const float *xy;
  int n;

  g_object_ref_sink (draw);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 0);
  g_assert_null (ms_draw_distribution_get_points (draw, &n));
  g_assert_true (ms_draw_distribution_add_point (draw, 1.0f, -1.0f));
  g_assert_true (ms_draw_distribution_add_point (draw, 100.0f, 0.5f));   /* clamped */
  xy = ms_draw_distribution_get_points (draw, &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpfloat (xy[2], ==, MS_DRAW_DISTRIBUTION_EXTENT);
  g_assert_cmpint (ms_draw_distribution_get_selected (draw), ==, 1);
  ms_draw_distribution_remove_point (draw, 0);
  xy = ms_draw_distribution_get_points (draw, &n);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpfloat (xy[1], ==, 0.5f);
  ms_draw_distribution_remove_point (draw, 7);   /* out of range: ignored */
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 1);

  /* At most MS_DRAW_DISTRIBUTION_MAX modes */
  for (int i = 0; i < 40; i++)
    ms_draw_distribution_add_point (draw, (float) (i % 8) - 4.0f, (float) (i / 8) - 2.0f);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, MS_DRAW_DISTRIBUTION_MAX);
  ms_draw_distribution_clear (draw);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 0);

  ms_draw_distribution_set_points_std (draw, 50.0);
  g_assert_cmpfloat (ms_draw_distribution_get_points_std (draw), ==, MS_DRAW_DISTRIBUTION_MAX_STD);
  ms_draw_distribution_set_points_std (draw, 0.2);
  g_assert_cmpfloat (ms_draw_distribution_get_points_std (draw), ==, 0.2);

  g_assert_finalize_object (draw);
}

static void
test_draw_mouse (void)
{
  GtkWidget *window = gtk_window_new ();
  MsDrawDistribution *draw = MS_DRAW_DISTRIBUTION (ms_draw_distribution_new ());
  GtkEventController *drag, *right, *key;
  double wx, wy, cx, cy;
  const float *xy;
  gboolean handled = FALSE;
  int w, h, n;

  g_object_ref (draw);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 400);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (draw));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_until (has_size, draw, WAIT_SECONDS));
  w = gtk_widget_get_width (GTK_WIDGET (draw));
  h = gtk_widget_get_height (GTK_WIDGET (draw));

  drag = find_controller (GTK_WIDGET (draw), GTK_TYPE_GESTURE_DRAG, GDK_BUTTON_PRIMARY);
  right = find_controller (GTK_WIDGET (draw), GTK_TYPE_GESTURE_CLICK, GDK_BUTTON_SECONDARY);
  key = find_controller (GTK_WIDGET (draw), GTK_TYPE_EVENT_CONTROLLER_KEY, 0);
  g_assert_nonnull (drag);
  g_assert_nonnull (right);
  g_assert_nonnull (key);

  /* A click on empty space adds a mode where it was clicked */
  ms_draw_distribution_data_to_widget (w, h, 1.0f, 2.0f, &wx, &wy);
  g_signal_emit_by_name (drag, "drag-begin", wx, wy);
  g_signal_emit_by_name (drag, "drag-end", 0.0, 0.0);
  xy = ms_draw_distribution_get_points (draw, &n);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpfloat_with_epsilon (xy[0], 1.0f, 0.05f);
  g_assert_cmpfloat_with_epsilon (xy[1], 2.0f, 0.05f);

  /* A second one, then a drag moves the first */
  ms_draw_distribution_data_to_widget (w, h, -2.0f, -1.0f, &cx, &cy);
  g_signal_emit_by_name (drag, "drag-begin", cx, cy);
  g_signal_emit_by_name (drag, "drag-end", 0.0, 0.0);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 2);
  {
    double tx, ty;

    ms_draw_distribution_data_to_widget (w, h, 0.0f, 0.0f, &tx, &ty);
    g_signal_emit_by_name (drag, "drag-begin", wx, wy);
    g_signal_emit_by_name (drag, "drag-update", tx - wx, ty - wy);
    g_signal_emit_by_name (drag, "drag-end", tx - wx, ty - wy);
  }
  xy = ms_draw_distribution_get_points (draw, &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpfloat_with_epsilon (xy[0], 0.0f, 0.05f);
  g_assert_cmpfloat_with_epsilon (xy[1], 0.0f, 0.05f);

  /* A right-click on the second removes it; on empty space it does nothing */
  g_signal_emit_by_name (right, "pressed", 1, cx, cy);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 1);
  g_signal_emit_by_name (right, "pressed", 1, 5.0, 5.0);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 1);

  /* Keyboard: Insert adds at the centre, the arrows move it, Delete removes it */
  g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Insert, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 2);
  g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Right, 0, 0, &handled);
  xy = ms_draw_distribution_get_points (draw, &n);
  g_assert_cmpfloat_with_epsilon (xy[2], 0.1f, 1e-5);
  g_signal_emit_by_name (key, "key-pressed", GDK_KEY_Delete, 0, 0, &handled);
  g_assert_cmpint (ms_draw_distribution_get_n_points (draw), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (draw);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("MODESCOPE_FASHION_MNIST_DIR", "/nonexistent/modescope-test-fashion", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/control-panel/defaults", test_defaults);
  g_test_add_func ("/ui/control-panel/stored-values", test_stored_values_come_back);
  g_test_add_func ("/ui/control-panel/commands", test_controls_push_commands);
  g_test_add_func ("/ui/control-panel/invalid-lr", test_invalid_lr);
  g_test_add_func ("/ui/control-panel/follows-session", test_follows_session);
  g_test_add_func ("/ui/control-panel/new-run", test_new_run);
  g_test_add_func ("/ui/control-panel/session-without-run", test_session_without_run);
  g_test_add_func ("/ui/control-panel/drawn", test_drawn);
  g_test_add_func ("/ui/control-panel/bad-folder", test_bad_folder);
  g_test_add_func ("/ui/control-panel/good-folder", test_good_folder);
  g_test_add_func ("/ui/control-panel/folder-chooser", test_folder_chooser);
  g_test_add_func ("/ui/control-panel/fashion-missing", test_fashion_missing);
  g_test_add_func ("/ui/control-panel/draw-dialog", test_draw_dialog);
  g_test_add_func ("/ui/control-panel/accessible", test_accessible);
  g_test_add_func ("/ui/control-panel/keyboard", test_keyboard);
  g_test_add_func ("/ui/draw-distribution/api", test_draw_api);
  g_test_add_func ("/ui/draw-distribution/mouse", test_draw_mouse);
  return g_test_run ();
}
