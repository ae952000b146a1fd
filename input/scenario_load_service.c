/* scenario_load_service: the services section, each service's calls, and
 * the namespaces' defaults for their services.
 *
 * Two passes: ld_convert_services reads every service (name, namespace,
 * service account, resources, sizes, service time, calls' counts), then
 * ld_resolve_calls resolves the calls' targets, now that every name is
 * known, and gives calls that leave their sizes unset the callee's, so the
 * model never has to look them up. L->calls keeps per call what the
 * scenario has no field for: where its target was written.
 *
 * A namespace's `defaults` are read once, into a service that starts from
 * the built-in defaults (L->ns_defaults); each service of the namespace
 * starts from that instead, and its own keys are read over it, so a value
 * the service gives wins and a mapping (requests, limits, retry) is
 * completed key by key. A mistake in the defaults is reported once, there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

/* Shared with the CSV call graph, which may state a target's protocol. */
static const char *const proto_names[] = {"http", "http1", "http2", "grpc", "tcp"};
static const int proto_values[] = {MESH_PROTO_HTTP1, MESH_PROTO_HTTP1, MESH_PROTO_HTTP2,
                                   MESH_PROTO_GRPC, MESH_PROTO_TCP};
const ld_choice ld_proto_choice = {"protocol", "protocols", proto_names, proto_values, 5};
static const char *const lb_names[] = {"round-robin", "random", "least-request"};
static const ld_choice lb_choice = {"load balancer", "load balancers", lb_names, NULL, 3};
static const char *const distribution_names[] = {"any", "prefer-close"};
static const ld_choice distribution_choice = {"traffic distribution", "traffic distributions",
                                              distribution_names, NULL, 2};

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
  sv->working_set_bytes = -1;
}

/* What a service of a namespace with `defaults` starts from: the settings
 * of ld_sch_service_defaults, copied from the namespace's template (the
 * empirical service time's arrays too, which the service then owns). A
 * service_time of the service's own replaces it whole, so it is not
 * copied then. Returns 0, or SIM_ENOMEM after reporting. */
static int service_inherit(ld_loader *L, const yaml_node_t *m, scenario_service *sv,
                           const scenario_service *d) {
  sv->replicas = d->replicas;
  sv->protocol = d->protocol;
  sv->cpu_request_millicores = d->cpu_request_millicores;
  sv->mem_request_bytes = d->mem_request_bytes;
  sv->cpu_limit_millicores = d->cpu_limit_millicores;
  sv->mem_limit_bytes = d->mem_limit_bytes;
  sv->app_workers = d->app_workers;
  sv->request_bytes = d->request_bytes;
  sv->response_bytes = d->response_bytes;
  sv->needs_l7 = d->needs_l7;
  sv->parallel = d->parallel;
  sv->lb = d->lb;
  sv->retry = d->retry;
  sv->queue_limit = d->queue_limit;
  sv->max_requests = d->max_requests;
  sv->prefer_close = d->prefer_close;
  if (ld_get(L, m, "service_time") != NULL) {
    return 0;
  }
  sv->service_time_ns = d->service_time_ns;
  if (d->dist_storage != NULL) {
    size_t n = d->service_time_ns.n;
    sv->dist_storage = malloc(2 * n * sizeof *sv->dist_storage);
    if (sv->dist_storage == NULL) {
      return ld_nomem(L);
    }
    memcpy(sv->dist_storage, d->dist_storage, 2 * n * sizeof *sv->dist_storage);
    sv->service_time_ns.x = sv->dist_storage;
    sv->service_time_ns.p = sv->dist_storage + n;
  }
  return 0;
}

static void convert_retry(ld_loader *L, const yaml_node_t *m, const char *path, scenario_retry *r) {
  yaml_node_t *rm = ld_opt_map(L, m, "retry", &ld_sch_retry, path);
  if (rm == NULL) {
    return;
  }
  ld_opt_u32(L, rm, "attempts", 1, LD_MAX_ATTEMPTS, &r->attempts);
  ld_opt_duration(L, rm, "timeout", false, &r->timeout_ns);
  ld_opt_duration(L, rm, "backoff", false, &r->backoff_ns);
}

