/* cmd_sweep: `meshsim sweep FILE --set KEY=V1,V2,...`: the command line of
 * the sweep runner (sweep/sweep_run.h), which runs every point of the
 * cartesian product of the swept values, each point one `meshsim run`, in
 * worker processes and into the results database, optionally as one shard
 * of a sweep spread over a batch cluster. This file parses the options,
 * takes the shard from them or from Slurm's and Kubernetes' variables,
 * catches Ctrl-C and SIGTERM, draws the progress line and words the
 * messages. Grammar, point order and shards: sweep/sweep.h and
 * docs/sweeps.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "db.h"
#include "diag.h"
#include "progress.h"
#include "sweep_run.h"

enum {
  SO_SET,
  SO_MODES,
  SO_REPLICATIONS,
  SO_DURATION,
  SO_SEED,
  SO_JOBS,
  SO_DB,
  SO_SHARD,
  SO_SHARD_COUNT,
  SO_DRY_RUN,
  SO_MAX_EVENTS,
  SO_MAX_MEMORY,
  SO_QUIET,
  SO_HELP,
  SO_COUNT
};

/* A shorthand twice is an error, since a sweep's identity counts each once;
 * the other options may be repeated, the last value winning. */
static const cli_option sweep_opts[SO_COUNT] = {
    [SO_SET] = {"--set", "KEY=VALUES", "a swept (or, with one value, fixed) override; repeatable",
                .repeat = 1},
    [SO_MODES] = {"--modes", "LIST", "modes to compare in every point (mesh.modes)"},
    [SO_REPLICATIONS] = {"--replications", "K", "replications per point (metadata.replications)"},
    [SO_DURATION] = {"--duration", "T", "measured time per point, e.g. 10s (metadata.duration)"},
    [SO_SEED] = {"--seed", "N", "seed of every point (metadata.seed)"},
    [SO_JOBS] = {"--jobs", "N", "worker processes (default: the number of cores)", .repeat = 1},
    [SO_DB] = {"--db", "PATH",
               "results database (default: " DB_DEFAULT_PATH ", or\n"
               "results/meshsim-shard-I-of-N.db for a shard)",
               .repeat = 1},
    [SO_SHARD] = {"--shard", "I/N", "run only the points with index % N == I (0-based)",
                  .repeat = 1},
    [SO_SHARD_COUNT] = {"--shard-count", "N",
                        "shards of a Kubernetes indexed Job (index from\nJOB_COMPLETION_INDEX)",
                        .repeat = 1},
    [SO_DRY_RUN] = {"--dry-run", NULL, "validate and list the points this process would run",
                    .repeat = 1},
    [SO_MAX_EVENTS] = {"--max-events", "N",
                       "refuse a point estimated above N engine events (default 1e10)"},
    [SO_MAX_MEMORY] = {"--max-memory", "SIZE",
                       "refuse a point estimated above SIZE of memory (default 8Gi)"},
    [SO_QUIET] = {"--quiet", NULL, "no progress line and no summary on stderr", .repeat = 1},
    [SO_HELP] = {"--help", NULL, "this text", .label = "-h, --help", .repeat = 1},
};

/* The command line, parsed. */
typedef struct sweep_args {
  const char *file, *db, *shard;
  uint64_t shard_count, jobs;
  int quiet, dry;
  work_budget budget;
  sweep sw;
  char shorthand[CLI_SHORTHANDS][SWEEP_POINT_OVERRIDE_MAX];
  const char *fixed[CLI_SHORTHANDS]; /* the shorthands given, in cli_shorthand order */
  size_t n_fixed;
  char spec[DB_SWEEP_TEXT_MAX]; /* --set and shorthand options as typed, one a line */
  size_t spec_len;
} sweep_args;

static void sweep_spec_add(sweep_args *a, int opt, const char *v) {
  int w = snprintf(a->spec + a->spec_len, sizeof a->spec - a->spec_len, "%s%s %s",
                   a->spec_len ? "\n" : "", sweep_opts[opt].name, v);
  if (w > 0 && (size_t)w < sizeof a->spec - a->spec_len)
    a->spec_len += (size_t)w;
}

static int sweep_shorthand(sweep_args *a, cli_shorthand sh, int opt, const char *v) {
  if (strchr(v, ';')) /* it separates stored parameters */
    return cli_usage_error("sweep", "%s: values cannot contain ';'", sweep_opts[opt].name);
  int rc = cli_shorthand_override("sweep", sh, v, a->shorthand[sh], sizeof a->shorthand[sh]);
  if (rc == CLI_CONTINUE)
    sweep_spec_add(a, opt, v);
  return rc;
}

