/* report_batch: builds the comparison report of one batch from the database.
 *
 * Order of the document: the answer first (each mode's verdict against the
 * objective and the recommendation, models/verdict.h), provenance (what to
 * run to get the same numbers), how to read it, the summary table with
 * deltas against a baseline mode (a mode that does not meet the objective
 * shows its status instead of a delta: what it saves is not a saving),
 * then one section per question: resources, latency, cost and nodes,
 * behaviour over time, nodes, blast radius (report_blast.c), failure drills
 * (report_failures.c), replications. Every sentence is assembled from stored
 * numbers; when a number is missing the sentence is left out rather than
 * guessed. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_types.h"
#include "metric.h"
#include "report_internal.h"
#include "verdict.h"

#ifndef MESHSIM_VERSION
#define MESHSIM_VERSION "unknown"
#endif

/* ---- formatting -------------------------------------------------------------- */

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

static double safe_ratio(double a, double b) {
  return b != 0 ? a / b : NAN;
}

/* ---- sections --------------------------------------------------------------- */

static void section_header(report_batch *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  char a[RESULT_TEXT_MAX], b[RESULT_TEXT_MAX];
  report_doc_heading(doc, 1, "meshsim report: %s", r->scenario);
  report_doc_para(doc,
                  "Comparison of %u data-plane modes for scenario `%s`, from batch %" PRId64
                  " of the results database `%s`.",
                  r->n_modes, report_code(a, sizeof a, r->scenario), c->info->batch_id,
                  report_code(b, sizeof b, db_path(c->d)));
}

static void section_provenance(report_batch *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  char a[RESULT_TEXT_MAX], b[RESULT_TEXT_MAX], n1[REPORT_CELL_MAX], n2[REPORT_CELL_MAX];
  report_doc_heading(doc, 2, "Provenance");
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
                  report_num(n1, sizeof n1, r->duration_s), report_num(n2, sizeof n2, r->warmup_s));
  report_doc_item(doc, "Calibration profile `%s`, produced by meshsim %s",
                  report_code(a, sizeof a, r->profile), report_code(b, sizeof b, r->version));
  report_doc_item(doc, "Started %s (UTC), took %s s of wall-clock time", r->started_at,
                  report_num(n1, sizeof n1, r->wall_s));
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

/* ---- the verdict ------------------------------------------------------------- */

static int mode_meets(const mode_result *m) {
  return m->verdict.status == RESULT_MEETS;
}

/* Every reason of a verdict, joined ("-" when it meets). */
static const char *verdict_why(const result_verdict *v, char *buf, size_t n) {
  size_t at = 0;
  buf[0] = '\0';
  for (uint32_t k = 0; k < v->n_reasons && at < n; k++) {
    report_fmt(buf + at, n - at, "%s%s", k ? "; " : "", v->reasons[k]);
    at = strlen(buf);
  }
  if (!buf[0])
    report_fmt(buf, n, "-");
  return buf;
}

/* "-12.3 (-4.5%)": v against other, signed, with the relative change. */
static const char *fmt_diff(char *buf, size_t n, double v, double other) {
  char a[32], d[32];
  report_format_value(a, sizeof a, v - other);
  fmt_delta(d, sizeof d, v, other);
  if (!isfinite(v) || !isfinite(other) || v == other || other == 0)
    report_fmt(buf, n, "%s", d);
  else
    report_fmt(buf, n, "%s%s (%s)", v > other ? "+" : "", a, d);
  return buf;
}

/* The objective as a phrase: "p99 at most 100 ms, at most 0.1% of requests failing". */
static const char *objective_phrase(const run_result *r, char *buf, size_t n) {
  char ms[32];
  report_fmt(buf, n, "%s at most %s ms, at most %.3g%% of requests failing",
             verdict_percentile_name(r->objective_quantile), report_num(ms, sizeof ms, r->slo_ms),
             100 * r->error_budget);
  return buf;
}

/* What the recommended mode saves against each other mode that meets the
 * objective; the modes that do not meet it are named, never compared. */
