/* report_failures: the failure-drill section of the batch report: one
 * compact table, a row per drill and mode that ran it, grouped by drill so
 * the modes of one drill sit together; a summary of two sentences (the
 * drill that failed most requests, and what the table leaves out); a chart
 * of each drill's error rate with the outage shaded. Traffic bursts are
 * drills of component "overload": described as bursts, not as something
 * taken down. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define MAX_FAILURE_CHARTS 24

/* What a drill takes down, as a table cell names it: "waypoint", "control plane". */
static const char *component_name(const char *component) {
  if (strcmp(component, "control_plane") == 0 || strcmp(component, "istiod") == 0)
    return "control plane";
  return component;
}

/* A traffic burst: a drill of component "overload" that floods a service
 * rather than taking a component down. */
static int drill_is_burst(const result_failure *f) {
  return strcmp(f->component, "overload") == 0;
}

/* Whether a drill hit anything in this mode: has_target is false when the
 * mode has no such component (a ztunnel drill in sidecar mode); a burst
 * always has its service to flood. A drill that failed requests hit
 * something, whatever the flag says. */
static int drill_hit(const result_failure *f) {
  return f->has_target || f->failed_requests > 0;
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

/* The highest one-second error rate of drill `name` in any mode. */
static double failure_worst_peak(const run_result *r, const char *name) {
  double worst = 0;
  for (uint32_t mi = 0; mi < r->n_modes; mi++)
    for (uint32_t g = 0; g < r->modes[mi].n_failures; g++) {
      double mean, peak;
      if (strcmp(r->modes[mi].failures[g].name, name) != 0)
        continue;
      failure_rates(&r->modes[mi].failures[g], &mean, &peak);
      if (peak > worst)
        worst = peak;
    }
  return worst;
}

/* The error-rate curve (%) of drill `name` in each mode where it hit
 * something; xs[i] and ys[i] are malloc'd for the caller to free. */
static size_t failure_lines(const run_result *r, const char *name, report_line *lines, double **xs,
                            double **ys) {
  size_t nl = 0;
  for (uint32_t mi = 0; mi < r->n_modes && nl < MESH_MODE_COUNT * 4; mi++) {
    const mode_result *m = &r->modes[mi];
    for (uint32_t g = 0; g < m->n_failures; g++) {
      const result_failure *x = &m->failures[g];
      if (strcmp(x->name, name) != 0 || !x->error_rate || !x->n_seconds || !drill_hit(x))
        continue;
      xs[nl] = malloc(x->n_seconds * sizeof *xs[nl]);
      ys[nl] = malloc(x->n_seconds * sizeof *ys[nl]);
      lines[nl].title = report_mode_name(m);
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
  return nl;
}

/* The x range of drill fl's chart, zoomed on the outage: from 10 s before
 * it to 10 s after the last failure of any mode. */
static void failure_window(const run_result *r, const result_failure *fl, double *lo, double *hi) {
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
  *lo = at - 10 > 0 ? at - 10 : 0;
  *hi = until + 10 < span ? until + 10 : span;
}

/* Chart `number` (failure_NUMBER): the error rate of drill fl in each mode,
 * the outage shaded. */
static void failure_chart(report_batch *c, const result_failure *fl, int number) {
  report_line lines[MESH_MODE_COUNT * 4] = {0};
  double *xs[MESH_MODE_COUNT * 4] = {0}, *ys[MESH_MODE_COUNT * 4] = {0};
  size_t nl = failure_lines(&c->run, fl->name, lines, xs, ys);
  double lo, hi, at = isfinite(fl->at_s) ? fl->at_s : 0;
  failure_window(&c->run, fl, &lo, &hi);
  char chart[32], title[3 * RESULT_NAME_MAX], extra[384], caption[3 * RESULT_NAME_MAX];
  report_fmt(chart, sizeof chart, "failure_%d", number);
  report_fmt(title, sizeof title, "Error rate during drill '%s' (%s; shaded: while down)", fl->name,
             fl->component);
  report_fmt(extra, sizeof extra,
             "set yrange [0:*]\nset xrange [%g:%g]\n"
             "set object 1 rect from %g, graph 0 to %g, graph 1 "
             "fc rgb '#f2dede' fs solid 0.6 noborder behind\n",
             lo, hi > lo ? hi : lo + 1, at, at + (isfinite(fl->down_s) ? fl->down_s : 0));
  report_fmt(caption, sizeof caption, "Failed requests per second during drill %s (%%)", fl->name);
  report_chart_image(
      &c->doc, &c->charts, chart,
      report_chart_lines(&c->charts, chart, title, "time since the end of warm-up (s)",
                         "failed requests (% of requests in the second)", lines, nl, 0, extra),
      caption);
  for (size_t j = 0; j < nl; j++) {
    free(xs[j]);
    free(ys[j]);
  }
}

/* One chart per drill name: its error rate in each mode that ran it. A
 * drill that failed nothing in any mode gets no chart: the table and the
 * sentences already say so. */
static void failure_charts(report_batch *c) {
  const run_result *r = &c->run;
  const char *done[MAX_FAILURE_CHARTS];
  int ndone = 0, ncharts = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t f = 0; f < r->modes[i].n_failures && ndone < MAX_FAILURE_CHARTS; f++) {
      const result_failure *fl = &r->modes[i].failures[f];
      int seen = 0;
      for (int j = 0; j < ndone; j++)
        seen |= strcmp(done[j], fl->name) == 0;
      if (seen)
        continue;
      done[ndone++] = fl->name;
      if (failure_worst_peak(r, fl->name) > 0)
        failure_chart(c, fl, ++ncharts);
    }
}

/* Whether drill fl did anything in the mode: failed or slowed a request, or
 * reached a workload. */
static int drill_did_something(const result_failure *f) {
  return f->failed_requests || f->slo_violations || f->affected_pods || f->affected_services ||
         f->affected_namespaces || f->affected_tenants;
}

/* Whether drill `name` did something in any mode that ran it. */
static int drill_shows(const run_result *r, const char *name) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t f = 0; f < r->modes[i].n_failures; f++) {
      const result_failure *fl = &r->modes[i].failures[f];
      if (strcmp(fl->name, name) == 0 && drill_hit(fl) && drill_did_something(fl))
        return 1;
    }
  return 0;
}

