/* advise_eval: assignments judged by simulation. Each assignment runs as
 * mode hybrid on a copy of the scenario whose namespaces[].mode it sets,
 * with the scenario's seeds, so every candidate sees the same requests
 * (common random numbers) and two candidates differ only by their modes.
 * Up to `jobs` simulate at once, one thread each (the model shares nothing
 * between modes). Every assignment is remembered, so none is simulated
 * twice; only the best one's full result is kept, for the verified run. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise_internal.h"
#include "blast.h"
#include "err.h"
#include "topology.h"
#include "verdict.h"

#define ADV_FNV_OFFSET 14695981039346656037ULL
#define ADV_FNV_PRIME  1099511628211ULL

static uint64_t adv_key(const mesh_ns_mode *a, uint32_t n) {
  uint64_t h = ADV_FNV_OFFSET;
  for (uint32_t i = 0; i < n; i++) {
    h ^= (uint64_t)a[i] + 1;
    h *= ADV_FNV_PRIME;
  }
  return h;
}

double adv_value_of(const adv_ctx *c, const mode_result *m) {
  switch (c->objective) {
  case SCN_ADVISE_CPU:
    return m->mesh_cpu_cores;
  case SCN_ADVISE_MEMORY:
    return m->mesh_mem_mib;
  case SCN_ADVISE_LATENCY:
    return verdict_latency_at(&m->latency, c->s->meta.objective_quantile);
  case SCN_ADVISE_COST:
  case SCN_ADVISE_OBJECTIVE_COUNT:
    break;
  }
  return m->cost_usd_month;
}

double adv_guide_of(const adv_ctx *c, const result_namespace *n) {
  switch (c->objective) {
  case SCN_ADVISE_CPU:
    return n->mesh_cpu_cores;
  case SCN_ADVISE_MEMORY:
    return n->mesh_mem_mib;
  case SCN_ADVISE_LATENCY:
    return n->mesh_time_ms;
  case SCN_ADVISE_COST:
  case SCN_ADVISE_OBJECTIVE_COUNT:
    break;
  }
  return n->cost_usd_month;
}

bool adv_feasible(const adv_eval *e) {
  return e && e->allowed && e->blast == 0 && e->status == RESULT_MEETS;
}

/* a < b by more than the relative tolerance tol. */
static int adv_less(double a, double b, double tol) {
  return a < b - tol * fmax(fabs(a), fabs(b));
}

/* Differences of the objective's figure below ADV_TIE (relative) are
 * noise, not savings: two assignments whose nodes are the same differ in
 * cost by the cross-zone bytes of a few retried calls (a few parts in
 * 10^5). Such ties go to the smooth reserved cost. The same tolerance as
 * meshsim run's recommendation (verdict.h). */
#define ADV_TIE VERDICT_TIE

bool adv_tied(const adv_eval *a, const adv_eval *b) {
  return !adv_less(a->value, b->value, ADV_TIE) && !adv_less(b->value, a->value, ADV_TIE);
}

bool adv_better(const adv_eval *a, const adv_eval *b) {
  if (adv_less(a->value, b->value, ADV_TIE))
    return true;
  if (adv_less(b->value, a->value, ADV_TIE))
    return false;
  if (adv_less(a->reserved_cost, b->reserved_cost, 1e-9))
    return true;
  if (adv_less(b->reserved_cost, a->reserved_cost, 1e-9))
    return false;
  return adv_less(a->value, b->value, 1e-12);
}

adv_eval *adv_eval_find(const adv_ctx *c, const mesh_ns_mode *assign) {
  uint64_t key = adv_key(assign, c->n);
  for (uint32_t i = 0; i < c->n_evals; i++)
    if (c->evals[i]->key == key && !memcmp(c->evals[i]->assign, assign, c->n * sizeof *assign))
      return c->evals[i];
  return NULL;
}

