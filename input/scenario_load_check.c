/* scenario_load_check: the cross checks, once every section is read.
 *
 * Call cycles (a request would never finish), pods that no node pool can
 * hold after system_reserved, and, as warnings, L7 asked of opaque TCP
 * and (in an otherwise valid file) services that no traffic reaches. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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
