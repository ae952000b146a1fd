/* scenario_load_value: one value of the file, and optional keys.
 *
 * Readers for names, counts, durations, sizes, cpu amounts, numbers in a
 * range, booleans and choices from a fixed set (ld_val_*), and the same
 * for an optional key of a mapping (ld_opt_*: 1 set, 0 absent, -1 bad).
 * Each reports at the value ("invalid "replicas": must be at most 100000,
 * got ...") and leaves its output untouched, so the section keeps its
 * default and goes on. units.c parses; this file words the messages. */
#include <stdio.h>
#include <string.h>

#include "scenario_load_internal.h"
#include "sim_error.h"

/* ---- values -------------------------------------------------------------- */

int ld_val_scalar(ld_loader *L, const yaml_node_t *v, const char *key, const char *expected,
                  const char **out) {
  char g[96];
  if (!ld_is_scalar(v)) {
    return ld_err_at(L, v, "invalid \"%s\": expected %s, got %s", key, expected,
                     ld_got_text(v, g, sizeof g));
  }
  if (strlen(ld_sval(v)) != v->data.scalar.length) {
    return ld_err_at(L, v, "invalid \"%s\": contains a NUL character", key);
  }
  *out = ld_sval(v);
  return 0;
}

static int copy_text(ld_loader *L, const yaml_node_t *v, const char *key, const char *text,
                     char *out, size_t size) {
  size_t len = strlen(text);
  if (len >= size) {
    char q[128];
    return ld_err_at(L, v, "invalid \"%s\": \"%s\" is too long (at most %zu bytes)", key,
                     ld_quote(q, sizeof q, text), size - 1);
  }
  memcpy(out, text, len + 1);
  return 0;
}

/* The first control character of UTF-8 text s (C0, DEL or C1), or -1.
 * Names end up in reports, tables and file names: a newline or an escape
 * sequence there would forge lines or garble a terminal. */
static long control_char(const char *s, unsigned *cp) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; u[i]; i++) {
    if (u[i] < 0x20 || u[i] == 0x7F) {
      *cp = u[i];
      return (long)i;
    }
    if (u[i] == 0xC2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F) {
      *cp = u[i + 1];
      return (long)i;
    }
  }
  return -1;
}

int ld_val_name(ld_loader *L, const yaml_node_t *v, const char *key, char out[SCN_NAME_MAX]) {
  const char *t;
  if (ld_val_scalar(L, v, key, "a name", &t) != 0) {
    return -1;
  }
  if (t[0] == '\0') {
    return ld_err_at(L, v, "invalid \"%s\": must not be empty", key);
  }
  unsigned cp;
  long at = control_char(t, &cp);
  if (at >= 0) {
    char q[128];
    return ld_err_at(L, v,
                     "invalid \"%s\": \"%s\" holds the control character U+%04X at byte %ld; "
                     "expected printable characters",
                     key, ld_quote(q, sizeof q, t), cp, at + 1);
  }
  return copy_text(L, v, key, t, out, SCN_NAME_MAX);
}

int ld_val_uint(ld_loader *L, const yaml_node_t *v, const char *key, uint64_t lo, uint64_t hi,
                uint64_t *out) {
  const char *t;
  if (ld_val_scalar(L, v, key, units_expected(UNITS_INTEGER), &t) != 0) {
    return -1;
  }
  uint64_t x;
  int rc = units_parse_uint(t, UINT64_MAX, &x);
  char q[128];
  if (rc == SIM_EINVAL) {
    return ld_err_at(L, v, "invalid \"%s\": expected %s, got \"%s\"", key,
                     units_expected(UNITS_INTEGER), ld_quote(q, sizeof q, t));
  }
  if (rc == SIM_ERANGE && t[0] == '-') {
    return ld_err_at(L, v, "invalid \"%s\": must be at least %llu, got %s", key,
                     (unsigned long long)lo, ld_quote(q, sizeof q, t));
  }
  if (rc != 0 || x > hi) {
    return ld_err_at(L, v, "invalid \"%s\": must be at most %llu, got %s", key,
                     (unsigned long long)hi, ld_quote(q, sizeof q, t));
  }
  if (x < lo) {
    return ld_err_at(L, v, "invalid \"%s\": must be at least %llu, got %s", key,
                     (unsigned long long)lo, ld_quote(q, sizeof q, t));
  }
  *out = x;
  return 0;
}

