/* Failure drills against independent counts: which requests a crash or an
 * upgrade must fail is recomputed here from the documented common random
 * numbers (crn.h: root keys and pod picks) and the arrival times of a
 * constant-rate client, without running the model's failure code. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "crn.h"
#include "model_fixture.h"
#include "sim_rng.h"

#define REPLICAS 4
#define RATE     1000.0

/* One service of 4 replicas on one node, constant arrivals every 1 ms. */
static void one_service(scenario *s, double service_ns, uint32_t workers) {
  fx_scenario(s, 1, 0);
  uint32_t ns = fx_namespace(s, "ns", MESH_NS_SIDECAR);
  fx_service(s, "a", ns, REPLICAS, service_ns, 0);
  sim_dist_constant(service_ns, &s->services[0].service_time_ns);
  s->services[0].app_workers = workers;
  fx_traffic(s, 0, RATE);
  s->traffic[0].arrival = SCN_ARRIVAL_CONSTANT;
  s->meta.replications = 1;
  s->meta.duration_ns = 10 * SIM_S;
  s->meta.warmup_ns = 1 * SIM_S;
}

static void add_drill(scenario *s, scenario_failure_target target, const char *instance,
                      scenario_failure_kind kind, sim_time at, sim_time dur) {
  s->failures = realloc(s->failures, (s->n_failures + 1) * sizeof *s->failures);
  scenario_failure *f = &s->failures[s->n_failures++];
  memset(f, 0, sizeof *f);
  snprintf(f->name, sizeof f->name, "drill-%u", s->n_failures);
  f->target = target;
  f->pick = SCN_PICK_NAMED;
  snprintf(f->instance, sizeof f->instance, "%s", instance);
  f->kind = kind;
  f->at_ns = at;
  f->duration_ns = kind == SCN_FAIL_CRASH ? dur : 0;
  f->drain_ns = kind == SCN_FAIL_UPGRADE ? dur : 0;
}

/* Arrival time of root n of a constant-rate entry (first at 1/rate). */
static sim_time arrival(uint64_t n) {
  return (sim_time)(n + 1) * (sim_time)(1e9 / RATE);
}

/* Pod (0..REPLICAS-1) root n is sent to, from the documented key and pick. */
static uint32_t pod_of(uint64_t seed, uint64_t n) {
  double u = crn_uniform(seed, crn_root_key(0, n), CRN_PICK);
  uint32_t i = (uint32_t)(u * REPLICAS);
  return i < REPLICAS ? i : REPLICAS - 1;
}

static run_result run(scenario *s, mesh_mode mode) {
  profile p;
  fx_profile(&p);
  fx_modes(s, &mode, 1);
  model_inputs in;
  fx_inputs(&in, s, &p);
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  return r;
}

/* A crashed sidecar fails exactly the requests sent to its pod while it is
 * down and still in the service's endpoints: for the whole outage when
 * Kubernetes never removes it (detection 0), for the first 2 s (the
 * default: the kubelet reports the dead container) when it does. The
 * external caller has no sidecar, so the mesh retries nothing. */
