/* advise: which mode each namespace should run, and how to get there
 * (`meshsim advise`, docs/advise.md). A library above sweep/: it takes a
 * loaded scenario (sweep_point) and runs the model itself; nothing here
 * prints, exits or touches the results store.
 *
 * What it does, in order:
 *  1. Constraints: every namespace gets the set of modes it may run: the
 *     candidate modes (advise.modes), cut by its pin (advise.pins and
 *     --pin), by compliance (sidecar only) and by L7 needs (a namespace with
 *     a service that needs L7 can only run sidecar or ambient-waypoint). In
 *     a namespace with no L7 service, ambient-waypoint deploys no waypoint
 *     and is ambient. An empty set is an error naming what emptied it.
 *  2. The uniform modes (none, sidecar, ambient, ambient-waypoint) are
 *     simulated, with the same seeds as everything after: the comparison
 *     the recommendation is shown against, and the first per-namespace
 *     attribution (models/attribution.h) the search is guided by.
 *  3. The search (advise_search.c): a local search over assignments
 *     namespace -> mode, each judged by simulating mode hybrid with it
 *     (common random numbers: every candidate sees the same requests), at
 *     most `budget` simulations. It starts from each namespace's best mode
 *     by attribution, repairs blast-radius limits structurally (no
 *     simulation: the topology and its blast radius), repairs a start that
 *     misses the objective by moving the namespaces whose proxies hold
 *     requests longest, then improves: moves ranked by the gain attribution
 *     predicts are tried in groups (all, then halves) and one by one, and
 *     kept when the simulated whole cluster meets the objective and is
 *     better. It stops at a local optimum (no single move helps) or on the
 *     budget.
 *  4. The migration plan (advise_plan.c), when asked: an order of namespace
 *     moves from the current state to the recommendation, every state
 *     simulated, found by a depth-first search over the states that meet
 *     the objective, so an order that never misses it is found whenever one
 *     exists and the budget lets the search see it; each step lists the
 *     risks a platform team must handle (advise_risks.c), with the Istio
 *     documentation or issue each comes from. */
#ifndef MESHSIM_ADVISE_H
#define MESHSIM_ADVISE_H

#include <stddef.h>
#include <stdint.h>

#include "advice.h"
#include "diag.h"
#include "result.h"
#include "sweep_point.h"

enum {
  ADVISE_FROM_NONE = -1,    /* no migration plan */
  ADVISE_FROM_CURRENT = -2, /* from namespaces[].mode */
  /* else a mesh_ns_mode: every namespace starts in it */
};

/* Called after each simulation with what the advisor is doing. */
typedef void (*advise_progress_fn)(void *ctx, const char *stage, uint32_t done, uint32_t total);

typedef struct advise_options {
  const char *const *pins; /* "NS=MODE[,MODE...]" from the command line; replace a scenario
                              pin of the same namespace */
  size_t n_pins;
  int from;      /* ADVISE_FROM_* or a mesh_ns_mode */
  uint32_t jobs; /* simulations at once (threads) */
  volatile int *interrupt;
  advise_progress_fn progress; /* optional */
  void *progress_ctx;
} advise_options;

/* Advises on p's scenario (its advise section and o). Fills *out (release
 * with advice_release) and *verified (release with run_result_release): the
 * uniform modes and, when an assignment was found, mode hybrid with it, as
 * one run with verdicts, ready to store. Returns 0 (out->found says whether
 * an assignment meets everything), ERR_EINVAL after adding to d an error the
 * scenario or the options can fix (a pin naming no namespace, a namespace
 * no mode is left for), ERR_EINTR, or the model's negative code (with its
 * message in d when the scenario can fix it). On error nothing is left to
 * release. */
int advise_run(sweep_point *p, const advise_options *o, advice *out, run_result *verified,
               diag_list *d);

/* The budget the search gets when the scenario sets none: 20 simulations
 * and 4 per namespace. */
uint32_t advise_default_budget(uint32_t n_namespaces);

#endif
