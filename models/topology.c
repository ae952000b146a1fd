/* topology: instantiate one mode's cluster: nodes, placement, proxies.
 * See topology.h for the model. Placement asks topo_fit (a segment tree over
 * the nodes) for the best node that fits, O(log nodes) per pod, and the
 * first-fit-decreasing count asks it for the first bin that fits: setup is
 * O(pods log nodes) where it was O(pods x nodes) (4x per doubling of the
 * cluster). The picks are the scan's exactly: the policy is the tree's key
 * and ties go to the lowest index, as the scan's strict comparisons did.
 * Random placement still scans, because its reservoir sampling draws once
 * per fitting node and those draws are the placement for a given seed; so
 * does binpack on a pool with no allocatable CPU, where the scan's fill
 * ratio is not a number and its picks follow no key. */
#include "topology.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_error.h"
#include "sim_mem.h"
#include "sim_rng.h"
#include "topo_fit.h"

enum { TOPO_RNG_PLACEMENT = 1 };

mesh_ns_mode topo_ns_mode(const scenario *s, uint32_t ns, mesh_mode mode) {
  switch (mode) {
  case MESH_MODE_NONE:
    return MESH_NS_NONE;
  case MESH_MODE_SIDECAR:
    return MESH_NS_SIDECAR;
  case MESH_MODE_AMBIENT:
    return MESH_NS_AMBIENT;
  case MESH_MODE_AMBIENT_WAYPOINT:
    return MESH_NS_AMBIENT_WAYPOINT;
  case MESH_MODE_HYBRID:
  case MESH_MODE_COUNT:
    break;
  }
  return s->namespaces[ns].hybrid_mode;
}

topo_proxy_settings topo_proxy_settings_of(const scenario *s, const profile *p, mesh_proxy_kind k) {
  const profile_proxy *pp = &p->proxy[k];
  const scenario_proxy_settings *o = &s->mesh.proxy[k];
  topo_proxy_settings r;
  r.workers = o->workers > 0 ? o->workers : pp->workers;
  r.request_millicores =
      o->request_millicores >= 0 ? o->request_millicores : pp->request_millicores;
  r.request_mem_bytes = o->request_mem_bytes >= 0 ? o->request_mem_bytes : pp->request_mem_bytes;
  r.limit_millicores = o->limit_millicores >= 0 ? o->limit_millicores : pp->limit_millicores;
  r.limit_mem_bytes = o->limit_mem_bytes >= 0 ? o->limit_mem_bytes : pp->limit_mem_bytes;
  if (r.workers == 0)
    r.workers = 1;
  return r;
}

/* One pod-sized item to place: its requests and what it is. */
typedef struct topo_item {
  int64_t millicores, mem_bytes;
  uint32_t what; /* app pod index, or TOPO_ITEM_* | index */
} topo_item;

#define TOPO_ITEM_WAYPOINT 0x80000000u
#define TOPO_ITEM_CONTROL  0x40000000u
#define TOPO_ITEM_GATEWAY  0x20000000u
#define TOPO_ITEM_INDEX    0x1fffffffu

static int topo_item_cmp_desc(const void *a, const void *b) {
  const topo_item *x = a, *y = b;
  if (x->millicores != y->millicores)
    return x->millicores < y->millicores ? 1 : -1;
  if (x->mem_bytes != y->mem_bytes)
    return x->mem_bytes < y->mem_bytes ? 1 : -1;
  return x->what < y->what ? -1 : (x->what > y->what);
}

/* What a node of pool p can give pods after the system reservation and
 * `per_node` (the ztunnel DaemonSet's pod; NULL: none). */
static void topo_pool_free(const topology *t, uint32_t p, const topo_size *per_node, int64_t *mc,
                           int64_t *mem) {
  const scenario *s = t->scn;
  *mc = s->cluster.pools[p].cpu_millicores - s->cluster.system_reserved_millicores;
  *mem = s->cluster.pools[p].mem_bytes - s->cluster.system_reserved_mem_bytes;
  if (per_node) {
    *mc -= per_node->millicores;
    *mem -= per_node->mem_bytes;
  }
}

topo_size topo_daemonset_size(const topology *t) {
  const topo_proxy_settings *z = &t->proxy_settings[MESH_PROXY_ZTUNNEL];
  return (topo_size){z->request_millicores + t->node_agent.millicores,
                     z->request_mem_bytes + t->node_agent.mem_bytes};
}

