/* work: how much a run will cost to simulate, known before it starts.
 *
 * A scenario that validates can still ask for more work than any machine can
 * do (a rate of 1e9/s, a duration of a million hours, a deep call graph with
 * fan-out). work_estimate() turns the scenario into the numbers that decide
 * the cost of a run, without running it:
 *
 *   roots   = sum over traffic entries of rate * (warm-up + duration)
 *             + rate * (multiplier - 1) * burst length, for each burst
 *   visits  = roots * V(entry), V(s) = 1 + sum over calls c of s of
 *             count(c) * probability(c) * V(target(c))      (acyclic graph)
 *   events  = visits * E(mode), summed over the modes, times replications
 *   seconds = warm-up + duration + drain, rounded up: the length of every
 *             per-second series
 *   memory  = the per-second series of one replication per mode run at once,
 *             per-station and per-pod state, and the drills' per-pod marks
 *
 * E(mode) is an upper estimate of the engine events one call costs: one pass
 * per station (the application and, request and response, each proxy on the
 * path, path.h) and one event per network hop. The estimate is meant to be
 * within a factor of two of the engine's count (tests/test_work.c checks it
 * against the events fired on the shipped scenarios): enough to refuse a run
 * that would take days, not to predict seconds. Retries, timeouts and
 * autoscaling are not counted. V uses doubles, so a call graph whose visits
 * per request exceed 2^53 is still ordered correctly against a budget. */
#ifndef MESHSIM_WORK_H
#define MESHSIM_WORK_H

#include <stdint.h>

#include "scenario.h"

/* Budgets a run must stay under unless the user raises them. The event
 * budget is about an hour of simulation on one core at the engine's
 * measured 2-6 M events/s (docs/model.md, "Speed"); the memory budget keeps
 * a run inside a 16 GiB machine with room for the rest. */
#define WORK_DEFAULT_MAX_EVENTS 1e10
#define WORK_DEFAULT_MAX_MEMORY (8.0 * 1024 * 1024 * 1024)

typedef struct work_estimate {
  double roots;           /* external requests per replication, all traffic entries */
  double visits;          /* service visits per replication (calls, the roots included) */
  double events;          /* engine events of the whole run: every mode and replication */
  double series_seconds;  /* length of each per-second series */
  double memory_bytes;    /* peak memory of the simulation state */
  double max_visits_root; /* the largest V(entry): visits one external request causes */
} work_estimate;

/* Fills *out for scenario s running `jobs` modes at once (0 or 1: one at a
 * time). Returns 0, or SIM_EINVAL when the call graph has a cycle (the loader
 * refuses those, so only hand-built scenarios see it). */
int work_estimate_compute(const scenario *s, uint32_t jobs, work_estimate *out);

/* Engine events one call costs in `mode` (E above). */
double work_events_per_visit(mesh_mode mode);

#endif
