/* mode_rules: the profiles a scenario needs and the kinds each calibrates;
 * see mode_rules.h. */
#include "mode_rules.h"

#include <stdio.h>

#include "err.h"

#define MODE_RULES_BIT(k) (1u << (k))

static const unsigned mode_rules__needs[MESH_MODE_COUNT] = {
    [MESH_MODE_NONE] = 0,
    [MESH_MODE_SIDECAR] = MODE_RULES_BIT(MESH_PROXY_SIDECAR),
    [MESH_MODE_AMBIENT] = MODE_RULES_BIT(MESH_PROXY_ZTUNNEL) | MODE_RULES_BIT(MESH_PROXY_WAYPOINT),
    [MESH_MODE_AMBIENT_WAYPOINT] =
        MODE_RULES_BIT(MESH_PROXY_ZTUNNEL) | MODE_RULES_BIT(MESH_PROXY_WAYPOINT),
    [MESH_MODE_HYBRID] = MODE_RULES_BIT(MESH_PROXY_SIDECAR) | MODE_RULES_BIT(MESH_PROXY_ZTUNNEL) |
                         MODE_RULES_BIT(MESH_PROXY_WAYPOINT),
};

static const mode_rules_source mode_rules__source[MESH_PROXY_COUNT] = {
    [MESH_PROXY_SIDECAR] = MODE_RULES_SIDECAR,
    [MESH_PROXY_ZTUNNEL] = MODE_RULES_MAIN,
    [MESH_PROXY_WAYPOINT] = MODE_RULES_MAIN,
    [MESH_PROXY_GATEWAY] = MODE_RULES_MAIN, /* the ingress is the main mesh's gateway */
};

/* The kinds mode m needs in scenario s: its proxies, and the gateway when
 * the scenario has ingress gateways (they run in every mode). */
static unsigned mode_rules__needs_in(const scenario *s, mesh_mode m) {
  return mode_rules_needs(m) | (s->n_gateways ? MODE_RULES_BIT(MESH_PROXY_GATEWAY) : 0);
}

const char *mode_rules_profile_name(const scenario *s, mode_rules_source src) {
  if (src == MODE_RULES_MAIN)
    return s->mesh.profile;
  return s->mesh.sidecar_profile[0] ? s->mesh.sidecar_profile : NULL;
}

mode_rules_source mode_rules_source_of(mesh_proxy_kind k) {
  return mode_rules__source[k];
}

unsigned mode_rules_needs(mesh_mode m) {
  return (unsigned)m < MESH_MODE_COUNT ? mode_rules__needs[m] : 0;
}

/* The kinds of `need` that source src calibrates and profile p lacks, joined
 * by '/' into buf ("ztunnel/waypoint": all of them, so the message names the
 * set the source is expected to cover); 0 when p has all it needs. */
static int mode_rules__gap(const profile *p, mode_rules_source src, unsigned need, char *buf,
                           size_t n) {
  int missing = 0;
  size_t off = 0;
  buf[0] = '\0';
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    if (mode_rules__source[k] != src || !(need & MODE_RULES_BIT(k)))
      continue;
    missing |= !p->has_proxy[k];
    if (off < n)
      off += (size_t)snprintf(buf + off, n - off, "%s%s", off ? "/" : "",
                              mesh_proxy_kind_name((mesh_proxy_kind)k));
  }
  return missing;
}

int mode_rules_check(const scenario *s, const char *file,
                     const profile profiles[MODE_RULES_SOURCES], diag_list *d) {
  /* The sidecar is checked first, so a hybrid scenario missing both hears
   * about the sidecar, as it always did. */
  static const mode_rules_source order[] = {MODE_RULES_SIDECAR, MODE_RULES_MAIN};
  for (uint32_t i = 0; i < s->mesh.n_modes; i++) {
    mesh_mode m = s->mesh.modes[i];
    if (mode_rules_mode_profile_name(s, i)) /* its own profile: mode_rules_check_mode */
      continue;
    for (size_t j = 0; j < sizeof order / sizeof order[0]; j++) {
      const profile *p = &profiles[order[j]];
      char kinds[64];
      if (!mode_rules__gap(p, order[j], mode_rules__needs_in(s, m), kinds, sizeof kinds))
        continue;
      if (order[j] == MODE_RULES_SIDECAR)
        diag_error(d, file, 0, 0, "profile \"%s\" has no %s figures, needed by mode \"%s\"",
                   p->name, kinds, mesh_mode_name(m));
      else
        diag_error(d, file, 0, 0,
                   "profile \"%s\" has no %s figures, needed by mode \"%s\"; set mesh.profile "
                   "to an Istio profile and mesh.sidecar_profile to \"%s\"",
                   p->name, kinds, mesh_mode_name(m), p->name);
      return ERR_EINVAL;
    }
  }
  return 0;
}

void mode_rules_wire(model_inputs *in, const scenario *s,
                     const profile profiles[MODE_RULES_SOURCES]) {
  in->scn = s;
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    in->proxy_profile[k] = &profiles[mode_rules__source[k]];
  in->control_plane = &profiles[MODE_RULES_MAIN].control_plane;
  in->profile_name = s->mesh.profile;
}

const char *mode_rules_mode_profile_name(const scenario *s, uint32_t i) {
  return i < s->mesh.n_modes && s->mesh.mode_profile[i][0] ? s->mesh.mode_profile[i] : NULL;
}

int mode_rules_check_mode(const scenario *s, uint32_t i, const char *file, const profile *p,
                          diag_list *d) {
  unsigned need = mode_rules__needs_in(s, s->mesh.modes[i]);
  char kinds[64];
  size_t off = 0;
  kinds[0] = '\0';
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    if ((need & MODE_RULES_BIT(k)) && !p->has_proxy[k] && off < sizeof kinds)
      off += (size_t)snprintf(kinds + off, sizeof kinds - off, "%s%s", off ? "/" : "",
                              mesh_proxy_kind_name((mesh_proxy_kind)k));
  if (off == 0)
    return 0;
  char label[2 * SCN_NAME_MAX];
  diag_error(d, file, 0, 0, "profile \"%s\" has no %s figures, needed by mode \"%s\"", p->name,
             kinds, scenario_mode_label(s, i, label, sizeof label));
  return ERR_EINVAL;
}

void mode_rules_mode_inputs(const model_inputs *in, uint32_t i, model_inputs *out) {
  *out = *in;
  const profile *p = i < SCN_MODES_MAX ? in->mode_profile[i] : NULL;
  if (!p)
    return;
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    out->proxy_profile[k] = p;
  out->control_plane = &p->control_plane;
  out->profile_name = p->name;
}
