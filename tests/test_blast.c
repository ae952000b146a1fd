/* Structural blast radius: hand-worked radii on small topologies (every kind,
 * every mode, every waypoint scope), exact request shares on a single
 * service, the share formula against a Monte-Carlo count of sampled call
 * trees walked with the real path rules (path_build), errors, and a run at
 * 1,000 nodes / 20,000 pods / 500 services with invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "blast.h"
#include "model_fixture.h"
#include "path.h"
#include "sim_error.h"
#include "sim_rng.h"
#include "topology.h"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(got, want, tol)                                                                \
  do {                                                                                             \
    double got_ = (got), want_ = (want);                                                           \
    if (!(fabs(got_ - want_) <= (tol)))                                                            \
      fail_msg("%s = %.17g, want %.17g (+- %g)", #got, got_, want_, (double)(tol));                \
  } while (0)

/* ---- the "shop" scenario ------------------------------------------------
 * ns front (tenant acme, hybrid: sidecar)          web x2 -> api, old
 * ns back  (tenant acme, hybrid: ambient-waypoint) api x2 (L7) -> db, cart
 *                                                  cart x1 (L7, api's SA) -> db
 *                                                  stock x1 (L7, nobody calls it)
 * ns data  (tenant globex, hybrid: ambient)        db x2
 * ns legacy (tenant globex, hybrid: none)          old x1 -> cart (an unmeshed caller)
 * Service accounts: one per service (6), cart uses api's. */
enum { SHOP_WEB, SHOP_API, SHOP_CART, SHOP_STOCK, SHOP_DB, SHOP_OLD };

typedef struct shop_opts {
  uint32_t nodes;
  mesh_placement placement;
  mesh_waypoint_scope scope; /* of ns back */
  uint32_t waypoint_replicas;
  int probable; /* calls with counts and probabilities, three entries (Monte-Carlo) */
} shop_opts;

static void shop_build(scenario *s, const shop_opts *o) {
  fx_scenario(s, o->nodes, 0);
  s->cluster.placement = o->placement;
  uint32_t front = fx_namespace(s, "front", MESH_NS_SIDECAR);
  uint32_t back = fx_namespace(s, "back", MESH_NS_AMBIENT_WAYPOINT);
  uint32_t data = fx_namespace(s, "data", MESH_NS_AMBIENT);
  uint32_t legacy = fx_namespace(s, "legacy", MESH_NS_NONE);
  strcpy(s->namespaces[front].tenant, "acme");
  strcpy(s->namespaces[back].tenant, "acme");
  strcpy(s->namespaces[data].tenant, "globex");
  strcpy(s->namespaces[legacy].tenant, "globex");
  s->namespaces[back].waypoint_scope = o->scope;
  s->namespaces[back].waypoint_replicas = o->waypoint_replicas;
  fx_service(s, "web", front, 2, 1e5, 0);
  fx_service(s, "api", back, 2, 1e5, 1);
  fx_service(s, "cart", back, 1, 1e5, 1);
  fx_service(s, "stock", back, 1, 1e5, 1);
  fx_service(s, "db", data, 2, 1e5, 0);
  fx_service(s, "old", legacy, 1, 1e5, 0);
  s->services[SHOP_CART].service_account = s->services[SHOP_API].service_account;
  if (!o->probable) {
    fx_call(s, SHOP_WEB, SHOP_API, 1, 1.0);
    fx_call(s, SHOP_WEB, SHOP_OLD, 1, 1.0);
    fx_call(s, SHOP_API, SHOP_DB, 1, 1.0);
    fx_call(s, SHOP_API, SHOP_CART, 1, 1.0);
    fx_call(s, SHOP_CART, SHOP_DB, 1, 1.0);
    fx_call(s, SHOP_OLD, SHOP_CART, 1, 1.0);
    fx_traffic(s, SHOP_WEB, 10);
  } else {
    fx_call(s, SHOP_WEB, SHOP_API, 2, 0.7);
    fx_call(s, SHOP_WEB, SHOP_OLD, 1, 0.3);
    fx_call(s, SHOP_API, SHOP_DB, 1, 0.5);
    fx_call(s, SHOP_API, SHOP_CART, 1, 0.6);
    fx_call(s, SHOP_CART, SHOP_DB, 3, 0.2);
    fx_call(s, SHOP_OLD, SHOP_CART, 2, 0.5);
    fx_traffic(s, SHOP_WEB, 10);
    fx_traffic(s, SHOP_OLD, 4);
    fx_traffic(s, SHOP_STOCK, 1);
  }
}

static const profile *const *fx_profiles(profile *p) {
  static const profile *profs[MESH_PROXY_COUNT];
  fx_profile(p);
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    profs[k] = p;
  return profs;
}

static const result_blast_instance *find(const result_blast_instance *in, uint32_t n,
                                         const char *kind, const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (!strcmp(in[i].kind, kind) && !strcmp(in[i].instance, name))
      return &in[i];
  return NULL;
}

static uint32_t count_kind(const result_blast_instance *in, uint32_t n, const char *kind) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < n; i++)
    c += !strcmp(in[i].kind, kind);
  return c;
}

/* Node index of a pod given by name ("api-1"). */
static uint32_t pod_node(const topology *t, const char *pod) {
  for (uint32_t i = 0; i < t->n_pods; i++) {
    char name[96];
    topo_pod_name(t, i, name, sizeof name);
    if (!strcmp(name, pod))
      return t->pods[i].node;
  }
  return TOPO_NONE;
}

/* ---- hand-worked radii --------------------------------------------------- */

enum { LAYOUT_ONE_NODE, LAYOUT_SPREAD };

typedef struct radius_case {
  mesh_mode mode;
  int layout; /* ONE_NODE: binpack on 2 nodes, all on default-0; SPREAD: see test */
  mesh_waypoint_scope scope;
  uint32_t waypoint_replicas;
  const char *kind, *name;
  uint32_t pods, services, namespaces, tenants, identities, l7;
  const char *why;
} radius_case;

