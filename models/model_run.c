/* model_run: runs every mode and turns raw replications into results.
 * See model.h. Means are over replications; peaks are the highest one-second
 * average of any replication; quantile CIs come from per-replication values. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attribution.h"
#include "control_plane.h"
#include "cost.h"
#include "blast.h"
#include "capacity.h"
#include "failure.h"
#include "model.h"

#include "err.h"
#include "mode_rules.h"
#include "model_sim.h"
#include "proxy.h"
#include "sim_error.h"
#include "sim_rng.h"
#include "topology.h"
#include "verdict.h"

#define MODEL_MIB (1024.0 * 1024.0)

uint64_t model_replication_seed(uint64_t scenario_seed, uint32_t r) {
  return sim_rng_mix(scenario_seed, 0x5245504cULL /* "REPL" */, r);
}

void mode_result_release(mode_result *m) {
  sim_hist_release(&m->latency_hist_ns);
  free(m->nodes);
  free(m->series.throughput_rps);
  free(m->series.p99_ms);
  free(m->series.error_rate);
  free(m->series.waypoint_replicas);
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    free(m->series.cpu_cores[k]);
  free(m->reps);
  free(m->blast_instances);
  for (uint32_t i = 0; i < m->n_failures; i++)
    free(m->failures[i].error_rate);
  free(m->failures);
  free(m->plan.capacity);
  free(m->plan.node_warnings);
  free(m->namespaces);
  memset(m, 0, sizeof *m);
}

void run_result_release(run_result *r) {
  for (uint32_t i = 0; i < r->n_modes; i++)
    mode_result_release(&r->modes[i]);
  free(r->modes);
  memset(r, 0, sizeof *r);
}

/* Static memory of every proxy (base + config + connections), in bytes. */
static int model_static_memory(const topology *t, const model_inputs *in, double **out) {
  double *mem = calloc(t->n_proxies ? t->n_proxies : 1, sizeof *mem);
  proxy_footprint *f = calloc(t->n_proxies ? t->n_proxies : 1, sizeof *f);
  int rc = mem && f ? proxy_footprints(t, f) : SIM_ENOMEM;
  for (uint32_t x = 0; rc == 0 && x < t->n_proxies; x++) {
    mesh_proxy_kind k = t->proxies[x].kind;
    mem[x] = proxy_memory_bytes(&in->proxy_profile[k]->proxy[k], f[x].services, f[x].endpoints,
                                f[x].connections, 0, 0) +
             proxy_local_memory_bytes(t, &in->proxy_profile[k]->proxy[k], x);
  }
  free(f);
  if (rc != 0) {
    free(mem);
    return rc;
  }
  *out = mem;
  return 0;
}

static void model_fill_latency_ci(mode_result *m) {
  uint32_t n = m->replications;
  double *v = malloc((n ? n : 1) * sizeof *v);
  if (!v)
    return;
#define MODEL_CI(field, ci)                                                                        \
  do {                                                                                             \
    for (uint32_t i = 0; i < n; i++)                                                               \
      v[i] = m->reps[i].field;                                                                     \
    sim_ci95(v, n, &m->latency.ci);                                                                \
  } while (0)
  MODEL_CI(mean_ms, mean_ci);
  MODEL_CI(p50_ms, p50_ci);
  MODEL_CI(p90_ms, p90_ci);
  MODEL_CI(p99_ms, p99_ci);
  MODEL_CI(p999_ms, p999_ci);
#undef MODEL_CI
  free(v);
}

static int model_alloc_outputs(mode_result *out, const topology *t, uint32_t n_seconds,
                               uint32_t reps) {
  out->nodes = calloc(t->n_nodes ? t->n_nodes : 1, sizeof *out->nodes);
  out->reps = calloc(reps, sizeof *out->reps);
  out->series.n_seconds = n_seconds;
  out->series.throughput_rps = calloc(n_seconds + 1, sizeof(double));
  out->series.p99_ms = calloc(n_seconds + 1, sizeof(double));
  out->series.error_rate = calloc(n_seconds + 1, sizeof(double));
  out->series.waypoint_replicas = calloc(n_seconds + 1, sizeof(double));
  int ok = out->nodes && out->reps && out->series.throughput_rps && out->series.p99_ms &&
           out->series.error_rate && out->series.waypoint_replicas &&
           sim_hist_init(&out->latency_hist_ns) == 0;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    out->series.cpu_cores[k] = calloc(n_seconds + 1, sizeof(double));
    ok = ok && out->series.cpu_cores[k];
  }
  return ok ? 0 : SIM_ENOMEM;
}

/* Traffic bursts in the scenario: each is reported as an overload drill. */
static uint32_t model_burst_count(const scenario *s) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->n_traffic; i++)
    n += s->traffic[i].n_bursts;
  return n;
}

/* Start (after warm-up) of drill d: a scenario failure, then bursts in order. */
/* Length of the per-second series: the measured window in whole seconds,
 * computed in 64 bits. SIM_ERANGE past a 32-bit count (about 136 years; the
 * loader stops at 31.7), which would otherwise wrap and size the series too
 * short for the seconds the run writes. */
static int model_series_seconds(const scenario *s, uint32_t *out) {
  uint64_t n = (uint64_t)s->meta.duration_ns / (uint64_t)SIM_S +
               ((uint64_t)s->meta.duration_ns % (uint64_t)SIM_S != 0);
  if (s->meta.duration_ns < 0 || n >= UINT32_MAX)
    return SIM_ERANGE;
  *out = (uint32_t)n;
  return 0;
}

static sim_time model_drill_at(const scenario *s, uint32_t d) {
  if (d < s->n_failures)
    return s->failures[d].at_ns;
  d -= s->n_failures;
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    if (d < s->traffic[i].n_bursts)
      return s->traffic[i].bursts[d].at_ns;
    d -= s->traffic[i].n_bursts;
  }
  return 0;
}

/* One result_failure per scenario drill, named after what it hit in this
 * mode, then one "overload" drill per traffic burst: its failed requests are
 * the timeouts and scale-down resets after it starts, its SLO misses those of
 * requests arriving during it, its recovery the last such failure or miss. */
static int model_failures_init(mode_result *out, const scenario *s, const failure_plan *plan) {
  uint32_t n_bursts = model_burst_count(s);
  out->n_failures = s->n_failures + n_bursts;
  if (out->n_failures == 0)
    return 0;
  out->failures = calloc(out->n_failures, sizeof *out->failures);
  if (!out->failures)
    return SIM_ENOMEM;
  uint32_t n_seconds;
  if (model_series_seconds(s, &n_seconds) != 0)
    return SIM_ERANGE;
  uint32_t bd = s->n_failures;
  for (uint32_t i = 0; i < s->n_traffic; i++)
    for (uint32_t j = 0; j < s->traffic[i].n_bursts; j++, bd++) {
      const scenario_burst *b = &s->traffic[i].bursts[j];
      result_failure *rf = &out->failures[bd];
      snprintf(rf->name, sizeof rf->name, "burst-%u", bd - s->n_failures + 1);
      snprintf(rf->component, sizeof rf->component, "overload");
      snprintf(rf->instance, sizeof rf->instance, "%.40s x%g",
               s->services[s->traffic[i].service].name, b->multiplier);
      rf->has_target = true; /* the burst hits its entry service */
      rf->detect_s = NAN;
      rf->at_s = (double)b->at_ns / 1e9;
      rf->down_s = (double)b->duration_ns / 1e9;
      rf->n_seconds = n_seconds;
      rf->error_rate = calloc(n_seconds + 1, sizeof(double));
      if (!rf->error_rate)
        return SIM_ENOMEM;
    }
  for (uint32_t d = 0; d < s->n_failures; d++) {
    const scenario_failure *f = &s->failures[d];
    result_failure *rf = &out->failures[d];
    snprintf(rf->name, sizeof rf->name, "%s", f->name);
    snprintf(rf->component, sizeof rf->component, "%s", failure_target_name(f->target));
    snprintf(rf->instance, sizeof rf->instance, "%s",
             f->target == SCN_FAIL_CONTROL_PLANE ? "istiod" : "(none in this mode)");
    rf->has_target = f->target == SCN_FAIL_CONTROL_PLANE;
    for (uint32_t i = 0; i < plan->n_outages; i++)
      if (plan->outages[i].drill == d) {
        rf->has_target = true;
        snprintf(rf->instance, sizeof rf->instance, "%.45s%s", plan->outages[i].instance,
                 f->pick == SCN_PICK_ROLLING ? " (rolling, first)" : "");
        break;
      }
    rf->at_s = (double)f->at_ns / 1e9;
    rf->detect_s = NAN;
    rf->down_s = (double)(f->kind == SCN_FAIL_UPGRADE ? f->drain_ns : f->duration_ns) / 1e9;
    rf->n_seconds = n_seconds;
    rf->error_rate = calloc(n_seconds + 1, sizeof(double));
    if (!rf->error_rate)
      return SIM_ENOMEM;
  }
  return 0;
}

