/* Overload as real systems meet it (issue 11, item 3): a pod's bounded
 * waiting room refuses requests exactly as often as M/M/1/K says, end to end
 * through the model; the external client's timeout fails slow requests at
 * that timeout, retries included; Envoy's max_requests circuit breaker is
 * enforced by the caller's sidecar or the destination's waypoint and by
 * nothing in modes without them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "sim_stats.h"

static const mode_result *mode_of(const run_result *r, mesh_mode mode) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (r->modes[i].mode == mode)
      return &r->modes[i];
  fail_msg("mode %s not in the result", mesh_mode_name(mode));
  return NULL;
}

static void print_errors(const mode_result *m) {
  printf("%-17s requests %llu errors %llu (timeout %llu, rejected %llu, outage %llu, unfinished "
         "%llu) time to failure p50 %.1f ms p99 %.1f ms, p99 %.2f ms\n",
         mesh_mode_name(m->mode), (unsigned long long)m->requests, (unsigned long long)m->errors,
         (unsigned long long)m->error_causes.timeout, (unsigned long long)m->error_causes.rejected,
         (unsigned long long)m->error_causes.outage, (unsigned long long)m->unfinished,
         m->error_causes.fail_p50_ms, m->error_causes.fail_p99_ms, m->latency.p99_ms);
}

/* M/M/1/K blocking probability, K = 1 + limit places, offered load a. */
static double mm1k_blocking(uint32_t limit, double a) {
  double term = 1, sum = 1;
  for (uint32_t n = 1; n <= 1 + limit; n++) {
    term *= a;
    sum += term;
  }
  return term / sum;
}

/* One pod, one worker, exponential 1 ms service, Poisson arrivals, no mesh
 * and no network time: the pod is an M/M/1 queue with `queue_limit` places
 * to wait, so the share of requests refused is M/M/1/K's p_K (PASTA). */
static void test_queue_limit_matches_mm1k(void **state) {
  (void)state;
  static const struct {
    uint32_t limit;
    double rho;
  } cases[] = {{4, 0.8}, {2, 1.3}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    profile p;
    fx_profile(&p);
    scenario s;
    fx_scenario(&s, 1, 0);
    s.meta.duration_ns = 20 * SIM_S;
    s.meta.replications = 8;
    uint32_t ns = fx_namespace(&s, "app", MESH_NS_NONE);
    uint32_t db = fx_service(&s, "db", ns, 1, 1e6, 0);
    s.services[db].queue_limit = cases[k].limit;
    fx_traffic(&s, db, 1000 * cases[k].rho);
    mesh_mode modes[] = {MESH_MODE_NONE};
    fx_modes(&s, modes, 1);
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    const mode_result *m = &r.modes[0];
    print_errors(m);
    assert_int_equal(m->errors, m->error_causes.rejected);
    double share[8];
    for (uint32_t i = 0; i < r.replications; i++)
      share[i] = (double)m->reps[i].errors / (double)(m->reps[i].requests + m->reps[i].errors);
    sim_ci ci;
    assert_int_equal(sim_ci_level(share, r.replications, 0.95, &ci), 0);
    double pk = mm1k_blocking(cases[k].limit, cases[k].rho);
    printf("M/M/1/%u rho %.1f: refused %.5f +- %.5f, theory %.5f\n", cases[k].limit + 1,
           cases[k].rho, ci.mean, ci.half_width, pk);
    assert_true(ci.lo <= pk && pk <= ci.hi);
    assert_true(ci.half_width < 0.1 * pk);
    /* Refused at once: the time to failure is no network and no work. */
    assert_true(m->error_causes.fail_p99_ms < 0.01);
    run_result_release(&r);
    scenario_release(&s);
  }
}

/* A service that takes 2 s, behind a client that waits 500 ms: every
 * request fails as a timeout 500 ms after it arrived. Without the client's
 * timeout, every request succeeds in about 2 s. */
static void test_client_timeout(void **state) {
  (void)state;
  for (int with_timeout = 1; with_timeout >= 0; with_timeout--) {
    profile p;
    fx_profile(&p);
    scenario s;
    fx_scenario(&s, 1, 0);
    s.meta.duration_ns = 5 * SIM_S;
    uint32_t ns = fx_namespace(&s, "app", MESH_NS_SIDECAR);
    uint32_t slow = fx_service(&s, "slow", ns, 1, 1e6, 0);
    sim_dist_constant(2e9, &s.services[slow].service_time_ns);
    s.services[slow].app_workers = 100;
    fx_traffic(&s, slow, 5);
    s.traffic[0].timeout_ns = with_timeout ? 500 * SIM_MS : 0;
    mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR};
    fx_modes(&s, modes, 2);
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    for (uint32_t i = 0; i < r.n_modes; i++) {
      const mode_result *m = &r.modes[i];
      print_errors(m);
      if (with_timeout) {
        assert_int_equal(m->requests, 0);
        assert_true(m->errors > 20);
        assert_int_equal(m->error_causes.timeout, m->errors);
        assert_true(fabs(m->error_causes.fail_p50_ms - 500) < 10);
        assert_true(fabs(m->error_causes.fail_p99_ms - 500) < 10);
      } else {
        assert_int_equal(m->errors, 0);
        assert_true(m->requests > 20);
        assert_true(fabs(m->latency.p50_ms - 2000) < 40);
        assert_true(isnan(m->error_causes.fail_p50_ms));
      }
    }
    run_result_release(&r);
    scenario_release(&s);
  }
}

