/* ms-control-panel.c: the control sidebar
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three kinds of state meet here, and each has one direction:
 *  - the controls: what the user sees and edits;
 *  - "committed": what the controls last applied to the session (or took from it), so that an
 *    invalid combination or a cancelled new run can be put back;
 *  - "last": the settings of the previous frame.  The controls follow a frame only where its
 *    settings differ from the previous frame's (the session changed them: a restore, a
 *    scheduled command, another part of the window), so a frame built before one of our own
 *    commands was applied never reverts the control the user just changed.  A new run, the
 *    first frame of a session, or a rejected command of ours take every value from the frame.
 * While the controls are being set from code, `syncing` is non-zero and no handler pushes a
 * command: that is the guard against feedback loops.  Some widgets (GtkSwitch) emit their
 * notify after the guard is released, so every handler also compares with "committed" and
 * does nothing when they agree.  Until the session's events answer our own commands (applied
 * or rejected), frames are not followed: they may have been built before the command.
 *
 * GSettings are written by hand rather than with g_settings_bind(): a value is stored only
 * once it is valid and has been pushed, and values that arrive with frames are stored too.
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ms-control-panel.h"
#include "ms-draw-distribution.h"
#include "ms-source.h"
#include "ms-values.h"

#define PENDING_TIMEOUT_US (5 * G_USEC_PER_SEC)   /* stop waiting for an unanswered command */
/* The learning rates typed or stepped to: ms-values.h's rules, the same as modescope-cli's */
#define LR_MIN     MS_VALUE_RATE_MIN
#define LR_MAX     MS_VALUE_RATE_MAX

typedef struct
{
  AdwPreferencesGroup *group;
  AdwComboRow         *kind_row;
  AdwEntryRow         *lr_row;
  AdwActionRow        *momentum_row;
  GtkSpinButton       *momentum_spin;
  AdwActionRow        *alpha_row;
  GtkSpinButton       *alpha_spin;
  AdwActionRow        *beta1_row;
  GtkSpinButton       *beta1_spin;
  AdwActionRow        *beta2_row;
  GtkSpinButton       *beta2_spin;
  double               lr;              /* the last valid learning rate */
  double               momentum_sgd;    /* MOMENTUM, NESTEROV */
  double               momentum_rms;    /* RMSPROP */
  char                *lr_tooltip;
} OptimControls;

typedef enum
{
  NEW_RUN_DATASET,
  NEW_RUN_ARCH,
  NEW_RUN_SEED,
  NEW_RUN_PACK,
} NewRunReason;

struct _MsControlPanel
{
  GtkWidget            parent_instance;

  MsSession           *session;
  gulong               frame_handler;
  gulong               events_handler;
  GSettings           *settings;
  GSettingsSchema     *schema;
  gboolean             confirm_new_run;
  int                  syncing;
  char                *message;

  /* The previous frame's settings */
  MsSessionSettings    last;
  gboolean             have_last;
  guint                last_run;
  GArray              *pending;         /* ids of our commands the session has not applied */
  GArray              *pending_runs;    /* ids of our new_run commands, likewise */
  gint64               pending_since;
  guint                seen_events;     /* session events already looked at */
  gboolean             batch_clamped;   /* this run's batch was clamped to its data set: the
                                         * spin shows it, the settings keep the one asked */

  /* Committed */
  MsGanConfig          gan;
  MsOptimConfig        optim[2];        /* [generator] */
  char                *dataset;         /* an id of dataset_ids */
  char                *folder;          /* "folder": its path */
  gboolean             folder_28;       /* its images are 28x28 (or not known otherwise) */
  float               *drawn;           /* "drawn": (n_drawn, 2) */
  int                  n_drawn;
  double               drawn_std;
  guint                arch;            /* index into arch_ids */
  guint                seed;
  int                  pack;
  int                  eval_every;

  /* Waiting for the new-run confirmation */
  char                *pending_folder;
  gboolean             pending_folder_28;
  float               *pending_drawn;
  int                  pending_n_drawn;
  double               pending_std;
  gboolean             has_pending_drawn;
  AdwMessageDialog    *confirm_dialog;
  GtkWindow           *draw_window;
  GtkNativeDialog     *chooser;
  GCancellable        *cancellable;

  GPtrArray           *dataset_ids;     /* ids of the dataset model's items */
  GtkStringList       *dataset_model;
  GPtrArray           *arch_ids;        /* NULL = automatic first */

  /* Template children */
  GtkWidget           *box;
  GtkRevealer         *message_revealer;
  GtkLabel            *message_label;
  AdwComboRow         *dataset_row;
  AdwActionRow        *open_folder_row;
  AdwActionRow        *draw_row;
  AdwComboRow         *arch_row;
  AdwComboRow         *loss_row;
  AdwActionRow        *clip_row;
  GtkSpinButton       *clip_spin;
  AdwActionRow        *lambda_row;
  GtkSpinButton       *lambda_spin;
  AdwActionRow        *n_critic_row;
  GtkSpinButton       *n_critic_spin;
  AdwExpanderRow      *unroll_row;
  AdwActionRow        *unroll_steps_row;
  GtkSpinButton       *unroll_spin;
  AdwActionRow        *first_order_row;
  GtkSwitch           *first_order_switch;
  AdwActionRow        *pack_row;
  GtkSpinButton       *pack_spin;
  AdwActionRow        *veegan_row;
  GtkSwitch           *veegan_switch;
  AdwExpanderRow      *adagan_row;
  AdwActionRow        *adagan_rounds_row;
  GtkSpinButton       *adagan_rounds_spin;
  AdwActionRow        *adagan_iters_row;
  GtkSpinButton       *adagan_iters_spin;
  AdwActionRow        *link_row;
  GtkSwitch           *link_switch;
  OptimControls        oc[2];           /* [generator] */
  AdwActionRow        *batch_row;
  GtkSpinButton       *batch_spin;
  AdwActionRow        *seed_row;
  GtkSpinButton       *seed_spin;
  AdwActionRow        *eval_every_row;
  GtkSpinButton       *eval_every_spin;
  AdwActionRow        *eval_samples_row;
  GtkSpinButton       *eval_samples_spin;
};

G_DEFINE_FINAL_TYPE (MsControlPanel, ms_control_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  PROP_CONFIRM_NEW_RUN,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void sync_from_frame (MsControlPanel *self,
                             MsFrame        *frame,
                             gboolean        force);

/* Small helpers ------------------------------------------------------------------------- */

static gboolean
fashion_installed (void)
{
  static gsize once = 0;
  static gboolean installed = FALSE;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MsDataset) ds = ms_dataset_load_fashion_mnist ("t10k", &error);

      installed = ds != NULL;
      g_once_init_leave (&once, 1);
    }
  return installed;
}

