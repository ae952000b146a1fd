/* cmd_run: `meshsim run FILE`: simulate every mode and print the comparison;
 * store the run in the results database in one transaction. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "db.h"
#include "progress.h"
#include "result_json.h"
#include "result_table.h"

/* One more than the overrides a run takes, as it always was. */
#define RUN_MAX_SETS 64

enum {
  RO_MODES,
  RO_SEED,
  RO_REPLICATIONS,
  RO_DURATION,
  RO_SET,
  RO_JSON,
  RO_DB,
  RO_NO_DB,
  RO_JOBS,
  RO_TRACE,
  RO_QUIET,
  RO_DRY_RUN,
  RO_MAX_EVENTS,
  RO_MAX_MEMORY,
  RO_HELP,
  RO_COUNT
};

/* Every option may be repeated: the last value wins, and every override
 * (--set and the shorthands) applies in the order given. */
static const cli_option run_opts[RO_COUNT] = {
    [RO_MODES] = {"--modes", "LIST",
                  "modes to compare, comma-separated (none, sidecar, ambient,\n"
                  "ambient-waypoint, hybrid); default: the scenario's mesh.modes",
                  .repeat = 1},
    [RO_SEED] = {"--seed", "N", "run seed (default: metadata.seed)", .repeat = 1},
    [RO_REPLICATIONS] = {"--replications", "K",
                         "independent replications (default: metadata.replications)", .repeat = 1},
    [RO_DURATION] = {"--duration", "T", "measured time, e.g. 30s (default: metadata.duration)",
                     .repeat = 1},
    [RO_SET] = {"--set", "KEY=VALUE",
                "override a scenario value (repeatable), e.g.\n--set traffic.frontend.rate=2k/s",
                .repeat = 1},
    [RO_JSON] = {"--json", NULL, "print one JSON document instead of the table", .repeat = 1},
    [RO_DB] = {"--db", "PATH", "results database (default: " DB_DEFAULT_PATH ")", .repeat = 1},
    [RO_NO_DB] = {"--no-db", NULL, "do not store the run", .repeat = 1},
    [RO_JOBS] = {"--jobs", "N", "modes simulated at once (default: the number of cores)",
                 .repeat = 1},
    [RO_TRACE] = {"--trace", "N", "print the station visits of the first N requests (stderr)",
                  .repeat = 1},
    [RO_QUIET] = {"--quiet", NULL, "no progress line", .repeat = 1},
    [RO_DRY_RUN] = {"--dry-run", NULL, "load, check and print the work estimate; run nothing",
                    .repeat = 1},
    [RO_MAX_EVENTS] = {"--max-events", "N",
                       "refuse a run estimated above N engine events (default 1e10)", .repeat = 1},
    [RO_MAX_MEMORY] = {"--max-memory", "SIZE",
                       "refuse a run estimated above SIZE of memory (default 8Gi)", .repeat = 1},
    [RO_HELP] = {"--help", NULL, "this text", .label = "-h, --help", .repeat = 1},
};

/* The command line, parsed. */
typedef struct run_args {
  const char *file, *db_path;
  const char *sets[RUN_MAX_SETS];
  size_t n_sets;
  char shorthand[CLI_SHORTHANDS][SWEEP_POINT_OVERRIDE_MAX]; /* a repeated one: the last wins */
  int json, no_db, quiet, dry_run;
  uint64_t trace, jobs;
  work_budget budget;
} run_args;

static int run_add_set(run_args *a, const char *set) {
  if (a->n_sets + 1 >= RUN_MAX_SETS)
    return cli_usage_error("run", "too many overrides (at most %d)", RUN_MAX_SETS - 1);
  a->sets[a->n_sets++] = set;
  return CLI_CONTINUE;
}

static int run_shorthand(run_args *a, cli_shorthand sh, const char *v) {
  int rc = cli_shorthand_override("run", sh, v, a->shorthand[sh], sizeof a->shorthand[sh]);
  return rc != CLI_CONTINUE ? rc : run_add_set(a, a->shorthand[sh]);
}

static int run_on_arg(void *ctx, int opt, const char *v) {
  run_args *a = ctx;
  switch (opt) {
  case CLI_OPTIONS_ARG:
    return cli_take_file("run", &a->file, v);
  case RO_MODES:
    return run_shorthand(a, CLI_SHORTHAND_MODES, v);
  case RO_SEED:
    return run_shorthand(a, CLI_SHORTHAND_SEED, v);
  case RO_REPLICATIONS:
    return run_shorthand(a, CLI_SHORTHAND_REPLICATIONS, v);
  case RO_DURATION:
    return run_shorthand(a, CLI_SHORTHAND_DURATION, v);
  case RO_SET:
    if (!strchr(v, '='))
      return cli_usage_error("run", "--set expects KEY=VALUE, got \"%s\"", v);
    return run_add_set(a, v);
  case RO_JSON:
    a->json = 1;
    break;
  case RO_DB:
    a->db_path = v;
    break;
  case RO_NO_DB:
    a->no_db = 1;
    break;
  case RO_JOBS:
    return cli_parse_u64("run", "--jobs", v, 1, 256, &a->jobs) ? CLI_EXIT_USAGE : CLI_CONTINUE;
  case RO_TRACE:
    return cli_parse_u64("run", "--trace", v, 1, 1000, &a->trace) ? CLI_EXIT_USAGE : CLI_CONTINUE;
  case RO_QUIET:
    a->quiet = 1;
    break;
  case RO_DRY_RUN:
    a->dry_run = 1;
    break;
  case RO_MAX_EVENTS:
    return cli_parse_max_events("run", v, &a->budget);
  case RO_MAX_MEMORY:
    return cli_parse_max_memory("run", v, &a->budget);
  }
  return CLI_CONTINUE;
}

