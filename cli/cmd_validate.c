/* cmd_validate: `meshsim validate FILE...`: load and check scenarios without
 * running them; prints every problem as file:line:col and exits non-zero. */
#include <stdio.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"

enum { VO_MAX_EVENTS, VO_MAX_MEMORY, VO_HELP, VO_COUNT };

static const cli_option validate_opts[VO_COUNT] = {
    [VO_MAX_EVENTS] = {"--max-events", "N", "the run's event budget to check against (1e10)"},
    [VO_MAX_MEMORY] = {"--max-memory", "SIZE", "the run's memory budget to check against (8Gi)"},
    [VO_HELP] = {"--help", NULL, "this text", .label = "-h, --help"},
};

typedef struct validate_tally {
  int files, bad;
  work_budget budget;
} validate_tally;

/* Each file is checked as soon as the parser reaches it. */
static int validate_on_arg(void *ctx, int opt, const char *file) {
  validate_tally *t = ctx;
  sweep_point p;
  if (opt == VO_MAX_EVENTS)
    return cli_parse_max_events("validate", file, &t->budget);
  if (opt == VO_MAX_MEMORY)
    return cli_parse_max_memory("validate", file, &t->budget);
  if (opt != CLI_OPTIONS_ARG)
    return CLI_CONTINUE;
  t->files++;
  if (cli_load("validate", file, NULL, 0, &p) != 0) {
    t->bad++;
    return CLI_CONTINUE;
  }
  /* The estimate with one mode at a time: the least memory a run needs. */
  if (cli_check_work(&p, file, &t->budget, 1) != CLI_CONTINUE) {
    t->bad++;
    sweep_point_release(&p);
    return CLI_CONTINUE;
  }
  char what[256];
  work_describe(&p.work, 1, what, sizeof what);
  printf("%s: ok (%u namespaces, %u services, %llu pods, %u traffic entries, %u modes); a run "
         "would take %s\n",
         file, p.scn.n_namespaces, p.scn.n_services, (unsigned long long)scenario_pod_count(&p.scn),
         p.scn.n_traffic, p.scn.mesh.n_modes, what);
  sweep_point_release(&p);
  return CLI_CONTINUE;
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
  validate_tally t = {0, 0, cli_budget_default()};
  int status = cli_options_parse(&validate_cli, argc, argv, NULL, &t);
  if (status != CLI_CONTINUE)
    return status;
  if (!t.files)
    return cli_usage_error("validate", "no scenario file given (usage: meshsim validate FILE...)");
  return t.bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
