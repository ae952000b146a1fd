/* Costs that grow with the workload rather than with requests (issue 12,
 * item 1): a ztunnel's cost per ambient pod on its node, the control
 * plane's endpoint pushes driven by pod churn (debounced), and the node
 * agent (istio-cni) beside every ztunnel. Each is checked against a count
 * made here, independently of the model's own. */
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
#include "sim_rng.h"

#define MIB (1024.0 * 1024.0)

/* One service of `replicas` pods in an ambient namespace on `nodes` nodes,
 * 50 rps, run in mode `mode`. */
static void run_one(const profile *p, uint32_t nodes, uint32_t replicas, mesh_mode mode,
                    double churn_per_s, run_result *r, scenario *s) {
  fx_scenario(s, nodes, 0);
  s->meta.duration_ns = 2 * SIM_S;
  s->meta.replications = 1;
  s->cluster.pod_churn_per_s = churn_per_s;
  uint32_t ns = fx_namespace(s, "app", MESH_NS_AMBIENT);
  uint32_t web = fx_service(s, "web", ns, replicas, 1e5, 0);
  fx_traffic(s, web, 50);
  fx_modes(s, &mode, 1);
  fx_run(s, p, r);
}

/* Ambient CPU and memory on a node grow with its pods by exactly the
 * per-local-workload terms: the same run with and without them differs,
 * per node, by the term times the pods the result places there. */
static void test_ztunnel_grows_with_local_pods(void **state) {
  (void)state;
  const double idle_mc = 0.5, mem_b = 25e3;
  const uint32_t sizes[2] = {2, 12};
  double grew_mem[2], grew_cpu[2];
  for (int i = 0; i < 2; i++) {
    profile off, on;
    fx_profile(&off);
    fx_profile(&on);
    on.proxy[MESH_PROXY_ZTUNNEL].idle_per_local_workload_millicores = idle_mc;
    on.proxy[MESH_PROXY_ZTUNNEL].mem_per_local_workload_bytes = mem_b;
    run_result ra, rb;
    scenario sa, sb;
    run_one(&off, 2, sizes[i], MESH_MODE_AMBIENT, 0, &ra, &sa);
    run_one(&on, 2, sizes[i], MESH_MODE_AMBIENT, 0, &rb, &sb);
    const mode_result *a = &ra.modes[0], *b = &rb.modes[0];
    uint32_t pods = 0;
    for (uint32_t n = 0; n < b->n_nodes; n++) {
      uint32_t local = b->nodes[n].pods; /* all ambient here */
      pods += local;
      double dm =
          (b->nodes[n].mem_mib[MESH_KIND_ZTUNNEL] - a->nodes[n].mem_mib[MESH_KIND_ZTUNNEL]) * MIB;
      assert_true(fabs(dm - mem_b * local) < 1e-3);
    }
    assert_int_equal(pods, sizes[i]);
    grew_mem[i] =
        (b->kind[MESH_KIND_ZTUNNEL].mem_mib_mean - a->kind[MESH_KIND_ZTUNNEL].mem_mib_mean) * MIB;
    grew_cpu[i] =
        b->kind[MESH_KIND_ZTUNNEL].cpu_cores_mean - a->kind[MESH_KIND_ZTUNNEL].cpu_cores_mean;
    printf("%u pods: ztunnels +%.0f B, +%.6f cores\n", sizes[i], grew_mem[i], grew_cpu[i]);
    assert_true(fabs(grew_mem[i] - mem_b * sizes[i]) < 1e-3);
    assert_true(fabs(grew_cpu[i] - idle_mc / 1000.0 * sizes[i]) < 1e-12);
    /* the sizing of one ztunnel carries its share of the idle CPU */
    assert_true(b->plan.sizing[MESH_PROXY_ZTUNNEL].max_cpu_cores >
                a->plan.sizing[MESH_PROXY_ZTUNNEL].max_cpu_cores);
    run_result_release(&ra);
    run_result_release(&rb);
    scenario_release(&sa);
    scenario_release(&sb);
  }
  assert_true(grew_mem[1] > grew_mem[0] && grew_cpu[1] > grew_cpu[0]);
}

