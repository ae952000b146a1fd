/* result_table: the plain-text comparison table; see result_table.h. */
#include "result_table.h"

#include <math.h>
#include <string.h>

#define TABLE_LABEL 26
#define TABLE_COL   17

typedef double (*table_get)(const mode_result *m);

typedef struct table_row {
  const char *label;
  table_get get;
  const char *fmt; /* printf format of one value */
  int delta;       /* show in the delta section */
} table_row;

#define GETTER(name, expr)                                                                         \
  static double name(const mode_result *m) {                                                       \
    return (expr);                                                                                 \
  }
GETTER(g_requests, (double)m->requests)
GETTER(g_errors, (double)m->errors)
GETTER(g_slo, (double)m->slo_violations)
GETTER(g_tput, m->throughput_rps)
GETTER(g_mean, m->latency.mean_ms)
GETTER(g_p50, m->latency.p50_ms)
GETTER(g_p90, m->latency.p90_ms)
GETTER(g_p99, m->latency.p99_ms)
GETTER(g_p999, m->latency.p999_ms)
GETTER(g_cpu_app, m->kind[MESH_KIND_APP].cpu_cores_mean)
GETTER(g_cpu_sc, m->kind[MESH_KIND_SIDECAR].cpu_cores_mean)
GETTER(g_cpu_zt, m->kind[MESH_KIND_ZTUNNEL].cpu_cores_mean)
GETTER(g_cpu_wp, m->kind[MESH_KIND_WAYPOINT].cpu_cores_mean)
GETTER(g_cpu_cp, m->kind[MESH_KIND_CONTROL_PLANE].cpu_cores_mean)
GETTER(g_cpu_mesh, m->mesh_cpu_cores)
GETTER(g_cpu_mesh_peak, m->kind[MESH_KIND_SIDECAR].cpu_cores_peak +
                            m->kind[MESH_KIND_ZTUNNEL].cpu_cores_peak +
                            m->kind[MESH_KIND_WAYPOINT].cpu_cores_peak +
                            m->kind[MESH_KIND_CONTROL_PLANE].cpu_cores_peak)
GETTER(g_mem_sc, m->kind[MESH_KIND_SIDECAR].mem_mib_mean)
GETTER(g_mem_zt, m->kind[MESH_KIND_ZTUNNEL].mem_mib_mean)
GETTER(g_mem_wp, m->kind[MESH_KIND_WAYPOINT].mem_mib_mean)
GETTER(g_mem_cp, m->kind[MESH_KIND_CONTROL_PLANE].mem_mib_mean)
GETTER(g_mem_mesh, m->mesh_mem_mib)
GETTER(g_proxies,
       (double)(m->kind[MESH_KIND_SIDECAR].instances + m->kind[MESH_KIND_ZTUNNEL].instances +
                m->kind[MESH_KIND_WAYPOINT].instances))
GETTER(g_res_cpu, m->reserved_cpu_cores)
GETTER(g_res_mesh_cpu, m->reserved_cpu_cores - m->kind[MESH_KIND_APP].reserved_cpu_cores)
GETTER(g_res_mem, m->reserved_mem_mib / 1024.0)
GETTER(g_res_mesh_mem, (m->reserved_mem_mib - m->kind[MESH_KIND_APP].reserved_mem_mib) / 1024.0)
GETTER(g_nodes, (double)m->nodes_needed)
GETTER(g_xz, m->cross_zone_gb_month)
GETTER(g_cost, m->cost_usd_month)
GETTER(g_cost_res, m->cost_reserved_usd_month)
GETTER(g_cost_mesh, m->cost_mesh_reserved_usd_month)
#undef GETTER

