/* verdict: the decision on hand-built results (a table of cases, each with
 * the status, the first reason and the bottleneck it must give), the
 * recommendation's order, and end to end an undersized waypoint that
 * overloads ambient-waypoint while the other modes cope. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "result_json.h"
#include "result_table.h"
#include "verdict.h"

/* A mode that meets p99 <= 100 ms with no errors; cases change it. */
static mode_result healthy(mesh_mode mode) {
  mode_result m;
  memset(&m, 0, sizeof m);
  m.mode = mode;
  m.requests = 100000;
  m.latency.p50_ms = 5;
  m.latency.p90_ms = 20;
  m.latency.p99_ms = 80;
  m.latency.p999_ms = 150;
  snprintf(m.busiest.instance, sizeof m.busiest.instance, "shop/waypoint#0");
  snprintf(m.busiest.kind, sizeof m.busiest.kind, "waypoint");
  snprintf(m.busiest.node, sizeof m.busiest.node, "pool-1");
  m.busiest.utilisation = 0.5;
  return m;
}

typedef struct verdict_case {
  const char *name;
  double p99_ms, p999_ms;
  uint64_t errors, unfinished;
  double utilisation;
  double quantile, budget;
  result_status want;
  const char *want_reason; /* the first reason, NULL = none */
  const char *want_bottleneck;
} verdict_case;

static const verdict_case cases[] = {
    {"meets", 80, 150, 0, 0, 0.5, 0.99, 0.001, RESULT_MEETS, NULL, ""},
    {"meets at the budget", 100, 150, 100, 0, 0.5, 0.99, 0.001, RESULT_MEETS, NULL, ""},
    {"misses latency", 212, 300, 0, 0, 0.5, 0.99, 0.001, RESULT_MISSES,
     "p99 212 ms > 100 ms objective", ""},
    {"misses p99.9", 80, 150, 0, 0, 0.5, 0.999, 0.001, RESULT_MISSES,
     "p99.9 150 ms > 100 ms objective", ""},
    {"misses errors", 80, 150, 2300, 0, 0.5, 0.99, 0.001, RESULT_MISSES,
     "errors 2.3% > 0.1% budget", ""},
    {"misses, hot station named", 212, 300, 0, 0, 0.85, 0.99, 0.001, RESULT_MISSES,
     "p99 212 ms > 100 ms objective", "shop/waypoint#0"},
    {"overloaded station", 80, 150, 0, 0, 1.31, 0.99, 0.001, RESULT_OVERLOADED,
     "waypoint \"shop/waypoint#0\" on node pool-1 at 131% utilisation (>= 95%)", "shop/waypoint#0"},
    {"overloaded at the threshold", 80, 150, 0, 0, 0.95, 0.99, 0.001, RESULT_OVERLOADED,
     "waypoint \"shop/waypoint#0\" on node pool-1 at 95% utilisation (>= 95%)", "shop/waypoint#0"},
    {"just under the threshold", 80, 150, 0, 0, 0.949, 0.99, 0.001, RESULT_MEETS, NULL, ""},
    {"unfinished requests", 80, 150, 7, 7, 0.5, 0.99, 0.001, RESULT_OVERLOADED,
     "7 requests still in flight when the drain ended", "shop/waypoint#0"},
};

