/* advise_search: the assignment namespace -> mode to recommend, and why.
 *
 * Attribution (models/attribution.h) guides, simulation judges. The guide
 * g[m][i] is namespace i's share of the objective's figure the last time it
 * ran mode m in any simulated assignment (first: the uniform runs), t[m][i]
 * the time requests spent in proxies acting for it. A cluster's figures are
 * close to the sum of its namespaces' (that is what the attribution is
 * built for), so g predicts what a move saves; it is only a prediction,
 * because shared proxies and whole nodes do not split exactly, so every
 * move is simulated before it is kept.
 *
 *  start    each namespace's allowed mode of lowest g; blast-radius limits
 *           repaired structurally (advise_repair_blast)
 *  repair   while nothing meets the objective: namespaces ranked by the
 *           proxy time a move takes off everyone's path (t) per unit of g
 *           it costs, the namespace behind the bottleneck first; the best
 *           1, 2, 4, ... moves applied at once until a state meets
 *  improve  from the best state B that meets everything, one round of
 *           three stages; the first simulated state better than B becomes
 *           B and the round starts again:
 *    moves    every single move ranked by its predicted gain g_B[i] -
 *             g[m][i]; the namespaces' best positive moves tried together,
 *             then the better half, ..., then each move not yet judged
 *    chains   each promising move whose state missed the objective, with
 *             one or two relief moves (ranked by the proxy time they take
 *             off that state's path) that make room for it, when the guide
 *             predicts the whole loses at most ADV_CHAIN_SLACK of B
 *    swaps    the most promising moves that break a blast-radius limit,
 *             kept, with the limit repaired around them (other namespaces
 *             move off the shared proxies): which tenant shares them
 *    fill     from the best chain and swap states that meet, their positive single
 *             moves: a chain may step down so that a fill step climbs past B
 *           When a round finds nothing better, B is a local optimum under
 *           single moves and these chains; the budget may stop it first.
 *
 * Cost: the uniform runs, one simulation per state tried; with a guide that
 * predicts well the improve stage needs a few group steps and a pass of the
 * single moves (at most namespaces x (modes - 1)) to prove the optimum
 * local. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise_internal.h"
#include "err.h"

#define ADV_REPAIR_ROUNDS 4 /* rounds of the repair stage */
#define ADV_BLAST_TRIES   8 /* moves tried per round of the blast repair */

typedef struct adv_move {
  uint32_t ns;
  mesh_ns_mode to;
  double score; /* higher first */
  bool seen;    /* its state is already judged */
} adv_move;

static int adv_move_cmp(const void *a, const void *b) {
  const adv_move *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  if (x->ns != y->ns)
    return x->ns < y->ns ? -1 : 1;
  return (int)x->to - (int)y->to;
}

static mesh_ns_mode *adv_dup(const adv_ctx *c, const mesh_ns_mode *a) {
  mesh_ns_mode *d = malloc((c->n ? c->n : 1) * sizeof *d);
  if (d)
    memcpy(d, a, c->n * sizeof *a);
  return d;
}

static bool adv_allows(const adv_ctx *c, uint32_t ns, int m) {
  return (c->sp.allowed[ns] & SCN_NS_MODE_BIT(m)) != 0;
}

/* ---- start ------------------------------------------------------------------ */

/* Each namespace's allowed mode of lowest guide (ties: less proxy time). */
static void adv_start(const adv_ctx *c, mesh_ns_mode *out) {
  for (uint32_t i = 0; i < c->n; i++) {
    int best = -1;
    for (int m = 0; m < MESH_NS_COUNT; m++) {
      if (!adv_allows(c, i, m))
        continue;
      if (best < 0) {
        best = m;
        continue;
      }
      double g = c->g[m][i], gb = c->g[best][i];
      if (isnan(gb) || (!isnan(g) && (g < gb || (g == gb && c->t[m][i] < c->t[best][i]))))
        best = m;
    }
    out[i] = (mesh_ns_mode)(best < 0 ? MESH_NS_SIDECAR : best);
  }
}

