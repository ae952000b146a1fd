/* Costs that do not come from requests (issue 12, item 1). The control
 * plane: every replica holds and translates the whole configuration and
 * each proxy connects to one, so its base, per-service and per-endpoint
 * terms count once per replica and its per-proxy terms once; a run reports
 * that use for every replica the reservation counts. Applications: their
 * idle CPU and their memory working set count as used. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control_plane.h"
#include "model_fixture.h"

static void test_formula(void **state) {
  (void)state;
  profile_control_plane cp = {.base_millicores = 100,
                              .per_proxy_millicores = 0.5,
                              .per_service_millicores = 2,
                              .mem_base_bytes = 200e6,
                              .mem_per_proxy_bytes = 1e5,
                              .mem_per_service_bytes = 3e5,
                              .mem_per_endpoint_bytes = 2e4};
  control_plane_cost one = control_plane_estimate(&cp, 1000, 50, 400, 1);
  control_plane_cost three = control_plane_estimate(&cp, 1000, 50, 400, 3);
  assert_true(fabs(one.cpu_cores - (100 + 500 + 100) / 1000.0) < 1e-12);
  assert_true(fabs(three.cpu_cores - (3 * (100 + 100) + 500) / 1000.0) < 1e-12);
  assert_true(fabs(one.mem_bytes - (200e6 + 1e8 + 15e6 + 8e6)) < 1);
  assert_true(fabs(three.mem_bytes - (3 * (200e6 + 15e6 + 8e6) + 1e8)) < 1);
  /* The proxies' share does not multiply: three replicas serve the same
   * proxies, so they cost less than three times one. */
  assert_true(three.cpu_cores < 3 * one.cpu_cores);
}

/* End to end: the mode's control-plane use follows the profile's replicas. */
static void test_run_counts_every_replica(void **state) {
  (void)state;
  double cpu[2], mem[2];
  uint32_t instances[2];
  for (int i = 0; i < 2; i++) {
    profile p;
    fx_profile(&p);
    p.control_plane.replicas = i == 0 ? 1 : 3;
    scenario s;
    fx_scenario(&s, 3, 0);
    s.meta.duration_ns = SIM_S;
    uint32_t ns = fx_namespace(&s, "web", MESH_NS_SIDECAR);
    uint32_t web = fx_service(&s, "web", ns, 4, 1e5, 0);
    fx_traffic(&s, web, 100);
    mesh_mode m = MESH_MODE_SIDECAR;
    fx_modes(&s, &m, 1);
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    const result_kind_usage *k = &r.modes[0].kind[MESH_KIND_CONTROL_PLANE];
    cpu[i] = k->cpu_cores_mean;
    mem[i] = k->mem_mib_mean;
    instances[i] = k->instances;
    printf("%u replicas: %.4f cores, %.1f MiB used; %.2f cores, %.0f MiB reserved\n", k->instances,
           k->cpu_cores_mean, k->mem_mib_mean, k->reserved_cpu_cores, k->reserved_mem_mib);
    run_result_release(&r);
    scenario_release(&s);
  }
  assert_int_equal(instances[0], 1);
  assert_int_equal(instances[1], 3);
  /* fx_profile: base 100m, 1m per proxy (4 sidecars), no per-service CPU */
  assert_true(fabs(cpu[0] - 0.104) < 1e-9);
  assert_true(fabs(cpu[1] - 0.304) < 1e-9);
  assert_true(mem[1] > 2.5 * mem[0]);
}

/* Four pods idling at 20m with a 300 MiB working set (128 MiB requested):
 * the application kind uses 80m more than its request work, and 1200 MiB;
 * the node figures carry the same. Without the keys: no idle CPU, memory =
 * the request. */
static void test_app_idle_and_working_set(void **state) {
  (void)state;
  double cpu[2], mem[2], node_mem[2];
  for (int i = 0; i < 2; i++) {
    profile p;
    fx_profile(&p);
    scenario s;
    fx_scenario(&s, 1, 0);
    s.meta.duration_ns = 2 * SIM_S;
    uint32_t ns = fx_namespace(&s, "web", MESH_NS_NONE);
    uint32_t web = fx_service(&s, "web", ns, 4, 1e5, 0);
    if (i == 1) {
      s.services[web].idle_millicores = 20;
      s.services[web].working_set_bytes = (int64_t)300 << 20;
    }
    fx_traffic(&s, web, 100);
    mesh_mode m = MESH_MODE_NONE;
    fx_modes(&s, &m, 1);
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    const mode_result *mr = &r.modes[0];
    cpu[i] = mr->kind[MESH_KIND_APP].cpu_cores_mean;
    mem[i] = mr->kind[MESH_KIND_APP].mem_mib_mean;
    node_mem[i] = mr->nodes[0].mem_mib[MESH_KIND_APP];
    printf("keys %d: app %.4f cores, %.0f MiB (node %.0f MiB)\n", i, cpu[i], mem[i], node_mem[i]);
    run_result_release(&r);
    scenario_release(&s);
  }
  assert_true(fabs(cpu[1] - cpu[0] - 0.080) < 1e-9); /* same requests (common random numbers) */
  assert_true(fabs(mem[0] - 4 * 128) < 1e-9);
  assert_true(fabs(mem[1] - 4 * 300) < 1e-9);
  assert_true(fabs(node_mem[1] - 4 * 300) < 1e-6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_formula),
      cmocka_unit_test(test_run_counts_every_replica),
      cmocka_unit_test(test_app_idle_and_working_set),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
