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
 *   scenario_load_multiply.c  `--set KEY=xF` multipliers, on the converted scenario
 *   scenario_load_cluster.c   metadata, cluster (zones, node pools, network), pricing
 *   scenario_load_mesh.c      mesh (modes, proxies, autoscale) and namespaces
 *   scenario_load_service.c   services, their calls, namespaces' defaults
 *   scenario_load_dist.c      service-time distributions
 *   scenario_load_traffic.c   traffic and failures
 *   scenario_load_csv_reader.c the CSV inputs' files and rows (libcsv)
 *   scenario_load_csv.c       call_graph_csv and traffic_csv
 *   scenario_load_csv_services.c services_csv, rows into the node tree
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

/* Nodes not read from the file: made for an override, or from a row of
 * services_csv. Messages about them name `label` instead of the file. */
typedef struct ld_ov_origin {
  int first_id, last_id; /* node ids created for it */
  const char *label;     /* "--set KEY=VALUE", or the CSV file's path */
  bool lines;            /* label is a file whose lines the nodes' marks count */
} ld_ov_origin;

typedef struct ld_call_aux {
  int service_id; /* its `service` value (0 when missing or from CSV) */
  int mix_id;     /* its `mix` mapping (0: none) */
  int one_of_id;  /* its `one_of` mapping (0: none) */
  bool has_request_size, has_response_size;
  uint32_t csv_line, csv_col; /* a call-graph CSV row: where its target is (line 0: YAML) */
  int *way_ids;               /* owned: per way of the resolved choice, the node naming it */
} ld_call_aux;

/* Per operation of a service: what the scenario has no field for. */
typedef struct ld_op_aux {
  int id;             /* its mapping */
  ld_call_aux *calls; /* owned: per call of the operation */
} ld_op_aux;

/* The CSV inputs a scenario may name (call_graph_csv, traffic_csv). Their
 * bytes are kept until the end of the load for the content hash. */
typedef enum ld_csv_kind {
  LD_CSV_CALLS,
  LD_CSV_TRAFFIC,
  LD_CSV_SERVICES,
  LD_CSV_KIND_COUNT
} ld_csv_kind;

typedef struct ld_csv_input {
  bool used;              /* the key is set (even when the file cannot be read) */
  char path[LD_FILE_MAX]; /* as resolved; names the file in messages */
  char *bytes;            /* NULL until read */
  size_t len;
} ld_csv_input;

/* A namespace's `defaults`: the settings its services start from instead
 * of the built-in ones (a service's own keys win). */
typedef struct ld_ns_defaults {
  bool set;            /* the namespace has `defaults` */
  int id;              /* its mapping */
  scenario_service sv; /* the built-in defaults with the namespace's on top */
} ld_ns_defaults;

/* A `--set KEY=xF` multiplier, waiting for the converted scenario
 * (scenario_load_multiply.c). */
typedef struct ld_multiplier ld_multiplier;

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
  ld_ov_origin *origins; /* room for one per override and one for services_csv */
  size_t n_origins;
  bool nomem;
  int root_id;
  /* Set when a service could not be read (no list, no name): references to
   * services then go unchecked, since they may name the broken one. */
  bool services_incomplete;
  size_t errors_before; /* diag errors before this load */

  /* parse-only state */
  bool namespaces_declared;
  ld_name_table zones, pools, namespaces, services, accounts, traffic, failures, gateways;
  int *ns_ids;                 /* per namespace: its mapping (0 when implicit) */
  ld_ns_defaults *ns_defaults; /* per declared namespace (NULL: none declared) */
  int *svc_ids;                /* per service: its mapping */
  uint32_t *call_start;
  ld_call_aux *calls; /* all call entries, service by service */
  ld_op_aux **op_aux; /* per service: per operation (NULL when it has none) */
  int *traffic_ids;
  int *failure_ids;
  int *pool_ids;
  ld_csv_input csv[LD_CSV_KIND_COUNT];
  ld_multiplier *mults; /* in the order given */
  size_t n_mults;
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

