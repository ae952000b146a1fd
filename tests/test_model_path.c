/* Pins the exact stations a call crosses in every mode, same node and cross
 * node, both from path_build and from a traced simulated request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "path.h"
#include "sim_rng.h"
#include "topology.h"

/* front(a, sidecar in hybrid) back(b: L7, ambient-waypoint) plain(c, none) l4(d, ambient) */
static void build(scenario *s, mesh_placement placement) {
  fx_scenario(s, 2, 0);
  s->cluster.placement = placement;
  uint32_t front = fx_namespace(s, "front", MESH_NS_SIDECAR);
  uint32_t back = fx_namespace(s, "back", MESH_NS_AMBIENT_WAYPOINT);
  uint32_t plain = fx_namespace(s, "plain", MESH_NS_NONE);
  uint32_t l4 = fx_namespace(s, "l4", MESH_NS_AMBIENT);
  fx_service(s, "a", front, 1, 1e5, 0);
  fx_service(s, "b", back, 1, 1e5, 1);
  fx_service(s, "c", plain, 1, 1e5, 0);
  fx_service(s, "d", l4, 1, 1e5, 0);
  fx_call(s, 0, 1, 1, 1.0);
  fx_traffic(s, 0, 10);
}

typedef struct path_case {
  mesh_mode mode;
  mesh_placement placement;
  const char *src; /* NULL: from outside the mesh */
  const char *dst;
  const char *want;
} path_case;

static const path_case cases[] = {
    /* spread: a and c on default-0, b and d on default-1 (cross node) */
    {MESH_MODE_NONE, MESH_PLACE_SPREAD, "a", "b", "app(b-0)"},
    {MESH_MODE_SIDECAR, MESH_PLACE_SPREAD, "a", "b", "sidecar(a-0) -> sidecar(b-0) -> app(b-0)"},
    {MESH_MODE_AMBIENT, MESH_PLACE_SPREAD, "a", "b",
     "ztunnel(default-0) -> ztunnel(default-1) -> app(b-0)"},
    {MESH_MODE_AMBIENT_WAYPOINT, MESH_PLACE_SPREAD, "a", "b",
     "ztunnel(default-0) -> waypoint(back/waypoint#0) -> ztunnel(default-1) -> app(b-0)"},
    {MESH_MODE_AMBIENT_WAYPOINT, MESH_PLACE_SPREAD, "a", "d",
     "ztunnel(default-0) -> ztunnel(default-1) -> app(d-0)"},
    {MESH_MODE_AMBIENT_WAYPOINT, MESH_PLACE_SPREAD, NULL, "b", "ztunnel(default-1) -> app(b-0)"},
    {MESH_MODE_HYBRID, MESH_PLACE_SPREAD, "a", "b",
     "sidecar(a-0) -> waypoint(back/waypoint#0) -> ztunnel(default-1) -> app(b-0)"},
    {MESH_MODE_HYBRID, MESH_PLACE_SPREAD, "c", "b", "ztunnel(default-1) -> app(b-0)"},
    {MESH_MODE_HYBRID, MESH_PLACE_SPREAD, "d", "a",
     "ztunnel(default-1) -> sidecar(a-0) -> app(a-0)"},
    {MESH_MODE_HYBRID, MESH_PLACE_SPREAD, "a", "c", "sidecar(a-0) -> app(c-0)"},
    {MESH_MODE_HYBRID, MESH_PLACE_SPREAD, "c", "d", "ztunnel(default-1) -> app(d-0)"},
    /* binpack: everything on default-0 (same node) */
    {MESH_MODE_NONE, MESH_PLACE_BINPACK, "a", "b", "app(b-0)"},
    {MESH_MODE_SIDECAR, MESH_PLACE_BINPACK, "a", "b", "sidecar(a-0) -> sidecar(b-0) -> app(b-0)"},
    {MESH_MODE_AMBIENT, MESH_PLACE_BINPACK, "a", "b", "ztunnel(default-0) -> app(b-0)"},
    {MESH_MODE_AMBIENT_WAYPOINT, MESH_PLACE_BINPACK, "a", "b",
     "ztunnel(default-0) -> waypoint(back/waypoint#0) -> ztunnel(default-0) -> app(b-0)"},
    {MESH_MODE_AMBIENT_WAYPOINT, MESH_PLACE_BINPACK, "a", "d", "ztunnel(default-0) -> app(d-0)"},
    {MESH_MODE_HYBRID, MESH_PLACE_BINPACK, "d", "b",
     "ztunnel(default-0) -> waypoint(back/waypoint#0) -> ztunnel(default-0) -> app(b-0)"},
};

static void test_paths(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  const profile *profs[MESH_PROXY_COUNT] = {&p, &p, &p, &p};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const path_case *c = &cases[i];
    scenario s;
    build(&s, c->placement);
    topology t;
    assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, c->mode, 1), 0);
    uint32_t src = c->src ? t.service_first_pod[scenario_find_service(&s, c->src)] : TOPO_NONE;
    uint32_t dst = t.service_first_pod[scenario_find_service(&s, c->dst)];
    path pa;
    path_build(&t, src, dst, 0.3, &pa);
    char got[512];
    path_describe(&t, &pa, dst, got, sizeof got);
    if (strcmp(got, c->want) != 0)
      fail_msg("case %zu (%s, %s -> %s): got \"%s\", want \"%s\"", i, mesh_mode_name(c->mode),
               c->src ? c->src : "outside", c->dst, got, c->want);
    topo_release(&t);
    scenario_release(&s);
  }
}