/* Known answers of the debounced push rate. */
static void test_push_rate_known(void **state) {
  (void)state;
  profile_control_plane cp = {0};
  assert_true(control_plane_push_rate(&cp, 0) == 0);
  assert_true(fabs(control_plane_push_rate(&cp, 3) - 3) < 1e-12); /* no debounce */
  cp.debounce_after_ns = 100e6;
  /* uncapped: lambda e^(-lambda d) */
  assert_true(fabs(control_plane_push_rate(&cp, 2) - 2 * exp(-0.2)) < 1e-12);
  cp.debounce_max_ns = 10e9;
  assert_true(fabs(control_plane_push_rate(&cp, 2) - 2 * exp(-0.2)) < 1e-12);
  /* capped: (e^10 - 1)/100 = 220 s > 10 s, so 1 / (0.01 + 10) */
  assert_true(fabs(control_plane_push_rate(&cp, 100) - 1 / 10.01) < 1e-12);
  cp.push_per_proxy_ns = 50e3;
  cp.push_per_endpoint_ns = 500;
  double want = (2 * exp(-0.2) * 50e3 * 7 + 2 * 500 * 21) / 1e9;
  assert_true(fabs(control_plane_push_cores(&cp, 2, 7, 21) - want) < 1e-15);
}

/* The debounce rule simulated on Poisson events (push once no event came
 * for d; no cap): pushes per second against lambda e^(-lambda d), within a
 * 99.9% interval of the count (a Poisson-like count: sd ~ sqrt(n), the
 * batches being independent). */
static void test_push_rate_statistics(void **state) {
  (void)state;
  const double lambdas[3] = {1, 10, 30}, d = 0.1, T = 20000;
  gsl_rng *rng = sim_rng_new(7, 1, 1);
  profile_control_plane cp = {.debounce_after_ns = d * 1e9};
  for (int i = 0; i < 3; i++) {
    double l = lambdas[i], t = 0, pushes = 0;
    double next = -log(sim_rng_uniform_pos(rng)) / l;
    while (next < T) {
      t = next;
      next = t - log(sim_rng_uniform_pos(rng)) / l;
      if (next - t >= d)
        pushes += 1; /* the quiet gap after this event ends the batch */
    }
    double want = control_plane_push_rate(&cp, l) * T;
    printf("lambda %.0f/s: %.0f pushes, theory %.1f\n", l, pushes, want);
    assert_true(fabs(pushes - want) < 3.3 * sqrt(want));
  }
  sim_rng_free(rng);
}

/* End to end: istiod's CPU grows with churn by the formula, with the
 * receivers counted here: sidecar mode (cluster scope) every sidecar,
 * ambient every ztunnel. */
static void test_churn_drives_pushes(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  p.control_plane.push_per_proxy_ns = 50e3;
  p.control_plane.push_per_endpoint_ns = 500;
  p.control_plane.debounce_after_ns = 100e6;
  p.control_plane.debounce_max_ns = 10e9;
  const mesh_mode modes[2] = {MESH_MODE_SIDECAR, MESH_MODE_AMBIENT};
  const uint32_t nodes = 3, pods = 6;
  const double churn = 2;
  for (int i = 0; i < 2; i++) {
    run_result r0, r1;
    scenario s0, s1;
    run_one(&p, nodes, pods, modes[i], 0, &r0, &s0);
    run_one(&p, nodes, pods, modes[i], churn, &r1, &s1);
    double receivers = modes[i] == MESH_MODE_SIDECAR ? pods : nodes;
    double pushes = churn * exp(-churn * 0.1);
    double want = (pushes * 50e3 * receivers + churn * 500 * receivers * pods) / 1e9;
    double got = r1.modes[0].kind[MESH_KIND_CONTROL_PLANE].cpu_cores_mean -
                 r0.modes[0].kind[MESH_KIND_CONTROL_PLANE].cpu_cores_mean;
    printf("%s: churn %.0f/s adds %.6f cores to istiod (want %.6f)\n", mesh_mode_name(modes[i]),
           churn, got, want);
    assert_true(fabs(got - want) < 1e-12);
    run_result_release(&r0);
    run_result_release(&r1);
    scenario_release(&s0);
    scenario_release(&s1);
  }
}

