/* result_json: a run_result as one JSON document (the `meshsim run --json`
 * contract, documented in docs/cli.md): keys are stable, more may be added.
 * Non-finite numbers are written as null, since JSON has no NaN. */
#ifndef MESHSIM_RESULT_JSON_H
#define MESHSIM_RESULT_JSON_H

#include <stdio.h>

#include "result.h"

/* Writes the document and a newline; returns 0 or -1 on a write error. */
int result_json_write(FILE *out, const run_result *r);

/* Writes s as a JSON string literal (with quotes). */
void result_json_string(FILE *out, const char *s);

#endif
