/* topo_fit: a segment tree answering "smallest key among the slots that fit"
 * (topo_fit.h has the contract and the costs). */
#include "topo_fit.h"

#include <stdlib.h>

#include "sim_error.h"

/* An empty leaf: fits nothing (requests are >= 0 > INT64_MIN), never wins. */
#define FIT_EMPTY_FREE INT64_MIN
#define FIT_EMPTY_KEY  UINT64_MAX

static void fit_pull(topo_fit *f, uint32_t v) {
  uint32_t l = 2 * v, r = l + 1;
  f->max_mc[v] = f->max_mc[l] > f->max_mc[r] ? f->max_mc[l] : f->max_mc[r];
  f->max_mem[v] = f->max_mem[l] > f->max_mem[r] ? f->max_mem[l] : f->max_mem[r];
  f->min_key[v] = f->min_key[l] < f->min_key[r] ? f->min_key[l] : f->min_key[r];
}

/* Allocates a tree of `leaves` leaves holding the current slots. */
static int fit_alloc(topo_fit *f, uint32_t leaves) {
  size_t nodes = 2 * (size_t)leaves;
  int64_t *mc = malloc(nodes * sizeof *mc);
  int64_t *mem = malloc(nodes * sizeof *mem);
  uint64_t *key = malloc(nodes * sizeof *key);
  if (!mc || !mem || !key) {
    free(mc);
    free(mem);
    free(key);
    return SIM_ENOMEM;
  }
  for (uint32_t i = 0; i < leaves; i++) {
    int used = i < f->n;
    mc[leaves + i] = used ? f->max_mc[f->leaves + i] : FIT_EMPTY_FREE;
    mem[leaves + i] = used ? f->max_mem[f->leaves + i] : FIT_EMPTY_FREE;
    key[leaves + i] = used ? f->min_key[f->leaves + i] : FIT_EMPTY_KEY;
  }
  free(f->max_mc);
  free(f->max_mem);
  free(f->min_key);
  f->max_mc = mc;
  f->max_mem = mem;
  f->min_key = key;
  f->leaves = leaves;
  for (uint32_t v = leaves; v-- > 1;) {
    fit_pull(f, v);
  }
  return 0;
}

int topo_fit_init(topo_fit *f, uint32_t capacity) {
  uint32_t leaves = 1;
  while (leaves < capacity && leaves < (1u << 31)) {
    leaves *= 2;
  }
  f->n = 0;
  f->leaves = 0;
  f->max_mc = f->max_mem = NULL;
  f->min_key = NULL;
  return fit_alloc(f, leaves);
}

void topo_fit_release(topo_fit *f) {
  free(f->max_mc);
  free(f->max_mem);
  free(f->min_key);
  f->max_mc = f->max_mem = NULL;
  f->min_key = NULL;
  f->leaves = 0;
  f->n = 0;
}

int topo_fit_set(topo_fit *f, uint32_t i, int64_t free_mc, int64_t free_mem, uint64_t key) {
  if (i > f->n) {
    return SIM_EINVAL;
  }
  if (i == f->leaves) {
    if (f->leaves >= (1u << 31)) {
      return SIM_ENOMEM;
    }
    int rc = fit_alloc(f, 2 * f->leaves);
    if (rc != 0) {
      return rc;
    }
  }
  if (i == f->n) {
    f->n++;
  }
  uint32_t v = f->leaves + i;
  f->max_mc[v] = free_mc;
  f->max_mem[v] = free_mem;
  f->min_key[v] = key;
  for (v /= 2; v >= 1; v /= 2) {
    fit_pull(f, v);
  }
  return 0;
}

typedef struct fit_query {
  int64_t mc, mem;
  uint32_t best; /* TOPO_FIT_NONE until a slot is found */
  uint64_t best_key;
} fit_query;

/* Searches subtree v, whose leaves are slots lo .. lo + width - 1. */
static void fit_search(const topo_fit *f, fit_query *q, uint32_t v, uint32_t lo, uint32_t width) {
  if (f->max_mc[v] < q->mc || f->max_mem[v] < q->mem) {
    return; /* nothing here fits */
  }
  uint64_t k = f->min_key[v];
  if (q->best != TOPO_FIT_NONE && (k > q->best_key || (k == q->best_key && lo > q->best))) {
    return; /* nothing here beats the slot found */
  }
  if (width == 1) { /* a leaf's maxima are its own: it fits, and it is better */
    q->best = lo;
    q->best_key = k;
    return;
  }
  uint32_t half = width / 2, l = 2 * v, r = l + 1;
  if (f->min_key[r] < f->min_key[l]) {
    fit_search(f, q, r, lo + half, half);
    fit_search(f, q, l, lo, half);
  } else {
    fit_search(f, q, l, lo, half);
    fit_search(f, q, r, lo + half, half);
  }
}

uint32_t topo_fit_find(const topo_fit *f, int64_t mc, int64_t mem) {
  fit_query q = {mc, mem, TOPO_FIT_NONE, 0};
  if (f->n > 0) {
    fit_search(f, &q, 1, 0, f->leaves);
  }
  return q.best;
}
