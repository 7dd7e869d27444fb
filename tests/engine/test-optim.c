/* test-optim.c: optimizers, the random generator and the initialisers
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The optimizer references are the first steps of torch.optim (Debian's torch 1.13) on the
 * quadratic 0.5 * sum a_i (w_i - c_i)^2, with the gradient a * (w - c) set by hand so that torch
 * and ModeScope start every step from the same float gradient.  They were printed by this
 * script (run with /usr/bin/python3):
 *
 *   import torch
 *   w0 = [0.5, -1.25, 2.0, 0.75, -0.3, 1.5, -2.0, 0.1, 0.9]
 *   a  = [1.0, 2.0, 0.5, 3.0, 1.5, 0.25, 1.0, 4.0, 2.5]
 *   c  = [0.2, -0.4, 1.0, -0.6, 0.3, 0.0, 0.5, -0.2, 0.1]
 *   def run(make, steps=3, lr_change=None):
 *       p = torch.tensor(w0, dtype=torch.float32, requires_grad=True)
 *       A = torch.tensor(a, dtype=torch.float32); C = torch.tensor(c, dtype=torch.float32)
 *       opt = make([p]); out = []
 *       for s in range(steps):
 *           if lr_change and s in lr_change:
 *               opt.param_groups[0]['lr'] = lr_change[s]
 *           with torch.no_grad():
 *               p.grad = A * (p - C)
 *           opt.step(); out.append(p.detach().clone())
 *       return out, opt.state[p]
 *   cases = {
 *    'sgd': lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.01),
 *    'momentum': lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1,
 *                                           weight_decay=0.01),
 *    'nesterov': lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
 *    'rmsprop': lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.99, eps=1e-8,
 *                                              foreach=False),
 *    'rmsprop_momentum': lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-6,
 *                                   momentum=0.5, weight_decay=0.05, foreach=False),
 *    'adam': lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8,
 *                                        foreach=False),
 *    'adam_gan': lambda ps: torch.optim.Adam(ps, lr=2e-4, betas=(0.5, 0.999), eps=1e-8,
 *                                            weight_decay=0.1, foreach=False),
 *   }
 *   # printed: every step's parameters and the final state ('%.9g'), then
 *   # run(cases['adam'], lr_change={1: 0.001, 2: 0.001})
 *
 * The xoshiro256** reference values come from this independent implementation of the
 * reference definitions (Python integers, masked to 64 bits); it reproduces the published
 * splitmix64 (seed 0 -> 0xe220a8397b1dcdaf) and xoshiro256** (state 1,2,3,4 -> 11520, 0,
 * 1509978240, 1215971899390074240) outputs:
 *
 *   M = (1 << 64) - 1
 *   def splitmix64(x):
 *       x = (x + 0x9E3779B97F4A7C15) & M; z = x
 *       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
 *       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
 *       return x, z ^ (z >> 31)
 *   def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
 *   def xoshiro(s):
 *       result = (rotl((s[1] * 5) & M, 7) * 9) & M; t = (s[1] << 17) & M
 *       s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
 *       s[3] = rotl(s[3], 45)
 *       return result
 *   x = 42; s = []
 *   for _ in range(4): x, z = splitmix64(x); s.append(z)
 *   print([hex(xoshiro(s)) for _ in range(6)])
 */

#include <math.h>
#include <string.h>

#include "ms-optim.h"
#include "ms-params.h"
#include "ms-rng.h"

#define N_VALUES 9

static const float w0[N_VALUES] = { 0.5f, -1.25f, 2.0f, 0.75f, -0.3f, 1.5f, -2.0f, 0.1f, 0.9f };
static const float qa[N_VALUES] = { 1.0f, 2.0f, 0.5f, 3.0f, 1.5f, 0.25f, 1.0f, 4.0f, 2.5f };
static const float qc[N_VALUES] = { 0.2f, -0.4f, 1.0f, -0.6f, 0.3f, 0.0f, 0.5f, -0.2f, 0.1f };

/* Two parameters, so the flat loops are checked across a parameter boundary. */
static MsParams *
make_params (void)
{
  MsParams *p = ms_params_new ("quadratic");

  g_assert_cmpint (ms_params_add (p, "w", 2, (int[]) { 2, 3 }), ==, 0);
  g_assert_cmpint (ms_params_add (p, "b", 1, (int[]) { 3 }), ==, 1);
  ms_params_finalize (p);
  g_assert_cmpuint (p->total, ==, N_VALUES);
  memcpy (p->data, w0, sizeof w0);
  return p;
}

static void
compute_grad (MsParams *p)
{
  for (int i = 0; i < N_VALUES; i++)
    p->grad[i] = qa[i] * (p->data[i] - qc[i]);
}

static double
loss (const MsParams *p)
{
  double sum = 0.0;

  for (int i = 0; i < N_VALUES; i++)
    sum += 0.5 * qa[i] * ((double) p->data[i] - qc[i]) * ((double) p->data[i] - qc[i]);
  return sum;
}

/* Fails the test (without aborting, so every mismatch is listed) when some
 * |actual - expected| > atol + rtol |expected|. */
static void
check_close (const char  *what,
             const float *actual,
             const float *expected,
             gsize        n,
             double       atol,
             double       rtol)
{
  for (gsize i = 0; i < n; i++)
    {
      double diff = fabs ((double) actual[i] - (double) expected[i]);

      if (!(diff <= atol + rtol * fabs ((double) expected[i])))
        {
          g_test_message ("%s[%" G_GSIZE_FORMAT "]: expected %.9g, got %.9g", what, i,
                          (double) expected[i], (double) actual[i]);
          g_test_fail ();
        }
    }
}

