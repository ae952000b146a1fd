/* scenario_load_check: the cross checks, once every section is read.
 *
 * Call cycles (a request would never finish), pods that no node pool can
 * hold after system_reserved, and, as warnings, L7 asked of opaque TCP
 * and (in an otherwise valid file) services that no traffic reaches and
 * failure instances no run can have. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

/* The loader's view of the graph of operations (models/op_graph.h): node
 * first[s] + o is operation o of service s (a service without operations is
 * one node); edges[edge_first[u] .. edge_first[u + 1]) are u's calls' ways
 * in order, those whose target did not resolve left out. */
typedef struct ck_edge {
  uint32_t to, call, way;
} ck_edge;

typedef struct ck_graph {
  uint32_t n;
  uint32_t *first;   /* per service */
  uint32_t *service; /* per node */
  uint32_t *edge_first;
  ck_edge *edges;
} ck_graph;

static void ck_graph_free(ck_graph *g) {
  free(g->first);
  free(g->service);
  free(g->edge_first);
  free(g->edges);
  memset(g, 0, sizeof *g);
}

/* The calls of node u. */
static const scenario_call *ck_calls(const scenario *s, const ck_graph *g, uint32_t u,
                                     uint32_t *n) {
  uint32_t sv = g->service[u];
  return scenario_op_calls(&s->services[sv], u - g->first[sv], n);
}

static int ck_graph_init(ck_graph *g, const scenario *s) {
  memset(g, 0, sizeof *g);
  g->first = malloc(((size_t)s->n_services + 1) * sizeof *g->first);
  if (g->first == NULL) {
    return -1;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->n_services; i++) {
    g->first[i] = n;
    n += s->services[i].n_ops ? s->services[i].n_ops : 1;
  }
  g->first[s->n_services] = n;
  g->n = n;
  g->service = malloc((n ? n : 1) * sizeof *g->service);
  g->edge_first = calloc((size_t)n + 1, sizeof *g->edge_first);
  if (g->service == NULL || g->edge_first == NULL) {
    ck_graph_free(g);
    return -1;
  }
  for (uint32_t i = 0; i < s->n_services; i++) {
    for (uint32_t x = g->first[i]; x < g->first[i + 1]; x++) {
      g->service[x] = i;
    }
  }
  for (int pass = 0; pass < 2; pass++) {
    uint32_t e = 0;
    for (uint32_t u = 0; u < n; u++) {
      g->edge_first[u] = e;
      uint32_t nc;
      const scenario_call *calls = ck_calls(s, g, u, &nc);
      for (uint32_t j = 0; j < nc; j++) {
        for (uint32_t k = 0; k < scenario_call_n_targets(&calls[j]); k++) {
          scenario_target t = scenario_call_target_at(&calls[j], k);
          if (t.service == SCN_NONE) {
            continue;
          }
          if (pass == 1) {
            g->edges[e] = (ck_edge){g->first[t.service] + t.op, j, k};
          }
          e++;
        }
      }
    }
    g->edge_first[n] = e;
    if (pass == 0) {
      g->edges = malloc((e ? e : 1) * sizeof *g->edges);
      if (g->edges == NULL) {
        ck_graph_free(g);
        return -1;
      }
    }
  }
  return 0;
}

/* Reports the cycle closed by edge e of node u, back to node v:
 * stack[k - 1 .. depth - 1] is the path from v to u. The message is at
 * the target that closes it: its CSV row, the key of its way in a
 * one_of or mix, or its `service`. */
