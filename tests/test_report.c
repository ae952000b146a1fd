/* Tests for report: a report written from a synthetic run stored in a
 * temporary database. Files exist; report.md states the provenance and the
 * summary numbers (formatted as the report formats them) and the blast and
 * failure sentences; every chart is a valid PNG (signature, IHDR, IEND) or
 * SVG (root element <svg>); report.html references exactly the chart files
 * that exist and escapes text; without gnuplot the text report is still
 * written and says why; baseline and batch selection; number format.
 *
 * `test_report --write-db PATH` stores the same synthetic run in PATH and
 * exits: tests/cli/report_html.sh uses it to feed `meshsim report`. */
#include <dirent.h>
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

typedef struct rt {
  fixture_store s;
  run_result run; /* what was stored */
  int64_t batch;
} rt;

/* The fixture's error shares (0.2% to 0.3%) miss the default 0.1% budget in
 * every mode; with a 0.5% budget sidecar and ambient meet the objective and
 * only ambient-waypoint (its waypoint at 125%) does not, as in a real run. */
static void judge_with_budget(run_result *r, double budget) {
  r->error_budget = budget;
  verdict_apply(r);
}

static int setup(void **state) {
  rt *t = calloc(1, sizeof *t);
  if (!t || fixture_store_open(&t->s, "report", "meshsim.db", "out/report") != 0) {
    free(t);
    return -1;
  }
  fixture_opts o = fixture_defaults();
  fixture_run(&t->run, &o);
  judge_with_budget(&t->run, 0.005);
  if (db_write_run(t->s.d, &t->run, &t->batch) != 0)
    return -1;
  *state = t;
  return 0;
}

static int teardown(void **state) {
  rt *t = *state;
  fixture_store_close(&t->s);
  run_result_release(&t->run);
  free(t);
  return 0;
}

/* ---- checks on files ---- */

static void assert_valid_svg(const char *path) {
  char *s = fixture_slurp(path, NULL);
  assert_non_null(s);
  /* The root element, after the XML declaration, comments and doctype. */
  const char *p = s;
  for (;;) {
    p = strchr(p, '<');
    assert_non_null(p);
    if (p[1] == '?' || p[1] == '!') {
      p = strchr(p, '>');
      assert_non_null(p);
      continue;
    }
    break;
  }
  if (strncmp(p, "<svg", 4) != 0 || !(p[4] == ' ' || p[4] == '>' || p[4] == '\n'))
    fail_msg("%s: root element is not <svg>", path);
  const char *end = strstr(s, "</svg>");
  assert_non_null(end);
  for (end += 6; *end; end++)
    assert_true(*end == '\n' || *end == ' ' || *end == '\r');
  free(s);
}

/* Image files in out/charts, sorted into one "|a|b|" string. */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void join_sorted(char **names, size_t n, char *buf, size_t len) {
  qsort(names, n, sizeof *names, cmp_str);
  snprintf(buf, len, "|");
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s|", names[i]);
  }
}

static size_t chart_images(const char *out, char *joined, size_t len) {
  char dir[700];
  snprintf(dir, sizeof dir, "%s/charts", out);
  char *names[64];
  size_t n = 0;
  DIR *dh = opendir(dir);
  assert_non_null(dh);
  struct dirent *e;
  while ((e = readdir(dh)) != NULL && n < N_ELEMS(names)) {
    size_t l = strlen(e->d_name);
    if (l > 4 && (!strcmp(e->d_name + l - 4, ".png") || !strcmp(e->d_name + l - 4, ".svg"))) {
      names[n] = malloc(l + 16);
      snprintf(names[n++], l + 16, "charts/%s", e->d_name);
    }
  }
  closedir(dh);
  join_sorted(names, n, joined, len);
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  return n;
}

/* <img src="..."> values of report.html, sorted into one string. */
static size_t html_images(const char *html, char *joined, size_t len) {
  char *names[64];
  size_t n = 0;
  for (const char *p = html; (p = strstr(p, "<img ")) != NULL && n < N_ELEMS(names); p++) {
    const char *src = strstr(p, "src=\"");
    assert_non_null(src);
    src += 5;
    const char *q = strchr(src, '"');
    assert_non_null(q);
    names[n] = malloc((size_t)(q - src) + 1);
    memcpy(names[n], src, (size_t)(q - src));
    names[n++][q - src] = '\0';
  }
  join_sorted(names, n, joined, len);
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  return n;
}

static char *read_out(const rt *t, const char *name) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", t->s.out, name);
  char *s = fixture_slurp(path, NULL);
  if (!s)
    fail_msg("%s was not written", path);
  return s;
}

/* Stores r as a new batch and writes its report without gnuplot; returns
 * report.md (the caller frees it). */
static char *report_md_of(rt *t, const run_result *r) {
  int64_t id;
  assert_int_equal(db_write_run(t->s.d, r, &id), 0);
  report_options opt = {.out_dir = t->s.out, .batch_id = id, .gnuplot = "/nonexistent"};
  report_info info;
  assert_int_equal(report_write(t->s.d, &opt, &info), 0);
  return read_out(t, "report.md");
}

/* ---- tests ---- */

