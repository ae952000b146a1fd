/* model_sim: one replication of one mode: requests walking their call trees
 * through the proxy and application stations of the mode's paths.
 *
 * A call's life is a sequence of steps, each one event at the time the call
 * reaches that element (FIFO stations need arrivals in time order):
 *   0 .. R-1     request passes through the R proxies of its path
 *   R            the application of the destination pod
 *   (children)   calls to other services, sequential or parallel
 *   R+1 .. 2R    response passes through the same proxies in reverse
 *   2R+1         delivery of the response to the caller
 * Network time is added between elements on different sides of the path
 * (client node, waypoint node, server node); see path.h.
 *
 * Failures (failure.h): a call "holds" every proxy it has passed on the way
 * in until it passes it again on the way out, and the application while it
 * is served or waits for its children. When a station crashes, every call
 * holding it fails at once (found by one scan of the call pool per outage,
 * never per event); calls reaching a down station fail on arrival. A failed
 * call is retried by its caller's policy (the callee service's `retry`) with
 * a fresh pod choice, otherwise its caller fails too, up to the root request.
 * A failed call's record stays allocated (a "zombie") until its own pending
 * event and its children are gone, so no event ever sees a reused record. */
#include "model_sim.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crn.h"
#include "err.h"
#include "op_graph.h"
#include "pair_count.h"
#include "path.h"
#include "proxy.h"
#include "sim_engine.h"
#include "sim_error.h"
#include "sim_mem.h"
#include "sim_rng.h"
#include "sim_station.h"

#define MCALL_NONE         UINT32_MAX
#define MCALL_TRACED       1u
#define MCALL_MEASURED     2u
#define MCALL_NEWCONN      4u
#define MCALL_FAILED       8u
#define MCALL_HAS_EVENT    16u /* its own next-step event is scheduled */
#define MCALL_APP_HELD     32u /* served by, or waiting in, the destination application */
#define MCALL_LIVE         64u
#define MCALL_TIMER        128u  /* timeout event scheduled */
#define MCALL_POOLED       256u  /* holds a place in a proxy's circuit breaker (pair_count) */
#define MCALL_CONNECTING   512u  /* waiting out the connect timeout toward a lost node */
#define MCALL_GATEWAY      1024u /* a root entering through an ingress gateway (path.h) */
#define MCALL_BREAKER      2048u /* its service sets connection_pool.max_requests */
#define MODEL_NO_DRILL     UINT32_MAX
#define MODEL_DRAIN_NS     (60 * SIM_S) /* in-flight requests get this long after the window */
#define MODEL_RNG_ARRIVALS 1
#define MODEL_CRN_WAYPOINT 0xffff0000ULL
#define MODEL_CRN_BACKOFF  0xffff0001ULL
#define MODEL_CRN_PASS     0xffff0100ULL /* + the pass's step in the call's path */
#define MODEL_CRN_CLIENT   0xffff0002ULL /* the client pod of a meshed client's request */
/* Which way of a choice (a weighted route, an operation mix) a call takes:
 * drawn from the key of the call's first try, so its retries (by the
 * caller or the mesh) keep the route Envoy picked once per request, and
 * every mode picks the same. */
#define MODEL_CRN_CHOICE 0xffff0003ULL
/* The ingress gateway replica of a root call (every mode picks the same). */
#define MODEL_CRN_GATEWAY 0xffff0004ULL

/* Why a call failed: the failing end's cause travels up to the root. */
typedef enum mfail_cause { MFAIL_OUTAGE, MFAIL_TIMEOUT, MFAIL_REJECTED } mfail_cause;

typedef struct mcall {
  uint64_t key;     /* common-random-numbers key (crn.h) */
  uint64_t kmix;    /* crn_key_mix of key, set when the call is issued */
  sim_time start;   /* when the call was issued (root: arrival) */
  uint32_t parent;  /* call index, or MCALL_NONE for a root request */
  uint32_t src_pod; /* TOPO_NONE for requests from outside the mesh */
  uint32_t dst_pod;
  uint32_t op; /* the operation it runs there: a node of the op_graph */
  uint32_t req_bytes, resp_bytes;
  uint32_t proxy[PATH_MAX_PROXIES];
  uint32_t node[3];
  uint8_t side[PATH_MAX_PROXIES];
  uint8_t n_proxies;
  uint8_t step;
  uint8_t proto; /* mesh_proto of its service, so a pass reads no service record */
  uint16_t flags;
  uint16_t cursor;  /* next child ordinal to consider */
  uint16_t pending; /* children in flight */
  uint32_t id;      /* for traces */
  uint16_t ordinal; /* position among the parent's calls (or traffic entry of a root) */
  uint8_t attempt;  /* 0 = first try */
  uint8_t mesh_try; /* the mesh's retries of this try so far (mesh.retries) */
  /* bit s: element s of the path is on another side than s - 1 (msim_gap) */
  uint16_t gap_mask;
  sim_time origin; /* arrival of the root request (latency counts from here) */
  sim_event_id timer;
  sim_time deadline; /* when the timer fires (valid with MCALL_TIMER) */
} __attribute__((aligned(128))) mcall;

_Static_assert(sizeof(mcall) == 128, "a call is one pair of cache lines");

_Static_assert(2 * PATH_MAX_PROXIES + 2 <= 16, "a call's elements must fit mcall.gap_mask");

/* One station, everything a pass touches in one 64-byte cache line: with
 * 200,000 pods the station array is far larger than L2, so a pass costs a
 * miss per separate line it touches; and a small model's stations then
 * take half the first-level cache they took at 128 bytes. What a pass does
 * not read (the node) lives in msim.st_node. */
typedef struct mstation {
  sim_station st;         /* free times of up to SIM_STATION_LOCAL workers inside */
  float stretch;          /* CPU-limit throttling factor */
  uint8_t kind;           /* mesh_kind */
  uint8_t pkind;          /* mesh_proxy_kind, for proxies */
  uint8_t down;           /* outages in progress (a pass checks it before anything else) */
  sim_time busy_total_ns; /* all passes ever accepted (the autoscaler's meter) */
  /* The window's sums (see msums), flushed into the model_rep at the end. */
  int64_t win_busy_ns, win_sojourn_ns;
} __attribute__((aligned(64))) mstation;

_Static_assert(sizeof(mstation) == 64, "a station is one cache line");

/* The window's per-visit sums in integer ns: one integer add per visit
 * instead of a conversion and a floating add. msim_flush_sums adds them into
 * the model_rep's doubles at the end; a sum of integers below 2^53 is exact
 * in a double too, so the report is what per-visit floating sums gave. */
typedef struct msums {
  int64_t *cpu_ns_sec[MESH_KIND_COUNT], *inflight_ns_sec[MESH_KIND_COUNT]; /* per second */
  int64_t *ns_busy_ns, *ns_sojourn_ns; /* per kind x namespace, as model_rep's */
} msums;

/* What starting a call reads of its target service, in one dense array:
 * the scenario's service records are 288 bytes apart, and a child's start
 * read up to three of their lines (the pick, the protocol and breaker, the
 * try timeout), which a 5,000-service cluster's do not keep in the cache. */
typedef struct mservice {
  uint32_t first_pod; /* the topology's service_first_pod */
  uint32_t replicas;
  sim_time try_timeout_ns; /* retry.timeout_ns: 0 = none */
  uint8_t lb;              /* mesh_lb */
  uint8_t prefer_close;
  uint8_t protocol; /* mesh_proto */
  uint8_t breaker;  /* max_requests > 0 */
} mservice;

/* Autoscaling state of one waypoint deployment. Replicas beyond the placed
 * ones are extra stations after the topology's proxies (virtual proxy
 * indices n_proxies + ...), on the nodes of the placed replicas in turn. */
typedef struct mwaypoint {
  uint32_t active;      /* replicas serving new calls */
  uint32_t max;         /* stations available */
  uint32_t extra_first; /* virtual proxy index of the first extra replica */
  uint32_t pending_up;  /* replicas a scale-up in flight will bring (0 = none) */
  sim_time low_since;   /* when utilisation first fell below target (-1 = not low) */
  double busy_seen_ns;  /* busy total at the previous evaluation */
} mwaypoint;

typedef struct msim {
  const topology *t;
  const scenario *s;
  const model_inputs *in;
  sim_engine *eng;
  uint64_t seed;
  uint64_t seed_mix; /* crn_seed_mix(seed) */
  model_rep *out;
  msums sum; /* the window's per-visit sums, flushed into out at the end */
  mcall *calls;
  uint32_t cap_calls, free_head, live_calls;
  mstation *st;
  uint32_t *st_node; /* per station: its node */
  uint32_t n_stations;
  /* Free times of the applications' workers (4-16 a pod, more than a
   * station keeps inside): pod p's at free_slab + p * free_stride, on a
   * cache line of their own, so the lookahead finds them from the pod's
   * index without reading the station and both arrive together. A pod of
   * more than MSIM_FREE_MAX_RUN workers keeps its own array. */
  sim_time *free_slab;
  uint32_t free_stride; /* entries: a multiple of MSIM_FREE_ALIGN, 0 without a slab */
  double on_path[MESH_PROXY_COUNT];
  double on_path_tcp[MESH_PROXY_COUNT]; /* of an opaque-TCP pass */
  /* Per proxy kind, read once per replication instead of through the
   * profile pointers at every pass: its profile and on-path fraction by
   * protocol (on_path_tcp for opaque TCP, on_path otherwise). */
  const profile_proxy *pass_profile[MESH_PROXY_COUNT];
  double pass_on_path[MESH_PROXY_COUNT][MESH_PROTO_COUNT];
  double pass_sigma[MESH_PROXY_COUNT];  /* lognormal spread of a pass's CPU time (0: fixed) */
  float *pass_factor[MESH_PROXY_COUNT]; /* with a spread: MODEL_PASS_LEVELS factors, mean 1 */
  sim_time pass_latency[MESH_PROXY_COUNT];
  uint32_t *rr_next; /* per service: round-robin cursor */
  uint32_t *active;  /* per pod: calls in flight to it (least-request) */
  uint32_t *pod_ns;  /* per pod: its service's namespace (every pass attributes to one) */
  mservice *svc;     /* per service */
  op_graph g;        /* what each operation does: service time, calls, fan-out */
  gsl_rng **arrival_rng;
  uint64_t *arrivals;
  sim_time t_warm, t_end, t_drain;
  double ns_per_byte; /* network transfer time per byte */
  sim_hist sec_hist;
  uint32_t cur_sec;
  const failure_plan *plan;
  mwaypoint *wp;      /* per waypoint deployment, when autoscaling */
  uint32_t n_extra;   /* extra waypoint replica stations */
  uint32_t n_bursts;  /* traffic bursts, reported as overload drills after the scenario's */
  sim_time *burst_at; /* absolute start and end of each burst */
  sim_time *burst_end;
  sim_time *window_at; /* per drill (failures, then bursts): its window, absolute */
  sim_time *window_end;
  uint32_t *down_drill; /* per station: drill of the latest outage */
  uint8_t *scan_mark;   /* per station, scratch for outage scans */
  sim_time *gone_at;    /* per station: out of its service's endpoints from then */
  sim_time gone_first;  /* the earliest gone_at ever set: before it nothing is gone */
  /* Pods of each service grouped by zone, for PreferClose: the pods of
   * service sv in zone z are zone_pods[zone_start[sv * (nz + 1) + z] ..
   * zone_start[sv * (nz + 1) + z + 1]); NULL when no service prefers close. */
  uint32_t *zone_pods;
  uint32_t *zone_start;
  uint64_t trace_limit, next_call_id, roots;
  uint64_t live_measured; /* measured root requests in flight */
  pair_count pooled;      /* requests in flight per (proxy, destination service) */
  int failed;
} msim;

static void ev_hop(sim_engine *e, void *ctx, uint64_t arg);
static void msim_deliver(msim *m, uint32_t idx, sim_time now);
static void ev_children(sim_engine *e, void *ctx, uint64_t arg);
static void ev_arrival(sim_engine *e, void *ctx, uint64_t arg);
static void ev_timeout(sim_engine *e, void *ctx, uint64_t arg);
static void ev_retry(sim_engine *e, void *ctx, uint64_t arg);
static void ev_reissue(sim_engine *e, void *ctx, uint64_t arg);
static void ev_connect_timeout(sim_engine *e, void *ctx, uint64_t arg);

static void msim_fail(msim *m, uint32_t idx, sim_time now, uint32_t drill, mfail_cause cause);
static void msim_root_failed(msim *m, const mcall *c, sim_time now, uint32_t drill,
                             mfail_cause cause);