/* Allocatable capacity of a node of pool p in this mode (zt: it runs a ztunnel). */
static void topo_pool_allocatable(const topology *t, uint32_t p, int zt, int64_t *mc,
                                  int64_t *mem) {
  const topo_size ztunnel = topo_daemonset_size(t);
  topo_pool_free(t, p, zt ? &ztunnel : NULL, mc, mem);
}

/* First-fit decreasing over the pools in order: the nodes the items need,
 * each node first setting aside per_node (NULL: nothing). Items that fit no
 * pool below its max are left out and counted in *unplaced (may be NULL).
 * The bins are a topo_fit with key 0, so a find is the first bin that fits. */
static uint32_t topo_ffd_nodes(const topology *t, topo_item *items, uint32_t n,
                               const topo_size *per_node, uint32_t *unplaced) {
  const scenario *s = t->scn;
  if (unplaced)
    *unplaced = 0;
  qsort(items, n, sizeof *items, topo_item_cmp_desc);
  uint32_t used = 0;
  topo_fit bins;
  uint32_t *pool_used = calloc(s->cluster.n_pools, sizeof *pool_used);
  if (topo_fit_init(&bins, 64) != 0 || !pool_used)
    goto oom;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t j = topo_fit_find(&bins, items[i].millicores, items[i].mem_bytes);
    int64_t mc = 0, mem = 0;
    if (j == TOPO_FIT_NONE) { /* open a node from the first pool with room that fits the item */
      uint32_t p = 0;
      for (; p < s->cluster.n_pools; p++) {
        const scenario_node_pool *pool = &s->cluster.pools[p];
        topo_pool_free(t, p, per_node, &mc, &mem);
        if ((pool->max_count == 0 || pool_used[p] < pool->max_count) && mc >= items[i].millicores &&
            mem >= items[i].mem_bytes)
          break;
      }
      if (p == s->cluster.n_pools) { /* fits nowhere: placement reports it */
        if (unplaced)
          ++*unplaced;
        continue;
      }
      pool_used[p]++;
      j = used++;
    } else {
      mc = topo_fit_free_mc(&bins, j);
      mem = topo_fit_free_mem(&bins, j);
    }
    if (topo_fit_set(&bins, j, mc - items[i].millicores, mem - items[i].mem_bytes, 0) != 0)
      goto oom;
  }
  topo_fit_release(&bins);
  free(pool_used);
  return used;
oom:
  topo_fit_release(&bins);
  free(pool_used);
  return UINT32_MAX;
}

static int topo_fits(const topo_node *n, const topo_item *it) {
  return n->cap_millicores - n->alloc_millicores >= it->millicores &&
         n->cap_mem_bytes - n->alloc_mem_bytes >= it->mem_bytes;
}

/* Picks a node for the item by policy; same_svc counts pods of the item's
 * service per node so spread also spreads replicas. TOPO_NONE if none fits. */
static uint32_t topo_pick_node(const topology *t, const topo_item *it, const uint32_t *same_svc,
                               gsl_rng *rng) {
  uint32_t best = TOPO_NONE, fitting = 0;
  for (uint32_t i = 0; i < t->n_nodes; i++) {
    const topo_node *n = &t->nodes[i];
    if (!topo_fits(n, it))
      continue;
    fitting++;
    if (best == TOPO_NONE) {
      best = i;
      continue;
    }
    const topo_node *b = &t->nodes[best];
    switch (t->scn->cluster.placement) {
    case MESH_PLACE_SPREAD:
      if (same_svc[i] != same_svc[best] ? same_svc[i] < same_svc[best] : n->n_pods < b->n_pods)
        best = i;
      break;
    case MESH_PLACE_BINPACK: {
      double fi = (double)n->alloc_millicores / (double)n->cap_millicores;
      double fb = (double)b->alloc_millicores / (double)b->cap_millicores;
      if (fi > fb)
        best = i;
      break;
    }
    case MESH_PLACE_RANDOM: /* reservoir sampling over the fitting nodes */
      if (gsl_rng_uniform_int(rng, fitting) == 0)
        best = i;
      break;
    case MESH_PLACE_COUNT:
      break;
    }
  }
  return best;
}

