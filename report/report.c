/* report: builds the comparison report of one batch from the database.
 *
 * Order of the document: provenance (what to run to get the same numbers),
 * how to read it, the summary table with deltas against a baseline mode,
 * then one section per question: resources, latency, cost and nodes,
 * behaviour over time, nodes, blast radius, failure drills, replications.
 * Every sentence is assembled from stored numbers; when a number is
 * missing the sentence is left out rather than guessed.
 *
 * Sweeps have their own report (report_sweep.c), chosen in report_write()
 * when asked for or when the latest batch is a sweep point; both share the
 * two-pass rendering of report_render(). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsdir.h"
#include "mesh_types.h"
#include "report_internal.h"

#ifndef MESHSIM_VERSION
#define MESHSIM_VERSION "unknown"
#endif

#define CELL_MAX           96
#define MAX_FAILURE_CHARTS 24

typedef struct rctx {
  db *d;
  const report_options *opt;
  report_info *info;
  run_result run;
  uint32_t base; /* index of the baseline mode */
  report_doc doc;
  report_charts charts;
  report_gp gp;
} rctx;

/* ---- formatting -------------------------------------------------------------- */

void report_format_value(char *buf, size_t n, double v) {
  double a = fabs(v);
  if (!isfinite(v))
    report_fmt(buf, n, "n/a");
  else if (v == 0)
    report_fmt(buf, n, "0");
  else if (a >= 99.95) /* thresholds on the rounded value: 99.96 -> "100", not "100.0" */
    report_fmt(buf, n, "%.0f", v);
  else if (a >= 9.995)
    report_fmt(buf, n, "%.1f", v);
  else if (a >= 0.9995)
    report_fmt(buf, n, "%.2f", v);
  else if (a >= 0.001)
    report_fmt(buf, n, "%#.3g", v); /* keep trailing zeros: 0.900, not 0.9 */
  else
    report_fmt(buf, n, "%.2e", v);
}

/* Short alias used throughout this file. */
static const char *fv(char *buf, size_t n, double v) {
  report_format_value(buf, n, v);
  return buf;
}

static const char *fu(char *buf, size_t n, uint64_t v) {
  report_fmt(buf, n, "%" PRIu64, v);
  return buf;
}

static const char *fpct(char *buf, size_t n, double fraction) {
  if (!isfinite(fraction))
    report_fmt(buf, n, "n/a");
  else
    report_fmt(buf, n, "%.1f%%", 100 * fraction);
  return buf;
}

/* "+12.3%" against the baseline; absolute when the baseline is 0. */
static void fmt_delta(char *buf, size_t n, double v, double base) {
  if (!isfinite(v) || !isfinite(base))
    report_fmt(buf, n, "n/a");
  else if (v == base)
    report_fmt(buf, n, "=");
  else if (base != 0 && fabs(100 * (v - base) / base) < 0.05)
    report_fmt(buf, n, "~0%%"); /* not equal, but not by a printable amount */
  else if (base != 0)
    report_fmt(buf, n, "%+.1f%%", 100 * (v - base) / fabs(base));
  else {
    char a[32];
    report_format_value(a, sizeof a, v - base);
    report_fmt(buf, n, "%s%s", v > base ? "+" : "", a);
  }
}

static const char *mode_name(const mode_result *m) {
  const char *s = mesh_mode_name(m->mode);
  return s ? s : "?";
}

static double safe_ratio(double a, double b) {
  return b != 0 ? a / b : NAN;
}

/* "slower than 100 ms" from the stored SLO; "over the latency SLO" when
 * the database predates it. */
static const char *slo_phrase(const run_result *r, char *buf, size_t n) {
  char v[32];
  if (isfinite(r->slo_ms) && r->slo_ms > 0)
    report_fmt(buf, n, "slower than %s ms", (report_format_value(v, sizeof v, r->slo_ms), v));
  else
    report_fmt(buf, n, "over the latency SLO");
  return buf;
}

/* ---- files ----------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Removes the previous report's charts, so report.html never points at an
 * image left over from an older batch. Only our own file types. */
static void clean_chart_dir(const char *dir) {
  DIR *dh = opendir(dir);
  if (!dh)
    return;
  struct dirent *e;
  while ((e = readdir(dh)) != NULL) {
    if (has_suffix(e->d_name, ".png") || has_suffix(e->d_name, ".svg") ||
        has_suffix(e->d_name, ".gp") || has_suffix(e->d_name, ".dat") ||
        has_suffix(e->d_name, ".log")) {
      char path[REPORT_PATH_MAX];
      report_fmt(path, sizeof path, "%s/%s", dir, e->d_name);
      remove(path);
    }
  }
  closedir(dh);
}

static void add_chart(rctx *c, const char *name, int drawn, const char *caption) {
  if (drawn != 1)
    return;
  char src[REPORT_PATH_MAX];
  report_chart_src(&c->charts, name, src, sizeof src);
  report_doc_image(&c->doc, src, caption);
}

/* ---- sections --------------------------------------------------------------- */

static void section_header(rctx *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  char a[RESULT_TEXT_MAX], b[RESULT_TEXT_MAX], n1[CELL_MAX], n2[CELL_MAX];
  report_doc_heading(doc, 1, "meshsim report: %s", r->scenario);
  report_doc_para(doc,
                  "Comparison of %u data-plane modes for scenario `%s`, from batch %" PRId64
                  " of the results database `%s`.",
                  r->n_modes, report_code(a, sizeof a, r->scenario), c->info->batch_id,
                  report_code(b, sizeof b, db_path(c->d)));
  char hash[17];
  report_fmt(hash, sizeof hash, "%016" PRIx64, r->scenario_hash);
  report_doc_item(doc, "Scenario file: `%s` (content hash `%s`)",
                  report_code(a, sizeof a, r->scenario_path[0] ? r->scenario_path : "?"), hash);
  if (r->params[0])
    report_doc_item(doc, "Parameters overridden: `%s`", report_code(a, sizeof a, r->params));
  else
    report_doc_item(doc, "Parameters overridden: none (the scenario as written)");
  report_doc_item(doc, "Seed %" PRIu64 ", %u replication%s, %s s measured after %s s of warm-up",
                  r->seed, r->replications, r->replications == 1 ? "" : "s",
                  fv(n1, sizeof n1, r->duration_s), fv(n2, sizeof n2, r->warmup_s));
  report_doc_item(doc, "Calibration profile `%s`, produced by meshsim %s",
                  report_code(a, sizeof a, r->profile), report_code(b, sizeof b, r->version));
  report_doc_item(doc, "Started %s (UTC), took %s s of wall-clock time", r->started_at,
                  fv(n1, sizeof n1, r->wall_s));
  report_doc_end_list(doc);
  report_doc_para(doc,
                  "To reproduce these numbers, run the same scenario file (same content hash) "
                  "with the same seed, replication count and parameters on meshsim %s with "
                  "profile `%s`: the simulation is deterministic, so identical inputs give "
                  "identical results.",
                  report_code(b, sizeof b, r->version), report_code(a, sizeof a, r->profile));
  if (c->info->warning[0])
    report_doc_para(doc, "Note: %s.", c->info->warning);
}