/* Where a value parsed on its own (an override's VALUE, a CSV field)
 * starts in what its messages name: its first line is shifted by col, every
 * line by line (zero-based). */
typedef struct ld_offset {
  size_t line, col;
} ld_offset;

/* Reports a libyaml failure. For a value parsed on its own (`at` not NULL)
 * positions are shifted by *at, and a mark past a one-line value (libyaml's
 * end of input) is pulled back to just after it. */
void ld_report_yaml_error(ld_loader *L, const yaml_parser_t *p, const char *file, const char *bytes,
                          size_t len, const ld_offset *at);

/* "UTF-16" or "UTF-32" when the bytes start with that encoding's byte-order
 * mark, else NULL: such a file must be saved as UTF-8 first. */
const char *ld_foreign_bom(const char *bytes, size_t len);

/* Refuses flow collections ("[", "{") nested deeper than libyaml parses in
 * reasonable time; returns 0 or -1 after reporting. */
int ld_check_flow_depth(ld_loader *L, const char *file, const char *bytes, size_t len,
                        const ld_offset *at);

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
/* "line 12", "services.csv line 4" or "--set KEY=VALUE", for "(first
 * defined at ...)". */
const char *ld_where_text(ld_loader *L, const yaml_node_t *n, char *buf, size_t size);
/* "shop.yaml line 14", "services.csv line 4", or the override that wrote
 * the node. */
const char *ld_where_file(ld_loader *L, const yaml_node_t *n, char *buf, size_t size);
/* Where ref is, said from a message at node at: "line 12" in the same
 * file, else as ld_where_file. */
const char *ld_where_from(ld_loader *L, const yaml_node_t *at, const yaml_node_t *ref, char *buf,
                          size_t size);

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
    ld_sch_burst, ld_sch_failure, ld_sch_objective, ld_sch_service_defaults, ld_sch_operation,
    ld_sch_advise, ld_sch_advise_pin, ld_sch_gateway, ld_sch_gateway_proxy;

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

/* Which overrides a pass applies: those of the keys naming inputs that
 * are read into the document before the others apply (services_csv, so
 * that `--set services.x.replicas=3` reaches a service from the CSV), or
 * the others. */
typedef enum ld_ov_phase { LD_OV_INPUTS, LD_OV_REST } ld_ov_phase;

/* Applies the phase's overrides to the document, in order; 0, or non-zero
 * after reporting (every override is tried, so all bad ones are reported). */
int ld_apply_overrides(ld_loader *L, ld_ov_phase phase);
/* Parses `text` as a YAML value of its own and copies it into the document
 * (*vid: its root; an empty text is an empty scalar), positions shifted by
 * *at; messages name `label`. 0, or non-zero after reporting. */
int ld_add_yaml_value(ld_loader *L, const char *label, const char *text, const ld_offset *at,
                      int *vid);
/* A plain scalar node holding a copy of value, at mark; its id (0: out of
 * memory). */
int ld_add_scalar(ld_loader *L, const char *value, yaml_mark_t mark);
/* Records node ids from first_id on (to the last made) as made for
 * `label` (see ld_ov_origin). */
void ld_record_origin(ld_loader *L, int first_id, const char *label, bool lines);

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
/* Services, namespaces (and their defaults) first; the calls' targets wait
 * for ld_resolve_calls. */
void ld_convert_services(ld_loader *L, const yaml_node_t *root);
void ld_resolve_calls(ld_loader *L);
/* The services' names, in order, for suggestions; NULL when out of memory.
 * The caller frees the array (not the names). */
const char **ld_service_names(ld_loader *L);
/* The service named by scalar v; SCN_NONE (reported) when unknown. */
uint32_t ld_resolve_service(ld_loader *L, const yaml_node_t *v, const char *key,
                            const char **names);

/* Reads the calls list at m's `calls` into *calls (counts, probabilities,
 * sizes; targets wait for ld_resolve_call), aux[] (room for every element)
 * noting where each target was written. */
