/* advise_internal: what the advise_*.c files share; not a public interface.
 *
 *   advise.c          advise_run: the stages in order, and the advice and
 *                     verified run they leave
 *   advise_space.c    the constraints: each namespace's allowed modes, the
 *                     blast-radius check of an assignment
 *   advise_eval.c     assignments simulated (threads), remembered, compared
 *   advise_search.c   the search for the recommendation and its reasons
 *   advise_plan.c     the migration order
 *   advise_risks.c    the risks of one step, with their sources
 * Names start with adv_. */
#ifndef MESHSIM_ADVISE_INTERNAL_H
#define MESHSIM_ADVISE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "advise.h"
#include "model.h"

/* ---- advise_space.c -------------------------------------------------------- */

typedef struct adv_space {
  uint32_t n;        /* namespaces */
  unsigned *allowed; /* per namespace: modes it may run (SCN_NS_MODE_BIT), canonical */
  unsigned *pinned;  /* per namespace: its pin's modes, 0 when not pinned */
  bool *pin_cli;     /* the pin came from --pin */
  bool *l7;          /* per namespace: one of its services needs L7 */
  advice_constraint *constraints;
  uint32_t n_constraints;
} adv_space;

/* Builds the allowed sets and the constraint list from s's advise section
 * and the --pin strings. 0, or ERR_EINVAL with an error in d (file: the
 * scenario path), or ERR_ENOMEM. Release with adv_space_release. */
int adv_space_init(adv_space *sp, const scenario *s, const char *const *pins, size_t n_pins,
                   diag_list *d);
void adv_space_release(adv_space *sp);

/* ambient-waypoint in a namespace with no L7 service deploys no waypoint:
 * it is ambient, and is written so. */
mesh_ns_mode adv_canonical(const adv_space *sp, uint32_t ns, mesh_ns_mode m);

/* snprintf that truncates silently: for messages whose worst-case length
 * the compiler cannot see is bounded. */
void adv_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "sidecar, ambient" for a set of modes. */
const char *adv_modes_text(unsigned bits, char *buf, size_t n);

/* ---- advise_eval.c ---------------------------------------------------------- */

/* One assignment, simulated as mode hybrid (or, for a uniform one, taken
 * from the uniform run: the same simulation, tests/test_attribution.c). */
typedef struct adv_eval {
  mesh_ns_mode *assign; /* per namespace, canonical */
  uint64_t key;
  bool allowed;   /* every namespace runs a mode it may */
  uint32_t blast; /* blast-radius limit violations (structural) */
  char blast_why[RESULT_REASON_LEN];
  bool simulated; /* the figures below are set */
  result_status status;
  result_verdict verdict;
  double value, cost, reserved_cost, latency_ms;
  double *guide; /* per namespace: its attributed share of the objective's figure */
  double *time;  /* per namespace: mesh_time_ms */
  result_station busiest;
  mode_result *full; /* the best assignment's mode, kept for the verified run */
} adv_eval;

typedef struct adv_ctx {
  sweep_point *p;
  const scenario *s;
  const advise_options *o;
  diag_list *d;
  adv_space sp;
  uint32_t n; /* namespaces */
  scenario_advise_objective objective;
  uint32_t jobs;
  uint32_t budget, sims;           /* the search's */
  uint32_t plan_budget, plan_sims; /* the plan's */
  uint32_t *counter;               /* which of the two the next simulations count in */
  bool check_blast;                /* skip simulating states over a blast-radius limit */
  adv_eval **evals;                /* every assignment seen, in order */
  uint32_t n_evals, cap_evals;
  double *g[MESH_NS_COUNT], *t[MESH_NS_COUNT]; /* latest guide and time per mode and namespace
                                                  (NAN: not seen) */
  run_result uniform;                          /* none, sidecar, ambient, ambient-waypoint */
  adv_eval *best;                              /* the best that meets everything */
  bool exhausted;                              /* a search stage ran out of budget */
} adv_ctx;

/* Simulates the uniform modes into c->uniform and remembers them as
 * evaluations of the uniform assignments. 0 or a negative code. */
int adv_eval_uniform(adv_ctx *c);

/* The evaluations of n assignments (copied, canonicalised), simulating
 * those not seen before, up to c->jobs at once; out[i] points into c's
 * cache. With c->check_blast, assignments whose blast check fails are not
 * simulated (status misses, blast > 0). Stops short, with out[i] NULL for the rest, when the
 * budget of c->counter runs out (c->exhausted set). 0 or a negative code. */
int adv_eval_batch(adv_ctx *c, mesh_ns_mode *const *assigns, uint32_t n, adv_eval **out);

/* Simulates e's assignment as mode hybrid into e->full when it has none
 * (a uniform assignment is judged from the uniform run). 0 or a code. */
int adv_eval_keep(adv_ctx *c, adv_eval *e);

/* The cached evaluation of an assignment, or NULL. */
adv_eval *adv_eval_find(const adv_ctx *c, const mesh_ns_mode *assign);

/* Structural blast-radius check of an assignment (no simulation): the
 * violations of advise.max_tenants_per_proxy and max_pods_per_proxy over
 * the ztunnel and waypoint instances of its topology; why gets the first.
 * 0 or a negative code. */
int adv_blast_check(adv_ctx *c, const mesh_ns_mode *assign, uint32_t *violations, char *why,
                    size_t n);

/* Whether e meets the objective and every constraint. */
bool adv_feasible(const adv_eval *e);
/* Whether a is better than b for the objective (value, then the tie-break:
 * reserved cost for cost, cost otherwise). */
bool adv_better(const adv_eval *a, const adv_eval *b);
/* Whether their figures are the same within noise (advise_eval.c, ADV_TIE). */
bool adv_tied(const adv_eval *a, const adv_eval *b);

/* What the objective measures in a mode, and per namespace. */
double adv_value_of(const adv_ctx *c, const mode_result *m);
double adv_guide_of(const adv_ctx *c, const result_namespace *n);

/* "ns: a -> b, ..." for the namespaces where `to` differs from `from`. */
void adv_changes_text(const adv_ctx *c, const mesh_ns_mode *from, const mesh_ns_mode *to, char *buf,
                      size_t n);

void adv_ctx_release(adv_ctx *c);

/* ---- advise_search.c --------------------------------------------------------- */

/* The search; sets c->best (NULL: nothing meets everything). */
int adv_search(adv_ctx *c);
/* Each namespace's mode and the reason for it, into a->namespaces. */
int adv_reasons(adv_ctx *c, advice *a);

/* ---- advise_plan.c ------------------------------------------------------------ */

/* The migration plan from o->from to c->best, into a->steps. */
int adv_plan(adv_ctx *c, advice *a);

/* ---- advise_risks.c ----------------------------------------------------------- */

/* The risks of moving namespace ns from `from` to `to`, `before` and
 * `after` the assignments around the move, `e` the simulated state after
 * it. Appends to step->risks; 0 or ERR_ENOMEM. */
int adv_risks(const adv_ctx *c, uint32_t ns, const mesh_ns_mode *before, const mesh_ns_mode *after,
              const adv_eval *e, advice_step *step);

#endif
