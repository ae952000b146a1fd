/* cmd_run: `meshsim run FILE`: simulate every mode and print the comparison;
 * store the run in the results database in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_common.h"
#include "db.h"
#include "progress.h"
#include "result_json.h"
#include "result_table.h"

#define RUN_MAX_SETS 64

static void run_usage(FILE *f) {
  fprintf(f,
          "usage: meshsim run FILE [options]\n\n"
          "Simulates the scenario in every mode it lists and prints them side by side.\n\n"
          "options:\n"
          "  --modes LIST         modes to compare, comma-separated (none, sidecar, ambient,\n"
          "                       ambient-waypoint, hybrid); default: the scenario's mesh.modes\n"
          "  --seed N             run seed (default: metadata.seed)\n"
          "  --replications K     independent replications (default: metadata.replications)\n"
          "  --duration T         measured time, e.g. 30s (default: metadata.duration)\n"
          "  --set KEY=VALUE      override a scenario value (repeatable), e.g.\n"
          "                       --set traffic.frontend.rate=2k/s\n"
          "  --json               print one JSON document instead of the table\n"
          "  --db PATH            results database (default: %s)\n"
          "  --no-db              do not store the run\n"
          "  --jobs N             modes simulated at once (default: the number of cores)\n"
          "  --trace N            print the station visits of the first N requests (stderr)\n"
          "  --quiet              no progress line\n"
          "  -h, --help           this text\n",
          DB_DEFAULT_PATH);
}

typedef struct run_progress {
  progress bar;
} run_progress;

static void run_on_progress(void *ctx, double done) {
  run_progress *p = ctx;
  progress_update(&p->bar, done * 100.0, 100.0, "%");
}

static void run_trace(void *ctx, const char *line) {
  (void)ctx;
  fprintf(stderr, "trace: %s\n", line);
}

int cli_cmd_run(int argc, char **argv) {
  const char *file = NULL, *db_path = DB_DEFAULT_PATH;
  const char *sets[RUN_MAX_SETS];
  char owned[4][160];
  size_t n_sets = 0;
  int json = 0, no_db = 0, quiet = 0;
  uint64_t trace = 0;
  uint64_t jobs = cli_cores();
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      run_usage(stdout);
      return CLI_EXIT_OK;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--no-db")) {
      no_db = 1;
    } else if (!strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(a, "--modes") || !strcmp(a, "--seed") || !strcmp(a, "--replications") ||
               !strcmp(a, "--duration") || !strcmp(a, "--set") || !strcmp(a, "--db") ||
               !strcmp(a, "--trace") || !strcmp(a, "--jobs")) {
      if (!v)
        return cli_usage_error("run", "%s needs a value", a);
      i++;
      if (n_sets + 1 >= RUN_MAX_SETS)
        return cli_usage_error("run", "too many overrides (at most %d)", RUN_MAX_SETS - 1);
      if (!strcmp(a, "--set")) {
        if (!strchr(v, '='))
          return cli_usage_error("run", "--set expects KEY=VALUE, got \"%s\"", v);
        sets[n_sets++] = v;
      } else if (!strcmp(a, "--db")) {
        db_path = v;
      } else if (!strcmp(a, "--jobs")) {
        if (cli_parse_u64("run", "--jobs", v, 1, 256, &jobs) != 0)
          return CLI_EXIT_USAGE;
      } else if (!strcmp(a, "--trace")) {
        if (cli_parse_u64("run", "--trace", v, 1, 1000, &trace) != 0)
          return CLI_EXIT_USAGE;
      } else {
        /* Flags are overrides, so the loader checks them and they count in the hash. */
        int slot = !strcmp(a, "--modes")          ? 0
                   : !strcmp(a, "--seed")         ? 1
                   : !strcmp(a, "--replications") ? 2
                                                  : 3;
        const char *key = slot == 0   ? "mesh.modes=[%s]"
                          : slot == 1 ? "metadata.seed=%s"
                          : slot == 2 ? "metadata.replications=%s"
                                      : "metadata.duration=%s";
        snprintf(owned[slot], sizeof owned[slot], key, v);
        sets[n_sets++] = owned[slot];
      }
    } else if (a[0] == '-' && a[1]) {
      return cli_usage_error("run", "unknown option \"%s\" (see meshsim run --help)", a);
    } else if (!file) {
      file = a;
    } else {
      return cli_usage_error("run", "one scenario file expected, got \"%s\" too", a);
    }
  }
  if (!file)
    return cli_usage_error("run", "no scenario file given (usage: meshsim run FILE [options])");

  sweep_point L;
  if (cli_load("run", file, sets, n_sets, &L) != 0)
    return CLI_EXIT_FAIL;
  run_progress prog;
  progress_init(&prog.bar, stderr, "simulating", quiet || json);
  L.in.progress = run_on_progress;
  L.in.progress_ctx = &prog;
  L.in.jobs = (uint32_t)jobs;
  if (trace) {
    L.in.trace = run_trace;
    L.in.trace_requests = trace;
  }
  cli_interrupts saved;
  L.in.interrupt = cli_interrupts_catch(&saved);

  char model_error[512] = "";
  L.in.error = model_error;
  L.in.error_len = sizeof model_error;
  time_t started = time(NULL);
  run_result r;
  int rc = model_run(&L.in, &r);
  progress_finish(&prog.bar);
  cli_interrupts_restore(&saved);
  if (*L.in.interrupt) {
    if (rc == 0)
      run_result_release(&r);
    fprintf(stderr, "meshsim run: interrupted; nothing was stored\n");
    sweep_point_release(&L);
    return CLI_EXIT_INTERRUPTED;
  }
  if (rc != 0 && model_error[0]) {
    fprintf(stderr, "%s: error: %s\n", file, model_error);
    sweep_point_release(&L);
    return CLI_EXIT_FAIL;
  }
  if (rc != 0) {
    fprintf(stderr,
            "meshsim run: error: the simulation failed (code %d): the cluster cannot hold "
            "the pods, or memory ran out\n",
            rc);
    sweep_point_release(&L);
    return CLI_EXIT_FAIL;
  }
  sweep_point_stamp(&r, file, started, sets, n_sets);

  int status = CLI_EXIT_OK;
  if (!no_db) {
    db *d = NULL;
    int64_t batch = 0;
    int wrote = 0;
    if (cli_db_open("run", db_path, DB_OPEN_CREATE, &d) != 0) {
      status = CLI_EXIT_FAIL;
    } else if ((wrote = db_write_run(d, &r, &batch)) < 0) {
      fprintf(stderr, "meshsim run: error: cannot store the run in %s: %s\n", db_path,
              db_errmsg(d));
      status = CLI_EXIT_FAIL;
    } else if (!json && !quiet) {
      fprintf(stderr, "%s as batch %lld in %s\n", wrote == 1 ? "already stored" : "stored",
              (long long)batch, db_path);
    }
    if (d)
      db_close(d);
  }
  if (json)
    result_json_write(stdout, &r);
  else
    result_table_write(stdout, &r);
  run_result_release(&r);
  sweep_point_release(&L);
  return status;
}
