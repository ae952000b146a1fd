/* work: the cost of a run before it starts; formulas in work.h. */
#include "work.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "op_graph.h"
#include "sim_error.h"

/* Per-second series one replication keeps (model_sim.h: done, failed, p99,
 * waypoint replicas, CPU and in-flight time per kind) and those a mode's
 * result keeps (result.h: about as many again), for `kinds` kinds: the
 * gateway kind counts only in a scenario with gateways (the estimate
 * without them is what it was before the kind existed). */
#define WORK_SERIES_PER_MODE(kinds) (2.0 * (4 + 2 * (kinds)))
/* Bytes of state per station (busy and sojourn sums, the station itself)
 * and per pod (placement, paths, counters), rounded up. */
#define WORK_BYTES_PER_STATION 256.0
#define WORK_BYTES_PER_POD     512.0

double work_events_per_visit(mesh_mode mode) {
  /* One event per station a call passes (model_sim.c: one hop event per
   * step of the path, request and response, the application once) and one
   * to finish the call. none: the application; sidecar and ambient: two
   * proxies each way (fewer for same-node ambient); a waypoint adds one each
   * way, counted as if every call crossed one. */
  switch (mode) {
  case MESH_MODE_NONE:
    return 2;
  case MESH_MODE_SIDECAR:
  case MESH_MODE_AMBIENT:
    return 6;
  default:
    return 8;
  }
}

/* V(x) of work.h for every operation x (op_graph.h), callees before
 * callers: V(x) = 1 + sum over its calls c of count(c) * probability(c) *
 * (V(target) or, for a choice, sum over its ways of share * V(way)).
 * Without operations and choices the nodes are the services and this is
 * V(s) of work.h, term for term. Returns 0, SIM_EINVAL on a cycle or
 * SIM_ENOMEM. */
static int work_visits(const op_graph *g, double *memo) {
  for (uint32_t k = g->n_nodes; k-- > 0;) {
    uint32_t x = g->order[k];
    const op_node *nd = &g->nodes[x];
    double v = 1;
    for (uint32_t j = 0; j < nd->n_calls; j++) {
      const scenario_call *c = &nd->calls[j];
      double below = 0;
      if (c->n_choice == 0) {
        below = memo[op_graph_target(g, c, 0)];
      } else {
        for (uint32_t i = 0; i < c->n_choice; i++)
          below += c->choice[i].share * memo[op_graph_target(g, c, i)];
      }
      v += scenario_call_mean(c) * below;
    }
    memo[x] = v;
  }
  return 0;
}

/* V of one request of traffic entry t: its operation's, or its mix's mean. */
static double work_entry_visits(const op_graph *g, const scenario_traffic *t, const double *memo) {
  if (t->n_mix == 0)
    return memo[op_graph_node(g, t->service, t->op)];
  double v = 0;
  for (uint32_t i = 0; i < t->n_mix; i++)
    v += t->mix[i].share * memo[op_graph_node(g, t->service, t->mix[i].op)];
  return v;
}

/* Requests of entry t over the run; a burst counts only where it overlaps
 * the measured window (its start is relative to the end of warm-up, and
 * arrivals stop at the end of the window). */
static double work_roots(const scenario_traffic *t, double window_s, double measured_s) {
  double roots = t->rate_rps * window_s;
  for (uint32_t b = 0; b < t->n_bursts; b++) {
    double from = (double)t->bursts[b].at_ns / 1e9;
    double to = fmin(from + (double)t->bursts[b].duration_ns / 1e9, measured_s);
    if (to > from)
      roots += t->rate_rps * (t->bursts[b].multiplier - 1) * (to - from);
  }
  return roots > 0 ? roots : 0;
}

/* One mode's structural analysis steps (work.h); its graph has a node per
 * operation (the services, when none has operations). */
static double work_setup(const scenario *s, const op_graph *g) {
  double calls = 0, cpu_m = 0, nodes = 0, min_node_m = INFINITY;
  for (uint32_t x = 0; x < g->n_nodes; x++)
    calls += g->nodes[x].n_calls;
  for (uint32_t i = 0; i < s->n_services; i++)
    cpu_m += (double)s->services[i].cpu_request_millicores * s->services[i].replicas;
  for (uint32_t p = 0; p < s->cluster.n_pools; p++) {
    nodes += s->cluster.pools[p].count;
    min_node_m = fmin(min_node_m, (double)s->cluster.pools[p].cpu_millicores);
  }
  if (min_node_m > 0 && isfinite(min_node_m))
    nodes = fmax(nodes, ceil(cpu_m / min_node_m));
  return ((double)s->n_services + nodes + (double)s->n_namespaces) * ((double)g->n_nodes + calls);
}

double work_units(const work_estimate *w) {
  return w->events + w->setup / WORK_SETUP_PER_EVENT;
}