#define FAILURE_COLS 8

/* The table row of drill fl in mode m: what, when, what it cost. */
static void failure_row(report_batch *c, const mode_result *m, const result_failure *fl) {
  double mean, peak;
  failure_rates(fl, &mean, &peak);
  char name[RESULT_NAME_MAX + 4], what[2 * RESULT_NAME_MAX + 16], code[RESULT_NAME_MAX + 2];
  char when[2 * REPORT_CELL_MAX], counts[4 * REPORT_CELL_MAX], reached[4 * REPORT_CELL_MAX];
  char during[REPORT_CELL_MAX], steady[REPORT_CELL_MAX];
  char recovery[REPORT_CELL_MAX], rate[2 * REPORT_CELL_MAX], a[REPORT_CELL_MAX], b[REPORT_CELL_MAX];
  report_fmt(name, sizeof name, "`%s`", report_code(code, sizeof code, fl->name));
  const char *comp = drill_is_burst(fl) ? "burst on" : component_name(fl->component);
  if (fl->instance[0])
    report_fmt(what, sizeof what, "%s `%s`", comp, report_code(code, sizeof code, fl->instance));
  else
    report_fmt(what, sizeof what, "%s", comp);
  double until = fl->at_s + (isfinite(fl->down_s) ? fl->down_s : 0);
  report_fmt(when, sizeof when, "%s–%s", report_num(a, sizeof a, fl->at_s),
             report_num(b, sizeof b, until));
  /* slow requests and p99 beside the same requests' in the steady state */
  int64_t added = (int64_t)fl->slo_violations - (int64_t)fl->slo_violations_steady;
  report_fmt(
      counts, sizeof counts, "%" PRIu64 " / %" PRIu64 " (%+" PRId64 ") / %s vs %s",
      fl->failed_requests, fl->slo_violations, added,
      isfinite(fl->p99_during_ms) ? report_num(during, sizeof during, fl->p99_during_ms) : "-",
      isfinite(fl->p99_steady_ms) ? report_num(steady, sizeof steady, fl->p99_steady_ms) : "-");
  report_fmt(reached, sizeof reached, "%u / %u / %u / %u", fl->affected_pods, fl->affected_services,
             fl->affected_namespaces, fl->affected_tenants);
  /* time to detect (endpoints taken out) / time to recover (last failure) */
  report_fmt(recovery, sizeof recovery, "%s / %s",
             isfinite(fl->detect_s) ? report_num(a, sizeof a, fl->detect_s) : "-",
             isfinite(fl->recovery_s) && fl->recovery_s > 0
                 ? report_num(b, sizeof b, fl->recovery_s)
                 : "-");
  if (isfinite(peak) && peak > 0)
    report_fmt(rate, sizeof rate, "%s / %s", isfinite(mean) ? report_pct(a, sizeof a, mean) : "-",
               report_pct(b, sizeof b, peak));
  else
    report_fmt(rate, sizeof rate, "%s", isfinite(peak) ? "0" : "-");
  const char *cells[FAILURE_COLS] = {
      name, report_mode_name(m), what, when, counts, reached, recovery, rate};
  report_doc_table_row(&c->doc, FAILURE_COLS, cells);
}

