/* meshsim advise (advise/advise.h) against brute force. On scenarios small
 * enough to enumerate (five namespaces, every candidate mode), the test
 * judges every assignment itself: its own reading of the constraints (pins,
 * compliance, L7 needs, blast-radius limits from its own topology and blast
 * radius) and its own simulation of mode hybrid with the assignment. The
 * advisor must find the optimum or come within 2% of its objective, and its
 * recommendation, simulated again here, must meet the objective and every
 * constraint. The migration plan is held to the same standard: whenever the
 * states between the start and the recommendation, all simulated here,
 * hold an order that never misses the objective, the plan must be one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "advise.h"
#include "blast.h"
#include "topology.h"
#include "verdict.h"

#define BF_MAX_NS 8

static void load(sweep_point *p, const char *name, const char *const *sets, size_t n_sets) {
  char path[1024], why[256];
  snprintf(path, sizeof path, "%s/advise/%s.yaml", MESHSIM_FIXTURES, name);
  diag_list d;
  diag_list_init(&d);
  int rc = sweep_point_load(p, path, sets, n_sets, &d, why, sizeof why);
  if (rc != 0) {
    diag_print(&d, stderr);
    fail_msg("cannot load %s: %s", path, why);
  }
  diag_list_release(&d);
}

/* ---- the test's own judge ------------------------------------------------------ */

/* The modes namespace ns may run, read from the scenario here: its pin (a
 * test pin "ns=mode" first), else the candidates cut to sidecar by
 * compliance; an L7 need leaves sidecar and ambient-waypoint. In a namespace
 * without L7, ambient-waypoint is ambient (checked by test_equivalence), so
 * only ambient is enumerated there. */
static unsigned may_run(const scenario *s, uint32_t ns, const char *pin) {
  unsigned bits = s->advise.modes;
  for (uint32_t i = 0; i < s->advise.n_pins; i++)
    if (s->advise.pins[i].ns == ns)
      bits = s->advise.pins[i].modes;
  size_t len = strlen(s->namespaces[ns].name);
  if (pin && !strncmp(pin, s->namespaces[ns].name, len) && pin[len] == '=') {
    bits = 0;
    for (const char *m = pin + len + 1; *m; m += strcspn(m, ",") + (m[strcspn(m, ",")] == ',')) {
      char name[32];
      snprintf(name, sizeof name, "%.*s", (int)strcspn(m, ","), m);
      assert_true(mesh_ns_mode_from_name(name) >= 0);
      bits |= SCN_NS_MODE_BIT(mesh_ns_mode_from_name(name));
    }
  } else if (s->namespaces[ns].compliance && bits == s->advise.modes)
    bits &= SCN_NS_MODE_BIT(MESH_NS_SIDECAR);
  bool l7 = false;
  for (uint32_t sv = 0; sv < s->n_services; sv++)
    l7 = l7 || (s->services[sv].ns == ns && s->services[sv].needs_l7);
  if (l7)
    bits &= SCN_NS_MODE_BIT(MESH_NS_SIDECAR) | SCN_NS_MODE_BIT(MESH_NS_AMBIENT_WAYPOINT);
  else if (bits & SCN_NS_MODE_BIT(MESH_NS_AMBIENT_WAYPOINT))
    bits = (bits & ~SCN_NS_MODE_BIT(MESH_NS_AMBIENT_WAYPOINT)) | SCN_NS_MODE_BIT(MESH_NS_AMBIENT);
  return bits;
}

static void with_modes(const sweep_point *p, const mesh_ns_mode *a, scenario *copy,
                       scenario_namespace *ns) {
  *copy = p->scn;
  copy->n_failures = 0;
  memcpy(ns, p->scn.namespaces, p->scn.n_namespaces * sizeof *ns);
  for (uint32_t i = 0; i < p->scn.n_namespaces; i++)
    ns[i].hybrid_mode = a[i];
  copy->namespaces = ns;
}