int work_estimate_compute(const scenario *s, work_estimate *out) {
  *out = (work_estimate){0};
  op_graph g;
  int rc = op_graph_init(&g, s);
  if (rc != 0)
    return rc;
  double *memo = calloc(g.n_nodes ? g.n_nodes : 1, sizeof *memo);
  rc = memo ? op_graph_sort(&g) : SIM_ENOMEM;
  if (rc == 0)
    rc = work_visits(&g, memo);
  /* Doubles throughout: a hostile scenario's products overflow to +inf,
   * which still compares as "over budget". */
  double window_s = ((double)s->meta.warmup_ns + (double)s->meta.duration_ns) / 1e9;
  for (uint32_t i = 0; i < s->n_traffic && rc == 0; i++) {
    const scenario_traffic *t = &s->traffic[i];
    double v = work_entry_visits(&g, t, memo);
    double roots = work_roots(t, window_s, (double)s->meta.duration_ns / 1e9);
    out->roots += roots;
    out->visits += roots * v;
    out->max_visits_root = fmax(out->max_visits_root, v);
  }
  if (rc == 0)
    out->setup = work_setup(s, &g) * (double)s->mesh.n_modes;
  free(memo);
  op_graph_release(&g);
  if (rc != 0)
    return rc;

  double per_visit = 0;
  for (uint32_t m = 0; m < s->mesh.n_modes; m++)
    per_visit += work_events_per_visit(s->mesh.modes[m]);
  /* Failure drills run in drill replications apart from the steady ones
   * (model_run.c), doubling the events of every mode they hit; counted as if
   * they hit every mode (a node drill does). */
  double runs = s->n_failures > 0 ? 2.0 : 1.0;
  out->events = out->visits * per_visit * (double)s->meta.replications * runs;

  out->series_seconds = ceil((double)s->meta.duration_ns / 1e9) + 1;
  double pods = (double)scenario_pod_count(s);
  double series =
      WORK_SERIES_PER_MODE(MESH_KIND_COUNT - (s->n_gateways ? 0 : 1)) + (double)s->n_failures;
  double rings = 0; /* bounded waiting rooms: a start time per place per pod */
  for (uint32_t i = 0; i < s->n_services; i++)
    rings += (double)s->services[i].replicas * s->services[i].queue_limit * sizeof(int64_t);
  out->mode_memory = series * out->series_seconds * sizeof(double) +
                     (double)s->n_failures * pods + /* drill marks per pod */
                     pods * (WORK_BYTES_PER_POD + 2 * WORK_BYTES_PER_STATION) + rings;
  out->modes = s->mesh.n_modes;
  return 0;
}

double work_memory(const work_estimate *w, uint32_t jobs) {
  double at_once = jobs > 1 ? fmin((double)jobs, (double)w->modes) : 1;
  return w->mode_memory * at_once;
}

void work_describe(const work_estimate *w, uint32_t jobs, char *buf, size_t n) {
  double visits_per_root = w->roots > 0 ? w->visits / w->roots : 0;
  int k = snprintf(buf, n, "about %.2g engine events (%.2g requests, %.3g calls each)", w->events,
                   w->roots, visits_per_root);
  /* The structural analysis is named once it is a tenth of the work. */
  if (k >= 0 && (size_t)k < n && w->setup / WORK_SETUP_PER_EVENT > 0.1 * w->events)
    k += snprintf(buf + k, n - (size_t)k, " and %.2g steps of blast-radius analysis", w->setup);
  if (k >= 0 && (size_t)k < n)
    snprintf(buf + k, n - (size_t)k, ", %.3g MiB", work_memory(w, jobs) / (1024.0 * 1024.0));
}

int work_check(const work_estimate *w, const work_budget *b, uint32_t jobs, const char *file,
               diag_list *d) {
  work_budget def = {WORK_DEFAULT_MAX_EVENTS, WORK_DEFAULT_MAX_MEMORY};
  if (!b)
    b = &def;
  char what[256];
  work_describe(w, jobs, what, sizeof what);
  /* !(x <= max) so that NaN is refused too. */
  if (!(work_units(w) <= b->max_events)) {
    diag_error(d, file, 0, 0,
               "the run would take %s: more than the budget of %.3g events (about an hour "
               "at a few million events per second); shorten metadata.duration, lower the "
               "rates or the replications, or raise the budget with --max-events",
               what, b->max_events);
    return SIM_ERANGE;
  }
  if (!(work_memory(w, jobs) <= b->max_memory_bytes)) {
    diag_error(d, file, 0, 0,
               "the run would take %s: more than the memory budget of %.0f MiB; shorten "
               "metadata.duration, use fewer --jobs, or raise the budget with --max-memory",
               what, b->max_memory_bytes / (1024.0 * 1024.0));
    return SIM_ERANGE;
  }
  return 0;
}