static void verdict_savings(report_batch *c, const mode_result *best) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  char a[RESULT_NAME_MAX], cost[REPORT_CELL_MAX];
  report_doc_para(doc,
                  "Recommendation: `%s`, the cheapest mesh mode that meets the objective (%s "
                  "USD/month for the nodes it needs).",
                  report_code(a, sizeof a, report_mode_name(best)),
                  report_num(cost, sizeof cost, best->cost_usd_month));
  /* A mode that costs the same within noise lost on its reservations (or
   * the modes' order): say so, or the table's "~0%" reads as a saving. */
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    verdict_tie_break tie = verdict_tie_lost(best, m);
    if (tie == VERDICT_NOT_TIED)
      continue;
    char b[RESULT_NAME_MAX];
    report_doc_para(
        doc, "`%s` costs the same (within %.2g%%, which is simulation noise); %s decides.",
        report_code(b, sizeof b, report_mode_name(m)), 100 * VERDICT_TIE,
        tie == VERDICT_TIED_RESERVED ? "the lower reserved capacity" : "the order of the modes");
  }
  uint32_t others = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    others += &r->modes[i] != best && mode_meets(&r->modes[i]);
  if (others > 0) {
    report_doc_para(doc,
                    "What choosing `%s` changes against each other mode that meets the "
                    "objective (negative: it costs or uses less):",
                    a);
    static const char *const head[] = {"against", "cost (USD/month)",
                                       "reserved capacity (USD/month)", "mesh CPU used (cores)",
                                       "mesh memory used (MiB)"};
    report_doc_table_begin(doc, 5, head, "lrrrr");
    for (uint32_t i = 0; i < r->n_modes; i++) {
      const mode_result *m = &r->modes[i];
      if (m == best || !mode_meets(m))
        continue;
      char b[4][REPORT_CELL_MAX];
      const char *cells[5] = {
          report_mode_name(m),
          fmt_diff(b[0], REPORT_CELL_MAX, best->cost_usd_month, m->cost_usd_month),
          fmt_diff(b[1], REPORT_CELL_MAX, best->cost_reserved_usd_month,
                   m->cost_reserved_usd_month),
          fmt_diff(b[2], REPORT_CELL_MAX, best->mesh_cpu_cores, m->mesh_cpu_cores),
          fmt_diff(b[3], REPORT_CELL_MAX, best->mesh_mem_mib, m->mesh_mem_mib)};
      report_doc_table_row(doc, 5, cells);
    }
    report_doc_table_end(doc);
  }
}

/* The answer first: the objective, each mode's verdict, the recommendation. */
static void section_verdict(report_batch *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  char obj[128];
  report_doc_heading(doc, 2, "Verdict");
  report_doc_para(doc, "Objective: %s (the scenario's).", objective_phrase(r, obj, sizeof obj));
  static const char *const head[] = {"mode", "verdict", "why", "bottleneck"};
  report_doc_table_begin(doc, 4, head, "llll");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_verdict *v = &r->modes[i].verdict;
    char why[RESULT_REASONS_MAX * RESULT_REASON_LEN], code[RESULT_NAME_MAX];
    char neck[RESULT_NAME_MAX + 4] = "-";
    if (v->bottleneck[0])
      report_fmt(neck, sizeof neck, "`%s`", report_code(code, sizeof code, v->bottleneck));
    const char *cells[4] = {report_mode_name(&r->modes[i]), verdict_status_name(v->status),
                            verdict_why(v, why, sizeof why), neck};
    report_doc_table_row(doc, 4, cells);
  }
  report_doc_table_end(doc);
  const result_recommendation *rec = &r->recommendation;
  const mode_result *best = NULL;
  for (uint32_t i = 0; rec->has_mode && i < r->n_modes && !best; i++)
    if (!strcmp(mode_result_name(&r->modes[i]), result_recommendation_name(rec)))
      best = &r->modes[i];
  uint32_t mesh_modes = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    mesh_modes += r->modes[i].mode != MESH_MODE_NONE;
  if (best)
    verdict_savings(c, best);
  else if (mesh_modes > 0)
    report_doc_para(doc, "No mesh mode meets the objective, so there is no recommendation: the "
                         "table says why each misses. Compare the modes only once one meets it "
                         "(more capacity, a looser objective or a lighter load).");
  else
    report_doc_para(doc, "No mesh mode was simulated, so there is no recommendation.");
  char names[RESULT_TEXT_MAX] = "";
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    size_t len = strlen(names);
    if (!mode_meets(m))
      report_fmt(names + len, sizeof names - len, "%s`%s` (%s)", len ? ", " : "",
                 report_mode_name(m), verdict_status_name(m->verdict.status));
  }
  if (names[0])
    report_doc_para(doc,
                    "Not compared, since they do not meet the objective: %s. In the summary "
                    "their figures carry their status instead of a change against the "
                    "baseline.",
                    names);
  report_blast_verdict(c);
}

