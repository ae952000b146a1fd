/* cmd_validate: `meshsim validate FILE...`: load and check scenarios without
 * running them; prints every problem as file:line:col and exits non-zero. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"

int cli_cmd_validate(int argc, char **argv) {
  int files = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      printf("usage: meshsim validate FILE...\n\nChecks scenario files (syntax, keys, units, "
             "references, call cycles, capacity, profiles) without running them.\n");
      return CLI_EXIT_OK;
    }
    if (argv[i][0] == '-' && argv[i][1])
      return cli_usage_error("validate", "unknown option \"%s\"", argv[i]);
    files++;
    sweep_point L;
    if (cli_load("validate", argv[i], NULL, 0, &L) != 0) {
      bad++;
      continue;
    }
    printf("%s: ok (%u namespaces, %u services, %llu pods, %u traffic entries, %u modes)\n",
           argv[i], L.scn.n_namespaces, L.scn.n_services,
           (unsigned long long)scenario_pod_count(&L.scn), L.scn.n_traffic, L.scn.mesh.n_modes);
    sweep_point_release(&L);
  }
  if (!files)
    return cli_usage_error("validate", "no scenario file given (usage: meshsim validate FILE...)");
  return bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