/* Binds services needing L7 in ambient-waypoint namespaces to waypoints. */
static int topo_make_waypoints(topology *t) {
  const scenario *s = t->scn;
  t->service_waypoint = malloc((s->n_services ? s->n_services : 1) * sizeof *t->service_waypoint);
  t->waypoints = calloc(s->n_services ? s->n_services : 1, sizeof *t->waypoints);
  if (!t->service_waypoint || !t->waypoints)
    return SIM_ENOMEM;
  for (uint32_t i = 0; i < s->n_services; i++) {
    const scenario_service *sv = &s->services[i];
    t->service_waypoint[i] = TOPO_NONE;
    if (!sv->needs_l7 || t->ns_mode[sv->ns] != MESH_NS_AMBIENT_WAYPOINT)
      continue;
    const scenario_namespace *ns = &s->namespaces[sv->ns];
    mesh_waypoint_scope scope = ns->waypoint_scope;
    uint32_t key = scope == MESH_WAYPOINT_NAMESPACE         ? sv->ns
                   : scope == MESH_WAYPOINT_SERVICE_ACCOUNT ? sv->service_account
                                                            : i;
    uint32_t w = 0;
    for (; w < t->n_waypoints; w++)
      if (t->waypoints[w].scope == scope && t->waypoints[w].key == key &&
          t->waypoints[w].ns == sv->ns)
        break;
    if (w == t->n_waypoints) {
      topo_waypoint *wp = &t->waypoints[t->n_waypoints++];
      wp->ns = sv->ns;
      wp->scope = scope;
      wp->key = key;
      wp->n_replicas = ns->waypoint_replicas ? ns->waypoint_replicas : s->mesh.waypoint_replicas;
      if (wp->n_replicas == 0)
        wp->n_replicas = 1;
    }
    t->waypoints[w].n_services++;
    t->service_waypoint[i] = w;
  }
  return 0;
}

/* The state of one topo_build between its steps. items lists every pod-sized
 * thing to place in scenario order: app pods (with their sidecars), then
 * waypoint replicas, then control-plane replicas. */
typedef struct topo_builder {
  topology *t;
  const profile_control_plane *cp;
  int any_sidecar, any_ambient; /* some namespace runs a sidecar / ambient */
  topo_item *items;
  uint32_t n_items;
  uint32_t n_wp_replicas;
  uint32_t n_gw_replicas; /* ingress gateway replicas, placed after the waypoints */
  uint32_t node_cap;      /* capacity of t->nodes */
  uint32_t *in_pool;      /* per pool: its nodes so far */
  uint32_t *same_svc;     /* per node: items of the current service or deployment on it */
  uint32_t *touched;      /* nodes whose same_svc is not 0, n_touched of them */
  uint32_t n_touched;
  uint32_t *wp_nodes; /* per waypoint replica, in items order: its node */
  uint32_t *gw_nodes; /* per gateway replica, in items order: its node */
  gsl_rng *rng;       /* random placement */
  int use_fit;        /* the policy's picks come from `fit` (else the scan) */
  topo_fit fit;       /* per node: free capacity and the policy's key */
} topo_builder;

static void topo_builder_release(topo_builder *b) {
  free(b->items);
  free(b->in_pool);
  free(b->same_svc);
  free(b->touched);
  free(b->wp_nodes);
  free(b->gw_nodes);
  topo_fit_release(&b->fit);
  if (b->rng)
    sim_rng_free(b->rng);
}

/* The node's key in b->fit: the scan's preference as a number, smaller
 * first. spread: fewest items of the current service or deployment, then
 * fewest app pods. binpack: the highest CPU fill ratio; fills are >= 0
 * (allocatable CPU > 0 when the fit is used), and the bits of a
 * non-negative double order as the value does, so their complement orders
 * the fill from the highest down. */
static uint64_t topo_fit_key(const topo_builder *b, uint32_t i) {
  const topo_node *n = &b->t->nodes[i];
  if (b->t->scn->cluster.placement == MESH_PLACE_SPREAD)
    return (uint64_t)b->same_svc[i] << 32 | n->n_pods;
  double fill = (double)n->alloc_millicores / (double)n->cap_millicores;
  uint64_t bits;
  memcpy(&bits, &fill, sizeof bits);
  return ~bits;
}

/* Tells b->fit node i's free capacity and key (appending it if new). */
static int topo_fit_update(topo_builder *b, uint32_t i) {
  const topo_node *n = &b->t->nodes[i];
  return topo_fit_set(&b->fit, i, n->cap_millicores - n->alloc_millicores,
                      n->cap_mem_bytes - n->alloc_mem_bytes, topo_fit_key(b, i));
}

/* Appends the next node of pool p (its zone by the pool's round-robin),
 * growing t->nodes geometrically. */
