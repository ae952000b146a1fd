/* test_work: the work estimate of a run (models/work.h). Known answers on
 * hand-built call graphs, overflow to +inf rather than wrap-around for hostile
 * numbers, and a cycle refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "sim_error.h"
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
  assert_int_equal(work_estimate_compute(&s, 1, &w), 0);
  /* 100/s over 1 s warm-up + 10 s measured, 2 replications. */
  assert_float_equal(w.roots, 1100, 1e-9);
  assert_float_equal(w.max_visits_root, 4, 1e-12);
  assert_float_equal(w.visits, 4400, 1e-9);
  double per_visit =
      work_events_per_visit(MESH_MODE_NONE) + work_events_per_visit(MESH_MODE_SIDECAR);
  assert_float_equal(w.events, 4400 * per_visit * 2, 1e-6);
  assert_float_equal(w.series_seconds, 11, 0);
  assert_true(w.memory_bytes > 0);

  /* A burst adds rate * (multiplier - 1) * length roots; two modes at once
   * need twice the memory of one. */
  scenario_traffic *t = &s.traffic[0];
  t->bursts = calloc(1, sizeof *t->bursts);
  t->bursts[0] = (scenario_burst){.at_ns = SIM_S, .duration_ns = 2 * SIM_S, .multiplier = 3};
  t->n_bursts = 1;
  work_estimate w2;
  assert_int_equal(work_estimate_compute(&s, 2, &w2), 0);
  assert_float_equal(w2.roots, 1100 + 100 * 2 * 2, 1e-9);
  assert_float_equal(w2.memory_bytes, 2 * w.memory_bytes, 1e-6 * w.memory_bytes);
  scenario_release(&s);
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
  assert_int_equal(work_estimate_compute(&s, 1, &w), 0);
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
  assert_int_equal(work_estimate_compute(&c, 1, &w), 0);
  assert_float_equal(w.max_visits_root, ldexp(1, 64) - 1, ldexp(1, 12));
  assert_true(w.events > WORK_DEFAULT_MAX_EVENTS);
  scenario_release(&c);
  scenario_release(&s);
}

/* 100,000 services in a chain: no recursion, V(head) = 100,000. */
static void test_long_chain(void **state) {
  (void)state;
  scenario c;
  fx_scenario(&c, 1, 0);
  uint32_t ns = fx_namespace(&c, "chain", MESH_NS_SIDECAR);
  const uint32_t n = 100000;
  for (uint32_t i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "s%u", i);
    fx_service(&c, name, ns, 1, 1e3, 0);
  }
  for (uint32_t i = 0; i + 1 < n; i++)
    fx_call(&c, i, i + 1, 1, 1);
  fx_traffic(&c, 0, 1);
  work_estimate w;
  assert_int_equal(work_estimate_compute(&c, 1, &w), 0);
  assert_float_equal(w.max_visits_root, n, 1e-6);
  scenario_release(&c);
}

static void test_cycle_refused(void **state) {
  (void)state;
  scenario s;
  build_tree(&s);
  fx_call(&s, 2, 0, 1, 1); /* db -> web closes a cycle */
  work_estimate w;
  assert_int_equal(work_estimate_compute(&s, 1, &w), SIM_EINVAL);
  scenario_release(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_hostile_numbers_saturate),
      cmocka_unit_test(test_long_chain),
      cmocka_unit_test(test_cycle_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