#define NS MESH_WAYPOINT_NAMESPACE
#define SA MESH_WAYPOINT_SERVICE_ACCOUNT
#define SV MESH_WAYPOINT_SERVICE
#define HY MESH_MODE_HYBRID
#define AW MESH_MODE_AMBIENT_WAYPOINT

static const radius_case radius_cases[] = {
    /* sidecar: one pod, its own identity */
    {HY, LAYOUT_ONE_NODE, NS, 1, "sidecar", "web-0", 1, 1, 1, 1, 1, 1, "one pod"},
    {MESH_MODE_SIDECAR, LAYOUT_ONE_NODE, NS, 1, "sidecar", "api-1", 1, 1, 1, 1, 1, 1, "one pod"},
    {MESH_MODE_SIDECAR, LAYOUT_ONE_NODE, NS, 1, "sidecar", "old-0", 1, 1, 1, 1, 1, 1,
     "legacy is meshed in mode sidecar"},
    /* ztunnel, hybrid: only the 6 ambient pods (api x2, cart, stock, db x2), not web or old;
     * identities: api's (shared by cart), stock's, db's */
    {HY, LAYOUT_ONE_NODE, NS, 1, "ztunnel", "default-0", 6, 4, 2, 2, 3, 4, "ambient pods only"},
    {HY, LAYOUT_ONE_NODE, NS, 1, "ztunnel", "default-1", 0, 0, 0, 0, 0, 0, "empty node"},
    /* ambient: all 9 pods of 6 services, 5 distinct service accounts */
    {MESH_MODE_AMBIENT, LAYOUT_ONE_NODE, NS, 1, "ztunnel", "default-0", 9, 6, 4, 2, 5, 6,
     "every pod of the node"},
    /* spread: default-0 has web-0 api-0 cart-0 db-0 old-0, default-1 web-1 api-1 stock-0 db-1 */
    {HY, LAYOUT_SPREAD, NS, 2, "ztunnel", "default-0", 3, 3, 2, 2, 2, 3, "api-0 cart-0 db-0"},
    {HY, LAYOUT_SPREAD, NS, 2, "ztunnel", "default-1", 3, 3, 2, 2, 3, 3, "api-1 stock-0 db-1"},
    {MESH_MODE_AMBIENT, LAYOUT_SPREAD, NS, 2, "ztunnel", "default-0", 5, 5, 4, 2, 4, 5,
     "web api cart db old"},
    /* namespace waypoint, hybrid: bound api cart stock + meshed callers web (of api) and api
     * (of cart); old is unmeshed and bypasses it: 2+1+1+2 pods */
    {HY, LAYOUT_ONE_NODE, NS, 1, "waypoint-deployment", "back/waypoint", 6, 4, 2, 1, 1, 3,
     "bound services and meshed callers"},
    {HY, LAYOUT_ONE_NODE, NS, 2, "waypoint", "back/waypoint#1", 6, 4, 2, 1, 1, 3,
     "a replica has its deployment's radius"},
    /* ambient-waypoint: old is meshed now, so it counts as a caller of cart */
    {AW, LAYOUT_ONE_NODE, NS, 1, "waypoint", "back/waypoint#0", 7, 5, 3, 2, 1, 3,
     "old is a meshed caller"},
    /* service-account scope: api and cart share "back/api"; stock has its own */
    {HY, LAYOUT_ONE_NODE, SA, 1, "waypoint-deployment", "back/api", 5, 3, 2, 1, 1, 2,
     "api + cart + caller web"},
    {HY, LAYOUT_ONE_NODE, SA, 1, "waypoint-deployment", "back/stock", 1, 1, 1, 1, 1, 1,
     "stock alone"},
    /* service scope: only its service and its meshed callers */
    {HY, LAYOUT_ONE_NODE, SV, 1, "waypoint-deployment", "back/api", 4, 2, 2, 1, 1, 1,
     "api + caller web"},
    {HY, LAYOUT_ONE_NODE, SV, 1, "waypoint-deployment", "back/cart", 3, 2, 1, 1, 1, 1,
     "cart + caller api, not old"},
    {HY, LAYOUT_ONE_NODE, SV, 1, "waypoint", "back/stock#0", 1, 1, 1, 1, 1, 1, "stock alone"},
    /* node: everything. One node: 9 pods; identities: web, api(=cart), stock, db + the
     * waypoint's own = 5; clear text: meshed web api cart stock db = 5 */
    {HY, LAYOUT_ONE_NODE, NS, 1, "node", "default-0", 9, 6, 4, 2, 5, 5, "whole cluster"},
    {HY, LAYOUT_ONE_NODE, NS, 1, "node", "default-1", 0, 0, 0, 0, 0, 0, "empty node"},
    /* spread default-1: its pods web-1 api-1 stock-0 db-1 plus replica #0 of back/back, whose
     * radius is web api cart stock in full: 2+2+1+1 + db-1 = 7 pods; identities web api stock
     * db + waypoint = 5; clear text web api stock db (meshed pods) + cart (bound) */
    {HY, LAYOUT_SPREAD, NS, 2, "node", "default-1", 7, 5, 3, 2, 5, 5, "pods + waypoint radius"},
    /* default-0 holds replica #1: the same waypoint radius + db-0 and old-0 */
    {HY, LAYOUT_SPREAD, NS, 2, "node", "default-0", 8, 6, 4, 2, 4, 5, "pods + waypoint radius"},
    {MESH_MODE_NONE, LAYOUT_ONE_NODE, NS, 1, "node", "default-0", 9, 6, 4, 2, 0, 0,
     "no mesh: pods only, no credentials"},
    /* control plane: every meshed pod (all but old), every service account (CA) */
    {HY, LAYOUT_ONE_NODE, NS, 1, "control-plane", "istiod", 8, 5, 3, 2, 6, 0, "meshed pods"},
    {MESH_MODE_SIDECAR, LAYOUT_ONE_NODE, NS, 1, "control-plane", "istiod", 9, 6, 4, 2, 6, 0,
     "every pod is meshed"},
};