static void sidecar_crash_case(sim_time detect_ns) {
  scenario s;
  one_service(&s, 10e3, 4);
  s.cluster.detect_pod_ns = detect_ns;
  add_drill(&s, SCN_FAIL_SIDECAR, "a-2", SCN_FAIL_CRASH, 2 * SIM_S, 3 * SIM_S);
  run_result r = run(&s, MESH_MODE_SIDECAR);
  uint64_t seed = model_replication_seed(s.meta.seed, 0);
  uint64_t want = 0, measured = 0;
  sim_time removed = detect_ns > 0 ? 3 * SIM_S + detect_ns : 6 * SIM_S;
  for (uint64_t n = 0; arrival(n) < 11 * SIM_S; n++) {
    sim_time t = arrival(n);
    if (t < SIM_S)
      continue;
    measured++;
    want += t >= 3 * SIM_S && t < 6 * SIM_S && t < removed && pod_of(seed, n) == 2;
  }
  const mode_result *m = &r.modes[0];
  printf("sidecar crash: independent count %llu, model %llu (of %llu)\n", (unsigned long long)want,
         (unsigned long long)m->failures[0].failed_requests, (unsigned long long)measured);
  assert_true(want > 400);
  /* The steady state runs without the drill (docs/model.md): every request succeeds there. */
  assert_int_equal(m->errors, 0);
  assert_int_equal(m->requests, measured);
  assert_int_equal(m->n_failures, 1);
  assert_int_equal(m->failures[0].failed_requests, want);
  assert_string_equal(m->failures[0].instance, "a-2");
  assert_int_equal(m->failures[0].affected_pods, 1);
  assert_int_equal(m->failures[0].affected_services, 1);
  double last = (double)(removed - 3 * SIM_S) / 1e9; /* the last failure's offset */
  assert_true(m->failures[0].recovery_s > last - 0.1 && m->failures[0].recovery_s <= last);
  /* time to detect: the removal delay, or never (a 0 delay removes nothing) */
  if (detect_ns > 0)
    assert_true(m->failures[0].detect_s == (double)detect_ns / 1e9);
  else
    assert_true(isnan(m->failures[0].detect_s));
  run_result_release(&r);
  scenario_release(&s);
}

static void test_sidecar_crash_independent_count(void **state) {
  (void)state;
  sidecar_crash_case(0);
  sidecar_crash_case(2 * SIM_S);
}

/* One retry to a fresh pod fails only when the retry hits the dead pod too:
 * about a quarter of the failures remain. */
static void test_retry_masks_failures(void **state) {
  (void)state;
  uint64_t errors[2];
  for (int attempts = 1; attempts <= 2; attempts++) {
    scenario s;
    one_service(&s, 10e3, 4);
    s.services[0].retry.attempts = (uint32_t)attempts;
    add_drill(&s, SCN_FAIL_SIDECAR, "a-2", SCN_FAIL_CRASH, 2 * SIM_S, 3 * SIM_S);
    run_result r = run(&s, MESH_MODE_SIDECAR);
    errors[attempts - 1] = r.modes[0].failures[0].failed_requests;
    run_result_release(&r);
    scenario_release(&s);
  }
  double ratio = (double)errors[1] / (double)errors[0];
  printf("retry: %llu failures without, %llu with one retry (ratio %.3f, expect ~0.25)\n",
         (unsigned long long)errors[0], (unsigned long long)errors[1], ratio);
  /* Binomial(750, 1/4): the ratio is 0.25 +- 0.016 (1 sd); 5 sd either side. */
  assert_true(ratio > 0.17 && ratio < 0.33);
}

/* A ztunnel crash on the only node takes every pod; the same drill names no
 * instance in sidecar mode and fails nothing there. */
static void test_ztunnel_crash_takes_node(void **state) {
  (void)state;
  scenario s;
  one_service(&s, 10e3, 4);
  add_drill(&s, SCN_FAIL_ZTUNNEL, "default-0", SCN_FAIL_CRASH, 2 * SIM_S, 3 * SIM_S);
  run_result amb = run(&s, MESH_MODE_AMBIENT);
  run_result sc = run(&s, MESH_MODE_SIDECAR);
  uint64_t want = 0;
  for (uint64_t n = 0; arrival(n) < 11 * SIM_S; n++)
    want += arrival(n) >= 3 * SIM_S && arrival(n) < 6 * SIM_S;
  assert_int_equal(amb.modes[0].failures[0].failed_requests, want);
  assert_int_equal(amb.modes[0].errors, 0); /* the steady state runs without the drill */
  assert_int_equal(amb.modes[0].failures[0].affected_pods, REPLICAS);
  assert_true(isnan(amb.modes[0].failures[0].detect_s)); /* its pods stay ready */
  assert_int_equal(sc.modes[0].failures[0].failed_requests, 0);
  assert_int_equal(sc.modes[0].errors, 0);
  assert_string_equal(sc.modes[0].failures[0].instance, "(none in this mode)");
  run_result_release(&amb);
  run_result_release(&sc);
  scenario_release(&s);
}