int ld_val_unit_error(ld_loader *L, const yaml_node_t *v, const char *key, units_kind kind, int rc,
                      const char *t) {
  char msg[256];
  return ld_err_at(L, v, "invalid \"%s\": %s", key,
                   units_describe_error(kind, rc, t, msg, sizeof msg));
}

/* A duration, size or cpu amount: the unit kinds stored as int64 counts of
 * their base unit (ns, bytes, millicores). */
static int val_int64_unit(ld_loader *L, const yaml_node_t *v, const char *key, units_kind kind,
                          bool positive, int64_t *out) {
  const char *t;
  if (ld_val_scalar(L, v, key, units_expected(kind), &t) != 0) {
    return -1;
  }
  int64_t x;
  int rc = kind == UNITS_DURATION ? units_parse_duration(t, &x)
           : kind == UNITS_SIZE   ? units_parse_size(t, &x)
                                  : units_parse_cpu(t, &x);
  if (rc != 0) {
    return ld_val_unit_error(L, v, key, kind, rc, t);
  }
  if (positive && x <= 0) {
    char q[128];
    return ld_err_at(L, v, "invalid \"%s\": must be greater than 0, got \"%s\"", key,
                     ld_quote(q, sizeof q, t));
  }
  *out = x;
  return 0;
}

int ld_val_duration(ld_loader *L, const yaml_node_t *v, const char *key, bool positive,
                    sim_time *out) {
  if (val_int64_unit(L, v, key, UNITS_DURATION, positive, out) != 0) {
    return -1;
  }
  if (*out > LD_MAX_DURATION_NS) {
    const char *t = (const char *)v->data.scalar.value;
    char q[128];
    *out = 0;
    return ld_err_at(L, v,
                     "invalid \"%s\": \"%s\" is longer than any duration meshsim simulates; "
                     "expected at most 1000000000s (about 31.7 years)",
                     key, ld_quote(q, sizeof q, t));
  }
  return 0;
}

static int val_size(ld_loader *L, const yaml_node_t *v, const char *key, bool positive,
                    int64_t *out) {
  return val_int64_unit(L, v, key, UNITS_SIZE, positive, out);
}

static int val_cpu(ld_loader *L, const yaml_node_t *v, const char *key, bool positive,
                   int64_t *out) {
  return val_int64_unit(L, v, key, UNITS_CPU, positive, out);
}

int ld_val_number(ld_loader *L, const yaml_node_t *v, const char *key, ld_num_range range,
                  double *out) {
  const char *t;
  if (ld_val_scalar(L, v, key, units_expected(UNITS_NUMBER), &t) != 0) {
    return -1;
  }
  double x;
  int rc = units_parse_number(t, &x);
  char q[128];
  if (rc != 0) {
    return ld_err_at(L, v, "invalid \"%s\": expected %s, got \"%s\"", key,
                     units_expected(UNITS_NUMBER), ld_quote(q, sizeof q, t));
  }
  const char *need = NULL;
  switch (range) {
  case LD_RANGE_NONNEG:
    need = x >= 0.0 ? NULL : "must not be negative";
    break;
  case LD_RANGE_POS:
    need = x > 0.0 ? NULL : "must be greater than 0";
    break;
  case LD_RANGE_UNIT:
    need = x >= 0.0 && x <= 1.0 ? NULL : "must be in [0, 1]";
    break;
  case LD_RANGE_UNIT_POS:
    need = x > 0.0 && x <= 1.0 ? NULL : "must be in (0, 1]";
    break;
  }
  if (need != NULL) {
    return ld_err_at(L, v, "invalid \"%s\": %s, got %s", key, need, ld_quote(q, sizeof q, t));
  }
  *out = x;
  return 0;
}

