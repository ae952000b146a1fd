/* Calibration round trip through the simulator: 1000 rps of 1 KiB HTTP/1.1
 * through one proxy of each kind, in a cluster whose config size matches the
 * profile's reference (services and endpoints known), must reproduce the
 * profile's published CPU and memory within 10%. Runs every builtin profile. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "model_fixture.h"
#include "profile_load.h"
#include "proxy.h"
#include "sim_rng.h"

/* A client and a server plus idle services so that every proxy knows about
 * the reference number of services and endpoints. All in one namespace, all
 * L7 (so a namespace waypoint fronts every service), one node. External
 * traffic enters the client (or the server directly) at the reference rate. */
static void reference_cluster(scenario *s, const profile *p, int via_client, mesh_ns_mode mode) {
  fx_scenario(s, 1, 0);
  s->cluster.pools[0].cpu_millicores = 256000;
  s->cluster.pools[0].mem_bytes = (int64_t)1 << 40;
  uint32_t ns = fx_namespace(s, "ref", mode);
  uint32_t n_svc = (uint32_t)p->reference.services_known;
  uint32_t n_ep = (uint32_t)p->reference.endpoints_known;
  for (uint32_t i = 0; i < n_svc; i++) {
    char name[32];
    snprintf(name, sizeof name, i == 0 ? "server" : i == 1 ? "client" : "idle-%u", i);
    /* endpoints spread over the services; server and client get one replica each */
    uint32_t replicas = i < 2 ? 1 : (n_ep - 2) / (n_svc - 2) + (i - 2 < (n_ep - 2) % (n_svc - 2));
    uint32_t sv = fx_service(s, name, ns, replicas, 1e3, 1);
    s->services[sv].request_bytes = p->reference.request_bytes;
    s->services[sv].response_bytes = p->reference.response_bytes;
    s->services[sv].app_workers = 64;
    s->services[sv].cpu_request_millicores = 10;
  }
  if (via_client)
    fx_call(s, 1, 0, 1, 1.0);
  fx_traffic(s, via_client ? 1 : 0, p->reference.rps);
  s->meta.replications = 1;
  s->meta.duration_ns = 10 * SIM_S;
}

