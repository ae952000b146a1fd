/* blast: structural blast radius of every component instance; see blast.h
 * for the definitions, the request-share formula and the costs. */
#include "blast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_graph.h"
#include "sim_error.h"

/* ---- call graph and the request-share evaluation ----------------------- */

static double blast_call_prob(const scenario_call *c) {
  return c->probability < 1 ? c->probability : 1;
}

/* The scenario's graph of operations (op_graph.h; without operations, one
 * node per service) with reverse edges, the services' callers, plus the
 * scratch of one request-share evaluation (a touch set and the operations
 * above it). What touches an instance is a property of services (their
 * pods, their waypoint): f and g are kept per service, q per operation. */
typedef struct blast_graph {
  const scenario *s;
  op_graph og;            /* nodes, and og.order: every caller before its callees */
  uint32_t n;             /* services */
  uint32_t nn;            /* operations (nodes) */
  uint32_t *rank;         /* position of each node in og.order */
  uint32_t *caller_first; /* callers of node x: callers[caller_first[x] .. caller_first[x + 1]) */
  uint32_t *callers;      /* one entry per live way of a call (duplicates allowed) */
  uint32_t *svc_caller_first; /* callers of service s, as services, same layout */
  uint32_t *svc_callers;
  uint8_t *meshed;      /* per service: its pods run a proxy in this mode */
  double *entry_weight; /* per node: share of external requests entering there */
  /* one evaluation */
  uint32_t *svc_mark; /* per service, == epoch: touched directly (land, edge valid) */
  uint32_t *mark;     /* per node, == epoch: in the current set */
  uint32_t epoch;
  uint32_t *set; /* nodes of touched services, then every node that can reach them */
  uint32_t n_set;
  uint64_t *keys;      /* the set, callees first; low 32 bits: the node */
  uint32_t *land_pods; /* per service: touching pods (f = land_pods / replicas + land) */
  double *land, *edge; /* per service: direct f and g contributions */
  double *touch;       /* per node: 1 - q, a call into it touches the instance somewhere below */
} blast_graph;

static void blast_graph_release(blast_graph *g) {
  op_graph_release(&g->og);
  free(g->rank);
  free(g->caller_first);
  free(g->callers);
  free(g->svc_caller_first);
  free(g->svc_callers);
  free(g->meshed);
  free(g->entry_weight);
  free(g->svc_mark);
  free(g->mark);
  free(g->set);
  free(g->keys);
  free(g->land_pods);
  free(g->land);
  free(g->edge);
  free(g->touch);
  memset(g, 0, sizeof *g);
}

/* Reverse adjacency by counting sort: callers[first[v] ..] lists, for every
 * live way u -> v, u (nodes, or services when `by_service`). */
static int blast_reverse(const op_graph *og, int by_service, uint32_t n_to, uint32_t **first,
                         uint32_t **items) {
  uint32_t n_edges = 0;
  for (uint32_t u = 0; u < og->n_nodes; u++)
    for (uint32_t j = 0; j < og->nodes[u].n_calls; j++)
      if (op_graph_call_live(&og->nodes[u].calls[j]))
        n_edges += scenario_call_n_targets(&og->nodes[u].calls[j]);
  *first = calloc((size_t)n_to + 1, sizeof **first);
  *items = malloc((n_edges ? n_edges : 1) * sizeof **items);
  uint32_t *cur = malloc((n_to ? n_to : 1) * sizeof *cur);
  if (!*first || !*items || !cur) {
    free(cur);
    return SIM_ENOMEM;
  }
  for (int pass = 0; pass < 2; pass++) {
    for (uint32_t u = 0; u < og->n_nodes; u++)
      for (uint32_t j = 0; j < og->nodes[u].n_calls; j++) {
        const scenario_call *c = &og->nodes[u].calls[j];
        if (!op_graph_call_live(c))
          continue;
        for (uint32_t i = 0; i < scenario_call_n_targets(c); i++) {
          uint32_t v = op_graph_target(og, c, i);
          if (by_service)
            v = og->nodes[v].service;
          if (pass == 0)
            (*first)[v + 1]++;
          else
            (*items)[cur[v]++] = by_service ? og->nodes[u].service : u;
        }
      }
    if (pass == 0)
      for (uint32_t v = 0; v < n_to; v++) {
        (*first)[v + 1] += (*first)[v];
        cur[v] = (*first)[v];
      }
  }
  free(cur);
  return 0;
}

/* Builds the graph; ns_mode (per namespace, may be NULL = nothing meshed)
 * says which services are meshed. SIM_EINVAL on a bad index or a cycle. */