static void test_proxies_per_mode(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  const profile *profs[MESH_PROXY_COUNT] = {&p, &p, &p, &p};
  struct {
    mesh_mode mode;
    uint32_t sidecars, ztunnels, waypoints, cp;
  } want[] = {
      {MESH_MODE_NONE, 0, 0, 0, 0},    {MESH_MODE_SIDECAR, 4, 0, 0, 1},
      {MESH_MODE_AMBIENT, 0, 2, 0, 1}, {MESH_MODE_AMBIENT_WAYPOINT, 0, 2, 1, 1},
      {MESH_MODE_HYBRID, 1, 2, 1, 1},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    scenario s;
    build(&s, MESH_PLACE_SPREAD);
    topology t;
    assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, want[i].mode, 1), 0);
    assert_int_equal(t.n_by_kind[MESH_PROXY_SIDECAR], want[i].sidecars);
    assert_int_equal(t.n_by_kind[MESH_PROXY_ZTUNNEL], want[i].ztunnels);
    assert_int_equal(t.n_by_kind[MESH_PROXY_WAYPOINT], want[i].waypoints);
    assert_int_equal(t.control_plane_replicas, want[i].cp);
    topo_release(&t);
    scenario_release(&s);
  }
}

typedef struct trace_buf {
  char lines[64][96];
  int n;
} trace_buf;

static void collect(void *ctx, const char *line) {
  trace_buf *b = ctx;
  if (b->n >= 64)
    return;
  const char *cut = strstr(line, " arrive=");
  size_t len = cut ? (size_t)(cut - line) : strlen(line);
  if (len >= sizeof b->lines[0])
    len = sizeof b->lines[0] - 1;
  memcpy(b->lines[b->n], line, len);
  b->lines[b->n][len] = '\0';
  b->n++;
}

static void test_traced_request(void **state) {
  (void)state;
  profile p;
  fx_profile(&p);
  scenario s;
  build(&s, MESH_PLACE_SPREAD);
  mesh_mode m = MESH_MODE_AMBIENT_WAYPOINT;
  fx_modes(&s, &m, 1);
  s.meta.replications = 1;
  s.meta.duration_ns = SIM_S;
  model_inputs in;
  fx_inputs(&in, &s, &p);
  trace_buf buf = {.n = 0};
  in.trace = collect;
  in.trace_ctx = &buf;
  in.trace_requests = 1;
  run_result r;
  assert_int_equal(model_run(&in, &r), 0);
  static const char *want[] = {
      "call 0 request ztunnel(default-0)",  "call 0 serve app(a-0)",
      "call 1 request ztunnel(default-0)",  "call 1 request waypoint(back/waypoint#0)",
      "call 1 request ztunnel(default-1)",  "call 1 serve app(b-0)",
      "call 1 response ztunnel(default-1)", "call 1 response waypoint(back/waypoint#0)",
      "call 1 response ztunnel(default-0)", "call 0 response ztunnel(default-0)",
  };
  assert_int_equal(buf.n, (int)(sizeof want / sizeof want[0]));
  for (int i = 0; i < buf.n; i++)
    assert_string_equal(buf.lines[i], want[i]);
  run_result_release(&r);
  scenario_release(&s);
}

/* A meshed client (traffic[].from): the request leaves a pod of the
 * client service through that pod's sidecar, and the response comes back
 * through it; without `from` the path starts at the server's sidecar. */
static void test_meshed_client_path(void **state) {
  (void)state;
  for (int meshed = 0; meshed < 2; meshed++) {
    profile p;
    fx_profile(&p);
    scenario s;
    fx_scenario(&s, 2, 0);
    s.meta.replications = 1;
    s.meta.duration_ns = SIM_S;
    uint32_t ns = fx_namespace(&s, "shop", MESH_NS_SIDECAR);
    uint32_t load = fx_service(&s, "loadgen", ns, 1, 1e5, 0);
    uint32_t web = fx_service(&s, "web", ns, 1, 1e5, 0);
    fx_traffic(&s, web, 100);
    if (meshed)
      s.traffic[0].from = load;
    mesh_mode m = MESH_MODE_SIDECAR;
    fx_modes(&s, &m, 1);
    model_inputs in;
    fx_inputs(&in, &s, &p);
    trace_buf buf = {.n = 0};
    in.trace = collect;
    in.trace_ctx = &buf;
    in.trace_requests = 1;
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    static const char *with[] = {"call 0 request sidecar(loadgen-0)",
                                 "call 0 request sidecar(web-0)", "call 0 serve app(web-0)",
                                 "call 0 response sidecar(web-0)",
                                 "call 0 response sidecar(loadgen-0)"};
    static const char *without[] = {"call 0 request sidecar(web-0)", "call 0 serve app(web-0)",
                                    "call 0 response sidecar(web-0)"};
    const char **want = meshed ? with : without;
    int n = meshed ? 5 : 3;
    for (int i = 0; i < buf.n; i++)
      printf("%s\n", buf.lines[i]);
    assert_int_equal(buf.n, n);
    for (int i = 0; i < n; i++)
      assert_string_equal(buf.lines[i], want[i]);
    run_result_release(&r);
    scenario_release(&s);
  }
}