static void section_how_to_read(report_batch *c) {
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
      report_code(a, sizeof a, report_mode_name(&c->run.modes[c->base])));
}

/* One row of the summary: the metric in every mode, with the change against
 * the baseline, and for p99 the half-width of its confidence interval. */
static void summary_row(report_batch *c, const metric *x, const char *label) {
  const run_result *r = &c->run;
  const char *cells[1 + MESH_MODE_COUNT * 4];
  char buf[MESH_MODE_COUNT * 4][REPORT_CELL_MAX];
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  cells[0] = label;
  double base = metric_value(x, &r->modes[c->base]);
  for (uint32_t i = 0; i < n; i++) {
    const mode_result *m = &r->modes[i];
    double v = metric_value(x, m);
    char val[REPORT_CELL_MAX / 2], ci[REPORT_CELL_MAX / 2] = "", delta[32];
    if (x->flags & METRIC_INTEGER)
      report_count(val, sizeof val, (uint64_t)v);
    else
      report_format_value(val, sizeof val, v);
    if (x->id == METRIC_LATENCY_P99 && m->latency.p99_ci.n >= 2) {
      char h[32];
      report_fmt(ci, sizeof ci, " ± %s", report_num(h, sizeof h, m->latency.p99_ci.half_width));
    }
    if (i == c->base) {
      report_fmt(buf[i], sizeof buf[i], "%s%s", val, ci);
    } else if (!mode_meets(m)) { /* its difference is no saving */
      report_fmt(buf[i], sizeof buf[i], "%s%s (%s)", val, ci,
                 verdict_status_name(m->verdict.status));
    } else {
      fmt_delta(delta, sizeof delta, v, base);
      report_fmt(buf[i], sizeof buf[i], "%s%s (%s)", val, ci, delta);
    }
    cells[1 + i] = buf[i];
  }
  report_doc_table_row(&c->doc, 1 + n, cells);
}

/* Whether a per-kind metric has something to show: some mode has the kind
 * (an instance of it, or a positive figure). */
static int summary_kind_present(const run_result *r, const metric *x) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (metric_value(x, &r->modes[i]) > 0 || r->modes[i].kind[x->kind].instances > 0)
      return 1;
  return 0;
}

/* Before the summary: what its parentheses mean when a mode, or the
 * baseline itself, does not meet the objective. */
static void summary_flags(report_batch *c) {
  const run_result *r = &c->run;
  const mode_result *base = &r->modes[c->base];
  char a[RESULT_NAME_MAX], why[RESULT_REASONS_MAX * RESULT_REASON_LEN];
  if (!mode_meets(base))
    report_doc_para(&c->doc,
                    "The baseline `%s` itself %s the objective (%s): the changes against it are "
                    "differences, not savings.",
                    report_code(a, sizeof a, report_mode_name(base)),
                    base->verdict.status == RESULT_MISSES ? "misses" : "is overloaded and misses",
                    verdict_why(&base->verdict, why, sizeof why));
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (i != c->base && !mode_meets(&r->modes[i])) {
      report_doc_para(&c->doc,
                      "A mode that does not meet the objective shows its status "
                      "(misses, overloaded) in parentheses instead of a change against "
                      "the baseline: a mode that fails the objective saves nothing (see Verdict).");
      return;
    }
}