static MsOptimConfig
config_of (MsOptimKind kind,
           double      lr)
{
  MsOptimConfig c = ms_optim_config_default (kind);

  c.lr = lr;
  return c;
}

/* torch references -------------------------------------------------------------------- */

typedef struct
{
  const char   *name;
  MsOptimConfig config;
  float         steps[3][N_VALUES];
  gboolean      has_m, has_v;
  float         m[N_VALUES];       /* momentum_buffer or exp_avg after step 3 */
  float         v[N_VALUES];       /* square_avg or exp_avg_sq after step 3 */
} TorchCase;

static const TorchCase torch_cases[] = {
  {
    "sgd",
    { MS_OPTIM_SGD, .lr = 0.1, .weight_decay = 0.01 },
    {
      { 0.469500005, -1.07875001, 1.94799995, 0.344249964, -0.209700003, 1.46099997,
        -1.74800003, -0.0201000106, 0.699100018 },
      { 0.442080498, -0.941921234, 1.89865196, 0.0606307238, -0.133035302, 1.42301393,
        -1.52145207, -0.0920399055, 0.548625886 },
      { 0.417430371, -0.83259505, 1.85182071, -0.137619138, -0.0679469705, 1.38601553,
        -1.31778538, -0.13513191, 0.435920775 },
    },
    FALSE, FALSE, { 0 }, { 0 },
  },
  {
    "momentum",
    { MS_OPTIM_MOMENTUM, .lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01 },
    {
      { 0.469500005, -1.07875001, 1.94799995, 0.344249964, -0.209700003, 1.46099997,
        -1.74800003, -0.0201000106, 0.699100018 },
      { 0.417372465, -0.801479161, 1.85678673, -0.276182383, -0.059431769, 1.39171255,
        -1.31730688, -0.192935929, 0.382863343 },
      { 0.350518525, -0.478947818, 1.73446834, -0.921753645, 0.124386407, 1.29678786,
        -0.764939785, -0.350857675, 0.034261521 },
    },
    TRUE, FALSE,
    { 0.668539524, -3.22531343, 1.22318375, 6.4557128, -1.83818173, 0.949247241, -5.52367067,
      1.57921743, 3.48601818 },
    { 0 },
  },
  {
    "nesterov",
    { MS_OPTIM_NESTEROV, .lr = 0.1, .momentum = 0.9 },
    {
      { 0.442999989, -0.926999986, 1.90499997, -0.0195000283, -0.129000008, 1.42875004,
        -1.52499998, -0.128000006, 0.519999981 },
      { 0.372529984, -0.589039981, 1.77852499, -0.678435028, 0.0661650002, 1.33050942,
        -0.937749982, -0.279920012, 0.158500001 },
      { 0.298196286, -0.307900816, 1.63146257, -1.07003355, 0.250541478, 1.2110405,
        -0.318302453, -0.329988807, -0.10013748 },
    },
    TRUE, FALSE,
    { 0.634229958, -2.7036798, 1.20151246, 4.61254501, -1.65890265, 0.957846105, -5.28525019,
      0.911519945, 2.71124983 },
    { 0 },
  },
  {
    "rmsprop",
    { MS_OPTIM_RMSPROP, .lr = 0.01, .alpha = 0.99, .eps = 1e-8 },
    {
      { 0.400000036, -1.14999998, 1.89999998, 0.649999976, -0.200000018, 1.39999998,
        -1.89999998, 7.4505806e-09, 0.799999952 },
      { 0.344337016, -1.08365107, 1.83291793, 0.581875563, -0.135791838, 1.33158505,
        -1.83056593, -0.0556630231, 0.733962238 },
      { 0.306899548, -1.03170967, 1.77998221, 0.527532518, -0.0867692083, 1.27685142,
        -1.77446806, -0.0931005031, 0.682443976 },
    },
    FALSE, TRUE,
    { 0 },
    { 0.00148642191, 0.0692950413, 0.00618938031, 0.425694346, 0.0177806392, 0.00369921466,
      0.17259562, 0.0237827469, 0.094641991 },
  },
  {
    "rmsprop-momentum",
    { MS_OPTIM_RMSPROP, .lr = 0.01, .alpha = 0.9, .eps = 1e-6, .momentum = 0.5,
      .weight_decay = 0.05 },
    {
      { 0.468377531, -1.21837723, 1.96837735, 0.718377233, -0.268377334, 1.46837747,
        -1.96837723, 0.0683773085, 0.868377268 },
      { 0.430829763, -1.18003583, 1.9299469, 0.679885566, -0.230231971, 1.42985773,
        -1.92976451, 0.0308820959, 0.830066502 },
      { 0.39526397, -1.14245176, 1.89214301, 0.641931891, -0.193135917, 1.39183509,
        -1.89151621, -0.00454578828, 0.792558134 },
    },
    TRUE, TRUE,
    { 3.55657816, -3.75841165, 3.78038788, 3.79536581, -3.70960569, 3.80226135, -3.82482553,
      3.54278851, 3.75083923 },
    { 0.0225878134, 0.773147404, 0.0912337899, 4.2874012, 0.200411141, 0.0522676073,
      1.77871501, 0.307569623, 1.03447413 },
  },
  {
    "adam",
    { MS_OPTIM_ADAM, .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8 },
    {
      { 0.49000001, -1.24000001, 1.99000001, 0.74000001, -0.290000021, 1.49000001,
        -1.99000001, 0.0900000036, 0.889999986 },
      { 0.480010271, -1.23000324, 1.98000276, 0.730002046, -0.28000474, 1.48000181,
        -1.98000109, 0.0800102726, 0.880003452 },
      { 0.470038146, -1.22001195, 1.97001016, 0.72000742, -0.270017475, 1.47000659,
        -1.97000396, 0.0700381547, 0.87001276 },
    },
    TRUE, TRUE,
    { 0.0784010291, -0.454900652, 0.134050131, 1.08885062, -0.23955071, 0.100900047,
      -0.674600124, 0.313604116, 0.534750819 },
    { 0.000252241793, 0.00845942274, 0.000734381611, 0.0484341048, 0.00234773522,
      0.000415861723, 0.0185818132, 0.00403586868, 0.0116912611 },
  },
  {
    "adam-gan",
    { MS_OPTIM_ADAM, .lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-8,
      .weight_decay = 0.1 },
    {
      { 0.499799997, -1.24979997, 1.99979997, 0.749800026, -0.299800009, 1.49979997,
        -1.99979997, 0.0997999981, 0.899800003 },
      { 0.499600023, -1.24959993, 1.99959993, 0.749600053, -0.299600005, 1.49959993,
        -1.99959993, 0.0996000171, 0.899600029 },
      { 0.499400079, -1.2493999, 1.9993999, 0.749400079, -0.299400032, 1.4993999, -1.9993999,
        0.0994000733, 0.899400055 },
    },
    TRUE, TRUE,
    { 0.30597502, -1.59634995, 0.612349987, 3.60860038, -0.813349962, 0.459287465,
      -2.36222506, 1.05772507, 1.82810009 },
    { 0.00036667104, 0.00997729041, 0.00146802678, 0.0509805158, 0.00259032194, 0.000825828,
      0.0218445752, 0.00438196212, 0.0130846836 },
  },
};