static const char *
dataset_title (const char *id)
{
  static const struct { const char *id; const char *title; } titles[] = {
    { "mnist", N_("MNIST digits") },
    { "fashion", N_("Fashion-MNIST clothes") },
    { "ring8", N_("Ring of 8 Gaussians") },
    { "grid25", N_("Grid of 25 Gaussians") },
    { "wgan8", N_("8 Gaussians (WGAN-GP paper)") },
    { "wgan25", N_("25 Gaussians (WGAN-GP paper)") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    if (g_str_equal (id, titles[i].id))
      return _(titles[i].title);
  return id;
}

static const char *
arch_title (const char *id)
{
  if (id == NULL)
    return _("Automatic");
  if (g_str_equal (id, "dcgan-small"))
    return _("DCGAN (small)");
  if (g_str_equal (id, "dcgan-paper"))
    return _("DCGAN (paper)");
  if (g_str_equal (id, "mlp"))
    return _("MLP");
  return id;
}

/* "_Clip value" -> "Clip value" */
static char *
strip_mnemonic (const char *title)
{
  GString *s = g_string_new (NULL);

  for (const char *p = title != NULL ? title : ""; *p != '\0'; p++)
    {
      if (*p == '_')
        {
          if (p[1] != '_')
            continue;
          p++;
        }
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static void
set_message (MsControlPanel *self,
             const char     *message)
{
  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

/* Pushes @command (transfer full) and remembers it until the session says it applied or
 * rejected it: until then frames are not followed, since they may predate it. */
static guint
push_full (MsControlPanel   *self,
           MsSessionCommand *command,
           gboolean          new_run)
{
  guint id;

  if (self->session == NULL)
    {
      ms_session_command_free (command);
      return 0;
    }
  id = ms_session_push (self->session, command);
  if (self->pending->len == 0 && self->pending_runs->len == 0)
    self->pending_since = g_get_monotonic_time ();
  g_array_append_val (new_run ? self->pending_runs : self->pending, id);
  return id;
}

static guint
push (MsControlPanel   *self,
      MsSessionCommand *command)
{
  return push_full (self, command, FALSE);
}

static gboolean
array_remove_id (GArray *array,
                 guint   id)
{
  for (guint i = 0; i < array->len; i++)
    if (g_array_index (array, guint, i) == id)
      {
        g_array_remove_index (array, i);
        return TRUE;
      }
  return FALSE;
}

/* GSettings ----------------------------------------------------------------------------- */

/* Writes @value (floating) when it differs and fits the key's range or choices, so that a
 * value from a frame (e.g. a learning rate set by a script) can never trip GSettings. */
static void
settings_put (MsControlPanel *self,
              const char     *key,
              GVariant       *value)
{
  g_autoptr(GVariant) v = g_variant_ref_sink (value);
  g_autoptr(GVariant) old = NULL;
  g_autoptr(GSettingsSchemaKey) skey = NULL;

  if (self->settings == NULL || self->schema == NULL
      || !g_settings_schema_has_key (self->schema, key))
    return;
  skey = g_settings_schema_get_key (self->schema, key);
  if (!g_variant_is_of_type (v, g_settings_schema_key_get_value_type (skey))
      || !g_settings_schema_key_range_check (skey, v))
    {
      g_debug ("not storing an out-of-range value for “%s”", key);
      return;
    }
  old = g_settings_get_value (self->settings, key);
  if (!g_variant_equal (old, v))
    g_settings_set_value (self->settings, key, v);
}

static void
put_int (MsControlPanel *self, const char *key, int value)
{
  settings_put (self, key, g_variant_new_int32 (value));
}

static void
put_double (MsControlPanel *self, const char *key, double value)
{
  settings_put (self, key, g_variant_new_double (value));
}

static void
put_bool (MsControlPanel *self, const char *key, gboolean value)
{
  settings_put (self, key, g_variant_new_boolean (!!value));
}

static void
put_string (MsControlPanel *self, const char *key, const char *value)
{
  settings_put (self, key, g_variant_new_string (value != NULL ? value : ""));
}

static char *
optim_key (gboolean    generator,
           const char *suffix)
{
  return g_strconcat (generator ? "optim-g-" : "optim-d-", suffix, NULL);
}

static int
get_int (MsControlPanel *self, const char *key, int fallback)
{
  if (self->settings == NULL || !g_settings_schema_has_key (self->schema, key))
    return fallback;
  return g_settings_get_int (self->settings, key);
}

static double
get_double (MsControlPanel *self, const char *key, double fallback)
{
  if (self->settings == NULL || !g_settings_schema_has_key (self->schema, key))
    return fallback;
  return g_settings_get_double (self->settings, key);
}

static gboolean
get_bool (MsControlPanel *self, const char *key, gboolean fallback)
{
  if (self->settings == NULL || !g_settings_schema_has_key (self->schema, key))
    return fallback;
  return g_settings_get_boolean (self->settings, key);
}

static char *
get_string (MsControlPanel *self, const char *key, const char *fallback)
{
  if (self->settings == NULL || !g_settings_schema_has_key (self->schema, key))
    return g_strdup (fallback);
  return g_settings_get_string (self->settings, key);
}

static void
save_gan (MsControlPanel    *self,
          const MsGanConfig *c)
{
  put_string (self, "loss", ms_loss_kind_to_string (c->loss));
  put_int (self, "batch", c->batch);
  put_int (self, "n-critic", c->n_critic);
  put_double (self, "gp-lambda", c->gp_lambda);
  put_double (self, "clip", c->clip);
  put_int (self, "unroll", c->unroll);
  put_bool (self, "unroll-first-order", c->unroll_first_order);
  put_bool (self, "veegan", c->veegan);
  put_int (self, "adagan-rounds", c->adagan_rounds);
  put_int (self, "adagan-round-iters", c->adagan_round_iters);
}

static void
save_optim (MsControlPanel *self,
            gboolean        generator)
{
  OptimControls *oc = &self->oc[generator];
  const MsOptimConfig *c = &self->optim[generator];
  g_autofree char *kind = optim_key (generator, "kind");
  g_autofree char *lr = optim_key (generator, "lr");
  g_autofree char *mom = optim_key (generator, "momentum");
  g_autofree char *rmom = optim_key (generator, "rmsprop-momentum");
  g_autofree char *alpha = optim_key (generator, "alpha");
  g_autofree char *beta1 = optim_key (generator, "beta1");
  g_autofree char *beta2 = optim_key (generator, "beta2");

  put_string (self, kind, ms_optim_kind_to_string (c->kind));
  put_double (self, lr, c->lr);
  put_double (self, mom, oc->momentum_sgd);
  put_double (self, rmom, oc->momentum_rms);
  if (c->kind == MS_OPTIM_RMSPROP)
    put_double (self, alpha, c->alpha);
  if (c->kind == MS_OPTIM_ADAM)
    {
      put_double (self, beta1, c->beta1);
      put_double (self, beta2, c->beta2);
    }
}

/* Dataset model ------------------------------------------------------------------------- */

static const char *
current_folder (MsControlPanel *self)
{
  return self->pending_folder != NULL ? self->pending_folder : self->folder;
}

static int
current_n_drawn (MsControlPanel *self)
{
  return self->has_pending_drawn ? self->pending_n_drawn : self->n_drawn;
}

static guint
dataset_index (MsControlPanel *self,
               const char     *id)
{
  for (guint i = 0; i < self->dataset_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->dataset_ids, i), id) == 0)
      return i;
  return 0;
}

static const char *
selected_dataset (MsControlPanel *self)
{
  guint i = adw_combo_row_get_selected (self->dataset_row);

  return i < self->dataset_ids->len ? g_ptr_array_index (self->dataset_ids, i) : "mnist";
}

/* Rebuilds the items after the fixed ones ("folder", "drawn") and selects @id. */
static void
dataset_model_update (MsControlPanel *self,
                      const char     *id)
{
  guint n_fixed = 0, n_items = g_list_model_get_n_items (G_LIST_MODEL (self->dataset_model));
  g_autofree char *folder_label = NULL;
  g_autofree char *drawn_label = NULL;
  const char *labels[3] = { NULL, NULL, NULL };
  int n = 0;

  while (n_fixed < self->dataset_ids->len
         && !g_str_equal (g_ptr_array_index (self->dataset_ids, n_fixed), "folder")
         && !g_str_equal (g_ptr_array_index (self->dataset_ids, n_fixed), "drawn"))
    n_fixed++;
  g_ptr_array_set_size (self->dataset_ids, n_fixed);

  if (current_folder (self) != NULL)
    {
      g_autofree char *base = g_path_get_basename (current_folder (self));

      /* Translators: a dataset that is a folder of IDX files the user opened */
      folder_label = g_strdup_printf (_("Folder “%s”"), base);
      labels[n++] = folder_label;
      g_ptr_array_add (self->dataset_ids, g_strdup ("folder"));
    }
  if (current_n_drawn (self) > 0)
    {
      drawn_label = g_strdup_printf (ngettext ("Drawn: %d mode", "Drawn: %d modes",
                                               current_n_drawn (self)),
                                     current_n_drawn (self));
      labels[n++] = drawn_label;
      g_ptr_array_add (self->dataset_ids, g_strdup ("drawn"));
    }

  self->syncing++;
  gtk_string_list_splice (self->dataset_model, n_fixed, n_items - n_fixed, labels);
  adw_combo_row_set_selected (self->dataset_row, dataset_index (self, id));
  self->syncing--;
}

static void
dataset_list_bind (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   MsControlPanel           *self)
{
  GtkWidget *label = gtk_list_item_get_child (item);
  GtkStringObject *string = gtk_list_item_get_item (item);
  guint pos = gtk_list_item_get_position (item);
  gboolean missing = pos < self->dataset_ids->len
                     && g_str_equal (g_ptr_array_index (self->dataset_ids, pos), "fashion")
                     && !fashion_installed ();

  gtk_label_set_text (GTK_LABEL (label), gtk_string_object_get_string (string));
  gtk_widget_set_sensitive (label, !missing);
  gtk_widget_set_tooltip_text (label, missing ? _("Install the dataset-fashion-mnist package")
                                              : NULL);
  gtk_list_item_set_activatable (item, !missing);
  gtk_list_item_set_selectable (item, !missing);
}

static void
dataset_list_setup (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    MsControlPanel           *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_list_item_set_child (item, label);
}

/* Reading and setting the controls -------------------------------------------------------- */

static MsOptimKind
control_kind (MsControlPanel *self,
              gboolean        generator)
{
  guint k = adw_combo_row_get_selected (self->oc[generator].kind_row);

  return k < MS_OPTIM_N_KINDS ? (MsOptimKind) k : MS_OPTIM_ADAM;
}

/* The optimizer the controls describe (the learning rate: the last valid one) */
static MsOptimConfig
optim_from_controls (MsControlPanel *self,
                     gboolean        generator)
{
  OptimControls *oc = &self->oc[generator];
  MsOptimKind kind = control_kind (self, generator);
  /* Fields the panel does not show (eps, weight decay, dampening) stay as they were for the
   * same kind; another kind starts from torch's defaults, as a new torch optimizer would. */
  MsOptimConfig c = self->optim[generator].kind == kind ? self->optim[generator]
                                                        : ms_optim_config_default (kind);

  c.lr = oc->lr;
  switch (c.kind)
    {
    case MS_OPTIM_MOMENTUM:
    case MS_OPTIM_NESTEROV:
      c.momentum = oc->momentum_sgd;
      break;
    case MS_OPTIM_RMSPROP:
      c.momentum = oc->momentum_rms;
      c.alpha = gtk_spin_button_get_value (oc->alpha_spin);
      break;
    case MS_OPTIM_ADAM:
      c.beta1 = gtk_spin_button_get_value (oc->beta1_spin);
      c.beta2 = gtk_spin_button_get_value (oc->beta2_spin);
      break;
    case MS_OPTIM_SGD:
    case MS_OPTIM_N_KINDS:
    default:
      break;
    }
  return c;
}

static MsGanConfig
gan_from_controls (MsControlPanel *self)
{
  MsGanConfig c = self->gan;   /* any field the panel does not show stays as committed */
  guint loss = adw_combo_row_get_selected (self->loss_row);

  c.loss = loss < MS_LOSS_N_KINDS ? (MsLossKind) loss : MS_LOSS_NSGAN;
  c.batch = gtk_spin_button_get_value_as_int (self->batch_spin);
  c.n_critic = gtk_spin_button_get_value_as_int (self->n_critic_spin);
  c.gp_lambda = (float) gtk_spin_button_get_value (self->lambda_spin);
  c.clip = (float) gtk_spin_button_get_value (self->clip_spin);
  c.unroll = adw_expander_row_get_enable_expansion (self->unroll_row)
             ? gtk_spin_button_get_value_as_int (self->unroll_spin) : 0;
  c.unroll_first_order = gtk_switch_get_active (self->first_order_switch);
  c.veegan = gtk_switch_get_active (self->veegan_switch);
  /* Off is 0 or 1 rounds: keep whichever the session has */
  c.adagan_rounds = adw_expander_row_get_enable_expansion (self->adagan_row)
                    ? gtk_spin_button_get_value_as_int (self->adagan_rounds_spin)
                    : MIN (MAX (self->gan.adagan_rounds, 0), 1);
  c.adagan_round_iters = gtk_spin_button_get_value_as_int (self->adagan_iters_spin);
  return c;
}

static void
set_lr_text (MsControlPanel *self,
             gboolean        generator,
             double          lr)
{
  OptimControls *oc = &self->oc[generator];
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%g", lr);
  oc->lr = lr;
  self->syncing++;
  gtk_editable_set_text (GTK_EDITABLE (oc->lr_row), buf);
  gtk_widget_remove_css_class (GTK_WIDGET (oc->lr_row), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (oc->lr_row), oc->lr_tooltip);
  gtk_accessible_reset_state (GTK_ACCESSIBLE (oc->lr_row), GTK_ACCESSIBLE_STATE_INVALID);
  self->syncing--;
}

static void
update_visibility (MsControlPanel *self)
{
  guint loss = adw_combo_row_get_selected (self->loss_row);
  gboolean linked = gtk_switch_get_active (self->link_switch);

  gtk_widget_set_visible (GTK_WIDGET (self->clip_row), loss == MS_LOSS_WGAN_CLIP);
  gtk_widget_set_visible (GTK_WIDGET (self->lambda_row), loss == MS_LOSS_WGAN_GP);
  gtk_widget_set_sensitive (GTK_WIDGET (self->adagan_iters_row),
                            adw_expander_row_get_enable_expansion (self->adagan_row));

  for (int g = 0; g < 2; g++)
    {
      OptimControls *oc = &self->oc[g];
      MsOptimKind kind = control_kind (self, g);

      gtk_widget_set_visible (GTK_WIDGET (oc->momentum_row),
                              kind == MS_OPTIM_MOMENTUM || kind == MS_OPTIM_NESTEROV
                              || kind == MS_OPTIM_RMSPROP);
      gtk_widget_set_visible (GTK_WIDGET (oc->alpha_row), kind == MS_OPTIM_RMSPROP);
      gtk_widget_set_visible (GTK_WIDGET (oc->beta1_row), kind == MS_OPTIM_ADAM);
      gtk_widget_set_visible (GTK_WIDGET (oc->beta2_row), kind == MS_OPTIM_ADAM);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->oc[0].kind_row), !linked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->oc[0].lr_row), !linked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->oc[0].momentum_row), !linked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->oc[0].alpha_row), !linked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->oc[0].beta1_row), !linked);
  gtk_widget_set_sensitive (GTK_WIDGET (self->oc[0].beta2_row), !linked);
}

