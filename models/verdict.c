/* verdict: a mode against its objective, and the recommendation; the
 * formula and the thresholds are in verdict.h. */
#include "verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {"meets", "misses", "overloaded"};

const char *verdict_status_name(result_status s) {
  return (unsigned)s < 3 ? status_names[s] : "?";
}

int verdict_status_from_name(const char *name) {
  for (int i = 0; i < 3; i++)
    if (strcmp(status_names[i], name) == 0)
      return i;
  return -1;
}

/* The quantiles result_latency keeps, with their names. */
static const struct {
  double q;
  const char *name;
} percentiles[] = {{0.5, "p50"}, {0.9, "p90"}, {0.99, "p99"}, {0.999, "p99.9"}};

static size_t percentile_index(double q) {
  size_t best = 0;
  for (size_t i = 1; i < sizeof percentiles / sizeof percentiles[0]; i++)
    if (fabs(percentiles[i].q - q) < fabs(percentiles[best].q - q))
      best = i;
  return best;
}

const char *verdict_percentile_name(double q) {
  return percentiles[percentile_index(q)].name;
}

double verdict_latency_at(const result_latency *l, double q) {
  const double v[] = {l->p50_ms, l->p90_ms, l->p99_ms, l->p999_ms};
  return v[percentile_index(q)];
}

verdict_objective verdict_objective_of(const run_result *r) {
  verdict_objective o = {r->slo_ms, r->objective_quantile, r->error_budget};
  return o;
}

/* A latency in ms as reasons print it: 4 significant digits, whole
 * milliseconds from 1 s up ("212.3", "15401", never "1.54e+04"). */
static const char *fmt_ms(char *buf, size_t len, double ms) {
  snprintf(buf, len, ms >= 1000 ? "%.0f" : "%.4g", ms);
  return buf;
}

static void add_reason(result_verdict *v, const char *fmt, ...) {
  if (v->n_reasons >= RESULT_REASONS_MAX)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->reasons[v->n_reasons++], RESULT_REASON_LEN, fmt, ap);
  va_end(ap);
}

/* ": 120 timed out, 3 refused" for the causes that failed requests, or "". */
static void verdict_causes(const result_errors *e, char *buf, size_t n) {
  const struct {
    uint64_t v;
    const char *what;
  } parts[] = {{e->timeout, "timed out"}, {e->rejected, "refused"}, {e->outage, "hit an outage"}};
  size_t k = 0;
  for (size_t i = 0; i < sizeof parts / sizeof parts[0] && k < n; i++)
    if (parts[i].v > 0)
      k += (size_t)snprintf(buf + k, n - k, "%s%llu %s", k ? ", " : ": ",
                            (unsigned long long)parts[i].v, parts[i].what);
}

void verdict_decide(const verdict_objective *o, const mode_result *m, result_verdict *out) {
  memset(out, 0, sizeof *out);
  const result_station *b = &m->busiest;
  bool saturated = b->instance[0] && b->utilisation >= VERDICT_UTILISATION_MAX;
  if (saturated)
    add_reason(out, "%s \"%s\" on node %s at %.0f%% utilisation (>= %.0f%%)", b->kind, b->instance,
               b->node, 100 * b->utilisation, 100 * VERDICT_UTILISATION_MAX);
  if (m->unfinished > 0)
    add_reason(out, "%llu request%s still in flight when the drain ended",
               (unsigned long long)m->unfinished, m->unfinished == 1 ? "" : "s");
  bool overloaded = out->n_reasons > 0;
  double lat = verdict_latency_at(&m->latency, o->quantile);
  bool slow = lat > o->latency_ms;
  char a[32], b2[32];
  if (slow)
    add_reason(out, "%s %s ms > %s ms objective", verdict_percentile_name(o->quantile),
               fmt_ms(a, sizeof a, lat), fmt_ms(b2, sizeof b2, o->latency_ms));
  /* requests counts the ones that succeeded, errors the ones that failed */
  uint64_t all = m->requests + m->errors;
  double rate = all ? (double)m->errors / (double)all : 0;
  bool failing = rate > o->error_budget;
  if (failing) {
    char why[96] = "";
    verdict_causes(&m->error_causes, why, sizeof why);
    add_reason(out, "errors %.3g%% > %.3g%% budget%s", 100 * rate, 100 * o->error_budget, why);
  }
  if (m->requests == 0 && m->errors > 0)
    add_reason(out, "no request succeeded");
  out->status = overloaded ? RESULT_OVERLOADED : slow || failing ? RESULT_MISSES : RESULT_MEETS;
  bool hot = b->instance[0] && b->utilisation >= VERDICT_UTILISATION_HOT;
  if (overloaded || (out->status == RESULT_MISSES && hot))
    snprintf(out->bottleneck, sizeof out->bottleneck, "%s", b->instance);
}

/* a costs the same as b within VERDICT_TIE (verdict.h). */
static bool same_cost(const mode_result *a, const mode_result *b) {
  double x = a->cost_usd_month, y = b->cost_usd_month;
  return fabs(x - y) <= VERDICT_TIE * fmax(fabs(x), fabs(y));
}

