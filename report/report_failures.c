/* report_failures: the failure-drill section of the batch report: per drill
 * and mode, what was taken down and what it cost (a table), a sentence per
 * drill, the drills that found nothing to take down in a mode, and a chart of
 * each drill's error rate with the outage shaded. Traffic bursts are drills
 * of component "overload": described as bursts, not as something taken down. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define MAX_FAILURE_CHARTS 24

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

static void failure_sentence(report_batch *c, const mode_result *m, const result_failure *f) {
  char name[RESULT_NAME_MAX + 2], inst[RESULT_NAME_MAX + 2], comp[RESULT_NAME_MAX + 2];
  char what[3 * RESULT_NAME_MAX], a[REPORT_CELL_MAX], b[REPORT_CELL_MAX], d1[REPORT_CELL_MAX],
      d2[REPORT_CELL_MAX];
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
  char failed[2 * REPORT_CELL_MAX];
  double mean, peak;
  failure_rates(f, &mean, &peak);
  const char *req = f->failed_requests == 1 ? "request" : "requests";
  if (f->failed_requests == 0)
    report_fmt(failed, sizeof failed, "no request failed");
  else if (isfinite(mean) && mean > 0)
    report_fmt(failed, sizeof failed,
               "%" PRIu64 " %s failed (a mean error rate of %s while it was down, peak %s "
               "in one second)",
               f->failed_requests, req, report_pct(a, sizeof a, mean),
               report_pct(b, sizeof b, peak));
  else
    report_fmt(failed, sizeof failed, "%" PRIu64 " %s failed", f->failed_requests, req);
  char slow[REPORT_CELL_MAX] = "", slo[REPORT_CELL_MAX];
  if (f->slo_violations)
    report_fmt(slow, sizeof slow, ", %" PRIu64 " more were %s", f->slo_violations,
               report_slo_phrase(&c->run, slo, sizeof slo));
  char affected[4 * REPORT_CELL_MAX] = "";
  if (f->affected_pods || f->affected_services || f->affected_namespaces || f->affected_tenants)
    report_fmt(affected, sizeof affected,
               ", affecting %u pod%s, %u service%s, %u namespace%s and %u tenant%s",
               f->affected_pods, f->affected_pods == 1 ? "" : "s", f->affected_services,
               f->affected_services == 1 ? "" : "s", f->affected_namespaces,
               f->affected_namespaces == 1 ? "" : "s", f->affected_tenants,
               f->affected_tenants == 1 ? "" : "s");
  else if (!f->failed_requests && !f->slo_violations)
    report_fmt(affected, sizeof affected, " and no workload was affected");
  char recovery[REPORT_CELL_MAX] = "";
  if (f->failed_requests && isfinite(f->recovery_s))
    report_fmt(recovery, sizeof recovery, "; requests kept failing for %s s after it went down",
               report_num(a, sizeof a, f->recovery_s));
  if (drill_is_burst(f)) /* nothing is taken down */
    report_doc_item(&c->doc,
                    "In `%s`, drill `%s`, a traffic burst, ran at %s s for %s s: %s%s%s%s.",
                    report_mode_name(m), report_code(name, sizeof name, f->name),
                    report_num(d1, sizeof d1, f->at_s), report_num(d2, sizeof d2, f->down_s),
                    failed, slow, affected, recovery);
  else
    report_doc_item(&c->doc, "In `%s`, drill `%s` took down %s at %s s for %s s: %s%s%s%s.",
                    report_mode_name(m), report_code(name, sizeof name, f->name), what,
                    report_num(d1, sizeof d1, f->at_s), report_num(d2, sizeof d2, f->down_s),
                    failed, slow, affected, recovery);
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

/* The table row of drill fl in mode m. */
static void failure_row(report_batch *c, const mode_result *m, const result_failure *fl) {
  double mean, peak;
  failure_rates(fl, &mean, &peak);
  char s[12][REPORT_CELL_MAX], name[RESULT_NAME_MAX + 4], inst[RESULT_NAME_MAX + 4];
  char code[RESULT_NAME_MAX + 2];
  report_fmt(name, sizeof name, "`%s`", report_code(code, sizeof code, fl->name));
  report_fmt(inst, sizeof inst, "`%s`", report_code(code, sizeof code, fl->instance));
  const char *cells[14] = {report_mode_name(m),
                           name,
                           fl->component,
                           fl->instance[0] ? inst : "",
                           report_num(s[0], REPORT_CELL_MAX, fl->at_s),
                           report_num(s[1], REPORT_CELL_MAX, fl->down_s),
                           report_count(s[2], REPORT_CELL_MAX, fl->failed_requests),
                           report_count(s[3], REPORT_CELL_MAX, fl->slo_violations),
                           report_count(s[4], REPORT_CELL_MAX, fl->affected_pods),
                           report_count(s[5], REPORT_CELL_MAX, fl->affected_services),
                           report_count(s[6], REPORT_CELL_MAX, fl->affected_namespaces),
                           report_count(s[7], REPORT_CELL_MAX, fl->affected_tenants),
                           report_num(s[8], REPORT_CELL_MAX, fl->recovery_s),
                           report_pct(s[9], REPORT_CELL_MAX, peak)};
  report_doc_table_row(&c->doc, 14, cells);
}

/* Per mode: a sentence per drill that hit something, then one sentence
 * listing the drills that found nothing to take down. */
static void failure_sentences(report_batch *c) {
  const run_result *r = &c->run;
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
      report_doc_item(&c->doc,
                      "In `%s`, drill%s %s found nothing to take down: the mode has no such "
                      "component.",
                      report_mode_name(m), n_missed == 1 ? "" : "s", missed);
  }
  report_doc_end_list(&c->doc);
}

void report_failures_section(report_batch *c) {
  const run_result *r = &c->run;
  int any = 0;
  for (uint32_t i = 0; i < r->n_modes; i++)
    any |= r->modes[i].n_failures > 0;
  if (!any)
    return;
  report_doc *doc = &c->doc;
  report_doc_heading(doc, 2, "Failure drills");
  char slo[REPORT_CELL_MAX], slow_head[REPORT_CELL_MAX];
  report_slo_phrase(r, slo, sizeof slo);
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
  for (uint32_t i = 0; i < r->n_modes; i++)
    for (uint32_t f = 0; f < r->modes[i].n_failures; f++)
      if (drill_hit(&r->modes[i].failures[f]))
        failure_row(c, &r->modes[i], &r->modes[i].failures[f]);
  report_doc_table_end(doc);
  failure_sentences(c);
  failure_charts(c);
}