int model_rep_init(model_rep *r, uint32_t n_stations, uint32_t n_seconds, uint32_t n_drills,
                   uint32_t n_pods) {
  memset(r, 0, sizeof *r);
  r->n_stations = n_stations;
  r->n_seconds = n_seconds;
  r->n_drills = n_drills;
  r->n_pods = n_pods;
  size_t nd = n_drills ? n_drills : 1;
  r->drill_failed = calloc(nd, sizeof *r->drill_failed);
  r->drill_slo = calloc(nd, sizeof *r->drill_slo);
  r->drill_window_slo = calloc(nd, sizeof *r->drill_window_slo);
  r->drill_lat = calloc(nd, sizeof *r->drill_lat);
  for (uint32_t d = 0; r->drill_lat && d < n_drills; d++)
    if (sim_hist_init(&r->drill_lat[d]) != 0) {
      model_rep_release(r);
      return SIM_ENOMEM;
    }
  r->drill_pods = calloc(nd * (n_pods ? n_pods : 1), 1);
  r->drill_last_fail_ns = calloc(nd, sizeof *r->drill_last_fail_ns);
  r->drill_detect_ns = calloc(nd, sizeof *r->drill_detect_ns);
  r->drill_failed_sec = calloc(nd * (n_seconds + 1), sizeof(double));
  r->waypoint_replicas_sec = calloc(n_seconds + 1, sizeof(double));
  int ok = sim_hist_init(&r->latency_ns) == 0;
  ok = sim_hist_init(&r->fail_ns) == 0 && ok;
  r->busy_ns = calloc(n_stations ? n_stations : 1, sizeof(double));
  r->sojourn_ns = calloc(n_stations ? n_stations : 1, sizeof(double));
  r->done_sec = calloc(n_seconds + 1, sizeof(double));
  r->failed_sec = calloc(n_seconds + 1, sizeof(double));
  r->p99_ms_sec = calloc(n_seconds + 1, sizeof(double));
  ok = ok && r->busy_ns && r->sojourn_ns && r->done_sec && r->failed_sec && r->p99_ms_sec &&
       r->drill_failed && r->drill_slo && r->drill_window_slo && r->drill_lat && r->drill_pods &&
       r->drill_last_fail_ns && r->drill_detect_ns && r->drill_failed_sec &&
       r->waypoint_replicas_sec;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    r->cpu_ns_sec[k] = calloc(n_seconds + 1, sizeof(double));
    r->inflight_ns_sec[k] = calloc(n_seconds + 1, sizeof(double));
    ok = ok && r->cpu_ns_sec[k] && r->inflight_ns_sec[k];
  }
  if (!ok) {
    model_rep_release(r);
    return SIM_ENOMEM;
  }
  return 0;
}

void model_rep_release(model_rep *r) {
  sim_hist_release(&r->latency_ns);
  sim_hist_release(&r->fail_ns);
  free(r->busy_ns);
  free(r->sojourn_ns);
  free(r->done_sec);
  free(r->failed_sec);
  free(r->p99_ms_sec);
  free(r->drill_failed);
  free(r->drill_slo);
  free(r->drill_window_slo);
  for (uint32_t d = 0; r->drill_lat && d < r->n_drills; d++)
    sim_hist_release(&r->drill_lat[d]);
  free(r->drill_lat);
  free(r->drill_pods);
  free(r->drill_last_fail_ns);
  free(r->drill_detect_ns);
  free(r->drill_failed_sec);
  free(r->waypoint_replicas_sec);
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    free(r->cpu_ns_sec[k]);
    free(r->inflight_ns_sec[k]);
  }
  free(r->ns_busy_ns);
  free(r->ns_sojourn_ns);
  free(r->ns_cross_zone_bytes);
  free(r->ns_latency_ns);
  free(r->ns_requests);
  free(r->ns_errors);
  memset(r, 0, sizeof *r);
}

/* The per-namespace sums of the attribution (model_sim.h), zeroed. */
static int msim_init_namespaces(model_rep *r, uint32_t n_namespaces) {
  size_t n = n_namespaces ? n_namespaces : 1;
  if (!r->ns_busy_ns) {
    r->n_namespaces = n_namespaces;
    r->ns_busy_ns = calloc(n * MESH_KIND_COUNT, sizeof(double));
    r->ns_sojourn_ns = calloc(n * MESH_KIND_COUNT, sizeof(double));
    r->ns_cross_zone_bytes = calloc(n, sizeof(double));
    r->ns_latency_ns = calloc(n, sizeof(double));
    r->ns_requests = calloc(n, sizeof(uint64_t));
    r->ns_errors = calloc(n, sizeof(uint64_t));
  }
  return r->ns_busy_ns && r->ns_sojourn_ns && r->ns_cross_zone_bytes && r->ns_latency_ns &&
                 r->ns_requests && r->ns_errors && r->n_namespaces == n_namespaces
             ? 0
             : SIM_ENOMEM;
}

/* Namespace of pod p's service. */
static inline uint32_t msim_ns_of(const msim *m, uint32_t pod) {
  return m->pod_ns[pod];
}

/* Namespace of root call c's entry service (its traffic entry's). */
static inline uint32_t msim_root_ns(const msim *m, const mcall *c) {
  return m->s->services[m->s->traffic[c->ordinal].service].ns;
}

/* ---- call pool ---------------------------------------------------------- */

static uint32_t msim_call_new(msim *m) {
  if (m->free_head == MCALL_NONE) {
    if (m->cap_calls > UINT32_MAX / 2 - 1) { /* the doubling would wrap (and MCALL_NONE) */
      m->failed = SIM_ENOMEM;
      sim_engine_stop(m->eng);
      return MCALL_NONE;
    }
    uint32_t ncap = m->cap_calls ? m->cap_calls * 2 : 1024;
    /* Aligned: a record is one pair of cache lines. */
    mcall *nc = sim_mem_grow(m->calls, (size_t)m->cap_calls * sizeof *nc, (size_t)ncap * sizeof *nc,
                             _Alignof(mcall));
    if (!nc) {
      m->failed = SIM_ENOMEM;
      sim_engine_stop(m->eng);
      return MCALL_NONE;
    }
    m->calls = nc;
    /* Thread the new records onto the free list. They start with no flags:
     * outage scans (msim_reset_holders) read every record up to cap_calls. */
    for (uint32_t i = ncap; i-- > m->cap_calls;) {
      nc[i].flags = 0;
      nc[i].parent = m->free_head;
      m->free_head = i;
    }
    m->cap_calls = ncap;
  }
  uint32_t idx = m->free_head;
  m->free_head = m->calls[idx].parent;
  m->live_calls++;
  mcall *c = &m->calls[idx];
  c->flags = MCALL_LIVE;
  c->attempt = 0;
  c->mesh_try = 0;
  c->ordinal = 0;
  c->pending = 0;
  c->n_proxies = 0;
  c->step = 0;
  c->op = 0; /* a valid node even before msim_set_op (the lookahead reads it) */
  return idx;
}

static void msim_call_free(msim *m, uint32_t idx) {
  m->calls[idx].flags = 0;
  m->calls[idx].parent = m->free_head;
  m->free_head = idx;
  m->live_calls--;
}

/* ---- helpers ------------------------------------------------------------ */

static inline int msim_in_window(const msim *m, sim_time now) {
  return now >= m->t_warm && now < m->t_end;
}

static inline uint32_t msim_second(const msim *m, sim_time now) {
  return (uint32_t)((now - m->t_warm) / SIM_S);
}

/* crn_uniform(m->seed, key, i) for a key drawn from once or twice; a call's
 * own draws after it is issued use its kmix. */
static inline double msim_u(const msim *m, uint64_t key, uint64_t i) {
  return crn_uniform_mixed(crn_key_mix(m->seed_mix, key), i);
}

/* Side of element `step` of a call and the node there. */
static inline uint8_t msim_step_side(const mcall *c, uint32_t step) {
  uint32_t r = c->n_proxies;
  if (step < r)
    return c->side[step];
  if (step == r)
    return PATH_SIDE_SERVER;
  if (step <= 2 * r)
    return c->side[2 * r - step];
  return PATH_SIDE_CLIENT;
}

/* Which elements of c's path are on another side than the one before, and
 * through a gateway the first and the delivery (the steps msim_gap adds
 * network time to). The response retraces the request,
 * so element 2R + 1 - s changes side exactly when element s does. */
static uint16_t msim_gap_mask(const mcall *c) {
  uint32_t r = c->n_proxies, mask = 0;
  uint8_t prev = PATH_SIDE_CLIENT;
  for (uint32_t s = 0; s <= r; s++) {
    uint8_t side = s < r ? c->side[s] : PATH_SIDE_SERVER;
    if (side != prev)
      mask |= 1u << s | 1u << (2 * r + 1 - s);
    prev = side;
  }
  if (c->flags & MCALL_GATEWAY) /* the external client's hop to the gateway and back */
    mask |= 1u | 1u << (2 * r + 1);
  return (uint16_t)mask;
}

/* Network time to reach element `step` from the previous one, counting
 * cross-zone bytes of the measured window. */
static inline sim_time msim_gap(msim *m, const mcall *c, uint32_t step, sim_time now) {
  if (!(c->gap_mask >> step & 1u))
    return 0;
  uint8_t from = step == 0 ? PATH_SIDE_CLIENT : msim_step_side(c, step - 1);
  uint8_t to = msim_step_side(c, step);
  uint32_t bytes = step <= c->n_proxies ? c->req_bytes : c->resp_bytes;
  if (from == to) /* through a gateway, the external client is one zone-local hop away */
    return (c->flags & MCALL_GATEWAY) && (step == 0 || step == 2u * c->n_proxies + 1)
               ? path_latency(m->t, TOPO_NONE, c->node[PATH_SIDE_CLIENT]) +
                     (sim_time)(m->ns_per_byte * bytes)
               : 0;
  uint32_t a = c->node[from], b = c->node[to];
  const uint32_t *zone = m->t->node_zone;
  if (a != TOPO_NONE && b != TOPO_NONE && zone[a] != zone[b] && msim_in_window(m, now)) {
    m->out->cross_zone_bytes += bytes;
    m->out->ns_cross_zone_bytes[msim_ns_of(m, c->dst_pod)] += bytes;
  }
  return path_latency(m->t, a, b) + (sim_time)(m->ns_per_byte * bytes);
}

/* The station call c visits at its current step, or UINT32_MAX past the
 * last pass. */
static inline uint32_t msim_step_station(const msim *m, const mcall *c) {
  uint32_t r = c->n_proxies, step = c->step;
  if (step < r)
    return m->t->n_pods + c->proxy[step];
  if (step == r)
    return c->dst_pod;
  return step <= 2 * r ? m->t->n_pods + c->proxy[2 * r - step] : UINT32_MAX;
}

/* Station memory above which the model sets the engine's lookahead (with
 * model_inputs.lookahead 0): half a core's L2 (2 MiB on the machine
 * measured), the rest being the calls and everything else a pass reads. */
#define MSIM_LOOKAHEAD_MIN_BYTES (1u << 20)

#define MSIM_FREE_ALIGN   8u  /* entries: a 64-byte line */
#define MSIM_FREE_MAX_RUN 16u /* entries: two lines a pod at most */

/* The engine's lookahead (sim_engine.h). With tens of thousands of calls in
 * flight, a call's record and the station it visits next have left the
 * cache by the time its next event fires: two events ahead, request the
 * record; one ahead, the record is in, so request the station its hop
 * visits. */
static void msim_lookahead(void *ctx, sim_handler fn1, uint64_t arg1, sim_handler fn2,
                           uint64_t arg2) {
  const msim *m = ctx;
  if (fn1 == ev_hop || fn1 == ev_children) {
    /* An application pass or the children after it read the operation's
     * node (the call record was requested an event ago). */
    const mcall *c = &m->calls[(uint32_t)arg1];
    if (fn1 == ev_children || c->step == c->n_proxies) {
      const char *x = (const char *)&m->g.nodes[c->op]; /* 80 bytes: one or two lines */
      __builtin_prefetch(x);
      __builtin_prefetch(x + sizeof(op_node) - 1);
    } else if (fn1 == ev_hop && c->step >= 2 * c->n_proxies) {
      /* Its last pass, or none left: the response is delivered, which
       * counts the callee's calls in flight down and reads the parent. */
      __builtin_prefetch(&m->active[c->dst_pod], 1);
      if (c->parent != MCALL_NONE) {
        const char *p = (const char *)&m->calls[c->parent];
        __builtin_prefetch(p, 1);
        __builtin_prefetch(p + 64, 1);
      }
    }
  }
  if (fn1 == ev_hop) {
    uint32_t st = msim_step_station(m, &m->calls[(uint32_t)arg1]);
    if (st != UINT32_MAX) {
      __builtin_prefetch(&m->st[st]); /* one line (mstation) */
      if (st < m->t->n_pods && m->free_stride) {
        const sim_time *run = m->free_slab + (size_t)st * m->free_stride;
        __builtin_prefetch(run);
        if (m->free_stride > MSIM_FREE_ALIGN)
          __builtin_prefetch(run + MSIM_FREE_ALIGN);
      }
    }
  }
  if (fn2 == ev_hop || fn2 == ev_children || fn2 == ev_timeout || fn2 == ev_reissue ||
      fn2 == ev_connect_timeout) {
    const char *c = (const char *)&m->calls[(uint32_t)arg2];
    __builtin_prefetch(c);
    __builtin_prefetch(c + 64);
  }
}

