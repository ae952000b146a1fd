/* Load-dependent proxy memory (issue 12, item 2): on top of its base,
 * config and connections a proxy holds memory for the requests in flight and
 * a heap that grows with the work it does, per_busy_core x the worker CPU in
 * use (profile.h). The run reports that memory from the simulated load, so a
 * busier proxy uses more by exactly the formula. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "proxy.h"

static void test_formula(void **state) {
  (void)state;
  profile_proxy pp = {.mem_base_bytes = 40e6,
                      .mem_per_service_bytes = 1e5,
                      .mem_per_endpoint_bytes = 2e3,
                      .mem_per_connection_bytes = 4e4,
                      .mem_per_inflight_bytes = 1e4,
                      .mem_per_busy_core_bytes = 46e6};
  double idle = proxy_memory_bytes(&pp, 10, 20, 3, 0, 0);
  double busy = proxy_memory_bytes(&pp, 10, 20, 3, 5, 0.25);
  assert_true(fabs(idle - (40e6 + 1e6 + 4e4 + 1.2e5)) < 1e-6);
  assert_true(fabs(busy - idle - (5 * 1e4 + 0.25 * 46e6)) < 1e-6);
}

/* One sidecar service at 100 and at 1000 requests/s, same topology: the
 * sidecars' memory grows by per_busy_core x the growth of their CPU (the
 * run's own figure), and not at all when per_busy_core is 0. In-flight
 * memory is switched off to isolate the heap term. */
static void run_sidecars(double heap, double rps, double *mem_mib, double *cores,
                         double *peak_mib) {
  profile p;
  fx_profile(&p);
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    p.proxy[k].mem_per_inflight_bytes = 0;
    p.proxy[k].mem_per_busy_core_bytes = heap;
  }
  scenario s;
  fx_scenario(&s, 1, 0);
  s.meta.duration_ns = 2 * SIM_S;
  uint32_t ns = fx_namespace(&s, "web", MESH_NS_SIDECAR);
  uint32_t web = fx_service(&s, "web", ns, 2, 1e5, 0);
  s.services[web].app_workers = 64;
  fx_traffic(&s, web, rps);
  mesh_mode m = MESH_MODE_SIDECAR;
  fx_modes(&s, &m, 1);
  run_result r;
  fx_run(&s, &p, &r);
  const result_kind_usage *u = &r.modes[0].kind[MESH_KIND_SIDECAR];
  *mem_mib = u->mem_mib_mean;
  *cores = u->cpu_cores_mean; /* fx_profile: no idle CPU */
  *peak_mib = u->mem_mib_peak;
  printf("heap %.0f MB/core, %5.0f rps: sidecars %.4f cores, %.3f MiB (peak second %.3f)\n",
         heap / 1e6, rps, *cores, *mem_mib, *peak_mib);
  run_result_release(&r);
  scenario_release(&s);
}

static void test_memory_grows_with_load(void **state) {
  (void)state;
  const double heap = 50e6, mib = 1048576.0;
  double m_lo, c_lo, p_lo, m_hi, c_hi, p_hi;
  run_sidecars(heap, 100, &m_lo, &c_lo, &p_lo);
  run_sidecars(heap, 1000, &m_hi, &c_hi, &p_hi);
  assert_true(c_hi > 5 * c_lo);
  assert_true(m_hi > m_lo);
  /* the formula, with the run's own CPU */
  assert_true(fabs((m_hi - m_lo) * mib - heap * (c_hi - c_lo)) < 1.0);
  /* the busiest second holds at least the mean */
  assert_true(p_hi >= m_hi - 1e-9 && p_lo >= m_lo - 1e-9);
  /* without the term memory does not depend on the rate */
  double z_lo, zc_lo, zp_lo, z_hi, zc_hi, zp_hi;
  run_sidecars(0, 100, &z_lo, &zc_lo, &zp_lo);
  run_sidecars(0, 1000, &z_hi, &zc_hi, &zp_hi);
  assert_true(fabs(z_hi - z_lo) < 1e-9);
  assert_true(fabs((m_lo - z_lo) * mib - heap * c_lo) < 1.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_formula),
      cmocka_unit_test(test_memory_grows_with_load),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
