/* result_json: the --json document; see result_json.h. */
#include "result_json.h"

#include <math.h>

void result_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(out, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(out, "\\u%04x", *p);
    else
      fputc(*p, out);
  }
  fputc('"', out);
}

static void json_num(FILE *out, double v) {
  if (isfinite(v))
    fprintf(out, "%.9g", v);
  else
    fputs("null", out);
}

static void json_key_num(FILE *out, const char *key, double v, int comma) {
  fprintf(out, "\"%s\": ", key);
  json_num(out, v);
  if (comma)
    fputs(", ", out);
}

static void json_blast(FILE *out, const mode_result *m) {
  fputs(", \"blast_radius\": {", out);
  int first = 1;
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (!m->has_blast[k])
      continue;
    const result_blast *b = &m->blast[k];
    fprintf(out, "%s\"%s\": {\"instances\": %u, \"pods_max\": %u, ", first ? "" : ", ",
            mesh_proxy_kind_name((mesh_proxy_kind)k), b->instances, b->pods_max);
    json_key_num(out, "pods_mean", b->pods_mean, 1);
    fprintf(out,
            "\"services_max\": %u, \"namespaces_max\": %u, \"tenants_max\": %u, "
            "\"identities_max\": %u, ",
            b->services_max, b->namespaces_max, b->tenants_max, b->identities_max);
    json_key_num(out, "request_share_max", b->request_share_max, 1);
    json_key_num(out, "request_share_mean", b->request_share_mean, 0);
    fputc('}', out);
    first = 0;
  }
  fputc('}', out);
}

static void json_failures(FILE *out, const mode_result *m) {
  fputs(", \"failures\": [", out);
  for (uint32_t i = 0; i < m->n_failures; i++) {
    const result_failure *f = &m->failures[i];
    fputs(i ? ", {" : "{", out);
    fputs("\"name\": ", out);
    result_json_string(out, f->name);
    fputs(", \"component\": ", out);
    result_json_string(out, f->component);
    fputs(", \"instance\": ", out);
    result_json_string(out, f->instance);
    fputs(", ", out);
    json_key_num(out, "at_s", f->at_s, 1);
    json_key_num(out, "down_s", f->down_s, 1);
    fprintf(out,
            "\"failed_requests\": %llu, \"slo_violations\": %llu, \"affected_pods\": %u, "
            "\"affected_services\": %u, \"affected_namespaces\": %u, \"affected_tenants\": %u, ",
            (unsigned long long)f->failed_requests, (unsigned long long)f->slo_violations,
            f->affected_pods, f->affected_services, f->affected_namespaces, f->affected_tenants);
    json_key_num(out, "recovery_s", f->recovery_s, 0);
    fputc('}', out);
  }
  fputc(']', out);
}

static void json_mode(FILE *out, const mode_result *m) {
  fputs("{\"mode\": ", out);
  result_json_string(out, mesh_mode_name(m->mode));
  fprintf(out, ", \"requests\": %llu, \"errors\": %llu, \"slo_violations\": %llu, ",
          (unsigned long long)m->requests, (unsigned long long)m->errors,
          (unsigned long long)m->slo_violations);
  json_key_num(out, "throughput_rps", m->throughput_rps, 1);
  const result_latency *l = &m->latency;
  fputs("\"latency_ms\": {", out);
  json_key_num(out, "mean", l->mean_ms, 1);
  json_key_num(out, "p50", l->p50_ms, 1);
  json_key_num(out, "p90", l->p90_ms, 1);
  json_key_num(out, "p99", l->p99_ms, 1);
  json_key_num(out, "p999", l->p999_ms, 1);
  fputs("\"p99_ci95\": [", out);
  json_num(out, l->p99_ci.lo);
  fputs(", ", out);
  json_num(out, l->p99_ci.hi);
  fputs("], \"mean_ci95\": [", out);
  json_num(out, l->mean_ci.lo);
  fputs(", ", out);
  json_num(out, l->mean_ci.hi);
  fputs("]}, \"cpu_cores\": {", out);
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    json_key_num(out, mesh_kind_name((mesh_kind)k), m->kind[k].cpu_cores_mean, 1);
  json_key_num(out, "mesh", m->mesh_cpu_cores, 0);
  fputs("}, \"cpu_cores_peak\": {", out);
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    json_key_num(out, mesh_kind_name((mesh_kind)k), m->kind[k].cpu_cores_peak,
                 k + 1 < MESH_KIND_COUNT);
  fputs("}, \"memory_mib\": {", out);
  for (int k = MESH_KIND_SIDECAR; k < MESH_KIND_COUNT; k++)
    json_key_num(out, mesh_kind_name((mesh_kind)k), m->kind[k].mem_mib_mean, 1);
  json_key_num(out, "mesh", m->mesh_mem_mib, 0);
  fputs("}, \"memory_mib_peak\": {", out);
  for (int k = MESH_KIND_SIDECAR; k < MESH_KIND_COUNT; k++)
    json_key_num(out, mesh_kind_name((mesh_kind)k), m->kind[k].mem_mib_peak,
                 k + 1 < MESH_KIND_COUNT);
  fputs("}, \"instances\": {", out);
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    fprintf(out, "\"%s\": %u%s", mesh_kind_name((mesh_kind)k), m->kind[k].instances,
            k + 1 < MESH_KIND_COUNT ? ", " : "");
  fputs("}, \"reserved\": {", out);
  json_key_num(out, "cpu_cores", m->reserved_cpu_cores, 1);
  json_key_num(out, "memory_mib", m->reserved_mem_mib, 0);
  fprintf(out, "}, \"nodes_needed\": %u, ", m->nodes_needed);
  json_key_num(out, "cost_usd_month", m->cost_usd_month, 1);
  json_key_num(out, "cost_compute_usd_month", m->cost_compute_usd_month, 1);
  json_key_num(out, "cost_network_usd_month", m->cost_network_usd_month, 1);
  json_key_num(out, "cost_reserved_usd_month", m->cost_reserved_usd_month, 1);
  json_key_num(out, "cost_mesh_reserved_usd_month", m->cost_mesh_reserved_usd_month, 1);
  json_key_num(out, "cross_zone_gb_month", m->cross_zone_gb_month, 0);
  json_blast(out, m);
  json_failures(out, m);
  fputc('}', out);
}

int result_json_write(FILE *out, const run_result *r) {
  fputs("{\"scenario\": ", out);
  result_json_string(out, r->scenario);
  fprintf(out, ", \"scenario_hash\": \"%016llx\", \"seed\": %llu, \"replications\": %u, ",
          (unsigned long long)r->scenario_hash, (unsigned long long)r->seed, r->replications);
  json_key_num(out, "duration_s", r->duration_s, 1);
  json_key_num(out, "warmup_s", r->warmup_s, 1);
  json_key_num(out, "slo_ms", r->slo_ms, 1);
  fputs("\"profile\": ", out);
  result_json_string(out, r->profile);
  fputs(", \"params\": ", out);
  result_json_string(out, r->params);
  fputs(", \"version\": ", out);
  result_json_string(out, r->version);
  fputs(", \"modes\": [", out);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    if (i)
      fputs(", ", out);
    json_mode(out, &r->modes[i]);
  }
  fputs("]}\n", out);
  return ferror(out) ? -1 : 0;
}