/* A few float roundings apart (ATen may fuse a multiply-add where C does not). */
#define REF_ATOL 1e-6
#define REF_RTOL 1e-6

static void
test_torch_reference (gconstpointer data)
{
  const TorchCase *tc = data;
  MsParams *p = make_params ();
  MsOptimizer opt;
  g_autoptr (GError) error = NULL;

  g_assert_true (ms_optimizer_init (&opt, &tc->config, &error));
  g_assert_no_error (error);

  for (int s = 0; s < 3; s++)
    {
      g_autofree char *what = g_strdup_printf ("%s step %d", tc->name, s + 1);

      compute_grad (p);
      ms_optimizer_step (&opt, p);
      check_close (what, p->data, tc->steps[s], N_VALUES, REF_ATOL, REF_RTOL);
    }
  g_assert_cmpint (opt.step, ==, 3);
  g_assert_cmpint (opt.has_m, ==, tc->has_m);
  g_assert_cmpint (opt.has_v, ==, tc->has_v);
  if (tc->has_m)
    check_close ("m", p->m, tc->m, N_VALUES, REF_ATOL, REF_RTOL);
  if (tc->has_v)
    check_close ("v", p->v, tc->v, N_VALUES, REF_ATOL, REF_RTOL);

  ms_params_free (p);
}

/* torch: Adam(lr=0.01), then param_groups[0]['lr'] = 0.001 before steps 2 and 3 */
static void
test_lr_change_adam (void)
{
  static const float expected[3][N_VALUES] = {
    { 0.49000001, -1.24000001, 1.99000001, 0.74000001, -0.290000021, 1.49000001, -1.99000001,
      0.0900000036, 0.889999986 },
    { 0.489001036, -1.23900032, 1.98900032, 0.739000201, -0.289000481, 1.4890002, -1.98900008,
      0.0890010297, 0.889000356 },
    { 0.488002449, -1.23800075, 1.98800075, 0.738000512, -0.28800115, 1.48800051, -1.98800027,
      0.0880024582, 0.888000846 },
  };
  MsParams *p = make_params ();
  MsOptimConfig config = config_of (MS_OPTIM_ADAM, 0.01);
  MsOptimizer opt;

  g_assert_true (ms_optimizer_init (&opt, &config, NULL));
  for (int s = 0; s < 3; s++)
    {
      if (s == 1)
        {
          config.lr = 0.001;
          g_assert_true (ms_optimizer_set_config (&opt, p, &config, NULL));
          g_assert_cmpint (opt.step, ==, 1);    /* the state is kept */
        }
      compute_grad (p);
      ms_optimizer_step (&opt, p);
      check_close ("adam lr change", p->data, expected[s], N_VALUES, REF_ATOL, REF_RTOL);
    }
  ms_params_free (p);
}

/* A new learning rate applies from the very next step, for every kind: the step taken with lr
 * after a change equals the step taken by an optimizer that had that lr all along, scaled. */
