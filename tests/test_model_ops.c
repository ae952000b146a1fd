/* Operations, mixes and weighted choices through the simulation: the
 * shares a run measures against the weights the scenario gives (each
 * within a 99.9% binomial bound), the same targets picked in every mode
 * (common random numbers), a service-level cycle that operations break,
 * and the work estimate's visits against the simulated count. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "scenario_load.h"
#include "sim_rng.h"
#include "work.h"

#define OPS_MAX_APPS 16

/* Serves per application, counted from the trace ("call N serve app(POD)"). */
typedef struct serve_count {
  char app[OPS_MAX_APPS][48];
  uint64_t n[OPS_MAX_APPS];
  int n_apps;
  uint64_t roots; /* calls made by the traffic: ids of calls with no "request" before */
} serve_count;

static void count_serves(void *ctx, const char *line) {
  serve_count *c = ctx;
  const char *at = strstr(line, " serve app(");
  if (!at)
    return;
  at += strlen(" serve app(");
  const char *end = strchr(at, ')');
  /* the service: the pod's name without its "-N" */
  const char *dash = end;
  while (dash > at && dash[-1] != '-')
    dash--;
  size_t len = dash > at ? (size_t)(dash - 1 - at) : (size_t)(end - at);
  for (int i = 0; i < c->n_apps; i++)
    if (strlen(c->app[i]) == len && !strncmp(c->app[i], at, len)) {
      c->n[i]++;
      return;
    }
  if (c->n_apps < OPS_MAX_APPS) {
    snprintf(c->app[c->n_apps], sizeof c->app[0], "%.*s", (int)len, at);
    c->n[c->n_apps++] = 1;
  }
}

static uint64_t serves(const serve_count *c, const char *app) {
  for (int i = 0; i < c->n_apps; i++)
    if (!strcmp(c->app[i], app))
      return c->n[i];
  return 0;
}

static void load(const char *yaml, scenario *s) {
  diag_list d;
  diag_list_init(&d);
  int rc = scenario_load_string(yaml, strlen(yaml), "<ops>", NULL, 0, s, &d);
  if (rc != 0)
    diag_print(&d, stdout);
  diag_list_release(&d);
  assert_int_equal(rc, 0);
}

/* Runs s (its first mode only when one_mode) tracing `roots` root
 * requests, and counts the serves per application. */
static void run_counting(scenario *s, uint64_t roots, serve_count *c, run_result *r) {
  profile p;
  fx_profile(&p);
  model_inputs in;
  fx_inputs(&in, s, &p);
  memset(c, 0, sizeof *c);
  in.trace = count_serves;
  in.trace_ctx = c;
  in.trace_requests = roots;
  assert_int_equal(model_run(&in, r), 0);
}

/* |observed share - p| within z * sqrt(p (1 - p) / n), z = 3.29 (99.9%):
 * each draw is an independent Bernoulli(p) by crn.h. */
static void check_share(const char *what, uint64_t hits, uint64_t n, double p) {
  double share = (double)hits / (double)n;
  double bound = 3.29 * sqrt(p * (1 - p) / (double)n);
  printf("%-28s want %.4f, got %.4f (%" PRIu64 " of %" PRIu64 "), bound +-%.4f\n", what, p, share,
         hits, n, bound);
  assert_true(fabs(share - p) <= bound);
  assert_true(bound < 0.02); /* informative, not vacuous */
}

/* A traffic entry's mix, a call's mix and a service named alone (its
 * operations' weights): each operation calls a leaf of its own, so a
 * leaf's serves count its operation's visits. */