/* No ztunnel or waypoint instance over the scenario's blast-radius limits. */
static bool blast_ok(const sweep_point *p, const mesh_ns_mode *a) {
  const scenario_advise *lim = &p->scn.advise;
  scenario copy;
  scenario_namespace ns[BF_MAX_NS];
  with_modes(p, a, &copy, ns);
  topology t;
  assert_int_equal(topo_build(&t, &copy, p->in.proxy_profile, p->in.control_plane, MESH_MODE_HYBRID,
                              copy.meta.seed),
                   0);
  result_blast sum[MESH_PROXY_COUNT];
  int has[MESH_PROXY_COUNT];
  result_blast_instance *inst = NULL;
  uint32_t n = 0;
  assert_int_equal(blast_compute(&t, sum, has, &inst, &n), 0);
  bool ok = true;
  for (uint32_t i = 0; i < n; i++) {
    if (strcmp(inst[i].kind, "ztunnel") && strcmp(inst[i].kind, "waypoint"))
      continue;
    ok = ok && !(lim->max_tenants_per_proxy && inst[i].tenants > lim->max_tenants_per_proxy);
    ok = ok && !(lim->max_pods_per_proxy && inst[i].pods > lim->max_pods_per_proxy);
  }
  free(inst);
  topo_release(&t);
  return ok;
}

typedef struct judged {
  bool meets;
  double value, reserved;
} judged;

/* Simulates the assignment as mode hybrid and judges it. */
static judged judge(const sweep_point *p, const mesh_ns_mode *a) {
  scenario copy;
  scenario_namespace ns[BF_MAX_NS];
  with_modes(p, a, &copy, ns);
  model_inputs in = p->in;
  in.scn = &copy;
  mode_result m;
  assert_int_equal(model_run_mode(&in, MESH_MODE_HYBRID, 0, 1, &m), 0);
  verdict_objective o = {(double)copy.meta.slo_ns / 1e6, copy.meta.objective_quantile,
                         copy.meta.error_budget};
  verdict_decide(&o, &m, &m.verdict);
  judged j = {.meets = m.verdict.status == RESULT_MEETS, .reserved = m.cost_reserved_usd_month};
  switch (copy.advise.objective) {
  case SCN_ADVISE_CPU:
    j.value = m.mesh_cpu_cores;
    break;
  case SCN_ADVISE_MEMORY:
    j.value = m.mesh_mem_mib;
    break;
  case SCN_ADVISE_LATENCY:
    j.value = verdict_latency_at(&m.latency, copy.meta.objective_quantile);
    break;
  default:
    j.value = m.cost_usd_month;
  }
  mode_result_release(&m);
  return j;
}

static void describe(const sweep_point *p, const mesh_ns_mode *a, char *buf, size_t n) {
  size_t at = 0;
  for (uint32_t i = 0; i < p->scn.n_namespaces; i++)
    at += (size_t)snprintf(buf + at, n - at, "%s%s=%s", i ? " " : "", p->scn.namespaces[i].name,
                           mesh_ns_mode_name(a[i]));
}

/* The brute-force optimum: every allowed assignment, simulated. Returns
 * whether one meets everything; *best its value. */
static bool brute_force(const sweep_point *p, const char *pin, double *best, mesh_ns_mode *arg) {
  uint32_t n = p->scn.n_namespaces;
  assert_true(n <= BF_MAX_NS);
  unsigned allowed[BF_MAX_NS];
  uint32_t total = 1;
  for (uint32_t i = 0; i < n; i++) {
    allowed[i] = may_run(&p->scn, i, pin);
    total *= MESH_NS_COUNT;
  }
  bool found = false;
  double best_reserved = 0;
  uint32_t simulated = 0;
  for (uint32_t code = 0; code < total; code++) {
    mesh_ns_mode a[BF_MAX_NS];
    bool ok = true;
    for (uint32_t i = 0, c = code; i < n; i++, c /= MESH_NS_COUNT) {
      a[i] = (mesh_ns_mode)(c % MESH_NS_COUNT);
      ok = ok && (allowed[i] & SCN_NS_MODE_BIT(a[i]));
    }
    if (!ok || !blast_ok(p, a))
      continue;
    judged j = judge(p, a);
    simulated++;
    if (j.meets &&
        (!found || j.value < *best || (j.value == *best && j.reserved < best_reserved))) {
      found = true;
      *best = j.value;
      best_reserved = j.reserved;
      memcpy(arg, a, n * sizeof *a);
    }
  }
  printf("  brute force: %u assignments simulated\n", simulated);
  return found;
}