/* Adds one replication's outcomes of drills [d0, d1) (means over
 * replications at the end). */
static void model_failures_add(mode_result *out, const topology *t, const model_rep *rep,
                               uint32_t r, uint32_t d0, uint32_t d1) {
  const scenario *s = t->scn;
  for (uint32_t d = d0; d < d1; d++) {
    result_failure *rf = &out->failures[d];
    rf->failed_requests += rep->drill_failed[d]; /* slo_violations: model_windows_add */
    if (rep->drill_detect_ns[d] > 0) /* the same in every replication: set by the plan */
      rf->detect_s = (double)rep->drill_detect_ns[d] / 1e9;
    const uint8_t *row = rep->drill_pods + (size_t)d * rep->n_pods;
    uint8_t *svc = calloc(s->n_services ? s->n_services : 1, 1);
    uint8_t *ns = calloc(s->n_namespaces ? s->n_namespaces : 1, 1);
    uint32_t pods = 0, nsvc = 0, nns = 0, ntenants = 0;
    if (svc && ns) {
      for (uint32_t p = 0; p < rep->n_pods; p++)
        if (row[p]) {
          pods++;
          uint32_t sv = t->pods[p].service;
          nsvc += !svc[sv];
          svc[sv] = 1;
          nns += !ns[s->services[sv].ns];
          ns[s->services[sv].ns] = 1;
        }
      for (uint32_t a = 0; a < s->n_namespaces; a++) { /* distinct tenants among them */
        if (!ns[a])
          continue;
        int seen = 0;
        for (uint32_t b = 0; b < a && !seen; b++)
          seen = ns[b] && !strcmp(s->namespaces[a].tenant, s->namespaces[b].tenant);
        ntenants += !seen;
      }
    }
    free(svc);
    free(ns);
    if (pods > rf->affected_pods)
      rf->affected_pods = pods;
    if (nsvc > rf->affected_services)
      rf->affected_services = nsvc;
    if (nns > rf->affected_namespaces)
      rf->affected_namespaces = nns;
    if (ntenants > rf->affected_tenants)
      rf->affected_tenants = ntenants;
    double at = ((double)s->meta.warmup_ns + (double)model_drill_at(s, d)) / 1e9;
    if (rep->drill_failed[d] > 0 || (d >= s->n_failures && rep->drill_slo[d] > 0)) {
      double rec = (double)rep->drill_last_fail_ns[d] / 1e9 - at;
      rf->recovery_s += (rec > 0 ? rec : 0) / s->meta.replications;
    }
    if (r == 0)
      for (uint32_t sec = 0; sec < rf->n_seconds; sec++) {
        double done = rep->done_sec[sec] + rep->failed_sec[sec];
        double failed = rep->drill_failed_sec[(size_t)d * (rep->n_seconds + 1) + sec];
        rf->error_rate[sec] = done > 0 ? failed / done : 0;
      }
  }
}

/* Turns sums over replications into means. */
static void model_failures_finish(mode_result *out, const scenario *s) {
  for (uint32_t d = 0; d < out->n_failures; d++) {
    result_failure *rf = &out->failures[d];
    rf->failed_requests = (rf->failed_requests + s->meta.replications / 2) / s->meta.replications;
    rf->slo_violations = (rf->slo_violations + s->meta.replications / 2) / s->meta.replications;
  }
}

#define MODEL_MAX_WORKERS 64 /* threads of one run; more would only wait */

/* Replications done across all modes (shared by threads) for progress, in
 * replication units (a steady and a drill simulation are half a unit each
 * when a mode runs both), plus the share done of the simulation each worker
 * is running. */
typedef struct model_progress {
  pthread_mutex_t lock;
  double done;
  uint32_t total;
  double partial[MODEL_MAX_WORKERS];
  const model_inputs *in;
} model_progress;

static void model_progress_report(model_progress *p) {
  double sum = p->done;
  for (int i = 0; i < MODEL_MAX_WORKERS; i++)
    sum += p->partial[i];
  p->in->progress(p->in->progress_ctx, sum / (double)p->total);
}

/* A simulation of `units` replications finished on worker `slot`. */
static void model_progress_step(const model_inputs *in, model_progress *p, uint32_t slot,
                                double units) {
  if (!in->progress)
    return;
  pthread_mutex_lock(&p->lock);
  p->done += units;
  p->partial[slot % MODEL_MAX_WORKERS] = 0;
  model_progress_report(p);
  pthread_mutex_unlock(&p->lock);
}

/* Within a simulation: one tick per simulated second. */
typedef struct model_tick_ctx {
  model_progress *prog;
  uint32_t slot; /* the worker running it */
  double scale;  /* replication units it is worth */
} model_tick_ctx;

static void model_progress_tick(void *ctx, double done) {
  model_tick_ctx *t = ctx;
  model_progress *p = t->prog;
  if (!p->in || !p->in->progress)
    return;
  pthread_mutex_lock(&p->lock);
  p->partial[t->slot % MODEL_MAX_WORKERS] = t->scale * done;
  model_progress_report(p);
  pthread_mutex_unlock(&p->lock);
}

/* ---- one mode --------------------------------------------------------------- */

/* What every replication of one mode shares: the topology, the drills
 * resolved against it, and per-kind constants fixed by the topology. */
typedef struct model_mode {
  const model_inputs *in;
  const scenario *s;
  topology t;
  failure_plan plan;
  double *static_mem;                     /* per proxy: base + config + connections, bytes */
  double idle_cores[MESH_KIND_COUNT];     /* per kind: idle CPU of its proxies */
  double static_kind[MESH_KIND_COUNT];    /* per kind: static memory, bytes */
  double inflight_bytes[MESH_KIND_COUNT]; /* per kind: memory per request in flight */
  double heap_bytes[MESH_KIND_COUNT];     /* per kind: heap per busy core (per_busy_core) */
  uint32_t n_seconds;                     /* one-second buckets of the window (last may be part) */
  uint32_t n_stations;                    /* pods then proxies, as model_sim.h numbers them */
  double duration_s;                      /* the measured window: T in the formulas below */
  double cross_zone_bytes;                /* summed over replications */
  double *utilisation;                    /* per station: offered utilisation, summed over reps */
  sim_hist fail_ns;                       /* time to failure of failed requests, all reps */
  sim_hist *window_steady;                /* per drill: latency in its window, steady reps */
  sim_hist *window_drill;                 /* per failure drill: the same in drill reps */
  uint32_t n_windows;
  /* node agents (istio-cni), all nodes: on the ztunnels' line, out of their sizing */
  double agent_cores, agent_mem_bytes;
  /* receivers of an endpoint push (proxy.h) */
  double push_receivers, push_receiver_endpoints;
  /* What capacity.h reads, summed over replications: per station its worker
   * time per second and the time requests spent there, per proxy its
   * memory, the autoscaled waypoint replicas' worker time per second; per
   * proxy kind one sample per second of every replication of its use per
   * instance (cores, bytes). */
  double *cores, *sojourn_ns, *proxy_mem;
  double extra_cores;
  double *second_cores[MESH_PROXY_COUNT], *second_mem[MESH_PROXY_COUNT];
  attribution_acc attribution; /* per namespace, summed over steady replications */
} model_mode;