static void check_report_with_charts(rt *t, const char *format) {
  report_options opt = {.out_dir = t->s.out, .format = format};
  report_info info;
  int rc = report_write(t->s.d, &opt, &info);
  if (rc != 0)
    fail_msg("report_write: %d %s", rc, info.error);
  assert_string_equal(info.chart_format, format ? format : "png");
  assert_int_equal(info.batch_id, t->batch);
  assert_int_equal(info.gnuplot_missing, 0);
  if (info.charts_written != info.charts_planned)
    fail_msg("%d of %d charts drawn: %s", info.charts_written, info.charts_planned, info.warning);
  /* cpu, memory, mesh, latency cdf + quantiles, cost, 3 series (waypoints scale), blast,
   * 1 drill */
  assert_int_equal(info.charts_planned, 11);

  char *md = read_out(t, "report.md");
  char *html = read_out(t, "report.html");
  const run_result *r = &t->run;

  /* Provenance: enough to reproduce. */
  assert_contains(md, "fixture-shop");
  assert_contains(md, "0123456789abcdef");
  assert_contains(md, "Seed 7, 3 replications");
  assert_contains(md, "istio-1.24");
  assert_contains(md, "0.1.0-test");
  assert_contains(md, r->started_at);
  assert_contains(md, "busy, then quiet");
  assert_contains(md, "## How to read this");
  assert_contains(md, "sidecar (baseline)");
  /* The stored SLO names the slow requests. */
  assert_contains(md, "| requests slower than 100 ms |");
  assert_contains(md, "failed and slow (slower than 100 ms) requests");
  /* Autoscaled waypoints get their chart (the fixture scales 2 -> 3 -> 2). */
  char wp[64];
  snprintf(wp, sizeof wp, "](charts/series_waypoints.%s)", format ? format : "png");
  assert_contains(md, wp);

  /* The summary numbers of every mode, formatted as the report does. */
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    char buf[64];
    snprintf(buf, sizeof buf, "| %llu", (unsigned long long)m->requests);
    assert_contains(md, buf);
    report_format_value(buf, sizeof buf, m->throughput_rps);
    assert_contains(md, buf);
    report_format_value(buf, sizeof buf, m->latency.p99_ms);
    assert_contains(md, buf);
    report_format_value(buf, sizeof buf, m->latency.p999_ms);
    assert_contains(md, buf);
    report_format_value(buf, sizeof buf, m->cost_usd_month);
    assert_contains(md, buf);
    /* The reserved-capacity cost next to the node cost. */
    report_format_value(buf, sizeof buf, m->cost_reserved_usd_month);
    assert_contains(md, buf);
    report_format_value(buf, sizeof buf, m->cost_mesh_reserved_usd_month);
    assert_contains(md, buf);
    report_format_value(buf, sizeof buf, m->kind[MESH_KIND_APP].cpu_cores_mean);
    assert_contains(md, buf);
    char half[32], cell[160];
    report_format_value(buf, sizeof buf, m->latency.p99_ms);
    report_format_value(half, sizeof half, m->latency.p99_ci.half_width);
    snprintf(cell, sizeof cell, "%s ± %s", buf, half);
    assert_contains(md, cell);
  }
  /* A delta against the baseline, computed independently. */
  {
    double base = r->modes[0].cost_usd_month, v = r->modes[1].cost_usd_month;
    char buf[64], cost[32];
    report_format_value(cost, sizeof cost, v);
    snprintf(buf, sizeof buf, "%s (%+.1f%%)", cost, 100 * (v - base) / base);
    assert_contains(md, buf);
  }
  /* Blast radius and failure sentences from the stored numbers. */
  assert_contains(md, "In `ambient`, one ztunnel (of 4) serves up to 9 pods");
  assert_contains(md, "carries up to 75.0% of external requests");
  /* The instances that carry most requests, highest first (fixture: 30%, 20%, 10%). */
  const char *top = strstr(md, "| ambient | ztunnel | `ztunnel-2` | 30.0% | 5 |");
  assert_non_null(top);
  assert_non_null(strstr(top, "| ambient | ztunnel | `ztunnel-1` | 20.0% | 4 |"));
  { /* the drill's row: never detected (a ztunnel's pods stay ready), the mean error rate
     * over the 3 s it was down, the peak */
    const result_failure *f = &r->modes[1].failures[0];
    double sum = 0, peak = 0;
    for (int s = 5; s < 8; s++) {
      sum += f->error_rate[s];
      peak = fmax(peak, f->error_rate[s]);
    }
    char buf[256], rec[32], during[32], steady[32];
    report_format_value(rec, sizeof rec, f->recovery_s);
    report_format_value(during, sizeof during, f->p99_during_ms);
    report_format_value(steady, sizeof steady, f->p99_steady_ms);
    snprintf(buf, sizeof buf,
             "| `zt-crash` | ambient | ztunnel `node-3` | 5.00–8.00 | %llu / %llu (%+lld) / %s vs "
             "%s | %u / %u / %u / %u | - / %s | %.1f%% / %.1f%% |",
             (unsigned long long)f->failed_requests, (unsigned long long)f->slo_violations,
             (long long)f->slo_violations - (long long)f->slo_violations_steady, during, steady,
             f->affected_pods, f->affected_services, f->affected_namespaces, f->affected_tenants,
             rec, 100 * sum / 3, 100 * peak);
    assert_contains(md, buf);
  }

  /* Charts: valid images, and the HTML shows exactly those. */
  char on_disk[2048], in_html[2048];
  size_t n_files = chart_images(t->s.out, on_disk, sizeof on_disk);
  size_t n_refs = html_images(html, in_html, sizeof in_html);
  assert_int_equal(n_files, (size_t)info.charts_written);
  assert_int_equal(n_refs, n_files);
  assert_string_equal(in_html, on_disk);
  for (char *p = on_disk + 1; *p;) {
    char *bar = strchr(p, '|');
    *bar = '\0';
    char path[800];
    assert_true(snprintf(path, sizeof path, "%s/%s", t->s.out, p) < (int)sizeof path);
    if (!strcmp(info.chart_format, "png"))
      fixture_assert_png(path);
    else
      assert_valid_svg(path);
    /* Its script and data sit next to it. */
    size_t l = strlen(path);
    strcpy(path + l - 3, "gp");
    assert_true(fixture_file_exists(path));
    strcpy(path + l - 3, "dat");
    assert_true(fixture_file_exists(path));
    p = bar + 1;
  }
  /* The markdown links the same images. */
  char link[64];
  snprintf(link, sizeof link, "](charts/cpu.%s)", info.chart_format);
  assert_contains(md, link);
  assert_contains(html, "<!DOCTYPE html>");
  assert_contains(html, "</html>");
  free(md);
  free(html);
}

/* PNG (the default), then SVG into the same directory: the PNGs of the
 * first report must be gone from the second. */
static void test_report_with_charts(void **state) {
  rt *t = *state;
  if (!fixture_have_gnuplot())
    skip(); /* CI installs gnuplot; test_report_without_gnuplot covers the rest */
  check_report_with_charts(t, NULL);
  check_report_with_charts(t, "svg");
  check_report_with_charts(t, "png");
  report_options opt = {.out_dir = t->s.out, .format = "gif"};
  report_info info;
  assert_int_equal(report_write(t->s.d, &opt, &info), ERR_EINVAL);
  assert_non_null(strstr(info.error, "valid formats are: png, svg"));
}