static void section_summary(report_batch *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Summary");
  const char *head[1 + MESH_MODE_COUNT * 4];
  char names[MESH_MODE_COUNT * 4][REPORT_CELL_MAX];
  char align[1 + MESH_MODE_COUNT * 4 + 1];
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  head[0] = "metric";
  align[0] = 'l';
  for (uint32_t i = 0; i < n; i++) {
    report_fmt(names[i], sizeof names[i], "%s%s", report_mode_name(&r->modes[i]),
               i == c->base ? " (baseline)" : "");
    head[1 + i] = names[i];
    align[1 + i] = 'r';
  }
  align[1 + n] = '\0';
  summary_flags(c);
  report_doc_table_begin(doc, 1 + n, head, align);
  /* The SLO row names the stored SLO: "requests slower than 100 ms". */
  char slo[REPORT_CELL_MAX], slo_label[REPORT_CELL_MAX];
  report_fmt(slo_label, sizeof slo_label, "requests %s", report_slo_phrase(r, slo, sizeof slo));
  for (size_t k = 0; k < METRIC_COUNT; k++) {
    const metric *x = &metric_table[k];
    if (!x->report || ((x->flags & METRIC_PER_KIND) && !summary_kind_present(r, x)))
      continue;
    summary_row(c, x, x->id == METRIC_SLO_VIOLATIONS ? slo_label : x->report);
  }
  report_doc_table_end(doc);
}

static void section_resources(report_batch *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "CPU and memory");
  report_doc_para(doc, "Per component kind, summed over its instances: instances, CPU used "
                       "(time average and highest one-second average), CPU reserved, memory "
                       "used (average and peak) and memory reserved.");
  report_chart_image(&c->doc, &c->charts, "cpu", report_chart_resources(&c->charts, r, 0),
                     "CPU per mode by component kind, used and reserved (cores)");
  report_chart_image(&c->doc, &c->charts, "memory", report_chart_resources(&c->charts, r, 1),
                     "Memory per mode by component kind, used and reserved (MiB)");
  report_doc_para(doc, "The applications' share makes the mesh's part of those bars thin; the "
                       "mesh alone, on its own scale, with its total over each bar:");
  report_chart_image(&c->doc, &c->charts, "mesh_resources",
                     report_chart_mesh_resources(&c->charts, r),
                     "Mesh CPU (cores) and memory (MiB) per mode: sidecars, ztunnels, waypoints "
                     "and control plane, used and reserved");
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
      char b[7][REPORT_CELL_MAX];
      const char *cells[9] = {report_mode_name(m),
                              mesh_kind_name((mesh_kind)k),
                              report_count(b[0], REPORT_CELL_MAX, u->instances),
                              report_num(b[1], REPORT_CELL_MAX, u->cpu_cores_mean),
                              report_num(b[2], REPORT_CELL_MAX, u->cpu_cores_peak),
                              report_num(b[3], REPORT_CELL_MAX, u->reserved_cpu_cores),
                              report_num(b[4], REPORT_CELL_MAX, u->mem_mib_mean),
                              report_num(b[5], REPORT_CELL_MAX, u->mem_mib_peak),
                              report_num(b[6], REPORT_CELL_MAX, u->reserved_mem_mib)};
      report_doc_table_row(doc, 9, cells);
    }
  }
  report_doc_table_end(doc);
}

