/* Per-namespace attribution (models/attribution.h): known answers on a
 * two-namespace chain whose every pass costs a fixed, round time, the
 * namespaces adding up to each mode's totals in every mode, and a hybrid
 * run with every namespace in one mode giving that uniform mode's shares
 * exactly (common random numbers; the advisor relies on it). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "attribution.h"
#include "model_fixture.h"

static const mode_result *find_mode(const run_result *r, mesh_mode m) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    if (r->modes[i].mode == m)
      return &r->modes[i];
  fail_msg("mode %s missing", mesh_mode_name(m));
  return NULL;
}

static void assert_close(double want, double got, double rel, const char *what) {
  double tol = rel * fmax(fabs(want), 1e-12);
  printf("  %-44s want %.9g got %.9g\n", what, want, got);
  if (!(fabs(want - got) <= tol))
    fail_msg("%s: want %.9g, got %.9g", what, want, got);
}

/* Namespace "a" (one pod of service A) takes external traffic and calls
 * namespace "b" (one pod of B, which needs L7) once per request; two nodes
 * in two zones, so spread placement puts A and B apart. Fixture profile:
 * sidecar passes 50 us, ztunnel 20 us, waypoint 60 us, no idle CPU, no
 * byte or connection cost. */
static void chain(scenario *s, mesh_ns_mode hybrid_a, mesh_ns_mode hybrid_b) {
  fx_scenario(s, 2, 1);
  uint32_t a = fx_namespace(s, "a", hybrid_a);
  uint32_t b = fx_namespace(s, "b", hybrid_b);
  snprintf(s->namespaces[b].tenant, SCN_NAME_MAX, "other");
  fx_service(s, "A", a, 1, 0.2e6, 0);
  fx_service(s, "B", b, 1, 0.2e6, 1);
  fx_call(s, 0, 1, 1, 1.0);
  fx_traffic(s, 0, 200);
  s->meta.duration_ns = 5 * SIM_S;
}

/* Who each pass is for, by hand: external -> A crosses A's server-side
 * proxy (request and response: 2 passes, for a), A -> B crosses A's
 * client side (2, for a) and B's server side (2, for b), and in
 * ambient-waypoint B's waypoint (2, for b). So a does twice b's sidecar
 * and ztunnel work, and b all the waypoint's; the cross-zone bytes of
 * A -> B are b's; every entry request is a's. */
