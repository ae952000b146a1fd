/* pair_count: counters keyed by a pair of 32-bit indices (internal to models/).
 *
 * model_sim counts requests in flight from one proxy to one destination
 * service (Envoy's max_requests circuit breaker is per proxy and upstream
 * cluster). The pairs a run meets are few against proxies x services, so an
 * open-addressing table keyed by (a, b) holds only those: linear probing,
 * power-of-two capacity, doubled at half full. Entries are never removed
 * (a count back at 0 stays), so the table grows only while new pairs appear
 * and the hot path allocates nothing once they have all been met. */
#ifndef MESHSIM_PAIR_COUNT_H
#define MESHSIM_PAIR_COUNT_H

#include <stdint.h>

typedef struct pair_count {
  uint64_t *keys; /* PAIR_COUNT_EMPTY where unused; owned */
  uint32_t *counts;
  uint32_t cap, used;
} pair_count;

/* An empty table (allocates on first use). */
void pair_count_init(pair_count *p);
void pair_count_release(pair_count *p);

/* The counter of pair (a, b), created at 0 if new; NULL when out of memory. */
uint32_t *pair_count_slot(pair_count *p, uint32_t a, uint32_t b);

#endif