int ld_val_share(ld_loader *L, const yaml_node_t *v, const char *key, double *out) {
  static const char expected[] = "a share: a number in [0, 1] or a percentage such as 0.1%";
  const char *t;
  if (ld_val_scalar(L, v, key, expected, &t) != 0) {
    return -1;
  }
  char num[64], q[128];
  size_t len = strlen(t);
  bool pct = len > 0 && t[len - 1] == '%';
  size_t digits = len - (pct ? 1 : 0);
  double x;
  if (digits < sizeof num) {
    memcpy(num, t, digits);
    num[digits] = '\0';
  }
  if (digits >= sizeof num || units_parse_number(num, &x) != 0) {
    return ld_err_at(L, v, "invalid \"%s\": expected %s, got \"%s\"", key, expected,
                     ld_quote(q, sizeof q, t));
  }
  if (pct) {
    x /= 100.0;
  }
  if (!(x >= 0.0 && x <= 1.0)) {
    return ld_err_at(L, v, "invalid \"%s\": must be in [0, 1] (0%% to 100%%), got %s", key,
                     ld_quote(q, sizeof q, t));
  }
  *out = x;
  return 0;
}

static int val_bool(ld_loader *L, const yaml_node_t *v, const char *key, bool *out) {
  const char *t;
  if (ld_val_scalar(L, v, key, units_expected(UNITS_BOOL), &t) != 0) {
    return -1;
  }
  if (units_parse_bool(t, out) != 0) {
    char q[128];
    return ld_err_at(L, v, "invalid \"%s\": expected true or false, got \"%s\"", key,
                     ld_quote(q, sizeof q, t));
  }
  return 0;
}

int ld_val_choice(ld_loader *L, const yaml_node_t *v, const char *key, const ld_choice *c,
                  int *out) {
  char expected[256], list[200];
  snprintf(expected, sizeof expected, "one of %s",
           ld_join_names(list, sizeof list, c->names, c->n));
  const char *t;
  if (ld_val_scalar(L, v, key, expected, &t) != 0) {
    return -1;
  }
  for (size_t i = 0; i < c->n; i++) {
    if (strcmp(t, c->names[i]) == 0) {
      *out = c->values != NULL ? c->values[i] : (int)i;
      return 0;
    }
  }
  char q[128], sug[512];
  return ld_err_at(L, v, "unknown %s \"%s\"%s", c->noun, ld_quote(q, sizeof q, t),
                   ld_suggestion(sug, sizeof sug, t, c->names, c->n, c->plural));
}

/* ---- optional keys of a mapping ------------------------------------------ */

int ld_opt_name(ld_loader *L, const yaml_node_t *m, const char *key, char out[SCN_NAME_MAX]) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : ld_val_name(L, v, key, out) == 0 ? 1 : -1;
}

int ld_opt_text(ld_loader *L, const yaml_node_t *m, const char *key, char *out, size_t size) {
  yaml_node_t *v = ld_get_raw(L, m, key);
  if (v == NULL) {
    return 0;
  }
  if (ld_is_null(v)) {
    out[0] = '\0';
    return 1;
  }
  const char *t;
  if (ld_val_scalar(L, v, key, "a text", &t) != 0) {
    return -1;
  }
  return copy_text(L, v, key, t, out, size) == 0 ? 1 : -1;
}

int ld_opt_u32(ld_loader *L, const yaml_node_t *m, const char *key, uint32_t lo, uint32_t hi,
               uint32_t *out) {
  yaml_node_t *v = ld_get(L, m, key);
  uint64_t x;
  if (v == NULL) {
    return 0;
  }
  if (ld_val_uint(L, v, key, lo, hi, &x) != 0) {
    return -1;
  }
  *out = (uint32_t)x;
  return 1;
}

int ld_opt_duration(ld_loader *L, const yaml_node_t *m, const char *key, bool positive,
                    sim_time *out) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : ld_val_duration(L, v, key, positive, out) == 0 ? 1 : -1;
}

int ld_opt_size(ld_loader *L, const yaml_node_t *m, const char *key, bool positive, int64_t *out) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : val_size(L, v, key, positive, out) == 0 ? 1 : -1;
}

int ld_opt_cpu(ld_loader *L, const yaml_node_t *m, const char *key, bool positive, int64_t *out) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : val_cpu(L, v, key, positive, out) == 0 ? 1 : -1;
}

