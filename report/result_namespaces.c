/* result_namespaces: result_namespace in the --json document; see
 * result_namespaces.h. */
#include "result_namespaces.h"

#include <math.h>

#include "result_json.h"

static void ns_num(FILE *out, const char *key, double v, int comma) {
  fprintf(out, "\"%s\": ", key);
  if (isfinite(v))
    fprintf(out, "%.9g", v);
  else
    fputs("null", out);
  if (comma)
    fputs(", ", out);
}

/* {"app": .., "sidecar": .., ..., "mesh": ..} of one per-kind array. The
 * gateway kind is left out: an ingress gateway serves no namespace's pods
 * on their side of a call, so the attribution gives it to none (docs/
 * report.md). */
static void ns_kinds(FILE *out, const char *key, const double *v, double mesh) {
  fprintf(out, "\"%s\": {", key);
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    if (k != MESH_KIND_GATEWAY)
      ns_num(out, mesh_kind_name((mesh_kind)k), v[k], 1);
  ns_num(out, "mesh", mesh, 0);
  fputs("}, ", out);
}

void result_namespaces_json(FILE *out, const mode_result *m) {
  fputs(", \"namespaces\": [", out);
  for (uint32_t i = 0; i < m->n_namespaces; i++) {
    const result_namespace *n = &m->namespaces[i];
    fputs(i ? ", {\"namespace\": " : "{\"namespace\": ", out);
    result_json_string(out, n->name);
    fputs(", \"tenant\": ", out);
    result_json_string(out, n->tenant);
    fputs(", \"mode\": ", out);
    result_json_string(out, mesh_ns_mode_name(n->mode));
    fprintf(out, ", \"pods\": %u, ", n->pods);
    ns_kinds(out, "cpu_cores", n->cpu_cores, n->mesh_cpu_cores);
    ns_kinds(out, "memory_mib", n->mem_mib, n->mesh_mem_mib);
    fputs("\"reserved\": {", out);
    ns_num(out, "cpu_cores", n->reserved_cpu_cores, 1);
    ns_num(out, "memory_mib", n->reserved_mem_mib, 1);
    ns_num(out, "mesh_cpu_cores", n->mesh_reserved_cpu_cores, 1);
    ns_num(out, "mesh_memory_mib", n->mesh_reserved_mem_mib, 0);
    fputs("}, ", out);
    ns_num(out, "cross_zone_gb_month", n->cross_zone_gb_month, 1);
    ns_num(out, "cost_usd_month", n->cost_usd_month, 1);
    ns_num(out, "mesh_cost_usd_month", n->mesh_cost_usd_month, 1);
    fprintf(out, "\"entry_requests\": %llu, \"entry_errors\": %llu, ",
            (unsigned long long)n->entry_requests, (unsigned long long)n->entry_errors);
    ns_num(out, "entry_latency_ms", n->entry_latency_ms, 1);
    ns_num(out, "latency_gain_ms", n->latency_gain_ms, 1);
    ns_num(out, "mesh_time_ms", n->mesh_time_ms, 0);
    fputc('}', out);
  }
  fputc(']', out);
}
