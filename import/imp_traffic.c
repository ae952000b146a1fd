/* imp_traffic: Prometheus and Kiali traffic merged into a scenario; see
 * imp_traffic.h.
 *
 * Three steps: read the inputs into per-service and per-edge sums (tr_*),
 * derive the scenario values from them, and edit the scenario text where
 * libyaml's marks say each key is. Services are few (hundreds), so edges
 * live in a flat list searched linearly. */
#include "imp_traffic.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "err.h"
#include "imp_json.h"
#include "imp_k8s.h"
#include "scenario_load.h"

#define TR_EXTERNAL (-2)
#define TR_SKIP     (-3)
#define TR_COL      40

typedef struct tr_edge {
  int from, to; /* service indices; from = TR_EXTERNAL for entry traffic */
  double rps;
  double req_bytes, resp_bytes; /* mean bytes, -1 = unknown */
} tr_edge;

typedef struct tr_bucket {
  double le_ms, rate;
} tr_bucket;

typedef struct tr_svc {
  double mean_ms; /* -1 = unknown */
  unsigned n_means;
  double inbound_rps; /* every request into it (--inbound), meshed callers or not */
  bool has_inbound;
  tr_bucket *b;
  size_t nb;
} tr_svc;

typedef struct tr {
  const imp_traffic_options *o;
  diag_list *d, *notes;
  scenario s;
  tr_svc *svc;
  tr_edge *e;
  size_t ne, cap;
  const char *source; /* the file the rates came from, for comments */
} tr;

static const char *tr_base(const char *f) {
  const char *s = strrchr(f, '/');
  return s ? s + 1 : f;
}

static tr_edge *tr_edge_of(tr *t, int from, int to) {
  for (size_t i = 0; i < t->ne; i++)
    if (t->e[i].from == from && t->e[i].to == to)
      return &t->e[i];
  if (t->ne == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    tr_edge *ne = realloc(t->e, cap * sizeof *ne);
    if (!ne)
      return NULL;
    t->e = ne;
    t->cap = cap;
  }
  t->e[t->ne] = (tr_edge){from, to, 0, -1, -1};
  return &t->e[t->ne++];
}

/* ---- matching workloads to services -------------------------------------- */

static int tr_find(tr *t, const char *name, const char *ns) {
  char dotted[160];
  for (uint32_t i = 0; i < t->s.n_services; i++) {
    const scenario_service *sv = &t->s.services[i];
    const char *sns = t->s.namespaces ? t->s.namespaces[sv->ns].name : "default";
    if (ns && strcmp(sns, ns) != 0) {
      snprintf(dotted, sizeof dotted, "%s.%s", name, ns); /* a clash renamed by the importer */
      if (strcmp(sv->name, dotted) != 0)
        continue;
      return (int)i;
    }
    if (!strcmp(sv->name, name))
      return (int)i;
  }
  return -1;
}

static bool tr_is_external(tr *t, const char *workload, const char *ns) {
  if (!workload || !strcmp(workload, "unknown"))
    return true;
  if ((ns && !strcmp(ns, "istio-system")) || strstr(workload, "ingressgateway"))
    return true;
  for (size_t i = 0; i < t->o->n_external; i++)
    if (!strcmp(t->o->external[i], workload))
      return true;
  return false;
}

/* The service a set of labels names: labels[] are tried in order, then the
 * last one without a -vN suffix. Returns the index, TR_EXTERNAL, or -1
 * after an error naming `where`. */
static int tr_resolve(tr *t, const char *const vals[], const char *const names[], size_t n,
                      const char *ns, bool source, const char *file, const char *where) {
  const char *workload = vals[n - 1];
  if (source && tr_is_external(t, workload, ns))
    return TR_EXTERNAL;
  for (size_t i = 0; i < n; i++)
    if (vals[i] && strcmp(vals[i], "unknown") != 0) {
      int k = tr_find(t, vals[i], ns);
      if (k >= 0)
        return k;
    }
  if (workload) { /* reviews-v2 -> reviews */
    const char *dash = strrchr(workload, '-');
    if (dash && dash[1] == 'v' && dash[2] >= '0' && dash[2] <= '9') {
      char base[128];
      snprintf(base, sizeof base, "%.*s", (int)(dash - workload), workload);
      int k = tr_find(t, base, ns);
      if (k >= 0)
        return k;
    }
  }
  if (!source && workload && !strcmp(workload, "unknown"))
    return TR_SKIP; /* traffic leaving the mesh (egress) */
  char names_list[1024] = "";
  for (uint32_t i = 0; i < t->s.n_services && i < 12; i++) {
    size_t len = strlen(names_list);
    snprintf(names_list + len, sizeof names_list - len, "%s%s", i ? ", " : "",
             t->s.services[i].name);
  }
  const char *shown = NULL, *label = NULL;
  for (size_t i = 0; i < n && !shown; i++)
    if (vals[i])
      shown = vals[i], label = names[i];
  return imp_json_err(t->d, file, where,
                      "unknown workload \"%s\" (label %s%s%s): no service of %s has that name; "
                      "valid services are: %s%s%s",
                      shown ? shown : "", label ? label : "no workload label",
                      ns ? ", namespace " : "", ns ? ns : "", tr_base(t->o->into), names_list,
                      t->s.n_services > 12 ? ", ..." : "",
                      source ? " (a client outside the model? pass --external WORKLOAD)" : "");
}