static int blast_graph_init(blast_graph *g, const scenario *s, const mesh_ns_mode *ns_mode) {
  memset(g, 0, sizeof *g);
  g->s = s;
  int rc = op_graph_init(&g->og, s);
  if (rc == 0)
    rc = op_graph_sort(&g->og);
  if (rc != 0) {
    blast_graph_release(g);
    return rc;
  }
  uint32_t n = s->n_services, nn = g->og.n_nodes;
  g->n = n;
  g->nn = nn;
  size_t n1 = n ? n : 1, nn1 = nn ? nn : 1;
  g->rank = malloc(nn1 * sizeof *g->rank);
  g->meshed = calloc(n1, sizeof *g->meshed);
  g->entry_weight = calloc(nn1, sizeof *g->entry_weight);
  g->svc_mark = calloc(n1, sizeof *g->svc_mark);
  g->mark = calloc(nn1, sizeof *g->mark);
  g->set = malloc(nn1 * sizeof *g->set);
  g->keys = malloc(nn1 * sizeof *g->keys);
  g->land_pods = malloc(n1 * sizeof *g->land_pods);
  g->land = malloc(n1 * sizeof *g->land);
  g->edge = malloc(n1 * sizeof *g->edge);
  g->touch = malloc(nn1 * sizeof *g->touch);
  if (!g->rank || !g->meshed || !g->entry_weight || !g->svc_mark || !g->mark || !g->set ||
      !g->keys || !g->land_pods || !g->land || !g->edge || !g->touch ||
      blast_reverse(&g->og, 0, nn, &g->caller_first, &g->callers) != 0 ||
      blast_reverse(&g->og, 1, n, &g->svc_caller_first, &g->svc_callers) != 0) {
    blast_graph_release(g);
    return SIM_ENOMEM;
  }
  for (uint32_t i = 0; i < n; i++)
    if (ns_mode && s->services[i].ns < s->n_namespaces)
      g->meshed[i] = ns_mode[s->services[i].ns] != MESH_NS_NONE;
  for (uint32_t i = 0; i < nn; i++)
    g->rank[g->og.order[i]] = i;

  double total = 0;
  for (uint32_t i = 0; i < s->n_traffic; i++)
    if (s->traffic[i].service < n && s->traffic[i].rate_rps > 0)
      total += s->traffic[i].rate_rps;
  for (uint32_t i = 0; i < s->n_traffic && total > 0; i++) {
    const scenario_traffic *t = &s->traffic[i];
    if (t->service >= n || !(t->rate_rps > 0))
      continue;
    if (t->n_mix == 0) {
      g->entry_weight[op_graph_node(&g->og, t->service, t->op)] += t->rate_rps / total;
    } else {
      for (uint32_t k = 0; k < t->n_mix; k++)
        g->entry_weight[op_graph_node(&g->og, t->service, t->mix[k].op)] +=
            t->rate_rps / total * t->mix[k].share;
    }
  }
  return 0;
}

static void blast_eval_begin(blast_graph *g) {
  if (++g->epoch == 0) { /* wrapped: old marks could collide */
    memset(g->mark, 0, (g->nn ? g->nn : 1) * sizeof *g->mark);
    memset(g->svc_mark, 0, (g->n ? g->n : 1) * sizeof *g->svc_mark);
    g->epoch = 1;
  }
  g->n_set = 0;
}

static void blast_eval_node(blast_graph *g, uint32_t x) {
  if (g->mark[x] == g->epoch)
    return;
  g->mark[x] = g->epoch;
  g->set[g->n_set++] = x;
}

/* Service sv touches the instance: its operations join the set. */
static void blast_eval_add(blast_graph *g, uint32_t sv) {
  if (g->svc_mark[sv] == g->epoch)
    return;
  g->svc_mark[sv] = g->epoch;
  g->land_pods[sv] = 0;
  g->land[sv] = 0;
  g->edge[sv] = 0;
  for (uint32_t x = g->og.first[sv]; x < g->og.first[sv + 1]; x++)
    blast_eval_node(g, x);
}

/* n more pods of sv touch the instance when a call lands on them. */
static void blast_eval_pods(blast_graph *g, uint32_t sv, uint32_t n) {
  blast_eval_add(g, sv);
  g->land_pods[sv] += n;
}

/* A meshed call into sv crosses the instance with probability p. */
static void blast_eval_edge(blast_graph *g, uint32_t sv, double p) {
  blast_eval_add(g, sv);
  g->edge[sv] = p;
}

static int blast_key_cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* log(1 - x) for x in [0, 1], -inf at 1. */
static double blast_log1m(double x) {
  return x >= 1 ? -INFINITY : log1p(-x);
}

/* g_s of the current set: 0 for a service not touched directly. */
static double blast_edge_of(const blast_graph *g, uint32_t sv) {
  return g->svc_mark[sv] == g->epoch ? g->edge[sv] : 0;
}

/* The probability that one call, once made, from node t (meshed or not)
 * into the node of way i of c touches the instance: it crosses it on the
 * way (g), else its subtree touches it (1 - q). 0 outside the set. */
