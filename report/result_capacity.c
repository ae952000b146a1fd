/* result_capacity: result_plan in the --json document and after the text
 * table; see result_capacity.h. */
#include "result_capacity.h"

#include <math.h>

#include "result_json.h"

static void cap_num(FILE *out, const char *key, double v, int comma) {
  fprintf(out, "\"%s\": ", key);
  if (isfinite(v))
    fprintf(out, "%.9g", v);
  else
    fputs("null", out);
  if (comma)
    fputs(", ", out);
}

static void cap_str(FILE *out, const char *key, const char *s, int comma) {
  fprintf(out, "\"%s\": ", key);
  result_json_string(out, s);
  if (comma)
    fputs(", ", out);
}

static void json_hotspots(FILE *out, const result_plan *p) {
  fputs(", \"hotspots\": [", out);
  for (uint32_t i = 0; i < p->n_hotspots; i++) {
    const result_hotspot *h = &p->hotspots[i];
    fputs(i ? ", {" : "{", out);
    cap_str(out, "instance", h->instance, 1);
    cap_str(out, "kind", h->kind, 1);
    cap_str(out, "node", h->node, 1);
    cap_num(out, "utilisation", h->utilisation, 1);
    cap_num(out, "cpu_cores", h->cpu_cores, 1);
    cap_num(out, "latency_ms", h->latency_ms, 1);
    cap_num(out, "latency_share", h->latency_share, 0);
    fputc('}', out);
  }
  fputc(']', out);
}

static void json_capacity(FILE *out, const result_plan *p) {
  fputs(", \"capacity\": [", out);
  for (uint32_t i = 0; i < p->n_capacity; i++) {
    const result_capacity *c = &p->capacity[i];
    fputs(i ? ", {" : "{", out);
    cap_str(out, "kind", c->kind, 1);
    cap_str(out, "instance", c->instance, 1);
    fprintf(out, "\"replicas\": %u, ", c->replicas);
    cap_num(out, "utilisation", c->utilisation, 1);
    cap_num(out, "utilisation_max", c->utilisation_max, 1);
    cap_num(out, "cpu_cores", c->cpu_cores, 1);
    fprintf(out, "\"replicas_needed\": %u, ", c->replicas_needed);
    cap_num(out, "cpu_cores_per_replica", c->cpu_cores_per_replica, 0);
    fputc('}', out);
  }
  fputc(']', out);
}

static void json_sizing(FILE *out, const result_plan *p) {
  fputs(", \"sizing\": {", out);
  cap_num(out, "target_utilisation", p->target_utilisation, 1);
  cap_num(out, "headroom", p->headroom, 1);
  fprintf(out,
          "\"nodes_needed_reserved\": %u, \"nodes_needed_used\": %u, \"pods_unplaced\": %u, "
          "\"nodes_over_cpu\": %u, \"nodes_over_memory\": %u, ",
          p->nodes_needed_reserved, p->nodes_needed_used, p->pods_unplaced, p->nodes_over_cpu,
          p->nodes_over_mem);
  cap_str(out, "busiest_node", p->busiest_node, 1);
  cap_num(out, "busiest_node_cpu_share", p->busiest_node_cpu_share, 1);
  cap_num(out, "node_memory_share_max", p->node_mem_share_max, 0);
  fputs(", \"proxies\": {", out);
  int first = 1;
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (!p->has_sizing[k])
      continue;
    const result_sizing *z = &p->sizing[k];
    fprintf(out, "%s\"%s\": {\"instances\": %u, ", first ? "" : ", ",
            mesh_proxy_kind_name((mesh_proxy_kind)k), z->instances);
    cap_num(out, "request_cpu_cores", z->request_cpu_cores, 1);
    cap_num(out, "request_memory_mib", z->request_mem_mib, 1);
    cap_num(out, "p95_cpu_cores", z->p95_cpu_cores, 1);
    cap_num(out, "p95_memory_mib", z->p95_mem_mib, 1);
    cap_num(out, "max_cpu_cores", z->max_cpu_cores, 1);
    cap_num(out, "right_cpu_cores", z->right_cpu_cores, 1);
    cap_num(out, "right_memory_mib", z->right_mem_mib, 1);
    cap_num(out, "cost_usd_month", z->cost_usd_month, 1);
    cap_num(out, "right_cost_usd_month", z->right_cost_usd_month, 0);
    fputc('}', out);
    first = 0;
  }
  fputs("}}", out);
}