static int topo_push_node(topo_builder *b, uint32_t p) {
  topology *t = b->t;
  const scenario *s = t->scn;
  int zt = b->any_ambient;
  uint32_t idx = b->in_pool[p]++;
  if (t->n_nodes == b->node_cap) {
    uint32_t ncap = b->node_cap ? b->node_cap * 2 : 16;
    topo_node *nn = realloc(t->nodes, ncap * sizeof *nn);
    if (!nn)
      return SIM_ENOMEM;
    t->nodes = nn;
    if (b->same_svc) { /* placement has started: its per-node arrays grow alike */
      uint32_t *ss = realloc(b->same_svc, ncap * sizeof *ss);
      if (ss)
        b->same_svc = ss;
      uint32_t *tc = realloc(b->touched, ncap * sizeof *tc);
      if (tc)
        b->touched = tc;
      if (!ss || !tc)
        return SIM_ENOMEM;
    }
    b->node_cap = ncap;
  }
  topo_node *n = &t->nodes[t->n_nodes++];
  memset(n, 0, sizeof *n);
  const scenario_node_pool *pool = &s->cluster.pools[p];
  n->pool = p;
  n->index_in_pool = idx;
  n->zone = pool->n_zones ? pool->zones[idx % pool->n_zones] : idx % s->cluster.n_zones;
  topo_pool_allocatable(t, p, zt, &n->cap_millicores, &n->cap_mem_bytes);
  n->ztunnel = TOPO_NONE;
  if (b->same_svc)
    b->same_svc[t->n_nodes - 1] = 0;
  return b->use_fit ? topo_fit_update(b, t->n_nodes - 1) : 0;
}

/* Adds a node from the first pool below its max; SIM_ERANGE when every
 * pool is at its max. */
static int topo_add_node(topo_builder *b) {
  const scenario *s = b->t->scn;
  uint32_t p = 0;
  for (; p < s->cluster.n_pools; p++)
    if (s->cluster.pools[p].max_count == 0 || b->in_pool[p] < s->cluster.pools[p].max_count)
      break;
  if (p == s->cluster.n_pools)
    return SIM_ERANGE;
  return topo_push_node(b, p);
}

/* What each namespace runs in this mode, the proxy settings and the
 * waypoints. */
static int topo_resolve_modes(topo_builder *b, const profile *const profiles[MESH_PROXY_COUNT]) {
  topology *t = b->t;
  const scenario *s = t->scn;
  t->ns_mode = malloc((s->n_namespaces ? s->n_namespaces : 1) * sizeof *t->ns_mode);
  t->service_first_pod = malloc((s->n_services ? s->n_services : 1) * sizeof(uint32_t));
  if (!t->ns_mode || !t->service_first_pod)
    return SIM_ENOMEM;
  for (uint32_t i = 0; i < s->n_namespaces; i++) {
    t->ns_mode[i] = topo_ns_mode(s, i, t->mode);
    b->any_sidecar |= t->ns_mode[i] == MESH_NS_SIDECAR;
    b->any_ambient |= t->ns_mode[i] == MESH_NS_AMBIENT || t->ns_mode[i] == MESH_NS_AMBIENT_WAYPOINT;
  }
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    t->proxy_settings[k] = topo_proxy_settings_of(s, profiles[k], (mesh_proxy_kind)k);
  const profile *zp = profiles[MESH_PROXY_ZTUNNEL];
  if (b->any_ambient && zp && zp->has_node_agent)
    t->node_agent =
        (topo_size){zp->node_agent.request_millicores, zp->node_agent.request_mem_bytes};
  return topo_make_waypoints(t);
}