/* Schedules an event; a failure stops the run. One out-of-line copy, into
 * which link-time optimisation inlines the engine's schedule. */
static __attribute__((noinline)) void msim_enqueue(msim *m, sim_time at, sim_handler fn,
                                                   uint32_t idx) {
  int rc = sim_engine_schedule_at(m->eng, at, fn, m, idx, NULL);
  if (rc != 0 && !m->failed) {
    m->failed = rc;
    sim_engine_stop(m->eng);
  }
}

/* Always inline, so that the handler tests fold away at each call site (as
 * a mere `inline`, link-time optimisation kept one copy that tested the
 * handler at run time: 2% of chain's instructions). */
static inline __attribute__((always_inline)) void msim_schedule(msim *m, sim_time at,
                                                                sim_handler fn, uint32_t idx) {
  if (fn == ev_hop || fn == ev_children || fn == ev_reissue || fn == ev_connect_timeout)
    m->calls[idx].flags |= MCALL_HAS_EVENT;
  msim_enqueue(m, at, fn, idx);
}

/* Sets the operation call c runs, and what its passes need of the service
 * (read here once, not at every pass: a large cluster's service records
 * are far from the cache). */
static inline void msim_set_op(msim *m, mcall *c, uint32_t op) {
  const mservice *svc = &m->svc[m->g.nodes[op].service];
  c->op = op;
  c->proto = svc->protocol;
  c->flags = (uint16_t)((c->flags & ~MCALL_BREAKER) | (svc->breaker ? MCALL_BREAKER : 0));
}

static void msim_trace(msim *m, const mcall *c, const char *what, uint32_t station, sim_time start,
                       sim_time depart) {
  char name[128], line[320];
  const topology *t = m->t;
  if (station < t->n_pods) {
    topo_pod_name(t, station, name, sizeof name);
  } else {
    char who[96];
    uint32_t x = station - t->n_pods;
    if (x < t->n_proxies) {
      topo_proxy_name(t, x, who, sizeof who);
    } else { /* an autoscaled replica beyond the placed ones */
      uint32_t w = 0;
      while (w + 1 < t->n_waypoints && m->wp[w + 1].extra_first <= x)
        w++;
      char dep[80];
      topo_waypoint_name(t, w, dep, sizeof dep);
      snprintf(who, sizeof who, "%.70s#%u", dep,
               t->waypoints[w].n_replicas + (x - m->wp[w].extra_first));
    }
    snprintf(name, sizeof name, "%s(%s)",
             mesh_proxy_kind_name((mesh_proxy_kind)m->st[station].pkind), who);
  }
  snprintf(line, sizeof line, "call %u %s %s%s%s arrive=%.3fus start=%.3fus leave=%.3fus", c->id,
           what, station < t->n_pods ? "app(" : "", name, station < t->n_pods ? ")" : "",
           (double)sim_engine_now(m->eng) / 1e3, (double)start / 1e3, (double)depart / 1e3);
  m->in->trace(m->in->trace_ctx, line);
}

/* One pass through a station: returns the departure time and sets *hold
 * to the worker time it took; in_window = msim_in_window(m, now). */
static inline __attribute__((always_inline)) sim_time
msim_pass(msim *m, uint32_t station, sim_time now, int in_window, double cpu_ns, double on_path,
          sim_time extra_delay, sim_time *hold_out) {
  mstation *ms = &m->st[station];
  sim_time hold = (sim_time)(cpu_ns * ms->stretch + 0.5);
  sim_time delay = on_path >= 1.0 ? hold : (sim_time)((double)hold * on_path + 0.5);
  delay += extra_delay;
  sim_time start = sim_station_accept(&ms->st, now, hold);
  sim_time depart = start + delay;
  ms->busy_total_ns += hold;
  *hold_out = hold;
  if (in_window) {
    uint32_t sec = msim_second(m, now);
    msums *sum = &m->sum;
    ms->win_busy_ns += hold;
    ms->win_sojourn_ns += depart - now;
    sum->cpu_ns_sec[ms->kind][sec] += hold;
    sum->inflight_ns_sec[ms->kind][sec] += depart - now;
  }
  return depart;
}

/* A proxy pass of the window, for the attribution (model_sim.h): its worker
 * time (the hold msim_pass returned) and the time the request spent there
 * go to the namespace of the pod the proxy acts for on side `at` of the
 * call's path: the caller on the client side, the callee on the waypoint
 * and server sides. */
static inline void msim_attribute_pass(msim *m, const mcall *c, uint32_t at, uint32_t station,
                                       sim_time hold, sim_time sojourn) {
  const mstation *ms = &m->st[station];
  uint32_t pod = c->side[at] == PATH_SIDE_CLIENT ? c->src_pod : c->dst_pod;
  if (pod == TOPO_NONE)
    return;
  size_t i = (size_t)ms->kind * m->out->n_namespaces + msim_ns_of(m, pod);
  m->sum.ns_busy_ns[i] += hold;
  m->sum.ns_sojourn_ns[i] += sojourn;
}

/* Whether Kubernetes has taken station st out of its endpoints by now. */
static inline int msim_gone(const msim *m, uint32_t st, sim_time now) {
  /* The clock test first: without removals no pick reads the array. */
  return now >= m->gone_first && m->gone_at[st] <= now;
}

/* A pass's CPU time relative to its mean: lognormal with sigma and mean 1,
 * exp(sigma z - sigma^2 / 2) for z the standard normal quantile of u, so
 * the CPU per request and the cores used stay as calibrated while passes
 * vary as published percentiles show (docs/calibration.md, 3.9). Drawn
 * from a table of MODEL_PASS_LEVELS equiprobable levels (the quantiles at
 * the middle of each 1/N of probability, scaled so their mean is exactly 1)
 * built once per replication: an inverse normal and an exp per pass cost
 * 13% of a run's instructions; the table cuts the tail at the 1 - 1/8192
 * quantile, far beyond any percentile the model reports of a sum of passes. */
#define MODEL_PASS_LEVEL_BITS 13
_Static_assert(MODEL_PASS_LEVEL_BITS >= 1 && MODEL_PASS_LEVEL_BITS <= 32, "crn_level_of's range");
#define MODEL_PASS_LEVELS (1 << MODEL_PASS_LEVEL_BITS)

static int msim_pass_table(double sigma, float **out) {
  float *f = malloc(MODEL_PASS_LEVELS * sizeof *f);
  if (!f)
    return SIM_ENOMEM;
  double sum = 0;
  for (int i = 0; i < MODEL_PASS_LEVELS; i++) {
    double u = (i + 0.5) / MODEL_PASS_LEVELS;
    double x = exp(sigma * gsl_cdf_ugaussian_Pinv(u) - 0.5 * sigma * sigma);
    f[i] = (float)x;
    sum += (double)f[i];
  }
  double scale = MODEL_PASS_LEVELS / sum;
  for (int i = 0; i < MODEL_PASS_LEVELS; i++)
    f[i] = (float)((double)f[i] * scale);
  *out = f;
  return 0;
}

/* The factor of uniform number i of the call keyed kmix: the table's level
 * that number falls in (crn_level_mixed: the same level as the number's
 * double times MODEL_PASS_LEVELS, found in integers). */
static inline double msim_pass_spread(const float *table, uint64_t kmix, uint64_t i) {
  return table[crn_level_mixed(kmix, i, MODEL_PASS_LEVEL_BITS)];
}

/* Destination pod of a call into service sv at `now`, by the service's
 * balancer, among the pods still in its endpoints: a removed pick moves on
 * to the next pod that is not (all removed: the pick stands, and fails).
 * from_pod is the caller's pod (TOPO_NONE: outside the mesh), whose zone a
 * service that prefers close picks in. */
static uint32_t msim_pick_live(msim *m, uint32_t sv, double u, sim_time now, uint32_t from_pod);

static uint32_t msim_pick_pod(msim *m, uint32_t sv, double u) {
  const mservice *svc = &m->svc[sv];
  uint32_t first = svc->first_pod, n = svc->replicas;
  uint32_t i;
  switch ((mesh_lb)svc->lb) {
  case MESH_LB_ROUND_ROBIN:
    i = m->rr_next[sv]++ % n;
    break;
  case MESH_LB_LEAST_REQUEST: { /* power of two choices from one uniform */
    double x = u * n;
    uint32_t a = (uint32_t)x, b = (uint32_t)((x - a) * n);
    if (a >= n)
      a = n - 1;
    if (b >= n)
      b = n - 1;
    i = m->active[first + b] < m->active[first + a] ? b : a;
    break;
  }
  default:
    i = (uint32_t)(u * n);
    if (i >= n)
      i = n - 1;
  }
  return first + i;
}

/* Zone of the caller of a call from src_pod (TOPO_NONE: outside the mesh). */
static inline uint32_t msim_zone_of(const msim *m, uint32_t src_pod) {
  return src_pod == TOPO_NONE ? TOPO_NONE : m->t->node_zone[m->t->pods[src_pod].node];
}

/* PreferClose: a pod of sv in `zone` still in the endpoints, picked by u
 * among them (the next live one from u's pick); TOPO_NONE when the zone has
 * none, and the caller falls back to every zone, as Kubernetes does. */
static uint32_t msim_pick_close(const msim *m, uint32_t sv, uint32_t zone, double u, sim_time now) {
  const uint32_t *at = m->zone_start + (size_t)sv * (m->t->scn->cluster.n_zones + 1);
  uint32_t n = at[zone + 1] - at[zone];
  if (n == 0)
    return TOPO_NONE;
  uint32_t i = (uint32_t)(u * n);
  if (i >= n)
    i = n - 1;
  for (uint32_t k = 0; k < n; k++) {
    uint32_t p = m->zone_pods[at[zone] + (i + k) % n];
    if (!msim_gone(m, p, now))
      return p;
  }
  return TOPO_NONE;
}

static uint32_t msim_pick_live(msim *m, uint32_t sv, double u, sim_time now, uint32_t from_pod) {
  /* The caller's zone only where it counts: reading it costs two dependent
   * loads (its pod, its node's zone) a call, misses in a large cluster. */
  uint32_t zone;
  if (m->zone_pods && m->svc[sv].prefer_close && (zone = msim_zone_of(m, from_pod)) != TOPO_NONE) {
    uint32_t p = msim_pick_close(m, sv, zone, u, now);
    if (p != TOPO_NONE)
      return p;
  }
  uint32_t p = msim_pick_pod(m, sv, u);
  if (!msim_gone(m, p, now))
    return p;
  uint32_t first = m->svc[sv].first_pod, n = m->svc[sv].replicas;
  for (uint32_t k = 1; k < n; k++) {
    uint32_t q = first + (p - first + k) % n;
    if (!msim_gone(m, q, now))
      return q;
  }
  return p;
}

/* The waypoint replica of call c among the placed ones: when Kubernetes
 * has removed the one its path picked, the next one still in the endpoints;
 * when the destination prefers close, one in the caller's zone if any. */
static void msim_live_waypoint(msim *m, mcall *c, sim_time now) {
  uint32_t zone = m->s->services[m->t->pods[c->dst_pod].service].prefer_close
                      ? msim_zone_of(m, c->src_pod)
                      : TOPO_NONE;
  for (uint32_t k = 0; k < c->n_proxies; k++) {
    if (c->side[k] != PATH_SIDE_MIDDLE || c->proxy[k] >= m->t->n_proxies)
      continue;
    const topology *t = m->t;
    uint32_t cur = c->proxy[k];
    int live = !msim_gone(m, t->n_pods + cur, now);
    if (live && (zone == TOPO_NONE || t->node_zone[t->proxies[cur].node] == zone))
      continue;
    const topo_waypoint *tw = &t->waypoints[t->proxies[cur].owner];
    uint32_t best = live ? cur : TOPO_NONE;
    for (uint32_t r = 0; r < tw->n_replicas; r++) {
      uint32_t px = tw->first_proxy + (cur - tw->first_proxy + r) % tw->n_replicas;
      if (msim_gone(m, t->n_pods + px, now))
        continue;
      if (best == TOPO_NONE)
        best = px;
      if (zone != TOPO_NONE && t->node_zone[t->proxies[px].node] == zone) {
        best = px;
        break;
      }
    }
    if (best != TOPO_NONE && best != cur) {
      c->proxy[k] = best;
      c->node[PATH_SIDE_MIDDLE] = t->proxies[best].node;
    }
  }
}

/* With autoscaling, the waypoint replica is one of the active ones. */
static void msim_pick_replica(msim *m, mcall *c) {
  for (uint32_t k = 0; k < c->n_proxies; k++) {
    if (c->side[k] != PATH_SIDE_MIDDLE)
      continue;
    uint32_t w = m->t->proxies[c->proxy[k]].owner;
    const topo_waypoint *tw = &m->t->waypoints[w];
    uint32_t n = m->wp[w].active;
    uint32_t r = (uint32_t)(crn_uniform_mixed(c->kmix, MODEL_CRN_WAYPOINT) * n);
    if (r >= n)
      r = n - 1;
    uint32_t px =
        r < tw->n_replicas ? tw->first_proxy + r : m->wp[w].extra_first + r - tw->n_replicas;
    c->proxy[k] = px;
    c->node[PATH_SIDE_MIDDLE] = m->st_node[m->t->n_pods + px];
  }
}

