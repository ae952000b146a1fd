/* cmd_advise: `meshsim advise FILE`: which mode each namespace should run
 * (advise/advise.h), printed as text or JSON and stored with its verified
 * run in the results database; with --from or --from-current, the
 * migration plan too. docs/advise.md is the user's guide. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "advise.h"
#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "db.h"
#include "progress.h"
#include "result_advice.h"

#define ADVISE_MAX_SETS 64
#define ADVISE_MAX_PINS 256

enum {
  AO_OBJECTIVE,
  AO_PIN,
  AO_MAX_TENANTS,
  AO_MAX_PODS,
  AO_BUDGET,
  AO_FROM,
  AO_FROM_CURRENT,
  AO_SEED,
  AO_REPLICATIONS,
  AO_DURATION,
  AO_SET,
  AO_JSON,
  AO_DB,
  AO_NO_DB,
  AO_JOBS,
  AO_QUIET,
  AO_DRY_RUN,
  AO_MAX_EVENTS,
  AO_MAX_MEMORY,
  AO_HELP,
  AO_COUNT
};

static const cli_option advise_opts[AO_COUNT] = {
    [AO_OBJECTIVE] = {"--objective", "WHAT",
                      "what to minimise: cost, cpu, memory or latency\n"
                      "(default: advise.objective, else cost)",
                      .repeat = 1},
    [AO_PIN] = {"--pin", "NS=MODE[,MODE]",
                "hold a namespace to a mode or a set of modes (repeatable;\n"
                "replaces the scenario's pin of that namespace)",
                .repeat = 1},
    [AO_MAX_TENANTS] = {"--max-tenants-per-proxy", "N",
                        "at most N tenants per shared proxy instance (ztunnel,\n"
                        "waypoint replica); 1: no proxy shared between tenants",
                        .repeat = 1},
    [AO_MAX_PODS] = {"--max-pods-per-proxy", "N", "at most N pods per shared proxy instance",
                     .repeat = 1},
    [AO_BUDGET] = {"--budget", "N",
                   "at most N simulations in the search (default: 20 + 4 per\n"
                   "namespace)",
                   .repeat = 1},
    [AO_FROM] = {"--from", "MODE",
                 "plan the migration from every namespace in MODE (none,\n"
                 "sidecar, ambient, ambient-waypoint)",
                 .repeat = 1},
    [AO_FROM_CURRENT] = {"--from-current", NULL,
                         "plan the migration from the namespaces' current modes\n"
                         "(namespaces[].mode)",
                         .repeat = 1},
    [AO_SEED] = {"--seed", "N", "run seed (default: metadata.seed)", .repeat = 1},
    [AO_REPLICATIONS] = {"--replications", "K",
                         "replications of every simulation (default: metadata.replications)",
                         .repeat = 1},
    [AO_DURATION] = {"--duration", "T", "measured time of every simulation, e.g. 10s", .repeat = 1},
    [AO_SET] = {"--set", "KEY=VALUE", "override a scenario value (repeatable)", .repeat = 1},
    [AO_JSON] = {"--json", NULL, "print one JSON document instead of the text", .repeat = 1},
    [AO_DB] = {"--db", "PATH", "results database (default: " DB_DEFAULT_PATH ")", .repeat = 1},
    [AO_NO_DB] = {"--no-db", NULL, "do not store the advice", .repeat = 1},
    [AO_JOBS] = {"--jobs", "N", "simulations at once (default: the number of cores)", .repeat = 1},
    [AO_QUIET] = {"--quiet", NULL, "no progress line", .repeat = 1},
    [AO_DRY_RUN] = {"--dry-run", NULL, "load, check and print the work estimate; run nothing",
                    .repeat = 1},
    [AO_MAX_EVENTS] = {"--max-events", "N",
                       "refuse a simulation estimated above N engine events (default 1e10)",
                       .repeat = 1},
    [AO_MAX_MEMORY] = {"--max-memory", "SIZE",
                       "refuse a simulation estimated above SIZE of memory (default 8Gi)",
                       .repeat = 1},
    [AO_HELP] = {"--help", NULL, "this text", .label = "-h, --help", .repeat = 1},
};

/* The overrides an option stands for, each in its own buffer. */
enum { AS_OBJECTIVE, AS_TENANTS, AS_PODS, AS_BUDGET, AS_COUNT };

typedef struct advise_args {
  const char *file, *db_path;
  const char *sets[ADVISE_MAX_SETS];
  size_t n_sets;
  char shorthand[CLI_SHORTHANDS][SWEEP_POINT_OVERRIDE_MAX];
  char advise_set[AS_COUNT][SWEEP_POINT_OVERRIDE_MAX];
  const char *pins[ADVISE_MAX_PINS];
  size_t n_pins;
  int from;
  int json, no_db, quiet, dry_run;
  uint64_t jobs;
  work_budget budget;
} advise_args;

