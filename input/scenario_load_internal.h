/* scenario_load_internal: what the scenario_load*.c files share; not a public interface.
 *
 * One load is one ld_loader: the libyaml document, where its nodes came from
 * (the file or a `--set`), the diag list, and the name tables and side arrays
 * that conversion fills section by section. Each stage of the load is a file:
 *   scenario_load.c           the public entry points; the order of the stages
 *   scenario_load_yaml.c      bytes -> node tree; reading nodes; where a node is, for messages
 *   scenario_load_schema.c    the keys every mapping may hold; checking a mapping against them
 *   scenario_load_value.c     scalars (names, counts, units, choices) and optional keys
 *   scenario_load_table.c     hash tables of names and of (source, target) pairs; FNV-1a
 *   scenario_load_override.c  `--set KEY=VALUE` into the node tree
 *   scenario_load_cluster.c   metadata, cluster (zones, node pools, network), pricing
 *   scenario_load_mesh.c      mesh (modes, proxies, autoscale) and namespaces
 *   scenario_load_service.c   services and their calls
 *   scenario_load_dist.c      service-time distributions
 *   scenario_load_traffic.c   traffic and failures
 *   scenario_load_csv.c       call_graph_csv and traffic_csv
 *   scenario_load_check.c     cross checks: call cycles, pod capacity, reachability
 *   scenario_load_advise.c    the advise section (meshsim advise's objective and constraints)
 * Section readers report through ld_err_at / ld_warn_at and go on, so one
 * load shows every mistake; callers stop early once ld_stop() is true. Names
 * here start with ld_ (LD_ for macros and constants). */
#ifndef MESHSIM_SCENARIO_LOAD_INTERNAL_H
#define MESHSIM_SCENARIO_LOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "scenario_load.h"
#include "units.h"

#define LD_PATH_MAX 256  /* a dotted path in messages ("services.cart.calls.0") */
#define LD_MSG_MAX  768  /* one message */
#define LD_FILE_MAX 1024 /* a CSV input's path, as resolved */

/* Limits on counts: generous for real clusters, small enough that a typo
 * (an extra zero or two) is caught instead of exhausting memory later. */
#define LD_MAX_REPLICAS          100000u
#define LD_MAX_NODES             100000u
#define LD_MAX_WORKERS           65536u
#define LD_MAX_REPLICATIONS      10000u
#define LD_MAX_CALL_COUNT        1000u
#define LD_MAX_ATTEMPTS          100u
#define LD_MAX_QUEUE_LIMIT       1000000u
#define LD_MAX_POOL_REQUESTS     4294967295u
#define LD_MAX_WAYPOINT_REPLICAS 10000u

/* ---- the loader ---------------------------------------------------------- */

/* Open addressing, keys borrowed (they live in the scenario's fixed-size
 * name fields, which are allocated once per section and never move). */
typedef struct ld_name_table {
  const char **keys;
  uint32_t *vals;
  uint32_t mask;
} ld_name_table;

typedef struct ld_ov_origin {
  int first_id, last_id; /* node ids created for this override */
  size_t index;
} ld_ov_origin;

typedef struct ld_call_aux {
  int service_id; /* its `service` value (0 when missing or from CSV) */
  bool has_request_size, has_response_size;
  uint32_t csv_line, csv_col; /* a call-graph CSV row: where its target is (line 0: YAML) */
} ld_call_aux;

/* The CSV inputs a scenario may name (call_graph_csv, traffic_csv). Their
 * bytes are kept until the end of the load for the content hash. */
typedef enum ld_csv_kind { LD_CSV_CALLS, LD_CSV_TRAFFIC, LD_CSV_KIND_COUNT } ld_csv_kind;

typedef struct ld_csv_input {
  bool used;              /* the key is set (even when the file cannot be read) */
  char path[LD_FILE_MAX]; /* as resolved; names the file in messages */
  char *bytes;            /* NULL until read */
  size_t len;
} ld_csv_input;

typedef struct ld_loader {
  scenario *s;
  diag_list *diag;
  const char *file;
  yaml_document_t doc;
  bool have_doc;
  int n_file_nodes;
  const char *const *overrides;
  size_t n_overrides;
  char **ov_labels;
  ld_ov_origin *origins;
  size_t n_origins;
  bool nomem;
  int root_id;
  /* Set when a service could not be read (no list, no name): references to
   * services then go unchecked, since they may name the broken one. */
  bool services_incomplete;
  size_t errors_before; /* diag errors before this load */

  /* parse-only state */
  bool namespaces_declared;
  ld_name_table zones, pools, namespaces, services, accounts, traffic, failures;
  int *ns_ids;  /* per namespace: its mapping (0 when implicit) */
  int *svc_ids; /* per service: its mapping */
  uint32_t *call_start;
  ld_call_aux *calls; /* all call entries, service by service */
  int *traffic_ids;
  int *failure_ids;
  int *pool_ids;
  ld_csv_input csv[LD_CSV_KIND_COUNT];
} ld_loader;