static void section_how_to_read(rctx *c) {
  report_doc *doc = &c->doc;
  char a[RESULT_NAME_MAX];
  report_doc_heading(doc, 2, "How to read this");
  report_doc_para(
      doc,
      "Every mode ran the same workload with the same random numbers, so differences between "
      "columns come from the mesh, not from chance. Figures are means over replications; "
      "latency quantiles come from the histogram of all replications merged, and the value "
      "after ± is the half-width of the 95%% confidence interval of that quantile over "
      "replications (none with a single replication). Percentages in parentheses are changes "
      "against the baseline mode `%s`; for latency, CPU, memory, nodes and cost a negative "
      "change is an improvement. CPU and memory \"used\" are time averages; \"reserved\" is "
      "what Kubernetes requests set aside, which decides how many nodes a mode needs and what "
      "it costs.",
      report_code(a, sizeof a, mode_name(&c->run.modes[c->base])));
}

/* A metric of the summary table. */
enum {
  M_REQUESTS,
  M_ERRORS,
  M_ERROR_RATE,
  M_SLO,
  M_THROUGHPUT,
  M_MEAN,
  M_P50,
  M_P99,
  M_P999,
  M_CPU_KIND,
  M_CPU_MESH,
  M_MEM_KIND,
  M_MEM_MESH,
  M_CPU_RESERVED,
  M_MEM_RESERVED,
  M_NODES,
  M_COST,
  M_COST_RESERVED,
  M_COST_MESH_RESERVED
};

static double metric_value(const mode_result *m, int metric, int kind) {
  switch (metric) {
  case M_REQUESTS:
    return (double)m->requests;
  case M_ERRORS:
    return (double)m->errors;
  case M_ERROR_RATE:
    return 100 * safe_ratio((double)m->errors, (double)m->requests);
  case M_SLO:
    return (double)m->slo_violations;
  case M_THROUGHPUT:
    return m->throughput_rps;
  case M_MEAN:
    return m->latency.mean_ms;
  case M_P50:
    return m->latency.p50_ms;
  case M_P99:
    return m->latency.p99_ms;
  case M_P999:
    return m->latency.p999_ms;
  case M_CPU_KIND:
    return m->kind[kind].cpu_cores_mean;
  case M_CPU_MESH:
    return m->mesh_cpu_cores;
  case M_MEM_KIND:
    return m->kind[kind].mem_mib_mean;
  case M_MEM_MESH:
    return m->mesh_mem_mib;
  case M_CPU_RESERVED:
    return m->reserved_cpu_cores;
  case M_MEM_RESERVED:
    return m->reserved_mem_mib;
  case M_NODES:
    return m->nodes_needed;
  case M_COST:
    return m->cost_usd_month;
  case M_COST_RESERVED:
    return m->cost_reserved_usd_month;
  case M_COST_MESH_RESERVED:
    return m->cost_mesh_reserved_usd_month;
  default:
    return NAN;
  }
}

static void summary_row(rctx *c, const char *label, int metric, int kind) {
  const run_result *r = &c->run;
  const char *cells[1 + MESH_MODE_COUNT * 4];
  char buf[MESH_MODE_COUNT * 4][CELL_MAX];
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  cells[0] = label;
  double base = metric_value(&r->modes[c->base], metric, kind);
  for (uint32_t i = 0; i < n; i++) {
    const mode_result *m = &r->modes[i];
    double v = metric_value(m, metric, kind);
    char val[CELL_MAX / 2], ci[CELL_MAX / 2] = "", delta[32];
    int count = metric == M_REQUESTS || metric == M_ERRORS || metric == M_SLO || metric == M_NODES;
    if (count)
      fu(val, sizeof val,
         metric == M_REQUESTS ? m->requests
         : metric == M_ERRORS ? m->errors
         : metric == M_SLO    ? m->slo_violations
                              : m->nodes_needed);
    else
      report_format_value(val, sizeof val, v);
    if (metric == M_P99 && m->latency.p99_ci.n >= 2) {
      char h[32];
      report_fmt(ci, sizeof ci, " ± %s", fv(h, sizeof h, m->latency.p99_ci.half_width));
    }
    if (i == c->base) {
      report_fmt(buf[i], sizeof buf[i], "%s%s", val, ci);
    } else {
      fmt_delta(delta, sizeof delta, v, base);
      report_fmt(buf[i], sizeof buf[i], "%s%s (%s)", val, ci, delta);
    }
    cells[1 + i] = buf[i];
  }
  report_doc_table_row(&c->doc, 1 + n, cells);
}

static void section_summary(rctx *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Summary");
  const char *head[1 + MESH_MODE_COUNT * 4];
  char names[MESH_MODE_COUNT * 4][CELL_MAX];
  char align[1 + MESH_MODE_COUNT * 4 + 1];
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  head[0] = "metric";
  align[0] = 'l';
  for (uint32_t i = 0; i < n; i++) {
    report_fmt(names[i], sizeof names[i], "%s%s", mode_name(&r->modes[i]),
               i == c->base ? " (baseline)" : "");
    head[1 + i] = names[i];
    align[1 + i] = 'r';
  }
  align[1 + n] = '\0';
  report_doc_table_begin(doc, 1 + n, head, align);
  summary_row(c, "requests", M_REQUESTS, 0);
  summary_row(c, "errors", M_ERRORS, 0);
  summary_row(c, "error rate (%)", M_ERROR_RATE, 0);
  char slo[CELL_MAX], slo_label[CELL_MAX];
  report_fmt(slo_label, sizeof slo_label, "requests %s", slo_phrase(r, slo, sizeof slo));
  summary_row(c, slo_label, M_SLO, 0);
  summary_row(c, "throughput (requests/s)", M_THROUGHPUT, 0);
  summary_row(c, "latency mean (ms)", M_MEAN, 0);
  summary_row(c, "latency p50 (ms)", M_P50, 0);
  summary_row(c, "latency p99 (ms)", M_P99, 0);
  summary_row(c, "latency p99.9 (ms)", M_P999, 0);
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    int any = 0;
    for (uint32_t i = 0; i < r->n_modes; i++)
      any |= r->modes[i].kind[k].cpu_cores_mean > 0 || r->modes[i].kind[k].instances > 0;
    if (!any)
      continue;
    char label[CELL_MAX];
    report_fmt(label, sizeof label, "CPU used: %s (cores)", mesh_kind_name((mesh_kind)k));
    summary_row(c, label, M_CPU_KIND, k);
  }
  summary_row(c, "CPU used: mesh total (cores)", M_CPU_MESH, 0);
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    int any = 0;
    for (uint32_t i = 0; i < r->n_modes; i++)
      any |= r->modes[i].kind[k].mem_mib_mean > 0 || r->modes[i].kind[k].instances > 0;
    if (!any)
      continue;
    char label[CELL_MAX];
    report_fmt(label, sizeof label, "memory used: %s (MiB)", mesh_kind_name((mesh_kind)k));
    summary_row(c, label, M_MEM_KIND, k);
  }
  summary_row(c, "memory used: mesh total (MiB)", M_MEM_MESH, 0);
  summary_row(c, "CPU reserved (cores)", M_CPU_RESERVED, 0);
  summary_row(c, "memory reserved (MiB)", M_MEM_RESERVED, 0);
  summary_row(c, "nodes needed", M_NODES, 0);
  summary_row(c, "cost, nodes needed (USD per month)", M_COST, 0);
  summary_row(c, "cost, reserved capacity (USD per month)", M_COST_RESERVED, 0);
  summary_row(c, "cost, reserved by the mesh (USD per month)", M_COST_MESH_RESERVED, 0);
  report_doc_table_end(doc);
}

