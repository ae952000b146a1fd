/* test_work: the work estimate of a run (models/work.h). Known answers on
 * hand-built call graphs, overflow to +inf rather than wrap-around for hostile
 * numbers, and a cycle refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "sim_error.h"
#include "sweep_point.h"
#include "work.h"

/* web -> 2 x api (p = 0.5 each) -> db; web -> db once: V(db) = 1,
 * V(api) = 2, V(web) = 1 + 2 * 0.5 * 2 + 1 = 4. */
static void build_tree(scenario *s) {
  fx_scenario(s, 2, 0);
  uint32_t ns = fx_namespace(s, "shop", MESH_NS_SIDECAR);
  uint32_t web = fx_service(s, "web", ns, 2, 1e6, 0);
  uint32_t api = fx_service(s, "api", ns, 1, 1e6, 1);
  uint32_t db = fx_service(s, "db", ns, 1, 1e6, 0);
  fx_call(s, web, api, 2, 0.5);
  fx_call(s, api, db, 1, 1);
  fx_call(s, web, db, 1, 1);
  fx_traffic(s, web, 100);
}

static void test_known_answers(void **state) {
  (void)state;
  scenario s;
  build_tree(&s);
  const mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR};
  fx_modes(&s, modes, 2);
  work_estimate w;
  assert_int_equal(work_estimate_compute(&s, &w), 0);
  /* 100/s over 1 s warm-up + 10 s measured, 2 replications. */
  assert_float_equal(w.roots, 1100, 1e-9);
  assert_float_equal(w.max_visits_root, 4, 1e-12);
  assert_float_equal(w.visits, 4400, 1e-9);
  double per_visit =
      work_events_per_visit(MESH_MODE_NONE) + work_events_per_visit(MESH_MODE_SIDECAR);
  assert_float_equal(w.events, 4400 * per_visit * 2, 1e-6);
  assert_float_equal(w.series_seconds, 11, 0);
  /* Blast-radius steps: (3 services + 2 nodes + 1 namespace) x (3 services
   * + 3 call entries), per mode. */
  assert_float_equal(w.setup, 36 * 2, 0);
  assert_float_equal(work_units(&w), w.events + 7.2, 1e-9);
  assert_true(w.mode_memory > 0);

  /* A burst adds rate * (multiplier - 1) * length roots; two modes at once
   * need twice the memory of one. */
  scenario_traffic *t = &s.traffic[0];
  t->bursts = calloc(1, sizeof *t->bursts);
  t->bursts[0] = (scenario_burst){.at_ns = SIM_S, .duration_ns = 2 * SIM_S, .multiplier = 3};
  t->n_bursts = 1;
  work_estimate w2;
  assert_int_equal(work_estimate_compute(&s, &w2), 0);
  assert_float_equal(w2.roots, 1100 + 100 * 2 * 2, 1e-9);
  assert_float_equal(work_memory(&w2, 2), 2 * work_memory(&w2, 1), 1e-6 * w2.mode_memory);
  assert_float_equal(work_memory(&w2, 8), 2 * work_memory(&w2, 1), 1e-6 * w2.mode_memory);
  scenario_release(&s);
}

/* The budget: under it nothing is said; over either limit one error names
 * the estimate and the option that raises the limit. */
static void test_budget(void **state) {
  (void)state;
  work_estimate w = {.roots = 1e6, .visits = 4e6, .events = 3e7, .mode_memory = 1e6, .modes = 4};
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(work_check(&w, NULL, 2, "a.yaml", &d), 0);
  assert_int_equal(d.n, 0);
  work_budget tight = {1e7, 1e9};
  assert_int_equal(work_check(&w, &tight, 2, "a.yaml", &d), SIM_ERANGE);
  assert_int_equal(d.n, 1);
  assert_non_null(strstr(d.items[0].text, "a.yaml: error: the run would take about 3e+07 engine "
                                          "events (1e+06 requests, 4 calls each), 1.91 MiB"));
  assert_non_null(strstr(d.items[0].text, "--max-events"));
  tight = (work_budget){1e8, 3e6}; /* 2 jobs fit, 4 do not */
  assert_int_equal(work_check(&w, &tight, 2, "a.yaml", &d), 0);
  assert_int_equal(work_check(&w, &tight, 4, "a.yaml", &d), SIM_ERANGE);
  assert_non_null(strstr(d.items[1].text, "--max-memory"));
  w.events = NAN;
  assert_int_equal(work_check(&w, NULL, 1, "a.yaml", &d), SIM_ERANGE);
  diag_list_release(&d);
}

