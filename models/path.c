/* path: which proxies a call crosses in each mode; see path.h. */
#include "path.h"

#include <stdio.h>
#include <string.h>

static void path_push(path *p, uint32_t proxy, uint8_t side) {
  p->proxy[p->n] = proxy;
  p->side[p->n] = side;
  p->n++;
}

static int path_is_ambient(mesh_ns_mode m) {
  return m == MESH_NS_AMBIENT || m == MESH_NS_AMBIENT_WAYPOINT;
}

/* A replica of the waypoint of dst's service, picked by u, as the middle. */
static void path_push_waypoint(const topology *t, uint32_t wp, double u, path *out) {
  const topo_waypoint *w = &t->waypoints[wp];
  uint32_t r = (uint32_t)(u * w->n_replicas);
  if (r >= w->n_replicas)
    r = w->n_replicas - 1;
  uint32_t px = w->first_proxy + r;
  path_push(out, px, PATH_SIDE_MIDDLE);
  out->node[PATH_SIDE_MIDDLE] = t->proxies[px].node;
}

void path_build(const topology *t, uint32_t src_pod, uint32_t dst_pod, double u, path *out) {
  memset(out, 0, sizeof *out);
  const topo_pod *dst = &t->pods[dst_pod];
  mesh_ns_mode ms = src_pod == TOPO_NONE ? MESH_NS_NONE : t->pods[src_pod].mode;
  mesh_ns_mode md = dst->mode;
  out->node[PATH_SIDE_CLIENT] = src_pod == TOPO_NONE ? TOPO_NONE : t->pods[src_pod].node;
  out->node[PATH_SIDE_MIDDLE] = TOPO_NONE;
  out->node[PATH_SIDE_SERVER] = dst->node;
  uint32_t client_zt = TOPO_NONE;

  if (ms == MESH_NS_SIDECAR)
    path_push(out, t->pods[src_pod].sidecar, PATH_SIDE_CLIENT);
  else if (path_is_ambient(ms)) {
    client_zt = t->nodes[t->pods[src_pod].node].ztunnel;
    path_push(out, client_zt, PATH_SIDE_CLIENT);
  }

  uint32_t wp = t->service_waypoint[dst->service];
  int via_waypoint = ms != MESH_NS_NONE && wp != TOPO_NONE;
  if (via_waypoint)
    path_push_waypoint(t, wp, u, out);

  if (md == MESH_NS_SIDECAR)
    path_push(out, dst->sidecar, PATH_SIDE_SERVER);
  else if (path_is_ambient(md)) {
    uint32_t zt = t->nodes[dst->node].ztunnel;
    if (!(zt == client_zt && !via_waypoint)) /* same-node ambient: one ztunnel pass */
      path_push(out, zt, PATH_SIDE_SERVER);
  }
}

void path_build_gateway(const topology *t, uint32_t gw_proxy, int use_waypoint, uint32_t dst_pod,
                        double u, path *out) {
  memset(out, 0, sizeof *out);
  const topo_pod *dst = &t->pods[dst_pod];
  out->node[PATH_SIDE_CLIENT] = t->proxies[gw_proxy].node;
  out->node[PATH_SIDE_MIDDLE] = TOPO_NONE;
  out->node[PATH_SIDE_SERVER] = dst->node;
  path_push(out, gw_proxy, PATH_SIDE_CLIENT);
  uint32_t wp = t->service_waypoint[dst->service];
  if (use_waypoint && wp != TOPO_NONE)
    path_push_waypoint(t, wp, u, out);
  if (dst->mode == MESH_NS_SIDECAR)
    path_push(out, dst->sidecar, PATH_SIDE_SERVER);
  else if (path_is_ambient(dst->mode)) /* HBONE to the ztunnel, even on the gateway's node */
    path_push(out, t->nodes[dst->node].ztunnel, PATH_SIDE_SERVER);
}

void path_describe(const topology *t, const path *p, uint32_t dst_pod, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (uint8_t i = 0; i < p->n && off < len; i++) {
    const topo_proxy *px = &t->proxies[p->proxy[i]];
    char name[128];
    topo_proxy_name(t, p->proxy[i], name, sizeof name);
    off +=
        (size_t)snprintf(buf + off, len - off, "%s(%s) -> ", mesh_proxy_kind_name(px->kind), name);
  }
  if (off < len) {
    char pod[96];
    topo_pod_name(t, dst_pod, pod, sizeof pod);
    snprintf(buf + off, len - off, "app(%s)", pod);
  }
}
