/* scenario_load_ops: services' operations, the targets that calls and
 * traffic name, operation mixes and weighted choices.
 *
 * A service may list named operations (`operations:`), each with its own
 * service time, sizes, fan-out and calls; what an operation leaves unset is
 * its service's. A target is written "service" or "service/operation" (the
 * whole text is tried as a service name first, so a name holding a '/'
 * still works; operation names may not hold one). A call or traffic entry
 * naming a service with operations alone goes to one of them per request,
 * by the operations' `weight`s, or by its own `mix: {op: weight}`; a call's
 * `one_of: {target: weight}` picks one target per call (a gateway's
 * weighted route). All of them become one list of ways with shares adding
 * up to 1 (scenario_target); a service with operations named inside a
 * one_of spreads its weight over its operations. Ways of weight 0 are
 * dropped, and a choice left with one way is that way's plain target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

/* ---- operations ---------------------------------------------------------- */

/* What an operation starts from: its service's service time (the arrays of
 * an empirical one copied, when the operation gives none of its own),
 * sizes and fan-out, and a weight of 1. 0, or SIM_ENOMEM after reporting. */
static int op_defaults(ld_loader *L, const yaml_node_t *m, scenario_operation *op,
                       const scenario_service *sv) {
  op->weight = 1.0;
  op->request_bytes = sv->request_bytes;
  op->response_bytes = sv->response_bytes;
  op->parallel = sv->parallel;
  if (ld_get(L, m, "service_time") != NULL) {
    return 0;
  }
  op->service_time_ns = sv->service_time_ns;
  if (sv->dist_storage != NULL) {
    size_t n = sv->service_time_ns.n;
    op->dist_storage = malloc(2 * n * sizeof *op->dist_storage);
    if (op->dist_storage == NULL) {
      return ld_nomem(L);
    }
    memcpy(op->dist_storage, sv->dist_storage, 2 * n * sizeof *op->dist_storage);
    op->service_time_ns.x = op->dist_storage;
    op->service_time_ns.p = op->dist_storage + n;
  }
  return 0;
}

/* The operation's name: required, unique in its service, without '/'.
 * Returns true when it is good. */
static bool op_name(ld_loader *L, const yaml_node_t *m, const char *path, scenario_service *sv,
                    const ld_op_aux *aux, scenario_operation *op) {
  yaml_node_t *nv = ld_get(L, m, "name");
  if (nv == NULL) {
    ld_missing(L, m, "name", path);
    return false;
  }
  if (ld_val_name(L, nv, "name", op->name) != 0) {
    return false;
  }
  if (strchr(op->name, '/') != NULL) {
    ld_err_at(L, nv,
              "invalid \"name\": operation names must not hold \"/\", which separates the "
              "service from the operation in \"%s/%s\"",
              sv->name, "NAME");
    return false;
  }
  for (uint32_t o = 0; o < sv->n_ops; o++) {
    if (strcmp(sv->ops[o].name, op->name) == 0) {
      char w[LD_PATH_MAX + LD_FILE_MAX];
      yaml_node_t *first = ld_get(L, ld_node_at(L, aux[o].id), "name");
      ld_err_at(L, nv, "duplicate operation \"%s\" of service \"%s\" (first defined at %s)",
                op->name, sv->name, ld_where_from(L, nv, first, w, sizeof w));
      return false;
    }
  }
  return true;
}