static double blast_way_touch(const blast_graph *g, uint32_t t, const scenario_call *c,
                              uint32_t i) {
  uint32_t v = op_graph_target(&g->og, c, i);
  if (g->mark[v] != g->epoch)
    return 0;
  double e = g->meshed[g->og.nodes[t].service] ? blast_edge_of(g, g->og.nodes[v].service) : 0;
  return e + (1 - e) * g->touch[v];
}

/* Share of external requests touching the current set (blast.h formula).
 * Only operations that can reach a touched one matter (q = 1 elsewhere), so
 * the set grows to its ancestors and is evaluated callees first. */
static double blast_eval_share(blast_graph *g) {
  const scenario *s = g->s;
  for (uint32_t i = 0; i < g->n_set; i++) {
    uint32_t x = g->set[i];
    for (uint32_t k = g->caller_first[x]; k < g->caller_first[x + 1]; k++)
      blast_eval_node(g, g->callers[k]);
  }
  if ((uint64_t)g->n_set * 16 > g->nn) { /* a large set: one O(n) scan beats sorting it */
    uint32_t k = 0;
    for (uint32_t i = g->nn; i-- > 0;)
      if (g->mark[g->og.order[i]] == g->epoch)
        g->keys[k++] = g->og.order[i];
  } else {
    for (uint32_t i = 0; i < g->n_set; i++)
      g->keys[i] = (uint64_t)(g->nn - 1 - g->rank[g->set[i]]) << 32 | g->set[i];
    qsort(g->keys, g->n_set, sizeof *g->keys, blast_key_cmp);
  }
  double share = 0;
  for (uint32_t i = 0; i < g->n_set; i++) {
    uint32_t t = (uint32_t)(g->keys[i] & 0xffffffffu);
    const op_node *x = &g->og.nodes[t];
    const scenario_service *sv = &s->services[x->service];
    double f = 0;
    if (g->svc_mark[x->service] == g->epoch) {
      f = g->land[x->service];
      uint32_t lp = g->land_pods[x->service];
      if (lp > 0 && sv->replicas > 0)
        f += lp >= sv->replicas ? 1.0 : (double)lp / sv->replicas;
    }
    /* log q_t, one log1p per call entry (the cost that matters); built from
     * touch probabilities, never from 1 - q, so small shares keep their
     * digits. A choice touches by the mean over its ways. */
    double log_q = blast_log1m(f);
    for (uint32_t j = 0; j < x->n_calls; j++) {
      const scenario_call *c = &x->calls[j];
      if (!op_graph_call_live(c))
        continue;
      double touch = 0;
      if (c->n_choice == 0) {
        if (g->mark[op_graph_target(&g->og, c, 0)] != g->epoch)
          continue;
        touch = blast_way_touch(g, t, c, 0);
      } else {
        for (uint32_t w = 0; w < c->n_choice; w++)
          touch += c->choice[w].share * blast_way_touch(g, t, c, w);
      }
      if (touch > 0)
        log_q += (double)c->count * blast_log1m(blast_call_prob(c) * touch);
    }
    g->touch[t] = -expm1(log_q);
    if (g->entry_weight[t] > 0)
      share += g->entry_weight[t] * g->touch[t];
  }
  return share > 1 ? 1 : share;
}

int blast_service_visits(const scenario *s, double *visits) {
  if (!s || (!visits && s->n_services))
    return SIM_EINVAL;
  blast_graph g;
  int rc = blast_graph_init(&g, s, NULL);
  if (rc != 0)
    return rc;
  double *v = g.touch; /* scratch: visits per node */
  for (uint32_t x = 0; x < g.nn; x++)
    v[x] = g.entry_weight[x];
  for (uint32_t i = 0; i < g.nn; i++) {
    uint32_t u = g.og.order[i];
    const op_node *x = &g.og.nodes[u];
    for (uint32_t j = 0; j < x->n_calls; j++) {
      const scenario_call *c = &x->calls[j];
      if (!op_graph_call_live(c))
        continue;
      if (c->n_choice == 0) {
        v[op_graph_target(&g.og, c, 0)] += v[u] * c->count * blast_call_prob(c);
      } else {
        for (uint32_t w = 0; w < c->n_choice; w++)
          v[op_graph_target(&g.og, c, w)] +=
              v[u] * c->count * blast_call_prob(c) * c->choice[w].share;
      }
    }
  }
  for (uint32_t i = 0; i < s->n_services; i++) {
    visits[i] = v[g.og.first[i]];
    for (uint32_t x = g.og.first[i] + 1; x < g.og.first[i + 1]; x++)
      visits[i] += v[x];
  }
  blast_graph_release(&g);
  return 0;
}

