/* mode_rules: which calibration profiles a scenario needs, and which of them
 * calibrates each proxy kind and the control plane.
 *
 * A scenario names one or two profiles (scenario.h, mesh):
 *
 *   source   named by                   calibrates
 *   MAIN     mesh.profile               ztunnel, waypoint, control plane; the
 *                                       sidecar too when SIDECAR names nothing
 *   SIDECAR  mesh.sidecar_profile       the sidecar
 *
 * so a comparison of linkerd's sidecar with Istio's ambient mode takes
 * linkerd-2.14 as the sidecar profile and istio-1.24 as the main one (linkerd
 * publishes no ztunnel or waypoint figures). Each compared mode needs figures
 * for the proxy kinds it deploys:
 *
 *   none: -   sidecar: sidecar   ambient, ambient-waypoint: ztunnel, waypoint
 *   hybrid: sidecar, ztunnel, waypoint
 *
 * Ambient deploys no waypoint yet is held to ambient-waypoint's rule, as it
 * always was: relaxing it would change which scenarios validate.
 *
 * A mode may name a profile of its own in mesh.modes ("linkerd-2.14:sidecar"
 * beside "istio-1.24:ambient"): that profile alone then calibrates every
 * proxy kind of the mode and its control plane, so one run compares meshes
 * under common random numbers; the mode is held to the same needs, from
 * that one profile, and MAIN and SIDECAR serve only the modes named alone.
 *
 * The front ends (cli/, sweep/) load the profiles mode_rules_profile_name()
 * names and hand them back here to be checked and wired into model_inputs, so
 * every caller agrees on what a scenario needs. Pure: no I/O, no globals. */
#ifndef MESHSIM_MODE_RULES_H
#define MESHSIM_MODE_RULES_H

#include "diag.h"
#include "model.h"
#include "profile.h"
#include "scenario.h"

typedef enum mode_rules_source {
  MODE_RULES_MAIN,    /* mesh.profile */
  MODE_RULES_SIDECAR, /* mesh.sidecar_profile, else a copy of MAIN */
  MODE_RULES_SOURCES
} mode_rules_source;

/* The profile source `src` names in s: the name to load, or NULL when
 * SIDECAR names nothing and MAIN serves it (load nothing, copy MAIN). */
const char *mode_rules_profile_name(const scenario *s, mode_rules_source src);

/* The source that calibrates proxy kind k. */
mode_rules_source mode_rules_source_of(mesh_proxy_kind k);

/* The proxy kinds mode m needs figures for, as bits (1u << MESH_PROXY_*). */
unsigned mode_rules_needs(mesh_mode m);

/* Checks that profiles[] (indexed by source) have figures for every kind
 * each of s's modes needs. At the first gap adds to d the error
 *   FILE: error: profile "linkerd-2.14" has no ztunnel/waypoint figures,
 *   needed by mode "ambient"; set mesh.profile to ...
 * (FILE is `file`, the scenario as the user named it) and returns ERR_EINVAL;
 * 0 when every mode is covered. */
int mode_rules_check(const scenario *s, const char *file,
                     const profile profiles[MODE_RULES_SOURCES], diag_list *d);

/* Points in->scn, proxy_profile[], control_plane and profile_name at s and
 * profiles[]; the other fields of *in are left as they are. */
void mode_rules_wire(model_inputs *in, const scenario *s,
                     const profile profiles[MODE_RULES_SOURCES]);

/* The profile mode i of s names, or NULL when it is named alone. */
const char *mode_rules_mode_profile_name(const scenario *s, uint32_t i);

/* Checks that p, the profile mode i names, has figures for every kind the
 * mode needs; as mode_rules_check, an error in d naming the mode and
 * ERR_EINVAL at a gap. */
int mode_rules_check_mode(const scenario *s, uint32_t i, const char *file, const profile *p,
                          diag_list *d);

/* *out = *in, with proxy_profile[], control_plane and profile_name from
 * in->mode_profile[i] when mode i names a profile: what mode i runs with. */
void mode_rules_mode_inputs(const model_inputs *in, uint32_t i, model_inputs *out);

#endif
