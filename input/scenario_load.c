/* scenario_load: YAML scenario file -> scenario, with file:line:col errors.
 *
 * Three stages. (1) Bytes: read the file, check it is UTF-8, parse it with
 * libyaml's document API (yaml_parser_load) into a node tree. (2) Overrides:
 * each `--set KEY=VALUE` is parsed as a small YAML document of its own and
 * its nodes are copied into the tree at KEY; node ids past the file's last
 * node remember which override they came from, so later messages point at
 * the override instead of a line of the file. (3) Conversion: a schema
 * table per mapping drives unknown-key checks (with did-you-mean) and the
 * override paths; each section is converted into the scenario, names are
 * resolved to indices through hash tables (files may hold thousands of
 * services), and cross checks run last (call cycles, pods that fit no node,
 * required traffic). Between the YAML services and the cross checks, the
 * CSV files named by `call_graph_csv` / `traffic_csv` (libcsv, strict RFC
 * 4180) add calls and traffic entries after the YAML ones; see the "CSV
 * input" section. Errors are collected, never fatal, until the diag list
 * is full; then conversion stops early. On any error the scenario is freed
 * so callers never see a half-filled one. */
#include "scenario_load.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <csv.h>
#include <sys/stat.h>
#include <yaml.h>

#include "sim_error.h"
#include "units.h"

#define LD_PATH_MAX       256
#define LD_MSG_MAX        768
#define LD_MAX_COPY_NODES 100000 /* per override value: stops alias bombs */
#define LD_MAX_COPY_DEPTH 64
#define LD_LIST_NAMES_MAX 12   /* "valid services are: ..." only for short lists */
#define LD_FILE_MAX       1024 /* a CSV input's path, as resolved */

/* Limits on counts: generous for real clusters, small enough that a typo
 * (an extra zero or two) is caught instead of exhausting memory later. */
#define LD_MAX_REPLICAS          100000u
#define LD_MAX_NODES             100000u
#define LD_MAX_WORKERS           65536u
#define LD_MAX_REPLICATIONS      10000u
#define LD_MAX_CALL_COUNT        1000u
#define LD_MAX_ATTEMPTS          100u
#define LD_MAX_WAYPOINT_REPLICAS 10000u

/* ---------------------------------------------------------------- schema */

typedef enum key_kind { K_LEAF, K_MAP, K_LIST } key_kind;

typedef struct schema_map schema_map;
typedef struct schema_key {
  const char *name;
  key_kind kind;
  const schema_map *sub; /* K_MAP: the mapping; K_LIST: the element (NULL: scalars) */
} schema_key;

struct schema_map {
  const schema_key *keys;
  size_t n;
  const char *list_key; /* as a list element: the key that names it (NULL: by index) */
};

#define LEAF(n)                                                                                    \
  { n, K_LEAF, NULL }
#define MAP(n, s)                                                                                  \
  { n, K_MAP, s }
#define LIST(n, s)                                                                                 \
  { n, K_LIST, s }
#define SCHEMA(var, lk, ...)                                                                       \
  static const schema_key var##_keys[] = {__VA_ARGS__};                                            \
  static const schema_map var = {var##_keys, sizeof(var##_keys) / sizeof(var##_keys[0]), lk}

SCHEMA(sch_resources, NULL, LEAF("cpu"), LEAF("memory"));
SCHEMA(sch_dist, NULL, LEAF("dist"), LEAF("value"), LEAF("mean"), LEAF("min"), LEAF("max"),
       LEAF("p99"), LEAF("median"), LEAF("sigma"), LEAF("alpha"), LIST("points", NULL));
SCHEMA(sch_call, "service", LEAF("service"), LEAF("count"), LEAF("probability"),
       LEAF("request_size"), LEAF("response_size"));
SCHEMA(sch_retry, NULL, LEAF("attempts"), LEAF("timeout"), LEAF("backoff"));
SCHEMA(sch_burst, NULL, LEAF("at"), LEAF("duration"), LEAF("multiplier"));
SCHEMA(sch_autoscale, NULL, LEAF("target_utilisation"), LEAF("scale_up_delay"),
       LEAF("scale_down_delay"), LEAF("min"), LEAF("max"));
SCHEMA(sch_ztunnel, NULL, LEAF("workers"), MAP("requests", &sch_resources),
       MAP("limits", &sch_resources));
SCHEMA(sch_sidecar, NULL, LEAF("workers"), MAP("requests", &sch_resources),
       MAP("limits", &sch_resources), LEAF("scope"));
SCHEMA(sch_waypoint, NULL, LEAF("workers"), MAP("requests", &sch_resources),
       MAP("limits", &sch_resources), LEAF("scope"), LEAF("replicas"),
       MAP("autoscale", &sch_autoscale));
SCHEMA(sch_network, NULL, LEAF("same_node"), LEAF("same_zone"), LEAF("cross_zone"),
       LEAF("bandwidth"));
SCHEMA(sch_pool, "name", LEAF("name"), LEAF("count"), LEAF("max"), LEAF("cpu"), LEAF("memory"),
       LIST("zones", NULL));
SCHEMA(sch_metadata, NULL, LEAF("name"), LEAF("description"), LEAF("seed"), LEAF("duration"),
       LEAF("warmup"), LEAF("replications"), LEAF("slo"));
SCHEMA(sch_cluster, NULL, LIST("zones", NULL), LIST("nodes", &sch_pool),
       MAP("network", &sch_network), LEAF("placement"), MAP("system_reserved", &sch_resources));
SCHEMA(sch_pricing, NULL, LEAF("vcpu_hour"), LEAF("gib_hour"), LEAF("cross_zone_gb"),
       LEAF("hours_per_month"));
SCHEMA(sch_mesh, NULL, LEAF("profile"), LEAF("sidecar_profile"), LIST("modes", NULL),
       MAP("sidecar", &sch_sidecar), MAP("ztunnel", &sch_ztunnel), MAP("waypoint", &sch_waypoint),
       LEAF("new_connection_share"));
SCHEMA(sch_namespace, "name", LEAF("name"), LEAF("tenant"), LEAF("team"), LEAF("compliance"),
       LEAF("mode"), LEAF("waypoint_scope"), LEAF("waypoint_replicas"));
SCHEMA(sch_service, "name", LEAF("name"), LEAF("namespace"), LEAF("service_account"),
       LEAF("replicas"), LEAF("protocol"), MAP("requests", &sch_resources),
       MAP("limits", &sch_resources), LEAF("workers"), MAP("service_time", &sch_dist),
       LEAF("request_size"), LEAF("response_size"), LEAF("l7"), LEAF("parallel"), LEAF("lb"),
       LIST("calls", &sch_call), MAP("retry", &sch_retry));
SCHEMA(sch_traffic, "service", LEAF("service"), LEAF("rate"), LEAF("arrival"),
       LIST("bursts", &sch_burst));
SCHEMA(sch_failure, "name", LEAF("name"), LEAF("target"), LEAF("instance"), LEAF("pick"),
       LEAF("kind"), LEAF("at"), LEAF("duration"), LEAF("drain"));
SCHEMA(sch_root, NULL, MAP("metadata", &sch_metadata), MAP("cluster", &sch_cluster),
       MAP("pricing", &sch_pricing), MAP("mesh", &sch_mesh), LIST("namespaces", &sch_namespace),
       LIST("services", &sch_service), LEAF("call_graph_csv"), LIST("traffic", &sch_traffic),
       LEAF("traffic_csv"), LIST("failures", &sch_failure));

static const schema_key *schema_find(const schema_map *sm, const char *name) {
  for (size_t i = 0; i < sm->n; i++) {
    if (strcmp(sm->keys[i].name, name) == 0) {
      return &sm->keys[i];
    }
  }
  return NULL;
}

/* ------------------------------------------------------------ name table */

/* Open addressing, keys borrowed (they live in the scenario's fixed-size
 * name fields, which are allocated once per section and never move). */
typedef struct name_table {
  const char **keys;
  uint32_t *vals;
  uint32_t mask;
} name_table;

static uint64_t fnv1a(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 1099511628211ULL;
  }
  return h;
}

#define FNV_OFFSET 14695981039346656037ULL

/* Slots of an open-addressing table for n entries: a power of two, at
 * most half full, at least 16. */
static size_t table_cap(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 2) {
    cap <<= 1;
  }
  return cap;
}

static int nt_init(name_table *t, size_t n) {
  size_t cap = table_cap(n);
  t->keys = calloc(cap, sizeof *t->keys);
  t->vals = calloc(cap, sizeof *t->vals);
  t->mask = (uint32_t)(cap - 1);
  if (t->keys == NULL || t->vals == NULL) {
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
    return SIM_ENOMEM;
  }
  return 0;
}

static void nt_free(name_table *t) {
  free(t->keys);
  free(t->vals);
  memset(t, 0, sizeof *t);
}

static uint32_t nt_find(const name_table *t, const char *key) {
  if (t->keys == NULL) {
    return SCN_NONE;
  }
  uint32_t i = (uint32_t)fnv1a(key, strlen(key), FNV_OFFSET) & t->mask;
  while (t->keys[i] != NULL) {
    if (strcmp(t->keys[i], key) == 0) {
      return t->vals[i];
    }
    i = (i + 1) & t->mask;
  }
  return SCN_NONE;
}

/* The caller sized the table for every insert it makes. */
static void nt_put(name_table *t, const char *key, uint32_t val) {
  uint32_t i = (uint32_t)fnv1a(key, strlen(key), FNV_OFFSET) & t->mask;
  while (t->keys[i] != NULL) {
    if (strcmp(t->keys[i], key) == 0) {
      t->vals[i] = val;
      return;
    }
    i = (i + 1) & t->mask;
  }
  t->keys[i] = key;
  t->vals[i] = val;
}

/* ---------------------------------------------------------------- loader */

typedef struct ov_origin {
  int first_id, last_id; /* node ids created for this override */
  size_t index;
} ov_origin;

typedef struct call_aux {
  int service_id; /* its `service` value (0 when missing or from CSV) */
  bool has_request_size, has_response_size;
  uint32_t csv_line, csv_col; /* a call-graph CSV row: where its target is (line 0: YAML) */
} call_aux;

/* The CSV inputs a scenario may name (call_graph_csv, traffic_csv). Their
 * bytes are kept until the end of the load for the content hash. */
typedef enum csv_kind { CSV_CALLS, CSV_TRAFFIC, CSV_KIND_COUNT } csv_kind;

typedef struct csv_input {
  bool used;              /* the key is set (even when the file cannot be read) */
  char path[LD_FILE_MAX]; /* as resolved; names the file in messages */
  char *bytes;            /* NULL until read */
  size_t len;
} csv_input;

typedef struct loader {
  scenario *s;
  diag_list *diag;
  const char *file;
  yaml_document_t doc;
  bool have_doc;
  int n_file_nodes;
  const char *const *overrides;
  size_t n_overrides;
  char **ov_labels;
  ov_origin *origins;
  size_t n_origins;
  bool nomem;
  int root_id;
  /* Set when a service could not be read (no list, no name): references to
   * services then go unchecked, since they may name the broken one. */
  bool services_incomplete;
  size_t errors_before; /* diag errors before this load */

  /* parse-only state */
  bool namespaces_declared;
  name_table zones, pools, namespaces, services, accounts, traffic, failures;
  int *ns_ids;  /* per namespace: its mapping (0 when implicit) */
  int *svc_ids; /* per service: its mapping */
  uint32_t *call_start;
  call_aux *calls; /* all call entries, service by service */
  int *traffic_ids;
  int *failure_ids;
  int *pool_ids;
  csv_input csv[CSV_KIND_COUNT];
} loader;

static yaml_node_t *node_at(loader *L, int id) {
  return id > 0 ? yaml_document_get_node(&L->doc, id) : NULL;
}

static int node_id(loader *L, const yaml_node_t *n) {
  return (int)(n - L->doc.nodes.start) + 1;
}

static const char *sval(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

static bool is_map(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_MAPPING_NODE;
}
static bool is_seq(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_SEQUENCE_NODE;
}
static bool is_scalar(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_SCALAR_NODE;
}

/* A plain empty, "~" or "null" scalar: the key is written but has no value. */
static bool is_null(const yaml_node_t *n) {
  if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
    return false;
  }
  const char *v = sval(n);
  return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
         strcmp(v, "NULL") == 0;
}

static size_t seq_len(const yaml_node_t *n) {
  return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_item(loader *L, const yaml_node_t *n, size_t i) {
  return node_at(L, n->data.sequence.items.start[i]);
}

/* Where a node came from: a line of the file or an override. */
static void locate(loader *L, const yaml_node_t *n, const char **file, uint32_t *line,
                   uint32_t *col) {
  *file = L->file;
  *line = 0;
  *col = 0;
  if (n == NULL) {
    return;
  }
  int id = node_id(L, n);
  if (id > L->n_file_nodes) {
    for (size_t i = 0; i < L->n_origins; i++) {
      if (id >= L->origins[i].first_id && id <= L->origins[i].last_id) {
        *file = L->ov_labels[L->origins[i].index];
        break;
      }
    }
  }
  *line = (uint32_t)n->start_mark.line + 1;
  *col = (uint32_t)n->start_mark.column + 1;
}

/* "line 12" or "--set KEY=VALUE", for "(first defined at ...)". */
static const char *where_text(loader *L, const yaml_node_t *n, char *buf, size_t size) {
  const char *file;
  uint32_t line, col;
  locate(L, n, &file, &line, &col);
  if (file != L->file) {
    snprintf(buf, size, "%s", file);
  } else {
    snprintf(buf, size, "line %u", line);
  }
  return buf;
}

static int verr(loader *L, diag_severity sev, const yaml_node_t *n, const char *fmt, va_list ap) {
  const char *file;
  uint32_t line, col;
  locate(L, n, &file, &line, &col);
  char msg[LD_MSG_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  diag_add(L->diag, sev, file, line, col, "%s", msg);
  return -1;
}

__attribute__((format(printf, 3, 4))) static int err_at(loader *L, const yaml_node_t *n,
                                                        const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(L, DIAG_ERROR, n, fmt, ap);
  va_end(ap);
  return -1;
}

__attribute__((format(printf, 3, 4))) static void warn_at(loader *L, const yaml_node_t *n,
                                                          const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  verr(L, DIAG_WARNING, n, fmt, ap);
  va_end(ap);
}

static int nomem(loader *L) {
  if (!L->nomem) {
    L->nomem = true;
    diag_error(L->diag, L->file, 0, 0, "out of memory");
  }
  return SIM_ENOMEM;
}

static bool stop(loader *L) {
  return L->nomem || diag_list_full(L->diag);
}

static const char *quote(char *buf, size_t size, const char *s) {
  return diag_quote(buf, size, s, 60);
}

/* "a mapping", "a list", "nothing" or the quoted scalar. */
static const char *got_text(const yaml_node_t *n, char *buf, size_t size) {
  if (is_map(n)) {
    return "a mapping";
  }
  if (is_seq(n)) {
    return "a list";
  }
  if (is_null(n)) {
    return "nothing";
  }
  char q[96];
  snprintf(buf, size, "\"%s\"", diag_quote(q, sizeof q, sval(n), 40));
  return buf;
}

/* `in "metadata"` or `at the top level`. */
static const char *in_path(const char *path, char *buf, size_t size) {
  if (path[0] == '\0') {
    return "at the top level";
  }
  snprintf(buf, size, "in \"%s\"", path);
  return buf;
}

/* Paths only appear in messages: an over-long one is cut, never fatal. */
static void path_join(char *out, size_t size, const char *base, const char *seg) {
  int w =
      base[0] == '\0' ? snprintf(out, size, "%s", seg) : snprintf(out, size, "%s.%s", base, seg);
  if (w < 0) {
    out[0] = '\0';
  }
}

/* Joins names with sep into buf, as much as fits; returns the length the
 * whole text would have had (>= size when it was cut). */
static size_t join_sep(char *buf, size_t size, const char *const *names, size_t n,
                       const char *sep) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used + 1 < size; i++) {
    int w = snprintf(buf + used, size - used, "%s%s", i > 0 ? sep : "", names[i]);
    if (w < 0) {
      break;
    }
    used += (size_t)w;
  }
  return used;
}

/* Joins names with ", " into buf; a cut list ends in "...". */
static const char *join_names(char *buf, size_t size, const char *const *names, size_t n) {
  size_t used = join_sep(buf, size, names, n, ", ");
  if (used >= size && size > 4) {
    memcpy(buf + size - 4, "...", 4);
  }
  return buf;
}

/* "; did you mean "x"?" or "; valid KIND are: a, b, c". Keys are always
 * listed; names only when there are few (a list of 3,000 services helps
 * nobody), else "". */
static const char *suggestion(char *buf, size_t size, const char *word, const char *const *names,
                              size_t n, const char *plural) {
  const char *best = diag_suggest(word, names, n);
  bool is_keys = strcmp(plural, "keys") == 0;
  if (best != NULL) {
    snprintf(buf, size, "; did you mean \"%s\"?", best);
  } else if (n > 0 && (is_keys || n <= LD_LIST_NAMES_MAX)) {
    char list[512];
    snprintf(buf, size, "; valid %s are: %s", plural, join_names(list, sizeof list, names, n));
  } else {
    buf[0] = '\0';
  }
  return buf;
}

/* ------------------------------------------------------------ mappings */

/* Checks that n is a mapping whose keys are all known and unique. Returns
 * false (after reporting) when n is not a mapping. */
static bool check_map(loader *L, const yaml_node_t *n, const schema_map *sm, const char *path) {
  char g[96], ib[LD_PATH_MAX + 8];
  if (!is_map(n)) {
    if (path[0] == '\0') {
      err_at(L, n, "expected a mapping of sections (metadata, cluster, services, ...), got %s",
             got_text(n, g, sizeof g));
    } else {
      err_at(L, n, "expected a mapping for \"%s\", got %s", path, got_text(n, g, sizeof g));
    }
    return false;
  }
  const char *names[32];
  size_t nn = 0;
  for (size_t i = 0; i < sm->n && nn < 32; i++) {
    names[nn++] = sm->keys[i].name;
  }
  yaml_node_pair_t *start = n->data.mapping.pairs.start;
  for (yaml_node_pair_t *p = start; p < n->data.mapping.pairs.top && !stop(L); p++) {
    yaml_node_t *k = node_at(L, p->key);
    if (!is_scalar(k) || is_null(k)) {
      err_at(L, k, "keys %s must be plain names, got %s", in_path(path, ib, sizeof ib),
             got_text(k, g, sizeof g));
      continue;
    }
    char q[128], sug[640];
    if (schema_find(sm, sval(k)) == NULL) {
      err_at(L, k, "unknown key \"%s\" %s%s", quote(q, sizeof q, sval(k)),
             in_path(path, ib, sizeof ib), suggestion(sug, sizeof sug, sval(k), names, nn, "keys"));
      continue;
    }
    for (yaml_node_pair_t *e = start; e < p; e++) {
      yaml_node_t *ek = node_at(L, e->key);
      if (is_scalar(ek) && strcmp(sval(ek), sval(k)) == 0) {
        char w[LD_PATH_MAX];
        err_at(L, k, "duplicate key \"%s\" %s (first at %s)", sval(k), in_path(path, ib, sizeof ib),
               where_text(L, ek, w, sizeof w));
        break;
      }
    }
  }
  return true;
}

/* The value of `key` in mapping m, NULL when absent. */
static yaml_node_t *get_raw(loader *L, const yaml_node_t *m, const char *key) {
  if (!is_map(m)) {
    return NULL;
  }
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(L, p->key);
    if (is_scalar(k) && strcmp(sval(k), key) == 0) {
      return node_at(L, p->value);
    }
  }
  return NULL;
}

/* As get_raw, but a null value ("key:" alone, "~") counts as absent. */
static yaml_node_t *get(loader *L, const yaml_node_t *m, const char *key) {
  yaml_node_t *v = get_raw(L, m, key);
  return is_null(v) ? NULL : v;
}

/* -------------------------------------------------------------- values */

static int val_scalar(loader *L, const yaml_node_t *v, const char *key, const char *expected,
                      const char **out) {
  char g[96];
  if (!is_scalar(v)) {
    return err_at(L, v, "invalid \"%s\": expected %s, got %s", key, expected,
                  got_text(v, g, sizeof g));
  }
  if (strlen(sval(v)) != v->data.scalar.length) {
    return err_at(L, v, "invalid \"%s\": contains a NUL character", key);
  }
  *out = sval(v);
  return 0;
}

static int copy_text(loader *L, const yaml_node_t *v, const char *key, const char *text, char *out,
                     size_t size) {
  size_t len = strlen(text);
  if (len >= size) {
    char q[128];
    return err_at(L, v, "invalid \"%s\": \"%s\" is too long (at most %zu bytes)", key,
                  quote(q, sizeof q, text), size - 1);
  }
  memcpy(out, text, len + 1);
  return 0;
}