static void
test_lr_change_next_step (void)
{
  for (int k = 0; k < MS_OPTIM_N_KINDS; k++)
    {
      MsParams *p = make_params ();
      MsParams *q = make_params ();
      MsOptimConfig config = config_of ((MsOptimKind) k, 0.01);
      MsOptimizer a, b;
      float before[N_VALUES];

      g_assert_true (ms_optimizer_init (&a, &config, NULL));
      g_assert_true (ms_optimizer_init (&b, &config, NULL));
      for (int s = 0; s < 2; s++)
        {
          compute_grad (p);
          ms_optimizer_step (&a, p);
          compute_grad (q);
          ms_optimizer_step (&b, q);
        }

      /* Every rule is linear in lr given the state, so a step with 10 * lr moves 10 times as
       * far, and the state buffers evolve identically. */
      config.lr = 0.1;
      g_assert_true (ms_optimizer_set_config (&b, q, &config, NULL));
      memcpy (before, p->data, sizeof before);
      compute_grad (p);
      compute_grad (q);
      ms_optimizer_step (&a, p);
      ms_optimizer_step (&b, q);

      for (int i = 0; i < N_VALUES; i++)
        {
          double da = (double) p->data[i] - before[i];
          double db = (double) q->data[i] - before[i];

          if (fabs (db - 10.0 * da) > 1e-5 + 1e-3 * fabs (db))
            {
              g_test_message ("%s: step %g after lr x10, expected %g",
                              ms_optim_kind_to_string ((MsOptimKind) k), db, 10 * da);
              g_test_fail ();
            }
        }
      check_close ("m after lr change", q->m, p->m, N_VALUES, 0, 0);
      check_close ("v after lr change", q->v, p->v, N_VALUES, 0, 0);
      g_assert_cmpint (a.step, ==, b.step);

      ms_params_free (p);
      ms_params_free (q);
    }
}

/* Plain SGD, exactly: after the change, w' = w - 0.01 * grad. */
static void
test_lr_change_sgd_exact (void)
{
  MsParams *p = make_params ();
  MsOptimConfig config = config_of (MS_OPTIM_SGD, 0.1);
  MsOptimizer opt;
  float expected[N_VALUES];

  g_assert_true (ms_optimizer_init (&opt, &config, NULL));
  compute_grad (p);
  ms_optimizer_step (&opt, p);

  config.lr = 0.01;
  g_assert_true (ms_optimizer_set_config (&opt, p, &config, NULL));
  compute_grad (p);
  for (int i = 0; i < N_VALUES; i++)
    expected[i] = p->data[i] + (-0.01f) * p->grad[i];
  ms_optimizer_step (&opt, p);
  check_close ("sgd after lr change", p->data, expected, N_VALUES, 0, 0);
  ms_params_free (p);
}

static gboolean
all_zero (const float *x,
          gsize        n)
{
  for (gsize i = 0; i < n; i++)
    if (x[i] != 0.0f)
      return FALSE;
  return TRUE;
}

/* Same kind with other hyperparameters keeps the state; another kind starts afresh. */
static void
test_switch_kind (void)
{
  MsParams *p = make_params ();
  MsParams *fresh = make_params ();
  MsOptimConfig adam = config_of (MS_OPTIM_ADAM, 0.01);
  MsOptimConfig momentum = config_of (MS_OPTIM_MOMENTUM, 0.05);
  MsOptimizer opt, ref;
  float before[N_VALUES], expected[N_VALUES];

  g_assert_true (ms_optimizer_init (&opt, &adam, NULL));
  for (int s = 0; s < 3; s++)
    {
      compute_grad (p);
      ms_optimizer_step (&opt, p);
    }
  g_assert_false (all_zero (p->m, N_VALUES));
  g_assert_false (all_zero (p->v, N_VALUES));

  /* Hyperparameters only: state and step count go on. */
  adam.beta1 = 0.5;
  adam.eps = 1e-6;
  g_assert_true (ms_optimizer_set_config (&opt, p, &adam, NULL));
  g_assert_cmpint (opt.step, ==, 3);
  g_assert_true (opt.has_m && opt.has_v);
  g_assert_false (all_zero (p->m, N_VALUES));
  compute_grad (p);
  ms_optimizer_step (&opt, p);
  g_assert_cmpint (opt.step, ==, 4);

  /* Adam -> momentum: a fresh torch.optim.SGD, so the first step sets buf = grad. */
  g_assert_true (ms_optimizer_set_config (&opt, p, &momentum, NULL));
  g_assert_cmpint (opt.step, ==, 0);
  g_assert_false (opt.has_m);
  g_assert_false (opt.has_v);
  g_assert_true (all_zero (p->m, N_VALUES));
  g_assert_true (all_zero (p->v, N_VALUES));

  compute_grad (p);
  memcpy (before, p->data, sizeof before);
  for (int i = 0; i < N_VALUES; i++)
    expected[i] = before[i] + (-0.05f) * p->grad[i];
  ms_optimizer_step (&opt, p);
  check_close ("momentum buffer after switch", p->m, p->grad, N_VALUES, 0, 0);
  check_close ("first momentum step after switch", p->data, expected, N_VALUES, 0, 0);
  g_assert_true (all_zero (p->v, N_VALUES));

  /* Momentum -> Adam: exactly what a new Adam does from the same parameters. */
  g_assert_true (ms_optimizer_set_config (&opt, p, &adam, NULL));
  memcpy (fresh->data, p->data, sizeof before);
  g_assert_true (ms_optimizer_init (&ref, &adam, NULL));
  for (int s = 0; s < 3; s++)
    {
      compute_grad (p);
      ms_optimizer_step (&opt, p);
      compute_grad (fresh);
      ms_optimizer_step (&ref, fresh);
    }
  check_close ("adam after switch", p->data, fresh->data, N_VALUES, 0, 0);
  check_close ("adam m after switch", p->m, fresh->m, N_VALUES, 0, 0);
  check_close ("adam v after switch", p->v, fresh->v, N_VALUES, 0, 0);
  g_assert_cmpint (opt.step, ==, ref.step);

  ms_params_free (p);
  ms_params_free (fresh);
}