int ld_opt_number(ld_loader *L, const yaml_node_t *m, const char *key, ld_num_range r,
                  double *out) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : ld_val_number(L, v, key, r, out) == 0 ? 1 : -1;
}

int ld_opt_bool(ld_loader *L, const yaml_node_t *m, const char *key, bool *out) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : val_bool(L, v, key, out) == 0 ? 1 : -1;
}

int ld_opt_share(ld_loader *L, const yaml_node_t *m, const char *key, double *out) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : ld_val_share(L, v, key, out) == 0 ? 1 : -1;
}

int ld_opt_choice(ld_loader *L, const yaml_node_t *m, const char *key, const ld_choice *c,
                  int *out) {
  yaml_node_t *v = ld_get(L, m, key);
  return v == NULL ? 0 : ld_val_choice(L, v, key, c, out) == 0 ? 1 : -1;
}

yaml_node_t *ld_opt_map(ld_loader *L, const yaml_node_t *m, const char *key,
                        const ld_schema_map *sm, const char *base) {
  yaml_node_t *v = ld_get(L, m, key);
  if (v == NULL) {
    return NULL;
  }
  char path[LD_PATH_MAX];
  ld_path_join(path, sizeof path, base, key);
  return ld_check_map(L, v, sm, path) ? v : NULL;
}

yaml_node_t *ld_opt_seq(ld_loader *L, const yaml_node_t *m, const char *key, const char *base) {
  yaml_node_t *v = ld_get(L, m, key);
  if (v == NULL) {
    return NULL;
  }
  if (!ld_is_seq(v)) {
    char g[96], path[LD_PATH_MAX];
    ld_path_join(path, sizeof path, base, key);
    ld_err_at(L, v, "expected a list for \"%s\", got %s", path, ld_got_text(v, g, sizeof g));
    return NULL;
  }
  return v;
}

void ld_element_path(ld_loader *L, char *out, size_t size, const char *list_path,
                     const yaml_node_t *item, const char *name_key, size_t i) {
  yaml_node_t *nv = name_key != NULL ? ld_get(L, item, name_key) : NULL;
  if (ld_is_scalar(nv) && ld_sval(nv)[0] != '\0' && strlen(ld_sval(nv)) < 64 &&
      strchr(ld_sval(nv), '.') == NULL) {
    snprintf(out, size, "%s.%s", list_path, ld_sval(nv));
  } else {
    snprintf(out, size, "%s.%zu", list_path, i);
  }
}

int ld_missing(ld_loader *L, const yaml_node_t *m, const char *key, const char *path) {
  return ld_err_at(L, m, "missing required key \"%s\" in \"%s\"", key, path);
}

/* ---- requests and limits ------------------------------------------------- */

void ld_convert_resources(ld_loader *L, const yaml_node_t *m, const char *key, const char *base,
                          int64_t *cpu, int64_t *mem) {
  yaml_node_t *r = ld_opt_map(L, m, key, &ld_sch_resources, base);
  if (r != NULL) {
    ld_opt_cpu(L, r, "cpu", false, cpu);
    ld_opt_size(L, r, "memory", false, mem);
  }
}

void ld_check_limits(ld_loader *L, const yaml_node_t *m, int64_t req_cpu, int64_t lim_cpu,
                     int64_t req_mem, int64_t lim_mem) {
  yaml_node_t *lim = ld_get(L, m, "limits");
  /* A limit may come from a namespace's defaults: then at the limits. */
  yaml_node_t *cpu = ld_get(L, lim, "cpu"), *mem = ld_get(L, lim, "memory");
  if (lim_cpu > 0 && req_cpu > 0 && lim_cpu < req_cpu) {
    ld_err_at(L, cpu != NULL ? cpu : lim, "invalid \"cpu\": limit %lldm is below the request %lldm",
              (long long)lim_cpu, (long long)req_cpu);
  }
  if (lim_mem > 0 && req_mem > 0 && lim_mem < req_mem) {
    ld_err_at(L, mem != NULL ? mem : lim,
              "invalid \"memory\": limit %lld bytes is below the request %lld bytes",
              (long long)lim_mem, (long long)req_mem);
  }
}
