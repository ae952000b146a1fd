/* result: what one `meshsim run` produced, per mode (plain data).
 *
 * The model (model_run.h) fills it; the CLI prints it, store/db stores it, and
 * reports are drawn from the database. Figures are means over replications
 * unless named otherwise; latency quantiles come from the histogram merged
 * over replications, their confidence intervals from per-replication values.
 * Owned arrays are freed by run_result_release(). */
#ifndef MESHSIM_RESULT_H
#define MESHSIM_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "mesh_types.h"
#include "sim_hist.h"
#include "sim_stats.h"

#define RESULT_NAME_MAX 64
#define RESULT_TEXT_MAX 1024

typedef struct result_latency {
  double mean_ms, p50_ms, p90_ms, p99_ms, p999_ms;
  sim_ci mean_ci, p50_ci, p90_ci, p99_ci, p999_ci; /* over replications, in ms */
} result_latency;

/* Resource use of one component kind summed over its instances. */
typedef struct result_kind_usage {
  uint32_t instances;
  double cpu_cores_mean; /* used, time average */
  double cpu_cores_peak; /* highest one-second average */
  double mem_mib_mean;
  double mem_mib_peak;
  double reserved_cpu_cores; /* Kubernetes requests */
  double reserved_mem_mib;
} result_kind_usage;

typedef struct result_node {
  char name[RESULT_NAME_MAX];
  uint32_t zone;
  uint32_t pods;
  double cpu_cores[MESH_KIND_COUNT]; /* used, time average */
  double mem_mib[MESH_KIND_COUNT];
  double reserved_cpu_cores;
  double reserved_mem_mib;
  double capacity_cpu_cores;
  double capacity_mem_mib;
} result_node;

/* One-second buckets of the measured window (replication 0). */
typedef struct result_series {
  uint32_t n_seconds;
  double *throughput_rps;
  double *p99_ms;
  double *error_rate;        /* failed / finished in the second */
  double *waypoint_replicas; /* active waypoint replicas (all deployments; autoscaling) */
  double *cpu_cores[MESH_KIND_COUNT];
} result_series;

typedef struct result_replication {
  uint64_t seed;
  uint64_t requests, errors, slo_violations;
  double throughput_rps;
  double mean_ms, p50_ms, p90_ms, p99_ms, p999_ms;
  double cpu_cores[MESH_KIND_COUNT];
  double mem_mib[MESH_KIND_COUNT];
  /* Every other field is the steady replication's, run without the failure
   * drills; wall_s and events also count its drill replication, if any. */
  double wall_s;
  uint64_t events; /* engine events fired: the work it took (models/work.h estimates it) */
} result_replication;

/* Structural blast radius of one proxy kind in one mode (issue: blast radius). */
typedef struct result_blast {
  uint32_t instances;
  uint32_t pods_max;
  double pods_mean;
  uint32_t services_max;
  uint32_t namespaces_max;
  uint32_t tenants_max;
  uint32_t identities_max;
  double request_share_max;
  double request_share_mean;
} result_blast;

/* Structural blast radius of one component instance. */
typedef struct result_blast_instance {
  char kind[24]; /* sidecar, ztunnel, waypoint, waypoint-deployment, node, control-plane */
  char instance[RESULT_NAME_MAX]; /* pod, node, waypoint or deployment name */
  uint32_t pods, services, namespaces, tenants, identities;
  uint32_t l7_services; /* services whose L7 traffic it sees in clear text */
  double request_share; /* fraction (0..1) of external requests whose call tree touches it */
} result_blast_instance;

/* One failure drill in one mode. at_s counts from the end of warm-up.
 * failed_requests and slo_violations are means over replications (failed
 * external requests caused by the drill; requests arriving during it that
 * were slower than the SLO); affected_* are maxima over replications (both
 * ends of every failed call); recovery_s (time to recover) is the mean time from the drill's
 * start to its last caused failure (bursts: or slow request); error_rate is
 * replication 0's per-second share of finished requests failed by it.
 * Traffic bursts appear as drills of component "overload". A failure
 * drill's figures come from drill replications (the same seeds with the
 * failure plan), a burst's from the steady ones (docs/model.md). */