static void section_resources(rctx *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "CPU and memory");
  report_doc_para(doc, "Per component kind, summed over its instances: instances, CPU used "
                       "(time average and highest one-second average), CPU reserved, memory "
                       "used (average and peak) and memory reserved.");
  add_chart(c, "cpu", report_chart_resources(&c->charts, r, 0),
            "CPU per mode by component kind, used and reserved (cores)");
  add_chart(c, "memory", report_chart_resources(&c->charts, r, 1),
            "Memory per mode by component kind, used and reserved (MiB)");
  static const char *const head[] = {"mode",
                                     "kind",
                                     "instances",
                                     "CPU mean (cores)",
                                     "CPU peak (cores)",
                                     "CPU reserved (cores)",
                                     "memory mean (MiB)",
                                     "memory peak (MiB)",
                                     "memory reserved (MiB)"};
  report_doc_table_begin(doc, 9, head, "llrrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      const result_kind_usage *u = &m->kind[k];
      if (u->instances == 0 && !(u->cpu_cores_mean > 0) && !(u->reserved_cpu_cores > 0))
        continue;
      char b[7][CELL_MAX];
      const char *cells[9] = {mode_name(m),
                              mesh_kind_name((mesh_kind)k),
                              fu(b[0], CELL_MAX, u->instances),
                              fv(b[1], CELL_MAX, u->cpu_cores_mean),
                              fv(b[2], CELL_MAX, u->cpu_cores_peak),
                              fv(b[3], CELL_MAX, u->reserved_cpu_cores),
                              fv(b[4], CELL_MAX, u->mem_mib_mean),
                              fv(b[5], CELL_MAX, u->mem_mib_peak),
                              fv(b[6], CELL_MAX, u->reserved_mem_mib)};
      report_doc_table_row(doc, 9, cells);
    }
  }
  report_doc_table_end(doc);
}

static void fmt_ci(char *buf, size_t n, double v, const sim_ci *ci) {
  char a[32], lo[32], hi[32];
  if (ci->n >= 2)
    report_fmt(buf, n, "%s [%s, %s]", fv(a, sizeof a, v), fv(lo, sizeof lo, ci->lo),
               fv(hi, sizeof hi, ci->hi));
  else
    report_fmt(buf, n, "%s", fv(a, sizeof a, v));
}

/* CDF of one mode from its histogram buckets: x = bucket upper bound (ms),
 * y = share of requests at or below it. Arrays are malloc'd. */
static size_t cdf_points(const sim_hist *h, double **xs, double **ys) {
  *xs = *ys = NULL;
  if (!h->buckets || h->count == 0)
    return 0;
  size_t nb = sim_hist_bucket_count(), used = 0;
  for (size_t b = 0; b < nb; b++)
    used += h->buckets[b] != 0;
  *xs = malloc((used + 1) * sizeof **xs);
  *ys = malloc((used + 1) * sizeof **ys);
  if (!*xs || !*ys) {
    free(*xs);
    free(*ys);
    *xs = *ys = NULL;
    return 0;
  }
  uint64_t total = 0, cum = 0;
  for (size_t b = 0; b < nb; b++)
    total += h->buckets[b];
  size_t n = 0;
  for (size_t b = 0; b < nb; b++) {
    if (!h->buckets[b])
      continue;
    if (n == 0) { /* start the staircase at 0 on the first bucket's lower edge */
      double lo = (double)sim_hist_bucket_lo(b) / 1e6;
      (*xs)[n] = lo > 0 ? lo : 1e-6;
      (*ys)[n++] = 0;
    }
    cum += h->buckets[b];
    (*xs)[n] = (double)sim_hist_bucket_hi(b) / 1e6;
    (*ys)[n++] = (double)cum / (double)total;
  }
  return n;
}

static void section_latency(rctx *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Latency");
  report_doc_para(doc, "End-to-end latency of external requests. Values in brackets are 95%% "
                       "confidence intervals over replications.");
  report_line lines[MESH_MODE_COUNT * 4];
  double *xs[MESH_MODE_COUNT * 4], *ys[MESH_MODE_COUNT * 4];
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  for (uint32_t i = 0; i < n; i++) {
    lines[i].title = mode_name(&r->modes[i]);
    lines[i].n = cdf_points(&r->modes[i].latency_hist_ns, &xs[i], &ys[i]);
    lines[i].x = xs[i];
    lines[i].y = ys[i];
  }
  add_chart(
      c, "latency_cdf",
      report_chart_lines(
          &c->charts, "latency_cdf", "Latency distribution per mode (CDF of end-to-end latency)",
          "end-to-end latency (ms, log scale)", "share of requests at or below (fraction)", lines,
          n, REPORT_LOGX | REPORT_STEPS, "set yrange [0:1.02]\nset key inside right bottom\n"),
      "Latency CDF per mode (log-scale latency in ms)");
  for (uint32_t i = 0; i < n; i++) {
    free(xs[i]);
    free(ys[i]);
  }
  add_chart(c, "latency_quantiles", report_chart_quantiles(&c->charts, r),
            "Latency p50, p99 and p99.9 per mode with 95% confidence intervals (ms)");
  static const char *const head[] = {"mode",     "mean (ms)", "p50 (ms)",
                                     "p90 (ms)", "p99 (ms)",  "p99.9 (ms)"};
  report_doc_table_begin(doc, 6, head, "lrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_latency *l = &r->modes[i].latency;
    char b[5][CELL_MAX];
    fmt_ci(b[0], CELL_MAX, l->mean_ms, &l->mean_ci);
    fmt_ci(b[1], CELL_MAX, l->p50_ms, &l->p50_ci);
    fmt_ci(b[2], CELL_MAX, l->p90_ms, &l->p90_ci);
    fmt_ci(b[3], CELL_MAX, l->p99_ms, &l->p99_ci);
    fmt_ci(b[4], CELL_MAX, l->p999_ms, &l->p999_ci);
    const char *cells[6] = {mode_name(&r->modes[i]), b[0], b[1], b[2], b[3], b[4]};
    report_doc_table_row(doc, 6, cells);
  }
  report_doc_table_end(doc);
}

