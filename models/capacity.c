/* capacity: hot spots, shared-proxy capacity, sizing from use; see capacity.h
 * for the formulas. Cost per mode: O(stations x log N) for the hot spots,
 * O(stations + nodes) for the rest, O(samples log samples) per proxy kind for
 * the percentiles, and one more first-fit-decreasing count of the nodes (two
 * when the first needs fewer nodes than were simulated), O(pods x nodes)
 * each as topology's own. */
#include "capacity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "proxy.h"
#include "sim_error.h"

#define CAP_MIB (1024.0 * 1024.0)

uint32_t capacity_replicas_needed(double utilisation_sum, double target) {
  if (!(target > 0) || !isfinite(utilisation_sum) || utilisation_sum <= 0)
    return 1;
  double r = ceil(utilisation_sum / target - 1e-9);
  return r < 1 ? 1 : r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

static int cap_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double capacity_quantile(double *v, size_t n, double p) {
  if (n == 0)
    return NAN;
  qsort(v, n, sizeof *v, cap_cmp_double);
  size_t rank = (size_t)ceil(p * (double)n - 1e-9);
  return v[rank == 0 ? 0 : rank > n ? n - 1 : rank - 1];
}

/* a ranks before b: higher score, then lower index. */
static int cap_before(const double *score, uint32_t a, uint32_t b) {
  return score[a] != score[b] ? score[a] > score[b] : a < b;
}

/* Min-heap (the weakest kept entry on top) of station indices. */
static void cap_sift_down(const double *score, uint32_t *h, uint32_t n, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && cap_before(score, h[m], h[l]))
      m = l;
    if (r < n && cap_before(score, h[m], h[r]))
      m = r;
    if (m == i)
      return;
    uint32_t x = h[i];
    h[i] = h[m];
    h[m] = x;
    i = m;
  }
}

uint32_t capacity_top(const double *score, uint32_t n, uint32_t k, uint32_t *out) {
  uint32_t len = 0;
  if (k == 0)
    return 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!isfinite(score[i]))
      continue;
    if (len < k) { /* sift up */
      uint32_t j = len++;
      out[j] = i;
      while (j > 0 && cap_before(score, out[(j - 1) / 2], out[j])) {
        uint32_t p = (j - 1) / 2, x = out[p];
        out[p] = out[j];
        out[j] = x;
        j = p;
      }
    } else if (cap_before(score, i, out[0])) {
      out[0] = i;
      cap_sift_down(score, out, len, 0);
    }
  }
  /* Heap sort: move the weakest to the back, one at a time. */
  for (uint32_t m = len; m > 1; m--) {
    uint32_t x = out[0];
    out[0] = out[m - 1];
    out[m - 1] = x;
    cap_sift_down(score, out, m - 1, 0);
  }
  return len;
}

/* ---- pieces of the topology ------------------------------------------------- */

/* Node of station st and its kind name. */
static uint32_t cap_station(const topology *t, uint32_t st, char *name, size_t n,
                            const char **kind) {
  if (st < t->n_pods) {
    topo_pod_name(t, st, name, n);
    *kind = mesh_kind_name(MESH_KIND_APP);
    return t->pods[st].node;
  }
  uint32_t x = st - t->n_pods;
  topo_proxy_name(t, x, name, n);
  *kind = mesh_proxy_kind_name(t->proxies[x].kind);
  return t->proxies[x].node;
}

/* CPU of one replica of proxy kind k in cores: min(workers, CPU limit). */
static double cap_replica_cores(const topology *t, mesh_proxy_kind k) {
  const topo_proxy_settings *ps = &t->proxy_settings[k];
  uint32_t w = 1;
  double stretch = proxy_throttle(ps->workers, ps->limit_millicores, &w);
  return (double)w / stretch;
}

/* Idle CPU of proxy x (with its local workloads', proxy.h). */
static double cap_idle_cores(const capacity_use *u, uint32_t x) {
  mesh_proxy_kind k = u->t->proxies[x].kind;
  return proxy_idle_cores(u->t, &u->proxy_profile[k]->proxy[k], x);
}