static int val_name(loader *L, const yaml_node_t *v, const char *key, char out[SCN_NAME_MAX]) {
  const char *t;
  if (val_scalar(L, v, key, "a name", &t) != 0) {
    return -1;
  }
  if (t[0] == '\0') {
    return err_at(L, v, "invalid \"%s\": must not be empty", key);
  }
  return copy_text(L, v, key, t, out, SCN_NAME_MAX);
}

static int val_uint(loader *L, const yaml_node_t *v, const char *key, uint64_t lo, uint64_t hi,
                    uint64_t *out) {
  const char *t;
  if (val_scalar(L, v, key, units_expected(UNITS_INTEGER), &t) != 0) {
    return -1;
  }
  uint64_t x;
  int rc = units_parse_uint(t, UINT64_MAX, &x);
  char q[128];
  if (rc == SIM_EINVAL) {
    return err_at(L, v, "invalid \"%s\": expected %s, got \"%s\"", key,
                  units_expected(UNITS_INTEGER), quote(q, sizeof q, t));
  }
  if (rc == SIM_ERANGE && t[0] == '-') {
    return err_at(L, v, "invalid \"%s\": must be at least %llu, got %s", key,
                  (unsigned long long)lo, quote(q, sizeof q, t));
  }
  if (rc != 0 || x > hi) {
    return err_at(L, v, "invalid \"%s\": must be at most %llu, got %s", key, (unsigned long long)hi,
                  quote(q, sizeof q, t));
  }
  if (x < lo) {
    return err_at(L, v, "invalid \"%s\": must be at least %llu, got %s", key,
                  (unsigned long long)lo, quote(q, sizeof q, t));
  }
  *out = x;
  return 0;
}

static int val_unit_error(loader *L, const yaml_node_t *v, const char *key, units_kind kind, int rc,
                          const char *t) {
  char msg[256];
  return err_at(L, v, "invalid \"%s\": %s", key,
                units_describe_error(kind, rc, t, msg, sizeof msg));
}

/* A duration, size or cpu amount: the unit kinds stored as int64 counts of
 * their base unit (ns, bytes, millicores). */
static int val_int64_unit(loader *L, const yaml_node_t *v, const char *key, units_kind kind,
                          bool positive, int64_t *out) {
  const char *t;
  if (val_scalar(L, v, key, units_expected(kind), &t) != 0) {
    return -1;
  }
  int64_t x;
  int rc = kind == UNITS_DURATION ? units_parse_duration(t, &x)
           : kind == UNITS_SIZE   ? units_parse_size(t, &x)
                                  : units_parse_cpu(t, &x);
  if (rc != 0) {
    return val_unit_error(L, v, key, kind, rc, t);
  }
  if (positive && x <= 0) {
    char q[128];
    return err_at(L, v, "invalid \"%s\": must be greater than 0, got \"%s\"", key,
                  quote(q, sizeof q, t));
  }
  *out = x;
  return 0;
}

static int val_duration(loader *L, const yaml_node_t *v, const char *key, bool positive,
                        sim_time *out) {
  return val_int64_unit(L, v, key, UNITS_DURATION, positive, out);
}

static int val_size(loader *L, const yaml_node_t *v, const char *key, bool positive, int64_t *out) {
  return val_int64_unit(L, v, key, UNITS_SIZE, positive, out);
}

static int val_cpu(loader *L, const yaml_node_t *v, const char *key, bool positive, int64_t *out) {
  return val_int64_unit(L, v, key, UNITS_CPU, positive, out);
}

typedef enum num_range {
  R_NONNEG,   /* [0, inf) */
  R_POS,      /* (0, inf) */
  R_UNIT,     /* [0, 1] */
  R_UNIT_POS, /* (0, 1] */
} num_range;

static int val_number(loader *L, const yaml_node_t *v, const char *key, num_range range,
                      double *out) {
  const char *t;
  if (val_scalar(L, v, key, units_expected(UNITS_NUMBER), &t) != 0) {
    return -1;
  }
  double x;
  int rc = units_parse_number(t, &x);
  char q[128];
  if (rc != 0) {
    return err_at(L, v, "invalid \"%s\": expected %s, got \"%s\"", key,
                  units_expected(UNITS_NUMBER), quote(q, sizeof q, t));
  }
  const char *need = NULL;
  switch (range) {
  case R_NONNEG:
    need = x >= 0.0 ? NULL : "must not be negative";
    break;
  case R_POS:
    need = x > 0.0 ? NULL : "must be greater than 0";
    break;
  case R_UNIT:
    need = x >= 0.0 && x <= 1.0 ? NULL : "must be in [0, 1]";
    break;
  case R_UNIT_POS:
    need = x > 0.0 && x <= 1.0 ? NULL : "must be in (0, 1]";
    break;
  }
  if (need != NULL) {
    return err_at(L, v, "invalid \"%s\": %s, got %s", key, need, quote(q, sizeof q, t));
  }
  *out = x;
  return 0;
}

static int val_bool(loader *L, const yaml_node_t *v, const char *key, bool *out) {
  const char *t;
  if (val_scalar(L, v, key, units_expected(UNITS_BOOL), &t) != 0) {
    return -1;
  }
  if (units_parse_bool(t, out) != 0) {
    char q[128];
    return err_at(L, v, "invalid \"%s\": expected true or false, got \"%s\"", key,
                  quote(q, sizeof q, t));
  }
  return 0;
}

/* One of a fixed set of names; values[i] is what names[i] means. */
typedef struct choice {
  const char *noun;   /* "placement" */
  const char *plural; /* "placements" */
  const char *const *names;
  const int *values;
  size_t n;
} choice;

static int val_choice(loader *L, const yaml_node_t *v, const char *key, const choice *c, int *out) {
  char expected[256], list[200];
  snprintf(expected, sizeof expected, "one of %s", join_names(list, sizeof list, c->names, c->n));
  const char *t;
  if (val_scalar(L, v, key, expected, &t) != 0) {
    return -1;
  }
  for (size_t i = 0; i < c->n; i++) {
    if (strcmp(t, c->names[i]) == 0) {
      *out = c->values != NULL ? c->values[i] : (int)i;
      return 0;
    }
  }
  char q[128], sug[512];
  return err_at(L, v, "unknown %s \"%s\"%s", c->noun, quote(q, sizeof q, t),
                suggestion(sug, sizeof sug, t, c->names, c->n, c->plural));
}

static const char *const placement_names[] = {"spread", "binpack", "random"};
static const choice placement_choice = {"placement", "placements", placement_names, NULL, 3};
static const char *const mode_names[] = {"none", "sidecar", "ambient", "ambient-waypoint",
                                         "hybrid"};
static const choice mode_choice = {"mode", "modes", mode_names, NULL, 5};
static const choice ns_mode_choice = {"namespace mode", "namespace modes", mode_names, NULL, 4};
static const char *const proto_names[] = {"http", "http1", "http2", "grpc", "tcp"};
static const int proto_values[] = {MESH_PROTO_HTTP1, MESH_PROTO_HTTP1, MESH_PROTO_HTTP2,
                                   MESH_PROTO_GRPC, MESH_PROTO_TCP};
static const choice proto_choice = {"protocol", "protocols", proto_names, proto_values, 5};
static const char *const sidecar_scope_names[] = {"cluster", "namespace", "calls"};
static const choice sidecar_scope_choice = {"sidecar scope", "scopes", sidecar_scope_names, NULL,
                                            3};
static const char *const waypoint_scope_names[] = {"namespace", "service-account", "service"};
static const choice waypoint_scope_choice = {"waypoint scope", "scopes", waypoint_scope_names, NULL,
                                             3};
static const char *const lb_names[] = {"round-robin", "random", "least-request"};
static const choice lb_choice = {"load balancer", "load balancers", lb_names, NULL, 3};
static const char *const arrival_names[] = {"poisson", "constant"};
static const int arrival_values[] = {SCN_ARRIVAL_POISSON, SCN_ARRIVAL_CONSTANT};
static const choice arrival_choice = {"arrival process", "arrival processes", arrival_names,
                                      arrival_values, 2};
static const char *const target_names[] = {"sidecar", "ztunnel", "waypoint", "node",
                                           "control-plane"};
static const int target_values[] = {SCN_FAIL_SIDECAR, SCN_FAIL_ZTUNNEL, SCN_FAIL_WAYPOINT,
                                    SCN_FAIL_NODE, SCN_FAIL_CONTROL_PLANE};
static const choice target_choice = {"failure target", "targets", target_names, target_values, 5};
static const char *const pick_names[] = {"random", "busiest", "rolling"};
static const int pick_values[] = {SCN_PICK_RANDOM, SCN_PICK_BUSIEST, SCN_PICK_ROLLING};
static const choice pick_choice = {"pick", "picks", pick_names, pick_values, 3};
static const char *const fkind_names[] = {"crash", "upgrade"};
static const int fkind_values[] = {SCN_FAIL_CRASH, SCN_FAIL_UPGRADE};
static const choice fkind_choice = {"failure kind", "kinds", fkind_names, fkind_values, 2};

/* Optional keys: 1 when set, 0 when absent, -1 on error (reported). */
static int opt_name(loader *L, const yaml_node_t *m, const char *key, char out[SCN_NAME_MAX]) {
  yaml_node_t *v = get(L, m, key);
  return v == NULL ? 0 : val_name(L, v, key, out) == 0 ? 1 : -1;
}

/* Free text: may be empty ("" or a null value clears it). */
static int opt_text(loader *L, const yaml_node_t *m, const char *key, char *out, size_t size) {
  yaml_node_t *v = get_raw(L, m, key);
  if (v == NULL) {
    return 0;
  }
  if (is_null(v)) {
    out[0] = '\0';
    return 1;
  }
  const char *t;
  if (val_scalar(L, v, key, "a text", &t) != 0) {
    return -1;
  }
  return copy_text(L, v, key, t, out, size) == 0 ? 1 : -1;
}

static int opt_u32(loader *L, const yaml_node_t *m, const char *key, uint32_t lo, uint32_t hi,
                   uint32_t *out) {
  yaml_node_t *v = get(L, m, key);
  uint64_t x;
  if (v == NULL) {
    return 0;
  }
  if (val_uint(L, v, key, lo, hi, &x) != 0) {
    return -1;
  }
  *out = (uint32_t)x;
  return 1;
}

static int opt_duration(loader *L, const yaml_node_t *m, const char *key, bool positive,
                        sim_time *out) {
  yaml_node_t *v = get(L, m, key);
  return v == NULL ? 0 : val_duration(L, v, key, positive, out) == 0 ? 1 : -1;
}

static int opt_size(loader *L, const yaml_node_t *m, const char *key, bool positive, int64_t *out) {
  yaml_node_t *v = get(L, m, key);
  return v == NULL ? 0 : val_size(L, v, key, positive, out) == 0 ? 1 : -1;
}

static int opt_cpu(loader *L, const yaml_node_t *m, const char *key, bool positive, int64_t *out) {
  yaml_node_t *v = get(L, m, key);
  return v == NULL ? 0 : val_cpu(L, v, key, positive, out) == 0 ? 1 : -1;
}

static int opt_number(loader *L, const yaml_node_t *m, const char *key, num_range r, double *out) {
  yaml_node_t *v = get(L, m, key);
  return v == NULL ? 0 : val_number(L, v, key, r, out) == 0 ? 1 : -1;
}

static int opt_bool(loader *L, const yaml_node_t *m, const char *key, bool *out) {
  yaml_node_t *v = get(L, m, key);
  return v == NULL ? 0 : val_bool(L, v, key, out) == 0 ? 1 : -1;
}

static int opt_choice(loader *L, const yaml_node_t *m, const char *key, const choice *c, int *out) {
  yaml_node_t *v = get(L, m, key);
  return v == NULL ? 0 : val_choice(L, v, key, c, out) == 0 ? 1 : -1;
}

/* The mapping at `key` of m, checked against sm; NULL when absent or bad. */
static yaml_node_t *opt_map(loader *L, const yaml_node_t *m, const char *key, const schema_map *sm,
                            const char *base) {
  yaml_node_t *v = get(L, m, key);
  if (v == NULL) {
    return NULL;
  }
  char path[LD_PATH_MAX];
  path_join(path, sizeof path, base, key);
  return check_map(L, v, sm, path) ? v : NULL;
}

/* The list at `key` of m; NULL when absent or not a list (reported). */
static yaml_node_t *opt_seq(loader *L, const yaml_node_t *m, const char *key, const char *base) {
  yaml_node_t *v = get(L, m, key);
  if (v == NULL) {
    return NULL;
  }
  if (!is_seq(v)) {
    char g[96], path[LD_PATH_MAX];
    path_join(path, sizeof path, base, key);
    err_at(L, v, "expected a list for \"%s\", got %s", path, got_text(v, g, sizeof g));
    return NULL;
  }
  return v;
}

/* The path of list element i: "services.frontend" or "services.3". */
static void element_path(loader *L, char *out, size_t size, const char *list_path,
                         const yaml_node_t *item, const char *name_key, size_t i) {
  yaml_node_t *nv = name_key != NULL ? get(L, item, name_key) : NULL;
  if (is_scalar(nv) && sval(nv)[0] != '\0' && strlen(sval(nv)) < 64 &&
      strchr(sval(nv), '.') == NULL) {
    snprintf(out, size, "%s.%s", list_path, sval(nv));
  } else {
    snprintf(out, size, "%s.%zu", list_path, i);
  }
}

static int missing(loader *L, const yaml_node_t *m, const char *key, const char *path) {
  return err_at(L, m, "missing required key \"%s\" in \"%s\"", key, path);
}

/* ------------------------------------------------------------ sections */

static void convert_metadata(loader *L, const yaml_node_t *root) {
  scenario_meta *md = &L->s->meta;
  yaml_node_t *m = opt_map(L, root, "metadata", &sch_metadata, "");
  if (m == NULL) {
    return;
  }
  opt_name(L, m, "name", md->name);
  opt_text(L, m, "description", md->description, sizeof md->description);
  yaml_node_t *v = get(L, m, "seed");
  uint64_t seed;
  if (v != NULL && val_uint(L, v, "seed", 0, UINT64_MAX, &seed) == 0) {
    md->seed = seed;
  }
  opt_duration(L, m, "duration", true, &md->duration_ns);
  opt_duration(L, m, "warmup", false, &md->warmup_ns);
  opt_u32(L, m, "replications", 1, LD_MAX_REPLICATIONS, &md->replications);
  opt_duration(L, m, "slo", true, &md->slo_ns);
}

/* A list of names resolved against a table, no duplicates. Returns the
 * number of indices written to out (allocated by the caller, seq_len). */
static uint32_t resolve_name_list(loader *L, const yaml_node_t *seq, const char *key,
                                  const char *path, const name_table *t, const char *const *names,
                                  size_t n_names, const char *noun, const char *plural,
                                  uint32_t *out) {
  uint32_t n = 0;
  for (size_t i = 0; i < seq_len(seq) && !stop(L); i++) {
    yaml_node_t *it = seq_item(L, seq, i);
    const char *t_name;
    if (val_scalar(L, it, key, "a name", &t_name) != 0) {
      continue;
    }
    uint32_t idx = nt_find(t, t_name);
    char q[128], sug[640];
    if (idx == SCN_NONE) {
      err_at(L, it, "unknown %s \"%s\"%s", noun, quote(q, sizeof q, t_name),
             suggestion(sug, sizeof sug, t_name, names, n_names, plural));
      continue;
    }
    bool dup = false;
    for (uint32_t j = 0; j < n; j++) {
      dup = dup || out[j] == idx;
    }
    if (dup) {
      err_at(L, it, "duplicate %s \"%s\" in \"%s\"", noun, t_name, path);
      continue;
    }
    out[n++] = idx;
  }
  return n;
}

static void convert_zones(loader *L, const yaml_node_t *cluster) {
  scenario_cluster *c = &L->s->cluster;
  yaml_node_t *zs = opt_seq(L, cluster, "zones", "cluster");
  if (zs != NULL && seq_len(zs) == 0) {
    err_at(L, zs, "\"cluster.zones\" needs at least one zone");
  }
  if (zs != NULL && seq_len(zs) > 0) {
    size_t n = seq_len(zs);
    char(*zones)[SCN_NAME_MAX] = calloc(n, sizeof *zones);
    if (zones == NULL) {
      nomem(L);
      return;
    }
    free(c->zones);
    c->zones = zones;
    c->n_zones = 0;
    for (size_t i = 0; i < n && !stop(L); i++) {
      yaml_node_t *it = seq_item(L, zs, i);
      char name[SCN_NAME_MAX];
      if (val_name(L, it, "zones", name) != 0) {
        continue;
      }
      bool dup = false;
      for (uint32_t j = 0; j < c->n_zones && !dup; j++) {
        dup = strcmp(c->zones[j], name) == 0;
      }
      if (dup) {
        err_at(L, it, "duplicate zone \"%s\" in \"cluster.zones\"", name);
        continue;
      }
      memcpy(c->zones[c->n_zones++], name, SCN_NAME_MAX);
    }
  }
  if (nt_init(&L->zones, c->n_zones) != 0) {
    nomem(L);
    return;
  }
  for (uint32_t i = 0; i < c->n_zones; i++) {
    nt_put(&L->zones, c->zones[i], i);
  }
}

static const char **zone_names(loader *L) {
  scenario_cluster *c = &L->s->cluster;
  const char **names = calloc(c->n_zones + 1, sizeof *names);
  if (names == NULL) {
    return NULL;
  }
  for (uint32_t i = 0; i < c->n_zones; i++) {
    names[i] = c->zones[i];
  }
  return names;
}

/* A pool over every zone, in declaration order. */
static int all_zones(loader *L, scenario_node_pool *p) {
  uint32_t n = L->s->cluster.n_zones;
  uint32_t *z = calloc(n > 0 ? n : 1, sizeof *z);
  if (z == NULL) {
    return nomem(L);
  }
  for (uint32_t i = 0; i < n; i++) {
    z[i] = i;
  }
  free(p->zones);
  p->zones = z;
  p->n_zones = n;
  return 0;
}

static void convert_pool(loader *L, const yaml_node_t *m, const char *path, scenario_node_pool *p,
                         const char **znames) {
  if (!check_map(L, m, &sch_pool, path)) {
    return;
  }
  if (get(L, m, "name") == NULL) {
    missing(L, m, "name", path);
  } else {
    opt_name(L, m, "name", p->name);
  }
  opt_u32(L, m, "count", 0, LD_MAX_NODES, &p->count);
  int has_max = opt_u32(L, m, "max", 0, LD_MAX_NODES, &p->max_count);
  opt_cpu(L, m, "cpu", true, &p->cpu_millicores);
  opt_size(L, m, "memory", true, &p->mem_bytes);
  if (has_max == 1 && p->max_count > 0 && p->count > p->max_count) {
    err_at(L, get(L, m, "max"), "invalid \"max\": %u is below the starting count %u", p->max_count,
           p->count);
  }
  yaml_node_t *zs = opt_seq(L, m, "zones", path);
  if (zs != NULL) {
    if (seq_len(zs) == 0) {
      err_at(L, zs, "\"%s.zones\" needs at least one zone (or leave it out for all zones)", path);
      return;
    }
    uint32_t *z = calloc(seq_len(zs), sizeof *z);
    if (z == NULL) {
      nomem(L);
      return;
    }
    free(p->zones);
    p->zones = z;
    char zpath[LD_PATH_MAX];
    path_join(zpath, sizeof zpath, path, "zones");
    p->n_zones = resolve_name_list(L, zs, "zones", zpath, &L->zones, znames, L->s->cluster.n_zones,
                                   "zone", "zones", z);
  }
}

static void convert_pools(loader *L, const yaml_node_t *cluster) {
  scenario_cluster *c = &L->s->cluster;
  yaml_node_t *ps = opt_seq(L, cluster, "nodes", "cluster");
  if (ps == NULL) {
    /* The default pool spans whatever zones the file declared. */
    for (uint32_t i = 0; i < c->n_pools; i++) {
      all_zones(L, &c->pools[i]);
    }
    if (nt_init(&L->pools, c->n_pools) != 0) {
      nomem(L);
    }
    return;
  }
  size_t n = seq_len(ps);
  if (n == 0) {
    err_at(L, ps, "\"cluster.nodes\" needs at least one node pool");
    return;
  }
  scenario_node_pool *pools = calloc(n, sizeof *pools);
  L->pool_ids = calloc(n, sizeof *L->pool_ids);
  const char **znames = zone_names(L);
  if (pools == NULL || L->pool_ids == NULL || znames == NULL || nt_init(&L->pools, n) != 0) {
    free(pools);
    free(znames);
    nomem(L);
    return;
  }
  for (uint32_t i = 0; i < c->n_pools; i++) {
    free(c->pools[i].zones);
  }
  free(c->pools);
  c->pools = pools;
  c->n_pools = (uint32_t)n;
  for (size_t i = 0; i < n; i++) {
    scenario_node_pool *p = &pools[i];
    p->count = 3;
    p->cpu_millicores = 8000;
    p->mem_bytes = (int64_t)32 << 30;
    all_zones(L, p);
  }
  for (size_t i = 0; i < n && !stop(L); i++) {
    yaml_node_t *m = seq_item(L, ps, i);
    char path[LD_PATH_MAX];
    element_path(L, path, sizeof path, "cluster.nodes", m, "name", i);
    L->pool_ids[i] = node_id(L, m);
    convert_pool(L, m, path, &pools[i], znames);
    if (pools[i].name[0] == '\0') {
      continue;
    }
    uint32_t prev = nt_find(&L->pools, pools[i].name);
    if (prev != SCN_NONE) {
      char w[LD_PATH_MAX];
      err_at(L, get(L, m, "name"), "duplicate node pool \"%s\" (first defined at %s)",
             pools[i].name, where_text(L, node_at(L, L->pool_ids[prev]), w, sizeof w));
    } else {
      nt_put(&L->pools, pools[i].name, (uint32_t)i);
    }
  }
  free(znames);
}

