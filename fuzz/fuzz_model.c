/* fuzz_model: end to end, from scenario bytes through model_run.
 *
 * The input is a scenario file, loaded as fuzz_scenario loads it. When it
 * loads without errors it is clamped to a small run (below) and simulated in
 * every mode it lists, so the fuzzer reaches topology building, placement,
 * blast radius, failure plans, the event loop with retries, timeouts,
 * bursts, drills and autoscaling, and the result arithmetic, not only the
 * parser. Inputs that name a CSV file are skipped (fuzz_support.h).
 *
 * The clamp edits the loaded scenario struct (models/scenario.h), keeping
 * every invariant the loader checks (a cap never goes below 1 where the
 * loader demands 1, and caps keep count <= max pairs ordered), so the model
 * sees a scenario a user could have written:
 *   - duration <= 2 s, warm-up <= 1 s, 1 replication; when the duration is
 *     cut, failure and burst times and autoscale delays shrink by the same
 *     factor, so drills still fall inside the window;
 *   - at most 64 services and 16 node pools (more: not run), 4 replicas per
 *     service, 8 nodes per pool at the start and 16 at most, 16 workers per
 *     proxy or pod, 4 waypoint replicas (8 when autoscaled), 3 calls per
 *     call entry, 2 attempts per call, bursts at most 4x;
 *   - work: the expected calls per root request are summed down the call
 *     DAG (count x probability x attempts); a scenario where one request to
 *     any service expects more than FUZZ_MODEL_MAX_CALLS is not run, and
 *     rates are scaled down together (not below FUZZ_MODEL_MIN_RATE) until
 *     the whole run (peak burst multiplier included) expects at most
 *     FUZZ_MODEL_MAX_CALLS calls per mode.
 * With that, an input runs in well under 100 ms (fuzz_replay prints the
 * slowest). Profiles are the builtin ones, loaded once: mesh.profile and
 * mesh.sidecar_profile pick them by name, and a name that is no builtin
 * (including a path, which the CLI would read from disk) falls back to
 * FUZZ_MODEL_DEFAULT_PROFILE. A mode the profiles cannot calibrate (ambient
 * with linkerd) is not run, as the CLI refuses it. The run traces its first
 * requests and reports progress to callbacks that discard them, and an odd
 * metadata.seed runs the modes in two threads (the result must not change). */
#include "fuzz_support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "op_graph.h"
#include "profile_load.h"
#include "scenario_load.h"

#define FUZZ_MODEL_DURATION_NS     (2 * SIM_S)
#define FUZZ_MODEL_WARMUP_NS       (1 * SIM_S)
#define FUZZ_MODEL_MAX_SERVICES    64u
#define FUZZ_MODEL_MAX_POOLS       16u
#define FUZZ_MODEL_MAX_REPLICAS    4u
#define FUZZ_MODEL_MAX_POOL_COUNT  8u
#define FUZZ_MODEL_MAX_POOL_MAX    16u
#define FUZZ_MODEL_MAX_WORKERS     16u
#define FUZZ_MODEL_MAX_WAYPOINTS   4u
#define FUZZ_MODEL_MAX_AUTOSCALE   8u
#define FUZZ_MODEL_MAX_CALL_COUNT  3u
#define FUZZ_MODEL_MAX_ATTEMPTS    2u
#define FUZZ_MODEL_MAX_MULTIPLIER  4.0
#define FUZZ_MODEL_MAX_CALLS       1500.0 /* expected calls per mode, warm-up included */
#define FUZZ_MODEL_MIN_RATE        0.1    /* scaling never takes a rate below this (per s) */
#define FUZZ_MODEL_TRACED          2u     /* root requests traced, to run the trace text */
#define FUZZ_MODEL_MAX_PROFILES    16
#define FUZZ_MODEL_DEFAULT_PROFILE "istio-1.24"

typedef struct fuzz_model_profiles {
  profile items[FUZZ_MODEL_MAX_PROFILES];
  size_t n;
} fuzz_model_profiles;

