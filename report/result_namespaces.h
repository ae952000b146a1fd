/* result_namespaces: each namespace's share of a mode (result_namespace,
 * models/attribution.h) in `meshsim run --json`: the "namespaces" key of
 * every mode's object (docs/cli.md). The batch report's section is
 * report_namespaces.c. */
#ifndef MESHSIM_RESULT_NAMESPACES_H
#define MESHSIM_RESULT_NAMESPACES_H

#include <stdio.h>

#include "result.h"

/* Inside a mode's JSON object: ", \"namespaces\": [...]". */
void result_namespaces_json(FILE *out, const mode_result *m);

#endif