static void convert_cluster(loader *L, const yaml_node_t *root) {
  scenario_cluster *c = &L->s->cluster;
  yaml_node_t *m = opt_map(L, root, "cluster", &sch_cluster, "");
  convert_zones(L, m);
  convert_pools(L, m);
  if (m == NULL) {
    return;
  }
  yaml_node_t *net = opt_map(L, m, "network", &sch_network, "cluster");
  if (net != NULL) {
    opt_duration(L, net, "same_node", false, &c->same_node_ns);
    opt_duration(L, net, "same_zone", false, &c->same_zone_ns);
    opt_duration(L, net, "cross_zone", false, &c->cross_zone_ns);
    yaml_node_t *bw = get(L, net, "bandwidth");
    const char *t;
    if (bw != NULL && val_scalar(L, bw, "bandwidth", units_expected(UNITS_BANDWIDTH), &t) == 0) {
      int rc = units_parse_bandwidth(t, &c->bandwidth_bytes_per_s);
      if (rc != 0) {
        val_unit_error(L, bw, "bandwidth", UNITS_BANDWIDTH, rc, t);
      }
    }
    if (c->same_node_ns > c->same_zone_ns || c->same_zone_ns > c->cross_zone_ns) {
      warn_at(L, net, "network latencies are usually ordered same_node <= same_zone <= cross_zone");
    }
  }
  int placement;
  if (opt_choice(L, m, "placement", &placement_choice, &placement) == 1) {
    c->placement = (mesh_placement)placement;
  }
  yaml_node_t *sr = opt_map(L, m, "system_reserved", &sch_resources, "cluster");
  if (sr != NULL) {
    opt_cpu(L, sr, "cpu", false, &c->system_reserved_millicores);
    opt_size(L, sr, "memory", false, &c->system_reserved_mem_bytes);
  }
}

static void convert_pricing(loader *L, const yaml_node_t *root) {
  scenario_pricing *p = &L->s->pricing;
  yaml_node_t *m = opt_map(L, root, "pricing", &sch_pricing, "");
  if (m == NULL) {
    return;
  }
  opt_number(L, m, "vcpu_hour", R_NONNEG, &p->vcpu_hour_usd);
  opt_number(L, m, "gib_hour", R_NONNEG, &p->gib_hour_usd);
  opt_number(L, m, "cross_zone_gb", R_NONNEG, &p->cross_zone_gb_usd);
  opt_number(L, m, "hours_per_month", R_POS, &p->hours_per_month);
}

/* requests/limits {cpu, memory}; unset fields keep their value. */
static void convert_resources(loader *L, const yaml_node_t *m, const char *key, const char *base,
                              int64_t *cpu, int64_t *mem) {
  yaml_node_t *r = opt_map(L, m, key, &sch_resources, base);
  if (r != NULL) {
    opt_cpu(L, r, "cpu", false, cpu);
    opt_size(L, r, "memory", false, mem);
  }
}

/* A limit (when set and not 0 = none) must not be below its request. */
static void check_limits(loader *L, const yaml_node_t *m, int64_t req_cpu, int64_t lim_cpu,
                         int64_t req_mem, int64_t lim_mem) {
  yaml_node_t *lim = get(L, m, "limits");
  if (lim_cpu > 0 && req_cpu > 0 && lim_cpu < req_cpu) {
    err_at(L, get(L, lim, "cpu"), "invalid \"cpu\": limit %lldm is below the request %lldm",
           (long long)lim_cpu, (long long)req_cpu);
  }
  if (lim_mem > 0 && req_mem > 0 && lim_mem < req_mem) {
    err_at(L, get(L, lim, "memory"),
           "invalid \"memory\": limit %lld bytes is below the request %lld bytes",
           (long long)lim_mem, (long long)req_mem);
  }
}

static void convert_proxy(loader *L, const yaml_node_t *mesh, mesh_proxy_kind kind,
                          const schema_map *sm, yaml_node_t **out_map) {
  const char *key = mesh_proxy_kind_name(kind);
  char path[LD_PATH_MAX];
  path_join(path, sizeof path, "mesh", key);
  yaml_node_t *m = opt_map(L, mesh, key, sm, "mesh");
  *out_map = m;
  if (m == NULL) {
    return;
  }
  scenario_proxy_settings *ps = &L->s->mesh.proxy[kind];
  opt_u32(L, m, "workers", 1, LD_MAX_WORKERS, &ps->workers);
  convert_resources(L, m, "requests", path, &ps->request_millicores, &ps->request_mem_bytes);
  convert_resources(L, m, "limits", path, &ps->limit_millicores, &ps->limit_mem_bytes);
  check_limits(L, m, ps->request_millicores, ps->limit_millicores, ps->request_mem_bytes,
               ps->limit_mem_bytes);
}

static void convert_modes(loader *L, const yaml_node_t *mesh) {
  scenario_mesh *ms = &L->s->mesh;
  yaml_node_t *seq = opt_seq(L, mesh, "modes", "mesh");
  if (seq == NULL) {
    return;
  }
  if (seq_len(seq) == 0) {
    err_at(L, seq, "\"mesh.modes\" needs at least one mode");
    return;
  }
  ms->n_modes = 0;
  for (size_t i = 0; i < seq_len(seq) && !stop(L); i++) {
    yaml_node_t *it = seq_item(L, seq, i);
    int mode;
    if (val_choice(L, it, "modes", &mode_choice, &mode) != 0) {
      continue;
    }
    bool dup = false;
    for (uint32_t j = 0; j < ms->n_modes; j++) {
      dup = dup || ms->modes[j] == (mesh_mode)mode;
    }
    if (dup) {
      err_at(L, it, "duplicate mode \"%s\" in \"mesh.modes\"", mode_names[mode]);
      continue;
    }
    ms->modes[ms->n_modes++] = (mesh_mode)mode;
  }
}

static void convert_autoscale(loader *L, const yaml_node_t *wp) {
  scenario_autoscale *a = &L->s->waypoint_autoscale;
  /* Presence enables it, even as a bare "autoscale:" taking every default. */
  yaml_node_t *v = get_raw(L, wp, "autoscale");
  if (v == NULL) {
    return;
  }
  a->enabled = true;
  if (is_null(v) || !check_map(L, v, &sch_autoscale, "mesh.waypoint.autoscale")) {
    return;
  }
  opt_number(L, v, "target_utilisation", R_UNIT_POS, &a->target_utilisation);
  opt_duration(L, v, "scale_up_delay", false, &a->scale_up_delay_ns);
  opt_duration(L, v, "scale_down_delay", false, &a->scale_down_delay_ns);
  opt_u32(L, v, "min", 1, LD_MAX_WAYPOINT_REPLICAS, &a->min_replicas);
  int has_max = opt_u32(L, v, "max", 1, LD_MAX_WAYPOINT_REPLICAS, &a->max_replicas);
  if (a->max_replicas < a->min_replicas) {
    err_at(L, has_max == 1 ? get(L, v, "max") : v, "invalid \"max\": %u is below \"min\" %u",
           a->max_replicas, a->min_replicas);
  } else if (L->s->mesh.waypoint_replicas < a->min_replicas ||
             L->s->mesh.waypoint_replicas > a->max_replicas) {
    warn_at(L, v, "waypoint replicas %u are outside the autoscale range [%u, %u]",
            L->s->mesh.waypoint_replicas, a->min_replicas, a->max_replicas);
  }
}

static void convert_mesh(loader *L, const yaml_node_t *root) {
  scenario_mesh *ms = &L->s->mesh;
  yaml_node_t *m = opt_map(L, root, "mesh", &sch_mesh, "");
  if (m == NULL) {
    return;
  }
  opt_name(L, m, "profile", ms->profile);
  opt_text(L, m, "sidecar_profile", ms->sidecar_profile, sizeof ms->sidecar_profile);
  convert_modes(L, m);
  yaml_node_t *sc, *zt, *wp;
  convert_proxy(L, m, MESH_PROXY_SIDECAR, &sch_sidecar, &sc);
  convert_proxy(L, m, MESH_PROXY_ZTUNNEL, &sch_ztunnel, &zt);
  convert_proxy(L, m, MESH_PROXY_WAYPOINT, &sch_waypoint, &wp);
  int v;
  if (sc != NULL && opt_choice(L, sc, "scope", &sidecar_scope_choice, &v) == 1) {
    ms->sidecar_scope = (mesh_sidecar_scope)v;
  }
  if (wp != NULL) {
    if (opt_choice(L, wp, "scope", &waypoint_scope_choice, &v) == 1) {
      ms->waypoint_scope = (mesh_waypoint_scope)v;
    }
    opt_u32(L, wp, "replicas", 1, LD_MAX_WAYPOINT_REPLICAS, &ms->waypoint_replicas);
    convert_autoscale(L, wp);
  }
  opt_number(L, m, "new_connection_share", R_UNIT, &ms->new_connection_share);
}

static void namespace_defaults(loader *L, scenario_namespace *ns) {
  ns->compliance = false;
  ns->hybrid_mode = MESH_NS_AMBIENT_WAYPOINT;
  ns->waypoint_scope = L->s->mesh.waypoint_scope;
  ns->waypoint_replicas = 0;
}

static void convert_namespace(loader *L, const yaml_node_t *m, const char *path,
                              scenario_namespace *ns) {
  if (!check_map(L, m, &sch_namespace, path)) {
    return;
  }
  if (get(L, m, "name") == NULL) {
    missing(L, m, "name", path);
  } else {
    opt_name(L, m, "name", ns->name);
  }
  memcpy(ns->tenant, ns->name, SCN_NAME_MAX);
  opt_name(L, m, "tenant", ns->tenant);
  opt_text(L, m, "team", ns->team, sizeof ns->team);
  opt_bool(L, m, "compliance", &ns->compliance);
  int v;
  ns->hybrid_mode = ns->compliance ? MESH_NS_SIDECAR : MESH_NS_AMBIENT_WAYPOINT;
  if (opt_choice(L, m, "mode", &ns_mode_choice, &v) == 1) {
    ns->hybrid_mode = (mesh_ns_mode)v;
    if (ns->compliance && ns->hybrid_mode != MESH_NS_SIDECAR) {
      warn_at(L, get(L, m, "mode"),
              "namespace \"%s\" is marked compliance but runs \"%s\" in hybrid mode; only "
              "sidecars keep one identity per pod",
              ns->name, mode_names[v]);
    }
  }
  if (opt_choice(L, m, "waypoint_scope", &waypoint_scope_choice, &v) == 1) {
    ns->waypoint_scope = (mesh_waypoint_scope)v;
  }
  opt_u32(L, m, "waypoint_replicas", 0, LD_MAX_WAYPOINT_REPLICAS, &ns->waypoint_replicas);
}

/* Sizes the namespace array for the declared ones, or for one implicit
 * namespace per service plus "default" when the section is absent. */
static void convert_namespaces(loader *L, const yaml_node_t *root, size_t n_services) {
  scenario *s = L->s;
  yaml_node_t *raw = get_raw(L, root, "namespaces");
  L->namespaces_declared = raw != NULL;
  yaml_node_t *seq = opt_seq(L, root, "namespaces", "");
  size_t n = seq != NULL ? seq_len(seq) : 0;
  size_t cap = L->namespaces_declared ? n : n_services + 1;
  s->namespaces = calloc(cap > 0 ? cap : 1, sizeof *s->namespaces);
  L->ns_ids = calloc(cap > 0 ? cap : 1, sizeof *L->ns_ids);
  if (s->namespaces == NULL || L->ns_ids == NULL || nt_init(&L->namespaces, cap) != 0) {
    nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !stop(L); i++) {
    yaml_node_t *m = seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    element_path(L, path, sizeof path, "namespaces", m, "name", i);
    scenario_namespace *ns = &s->namespaces[s->n_namespaces];
    namespace_defaults(L, ns);
    convert_namespace(L, m, path, ns);
    if (ns->name[0] == '\0') {
      continue; /* reported */
    }
    uint32_t prev = nt_find(&L->namespaces, ns->name);
    if (prev != SCN_NONE) {
      char w[LD_PATH_MAX];
      err_at(L, get(L, m, "name"), "duplicate namespace \"%s\" (first defined at %s)", ns->name,
             where_text(L, node_at(L, L->ns_ids[prev]), w, sizeof w));
      continue;
    }
    L->ns_ids[s->n_namespaces] = node_id(L, m);
    nt_put(&L->namespaces, ns->name, s->n_namespaces);
    s->n_namespaces++;
  }
}

static const char **namespace_names(loader *L) {
  const char **names = calloc(L->s->n_namespaces + 1, sizeof *names);
  if (names != NULL) {
    for (uint32_t i = 0; i < L->s->n_namespaces; i++) {
      names[i] = L->s->namespaces[i].name;
    }
  }
  return names;
}

/* Resolves (or, without a namespaces section, creates) a namespace. */
static uint32_t resolve_namespace(loader *L, const char *name, const yaml_node_t *where) {
  scenario *s = L->s;
  uint32_t idx = nt_find(&L->namespaces, name);
  if (idx != SCN_NONE) {
    return idx;
  }
  if (!L->namespaces_declared) {
    scenario_namespace *ns = &s->namespaces[s->n_namespaces];
    memset(ns, 0, sizeof *ns);
    namespace_defaults(L, ns);
    snprintf(ns->name, sizeof ns->name, "%s", name);
    memcpy(ns->tenant, ns->name, SCN_NAME_MAX);
    nt_put(&L->namespaces, ns->name, s->n_namespaces);
    return s->n_namespaces++;
  }
  const char **names = namespace_names(L);
  if (names == NULL) {
    nomem(L);
    return SCN_NONE;
  }
  char q[128], sug[640];
  err_at(L, where, "unknown namespace \"%s\"%s", quote(q, sizeof q, name),
         suggestion(sug, sizeof sug, name, names, s->n_namespaces, "namespaces"));
  free(names);
  return SCN_NONE;
}

/* ---------------------------------------------------------- distributions */

typedef enum dist_kind_ix {
  D_CONSTANT,
  D_EXPONENTIAL,
  D_UNIFORM,
  D_LOGNORMAL,
  D_PARETO,
  D_EMPIRICAL
} dist_kind_ix;

static const char *const dist_names[] = {"constant",  "exponential", "uniform",
                                         "lognormal", "pareto",      "empirical"};
static const choice dist_choice = {"distribution", "distributions", dist_names, NULL, 6};
/* Keys each distribution takes, for "does not apply" messages. */
static const char *const dist_params[][5] = {
    [D_CONSTANT] = {"value"},
    [D_EXPONENTIAL] = {"mean"},
    [D_UNIFORM] = {"min", "max"},
    [D_LOGNORMAL] = {"mean", "p99", "median", "sigma"},
    [D_PARETO] = {"mean", "min", "alpha"},
    [D_EMPIRICAL] = {"points"},
};

static bool dist_takes(int kind, const char *key) {
  for (int i = 0; i < 5 && dist_params[kind][i] != NULL; i++) {
    if (strcmp(dist_params[kind][i], key) == 0) {
      return true;
    }
  }
  return false;
}

/* A duration parameter as a double of ns; 1 set, 0 absent, -1 bad. */
static int dist_param(loader *L, const yaml_node_t *m, const char *key, bool positive,
                      double *out) {
  sim_time t;
  int rc = opt_duration(L, m, key, positive, &t);
  if (rc == 1) {
    *out = (double)t;
  }
  return rc;
}

static const char *fmt_ns(char *buf, size_t size, double ns) {
  if (ns >= 1e9 && fmod(ns, 1e9) == 0) {
    snprintf(buf, size, "%.0fs", ns / 1e9);
  } else if (ns >= 1e6) {
    snprintf(buf, size, "%gms", ns / 1e6);
  } else if (ns >= 1e3) {
    snprintf(buf, size, "%gus", ns / 1e3);
  } else {
    snprintf(buf, size, "%gns", ns);
  }
  return buf;
}

static int convert_points(loader *L, const yaml_node_t *pts, double **storage, size_t *n_out) {
  char g[96];
  if (!is_seq(pts)) {
    return err_at(L, pts,
                  "invalid \"points\": expected a list of [duration, probability] pairs, "
                  "got %s",
                  got_text(pts, g, sizeof g));
  }
  size_t n = seq_len(pts);
  if (n < 2) {
    return err_at(L, pts, "invalid \"points\": needs at least 2 points, got %zu", n);
  }
  double *buf = calloc(2 * n, sizeof *buf);
  if (buf == NULL) {
    return nomem(L);
  }
  int bad = 0;
  for (size_t i = 0; i < n && bad == 0; i++) {
    yaml_node_t *pt = seq_item(L, pts, i);
    if (!is_seq(pt) || seq_len(pt) != 2) {
      bad =
          err_at(L, pt, "invalid \"points\": each point is a [duration, probability] pair, got %s",
                 got_text(pt, g, sizeof g));
      break;
    }
    sim_time x;
    double p;
    if (val_duration(L, seq_item(L, pt, 0), "points", false, &x) != 0 ||
        val_number(L, seq_item(L, pt, 1), "points", R_UNIT, &p) != 0) {
      bad = -1;
      break;
    }
    buf[i] = (double)x;
    buf[n + i] = p;
    if (i == 0 && p != 0.0) {
      bad = err_at(L, seq_item(L, pt, 1),
                   "invalid \"points\": the first probability must be 0, got %g", p);
    } else if (i == n - 1 && p != 1.0) {
      bad = err_at(L, seq_item(L, pt, 1),
                   "invalid \"points\": the last probability must be 1, got %g", p);
    } else if (i > 0 && buf[i] < buf[i - 1]) {
      bad = err_at(L, seq_item(L, pt, 0),
                   "invalid \"points\": durations must not decrease (point %zu)", i + 1);
    } else if (i > 0 && p < buf[n + i - 1]) {
      bad = err_at(L, seq_item(L, pt, 1),
                   "invalid \"points\": probabilities must not decrease (point %zu)", i + 1);
    }
  }
  if (bad != 0) {
    free(buf);
    return -1;
  }
  *storage = buf;
  *n_out = n;
  return 0;
}

/* A bare duration: the constant distribution. */
static int dist_from_duration(loader *L, const yaml_node_t *v, const char *key, sim_dist *out) {
  const char *t = sval(v);
  sim_time x;
  int rc = units_parse_duration(t, &x);
  if (rc == SIM_EINVAL) {
    char q[128];
    return err_at(L, v,
                  "invalid \"%s\": expected a duration like 2ms or a distribution like "
                  "{dist: exponential, mean: 1ms}, got \"%s\"",
                  key, quote(q, sizeof q, t));
  }
  if (rc != 0) {
    return val_unit_error(L, v, key, UNITS_DURATION, rc, t);
  }
  return sim_dist_constant((double)x, out) == 0
             ? 0
             : err_at(L, v, "invalid \"%s\": not a valid constant", key);
}

/* Keys of the distribution mapping v that the schema knows but `kind`
 * does not take ("mean" on a uniform). */
static void check_dist_keys(loader *L, const yaml_node_t *v, int kind) {
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
    yaml_node_t *k = node_at(L, p->key);
    if (is_scalar(k) && strcmp(sval(k), "dist") != 0 && schema_find(&sch_dist, sval(k)) != NULL &&
        !dist_takes(kind, sval(k))) {
      char list[128];
      size_t np = 0;
      while (np < 5 && dist_params[kind][np] != NULL) {
        np++;
      }
      err_at(L, k, "key \"%s\" does not apply to distribution \"%s\" (it takes: %s)", sval(k),
             dist_names[kind], join_names(list, sizeof list, dist_params[kind], np));
    }
  }
}

/* One distribution mapping being read by its kind's reader. */
typedef struct dist_req {
  loader *L;
  const yaml_node_t *v; /* the mapping */
  const char *key;      /* e.g. "service_time", for messages */
  const char *path;
  int kind;
  size_t errors; /* diag errors before this mapping: more means a bad parameter */
  sim_dist *out;
  double **storage; /* receives an empirical's arrays */
} dist_req;

static bool dist_failed(const dist_req *d) {
  return diag_error_count(d->L->diag) > d->errors;
}

/* Once a reader has read its parameters (ha, hb: 1 set, 0 absent, -1 bad):
 * 0 to go on, or -1 after reporting the first absent one (ka, kb). */
