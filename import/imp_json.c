/* imp_json: Jansson with file:line:col messages; see imp_json.h. */
#include "imp_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *imp_json_load(const char *path, diag_list *d) {
  json_error_t e;
  json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
  if (!j) {
    if (e.line <= 0)
      diag_error(d, path, 0, 0, "%s", e.text);
    else
      diag_error(d, path, (uint32_t)e.line, e.column > 0 ? (uint32_t)e.column : 1, "json: %s",
                 e.text);
  }
  return j;
}

bool imp_json_number(const json_t *v, double *out) {
  if (json_is_number(v)) {
    *out = json_number_value(v);
    return isfinite(*out);
  }
  if (!json_is_string(v))
    return false;
  const char *s = json_string_value(v);
  char *end = NULL;
  double x = strtod(s, &end);
  if (end == s || *end || !isfinite(x))
    return false;
  *out = x;
  return true;
}

int imp_json_err(diag_list *d, const char *file, const char *path, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return diag_error(d, file, 0, 0, "%s: %s", path, msg);
}
