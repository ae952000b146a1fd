/* proxy: pure cost formulas of a proxy instance (no engine, no I/O).
 *
 * CPU of one pass (profile.h):
 *   cpu = pass_cpu[protocol] + byte_cpu * bytes + connection_cpu * new_connection
 * Under a CPU limit of L cores below the worker count W, the kernel's CFS
 * quota lets the workers together run at most L cores. We model that as
 * ceil(L) workers each running at L/ceil(L) of full speed: capacity is exactly
 * L cores and a lone request still runs (nearly) at full speed. This is a
 * fluid approximation: it ignores that a burst may run unthrottled until the
 * quota of one 100 ms CFS period is spent.
 *
 * Memory (profile.h):
 *   base + per_service * services + per_endpoint * endpoints
 *   + per_connection * connections + per_inflight * in_flight
 *   + per_busy_core * busy_cores
 * where the config size depends on what the proxy must know:
 *   sidecar   scope cluster: every service and endpoint of the cluster;
 *             scope namespace: its namespace's services plus the ones it calls;
 *             scope calls: its own service plus the ones it calls
 *   ztunnel   every workload and service of the cluster (istio/ztunnel#667)
 *   waypoint  the services bound to it and their endpoints
 *   gateway   the entry services routed through it and their endpoints
 * and connections count the peer pods the proxy's pods talk to: one per
 * upstream endpoint of each called service and one per calling pod.
 *
 * Local workloads: a ztunnel serves the ambient pods of its own node; for
 * each it holds a certificate of its identity and runs an in-pod proxy
 * instance with its listeners (istio/ztunnel#747). That adds
 *   idle CPU  per_local_workload.idle_cpu * local_workloads
 *   memory    per_local_workload.memory   * local_workloads
 * (profile keys, 0 when absent; sidecars and waypoints serve none here:
 * a sidecar's one pod is in its base figures).
 *
 * Config pushes (control_plane.h): a change of service s's endpoints goes
 * to every proxy that knows s: sidecars by their scope (cluster: all;
 * namespace: those of s's namespace and of the services calling s; calls:
 * those of s and of its callers), every ztunnel (each holds every
 * workload, istio/ztunnel#667) and the replicas of s's waypoint. */
#ifndef MESHSIM_PROXY_H
#define MESHSIM_PROXY_H

#include <stdint.h>

#include "profile.h"
#include "topology.h"

/* CPU time of one pass, in ns. Inline: the simulator computes it at every
 * proxy pass. */
static inline double proxy_pass_cpu_ns(const profile_proxy *pp, mesh_proto proto, int64_t bytes,
                                       int new_connection) {
  double cpu = pp->pass_cpu_ns[proto] + pp->byte_cpu_ns * (double)bytes;
  if (new_connection)
    cpu += pp->connection_cpu_ns;
  return cpu;
}

/* CPU time of a pass whose upstream leg is plain text (a gateway in front
 * of a pod without a mesh): no mTLS record work on it (plain_byte_cpu) and
 * no mTLS handshake, whatever the connection. */
double proxy_pass_cpu_plain_ns(const profile_proxy *pp, mesh_proto proto, int64_t bytes);

/* Effective workers under a CPU limit (0 = none) and the factor (>= 1) by
 * which the limit stretches every pass on them. */
double proxy_throttle(uint32_t workers, int64_t limit_millicores, uint32_t *effective_workers);

/* Memory in bytes from the formula above; busy_cores is the proxy's worker
 * CPU in use (cores), which the simulation measures. */
double proxy_memory_bytes(const profile_proxy *pp, double services, double endpoints,
                          double connections, double in_flight, double busy_cores);

/* Workloads proxy x serves on its node: a ztunnel's node's ambient pods. */
double proxy_local_workloads(const topology *t, uint32_t x);

/* Idle CPU of proxy x in cores: idle_cpu + per-local-workload idle. */
double proxy_idle_cores(const topology *t, const profile_proxy *pp, uint32_t x);

/* Memory the local workloads add to proxy x, in bytes. */
double proxy_local_memory_bytes(const topology *t, const profile_proxy *pp, uint32_t x);

/* Receivers of an endpoint push, averaged over the pod whose start or stop
 * causes it (every pod equally likely): *receivers = E[proxies that know
 * the pod's service], *receiver_endpoints = E[those proxies x the service's
 * endpoints] (what the push carries to them). O(pods + services x calls).
 * Returns 0 or SIM_ENOMEM. */
int proxy_push_receivers(const topology *t, double *receivers, double *receiver_endpoints);

/* What a proxy must hold: config entries and connections. */
typedef struct proxy_footprint {
  double services, endpoints, connections;
} proxy_footprint;

/* Per-service peer counts used by proxy_footprint_of (pods that call each
 * service, pods each service calls). Caller frees with proxy_peers_release. */
typedef struct proxy_peers {
  double *caller_pods; /* per service: replicas of services calling it */
  double *callee_pods; /* per service: replicas of services it calls */
} proxy_peers;

int proxy_peers_init(proxy_peers *pp, const scenario *s);
void proxy_peers_release(proxy_peers *pp);

/* Footprint of every proxy of topology t, into out[0 .. t->n_proxies), in
 * O(pods + services x calls + proxies): what a sidecar knows is computed once
 * per service, a ztunnel's connections once per node, a waypoint's once per
 * deployment. Returns 0 or SIM_ENOMEM. */
int proxy_footprints(const topology *t, proxy_footprint *out);

#endif
