/* advise_plan: an order of namespace moves from the current state to the
 * recommendation in which no intermediate state misses the objective.
 *
 * The moves are the namespaces whose mode differs (each moves once, straight
 * to its recommended mode). A state is the set of moves made; the order is a
 * path through those sets, and a state is usable when its simulation meets
 * the objective (blast-radius limits and the constraints are reported as
 * risks, not avoided: a plan has to pass through states the recommendation
 * would not choose). Depth-first search: from a state, the next moves in
 * the order the attribution predicts safest (the most proxy time taken off
 * the path first, t[m][i] as in advise_search.c), each child simulated
 * (c->jobs at a time) and entered when it meets; a state all of whose
 * children fail is remembered as a dead end. Every state is simulated at
 * most once, so the search ends within 2^moves simulations and, if it does
 * not run out of budget first, finds an order whenever one exists
 * (plan_exhaustive). When none exists, or the budget ends the search, the
 * order is built greedily: at each step the first move, by the same
 * ranking, whose state meets, else the one whose state misses least; those
 * states are simulated even beyond the budget, since every step of a plan
 * is shown simulated. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise_internal.h"
#include "err.h"

typedef struct adv_planner {
  adv_ctx *c;
  const mesh_ns_mode *target;
  uint32_t *moves; /* namespaces to move */
  uint32_t k;
  mesh_ns_mode *state; /* the current state, moves applied */
  bool *done;          /* per move: applied */
  uint32_t *order;     /* moves in the order made */
  uint32_t depth;
  uint64_t *dead; /* keys of dead-end states */
  uint32_t n_dead, cap_dead;
  bool aborted; /* the budget stopped the search */
} adv_planner;

typedef struct adv_next {
  uint32_t move; /* index into moves */
  double score;
} adv_next;

static int adv_next_cmp(const void *a, const void *b) {
  const adv_next *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->move < y->move ? -1 : (x->move > y->move);
}

/* The moves not made yet, safest first: most proxy time taken off the path,
 * then the largest predicted gain. */
static uint32_t adv_rank(const adv_planner *p, adv_next *out) {
  const adv_ctx *c = p->c;
  uint32_t n = 0;
  for (uint32_t j = 0; j < p->k; j++) {
    if (p->done[j])
      continue;
    uint32_t i = p->moves[j];
    mesh_ns_mode from = p->state[i], to = p->target[i];
    double relief = c->t[from][i] - c->t[to][i], gain = c->g[from][i] - c->g[to][i];
    double score = (isnan(relief) ? 0 : relief) * 1e6 + (isnan(gain) ? 0 : gain) * 1e-6;
    out[n++] = (adv_next){j, score};
  }
  qsort(out, n, sizeof *out, adv_next_cmp);
  return n;
}

static bool adv_is_dead(const adv_planner *p, uint64_t key) {
  for (uint32_t i = 0; i < p->n_dead; i++)
    if (p->dead[i] == key)
      return true;
  return false;
}

static int adv_mark_dead(adv_planner *p, uint64_t key) {
  if (p->n_dead == p->cap_dead) {
    uint32_t cap = p->cap_dead ? 2 * p->cap_dead : 64;
    uint64_t *d = realloc(p->dead, cap * sizeof *d);
    if (!d)
      return ERR_ENOMEM;
    p->dead = d;
    p->cap_dead = cap;
  }
  p->dead[p->n_dead++] = key;
  return 0;
}

/* The state after move j, as a new array. */
static mesh_ns_mode *adv_after(const adv_planner *p, uint32_t j) {
  mesh_ns_mode *a = malloc((p->c->n ? p->c->n : 1) * sizeof *a);
  if (a) {
    memcpy(a, p->state, p->c->n * sizeof *a);
    a[p->moves[j]] = p->target[p->moves[j]];
  }
  return a;
}

/* Depth-first from p->state: 1 found (p->order complete), 0 dead end,
 * negative code. */