/* Pods (contiguous per service) and the items to place with their requests. */
static int topo_make_items(topo_builder *b) {
  topology *t = b->t;
  const scenario *s = t->scn;
  uint64_t n_pods = scenario_pod_count(s);
  for (uint32_t w = 0; w < t->n_waypoints; w++)
    b->n_wp_replicas += t->waypoints[w].n_replicas;
  for (uint32_t g = 0; g < s->n_gateways; g++)
    b->n_gw_replicas += s->gateways[g].replicas;
  t->control_plane_replicas =
      (b->any_sidecar || b->any_ambient) ? (b->cp->replicas ? b->cp->replicas : 1) : 0;
  t->n_pods = (uint32_t)n_pods;
  t->pods = sim_mem_calloc(n_pods ? n_pods : 1, sizeof *t->pods, 0);
  b->n_items = t->n_pods + b->n_wp_replicas + t->control_plane_replicas + b->n_gw_replicas;
  b->items = malloc((b->n_items ? b->n_items : 1) * sizeof *b->items);
  if (!t->pods || !b->items)
    return SIM_ENOMEM;
  const topo_proxy_settings *sc = &t->proxy_settings[MESH_PROXY_SIDECAR];
  const topo_proxy_settings *wps = &t->proxy_settings[MESH_PROXY_WAYPOINT];
  topo_item *it = b->items;
  uint32_t p = 0;
  for (uint32_t sv = 0; sv < s->n_services; sv++) {
    const scenario_service *svc = &s->services[sv];
    t->service_first_pod[sv] = p;
    for (uint32_t r = 0; r < svc->replicas; r++, p++, it++) {
      topo_pod *pod = &t->pods[p];
      pod->service = sv;
      pod->mode = t->ns_mode[svc->ns];
      pod->sidecar = TOPO_NONE;
      pod->node = TOPO_NONE;
      int sidecar = pod->mode == MESH_NS_SIDECAR;
      *it = (topo_item){svc->cpu_request_millicores + (sidecar ? sc->request_millicores : 0),
                        svc->mem_request_bytes + (sidecar ? sc->request_mem_bytes : 0), p};
    }
  }
  for (uint32_t w = 0; w < t->n_waypoints; w++)
    for (uint32_t r = 0; r < t->waypoints[w].n_replicas; r++)
      *it++ = (topo_item){wps->request_millicores, wps->request_mem_bytes, TOPO_ITEM_WAYPOINT | w};
  for (uint32_t r = 0; r < t->control_plane_replicas; r++)
    *it++ = (topo_item){b->cp->request_millicores, b->cp->request_mem_bytes, TOPO_ITEM_CONTROL | r};
  const topo_proxy_settings *gws = &t->proxy_settings[MESH_PROXY_GATEWAY];
  for (uint32_t g = 0; g < s->n_gateways; g++)
    for (uint32_t r = 0; r < s->gateways[g].replicas; r++)
      *it++ = (topo_item){gws->request_millicores, gws->request_mem_bytes, TOPO_ITEM_GATEWAY | g};
  return 0;
}

/* Nodes needed (FFD) on a sorted copy, so placement keeps scenario order. */
static int topo_count_needed(topo_builder *b) {
  topo_item *sorted = malloc((b->n_items ? b->n_items : 1) * sizeof *sorted);
  if (!sorted)
    return SIM_ENOMEM;
  memcpy(sorted, b->items, b->n_items * sizeof *b->items);
  const topo_size ztunnel = topo_daemonset_size(b->t);
  uint32_t needed =
      topo_ffd_nodes(b->t, sorted, b->n_items, b->any_ambient ? &ztunnel : NULL, NULL);
  free(sorted);
  if (needed == UINT32_MAX)
    return SIM_ENOMEM;
  b->t->nodes_needed = needed;
  return 0;
}

/* Pools start with their own counts; extra nodes, up to the number needed,
 * come from pools with room. Pools at their max stop the growth quietly:
 * placement reports what does not fit. */
static int topo_start_nodes(topo_builder *b) {
  topology *t = b->t;
  const scenario *s = t->scn;
  uint32_t start = 0;
  for (uint32_t i = 0; i < s->cluster.n_pools; i++)
    start += s->cluster.pools[i].count;
  uint32_t want = start > t->nodes_needed ? start : t->nodes_needed;
  b->in_pool = calloc(s->cluster.n_pools ? s->cluster.n_pools : 1, sizeof *b->in_pool);
  if (!b->in_pool)
    return SIM_ENOMEM;
  int rc;
  for (uint32_t pl = 0; pl < s->cluster.n_pools; pl++)
    for (uint32_t i = 0; i < s->cluster.pools[pl].count; i++)
      if ((rc = topo_push_node(b, pl)) != 0)
        return rc;
  while (t->n_nodes < want)
    if ((rc = topo_add_node(b)) != 0)
      return rc == SIM_ERANGE ? 0 : rc;
  return 0;
}

/* The node the policy picks for the item, TOPO_NONE if none fits. */
static uint32_t topo_pick(topo_builder *b, const topo_item *item) {
  if (b->use_fit) {
    uint32_t i = topo_fit_find(&b->fit, item->millicores, item->mem_bytes);
    return i == TOPO_FIT_NONE ? TOPO_NONE : i;
  }
  return topo_pick_node(b->t, item, b->same_svc, b->rng);
}

/* A node that fits the item, adding nodes while none does. SIM_ERANGE when
 * the pools are at their max or a fresh node cannot hold the item either. */