/* gnuplot missing (PATH without it) or unusable: text report, no images,
 * and a message that says what to do. A second report into the directory
 * of one with charts must not keep showing the old images. */
static void test_report_without_gnuplot(void **state) {
  rt *t = *state;
  if (fixture_have_gnuplot()) { /* first a report with charts into the same directory */
    report_options opt = {.out_dir = t->s.out};
    report_info info;
    assert_int_equal(report_write(t->s.d, &opt, &info), 0);
    assert_true(info.charts_written > 0);
  }
  static const struct {
    const char *gnuplot; /* NULL: search PATH */
    const char *says;
  } cases[] = {
      {NULL, "gnuplot not found"},
      {"/nonexistent/gnuplot", "gnuplot not found"},
      {"/bin/false", "supports none of the terminals"},
  };
  char empty[300];
  snprintf(empty, sizeof empty, "%s/empty-bin", t->s.dir);
  assert_int_equal(mkdir(empty, 0755), 0);
  char *saved = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    setenv("PATH", empty, 1);
    report_options opt = {.out_dir = t->s.out, .gnuplot = cases[i].gnuplot};
    report_info info;
    int rc = report_write(t->s.d, &opt, &info);
    setenv("PATH", saved, 1);
    if (rc != 0)
      fail_msg("case %zu: report_write: %d %s", i, rc, info.error);
    assert_int_equal(info.gnuplot_missing, 1);
    assert_int_equal(info.charts_written, 0);
    assert_non_null(strstr(info.warning, cases[i].says));
    char *md = read_out(t, "report.md");
    char *html = read_out(t, "report.html");
    assert_contains(md, cases[i].says);
    assert_contains(md, "## Summary");
    char buf[64];
    snprintf(buf, sizeof buf, "| %llu", (unsigned long long)t->run.modes[0].requests);
    assert_contains(md, buf);
    char on_disk[2048], in_html[2048];
    assert_int_equal(chart_images(t->s.out, on_disk, sizeof on_disk), 0);
    assert_int_equal(html_images(html, in_html, sizeof in_html), 0);
    assert_null(strstr(md, "![")); /* no image links in the Markdown either */
    /* Scripts are still written so the charts can be drawn later. */
    char gp[700];
    snprintf(gp, sizeof gp, "%s/charts/cpu.gp", t->s.out);
    assert_true(fixture_file_exists(gp));
    free(md);
    free(html);
  }
  free(saved);
}

/* Text from the database is escaped in HTML and Markdown. */
static void test_report_escapes_text(void **state) {
  rt *t = *state;
  fixture_opts o = fixture_defaults();
  o.n_modes = 2;
  o.variant = 3;
  run_result r;
  fixture_run(&r, &o);
  snprintf(r.scenario, sizeof r.scenario, "shop <b>&\"it's\"*\n# forged");
  snprintf(r.modes[1].failures[0].instance, sizeof r.modes[1].failures[0].instance, "node<1>|`x`");
  /* A drill that has no target in a mode, as the model reports it. */
  result_failure *none = &r.modes[0].failures[0];
  snprintf(none->component, sizeof none->component, "ztunnel");
  snprintf(none->instance, sizeof none->instance, "(none in this mode)");
  none->has_target = false;
  none->failed_requests = 0;
  char *md = report_md_of(t, &r);
  char *html = read_out(t, "report.html");
  assert_null(strstr(html, "<b>&"));
  assert_contains(html, "shop &lt;b&gt;&amp;&quot;it&#39;s&quot;*");
  assert_contains(html, "<title>meshsim report: shop &lt;b&gt;&amp;&quot;it&#39;s&quot;*");
  /* A newline cannot start a line of its own (a forged heading). */
  assert_contains(md, "# meshsim report: shop \\<b\\>&\"it's\"\\* # forged");
  assert_null(strstr(md, "\n# forged"));
  assert_null(strstr(html, "node<1>"));
  /* A | or ` in a name cannot break a Markdown table or code span. */
  assert_contains(md, "`node<1>''x'`");
  /* not in the table, and said so */
  assert_contains(md, "each drill in the modes without its component (`zt-crash` in `sidecar`).");
  assert_null(strstr(md, "| `zt-crash` | sidecar |"));
  free(md);
  free(html);
  run_result_release(&r);
}

/* A traffic burst is a drill of component "overload": described as a burst,
 * not as something taken down. */
static void test_report_burst_drill(void **state) {
  rt *t = *state;
  fixture_opts o = fixture_defaults();
  o.n_modes = 2;
  o.variant = 7;
  run_result r;
  fixture_run(&r, &o);
  for (uint32_t i = 0; i < r.n_modes; i++) {
    result_failure *f = &r.modes[i].failures[0];
    snprintf(f->name, sizeof f->name, "spike");
    snprintf(f->component, sizeof f->component, "overload");
    snprintf(f->instance, sizeof f->instance, "frontend");
  }
  r.slo_ms = 250;
  char *md = report_md_of(t, &r);
  char buf[256];
  snprintf(buf, sizeof buf, "| `spike` | ambient | burst on `frontend` | 5.00–8.00 | %llu / %llu (",
           (unsigned long long)r.modes[1].failures[0].failed_requests,
           (unsigned long long)r.modes[1].failures[0].slo_violations);
  assert_contains(md, buf);
  assert_contains(md, "failed and slow (slower than 250 ms) requests");
  assert_contains(md, "| requests slower than 250 ms |");
  assert_contains(md, "traffic bursts are drills of component `overload`");
  assert_null(strstr(md, "took down component"));
  free(md);
  run_result_release(&r);
}

/* What decides that a drill hit nothing is the stored has_target flag, not
 * the text of its instance: a drill without a target is listed as such
 * whatever its instance says, one with a target is in the table. */
static void test_report_drill_without_target(void **state) {
  rt *t = *state;
  fixture_opts o = fixture_defaults();
  o.n_modes = 2;
  o.variant = 9;
  run_result r;
  fixture_run(&r, &o);
  result_failure *none = &r.modes[1].failures[0];
  snprintf(none->instance, sizeof none->instance, "node-3");
  none->has_target = false;
  none->failed_requests = 0;
  char *md = report_md_of(t, &r);
  assert_contains(md, "each drill in the modes without its component (`zt-crash` in `ambient`).");
  assert_null(strstr(md, "| `zt-crash` | ambient |"));
  assert_contains(md, "| `zt-crash` | sidecar |");
  assert_null(strstr(md, "(`zt-crash` in `sidecar`)"));
  free(md);
  run_result_release(&r);
}