static void adv_eval_free(adv_eval *e) {
  if (!e)
    return;
  free(e->assign);
  free(e->guide);
  free(e->time);
  if (e->full) {
    mode_result_release(e->full);
    free(e->full);
  }
  free(e);
}

void adv_changes_text(const adv_ctx *c, const mesh_ns_mode *from, const mesh_ns_mode *to, char *buf,
                      size_t n) {
  size_t at = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < c->n; i++) {
    if (from[i] == to[i])
      continue;
    int w = snprintf(buf + at, n - at, "%s%s: %s -> %s", at ? ", " : "", c->s->namespaces[i].name,
                     mesh_ns_mode_name(from[i]), mesh_ns_mode_name(to[i]));
    if (w < 0 || (size_t)w >= n - at) {
      if (n > 4)
        snprintf(buf + n - 4, 4, "...");
      return;
    }
    at += (size_t)w;
  }
}

/* A copy of the scenario whose namespaces run `assign` in mode hybrid; the
 * caller frees *ns (the copy shares everything else with c->s). */
static int adv_scenario_with(const adv_ctx *c, const mesh_ns_mode *assign, scenario *copy,
                             scenario_namespace **ns) {
  *copy = *c->s;
  copy->n_failures = 0; /* drills do not change a verdict (docs/model.md): the steady state only */
  *ns = malloc((c->n ? c->n : 1) * sizeof **ns);
  if (!*ns)
    return ERR_ENOMEM;
  memcpy(*ns, c->s->namespaces, c->n * sizeof **ns);
  for (uint32_t i = 0; i < c->n; i++)
    (*ns)[i].hybrid_mode = assign[i];
  copy->namespaces = *ns;
  return 0;
}

int adv_blast_check(adv_ctx *c, const mesh_ns_mode *assign, uint32_t *violations, char *why,
                    size_t n) {
  const scenario_advise *a = &c->s->advise;
  *violations = 0;
  if (why && n)
    why[0] = '\0';
  if (!a->max_tenants_per_proxy && !a->max_pods_per_proxy)
    return 0;
  scenario copy;
  scenario_namespace *ns;
  int rc = adv_scenario_with(c, assign, &copy, &ns);
  if (rc != 0)
    return rc;
  topology t;
  result_blast sum[MESH_PROXY_COUNT];
  int has[MESH_PROXY_COUNT];
  result_blast_instance *inst = NULL;
  uint32_t n_inst = 0;
  rc = topo_build(&t, &copy, c->p->in.proxy_profile, c->p->in.control_plane, MESH_MODE_HYBRID,
                  copy.meta.seed);
  if (rc == 0) {
    rc = blast_compute(&t, sum, has, &inst, &n_inst);
    topo_release(&t);
  }
  for (uint32_t i = 0; rc == 0 && i < n_inst; i++) {
    const result_blast_instance *b = &inst[i];
    if (strcmp(b->kind, BLAST_KIND_ZTUNNEL) != 0 && strcmp(b->kind, BLAST_KIND_WAYPOINT) != 0)
      continue;
    int tenants = a->max_tenants_per_proxy && b->tenants > a->max_tenants_per_proxy;
    int pods = a->max_pods_per_proxy && b->pods > a->max_pods_per_proxy;
    if ((tenants || pods) && *violations == 0 && why && n)
      adv_fmt(why, n, "%s %s would serve %u %s (limit %u)", b->kind, b->instance,
              tenants ? b->tenants : b->pods, tenants ? "tenants" : "pods",
              tenants ? a->max_tenants_per_proxy : a->max_pods_per_proxy);
    *violations += (uint32_t)(tenants + pods);
  }
  free(inst);
  free(ns);
  return rc;
}

