/* result_table: the plain-text comparison table; see result_table.h. Its rows
 * are the metrics with a text part (metric.h), in the table's order. */
#include "result_table.h"

#include <math.h>
#include <string.h>

#include "metric.h"
#include "result_capacity.h"
#include "verdict.h"

#define TABLE_LABEL 26
#define TABLE_COL   17 /* at least; wider when a mode's name needs it */

/* The width of a mode's column: TABLE_COL, or room for the longest mode
 * name and a space ("linkerd-2.14:ambient-waypoint"). */
static int table_col(const run_result *r) {
  size_t w = TABLE_COL;
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (strlen(mode_result_name(&r->modes[i])) + 1 > w)
      w = strlen(mode_result_name(&r->modes[i])) + 1;
  return (int)w;
}

/* Whether some mode shows x (METRIC_IF_PRESENT). */
static int table_shown(const metric *x, const run_result *r) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (METRIC_SHOWN(x, &r->modes[i]))
      return 1;
  return 0;
}

/* A metric's value as the table shows it (GiB where the row says GiB). */
static double table_value(const metric *x, const mode_result *m) {
  double v = metric_value(x, m);
  return x->text.divisor ? v / x->text.divisor : v;
}

static void table_cell(FILE *out, int col, const char *fmt, double v) {
  char buf[64];
  if (isfinite(v))
    snprintf(buf, sizeof buf, fmt, v);
  else
    snprintf(buf, sizeof buf, "-"); /* no such figure: no failures to time, no requests */
  fprintf(out, "%*s", col, buf);
}

/* The row under p99: its 95% confidence interval per mode. */
static void table_p99_ci(FILE *out, const run_result *r) {
  int col = table_col(r);
  fprintf(out, "%-*s", TABLE_LABEL, "  p99 95% CI");
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const sim_ci *ci = &r->modes[i].latency.p99_ci;
    char buf[64];
    if (ci->n < 2)
      snprintf(buf, sizeof buf, "n/a");
    else
      snprintf(buf, sizeof buf, "[%.3f, %.3f]", ci->lo, ci->hi);
    fprintf(out, "%*s", col, buf);
  }
  fputc('\n', out);
}

/* Each mode but the first against the first, for the rows marked METRIC_DELTA.
 * A mode that does not meet the objective shows its verdict in every cell:
 * its differences are not savings (verdict.h). */
static void table_deltas(FILE *out, const run_result *r) {
  int col = table_col(r);
  const mode_result *base = &r->modes[0];
  fprintf(out, "\nchange against %s:\n", mode_result_name(base));
  if (base->verdict.status != RESULT_MEETS)
    fprintf(out, "(%s itself %s the objective)\n", mode_result_name(base),
            base->verdict.status == RESULT_MISSES ? "misses" : "is overloaded: it cannot meet");
  fprintf(out, "%-*s", TABLE_LABEL, "");
  for (uint32_t i = 1; i < r->n_modes; i++)
    fprintf(out, "%*s", col, mode_result_name(&r->modes[i]));
  fputc('\n', out);
  for (size_t k = 0; k < METRIC_COUNT; k++) {
    const metric *x = &metric_table[k];
    if (!x->text.label || !(x->flags & METRIC_DELTA))
      continue;
    fprintf(out, "%-*s", TABLE_LABEL, x->text.label);
    double b = table_value(x, base);
    for (uint32_t i = 1; i < r->n_modes; i++) {
      const result_verdict *vd = &r->modes[i].verdict;
      if (vd->status != RESULT_MEETS) {
        char flag[40];
        snprintf(flag, sizeof flag, "(%s)", verdict_status_name(vd->status));
        fprintf(out, "%*s", col, flag);
        continue;
      }
      double v = table_value(x, &r->modes[i]);
      char num[40], buf[64];
      snprintf(num, sizeof num, x->text.fmt, v - b);
      if (fabs(b) > 1e-12)
        snprintf(buf, sizeof buf, "%s%s (%+.0f%%)", v - b >= 0 ? "+" : "", num,
                 100.0 * (v - b) / fabs(b));
      else
        snprintf(buf, sizeof buf, "%s%s", v - b >= 0 ? "+" : "", num);
      fprintf(out, "%*s", col, buf);
    }
    fputc('\n', out);
  }
}

