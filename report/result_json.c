/* result_json: the --json document; see result_json.h. A mode's figures are
 * the metrics with a JSON part (metric.h). */
#include "result_json.h"

#include <math.h>
#include <string.h>

#include "metric.h"
#include "result_capacity.h"
#include "result_namespaces.h"
#include "verdict.h"

void result_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(out, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(out, "\\u%04x", *p);
    else
      fputc(*p, out);
  }
  fputc('"', out);
}

static void json_num(FILE *out, double v) {
  if (isfinite(v))
    fprintf(out, "%.9g", v);
  else
    fputs("null", out);
}

static void json_key_num(FILE *out, const char *key, double v, int comma) {
  fprintf(out, "\"%s\": ", key);
  json_num(out, v);
  if (comma)
    fputs(", ", out);
}

static void json_key_str(FILE *out, const char *key, const char *s, int comma) {
  fprintf(out, "\"%s\": ", key);
  result_json_string(out, s);
  if (comma)
    fputs(", ", out);
}

static void json_blast(FILE *out, const mode_result *m) {
  fputs(", \"blast_radius\": {", out);
  int first = 1;
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (!m->has_blast[k])
      continue;
    const result_blast *b = &m->blast[k];
    fprintf(out, "%s\"%s\": {\"instances\": %u, \"pods_max\": %u, ", first ? "" : ", ",
            mesh_proxy_kind_name((mesh_proxy_kind)k), b->instances, b->pods_max);
    json_key_num(out, "pods_mean", b->pods_mean, 1);
    fprintf(out,
            "\"services_max\": %u, \"namespaces_max\": %u, \"tenants_max\": %u, "
            "\"identities_max\": %u, ",
            b->services_max, b->namespaces_max, b->tenants_max, b->identities_max);
    json_key_num(out, "request_share_max", b->request_share_max, 1);
    json_key_num(out, "request_share_mean", b->request_share_mean, 0);
    fputc('}', out);
    first = 0;
  }
  fputc('}', out);
}

static void json_failures(FILE *out, const mode_result *m) {
  fputs(", \"failures\": [", out);
  for (uint32_t i = 0; i < m->n_failures; i++) {
    const result_failure *f = &m->failures[i];
    fputs(i ? ", {" : "{", out);
    fputs("\"name\": ", out);
    result_json_string(out, f->name);
    fputs(", \"component\": ", out);
    result_json_string(out, f->component);
    fputs(", \"instance\": ", out);
    result_json_string(out, f->instance);
    fputs(", ", out);
    json_key_num(out, "at_s", f->at_s, 1);
    json_key_num(out, "down_s", f->down_s, 1);
    fprintf(out,
            "\"failed_requests\": %llu, \"slo_violations\": %llu, \"affected_pods\": %u, "
            "\"affected_services\": %u, \"affected_namespaces\": %u, \"affected_tenants\": %u, ",
            (unsigned long long)f->failed_requests, (unsigned long long)f->slo_violations,
            f->affected_pods, f->affected_services, f->affected_namespaces, f->affected_tenants);
    json_key_num(out, "recovery_s", f->recovery_s, 1);
    json_key_num(out, "detect_s", f->detect_s, 1);
    json_key_num(out, "p99_during_ms", f->p99_during_ms, 1);
    json_key_num(out, "p99_steady_ms", f->p99_steady_ms, 1);
    fprintf(out, "\"slo_violations_steady\": %llu}", (unsigned long long)f->slo_violations_steady);
  }
  fputc(']', out);
}

/* After the latency figures: the 95% confidence intervals of p99 and the mean. */
static void json_latency_cis(FILE *out, const result_latency *l) {
  fputs(", \"p99_ci95\": [", out);
  json_num(out, l->p99_ci.lo);
  fputs(", ", out);
  json_num(out, l->p99_ci.hi);
  fputs("], \"mean_ci95\": [", out);
  json_num(out, l->mean_ci.lo);
  fputs(", ", out);
  json_num(out, l->mean_ci.hi);
  fputc(']', out);
}

