/* Tests for capacity (models/capacity.h): the formulas as known answers
 * (replicas needed, nearest-rank quantile, top-N selection against a full
 * sort), then simulated runs built to fail them: a waypoint offered 250% of
 * what its one replica can do, a node whose pods use more CPU than it has,
 * a cluster whose use stays below its requests, and a one-station path whose
 * latency is all spent at that station; and the warnings `meshsim run`
 * prints and writes in its JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capacity.h"
#include "cost.h"
#include "model_fixture.h"
#include "result_json.h"
#include "result_table.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the formulas -------------------------------------------------------------- */

static void test_replicas_needed(void **state) {
  (void)state;
  static const struct {
    double sum, target;
    uint32_t want;
  } cases[] = {
      {2.5, 0.7, 4},  /* ceil(3.57): the waypoint at 250% with one replica */
      {2.1, 0.7, 3},  /* exactly 3, though 2.1 / 0.7 is 3.0000000000000004 in doubles */
      {0.7, 0.7, 1},  /* at the target: no more */
      {0.71, 0.7, 2}, /* just over it */
      {0, 0.7, 1},    /* idle: still one */
      {10, 1, 10},    {3.2, 0.8, 4}, {3.21, 0.8, 5},
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    uint32_t got = capacity_replicas_needed(cases[i].sum, cases[i].target);
    printf("sum %g, target %g: want %u, got %u\n", cases[i].sum, cases[i].target, cases[i].want,
           got);
    assert_int_equal(got, cases[i].want);
  }
}

static void test_quantile(void **state) {
  (void)state;
  double v[20];
  for (int i = 0; i < 20; i++)
    v[i] = 20 - i;                                   /* 20, 19, ..., 1: sorted in place */
  assert_true(capacity_quantile(v, 20, 0.95) == 19); /* rank ceil(19) = 19 */
  assert_true(capacity_quantile(v, 20, 0.5) == 10);
  assert_true(capacity_quantile(v, 20, 1.0) == 20);
  assert_true(capacity_quantile(v, 20, 0.0) == 1);
  double one = 3.5;
  assert_true(capacity_quantile(&one, 1, 0.95) == 3.5);
  assert_true(isnan(capacity_quantile(v, 0, 0.95)));
  double hundred[100];
  for (int i = 0; i < 100; i++)
    hundred[i] = (i * 37) % 100; /* 0..99 shuffled */
  assert_true(capacity_quantile(hundred, 100, 0.95) == 94);
}

/* Reference order: higher score first, ties by lower index. */
static const double *ref_score;
static int ref_cmp(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  if (ref_score[x] != ref_score[y])
    return ref_score[x] < ref_score[y] ? 1 : -1;
  return (x > y) - (x < y);
}

static void test_top(void **state) {
  (void)state;
  enum { N = 2000 };
  double *score = malloc(N * sizeof *score);
  uint32_t *ref = malloc(N * sizeof *ref);
  uint64_t x = 12345;
  for (uint32_t i = 0; i < N; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    score[i] = (double)((x >> 33) % 300) / 100.0; /* many ties */
  }
  score[17] = NAN; /* no utilisation: never selected */
  score[18] = INFINITY;
  uint32_t n_ref = 0;
  for (uint32_t i = 0; i < N; i++)
    if (isfinite(score[i]))
      ref[n_ref++] = i;
  ref_score = score;
  qsort(ref, n_ref, sizeof *ref, ref_cmp); /* the full sort it must agree with */
  const uint32_t ks[] = {1, 10, 64, N};
  for (size_t j = 0; j < N_OF(ks); j++) {
    uint32_t out[N];
    uint32_t n = capacity_top(score, N, ks[j], out);
    assert_int_equal(n, ks[j] < n_ref ? ks[j] : n_ref);
    for (uint32_t i = 0; i < n; i++)
      if (out[i] != ref[i])
        fail_msg("k %u: rank %u is station %u (%g), want %u (%g)", ks[j], i, out[i], score[out[i]],
                 ref[i], score[ref[i]]);
  }
  uint32_t none[1];
  assert_int_equal(capacity_top(score, N, 0, none), 0);
  free(score);
  free(ref);
}