void ld_convert_calls(ld_loader *L, const yaml_node_t *m, const char *path, scenario_call **calls,
                      uint32_t *n_calls, ld_call_aux *aux);

/* scenario_load_ops.c: operations, targets ("service/operation"), mixes and
 * weighted choices */
#define LD_OP_ANY UINT32_MAX /* a target naming a service alone */
/* Reads services[].operations into sv (after its own settings: an
 * operation's unset service time, sizes and fan-out are the service's). */
void ld_convert_operations(ld_loader *L, const yaml_node_t *m, const char *path,
                           scenario_service *sv, uint32_t idx);
/* The target named by scalar v: "service" (*op = LD_OP_ANY) or
 * "service/operation". Returns the service, or SCN_NONE after reporting. */
uint32_t ld_resolve_target(ld_loader *L, const yaml_node_t *v, const char *key, const char **names,
                           uint32_t *op);
/* Resolves call c (its target, mix or one_of) into c->target/op or
 * c->choice, with each way's sizes. */
void ld_resolve_call(ld_loader *L, scenario_call *c, ld_call_aux *aux, const char **names);
/* A call into service tgt named alone (CSV rows): its operations by
 * their weights when it has any; sizes the callee's unless has_*. */
void ld_call_to_service(ld_loader *L, scenario_call *c, uint32_t tgt, const yaml_node_t *at,
                        bool has_request, bool has_response);
/* Traffic entry t's operation or mix, from its `service` (op as
 * ld_resolve_target gave it) and `mix` (m is the entry's mapping). */
void ld_resolve_traffic_ops(ld_loader *L, const yaml_node_t *m, const char *path,
                            scenario_traffic *t, uint32_t op);
/* The name of node x of the op graph for messages: "svc" or "svc/op". */
const char *ld_node_name(const scenario *s, uint32_t sv, uint32_t op, char *buf, size_t size);
void ld_op_aux_free(ld_loader *L);

/* scenario_load_dist.c: a distribution of durations (ns), a bare duration
 * (constant) or a {dist: ..., params} mapping. *storage receives an
 * empirical's arrays. 0, or -1 after reporting. */
int ld_convert_dist(ld_loader *L, const yaml_node_t *v, const char *key, const char *path,
                    sim_dist *out, double **storage);

/* scenario_load_csv_reader.c: the files and their rows */
/* Reads the file named by `call_graph_csv` / `traffic_csv` /
 * `services_csv`. A path from the scenario file is relative to that file's
 * folder; one from `--set` is relative to the current directory, like any
 * command-line path. Returns true when the file was read (errors are
 * reported at the key's value). */
bool ld_read_csv_input(ld_loader *L, const yaml_node_t *root, ld_csv_kind kind);

#define LD_CSVR_MAX_FIELDS 32 /* fields kept per row; more are only counted */

typedef struct ld_csvr_field {
  size_t off, len;    /* text in the row buffer, NUL-terminated there */
  uint32_t line, col; /* 1-based; its first non-blank byte */
  bool quoted;        /* that byte is the opening '"': the text starts after it */
} ld_csvr_field;

typedef struct ld_csv_reader ld_csv_reader;
typedef void (*ld_csvr_row_fn)(ld_csv_reader *r);

/* One pass over a CSV input; on_row sees each row in fields[0..n_fields). */
struct ld_csv_reader {
  ld_loader *L;
  const char *file; /* for messages */
  ld_csvr_row_fn on_row;
  void *user;
  char *buf; /* this row's fields */
  size_t buf_len, buf_cap;
  ld_csvr_field fields[LD_CSVR_MAX_FIELDS];
  size_t n_fields;    /* in this row, including those past LD_CSVR_MAX_FIELDS */
  uint32_t line, col; /* of the byte being fed */
  bool have_start;    /* the current field's first non-blank byte was seen */
  bool start_quoted;  /* ... and it is '"' */
  uint32_t start_line, start_col;
  bool row_begun; /* a non-blank byte since the last row ended */
  size_t rows;    /* rows delivered, the header included */
  bool stopped;   /* no more rows wanted (header wrong, diag full, no memory) */
};