void ld_convert_operations(ld_loader *L, const yaml_node_t *m, const char *path,
                           scenario_service *sv, uint32_t idx) {
  yaml_node_t *seq = ld_opt_seq(L, m, "operations", path);
  if (seq == NULL) {
    return;
  }
  char lpath[LD_PATH_MAX];
  ld_path_join(lpath, sizeof lpath, path, "operations");
  size_t n = ld_seq_len(seq);
  if (n == 0) {
    ld_err_at(L, seq, "\"%s\" needs at least one operation (or leave it out)", lpath);
    return;
  }
  yaml_node_t *calls = ld_get(L, m, "calls");
  if (calls != NULL) {
    ld_err_at(L, calls,
              "service \"%s\" has operations, so its calls belong to them: give them in each "
              "operation's \"calls\"",
              sv->name);
  }
  sv->ops = calloc(n, sizeof *sv->ops);
  L->op_aux[idx] = calloc(n, sizeof *L->op_aux[idx]);
  if (sv->ops == NULL || L->op_aux[idx] == NULL) {
    ld_nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *om = ld_seq_item(L, seq, i);
    char opath[LD_PATH_MAX];
    ld_element_path(L, opath, sizeof opath, lpath, om, "name", i);
    if (!ld_check_map(L, om, &ld_sch_operation, opath)) {
      continue;
    }
    scenario_operation *op = &sv->ops[sv->n_ops];
    ld_op_aux *aux = &L->op_aux[idx][sv->n_ops];
    if (!op_name(L, om, opath, sv, L->op_aux[idx], op) || op_defaults(L, om, op, sv) != 0) {
      free(op->dist_storage);
      memset(op, 0, sizeof *op);
      continue;
    }
    aux->id = ld_node_id(L, om);
    sv->n_ops++;
    ld_opt_number(L, om, "weight", LD_RANGE_NONNEG, &op->weight);
    yaml_node_t *st = ld_get(L, om, "service_time");
    if (st != NULL) {
      char dpath[LD_PATH_MAX];
      ld_path_join(dpath, sizeof dpath, opath, "service_time");
      ld_convert_dist(L, st, "service_time", dpath, &op->service_time_ns, &op->dist_storage);
    }
    ld_opt_size(L, om, "request_size", false, &op->request_bytes);
    ld_opt_size(L, om, "response_size", false, &op->response_bytes);
    ld_opt_bool(L, om, "parallel", &op->parallel);
    yaml_node_t *cs = ld_get(L, om, "calls");
    size_t nc = ld_is_seq(cs) ? ld_seq_len(cs) : 0;
    aux->calls = calloc(nc > 0 ? nc : 1, sizeof *aux->calls);
    if (aux->calls == NULL) {
      ld_nomem(L);
      return;
    }
    ld_convert_calls(L, om, opath, &op->calls, &op->n_calls, aux->calls);
  }
}

void ld_op_aux_free(ld_loader *L) {
  const scenario *s = L->s;
  for (uint32_t i = 0; L->op_aux != NULL && i < s->n_services; i++) {
    for (uint32_t o = 0; L->op_aux[i] != NULL && o < s->services[i].n_ops; o++) {
      for (uint32_t j = 0; L->op_aux[i][o].calls != NULL && j < s->services[i].ops[o].n_calls;
           j++) {
        free(L->op_aux[i][o].calls[j].way_ids);
      }
      free(L->op_aux[i][o].calls);
    }
    free(L->op_aux[i]);
  }
  free(L->op_aux);
  L->op_aux = NULL;
  for (uint32_t k = 0; L->calls != NULL && L->call_start != NULL && s->services != NULL &&
                       k < L->call_start[s->n_services];
       k++) {
    free(L->calls[k].way_ids);
  }
}

const char *ld_node_name(const scenario *s, uint32_t sv, uint32_t op, char *buf, size_t size) {
  if (s->services[sv].n_ops == 0) {
    snprintf(buf, size, "%s", s->services[sv].name);
  } else {
    snprintf(buf, size, "%s/%s", s->services[sv].name, s->services[sv].ops[op].name);
  }
  return buf;
}

/* ---- targets ------------------------------------------------------------- */

/* "unknown operation ..." for the operation `name` of service sv, at v. */
static void unknown_op(ld_loader *L, const yaml_node_t *v, const scenario_service *sv,
                       const char *name) {
  const char **names = calloc(sv->n_ops + 1, sizeof *names);
  if (names == NULL) {
    ld_nomem(L);
    return;
  }
  for (uint32_t o = 0; o < sv->n_ops; o++) {
    names[o] = sv->ops[o].name;
  }
  char q[128], sug[640];
  ld_err_at(L, v, "unknown operation \"%s\" of service \"%s\"%s", ld_quote(q, sizeof q, name),
            sv->name, ld_suggestion(sug, sizeof sug, name, names, sv->n_ops, "operations"));
  free(names);
}

/* Operation `name` of sv, or SCN_NONE after reporting at v. */
static uint32_t find_op(ld_loader *L, const yaml_node_t *v, const scenario_service *sv,
                        const char *name) {
  if (sv->n_ops == 0) {
    ld_err_at(L, v, "service \"%s\" has no operations; name it alone (\"%s\")", sv->name, sv->name);
    return SCN_NONE;
  }
  for (uint32_t o = 0; o < sv->n_ops; o++) {
    if (strcmp(sv->ops[o].name, name) == 0) {
      return o;
    }
  }
  unknown_op(L, v, sv, name);
  return SCN_NONE;
}

