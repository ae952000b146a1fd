/* model_sim: one replication of one mode (internal to models/).
 *
 * Stations: index p < n_pods is the application of pod p, index n_pods + x
 * is proxy x of the topology. Call records come from a pool that grows
 * geometrically and is reused through a free list: nothing is allocated per
 * request once the pool has reached the peak number of calls in flight. */
#ifndef MESHSIM_MODEL_SIM_H
#define MESHSIM_MODEL_SIM_H

#include <stdint.h>

#include "failure.h"
#include "model.h"
#include "sim_hist.h"
#include "topology.h"

typedef struct model_rep {
  uint64_t requests; /* measured requests that finished */
  uint64_t errors;
  uint64_t slo_violations;
  uint64_t unfinished; /* measured requests still in flight at the drain limit */
  sim_hist latency_ns;
  uint32_t n_stations;
  double *busy_ns;    /* per station: worker time of passes accepted in the window */
  double *sojourn_ns; /* per station: time requests spent there (in-flight integral) */
  uint32_t n_seconds;
  double *cpu_ns_sec[MESH_KIND_COUNT];      /* per second of the window */
  double *inflight_ns_sec[MESH_KIND_COUNT]; /* per second: in-flight integral */
  double *done_sec;                         /* requests finished per second */
  double *failed_sec;
  double *p99_ms_sec;
  double cross_zone_bytes;
  /* Failure drills (indexed by scenario drill): failed root requests caused
   * by the drill, SLO misses of requests arriving during it, pods that saw
   * failures (n_drills x n_pods bytes), time of the last caused failure, and
   * caused failures per second. */
  uint32_t n_drills, n_pods;
  uint64_t *drill_failed;
  uint64_t *drill_slo;
  uint8_t *drill_pods;
  sim_time *drill_last_fail_ns;
  /* Per drill: the longest time from an outage's start until Kubernetes took
   * the endpoints it killed out of their services (cluster.detection), 0
   * when none was taken out while down (a ztunnel, an upgrade, detection
   * off, or back first). */
  sim_time *drill_detect_ns;
  double *drill_failed_sec; /* n_drills x (n_seconds + 1) */
  /* Per drill, requests arriving in its window [start, start + duration)
   * of the scenario, in every replication, steady or not, so a drill
   * replication compares with its steady twin: the latency of those that
   * succeeded, and how many were slower than the SLO. */
  sim_hist *drill_lat;
  uint64_t *drill_window_slo;
  double extra_busy_ns;          /* window CPU of autoscaled replicas beyond the placed ones */
  double *waypoint_replicas_sec; /* active waypoint replicas per second (autoscaling only) */
  uint64_t retries;
  uint64_t mesh_retries; /* retries made by the mesh's default policy (mesh.retries) */
  uint64_t timeouts;     /* tries that timed out (any call, measured or not) */
  /* Measured root requests that failed, by the cause at the failing end
   * (a timeout, a refusal by a full queue or an open circuit breaker, a
   * component down or a connection reset), and their time from arrival to
   * failure. errors = the three + unfinished. */
  uint64_t err_timeout, err_rejected, err_outage;
  sim_hist fail_ns;
  uint64_t events;
  double wall_s;
  /* Per namespace, for the attribution (models/attribution.h); allocated by
   * model_sim_replication. Each proxy pass of the window counts for the
   * namespace of the pod the proxy acts for on that side of the call (the
   * caller's on the client side, the callee's on the waypoint and server
   * side): its worker time and the time the request spent there, per
   * mesh_kind (ns_busy_ns[kind * n_namespaces + ns]). Cross-zone bytes
   * count for the callee's namespace, measured root requests for their
   * entry service's. */
  uint32_t n_namespaces;
  double *ns_busy_ns, *ns_sojourn_ns;
  double *ns_cross_zone_bytes;
  double *ns_latency_ns; /* summed latency of the successful measured roots */
  uint64_t *ns_requests, *ns_errors;
} model_rep;

int model_rep_init(model_rep *r, uint32_t n_stations, uint32_t n_seconds, uint32_t n_drills,
                   uint32_t n_pods);
void model_rep_release(model_rep *r);

/* Simulates one replication of topology t. trace_requests > 0 traces that
 * many root requests through in->trace. Returns 0 or a negative SIM_E* code. */
/* Called after each simulated second with the share of the replication's
 * measured time done (0..1), so long replications can show progress. */
typedef void (*model_tick_fn)(void *ctx, double done);

int model_sim_replication(const topology *t, const model_inputs *in, const failure_plan *plan,
                          uint64_t seed, uint64_t trace_requests, model_tick_fn tick,
                          void *tick_ctx, model_rep *out);

#endif