/* Namespace i's cheapest move off the shared proxies (to sidecar or none;
 * from ambient-waypoint also to ambient), by guide; -1 when it has none or
 * is the namespace `held` in place (UINT32_MAX: none is). */
static int adv_unshare(const adv_ctx *c, const mesh_ns_mode *a, uint32_t i, uint32_t held,
                       double *cost) {
  int best = -1;
  if (i == held || (a[i] != MESH_NS_AMBIENT && a[i] != MESH_NS_AMBIENT_WAYPOINT))
    return -1; /* only ztunnels and waypoints are shared */
  for (int m = 0; m < MESH_NS_COUNT; m++) {
    bool less = m == MESH_NS_SIDECAR || m == MESH_NS_NONE ||
                (a[i] == MESH_NS_AMBIENT_WAYPOINT && m == MESH_NS_AMBIENT);
    if (!less || !adv_allows(c, i, m))
      continue;
    double d = c->g[m][i] - c->g[a[i]][i];
    d = isnan(d) ? 1e300 : d;
    if (best < 0 || d < *cost) {
      best = m;
      *cost = d;
    }
  }
  return best;
}

/* Blast-radius limits without simulating: while the assignment breaks
 * them, make the change that removes the most violations, the cheapest by
 * guide on ties, among the ADV_BLAST_TRIES cheapest moves of one namespace
 * off the shared proxies and the moves of a whole tenant's namespaces (a
 * limit of tenants per proxy is met tenant by tenant: moving one of a
 * tenant's namespaces leaves the tenant on the same ztunnels). Namespace
 * `held` (UINT32_MAX: none) keeps its mode, and so does its tenant. */
static int adv_repair_blast(adv_ctx *c, mesh_ns_mode *a, uint32_t held) {
  uint32_t v;
  int rc = adv_blast_check(c, a, &v, NULL, 0);
  size_t m = c->n ? c->n : 1;
  adv_move *moves = malloc(2 * m * sizeof *moves); /* ns < n: one namespace; n + t: tenant of t */
  mesh_ns_mode *trial = malloc(m * sizeof *trial), *best_a = malloc(m * sizeof *best_a);
  if (!moves || !trial || !best_a)
    rc = ERR_ENOMEM;
  for (uint32_t round = 0; rc == 0 && v > 0 && round < 3 * c->n; round++) {
    uint32_t n_moves = 0;
    for (uint32_t i = 0; i < c->n; i++) {
      double cost = 0;
      int to = adv_unshare(c, a, i, held, &cost);
      if (to >= 0)
        moves[n_moves++] = (adv_move){i, (mesh_ns_mode)to, -cost, false};
    }
    uint32_t singles = n_moves;
    for (uint32_t t = 0; t < c->n; t++) { /* t: the tenant's first namespace */
      bool first = true, any = false, all = true;
      double cost = 0;
      for (uint32_t i = 0; i < c->n && first; i++)
        first = i >= t || strcmp(c->s->namespaces[i].tenant, c->s->namespaces[t].tenant) != 0;
      for (uint32_t i = t; first && i < c->n; i++) {
        if (strcmp(c->s->namespaces[i].tenant, c->s->namespaces[t].tenant) != 0 ||
            (a[i] != MESH_NS_AMBIENT && a[i] != MESH_NS_AMBIENT_WAYPOINT))
          continue;
        double d = 0;
        any = true;
        all = all && adv_unshare(c, a, i, held, &d) >= 0;
        cost += d;
      }
      if (first && any && all)
        moves[n_moves++] = (adv_move){c->n + t, MESH_NS_SIDECAR, -cost, false};
    }
    qsort(moves, singles, sizeof *moves, adv_move_cmp);
    qsort(moves + singles, n_moves - singles, sizeof *moves, adv_move_cmp);
    uint32_t best_v = v;
    double best_score = -INFINITY;
    for (uint32_t k = 0; rc == 0 && k < n_moves; k++) {
      if ((k < singles && k >= ADV_BLAST_TRIES) || k >= singles + ADV_BLAST_TRIES)
        continue;
      memcpy(trial, a, c->n * sizeof *a);
      if (moves[k].ns < c->n) {
        trial[moves[k].ns] = moves[k].to;
      } else {
        const char *tenant = c->s->namespaces[moves[k].ns - c->n].tenant;
        for (uint32_t i = 0; i < c->n; i++) {
          double d;
          int to =
              strcmp(c->s->namespaces[i].tenant, tenant) == 0 ? adv_unshare(c, a, i, held, &d) : -1;
          if (to >= 0)
            trial[i] = (mesh_ns_mode)to;
        }
      }
      uint32_t w;
      rc = adv_blast_check(c, trial, &w, NULL, 0);
      if (rc == 0 && (w < best_v || (w == best_v && w < v && moves[k].score > best_score))) {
        best_v = w;
        best_score = moves[k].score;
        memcpy(best_a, trial, c->n * sizeof *a);
      }
    }
    if (best_v >= v)
      break; /* nothing helps: the search may still find a uniform state */
    memcpy(a, best_a, c->n * sizeof *a);
    v = best_v;
  }
  free(moves);
  free(trial);
  free(best_a);
  return rc;
}