static int dist_params_ok(const dist_req *d, int ha, const char *ka, int hb, const char *kb) {
  if (ha == 0 || hb == 0) {
    return missing(d->L, d->v, ha == 0 ? ka : kb, d->path);
  }
  return dist_failed(d) ? -1 : 0;
}

/* Every reader ends here, with what the sim_dist constructor returned. */
static int dist_made(const dist_req *d, int rc) {
  if (rc != 0) {
    return err_at(d->L, d->v, "invalid \"%s\": the %s distribution rejected its parameters (%s)",
                  d->key, dist_names[d->kind], sim_strerror(rc));
  }
  return dist_failed(d) ? -1 : 0;
}

static int dist_read_constant(const dist_req *d) {
  double a = 0;
  int ha = dist_param(d->L, d->v, "value", false, &a);
  return dist_params_ok(d, ha, "value", 1, NULL) != 0 ? -1
                                                      : dist_made(d, sim_dist_constant(a, d->out));
}

static int dist_read_exponential(const dist_req *d) {
  double a = 0;
  int ha = dist_param(d->L, d->v, "mean", true, &a);
  return dist_params_ok(d, ha, "mean", 1, NULL) != 0
             ? -1
             : dist_made(d, sim_dist_exponential(a, d->out));
}

static int dist_read_uniform(const dist_req *d) {
  loader *L = d->L;
  double a = 0, b = 0;
  int ha = dist_param(L, d->v, "min", false, &a);
  int hb = dist_param(L, d->v, "max", false, &b);
  if (dist_params_ok(d, ha, "min", hb, "max") != 0) {
    return -1;
  }
  if (b < a) {
    char x1[32], x2[32];
    return err_at(L, get(L, d->v, "max"), "invalid \"max\": %s is below \"min\" %s",
                  fmt_ns(x1, sizeof x1, b), fmt_ns(x2, sizeof x2, a));
  }
  return dist_made(d, sim_dist_uniform(a, b, d->out));
}

/* A lognormal given by its mean and 99th percentile. */
static int dist_read_lognormal_mean_p99(const dist_req *d) {
  loader *L = d->L;
  double a = 0, b = 0;
  int ha = dist_param(L, d->v, "mean", true, &a);
  int hb = dist_param(L, d->v, "p99", true, &b);
  if (dist_params_ok(d, ha, "mean", hb, "p99") != 0) {
    return -1;
  }
  /* Solvable only for mean < p99 <= mean * exp(z^2 / 2), z = the
   * normal 99th percentile (see sim_dist_lognormal_mean_p99). */
  double limit = exp(2.3263478740408408 * 2.3263478740408408 / 2.0);
  if (b <= a || b / a > limit) {
    char x1[32], x2[32];
    return err_at(L, get(L, d->v, "p99"),
                  "invalid \"p99\": no lognormal has mean %s and p99 %s (p99 must be above "
                  "the mean and at most %.2f times it)",
                  fmt_ns(x1, sizeof x1, a), fmt_ns(x2, sizeof x2, b), limit);
  }
  return dist_made(d, sim_dist_lognormal_mean_p99(a, b, d->out));
}

static int dist_read_lognormal(const dist_req *d) {
  loader *L = d->L;
  bool by_mean = get(L, d->v, "mean") != NULL || get(L, d->v, "p99") != NULL;
  bool by_median = get(L, d->v, "median") != NULL || get(L, d->v, "sigma") != NULL;
  if (by_mean == by_median) {
    return err_at(L, d->v,
                  "a lognormal distribution takes either \"mean\" and \"p99\" or \"median\" "
                  "and \"sigma\"");
  }
  if (by_mean) {
    return dist_read_lognormal_mean_p99(d);
  }
  double a = 0, b = 0;
  int ha = dist_param(L, d->v, "median", true, &a);
  int hb = opt_number(L, d->v, "sigma", R_POS, &b);
  if (dist_params_ok(d, ha, "median", hb, "sigma") != 0) {
    return -1;
  }
  return dist_made(d, sim_dist_lognormal(log(a), b, d->out));
}

static int dist_read_pareto(const dist_req *d) {
  loader *L = d->L;
  bool has_mean = get(L, d->v, "mean") != NULL;
  bool has_min = get(L, d->v, "min") != NULL;
  if (has_mean == has_min) {
    return err_at(L, d->v, "a pareto distribution takes \"alpha\" and either \"mean\" or \"min\"");
  }
  double a = 0, b = 0;
  int hb = opt_number(L, d->v, "alpha", R_POS, &b);
  dist_param(L, d->v, has_mean ? "mean" : "min", true, &a);
  if (dist_params_ok(d, hb, "alpha", 1, NULL) != 0) {
    return -1;
  }
  if (!has_mean) {
    return dist_made(d, sim_dist_pareto(b, a, d->out));
  }
  if (b <= 1.0) {
    return err_at(L, get(L, d->v, "alpha"),
                  "invalid \"alpha\": a pareto distribution with a mean needs alpha > 1, "
                  "got %g",
                  b);
  }
  return dist_made(d, sim_dist_pareto_mean(a, b, d->out));
}

static int dist_read_empirical(const dist_req *d) {
  yaml_node_t *pts = get(d->L, d->v, "points");
  if (dist_params_ok(d, pts != NULL, "points", 1, NULL) != 0) {
    return -1;
  }
  double *buf = NULL;
  size_t n = 0;
  if (convert_points(d->L, pts, &buf, &n) != 0) {
    return -1;
  }
  int rc = sim_dist_empirical(buf, buf + n, n, d->out);
  if (rc != 0) {
    free(buf);
  } else {
    free(*d->storage);
    *d->storage = buf;
  }
  return dist_made(d, rc);
}

/* Readers by kind, in dist_names order. Each returns 0, or -1 after
 * reporting. */
static int (*const dist_readers[])(const dist_req *d) = {
    [D_CONSTANT] = dist_read_constant, [D_EXPONENTIAL] = dist_read_exponential,
    [D_UNIFORM] = dist_read_uniform,   [D_LOGNORMAL] = dist_read_lognormal,
    [D_PARETO] = dist_read_pareto,     [D_EMPIRICAL] = dist_read_empirical,
};

/* A distribution of durations (ns): a bare duration (constant) or a
 * {dist: ..., params} mapping. *storage receives an empirical's arrays. */
static int convert_dist(loader *L, const yaml_node_t *v, const char *key, const char *path,
                        sim_dist *out, double **storage) {
  if (is_scalar(v)) {
    return dist_from_duration(L, v, key, out);
  }
  if (!is_map(v)) {
    char g[96];
    return err_at(L, v,
                  "invalid \"%s\": expected a duration like 2ms or a distribution like "
                  "{dist: exponential, mean: 1ms}, got %s",
                  key, got_text(v, g, sizeof g));
  }
  dist_req d = {L, v, key, path, 0, diag_error_count(L->diag), out, storage};
  check_map(L, v, &sch_dist, path);
  yaml_node_t *dv = get(L, v, "dist");
  if (dv == NULL) {
    return missing(L, v, "dist", path);
  }
  if (val_choice(L, dv, "dist", &dist_choice, &d.kind) != 0) {
    return -1;
  }
  check_dist_keys(L, v, d.kind);
  return dist_readers[d.kind](&d);
}

/* -------------------------------------------------------------- services */

static void service_defaults(scenario_service *sv) {
  sv->ns = SCN_NONE;
  sv->service_account = SCN_NONE;
  sv->replicas = 1;
  sv->protocol = MESH_PROTO_HTTP1;
  sv->cpu_request_millicores = 100;
  sv->mem_request_bytes = (int64_t)128 << 20;
  sv->cpu_limit_millicores = 0;
  sv->mem_limit_bytes = 0;
  sv->app_workers = 8;
  sim_dist_exponential(1e6, &sv->service_time_ns); /* mean 1ms */
  sv->request_bytes = 1024;
  sv->response_bytes = 1024;
  sv->lb = MESH_LB_RANDOM;
  sv->retry.attempts = 1;
}

static void convert_retry(loader *L, const yaml_node_t *m, const char *path, scenario_retry *r) {
  yaml_node_t *rm = opt_map(L, m, "retry", &sch_retry, path);
  if (rm == NULL) {
    return;
  }
  opt_u32(L, rm, "attempts", 1, LD_MAX_ATTEMPTS, &r->attempts);
  opt_duration(L, rm, "timeout", false, &r->timeout_ns);
  opt_duration(L, rm, "backoff", false, &r->backoff_ns);
}

/* The service's namespace: named, or "default"; resolved (or, without a
 * namespaces section, created) now. */
static void service_namespace(loader *L, const yaml_node_t *m, const char *path,
                              scenario_service *sv) {
  char nsname[SCN_NAME_MAX] = "default";
  yaml_node_t *nsv = get(L, m, "namespace");
  if (nsv == NULL && L->namespaces_declared) {
    err_at(L, m,
           "missing required key \"namespace\" in \"%s\" (the file declares namespaces, so every "
           "service names one)",
           path);
  } else if (nsv == NULL || val_name(L, nsv, "namespace", nsname) == 0) {
    sv->ns = resolve_namespace(L, nsname, nsv != NULL ? nsv : m);
  }
}

/* The service account, "namespace/name" (name defaults to the service's),
 * added to the scenario's list the first time it is seen. */
static void service_account(loader *L, const yaml_node_t *m, scenario_service *sv) {
  char sa[SCN_NAME_MAX];
  memcpy(sa, sv->name, SCN_NAME_MAX);
  yaml_node_t *sav = get(L, m, "service_account");
  if (sav != NULL && val_name(L, sav, "service_account", sa) != 0) {
    sa[0] = '\0';
  }
  if (sv->ns == SCN_NONE || sa[0] == '\0') {
    return;
  }
  char full[2 * SCN_NAME_MAX];
  snprintf(full, sizeof full, "%s/%s", L->s->namespaces[sv->ns].name, sa);
  uint32_t idx = nt_find(&L->accounts, full);
  if (idx == SCN_NONE) {
    if (strlen(full) >= SCN_NAME_MAX) {
      err_at(L, sav != NULL ? sav : m,
             "service account \"%s\" is too long (namespace/name must fit in %d bytes)", full,
             SCN_NAME_MAX - 1);
    } else {
      idx = L->s->n_service_accounts++;
      memcpy(L->s->service_accounts[idx], full, strlen(full) + 1);
      L->s->service_account_ns[idx] = sv->ns;
      nt_put(&L->accounts, L->s->service_accounts[idx], idx);
    }
  }
  sv->service_account = idx;
}

/* Call i of the service at `path`: a mapping, or the shorthand "- cart".
 * Its target is only noted (aux->service_id) until every service is known. */
static void convert_call(loader *L, const yaml_node_t *c, const char *path, size_t i,
                         scenario_call *call, call_aux *aux) {
  call->target = SCN_NONE;
  call->count = 1;
  call->probability = 1.0;
  call->request_bytes = -1;
  call->response_bytes = -1;
  if (is_scalar(c) && !is_null(c)) {
    aux->service_id = node_id(L, c); /* shorthand: "- cart" */
    return;
  }
  char cpath[LD_PATH_MAX], lpath[LD_PATH_MAX];
  path_join(lpath, sizeof lpath, path, "calls");
  element_path(L, cpath, sizeof cpath, lpath, c, "service", i);
  if (!check_map(L, c, &sch_call, cpath)) {
    return;
  }
  yaml_node_t *target = get(L, c, "service");
  if (target == NULL) {
    missing(L, c, "service", cpath);
  } else {
    aux->service_id = node_id(L, target);
  }
  opt_u32(L, c, "count", 1, LD_MAX_CALL_COUNT, &call->count);
  opt_number(L, c, "probability", R_UNIT_POS, &call->probability);
  aux->has_request_size = opt_size(L, c, "request_size", false, &call->request_bytes) == 1;
  aux->has_response_size = opt_size(L, c, "response_size", false, &call->response_bytes) == 1;
}

/* Calls: sizes and counts now, targets once every service is known. */
static void convert_calls(loader *L, const yaml_node_t *m, const char *path, scenario_service *sv,
                          call_aux *calls, uint32_t *n_calls) {
  yaml_node_t *cs = opt_seq(L, m, "calls", path);
  *n_calls = 0;
  if (cs == NULL) {
    return;
  }
  size_t n = seq_len(cs);
  sv->calls = calloc(n > 0 ? n : 1, sizeof *sv->calls);
  if (sv->calls == NULL) {
    nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !stop(L); i++) {
    convert_call(L, seq_item(L, cs, i), path, i, &sv->calls[i], &calls[i]);
  }
  sv->n_calls = (uint32_t)n;
  *n_calls = (uint32_t)n;
}

/* Everything but the calls' targets, which need every service first. */
static void convert_service(loader *L, const yaml_node_t *m, const char *path, scenario_service *sv,
                            call_aux *calls, uint32_t *n_calls) {
  if (!check_map(L, m, &sch_service, path)) {
    return;
  }
  if (get(L, m, "name") == NULL) {
    missing(L, m, "name", path);
  } else {
    opt_name(L, m, "name", sv->name);
  }
  service_namespace(L, m, path, sv);
  service_account(L, m, sv);
  opt_u32(L, m, "replicas", 1, LD_MAX_REPLICAS, &sv->replicas);
  int v;
  if (opt_choice(L, m, "protocol", &proto_choice, &v) == 1) {
    sv->protocol = (mesh_proto)v;
  }
  convert_resources(L, m, "requests", path, &sv->cpu_request_millicores, &sv->mem_request_bytes);
  convert_resources(L, m, "limits", path, &sv->cpu_limit_millicores, &sv->mem_limit_bytes);
  check_limits(L, m, sv->cpu_request_millicores, sv->cpu_limit_millicores, sv->mem_request_bytes,
               sv->mem_limit_bytes);
  opt_u32(L, m, "workers", 1, LD_MAX_WORKERS, &sv->app_workers);
  yaml_node_t *st = get(L, m, "service_time");
  if (st != NULL) {
    char dpath[LD_PATH_MAX];
    path_join(dpath, sizeof dpath, path, "service_time");
    convert_dist(L, st, "service_time", dpath, &sv->service_time_ns, &sv->dist_storage);
  }
  opt_size(L, m, "request_size", false, &sv->request_bytes);
  opt_size(L, m, "response_size", false, &sv->response_bytes);
  opt_bool(L, m, "l7", &sv->needs_l7);
  opt_bool(L, m, "parallel", &sv->parallel);
  if (opt_choice(L, m, "lb", &lb_choice, &v) == 1) {
    sv->lb = (mesh_lb)v;
  }
  convert_retry(L, m, path, &sv->retry);
  convert_calls(L, m, path, sv, calls, n_calls);
}

static const char **service_names(loader *L) {
  const char **names = calloc(L->s->n_services + 1, sizeof *names);
  if (names != NULL) {
    for (uint32_t i = 0; i < L->s->n_services; i++) {
      names[i] = L->s->services[i].name;
    }
  }
  return names;
}

static uint32_t resolve_service(loader *L, const yaml_node_t *v, const char *key,
                                const char **names) {
  const char *t;
  if (val_scalar(L, v, key, "a service name", &t) != 0) {
    return SCN_NONE;
  }
  uint32_t idx = nt_find(&L->services, t);
  if (idx == SCN_NONE && !L->services_incomplete) {
    char q[128], sug[640];
    err_at(L, v, "unknown service \"%s\"%s", quote(q, sizeof q, t),
           suggestion(sug, sizeof sug, t, names, L->s->n_services, "services"));
  }
  return idx;
}

static void convert_services(loader *L, const yaml_node_t *root) {
  scenario *s = L->s;
  yaml_node_t *raw = get_raw(L, root, "services");
  yaml_node_t *seq = opt_seq(L, root, "services", "");
  size_t n = seq != NULL ? seq_len(seq) : 0;
  L->services_incomplete = n == 0;
  convert_namespaces(L, root, n);
  if (stop(L)) {
    return;
  }
  if (n == 0) {
    if (raw == NULL) {
      err_at(L, node_at(L, L->root_id), "missing required key \"services\" at the top level");
    } else if (seq != NULL || is_null(raw)) {
      err_at(L, seq, "\"services\" needs at least one service");
    }
    return;
  }
  s->services = calloc(n, sizeof *s->services);
  L->svc_ids = calloc(n, sizeof *L->svc_ids);
  L->call_start = calloc(n + 1, sizeof *L->call_start);
  s->service_accounts = calloc(n, sizeof *s->service_accounts);
  s->service_account_ns = calloc(n, sizeof *s->service_account_ns);
  size_t total_calls = 0;
  for (size_t i = 0; i < n; i++) {
    yaml_node_t *cs = get(L, seq_item(L, seq, i), "calls");
    total_calls += is_seq(cs) ? seq_len(cs) : 0;
  }
  L->calls = calloc(total_calls > 0 ? total_calls : 1, sizeof *L->calls);
  if (s->services == NULL || L->svc_ids == NULL || L->call_start == NULL ||
      s->service_accounts == NULL || s->service_account_ns == NULL || L->calls == NULL ||
      nt_init(&L->services, n) != 0 || nt_init(&L->accounts, n) != 0) {
    nomem(L);
    return;
  }
  uint32_t call_off = 0;
  for (size_t i = 0; i < n && !stop(L); i++) {
    yaml_node_t *m = seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    element_path(L, path, sizeof path, "services", m, "name", i);
    uint32_t idx = s->n_services;
    scenario_service *sv = &s->services[idx];
    service_defaults(sv);
    L->svc_ids[idx] = node_id(L, m);
    L->call_start[idx] = call_off;
    uint32_t n_calls = 0;
    s->n_services++;
    convert_service(L, m, path, sv, L->calls + call_off, &n_calls);
    call_off += n_calls;
    L->call_start[idx + 1] = call_off;
    if (sv->name[0] == '\0') {
      L->services_incomplete = true;
      continue;
    }
    uint32_t prev = nt_find(&L->services, sv->name);
    if (prev != SCN_NONE) {
      char w[LD_PATH_MAX];
      err_at(L, get(L, m, "name"), "duplicate service \"%s\" (first defined at %s)", sv->name,
             where_text(L, node_at(L, L->svc_ids[prev]), w, sizeof w));
    } else {
      nt_put(&L->services, sv->name, idx);
    }
  }
}

static void resolve_calls(loader *L) {
  scenario *s = L->s;
  const char **names = service_names(L);
  if (names == NULL) {
    nomem(L);
    return;
  }
  for (uint32_t i = 0; i < s->n_services && !stop(L); i++) {
    scenario_service *sv = &s->services[i];
    for (uint32_t j = 0; j < sv->n_calls && !stop(L); j++) {
      call_aux *aux = &L->calls[L->call_start[i] + j];
      scenario_call *c = &sv->calls[j];
      if (aux->service_id == 0) {
        continue;
      }
      c->target = resolve_service(L, node_at(L, aux->service_id), "service", names);
      if (c->target == SCN_NONE) {
        continue;
      }
      /* Sizes default to the callee's, resolved here so the model never
       * has to look them up. */
      if (!aux->has_request_size) {
        c->request_bytes = s->services[c->target].request_bytes;
      }
      if (!aux->has_response_size) {
        c->response_bytes = s->services[c->target].response_bytes;
      }
    }
  }
  free(names);
}

/* Reports the cycle closed by call j of service u, back to service v:
 * stack[k - 1 .. depth - 1] is the path from v to u. */
static void report_cycle(loader *L, const uint32_t *stack, uint32_t k, uint32_t depth, uint32_t u,
                         uint32_t j, uint32_t v) {
  scenario *s = L->s;
  /* Names of 64 bytes at most: 10 of them and the arrows fit. A
   * longer cycle shows its first and last 4 and its length. */
  char cyc[1024];
  size_t used = 0;
  uint32_t len = depth - (k - 1);
  cyc[0] = '\0';
  for (uint32_t x = k - 1; x < depth; x++) {
    uint32_t pos = x - (k - 1);
    if (len > 10 && pos >= 4 && pos < len - 4) {
      if (pos == 4) {
        used += (size_t)snprintf(cyc + used, sizeof cyc - used, "... -> ");
      }
      continue;
    }
    used += (size_t)snprintf(cyc + used, sizeof cyc - used, "%s -> ", s->services[stack[x]].name);
  }
  if (len > 10) {
    snprintf(cyc + used, sizeof cyc - used, "%s (%u services)", s->services[v].name, len);
  } else {
    snprintf(cyc + used, sizeof cyc - used, "%s", s->services[v].name);
  }
  const call_aux *aux = &L->calls[L->call_start[u] + j];
  if (aux->csv_line != 0) {
    diag_error(L->diag, L->csv[CSV_CALLS].path, aux->csv_line, aux->csv_col, "call cycle: %s", cyc);
  } else {
    err_at(L, node_at(L, aux->service_id), "call cycle: %s", cyc);
  }
}

/* Reports every call cycle once, at the call that closes it:
 * "call cycle: a -> b -> a". Iterative DFS: call graphs can be deep. */