/* The retry policy callers apply to calls into service sv. */
static inline const scenario_retry *msim_retry_of(const msim *m, uint32_t sv) {
  return &m->s->services[sv].retry;
}

/* Fills path and sizes of call idx and schedules its first element. */
/* When the external client of root call c gives up (its traffic entry's
 * timeout from the arrival, retries included); SIM_TIME_NEVER without one.
 * Checked when the response arrives, not by a timer: the client's giving up
 * changes nothing inside the mesh (the work goes on, as it would), so one
 * comparison per request replaces an event per request. */
static sim_time msim_client_deadline(const msim *m, const mcall *c) {
  sim_time to = m->s->traffic[c->ordinal].timeout_ns;
  return to > 0 ? sim_time_add_sat(c->origin, to) : SIM_TIME_NEVER;
}

/* Whether proxy px on c's client side is an Envoy that applies Istio's
 * client policy (connection pool, default retries): a sidecar, or an
 * ingress gateway in front of a meshed pod (in front of a pod without a
 * mesh it is a plain Envoy ingress with no Istio policy). */
static inline int msim_client_envoy(const msim *m, const mcall *c, uint32_t px) {
  uint8_t k = m->st[m->t->n_pods + px].pkind;
  return k == MESH_PROXY_SIDECAR ||
         (k == MESH_PROXY_GATEWAY && m->t->pods[c->dst_pod].mode != MESH_NS_NONE);
}

/* Position in c's path of the proxy that applies the destination's
 * connection pool (Istio DestinationRule): the waypoint, which holds the
 * destination's Envoy cluster in ambient mode, else the caller's sidecar;
 * -1 when neither is on the path (ztunnels have no connection pool limits;
 * an external caller has no sidecar). */
static int msim_pool_step(const msim *m, const mcall *c) {
  int client = -1;
  for (int k = 0; k < c->n_proxies; k++) {
    if (c->side[k] == PATH_SIDE_MIDDLE)
      return k;
    if (c->side[k] == PATH_SIDE_CLIENT && msim_client_envoy(m, c, c->proxy[k]))
      client = k;
  }
  return client;
}

/* Gives back call c's place in its proxy's circuit breaker, if it holds one. */
static void msim_unpool(msim *m, mcall *c) {
  if (!(c->flags & MCALL_POOLED))
    return;
  c->flags &= ~MCALL_POOLED;
  int k = msim_pool_step(m, c);
  uint32_t *n = pair_count_slot(&m->pooled, c->proxy[k], m->t->pods[c->dst_pod].service);
  if (n && *n)
    (*n)--;
}

/* The replica of ingress gateway g for call c, picked by its key among the
 * replicas still in the endpoints (the next live one from its pick). */
static uint32_t msim_pick_gateway(const msim *m, const mcall *c, uint32_t g, sim_time now) {
  uint32_t first = m->t->gateway_first_proxy[g], n = m->s->gateways[g].replicas;
  uint32_t r = (uint32_t)(crn_uniform_mixed(c->kmix, MODEL_CRN_GATEWAY) * n);
  if (r >= n)
    r = n - 1;
  for (uint32_t k = 0; k < n; k++)
    if (!msim_gone(m, m->t->n_pods + first + (r + k) % n, now))
      return first + (r + k) % n;
  return first + r;
}

static void msim_issue(msim *m, uint32_t idx, sim_time now) {
  mcall *c = &m->calls[idx];
  path p;
  c->kmix = crn_key_mix(m->seed_mix, c->key);
  uint32_t via = c->parent == MCALL_NONE ? m->s->traffic[c->ordinal].via : SCN_NONE;
  double u_wp = crn_uniform_mixed(c->kmix, MODEL_CRN_WAYPOINT);
  if (via < m->s->n_gateways) {
    path_build_gateway(m->t, msim_pick_gateway(m, c, via, now), m->s->gateways[via].use_waypoint,
                       c->dst_pod, u_wp, &p);
    c->flags |= MCALL_GATEWAY;
  } else {
    path_build(m->t, c->src_pod, c->dst_pod, u_wp, &p);
  }
  memcpy(c->proxy, p.proxy, sizeof c->proxy);
  memcpy(c->side, p.side, sizeof c->side);
  memcpy(c->node, p.node, sizeof c->node);
  c->n_proxies = p.n;
  c->gap_mask = msim_gap_mask(c);
  if (m->wp)
    msim_pick_replica(m, c);
  if (c->n_proxies && (m->plan || m->zone_pods))
    msim_live_waypoint(m, c, now);
  c->step = 0;
  c->cursor = 0;
  c->pending = 0;
  c->start = now;
  if (crn_uniform_mixed(c->kmix, CRN_NEW_CONNECTION) < m->s->mesh.new_connection_share)
    c->flags |= MCALL_NEWCONN;
  m->active[c->dst_pod]++;
  sim_time try_timeout_ns = m->svc[m->t->pods[c->dst_pod].service].try_timeout_ns;
  if (try_timeout_ns > 0) {
    /* A root's try ends no later than its client's patience. */
    sim_time at = sim_time_add_sat(now, try_timeout_ns);
    if (c->parent == MCALL_NONE && msim_client_deadline(m, c) < at)
      at = msim_client_deadline(m, c) > now ? msim_client_deadline(m, c) : now;
    if (sim_engine_schedule_at(m->eng, at, ev_timeout, m, idx, &c->timer) == 0) {
      c->flags |= MCALL_TIMER;
      c->deadline = at;
    }
  }
  msim_schedule(m, now + msim_gap(m, c, 0, now), ev_hop, idx);
}

/* Ordinal o of an operation's calls -> the call entry it belongs to. */
static const scenario_call *msim_call_entry(const op_node *x, uint32_t o) {
  for (uint32_t j = 0; j < x->n_calls; j++) {
    if (o < x->calls[j].count)
      return &x->calls[j];
    o -= x->calls[j].count;
  }
  return NULL;
}

/* The way of choice c that the uniform u picks: the first whose running sum
 * of shares passes u (the last one when rounding leaves u above them all). */
static const scenario_target *msim_pick_way(const scenario_target *ways, uint32_t n, double u) {
  double sum = 0;
  for (uint32_t i = 0; i + 1 < n; i++) {
    sum += ways[i].share;
    if (u < sum)
      return &ways[i];
  }
  return &ways[n - 1];
}

/* Key of try `attempt` of child ordinal o of a call keyed `parent_key`. */
static inline uint64_t msim_child_key(uint64_t parent_key, uint32_t o, uint32_t attempt) {
  uint64_t k = crn_child_key(parent_key, o);
  return attempt ? crn_child_key(k, 1000u + attempt) : k;
}

/* Creates and issues try `attempt` of child ordinal o of call idx. */
static void msim_start_child(msim *m, uint32_t idx, uint32_t o, uint32_t attempt, sim_time now) {
  uint32_t child = msim_call_new(m);
  if (child == MCALL_NONE)
    return;
  const mcall *c = &m->calls[idx]; /* the pool may have moved */
  const scenario_call *ce = msim_call_entry(&m->g.nodes[c->op], o);
  uint64_t key = msim_child_key(c->key, o, attempt);
  uint32_t target = ce->target, op = ce->op;
  int64_t req = ce->request_bytes, resp = ce->response_bytes;
  if (ce->n_choice) {
    const scenario_target *w = msim_pick_way(
        ce->choice, ce->n_choice, msim_u(m, msim_child_key(c->key, o, 0), MODEL_CRN_CHOICE));
    target = w->service;
    op = w->op;
    req = w->request_bytes;
    resp = w->response_bytes;
  }
  mcall *k = &m->calls[child];
  k->key = key;
  k->parent = idx;
  k->src_pod = c->dst_pod;
  k->dst_pod = msim_pick_live(m, target, msim_u(m, key, CRN_PICK), now, c->dst_pod);
  msim_set_op(m, k, op_graph_node(&m->g, target, op));
  k->req_bytes = (uint32_t)req;
  k->resp_bytes = (uint32_t)resp;
  k->flags |= c->flags & (MCALL_TRACED | MCALL_MEASURED);
  k->origin = c->origin;
  k->ordinal = (uint16_t)o;
  k->attempt = (uint8_t)attempt;
  k->id = (uint32_t)m->next_call_id++;
  msim_issue(m, child, now);
}

/* Issues child ordinal o of call idx if it happens; 1 if issued. */
static int msim_try_child(msim *m, uint32_t idx, uint32_t o, sim_time now) {
  const mcall *c = &m->calls[idx];
  const scenario_call *ce = msim_call_entry(&m->g.nodes[c->op], o);
  if (ce->probability < 1.0 &&
      crn_uniform_mixed(c->kmix, 4ull * o + CRN_HAPPENS) >= ce->probability)
    return 0;
  m->calls[idx].pending++;
  msim_start_child(m, idx, o, 0, now);
  return 1;
}

/* Issues the next child of a sequential call; 0 when none is left. */
static int msim_next_sequential(msim *m, uint32_t idx, sim_time now) {
  uint32_t total = m->g.nodes[m->calls[idx].op].n_ordinals;
  while (m->calls[idx].cursor < total) {
    uint32_t o = m->calls[idx].cursor++;
    if (msim_try_child(m, idx, o, now))
      return 1;
  }
  return 0;
}

/* The call's application work (and children) is done: start the response. */
static void msim_respond(msim *m, uint32_t idx, sim_time now) {
  mcall *c = &m->calls[idx];
  c->flags &= ~MCALL_APP_HELD;
  c->step = (uint8_t)(c->n_proxies + 1);
  msim_schedule(m, now + msim_gap(m, c, c->step, now), ev_hop, idx);
}

static void msim_finish_second(msim *m) {
  if (m->cur_sec < m->out->n_seconds && m->sec_hist.count > 0)
    m->out->p99_ms_sec[m->cur_sec] = sim_hist_quantile(&m->sec_hist, 0.99) / 1e6;
  sim_hist_reset(&m->sec_hist);
}

/* The burst (as a drill index) that most recently started at or before t. */
static uint32_t msim_latest_burst(const msim *m, sim_time t) {
  uint32_t best = MODEL_NO_DRILL;
  sim_time at = -1;
  for (uint32_t b = 0; b < m->n_bursts; b++)
    if (m->burst_at[b] <= t && m->burst_at[b] > at) {
      at = m->burst_at[b];
      best = m->s->n_failures + b;
    }
  return best;
}

/* Drills in progress when a slow request arrived, for SLO attribution; a
 * burst also counts the slow request as not yet recovered. */
static void msim_drill_slo(msim *m, sim_time origin, sim_time now) {
  for (uint32_t i = 0; m->plan && i < m->plan->n_outages; i++) {
    const failure_outage *o = &m->plan->outages[i];
    if (origin >= o->start_ns && origin < o->end_ns)
      m->out->drill_slo[o->drill]++;
  }
  for (uint32_t b = 0; b < m->n_bursts; b++)
    if (origin >= m->burst_at[b] && origin < m->burst_end[b]) {
      uint32_t d = m->s->n_failures + b;
      m->out->drill_slo[d]++;
      if (now > m->out->drill_last_fail_ns[d])
        m->out->drill_last_fail_ns[d] = now;
    }
}

/* Latency and SLO miss of a request that arrived in drills' windows. */
static void msim_drill_windows(msim *m, sim_time origin, sim_time lat) {
  model_rep *o = m->out;
  for (uint32_t d = 0; d < o->n_drills; d++)
    if (origin >= m->window_at[d] && origin < m->window_end[d]) {
      sim_hist_add(&o->drill_lat[d], lat);
      o->drill_window_slo[d] += lat > m->s->meta.slo_ns;
    }
}

static void msim_root_done(msim *m, const mcall *c, sim_time now) {
  if (!(c->flags & MCALL_MEASURED))
    return;
  sim_time gave_up = msim_client_deadline(m, c);
  if (now > gave_up) { /* the client stopped waiting before the answer came */
    m->out->timeouts++;
    msim_root_failed(m, c, gave_up, msim_latest_burst(m, gave_up), MFAIL_TIMEOUT);
    return;
  }
  m->live_measured--;
  sim_time lat = now - c->origin;
  model_rep *o = m->out;
  o->requests++;
  o->ns_requests[msim_root_ns(m, c)]++;
  o->ns_latency_ns[msim_root_ns(m, c)] += (double)lat;
  if (o->n_drills)
    msim_drill_windows(m, c->origin, lat);
  sim_hist_add(&o->latency_ns, lat);
  if (lat > m->s->meta.slo_ns) {
    o->slo_violations++;
    msim_drill_slo(m, c->origin, now);
  }
  if (now < m->t_end) {
    /* Deliveries are processed up to one network hop ahead of their time,
     * so a second may still receive a straggler after the next one began:
     * it counts, but only the current second feeds the p99 histogram. */
    uint32_t sec = msim_second(m, now);
    if (sec > m->cur_sec) {
      msim_finish_second(m);
      m->cur_sec = sec;
    }
    o->done_sec[sec] += 1;
    if (sec == m->cur_sec)
      sim_hist_add(&m->sec_hist, lat);
  }
}