/* Up to `max` distinct drill names in their first order of appearance;
 * returns how many. */
static size_t drill_names(const run_result *r, const char **names, size_t max) {
  size_t n = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t f = 0; f < r->modes[i].n_failures && n < max; f++) {
      const char *name = r->modes[i].failures[f].name;
      size_t j = 0;
      while (j < n && strcmp(names[j], name) != 0)
        j++;
      if (j == n)
        names[n++] = name;
    }
  return n;
}

/* Appends "`a`, `b` and `c`"-style lists: item k of n. */
static void list_append(char *buf, size_t len, size_t k, size_t n, const char *item) {
  size_t at = strlen(buf);
  report_fmt(buf + at, len - at, "%s%s", k == 0 ? "" : k + 1 == n ? " and " : ", ", item);
}

/* The summary under the table, two sentences: the drill and modes with the
 * most failed requests; what the table leaves out (drills that did nothing
 * in any mode, and drills in modes without their component). */
static void failure_summary(report_batch *c, const char **names, size_t n_names) {
  const run_result *r = &c->run;
  const result_failure *worst = NULL;
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t f = 0; f < r->modes[i].n_failures; f++) {
      const result_failure *fl = &r->modes[i].failures[f];
      if (drill_hit(fl) && fl->failed_requests > 0 &&
          (!worst || fl->failed_requests > worst->failed_requests))
        worst = fl;
    }
  char text[RESULT_TEXT_MAX * 2] = "", modes[RESULT_TEXT_MAX] = "", code[RESULT_NAME_MAX + 2];
  if (worst) {
    /* every mode where the same drill failed as many */
    size_t n = 0, k = 0;
    for (int pass = 0; pass < 2; pass++)
      for (uint32_t i = 0; i < r->n_modes; i++)
        for (uint32_t f = 0; f < r->modes[i].n_failures; f++) {
          const result_failure *fl = &r->modes[i].failures[f];
          if (strcmp(fl->name, worst->name) != 0 || fl->failed_requests != worst->failed_requests)
            continue;
          if (pass == 0)
            n++;
          else {
            char item[RESULT_NAME_MAX + 4];
            report_fmt(item, sizeof item, "`%s`", report_mode_name(&r->modes[i]));
            list_append(modes, sizeof modes, k++, n, item);
          }
        }
    double mean, peak;
    failure_rates(worst, &mean, &peak);
    char pk[REPORT_CELL_MAX] = "";
    if (isfinite(peak) && peak > 0)
      report_fmt(pk, sizeof pk, ", up to %s of the requests of one second",
                 report_pct(text, sizeof text, peak));
    report_fmt(text, sizeof text,
               "Most failed requests: `%s` in %s, %" PRIu64 " (reaching %u tenant%s%s). ",
               report_code(code, sizeof code, worst->name), modes, worst->failed_requests,
               worst->affected_tenants, worst->affected_tenants == 1 ? "" : "s", pk);
  } else {
    report_fmt(text, sizeof text, "No drill failed a request in any mode. ");
  }
  /* what the table leaves out */
  char quiet[RESULT_TEXT_MAX] = "", absent[2 * RESULT_NAME_MAX + 32] = "";
  size_t n_quiet = 0, k = 0;
  for (size_t j = 0; j < n_names; j++)
    n_quiet += !drill_shows(r, names[j]);
  for (size_t j = 0; j < n_names; j++)
    if (!drill_shows(r, names[j])) {
      char item[RESULT_NAME_MAX + 4];
      report_fmt(item, sizeof item, "`%s`", report_code(code, sizeof code, names[j]));
      list_append(quiet, sizeof quiet, k++, n_quiet, item);
    }
  for (uint32_t i = 0; i < r->n_modes && !absent[0]; i++)
    for (uint32_t f = 0; f < r->modes[i].n_failures && !absent[0]; f++)
      if (!drill_hit(&r->modes[i].failures[f]))
        report_fmt(absent, sizeof absent, " (`%s` in `%s`)",
                   report_code(code, sizeof code, r->modes[i].failures[f].name),
                   report_mode_name(&r->modes[i]));
  size_t len = strlen(text);
  if (n_quiet && absent[0])
    report_fmt(text + len, sizeof text - len,
               "Not in the table: %s, which failed, slowed and reached nothing in any mode, and "
               "each drill in the modes without its component%s.",
               quiet, absent);
  else if (n_quiet)
    report_fmt(text + len, sizeof text - len,
               "Not in the table: %s, which failed, slowed and reached nothing in any mode.",
               quiet);
  else if (absent[0])
    report_fmt(text + len, sizeof text - len,
               "Not in the table: each drill in the modes without its component%s.", absent);
  report_doc_para(&c->doc, "%s", text);
}