/* advise_run on the loaded scenario; the recommendation checked on its own. */
static void check_advice(const sweep_point *p, const char *pin, const advice *a) {
  uint32_t n = p->scn.n_namespaces;
  mesh_ns_mode got[BF_MAX_NS];
  assert_int_equal(a->n_namespaces, n);
  for (uint32_t i = 0; i < n; i++) {
    got[i] = a->namespaces[i].mode;
    if (!(may_run(&p->scn, i, pin) & SCN_NS_MODE_BIT(got[i])))
      fail_msg("namespace %s runs %s, which its constraints forbid", a->namespaces[i].name,
               mesh_ns_mode_name(got[i]));
  }
  assert_true(blast_ok(p, got));
  judged j = judge(p, got);
  assert_true(j.meets);
  assert_true(fabs(j.value - a->value) <= 1e-9 * fmax(1, fabs(j.value)));
}

static void compare(const char *name, const char *const *sets, size_t n_sets, const char *pin) {
  sweep_point p;
  load(&p, name, sets, n_sets);
  advise_options o = {
      .pins = pin ? &pin : NULL, .n_pins = pin ? 1 : 0, .from = ADVISE_FROM_NONE, .jobs = 2};
  advice a;
  run_result r;
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(advise_run(&p, &o, &a, &r, &d), 0);
  diag_list_release(&d);
  double best = 0;
  mesh_ns_mode arg[BF_MAX_NS];
  char want[512] = "-", got[512] = "-";
  printf("%s (minimise %s%s%s):\n", name, scenario_advise_objective_name(p.scn.advise.objective),
         pin ? ", --pin " : "", pin ? pin : "");
  bool found = brute_force(&p, pin, &best, arg);
  if (found)
    describe(&p, arg, want, sizeof want);
  if (a.found) {
    mesh_ns_mode g[BF_MAX_NS];
    for (uint32_t i = 0; i < a.n_namespaces; i++)
      g[i] = a.namespaces[i].mode;
    describe(&p, g, got, sizeof got);
  }
  printf("  brute force %.6g: %s\n  advise      %.6g: %s (%u simulations, budget %u)\n",
         found ? best : NAN, want, a.found ? a.value : NAN, got, a.simulations, a.budget);
  assert_int_equal(a.found, found);
  if (found) {
    check_advice(&p, pin, &a);
    if (!(a.value <= best + 0.02 * fabs(best) + 1e-12))
      fail_msg("advise %.6g is more than 2%% above the optimum %.6g", a.value, best);
    assert_true(a.simulations <= a.budget);
  }
  advice_release(&a);
  run_result_release(&r);
  sweep_point_release(&p);
}

/* Mesh CPU under ztunnels too small for every namespace: a knapsack. */
static void test_knapsack_cpu(void **state) {
  (void)state;
  compare("knapsack", NULL, 0, NULL);
}

/* The same cluster, by cost and by memory. */
static void test_knapsack_memory(void **state) {
  (void)state;
  const char *set = "advise.objective=memory";
  compare("knapsack", &set, 1, NULL);
}

/* Whole nodes and at most one tenant per ztunnel: which tenant goes ambient. */
static void test_tenants_cost(void **state) {
  (void)state;
  compare("tenants", NULL, 0, NULL);
}