/* A root request failed for good. */
static void msim_root_failed(msim *m, const mcall *c, sim_time now, uint32_t drill,
                             mfail_cause cause) {
  if (!(c->flags & MCALL_MEASURED))
    return;
  m->live_measured--;
  model_rep *o = m->out;
  o->errors++;
  o->ns_errors[msim_root_ns(m, c)]++;
  o->err_timeout += cause == MFAIL_TIMEOUT;
  o->err_rejected += cause == MFAIL_REJECTED;
  o->err_outage += cause == MFAIL_OUTAGE;
  sim_hist_add(&o->fail_ns, now - c->origin);
  uint32_t sec = now < m->t_end ? msim_second(m, now) : o->n_seconds;
  if (now < m->t_end)
    o->failed_sec[sec] += 1;
  if (drill != MODEL_NO_DRILL) {
    o->drill_failed[drill]++;
    if (now > o->drill_last_fail_ns[drill])
      o->drill_last_fail_ns[drill] = now;
    o->drill_failed_sec[(size_t)drill * (o->n_seconds + 1) + sec] += 1;
  }
}

/* Frees a failed call once nothing refers to it any more. */
static void msim_maybe_reap(msim *m, uint32_t idx) {
  const mcall *c = &m->calls[idx];
  if ((c->flags & MCALL_FAILED) && !(c->flags & MCALL_HAS_EVENT) && c->pending == 0)
    msim_call_free(m, idx);
}

static void msim_cancel_timer(msim *m, mcall *c) {
  if (c->flags & MCALL_TIMER) {
    sim_engine_cancel(m->eng, c->timer);
    c->flags &= ~MCALL_TIMER;
  }
}

static void msim_deliver(msim *m, uint32_t idx, sim_time now) {
  mcall *c = &m->calls[idx];
  m->active[c->dst_pod]--;
  msim_cancel_timer(m, c);
  msim_unpool(m, c);
  uint32_t parent = c->parent;
  if (parent == MCALL_NONE) {
    msim_root_done(m, c, now);
    msim_call_free(m, idx);
    return;
  }
  msim_call_free(m, idx);
  mcall *p = &m->calls[parent];
  p->pending--;
  if (p->flags & MCALL_FAILED) {
    msim_maybe_reap(m, parent);
    return;
  }
  if (!m->g.nodes[p->op].parallel) {
    if (!msim_next_sequential(m, parent, now))
      msim_respond(m, parent, now);
  } else if (p->pending == 0) {
    msim_respond(m, parent, now);
  }
}

/* Marks the pods a failure touched (both ends of the failed call). */
static void msim_mark_pods(msim *m, const mcall *c, uint32_t drill) {
  if (drill == MODEL_NO_DRILL)
    return;
  uint8_t *row = m->out->drill_pods + (size_t)drill * m->out->n_pods;
  row[c->dst_pod] = 1;
  if (c->src_pod != TOPO_NONE)
    row[c->src_pod] = 1;
}

/* Call idx fails at `now` (drill = the drill behind it, or MODEL_NO_DRILL
 * for timeouts and refusals; cause = what failed it). The caller retries if
 * its policy allows (an external client only while its own timeout has not
 * passed), else fails in turn. */
static void msim_fail(msim *m, uint32_t idx, sim_time now, uint32_t drill, mfail_cause cause) {
  mcall *c = &m->calls[idx];
  if (c->flags & MCALL_FAILED)
    return;
  if (drill == MODEL_NO_DRILL) /* timeouts and scale-down resets: blame the latest burst */
    drill = msim_latest_burst(m, now);
  c->flags |= MCALL_FAILED;
  c->flags &= ~MCALL_APP_HELD;
  m->active[c->dst_pod]--;
  msim_cancel_timer(m, c);
  msim_unpool(m, c);
  msim_mark_pods(m, c, drill);
  uint32_t parent = c->parent, attempt = c->attempt, ordinal = c->ordinal;
  uint32_t svc = m->t->pods[c->dst_pod].service;
  const scenario_retry *rp = msim_retry_of(m, svc);
  if (c->flags & MCALL_TRACED && m->in->trace) {
    char line[96];
    snprintf(line, sizeof line, "call %u failed at %.3fus", c->id, (double)now / 1e3);
    m->in->trace(m->in->trace_ctx, line);
  }
  int retry = attempt + 1 < rp->attempts && attempt + 1 < 255;
  if (parent == MCALL_NONE && sim_time_add_sat(now, rp->backoff_ns) >= msim_client_deadline(m, c))
    retry = 0;
  if (parent == MCALL_NONE) {
    if (retry) { /* the external client retries: a new root with the same origin */
      uint32_t n = msim_call_new(m);
      if (n != MCALL_NONE) {
        c = &m->calls[idx];
        mcall *r = &m->calls[n];
        r->key = msim_child_key(c->key, 0, attempt + 1);
        r->parent = MCALL_NONE;
        r->src_pod = c->src_pod;  /* the same client tries again */
        msim_set_op(m, r, c->op); /* and asks for the same operation */
        r->dst_pod = msim_pick_live(m, svc, msim_u(m, r->key, CRN_PICK), now, c->src_pod);
        r->req_bytes = c->req_bytes;
        r->resp_bytes = c->resp_bytes;
        r->flags |= c->flags & (MCALL_TRACED | MCALL_MEASURED);
        r->origin = c->origin;
        r->ordinal = c->ordinal; /* the traffic entry: its client's timeout */
        r->attempt = (uint8_t)(attempt + 1);
        r->id = (uint32_t)m->next_call_id++;
        m->out->retries++;
        /* the retry is issued after the backoff by ev_retry */
        r->step = 0;
        msim_schedule(m, now + rp->backoff_ns, ev_retry, n);
      }
    } else {
      msim_root_failed(m, c, now, drill, cause);
    }
    msim_maybe_reap(m, idx);
    return;
  }
  msim_maybe_reap(m, idx);
  if (retry) {
    m->out->retries++;
    uint64_t arg = (uint64_t)parent | ((uint64_t)ordinal << 32) | ((uint64_t)(attempt + 1) << 48) |
                   (1ull << 63);
    int rc = sim_engine_schedule_at(m->eng, now + rp->backoff_ns, ev_retry, m, arg, NULL);
    if (rc == 0)
      return;
  }
  mcall *p = &m->calls[parent];
  p->pending--;
  msim_fail(m, parent, now, drill, cause);
  msim_maybe_reap(m, parent);
}

/* A retry: either a prepared root call (bit 63 clear: arg is its index) or
 * try `attempt` of child `ordinal` of `parent`. */
static void ev_retry(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  sim_time now = sim_engine_now(e);
  if (!(arg >> 63)) {
    uint32_t idx = (uint32_t)arg;
    m->calls[idx].flags &= ~MCALL_HAS_EVENT;
    msim_issue(m, idx, now);
    return;
  }
  uint32_t parent = (uint32_t)arg, ordinal = (uint32_t)(arg >> 32) & 0xffff;
  uint32_t attempt = (uint32_t)(arg >> 48) & 0x7fff;
  if (m->calls[parent].flags & MCALL_FAILED) { /* the caller died meanwhile */
    m->calls[parent].pending--;
    msim_maybe_reap(m, parent);
    return;
  }
  msim_start_child(m, parent, ordinal, attempt, now);
}

static void ev_timeout(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  uint32_t idx = (uint32_t)arg;
  m->calls[idx].flags &= ~MCALL_TIMER;
  m->out->timeouts++;
  msim_fail(m, idx, sim_engine_now(e), MODEL_NO_DRILL, MFAIL_TIMEOUT);
}

/* Path position of the Envoy that retries call c under the mesh's default
 * policy: the caller's sidecar, else the destination's waypoint (the one
 * that holds the destination's route); -1 when neither is on the path
 * (ztunnels are L4 and do not retry, nor does a caller without a sidecar). */
static int msim_retrier_step(const msim *m, const mcall *c) {
  for (int k = 0; k < c->n_proxies; k++)
    if (c->side[k] == PATH_SIDE_MIDDLE ||
        (c->side[k] == PATH_SIDE_CLIENT && msim_client_envoy(m, c, c->proxy[k])))
      return k;
  return -1;
}

/* The mesh's retry of call idx, whose connection toward path element `step`
 * (a request pass, or the application at step n_proxies) failed: Istio's
 * default policy retries connect failures (connect-failure, refused-stream),
 * not resets of calls in flight (`reset` is not in its retry_on). The
 * retrying Envoy must sit before that element. The next try goes to another
 * pod (Envoy's previous_hosts predicate, up to 5 picks) after Envoy's
 * jittered back-off, uniform in [0, (2^n - 1) x base) for retry n. Returns
 * 1 when the call was re-issued; nothing counts as failed then. */
static int msim_mesh_retry(msim *m, uint32_t idx, uint32_t step, sim_time now) {
  mcall *c = &m->calls[idx];
  if ((c->parent == MCALL_NONE && c->src_pod == TOPO_NONE && !(c->flags & MCALL_GATEWAY)) ||
      c->mesh_try >= m->s->mesh.retries || c->mesh_try == UINT8_MAX)
    return 0;
  int k = msim_retrier_step(m, c);
  if (k < 0 || (uint32_t)k >= step)
    return 0;
  uint32_t old = c->dst_pod, sv = m->t->pods[old].service;
  m->active[old]--;
  msim_cancel_timer(m, c);
  msim_unpool(m, c);
  c->flags &= ~(MCALL_APP_HELD | MCALL_CONNECTING | MCALL_NEWCONN);
  c->mesh_try++;
  c->key = crn_child_key(c->key, 3000u + c->mesh_try);
  uint32_t pick = old;
  for (uint32_t h = 0; h < 5 && pick == old && m->s->services[sv].replicas > 1; h++)
    pick = msim_pick_live(m, sv, msim_u(m, crn_child_key(c->key, 4000u + h), CRN_PICK), now,
                          c->src_pod);
  c->dst_pod = pick;
  double span = (double)((1u << (c->mesh_try < 20 ? c->mesh_try : 20)) - 1u) *
                (double)m->s->mesh.retry_backoff_ns;
  sim_time backoff = (sim_time)(msim_u(m, c->key, MODEL_CRN_BACKOFF) * span);
  c->step = 0;
  c->n_proxies = 0; /* holds nothing until re-issued */
  m->out->mesh_retries++;
  msim_schedule(m, sim_time_add_sat(now, backoff), ev_reissue, idx);
  return 1;
}

/* Call idx reaches path element `step` (station `station`) down: its
 * connection fails. Toward a node that is gone (the pod's own station is
 * down: a node outage) nothing answers, so the failure shows only at the
 * connect timeout; a crashed process on a live node refuses at once. Then
 * the mesh retries, or the call fails. */
static void msim_connect_failed(msim *m, uint32_t idx, uint32_t station, uint32_t step,
                                sim_time now) {
  mcall *c = &m->calls[idx];
  if (m->st[c->dst_pod].down && !(c->flags & MCALL_CONNECTING) &&
      m->s->mesh.connect_timeout_ns > 0) {
    c->flags |= MCALL_CONNECTING;
    msim_schedule(m, sim_time_add_sat(now, m->s->mesh.connect_timeout_ns), ev_connect_timeout, idx);
    return;
  }
  c->flags &= ~MCALL_CONNECTING;
  if (msim_mesh_retry(m, idx, step, now))
    return;
  msim_fail(m, idx, now, m->down_drill[station], MFAIL_OUTAGE);
}

static void ev_reissue(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  uint32_t idx = (uint32_t)arg;
  m->calls[idx].flags &= ~MCALL_HAS_EVENT;
  if (m->calls[idx].flags & MCALL_FAILED) {
    msim_maybe_reap(m, idx);
    return;
  }
  msim_issue(m, idx, sim_engine_now(e));
}

static void ev_connect_timeout(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  uint32_t idx = (uint32_t)arg;
  mcall *c = &m->calls[idx];
  c->flags &= ~MCALL_HAS_EVENT;
  if (c->flags & MCALL_FAILED) {
    msim_maybe_reap(m, idx);
    return;
  }
  /* A connect is made on the way in (step <= n_proxies). */
  msim_connect_failed(m, idx, msim_step_station(m, c), c->step, sim_engine_now(e));
}

/* ---- events ------------------------------------------------------------- */