static void fmt_ci(char *buf, size_t n, double v, const sim_ci *ci) {
  char a[32], lo[32], hi[32];
  if (ci->n >= 2)
    report_fmt(buf, n, "%s [%s, %s]", report_num(a, sizeof a, v), report_num(lo, sizeof lo, ci->lo),
               report_num(hi, sizeof hi, ci->hi));
  else
    report_fmt(buf, n, "%s", report_num(a, sizeof a, v));
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

static void section_latency(report_batch *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Latency");
  report_doc_para(doc, "End-to-end latency of external requests. Values in brackets are 95%% "
                       "confidence intervals over replications.");
  report_line lines[MESH_MODE_COUNT * 4] = {0};
  double *xs[MESH_MODE_COUNT * 4], *ys[MESH_MODE_COUNT * 4];
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  char cdf_extra[640], slo[512];
  report_fmt(cdf_extra, sizeof cdf_extra,
             "set yrange [0:1.02]\nset key inside right bottom box opaque\n%s",
             report_chart_slo_line(slo, sizeof slo, r, 1));
  for (uint32_t i = 0; i < n; i++) {
    lines[i].title = report_mode_name(&r->modes[i]);
    lines[i].n = cdf_points(&r->modes[i].latency_hist_ns, &xs[i], &ys[i]);
    lines[i].x = xs[i];
    lines[i].y = ys[i];
  }
  report_chart_image(
      &c->doc, &c->charts, "latency_cdf",
      report_chart_lines(
          &c->charts, "latency_cdf", "Latency distribution per mode (CDF of end-to-end latency)",
          "end-to-end latency (ms, log scale)", "share of requests at or below (fraction)", lines,
          n, REPORT_LOGX | REPORT_MARKS, cdf_extra),
      "Latency CDF per mode (log-scale latency in ms; dashed line: the objective's latency)");
  for (uint32_t i = 0; i < n; i++) {
    free(xs[i]);
    free(ys[i]);
  }
  report_chart_image(&c->doc, &c->charts, "latency_quantiles",
                     report_chart_quantiles(&c->charts, r),
                     "Latency p50, p99 and p99.9 per mode with 95% confidence intervals (ms)");
  static const char *const head[] = {"mode",     "mean (ms)", "p50 (ms)",
                                     "p90 (ms)", "p99 (ms)",  "p99.9 (ms)"};
  report_doc_table_begin(doc, 6, head, "lrrrrr");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_latency *l = &r->modes[i].latency;
    char b[5][REPORT_CELL_MAX];
    fmt_ci(b[0], REPORT_CELL_MAX, l->mean_ms, &l->mean_ci);
    fmt_ci(b[1], REPORT_CELL_MAX, l->p50_ms, &l->p50_ci);
    fmt_ci(b[2], REPORT_CELL_MAX, l->p90_ms, &l->p90_ci);
    fmt_ci(b[3], REPORT_CELL_MAX, l->p99_ms, &l->p99_ci);
    fmt_ci(b[4], REPORT_CELL_MAX, l->p999_ms, &l->p999_ci);
    const char *cells[6] = {report_mode_name(&r->modes[i]), b[0], b[1], b[2], b[3], b[4]};
    report_doc_table_row(doc, 6, cells);
  }
  report_doc_table_end(doc);
}

static void section_cost(report_batch *c) {
  const run_result *r = &c->run;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Cost and nodes");
  report_doc_para(doc, "Nodes needed to fit every reserved resource, and what they and the "
                       "cross-zone traffic cost per month at the scenario's prices. The "
                       "reserved-capacity cost prices the requested CPU and memory themselves "
                       "(no rounding up to whole nodes), which shows the mesh's share even when "
                       "no extra node is needed.");
  report_chart_image(&c->doc, &c->charts, "cost", report_chart_cost(&c->charts, r),
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
    char b[7][REPORT_CELL_MAX];
    const char *cells[8] = {report_mode_name(m),
                            report_count(b[0], REPORT_CELL_MAX, m->nodes_needed),
                            report_num(b[1], REPORT_CELL_MAX, m->cost_compute_usd_month),
                            report_num(b[2], REPORT_CELL_MAX, m->cost_network_usd_month),
                            report_num(b[3], REPORT_CELL_MAX, m->cross_zone_gb_month),
                            report_num(b[4], REPORT_CELL_MAX, m->cost_usd_month),
                            report_num(b[5], REPORT_CELL_MAX, m->cost_reserved_usd_month),
                            report_num(b[6], REPORT_CELL_MAX, m->cost_mesh_reserved_usd_month)};
    report_doc_table_row(doc, 8, cells);
  }
  report_doc_table_end(doc);
}

