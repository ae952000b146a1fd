/* failure: drills resolved to outages of stations; see failure.h. */
#include "failure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blast.h"
#include "sim_error.h"
#include "sim_rng.h"

enum { FAILURE_RNG = 7 };

const char *failure_target_name(scenario_failure_target t) {
  static const char *const names[SCN_FAIL_TARGET_COUNT] = {"sidecar", "ztunnel",       "waypoint",
                                                           "node",    "control_plane", "gateway"};
  return t < SCN_FAIL_TARGET_COUNT ? names[t] : "?";
}

/* Candidate instances of a drill's kind: proxies (sidecar/ztunnel/waypoint)
 * or nodes. Returns the count written into ids (caller sized n_pods+n_proxies+n_nodes). */
static uint32_t failure_candidates(const topology *t, scenario_failure_target target,
                                   uint32_t *ids) {
  uint32_t n = 0;
  if (target == SCN_FAIL_NODE) {
    for (uint32_t i = 0; i < t->n_nodes; i++)
      ids[n++] = i;
    return n;
  }
  mesh_proxy_kind k = target == SCN_FAIL_SIDECAR   ? MESH_PROXY_SIDECAR
                      : target == SCN_FAIL_ZTUNNEL ? MESH_PROXY_ZTUNNEL
                      : target == SCN_FAIL_GATEWAY ? MESH_PROXY_GATEWAY
                                                   : MESH_PROXY_WAYPOINT;
  if (target == SCN_FAIL_CONTROL_PLANE)
    return 0;
  for (uint32_t x = 0; x < t->n_proxies; x++)
    if (t->proxies[x].kind == k)
      ids[n++] = x;
  return n;
}

static void failure_instance_name(const topology *t, scenario_failure_target target, uint32_t id,
                                  char *buf, size_t len) {
  if (target == SCN_FAIL_NODE) {
    topo_node_name(t, id, buf, len);
    return;
  }
  topo_proxy_name(t, id, buf, len);
}

/* Expected calls per external request served through an instance, the
 * load measure of "busiest": each pod of service s gets visits[s] / replicas. */
static double failure_load(const topology *t, const double *visits, scenario_failure_target target,
                           uint32_t id) {
  const scenario *s = t->scn;
  double load = 0;
  if (target == SCN_FAIL_NODE || (target == SCN_FAIL_ZTUNNEL)) {
    uint32_t node = target == SCN_FAIL_NODE ? id : t->proxies[id].node;
    for (uint32_t p = 0; p < t->n_pods; p++)
      if (t->pods[p].node == node)
        load += visits[t->pods[p].service] / s->services[t->pods[p].service].replicas;
    return load;
  }
  const topo_proxy *px = &t->proxies[id];
  if (px->kind == MESH_PROXY_SIDECAR)
    return visits[t->pods[px->owner].service] / s->services[t->pods[px->owner].service].replicas;
  if (px->kind == MESH_PROXY_GATEWAY) { /* its share of the external rate */
    double total = 0, via = 0;
    for (uint32_t i = 0; i < s->n_traffic; i++) {
      total += s->traffic[i].rate_rps;
      via += s->traffic[i].via == px->owner ? s->traffic[i].rate_rps : 0;
    }
    return total > 0 ? via / total / s->gateways[px->owner].replicas : 0;
  }
  for (uint32_t sv = 0; sv < s->n_services; sv++)
    if (t->service_waypoint[sv] == px->owner)
      load += visits[sv];
  return load / t->waypoints[px->owner].n_replicas;
}

/* Stations an instance takes down. */
static int failure_stations(const topology *t, scenario_failure_target target, uint32_t id,
                            failure_outage *o) {
  uint32_t cap = 1, n = 0;
  if (target == SCN_FAIL_NODE)
    cap = t->n_pods + t->n_proxies;
  o->stations = malloc((cap ? cap : 1) * sizeof *o->stations);
  if (!o->stations)
    return SIM_ENOMEM;
  if (target == SCN_FAIL_NODE) {
    for (uint32_t p = 0; p < t->n_pods; p++)
      if (t->pods[p].node == id)
        o->stations[n++] = p;
    for (uint32_t x = 0; x < t->n_proxies; x++)
      if (t->proxies[x].node == id)
        o->stations[n++] = t->n_pods + x;
  } else {
    o->stations[n++] = t->n_pods + id;
  }
  o->n_stations = n;
  return 0;
}

/* Index into cand[0..n) of the instance a named drill names. When none has
 * the name, the scenario can fix it: SIM_EINVAL with an error in diag that
 * lists some of the names there are. */