static void ev_hop(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  uint32_t idx = (uint32_t)arg;
  mcall *c = &m->calls[idx];
  c->flags &= ~MCALL_HAS_EVENT;
  if (c->flags & MCALL_FAILED) {
    msim_maybe_reap(m, idx);
    return;
  }
  sim_time now = sim_engine_now(e);
  uint32_t r = c->n_proxies, step = c->step;
  const topology *t = m->t;

  if (step < r || (step > r && step <= 2 * r)) { /* a proxy pass */
    mesh_proto proto = (mesh_proto)c->proto;
    int request = step < r;
    uint32_t px = c->proxy[request ? step : 2 * r - step];
    uint32_t station = t->n_pods + px;
    if (m->st[station].down) {
      if (request)
        msim_connect_failed(m, idx, station, step, now);
      else /* the response finds it gone: a reset, not retried */
        msim_fail(m, idx, now, m->down_drill[station], MFAIL_OUTAGE);
      return;
    }
    if (request && (c->flags & MCALL_BREAKER) && (int)step == msim_pool_step(m, c)) {
      uint32_t sv = t->pods[c->dst_pod].service;
      uint32_t max_requests = m->s->services[sv].max_requests;
      uint32_t *n = pair_count_slot(&m->pooled, px, sv);
      if (!n) {
        m->failed = SIM_ENOMEM;
        sim_engine_stop(e);
        return;
      }
      if (*n >= max_requests) { /* Envoy's overflow: a local 503, no upstream request */
        msim_fail(m, idx, now, MODEL_NO_DRILL, MFAIL_REJECTED);
        return;
      }
      (*n)++;
      c->flags |= MCALL_POOLED;
    }
    mesh_proxy_kind kind = (mesh_proxy_kind)m->st[station].pkind;
    double cpu = kind == MESH_PROXY_GATEWAY && t->pods[c->dst_pod].mode == MESH_NS_NONE
                     ? proxy_pass_cpu_plain_ns(m->pass_profile[kind], proto,
                                               request ? c->req_bytes : c->resp_bytes)
                     : proxy_pass_cpu_ns(m->pass_profile[kind], proto,
                                         request ? c->req_bytes : c->resp_bytes,
                                         request && (c->flags & MCALL_NEWCONN));
    if (m->pass_factor[kind])
      cpu *= msim_pass_spread(m->pass_factor[kind], c->kmix, MODEL_CRN_PASS + step);
    int in_window = msim_in_window(m, now);
    sim_time hold;
    sim_time depart = msim_pass(m, station, now, in_window, cpu, m->pass_on_path[kind][proto],
                                m->pass_latency[kind], &hold);
    if (in_window)
      msim_attribute_pass(m, c, request ? step : 2 * r - step, station, hold, depart - now);
    if (c->flags & MCALL_TRACED)
      msim_trace(m, c, request ? "request" : "response", station, depart, depart);
    c->step++;
    sim_time next = depart + msim_gap(m, c, c->step, depart);
    /* After its last pass a response holds nothing until it reaches the
     * caller, so it is delivered now (for time `next`) instead of by one
     * more event, unless its timeout would expire first. */
    if (c->step > 2 * r && (!(c->flags & MCALL_TIMER) || c->deadline > next))
      msim_deliver(m, idx, next);
    else
      msim_schedule(m, next, ev_hop, idx);
    return;
  }
  if (step == r) { /* the application */
    if (m->st[c->dst_pod].down) {
      msim_connect_failed(m, idx, c->dst_pod, step, now);
      return;
    }
    if (sim_station_full(&m->st[c->dst_pod].st, now)) { /* the pod's waiting room is full: 503 */
      msim_fail(m, idx, now, MODEL_NO_DRILL, MFAIL_REJECTED);
      return;
    }
    const op_node *x = &m->g.nodes[c->op];
    double u = crn_uniform_mixed(c->kmix, CRN_SERVICE_TIME);
    double work = sim_dist_quantile(&x->service_time, u);
    sim_time hold;
    sim_time depart = msim_pass(m, c->dst_pod, now, msim_in_window(m, now), work, 1.0, 0, &hold);
    if (c->flags & MCALL_TRACED)
      msim_trace(m, c, "serve", c->dst_pod, depart, depart);
    c->flags |= MCALL_APP_HELD;
    c->step = (uint8_t)(r + 1);
    if (x->n_ordinals > 0)
      msim_schedule(m, depart, ev_children, idx);
    else
      msim_respond(m, idx, depart);
    return;
  }
  msim_deliver(m, idx, now);
}

static void ev_children(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  uint32_t idx = (uint32_t)arg;
  m->calls[idx].flags &= ~MCALL_HAS_EVENT;
  if (m->calls[idx].flags & MCALL_FAILED) {
    msim_maybe_reap(m, idx);
    return;
  }
  sim_time now = sim_engine_now(e);
  const op_node *x = &m->g.nodes[m->calls[idx].op];
  if (x->parallel) {
    for (uint32_t o = 0; o < x->n_ordinals; o++)
      msim_try_child(m, idx, o, now);
    if (m->calls[idx].pending == 0 && !(m->calls[idx].flags & MCALL_FAILED))
      msim_respond(m, idx, now);
  } else if (!msim_next_sequential(m, idx, now) && !(m->calls[idx].flags & MCALL_FAILED)) {
    msim_respond(m, idx, now);
  }
}

/* Whether call c currently holds station st (see the file comment). */
static int msim_holds(const msim *m, const mcall *c, const uint8_t *mark) {
  uint32_t r = c->n_proxies, step = c->step, n_pods = m->t->n_pods;
  if ((c->flags & MCALL_APP_HELD) && mark[c->dst_pod])
    return 1;
  /* Proxies passed on the way in and not yet on the way out. */
  uint32_t held = step <= r ? step : (2 * r + 1 - step);
  if (step > 2 * r)
    held = 0;
  for (uint32_t k = 0; k < held && k < r; k++)
    if (mark[n_pods + c->proxy[k]])
      return 1;
  return 0;
}

/* Fails every live call holding one of the outage's stations. */
static void msim_reset_holders(msim *m, const failure_outage *o, sim_time now) {
  for (uint32_t i = 0; i < o->n_stations; i++)
    m->scan_mark[o->stations[i]] = 1;
  for (uint32_t idx = 0; idx < m->cap_calls; idx++) {
    const mcall *c = &m->calls[idx];
    if ((c->flags & MCALL_LIVE) && !(c->flags & MCALL_FAILED) && msim_holds(m, c, m->scan_mark))
      msim_fail(m, idx, now, o->drill, MFAIL_OUTAGE);
  }
  for (uint32_t i = 0; i < o->n_stations; i++)
    m->scan_mark[o->stations[i]] = 0;
}

/* The station whose endpoint a crash of station st removes, or TOPO_NONE:
 * a pod (its application, or its sidecar: the pod stops being ready), a
 * waypoint replica or an ingress gateway replica. A ztunnel is no endpoint: its pods stay ready, so
 * Kubernetes never takes them out. */
static uint32_t msim_endpoint_of(const msim *m, uint32_t st) {
  uint32_t n_pods = m->t->n_pods;
  if (st < n_pods)
    return st;
  uint32_t x = st - n_pods;
  if (x >= m->t->n_proxies)
    return TOPO_NONE;
  mesh_proxy_kind k = m->t->proxies[x].kind;
  return k == MESH_PROXY_SIDECAR                               ? m->t->proxies[x].owner
         : k == MESH_PROXY_WAYPOINT || k == MESH_PROXY_GATEWAY ? st
                                                               : TOPO_NONE;
}

/* When Kubernetes takes the endpoints an outage kills out of service: a
 * node outage (it takes application stations) after the node grace period,
 * a crashed container after the kubelet reports it; never with a delay of 0. */
static void msim_schedule_removal(msim *m, const failure_outage *o, sim_time now) {
  int node = 0;
  for (uint32_t i = 0; i < o->n_stations && !node; i++)
    node = o->stations[i] < m->t->n_pods;
  sim_time delay = node ? m->s->cluster.detect_node_ns : m->s->cluster.detect_pod_ns;
  if (delay <= 0)
    return;
  for (uint32_t i = 0; i < o->n_stations; i++) {
    uint32_t ep = msim_endpoint_of(m, o->stations[i]);
    sim_time at = sim_time_add_sat(now, delay);
    if (ep != TOPO_NONE && at < m->gone_at[ep])
      m->gone_at[ep] = at;
    if (ep != TOPO_NONE && at < m->gone_first)
      m->gone_first = at;
    if (ep != TOPO_NONE && at < o->end_ns && delay > m->out->drill_detect_ns[o->drill])
      m->out->drill_detect_ns[o->drill] = delay;
  }
}

static void ev_outage_start(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  const failure_outage *o = &m->plan->outages[arg];
  if (!o->crash)
    return; /* upgrades keep serving new connections until the drain ends */
  for (uint32_t i = 0; i < o->n_stations; i++) {
    m->st[o->stations[i]].down++;
    m->down_drill[o->stations[i]] = o->drill;
    sim_station_flush(&m->st[o->stations[i]].st, sim_engine_now(e));
  }
  msim_schedule_removal(m, o, sim_engine_now(e));
  msim_reset_holders(m, o, sim_engine_now(e));
}

static void ev_outage_end(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  const failure_outage *o = &m->plan->outages[arg];
  if (o->crash) {
    for (uint32_t i = 0; i < o->n_stations; i++) {
      m->st[o->stations[i]].down--;
      uint32_t ep = msim_endpoint_of(m, o->stations[i]);
      if (ep != TOPO_NONE && !m->st[o->stations[i]].down)
        m->gone_at[ep] = SIM_TIME_NEVER; /* back and ready */
    }
  } else {
    msim_reset_holders(m, o, sim_engine_now(e)); /* the drain ends: old connections reset */
  }
}

/* ---- waypoint autoscaling ------------------------------------------------ */

#define MODEL_AUTOSCALE_PERIOD SIM_S /* how often utilisation is evaluated */

/* Station of replica r of waypoint w. */
static uint32_t msim_replica_station(const msim *m, uint32_t w, uint32_t r) {
  const topo_waypoint *tw = &m->t->waypoints[w];
  uint32_t px =
      r < tw->n_replicas ? tw->first_proxy + r : m->wp[w].extra_first + r - tw->n_replicas;
  return m->t->n_pods + px;
}

static void ev_scale_up(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  mwaypoint *w = &m->wp[arg];
  (void)e;
  if (w->pending_up > w->active)
    w->active = w->pending_up;
  w->pending_up = 0;
}

/* The Kubernetes HPA rule: desired = ceil(active * utilisation / target),
 * clamped to [min, max]. A scale-up lands after scale_up_delay (metrics lag
 * plus pod start); a scale-down happens once utilisation has stayed low for
 * scale_down_delay and resets every connection through the removed replicas. */
static void ev_autoscale(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  const scenario_autoscale *as = &m->s->waypoint_autoscale;
  sim_time now = sim_engine_now(e);
  uint32_t wi = (uint32_t)arg;
  mwaypoint *w = &m->wp[wi];
  double busy = 0;
  for (uint32_t r = 0; r < w->max; r++)
    busy += (double)m->st[msim_replica_station(m, wi, r)].busy_total_ns;
  uint32_t workers = m->t->proxy_settings[MESH_PROXY_WAYPOINT].workers;
  double util = (busy - w->busy_seen_ns) / ((double)w->active * workers * MODEL_AUTOSCALE_PERIOD);
  w->busy_seen_ns = busy;
  uint32_t desired = (uint32_t)ceil(w->active * util / as->target_utilisation - 1e-9);
  if (desired < as->min_replicas)
    desired = as->min_replicas;
  if (desired > w->max)
    desired = w->max;
  if (desired > w->active) {
    w->low_since = -1;
    if (w->pending_up < desired) {
      w->pending_up = desired;
      msim_schedule(m, now + as->scale_up_delay_ns, ev_scale_up, wi);
    }
  } else if (desired < w->active && w->pending_up == 0) {
    if (w->low_since < 0) {
      w->low_since = now;
    } else if (now - w->low_since >= as->scale_down_delay_ns) {
      failure_outage gone = {.drill = MODEL_NO_DRILL};
      uint32_t stations[256];
      gone.stations = stations;
      for (uint32_t r = desired; r < w->active && gone.n_stations < 256; r++)
        stations[gone.n_stations++] = msim_replica_station(m, wi, r);
      w->active = desired;
      w->low_since = -1;
      msim_reset_holders(m, &gone, now);
    }
  } else {
    w->low_since = -1;
  }
  if (msim_in_window(m, now))
    m->out->waypoint_replicas_sec[msim_second(m, now)] += w->active;
  if (now + MODEL_AUTOSCALE_PERIOD < m->t_end)
    msim_schedule(m, now + MODEL_AUTOSCALE_PERIOD, ev_autoscale, wi);
}

/* Current rate of traffic entry i (bursts multiply it) and when it next changes. */
static double msim_rate(const scenario_traffic *tr, sim_time rel, sim_time *change) {
  double rate = tr->rate_rps;
  *change = SIM_TIME_NEVER;
  for (uint32_t b = 0; b < tr->n_bursts; b++) {
    const scenario_burst *bu = &tr->bursts[b];
    sim_time end = sim_time_add_sat(bu->at_ns, bu->duration_ns);
    if (rel >= bu->at_ns && rel < end) {
      rate *= bu->multiplier;
      if (end < *change)
        *change = end;
    } else if (bu->at_ns > rel && bu->at_ns < *change) {
      *change = bu->at_ns;
    }
  }
  return rate;
}

