/* mesh_types: the small vocabularies shared by every mesh module, with their
 * names as they appear in scenario files, JSON and the database. Each
 * *_from_name() returns the value or -1; *_names_list() gives the valid names
 * joined by ", " for error messages ("valid kinds are: ..."). */
#ifndef MESHSIM_MESH_TYPES_H
#define MESHSIM_MESH_TYPES_H

/* Data-plane deployment modes compared side by side. */
typedef enum mesh_mode {
  MESH_MODE_NONE,
  MESH_MODE_SIDECAR,
  MESH_MODE_AMBIENT,          /* ztunnel only: L4 mTLS */
  MESH_MODE_AMBIENT_WAYPOINT, /* ztunnel + waypoints for services needing L7 */
  MESH_MODE_HYBRID,           /* per-namespace choice */
  MESH_MODE_COUNT
} mesh_mode;

/* What a namespace runs in hybrid mode (and what a mode means for one pod). */
typedef enum mesh_ns_mode {
  MESH_NS_NONE,
  MESH_NS_SIDECAR,
  MESH_NS_AMBIENT,          /* ztunnel only */
  MESH_NS_AMBIENT_WAYPOINT, /* ztunnel, waypoint when the service needs L7 */
  MESH_NS_COUNT
} mesh_ns_mode;

typedef enum mesh_proto {
  MESH_PROTO_HTTP1,
  MESH_PROTO_HTTP2,
  MESH_PROTO_GRPC,
  MESH_PROTO_TCP, /* opaque TCP (databases, thrift): L4 only */
  MESH_PROTO_COUNT
} mesh_proto;

/* Cost-accounting kinds: every CPU second and byte belongs to one. */
typedef enum mesh_kind {
  MESH_KIND_APP,
  MESH_KIND_SIDECAR,
  MESH_KIND_ZTUNNEL,
  MESH_KIND_WAYPOINT,
  MESH_KIND_CONTROL_PLANE,
  MESH_KIND_GATEWAY, /* ingress gateways (scenario `gateways:`); last, so older kinds keep their
                        order */
  MESH_KIND_COUNT
} mesh_kind;

/* Proxy kinds (the subset of mesh_kind that are data-plane proxies). */
typedef enum mesh_proxy_kind {
  MESH_PROXY_SIDECAR,
  MESH_PROXY_ZTUNNEL,
  MESH_PROXY_WAYPOINT,
  MESH_PROXY_GATEWAY, /* an ingress gateway replica: the Envoy in front of entry services */
  MESH_PROXY_COUNT
} mesh_proxy_kind;

typedef enum mesh_waypoint_scope {
  MESH_WAYPOINT_NAMESPACE,
  MESH_WAYPOINT_SERVICE_ACCOUNT,
  MESH_WAYPOINT_SERVICE,
  MESH_WAYPOINT_SCOPE_COUNT
} mesh_waypoint_scope;

typedef enum mesh_placement {
  MESH_PLACE_SPREAD,  /* fewest pods first (kube-scheduler's default spirit) */
  MESH_PLACE_BINPACK, /* most allocated node that still fits */
  MESH_PLACE_RANDOM,
  MESH_PLACE_COUNT
} mesh_placement;

typedef enum mesh_lb {
  MESH_LB_ROUND_ROBIN,
  MESH_LB_RANDOM,
  MESH_LB_LEAST_REQUEST, /* power of two choices */
  MESH_LB_COUNT
} mesh_lb;

typedef enum mesh_sidecar_scope {
  MESH_SCOPE_CLUSTER,   /* every sidecar knows every service (Istio default) */
  MESH_SCOPE_NAMESPACE, /* Sidecar resource limited to its own namespace + called ones */
  MESH_SCOPE_CALLS,     /* only the services it calls (tightest exportTo/Sidecar) */
  MESH_SCOPE_COUNT
} mesh_sidecar_scope;

const char *mesh_mode_name(mesh_mode m);
int mesh_mode_from_name(const char *s);
/* The mode of a mode's label: "sidecar", or "PROFILE:sidecar" (a mode that
 * names its calibration profile, scenario.h); -1 when it names none. */
int mesh_mode_from_label(const char *label);
const char *mesh_mode_names_list(void);

const char *mesh_ns_mode_name(mesh_ns_mode m);
int mesh_ns_mode_from_name(const char *s);
const char *mesh_ns_mode_names_list(void);

const char *mesh_proto_name(mesh_proto p);
int mesh_proto_from_name(const char *s); /* accepts http, http1, http2, grpc, tcp */
const char *mesh_proto_names_list(void);

const char *
mesh_kind_name(mesh_kind k); /* app, sidecar, ztunnel, waypoint, control_plane, gateway */
int mesh_kind_from_name(const char *s);
const char *mesh_kind_names_list(void);

const char *mesh_proxy_kind_name(mesh_proxy_kind k);
int mesh_proxy_kind_from_name(const char *s);
const char *mesh_proxy_kind_names_list(void);
mesh_kind mesh_proxy_kind_to_kind(mesh_proxy_kind k);

const char *
mesh_waypoint_scope_name(mesh_waypoint_scope s); /* namespace, service-account, service */
int mesh_waypoint_scope_from_name(const char *s);
const char *mesh_waypoint_scope_names_list(void);

const char *mesh_placement_name(mesh_placement p);
int mesh_placement_from_name(const char *s);
const char *mesh_placement_names_list(void);

const char *mesh_lb_name(mesh_lb l); /* round-robin, random, least-request */
int mesh_lb_from_name(const char *s);
const char *mesh_lb_names_list(void);

const char *mesh_sidecar_scope_name(mesh_sidecar_scope s); /* cluster, namespace, calls */
int mesh_sidecar_scope_from_name(const char *s);
const char *mesh_sidecar_scope_names_list(void);

#endif