/* Each optimizer minimises the quadratic. */
static void
test_quadratic (void)
{
  static const struct { MsOptimKind kind; double lr; int steps; } runs[] = {
    { MS_OPTIM_SGD, 0.1, 400 },
    { MS_OPTIM_MOMENTUM, 0.02, 400 },
    { MS_OPTIM_NESTEROV, 0.02, 400 },
    { MS_OPTIM_RMSPROP, 0.01, 1000 },
    { MS_OPTIM_ADAM, 0.02, 1000 },
  };

  for (gsize r = 0; r < G_N_ELEMENTS (runs); r++)
    {
      MsParams *p = make_params ();
      MsOptimConfig config = config_of (runs[r].kind, runs[r].lr);
      MsOptimizer opt;
      double start = loss (p), end;

      g_assert_true (ms_optimizer_init (&opt, &config, NULL));
      for (int s = 0; s < runs[r].steps; s++)
        {
          /* Adaptive methods hover at a distance set by lr: anneal for the last quarter. */
          if (s == runs[r].steps * 3 / 4)
            {
              config.lr /= 10;
              g_assert_true (ms_optimizer_set_config (&opt, p, &config, NULL));
            }
          compute_grad (p);
          ms_optimizer_step (&opt, p);
        }
      end = loss (p);
      g_test_message ("%s: loss %g -> %g", ms_optim_kind_to_string (runs[r].kind), start, end);
      if (!(end < 1e-4 * start))
        {
          g_test_message ("%s did not minimise the quadratic",
                          ms_optim_kind_to_string (runs[r].kind));
          g_test_fail ();
        }
      g_assert_true (ms_params_all_finite (p));
      ms_params_free (p);
    }
}

/* torch.optim.SGD with momentum=0 is plain SGD, whatever the kind says. */
static void
test_zero_momentum (void)
{
  MsParams *p = make_params ();
  MsParams *q = make_params ();
  MsOptimConfig plain = config_of (MS_OPTIM_SGD, 0.1);
  MsOptimConfig mom = config_of (MS_OPTIM_MOMENTUM, 0.1);
  MsOptimizer a, b;

  mom.momentum = 0.0;
  g_assert_true (ms_optimizer_init (&a, &plain, NULL));
  g_assert_true (ms_optimizer_init (&b, &mom, NULL));
  for (int s = 0; s < 3; s++)
    {
      compute_grad (p);
      ms_optimizer_step (&a, p);
      compute_grad (q);
      ms_optimizer_step (&b, q);
    }
  check_close ("momentum 0", q->data, p->data, N_VALUES, 0, 0);
  g_assert_false (b.has_m);
  ms_params_free (p);
  ms_params_free (q);
}

static void
test_config (void)
{
  g_autoptr (GError) error = NULL;
  MsParams *p = make_params ();
  MsOptimKind kind = MS_OPTIM_SGD;
  MsOptimConfig config, bad;
  MsOptimizer opt;

  for (int k = 0; k < MS_OPTIM_N_KINDS; k++)
    {
      const char *name = ms_optim_kind_to_string ((MsOptimKind) k);

      g_assert_nonnull (name);
      g_assert_true (ms_optim_kind_from_string (name, &kind, &error));
      g_assert_no_error (error);
      g_assert_cmpint (kind, ==, k);
      config = ms_optim_config_default ((MsOptimKind) k);
      g_assert_cmpint (config.kind, ==, k);
      g_assert_true (ms_optim_config_validate (&config, &error));
      g_assert_no_error (error);
    }
  g_assert_true (ms_optim_kind_from_string ("Adam", &kind, NULL));
  g_assert_cmpint (kind, ==, MS_OPTIM_ADAM);
  g_assert_null (ms_optim_kind_to_string (MS_OPTIM_N_KINDS));

  /* torch's defaults */
  config = ms_optim_config_default (MS_OPTIM_ADAM);
  g_assert_cmpfloat (config.lr, ==, 1e-3);
  g_assert_cmpfloat (config.beta1, ==, 0.9);
  g_assert_cmpfloat (config.beta2, ==, 0.999);
  g_assert_cmpfloat (config.eps, ==, 1e-8);
  g_assert_cmpfloat (config.weight_decay, ==, 0.0);
  config = ms_optim_config_default (MS_OPTIM_RMSPROP);
  g_assert_cmpfloat (config.lr, ==, 1e-2);
  g_assert_cmpfloat (config.alpha, ==, 0.99);
  g_assert_cmpfloat (config.momentum, ==, 0.0);

  kind = MS_OPTIM_RMSPROP;
  g_assert_false (ms_optim_kind_from_string ("adamw", &kind, &error));
  g_assert_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_UNKNOWN_KIND);
  g_assert_nonnull (strstr (error->message, "adamw"));
  g_assert_cmpint (kind, ==, MS_OPTIM_RMSPROP);
  g_clear_error (&error);

  bad = config_of (MS_OPTIM_ADAM, -1.0);
  g_assert_false (ms_optim_config_validate (&bad, &error));
  g_assert_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "learning rate"));
  g_clear_error (&error);

  bad = config_of (MS_OPTIM_ADAM, 1e-3);
  bad.beta1 = 1.0;
  g_assert_false (ms_optim_config_validate (&bad, &error));
  g_assert_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  bad = config_of (MS_OPTIM_ADAM, NAN);
  g_assert_false (ms_optim_config_validate (&bad, NULL));

  bad = config_of (MS_OPTIM_NESTEROV, 0.1);
  bad.dampening = 0.1;
  g_assert_false (ms_optim_config_validate (&bad, &error));
  g_assert_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  /* An invalid new config changes nothing. */
  config = config_of (MS_OPTIM_ADAM, 0.01);
  g_assert_true (ms_optimizer_init (&opt, &config, NULL));
  compute_grad (p);
  ms_optimizer_step (&opt, p);
  bad = config_of (MS_OPTIM_SGD, -0.5);
  g_assert_false (ms_optimizer_set_config (&opt, p, &bad, &error));
  g_assert_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG);
  g_clear_error (&error);
  g_assert_cmpint (opt.config.kind, ==, MS_OPTIM_ADAM);
  g_assert_cmpint (opt.step, ==, 1);
  g_assert_false (all_zero (p->m, N_VALUES));

  /* An invalid initial config leaves a usable optimizer. */
  g_assert_false (ms_optimizer_init (&opt, &bad, &error));
  g_assert_error (error, MS_OPTIM_ERROR, MS_OPTIM_ERROR_INVALID_CONFIG);
  g_assert_true (ms_optim_config_validate (&opt.config, NULL));

  ms_params_free (p);
}