static void test_known_answers(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  chain(&s, MESH_NS_SIDECAR, MESH_NS_AMBIENT);
  const mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                             MESH_MODE_AMBIENT_WAYPOINT, MESH_MODE_HYBRID};
  fx_modes(&s, modes, 5);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  for (uint32_t i = 0; i < r.n_modes; i++)
    assert_int_equal(r.modes[i].n_namespaces, 2);

  const mode_result *sc = find_mode(&r, MESH_MODE_SIDECAR);
  printf("sidecar:\n");
  assert_close(2 * sc->namespaces[1].cpu_cores[MESH_KIND_SIDECAR],
               sc->namespaces[0].cpu_cores[MESH_KIND_SIDECAR], 1e-9, "a's sidecar CPU = 2 x b's");
  /* 200 rps x 6 passes x 50 us = 0.06 cores in all, less the requests
   * still arriving at the edges of the window */
  assert_close(0.06, sc->kind[MESH_KIND_SIDECAR].cpu_cores_mean, 0.02, "sidecar CPU in all");
  assert_close(sc->namespaces[0].cpu_cores[MESH_KIND_CONTROL_PLANE],
               sc->namespaces[1].cpu_cores[MESH_KIND_CONTROL_PLANE], 1e-12,
               "istiod split by proxies: one sidecar each");
  assert_close(0, sc->namespaces[0].cross_zone_gb_month, 0, "a receives nothing across zones");
  assert_close(sc->cross_zone_gb_month, sc->namespaces[1].cross_zone_gb_month, 1e-12,
               "b: all cross-zone traffic");
  assert_true(sc->cross_zone_gb_month > 0);

  const mode_result *am = find_mode(&r, MESH_MODE_AMBIENT);
  printf("ambient:\n");
  assert_close(2 * am->namespaces[1].cpu_cores[MESH_KIND_ZTUNNEL],
               am->namespaces[0].cpu_cores[MESH_KIND_ZTUNNEL], 1e-9, "a's ztunnel CPU = 2 x b's");
  assert_close(0, am->namespaces[0].cpu_cores[MESH_KIND_SIDECAR], 0, "no sidecar");

  const mode_result *wp = find_mode(&r, MESH_MODE_AMBIENT_WAYPOINT);
  printf("ambient-waypoint:\n");
  assert_close(0, wp->namespaces[0].cpu_cores[MESH_KIND_WAYPOINT], 0, "a: no waypoint work");
  assert_close(wp->kind[MESH_KIND_WAYPOINT].cpu_cores_mean,
               wp->namespaces[1].cpu_cores[MESH_KIND_WAYPOINT], 1e-12, "b: the whole waypoint");
  assert_close(wp->kind[MESH_KIND_WAYPOINT].mem_mib_mean,
               wp->namespaces[1].mem_mib[MESH_KIND_WAYPOINT], 1e-12, "b: the waypoint's memory");
  assert_close(0, wp->namespaces[0].mem_mib[MESH_KIND_WAYPOINT], 0, "a: none of it");

  const mode_result *hy = find_mode(&r, MESH_MODE_HYBRID);
  printf("hybrid (a sidecar, b ambient):\n");
  assert_int_equal(hy->namespaces[0].mode, MESH_NS_SIDECAR);
  assert_int_equal(hy->namespaces[1].mode, MESH_NS_AMBIENT);
  assert_close(hy->kind[MESH_KIND_SIDECAR].cpu_cores_mean,
               hy->namespaces[0].cpu_cores[MESH_KIND_SIDECAR], 1e-12, "a: every sidecar");
  assert_close(hy->kind[MESH_KIND_ZTUNNEL].cpu_cores_mean,
               hy->namespaces[1].cpu_cores[MESH_KIND_ZTUNNEL], 1e-12,
               "b: every ztunnel pass (the sidecar talks HBONE to b's ztunnel)");

  /* Latency: every entry request is a's, so its gain is the mode's mean
   * against none's, the same requests by common random numbers. */
  const mode_result *none = find_mode(&r, MESH_MODE_NONE);
  printf("latency:\n");
  for (uint32_t i = 1; i < r.n_modes; i++) {
    const mode_result *m = &r.modes[i];
    assert_int_equal(m->namespaces[0].entry_requests, m->requests);
    assert_int_equal(m->namespaces[1].entry_requests, 0);
    assert_true(isnan(m->namespaces[1].entry_latency_ms));
    assert_true(isnan(m->namespaces[1].latency_gain_ms));
    assert_close(m->latency.mean_ms - none->latency.mean_ms, m->namespaces[0].latency_gain_ms, 1e-6,
                 mesh_mode_name(m->mode));
    assert_true(m->namespaces[0].latency_gain_ms > 0);
    assert_true(m->namespaces[0].mesh_time_ms > 0 && m->namespaces[1].mesh_time_ms > 0);
  }
  assert_close(0, none->namespaces[0].latency_gain_ms, 0, "none against itself");
  run_result_release(&r);
  scenario_release(&s);
}

