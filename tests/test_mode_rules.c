/* Tests for mode_rules: what each mode needs, which source calibrates each
 * proxy kind, the golden message of every gap (the first gap of the first
 * mode that has one, the sidecar before ztunnel/waypoint), and the wiring of
 * model_inputs; modes that name their own profile ("linkerd-2.14:sidecar"):
 * their gaps, their wiring, and a run of two meshes that equals the two
 * single-mesh runs mode for mode. No files: scenarios from strings, the
 * builtin profiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "mode_rules.h"
#include "model_fixture.h"
#include "profile_load.h"
#include "scenario_load.h"
#include "sim_rng.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SC         (1u << MESH_PROXY_SIDECAR)
#define ZT         (1u << MESH_PROXY_ZTUNNEL)
#define WP         (1u << MESH_PROXY_WAYPOINT)

static void test_needs(void **state) {
  (void)state;
  static const unsigned want[MESH_MODE_COUNT] = {
      [MESH_MODE_NONE] = 0,
      [MESH_MODE_SIDECAR] = SC,
      [MESH_MODE_AMBIENT] = ZT | WP,
      [MESH_MODE_AMBIENT_WAYPOINT] = ZT | WP,
      [MESH_MODE_HYBRID] = SC | ZT | WP,
  };
  for (int m = 0; m < MESH_MODE_COUNT; m++)
    if (mode_rules_needs((mesh_mode)m) != want[m])
      fail_msg("mode %s needs %#x, want %#x", mesh_mode_name((mesh_mode)m),
               mode_rules_needs((mesh_mode)m), want[m]);
  assert_int_equal(mode_rules_source_of(MESH_PROXY_SIDECAR), MODE_RULES_SIDECAR);
  assert_int_equal(mode_rules_source_of(MESH_PROXY_ZTUNNEL), MODE_RULES_MAIN);
  assert_int_equal(mode_rules_source_of(MESH_PROXY_WAYPOINT), MODE_RULES_MAIN);
}

static void set_profile(profile *p, const char *name, unsigned has) {
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    p->has_proxy[k] = (has >> k) & 1;
}

typedef struct rules_case {
  const char *modes; /* mode names, comma-separated */
  const char *main;  /* name, and the kinds it has figures for */
  unsigned main_has;
  const char *sidecar; /* NULL: mesh.sidecar_profile unset */
  unsigned sidecar_has;
  const char *want; /* the diagnostic, or NULL when every mode is covered */
} rules_case;

static const rules_case cases[] = {
    {"none", "empty", 0, NULL, 0, NULL},
    {"none,sidecar,ambient,ambient-waypoint,hybrid", "istio", SC | ZT | WP, NULL, 0, NULL},
    {"sidecar,ambient", "istio", SC | ZT | WP, "linkerd", SC, NULL},
    {"sidecar", "linkerd", SC, NULL, 0, NULL},
    {"sidecar,ambient", "linkerd", SC, NULL, 0,
     "s.yaml: error: profile \"linkerd\" has no ztunnel/waypoint figures, needed by mode "
     "\"ambient\"; set mesh.profile to an Istio profile and mesh.sidecar_profile to \"linkerd\""},
    /* Ambient deploys no waypoint but is held to ambient-waypoint's rule. */
    {"ambient", "zt-only", ZT, NULL, 0,
     "s.yaml: error: profile \"zt-only\" has no ztunnel/waypoint figures, needed by mode "
     "\"ambient\"; set mesh.profile to an Istio profile and mesh.sidecar_profile to \"zt-only\""},
    {"none,sidecar", "istio", SC | ZT | WP, "ambient-only", ZT | WP,
     "s.yaml: error: profile \"ambient-only\" has no sidecar figures, needed by mode \"sidecar\""},
    /* A sidecar profile does not stand in for the main one. */
    {"ambient-waypoint", "linkerd", SC, "istio", SC | ZT | WP,
     "s.yaml: error: profile \"linkerd\" has no ztunnel/waypoint figures, needed by mode "
     "\"ambient-waypoint\"; set mesh.profile to an Istio profile and mesh.sidecar_profile to "
     "\"linkerd\""},
    /* Hybrid lacking everything hears about the sidecar first. */
    {"hybrid", "empty", 0, NULL, 0,
     "s.yaml: error: profile \"empty\" has no sidecar figures, needed by mode \"hybrid\""},
};

