/* profile_load: strict YAML reader for calibration profiles.
 *
 * The YAML is loaded as a libyaml document (a node tree with source marks),
 * then walked with tables of fields: each table says which keys a mapping may
 * hold, which are required, how the value is parsed (duration, size, CPU
 * quantity, fraction, count) and where it lands in the profile struct. Every
 * problem is reported with its position and the walk goes on, so one run
 * shows all mistakes of a hand-written profile. The format is documented in
 * docs/calibration.md. */
#include "profile_load.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "profile_embedded.h"

_Static_assert(MESH_PROTO_COUNT == 4, "update pl_pass_fields");
_Static_assert(MESH_PROXY_COUNT == 4, "update profile_load_kind_keys");

/* Keys of proxies and reference.published, in mesh_proxy_kind order. */
static const char *const profile_load_kind_keys[MESH_PROXY_COUNT] = {"sidecar", "ztunnel",
                                                                     "waypoint", "gateway"};

#define PL_PATH_MAX 160

typedef struct pl_ctx {
  yaml_document_t *doc;
  const char *origin;
  diag_list *diag;
  int n_errors;
  profile *p;
  const yaml_node_t *published_node[MESH_PROXY_COUNT]; /* for the cross-check */
} pl_ctx;

/* An error at node n; libyaml marks are zero-based, messages one-based. */
static void pl_error(pl_ctx *c, const yaml_node_t *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  c->n_errors++;
  diag_addv(c->diag, DIAG_ERROR, c->origin, (uint32_t)n->start_mark.line + 1,
            (uint32_t)n->start_mark.column + 1, fmt, ap);
  va_end(ap);
}

static const char *pl_node_kind(const yaml_node_t *n) {
  switch (n->type) {
  case YAML_SCALAR_NODE:
    return "a value";
  case YAML_SEQUENCE_NODE:
    return "a list";
  case YAML_MAPPING_NODE:
    return "a mapping";
  case YAML_NO_NODE:
    break;
  }
  return "nothing";
}