static void report_cycle(ld_loader *L, const ck_graph *g, const uint32_t *stack, uint32_t k,
                         uint32_t depth, uint32_t u, const ck_edge *e, uint32_t v) {
  scenario *s = L->s;
  /* Names of 127 bytes at most ("service/operation"): 10 of them and the
   * arrows fit. A longer cycle shows its first and last 4 and its length. */
  char cyc[2048], nm[2 * SCN_NAME_MAX];
  size_t used = 0;
  uint32_t len = depth - (k - 1);
  bool ops = false;
  cyc[0] = '\0';
  for (uint32_t x = k - 1; x < depth; x++) {
    uint32_t pos = x - (k - 1);
    uint32_t sv = g->service[stack[x]];
    ops = ops || s->services[sv].n_ops > 0;
    if (len > 10 && pos >= 4 && pos < len - 4) {
      if (pos == 4) {
        used += (size_t)snprintf(cyc + used, sizeof cyc - used, "... -> ");
      }
      continue;
    }
    used += (size_t)snprintf(cyc + used, sizeof cyc - used, "%s -> ",
                             ld_node_name(s, sv, stack[x] - g->first[sv], nm, sizeof nm));
  }
  uint32_t vs = g->service[v];
  ld_node_name(s, vs, v - g->first[vs], nm, sizeof nm);
  if (len > 10) {
    snprintf(cyc + used, sizeof cyc - used, "%s (%u %s)", nm, len, ops ? "operations" : "services");
  } else {
    snprintf(cyc + used, sizeof cyc - used, "%s", nm);
  }
  uint32_t us = g->service[u], uo = u - g->first[us];
  const ld_call_aux *aux = s->services[us].n_ops > 0
                               ? (L->op_aux[us] != NULL ? &L->op_aux[us][uo].calls[e->call] : NULL)
                               : &L->calls[L->call_start[us] + e->call];
  if (aux != NULL && aux->csv_line != 0) {
    diag_error(L->diag, L->csv[LD_CSV_CALLS].path, aux->csv_line, aux->csv_col, "call cycle: %s",
               cyc);
    return;
  }
  int at = 0;
  if (aux != NULL) {
    at = aux->way_ids != NULL   ? aux->way_ids[e->way]
         : aux->service_id != 0 ? aux->service_id
                                : aux->one_of_id;
  }
  ld_err_at(L, ld_node_at(L, at), "call cycle: %s", cyc);
}

void ld_check_cycles(ld_loader *L) {
  scenario *s = L->s;
  ck_graph g;
  if (ck_graph_init(&g, s) != 0) {
    ld_nomem(L);
    return;
  }
  uint32_t n = g.n;
  uint8_t *color = calloc(n ? n : 1, 1);
  uint32_t *stack = calloc(n ? n : 1, sizeof *stack);
  uint32_t *next = calloc(n ? n : 1, sizeof *next);
  if (color == NULL || stack == NULL || next == NULL) {
    free(color);
    free(stack);
    free(next);
    ck_graph_free(&g);
    ld_nomem(L);
    return;
  }
  for (uint32_t root = 0; root < n && !ld_stop(L); root++) {
    if (color[root] != 0) {
      continue;
    }
    uint32_t depth = 0;
    stack[depth++] = root;
    color[root] = 1;
    next[root] = g.edge_first[root];
    while (depth > 0 && !ld_stop(L)) {
      uint32_t u = stack[depth - 1];
      if (next[u] >= g.edge_first[u + 1]) {
        color[u] = 2;
        depth--;
        continue;
      }
      const ck_edge *e = &g.edges[next[u]++];
      uint32_t v = e->to;
      if (color[v] == 0) {
        color[v] = 1;
        next[v] = g.edge_first[v];
        stack[depth++] = v;
      } else if (color[v] == 1) {
        uint32_t k = depth;
        while (k > 0 && stack[k - 1] != v) {
          k--;
        }
        if (k > 0) { /* always: a grey node is on the stack */
          report_cycle(L, &g, stack, k, depth, u, e, v);
        }
      }
    }
  }
  free(color);
  free(stack);
  free(next);
  ck_graph_free(&g);
}

static const char *fmt_cpu(char *buf, size_t size, int64_t mc) {
  if (mc % 1000 == 0) {
    snprintf(buf, size, "%lld vCPU", (long long)(mc / 1000));
  } else {
    snprintf(buf, size, "%lldm", (long long)mc);
  }
  return buf;
}

static const char *fmt_bytes(char *buf, size_t size, int64_t b) {
  static const char *const units[] = {"Ki", "Mi", "Gi", "Ti"};
  double x = (double)b;
  int u = -1;
  while (u < 3 && x >= 1024.0) {
    x /= 1024.0;
    u++;
  }
  if (u < 0) {
    snprintf(buf, size, "%lldB", (long long)b);
  } else {
    snprintf(buf, size, "%.4g%s", x, units[u]);
  }
  return buf;
}

