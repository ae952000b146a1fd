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
 *             over the graph of operations (op_graph.h): s is an operation,
 *             V of a choice the mean of its ways' V by share, and V(entry)
 *             the mean over the entry's operation mix
 *   events  = visits * E(mode), summed over the modes, times replications,
 *             times 2 when the scenario has failure drills (drill replications)
 *   setup   = per mode, the structural blast radius (blast.h's worst case):
 *             (services + nodes + namespaces) x (services + call entries),
 *             nodes estimated as the pools' counts or the nodes the pods'
 *             CPU requests fill, whichever is more; one step is a log1p and
 *             costs about a tenth of an engine event (17 ns against ~200 ns
 *             measured on a 20,000-service chain), so the budget counts
 *             events + setup / 10
 *   seconds = the measured window in whole seconds: the length of every
 *             per-second series
 *   memory  = per mode simulated at once: the per-second series of a
 *             replication and of the result, per-station and per-pod state,
 *             and the drills' per-pod marks
 *
 * E(mode) is an upper estimate of the engine events one call costs: one
 * event per station it passes (the application and, request and response,
 * each proxy on the path, path.h) and one to finish it. The estimate is meant to be
 * within a factor of two of the engine's count (tests/test_work.c checks it
 * against the events fired on the shipped scenarios): enough to refuse a run
 * that would take days, not to predict seconds. Retries, timeouts and
 * autoscaling are not counted. V uses doubles, so a call graph whose visits
 * per request exceed 2^53 is still ordered correctly against a budget. */
#ifndef MESHSIM_WORK_H
#define MESHSIM_WORK_H

#include <stdint.h>

#include "diag.h"
#include "scenario.h"

/* Budgets a run must stay under unless the user raises them. The event
 * budget is about an hour of simulation on one core at the engine's
 * measured 2-6 M events/s (docs/model.md, "Speed"); the memory budget keeps
 * a run inside a 16 GiB machine with room for the rest. */
#define WORK_DEFAULT_MAX_EVENTS 1e10
#define WORK_DEFAULT_MAX_MEMORY (8.0 * 1024 * 1024 * 1024)
#define WORK_SETUP_PER_EVENT    10.0 /* setup steps that cost one engine event */

typedef struct work_estimate {
  double roots;           /* external requests per replication, all traffic entries */
  double visits;          /* service visits per replication (calls, the roots included) */
  double events;          /* engine events of the whole run: every mode and replication */
  double setup;           /* steps of the structural analysis, every mode */
  double series_seconds;  /* length of each per-second series */
  double mode_memory;     /* bytes of simulation state per mode simulated at once */
  double max_visits_root; /* the largest V(entry): visits one external request causes */
  uint32_t modes;
} work_estimate;

/* The most a run may ask for; a run over either is refused (work_check). */
typedef struct work_budget {
  double max_events;
  double max_memory_bytes;
} work_budget;

/* Fills *out for scenario s. Returns 0, SIM_ENOMEM, or SIM_EINVAL when the
 * graph of operations has a cycle or a call names nothing (the loader
 * refuses those, so only hand-built scenarios see it). */
int work_estimate_compute(const scenario *s, work_estimate *out);

/* What the event budget is compared with: events + setup / WORK_SETUP_PER_EVENT. */
double work_units(const work_estimate *w);

/* Bytes of simulation state with `jobs` modes simulated at once. */
double work_memory(const work_estimate *w, uint32_t jobs);

/* "about 2.4e+07 engine events (1.1e+05 requests, 22 calls each), 35.2 MiB" */
void work_describe(const work_estimate *w, uint32_t jobs, char *buf, size_t n);

/* 0 when the run fits the budget (b NULL: the defaults); otherwise an error
 * in d naming the estimate, the limit and the option that raises it, located
 * at `file`, and SIM_ERANGE. */
int work_check(const work_estimate *w, const work_budget *b, uint32_t jobs, const char *file,
               diag_list *d);

/* Engine events one call costs in `mode` (E above). */
double work_events_per_visit(mesh_mode mode);

#endif