/* ---- simulated runs ---------------------------------------------------------------- */

static const mode_result *run_one(scenario *s, const profile *p, mesh_mode mode, run_result *r) {
  fx_modes(s, &mode, 1);
  model_inputs in;
  fx_inputs(&in, s, p);
  assert_int_equal(model_run(&in, r), 0);
  return &r->modes[0];
}

/* What `meshsim run` prints for r: its text table (json 0) or its JSON
 * document (json 1); the caller frees it. */
static char *run_output(const run_result *r, int json) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  if (json)
    assert_int_equal(result_json_write(f, r), 0);
  else
    result_table_write(f, r);
  fclose(f);
  return text;
}

/* The hot-spot table: highest utilisation first, the busiest station on top. */
static void assert_hotspots_sorted(const mode_result *m) {
  const result_plan *p = &m->plan;
  assert_true(p->n_hotspots > 0);
  for (uint32_t i = 1; i < p->n_hotspots; i++)
    assert_true(p->hotspots[i - 1].utilisation >= p->hotspots[i].utilisation);
  assert_string_equal(p->hotspots[0].instance, m->busiest.instance);
  assert_string_equal(p->hotspots[0].kind, m->busiest.kind);
  assert_string_equal(p->hotspots[0].node, m->busiest.node);
  assert_true(p->hotspots[0].utilisation == m->busiest.utilisation);
}

/* capacity_plan on a real topology with made-up use: one waypoint replica
 * (2 workers) offered 250% of what it can do needs ceil(2.5 / 0.7) = 4
 * replicas, or 2 x 2.5 / 0.7 cores; the ztunnels are sized by the busiest;
 * istiod by its CPU over its request (the HPA rule). */