/* An upgrade keeps new connections working; only requests still holding the
 * old proxy when the drain ends are reset. With 50 ms of constant service and
 * 25 us on-path per pass (fixture: 50 us x 0.5), a request arriving at t holds
 * the sidecar over [t, t + 50.025 ms). */
static void test_upgrade_resets_only_held(void **state) {
  (void)state;
  scenario s;
  one_service(&s, 50e6, 512);
  add_drill(&s, SCN_FAIL_SIDECAR, "a-2", SCN_FAIL_UPGRADE, 2 * SIM_S, 1 * SIM_S);
  run_result r = run(&s, MESH_MODE_SIDECAR);
  uint64_t seed = model_replication_seed(s.meta.seed, 0);
  uint64_t want = 0;
  sim_time reset = 4 * SIM_S, hold = 50 * SIM_MS + 25 * SIM_US;
  for (uint64_t n = 0; arrival(n) < 11 * SIM_S; n++) {
    sim_time t = arrival(n);
    want += t < reset && t + hold > reset && pod_of(seed, n) == 2;
  }
  printf("upgrade: independent count %llu, model %llu\n", (unsigned long long)want,
         (unsigned long long)r.modes[0].failures[0].failed_requests);
  assert_true(want >= 5);
  assert_int_equal(r.modes[0].failures[0].failed_requests, want);
  assert_int_equal(r.modes[0].errors, 0); /* the steady state runs without the drill */
  run_result_release(&r);
  scenario_release(&s);
}

/* A per-try timeout shorter than the service time fails every request. */
static void test_timeout_fails_slow_calls(void **state) {
  (void)state;
  scenario s;
  one_service(&s, 10e6, 64);
  s.services[0].retry.timeout_ns = 5 * SIM_MS;
  s.traffic[0].rate_rps = 10;
  run_result r = run(&s, MESH_MODE_NONE);
  assert_int_equal(r.modes[0].requests, 0);
  assert_int_equal(r.modes[0].errors, 100); /* 10 s x 10 rps */
  run_result_release(&r);
  scenario_release(&s);
}

/* A burst against a one-replica waypoint: the autoscaler adds a replica only
 * after its delay (latency is high until then), and removing it again once
 * the load is gone resets the calls holding it, which count as failures of
 * the burst's overload drill. */
static void test_waypoint_autoscaler(void **state) {
  (void)state;
  scenario s;
  fx_scenario(&s, 2, 0);
  uint32_t ns = fx_namespace(&s, "ns", MESH_NS_AMBIENT_WAYPOINT);
  uint32_t client = fx_service(&s, "client", ns, 4, 10e3, 0);
  uint32_t api = fx_service(&s, "api", ns, 8, 2e6, 1); /* 2 ms: calls hold the waypoint */
  s.services[client].app_workers = 256;
  s.services[api].app_workers = 256;
  fx_call(&s, client, api, 1, 1.0);
  fx_traffic(&s, client, 5000); /* 2 passes x 60 us: utilisation 0.3 of one replica */
  s.traffic[0].bursts = calloc(1, sizeof *s.traffic[0].bursts);
  s.traffic[0].bursts[0] = (scenario_burst){
      .at_ns = 5 * SIM_S, .duration_ns = 10 * SIM_S, .multiplier = 4.0}; /* 1.2x its capacity */
  s.traffic[0].n_bursts = 1;
  s.waypoint_autoscale = (scenario_autoscale){.enabled = true,
                                              .target_utilisation = 0.5,
                                              .scale_up_delay_ns = 4 * SIM_S,
                                              .scale_down_delay_ns = 5 * SIM_S,
                                              .min_replicas = 1,
                                              .max_replicas = 4};
  s.meta.duration_ns = 30 * SIM_S;
  s.meta.replications = 1;
  run_result r = run(&s, MESH_MODE_AMBIENT_WAYPOINT);
  const mode_result *m = &r.modes[0];
  const double *reps = m->series.waypoint_replicas, *p99 = m->series.p99_ms;
  printf("waypoint replicas per second:");
  for (uint32_t i = 0; i < m->series.n_seconds; i++)
    printf(" %.0f", reps[i]);
  printf("\np99 ms: before %.3f, burst before scale-up %.3f, after %.3f\n", p99[3], p99[7],
         p99[12]);
  assert_true(reps[3] == 1);  /* before the burst */
  assert_true(reps[7] == 1);  /* burst started at 5 s, scale-up not there yet */
  assert_true(reps[12] >= 2); /* 4 s after the first evaluation of the burst */
  assert_true(reps[m->series.n_seconds - 1] == 1); /* scaled back down after the burst */
  assert_true(p99[7] > 2 * p99[3]);                /* saturated: queueing at the lone replica */
  assert_true(p99[12] < p99[7]);                   /* relieved */
  assert_int_equal(m->n_failures, 1);
  const result_failure *f = &m->failures[0];
  assert_string_equal(f->component, "overload");
  printf("overload drill: %llu failed (scale-down resets), %llu slow, recovery %.2f s\n",
         (unsigned long long)f->failed_requests, (unsigned long long)f->slo_violations,
         f->recovery_s);
  assert_true(f->failed_requests > 0);
  assert_int_equal(f->failed_requests, m->errors);
  run_result_release(&r);
  scenario_release(&s);
}