static const fuzz_model_profiles *fuzz_model_builtins(void) {
  static fuzz_model_profiles ps;
  static int ready;
  if (!ready) {
    for (size_t i = 0; i < profile_load_builtin_count() && ps.n < FUZZ_MODEL_MAX_PROFILES; i++) {
      diag_list d;
      diag_list_init(&d);
      if (profile_load_builtin(profile_load_builtin_name(i), &ps.items[ps.n], &d) == 0) {
        ps.n++;
      }
      diag_list_release(&d);
    }
    ready = 1;
  }
  return &ps;
}

/* The builtin named `name`, else the default one; NULL if neither loads. */
static const profile *fuzz_model_profile(const char *name) {
  const fuzz_model_profiles *ps = fuzz_model_builtins();
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < ps->n; i++) {
      if (strcmp(ps->items[i].name, name) == 0) {
        return &ps->items[i];
      }
    }
    name = FUZZ_MODEL_DEFAULT_PROFILE;
  }
  return NULL;
}

static uint32_t fuzz_model_cap(uint32_t v, uint32_t cap) {
  return v < cap ? v : cap;
}

/* t * num / den, kept at 1 ns or more when t was positive (the loader
 * rejects zero where it demands a positive time). */
static sim_time fuzz_model_shrink(sim_time t, sim_time num, sim_time den) {
  if (t <= 0 || num >= den) {
    return t;
  }
  sim_time r = (sim_time)((double)t * ((double)num / (double)den));
  return r > 0 ? r : 1;
}

/* Expected calls (the request itself included) that one request to each
 * operation makes, into memo[] (per op_graph node), callees first; a
 * choice counts the mean of its ways. Returns -1 on a cycle (the loader
 * rejects them) or out of memory. */
static int fuzz_model_calls_of(const scenario *s, const op_graph *g, double *memo) {
  for (uint32_t k = g->n_nodes; k-- > 0;) {
    const op_node *x = &g->nodes[g->order[k]];
    double e = 1.0;
    for (uint32_t j = 0; j < x->n_calls; j++) {
      const scenario_call *c = &x->calls[j];
      double p = c->probability > 0 ? (c->probability < 1 ? c->probability : 1) : 0;
      double below = 0;
      for (uint32_t w = 0; w < scenario_call_n_targets(c); w++) {
        scenario_target t = scenario_call_target_at(c, w);
        double attempts = s->services[t.service].retry.attempts > 1
                              ? (double)s->services[t.service].retry.attempts
                              : 1.0;
        below += t.share * attempts * memo[op_graph_target(g, c, w)];
      }
      e += (double)c->count * p * below;
    }
    memo[g->order[k]] = e;
  }
  return 0;
}

/* Expected calls of one request of traffic entry tr: its mix's mean. */
static double fuzz_model_entry(const op_graph *g, const scenario_traffic *tr, const double *memo) {
  if (tr->n_mix == 0) {
    return memo[op_graph_node(g, tr->service, tr->op)];
  }
  double e = 0;
  for (uint32_t k = 0; k < tr->n_mix; k++) {
    e += tr->mix[k].share * memo[op_graph_node(g, tr->service, tr->mix[k].op)];
  }
  return e;
}

/* Expected calls of the whole run over `seconds` of simulated time. */
static double fuzz_model_load(const scenario *s, const op_graph *g, const double *per_request,
                              double seconds) {
  double load = 0;
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    const scenario_traffic *tr = &s->traffic[i];
    double peak = 1.0;
    for (uint32_t b = 0; b < tr->n_bursts; b++) {
      peak = tr->bursts[b].multiplier > peak ? tr->bursts[b].multiplier : peak;
    }
    load += tr->rate_rps * peak * seconds * fuzz_model_entry(g, tr, per_request);
  }
  return load;
}