static void test_hostile_numbers_saturate(void **state) {
  (void)state;
  scenario s;
  build_tree(&s);
  s.traffic[0].rate_rps = 1e300;
  s.meta.duration_ns = INT64_MAX / 2;
  s.meta.warmup_ns = INT64_MAX / 2;
  s.meta.replications = UINT32_MAX;
  work_estimate w;
  assert_int_equal(work_estimate_compute(&s, &w), 0);
  assert_true(w.events > WORK_DEFAULT_MAX_EVENTS); /* +inf or huge, never wrapped */
  assert_false(isnan(w.events));
  assert_true(w.series_seconds > 4e9); /* a 64-bit count: the 2^32 s case of the issue */

  /* A chain of 64 services each calling the next twice: 2^64 visits per root. */
  scenario c;
  fx_scenario(&c, 1, 0);
  uint32_t ns = fx_namespace(&c, "chain", MESH_NS_SIDECAR);
  for (uint32_t i = 0; i < 64; i++) {
    char name[16];
    snprintf(name, sizeof name, "s%u", i);
    fx_service(&c, name, ns, 1, 1e3, 0);
  }
  for (uint32_t i = 0; i + 1 < 64; i++)
    fx_call(&c, i, i + 1, 2, 1);
  fx_traffic(&c, 0, 1);
  assert_int_equal(work_estimate_compute(&c, &w), 0);
  assert_float_equal(w.max_visits_root, ldexp(1, 64) - 1, ldexp(1, 12));
  assert_true(w.events > WORK_DEFAULT_MAX_EVENTS);
  scenario_release(&c);
  scenario_release(&s);
}

/* 100,000 services in a chain: no recursion, V(head) = 100,000. */
static void test_long_chain(void **state) {
  (void)state;
  /* Built in one allocation: growing the arrays a service at a time is
   * quadratic under AddressSanitizer, whose realloc always copies. */
  const uint32_t n = 100000;
  scenario c;
  fx_scenario(&c, 1, 0);
  fx_namespace(&c, "chain", MESH_NS_SIDECAR);
  c.services = calloc(n, sizeof *c.services);
  scenario_call *calls = calloc(n, sizeof *calls);
  assert_non_null(c.services);
  assert_non_null(calls);
  c.n_services = n;
  for (uint32_t i = 0; i < n; i++) {
    c.services[i].replicas = 1;
    if (i + 1 < n) {
      calls[i] = (scenario_call){.target = i + 1, .count = 1, .probability = 1};
      c.services[i].calls = &calls[i];
      c.services[i].n_calls = 1;
    }
  }
  fx_traffic(&c, 0, 1);
  work_estimate w;
  assert_int_equal(work_estimate_compute(&c, &w), 0);
  assert_float_equal(w.max_visits_root, n, 1e-6);
  for (uint32_t i = 0; i < n; i++) /* the calls are one block, not the services' own */
    c.services[i].calls = NULL;
  free(calls);
  scenario_release(&c);
}

/* The estimate against the engine's own count on the shipped scenarios
 * (2 s measured, 1 s warm-up, 1 replication): within a factor of two, and
 * never below half. Prints both so a drift shows in the log. */
static void test_estimate_against_engine(void **state) {
  (void)state;
  static const char *const files[] = {"bookinfo.yaml",
                                      "default.yaml",
                                      "dense.yaml",
                                      "multi-tenant.yaml",
                                      "online-boutique.yaml",
                                      "online-boutique-loadgen.yaml",
                                      "social-network.yaml",
                                      "train-ticket-search.yaml",
                                      "hotel-reservation.yaml"};
  const char *sets[] = {"metadata.duration=2s", "metadata.warmup=1s", "metadata.replications=1"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s", MESHSIM_SOURCE_DIR, files[i]);
    diag_list d;
    diag_list_init(&d);
    sweep_point p;
    char why[256];
    assert_int_equal(sweep_point_load(&p, path, sets, 3, &d, why, sizeof why), 0);
    run_result r;
    assert_int_equal(model_run(&p.in, &r), 0);
    double fired = 0;
    for (uint32_t m = 0; m < r.n_modes; m++)
      for (uint32_t k = 0; k < r.modes[m].replications; k++)
        fired += (double)r.modes[m].reps[k].events;
    double ratio = p.work.events / fired;
    printf("%-22s estimate %.3g events, engine %.3g, ratio %.2f\n", files[i], p.work.events, fired,
           ratio);
    assert_true(ratio >= 0.5 && ratio <= 2.0);
    run_result_release(&r);
    sweep_point_release(&p);
    diag_list_release(&d);
  }
}

static void test_cycle_refused(void **state) {
  (void)state;
  scenario s;
  build_tree(&s);
  fx_call(&s, 2, 0, 1, 1); /* db -> web closes a cycle */
  work_estimate w;
  assert_int_equal(work_estimate_compute(&s, &w), SIM_EINVAL);
  scenario_release(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_budget),
      cmocka_unit_test(test_hostile_numbers_saturate),
      cmocka_unit_test(test_long_chain),
      cmocka_unit_test(test_estimate_against_engine),
      cmocka_unit_test(test_cycle_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
