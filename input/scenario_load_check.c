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

/* Reports the cycle closed by call j of service u, back to service v:
 * stack[k - 1 .. depth - 1] is the path from v to u. */
static void report_cycle(ld_loader *L, const uint32_t *stack, uint32_t k, uint32_t depth,
                         uint32_t u, uint32_t j, uint32_t v) {
  scenario *s = L->s;
  /* Names of 64 bytes at most: 10 of them and the arrows fit. A
   * longer cycle shows its first and last 4 and its length. */
  char cyc[1024];
  size_t used = 0;
  uint32_t len = depth - (k - 1);
  cyc[0] = '\0';
  for (uint32_t x = k - 1; x < depth; x++) {
    uint32_t pos = x - (k - 1);
    if (len > 10 && pos >= 4 && pos < len - 4) {
      if (pos == 4) {
        used += (size_t)snprintf(cyc + used, sizeof cyc - used, "... -> ");
      }
      continue;
    }
    used += (size_t)snprintf(cyc + used, sizeof cyc - used, "%s -> ", s->services[stack[x]].name);
  }
  if (len > 10) {
    snprintf(cyc + used, sizeof cyc - used, "%s (%u services)", s->services[v].name, len);
  } else {
    snprintf(cyc + used, sizeof cyc - used, "%s", s->services[v].name);
  }
  const ld_call_aux *aux = &L->calls[L->call_start[u] + j];
  if (aux->csv_line != 0) {
    diag_error(L->diag, L->csv[LD_CSV_CALLS].path, aux->csv_line, aux->csv_col, "call cycle: %s",
               cyc);
  } else {
    ld_err_at(L, ld_node_at(L, aux->service_id), "call cycle: %s", cyc);
  }
}

void ld_check_cycles(ld_loader *L) {
  scenario *s = L->s;
  uint32_t n = s->n_services;
  uint8_t *color = calloc(n, 1);
  uint32_t *stack = calloc(n, sizeof *stack);
  uint32_t *next = calloc(n, sizeof *next);
  if (color == NULL || stack == NULL || next == NULL) {
    free(color);
    free(stack);
    free(next);
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
    next[root] = 0;
    while (depth > 0 && !ld_stop(L)) {
      uint32_t u = stack[depth - 1];
      scenario_service *sv = &s->services[u];
      if (next[u] >= sv->n_calls) {
        color[u] = 2;
        depth--;
        continue;
      }
      uint32_t j = next[u]++;
      uint32_t v = sv->calls[j].target;
      if (v == SCN_NONE) {
        continue;
      }
      if (color[v] == 0) {
        color[v] = 1;
        next[v] = 0;
        stack[depth++] = v;
      } else if (color[v] == 1) {
        uint32_t k = depth;
        while (k > 0 && stack[k - 1] != v) {
          k--;
        }
        if (k > 0) { /* always: a grey node is on the stack */
          report_cycle(L, stack, k, depth, u, j, v);
        }
      }
    }
  }
  free(color);
  free(stack);
  free(next);
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
  uint8_t *seen = calloc(n, 1);
  uint32_t *queue = calloc(n, sizeof *queue);
  if (seen == NULL || queue == NULL) {
    free(seen);
    free(queue);
    return; /* only a warning */
  }
  uint32_t head = 0, tail = 0;
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    uint32_t e = s->traffic[i].service;
    if (e != SCN_NONE && !seen[e]) {
      seen[e] = 1;
      queue[tail++] = e;
    }
  }
  while (head < tail) {
    scenario_service *sv = &s->services[queue[head++]];
    for (uint32_t j = 0; j < sv->n_calls; j++) {
      uint32_t t = sv->calls[j].target;
      if (t != SCN_NONE && !seen[t]) {
        seen[t] = 1;
        queue[tail++] = t;
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
  free(queue);
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
                                                 : "waypoint",
                 ld_quote(q, sizeof q, f->instance), bad);
    }
  }
}
