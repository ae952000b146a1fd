/* metric: the per-mode figures of a mode_result that people compare, in one
 * table every output reads: the text table of `meshsim run`
 * (result_table.c), its --json document (result_json.c), the summary of the
 * batch report (report_batch.c) and the charts of the sweep report
 * (report_sweep.c, from db_sweep_row.summary). A new metric is one row of
 * METRIC_LIST below: its identifier, how to read it from a mode_result, its
 * machine name and unit, and one part per output that shows it.
 *
 * Each output shows the rows that have its part, in the order of the list:
 * requests and errors, latency, CPU and memory (per kind, then the mesh),
 * instances, reservations, nodes, traffic and money. Two outputs keep an
 * order of their own, both marked in their rows: the JSON writes
 * cross_zone_gb_month last (METRIC_JSON_LAST, where the field was added),
 * and the sweep report draws its metrics by sweep.rank. The labels differ
 * per output on purpose ("throughput (rps)" in a terminal column,
 * "throughput (requests/s)" in a report), so each part carries its own.
 *
 * What is not a plain figure stays with its output, small and explicit: the
 * p99 confidence interval (a row of its own in the text table, "± h" in the
 * report, the p99_ci95 and mean_ci95 arrays after the latency figures in the
 * JSON) and the report's label of slo_violations, which names the stored SLO
 * ("requests slower than 100 ms"). */
#ifndef MESHSIM_METRIC_H
#define MESHSIM_METRIC_H

#include <stddef.h>

#include "result.h"

enum {
  METRIC_INTEGER = 1 << 0,    /* a count: an integer in the JSON and the report */
  METRIC_DELTA = 1 << 1,      /* also in the text table's "change against" section */
  METRIC_PER_KIND = 1 << 2,   /* about one component kind (.kind): the report shows it
                                 only when some mode has that kind */
  METRIC_JSON_LAST = 1 << 3,  /* written after every other figure of a mode in the JSON */
  METRIC_IF_PRESENT = 1 << 4, /* with METRIC_PER_KIND: the text table and the JSON show it only
                                 when the mode has instances of .kind (the ingress gateway:
                                 a run without gateways prints as before they existed) */
};

/* Whether output of mode m shows metric x (METRIC_IF_PRESENT). */
#define METRIC_SHOWN(x, m) (!((x)->flags & METRIC_IF_PRESENT) || (m)->kind[(x)->kind].instances > 0)

/* X(ID, EXPR, fields of struct metric): EXPR is the value, read from `m`, a
 * const mode_result *. Counts go through a double: exact below 2^53. */