/* ---- hot spots ---------------------------------------------------------------- */

static void cap_hotspots(const capacity_use *u, result_plan *out) {
  const topology *t = u->t;
  uint32_t idx[RESULT_HOTSPOTS_MAX];
  out->n_hotspots =
      capacity_top(u->utilisation, t->n_pods + t->n_proxies, RESULT_HOTSPOTS_MAX, idx);
  for (uint32_t i = 0; i < out->n_hotspots; i++) {
    result_hotspot *h = &out->hotspots[i];
    uint32_t st = idx[i];
    const char *kind;
    uint32_t node = cap_station(t, st, h->instance, sizeof h->instance, &kind);
    snprintf(h->kind, sizeof h->kind, "%s", kind);
    topo_node_name(t, node, h->node, sizeof h->node);
    h->utilisation = u->utilisation[st];
    h->cpu_cores = u->cores[st];
    h->latency_ms = u->requests > 0 ? u->sojourn_ns[st] / u->requests / 1e6 : NAN;
    h->latency_share = u->mean_latency_ms > 0 ? h->latency_ms / u->mean_latency_ms : NAN;
  }
}

/* ---- shared proxies ------------------------------------------------------------ */

/* Sum and maximum of the utilisation of proxies [first, first + n). */
static void cap_util_of(const capacity_use *u, uint32_t first, uint32_t n, double *sum,
                        double *max) {
  *sum = 0;
  *max = 0;
  for (uint32_t i = 0; i < n; i++) {
    double v = u->utilisation[u->t->n_pods + first + i];
    *sum += v;
    if (v > *max)
      *max = v;
  }
}

static void cap_waypoints(const capacity_use *u, double target, result_capacity *rows) {
  const topology *t = u->t;
  const double c = cap_replica_cores(t, MESH_PROXY_WAYPOINT);
  double all = 0; /* every placed replica's work, to share the autoscaled replicas' out */
  for (uint32_t w = 0; w < t->n_waypoints; w++) {
    double sum, max;
    cap_util_of(u, t->waypoints[w].first_proxy, t->waypoints[w].n_replicas, &sum, &max);
    all += sum;
  }
  /* The autoscaled replicas' worker time in utilisation units. */
  double extra = c > 0 ? u->extra_waypoint_cores / c : 0;
  for (uint32_t w = 0; w < t->n_waypoints; w++) {
    const topo_waypoint *wp = &t->waypoints[w];
    result_capacity *r = &rows[w];
    double sum, max;
    cap_util_of(u, wp->first_proxy, wp->n_replicas, &sum, &max);
    if (all > 0)
      sum += extra * sum / all;
    snprintf(r->kind, sizeof r->kind, "%s", mesh_proxy_kind_name(MESH_PROXY_WAYPOINT));
    topo_waypoint_name(t, w, r->instance, sizeof r->instance);
    r->replicas = wp->n_replicas;
    r->utilisation = wp->n_replicas ? sum / wp->n_replicas : 0;
    r->utilisation_max = max;
    r->cpu_cores = sum * c;
    r->replicas_needed = capacity_replicas_needed(sum, target);
    r->cpu_cores_per_replica = c * r->utilisation / target;
  }
}

static void cap_ztunnels(const capacity_use *u, double target, result_capacity *r) {
  const topology *t = u->t;
  uint32_t n = t->n_by_kind[MESH_PROXY_ZTUNNEL];
  const double c = cap_replica_cores(t, MESH_PROXY_ZTUNNEL);
  double sum, max;
  cap_util_of(u, t->nodes[0].ztunnel, n, &sum, &max); /* ztunnels are contiguous, node order */
  snprintf(r->kind, sizeof r->kind, "%s", mesh_proxy_kind_name(MESH_PROXY_ZTUNNEL));
  snprintf(r->instance, sizeof r->instance, "%s", mesh_proxy_kind_name(MESH_PROXY_ZTUNNEL));
  r->replicas = n;
  r->utilisation = sum / n;
  r->utilisation_max = max;
  r->cpu_cores = sum * c;
  r->replicas_needed = n;
  r->cpu_cores_per_replica = c * max / target;
}

