/* cmd_validate: `meshsim validate FILE...`: load and check scenarios without
 * running them; prints every problem as file:line:col and exits non-zero.
 * `--set KEY=VALUE` overrides apply to every file, as `run --set` would
 * apply them, so a sweep's point can be checked on its own. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"

/* As many as `run` takes. */
#define VALIDATE_MAX_SETS  63
#define VALIDATE_MAX_FILES 4096

enum { VO_SET, VO_ALL_WARNINGS, VO_MAX_EVENTS, VO_MAX_MEMORY, VO_HELP, VO_COUNT };

static const cli_option validate_opts[VO_COUNT] = {
    [VO_SET] = {"--set", "KEY=VALUE",
                "override a scenario value in every file, as run --set does\n(repeatable)",
                .repeat = 1},
    [VO_ALL_WARNINGS] = {"--all-warnings", NULL,
                         "list every warning (else 5 of a kind, then a count)"},
    [VO_MAX_EVENTS] = {"--max-events", "N", "the run's event budget to check against (1e10)"},
    [VO_MAX_MEMORY] = {"--max-memory", "SIZE", "the run's memory budget to check against (8Gi)"},
    [VO_HELP] = {"--help", NULL, "this text", .label = "-h, --help"},
};

typedef struct validate_args {
  const char *files[VALIDATE_MAX_FILES];
  size_t n_files;
  const char *sets[VALIDATE_MAX_SETS];
  size_t n_sets;
  int all_warnings;
  work_budget budget;
} validate_args;

static int validate_on_arg(void *ctx, int opt, const char *v) {
  validate_args *a = ctx;
  switch (opt) {
  case CLI_OPTIONS_ARG:
    if (a->n_files == VALIDATE_MAX_FILES)
      return cli_usage_error("validate", "too many files (at most %d)", VALIDATE_MAX_FILES);
    a->files[a->n_files++] = v;
    break;
  case VO_SET:
    if (!strchr(v, '='))
      return cli_usage_error("validate", "--set expects KEY=VALUE, got \"%s\"", v);
    if (a->n_sets == VALIDATE_MAX_SETS)
      return cli_usage_error("validate", "too many overrides (at most %d)", VALIDATE_MAX_SETS);
    a->sets[a->n_sets++] = v;
    break;
  case VO_ALL_WARNINGS:
    a->all_warnings = 1;
    break;
  case VO_MAX_EVENTS:
    return cli_parse_max_events("validate", v, &a->budget);
  case VO_MAX_MEMORY:
    return cli_parse_max_memory("validate", v, &a->budget);
  }
  return CLI_CONTINUE;
}

/* Checks one file; 0 when it is valid. */
static int validate_file(const validate_args *a, const char *file) {
  sweep_point p;
  size_t listed = a->all_warnings ? SIZE_MAX : DIAG_DEFAULT_MAX_LISTED;
  if (cli_load_listing("validate", file, a->sets, a->n_sets, listed, &p) != 0)
    return -1;
  /* The estimate with one mode at a time: the least memory a run needs. */
  if (cli_check_work(&p, file, &a->budget, 1) != CLI_CONTINUE) {
    sweep_point_release(&p);
    return -1;
  }
  char what[256];
  work_describe(&p.work, 1, what, sizeof what);
  printf("%s: ok (%u namespaces, %u services, %llu pods, %u traffic entries, %u modes); a run "
         "would take %s\n",
         file, p.scn.n_namespaces, p.scn.n_services, (unsigned long long)scenario_pod_count(&p.scn),
         p.scn.n_traffic, p.scn.mesh.n_modes, what);
  sweep_point_release(&p);
  return 0;
}

static const cli_options validate_cli = {
    .cmd = "validate",
    .opts = validate_opts,
    .n_opts = VO_COUNT,
    .help = "usage: meshsim validate [options] FILE...\n\nChecks scenario files (syntax, keys, "
            "units, references, call cycles, capacity, profiles) without running them, and "
            "estimates the work a run would take (refused above the budget, as `run` "
            "would).\n\n",
    .width = 20,
    .unknown = "unknown option \"%s\"",
    .on_arg = validate_on_arg};

int cli_cmd_validate(int argc, char **argv) {
  validate_args *a = calloc(1, sizeof *a);
  if (!a)
    return CLI_EXIT_FAIL;
  a->budget = cli_budget_default();
  int status = cli_options_parse(&validate_cli, argc, argv, NULL, a);
  if (status == CLI_CONTINUE && !a->n_files)
    status =
        cli_usage_error("validate", "no scenario file given (usage: meshsim validate FILE...)");
  if (status == CLI_CONTINUE) {
    int bad = 0;
    for (size_t i = 0; i < a->n_files; i++)
      bad += validate_file(a, a->files[i]) != 0;
    status = bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  }
  free(a);
  return status;
}
