/* verdict: whether each mode meets the scenario's objective, and which mesh
 * mode to recommend. Pure functions over a filled run_result: no engine, no
 * I/O, no globals.
 *
 * The objective (scenario_meta, docs/scenario-format.md) is a latency at a
 * quantile and an error budget: p99 <= 100 ms and errors <= 0.1% unless the
 * scenario says otherwise. A mode's verdict, first match wins:
 *
 *   overloaded  if  busiest.utilisation >= VERDICT_UTILISATION_MAX
 *               or  unfinished > 0 (requests still in flight when the drain ended)
 *   misses      if  latency(q) > objective latency
 *               or  errors / (requests + errors) > error budget
 *                   (requests counts the requests that succeeded)
 *   meets       otherwise.
 *
 * Every failed test adds a reason ("p99 212 ms > 100 ms objective",
 * "errors 2.3% > 0.1% budget", "waypoint \"shop/waypoint#0\" on node
 * pool-0 at 131% utilisation (>= 95%)"), so an overloaded mode also says how
 * far it misses. The bottleneck is the busiest station (result_station):
 * named when the mode is overloaded, or misses with that station at or
 * above VERDICT_UTILISATION_HOT; otherwise none is named, since a mode that
 * misses on network latency has no station to blame.
 *
 * Utilisation is offered load: the worker time of the passes that arrived in
 * the window over window x workers (model_run.c), so a saturated station
 * reads at or above 1 rather than stopping at 100%. Why 0.95: a station's
 * queue grows as rho / (1 - rho) service times (M/M/1: 19 at 0.95, 9 at 0.9),
 * without bound as rho -> 1, and a simulated window of seconds is too short
 * to show that growth; past 0.95 the figures describe a queue still filling,
 * not a steady state, and the real system would need only a slightly
 * longer burst to fall over. 0.95 rather than 0.9 leaves room for the
 * sampling noise of a station that is busy but stable. Why 0.8 for naming
 * a station when a mode misses: above it queueing delay is already several
 * service times (4 at 0.8), the usual capacity-planning ceiling.
 *
 * The recommendation is the cheapest mesh mode (not `none`) that meets the
 * objective: lowest cost_usd_month, ties broken by cost_reserved_usd_month,
 * then by the order of the scenario's modes. Costs within VERDICT_TIE of
 * each other (relative) are a tie: modes that need the same nodes differ
 * only in the cross-zone bytes of a few calls, a few parts in 10^6 to 10^5
 * of the cost, which is noise, not a saving (the default scenario's ambient
 * and hybrid: 1254.910 against 1254.907 USD/month with seed 42, the other
 * way round with seeds 2 and 3). meshsim advise ranks with the same
 * tolerance. A mode that does not meet the objective is never recommended,
 * whatever it costs. */
#ifndef MESHSIM_VERDICT_H
#define MESHSIM_VERDICT_H

#include "result.h"

#define VERDICT_UTILISATION_MAX 0.95
#define VERDICT_UTILISATION_HOT 0.80
/* Relative difference of two costs below which they are the same. */
#define VERDICT_TIE 1e-4

typedef struct verdict_objective {
  double latency_ms;
  double quantile;     /* 0.5, 0.9, 0.99 or 0.999 */
  double error_budget; /* fraction of requests */
} verdict_objective;

/* The objective a run was judged against. */
verdict_objective verdict_objective_of(const run_result *r);

/* "meets", "misses", "overloaded"; verdict_status_from_name returns -1 for
 * any other text. */
const char *verdict_status_name(result_status s);
int verdict_status_from_name(const char *name);

/* "p50", "p90", "p99" or "p99.9" for quantile q (the nearest of the four). */
const char *verdict_percentile_name(double q);
/* The latency (ms) at the nearest of the four quantiles result_latency keeps. */
double verdict_latency_at(const result_latency *l, double q);

/* The verdict of one mode (formula above). */
void verdict_decide(const verdict_objective *o, const mode_result *m, result_verdict *out);

/* The recommendation among r's modes, whose verdicts are set. */
void verdict_recommend(const run_result *r, result_recommendation *out);

/* Whether and how mode m lost a tie to the recommended mode best: both
 * meet the objective and cost the same within VERDICT_TIE, and best
 * reserves less (or the same, and comes first in the modes). The
 * recommendation's why and the report both name such modes. */
typedef enum verdict_tie_break {
  VERDICT_NOT_TIED,
  VERDICT_TIED_RESERVED, /* best reserves less */
  VERDICT_TIED_ORDER,    /* the same reservations: the modes' order decided */
} verdict_tie_break;
verdict_tie_break verdict_tie_lost(const mode_result *best, const mode_result *m);

/* Decides every mode of r and sets r->recommendation. */
void verdict_apply(run_result *r);

#endif
