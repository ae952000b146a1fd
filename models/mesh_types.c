/* mesh_types: name tables for the shared vocabularies of mesh_types.h.
 *
 * One table per enum, indexed by value, so a new enumerator without a name
 * fails the static assertions below instead of printing garbage. The names
 * are the ones written in scenario files, JSON and the results database, so
 * changing one is a format change. Lookups are linear: every table is tiny.
 * The *_names_list() strings are literals (no lazily built buffers, so no
 * thread-safety question); tests/test_scenario_load.c checks they match the
 * tables. */
#include "mesh_types.h"

#include <string.h>

#define MESH_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const mode_names[] = {"none", "sidecar", "ambient", "ambient-waypoint",
                                         "hybrid"};
static const char *const ns_mode_names[] = {"none", "sidecar", "ambient", "ambient-waypoint"};
static const char *const proto_names[] = {"http1", "http2", "grpc", "tcp"};
static const char *const kind_names[] = {"app",      "sidecar",       "ztunnel",
                                         "waypoint", "control_plane", "gateway"};
static const char *const proxy_kind_names[] = {"sidecar", "ztunnel", "waypoint", "gateway"};
static const char *const waypoint_scope_names[] = {"namespace", "service-account", "service"};
static const char *const placement_names[] = {"spread", "binpack", "random"};
static const char *const lb_names[] = {"round-robin", "random", "least-request"};
static const char *const sidecar_scope_names[] = {"cluster", "namespace", "calls"};

_Static_assert(MESH_ARRAY_LEN(mode_names) == MESH_MODE_COUNT, "mode names");
_Static_assert(MESH_ARRAY_LEN(ns_mode_names) == MESH_NS_COUNT, "ns mode names");
_Static_assert(MESH_ARRAY_LEN(proto_names) == MESH_PROTO_COUNT, "proto names");
_Static_assert(MESH_ARRAY_LEN(kind_names) == MESH_KIND_COUNT, "kind names");
_Static_assert(MESH_ARRAY_LEN(proxy_kind_names) == MESH_PROXY_COUNT, "proxy kind names");
_Static_assert(MESH_ARRAY_LEN(waypoint_scope_names) == MESH_WAYPOINT_SCOPE_COUNT, "scope names");
_Static_assert(MESH_ARRAY_LEN(placement_names) == MESH_PLACE_COUNT, "placement names");
_Static_assert(MESH_ARRAY_LEN(lb_names) == MESH_LB_COUNT, "lb names");
_Static_assert(MESH_ARRAY_LEN(sidecar_scope_names) == MESH_SCOPE_COUNT, "sidecar scope names");

static const char *name_of(const char *const *names, int count, int value) {
  if (value < 0 || value >= count) {
    return "unknown";
  }
  return names[value];
}

static int from_name(const char *const *names, int count, const char *s) {
  if (s == NULL) {
    return -1;
  }
  for (int i = 0; i < count; i++) {
    if (strcmp(names[i], s) == 0) {
      return i;
    }
  }
  return -1;
}

const char *mesh_mode_name(mesh_mode m) {
  return name_of(mode_names, MESH_MODE_COUNT, (int)m);
}
int mesh_mode_from_name(const char *s) {
  return from_name(mode_names, MESH_MODE_COUNT, s);
}
int mesh_mode_from_label(const char *label) {
  if (!label)
    return -1;
  const char *colon = strrchr(label, ':');
  if (colon && colon > label)
    return mesh_mode_from_name(colon + 1);
  return mesh_mode_from_name(label);
}
const char *mesh_mode_names_list(void) {
  return "none, sidecar, ambient, ambient-waypoint, hybrid";
}

const char *mesh_ns_mode_name(mesh_ns_mode m) {
  return name_of(ns_mode_names, MESH_NS_COUNT, (int)m);
}
int mesh_ns_mode_from_name(const char *s) {
  return from_name(ns_mode_names, MESH_NS_COUNT, s);
}
const char *mesh_ns_mode_names_list(void) {
  return "none, sidecar, ambient, ambient-waypoint";
}

const char *mesh_proto_name(mesh_proto p) {
  return name_of(proto_names, MESH_PROTO_COUNT, (int)p);
}
/* "http" is what people write for plain REST; it means HTTP/1.1. */
int mesh_proto_from_name(const char *s) {
  if (s != NULL && strcmp(s, "http") == 0) {
    return MESH_PROTO_HTTP1;
  }
  return from_name(proto_names, MESH_PROTO_COUNT, s);
}
const char *mesh_proto_names_list(void) {
  return "http, http1, http2, grpc, tcp";
}

const char *mesh_kind_name(mesh_kind k) {
  return name_of(kind_names, MESH_KIND_COUNT, (int)k);
}
int mesh_kind_from_name(const char *s) {
  return from_name(kind_names, MESH_KIND_COUNT, s);
}
const char *mesh_kind_names_list(void) {
  return "app, sidecar, ztunnel, waypoint, control_plane, gateway";
}

const char *mesh_proxy_kind_name(mesh_proxy_kind k) {
  return name_of(proxy_kind_names, MESH_PROXY_COUNT, (int)k);
}
int mesh_proxy_kind_from_name(const char *s) {
  return from_name(proxy_kind_names, MESH_PROXY_COUNT, s);
}
const char *mesh_proxy_kind_names_list(void) {
  return "sidecar, ztunnel, waypoint, gateway";
}
mesh_kind mesh_proxy_kind_to_kind(mesh_proxy_kind k) {
  switch (k) {
  case MESH_PROXY_SIDECAR:
    return MESH_KIND_SIDECAR;
  case MESH_PROXY_ZTUNNEL:
    return MESH_KIND_ZTUNNEL;
  case MESH_PROXY_WAYPOINT:
    return MESH_KIND_WAYPOINT;
  case MESH_PROXY_GATEWAY:
    return MESH_KIND_GATEWAY;
  default:
    return MESH_KIND_APP; /* not a proxy: attribute to the application */
  }
}

const char *mesh_waypoint_scope_name(mesh_waypoint_scope s) {
  return name_of(waypoint_scope_names, MESH_WAYPOINT_SCOPE_COUNT, (int)s);
}
int mesh_waypoint_scope_from_name(const char *s) {
  return from_name(waypoint_scope_names, MESH_WAYPOINT_SCOPE_COUNT, s);
}
const char *mesh_waypoint_scope_names_list(void) {
  return "namespace, service-account, service";
}

const char *mesh_placement_name(mesh_placement p) {
  return name_of(placement_names, MESH_PLACE_COUNT, (int)p);
}
int mesh_placement_from_name(const char *s) {
  return from_name(placement_names, MESH_PLACE_COUNT, s);
}
const char *mesh_placement_names_list(void) {
  return "spread, binpack, random";
}

const char *mesh_lb_name(mesh_lb l) {
  return name_of(lb_names, MESH_LB_COUNT, (int)l);
}
int mesh_lb_from_name(const char *s) {
  return from_name(lb_names, MESH_LB_COUNT, s);
}
const char *mesh_lb_names_list(void) {
  return "round-robin, random, least-request";
}

const char *mesh_sidecar_scope_name(mesh_sidecar_scope s) {
  return name_of(sidecar_scope_names, MESH_SCOPE_COUNT, (int)s);
}
int mesh_sidecar_scope_from_name(const char *s) {
  return from_name(sidecar_scope_names, MESH_SCOPE_COUNT, s);
}
const char *mesh_sidecar_scope_names_list(void) {
  return "cluster, namespace, calls";
}