int blast_request_share(const topology *t, const double *land, const double *edge, double *share) {
  if (!t || !t->scn || !share || (!land && t->scn->n_services))
    return SIM_EINVAL;
  const scenario *s = t->scn;
  for (uint32_t i = 0; i < s->n_services; i++) {
    if (!(land[i] >= 0 && land[i] <= 1)) /* also rejects NaN */
      return SIM_EINVAL;
    if (edge && !(edge[i] >= 0 && edge[i] <= 1))
      return SIM_EINVAL;
  }
  blast_graph g;
  int rc = blast_graph_init(&g, s, t->ns_mode);
  if (rc != 0)
    return rc;
  blast_eval_begin(&g);
  for (uint32_t i = 0; i < s->n_services; i++) {
    if (land[i] > 0) {
      blast_eval_add(&g, i);
      g.land[i] = land[i];
    }
    if (edge && edge[i] > 0)
      blast_eval_edge(&g, i, edge[i]);
  }
  *share = blast_eval_share(&g);
  blast_graph_release(&g);
  return 0;
}

/* ---- structural counts -------------------------------------------------- */

typedef struct blast_count {
  uint32_t pods, services, namespaces, tenants, identities, l7_services;
} blast_count;

/* Per-waypoint results shared by its replicas and its deployment. */
typedef struct blast_wp_result {
  blast_count count;
  double share_deployment, share_replica;
} blast_wp_result;

typedef struct blast_ctx {
  const topology *t;
  const scenario *s;
  blast_graph g;
  uint32_t *tenant;                /* per namespace: tenant id */
  uint32_t *node_first, *node_pod; /* pods of node n: node_pod[node_first[n] .. [n + 1]) */
  uint32_t *wp_first, *wp_service; /* services bound to waypoint w, same layout */
  uint32_t *nwp_first, *nwp_proxy; /* waypoint replicas (proxy ids) on node n */
  /* distinct-counting marks, == epoch: seen for the current instance */
  uint32_t *svc_mark, *whole_mark, *l7_mark, *ns_mark, *tenant_mark, *sa_mark, *wp_mark;
  uint32_t *wp_here; /* replicas of waypoint w on the current node */
  uint32_t *wp_list; /* distinct waypoints on the current node */
  uint32_t epoch;
  blast_count count;
  double *sidecar_share;      /* per service: share of any one of its sidecars (-1: not yet) */
  blast_wp_result *wp_result; /* per waypoint, computed before any instance */
} blast_ctx;

static void blast_ctx_release(blast_ctx *c) {
  blast_graph_release(&c->g);
  free(c->tenant);
  free(c->node_first);
  free(c->node_pod);
  free(c->wp_first);
  free(c->wp_service);
  free(c->nwp_first);
  free(c->nwp_proxy);
  free(c->svc_mark);
  free(c->whole_mark);
  free(c->l7_mark);
  free(c->ns_mark);
  free(c->tenant_mark);
  free(c->sa_mark);
  free(c->wp_mark);
  free(c->wp_here);
  free(c->wp_list);
  free(c->sidecar_share);
  free(c->wp_result);
  memset(c, 0, sizeof *c);
}

static int blast_ns_tenant_cmp(const void *a, const void *b) {
  const scenario_namespace *x = *(const scenario_namespace *const *)a;
  const scenario_namespace *y = *(const scenario_namespace *const *)b;
  return strcmp(x->tenant, y->tenant);
}

/* Tenant ids: namespaces sharing a tenant name share an id. */
static int blast_tenants(blast_ctx *c) {
  const scenario *s = c->s;
  uint32_t n = s->n_namespaces;
  c->tenant = calloc(n ? n : 1, sizeof *c->tenant);
  const scenario_namespace **by = malloc((n ? n : 1) * sizeof *by);
  if (!c->tenant || !by) {
    free(by);
    return SIM_ENOMEM;
  }
  for (uint32_t i = 0; i < n; i++)
    by[i] = &s->namespaces[i];
  qsort(by, n, sizeof *by, blast_ns_tenant_cmp);
  uint32_t id = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (i > 0 && strcmp(by[i - 1]->tenant, by[i]->tenant) != 0)
      id++;
    c->tenant[by[i] - s->namespaces] = id;
  }
  free(by);
  return 0;
}

/* CSR of `n_items` items into `n_buckets` buckets by bucket_of(i). */
static int blast_bucket(uint32_t n_buckets, uint32_t n_items, const uint32_t *bucket_of,
                        size_t stride, uint32_t **first, uint32_t **items) {
  *first = calloc((size_t)n_buckets + 1, sizeof **first);
  *items = malloc((n_items ? n_items : 1) * sizeof **items);
  uint32_t *cur = malloc((n_buckets ? n_buckets : 1) * sizeof *cur);
  if (!*first || !*items || !cur) {
    free(cur);
    return SIM_ENOMEM;
  }
#define BUCKET_OF(i) (*(const uint32_t *)((const char *)bucket_of + (size_t)(i)*stride))
  for (uint32_t i = 0; i < n_items; i++)
    if (BUCKET_OF(i) < n_buckets)
      (*first)[BUCKET_OF(i) + 1]++;
  for (uint32_t b = 0; b < n_buckets; b++) {
    (*first)[b + 1] += (*first)[b];
    cur[b] = (*first)[b];
  }
  for (uint32_t i = 0; i < n_items; i++)
    if (BUCKET_OF(i) < n_buckets)
      (*items)[cur[BUCKET_OF(i)]++] = i;
#undef BUCKET_OF
  free(cur);
  return 0;
}