/* A root request through an ingress gateway (traffic[].via) crosses one of
 * its replicas in every mode, as the client side of its path: straight to
 * the pod in mode none (and to a pod without a mesh in hybrid), to the
 * pod's sidecar, to its node's ztunnel (even on the gateway's own node),
 * and through the service's waypoint only with use_waypoint. */
static void test_gateway_path(void **state) {
  (void)state;
  static const struct {
    mesh_mode mode;
    mesh_ns_mode hybrid; /* the namespace's mode in hybrid */
    int use_waypoint;
    const char *want[8];
  } gw_cases[] = {
      {MESH_MODE_NONE,
       MESH_NS_NONE,
       0,
       {"request gateway", "serve app(web-0)", "response gateway"}},
      {MESH_MODE_SIDECAR,
       MESH_NS_NONE,
       0,
       {"request gateway", "request sidecar(web-0)", "serve app(web-0)", "response sidecar(web-0)",
        "response gateway"}},
      {MESH_MODE_AMBIENT,
       MESH_NS_NONE,
       0,
       {"request gateway", "request ztunnel(default-0)", "serve app(web-0)",
        "response ztunnel(default-0)", "response gateway"}},
      {MESH_MODE_AMBIENT_WAYPOINT,
       MESH_NS_NONE,
       0,
       {"request gateway", "request ztunnel(default-0)", "serve app(web-0)",
        "response ztunnel(default-0)", "response gateway"}},
      {MESH_MODE_AMBIENT_WAYPOINT,
       MESH_NS_NONE,
       1,
       {"request gateway", "request waypoint(shop/waypoint#0)", "request ztunnel(default-0)",
        "serve app(web-0)", "response ztunnel(default-0)", "response waypoint(shop/waypoint#0)",
        "response gateway"}},
      {MESH_MODE_HYBRID,
       MESH_NS_NONE,
       1,
       {"request gateway", "serve app(web-0)", "response gateway"}},
  };
  for (size_t i = 0; i < sizeof gw_cases / sizeof gw_cases[0]; i++) {
    profile p;
    fx_profile(&p);
    scenario s;
    fx_scenario(&s, 2, 0);
    s.meta.replications = 1;
    s.meta.duration_ns = SIM_S;
    uint32_t ns = fx_namespace(&s, "shop", gw_cases[i].hybrid);
    uint32_t web = fx_service(&s, "web", ns, 1, 1e5, 1);
    uint32_t g = fx_gateway(&s, "edge", 2);
    s.gateways[g].use_waypoint = gw_cases[i].use_waypoint != 0;
    fx_traffic(&s, web, 100);
    s.traffic[0].via = g;
    fx_modes(&s, &gw_cases[i].mode, 1);
    model_inputs in;
    fx_inputs(&in, &s, &p);
    trace_buf buf = {.n = 0};
    in.trace = collect;
    in.trace_ctx = &buf;
    in.trace_requests = 1;
    run_result r;
    assert_int_equal(model_run(&in, &r), 0);
    int n = 0;
    while (n < 8 && gw_cases[i].want[n])
      n++;
    if (buf.n != n)
      fail_msg("case %zu (%s): %d trace lines, want %d", i, mesh_mode_name(gw_cases[i].mode), buf.n,
               n);
    for (int k = 0; k < n; k++) {
      char want[96];
      /* the replica the request picked is either; the name is checked apart */
      if (!strcmp(gw_cases[i].want[k], "request gateway") ||
          !strcmp(gw_cases[i].want[k], "response gateway")) {
        snprintf(want, sizeof want, "call 0 %s(gateway/edge#", gw_cases[i].want[k]);
        if (strncmp(buf.lines[k], want, strlen(want)) != 0)
          fail_msg("case %zu line %d: got \"%s\", want \"%s...\"", i, k, buf.lines[k], want);
      } else {
        snprintf(want, sizeof want, "call 0 %s", gw_cases[i].want[k]);
        if (strcmp(buf.lines[k], want) != 0)
          fail_msg("case %zu line %d: got \"%s\", want \"%s\"", i, k, buf.lines[k], want);
      }
    }
    /* the response leaves through the replica the request came in by */
    assert_string_equal(buf.lines[0] + strlen("call 0 request "),
                        buf.lines[n - 1] + strlen("call 0 response "));
    assert_int_equal(r.modes[0].kind[MESH_KIND_GATEWAY].instances, 2);
    run_result_release(&r);
    scenario_release(&s);
  }
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_paths),          cmocka_unit_test(test_meshed_client_path),
      cmocka_unit_test(test_gateway_path),   cmocka_unit_test(test_proxies_per_mode),
      cmocka_unit_test(test_traced_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