static int sweep_on_arg(void *ctx, int opt, const char *v) {
  sweep_args *a = ctx;
  char err[1024];
  switch (opt) {
  case CLI_OPTIONS_ARG:
    return cli_take_file("sweep", &a->file, v);
  case SO_SET:
    if (sweep_add(&a->sw, v, err, sizeof err) < 0)
      return cli_usage_error("sweep", "--set %s: %s", v, err);
    sweep_spec_add(a, opt, v);
    break;
  case SO_MODES:
    return sweep_shorthand(a, CLI_SHORTHAND_MODES, opt, v);
  case SO_REPLICATIONS:
    return sweep_shorthand(a, CLI_SHORTHAND_REPLICATIONS, opt, v);
  case SO_DURATION:
    return sweep_shorthand(a, CLI_SHORTHAND_DURATION, opt, v);
  case SO_SEED:
    return sweep_shorthand(a, CLI_SHORTHAND_SEED, opt, v);
  case SO_JOBS:
    return cli_parse_u64("sweep", "--jobs", v, 1, SWEEP_POOL_MAX_WORKERS, &a->jobs) ? CLI_EXIT_USAGE
                                                                                    : CLI_CONTINUE;
  case SO_SHARD_COUNT:
    return cli_parse_u64("sweep", "--shard-count", v, 1, SWEEP_MAX_POINTS, &a->shard_count)
               ? CLI_EXIT_USAGE
               : CLI_CONTINUE;
  case SO_DB:
    a->db = v;
    break;
  case SO_SHARD:
    a->shard = v;
    break;
  case SO_DRY_RUN:
    a->dry = 1;
    break;
  case SO_MAX_EVENTS:
    return cli_parse_max_events("sweep", v, &a->budget);
  case SO_MAX_MEMORY:
    return cli_parse_max_memory("sweep", v, &a->budget);
  case SO_QUIET:
    a->quiet = 1;
    break;
  }
  return CLI_CONTINUE;
}

static const cli_options sweep_cli = {
    .cmd = "sweep",
    .opts = sweep_opts,
    .n_opts = SO_COUNT,
    .help = "usage: meshsim sweep FILE --set KEY=VALUES [--set KEY=VALUES]... [options]\n\n"
            "Runs FILE once per point of the cartesian product of the VALUES of every KEY\n"
            "and stores each point as a batch of the results database.\n\n"
            "VALUES: a comma list (2,4,8; [sidecar,ambient],[none]) whose elements may be\n"
            "ranges: 10..100x2 (10,20,40,80), 10..100+30 (10,40,70,100), 1..4 (1,2,3,4);\n"
            "a unit on both ends is kept: 1k/s..8k/s x2 (1k/s,2k/s,4k/s,8k/s).\n"
            "Keys set together are one axis, zipped: --set 'K1,K2=(V1,W1),(V2,W2)', or\n"
            "--set 'K1,K2=1,2,4' for the same value on every key.\n\n",
    .width = 20,
    .help_end = "\nWithout --shard, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (minus\n"
                "SLURM_ARRAY_TASK_MIN) select the shard. Points already stored are skipped, so\n"
                "an interrupted sweep resumes when run again. See docs/sweeps.md.\n",
    .flags = CLI_OPTIONS_BARE,
    .on_arg = sweep_on_arg};

/* What the options mean together: a file, something to sweep, and no key
 * set both by --set and by its shorthand (they would fight). */
static int sweep_check(sweep_args *a) {
  if (!a->file)
    return cli_usage_error("sweep", "no scenario file given (usage: meshsim sweep FILE --set "
                                    "KEY=VALUES ...)");
  if (a->sw.n_axes == 0)
    return cli_usage_error("sweep", "nothing to sweep: give at least one --set KEY=V1,V2,...");
  for (int s = 0; s < CLI_SHORTHANDS; s++) {
    const char *set = a->shorthand[s];
    size_t kl = strcspn(set, "=");
    if (!set[0])
      continue;
    for (uint32_t ax = 0; ax < a->sw.n_axes; ax++)
      for (uint32_t k = 0; k < a->sw.axes[ax].n_keys; k++)
        if (strlen(a->sw.axes[ax].keys[k]) == kl && !strncmp(a->sw.axes[ax].keys[k], set, kl))
          return cli_usage_error("sweep", "%.*s is set both by --set and by its shorthand option",
                                 (int)kl, set);
    a->fixed[a->n_fixed++] = set;
  }
  return CLI_CONTINUE;
}

/* ---- what the runner says ------------------------------------------------------ */

static void sweep_on_message(void *ctx, const char *line) {
  (void)ctx;
  fprintf(stderr, "meshsim sweep: %s\n", line);
}

static void sweep_on_diagnostics(void *ctx, const diag_list *d) {
  (void)ctx;
  diag_print(d, stderr);
}

static void sweep_on_progress(void *ctx, uint32_t done, uint32_t n) {
  progress_update(ctx, done, n, "runs");
}

static void sweep_list_points(const sweep_args *a, const sweep_run_info *in, int sharded) {
  printf("# %" PRIu64 " points; this process would run %u%s\n", a->sw.n_points, in->n_mine,
         sharded ? " (its shard)" : "");
  char params[RESULT_TEXT_MAX];
  for (uint32_t i = 0; i < in->n_mine; i++) {
    sweep_point_params(&a->sw, in->mine[i], params, sizeof params);
    printf("point %u\t%s\n", in->mine[i], params);
  }
}

