/* advise_risks: what a platform team must handle when one namespace
 * changes mode, each with the Istio documentation or issue it comes from.
 * The model simulates cost and latency; these are what it does not
 * simulate: the order of operations, the policies that change meaning, and
 * the paths between sidecars and ambient pods that change. Then the
 * simulation's own findings about the state after the move (a proxy near
 * saturation, the objective missed, a blast-radius limit broken).
 *
 * Facts relied on, and where they come from:
 *  - a namespace labelled istio.io/use-waypoint before its waypoint is
 *    ready sends its traffic straight to the pods, and the waypoint's L7
 *    policies are not applied [L7]; waypoints first, then ambient, then
 *    remove injection and restart, or traffic may be handled by neither;
 *    a pod that still has a sidecar keeps using it [ENABLE]
 *  - ztunnel cannot enforce L7 rules: a policy with L7 attributes enforced
 *    by ztunnel (selector, no waypoint) fails safe and becomes a DENY
 *    [L7]; istiod's status for one says "Within an ALLOW policy, rules
 *    matching HTTP attributes are omitted. This will be more restrictive
 *    than requested." [L7STATUS]
 *  - L7 AuthorizationPolicy, RequestAuthentication and WasmPlugin move to
 *    targetRefs on a waypoint; EnvoyFilters are not supported on waypoints
 *    and are ignored after the migration [POLICIES]
 *  - traffic from sidecars and gateways does not go through a destination's
 *    waypoint [DATAPLANE]; sidecar -> waypoint interop is an open issue
 *    [INTEROP]; ingress reaches a waypoint with istio.io/ingress-use-waypoint
 *    [MIGRATE]
 *  - with a waypoint in the path the destination ztunnel sees the waypoint's
 *    identity as the source [ENFORCEMENT]
 *  - STRICT PeerAuthentication accepts mutual TLS only [PEERAUTH] */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise_internal.h"
#include "err.h"

#define SRC_ENABLE      "https://istio.io/latest/docs/ambient/migrate/enable-ambient-mode/"
#define SRC_L7          "https://istio.io/latest/docs/ambient/usage/l7-features/ (istio/istio.io#17520)"
#define SRC_L7STATUS    "https://github.com/istio/istio/issues/58316"
#define SRC_POLICIES    "https://istio.io/latest/docs/ambient/migrate/migrate-policies/"
#define SRC_DATAPLANE   "https://istio.io/latest/docs/ambient/architecture/data-plane/"
#define SRC_INTEROP     "https://github.com/istio/istio/issues/51445"
#define SRC_MIGRATE     "https://istio.io/latest/docs/ambient/migrate/"
#define SRC_ENFORCEMENT "https://github.com/istio/istio.io/pull/15072"
#define SRC_PEERAUTH    "https://istio.io/latest/docs/reference/config/security/peer_authentication/"

static int add_risk(advice_step *step, const char *kind, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int add_risk(advice_step *step, const char *kind, const char *source, const char *fmt, ...) {
  advice_risk *r = realloc(step->risks, (step->n_risks + 1) * sizeof *r);
  if (!r)
    return ERR_ENOMEM;
  step->risks = r;
  r = &r[step->n_risks++];
  memset(r, 0, sizeof *r);
  snprintf(r->kind, sizeof r->kind, "%s", kind);
  snprintf(r->source, sizeof r->source, "%s", source);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->text, sizeof r->text, fmt, ap);
  va_end(ap);
  return 0;
}

static bool ambient_family(mesh_ns_mode m) {
  return m == MESH_NS_AMBIENT || m == MESH_NS_AMBIENT_WAYPOINT;
}

/* Whether namespace ns runs a waypoint in mode m. */
static bool has_waypoint(const adv_ctx *c, uint32_t ns, mesh_ns_mode m) {
  return m == MESH_NS_AMBIENT_WAYPOINT && c->sp.l7[ns];
}

/* "a, b, c" (at most three, then "and N more") of the namespaces other than
 * ns whose services call ns's (callers) or that ns's services call, and
 * that `want` says yes to in assignment a. */