/* The scenario and profiles of a case, as sweep_point_load would have them. */
static void build(const rules_case *c, scenario *s, profile profiles[MODE_RULES_SOURCES]) {
  memset(s, 0, sizeof *s);
  snprintf(s->mesh.profile, sizeof s->mesh.profile, "%s", c->main);
  snprintf(s->mesh.sidecar_profile, sizeof s->mesh.sidecar_profile, "%s",
           c->sidecar ? c->sidecar : "");
  char modes[128];
  snprintf(modes, sizeof modes, "%s", c->modes);
  for (char *m = strtok(modes, ","); m; m = strtok(NULL, ","))
    s->mesh.modes[s->mesh.n_modes++] = (mesh_mode)mesh_mode_from_name(m);
  set_profile(&profiles[MODE_RULES_MAIN], c->main, c->main_has);
  if (c->sidecar)
    set_profile(&profiles[MODE_RULES_SIDECAR], c->sidecar, c->sidecar_has);
  else
    profiles[MODE_RULES_SIDECAR] = profiles[MODE_RULES_MAIN];
}

static void test_check(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    const rules_case *c = &cases[i];
    scenario s;
    profile profiles[MODE_RULES_SOURCES];
    build(c, &s, profiles);
    assert_string_equal(mode_rules_profile_name(&s, MODE_RULES_MAIN), c->main);
    const char *sc = mode_rules_profile_name(&s, MODE_RULES_SIDECAR);
    if (c->sidecar ? !sc || strcmp(sc, c->sidecar) != 0 : sc != NULL)
      fail_msg("case %zu: sidecar profile name \"%s\", want \"%s\"", i, sc ? sc : "(none)",
               c->sidecar ? c->sidecar : "(none)");
    diag_list d;
    diag_list_init(&d);
    int rc = mode_rules_check(&s, "s.yaml", profiles, &d);
    const char *got = diag_first_error(&d);
    if (!c->want && (rc != 0 || got))
      fail_msg("case %zu (%s): rc %d, \"%s\"; want no error", i, c->modes, rc, got ? got : "");
    if (c->want && (rc != ERR_EINVAL || !got || strcmp(got, c->want) != 0))
      fail_msg("case %zu (%s): rc %d\n  got  \"%s\"\n  want \"%s\"", i, c->modes, rc,
               got ? got : "(none)", c->want);
    assert_int_equal(diag_error_count(&d), c->want ? 1 : 0);
    diag_list_release(&d);
  }
}

static void test_wire(void **state) {
  (void)state;
  scenario s;
  profile profiles[MODE_RULES_SOURCES];
  build(&cases[2], &s, profiles); /* istio with linkerd's sidecar */
  model_inputs in;
  memset(&in, 0, sizeof in);
  in.jobs = 7;
  mode_rules_wire(&in, &s, profiles);
  assert_ptr_equal(in.scn, &s);
  assert_ptr_equal(in.proxy_profile[MESH_PROXY_SIDECAR], &profiles[MODE_RULES_SIDECAR]);
  assert_ptr_equal(in.proxy_profile[MESH_PROXY_ZTUNNEL], &profiles[MODE_RULES_MAIN]);
  assert_ptr_equal(in.proxy_profile[MESH_PROXY_WAYPOINT], &profiles[MODE_RULES_MAIN]);
  assert_ptr_equal(in.control_plane, &profiles[MODE_RULES_MAIN].control_plane);
  assert_string_equal(in.profile_name, "istio");
  assert_int_equal(in.jobs, 7); /* the rest is left alone */
}

/* A mode naming its profile is held to that profile alone; the others keep
 * to mesh.profile and mesh.sidecar_profile. */