/* A reader of `file` calling on_row(r) for each row, r->user = user. */
void ld_csvr_init(ld_csv_reader *r, ld_loader *L, const char *file, ld_csvr_row_fn on_row,
                  void *user);
/* Parses bytes, calling r->on_row for every row. Returns 0, or -1 after
 * reporting a file that is not valid CSV. The caller frees r->buf. */
int ld_csvr_run(ld_csv_reader *r, const char *bytes, size_t len);
/* Field i of the current row, NUL-terminated. */
const char *ld_csvr_text(const ld_csv_reader *r, size_t i);
/* Field i as text; NULL (after reporting) when it holds a NUL byte. */
const char *ld_csv_field(ld_csv_reader *r, size_t i, const char *key);
/* Reports at field i of the current row (SIZE_MAX: the row's start); -1. */
int ld_csv_err(ld_csv_reader *r, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "a,b,c" from column names, for messages. */
const char *ld_csv_join(char *buf, size_t size, const char *const *cols, size_t n);
/* Whether the current row is a data row to convert: the first row is the
 * header, checked to be exactly cols (else reading stops); a data row must
 * have as many fields. */
bool ld_csv_data_row(ld_csv_reader *r, const char *const *cols, size_t n);

/* scenario_load_csv.c */
/* Adds the call-graph rows after the YAML calls (needs ld_resolve_calls). */
void ld_load_call_graph_csv(ld_loader *L);
/* Adds the traffic rows after the YAML traffic (needs ld_convert_traffic). */
void ld_load_traffic_csv(ld_loader *L);

/* scenario_load_csv_services.c */
/* Reads services_csv, when set, into the document: each row becomes a
 * service mapping appended to `services`, with nodes whose positions are
 * the CSV's, so conversion checks and places them as YAML services. */
void ld_load_services_csv(ld_loader *L);

/* scenario_load_traffic.c */
void ld_convert_traffic(ld_loader *L, const yaml_node_t *root);
/* scenario_load_gateway.c: the `gateways` list (before the traffic that
 * names them), and a traffic entry's `via`: the gateway index, or SCN_NONE
 * (reported when unknown). */
void ld_convert_gateways(ld_loader *L, const yaml_node_t *root);
uint32_t ld_resolve_gateway(ld_loader *L, const yaml_node_t *v);
void ld_convert_failures(ld_loader *L, const yaml_node_t *root);

/* scenario_load_multiply.c */
/* When override `index` (ov, its KEY key_len bytes long) is a multiplier
 * of a key that takes one: 1 after noting it, -1 after reporting a bad
 * factor; 0 when it is an ordinary override. */
int ld_take_multiplier(ld_loader *L, size_t index, const char *ov, size_t key_len,
                       const char *value);
/* Applies the multipliers to the converted scenario, in order. */
void ld_apply_multipliers(ld_loader *L);
void ld_multipliers_free(ld_loader *L);
/* scenario_load_advise.c: the advise section (after the services: pins name
 * namespaces). */
void ld_convert_advise(ld_loader *L, const yaml_node_t *root);

/* scenario_load_check.c */
/* Reports every call cycle once, at the call that closes it:
 * "call cycle: a -> b -> a". Iterative DFS: call graphs can be deep. */
void ld_check_cycles(ld_loader *L);
/* A pod must fit on at least one node pool after system_reserved. */
void ld_check_capacity(ld_loader *L);
/* Services no traffic can reach are probably a mistake (a missing call);
 * L->diag->max_listed of them are named, the rest counted. */
void ld_warn_unreached(ld_loader *L);
/* `l7: true` on a `protocol: tcp` service: no proxy can parse opaque TCP. */
void ld_warn_l7_tcp(ld_loader *L);
/* A failure's `instance` that no topology can hold (a pod past the
 * service's replicas, an unknown pool, namespace or waypoint key), by the
 * naming of models/topology.c; the run is what finds the names placement
 * gives, so this is only a warning. */
void ld_warn_failure_instances(ld_loader *L);

#endif
