/* pair_count: open addressing on a 64-bit key, multiplicative hashing. */
#include "pair_count.h"

#include <stdlib.h>
#include <string.h>

#define PAIR_COUNT_EMPTY UINT64_MAX /* (a, b) = (UINT32_MAX, UINT32_MAX) is never a pair */

void pair_count_init(pair_count *p) {
  memset(p, 0, sizeof *p);
}

void pair_count_release(pair_count *p) {
  free(p->keys);
  free(p->counts);
  memset(p, 0, sizeof *p);
}

/* Fibonacci hashing: the top bits of key * 2^64 / phi spread nearby keys. */
static uint32_t pair_count_home(uint64_t key, uint32_t cap) {
  return (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static uint32_t pair_count_find(const uint64_t *keys, uint32_t cap, uint64_t key) {
  uint32_t i = pair_count_home(key, cap);
  while (keys[i] != key && keys[i] != PAIR_COUNT_EMPTY)
    i = (i + 1) & (cap - 1);
  return i;
}

static int pair_count_grow(pair_count *p) {
  uint32_t ncap = p->cap ? p->cap * 2 : 64;
  if (ncap < p->cap)
    return -1;
  uint64_t *keys = malloc((size_t)ncap * sizeof *keys);
  uint32_t *counts = calloc(ncap, sizeof *counts);
  if (!keys || !counts) {
    free(keys);
    free(counts);
    return -1;
  }
  for (uint32_t i = 0; i < ncap; i++)
    keys[i] = PAIR_COUNT_EMPTY;
  for (uint32_t i = 0; i < p->cap; i++) {
    if (p->keys[i] == PAIR_COUNT_EMPTY)
      continue;
    uint32_t j = pair_count_find(keys, ncap, p->keys[i]);
    keys[j] = p->keys[i];
    counts[j] = p->counts[i];
  }
  free(p->keys);
  free(p->counts);
  p->keys = keys;
  p->counts = counts;
  p->cap = ncap;
  return 0;
}

uint32_t *pair_count_slot(pair_count *p, uint32_t a, uint32_t b) {
  uint64_t key = ((uint64_t)a << 32) | b;
  if (key == PAIR_COUNT_EMPTY)
    return NULL;
  if (2 * (p->used + 1) > p->cap && pair_count_grow(p) != 0)
    return NULL;
  uint32_t i = pair_count_find(p->keys, p->cap, key);
  if (p->keys[i] == PAIR_COUNT_EMPTY) {
    p->keys[i] = key;
    p->counts[i] = 0;
    p->used++;
  }
  return &p->counts[i];
}
