/* scenario_load_csv: call_graph_csv and traffic_csv, edges and entry rates
 * exported from Prometheus or Kiali (rows read by scenario_load_csv_reader.c).
 * Rows are checked one by one against the scenario's services; every bad
 * row is reported ("calls.csv:4:9: error: ..."), and only good rows are
 * added, so a failed load is still all-or-nothing (the caller frees the
 * scenario on any error). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"
#include "sim_error.h"

/* The header row each file must start with. */
static const char *const csv_call_columns[] = {"source",   "target",        "calls_per_request",
                                               "protocol", "request_bytes", "response_bytes"};
static const char *const csv_traffic_columns[] = {"service", "rps"};
#define N_CALL_COLUMNS    (sizeof csv_call_columns / sizeof csv_call_columns[0])
#define N_TRAFFIC_COLUMNS (sizeof csv_traffic_columns / sizeof csv_traffic_columns[0])

/* A service name in field i: its index, or SCN_NONE after reporting. */
static uint32_t csv_service(ld_csv_reader *r, size_t i, const char *key, const char **names) {
  ld_loader *L = r->L;
  const char *t = ld_csv_field(r, i, key);
  if (t == NULL) {
    return SCN_NONE;
  }
  if (t[0] == '\0') {
    ld_csv_err(r, i, "invalid \"%s\": expected a service name, got nothing", key);
    return SCN_NONE;
  }
  uint32_t idx = ld_nt_find(&L->services, t);
  if (idx == SCN_NONE && !L->services_incomplete) {
    char q[128], sug[640];
    ld_csv_err(r, i, "unknown service \"%s\"%s", ld_quote(q, sizeof q, t),
               ld_suggestion(sug, sizeof sug, t, names, L->s->n_services, "services"));
  }
  return idx;
}

/* ---- call_graph_csv ------------------------------------------------------ */

/* One good call-graph row, waiting to be appended to its source's calls. */
typedef struct csv_edge {
  uint32_t source;
  scenario_call call;
  ld_call_aux aux;
} csv_edge;

typedef struct calls_ctx {
  const char **names;
  uint32_t n_yaml_calls; /* pair values below this are YAML calls (flat index) */
  uint32_t *yaml_owner;  /* per YAML call: its service */
  ld_pair_table pairs;
  csv_edge *edges;
  size_t n_edges, cap_edges;
  uint32_t *proto_line; /* per service: the CSV line that set its protocol (0: none) */
  uint8_t *proto_name;  /* ... and how it was written (index into ld_proto_choice.names) */
} calls_ctx;

/* calls_per_request (field 2): a mean m > 0, at most LD_MAX_CALL_COUNT;
 * 0 after reporting. */
static double csv_calls_per_request(ld_csv_reader *r) {
  double mean = 0.0;
  const char *t = ld_csv_field(r, 2, "calls_per_request");
  if (t == NULL) {
    return mean;
  }
  char q[128];
  int rc = units_parse_number(t, &mean);
  if (t[0] == '\0') {
    ld_csv_err(r, 2, "invalid \"calls_per_request\": expected %s, got nothing",
               units_expected(UNITS_NUMBER));
  } else if (rc != 0) {
    ld_csv_err(r, 2, "invalid \"calls_per_request\": expected %s, got \"%s\"",
               units_expected(UNITS_NUMBER), ld_quote(q, sizeof q, t));
  } else if (!(mean > 0.0)) {
    ld_csv_err(r, 2, "invalid \"calls_per_request\": must be greater than 0, got %s",
               ld_quote(q, sizeof q, t));
  } else if (mean > (double)LD_MAX_CALL_COUNT) {
    ld_csv_err(r, 2, "invalid \"calls_per_request\": must be at most %u, got %s", LD_MAX_CALL_COUNT,
               ld_quote(q, sizeof q, t));
  }
  return mean;
}

/* protocol (field 3): an index into ld_proto_choice.names, -1 when empty or bad. */
static int csv_protocol(ld_csv_reader *r) {
  int proto = -1;
  const char *t = ld_csv_field(r, 3, "protocol");
  if (t == NULL || t[0] == '\0') {
    return proto;
  }
  for (size_t k = 0; k < ld_proto_choice.n && proto < 0; k++) {
    proto = strcmp(t, ld_proto_choice.names[k]) == 0 ? (int)k : -1;
  }
  if (proto < 0) {
    char q[128], sug[512];
    ld_csv_err(
        r, 3, "unknown protocol \"%s\"%s", ld_quote(q, sizeof q, t),
        ld_suggestion(sug, sizeof sug, t, ld_proto_choice.names, ld_proto_choice.n, "protocols"));
  }
  return proto;
}