static void
set_momentum_spin (MsControlPanel *self,
                   gboolean        generator)
{
  OptimControls *oc = &self->oc[generator];
  MsOptimKind kind = control_kind (self, generator);

  gtk_spin_button_set_value (oc->momentum_spin, kind == MS_OPTIM_RMSPROP ? oc->momentum_rms
                                                                         : oc->momentum_sgd);
}

/* Sets one network's controls to @c (only the fields its kind reads) */
static void
set_optim_controls (MsControlPanel      *self,
                    gboolean             generator,
                    const MsOptimConfig *c)
{
  OptimControls *oc = &self->oc[generator];

  self->syncing++;
  if (c->kind < MS_OPTIM_N_KINDS)
    adw_combo_row_set_selected (oc->kind_row, c->kind);
  if (c->kind == MS_OPTIM_MOMENTUM || c->kind == MS_OPTIM_NESTEROV)
    oc->momentum_sgd = c->momentum;
  else if (c->kind == MS_OPTIM_RMSPROP)
    {
      oc->momentum_rms = c->momentum;
      gtk_spin_button_set_value (oc->alpha_spin, c->alpha);
    }
  else if (c->kind == MS_OPTIM_ADAM)
    {
      gtk_spin_button_set_value (oc->beta1_spin, c->beta1);
      gtk_spin_button_set_value (oc->beta2_spin, c->beta2);
    }
  set_momentum_spin (self, generator);
  set_lr_text (self, generator, c->lr);
  self->syncing--;
  self->optim[generator] = *c;
  update_visibility (self);
}

static void
set_gan_controls (MsControlPanel    *self,
                  const MsGanConfig *c)
{
  self->syncing++;
  if (c->loss < MS_LOSS_N_KINDS)
    adw_combo_row_set_selected (self->loss_row, c->loss);
  gtk_spin_button_set_value (self->batch_spin, c->batch);
  gtk_spin_button_set_value (self->n_critic_spin, c->n_critic);
  gtk_spin_button_set_value (self->lambda_spin, c->gp_lambda);
  gtk_spin_button_set_value (self->clip_spin, c->clip);
  if (c->unroll > 0)
    gtk_spin_button_set_value (self->unroll_spin, c->unroll);
  adw_expander_row_set_enable_expansion (self->unroll_row, c->unroll > 0);
  gtk_switch_set_active (self->first_order_switch, c->unroll_first_order);
  gtk_switch_set_active (self->veegan_switch, c->veegan);
  if (c->adagan_rounds > 1)
    gtk_spin_button_set_value (self->adagan_rounds_spin, c->adagan_rounds);
  adw_expander_row_set_enable_expansion (self->adagan_row, c->adagan_rounds > 1);
  gtk_spin_button_set_value (self->adagan_iters_spin, c->adagan_round_iters);
  self->syncing--;
  self->gan = *c;
  update_visibility (self);
}

static void
set_arch_control (MsControlPanel *self,
                  const char     *arch)
{
  guint index = 0;

  for (guint i = 1; i < self->arch_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->arch_ids, i), arch) == 0)
      index = i;
  self->arch = index;
  self->syncing++;
  adw_combo_row_set_selected (self->arch_row, index);
  self->syncing--;
}

static void
set_spin_quietly (MsControlPanel *self,
                  GtkSpinButton  *spin,
                  double          value)
{
  self->syncing++;
  gtk_spin_button_set_value (spin, value);
  self->syncing--;
}

/* The dataset as the session names it (transfer full) */
static char *
dataset_session_name (const char *id,
                      const char *folder)
{
  if (g_strcmp0 (id, "folder") == 0)
    return g_strdup (folder != NULL && *folder != '\0' ? folder : "mnist");
  if (g_strcmp0 (id, "fashion") == 0 && !fashion_installed ())
    return g_strdup ("mnist");
  return g_strdup (id != NULL ? id : "mnist");
}

/* Committed dataset <- the session's name for it */
static void
set_dataset_from_settings (MsControlPanel          *self,
                           const MsSessionSettings *s)
{
  const char *name = s->dataset != NULL ? s->dataset : "mnist";
  const char *id;

  if (g_str_equal (name, "drawn"))
    {
      id = "drawn";
      g_free (self->drawn);
      self->n_drawn = CLAMP (s->n_points, 0, MS_DRAW_DISTRIBUTION_MAX);
      self->drawn = self->n_drawn > 0 && s->points != NULL
                    ? g_memdup2 (s->points, sizeof (float) * 2 * (gsize) self->n_drawn) : NULL;
      if (self->drawn == NULL)
        self->n_drawn = 0;
      self->drawn_std = s->points_std;
    }
  else if (g_str_equal (name, "mnist") || g_str_equal (name, "fashion")
           || g_strv_contains (ms_mixture_names (), name))
    id = name;
  else
    {
      id = "folder";
      g_free (self->folder);
      self->folder = g_strdup (name);
    }
  g_free (self->dataset);
  self->dataset = g_strdup (id);
  dataset_model_update (self, id);
}

/* Loads every control from GSettings (construction) */
static void
load_from_settings (MsControlPanel *self)
{
  MsSessionSettings s;

  ms_control_panel_get_run_settings (self, &s);
  self->syncing++;
  set_dataset_from_settings (self, &s);
  if (g_strcmp0 (s.dataset, "drawn") != 0)
    {
      /* keep the stored drawing and folder available in the list */
      g_autoptr(GVariant) pts = self->settings != NULL
                                ? g_settings_get_value (self->settings, "drawn-points") : NULL;
      g_autofree char *folder = get_string (self, "dataset-folder", "");

      if (pts != NULL && g_variant_n_children (pts) > 0 && self->drawn == NULL)
        {
          gsize n = MIN (g_variant_n_children (pts), MS_DRAW_DISTRIBUTION_MAX);

          self->drawn = g_new (float, 2 * n);
          for (gsize i = 0; i < n; i++)
            {
              double x, y;

              g_variant_get_child (pts, i, "(dd)", &x, &y);
              self->drawn[2 * i] = (float) x;
              self->drawn[2 * i + 1] = (float) y;
            }
          self->n_drawn = (int) n;
          self->drawn_std = get_double (self, "drawn-std", 0.05);
        }
      if (self->folder == NULL && *folder != '\0')
        self->folder = g_strdup (folder);
      dataset_model_update (self, self->dataset);
    }
  set_arch_control (self, s.arch);
  set_gan_controls (self, &s.gan);
  for (int g = 0; g < 2; g++)
    {
      OptimControls *oc = &self->oc[g];
      g_autofree char *mom = optim_key (g, "momentum");
      g_autofree char *rmom = optim_key (g, "rmsprop-momentum");
      g_autofree char *alpha = optim_key (g, "alpha");
      g_autofree char *beta1 = optim_key (g, "beta1");
      g_autofree char *beta2 = optim_key (g, "beta2");

      oc->momentum_sgd = get_double (self, mom, 0.9);
      oc->momentum_rms = get_double (self, rmom, 0.0);
      gtk_spin_button_set_value (oc->alpha_spin, get_double (self, alpha, 0.99));
      gtk_spin_button_set_value (oc->beta1_spin, get_double (self, beta1, 0.5));
      gtk_spin_button_set_value (oc->beta2_spin, get_double (self, beta2, 0.999));
      set_optim_controls (self, g, g ? &s.optim_g : &s.optim_d);
    }
  gtk_switch_set_active (self->link_switch, get_bool (self, "link-optimizers", FALSE));
  self->seed = (guint) s.seed;
  self->pack = s.pack;
  gtk_spin_button_set_value (self->seed_spin, (double) s.seed);
  gtk_spin_button_set_value (self->pack_spin, s.pack);
  self->eval_every = s.eval_every;
  gtk_spin_button_set_value (self->eval_every_spin, s.eval_every);
  gtk_spin_button_set_value (self->eval_samples_spin, s.eval_samples);
  self->syncing--;
  ms_session_settings_clear (&s);
  update_visibility (self);
}

/* Applying changes ------------------------------------------------------------------------ */

/* ms_gan_config_validate(), plus what only the run's structure can tell (PacGAN's pack) */
static gboolean
gan_config_check (MsControlPanel     *self,
                  const MsGanConfig  *c,
                  GError            **error)
{
  if (!ms_gan_config_validate (c, error))
    return FALSE;
  if (c->adagan_rounds > 1 && self->pack > 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("AdaGAN cannot be combined with PacGAN packing: set the pack size "
                             "to 1 first."));
      return FALSE;
    }
  return TRUE;
}

/* Pushes the objective and remedies the controls describe; an invalid combination (VEEGAN
 * with unrolling, ...) is explained and the controls go back to the committed values. */
static void
apply_gan_config (MsControlPanel *self)
{
  g_autoptr(GError) error = NULL;
  MsGanConfig c;

  if (self->syncing)
    return;
  c = gan_from_controls (self);
  update_visibility (self);
  /* Also what a deferred notification of our own revert looks like (GtkSwitch and others
   * may emit "notify" after `syncing` is back to 0) */
  if (ms_gan_config_equal (&c, &self->gan))
    return;
  if (!gan_config_check (self, &c, &error))
    {
      set_message (self, error->message);
      set_gan_controls (self, &self->gan);
      return;
    }
  set_message (self, NULL);
  self->gan = c;
  save_gan (self, &c);
  push (self, ms_session_command_new_set_gan_config (&c));
}