#define METRIC_LIST(X)                                                                             \
  X(REQUESTS, (double)m->requests, .name = "requests", .unit = "requests",                         \
    .flags = METRIC_INTEGER, .text = {"requests", "%.0f"}, .json = {NULL, "requests"},             \
    .report = "requests")                                                                          \
  X(ERRORS, (double)m->errors, .name = "errors", .unit = "requests",                               \
    .flags = METRIC_INTEGER | METRIC_DELTA, .text = {"errors", "%.0f"}, .json = {NULL, "errors"},  \
    .report = "errors")                                                                            \
  /* requests counts the successes: the share failed is errors / (requests + errors) */            \
  X(ERROR_RATE,                                                                                    \
    m->requests + m->errors ? 100 * ((double)m->errors / (double)(m->requests + m->errors)) : NAN, \
    .name = "error_rate_pct", .unit = "%", .report = "error rate (%)")                             \
  /* errors by cause (result.h result_errors); with unfinished they add up to errors */            \
  X(ERRORS_TIMEOUT, (double)m->error_causes.timeout, .name = "errors_timeout", .unit = "requests", \
    .flags = METRIC_INTEGER, .text = {"  timed out", "%.0f"},                                      \
    .json = {"errors_by_cause", "timeout"}, .report = "errors: timed out (504)")                   \
  X(ERRORS_REJECTED, (double)m->error_causes.rejected, .name = "errors_rejected",                  \
    .unit = "requests", .flags = METRIC_INTEGER, .text = {"  refused (queue, breaker)", "%.0f"},   \
    .json = {"errors_by_cause", "rejected"},                                                       \
    .report = "errors: refused by a full queue or circuit breaker (503)")                          \
  X(ERRORS_OUTAGE, (double)m->error_causes.outage, .name = "errors_outage", .unit = "requests",    \
    .flags = METRIC_INTEGER, .text = {"  component down", "%.0f"},                                 \
    .json = {"errors_by_cause", "outage"}, .report = "errors: a component down or reset")          \
  X(ERRORS_UNFINISHED, (double)m->unfinished, .name = "errors_unfinished", .unit = "requests",     \
    .flags = METRIC_INTEGER, .text = {"  unfinished", "%.0f"},                                     \
    .json = {"errors_by_cause", "unfinished"}, .report = "errors: unfinished when the run ended")  \
  X(FAIL_P50, m->error_causes.fail_p50_ms, .name = "time_to_failure_p50_ms", .unit = "ms",         \
    .text = {"time to failure p50 (ms)", "%.3f"}, .json = {"time_to_failure_ms", "p50"},           \
    .report = "time to failure p50 (ms)")                                                          \
  X(FAIL_P99, m->error_causes.fail_p99_ms, .name = "time_to_failure_p99_ms", .unit = "ms",         \
    .text = {"time to failure p99 (ms)", "%.3f"}, .json = {"time_to_failure_ms", "p99"},           \
    .report = "time to failure p99 (ms)")                                                          \
  X(SLO_VIOLATIONS, (double)m->slo_violations, .name = "slo_violations", .unit = "requests",       \
    .flags = METRIC_INTEGER | METRIC_DELTA, .text = {"slower than SLO", "%.0f"},                   \
    .json = {NULL, "slo_violations"}, .report = "requests over the latency SLO")                   \
  X(THROUGHPUT, m->throughput_rps, .name = "throughput_rps", .unit = "requests/s",                 \
    .text = {"throughput (rps)", "%.1f"}, .json = {NULL, "throughput_rps"},                        \
    .report = "throughput (requests/s)")                                                           \
  X(LATENCY_MEAN, m->latency.mean_ms, .name = "latency_mean_ms", .unit = "ms",                     \
    .flags = METRIC_DELTA, .text = {"latency mean (ms)", "%.3f"}, .json = {"latency_ms", "mean"},  \
    .report = "latency mean (ms)")                                                                 \
  X(LATENCY_P50, m->latency.p50_ms, .name = "latency_p50_ms", .unit = "ms", .flags = METRIC_DELTA, \
    .text = {"latency p50 (ms)", "%.3f"}, .json = {"latency_ms", "p50"},                           \
    .report = "latency p50 (ms)")                                                                  \
  X(LATENCY_P90, m->latency.p90_ms, .name = "latency_p90_ms", .unit = "ms", .flags = METRIC_DELTA, \
    .text = {"latency p90 (ms)", "%.3f"}, .json = {"latency_ms", "p90"})                           \
  X(LATENCY_P99, m->latency.p99_ms, .name = "latency_p99_ms", .unit = "ms", .flags = METRIC_DELTA, \
    .text = {"latency p99 (ms)", "%.3f"}, .json = {"latency_ms", "p99"},                           \
    .report = "latency p99 (ms)", .sweep = {6, "p99", "p99 latency", "p99 latency"})               \
  X(LATENCY_P999, m->latency.p999_ms, .name = "latency_p999_ms", .unit = "ms",                     \
    .flags = METRIC_DELTA, .text = {"latency p999 (ms)", "%.3f"}, .json = {"latency_ms", "p999"},  \
    .report = "latency p99.9 (ms)")                                                                \
  X(CPU_APP, m->kind[MESH_KIND_APP].cpu_cores_mean, .name = "cpu_cores_app", .unit = "cores",      \
    .flags = METRIC_PER_KIND, .kind = MESH_KIND_APP, .text = {"CPU app (cores)", "%.3f"},          \
    .json = {"cpu_cores", "app"}, .report = "CPU used: app (cores)")                               \
  X(CPU_SIDECAR, m->kind[MESH_KIND_SIDECAR].cpu_cores_mean, .name = "cpu_cores_sidecar",           \
    .unit = "cores", .flags = METRIC_PER_KIND, .kind = MESH_KIND_SIDECAR,                          \
    .text = {"CPU sidecar (cores)", "%.3f"}, .json = {"cpu_cores", "sidecar"},                     \
    .report = "CPU used: sidecar (cores)")                                                         \
  X(CPU_ZTUNNEL, m->kind[MESH_KIND_ZTUNNEL].cpu_cores_mean, .name = "cpu_cores_ztunnel",           \
    .unit = "cores", .flags = METRIC_PER_KIND, .kind = MESH_KIND_ZTUNNEL,                          \
    .text = {"CPU ztunnel (cores)", "%.3f"}, .json = {"cpu_cores", "ztunnel"},                     \
    .report = "CPU used: ztunnel (cores)")                                                         \
  X(CPU_WAYPOINT, m->kind[MESH_KIND_WAYPOINT].cpu_cores_mean, .name = "cpu_cores_waypoint",        \
    .unit = "cores", .flags = METRIC_PER_KIND, .kind = MESH_KIND_WAYPOINT,                         \
    .text = {"CPU waypoint (cores)", "%.3f"}, .json = {"cpu_cores", "waypoint"},                   \
    .report = "CPU used: waypoint (cores)")                                                        \
  X(CPU_CONTROL_PLANE, m->kind[MESH_KIND_CONTROL_PLANE].cpu_cores_mean,                            \
    .name = "cpu_cores_control_plane", .unit = "cores", .flags = METRIC_PER_KIND,                  \
    .kind = MESH_KIND_CONTROL_PLANE, .text = {"CPU control plane (cores)", "%.3f"},                \
    .json = {"cpu_cores", "control_plane"}, .report = "CPU used: control_plane (cores)")           \
  X(CPU_GATEWAY, m->kind[MESH_KIND_GATEWAY].cpu_cores_mean, .name = "cpu_cores_gateway",           \
    .unit = "cores", .flags = METRIC_PER_KIND | METRIC_IF_PRESENT, .kind = MESH_KIND_GATEWAY,      \
    .text = {"CPU gateway (cores)", "%.3f"}, .json = {"cpu_cores", "gateway"},                     \
    .report = "CPU used: gateway (cores)")                                                         \
  X(CPU_MESH, m->mesh_cpu_cores, .name = "mesh_cpu_cores", .unit = "cores", .flags = METRIC_DELTA, \
    .text = {"CPU mesh total (cores)", "%.3f"}, .json = {"cpu_cores", "mesh"},                     \
    .report = "CPU used: mesh total (cores)",                                                      \
    .sweep = {1, "mesh_cpu", "Mesh CPU used", "mesh CPU"})                                         \
  X(CPU_MESH_PEAK,                                                                                 \
    m->kind[MESH_KIND_SIDECAR].cpu_cores_peak + m->kind[MESH_KIND_ZTUNNEL].cpu_cores_peak +        \
        m->kind[MESH_KIND_WAYPOINT].cpu_cores_peak +                                               \
        m->kind[MESH_KIND_CONTROL_PLANE].cpu_cores_peak +                                          \
        m->kind[MESH_KIND_GATEWAY].cpu_cores_peak,                                                 \
    .name = "mesh_cpu_cores_peak", .unit = "cores", .text = {"CPU mesh peak (cores)", "%.3f"})     \
  X(CPU_PEAK_APP, m->kind[MESH_KIND_APP].cpu_cores_peak, .name = "cpu_cores_peak_app",             \
    .unit = "cores", .flags = METRIC_PER_KIND, .kind = MESH_KIND_APP,                              \
    .json = {"cpu_cores_peak", "app"})                                                             \
  X(CPU_PEAK_SIDECAR, m->kind[MESH_KIND_SIDECAR].cpu_cores_peak, .name = "cpu_cores_peak_sidecar", \
    .unit = "cores", .flags = METRIC_PER_KIND, .kind = MESH_KIND_SIDECAR,                          \
    .json = {"cpu_cores_peak", "sidecar"})                                                         \
  X(CPU_PEAK_ZTUNNEL, m->kind[MESH_KIND_ZTUNNEL].cpu_cores_peak, .name = "cpu_cores_peak_ztunnel", \
    .unit = "cores", .flags = METRIC_PER_KIND, .kind = MESH_KIND_ZTUNNEL,                          \
    .json = {"cpu_cores_peak", "ztunnel"})                                                         \
  X(CPU_PEAK_WAYPOINT, m->kind[MESH_KIND_WAYPOINT].cpu_cores_peak,                                 \
    .name = "cpu_cores_peak_waypoint", .unit = "cores", .flags = METRIC_PER_KIND,                  \
    .kind = MESH_KIND_WAYPOINT, .json = {"cpu_cores_peak", "waypoint"})                            \
  X(CPU_PEAK_CONTROL_PLANE, m->kind[MESH_KIND_CONTROL_PLANE].cpu_cores_peak,                       \
    .name = "cpu_cores_peak_control_plane", .unit = "cores", .flags = METRIC_PER_KIND,             \
    .kind = MESH_KIND_CONTROL_PLANE, .json = {"cpu_cores_peak", "control_plane"})                  \
  X(CPU_PEAK_GATEWAY, m->kind[MESH_KIND_GATEWAY].cpu_cores_peak, .name = "cpu_cores_peak_gateway", \
    .unit = "cores", .flags = METRIC_PER_KIND | METRIC_IF_PRESENT, .kind = MESH_KIND_GATEWAY,      \
    .json = {"cpu_cores_peak", "gateway"})                                                         \
  X(MEM_APP, m->kind[MESH_KIND_APP].mem_mib_mean, .name = "mem_mib_app", .unit = "MiB",            \
    .flags = METRIC_PER_KIND, .kind = MESH_KIND_APP, .report = "memory used: app (MiB)")           \
  X(MEM_SIDECAR, m->kind[MESH_KIND_SIDECAR].mem_mib_mean, .name = "mem_mib_sidecar",               \
    .unit = "MiB", .flags = METRIC_PER_KIND, .kind = MESH_KIND_SIDECAR,                            \
    .text = {"mem sidecar (MiB)", "%.1f"}, .json = {"memory_mib", "sidecar"},                      \
    .report = "memory used: sidecar (MiB)")                                                        \
  X(MEM_ZTUNNEL, m->kind[MESH_KIND_ZTUNNEL].mem_mib_mean, .name = "mem_mib_ztunnel",               \
    .unit = "MiB", .flags = METRIC_PER_KIND, .kind = MESH_KIND_ZTUNNEL,                            \
    .text = {"mem ztunnel (MiB)", "%.1f"}, .json = {"memory_mib", "ztunnel"},                      \
    .report = "memory used: ztunnel (MiB)")                                                        \
  X(MEM_WAYPOINT, m->kind[MESH_KIND_WAYPOINT].mem_mib_mean, .name = "mem_mib_waypoint",            \
    .unit = "MiB", .flags = METRIC_PER_KIND, .kind = MESH_KIND_WAYPOINT,                           \
    .text = {"mem waypoint (MiB)", "%.1f"}, .json = {"memory_mib", "waypoint"},                    \
    .report = "memory used: waypoint (MiB)")                                                       \
  X(MEM_CONTROL_PLANE, m->kind[MESH_KIND_CONTROL_PLANE].mem_mib_mean,                              \
    .name = "mem_mib_control_plane", .unit = "MiB", .flags = METRIC_PER_KIND,                      \
    .kind = MESH_KIND_CONTROL_PLANE, .text = {"mem control plane (MiB)", "%.1f"},                  \
    .json = {"memory_mib", "control_plane"}, .report = "memory used: control_plane (MiB)")         \
  X(MEM_GATEWAY, m->kind[MESH_KIND_GATEWAY].mem_mib_mean, .name = "mem_mib_gateway",               \
    .unit = "MiB", .flags = METRIC_PER_KIND | METRIC_IF_PRESENT, .kind = MESH_KIND_GATEWAY,        \
    .text = {"mem gateway (MiB)", "%.1f"}, .json = {"memory_mib", "gateway"},                      \
    .report = "memory used: gateway (MiB)")                                                        \
  X(MEM_MESH, m->mesh_mem_mib, .name = "mesh_mem_mib", .unit = "MiB", .flags = METRIC_DELTA,       \
    .text = {"mem mesh total (MiB)", "%.1f"}, .json = {"memory_mib", "mesh"},                      \
    .report = "memory used: mesh total (MiB)",                                                     \
    .sweep = {3, "mesh_memory", "Mesh memory used", "mesh memory"})                                \
  X(MEM_PEAK_SIDECAR, m->kind[MESH_KIND_SIDECAR].mem_mib_peak, .name = "mem_mib_peak_sidecar",     \
    .unit = "MiB", .flags = METRIC_PER_KIND, .kind = MESH_KIND_SIDECAR,                            \
    .json = {"memory_mib_peak", "sidecar"})                                                        \
  X(MEM_PEAK_ZTUNNEL, m->kind[MESH_KIND_ZTUNNEL].mem_mib_peak, .name = "mem_mib_peak_ztunnel",     \
    .unit = "MiB", .flags = METRIC_PER_KIND, .kind = MESH_KIND_ZTUNNEL,                            \
    .json = {"memory_mib_peak", "ztunnel"})                                                        \
  X(MEM_PEAK_WAYPOINT, m->kind[MESH_KIND_WAYPOINT].mem_mib_peak, .name = "mem_mib_peak_waypoint",  \
    .unit = "MiB", .flags = METRIC_PER_KIND, .kind = MESH_KIND_WAYPOINT,                           \
    .json = {"memory_mib_peak", "waypoint"})                                                       \
  X(MEM_PEAK_CONTROL_PLANE, m->kind[MESH_KIND_CONTROL_PLANE].mem_mib_peak,                         \
    .name = "mem_mib_peak_control_plane", .unit = "MiB", .flags = METRIC_PER_KIND,                 \
    .kind = MESH_KIND_CONTROL_PLANE, .json = {"memory_mib_peak", "control_plane"})                 \
  X(MEM_PEAK_GATEWAY, m->kind[MESH_KIND_GATEWAY].mem_mib_peak, .name = "mem_mib_peak_gateway",     \
    .unit = "MiB", .flags = METRIC_PER_KIND | METRIC_IF_PRESENT, .kind = MESH_KIND_GATEWAY,        \
    .json = {"memory_mib_peak", "gateway"})                                                        \
  X(INSTANCES_APP, (double)m->kind[MESH_KIND_APP].instances, .name = "instances_app",              \
    .unit = "instances", .flags = METRIC_INTEGER | METRIC_PER_KIND, .kind = MESH_KIND_APP,         \
    .json = {"instances", "app"})                                                                  \
  X(INSTANCES_SIDECAR, (double)m->kind[MESH_KIND_SIDECAR].instances, .name = "instances_sidecar",  \
    .unit = "instances", .flags = METRIC_INTEGER | METRIC_PER_KIND, .kind = MESH_KIND_SIDECAR,     \
    .json = {"instances", "sidecar"})                                                              \
  X(INSTANCES_ZTUNNEL, (double)m->kind[MESH_KIND_ZTUNNEL].instances, .name = "instances_ztunnel",  \
    .unit = "instances", .flags = METRIC_INTEGER | METRIC_PER_KIND, .kind = MESH_KIND_ZTUNNEL,     \
    .json = {"instances", "ztunnel"})                                                              \
  X(INSTANCES_WAYPOINT, (double)m->kind[MESH_KIND_WAYPOINT].instances,                             \
    .name = "instances_waypoint", .unit = "instances", .flags = METRIC_INTEGER | METRIC_PER_KIND,  \
    .kind = MESH_KIND_WAYPOINT, .json = {"instances", "waypoint"})                                 \
  X(INSTANCES_CONTROL_PLANE, (double)m->kind[MESH_KIND_CONTROL_PLANE].instances,                   \
    .name = "instances_control_plane", .unit = "instances",                                        \
    .flags = METRIC_INTEGER | METRIC_PER_KIND, .kind = MESH_KIND_CONTROL_PLANE,                    \
    .json = {"instances", "control_plane"})                                                        \
  X(INSTANCES_GATEWAY, (double)m->kind[MESH_KIND_GATEWAY].instances, .name = "instances_gateway",  \
    .unit = "instances", .flags = METRIC_INTEGER | METRIC_PER_KIND | METRIC_IF_PRESENT,            \
    .kind = MESH_KIND_GATEWAY, .json = {"instances", "gateway"})                                   \
  X(PROXIES,                                                                                       \
    (double)(m->kind[MESH_KIND_SIDECAR].instances + m->kind[MESH_KIND_ZTUNNEL].instances +         \
             m->kind[MESH_KIND_WAYPOINT].instances + m->kind[MESH_KIND_GATEWAY].instances),        \
    .name = "proxies", .unit = "proxies", .flags = METRIC_INTEGER, .text = {"proxies", "%.0f"})    \
  X(RESERVED_CPU, m->reserved_cpu_cores, .name = "reserved_cpu_cores", .unit = "cores",            \
    .text = {"reserved CPU (cores)", "%.2f"}, .json = {"reserved", "cpu_cores"},                   \
    .report = "CPU reserved (cores)",                                                              \
    .sweep = {2, "reserved_cpu", "CPU reserved", "reserved CPU"})                                  \
  X(MESH_RESERVED_CPU, m->reserved_cpu_cores - m->kind[MESH_KIND_APP].reserved_cpu_cores,          \
    .name = "mesh_reserved_cpu_cores", .unit = "cores", .flags = METRIC_DELTA,                     \
    .text = {"  mesh reserved CPU", "%.2f"})                                                       \
  X(RESERVED_MEM, m->reserved_mem_mib, .name = "reserved_mem_mib", .unit = "MiB",                  \
    .text = {"reserved memory (GiB)", "%.2f", 1024}, .json = {"reserved", "memory_mib"},           \
    .report = "memory reserved (MiB)")                                                             \
  X(MESH_RESERVED_MEM, m->reserved_mem_mib - m->kind[MESH_KIND_APP].reserved_mem_mib,              \
    .name = "mesh_reserved_mem_mib", .unit = "MiB", .flags = METRIC_DELTA,                         \
    .text = {"  mesh reserved memory", "%.2f", 1024})                                              \
  X(NODES, (double)m->nodes_needed, .name = "nodes_needed", .unit = "nodes",                       \
    .flags = METRIC_INTEGER | METRIC_DELTA, .text = {"nodes needed", "%.0f"},                      \
    .json = {NULL, "nodes_needed"}, .report = "nodes needed",                                      \
    .sweep = {7, "nodes", "Nodes needed", "node count"})                                           \
  X(CROSS_ZONE, m->cross_zone_gb_month, .name = "cross_zone_gb_month", .unit = "GB per month",     \
    .flags = METRIC_DELTA | METRIC_JSON_LAST, .text = {"cross-zone GB/month", "%.0f"},             \
    .json = {NULL, "cross_zone_gb_month"})                                                         \
  X(COST, m->cost_usd_month, .name = "cost_usd_month", .unit = "USD per month",                    \
    .flags = METRIC_DELTA, .text = {"cost, nodes (USD/month)", "%.0f"},                            \
    .json = {NULL, "cost_usd_month"}, .report = "cost, nodes needed (USD per month)",              \
    .sweep = {4, "cost", "Cost of the nodes needed", "cost"})                                      \
  X(COST_COMPUTE, m->cost_compute_usd_month, .name = "cost_compute_usd_month",                     \
    .unit = "USD per month", .json = {NULL, "cost_compute_usd_month"})                             \
  X(COST_NETWORK, m->cost_network_usd_month, .name = "cost_network_usd_month",                     \
    .unit = "USD per month", .json = {NULL, "cost_network_usd_month"})                             \
  X(COST_RESERVED, m->cost_reserved_usd_month, .name = "cost_reserved_usd_month",                  \
    .unit = "USD per month", .flags = METRIC_DELTA,                                                \
    .text = {"cost, reserved (USD/month)", "%.0f"}, .json = {NULL, "cost_reserved_usd_month"},     \
    .report = "cost, reserved capacity (USD per month)",                                           \
    .sweep = {5, "cost_reserved", "Cost of the reserved capacity", "reserved-capacity cost"})      \
  X(COST_MESH_RESERVED, m->cost_mesh_reserved_usd_month, .name = "cost_mesh_reserved_usd_month",   \
    .unit = "USD per month", .flags = METRIC_DELTA, .text = {"  mesh share", "%.0f"},              \
    .json = {NULL, "cost_mesh_reserved_usd_month"},                                                \
    .report = "cost, reserved by the mesh (USD per month)")