/* One chart of a per-second series, one curve per mode. */
static int series_chart(report_batch *c, const char *name, const char *title, const char *ylabel,
                        int which, double scale) {
  const run_result *r = &c->run;
  uint32_t n = r->n_modes < MESH_MODE_COUNT * 4 ? r->n_modes : MESH_MODE_COUNT * 4;
  report_line lines[MESH_MODE_COUNT * 4] = {0};
  double *xs[MESH_MODE_COUNT * 4] = {0}, *ys[MESH_MODE_COUNT * 4] = {0};
  int any = 0;
  for (uint32_t i = 0; i < n; i++) {
    const result_series *s = &r->modes[i].series;
    const double *v = which == 0   ? s->throughput_rps
                      : which == 1 ? s->p99_ms
                      : which == 3 ? s->waypoint_replicas
                                   : s->error_rate;
    lines[i].title = report_mode_name(&r->modes[i]);
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

static void section_series(report_batch *c) {
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
  report_chart_image(&c->doc, &c->charts, "series_throughput", drawn[0],
                     "Throughput per second per mode (requests/s)");
  report_chart_image(&c->doc, &c->charts, "series_p99", drawn[1],
                     "p99 latency per second per mode (ms)");
  if (drawn[2] != -100) {
    report_doc_para(doc, "The waypoint autoscaler changed the number of waypoint replicas during "
                         "the run (average over each second, all waypoint deployments):");
    report_chart_image(&c->doc, &c->charts, "series_waypoints", drawn[2],
                       "Active waypoint replicas per second per mode");
  }
}

static void section_nodes(report_batch *c) {
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
    char b[6][REPORT_CELL_MAX], code[RESULT_NAME_MAX + 2];
    char name[RESULT_NAME_MAX + 4] = "n/a";
    if (busiest)
      report_fmt(name, sizeof name, "`%s`", report_code(code, sizeof code, busiest->name));
    const char *cells[8] = {report_mode_name(m),
                            report_count(b[0], REPORT_CELL_MAX, m->n_nodes),
                            report_num(b[1], REPORT_CELL_MAX, used),
                            report_num(b[2], REPORT_CELL_MAX, cap),
                            report_pct(b[3], REPORT_CELL_MAX, safe_ratio(used, cap)),
                            name,
                            busiest ? report_pct(b[4], REPORT_CELL_MAX, best) : "n/a",
                            busiest ? report_count(b[5], REPORT_CELL_MAX, busiest->pods) : "n/a"};
    report_doc_table_row(doc, 8, cells);
  }
  report_doc_table_end(doc);
}

static void section_replications(report_batch *c) {
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
      char s[9][REPORT_CELL_MAX];
      const char *cells[10] = {report_mode_name(m),
                               report_count(s[0], REPORT_CELL_MAX, j),
                               report_count(s[1], REPORT_CELL_MAX, rep->seed),
                               report_count(s[2], REPORT_CELL_MAX, rep->requests),
                               report_count(s[3], REPORT_CELL_MAX, rep->errors),
                               report_num(s[4], REPORT_CELL_MAX, rep->throughput_rps),
                               report_num(s[5], REPORT_CELL_MAX, rep->p50_ms),
                               report_num(s[6], REPORT_CELL_MAX, rep->p99_ms),
                               report_num(s[7], REPORT_CELL_MAX, rep->p999_ms),
                               report_num(s[8], REPORT_CELL_MAX, rep->wall_s)};
      report_doc_table_row(doc, 10, cells);
    }
  }
  report_doc_table_end(doc);
}

static void section_footer(report_batch *c) {
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

static void write_sections(report_batch *c) {
  section_header(c);
  section_verdict(c);
  report_advice_section(c);
  section_provenance(c);
  section_how_to_read(c);
  section_summary(c);
  section_resources(c);
  section_latency(c);
  section_cost(c);
  section_series(c);
  section_nodes(c);
  report_capacity_section(c);
  report_namespaces_section(c);
  report_blast_section(c);
  report_failures_section(c);
  section_replications(c);
  section_footer(c);
}

static int pick_batch(report_batch *c) {
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

static int pick_baseline(report_batch *c) {
  const run_result *r = &c->run;
  c->base = 0;
  if (!c->opt->baseline)
    return 0;
  if (mesh_mode_from_label(c->opt->baseline) < 0)
    return report_fail(c->info, ERR_EINVAL, "unknown baseline mode '%s'; valid modes are: %s",
                       c->opt->baseline, mesh_mode_names_list());
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (strcmp(report_mode_name(&r->modes[i]), c->opt->baseline) == 0) {
      c->base = i;
      return 0;
    }
  char modes[RESULT_TEXT_MAX] = "";
  for (uint32_t i = 0; i < r->n_modes; i++) {
    size_t len = strlen(modes);
    report_fmt(modes + len, sizeof modes - len, "%s%s", i ? ", " : "",
               report_mode_name(&r->modes[i]));
  }
  return report_fail(c->info, ERR_EINVAL,
                     "baseline mode '%s' is not in batch %" PRId64 " (modes: %s)", c->opt->baseline,
                     c->info->batch_id, modes);
}

static void write_batch(void *ctx) {
  write_sections(ctx);
}

int report_batch_write(db *d, const report_options *opt, report_info *info) {
  report_batch *c = calloc(1, sizeof *c);
  if (!c)
    return report_fail(info, ERR_ENOMEM, "out of memory");
  c->d = d;
  c->opt = opt;
  c->info = info;
  int rc = pick_batch(c);
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
