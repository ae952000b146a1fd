/* advise: advise_run, the stages of advise.h in order, and what they leave:
 * the advice and the verified run (the uniform modes and mode hybrid with
 * the recommended assignment, one run with verdicts). */
#include "advise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advise_internal.h"
#include "attribution.h"
#include "err.h"
#include "verdict.h"

#define ADV_ALTERNATIVES 3 /* runner-up assignments shown */
#define ADV_FNV_PRIME    1099511628211ULL

uint32_t advise_default_budget(uint32_t n_namespaces) {
  return 20 + 4 * n_namespaces;
}

static int adv_ctx_init(adv_ctx *c, sweep_point *p, const advise_options *o, diag_list *d) {
  const scenario *s = &p->scn;
  memset(c, 0, sizeof *c);
  c->p = p;
  c->s = s;
  c->o = o;
  c->d = d;
  c->n = s->n_namespaces;
  c->objective = s->advise.objective;
  c->jobs = o->jobs ? o->jobs : 1;
  c->budget = s->advise.budget ? s->advise.budget : advise_default_budget(c->n);
  c->plan_budget = c->budget;
  c->counter = &c->sims;
  c->check_blast = true;
  for (int m = 0; m < MESH_NS_COUNT; m++) {
    c->g[m] = malloc((c->n ? c->n : 1) * sizeof(double));
    c->t[m] = malloc((c->n ? c->n : 1) * sizeof(double));
    if (!c->g[m] || !c->t[m])
      return ERR_ENOMEM;
    for (uint32_t i = 0; i < c->n; i++)
      c->g[m][i] = c->t[m][i] = NAN;
  }
  return adv_space_init(&c->sp, s, o->pins, o->n_pins, d);
}

/* The uniform modes against the constraints and the objective. */
static int adv_fill_uniform(adv_ctx *c, advice *a) {
  const run_result *u = &c->uniform;
  a->uniform = calloc(u->n_modes ? u->n_modes : 1, sizeof *a->uniform);
  mesh_ns_mode *assign = malloc((c->n ? c->n : 1) * sizeof *assign);
  if (!a->uniform || !assign) {
    free(assign);
    return ERR_ENOMEM;
  }
  a->n_uniform = u->n_modes;
  for (uint32_t k = 0; k < u->n_modes; k++) {
    const mode_result *m = &u->modes[k];
    advice_uniform *au = &a->uniform[k];
    au->mode = m->mode;
    int first = -1;
    for (uint32_t i = 0; i < c->n; i++) {
      assign[i] = adv_canonical(&c->sp, i, topo_ns_mode(c->s, i, m->mode));
      if (!(c->sp.allowed[i] & SCN_NS_MODE_BIT(assign[i]))) {
        au->violations++;
        first = first < 0 ? (int)i : first;
      }
    }
    const adv_eval *e = adv_eval_find(c, assign);
    au->status = m->verdict.status;
    au->cost_usd_month = m->cost_usd_month;
    au->value = adv_value_of(c, m);
    au->latency_ms = verdict_latency_at(&m->latency, c->s->meta.objective_quantile);
    char allowed[128];
    if (first >= 0)
      adv_fmt(au->why, sizeof au->why, "namespace %s may only run %s", c->s->namespaces[first].name,
              adv_modes_text(c->sp.allowed[first], allowed, sizeof allowed));
    else if (e && e->blast)
      adv_fmt(au->why, sizeof au->why, "%s", e->blast_why);
    else if (m->verdict.n_reasons)
      adv_fmt(au->why, sizeof au->why, "%s", m->verdict.reasons[0]);
  }
  free(assign);
  return 0;
}

static int adv_cmp_evals(const void *x, const void *y) {
  const adv_eval *a = *(adv_eval *const *)x, *b = *(adv_eval *const *)y;
  return adv_better(a, b) ? -1 : adv_better(b, a) ? 1 : 0;
}

/* The best assignments after the recommendation that meet everything. */
static int adv_fill_alternatives(adv_ctx *c, advice *a) {
  adv_eval **ok = malloc((c->n_evals ? c->n_evals : 1) * sizeof *ok);
  if (!ok)
    return ERR_ENOMEM;
  uint32_t n = 0;
  for (uint32_t i = 0; i < c->n_evals; i++)
    if (c->evals[i] != c->best && adv_feasible(c->evals[i]))
      ok[n++] = c->evals[i];
  qsort(ok, n, sizeof *ok, adv_cmp_evals);
  uint32_t k = n < ADV_ALTERNATIVES ? n : ADV_ALTERNATIVES;
  a->alternatives = calloc(k ? k : 1, sizeof *a->alternatives);
  if (!a->alternatives) {
    free(ok);
    return ERR_ENOMEM;
  }
  a->n_alternatives = k;
  for (uint32_t i = 0; i < k; i++) {
    advice_alternative *al = &a->alternatives[i];
    al->rank = i + 1;
    al->status = ok[i]->status;
    al->cost_usd_month = ok[i]->cost;
    al->value = ok[i]->value;
    al->latency_ms = ok[i]->latency_ms;
    adv_changes_text(c, c->best->assign, ok[i]->assign, al->changes, sizeof al->changes);
  }
  free(ok);
  return 0;
}

