/* ms-cli-bench.c: `modescope-cli bench`, the engine's speed and memory, beside PyTorch
 *
 * Copyright 2026 The ModeScope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times whole training iterations (what a user waits for), counts the GEMM FLOPs the engine
 * really did, and when Debian's python3-torch is installed runs the same step in PyTorch
 * (tools/bench-torch.py) at every thread count up to the number of cores, and compares with
 * the best.  The OPENBLAS_* environment is respected; --threads sets OpenBLAS's thread count
 * only when given.
 */
#include "config.h"

#include <glib/gi18n.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <cblas.h>

#include "ms-cli.h"
#include "ms-cli-args.h"
#include "ms-gan.h"
#include "ms-ops.h"
#include "ms-parallel.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
int openblas_get_num_threads (void);
#endif

typedef struct
{
  const char *name;        /* as given to --case */
  const char *torch_case;  /* bench-torch.py --case */
  const char *arch;
  MsLossKind  loss;
  int         batch;
  gboolean    critic_only; /* time one critic step, not a full iteration */
  const char *what;
} BenchCase;

static const BenchCase cases[] = {
  { "dcgan256", "dcgan", "dcgan-paper", MS_LOSS_NSGAN, 256, FALSE,
    N_("DCGAN (optimizer paper), one D + one G update, batch 256, Adam 1e-3") },
  { "dcgan64", "dcgan", "dcgan-paper", MS_LOSS_NSGAN, 64, FALSE,
    N_("DCGAN (optimizer paper), one D + one G update, batch 64, Adam 1e-3") },
  { "wgan-gp", "wgan-gp", "dcgan-paper", MS_LOSS_WGAN_GP, 64, TRUE,
    N_("WGAN-GP critic step of the same D, batch 64, lambda 10") },
  { "mlp", "mlp", "mlp", MS_LOSS_NSGAN, 512, FALSE,
    N_("2-D MLP GAN (2 x 128 hidden), one D + one G update, batch 512") },
};

static void
uniform_sampler (gpointer  user_data,
                 MsRng    *rng,
                 int       n,
                 float    *out)
{
  gsize size = GPOINTER_TO_SIZE (user_data);

  ms_rng_fill_uniform (rng, out, (gsize) n * size, -1.0f, 1.0f);
}

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

static int
blas_threads (void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  return openblas_get_num_threads ();
#else
  return 0;
#endif
}

/* cblas_sgemm GFLOP/s at the current thread count: the reference for "% of peak" */
static double
measure_sgemm (int n)
{
  gsize count = (gsize) n * n;
  float *a = g_malloc (count * sizeof (float));
  float *b = g_malloc (count * sizeof (float));
  float *c = g_malloc (count * sizeof (float));
  double best = 0.0;

  for (gsize i = 0; i < count; i++)
    {
      a[i] = (float) (i % 17) * 0.01f;
      b[i] = (float) (i % 13) * 0.01f;
    }
  for (int rep = 0; rep < 6; rep++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double s;

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                   c, n);
      s = (g_get_monotonic_time () - t0) / 1e6;
      if (rep > 0)
        best = MAX (best, 2.0 * n * (double) n * n / s / 1e9);
    }
  g_free (a);
  g_free (b);
  g_free (c);
  return best;
}