typedef struct result_failure {
  char name[RESULT_NAME_MAX];
  char component[RESULT_NAME_MAX]; /* kind: sidecar, ztunnel, waypoint, node, control_plane */
  char instance[RESULT_NAME_MAX];
  bool has_target; /* false: this mode has no such component, the drill hit nothing
                      (instance then reads "(none in this mode)" for people) */
  double at_s, down_s;
  uint64_t failed_requests, slo_violations;
  uint32_t affected_pods, affected_services, affected_namespaces, affected_tenants;
  double recovery_s;
  /* Time to detect: from the drill's start until Kubernetes took the dead
   * endpoints out of their services (cluster.detection; the longest over a
   * rolling drill's outages); NAN when it never did while they were down (a
   * ztunnel, whose pods stay ready; an upgrade; detection off; back first). */
  double detect_s;
  /* Requests arriving in the drill's window [at_s, at_s + down_s): their
   * p99 latency with the drill and in the steady state (the same requests:
   * common random numbers), and how many of them were slower than the SLO
   * in the steady state (mean over replications), so slo_violations -
   * slo_violations_steady is what the drill added. A burst is part of the
   * steady state: its p99_steady_ms is the mode's p99 over the window. NAN
   * when no request in the window succeeded. */
  double p99_during_ms, p99_steady_ms;
  uint64_t slo_violations_steady;
  uint32_t n_seconds; /* error rate per second over the whole window */
  double *error_rate;
} result_failure;

/* The station (an application pod or a proxy instance) with the highest
 * offered utilisation: worker time of the passes that arrived in the measured
 * window / (window x effective workers), mean over replications. Offered, so
 * a saturated station reads above 1. */
typedef struct result_station {
  char instance[RESULT_NAME_MAX]; /* pod, node (ztunnel) or "<waypoint deployment>#<replica>" */
  char kind[24];                  /* app, sidecar, ztunnel, waypoint */
  char node[RESULT_NAME_MAX];
  double utilisation;
} result_station;

/* A mode against the scenario's objective (models/verdict.h decides it). */
typedef enum result_status {
  RESULT_MEETS,
  RESULT_MISSES,
  RESULT_OVERLOADED,
} result_status;

#define RESULT_REASONS_MAX 4
#define RESULT_REASON_LEN  160

typedef struct result_verdict {
  result_status status;
  uint32_t n_reasons; /* why it misses or is overloaded; none when it meets */
  char reasons[RESULT_REASONS_MAX][RESULT_REASON_LEN];
  char bottleneck[RESULT_NAME_MAX]; /* instance name; "" = none named */
} result_verdict;

/* Failed requests: why, and how long their callers waited to learn it. */
typedef struct result_errors {
  /* Summed over replications; with mode_result.unfinished they make up
   * mode_result.errors. timeout: a caller's or the client's timeout
   * expired (504); rejected: a full waiting room or an open circuit
   * breaker refused it (503); outage: a component it needed was down or
   * reset its connection (a failure drill, a scale-down). */
  uint64_t timeout, rejected, outage;
  /* Time from arrival to failure, ms, over every failed request of every
   * replication (NAN when none failed). */
  double fail_mean_ms, fail_p50_ms, fail_p99_ms;
} result_errors;

/* ---- capacity: hot spots, shared-proxy capacity, sizing from use ----------
 * (models/capacity.h has the formulas; docs/model.md, "Capacity".) Filled by
 * the model after the replications, from the same steady replications as
 * every other figure. */

#define RESULT_HOTSPOTS_MAX 10 /* stations in a mode's hot-spot table */

/* One of the busiest stations of a mode, by offered utilisation (as
 * result_station). */
typedef struct result_hotspot {
  char instance[RESULT_NAME_MAX]; /* pod, node (ztunnel) or "<waypoint deployment>#<replica>" */
  char kind[24];                  /* app, sidecar, ztunnel, waypoint */
  char node[RESULT_NAME_MAX];
  double utilisation;   /* offered, mean over replications */
  double cpu_cores;     /* worker time per second of the window, mean over replications */
  double latency_ms;    /* time requests spent there (queueing and service), per successful
                           measured request: its part of the mean end-to-end latency */
  double latency_share; /* latency_ms / mean end-to-end latency (shares of parallel calls
                           overlap, so a mode's shares may add up to more than 1) */
} result_hotspot;

/* What one shared proxy needs to stay at or under the target utilisation:
 * a waypoint deployment, the ztunnels (one row for the DaemonSet) or the
 * control plane. */