/* Overload bounds: the pods' waiting room and the callers' circuit breaker. */
static void convert_bounds(ld_loader *L, const yaml_node_t *m, const char *path,
                           scenario_service *sv) {
  ld_opt_u32(L, m, "queue_limit", 0, LD_MAX_QUEUE_LIMIT, &sv->queue_limit);
  ld_opt_cpu(L, m, "idle_cpu", false, &sv->idle_millicores);
  ld_opt_size(L, m, "working_set", false, &sv->working_set_bytes);
  int v;
  if (ld_opt_choice(L, m, "traffic_distribution", &distribution_choice, &v) == 1) {
    sv->prefer_close = v == 1;
  }
  yaml_node_t *cp = ld_opt_map(L, m, "connection_pool", &ld_sch_connection_pool, path);
  if (cp != NULL) {
    ld_opt_u32(L, cp, "max_requests", 1, LD_MAX_POOL_REQUESTS, &sv->max_requests);
  }
}

/* The service's namespace: named, or "default"; resolved (or, without a
 * namespaces section, created) now. */
static void service_namespace(ld_loader *L, const yaml_node_t *m, const char *path,
                              scenario_service *sv) {
  char nsname[SCN_NAME_MAX] = "default";
  yaml_node_t *nsv = ld_get(L, m, "namespace");
  if (nsv == NULL && L->namespaces_declared) {
    ld_err_at(
        L, m,
        "missing required key \"namespace\" in \"%s\" (the file declares namespaces, so every "
        "service names one)",
        path);
  } else if (nsv == NULL || ld_val_name(L, nsv, "namespace", nsname) == 0) {
    sv->ns = ld_resolve_namespace(L, nsname, nsv != NULL ? nsv : m);
  }
}

/* The service account, "namespace/name" (name defaults to the service's),
 * added to the scenario's list the first time it is seen. */
static void service_account(ld_loader *L, const yaml_node_t *m, scenario_service *sv) {
  char sa[SCN_NAME_MAX];
  memcpy(sa, sv->name, SCN_NAME_MAX);
  yaml_node_t *sav = ld_get(L, m, "service_account");
  if (sav != NULL && ld_val_name(L, sav, "service_account", sa) != 0) {
    sa[0] = '\0';
  }
  if (sv->ns == SCN_NONE || sa[0] == '\0') {
    return;
  }
  char full[2 * SCN_NAME_MAX];
  snprintf(full, sizeof full, "%s/%s", L->s->namespaces[sv->ns].name, sa);
  uint32_t idx = ld_nt_find(&L->accounts, full);
  if (idx == SCN_NONE) {
    if (strlen(full) >= SCN_NAME_MAX) {
      ld_err_at(L, sav != NULL ? sav : m,
                "service account \"%s\" is too long (namespace/name must fit in %d bytes)", full,
                SCN_NAME_MAX - 1);
    } else {
      idx = L->s->n_service_accounts++;
      memcpy(L->s->service_accounts[idx], full, strlen(full) + 1);
      L->s->service_account_ns[idx] = sv->ns;
      ld_nt_put(&L->accounts, L->s->service_accounts[idx], idx);
    }
  }
  sv->service_account = idx;
}

/* Call i of the service at `path`: a mapping, or the shorthand "- cart".
 * Its target is only noted (aux->service_id) until every service is known. */
static void convert_call(ld_loader *L, const yaml_node_t *c, const char *path, size_t i,
                         scenario_call *call, ld_call_aux *aux) {
  call->target = SCN_NONE;
  call->count = 1;
  call->probability = 1.0;
  call->request_bytes = -1;
  call->response_bytes = -1;
  if (ld_is_scalar(c) && !ld_is_null(c)) {
    aux->service_id = ld_node_id(L, c); /* shorthand: "- cart" */
    return;
  }
  char cpath[LD_PATH_MAX], lpath[LD_PATH_MAX];
  ld_path_join(lpath, sizeof lpath, path, "calls");
  ld_element_path(L, cpath, sizeof cpath, lpath, c, "service", i);
  if (!ld_check_map(L, c, &ld_sch_call, cpath)) {
    return;
  }
  yaml_node_t *target = ld_get(L, c, "service");
  yaml_node_t *one_of = ld_get_raw(L, c, "one_of");
  yaml_node_t *mix = ld_get_raw(L, c, "mix");
  if (one_of != NULL && (target != NULL || mix != NULL)) {
    ld_err_at(L, target != NULL ? target : mix,
              "a call takes either \"service\" (with its \"mix\") or \"one_of\", not both");
  } else if (one_of != NULL) {
    aux->one_of_id = ld_node_id(L, one_of);
  } else if (target == NULL) {
    ld_missing(L, c, "service", cpath);
  } else {
    aux->service_id = ld_node_id(L, target);
    aux->mix_id = mix != NULL ? ld_node_id(L, mix) : 0;
  }
  ld_opt_u32(L, c, "count", 1, LD_MAX_CALL_COUNT, &call->count);
  ld_opt_number(L, c, "probability", LD_RANGE_UNIT_POS, &call->probability);
  aux->has_request_size = ld_opt_size(L, c, "request_size", false, &call->request_bytes) == 1;
  aux->has_response_size = ld_opt_size(L, c, "response_size", false, &call->response_bytes) == 1;
}

