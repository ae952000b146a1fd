/* result_table: the plain-text comparison table; see result_table.h. Its rows
 * are the metrics with a text part (metric.h), in the table's order. */
#include "result_table.h"

#include <math.h>
#include <string.h>

#include "metric.h"

#define TABLE_LABEL 26
#define TABLE_COL   17

/* A metric's value as the table shows it (GiB where the row says GiB). */
static double table_value(const metric *x, const mode_result *m) {
  double v = metric_value(x, m);
  return x->text.divisor ? v / x->text.divisor : v;
}

static void table_cell(FILE *out, const char *fmt, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, fmt, v);
  fprintf(out, "%*s", TABLE_COL, buf);
}

/* The row under p99: its 95% confidence interval per mode. */
static void table_p99_ci(FILE *out, const run_result *r) {
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
}

/* Each mode but the first against the first, for the rows marked METRIC_DELTA. */
static void table_deltas(FILE *out, const run_result *r) {
  const mode_result *base = &r->modes[0];
  fprintf(out, "\nchange against %s:\n%-*s", mesh_mode_name(base->mode), TABLE_LABEL, "");
  for (uint32_t i = 1; i < r->n_modes; i++)
    fprintf(out, "%*s", TABLE_COL, mesh_mode_name(r->modes[i].mode));
  fputc('\n', out);
  for (size_t k = 0; k < METRIC_COUNT; k++) {
    const metric *x = &metric_table[k];
    if (!x->text.label || !(x->flags & METRIC_DELTA))
      continue;
    fprintf(out, "%-*s", TABLE_LABEL, x->text.label);
    double b = table_value(x, base);
    for (uint32_t i = 1; i < r->n_modes; i++) {
      double v = table_value(x, &r->modes[i]);
      char num[40], buf[64];
      snprintf(num, sizeof num, x->text.fmt, v - b);
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
  for (size_t k = 0; k < METRIC_COUNT; k++) {
    const metric *x = &metric_table[k];
    if (!x->text.label)
      continue;
    fprintf(out, "%-*s", TABLE_LABEL, x->text.label);
    for (uint32_t i = 0; i < r->n_modes; i++)
      table_cell(out, x->text.fmt, table_value(x, &r->modes[i]));
    fputc('\n', out);
    if (x->id == METRIC_LATENCY_P99)
      table_p99_ci(out, r);
  }
  if (r->n_modes >= 2)
    table_deltas(out, r);
}