static void build_layout(scenario *s, topology *t, const profile *const *profs, const profile *p,
                         mesh_mode mode, int layout, mesh_waypoint_scope scope, uint32_t reps) {
  shop_opts o = {.nodes = 2,
                 .placement = layout == LAYOUT_ONE_NODE ? MESH_PLACE_BINPACK : MESH_PLACE_SPREAD,
                 .scope = scope,
                 .waypoint_replicas = reps,
                 .probable = 0};
  shop_build(s, &o);
  assert_int_equal(topo_build(t, s, profs, &p->control_plane, mode, 1), 0);
  /* preconditions the expected numbers rest on */
  static const char *const zero[] = {"web-0", "api-0", "cart-0", "db-0", "old-0"};
  static const char *const one[] = {"web-1", "api-1", "stock-0", "db-1"};
  for (size_t i = 0; i < 5; i++)
    assert_int_equal(pod_node(t, zero[i]), 0);
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(pod_node(t, one[i]), layout == LAYOUT_ONE_NODE ? 0 : 1);
  for (uint32_t x = 0; x < t->n_proxies; x++)
    if (t->proxies[x].kind == MESH_PROXY_WAYPOINT) {
      uint32_t r = x - t->waypoints[t->proxies[x].owner].first_proxy;
      /* one node: all on default-0; spread: replica #0 on default-1, #1 on default-0 */
      assert_int_equal(t->proxies[x].node, layout == LAYOUT_ONE_NODE ? 0 : (r == 0 ? 1 : 0));
    }
}

static void test_radius_table(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  for (size_t i = 0; i < sizeof radius_cases / sizeof radius_cases[0]; i++) {
    const radius_case *c = &radius_cases[i];
    scenario s;
    topology t;
    build_layout(&s, &t, profs, &p, c->mode, c->layout, c->scope, c->waypoint_replicas);
    result_blast sum[MESH_PROXY_COUNT];
    int has[MESH_PROXY_COUNT];
    result_blast_instance *in = NULL;
    uint32_t n = 0;
    assert_int_equal(blast_compute(&t, sum, has, &in, &n), 0);
    const result_blast_instance *b = find(in, n, c->kind, c->name);
    if (!b)
      fail_msg("case %zu: no %s instance '%s' in mode %s", i, c->kind, c->name,
               mesh_mode_name(c->mode));
    uint32_t got[6] = {b->pods,    b->services,   b->namespaces,
                       b->tenants, b->identities, b->l7_services};
    uint32_t want[6] = {c->pods, c->services, c->namespaces, c->tenants, c->identities, c->l7};
    static const char *const what[6] = {"pods",    "services",   "namespaces",
                                        "tenants", "identities", "l7_services"};
    for (int k = 0; k < 6; k++)
      if (got[k] != want[k])
        fail_msg("case %zu (%s %s %s, %s): %s = %u, want %u", i, mesh_mode_name(c->mode), c->kind,
                 c->name, c->why, what[k], got[k], want[k]);
    free(in);
    topo_release(&t);
    scenario_release(&s);
  }
}

/* Instance counts and has[] per mode, and the summary recomputed here. */
static void test_kinds_and_summary(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  struct {
    mesh_mode mode;
    uint32_t sidecar, ztunnel, waypoint, deployment, node, control;
  } want[] = {
      /* spread, back waypoint with 2 replicas, 2 nodes */
      {MESH_MODE_NONE, 0, 0, 0, 0, 2, 0},    {MESH_MODE_SIDECAR, 9, 0, 0, 0, 2, 1},
      {MESH_MODE_AMBIENT, 0, 2, 0, 0, 2, 1}, {MESH_MODE_AMBIENT_WAYPOINT, 0, 2, 2, 1, 2, 1},
      {MESH_MODE_HYBRID, 2, 2, 2, 1, 2, 1},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    scenario s;
    topology t;
    build_layout(&s, &t, profs, &p, want[i].mode, LAYOUT_SPREAD, NS, 2);
    result_blast sum[MESH_PROXY_COUNT];
    int has[MESH_PROXY_COUNT];
    result_blast_instance *in = NULL;
    uint32_t n = 0;
    assert_int_equal(blast_compute(&t, sum, has, &in, &n), 0);
    assert_int_equal(count_kind(in, n, "sidecar"), want[i].sidecar);
    assert_int_equal(count_kind(in, n, "ztunnel"), want[i].ztunnel);
    assert_int_equal(count_kind(in, n, "waypoint"), want[i].waypoint);
    assert_int_equal(count_kind(in, n, "waypoint-deployment"), want[i].deployment);
    assert_int_equal(count_kind(in, n, "node"), want[i].node);
    assert_int_equal(count_kind(in, n, "control-plane"), want[i].control);
    assert_int_equal(n, want[i].sidecar + want[i].ztunnel + want[i].waypoint + want[i].deployment +
                            want[i].node + want[i].control);
    assert_int_equal(has[MESH_PROXY_SIDECAR], want[i].sidecar > 0);
    assert_int_equal(has[MESH_PROXY_ZTUNNEL], want[i].ztunnel > 0);
    assert_int_equal(has[MESH_PROXY_WAYPOINT], want[i].waypoint > 0);
    for (int k = 0; k < MESH_PROXY_COUNT; k++) {
      const char *kind = mesh_proxy_kind_name((mesh_proxy_kind)k);
      uint32_t cnt = 0, pmax = 0, smax = 0, nmax = 0, tmax = 0, imax = 0;
      double psum = 0, rmax = 0, rsum = 0;
      for (uint32_t j = 0; j < n; j++) {
        if (strcmp(in[j].kind, kind) != 0)
          continue;
        cnt++;
        pmax = in[j].pods > pmax ? in[j].pods : pmax;
        smax = in[j].services > smax ? in[j].services : smax;
        nmax = in[j].namespaces > nmax ? in[j].namespaces : nmax;
        tmax = in[j].tenants > tmax ? in[j].tenants : tmax;
        imax = in[j].identities > imax ? in[j].identities : imax;
        rmax = in[j].request_share > rmax ? in[j].request_share : rmax;
        psum += in[j].pods;
        rsum += in[j].request_share;
      }
      assert_int_equal(sum[k].instances, cnt);
      assert_int_equal(sum[k].pods_max, pmax);
      assert_int_equal(sum[k].services_max, smax);
      assert_int_equal(sum[k].namespaces_max, nmax);
      assert_int_equal(sum[k].tenants_max, tmax);
      assert_int_equal(sum[k].identities_max, imax);
      assert_near(sum[k].request_share_max, rmax, 1e-15);
      assert_near(sum[k].pods_mean, cnt ? psum / cnt : 0, 1e-12);
      assert_near(sum[k].request_share_mean, cnt ? rsum / cnt : 0, 1e-12);
    }
    /* a sidecar takes one pod; a ztunnel takes every ambient pod of its node */
    if (want[i].sidecar)
      assert_int_equal(sum[MESH_PROXY_SIDECAR].pods_max, 1);
    free(in);
    topo_release(&t);
    scenario_release(&s);
  }
}