/* A pin from the command line moves the answer: with news held in ambient,
 * only its tenant may share ztunnels. */
static void test_tenants_pinned(void **state) {
  (void)state;
  compare("tenants", NULL, 0, "news=ambient");
}

/* Without the blast limit, a latency objective. */
static void test_tenants_latency(void **state) {
  (void)state;
  const char *sets[2] = {"advise.max_tenants_per_proxy=0", "advise.objective=latency"};
  compare("tenants", sets, 2, NULL);
}

/* Other loads of the knapsack, each its own optimum: the rates moved
 * between namespaces, and the objective's latency tightened. */
static void test_knapsack_variants(void **state) {
  (void)state;
  static const char *const variants[][4] = {
      {"traffic.big-api.rate=6000/s", "traffic.wide-api.rate=14000/s",
       "traffic.small-api.rate=9000/s", "traffic.pay-api.rate=12000/s"},
      {"traffic.busy-api.rate=15000/s", "traffic.small-api.rate=12000/s",
       "traffic.pay-api.rate=3000/s", "advise.objective=memory"},
      {"traffic.big-api.rate=20000/s", "traffic.busy-api.rate=2000/s",
       "traffic.wide-api.rate=9000/s", "metadata.seed=5"},
      {"traffic.big-api.rate=9000/s", "traffic.busy-api.rate=9000/s",
       "traffic.wide-api.rate=9000/s", "traffic.small-api.rate=9000/s"},
  };
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
    compare("knapsack", variants[v], 4, NULL);
}

/* Three candidate modes for every namespace, `none` among them, and shop
 * held to the mesh: 3^4 assignments of the others. */
static void test_three_modes(void **state) {
  (void)state;
  const char *sets[2] = {"advise.modes=[none, sidecar, ambient]", "advise.objective=memory"};
  compare("tenants", sets, 2, "shop=sidecar,ambient");
}

/* ambient-waypoint in a namespace with no L7 service is ambient, the
 * equivalence both the advisor and the brute force rely on. */
static void test_equivalence(void **state) {
  (void)state;
  sweep_point p;
  load(&p, "knapsack", NULL, 0);
  mesh_ns_mode a[BF_MAX_NS], b[BF_MAX_NS];
  for (uint32_t i = 0; i < p.scn.n_namespaces; i++)
    a[i] = b[i] = MESH_NS_SIDECAR;
  a[3] = MESH_NS_AMBIENT; /* small: no L7 service */
  b[3] = MESH_NS_AMBIENT_WAYPOINT;
  judged x = judge(&p, a), y = judge(&p, b);
  assert_true(x.meets == y.meets && x.value == y.value && x.reserved == y.reserved);
  sweep_point_release(&p);
}

/* ---- the migration plan --------------------------------------------------------- */

/* Whether an order of the k moves exists whose every intermediate state
 * meets: usable[S] for each set S of moves made, a path from {} to all. */
static bool safe_order_exists(const bool *usable, uint32_t k) {
  uint32_t full = (1u << k) - 1;
  bool reach[1 << BF_MAX_NS] = {0};
  reach[0] = true;
  for (uint32_t s = 1; s <= full; s++) {
    if (s != full && !usable[s])
      continue;
    for (uint32_t j = 0; j < k && !reach[s]; j++)
      reach[s] = (s & (1u << j)) && reach[s & ~(1u << j)];
  }
  return reach[full];
}