/* ---- repair: a state that misses the objective --------------------------------- */

/* The namespace behind e's busiest station when it is one namespace's proxy:
 * a waypoint replica ("ns/key#r") or a sidecar (its pod "service-i"). */
static uint32_t adv_bottleneck_ns(const adv_ctx *c, const adv_eval *e) {
  const result_station *b = &e->busiest;
  char name[RESULT_NAME_MAX];
  if (!strcmp(b->kind, "waypoint")) {
    snprintf(name, sizeof name, "%.*s", (int)strcspn(b->instance, "/"), b->instance);
    return scenario_find_namespace(c->s, name);
  }
  if (!strcmp(b->kind, "sidecar")) {
    const char *dash = strrchr(b->instance, '-');
    if (!dash)
      return SCN_NONE;
    snprintf(name, sizeof name, "%.*s", (int)(dash - b->instance), b->instance);
    uint32_t sv = scenario_find_service(c->s, name);
    return sv == SCN_NONE ? SCN_NONE : c->s->services[sv].ns;
  }
  return SCN_NONE;
}

/* Evaluates the assignments in batches of c->jobs; stops early once
 * c->best is no longer `was`. */
static int adv_try(adv_ctx *c, mesh_ns_mode **cands, uint32_t n, const adv_eval *was) {
  int rc = 0;
  uint32_t jobs = c->jobs ? c->jobs : 1;
  for (uint32_t at = 0; rc == 0 && at < n && c->best == was && !c->exhausted; at += jobs) {
    uint32_t k = n - at < jobs ? n - at : jobs;
    adv_eval *out[64];
    if (k > 64)
      k = 64;
    rc = adv_eval_batch(c, cands + at, k, out);
  }
  return rc;
}

static int adv_repair(adv_ctx *c, adv_eval *cur) {
  int rc = 0;
  adv_move *moves = malloc((c->n ? c->n : 1) * sizeof *moves);
  mesh_ns_mode **cands = calloc(64, sizeof *cands);
  if (!moves || !cands)
    rc = ERR_ENOMEM;
  for (uint32_t round = 0; rc == 0 && cur && !c->best && round < ADV_REPAIR_ROUNDS; round++) {
    uint32_t n_moves = 0, neck = adv_bottleneck_ns(c, cur);
    for (uint32_t i = 0; i < c->n; i++) {
      adv_move best = {i, cur->assign[i], -1, false};
      for (int m = 0; m < MESH_NS_COUNT; m++) {
        if (m == (int)cur->assign[i] || !adv_allows(c, i, m) || isnan(c->t[m][i]))
          continue;
        double relief = cur->time[i] - c->t[m][i];
        if (!(relief > 0) && i != neck)
          continue;
        double cost = c->g[m][i] - cur->guide[i];
        double score = !(cost > 0) ? 1e12 + relief : relief / cost;
        if (i == neck)
          score += 1e24;
        if (score > best.score)
          best = (adv_move){i, (mesh_ns_mode)m, score, false};
      }
      if (best.score >= 0)
        moves[n_moves++] = best;
    }
    if (n_moves == 0)
      break;
    qsort(moves, n_moves, sizeof *moves, adv_move_cmp);
    uint32_t n_cands = 0;
    for (uint32_t k = 1; rc == 0 && n_cands < 64;) { /* the best 1, 2, 4, ..., all */
      mesh_ns_mode *a = adv_dup(c, cur->assign);
      if (!a) {
        rc = ERR_ENOMEM;
        break;
      }
      for (uint32_t j = 0; j < k; j++)
        a[moves[j].ns] = moves[j].to;
      rc = adv_repair_blast(c, a, UINT32_MAX);
      cands[n_cands++] = a;
      if (k >= n_moves)
        break;
      k = 2 * k < n_moves ? 2 * k : n_moves;
    }
    if (rc == 0)
      rc = adv_try(c, cands, n_cands, NULL);
    /* Next round from the state with every move applied. */
    adv_eval *next = n_cands ? adv_eval_find(c, cands[n_cands - 1]) : NULL;
    cur = next != cur ? next : NULL;
    for (uint32_t k = 0; k < n_cands; k++)
      free(cands[k]);
  }
  free(moves);
  free(cands);
  return rc;
}