static void test_shared_capacity(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  p.proxy[MESH_PROXY_ZTUNNEL].idle_millicores = 10;
  scenario s;
  fx_scenario(&s, 3, 0);
  s.mesh.waypoint_replicas = 1;
  uint32_t ns = fx_namespace(&s, "shop", MESH_NS_AMBIENT_WAYPOINT);
  fx_service(&s, "front", ns, 2, 1e5, 0);
  fx_service(&s, "back", ns, 2, 1e5, 1);
  const profile *profiles[MESH_PROXY_COUNT] = {&p, &p, &p, &p};
  topology t;
  assert_int_equal(topo_build(&t, &s, profiles, &p.control_plane, MESH_MODE_AMBIENT_WAYPOINT, 1),
                   0);
  uint32_t n = t.n_pods + t.n_proxies;
  assert_int_equal(t.n_waypoints, 1);
  assert_int_equal(t.n_by_kind[MESH_PROXY_ZTUNNEL], 3);
  double *util = calloc(n, sizeof *util), *cores = calloc(n, sizeof *cores);
  double *soj = calloc(n, sizeof *soj), *mem = calloc(t.n_proxies, sizeof *mem);
  result_node *nodes = calloc(t.n_nodes, sizeof *nodes);
  for (uint32_t i = 0; i < t.n_nodes; i++) {
    topo_node_name(&t, i, nodes[i].name, sizeof nodes[i].name);
    nodes[i].capacity_cpu_cores = 8;
    nodes[i].capacity_mem_mib = 32768;
  }
  uint32_t wp_st = t.n_pods + t.waypoints[0].first_proxy;
  util[wp_st] = 2.5;
  cores[wp_st] = 5; /* 2 workers */
  for (uint32_t i = 0; i < 3; i++) {
    util[t.n_pods + t.nodes[i].ztunnel] = 0.1 * (i + 1); /* busiest 0.3 */
    cores[t.n_pods + t.nodes[i].ztunnel] = 0.2 * (i + 1);
  }
  capacity_use u = {.t = &t,
                    .proxy_profile = profiles,
                    .control_plane = &p.control_plane,
                    .utilisation = util,
                    .cores = cores,
                    .sojourn_ns = soj,
                    .requests = 100,
                    .mean_latency_ms = 1,
                    .proxy_mem_bytes = mem,
                    .control_plane_cores = 0.7, /* of a 500m request: 140% */
                    .nodes = nodes};
  result_plan plan;
  memset(&plan, 0, sizeof plan);
  assert_int_equal(capacity_plan(&u, &plan), 0);
  assert_int_equal(plan.n_capacity, 3);
  const result_capacity *wp = &plan.capacity[0], *zt = &plan.capacity[1], *cp = &plan.capacity[2];
  printf("waypoint %s: %u replica at %.2f needs %u replicas or %.4f cores each\n", wp->instance,
         wp->replicas, wp->utilisation, wp->replicas_needed, wp->cpu_cores_per_replica);
  assert_string_equal(wp->kind, "waypoint");
  assert_string_equal(wp->instance, "shop/waypoint");
  assert_int_equal(wp->replicas, 1);
  assert_true(wp->utilisation == 2.5 && wp->utilisation_max == 2.5);
  assert_int_equal(wp->replicas_needed, 4);
  assert_true(fabs(wp->cpu_cores_per_replica - 2 * 2.5 / 0.7) < 1e-12);
  assert_true(fabs(wp->cpu_cores - 5) < 1e-12);
  assert_string_equal(zt->kind, "ztunnel");
  assert_int_equal(zt->replicas, 3);
  assert_int_equal(zt->replicas_needed, 3); /* one per node, always */
  assert_true(fabs(zt->utilisation - 0.2) < 1e-12 && zt->utilisation_max == 0.1 * 3);
  assert_true(fabs(zt->cpu_cores_per_replica - 2 * 0.3 / 0.7) < 1e-12);
  assert_string_equal(cp->instance, "istiod");
  assert_true(fabs(cp->utilisation - 1.4) < 1e-12);
  assert_int_equal(cp->replicas_needed, 2); /* ceil(1.4 / 0.7) */
  /* The hot spots: the waypoint replica, then the ztunnels by utilisation. */
  assert_int_equal(plan.n_hotspots, n < RESULT_HOTSPOTS_MAX ? n : RESULT_HOTSPOTS_MAX);
  assert_string_equal(plan.hotspots[0].instance, "shop/waypoint#0");
  assert_string_equal(plan.hotspots[1].kind, "ztunnel");
  assert_true(plan.hotspots[1].utilisation == 0.1 * 3);
  /* No node over its capacity: only the pods' requests of memory and the use above. */
  assert_int_equal(plan.n_node_warnings, 0);
  free(plan.capacity);
  free(plan.node_warnings);

  /* An autoscaler's extra replicas took 1 more replica's worth (2 cores):
   * the deployment's work is 3.5 replicas, so 5 are needed. */
  memset(&plan, 0, sizeof plan);
  u.extra_waypoint_cores = 2;
  assert_int_equal(capacity_plan(&u, &plan), 0);
  assert_true(fabs(plan.capacity[0].utilisation - 3.5) < 1e-12);
  assert_int_equal(plan.capacity[0].replicas_needed, 5);
  free(plan.capacity);
  free(plan.node_warnings);

  /* A node using more than it has: 9 cores of work on an 8-core node. */
  memset(&plan, 0, sizeof plan);
  u.extra_waypoint_cores = 0;
  nodes[1].cpu_cores[MESH_KIND_APP] = 9;
  assert_int_equal(capacity_plan(&u, &plan), 0);
  assert_int_equal(plan.nodes_over_cpu, 1);
  assert_int_equal(plan.n_node_warnings, 1);
  assert_string_equal(plan.node_warnings[0].node, nodes[1].name);
  assert_string_equal(plan.busiest_node, nodes[1].name);
  /* 9 cores + that ztunnel's idle 10m, no system reservation */
  assert_true(fabs(plan.node_warnings[0].cpu_used_cores - 9.01) < 1e-9);
  assert_true(fabs(plan.busiest_node_cpu_share - 9.01 / 8) < 1e-9);
  free(plan.capacity);
  free(plan.node_warnings);

  free(util);
  free(cores);
  free(soj);
  free(mem);
  free(nodes);
  topo_release(&t);
  scenario_release(&s);
}

