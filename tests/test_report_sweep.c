/* Tests for the charts and tables of the sweep report (report_sweep.c),
 * from sweeps stored in a temporary database: counts print whole ("31",
 * not "31.0"); p99 latency is drawn on a log scale; the error rate has a
 * chart and a table of its own, with the points that miss the objective
 * hollow, and no crossover sentence; an axis of categories draws markers,
 * not lines, each mode beside the others; a numeric axis keeps its lines.
 * The scripts and data are written without gnuplot, so every check runs
 * without it. (tests/test_sweep.c covers the crossovers, the groups and the
 * choice between a sweep and a batch report.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "report.h"
#include "results_fixture.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef fixture_store st;

static int setup(void **state) {
  return fixture_store_setup(state, "report-sweep", "meshsim.db", "out");
}

static int teardown(void **state) {
  return fixture_store_teardown(state);
}

/* Per point of the numeric sweep (rates 1k/s, 2k/s, 4k/s) and mode
 * (sidecar, ambient): nodes needed, errors (of 2000 requests) and p99. The
 * error rates cross (sidecar below ambient at 1k/s, above at 2k/s) inside
 * the budget, so an error-rate crossover would be found if one were
 * searched for; ambient misses the objective (p99) at 4k/s. */
static const char *const rates[3] = {"1k/s", "2k/s", "4k/s"};
static const uint32_t nodes[3][2] = {{5, 4}, {6, 5}, {31, 30}};
static const uint64_t errors[3][2] = {{0, 2}, {4, 1}, {6, 3}};
static const double p99[3][2] = {{20, 21}, {25, 26}, {40, 5000}};

/* Opens a sweep of `n` points over `key` with 2 modes and stores every
 * point; numeric: the figures above. Returns the sweep id. */
static int64_t store_sweep(st *t, const char *key, const char *const *vals, uint32_t n,
                           int numeric) {
  db_sweep_info s;
  memset(&s, 0, sizeof s);
  snprintf(s.sweep_key, sizeof s.sweep_key, "%016x", numeric ? 0xabcu : 0xcdeu);
  snprintf(s.scenario, sizeof s.scenario, "fixture-shop");
  snprintf(s.keys, sizeof s.keys, "%s", key);
  snprintf(s.spec, sizeof s.spec, "--set %s=...", key);
  snprintf(s.created_at, sizeof s.created_at, "2026-01-02T03:00:00Z");
  s.n_points = n;
  assert_true(db_sweep_open(t->d, &s) >= 0);
  for (uint32_t p = 0; p < n; p++) {
    fixture_opts o = fixture_defaults();
    o.n_modes = 2;
    o.replications = 1;
    o.n_seconds = 2;
    o.failures = 0;
    o.variant = 500 + p + (numeric ? 0 : 10);
    run_result r;
    fixture_run(&r, &o);
    for (uint32_t m = 0; numeric && m < 2; m++) {
      r.modes[m].nodes_needed = nodes[p][m];
      r.modes[m].errors = errors[p][m];
      r.modes[m].requests = 2000 - errors[p][m];
      r.modes[m].latency.p99_ms = p99[p][m];
    }
    r.error_budget = 0.005;
    verdict_apply(&r);
    char params[128];
    snprintf(params, sizeof params, "%s=%s", key, vals[p]);
    snprintf(r.params, sizeof r.params, "%s", params);
    snprintf(r.started_at, sizeof r.started_at, "2026-01-02T03:%02u:%02uZ", numeric ? 10 : 20, p);
    int64_t id;
    assert_int_equal(db_write_sweep_point(t->d, s.id, p, params, &r, &id), 0);
    run_result_release(&r);
  }
  return s.id;
}

/* out/charts/NAME (a script or its data); fails when missing. */
static char *read_chart(st *t, const char *name) {
  char path[900];
  snprintf(path, sizeof path, "%s/charts/%s", t->out, name);
  char *s = fixture_slurp(path, NULL);
  if (!s)
    fail_msg("%s was not written", path);
  return s;
}

/* Writes the sweep's report without gnuplot; returns report.md. */
static char *report_of(st *t, int64_t sid, report_info *info) {
  report_options opt = {.out_dir = t->out, .sweep_id = sid, .gnuplot = "/nonexistent"};
  int rc = report_write(t->d, &opt, info);
  if (rc != 0)
    fail_msg("report_write: %d %s", rc, info->error);
  char path[900];
  snprintf(path, sizeof path, "%s/report.md", t->out);
  char *md = fixture_slurp(path, NULL);
  assert_non_null(md);
  return md;
}