void ld_check_capacity(ld_loader *L) {
  scenario *s = L->s;
  scenario_cluster *c = &s->cluster;
  if (c->n_pools == 0) {
    return;
  }
  int64_t best_cpu = INT64_MIN, best_mem = INT64_MIN;
  for (uint32_t i = 0; i < c->n_pools; i++) {
    int64_t cpu = c->pools[i].cpu_millicores - c->system_reserved_millicores;
    int64_t mem = c->pools[i].mem_bytes - c->system_reserved_mem_bytes;
    best_cpu = cpu > best_cpu ? cpu : best_cpu;
    best_mem = mem > best_mem ? mem : best_mem;
  }
  yaml_node_t *cluster = ld_get(L, ld_node_at(L, L->root_id), "cluster");
  yaml_node_t *sr = ld_get(L, cluster, "system_reserved");
  char b1[48], b2[48];
  if (best_cpu <= 0 || best_mem <= 0) {
    ld_err_at(L, sr, "\"system_reserved\" (cpu %s, memory %s) leaves no room on any node pool",
              fmt_cpu(b1, sizeof b1, c->system_reserved_millicores),
              fmt_bytes(b2, sizeof b2, c->system_reserved_mem_bytes));
    return;
  }
  for (uint32_t i = 0; i < s->n_services && !ld_stop(L); i++) {
    scenario_service *sv = &s->services[i];
    bool fits = false;
    for (uint32_t p = 0; p < c->n_pools && !fits; p++) {
      fits = sv->cpu_request_millicores <=
                 c->pools[p].cpu_millicores - c->system_reserved_millicores &&
             sv->mem_request_bytes <= c->pools[p].mem_bytes - c->system_reserved_mem_bytes;
    }
    if (fits) {
      continue;
    }
    yaml_node_t *m = ld_node_at(L, L->svc_ids[i]);
    yaml_node_t *req = ld_get(L, m, "requests");
    if (sv->cpu_request_millicores > best_cpu) {
      ld_err_at(L, req != NULL && ld_get(L, req, "cpu") != NULL ? ld_get(L, req, "cpu") : m,
                "pods of service \"%s\" request %s of cpu, more than any node pool can allocate "
                "(largest: %s after system_reserved)",
                sv->name, fmt_cpu(b1, sizeof b1, sv->cpu_request_millicores),
                fmt_cpu(b2, sizeof b2, best_cpu));
    } else if (sv->mem_request_bytes > best_mem) {
      ld_err_at(L, req != NULL && ld_get(L, req, "memory") != NULL ? ld_get(L, req, "memory") : m,
                "pods of service \"%s\" request %s of memory, more than any node pool can allocate "
                "(largest: %s after system_reserved)",
                sv->name, fmt_bytes(b1, sizeof b1, sv->mem_request_bytes),
                fmt_bytes(b2, sizeof b2, best_mem));
    } else {
      ld_err_at(L, req != NULL ? req : m,
                "pods of service \"%s\" request %s of cpu and %s of memory, which no single node "
                "pool can allocate after system_reserved",
                sv->name, fmt_cpu(b1, sizeof b1, sv->cpu_request_millicores),
                fmt_bytes(b2, sizeof b2, sv->mem_request_bytes));
    }
  }
}