static const char *tr_label(const json_t *metric, const char *key) {
  return json_string_value(json_object_get(metric, key));
}

/* The first of `keys` that the series has, or NULL; *which gets its name. */
static const char *tr_first(const json_t *metric, const char *const *keys, const char **which) {
  for (; *keys; keys++) {
    const char *v = tr_label(metric, *keys);
    if (v) {
      if (which)
        *which = *keys;
      return v;
    }
  }
  return NULL;
}

/* Source (or destination) of one series. Istio's labels first, then
 * Linkerd's (the pod's own deployment/namespace on its outbound series,
 * dst_* for the callee). `own` reads a series about one service (inbound
 * totals, durations), where Linkerd names it by the pod's own labels. */
static int tr_side(tr *t, const json_t *metric, bool source, bool own, const char *file,
                   const char *where) {
  static const char *const src_svc[] = {"source_canonical_service", "source_app", NULL};
  static const char *const src_wl[] = {"source_workload", "deployment", "statefulset", NULL};
  static const char *const src_ns[] = {"source_workload_namespace", "namespace", NULL};
  static const char *const dst_svc[] = {"destination_service_name", "destination_canonical_service",
                                        "destination_app", "dst_service", NULL};
  static const char *const dst_wl[] = {"destination_workload", "dst_deployment", "dst_statefulset",
                                       NULL};
  static const char *const own_wl[] = {"destination_workload", "dst_deployment", "dst_statefulset",
                                       "deployment",           "statefulset",    NULL};
  static const char *const dst_ns[] = {"destination_service_namespace",
                                       "destination_workload_namespace", "dst_namespace", NULL};
  static const char *const own_ns[] = {"destination_service_namespace",
                                       "destination_workload_namespace", "dst_namespace",
                                       "namespace", NULL};
  const char *const *svc = source ? src_svc : dst_svc;
  const char *vals[8], *names[8];
  size_t n = 0;
  for (size_t i = 0; svc[i]; i++)
    if ((vals[n] = tr_label(metric, svc[i])) != NULL)
      names[n++] = svc[i];
  const char *wl_name = NULL;
  const char *wl = tr_first(metric, source ? src_wl : own ? own_wl : dst_wl, &wl_name);
  vals[n] = wl; /* the workload goes last: the -vN rule and the external check read it */
  names[n++] = wl_name ? wl_name : "workload";
  const char *ns = tr_first(metric, source ? src_ns : own ? own_ns : dst_ns, NULL);
  if (!source && n == 1 && !wl && tr_label(metric, "authority"))
    return TR_SKIP; /* Linkerd: a destination outside the mesh, known by its authority */
  if (!source && n == 1 && !wl)
    return imp_json_err(t->d, file, where,
                        "no destination label (Istio's destination_service_name, "
                        "destination_workload, or Linkerd's dst_service, dst_deployment%s); group "
                        "the query by them (meshsim import traffic --help)",
                        own ? ", deployment" : "");
  return tr_resolve(t, vals, names, n, ns, source, file, where);
}

/* ---- Prometheus ------------------------------------------------------------ */

typedef enum tr_query {
  TR_REQUESTS,
  TR_REQ_BYTES,
  TR_RESP_BYTES,
  TR_DURATION,
  TR_BUCKETS,
  TR_INBOUND,
  TR_QUERIES
} tr_query;

