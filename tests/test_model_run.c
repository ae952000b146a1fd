/* The simulated model against theory and against itself: M/M/1 through an
 * application pod, common random numbers across modes, determinism, and
 * CPU, latency and memory of proxies against hand-computed expectations. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "sim_rng.h"

static const mode_result *find_mode(const run_result *r, mesh_mode m) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (r->modes[i].mode == m)
      return &r->modes[i];
  fail_msg("mode %s missing", mesh_mode_name(m));
  return NULL;
}

/* One pod, one worker, exponential service, Poisson arrivals, no mesh:
 * an M/M/1 queue whose mean sojourn is 1 / (mu - lambda). */
static void test_mm1_through_model(void **state) {
  (void)state;
  const double rhos[] = {0.5, 0.8};
  for (size_t i = 0; i < 2; i++) {
    profile p;
    fx_profile(&p);
    scenario s;
    fx_scenario(&s, 1, 0);
    uint32_t ns = fx_namespace(&s, "ns", MESH_NS_NONE);
    fx_service(&s, "q", ns, 1, 1e6 /* 1 ms */, 0);
    fx_traffic(&s, 0, rhos[i] * 1000.0);
    mesh_mode m = MESH_MODE_NONE;
    fx_modes(&s, &m, 1);
    s.meta.replications = 12;
    s.meta.duration_ns = 40 * SIM_S;
    s.meta.warmup_ns = 2 * SIM_S;
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    const result_latency *l = &r.modes[0].latency;
    double theory_ms = 1.0 / (1000.0 - rhos[i] * 1000.0) * 1000.0;
    printf("M/M/1 rho=%.1f: W theory %.4f ms, simulated %.4f ms, 95%% CI [%.4f, %.4f]\n", rhos[i],
           theory_ms, l->mean_ms, l->mean_ci.lo, l->mean_ci.hi);
    assert_true(l->mean_ci.lo <= theory_ms && theory_ms <= l->mean_ci.hi);
    assert_true(l->mean_ci.half_width < 0.1 * theory_ms); /* informative, not vacuous */
    /* Utilisation: app CPU equals rho cores. */
    assert_true(fabs(r.modes[0].kind[MESH_KIND_APP].cpu_cores_mean - rhos[i]) < 0.03);
    run_result_release(&r);
    scenario_release(&s);
  }
}

/* root -> a -> b, with namespaces that hybrid maps to `hybrid`. */
static void chain(scenario *s, mesh_ns_mode hybrid, double rps) {
  fx_scenario(s, 2, 0);
  uint32_t n1 = fx_namespace(s, "one", hybrid);
  uint32_t n2 = fx_namespace(s, "two", hybrid);
  fx_service(s, "a", n1, 2, 2e5, 0);
  fx_service(s, "b", n2, 2, 3e5, 1);
  s->services[0].app_workers = 4;
  s->services[1].app_workers = 4;
  fx_call(s, 0, 1, 2, 0.5);
  fx_traffic(s, 0, rps);
}

/* Mode none and mode hybrid with every namespace on none take different code
 * paths (hybrid resolves modes per namespace) but must give identical numbers. */
static void test_common_random_numbers(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  chain(&s, MESH_NS_NONE, 300);
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_HYBRID};
  fx_modes(&s, modes, 2);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  const mode_result *a = &r.modes[0], *b = &r.modes[1];
  assert_true(a->requests > 1000);
  assert_int_equal(a->requests, b->requests);
  assert_true(a->latency.p99_ms == b->latency.p99_ms);
  assert_true(a->latency.mean_ms == b->latency.mean_ms);
  assert_true(a->kind[MESH_KIND_APP].cpu_cores_mean == b->kind[MESH_KIND_APP].cpu_cores_mean);
  for (size_t i = 0; i < sim_hist_bucket_count(); i++)
    assert_true(a->latency_hist_ns.buckets[i] == b->latency_hist_ns.buckets[i]);
  run_result_release(&r);
  scenario_release(&s);
}