static void
apply_optim (MsControlPanel *self,
             gboolean        generator)
{
  g_autoptr(GError) error = NULL;
  MsOptimConfig c;

  if (self->syncing)
    return;
  c = optim_from_controls (self, generator);
  update_visibility (self);
  if (!ms_optim_config_equal (&c, &self->optim[generator]) && !ms_optim_config_validate (&c, &error))
    {
      set_message (self, error->message);
      set_optim_controls (self, generator, &self->optim[generator]);
      return;
    }
  if (!ms_optim_config_equal (&c, &self->optim[generator]))
    {
      set_message (self, NULL);
      gboolean lr_only;
      MsOptimConfig old = self->optim[generator];

      old.lr = c.lr;
      lr_only = ms_optim_config_equal (&old, &c);
      self->optim[generator] = c;
      save_optim (self, generator);
      push (self, lr_only ? ms_session_command_new_set_lr (generator, c.lr)
                          : ms_session_command_new_set_optim (generator, &c));
    }

  /* "Same as generator": the discriminator follows */
  if (generator && gtk_switch_get_active (self->link_switch))
    {
      OptimControls *g = &self->oc[TRUE], *d = &self->oc[FALSE];

      d->momentum_sgd = g->momentum_sgd;
      d->momentum_rms = g->momentum_rms;
      set_optim_controls (self, FALSE, &self->optim[FALSE]);   /* keeps the unshown fields */
      self->syncing++;
      gtk_spin_button_set_value (d->alpha_spin, gtk_spin_button_get_value (g->alpha_spin));
      gtk_spin_button_set_value (d->beta1_spin, gtk_spin_button_get_value (g->beta1_spin));
      gtk_spin_button_set_value (d->beta2_spin, gtk_spin_button_get_value (g->beta2_spin));
      adw_combo_row_set_selected (d->kind_row, c.kind);
      d->lr = c.lr;
      self->syncing--;
      apply_optim (self, FALSE);
    }
}

/* Parses the learning rate entry: "2e-4", "0.0002" (C locale, surrounding spaces allowed),
 * with ms-values.h, so the window refuses what modescope-cli refuses, in the same words */
static gboolean
parse_lr (const char  *text,
          double      *out,
          GError     **error)
{
  return ms_value_parse_rate (text, out, error);
}