/* Per-try timeouts of 300 ms and ten attempts, against a 2 s service and a
 * client that waits 1 s: the client retries at 300, 600 and 900 ms and
 * gives up at 1 s, where the last try is cut short. */
static void test_retries_stop_at_client_timeout(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 1, 0);
  s.meta.duration_ns = 5 * SIM_S;
  uint32_t ns = fx_namespace(&s, "app", MESH_NS_NONE);
  uint32_t slow = fx_service(&s, "slow", ns, 1, 1e6, 0);
  sim_dist_constant(2e9, &s.services[slow].service_time_ns);
  s.services[slow].app_workers = 1000;
  s.services[slow].retry = (scenario_retry){.attempts = 10, .timeout_ns = 300 * SIM_MS};
  fx_traffic(&s, slow, 5);
  s.traffic[0].timeout_ns = 1 * SIM_S;
  mesh_mode modes[] = {MESH_MODE_NONE};
  fx_modes(&s, modes, 1);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  const mode_result *m = &r.modes[0];
  print_errors(m);
  assert_int_equal(m->requests, 0);
  assert_int_equal(m->error_causes.timeout, m->errors);
  assert_true(fabs(m->error_causes.fail_p50_ms - 1000) < 20);
  assert_true(fabs(m->error_causes.fail_p99_ms - 1000) < 20);
  run_result_release(&r);
  scenario_release(&s);
}

/* front (4 pods) calls cart (1 pod, 1 worker, 5 ms) at 120 calls/s, with
 * cart's connection pool allowing 1 request in flight per proxy. Each front
 * sidecar has its own pool; a waypoint has one pool for all callers, so it
 * refuses more; no mesh and ztunnels only enforce nothing. */
static void test_circuit_breaker_by_mode(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 2, 0);
  s.meta.duration_ns = 10 * SIM_S;
  uint32_t web = fx_namespace(&s, "web", MESH_NS_SIDECAR);
  uint32_t shop = fx_namespace(&s, "shop", MESH_NS_AMBIENT_WAYPOINT);
  uint32_t front = fx_service(&s, "front", web, 4, 1e5, 0);
  uint32_t cart = fx_service(&s, "cart", shop, 1, 5e6, 1);
  s.services[front].app_workers = 8;
  s.services[cart].max_requests = 1;
  fx_call(&s, front, cart, 1, 1.0);
  fx_traffic(&s, front, 120);
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                       MESH_MODE_AMBIENT_WAYPOINT};
  fx_modes(&s, modes, 4);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  for (uint32_t i = 0; i < r.n_modes; i++)
    print_errors(&r.modes[i]);
  const mode_result *none = mode_of(&r, MESH_MODE_NONE), *sc = mode_of(&r, MESH_MODE_SIDECAR);
  const mode_result *amb = mode_of(&r, MESH_MODE_AMBIENT);
  const mode_result *wp = mode_of(&r, MESH_MODE_AMBIENT_WAYPOINT);
  assert_int_equal(none->error_causes.rejected, 0);
  assert_int_equal(amb->error_causes.rejected, 0);
  assert_true(sc->error_causes.rejected > 0);
  assert_int_equal(sc->errors, sc->error_causes.rejected);
  assert_true(wp->error_causes.rejected > sc->error_causes.rejected);
  /* What was refused never reached cart: fewer successes, not slower ones. */
  assert_true(sc->requests + sc->errors > 0);
  assert_true(wp->latency.p99_ms < 200);
  run_result_release(&r);
  scenario_release(&s);
}

/* The breaker guards root requests too, not only calls between services:
 * a meshed client's requests straight to a service with max_requests 1 are
 * refused by the client's sidecar in sidecar mode and by the service's
 * waypoint in ambient-waypoint mode, and by nothing without an Envoy on the
 * path (no mesh; ambient's ztunnels have no connection pool). A root learns
 * its service's breaker when its operation is set, as a child does. */
static void test_circuit_breaker_on_root_requests(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 2, 0);
  s.meta.duration_ns = 10 * SIM_S;
  uint32_t shop = fx_namespace(&s, "shop", MESH_NS_AMBIENT_WAYPOINT);
  uint32_t client = fx_service(&s, "client", shop, 1, 1e5, 0);
  uint32_t cart = fx_service(&s, "cart", shop, 1, 5e6, 1);
  s.services[cart].max_requests = 1;
  fx_traffic(&s, cart, 120);
  s.traffic[0].from = client;
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                       MESH_MODE_AMBIENT_WAYPOINT};
  fx_modes(&s, modes, 4);
  run_result r;
  fx_run(&s, &p, &r);
  for (uint32_t i = 0; i < r.n_modes; i++)
    print_errors(&r.modes[i]);
  assert_int_equal(mode_of(&r, MESH_MODE_NONE)->error_causes.rejected, 0);
  assert_int_equal(mode_of(&r, MESH_MODE_AMBIENT)->error_causes.rejected, 0);
  const mesh_mode refusing[] = {MESH_MODE_SIDECAR, MESH_MODE_AMBIENT_WAYPOINT};
  for (int i = 0; i < 2; i++) {
    const mode_result *m = mode_of(&r, refusing[i]);
    assert_true(m->error_causes.rejected > 0);
    assert_int_equal(m->errors, m->error_causes.rejected);
  }
  run_result_release(&r);
  scenario_release(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_queue_limit_matches_mm1k),
      cmocka_unit_test(test_client_timeout),
      cmocka_unit_test(test_retries_stop_at_client_timeout),
      cmocka_unit_test(test_circuit_breaker_by_mode),
      cmocka_unit_test(test_circuit_breaker_on_root_requests),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
