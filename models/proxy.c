/* proxy: pure cost formulas; see proxy.h for the model and sources. */
#include "proxy.h"

#include <math.h>
#include <stdlib.h>

#include "sim_error.h"

double proxy_pass_cpu_plain_ns(const profile_proxy *pp, mesh_proto proto, int64_t bytes) {
  return pp->pass_cpu_ns[proto] + pp->plain_byte_cpu_ns * (double)bytes;
}

/* What gateway g fronts: the entry services of the traffic routed through
 * it (each once), their pods, and one upstream connection per pod. */
static proxy_footprint proxy_gateway_footprint(const topology *t, uint32_t g) {
  const scenario *s = t->scn;
  proxy_footprint f = {0, 0, 0};
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    if (s->traffic[i].via != g)
      continue;
    uint32_t sv = s->traffic[i].service, seen = 0;
    for (uint32_t j = 0; j < i && !seen; j++)
      seen = s->traffic[j].via == g && s->traffic[j].service == sv;
    if (seen)
      continue;
    f.services += 1;
    f.endpoints += s->services[sv].replicas;
    f.connections += s->services[sv].replicas;
  }
  return f;
}

double proxy_throttle(uint32_t workers, int64_t limit_millicores, uint32_t *effective_workers) {
  *effective_workers = workers;
  if (limit_millicores <= 0 || (double)limit_millicores >= 1000.0 * workers)
    return 1.0;
  double cores = (double)limit_millicores / 1000.0;
  uint32_t w = (uint32_t)ceil(cores);
  if (w < 1)
    w = 1;
  *effective_workers = w;
  return (double)w / cores;
}

double proxy_memory_bytes(const profile_proxy *pp, double services, double endpoints,
                          double connections, double in_flight, double busy_cores) {
  return pp->mem_base_bytes + pp->mem_per_service_bytes * services +
         pp->mem_per_endpoint_bytes * endpoints + pp->mem_per_connection_bytes * connections +
         pp->mem_per_inflight_bytes * in_flight + pp->mem_per_busy_core_bytes * busy_cores;
}

/* Whether a way of call c before way w goes to service t too. */
static int proxy_seen_before(const scenario_call *c, uint32_t w, uint32_t t) {
  for (uint32_t k = 0; k < w; k++)
    if (c->choice[k].service == t)
      return 1;
  return 0;
}

/* Whether service sv calls service t (any operation, any way of a choice). */
static int proxy_calls(const scenario_service *sv, uint32_t t) {
  for (uint32_t o = 0; o < (sv->n_ops ? sv->n_ops : 1); o++) {
    uint32_t n;
    const scenario_call *calls = scenario_op_calls(sv, o, &n);
    for (uint32_t c = 0; c < n; c++)
      for (uint32_t w = 0; w < scenario_call_n_targets(&calls[c]); w++)
        if (scenario_call_target_at(&calls[c], w).service == t)
          return 1;
  }
  return 0;
}

int proxy_peers_init(proxy_peers *pp, const scenario *s) {
  size_t n = s->n_services ? s->n_services : 1;
  pp->caller_pods = calloc(n, sizeof(double));
  pp->callee_pods = calloc(n, sizeof(double));
  if (!pp->caller_pods || !pp->callee_pods) {
    proxy_peers_release(pp);
    return SIM_ENOMEM;
  }
  /* Per call entry, each service it may reach once (a choice's ways to
   * several operations of one service are one peer); the entries of every
   * operation of a service count as its own. */
  for (uint32_t i = 0; i < s->n_services; i++) {
    const scenario_service *sv = &s->services[i];
    for (uint32_t o = 0; o < (sv->n_ops ? sv->n_ops : 1); o++) {
      uint32_t nc;
      const scenario_call *calls = scenario_op_calls(sv, o, &nc);
      for (uint32_t c = 0; c < nc; c++)
        for (uint32_t w = 0; w < scenario_call_n_targets(&calls[c]); w++) {
          uint32_t t = scenario_call_target_at(&calls[c], w).service;
          if (proxy_seen_before(&calls[c], w, t))
            continue;
          pp->caller_pods[t] += sv->replicas;
          pp->callee_pods[i] += s->services[t].replicas;
        }
    }
  }
  return 0;
}

