/* imp_json: the JSON inputs of the importers (Prometheus, Kiali, fortio),
 * read with Jansson. A syntax error is "file:line:col: error: json: ..."
 * (Jansson's own position); a value that is there but wrong is reported by
 * the key path that reaches it, "file: error: data.result[3].value: ...",
 * since Jansson keeps no positions for values. */
#ifndef MESHSIM_IMP_JSON_H
#define MESHSIM_IMP_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "diag.h"

/* Loads the file (duplicate keys refused, like the YAML loaders); NULL
 * after an error in d. The caller owns the result (json_decref). */
json_t *imp_json_load(const char *path, diag_list *d);

/* A number given as a JSON number or as a numeric string (Prometheus and
 * Kiali send "1.5"); false when v is neither or not finite. */
bool imp_json_number(const json_t *v, double *out);

/* "file: error: <path>: <fmt>"; returns -1. */
int imp_json_err(diag_list *d, const char *file, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