static void cap_control_plane(const capacity_use *u, double target, result_capacity *r) {
  const topology *t = u->t;
  uint32_t n = t->control_plane_replicas;
  double request = u->control_plane->request_millicores / 1000.0;
  double used = u->control_plane_cores;
  snprintf(r->kind, sizeof r->kind, "%s", mesh_kind_name(MESH_KIND_CONTROL_PLANE));
  snprintf(r->instance, sizeof r->instance, "istiod");
  r->replicas = n;
  r->utilisation = request > 0 ? used / (n * request) : NAN;
  r->utilisation_max = r->utilisation; /* one estimate for all replicas */
  r->cpu_cores = used;
  r->replicas_needed = request > 0 ? capacity_replicas_needed(used / request, target) : n;
  r->cpu_cores_per_replica = used / (target * n);
}

/* One row per ingress gateway, sized as a waypoint deployment: every
 * request picks a replica at random, so replicas share its work. */
static void cap_gateways(const capacity_use *u, double target, result_capacity *rows) {
  const topology *t = u->t;
  const double c = cap_replica_cores(t, MESH_PROXY_GATEWAY);
  for (uint32_t g = 0; g < t->scn->n_gateways; g++) {
    const scenario_gateway *gw = &t->scn->gateways[g];
    result_capacity *r = &rows[g];
    double sum, max;
    cap_util_of(u, t->gateway_first_proxy[g], gw->replicas, &sum, &max);
    snprintf(r->kind, sizeof r->kind, "%s", mesh_proxy_kind_name(MESH_PROXY_GATEWAY));
    snprintf(r->instance, sizeof r->instance, "gateway/%.55s", gw->name);
    r->replicas = gw->replicas;
    r->utilisation = sum / gw->replicas;
    r->utilisation_max = max;
    r->cpu_cores = sum * c;
    r->replicas_needed = capacity_replicas_needed(sum, target);
    r->cpu_cores_per_replica = c * r->utilisation / target;
  }
}

/* One row per waypoint deployment, then the ztunnels, the control plane and
 * the ingress gateways. */
static int cap_shared(const capacity_use *u, result_plan *out) {
  const topology *t = u->t;
  const double target = t->scn->meta.target_utilisation;
  int has_zt = t->n_by_kind[MESH_PROXY_ZTUNNEL] > 0 && t->n_nodes > 0;
  int has_cp = t->control_plane_replicas > 0;
  uint32_t n_gw = t->n_by_kind[MESH_PROXY_GATEWAY] ? t->scn->n_gateways : 0;
  uint32_t n = t->n_waypoints + has_zt + has_cp + n_gw;
  if (n == 0)
    return 0;
  out->capacity = calloc(n, sizeof *out->capacity);
  if (!out->capacity)
    return SIM_ENOMEM;
  out->n_capacity = n;
  cap_waypoints(u, target, out->capacity);
  if (has_zt)
    cap_ztunnels(u, target, &out->capacity[t->n_waypoints]);
  if (has_cp)
    cap_control_plane(u, target, &out->capacity[t->n_waypoints + has_zt]);
  cap_gateways(u, target, &out->capacity[t->n_waypoints + has_zt + has_cp]);
  return 0;
}

/* ---- right-sized requests ------------------------------------------------------ */

