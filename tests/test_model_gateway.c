/* Ingress gateways (scenario `gateways`, traffic `via`) in the model: the
 * gateway's CPU is its passes (two per request, at the profile's gateway
 * cost: mTLS in front of a meshed pod, plain text in front of a pod without
 * a mesh) in every mode, mode none included; a crashed replica fails the
 * north-south requests that crossed it in every mode; the blast radius of a
 * replica is its share of the external traffic. The path itself is pinned
 * in test_model_path.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "blast.h"
#include "model_fixture.h"
#include "sim_rng.h"

#define GW_PASS_NS  70e3 /* fx_profile's gateway pass */
#define GW_BYTE_NS  1.0  /* per byte with backend mTLS */
#define GW_PLAIN_NS 0.25 /* per byte without */
#define GW_BYTES    1024 /* fx_service's request and response size */

/* One service "web" in namespace "shop" behind gateway "edge" (2 replicas),
 * plus, when `direct` > 0, a second entry straight into "web" at that rate. */
static void gw_build(scenario *s, profile *p, double rate, double direct) {
  fx_profile(p);
  profile_proxy *gp = &p->proxy[MESH_PROXY_GATEWAY];
  gp->byte_cpu_ns = GW_BYTE_NS;
  gp->plain_byte_cpu_ns = GW_PLAIN_NS;
  gp->connection_cpu_ns = 1e6; /* would show if a plain pass paid a handshake */
  fx_scenario(s, 2, 0);
  s->meta.replications = 2;
  s->meta.duration_ns = 10 * SIM_S;
  s->mesh.new_connection_share = 0;
  uint32_t ns = fx_namespace(s, "shop", MESH_NS_NONE);
  uint32_t web = fx_service(s, "web", ns, 2, 2e5, 0);
  s->services[web].app_workers = 8;
  uint32_t g = fx_gateway(s, "edge", 2);
  fx_traffic(s, web, rate);
  s->traffic[0].via = g;
  if (direct > 0)
    fx_traffic(s, web, direct);
}

/* Gateway cores = requests x 2 passes x CPU per pass, counted two ways:
 * against the requests the run finished (exact but for the few in flight at
 * the window's edges: 1%), and against the offered rate (a Poisson count of
 * n requests: relative sd 1/sqrt(n), 4 sd). Plain passes in mode none,
 * mTLS passes in the meshed modes; with common random numbers the two
 * differ by exactly the per-byte term. */
static void test_cpu_is_passes(void **state) {
  (void)state;
  static const mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT};
  static const double rates[] = {200, 800};
  for (size_t ri = 0; ri < 2; ri++) {
    profile p;
    scenario s;
    gw_build(&s, &p, rates[ri], 0);
    fx_modes(&s, modes, 3);
    run_result r;
    fx_run(&s, &p, &r);
    double cores[3];
    for (int i = 0; i < 3; i++) {
      const mode_result *m = &r.modes[i];
      double pass = GW_PASS_NS + (i == 0 ? GW_PLAIN_NS : GW_BYTE_NS) * GW_BYTES;
      double by_count = m->throughput_rps * 2 * pass / 1e9;
      double by_rate = rates[ri] * 2 * pass / 1e9;
      double n = rates[ri] * 10 * 2;
      cores[i] = m->kind[MESH_KIND_GATEWAY].cpu_cores_mean;
      printf("%-8s %4.0f rps: gateway %.5f cores; requests x passes x cpu %.5f; rate %.5f "
             "+- %.5f\n",
             mesh_mode_name(modes[i]), rates[ri], cores[i], by_count, by_rate,
             4 * by_rate / sqrt(n));
      assert_true(fabs(cores[i] - by_count) <= 0.01 * by_count);
      assert_true(fabs(cores[i] - by_rate) <= 4 * by_rate / sqrt(n));
      assert_int_equal(m->kind[MESH_KIND_GATEWAY].instances, 2);
      assert_true(m->kind[MESH_KIND_GATEWAY].reserved_cpu_cores > 0);
    }
    double want = (GW_PASS_NS + GW_PLAIN_NS * GW_BYTES) / (GW_PASS_NS + GW_BYTE_NS * GW_BYTES);
    printf("none / sidecar %.5f (want %.5f)\n", cores[0] / cores[1], want);
    assert_true(fabs(cores[0] / cores[1] - want) < 1e-3);
    run_result_release(&r);
    scenario_release(&s);
  }
}