static void test_mode_profiles(void **state) {
  (void)state;
  scenario s;
  scenario_init_defaults(&s);
  snprintf(s.mesh.profile, sizeof s.mesh.profile, "istio");
  s.mesh.modes[0] = MESH_MODE_SIDECAR;
  s.mesh.modes[1] = MESH_MODE_AMBIENT;
  s.mesh.modes[2] = MESH_MODE_SIDECAR;
  snprintf(s.mesh.mode_profile[1], SCN_NAME_MAX, "linkerd");
  snprintf(s.mesh.mode_profile[2], SCN_NAME_MAX, "linkerd");
  s.mesh.n_modes = 3;
  char label[128];
  assert_string_equal(scenario_mode_label(&s, 0, label, sizeof label), "sidecar");
  assert_string_equal(scenario_mode_label(&s, 1, label, sizeof label), "linkerd:ambient");
  assert_null(mode_rules_mode_profile_name(&s, 0));
  assert_string_equal(mode_rules_mode_profile_name(&s, 2), "linkerd");
  assert_int_equal(mesh_mode_from_label("linkerd-2.14:ambient-waypoint"),
                   MESH_MODE_AMBIENT_WAYPOINT);
  assert_int_equal(mesh_mode_from_label("hybrid"), MESH_MODE_HYBRID);
  assert_int_equal(mesh_mode_from_label("x:sidecars"), -1);
  profile istio, linkerd, profiles[MODE_RULES_SOURCES];
  set_profile(&istio, "istio", SC | ZT | WP);
  set_profile(&linkerd, "linkerd", SC);
  profiles[MODE_RULES_MAIN] = istio;
  profiles[MODE_RULES_SIDECAR] = istio;
  diag_list d;
  diag_list_init(&d);
  /* mode 1 is linkerd's: mesh.profile's check no longer covers it */
  assert_int_equal(mode_rules_check(&s, "s.yaml", profiles, &d), 0);
  assert_int_equal(mode_rules_check_mode(&s, 2, "s.yaml", &linkerd, &d), 0);
  assert_int_equal(mode_rules_check_mode(&s, 1, "s.yaml", &linkerd, &d), ERR_EINVAL);
  assert_string_equal(diag_first_error(&d), "s.yaml: error: profile \"linkerd\" has no "
                                            "ztunnel/waypoint figures, needed by mode "
                                            "\"linkerd:ambient\"");
  diag_list_release(&d);
  model_inputs in, m0, m2;
  memset(&in, 0, sizeof in);
  mode_rules_wire(&in, &s, profiles);
  in.mode_profile[2] = &linkerd;
  mode_rules_mode_inputs(&in, 0, &m0);
  mode_rules_mode_inputs(&in, 2, &m2);
  assert_ptr_equal(m0.proxy_profile[MESH_PROXY_SIDECAR], &profiles[MODE_RULES_SIDECAR]);
  assert_ptr_equal(m0.control_plane, &profiles[MODE_RULES_MAIN].control_plane);
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    assert_ptr_equal(m2.proxy_profile[k], &linkerd);
  assert_ptr_equal(m2.control_plane, &linkerd.control_plane);
  assert_string_equal(m2.profile_name, "linkerd");
  scenario_release(&s);
}

/* Loads text and its profiles as sweep_point does (builtins only). */
typedef struct meshes {
  scenario s;
  profile profiles[MODE_RULES_SOURCES];
  profile mode_profiles[SCN_MODES_MAX];
  model_inputs in;
} meshes;

static void meshes_load(meshes *m, const char *text, const char *const *ov, size_t n_ov) {
  diag_list d;
  diag_list_init(&d);
  memset(m, 0, sizeof *m);
  assert_int_equal(scenario_load_string(text, strlen(text), "m.yaml", ov, n_ov, &m->s, &d), 0);
  for (int src = 0; src < MODE_RULES_SOURCES; src++) {
    const char *name = mode_rules_profile_name(&m->s, (mode_rules_source)src);
    if (!name)
      m->profiles[src] = m->profiles[MODE_RULES_MAIN];
    else
      assert_int_equal(profile_load_builtin(name, &m->profiles[src], &d), 0);
  }
  assert_int_equal(mode_rules_check(&m->s, "m.yaml", m->profiles, &d), 0);
  mode_rules_wire(&m->in, &m->s, m->profiles);
  for (uint32_t i = 0; i < m->s.mesh.n_modes; i++) {
    const char *name = mode_rules_mode_profile_name(&m->s, i);
    if (!name)
      continue;
    assert_int_equal(profile_load_builtin(name, &m->mode_profiles[i], &d), 0);
    assert_int_equal(mode_rules_check_mode(&m->s, i, "m.yaml", &m->mode_profiles[i], &d), 0);
    m->in.mode_profile[i] = &m->mode_profiles[i];
  }
  diag_list_release(&d);
}

/* Two results of one mode, figure for figure (exact: the same seeds and
 * random numbers must give the same doubles). */