static int adv_dfs(adv_planner *p) {
  adv_ctx *c = p->c;
  if (p->depth + 1 >= p->k) { /* one move left: it reaches the recommendation */
    for (uint32_t j = 0; j < p->k; j++)
      if (!p->done[j])
        p->order[p->depth] = j;
    return 1;
  }
  adv_next *next = malloc(p->k * sizeof *next);
  if (!next)
    return ERR_ENOMEM;
  uint32_t n = adv_rank(p, next), jobs = c->jobs ? c->jobs : 1;
  int rc = 0;
  for (uint32_t at = 0; rc == 0 && at < n && !p->aborted; at += jobs) {
    uint32_t m = n - at < jobs ? n - at : jobs;
    mesh_ns_mode *cand[64];
    adv_eval *out[64];
    if (m > 64)
      m = 64;
    for (uint32_t q = 0; q < m; q++)
      if (!(cand[q] = adv_after(p, next[at + q].move)))
        rc = ERR_ENOMEM;
    if (rc == 0)
      rc = adv_eval_batch(c, cand, m, out);
    for (uint32_t q = 0; q < m; q++)
      free(cand[q]);
    for (uint32_t q = 0; rc == 0 && q < m; q++) {
      if (!out[q]) {
        p->aborted = true;
        break;
      }
      if (out[q]->status != RESULT_MEETS || adv_is_dead(p, out[q]->key))
        continue;
      uint32_t j = next[at + q].move, i = p->moves[j];
      mesh_ns_mode was = p->state[i];
      p->state[i] = p->target[i];
      p->done[j] = true;
      p->order[p->depth++] = j;
      rc = adv_dfs(p);
      if (rc != 0)
        break;
      p->depth--;
      p->done[j] = false;
      p->state[i] = was;
    }
  }
  free(next);
  if (rc == 0 && !p->aborted) {
    adv_eval *here = adv_eval_find(c, p->state);
    if (here)
      rc = adv_mark_dead(p, here->key);
  }
  return rc;
}

/* How badly a state misses, for the greedy fallback: lower is better. */
static double adv_miss(const adv_eval *e) {
  if (!e || !e->simulated)
    return INFINITY;
  return (e->status == RESULT_MEETS    ? 0
          : e->status == RESULT_MISSES ? 1e12
                                       : 2e12) +
         (isnan(e->latency_ms) ? 1e9 : e->latency_ms);
}

/* The order, greedily from the start (see the top comment). */
static int adv_greedy(adv_planner *p) {
  adv_ctx *c = p->c;
  adv_next *next = malloc(p->k * sizeof *next);
  if (!next)
    return ERR_ENOMEM;
  int rc = 0;
  for (p->depth = 0; rc == 0 && p->depth + 1 < p->k; p->depth++) {
    uint32_t n = adv_rank(p, next), pick = next[0].move;
    double best = INFINITY;
    for (uint32_t q = 0; rc == 0 && q < n; q++) {
      mesh_ns_mode *a = adv_after(p, next[q].move);
      adv_eval *e = NULL;
      if (!a) {
        rc = ERR_ENOMEM;
        break;
      }
      bool over = c->plan_sims >= c->plan_budget;
      if (over && q > 0) { /* beyond the budget: only what is known, and the first */
        e = adv_eval_find(c, a);
      } else {
        if (over)
          c->plan_budget = c->plan_sims + 1;
        rc = adv_eval_batch(c, &a, 1, &e);
      }
      free(a);
      if (rc == 0 && adv_miss(e) < best) {
        best = adv_miss(e);
        pick = next[q].move;
        if (e->status == RESULT_MEETS)
          break;
      }
    }
    p->order[p->depth] = pick;
    p->done[pick] = true;
    p->state[p->moves[pick]] = p->target[p->moves[pick]];
  }
  for (uint32_t j = 0; j < p->k; j++)
    if (!p->done[j])
      p->order[p->k - 1] = j;
  free(next);
  return rc;
}