void ld_warn_unreached(ld_loader *L) {
  scenario *s = L->s;
  uint32_t n = s->n_services;
  ck_graph g;
  if (ck_graph_init(&g, s) != 0) {
    return; /* only a warning */
  }
  uint8_t *seen = calloc(n ? n : 1, 1);        /* per service */
  uint8_t *reached = calloc(g.n ? g.n : 1, 1); /* per operation */
  uint32_t *queue = calloc(g.n ? g.n : 1, sizeof *queue);
  if (seen == NULL || reached == NULL || queue == NULL) {
    free(seen);
    free(reached);
    free(queue);
    ck_graph_free(&g);
    return;
  }
  /* Operation by operation: a service one of whose operations calls
   * another is reached only when that operation is. */
  uint32_t head = 0, tail = 0;
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    const scenario_traffic *t = &s->traffic[i];
    if (t->from != SCN_NONE) { /* a meshed client: in use, though nothing calls it */
      seen[t->from] = 1;
    }
    if (t->service == SCN_NONE) {
      continue;
    }
    for (uint32_t k = 0; k < scenario_traffic_n_targets(t); k++) {
      uint32_t x = g.first[t->service] + (t->n_mix ? t->mix[k].op : t->op);
      if (!reached[x]) {
        reached[x] = 1;
        queue[tail++] = x;
      }
    }
  }
  while (head < tail) {
    uint32_t u = queue[head++];
    seen[g.service[u]] = 1;
    for (uint32_t e = g.edge_first[u]; e < g.edge_first[u + 1]; e++) {
      uint32_t v = g.edges[e].to;
      if (!reached[v]) {
        reached[v] = 1;
        queue[tail++] = v;
      }
    }
  }
  size_t shown = 0, more = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (seen[i] || s->services[i].name[0] == '\0') {
      continue;
    }
    if (shown < L->diag->max_listed) {
      ld_warn_at(L, ld_node_at(L, L->svc_ids[i]),
                 "service \"%s\" receives no traffic (no traffic entry reaches it through calls)",
                 s->services[i].name);
      shown++;
    } else {
      more++;
    }
  }
  if (more > 0) {
    ld_warn_at(L, NULL,
               "%zu more services receive no traffic (`meshsim validate --all-warnings` lists "
               "every one)",
               more);
  }
  free(seen);
  free(reached);
  free(queue);
  ck_graph_free(&g);
}

void ld_warn_l7_tcp(ld_loader *L) {
  scenario *s = L->s;
  for (uint32_t i = 0; i < s->n_services; i++) {
    const scenario_service *sv = &s->services[i];
    if (!sv->needs_l7 || sv->protocol != MESH_PROTO_TCP || sv->name[0] == '\0') {
      continue;
    }
    /* The protocol may come from the call-graph CSV: point at l7 then. */
    const yaml_node_t *m = ld_node_at(L, L->svc_ids[i]);
    const yaml_node_t *at = ld_get(L, m, "l7");
    ld_warn_at(L, at != NULL ? at : m,
               "service \"%s\" has \"l7: true\" but \"protocol: tcp\": no proxy can parse "
               "opaque TCP, so no L7 policy applies (a waypoint still carries it in "
               "ambient-waypoint namespaces); set the protocol it speaks or drop \"l7\"",
               sv->name);
  }
}

/* ---- failure instances ---------------------------------------------------- */

/* "base<sep>N": the length of base and N, when s ends in sep and digits. */
static bool split_index(const char *s, char sep, size_t *base_len, uint64_t *n) {
  const char *at = strrchr(s, sep);
  if (at == NULL || at == s || at[1] == '\0' || at[1] == '+') {
    return false;
  }
  *base_len = (size_t)(at - s);
  return units_parse_uint(at + 1, UINT32_MAX, n) == 0;
}

static uint32_t find_pool(const scenario *s, const char *name, size_t len) {
  for (uint32_t i = 0; i < s->cluster.n_pools; i++) {
    if (strlen(s->cluster.pools[i].name) == len &&
        strncmp(s->cluster.pools[i].name, name, len) == 0) {
      return i;
    }
  }
  return SCN_NONE;
}

/* Why no node (or ztunnel) can be called `name`, or NULL. */
static const char *bad_node(const scenario *s, const char *name, char *why, size_t size) {
  size_t len;
  uint64_t n;
  if (!split_index(name, '-', &len, &n)) {
    snprintf(why, size, "nodes are named POOL-N, like \"%s-0\"", s->cluster.pools[0].name);
    return why;
  }
  uint32_t p = find_pool(s, name, len);
  if (p == SCN_NONE) {
    snprintf(why, size, "there is no pool \"%.*s\" (nodes are named POOL-N, like \"%s-0\")",
             (int)(len < 64 ? len : 64), name, s->cluster.pools[0].name);
    return why;
  }
  uint32_t max = s->cluster.pools[p].max_count;
  if (max > 0 && n >= max) {
    snprintf(why, size, "pool \"%s\" has at most %u nodes (%s-0 .. %s-%u)",
             s->cluster.pools[p].name, max, s->cluster.pools[p].name, s->cluster.pools[p].name,
             max - 1);
    return why;
  }
  return NULL;
}