static int blast_ctx_init(blast_ctx *c, const topology *t) {
  memset(c, 0, sizeof *c);
  c->t = t;
  c->s = t->scn;
  const scenario *s = t->scn;
  int rc = blast_graph_init(&c->g, s, t->ns_mode);
  if (rc != 0)
    return rc;
  if ((rc = blast_tenants(c)) != 0)
    return rc;
  /* pods by node */
  if ((rc = blast_bucket(t->n_nodes, t->n_pods, &t->pods[0].node, sizeof *t->pods, &c->node_first,
                         &c->node_pod)) != 0)
    return rc;
  /* services by waypoint; service_waypoint is a plain uint32_t array */
  if ((rc = blast_bucket(t->n_waypoints, s->n_services, t->service_waypoint,
                         sizeof *t->service_waypoint, &c->wp_first, &c->wp_service)) != 0)
    return rc;
  /* waypoint replicas by node: proxies of other kinds get bucket n_nodes (dropped) */
  uint32_t *wp_node = malloc((t->n_proxies ? t->n_proxies : 1) * sizeof *wp_node);
  if (!wp_node)
    return SIM_ENOMEM;
  for (uint32_t x = 0; x < t->n_proxies; x++)
    wp_node[x] = t->proxies[x].kind == MESH_PROXY_WAYPOINT ? t->proxies[x].node : TOPO_NONE;
  rc = blast_bucket(t->n_nodes, t->n_proxies, wp_node, sizeof *wp_node, &c->nwp_first,
                    &c->nwp_proxy);
  free(wp_node);
  if (rc != 0)
    return rc;
  size_t nsv = s->n_services ? s->n_services : 1, nns = s->n_namespaces ? s->n_namespaces : 1;
  size_t nsa = s->n_service_accounts ? s->n_service_accounts : 1;
  size_t nwp = t->n_waypoints ? t->n_waypoints : 1;
  c->svc_mark = calloc(nsv, sizeof(uint32_t));
  c->whole_mark = calloc(nsv, sizeof(uint32_t));
  c->l7_mark = calloc(nsv, sizeof(uint32_t));
  c->ns_mark = calloc(nns, sizeof(uint32_t));
  c->tenant_mark = calloc(nns, sizeof(uint32_t)); /* tenant ids < namespaces */
  c->sa_mark = calloc(nsa, sizeof(uint32_t));
  c->wp_mark = calloc(nwp, sizeof(uint32_t));
  c->wp_here = calloc(nwp, sizeof(uint32_t));
  c->wp_list = calloc(nwp, sizeof(uint32_t));
  c->sidecar_share = malloc(nsv * sizeof *c->sidecar_share);
  c->wp_result = calloc(nwp, sizeof *c->wp_result);
  if (!c->svc_mark || !c->whole_mark || !c->l7_mark || !c->ns_mark || !c->tenant_mark ||
      !c->sa_mark || !c->wp_mark || !c->wp_here || !c->wp_list || !c->sidecar_share ||
      !c->wp_result)
    return SIM_ENOMEM;
  for (uint32_t i = 0; i < s->n_services; i++)
    c->sidecar_share[i] = -1;
  return 0;
}

/* Starts counting a new instance (one epoch per instance: < 2^32 of them). */
static void blast_count_begin(blast_ctx *c) {
  c->epoch++;
  memset(&c->count, 0, sizeof c->count);
}

static void blast_count_service_seen(blast_ctx *c, uint32_t sv) {
  if (c->svc_mark[sv] == c->epoch)
    return;
  c->svc_mark[sv] = c->epoch;
  c->count.services++;
  uint32_t ns = c->s->services[sv].ns;
  if (c->ns_mark[ns] != c->epoch) {
    c->ns_mark[ns] = c->epoch;
    c->count.namespaces++;
  }
  uint32_t tn = c->tenant[ns];
  if (c->tenant_mark[tn] != c->epoch) {
    c->tenant_mark[tn] = c->epoch;
    c->count.tenants++;
  }
}

/* Every pod of sv. Must come before any single pod of sv is counted (so a
 * pod is never counted twice): callers add whole services first. */
static void blast_count_whole_service(blast_ctx *c, uint32_t sv) {
  if (c->whole_mark[sv] == c->epoch || c->s->services[sv].replicas == 0)
    return;
  c->whole_mark[sv] = c->epoch;
  c->count.pods += c->s->services[sv].replicas;
  blast_count_service_seen(c, sv);
}