#define METRIC__ENUM(ID, ...) METRIC_##ID,
typedef enum metric_id { METRIC_LIST(METRIC__ENUM) METRIC_COUNT } metric_id;
#undef METRIC__ENUM

typedef struct metric {
  metric_id id;
  const char *name; /* unique, in the style of the database's columns */
  const char *unit; /* of the value: "ms", "cores", "MiB", "USD per month", ... */
  unsigned flags;   /* METRIC_* */
  mesh_kind kind;   /* with METRIC_PER_KIND: the component kind it is about */
  double (*get)(const mode_result *m);
  struct { /* the `meshsim run` text table; label NULL: not in it */
    const char *label;
    const char *fmt; /* printf format of one value */
    double divisor;  /* shown in a larger unit, divided by this (MiB -> GiB: 1024); 0: as is */
  } text;
  struct {             /* the --json document; key NULL: not in it */
    const char *group; /* the object of the mode it sits in; NULL: the mode's own */
    const char *key;
  } json;
  const char *report;   /* its label in the batch report's summary; NULL: not in it */
  struct {              /* the sweep report; rank 0: not drawn */
    int rank;           /* 1 for the first section, 2 for the next, ... */
    const char *chart;  /* chart file name part */
    const char *title;  /* section heading */
    const char *phrase; /* in crossover sentences ("ambient's mesh CPU exceeds ...") */
  } sweep;
} metric;

/* Every metric, indexed by metric_id, in the order of METRIC_LIST. */
extern const metric metric_table[METRIC_COUNT];

static inline double metric_value(const metric *x, const mode_result *m) {
  return x->get(m);
}

/* The metrics the sweep report draws, by sweep.rank, into out (room for
 * METRIC_COUNT); returns how many. */
size_t metric_sweep_list(const metric **out);

/* The metric named `name`; NULL when there is none. */
const metric *metric_find(const char *name);

#endif