typedef struct result_capacity {
  char kind[24];                  /* waypoint, ztunnel, control_plane */
  char instance[RESULT_NAME_MAX]; /* "<namespace>/<waypoint>", "ztunnel", "istiod" */
  uint32_t replicas;              /* today: placed replicas, ztunnels (nodes), istiod replicas */
  double utilisation;             /* mean over its replicas (control plane: CPU used / requested) */
  double utilisation_max;         /* its busiest replica's */
  double cpu_cores;               /* CPU its work takes, summed over replicas */
  uint32_t replicas_needed;       /* at today's size per replica (ztunnel: one per node, so
                                     replicas) */
  double cpu_cores_per_replica;   /* or: the CPU each of today's replicas needs (workers or
                                     CPU limit; control plane: request) */
} result_capacity;

/* Requests of one proxy kind sized from use, beside the configured ones.
 * Per instance; cost: every instance at list prices (cost_reserved_month). */
typedef struct result_sizing {
  uint32_t instances;
  double request_cpu_cores, request_mem_mib; /* configured */
  double p95_cpu_cores, p95_mem_mib;         /* 95th percentile of per-second use per instance */
  double max_cpu_cores;                      /* the busiest instance's mean use */
  double right_cpu_cores, right_mem_mib;     /* right-sized request: p95 x (1 + headroom) */
  double cost_usd_month;                     /* instances x configured request */
  double right_cost_usd_month;               /* instances x right-sized request */
} result_sizing;

/* A node that uses more CPU or memory than it has: pods' use (proxies'
 * idle CPU included; application memory is its request) plus the system
 * reservation. */
typedef struct result_node_warning {
  char node[RESULT_NAME_MAX];
  double cpu_used_cores, cpu_capacity_cores;
  double mem_used_mib, mem_capacity_mib;
} result_node_warning;

/* Everything above for one mode. Owned arrays: node_warnings. */
typedef struct result_plan {
  double target_utilisation;                    /* metadata.objective.target_utilisation */
  double headroom;                              /* of right-sized requests over the p95 of use */
  result_hotspot hotspots[RESULT_HOTSPOTS_MAX]; /* by utilisation, highest first */
  uint32_t n_hotspots;
  result_capacity *capacity; /* owned: waypoint deployments, then ztunnel, then control plane */
  uint32_t n_capacity;
  result_sizing sizing[MESH_PROXY_COUNT];
  int has_sizing[MESH_PROXY_COUNT];   /* the mode runs proxies of that kind */
  uint32_t nodes_needed_reserved;     /* bin packing of requests alone */
  uint32_t nodes_needed_used;         /* of max(request, use) per pod and per node's ztunnel;
                                         0: not recorded (stored before schema version 4) */
  uint32_t pods_unplaced;             /* pods (or replicas) whose use fits no pool below its max */
  char busiest_node[RESULT_NAME_MAX]; /* highest CPU used / capacity */
  double busiest_node_cpu_share;
  double node_mem_share_max;
  uint32_t nodes_over_cpu, nodes_over_mem;
  result_node_warning *node_warnings; /* owned: every node over capacity, worst first */
  uint32_t n_node_warnings;
} result_plan;

/* ---- attribution: each namespace's share of a mode (models/attribution.h) ----
 * Proxies a namespace owns (its pods' sidecars, its waypoints) are its own;
 * shared ones (ztunnels, the control plane) are split by the work each
 * namespace puts through them. Every figure but the latency ones adds up,
 * over the namespaces, to the mode's total. */
typedef struct result_namespace {
  char name[RESULT_NAME_MAX];
  char tenant[RESULT_NAME_MAX];
  mesh_ns_mode mode;                 /* what its pods run in this mode */
  uint32_t pods;                     /* application pods */
  double cpu_cores[MESH_KIND_COUNT]; /* used: its apps' own, and its share of each proxy kind */
  double mem_mib[MESH_KIND_COUNT];   /* apps: their requests (application memory is not modelled) */
  double mesh_cpu_cores, mesh_mem_mib;                   /* the proxy kinds and control plane */
  double reserved_cpu_cores, reserved_mem_mib;           /* everything: apps and mesh */
  double mesh_reserved_cpu_cores, mesh_reserved_mem_mib; /* the mesh's part */
  double cross_zone_gb_month; /* bytes of calls into its services that crossed zones */
  double cost_usd_month;      /* its share of the mode's cost (compute and network) */
  double mesh_cost_usd_month; /* its mesh reservations at list prices */
  uint64_t entry_requests;    /* measured external requests entering at its services that
                                 succeeded, summed over replications */
  uint64_t entry_errors;      /* ... that failed */
  double entry_latency_ms;    /* mean latency of those requests (NAN: none) */
  double latency_gain_ms;     /* entry_latency_ms minus mode none's (NAN: no none in the run) */
  double mesh_time_ms;        /* time requests spent in proxies acting for it, per measured
                                 external request of the cluster */
} result_namespace;