/* A new evaluation of `assign` (copied), in the cache; NULL when out of memory. */
static adv_eval *adv_eval_new(adv_ctx *c, const mesh_ns_mode *assign) {
  if (c->n_evals == c->cap_evals) {
    uint32_t cap = c->cap_evals ? 2 * c->cap_evals : 64;
    adv_eval **e = realloc(c->evals, cap * sizeof *e);
    if (!e)
      return NULL;
    c->evals = e;
    c->cap_evals = cap;
  }
  adv_eval *e = calloc(1, sizeof *e);
  size_t m = c->n ? c->n : 1;
  if (!e || !(e->assign = malloc(m * sizeof *e->assign)) ||
      !(e->guide = calloc(m, sizeof(double))) || !(e->time = calloc(m, sizeof(double)))) {
    adv_eval_free(e);
    return NULL;
  }
  memcpy(e->assign, assign, c->n * sizeof *assign);
  e->key = adv_key(assign, c->n);
  e->allowed = true;
  for (uint32_t i = 0; i < c->n; i++)
    e->allowed = e->allowed && (c->sp.allowed[i] & SCN_NS_MODE_BIT(assign[i]));
  e->status = RESULT_MISSES;
  for (uint32_t i = 0; i < c->n; i++)
    e->guide[i] = e->time[i] = NAN;
  e->value = e->cost = e->reserved_cost = e->latency_ms = NAN;
  c->evals[c->n_evals++] = e;
  return e;
}

/* Fills e from the simulated mode m (whose verdict this decides) and learns
 * its per-namespace figures. */
static void adv_eval_fill(adv_ctx *c, adv_eval *e, mode_result *m) {
  e->simulated = true;
  run_result one = {.slo_ms = (double)c->s->meta.slo_ns / 1e6,
                    .objective_quantile = c->s->meta.objective_quantile,
                    .error_budget = c->s->meta.error_budget};
  verdict_objective obj = verdict_objective_of(&one);
  verdict_decide(&obj, m, &m->verdict);
  e->status = m->verdict.status;
  e->verdict = m->verdict;
  e->busiest = m->busiest;
  e->value = adv_value_of(c, m);
  e->cost = m->cost_usd_month;
  e->reserved_cost = m->cost_reserved_usd_month;
  e->latency_ms = verdict_latency_at(&m->latency, c->s->meta.objective_quantile);
  for (uint32_t i = 0; i < c->n && i < m->n_namespaces; i++) {
    e->guide[i] = adv_guide_of(c, &m->namespaces[i]);
    e->time[i] = m->namespaces[i].mesh_time_ms;
    c->g[e->assign[i]][i] = e->guide[i];
    c->t[e->assign[i]][i] = e->time[i];
  }
}

/* Makes e the best when it meets everything and beats the best so far;
 * the old best's full result is dropped. */
static bool adv_consider(adv_ctx *c, adv_eval *e) {
  if (!adv_feasible(e) || (c->best && !adv_better(e, c->best)))
    return false;
  if (c->best && c->best->full) {
    mode_result_release(c->best->full);
    free(c->best->full);
    c->best->full = NULL;
  }
  c->best = e;
  return true;
}

/* ---- simulation in threads ------------------------------------------------------ */

typedef struct adv_pool {
  adv_ctx *c;
  adv_eval **todo;
  mode_result **res;
  int *rc;
  uint32_t n, next;
  pthread_mutex_t lock;
  diag_list why; /* the first failure's message */
} adv_pool;

static void *adv_worker(void *arg) {
  adv_pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    uint32_t i = p->next < p->n ? p->next++ : UINT32_MAX;
    pthread_mutex_unlock(&p->lock);
    if (i == UINT32_MAX)
      return NULL;
    scenario copy;
    scenario_namespace *ns = NULL;
    diag_list d;
    diag_list_init(&d);
    int rc = adv_scenario_with(p->c, p->todo[i]->assign, &copy, &ns);
    p->res[i] = calloc(1, sizeof *p->res[i]);
    if (rc == 0 && !p->res[i])
      rc = ERR_ENOMEM;
    if (rc == 0) {
      model_inputs in = p->c->p->in;
      in.scn = &copy;
      in.progress = NULL;
      in.trace = NULL;
      in.trace_requests = 0;
      in.jobs = 1;
      in.interrupt = p->c->o->interrupt;
      in.diag = &d;
      rc = model_run_mode(&in, MESH_MODE_HYBRID, 0, 1, p->res[i]);
    }
    free(ns);
    p->rc[i] = rc;
    if (rc != 0) {
      pthread_mutex_lock(&p->lock);
      if (p->why.n == 0)
        for (size_t k = 0; k < d.n; k++)
          diag_add(&p->why, d.items[k].severity, d.items[k].file, d.items[k].line, d.items[k].col,
                   "%s", d.items[k].message);
      pthread_mutex_unlock(&p->lock);
    }
    diag_list_release(&d);
  }
}