/* ---- scenario_load.c: files ---------------------------------------------- */

typedef enum ld_read_status {
  LD_READ_OK,
  LD_READ_OPEN,
  LD_READ_DIR,
  LD_READ_TOO_LARGE,
  LD_READ_ERROR,
  LD_READ_NOMEM
} ld_read_status;

/* Reads a whole file of at most max bytes into *out (malloc'd, not NUL-
 * terminated; the caller frees it). Reads to EOF rather than trusting
 * st_size, so pipes and /dev/stdin work. *err_no holds errno for
 * LD_READ_OPEN and LD_READ_ERROR. */
ld_read_status ld_read_file(const char *path, size_t max, char **out, size_t *out_len, int *err_no);

/* ---- scenario_load_yaml.c: the node tree --------------------------------- */

/* Bytes -> L->doc: checks the encoding and the nesting, parses, and
 * refuses an empty file, a second document and a top level that is not a
 * mapping. Returns 0, or the SCENARIO_LOAD_E* / ERR_ENOMEM code to fail
 * the load with, after reporting. */
int ld_parse_document(ld_loader *L, const char *bytes, size_t len);

/* Reports a libyaml failure. For an override value (parsed on its own,
 * `override` true) positions are shifted by col_offset into "KEY=VALUE",
 * and a mark past a one-line value (libyaml's end of input) is pulled back
 * to just after it. */
void ld_report_yaml_error(ld_loader *L, const yaml_parser_t *p, const char *file, const char *bytes,
                          size_t len, bool override, size_t col_offset);

/* "UTF-16" or "UTF-32" when the bytes start with that encoding's byte-order
 * mark, else NULL: such a file must be saved as UTF-8 first. */
const char *ld_foreign_bom(const char *bytes, size_t len);

/* Refuses flow collections ("[", "{") nested deeper than libyaml parses in
 * reasonable time; returns 0 or -1 after reporting. */
int ld_check_flow_depth(ld_loader *L, const char *file, const char *bytes, size_t len,
                        bool override, size_t col_offset);

/* Node ids are 1-based; 0 (no node) gives NULL. */
static inline yaml_node_t *ld_node_at(ld_loader *L, int id) {
  return id > 0 ? yaml_document_get_node(&L->doc, id) : NULL;
}

static inline int ld_node_id(ld_loader *L, const yaml_node_t *n) {
  return (int)(n - L->doc.nodes.start) + 1;
}