typedef struct mode_result {
  mesh_mode mode;
  /* Its name in outputs and the store, unique within the run: the mode's
   * ("sidecar"), or with the profile it names ("linkerd-2.14:sidecar");
   * "" reads as the mode's name (mode_result_name). */
  char name[RESULT_NAME_MAX];
  uint32_t replications;
  uint64_t requests, errors, slo_violations; /* summed over replications */
  result_errors error_causes;
  double throughput_rps;
  result_latency latency;
  sim_hist latency_hist_ns; /* merged over replications; owned */
  result_kind_usage kind[MESH_KIND_COUNT];
  double mesh_cpu_cores; /* data plane + control plane, used */
  double mesh_mem_mib;
  double reserved_cpu_cores; /* everything: apps, proxies, control plane, system */
  double reserved_mem_mib;
  uint32_t nodes_needed;
  double cross_zone_gb_month;
  double cost_compute_usd_month;
  double cost_network_usd_month;
  double cost_usd_month;               /* compute (nodes needed) + network */
  double cost_reserved_usd_month;      /* the requested capacity at list prices (smooth, no node
                                          rounding) */
  double cost_mesh_reserved_usd_month; /* the part of it the mesh reserves */
  result_node *nodes;
  uint32_t n_nodes;
  result_series series;
  result_replication *reps;
  result_blast blast[MESH_PROXY_COUNT];
  int has_blast[MESH_PROXY_COUNT];
  result_blast_instance *blast_instances; /* every instance, all kinds; owned */
  uint32_t n_blast_instances;
  result_failure *failures;
  uint32_t n_failures;
  uint64_t unfinished;    /* measured requests still in flight when the drain ended, summed
                             over replications (also counted in errors) */
  result_station busiest; /* instance "" when the mode has no station */
  result_verdict verdict;
  result_plan plan;             /* hot spots, capacity and sizing (issue 11, items 5 and 6) */
  result_namespace *namespaces; /* owned: one per scenario namespace, in scenario order */
  uint32_t n_namespaces;
} mode_result;

/* The cheapest mesh mode that meets the objective (verdict.h). */
typedef struct result_recommendation {
  bool has_mode; /* false: no mesh mode meets it; why says so */
  mesh_mode mode;
  char name[RESULT_NAME_MAX]; /* the recommended mode's mode_result_name */
  char why[RESULT_TEXT_MAX];
} result_recommendation;

typedef struct run_result {
  char scenario[RESULT_NAME_MAX];
  char scenario_path[RESULT_TEXT_MAX];
  uint64_t scenario_hash;       /* scenario.content_hash: YAML and CSV bytes + overrides */
  char params[RESULT_TEXT_MAX]; /* overrides applied, "key=value;key=value" sorted ("" = none) */
  char profile[RESULT_NAME_MAX];
  char version[RESULT_NAME_MAX]; /* meshsim version that produced it */
  char started_at[32];           /* UTC, ISO 8601 */
  uint64_t seed;
  uint32_t replications;
  double duration_s;
  double warmup_s;
  double slo_ms;             /* the scenario's latency objective */
  double objective_quantile; /* at this latency quantile (0.5, 0.9, 0.99, 0.999) */
  double error_budget;       /* share of requests allowed to fail (0.001 = 0.1%) */
  double wall_s;
  mode_result *modes;
  uint32_t n_modes;
  result_recommendation recommendation;
} run_result;

/* The name people and the store know mode m by: m->name, else the mode's. */
static inline const char *mode_result_name(const mode_result *m) {
  const char *n = m->name[0] ? m->name : mesh_mode_name(m->mode);
  return n ? n : "?";
}

/* The recommended mode's name ("" when there is none). */
static inline const char *result_recommendation_name(const result_recommendation *r) {
  if (!r->has_mode)
    return "";
  const char *n = r->name[0] ? r->name : mesh_mode_name(r->mode);
  return n ? n : "?";
}

void run_result_release(run_result *r);
void mode_result_release(mode_result *m);

#endif