static void plan_against_brute_force(const char *const *sets, size_t n_sets) {
  sweep_point p;
  load(&p, "knapsack", sets, n_sets);
  advise_options o = {.from = ADVISE_FROM_CURRENT, .jobs = 2};
  advice a;
  run_result r;
  diag_list d;
  diag_list_init(&d);
  assert_int_equal(advise_run(&p, &o, &a, &r, &d), 0);
  diag_list_release(&d);
  assert_true(a.found && a.has_plan);
  uint32_t n = p.scn.n_namespaces, moves[BF_MAX_NS], k = 0;
  mesh_ns_mode start[BF_MAX_NS] = {0}, target[BF_MAX_NS] = {0};
  for (uint32_t i = 0; i < n; i++) {
    start[i] = p.scn.namespaces[i].hybrid_mode;
    target[i] = a.namespaces[i].mode;
    if (start[i] != target[i])
      moves[k++] = i;
  }
  /* Every state between start and target, judged here. */
  bool usable[1 << BF_MAX_NS];
  for (uint32_t s = 0; s < (1u << k); s++) {
    mesh_ns_mode x[BF_MAX_NS];
    memcpy(x, start, sizeof x);
    for (uint32_t j = 0; j < k; j++)
      if (s & (1u << j))
        x[moves[j]] = target[moves[j]];
    usable[s] = judge(&p, x).meets;
  }
  bool exists = safe_order_exists(usable, k);
  uint32_t meeting = 0;
  for (uint32_t s = 0; s < (1u << k); s++)
    meeting += usable[s];
  printf("plan: %u moves, %u of %u states meet; a safe order %s; the plan is %s (%u "
         "simulations)\n",
         k, meeting, 1u << k, exists ? "exists" : "does not exist",
         a.plan_safe ? "safe" : "not safe", a.plan_simulations);
  for (uint32_t i = 0; i < a.n_steps; i++)
    printf("  %u. %s %s -> %s: %s\n", a.steps[i].step, a.steps[i].ns,
           mesh_ns_mode_name(a.steps[i].from), mesh_ns_mode_name(a.steps[i].to),
           verdict_status_name(a.steps[i].status));
  assert_int_equal(a.n_steps, k + 1);
  /* The steps make each move once, in an order whose states are the ones
   * judged here. */
  uint32_t made = 0;
  for (uint32_t st = 1; st < a.n_steps; st++) {
    uint32_t j = 0;
    while (j < k && strcmp(p.scn.namespaces[moves[j]].name, a.steps[st].ns) != 0)
      j++;
    assert_true(j < k && !(made & (1u << j)));
    assert_int_equal(a.steps[st].from, start[moves[j]]);
    assert_int_equal(a.steps[st].to, target[moves[j]]);
    made |= 1u << j;
    if (st + 1 < a.n_steps) {
      assert_int_equal(a.steps[st].status == RESULT_MEETS, usable[made]);
      if (exists)
        assert_true(usable[made]);
    }
  }
  assert_int_equal(a.plan_safe, exists);
  assert_true(a.plan_exhaustive || a.plan_safe);
  advice_release(&a);
  run_result_release(&r);
  sweep_point_release(&p);
}

/* From three namespaces in ambient to the two that fit: moving "big" in
 * first overloads the ztunnels, so the plan must move the others out first. */
static void test_plan_avoids_overload(void **state) {
  (void)state;
  const char *sets[] = {"namespaces.big.mode=sidecar", "namespaces.busy.mode=ambient",
                        "namespaces.wide.mode=ambient", "namespaces.small.mode=ambient"};
  plan_against_brute_force(sets, 4);
}

/* From every namespace on sidecars. */
static void test_plan_from_sidecars(void **state) {
  (void)state;
  const char *sets[] = {"namespaces.big.mode=sidecar", "namespaces.busy.mode=sidecar"};
  plan_against_brute_force(sets, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_equivalence),          cmocka_unit_test(test_knapsack_cpu),
      cmocka_unit_test(test_knapsack_memory),      cmocka_unit_test(test_knapsack_variants),
      cmocka_unit_test(test_three_modes),          cmocka_unit_test(test_tenants_cost),
      cmocka_unit_test(test_tenants_pinned),       cmocka_unit_test(test_tenants_latency),
      cmocka_unit_test(test_plan_avoids_overload), cmocka_unit_test(test_plan_from_sidecars),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