static void check_cycles(loader *L) {
  scenario *s = L->s;
  uint32_t n = s->n_services;
  uint8_t *color = calloc(n, 1);
  uint32_t *stack = calloc(n, sizeof *stack);
  uint32_t *next = calloc(n, sizeof *next);
  if (color == NULL || stack == NULL || next == NULL) {
    free(color);
    free(stack);
    free(next);
    nomem(L);
    return;
  }
  for (uint32_t root = 0; root < n && !stop(L); root++) {
    if (color[root] != 0) {
      continue;
    }
    uint32_t depth = 0;
    stack[depth++] = root;
    color[root] = 1;
    next[root] = 0;
    while (depth > 0 && !stop(L)) {
      uint32_t u = stack[depth - 1];
      scenario_service *sv = &s->services[u];
      if (next[u] >= sv->n_calls) {
        color[u] = 2;
        depth--;
        continue;
      }
      uint32_t j = next[u]++;
      uint32_t v = sv->calls[j].target;
      if (v == SCN_NONE) {
        continue;
      }
      if (color[v] == 0) {
        color[v] = 1;
        next[v] = 0;
        stack[depth++] = v;
      } else if (color[v] == 1) {
        uint32_t k = depth;
        while (k > 0 && stack[k - 1] != v) {
          k--;
        }
        if (k > 0) { /* always: a grey node is on the stack */
          report_cycle(L, stack, k, depth, u, j, v);
        }
      }
    }
  }
  free(color);
  free(stack);
  free(next);
}

static const char *fmt_cpu(char *buf, size_t size, int64_t mc) {
  if (mc % 1000 == 0) {
    snprintf(buf, size, "%lld vCPU", (long long)(mc / 1000));
  } else {
    snprintf(buf, size, "%lldm", (long long)mc);
  }
  return buf;
}

static const char *fmt_bytes(char *buf, size_t size, int64_t b) {
  static const char *const units[] = {"Ki", "Mi", "Gi", "Ti"};
  double x = (double)b;
  int u = -1;
  while (u < 3 && x >= 1024.0) {
    x /= 1024.0;
    u++;
  }
  if (u < 0) {
    snprintf(buf, size, "%lldB", (long long)b);
  } else {
    snprintf(buf, size, "%.4g%s", x, units[u]);
  }
  return buf;
}

/* A pod must fit on at least one node pool after system_reserved. */
static void check_capacity(loader *L) {
  scenario *s = L->s;
  scenario_cluster *c = &s->cluster;
  if (c->n_pools == 0) {
    return;
  }
  int64_t best_cpu = INT64_MIN, best_mem = INT64_MIN;
  for (uint32_t i = 0; i < c->n_pools; i++) {
    int64_t cpu = c->pools[i].cpu_millicores - c->system_reserved_millicores;
    int64_t mem = c->pools[i].mem_bytes - c->system_reserved_mem_bytes;
    best_cpu = cpu > best_cpu ? cpu : best_cpu;
    best_mem = mem > best_mem ? mem : best_mem;
  }
  yaml_node_t *cluster = get(L, node_at(L, L->root_id), "cluster");
  yaml_node_t *sr = get(L, cluster, "system_reserved");
  char b1[48], b2[48];
  if (best_cpu <= 0 || best_mem <= 0) {
    err_at(L, sr, "\"system_reserved\" (cpu %s, memory %s) leaves no room on any node pool",
           fmt_cpu(b1, sizeof b1, c->system_reserved_millicores),
           fmt_bytes(b2, sizeof b2, c->system_reserved_mem_bytes));
    return;
  }
  for (uint32_t i = 0; i < s->n_services && !stop(L); i++) {
    scenario_service *sv = &s->services[i];
    bool fits = false;
    for (uint32_t p = 0; p < c->n_pools && !fits; p++) {
      fits = sv->cpu_request_millicores <=
                 c->pools[p].cpu_millicores - c->system_reserved_millicores &&
             sv->mem_request_bytes <= c->pools[p].mem_bytes - c->system_reserved_mem_bytes;
    }
    if (fits) {
      continue;
    }
    yaml_node_t *m = node_at(L, L->svc_ids[i]);
    yaml_node_t *req = get(L, m, "requests");
    if (sv->cpu_request_millicores > best_cpu) {
      err_at(L, req != NULL && get(L, req, "cpu") != NULL ? get(L, req, "cpu") : m,
             "pods of service \"%s\" request %s of cpu, more than any node pool can allocate "
             "(largest: %s after system_reserved)",
             sv->name, fmt_cpu(b1, sizeof b1, sv->cpu_request_millicores),
             fmt_cpu(b2, sizeof b2, best_cpu));
    } else if (sv->mem_request_bytes > best_mem) {
      err_at(L, req != NULL && get(L, req, "memory") != NULL ? get(L, req, "memory") : m,
             "pods of service \"%s\" request %s of memory, more than any node pool can allocate "
             "(largest: %s after system_reserved)",
             sv->name, fmt_bytes(b1, sizeof b1, sv->mem_request_bytes),
             fmt_bytes(b2, sizeof b2, best_mem));
    } else {
      err_at(L, req != NULL ? req : m,
             "pods of service \"%s\" request %s of cpu and %s of memory, which no single node "
             "pool can allocate after system_reserved",
             sv->name, fmt_cpu(b1, sizeof b1, sv->cpu_request_millicores),
             fmt_bytes(b2, sizeof b2, sv->mem_request_bytes));
    }
  }
}

/* --------------------------------------------------------------- traffic */

static void convert_bursts(loader *L, const yaml_node_t *m, const char *path, scenario_traffic *t) {
  yaml_node_t *seq = opt_seq(L, m, "bursts", path);
  if (seq == NULL || seq_len(seq) == 0) {
    return;
  }
  size_t n = seq_len(seq);
  t->bursts = calloc(n, sizeof *t->bursts);
  if (t->bursts == NULL) {
    nomem(L);
    return;
  }
  char lpath[LD_PATH_MAX];
  path_join(lpath, sizeof lpath, path, "bursts");
  for (size_t i = 0; i < n && !stop(L); i++) {
    yaml_node_t *b = seq_item(L, seq, i);
    char bpath[LD_PATH_MAX + 24];
    snprintf(bpath, sizeof bpath, "%s.%zu", lpath, i);
    if (!check_map(L, b, &sch_burst, bpath)) {
      continue;
    }
    scenario_burst *bu = &t->bursts[t->n_bursts];
    const char *req[] = {"at", "duration", "multiplier"};
    bool ok = true;
    for (int k = 0; k < 3; k++) {
      if (get(L, b, req[k]) == NULL) {
        missing(L, b, req[k], bpath);
        ok = false;
      }
    }
    ok = opt_duration(L, b, "at", false, &bu->at_ns) >= 0 && ok;
    ok = opt_duration(L, b, "duration", true, &bu->duration_ns) >= 0 && ok;
    ok = opt_number(L, b, "multiplier", R_POS, &bu->multiplier) >= 0 && ok;
    if (ok && bu->at_ns >= L->s->meta.duration_ns) {
      warn_at(L, get(L, b, "at"), "burst starts at or after the end of the measured window");
    }
    t->n_bursts++;
  }
}

static void convert_traffic(loader *L, const yaml_node_t *root) {
  scenario *s = L->s;
  yaml_node_t *raw = get_raw(L, root, "traffic");
  yaml_node_t *seq = opt_seq(L, root, "traffic", "");
  /* With traffic_csv the entries may all come from the CSV file; the check
   * that some traffic exists then runs after it is read. */
  bool from_csv = L->csv[CSV_TRAFFIC].used;
  if (raw == NULL) {
    if (!from_csv) {
      err_at(L, node_at(L, L->root_id),
             "missing required key \"traffic\" at the top level: at least one service needs "
             "external traffic");
    }
    return;
  }
  if (seq == NULL) {
    if (is_null(raw) && !from_csv) {
      err_at(L, raw, "\"traffic\" needs at least one entry");
    }
    return;
  }
  size_t n = seq_len(seq);
  if (n == 0) {
    if (!from_csv) {
      err_at(L, seq, "\"traffic\" needs at least one entry");
    }
    return;
  }
  s->traffic = calloc(n, sizeof *s->traffic);
  L->traffic_ids = calloc(n, sizeof *L->traffic_ids);
  const char **names = service_names(L);
  if (s->traffic == NULL || L->traffic_ids == NULL || names == NULL ||
      nt_init(&L->traffic, n) != 0) {
    free(names);
    nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !stop(L); i++) {
    yaml_node_t *m = seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    element_path(L, path, sizeof path, "traffic", m, "service", i);
    if (!check_map(L, m, &sch_traffic, path)) {
      continue;
    }
    scenario_traffic *t = &s->traffic[s->n_traffic];
    t->service = SCN_NONE;
    t->arrival = SCN_ARRIVAL_POISSON;
    L->traffic_ids[s->n_traffic] = node_id(L, m);
    s->n_traffic++;
    yaml_node_t *sv = get(L, m, "service");
    if (sv == NULL) {
      missing(L, m, "service", path);
    } else {
      t->service = resolve_service(L, sv, "service", names);
    }
    if (t->service != SCN_NONE) {
      const char *nm = s->services[t->service].name;
      uint32_t prev = nt_find(&L->traffic, nm);
      if (prev != SCN_NONE) {
        char w[LD_PATH_MAX];
        err_at(L, sv, "duplicate traffic entry for service \"%s\" (first at %s)", nm,
               where_text(L, node_at(L, L->traffic_ids[prev]), w, sizeof w));
      } else {
        nt_put(&L->traffic, nm, (uint32_t)(s->n_traffic - 1));
      }
    }
    yaml_node_t *rv = get(L, m, "rate");
    const char *rt;
    if (rv == NULL) {
      missing(L, m, "rate", path);
    } else if (val_scalar(L, rv, "rate", units_expected(UNITS_RATE), &rt) == 0) {
      int rc = units_parse_rate(rt, &t->rate_rps);
      if (rc != 0) {
        val_unit_error(L, rv, "rate", UNITS_RATE, rc, rt);
      } else if (t->rate_rps <= 0.0) {
        char q[128];
        err_at(L, rv, "invalid \"rate\": must be greater than 0, got \"%s\"",
               quote(q, sizeof q, rt));
      }
    }
    int v;
    if (opt_choice(L, m, "arrival", &arrival_choice, &v) == 1) {
      t->arrival = (scenario_arrival)v;
    }
    convert_bursts(L, m, path, t);
  }
  free(names);
}

/* -------------------------------------------------------------- failures */

static void convert_failures(loader *L, const yaml_node_t *root) {
  scenario *s = L->s;
  yaml_node_t *seq = opt_seq(L, root, "failures", "");
  if (seq == NULL || seq_len(seq) == 0) {
    return;
  }
  size_t n = seq_len(seq);
  s->failures = calloc(n, sizeof *s->failures);
  L->failure_ids = calloc(n, sizeof *L->failure_ids);
  if (s->failures == NULL || L->failure_ids == NULL || nt_init(&L->failures, n) != 0) {
    nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !stop(L); i++) {
    yaml_node_t *m = seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    element_path(L, path, sizeof path, "failures", m, "name", i);
    if (!check_map(L, m, &sch_failure, path)) {
      continue;
    }
    uint32_t idx = s->n_failures++;
    scenario_failure *f = &s->failures[idx];
    L->failure_ids[idx] = node_id(L, m);
    snprintf(f->name, sizeof f->name, "failure-%zu", i + 1);
    f->pick = SCN_PICK_RANDOM;
    f->kind = SCN_FAIL_CRASH;
    if (opt_name(L, m, "name", f->name) >= 0) {
      uint32_t prev = nt_find(&L->failures, f->name);
      if (prev != SCN_NONE) {
        char w[LD_PATH_MAX];
        err_at(L, get(L, m, "name") != NULL ? get(L, m, "name") : m,
               "duplicate failure \"%s\" (first defined at %s)", f->name,
               where_text(L, node_at(L, L->failure_ids[prev]), w, sizeof w));
      } else {
        nt_put(&L->failures, f->name, idx);
      }
    }
    int v;
    int has_target = opt_choice(L, m, "target", &target_choice, &v);
    if (has_target == 0) {
      missing(L, m, "target", path);
    } else if (has_target == 1) {
      f->target = (scenario_failure_target)v;
    }
    yaml_node_t *inst = get(L, m, "instance");
    yaml_node_t *pick = get(L, m, "pick");
    if (inst != NULL && pick != NULL) {
      err_at(L, pick, "a failure takes either \"instance\" or \"pick\", not both");
    } else if (inst != NULL) {
      if (val_name(L, inst, "instance", f->instance) == 0) {
        f->pick = SCN_PICK_NAMED;
      }
    } else if (opt_choice(L, m, "pick", &pick_choice, &v) == 1) {
      f->pick = (scenario_failure_pick)v;
    }
    if (opt_choice(L, m, "kind", &fkind_choice, &v) == 1) {
      f->kind = (scenario_failure_kind)v;
    }
    if (get(L, m, "at") == NULL) {
      missing(L, m, "at", path);
    } else if (opt_duration(L, m, "at", false, &f->at_ns) == 1 && f->at_ns >= s->meta.duration_ns) {
      warn_at(L, get(L, m, "at"),
              "failure \"%s\" starts at or after the end of the measured "
              "window",
              f->name);
    }
    if (get(L, m, "duration") == NULL) {
      missing(L, m, "duration", path);
    } else {
      opt_duration(L, m, "duration", true, &f->duration_ns);
    }
    yaml_node_t *drain = get(L, m, "drain");
    if (drain != NULL && f->kind != SCN_FAIL_UPGRADE) {
      err_at(L, drain, "\"drain\" applies only to failures of kind \"upgrade\"");
    } else {
      opt_duration(L, m, "drain", false, &f->drain_ns);
    }
  }
}

/* ------------------------------------------------------------ file input */

typedef enum read_status {
  READ_OK,
  READ_OPEN,
  READ_DIR,
  READ_TOO_LARGE,
  READ_ERROR,
  READ_NOMEM
} read_status;

/* Reads a whole file of at most max bytes into *out (malloc'd, not NUL-
 * terminated). Reads to EOF rather than trusting st_size, so pipes and
 * /dev/stdin work. *err_no holds errno for READ_OPEN and READ_ERROR. */
static read_status read_file(const char *path, size_t max, char **out, size_t *out_len,
                             int *err_no) {
  *out = NULL;
  *out_len = 0;
  *err_no = 0;
  struct stat st;
  if (stat(path, &st) != 0) {
    *err_no = errno;
    return READ_OPEN;
  }
  if (S_ISDIR(st.st_mode)) {
    return READ_DIR;
  }
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    *err_no = errno;
    return READ_OPEN;
  }
  size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
  if (cap > max + 1) {
    cap = max + 1;
  }
  char *buf = malloc(cap);
  size_t len = 0;
  read_status rc = buf != NULL ? READ_OK : READ_NOMEM;
  while (rc == READ_OK) {
    if (len == cap) {
      if (cap > max) {
        rc = READ_TOO_LARGE;
        break;
      }
      size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *nb = realloc(buf, ncap);
      if (nb == NULL) {
        rc = READ_NOMEM;
        break;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) {
        *err_no = errno;
        rc = READ_ERROR;
      }
      break;
    }
  }
  fclose(f);
  if (rc != READ_OK) {
    free(buf);
    return rc;
  }
  *out = buf;
  *out_len = len;
  return READ_OK;
}

/* ------------------------------------------------------------- CSV input */

/* call_graph_csv and traffic_csv: edges and entry rates exported from
 * Prometheus or Kiali, in RFC 4180 CSV parsed by libcsv (strict mode).
 * libcsv reports fields but not where they are, so the reader feeds it one
 * byte at a time and notes the line and column of each field's first
 * non-blank byte; a field libcsv completes is then known by position. It
 * also skips what libcsv has no notion of: a UTF-8 byte order mark and
 * comment lines (first non-blank character '#'). Empty lines are skipped by
 * libcsv itself. Rows are checked one by one against the scenario's
 * services; every bad row is reported ("calls.csv:4:9: error: ..."), and
 * only good rows are added, so a failed load is still all-or-nothing (the
 * caller frees the scenario on any error). */

#define CSVR_MAX_FIELDS 16 /* fields kept per row; more are only counted */

static const char *const csv_call_columns[] = {"source",   "target",        "calls_per_request",
                                               "protocol", "request_bytes", "response_bytes"};
static const char *const csv_traffic_columns[] = {"service", "rps"};
#define N_CALL_COLUMNS    (sizeof csv_call_columns / sizeof csv_call_columns[0])
#define N_TRAFFIC_COLUMNS (sizeof csv_traffic_columns / sizeof csv_traffic_columns[0])

typedef struct csvr_field {
  size_t off, len;    /* text in the row buffer, NUL-terminated there */
  uint32_t line, col; /* 1-based; its first non-blank byte */
} csvr_field;

typedef struct csv_reader csv_reader;
typedef void (*csvr_row_fn)(csv_reader *r);

struct csv_reader {
  loader *L;
  const char *file; /* for messages */
  csvr_row_fn on_row;
  void *user;
  char *buf; /* this row's fields */
  size_t buf_len, buf_cap;
  csvr_field fields[CSVR_MAX_FIELDS];
  size_t n_fields;    /* in this row, including those past CSVR_MAX_FIELDS */
  uint32_t line, col; /* of the byte being fed */
  bool have_start;    /* the current field's first non-blank byte was seen */
  uint32_t start_line, start_col;
  bool row_begun; /* a non-blank byte since the last row ended */
  size_t rows;    /* rows delivered, the header included */
  bool stopped;   /* no more rows wanted (header wrong, diag full, no memory) */
};

/* A reader of `file` calling on_row(r) for each row, r->user = user. */
static void csvr_init(csv_reader *r, loader *L, const char *file, csvr_row_fn on_row, void *user) {
  memset(r, 0, sizeof *r);
  r->L = L;
  r->file = file;
  r->on_row = on_row;
  r->user = user;
}

static const char *csvr_text(const csv_reader *r, size_t i) {
  return r->buf + r->fields[i].off;
}

static void csvr_on_field(void *data, size_t len, void *user) {
  csv_reader *r = user;
  if (r->stopped) {
    return;
  }
  size_t i = r->n_fields++;
  /* An empty field has no non-blank byte: it is where its delimiter is. */
  uint32_t line = r->have_start ? r->start_line : r->line;
  uint32_t col = r->have_start ? r->start_col : r->col;
  r->have_start = false;
  if (i >= CSVR_MAX_FIELDS) {
    return;
  }
  if (r->buf_len + len + 1 > r->buf_cap) {
    size_t cap = r->buf_cap > 0 ? r->buf_cap : 256;
    while (cap < r->buf_len + len + 1) {
      cap *= 2;
    }
    char *nb = realloc(r->buf, cap);
    if (nb == NULL) {
      nomem(r->L);
      r->stopped = true;
      return;
    }
    r->buf = nb;
    r->buf_cap = cap;
  }
  if (len > 0) {
    memcpy(r->buf + r->buf_len, data, len);
  }
  r->buf[r->buf_len + len] = '\0';
  r->fields[i] = (csvr_field){r->buf_len, len, line, col};
  r->buf_len += len + 1;
}

static void csvr_on_row(int terminator, void *user) {
  (void)terminator;
  csv_reader *r = user;
  if (!r->stopped && r->n_fields > 0) {
    r->on_row(r);
    r->rows++;
  }
  r->n_fields = 0;
  r->buf_len = 0;
  r->have_start = false;
  r->row_begun = false;
  if (stop(r->L)) {
    r->stopped = true;
  }
}

/* Parses bytes, calling r->on_row for every row. Returns 0, or -1 after
 * reporting a file that is not valid CSV. */
static int csvr_run(csv_reader *r, const char *bytes, size_t len) {
  loader *L = r->L;
  const unsigned char *u = (const unsigned char *)bytes;
  if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
    return diag_error(L->diag, r->file, 0, 0,
                      "file is UTF-16 encoded; save it as UTF-8 (CSV inputs must be UTF-8)");
  }
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
    return nomem(L);
  }
  size_t i = len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* as Excel writes */
  r->line = 1;
  r->col = 1;
  bool comment = false, prev_cr = false;
  int rc = 0;
  for (; i < len && !r->stopped; i++) {
    unsigned char c = u[i];
    if (comment) {
      comment = c != '\n' && c != '\r';
    } else if (!r->row_begun && c == '#') {
      comment = true;
    } else {
      if (!r->have_start && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        r->have_start = true;
        r->row_begun = true;
        r->start_line = r->line;
        r->start_col = r->col;
      }
      if (csv_parse(&p, &c, 1, csvr_on_field, csvr_on_row, r) != 1) {
        if (csv_error(&p) != CSV_EPARSE) {
          rc = nomem(L);
        } else if (c == '"') {
          rc = diag_error(L->diag, r->file, r->line, r->col,
                          "malformed CSV: a double quote inside an unquoted field; quote the "
                          "whole field and double the quotes in it (RFC 4180)");
        } else {
          rc = diag_error(L->diag, r->file, r->line, r->col,
                          "malformed CSV: text after a closing quote; expected a comma or the "
                          "end of the line");
        }
        break;
      }
    }
    if (c == '\n') {
      r->line += prev_cr ? 0 : 1; /* CR LF is one line break */
      r->col = 1;
    } else if (c == '\r') {
      r->line++;
      r->col = 1;
    } else if ((c & 0xC0) != 0x80) {
      r->col++; /* columns count characters, as for YAML */
    }
    prev_cr = c == '\r';
  }
  if (rc == 0 && !r->stopped && csv_fini(&p, csvr_on_field, csvr_on_row, r) != 0) {
    if (csv_error(&p) != CSV_EPARSE) {
      rc = nomem(L);
    } else {
      rc = diag_error(L->diag, r->file, r->start_line, r->start_col,
                      "malformed CSV: this quoted field is not closed before the end of the "
                      "file");
    }
  }
  csv_free(&p);
  return rc;
}

