/* Zone-aware routing (issue 12, item 4): with Kubernetes' PreferClose a
 * caller picks the destination's pods, and in ambient the destination's
 * waypoint replicas, in its own zone when there are any, so calls stay in
 * their zone and cross no zone boundary; without it calls go anywhere; a
 * zone without pods of the destination falls back to every zone. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"

/* Three zones of one node each; front (3 pods, one per zone) calls back
 * (`back_replicas` pods) once per request; back needs L7, so ambient runs
 * it behind a waypoint of three replicas. */
static run_result run_locality(bool prefer_close, uint32_t back_replicas) {
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 3, 1);
  s.cluster.same_zone_ns = 100 * SIM_US;
  s.cluster.cross_zone_ns = 500 * SIM_US;
  s.meta.duration_ns = 5 * SIM_S;
  uint32_t ns = fx_namespace(&s, "shop", MESH_NS_AMBIENT_WAYPOINT);
  uint32_t front = fx_service(&s, "front", ns, 3, 1e5, 0);
  uint32_t back = fx_service(&s, "back", ns, back_replicas, 1e5, 1);
  s.services[front].app_workers = 16;
  s.services[back].app_workers = 16;
  s.services[back].prefer_close = prefer_close;
  s.mesh.waypoint_replicas = 3;
  fx_call(&s, front, back, 1, 1.0);
  fx_traffic(&s, front, 300);
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                       MESH_MODE_AMBIENT_WAYPOINT};
  fx_modes(&s, modes, 4);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  for (uint32_t i = 0; i < r.n_modes; i++)
    printf("prefer_close %d, back x%u, %-17s cross-zone %.4f GB/month, mean %.3f ms\n",
           prefer_close, back_replicas, mesh_mode_name(r.modes[i].mode),
           r.modes[i].cross_zone_gb_month, r.modes[i].latency.mean_ms);
  scenario_release(&s);
  return r;
}

static void test_prefer_close_keeps_calls_in_zone(void **state) {
  (void)state;
  run_result anywhere = run_locality(false, 3), close = run_locality(true, 3);
  for (uint32_t i = 0; i < close.n_modes; i++) {
    const mode_result *a = &anywhere.modes[i], *c = &close.modes[i];
    assert_true(a->cross_zone_gb_month > 0);
    assert_true(c->cross_zone_gb_month == 0);
    assert_true(c->latency.mean_ms < a->latency.mean_ms);
    assert_int_equal(c->errors, 0);
  }
  run_result_release(&anywhere);
  run_result_release(&close);
}

/* back in two zones only: front's pods in the third zone fall back to the
 * other zones, so some traffic crosses, less than with no preference. */
static void test_prefer_close_falls_back(void **state) {
  (void)state;
  run_result anywhere = run_locality(false, 2), close = run_locality(true, 2);
  for (uint32_t i = 0; i < close.n_modes; i++) {
    const mode_result *a = &anywhere.modes[i], *c = &close.modes[i];
    assert_true(c->cross_zone_gb_month > 0);
    assert_true(c->cross_zone_gb_month < a->cross_zone_gb_month);
    assert_int_equal(c->errors, 0);
  }
  run_result_release(&anywhere);
  run_result_release(&close);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prefer_close_keeps_calls_in_zone),
      cmocka_unit_test(test_prefer_close_falls_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