static void section_cost(rctx *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Cost and nodes");
  report_doc_para(doc, "Nodes needed to fit every reserved resource, and what they and the "
                       "cross-zone traffic cost per month at the scenario's prices. The "
                       "reserved-capacity cost prices the requested CPU and memory themselves "
                       "(no rounding up to whole nodes), which shows the mesh's share even when "
                       "no extra node is needed.");
  add_chart(c, "cost", report_chart_cost(&c->charts, r),
            "Cost per month (USD, bars) and nodes needed (points) per mode");
  static const char *const head[] = {"mode",
                                     "nodes needed",
                                     "compute (USD/month)",
                                     "cross-zone network (USD/month)",
                                     "cross-zone traffic (GB/month)",
                                     "total (USD/month)",
                                     "reserved capacity (USD/month)",
                                     "of it the mesh's (USD/month)"};
  report_doc_table_begin(doc, 8, head, "lrrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    char b[7][CELL_MAX];
    const char *cells[8] = {mode_name(m),
                            fu(b[0], CELL_MAX, m->nodes_needed),
                            fv(b[1], CELL_MAX, m->cost_compute_usd_month),
                            fv(b[2], CELL_MAX, m->cost_network_usd_month),
                            fv(b[3], CELL_MAX, m->cross_zone_gb_month),
                            fv(b[4], CELL_MAX, m->cost_usd_month),
                            fv(b[5], CELL_MAX, m->cost_reserved_usd_month),
                            fv(b[6], CELL_MAX, m->cost_mesh_reserved_usd_month)};
    report_doc_table_row(doc, 8, cells);
  }
  report_doc_table_end(doc);
}

/* One chart of a per-second series, one curve per mode. */
static int series_chart(rctx *c, const char *name, const char *title, const char *ylabel, int which,
                        double scale) {
  const run_result *r = &c->run;
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  report_line lines[MESH_MODE_COUNT * 4];
  double *xs[MESH_MODE_COUNT * 4] = {0}, *ys[MESH_MODE_COUNT * 4] = {0};
  int any = 0;
  for (uint32_t i = 0; i < n; i++) {
    const result_series *s = &r->modes[i].series;
    const double *v = which == 0   ? s->throughput_rps
                      : which == 1 ? s->p99_ms
                      : which == 3 ? s->waypoint_replicas
                                   : s->error_rate;
    lines[i].title = mode_name(&r->modes[i]);
    lines[i].n = 0;
    if (!v || s->n_seconds == 0)
      continue;
    xs[i] = malloc(s->n_seconds * sizeof *xs[i]);
    ys[i] = malloc(s->n_seconds * sizeof *ys[i]);
    if (!xs[i] || !ys[i])
      continue;
    for (uint32_t t = 0; t < s->n_seconds; t++) {
      xs[i][t] = t + 0.5; /* the middle of the second it averages */
      ys[i][t] = v[t] * scale;
    }
    lines[i].x = xs[i];
    lines[i].y = ys[i];
    lines[i].n = s->n_seconds;
    any = 1;
  }
  int drawn = 0;
  if (any)
    drawn = report_chart_lines(&c->charts, name, title, "time since the end of warm-up (s)", ylabel,
                               lines, n, 0, "set yrange [0:*]\n");
  for (uint32_t i = 0; i < n; i++) {
    free(xs[i]);
    free(ys[i]);
  }
  return any ? drawn : -100;
}

/* Whether any mode's waypoint replica count changes during the run
 * (autoscaling); a constant count says nothing a chart should show. */
static int waypoints_vary(const run_result *r) {
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_series *s = &r->modes[i].series;
    if (!s->waypoint_replicas)
      continue;
    for (uint32_t t = 1; t < s->n_seconds; t++)
      if (s->waypoint_replicas[t] != s->waypoint_replicas[0])
        return 1;
  }
  return 0;
}

static void section_series(rctx *c) {
  int drawn[3];
  drawn[0] = series_chart(c, "series_throughput", "Throughput over the run (replication 0)",
                          "throughput (requests/s)", 0, 1);
  drawn[1] = series_chart(c, "series_p99", "p99 latency over the run, per second (replication 0)",
                          "p99 latency (ms)", 1, 1);
  drawn[2] = waypoints_vary(&c->run)
                 ? series_chart(c, "series_waypoints",
                                "Active waypoint replicas over the run (replication 0)",
                                "waypoint replicas (all deployments)", 3, 1)
                 : -100;
  if (drawn[0] == -100 && drawn[1] == -100 && drawn[2] == -100)
    return;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Over time");
  report_doc_para(doc, "One-second averages over the measured window of the first replication: "
                       "bursts, ramps, failures and autoscaling show here.");
  add_chart(c, "series_throughput", drawn[0], "Throughput per second per mode (requests/s)");
  add_chart(c, "series_p99", drawn[1], "p99 latency per second per mode (ms)");
  if (drawn[2] != -100) {
    report_doc_para(doc, "The waypoint autoscaler changed the number of waypoint replicas during "
                         "the run (average over each second, all waypoint deployments):");
    add_chart(c, "series_waypoints", drawn[2], "Active waypoint replicas per second per mode");
  }
}

static void section_nodes(rctx *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    any |= r->modes[i].n_nodes > 0;
  if (!any)
    return;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Nodes");
  report_doc_para(doc, "CPU used on each node (all component kinds, time average) against its "
                       "capacity; the busiest node is the one with the highest share.");
  static const char *const head[] = {
      "mode",         "nodes",        "CPU used (cores)", "CPU capacity (cores)",
      "mean CPU use", "busiest node", "its CPU use",      "its pods"};
  report_doc_table_begin(doc, 8, head, "lrrrrlrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    if (!m->n_nodes)
      continue;
    double used = 0, cap = 0, best = -1;
    const result_node *busiest = NULL;
    for (uint32_t j = 0; j < m->n_nodes; j++) {
      const result_node *nd = &m->nodes[j];
      double u = 0;
      for (int k = 0; k < MESH_KIND_COUNT; k++)
        u += isfinite(nd->cpu_cores[k]) ? nd->cpu_cores[k] : 0;
      used += u;
      cap += nd->capacity_cpu_cores;
      double share = safe_ratio(u, nd->capacity_cpu_cores);
      if (isfinite(share) && share > best) {
        best = share;
        busiest = nd;
      }
    }
    char b[6][CELL_MAX], code[RESULT_NAME_MAX + 2];
    char name[RESULT_NAME_MAX + 4] = "n/a";
    if (busiest)
      report_fmt(name, sizeof name, "`%s`", report_code(code, sizeof code, busiest->name));
    const char *cells[8] = {mode_name(m),
                            fu(b[0], CELL_MAX, m->n_nodes),
                            fv(b[1], CELL_MAX, used),
                            fv(b[2], CELL_MAX, cap),
                            fpct(b[3], CELL_MAX, safe_ratio(used, cap)),
                            name,
                            busiest ? fpct(b[4], CELL_MAX, best) : "n/a",
                            busiest ? fu(b[5], CELL_MAX, busiest->pods) : "n/a"};
    report_doc_table_row(doc, 8, cells);
  }
  report_doc_table_end(doc);
}

/* Order of blast_instances: most requests, then most pods. */
static int cmp_blast_instance(const void *a, const void *b) {
  const result_blast_instance *x = *(const result_blast_instance *const *)a;
  const result_blast_instance *y = *(const result_blast_instance *const *)b;
  if (x->request_share != y->request_share)
    return x->request_share < y->request_share ? 1 : -1;
  return (x->pods < y->pods) - (x->pods > y->pods);
}