/* ---- improve: from the best state that meets everything ------------------------- */

#define ADV_CHAIN_SLACK 0.05 /* a chain may be predicted to lose this share of B's figure */
#define ADV_FILL_BASES  3    /* chain states a fill step starts from */
#define ADV_SWAP_TRIES  4    /* limit-breaking moves a swap step repairs around */

/* Every single move from state X by predicted gain (unknown: 0), those
 * already judged marked seen. */
static uint32_t adv_single_moves(const adv_ctx *c, const adv_eval *X, adv_move *moves) {
  uint32_t n = 0;
  mesh_ns_mode *a = adv_dup(c, X->assign);
  if (!a)
    return 0;
  for (uint32_t i = 0; i < c->n; i++)
    for (int m = 0; m < MESH_NS_COUNT; m++) {
      if (m == (int)X->assign[i] || !adv_allows(c, i, m))
        continue;
      a[i] = (mesh_ns_mode)m;
      bool seen = adv_eval_find(c, a) != NULL;
      a[i] = X->assign[i];
      double gain = X->guide[i] - c->g[m][i];
      moves[n++] = (adv_move){i, (mesh_ns_mode)m, isnan(gain) ? 0 : gain, seen};
    }
  free(a);
  qsort(moves, n, sizeof *moves, adv_move_cmp);
  return n;
}

/* cands[*n] = base with list[0..k) applied. */
static int adv_push(const adv_ctx *c, const mesh_ns_mode *base, const adv_move *list, uint32_t k,
                    mesh_ns_mode **cands, uint32_t *n) {
  mesh_ns_mode *a = adv_dup(c, base);
  if (!a)
    return ERR_ENOMEM;
  for (uint32_t j = 0; j < k; j++)
    a[list[j].ns] = list[j].to;
  cands[(*n)++] = a;
  return 0;
}

/* Tries the candidates and frees them. */
static int adv_try_free(adv_ctx *c, mesh_ns_mode **cands, uint32_t n, const adv_eval *was) {
  int rc = adv_try(c, cands, n, was);
  for (uint32_t k = 0; k < n; k++)
    free(cands[k]);
  return rc;
}

/* Groups and single moves: each namespace's best positive move together,
 * then the better half of them, ..., then every single move not judged. */
static int adv_stage_moves(adv_ctx *c, const adv_eval *B, const adv_move *moves, uint32_t n_moves,
                           adv_move *group, bool *taken, mesh_ns_mode **cands) {
  uint32_t n_group = 0, n_cands = 0;
  int rc = 0;
  memset(taken, 0, c->n * sizeof *taken);
  for (uint32_t k = 0; k < n_moves; k++)
    if (moves[k].score > 0 && !taken[moves[k].ns]) {
      taken[moves[k].ns] = true;
      group[n_group++] = moves[k];
    }
  for (uint32_t k = n_group; rc == 0 && k >= 2; k /= 2)
    rc = adv_push(c, B->assign, group, k, cands, &n_cands);
  for (uint32_t k = 0; rc == 0 && k < n_moves; k++)
    if (!moves[k].seen)
      rc = adv_push(c, B->assign, &moves[k], 1, cands, &n_cands);
  return rc == 0 ? adv_try_free(c, cands, n_cands, B) : rc;
}