static int advise_add_set(advise_args *a, const char *set) {
  if (a->n_sets + 1 >= ADVISE_MAX_SETS)
    return cli_usage_error("advise", "too many overrides (at most %d)", ADVISE_MAX_SETS - 1);
  a->sets[a->n_sets++] = set;
  return CLI_CONTINUE;
}

static int advise_shorthand(advise_args *a, cli_shorthand sh, const char *v) {
  int rc = cli_shorthand_override("advise", sh, v, a->shorthand[sh], sizeof a->shorthand[sh]);
  return rc != CLI_CONTINUE ? rc : advise_add_set(a, a->shorthand[sh]);
}

/* An option that stands for advise.KEY=VALUE, checked by the loader. */
static int advise_key(advise_args *a, int which, const char *key, const char *v) {
  snprintf(a->advise_set[which], sizeof a->advise_set[which], "advise.%s=%s", key, v);
  return advise_add_set(a, a->advise_set[which]);
}

static int advise_from(advise_args *a, const char *v) {
  int m = mesh_ns_mode_from_name(v);
  if (m < 0)
    return cli_usage_error("advise", "--from expects one of %s, got \"%s\"",
                           mesh_ns_mode_names_list(), v);
  a->from = m;
  return CLI_CONTINUE;
}

static int advise_on_arg(void *ctx, int opt, const char *v) {
  advise_args *a = ctx;
  switch (opt) {
  case CLI_OPTIONS_ARG:
    return cli_take_file("advise", &a->file, v);
  case AO_OBJECTIVE:
    return advise_key(a, AS_OBJECTIVE, "objective", v);
  case AO_PIN:
    if (a->n_pins >= ADVISE_MAX_PINS)
      return cli_usage_error("advise", "too many --pin (at most %d)", ADVISE_MAX_PINS);
    a->pins[a->n_pins++] = v;
    break;
  case AO_MAX_TENANTS:
    return advise_key(a, AS_TENANTS, "max_tenants_per_proxy", v);
  case AO_MAX_PODS:
    return advise_key(a, AS_PODS, "max_pods_per_proxy", v);
  case AO_BUDGET:
    return advise_key(a, AS_BUDGET, "budget", v);
  case AO_FROM:
    return advise_from(a, v);
  case AO_FROM_CURRENT:
    a->from = ADVISE_FROM_CURRENT;
    break;
  case AO_SEED:
    return advise_shorthand(a, CLI_SHORTHAND_SEED, v);
  case AO_REPLICATIONS:
    return advise_shorthand(a, CLI_SHORTHAND_REPLICATIONS, v);
  case AO_DURATION:
    return advise_shorthand(a, CLI_SHORTHAND_DURATION, v);
  case AO_SET:
    if (!strchr(v, '='))
      return cli_usage_error("advise", "--set expects KEY=VALUE, got \"%s\"", v);
    return advise_add_set(a, v);
  case AO_JSON:
    a->json = 1;
    break;
  case AO_DB:
    a->db_path = v;
    break;
  case AO_NO_DB:
    a->no_db = 1;
    break;
  case AO_JOBS:
    return cli_parse_u64("advise", "--jobs", v, 1, 64, &a->jobs) ? CLI_EXIT_USAGE : CLI_CONTINUE;
  case AO_QUIET:
    a->quiet = 1;
    break;
  case AO_DRY_RUN:
    a->dry_run = 1;
    break;
  case AO_MAX_EVENTS:
    return cli_parse_max_events("advise", v, &a->budget);
  case AO_MAX_MEMORY:
    return cli_parse_max_memory("advise", v, &a->budget);
  }
  return CLI_CONTINUE;
}

static const cli_options advise_cli = {
    .cmd = "advise",
    .opts = advise_opts,
    .n_opts = AO_COUNT,
    .help = "usage: meshsim advise FILE [options]\n\n"
            "Finds which mode each namespace should run: the assignment that minimises the\n"
            "objective while the whole cluster meets the scenario's latency and error\n"
            "objective and every constraint, judged by simulation (docs/advise.md).\n\n",
    .width = 30,
    .on_arg = advise_on_arg};

static void advise_on_progress(void *ctx, const char *stage, uint32_t done, uint32_t total) {
  progress *bar = ctx;
  snprintf(bar->label, sizeof bar->label, "%s", stage);
  progress_update(bar, done, total, " simulations");
}