static void
test_clip (void)
{
  MsParams *p = make_params ();

  p->data[0] = NAN;
  ms_optimizer_clip_weights (p, 0.5f);
  g_assert_true (isnan (p->data[0]));
  for (int i = 1; i < N_VALUES; i++)
    {
      float expected = CLAMP (w0[i], -0.5f, 0.5f);

      g_assert_cmpfloat (p->data[i], ==, expected);
    }
  ms_params_free (p);
}

/* Random generator --------------------------------------------------------------------- */

static void
test_rng_reference (void)
{
  static const guint64 expected[] = {
    G_GUINT64_CONSTANT (0x15780b2e0c2ec716),
    G_GUINT64_CONSTANT (0x6104d9866d113a7e),
    G_GUINT64_CONSTANT (0xae17533239e499a1),
    G_GUINT64_CONSTANT (0xecb8ad4703b360a1),
    G_GUINT64_CONSTANT (0xfde6dc7fe2ec5e64),
    G_GUINT64_CONSTANT (0xc50da53101795238),
  };
  static const guint64 published[] = {
    11520, 0, 1509978240, G_GUINT64_CONSTANT (1215971899390074240),
  };
  MsRng rng;

  /* splitmix64 (42) gives the state; xoshiro256** the outputs */
  ms_rng_seed (&rng, 42);
  g_assert_cmphex (rng.s[0], ==, G_GUINT64_CONSTANT (0xbdd732262feb6e95));
  g_assert_cmphex (rng.s[1], ==, G_GUINT64_CONSTANT (0x28efe333b266f103));
  g_assert_cmphex (rng.s[2], ==, G_GUINT64_CONSTANT (0x47526757130f9f52));
  g_assert_cmphex (rng.s[3], ==, G_GUINT64_CONSTANT (0x581ce1ff0e4ae394));
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmphex (ms_rng_next_u64 (&rng), ==, expected[i]);

  rng.s[0] = 1;
  rng.s[1] = 2;
  rng.s[2] = 3;
  rng.s[3] = 4;
  for (gsize i = 0; i < G_N_ELEMENTS (published); i++)
    g_assert_cmphex (ms_rng_next_u64 (&rng), ==, published[i]);

  /* The same seed names the same run. */
  {
    MsRng a, b;

    ms_rng_seed (&a, 7);
    ms_rng_seed (&b, 7);
    for (int i = 0; i < 100; i++)
      g_assert_cmpfloat (ms_rng_normal (&a), ==, ms_rng_normal (&b));
    ms_rng_seed (&b, 8);
    g_assert_cmphex (ms_rng_next_u64 (&a), !=, ms_rng_next_u64 (&b));
  }
}

static void
test_rng_uniform (void)
{
  enum { N = 200000, BUCKETS = 10 };
  int counts[BUCKETS] = { 0 };
  double sum = 0.0;
  MsRng rng;

  ms_rng_seed (&rng, 1);
  for (int i = 0; i < N; i++)
    {
      float u = ms_rng_uniform (&rng);

      g_assert_cmpfloat (u, >=, 0.0f);
      g_assert_cmpfloat (u, <, 1.0f);
      sum += u;
    }
  g_assert_cmpfloat_with_epsilon (sum / N, 0.5, 0.005);

  for (int i = 0; i < N; i++)
    {
      guint32 k = ms_rng_below (&rng, BUCKETS);

      g_assert_cmpuint (k, <, BUCKETS);
      counts[k]++;
    }
  for (int k = 0; k < BUCKETS; k++)   /* expected 20000, sd ~134 */
    g_assert_cmpint (ABS (counts[k] - N / BUCKETS), <, 800);
  g_assert_cmpuint (ms_rng_below (&rng, 1), ==, 0);
  for (int i = 0; i < 1000; i++)
    g_assert_cmpuint (ms_rng_below (&rng, 3000000001u), <, 3000000001u);

  {
    float buf[1000];

    ms_rng_fill_uniform (&rng, buf, G_N_ELEMENTS (buf), -2.0f, 3.0f);
    for (gsize i = 0; i < G_N_ELEMENTS (buf); i++)
      g_assert_true (buf[i] >= -2.0f && buf[i] <= 3.0f);
  }
}