static int topo_node_for(topo_builder *b, const topo_item *item, uint32_t *node) {
  topology *t = b->t;
  *node = topo_pick(b, item);
  while (*node == TOPO_NONE) {
    uint32_t before = t->n_nodes;
    int rc = topo_add_node(b);
    if (rc != 0)
      return rc;
    *node = topo_pick(b, item);
    if (*node == TOPO_NONE && t->n_nodes > before && !topo_fits(&t->nodes[before], item))
      return SIM_ERANGE;
  }
  return 0;
}

/* Whether the picks can come from topo_fit: spread always; binpack when every
 * pool has allocatable CPU, so that every fill ratio is a number (the scan's
 * comparisons of a 0/0 fill follow no order a key could copy). */
static int topo_can_fit(const topo_builder *b) {
  const topology *t = b->t;
  const scenario *s = t->scn;
  if (s->cluster.placement == MESH_PLACE_SPREAD)
    return 1;
  if (s->cluster.placement != MESH_PLACE_BINPACK)
    return 0;
  for (uint32_t p = 0; p < s->cluster.n_pools; p++) {
    int64_t mc, mem;
    topo_pool_allocatable(t, p, b->any_ambient, &mc, &mem);
    if (mc <= 0)
      return 0;
  }
  return 1;
}

/* Starts a new spread group: every node's count of the group's items is 0
 * again. Only the nodes that have one are touched. */
static int topo_new_group(topo_builder *b) {
  for (uint32_t k = 0; k < b->n_touched; k++) {
    uint32_t i = b->touched[k];
    b->same_svc[i] = 0;
    if (b->use_fit) {
      int rc = topo_fit_update(b, i);
      if (rc != 0)
        return rc;
    }
  }
  b->n_touched = 0;
  return 0;
}

/* Places the items by the scenario's policy: the control plane first (it is
 * scheduled first in a real cluster), then apps, then waypoints. */
static int topo_place(topo_builder *b, uint64_t seed) {
  topology *t = b->t;
  b->rng = sim_rng_new(seed, TOPO_RNG_PLACEMENT, 0);
  if (b->node_cap == 0) { /* no node yet: the per-node arrays need a size */
    topo_node *nn = realloc(t->nodes, 16 * sizeof *nn);
    if (!nn)
      return SIM_ENOMEM;
    t->nodes = nn;
    b->node_cap = 16;
  }
  b->same_svc = calloc(b->node_cap, sizeof *b->same_svc);
  b->touched = malloc(b->node_cap * sizeof *b->touched);
  b->wp_nodes = malloc((b->n_wp_replicas ? b->n_wp_replicas : 1) * sizeof *b->wp_nodes);
  b->gw_nodes = malloc((b->n_gw_replicas ? b->n_gw_replicas : 1) * sizeof *b->gw_nodes);
  if (!b->rng || !b->same_svc || !b->touched || !b->wp_nodes || !b->gw_nodes ||
      topo_fit_init(&b->fit, b->node_cap) != 0)
    return SIM_ENOMEM;
  b->use_fit = topo_can_fit(b);
  for (uint32_t i = 0; b->use_fit && i < t->n_nodes; i++)
    if (topo_fit_update(b, i) != 0)
      return SIM_ENOMEM;
  t->control_plane_node = TOPO_NONE;
  /* Gateways last: a scenario without them places as before. */
  const uint32_t order_start[4] = {t->n_pods + b->n_wp_replicas, 0, t->n_pods,
                                   t->n_pods + b->n_wp_replicas + t->control_plane_replicas};
  const uint32_t order_len[4] = {t->control_plane_replicas, t->n_pods, b->n_wp_replicas,
                                 b->n_gw_replicas};
  uint32_t prev_group = UINT32_MAX;
  for (int g = 0; g < 4; g++)
    for (uint32_t k = 0; k < order_len[g]; k++) {
      const topo_item *item = &b->items[order_start[g] + k];
      uint32_t group = item->what & TOPO_ITEM_WAYPOINT  ? (item->what & TOPO_ITEM_INDEX) + 0x100000
                       : item->what & TOPO_ITEM_CONTROL ? 0x200000
                       : item->what & TOPO_ITEM_GATEWAY ? (item->what & TOPO_ITEM_INDEX) + 0x300000
                                                        : t->pods[item->what].service;
      int rc;
      if (group != prev_group) { /* spreading is per service / per deployment */
        if ((rc = topo_new_group(b)) != 0)
          return rc;
        prev_group = group;
      }
      uint32_t node;
      if ((rc = topo_node_for(b, item, &node)) != 0)
        return rc;
      topo_node *n = &t->nodes[node];
      n->alloc_millicores += item->millicores;
      n->alloc_mem_bytes += item->mem_bytes;
      if (b->same_svc[node]++ == 0)
        b->touched[b->n_touched++] = node;
      if (item->what & TOPO_ITEM_WAYPOINT)
        b->wp_nodes[k] = node;
      else if (item->what & TOPO_ITEM_GATEWAY)
        b->gw_nodes[k] = node;
      else if (item->what & TOPO_ITEM_CONTROL) {
        if (t->control_plane_node == TOPO_NONE)
          t->control_plane_node = node;
      } else {
        t->pods[item->what].node = node;
        n->n_pods++;
        n->n_ambient_pods += t->pods[item->what].mode == MESH_NS_AMBIENT ||
                             t->pods[item->what].mode == MESH_NS_AMBIENT_WAYPOINT;
      }
      if (b->use_fit && (rc = topo_fit_update(b, node)) != 0)
        return rc;
    }
  return 0;
}