/* A scenario without gateways has no gateway kind in its results. */
static void test_no_gateway_no_kind(void **state) {
  (void)state;
  profile p;
  scenario s;
  gw_build(&s, &p, 100, 0);
  s.traffic[0].via = SCN_NONE;
  free(s.gateways);
  s.gateways = NULL;
  s.n_gateways = 0;
  mesh_mode m = MESH_MODE_SIDECAR;
  fx_modes(&s, &m, 1);
  run_result r;
  fx_run(&s, &p, &r);
  const result_kind_usage *k = &r.modes[0].kind[MESH_KIND_GATEWAY];
  assert_int_equal(k->instances, 0);
  assert_true(k->cpu_cores_mean == 0 && k->reserved_cpu_cores == 0 && k->mem_mib_mean == 0);
  run_result_release(&r);
  scenario_release(&s);
}

/* Crashing replica #0 fails requests in every mode (the gateway runs in
 * mode none too), and only some: after Kubernetes takes it out of the
 * endpoints the other replica serves. */
static void test_crash_a_replica(void **state) {
  (void)state;
  static const mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT};
  profile p;
  scenario s;
  gw_build(&s, &p, 400, 0);
  fx_modes(&s, modes, 3);
  s.failures = calloc(1, sizeof *s.failures);
  s.n_failures = 1;
  scenario_failure *f = &s.failures[0];
  snprintf(f->name, sizeof f->name, "gw-crash");
  f->target = SCN_FAIL_GATEWAY;
  f->pick = SCN_PICK_NAMED;
  snprintf(f->instance, sizeof f->instance, "gateway/edge#0");
  f->kind = SCN_FAIL_CRASH;
  f->at_ns = 2 * SIM_S;
  f->duration_ns = 5 * SIM_S;
  run_result r;
  fx_run(&s, &p, &r);
  for (int i = 0; i < 3; i++) {
    const mode_result *m = &r.modes[i];
    assert_int_equal(m->n_failures, 1);
    const result_failure *rf = &m->failures[0];
    printf("%-8s %s: %llu failed of %llu\n", mesh_mode_name(modes[i]), rf->instance,
           (unsigned long long)rf->failed_requests, (unsigned long long)m->requests);
    assert_true(rf->has_target);
    assert_string_equal(rf->instance, "gateway/edge#0");
    assert_true(rf->failed_requests > 0);
    assert_true(rf->failed_requests < m->requests / 10);
  }
  run_result_release(&r);
  scenario_release(&s);
}

/* Each replica of a gateway carrying 300 of 400 external requests per
 * second has a request share of 300/400/2, and the pods of the entry
 * service behind it, in every mode. */
static void test_blast_radius(void **state) {
  (void)state;
  for (int mode = MESH_MODE_NONE; mode <= MESH_MODE_AMBIENT_WAYPOINT; mode++) {
    profile p;
    scenario s;
    gw_build(&s, &p, 300, 100);
    const profile *profs[MESH_PROXY_COUNT] = {&p, &p, &p, &p};
    topology t;
    assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, (mesh_mode)mode, 1), 0);
    result_blast sum[MESH_PROXY_COUNT];
    int has[MESH_PROXY_COUNT];
    result_blast_instance *list;
    uint32_t n;
    assert_int_equal(blast_compute(&t, sum, has, &list, &n), 0);
    int seen = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (strcmp(list[i].kind, BLAST_KIND_GATEWAY) != 0)
        continue;
      char want[32];
      snprintf(want, sizeof want, "gateway/edge#%d", seen++);
      assert_string_equal(list[i].instance, want);
      assert_true(fabs(list[i].request_share - 0.375) < 1e-12);
      assert_int_equal(list[i].pods, 2);
      assert_int_equal(list[i].identities, mode == MESH_MODE_NONE ? 0 : 1);
    }
    assert_int_equal(seen, 2);
    assert_true(has[MESH_PROXY_GATEWAY]);
    assert_int_equal(sum[MESH_PROXY_GATEWAY].instances, 2);
    free(list);
    topo_release(&t);
    scenario_release(&s);
  }
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cpu_is_passes),
      cmocka_unit_test(test_no_gateway_no_kind),
      cmocka_unit_test(test_crash_a_replica),
      cmocka_unit_test(test_blast_radius),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