/* Why no sidecar can be called `name` (its pod's name), or NULL. */
static const char *bad_sidecar(ld_loader *L, const char *name, char *why, size_t size) {
  const scenario *s = L->s;
  size_t len;
  uint64_t n;
  char base[SCN_NAME_MAX];
  if (!split_index(name, '-', &len, &n) || len >= sizeof base) {
    snprintf(why, size, "sidecars are named after their pods, SERVICE-N, like \"%s-0\"",
             s->services[0].name);
    return why;
  }
  memcpy(base, name, len);
  base[len] = '\0';
  uint32_t sv = ld_nt_find(&L->services, base);
  if (sv == SCN_NONE) {
    snprintf(why, size,
             "there is no service \"%s\" (sidecars are named after their pods, "
             "SERVICE-N, like \"%s-0\")",
             base, s->services[0].name);
    return why;
  }
  if (n >= s->services[sv].replicas) {
    snprintf(why, size, "service \"%s\" has %u replica%s (%s-0 .. %s-%u)", base,
             s->services[sv].replicas, s->services[sv].replicas == 1 ? "" : "s", base, base,
             s->services[sv].replicas - 1);
    return why;
  }
  return NULL;
}

/* Whether service sv, in a waypoint of its namespace, is named by key
 * (the waypoint naming of models/topology.c: "waypoint", the service
 * account's own name, or the service's, each cut at 40 bytes). */
static bool waypoint_key_of(const scenario *s, uint32_t sv, const char *key) {
  const scenario_namespace *ns = &s->namespaces[s->services[sv].ns];
  const char *k = "waypoint";
  if (ns->waypoint_scope == MESH_WAYPOINT_SERVICE_ACCOUNT) {
    const char *sa = s->service_accounts[s->services[sv].service_account];
    const char *slash = strrchr(sa, '/');
    k = slash != NULL ? slash + 1 : sa;
  } else if (ns->waypoint_scope == MESH_WAYPOINT_SERVICE) {
    k = s->services[sv].name;
  }
  return strncmp(k, key, 40) == 0 && strlen(key) == (strlen(k) < 40 ? strlen(k) : 40);
}

/* Why no waypoint replica can be called `name`, or NULL. */
static const char *bad_waypoint(ld_loader *L, const char *name, char *why, size_t size) {
  const scenario *s = L->s;
  size_t len;
  uint64_t n;
  const char *slash = strchr(name, '/');
  char ns_name[SCN_NAME_MAX], key[SCN_NAME_MAX];
  uint32_t ns = SCN_NONE;
  if (split_index(name, '#', &len, &n) && slash != NULL && slash < name + len) {
    size_t nl = (size_t)(slash - name), kl = len - nl - 1;
    snprintf(ns_name, sizeof ns_name, "%.*s", (int)(nl < SCN_NAME_MAX ? nl : SCN_NAME_MAX - 1),
             name);
    snprintf(key, sizeof key, "%.*s", (int)(kl < SCN_NAME_MAX ? kl : SCN_NAME_MAX - 1), slash + 1);
    ns = ld_nt_find(&L->namespaces, ns_name);
    if (ns == SCN_NONE) {
      snprintf(why, size,
               "there is no namespace \"%s\" (waypoints are named NAMESPACE/KEY#N, like "
               "\"%s/waypoint#0\")",
               ns_name, s->namespaces[0].name);
      return why;
    }
  } else {
    snprintf(why, size, "waypoints are named NAMESPACE/KEY#N, like \"%s/waypoint#0\"",
             s->namespaces[0].name);
    return why;
  }
  for (uint32_t i = 0; i < s->n_services; i++) {
    if (s->services[i].ns == ns && s->services[i].needs_l7 && waypoint_key_of(s, i, key)) {
      uint32_t r = s->namespaces[ns].waypoint_replicas > 0 ? s->namespaces[ns].waypoint_replicas
                                                           : s->mesh.waypoint_replicas;
      if (n >= r && !s->waypoint_autoscale.enabled) {
        snprintf(why, size, "waypoint \"%s/%s\" has %u replica%s (#0 .. #%u)", ns_name, key, r,
                 r == 1 ? "" : "s", r - 1);
        return why;
      }
      return NULL;
    }
  }
  snprintf(why, size,
           "no service with \"l7: true\" in namespace \"%s\" has a waypoint keyed \"%s\" (the key "
           "is \"waypoint\", a service account or a service, by the namespace's waypoint scope)",
           ns_name, key);
  return why;
}