/* Ejection chains: each promising single move from B whose state missed the
 * objective, with the one and the two relief moves (ranked by the proxy
 * time they take off that state's path, as its attribution says) that make
 * room for it, when the attribution predicts the whole loses at most
 * ADV_CHAIN_SLACK of B's figure: a chain that frees room may be a step down
 * that a fill step then climbs past B. */
static int adv_stage_chains(adv_ctx *c, const adv_eval *B, const adv_move *moves, uint32_t n_moves,
                            adv_move *relief, mesh_ns_mode **cands, uint32_t cap, uint32_t *n_out) {
  uint32_t n = 0;
  int rc = 0;
  double slack = -ADV_CHAIN_SLACK * fabs(B->value);
  mesh_ns_mode *x = adv_dup(c, B->assign);
  if (!x)
    return ERR_ENOMEM;
  for (uint32_t k = 0; rc == 0 && k < n_moves && n + 2 <= cap; k++) {
    const adv_move *f = &moves[k];
    if (!(f->score > 0))
      break;
    x[f->ns] = f->to;
    const adv_eval *e = adv_eval_find(c, x);
    uint32_t n_relief = 0;
    for (uint32_t i = 0; e && e->simulated && e->status != RESULT_MEETS && i < c->n; i++) {
      adv_move best = {i, x[i], -INFINITY, false};
      for (int m = 0; i != f->ns && m < MESH_NS_COUNT; m++) {
        if (m == (int)x[i] || !adv_allows(c, i, m) || isnan(c->t[m][i]))
          continue;
        double total = f->score + e->guide[i] - c->g[m][i];
        if (e->time[i] - c->t[m][i] > 0 && total > slack && total > best.score)
          best = (adv_move){i, (mesh_ns_mode)m, total, false};
      }
      if (best.score > -INFINITY)
        relief[n_relief++] = best;
    }
    qsort(relief, n_relief, sizeof *relief, adv_move_cmp);
    for (uint32_t r = 1; rc == 0 && r <= 2 && r <= n_relief; r++)
      rc = adv_push(c, x, relief, r, cands, &n);
    x[f->ns] = B->assign[f->ns];
  }
  free(x);
  *n_out = n;
  return rc;
}

/* Swaps: each of the ADV_SWAP_TRIES most promising single moves from B that
 * breaks a blast-radius limit (one more tenant on shared ztunnels), kept,
 * with the limit repaired around it (adv_repair_blast holding the moved
 * namespace in its new mode): the namespaces it now shares proxies
 * with move off them instead. Which tenant goes ambient is then a choice
 * the search can revise, which single moves that keep the limit cannot
 * reach. Appended to cands (for the fill step, like chains). */
static int adv_stage_swaps(adv_ctx *c, const adv_eval *B, const adv_move *moves, uint32_t n_moves,
                           mesh_ns_mode **cands, uint32_t cap, uint32_t *n_io) {
  uint32_t n = *n_io, tried = 0;
  int rc = 0;
  for (uint32_t k = 0; rc == 0 && k < n_moves && n < cap && tried < ADV_SWAP_TRIES; k++) {
    const adv_move *f = &moves[k];
    if (!(f->score > 0))
      break;
    mesh_ns_mode *x = adv_dup(c, B->assign);
    if (!x)
      return ERR_ENOMEM;
    x[f->ns] = f->to;
    uint32_t v = 0;
    rc = adv_blast_check(c, x, &v, NULL, 0);
    if (rc == 0 && v > 0) {
      tried++;
      rc = adv_repair_blast(c, x, f->ns); /* f's namespace held: the others make room */
      if (rc == 0)
        rc = adv_blast_check(c, x, &v, NULL, 0);
      if (rc == 0 && v == 0 && !adv_eval_find(c, x)) {
        cands[n++] = x;
        x = NULL;
      }
    }
    free(x);
  }
  *n_io = n;
  return rc;
}