#define MAX_DRILLS 64

void report_failures_section(report_batch *c) {
  const run_result *r = &c->run;
  const char *names[MAX_DRILLS];
  size_t n_names = drill_names(r, names, MAX_DRILLS);
  if (n_names == 0)
    return;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Failure drills");
  char slo[REPORT_CELL_MAX];
  report_slo_phrase(r, slo, sizeof slo);
  report_doc_para(doc,
                  "One row per drill and mode that ran it; traffic bursts are drills of "
                  "component `overload`. Times in seconds after the warm-up; failed and slow "
                  "(%s) requests: means over replications, with (in brackets) how many more "
                  "were slow than the same requests in the steady state; p99 (ms) of the "
                  "requests arriving during the drill against the same requests' p99 in the "
                  "steady state (a burst's: against the whole window); reached: the pods / "
                  "services / "
                  "namespaces / tenants of the failed calls (the most in any replication); "
                  "detected: when Kubernetes took the dead endpoints out of their services "
                  "(`-`: never while down: a ztunnel's pods stay ready); failing for: from the "
                  "start to the last failed (bursts: slow) request; error "
                  "rate (first replication): mean while down / worst second.",
                  slo);
  size_t rows = 0;
  for (size_t j = 0; j < n_names; j++) {
    if (!drill_shows(r, names[j]))
      continue;
    for (uint32_t i = 0; i < r->n_modes; i++)
      for (uint32_t f = 0; f < r->modes[i].n_failures; f++) {
        const result_failure *fl = &r->modes[i].failures[f];
        if (strcmp(fl->name, names[j]) != 0 || !drill_hit(fl))
          continue;
        if (rows++ == 0) {
          static const char *const head[FAILURE_COLS] = {
              "drill",
              "mode",
              "taken down",
              "when (s)",
              "failed / slow (+drill) / p99 vs steady",
              "reached: pods / services / namespaces / tenants",
              "detected / failing for (s)",
              "error rate: mean / peak"};
          report_doc_table_begin(doc, FAILURE_COLS, head, "lllrrrrr");
        }
        failure_row(c, &r->modes[i], fl);
      }
  }
  if (rows)
    report_doc_table_end(doc);
  failure_summary(c, names, n_names);
  failure_charts(c);
}