uint32_t ld_resolve_target(ld_loader *L, const yaml_node_t *v, const char *key, const char **names,
                           uint32_t *op) {
  *op = LD_OP_ANY;
  const char *t;
  if (ld_val_scalar(L, v, key, "a service name", &t) != 0) {
    return SCN_NONE;
  }
  uint32_t idx = ld_nt_find(&L->services, t);
  if (idx != SCN_NONE) {
    return idx;
  }
  const char *slash = strrchr(t, '/');
  if (slash != NULL && slash > t && slash[1] != '\0' && (size_t)(slash - t) < SCN_NAME_MAX) {
    char svname[SCN_NAME_MAX];
    memcpy(svname, t, (size_t)(slash - t));
    svname[slash - t] = '\0';
    idx = ld_nt_find(&L->services, svname);
    if (idx != SCN_NONE) {
      *op = find_op(L, v, &L->s->services[idx], slash + 1);
      return *op == SCN_NONE ? SCN_NONE : idx;
    }
  }
  if (!L->services_incomplete) {
    char q[128], sug[640];
    ld_err_at(L, v, "unknown service \"%s\"%s", ld_quote(q, sizeof q, t),
              ld_suggestion(sug, sizeof sug, t, names, L->s->n_services, "services"));
  }
  return SCN_NONE;
}

/* ---- ways ---------------------------------------------------------------- */

/* The ways of one choice as they are gathered, with the node naming each. */
typedef struct way_list {
  scenario_target *t;
  int *ids;
  uint32_t n, cap;
  double sum; /* of the weights */
} way_list;

static void way_list_free(way_list *w) {
  free(w->t);
  free(w->ids);
  memset(w, 0, sizeof *w);
}

static int way_push(ld_loader *L, way_list *w, uint32_t sv, uint32_t op, double weight, int id) {
  if (w->n == w->cap) {
    uint32_t cap = w->cap ? 2 * w->cap : 8;
    scenario_target *nt = realloc(w->t, cap * sizeof *nt);
    if (nt != NULL) {
      w->t = nt;
    }
    int *ni = realloc(w->ids, cap * sizeof *ni);
    if (ni != NULL) {
      w->ids = ni;
    }
    if (nt == NULL || ni == NULL) {
      return ld_nomem(L);
    }
    w->cap = cap;
  }
  w->t[w->n] = (scenario_target){sv, op, weight, 0, 0};
  w->ids[w->n++] = id;
  w->sum += weight;
  return 0;
}

/* Sum of the weights of sv's operations. */
static double op_weight_sum(const scenario_service *sv) {
  double sum = 0;
  for (uint32_t o = 0; o < sv->n_ops; o++) {
    sum += sv->ops[o].weight;
  }
  return sum;
}

/* The ways target (sv, op) of weight `weight` stands for: itself, or for a
 * service with operations named alone, its operations by their weights
 * (reported at v when they are all 0). 0, or -1 after reporting. */
static int add_target(ld_loader *L, way_list *w, uint32_t sv, uint32_t op, double weight,
                      const yaml_node_t *v) {
  const scenario_service *svc = &L->s->services[sv];
  int id = ld_node_id(L, v);
  if (op != LD_OP_ANY || svc->n_ops == 0) {
    return way_push(L, w, sv, op == LD_OP_ANY ? 0 : op, weight, id);
  }
  double sum = op_weight_sum(svc);
  if (!(sum > 0)) {
    return ld_err_at(L, v,
                     "the operations of service \"%s\" all have weight 0; name one (\"%s/%s\") "
                     "or give a \"mix\"",
                     svc->name, svc->name, svc->ops[0].name);
  }
  for (uint32_t o = 0; o < svc->n_ops; o++) {
    if (way_push(L, w, sv, o, weight * (svc->ops[o].weight / sum), id) != 0) {
      return -1;
    }
  }
  return 0;
}

/* Sizes of a call to operation op of sv: the operation's, else the service's. */
static void target_sizes(const scenario *s, scenario_target *t) {
  const scenario_service *sv = &s->services[t->service];
  t->request_bytes = sv->n_ops ? sv->ops[t->op].request_bytes : sv->request_bytes;
  t->response_bytes = sv->n_ops ? sv->ops[t->op].response_bytes : sv->response_bytes;
}

/* Reads mapping `wm` (at path) of names to weights >= 0, calling
 * fn(L, ctx, key node, weight) for each. 0, or -1 after reporting. */
typedef int (*weight_fn)(ld_loader *L, void *ctx, const yaml_node_t *key, double weight);

