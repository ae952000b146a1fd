/* failure: resolves the scenario's failure drills against one mode's
 * topology (pure: no engine).
 *
 * A drill names a component kind and an instance (by name, at random, the
 * busiest, or every instance in turn for a rolling upgrade). Resolution
 * yields outages: which stations go down, from when, until when, and as what:
 *   crash    the stations are down for `duration`: calls holding them fail at
 *            once, calls reaching them fail until they are back;
 *   upgrade  new connections keep working during the drain (listener
 *            hand-off), and calls still holding the stations when the drain
 *            ends are reset (calibration README sec. 7); no down time.
 * Stations follow model_sim.h: pod p's application is station p, proxy x is
 * station n_pods + x. A node outage takes every station on the node. A
 * control-plane outage takes no station: proxies keep their last config and
 * certificates (valid for 24 h by default), so no request fails; the drill
 * reports its structural reach only. Random and busiest picks depend only on
 * the topology and the seed, so every mode loses the same node. */
#ifndef MESHSIM_FAILURE_H
#define MESHSIM_FAILURE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "result.h"
#include "topology.h"

typedef struct failure_outage {
  uint32_t drill;     /* index into scenario.failures */
  sim_time start_ns;  /* absolute simulated time */
  sim_time end_ns;    /* crash: back up; upgrade: connections reset */
  int crash;          /* 1 crash, 0 upgrade */
  uint32_t *stations; /* owned */
  uint32_t n_stations;
  char instance[RESULT_NAME_MAX];
} failure_outage;

typedef struct failure_plan {
  failure_outage *outages;
  uint32_t n_outages;
  /* Per drill: whether it applies to this mode, its kind name and instance
   * (the first one for rolling upgrades). */
  uint8_t *applies;
} failure_plan;

/* Resolves every drill of t's scenario for t's mode; warm-up offsets the
 * times (drills are given after warm-up). Returns 0 or a SIM_E* code; a named
 * instance that does not exist in a mode that has its kind is SIM_EINVAL with
 * an error in diag (which lists some valid names), located at the scenario's
 * path. */
int failure_plan_build(failure_plan *plan, const topology *t, uint64_t seed, diag_list *diag);
void failure_plan_release(failure_plan *plan);

/* Name of a drill's component kind as reported ("sidecar", "ztunnel",
 * "waypoint", "node", "control_plane"). */
const char *failure_target_name(scenario_failure_target t);

#endif