/* Simulates todo[0..n) at once, up to c->jobs threads. */
static int adv_simulate(adv_ctx *c, adv_eval **todo, uint32_t n, bool may_be_best) {
  if (n == 0)
    return 0;
  adv_pool p = {.c = c, .todo = todo, .n = n, .lock = PTHREAD_MUTEX_INITIALIZER};
  diag_list_init(&p.why);
  p.res = calloc(n, sizeof *p.res);
  p.rc = calloc(n, sizeof *p.rc);
  if (!p.res || !p.rc) {
    free(p.res);
    free(p.rc);
    return ERR_ENOMEM;
  }
  uint32_t threads = c->jobs > 1 ? c->jobs : 1, started = 0;
  if (threads > n)
    threads = n;
  pthread_t tid[64];
  if (threads > 64)
    threads = 64;
  for (uint32_t i = 1; i < threads; i++)
    if (pthread_create(&tid[started], NULL, adv_worker, &p) == 0)
      started++;
  adv_worker(&p);
  for (uint32_t i = 0; i < started; i++)
    pthread_join(tid[i], NULL);
  int rc = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (rc == 0 && p.rc[i] != 0)
      rc = p.rc[i];
    if (p.rc[i] == 0 && p.res[i]) {
      adv_eval_fill(c, todo[i], p.res[i]);
      if (may_be_best && adv_consider(c, todo[i])) {
        todo[i]->full = p.res[i]; /* kept for the verified run */
        p.res[i] = NULL;
      }
    }
    if (p.res[i]) {
      mode_result_release(p.res[i]);
      free(p.res[i]);
    }
    (*c->counter)++;
  }
  if (rc != 0 && c->d)
    for (size_t k = 0; k < p.why.n; k++)
      diag_add(c->d, p.why.items[k].severity, p.why.items[k].file, p.why.items[k].line,
               p.why.items[k].col, "%s", p.why.items[k].message);
  diag_list_release(&p.why);
  free(p.res);
  free(p.rc);
  return rc;
}

int adv_eval_batch(adv_ctx *c, mesh_ns_mode *const *assigns, uint32_t n, adv_eval **out) {
  uint32_t limit = c->counter == &c->plan_sims ? c->plan_budget : c->budget;
  adv_eval **todo = calloc(n ? n : 1, sizeof *todo);
  mesh_ns_mode *canon = malloc((c->n ? c->n : 1) * sizeof *canon);
  uint32_t n_todo = 0;
  int rc = todo && canon ? 0 : ERR_ENOMEM;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    out[i] = NULL;
    for (uint32_t k = 0; k < c->n; k++)
      canon[k] = adv_canonical(&c->sp, k, assigns[i][k]);
    adv_eval *e = adv_eval_find(c, canon);
    bool queued = false;
    for (uint32_t k = 0; e && k < n_todo; k++)
      queued = queued || todo[k] == e;
    if (e && (e->simulated || c->check_blast || queued)) {
      out[i] = e;
      continue;
    }
    if (*c->counter + n_todo >= limit) {
      c->exhausted = true;
      continue;
    }
    if (e) { /* known to break a blast-radius limit; the plan needs its figures */
      out[i] = todo[n_todo++] = e;
      continue;
    }
    if (!(e = adv_eval_new(c, canon))) {
      rc = ERR_ENOMEM;
      break;
    }
    out[i] = e;
    rc = adv_blast_check(c, canon, &e->blast, e->blast_why, sizeof e->blast_why);
    if (rc == 0 && (e->blast == 0 || !c->check_blast))
      todo[n_todo++] = e; /* in the search a violation is known without simulating it */
  }
  if (rc == 0)
    rc = adv_simulate(c, todo, n_todo, c->counter == &c->sims);
  if (rc == 0 && c->o->progress)
    c->o->progress(c->o->progress_ctx, c->counter == &c->sims ? "searching" : "planning",
                   *c->counter, limit);
  free(todo);
  free(canon);
  return rc;
}

