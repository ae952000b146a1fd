/* topology: the cluster of one mode, instantiated from a scenario.
 *
 * Builds nodes, pods (placed by the scenario's policy, honouring node
 * capacity through resource requests), and the proxies each mode deploys:
 * a sidecar per meshed pod, a ztunnel per node when any namespace runs
 * ambient, waypoint deployments (replicas placed as pods) for the services
 * that need L7 in ambient-waypoint namespaces, the scenario's ingress
 * gateways (in every mode, replicas placed as pods), and the control plane.
 * Everything is indices into flat arrays: compact at 20,000 pods.
 *
 * Nodes needed is an output: a first-fit-decreasing bin packing of every
 * pod's requests (apps with their sidecars, waypoints, istiod) onto the node
 * pools, after each node's system reservation and ztunnel DaemonSet request.
 * Simulated placement then uses max(pool start counts, nodes needed) nodes. */
#ifndef MESHSIM_TOPOLOGY_H
#define MESHSIM_TOPOLOGY_H

#include <stdint.h>

#include "mesh_types.h"
#include "profile.h"
#include "scenario.h"

#define TOPO_NONE UINT32_MAX

/* CPU and memory of one pod-sized thing, as a Kubernetes request. */
typedef struct topo_size {
  int64_t millicores, mem_bytes;
} topo_size;

/* Effective per-instance settings of a proxy kind (scenario overrides applied). */
typedef struct topo_proxy_settings {
  uint32_t workers;
  int64_t request_millicores, request_mem_bytes;
  int64_t limit_millicores, limit_mem_bytes; /* 0 = none */
} topo_proxy_settings;

typedef struct topo_node {
  uint32_t pool, zone;
  uint32_t index_in_pool;
  int64_t cap_millicores, cap_mem_bytes;     /* allocatable (after system reserve) */
  int64_t alloc_millicores, alloc_mem_bytes; /* sum of requests placed */
  uint32_t n_pods;                           /* app pods */
  uint32_t n_ambient_pods;                   /* of which ambient: its ztunnel's workloads */
  uint32_t ztunnel;                          /* proxy index or TOPO_NONE */
} topo_node;

typedef struct topo_pod {
  uint32_t service;
  uint32_t node;
  uint32_t sidecar; /* proxy index or TOPO_NONE */
  mesh_ns_mode mode;
} topo_pod;

typedef struct topo_proxy {
  mesh_proxy_kind kind;
  uint32_t node;
  uint32_t owner; /* sidecar: pod; ztunnel: node; waypoint: waypoint deployment */
} topo_proxy;

typedef struct topo_waypoint {
  uint32_t ns;
  mesh_waypoint_scope scope;
  uint32_t key; /* namespace, service-account or service index by scope */
  uint32_t first_proxy, n_replicas;
  uint32_t n_services; /* services bound to it */
} topo_waypoint;

typedef struct topology {
  const scenario *scn;
  mesh_mode mode;
  mesh_ns_mode *ns_mode; /* per namespace: what its pods run in this mode */
  topo_proxy_settings proxy_settings[MESH_PROXY_COUNT];
  topo_node *nodes;
  uint32_t n_nodes;
  /* Per node its zone (nodes[i].zone), 4 bytes a node: network hops and
   * zone-aware picks read it for every call, and the 64-byte node records
   * of a 10,000-node cluster do not stay in the cache. */
  uint32_t *node_zone;
  uint32_t nodes_needed;
  topo_pod *pods;
  uint32_t n_pods;
  uint32_t *service_first_pod; /* pods of service s: [first[s], first[s] + replicas) */
  uint32_t *service_waypoint;  /* waypoint index or TOPO_NONE */
  topo_proxy *proxies;
  uint32_t n_proxies;
  uint32_t n_by_kind[MESH_PROXY_COUNT];
  topo_waypoint *waypoints;
  uint32_t n_waypoints;
  /* Ingress gateways (scenario gateways, every mode): the replicas of
   * gateway g are proxies [gateway_first_proxy[g], + its replicas), after
   * the waypoints'. */
  uint32_t *gateway_first_proxy;
  topo_size node_agent; /* request of the node agent (istio-cni) beside each ztunnel; 0 = none */
  uint32_t control_plane_replicas; /* 0 in mode none */
  uint32_t control_plane_node;     /* node of replica 0 */
} topology;

/* What a namespace's pods run in `mode` (hybrid: the namespace's choice). */
mesh_ns_mode topo_ns_mode(const scenario *s, uint32_t ns, mesh_mode mode);

/* Effective settings of a proxy kind from the profile and scenario overrides. */
topo_proxy_settings topo_proxy_settings_of(const scenario *s, const profile *p, mesh_proxy_kind k);

/* Builds the topology of `mode`. profiles[k] is the profile of proxy kind k
 * (the control plane comes from profiles[MESH_PROXY_ZTUNNEL] when present,
 * else the sidecar's). seed drives random placement. Returns 0 or a negative
 * SIM_E* code; on error *t is released. */
int topo_build(topology *t, const scenario *s, const profile *const profiles[MESH_PROXY_COUNT],
               const profile_control_plane *cp, mesh_mode mode, uint64_t seed);
void topo_release(topology *t);

/* Nodes needed, as topo_build counts them (first-fit decreasing onto the
 * pools), for other sizes than the requests: pods[p] is app pod p with its
 * sidecar, waypoints[r] waypoint replica r in proxy order, then the
 * gateway replicas (waypoints[n_wp + r]), control_plane
 * one istiod replica, and per_node what every node sets aside for its
 * ztunnel (used only when the mode runs ztunnels). *unplaced receives the
 * items that fit no pool below its max (they are not counted in *needed).
 * O(items log nodes), as topo_build's count. Returns 0 or SIM_ENOMEM. */
int topo_count_nodes_sized(const topology *t, const topo_size *pods, const topo_size *waypoints,
                           topo_size control_plane, topo_size per_node, uint32_t *needed,
                           uint32_t *unplaced);

/* What a node running a ztunnel sets aside for its DaemonSet pods: the
 * ztunnel's request plus the node agent's. */
topo_size topo_daemonset_size(const topology *t);

/* Name of a node ("<pool>-<i>") into buf. */
void topo_node_name(const topology *t, uint32_t node, char *buf, size_t len);
/* Name of a pod ("<service>-<i>") into buf. */
void topo_pod_name(const topology *t, uint32_t pod, char *buf, size_t len);

/* Name of waypoint deployment w: "<namespace>/waypoint" (namespace scope,
 * Istio's conventional name), "<namespace>/<service account>" or
 * "<namespace>/<service>". */
void topo_waypoint_name(const topology *t, uint32_t w, char *buf, size_t len);
/* Name of proxy x: its pod (sidecar), its node (ztunnel),
 * "<waypoint deployment>#<replica>" or "gateway/<name>#<replica>". */
void topo_proxy_name(const topology *t, uint32_t x, char *buf, size_t len);

/* Whether a call into service `svc` from a meshed client goes through a waypoint. */
static inline uint32_t topo_waypoint_of(const topology *t, uint32_t svc) {
  return t->service_waypoint[svc];
}

#endif