static void check_kind(const profile *p, mesh_proxy_kind k) {
  mesh_mode mode = k == MESH_PROXY_SIDECAR   ? MESH_MODE_SIDECAR
                   : k == MESH_PROXY_ZTUNNEL ? MESH_MODE_AMBIENT
                                             : MESH_MODE_AMBIENT_WAYPOINT;
  scenario s;
  reference_cluster(&s, p, k == MESH_PROXY_WAYPOINT, MESH_NS_NONE);
  fx_modes(&s, &mode, 1);
  model_inputs in;
  fx_inputs(&in, &s, p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  const mode_result *m = &r.modes[0];
  const result_kind_usage *u = &m->kind[mesh_proxy_kind_to_kind(k)];
  /* The proxy under test is one instance; the others only idle. The
   * published figure is the proxy alone: the node agent counted on the
   * ztunnel line and the per-local-workload terms (which the reference's
   * one or two local pods keep within the base's rounding, calibration.md
   * 3.11) are taken off. */
  double idle = p->proxy[k].idle_millicores / 1000.0;
  double agent_cpu = 0, agent_mem = 0, local = 0;
  if (k == MESH_PROXY_ZTUNNEL) {
    for (uint32_t n = 0; n < m->n_nodes; n++)
      local += m->nodes[n].pods;
    if (p->has_node_agent) {
      agent_cpu = u->instances * p->node_agent.idle_millicores / 1000.0;
      agent_mem = u->instances * p->node_agent.mem_bytes;
    }
  }
  double cpu = u->cpu_cores_mean - (u->instances - 1) * idle - agent_cpu -
               local * p->proxy[k].idle_per_local_workload_millicores / 1000.0;
  /* Memory: the heap of the work done (per_busy_core x CPU) sits on the one
   * busy proxy; the others hold the static part, whose mean stands for each. */
  double heap = p->proxy[k].mem_per_busy_core_bytes * cpu;
  double total =
      u->mem_mib_mean * 1048576.0 - agent_mem - local * p->proxy[k].mem_per_local_workload_bytes;
  double mem_mb = ((total - heap) / u->instances + heap) / 1e6;
  double pub_cpu = p->reference.cpu_cores[k], pub_mb = p->reference.mem_bytes[k] / 1e6;
  printf("%-12s %-8s cpu %.4f (published %.4f)  memory %.2f MB (published %.2f)\n", p->name,
         mesh_proxy_kind_name(k), cpu, pub_cpu, mem_mb, pub_mb);
  assert_true(pub_cpu > 0 && pub_mb > 0);
  assert_true(fabs(cpu - pub_cpu) / pub_cpu < 0.10);
  assert_true(fabs(mem_mb - pub_mb) / pub_mb < 0.10);
  run_result_release(&r);
  scenario_release(&s);
}

static void test_builtin_profiles_round_trip(void **state) {
  (void)state;
  size_t n = profile_load_builtin_count();
  assert_true(n >= 3);
  for (size_t i = 0; i < n; i++) {
    profile p;
    diag_list d;
    diag_list_init(&d);
    int rc = profile_load_builtin(profile_load_builtin_name(i), &p, &d);
    diag_list_release(&d);
    assert_int_equal(rc, 0);
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      if (p.has_proxy[k] && p.reference.cpu_cores[k] > 0)
        check_kind(&p, (mesh_proxy_kind)k);
  }
}

/* The published added latency of a proxy pair, simulated: a meshed client
 * (fortio with its own proxy) calls an echo server that does no work, 1000
 * requests/s at constant rate, 1 KiB each way, persistent connections, no
 * network time, two nodes; the pair's added p90 and p99 over no mesh must
 * give back the publication within 5%. The mean on-path times were fitted to
 * the p90 with the pass spread held (A13 of istio-1.24), so the p90 is a
 * round trip; the p99 is not fitted: it tests the spread (pass_sigma) and
 * the queueing the simulator adds. */
static void test_pair_percentiles(void **state) {
  (void)state;
  profile p;
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(profile_load_builtin("istio-1.24", &p, &d), 0);
  diag_list_release(&d);
  scenario s;
  fx_scenario(&s, 2, 0);
  s.meta.duration_ns = 30 * SIM_S;
  s.meta.replications = 3;
  uint32_t ns = fx_namespace(&s, "bench", MESH_NS_NONE);
  uint32_t fortio = fx_service(&s, "fortio", ns, 1, 1, 0);
  uint32_t echo = fx_service(&s, "echo", ns, 1, 1, 0);
  sim_dist_constant(1, &s.services[echo].service_time_ns);
  s.services[echo].app_workers = 64;
  fx_traffic(&s, echo, 1000);
  s.traffic[0].from = fortio;
  s.traffic[0].arrival = SCN_ARRIVAL_CONSTANT;
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT};
  fx_modes(&s, modes, 3);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    in.proxy_profile[k] = &p;
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  static const struct {
    int mode_index;
    double p90_ms, p99_ms;
    const char *what;
  } want[] = {{1, 0.228, 0.298, "two sidecars (Istio 1.20 text)"},
              {2, 0.17, 0.20, "two ztunnels (Istio 1.22 text)"}};
  const result_latency *base = &r.modes[0].latency;
  for (int i = 0; i < 2; i++) {
    const result_latency *l = &r.modes[want[i].mode_index].latency;
    double p90 = l->p90_ms - base->p90_ms, p99 = l->p99_ms - base->p99_ms;
    printf("%-30s added p90 %.4f ms (published %.3f), p99 %.4f ms (published %.3f)\n", want[i].what,
           p90, want[i].p90_ms, p99, want[i].p99_ms);
    assert_true(fabs(p90 / want[i].p90_ms - 1) <= 0.05);
    assert_true(fabs(p99 / want[i].p99_ms - 1) <= 0.05);
  }
  run_result_release(&r);
  scenario_release(&s);
}