/* ---- request share ------------------------------------------------------- */

/* One service of R replicas: a sidecar is touched by exactly 1/R of the
 * requests, the whole service (its node, the control plane) by all. */
static void test_share_single_service(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  static const struct {
    mesh_mode mode;
    mesh_placement placement;
    uint32_t replicas;
  } cases[] = {
      {MESH_MODE_SIDECAR, MESH_PLACE_BINPACK, 1}, {MESH_MODE_SIDECAR, MESH_PLACE_BINPACK, 4},
      {MESH_MODE_SIDECAR, MESH_PLACE_SPREAD, 5},  {MESH_MODE_AMBIENT, MESH_PLACE_SPREAD, 4},
      {MESH_MODE_AMBIENT, MESH_PLACE_SPREAD, 7},  {MESH_MODE_NONE, MESH_PLACE_SPREAD, 3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    scenario s;
    fx_scenario(&s, 2, 0);
    s.cluster.placement = cases[i].placement;
    uint32_t ns = fx_namespace(&s, "solo", MESH_NS_SIDECAR);
    fx_service(&s, "one", ns, cases[i].replicas, 1e5, 0);
    fx_traffic(&s, 0, 100);
    topology t;
    assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, cases[i].mode, 1), 0);
    result_blast sum[MESH_PROXY_COUNT];
    int has[MESH_PROXY_COUNT];
    result_blast_instance *in = NULL;
    uint32_t n = 0;
    assert_int_equal(blast_compute(&t, sum, has, &in, &n), 0);
    double r = cases[i].replicas;
    for (uint32_t j = 0; j < n; j++) {
      const result_blast_instance *b = &in[j];
      double want;
      if (!strcmp(b->kind, "sidecar"))
        want = 1 / r;
      else if (!strcmp(b->kind, "ztunnel") || !strcmp(b->kind, "node"))
        want = b->pods / r; /* its share of the replicas */
      else
        want = 1; /* control plane: every request reaches a meshed pod */
      if (fabs(b->request_share - want) > 1e-12)
        fail_msg("case %zu %s %s: share %.17g, want %.17g", i, b->kind, b->instance,
                 b->request_share, want);
      if (!strcmp(b->kind, "node") && b->pods == cases[i].replicas)
        assert_true(b->request_share == 1.0); /* the whole entry service: exactly 1 */
    }
    /* public entry point agrees with the sidecar figure */
    double land = 1 / r, sh = -1;
    assert_int_equal(blast_request_share(&t, &land, NULL, &sh), 0);
    assert_near(sh, 1 / r, 1e-12);
    free(in);
    topo_release(&t);
    scenario_release(&s);
  }
}

/* Independent count: sample call trees as the simulator draws them (each of
 * count tries happens with its probability, a uniform pod, a uniform
 * waypoint draw), walk every call with path_build, and record which
 * instances each request touched. */
typedef struct mc {
  const topology *t;
  gsl_rng *rng;
  uint32_t request; /* epoch of the marks */
  uint32_t *proxy_mark, *node_mark, *wp_mark;
  uint64_t *proxy_hits, *node_hits, *wp_hits, control_hits;
  int control;
} mc;

static void mc_touch_node(mc *m, uint32_t node) {
  if (node != TOPO_NONE && m->node_mark[node] != m->request) {
    m->node_mark[node] = m->request;
    m->node_hits[node]++;
  }
}

/* The way of a choice a uniform u picks, by share. */
static scenario_target mc_way(const scenario_call *c, double u) {
  uint32_t n = scenario_call_n_targets(c);
  for (uint32_t i = 0; i + 1 < n; i++) {
    scenario_target t = scenario_call_target_at(c, i);
    if (u < t.share)
      return t;
    u -= t.share;
  }
  return scenario_call_target_at(c, n - 1);
}

static void mc_call(mc *m, uint32_t src, uint32_t svc, uint32_t op, uint32_t *stack, uint32_t *sp) {
  const topology *t = m->t;
  const scenario_service *sv = &t->scn->services[svc];
  uint32_t dst = t->service_first_pod[svc] + (uint32_t)gsl_rng_uniform_int(m->rng, sv->replicas);
  path pa;
  path_build(t, src, dst, gsl_rng_uniform(m->rng), &pa);
  for (uint8_t i = 0; i < pa.n; i++) {
    uint32_t x = pa.proxy[i];
    if (m->proxy_mark[x] != m->request) {
      m->proxy_mark[x] = m->request;
      m->proxy_hits[x]++;
    }
    mc_touch_node(m, t->proxies[x].node);
    if (t->proxies[x].kind == MESH_PROXY_WAYPOINT) {
      uint32_t w = t->proxies[x].owner;
      if (m->wp_mark[w] != m->request) {
        m->wp_mark[w] = m->request;
        m->wp_hits[w]++;
      }
    }
  }
  mc_touch_node(m, t->pods[dst].node);
  if (pa.n > 0) /* some proxy crossed: a meshed pod is involved */
    m->control = 1;
  uint32_t nc;
  const scenario_call *calls = scenario_op_calls(sv, op, &nc);
  for (uint32_t j = 0; j < nc; j++)
    for (uint32_t k = 0; k < calls[j].count; k++)
      if (gsl_rng_uniform(m->rng) < calls[j].probability) {
        scenario_target w = calls[j].n_choice ? mc_way(&calls[j], gsl_rng_uniform(m->rng))
                                              : scenario_call_target_at(&calls[j], 0);
        assert_true(*sp + 3 <= 8192);
        stack[(*sp)++] = dst;
        stack[(*sp)++] = w.service;
        stack[(*sp)++] = w.op;
      }
}

