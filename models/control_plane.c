/* control_plane: istiod cost formula; see control_plane.h. */
#include "control_plane.h"

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