static inline const char *ld_sval(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

static inline bool ld_is_map(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_MAPPING_NODE;
}
static inline bool ld_is_seq(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_SEQUENCE_NODE;
}
static inline bool ld_is_scalar(const yaml_node_t *n) {
  return n != NULL && n->type == YAML_SCALAR_NODE;
}

static inline size_t ld_seq_len(const yaml_node_t *n) {
  return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static inline yaml_node_t *ld_seq_item(ld_loader *L, const yaml_node_t *n, size_t i) {
  return ld_node_at(L, n->data.sequence.items.start[i]);
}

/* A plain empty, "~" or "null" scalar: the key is written but has no value. */
bool ld_is_null(const yaml_node_t *n);

/* The first pair of mapping m whose key is `key`; NULL when there is none
 * or m is not a mapping. (ld_check_map reports a key written twice.) */
yaml_node_pair_t *ld_find_pair(ld_loader *L, const yaml_node_t *m, const char *key);
/* The value of `key` in mapping m, NULL when absent. */
yaml_node_t *ld_get_raw(ld_loader *L, const yaml_node_t *m, const char *key);
/* As ld_get_raw, but a null value ("key:" alone, "~") counts as absent. */
yaml_node_t *ld_get(ld_loader *L, const yaml_node_t *m, const char *key);

/* Where a node came from: a line of the file or an override. */
void ld_locate(ld_loader *L, const yaml_node_t *n, const char **file, uint32_t *line,
               uint32_t *col);
/* "line 12" or "--set KEY=VALUE", for "(first defined at ...)". */
const char *ld_where_text(ld_loader *L, const yaml_node_t *n, char *buf, size_t size);
/* "shop.yaml line 14", or the override that wrote the node. */
const char *ld_where_file(ld_loader *L, const yaml_node_t *n, char *buf, size_t size);

/* An error or warning at node n (NULL: the file); ld_err_at returns -1. */
int ld_err_at(ld_loader *L, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ld_warn_at(ld_loader *L, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reports "out of memory" once per load; returns SIM_ENOMEM. */
int ld_nomem(ld_loader *L);
/* Whether to stop converting: out of memory, or the diag list is full. */
bool ld_stop(ld_loader *L);

/* Pieces of messages, written into the caller's buffer. */
const char *ld_quote(char *buf, size_t size, const char *s);
/* "a mapping", "a list", "nothing" or the quoted scalar. */
const char *ld_got_text(const yaml_node_t *n, char *buf, size_t size);
/* `in "metadata"` or `at the top level`. */
const char *ld_in_path(const char *path, char *buf, size_t size);
/* Paths only appear in messages: an over-long one is cut, never fatal. */
void ld_path_join(char *out, size_t size, const char *base, const char *seg);
/* Joins names with sep into buf, as much as fits; returns the length the
 * whole text would have had (>= size when it was cut). */
size_t ld_join_sep(char *buf, size_t size, const char *const *names, size_t n, const char *sep);
/* Joins names with ", " into buf; a cut list ends in "...". */
const char *ld_join_names(char *buf, size_t size, const char *const *names, size_t n);
/* "; did you mean "x"?" or "; valid KIND are: a, b, c". Keys are always
 * listed; names only when there are few (a list of 3,000 services helps
 * nobody), else "". */
const char *ld_suggestion(char *buf, size_t size, const char *word, const char *const *names,
                          size_t n, const char *plural);

/* ---- scenario_load_schema.c: the keys of the format ---------------------- */

typedef enum ld_key_kind { LD_KEY_LEAF, LD_KEY_MAP, LD_KEY_LIST } ld_key_kind;

typedef struct ld_schema_map ld_schema_map;
typedef struct ld_schema_key {
  const char *name;
  ld_key_kind kind;
  const ld_schema_map *sub; /* LD_KEY_MAP: the mapping; LD_KEY_LIST: the element (NULL: scalars) */
} ld_schema_key;

struct ld_schema_map {
  const ld_schema_key *keys;
  size_t n;
  const char *list_key; /* as a list element: the key that names it (NULL: by index) */
};

/* The whole document, and each mapping in it that a section reads. */
extern const ld_schema_map ld_sch_root, ld_sch_metadata, ld_sch_cluster, ld_sch_pool,
    ld_sch_network, ld_sch_resources, ld_sch_pricing, ld_sch_mesh, ld_sch_sidecar, ld_sch_ztunnel,
    ld_sch_waypoint, ld_sch_autoscale, ld_sch_namespace, ld_sch_service, ld_sch_call, ld_sch_retry,
    ld_sch_connection_pool, ld_sch_detection, ld_sch_mesh_retries, ld_sch_dist, ld_sch_traffic,
    ld_sch_burst, ld_sch_failure, ld_sch_objective, ld_sch_advise, ld_sch_advise_pin;

const ld_schema_key *ld_schema_find(const ld_schema_map *sm, const char *name);
/* Fills names with sm's keys (at most max of them) and returns how many. */
size_t ld_schema_key_names(const ld_schema_map *sm, const char **names, size_t max);
/* Checks that n is a mapping whose keys are all known and unique. Returns
 * false (after reporting) when n is not a mapping. */
bool ld_check_map(ld_loader *L, const yaml_node_t *n, const ld_schema_map *sm, const char *path);

/* ---- scenario_load_value.c: scalar values and optional keys -------------- */

typedef enum ld_num_range {
  LD_RANGE_NONNEG,   /* [0, inf) */
  LD_RANGE_POS,      /* (0, inf) */
  LD_RANGE_UNIT,     /* [0, 1] */
  LD_RANGE_UNIT_POS, /* (0, 1] */
} ld_num_range;

/* One of a fixed set of names; values[i] is what names[i] means. */
typedef struct ld_choice {
  const char *noun;   /* "placement" */
  const char *plural; /* "placements" */
  const char *const *names;
  const int *values;
  size_t n;
} ld_choice;

/* The longest duration a scenario may give (10^18 ns, about 31.7 years). The
 * engine adds at most a few times to one another (warm-up + duration +
 * drain, a failure's start + length + drain), so with every term under this
 * bound no sum of simulated times can overflow int64 nanoseconds, and a
 * per-second series of the longest run (10^9 entries) still has a 32-bit
 * count. The work budget refuses long runs far earlier. */
#define LD_MAX_DURATION_NS INT64_C(1000000000000000000)

/* Value readers: 0, or -1 after reporting at v. `key` names the value in
 * messages. */
int ld_val_scalar(ld_loader *L, const yaml_node_t *v, const char *key, const char *expected,
                  const char **out);
int ld_val_name(ld_loader *L, const yaml_node_t *v, const char *key, char out[SCN_NAME_MAX]);
int ld_val_uint(ld_loader *L, const yaml_node_t *v, const char *key, uint64_t lo, uint64_t hi,
                uint64_t *out);
int ld_val_duration(ld_loader *L, const yaml_node_t *v, const char *key, bool positive,
                    sim_time *out);
int ld_val_number(ld_loader *L, const yaml_node_t *v, const char *key, ld_num_range range,
                  double *out);
int ld_val_choice(ld_loader *L, const yaml_node_t *v, const char *key, const ld_choice *c,
                  int *out);
/* A share in [0, 1]: a number ("0.001") or a percentage ("0.1%"). */
int ld_val_share(ld_loader *L, const yaml_node_t *v, const char *key, double *out);
/* Reports the units_parse_* failure rc of text t. */
int ld_val_unit_error(ld_loader *L, const yaml_node_t *v, const char *key, units_kind kind, int rc,
                      const char *t);

/* Optional keys of mapping m: 1 when set, 0 when absent, -1 on error (reported). */
int ld_opt_name(ld_loader *L, const yaml_node_t *m, const char *key, char out[SCN_NAME_MAX]);
/* Free text: may be empty ("" or a null value clears it). */
int ld_opt_text(ld_loader *L, const yaml_node_t *m, const char *key, char *out, size_t size);
int ld_opt_u32(ld_loader *L, const yaml_node_t *m, const char *key, uint32_t lo, uint32_t hi,
               uint32_t *out);
int ld_opt_duration(ld_loader *L, const yaml_node_t *m, const char *key, bool positive,
                    sim_time *out);
int ld_opt_size(ld_loader *L, const yaml_node_t *m, const char *key, bool positive, int64_t *out);
int ld_opt_cpu(ld_loader *L, const yaml_node_t *m, const char *key, bool positive, int64_t *out);
int ld_opt_number(ld_loader *L, const yaml_node_t *m, const char *key, ld_num_range r, double *out);
int ld_opt_bool(ld_loader *L, const yaml_node_t *m, const char *key, bool *out);
int ld_opt_share(ld_loader *L, const yaml_node_t *m, const char *key, double *out);
int ld_opt_choice(ld_loader *L, const yaml_node_t *m, const char *key, const ld_choice *c,
                  int *out);
/* The mapping at `key` of m, checked against sm; NULL when absent or bad. */
yaml_node_t *ld_opt_map(ld_loader *L, const yaml_node_t *m, const char *key,
                        const ld_schema_map *sm, const char *base);
/* The list at `key` of m; NULL when absent or not a list (reported). */
yaml_node_t *ld_opt_seq(ld_loader *L, const yaml_node_t *m, const char *key, const char *base);
/* The path of list element i: "services.frontend" or "services.3". */
void ld_element_path(ld_loader *L, char *out, size_t size, const char *list_path,
                     const yaml_node_t *item, const char *name_key, size_t i);
/* "missing required key ..." at m; returns -1. */
int ld_missing(ld_loader *L, const yaml_node_t *m, const char *key, const char *path);

/* requests/limits {cpu, memory}, as proxies and services have them; unset
 * fields keep their value. */
void ld_convert_resources(ld_loader *L, const yaml_node_t *m, const char *key, const char *base,
                          int64_t *cpu, int64_t *mem);
/* A limit (when set and not 0 = none) must not be below its request. */
void ld_check_limits(ld_loader *L, const yaml_node_t *m, int64_t req_cpu, int64_t lim_cpu,
                     int64_t req_mem, int64_t lim_mem);

/* ---- scenario_load_table.c: hash tables ---------------------------------- */

#define LD_FNV_OFFSET 14695981039346656037ULL

/* FNV-1a 64 of n bytes, continuing from h (LD_FNV_OFFSET to start). */
uint64_t ld_fnv1a(const void *p, size_t n, uint64_t h);
/* A table for n entries; 0 or SIM_ENOMEM. */
int ld_nt_init(ld_name_table *t, size_t n);
void ld_nt_free(ld_name_table *t);
/* The value stored for key, or SCN_NONE. */
uint32_t ld_nt_find(const ld_name_table *t, const char *key);
/* The caller sized the table for every insert it makes. */
void ld_nt_put(ld_name_table *t, const char *key, uint32_t val);

/* Open addressing over (source, target) pairs: a call graph of 20,000
 * services has too many edges for a scan per row. Keys are pair + 1 so
 * that 0 marks an empty slot. */
typedef struct ld_pair_table {
  uint64_t *keys;
  uint32_t *vals;
  size_t mask;
} ld_pair_table;

/* A table for n pairs; 0 or SIM_ENOMEM. */
int ld_pt_init(ld_pair_table *t, size_t n);
void ld_pt_free(ld_pair_table *t);
/* The value stored for (a, b), or UINT32_MAX. */
uint32_t ld_pt_find(const ld_pair_table *t, uint32_t a, uint32_t b);
/* Stores val for (a, b) unless it is there already. The caller sized the
 * table for every insert it makes. */
void ld_pt_put(ld_pair_table *t, uint32_t a, uint32_t b, uint32_t val);

/* ---- scenario_load_override.c -------------------------------------------- */

/* Applies L->overrides to the document, in order; 0, or non-zero after
 * reporting (every override is tried, so all bad ones are reported). */
int ld_apply_overrides(ld_loader *L);

/* ---- the sections, in the order scenario_load.c converts them ------------ */

/* scenario_load_cluster.c */
void ld_convert_metadata(ld_loader *L, const yaml_node_t *root);
void ld_convert_cluster(ld_loader *L, const yaml_node_t *root);
void ld_convert_pricing(ld_loader *L, const yaml_node_t *root);

/* scenario_load_mesh.c */
void ld_convert_mesh(ld_loader *L, const yaml_node_t *root);
/* Sizes the namespace array for the declared ones, or for one implicit
 * namespace per service plus "default" when the section is absent. */
void ld_convert_namespaces(ld_loader *L, const yaml_node_t *root, size_t n_services);
/* Resolves (or, without a namespaces section, creates) a namespace. */
uint32_t ld_resolve_namespace(ld_loader *L, const char *name, const yaml_node_t *where);

/* scenario_load_service.c */
extern const ld_choice ld_proto_choice;
/* Services, namespaces first; the calls' targets wait for ld_resolve_calls. */
void ld_convert_services(ld_loader *L, const yaml_node_t *root);
void ld_resolve_calls(ld_loader *L);
/* The services' names, in order, for suggestions; NULL when out of memory.
 * The caller frees the array (not the names). */
const char **ld_service_names(ld_loader *L);
/* The service named by scalar v; SCN_NONE (reported) when unknown. */
uint32_t ld_resolve_service(ld_loader *L, const yaml_node_t *v, const char *key,
                            const char **names);

/* scenario_load_dist.c: a distribution of durations (ns), a bare duration
 * (constant) or a {dist: ..., params} mapping. *storage receives an
 * empirical's arrays. 0, or -1 after reporting. */
int ld_convert_dist(ld_loader *L, const yaml_node_t *v, const char *key, const char *path,
                    sim_dist *out, double **storage);

/* scenario_load_csv.c */
/* Reads the file named by `call_graph_csv` / `traffic_csv`. A path from the
 * scenario file is relative to that file's folder; one from `--set` is
 * relative to the current directory, like any command-line path. Returns
 * true when the file was read (errors are reported at the key's value). */
bool ld_read_csv_input(ld_loader *L, const yaml_node_t *root, ld_csv_kind kind);
/* Adds the call-graph rows after the YAML calls (needs ld_resolve_calls). */
void ld_load_call_graph_csv(ld_loader *L);
/* Adds the traffic rows after the YAML traffic (needs ld_convert_traffic). */
void ld_load_traffic_csv(ld_loader *L);

/* scenario_load_traffic.c */
void ld_convert_traffic(ld_loader *L, const yaml_node_t *root);
void ld_convert_failures(ld_loader *L, const yaml_node_t *root);

/* scenario_load_advise.c: the advise section (after the services: pins name
 * namespaces). */
void ld_convert_advise(ld_loader *L, const yaml_node_t *root);

/* scenario_load_check.c */
/* Reports every call cycle once, at the call that closes it:
 * "call cycle: a -> b -> a". Iterative DFS: call graphs can be deep. */
void ld_check_cycles(ld_loader *L);
/* A pod must fit on at least one node pool after system_reserved. */
void ld_check_capacity(ld_loader *L);
/* Services no traffic can reach are probably a mistake (a missing call). */
void ld_warn_unreached(ld_loader *L);

#endif