#define BLAST_TOP 3

/* The few instances of each mode whose loss hits most requests. */
static void blast_top_instances(rctx *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    any |= r->modes[i].n_blast_instances > 0;
  if (!any)
    return;
  report_doc_para(&c->doc,
                  "The %d instances of each mode whose call trees carry the most "
                  "external requests (all component kinds, nodes and control plane "
                  "included):",
                  BLAST_TOP);
  static const char *const head[] = {
      "mode",     "kind",       "instance", "request share", "pods",
      "services", "namespaces", "tenants",  "identities",    "L7 services in clear text"};
  report_doc_table_begin(&c->doc, 10, head, "lllrrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    if (!m->n_blast_instances)
      continue;
    const result_blast_instance **order = malloc(m->n_blast_instances * sizeof *order);
    if (!order)
      continue;
    for (uint32_t j = 0; j < m->n_blast_instances; j++)
      order[j] = &m->blast_instances[j];
    qsort(order, m->n_blast_instances, sizeof *order, cmp_blast_instance);
    for (uint32_t j = 0; j < m->n_blast_instances && j < BLAST_TOP; j++) {
      const result_blast_instance *b = order[j];
      char s[7][CELL_MAX], inst[RESULT_NAME_MAX + 4], code[RESULT_NAME_MAX + 2];
      report_fmt(inst, sizeof inst, "`%s`", report_code(code, sizeof code, b->instance));
      const char *cells[10] = {mode_name(m),
                               b->kind,
                               inst,
                               fpct(s[0], CELL_MAX, b->request_share),
                               fu(s[1], CELL_MAX, b->pods),
                               fu(s[2], CELL_MAX, b->services),
                               fu(s[3], CELL_MAX, b->namespaces),
                               fu(s[4], CELL_MAX, b->tenants),
                               fu(s[5], CELL_MAX, b->identities),
                               fu(s[6], CELL_MAX, b->l7_services)};
      report_doc_table_row(&c->doc, 10, cells);
    }
    free(order);
  }
  report_doc_table_end(&c->doc);
}

static void section_blast(rctx *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      any |= r->modes[i].has_blast[k];
  if (!any)
    return;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Blast radius");
  report_doc_para(doc, "What a single proxy instance stands for: the pods, services, namespaces "
                       "and tenants whose traffic crosses it, the identities whose credentials it "
                       "holds, and the share of external requests whose call tree touches it. "
                       "These are the workloads one crash or one compromise of that instance "
                       "reaches.");
  add_chart(c, "blast", report_chart_blast(&c->charts, r),
            "Blast radius per mode and proxy kind (maximum over instances, log scale)");
  static const char *const head[] = {"mode",
                                     "proxy kind",
                                     "instances",
                                     "pods (max)",
                                     "pods (mean)",
                                     "services (max)",
                                     "namespaces (max)",
                                     "tenants (max)",
                                     "identities (max)",
                                     "request share (max)",
                                     "request share (mean)"};
  report_doc_table_begin(doc, 11, head, "llrrrrrrrrr");
  const mode_result *worst_m = NULL;
  int worst_k = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      if (!m->has_blast[k])
        continue;
      const result_blast *b = &m->blast[k];
      if (!worst_m || b->pods_max > worst_m->blast[worst_k].pods_max) {
        worst_m = m;
        worst_k = k;
      }
      char s[9][CELL_MAX];
      const char *cells[11] = {mode_name(m),
                               mesh_proxy_kind_name((mesh_proxy_kind)k),
                               fu(s[0], CELL_MAX, b->instances),
                               fu(s[1], CELL_MAX, b->pods_max),
                               fv(s[2], CELL_MAX, b->pods_mean),
                               fu(s[3], CELL_MAX, b->services_max),
                               fu(s[4], CELL_MAX, b->namespaces_max),
                               fu(s[5], CELL_MAX, b->tenants_max),
                               fu(s[6], CELL_MAX, b->identities_max),
                               fpct(s[7], CELL_MAX, b->request_share_max),
                               fpct(s[8], CELL_MAX, b->request_share_mean)};
      report_doc_table_row(doc, 11, cells);
    }
  }
  report_doc_table_end(doc);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      if (!m->has_blast[k])
        continue;
      const result_blast *b = &m->blast[k];
      char a[CELL_MAX], p[CELL_MAX], q[CELL_MAX];
      report_doc_item(doc,
                      "In `%s`, one %s (of %u) serves up to %u pod%s (%s on average) of up to "
                      "%u service%s, %u namespace%s and %u tenant%s, holds the credentials of up "
                      "to %u identit%s, and carries up to %s of external requests (%s on "
                      "average).",
                      mode_name(m), mesh_proxy_kind_name((mesh_proxy_kind)k), b->instances,
                      b->pods_max, b->pods_max == 1 ? "" : "s", fv(a, sizeof a, b->pods_mean),
                      b->services_max, b->services_max == 1 ? "" : "s", b->namespaces_max,
                      b->namespaces_max == 1 ? "" : "s", b->tenants_max,
                      b->tenants_max == 1 ? "" : "s", b->identities_max,
                      b->identities_max == 1 ? "y" : "ies", fpct(p, sizeof p, b->request_share_max),
                      fpct(q, sizeof q, b->request_share_mean));
    }
  }
  report_doc_end_list(doc);
  blast_top_instances(c);
  if (worst_m)
    report_doc_para(doc,
                    "The widest blast radius is a %s in `%s`: one instance reaches up to %u pods "
                    "of %u tenants.",
                    mesh_proxy_kind_name((mesh_proxy_kind)worst_k), mode_name(worst_m),
                    worst_m->blast[worst_k].pods_max, worst_m->blast[worst_k].tenants_max);
}

static const char *component_phrase(const char *component) {
  if (strcmp(component, "ztunnel") == 0)
    return "a ztunnel";
  if (strcmp(component, "sidecar") == 0)
    return "a sidecar";
  if (strcmp(component, "waypoint") == 0)
    return "a waypoint replica";
  if (strcmp(component, "node") == 0)
    return "a node";
  if (strcmp(component, "control_plane") == 0 || strcmp(component, "istiod") == 0)
    return "the control plane";
  return NULL;
}

/* Whether a drill hit anything in this mode: the model names the instance
 * "(none in this mode)" when the mode has no such component (a ztunnel
 * drill in sidecar mode). */
static int drill_hit(const result_failure *f) {
  return f->failed_requests > 0 || !strstr(f->instance, "none in this mode");
}

/* Mean and peak error rate of a drill: the mean over the seconds of the
 * outage window [at, at + down), the peak over the whole series. */
static void failure_rates(const result_failure *f, double *mean, double *peak) {
  *mean = *peak = NAN;
  if (!f->error_rate || f->n_seconds == 0)
    return;
  double pk = 0, sum = 0;
  uint32_t n = 0;
  for (uint32_t s = 0; s < f->n_seconds; s++) {
    double v = f->error_rate[s];
    if (!isfinite(v))
      continue;
    if (v > pk)
      pk = v;
    if (isfinite(f->at_s) && isfinite(f->down_s) && s + 1 > f->at_s &&
        s < f->at_s + (f->down_s > 0 ? f->down_s : 1)) {
      sum += v;
      n++;
    }
  }
  *peak = pk;
  if (n)
    *mean = sum / n;
}