static void cap_sizing(const capacity_use *u, result_plan *out) {
  const topology *t = u->t;
  const scenario *s = t->scn;
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    uint32_t n = t->n_by_kind[k];
    if (n == 0 || !u->second_cores[k] || !u->second_mem_bytes[k])
      continue;
    result_sizing *z = &out->sizing[k];
    out->has_sizing[k] = 1;
    const topo_proxy_settings *ps = &t->proxy_settings[k];
    z->instances = n;
    z->request_cpu_cores = ps->request_millicores / 1000.0;
    z->request_mem_mib = ps->request_mem_bytes / CAP_MIB;
    z->p95_cpu_cores = capacity_quantile(u->second_cores[k], u->n_samples, CAPACITY_PERCENTILE);
    z->p95_mem_mib =
        capacity_quantile(u->second_mem_bytes[k], u->n_samples, CAPACITY_PERCENTILE) / CAP_MIB;
    z->max_cpu_cores = 0;
    for (uint32_t x = 0; x < t->n_proxies; x++)
      if ((int)t->proxies[x].kind == k &&
          u->cores[t->n_pods + x] + cap_idle_cores(u, x) > z->max_cpu_cores)
        z->max_cpu_cores = u->cores[t->n_pods + x] + cap_idle_cores(u, x);
    z->right_cpu_cores = ceil(z->p95_cpu_cores * (1 + CAPACITY_HEADROOM) * 1000 - 1e-9) / 1000;
    z->right_mem_mib = ceil(z->p95_mem_mib * (1 + CAPACITY_HEADROOM) - 1e-9);
    z->cost_usd_month = cost_reserved_month(s, n * z->request_cpu_cores, n * z->request_mem_mib);
    z->right_cost_usd_month = cost_reserved_month(s, n * z->right_cpu_cores, n * z->right_mem_mib);
  }
}

/* ---- nodes ------------------------------------------------------------------------ */

typedef struct cap_node_use {
  double cpu, mem; /* cores, MiB */
} cap_node_use;

/* Used CPU and memory per node (capacity.h). */
static cap_node_use *cap_node_use_of(const capacity_use *u) {
  const topology *t = u->t;
  const scenario *s = t->scn;
  cap_node_use *nu = calloc(t->n_nodes ? t->n_nodes : 1, sizeof *nu);
  if (!nu)
    return NULL;
  for (uint32_t n = 0; n < t->n_nodes; n++) {
    const result_node *rn = &u->nodes[n];
    nu[n].cpu = s->cluster.system_reserved_millicores / 1000.0;
    nu[n].mem = s->cluster.system_reserved_mem_bytes / CAP_MIB;
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      nu[n].cpu += rn->cpu_cores[k];
      nu[n].mem += rn->mem_mib[k];
    }
  }
  for (uint32_t x = 0; x < t->n_proxies; x++)
    nu[t->proxies[x].node].cpu += cap_idle_cores(u, x);
  /* application memory (its working set, or its request) and idle CPU are
   * in the nodes' app figures already (model_run.c) */
  return nu;
}

static double cap_share(double used, double capacity) {
  return capacity > 0 ? used / capacity : NAN;
}

/* Worst first: the larger of the CPU and memory shares, then by name (unique
 * per node, so the order does not depend on qsort's). */
static int cap_cmp_warning(const void *a, const void *b) {
  const result_node_warning *x = a, *y = b;
  double sx = fmax(cap_share(x->cpu_used_cores, x->cpu_capacity_cores),
                   cap_share(x->mem_used_mib, x->mem_capacity_mib));
  double sy = fmax(cap_share(y->cpu_used_cores, y->cpu_capacity_cores),
                   cap_share(y->mem_used_mib, y->mem_capacity_mib));
  if (sx != sy)
    return (sx < sy) - (sx > sy);
  return strcmp(x->node, y->node);
}

