/* cmd_profiles: `meshsim profiles`: the built-in calibration profiles. */
#include <stdio.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "diag.h"
#include "profile_load.h"

static const cli_option profiles_opts[] = {{"--help", NULL, "this text", .label = "-h, --help"}};

/* It takes nothing, so an option it does not know is just an argument. */
#define PROFILES_UNEXPECTED "unexpected argument \"%s\""

static int profiles_on_arg(void *ctx, int opt, const char *arg) {
  (void)ctx;
  (void)opt; /* only arguments: --help ends the parse */
  return cli_usage_error("profiles", PROFILES_UNEXPECTED, arg);
}

static const cli_options profiles_cli = {
    .cmd = "profiles",
    .opts = profiles_opts,
    .n_opts = 1,
    .help = "usage: meshsim profiles\n\nLists the built-in calibration profiles "
            "(see docs/calibration.md).\n",
    .unknown = PROFILES_UNEXPECTED,
    .on_arg = profiles_on_arg};

int cli_cmd_profiles(int argc, char **argv) {
  int status = cli_options_parse(&profiles_cli, argc, argv, NULL, NULL);
  if (status != CLI_CONTINUE)
    return status;
  for (size_t i = 0; i < profile_load_builtin_count(); i++) {
    profile p;
    diag_list d;
    diag_list_init(&d);
    const char *name = profile_load_builtin_name(i);
    int rc = profile_load_builtin(name, &p, &d);
    diag_print(&d, stderr);
    diag_list_release(&d);
    if (rc != 0)
      return CLI_EXIT_FAIL;
    printf("%-16s %s\n", name, p.description);
  }
  return CLI_EXIT_OK;
}