/* The same through the simulation: one waypoint replica, one worker, 1 ms
 * a pass, two passes a call (request, response) and 1250 calls a second:
 * 2.5 times what it can do. Utilisation counts the passes that arrive in
 * the window, and a saturated waypoint holds back the calls whose response
 * pass would come, so it reads a little lower; the replicas needed follow
 * what it reads, at least 3 here. */
static void test_overloaded_waypoint(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  for (int q = 0; q < MESH_PROTO_COUNT; q++)
    p.proxy[MESH_PROXY_WAYPOINT].pass_cpu_ns[q] = 1e6;
  scenario s;
  fx_scenario(&s, 2, 0);
  s.meta.duration_ns = 2 * SIM_S;
  s.meta.warmup_ns = SIM_S / 2;
  s.mesh.proxy[MESH_PROXY_WAYPOINT].workers = 1;
  s.mesh.waypoint_replicas = 1;
  uint32_t ns = fx_namespace(&s, "shop", MESH_NS_AMBIENT_WAYPOINT);
  uint32_t front = fx_service(&s, "front", ns, 2, 1e5, 0);
  uint32_t back = fx_service(&s, "back", ns, 2, 1e5, 1);
  s.services[front].app_workers = 8;
  s.services[back].app_workers = 8;
  fx_call(&s, front, back, 1, 1.0);
  fx_traffic(&s, front, 1250);
  run_result r;
  const mode_result *m = run_one(&s, &p, MESH_MODE_AMBIENT_WAYPOINT, &r);
  const result_plan *pl = &m->plan;
  const result_capacity *wp = NULL;
  for (uint32_t i = 0; i < pl->n_capacity; i++)
    if (!strcmp(pl->capacity[i].kind, "waypoint"))
      wp = &pl->capacity[i];
  assert_non_null(wp);
  printf("waypoint %s: %u replica at %.3f utilisation, needs %u replicas or %.3f cores each\n",
         wp->instance, wp->replicas, wp->utilisation, wp->replicas_needed,
         wp->cpu_cores_per_replica);
  assert_string_equal(wp->instance, "shop/waypoint");
  assert_int_equal(wp->replicas, 1);
  assert_true(wp->utilisation > 1.25); /* the request passes alone */
  assert_true(wp->utilisation == m->busiest.utilisation);
  assert_int_equal(wp->replicas_needed, capacity_replicas_needed(wp->utilisation, 0.7));
  assert_true(wp->replicas_needed >= 3);
  assert_true(fabs(wp->cpu_cores_per_replica - wp->utilisation / 0.7) < 1e-9);
  /* The waypoint is the busiest station, at the top of the hot spots. */
  assert_hotspots_sorted(m);
  assert_string_equal(pl->hotspots[0].instance, "shop/waypoint#0");
  assert_string_equal(pl->hotspots[0].kind, "waypoint");
  /* A saturated waypoint is where requests wait: most of their latency. */
  assert_true(pl->hotspots[0].latency_share > 0.5);
  /* Run's output says so. */
  char *text = run_output(&r, 0);
  assert_non_null(strstr(text, "warning: ambient-waypoint: waypoint \"shop/waypoint\" at "));
  free(text);
  /* A lower target needs more. */
  uint32_t at70 = wp->replicas_needed;
  run_result_release(&r);
  s.meta.target_utilisation = 0.5;
  m = run_one(&s, &p, MESH_MODE_AMBIENT_WAYPOINT, &r);
  for (uint32_t i = 0; i < m->plan.n_capacity; i++)
    if (!strcmp(m->plan.capacity[i].kind, "waypoint"))
      assert_true(m->plan.capacity[i].replicas_needed > at70);
  run_result_release(&r);
  scenario_release(&s);
}