static void blast_count_pod(blast_ctx *c, uint32_t pod) {
  uint32_t sv = c->t->pods[pod].service;
  if (c->whole_mark[sv] == c->epoch)
    return;
  c->count.pods++;
  blast_count_service_seen(c, sv);
}

static void blast_count_identity(blast_ctx *c, uint32_t sa) {
  if (sa < c->s->n_service_accounts && c->sa_mark[sa] != c->epoch) {
    c->sa_mark[sa] = c->epoch;
    c->count.identities++;
  }
}

static void blast_count_l7(blast_ctx *c, uint32_t sv) {
  if (c->l7_mark[sv] != c->epoch) {
    c->l7_mark[sv] = c->epoch;
    c->count.l7_services++;
  }
}

/* Bound services of w and their meshed callers (the waypoint radius). */
static void blast_count_waypoint(blast_ctx *c, uint32_t w) {
  for (uint32_t k = c->wp_first[w]; k < c->wp_first[w + 1]; k++) {
    uint32_t sv = c->wp_service[k];
    blast_count_whole_service(c, sv);
    blast_count_l7(c, sv);
    for (uint32_t j = c->g.svc_caller_first[sv]; j < c->g.svc_caller_first[sv + 1]; j++)
      if (c->g.meshed[c->g.svc_callers[j]])
        blast_count_whole_service(c, c->g.svc_callers[j]);
  }
}

static int blast_is_ambient(mesh_ns_mode m) {
  return m == MESH_NS_AMBIENT || m == MESH_NS_AMBIENT_WAYPOINT;
}

/* Waypoint names are shared with paths and drills (topology.h). */
static void blast_waypoint_name(const topology *t, uint32_t w, char *buf, size_t len) {
  topo_waypoint_name(t, w, buf, len);
}

static void blast_emit(const blast_ctx *c, result_blast_instance *bi, const char *kind,
                       double share) {
  snprintf(bi->kind, sizeof bi->kind, "%s", kind);
  bi->pods = c->count.pods;
  bi->services = c->count.services;
  bi->namespaces = c->count.namespaces;
  bi->tenants = c->count.tenants;
  bi->identities = c->count.identities;
  bi->l7_services = c->count.l7_services;
  bi->request_share = share;
}

/* Identity and clear-text service of a meshed pod: what its proxy holds. */
static void blast_count_proxy_secrets(blast_ctx *c, uint32_t sv) {
  blast_count_identity(c, c->s->services[sv].service_account);
  blast_count_l7(c, sv);
}

/* request_share of waypoint w when each call through it crosses the
 * instance with probability p (1: the deployment, 1/replicas: one replica). */
static double blast_waypoint_share(blast_ctx *c, uint32_t w, double p) {
  blast_eval_begin(&c->g);
  for (uint32_t k = c->wp_first[w]; k < c->wp_first[w + 1]; k++)
    blast_eval_edge(&c->g, c->wp_service[k], p);
  return blast_eval_share(&c->g);
}

/* Waypoints first: their radius is reused by replicas, deployments, nodes. */
static void blast_fill_waypoint_results(blast_ctx *c) {
  const topology *t = c->t;
  for (uint32_t w = 0; w < t->n_waypoints; w++) {
    blast_wp_result *wr = &c->wp_result[w];
    blast_count_begin(c);
    blast_count_waypoint(c, w);
    c->count.identities = 1; /* its own */
    wr->count = c->count;
    uint32_t reps = t->waypoints[w].n_replicas ? t->waypoints[w].n_replicas : 1;
    wr->share_deployment = blast_waypoint_share(c, w, 1.0);
    wr->share_replica = blast_waypoint_share(c, w, 1.0 / reps);
  }
}

static void blast_fill_sidecar(blast_ctx *c, uint32_t pod, result_blast_instance *bi) {
  const topology *t = c->t;
  uint32_t sv = t->pods[pod].service;
  blast_count_begin(c);
  blast_count_pod(c, pod);
  blast_count_proxy_secrets(c, sv);
  if (c->sidecar_share[sv] < 0) { /* the same for every replica of sv */
    blast_eval_begin(&c->g);
    blast_eval_pods(&c->g, sv, 1);
    c->sidecar_share[sv] = blast_eval_share(&c->g);
  }
  topo_pod_name(t, pod, bi->instance, sizeof bi->instance);
  blast_emit(c, bi, BLAST_KIND_SIDECAR, c->sidecar_share[sv]);
}