static int tr_prometheus(tr *t, const char *file, tr_query q) {
  json_t *root = imp_json_load(file, t->d);
  if (!root)
    return -1;
  int rc = 0;
  const char *status = json_string_value(json_object_get(root, "status"));
  json_t *data = json_object_get(root, "data");
  const char *type = json_string_value(json_object_get(data, "resultType"));
  json_t *result = json_object_get(data, "result");
  if (!json_is_object(root) || !status) {
    rc = imp_json_err(t->d, file, "status",
                      "not a Prometheus query API response (expected {\"status\": \"success\", "
                      "\"data\": {\"resultType\": \"vector\", \"result\": [...]}})");
  } else if (strcmp(status, "success") != 0) {
    const char *err = json_string_value(json_object_get(root, "error"));
    rc = imp_json_err(t->d, file, "status", "the query failed (\"%s\"): %s", status,
                      err ? err : "no error text");
  } else if (!type || strcmp(type, "vector") != 0) {
    rc = imp_json_err(t->d, file, "data.resultType",
                      "expected \"vector\" (an instant query, /api/v1/query), got \"%s\"",
                      type ? type : "nothing");
  } else if (!json_is_array(result)) {
    rc = imp_json_err(t->d, file, "data.result", "expected a list of series");
  }
  size_t i;
  json_t *series;
  json_array_foreach(result, i, series) {
    if (rc != 0 || diag_list_full(t->d))
      break;
    char where[64];
    snprintf(where, sizeof where, "data.result[%zu]", i);
    json_t *metric = json_object_get(series, "metric");
    json_t *value = json_object_get(series, "value");
    double v;
    if (!json_is_object(metric)) {
      rc = imp_json_err(t->d, file, where, "missing \"metric\" (the series' labels)");
      break;
    }
    if (!json_is_array(value) || json_array_size(value) != 2 ||
        !imp_json_number(json_array_get(value, 1), &v)) {
      snprintf(where, sizeof where, "data.result[%zu].value", i);
      rc = imp_json_err(t->d, file, where, "expected [timestamp, \"number\"]");
      break;
    }
    if (isnan(v) || v < 0)
      continue; /* 0/0 of a ratio query: no requests on that edge */
    snprintf(where, sizeof where, "data.result[%zu].metric", i);
    bool own = q == TR_DURATION || q == TR_BUCKETS || q == TR_INBOUND;
    int to = tr_side(t, metric, false, own, file, where);
    if (to == -1) {
      rc = -1;
      continue;
    }
    if (to == TR_SKIP)
      continue;
    if (q == TR_INBOUND) {
      t->svc[to].inbound_rps += v;
      t->svc[to].has_inbound = true;
      continue;
    }
    if (q == TR_DURATION || q == TR_BUCKETS) {
      tr_svc *sv = &t->svc[to];
      if (q == TR_DURATION) { /* several series of one service: their plain mean */
        sv->mean_ms = sv->n_means ? (sv->mean_ms * sv->n_means + v) / (sv->n_means + 1) : v;
        sv->n_means++;
        continue;
      }
      double le;
      const char *les = tr_label(metric, "le");
      if (!les ||
          (strcmp(les, "+Inf") != 0 && !imp_json_number(json_object_get(metric, "le"), &le)))
        rc = imp_json_err(t->d, file, where,
                          "no \"le\" label: expected the buckets of "
                          "istio_request_duration_milliseconds_bucket");
      else {
        double key = strcmp(les, "+Inf") ? le : INFINITY;
        size_t j;
        for (j = 0; j < sv->nb && sv->b[j].le_ms != key; j++)
          ;
        if (j < sv->nb) { /* one bucket of several workloads of the service */
          sv->b[j].rate += v;
          continue;
        }
        tr_bucket *nb = realloc(sv->b, (sv->nb + 1) * sizeof *nb);
        if (!nb)
          return diag_error(t->d, file, 0, 0, "out of memory");
        sv->b = nb;
        sv->b[sv->nb++] = (tr_bucket){strcmp(les, "+Inf") ? le : INFINITY, v};
      }
      continue;
    }
    int from = tr_side(t, metric, true, false, file, where);
    if (from == -1) {
      rc = -1;
      continue;
    }
    if (from == to)
      continue;
    tr_edge *e = tr_edge_of(t, from, to);
    if (!e)
      return diag_error(t->d, file, 0, 0, "out of memory");
    if (q == TR_REQUESTS)
      e->rps += v;
    else if (q == TR_REQ_BYTES)
      e->req_bytes = v;
    else
      e->resp_bytes = v;
  }
  json_decref(root);
  return rc;
}

/* ---- Kiali ----------------------------------------------------------------- */

static int tr_kiali(tr *t, const char *file) {
  json_t *root = imp_json_load(file, t->d);
  if (!root)
    return -1;
  json_t *nodes = json_object_get(json_object_get(root, "elements"), "nodes");
  json_t *edges = json_object_get(json_object_get(root, "elements"), "edges");
  int rc = 0;
  if (!json_is_array(nodes) || !json_is_array(edges)) {
    rc = imp_json_err(t->d, file, "elements",
                      "expected a Kiali graph ({\"elements\": {\"nodes\": [...], \"edges\": "
                      "[...]}})");
    json_decref(root);
    return rc;
  }
  size_t n = json_array_size(nodes), i;
  const char **ids = calloc(n ? n : 1, sizeof *ids);
  int *svc = calloc(n ? n : 1, sizeof *svc);
  if (!ids || !svc) {
    free(ids);
    free(svc);
    json_decref(root);
    return diag_error(t->d, file, 0, 0, "out of memory");
  }
  json_t *node;
  json_array_foreach(nodes, i, node) {
    char where[64];
    snprintf(where, sizeof where, "elements.nodes[%zu].data", i);
    json_t *data = json_object_get(node, "data");
    ids[i] = json_string_value(json_object_get(data, "id"));
    if (!ids[i]) {
      rc = imp_json_err(t->d, file, where, "missing \"id\"");
      continue;
    }
    const char *type = tr_label(data, "nodeType");
    const char *names[] = {"service", "app", "workload"};
    const char *vals[3];
    for (int k = 0; k < 3; k++)
      vals[k] = tr_label(data, names[k]);
    const char *ns = tr_label(data, "namespace");
    if (type && !strcmp(type, "unknown"))
      svc[i] = TR_EXTERNAL;
    else if (json_is_true(json_object_get(data, "isRoot")) &&
             tr_is_external(t, vals[2] ? vals[2] : vals[1], ns))
      svc[i] = TR_EXTERNAL;
    else if (!vals[0] && !vals[1] && !vals[2])
      rc = imp_json_err(t->d, file, where, "a %s node with no service, app or workload",
                        type ? type : "typeless");
    else if ((svc[i] = tr_resolve(t, vals, names, 3, ns,
                                  json_is_true(json_object_get(data, "isRoot")), file, where)) ==
             -1)
      rc = -1;
  }
  json_t *edge;
  json_array_foreach(edges, i, edge) {
    if (rc != 0)
      break;
    char where[64];
    snprintf(where, sizeof where, "elements.edges[%zu].data", i);
    json_t *data = json_object_get(edge, "data");
    const char *src = tr_label(data, "source"), *dst = tr_label(data, "target");
    int a = -1, b = -1;
    for (size_t k = 0; k < n; k++) {
      if (ids[k] && src && !strcmp(ids[k], src))
        a = svc[k];
      if (ids[k] && dst && !strcmp(ids[k], dst))
        b = svc[k];
    }
    if (a == -1 || b == -1) {
      rc = imp_json_err(t->d, file, where, "\"%s\" names no node of the graph",
                        a == -1 ? (src ? src : "source") : (dst ? dst : "target"));
      break;
    }
    json_t *traffic = json_object_get(data, "traffic");
    const char *proto = tr_label(traffic, "protocol");
    json_t *rates = json_object_get(traffic, "rates");
    double rps;
    if (proto && !strcmp(proto, "tcp")) {
      diag_note(t->notes, file, 0, 0,
                "%s: a tcp edge; Kiali gives its bytes per second, not requests, so it sets no "
                "call (keep or add the call by hand)",
                where);
      continue;
    }
    if (!imp_json_number(json_object_get(rates, proto && !strcmp(proto, "grpc") ? "grpc" : "http"),
                         &rps)) {
      rc = imp_json_err(t->d, file, where,
                        "no request rate in \"traffic.rates\" (expected \"http\" or \"grpc\" in "
                        "requests per second)");
      break;
    }
    if (a == TR_SKIP || b == TR_SKIP || a == b || b == TR_EXTERNAL)
      continue;
    tr_edge *e = tr_edge_of(t, a, b);
    if (!e) {
      rc = diag_error(t->d, file, 0, 0, "out of memory");
      break;
    }
    e->rps += rps;
  }
  free(ids);
  free(svc);
  json_decref(root);
  return rc;
}

