/* scenario: the in-memory form of a scenario file (plain data, no behaviour).
 *
 * input/scenario_load.c fills it from YAML (and CSV) and resolves every name to
 * an index, so the model never looks anything up by string. The scenario owns
 * all its arrays; free with scenario_release(). Units are in the field names:
 * times in ns (sim_time), sizes in bytes, CPU in millicores, money in USD. */
#ifndef MESHSIM_SCENARIO_H
#define MESHSIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "mesh_types.h"
#include "sim_dist.h"
#include "sim_time.h"

#define SCN_NAME_MAX 64
#define SCN_TEXT_MAX 512
#define SCN_NONE     UINT32_MAX /* "no index" */

typedef struct scenario_meta {
  char name[SCN_NAME_MAX];
  char description[SCN_TEXT_MAX];
  uint64_t seed;
  sim_time duration_ns; /* measured time after warm-up */
  sim_time warmup_ns;
  uint32_t replications;
  sim_time slo_ns; /* end-to-end latency objective; also the "slow request" bound */
  /* The objective (models/verdict.h): the latency quantile objective_quantile
   * (0.5, 0.9, 0.99 or 0.999) at most slo_ns, and at most error_budget
   * (a fraction: 0.001 = 0.1%) of the requests failed. */
  double objective_quantile;
  double error_budget;
  /* Capacity planning (models/capacity.h): the utilisation a shared proxy
   * (waypoint, ztunnel, control plane) should stay under; replicas and CPU
   * needed are computed against it. In (0, 1]. */
  double target_utilisation;
} scenario_meta;

typedef struct scenario_node_pool {
  char name[SCN_NAME_MAX];
  uint32_t count;     /* nodes the pool starts with (placement may add more) */
  uint32_t max_count; /* 0 = unlimited: the nodes needed are an output */
  int64_t cpu_millicores;
  int64_t mem_bytes;
  uint32_t *zones; /* zone indices the pool's nodes are spread over, in order */
  uint32_t n_zones;
} scenario_node_pool;

typedef struct scenario_cluster {
  char (*zones)[SCN_NAME_MAX];
  uint32_t n_zones;
  scenario_node_pool *pools;
  uint32_t n_pools;
  sim_time same_node_ns; /* one-way network latency by locality */
  sim_time same_zone_ns;
  sim_time cross_zone_ns;
  double bandwidth_bytes_per_s; /* per-hop transfer rate; 0 = size adds no delay */
  mesh_placement placement;
  int64_t system_reserved_millicores; /* per node: kubelet, OS, non-mesh daemonsets */
  int64_t system_reserved_mem_bytes;
  /* How long after a failure Kubernetes takes a pod out of its service's
   * endpoints (0 = never): a pod whose container died (the kubelet marks it
   * not ready), and every pod of a node that stopped answering (the node
   * controller's grace period). The mesh then stops sending it calls. */
  sim_time detect_pod_ns;
  sim_time detect_node_ns;
  /* Pod starts and stops per second (rollouts, scaling, evictions): each
   * changes a service's endpoints and makes the control plane push
   * (control_plane.h). 0 = a still cluster (the default). */
  double pod_churn_per_s;
} scenario_cluster;

typedef struct scenario_pricing {
  double vcpu_hour_usd;
  double gib_hour_usd;
  double cross_zone_gb_usd;
  double hours_per_month; /* 730 by default */
} scenario_pricing;

/* Per proxy kind overrides; a negative value (or 0 workers) means "from the profile". */
typedef struct scenario_proxy_settings {
  uint32_t workers;
  int64_t request_millicores;
  int64_t request_mem_bytes;
  int64_t limit_millicores;
  int64_t limit_mem_bytes;
} scenario_proxy_settings;

/* Modes one run compares at most: each of the five, and the same mode under
 * other calibration profiles ("linkerd-2.14:sidecar" beside "sidecar"). */
#define SCN_MODES_MAX 16