static const char *pl_scalar(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

/* Returns the scalar text of n, or reports and returns NULL. */
static const char *pl_expect_scalar(pl_ctx *c, const yaml_node_t *n, const char *path) {
  if (n->type != YAML_SCALAR_NODE) {
    pl_error(c, n, "expected a value for '%s', found %s", path, pl_node_kind(n));
    return NULL;
  }
  if (n->data.scalar.length == 0) {
    pl_error(c, n, "missing value for '%s'", path);
    return NULL;
  }
  return pl_scalar(n);
}

/* ---- numbers with units ------------------------------------------------- */

typedef struct pl_unit {
  const char *name;
  double factor;
} pl_unit;

static const pl_unit pl_duration_units[] = {{"ns", 1.0}, {"us", 1e3}, {"\xc2\xb5s", 1e3},
                                            {"ms", 1e6}, {"s", 1e9},  {NULL, 0}};
static const pl_unit pl_size_units[] = {{"", 1.0},
                                        {"B", 1.0},
                                        {"kB", 1e3},
                                        {"MB", 1e6},
                                        {"GB", 1e9},
                                        {"KiB", 1024.0},
                                        {"Ki", 1024.0},
                                        {"MiB", 1048576.0},
                                        {"Mi", 1048576.0},
                                        {"GiB", 1073741824.0},
                                        {"Gi", 1073741824.0},
                                        {NULL, 0}};
static const pl_unit pl_cpu_units[] = {{"", 1000.0}, {"m", 1.0}, {NULL, 0}};
static const pl_unit pl_plain_units[] = {{"", 1.0}, {NULL, 0}};
static const pl_unit pl_rate_units[] = {{"", 1.0}, {"/s", 1.0}, {NULL, 0}};

/* Parses "<decimal number><unit>" with no space; rejects hex, inf and nan. */
static int pl_number_unit(const char *s, const pl_unit *units, double *out) {
  const char *q = s;
  if (*q == '+' || *q == '-')
    q++;
  if (!((*q >= '0' && *q <= '9') || *q == '.'))
    return -1;
  for (const char *r = s; *r; r++)
    if (*r == 'x' || *r == 'X')
      return -1;
  errno = 0;
  char *end = NULL;
  double v = strtod(s, &end);
  if (end == s || errno == ERANGE || !isfinite(v))
    return -1;
  for (const pl_unit *u = units; u->name; u++) {
    if (strcmp(end, u->name) == 0) {
      v *= u->factor;
      if (!isfinite(v))
        return -1;
      *out = v;
      return 0;
    }
  }
  return -1;
}

/* ---- field tables ------------------------------------------------------- */

enum pl_kind {
  PL_STR,       /* char[size] */
  PL_DURATION,  /* double ns */
  PL_SIZE,      /* double bytes */
  PL_SIZE_I64,  /* int64_t bytes */
  PL_CPU,       /* double millicores */
  PL_CPU_I64,   /* int64_t millicores */
  PL_CORES,     /* double cores, written as a CPU quantity */
  PL_FRACTION,  /* double in (0, 1] */
  PL_NUMBER,    /* double */
  PL_SIGMA,     /* double in [0, 3]: a lognormal sigma */
  PL_RATE,      /* double per second; "1000" or "1000/s" */
  PL_COUNT,     /* uint32_t >= 1 */
  PL_MAP,       /* nested table */
  PL_SOURCES,   /* citation map: checked, not stored */
  PL_PROXIES,   /* sidecar / ztunnel / waypoint -> profile_proxy */
  PL_PUBLISHED, /* sidecar / ztunnel / waypoint -> published cpu and memory */
};

enum {
  PL_REQUIRED = 1, /* key must be present */
  PL_POSITIVE = 2, /* value must be > 0 (else >= 0) */
  PL_NONE_OK = 4,  /* "none" is accepted and stored as 0 (limits) */
};

typedef struct pl_field {
  const char *key;
  enum pl_kind kind;
  int flags;
  size_t offset; /* into the struct the table describes */
  size_t size;   /* PL_STR buffer size */
  const struct pl_field *sub;
} pl_field;

#define PX(member)  offsetof(profile_proxy, member)
#define PASS(proto) (offsetof(profile_proxy, pass_cpu_ns) + (proto) * sizeof(double))

static const pl_field pl_pass_fields[] = {
    {"http1", PL_DURATION, PL_REQUIRED | PL_POSITIVE, PASS(MESH_PROTO_HTTP1), 0, NULL},
    {"http2", PL_DURATION, PL_REQUIRED | PL_POSITIVE, PASS(MESH_PROTO_HTTP2), 0, NULL},
    {"grpc", PL_DURATION, PL_REQUIRED | PL_POSITIVE, PASS(MESH_PROTO_GRPC), 0, NULL},
    {"tcp", PL_DURATION, PL_REQUIRED | PL_POSITIVE, PASS(MESH_PROTO_TCP), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_proxy_memory_fields[] = {
    {"base", PL_SIZE, PL_REQUIRED | PL_POSITIVE, PX(mem_base_bytes), 0, NULL},
    {"per_service", PL_SIZE, PL_REQUIRED, PX(mem_per_service_bytes), 0, NULL},
    {"per_endpoint", PL_SIZE, PL_REQUIRED, PX(mem_per_endpoint_bytes), 0, NULL},
    {"per_connection", PL_SIZE, PL_REQUIRED, PX(mem_per_connection_bytes), 0, NULL},
    {"per_inflight", PL_SIZE, PL_REQUIRED, PX(mem_per_inflight_bytes), 0, NULL},
    {"per_busy_core", PL_SIZE, 0, PX(mem_per_busy_core_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_proxy_requests_fields[] = {
    {"cpu", PL_CPU_I64, PL_REQUIRED, PX(request_millicores), 0, NULL},
    {"memory", PL_SIZE_I64, PL_REQUIRED, PX(request_mem_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_proxy_limits_fields[] = {
    {"cpu", PL_CPU_I64, PL_REQUIRED | PL_POSITIVE | PL_NONE_OK, PX(limit_millicores), 0, NULL},
    {"memory", PL_SIZE_I64, PL_REQUIRED | PL_POSITIVE | PL_NONE_OK, PX(limit_mem_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

/* Optional: what each workload on the proxy's node adds (a ztunnel's). */
static const pl_field pl_proxy_local_fields[] = {
    {"idle_cpu", PL_CPU, 0, PX(idle_per_local_workload_millicores), 0, NULL},
    {"memory", PL_SIZE, 0, PX(mem_per_local_workload_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_proxy_fields[] = {
    {"pass_cpu", PL_MAP, PL_REQUIRED, 0, 0, pl_pass_fields},
    {"byte_cpu", PL_DURATION, PL_REQUIRED, PX(byte_cpu_ns), 0, NULL},
    {"connection_cpu", PL_DURATION, PL_REQUIRED, PX(connection_cpu_ns), 0, NULL},
    {"on_path_fraction", PL_FRACTION, PL_REQUIRED, PX(on_path_fraction), 0, NULL},
    {"pass_latency", PL_DURATION, PL_REQUIRED, PX(pass_latency_ns), 0, NULL},
    {"tcp_on_path_fraction", PL_FRACTION, 0, PX(tcp_on_path_fraction), 0, NULL},
    {"pass_sigma", PL_SIGMA, 0, PX(pass_sigma), 0, NULL},
    {"plain_byte_cpu", PL_DURATION, 0, PX(plain_byte_cpu_ns), 0, NULL},
    {"workers", PL_COUNT, PL_REQUIRED, PX(workers), 0, NULL},
    {"idle_cpu", PL_CPU, PL_REQUIRED, PX(idle_millicores), 0, NULL},
    {"memory", PL_MAP, PL_REQUIRED, 0, 0, pl_proxy_memory_fields},
    {"requests", PL_MAP, PL_REQUIRED, 0, 0, pl_proxy_requests_fields},
    {"limits", PL_MAP, PL_REQUIRED, 0, 0, pl_proxy_limits_fields},
    {"per_local_workload", PL_MAP, 0, 0, 0, pl_proxy_local_fields},
    {NULL, PL_STR, 0, 0, 0, NULL}};

#define CP(member) offsetof(profile_control_plane, member)

static const pl_field pl_cp_cpu_fields[] = {
    {"base", PL_CPU, PL_REQUIRED, CP(base_millicores), 0, NULL},
    {"per_proxy", PL_CPU, PL_REQUIRED, CP(per_proxy_millicores), 0, NULL},
    {"per_service", PL_CPU, PL_REQUIRED, CP(per_service_millicores), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_cp_memory_fields[] = {
    {"base", PL_SIZE, PL_REQUIRED | PL_POSITIVE, CP(mem_base_bytes), 0, NULL},
    {"per_proxy", PL_SIZE, PL_REQUIRED, CP(mem_per_proxy_bytes), 0, NULL},
    {"per_service", PL_SIZE, PL_REQUIRED, CP(mem_per_service_bytes), 0, NULL},
    {"per_endpoint", PL_SIZE, PL_REQUIRED, CP(mem_per_endpoint_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_cp_requests_fields[] = {
    {"cpu", PL_CPU_I64, PL_REQUIRED, CP(request_millicores), 0, NULL},
    {"memory", PL_SIZE_I64, PL_REQUIRED, CP(request_mem_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

/* Optional: config pushes driven by pod churn (control_plane.h). */
static const pl_field pl_cp_push_fields[] = {
    {"per_proxy", PL_DURATION, 0, CP(push_per_proxy_ns), 0, NULL},
    {"per_endpoint", PL_DURATION, 0, CP(push_per_endpoint_ns), 0, NULL},
    {"debounce_after", PL_DURATION, 0, CP(debounce_after_ns), 0, NULL},
    {"debounce_max", PL_DURATION, 0, CP(debounce_max_ns), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_cp_fields[] = {
    {"cpu", PL_MAP, PL_REQUIRED, 0, 0, pl_cp_cpu_fields},
    {"memory", PL_MAP, PL_REQUIRED, 0, 0, pl_cp_memory_fields},
    {"requests", PL_MAP, PL_REQUIRED, 0, 0, pl_cp_requests_fields},
    {"replicas", PL_COUNT, PL_REQUIRED, CP(replicas), 0, NULL},
    {"push", PL_MAP, 0, 0, 0, pl_cp_push_fields},
    {NULL, PL_STR, 0, 0, 0, NULL}};

#define NA(member) offsetof(profile_node_agent, member)

static const pl_field pl_na_requests_fields[] = {
    {"cpu", PL_CPU_I64, PL_REQUIRED, NA(request_millicores), 0, NULL},
    {"memory", PL_SIZE_I64, PL_REQUIRED, NA(request_mem_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

/* Optional: the node agent DaemonSet of the ambient modes (profile.h). */
static const pl_field pl_na_fields[] = {
    {"idle_cpu", PL_CPU, PL_REQUIRED, NA(idle_millicores), 0, NULL},
    {"memory", PL_SIZE, PL_REQUIRED, NA(mem_bytes), 0, NULL},
    {"requests", PL_MAP, PL_REQUIRED, 0, 0, pl_na_requests_fields},
    {NULL, PL_STR, 0, 0, 0, NULL}};

#define REF(member) offsetof(profile_reference, member)

/* One published entry is parsed into this scratch struct, then copied into
 * the per-kind arrays of profile_reference. */
typedef struct pl_published {
  double cpu_cores;
  double mem_bytes;
} pl_published;

static const pl_field pl_published_entry_fields[] = {
    {"cpu", PL_CORES, PL_POSITIVE, offsetof(pl_published, cpu_cores), 0, NULL},
    {"memory", PL_SIZE, PL_POSITIVE, offsetof(pl_published, mem_bytes), 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

static const pl_field pl_reference_fields[] = {
    {"rps", PL_RATE, PL_REQUIRED | PL_POSITIVE, REF(rps), 0, NULL},
    {"request_bytes", PL_SIZE_I64, PL_REQUIRED, REF(request_bytes), 0, NULL},
    {"response_bytes", PL_SIZE_I64, PL_REQUIRED, REF(response_bytes), 0, NULL},
    {"services_known", PL_NUMBER, PL_REQUIRED, REF(services_known), 0, NULL},
    {"endpoints_known", PL_NUMBER, PL_REQUIRED, REF(endpoints_known), 0, NULL},
    {"connections", PL_NUMBER, PL_REQUIRED, REF(connections), 0, NULL},
    {"published", PL_PUBLISHED, PL_REQUIRED, 0, 0, NULL},
    {NULL, PL_STR, 0, 0, 0, NULL}};

#define PR(member) offsetof(profile, member)

static const pl_field pl_top_fields[] = {
    {"name", PL_STR, PL_REQUIRED, PR(name), PROFILE_NAME_MAX, NULL},
    {"description", PL_STR, PL_REQUIRED, PR(description), PROFILE_TEXT_MAX, NULL},
    {"source", PL_STR, PL_REQUIRED, PR(source), PROFILE_TEXT_MAX, NULL},
    {"sources", PL_SOURCES, 0, 0, 0, NULL},
    {"proxies", PL_PROXIES, PL_REQUIRED, 0, 0, NULL},
    {"control_plane", PL_MAP, PL_REQUIRED, PR(control_plane), 0, pl_cp_fields},
    {"node_agent", PL_MAP, 0, PR(node_agent), 0, pl_na_fields},
    {"reference", PL_MAP, PL_REQUIRED, PR(reference), 0, pl_reference_fields},
    {NULL, PL_STR, 0, 0, 0, NULL}};

/* ---- the walk ----------------------------------------------------------- */

static void pl_mapping(pl_ctx *c, const yaml_node_t *n, const char *path, const pl_field *fields,
                       void *base);

/* out = path.key (or key at the top); a path too long for the buffer is cut,
 * which only shortens messages. */
static void pl_join(char *out, const char *path, const char *key) {
  int n = path[0] ? snprintf(out, PL_PATH_MAX, "%s.%s", path, key)
                  : snprintf(out, PL_PATH_MAX, "%s", key);
  if (n < 0)
    out[0] = '\0';
}

/* "in 'proxies.sidecar'" or "at the top level", for messages. */
static const char *pl_in(const char *path, char *buf, size_t size) {
  if (path[0])
    snprintf(buf, size, "in '%s'", path);
  else
    snprintf(buf, size, "at the top level");
  return buf;
}

/* Writes the keys of a table joined by ", " (for "valid keys are: ..."). */
static void pl_key_list(const pl_field *fields, char *out, size_t size) {
  size_t len = 0;
  out[0] = '\0';
  for (const pl_field *f = fields; f->key; f++) {
    int n = snprintf(out + len, size - len, "%s%s", len ? ", " : "", f->key);
    if (n < 0 || (size_t)n >= size - len)
      return;
    len += (size_t)n;
  }
}

/* Scalar fields: parse and range-check, store on success. */
static void pl_scalar_field(pl_ctx *c, const yaml_node_t *n, const char *path, const pl_field *f,
                            void *base) {
  const char *s = pl_expect_scalar(c, n, path);
  if (!s)
    return;
  void *dst = (char *)base + f->offset;
  double v = 0;

  if (f->kind == PL_STR) {
    if (strlen(s) >= f->size) {
      pl_error(c, n, "'%s' is too long (%zu characters, at most %zu)", path, strlen(s),
               f->size - 1);
      return;
    }
    memcpy(dst, s, strlen(s) + 1);
    return;
  }
  if (f->kind == PL_COUNT) {
    const char *q = s;
    while (*q >= '0' && *q <= '9')
      q++;
    errno = 0;
    unsigned long u = strtoul(s, NULL, 10);
    if (*q || q == s || errno == ERANGE || u < 1 || u > 1000000) {
      pl_error(c, n, "bad count '%s' for '%s'; expected a whole number from 1 to 1000000", s, path);
      return;
    }
    *(uint32_t *)dst = (uint32_t)u;
    return;
  }
  if ((f->flags & PL_NONE_OK) && strcmp(s, "none") == 0) {
    *(int64_t *)dst = 0;
    return;
  }

  const pl_unit *units = pl_plain_units;
  const char *expected = "a number";
  switch (f->kind) {
  case PL_DURATION:
    units = pl_duration_units;
    expected = "a number with a unit: ns, us, ms, s (e.g. 95us)";
    break;
  case PL_SIZE:
  case PL_SIZE_I64:
    units = pl_size_units;
    expected = "a size in bytes or with a unit: B, kB, MB, GB, KiB, MiB, GiB (Ki, Mi, Gi)";
    break;
  case PL_CPU:
  case PL_CPU_I64:
  case PL_CORES:
    units = pl_cpu_units;
    expected = "cores (0.5) or millicores (500m)";
    break;
  case PL_RATE:
    units = pl_rate_units;
    expected = "requests per second (1000 or 1000/s)";
    break;
  case PL_FRACTION:
    expected = "a number in (0, 1]";
    break;
  case PL_SIGMA:
    expected = "a number from 0 to 3";
    break;
  default:
    break;
  }
  if (pl_number_unit(s, units, &v) != 0) {
    pl_error(c, n, "bad value '%s' for '%s'; expected %s%s", s, path, expected,
             (f->flags & PL_NONE_OK) ? " or 'none'" : "");
    return;
  }
  if (f->kind == PL_FRACTION) {
    if (!(v > 0.0 && v <= 1.0)) {
      pl_error(c, n, "'%s' must be in (0, 1], got '%s'", path, s);
      return;
    }
  } else if (f->kind == PL_SIGMA) {
    if (!(v >= 0.0 && v <= 3.0)) {
      pl_error(c, n, "'%s' must be from 0 to 3, got '%s'", path, s);
      return;
    }
  } else if (v < 0.0) {
    pl_error(c, n, "'%s' must not be negative, got '%s'", path, s);
    return;
  } else if (v == 0.0 && (f->flags & PL_POSITIVE)) {
    pl_error(c, n, "'%s' must be positive, got '%s'%s", path, s,
             (f->flags & PL_NONE_OK) ? "; write 'none' for no limit" : "");
    return;
  }

  switch (f->kind) {
  case PL_SIZE_I64:
  case PL_CPU_I64: {
    double r = nearbyint(v);
    if (fabs(v - r) > 1e-6 || r > 9.0e15) {
      pl_error(c, n, "'%s' must be a whole number of %s, got '%s'", path,
               f->kind == PL_CPU_I64 ? "millicores" : "bytes", s);
      return;
    }
    *(int64_t *)dst = (int64_t)r;
    return;
  }
  case PL_CORES:
    *(double *)dst = v / 1000.0;
    return;
  default:
    *(double *)dst = v;
    return;
  }
}

/* Checks a mapping of scalar keys: returns 0 when n is a mapping. Reports
 * non-scalar and duplicate keys; calls back per valid pair. */
static int pl_expect_mapping(pl_ctx *c, const yaml_node_t *n, const char *path) {
  if (n->type != YAML_MAPPING_NODE) {
    if (path[0])
      pl_error(c, n, "expected a mapping for '%s', found %s", path, pl_node_kind(n));
    else
      pl_error(c, n, "expected a mapping at the top level, found %s", pl_node_kind(n));
    return -1;
  }
  return 0;
}

/* Returns the key text of a pair, reporting bad and duplicate keys (NULL). */
static const char *pl_pair_key(pl_ctx *c, const yaml_node_t *mapping, const yaml_node_pair_t *pair,
                               const char *path) {
  char where[PL_PATH_MAX + 8];
  const yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
  if (!k || k->type != YAML_SCALAR_NODE) {
    if (k)
      pl_error(c, k, "expected a key %s, found %s", pl_in(path, where, sizeof where),
               pl_node_kind(k));
    return NULL;
  }
  for (const yaml_node_pair_t *q = mapping->data.mapping.pairs.start; q < pair; q++) {
    const yaml_node_t *qk = yaml_document_get_node(c->doc, q->key);
    if (qk && qk->type == YAML_SCALAR_NODE && strcmp(pl_scalar(qk), pl_scalar(k)) == 0) {
      pl_error(c, k, "duplicate key '%s' %s", pl_scalar(k), pl_in(path, where, sizeof where));
      return NULL;
    }
  }
  return pl_scalar(k);
}

static void pl_sources(pl_ctx *c, const yaml_node_t *n, const char *path) {
  if (pl_expect_mapping(c, n, path) != 0)
    return;
  for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
    const char *key = pl_pair_key(c, n, pr, path);
    if (!key)
      continue;
    char sub[PL_PATH_MAX];
    pl_join(sub, path, key);
    pl_expect_scalar(c, yaml_document_get_node(c->doc, pr->value), sub);
  }
}

static int pl_kind_index(const char *key) {
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    if (strcmp(key, profile_load_kind_keys[k]) == 0)
      return k;
  return -1;
}

static void pl_unknown_kind(pl_ctx *c, const yaml_node_t *k, const char *key, const char *path) {
  const char *near = diag_suggest(key, profile_load_kind_keys, MESH_PROXY_COUNT);
  char hint[96] = "";
  if (near)
    snprintf(hint, sizeof hint, " did you mean '%s'?", near);
  pl_error(c, k,
           "unknown proxy kind '%s' in '%s';%s valid kinds are: sidecar, ztunnel, waypoint, "
           "gateway",
           key, path, hint);
}

/* An entry of a mapping keyed by proxy kind (proxies, published): its
 * kind, with sub set to "path.key"; -1 after reporting a bad or unknown
 * key. */
static int pl_kind_entry(pl_ctx *c, const yaml_node_t *n, const yaml_node_pair_t *pr,
                         const char *path, char sub[PL_PATH_MAX]) {
  const char *key = pl_pair_key(c, n, pr, path);
  if (!key)
    return -1;
  int kind = pl_kind_index(key);
  if (kind < 0) {
    pl_unknown_kind(c, yaml_document_get_node(c->doc, pr->key), key, path);
    return -1;
  }
  pl_join(sub, path, key);
  return kind;
}

static void pl_proxies(pl_ctx *c, const yaml_node_t *n, const char *path) {
  if (pl_expect_mapping(c, n, path) != 0)
    return;
  int any = 0;
  for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
    char sub[PL_PATH_MAX];
    int kind = pl_kind_entry(c, n, pr, path, sub);
    if (kind < 0)
      continue;
    c->p->has_proxy[kind] = 1;
    any = 1;
    profile_proxy *x = &c->p->proxy[kind];
    x->plain_byte_cpu_ns = -1.0;
    pl_mapping(c, yaml_document_get_node(c->doc, pr->value), sub, pl_proxy_fields, x);
    /* An opaque-TCP pass shares the proxy's on-path share unless told. */
    if (x->tcp_on_path_fraction == 0.0)
      x->tcp_on_path_fraction = x->on_path_fraction;
    /* Without upstream mTLS a pass costs what it costs with it unless told. */
    if (x->plain_byte_cpu_ns < 0.0)
      x->plain_byte_cpu_ns = x->byte_cpu_ns;
  }
  if (!any && n->data.mapping.pairs.start == n->data.mapping.pairs.top)
    pl_error(c, n, "'%s' must list at least one of: sidecar, ztunnel, waypoint, gateway", path);
}

static void pl_published_map(pl_ctx *c, const yaml_node_t *n, const char *path) {
  if (pl_expect_mapping(c, n, path) != 0)
    return;
  for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
    char sub[PL_PATH_MAX];
    int kind = pl_kind_entry(c, n, pr, path, sub);
    if (kind < 0)
      continue;
    const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
    const yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
    pl_published pub = {0, 0};
    int before = c->n_errors;
    pl_mapping(c, v, sub, pl_published_entry_fields, &pub);
    if (c->n_errors != before)
      continue;
    if (pub.cpu_cores == 0 && pub.mem_bytes == 0) {
      pl_error(c, v, "'%s' must give cpu, memory or both", sub);
      continue;
    }
    c->p->reference.cpu_cores[kind] = pub.cpu_cores;
    c->p->reference.mem_bytes[kind] = pub.mem_bytes;
    c->published_node[kind] = k;
  }
}

static void pl_value(pl_ctx *c, const yaml_node_t *n, const char *path, const pl_field *f,
                     void *base) {
  switch (f->kind) {
  case PL_MAP:
    pl_mapping(c, n, path, f->sub, (char *)base + f->offset);
    return;
  case PL_SOURCES:
    pl_sources(c, n, path);
    return;
  case PL_PROXIES:
    pl_proxies(c, n, path);
    return;
  case PL_PUBLISHED:
    pl_published_map(c, n, path);
    return;
  default:
    pl_scalar_field(c, n, path, f, base);
    return;
  }
}

static void pl_mapping(pl_ctx *c, const yaml_node_t *n, const char *path, const pl_field *fields,
                       void *base) {
  if (pl_expect_mapping(c, n, path) != 0)
    return;
  size_t n_fields = 0;
  while (fields[n_fields].key)
    n_fields++;
  unsigned char seen[32] = {0};

  for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
    const char *key = pl_pair_key(c, n, pr, path);
    if (!key)
      continue;
    size_t i = 0;
    while (i < n_fields && strcmp(fields[i].key, key) != 0)
      i++;
    if (i == n_fields) {
      char valid[256], where[PL_PATH_MAX + 8], hint[96] = "";
      pl_key_list(fields, valid, sizeof valid);
      const char *cands[32];
      for (size_t j = 0; j < n_fields && j < 32; j++)
        cands[j] = fields[j].key;
      const char *near = diag_suggest(key, cands, n_fields < 32 ? n_fields : 32);
      if (near)
        snprintf(hint, sizeof hint, " did you mean '%s'?", near);
      pl_error(c, yaml_document_get_node(c->doc, pr->key),
               "unknown key '%s' %s;%s valid keys are: %s", key, pl_in(path, where, sizeof where),
               hint, valid);
      continue;
    }
    seen[i] = 1;
    char sub[PL_PATH_MAX];
    pl_join(sub, path, key);
    pl_value(c, yaml_document_get_node(c->doc, pr->value), sub, &fields[i], base);
  }
  char where[PL_PATH_MAX + 8];
  for (size_t i = 0; i < n_fields; i++)
    if ((fields[i].flags & PL_REQUIRED) && !seen[i])
      pl_error(c, n, "missing key '%s' %s", fields[i].key, pl_in(path, where, sizeof where));
}

/* Whole-profile checks the tables cannot express. */
static void pl_cross_check(pl_ctx *c, const yaml_node_t *root, const char *expected_name) {
  for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
       pr++) {
    const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
    if (k && k->type == YAML_SCALAR_NODE && strcmp(pl_scalar(k), "node_agent") == 0)
      c->p->has_node_agent = 1;
  }
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    if (c->published_node[k] && !c->p->has_proxy[k])
      pl_error(c, c->published_node[k],
               "'reference.published.%s' is given but 'proxies' has no '%s'",
               profile_load_kind_keys[k], profile_load_kind_keys[k]);
  if (expected_name && c->p->name[0] && strcmp(c->p->name, expected_name) != 0) {
    const yaml_node_t *at = root;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
      const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
      if (k && k->type == YAML_SCALAR_NODE && strcmp(pl_scalar(k), "name") == 0)
        at = yaml_document_get_node(c->doc, pr->value);
    }
    pl_error(c, at, "profile name '%s' does not match its file name '%s'", c->p->name,
             expected_name);
  }
}

static int pl_parse(const char *text, size_t len, const char *origin, const char *expected_name,
                    profile *out, diag_list *diag) {
  profile *p = calloc(1, sizeof *p);
  if (!p)
    return ERR_ENOMEM;
  pl_ctx c = {.origin = origin, .diag = diag, .p = p};

  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) {
    free(p);
    return ERR_ENOMEM;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    int rc = parser.error == YAML_MEMORY_ERROR ? ERR_ENOMEM : PROFILE_LOAD_ESYNTAX;
    c.n_errors++;
    diag_error(diag, origin, (uint32_t)parser.problem_mark.line + 1,
               (uint32_t)parser.problem_mark.column + 1, "yaml syntax: %s%s%s",
               parser.problem ? parser.problem : "unreadable input", parser.context ? " " : "",
               parser.context ? parser.context : "");
    yaml_parser_delete(&parser);
    free(p);
    return rc;
  }
  c.doc = &doc;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root) {
    c.n_errors++;
    diag_error(diag, origin, 1, 1,
               "the profile is empty; expected a mapping with name, description, source, "
               "proxies, control_plane and reference");
  } else {
    pl_mapping(&c, root, "", pl_top_fields, p);
    if (root->type == YAML_MAPPING_NODE)
      pl_cross_check(&c, root, expected_name);
    /* A second document would be silently ignored: refuse it. */
    yaml_document_t next;
    if (yaml_parser_load(&parser, &next)) {
      yaml_node_t *r2 = yaml_document_get_root_node(&next);
      if (r2)
        pl_error(&c, r2, "a profile file holds one YAML document; found another");
      yaml_document_delete(&next);
    }
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);

  int rc = c.n_errors ? PROFILE_LOAD_EINVALID : ERR_OK;
  if (rc == 0)
    *out = *p;
  free(p);
  return rc;
}

int profile_load_string(const char *text, size_t len, const char *display_name, profile *out,
                        diag_list *diag) {
  if (!text || !out || !diag)
    return ERR_EINVAL;
  return pl_parse(text, len, display_name ? display_name : "<profile>", NULL, out, diag);
}

int profile_load_file(const char *path, profile *out, diag_list *diag) {
  if (!path || !out || !diag)
    return ERR_EINVAL;
  FILE *f = fopen(path, "rb");
  if (!f) {
    diag_error(diag, path, 0, 0, "cannot open the profile: %s", strerror(errno));
    return PROFILE_LOAD_EIO;
  }
  size_t cap = 8192, len = 0;
  char *buf = malloc(cap);
  int rc = ERR_OK;
  while (buf) {
    if (len == cap) {
      if (cap >= PROFILE_LOAD_MAX_BYTES) {
        diag_error(diag, path, 0, 0, "the profile is larger than %zu bytes",
                   (size_t)PROFILE_LOAD_MAX_BYTES);
        rc = PROFILE_LOAD_EIO;
        break;
      }
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) {
        diag_error(diag, path, 0, 0, "cannot read the profile: %s", strerror(errno));
        rc = PROFILE_LOAD_EIO;
      }
      break;
    }
  }
  fclose(f);
  if (!buf)
    return ERR_ENOMEM;
  if (rc == ERR_OK)
    rc = pl_parse(buf, len, path, NULL, out, diag);
  free(buf);
  return rc;
}

size_t profile_load_builtin_count(void) {
  size_t n = 0;
  while (profile_embedded_files[n].name)
    n++;
  return n;
}

/* cmake/EmbedProfiles.cmake names the entries with NAME_WE, which cuts
 * "istio-1.24.yaml" at its first dot ("istio-1"). Until it uses NAME_WLE, a
 * table name that is a proper prefix of the file's top-level `name:` value
 * (followed by '.') is completed from that line; with the fix this is a
 * no-op. The completed names are kept in a table filled on first use (the
 * loader is called from one thread, before any simulation starts). */
#define PL_BUILTIN_MAX 32
static char pl_builtin_names[PL_BUILTIN_MAX][PROFILE_NAME_MAX];

static const char *pl_builtin_name(size_t i) {
  const profile_embedded *e = &profile_embedded_files[i];
  if (i >= PL_BUILTIN_MAX)
    return e->name;
  if (pl_builtin_names[i][0])
    return pl_builtin_names[i];
  const char *name = e->name;
  const char *line = e->text;
  while (line && *line) {
    if (strncmp(line, "name:", 5) == 0) {
      const char *v = line + 5;
      while (*v == ' ')
        v++;
      size_t len = strcspn(v, " #\r\n");
      size_t plen = strlen(e->name);
      if (len > plen && len < PROFILE_NAME_MAX && strncmp(v, e->name, plen) == 0 &&
          v[plen] == '.') {
        memcpy(pl_builtin_names[i], v, len);
        pl_builtin_names[i][len] = '\0';
        name = pl_builtin_names[i];
      }
      break;
    }
    line = strchr(line, '\n');
    if (line)
      line++;
  }
  if (name == e->name && strlen(name) < PROFILE_NAME_MAX)
    snprintf(pl_builtin_names[i], PROFILE_NAME_MAX, "%s", name);
  return name;
}

const char *profile_load_builtin_name(size_t i) {
  return i < profile_load_builtin_count() ? pl_builtin_name(i) : NULL;
}

size_t profile_load_builtin_names(char *buf, size_t size) {
  size_t need = 0;
  if (buf && size)
    buf[0] = '\0';
  for (size_t i = 0; profile_embedded_files[i].name; i++) {
    const char *sep = i ? ", " : "";
    const char *name = pl_builtin_name(i);
    if (buf && need < size)
      snprintf(buf + need, size - need, "%s%s", sep, name);
    need += strlen(sep) + strlen(name);
  }
  return need;
}

int profile_load_builtin(const char *name, profile *out, diag_list *diag) {
  if (!name || !out || !diag)
    return ERR_EINVAL;
  for (size_t i = 0; profile_embedded_files[i].name; i++) {
    const profile_embedded *e = &profile_embedded_files[i];
    const char *builtin = pl_builtin_name(i);
    if (strcmp(builtin, name) != 0)
      continue;
    char origin[PL_PATH_MAX];
    int n = snprintf(origin, sizeof origin, "models/profiles/%s.yaml", builtin);
    if (n < 0)
      origin[0] = '\0';
    return pl_parse(e->text, e->size, origin, builtin, out, diag);
  }
  char names[512];
  profile_load_builtin_names(names, sizeof names);
  diag_error(diag, NULL, 0, 0, "unknown profile '%s'; valid profiles are: %s", name, names);
  return PROFILE_LOAD_EUNKNOWN;
}