/* Sum of a node's used CPU as capacity.h defines it, from the run's own
 * per-node figures (no idle CPU in the test profile, no system reservation). */
static double total_used_cpu(const mode_result *m) {
  double used = 0;
  for (uint32_t n = 0; n < m->n_nodes; n++)
    for (int k = 0; k < MESH_KIND_COUNT; k++)
      used += m->nodes[n].cpu_cores[k];
  return used;
}

/* Four sidecar pods of 100m requests on one 2-core node use 3 cores of
 * application CPU: the node is over capacity, the run says so, and the
 * nodes needed hold the use, not only the requests. */
static void test_node_over_capacity(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 1, 0);
  s.meta.duration_ns = 3 * SIM_S;
  s.cluster.pools[0].cpu_millicores = 2000;
  s.cluster.pools[0].mem_bytes = (int64_t)8 << 30;
  uint32_t ns = fx_namespace(&s, "busy", MESH_NS_SIDECAR);
  uint32_t svc = fx_service(&s, "crunch", ns, 4, 1e7 /* 10 ms */, 0);
  s.services[svc].app_workers = 4;
  fx_traffic(&s, svc, 300); /* 3 cores of work on 4 x 100m of requests */
  run_result r;
  const mode_result *m = run_one(&s, &p, MESH_MODE_SIDECAR, &r);
  const result_plan *pl = &m->plan;
  double used = total_used_cpu(m);
  double alloc = s.cluster.pools[0].cpu_millicores / 1000.0;
  printf("used %.3f cores on %u node(s); nodes needed %u (requests %u, use %u); %u over CPU, "
         "busiest %s at %.0f%%\n",
         used, m->n_nodes, m->nodes_needed, pl->nodes_needed_reserved, pl->nodes_needed_used,
         pl->nodes_over_cpu, pl->busiest_node, 100 * pl->busiest_node_cpu_share);
  assert_true(used > 3.0);
  assert_int_equal(m->n_nodes, 1);
  assert_int_equal(pl->nodes_needed_reserved, 1);
  assert_true(pl->nodes_over_cpu >= 1);
  assert_true(pl->n_node_warnings >= 1);
  assert_true(pl->node_warnings[0].cpu_used_cores > pl->node_warnings[0].cpu_capacity_cores);
  assert_true(pl->busiest_node_cpu_share > 1.5);
  /* Nodes needed hold what is used: at least the use over what a node gives. */
  assert_true(m->nodes_needed >= (uint32_t)ceil(used / alloc));
  assert_true(pl->nodes_needed_used > pl->nodes_needed_reserved);
  assert_int_equal(m->nodes_needed, pl->nodes_needed_used);
  /* and it is paid for: whole nodes of the pool. */
  assert_true(fabs(m->cost_compute_usd_month - m->nodes_needed * cost_node_month(&s, 0)) < 1e-6);
  /* Right-sized sidecar requests: p95 of per-second use plus 15%, priced. */
  const result_sizing *z = &pl->sizing[MESH_PROXY_SIDECAR];
  assert_true(pl->has_sizing[MESH_PROXY_SIDECAR]);
  assert_int_equal(z->instances, 4);
  assert_true(z->p95_cpu_cores >= m->kind[MESH_KIND_SIDECAR].cpu_cores_mean / 4 * 0.99);
  assert_true(fabs(z->right_cpu_cores - ceil(z->p95_cpu_cores * 1.15 * 1000) / 1000) < 1e-12);
  assert_true(fabs(z->right_cost_usd_month -
                   cost_reserved_month(&s, 4 * z->right_cpu_cores, 4 * z->right_mem_mib)) < 1e-9);
  assert_true(fabs(z->cost_usd_month - cost_reserved_month(&s, 0.4, 4 * 128.0)) < 1e-9);

  /* The warning in the text table and the JSON. */
  char *text = run_output(&r, 0);
  assert_non_null(strstr(text, "warning: sidecar: 1 of 1 nodes use more than they have"));
  assert_non_null(strstr(text, "warning: sidecar: nodes needed "));
  free(text);
  text = run_output(&r, 1);
  assert_non_null(
      strstr(text, "\"node_warnings\": [{\"node\": \"default-0\", \"cpu_used_cores\": "));
  assert_non_null(strstr(text, "\"hotspots\": [{"));
  assert_non_null(strstr(text, "\"sizing\": {\"target_utilisation\": 0.7, "));
  free(text);
  run_result_release(&r);
  scenario_release(&s);
}

