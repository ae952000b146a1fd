/* cost: money per month, a pure function of nodes and traffic.
 *
 *   compute = sum over needed nodes of (vCPU * vcpu_hour + GiB * gib_hour)
 *             * hours_per_month
 *   network = cross-zone GB per month * cross_zone_gb
 * Nodes are paid for whole, whether their capacity is used or not: the
 * reserved requests decide how many are needed (calibration README sec. 3).
 * Default prices in the scenario format are list prices; state yours. */
#ifndef MESHSIM_COST_H
#define MESHSIM_COST_H

#include <stdint.h>

#include "scenario.h"

/* Monthly price of one node of pool p. */
double cost_node_month(const scenario *s, uint32_t pool);

/* Cross-zone GB per month from bytes seen over `seconds` of simulated time. */
double cost_cross_zone_gb_month(const scenario *s, double bytes, double seconds);

double cost_network_month(const scenario *s, double gb_month);

/* Monthly price of reserved capacity billed per vCPU and GiB requested:
 * (cores * vcpu_hour + GiB * gib_hour) * hours_per_month. Unlike whole nodes
 * it does not jump with bin-packing, so it shows what the mesh's requests
 * cost in a cluster too small to need another node. */
double cost_reserved_month(const scenario *s, double cores, double mib);

#endif