/* ---- derived values -------------------------------------------------------- */

static double tr_in(const tr *t, int s) {
  double r = 0;
  for (size_t i = 0; i < t->ne; i++)
    if (t->e[i].to == s)
      r += t->e[i].rps;
  return r;
}

/* The rate-weighted mean bytes of requests (resp = false) or responses into s. */
static double tr_size_into(const tr *t, int s, bool resp) {
  double w = 0, sum = 0;
  for (size_t i = 0; i < t->ne; i++) {
    double b = resp ? t->e[i].resp_bytes : t->e[i].req_bytes;
    if (t->e[i].to == s && b >= 0 && t->e[i].rps > 0) {
      w += t->e[i].rps;
      sum += t->e[i].rps * b;
    }
  }
  return w > 0 ? sum / w : -1;
}

static int tr_cmp_bucket(const void *a, const void *b) {
  double x = ((const tr_bucket *)a)->le_ms, y = ((const tr_bucket *)b)->le_ms;
  return x < y ? -1 : x > y;
}

/* The p99 of a service's histogram by linear interpolation within the
 * bucket that holds it (histogram_quantile's rule); -1 without buckets. */
static double tr_p99(tr_svc *sv) {
  if (sv->nb < 2)
    return -1;
  qsort(sv->b, sv->nb, sizeof *sv->b, tr_cmp_bucket);
  double total = sv->b[sv->nb - 1].rate;
  if (!(total > 0))
    return -1;
  double want = 0.99 * total, lo = 0, below = 0;
  for (size_t i = 0; i < sv->nb; i++) {
    if (sv->b[i].rate >= want) {
      if (isinf(sv->b[i].le_ms))
        return lo; /* in the open bucket: its lower bound, as Prometheus does */
      double span = sv->b[i].rate - below;
      return lo + (sv->b[i].le_ms - lo) * (span > 0 ? (want - below) / span : 1);
    }
    lo = sv->b[i].le_ms;
    below = sv->b[i].rate;
  }
  return lo;
}

/* ---- editing the scenario text --------------------------------------------- */

typedef struct tr_edit {
  size_t start, end;
  char *text;
} tr_edit;

typedef struct tr_edits {
  tr_edit *e;
  size_t n;
  bool nomem;
} tr_edits;

static void tr_edit_add(tr_edits *ed, size_t start, size_t end, imp_buf *text) {
  tr_edit *ne = realloc(ed->e, (ed->n + 1) * sizeof *ne);
  if (!ne || text->nomem) {
    ed->nomem = true;
    free(ne ? NULL : NULL);
    if (ne)
      ed->e = ne;
    imp_buf_release(text);
    return;
  }
  ed->e = ne;
  ed->e[ed->n++] = (tr_edit){start, end, text->s ? text->s : strdup("")};
  text->s = NULL;
  imp_buf_release(text);
}

/* Where a node's text ends: a block collection ends with its last item. */
static size_t tr_last_end(yaml_document_t *doc, yaml_node_t *n) {
  if (n->type == YAML_MAPPING_NODE && n->data.mapping.style == YAML_BLOCK_MAPPING_STYLE &&
      n->data.mapping.pairs.top > n->data.mapping.pairs.start)
    return tr_last_end(doc, yaml_document_get_node(doc, n->data.mapping.pairs.top[-1].value));
  if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.style == YAML_BLOCK_SEQUENCE_STYLE &&
      n->data.sequence.items.top > n->data.sequence.items.start)
    return tr_last_end(doc, yaml_document_get_node(doc, n->data.sequence.items.top[-1]));
  return n->end_mark.index;
}