void proxy_peers_release(proxy_peers *pp) {
  free(pp->caller_pods);
  free(pp->callee_pods);
  pp->caller_pods = pp->callee_pods = NULL;
}

/* Services (and their endpoints) a sidecar of service sv knows under its scope. */
static void proxy_sidecar_config(const topology *t, uint32_t sv, double *services,
                                 double *endpoints) {
  const scenario *s = t->scn;
  if (s->mesh.sidecar_scope == MESH_SCOPE_CLUSTER) {
    *services = s->n_services;
    *endpoints = t->n_pods;
    return;
  }
  double svc = 0, ep = 0;
  for (uint32_t i = 0; i < s->n_services; i++) {
    int known = i == sv;
    if (s->mesh.sidecar_scope == MESH_SCOPE_NAMESPACE && s->services[i].ns == s->services[sv].ns)
      known = 1;
    if (!known)
      known = proxy_calls(&s->services[sv], i);
    if (known) {
      svc += 1;
      ep += s->services[i].replicas;
    }
  }
  *services = svc;
  *endpoints = ep;
}

int proxy_footprints(const topology *t, proxy_footprint *out) {
  const scenario *s = t->scn;
  proxy_peers peers;
  int rc = proxy_peers_init(&peers, s);
  if (rc != 0)
    return rc;
  size_t nsv = s->n_services ? s->n_services : 1;
  double *sc_services = calloc(nsv, sizeof(double)), *sc_endpoints = calloc(nsv, sizeof(double));
  uint8_t *sc_done = calloc(nsv, 1);
  double *node_conn = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(double));
  proxy_footprint *wp = calloc(t->n_waypoints ? t->n_waypoints : 1, sizeof *wp);
  if (!sc_services || !sc_endpoints || !sc_done || !node_conn || !wp) {
    rc = SIM_ENOMEM;
    goto done;
  }
  /* Connections a ztunnel carries: those of the ambient pods on its node,
   * summed in pod order. */
  for (uint32_t p = 0; p < t->n_pods; p++)
    if (t->pods[p].mode != MESH_NS_NONE && t->pods[p].mode != MESH_NS_SIDECAR) {
      uint32_t sv = t->pods[p].service;
      node_conn[t->pods[p].node] +=
          peers.callee_pods[sv] + peers.caller_pods[sv] / s->services[sv].replicas;
    }
  /* A waypoint replica: the services bound to its deployment, in service order. */
  for (uint32_t sv = 0; sv < s->n_services; sv++) {
    uint32_t w = t->service_waypoint[sv];
    if (w == TOPO_NONE || w >= t->n_waypoints)
      continue;
    wp[w].services += 1;
    wp[w].endpoints += s->services[sv].replicas;
    wp[w].connections +=
        (peers.caller_pods[sv] + s->services[sv].replicas) / t->waypoints[w].n_replicas;
  }
  for (uint32_t x = 0; x < t->n_proxies; x++) {
    const topo_proxy *px = &t->proxies[x];
    proxy_footprint f = {0, 0, 0};
    switch (px->kind) {
    case MESH_PROXY_SIDECAR: {
      uint32_t sv = t->pods[px->owner].service;
      if (!sc_done[sv]) {
        proxy_sidecar_config(t, sv, &sc_services[sv], &sc_endpoints[sv]);
        sc_done[sv] = 1;
      }
      f.services = sc_services[sv];
      f.endpoints = sc_endpoints[sv];
      f.connections = peers.callee_pods[sv] + peers.caller_pods[sv] / s->services[sv].replicas;
      break;
    }
    case MESH_PROXY_ZTUNNEL:
      f.services = s->n_services;
      f.endpoints = t->n_pods;
      f.connections = node_conn[px->node];
      break;
    case MESH_PROXY_WAYPOINT:
      f = wp[px->owner];
      break;
    case MESH_PROXY_GATEWAY:
      f = proxy_gateway_footprint(t, px->owner);
      break;
    case MESH_PROXY_COUNT:
      break;
    }
    out[x] = f;
  }