/* Fill: from the chain states that meet (best first), their positive
 * single moves. */
static int adv_stage_fill(adv_ctx *c, const adv_eval *B, mesh_ns_mode **chains, uint32_t n_chains,
                          adv_move *moves, mesh_ns_mode **cands, uint32_t cap) {
  const adv_eval *base[ADV_FILL_BASES];
  uint32_t n_base = 0, n = 0;
  for (uint32_t k = 0; k < n_chains; k++) {
    const adv_eval *e = adv_eval_find(c, chains[k]);
    if (!e || !adv_feasible(e))
      continue;
    uint32_t at = n_base < ADV_FILL_BASES ? n_base++ : ADV_FILL_BASES;
    while (at > 0 && adv_better(e, base[at - 1])) {
      if (at < ADV_FILL_BASES)
        base[at] = base[at - 1];
      at--;
    }
    if (at < ADV_FILL_BASES)
      base[at] = e;
  }
  int rc = 0;
  for (uint32_t b = 0; rc == 0 && b < n_base; b++) {
    uint32_t n_moves = adv_single_moves(c, base[b], moves);
    for (uint32_t k = 0; rc == 0 && k < n_moves && n < cap && moves[k].score > 0; k++)
      if (!moves[k].seen)
        rc = adv_push(c, base[b]->assign, &moves[k], 1, cands, &n);
  }
  return rc == 0 ? adv_try_free(c, cands, n, B) : rc;
}

static int adv_improve(adv_ctx *c) {
  size_t cap = (size_t)(c->n ? c->n : 1) * MESH_NS_COUNT;
  adv_move *moves = malloc(cap * sizeof *moves), *spare = malloc(cap * sizeof *spare);
  mesh_ns_mode **cands = calloc(cap + 64, sizeof *cands), **chains = calloc(cap, sizeof *chains);
  bool *taken = calloc(c->n ? c->n : 1, sizeof *taken);
  int rc = moves && spare && cands && chains && taken ? 0 : ERR_ENOMEM;
  while (rc == 0 && c->best && !c->exhausted) {
    const adv_eval *B = c->best;
    uint32_t n_moves = adv_single_moves(c, B, moves), n_chains = 0;
    rc = adv_stage_moves(c, B, moves, n_moves, spare, taken, cands);
    if (rc == 0 && c->best == B && !c->exhausted)
      rc = adv_stage_chains(c, B, moves, n_moves, spare, chains, (uint32_t)cap, &n_chains);
    if (rc == 0 && c->best == B && !c->exhausted && c->check_blast)
      rc = adv_stage_swaps(c, B, moves, n_moves, chains, (uint32_t)cap, &n_chains);
    if (rc == 0 && c->best == B && !c->exhausted)
      rc = adv_try(c, chains, n_chains, B);
    if (rc == 0 && c->best == B && !c->exhausted)
      rc = adv_stage_fill(c, B, chains, n_chains, spare, cands, (uint32_t)cap);
    for (uint32_t k = 0; k < n_chains; k++)
      free(chains[k]);
    if (c->best == B)
      break; /* nothing around B is better: a local optimum (or the budget is spent) */
  }
  free(moves);
  free(spare);
  free(cands);
  free(chains);
  free(taken);
  return rc;
}

int adv_search(adv_ctx *c) {
  mesh_ns_mode *start = malloc((c->n ? c->n : 1) * sizeof *start);
  if (!start)
    return ERR_ENOMEM;
  adv_start(c, start);
  int rc = adv_repair_blast(c, start, UINT32_MAX);
  adv_eval *e = NULL;
  if (rc == 0)
    rc = adv_eval_batch(c, &start, 1, &e);
  if (rc == 0 && !c->best && e)
    rc = adv_repair(c, e);
  if (rc == 0 && c->best)
    rc = adv_improve(c);
  free(start);
  return rc;
}

/* ---- reasons ------------------------------------------------------------------------ */

