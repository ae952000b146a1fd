/* Tests for mode_rules: what each mode needs, which source calibrates each
 * proxy kind, the golden message of every gap (the first gap of the first
 * mode that has one, the sidecar before ztunnel/waypoint), and the wiring of
 * model_inputs. Profiles and scenarios are built by hand: no files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "mode_rules.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_needs),
      cmocka_unit_test(test_check),
      cmocka_unit_test(test_wire),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