static void
test_rng_normal (void)
{
  enum { N = 200000 };
  double sum = 0.0, sum2 = 0.0;
  int within_one = 0;
  MsRng rng, copy;
  float *buf;

  ms_rng_seed (&rng, 42);
  for (int i = 0; i < N; i++)
    {
      double x = ms_rng_normal (&rng);

      g_assert_true (isfinite (x));
      sum += x;
      sum2 += x * x;
      within_one += fabs (x) < 1.0;
    }
  /* Standard errors: mean 0.0022, std 0.0016, P(|x| < 1) 0.001 */
  g_assert_cmpfloat_with_epsilon (sum / N, 0.0, 0.01);
  g_assert_cmpfloat_with_epsilon (sqrt (sum2 / N - (sum / N) * (sum / N)), 1.0, 0.01);
  g_assert_cmpfloat_with_epsilon ((double) within_one / N, 0.682689, 0.005);

  /* The four words are the whole state: a copy continues identically. */
  ms_rng_normal (&rng);
  copy = rng;
  for (int i = 0; i < 10; i++)
    g_assert_cmpfloat (ms_rng_normal (&rng), ==, ms_rng_normal (&copy));

  buf = g_new (float, N);
  ms_rng_fill_normal (&rng, buf, N, 3.0f, 0.5f);
  sum = sum2 = 0.0;
  for (int i = 0; i < N; i++)
    {
      sum += buf[i];
      sum2 += (double) buf[i] * buf[i];
    }
  g_assert_cmpfloat_with_epsilon (sum / N, 3.0, 0.01);
  g_assert_cmpfloat_with_epsilon (sqrt (sum2 / N - (sum / N) * (sum / N)), 0.5, 0.01);
  g_free (buf);
}

static void
test_rng_fork (void)
{
  MsRng rng, expected, child;
  int same = 0;

  ms_rng_seed (&rng, 5);
  expected = rng;
  ms_rng_fork (&rng, &child);
  ms_rng_next_u64 (&expected);
  for (int i = 0; i < 16; i++)
    {
      guint64 x = ms_rng_next_u64 (&rng);

      g_assert_cmphex (x, ==, ms_rng_next_u64 (&expected));
      same += x == ms_rng_next_u64 (&child);
    }
  g_assert_cmpint (same, ==, 0);
}

/* Initialisers ------------------------------------------------------------------------ */

static void
sample_stats (const float *x,
              gsize        n,
              double      *mean,
              double      *std,
              double      *max_abs)
{
  double sum = 0.0, sum2 = 0.0, m = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      sum += x[i];
      sum2 += (double) x[i] * x[i];
      m = MAX (m, fabs (x[i]));
    }
  *mean = sum / n;
  *std = sqrt (sum2 / n - *mean * *mean);
  *max_abs = m;
}

static void
test_init_fans (void)
{
  MsParams *p = ms_params_new ("fans");
  int conv = ms_params_add (p, "conv.weight", 4, (int[]) { 64, 32, 3, 3 });
  int convt = ms_params_add (p, "convt.weight", 4, (int[]) { 16, 8, 4, 4 });
  int fc = ms_params_add (p, "fc.weight", 2, (int[]) { 256, 100 });
  int bias = ms_params_add (p, "fc.bias", 1, (int[]) { 256 });
  gsize fan_in, fan_out;

  ms_params_finalize (p);
  ms_params_fans (p, conv, &fan_in, &fan_out);
  g_assert_cmpuint (fan_in, ==, 32 * 9);
  g_assert_cmpuint (fan_out, ==, 64 * 9);
  /* torch on a ConvTranspose2d weight (Ci, Co, kh, kw): fan_in = Co * kh * kw */
  ms_params_fans (p, convt, &fan_in, &fan_out);
  g_assert_cmpuint (fan_in, ==, 8 * 16);
  g_assert_cmpuint (fan_out, ==, 16 * 16);
  ms_params_fans (p, fc, &fan_in, &fan_out);
  g_assert_cmpuint (fan_in, ==, 100);
  g_assert_cmpuint (fan_out, ==, 256);
  ms_params_fans (p, bias, &fan_in, &fan_out);
  g_assert_cmpuint (fan_in, ==, 256);

  g_assert_cmpuint (p->total, ==, 64 * 32 * 9 + 16 * 8 * 16 + 256 * 100 + 256);
  g_assert_cmpuint (ms_params_info (p, bias)->offset, ==, 64 * 32 * 9 + 16 * 8 * 16 + 25600);
  g_assert_cmpint (ms_params_find (p, "fc.weight"), ==, fc);
  g_assert_cmpint (ms_params_find (p, "nope"), ==, -1);
  g_assert_true (((guintptr) p->data % 64) == 0 && ((guintptr) p->grad % 64) == 0);
  g_assert_true (((guintptr) p->m % 64) == 0 && ((guintptr) p->v % 64) == 0);
  g_assert_true (all_zero (p->data, p->total) && all_zero (p->grad, p->total));
  g_assert_true (all_zero (p->m, p->total) && all_zero (p->v, p->total));
  ms_params_free (p);
}

typedef struct
{
  double expected_std;
  double bound;          /* 0 for normal initialisers */
} InitExpectation;