/* Proxies: sidecars (pod order), ztunnels (node order), waypoint replicas,
 * gateway replicas. */
static int topo_make_proxies(topo_builder *b) {
  topology *t = b->t;
  uint32_t n_sidecars = 0;
  for (uint32_t i = 0; i < t->n_pods; i++)
    n_sidecars += t->pods[i].mode == MESH_NS_SIDECAR;
  uint32_t n_zt = b->any_ambient ? t->n_nodes : 0;
  t->n_proxies = n_sidecars + n_zt + b->n_wp_replicas + b->n_gw_replicas;
  t->proxies = calloc(t->n_proxies ? t->n_proxies : 1, sizeof *t->proxies);
  const scenario *s = t->scn;
  t->gateway_first_proxy = malloc((s->n_gateways ? s->n_gateways : 1) * sizeof(uint32_t));
  if (!t->proxies || !t->gateway_first_proxy)
    return SIM_ENOMEM;
  uint32_t px = 0;
  for (uint32_t i = 0; i < t->n_pods; i++)
    if (t->pods[i].mode == MESH_NS_SIDECAR) {
      t->proxies[px] = (topo_proxy){MESH_PROXY_SIDECAR, t->pods[i].node, i};
      t->pods[i].sidecar = px++;
    }
  for (uint32_t i = 0; i < n_zt; i++) {
    t->proxies[px] = (topo_proxy){MESH_PROXY_ZTUNNEL, i, i};
    t->nodes[i].ztunnel = px++;
  }
  uint32_t wk = 0;
  for (uint32_t w = 0; w < t->n_waypoints; w++) {
    t->waypoints[w].first_proxy = px;
    for (uint32_t r = 0; r < t->waypoints[w].n_replicas; r++)
      t->proxies[px++] = (topo_proxy){MESH_PROXY_WAYPOINT, b->wp_nodes[wk++], w};
  }
  t->n_by_kind[MESH_PROXY_SIDECAR] = n_sidecars;
  t->n_by_kind[MESH_PROXY_ZTUNNEL] = n_zt;
  uint32_t gk = 0;
  for (uint32_t g = 0; g < s->n_gateways; g++) {
    t->gateway_first_proxy[g] = px;
    for (uint32_t r = 0; r < s->gateways[g].replicas; r++)
      t->proxies[px++] = (topo_proxy){MESH_PROXY_GATEWAY, b->gw_nodes[gk++], g};
  }
  t->n_by_kind[MESH_PROXY_WAYPOINT] = b->n_wp_replicas;
  t->n_by_kind[MESH_PROXY_GATEWAY] = b->n_gw_replicas;
  return 0;
}

/* The zone array, once the nodes are final. */
static int topo_make_zones(topology *t) {
  t->node_zone = malloc((t->n_nodes ? t->n_nodes : 1) * sizeof *t->node_zone);
  if (!t->node_zone)
    return SIM_ENOMEM;
  for (uint32_t i = 0; i < t->n_nodes; i++)
    t->node_zone[i] = t->nodes[i].zone;
  return 0;
}

int topo_build(topology *t, const scenario *s, const profile *const profiles[MESH_PROXY_COUNT],
               const profile_control_plane *cp, mesh_mode mode, uint64_t seed) {
  memset(t, 0, sizeof *t);
  t->scn = s;
  t->mode = mode;
  topo_builder b = {.t = t, .cp = cp};
  int rc;
  if ((rc = topo_resolve_modes(&b, profiles)) != 0 || (rc = topo_make_items(&b)) != 0 ||
      (rc = topo_count_needed(&b)) != 0 || (rc = topo_start_nodes(&b)) != 0 ||
      (rc = topo_place(&b, seed)) != 0 || (rc = topo_make_proxies(&b)) != 0 ||
      (rc = topo_make_zones(t)) != 0)
    topo_release(t);
  topo_builder_release(&b);
  return rc;
}