/* Which batch and which baseline. */
static void test_report_selection(void **state) {
  rt *t = *state;
  fixture_opts o = fixture_defaults();
  o.n_modes = 2;
  o.variant = 9;
  run_result other;
  fixture_run(&other, &o);
  snprintf(other.scenario, sizeof other.scenario, "other");
  int64_t id_other;
  assert_int_equal(db_write_run(t->s.d, &other, &id_other), 0);
  run_result_release(&other);

  static const struct {
    const char *scenario;
    int64_t batch; /* -1: the fixture's, -2: other's */
    const char *baseline;
    int want_rc;
    int64_t want_batch; /* -1 / -2 as above */
    const char *says;   /* in report.md, or in info.error when failing */
  } cases[] = {
      {NULL, 0, NULL, 0, -2, "# meshsim report: other"},
      {"fixture-shop", 0, NULL, 0, -1, "# meshsim report: fixture-shop"},
      {"other", 0, NULL, 0, -2, "sidecar (baseline)"},
      {NULL, -1, "ambient", 0, -1, "ambient (baseline)"},
      {NULL, -1, "ambient-waypoint", 0, -1, "ambient-waypoint (baseline)"},
      {NULL, -2, "ambient-waypoint", ERR_EINVAL, -2, "not in batch"},
      {NULL, -1, "warp", ERR_EINVAL, -1, "valid modes are: none, sidecar"},
      {"nope", 0, NULL, DB_ENOTFOUND, 0, "no results for scenario 'nope'"},
      {"other", -1, NULL, ERR_EINVAL, -1, "is of scenario 'fixture-shop', not 'other'"},
      {NULL, 999, NULL, DB_ENOTFOUND, 999, "no batch 999"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    int64_t batch = cases[i].batch == -1   ? t->batch
                    : cases[i].batch == -2 ? id_other
                                           : cases[i].batch;
    int64_t want = cases[i].want_batch == -1   ? t->batch
                   : cases[i].want_batch == -2 ? id_other
                                               : cases[i].want_batch;
    report_options opt = {.out_dir = t->s.out,
                          .scenario = cases[i].scenario,
                          .batch_id = batch,
                          .baseline = cases[i].baseline,
                          .gnuplot = "/nonexistent"};
    report_info info;
    int rc = report_write(t->s.d, &opt, &info);
    if (rc != cases[i].want_rc)
      fail_msg("case %zu: rc %d (%s), want %d", i, rc, info.error, cases[i].want_rc);
    if (rc == 0) {
      assert_int_equal(info.batch_id, want);
      char *md = read_out(t, "report.md");
      if (!strstr(md, cases[i].says))
        fail_msg("case %zu: report lacks \"%s\"", i, cases[i].says);
      free(md);
    } else if (!strstr(info.error, cases[i].says)) {
      fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, info.error, cases[i].says);
    }
  }
  /* With baseline ambient, sidecar's delta is relative to ambient. */
  report_options opt = {
      .out_dir = t->s.out, .batch_id = t->batch, .baseline = "ambient", .gnuplot = "/nonexistent"};
  report_info info;
  assert_int_equal(report_write(t->s.d, &opt, &info), 0);
  char *md = read_out(t, "report.md");
  double base = t->run.modes[1].cost_usd_month, v = t->run.modes[0].cost_usd_month;
  char buf[64], cost[32];
  report_format_value(cost, sizeof cost, v);
  snprintf(buf, sizeof buf, "%s (%+.1f%%)", cost, 100 * (v - base) / base);
  assert_contains(md, buf);
  free(md);
}

/* The text between `from` and the next `to` in md (the whole rest when
 * `to` is absent), copied; fails when `from` is absent. */
static char *slice(const char *md, const char *from, const char *to) {
  const char *a = strstr(md, from);
  if (!a)
    fail_msg("report lacks \"%s\"", from);
  const char *b = strstr(a + strlen(from), to);
  size_t n = b ? (size_t)(b - a) : strlen(a);
  char *out = malloc(n + 1);
  assert_non_null(out);
  memcpy(out, a, n);
  out[n] = '\0';
  return out;
}

/* "cost (+12.3%)" or "cost (overloaded)": the summary's cell of the node
 * cost of mode i against mode base, as the report writes it. */
static void cost_cell(const run_result *r, uint32_t i, uint32_t base, const char *flag, char *buf,
                      size_t n) {
  char cost[32];
  double v = r->modes[i].cost_usd_month, b = r->modes[base].cost_usd_month;
  report_format_value(cost, sizeof cost, v);
  if (flag)
    snprintf(buf, n, "%s (%s)", cost, flag);
  else
    snprintf(buf, n, "%s (%+.1f%%)", cost, 100 * (v - b) / b);
}

/* The Verdict section leads: the overloaded ambient-waypoint with its
 * reason and bottleneck, the cheaper of the two meeting modes recommended
 * with its saving against the other, the overloaded mode never compared
 * and flagged instead of given a delta in the summary. */