static int cap_node_warnings(const capacity_use *u, result_plan *out) {
  const topology *t = u->t;
  cap_node_use *nu = cap_node_use_of(u);
  if (!nu)
    return SIM_ENOMEM;
  uint32_t over = 0, busiest = UINT32_MAX;
  for (uint32_t n = 0; n < t->n_nodes; n++) {
    const result_node *rn = &u->nodes[n];
    double cs = cap_share(nu[n].cpu, rn->capacity_cpu_cores);
    double ms = cap_share(nu[n].mem, rn->capacity_mem_mib);
    if (busiest == UINT32_MAX || cs > out->busiest_node_cpu_share) {
      busiest = n;
      out->busiest_node_cpu_share = cs;
    }
    if (ms > out->node_mem_share_max)
      out->node_mem_share_max = ms;
    out->nodes_over_cpu += cs > 1;
    out->nodes_over_mem += ms > 1;
    over += cs > 1 || ms > 1;
  }
  if (busiest != UINT32_MAX)
    snprintf(out->busiest_node, sizeof out->busiest_node, "%s", u->nodes[busiest].name);
  if (over > 0 && !(out->node_warnings = calloc(over, sizeof *out->node_warnings))) {
    free(nu);
    return SIM_ENOMEM;
  }
  for (uint32_t n = 0; n < t->n_nodes; n++) {
    const result_node *rn = &u->nodes[n];
    if (!(nu[n].cpu > rn->capacity_cpu_cores || nu[n].mem > rn->capacity_mem_mib))
      continue;
    result_node_warning *w = &out->node_warnings[out->n_node_warnings++];
    snprintf(w->node, sizeof w->node, "%s", rn->name);
    w->cpu_used_cores = nu[n].cpu;
    w->cpu_capacity_cores = rn->capacity_cpu_cores;
    w->mem_used_mib = nu[n].mem;
    w->mem_capacity_mib = rn->capacity_mem_mib;
  }
  if (out->n_node_warnings > 1)
    qsort(out->node_warnings, out->n_node_warnings, sizeof *out->node_warnings, cap_cmp_warning);
  free(nu);
  return 0;
}

/* max(request, use): use in cores or bytes, rounded up to millicores. */
static int64_t cap_max_mc(int64_t request, double cores) {
  double mc = ceil(cores * 1000 - 1e-9);
  return mc > (double)request ? (int64_t)mc : request;
}

static int64_t cap_max_bytes(int64_t request, double bytes) {
  double b = ceil(bytes);
  return b > (double)request ? (int64_t)b : request;
}

/* Every pod, waypoint and gateway replica (wps, in proxy order: they are the
 * last proxies) and istiod replica sized at max(request, use);
 * *grown tells whether any is larger than its request. */
static int cap_sized_items(const capacity_use *u, topo_size **pods, topo_size **wps, topo_size *cp,
                           int *grown) {
  const topology *t = u->t;
  const scenario *s = t->scn;
  *pods = malloc((t->n_pods ? t->n_pods : 1) * sizeof **pods);
  const uint32_t n_shared = t->n_by_kind[MESH_PROXY_WAYPOINT] + t->n_by_kind[MESH_PROXY_GATEWAY];
  const uint32_t first_shared = t->n_proxies - n_shared;
  *wps = malloc((n_shared + 1) * sizeof **wps);
  if (!*pods || !*wps)
    return SIM_ENOMEM;
  for (uint32_t p = 0; p < t->n_pods; p++) {
    const scenario_service *svc = &s->services[t->pods[p].service];
    topo_size *z = &(*pods)[p];
    z->millicores = cap_max_mc(svc->cpu_request_millicores,
                               u->cores[p] + (double)svc->idle_millicores / 1000.0);
    /* its working set when the scenario gives one above the request */
    z->mem_bytes = svc->working_set_bytes > svc->mem_request_bytes ? svc->working_set_bytes
                                                                   : svc->mem_request_bytes;
    *grown |= z->millicores > svc->cpu_request_millicores;
  }
  for (uint32_t x = 0; x < t->n_proxies; x++) {
    mesh_proxy_kind k = t->proxies[x].kind;
    if (k == MESH_PROXY_ZTUNNEL)
      continue;
    const topo_proxy_settings *ps = &t->proxy_settings[k];
    topo_size z = {
        cap_max_mc(ps->request_millicores, u->cores[t->n_pods + x] + cap_idle_cores(u, x)),
        cap_max_bytes(ps->request_mem_bytes, u->proxy_mem_bytes[x])};
    *grown |= z.millicores > ps->request_millicores || z.mem_bytes > ps->request_mem_bytes;
    if (k == MESH_PROXY_SIDECAR) {
      (*pods)[t->proxies[x].owner].millicores += z.millicores;
      (*pods)[t->proxies[x].owner].mem_bytes += z.mem_bytes;
    } else {
      (*wps)[x - first_shared] = z;
    }
  }
  uint32_t n_cp = t->control_plane_replicas ? t->control_plane_replicas : 1;
  cp->millicores = cap_max_mc(u->control_plane->request_millicores, u->control_plane_cores / n_cp);
  cp->mem_bytes =
      cap_max_bytes(u->control_plane->request_mem_bytes, u->control_plane_mem_bytes / n_cp);
  *grown |= t->control_plane_replicas && (cp->millicores > u->control_plane->request_millicores ||
                                          cp->mem_bytes > u->control_plane->request_mem_bytes);
  return 0;
}