/* Calls: sizes and counts now, targets once every service is known. */
void ld_convert_calls(ld_loader *L, const yaml_node_t *m, const char *path, scenario_call **calls,
                      uint32_t *n_calls, ld_call_aux *aux) {
  yaml_node_t *cs = ld_opt_seq(L, m, "calls", path);
  *n_calls = 0;
  if (cs == NULL) {
    return;
  }
  size_t n = ld_seq_len(cs);
  *calls = calloc(n > 0 ? n : 1, sizeof **calls);
  if (*calls == NULL) {
    ld_nomem(L);
    return;
  }
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    convert_call(L, ld_seq_item(L, cs, i), path, i, &(*calls)[i], &aux[i]);
  }
  *n_calls = (uint32_t)n;
}

/* A service whose limits come from its namespace's defaults and whose
 * requests are its own: the request must not be above the inherited limit.
 * (Both from the defaults were checked there; both its own, as usual.) */
static void check_inherited_limits(ld_loader *L, const yaml_node_t *m, const scenario_service *sv) {
  yaml_node_t *req = ld_get(L, m, "requests");
  const char *ns = L->s->namespaces[sv->ns].name;
  yaml_node_t *cpu = ld_get(L, req, "cpu"), *mem = ld_get(L, req, "memory");
  if (cpu != NULL && sv->cpu_limit_millicores > 0 &&
      sv->cpu_limit_millicores < sv->cpu_request_millicores) {
    ld_err_at(L, cpu,
              "invalid \"cpu\": request %lldm is above the limit %lldm of namespace \"%s\"'s "
              "defaults",
              (long long)sv->cpu_request_millicores, (long long)sv->cpu_limit_millicores, ns);
  }
  if (mem != NULL && sv->mem_limit_bytes > 0 && sv->mem_limit_bytes < sv->mem_request_bytes) {
    ld_err_at(L, mem,
              "invalid \"memory\": request %lld bytes is above the limit %lld bytes of namespace "
              "\"%s\"'s defaults",
              (long long)sv->mem_request_bytes, (long long)sv->mem_limit_bytes, ns);
  }
}

/* The settings a service may take from its namespace's defaults (the keys
 * of ld_sch_service_defaults), read from mapping m over what *sv holds.
 * `inherited`: *sv started from a namespace's defaults. */
static void convert_settings(ld_loader *L, const yaml_node_t *m, const char *path,
                             scenario_service *sv, bool inherited) {
  ld_opt_u32(L, m, "replicas", 1, LD_MAX_REPLICAS, &sv->replicas);
  int v;
  if (ld_opt_choice(L, m, "protocol", &ld_proto_choice, &v) == 1) {
    sv->protocol = (mesh_proto)v;
  }
  ld_convert_resources(L, m, "requests", path, &sv->cpu_request_millicores, &sv->mem_request_bytes);
  ld_convert_resources(L, m, "limits", path, &sv->cpu_limit_millicores, &sv->mem_limit_bytes);
  if (!inherited || ld_get(L, m, "limits") != NULL) {
    ld_check_limits(L, m, sv->cpu_request_millicores, sv->cpu_limit_millicores,
                    sv->mem_request_bytes, sv->mem_limit_bytes);
  } else {
    check_inherited_limits(L, m, sv);
  }
  ld_opt_u32(L, m, "workers", 1, LD_MAX_WORKERS, &sv->app_workers);
  yaml_node_t *st = ld_get(L, m, "service_time");
  if (st != NULL) {
    char dpath[LD_PATH_MAX];
    ld_path_join(dpath, sizeof dpath, path, "service_time");
    ld_convert_dist(L, st, "service_time", dpath, &sv->service_time_ns, &sv->dist_storage);
  }
  ld_opt_size(L, m, "request_size", false, &sv->request_bytes);
  ld_opt_size(L, m, "response_size", false, &sv->response_bytes);
  ld_opt_bool(L, m, "l7", &sv->needs_l7);
  ld_opt_bool(L, m, "parallel", &sv->parallel);
  if (ld_opt_choice(L, m, "lb", &lb_choice, &v) == 1) {
    sv->lb = (mesh_lb)v;
  }
  convert_retry(L, m, path, &sv->retry);
  convert_bounds(L, m, path, sv);
}