/* Every figure of the namespaces adds up to the mode's own, in every mode. */
static void test_shares_add_up(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  p.proxy[MESH_PROXY_SIDECAR].idle_millicores = 3;
  p.proxy[MESH_PROXY_ZTUNNEL].idle_millicores = 1;
  p.proxy[MESH_PROXY_WAYPOINT].idle_millicores = 3;
  p.proxy[MESH_PROXY_SIDECAR].byte_cpu_ns = 0.5;
  p.control_plane.per_service_millicores = 2;
  p.control_plane.mem_per_service_bytes = 1e5;
  p.control_plane.mem_per_endpoint_bytes = 1e4;
  scenario s;
  fx_scenario(&s, 3, 1);
  uint32_t ns[3] = {fx_namespace(&s, "front", MESH_NS_AMBIENT_WAYPOINT),
                    fx_namespace(&s, "mid", MESH_NS_SIDECAR),
                    fx_namespace(&s, "back", MESH_NS_AMBIENT)};
  fx_service(&s, "web", ns[0], 3, 0.3e6, 1);
  fx_service(&s, "api", ns[1], 2, 0.2e6, 1);
  fx_service(&s, "db", ns[2], 4, 0.1e6, 0);
  fx_service(&s, "cache", ns[2], 2, 0.05e6, 0);
  fx_call(&s, 0, 1, 2, 0.7);
  fx_call(&s, 1, 2, 1, 1.0);
  fx_call(&s, 0, 3, 1, 0.5);
  fx_traffic(&s, 0, 300);
  fx_traffic(&s, 1, 50);
  s.mesh.new_connection_share = 0.05;
  const mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                             MESH_MODE_AMBIENT_WAYPOINT, MESH_MODE_HYBRID};
  fx_modes(&s, modes, 5);
  model_inputs in;
  fx_inputs(&in, &s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  for (uint32_t i = 0; i < r.n_modes; i++) {
    const mode_result *m = &r.modes[i];
    printf("%s:\n", mesh_mode_name(m->mode));
    double cpu[MESH_KIND_COUNT] = {0}, mem[MESH_KIND_COUNT] = {0}, res_cpu = 0, res_mem = 0;
    double mesh_res_cpu = 0, cost = 0, mesh_cost = 0, xz = 0;
    uint64_t entry = 0;
    for (uint32_t j = 0; j < m->n_namespaces; j++) {
      const result_namespace *n = &m->namespaces[j];
      for (int k = 0; k < MESH_KIND_COUNT; k++) {
        cpu[k] += n->cpu_cores[k];
        mem[k] += n->mem_mib[k];
      }
      res_cpu += n->reserved_cpu_cores;
      res_mem += n->reserved_mem_mib;
      mesh_res_cpu += n->mesh_reserved_cpu_cores;
      cost += n->cost_usd_month;
      mesh_cost += n->mesh_cost_usd_month;
      xz += n->cross_zone_gb_month;
      entry += n->entry_requests;
    }
    for (int k = 0; k < MESH_KIND_COUNT; k++) {
      assert_close(m->kind[k].cpu_cores_mean, cpu[k], 1e-9, mesh_kind_name((mesh_kind)k));
      assert_close(m->kind[k].mem_mib_mean, mem[k], 1e-9, mesh_kind_name((mesh_kind)k));
    }
    assert_close(m->reserved_cpu_cores, res_cpu, 1e-9, "reserved CPU");
    assert_close(m->reserved_mem_mib, res_mem, 1e-9, "reserved memory");
    assert_close(m->reserved_cpu_cores - m->kind[MESH_KIND_APP].reserved_cpu_cores, mesh_res_cpu,
                 1e-9, "mesh reserved CPU");
    assert_close(m->cost_usd_month, cost, 1e-9, "cost");
    assert_close(m->cost_mesh_reserved_usd_month, mesh_cost, 1e-9, "mesh cost");
    assert_close(m->cross_zone_gb_month, xz, 1e-9, "cross-zone GB");
    assert_int_equal(entry, m->requests);
  }
  run_result_release(&r);
  scenario_release(&s);
}

/* Mode hybrid with every namespace in mode X is mode X, share for share:
 * the same topology, paths and random numbers. */
static void test_hybrid_equals_uniform(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  static const mesh_mode uniform[3] = {MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                                       MESH_MODE_AMBIENT_WAYPOINT};
  static const mesh_ns_mode as_ns[3] = {MESH_NS_SIDECAR, MESH_NS_AMBIENT, MESH_NS_AMBIENT_WAYPOINT};
  for (int u = 0; u < 3; u++) {
    scenario s;
    chain(&s, as_ns[u], as_ns[u]);
    const mesh_mode modes[2] = {uniform[u], MESH_MODE_HYBRID};
    fx_modes(&s, modes, 2);
    model_inputs in;
    fx_inputs(&in, &s, &p);
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    const mode_result *a = &r.modes[0], *b = &r.modes[1];
    printf("%s: cost %.6f / %.6f, p99 %.6f / %.6f\n", mesh_mode_name(uniform[u]), a->cost_usd_month,
           b->cost_usd_month, a->latency.p99_ms, b->latency.p99_ms);
    assert_true(a->cost_usd_month == b->cost_usd_month);
    assert_true(a->latency.p99_ms == b->latency.p99_ms);
    assert_true(a->mesh_cpu_cores == b->mesh_cpu_cores);
    for (uint32_t j = 0; j < a->n_namespaces; j++) {
      assert_int_equal(a->namespaces[j].mode, b->namespaces[j].mode);
      assert_true(a->namespaces[j].cost_usd_month == b->namespaces[j].cost_usd_month);
      assert_true(a->namespaces[j].mesh_cpu_cores == b->namespaces[j].mesh_cpu_cores);
      assert_true(a->namespaces[j].mesh_time_ms == b->namespaces[j].mesh_time_ms);
    }
    run_result_release(&r);
    scenario_release(&s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_shares_add_up),
      cmocka_unit_test(test_hybrid_equals_uniform),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