verdict_tie_break verdict_tie_lost(const mode_result *best, const mode_result *m) {
  if (m == best || m->mode == MESH_MODE_NONE || m->verdict.status != RESULT_MEETS ||
      !same_cost(m, best))
    return VERDICT_NOT_TIED;
  if (best->cost_reserved_usd_month < m->cost_reserved_usd_month)
    return VERDICT_TIED_RESERVED;
  /* m reserving less yet losing took a chain of near ties: say nothing
   * rather than something false. */
  return best->cost_reserved_usd_month == m->cost_reserved_usd_month ? VERDICT_TIED_ORDER
                                                                     : VERDICT_NOT_TIED;
}

/* a is cheaper than b: cost beyond the tie, then reserved cost (order
 * decides the rest). */
static bool cheaper(const mode_result *a, const mode_result *b) {
  if (!same_cost(a, b))
    return a->cost_usd_month < b->cost_usd_month;
  return a->cost_reserved_usd_month < b->cost_reserved_usd_month;
}

/* "; sidecar misses (p99 212 ms > 100 ms objective)" for each mesh mode. */
static void why_none(const run_result *r, char *buf, size_t len) {
  size_t at = strlen(buf);
  for (uint32_t i = 0; i < r->n_modes && at < len; i++) {
    const mode_result *m = &r->modes[i];
    if (m->mode == MESH_MODE_NONE)
      continue;
    int n = snprintf(buf + at, len - at, "; %s %s%s%s%s", mode_result_name(m),
                     m->verdict.status == RESULT_OVERLOADED ? "is overloaded" : "misses",
                     m->verdict.n_reasons ? " (" : "",
                     m->verdict.n_reasons ? m->verdict.reasons[0] : "",
                     m->verdict.n_reasons ? ")" : "");
    at = n < 0 ? len : at + (size_t)n;
  }
}

void verdict_recommend(const run_result *r, result_recommendation *out) {
  memset(out, 0, sizeof *out);
  const mode_result *best = NULL;
  uint32_t mesh_modes = 0, meeting = 0;
  for (uint32_t i = 0; i < r->n_modes; i++) {
    const mode_result *m = &r->modes[i];
    if (m->mode == MESH_MODE_NONE)
      continue;
    mesh_modes++;
    if (m->verdict.status != RESULT_MEETS)
      continue;
    meeting++;
    if (best == NULL || cheaper(m, best))
      best = m;
  }
  char objective[96], ms[32];
  snprintf(objective, sizeof objective, "%s <= %s ms and errors <= %.3g%%",
           verdict_percentile_name(r->objective_quantile), fmt_ms(ms, sizeof ms, r->slo_ms),
           100 * r->error_budget);
  if (best != NULL) {
    out->has_mode = true;
    out->mode = best->mode;
    snprintf(out->name, sizeof out->name, "%s", mode_result_name(best));
    int n = snprintf(out->why, sizeof out->why,
                     "%.2f USD/month, the cheapest of %u mesh mode%s meeting %s (%u simulated)",
                     best->cost_usd_month, meeting, meeting == 1 ? "" : "s", objective, mesh_modes);
    /* Name the modes it won a tie against, so the reader sees why. */
    for (uint32_t i = 0; i < r->n_modes && n >= 0 && (size_t)n < sizeof out->why; i++) {
      const mode_result *m = &r->modes[i];
      verdict_tie_break tie = verdict_tie_lost(best, m);
      if (tie == VERDICT_NOT_TIED)
        continue;
      const char *same = m->cost_usd_month == best->cost_usd_month ? "" : " within noise";
      int k = tie == VERDICT_TIED_RESERVED
                  ? snprintf(out->why + n, sizeof out->why - (size_t)n,
                             "; %s costs the same%s (%.2f), %s reserves less (%.2f against "
                             "%.2f USD/month)",
                             mode_result_name(m), same, m->cost_usd_month, mode_result_name(best),
                             best->cost_reserved_usd_month, m->cost_reserved_usd_month)
                  : snprintf(out->why + n, sizeof out->why - (size_t)n,
                             "; %s costs and reserves the same%s, %s comes first in the modes",
                             mode_result_name(m), same, mode_result_name(best));
      if (k < 0)
        break;
      n += k;
    }
  } else if (mesh_modes == 0) {
    snprintf(out->why, sizeof out->why, "no mesh mode was simulated (modes: none only)");
  } else {
    snprintf(out->why, sizeof out->why, "no mesh mode meets %s", objective);
    why_none(r, out->why, sizeof out->why);
  }
}

void verdict_apply(run_result *r) {
  verdict_objective o = verdict_objective_of(r);
  for (uint32_t i = 0; i < r->n_modes; i++)
    verdict_decide(&o, &r->modes[i], &r->modes[i].verdict);
  verdict_recommend(r, &r->recommendation);
}