/* After the end of the line holding byte i (past its '\n'). */
static size_t tr_eol(const char *text, size_t len, size_t i) {
  while (i < len && text[i] != '\n')
    i++;
  return i < len ? i + 1 : len;
}

/* The span of key `key` and its value in mapping m (from the start of the
 * key's line to the end of the value's last line); false when absent. */
static bool tr_key_span(yaml_document_t *doc, yaml_node_t *m, const char *key, const char *text,
                        size_t len, size_t *start, size_t *end) {
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(doc, p->key);
    if (k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, key) != 0)
      continue;
    *start = k->start_mark.index - k->start_mark.column;
    *end = tr_eol(text, len, tr_last_end(doc, yaml_document_get_node(doc, p->value)));
    return true;
  }
  return false;
}

static void tr_fmt_size(char *buf, size_t n, double bytes) {
  snprintf(buf, n, "%.0fB", bytes);
}

static void tr_fmt_ms(char *buf, size_t n, double ms) {
  if (ms >= 1)
    snprintf(buf, n, "%.4gms", ms);
  else
    snprintf(buf, n, "%.4gus", ms * 1000);
}

/* The lines of one service's keys, at indent `ind`. */
static void tr_write_service(tr *t, int s, int ind, imp_buf *b, bool *has_calls_data) {
  const char *src = tr_base(t->source);
  double in = tr_in(t, s);
  *has_calls_data = false;
  for (size_t i = 0; i < t->ne; i++)
    *has_calls_data |= t->e[i].from == s && t->e[i].rps > 0;
  if (*has_calls_data && in > 0) {
    imp_buf_printf(b, "%*scalls:", ind, "");
    imp_buf_comment(b, TR_COL, "per request: the rate to each / %.4g/s into %s (%s)", in,
                    t->s.services[s].name, src);
    imp_buf_puts(b, "\n");
    for (size_t i = 0; i < t->ne; i++) {
      const tr_edge *e = &t->e[i];
      if (e->from != s || !(e->rps > 0))
        continue;
      /* Measured rates: four significant digits, so 3 x 3.333/s into 10/s is 1 call. */
      char digits[32];
      snprintf(digits, sizeof digits, "%.4g", e->rps / in);
      double m = strtod(digits, NULL);
      if (m > 1000)
        m = 1000;
      double c = ceil(m - 1e-9 * m);
      if (c < 1)
        c = 1;
      imp_buf_printf(b, "%*s  - {service: ", ind, "");
      imp_buf_scalar(b, t->s.services[e->to].name);
      imp_buf_printf(b, ", count: %.0f", c);
      if (m / c < 1 - 1e-9)
        imp_buf_printf(b, ", probability: %.4g", m / c);
      char sz[32];
      if (e->req_bytes >= 0) {
        tr_fmt_size(sz, sizeof sz, e->req_bytes);
        imp_buf_printf(b, ", request_size: %s", sz);
      }
      if (e->resp_bytes >= 0) {
        tr_fmt_size(sz, sizeof sz, e->resp_bytes);
        imp_buf_printf(b, ", response_size: %s", sz);
      }
      imp_buf_puts(b, "}");
      imp_buf_comment(b, TR_COL, "%.4g/s: %.4g per request", e->rps, m);
      imp_buf_puts(b, "\n");
    }
    /* Calls the data does not mention (opaque TCP, say) are kept. */
    const scenario_service *sv = &t->s.services[s];
    for (uint32_t c = 0; c < sv->n_calls; c++) {
      bool seen = false;
      for (size_t i = 0; i < t->ne && !seen; i++)
        seen = t->e[i].from == s && t->e[i].to == (int)sv->calls[c].target && t->e[i].rps > 0;
      if (seen)
        continue;
      imp_buf_printf(b, "%*s  - {service: ", ind, "");
      imp_buf_scalar(b, t->s.services[sv->calls[c].target].name);
      imp_buf_printf(b, ", count: %u, probability: %.6g}", sv->calls[c].count,
                     sv->calls[c].probability);
      imp_buf_comment(b, TR_COL, "kept from %s: not in the traffic data", tr_base(t->o->into));
      imp_buf_puts(b, "\n");
    }
  } else if (*has_calls_data) {
    diag_note(t->notes, t->source, 0, 0,
              "\"%s\" calls other services but receives no measured traffic; its calls are not "
              "set",
              t->s.services[s].name);
    *has_calls_data = false;
  }
  char v[32], v2[32];
  double req = tr_size_into(t, s, false), resp = tr_size_into(t, s, true);
  if (req >= 0) {
    tr_fmt_size(v, sizeof v, req);
    imp_buf_printf(b, "%*srequest_size: %s", ind, "", v);
    imp_buf_comment(b, TR_COL, "mean istio_request_bytes into %s (%s)", t->s.services[s].name,
                    tr_base(t->o->request_bytes));
    imp_buf_puts(b, "\n");
  }
  if (resp >= 0) {
    tr_fmt_size(v, sizeof v, resp);
    imp_buf_printf(b, "%*sresponse_size: %s", ind, "", v);
    imp_buf_comment(b, TR_COL, "mean istio_response_bytes from %s (%s)", t->s.services[s].name,
                    tr_base(t->o->response_bytes));
    imp_buf_puts(b, "\n");
  }
  tr_svc *st = &t->svc[s];
  if (st->mean_ms > 0) {
    double below = 0;
    bool known = true;
    for (size_t i = 0; i < t->ne; i++) {
      const tr_edge *e = &t->e[i];
      if (e->from != s || !(e->rps > 0) || !(in > 0))
        continue;
      if (t->svc[e->to].mean_ms < 0)
        known = false;
      else
        below += e->rps / in * t->svc[e->to].mean_ms;
    }
    if (!known) {
      diag_note(t->notes, t->o->duration, 0, 0,
                "\"%s\": a service it calls has no duration in the data; its service time is "
                "not set",
                t->s.services[s].name);
      return;
    }
    double own = st->mean_ms - below, floor = 0.05 * st->mean_ms;
    if (own < floor) {
      diag_note(t->notes, t->o->duration, 0, 0,
                "\"%s\": its calls take %.4g ms of its %.4g ms (parallel calls?); its own time is "
                "set to 5%% of its duration",
                t->s.services[s].name, below, st->mean_ms);
      own = floor;
    }
    double p99 = below == 0 ? tr_p99(st) : -1;
    tr_fmt_ms(v, sizeof v, own);
    if (p99 > own * 1.0001 && p99 <= own * 14.9) {
      tr_fmt_ms(v2, sizeof v2, p99);
      imp_buf_printf(b, "%*sservice_time: {dist: lognormal, mean: %s, p99: %s}", ind, "", v, v2);
      imp_buf_comment(b, TR_COL,
                      "istio_request_duration_milliseconds at %s (%s): mean and p99 "
                      "of the histogram; it calls nothing",
                      t->s.services[s].name, tr_base(t->o->duration));
    } else {
      imp_buf_printf(b, "%*sservice_time: {dist: exponential, mean: %s}", ind, "", v);
      if (below > 0)
        imp_buf_comment(b, TR_COL,
                        "estimate: mean duration %.4g ms at %s minus %.4g ms in its calls "
                        "(one after another) (%s)",
                        st->mean_ms, t->s.services[s].name, below, tr_base(t->o->duration));
      else
        imp_buf_comment(b, TR_COL, "mean istio_request_duration_milliseconds at %s (%s)",
                        t->s.services[s].name, tr_base(t->o->duration));
    }
    imp_buf_puts(b, "\n");
  }
}