static void
apply_lr (MsControlPanel *self,
          gboolean        generator)
{
  OptimControls *oc = &self->oc[generator];
  const char *text = gtk_editable_get_text (GTK_EDITABLE (oc->lr_row));
  g_autoptr(GError) error = NULL;
  double lr;

  if (self->syncing)
    return;
  if (!parse_lr (text, &lr, &error))
    {
      /* Translators: %s says what is wrong and what to type, e.g. "“abc” is not a finite
       * number: the learning rate must be a number from 1e-08 to 10, such as 2e-4" */
      g_autofree char *msg = g_strdup_printf (_("Not applied: %s."), error->message);

      gtk_widget_add_css_class (GTK_WIDGET (oc->lr_row), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (oc->lr_row), msg);
      gtk_accessible_update_state (GTK_ACCESSIBLE (oc->lr_row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_widget_error_bell (GTK_WIDGET (oc->lr_row));
      set_message (self, msg);
      return;
    }
  set_lr_text (self, generator, lr);
  apply_optim (self, generator);
}

static void
on_lr_apply (AdwEntryRow    *row,
             MsControlPanel *self)
{
  apply_lr (self, row == self->oc[TRUE].lr_row);
}

/* The next learning rate up or down on the 1-2-5 ladder */
static double
lr_step (double lr,
         int    direction)
{
  static const double mantissas[] = { 1.0, 2.0, 5.0 };
  double best = lr;

  for (int e = -9; e <= 1; e++)
    for (guint m = 0; m < G_N_ELEMENTS (mantissas); m++)
      {
        double v = mantissas[m] * pow (10.0, e);

        if (v < LR_MIN * 0.999 || v > LR_MAX * 1.001)
          continue;
        if (direction > 0 && v > lr * (1 + 1e-9) && (best == lr || v < best))
          best = v;
        if (direction < 0 && v < lr * (1 - 1e-9) && (best == lr || v > best))
          best = v;
      }
  return best;
}

static gboolean
on_lr_key (GtkEventControllerKey *controller,
           guint                  keyval,
           guint                  keycode,
           GdkModifierType        state,
           MsControlPanel        *self)
{
  AdwEntryRow *row = ADW_ENTRY_ROW (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
  gboolean generator = row == self->oc[TRUE].lr_row;
  OptimControls *oc = &self->oc[generator];
  double lr;
  int dir;

  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    dir = 1;
  else if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    dir = -1;
  else
    return FALSE;
  if (!parse_lr (gtk_editable_get_text (GTK_EDITABLE (row)), &lr, NULL))
    lr = oc->lr;
  set_lr_text (self, generator, lr_step (lr, dir));
  apply_optim (self, generator);
  return TRUE;
}

static void
on_kind_changed (AdwComboRow    *row,
                 GParamSpec     *pspec,
                 MsControlPanel *self)
{
  gboolean generator = row == self->oc[TRUE].kind_row;
  OptimControls *oc = &self->oc[generator];
  MsOptimKind kind = control_kind (self, generator);

  if (self->syncing)
    return;
  /* Nesterov needs momentum; the SGD family's default is 0.9 */
  if ((kind == MS_OPTIM_MOMENTUM || kind == MS_OPTIM_NESTEROV) && oc->momentum_sgd <= 0.0)
    oc->momentum_sgd = 0.9;
  self->syncing++;
  set_momentum_spin (self, generator);
  self->syncing--;
  apply_optim (self, generator);
}

static void
on_optim_spin_changed (GtkSpinButton  *spin,
                       MsControlPanel *self)
{
  gboolean generator = spin == self->oc[TRUE].momentum_spin || spin == self->oc[TRUE].alpha_spin
                       || spin == self->oc[TRUE].beta1_spin || spin == self->oc[TRUE].beta2_spin;
  OptimControls *oc = &self->oc[generator];

  if (self->syncing)
    return;
  if (spin == oc->momentum_spin)
    {
      if (control_kind (self, generator) == MS_OPTIM_RMSPROP)
        oc->momentum_rms = gtk_spin_button_get_value (spin);
      else
        oc->momentum_sgd = gtk_spin_button_get_value (spin);
    }
  apply_optim (self, generator);
}

static void
on_link_changed (GtkSwitch      *sw,
                 GParamSpec     *pspec,
                 MsControlPanel *self)
{
  update_visibility (self);
  if (self->syncing)
    return;
  put_bool (self, "link-optimizers", gtk_switch_get_active (sw));
  if (gtk_switch_get_active (sw))
    apply_optim (self, TRUE);
}

static void
on_gan_control_changed (MsControlPanel *self)
{
  apply_gan_config (self);
}

/* A new objective brings its paper's D steps per G step (5 for the WGANs), unless the user
 * chose another value than the old objective's, as modescope-cli's --schedule does */
static void
on_loss_changed (AdwComboRow    *row,
                 GParamSpec     *pspec,
                 MsControlPanel *self)
{
  guint loss = adw_combo_row_get_selected (row);

  if (self->syncing || loss >= MS_LOSS_N_KINDS || loss == self->gan.loss)
    return;
  if (gtk_spin_button_get_value_as_int (self->n_critic_spin)
      == ms_gan_config_default (self->gan.loss).n_critic)
    set_spin_quietly (self, self->n_critic_spin,
                      ms_gan_config_default ((MsLossKind) loss).n_critic);
  apply_gan_config (self);
}

static void
on_batch_changed (GtkSpinButton  *spin,
                  MsControlPanel *self)
{
  int batch = gtk_spin_button_get_value_as_int (spin);

  if (self->syncing || batch == self->gan.batch)
    return;
  self->gan.batch = batch;
  put_int (self, "batch", batch);
  set_message (self, NULL);
  push (self, ms_session_command_new_set_batch (batch));
}

static void
on_eval_every_changed (GtkSpinButton  *spin,
                       MsControlPanel *self)
{
  int k = gtk_spin_button_get_value_as_int (spin);

  if (self->syncing || k == self->eval_every)
    return;
  self->eval_every = k;
  put_int (self, "eval-every", k);
  push (self, ms_session_command_new_set_eval_every (k));
}

static void
on_eval_samples_changed (GtkSpinButton  *spin,
                         MsControlPanel *self)
{
  if (self->syncing)
    return;
  put_int (self, "eval-samples", gtk_spin_button_get_value_as_int (spin));
}

/* New runs ------------------------------------------------------------------------------ */

static void
save_dataset (MsControlPanel *self)
{
  GVariantBuilder b;

  put_string (self, "dataset", self->dataset);
  if (self->folder != NULL)
    put_string (self, "dataset-folder", self->folder);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(dd)"));
  for (int i = 0; i < self->n_drawn; i++)
    g_variant_builder_add (&b, "(dd)", (double) self->drawn[2 * i],
                           (double) self->drawn[2 * i + 1]);
  settings_put (self, "drawn-points", g_variant_builder_end (&b));
  if (self->n_drawn > 0)
    put_double (self, "drawn-std", CLAMP (self->drawn_std, MS_DRAW_DISTRIBUTION_MIN_STD,
                                          MS_DRAW_DISTRIBUTION_MAX_STD));
}

/* The controls' dataset, architecture, seed and pack become the committed ones */
static void
commit_new_run_controls (MsControlPanel *self)
{
  const char *arch;

  g_free (self->dataset);
  self->dataset = g_strdup (selected_dataset (self));
  if (self->pending_folder != NULL)
    {
      g_free (self->folder);
      self->folder = g_steal_pointer (&self->pending_folder);
      self->folder_28 = self->pending_folder_28;
    }
  if (self->has_pending_drawn)
    {
      g_free (self->drawn);
      self->drawn = g_steal_pointer (&self->pending_drawn);
      self->n_drawn = self->pending_n_drawn;
      self->drawn_std = self->pending_std;
      self->has_pending_drawn = FALSE;
    }
  save_dataset (self);

  self->arch = adw_combo_row_get_selected (self->arch_row);
  if (self->arch >= self->arch_ids->len)
    self->arch = 0;
  arch = g_ptr_array_index (self->arch_ids, self->arch);
  put_string (self, "arch", arch != NULL ? arch : "automatic");
  self->seed = (guint) gtk_spin_button_get_value (self->seed_spin);
  put_int (self, "seed", (int) self->seed);
  self->pack = gtk_spin_button_get_value_as_int (self->pack_spin);
  put_int (self, "pack", self->pack);
}

static void
revert_new_run_controls (MsControlPanel *self)
{
  g_clear_pointer (&self->pending_folder, g_free);
  g_clear_pointer (&self->pending_drawn, g_free);
  self->has_pending_drawn = FALSE;
  dataset_model_update (self, self->dataset);
  self->syncing++;
  adw_combo_row_set_selected (self->arch_row, self->arch);
  gtk_spin_button_set_value (self->seed_spin, self->seed);
  gtk_spin_button_set_value (self->pack_spin, self->pack);
  self->syncing--;
}

static void
start_new_run (MsControlPanel *self)
{
  MsSessionSettings s;
  MsFrame *frame;

  commit_new_run_controls (self);
  if (self->session == NULL)
    return;
  ms_control_panel_get_run_settings (self, &s);
  frame = ms_session_get_frame (self->session);
  if (frame != NULL)
    {
      s.grid_size = frame->settings.grid_size;
      s.snapshot_every = frame->settings.snapshot_every;
    }
  s.start_paused = ms_session_get_paused (self->session);
  push_full (self, ms_session_command_new_new_run (&s), TRUE);
  ms_session_settings_clear (&s);
}

static void
on_confirm_response (AdwMessageDialog *dialog,
                     const char       *response,
                     MsControlPanel   *self)
{
  if (g_strcmp0 (response, "new-run") == 0)
    start_new_run (self);
  else
    revert_new_run_controls (self);
}

/* NULL when the chosen architecture can train on the chosen data, else why not */
static const char *
arch_mismatch (MsControlPanel *self)
{
  const char *id = selected_dataset (self);
  guint a = adw_combo_row_get_selected (self->arch_row);
  const char *arch = a < self->arch_ids->len ? g_ptr_array_index (self->arch_ids, a) : NULL;
  gboolean points = g_str_equal (id, "drawn") || g_strv_contains (ms_mixture_names (), id);
  gboolean folder_28 = self->pending_folder != NULL ? self->pending_folder_28 : self->folder_28;

  if (points && arch != NULL && g_str_has_prefix (arch, "dcgan"))
    return _("The DCGAN architectures draw 28×28 images: choose MLP or Automatic for 2-D "
             "points.");
  if (gtk_spin_button_get_value_as_int (self->pack_spin) > 1 && self->gan.adagan_rounds > 1)
    return _("PacGAN packing cannot be combined with AdaGAN: turn AdaGAN off first.");
  if (g_str_equal (id, "folder") && !folder_28 && g_strcmp0 (arch, "mlp") != 0)
    return _("The images in this folder are not 28×28, which the DCGAN architectures need: "
             "choose the MLP architecture first.");
  return NULL;
}

static void
request_new_run (MsControlPanel *self,
                 NewRunReason    reason)
{
  const char *body = NULL;
  GtkRoot *root;
  GtkWidget *dialog;

  if (arch_mismatch (self) != NULL)
    {
      set_message (self, arch_mismatch (self));
      gtk_widget_error_bell (GTK_WIDGET (self));
      revert_new_run_controls (self);
      return;
    }
  if (self->session == NULL)
    {
      commit_new_run_controls (self);
      return;
    }
  if (!self->confirm_new_run)
    {
      start_new_run (self);
      return;
    }
  if (self->confirm_dialog != NULL)
    {
      /* One question at a time: a second change while it is open is put back */
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  switch (reason)
    {
    case NEW_RUN_DATASET:
      body = _("Changing the dataset starts training again from scratch; the current run's "
               "curves are discarded.");
      break;
    case NEW_RUN_ARCH:
      body = _("Changing the architecture starts training again from scratch; the current "
               "run's curves are discarded.");
      break;
    case NEW_RUN_SEED:
      body = _("Changing the seed starts training again from scratch; the current run's "
               "curves are discarded.");
      break;
    case NEW_RUN_PACK:
    default:
      body = _("Changing the pack size changes what the discriminator sees, so training "
               "starts again from scratch; the current run's curves are discarded.");
      break;
    }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Start a New Run?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "new-run", _("_Start New Run"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "new-run",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_response), self, 0);
  self->confirm_dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->confirm_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_dataset_changed (AdwComboRow    *row,
                    GParamSpec     *pspec,
                    MsControlPanel *self)
{
  const char *id = selected_dataset (self);

  if (self->syncing)
    return;
  if (g_str_equal (id, "fashion") && !fashion_installed ())
    {
      set_message (self, _("Fashion-MNIST is not installed: install the "
                           "dataset-fashion-mnist package."));
      dataset_model_update (self, self->dataset);
      return;
    }
  if (g_strcmp0 (id, self->dataset) == 0 && self->pending_folder == NULL
      && !self->has_pending_drawn)
    return;
  set_message (self, NULL);
  request_new_run (self, NEW_RUN_DATASET);
}

static void
on_arch_changed (AdwComboRow    *row,
                 GParamSpec     *pspec,
                 MsControlPanel *self)
{
  if (self->syncing || adw_combo_row_get_selected (row) == self->arch)
    return;
  request_new_run (self, NEW_RUN_ARCH);
}

static void
on_seed_changed (GtkSpinButton  *spin,
                 MsControlPanel *self)
{
  if (self->syncing || (guint) gtk_spin_button_get_value (spin) == self->seed)
    return;
  request_new_run (self, NEW_RUN_SEED);
}

static void
on_pack_changed (GtkSpinButton  *spin,
                 MsControlPanel *self)
{
  if (self->syncing || gtk_spin_button_get_value_as_int (spin) == self->pack)
    return;
  request_new_run (self, NEW_RUN_PACK);
}

/* IDX folders ----------------------------------------------------------------------------- */

static void
check_folder_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsDataSource) src = NULL;

  src = ms_data_source_open (path, &error);
  if (src == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (ms_data_source_is_2d (src))
    g_task_return_new_error (task, MS_DATA_ERROR, MS_DATA_ERROR_INVALID,
                             _("“%s” is not a folder of IDX image files"), path);
  else
    g_task_return_int (task, (gssize) src->shape[1] * 65536 + src->shape[2]);
}

static void
show_error_dialog (MsControlPanel *self,
                   const char     *heading,
                   const char     *body)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (!GTK_IS_WINDOW (root))
    return;   /* not in a window (tests): the message row says it */
  dialog = adw_message_dialog_new (GTK_WINDOW (root), heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
check_folder_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  MsControlPanel *self = MS_CONTROL_PANEL (source);
  g_autoptr(GError) error = NULL;
  const char *path = g_task_get_task_data (G_TASK (result));
  gssize shape = g_task_propagate_int (G_TASK (result), &error);

  if (shape < 0)
    {
      g_autofree char *msg = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      msg = g_strdup_printf (_("This folder cannot be used: %s"), error->message);
      set_message (self, msg);
      show_error_dialog (self, _("Not an IDX Folder"), error->message);
      return;
    }
  set_message (self, NULL);
  g_free (self->pending_folder);
  self->pending_folder = g_strdup (path);
  self->pending_folder_28 = shape == 28 * 65536 + 28;
  dataset_model_update (self, "folder");
  request_new_run (self, NEW_RUN_DATASET);
}

void
ms_control_panel_open_folder (MsControlPanel *self,
                              GFile          *folder)
{
  g_autoptr(GTask) task = NULL;
  char *path;

  g_return_if_fail (MS_IS_CONTROL_PANEL (self));
  g_return_if_fail (G_IS_FILE (folder));

  path = g_file_get_path (folder);
  if (path == NULL)
    {
      set_message (self, _("Only folders on this computer can be opened."));
      return;
    }
  task = g_task_new (self, self->cancellable, check_folder_done, NULL);
  g_task_set_source_tag (task, ms_control_panel_open_folder);
  g_task_set_task_data (task, path, g_free);
  g_task_run_in_thread (task, check_folder_thread);
}

static void
on_folder_chosen (GtkNativeDialog *dialog,
                  int              response,
                  MsControlPanel  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        ms_control_panel_open_folder (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  if (self->chooser == dialog)
    g_clear_object (&self->chooser);
}

static void
open_folder_row_activated_cb (MsControlPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (self->chooser);
      return;
    }
  chooser = gtk_file_chooser_native_new (_("Open IDX Folder"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_folder_chosen), self, 0);
  self->chooser = GTK_NATIVE_DIALOG (chooser);   /* owns it until the response */
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Drawing --------------------------------------------------------------------------------- */

gboolean
ms_control_panel_use_drawn (MsControlPanel *self,
                            const float    *xy,
                            int             n,
                            double          std)
{
  g_return_val_if_fail (MS_IS_CONTROL_PANEL (self), FALSE);

  if (xy == NULL || n < 1 || n > MS_DRAW_DISTRIBUTION_MAX)
    {
      g_autofree char *msg = g_strdup_printf (_("Draw between 1 and %d modes."),
                                              MS_DRAW_DISTRIBUTION_MAX);
      set_message (self, msg);
      return FALSE;
    }
  for (int i = 0; i < 2 * n; i++)
    if (!(fabsf (xy[i]) <= 100.0f))
      {
        set_message (self, _("A drawn mode lies outside the range -100 to 100."));
        return FALSE;
      }
  if (!(std >= MS_DRAW_DISTRIBUTION_MIN_STD && std <= MS_DRAW_DISTRIBUTION_MAX_STD))
    {
      g_autofree char *msg = g_strdup_printf (_("The spread must be between %g and %g."),
                                              MS_DRAW_DISTRIBUTION_MIN_STD,
                                              MS_DRAW_DISTRIBUTION_MAX_STD);
      set_message (self, msg);
      return FALSE;
    }
  set_message (self, NULL);
  g_free (self->pending_drawn);
  self->pending_drawn = g_memdup2 (xy, sizeof (float) * 2 * (gsize) n);
  self->pending_n_drawn = n;
  self->pending_std = std;
  self->has_pending_drawn = TRUE;
  dataset_model_update (self, "drawn");
  request_new_run (self, NEW_RUN_DATASET);
  return TRUE;
}

static void
on_draw_use (GtkButton      *button,
             MsControlPanel *self)
{
  MsDrawDistribution *draw = g_object_get_data (G_OBJECT (button), "ms-draw");
  GtkWindow *window = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button)));
  g_autofree float *xy = NULL;
  const float *pts;
  double std;
  int n;

  pts = ms_draw_distribution_get_points (draw, &n);
  xy = n > 0 ? g_memdup2 (pts, sizeof (float) * 2 * (gsize) n) : NULL;
  std = ms_draw_distribution_get_points_std (draw);
  gtk_window_destroy (window);   /* before a confirmation dialog asks over it */
  if (n > 0)
    ms_control_panel_use_drawn (self, xy, n, std);
}

static void
on_draw_remove (GtkButton          *button,
                MsDrawDistribution *draw)
{
  ms_draw_distribution_remove_point (draw, ms_draw_distribution_get_selected (draw));
}

static gboolean
n_points_to_sensitive (GBinding     *binding,
                       const GValue *from,
                       GValue       *to,
                       gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_int (from) > 0);
  return TRUE;
}

