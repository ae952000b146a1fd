/* cmd_profiles: `meshsim profiles`: the built-in calibration profiles. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "diag.h"
#include "profile_load.h"

int cli_cmd_profiles(int argc, char **argv) {
  if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    printf("usage: meshsim profiles\n\nLists the built-in calibration profiles "
           "(see docs/calibration.md).\n");
    return CLI_EXIT_OK;
  }
  if (argc > 1)
    return cli_usage_error("profiles", "unexpected argument \"%s\"", argv[1]);
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