static void test_operation_mix_shares(void **state) {
  (void)state;
  static const char yaml[] =
      "metadata: {duration: 30s, warmup: 0s, replications: 1, seed: 11}\n"
      "mesh: {modes: [none]}\n"
      "services:\n"
      "  - name: front\n"
      "    calls: [{service: user, mix: {read: 7, write: 2, del: 1}}, blob]\n"
      "  - name: user\n"
      "    operations:\n"
      "      - {name: read, calls: [leaf-r]}\n"
      "      - {name: write, calls: [leaf-w]}\n"
      "      - {name: del, calls: [leaf-d]}\n"
      "  - name: blob\n"
      "    operations:\n"
      "      - {name: get, weight: 3, calls: [leaf-g]}\n"
      "      - {name: put, weight: 1, calls: [leaf-p]}\n"
      "  - {name: leaf-r, service_time: 10us}\n"
      "  - {name: leaf-w, service_time: 10us}\n"
      "  - {name: leaf-d, service_time: 10us}\n"
      "  - {name: leaf-g, service_time: 10us}\n"
      "  - {name: leaf-p, service_time: 10us}\n"
      "  - {name: batch, calls: [{service: user, mix: {write: 1, del: 4}}]}\n"
      "traffic:\n"
      "  - {service: front, rate: 1000/s}\n";
  scenario s;
  load(yaml, &s);
  serve_count c;
  run_result r;
  run_counting(&s, 20000, &c, &r);
  uint64_t n = serves(&c, "front");
  assert_int_equal(n, 20000);
  assert_int_equal(serves(&c, "user"), n);
  assert_int_equal(serves(&c, "leaf-r") + serves(&c, "leaf-w") + serves(&c, "leaf-d"), n);
  check_share("call mix: read", serves(&c, "leaf-r"), n, 0.7);
  check_share("call mix: write", serves(&c, "leaf-w"), n, 0.2);
  check_share("call mix: del", serves(&c, "leaf-d"), n, 0.1);
  check_share("operation weights: get", serves(&c, "leaf-g"), n, 0.75);
  assert_int_equal(serves(&c, "leaf-g") + serves(&c, "leaf-p"), n);
  run_result_release(&r);
  scenario_release(&s);

  /* The traffic entry's own mix, and "service/operation" as an entry. */
  static const char yaml2[] = "metadata: {duration: 30s, warmup: 0s, replications: 1, seed: 12}\n"
                              "mesh: {modes: [none]}\n"
                              "services:\n"
                              "  - name: user\n"
                              "    operations:\n"
                              "      - {name: read, calls: [leaf-r]}\n"
                              "      - {name: write, calls: [leaf-w]}\n"
                              "  - {name: leaf-r, service_time: 10us}\n"
                              "  - {name: leaf-w, service_time: 10us}\n"
                              "traffic:\n"
                              "  - {service: user, rate: 1000/s, mix: {read: 0.35, write: 0.65}}\n";
  load(yaml2, &s);
  run_counting(&s, 20000, &c, &r);
  n = serves(&c, "user");
  assert_int_equal(n, 20000);
  check_share("traffic mix: write", serves(&c, "leaf-w"), n, 0.65);
  run_result_release(&r);
  scenario_release(&s);
}

/* A gateway's weighted route (one_of), fanned out 3 times with p 0.5:
 * every call picks its own target; a service with operations named in the
 * route spreads its weight over them. */
static void test_weighted_choice_shares(void **state) {
  (void)state;
  static const char yaml[] = "metadata: {duration: 30s, warmup: 0s, replications: 1, seed: 5}\n"
                             "mesh: {modes: [none]}\n"
                             "services:\n"
                             "  - name: gw\n"
                             "    calls:\n"
                             "      - {one_of: {a: 1, b: 2, c: 1}, count: 3, probability: 0.5}\n"
                             "  - {name: a, service_time: 10us}\n"
                             "  - {name: b, service_time: 10us}\n"
                             "  - name: c\n"
                             "    operations:\n"
                             "      - {name: x, weight: 1, calls: [cx]}\n"
                             "      - {name: y, weight: 3, calls: [cy]}\n"
                             "  - {name: cx, service_time: 10us}\n"
                             "  - {name: cy, service_time: 10us}\n"
                             "traffic: [{service: gw, rate: 1000/s}]\n";
  scenario s;
  load(yaml, &s);
  serve_count c;
  run_result r;
  run_counting(&s, 20000, &c, &r);
  uint64_t calls = serves(&c, "a") + serves(&c, "b") + serves(&c, "c");
  /* calls per request: binomial(3, 0.5), mean 1.5, variance 0.75 */
  double mean = (double)calls / 20000.0, bound = 3.29 * sqrt(0.75 / 20000.0);
  printf("calls per request: want 1.5, got %.4f, bound +-%.4f\n", mean, bound);
  assert_true(fabs(mean - 1.5) <= bound);
  check_share("route: a", serves(&c, "a"), calls, 0.25);
  check_share("route: b", serves(&c, "b"), calls, 0.5);
  check_share("route: c/y", serves(&c, "cy"), calls, 0.25 * 0.75);
  assert_int_equal(serves(&c, "cx") + serves(&c, "cy"), serves(&c, "c"));
  run_result_release(&r);
  scenario_release(&s);
}