/* Same seed, same numbers; another seed, other numbers. */
static void test_determinism(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  double p99[3];
  uint64_t req[3];
  const uint64_t seeds[3] = {7, 7, 8};
  for (int i = 0; i < 3; i++) {
    scenario s;
    chain(&s, MESH_NS_SIDECAR, 300);
    mesh_mode m = MESH_MODE_SIDECAR;
    fx_modes(&s, &m, 1);
    s.meta.seed = seeds[i];
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    p99[i] = r.modes[0].latency.p99_ms;
    req[i] = r.modes[0].requests;
    run_result_release(&r);
    scenario_release(&s);
  }
  assert_true(p99[0] == p99[1] && req[0] == req[1]);
  assert_true(p99[0] != p99[2] || req[0] != req[2]);
}

/* Sidecar CPU = passes x pass cost x rate; latency grows by the on-path part
 * of every pass (light load, so queueing is negligible and CRN keeps the app
 * side identical). root -> a (sidecar in) and a -> b twice with p = 0.5
 * (a out + b in): per request 2 + 2 * 0.5 * 4 = 6 passes of 50 us CPU. */
static void test_sidecar_cost_and_latency(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  chain(&s, MESH_NS_SIDECAR, 100);
  s.meta.duration_ns = 30 * SIM_S;
  s.meta.replications = 3;
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR};
  fx_modes(&s, modes, 2);
  s.services[0].parallel = false;
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  const mode_result *none = find_mode(&r, MESH_MODE_NONE), *sc = find_mode(&r, MESH_MODE_SIDECAR);
  double want_cpu = 100.0 * 6 * 50e-6;
  double got_cpu = sc->kind[MESH_KIND_SIDECAR].cpu_cores_mean;
  printf("sidecar CPU: want %.4f cores, got %.4f\n", want_cpu, got_cpu);
  assert_true(fabs(got_cpu - want_cpu) / want_cpu < 0.05);
  assert_true(none->kind[MESH_KIND_SIDECAR].cpu_cores_mean == 0);
  double added_ms = sc->latency.mean_ms - none->latency.mean_ms;
  double want_ms = 6 * 25e-3; /* 6 passes x 50 us x on-path 0.5 */
  printf("sidecar added latency: want %.4f ms, got %.4f ms\n", want_ms, added_ms);
  assert_true(fabs(added_ms - want_ms) < 0.1 * want_ms);
  /* Memory: base + 2 services + 4 endpoints known (cluster scope) + connections. */
  double per_sidecar_min = 10e6 + 2 * 1e5 + 4 * 1e4;
  double mem = sc->kind[MESH_KIND_SIDECAR].mem_mib_mean * 1024 * 1024;
  assert_true(mem >= 4 * per_sidecar_min && mem < 4 * per_sidecar_min * 1.02);
  assert_int_equal(sc->kind[MESH_KIND_SIDECAR].instances, 4);
  /* Control plane: 100 m + 1 m per proxy. */
  assert_true(fabs(sc->kind[MESH_KIND_CONTROL_PLANE].cpu_cores_mean - 0.104) < 1e-9);
  assert_true(none->kind[MESH_KIND_CONTROL_PLANE].cpu_cores_mean == 0);
  /* Reserved: 4 sidecars x 100 m on top of the apps. */
  assert_true(fabs(sc->reserved_cpu_cores - none->reserved_cpu_cores - 0.4 - 0.5) < 1e-9);
  run_result_release(&r);
  scenario_release(&s);
}

/* A CPU limit throttles: a proxy limited to 100 m runs each pass 20x slower
 * (2 workers -> 1 effective at 0.1 of a core). */
static void test_cpu_limit_throttles(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  double lat[2];
  for (int limited = 0; limited < 2; limited++) {
    scenario s;
    chain(&s, MESH_NS_SIDECAR, 50);
    mesh_mode m = MESH_MODE_SIDECAR;
    fx_modes(&s, &m, 1);
    if (limited)
      s.mesh.proxy[MESH_PROXY_SIDECAR].limit_millicores = 100;
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    lat[limited] = r.modes[0].latency.p50_ms;
    run_result_release(&r);
    scenario_release(&s);
  }
  assert_true(lat[1] > lat[0] + 1.0); /* >= 2 passes x 25 us x (10 - 1) */
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mm1_through_model),   cmocka_unit_test(test_common_random_numbers),
      cmocka_unit_test(test_determinism),         cmocka_unit_test(test_sidecar_cost_and_latency),
      cmocka_unit_test(test_cpu_limit_throttles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