/* Reports at field i of the current row (SIZE_MAX: the row's start). */
__attribute__((format(printf, 3, 4))) static int csv_err(csv_reader *r, size_t i, const char *fmt,
                                                         ...) {
  size_t k = i < r->n_fields && i < CSVR_MAX_FIELDS ? i : 0;
  char msg[LD_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag_error(r->L->diag, r->file, r->fields[k].line, r->fields[k].col, "%s", msg);
  return -1;
}

/* "a,b,c" from the kept fields or from column names, for messages. */
static const char *csv_join(char *buf, size_t size, const char *const *cols, size_t n) {
  join_sep(buf, size, cols, n, ",");
  return buf;
}

/* The first row must name the columns exactly, in order. Anything else
 * stops the file: its rows cannot be read without knowing the columns. */
static bool csv_check_header(csv_reader *r, const char *const *cols, size_t n) {
  char want[256];
  csv_join(want, sizeof want, cols, n);
  size_t kept = r->n_fields < CSVR_MAX_FIELDS ? r->n_fields : CSVR_MAX_FIELDS;
  size_t matching = 0, first_bad = SIZE_MAX;
  for (size_t i = 0; i < kept && i < n; i++) {
    if (strcmp(csvr_text(r, i), cols[i]) == 0) {
      matching++;
    } else if (first_bad == SIZE_MAX) {
      first_bad = i;
    }
  }
  if (r->n_fields == n && matching == n) {
    return true;
  }
  r->stopped = true;
  char q[128];
  if (r->n_fields == n && matching > 0) {
    char q2[128];
    csv_err(r, first_bad, "expected the header row \"%s\": column %zu is \"%s\", expected \"%s\"",
            want, first_bad + 1, diag_quote(q, sizeof q, csvr_text(r, first_bad), 60),
            diag_quote(q2, sizeof q2, cols[first_bad], 60));
    return false;
  }
  const char *got[CSVR_MAX_FIELDS];
  for (size_t i = 0; i < kept; i++) {
    got[i] = csvr_text(r, i);
  }
  char g[512];
  csv_join(g, sizeof g, got, kept);
  if (r->n_fields > kept && strlen(g) + 5 < sizeof g) {
    strcat(g, ",...");
  }
  csv_err(r, SIZE_MAX, "expected the header row \"%s\", got \"%s\"", want,
          diag_quote(q, sizeof q, g, 100));
  return false;
}

/* Data rows have exactly the header's fields. */
static bool csv_check_width(csv_reader *r, const char *const *cols, size_t n) {
  if (r->n_fields == n) {
    return true;
  }
  char want[256];
  csv_err(r, SIZE_MAX, "expected %zu fields (%s), got %zu", n, csv_join(want, sizeof want, cols, n),
          r->n_fields);
  return false;
}

/* Whether r's current row is a data row to convert: the first row is the
 * header, checked against cols; a data row must have as many fields. */
static bool csv_data_row(csv_reader *r, const char *const *cols, size_t n) {
  if (r->rows == 0) {
    csv_check_header(r, cols, n);
    return false;
  }
  return csv_check_width(r, cols, n);
}

/* Field i as text; NULL (after reporting) when it holds a NUL byte. */
static const char *csv_field(csv_reader *r, size_t i, const char *key) {
  const char *t = csvr_text(r, i);
  if (strlen(t) != r->fields[i].len) {
    csv_err(r, i, "invalid \"%s\": contains a NUL character", key);
    return NULL;
  }
  return t;
}

/* A service name in field i: its index, or SCN_NONE after reporting. */
static uint32_t csv_service(csv_reader *r, size_t i, const char *key, const char **names) {
  loader *L = r->L;
  const char *t = csv_field(r, i, key);
  if (t == NULL) {
    return SCN_NONE;
  }
  if (t[0] == '\0') {
    csv_err(r, i, "invalid \"%s\": expected a service name, got nothing", key);
    return SCN_NONE;
  }
  uint32_t idx = nt_find(&L->services, t);
  if (idx == SCN_NONE && !L->services_incomplete) {
    char q[128], sug[640];
    csv_err(r, i, "unknown service \"%s\"%s", quote(q, sizeof q, t),
            suggestion(sug, sizeof sug, t, names, L->s->n_services, "services"));
  }
  return idx;
}

/* "shop.yaml line 14", or the override that wrote the node. */
static const char *where_file(loader *L, const yaml_node_t *n, char *buf, size_t size) {
  const char *file;
  uint32_t line, col;
  locate(L, n, &file, &line, &col);
  if (file == L->file) {
    snprintf(buf, size, "%s line %u", file, line);
  } else {
    snprintf(buf, size, "%s", file);
  }
  return buf;
}

/* Open addressing over (source, target) pairs: a call graph of 20,000
 * services has too many edges for a scan per row. Keys are pair + 1 so
 * that 0 marks an empty slot. */
typedef struct pair_table {
  uint64_t *keys;
  uint32_t *vals;
  size_t mask;
} pair_table;

static int pt_init(pair_table *t, size_t n) {
  size_t cap = table_cap(n);
  t->keys = calloc(cap, sizeof *t->keys);
  t->vals = calloc(cap, sizeof *t->vals);
  t->mask = cap - 1;
  if (t->keys == NULL || t->vals == NULL) {
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
    return SIM_ENOMEM;
  }
  return 0;
}

static void pt_free(pair_table *t) {
  free(t->keys);
  free(t->vals);
  memset(t, 0, sizeof *t);
}

/* The slot of (a, b): holding it, or the empty one where it goes. */
static size_t pt_slot(const pair_table *t, uint32_t a, uint32_t b, uint64_t *key) {
  *key = (((uint64_t)a << 32) | b) + 1;
  size_t i = (size_t)fnv1a(key, sizeof *key, FNV_OFFSET) & t->mask;
  while (t->keys[i] != 0 && t->keys[i] != *key) {
    i = (i + 1) & t->mask;
  }
  return i;
}

/* The value stored for (a, b), or UINT32_MAX. */
static uint32_t pt_find(const pair_table *t, uint32_t a, uint32_t b) {
  uint64_t key;
  size_t i = pt_slot(t, a, b, &key);
  return t->keys[i] == key ? t->vals[i] : UINT32_MAX;
}

/* Stores val for (a, b) unless it is there already. The caller sized the
 * table for every insert it makes. */
static void pt_put(pair_table *t, uint32_t a, uint32_t b, uint32_t val) {
  uint64_t key;
  size_t i = pt_slot(t, a, b, &key);
  if (t->keys[i] == 0) {
    t->keys[i] = key;
    t->vals[i] = val;
  }
}

/* One good call-graph row, waiting to be appended to its source's calls. */
typedef struct csv_edge {
  uint32_t source;
  scenario_call call;
  call_aux aux;
} csv_edge;

typedef struct calls_ctx {
  const char **names;
  uint32_t n_yaml_calls; /* pair values below this are YAML calls (flat index) */
  uint32_t *yaml_owner;  /* per YAML call: its service */
  pair_table pairs;
  csv_edge *edges;
  size_t n_edges, cap_edges;
  uint32_t *proto_line; /* per service: the CSV line that set its protocol (0: none) */
  uint8_t *proto_name;  /* ... and how it was written (index into proto_names) */
} calls_ctx;

/* calls_per_request (field 2): a mean m > 0, at most LD_MAX_CALL_COUNT;
 * 0 after reporting. */
static double csv_calls_per_request(csv_reader *r) {
  double mean = 0.0;
  const char *t = csv_field(r, 2, "calls_per_request");
  if (t == NULL) {
    return mean;
  }
  char q[128];
  int rc = units_parse_number(t, &mean);
  if (t[0] == '\0') {
    csv_err(r, 2, "invalid \"calls_per_request\": expected %s, got nothing",
            units_expected(UNITS_NUMBER));
  } else if (rc != 0) {
    csv_err(r, 2, "invalid \"calls_per_request\": expected %s, got \"%s\"",
            units_expected(UNITS_NUMBER), quote(q, sizeof q, t));
  } else if (!(mean > 0.0)) {
    csv_err(r, 2, "invalid \"calls_per_request\": must be greater than 0, got %s",
            quote(q, sizeof q, t));
  } else if (mean > (double)LD_MAX_CALL_COUNT) {
    csv_err(r, 2, "invalid \"calls_per_request\": must be at most %u, got %s", LD_MAX_CALL_COUNT,
            quote(q, sizeof q, t));
  }
  return mean;
}

/* protocol (field 3): an index into proto_names, -1 when empty or bad. */
static int csv_protocol(csv_reader *r) {
  int proto = -1;
  const char *t = csv_field(r, 3, "protocol");
  if (t == NULL || t[0] == '\0') {
    return proto;
  }
  for (size_t k = 0; k < proto_choice.n && proto < 0; k++) {
    proto = strcmp(t, proto_names[k]) == 0 ? (int)k : -1;
  }
  if (proto < 0) {
    char q[128], sug[512];
    csv_err(r, 3, "unknown protocol \"%s\"%s", quote(q, sizeof q, t),
            suggestion(sug, sizeof sug, t, proto_names, proto_choice.n, "protocols"));
  }
  return proto;
}

/* request_bytes and response_bytes (fields 4, 5); an empty one is left
 * unset: the callee's size, as in YAML. */
static void csv_call_sizes(csv_reader *r, csv_edge *e) {
  static const char *const size_keys[] = {"request_bytes", "response_bytes"};
  int64_t *size_out[] = {&e->call.request_bytes, &e->call.response_bytes};
  bool *size_has[] = {&e->aux.has_request_size, &e->aux.has_response_size};
  for (size_t k = 0; k < 2; k++) {
    const char *t = csv_field(r, 4 + k, size_keys[k]);
    if (t == NULL || t[0] == '\0') {
      continue;
    }
    int rc = units_parse_size(t, size_out[k]);
    if (rc != 0) {
      char msg[256];
      csv_err(r, 4 + k, "invalid \"%s\": %s", size_keys[k],
              units_describe_error(UNITS_SIZE, rc, t, msg, sizeof msg));
    } else {
      *size_has[k] = true;
    }
  }
}

/* The same edge twice is a mistake, whether both are in the CSV or one
 * in the YAML (most often a call left in `calls:` after exporting).
 * Returns true after reporting one. */
static bool csv_duplicate_call(csv_reader *r, const calls_ctx *cx, uint32_t src, uint32_t tgt) {
  loader *L = r->L;
  uint32_t prev = pt_find(&cx->pairs, src, tgt);
  if (prev == UINT32_MAX) {
    return false;
  }
  const char *sn = L->s->services[src].name, *tn = L->s->services[tgt].name;
  char w[LD_PATH_MAX + LD_FILE_MAX];
  if (prev >= cx->n_yaml_calls) {
    csv_err(r, 0, "duplicate call \"%s\" -> \"%s\" (first at line %u)", sn, tn,
            cx->edges[prev - cx->n_yaml_calls].aux.csv_line);
  } else {
    csv_err(r, 0, "duplicate call \"%s\" -> \"%s\" (first at %s, in \"services.%s.calls\")", sn, tn,
            where_file(L, node_at(L, L->calls[prev].service_id), w, sizeof w),
            L->s->services[cx->yaml_owner[prev]].name);
  }
  return true;
}

/* The protocol belongs to the target service: the CSV may state it where
 * the YAML does not, but not contradict the YAML or an earlier row.
 * Returns true after reporting a contradiction. */
static bool csv_protocol_conflict(csv_reader *r, const calls_ctx *cx, uint32_t tgt, int proto) {
  loader *L = r->L;
  if (proto < 0) {
    return false;
  }
  scenario_service *tv = &L->s->services[tgt];
  mesh_proto want = (mesh_proto)proto_values[proto];
  yaml_node_t *pv = get(L, node_at(L, L->svc_ids[tgt]), "protocol");
  char w[LD_FILE_MAX + 64], q[128];
  if (pv != NULL && tv->protocol != want) {
    csv_err(r, 3, "protocol \"%s\" for service \"%s\" conflicts with \"%s\" set at %s",
            proto_names[proto], tv->name, quote(q, sizeof q, sval(pv)),
            where_file(L, pv, w, sizeof w));
    return true;
  }
  if (pv == NULL && cx->proto_line[tgt] != 0 && tv->protocol != want) {
    csv_err(r, 3, "protocol \"%s\" for service \"%s\" conflicts with \"%s\" set at line %u",
            proto_names[proto], tv->name, proto_names[cx->proto_name[tgt]], cx->proto_line[tgt]);
    return true;
  }
  return false;
}

/* Room for one more edge; false (reading stops) when out of memory. */
static bool csv_reserve_edge(csv_reader *r, calls_ctx *cx) {
  if (cx->n_edges < cx->cap_edges) {
    return true;
  }
  size_t cap = cx->cap_edges > 0 ? 2 * cx->cap_edges : 64;
  csv_edge *ne = realloc(cx->edges, cap * sizeof *ne);
  if (ne == NULL) {
    nomem(r->L);
    r->stopped = true;
    return false;
  }
  cx->edges = ne;
  cx->cap_edges = cap;
  return true;
}

/* calls_per_request as count * probability with the fewest calls that
 * can carry it: count = ceil(m), p = m / count. */
static void call_from_mean(scenario_call *c, double mean) {
  /* Ratios computed from Prometheus rates carry float noise: 3.0000000001
   * is 3 calls, not 4 at p = 0.75 (same mean, but a different fan-out). */
  double whole = round(mean);
  if (whole >= 1.0 && fabs(mean - whole) <= 1e-9 * whole) {
    mean = whole;
  }
  c->count = (uint32_t)ceil(mean);
  c->probability = mean / (double)c->count;
}

/* Adds a checked row: sets the target's protocol when the CSV is the
 * first to state it, and fills in the sizes left to the callee. */
static void csv_add_edge(csv_reader *r, calls_ctx *cx, csv_edge *e, uint32_t src, uint32_t tgt,
                         int proto, double mean) {
  loader *L = r->L;
  if (proto >= 0 && get(L, node_at(L, L->svc_ids[tgt]), "protocol") == NULL &&
      cx->proto_line[tgt] == 0) {
    L->s->services[tgt].protocol = (mesh_proto)proto_values[proto];
    cx->proto_line[tgt] = r->fields[3].line;
    cx->proto_name[tgt] = (uint8_t)proto;
  }
  pt_put(&cx->pairs, src, tgt, cx->n_yaml_calls + (uint32_t)cx->n_edges);
  e->source = src;
  e->call.target = tgt;
  call_from_mean(&e->call, mean);
  if (!e->aux.has_request_size) {
    e->call.request_bytes = L->s->services[tgt].request_bytes;
  }
  if (!e->aux.has_response_size) {
    e->call.response_bytes = L->s->services[tgt].response_bytes;
  }
  e->aux.csv_line = r->fields[1].line;
  e->aux.csv_col = r->fields[1].col;
  cx->edges[cx->n_edges++] = *e;
}

/* One call-graph row: every field is checked (so a row shows all its
 * mistakes) before the row is checked against the calls already known. */
static void calls_row(csv_reader *r) {
  loader *L = r->L;
  calls_ctx *cx = r->user;
  if (!csv_data_row(r, csv_call_columns, N_CALL_COLUMNS)) {
    return;
  }
  size_t errors = diag_error_count(L->diag);
  uint32_t src = csv_service(r, 0, "source", cx->names);
  uint32_t tgt = csv_service(r, 1, "target", cx->names);
  double mean = csv_calls_per_request(r);
  int proto = csv_protocol(r);
  csv_edge e;
  memset(&e, 0, sizeof e);
  csv_call_sizes(r, &e);
  if (diag_error_count(L->diag) > errors || src == SCN_NONE || tgt == SCN_NONE) {
    return;
  }
  if (csv_duplicate_call(r, cx, src, tgt) || csv_protocol_conflict(r, cx, tgt, proto) ||
      !csv_reserve_edge(r, cx)) {
    return;
  }
  csv_add_edge(r, cx, &e, src, tgt, proto, mean);
}

/* Appends the CSV edges to their sources' calls, after the YAML ones, and
 * rebuilds the per-call side table so the cycle check can place them. */
static void append_csv_calls(loader *L, calls_ctx *cx) {
  scenario *s = L->s;
  uint32_t n = s->n_services;
  uint32_t *extra = calloc(n + 1, sizeof *extra);
  uint32_t *start = calloc(n + 1, sizeof *start);
  call_aux *aux = calloc(cx->n_yaml_calls + cx->n_edges + 1, sizeof *aux);
  if (extra == NULL || start == NULL || aux == NULL) {
    free(extra);
    free(start);
    free(aux);
    nomem(L);
    return;
  }
  for (size_t k = 0; k < cx->n_edges; k++) {
    extra[cx->edges[k].source]++;
  }
  uint32_t off = 0;
  for (uint32_t i = 0; i < n; i++) {
    scenario_service *sv = &s->services[i];
    start[i] = off;
    memcpy(aux + off, L->calls + L->call_start[i], sv->n_calls * sizeof *aux);
    off += sv->n_calls + extra[i];
    if (extra[i] > 0) {
      scenario_call *nc = realloc(sv->calls, (sv->n_calls + extra[i]) * sizeof *nc);
      if (nc == NULL) {
        free(extra);
        free(start);
        free(aux);
        nomem(L);
        return;
      }
      sv->calls = nc;
    }
  }
  start[n] = off;
  for (size_t k = 0; k < cx->n_edges; k++) {
    const csv_edge *e = &cx->edges[k];
    scenario_service *sv = &s->services[e->source];
    aux[start[e->source] + sv->n_calls] = e->aux;
    sv->calls[sv->n_calls++] = e->call;
  }
  free(L->calls);
  free(L->call_start);
  L->calls = aux;
  L->call_start = start;
  free(extra);
}

static void load_call_graph_csv(loader *L) {
  scenario *s = L->s;
  csv_input *in = &L->csv[CSV_CALLS];
  calls_ctx cx;
  memset(&cx, 0, sizeof cx);
  uint32_t n = s->n_services;
  cx.n_yaml_calls = L->call_start != NULL ? L->call_start[n] : 0;
  /* Every row may add a pair: size the table for one per line. */
  size_t max_rows = cx.n_yaml_calls + 1;
  for (size_t i = 0; i < in->len; i++) {
    max_rows += in->bytes[i] == '\n' || in->bytes[i] == '\r';
  }
  cx.names = service_names(L);
  cx.yaml_owner = calloc(cx.n_yaml_calls + 1, sizeof *cx.yaml_owner);
  cx.proto_line = calloc(n + 1, sizeof *cx.proto_line);
  cx.proto_name = calloc(n + 1, sizeof *cx.proto_name);
  if (cx.names == NULL || cx.yaml_owner == NULL || cx.proto_line == NULL || cx.proto_name == NULL ||
      pt_init(&cx.pairs, max_rows) != 0) {
    nomem(L);
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) {
    for (uint32_t j = 0; j < s->services[i].n_calls; j++) {
      uint32_t flat = L->call_start[i] + j;
      cx.yaml_owner[flat] = i;
      if (s->services[i].calls[j].target != SCN_NONE) {
        pt_put(&cx.pairs, i, s->services[i].calls[j].target, flat);
      }
    }
  }
  csv_reader r;
  csvr_init(&r, L, in->path, calls_row, &cx);
  size_t errors = diag_error_count(L->diag);
  if (csvr_run(&r, in->bytes, in->len) == 0 && r.rows == 0 && diag_error_count(L->diag) == errors) {
    char want[256];
    diag_error(L->diag, in->path, 0, 0, "file is empty; expected the header row \"%s\"",
               csv_join(want, sizeof want, csv_call_columns, N_CALL_COLUMNS));
  }
  free(r.buf);
  if (cx.n_edges > 0 && !L->nomem) {
    append_csv_calls(L, &cx);
  }
done:
  free(cx.names);
  free(cx.yaml_owner);
  free(cx.proto_line);
  free(cx.proto_name);
  free(cx.edges);
  pt_free(&cx.pairs);
}

typedef struct traffic_ctx {
  const char **names;
  uint32_t *yaml_entry; /* per service: its YAML traffic entry + 1 (0: none) */
  uint32_t *csv_line;   /* per service: the CSV line that gave it traffic (0: none) */
  scenario_traffic *rows;
  size_t n_rows, cap_rows;
} traffic_ctx;

static void traffic_row(csv_reader *r) {
  loader *L = r->L;
  traffic_ctx *cx = r->user;
  if (!csv_data_row(r, csv_traffic_columns, N_TRAFFIC_COLUMNS)) {
    return;
  }
  size_t errors = diag_error_count(L->diag);
  uint32_t svc = csv_service(r, 0, "service", cx->names);
  double rate = 0.0;
  const char *t = csv_field(r, 1, "rps");
  char q[128];
  if (t != NULL) {
    int rc = units_parse_rate(t, &rate);
    if (t[0] == '\0') {
      csv_err(r, 1, "invalid \"rps\": expected %s, got nothing", units_expected(UNITS_RATE));
    } else if (rc != 0) {
      char msg[256];
      csv_err(r, 1, "invalid \"rps\": %s",
              units_describe_error(UNITS_RATE, rc, t, msg, sizeof msg));
    } else if (!(rate > 0.0)) {
      csv_err(r, 1, "invalid \"rps\": must be greater than 0, got \"%s\"", quote(q, sizeof q, t));
    }
  }
  if (diag_error_count(L->diag) > errors || svc == SCN_NONE) {
    return;
  }
  const char *name = L->s->services[svc].name;
  if (cx->yaml_entry[svc] != 0) {
    char w[LD_FILE_MAX + 64];
    csv_err(r, 0, "duplicate traffic entry for service \"%s\" (first at %s)", name,
            where_file(L, node_at(L, L->traffic_ids[cx->yaml_entry[svc] - 1]), w, sizeof w));
    return;
  }
  if (cx->csv_line[svc] != 0) {
    csv_err(r, 0, "duplicate traffic entry for service \"%s\" (first at line %u)", name,
            cx->csv_line[svc]);
    return;
  }
  cx->csv_line[svc] = r->fields[0].line;
  if (cx->n_rows == cx->cap_rows) {
    size_t cap = cx->cap_rows > 0 ? 2 * cx->cap_rows : 16;
    scenario_traffic *nr = realloc(cx->rows, cap * sizeof *nr);
    if (nr == NULL) {
      nomem(L);
      r->stopped = true;
      return;
    }
    cx->rows = nr;
    cx->cap_rows = cap;
  }
  scenario_traffic *e = &cx->rows[cx->n_rows++];
  memset(e, 0, sizeof *e);
  e->service = svc;
  e->rate_rps = rate;
  e->arrival = SCN_ARRIVAL_POISSON;
}

static void load_traffic_csv(loader *L) {
  scenario *s = L->s;
  csv_input *in = &L->csv[CSV_TRAFFIC];
  traffic_ctx cx;
  memset(&cx, 0, sizeof cx);
  cx.names = service_names(L);
  cx.yaml_entry = calloc(s->n_services + 1, sizeof *cx.yaml_entry);
  cx.csv_line = calloc(s->n_services + 1, sizeof *cx.csv_line);
  if (cx.names == NULL || cx.yaml_entry == NULL || cx.csv_line == NULL) {
    nomem(L);
    goto done;
  }
  for (uint32_t k = 0; k < s->n_traffic; k++) {
    uint32_t svc = s->traffic[k].service;
    if (svc != SCN_NONE && cx.yaml_entry[svc] == 0) {
      cx.yaml_entry[svc] = k + 1;
    }
  }
  csv_reader r;
  csvr_init(&r, L, in->path, traffic_row, &cx);
  size_t errors = diag_error_count(L->diag);
  int rc = csvr_run(&r, in->bytes, in->len);
  free(r.buf);
  if (rc != 0 || diag_error_count(L->diag) > errors) {
    goto done;
  }
  char want[64];
  csv_join(want, sizeof want, csv_traffic_columns, N_TRAFFIC_COLUMNS);
  if (r.rows == 0) {
    diag_error(L->diag, in->path, 0, 0, "file is empty; expected the header row \"%s\"", want);
    goto done;
  }
  if (cx.n_rows == 0 && s->n_traffic == 0) {
    diag_error(L->diag, in->path, 0, 0,
               "no rows after the header and no \"traffic\" in the scenario: at least one "
               "service needs external traffic");
    goto done;
  }
  if (cx.n_rows > 0) {
    scenario_traffic *nt = realloc(s->traffic, (s->n_traffic + cx.n_rows) * sizeof *nt);
    if (nt == NULL) {
      nomem(L);
      goto done;
    }
    s->traffic = nt;
    memcpy(s->traffic + s->n_traffic, cx.rows, cx.n_rows * sizeof *nt);
    s->n_traffic += (uint32_t)cx.n_rows;
  }
done:
  free(cx.names);
  free(cx.yaml_entry);
  free(cx.csv_line);
  free(cx.rows);
}

/* Reads the file named by `call_graph_csv` / `traffic_csv`. A path from the
 * scenario file is relative to that file's folder; one from `--set` is
 * relative to the current directory, like any command-line path. Returns
 * true when the file was read (errors are reported at the key's value). */
static bool read_csv_input(loader *L, const yaml_node_t *root, csv_kind kind) {
  static const char *const keys[] = {"call_graph_csv", "traffic_csv"};
  const char *key = keys[kind];
  csv_input *in = &L->csv[kind];
  yaml_node_t *v = get(L, root, key);
  if (v == NULL) {
    return false;
  }
  in->used = true;
  const char *t;
  if (val_scalar(L, v, key, "a file path", &t) != 0) {
    return false;
  }
  if (t[0] == '\0') {
    err_at(L, v, "invalid \"%s\": expected a file path, got nothing", key);
    return false;
  }
  const char *file;
  uint32_t line, col;
  locate(L, v, &file, &line, &col);
  const char *slash = strrchr(L->file, '/');
  int w;
  if (t[0] != '/' && file == L->file && slash != NULL) {
    w = snprintf(in->path, sizeof in->path, "%.*s/%s", (int)(slash - L->file), L->file, t);
  } else {
    w = snprintf(in->path, sizeof in->path, "%s", t);
  }
  /* Paths are quoted whole: a cut one would not say which file. */
  char q[2 * LD_FILE_MAX + 16];
  if (w < 0 || (size_t)w >= sizeof in->path) {
    err_at(L, v, "invalid \"%s\": the path \"%s\" is too long (at most %zu bytes)", key,
           diag_quote(q, sizeof q, t, LD_FILE_MAX), sizeof in->path - 1);
    return false;
  }
  int err_no;
  switch (read_file(in->path, SCENARIO_LOAD_MAX_BYTES, &in->bytes, &in->len, &err_no)) {
  case READ_OK:
    return true;
  case READ_OPEN:
    err_at(L, v, "invalid \"%s\": cannot open \"%s\": %s", key,
           diag_quote(q, sizeof q, in->path, LD_FILE_MAX), strerror(err_no));
    break;
  case READ_DIR:
    err_at(L, v, "invalid \"%s\": \"%s\" is a directory; expected a CSV file", key,
           diag_quote(q, sizeof q, in->path, LD_FILE_MAX));
    break;
  case READ_TOO_LARGE:
    err_at(L, v, "invalid \"%s\": \"%s\" is too large (more than %zu MiB)", key,
           diag_quote(q, sizeof q, in->path, LD_FILE_MAX), SCENARIO_LOAD_MAX_BYTES >> 20);
    break;
  case READ_ERROR:
    err_at(L, v, "invalid \"%s\": cannot read \"%s\": %s", key,
           diag_quote(q, sizeof q, in->path, LD_FILE_MAX), strerror(err_no));
    break;
  case READ_NOMEM:
    nomem(L);
    break;
  }
  return false;
}

/* Services no traffic can reach are probably a mistake (a missing call). */
static void warn_unreached(loader *L) {
  scenario *s = L->s;
  uint32_t n = s->n_services;
  uint8_t *seen = calloc(n, 1);
  uint32_t *queue = calloc(n, sizeof *queue);
  if (seen == NULL || queue == NULL) {
    free(seen);
    free(queue);
    return; /* only a warning */
  }
  uint32_t head = 0, tail = 0;
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    uint32_t e = s->traffic[i].service;
    if (e != SCN_NONE && !seen[e]) {
      seen[e] = 1;
      queue[tail++] = e;
    }
  }
  while (head < tail) {
    scenario_service *sv = &s->services[queue[head++]];
    for (uint32_t j = 0; j < sv->n_calls; j++) {
      uint32_t t = sv->calls[j].target;
      if (t != SCN_NONE && !seen[t]) {
        seen[t] = 1;
        queue[tail++] = t;
      }
    }
  }
  uint32_t shown = 0, more = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (seen[i] || s->services[i].name[0] == '\0') {
      continue;
    }
    if (shown < 5) {
      warn_at(L, node_at(L, L->svc_ids[i]),
              "service \"%s\" receives no traffic (no traffic entry reaches it through calls)",
              s->services[i].name);
      shown++;
    } else {
      more++;
    }
  }
  if (more > 0) {
    warn_at(L, NULL, "%u more services receive no traffic", more);
  }
  free(seen);
  free(queue);
}