/* Why no gateway replica can be called `name` ("gateway/NAME#N"), or NULL. */
static const char *bad_gateway(ld_loader *L, const char *name, char *why, size_t size) {
  const scenario *s = L->s;
  size_t len;
  uint64_t n;
  static const char prefix[] = "gateway/";
  if (strncmp(name, prefix, sizeof prefix - 1) != 0 || !split_index(name, '#', &len, &n) ||
      len < sizeof prefix) {
    snprintf(why, size, "gateway replicas are named gateway/NAME#N, like \"gateway/%s#0\"",
             s->n_gateways ? s->gateways[0].name : "ingress");
    return why;
  }
  char gw[SCN_NAME_MAX];
  size_t gl = len - (sizeof prefix - 1);
  snprintf(gw, sizeof gw, "%.*s", (int)(gl < SCN_NAME_MAX ? gl : SCN_NAME_MAX - 1),
           name + sizeof prefix - 1);
  uint32_t g = s->n_gateways ? ld_nt_find(&L->gateways, gw) : SCN_NONE;
  if (g == SCN_NONE) {
    snprintf(why, size, "there is no gateway \"%s\" in \"gateways\"", gw);
    return why;
  }
  if (n >= s->gateways[g].replicas) {
    uint32_t r = s->gateways[g].replicas;
    snprintf(why, size, "gateway \"%s\" has %u replica%s (#0 .. #%u)", gw, r, r == 1 ? "" : "s",
             r - 1);
    return why;
  }
  return NULL;
}

void ld_warn_failure_instances(ld_loader *L) {
  scenario *s = L->s;
  for (uint32_t i = 0; i < s->n_failures; i++) {
    const scenario_failure *f = &s->failures[i];
    yaml_node_t *inst = ld_get(L, ld_node_at(L, L->failure_ids[i]), "instance");
    if (inst == NULL) {
      continue;
    }
    char why[LD_MSG_MAX / 2], q[128];
    const char *bad = NULL;
    switch (f->target) {
    case SCN_FAIL_NODE:
    case SCN_FAIL_ZTUNNEL:
      bad = bad_node(s, f->instance, why, sizeof why);
      break;
    case SCN_FAIL_SIDECAR:
      bad = s->n_services > 0 ? bad_sidecar(L, f->instance, why, sizeof why) : NULL;
      break;
    case SCN_FAIL_WAYPOINT:
      bad = s->n_namespaces > 0 ? bad_waypoint(L, f->instance, why, sizeof why) : NULL;
      break;
    case SCN_FAIL_GATEWAY:
      bad = bad_gateway(L, f->instance, why, sizeof why);
      break;
    case SCN_FAIL_CONTROL_PLANE:
      ld_warn_at(L, inst,
                 "failure \"%s\": \"instance\" does not apply to target \"control-plane\", which "
                 "fails as a whole",
                 f->name);
      continue;
    default:
      continue;
    }
    if (bad != NULL) {
      ld_warn_at(L, inst, "failure \"%s\": no %s \"%s\" can exist: %s", f->name,
                 f->target == SCN_FAIL_ZTUNNEL   ? "ztunnel"
                 : f->target == SCN_FAIL_NODE    ? "node"
                 : f->target == SCN_FAIL_SIDECAR ? "sidecar"
                 : f->target == SCN_FAIL_GATEWAY ? "gateway"
                                                 : "waypoint",
                 ld_quote(q, sizeof q, f->instance), bad);
    }
  }
}