static gboolean
selected_to_sensitive (GBinding     *binding,
                       const GValue *from,
                       GValue       *to,
                       gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_int (from) >= 0);
  return TRUE;
}

static void
draw_row_activated_cb (MsControlPanel *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *window, *header, *cancel, *use, *box, *draw, *hint, *tools, *scale, *label;
  GtkWidget *remove, *clear;
  GtkAdjustment *adj;
  GtkShortcutController *shortcuts;

  if (self->draw_window != NULL)
    {
      gtk_window_present (self->draw_window);
      return;
    }

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), _("Draw a Distribution"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  gtk_window_set_default_size (GTK_WINDOW (window), 480, 600);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);

  header = gtk_header_bar_new ();
  gtk_header_bar_set_show_title_buttons (GTK_HEADER_BAR (header), FALSE);
  cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  use = gtk_button_new_with_mnemonic (_("_Use"));
  gtk_widget_add_css_class (use, "suggested-action");
  gtk_widget_set_tooltip_text (use, _("Train on this distribution (starts a new run)"));
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), cancel);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), use);
  gtk_window_set_titlebar (GTK_WINDOW (window), header);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  draw = ms_draw_distribution_new ();
  gtk_widget_set_vexpand (draw, TRUE);
  gtk_widget_set_hexpand (draw, TRUE);
  if (self->n_drawn > 0)
    {
      ms_draw_distribution_set_points (MS_DRAW_DISTRIBUTION (draw), self->drawn, self->n_drawn);
      ms_draw_distribution_set_points_std (MS_DRAW_DISTRIBUTION (draw), self->drawn_std);
    }
  gtk_box_append (GTK_BOX (box), draw);

  hint = gtk_label_new (_("Click to add a mode, drag to move it, right-click to remove it. "
                          "Keyboard: Insert adds, Page Up and Page Down select, the arrow keys "
                          "move, Delete removes."));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0.0f);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (GTK_BOX (box), hint);

  tools = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  label = gtk_label_new_with_mnemonic (_("S_pread"));
  adj = gtk_adjustment_new (ms_draw_distribution_get_points_std (MS_DRAW_DISTRIBUTION (draw)),
                            MS_DRAW_DISTRIBUTION_MIN_STD, 1.0, 0.01, 0.05, 0.0);
  scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, adj);
  gtk_scale_set_digits (GTK_SCALE (scale), 2);
  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_widget_set_hexpand (scale, TRUE);
  gtk_widget_set_tooltip_text (scale, _("How wide each mode is: its standard deviation"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), scale);
  g_object_bind_property (adj, "value", draw, "points-std",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_tooltip_text (remove, _("Remove the selected mode"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Remove the selected mode"), -1);
  g_object_bind_property_full (draw, "selected", remove, "sensitive", G_BINDING_SYNC_CREATE,
                               selected_to_sensitive, NULL, NULL, NULL);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_draw_remove), draw);
  clear = gtk_button_new_with_mnemonic (_("C_lear"));
  gtk_widget_set_tooltip_text (clear, _("Remove every mode"));
  g_signal_connect_swapped (clear, "clicked", G_CALLBACK (ms_draw_distribution_clear), draw);
  gtk_box_append (GTK_BOX (tools), label);
  gtk_box_append (GTK_BOX (tools), scale);
  gtk_box_append (GTK_BOX (tools), remove);
  gtk_box_append (GTK_BOX (tools), clear);
  gtk_box_append (GTK_BOX (box), tools);
  gtk_window_set_child (GTK_WINDOW (window), box);

  g_object_set_data (G_OBJECT (use), "ms-draw", draw);
  g_object_set_data (G_OBJECT (draw), "ms-use-button", use);   /* for tests */
  g_object_bind_property_full (draw, "n-points", use, "sensitive", G_BINDING_SYNC_CREATE,
                               n_points_to_sensitive, NULL, NULL, NULL);
  g_signal_connect_object (use, "clicked", G_CALLBACK (on_draw_use), self, 0);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), window);

  shortcuts = GTK_SHORTCUT_CONTROLLER (gtk_shortcut_controller_new ());
  gtk_shortcut_controller_add_shortcut (shortcuts,
    gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                      gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, GTK_EVENT_CONTROLLER (shortcuts));

  self->draw_window = GTK_WINDOW (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->draw_window);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (draw);
}

/* Following the session ------------------------------------------------------------------- */

/* Looks at the session's new events: which of our commands it answered.  TRUE when it
 * rejected one of them (the message says why). */
static gboolean
process_events (MsControlPanel *self)
{
  guint n_events = self->session != NULL ? ms_session_get_n_events (self->session) : 0;
  gboolean rejected = FALSE;

  for (guint i = MIN (self->seen_events, n_events); i < n_events; i++)
    {
      const MsSessionEvent *ev = ms_session_get_event (self->session, i);

      if (ev->command_id != 0
          && (array_remove_id (self->pending, ev->command_id)
              || array_remove_id (self->pending_runs, ev->command_id))
          && ev->kind == MS_SESSION_EVENT_REJECTED)
        {
          rejected = TRUE;
          set_message (self, ev->label);
        }
      if (ev->kind == MS_SESSION_EVENT_RUN_STARTED && self->pending_runs->len > 0)
        g_array_remove_index (self->pending_runs, 0);
      if (ev->kind == MS_SESSION_EVENT_RUN_STARTED)
        self->batch_clamped = FALSE;
      else if (ev->kind == MS_SESSION_EVENT_BATCH && ev->command_id == 0)
        self->batch_clamped = TRUE;   /* the trainer clamped it to a small data set's size */
    }
  self->seen_events = n_events;
  return rejected;
}

static void
sync_from_frame (MsControlPanel *self,
                 MsFrame        *frame,
                 gboolean        force)
{
  const MsSessionSettings *s = &frame->settings;
  const MsSessionSettings *p = self->have_last ? &self->last : NULL;
  gboolean new_run = p == NULL || frame->run != self->last_run;

  if (process_events (self))
    force = TRUE;
  if (self->pending->len > 0 || self->pending_runs->len > 0)
    {
      if (g_get_monotonic_time () - self->pending_since < PENDING_TIMEOUT_US)
        return;   /* a later frame will show them applied */
      g_array_set_size (self->pending, 0);
      g_array_set_size (self->pending_runs, 0);
    }
  force = force || new_run;

  if (force || !ms_gan_config_equal (&s->gan, &p->gan))
    {
      if (!ms_gan_config_equal (&s->gan, &self->gan))
        {
          MsGanConfig keep = s->gan;

          set_gan_controls (self, &s->gan);
          /* A batch clamped to a folder of a few images is not what the user asked for: the
           * next run on a larger data set starts from the batch asked */
          if (self->batch_clamped)
            keep.batch = get_int (self, "batch", keep.batch);
          save_gan (self, &keep);
        }
    }
  for (int g = 0; g < 2; g++)
    {
      const MsOptimConfig *c = g ? &s->optim_g : &s->optim_d;

      if ((force || !ms_optim_config_equal (c, g ? &p->optim_g : &p->optim_d))
          && !ms_optim_config_equal (c, &self->optim[g]))
        {
          set_optim_controls (self, g, c);
          save_optim (self, g);
        }
    }
  if (force || g_strcmp0 (s->dataset, p->dataset) != 0 || s->n_points != p->n_points
      || (s->n_points > 0 && s->points != NULL && p->points != NULL
          && memcmp (s->points, p->points, sizeof (float) * 2 * (gsize) s->n_points) != 0))
    {
      g_autofree char *now = dataset_session_name (self->dataset, self->folder);

      if (self->confirm_dialog == NULL
          && (g_strcmp0 (now, s->dataset) != 0 || g_strcmp0 (s->dataset, "drawn") == 0))
        {
          set_dataset_from_settings (self, s);
          save_dataset (self);
        }
    }
  if ((force || g_strcmp0 (s->arch, p->arch) != 0) && self->confirm_dialog == NULL)
    {
      const char *arch = self->arch < self->arch_ids->len
                         ? g_ptr_array_index (self->arch_ids, self->arch) : NULL;

      if (g_strcmp0 (arch, s->arch) != 0)
        {
          set_arch_control (self, s->arch);
          put_string (self, "arch", s->arch != NULL ? s->arch : "automatic");
        }
    }
  if ((force || s->seed != p->seed || s->pack != p->pack) && self->confirm_dialog == NULL)
    {
      if (s->seed != self->seed && s->seed <= G_MAXINT32)
        {
          self->seed = (guint) s->seed;
          set_spin_quietly (self, self->seed_spin, (double) s->seed);
          put_int (self, "seed", (int) s->seed);
        }
      if (s->pack != self->pack)
        {
          self->pack = s->pack;
          set_spin_quietly (self, self->pack_spin, s->pack);
          put_int (self, "pack", s->pack);
        }
    }
  /* The session keeps the run's eval_every in its settings (a set_eval_every command does not
   * change them), so only a new run or a real change of the value is followed. */
  if (new_run || (p != NULL && s->eval_every != p->eval_every))
    {
      if (self->eval_every != s->eval_every)
        {
          self->eval_every = s->eval_every;
          set_spin_quietly (self, self->eval_every_spin, s->eval_every);
          put_int (self, "eval-every", s->eval_every);
        }
    }
  if (new_run || (p != NULL && s->eval_samples != p->eval_samples))
    {
      if (gtk_spin_button_get_value_as_int (self->eval_samples_spin) != s->eval_samples)
        {
          set_spin_quietly (self, self->eval_samples_spin, s->eval_samples);
          put_int (self, "eval-samples", s->eval_samples);
        }
    }

  if (self->have_last)
    ms_session_settings_clear (&self->last);
  ms_session_settings_copy (&self->last, s);
  self->have_last = TRUE;
  self->last_run = frame->run;
  update_visibility (self);
}

/* Events can arrive without a frame (a new run that could not start): a rejection of ours
 * puts the controls back to the latest frame at once. */
static void
on_n_events (MsSession      *session,
             GParamSpec     *pspec,
             MsControlPanel *self)
{
  MsFrame *frame = ms_session_get_frame (session);

  if (process_events (self) && frame != NULL && self->pending->len == 0
      && self->pending_runs->len == 0)
    sync_from_frame (self, frame, TRUE);
}