/* Runs the recorded sweep with a progress line and says how it went. */
static int sweep_exec(const sweep_args *a, sweep_run *r, progress *bar,
                      const volatile int *interrupted) {
  const sweep_run_info *in = sweep_run_info_of(r);
  progress_init(bar, stderr, "sweep", a->quiet);
  double t0 = progress_now();
  sweep_run_exec(r);
  progress_finish(bar);
  double took = progress_now() - t0;
  uint32_t kept = in->stored + in->already;
  if (*interrupted) {
    fprintf(stderr,
            "meshsim sweep: interrupted; %u point%s stored, %u not run. Run the same command "
            "again to finish the sweep.\n",
            kept, kept == 1 ? "" : "s", in->n_todo - kept - in->failed);
    return CLI_EXIT_INTERRUPTED;
  }
  if (in->failed) {
    fprintf(stderr, "meshsim sweep: error: %u of %u points failed (above); the others are stored\n",
            in->failed, in->n_todo);
    return CLI_EXIT_FAIL;
  }
  if (!a->quiet)
    fprintf(stderr,
            "meshsim sweep: sweep %" PRId64 ": %u point%s run in %.1f s (%.2f points/s); "
            "report: meshsim report --db %s --out DIR\n",
            in->sweep_id, in->n_todo, in->n_todo == 1 ? "" : "s", took,
            took > 0 ? in->n_todo / took : 0.0, in->db_path);
  return CLI_EXIT_OK;
}

/* Validates, then lists (--dry-run) or records and runs. */
static int sweep_steps(const sweep_args *a, sweep_run *r, const sweep_shard *shard, progress *bar,
                       const volatile int *interrupted) {
  const sweep_run_info *in = sweep_run_info_of(r);
  int rc = sweep_run_validate(r);
  if (rc == ERR_EINTR) {
    fprintf(stderr, "meshsim sweep: interrupted; nothing was run\n");
    return CLI_EXIT_INTERRUPTED;
  }
  if (rc != 0)
    return CLI_EXIT_FAIL;
  if (shard && !a->quiet)
    fprintf(stderr, "meshsim sweep: shard %u/%u (%s): %u of %" PRIu64 " points\n", shard->index,
            shard->count, shard->source, in->n_mine, a->sw.n_points);
  if (a->dry) {
    sweep_list_points(a, in, shard != NULL);
    return CLI_EXIT_OK;
  }
  if (sweep_run_record(r) != 0)
    return CLI_EXIT_FAIL;
  if (!a->quiet)
    fprintf(stderr,
            "meshsim sweep: sweep %" PRId64 " in %s: %u point%s to run with %u worker%s "
            "(%u of this process's %u already stored)\n",
            in->sweep_id, in->db_path, in->n_todo, in->n_todo == 1 ? "" : "s", in->workers,
            in->workers == 1 ? "" : "s", in->n_skipped, in->n_mine);
  return sweep_exec(a, r, bar, interrupted);
}

/* Takes the shard, then hands the sweep to the runner. */
static int sweep_go(const sweep_args *a) {
  sweep_shard shard;
  sweep_shard_env env = {getenv("SLURM_ARRAY_TASK_ID"), getenv("SLURM_ARRAY_TASK_COUNT"),
                         getenv("SLURM_ARRAY_TASK_MIN"), getenv("JOB_COMPLETION_INDEX")};
  char err[1024];
  int sharded = sweep_shard_resolve(a->shard, a->shard_count, &env, &shard, err, sizeof err);
  if (sharded < 0)
    return cli_usage_error("sweep", "%s", err);
  progress bar = {0}; /* drawn from sweep_exec on */
  cli_interrupts saved;
  volatile int *interrupted = cli_interrupts_catch(&saved);
  sweep_run_options opt = {
      .file = a->file,
      .sw = &a->sw,
      .fixed = a->fixed,
      .n_fixed = a->n_fixed,
      .shard = sharded ? &shard : NULL,
      .db_path = a->db,
      .spec = a->spec,
      .jobs = (uint32_t)a->jobs,
      .interrupt = interrupted,
      .budget = a->budget,
      .hooks = {sweep_on_message, sweep_on_diagnostics, sweep_on_progress, &bar}};
  sweep_run *r = NULL;
  int status = CLI_EXIT_FAIL;
  if (sweep_run_new(&opt, &r) == 0)
    status = sweep_steps(a, r, opt.shard, &bar, interrupted);
  sweep_run_free(r);
  cli_interrupts_restore(&saved);
  return status;
}

int cli_cmd_sweep(int argc, char **argv) {
  sweep_args *a = calloc(1, sizeof *a);
  if (!a)
    return CLI_EXIT_FAIL;
  sweep_init(&a->sw);
  a->jobs = cli_cores();
  a->budget = cli_budget_default();
  int status = cli_options_parse(&sweep_cli, argc, argv, NULL, a);
  if (status == CLI_CONTINUE)
    status = sweep_check(a);
  if (status == CLI_CONTINUE)
    status = sweep_go(a);
  sweep_release(&a->sw);
  free(a);
  return status;
}