static void test_report_verdict(void **state) {
  rt *t = *state;
  const run_result *r = &t->run;
  assert_int_equal(r->modes[0].verdict.status, RESULT_MEETS);
  assert_int_equal(r->modes[1].verdict.status, RESULT_MEETS);
  assert_int_equal(r->modes[2].verdict.status, RESULT_OVERLOADED);
  report_options opt = {.out_dir = t->s.out, .batch_id = t->batch, .gnuplot = "/nonexistent"};
  report_info info;
  assert_int_equal(report_write(t->s.d, &opt, &info), 0);
  char *md = read_out(t, "report.md");

  /* First section, before the provenance and the summary. */
  const char *verdict = strstr(md, "## Verdict");
  assert_non_null(verdict);
  assert_true(verdict < strstr(md, "## Provenance"));
  assert_true(verdict < strstr(md, "## Summary"));
  assert_ptr_equal(strstr(md, "\n## "), verdict - 1);
  char *sec = slice(md, "## Verdict", "## Provenance");
  assert_contains(sec, "Objective: p99 at most 100 ms, at most 0.5% of requests failing");
  assert_contains(sec, "| sidecar | meets | - | - |");
  assert_contains(sec, "| ambient | meets | - | - |");
  char row[512];
  snprintf(
      row, sizeof row,
      "| ambient-waypoint | overloaded | waypoint \"shop/waypoint#0\" on node node-2 at %.0f%% "
      "utilisation (\\>= 95%%)",
      100 * r->modes[2].busiest.utilisation);
  assert_contains(sec, row);
  assert_contains(sec, "3 requests still in flight when the drain ended | `shop/waypoint#0` |");

  /* The recommendation: the cheaper meeting mode, computed here. */
  uint32_t best = r->modes[0].cost_usd_month <= r->modes[1].cost_usd_month ? 0 : 1;
  uint32_t other = 1 - best;
  char want[256], diff[64], pct[32];
  snprintf(want, sizeof want, "Recommendation: `%s`, the cheapest mesh mode",
           mesh_mode_name(r->modes[best].mode));
  assert_contains(sec, want);
  assert_int_equal(r->recommendation.mode, r->modes[best].mode);
  /* Its saving in node cost and reserved cost against the other. */
  double v = r->modes[best].cost_usd_month, b = r->modes[other].cost_usd_month;
  double rv = r->modes[best].cost_reserved_usd_month, rb = r->modes[other].cost_reserved_usd_month;
  char rdiff[64], rpct[32];
  report_format_value(diff, sizeof diff, v - b);
  snprintf(pct, sizeof pct, "%+.1f%%", 100 * (v - b) / b);
  report_format_value(rdiff, sizeof rdiff, rv - rb);
  snprintf(rpct, sizeof rpct, "%+.1f%%", 100 * (rv - rb) / rb);
  snprintf(want, sizeof want, "| %s | %s%s (%s) | %s%s (%s) |",
           mesh_mode_name(r->modes[other].mode), v > b ? "+" : "", diff, pct, rv > rb ? "+" : "",
           rdiff, rpct);
  assert_contains(sec, want);
  /* The overloaded mode has no row of savings, only a mention. */
  char *savings = slice(sec, "Recommendation:", "Not compared");
  assert_null(strstr(savings, "| ambient-waypoint |"));
  free(savings);
  assert_contains(sec, "Not compared, since they do not meet the objective: `ambient-waypoint` "
                       "(overloaded).");
  free(sec);

  /* The summary: a status, never a delta, for the overloaded mode. */
  char *summary = slice(md, "## Summary", "## CPU and memory");
  char cell[96], base[32], amb[96], wp[96], line[400];
  report_format_value(base, sizeof base, r->modes[0].cost_usd_month);
  cost_cell(r, 1, 0, NULL, amb, sizeof amb); /* ambient meets: its delta stays */
  cost_cell(r, 2, 0, "overloaded", wp, sizeof wp);
  snprintf(line, sizeof line, "| cost, nodes needed (USD per month) | %s | %s | %s |\n", base, amb,
           wp);
  assert_contains(summary, line);
  assert_contains(summary, "shows its status (misses, overloaded) in parentheses instead");
  assert_null(strstr(summary, "The baseline"));
  free(summary);
  free(md);

  /* The overloaded mode as the baseline: said so above the summary. */
  opt.baseline = "ambient-waypoint";
  assert_int_equal(report_write(t->s.d, &opt, &info), 0);
  md = read_out(t, "report.md");
  summary = slice(md, "## Summary", "## CPU and memory");
  assert_contains(summary, "The baseline `ambient-waypoint` itself is overloaded and misses the "
                           "objective (waypoint");
  free(summary);
  free(md);

  /* At the 0.1% budget no mode meets: no recommendation, no delta at all. */
  fixture_opts o = fixture_defaults();
  run_result none;
  fixture_run(&none, &o);
  snprintf(none.started_at, sizeof none.started_at, "2026-02-03T04:05:06Z"); /* a new batch */
  judge_with_budget(&none, 0.001);
  md = report_md_of(t, &none);
  sec = slice(md, "## Verdict", "## Provenance");
  assert_contains(sec, "| sidecar | misses | errors 0.2% \\> 0.1% budget | - |");
  assert_contains(sec, "No mesh mode meets the objective, so there is no recommendation");
  assert_null(strstr(sec, "Recommendation:"));
  free(sec);
  summary = slice(md, "## Summary", "## CPU and memory");
  assert_contains(summary, "The baseline `sidecar` itself misses the objective (errors 0.2%");
  static const char *const deltas[] = {"(+", "(-", "(=)", "(~0%)"};
  for (size_t i = 0; i < N_ELEMS(deltas); i++) /* no change against the baseline anywhere */
    if (strstr(summary, deltas[i]))
      fail_msg("the summary shows a change \"%s\" although no mode meets", deltas[i]);
  cost_cell(&none, 1, 0, "misses", cell, sizeof cell);
  assert_contains(summary, cell);
  free(summary);
  free(md);
  run_result_release(&none);

  /* Two meeting modes 0.005% apart in cost: a tie (simulation noise), so
   * the one that reserves less is recommended although it costs a hair
   * more, and the report says what decided; 0.05% apart is no tie. */
  static const double apart[] = {5e-5, 5e-4};
  for (size_t i = 0; i < N_ELEMS(apart); i++) {
    run_result tie;
    fixture_run(&tie, &o);
    snprintf(tie.started_at, sizeof tie.started_at, "2026-02-03T04:05:%02zuZ", 10 + i);
    tie.modes[1].cost_usd_month = tie.modes[0].cost_usd_month * (1 + apart[i]);
    tie.modes[1].cost_reserved_usd_month = tie.modes[0].cost_reserved_usd_month - 1;
    judge_with_budget(&tie, 0.005);
    assert_int_equal(tie.recommendation.mode, tie.modes[i == 0 ? 1 : 0].mode);
    md = report_md_of(t, &tie);
    sec = slice(md, "## Verdict", "## Provenance");
    snprintf(want, sizeof want,
             "`%s` costs the same (within 0.01%%, which is simulation noise); the lower "
             "reserved capacity decides.",
             mesh_mode_name(tie.modes[0].mode));
    if (i == 0)
      assert_contains(sec, want);
    else
      assert_null(strstr(sec, "costs the same"));
    free(sec);
    free(md);
    run_result_release(&tie);
  }
}