int adv_eval_keep(adv_ctx *c, adv_eval *e) {
  if (e->full)
    return 0;
  mode_result *m = calloc(1, sizeof *m);
  scenario copy;
  scenario_namespace *ns = NULL;
  int rc = m ? adv_scenario_with(c, e->assign, &copy, &ns) : ERR_ENOMEM;
  if (rc == 0) {
    model_inputs in = c->p->in;
    in.scn = &copy;
    in.progress = NULL;
    in.trace = NULL;
    in.trace_requests = 0;
    in.interrupt = c->o->interrupt;
    in.diag = c->d;
    rc = model_run_mode(&in, MESH_MODE_HYBRID, 0, 1, m);
  }
  free(ns);
  if (rc != 0) {
    free(m);
    return rc;
  }
  e->full = m;
  return 0;
}

/* ---- the uniform modes ------------------------------------------------------------ */

static const mesh_mode adv_uniform_modes[4] = {MESH_MODE_NONE, MESH_MODE_SIDECAR, MESH_MODE_AMBIENT,
                                               MESH_MODE_AMBIENT_WAYPOINT};

int adv_eval_uniform(adv_ctx *c) {
  scenario copy = *c->s;
  copy.n_failures = 0; /* as adv_scenario_with */
  memcpy(copy.mesh.modes, adv_uniform_modes, sizeof adv_uniform_modes);
  copy.mesh.n_modes = 4;
  model_inputs in = c->p->in;
  in.scn = &copy;
  in.progress = NULL;
  in.trace = NULL;
  in.trace_requests = 0;
  in.jobs = c->jobs;
  in.interrupt = c->o->interrupt;
  in.diag = c->d;
  int rc = model_run(&in, &c->uniform);
  if (rc != 0)
    return rc;
  mesh_ns_mode *assign = malloc((c->n ? c->n : 1) * sizeof *assign);
  if (!assign)
    return ERR_ENOMEM;
  for (uint32_t u = 0; rc == 0 && u < c->uniform.n_modes; u++) {
    const mode_result *m = &c->uniform.modes[u];
    for (uint32_t i = 0; i < c->n; i++)
      assign[i] = adv_canonical(&c->sp, i, topo_ns_mode(c->s, i, m->mode));
    adv_eval *e = adv_eval_find(c, assign);
    if (e)
      continue;
    if (!(e = adv_eval_new(c, assign))) {
      rc = ERR_ENOMEM;
      break;
    }
    rc = adv_blast_check(c, assign, &e->blast, e->blast_why, sizeof e->blast_why);
    if (rc == 0) {
      adv_eval_fill(c, e, &c->uniform.modes[u]);
      adv_consider(c, e); /* its hybrid twin is simulated if it stays the best */
    }
  }
  free(assign);
  return rc;
}

void adv_ctx_release(adv_ctx *c) {
  for (uint32_t i = 0; i < c->n_evals; i++)
    adv_eval_free(c->evals[i]);
  free(c->evals);
  for (int m = 0; m < MESH_NS_COUNT; m++) {
    free(c->g[m]);
    free(c->t[m]);
  }
  run_result_release(&c->uniform);
  adv_space_release(&c->sp);
  memset(c, 0, sizeof *c);
}
