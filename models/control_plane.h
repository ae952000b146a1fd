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
 * Mode none has no control plane. Constants come from the profile.
 *
 * Config pushes driven by pod churn (lambda pod starts or stops per
 * second, Poisson). istiod debounces: a push waits until no event came for
 * debounce_after (d), but no longer than debounce_max (M) after the batch's
 * first event (PILOT_DEBOUNCE_AFTER 100ms, PILOT_DEBOUNCE_MAX 10s). A batch
 * starts at an event; the wait for a quiet gap of d in a Poisson stream has
 * mean (e^(lambda d) - 1) / lambda, so pushes come at
 *   push_rate = 1 / (1/lambda + min((e^(lambda d) - 1) / lambda, M))
 * (= lambda e^(-lambda d) without the cap; -> lambda as d -> 0; -> 1/M at
 * high churn; min of the means, not the mean of the min: a slight
 * underestimate near the cap). Each push goes to the proxies that know the
 * changed service (receivers, proxy.h) and carries its endpoints; a merged
 * batch carries each changed service once, about one per event:
 *   push_cpu_cores = (push_rate * per_proxy * receivers
 *                     + lambda * per_endpoint * receiver_endpoints) / 1e9
 * with per_proxy and per_endpoint in ns of istiod CPU; the total is the
 * same whichever replica a proxy is connected to. */
#ifndef MESHSIM_CONTROL_PLANE_H
#define MESHSIM_CONTROL_PLANE_H

#include "profile.h"

typedef struct control_plane_cost {
  double cpu_cores;
  double mem_bytes;
} control_plane_cost;

control_plane_cost control_plane_estimate(const profile_control_plane *cp, double proxies,
                                          double services, double endpoints, double replicas);

/* Pushes per second from `churn_per_s` events per second after debouncing. */
double control_plane_push_rate(const profile_control_plane *cp, double churn_per_s);

/* istiod CPU (cores) of the pushes that churn drives (formula above). */
double control_plane_push_cores(const profile_control_plane *cp, double churn_per_s,
                                double receivers, double receiver_endpoints);

#endif