/* Everything but the calls' targets, which need every service first. */
static void convert_service(ld_loader *L, const yaml_node_t *m, const char *path,
                            scenario_service *sv, uint32_t idx, ld_call_aux *calls,
                            uint32_t *n_calls) {
  if (!ld_check_map(L, m, &ld_sch_service, path)) {
    return;
  }
  if (ld_get(L, m, "name") == NULL) {
    ld_missing(L, m, "name", path);
  } else {
    ld_opt_name(L, m, "name", sv->name);
  }
  service_namespace(L, m, path, sv);
  bool inherited = L->ns_defaults != NULL && sv->ns != SCN_NONE && L->ns_defaults[sv->ns].set;
  if (inherited && service_inherit(L, m, sv, &L->ns_defaults[sv->ns].sv) != 0) {
    return;
  }
  service_account(L, m, sv);
  convert_settings(L, m, path, sv, inherited);
  ld_convert_calls(L, m, path, &sv->calls, &sv->n_calls, calls);
  *n_calls = sv->n_calls;
  ld_convert_operations(L, m, path, sv, idx);
}

/* Each declared namespace's `defaults`, read over the built-in defaults. */
static void convert_ns_defaults(ld_loader *L) {
  scenario *s = L->s;
  if (!L->namespaces_declared || s->n_namespaces == 0) {
    return;
  }
  L->ns_defaults = calloc(s->n_namespaces, sizeof *L->ns_defaults);
  if (L->ns_defaults == NULL) {
    ld_nomem(L);
    return;
  }
  for (uint32_t i = 0; i < s->n_namespaces && !ld_stop(L); i++) {
    char base[LD_PATH_MAX], path[LD_PATH_MAX];
    ld_path_join(base, sizeof base, "namespaces", s->namespaces[i].name);
    yaml_node_t *m =
        ld_opt_map(L, ld_node_at(L, L->ns_ids[i]), "defaults", &ld_sch_service_defaults, base);
    if (m == NULL) {
      continue;
    }
    ld_ns_defaults *d = &L->ns_defaults[i];
    ld_path_join(path, sizeof path, base, "defaults");
    service_defaults(&d->sv);
    d->sv.ns = i;
    d->set = true;
    d->id = ld_node_id(L, m);
    convert_settings(L, m, path, &d->sv, false);
  }
}

const char **ld_service_names(ld_loader *L) {
  const char **names = calloc(L->s->n_services + 1, sizeof *names);
  if (names != NULL) {
    for (uint32_t i = 0; i < L->s->n_services; i++) {
      names[i] = L->s->services[i].name;
    }
  }
  return names;
}

uint32_t ld_resolve_service(ld_loader *L, const yaml_node_t *v, const char *key,
                            const char **names) {
  const char *t;
  if (ld_val_scalar(L, v, key, "a service name", &t) != 0) {
    return SCN_NONE;
  }
  uint32_t idx = ld_nt_find(&L->services, t);
  if (idx == SCN_NONE && !L->services_incomplete) {
    char q[128], sug[640];
    ld_err_at(L, v, "unknown service \"%s\"%s", ld_quote(q, sizeof q, t),
              ld_suggestion(sug, sizeof sug, t, names, L->s->n_services, "services"));
  }
  return idx;
}