static int tr_merge(tr *t, const char *text, size_t len, imp_buf *out) {
  yaml_parser_t p;
  yaml_document_t doc;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  if (!yaml_parser_load(&p, &doc)) {
    yaml_parser_delete(&p);
    return diag_error(t->d, t->o->into, 0, 0, "cannot parse the scenario");
  }
  yaml_parser_delete(&p);
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  tr_edits ed = {0};
  yaml_node_t *services = NULL;
  for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
       pr++) {
    yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
    if (!strcmp((const char *)k->data.scalar.value, "services"))
      services = yaml_document_get_node(&doc, pr->value);
  }
  int rc = 0;
  for (yaml_node_item_t *it = services->data.sequence.items.start;
       it < services->data.sequence.items.top && rc == 0; it++) {
    yaml_node_t *m = yaml_document_get_node(&doc, *it);
    yaml_node_t *name = NULL;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++)
      if (!strcmp((const char *)yaml_document_get_node(&doc, pr->key)->data.scalar.value, "name"))
        name = yaml_document_get_node(&doc, pr->value);
    int s = (int)scenario_find_service(&t->s, (const char *)name->data.scalar.value);
    if (m->data.mapping.style != YAML_BLOCK_MAPPING_STYLE) {
      diag_note(t->notes, t->o->into, (uint32_t)m->start_mark.line + 1, 0,
                "service \"%s\" is written in flow style ({...}); nothing is merged into it",
                t->s.services[s].name);
      continue;
    }
    int ind =
        (int)yaml_document_get_node(&doc, m->data.mapping.pairs.start->key)->start_mark.column;
    imp_buf b;
    imp_buf_init(&b);
    bool calls;
    tr_write_service(t, s, ind, &b, &calls);
    if (!b.len) {
      imp_buf_release(&b);
      continue;
    }
    /* Remove the keys being set, then add their new lines after the mapping. */
    static const char *const keys[] = {"calls", "service_time", "request_size", "response_size"};
    for (size_t k = 0; k < 4; k++) {
      char probe[64];
      snprintf(probe, sizeof probe, "%*s%s:", ind, "", keys[k]);
      if (k == 0 && !calls)
        continue;
      if (!strstr(b.s, probe))
        continue;
      size_t a, z;
      if (tr_key_span(&doc, m, keys[k], text, len, &a, &z)) {
        imp_buf none;
        imp_buf_init(&none);
        imp_buf_puts(&none, "");
        tr_edit_add(&ed, a, z, &none);
      }
    }
    size_t at = tr_eol(text, len, tr_last_end(&doc, m));
    tr_edit_add(&ed, at, at, &b);
  }
  /* The traffic section. */
  imp_buf b;
  imp_buf_init(&b);
  imp_buf_puts(&b, "traffic:\n");
  size_t n_entries = 0;
  for (size_t i = 0; i < t->ne; i++) {
    if (t->e[i].from != TR_EXTERNAL || !(t->e[i].rps > 0))
      continue;
    imp_buf_puts(&b, "  - service: ");
    imp_buf_scalar(&b, t->s.services[t->e[i].to].name);
    if (t->svc[t->e[i].to].has_inbound)
      imp_buf_comment(&b, TR_COL, "from outside the mesh: %s's total less the meshed callers",
                      tr_base(t->o->inbound));
    else
      imp_buf_comment(&b, TR_COL, "from outside the mesh (source unknown or a gateway) in %s",
                      tr_base(t->source));
    imp_buf_printf(&b, "\n    rate: %.6g/s", t->e[i].rps);
    imp_buf_comment(&b, TR_COL, "measured");
    imp_buf_puts(&b, "\n");
    n_entries++;
  }
  if (!n_entries) {
    imp_buf_release(&b);
    diag_note(t->notes, t->source, 0, 0,
              "no traffic from outside the mesh in the data; the scenario's traffic is kept");
  } else {
    size_t a = len, z = len;
    bool found = false;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
         pr < root->data.mapping.pairs.top && !found; pr++) {
      yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
      if (!strcmp((const char *)k->data.scalar.value, "traffic"))
        found = tr_key_span(&doc, root, "traffic", text, len, &a, &z);
    }
    if (!found && len && text[len - 1] != '\n') {
      imp_buf nb;
      imp_buf_init(&nb);
      imp_buf_puts(&nb, "\n");
      imp_buf_puts(&nb, b.s);
      imp_buf_release(&b);
      b = nb;
    }
    tr_edit_add(&ed, a, z, &b);
  }
  yaml_document_delete(&doc);
  /* Apply the edits in text order (insertions at one spot keep their order). */
  for (size_t i = 1; i < ed.n; i++)
    for (size_t j = i; j > 0 && ed.e[j].start < ed.e[j - 1].start; j--) {
      tr_edit x = ed.e[j];
      ed.e[j] = ed.e[j - 1];
      ed.e[j - 1] = x;
    }
  size_t pos = 0;
  for (size_t i = 0; i < ed.n; i++) {
    if (ed.e[i].start < pos) { /* overlapping spans cannot happen; be safe */
      rc = diag_error(t->d, t->o->into, 0, 0, "internal error: overlapping edits");
      break;
    }
    imp_buf_putn(out, text + pos, ed.e[i].start - pos);
    imp_buf_puts(out, ed.e[i].text);
    pos = ed.e[i].end;
  }
  imp_buf_putn(out, text + pos, len - pos);
  for (size_t i = 0; i < ed.n; i++)
    free(ed.e[i].text);
  free(ed.e);
  if (ed.nomem || out->nomem)
    rc = diag_error(t->d, NULL, 0, 0, "out of memory");
  return rc;
}