/* The work of one simulation, and of the uniform run (four modes at once). */
static int advise_check_work(const advise_args *a, const sweep_point *p) {
  work_estimate w = p->work;
  double per_mode = w.modes ? 1.0 / w.modes : 1.0;
  w.events *= 4 * per_mode;
  w.setup *= 4 * per_mode;
  w.modes = 4;
  diag_list d;
  diag_list_init(&d);
  int rc = work_check(&w, &a->budget, (uint32_t)a->jobs, a->file, &d);
  diag_print(&d, stderr);
  diag_list_release(&d);
  if (rc == 0 && a->dry_run) {
    char what[256];
    work_describe(&w, (uint32_t)a->jobs, what, sizeof what);
    uint32_t budget =
        p->scn.advise.budget ? p->scn.advise.budget : advise_default_budget(p->scn.n_namespaces);
    printf("%s: ok; the uniform modes would take %s, then at most %u simulations of one mode "
           "each%s\n",
           a->file, what, budget, a->from != ADVISE_FROM_NONE ? " and as many for the plan" : "");
  }
  return rc == 0 ? CLI_CONTINUE : CLI_EXIT_FAIL;
}

static int advise_store(const advise_args *a, db *d, advice *adv, const run_result *r) {
  int64_t batch = 0;
  if (db_write_run(d, r, &batch) < 0) {
    fprintf(stderr, "meshsim advise: error: cannot store the run in %s: %s\n", a->db_path,
            db_errmsg(d));
    return CLI_EXIT_FAIL;
  }
  adv->batch_id = batch;
  if (db_write_advice(d, adv) < 0) {
    fprintf(stderr, "meshsim advise: error: cannot store the advice in %s: %s\n", a->db_path,
            db_errmsg(d));
    return CLI_EXIT_FAIL;
  }
  if (!a->json && !a->quiet)
    fprintf(stderr, "stored as batch %lld in %s\n", (long long)batch, a->db_path);
  return CLI_EXIT_OK;
}

/* Runs the advisor; CLI_CONTINUE with *adv and *r to release, or an exit status. */
static int advise_do(const advise_args *a, sweep_point *p, advice *adv, run_result *r) {
  progress bar;
  progress_init(&bar, stderr, "searching", a->quiet || a->json);
  cli_interrupts saved;
  advise_options o = {.pins = a->pins,
                      .n_pins = a->n_pins,
                      .from = a->from,
                      .jobs = (uint32_t)a->jobs,
                      .interrupt = cli_interrupts_catch(&saved),
                      .progress = advise_on_progress,
                      .progress_ctx = &bar};
  diag_list d;
  diag_list_init(&d);
  int rc = advise_run(p, &o, adv, r, &d);
  progress_finish(&bar);
  cli_interrupts_restore(&saved);
  if (rc == ERR_EINTR) {
    fprintf(stderr, "meshsim advise: interrupted; nothing was stored\n");
    diag_list_release(&d);
    return CLI_EXIT_INTERRUPTED;
  }
  if (rc != 0) {
    if (d.n_errors)
      diag_print(&d, stderr);
    else
      fprintf(stderr, "%s: error: %s\n", a->file, model_failure_message(rc, &d));
  }
  diag_list_release(&d);
  return rc == 0 ? CLI_CONTINUE : CLI_EXIT_FAIL;
}

int cli_cmd_advise(int argc, char **argv) {
  advise_args a = {.db_path = DB_DEFAULT_PATH,
                   .from = ADVISE_FROM_NONE,
                   .jobs = cli_cores(),
                   .budget = cli_budget_default()};
  int status = cli_options_parse(&advise_cli, argc, argv, NULL, &a);
  if (status != CLI_CONTINUE)
    return status;
  if (!a.file)
    return cli_usage_error("advise",
                           "no scenario file given (usage: meshsim advise FILE [options])");
  sweep_point p;
  if (cli_load("advise", a.file, a.sets, a.n_sets, &p) != 0)
    return CLI_EXIT_FAIL;
  /* Refuse before any work: over budget, or a database that cannot take
   * the advice, is said at once. */
  db *d = NULL;
  status = advise_check_work(&a, &p);
  if (status == CLI_CONTINUE && a.dry_run)
    status = CLI_EXIT_OK;
  if (status == CLI_CONTINUE && !a.no_db &&
      cli_db_open("advise", a.db_path, DB_OPEN_CREATE, &d) != 0)
    status = CLI_EXIT_FAIL;
  if (status != CLI_CONTINUE) {
    sweep_point_release(&p);
    return status;
  }
  time_t started = time(NULL);
  advice adv;
  run_result r;
  status = advise_do(&a, &p, &adv, &r);
  if (status == CLI_CONTINUE) {
    sweep_point_stamp(&r, a.file, started, a.sets, a.n_sets);
    status = a.no_db ? CLI_EXIT_OK : advise_store(&a, d, &adv, &r);
    if (a.json)
      result_advice_json(stdout, &adv, &r);
    else
      result_advice_text(stdout, &adv, &r);
    advice_release(&adv);
    run_result_release(&r);
  }
  if (d)
    db_close(d);
  sweep_point_release(&p);
  return status;
}