void ld_convert_services(ld_loader *L, const yaml_node_t *root) {
  scenario *s = L->s;
  yaml_node_t *raw = ld_get_raw(L, root, "services");
  yaml_node_t *seq = ld_opt_seq(L, root, "services", "");
  size_t n = seq != NULL ? ld_seq_len(seq) : 0;
  L->services_incomplete = L->services_incomplete || n == 0; /* or a services_csv row left out */
  ld_convert_namespaces(L, root, n);
  if (!ld_stop(L)) {
    convert_ns_defaults(L);
  }
  if (ld_stop(L)) {
    return;
  }
  if (n == 0) {
    if (L->csv[LD_CSV_SERVICES].used) {
      return; /* services_csv said why it gave none */
    }
    if (raw == NULL) {
      ld_err_at(L, ld_node_at(L, L->root_id), "missing required key \"services\" at the top level");
    } else if (seq != NULL || ld_is_null(raw)) {
      ld_err_at(L, seq, "\"services\" needs at least one service");
    }
    return;
  }
  s->services = calloc(n, sizeof *s->services);
  L->svc_ids = calloc(n, sizeof *L->svc_ids);
  L->call_start = calloc(n + 1, sizeof *L->call_start);
  L->op_aux = calloc(n, sizeof *L->op_aux);
  s->service_accounts = calloc(n, sizeof *s->service_accounts);
  s->service_account_ns = calloc(n, sizeof *s->service_account_ns);
  size_t total_calls = 0;
  for (size_t i = 0; i < n; i++) {
    yaml_node_t *cs = ld_get(L, ld_seq_item(L, seq, i), "calls");
    total_calls += ld_is_seq(cs) ? ld_seq_len(cs) : 0;
  }
  L->calls = calloc(total_calls > 0 ? total_calls : 1, sizeof *L->calls);
  if (s->services == NULL || L->svc_ids == NULL || L->call_start == NULL || L->op_aux == NULL ||
      s->service_accounts == NULL || s->service_account_ns == NULL || L->calls == NULL ||
      ld_nt_init(&L->services, n) != 0 || ld_nt_init(&L->accounts, n) != 0) {
    ld_nomem(L);
    return;
  }
  uint32_t call_off = 0;
  for (size_t i = 0; i < n && !ld_stop(L); i++) {
    yaml_node_t *m = ld_seq_item(L, seq, i);
    char path[LD_PATH_MAX];
    ld_element_path(L, path, sizeof path, "services", m, "name", i);
    uint32_t idx = s->n_services;
    scenario_service *sv = &s->services[idx];
    service_defaults(sv);
    L->svc_ids[idx] = ld_node_id(L, m);
    L->call_start[idx] = call_off;
    uint32_t n_calls = 0;
    s->n_services++;
    convert_service(L, m, path, sv, idx, L->calls + call_off, &n_calls);
    call_off += n_calls;
    L->call_start[idx + 1] = call_off;
    if (sv->name[0] == '\0') {
      L->services_incomplete = true;
      continue;
    }
    uint32_t prev = ld_nt_find(&L->services, sv->name);
    if (prev != SCN_NONE) {
      char w[LD_PATH_MAX + LD_FILE_MAX];
      yaml_node_t *at = ld_get(L, m, "name");
      ld_err_at(L, at, "duplicate service \"%s\" (first defined at %s)", sv->name,
                ld_where_from(L, at, ld_node_at(L, L->svc_ids[prev]), w, sizeof w));
    } else {
      ld_nt_put(&L->services, sv->name, idx);
    }
  }
}

void ld_resolve_calls(ld_loader *L) {
  scenario *s = L->s;
  const char **names = ld_service_names(L);
  if (names == NULL) {
    ld_nomem(L);
    return;
  }
  for (uint32_t i = 0; i < s->n_services && !ld_stop(L); i++) {
    scenario_service *sv = &s->services[i];
    for (uint32_t j = 0; j < sv->n_calls && !ld_stop(L); j++) {
      ld_resolve_call(L, &sv->calls[j], &L->calls[L->call_start[i] + j], names);
    }
    for (uint32_t o = 0; o < sv->n_ops && L->op_aux[i] != NULL && !ld_stop(L); o++) {
      for (uint32_t j = 0; j < sv->ops[o].n_calls && !ld_stop(L); j++) {
        ld_resolve_call(L, &sv->ops[o].calls[j], &L->op_aux[i][o].calls[j], names);
      }
    }
  }
  free(names);
}