static void model_mode_release(model_mode *mm) {
  sim_hist_release(&mm->fail_ns);
  for (uint32_t d = 0; d < mm->n_windows; d++) {
    sim_hist_release(&mm->window_steady[d]);
    sim_hist_release(&mm->window_drill[d]);
  }
  free(mm->window_steady);
  free(mm->window_drill);
  failure_plan_release(&mm->plan);
  free(mm->static_mem);
  free(mm->utilisation);
  free(mm->cores);
  free(mm->sojourn_ns);
  free(mm->proxy_mem);
  attribution_acc_release(&mm->attribution);
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    free(mm->second_cores[k]);
    free(mm->second_mem[k]);
  }
  topo_release(&mm->t);
}

/* An application pod's memory: its working set, or its request when the
 * scenario gives none (the scenario's default). */
static double model_app_memory(const scenario_service *svc) {
  return (double)(svc->working_set_bytes >= 0 ? svc->working_set_bytes : svc->mem_request_bytes);
}

/* Per kind, fixed for the topology: idle CPU, static memory (base + config
 * + connections), memory per request in flight and per busy core. */
static void model_mode_kind_constants(model_mode *mm) {
  const topology *t = &mm->t;
  const model_inputs *in = mm->in;
  for (uint32_t x = 0; x < t->n_proxies; x++) {
    mesh_proxy_kind k = t->proxies[x].kind;
    mm->idle_cores[mesh_proxy_kind_to_kind(k)] +=
        proxy_idle_cores(t, &in->proxy_profile[k]->proxy[k], x);
    mm->static_kind[mesh_proxy_kind_to_kind(k)] += mm->static_mem[x];
  }
  const profile *zp = in->proxy_profile[MESH_PROXY_ZTUNNEL];
  if (zp->has_node_agent) { /* one beside every ztunnel */
    mm->agent_cores = t->n_by_kind[MESH_PROXY_ZTUNNEL] * zp->node_agent.idle_millicores / 1000.0;
    mm->agent_mem_bytes = t->n_by_kind[MESH_PROXY_ZTUNNEL] * zp->node_agent.mem_bytes;
  }
  for (int pk = 0; pk < MESH_PROXY_COUNT; pk++) {
    mesh_kind k = mesh_proxy_kind_to_kind((mesh_proxy_kind)pk);
    mm->inflight_bytes[k] = in->proxy_profile[pk]->proxy[pk].mem_per_inflight_bytes;
    mm->heap_bytes[k] = in->proxy_profile[pk]->proxy[pk].mem_per_busy_core_bytes;
  }
  for (uint32_t p = 0; p < t->n_pods; p++) { /* applications: idle CPU and working set */
    const scenario_service *svc = &mm->s->services[t->pods[p].service];
    mm->idle_cores[MESH_KIND_APP] += svc->idle_millicores / 1000.0;
    mm->static_kind[MESH_KIND_APP] += model_app_memory(svc);
  }
}

/* Builds the mode's topology and its constants. Pools that cannot hold the
 * pods are a failure the scenario can fix: it gets a message in diag. On
 * failure the caller still calls model_mode_release. */
static int model_mode_init(model_mode *mm, const model_inputs *in, mesh_mode mode,
                           diag_list *diag) {
  const scenario *s = in->scn;
  memset(mm, 0, sizeof *mm);
  mm->in = in;
  mm->s = s;
  int rc = model_series_seconds(s, &mm->n_seconds);
  if (rc != 0) {
    diag_error(diag, s->path, 0, 0,
               "metadata.duration is too long: its per-second series would need more than 2^32 "
               "entries");
    return rc;
  }
  mm->duration_s = (double)s->meta.duration_ns / 1e9;
  rc = topo_build(&mm->t, s, in->proxy_profile, in->control_plane, mode, s->meta.seed);
  if (rc == SIM_ERANGE)
    diag_error(diag, s->path, 0, 0,
               "the pods do not fit in mode %s: every node pool is at its `max` count; raise "
               "cluster.nodes[].max or remove it to let meshsim add nodes",
               mesh_mode_name(mode));
  if (rc != 0)
    return rc;
  mm->n_stations = mm->t.n_pods + mm->t.n_proxies;
  size_t ns = mm->n_stations ? mm->n_stations : 1;
  mm->utilisation = calloc(ns, sizeof *mm->utilisation);
  mm->cores = calloc(ns, sizeof *mm->cores);
  mm->sojourn_ns = calloc(ns, sizeof *mm->sojourn_ns);
  mm->proxy_mem = calloc(mm->t.n_proxies ? mm->t.n_proxies : 1, sizeof *mm->proxy_mem);
  if (!mm->utilisation || !mm->cores || !mm->sojourn_ns || !mm->proxy_mem)
    return SIM_ENOMEM;
  size_t samples = (size_t)s->meta.replications * mm->n_seconds;
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    if (mm->t.n_by_kind[k] && samples &&
        (!(mm->second_cores[k] = malloc(samples * sizeof(double))) ||
         !(mm->second_mem[k] = malloc(samples * sizeof(double)))))
      return SIM_ENOMEM;
  if (sim_hist_init(&mm->fail_ns) != 0)
    return SIM_ENOMEM;
  uint32_t nw = s->n_failures + model_burst_count(s);
  mm->window_steady = calloc(nw ? nw : 1, sizeof *mm->window_steady);
  mm->window_drill = calloc(nw ? nw : 1, sizeof *mm->window_drill);
  if (!mm->window_steady || !mm->window_drill)
    return SIM_ENOMEM;
  for (; mm->n_windows < nw; mm->n_windows++)
    if (sim_hist_init(&mm->window_steady[mm->n_windows]) != 0 ||
        sim_hist_init(&mm->window_drill[mm->n_windows]) != 0) {
      mm->n_windows++; /* release what was made */
      return SIM_ENOMEM;
    }
  if ((rc = model_static_memory(&mm->t, in, &mm->static_mem)) != 0)
    return rc;
  if (s->cluster.pod_churn_per_s > 0 &&
      (rc = proxy_push_receivers(&mm->t, &mm->push_receivers, &mm->push_receiver_endpoints)) != 0)
    return rc;
  model_mode_kind_constants(mm);
  return 0;
}

/* Capacity and reservations of every node (Kubernetes requests plus the
 * system reservation and the node's ztunnel and node agent), and the node
 * agent's use (na: NULL when the profile has none). */
static void model_fill_nodes(const topology *t, const profile_node_agent *na, mode_result *out) {
  const scenario *s = t->scn;
  for (uint32_t n = 0; n < t->n_nodes; n++) {
    result_node *rn = &out->nodes[n];
    const topo_node *tn = &t->nodes[n];
    topo_node_name(t, n, rn->name, sizeof rn->name);
    rn->zone = tn->zone;
    rn->pods = tn->n_pods;
    rn->capacity_cpu_cores = (double)s->cluster.pools[tn->pool].cpu_millicores / 1000.0;
    rn->capacity_mem_mib = (double)s->cluster.pools[tn->pool].mem_bytes / MODEL_MIB;
    rn->reserved_cpu_cores =
        (double)(tn->alloc_millicores + s->cluster.system_reserved_millicores) / 1000.0;
    rn->reserved_mem_mib =
        (double)(tn->alloc_mem_bytes + s->cluster.system_reserved_mem_bytes) / MODEL_MIB;
    if (tn->ztunnel != TOPO_NONE) {
      rn->reserved_cpu_cores +=
          (double)t->proxy_settings[MESH_PROXY_ZTUNNEL].request_millicores / 1000.0;
      rn->reserved_mem_mib +=
          (double)t->proxy_settings[MESH_PROXY_ZTUNNEL].request_mem_bytes / MODEL_MIB;
      rn->reserved_cpu_cores += (double)t->node_agent.millicores / 1000.0;
      rn->reserved_mem_mib += (double)t->node_agent.mem_bytes / MODEL_MIB;
      if (na) {
        rn->cpu_cores[MESH_KIND_ZTUNNEL] += na->idle_millicores / 1000.0;
        rn->mem_mib[MESH_KIND_ZTUNNEL] += na->mem_bytes / MODEL_MIB;
      }
    }
  }
}