static void mc_run(mc *m, uint32_t n_requests) {
  const scenario *s = m->t->scn;
  double total = 0;
  for (uint32_t i = 0; i < s->n_traffic; i++)
    total += s->traffic[i].rate_rps;
  static uint32_t stack[8192];
  for (uint32_t r = 0; r < n_requests; r++) {
    m->request = r + 1;
    m->control = 0;
    double u = gsl_rng_uniform(m->rng) * total;
    uint32_t e = 0;
    while (e + 1 < s->n_traffic && u >= s->traffic[e].rate_rps) {
      u -= s->traffic[e].rate_rps;
      e++;
    }
    uint32_t sp = 0, op = s->traffic[e].op;
    if (s->traffic[e].n_mix) { /* the entry's operation, by its mix */
      double x = gsl_rng_uniform(m->rng);
      uint32_t k = 0;
      while (k + 1 < s->traffic[e].n_mix && x >= s->traffic[e].mix[k].share)
        x -= s->traffic[e].mix[k++].share;
      op = s->traffic[e].mix[k].op;
    }
    mc_call(m, TOPO_NONE, s->traffic[e].service, op, stack, &sp);
    while (sp > 0) {
      uint32_t o = stack[--sp], svc = stack[--sp], src = stack[--sp];
      mc_call(m, src, svc, o, stack, &sp);
    }
    m->control_hits += m->control;
  }
}

static void test_waypoint_name(const topology *t, uint32_t w, char *buf, size_t len) {
  const scenario *s = t->scn;
  const topo_waypoint *wp = &t->waypoints[w];
  const char *key = wp->scope == MESH_WAYPOINT_NAMESPACE ? "waypoint"
                    : wp->scope == MESH_WAYPOINT_SERVICE
                        ? s->services[wp->key].name
                        : strchr(s->service_accounts[wp->key], '/') + 1;
  snprintf(buf, len, "%s/%s", s->namespaces[wp->ns].name, key);
}

/* Monte-Carlo share of the instance named (kind, name), from the hit counts. */
static double mc_share(const mc *m, uint32_t n_req, const char *kind, const char *name) {
  const topology *t = m->t;
  char buf[128];
  if (!strcmp(kind, "control-plane"))
    return (double)m->control_hits / n_req;
  if (!strcmp(kind, "node")) {
    for (uint32_t i = 0; i < t->n_nodes; i++) {
      topo_node_name(t, i, buf, sizeof buf);
      if (!strcmp(buf, name))
        return (double)m->node_hits[i] / n_req;
    }
  }
  if (!strcmp(kind, "waypoint-deployment")) {
    for (uint32_t w = 0; w < t->n_waypoints; w++) {
      test_waypoint_name(t, w, buf, sizeof buf);
      if (!strcmp(buf, name))
        return (double)m->wp_hits[w] / n_req;
    }
  }
  for (uint32_t x = 0; x < t->n_proxies; x++) {
    const topo_proxy *px = &t->proxies[x];
    if (strcmp(mesh_proxy_kind_name(px->kind), kind) != 0)
      continue;
    if (px->kind == MESH_PROXY_SIDECAR)
      topo_pod_name(t, px->owner, buf, sizeof buf);
    else if (px->kind == MESH_PROXY_ZTUNNEL)
      topo_node_name(t, px->node, buf, sizeof buf);
    else {
      char dep[96];
      test_waypoint_name(t, px->owner, dep, sizeof dep);
      snprintf(buf, sizeof buf, "%s#%u", dep, x - t->waypoints[px->owner].first_proxy);
    }
    if (!strcmp(buf, name))
      return (double)m->proxy_hits[x] / n_req;
  }
  fail_msg("no Monte-Carlo counterpart for %s '%s'", kind, name);
  return -1;
}

/* Checks every instance's share against the Monte-Carlo proportion. The
 * tolerance is 5 binomial standard errors sqrt(p (1 - p) / N) of the exact
 * p: with ~30 instances per topology the chance of a false alarm is ~1e-5,
 * and the seed is fixed. p = 0 or 1 must match exactly (no randomness can
 * change a certain event), which also pins the path rules. Returns the
 * largest |error|. */
static double check_against_mc(const topology *t, uint32_t n_req, uint64_t seed) {
  result_blast sum[MESH_PROXY_COUNT];
  int has[MESH_PROXY_COUNT];
  result_blast_instance *in = NULL;
  uint32_t n = 0;
  assert_int_equal(blast_compute(t, sum, has, &in, &n), 0);
  mc m = {.t = t, .rng = sim_rng_new(seed, 7, 0)};
  size_t np = t->n_proxies + 1, nn = t->n_nodes + 1, nw = t->n_waypoints + 1;
  m.proxy_mark = calloc(np, sizeof(uint32_t));
  m.node_mark = calloc(nn, sizeof(uint32_t));
  m.wp_mark = calloc(nw, sizeof(uint32_t));
  m.proxy_hits = calloc(np, sizeof(uint64_t));
  m.node_hits = calloc(nn, sizeof(uint64_t));
  m.wp_hits = calloc(nw, sizeof(uint64_t));
  assert_non_null(m.rng);
  mc_run(&m, n_req);
  double worst = 0;
  for (uint32_t i = 0; i < n; i++) {
    double exact = in[i].request_share;
    double est = mc_share(&m, n_req, in[i].kind, in[i].instance);
    double tol = 5 * sqrt(exact * (1 - exact) / n_req);
    if (fabs(est - exact) > tol)
      fail_msg("%s %s %s: formula %.5f, Monte-Carlo %.5f (tolerance %.5f)", mesh_mode_name(t->mode),
               in[i].kind, in[i].instance, exact, est, tol);
    if (fabs(est - exact) > worst)
      worst = fabs(est - exact);
  }
  sim_rng_free(m.rng);
  free(m.proxy_mark);
  free(m.node_mark);
  free(m.wp_mark);
  free(m.proxy_hits);
  free(m.node_hits);
  free(m.wp_hits);
  free(in);
  return worst;
}