static void test_decide_table(void **state) {
  (void)state;
  int bad = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const verdict_case *c = &cases[i];
    mode_result m = healthy(MESH_MODE_AMBIENT_WAYPOINT);
    m.latency.p99_ms = c->p99_ms;
    m.latency.p999_ms = c->p999_ms;
    m.errors = c->errors;
    m.requests -= c->errors; /* 100,000 measured in all */
    m.unfinished = c->unfinished;
    m.busiest.utilisation = c->utilisation;
    verdict_objective o = {100, c->quantile, c->budget};
    result_verdict v;
    verdict_decide(&o, &m, &v);
    const char *reason = v.n_reasons ? v.reasons[0] : NULL;
    int ok = v.status == c->want && strcmp(v.bottleneck, c->want_bottleneck) == 0 &&
             (c->want_reason ? reason && strcmp(reason, c->want_reason) == 0 : reason == NULL);
    printf("%-30s want %-10s %-40s [%s]\n%-30s got  %-10s %-40s [%s]%s\n", c->name,
           verdict_status_name(c->want), c->want_reason ? c->want_reason : "-", c->want_bottleneck,
           "", verdict_status_name(v.status), reason ? reason : "-", v.bottleneck,
           ok ? "" : "  <-- MISMATCH");
    bad += !ok;
  }
  assert_int_equal(bad, 0);
}

/* An overloaded mode that also misses says both. */
static void test_overloaded_lists_every_reason(void **state) {
  (void)state;
  mode_result m = healthy(MESH_MODE_AMBIENT_WAYPOINT);
  m.busiest.utilisation = 2.0;
  m.latency.p99_ms = 10000.4;
  m.errors = 38000;
  m.requests = 62000;
  verdict_objective o = {100, 0.99, 0.001};
  result_verdict v;
  verdict_decide(&o, &m, &v);
  assert_int_equal(v.status, RESULT_OVERLOADED);
  assert_int_equal(v.n_reasons, 3);
  assert_string_equal(v.reasons[1], "p99 10000 ms > 100 ms objective");
  assert_string_equal(v.reasons[2], "errors 38% > 0.1% budget");
}

static void test_status_names(void **state) {
  (void)state;
  for (int s = RESULT_MEETS; s <= RESULT_OVERLOADED; s++)
    assert_int_equal(verdict_status_from_name(verdict_status_name((result_status)s)), s);
  assert_int_equal(verdict_status_from_name("fine"), -1);
  assert_string_equal(verdict_percentile_name(0.999), "p99.9");
  assert_string_equal(verdict_percentile_name(0.5), "p50");
}

/* The cheapest mode that meets wins; none is never recommended; a cheaper
 * mode that misses is passed over; ties, exact or within VERDICT_TIE, go to
 * the lower reserved cost. */
static void test_recommend(void **state) {
  (void)state;
  mode_result modes[4] = {healthy(MESH_MODE_NONE), healthy(MESH_MODE_SIDECAR),
                          healthy(MESH_MODE_AMBIENT), healthy(MESH_MODE_AMBIENT_WAYPOINT)};
  const double cost[4] = {50, 300, 200, 100}, reserved[4] = {10, 40, 30, 20};
  for (int i = 0; i < 4; i++) {
    modes[i].cost_usd_month = cost[i];
    modes[i].cost_reserved_usd_month = reserved[i];
  }
  modes[3].busiest.utilisation = 1.4; /* the cheapest mesh mode, overloaded */
  run_result r;
  memset(&r, 0, sizeof r);
  r.modes = modes;
  r.n_modes = 4;
  r.slo_ms = 100;
  r.objective_quantile = 0.99;
  r.error_budget = 0.001;
  verdict_apply(&r);
  assert_int_equal(modes[3].verdict.status, RESULT_OVERLOADED);
  assert_true(r.recommendation.has_mode);
  assert_int_equal(r.recommendation.mode, MESH_MODE_AMBIENT);
  printf("why: %s\n", r.recommendation.why);
  assert_non_null(strstr(r.recommendation.why, "200.00 USD/month"));
  /* Equal cost: the lower reserved cost decides. */
  modes[1].cost_usd_month = 200;
  modes[1].cost_reserved_usd_month = 25;
  verdict_apply(&r);
  assert_int_equal(r.recommendation.mode, MESH_MODE_SIDECAR);
  /* Within the tie (1e-4 of the cost) is equal cost too: 200.01 against
   * 200 is noise, and the lower reserved cost still decides, which why
   * says; 200.03 against 200 (1.5e-4) is a real difference. */
  modes[1].cost_usd_month = 200.01;
  verdict_apply(&r);
  assert_int_equal(r.recommendation.mode, MESH_MODE_SIDECAR);
  printf("why: %s\n", r.recommendation.why);
  assert_non_null(strstr(r.recommendation.why,
                         "ambient costs the same within noise (200.00), sidecar reserves less "
                         "(25.00 against 30.00 USD/month)"));
  modes[1].cost_usd_month = 200.03;
  verdict_apply(&r);
  assert_int_equal(r.recommendation.mode, MESH_MODE_AMBIENT);
  assert_null(strstr(r.recommendation.why, "within noise"));
  /* The same cost and reservations: the modes' order decides, and why says
   * so rather than claim the one reserves less. */
  modes[1].cost_usd_month = 200;
  modes[1].cost_reserved_usd_month = 30;
  verdict_apply(&r);
  assert_int_equal(r.recommendation.mode, MESH_MODE_SIDECAR);
  assert_non_null(
      strstr(r.recommendation.why,
             "; ambient costs and reserves the same, sidecar comes first in the modes"));
  modes[1].cost_reserved_usd_month = 25;
  /* No mesh mode meets: no recommendation, and why names each. */
  modes[1].latency.p99_ms = 212;
  modes[2].errors = 5000;
  verdict_apply(&r);
  assert_false(r.recommendation.has_mode);
  printf("why: %s\n", r.recommendation.why);
  assert_non_null(strstr(r.recommendation.why, "sidecar misses (p99 212 ms > 100 ms objective)"));
  assert_non_null(strstr(r.recommendation.why, "ambient-waypoint is overloaded"));
}