/* request_bytes and response_bytes (fields 4, 5); an empty one is left
 * unset: the callee's size, as in YAML. */
static void csv_call_sizes(ld_csv_reader *r, csv_edge *e) {
  static const char *const size_keys[] = {"request_bytes", "response_bytes"};
  int64_t *size_out[] = {&e->call.request_bytes, &e->call.response_bytes};
  bool *size_has[] = {&e->aux.has_request_size, &e->aux.has_response_size};
  for (size_t k = 0; k < 2; k++) {
    const char *t = ld_csv_field(r, 4 + k, size_keys[k]);
    if (t == NULL || t[0] == '\0') {
      continue;
    }
    int rc = units_parse_size(t, size_out[k]);
    if (rc != 0) {
      char msg[256];
      ld_csv_err(r, 4 + k, "invalid \"%s\": %s", size_keys[k],
                 units_describe_error(UNITS_SIZE, rc, t, msg, sizeof msg));
    } else {
      *size_has[k] = true;
    }
  }
}

/* The same edge twice is a mistake, whether both are in the CSV or one
 * in the YAML (most often a call left in `calls:` after exporting).
 * Returns true after reporting one. */
static bool csv_duplicate_call(ld_csv_reader *r, const calls_ctx *cx, uint32_t src, uint32_t tgt) {
  ld_loader *L = r->L;
  uint32_t prev = ld_pt_find(&cx->pairs, src, tgt);
  if (prev == UINT32_MAX) {
    return false;
  }
  const char *sn = L->s->services[src].name, *tn = L->s->services[tgt].name;
  char w[LD_PATH_MAX + LD_FILE_MAX];
  if (prev >= cx->n_yaml_calls) {
    ld_csv_err(r, 0, "duplicate call \"%s\" -> \"%s\" (first at line %u)", sn, tn,
               cx->edges[prev - cx->n_yaml_calls].aux.csv_line);
  } else {
    ld_csv_err(r, 0, "duplicate call \"%s\" -> \"%s\" (first at %s, in \"services.%s.calls\")", sn,
               tn, ld_where_file(L, ld_node_at(L, L->calls[prev].service_id), w, sizeof w),
               L->s->services[cx->yaml_owner[prev]].name);
  }
  return true;
}

/* The protocol belongs to the target service: the CSV may state it where
 * the YAML does not, but not contradict the YAML or an earlier row.
 * Returns true after reporting a contradiction. */
static bool csv_protocol_conflict(ld_csv_reader *r, const calls_ctx *cx, uint32_t tgt, int proto) {
  ld_loader *L = r->L;
  if (proto < 0) {
    return false;
  }
  scenario_service *tv = &L->s->services[tgt];
  mesh_proto want = (mesh_proto)ld_proto_choice.values[proto];
  yaml_node_t *pv = ld_get(L, ld_node_at(L, L->svc_ids[tgt]), "protocol");
  char w[LD_FILE_MAX + 64], q[128];
  if (pv != NULL && tv->protocol != want) {
    ld_csv_err(r, 3, "protocol \"%s\" for service \"%s\" conflicts with \"%s\" set at %s",
               ld_proto_choice.names[proto], tv->name, ld_quote(q, sizeof q, ld_sval(pv)),
               ld_where_file(L, pv, w, sizeof w));
    return true;
  }
  if (pv == NULL && cx->proto_line[tgt] != 0 && tv->protocol != want) {
    ld_csv_err(r, 3, "protocol \"%s\" for service \"%s\" conflicts with \"%s\" set at line %u",
               ld_proto_choice.names[proto], tv->name, ld_proto_choice.names[cx->proto_name[tgt]],
               cx->proto_line[tgt]);
    return true;
  }
  return false;
}