/* Every mode picks the same targets: the choice is drawn from the call's
 * own key (crn.h), not from the order of events, so the serves per
 * application of the same traced requests are equal in every mode, though
 * the proxies change every time. */
static void test_choice_same_in_every_mode(void **state) {
  (void)state;
  static const char yaml[] = "metadata: {duration: 5s, warmup: 0s, replications: 1, seed: 3}\n"
                             "services:\n"
                             "  - name: gw\n"
                             "    replicas: 2\n"
                             "    l7: true\n"
                             "    calls: [{one_of: {a: 1, b: 1, c/x: 1}, count: 2}]\n"
                             "  - {name: a, replicas: 3}\n"
                             "  - {name: b, replicas: 2, l7: true}\n"
                             "  - name: c\n"
                             "    operations:\n"
                             "      - {name: x, calls: [{service: d, mix: {p: 1, q: 1}}]}\n"
                             "  - name: d\n"
                             "    operations: [{name: p, calls: [a]}, {name: q, calls: [b]}]\n"
                             "traffic: [{service: gw, rate: 500/s}]\n";
  mesh_mode modes[] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                       MESH_MODE_AMBIENT_WAYPOINT};
  serve_count first;
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    scenario s;
    load(yaml, &s);
    fx_modes(&s, &modes[m], 1);
    serve_count c;
    run_result r;
    run_counting(&s, 2000, &c, &r);
    printf("%-17s a %" PRIu64 ", b %" PRIu64 ", c %" PRIu64 ", d %" PRIu64 "\n",
           mesh_mode_name(modes[m]), serves(&c, "a"), serves(&c, "b"), serves(&c, "c"),
           serves(&c, "d"));
    if (m == 0) {
      first = c;
      assert_true(serves(&c, "a") > 0 && serves(&c, "b") > 0 && serves(&c, "d") > 0);
    } else {
      assert_int_equal(c.n_apps, first.n_apps);
      for (int i = 0; i < first.n_apps; i++)
        assert_int_equal(serves(&c, first.app[i]), first.n[i]);
    }
    run_result_release(&r);
    scenario_release(&s);
  }
}

/* socialNetwork's shape: user and graph call each other (a cycle between
 * services) through operations that never loop. The scenario loads and
 * runs, and the work estimate's visits per request (work.h, over the
 * graph of operations) match the simulated count within 2%. */
static void test_service_cycle_broken_by_operations(void **state) {
  (void)state;
  static const char yaml[] = "metadata: {duration: 60s, warmup: 0s, replications: 1, seed: 8}\n"
                             "mesh: {modes: [none]}\n"
                             "services:\n"
                             "  - name: user\n"
                             "    operations:\n"
                             "      - {name: login, weight: 1, calls: [graph/followers]}\n"
                             "      - {name: get, weight: 3}\n"
                             "  - name: graph\n"
                             "    operations:\n"
                             "      - {name: followers, calls: [{service: user/get, count: 4}]}\n"
                             "      - {name: follow, calls: [user/get, user/get]}\n"
                             "traffic:\n"
                             "  - {service: user, rate: 500/s}\n"
                             "  - {service: graph/follow, rate: 250/s}\n";
  scenario s;
  load(yaml, &s);
  work_estimate w;
  assert_int_equal(work_estimate_compute(&s, &w), 0);
  /* per request of user: 0.25 (1 + 1 + 4) + 0.75 = 2.25; of graph/follow: 3 */
  double want = (500 * 2.25 + 250 * 3.0) / 750.0;
  printf("visits per request: estimate %.4f, theory %.4f\n", w.visits / w.roots, want);
  assert_true(fabs(w.visits / w.roots - want) < 1e-9);
  serve_count c;
  run_result r;
  run_counting(&s, 30000, &c, &r);
  double got = (double)(serves(&c, "user") + serves(&c, "graph")) / 30000.0;
  printf("visits per request: simulated %.4f\n", got);
  assert_true(fabs(got - want) < 0.02 * want);
  assert_int_equal(r.modes[0].errors, 0);
  run_result_release(&r);
  scenario_release(&s);
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_operation_mix_shares),
      cmocka_unit_test(test_weighted_choice_shares),
      cmocka_unit_test(test_choice_same_in_every_mode),
      cmocka_unit_test(test_service_cycle_broken_by_operations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