/* The shop with counts and probabilities, three entries (one unmeshed), on 3
 * nodes, waypoint replicas 2, in every mode and scope. */
static void test_share_vs_monte_carlo_shop(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  const uint32_t n_req = 60000;
  double worst = 0;
  for (int mode = 0; mode < MESH_MODE_COUNT; mode++)
    for (int scope = 0; scope < MESH_WAYPOINT_SCOPE_COUNT; scope++) {
      if (scope > 0 && mode != MESH_MODE_HYBRID && mode != MESH_MODE_AMBIENT_WAYPOINT)
        continue;
      shop_opts o = {.nodes = 3,
                     .placement = MESH_PLACE_SPREAD,
                     .scope = (mesh_waypoint_scope)scope,
                     .waypoint_replicas = 2,
                     .probable = 1};
      scenario s;
      shop_build(&s, &o);
      topology t;
      assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, (mesh_mode)mode, 3), 0);
      double w = check_against_mc(&t, n_req, 11 + (uint64_t)(mode * 3 + scope));
      worst = w > worst ? w : worst;
      topo_release(&t);
      scenario_release(&s);
    }
  print_message("shop: largest |formula - Monte-Carlo| %.4f over %u requests per topology\n", worst,
                n_req);
}

/* A diamond with a shared descendant (a -> b, a -> c x2, b -> d, c -> d): the
 * dependence the Poisson shortcut gets wrong. Also checks the visits helper. */
static void test_share_vs_monte_carlo_diamond(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  static const mesh_mode modes[] = {MESH_MODE_SIDECAR, MESH_MODE_AMBIENT, MESH_MODE_HYBRID};
  double worst = 0;
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    scenario s;
    fx_scenario(&s, 3, 0);
    s.cluster.placement = MESH_PLACE_SPREAD;
    uint32_t n1 = fx_namespace(&s, "n1", MESH_NS_SIDECAR);
    uint32_t n2 = fx_namespace(&s, "n2", MESH_NS_AMBIENT);
    uint32_t a = fx_service(&s, "a", n1, 2, 1e5, 0);
    uint32_t b = fx_service(&s, "b", n2, 3, 1e5, 0);
    uint32_t c = fx_service(&s, "c", n1, 1, 1e5, 0);
    uint32_t d = fx_service(&s, "d", n2, 4, 1e5, 0);
    fx_call(&s, a, b, 1, 0.5);
    fx_call(&s, a, c, 2, 0.3);
    fx_call(&s, b, d, 1, 1.0);
    fx_call(&s, c, d, 2, 0.5);
    fx_traffic(&s, a, 20);
    fx_traffic(&s, c, 5);
    topology t;
    assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, modes[i], 5), 0);
    double w = check_against_mc(&t, 80000, 100 + i);
    worst = w > worst ? w : worst;

    /* visits: a 0.8; c 0.2 + 0.8 * 0.6; b 0.8 * 0.5; d b + c * 2 * 0.5 */
    double v[4];
    assert_int_equal(blast_service_visits(&s, v), 0);
    double va = 0.8, vb = 0.4, vc = 0.2 + 0.8 * 0.6, vd = vb + vc;
    assert_near(v[a], va, 1e-12);
    assert_near(v[b], vb, 1e-12);
    assert_near(v[c], vc, 1e-12);
    assert_near(v[d], vd, 1e-12);

    /* whole d by hand: q_d = 0, q_b = 1 - 1 = 0, q_c = (1 - 0.5)^2 = 0.25,
     * q_a = (1 - 0.5)(1 - 0.3 * 0.75)^2; share = 0.8 (1 - q_a) + 0.2 (1 - q_c) */
    double land[4] = {0, 0, 0, 1}, sh = -1;
    assert_int_equal(blast_request_share(&t, land, NULL, &sh), 0);
    double qa = 0.5 * (1 - 0.3 * 0.75) * (1 - 0.3 * 0.75);
    assert_near(sh, 0.8 * (1 - qa) + 0.2 * 0.75, 1e-12);
    topo_release(&t);
    scenario_release(&s);
  }
  print_message("diamond: largest |formula - Monte-Carlo| %.4f over 80000 requests\n", worst);
}

/* Operations with a cycle between services (user/write -> graph/insert ->
 * user/read), a gateway's weighted route over services and operations, and
 * a traffic mix: the formula over the graph of operations against the
 * Monte-Carlo walk in every mode, and the visits per service by hand. */
static scenario_call *ops_call(scenario_call **calls, uint32_t *n, uint32_t target, uint32_t op,
                               uint32_t count, double p) {
  *calls = realloc(*calls, (*n + 1) * sizeof **calls);
  scenario_call *c = &(*calls)[(*n)++];
  memset(c, 0, sizeof *c);
  c->target = target;
  c->op = op;
  c->count = count;
  c->probability = p;
  c->request_bytes = c->response_bytes = 1024;
  return c;
}