/* Linkerd's outbound series see only meshed callers: what enters a service
 * from outside is its inbound total less them (differences under 1% of
 * the inbound total are the two counters' noise, not traffic). */
static int tr_external_from_inbound(tr *t) {
  for (uint32_t s = 0; s < t->s.n_services; s++) {
    if (!t->svc[s].has_inbound)
      continue;
    double internal = 0;
    for (size_t i = 0; i < t->ne; i++)
      if (t->e[i].to == (int)s && t->e[i].from != TR_EXTERNAL)
        internal += t->e[i].rps;
    double ext = t->svc[s].inbound_rps - internal;
    if (!(ext > 0.01 * t->svc[s].inbound_rps))
      continue;
    tr_edge *e = tr_edge_of(t, TR_EXTERNAL, (int)s);
    if (!e)
      return diag_error(t->d, NULL, 0, 0, "out of memory");
    if (e->rps > 0)
      diag_note(t->notes, t->o->inbound, 0, 0,
                "\"%s\": external traffic is in both --requests and --inbound; --inbound's is used",
                t->s.services[s].name);
    e->rps = ext;
  }
  return 0;
}

/* ---- the whole --------------------------------------------------------------- */

static char *tr_read(const char *path, size_t *len, diag_list *d) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    diag_error(d, path, 0, 0, "cannot open scenario file");
    return NULL;
  }
  imp_buf b;
  imp_buf_init(&b);
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
    imp_buf_putn(&b, chunk, got);
  fclose(f);
  if (b.nomem) {
    imp_buf_release(&b);
    diag_error(d, path, 0, 0, "out of memory");
    return NULL;
  }
  *len = b.len;
  return b.s ? b.s : strdup("");
}