/* Use below the requests everywhere: the same nodes as the requests say, no
 * warning, and the text table has no warning line. */
static void test_use_below_requests(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 3, 0);
  s.meta.duration_ns = 2 * SIM_S;
  s.cluster.pools[0].cpu_millicores = 1000;
  uint32_t ns = fx_namespace(&s, "calm", MESH_NS_AMBIENT);
  uint32_t a = fx_service(&s, "a", ns, 6, 2e5, 0);
  s.services[a].cpu_request_millicores = 300;
  fx_traffic(&s, a, 50);
  const mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT};
  for (size_t i = 0; i < N_OF(modes); i++) {
    run_result r;
    const mode_result *m = run_one(&s, &p, modes[i], &r);
    const result_plan *pl = &m->plan;
    printf("%s: nodes needed %u (requests %u, use %u)\n", mesh_mode_name(modes[i]), m->nodes_needed,
           pl->nodes_needed_reserved, pl->nodes_needed_used);
    assert_true(pl->nodes_needed_reserved >= 2); /* 6 x 300m on 1-core nodes */
    assert_int_equal(pl->nodes_needed_used, pl->nodes_needed_reserved);
    assert_int_equal(m->nodes_needed, pl->nodes_needed_reserved);
    assert_int_equal(pl->n_node_warnings, 0);
    assert_hotspots_sorted(m);
    char *text = run_output(&r, 0);
    assert_null(strstr(text, "warning:"));
    free(text);
    run_result_release(&r);
  }
  scenario_release(&s);
}

/* Mode none, one service without calls: a request's latency is exactly its
 * time at the one application pod, so that pod's share of the latency is 1
 * and its milliseconds per request are the mean latency. */
static void test_latency_share(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  fx_scenario(&s, 1, 0);
  s.meta.duration_ns = 5 * SIM_S;
  uint32_t ns = fx_namespace(&s, "ns", MESH_NS_NONE);
  fx_service(&s, "q", ns, 1, 1e6, 0);
  fx_traffic(&s, 0, 500);
  run_result r;
  const mode_result *m = run_one(&s, &p, MESH_MODE_NONE, &r);
  const result_hotspot *h = &m->plan.hotspots[0];
  printf("q-0: %.4f ms of %.4f ms, share %.5f, utilisation %.3f\n", h->latency_ms,
         m->latency.mean_ms, h->latency_share, h->utilisation);
  assert_int_equal(m->plan.n_hotspots, 1);
  assert_string_equal(h->instance, "q-0");
  assert_true(fabs(h->latency_share - 1) < 0.01);
  assert_true(fabs(h->utilisation - 0.5) < 0.05);
  assert_true(fabs(h->cpu_cores - h->utilisation) < 1e-12); /* one worker */
  run_result_release(&r);
  scenario_release(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replicas_needed),
      cmocka_unit_test(test_quantile),
      cmocka_unit_test(test_top),
      cmocka_unit_test(test_shared_capacity),
      cmocka_unit_test(test_overloaded_waypoint),
      cmocka_unit_test(test_node_over_capacity),
      cmocka_unit_test(test_use_below_requests),
      cmocka_unit_test(test_latency_share),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