/* The pin or compliance constraint of namespace ns, as text. */
static const char *adv_pin_text(const adv_ctx *c, uint32_t ns) {
  for (uint32_t k = 0; k < c->sp.n_constraints; k++) {
    const advice_constraint *x = &c->sp.constraints[k];
    if ((!strcmp(x->kind, "pin") || !strcmp(x->kind, "compliance")) &&
        !strcmp(x->ns, c->s->namespaces[ns].name))
      return x->text;
  }
  return "the only candidate mode";
}

/* Why namespace i does not run m instead: the simulated single move from
 * the recommendation B when there is one, else the blast check, else the
 * attribution's prediction. */
static void adv_why_not(adv_ctx *c, uint32_t i, mesh_ns_mode m, advice_namespace *an) {
  const adv_eval *B = c->best;
  mesh_ns_mode *a = adv_dup(c, B->assign);
  if (!a)
    return;
  a[i] = m;
  const adv_eval *e = adv_eval_find(c, a);
  uint32_t v = 0;
  char why[RESULT_REASON_LEN] = "";
  if (!e)
    adv_blast_check(c, a, &v, why, sizeof why);
  free(a);
  const char *to = mesh_ns_mode_name(m), *mine = mesh_ns_mode_name(B->assign[i]);
  const char *what = scenario_advise_objective_name(c->objective);
  an->reason = ADVICE_REASON_COST;
  if ((e && e->blast) || v) {
    an->reason = ADVICE_REASON_BLAST;
    adv_fmt(an->why, sizeof an->why, "%s would break a blast-radius limit: %s", to,
            e ? e->blast_why : why);
  } else if (e && e->simulated && e->status != RESULT_MEETS) {
    an->reason = ADVICE_REASON_OBJECTIVE;
    adv_fmt(an->why, sizeof an->why, "with %s the cluster %s the objective: %s", to,
            e->status == RESULT_OVERLOADED ? "is overloaded against" : "misses",
            e->verdict.n_reasons ? e->verdict.reasons[0] : "-");
  } else if (e && e->simulated) {
    bool tie = adv_tied(e, B);
    char tail[64];
    snprintf(tail, sizeof tail, tie ? " (the same within noise; %s reserves less)" : " (simulated)",
             mine);
    adv_fmt(an->why, sizeof an->why, "%s: the cluster's %s is %.6g against %.6g with %s%s", mine,
            what, B->value, e->value, to, tail);
  } else {
    adv_fmt(an->why, sizeof an->why,
            "%s: its %s share is %.4g against %.4g with %s (attribution; that move was not "
            "simulated)",
            mine, what, B->guide[i], c->g[m][i], to);
  }
}

int adv_reasons(adv_ctx *c, advice *a) {
  a->namespaces = calloc(c->n ? c->n : 1, sizeof *a->namespaces);
  if (!a->namespaces)
    return ERR_ENOMEM;
  a->n_namespaces = c->n;
  const adv_eval *B = c->best;
  for (uint32_t i = 0; i < c->n; i++) {
    advice_namespace *an = &a->namespaces[i];
    snprintf(an->name, sizeof an->name, "%s", c->s->namespaces[i].name);
    an->allowed = c->sp.allowed[i];
    an->mode = B ? B->assign[i] : MESH_NS_NONE;
    if (!B)
      continue;
    /* The alternative the attribution favours most. */
    int alt = -1;
    for (int m = 0; m < MESH_NS_COUNT; m++)
      if (adv_allows(c, i, m) && m != (int)an->mode &&
          (alt < 0 || isnan(c->g[alt][i]) || c->g[m][i] < c->g[alt][i]))
        alt = m;
    if (alt < 0) {
      an->reason = ADVICE_REASON_PINNED;
      snprintf(an->why, sizeof an->why, "%s", adv_pin_text(c, i));
      continue;
    }
    adv_why_not(c, i, (mesh_ns_mode)alt, an);
    if (c->sp.l7[i] && an->reason == ADVICE_REASON_COST) {
      char why[RESULT_REASON_LEN];
      snprintf(why, sizeof why, "%s", an->why);
      an->reason = ADVICE_REASON_L7;
      adv_fmt(an->why, sizeof an->why, "needs L7 (sidecar or a waypoint); %s", why);
    }
  }
  return 0;
}
