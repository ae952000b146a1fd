/* advice: what `meshsim advise` found (plain data, like result.h).
 *
 * advise/ fills it: the mode of every namespace with the reason for it, the
 * whole cluster's verified result against each uniform mode, the runner-up
 * assignments, the constraints that held, and, when asked, a migration plan
 * from the current state. The CLI prints it (report/advice_text.c,
 * report/advice_json.c), store/ keeps it and the batch report shows it.
 * docs/advise.md says how to read it. Owned arrays are freed by
 * advice_release(). */
#ifndef MESHSIM_ADVICE_H
#define MESHSIM_ADVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"
#include "scenario.h"

#define ADVICE_KIND_MAX   16
#define ADVICE_RISK_LEN   640
#define ADVICE_SOURCE_LEN 192

/* Why a namespace got its mode, the strongest first. */
typedef enum advice_reason {
  ADVICE_REASON_PINNED,    /* one mode allowed: a pin (or compliance) */
  ADVICE_REASON_L7,        /* needs L7: sidecar or a waypoint, the better of the two */
  ADVICE_REASON_BLAST,     /* a better mode broke a blast-radius limit */
  ADVICE_REASON_OBJECTIVE, /* a better mode made the cluster miss the objective */
  ADVICE_REASON_COST,      /* the best allowed mode for the objective */
  ADVICE_REASON_COUNT
} advice_reason;

/* "pinned", "l7", "blast", "objective", "cost"; _from_name: -1 for other text. */
const char *advice_reason_name(advice_reason r);
int advice_reason_from_name(const char *name);

typedef struct advice_namespace {
  char name[RESULT_NAME_MAX];
  mesh_ns_mode mode;
  unsigned allowed; /* modes the constraints left it, SCN_NS_MODE_BIT bits */
  advice_reason reason;
  char why[RESULT_REASON_LEN];
} advice_namespace;

/* The whole cluster in one uniform mode, simulated alike (same seeds). */
typedef struct advice_uniform {
  mesh_mode mode;
  result_status status;
  double cost_usd_month;
  double value;                /* the objective's figure (advise.objective) */
  double latency_ms;           /* at the scenario objective's percentile */
  uint32_t violations;         /* namespaces whose constraints this mode breaks */
  char why[RESULT_REASON_LEN]; /* the first reason it misses, or the first constraint it breaks */
} advice_uniform;

/* A simulated assignment that meets everything, the next best ones. */
typedef struct advice_alternative {
  uint32_t rank; /* 1 = the runner-up */
  result_status status;
  double cost_usd_month, value, latency_ms;
  char changes[RESULT_TEXT_MAX]; /* against the recommendation: "ns: ambient -> sidecar, ..." */
} advice_alternative;

typedef struct advice_constraint {
  char kind[ADVICE_KIND_MAX]; /* modes, pin, compliance, l7, max_tenants, max_pods, budget */
  char ns[RESULT_NAME_MAX];   /* "" = every namespace */
  unsigned modes;             /* allowed modes (bits); 0 = not a mode constraint */
  uint32_t limit;             /* the limit of max_tenants, max_pods and budget */
  char text[RESULT_REASON_LEN];
} advice_constraint;

/* One thing a platform team must handle at a step of the plan. */
typedef struct advice_risk {
  char kind[ADVICE_KIND_MAX]; /* waypoint, policy, interop, restart, mtls, identity, capacity,
                                 objective */
  char text[ADVICE_RISK_LEN];
  char source[ADVICE_SOURCE_LEN]; /* the Istio documentation or issue it comes from ("" for the
                                     simulation's own findings) */
} advice_risk;

/* A state of the migration: step 0 is where it starts, step k the state
 * after the k-th namespace move, all simulated. */
typedef struct advice_step {
  uint32_t step;
  char ns[RESULT_NAME_MAX]; /* moved at this step ("" for step 0) */
  mesh_ns_mode from, to;
  result_status status;
  double cost_usd_month, value, latency_ms;
  char why[RESULT_REASON_LEN]; /* the first reason the state misses ("" when it meets) */
  advice_risk *risks;          /* owned */
  uint32_t n_risks;
} advice_step;

typedef struct advice {
  char scenario[RESULT_NAME_MAX];
  scenario_advise_objective objective;
  bool found; /* an assignment meets the objective and every constraint */
  advice_namespace *namespaces;
  uint32_t n_namespaces;
  result_verdict verdict; /* of the recommended assignment, simulated */
  double cost_usd_month, value, latency_ms;
  advice_uniform *uniform;
  uint32_t n_uniform;
  advice_alternative *alternatives;
  uint32_t n_alternatives;
  advice_constraint *constraints;
  uint32_t n_constraints;
  uint32_t budget;      /* simulations the search may make */
  uint32_t simulations; /* the search made, uniform ones apart */
  uint32_t uniform_simulations;
  bool budget_exhausted; /* the search stopped on the budget, not at a local optimum */
  /* The migration plan, when asked for. */
  bool has_plan;
  char plan_from[RESULT_NAME_MAX]; /* "current" or the uniform starting mode */
  bool plan_safe;                  /* no intermediate state misses the objective */
  bool plan_exhaustive; /* the order search saw every order it had to, so when the plan is
                           not safe no order is */
  uint32_t plan_simulations;
  advice_step *steps;
  uint32_t n_steps;
  double wall_s;
  int64_t batch_id; /* the stored batch holding the verified runs (0: not stored) */
} advice;

void advice_release(advice *a);

#endif