static void failure_sentence(rctx *c, const mode_result *m, const result_failure *f) {
  char name[RESULT_NAME_MAX + 2], inst[RESULT_NAME_MAX + 2], comp[RESULT_NAME_MAX + 2];
  char what[3 * RESULT_NAME_MAX], a[CELL_MAX], b[CELL_MAX], d1[CELL_MAX], d2[CELL_MAX];
  const char *phrase = component_phrase(f->component);
  if (phrase)
    report_fmt(what, sizeof what, "%s", phrase);
  else
    report_fmt(what, sizeof what, "component `%s`", report_code(comp, sizeof comp, f->component));
  if (f->instance[0]) {
    size_t len = strlen(what);
    report_fmt(what + len, sizeof what - len, " (`%s`)",
               report_code(inst, sizeof inst, f->instance));
  }
  char failed[2 * CELL_MAX];
  double mean, peak;
  failure_rates(f, &mean, &peak);
  const char *req = f->failed_requests == 1 ? "request" : "requests";
  if (f->failed_requests == 0)
    report_fmt(failed, sizeof failed, "no request failed");
  else if (isfinite(mean) && mean > 0)
    report_fmt(failed, sizeof failed,
               "%" PRIu64 " %s failed (a mean error rate of %s while it was down, peak %s "
               "in one second)",
               f->failed_requests, req, fpct(a, sizeof a, mean), fpct(b, sizeof b, peak));
  else
    report_fmt(failed, sizeof failed, "%" PRIu64 " %s failed", f->failed_requests, req);
  char slow[CELL_MAX] = "", slo[CELL_MAX];
  if (f->slo_violations)
    report_fmt(slow, sizeof slow, ", %" PRIu64 " more were %s", f->slo_violations,
               slo_phrase(&c->run, slo, sizeof slo));
  char affected[4 * CELL_MAX] = "";
  if (f->affected_pods || f->affected_services || f->affected_namespaces || f->affected_tenants)
    report_fmt(affected, sizeof affected,
               ", affecting %u pod%s, %u service%s, %u namespace%s and %u tenant%s",
               f->affected_pods, f->affected_pods == 1 ? "" : "s", f->affected_services,
               f->affected_services == 1 ? "" : "s", f->affected_namespaces,
               f->affected_namespaces == 1 ? "" : "s", f->affected_tenants,
               f->affected_tenants == 1 ? "" : "s");
  else if (!f->failed_requests && !f->slo_violations)
    report_fmt(affected, sizeof affected, " and no workload was affected");
  char recovery[CELL_MAX] = "";
  if (f->failed_requests && isfinite(f->recovery_s))
    report_fmt(recovery, sizeof recovery, "; requests kept failing for %s s after it went down",
               fv(a, sizeof a, f->recovery_s));
  if (strcmp(f->component, "overload") == 0) /* a traffic burst: nothing is taken down */
    report_doc_item(
        &c->doc, "In `%s`, drill `%s`, a traffic burst, ran at %s s for %s s: %s%s%s%s.",
        mode_name(m), report_code(name, sizeof name, f->name), fv(d1, sizeof d1, f->at_s),
        fv(d2, sizeof d2, f->down_s), failed, slow, affected, recovery);
  else
    report_doc_item(&c->doc, "In `%s`, drill `%s` took down %s at %s s for %s s: %s%s%s%s.",
                    mode_name(m), report_code(name, sizeof name, f->name), what,
                    fv(d1, sizeof d1, f->at_s), fv(d2, sizeof d2, f->down_s), failed, slow,
                    affected, recovery);
}

/* One chart per drill name: its error rate in each mode that ran it. */
static void failure_charts(rctx *c) {
  const run_result *r = &c->run;
  const char *done[MAX_FAILURE_CHARTS];
  int ndone = 0, ncharts = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    for (uint32_t f = 0; f < r->modes[i].n_failures && ndone < MAX_FAILURE_CHARTS; f++) {
      const result_failure *fl = &r->modes[i].failures[f];
      int seen = 0;
      for (int j = 0; j < ndone; j++)
        seen |= strcmp(done[j], fl->name) == 0;
      if (seen)
        continue;
      done[ndone++] = fl->name;
      /* A drill that failed nothing in any mode gets no chart: the table
       * and the sentences already say so. */
      double worst = 0;
      for (uint32_t mi = 0; mi < r->n_modes; mi++)
        for (uint32_t g = 0; g < r->modes[mi].n_failures; g++) {
          double mean, peak;
          if (strcmp(r->modes[mi].failures[g].name, fl->name) != 0)
            continue;
          failure_rates(&r->modes[mi].failures[g], &mean, &peak);
          if (peak > worst)
            worst = peak;
        }
      if (!(worst > 0))
        continue;
      report_line lines[MESH_MODE_COUNT * 4];
      double *xs[MESH_MODE_COUNT * 4] = {0}, *ys[MESH_MODE_COUNT * 4] = {0};
      size_t nl = 0;
      for (uint32_t mi = 0; mi < r->n_modes && nl < MESH_MODE_COUNT * 4; mi++) {
        const mode_result *m = &r->modes[mi];
        for (uint32_t g = 0; g < m->n_failures; g++) {
          const result_failure *x = &m->failures[g];
          if (strcmp(x->name, fl->name) != 0 || !x->error_rate || !x->n_seconds || !drill_hit(x))
            continue;
          xs[nl] = malloc(x->n_seconds * sizeof *xs[nl]);
          ys[nl] = malloc(x->n_seconds * sizeof *ys[nl]);
          lines[nl].title = mode_name(m);
          lines[nl].n = (xs[nl] && ys[nl]) ? x->n_seconds : 0;
          for (uint32_t s = 0; s < lines[nl].n; s++) {
            xs[nl][s] = s + 0.5; /* the middle of the second it averages */
            ys[nl][s] = 100 * x->error_rate[s];
          }
          lines[nl].x = xs[nl];
          lines[nl].y = ys[nl];
          nl++;
          break;
        }
      }
      /* Zoom on the outage: from 10 s before it to 10 s after the last
       * failure of any mode. */
      double at = isfinite(fl->at_s) ? fl->at_s : 0, until = at, span = 0;
      for (uint32_t mi = 0; mi < r->n_modes; mi++)
        for (uint32_t g = 0; g < r->modes[mi].n_failures; g++) {
          const result_failure *x = &r->modes[mi].failures[g];
          if (strcmp(x->name, fl->name) != 0)
            continue;
          double end = at + (isfinite(x->down_s) ? x->down_s : 0);
          if (isfinite(x->recovery_s) && at + x->recovery_s > end)
            end = at + x->recovery_s;
          if (end > until)
            until = end;
          if (x->n_seconds > span)
            span = x->n_seconds;
        }
      double lo = at - 10 > 0 ? at - 10 : 0, hi = until + 10 < span ? until + 10 : span;
      char chart[32], title[3 * RESULT_NAME_MAX], extra[384], caption[3 * RESULT_NAME_MAX];
      report_fmt(chart, sizeof chart, "failure_%d", ++ncharts);
      report_fmt(title, sizeof title, "Error rate during drill '%s' (%s; shaded: while down)",
                 fl->name, fl->component);
      report_fmt(extra, sizeof extra,
                 "set yrange [0:*]\nset xrange [%g:%g]\n"
                 "set object 1 rect from %g, graph 0 to %g, graph 1 "
                 "fc rgb '#f2dede' fs solid 0.6 noborder behind\n",
                 lo, hi > lo ? hi : lo + 1, at, at + (isfinite(fl->down_s) ? fl->down_s : 0));
      report_fmt(caption, sizeof caption, "Failed requests per second during drill %s (%%)",
                 fl->name);
      add_chart(c, chart,
                report_chart_lines(&c->charts, chart, title, "time since the end of warm-up (s)",
                                   "failed requests (% of requests in the second)", lines, nl, 0,
                                   extra),
                caption);
      for (size_t j = 0; j < nl; j++) {
        free(xs[j]);
        free(ys[j]);
      }
    }
  }
}