typedef struct scenario_mesh {
  char profile[SCN_NAME_MAX];         /* e.g. "istio-1.24" */
  char sidecar_profile[SCN_NAME_MAX]; /* "" = same as profile; e.g. "linkerd-2.14" */
  mesh_mode modes[SCN_MODES_MAX];     /* modes to compare, in report order */
  /* Per mode, the profile it names ("linkerd-2.14" of "linkerd-2.14:sidecar"),
   * which then calibrates every proxy kind and the control plane of that
   * mode; "" = profile and sidecar_profile, as for a mode named alone. */
  char mode_profile[SCN_MODES_MAX][SCN_NAME_MAX];
  uint32_t n_modes;
  scenario_proxy_settings proxy[MESH_PROXY_COUNT];
  mesh_sidecar_scope sidecar_scope;
  mesh_waypoint_scope waypoint_scope; /* default for namespaces */
  uint32_t waypoint_replicas;         /* default per waypoint deployment */
  double new_connection_share;        /* share of requests that open a new connection */
  /* The Envoy retry policy Istio applies to every HTTP route without one
   * (models/model_sim.c): retries of a call whose connection failed, made by
   * the caller's sidecar or the destination's waypoint, with Envoy's
   * jittered back-off, after the connect timeout when the pod's node is gone. */
  uint32_t retries;
  sim_time retry_backoff_ns;
  sim_time connect_timeout_ns;
} scenario_mesh;

typedef struct scenario_namespace {
  char name[SCN_NAME_MAX];
  char tenant[SCN_NAME_MAX]; /* defaults to the namespace name */
  char team[SCN_NAME_MAX];
  bool compliance;          /* regulated: must keep per-pod identity isolation */
  mesh_ns_mode hybrid_mode; /* what it runs in mode "hybrid" */
  mesh_waypoint_scope waypoint_scope;
  uint32_t waypoint_replicas; /* 0 = mesh default */
} scenario_namespace;

/* One way a call or a traffic entry may go: a service, the operation it
 * runs there, and the share of the calls that go this way. */
typedef struct scenario_target {
  uint32_t service;
  uint32_t op;  /* index into the service's ops; 0 when the service has none */
  double share; /* probability of this way; the shares of one choice add up to 1 */
  int64_t request_bytes;
  int64_t response_bytes;
} scenario_target;

/* A call entry. Its target is one (service, operation), or, when n_choice
 * > 0, one of `choice` picked per call by share: a weighted route (one_of),
 * an operation mix, or a service with operations named without one. Read
 * the ways through scenario_call_n_targets / scenario_call_target_at, which
 * treat both forms alike. */
typedef struct scenario_call {
  uint32_t target;       /* service index (SCN_NONE when choice is used) */
  uint32_t count;        /* calls per request of the caller (each subject to probability) */
  double probability;    /* each call happens with this probability (1 = always) */
  int64_t request_bytes; /* bytes of this call (the loader fills in the target's when unset) */
  int64_t response_bytes;
  uint32_t op;             /* the target's operation (0 when it has none) */
  uint32_t n_choice;       /* 0: the one target above */
  scenario_target *choice; /* owned; shares > 0 adding up to 1 */
} scenario_call;

/* A named operation (endpoint) of a service: its own service time, sizes
 * and calls. A service with operations keeps no calls of its own. */
typedef struct scenario_operation {
  char name[SCN_NAME_MAX];
  double weight; /* its share of the service's default mix, before normalising */
  sim_dist service_time_ns;
  double *dist_storage; /* owned backing store of an empirical service time */
  int64_t request_bytes;
  int64_t response_bytes;
  bool parallel;
  scenario_call *calls;
  uint32_t n_calls;
} scenario_operation;

typedef struct scenario_retry {
  uint32_t attempts;   /* total tries including the first; 1 = no retry */
  sim_time timeout_ns; /* per try; 0 = none */
  sim_time backoff_ns; /* before each retry */
} scenario_retry;

/* The external client's timeout of an entry request when a traffic entry
 * sets none: 30 s, the default request timeout of a Google Cloud load
 * balancer's backend service (timeoutSec, cloud.google.com/load-balancing/
 * docs/backend-service), the usual front door of a cluster's traffic. */
#define SCN_CLIENT_TIMEOUT_DEFAULT_NS (30 * SIM_S)

