/* topo_fit: placement's question, "which node fits this pod best?", in
 * O(log nodes) per question instead of a scan of every node.
 *
 * Slots 0 .. n-1 (nodes, or the bins of the first-fit-decreasing count) each
 * have free CPU, free memory and a 64-bit key. topo_fit_find(mc, mem)
 * returns the slot with the smallest key among those whose free CPU >= mc and
 * free memory >= mem, the lowest index among equal keys: exactly what a scan
 * in index order that replaces its pick only on a strictly smaller key
 * returns, which is what placement did before. Placement encodes its policy
 * in the key (topology.c: spread, binpack; first fit uses key 0 everywhere).
 *
 * A segment tree over the slots keeps, per subtree, the largest free CPU, the
 * largest free memory and the smallest key. A search descends into the child
 * with the smaller key first (the left one on ties) and skips a subtree that
 * cannot hold the pod (its largest free CPU or memory is too small) or cannot
 * beat the slot already found (its smallest key is larger, or equal with
 * indices all above the found slot's). When the best-keyed slot fits, that is
 * one path: O(log n). The two maxima may come from different slots, so a
 * subtree can pass the test and still hold no slot that fits in both; the
 * search then looks deeper, up to O(n) in a contrived cluster of nodes each
 * full in one resource only, never worse than the scan it replaces (the
 * result is exact either way). An update is O(log n); growth doubles the
 * tree, amortised O(1) per slot. */
#ifndef MESHSIM_MODELS_TOPO_FIT_H
#define MESHSIM_MODELS_TOPO_FIT_H

#include <stdint.h>

#define TOPO_FIT_NONE UINT32_MAX

typedef struct topo_fit {
  uint32_t n; /* slots in use */
  uint32_t
      leaves; /* a power of two >= n; tree node v has children 2v and 2v+1, leaf i is leaves + i */
  int64_t *max_mc, *max_mem;
  uint64_t *min_key;
} topo_fit;

/* An empty set with room for `capacity` slots. Returns 0 or SIM_ENOMEM. */
int topo_fit_init(topo_fit *f, uint32_t capacity);
void topo_fit_release(topo_fit *f);

/* Sets slot i (i <= n; i == n appends) to the given free capacity and key.
 * Returns 0 or SIM_ENOMEM (the set is unchanged on failure). */
int topo_fit_set(topo_fit *f, uint32_t i, int64_t free_mc, int64_t free_mem, uint64_t key);

/* Slot i's free CPU and memory (i < n). */
static inline int64_t topo_fit_free_mc(const topo_fit *f, uint32_t i) {
  return f->max_mc[f->leaves + i];
}
static inline int64_t topo_fit_free_mem(const topo_fit *f, uint32_t i) {
  return f->max_mem[f->leaves + i];
}

/* The slot with the smallest key that fits (free_mc >= mc and free_mem >=
 * mem), lowest index on ties; TOPO_FIT_NONE if none fits. */
uint32_t topo_fit_find(const topo_fit *f, int64_t mc, int64_t mem);

#endif