/* The parts of out the topology fixes before any replication: nodes, blast
 * radius and drills. A drill naming no instance gets a message in diag. */
static int model_fill_structure(model_mode *mm, diag_list *diag, mode_result *out) {
  const scenario *s = mm->s;
  int rc = model_alloc_outputs(out, &mm->t, mm->n_seconds, s->meta.replications);
  if (rc != 0)
    return rc;
  const profile *zp = mm->in->proxy_profile[MESH_PROXY_ZTUNNEL];
  model_fill_nodes(&mm->t, zp->has_node_agent ? &zp->node_agent : NULL, out);
  if ((rc = blast_compute(&mm->t, out->blast, out->has_blast, &out->blast_instances,
                          &out->n_blast_instances)) != 0 ||
      (rc = failure_plan_build(&mm->plan, &mm->t, s->meta.seed, diag)) != 0)
    return rc;
  return model_failures_init(out, s, &mm->plan);
}

/* Mean and quantiles of a latency histogram in ms (the CIs are left alone). */
static void model_latency_of(const sim_hist *h, result_latency *l) {
  if (h->count == 0) { /* nothing succeeded: no latency to show, never "0 ms" */
    l->mean_ms = l->p50_ms = l->p90_ms = l->p99_ms = l->p999_ms = NAN;
    return;
  }
  l->mean_ms = sim_hist_mean(h) / 1e6;
  l->p50_ms = sim_hist_quantile(h, 0.5) / 1e6;
  l->p90_ms = sim_hist_quantile(h, 0.9) / 1e6;
  l->p99_ms = sim_hist_quantile(h, 0.99) / 1e6;
  l->p999_ms = sim_hist_quantile(h, 0.999) / 1e6;
}

/* Length in seconds of second `sec` of the window: the last may be partial. */
static double model_second_len(const model_mode *mm, uint32_t sec) {
  return sec + 1 < mm->n_seconds ? 1.0 : mm->duration_s - sec;
}

/* Counts and latency of one replication, into rr and the mode's sums. */
static void model_add_counts(model_mode *mm, const model_rep *rep, uint64_t seed,
                             result_replication *rr, mode_result *out) {
  rr->seed = seed;
  rr->requests = rep->requests;
  rr->errors = rep->errors;
  rr->slo_violations = rep->slo_violations;
  rr->throughput_rps = (double)rep->requests / mm->duration_s;
  result_latency l;
  model_latency_of(&rep->latency_ns, &l);
  rr->mean_ms = l.mean_ms;
  rr->p50_ms = l.p50_ms;
  rr->p90_ms = l.p90_ms;
  rr->p99_ms = l.p99_ms;
  rr->p999_ms = l.p999_ms;
  rr->wall_s = rep->wall_s;
  rr->events = rep->events;
  sim_hist_merge(&out->latency_hist_ns, &rep->latency_ns);
  out->requests += rep->requests;
  out->errors += rep->errors;
  out->slo_violations += rep->slo_violations;
  out->unfinished += rep->unfinished;
  out->error_causes.timeout += rep->err_timeout;
  out->error_causes.rejected += rep->err_rejected;
  out->error_causes.outage += rep->err_outage;
  sim_hist_merge(&mm->fail_ns, &rep->fail_ns);
  mm->cross_zone_bytes += rep->cross_zone_bytes;
}

/* Effective workers of station st, as model_sim.c sets it up: a CPU limit
 * leaves fewer (proxy.h). */
static uint32_t model_station_workers(const model_mode *mm, uint32_t st) {
  const topology *t = &mm->t;
  uint32_t workers = 1;
  if (st < t->n_pods) {
    const scenario_service *svc = &mm->s->services[t->pods[st].service];
    proxy_throttle(svc->app_workers ? svc->app_workers : 1, svc->cpu_limit_millicores, &workers);
  } else {
    const topo_proxy_settings *ps = &t->proxy_settings[t->proxies[st - t->n_pods].kind];
    proxy_throttle(ps->workers, ps->limit_millicores, &workers);
  }
  return workers ? workers : 1;
}

/* CPU and memory of every station: into rr per kind (memory into kind_mem,
 * bytes) and onto its node as a mean over replications. */
static void model_add_stations(model_mode *mm, const model_rep *rep, result_replication *rr,
                               double kind_mem[MESH_KIND_COUNT], mode_result *out) {
  const topology *t = &mm->t;
  const double T = mm->duration_s;
  const uint32_t reps = mm->s->meta.replications;
  for (uint32_t st = 0; st < mm->n_stations; st++) {
    uint32_t node;
    mesh_kind kind;
    double mem = 0;
    double idle = 0;
    double cores = rep->busy_ns[st] / 1e9 / T;
    if (st < t->n_pods) {
      const scenario_service *svc = &mm->s->services[t->pods[st].service];
      node = t->pods[st].node;
      kind = MESH_KIND_APP;
      mem = model_app_memory(svc);
      idle = svc->idle_millicores / 1000.0; /* the kind's total is in idle_cores */
    } else {
      uint32_t x = st - t->n_pods;
      mesh_proxy_kind pk = t->proxies[x].kind;
      node = t->proxies[x].node;
      kind = mesh_proxy_kind_to_kind(pk);
      const profile_proxy *pp = &mm->in->proxy_profile[pk]->proxy[pk];
      /* load-dependent memory: requests in flight and the heap of the work done */
      mem = mm->static_mem[x] + pp->mem_per_inflight_bytes * rep->sojourn_ns[st] / 1e9 / T +
            pp->mem_per_busy_core_bytes * cores;
    }
    mm->utilisation[st] += cores / model_station_workers(mm, st);
    mm->cores[st] += cores;
    mm->sojourn_ns[st] += rep->sojourn_ns[st];
    if (st >= t->n_pods)
      mm->proxy_mem[st - t->n_pods] += mem;
    rr->cpu_cores[kind] += cores;
    kind_mem[kind] += mem;
    out->nodes[node].cpu_cores[kind] += (cores + idle) / reps;
    out->nodes[node].mem_mib[kind] += mem / MODEL_MIB / reps;
  }
}

/* Per kind: idle and autoscaled CPU on top of the stations', means over
 * replications, one-second peaks, and replication 0's CPU series. */
static void model_add_kinds(const model_mode *mm, const model_rep *rep, uint32_t r,
                            const double kind_mem[MESH_KIND_COUNT], result_replication *rr,
                            mode_result *out) {
  const double T = mm->duration_s;
  const uint32_t reps = mm->s->meta.replications;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    result_kind_usage *ku = &out->kind[k];
    const double agent_cores = k == MESH_KIND_ZTUNNEL ? mm->agent_cores : 0;
    const double agent_mem = k == MESH_KIND_ZTUNNEL ? mm->agent_mem_bytes : 0;
    rr->cpu_cores[k] += mm->idle_cores[k] + agent_cores;
    if (k == MESH_KIND_WAYPOINT) /* autoscaled replicas beyond the placed ones */
      rr->cpu_cores[k] += rep->extra_busy_ns / 1e9 / T;
    rr->mem_mib[k] = (kind_mem[k] + agent_mem) / MODEL_MIB;
    ku->cpu_cores_mean += rr->cpu_cores[k] / reps;
    ku->mem_mib_mean += rr->mem_mib[k] / reps;
    for (uint32_t sec = 0; sec < mm->n_seconds; sec++) {
      double len = model_second_len(mm, sec);
      double cpu = rep->cpu_ns_sec[k][sec] / 1e9 / len + mm->idle_cores[k] + agent_cores;
      if (cpu > ku->cpu_cores_peak)
        ku->cpu_cores_peak = cpu;
      double memp = (mm->static_kind[k] + agent_mem +
                     (mm->inflight_bytes[k] * rep->inflight_ns_sec[k][sec] +
                      mm->heap_bytes[k] * rep->cpu_ns_sec[k][sec]) /
                         1e9 / len) /
                    MODEL_MIB;
      if (memp > ku->mem_mib_peak)
        ku->mem_mib_peak = memp;
      if (r == 0)
        out->series.cpu_cores[k][sec] = cpu;
    }
  }
}