static void same_mode(const mode_result *a, const mode_result *b) {
  printf("  %-22s %-22s p99 %.6f / %.6f ms, mesh cpu %.6f / %.6f, mesh mem %.3f / %.3f MiB, "
         "cost %.4f / %.4f\n",
         mode_result_name(a), mode_result_name(b), a->latency.p99_ms, b->latency.p99_ms,
         a->mesh_cpu_cores, b->mesh_cpu_cores, a->mesh_mem_mib, b->mesh_mem_mib, a->cost_usd_month,
         b->cost_usd_month);
  assert_int_equal(a->mode, b->mode);
  assert_int_equal(a->requests, b->requests);
  assert_int_equal(a->errors, b->errors);
  assert_int_equal(a->latency_hist_ns.count, b->latency_hist_ns.count);
  assert_true(a->latency.mean_ms == b->latency.mean_ms);
  assert_true(a->latency.p99_ms == b->latency.p99_ms);
  assert_true(a->latency.p999_ms == b->latency.p999_ms);
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    assert_true(a->kind[k].cpu_cores_mean == b->kind[k].cpu_cores_mean);
    assert_true(a->kind[k].mem_mib_mean == b->kind[k].mem_mib_mean);
    assert_int_equal(a->kind[k].instances, b->kind[k].instances);
  }
  assert_true(a->mesh_cpu_cores == b->mesh_cpu_cores);
  assert_true(a->mesh_mem_mib == b->mesh_mem_mib);
  assert_true(a->reserved_cpu_cores == b->reserved_cpu_cores);
  assert_true(a->reserved_mem_mib == b->reserved_mem_mib);
  assert_int_equal(a->nodes_needed, b->nodes_needed);
  assert_true(a->cost_usd_month == b->cost_usd_month);
  assert_int_equal(a->verdict.status, b->verdict.status);
}

/* Istio's sidecar and ambient beside Linkerd's sidecar in one run, with
 * mesh.profile naming a third profile that no mode uses: mode for mode the
 * run equals a run with istio-1.24 alone and one with linkerd-2.14 alone. */
static void test_two_meshes_equal_single_runs(void **state) {
  (void)state;
  static const char base[] = "metadata: {duration: 5s, replications: 2, seed: 42}\n"
                             "services:\n"
                             "  - {name: web, replicas: 3, calls: [api, {service: db, count: 2}]}\n"
                             "  - {name: api, replicas: 2, l7: true, calls: [db]}\n"
                             "  - {name: db, replicas: 2, protocol: tcp}\n"
                             "traffic: [{service: web, rate: 400/s}]\n";
  const char *both[] = {"mesh.profile=istio-1.22",
                        "mesh.modes=[\"istio-1.24:sidecar\", \"linkerd-2.14:sidecar\", "
                        "\"istio-1.24:ambient-waypoint\"]"};
  const char *istio[] = {"mesh.profile=istio-1.24", "mesh.modes=[sidecar, ambient-waypoint]"};
  const char *linkerd[] = {"mesh.profile=linkerd-2.14", "mesh.modes=[sidecar]"};
  static meshes m, a, b; /* profiles are large: not on the stack */
  meshes_load(&m, base, both, 2);
  meshes_load(&a, base, istio, 2);
  meshes_load(&b, base, linkerd, 2);
  run_result rm, ra, rb;
  m.in.jobs = 2; /* threads change nothing */
  assert_int_equal(model_run(&m.in, &rm), 0);
  assert_int_equal(model_run(&a.in, &ra), 0);
  assert_int_equal(model_run(&b.in, &rb), 0);
  assert_int_equal(rm.n_modes, 3);
  assert_string_equal(rm.modes[0].name, "istio-1.24:sidecar");
  assert_string_equal(rm.modes[1].name, "linkerd-2.14:sidecar");
  assert_string_equal(rm.modes[2].name, "istio-1.24:ambient-waypoint");
  assert_string_equal(ra.modes[0].name, "sidecar");
  same_mode(&rm.modes[0], &ra.modes[0]);
  same_mode(&rm.modes[1], &rb.modes[0]);
  same_mode(&rm.modes[2], &ra.modes[1]);
  /* and the meshes do differ: the comparison is not vacuous */
  assert_true(rm.modes[0].mesh_mem_mib != rm.modes[1].mesh_mem_mib);
  assert_true(rm.modes[0].latency.mean_ms != rm.modes[1].latency.mean_ms);
  /* the recommendation names its mode by label */
  assert_true(rm.recommendation.has_mode);
  assert_non_null(strchr(rm.recommendation.name, ':'));
  run_result_release(&rm);
  run_result_release(&ra);
  run_result_release(&rb);
  scenario_release(&m.s);
  scenario_release(&a.s);
  scenario_release(&b.s);
}

int main(void) {
  sim_rng_library_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_needs),
      cmocka_unit_test(test_check),
      cmocka_unit_test(test_wire),
      cmocka_unit_test(test_mode_profiles),
      cmocka_unit_test(test_two_meshes_equal_single_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