static void ops_add(scenario_service *sv, const char *name) {
  sv->ops = realloc(sv->ops, (sv->n_ops + 1) * sizeof *sv->ops);
  scenario_operation *o = &sv->ops[sv->n_ops++];
  memset(o, 0, sizeof *o);
  snprintf(o->name, sizeof o->name, "%s", name);
  o->weight = 1;
  o->service_time_ns = sv->service_time_ns;
}

static void test_share_vs_monte_carlo_operations(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  double worst = 0;
  for (int mode = 0; mode < MESH_MODE_COUNT; mode++) {
    scenario s;
    fx_scenario(&s, 3, 0);
    uint32_t n1 = fx_namespace(&s, "n1", MESH_NS_SIDECAR);
    uint32_t n2 = fx_namespace(&s, "n2", MESH_NS_AMBIENT_WAYPOINT);
    enum { GW, USER, GRAPH, DB, READ = 0, WRITE = 1, GET = 0, INSERT = 1 };
    fx_service(&s, "gw", n1, 2, 1e5, 0);
    fx_service(&s, "user", n2, 3, 1e5, 1);
    fx_service(&s, "graph", n2, 2, 1e5, 1);
    fx_service(&s, "db", n1, 2, 1e5, 0);
    ops_add(&s.services[USER], "read");
    ops_add(&s.services[USER], "write");
    ops_add(&s.services[GRAPH], "get");
    ops_add(&s.services[GRAPH], "insert");
    scenario_operation *u = s.services[USER].ops, *g = s.services[GRAPH].ops;
    ops_call(&u[READ].calls, &u[READ].n_calls, GRAPH, GET, 1, 0.6);
    ops_call(&u[WRITE].calls, &u[WRITE].n_calls, GRAPH, INSERT, 1, 1.0);
    ops_call(&u[WRITE].calls, &u[WRITE].n_calls, DB, 0, 1, 0.5);
    ops_call(&g[GET].calls, &g[GET].n_calls, DB, 0, 1, 0.4);
    ops_call(&g[INSERT].calls, &g[INSERT].n_calls, USER, READ, 1, 1.0);
    scenario_service *gw = &s.services[GW];
    scenario_call *route = ops_call(&gw->calls, &gw->n_calls, SCN_NONE, 0, 2, 0.7);
    const scenario_target ways[] = {{USER, READ, 0.25, 1024, 1024},
                                    {USER, WRITE, 0.25, 1024, 1024},
                                    {GRAPH, GET, 0.3, 1024, 1024},
                                    {DB, 0, 0.2, 1024, 1024}};
    route->choice = malloc(sizeof ways);
    memcpy(route->choice, ways, sizeof ways);
    route->n_choice = 4;
    fx_traffic(&s, GW, 10);
    fx_traffic(&s, USER, 5);
    s.traffic[1].mix = malloc(2 * sizeof *s.traffic[1].mix);
    s.traffic[1].mix[0] = (scenario_target){USER, READ, 0.3, 1024, 1024};
    s.traffic[1].mix[1] = (scenario_target){USER, WRITE, 0.7, 1024, 1024};
    s.traffic[1].n_mix = 2;
    topology t;
    assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, (mesh_mode)mode, 9), 0);
    double w = check_against_mc(&t, 60000, 300 + (uint64_t)mode);
    worst = w > worst ? w : worst;

    /* visits per external request (2/3 at gw, 1/3 at user by 0.3/0.7):
     * read = 1/3 0.3 + 2/3 1.4 0.25 + insert; write = 1/3 0.7 + 2/3 1.4 0.25;
     * insert = write; get = read 0.6 + 2/3 1.4 0.3; db = write 0.5 + get 0.4
     * + 2/3 1.4 0.2 */
    double v[4];
    assert_int_equal(blast_service_visits(&s, v), 0);
    double route_calls = 2.0 / 3.0 * 1.4;
    double write = 1.0 / 3.0 * 0.7 + route_calls * 0.25, insert = write;
    double read = 1.0 / 3.0 * 0.3 + route_calls * 0.25 + insert;
    double get = read * 0.6 + route_calls * 0.3;
    assert_near(v[GW], 2.0 / 3.0, 1e-12);
    assert_near(v[USER], read + write, 1e-12);
    assert_near(v[GRAPH], get + insert, 1e-12);
    assert_near(v[DB], write * 0.5 + get * 0.4 + route_calls * 0.2, 1e-12);
    topo_release(&t);
    scenario_release(&s);
  }
  print_message("operations: largest |formula - Monte-Carlo| %.4f over 60000 requests\n", worst);
}

/* ---- errors -------------------------------------------------------------- */

static void test_errors(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  scenario s;
  fx_scenario(&s, 1, 0);
  uint32_t ns = fx_namespace(&s, "x", MESH_NS_SIDECAR);
  fx_service(&s, "a", ns, 1, 1e5, 0);
  fx_service(&s, "b", ns, 1, 1e5, 0);
  fx_call(&s, 0, 1, 1, 1.0);
  fx_call(&s, 1, 0, 1, 0.5); /* a cycle: the loader rejects these, the topology does not */
  fx_traffic(&s, 0, 1);
  topology t;
  assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, MESH_MODE_SIDECAR, 1), 0);
  result_blast sum[MESH_PROXY_COUNT];
  int has[MESH_PROXY_COUNT];
  result_blast_instance dummy;
  result_blast_instance *in = &dummy; /* must be reset to NULL */
  uint32_t n = 99;
  assert_int_equal(blast_compute(&t, sum, has, &in, &n), SIM_EINVAL);
  assert_null(in);
  assert_int_equal(n, 0);
  double v[2];
  assert_int_equal(blast_service_visits(&s, v), SIM_EINVAL);
  assert_int_equal(blast_compute(NULL, sum, has, &in, &n), SIM_EINVAL);
  assert_int_equal(blast_compute(&t, sum, has, NULL, &n), SIM_EINVAL);
  /* a zero-probability back edge never happens: no cycle */
  s.services[1].calls[0].probability = 0;
  assert_int_equal(blast_compute(&t, sum, has, &in, &n), 0);
  assert_int_equal(n, 2 + 1 + 1); /* 2 sidecars, 1 node, control plane */
  double land[2] = {0, 1.5}, sh;
  assert_int_equal(blast_request_share(&t, land, NULL, &sh), SIM_EINVAL);
  land[1] = NAN;
  assert_int_equal(blast_request_share(&t, land, NULL, &sh), SIM_EINVAL);
  free(in);
  topo_release(&t);
  scenario_release(&s);
}