static const cli_options run_cli = {
    .cmd = "run",
    .opts = run_opts,
    .n_opts = RO_COUNT,
    .help = "usage: meshsim run FILE [options]\n\n"
            "Simulates the scenario in every mode it lists and prints them side by side.\n\n",
    .width = 20,
    .flags = CLI_OPTIONS_BARE,
    .on_arg = run_on_arg};

static void run_on_progress(void *ctx, double done) {
  progress_update(ctx, done * 100.0, 100.0, "%");
}

static void run_trace(void *ctx, const char *line) {
  (void)ctx;
  fprintf(stderr, "trace: %s\n", line);
}

/* Simulates every mode into *r. Returns CLI_CONTINUE with *r to release, or
 * the exit status after a message (an interrupted run stores nothing). */
static int run_simulate(const run_args *a, sweep_point *p, run_result *r) {
  progress bar;
  progress_init(&bar, stderr, "simulating", a->quiet || a->json);
  diag_list model_diag;
  diag_list_init(&model_diag);
  cli_interrupts saved;
  model_inputs *in = &p->in;
  in->progress = run_on_progress;
  in->progress_ctx = &bar;
  in->jobs = (uint32_t)a->jobs;
  if (a->trace) {
    in->trace = run_trace;
    in->trace_requests = a->trace;
  }
  in->interrupt = cli_interrupts_catch(&saved);
  in->diag = &model_diag;
  int rc = model_run(in, r);
  progress_finish(&bar);
  cli_interrupts_restore(&saved);
  if (*in->interrupt) {
    if (rc == 0)
      run_result_release(r);
    fprintf(stderr, "meshsim run: interrupted; nothing was stored\n");
    diag_list_release(&model_diag);
    return CLI_EXIT_INTERRUPTED;
  }
  if (rc != 0)
    fprintf(stderr, "%s: error: %s\n", a->file, model_failure_message(rc, &model_diag));
  diag_list_release(&model_diag);
  return rc != 0 ? CLI_EXIT_FAIL : CLI_CONTINUE;
}

/* Stores the run in one transaction; an identical run is not stored twice. */
static int run_store(const run_args *a, db *d, const run_result *r) {
  int64_t batch = 0;
  int wrote = 0, status = CLI_EXIT_OK;
  if ((wrote = db_write_run(d, r, &batch)) < 0) {
    fprintf(stderr, "meshsim run: error: cannot store the run in %s: %s\n", a->db_path,
            db_errmsg(d));
    status = CLI_EXIT_FAIL;
  } else if (!a->json && !a->quiet) {
    fprintf(stderr, "%s as batch %lld in %s\n", wrote == 1 ? "already stored" : "stored",
            (long long)batch, a->db_path);
  }
  return status;
}

/* --dry-run: the scenario loaded and checked; what running it would take. */
static int run_dry(const run_args *a, const sweep_point *p) {
  char what[256];
  work_describe(&p->work, (uint32_t)a->jobs, what, sizeof what);
  printf("%s: ok; the run would take %s\n", a->file, what);
  return cli_check_work(p, a->file, &a->budget, (uint32_t)a->jobs) == CLI_CONTINUE ? CLI_EXIT_OK
                                                                                   : CLI_EXIT_FAIL;
}

int cli_cmd_run(int argc, char **argv) {
  run_args a = {.db_path = DB_DEFAULT_PATH, .jobs = cli_cores(), .budget = cli_budget_default()};
  int status = cli_options_parse(&run_cli, argc, argv, NULL, &a);
  if (status != CLI_CONTINUE)
    return status;
  if (!a.file)
    return cli_usage_error("run", "no scenario file given (usage: meshsim run FILE [options])");
  sweep_point p;
  if (cli_load("run", a.file, a.sets, a.n_sets, &p) != 0)
    return CLI_EXIT_FAIL;
  if (a.dry_run) {
    status = run_dry(&a, &p);
    sweep_point_release(&p);
    return status;
  }
  /* Refuse before any work: over budget, or a database that cannot take the
   * run (read-only, newer schema) is said at once, not after the simulation. */
  db *d = NULL;
  if (cli_check_work(&p, a.file, &a.budget, (uint32_t)a.jobs) != CLI_CONTINUE ||
      (!a.no_db && cli_db_open("run", a.db_path, DB_OPEN_CREATE, &d) != 0)) {
    sweep_point_release(&p);
    return CLI_EXIT_FAIL;
  }
  time_t started = time(NULL);
  run_result r;
  status = run_simulate(&a, &p, &r);
  if (status == CLI_CONTINUE) {
    sweep_point_stamp(&r, a.file, started, a.sets, a.n_sets);
    status = a.no_db ? CLI_EXIT_OK : run_store(&a, d, &r);
    if (a.json)
      result_json_write(stdout, &r);
    else
      result_table_write(stdout, &r);
    run_result_release(&r);
  }
  if (d)
    db_close(d);
  sweep_point_release(&p);
  return status;
}
