/* result_advice: what `meshsim advise` prints (models/advice.h): the text
 * (the recommendation namespace by namespace with the reason for each, the
 * verified whole cluster against each uniform mode, the runner-ups, the
 * constraints and the migration plan) and the --json document, whose keys
 * docs/cli.md documents. The batch report's Recommendation section is
 * report_advice.c. */
#ifndef MESHSIM_RESULT_ADVICE_H
#define MESHSIM_RESULT_ADVICE_H

#include <stdio.h>

#include "advice.h"
#include "result.h"

/* The text; `verified` (advise_run's) gives the objective and the
 * recommended mode's figures. */
void result_advice_text(FILE *out, const advice *a, const run_result *verified);

/* The JSON document and a newline; 0, or -1 on a write error. */
int result_advice_json(FILE *out, const advice *a, const run_result *verified);

#endif