static void
check_init (const char            *what,
            MsParams              *p,
            int                    index,
            const InitExpectation *e)
{
  const MsParamInfo *info = ms_params_info (p, index);
  double mean, std, max_abs;

  sample_stats (ms_params_data (p, index), info->numel, &mean, &std, &max_abs);
  g_test_message ("%s: mean %g std %g (expected %g) max %g (bound %g)",
                  what, mean, std, e->expected_std, max_abs, e->bound);
  if (fabs (std / e->expected_std - 1.0) > 0.03 || fabs (mean) > 0.05 * e->expected_std)
    {
      g_test_message ("%s: wrong distribution", what);
      g_test_fail ();
    }
  if (e->bound > 0.0 && (max_abs > e->bound || max_abs < 0.99 * e->bound))
    {
      g_test_message ("%s: values do not fill [-%g, %g]", what, e->bound, e->bound);
      g_test_fail ();
    }
}

static void
test_init_distributions (void)
{
  MsParams *p = ms_params_new ("init");
  int conv = ms_params_add (p, "conv.weight", 4, (int[]) { 64, 32, 3, 3 });  /* 288 / 576 */
  int convt = ms_params_add (p, "convt.weight", 4, (int[]) { 64, 32, 4, 4 }); /* 512 / 1024 */
  int bias = ms_params_add (p, "conv.bias", 1, (int[]) { 4096 });
  MsRng rng;
  InitExpectation e;
  double mean, std, max_abs;

  ms_params_finalize (p);
  ms_rng_seed (&rng, 3);

  /* nn.Conv2d's default: kaiming_uniform_(a=sqrt(5)) -> bound 1 / sqrt (fan_in) */
  ms_init_kaiming_uniform (p, conv, &rng, sqrtf (5.0f));
  e.bound = 1.0 / sqrt (288.0);
  e.expected_std = e.bound / sqrt (3.0);
  check_init ("kaiming_uniform a=sqrt(5)", p, conv, &e);

  ms_init_kaiming_uniform (p, convt, &rng, 0.0f);
  e.bound = sqrt (6.0 / 512.0);
  e.expected_std = e.bound / sqrt (3.0);
  check_init ("kaiming_uniform a=0", p, convt, &e);

  ms_init_kaiming_normal (p, conv, &rng, 0.2f);
  e.bound = 0.0;
  e.expected_std = sqrt (2.0 / (1.0 + 0.04)) / sqrt (288.0);
  check_init ("kaiming_normal a=0.2", p, conv, &e);

  ms_init_xavier_uniform (p, convt, &rng, 1.0f);
  e.bound = sqrt (6.0 / (512.0 + 1024.0));
  e.expected_std = e.bound / sqrt (3.0);
  check_init ("xavier_uniform", p, convt, &e);

  ms_init_xavier_normal (p, conv, &rng, sqrtf (2.0f));
  e.bound = 0.0;
  e.expected_std = sqrt (2.0) * sqrt (2.0 / (288.0 + 576.0));
  check_init ("xavier_normal gain=sqrt(2)", p, conv, &e);

  /* DCGAN: N(0, 0.02) */
  ms_init_normal (p, convt, &rng, 0.0f, 0.02f);
  e.expected_std = 0.02;
  check_init ("normal 0.02", p, convt, &e);

  /* The bias default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) */
  ms_init_uniform (p, bias, &rng, -1.0f / sqrtf (288.0f), 1.0f / sqrtf (288.0f));
  e.bound = 1.0 / sqrt (288.0);
  e.expected_std = e.bound / sqrt (3.0);
  check_init ("uniform bias", p, bias, &e);

  ms_init_constant (p, bias, 0.25f);
  sample_stats (ms_params_data (p, bias), 4096, &mean, &std, &max_abs);
  g_assert_cmpfloat (mean, ==, 0.25);
  g_assert_cmpfloat (max_abs, ==, 0.25);

  ms_params_free (p);
}

/* Equal configs: every field the update rule reads counts */
static void
test_config_equal (void)
{
  MsOptimConfig a = ms_optim_config_default (MS_OPTIM_ADAM);
  MsOptimConfig b = a;

  g_assert_true (ms_optim_config_equal (&a, &b));
  b.beta2 = 0.9;
  g_assert_false (ms_optim_config_equal (&a, &b));
  b = a;
  b.weight_decay = 1e-4;
  g_assert_false (ms_optim_config_equal (&a, &b));
  b = ms_optim_config_default (MS_OPTIM_RMSPROP);
  b.lr = a.lr;
  g_assert_false (ms_optim_config_equal (&a, &b));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (torch_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/optim/torch/%s", torch_cases[i].name);

      g_test_add_data_func (path, &torch_cases[i], test_torch_reference);
    }
  g_test_add_func ("/optim/torch/adam-lr-change", test_lr_change_adam);
  g_test_add_func ("/optim/lr-change/next-step", test_lr_change_next_step);
  g_test_add_func ("/optim/config-equal", test_config_equal);
  g_test_add_func ("/optim/lr-change/sgd-exact", test_lr_change_sgd_exact);
  g_test_add_func ("/optim/switch-kind", test_switch_kind);
  g_test_add_func ("/optim/quadratic", test_quadratic);
  g_test_add_func ("/optim/zero-momentum", test_zero_momentum);
  g_test_add_func ("/optim/config", test_config);
  g_test_add_func ("/optim/clip", test_clip);
  g_test_add_func ("/rng/reference", test_rng_reference);
  g_test_add_func ("/rng/uniform", test_rng_uniform);
  g_test_add_func ("/rng/normal", test_rng_normal);
  g_test_add_func ("/rng/fork", test_rng_fork);
  g_test_add_func ("/init/fans", test_init_fans);
  g_test_add_func ("/init/distributions", test_init_distributions);

  return g_test_run ();
}