/* What each node sets aside for its ztunnel when the ztunnels' work is spread
 * over `nodes` nodes. */
static topo_size cap_ztunnel_per_node(const capacity_use *u, uint32_t nodes) {
  const topology *t = u->t;
  const topo_proxy_settings *ps = &t->proxy_settings[MESH_PROXY_ZTUNNEL];
  double work = 0, mem = 0, idle = 0;
  uint32_t n = 0;
  for (uint32_t x = 0; x < t->n_proxies; x++)
    if (t->proxies[x].kind == MESH_PROXY_ZTUNNEL) {
      idle += cap_idle_cores(u, x);
      work += u->cores[t->n_pods + x];
      mem += u->proxy_mem_bytes[x];
      n++;
    }
  if (n == 0 || nodes == 0)
    return topo_daemonset_size(t);
  /* the node agent beside it at its request */
  topo_size z = {cap_max_mc(ps->request_millicores, idle / n + work / nodes),
                 cap_max_bytes(ps->request_mem_bytes, mem / n)};
  z.millicores += t->node_agent.millicores;
  z.mem_bytes += t->node_agent.mem_bytes;
  return z;
}

static int cap_same_size(topo_size a, topo_size b) {
  return a.millicores == b.millicores && a.mem_bytes == b.mem_bytes;
}

/* The packing is topology's, so with every size at its request it gives
 * topology's count: skipped then, and the second count is skipped when the
 * ztunnel's share does not change. Each count is O(pods x nodes). */
static int cap_nodes_needed(const capacity_use *u, result_plan *out) {
  const topology *t = u->t;
  const topo_proxy_settings *zs = &t->proxy_settings[MESH_PROXY_ZTUNNEL];
  const topo_size zt_request = {zs->request_millicores, zs->request_mem_bytes};
  const int has_zt = t->n_by_kind[MESH_PROXY_ZTUNNEL] > 0;
  topo_size *pods = NULL, *wps = NULL, cp;
  int grown = 0;
  int rc = cap_sized_items(u, &pods, &wps, &cp, &grown);
  topo_size zt = cap_ztunnel_per_node(u, t->n_nodes);
  uint32_t needed = t->nodes_needed, unplaced = 0;
  if (rc == 0 && (grown || (has_zt && !cap_same_size(zt, zt_request))))
    rc = topo_count_nodes_sized(t, pods, wps, cp, zt, &needed, &unplaced);
  /* Fewer nodes than simulated: each ztunnel takes a larger part of the work. */
  if (rc == 0 && has_zt && needed > 0 && needed < t->n_nodes) {
    topo_size zt2 = cap_ztunnel_per_node(u, needed);
    if (!cap_same_size(zt2, zt))
      rc = topo_count_nodes_sized(t, pods, wps, cp, zt2, &needed, &unplaced);
  }
  free(pods);
  free(wps);
  out->nodes_needed_reserved = t->nodes_needed;
  out->nodes_needed_used = needed;
  out->pods_unplaced = unplaced;
  return rc;
}

int capacity_plan(const capacity_use *u, result_plan *out) {
  out->target_utilisation = u->t->scn->meta.target_utilisation;
  out->headroom = CAPACITY_HEADROOM;
  cap_hotspots(u, out);
  cap_sizing(u, out);
  int rc = cap_shared(u, out);
  if (rc == 0)
    rc = cap_node_warnings(u, out);
  if (rc == 0)
    rc = cap_nodes_needed(u, out);
  return rc;
}