/* One mode, one replication, no series, nodes or drills, a NaN: the report
 * leaves out what has no data and says n/a for what is unknown. */
static void test_report_sparse_run(void **state) {
  rt *t = *state;
  fixture_opts o = fixture_defaults();
  o.n_modes = 1;
  o.replications = 1;
  o.n_seconds = 0;
  o.n_nodes = 0;
  o.failures = 0;
  o.variant = 40;
  run_result r;
  fixture_run(&r, &o);
  r.modes[0].throughput_rps = NAN;
  int64_t id;
  assert_int_equal(db_write_run(t->s.d, &r, &id), 0);
  report_options opt = {.out_dir = t->s.out, .batch_id = id};
  report_info info;
  int rc = report_write(t->s.d, &opt, &info);
  if (rc != 0)
    fail_msg("report_write: %s", info.error);
  /* cpu, memory, mesh, latency cdf + quantiles, cost, blast */
  assert_int_equal(info.charts_planned, 7);
  assert_int_equal(info.charts_written, fixture_have_gnuplot() ? 7 : 0);
  char *md = read_out(t, "report.md");
  assert_contains(md, "| throughput (requests/s) | n/a |");
  assert_contains(md, "Seed 47, 1 replication,");
  assert_null(strstr(md, "## Over time"));
  assert_null(strstr(md, "## Nodes"));
  assert_null(strstr(md, "## Failure drills"));
  assert_null(strstr(md, "series_waypoints")); /* no series, no waypoint chart */
  const char *row = strstr(md, "| latency p99 (ms) |");
  assert_non_null(row);
  const char *eol = strchr(row, '\n');
  const char *pm = strstr(row, "±");
  assert_true(eol && (!pm || pm > eol)); /* no interval from one replication */
  free(md);
  run_result_release(&r);
}

/* ---- the charts' scripts and data (written with or without gnuplot) ---- */

/* The "set yrange [lo:hi]" of a script; fails when it has none. */
static void gp_yrange(const char *gp, double *lo, double *hi) {
  const char *p = strstr(gp, "set yrange [");
  if (!p || sscanf(p, "set yrange [%lf:%lf]", lo, hi) != 2)
    fail_msg("no numeric yrange in:\n%s", gp);
}

/* The number after `key` ("dt ", "pt ") in the line of the plot command
 * that draws block `index` of the .dat; -1 when absent. */
static int gp_curve_style(const char *gp, int index, const char *key) {
  char at[32];
  snprintf(at, sizeof at, "index %d using", index);
  const char *p = strstr(gp, at);
  if (!p)
    return -1;
  const char *eol = strchr(p, '\n');
  const char *k = strstr(p, key);
  return k && (!eol || k < eol) ? atoi(k + strlen(key)) : -1;
}

/* Latency on a log scale with the objective drawn: the quantile bars'
 * axis is logarithmic and spans every bar and the objective's line, whose
 * label names the stored quantile and latency; a mode whose latency
 * collapsed (seconds) stays on the chart without flattening the others;
 * the CDF has a log latency axis, the objective as a vertical line, and a
 * dash type and marker of its own per mode. Without a stored objective
 * (an old database) no line is drawn. */
static void test_report_latency_charts(void **state) {
  rt *t = *state;
  static const struct {
    double slo_ms, quantile, collapsed_p99; /* collapsed: ambient's p99.9 and p99 (0: as is) */
    const char *label;
  } cases[] = {
      {100, 0.99, 0, "set label 1 'objective: p99 at most 100 ms'"},
      {250, 0.999, 5000, "set label 1 'objective: p99.9 at most 250 ms'"},
      {NAN, 0.99, 0, NULL},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    fixture_opts o = fixture_defaults();
    o.variant = 50 + (uint32_t)i;
    run_result r;
    fixture_run(&r, &o);
    r.slo_ms = cases[i].slo_ms;
    r.objective_quantile = cases[i].quantile;
    if (cases[i].collapsed_p99 > 0) {
      r.modes[1].latency.p99_ms = cases[i].collapsed_p99;
      r.modes[1].latency.p999_ms = 1.2 * cases[i].collapsed_p99;
    }
    free(report_md_of(t, &r));
    char *gp = read_out(t, "charts/latency_quantiles.gp");
    assert_contains(gp, "set logscale y 10\n");
    assert_null(strstr(gp, "set yrange [0:")); /* a log axis cannot start at 0 */
    double lo, hi, min = INFINITY, max = 0;
    gp_yrange(gp, &lo, &hi);
    for (uint32_t m = 0; m < r.n_modes; m++) {
      const result_latency *l = &r.modes[m].latency;
      min = fmin(min, fmin(l->p50_ms, l->p50_ci.n >= 2 ? l->p50_ci.lo : l->p50_ms));
      max = fmax(max, fmax(l->p999_ms, l->p999_ci.n >= 2 ? l->p999_ci.hi : l->p999_ms));
    }
    if (!(lo > 0 && lo < min && hi > max))
      fail_msg("case %zu: yrange [%g:%g] does not hold the bars [%g, %g]", i, lo, hi, min, max);
    char *cdf = read_out(t, "charts/latency_cdf.gp");
    assert_contains(cdf, "set logscale x 10\n");
    if (cases[i].label) {
      char line[160];
      snprintf(line, sizeof line, "set arrow 1 from graph 0, first %g to graph 1, first %g nohead",
               cases[i].slo_ms, cases[i].slo_ms);
      assert_contains(gp, line);
      assert_contains(gp, cases[i].label);
      if (!(lo < cases[i].slo_ms && hi > cases[i].slo_ms))
        fail_msg("case %zu: the objective %g ms is off the axis [%g:%g]", i, cases[i].slo_ms, lo,
                 hi);
      snprintf(line, sizeof line, "set arrow 1 from first %g, graph 0 to first %g, graph 1 nohead",
               cases[i].slo_ms, cases[i].slo_ms);
      assert_contains(cdf, line);
      assert_contains(cdf, cases[i].label);
    } else {
      assert_null(strstr(gp, "set arrow"));
      assert_null(strstr(gp, "objective"));
      assert_null(strstr(cdf, "set arrow"));
    }
    /* Each mode's curve: its own dash type and marker. */
    for (uint32_t a = 0; a < r.n_modes; a++) {
      int dt = gp_curve_style(cdf, (int)a, "dt "), pt = gp_curve_style(cdf, (int)a, "pt ");
      if (dt < 0 || pt < 0)
        fail_msg("case %zu: the CDF of mode %u has no dash type or marker:\n%s", i, a, cdf);
      for (uint32_t b = 0; b < a; b++)
        if (dt == gp_curve_style(cdf, (int)b, "dt ") || pt == gp_curve_style(cdf, (int)b, "pt "))
          fail_msg("case %zu: the CDFs of modes %u and %u look alike:\n%s", i, b, a, cdf);
    }
    free(gp);
    free(cdf);
    run_result_release(&r);
  }
}

