/* path: the stations a call passes through in each mode (DESIGN.md table).
 *
 * For a call from pod a (or from outside the mesh) to pod b:
 *   client side  a's sidecar, or the ztunnel of a's node (ambient), or none
 *   middle       a waypoint replica of b's service, when b's namespace runs
 *                ambient-waypoint, b needs L7, and the client is meshed
 *                (non-mesh clients reach b's ztunnel directly)
 *   server side  b's sidecar, or the ztunnel of b's node; skipped when that
 *                ztunnel already handled the client side (same-node ambient)
 * then the application of b. Responses retrace the path in reverse.
 * A hop co-located with a pod adds no network time (the redirect is inside
 * the proxy's calibrated on-path time); moving between the client node, the
 * waypoint's node and the server node costs the network latency between
 * them, exactly as the single hop of mode none does.
 *
 * A root call that enters through an ingress gateway (traffic `via`) has
 * the gateway replica as its client side, in every mode:
 *   gateway(node g) -> [waypoint] -> sidecar(b) or ztunnel(node b) -> app(b)
 * and in mode none gateway(node g) -> app(b). */
#ifndef MESHSIM_PATH_H
#define MESHSIM_PATH_H

#include <stdint.h>

#include "topology.h"

#define PATH_MAX_PROXIES 3

enum { PATH_SIDE_CLIENT = 0, PATH_SIDE_MIDDLE = 1, PATH_SIDE_SERVER = 2 };

typedef struct path {
  uint32_t proxy[PATH_MAX_PROXIES]; /* proxy indices, in request order */
  uint8_t side[PATH_MAX_PROXIES];
  uint8_t n;
  uint32_t node[3]; /* node of each side; client is TOPO_NONE for external callers */
} path;

/* Builds the path of a call from src_pod (TOPO_NONE: outside the mesh) to
 * dst_pod. u in [0,1) picks the waypoint replica. */
void path_build(const topology *t, uint32_t src_pod, uint32_t dst_pod, double u, path *out);

/* The path of a root call that enters through ingress gateway replica
 * gw_proxy (a proxy index) to dst_pod: the gateway is the client side (on
 * its own node), then the waypoint of dst's service when use_waypoint and
 * it has one (ambient-waypoint), then dst's sidecar or its node's ztunnel
 * (the gateway speaks mTLS or HBONE to them itself), or nothing in front
 * of a pod without a mesh. The external client sits one zone-local hop
 * before the gateway (model_sim adds it). */
void path_build_gateway(const topology *t, uint32_t gw_proxy, int use_waypoint, uint32_t dst_pod,
                        double u, path *out);

/* One-way network latency between two nodes (TOPO_NONE = an external
 * client, which sits one zone-local hop away). Inline: every hop of a
 * simulated call asks it. */
static inline sim_time path_latency(const topology *t, uint32_t from_node, uint32_t to_node) {
  const scenario_cluster *c = &t->scn->cluster;
  if (from_node == TOPO_NONE || to_node == TOPO_NONE)
    return c->same_zone_ns;
  if (from_node == to_node)
    return c->same_node_ns;
  return t->node_zone[from_node] == t->node_zone[to_node] ? c->same_zone_ns : c->cross_zone_ns;
}

/* "sidecar(a) -> ztunnel(node-1) -> app(b)"-style text of a path, for traces
 * and tests. */
void path_describe(const topology *t, const path *p, uint32_t dst_pod, char *buf, size_t len);

#endif