/* A name in one column: the end of it when it is too long ("..p/waypoint#0"). */
static void table_name_cell(FILE *out, int col, const char *name) {
  size_t len = strlen(name), room = (size_t)col - 1;
  if (len <= room)
    fprintf(out, "%*s", col, name);
  else
    fprintf(out, " ..%s", name + len - (room - 2));
}

/* The first rows: each mode's verdict and the station it names. */
static void table_verdict(FILE *out, const run_result *r) {
  int col = table_col(r);
  fprintf(out, "%-*s", TABLE_LABEL, "verdict");
  for (uint32_t i = 0; i < r->n_modes; i++)
    fprintf(out, "%*s", col, verdict_status_name(r->modes[i].verdict.status));
  fprintf(out, "\n%-*s", TABLE_LABEL, "  bottleneck");
  for (uint32_t i = 0; i < r->n_modes; i++)
    table_name_cell(out, col,
                    r->modes[i].verdict.bottleneck[0] ? r->modes[i].verdict.bottleneck : "-");
  fputc('\n', out);
}

/* Before the table: the objective and the recommendation; after it, why each
 * mode that does not meet the objective misses it. */
static void table_decision(FILE *out, const run_result *r) {
  fprintf(out, "objective: %s <= %.*f ms, errors <= %.3g%%\n",
          verdict_percentile_name(r->objective_quantile), r->slo_ms == floor(r->slo_ms) ? 0 : 3,
          r->slo_ms, 100 * r->error_budget);
  const result_recommendation *rec = &r->recommendation;
  if (rec->has_mode)
    fprintf(out, "recommendation: %s (%s)\n", result_recommendation_name(rec), rec->why);
  else /* why says so: "no mesh mode meets ..." */
    fprintf(out, "recommendation: %s\n", rec->why);
}

static void table_reasons(FILE *out, const run_result *r) {
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const result_verdict *v = &r->modes[i].verdict;
    for (uint32_t k = 0; k < v->n_reasons; k++) {
      fprintf(out, "%s  %s %s: %s\n", any ? "" : "\nwhy:\n", mode_result_name(&r->modes[i]),
              verdict_status_name(v->status), v->reasons[k]);
      any = 1;
    }
  }
}

void result_table_write(FILE *out, const run_result *r) {
  int col = table_col(r);
  fprintf(out,
          "scenario \"%s\" (hash %016llx), seed %llu, %u replication%s x %.3g s after %.3g s "
          "warm-up, profile %s\n",
          r->scenario, (unsigned long long)r->scenario_hash, (unsigned long long)r->seed,
          r->replications, r->replications == 1 ? "" : "s", r->duration_s, r->warmup_s, r->profile);
  if (r->params[0])
    fprintf(out, "parameters: %s\n", r->params);
  table_decision(out, r);
  fputc('\n', out);
  fprintf(out, "%-*s", TABLE_LABEL, "");
  for (uint32_t i = 0; i < r->n_modes; i++)
    fprintf(out, "%*s", col, mode_result_name(&r->modes[i]));
  fputc('\n', out);
  table_verdict(out, r);
  for (size_t k = 0; k < METRIC_COUNT; k++) {
    const metric *x = &metric_table[k];
    if (!x->text.label || !table_shown(x, r))
      continue;
    fprintf(out, "%-*s", TABLE_LABEL, x->text.label);
    for (uint32_t i = 0; i < r->n_modes; i++)
      table_cell(out, col, x->text.fmt, table_value(x, &r->modes[i]));
    fputc('\n', out);
    if (x->id == METRIC_LATENCY_P99)
      table_p99_ci(out, r);
  }
  table_reasons(out, r);
  result_capacity_text(out, r);
  if (r->n_modes >= 2)
    table_deltas(out, r);
}