static int same_group(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* The metrics with a JSON part (metric.h) in the table's order, the
 * METRIC_JSON_LAST ones after the rest: ", key: value" each, consecutive
 * metrics of one group inside its object. */
static void json_metrics(FILE *out, const mode_result *m) {
  const char *group = NULL; /* the open object */
  for (int last = 0; last < 2; last++)
    for (size_t k = 0; k < METRIC_COUNT; k++) {
      const metric *x = &metric_table[k];
      if (!x->json.key || !(x->flags & METRIC_JSON_LAST) != !last || !METRIC_SHOWN(x, m))
        continue;
      int opens = !same_group(group, x->json.group);
      fputs(opens && group ? "}, " : ", ", out);
      if (opens && x->json.group)
        fprintf(out, "\"%s\": {", x->json.group);
      group = x->json.group;
      double v = metric_value(x, m);
      fprintf(out, "\"%s\": ", x->json.key);
      if (x->flags & METRIC_INTEGER)
        fprintf(out, "%llu", (unsigned long long)v);
      else
        json_num(out, v);
      if (x->id == METRIC_LATENCY_P999)
        json_latency_cis(out, &m->latency);
    }
  if (group)
    fputc('}', out);
}

/* A string, or null for "". */
static void json_string_or_null(FILE *out, const char *s) {
  if (s[0])
    result_json_string(out, s);
  else
    fputs("null", out);
}

/* The verdict (verdict.h) and the busiest station it names. */
static void json_verdict(FILE *out, const mode_result *m) {
  const result_verdict *v = &m->verdict;
  fputs(", \"verdict\": {\"status\": ", out);
  result_json_string(out, verdict_status_name(v->status));
  fputs(", \"reasons\": [", out);
  for (uint32_t i = 0; i < v->n_reasons; i++) {
    if (i)
      fputs(", ", out);
    result_json_string(out, v->reasons[i]);
  }
  fputs("], \"bottleneck\": ", out);
  json_string_or_null(out, v->bottleneck);
  fputs("}, \"busiest\": ", out);
  const result_station *b = &m->busiest;
  if (!b->instance[0]) {
    fputs("null", out);
    return;
  }
  fputc('{', out);
  json_key_str(out, "instance", b->instance, 1);
  json_key_str(out, "kind", b->kind, 1);
  json_key_str(out, "node", b->node, 1);
  json_key_num(out, "utilisation", b->utilisation, 0);
  fputc('}', out);
}

static void json_mode(FILE *out, const mode_result *m) {
  fputs("{\"mode\": ", out);
  result_json_string(out, mode_result_name(m));
  json_metrics(out, m);
  json_blast(out, m);
  json_failures(out, m);
  json_verdict(out, m);
  result_capacity_json(out, m);
  result_namespaces_json(out, m);
  fputc('}', out);
}

/* After the modes: the objective they were judged against and the recommendation. */
static void json_decision(FILE *out, const run_result *r) {
  fputs(", \"objective\": {", out);
  json_key_num(out, "latency_ms", r->slo_ms, 1);
  fputs("\"percentile\": ", out);
  result_json_string(out, verdict_percentile_name(r->objective_quantile));
  fputs(", ", out);
  json_key_num(out, "error_budget", r->error_budget, 0);
  fputs("}, \"recommendation\": {\"mode\": ", out);
  const result_recommendation *rec = &r->recommendation;
  json_string_or_null(out, result_recommendation_name(rec));
  fputs(", \"why\": ", out);
  result_json_string(out, rec->why);
  fputc('}', out);
}

int result_json_write(FILE *out, const run_result *r) {
  fputs("{\"scenario\": ", out);
  result_json_string(out, r->scenario);
  fprintf(out, ", \"scenario_hash\": \"%016llx\", \"seed\": %llu, \"replications\": %u, ",
          (unsigned long long)r->scenario_hash, (unsigned long long)r->seed, r->replications);
  json_key_num(out, "duration_s", r->duration_s, 1);
  json_key_num(out, "warmup_s", r->warmup_s, 1);
  json_key_num(out, "slo_ms", r->slo_ms, 1);
  fputs("\"profile\": ", out);
  result_json_string(out, r->profile);
  fputs(", \"params\": ", out);
  result_json_string(out, r->params);
  fputs(", \"version\": ", out);
  result_json_string(out, r->version);
  fputs(", \"modes\": [", out);
  for (uint32_t i = 0; i < r->n_modes; i++) {
    if (i)
      fputs(", ", out);
    json_mode(out, &r->modes[i]);
  }
  fputc(']', out);
  json_decision(out, r);
  fputs("}\n", out);
  return ferror(out) ? -1 : 0;
}