static void section_failures(rctx *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    any |= r->modes[i].n_failures > 0;
  if (!any)
    return;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Failure drills");
  char slo[CELL_MAX], slow_head[CELL_MAX];
  slo_phrase(r, slo, sizeof slo);
  report_fmt(slow_head, sizeof slow_head, "%s", slo);
  report_doc_para(doc,
                  "Components taken down during the run; traffic bursts appear as drills of "
                  "component `overload`. Failed requests and requests %s are means over "
                  "replications, the affected pods, services, namespaces and tenants the most "
                  "any replication saw, \"failing for\" the mean time from the outage to the "
                  "last failed (for bursts: slow) request; the error-rate curves are the first "
                  "replication's. Times count from the end of the warm-up.",
                  slo);
  const char *const head[] = {
      "mode",       "drill",           "component",       "instance",       "at (s)",
      "down (s)",   "failed requests", slow_head,         "pods",           "services",
      "namespaces", "tenants",         "failing for (s)", "peak error rate"};
  report_doc_table_begin(doc, 14, head, "llllrrrrrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (uint32_t f = 0; f < m->n_failures; f++) {
      const result_failure *fl = &m->failures[f];
      if (!drill_hit(fl))
        continue;
      double mean, peak;
      failure_rates(fl, &mean, &peak);
      char s[12][CELL_MAX], name[RESULT_NAME_MAX + 4], inst[RESULT_NAME_MAX + 4];
      char code[RESULT_NAME_MAX + 2];
      report_fmt(name, sizeof name, "`%s`", report_code(code, sizeof code, fl->name));
      report_fmt(inst, sizeof inst, "`%s`", report_code(code, sizeof code, fl->instance));
      const char *cells[14] = {mode_name(m),
                               name,
                               fl->component,
                               fl->instance[0] ? inst : "",
                               fv(s[0], CELL_MAX, fl->at_s),
                               fv(s[1], CELL_MAX, fl->down_s),
                               fu(s[2], CELL_MAX, fl->failed_requests),
                               fu(s[3], CELL_MAX, fl->slo_violations),
                               fu(s[4], CELL_MAX, fl->affected_pods),
                               fu(s[5], CELL_MAX, fl->affected_services),
                               fu(s[6], CELL_MAX, fl->affected_namespaces),
                               fu(s[7], CELL_MAX, fl->affected_tenants),
                               fv(s[8], CELL_MAX, fl->recovery_s),
                               fpct(s[9], CELL_MAX, peak)};
      report_doc_table_row(doc, 14, cells);
    }
  }
  report_doc_table_end(doc);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    char missed[RESULT_TEXT_MAX] = "";
    uint32_t n_missed = 0;
    for (uint32_t f = 0; f < m->n_failures; f++) {
      const result_failure *fl = &m->failures[f];
      if (drill_hit(fl)) {
        failure_sentence(c, m, fl);
        continue;
      }
      char code[RESULT_NAME_MAX + 2];
      size_t len = strlen(missed);
      report_fmt(missed + len, sizeof missed - len, "%s`%s` (%s)", n_missed ? ", " : "",
                 report_code(code, sizeof code, fl->name), fl->component);
      n_missed++;
    }
    if (n_missed)
      report_doc_item(doc,
                      "In `%s`, drill%s %s found nothing to take down: the mode has no such "
                      "component.",
                      mode_name(m), n_missed == 1 ? "" : "s", missed);
  }
  report_doc_end_list(doc);
  failure_charts(c);
}

static void section_replications(rctx *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Replications");
  report_doc_para(doc, "One row per replication (the `runs` table of the database).");
  static const char *const head[] = {
      "mode",     "replication", "seed",       "requests", "errors", "throughput (requests/s)",
      "p50 (ms)", "p99 (ms)",    "p99.9 (ms)", "wall (s)"};
  report_doc_table_begin(doc, 10, head, "lrrrrrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    for (uint32_t j = 0; m->reps && j < m->replications; j++) {
      const result_replication *rep = &m->reps[j];
      char s[9][CELL_MAX];
      const char *cells[10] = {mode_name(m),
                               fu(s[0], CELL_MAX, j),
                               fu(s[1], CELL_MAX, rep->seed),
                               fu(s[2], CELL_MAX, rep->requests),
                               fu(s[3], CELL_MAX, rep->errors),
                               fv(s[4], CELL_MAX, rep->throughput_rps),
                               fv(s[5], CELL_MAX, rep->p50_ms),
                               fv(s[6], CELL_MAX, rep->p99_ms),
                               fv(s[7], CELL_MAX, rep->p999_ms),
                               fv(s[8], CELL_MAX, rep->wall_s)};
      report_doc_table_row(doc, 10, cells);
    }
  }
  report_doc_table_end(doc);
}

static void section_footer(rctx *c) {
  char a[RESULT_TEXT_MAX];
  report_doc_heading(&c->doc, 2, "Data");
  report_doc_para(&c->doc,
                  "Generated by meshsim %s from batch %" PRId64
                  " of `%s`. Each chart has its gnuplot script (`.gp`) and data (`.dat`) in "
                  "`%s/`; `meshsim export --db %s --csv DIR` writes every table of the database "
                  "as CSV.",
                  MESHSIM_VERSION, c->info->batch_id, report_code(a, sizeof a, db_path(c->d)),
                  REPORT_CHART_DIR, db_path(c->d));
}

/* ---- entry point ------------------------------------------------------------ */

static void write_sections(rctx *c) {
  section_header(c);
  section_how_to_read(c);
  section_summary(c);
  section_resources(c);
  section_latency(c);
  section_cost(c);
  section_series(c);
  section_nodes(c);
  section_blast(c);
  section_failures(c);
  section_replications(c);
  section_footer(c);
}

int report_fail(report_info *info, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(info->error, sizeof info->error, fmt, ap);
  va_end(ap);
  return code;
}