/* Replication r's per-second use per instance of every proxy kind, for the
 * right-sized requests (capacity.h): the kind's worker time in the second
 * over its instances (with autoscaling, the waypoint replicas active then),
 * plus one instance's idle CPU; its static memory per placed instance plus
 * the in-flight and heap (per busy core) memory per instance. */
static void model_add_seconds(model_mode *mm, const model_rep *rep, uint32_t r) {
  const topology *t = &mm->t;
  for (int pk = 0; pk < MESH_PROXY_COUNT; pk++) {
    if (!mm->second_cores[pk])
      continue;
    mesh_kind k = mesh_proxy_kind_to_kind((mesh_proxy_kind)pk);
    double placed = t->n_by_kind[pk];
    double idle = mm->idle_cores[k] / placed;
    for (uint32_t sec = 0; sec < mm->n_seconds; sec++) {
      double len = model_second_len(mm, sec);
      double active = placed;
      if (pk == MESH_PROXY_WAYPOINT && mm->s->waypoint_autoscale.enabled &&
          rep->waypoint_replicas_sec[sec] > 0)
        active = rep->waypoint_replicas_sec[sec];
      size_t i = (size_t)r * mm->n_seconds + sec;
      mm->second_cores[pk][i] = rep->cpu_ns_sec[k][sec] / 1e9 / len / active + idle;
      mm->second_mem[pk][i] =
          mm->static_kind[k] / placed + (mm->inflight_bytes[k] * rep->inflight_ns_sec[k][sec] +
                                         mm->heap_bytes[k] * rep->cpu_ns_sec[k][sec]) /
                                            1e9 / len / active;
    }
  }
  mm->extra_cores += rep->extra_busy_ns / 1e9 / mm->duration_s;
}

/* Replication 0's per-second series (CPU per kind is model_add_kinds'). */
static void model_fill_series(const model_mode *mm, const model_rep *rep, mode_result *out) {
  for (uint32_t sec = 0; sec < mm->n_seconds; sec++) {
    double len = model_second_len(mm, sec);
    out->series.throughput_rps[sec] = rep->done_sec[sec] / len;
    out->series.p99_ms[sec] = rep->p99_ms_sec[sec];
    double all = rep->done_sec[sec] + rep->failed_sec[sec];
    out->series.error_rate[sec] = all > 0 ? rep->failed_sec[sec] / all : 0;
    out->series.waypoint_replicas[sec] = mm->s->waypoint_autoscale.enabled
                                             ? rep->waypoint_replicas_sec[sec]
                                             : mm->t.n_by_kind[MESH_PROXY_WAYPOINT];
  }
}

/* One replication's requests in the drills' windows: latency and SLO
 * misses of the steady state (steady = true: every drill) or with the
 * failure drills (their windows only). */
static void model_windows_add(model_mode *mm, const model_rep *rep, bool steady, mode_result *out) {
  uint32_t n = steady ? mm->n_windows : mm->s->n_failures;
  bool drill_reps = mm->plan.n_outages > 0;
  for (uint32_t d = 0; d < n && d < rep->n_drills; d++) {
    result_failure *rf = &out->failures[d];
    sim_hist_merge(steady ? &mm->window_steady[d] : &mm->window_drill[d], &rep->drill_lat[d]);
    bool own = d < mm->s->n_failures && drill_reps && rf->has_target;
    if (steady)
      rf->slo_violations_steady += rep->drill_window_slo[d];
    /* The drill's own count comes from the replication that has the drill:
     * a burst's and a drill's that hit nothing in this mode are steady. */
    if (steady != own)
      rf->slo_violations += rep->drill_window_slo[d];
  }
}

/* p99 during each drill and in the steady state, once every replication ran. */
static void model_windows_finish(const model_mode *mm, mode_result *out) {
  bool drill_reps = mm->plan.n_outages > 0;
  uint32_t reps = mm->s->meta.replications;
  for (uint32_t d = 0; d < mm->n_windows && d < out->n_failures; d++) {
    result_failure *rf = &out->failures[d];
    const sim_hist *steady = &mm->window_steady[d];
    double p99 = steady->count ? sim_hist_quantile(steady, 0.99) / 1e6 : NAN;
    if (d >= mm->s->n_failures) { /* a burst: during it against the whole window */
      rf->p99_during_ms = p99;
      rf->p99_steady_ms = out->latency.p99_ms;
    } else {
      const sim_hist *with = &mm->window_drill[d];
      rf->p99_steady_ms = p99;
      rf->p99_during_ms = !drill_reps || !rf->has_target ? p99
                          : with->count                  ? sim_hist_quantile(with, 0.99) / 1e6
                                                         : NAN;
    }
    rf->slo_violations_steady = (rf->slo_violations_steady + reps / 2) / reps;
  }
}

/* Whether the mode runs drill replications: only when a failure drill takes
 * a station down in it. A drill that takes none (a control-plane outage, a
 * kind this mode lacks) would replay the steady state event for event. */
static bool model_has_drill_reps(const model_mode *mm) {
  return mm->plan.n_outages > 0;
}

/* Adds the steady replication r (run without the failure plan) to out:
 * every steady-state figure, and the burst drills (offered load), come from
 * it; the failure drills' too when the mode runs no drill replications. */
static int model_merge_steady(model_mode *mm, const model_rep *rep, uint32_t r, mode_result *out) {
  const bool drills = model_has_drill_reps(mm);
  uint64_t seed = model_replication_seed(mm->s->meta.seed, r);
  result_replication *rr = &out->reps[r];
  double kind_mem[MESH_KIND_COUNT] = {0};
  model_add_counts(mm, rep, seed, rr, out);
  model_add_stations(mm, rep, rr, kind_mem, out);
  model_add_kinds(mm, rep, r, kind_mem, rr, out);
  model_add_seconds(mm, rep, r);
  int rc = attribution_acc_add(&mm->attribution, rep);
  model_failures_add(out, &mm->t, rep, r, drills ? mm->s->n_failures : 0, out->n_failures);
  model_windows_add(mm, rep, true, out);
  if (r == 0)
    model_fill_series(mm, rep, out);
  return rc;
}

/* Adds the drill replication r (the same seed with the failure plan: by
 * common random numbers what differs from the steady one is the drills'
 * doing) to out: the failure drills' results; its events and wall time
 * count as work of replication r. */
static void model_merge_drill(model_mode *mm, const model_rep *rep, uint32_t r, mode_result *out) {
  out->reps[r].events += rep->events;
  out->reps[r].wall_s += rep->wall_s;
  model_failures_add(out, &mm->t, rep, r, 0, mm->s->n_failures);
  model_windows_add(mm, rep, false, out);
}

/* Control plane: not simulated, a cost line from what it serves. */
static void model_fill_control_plane(const model_mode *mm, mode_result *out) {
  const topology *t = &mm->t;
  const profile_control_plane *pcp = mm->in->control_plane;
  if (t->control_plane_replicas == 0)
    return;
  control_plane_cost cp = control_plane_estimate(pcp, t->n_proxies, mm->s->n_services, t->n_pods,
                                                 t->control_plane_replicas);
  cp.cpu_cores += control_plane_push_cores(pcp, mm->s->cluster.pod_churn_per_s, mm->push_receivers,
                                           mm->push_receiver_endpoints);
  result_kind_usage *k = &out->kind[MESH_KIND_CONTROL_PLANE];
  k->instances = t->control_plane_replicas;
  k->cpu_cores_mean = k->cpu_cores_peak = cp.cpu_cores;
  k->mem_mib_mean = k->mem_mib_peak = cp.mem_bytes / MODEL_MIB;
  k->reserved_cpu_cores = t->control_plane_replicas * pcp->request_millicores / 1000.0;
  k->reserved_mem_mib = t->control_plane_replicas * pcp->request_mem_bytes / MODEL_MIB;
  if (t->control_plane_node != TOPO_NONE) {
    out->nodes[t->control_plane_node].cpu_cores[MESH_KIND_CONTROL_PLANE] += cp.cpu_cores;
    out->nodes[t->control_plane_node].mem_mib[MESH_KIND_CONTROL_PLANE] += cp.mem_bytes / MODEL_MIB;
  }
  for (uint32_t r = 0; r < mm->s->meta.replications; r++) {
    out->reps[r].cpu_cores[MESH_KIND_CONTROL_PLANE] = cp.cpu_cores;
    out->reps[r].mem_mib[MESH_KIND_CONTROL_PLANE] = cp.mem_bytes / MODEL_MIB;
  }
  for (uint32_t sec = 0; sec < mm->n_seconds; sec++)
    out->series.cpu_cores[MESH_KIND_CONTROL_PLANE][sec] = cp.cpu_cores;
}