static int read_weights(ld_loader *L, const yaml_node_t *wm, const char *path, weight_fn fn,
                        void *ctx) {
  char g[96];
  if (!ld_is_map(wm)) {
    return ld_err_at(L, wm, "expected a mapping of names to weights for \"%s\", got %s", path,
                     ld_got_text(wm, g, sizeof g));
  }
  yaml_node_pair_t *start = wm->data.mapping.pairs.start, *top = wm->data.mapping.pairs.top;
  if (start == top) {
    return ld_err_at(L, wm, "\"%s\" needs at least one entry", path);
  }
  int rc = 0;
  for (yaml_node_pair_t *p = start; p < top && !ld_stop(L); p++) {
    yaml_node_t *k = ld_node_at(L, p->key);
    if (!ld_is_scalar(k) || ld_is_null(k)) {
      rc = ld_err_at(L, k, "keys in \"%s\" must be names, got %s", path,
                     ld_got_text(k, g, sizeof g));
      continue;
    }
    bool dup = false;
    for (yaml_node_pair_t *e = start; e < p && !dup; e++) {
      yaml_node_t *ek = ld_node_at(L, e->key);
      if (ld_is_scalar(ek) && strcmp(ld_sval(ek), ld_sval(k)) == 0) {
        char w[LD_PATH_MAX];
        rc = ld_err_at(L, k, "duplicate key \"%s\" in \"%s\" (first at %s)", ld_sval(k), path,
                       ld_where_text(L, ek, w, sizeof w));
        dup = true;
      }
    }
    double weight = 0;
    if (dup ||
        ld_val_number(L, ld_node_at(L, p->value), ld_sval(k), LD_RANGE_NONNEG, &weight) != 0) {
      rc = -1;
      continue;
    }
    if (fn(L, ctx, k, weight) != 0) {
      rc = -1;
    }
  }
  return rc;
}

/* A `mix` of the operations of one service. */
typedef struct mix_ctx {
  way_list *w;
  uint32_t sv;
} mix_ctx;

static int mix_entry(ld_loader *L, void *ctx, const yaml_node_t *key, double weight) {
  mix_ctx *mx = ctx;
  uint32_t op = find_op(L, key, &L->s->services[mx->sv], ld_sval(key));
  if (op == SCN_NONE) {
    return -1;
  }
  return way_push(L, mx->w, mx->sv, op, weight, ld_node_id(L, key));
}

/* A `one_of` of targets. */
typedef struct one_of_ctx {
  way_list *w;
  const char **names;
} one_of_ctx;

static int one_of_entry(ld_loader *L, void *ctx, const yaml_node_t *key, double weight) {
  one_of_ctx *ox = ctx;
  uint32_t op;
  uint32_t sv = ld_resolve_target(L, key, "one_of", ox->names, &op);
  if (sv == SCN_NONE) {
    return -1;
  }
  return add_target(L, ox->w, sv, op, weight, key);
}

/* The ways a `service` and its optional `mix` name (service alone: its
 * operations' weights). 0, or -1 after reporting. */
static int service_ways(ld_loader *L, way_list *w, uint32_t sv, uint32_t op, const yaml_node_t *v,
                        const yaml_node_t *mix, const char *path) {
  if (mix == NULL) {
    return add_target(L, w, sv, op, 1.0, v);
  }
  const scenario_service *svc = &L->s->services[sv];
  if (op != LD_OP_ANY) {
    return ld_err_at(L, mix,
                     "\"mix\" picks among the operations of a service named alone; \"%s\" "
                     "names one already",
                     ld_sval(v));
  }
  if (svc->n_ops == 0) {
    return ld_err_at(L, mix, "service \"%s\" has no operations to mix", svc->name);
  }
  char mpath[LD_PATH_MAX];
  ld_path_join(mpath, sizeof mpath, path, "mix");
  mix_ctx mx = {w, sv};
  return read_weights(L, mix, mpath, mix_entry, &mx);
}

/* Normalises the weights to shares and drops the ways of weight 0; -1
 * after reporting at `at` when nothing is left. */
static int ways_normalise(ld_loader *L, way_list *w, const yaml_node_t *at, const char *path) {
  if (!(w->sum > 0)) {
    return ld_err_at(L, at, "invalid \"%s\": the weights add up to 0; give one above 0", path);
  }
  uint32_t k = 0;
  for (uint32_t i = 0; i < w->n; i++) {
    if (w->t[i].share > 0) {
      w->t[k] = w->t[i];
      w->t[k].share /= w->sum;
      w->ids[k++] = w->ids[i];
    }
  }
  w->n = k;
  return 0;
}

/* Every way to one service: that service, else SCN_NONE. */
static uint32_t ways_service(const way_list *w) {
  for (uint32_t i = 1; i < w->n; i++) {
    if (w->t[i].service != w->t[0].service) {
      return SCN_NONE;
    }
  }
  return w->t[0].service;
}

/* Puts the ways into call c: a plain target when one is left, else a
 * choice (which takes w's arrays). Sizes: the call's own when it gives
 * them, else each way's target's. */