static void convert_all(loader *L) {
  yaml_node_t *root = node_at(L, L->root_id);
  if (!check_map(L, root, &sch_root, "")) {
    return;
  }
  convert_metadata(L, root);
  if (!stop(L)) {
    convert_cluster(L, root);
  }
  if (!stop(L)) {
    convert_pricing(L, root);
  }
  if (!stop(L)) {
    convert_mesh(L, root);
  }
  if (!stop(L)) {
    convert_services(L, root); /* namespaces first, inside */
  }
  if (!stop(L)) {
    resolve_calls(L);
  }
  /* CSV inputs after the YAML they extend: services first (names to
   * resolve), then YAML calls and traffic (duplicates to detect). */
  bool have_calls_csv = !stop(L) && read_csv_input(L, root, CSV_CALLS);
  bool have_traffic_csv = !stop(L) && read_csv_input(L, root, CSV_TRAFFIC);
  if (have_calls_csv && !stop(L)) {
    load_call_graph_csv(L);
  }
  if (!stop(L)) {
    convert_traffic(L, root);
  }
  if (have_traffic_csv && !stop(L)) {
    load_traffic_csv(L);
  }
  if (!stop(L)) {
    convert_failures(L, root);
  }
  if (!stop(L) && L->s->n_services > 0) {
    check_cycles(L);
  }
  if (!stop(L)) {
    check_capacity(L);
  }
  /* Reachability is only worth a warning in an otherwise valid file. */
  if (diag_error_count(L->diag) == L->errors_before && L->s->n_traffic > 0) {
    warn_unreached(L);
  }
}

/* ------------------------------------------------------------ YAML input */

/* Byte offset of a libyaml mark (whose column counts characters). */
static size_t mark_offset(const char *bytes, size_t len, size_t line, size_t column) {
  size_t i = 0, l = 0;
  while (l < line && i < len) {
    if (bytes[i] == '\n') {
      l++;
    }
    i++;
  }
  for (size_t c = 0; c < column && i < len && bytes[i] != '\n'; c++) {
    i++;
    while (i < len && ((unsigned char)bytes[i] & 0xC0) == 0x80) {
      i++;
    }
  }
  return i;
}

/* Reports a libyaml failure. For an override value (parsed on its own,
 * `override` true) positions are shifted by col_offset into "KEY=VALUE",
 * and a mark past a one-line value (libyaml's end of input) is pulled back
 * to just after it. */
static void report_yaml_error(loader *L, const yaml_parser_t *p, const char *file,
                              const char *bytes, size_t len, bool override, size_t col_offset) {
  char msg[LD_MSG_MAX];
  size_t line0 = 0, col0 = 0; /* zero-based, columns in characters */
  if (p->error == YAML_MEMORY_ERROR) {
    nomem(L);
    return;
  }
  const char *problem = p->problem != NULL ? p->problem : "syntax error";
  if (p->error == YAML_READER_ERROR) {
    /* Reader errors carry a byte offset, not a mark. */
    size_t off = p->problem_offset < len ? p->problem_offset : len;
    for (size_t i = 0; i < off; i++) {
      if (bytes[i] == '\n') {
        line0++;
        col0 = 0;
      } else if (((unsigned char)bytes[i] & 0xC0) != 0x80) {
        col0++;
      }
    }
    if (p->problem_value != -1) {
      snprintf(msg, sizeof msg, "yaml: %s (byte 0x%02x)", problem, (unsigned)p->problem_value);
    } else {
      snprintf(msg, sizeof msg, "yaml: %s", problem);
    }
  } else {
    const yaml_mark_t *mk = &p->problem_mark;
    line0 = mk->line;
    col0 = mk->column;
    if (p->context != NULL && p->context_mark.line != mk->line && !override) {
      snprintf(msg, sizeof msg, "yaml: %s (%s at line %zu, column %zu)", problem, p->context,
               p->context_mark.line + 1, p->context_mark.column + 1);
    } else if (p->context != NULL) {
      snprintf(msg, sizeof msg, "yaml: %s (%s)", problem, p->context);
    } else {
      snprintf(msg, sizeof msg, "yaml: %s", problem);
    }
    /* Tabs are the classic cause of "cannot start any token". */
    size_t off = mark_offset(bytes, len, mk->line, mk->column);
    if (off < len && bytes[off] == '\t') {
      size_t used = strlen(msg);
      snprintf(msg + used, sizeof msg - used, "; tabs are not allowed for indentation");
    }
  }
  if (override && memchr(bytes, '\n', len) == NULL && line0 > 0) {
    line0 = 0;
    col0 = len; /* one past the last character */
  }
  if (override && line0 == 0) {
    col0 += col_offset;
  }
  diag_error(L->diag, file, (uint32_t)line0 + 1, (uint32_t)col0 + 1, "%s", msg);
}

/* The first byte that is not valid UTF-8, or len when all are. Overlong
 * forms, surrogates and code points past U+10FFFF count as invalid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + n >= len) {
      return i; /* truncated sequence */
    }
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xC0) != 0x80) {
        return i;
      }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += n + 1;
  }
  return len;
}

/* libyaml's scanner re-examines every pending simple key on each token, and
 * each open "[" or "{" holds one, so parsing costs O(tokens * flow depth):
 * 30,000 nested brackets take seconds, 200,000 over a minute. No scenario
 * nests flow collections more than a few levels, so refuse deep nesting
 * before libyaml sees it. The count ignores quoting (a bracket inside a
 * string counts too): an upper bound that real files stay far below. */
#define LD_MAX_FLOW_DEPTH 1000

static int check_flow_depth(loader *L, const char *file, const char *bytes, size_t len,
                            bool override, size_t col_offset) {
  size_t depth = 0;
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < len; i++) {
    char c = bytes[i];
    if (c == '[' || c == '{') {
      if (++depth > LD_MAX_FLOW_DEPTH) {
        return diag_error(L->diag, file, line, override ? col + (uint32_t)col_offset : col,
                          "lists and mappings are nested more than %d deep", LD_MAX_FLOW_DEPTH);
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
    if (c == '\n') {
      line++;
      col = 1;
    } else if (((unsigned char)c & 0xC0) != 0x80) {
      col++;
    }
  }
  return 0;
}

static int check_encoding(loader *L, const char *bytes, size_t len) {
  const unsigned char *u = (const unsigned char *)bytes;
  if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
    return diag_error(L->diag, L->file, 0, 0,
                      "file is UTF-16 encoded; save it as UTF-8 (scenario files must be UTF-8)");
  }
  size_t bad = utf8_invalid_at(u, len);
  if (bad == len) {
    return 0;
  }
  uint32_t line = 1, col = 1;
  for (size_t i = 0; i < bad; i++) {
    if (bytes[i] == '\n') {
      line++;
      col = 1;
    } else if ((u[i] & 0xC0) != 0x80) {
      col++;
    }
  }
  return diag_error(L->diag, L->file, line, col,
                    "invalid UTF-8 (byte 0x%02x); scenario files must be UTF-8 text", u[bad]);
}

/* ------------------------------------------------------------- overrides */

static int add_scalar(loader *L, const char *value, yaml_scalar_style_t style, yaml_mark_t mark) {
  int id = yaml_document_add_scalar(&L->doc, NULL, (yaml_char_t *)value, -1, style);
  if (id == 0) {
    return 0;
  }
  yaml_node_t *n = node_at(L, id);
  n->start_mark = n->end_mark = mark;
  return id;
}

/* Deep-copies node `id` of src into the scenario document. Aliases in the
 * value are copied as often as they are used, up to a node budget. */
static int copy_node(loader *L, yaml_document_t *src, int id, size_t col_offset, int depth,
                     size_t *budget) {
  yaml_node_t *n = yaml_document_get_node(src, id);
  if (n == NULL || depth > LD_MAX_COPY_DEPTH || *budget == 0) {
    return 0;
  }
  (*budget)--;
  yaml_mark_t mark = n->start_mark;
  if (mark.line == 0) {
    mark.column += col_offset;
  }
  int out = 0;
  switch (n->type) {
  case YAML_SCALAR_NODE:
    out = yaml_document_add_scalar(&L->doc, NULL, n->data.scalar.value, (int)n->data.scalar.length,
                                   n->data.scalar.style);
    break;
  case YAML_SEQUENCE_NODE: {
    out = yaml_document_add_sequence(&L->doc, NULL, n->data.sequence.style);
    size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    for (size_t i = 0; out != 0 && i < len; i++) {
      /* Re-read through src each time: src does not move, L->doc may. */
      yaml_node_t *sn = yaml_document_get_node(src, id);
      int child =
          copy_node(L, src, sn->data.sequence.items.start[i], col_offset, depth + 1, budget);
      if (child == 0 || !yaml_document_append_sequence_item(&L->doc, out, child)) {
        return 0;
      }
    }
    break;
  }
  case YAML_MAPPING_NODE: {
    out = yaml_document_add_mapping(&L->doc, NULL, n->data.mapping.style);
    size_t len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    for (size_t i = 0; out != 0 && i < len; i++) {
      yaml_node_t *sn = yaml_document_get_node(src, id);
      yaml_node_pair_t pair = sn->data.mapping.pairs.start[i];
      int k = copy_node(L, src, pair.key, col_offset, depth + 1, budget);
      int v = k != 0 ? copy_node(L, src, pair.value, col_offset, depth + 1, budget) : 0;
      if (v == 0 || !yaml_document_append_mapping_pair(&L->doc, out, k, v)) {
        return 0;
      }
    }
    break;
  }
  default:
    return 0;
  }
  if (out != 0) {
    yaml_node_t *o = node_at(L, out);
    o->start_mark = o->end_mark = mark;
  }
  return out;
}

/* Finds list element `seg`: by its name key (or, for scalar shorthand
 * items, its text), else by 0-based index. Returns the item slot or NULL. */
static yaml_node_item_t *find_element(loader *L, yaml_node_t *seq, const schema_map *elem,
                                      const char *seg) {
  const char *key = elem != NULL ? elem->list_key : NULL;
  size_t n = seq_len(seq);
  for (size_t i = 0; key != NULL && i < n; i++) {
    yaml_node_t *it = seq_item(L, seq, i);
    yaml_node_t *nv = is_map(it) ? get(L, it, key) : it;
    if (is_scalar(nv) && strcmp(sval(nv), seg) == 0) {
      return &seq->data.sequence.items.start[i];
    }
  }
  uint64_t idx;
  if (units_parse_uint(seg, UINT64_MAX, &idx) == 0 && seg[0] != '+' && idx < n) {
    return &seq->data.sequence.items.start[idx];
  }
  return NULL;
}