static void json_node_warnings(FILE *out, const result_plan *p) {
  fputs(", \"node_warnings\": [", out);
  for (uint32_t i = 0; i < p->n_node_warnings; i++) {
    const result_node_warning *w = &p->node_warnings[i];
    fputs(i ? ", {" : "{", out);
    cap_str(out, "node", w->node, 1);
    cap_num(out, "cpu_used_cores", w->cpu_used_cores, 1);
    cap_num(out, "cpu_capacity_cores", w->cpu_capacity_cores, 1);
    cap_num(out, "memory_used_mib", w->mem_used_mib, 1);
    cap_num(out, "memory_capacity_mib", w->mem_capacity_mib, 0);
    fputc('}', out);
  }
  fputc(']', out);
}

void result_capacity_json(FILE *out, const mode_result *m) {
  json_hotspots(out, &m->plan);
  json_capacity(out, &m->plan);
  json_sizing(out, &m->plan);
  json_node_warnings(out, &m->plan);
}

/* ---- the text table's warnings ------------------------------------------------ */

/* Writes mode m's warnings (out NULL: only counts them). */
static unsigned cap_warn(FILE *out, const mode_result *m) {
  const result_plan *p = &m->plan;
  const char *mode = mode_result_name(m);
  unsigned n = 0;
  if (p->n_node_warnings > 0) {
    n++;
    if (out) {
      const result_node_warning *w = &p->node_warnings[0];
      fprintf(out,
              "warning: %s: %u of %u nodes use more than they have (CPU %u, memory %u); "
              "worst %s: CPU %.0f%% of %.3g cores, memory %.0f%% of %.0f MiB\n",
              mode, p->n_node_warnings, m->n_nodes, p->nodes_over_cpu, p->nodes_over_mem, w->node,
              100 * w->cpu_used_cores / w->cpu_capacity_cores, w->cpu_capacity_cores,
              100 * w->mem_used_mib / w->mem_capacity_mib, w->mem_capacity_mib);
    }
  }
  if (p->nodes_needed_used > p->nodes_needed_reserved) {
    n++;
    if (out)
      fprintf(out,
              "warning: %s: nodes needed %u counting what pods use (%u counting their requests "
              "alone): the requests are below the use\n",
              mode, p->nodes_needed_used, p->nodes_needed_reserved);
  }
  if (p->pods_unplaced > 0) {
    n++;
    if (out)
      fprintf(out,
              "warning: %s: %u pods use more than any node pool below its max can give; "
              "nodes needed leaves them out\n",
              mode, p->pods_unplaced);
  }
  for (uint32_t i = 0; i < p->n_capacity; i++) {
    const result_capacity *c = &p->capacity[i];
    if (!(c->utilisation_max > p->target_utilisation))
      continue;
    n++;
    if (!out)
      continue;
    if (c->replicas_needed > c->replicas)
      fprintf(out,
              "warning: %s: %s \"%s\" at %.0f%% utilisation (busiest replica %.0f%%) needs %u "
              "replicas to stay under %.0f%% (has %u), or %.3g cores each\n",
              mode, c->kind, c->instance, 100 * c->utilisation, 100 * c->utilisation_max,
              c->replicas_needed, 100 * p->target_utilisation, c->replicas,
              c->cpu_cores_per_replica);
    else
      fprintf(out,
              "warning: %s: %s \"%s\" busiest replica at %.0f%% utilisation needs %.3g cores "
              "each to stay under %.0f%%\n",
              mode, c->kind, c->instance, 100 * c->utilisation_max, c->cpu_cores_per_replica,
              100 * p->target_utilisation);
  }
  return n;
}

unsigned result_capacity_warnings(const mode_result *m) {
  return cap_warn(NULL, m);
}

void result_capacity_text(FILE *out, const run_result *r) {
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    any |= result_capacity_warnings(&r->modes[i]) > 0;
  if (!any)
    return;
  fputc('\n', out);
  for (uint32_t i = 0; i < r->n_modes; i++)
    cap_warn(out, &r->modes[i]);
}