/* The mesh-only chart: per mode, the CPU and memory of the mesh's kinds
 * (sidecar, ztunnel, waypoint, control plane), no application, used and
 * reserved, each bar labelled with its total. */
static void test_report_mesh_chart(void **state) {
  rt *t = *state;
  report_options opt = {.out_dir = t->s.out, .batch_id = t->batch, .gnuplot = "/nonexistent"};
  report_info info;
  assert_int_equal(report_write(t->s.d, &opt, &info), 0);
  char *dat = read_out(t, "charts/mesh_resources.dat");
  char *gp = read_out(t, "charts/mesh_resources.gp");
  const char *memory = strstr(dat, "# memory (MiB)");
  assert_non_null(memory);
  for (uint32_t i = 0; i < t->run.n_modes; i++) {
    const mode_result *m = &t->run.modes[i];
    for (int memory_block = 0; memory_block < 2; memory_block++)
      for (int bar = 0; bar < 2; bar++) {
        double sum = 0;
        char want[256], v[32];
        int at = 0;
        at += snprintf(want, sizeof want, "%g ", i + (bar ? 0.2 : -0.2));
        for (int k = MESH_KIND_SIDECAR; k <= MESH_KIND_CONTROL_PLANE; k++) {
          const result_kind_usage *u = &m->kind[k];
          double x = memory_block ? (bar ? u->reserved_mem_mib : u->mem_mib_mean)
                                  : (bar ? u->reserved_cpu_cores : u->cpu_cores_mean);
          sum += x;
        }
        report_format_value(v, sizeof v, sum);
        snprintf(want + at, sizeof want - (size_t)at, "\"%s\"", v);
        const char *row = strstr(memory_block ? memory : dat, want);
        if (!row || (!memory_block && row > memory))
          fail_msg("mode %u, %s %s: no row \"%s\" in\n%s", i, memory_block ? "memory" : "CPU",
                   bar ? "reserved" : "used", want, dat);
        /* x, label and the four mesh kinds: no application column */
        int fields = 0;
        for (const char *p = row; *p && *p != '\n'; p++)
          fields += (p == row || p[-1] == ' ') && *p != ' ';
        assert_int_equal(fields, 6);
      }
  }
  assert_contains(gp, "set multiplot");
  assert_contains(gp, "'mesh_resources.dat' index 1 using 1:($3+$4+$5+$6):2 with labels");
  free(dat);
  free(gp);
}

/* The blast-radius chart: horizontal bars (the mode and kind names on the
 * y axis, where they have room), the clear-text services and the request
 * share plotted beside the counts. */
static void test_report_blast_chart(void **state) {
  rt *t = *state;
  report_options opt = {.out_dir = t->s.out, .batch_id = t->batch, .gnuplot = "/nonexistent"};
  report_info info;
  assert_int_equal(report_write(t->s.d, &opt, &info), 0);
  char *gp = read_out(t, "charts/blast.gp");
  char *dat = read_out(t, "charts/blast.dat");
  assert_contains(gp, "with boxxyerror");
  assert_null(strstr(gp, "with boxes")); /* every bar horizontal */
  assert_null(strstr(gp, "xtic("));      /* no names under the x axis */
  assert_null(strstr(gp, "histogram"));
  assert_contains(gp, "set ytics ('sidecar: sidecar' 0, 'ambient: ztunnel' 1, "
                      "'ambient-waypoint: ztunnel' 2, 'ambient-waypoint: waypoint' 3)");
  assert_contains(gp, "title 'clear-text L7 services'");
  assert_contains(gp, "set xlabel 'share of external requests (%)'");
  assert_contains(gp, "using (0):($1 - 0.2):(0):8:($1 - 0.4):($1) with boxxyerror");
  assert_contains(gp, "using (0):($1 + 0.2):(0):9:($1):($1 + 0.4) with boxxyerror");
  /* ambient's ztunnel: pods 9, services 7, namespaces 3, tenants 2, identities 6, at most 2
   * services in clear text (ztunnel-2), 75% of requests at most, 40% on average */
  assert_contains(dat, "\n1 9 7 3 2 6 2 75 40\n");
  /* ambient-waypoint's waypoint: no waypoint instance stored, so no clear-text count */
  assert_contains(dat, "\n3 14 7 3 2 6 NaN 75 40\n");
  free(gp);
  free(dat);
}

/* The drills table fits a page: at most 8 columns, one row per drill and
 * mode, the rows of a drill together; below it at most two sentences, no
 * sentence per drill. */