/* Reserved resources (Kubernetes requests) and instances per kind, and the
 * mesh's share of use. */
static void model_fill_reserved(const model_mode *mm, mode_result *out) {
  const topology *t = &mm->t;
  result_kind_usage *app = &out->kind[MESH_KIND_APP];
  app->instances = t->n_pods;
  for (uint32_t p = 0; p < t->n_pods; p++) {
    const scenario_service *svc = &mm->s->services[t->pods[p].service];
    app->reserved_cpu_cores += svc->cpu_request_millicores / 1000.0;
    app->reserved_mem_mib += svc->mem_request_bytes / MODEL_MIB;
  }
  for (int pk = 0; pk < MESH_PROXY_COUNT; pk++) {
    result_kind_usage *k = &out->kind[mesh_proxy_kind_to_kind((mesh_proxy_kind)pk)];
    k->instances = t->n_by_kind[pk];
    k->reserved_cpu_cores = t->n_by_kind[pk] * t->proxy_settings[pk].request_millicores / 1000.0;
    k->reserved_mem_mib = t->n_by_kind[pk] * t->proxy_settings[pk].request_mem_bytes / MODEL_MIB;
  }
  /* the node agent beside every ztunnel, on the same line */
  result_kind_usage *zk = &out->kind[MESH_KIND_ZTUNNEL];
  zk->reserved_cpu_cores += t->n_by_kind[MESH_PROXY_ZTUNNEL] * t->node_agent.millicores / 1000.0;
  zk->reserved_mem_mib += t->n_by_kind[MESH_PROXY_ZTUNNEL] * t->node_agent.mem_bytes / MODEL_MIB;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    out->reserved_cpu_cores += out->kind[k].reserved_cpu_cores;
    out->reserved_mem_mib += out->kind[k].reserved_mem_mib;
    if (k != MESH_KIND_APP) {
      out->mesh_cpu_cores += out->kind[k].cpu_cores_mean;
      out->mesh_mem_mib += out->kind[k].mem_mib_mean;
    }
  }
}

/* Monthly price of `nodes` nodes: the simulated cluster's first ones, then
 * as placement adds nodes (topology.c): from the first pool below its max. */
static double model_nodes_cost(const scenario *s, const topology *t, uint32_t nodes) {
  double usd = 0;
  uint32_t *in_pool = calloc(s->cluster.n_pools ? s->cluster.n_pools : 1, sizeof *in_pool);
  for (uint32_t n = 0; n < nodes; n++) {
    uint32_t pool = 0;
    if (n < t->n_nodes) {
      pool = t->nodes[n].pool;
    } else if (in_pool) {
      while (pool + 1 < s->cluster.n_pools && s->cluster.pools[pool].max_count != 0 &&
             in_pool[pool] >= s->cluster.pools[pool].max_count)
        pool++;
    }
    if (in_pool)
      in_pool[pool]++;
    usd += cost_node_month(s, pool);
  }
  free(in_pool);
  return usd;
}

/* Hot spots, shared-proxy capacity and sizing from use (capacity.h), before
 * the cost: the nodes needed count use as well as requests. */
static int model_fill_plan(model_mode *mm, mode_result *out) {
  const double reps = mm->s->meta.replications;
  for (uint32_t st = 0; st < mm->n_stations; st++)
    mm->cores[st] /= reps; /* means, as every figure capacity.h reads */
  for (uint32_t x = 0; x < mm->t.n_proxies; x++)
    mm->proxy_mem[x] /= reps;
  double *util = malloc((mm->n_stations ? mm->n_stations : 1) * sizeof *util);
  if (!util)
    return SIM_ENOMEM;
  for (uint32_t st = 0; st < mm->n_stations; st++)
    util[st] = mm->utilisation[st] / reps;
  const result_kind_usage *cp = &out->kind[MESH_KIND_CONTROL_PLANE];
  capacity_use u = {.t = &mm->t,
                    .proxy_profile = mm->in->proxy_profile,
                    .control_plane = mm->in->control_plane,
                    .utilisation = util,
                    .cores = mm->cores,
                    .sojourn_ns = mm->sojourn_ns,
                    .requests = (double)out->requests,
                    .mean_latency_ms = out->latency.mean_ms,
                    .proxy_mem_bytes = mm->proxy_mem,
                    .extra_waypoint_cores = mm->extra_cores / reps,
                    .control_plane_cores = cp->cpu_cores_mean,
                    .control_plane_mem_bytes = cp->mem_mib_mean * MODEL_MIB,
                    .nodes = out->nodes,
                    .n_samples = (size_t)mm->s->meta.replications * mm->n_seconds};
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    u.second_cores[k] = mm->second_cores[k];
    u.second_mem_bytes[k] = mm->second_mem[k];
  }
  int rc = capacity_plan(&u, &out->plan);
  free(util);
  return rc;
}

/* Nodes and money (cost.h). */
static void model_fill_cost(const model_mode *mm, mode_result *out) {
  const scenario *s = mm->s;
  const topology *t = &mm->t;
  out->nodes_needed =
      t->nodes_needed > out->plan.nodes_needed_used ? t->nodes_needed : out->plan.nodes_needed_used;
  out->n_nodes = t->n_nodes;
  out->cost_compute_usd_month = model_nodes_cost(s, t, out->nodes_needed);
  out->cross_zone_gb_month =
      cost_cross_zone_gb_month(s, mm->cross_zone_bytes / s->meta.replications, mm->duration_s);
  out->cost_network_usd_month = cost_network_month(s, out->cross_zone_gb_month);
  out->cost_usd_month = out->cost_compute_usd_month + out->cost_network_usd_month;
  out->cost_reserved_usd_month =
      cost_reserved_month(s, out->reserved_cpu_cores, out->reserved_mem_mib);
  out->cost_mesh_reserved_usd_month =
      cost_reserved_month(s, out->reserved_cpu_cores - out->kind[MESH_KIND_APP].reserved_cpu_cores,
                          out->reserved_mem_mib - out->kind[MESH_KIND_APP].reserved_mem_mib);
}

/* The station with the highest mean utilisation (result.h), named as the
 * blast-radius table names instances. */
static void model_fill_busiest(const model_mode *mm, mode_result *out) {
  const topology *t = &mm->t;
  result_station *b = &out->busiest;
  uint32_t best = UINT32_MAX;
  for (uint32_t st = 0; st < mm->n_stations; st++)
    if (best == UINT32_MAX || mm->utilisation[st] > mm->utilisation[best])
      best = st;
  if (best == UINT32_MAX)
    return;
  b->utilisation = mm->utilisation[best] / mm->s->meta.replications;
  uint32_t node;
  if (best < t->n_pods) {
    topo_pod_name(t, best, b->instance, sizeof b->instance);
    snprintf(b->kind, sizeof b->kind, "%s", mesh_kind_name(MESH_KIND_APP));
    node = t->pods[best].node;
  } else {
    uint32_t x = best - t->n_pods;
    topo_proxy_name(t, x, b->instance, sizeof b->instance);
    snprintf(b->kind, sizeof b->kind, "%s", mesh_proxy_kind_name(t->proxies[x].kind));
    node = t->proxies[x].node;
  }
  topo_node_name(t, node, b->node, sizeof b->node);
}

