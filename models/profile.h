/* profile: a calibration profile, the published costs of one mesh release.
 *
 * Profiles are YAML data files in models/profiles/ (compiled into the binary,
 * see profile_embedded.h) where every number cites its source. This struct is
 * their in-memory form; input/profile_load.c parses them. All costs are model
 * inputs; the formulas that use them live in proxy.h and control_plane.h.
 *
 * Cost of one pass (one direction of one request through one proxy):
 *   cpu_ns = pass_cpu_ns[protocol] + byte_cpu_ns * payload_bytes
 *            + connection_cpu_ns * (1 if the pass opens a connection)
 * Of that, on_path_fraction delays the request (parsing, routing, TLS
 * record work); the rest keeps the worker busy after the request has left
 * (stats, access logs, buffer release). On top, every pass adds
 * pass_latency_ns that burns none of the proxy's CPU: the local hop between
 * the application and its proxy (loopback or in-pod redirect), which the
 * published added-latency figures contain. A pass therefore delays a request
 * by on_path_fraction * cpu_ns + pass_latency_ns and holds a worker for
 * cpu_ns. Published CPU-per-rps and latency figures calibrate the parts
 * separately.
 *
 * Two optional keys refine the pass (the model side reads them when it is
 * ready; until then both leave today's behaviour):
 *   tcp_on_path_fraction  the on-path share of an opaque-TCP pass (L4 mode
 *                         records no per-request telemetry after the
 *                         response); the loader sets it to on_path_fraction
 *                         when the file omits it
 *   pass_sigma            the spread of a pass's time: a lognormal with the
 *                         fixed pass time as its mean and this sigma (of the
 *                         underlying normal); 0 = every pass takes the same
 *                         time (an M/D/c station, as today)
 *
 * Memory of one proxy instance:
 *   base + per_service * services_known + per_endpoint * endpoints_known
 *   + per_connection * open_connections + per_inflight * requests_in_flight
 *   + per_busy_core * busy_cores
 * busy_cores is the worker CPU the proxy uses (cores): the heap its
 * allocator keeps for the work it does (per-worker caches and freed request
 * memory not yet returned; docs/calibration.md 3.6.1). per_busy_core is an
 * optional key (0 when absent). */
#ifndef MESHSIM_PROFILE_H
#define MESHSIM_PROFILE_H

#include <stdint.h>

#include "mesh_types.h"

#define PROFILE_NAME_MAX 64
#define PROFILE_TEXT_MAX 512

typedef struct profile_proxy {
  double pass_cpu_ns[MESH_PROTO_COUNT]; /* fixed CPU per pass, by protocol */
  double byte_cpu_ns;                   /* CPU per payload byte (copies, encryption) */
  double connection_cpu_ns;             /* CPU per new connection (mTLS handshake) */
  double on_path_fraction;              /* (0, 1]: share of pass CPU that delays the request */
  double pass_latency_ns;               /* delay per pass that uses no proxy CPU (local hop) */
  double tcp_on_path_fraction;          /* (0, 1]: on-path share of an opaque-TCP pass
                                           (optional key; = on_path_fraction when absent) */
  double pass_sigma;                    /* lognormal sigma of the pass time, mean kept
                                           (optional key; 0 = fixed pass time) */
  double plain_byte_cpu_ns;             /* CPU per byte of a pass whose upstream leg is plain
                                           text (an ingress gateway in front of an unmeshed
                                           pod: no mTLS record work; optional key, = byte_cpu
                                           when absent); such a pass opens no mTLS connection */
  uint32_t workers;                     /* worker threads (default, scenario may override) */
  double idle_millicores;               /* CPU burnt with no traffic (health checks, xDS, stats) */
  double mem_base_bytes;                /* process baseline with an empty config */
  double mem_per_service_bytes;         /* per service known (clusters, routes, listeners) */
  double mem_per_endpoint_bytes;        /* per endpoint/workload known */
  double mem_per_connection_bytes;
  double mem_per_inflight_bytes;
  double mem_per_busy_core_bytes; /* heap retained per core of worker CPU in use (optional) */
  int64_t request_millicores;     /* Kubernetes resource request per instance */
  int64_t request_mem_bytes;
  int64_t limit_millicores; /* 0 = no limit */
  int64_t limit_mem_bytes;  /* 0 = no limit */
  /* Per workload served on the proxy's own node (optional keys, default 0;
   * only a ztunnel serves several: its node's ambient pods, proxy.h). */
  double idle_per_local_workload_millicores;
  double mem_per_local_workload_bytes;
} profile_proxy;

typedef struct profile_control_plane {
  double base_millicores;        /* istiod idle */
  double per_proxy_millicores;   /* steady cost of each connected proxy (xDS streams, certs) */
  double per_service_millicores; /* config computation per service per push */
  double mem_base_bytes;
  double mem_per_proxy_bytes;
  double mem_per_service_bytes;
  double mem_per_endpoint_bytes;
  int64_t request_millicores;
  int64_t request_mem_bytes;
  uint32_t replicas;
  /* Config pushes driven by pod churn (optional keys, default 0;
   * control_plane.h): CPU per receiving proxy per push and per endpoint
   * pushed to it; the debounce that merges events into pushes (0 = none:
   * one push per event). */
  double push_per_proxy_ns;
  double push_per_endpoint_ns;
  double debounce_after_ns;
  double debounce_max_ns;
} profile_control_plane;

/* A node agent: a DaemonSet pod on every node of the modes that run
 * ztunnels (istio-cni in ambient). Its cost is counted with the ztunnel's
 * kind (the node agents' line). */
typedef struct profile_node_agent {
  double idle_millicores;
  double mem_bytes;
  int64_t request_millicores;
  int64_t request_mem_bytes;
} profile_node_agent;

/* The condition the published per-proxy figures were measured under; the
 * calibration test replays it and expects the figures back within 10%. */
typedef struct profile_reference {
  double rps;             /* requests per second through the proxy */
  int64_t request_bytes;  /* payload per request */
  int64_t response_bytes; /* payload per response */
  double services_known;  /* config size the published memory was measured with */
  double endpoints_known;
  double connections;                 /* open connections during the measurement */
  double cpu_cores[MESH_PROXY_COUNT]; /* published CPU at `rps` (0 = not published) */
  double mem_bytes[MESH_PROXY_COUNT]; /* published memory (0 = not published) */
} profile_reference;

typedef struct profile {
  char name[PROFILE_NAME_MAX];
  char description[PROFILE_TEXT_MAX];
  char source[PROFILE_TEXT_MAX]; /* main citation; each value cites its own in the file */
  profile_proxy proxy[MESH_PROXY_COUNT];
  int has_proxy[MESH_PROXY_COUNT]; /* linkerd has no ztunnel/waypoint; a profile may omit gateway */
  profile_control_plane control_plane;
  profile_node_agent node_agent;
  int has_node_agent; /* the file has a node_agent section */
  profile_reference reference;
} profile;

#endif