/* The line of the plot command that draws block `index`; "" when none. */
static void plot_line(const char *gp, int index, char *buf, size_t n) {
  char at[32];
  snprintf(at, sizeof at, "index %d using", index);
  const char *p = strstr(gp, at);
  buf[0] = '\0';
  if (!p)
    return;
  size_t len = strcspn(p, "\n");
  snprintf(buf, n, "%.*s", (int)len, p);
}

static void test_sweep_numbers(void **state) {
  st *t = *state;
  int64_t sid = store_sweep(t, "traffic.web.rate", rates, 3, 1);
  report_info info;
  char *md = report_of(t, sid, &info);
  /* 7 metrics of metric.h and the error rate, one group */
  assert_int_equal(info.charts_planned, 8);

  /* Counts print whole, also beside a status. */
  for (uint32_t p = 0; p < 3; p++) {
    char row[128];
    snprintf(row, sizeof row, "| %s | %u | %u%s |", rates[p], nodes[p][0], nodes[p][1],
             p == 2 ? " (misses)" : "");
    assert_contains(md, row);
  }
  assert_null(strstr(md, "| 31.0"));

  /* p99 on a log scale; the other metrics from 0. */
  char *gp = read_chart(t, "sweep_p99.gp");
  assert_contains(gp, "set logscale y 10\n");
  assert_null(strstr(gp, "set yrange [0:*]"));
  assert_contains(gp, "set ylabel 'p99 latency (ms, log scale)'");
  free(gp);
  gp = read_chart(t, "sweep_mesh_cpu.gp");
  assert_null(strstr(gp, "logscale"));
  assert_contains(gp, "set yrange [0:*]");
  /* numbers: a line through the points */
  char line[512];
  plot_line(gp, 0, line, sizeof line);
  assert_contains(line, "with linespoints");
  free(gp);

  /* The error rate: a section, a table, a chart with ambient's failing
   * point hollow, and no crossover although the two curves cross. */
  char *sec = strstr(md, "## Error rate");
  assert_non_null(sec);
  assert_true(sec > strstr(md, "## p99 latency"));
  char *dat = read_chart(t, "sweep_error_rate.dat");
  for (uint32_t p = 0; p < 3; p++) {
    char cell[2][32], row[160];
    for (int m = 0; m < 2; m++)
      report_format_value(cell[m], sizeof cell[m], 100.0 * (double)errors[p][m] / 2000);
    snprintf(row, sizeof row, "| %s | %s | %s%s |", rates[p], cell[0], cell[1],
             p == 2 ? " (misses)" : "");
    assert_contains(sec, row);
  }
  assert_contains(dat, "# sidecar\n 1000 0\n 2000 0.2\n 4000 0.3\n");
  assert_contains(dat, "# ambient\n 1000 0.1\n 2000 0.05\n 4000 NaN\n");
  assert_contains(dat, "# ambient: misses the objective\n 1000 NaN\n 2000 NaN\n 4000 0.15\n");
  free(dat);
  gp = read_chart(t, "sweep_error_rate.gp");
  assert_contains(gp, "index 2 using 1:2 with points pt 6");
  assert_contains(gp, "set ylabel 'error rate (%)'");
  free(gp);
  assert_null(strstr(md, "error rate exceeds"));
  free(md);
}

static void test_sweep_categories(void **state) {
  st *t = *state;
  static const char *const vals[3] = {"spread", "binpack", "random"};
  int64_t sid = store_sweep(t, "cluster.placement", vals, 3, 0);
  report_info info;
  free(report_of(t, sid, &info));
  static const char *const charts[] = {"sweep_mesh_cpu", "sweep_p99", "sweep_error_rate",
                                       "sweep_nodes"};
  for (size_t i = 0; i < N_ELEMS(charts); i++) {
    char name[64];
    snprintf(name, sizeof name, "%s.gp", charts[i]);
    char *gp = read_chart(t, name);
    assert_contains(gp, "set xtics ('spread' 0, 'binpack' 1, 'random' 2)");
    for (int mode = 0; mode < 2; mode++) {
      char line[512];
      plot_line(gp, mode, line, sizeof line);
      if (!strstr(line, "with points pt") || strstr(line, "lines"))
        fail_msg("%s, mode %d: markers without lines expected: %s", name, mode, line);
    }
    free(gp);
    /* each mode beside the category, not on the others' markers */
    snprintf(name, sizeof name, "%s.dat", charts[i]);
    char *dat = read_chart(t, name);
    assert_contains(dat, "# sidecar\n -0.06 ");
    assert_contains(dat, "# ambient\n 0.06 ");
    free(dat);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sweep_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sweep_categories, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