/* front (1 pod) calls back (4 pods) once per request; back-2's sidecar
 * crashes for 3 s and stays in the endpoints (detection 0). Without mesh
 * retries, exactly the requests whose call picked back-2 in the outage
 * fail. With Istio's default (2 retries of connect failures by the caller's
 * sidecar, to another pod by up to 5 picks), a request fails only when a
 * retry's picks all land on back-2 again: counted independently from the
 * documented keys. */
static uint32_t back_pick(uint64_t seed, uint64_t key) {
  double u = crn_uniform(seed, key, CRN_PICK);
  uint32_t i = (uint32_t)(u * REPLICAS);
  return i < REPLICAS ? i : REPLICAS - 1;
}

static uint64_t mesh_retry_case(uint32_t retries, uint64_t *want_out) {
  scenario s;
  fx_scenario(&s, 1, 0);
  uint32_t ns = fx_namespace(&s, "ns", MESH_NS_SIDECAR);
  fx_service(&s, "front", ns, 1, 1e4, 0);
  fx_service(&s, "back", ns, REPLICAS, 1e4, 0);
  s.services[0].app_workers = 64;
  s.services[1].app_workers = 64;
  fx_call(&s, 0, 1, 1, 1.0);
  fx_traffic(&s, 0, RATE);
  s.traffic[0].arrival = SCN_ARRIVAL_CONSTANT;
  s.meta.replications = 1;
  s.meta.duration_ns = 10 * SIM_S;
  s.meta.warmup_ns = 1 * SIM_S;
  s.mesh.retries = retries;
  s.cluster.detect_pod_ns = 0;
  add_drill(&s, SCN_FAIL_SIDECAR, "back-2", SCN_FAIL_CRASH, 2 * SIM_S, 3 * SIM_S);
  run_result r = run(&s, MESH_MODE_SIDECAR);
  uint64_t seed = model_replication_seed(s.meta.seed, 0), want = 0;
  for (uint64_t n = 0; arrival(n) < 11 * SIM_S; n++) {
    sim_time t = arrival(n);
    if (t < 3 * SIM_S || t >= 6 * SIM_S)
      continue;
    uint64_t key = crn_child_key(crn_root_key(0, n), 0);
    int failed = back_pick(seed, key) == 2;
    /* Each retry re-keys the call and re-picks, avoiding the failed pod. */
    for (uint32_t k = 1; failed && k <= retries; k++) {
      key = crn_child_key(key, 3000u + k);
      uint32_t pick = 2;
      for (uint32_t h = 0; h < 5 && pick == 2; h++)
        pick = back_pick(seed, crn_child_key(key, 4000u + h));
      failed = pick == 2;
    }
    want += (uint64_t)failed;
  }
  uint64_t got = r.modes[0].failures[0].failed_requests;
  printf("mesh retries %u: independent count %llu, model %llu\n", retries, (unsigned long long)want,
         (unsigned long long)got);
  *want_out = want;
  run_result_release(&r);
  scenario_release(&s);
  return got;
}

