/* cost: monthly money; see cost.h. */
#include "cost.h"

#define COST_BYTES_PER_GB 1e9

double cost_node_month(const scenario *s, uint32_t pool) {
  const scenario_node_pool *p = &s->cluster.pools[pool];
  double vcpu = (double)p->cpu_millicores / 1000.0;
  double gib = (double)p->mem_bytes / (1024.0 * 1024.0 * 1024.0);
  return (vcpu * s->pricing.vcpu_hour_usd + gib * s->pricing.gib_hour_usd) *
         s->pricing.hours_per_month;
}

double cost_cross_zone_gb_month(const scenario *s, double bytes, double seconds) {
  if (seconds <= 0)
    return 0;
  return bytes / seconds * s->pricing.hours_per_month * 3600.0 / COST_BYTES_PER_GB;
}

double cost_network_month(const scenario *s, double gb_month) {
  return gb_month * s->pricing.cross_zone_gb_usd;
}

double cost_reserved_month(const scenario *s, double cores, double mib) {
  return (cores * s->pricing.vcpu_hour_usd + mib / 1024.0 * s->pricing.gib_hour_usd) *
         s->pricing.hours_per_month;
}