/* Next arrival time of entry i after `now`. Poisson gaps restart at rate
 * changes, exact for piecewise-constant rates (memorylessness). */
static sim_time msim_next_arrival(msim *m, uint32_t i, sim_time now) {
  const scenario_traffic *tr = &m->s->traffic[i];
  sim_time t = now;
  for (int guard = 0; guard < 1000; guard++) {
    sim_time change;
    double rate = msim_rate(tr, t - m->t_warm, &change);
    if (change != SIM_TIME_NEVER)
      change += m->t_warm;
    if (rate <= 0) {
      if (change == SIM_TIME_NEVER)
        return SIM_TIME_NEVER;
      t = change;
      continue;
    }
    double gap_s = tr->arrival == SCN_ARRIVAL_CONSTANT
                       ? 1.0 / rate
                       : -log(sim_rng_uniform_pos(m->arrival_rng[i])) / rate;
    /* A gap longer than int64 ns (rates below ~1.1e-10/s) means no further
     * arrival: converting it would be undefined behaviour. */
    sim_time gap;
    if (!sim_time_from_seconds(gap_s, &gap))
      return SIM_TIME_NEVER;
    sim_time next = sim_time_add_sat(t, gap);
    if (next == SIM_TIME_NEVER)
      return SIM_TIME_NEVER;
    if (next <= t)
      next = t + 1;
    if (change == SIM_TIME_NEVER || next < change || tr->arrival == SCN_ARRIVAL_CONSTANT)
      return next;
    t = change;
  }
  return SIM_TIME_NEVER;
}

static void ev_arrival(sim_engine *e, void *ctx, uint64_t arg) {
  msim *m = ctx;
  uint32_t i = (uint32_t)arg;
  sim_time now = sim_engine_now(e);
  if (now >= m->t_end)
    return;
  const scenario_traffic *tr = &m->s->traffic[i];
  uint64_t n = m->arrivals[i]++;
  uint32_t idx = msim_call_new(m);
  if (idx == MCALL_NONE)
    return;
  mcall *c = &m->calls[idx];
  c->key = crn_root_key(i, n);
  uint64_t kmix = crn_key_mix(m->seed_mix, c->key);
  c->parent = MCALL_NONE;
  c->src_pod =
      tr->from == SCN_NONE
          ? TOPO_NONE
          : msim_pick_live(m, tr->from, crn_uniform_mixed(kmix, MODEL_CRN_CLIENT), now, TOPO_NONE);
  c->dst_pod = msim_pick_live(m, tr->service, crn_uniform_mixed(kmix, CRN_PICK), now, c->src_pod);
  scenario_target w = scenario_traffic_target_at(m->s, tr, 0);
  if (tr->n_mix) /* the operation asked for, by the mix */
    w = *msim_pick_way(tr->mix, tr->n_mix, crn_uniform_mixed(kmix, MODEL_CRN_CHOICE));
  msim_set_op(m, c, op_graph_node(&m->g, tr->service, w.op));
  c->req_bytes = (uint32_t)w.request_bytes;
  c->resp_bytes = (uint32_t)w.response_bytes;
  c->flags |= now >= m->t_warm ? MCALL_MEASURED : 0;
  c->origin = now;
  c->ordinal = (uint16_t)i;
  c->id = (uint32_t)m->next_call_id++;
  if (m->roots++ < m->trace_limit)
    c->flags |= MCALL_TRACED;
  if (c->flags & MCALL_MEASURED)
    m->live_measured++;
  msim_issue(m, idx, now);
  sim_time next = msim_next_arrival(m, i, now);
  if (next < m->t_end)
    msim_schedule(m, next, ev_arrival, i);
}

/* ---- set-up and run ------------------------------------------------------ */

static int msim_init_sums(msim *m) {
  const model_rep *o = m->out;
  msums *s = &m->sum;
  size_t nsec = (size_t)o->n_seconds + 1;
  size_t nns = (size_t)(o->n_namespaces ? o->n_namespaces : 1) * MESH_KIND_COUNT;
  s->ns_busy_ns = calloc(nns, sizeof *s->ns_busy_ns);
  s->ns_sojourn_ns = calloc(nns, sizeof *s->ns_sojourn_ns);
  int ok = s->ns_busy_ns && s->ns_sojourn_ns;
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    s->cpu_ns_sec[k] = calloc(nsec, sizeof *s->cpu_ns_sec[k]);
    s->inflight_ns_sec[k] = calloc(nsec, sizeof *s->inflight_ns_sec[k]);
    ok = ok && s->cpu_ns_sec[k] && s->inflight_ns_sec[k];
  }
  return ok ? 0 : SIM_ENOMEM;
}

/* Adds the window's integer sums into the model_rep (see msums). */
static void msim_flush_sums(msim *m) {
  model_rep *o = m->out;
  const msums *s = &m->sum;
  for (uint32_t i = 0; i < o->n_stations; i++) {
    o->busy_ns[i] += (double)m->st[i].win_busy_ns;
    o->sojourn_ns[i] += (double)m->st[i].win_sojourn_ns;
  }
  int64_t extra = 0; /* autoscaled replicas beyond the placed ones */
  for (uint32_t i = o->n_stations; i < m->n_stations; i++)
    extra += m->st[i].win_busy_ns;
  o->extra_busy_ns += (double)extra;
  for (int k = 0; k < MESH_KIND_COUNT; k++)
    for (uint32_t sec = 0; sec <= o->n_seconds; sec++) {
      o->cpu_ns_sec[k][sec] += (double)s->cpu_ns_sec[k][sec];
      o->inflight_ns_sec[k][sec] += (double)s->inflight_ns_sec[k][sec];
    }
  for (size_t i = 0; i < (size_t)o->n_namespaces * MESH_KIND_COUNT; i++) {
    o->ns_busy_ns[i] += (double)s->ns_busy_ns[i];
    o->ns_sojourn_ns[i] += (double)s->ns_sojourn_ns[i];
  }
}

static void msim_release_sums(msums *s) {
  free(s->ns_busy_ns);
  free(s->ns_sojourn_ns);
  for (int k = 0; k < MESH_KIND_COUNT; k++) {
    free(s->cpu_ns_sec[k]);
    free(s->inflight_ns_sec[k]);
  }
}

static void msim_release(msim *m) {
  msim_release_sums(&m->sum);
  if (m->st)
    for (uint32_t i = 0; i < m->n_stations; i++)
      sim_station_release(&m->st[i].st);
  sim_mem_free(m->st);
  sim_mem_free(m->st_node);
  sim_mem_free(m->free_slab);
  sim_mem_free(m->calls);
  free(m->rr_next);
  sim_mem_free(m->active);
  sim_mem_free(m->pod_ns);
  sim_mem_free(m->svc);
  op_graph_release(&m->g);
  sim_mem_free(m->down_drill);
  sim_mem_free(m->scan_mark);
  sim_mem_free(m->gone_at);
  sim_mem_free(m->zone_pods);
  free(m->zone_start);
  for (int k = 0; k < MESH_PROXY_COUNT; k++)
    free(m->pass_factor[k]);
  free(m->wp);
  free(m->burst_at);
  free(m->burst_end);
  free(m->window_at);
  free(m->window_end);
  if (m->arrival_rng)
    for (uint32_t i = 0; i < m->s->n_traffic; i++)
      if (m->arrival_rng[i])
        sim_rng_free(m->arrival_rng[i]);
  free(m->arrival_rng);
  free(m->arrivals);
  pair_count_release(&m->pooled);
  sim_hist_release(&m->sec_hist);
  if (m->eng)
    sim_engine_free(m->eng);
}

/* Autoscaling state of every waypoint deployment, and the extra stations
 * its replicas beyond the placed ones need. */
static int msim_init_autoscale(msim *m) {
  const topology *t = m->t;
  const scenario_autoscale *as = &m->s->waypoint_autoscale;
  if (!as->enabled || t->n_waypoints == 0)
    return 0;
  m->wp = calloc(t->n_waypoints, sizeof *m->wp);
  if (!m->wp)
    return SIM_ENOMEM;
  for (uint32_t w = 0; w < t->n_waypoints; w++) {
    uint32_t placed = t->waypoints[w].n_replicas;
    uint32_t max = as->max_replicas > placed ? as->max_replicas : placed;
    m->wp[w].active = placed > as->min_replicas ? placed : as->min_replicas;
    if (m->wp[w].active > max)
      m->wp[w].active = max;
    m->wp[w].max = max;
    m->wp[w].extra_first = t->n_proxies + m->n_extra;
    m->wp[w].low_since = -1;
    m->n_extra += max - placed;
  }
  m->n_stations += m->n_extra;
  return 0;
}

/* Absolute start and end of every traffic burst, in scenario order. */
static int msim_init_bursts(msim *m) {
  const scenario *s = m->s;
  for (uint32_t i = 0; i < s->n_traffic; i++)
    m->n_bursts += s->traffic[i].n_bursts;
  m->burst_at = calloc(m->n_bursts ? m->n_bursts : 1, sizeof *m->burst_at);
  m->burst_end = calloc(m->n_bursts ? m->n_bursts : 1, sizeof *m->burst_end);
  if (!m->burst_at || !m->burst_end)
    return SIM_ENOMEM;
  for (uint32_t i = 0, b = 0; i < s->n_traffic; i++)
    for (uint32_t j = 0; j < s->traffic[i].n_bursts; j++, b++) {
      m->burst_at[b] = sim_time_add_sat(s->meta.warmup_ns, s->traffic[i].bursts[j].at_ns);
      m->burst_end[b] = sim_time_add_sat(m->burst_at[b], s->traffic[i].bursts[j].duration_ns);
    }
  /* Drill windows: a failure's from its start for its duration (an
   * upgrade's drain), as result.h reports at_s and down_s; then the bursts. */
  uint32_t nd = s->n_failures + m->n_bursts;
  m->window_at = calloc(nd ? nd : 1, sizeof *m->window_at);
  m->window_end = calloc(nd ? nd : 1, sizeof *m->window_end);
  if (!m->window_at || !m->window_end)
    return SIM_ENOMEM;
  for (uint32_t d = 0; d < s->n_failures; d++) {
    const scenario_failure *f = &s->failures[d];
    m->window_at[d] = sim_time_add_sat(s->meta.warmup_ns, f->at_ns);
    m->window_end[d] = sim_time_add_sat(m->window_at[d],
                                        f->kind == SCN_FAIL_UPGRADE ? f->drain_ns : f->duration_ns);
  }
  for (uint32_t b = 0; b < m->n_bursts; b++) {
    m->window_at[s->n_failures + b] = m->burst_at[b];
    m->window_end[s->n_failures + b] = m->burst_end[b];
  }
  return 0;
}

/* The engine and the per-station, per-service, per-pod and per-entry arrays. */
static int msim_init_arrays(msim *m) {
  const scenario *s = m->s;
  m->eng = sim_engine_new(4096);
  /* The lookahead pays where the stations outgrow the cache (a 20,000-pod
   * cluster: 0.92x CPU); for a small model it is only extra instructions
   * (chain: +4%). The choice changes no result. */
  int big = (size_t)m->n_stations * sizeof(mstation) > MSIM_LOOKAHEAD_MIN_BYTES;
  if (m->eng && (m->in->lookahead > 0 || (m->in->lookahead == 0 && big)))
    sim_engine_set_lookahead(m->eng, msim_lookahead);
  size_t nst = m->n_stations ? m->n_stations : 1;
  m->st = sim_mem_calloc(nst, sizeof *m->st, _Alignof(mstation));
  m->st_node = sim_mem_calloc(nst, sizeof *m->st_node, 0);
  m->down_drill = sim_mem_calloc(nst, sizeof *m->down_drill, 0);
  m->scan_mark = sim_mem_calloc(nst, sizeof *m->scan_mark, 0);
  m->gone_at = sim_mem_alloc(nst * sizeof *m->gone_at, 0);
  for (size_t i = 0; m->gone_at && i < nst; i++)
    m->gone_at[i] = SIM_TIME_NEVER;
  m->gone_first = SIM_TIME_NEVER;
  m->rr_next = calloc(s->n_services ? s->n_services : 1, sizeof *m->rr_next);
  m->active = sim_mem_calloc(m->t->n_pods ? m->t->n_pods : 1, sizeof *m->active, 0);
  m->pod_ns = sim_mem_alloc((m->t->n_pods ? m->t->n_pods : 1) * sizeof *m->pod_ns, 0);
  for (uint32_t i = 0; m->pod_ns && i < m->t->n_pods; i++)
    m->pod_ns[i] = s->services[m->t->pods[i].service].ns;
  m->svc = sim_mem_alloc((s->n_services ? s->n_services : 1) * sizeof *m->svc, 0);
  for (uint32_t i = 0; m->svc && i < s->n_services; i++) {
    const scenario_service *sv = &s->services[i];
    m->svc[i] = (mservice){.first_pod = m->t->service_first_pod[i],
                           .replicas = sv->replicas,
                           .try_timeout_ns = sv->retry.timeout_ns,
                           .lb = (uint8_t)sv->lb,
                           .prefer_close = sv->prefer_close,
                           .protocol = (uint8_t)sv->protocol,
                           .breaker = sv->max_requests > 0};
  }
  m->arrival_rng = calloc(s->n_traffic ? s->n_traffic : 1, sizeof *m->arrival_rng);
  m->arrivals = calloc(s->n_traffic ? s->n_traffic : 1, sizeof *m->arrivals);
  if (!m->eng || !m->st || !m->st_node || !m->down_drill || !m->scan_mark || !m->gone_at ||
      !m->rr_next || !m->active || !m->pod_ns || !m->svc || !m->arrival_rng || !m->arrivals ||
      sim_hist_init(&m->sec_hist) != 0)
    return SIM_ENOMEM;
  return 0;
}