/* The ambient pods of its node. */
static void blast_fill_ztunnel(blast_ctx *c, uint32_t node, result_blast_instance *bi) {
  const topology *t = c->t;
  blast_count_begin(c);
  blast_eval_begin(&c->g);
  for (uint32_t k = c->node_first[node]; k < c->node_first[node + 1]; k++) {
    uint32_t pod = c->node_pod[k], sv = t->pods[pod].service;
    if (!blast_is_ambient(t->pods[pod].mode))
      continue;
    blast_count_pod(c, pod);
    blast_count_proxy_secrets(c, sv);
    blast_eval_pods(&c->g, sv, 1);
  }
  double share = blast_eval_share(&c->g);
  topo_node_name(t, node, bi->instance, sizeof bi->instance);
  blast_emit(c, bi, BLAST_KIND_ZTUNNEL, share);
}

/* Proxy x, a waypoint replica: its deployment's radius. */
static void blast_fill_waypoint_replica(blast_ctx *c, uint32_t x, result_blast_instance *bi) {
  const topology *t = c->t;
  uint32_t w = t->proxies[x].owner;
  char dep[RESULT_NAME_MAX];
  blast_waypoint_name(t, w, dep, sizeof dep);
  snprintf(bi->instance, sizeof bi->instance, "%.55s#%u", dep, x - t->waypoints[w].first_proxy);
  c->count = c->wp_result[w].count;
  blast_emit(c, bi, BLAST_KIND_WAYPOINT, c->wp_result[w].share_replica);
}

/* Distinct waypoints with a replica on `node` into wp_list (their count
 * returned) and the replicas of each there into wp_here. Counts in the
 * current epoch: call after blast_count_begin. */
static uint32_t blast_node_waypoints(blast_ctx *c, uint32_t node) {
  uint32_t n_wp = 0;
  for (uint32_t k = c->nwp_first[node]; k < c->nwp_first[node + 1]; k++) {
    uint32_t w = c->t->proxies[c->nwp_proxy[k]].owner;
    if (c->wp_mark[w] != c->epoch) {
      c->wp_mark[w] = c->epoch;
      c->wp_here[w] = 0;
      c->wp_list[n_wp++] = w;
    }
    c->wp_here[w]++;
  }
  return n_wp;
}

/* Waypoint radii (whole services) before the node's own pods. */
static void blast_fill_node(blast_ctx *c, uint32_t node, result_blast_instance *bi) {
  const topology *t = c->t;
  blast_count_begin(c);
  blast_eval_begin(&c->g);
  uint32_t n_wp = blast_node_waypoints(c, node);
  for (uint32_t i = 0; i < n_wp; i++) {
    uint32_t w = c->wp_list[i];
    blast_count_waypoint(c, w);
    uint32_t reps = t->waypoints[w].n_replicas;
    double p = c->wp_here[w] >= reps ? 1.0 : (double)c->wp_here[w] / reps;
    for (uint32_t k = c->wp_first[w]; k < c->wp_first[w + 1]; k++)
      blast_eval_edge(&c->g, c->wp_service[k], p);
  }
  for (uint32_t k = c->node_first[node]; k < c->node_first[node + 1]; k++) {
    uint32_t pod = c->node_pod[k], sv = t->pods[pod].service;
    blast_count_pod(c, pod);
    blast_eval_pods(&c->g, sv, 1);
    if (t->pods[pod].mode != MESH_NS_NONE)
      blast_count_proxy_secrets(c, sv);
  }
  c->count.identities += n_wp; /* each waypoint's own identity */
  topo_node_name(t, node, bi->instance, sizeof bi->instance);
  blast_emit(c, bi, BLAST_KIND_NODE, blast_eval_share(&c->g));
}

/* Every meshed pod; the CA can sign any identity. */
static void blast_fill_control_plane(blast_ctx *c, result_blast_instance *bi) {
  const scenario *s = c->s;
  blast_count_begin(c);
  blast_eval_begin(&c->g);
  for (uint32_t sv = 0; sv < s->n_services; sv++)
    if (c->g.meshed[sv] && s->services[sv].replicas > 0) {
      blast_count_whole_service(c, sv);
      blast_eval_pods(&c->g, sv, s->services[sv].replicas);
    }
  c->count.identities = s->n_service_accounts;
  snprintf(bi->instance, sizeof bi->instance, "%s", BLAST_CONTROL_NAME);
  blast_emit(c, bi, BLAST_KIND_CONTROL, blast_eval_share(&c->g));
}

/* An ingress gateway replica: the pods of the entry services routed through
 * its gateway (it fronts whole services, as a waypoint does, so a replica
 * gets its deployment's set), their request data in clear text, its own
 * identity when the mode runs a mesh; request_share: the external rate
 * through its gateway over the total, over its replicas (each root request
 * picks one replica uniformly). */