/* ---- scale --------------------------------------------------------------- */

/* 1,000 nodes, 500 services x 40 pods, 50 namespaces cycling the four
 * namespace modes (hybrid), a random DAG of ~3 calls per service. Not timed
 * as an assertion; checks invariants that hold for any topology. */
static void test_scale(void **state) {
  (void)state;
  profile p;
  const profile *const *profs = fx_profiles(&p);
  scenario s;
  fx_scenario(&s, 1000, 0);
  s.cluster.placement = MESH_PLACE_SPREAD;
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    p.proxy[k].request_millicores = 10;
  s.mesh.waypoint_replicas = 2;
  gsl_rng *rng = sim_rng_new(42, 1, 0);
  for (uint32_t i = 0; i < 50; i++) {
    char name[16];
    snprintf(name, sizeof name, "ns%u", i);
    uint32_t ns = fx_namespace(&s, name, (mesh_ns_mode)(i % MESH_NS_COUNT));
    snprintf(s.namespaces[ns].tenant, SCN_NAME_MAX, "tenant%u", i % 7);
    s.namespaces[ns].waypoint_scope = (mesh_waypoint_scope)(i % MESH_WAYPOINT_SCOPE_COUNT);
  }
  for (uint32_t i = 0; i < 500; i++) {
    char name[16];
    snprintf(name, sizeof name, "svc%u", i);
    fx_service(&s, name, i % 50, 40, 1e5, i % 3 == 0);
    s.services[i].cpu_request_millicores = 20;
    s.services[i].mem_request_bytes = 64 << 20;
  }
  for (uint32_t i = 0; i < 500; i++)
    for (int k = 0; k < 3 && i + 1 < 500; k++) {
      uint32_t to = i + 1 + (uint32_t)gsl_rng_uniform_int(rng, 500 - i - 1 < 40 ? 500 - i - 1 : 40);
      fx_call(&s, i, to, 1 + (uint32_t)gsl_rng_uniform_int(rng, 2), 0.3);
    }
  sim_rng_free(rng);
  for (uint32_t i = 0; i < 5; i++)
    fx_traffic(&s, i, 100);
  static const mesh_mode modes[] = {MESH_MODE_HYBRID, MESH_MODE_SIDECAR,
                                    MESH_MODE_AMBIENT_WAYPOINT};
  for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
    topology t;
    assert_int_equal(topo_build(&t, &s, profs, &p.control_plane, modes[mi], 1), 0);
    assert_int_equal(t.n_nodes, 1000);
    assert_int_equal(t.n_pods, 20000);
    result_blast sum[MESH_PROXY_COUNT];
    int has[MESH_PROXY_COUNT];
    result_blast_instance *in = NULL;
    uint32_t n = 0;
    clock_t c0 = clock();
    assert_int_equal(blast_compute(&t, sum, has, &in, &n), 0);
    double cpu_s = (double)(clock() - c0) / CLOCKS_PER_SEC;
    print_message(
        "scale %s: %u instances (%u sidecars, %u ztunnels, %u waypoint replicas) in %.3f s "
        "CPU\n",
        mesh_mode_name(modes[mi]), n, t.n_by_kind[MESH_PROXY_SIDECAR],
        t.n_by_kind[MESH_PROXY_ZTUNNEL], t.n_by_kind[MESH_PROXY_WAYPOINT], cpu_s);
    assert_int_equal(n, t.n_proxies + t.n_waypoints + t.n_nodes + 1);
    /* invariants: ztunnels partition the ambient pods; each sidecar is one pod; the control plane
     * covers every meshed pod and its share bounds every proxy's; a node's share bounds its
     * ztunnel's (it touches a superset) */
    uint32_t ambient = 0, meshed = 0, zt_pods = 0;
    for (uint32_t i = 0; i < t.n_pods; i++) {
      ambient += t.pods[i].mode == MESH_NS_AMBIENT || t.pods[i].mode == MESH_NS_AMBIENT_WAYPOINT;
      meshed += t.pods[i].mode != MESH_NS_NONE;
    }
    const result_blast_instance *cp = find(in, n, "control-plane", "istiod");
    assert_non_null(cp);
    assert_int_equal(cp->pods, meshed);
    for (uint32_t i = 0; i < n; i++) {
      assert_true(in[i].request_share >= 0 && in[i].request_share <= 1);
      if (!strcmp(in[i].kind, "ztunnel")) {
        zt_pods += in[i].pods;
        const result_blast_instance *node = find(in, n, "node", in[i].instance);
        assert_non_null(node);
        assert_true(node->request_share >= in[i].request_share - 1e-12);
        assert_true(node->pods >= in[i].pods);
      }
      if (!strcmp(in[i].kind, "sidecar"))
        assert_int_equal(in[i].pods, 1);
      if (mesh_proxy_kind_from_name(in[i].kind) >= 0)
        assert_true(cp->request_share >= in[i].request_share - 1e-12);
    }
    assert_int_equal(zt_pods, ambient);
    for (int k = 0; k < MESH_PROXY_COUNT; k++)
      assert_int_equal(has[k], t.n_by_kind[k] > 0);
    free(in);
    topo_release(&t);
  }
  scenario_release(&s);
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_radius_table),
      cmocka_unit_test(test_kinds_and_summary),
      cmocka_unit_test(test_share_single_service),
      cmocka_unit_test(test_share_vs_monte_carlo_shop),
      cmocka_unit_test(test_share_vs_monte_carlo_diamond),
      cmocka_unit_test(test_share_vs_monte_carlo_operations),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_scale),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