static char *
find_torch_script (void)
{
  const char *env = g_getenv ("MODESCOPE_TOOLSDIR");
  const char *dirs[] = { env, SOURCE_TOOLSDIR, PKGDATADIR "/tools" };

  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;

      if (dirs[i] == NULL)
        continue;
      path = g_build_filename (dirs[i], "bench-torch.py", NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static const char *
torch_python (void)
{
  const char *env = g_getenv ("MODESCOPE_PYTHON");

  return env != NULL ? env : "/usr/bin/python3";
}

static gboolean
torch_available (void)
{
  const char *argv[] = { torch_python (), "-c", "import torch", NULL };
  int status = 1;

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL
                     | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

/* Iterations per second of the PyTorch step, or a negative value on failure */
static double
run_torch (const char *script,
           const char *torch_case,
           int         batch,
           int         threads,
           double      seconds)
{
  g_autofree char *batch_s = g_strdup_printf ("%d", batch);
  g_autofree char *threads_s = g_strdup_printf ("%d", threads);
  g_autofree char *seconds_s = g_strdup_printf ("%g", seconds);
  const char *argv[] = { torch_python (), script, "--case", torch_case, "--batch", batch_s,
                         "--threads", threads_s, "--seconds", seconds_s, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 1;
  const char *found;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, _("bench: PyTorch run failed: %s\n"), error ? error->message : "?");
      return -1.0;
    }
  found = out ? strstr (out, "it_per_s=") : NULL;
  return found ? g_ascii_strtod (found + strlen ("it_per_s="), NULL) : -1.0;
}

static int
run_case (const BenchCase *bc,
          double           seconds,
          double           sgemm_peak,
          gboolean         with_torch,
          const char      *script,
          int              max_threads)
{
  MsArchConfig arch = { .arch = bc->arch, .pack = 1 };
  MsGanConfig config = ms_gan_config_default (bc->loss);
  MsOptimConfig adam = ms_optim_config_default (MS_OPTIM_ADAM);
  MsOptimConfig adam_d = adam;
  g_autoptr(GError) error = NULL;
  MsGan *gan;
  gint64 t0;
  double elapsed, flops, it_per_s;
  int iters = 0;

  if (strcmp (bc->arch, "mlp") == 0)
    {
      arch.data_ndim = 1;
      arch.data_shape[0] = 2;
    }
  else
    {
      arch.data_ndim = 3;
      arch.data_shape[0] = 1;
      arch.data_shape[1] = 28;
      arch.data_shape[2] = 28;
    }
  config.batch = bc->batch;
  config.n_critic = 1;
  if (bc->loss == MS_LOSS_WGAN_GP)
    {
      adam_d.lr = 1e-4;
      adam_d.beta1 = 0.5;
      adam_d.beta2 = 0.9;
    }
  gan = ms_gan_new (&arch, &config, &adam, &adam_d, 1, uniform_sampler,
                    GSIZE_TO_POINTER (strcmp (bc->arch, "mlp") == 0 ? 2 : 784), &error);
  if (gan == NULL)
    {
      fprintf (stderr, "modescope-cli bench: %s\n", error->message);
      return MS_CLI_EXIT_FAILURE;
    }

  for (int i = 0; i < 2; i++)  /* warm up: arena and OpenBLAS buffers reach their size */
    bc->critic_only ? ms_gan_step_d (gan) : ms_gan_iteration (gan);
  ms_flops_reset ();
  t0 = g_get_monotonic_time ();
  do
    {
      bc->critic_only ? ms_gan_step_d (gan) : ms_gan_iteration (gan);
      iters++;
      elapsed = (g_get_monotonic_time () - t0) / 1e6;
    }
  while (elapsed < seconds || iters < 3);
  flops = ms_flops_get ();
  it_per_s = iters / elapsed;

  printf ("case=%s batch=%d threads=%d blas_threads=%d it_per_s=%.3f ms_per_it=%.2f gflop_per_it=%.3f "
          "gflops=%.1f sgemm_share=%.0f%% arena_mb=%.1f peak_rss_mb=%.0f\n",
          bc->name, bc->batch, ms_parallel_threads (), blas_threads (), it_per_s, 1000.0 / it_per_s,
          flops / iters / 1e9, flops / elapsed / 1e9,
          sgemm_peak > 0 ? 100.0 * flops / elapsed / 1e9 / sgemm_peak : 0.0,
          ms_arena_high_water (ms_graph_arena (ms_gan_graph (gan))) / 1048576.0, peak_rss_mb ());
  printf ("  # %s\n", _(bc->what));
  fflush (stdout);
  ms_gan_free (gan);

  if (with_torch)
    {
      double best = -1.0;
      int best_threads = 0;

      for (int t = 1; t <= max_threads; t++)
        {
          double r = run_torch (script, bc->torch_case, bc->batch, t, seconds);

          printf ("  torch threads=%d it_per_s=%.3f\n", t, r);
          if (r > best)
            {
              best = r;
              best_threads = t;
            }
        }
      if (best > 0)
        printf ("  vs_torch case=%s ratio=%.2f (ModeScope %.3f it/s, PyTorch best %.3f it/s at "
                "%d threads)\n", bc->name, it_per_s / best, it_per_s, best, best_threads);
      fflush (stdout);
    }
  return 0;
}

int
ms_cli_bench (int    argc,
              char **argv)
{
  g_autofree char *case_name = NULL;
  g_autofree char *seconds_text = NULL;
  g_autofree char *threads_text = NULL;
  double seconds = 5.0;
  int threads = 0;
  gboolean no_torch = FALSE;
  GOptionEntry entries[] = {
    { "case", 0, 0, G_OPTION_ARG_STRING, &case_name,
      N_("Run one case: dcgan256, dcgan64, wgan-gp, mlp (default: all)"), N_("NAME") },
    { "seconds", 0, 0, G_OPTION_ARG_STRING, &seconds_text,
      N_("Time each case for this long (default 5; 0.01 to 3600)"), N_("S") },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      N_("Engine threads, 1 to 1024 (default: one per core, or 1 when OPENBLAS_NUM_THREADS is "
         "set)"), N_("N") },
    { "no-torch", 0, 0, G_OPTION_ARG_NONE, &no_torch, N_("Do not run the PyTorch comparison"),
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (N_("- time training iterations"));
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  gboolean with_torch;
  double peak;
  int max_threads = (int) g_get_num_processors ();
  gboolean known;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    goto usage;
  if (argc > 1)
    {
      ms_cli_usage_error (&error, _("unexpected argument “%s”"), argv[1]);
      goto usage;
    }
  if (!ms_cli_double_flag ("--seconds", seconds_text, 0.01, 3600.0, _("time per case"),
                           &seconds, &error)
      || !ms_cli_int_flag ("--threads", threads_text, 1, 1024, _("number of threads"), &threads,
                           &error))
    goto usage;
  known = case_name == NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    known = known || strcmp (case_name, cases[i].name) == 0;
  if (!known)
    {
      g_autofree char *quoted = ms_value_quote (case_name);

      ms_cli_usage_error (&error, _("unknown case “%s” (dcgan256, dcgan64, wgan-gp, mlp)"),
                          quoted);
      goto usage;
    }
  if (threads > 0)
    ms_parallel_set_threads (threads);

  /* The reference: cblas_sgemm as OpenBLAS is configured (all cores unless the user's
   * environment says otherwise), before the engine takes over its threading. */
  peak = measure_sgemm (2048);
  printf ("sgemm n=2048 blas_threads=%d gflops=%.1f  OPENBLAS_CORETYPE=%s OPENBLAS_NUM_THREADS=%s\n",
          blas_threads (), peak, g_getenv ("OPENBLAS_CORETYPE") ?: "(unset)",
          g_getenv ("OPENBLAS_NUM_THREADS") ?: "(unset)");
  script = find_torch_script ();
  with_torch = !no_torch && script != NULL && torch_available ();
  if (!no_torch && !with_torch)
    printf (_("# PyTorch comparison skipped: install python3-torch (Debian) to run it\n"));
  fflush (stdout);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (case_name != NULL && strcmp (case_name, cases[i].name) != 0)
        continue;
      if (run_case (&cases[i], seconds, peak, with_torch, script, max_threads) != 0)
        return MS_CLI_EXIT_FAILURE;
    }
  return 0;

usage:
  fprintf (stderr, "modescope-cli bench: %s\n", error->message);
  return MS_CLI_EXIT_USAGE;
}