static void blast_fill_gateway_replica(blast_ctx *c, uint32_t x, result_blast_instance *bi) {
  const topology *t = c->t;
  const scenario *s = c->s;
  uint32_t g = t->proxies[x].owner;
  double total = 0, via = 0;
  blast_count_begin(c);
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    const scenario_traffic *tr = &s->traffic[i];
    if (tr->service >= s->n_services || !(tr->rate_rps > 0))
      continue;
    total += tr->rate_rps;
    if (tr->via != g)
      continue;
    via += tr->rate_rps;
    blast_count_whole_service(c, tr->service);
    blast_count_l7(c, tr->service);
  }
  if (t->mode != MESH_MODE_NONE)
    c->count.identities++;
  topo_proxy_name(t, x, bi->instance, sizeof bi->instance);
  blast_emit(c, bi, BLAST_KIND_GATEWAY, total > 0 ? via / total / s->gateways[g].replicas : 0);
}

/* Every instance into out, in blast.h's order; returns how many. */
static uint32_t blast_fill(blast_ctx *c, result_blast_instance *out) {
  const topology *t = c->t;
  uint32_t n = 0;
  blast_fill_waypoint_results(c);
  for (uint32_t x = 0; x < t->n_proxies; x++) { /* sidecars, ztunnels, waypoint replicas */
    const topo_proxy *px = &t->proxies[x];
    switch (px->kind) {
    case MESH_PROXY_SIDECAR:
      blast_fill_sidecar(c, px->owner, &out[n++]);
      break;
    case MESH_PROXY_ZTUNNEL:
      blast_fill_ztunnel(c, px->owner, &out[n++]);
      break;
    case MESH_PROXY_GATEWAY:
      blast_fill_gateway_replica(c, x, &out[n++]);
      break;
    case MESH_PROXY_WAYPOINT:
    case MESH_PROXY_COUNT: /* COUNT is never a proxy's kind; topology.c makes only the four */
      blast_fill_waypoint_replica(c, x, &out[n++]);
      break;
    }
  }
  for (uint32_t w = 0; w < t->n_waypoints; w++) {
    result_blast_instance *bi = &out[n++];
    blast_waypoint_name(t, w, bi->instance, sizeof bi->instance);
    c->count = c->wp_result[w].count;
    blast_emit(c, bi, BLAST_KIND_DEPLOYMENT, c->wp_result[w].share_deployment);
  }
  for (uint32_t node = 0; node < t->n_nodes; node++)
    blast_fill_node(c, node, &out[n++]);
  if (t->control_plane_replicas > 0)
    blast_fill_control_plane(c, &out[n++]);
  return n;
}

void blast_summarise(const result_blast_instance *instances, uint32_t n,
                     result_blast out[MESH_PROXY_COUNT], int has[MESH_PROXY_COUNT]) {
  memset(out, 0, MESH_PROXY_COUNT * sizeof *out);
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    has[k] = 0;
  double pods_sum[MESH_PROXY_COUNT] = {0}, share_sum[MESH_PROXY_COUNT] = {0};
  for (uint32_t i = 0; i < n; i++) {
    const result_blast_instance *bi = &instances[i];
    int k = mesh_proxy_kind_from_name(bi->kind);
    if (k < 0)
      continue;
    result_blast *b = &out[k];
    has[k] = 1;
    b->instances++;
    if (bi->pods > b->pods_max)
      b->pods_max = bi->pods;
    if (bi->services > b->services_max)
      b->services_max = bi->services;
    if (bi->namespaces > b->namespaces_max)
      b->namespaces_max = bi->namespaces;
    if (bi->tenants > b->tenants_max)
      b->tenants_max = bi->tenants;
    if (bi->identities > b->identities_max)
      b->identities_max = bi->identities;
    if (bi->request_share > b->request_share_max)
      b->request_share_max = bi->request_share;
    pods_sum[k] += bi->pods;
    share_sum[k] += bi->request_share;
  }
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    if (out[k].instances) {
      out[k].pods_mean = pods_sum[k] / out[k].instances;
      out[k].request_share_mean = share_sum[k] / out[k].instances;
    }
}

int blast_compute(const topology *t, result_blast out[MESH_PROXY_COUNT], int has[MESH_PROXY_COUNT],
                  result_blast_instance **instances, uint32_t *n_instances) {
  if (instances)
    *instances = NULL;
  if (n_instances)
    *n_instances = 0;
  if (!t || !t->scn || !out || !has || !instances || !n_instances)
    return SIM_EINVAL;
  blast_ctx c;
  int rc = blast_ctx_init(&c, t);
  if (rc != 0) {
    blast_ctx_release(&c);
    return rc;
  }
  uint32_t cap = t->n_proxies + t->n_waypoints + t->n_nodes + (t->control_plane_replicas > 0);
  result_blast_instance *list = cap ? calloc(cap, sizeof *list) : NULL;
  uint32_t n = 0;
  if (cap && !list)
    rc = SIM_ENOMEM;
  else if (cap)
    n = blast_fill(&c, list);
  blast_ctx_release(&c);
  if (rc != 0) {
    free(list);
    return rc;
  }
  blast_summarise(list, n, out, has);
  *instances = list;
  *n_instances = n;
  return 0;
}