static void test_report_drills_table(void **state) {
  rt *t = *state;
  fixture_opts o = fixture_defaults();
  o.variant = 60;
  run_result r;
  fixture_run(&r, &o);
  /* A second drill in every mode, stored after the first: the table groups
   * by drill, so its rows follow all of zt-crash's. */
  for (uint32_t i = 0; i < r.n_modes; i++) {
    mode_result *m = &r.modes[i];
    result_failure *f = realloc(m->failures, 2 * sizeof *f);
    assert_non_null(f);
    m->failures = f;
    f[1] = f[0];
    f[1].error_rate = calloc(f[0].n_seconds, sizeof(double));
    memcpy(f[1].error_rate, f[0].error_rate, f[0].n_seconds * sizeof(double));
    snprintf(f[1].name, sizeof f[1].name, "node-crash");
    snprintf(f[1].component, sizeof f[1].component, "node");
    m->n_failures = 2;
  }
  char *md = report_md_of(t, &r);
  char *sec = slice(md, "## Failure drills", "\n## ");
  const char *head = strstr(sec, "\n| drill |");
  assert_non_null(head);
  int cols = 0;
  for (const char *p = head + 1; *p && *p != '\n'; p++)
    cols += *p == '|';
  cols -= 1;
  if (cols > 8)
    fail_msg("the drills table has %d columns, at most 8 fit a page", cols);
  /* every row as wide as the head; zt-crash's rows before node-crash's */
  int rows = 0, seen_node = 0;
  for (const char *p = strstr(head + 1, "\n| "); p; p = strstr(p + 1, "\n| ")) {
    if (p[3] == ':') /* the alignment row */
      continue;
    int c = 0;
    const char *eol = strchr(p + 1, '\n');
    for (const char *q = p + 1; q < eol; q++)
      c += *q == '|';
    assert_int_equal(c - 1, cols);
    if (strncmp(p, "\n| `node-crash`", 15) == 0)
      seen_node = 1;
    else if (strncmp(p, "\n| `zt-crash`", 13) == 0 && seen_node)
      fail_msg("the rows of drill zt-crash are not together:\n%s", sec);
    rows++;
  }
  assert_int_equal(rows, 2 * 3);
  assert_null(strstr(sec, "\n- ")); /* no list of sentences */
  /* the text after the table: one paragraph of at most two sentences */
  const char *table_end = strrchr(sec, '|');
  assert_non_null(table_end);
  const char *summary = table_end + 2;
  int sentences = 0;
  for (const char *p = summary; *p; p++)
    sentences += *p == '.' && (p[1] == ' ' || p[1] == '\n' || p[1] == '\0');
  if (sentences < 1 || sentences > 2)
    fail_msg("%d sentences under the drills table:\n%s", sentences, summary);
  char want[160];
  snprintf(want, sizeof want, "Most failed requests: `zt-crash` in `ambient-waypoint`, %llu",
           (unsigned long long)r.modes[2].failures[0].failed_requests);
  assert_contains(summary, want);
  free(sec);
  free(md);
  run_result_release(&r);
}

/* The Verdict's blast-radius sentence: the proxy instance with the largest
 * radius among the modes that meet the objective - not the overloaded
 * mode's larger one, not the control plane (every mode's, and in no
 * request's path) - and the recommended mode's own. */
static void test_report_verdict_blast(void **state) {
  rt *t = *state;
  fixture_opts o = fixture_defaults();
  o.variant = 61;
  run_result r;
  fixture_run(&r, &o);
  judge_with_budget(&r, 0.005); /* sidecar and ambient meet; ambient-waypoint does not */
  assert_int_equal(r.modes[2].verdict.status, RESULT_OVERLOADED);
  /* sidecar's largest: a control plane at 100% (left out), then sidecar-1 */
  mode_result *sc = &r.modes[0];
  sc->blast_instances = realloc(sc->blast_instances, 4 * sizeof *sc->blast_instances);
  assert_non_null(sc->blast_instances);
  result_blast_instance *cp = &sc->blast_instances[3];
  *cp = sc->blast_instances[0];
  snprintf(cp->kind, sizeof cp->kind, "control-plane");
  snprintf(cp->instance, sizeof cp->instance, "istiod");
  cp->request_share = 1;
  cp->tenants = 9;
  sc->n_blast_instances = 4;
  sc->blast_instances[1].request_share = 0.55; /* sidecar-1 */
  sc->blast_instances[1].tenants = 3;
  sc->blast_instances[1].l7_services = 1;
  /* the overloaded mode's ztunnel-0 would be larger still */
  r.modes[2].blast_instances[0].request_share = 0.9;
  /* the recommendation: ambient (cheaper) */
  r.modes[1].cost_usd_month = r.modes[0].cost_usd_month - 10;
  verdict_apply(&r);
  assert_int_equal(r.recommendation.mode, MESH_MODE_AMBIENT);
  char *md = report_md_of(t, &r);
  char *sec = slice(md, "## Verdict", "## Provenance");
  const result_blast_instance *b = &sc->blast_instances[1];
  char want[512];
  snprintf(want, sizeof want,
           "Largest blast radius of a proxy among the modes that meet the objective: the sidecar "
           "of `sidecar-1` in `sidecar`, which serves %u pods of 3 tenants, sees 1 service in "
           "clear text and lies in the call tree of 55.0%% of external requests; in the "
           "recommended `ambient`, the ztunnel on `ztunnel-2`: 5 pods of 1 tenant, 30.0%% of "
           "requests.",
           b->pods);
  assert_contains(sec, want);
  free(sec);
  free(md);
  run_result_release(&r);
}

static void test_format_value(void **state) {
  (void)state;
  static const struct {
    double v;
    const char *want;
  } cases[] = {
      {0, "0"},         {0.9, "0.900"},      {1234.4, "1234"},    {123.46, "123"},
      {99.95, "100"},   {9.996, "10.0"},     {0.9996, "1.00"},    {12.345, "12.3"},
      {1.2345, "1.23"}, {0.04512, "0.0451"}, {-3.5, "-3.50"},     {2.5e-5, "2.50e-05"},
      {NAN, "n/a"},     {INFINITY, "n/a"},   {1e9, "1000000000"},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    char buf[32];
    report_format_value(buf, sizeof buf, cases[i].v);
    if (strcmp(buf, cases[i].want) != 0)
      fail_msg("%g formatted as \"%s\", want \"%s\"", cases[i].v, buf, cases[i].want);
  }
}

static int write_db(const char *path) {
  db *d;
  char err[512];
  if (db_open(path, DB_OPEN_CREATE, &d, err, sizeof err) != 0) {
    fprintf(stderr, "test_report: %s\n", err);
    return 1;
  }
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  judge_with_budget(&r, 0.005);
  int64_t id;
  int rc = db_write_run(d, &r, &id);
  if (rc < 0)
    fprintf(stderr, "test_report: %s\n", db_errmsg(d));
  run_result_release(&r);
  db_close(d);
  return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--write-db"))
    return write_db(argv[2]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_report_with_charts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_without_gnuplot, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_escapes_text, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_selection, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_verdict, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_burst_drill, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_drill_without_target, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_sparse_run, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_latency_charts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_mesh_chart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_blast_chart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_drills_table, setup, teardown),
      cmocka_unit_test_setup_teardown(test_report_verdict_blast, setup, teardown),
      cmocka_unit_test(test_format_value),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