typedef struct scenario_service {
  char name[SCN_NAME_MAX];
  uint32_t ns;              /* namespace index */
  uint32_t service_account; /* index into scenario.service_accounts */
  uint32_t replicas;
  mesh_proto protocol;
  int64_t cpu_request_millicores;
  int64_t mem_request_bytes;
  int64_t cpu_limit_millicores; /* 0 = none */
  int64_t mem_limit_bytes;
  uint32_t app_workers;
  /* What a pod uses besides serving requests: CPU when idle (runtime,
   * health checks, metrics; default 0) and its memory working set (default
   * -1 = its memory request, as before the key existed). */
  int64_t idle_millicores;
  int64_t working_set_bytes;
  sim_dist service_time_ns;
  double *dist_storage; /* owned backing store of an empirical service time */
  int64_t request_bytes;
  int64_t response_bytes;
  bool needs_l7; /* L7 policy/routing: sidecar L7 or a waypoint in ambient */
  bool parallel; /* calls fan out in parallel (else one after another) */
  mesh_lb lb;
  scenario_call *calls;
  uint32_t n_calls;
  scenario_retry retry; /* how this service's callers retry calls to it */
  /* Overload bounds (0 = none, the default for both): requests waiting for
   * a worker of one pod beyond which new ones are refused with a 503, and
   * Istio's DestinationRule connectionPool.http.http2MaxRequests: requests
   * in flight from one proxy to this service beyond which that proxy
   * answers 503 at once (Envoy's max_requests circuit breaker). */
  uint32_t queue_limit;
  uint32_t max_requests;
  /* Kubernetes Service.spec.trafficDistribution: PreferClose: callers
   * pick pods (and waypoint replicas) in their own zone when the zone has
   * any, else anywhere. Off by default, as in Kubernetes. */
  bool prefer_close;
  /* Named operations (none: the service is its own single operation, with
   * the service time, sizes and calls above). */
  scenario_operation *ops;
  uint32_t n_ops;
} scenario_service;

typedef struct scenario_burst {
  sim_time at_ns;
  sim_time duration_ns;
  double multiplier;
} scenario_burst;

typedef enum scenario_arrival { SCN_ARRIVAL_POISSON, SCN_ARRIVAL_CONSTANT } scenario_arrival;

/* An ingress gateway: an Envoy Deployment in front of entry services that
 * the traffic entries naming it (`via`) cross in every mode, as the
 * client-side proxy of their root calls (models/path.h). Its replicas are
 * placed as pods; its workers, requests and limits come from the profile's
 * `gateway` entry and `mesh.gateway`. */
typedef struct scenario_gateway {
  char name[SCN_NAME_MAX];
  char ns[SCN_NAME_MAX]; /* its namespace, a name only: "istio-ingress" by default */
  uint32_t replicas;     /* >= 1; default 1 (the gateway chart's autoscaling min) */
  /* Ambient: whether it sends traffic for a service with a waypoint through
   * that waypoint (Istio's istio.io/ingress-use-waypoint label; off by
   * default, as in Istio: the gateway then goes to the ztunnel directly). */
  bool use_waypoint;
} scenario_gateway;

typedef struct scenario_traffic {
  uint32_t service; /* entry service */
  /* The client: SCN_NONE for outside the mesh (the default), or a service
   * whose pods send the requests (a load generator, a cron job in the
   * mesh): its pods' proxies and nodes are on the path and their CPU counts;
   * the client's own application work is not modelled. */
  uint32_t from;
  uint32_t via;         /* ingress gateway index, or SCN_NONE (the default: none) */
  uint32_t op;          /* the entry service's operation (0 when it has none) */
  uint32_t n_mix;       /* 0: that one operation */
  scenario_target *mix; /* owned: one of these per request, by share */
  double rate_rps;
  scenario_arrival arrival;
  sim_time timeout_ns; /* the client gives up after this long, retries included; 0 = never */
  scenario_burst *bursts;
  uint32_t n_bursts;
} scenario_traffic;

typedef enum scenario_failure_target {
  SCN_FAIL_SIDECAR,
  SCN_FAIL_ZTUNNEL,
  SCN_FAIL_WAYPOINT,
  SCN_FAIL_NODE,
  SCN_FAIL_CONTROL_PLANE,
  SCN_FAIL_GATEWAY, /* an ingress gateway replica */
  SCN_FAIL_TARGET_COUNT
} scenario_failure_target;

typedef enum scenario_failure_kind { SCN_FAIL_CRASH, SCN_FAIL_UPGRADE } scenario_failure_kind;

typedef enum scenario_failure_pick {
  SCN_PICK_NAMED,   /* `instance` names it (node name, pod name, waypoint name) */
  SCN_PICK_RANDOM,  /* a random instance of the kind (seeded) */
  SCN_PICK_BUSIEST, /* the instance with the most traffic */
  SCN_PICK_ROLLING  /* every instance in turn (rolling upgrade) */
} scenario_failure_pick;

typedef struct scenario_failure {
  char name[SCN_NAME_MAX];
  scenario_failure_target target;
  scenario_failure_pick pick;
  char instance[SCN_NAME_MAX];
  scenario_failure_kind kind;
  sim_time at_ns; /* after warm-up */
  sim_time duration_ns;
  sim_time drain_ns; /* upgrade only */
} scenario_failure;