/* Room for one more edge; false (reading stops) when out of memory. */
static bool csv_reserve_edge(ld_csv_reader *r, calls_ctx *cx) {
  if (cx->n_edges < cx->cap_edges) {
    return true;
  }
  size_t cap = cx->cap_edges > 0 ? 2 * cx->cap_edges : 64;
  csv_edge *ne = realloc(cx->edges, cap * sizeof *ne);
  if (ne == NULL) {
    ld_nomem(r->L);
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
static void csv_add_edge(ld_csv_reader *r, calls_ctx *cx, csv_edge *e, uint32_t src, uint32_t tgt,
                         int proto, double mean) {
  ld_loader *L = r->L;
  if (proto >= 0 && ld_get(L, ld_node_at(L, L->svc_ids[tgt]), "protocol") == NULL &&
      cx->proto_line[tgt] == 0) {
    L->s->services[tgt].protocol = (mesh_proto)ld_proto_choice.values[proto];
    cx->proto_line[tgt] = r->fields[3].line;
    cx->proto_name[tgt] = (uint8_t)proto;
  }
  ld_pt_put(&cx->pairs, src, tgt, cx->n_yaml_calls + (uint32_t)cx->n_edges);
  e->source = src;
  call_from_mean(&e->call, mean);
  /* A target with operations: one of them per call, by their weights. */
  ld_call_to_service(L, &e->call, tgt, ld_node_at(L, L->svc_ids[tgt]), e->aux.has_request_size,
                     e->aux.has_response_size);
  e->aux.csv_line = r->fields[1].line;
  e->aux.csv_col = r->fields[1].col;
  cx->edges[cx->n_edges++] = *e;
}

/* One call-graph row: every field is checked (so a row shows all its
 * mistakes) before the row is checked against the calls already known. */
static void calls_row(ld_csv_reader *r) {
  ld_loader *L = r->L;
  calls_ctx *cx = r->user;
  if (!ld_csv_data_row(r, csv_call_columns, N_CALL_COLUMNS)) {
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
  if (L->s->services[src].n_ops > 0) {
    ld_csv_err(r, 0,
               "service \"%s\" has operations, so its calls belong to them: give this call in "
               "an operation's \"calls\" in the YAML",
               L->s->services[src].name);
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
static void append_csv_calls(ld_loader *L, calls_ctx *cx) {
  scenario *s = L->s;
  uint32_t n = s->n_services;
  uint32_t *extra = calloc(n + 1, sizeof *extra);
  uint32_t *start = calloc(n + 1, sizeof *start);
  ld_call_aux *aux = calloc(cx->n_yaml_calls + cx->n_edges + 1, sizeof *aux);
  if (extra == NULL || start == NULL || aux == NULL) {
    free(extra);
    free(start);
    free(aux);
    ld_nomem(L);
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
        ld_nomem(L);
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

void ld_load_call_graph_csv(ld_loader *L) {
  scenario *s = L->s;
  ld_csv_input *in = &L->csv[LD_CSV_CALLS];
  calls_ctx cx;
  memset(&cx, 0, sizeof cx);
  uint32_t n = s->n_services;
  cx.n_yaml_calls = L->call_start != NULL ? L->call_start[n] : 0;
  /* Every row may add a pair: size the table for one per line. */
  size_t max_rows = cx.n_yaml_calls + 1;
  for (size_t i = 0; i < in->len; i++) {
    max_rows += in->bytes[i] == '\n' || in->bytes[i] == '\r';
  }
  cx.names = ld_service_names(L);
  cx.yaml_owner = calloc(cx.n_yaml_calls + 1, sizeof *cx.yaml_owner);
  cx.proto_line = calloc(n + 1, sizeof *cx.proto_line);
  cx.proto_name = calloc(n + 1, sizeof *cx.proto_name);
  if (cx.names == NULL || cx.yaml_owner == NULL || cx.proto_line == NULL || cx.proto_name == NULL ||
      ld_pt_init(&cx.pairs, max_rows) != 0) {
    ld_nomem(L);
    goto done;
  }
  for (uint32_t i = 0; i < n; i++) {
    for (uint32_t j = 0; j < s->services[i].n_calls; j++) {
      uint32_t flat = L->call_start[i] + j;
      cx.yaml_owner[flat] = i;
      if (s->services[i].calls[j].target != SCN_NONE) {
        ld_pt_put(&cx.pairs, i, s->services[i].calls[j].target, flat);
      }
    }
  }
  ld_csv_reader r;
  ld_csvr_init(&r, L, in->path, calls_row, &cx);
  size_t errors = diag_error_count(L->diag);
  if (ld_csvr_run(&r, in->bytes, in->len) == 0 && r.rows == 0 &&
      diag_error_count(L->diag) == errors) {
    char want[256];
    diag_error(L->diag, in->path, 0, 0, "file is empty; expected the header row \"%s\"",
               ld_csv_join(want, sizeof want, csv_call_columns, N_CALL_COLUMNS));
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
  ld_pt_free(&cx.pairs);
}

/* ---- traffic_csv --------------------------------------------------------- */

typedef struct traffic_ctx {
  const char **names;
  uint32_t *yaml_entry; /* per service: its YAML traffic entry + 1 (0: none) */
  uint32_t *csv_line;   /* per service: the CSV line that gave it traffic (0: none) */
  scenario_traffic *rows;
  size_t n_rows, cap_rows;
} traffic_ctx;

static void traffic_row(ld_csv_reader *r) {
  ld_loader *L = r->L;
  traffic_ctx *cx = r->user;
  if (!ld_csv_data_row(r, csv_traffic_columns, N_TRAFFIC_COLUMNS)) {
    return;
  }
  size_t errors = diag_error_count(L->diag);
  uint32_t svc = csv_service(r, 0, "service", cx->names);
  double rate = 0.0;
  const char *t = ld_csv_field(r, 1, "rps");
  char q[128];
  if (t != NULL) {
    int rc = units_parse_rate(t, &rate);
    if (t[0] == '\0') {
      ld_csv_err(r, 1, "invalid \"rps\": expected %s, got nothing", units_expected(UNITS_RATE));
    } else if (rc != 0) {
      char msg[256];
      ld_csv_err(r, 1, "invalid \"rps\": %s",
                 units_describe_error(UNITS_RATE, rc, t, msg, sizeof msg));
    } else if (!(rate > 0.0)) {
      ld_csv_err(r, 1, "invalid \"rps\": must be greater than 0, got \"%s\"",
                 ld_quote(q, sizeof q, t));
    }
  }
  if (diag_error_count(L->diag) > errors || svc == SCN_NONE) {
    return;
  }
  const char *name = L->s->services[svc].name;
  if (cx->yaml_entry[svc] != 0) {
    char w[LD_FILE_MAX + 64];
    ld_csv_err(
        r, 0, "duplicate traffic entry for service \"%s\" (first at %s)", name,
        ld_where_file(L, ld_node_at(L, L->traffic_ids[cx->yaml_entry[svc] - 1]), w, sizeof w));
    return;
  }
  if (cx->csv_line[svc] != 0) {
    ld_csv_err(r, 0, "duplicate traffic entry for service \"%s\" (first at line %u)", name,
               cx->csv_line[svc]);
    return;
  }
  cx->csv_line[svc] = r->fields[0].line;
  if (cx->n_rows == cx->cap_rows) {
    size_t cap = cx->cap_rows > 0 ? 2 * cx->cap_rows : 16;
    scenario_traffic *nr = realloc(cx->rows, cap * sizeof *nr);
    if (nr == NULL) {
      ld_nomem(L);
      r->stopped = true;
      return;
    }
    cx->rows = nr;
    cx->cap_rows = cap;
  }
  scenario_traffic *e = &cx->rows[cx->n_rows++];
  memset(e, 0, sizeof *e);
  e->service = svc;
  e->from = SCN_NONE;
  e->via = SCN_NONE;
  e->rate_rps = rate;
  e->arrival = SCN_ARRIVAL_POISSON;
  e->timeout_ns = SCN_CLIENT_TIMEOUT_DEFAULT_NS;
}

void ld_load_traffic_csv(ld_loader *L) {
  scenario *s = L->s;
  ld_csv_input *in = &L->csv[LD_CSV_TRAFFIC];
  traffic_ctx cx;
  memset(&cx, 0, sizeof cx);
  cx.names = ld_service_names(L);
  cx.yaml_entry = calloc(s->n_services + 1, sizeof *cx.yaml_entry);
  cx.csv_line = calloc(s->n_services + 1, sizeof *cx.csv_line);
  if (cx.names == NULL || cx.yaml_entry == NULL || cx.csv_line == NULL) {
    ld_nomem(L);
    goto done;
  }
  for (uint32_t k = 0; k < s->n_traffic; k++) {
    uint32_t svc = s->traffic[k].service;
    if (svc != SCN_NONE && cx.yaml_entry[svc] == 0) {
      cx.yaml_entry[svc] = k + 1;
    }
  }
  ld_csv_reader r;
  ld_csvr_init(&r, L, in->path, traffic_row, &cx);
  size_t errors = diag_error_count(L->diag);
  int rc = ld_csvr_run(&r, in->bytes, in->len);
  free(r.buf);
  if (rc != 0 || diag_error_count(L->diag) > errors) {
    goto done;
  }
  char want[64];
  ld_csv_join(want, sizeof want, csv_traffic_columns, N_TRAFFIC_COLUMNS);
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
      ld_nomem(L);
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