static bool peers(const adv_ctx *c, uint32_t ns, bool callers, const mesh_ns_mode *a,
                  bool (*want)(const adv_ctx *c, uint32_t peer, mesh_ns_mode m), char *buf,
                  size_t n) {
  const scenario *s = c->s;
  bool *seen = calloc(c->n ? c->n : 1, sizeof *seen);
  uint32_t count = 0;
  size_t at = 0;
  buf[0] = '\0';
  for (uint32_t sv = 0; seen && sv < s->n_services; sv++)
    for (uint32_t k = 0; k < s->services[sv].n_calls; k++) {
      uint32_t from = s->services[sv].ns, to = s->services[s->services[sv].calls[k].target].ns;
      uint32_t peer = callers ? from : to;
      if ((callers ? to : from) != ns || peer == ns || seen[peer] || !want(c, peer, a[peer]))
        continue;
      seen[peer] = true;
      if (count++ < 3 && at + 1 < n)
        at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? ", " : "", s->namespaces[peer].name);
    }
  if (count > 3 && at + 1 < n)
    snprintf(buf + at, n - at, " and %u more", count - 3);
  free(seen);
  return count > 0;
}

static bool runs_sidecar(const adv_ctx *c, uint32_t peer, mesh_ns_mode m) {
  (void)c;
  (void)peer;
  return m == MESH_NS_SIDECAR;
}

static bool runs_waypoint(const adv_ctx *c, uint32_t peer, mesh_ns_mode m) {
  return has_waypoint(c, peer, m);
}

/* Whether external traffic enters at one of ns's services. */
static bool takes_ingress(const adv_ctx *c, uint32_t ns) {
  for (uint32_t i = 0; i < c->s->n_traffic; i++)
    if (c->s->services[c->s->traffic[i].service].ns == ns && c->s->traffic[i].from == SCN_NONE)
      return true;
  return false;
}

/* Deploying or removing a waypoint, and restarts. */
static int risks_order(const adv_ctx *c, uint32_t ns, mesh_ns_mode a, mesh_ns_mode b,
                       advice_step *st) {
  const char *name = c->s->namespaces[ns].name;
  int rc = 0;
  if (has_waypoint(c, ns, b) && !has_waypoint(c, ns, a))
    rc = add_risk(st, "waypoint", SRC_L7,
                  "deploy %s's waypoint before the move (istioctl waypoint apply -n %s; the "
                  "Gateway API CRDs must be installed) and label the namespace "
                  "istio.io/use-waypoint only once the waypoint is ready: while it does not exist "
                  "or is not ready, ztunnel sends %s's traffic straight to its pods and the "
                  "waypoint's L7 policies are not applied",
                  name, name, name);
  if (rc == 0 && a == MESH_NS_SIDECAR && ambient_family(b))
    rc = add_risk(st, "restart", SRC_ENABLE,
                  "in this order: %slabel %s istio.io/dataplane-mode=ambient, remove sidecar "
                  "injection, restart its workloads; a pod keeps its sidecar, which takes "
                  "precedence over ztunnel, until it restarts, and out of order traffic may be "
                  "handled by neither",
                  has_waypoint(c, ns, b) ? "waypoint ready, " : "", name);
  if (rc == 0 && ambient_family(a) && b == MESH_NS_SIDECAR)
    rc = add_risk(st, "restart", SRC_MIGRATE,
                  "enable sidecar injection for %s, remove its istio.io/dataplane-mode label and "
                  "restart its workloads: injection happens at pod creation",
                  name);
  if (rc == 0 && b == MESH_NS_NONE && a != MESH_NS_NONE)
    rc = add_risk(st, "mtls", SRC_PEERAUTH,
                  "%s leaves the mesh: its pods lose their mesh identity and call in plaintext, so "
                  "servers under STRICT PeerAuthentication (mutual TLS only) refuse them, and "
                  "%s's own authorization policies stop being enforced",
                  name, name);
  return rc;
}

/* Policies that change meaning or enforcement point. */
static int risks_policy(const adv_ctx *c, uint32_t ns, mesh_ns_mode a, mesh_ns_mode b,
                        advice_step *st) {
  const char *name = c->s->namespaces[ns].name;
  int rc = 0;
  if (b == MESH_NS_AMBIENT && (a == MESH_NS_SIDECAR || has_waypoint(c, ns, a)))
    rc = add_risk(st, "policy", SRC_L7 ", " SRC_L7STATUS,
                  "%sany AuthorizationPolicy of %s with L7 rules (methods, paths, headers) is "
                  "enforced by ztunnel after the move, and ztunnel cannot evaluate L7 attributes: "
                  "Istio fails safe and such a policy becomes a DENY (within an ALLOW policy the "
                  "HTTP rules are omitted, more restrictive than written), so requests they "
                  "allowed are refused; keep L7 rules on a waypoint (targetRefs) or rewrite them "
                  "as L4 rules before the move",
                  c->sp.l7[ns] ? "its services need L7 and ambient without a waypoint gives none: "
                               : "",
                  name);
  if (rc == 0 && a == MESH_NS_SIDECAR && has_waypoint(c, ns, b))
    rc = add_risk(st, "policy", SRC_POLICIES,
                  "rewrite %s's selector-based L7 AuthorizationPolicies, RequestAuthentications "
                  "and WasmPlugins with targetRefs to its waypoint before the move (a selector "
                  "policy with L7 rules is then enforced by ztunnel and fails safe, as a DENY); "
                  "EnvoyFilters are not supported on waypoints and are ignored",
                  name);
  if (rc == 0 && a == MESH_NS_AMBIENT && has_waypoint(c, ns, b))
    rc = add_risk(st, "identity", SRC_ENFORCEMENT,
                  "with its waypoint in the path, %s's ztunnel sees the waypoint's identity as the "
                  "client: L4 AuthorizationPolicies of %s that allow client principals must also "
                  "allow the waypoint's service account",
                  name, name);
  if (rc == 0 && has_waypoint(c, ns, a) && b == MESH_NS_SIDECAR)
    rc = add_risk(st, "policy", SRC_POLICIES,
                  "policies attached to %s's waypoint (targetRefs) do not apply to sidecars: "
                  "recreate them with workload selectors before the move",
                  name);
  return rc;
}