static void fuzz_model_clamp_times(scenario *s) {
  scenario_meta *m = &s->meta;
  sim_time old = m->duration_ns;
  if (m->duration_ns > FUZZ_MODEL_DURATION_NS) {
    m->duration_ns = FUZZ_MODEL_DURATION_NS;
  }
  if (m->warmup_ns > FUZZ_MODEL_WARMUP_NS) {
    m->warmup_ns = FUZZ_MODEL_WARMUP_NS;
  }
  m->replications = 1;
  sim_time now = m->duration_ns;
  for (uint32_t i = 0; i < s->n_failures; i++) {
    scenario_failure *f = &s->failures[i];
    f->at_ns = fuzz_model_shrink(f->at_ns, now, old);
    f->duration_ns = fuzz_model_shrink(f->duration_ns, now, old);
    f->drain_ns = fuzz_model_shrink(f->drain_ns, now, old);
  }
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    for (uint32_t b = 0; b < s->traffic[i].n_bursts; b++) {
      scenario_burst *bu = &s->traffic[i].bursts[b];
      bu->at_ns = fuzz_model_shrink(bu->at_ns, now, old);
      bu->duration_ns = fuzz_model_shrink(bu->duration_ns, now, old);
      if (bu->multiplier > FUZZ_MODEL_MAX_MULTIPLIER) {
        bu->multiplier = FUZZ_MODEL_MAX_MULTIPLIER;
      }
    }
  }
  scenario_autoscale *a = &s->waypoint_autoscale;
  a->scale_up_delay_ns = fuzz_model_shrink(a->scale_up_delay_ns, now, old);
  a->scale_down_delay_ns = fuzz_model_shrink(a->scale_down_delay_ns, now, old);
}

static void fuzz_model_clamp_sizes(scenario *s) {
  for (uint32_t p = 0; p < s->cluster.n_pools; p++) {
    scenario_node_pool *pool = &s->cluster.pools[p];
    pool->count = fuzz_model_cap(pool->count, FUZZ_MODEL_MAX_POOL_COUNT);
    pool->max_count = fuzz_model_cap(pool->max_count, FUZZ_MODEL_MAX_POOL_MAX);
  }
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    s->mesh.proxy[k].workers = fuzz_model_cap(s->mesh.proxy[k].workers, FUZZ_MODEL_MAX_WORKERS);
  }
  s->mesh.waypoint_replicas = fuzz_model_cap(s->mesh.waypoint_replicas, FUZZ_MODEL_MAX_WAYPOINTS);
  s->waypoint_autoscale.min_replicas =
      fuzz_model_cap(s->waypoint_autoscale.min_replicas, FUZZ_MODEL_MAX_WAYPOINTS);
  s->waypoint_autoscale.max_replicas =
      fuzz_model_cap(s->waypoint_autoscale.max_replicas, FUZZ_MODEL_MAX_AUTOSCALE);
  for (uint32_t i = 0; i < s->n_namespaces; i++) {
    s->namespaces[i].waypoint_replicas =
        fuzz_model_cap(s->namespaces[i].waypoint_replicas, FUZZ_MODEL_MAX_WAYPOINTS);
  }
  for (uint32_t i = 0; i < s->n_services; i++) {
    scenario_service *sv = &s->services[i];
    sv->replicas = fuzz_model_cap(sv->replicas, FUZZ_MODEL_MAX_REPLICAS);
    sv->app_workers = fuzz_model_cap(sv->app_workers, FUZZ_MODEL_MAX_WORKERS);
    sv->retry.attempts = fuzz_model_cap(sv->retry.attempts, FUZZ_MODEL_MAX_ATTEMPTS);
    for (uint32_t j = 0; j < sv->n_calls; j++) {
      sv->calls[j].count = fuzz_model_cap(sv->calls[j].count, FUZZ_MODEL_MAX_CALL_COUNT);
    }
    for (uint32_t o = 0; o < sv->n_ops; o++) {
      for (uint32_t j = 0; j < sv->ops[o].n_calls; j++) {
        scenario_call *c = &sv->ops[o].calls[j];
        c->count = fuzz_model_cap(c->count, FUZZ_MODEL_MAX_CALL_COUNT);
      }
    }
  }
}

/* Scales the rates down to the work budget; returns 0, or -1 when the
 * scenario cannot be made small enough (it is then not run). */