static void
on_frame (MsSession      *session,
          GParamSpec     *pspec,
          MsControlPanel *self)
{
  MsFrame *frame = ms_session_get_frame (session);

  if (frame != NULL)
    sync_from_frame (self, frame, FALSE);
}

/* Public API ------------------------------------------------------------------------------ */

GtkWidget *
ms_control_panel_new (GSettings *settings)
{
  return g_object_new (MS_TYPE_CONTROL_PANEL, "settings", settings, NULL);
}

MsSession *
ms_control_panel_get_session (MsControlPanel *self)
{
  g_return_val_if_fail (MS_IS_CONTROL_PANEL (self), NULL);
  return self->session;
}

void
ms_control_panel_set_session (MsControlPanel *self,
                              MsSession      *session)
{
  g_return_if_fail (MS_IS_CONTROL_PANEL (self));
  g_return_if_fail (session == NULL || MS_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->frame_handler, self->session);
      g_clear_signal_handler (&self->events_handler, self->session);
      g_clear_object (&self->session);
    }
  if (self->have_last)
    ms_session_settings_clear (&self->last);
  self->have_last = FALSE;
  self->last_run = 0;
  g_array_set_size (self->pending, 0);
  g_array_set_size (self->pending_runs, 0);
  self->seen_events = session != NULL ? ms_session_get_n_events (session) : 0;
  if (session != NULL)
    {
      self->session = g_object_ref (session);
      self->frame_handler = g_signal_connect (session, "notify::frame", G_CALLBACK (on_frame),
                                              self);
      self->events_handler = g_signal_connect (session, "notify::n-events",
                                               G_CALLBACK (on_n_events), self);
      if (ms_session_get_frame (session) != NULL)
        sync_from_frame (self, ms_session_get_frame (session), TRUE);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

GSettings *
ms_control_panel_get_settings (MsControlPanel *self)
{
  g_return_val_if_fail (MS_IS_CONTROL_PANEL (self), NULL);
  return self->settings;
}

gboolean
ms_control_panel_get_confirm_new_run (MsControlPanel *self)
{
  g_return_val_if_fail (MS_IS_CONTROL_PANEL (self), TRUE);
  return self->confirm_new_run;
}

void
ms_control_panel_set_confirm_new_run (MsControlPanel *self,
                                      gboolean        confirm)
{
  g_return_if_fail (MS_IS_CONTROL_PANEL (self));

  confirm = !!confirm;
  if (self->confirm_new_run == confirm)
    return;
  self->confirm_new_run = confirm;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIRM_NEW_RUN]);
}

const char *
ms_control_panel_get_message (MsControlPanel *self)
{
  g_return_val_if_fail (MS_IS_CONTROL_PANEL (self), NULL);
  return self->message;
}

void
ms_control_panel_get_run_settings (MsControlPanel    *self,
                                   MsSessionSettings *out)
{
  g_autofree char *dataset = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *arch = NULL;
  g_autofree char *loss_name = NULL;
  MsLossKind loss = MS_LOSS_NSGAN;
  MsGanConfig *gan;

  g_return_if_fail (MS_IS_CONTROL_PANEL (self));
  g_return_if_fail (out != NULL);

  dataset = get_string (self, "dataset", "mnist");
  folder = get_string (self, "dataset-folder", "");
  loss_name = get_string (self, "loss", "nsgan");
  if (!ms_loss_kind_from_string (loss_name, &loss, NULL))
    loss = MS_LOSS_NSGAN;

  if (g_str_equal (dataset, "drawn"))
    {
      g_autoptr(GVariant) pts = self->settings != NULL
                                ? g_settings_get_value (self->settings, "drawn-points") : NULL;
      gsize n = pts != NULL ? MIN (g_variant_n_children (pts), MS_DRAW_DISTRIBUTION_MAX) : 0;

      ms_session_settings_init (out, n > 0 ? "drawn" : "mnist", loss);
      if (n > 0)
        {
          out->points = g_new (float, 2 * n);
          for (gsize i = 0; i < n; i++)
            {
              double x, y;

              g_variant_get_child (pts, i, "(dd)", &x, &y);
              out->points[2 * i] = (float) CLAMP (x, -100.0, 100.0);
              out->points[2 * i + 1] = (float) CLAMP (y, -100.0, 100.0);
            }
          out->n_points = (int) n;
          out->points_std = (float) get_double (self, "drawn-std", 0.05);
        }
    }
  else
    {
      g_autofree char *name = dataset_session_name (dataset, folder);

      ms_session_settings_init (out, name, loss);
    }

  arch = get_string (self, "arch", "automatic");
  g_free (out->arch);
  out->arch = g_str_equal (arch, "automatic")
              || !g_strv_contains (ms_arch_names (), arch) ? NULL : g_strdup (arch);

  gan = &out->gan;
  gan->batch = get_int (self, "batch", gan->batch);
  gan->n_critic = get_int (self, "n-critic", gan->n_critic);
  gan->gp_lambda = (float) get_double (self, "gp-lambda", gan->gp_lambda);
  gan->clip = (float) get_double (self, "clip", gan->clip);
  gan->unroll = get_int (self, "unroll", gan->unroll);
  gan->unroll_first_order = get_bool (self, "unroll-first-order", gan->unroll_first_order);
  gan->veegan = get_bool (self, "veegan", gan->veegan);
  gan->adagan_rounds = get_int (self, "adagan-rounds", gan->adagan_rounds);
  gan->adagan_round_iters = get_int (self, "adagan-round-iters", gan->adagan_round_iters);
  if (!ms_gan_config_validate (gan, NULL))
    {
      /* e.g. VEEGAN and unrolling both stored: keep the objective, drop the remedies */
      MsGanConfig d = ms_gan_config_default (loss);

      d.batch = gan->batch;
      *gan = d;
    }

  for (int g = 0; g < 2; g++)
    {
      MsOptimConfig *c = g ? &out->optim_g : &out->optim_d;
      MsOptimConfig fallback = *c;
      g_autofree char *kind_key = optim_key (g, "kind");
      g_autofree char *kind_name = get_string (self, kind_key, "adam");
      g_autofree char *lr = optim_key (g, "lr");
      g_autofree char *mom = optim_key (g, "momentum");
      g_autofree char *rmom = optim_key (g, "rmsprop-momentum");
      g_autofree char *alpha = optim_key (g, "alpha");
      g_autofree char *beta1 = optim_key (g, "beta1");
      g_autofree char *beta2 = optim_key (g, "beta2");
      MsOptimKind kind;

      if (self->settings == NULL)
        continue;
      if (!ms_optim_kind_from_string (kind_name, &kind, NULL))
        kind = MS_OPTIM_ADAM;
      *c = ms_optim_config_default (kind);
      c->lr = get_double (self, lr, 2e-4);
      if (kind == MS_OPTIM_MOMENTUM || kind == MS_OPTIM_NESTEROV)
        c->momentum = get_double (self, mom, 0.9);
      else if (kind == MS_OPTIM_RMSPROP)
        {
          c->momentum = get_double (self, rmom, 0.0);
          c->alpha = get_double (self, alpha, 0.99);
        }
      else if (kind == MS_OPTIM_ADAM)
        {
          c->beta1 = get_double (self, beta1, 0.5);
          c->beta2 = get_double (self, beta2, 0.999);
        }
      if (!ms_optim_config_validate (c, NULL))
        *c = fallback;
    }

  out->pack = get_int (self, "pack", out->pack);
  /* Stored values can be edited behind the panel's back (dconf): never hand the window a run
   * that cannot start */
  if (out->gan.adagan_rounds > 1 && out->pack > 1)
    out->gan.adagan_rounds = 0;
  if (out->arch != NULL && g_str_has_prefix (out->arch, "dcgan")
      && (g_str_equal (out->dataset, "drawn")
          || g_strv_contains (ms_mixture_names (), out->dataset)))
    g_clear_pointer (&out->arch, g_free);
  out->seed = (guint64) get_int (self, "seed", (int) out->seed);
  out->eval_every = get_int (self, "eval-every", out->eval_every);
  out->eval_samples = get_int (self, "eval-samples", out->eval_samples);
}

/* GObject --------------------------------------------------------------------------------- */

/* Accessible names and descriptions: each suffix control is named by its row's title and
 * described by the row's tooltip, and shows the same tooltip. */
static void
label_control (GtkWidget *row,
               GtkWidget *control)
{
  g_autofree char *name = strip_mnemonic (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
  const char *tip = gtk_widget_get_tooltip_text (row);

  if (control == NULL)
    control = row;
  if (tip != NULL && control != row)
    gtk_widget_set_tooltip_text (control, tip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tip != NULL ? tip : "",
                                  -1);
}

static void
ms_control_panel_constructed (GObject *object)
{
  MsControlPanel *self = MS_CONTROL_PANEL (object);

  G_OBJECT_CLASS (ms_control_panel_parent_class)->constructed (object);

  if (self->settings != NULL)
    g_object_get (self->settings, "settings-schema", &self->schema, NULL);
  load_from_settings (self);
}

static void
ms_control_panel_dispose (GObject *object)
{
  MsControlPanel *self = MS_CONTROL_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  if (self->confirm_dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->confirm_dialog, self);
      gtk_window_destroy (GTK_WINDOW (self->confirm_dialog));
    }
  if (self->draw_window != NULL)
    gtk_window_destroy (self->draw_window);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  ms_control_panel_set_session (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), MS_TYPE_CONTROL_PANEL);

  G_OBJECT_CLASS (ms_control_panel_parent_class)->dispose (object);
}

static void
ms_control_panel_finalize (GObject *object)
{
  MsControlPanel *self = MS_CONTROL_PANEL (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->schema, g_settings_schema_unref);
  g_clear_object (&self->cancellable);
  g_free (self->message);
  g_free (self->dataset);
  g_free (self->folder);
  g_free (self->drawn);
  g_free (self->pending_folder);
  g_free (self->pending_drawn);
  g_clear_pointer (&self->dataset_ids, g_ptr_array_unref);
  g_clear_pointer (&self->arch_ids, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_array_unref);
  g_clear_pointer (&self->pending_runs, g_array_unref);
  for (int g = 0; g < 2; g++)
    g_free (self->oc[g].lr_tooltip);
  if (self->have_last)
    ms_session_settings_clear (&self->last);

  G_OBJECT_CLASS (ms_control_panel_parent_class)->finalize (object);
}