/* Paths between sidecars and ambient pods that change with the move. */
static int risks_interop(const adv_ctx *c, uint32_t ns, const mesh_ns_mode *before,
                         const mesh_ns_mode *after, advice_step *st) {
  const char *name = c->s->namespaces[ns].name;
  mesh_ns_mode a = before[ns], b = after[ns];
  char who[256];
  int rc = 0;
  if (has_waypoint(c, ns, b) && peers(c, ns, true, after, runs_sidecar, who, sizeof who))
    rc = add_risk(st, "interop", SRC_DATAPLANE ", " SRC_INTEROP,
                  "sidecar clients (%s) reach %s over HBONE but do not send their requests "
                  "through its waypoint: its L7 policies and routes do not apply to their calls "
                  "until they move to ambient",
                  who, name);
  else if (ambient_family(b) && !ambient_family(a) &&
           peers(c, ns, true, after, runs_sidecar, who, sizeof who))
    rc = add_risk(st, "interop", SRC_MIGRATE,
                  "sidecar clients (%s) call %s through its node's ztunnel from now on (sidecars "
                  "and ambient pods interoperate over HBONE); check their mTLS and policies "
                  "still match",
                  who, name);
  if (rc == 0 && b == MESH_NS_SIDECAR && peers(c, ns, false, after, runs_waypoint, who, sizeof who))
    rc = add_risk(st, "interop", SRC_DATAPLANE ", " SRC_INTEROP,
                  "as a sidecar client %s bypasses the waypoints of %s: their L7 policies and "
                  "routes stop applying to %s's calls",
                  name, who, name);
  if (rc == 0 && has_waypoint(c, ns, b) && !has_waypoint(c, ns, a) && takes_ingress(c, ns))
    rc = add_risk(st, "interop", SRC_MIGRATE,
                  "requests from an ingress gateway reach %s's pods without its waypoint unless "
                  "its services are labelled istio.io/ingress-use-waypoint=true",
                  name);
  return rc;
}

/* What the simulation of the state after the move found. */
static int risks_found(const adv_ctx *c, const adv_eval *e, advice_step *st) {
  int rc = 0;
  if (!e || !e->simulated)
    return 0;
  if (e->status != RESULT_MEETS)
    rc = add_risk(st, "objective", "", "this state %s the objective: %s",
                  e->status == RESULT_OVERLOADED ? "is overloaded against" : "misses",
                  e->verdict.n_reasons ? e->verdict.reasons[0] : "-");
  if (rc == 0 && e->busiest.instance[0] && strcmp(e->busiest.kind, "app") != 0 &&
      e->busiest.utilisation >= 0.8)
    rc = add_risk(st, "capacity", "",
                  "%s %s runs at %.0f%% of what it can do in this state (80%% is the usual "
                  "capacity ceiling): size it before the move",
                  e->busiest.kind, e->busiest.instance, 100 * e->busiest.utilisation);
  if (rc == 0 && e->blast)
    rc = add_risk(st, "blast", "", "this state breaks a blast-radius limit: %s", e->blast_why);
  (void)c;
  return rc;
}

int adv_risks(const adv_ctx *c, uint32_t ns, const mesh_ns_mode *before, const mesh_ns_mode *after,
              const adv_eval *e, advice_step *step) {
  int rc = risks_order(c, ns, before[ns], after[ns], step);
  if (rc == 0)
    rc = risks_policy(c, ns, before[ns], after[ns], step);
  if (rc == 0)
    rc = risks_interop(c, ns, before, after, step);
  if (rc == 0)
    rc = risks_found(c, e, step);
  return rc;
}