int topo_count_nodes_sized(const topology *t, const topo_size *pods, const topo_size *waypoints,
                           topo_size control_plane, topo_size per_node, uint32_t *needed,
                           uint32_t *unplaced) {
  uint32_t n_wp = t->n_by_kind[MESH_PROXY_WAYPOINT], n_gw = t->n_by_kind[MESH_PROXY_GATEWAY];
  uint32_t n = t->n_pods + n_wp + t->control_plane_replicas + n_gw;
  topo_item *items = malloc((n ? n : 1) * sizeof *items);
  if (!items)
    return SIM_ENOMEM;
  topo_item *it = items;
  for (uint32_t p = 0; p < t->n_pods; p++)
    *it++ = (topo_item){pods[p].millicores, pods[p].mem_bytes, p};
  for (uint32_t r = 0; r < n_wp; r++)
    *it++ = (topo_item){waypoints[r].millicores, waypoints[r].mem_bytes, TOPO_ITEM_WAYPOINT | r};
  for (uint32_t r = 0; r < t->control_plane_replicas; r++)
    *it++ = (topo_item){control_plane.millicores, control_plane.mem_bytes, TOPO_ITEM_CONTROL | r};
  for (uint32_t r = 0; r < n_gw; r++)
    *it++ = (topo_item){waypoints[n_wp + r].millicores, waypoints[n_wp + r].mem_bytes,
                        TOPO_ITEM_GATEWAY | r};
  *needed =
      topo_ffd_nodes(t, items, n, t->n_by_kind[MESH_PROXY_ZTUNNEL] ? &per_node : NULL, unplaced);
  free(items);
  return *needed == UINT32_MAX ? SIM_ENOMEM : 0;
}

void topo_release(topology *t) {
  free(t->ns_mode);
  free(t->nodes);
  free(t->node_zone);
  sim_mem_free(t->pods);
  free(t->service_first_pod);
  free(t->service_waypoint);
  free(t->proxies);
  free(t->waypoints);
  free(t->gateway_first_proxy);
  memset(t, 0, sizeof *t);
}

void topo_node_name(const topology *t, uint32_t node, char *buf, size_t len) {
  const topo_node *n = &t->nodes[node];
  snprintf(buf, len, "%s-%u", t->scn->cluster.pools[n->pool].name, n->index_in_pool);
}

void topo_pod_name(const topology *t, uint32_t pod, char *buf, size_t len) {
  uint32_t sv = t->pods[pod].service;
  snprintf(buf, len, "%s-%u", t->scn->services[sv].name, pod - t->service_first_pod[sv]);
}

void topo_waypoint_name(const topology *t, uint32_t w, char *buf, size_t len) {
  const scenario *s = t->scn;
  const topo_waypoint *wp = &t->waypoints[w];
  const char *ns = s->namespaces[wp->ns].name, *key = "waypoint";
  if (wp->scope == MESH_WAYPOINT_SERVICE_ACCOUNT) {
    key = s->service_accounts[wp->key];
    const char *slash = strrchr(key, '/'); /* stored as "ns/name" */
    if (slash)
      key = slash + 1;
  } else if (wp->scope == MESH_WAYPOINT_SERVICE) {
    key = s->services[wp->key].name;
  }
  snprintf(buf, len, "%.40s/%.40s", ns, key);
}

void topo_proxy_name(const topology *t, uint32_t x, char *buf, size_t len) {
  const topo_proxy *px = &t->proxies[x];
  if (px->kind == MESH_PROXY_SIDECAR) {
    topo_pod_name(t, px->owner, buf, len);
  } else if (px->kind == MESH_PROXY_ZTUNNEL) {
    topo_node_name(t, px->node, buf, len);
  } else if (px->kind == MESH_PROXY_GATEWAY) {
    snprintf(buf, len, "gateway/%.60s#%u", t->scn->gateways[px->owner].name,
             x - t->gateway_first_proxy[px->owner]);
  } else {
    char dep[96];
    topo_waypoint_name(t, px->owner, dep, sizeof dep);
    snprintf(buf, len, "%.81s#%u", dep, x - t->waypoints[px->owner].first_proxy);
  }
}