/* Pods of every service grouped by zone, when some service prefers close. */
static int msim_init_zones(msim *m) {
  const scenario *s = m->s;
  const topology *t = m->t;
  int any = 0;
  for (uint32_t sv = 0; sv < s->n_services && !any; sv++)
    any = s->services[sv].prefer_close;
  if (!any)
    return 0;
  uint32_t nz = s->cluster.n_zones;
  m->zone_pods = sim_mem_alloc((t->n_pods ? t->n_pods : 1) * sizeof *m->zone_pods, 0);
  m->zone_start = calloc((size_t)s->n_services * (nz + 1) + 1, sizeof *m->zone_start);
  if (!m->zone_pods || !m->zone_start)
    return SIM_ENOMEM;
  uint32_t at = 0;
  for (uint32_t sv = 0; sv < s->n_services; sv++) {
    uint32_t first = t->service_first_pod[sv], n = s->services[sv].replicas;
    uint32_t *start = m->zone_start + (size_t)sv * (nz + 1);
    for (uint32_t z = 0; z < nz; z++) {
      start[z] = at;
      for (uint32_t p = first; p < first + n; p++)
        if (t->nodes[t->pods[p].node].zone == z)
          m->zone_pods[at++] = p;
    }
    start[nz] = at;
  }
  return 0;
}

/* What each operation does (op_graph.h); the ordinals of an operation's
 * children must fit a call record's 16 bits. */
static int msim_init_ops(msim *m) {
  int rc = op_graph_init(&m->g, m->s);
  if (rc != 0)
    return rc;
  for (uint32_t x = 0; x < m->g.n_nodes; x++)
    if (m->g.nodes[x].n_ordinals > UINT16_MAX)
      return SIM_ERANGE;
  return 0;
}

/* Station i of `workers` workers under a CPU limit (0 = none): the limit
 * leaves fewer effective workers and stretches every pass (proxy.h).
 * Without a slab yet (the sizing pass) it only reserves the station's run
 * of free times. */
static int msim_station_setup(msim *m, uint32_t i, uint32_t workers, int64_t limit_millicores,
                              mesh_kind kind, uint32_t node) {
  mstation *ms = &m->st[i];
  uint32_t w;
  double stretch = proxy_throttle(workers, limit_millicores, &w);
  int in_slab = i < m->t->n_pods && w > SIM_STATION_LOCAL && w <= MSIM_FREE_MAX_RUN;
  if (!m->free_slab) {
    uint32_t run = (w + MSIM_FREE_ALIGN - 1) / MSIM_FREE_ALIGN * MSIM_FREE_ALIGN;
    if (in_slab && run > m->free_stride)
      m->free_stride = run;
    return 0;
  }
  sim_time *run = in_slab ? m->free_slab + (size_t)i * m->free_stride : NULL;
  if (sim_station_init_borrowed(&ms->st, w, run) != 0)
    return SIM_ENOMEM;
  ms->stretch = (float)stretch;
  ms->kind = (uint8_t)kind;
  m->st_node[i] = node;
  return 0;
}

/* Sets up every station in model_sim.h's order: applications, proxies,
 * then the extra replicas of autoscaled waypoints (on the nodes of the
 * placed ones in turn); without a slab, only sizes it. */
static int msim_setup_stations(msim *m) {
  const topology *t = m->t;
  int init = m->free_slab != NULL;
  for (uint32_t p = 0; p < t->n_pods; p++) {
    const scenario_service *svc = &m->s->services[t->pods[p].service];
    if (msim_station_setup(m, p, svc->app_workers ? svc->app_workers : 1, svc->cpu_limit_millicores,
                           MESH_KIND_APP, t->pods[p].node) != 0 ||
        (init && sim_station_set_queue_limit(&m->st[p].st, svc->queue_limit) != 0))
      return SIM_ENOMEM;
  }
  for (uint32_t x = 0; x < t->n_proxies; x++) {
    mesh_proxy_kind k = t->proxies[x].kind;
    const topo_proxy_settings *ps = &t->proxy_settings[k];
    if (msim_station_setup(m, t->n_pods + x, ps->workers, ps->limit_millicores,
                           mesh_proxy_kind_to_kind(k), t->proxies[x].node) != 0)
      return SIM_ENOMEM;
    m->st[t->n_pods + x].pkind = (uint8_t)k;
  }
  const topo_proxy_settings *wps = &t->proxy_settings[MESH_PROXY_WAYPOINT];
  for (uint32_t w = 0; m->wp && w < t->n_waypoints; w++) {
    const topo_waypoint *tw = &t->waypoints[w];
    for (uint32_t r = tw->n_replicas; r < m->wp[w].max; r++) {
      uint32_t i = t->n_pods + m->wp[w].extra_first + r - tw->n_replicas;
      if (msim_station_setup(m, i, wps->workers, wps->limit_millicores, MESH_KIND_WAYPOINT,
                             t->proxies[tw->first_proxy + (r % tw->n_replicas)].node) != 0)
        return SIM_ENOMEM;
      m->st[i].pkind = MESH_PROXY_WAYPOINT;
    }
  }
  return 0;
}

/* The stations and the slab of their free times: a sizing pass, then the
 * set-up proper. */
static int msim_init_stations(msim *m) {
  int rc = msim_setup_stations(m);
  if (rc != 0)
    return rc;
  /* One line more than the pods need: never 0 bytes. */
  size_t bytes = ((size_t)m->t->n_pods * m->free_stride + MSIM_FREE_ALIGN) * sizeof(sim_time);
  m->free_slab = sim_mem_alloc(bytes, MSIM_FREE_ALIGN * sizeof(sim_time));
  if (!m->free_slab)
    return SIM_ENOMEM;
  return msim_setup_stations(m);
}

static int msim_init(msim *m, const topology *t, const model_inputs *in, uint64_t seed,
                     model_rep *out) {
  const scenario *s = t->scn;
  memset(m, 0, sizeof *m);
  m->t = t;
  m->s = s;
  m->in = in;
  m->seed = seed;
  m->seed_mix = crn_seed_mix(seed);
  m->out = out;
  m->free_head = MCALL_NONE;
  m->n_stations = t->n_pods + t->n_proxies;
  m->t_warm = s->meta.warmup_ns;
  /* Saturating: the loader bounds each time (10^18 ns), a hand-built
   * scenario may not. */
  m->t_end = sim_time_add_sat(s->meta.warmup_ns, s->meta.duration_ns);
  m->t_drain = sim_time_add_sat(m->t_end, MODEL_DRAIN_NS);
  m->ns_per_byte =
      s->cluster.bandwidth_bytes_per_s > 0 ? 1e9 / s->cluster.bandwidth_bytes_per_s : 0;
  for (int k = 0; k < MESH_PROXY_COUNT; k++) {
    m->on_path[k] = in->proxy_profile[k]->proxy[k].on_path_fraction;
    m->on_path_tcp[k] = in->proxy_profile[k]->proxy[k].tcp_on_path_fraction;
    if (!(m->on_path_tcp[k] > 0)) /* a hand-built profile without it */
      m->on_path_tcp[k] = m->on_path[k];
    m->pass_sigma[k] = in->proxy_profile[k]->proxy[k].pass_sigma;
    if (m->pass_sigma[k] > 0 && msim_pass_table(m->pass_sigma[k], &m->pass_factor[k]) != 0)
      return SIM_ENOMEM;
    m->pass_latency[k] = (sim_time)(in->proxy_profile[k]->proxy[k].pass_latency_ns + 0.5);
    m->pass_profile[k] = &in->proxy_profile[k]->proxy[k];
    for (int p = 0; p < MESH_PROTO_COUNT; p++)
      m->pass_on_path[k][p] = p == MESH_PROTO_TCP ? m->on_path_tcp[k] : m->on_path[k];
  }
  int rc;
  if ((rc = msim_init_autoscale(m)) != 0 || (rc = msim_init_bursts(m)) != 0 ||
      (rc = msim_init_arrays(m)) != 0 || (rc = msim_init_ops(m)) != 0 ||
      (rc = msim_init_zones(m)) != 0 || (rc = msim_init_stations(m)) != 0 ||
      (rc = msim_init_sums(m)) != 0)
    return rc;
  for (uint32_t i = 0; i < s->n_traffic; i++) {
    m->arrival_rng[i] = sim_rng_new(seed, 1000 + i, MODEL_RNG_ARRIVALS);
    if (!m->arrival_rng[i])
      return SIM_ENOMEM;
  }
  return 0;
}

/* Measured requests still in flight when the run stops: those whose client
 * has given up by then timed out; the others are unfinished. Both count as
 * errors. */
static void msim_settle(msim *m, sim_time end) {
  for (uint32_t idx = 0; idx < m->cap_calls; idx++) {
    const mcall *c = &m->calls[idx];
    if ((c->flags & (MCALL_LIVE | MCALL_FAILED | MCALL_MEASURED)) !=
            (MCALL_LIVE | MCALL_MEASURED) ||
        c->parent != MCALL_NONE)
      continue;
    sim_time gave_up = msim_client_deadline(m, c);
    if (gave_up <= end) {
      m->out->timeouts++;
      msim_root_failed(m, c, gave_up, msim_latest_burst(m, gave_up), MFAIL_TIMEOUT);
    }
  }
  m->out->unfinished = m->live_measured;
  m->out->errors += m->live_measured;
}

int model_sim_replication(const topology *t, const model_inputs *in, const failure_plan *plan,
                          uint64_t seed, uint64_t trace_requests, model_tick_fn tick,
                          void *tick_ctx, model_rep *out) {
  msim m;
  struct timespec w0, w1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  int rc = msim_init_namespaces(out, t->scn->n_namespaces);
  if (rc != 0)
    return rc;
  rc = msim_init(&m, t, in, seed, out);
  if (rc != 0) {
    msim_release(&m);
    return rc;
  }
  m.plan = plan;
  m.trace_limit = in->trace ? trace_requests : 0;
  for (uint32_t i = 0; i < m.s->n_traffic && rc == 0; i++) {
    sim_time first = msim_next_arrival(&m, i, 0);
    if (first < m.t_end)
      rc = sim_engine_schedule_at(m.eng, first, ev_arrival, &m, i, NULL);
  }
  for (uint32_t w = 0; m.wp && w < t->n_waypoints && rc == 0; w++)
    rc = sim_engine_schedule_at(m.eng, MODEL_AUTOSCALE_PERIOD, ev_autoscale, &m, w, NULL);
  for (uint32_t i = 0; plan && i < plan->n_outages && rc == 0; i++) {
    rc = sim_engine_schedule_at(m.eng, plan->outages[i].start_ns, ev_outage_start, &m, i, NULL);
    if (rc == 0)
      rc = sim_engine_schedule_at(m.eng, plan->outages[i].end_ns, ev_outage_end, &m, i, NULL);
  }
  /* Run in slices of simulated time so an interrupt is noticed promptly;
   * a slice starts at the next event, so idle stretches (a warm-up of years,
   * a rate of one request a century) cost nothing. */
  for (sim_time at = 0; rc == 0 && at < m.t_drain && !m.failed;) {
    sim_time next = sim_engine_next_time(m.eng), from = next > at ? next : at;
    at = m.t_drain - from > SIM_S ? from + SIM_S : m.t_drain;
    sim_engine_run_until(m.eng, at);
    if (tick)
      tick(tick_ctx, at >= m.t_end ? 1.0 : (double)at / (double)m.t_end);
    if (in->interrupt && *in->interrupt) {
      rc = ERR_EINTR;
      break;
    }
    if (at >= m.t_end && m.live_calls == 0)
      break;
  }
  if (rc == 0 && m.failed)
    rc = m.failed;
  msim_finish_second(&m);
  msim_flush_sums(&m);
  msim_settle(&m, sim_engine_now(m.eng));
  out->events = sim_engine_fired(m.eng);
  msim_release(&m);
  clock_gettime(CLOCK_MONOTONIC, &w1);
  out->wall_s = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
  return rc;
}
