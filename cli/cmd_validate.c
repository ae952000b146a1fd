/* cmd_validate: `meshsim validate FILE...`: load and check scenarios without
 * running them; prints every problem as file:line:col and exits non-zero. */
#include <stdio.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"

static const cli_option validate_opts[] = {{"--help", NULL, "this text", .label = "-h, --help"}};

typedef struct validate_tally {
  int files, bad;
} validate_tally;

/* Each file is checked as soon as the parser reaches it. */
static int validate_on_arg(void *ctx, int opt, const char *file) {
  validate_tally *t = ctx;
  sweep_point p;
  if (opt != CLI_OPTIONS_ARG)
    return CLI_CONTINUE;
  t->files++;
  if (cli_load("validate", file, NULL, 0, &p) != 0) {
    t->bad++;
    return CLI_CONTINUE;
  }
  printf("%s: ok (%u namespaces, %u services, %llu pods, %u traffic entries, %u modes)\n", file,
         p.scn.n_namespaces, p.scn.n_services, (unsigned long long)scenario_pod_count(&p.scn),
         p.scn.n_traffic, p.scn.mesh.n_modes);
  sweep_point_release(&p);
  return CLI_CONTINUE;
}

static const cli_options validate_cli = {
    .cmd = "validate",
    .opts = validate_opts,
    .n_opts = 1,
    .help = "usage: meshsim validate FILE...\n\nChecks scenario files (syntax, keys, units, "
            "references, call cycles, capacity, profiles) without running them.\n",
    .unknown = "unknown option \"%s\"",
    .on_arg = validate_on_arg};

int cli_cmd_validate(int argc, char **argv) {
  validate_tally t = {0, 0};
  int status = cli_options_parse(&validate_cli, argc, argv, NULL, &t);
  if (status != CLI_CONTINUE)
    return status;
  if (!t.files)
    return cli_usage_error("validate", "no scenario file given (usage: meshsim validate FILE...)");
  return t.bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