static int fuzz_model_clamp_work(scenario *s) {
  double seconds = (double)(s->meta.duration_ns + s->meta.warmup_ns) / 1e9;
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    if (s->traffic[i].service >= s->n_services) {
      return -1;
    }
  }
  op_graph g;
  if (op_graph_init(&g, s) != 0) {
    return -1;
  }
  double *memo = calloc(g.n_nodes ? g.n_nodes : 1, sizeof *memo);
  int rc = memo != NULL && op_graph_sort(&g) == 0 ? fuzz_model_calls_of(s, &g, memo) : -1;
  for (uint32_t x = 0; rc == 0 && x < g.n_nodes; x++) {
    if (memo[x] > FUZZ_MODEL_MAX_CALLS) {
      rc = -1;
    }
  }
  if (rc == 0) {
    double load = fuzz_model_load(s, &g, memo, seconds);
    if (load > FUZZ_MODEL_MAX_CALLS) {
      double f = FUZZ_MODEL_MAX_CALLS / load;
      for (uint32_t i = 0; i < s->n_traffic; i++) {
        double r = s->traffic[i].rate_rps;
        double floor = r < FUZZ_MODEL_MIN_RATE ? r : FUZZ_MODEL_MIN_RATE;
        s->traffic[i].rate_rps = r * f > floor ? r * f : floor;
      }
      load = fuzz_model_load(s, &g, memo, seconds);
    }
    rc = load <= 2 * FUZZ_MODEL_MAX_CALLS ? 0 : -1;
  }
  free(memo);
  op_graph_release(&g);
  return rc;
}

/* Every proxy kind a listed mode deploys must be calibrated (as cli_load). */
static int fuzz_model_calibrated(const scenario *s, const profile *primary,
                                 const profile *sidecar) {
  for (uint32_t i = 0; i < s->mesh.n_modes; i++) {
    mesh_mode m = s->mesh.modes[i];
    int need_sidecar = m == MESH_MODE_SIDECAR || m == MESH_MODE_HYBRID;
    int need_ambient =
        m == MESH_MODE_AMBIENT || m == MESH_MODE_AMBIENT_WAYPOINT || m == MESH_MODE_HYBRID;
    if (need_sidecar && !sidecar->has_proxy[MESH_PROXY_SIDECAR]) {
      return 0;
    }
    if (need_ambient &&
        (!primary->has_proxy[MESH_PROXY_ZTUNNEL] || !primary->has_proxy[MESH_PROXY_WAYPOINT])) {
      return 0;
    }
  }
  return 1;
}

static void fuzz_model_trace(void *ctx, const char *line) {
  (void)ctx;
  (void)line;
}

static void fuzz_model_progress(void *ctx, double done) {
  (void)ctx;
  (void)done;
}

static void fuzz_model_run(scenario *s) {
  if (s->n_services > FUZZ_MODEL_MAX_SERVICES || s->cluster.n_pools > FUZZ_MODEL_MAX_POOLS) {
    return;
  }
  fuzz_model_clamp_times(s);
  fuzz_model_clamp_sizes(s);
  if (fuzz_model_clamp_work(s) != 0) {
    return;
  }
  const profile *primary = fuzz_model_profile(s->mesh.profile);
  const profile *sidecar =
      s->mesh.sidecar_profile[0] != '\0' ? fuzz_model_profile(s->mesh.sidecar_profile) : primary;
  if (primary == NULL || sidecar == NULL || !fuzz_model_calibrated(s, primary, sidecar)) {
    return;
  }
  diag_list d;
  diag_list_init(&d);
  volatile int interrupt = 0;
  model_inputs in = {
      .scn = s,
      .proxy_profile = {[MESH_PROXY_SIDECAR] = sidecar,
                        [MESH_PROXY_ZTUNNEL] = primary,
                        [MESH_PROXY_WAYPOINT] = primary,
                        [MESH_PROXY_GATEWAY] = primary},
      .control_plane = &primary->control_plane,
      .profile_name = primary->name,
      .trace = fuzz_model_trace,
      .trace_requests = FUZZ_MODEL_TRACED,
      .progress = fuzz_model_progress,
      .interrupt = &interrupt,
      .jobs = s->meta.seed % 2 == 1 ? 2 : 1,
      .diag = &d,
  };
  run_result r;
  if (model_run(&in, &r) == 0) {
    run_result_release(&r);
  }
  fuzz_support_diag_drain(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  scenario s;
  if (fuzz_support_load(data, size, &s)) {
    fuzz_model_run(&s);
    scenario_release(&s);
  }
  return 0;
}
