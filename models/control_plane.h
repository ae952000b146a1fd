/* control_plane: istiod's cost as a pure function of what it serves.
 *
 * With R replicas, every replica watches and translates the whole
 * configuration while each proxy connects to one of them:
 *   cpu_millicores = R * (base + per_service * services) + per_proxy * proxies
 *   memory_bytes   = R * (base + per_service * services + per_endpoint * endpoints)
 *                    + per_proxy * proxies
 * (one replica: the profile's formula, fitted to a single istiod).
 * Reservations already count R replicas; use now does too.
 * Proxies are the xDS clients: one per sidecar in sidecar mode, one ztunnel
 * per node plus each waypoint replica in ambient (calibration README sec. 2).
 * Mode none has no control plane. Constants come from the profile. */
#ifndef MESHSIM_CONTROL_PLANE_H
#define MESHSIM_CONTROL_PLANE_H

#include "profile.h"

typedef struct control_plane_cost {
  double cpu_cores;
  double mem_bytes;
} control_plane_cost;

control_plane_cost control_plane_estimate(const profile_control_plane *cp, double proxies,
                                          double services, double endpoints, double replicas);

#endif
