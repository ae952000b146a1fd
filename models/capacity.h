/* capacity: hot spots, what the shared proxies need, and sizing from use.
 * Pure functions of a built topology and the per-station figures of the
 * steady replications (no engine, no I/O, no globals); model_run.c gathers
 * the figures and calls capacity_plan() once per mode, after the last
 * replication. docs/model.md ("Capacity") says the same for people.
 *
 * Hot spots. The RESULT_HOTSPOTS_MAX stations with the highest offered
 * utilisation u (result_station), highest first, ties by station index (the
 * order model_fill_busiest breaks them in, so hot spot 0 is the busiest
 * station). A station's part of the latency is the time requests spent there
 * (sojourn: queueing and service, every pass of the window) per successful
 * measured request:
 *   latency_ms = sum over replications of sojourn / successful requests
 *   latency_share = latency_ms / mean end-to-end latency
 * Calls made in parallel overlap in time, so shares may add up past 1.
 * Selection is a bounded heap: O(stations x log N), no full sort.
 *
 * Shared proxies, at the target utilisation T (metadata.objective.
 * target_utilisation, default 0.7). A replica's capacity c is its CPU in
 * cores, min(workers, CPU limit) (proxy.h: a limit of L cores gives L
 * cores), so u x c is the CPU its work takes.
 *   waypoint deployment of R replicas: replicas_needed = ceil(sum_i u_i / T),
 *     the Kubernetes HPA rule (desired = ceil(R x mean u / T)), at least 1;
 *     or, keeping R, cpu_cores_per_replica = c x (sum_i u_i / R) / T.
 *     The replicas an autoscaler added (mesh.waypoint.autoscale) are burst
 *     capacity the model accounts for all deployments together: their work
 *     is shared out in proportion to each deployment's own.
 *   ztunnel: one per node (a DaemonSet: no replicas to add), so
 *     replicas_needed = R and every ztunnel needs what the busiest needs,
 *     cpu_cores_per_replica = c x max_i u_i / T.
 *   control plane: not a simulated station; its utilisation is CPU used over
 *     CPU requested (the HPA's definition), replicas_needed =
 *     ceil(used / (T x request per replica)), cpu_cores_per_replica =
 *     used / (T x R).
 * Rounding: ceil(x - 1e-9), so 2.1 / 0.7 is 3 replicas, not 4.
 *
 * Right-sized requests, per proxy kind (one request per kind, as the mesh
 * configures them): the 95th percentile (nearest rank) of per-second use per
 * instance over every second of every replication, plus CAPACITY_HEADROOM:
 *   request = p95 x (1 + 0.15), CPU rounded up to whole millicores, memory
 *   to whole MiB.
 * 0.15 is the Kubernetes Vertical Pod Autoscaler's default safety margin
 * (--recommendation-margin-fraction); the VPA takes the p90 of CPU for its
 * target and the p95 for its upper bound, so p95 + 15% sits at the VPA's
 * cautious end: a proxy is on every request's path, and throttling it slows
 * the requests, not a batch job. Per-second use per instance is the kind's
 * use in that second over its instances (active ones when autoscaling): it
 * hides the spread between instances, which max_cpu_cores shows. Cost: every
 * instance at that request at list prices (cost_reserved_month).
 *
 * Nodes. A node's used CPU is its stations' worker time, its proxies' idle
 * CPU and the control plane's estimate, plus the system reservation; its
 * used memory the proxies' mean memory, the applications' requests (their
 * memory is not modelled) and the system reservation. A node whose used CPU
 * or memory exceeds its capacity gets a warning. Nodes needed from use is
 * topology's first-fit-decreasing count with every pod sized at
 * max(request, mean use) per container (app and sidecar apart), every
 * waypoint and istiod replica likewise, and every node setting aside
 * max(ztunnel request, idle + the ztunnels' work / nodes): the ztunnels'
 * work follows the calls, not the nodes, so it is spread over the nodes of
 * the packing (counted once with the simulated nodes, once more with the
 * count that gives when fewer). The mode's nodes_needed is the larger of
 * that count and the count from requests. */
#ifndef MESHSIM_CAPACITY_H
#define MESHSIM_CAPACITY_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "result.h"
#include "topology.h"

#define CAPACITY_HEADROOM   0.15 /* over the p95 of use (the VPA's default safety margin) */
#define CAPACITY_PERCENTILE 0.95

/* ceil(utilisation_sum / target), at least 1 (see above). */
uint32_t capacity_replicas_needed(double utilisation_sum, double target);

/* The p-quantile of v[0..n) by nearest rank, v[ceil(p n) - 1] of v sorted
 * ascending (v is sorted in place); NAN when n is 0. */
double capacity_quantile(double *v, size_t n, double p);

/* Indices of the k largest finite scores, highest first, ties by lower
 * index, into out (room for k); returns how many (min(k, finite scores)).
 * O(n log k). */
uint32_t capacity_top(const double *score, uint32_t n, uint32_t k, uint32_t *out);

/* What capacity_plan reads: means over the steady replications, stations
 * numbered as model_sim.h numbers them (pods, then proxies). */
typedef struct capacity_use {
  const topology *t;
  const profile *const *proxy_profile; /* per proxy kind (idle CPU) */
  const profile_control_plane *control_plane;
  const double *utilisation; /* per station: offered utilisation */
  const double *cores;       /* per station: worker time per second */
  const double *sojourn_ns;  /* per station: time requests spent there, summed over replications */
  double requests;           /* successful measured requests, summed over replications */
  double mean_latency_ms;    /* end-to-end, of those requests */
  const double *proxy_mem_bytes; /* per proxy: memory */
  double extra_waypoint_cores; /* worker time per second of autoscaled replicas beyond the placed */
  double control_plane_cores, control_plane_mem_bytes; /* all replicas */
  const result_node *nodes; /* per node: use per kind and capacity (model_fill_nodes) */
  /* Per proxy kind: use per instance, one sample per second of every
   * replication (NULL when the mode has none); sorted in place. */
  double *second_cores[MESH_PROXY_COUNT];
  double *second_mem_bytes[MESH_PROXY_COUNT];
  size_t n_samples;
} capacity_use;

/* Fills every field of *out (which must be zeroed) from u; out->capacity and
 * out->node_warnings are malloc'd (mode_result_release frees them).
 * Returns 0 or SIM_ENOMEM. */
int capacity_plan(const capacity_use *u, result_plan *out);

#endif