/* What write() prints for r, in a malloc'd string. */
static char *printed(int (*write)(FILE *, const run_result *), const run_result *r) {
  FILE *f = tmpfile();
  assert_non_null(f);
  write(f, r);
  long n = ftell(f);
  rewind(f);
  char *buf = calloc((size_t)n + 1, 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  return buf;
}

static int table_write(FILE *f, const run_result *r) {
  result_table_write(f, r);
  return 0;
}

/* The table leads with the verdicts and the recommendation, and shows no
 * difference of the overloaded mode as a saving; the JSON names the
 * bottleneck and the recommendation. */
static void check_outputs(const run_result *r) {
  char *t = printed(table_write, r);
  printf("%s", t);
  assert_non_null(strstr(t, "objective: p99 <= 100 ms, errors <= 0.1%\n"
                            "recommendation: ambient ("));
  assert_non_null(strstr(t, "\nverdict                               meets            meets"
                            "            meets       overloaded\n"));
  assert_non_null(strstr(t, "  shop/waypoint#0\n"));
  assert_non_null(strstr(t, "  ambient-waypoint overloaded: waypoint \"shop/waypoint#0\""));
  const char *delta = strstr(t, "change against none:");
  assert_non_null(delta);
  const char *cost = strstr(delta, "\ncost, nodes (USD/month)");
  assert_non_null(cost);
  const char *eol = strchr(cost + 1, '\n');
  assert_non_null(strstr(cost, "(overloaded)"));
  assert_true(strstr(cost, "(overloaded)") < eol); /* in the cost row itself */
  free(t);
  char *j = printed(result_json_write, r);
  assert_non_null(strstr(j, "\"verdict\": {\"status\": \"overloaded\", \"reasons\": [\"waypoint "
                            "\\\"shop/waypoint#0\\\" on node "));
  assert_non_null(strstr(j, "\"bottleneck\": \"shop/waypoint#0\"}"));
  assert_non_null(strstr(j, "\"recommendation\": {\"mode\": \"ambient\", \"why\": "));
  free(j);
}

/* Ambient-waypoint with one waypoint replica, held to a tenth of a core,
 * in front of an L7 service taking 3000 calls/s: about 1,700 passes/s of
 * capacity (60 us a pass, stretched 10x by the limit). Sidecars and ztunnels
 * have capacity to spare. */
static void test_undersized_waypoint(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 3, 0);
  s.meta.duration_ns = 5 * SIM_S;
  uint32_t web = fx_namespace(&s, "web", MESH_NS_AMBIENT);
  uint32_t shop = fx_namespace(&s, "shop", MESH_NS_AMBIENT_WAYPOINT);
  fx_service(&s, "front", web, 4, 2e5, 0);
  fx_service(&s, "cart", shop, 4, 3e5, 1);
  s.services[0].app_workers = 4;
  s.services[1].app_workers = 4;
  fx_call(&s, 0, 1, 1, 1.0);
  fx_traffic(&s, 0, 3000);
  s.traffic[0].timeout_ns = 1 * SIM_S; /* the client gives up after a second */
  s.mesh.proxy[MESH_PROXY_WAYPOINT].workers = 1;
  s.mesh.proxy[MESH_PROXY_WAYPOINT].limit_millicores = 100;
  s.mesh.waypoint_replicas = 1;
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                       MESH_MODE_AMBIENT_WAYPOINT};
  fx_modes(&s, modes, 4);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  for (uint32_t i = 0; i < r.n_modes; i++) {
    const mode_result *m = &r.modes[i];
    printf("%-17s %-10s busiest %s (%s on %s) at %.2f, p99 %.1f ms, errors %llu (%llu timed "
           "out), bottleneck \"%s\"\n",
           mesh_mode_name(m->mode), verdict_status_name(m->verdict.status), m->busiest.instance,
           m->busiest.kind, m->busiest.node, m->busiest.utilisation, m->latency.p99_ms,
           (unsigned long long)m->errors, (unsigned long long)m->error_causes.timeout,
           m->verdict.bottleneck);
  }
  const mode_result *aw = &r.modes[3];
  assert_int_equal(aw->verdict.status, RESULT_OVERLOADED);
  assert_string_equal(aw->verdict.bottleneck, "shop/waypoint#0");
  assert_string_equal(aw->busiest.kind, "waypoint");
  assert_true(aw->busiest.utilisation >= VERDICT_UTILISATION_MAX);
  /* Overload shows as errors, not only as a tail: the waypoint's queue
   * outgrows the client's patience. The modes that cope fail nothing. */
  assert_true(aw->errors > 0);
  assert_true(aw->error_causes.timeout > 0);
  assert_true(fabs(aw->error_causes.fail_p50_ms - 1000) < 20);
  for (int i = 0; i < 3; i++)
    assert_int_equal(r.modes[i].errors, 0);
  bool named = false; /* the error reason says what failed them */
  for (uint32_t k = 0; k < aw->verdict.n_reasons; k++)
    named |=
        strstr(aw->verdict.reasons[k], "budget: ") && strstr(aw->verdict.reasons[k], "timed out");
  assert_true(named);
  assert_int_equal(r.modes[1].verdict.status, RESULT_MEETS);
  assert_int_equal(r.modes[2].verdict.status, RESULT_MEETS);
  assert_string_equal(r.modes[2].verdict.bottleneck, "");
  printf("recommendation: %s (%s)\n", mesh_mode_name(r.recommendation.mode), r.recommendation.why);
  assert_true(r.recommendation.has_mode);
  assert_int_not_equal(r.recommendation.mode, MESH_MODE_AMBIENT_WAYPOINT);
  assert_int_not_equal(r.recommendation.mode, MESH_MODE_NONE);
  check_outputs(&r);
  run_result_release(&r);
  scenario_release(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decide_table),
      cmocka_unit_test(test_overloaded_lists_every_reason),
      cmocka_unit_test(test_status_names),
      cmocka_unit_test(test_recommend),
      cmocka_unit_test(test_undersized_waypoint),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
