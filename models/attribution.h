/* attribution: each namespace's share of a mode's mesh CPU, memory,
 * reservations, cost and cross-zone traffic, and the latency its entry
 * requests gain over mode none. Pure functions over a finished mode (no
 * engine, no I/O, no globals); model_run.c sums the simulation's
 * per-namespace counts over the steady replications (attribution_acc) and
 * calls attribution_compute() once per mode, after the cost is known.
 *
 * Who a proxy pass is for. Every pass through a proxy acts for one pod: the
 * caller on the client side of the call's path, the callee on the waypoint
 * and server sides (path.h); the simulation adds its worker time and the
 * time the request spent there to that pod's namespace (model_sim.h).
 * A sidecar acts only for its own pod and a waypoint only for the services
 * it fronts, which are all of its own namespace, so for them this is
 * ownership; a ztunnel acts for every ambient pod of its node, of any
 * namespace, and the pass rule is what splits it.
 *
 * The rule, per namespace i and proxy kind k (T the measured window, R the
 * replications, W_k,i the worker time of the passes counted for i):
 *   owned kinds (sidecar, waypoint):
 *     cpu_k,i  = idle CPU of the instances i owns + W_k,i / (R T)
 *                (work on autoscaled waypoint replicas included)
 *     mem_k,i  = memory of the instances i owns
 *     reserved = requests of the instances i owns
 *   shared kind ztunnel, s_i = W_zt,i / sum_j W_zt,j (without traffic: i's
 *   share of the ambient pods):
 *     cpu, memory and reservation = the mode's ztunnel total x s_i
 *     (idle CPU and the per-node DaemonSet request follow the work)
 *   control plane: istiod's cost grows with the proxies it configures and
 *   the services it computes config for (control_plane.h), so i's weight is
 *     c_i = per_proxy x proxies_i + per_service x services_i
 *   with proxies_i = i's sidecars + i's waypoint replicas + ztunnels x s_i,
 *   and CPU, memory and reservation = the control-plane total x c_i / sum c
 *   (per_service alone when no proxy is configured; memory weighs its
 *   per_* terms, endpoints = i's pods, the same way).
 *   apps: their own worker time and requests (memory = request).
 * Shares of a total are normalised so the namespaces add up to it exactly.
 *
 *   cost_i      = compute x f_i / sum_j f_j + network_i
 *     f_i       = price of sum over kinds of max(reserved, used) for CPU and
 *                 memory: nodes are packed by max(request, use) (capacity.h),
 *                 so what a namespace occupies is what it pays, idle
 *                 capacity and system reservations in proportion
 *     network_i = cross-zone bytes of the calls into i's services, priced
 *   mesh_cost_i = i's mesh reservations at list prices (cost_reserved_month)
 *   mesh_time_i = time requests spent in proxies acting for i, per measured
 *                 external request of the cluster (parallel calls overlap,
 *                 so this is work on the path, not always wall time)
 *   entry latency = mean latency of the measured external requests entering
 *                 at i's services; latency_gain = that minus mode none's, the
 *                 same requests by common random numbers (attribution_relate)
 *
 * Why split shared proxies by work and not by pods: a ztunnel's CPU is its
 * passes, and a namespace of many idle pods puts none through it; the
 * control plane is split by what its cost formula counts instead, since it
 * does no per-request work. */
#ifndef MESHSIM_ATTRIBUTION_H
#define MESHSIM_ATTRIBUTION_H

#include <stdint.h>

#include "model_sim.h"
#include "profile.h"
#include "result.h"
#include "topology.h"

/* The simulation's per-namespace counts summed over steady replications
 * (model_sim.h). Zero it to start; attribution_acc_add allocates. */
typedef struct attribution_acc {
  uint32_t n_namespaces;
  double *busy_ns, *sojourn_ns; /* [kind * n_namespaces + ns] */
  double *cross_zone_bytes, *latency_ns;
  uint64_t *requests, *errors;
} attribution_acc;

/* Adds one steady replication's counts; 0 or SIM_ENOMEM. */
int attribution_acc_add(attribution_acc *a, const model_rep *rep);
void attribution_acc_release(attribution_acc *a);

/* What attribution_compute reads besides the filled mode_result: the
 * topology, the profiles (idle CPU, control-plane coefficients) and the
 * means over replications model_run.c keeps per station. */
typedef struct attribution_input {
  const topology *t;
  const profile *const *proxy_profile; /* per proxy kind */
  const profile_control_plane *control_plane;
  const double *cores;           /* per station (pods, then proxies): worker time per second */
  const double *proxy_mem_bytes; /* per proxy: memory */
  const attribution_acc *acc;
  uint32_t replications;
  double duration_s;
} attribution_input;

/* Fills out->namespaces (malloc'd; mode_result_release frees it) from the
 * rule above; out's totals (kinds, reservations, cost) must be final.
 * latency_gain_ms is left NAN. Returns 0 or SIM_ENOMEM. */
int attribution_compute(const attribution_input *in, mode_result *out);

/* Sets every mode's latency_gain_ms from mode none of r, when r has it. */
void attribution_relate(run_result *r);

/* The latency gain of namespace ns in mode m against `none` (same
 * namespaces in the same order): entry latency difference, NAN when either
 * has no successful entry request. */
double attribution_latency_gain(const mode_result *m, const mode_result *none, uint32_t ns);

#endif
