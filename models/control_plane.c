/* control_plane: istiod cost formula; see control_plane.h. */
#include "control_plane.h"

#include <math.h>

control_plane_cost control_plane_estimate(const profile_control_plane *cp, double proxies,
                                          double services, double endpoints, double replicas) {
  if (!(replicas >= 1))
    replicas = 1;
  control_plane_cost c;
  c.cpu_cores = (replicas * (cp->base_millicores + cp->per_service_millicores * services) +
                 cp->per_proxy_millicores * proxies) /
                1000.0;
  c.mem_bytes = replicas * (cp->mem_base_bytes + cp->mem_per_service_bytes * services +
                            cp->mem_per_endpoint_bytes * endpoints) +
                cp->mem_per_proxy_bytes * proxies;
  return c;
}

double control_plane_push_rate(const profile_control_plane *cp, double churn_per_s) {
  if (!(churn_per_s > 0))
    return 0;
  double d = cp->debounce_after_ns / 1e9, M = cp->debounce_max_ns / 1e9;
  if (!(d > 0))
    return churn_per_s; /* no debounce: one push per event */
  double batch = expm1(churn_per_s * d) / churn_per_s;
  if (M > 0 && batch > M)
    batch = M;
  return 1.0 / (1.0 / churn_per_s + batch);
}

double control_plane_push_cores(const profile_control_plane *cp, double churn_per_s,
                                double receivers, double receiver_endpoints) {
  if (!(churn_per_s > 0))
    return 0;
  return (control_plane_push_rate(cp, churn_per_s) * cp->push_per_proxy_ns * receivers +
          churn_per_s * cp->push_per_endpoint_ns * receiver_endpoints) /
         1e9;
}