static void
ms_control_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  MsControlPanel *self = MS_CONTROL_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_CONFIRM_NEW_RUN:
      g_value_set_boolean (value, self->confirm_new_run);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_control_panel_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  MsControlPanel *self = MS_CONTROL_PANEL (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      ms_control_panel_set_session (self, g_value_get_object (value));
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_CONFIRM_NEW_RUN:
      ms_control_panel_set_confirm_new_run (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define BIND(name) \
  gtk_widget_class_bind_template_child (widget_class, MsControlPanel, name)
#define BIND_OPTIM(prefix, g, field) \
  gtk_widget_class_bind_template_child_full (widget_class, prefix #field, FALSE, \
                                             G_STRUCT_OFFSET (MsControlPanel, oc[g].field))

static void
ms_control_panel_class_init (MsControlPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ms_control_panel_constructed;
  object_class->dispose = ms_control_panel_dispose;
  object_class->finalize = ms_control_panel_finalize;
  object_class->get_property = ms_control_panel_get_property;
  object_class->set_property = ms_control_panel_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, MS_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONFIRM_NEW_RUN] =
    g_param_spec_boolean ("confirm-new-run", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/modescope/ModeScope/ui/ms-control-panel.ui");
  BIND (box);
  BIND (message_revealer);
  BIND (message_label);
  BIND (dataset_row);
  BIND (open_folder_row);
  BIND (draw_row);
  BIND (arch_row);
  BIND (loss_row);
  BIND (clip_row);
  BIND (clip_spin);
  BIND (lambda_row);
  BIND (lambda_spin);
  BIND (n_critic_row);
  BIND (n_critic_spin);
  BIND (unroll_row);
  BIND (unroll_steps_row);
  BIND (unroll_spin);
  BIND (first_order_row);
  BIND (first_order_switch);
  BIND (pack_row);
  BIND (pack_spin);
  BIND (veegan_row);
  BIND (veegan_switch);
  BIND (adagan_row);
  BIND (adagan_rounds_row);
  BIND (adagan_rounds_spin);
  BIND (adagan_iters_row);
  BIND (adagan_iters_spin);
  BIND (link_row);
  BIND (link_switch);
  BIND (batch_row);
  BIND (batch_spin);
  BIND (seed_row);
  BIND (seed_spin);
  BIND (eval_every_row);
  BIND (eval_every_spin);
  BIND (eval_samples_row);
  BIND (eval_samples_spin);
  BIND_OPTIM ("g_", 1, group);
  BIND_OPTIM ("g_", 1, kind_row);
  BIND_OPTIM ("g_", 1, lr_row);
  BIND_OPTIM ("g_", 1, momentum_row);
  BIND_OPTIM ("g_", 1, momentum_spin);
  BIND_OPTIM ("g_", 1, alpha_row);
  BIND_OPTIM ("g_", 1, alpha_spin);
  BIND_OPTIM ("g_", 1, beta1_row);
  BIND_OPTIM ("g_", 1, beta1_spin);
  BIND_OPTIM ("g_", 1, beta2_row);
  BIND_OPTIM ("g_", 1, beta2_spin);
  BIND_OPTIM ("d_", 0, group);
  BIND_OPTIM ("d_", 0, kind_row);
  BIND_OPTIM ("d_", 0, lr_row);
  BIND_OPTIM ("d_", 0, momentum_row);
  BIND_OPTIM ("d_", 0, momentum_spin);
  BIND_OPTIM ("d_", 0, alpha_row);
  BIND_OPTIM ("d_", 0, alpha_spin);
  BIND_OPTIM ("d_", 0, beta1_row);
  BIND_OPTIM ("d_", 0, beta1_spin);
  BIND_OPTIM ("d_", 0, beta2_row);
  BIND_OPTIM ("d_", 0, beta2_spin);
  gtk_widget_class_bind_template_callback (widget_class, open_folder_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, draw_row_activated_cb);

  gtk_widget_class_set_css_name (widget_class, "mscontrolpanel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  g_type_ensure (MS_TYPE_DRAW_DISTRIBUTION);
}

static void
ms_control_panel_init (MsControlPanel *self)
{
  GtkListItemFactory *factory;

  self->confirm_new_run = TRUE;
  self->drawn_std = 0.05;
  self->folder_28 = TRUE;
  self->cancellable = g_cancellable_new ();
  self->pending = g_array_new (FALSE, FALSE, sizeof (guint));
  self->pending_runs = g_array_new (FALSE, FALSE, sizeof (guint));
  gtk_widget_init_template (GTK_WIDGET (self));

  {
    struct { gpointer row, control; } labelled[] = {
      { self->dataset_row, NULL }, { self->open_folder_row, NULL }, { self->draw_row, NULL },
      { self->arch_row, NULL }, { self->loss_row, NULL },
      { self->clip_row, self->clip_spin }, { self->lambda_row, self->lambda_spin },
      { self->n_critic_row, self->n_critic_spin }, { self->unroll_row, NULL },
      { self->unroll_steps_row, self->unroll_spin },
      { self->first_order_row, self->first_order_switch },
      { self->pack_row, self->pack_spin }, { self->veegan_row, self->veegan_switch },
      { self->adagan_row, NULL }, { self->adagan_rounds_row, self->adagan_rounds_spin },
      { self->adagan_iters_row, self->adagan_iters_spin },
      { self->link_row, self->link_switch }, { self->batch_row, self->batch_spin },
      { self->seed_row, self->seed_spin }, { self->eval_every_row, self->eval_every_spin },
      { self->eval_samples_row, self->eval_samples_spin },
    };

    for (guint i = 0; i < G_N_ELEMENTS (labelled); i++)
      label_control (labelled[i].row, labelled[i].control);
  }

  /* Datasets: MNIST, Fashion-MNIST, the mixtures; "folder" and "drawn" join when used */
  self->dataset_ids = g_ptr_array_new_with_free_func (g_free);
  self->dataset_model = gtk_string_list_new (NULL);
  g_ptr_array_add (self->dataset_ids, g_strdup ("mnist"));
  g_ptr_array_add (self->dataset_ids, g_strdup ("fashion"));
  for (const char * const *m = ms_mixture_names (); *m != NULL; m++)
    g_ptr_array_add (self->dataset_ids, g_strdup (*m));
  for (guint i = 0; i < self->dataset_ids->len; i++)
    gtk_string_list_append (self->dataset_model,
                            dataset_title (g_ptr_array_index (self->dataset_ids, i)));
  adw_combo_row_set_model (self->dataset_row, G_LIST_MODEL (self->dataset_model));
  g_object_unref (self->dataset_model);   /* the row keeps it */
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (dataset_list_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (dataset_list_bind), self);
  adw_combo_row_set_list_factory (self->dataset_row, factory);
  g_object_unref (factory);

  /* Architectures: Automatic, then ms_arch_names() */
  {
    GtkStringList *archs = gtk_string_list_new (NULL);

    self->arch_ids = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (self->arch_ids, NULL);
    gtk_string_list_append (archs, _("Automatic"));
    for (const char * const *a = ms_arch_names (); *a != NULL; a++)
      {
        g_ptr_array_add (self->arch_ids, g_strdup (*a));
        gtk_string_list_append (archs, arch_title (*a));
      }
    adw_combo_row_set_model (self->arch_row, G_LIST_MODEL (archs));
    g_object_unref (archs);
  }

  for (int g = 0; g < 2; g++)
    {
      OptimControls *oc = &self->oc[g];
      GtkEventController *key = gtk_event_controller_key_new ();

      oc->lr_tooltip = g_strdup (gtk_widget_get_tooltip_text (GTK_WIDGET (oc->lr_row)));
      label_control (GTK_WIDGET (oc->kind_row), NULL);
      label_control (GTK_WIDGET (oc->lr_row), NULL);
      label_control (GTK_WIDGET (oc->momentum_row), GTK_WIDGET (oc->momentum_spin));
      label_control (GTK_WIDGET (oc->alpha_row), GTK_WIDGET (oc->alpha_spin));
      label_control (GTK_WIDGET (oc->beta1_row), GTK_WIDGET (oc->beta1_spin));
      label_control (GTK_WIDGET (oc->beta2_row), GTK_WIDGET (oc->beta2_spin));
      oc->lr = 2e-4;
      oc->momentum_sgd = 0.9;

      g_signal_connect (oc->kind_row, "notify::selected", G_CALLBACK (on_kind_changed), self);
      g_signal_connect (oc->lr_row, "apply", G_CALLBACK (on_lr_apply), self);
      g_signal_connect (oc->lr_row, "entry-activated", G_CALLBACK (on_lr_apply), self);
      gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
      g_signal_connect (key, "key-pressed", G_CALLBACK (on_lr_key), self);
      gtk_widget_add_controller (GTK_WIDGET (oc->lr_row), key);
      g_signal_connect (oc->momentum_spin, "value-changed", G_CALLBACK (on_optim_spin_changed),
                        self);
      g_signal_connect (oc->alpha_spin, "value-changed", G_CALLBACK (on_optim_spin_changed),
                        self);
      g_signal_connect (oc->beta1_spin, "value-changed", G_CALLBACK (on_optim_spin_changed),
                        self);
      g_signal_connect (oc->beta2_spin, "value-changed", G_CALLBACK (on_optim_spin_changed),
                        self);
    }

  g_signal_connect (self->dataset_row, "notify::selected", G_CALLBACK (on_dataset_changed), self);
  g_signal_connect (self->arch_row, "notify::selected", G_CALLBACK (on_arch_changed), self);
  g_signal_connect (self->loss_row, "notify::selected", G_CALLBACK (on_loss_changed), self);
  g_signal_connect_swapped (self->clip_spin, "value-changed",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->lambda_spin, "value-changed",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->n_critic_spin, "value-changed",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->unroll_row, "notify::enable-expansion",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->unroll_spin, "value-changed",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->first_order_switch, "notify::active",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->veegan_switch, "notify::active",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->adagan_row, "notify::enable-expansion",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->adagan_rounds_spin, "value-changed",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect_swapped (self->adagan_iters_spin, "value-changed",
                            G_CALLBACK (on_gan_control_changed), self);
  g_signal_connect (self->pack_spin, "value-changed", G_CALLBACK (on_pack_changed), self);
  g_signal_connect (self->link_switch, "notify::active", G_CALLBACK (on_link_changed), self);
  g_signal_connect (self->batch_spin, "value-changed", G_CALLBACK (on_batch_changed), self);
  g_signal_connect (self->seed_spin, "value-changed", G_CALLBACK (on_seed_changed), self);
  g_signal_connect (self->eval_every_spin, "value-changed", G_CALLBACK (on_eval_every_changed),
                    self);
  g_signal_connect (self->eval_samples_spin, "value-changed",
                    G_CALLBACK (on_eval_samples_changed), self);

  update_visibility (self);
}