static const table_row table_rows[] = {
    {"requests", g_requests, "%.0f", 0},
    {"errors", g_errors, "%.0f", 1},
    {"slower than SLO", g_slo, "%.0f", 1},
    {"throughput (rps)", g_tput, "%.1f", 0},
    {"latency mean (ms)", g_mean, "%.3f", 1},
    {"latency p50 (ms)", g_p50, "%.3f", 1},
    {"latency p90 (ms)", g_p90, "%.3f", 1},
    {"latency p99 (ms)", g_p99, "%.3f", 1},
    {NULL, NULL, NULL, 0}, /* p99 CI row */
    {"latency p999 (ms)", g_p999, "%.3f", 1},
    {"CPU app (cores)", g_cpu_app, "%.3f", 0},
    {"CPU sidecar (cores)", g_cpu_sc, "%.3f", 0},
    {"CPU ztunnel (cores)", g_cpu_zt, "%.3f", 0},
    {"CPU waypoint (cores)", g_cpu_wp, "%.3f", 0},
    {"CPU control plane (cores)", g_cpu_cp, "%.3f", 0},
    {"CPU mesh total (cores)", g_cpu_mesh, "%.3f", 1},
    {"CPU mesh peak (cores)", g_cpu_mesh_peak, "%.3f", 0},
    {"mem sidecar (MiB)", g_mem_sc, "%.1f", 0},
    {"mem ztunnel (MiB)", g_mem_zt, "%.1f", 0},
    {"mem waypoint (MiB)", g_mem_wp, "%.1f", 0},
    {"mem control plane (MiB)", g_mem_cp, "%.1f", 0},
    {"mem mesh total (MiB)", g_mem_mesh, "%.1f", 1},
    {"proxies", g_proxies, "%.0f", 0},
    {"reserved CPU (cores)", g_res_cpu, "%.2f", 0},
    {"  mesh reserved CPU", g_res_mesh_cpu, "%.2f", 1},
    {"reserved memory (GiB)", g_res_mem, "%.2f", 0},
    {"  mesh reserved memory", g_res_mesh_mem, "%.2f", 1},
    {"nodes needed", g_nodes, "%.0f", 1},
    {"cross-zone GB/month", g_xz, "%.0f", 1},
    {"cost, nodes (USD/month)", g_cost, "%.0f", 1},
    {"cost, reserved (USD/month)", g_cost_res, "%.0f", 1},
    {"  mesh share", g_cost_mesh, "%.0f", 1},
};

static void table_cell(FILE *out, const char *fmt, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, fmt, v);
  fprintf(out, "%*s", TABLE_COL, buf);
}

void result_table_write(FILE *out, const run_result *r) {
  fprintf(out,
          "scenario \"%s\" (hash %016llx), seed %llu, %u replication%s x %.3g s after %.3g s "
          "warm-up, profile %s\n",
          r->scenario, (unsigned long long)r->scenario_hash, (unsigned long long)r->seed,
          r->replications, r->replications == 1 ? "" : "s", r->duration_s, r->warmup_s, r->profile);
  if (r->params[0])
    fprintf(out, "parameters: %s\n", r->params);
  fputc('\n', out);
  fprintf(out, "%-*s", TABLE_LABEL, "");
  for (uint32_t i = 0; i < r->n_modes; i++)
    fprintf(out, "%*s", TABLE_COL, mesh_mode_name(r->modes[i].mode));
  fputc('\n', out);
  for (size_t k = 0; k < sizeof table_rows / sizeof table_rows[0]; k++) {
    const table_row *row = &table_rows[k];
    if (!row->label) {
      fprintf(out, "%-*s", TABLE_LABEL, "  p99 95% CI");
      for (uint32_t i = 0; i < r->n_modes; i++) {
        const sim_ci *ci = &r->modes[i].latency.p99_ci;
        char buf[64];
        if (ci->n < 2)
          snprintf(buf, sizeof buf, "n/a");
        else
          snprintf(buf, sizeof buf, "[%.3f, %.3f]", ci->lo, ci->hi);
        fprintf(out, "%*s", TABLE_COL, buf);
      }
      fputc('\n', out);
      continue;
    }
    fprintf(out, "%-*s", TABLE_LABEL, row->label);
    for (uint32_t i = 0; i < r->n_modes; i++)
      table_cell(out, row->fmt, row->get(&r->modes[i]));
    fputc('\n', out);
  }
  if (r->n_modes < 2)
    return;
  const mode_result *base = &r->modes[0];
  fprintf(out, "\nchange against %s:\n%-*s", mesh_mode_name(base->mode), TABLE_LABEL, "");
  for (uint32_t i = 1; i < r->n_modes; i++)
    fprintf(out, "%*s", TABLE_COL, mesh_mode_name(r->modes[i].mode));
  fputc('\n', out);
  for (size_t k = 0; k < sizeof table_rows / sizeof table_rows[0]; k++) {
    const table_row *row = &table_rows[k];
    if (!row->label || !row->delta)
      continue;
    fprintf(out, "%-*s", TABLE_LABEL, row->label);
    double b = row->get(base);
    for (uint32_t i = 1; i < r->n_modes; i++) {
      double v = row->get(&r->modes[i]);
      char num[40], buf[64];
      snprintf(num, sizeof num, row->fmt, v - b);
      if (fabs(b) > 1e-12)
        snprintf(buf, sizeof buf, "%s%s (%+.0f%%)", v - b >= 0 ? "+" : "", num,
                 100.0 * (v - b) / fabs(b));
      else
        snprintf(buf, sizeof buf, "%s%s", v - b >= 0 ? "+" : "", num);
      fprintf(out, "%*s", TABLE_COL, buf);
    }
    fputc('\n', out);
  }
}