/* Every published memory point the profiles' memory terms were fitted to
 * (scripts/fit-memory, docs/calibration.md 3.6.1), and the checks not fitted,
 * replayed through the memory formula with the point's config, connections,
 * requests in flight and worker CPU: each must come back within its stated
 * tolerance (5% for the fitted points; a check the model is known to miss
 * carries the miss it has, so a change that worsens it fails). */
static void test_published_memory_points(void **state) {
  (void)state;
  static const double MIB = 1048576.0;
  static const struct {
    const char *profile, *kind, *what;
    double published, services, endpoints, connections, in_flight, cores, tol;
  } pts[] = {
      /* Envoy: base and per_busy_core fitted by least squares (A14 of istio-1.24) */
      {"istio-1.24", "sidecar", "Istio 1.24 page, 1000 rps", 60e6, 25, 50, 4, 4, 0.20, 0.05},
      {"istio-1.24", "waypoint", "Istio 1.24 page, 1000 rps", 60e6, 25, 50, 4, 4, 0.25, 0.05},
      {"istio-1.24", "sidecar", "uds-core k3s, 20 rps", 45.00 * MIB, 15, 20, 2, 0.02, 0.004, 0.05},
      {"istio-1.24", "waypoint", "uds-core gateway, 20 rps", 47.275 * MIB, 15, 20, 4, 0.02, 0.005,
       0.05},
      /* checks, not fitted */
      {"istio-1.24", "sidecar", "Istio 1.24 draft, 4 workers", 61e6, 25, 50, 4, 4, 0.27, 0.05},
      {"istio-1.24", "waypoint", "Istio 1.24 draft, 4 workers", 57e6, 25, 50, 4, 4, 0.41, 0.25},
      {"istio-1.24", "sidecar", "uds-core k3s, 50 rps", 45.02 * MIB, 15, 20, 2, 0.05, 0.010, 0.05},
      {"istio-1.24", "sidecar", "uds-core k3s, 90 pods", 45.01 * MIB, 15, 109, 2, 0, 0.0004, 0.05},
      /* ztunnel: base and per_connection (A15 of istio-1.24) */
      {"istio-1.24", "ztunnel", "Istio 1.24 page, 1000 rps", 12e6, 25, 50, 4, 0, 0.06, 0.05},
      {"istio-1.24", "ztunnel", "chart, 100k connections", 512 * MIB, 25, 50, 1e5, 0, 0, 0.05},
      /* linkerd2-proxy: base and per_connection (A11 of linkerd-2.14) */
      {"linkerd-2.14", "sidecar", "Linkerd 2021 benchmark", 26.3e6, 25, 50, 4, 4, 0.01, 0.05},
      {"linkerd-2.14", "sidecar", "linkerd2#4900, 30000 sockets", 800e6, 25, 50, 3e4, 4, 0, 0.05},
      {"linkerd-2.14", "sidecar", "linkerd2#4900, normal pod", 20e6, 25, 50, 4, 4, 0, 0.35},
  };
  for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
    profile p;
    diag_list d;
    diag_list_init(&d);
    assert_int_equal(profile_load_builtin(pts[i].profile, &p, &d), 0);
    diag_list_release(&d);
    mesh_proxy_kind k = !strcmp(pts[i].kind, "sidecar")   ? MESH_PROXY_SIDECAR
                        : !strcmp(pts[i].kind, "ztunnel") ? MESH_PROXY_ZTUNNEL
                                                          : MESH_PROXY_WAYPOINT;
    double m = proxy_memory_bytes(&p.proxy[k], pts[i].services, pts[i].endpoints,
                                  pts[i].connections, pts[i].in_flight, pts[i].cores);
    double res = m / pts[i].published - 1;
    printf("%-12s %-8s %-30s published %8.2f MB, model %8.2f MB, residual %+5.1f%% (tol %.0f%%)\n",
           pts[i].profile, pts[i].kind, pts[i].what, pts[i].published / 1e6, m / 1e6, 100 * res,
           100 * pts[i].tol);
    assert_true(fabs(res) <= pts[i].tol);
  }
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builtin_profiles_round_trip),
      cmocka_unit_test(test_pair_percentiles),
      cmocka_unit_test(test_published_memory_points),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