/* The node agent: one beside every ztunnel in ambient, its request on every
 * node and on the ztunnels' line, its idle use counted; none in sidecar
 * mode. */
static void test_node_agent(void **state) {
  (void)state;
  profile off, on;
  fx_profile(&off);
  fx_profile(&on);
  on.has_node_agent = 1;
  on.node_agent = (profile_node_agent){.idle_millicores = 2,
                                       .mem_bytes = 40e6,
                                       .request_millicores = 100,
                                       .request_mem_bytes = 100 << 20};
  const uint32_t nodes = 3;
  run_result ra, rb;
  scenario sa, sb;
  run_one(&off, nodes, 6, MESH_MODE_AMBIENT, 0, &ra, &sa);
  run_one(&on, nodes, 6, MESH_MODE_AMBIENT, 0, &rb, &sb);
  const mode_result *a = &ra.modes[0], *b = &rb.modes[0];
  assert_int_equal(b->n_nodes, nodes);
  for (uint32_t n = 0; n < nodes; n++) {
    assert_true(fabs(b->nodes[n].reserved_cpu_cores - a->nodes[n].reserved_cpu_cores - 0.1) <
                1e-12);
    assert_true(fabs(b->nodes[n].reserved_mem_mib - a->nodes[n].reserved_mem_mib - 100) < 1e-9);
    assert_true(fabs(b->nodes[n].mem_mib[MESH_KIND_ZTUNNEL] -
                     a->nodes[n].mem_mib[MESH_KIND_ZTUNNEL] - 40e6 / MIB) < 1e-9);
  }
  const result_kind_usage *ka = &a->kind[MESH_KIND_ZTUNNEL], *kb = &b->kind[MESH_KIND_ZTUNNEL];
  assert_true(fabs(kb->reserved_cpu_cores - ka->reserved_cpu_cores - nodes * 0.1) < 1e-12);
  assert_true(fabs(kb->cpu_cores_mean - ka->cpu_cores_mean - nodes * 0.002) < 1e-12);
  assert_true(fabs(kb->mem_mib_mean - ka->mem_mib_mean - nodes * 40e6 / MIB) < 1e-9);
  assert_int_equal(kb->instances, ka->instances); /* ztunnels still counted alone */
  /* not part of one ztunnel's right-sized request */
  assert_true(fabs(b->plan.sizing[MESH_PROXY_ZTUNNEL].p95_mem_mib -
                   a->plan.sizing[MESH_PROXY_ZTUNNEL].p95_mem_mib) < 1e-9);
  run_result_release(&ra);
  run_result_release(&rb);
  scenario_release(&sa);
  scenario_release(&sb);
  /* sidecar mode runs no node agent */
  run_one(&off, nodes, 6, MESH_MODE_SIDECAR, 0, &ra, &sa);
  run_one(&on, nodes, 6, MESH_MODE_SIDECAR, 0, &rb, &sb);
  assert_true(fabs(rb.modes[0].reserved_cpu_cores - ra.modes[0].reserved_cpu_cores) < 1e-12);
  assert_true(fabs(rb.modes[0].mesh_mem_mib - ra.modes[0].mesh_mem_mib) < 1e-12);
  run_result_release(&ra);
  run_result_release(&rb);
  scenario_release(&sa);
  scenario_release(&sb);
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ztunnel_grows_with_local_pods),
      cmocka_unit_test(test_push_rate_known),
      cmocka_unit_test(test_push_rate_statistics),
      cmocka_unit_test(test_churn_drives_pushes),
      cmocka_unit_test(test_node_agent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