static int pick_batch(rctx *c) {
  const report_options *opt = c->opt;
  report_info *info = c->info;
  if (opt->batch_id > 0) {
    info->batch_id = opt->batch_id;
    return 0;
  }
  int rc = db_latest_batch(c->d, opt->scenario, &info->batch_id);
  if (rc < 0)
    return report_fail(info, rc, "%s", db_errmsg(c->d));
  return 0;
}

static int pick_baseline(rctx *c) {
  const run_result *r = &c->run;
  c->base = 0;
  if (!c->opt->baseline)
    return 0;
  if (mesh_mode_from_name(c->opt->baseline) < 0)
    return report_fail(c->info, ERR_EINVAL, "unknown baseline mode '%s'; valid modes are: %s",
                       c->opt->baseline, mesh_mode_names_list());
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (strcmp(mode_name(&r->modes[i]), c->opt->baseline) == 0) {
      c->base = i;
      return 0;
    }
  char modes[RESULT_TEXT_MAX] = "";
  for (uint32_t i = 0; i < r->n_modes; i++) {
    size_t len = strlen(modes);
    report_fmt(modes + len, sizeof modes - len, "%s%s", i ? ", " : "", mode_name(&r->modes[i]));
  }
  return report_fail(c->info, ERR_EINVAL,
                     "baseline mode '%s' is not in batch %" PRId64 " (modes: %s)", c->opt->baseline,
                     c->info->batch_id, modes);
}

/* Pass 1 writes every chart's script (the text goes nowhere), one gnuplot
 * run draws them, pass 2 writes the text with the images that exist. */
int report_render(const report_options *opt, report_info *info, report_charts *charts,
                  report_gp *gp, report_doc *doc, const char *title, void (*write)(void *ctx),
                  void *ctx) {
  if (opt->format && *opt->format && strcmp(opt->format, "png") != 0 &&
      strcmp(opt->format, "svg") != 0)
    return report_fail(info, ERR_EINVAL, "unknown chart format '%s'; valid formats are: png, svg",
                       opt->format);
  report_fmt(charts->dir, sizeof charts->dir, "%s/%s", opt->out_dir, REPORT_CHART_DIR);
  if (fsdir_mkdir_p(charts->dir) != 0)
    return report_fail(info, DB_EIO, "%s: cannot create directory: %s", charts->dir,
                       strerror(errno));
  clean_chart_dir(charts->dir);
  if (report_gp_probe(gp, opt->gnuplot, opt->format, info->warning, sizeof info->warning) == 0) {
    charts->gp = gp;
    report_fmt(info->chart_format, sizeof info->chart_format, "%s", gp->ext);
    report_fmt(info->terminal, sizeof info->terminal, "%s", gp->terminal);
    report_fmt(charts->terminal, sizeof charts->terminal, "%s", gp->terminal);
    report_fmt(charts->ext, sizeof charts->ext, "%s", gp->ext);
  } else {
    /* Scripts are still written, for the format asked for. */
    int svg = opt->format && !strcmp(opt->format, "svg");
    report_fmt(charts->terminal, sizeof charts->terminal, "%s", svg ? "svg" : "pngcairo");
    report_fmt(charts->ext, sizeof charts->ext, "%s", svg ? "svg" : "png");
    info->gnuplot_missing = 1;
  }
  int rc = report_doc_open(doc, "/dev", NULL, info->error, sizeof info->error);
  if (rc == 0) {
    charts->mode = REPORT_CHART_PLAN;
    write(ctx);
    report_doc_close(doc);
    report_chart_render_planned(charts);
    if (charts->gp && charts->written < charts->planned)
      report_fmt(info->warning, sizeof info->warning, "%d of %d charts were not drawn: %s",
                 charts->planned - charts->written, charts->planned, charts->error);
    else if (!charts->gp && charts->error[0] && !info->warning[0])
      report_fmt(info->warning, sizeof info->warning, "%s", charts->error);
    rc = report_doc_open(doc, opt->out_dir, title, info->error, sizeof info->error);
  }
  if (rc == 0) {
    charts->mode = REPORT_CHART_LOOKUP;
    write(ctx);
    rc = report_doc_close(doc);
    if (rc < 0)
      report_fail(info, rc, "%s: writing report.md or report.html failed", opt->out_dir);
  }
  info->charts_planned = charts->planned;
  info->charts_written = charts->written;
  return rc;
}

static void write_batch(void *ctx) {
  write_sections(ctx);
}

/* Which sweep, if any, the options ask for: > 0 its id, 0 a batch report. */
static int pick_sweep(db *d, const report_options *opt, report_info *info, int64_t *sweep_id) {
  *sweep_id = 0;
  if (opt->sweep_id > 0) {
    *sweep_id = opt->sweep_id;
    return 0;
  }
  if (opt->sweep_id == REPORT_SWEEP_LATEST) {
    int rc = db_latest_sweep(d, sweep_id);
    return rc < 0 ? report_fail(info, rc, "%s", db_errmsg(d)) : 0;
  }
  if (opt->sweep_id == REPORT_SWEEP_AUTO && opt->batch_id <= 0) {
    /* The latest thing stored is a sweep point: report the sweep. */
    int64_t batch;
    if (db_latest_batch(d, opt->scenario, &batch) == 0 && db_sweep_of_batch(d, batch, sweep_id) < 0)
      *sweep_id = 0;
  }
  return 0;
}

int report_write(db *d, const report_options *opt, report_info *info) {
  memset(info, 0, sizeof *info);
  if (!d || !opt || !opt->out_dir || !*opt->out_dir)
    return report_fail(info, ERR_EINVAL, "no output directory given");
  int64_t sweep_id = 0;
  int rc = pick_sweep(d, opt, info, &sweep_id);
  if (rc < 0)
    return rc;
  if (sweep_id > 0)
    return report_sweep_write(d, opt, sweep_id, info);
  rctx *c = calloc(1, sizeof *c);
  if (!c)
    return report_fail(info, ERR_ENOMEM, "out of memory");
  c->d = d;
  c->opt = opt;
  c->info = info;
  rc = pick_batch(c);
  if (rc == 0 && (rc = db_load_run(d, info->batch_id, &c->run)) < 0)
    report_fail(info, rc, "%s", db_errmsg(d));
  if (rc == 0 && opt->scenario && strcmp(opt->scenario, c->run.scenario) != 0)
    rc = report_fail(info, ERR_EINVAL, "batch %" PRId64 " is of scenario '%s', not '%s'",
                     info->batch_id, c->run.scenario, opt->scenario);
  if (rc == 0 && c->run.n_modes == 0)
    rc = report_fail(info, DB_ENOTFOUND, "batch %" PRId64 " has no modes", info->batch_id);
  if (rc == 0)
    rc = pick_baseline(c);
  if (rc == 0) {
    char title[RESULT_NAME_MAX + 32];
    report_fmt(title, sizeof title, "meshsim report: %s", c->run.scenario);
    rc = report_render(opt, info, &c->charts, &c->gp, &c->doc, title, write_batch, c);
  }
  run_result_release(&c->run);
  free(c);
  return rc;
}