static int failure_pick_named(const topology *t, const scenario_failure *f, const uint32_t *cand,
                              uint32_t n, diag_list *diag, uint32_t *first) {
  char name[RESULT_NAME_MAX];
  for (uint32_t i = 0; i < n; i++) {
    failure_instance_name(t, f->target, cand[i], name, sizeof name);
    if (!strcmp(name, f->instance)) {
      *first = i;
      return 0;
    }
  }
  char some[160] = "";
  size_t off = 0;
  for (uint32_t i = 0; i < n && i < 4 && off < sizeof some; i++) {
    failure_instance_name(t, f->target, cand[i], name, sizeof name);
    off += (size_t)snprintf(some + off, sizeof some - off, "%s%s", i ? ", " : "", name);
  }
  diag_error(diag, t->scn->path, 0, 0,
             "failure \"%s\": no %s named \"%s\" in mode %s; %s names look like: %s%s", f->name,
             failure_target_name(f->target), f->instance, mesh_mode_name(t->mode),
             failure_target_name(f->target), some, n > 4 ? ", ..." : "");
  return SIM_EINVAL;
}

/* The instances drill d takes down: *count of the n candidates, from
 * cand[*first] on (wrapping), by the drill's pick. */
static int failure_pick(const topology *t, const double *visits, uint64_t seed, uint32_t d,
                        const uint32_t *cand, uint32_t n, diag_list *diag, uint32_t *first,
                        uint32_t *count) {
  const scenario_failure *f = &t->scn->failures[d];
  *first = 0;
  *count = 1;
  if (f->pick == SCN_PICK_NAMED)
    return failure_pick_named(t, f, cand, n, diag, first);
  if (f->pick == SCN_PICK_RANDOM) {
    gsl_rng *r = sim_rng_new(seed, FAILURE_RNG, d);
    if (!r)
      return SIM_ENOMEM;
    *first = (uint32_t)gsl_rng_uniform_int(r, n);
    sim_rng_free(r);
  } else if (f->pick == SCN_PICK_BUSIEST) {
    double best = -1;
    for (uint32_t i = 0; i < n; i++) {
      double l = failure_load(t, visits, f->target, cand[i]);
      if (l > best) {
        best = l;
        *first = i;
      }
    }
  } else { /* rolling: every instance in turn, one `duration` (or drain) each */
    *count = n;
  }
  return 0;
}

/* Appends drill d's outages, one after another: count instances from
 * cand[first] on. *cap is the capacity of plan->outages. */
static int failure_add_outages(failure_plan *plan, uint32_t *cap, const topology *t, uint32_t d,
                               const uint32_t *cand, uint32_t n, uint32_t first, uint32_t count) {
  const scenario *s = t->scn;
  const scenario_failure *f = &s->failures[d];
  sim_time step = f->kind == SCN_FAIL_UPGRADE ? f->drain_ns : f->duration_ns;
  for (uint32_t c = 0; c < count; c++) {
    if (plan->n_outages == *cap) {
      *cap = *cap ? *cap * 2 : 8;
      failure_outage *no = realloc(plan->outages, *cap * sizeof *no);
      if (!no)
        return SIM_ENOMEM;
      plan->outages = no;
    }
    failure_outage *o = &plan->outages[plan->n_outages];
    memset(o, 0, sizeof *o);
    uint32_t id = cand[(first + c) % n];
    o->drill = d;
    o->crash = f->kind == SCN_FAIL_CRASH;
    o->start_ns =
        sim_time_add_sat(sim_time_add_sat(s->meta.warmup_ns, f->at_ns), (sim_time)c * step);
    o->end_ns = sim_time_add_sat(o->start_ns, step);
    failure_instance_name(t, f->target, id, o->instance, sizeof o->instance);
    if (failure_stations(t, f->target, id, o) != 0)
      return SIM_ENOMEM;
    plan->n_outages++;
  }
  return 0;
}

int failure_plan_build(failure_plan *plan, const topology *t, uint64_t seed, diag_list *diag) {
  const scenario *s = t->scn;
  memset(plan, 0, sizeof *plan);
  plan->applies = calloc(s->n_failures ? s->n_failures : 1, 1);
  uint32_t ncand_max = t->n_nodes + t->n_proxies + 1;
  uint32_t *cand = malloc(ncand_max * sizeof *cand);
  uint32_t cap = 0;
  double *visits = calloc(s->n_services ? s->n_services : 1, sizeof *visits);
  int rc = 0;
  if (!plan->applies || !cand || !visits || blast_service_visits(s, visits) != 0)
    rc = SIM_ENOMEM;
  for (uint32_t d = 0; rc == 0 && d < s->n_failures; d++) {
    uint32_t n = failure_candidates(t, s->failures[d].target, cand);
    if (n == 0)
      continue; /* this mode has no such component (or it is the control plane) */
    uint32_t first, count;
    if ((rc = failure_pick(t, visits, seed, d, cand, n, diag, &first, &count)) == 0) {
      plan->applies[d] = 1;
      rc = failure_add_outages(plan, &cap, t, d, cand, n, first, count);
    }
  }
  free(cand);
  free(visits);
  if (rc != 0)
    failure_plan_release(plan);
  return rc;
}

void failure_plan_release(failure_plan *plan) {
  for (uint32_t i = 0; i < plan->n_outages; i++)
    free(plan->outages[i].stations);
  free(plan->outages);
  free(plan->applies);
  memset(plan, 0, sizeof *plan);
}