/* The constraints, the budget's last. */
static int adv_fill_constraints(adv_ctx *c, advice *a) {
  uint32_t n = c->sp.n_constraints;
  a->constraints = calloc(n + 1, sizeof *a->constraints);
  if (!a->constraints)
    return ERR_ENOMEM;
  memcpy(a->constraints, c->sp.constraints, n * sizeof *a->constraints);
  advice_constraint *b = &a->constraints[n];
  snprintf(b->kind, sizeof b->kind, "budget");
  b->limit = c->budget;
  snprintf(b->text, sizeof b->text, "at most %u simulations in the search%s", c->budget,
           c->s->advise.budget ? "" : " (the default: 20 and 4 per namespace)");
  a->n_constraints = n + 1;
  return 0;
}

/* FNV-1a 64 of the assignment as the overrides that would reproduce it
 * ("namespaces.NS.mode=MODE" and a NUL each), continuing from the
 * scenario's hash: what `meshsim run` with those --set would store. */
static uint64_t adv_hash(const adv_ctx *c, uint64_t h) {
  char set[3 * RESULT_NAME_MAX];
  for (uint32_t i = 0; i < c->n; i++) {
    int len = snprintf(set, sizeof set, "namespaces.%s.mode=%s", c->s->namespaces[i].name,
                       mesh_ns_mode_name(c->best->assign[i]));
    for (int k = 0; k <= len && k < (int)sizeof set; k++) {
      h ^= (unsigned char)set[k];
      h *= ADV_FNV_PRIME;
    }
  }
  return h;
}

/* The uniform modes and, when found, hybrid with the recommendation. */
static int adv_verified(adv_ctx *c, run_result *out) {
  *out = c->uniform;
  memset(&c->uniform, 0, sizeof c->uniform);
  if (c->best) {
    int rc = adv_eval_keep(c, c->best);
    if (rc != 0)
      return rc;
    mode_result *m = realloc(out->modes, (out->n_modes + 1) * sizeof *m);
    if (!m)
      return ERR_ENOMEM;
    out->modes = m;
    out->modes[out->n_modes++] = *c->best->full;
    free(c->best->full);
    c->best->full = NULL;
    out->scenario_hash = adv_hash(c, out->scenario_hash);
  }
  verdict_apply(out);
  attribution_relate(out);
  return 0;
}

static void adv_fill_result(adv_ctx *c, advice *a) {
  snprintf(a->scenario, sizeof a->scenario, "%s", c->s->meta.name);
  a->objective = c->objective;
  a->budget = c->budget;
  a->simulations = c->sims;
  a->uniform_simulations = c->uniform.n_modes;
  a->budget_exhausted = c->exhausted;
  a->found = c->best != NULL;
  a->cost_usd_month = a->value = a->latency_ms = NAN;
  if (c->best) {
    a->verdict = c->best->verdict;
    a->cost_usd_month = c->best->cost;
    a->value = c->best->value;
    a->latency_ms = c->best->latency_ms;
  }
}

int advise_run(sweep_point *p, const advise_options *o, advice *out, run_result *verified,
               diag_list *d) {
  struct timespec w0, w1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  memset(out, 0, sizeof *out);
  memset(verified, 0, sizeof *verified);
  adv_ctx c;
  int rc = adv_ctx_init(&c, p, o, d);
  if (rc == 0)
    rc = adv_eval_uniform(&c);
  if (rc == 0)
    rc = adv_search(&c);
  if (rc == 0) {
    c.exhausted = c.exhausted && c.sims >= c.budget;
    adv_fill_result(&c, out);
    rc = adv_reasons(&c, out);
  }
  if (rc == 0)
    rc = adv_fill_uniform(&c, out);
  if (rc == 0 && c.best)
    rc = adv_fill_alternatives(&c, out);
  if (rc == 0)
    rc = adv_fill_constraints(&c, out);
  if (rc == 0)
    rc = adv_plan(&c, out);
  if (rc == 0)
    rc = adv_verified(&c, verified);
  adv_ctx_release(&c);
  if (rc != 0) {
    advice_release(out);
    run_result_release(verified);
    return rc;
  }
  clock_gettime(CLOCK_MONOTONIC, &w1);
  out->wall_s = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
  verified->wall_s = out->wall_s;
  return 0;
}