done:
  free(sc_services);
  free(sc_endpoints);
  free(sc_done);
  free(node_conn);
  free(wp);
  proxy_peers_release(&peers);
  return rc;
}

double proxy_local_workloads(const topology *t, uint32_t x) {
  const topo_proxy *px = &t->proxies[x];
  return px->kind == MESH_PROXY_ZTUNNEL ? (double)t->nodes[px->node].n_ambient_pods : 0.0;
}

double proxy_idle_cores(const topology *t, const profile_proxy *pp, uint32_t x) {
  return (pp->idle_millicores +
          pp->idle_per_local_workload_millicores * proxy_local_workloads(t, x)) /
         1000.0;
}

double proxy_local_memory_bytes(const topology *t, const profile_proxy *pp, uint32_t x) {
  return pp->mem_per_local_workload_bytes * proxy_local_workloads(t, x);
}

int proxy_push_receivers(const topology *t, double *receivers, double *receiver_endpoints) {
  const scenario *s = t->scn;
  *receivers = *receiver_endpoints = 0;
  if (t->n_pods == 0 || s->n_services == 0)
    return 0;
  size_t nsv = s->n_services, nns = s->n_namespaces ? s->n_namespaces : 1;
  double *sc = calloc(nsv, sizeof *sc);           /* sidecars per service */
  double *callers = calloc(nsv, sizeof *callers); /* sidecars of services calling it */
  double *sc_ns = calloc(nns, sizeof *sc_ns);     /* sidecars per namespace */
  uint32_t *mark = malloc(nsv * sizeof *mark);    /* caller that last counted a target */
  if (!sc || !callers || !sc_ns || !mark) {
    free(sc);
    free(callers);
    free(sc_ns);
    free(mark);
    return SIM_ENOMEM;
  }
  for (uint32_t p = 0; p < t->n_pods; p++)
    if (t->pods[p].sidecar != TOPO_NONE) {
      sc[t->pods[p].service] += 1;
      sc_ns[s->services[t->pods[p].service].ns] += 1;
    }
  const mesh_sidecar_scope scope = s->mesh.sidecar_scope;
  for (uint32_t i = 0; i < nsv; i++)
    mark[i] = UINT32_MAX;
  /* Each calling service once per target; a caller in the target's own
   * namespace is counted there already under namespace scope. */
  for (uint32_t i = 0; scope != MESH_SCOPE_CLUSTER && i < nsv; i++) {
    const scenario_service *sv = &s->services[i];
    for (uint32_t o = 0; o < (sv->n_ops ? sv->n_ops : 1); o++) {
      uint32_t nc;
      const scenario_call *calls = scenario_op_calls(sv, o, &nc);
      for (uint32_t c = 0; c < nc; c++)
        for (uint32_t w = 0; w < scenario_call_n_targets(&calls[c]); w++) {
          uint32_t tg = scenario_call_target_at(&calls[c], w).service;
          if (tg == i || mark[tg] == i)
            continue;
          mark[tg] = i;
          if (scope == MESH_SCOPE_NAMESPACE && s->services[tg].ns == sv->ns)
            continue;
          callers[tg] += sc[i];
        }
    }
  }
  for (uint32_t i = 0; i < nsv; i++) {
    const scenario_service *sv = &s->services[i];
    double r = t->n_by_kind[MESH_PROXY_ZTUNNEL];
    uint32_t w = t->service_waypoint[i];
    if (w != TOPO_NONE && w < t->n_waypoints)
      r += t->waypoints[w].n_replicas;
    if (scope == MESH_SCOPE_CLUSTER)
      r += t->n_by_kind[MESH_PROXY_SIDECAR];
    else
      r += (scope == MESH_SCOPE_NAMESPACE ? sc_ns[sv->ns] : sc[i]) + callers[i];
    double weight = (double)sv->replicas / t->n_pods; /* share of pod starts and stops */
    *receivers += weight * r;
    *receiver_endpoints += weight * r * sv->replicas;
  }
  free(sc);
  free(callers);
  free(sc_ns);
  free(mark);
  return 0;
}
