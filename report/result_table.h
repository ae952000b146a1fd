/* result_table: the side-by-side comparison `meshsim run` prints: one
 * column per mode, one row per figure, then deltas against the first mode. */
#ifndef MESHSIM_RESULT_TABLE_H
#define MESHSIM_RESULT_TABLE_H

#include <stdio.h>

#include "result.h"

void result_table_write(FILE *out, const run_result *r);

#endif