/* A step of the plan from the evaluated state e after moving namespace ns. */
static int adv_fill_step(adv_ctx *c, advice_step *st, uint32_t step, int ns,
                         const mesh_ns_mode *before, const mesh_ns_mode *after, const adv_eval *e) {
  st->step = step;
  if (ns >= 0) {
    snprintf(st->ns, sizeof st->ns, "%s", c->s->namespaces[ns].name);
    st->from = before[ns];
    st->to = after[ns];
  }
  st->status = e && e->simulated ? e->status : RESULT_MISSES;
  st->cost_usd_month = e ? e->cost : NAN;
  st->value = e ? e->value : NAN;
  st->latency_ms = e ? e->latency_ms : NAN;
  if (e && e->status != RESULT_MEETS && e->verdict.n_reasons)
    snprintf(st->why, sizeof st->why, "%s", e->verdict.reasons[0]);
  return ns >= 0 ? adv_risks(c, (uint32_t)ns, before, after, e, st) : 0;
}

/* The steps of p->order into a (the states are all in c's cache). */
static int adv_steps(adv_planner *p, const mesh_ns_mode *start, advice *a) {
  adv_ctx *c = p->c;
  a->steps = calloc(p->k + 1, sizeof *a->steps);
  mesh_ns_mode *before = malloc((c->n ? c->n : 1) * sizeof *before);
  mesh_ns_mode *after = malloc((c->n ? c->n : 1) * sizeof *after);
  int rc = a->steps && before && after ? 0 : ERR_ENOMEM;
  if (rc == 0) {
    memcpy(after, start, c->n * sizeof *after);
    a->n_steps = p->k + 1;
    rc = adv_fill_step(c, &a->steps[0], 0, -1, after, after, adv_eval_find(c, after));
  }
  a->plan_safe = true;
  for (uint32_t s = 0; rc == 0 && s < p->k; s++) {
    uint32_t i = p->moves[p->order[s]];
    memcpy(before, after, c->n * sizeof *before);
    after[i] = p->target[i];
    const adv_eval *e = adv_eval_find(c, after);
    rc = adv_fill_step(c, &a->steps[s + 1], s + 1, (int)i, before, after, e);
    if (s + 1 < p->k && (!e || e->status != RESULT_MEETS))
      a->plan_safe = false;
  }
  free(before);
  free(after);
  return rc;
}

int adv_plan(adv_ctx *c, advice *a) {
  const advise_options *o = c->o;
  if (o->from == ADVISE_FROM_NONE || !c->best)
    return 0;
  a->has_plan = true;
  snprintf(a->plan_from, sizeof a->plan_from, "%s",
           o->from == ADVISE_FROM_CURRENT ? "current" : mesh_ns_mode_name((mesh_ns_mode)o->from));
  adv_planner p = {.c = c, .target = c->best->assign};
  size_t m = c->n ? c->n : 1;
  mesh_ns_mode *start = malloc(m * sizeof *start);
  p.moves = malloc(m * sizeof *p.moves);
  p.state = malloc(m * sizeof *p.state);
  p.done = calloc(m, sizeof *p.done);
  p.order = calloc(m, sizeof *p.order);
  int rc = start && p.moves && p.state && p.done && p.order ? 0 : ERR_ENOMEM;
  for (uint32_t i = 0; rc == 0 && i < c->n; i++) {
    mesh_ns_mode from =
        o->from == ADVISE_FROM_CURRENT ? c->s->namespaces[i].hybrid_mode : (mesh_ns_mode)o->from;
    start[i] = p.state[i] = adv_canonical(&c->sp, i, from);
    if (start[i] != p.target[i])
      p.moves[p.k++] = i;
  }
  c->counter = &c->plan_sims;
  c->check_blast = false;
  adv_eval *e0 = NULL;
  if (rc == 0) {
    if (c->plan_budget == 0)
      c->plan_budget = 1;
    rc = adv_eval_batch(c, &start, 1, &e0); /* step 0, shown simulated */
  }
  int found = 0;
  if (rc == 0 && p.k > 0) {
    found = adv_dfs(&p);
    rc = found < 0 ? found : 0;
  }
  a->plan_exhaustive = !p.aborted;
  if (rc == 0 && p.k > 0 && found != 1) {
    memcpy(p.state, start, c->n * sizeof *start);
    memset(p.done, 0, m * sizeof *p.done);
    rc = adv_greedy(&p);
  }
  if (rc == 0)
    rc = adv_steps(&p, start, a);
  a->plan_simulations = c->plan_sims;
  free(start);
  free(p.moves);
  free(p.state);
  free(p.done);
  free(p.order);
  free(p.dead);
  return rc;
}