static void test_mesh_retries_mask_connect_failures(void **state) {
  (void)state;
  uint64_t want0, want2;
  uint64_t none = mesh_retry_case(0, &want0), two = mesh_retry_case(2, &want2);
  assert_int_equal(none, want0);
  assert_int_equal(two, want2);
  assert_true(want0 > 500);
  assert_true(two * 100 < none);
}

/* Calls toward a node that is gone get no answer: they fail at the connect
 * timeout, not at once, so the last failure a 2 s node outage causes comes
 * 10 s after it ends. */
static void test_connect_timeout_on_lost_node(void **state) {
  (void)state;
  for (int with_timeout = 0; with_timeout < 2; with_timeout++) {
    scenario s;
    fx_scenario(&s, 2, 0); /* two nodes: one is lost */
    uint32_t ns = fx_namespace(&s, "ns", MESH_NS_NONE);
    fx_service(&s, "a", ns, REPLICAS, 10e3, 0);
    sim_dist_constant(10e3, &s.services[0].service_time_ns);
    s.services[0].app_workers = 4;
    fx_traffic(&s, 0, RATE);
    s.traffic[0].arrival = SCN_ARRIVAL_CONSTANT;
    s.meta.replications = 1;
    s.cluster.detect_node_ns = 0;
    s.mesh.connect_timeout_ns = with_timeout ? 10 * SIM_S : 0;
    add_drill(&s, SCN_FAIL_NODE, "default-1", SCN_FAIL_CRASH, 2 * SIM_S, 2 * SIM_S);
    run_result r = run(&s, MESH_MODE_NONE);
    const result_failure *f = &r.modes[0].failures[0];
    printf("connect timeout %d: failed %llu, recovery %.3f s\n", with_timeout,
           (unsigned long long)f->failed_requests, f->recovery_s);
    assert_true(f->failed_requests > 100);
    assert_true(isnan(f->detect_s)); /* detection off */
    if (with_timeout)
      assert_true(f->recovery_s > 11.9 && f->recovery_s <= 12.0);
    else
      assert_true(f->recovery_s > 1.9 && f->recovery_s <= 2.0);
    run_result_release(&r);
    scenario_release(&s);
  }
}

/* Time to detect a lost node: the node grace period when the node stays
 * down longer, never when it comes back first. */
static void test_node_detection_time(void **state) {
  (void)state;
  const sim_time grace[] = {SIM_S, 3 * SIM_S};
  for (int i = 0; i < 2; i++) {
    scenario s;
    fx_scenario(&s, 2, 0);
    uint32_t ns = fx_namespace(&s, "ns", MESH_NS_NONE);
    fx_service(&s, "a", ns, REPLICAS, 10e3, 0);
    fx_traffic(&s, 0, RATE);
    s.meta.replications = 1;
    s.cluster.detect_node_ns = grace[i];
    add_drill(&s, SCN_FAIL_NODE, "default-1", SCN_FAIL_CRASH, 2 * SIM_S, 2 * SIM_S);
    run_result r = run(&s, MESH_MODE_SIDECAR);
    const result_failure *f = &r.modes[0].failures[0];
    if (grace[i] < 2 * SIM_S)
      assert_true(f->detect_s == 1.0);
    else
      assert_true(isnan(f->detect_s));
    run_result_release(&r);
    scenario_release(&s);
  }
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sidecar_crash_independent_count),
      cmocka_unit_test(test_retry_masks_failures),
      cmocka_unit_test(test_ztunnel_crash_takes_node),
      cmocka_unit_test(test_node_detection_time),
      cmocka_unit_test(test_upgrade_resets_only_held),
      cmocka_unit_test(test_timeout_fails_slow_calls),
      cmocka_unit_test(test_waypoint_autoscaler),
      cmocka_unit_test(test_mesh_retries_mask_connect_failures),
      cmocka_unit_test(test_connect_timeout_on_lost_node),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
