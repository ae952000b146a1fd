/* Proxy passes (issue 12, items 3 and 6): a pass's CPU time drawn from a
 * lognormal of mean 1 keeps the CPU used (a mean over some 10^5 passes)
 * while widening the latency tail, and the same pass draws the same factor
 * in every mode; an opaque-TCP service's passes take the profile's TCP
 * on-path share, HTTP services' the HTTP one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"

/* web (2 pods) takes 2000 rps, each request served in a constant 200 us:
 * the latency is the passes, the hops (none) and a little queueing. */
static run_result run_pass(double sigma, double tcp_on_path, mesh_proto proto) {
  profile p;
  fx_profile(&p);
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    p.proxy[k].pass_sigma = sigma;
    p.proxy[k].tcp_on_path_fraction = tcp_on_path;
  }
  scenario s;
  fx_scenario(&s, 2, 0);
  s.meta.duration_ns = 20 * SIM_S;
  uint32_t ns = fx_namespace(&s, "web", MESH_NS_SIDECAR);
  uint32_t web = fx_service(&s, "web", ns, 2, 2e5, 0);
  sim_dist_constant(2e5, &s.services[web].service_time_ns);
  s.services[web].app_workers = 64;
  s.services[web].protocol = proto;
  fx_traffic(&s, web, 2000);
  mesh_mode modes[] = {MESH_MODE_SIDECAR, MESH_MODE_AMBIENT};
  fx_modes(&s, modes, 2);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  for (uint32_t i = 0; i < r.n_modes; i++) {
    const mode_result *m = &r.modes[i];
    printf(
        "sigma %.2f tcp share %.2f %s %-8s sidecar cpu %.5f ztunnel cpu %.5f p50 %.4f p99 %.4f\n",
        sigma, tcp_on_path, proto == MESH_PROTO_TCP ? "tcp " : "http", mesh_mode_name(m->mode),
        m->kind[MESH_KIND_SIDECAR].cpu_cores_mean, m->kind[MESH_KIND_ZTUNNEL].cpu_cores_mean,
        m->latency.p50_ms, m->latency.p99_ms);
  }
  scenario_release(&s);
  return r;
}

static void test_pass_spread_keeps_mean_widens_tail(void **state) {
  (void)state;
  run_result fixed = run_pass(0, 0.5, MESH_PROTO_HTTP1),
             spread = run_pass(0.6, 0.5, MESH_PROTO_HTTP1);
  for (uint32_t i = 0; i < fixed.n_modes; i++) {
    const mode_result *a = &fixed.modes[i], *b = &spread.modes[i];
    mesh_kind k = a->mode == MESH_MODE_SIDECAR ? MESH_KIND_SIDECAR : MESH_KIND_ZTUNNEL;
    double ca = a->kind[k].cpu_cores_mean, cb = b->kind[k].cpu_cores_mean;
    /* about 80,000 passes: the mean factor is 1 within ~0.3% (CV 0.66 / sqrt(n)) */
    assert_true(fabs(cb / ca - 1) < 0.01);
    assert_true(b->latency.p99_ms > a->latency.p99_ms);
    assert_int_equal(a->requests, b->requests);
  }
  run_result_release(&fixed);
  run_result_release(&spread);
}

/* With a TCP on-path share of 1 (every microsecond of a pass on the path)
 * against HTTP's 0.5, a TCP service's passes add more latency; an HTTP
 * service does not notice the TCP share. */
static void test_tcp_on_path_share(void **state) {
  (void)state;
  run_result tcp_half = run_pass(0, 0.5, MESH_PROTO_TCP),
             tcp_full = run_pass(0, 1.0, MESH_PROTO_TCP);
  run_result http_a = run_pass(0, 0.5, MESH_PROTO_HTTP1),
             http_b = run_pass(0, 1.0, MESH_PROTO_HTTP1);
  for (uint32_t i = 0; i < tcp_half.n_modes; i++) {
    assert_true(tcp_full.modes[i].latency.p50_ms > tcp_half.modes[i].latency.p50_ms);
    assert_true(http_a.modes[i].latency.p50_ms == http_b.modes[i].latency.p50_ms);
  }
  run_result_release(&tcp_half);
  run_result_release(&tcp_full);
  run_result_release(&http_a);
  run_result_release(&http_b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pass_spread_keeps_mean_widens_tail),
      cmocka_unit_test(test_tcp_on_path_share),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