static void call_take_ways(ld_loader *L, scenario_call *c, ld_call_aux *aux, way_list *w,
                           bool has_request, bool has_response) {
  for (uint32_t i = 0; i < w->n; i++) {
    scenario_target *t = &w->t[i];
    target_sizes(L->s, t);
    if (has_request) {
      t->request_bytes = c->request_bytes;
    }
    if (has_response) {
      t->response_bytes = c->response_bytes;
    }
  }
  c->target = ways_service(w);
  if (w->n == 1) {
    c->op = w->t[0].op;
    c->request_bytes = w->t[0].request_bytes;
    c->response_bytes = w->t[0].response_bytes;
    way_list_free(w);
    return;
  }
  c->choice = w->t;
  c->n_choice = w->n;
  c->request_bytes = w->t[0].request_bytes;
  c->response_bytes = w->t[0].response_bytes;
  if (aux != NULL) {
    free(aux->way_ids);
    aux->way_ids = w->ids;
  } else {
    free(w->ids);
  }
  memset(w, 0, sizeof *w);
}

void ld_resolve_call(ld_loader *L, scenario_call *c, ld_call_aux *aux, const char **names) {
  way_list w = {0};
  int rc = 0;
  yaml_node_t *at = NULL;
  char path[LD_PATH_MAX] = "call";
  if (aux->one_of_id != 0) {
    at = ld_node_at(L, aux->one_of_id);
    one_of_ctx ox = {&w, names};
    snprintf(path, sizeof path, "one_of");
    rc = read_weights(L, at, path, one_of_entry, &ox);
  } else if (aux->service_id != 0) {
    at = ld_node_at(L, aux->service_id);
    uint32_t op;
    uint32_t sv = ld_resolve_target(L, at, "service", names, &op);
    if (sv == SCN_NONE) {
      return;
    }
    /* A plain call into a service without operations: as it always was. */
    if (aux->mix_id == 0 && L->s->services[sv].n_ops == 0) {
      c->target = sv;
      if (!aux->has_request_size) {
        c->request_bytes = L->s->services[sv].request_bytes;
      }
      if (!aux->has_response_size) {
        c->response_bytes = L->s->services[sv].response_bytes;
      }
      return;
    }
    if (aux->mix_id != 0) {
      at = ld_node_at(L, aux->mix_id);
      snprintf(path, sizeof path, "mix");
    }
    rc = service_ways(L, &w, sv, op, ld_node_at(L, aux->service_id), aux->mix_id != 0 ? at : NULL,
                      "");
  } else {
    return;
  }
  if (rc == 0) {
    rc = ways_normalise(L, &w, at, path);
  }
  if (rc == 0) {
    call_take_ways(L, c, aux, &w, aux->has_request_size, aux->has_response_size);
  }
  way_list_free(&w);
}

void ld_call_to_service(ld_loader *L, scenario_call *c, uint32_t tgt, const yaml_node_t *at,
                        bool has_request, bool has_response) {
  const scenario_service *sv = &L->s->services[tgt];
  c->target = tgt;
  if (sv->n_ops == 0) {
    if (!has_request) {
      c->request_bytes = sv->request_bytes;
    }
    if (!has_response) {
      c->response_bytes = sv->response_bytes;
    }
    return;
  }
  way_list w = {0};
  if (add_target(L, &w, tgt, LD_OP_ANY, 1.0, at) == 0 && ways_normalise(L, &w, at, "call") == 0) {
    call_take_ways(L, c, NULL, &w, has_request, has_response);
  }
  way_list_free(&w);
}

void ld_resolve_traffic_ops(ld_loader *L, const yaml_node_t *m, const char *path,
                            scenario_traffic *t, uint32_t op) {
  yaml_node_t *sv = ld_get(L, m, "service");
  yaml_node_t *mix = ld_get_raw(L, m, "mix");
  const scenario_service *svc = &L->s->services[t->service];
  if (mix == NULL && (op != LD_OP_ANY || svc->n_ops == 0)) {
    t->op = op == LD_OP_ANY ? 0 : op;
    return;
  }
  way_list w = {0};
  int rc = service_ways(L, &w, t->service, op, sv, mix, path);
  if (rc == 0) {
    rc = ways_normalise(L, &w, mix != NULL ? mix : sv, "mix");
  }
  if (rc == 0) {
    for (uint32_t i = 0; i < w.n; i++) {
      target_sizes(L->s, &w.t[i]);
    }
    if (w.n == 1) {
      t->op = w.t[0].op;
    } else {
      t->mix = w.t;
      t->n_mix = w.n;
      w.t = NULL;
    }
  }
  way_list_free(&w);
}