int imp_traffic_import(const imp_traffic_options *o, imp_buf *out, diag_list *notes, diag_list *d) {
  tr t = {.o = o, .d = d, .notes = notes};
  diag_list first; /* the scenario as it is: its warnings (no calls yet) are no news */
  diag_list_init(&first);
  if (scenario_load_file(o->into, NULL, 0, &t.s, &first) != 0) {
    for (size_t i = 0; i < first.n; i++)
      if (first.items[i].severity == DIAG_ERROR)
        diag_error(d, first.items[i].file, first.items[i].line, first.items[i].col, "%s",
                   first.items[i].message);
    diag_list_release(&first);
    diag_error(d, o->into, 0, 0, "the scenario to merge into does not load (the messages above)");
    return IMPORT_EINPUT;
  }
  diag_list_release(&first);
  int rc = 0;
  t.svc = calloc(t.s.n_services ? t.s.n_services : 1, sizeof *t.svc);
  if (!t.svc)
    rc = diag_error(d, NULL, 0, 0, "out of memory");
  for (uint32_t i = 0; rc == 0 && i < t.s.n_services; i++)
    t.svc[i].mean_ms = -1;
  if (rc == 0 && o->kiali) {
    t.source = o->kiali;
    rc = tr_kiali(&t, o->kiali);
  } else if (rc == 0) {
    const char *files[TR_QUERIES] = {o->requests, o->request_bytes,    o->response_bytes,
                                     o->duration, o->duration_buckets, o->inbound};
    t.source = o->requests;
    for (int q = 0; q < TR_QUERIES; q++)
      if (files[q] && tr_prometheus(&t, files[q], (tr_query)q) != 0)
        rc = -1;
    if (rc == 0 && o->inbound)
      rc = tr_external_from_inbound(&t);
  }
  /* Istio counts opaque TCP in istio_tcp_* only: say so for TCP services the
   * rates leave without callers. */
  for (uint32_t i = 0; rc == 0 && i < t.s.n_services; i++) {
    if (t.s.services[i].protocol != MESH_PROTO_TCP || tr_in(&t, (int)i) > 0)
      continue;
    bool called = false;
    for (uint32_t a = 0; a < t.s.n_services && !called; a++)
      for (uint32_t c = 0; c < t.s.services[a].n_calls && !called; c++)
        called = t.s.services[a].calls[c].target == i;
    if (!called)
      diag_note(notes, t.source, 0, 0,
                "\"%s\" speaks opaque TCP: no request rates reach it (Istio counts TCP only in "
                "istio_tcp_*); add the calls to it by hand",
                t.s.services[i].name);
  }
  size_t len = 0;
  char *text = rc == 0 ? tr_read(o->into, &len, d) : NULL;
  if (rc == 0 && !text)
    rc = -1;
  if (rc == 0)
    rc = tr_merge(&t, text, len, out);
  bool invalid_output = false;
  if (rc == 0 && imp_check_scenario(out->s, out->len, o->display ? o->display : o->into, d) != 0) {
    invalid_output = true;
    rc = diag_error(d, NULL, 0, 0,
                    "the merged scenario does not validate (the messages above); nothing was "
                    "written");
  }
  free(text);
  for (uint32_t i = 0; t.svc && i < t.s.n_services; i++)
    free(t.svc[i].b);
  free(t.svc);
  free(t.e);
  scenario_release(&t.s);
  if (invalid_output)
    return IMPORT_EOUTPUT;
  return rc == 0 && diag_error_count(d) == 0 ? 0 : IMPORT_EINPUT;
}

const char *imp_traffic_queries(void) {
  return "Prometheus queries (run each with the HTTP API's instant query, e.g.\n"
         "  curl -s 'http://prometheus:9090/api/v1/query' --data-urlencode 'query=...' > "
         "FILE.json):\n"
         "  --requests FILE (required):\n"
         "    sum by (source_workload, source_workload_namespace, source_canonical_service,\n"
         "            destination_workload, destination_workload_namespace,\n"
         "            destination_service_name, destination_canonical_service)\n"
         "      (rate(istio_requests_total{reporter=\"destination\"}[5m]))\n"
         "  --request-bytes FILE: the same \"sum by (...)\" of\n"
         "      rate(istio_request_bytes_sum{reporter=\"destination\"}[5m])\n"
         "    divided by the same of rate(istio_request_bytes_count{reporter=\"destination\"}"
         "[5m])\n"
         "  --response-bytes FILE: likewise with istio_response_bytes_sum / _count\n"
         "  --duration FILE: mean milliseconds per destination service:\n"
         "    sum by (destination_service_name, destination_service_namespace)\n"
         "      (rate(istio_request_duration_milliseconds_sum{reporter=\"destination\"}[5m]))\n"
         "    / the same of rate(istio_request_duration_milliseconds_count{...}[5m])\n"
         "  --duration-buckets FILE: the buckets, for the p99 of services that call nothing:\n"
         "    sum by (destination_service_name, destination_service_namespace, le)\n"
         "      (rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\"}[5m]))\n"
         "Linkerd (linkerd-viz's Prometheus), the same options:\n"
         "  --requests FILE:\n"
         "    sum by (namespace, deployment, statefulset, dst_namespace, dst_service,\n"
         "            dst_deployment, dst_statefulset)\n"
         "      (rate(request_total{direction=\"outbound\"}[5m]))\n"
         "  --inbound FILE: every request into each workload, so that traffic from outside\n"
         "    the mesh (which no meshed caller's outbound series counts) is found:\n"
         "    sum by (namespace, deployment, statefulset) "
         "(rate(request_total{direction=\"inbound\"}"
         "[5m]))\n"
         "  --duration FILE: sum by (namespace, deployment)\n"
         "      (rate(response_latency_ms_sum{direction=\"inbound\"}[5m])) / the same of _count\n"
         "  --duration-buckets FILE: sum by (namespace, deployment, le)\n"
         "      (rate(response_latency_ms_bucket{direction=\"inbound\"}[5m]))\n"
         "In ambient mode without waypoints ztunnel reports only istio_tcp_* metrics: use\n"
         "reporter=\"waypoint\" where waypoints run, or a Kiali graph.\n"
         "Kiali: --kiali FILE, the JSON of\n"
         "  /kiali/api/namespaces/graph?namespaces=NS&graphType=workload&duration=300s\n";
}