static int override_error(loader *L, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int override_error(loader *L, const char *label, const char *fmt, ...) {
  char msg[LD_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return diag_error(L->diag, label, 0, 0, "%s", msg);
}

/* Names of the elements of a list, for "valid entries are: ...". */
static const char *element_names(loader *L, yaml_node_t *seq, const schema_map *elem, char *buf,
                                 size_t size, const char **names, size_t *n_names) {
  size_t n = seq_len(seq);
  *n_names = 0;
  for (size_t i = 0; i < n && *n_names < 64; i++) {
    yaml_node_t *it = seq_item(L, seq, i);
    yaml_node_t *nv = elem != NULL && elem->list_key != NULL && is_map(it)
                          ? get(L, it, elem->list_key)
                          : (is_scalar(it) ? it : NULL);
    if (is_scalar(nv)) {
      names[(*n_names)++] = sval(nv);
    }
  }
  return join_names(buf, size, names, *n_names);
}

/* Parses an override's VALUE as a YAML document of its own and copies its
 * nodes into the scenario document, positions shifted by col_offset into
 * "KEY=VALUE". An empty VALUE is an empty scalar. Sets *vid to the copy's
 * root; returns 0, or non-zero after reporting. */
static int add_override_value(loader *L, const char *label, const char *value, size_t col_offset,
                              int *vid) {
  if (check_flow_depth(L, label, value, strlen(value), true, col_offset) != 0) {
    return -1;
  }
  yaml_parser_t p;
  yaml_document_t vd;
  if (!yaml_parser_initialize(&p)) {
    return nomem(L);
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)value, strlen(value));
  if (!yaml_parser_load(&p, &vd)) {
    report_yaml_error(L, &p, label, value, strlen(value), true, col_offset);
    yaml_parser_delete(&p);
    return -1;
  }
  yaml_parser_delete(&p);
  size_t budget = LD_MAX_COPY_NODES;
  if (yaml_document_get_root_node(&vd) == NULL) {
    yaml_mark_t mark = {0, 0, col_offset};
    *vid = add_scalar(L, "", YAML_PLAIN_SCALAR_STYLE, mark);
  } else {
    *vid = copy_node(L, &vd, 1, col_offset, 0, &budget);
  }
  yaml_document_delete(&vd);
  if (*vid == 0) {
    if (budget == 0) {
      return override_error(L, label, "value is too large (more than %d nodes)", LD_MAX_COPY_NODES);
    }
    return override_error(L, label, "value is nested too deeply or out of memory");
  }
  return 0;
}

/* Where the walk down an override's KEY has got to. The schema follows
 * the walk so that a typo in KEY is caught as in the file; past a key the
 * schema does not know (sm and elem NULL) nothing is checked. */
typedef struct ov_walk {
  loader *L;
  const char *label;      /* "--set KEY=VALUE", the file name of messages */
  const char *key;        /* KEY, for "empty key in path" */
  int cur;                /* the node reached */
  const schema_map *sm;   /* cur as a mapping: its schema */
  const schema_map *elem; /* cur as a list: its element's schema */
  int vid;                /* the value's root node */
  char path[LD_PATH_MAX]; /* the segments walked, dotted, for messages */
} ov_walk;

static int ov_unknown_key(ov_walk *w, const char *seg) {
  const char *names[32];
  size_t nn = 0;
  for (size_t i = 0; i < w->sm->n && nn < 32; i++) {
    names[nn++] = w->sm->keys[i].name;
  }
  char q[128], ib[LD_PATH_MAX + 8], sug[640];
  return override_error(w->L, w->label, "unknown key \"%s\" %s%s", quote(q, sizeof q, seg),
                        in_path(w->path, ib, sizeof ib),
                        suggestion(sug, sizeof sug, seg, names, nn, "keys"));
}

/* The first pair of mapping m whose key is `key`, as get() reads it. */
static yaml_node_pair_t *first_pair(loader *L, const yaml_node_t *m, const char *key) {
  for (yaml_node_pair_t *pp = m->data.mapping.pairs.start; pp < m->data.mapping.pairs.top; pp++) {
    yaml_node_t *k = node_at(L, pp->key);
    if (is_scalar(k) && strcmp(sval(k), key) == 0) {
      return pp;
    }
  }
  return NULL;
}

/* The last segment, in a mapping: replaces the value, or adds the key. */
static int ov_set_in_map(ov_walk *w, yaml_node_pair_t *pair, const char *seg) {
  loader *L = w->L;
  if (pair != NULL) {
    pair->value = w->vid;
    return 0;
  }
  yaml_mark_t mark = {0, 0, 0};
  int kid = add_scalar(L, seg, YAML_PLAIN_SCALAR_STYLE, mark);
  if (kid == 0 || !yaml_document_append_mapping_pair(&L->doc, w->cur, kid, w->vid)) {
    return nomem(L);
  }
  return 0;
}

/* Creates the mapping a path goes through when it is missing (e.g.
 * mesh.waypoint when unset) or null (`replace`: the key is there). Returns
 * its id, 0 when out of memory. */
static int ov_new_map(ov_walk *w, bool replace, const char *seg) {
  loader *L = w->L;
  yaml_mark_t mark = {0, 0, 0};
  int mid = yaml_document_add_mapping(&L->doc, NULL, YAML_BLOCK_MAPPING_STYLE);
  if (mid == 0) {
    return 0;
  }
  if (replace) {
    /* Re-find the pair: adding a node may have moved nothing in the
     * pairs array, but recompute from the id to be safe. */
    yaml_node_t *mn = node_at(L, w->cur);
    for (yaml_node_pair_t *pp = mn->data.mapping.pairs.start; pp < mn->data.mapping.pairs.top;
         pp++) {
      yaml_node_t *k = node_at(L, pp->key);
      if (is_scalar(k) && strcmp(sval(k), seg) == 0) {
        pp->value = mid;
      }
    }
  } else {
    int kid = add_scalar(L, seg, YAML_PLAIN_SCALAR_STYLE, mark);
    if (kid == 0 || !yaml_document_append_mapping_pair(&L->doc, w->cur, kid, mid)) {
      return 0;
    }
  }
  node_at(L, mid)->start_mark = mark;
  return mid;
}

/* Segment `seg` of a mapping; `rest` is the rest of KEY (NULL: seg is
 * the last segment). */
static int ov_step_map(ov_walk *w, const char *seg, const char *rest) {
  loader *L = w->L;
  const schema_key *sk = w->sm != NULL ? schema_find(w->sm, seg) : NULL;
  if (w->sm != NULL && sk == NULL) {
    return ov_unknown_key(w, seg);
  }
  yaml_node_pair_t *pair = first_pair(L, node_at(L, w->cur), seg);
  if (rest == NULL) {
    return ov_set_in_map(w, pair, seg);
  }
  char next_path[LD_PATH_MAX], next_name[128], q[128];
  path_join(next_path, sizeof next_path, w->path, seg);
  size_t next_len = strcspn(rest, ".");
  snprintf(next_name, sizeof next_name, "%.*s", (int)(next_len < 100 ? next_len : 100), rest);
  if (sk != NULL && sk->kind == K_LEAF) {
    return override_error(L, w->label, "\"%s\" holds a single value; it has no key \"%s\"",
                          next_path, quote(q, sizeof q, next_name));
  }
  int child = pair != NULL ? pair->value : 0;
  if (child == 0 || (is_null(node_at(L, child)) && (sk == NULL || sk->kind == K_MAP))) {
    if (sk != NULL && sk->kind == K_LIST) {
      return override_error(L, w->label, "\"%s\" has no entries to address with \"%s\"", next_path,
                            quote(q, sizeof q, next_name));
    }
    child = ov_new_map(w, pair != NULL, seg);
    if (child == 0) {
      return nomem(L);
    }
  }
  w->cur = child;
  if (sk != NULL && sk->kind == K_LIST) {
    w->elem = sk->sub;
    w->sm = NULL;
  } else {
    w->sm = sk != NULL ? sk->sub : NULL;
    w->elem = NULL;
  }
  snprintf(w->path, sizeof w->path, "%s", next_path);
  return 0;
}

/* "no entry "x" in "services"", with what the list does hold. */
static int ov_no_entry(ov_walk *w, yaml_node_t *seq, const char *seg) {
  const char *names[64];
  size_t nn;
  char list[512], sug[640], q[128];
  element_names(w->L, seq, w->elem, list, sizeof list, names, &nn);
  const char *best = diag_suggest(seg, names, nn);
  if (best != NULL) {
    snprintf(sug, sizeof sug, "; did you mean \"%s\"?", best);
  } else if (nn > 0) {
    snprintf(sug, sizeof sug, "; valid entries are: %s", list);
  } else {
    snprintf(sug, sizeof sug, "; it has %zu entries", seq_len(seq));
  }
  return override_error(w->L, w->label, "no entry \"%s\" in \"%s\"%s", quote(q, sizeof q, seg),
                        w->path, sug);
}

/* Segment `seg` of a list: an element's name or index. */
static int ov_step_list(ov_walk *w, const char *seg, const char *rest) {
  yaml_node_t *n = node_at(w->L, w->cur);
  yaml_node_item_t *slot = find_element(w->L, n, w->elem, seg);
  if (slot == NULL) {
    return ov_no_entry(w, n, seg);
  }
  if (rest == NULL) {
    *slot = w->vid;
    return 0;
  }
  char next_path[LD_PATH_MAX];
  path_join(next_path, sizeof next_path, w->path, seg);
  w->cur = *slot;
  w->sm = w->elem;
  w->elem = NULL;
  snprintf(w->path, sizeof w->path, "%s", next_path);
  return 0;
}

/* Walks `key` (a copy of KEY, cut at its dots as it goes) from the root,
 * creating missing mappings, and puts the value at its end. */
static int ov_walk_path(ov_walk *w, char *key) {
  char *seg = key;
  for (;;) {
    char *dot = strchr(seg, '.');
    if (dot != NULL) {
      *dot = '\0';
    }
    const char *rest = dot != NULL ? dot + 1 : NULL;
    yaml_node_t *n = node_at(w->L, w->cur);
    char q[128];
    int rc;
    if (seg[0] == '\0') {
      rc = override_error(w->L, w->label, "empty key in path \"%s\"", quote(q, sizeof q, w->key));
    } else if (is_map(n)) {
      rc = ov_step_map(w, seg, rest);
    } else if (is_seq(n)) {
      rc = ov_step_list(w, seg, rest);
    } else {
      rc = override_error(w->L, w->label, "\"%s\" holds a single value; it has no key \"%s\"",
                          w->path, quote(q, sizeof q, seg));
    }
    if (rc != 0 || rest == NULL) {
      return rc;
    }
    seg = dot + 1;
  }
}

/* Node ids from first_new on were made for override `index`: messages
 * about them name the override instead of a line of the file. */
static void record_origin(loader *L, size_t index, int first_new) {
  int last_new = (int)(L->doc.nodes.top - L->doc.nodes.start);
  if (last_new >= first_new) {
    ov_origin *o = &L->origins[L->n_origins++];
    o->first_id = first_new;
    o->last_id = last_new;
    o->index = index;
  }
}

static int apply_override(loader *L, size_t index) {
  const char *ov = L->overrides[index];
  const char *label = L->ov_labels[index];
  const char *eq = ov != NULL ? strchr(ov, '=') : NULL;
  if (eq == NULL || eq == ov) {
    return override_error(L, label, "expected KEY=VALUE, like metadata.seed=7");
  }
  size_t key_len = (size_t)(eq - ov);
  int first_new = (int)(L->doc.nodes.top - L->doc.nodes.start) + 1;
  int vid;
  int rc = add_override_value(L, label, eq + 1, key_len + 1, &vid);
  if (rc != 0) {
    return rc;
  }
  char *key = strndup(ov, key_len);
  if (key == NULL) {
    return nomem(L);
  }
  ov_walk w = {L, label, key, L->root_id, &sch_root, NULL, vid, ""};
  rc = ov_walk_path(&w, key);
  free(key);
  record_origin(L, index, first_new);
  return rc;
}

static int apply_overrides(loader *L) {
  if (L->n_overrides == 0) {
    return 0;
  }
  L->ov_labels = calloc(L->n_overrides, sizeof *L->ov_labels);
  L->origins = calloc(L->n_overrides, sizeof *L->origins);
  if (L->ov_labels == NULL || L->origins == NULL) {
    return nomem(L);
  }
  for (size_t i = 0; i < L->n_overrides; i++) {
    const char *ov = L->overrides[i] != NULL ? L->overrides[i] : "";
    size_t len = strlen(ov) + 7;
    L->ov_labels[i] = malloc(len);
    if (L->ov_labels[i] == NULL) {
      return nomem(L);
    }
    snprintf(L->ov_labels[i], len, "--set %s", ov);
  }
  int rc = 0;
  for (size_t i = 0; i < L->n_overrides && !stop(L); i++) {
    if (L->overrides[i] == NULL) {
      rc = override_error(L, L->ov_labels[i], "expected KEY=VALUE, like metadata.seed=7");
      continue;
    }
    if (apply_override(L, i) != 0) {
      rc = -1;
    }
  }
  return rc;
}

/* ------------------------------------------------------------------ API */

static uint64_t hash_overrides(uint64_t h, const char *const *overrides, size_t n_overrides) {
  for (size_t i = 0; i < n_overrides; i++) {
    const char *ov = overrides[i] != NULL ? overrides[i] : "";
    h = fnv1a(ov, strlen(ov) + 1, h); /* with its NUL: a separator */
  }
  return h;
}

uint64_t scenario_load_hash(const void *bytes, size_t len, const char *const *overrides,
                            size_t n_overrides) {
  return hash_overrides(fnv1a(bytes, len, FNV_OFFSET), overrides, n_overrides);
}

/* scenario_load_hash extended by the CSV inputs read, between the YAML
 * bytes and the overrides: for each (call graph, then traffic) its length
 * as 8 little-endian bytes, then its bytes. The length keeps the files'
 * boundaries apart; without CSV inputs the hash is scenario_load_hash's. */
static uint64_t hash_inputs(const loader *L, const void *bytes, size_t len) {
  uint64_t h = fnv1a(bytes, len, FNV_OFFSET);
  for (int k = 0; k < CSV_KIND_COUNT; k++) {
    const csv_input *in = &L->csv[k];
    if (in->bytes == NULL) {
      continue;
    }
    unsigned char n8[8];
    for (int b = 0; b < 8; b++) {
      n8[b] = (unsigned char)((uint64_t)in->len >> (8 * b));
    }
    h = fnv1a(n8, sizeof n8, h);
    h = fnv1a(in->bytes, in->len, h);
  }
  return hash_overrides(h, L->overrides, L->n_overrides);
}

/* "dir/shop.yaml" -> "shop". */
static void base_name(char *out, size_t size, const char *path) {
  const char *b = strrchr(path, '/');
  b = b != NULL ? b + 1 : path;
  size_t len = strlen(b);
  const char *dot = strrchr(b, '.');
  if (dot != NULL && dot != b && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0)) {
    len = (size_t)(dot - b);
  }
  if (len >= size) {
    len = size - 1;
  }
  memcpy(out, b, len);
  out[len] = '\0';
}

static void loader_release(loader *L) {
  if (L->have_doc) {
    yaml_document_delete(&L->doc);
  }
  for (size_t i = 0; L->ov_labels != NULL && i < L->n_overrides; i++) {
    free(L->ov_labels[i]);
  }
  free(L->ov_labels);
  free(L->origins);
  nt_free(&L->zones);
  nt_free(&L->pools);
  nt_free(&L->namespaces);
  nt_free(&L->services);
  nt_free(&L->accounts);
  nt_free(&L->traffic);
  nt_free(&L->failures);
  free(L->ns_ids);
  free(L->svc_ids);
  free(L->call_start);
  free(L->calls);
  free(L->traffic_ids);
  free(L->failure_ids);
  free(L->pool_ids);
  for (int k = 0; k < CSV_KIND_COUNT; k++) {
    free(L->csv[k].bytes);
  }
}

/* Bytes -> L->doc: checks the encoding and the nesting, parses, and
 * refuses an empty file, a second document and a top level that is not a
 * mapping. Returns 0, or the SCENARIO_LOAD_E* / ERR_ENOMEM code to fail
 * the load with, after reporting. */
static int parse_document(loader *L, const char *bytes, size_t len) {
  const char *display = L->file;
  if (check_encoding(L, bytes, len) != 0 ||
      check_flow_depth(L, display, bytes, len, false, 0) != 0) {
    return SCENARIO_LOAD_ESYNTAX;
  }
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    nomem(L);
    return ERR_ENOMEM;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)bytes, len);
  if (!yaml_parser_load(&parser, &L->doc)) {
    report_yaml_error(L, &parser, display, bytes, len, false, 0);
    int code = parser.error == YAML_MEMORY_ERROR ? ERR_ENOMEM : SCENARIO_LOAD_ESYNTAX;
    yaml_parser_delete(&parser);
    return code;
  }
  L->have_doc = true;
  yaml_node_t *root = yaml_document_get_root_node(&L->doc);
  if (root == NULL) {
    yaml_parser_delete(&parser);
    diag_error(L->diag, display, 0, 0,
               "file is empty; expected a mapping with sections such as metadata, cluster, "
               "services and traffic");
    return SCENARIO_LOAD_EINVALID;
  }
  /* A second document is almost always a stray "---": refuse it rather
   * than silently ignoring half the file. */
  yaml_document_t extra;
  if (!yaml_parser_load(&parser, &extra)) {
    report_yaml_error(L, &parser, display, bytes, len, false, 0);
    yaml_parser_delete(&parser);
    return SCENARIO_LOAD_ESYNTAX;
  }
  yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
  if (extra_root != NULL) {
    diag_error(L->diag, display, (uint32_t)extra.start_mark.line + 1,
               (uint32_t)extra.start_mark.column + 1,
               "a second YAML document starts here; a scenario file holds exactly one");
    yaml_document_delete(&extra);
    yaml_parser_delete(&parser);
    return SCENARIO_LOAD_ESYNTAX;
  }
  yaml_document_delete(&extra);
  yaml_parser_delete(&parser);

  L->root_id = node_id(L, root);
  L->n_file_nodes = (int)(L->doc.nodes.top - L->doc.nodes.start);
  if (!is_map(root)) {
    char g[96];
    err_at(L, root,
           "expected a mapping of sections (metadata, cluster, services, ...) at the top of the "
           "file, got %s",
           got_text(root, g, sizeof g));
    return SCENARIO_LOAD_EINVALID;
  }
  return 0;
}

static int load_bytes(const char *display, const char *bytes, size_t len,
                      const char *const *overrides, size_t n_overrides, scenario *out,
                      diag_list *diag) {
  loader L;
  memset(&L, 0, sizeof L);
  L.s = out;
  L.diag = diag;
  L.file = display;
  L.overrides = overrides;
  L.n_overrides = n_overrides;
  size_t errors_before = diag_error_count(diag);
  L.errors_before = errors_before;
  int code = SCENARIO_LOAD_EINVALID;

  scenario_init_defaults(out);
  snprintf(out->path, sizeof out->path, "%s", display);
  base_name(out->meta.name, sizeof out->meta.name, display);
  out->content_hash = scenario_load_hash(bytes, len, overrides, n_overrides);
  if (out->cluster.n_zones == 0 || out->cluster.n_pools == 0) {
    nomem(&L);
    code = ERR_ENOMEM;
    goto done;
  }
  int rc = parse_document(&L, bytes, len);
  if (rc != 0) {
    code = rc;
    goto done;
  }
  if (apply_overrides(&L) != 0) {
    code = L.nomem ? ERR_ENOMEM : SCENARIO_LOAD_EOVERRIDE;
    goto done;
  }
  convert_all(&L);
  out->content_hash = hash_inputs(&L, bytes, len);
  if (L.nomem) {
    code = ERR_ENOMEM;
  }

done:
  loader_release(&L);
  if (diag_error_count(diag) > errors_before || L.nomem) {
    scenario_release(out);
    return code;
  }
  return 0;
}

int scenario_load_string(const char *text, size_t len, const char *display_name,
                         const char *const *overrides, size_t n_overrides, scenario *out,
                         diag_list *diag) {
  if (out == NULL || diag == NULL) {
    return ERR_EINVAL;
  }
  memset(out, 0, sizeof *out);
  const char *name = display_name != NULL ? display_name : "<string>";
  if (text == NULL || (overrides == NULL && n_overrides > 0)) {
    diag_error(diag, name, 0, 0, "no scenario text given");
    return ERR_EINVAL;
  }
  return load_bytes(name, text, len, overrides, n_overrides, out, diag);
}

int scenario_load_file(const char *path, const char *const *overrides, size_t n_overrides,
                       scenario *out, diag_list *diag) {
  if (out == NULL || diag == NULL) {
    return ERR_EINVAL;
  }
  memset(out, 0, sizeof *out);
  if (path == NULL || path[0] == '\0') {
    diag_error(diag, NULL, 0, 0, "no scenario file given");
    return ERR_EINVAL;
  }
  if (overrides == NULL && n_overrides > 0) {
    diag_error(diag, path, 0, 0, "overrides missing");
    return ERR_EINVAL;
  }
  char *buf;
  size_t len;
  int err_no;
  switch (read_file(path, SCENARIO_LOAD_MAX_BYTES, &buf, &len, &err_no)) {
  case READ_OK:
    break;
  case READ_OPEN:
    diag_error(diag, path, 0, 0, "cannot open scenario file: %s", strerror(err_no));
    return SCENARIO_LOAD_EIO;
  case READ_DIR:
    diag_error(diag, path, 0, 0, "is a directory; expected a scenario file (.yaml)");
    return SCENARIO_LOAD_EIO;
  case READ_TOO_LARGE:
    diag_error(diag, path, 0, 0, "file is too large (more than %zu MiB)",
               SCENARIO_LOAD_MAX_BYTES >> 20);
    return SCENARIO_LOAD_EIO;
  case READ_ERROR:
    diag_error(diag, path, 0, 0, "cannot read scenario file: %s", strerror(err_no));
    return SCENARIO_LOAD_EIO;
  case READ_NOMEM:
    diag_error(diag, path, 0, 0, "out of memory reading the scenario file");
    return ERR_ENOMEM;
  }
  int rc = load_bytes(path, buf, len, overrides, n_overrides, out, diag);
  free(buf);
  return rc;
}
