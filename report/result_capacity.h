/* result_capacity: the hot spots, shared-proxy capacity, sizing and node
 * warnings of a run (result_plan, models/capacity.h) in the two outputs of
 * `meshsim run`: keys of each mode's --json object (docs/cli.md), and the
 * warning lines after the text table. The batch report's section is
 * report_capacity.c. */
#ifndef MESHSIM_RESULT_CAPACITY_H
#define MESHSIM_RESULT_CAPACITY_H

#include <stdio.h>

#include "result.h"

/* Inside a mode's JSON object: ", \"hotspots\": [...], \"capacity\": [...],
 * \"sizing\": {...}, \"node_warnings\": [...]". */
void result_capacity_json(FILE *out, const mode_result *m);

/* One "warning: ..." line per mode and problem (nodes over capacity, nodes
 * needed by use above those by requests, pods whose use fits no pool, a
 * shared proxy over the target utilisation); nothing when there is none. */
void result_capacity_text(FILE *out, const run_result *r);

/* How many warnings result_capacity_text writes for mode m. */
unsigned result_capacity_warnings(const mode_result *m);

#endif