/* Each namespace's share (attribution.h), once the totals and cost are known. */
static int model_fill_namespaces(const model_mode *mm, mode_result *out) {
  attribution_input ai = {.t = &mm->t,
                          .proxy_profile = mm->in->proxy_profile,
                          .control_plane = mm->in->control_plane,
                          .cores = mm->cores,
                          .proxy_mem_bytes = mm->proxy_mem,
                          .acc = &mm->attribution,
                          .replications = mm->s->meta.replications,
                          .duration_s = mm->duration_s};
  return attribution_compute(&ai, out);
}

/* Aggregates over replications, once they have all run. */
static int model_mode_finish(model_mode *mm, mode_result *out) {
  model_fill_busiest(mm, out);
  out->throughput_rps = (double)out->requests / mm->duration_s / mm->s->meta.replications;
  model_latency_of(&out->latency_hist_ns, &out->latency);
  model_fill_latency_ci(out);
  result_errors *ec = &out->error_causes;
  ec->fail_mean_ms = mm->fail_ns.count ? sim_hist_mean(&mm->fail_ns) / 1e6 : NAN;
  ec->fail_p50_ms = mm->fail_ns.count ? sim_hist_quantile(&mm->fail_ns, 0.5) / 1e6 : NAN;
  ec->fail_p99_ms = mm->fail_ns.count ? sim_hist_quantile(&mm->fail_ns, 0.99) / 1e6 : NAN;
  model_fill_control_plane(mm, out);
  model_fill_reserved(mm, out);
  int rc = model_fill_plan(mm, out);
  if (rc != 0)
    return rc;
  model_fill_cost(mm, out);
  if ((rc = model_fill_namespaces(mm, out)) != 0)
    return rc;
  model_failures_finish(out, mm->s);
  model_windows_finish(mm, out);
  return 0;
}

/* ---- running modes and replications over threads --------------------------
 *
 * The work of a run is, per mode, its set-up (topology, placement, blast
 * radius) and then one simulation per replication, two when the mode runs
 * drill replications. Workers take set-ups and simulations in mode order
 * (the earliest mode with work left first), so every core stays busy until
 * the last simulation ends rather than until the last mode does. A
 * simulation only reads its mode's set-up and writes its own model_rep;
 * results are added to the mode in replication order (steady, then drill,
 * replication by replication), by one thread at a time per mode, whatever
 * order the simulations finish in: sums in floating point come out the
 * same for any number of threads, so --jobs never changes a result. */

enum { MODEL_UNSET, MODEL_SETTING_UP, MODEL_READY, MODEL_DONE };

typedef struct model_slot {
  model_mode mm;
  mode_result *out;
  model_inputs in; /* what this mode runs with (its own profile, mode_rules.h) */
  mesh_mode mode;
  uint32_t index; /* in the scenario's modes (replication 0 of mode 0 is traced) */
  int state;
  bool drills;     /* the mode runs drill replications */
  uint32_t n_jobs; /* simulations: replications, twice with drills */
  uint32_t next_job;
  model_rep *reps; /* per job, done or not yet merged */
  uint8_t *ready;  /* per job: finished */
  uint32_t merged; /* jobs added to out, in order */
  bool merging;
} model_slot;

typedef struct model_sched {
  const model_inputs *in;
  model_progress *prog;
  model_slot *slots;
  uint32_t n_slots;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  uint32_t next_worker;
  int rc;
  diag_list *diag; /* the caller's list; the first failure's messages go there */
} model_sched;

typedef enum { MODEL_TASK_NONE, MODEL_TASK_SETUP, MODEL_TASK_SIM, MODEL_TASK_WAIT } model_task;

/* Picks the next piece of work under the lock: the set-up of the earliest
 * mode not set up, or the next simulation of the earliest mode with one
 * left; MODEL_TASK_WAIT when only a set-up in progress can bring work. */
static model_task model_sched_pick(model_sched *sc, uint32_t *slot, uint32_t *job) {
  bool pending = false;
  for (uint32_t i = 0; i < sc->n_slots; i++) {
    model_slot *sl = &sc->slots[i];
    if (sl->state == MODEL_UNSET) {
      sl->state = MODEL_SETTING_UP;
      *slot = i;
      return MODEL_TASK_SETUP;
    }
    if (sl->state == MODEL_SETTING_UP)
      pending = true;
    if (sl->state == MODEL_READY && sl->next_job < sl->n_jobs) {
      *slot = i;
      *job = sl->next_job++;
      return MODEL_TASK_SIM;
    }
  }
  return pending ? MODEL_TASK_WAIT : MODEL_TASK_NONE;
}

/* Records the first failure (with the messages of its list) and stops the run. */
static void model_sched_fail(model_sched *sc, int rc, const diag_list *why) {
  pthread_mutex_lock(&sc->lock);
  if (sc->rc == 0) {
    sc->rc = rc;
    for (size_t i = 0; why && sc->diag && i < why->n; i++) {
      const diag_entry *e = &why->items[i];
      diag_add(sc->diag, e->severity, e->file, e->line, e->col, "%s", e->message);
    }
  }
  pthread_cond_broadcast(&sc->wake);
  pthread_mutex_unlock(&sc->lock);
}

static int model_sched_setup(model_sched *sc, model_slot *sl) {
  const model_inputs *in = &sl->in;
  mode_result *out = sl->out;
  memset(out, 0, sizeof *out);
  out->mode = sl->mode;
  /* model_run_mode may run a mode the scenario does not list at that index
   * (advise runs hybrid assignments): then it is named after its mode */
  if (sl->index < in->scn->mesh.n_modes && in->scn->mesh.modes[sl->index] == sl->mode)
    scenario_mode_label(in->scn, sl->index, out->name, sizeof out->name);
  else
    snprintf(out->name, sizeof out->name, "%s", mesh_mode_name(sl->mode));
  out->replications = in->scn->meta.replications;
  diag_list why;
  diag_list_init(&why);
  int rc = model_mode_init(&sl->mm, in, out->mode, &why);
  if (rc == 0)
    rc = model_fill_structure(&sl->mm, &why, out);
  if (rc == 0) {
    sl->drills = model_has_drill_reps(&sl->mm);
    sl->n_jobs = in->scn->meta.replications * (sl->drills ? 2u : 1u);
    sl->reps = calloc(sl->n_jobs ? sl->n_jobs : 1, sizeof *sl->reps);
    sl->ready = calloc(sl->n_jobs ? sl->n_jobs : 1, 1);
    if (!sl->reps || !sl->ready)
      rc = SIM_ENOMEM;
  }
  if (rc != 0) {
    model_sched_fail(sc, rc, &why);
    model_mode_release(&sl->mm); /* a failed set-up is not released by the slot's end */
  }
  diag_list_release(&why);
  return rc;
}

/* Job j of a slot: replication j / 2 (with drills, odd jobs run the plan) or j. */
static int model_sched_simulate(model_sched *sc, model_slot *sl, uint32_t j, uint32_t worker) {
  model_mode *mm = &sl->mm;
  uint32_t r = sl->drills ? j / 2 : j;
  bool drill = sl->drills && (j % 2);
  model_rep *rep = &sl->reps[j];
  int rc = model_rep_init(rep, mm->n_stations, mm->n_seconds, sl->out->n_failures, mm->t.n_pods);
  if (rc != 0)
    return rc;
  uint64_t seed = model_replication_seed(mm->s->meta.seed, r);
  double units = sl->drills ? 0.5 : 1.0;
  model_tick_ctx tick = {.prog = sc->prog, .slot = worker, .scale = units};
  uint64_t trace = !drill && r == 0 && sl->index == 0 ? sl->in.trace_requests : 0;
  rc = model_sim_replication(&mm->t, &sl->in, drill ? &mm->plan : NULL, seed, trace,
                             model_progress_tick, &tick, rep);
  if (rc == 0)
    model_progress_step(sc->in, sc->prog, worker, units);
  return rc;
}