typedef struct scenario_autoscale {
  bool enabled;
  double target_utilisation;
  sim_time scale_up_delay_ns;
  sim_time scale_down_delay_ns;
  uint32_t min_replicas, max_replicas;
} scenario_autoscale;

/* What `meshsim advise` minimises (docs/advise.md): the whole cluster's
 * monthly cost, mesh CPU used, mesh memory, or the objective's latency
 * percentile. */
typedef enum scenario_advise_objective {
  SCN_ADVISE_COST,
  SCN_ADVISE_CPU,
  SCN_ADVISE_MEMORY,
  SCN_ADVISE_LATENCY,
  SCN_ADVISE_OBJECTIVE_COUNT
} scenario_advise_objective;

/* A namespace held to a set of modes (bits 1u << mesh_ns_mode). */
typedef struct scenario_advise_pin {
  uint32_t ns;
  unsigned modes;
} scenario_advise_pin;

#define SCN_NS_MODE_BIT(m) (1u << (m))

/* The `advise` section: the objective and the constraints of the search.
 * Limits of 0 mean none; budget 0 lets the advisor size it. */
typedef struct scenario_advise {
  scenario_advise_objective objective;
  unsigned modes; /* candidate modes for every namespace, bits */
  scenario_advise_pin *pins;
  uint32_t n_pins;
  uint32_t max_tenants_per_proxy; /* on one shared proxy instance (ztunnel, waypoint replica) */
  uint32_t max_pods_per_proxy;
  uint32_t budget; /* simulations of candidate assignments */
} scenario_advise;

typedef struct scenario {
  char path[SCN_TEXT_MAX]; /* file it came from, for messages */
  uint64_t content_hash;   /* FNV-1a 64 of the YAML and CSV bytes and the overrides */
  scenario_meta meta;
  scenario_cluster cluster;
  scenario_pricing pricing;
  scenario_mesh mesh;
  scenario_autoscale waypoint_autoscale;
  scenario_namespace *namespaces;
  uint32_t n_namespaces;
  char (*service_accounts)[SCN_NAME_MAX]; /* "namespace/name", deduplicated */
  uint32_t *service_account_ns;
  uint32_t n_service_accounts;
  scenario_service *services;
  uint32_t n_services;
  scenario_traffic *traffic;
  uint32_t n_traffic;
  scenario_gateway *gateways;
  uint32_t n_gateways;
  scenario_failure *failures;
  uint32_t n_failures;
  scenario_advise advise;
} scenario;

/* Fills *s with the documented defaults (no namespaces or services). */
void scenario_init_defaults(scenario *s);
/* Frees everything the scenario owns and zeroes it. */
void scenario_release(scenario *s);

/* Index of a service / namespace by name, or SCN_NONE. */
uint32_t scenario_find_service(const scenario *s, const char *name);
uint32_t scenario_find_namespace(const scenario *s, const char *name);

/* Mean calls from service i to its call j per request of i (count * probability). */
double scenario_call_mean(const scenario_call *c);

/* The ways call c can go: one, or its choice's. */
static inline uint32_t scenario_call_n_targets(const scenario_call *c) {
  return c->n_choice ? c->n_choice : 1;
}
static inline scenario_target scenario_call_target_at(const scenario_call *c, uint32_t i) {
  if (c->n_choice)
    return c->choice[i];
  scenario_target t = {c->target, c->op, 1.0, c->request_bytes, c->response_bytes};
  return t;
}

/* The calls a request to operation op of service sv makes (the service's own
 * when it has no operations). */
static inline const scenario_call *scenario_op_calls(const scenario_service *sv, uint32_t op,
                                                     uint32_t *n) {
  if (sv->n_ops) {
    *n = sv->ops[op].n_calls;
    return sv->ops[op].calls;
  }
  *n = sv->n_calls;
  return sv->calls;
}

/* The entry points of traffic entry t: one, or its mix's. */
uint32_t scenario_traffic_n_targets(const scenario_traffic *t);
scenario_target scenario_traffic_target_at(const scenario *s, const scenario_traffic *t,
                                           uint32_t i);

/* The name of mode i in outputs, unique within the run: "sidecar", or
 * "linkerd-2.14:sidecar" when the mode names its profile. Returns buf. */
const char *scenario_mode_label(const scenario *s, uint32_t i, char *buf, size_t size);

/* "cost", "cpu", "memory", "latency"; _from_name returns -1 for other text. */
const char *scenario_advise_objective_name(scenario_advise_objective o);
int scenario_advise_objective_from_name(const char *name);

/* Total pods (sum of replicas). */
uint64_t scenario_pod_count(const scenario *s);

#endif