/* Adds the slot's finished jobs to its mode in order, while they are
 * there; the thread that adds the last one finishes the mode. Called and
 * returns with the lock held; releases it around the work. */
static void model_sched_merge(model_sched *sc, model_slot *sl) {
  if (sl->merging)
    return;
  sl->merging = true;
  while (sc->rc == 0 && sl->merged < sl->n_jobs && sl->ready[sl->merged]) {
    uint32_t j = sl->merged;
    pthread_mutex_unlock(&sc->lock);
    uint32_t r = sl->drills ? j / 2 : j;
    int rc = 0;
    if (sl->drills && (j % 2))
      model_merge_drill(&sl->mm, &sl->reps[j], r, sl->out);
    else
      rc = model_merge_steady(&sl->mm, &sl->reps[j], r, sl->out);
    model_rep_release(&sl->reps[j]);
    pthread_mutex_lock(&sc->lock);
    sl->merged++;
    if (rc != 0 && sc->rc == 0) {
      sc->rc = rc;
      pthread_cond_broadcast(&sc->wake);
    }
  }
  if (sc->rc == 0 && sl->merged == sl->n_jobs && sl->state == MODEL_READY) {
    pthread_mutex_unlock(&sc->lock);
    int rc = model_mode_finish(&sl->mm, sl->out);
    model_mode_release(&sl->mm);
    pthread_mutex_lock(&sc->lock);
    sl->state = MODEL_DONE;
    if (rc != 0 && sc->rc == 0) {
      sc->rc = rc;
      pthread_cond_broadcast(&sc->wake);
    }
  }
  sl->merging = false;
}

static void *model_sched_worker(void *arg) {
  model_sched *sc = arg;
  pthread_mutex_lock(&sc->lock);
  uint32_t worker = sc->next_worker++;
  for (;;) {
    uint32_t i = 0, j = 0;
    model_task task = sc->rc != 0 ? MODEL_TASK_NONE : model_sched_pick(sc, &i, &j);
    if (task == MODEL_TASK_NONE)
      break;
    if (task == MODEL_TASK_WAIT) {
      pthread_cond_wait(&sc->wake, &sc->lock);
      continue;
    }
    model_slot *sl = &sc->slots[i];
    pthread_mutex_unlock(&sc->lock);
    if (task == MODEL_TASK_SETUP) {
      int rc = model_sched_setup(sc, sl);
      pthread_mutex_lock(&sc->lock);
      sl->state = rc == 0 ? MODEL_READY : MODEL_DONE;
      if (rc == 0 && sl->n_jobs == 0)
        model_sched_merge(sc, sl); /* nothing to simulate: finish now */
      pthread_cond_broadcast(&sc->wake);
      continue;
    }
    int rc = model_sched_simulate(sc, sl, j, worker);
    if (rc != 0) {
      model_sched_fail(sc, rc, NULL);
      pthread_mutex_lock(&sc->lock);
      continue;
    }
    pthread_mutex_lock(&sc->lock);
    sl->ready[j] = 1;
    model_sched_merge(sc, sl);
  }
  pthread_mutex_unlock(&sc->lock);
  return NULL;
}

/* Runs modes [0, n) of the scenario into outs[i], on up to `jobs` threads
 * (the caller's included). Modes that did not finish are released (zeroed). */
static int model_sched_run(const model_inputs *in, model_progress *prog, const mesh_mode *modes,
                           const uint32_t *index, mode_result *outs, uint32_t n, uint32_t jobs,
                           diag_list *diag) {
  model_sched sc = {.in = in, .prog = prog, .n_slots = n, .diag = diag};
  sc.slots = calloc(n ? n : 1, sizeof *sc.slots);
  if (!sc.slots)
    return SIM_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    sc.slots[i].out = &outs[i];
    sc.slots[i].mode = modes[i];
    sc.slots[i].index = index[i];
    mode_rules_mode_inputs(in, index[i], &sc.slots[i].in);
  }
  pthread_mutex_init(&sc.lock, NULL);
  pthread_cond_init(&sc.wake, NULL);
  uint32_t total_jobs = n * (in->scn->meta.replications * 2 + 1);
  uint32_t threads = jobs > 1 ? jobs : 1;
  if (threads > MODEL_MAX_WORKERS)
    threads = MODEL_MAX_WORKERS;
  if (threads > total_jobs)
    threads = total_jobs ? total_jobs : 1;
  pthread_t tid[MODEL_MAX_WORKERS];
  uint32_t started = 0;
  for (uint32_t i = 1; i < threads; i++) /* the calling thread is worker too */
    if (pthread_create(&tid[started], NULL, model_sched_worker, &sc) == 0)
      started++;
  model_sched_worker(&sc);
  for (uint32_t i = 0; i < started; i++)
    pthread_join(tid[i], NULL);
  for (uint32_t i = 0; i < n; i++) { /* after a failure: what was left half done */
    model_slot *sl = &sc.slots[i];
    for (uint32_t j = 0; sl->reps && j < sl->n_jobs; j++)
      model_rep_release(&sl->reps[j]);
    free(sl->reps);
    free(sl->ready);
    if (sl->state == MODEL_READY || sl->state == MODEL_SETTING_UP)
      model_mode_release(&sl->mm);
    if (sc.rc != 0 || sl->state != MODEL_DONE)
      mode_result_release(sl->out);
  }
  int rc = sc.rc;
  pthread_cond_destroy(&sc.wake);
  pthread_mutex_destroy(&sc.lock);
  free(sc.slots);
  return rc;
}

int model_run_mode(const model_inputs *in, mesh_mode mode, uint32_t mode_index, uint32_t n_modes,
                   mode_result *out) {
  model_progress p = {.lock = PTHREAD_MUTEX_INITIALIZER,
                      .done = mode_index * in->scn->meta.replications,
                      .total = n_modes * in->scn->meta.replications,
                      .in = in};
  return model_sched_run(in, &p, &mode, &mode_index, out, 1, 1, in->diag);
}

const char *model_failure_message(int rc, const diag_list *d) {
  if (d && d->n_errors > 0)
    return d->items[0].message;
  if (rc == SIM_ENOMEM)
    return "out of memory: the simulation needs more memory than this machine could give it "
           "(`meshsim validate` prints an estimate)";
  return err_str(rc);
}

int model_run(const model_inputs *in, run_result *out) {
  const scenario *s = in->scn;
  memset(out, 0, sizeof *out);
  struct timespec w0, w1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  snprintf(out->scenario, sizeof out->scenario, "%s", s->meta.name);
  snprintf(out->profile, sizeof out->profile, "%s", in->profile_name ? in->profile_name : "");
  out->seed = s->meta.seed;
  out->replications = s->meta.replications;
  out->duration_s = (double)s->meta.duration_ns / 1e9;
  out->warmup_s = (double)s->meta.warmup_ns / 1e9;
  out->slo_ms = (double)s->meta.slo_ns / 1e6;
  out->objective_quantile = s->meta.objective_quantile;
  out->error_budget = s->meta.error_budget;
  out->scenario_hash = s->content_hash;
  out->modes = calloc(s->mesh.n_modes ? s->mesh.n_modes : 1, sizeof *out->modes);
  if (!out->modes)
    return SIM_ENOMEM;
  model_progress prog = {.lock = PTHREAD_MUTEX_INITIALIZER,
                         .done = 0,
                         .total = s->mesh.n_modes * s->meta.replications,
                         .in = in};
  uint32_t index[SCN_MODES_MAX];
  for (uint32_t i = 0; i < s->mesh.n_modes && i < SCN_MODES_MAX; i++)
    index[i] = i;
  int rc = model_sched_run(in, &prog, s->mesh.modes, index, out->modes, s->mesh.n_modes, in->jobs,
                           in->diag);
  out->n_modes = s->mesh.n_modes;
  if (rc != 0) {
    run_result_release(out);
    return rc;
  }
  verdict_apply(out);
  attribution_relate(out);
  clock_gettime(CLOCK_MONOTONIC, &w1);
  out->wall_s = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
  return 0;
}
