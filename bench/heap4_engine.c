/* heap4_engine.c: a frozen copy of sim/sim_engine.c as it was before the
 * calendar queue (commit f00aec5), renamed heap4_*, kept only as
 * bench_queue's baseline. Not part of any library; do not fix or tune it
 * (it would stop being the baseline). */
/* heap4_engine: clock, event-record pool and a 4-ary implicit min-heap.
 *
 * The pool holds event records (handler, context, argument, current
 * sequence number); free records are chained through a free list and
 * reused, so steady-state scheduling allocates nothing. The heap holds, per
 * entry, the key (time, seq) and the record's slot, so sifting compares
 * entries without touching the pool.
 *
 * A heap entry is live while pool[slot].seq == entry seq. Firing or
 * cancelling a record sets its seq to 0 (sequence numbers start at 1), which
 * turns any heap entry still naming it into a tombstone; reusing the record
 * gives it a fresh, larger seq, so old entries and old ids stay stale.
 *
 * Layout, chosen for the memory hierarchy: the heap is two parallel arrays,
 * times (8 bytes) and tags {seq, slot} (16 bytes); entry j is (ht[j], hg[j]).
 * A sift compares times and reads a seq only on an exact tie. A sift is a
 * chain of dependent loads (which child is smallest decides where to look
 * next), so its speed is set by how much of the times array stays in cache:
 * 8 bytes per entry keep 10^5 pending events (800 KB) inside a 1 MB L2,
 * where 24-byte {time, seq, slot} entries would not fit. The tags move
 * alongside, off the critical path. Both arrays start 3 entries into a
 * cache-line-aligned block so that each node's four children share one
 * line, and 3 sentinel entries (time SIM_TIME_MAX, never a real event time)
 * follow the last entry so that every child group can be read whole.
 *
 * Why 4-ary: half the depth of a binary heap, and the four children cost
 * one cache line, so a level costs at most one miss on the critical path.
 *
 * The hold pattern (an event whose handler schedules the next one) is the
 * common case of a simulation and is served by one heap pass, not two: the
 * fired entry stays at the root while its handler runs, and the first event
 * the handler schedules replaces it and sifts down. If the handler
 * schedules nothing the root is popped afterwards, bottom-up (Floyd: walk
 * the hole to a leaf along the smallest children, then sift the former last
 * entry up from there, saving a comparison per level). */
#include "heap4_engine.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim_error.h"

#define SIM_ENGINE_DEFAULT_CAPACITY 1024u
#define SIM_HEAP_ARITY              4u
#define SIM_SLOT_NONE               UINT32_MAX
#define SIM_CACHE_LINE              64u
/* Logical entry j lives at physical index j + SIM_HEAP_OFFSET of its block,
 * which puts the children 4j+1 .. 4j+4 at physical 4(j+1) .. 4(j+1)+3. */
#define SIM_HEAP_OFFSET 3u
/* Sentinels kept after the last entry (a child group has 4 entries). */
#define SIM_HEAP_PAD 3u

typedef struct sim_event_rec {
  uint64_t seq; /* seq of the pending event in this record; 0 when free */
  heap4_handler fn;
  void *ctx;
  uint64_t arg; /* when free: index of the next free record */
} sim_event_rec;

typedef struct sim_heap_tag {
  uint64_t seq;
  uint32_t slot;
  uint32_t unused; /* pads the tag to 16 bytes so four children fill a line */
} sim_heap_tag;

static const sim_heap_tag sentinel_tag = {UINT64_MAX, SIM_SLOT_NONE, 0};

struct heap4_engine {
  sim_time *ht;     /* heap times */
  sim_heap_tag *hg; /* heap tags, parallel to ht */
  void *ht_mem, *hg_mem;
  size_t heap_len; /* entries, live and stale; ht[heap_len .. +2] are sentinels */
  size_t heap_cap;
  size_t stale; /* heap entries whose record no longer carries their seq */

  sim_event_rec *pool;
  uint32_t pool_cap;
  uint32_t free_head; /* SIM_SLOT_NONE when the free list is empty */

  sim_time now;
  uint64_t next_seq;
  uint64_t fired;
  uint64_t purges;
  bool stop_requested;
  /* The root is the entry of the event being fired: its record is already
   * released and the first event its handler schedules takes its place.
   * Counted in `stale` while set. */
  bool root_dead;
};

/* ---- pool ------------------------------------------------------------------ */

/* Links records [from, to) into the free list, lowest index first. */
static void pool_link_free(heap4_engine *e, uint32_t from, uint32_t to) {
  for (uint32_t i = to; i > from; i--) {
    e->pool[i - 1].seq = 0;
    e->pool[i - 1].arg = e->free_head;
    e->free_head = i - 1;
  }
}

__attribute__((cold, noinline)) static int pool_grow(heap4_engine *e) {
  /* Slot SIM_SLOT_NONE is reserved as the free-list terminator. */
  uint64_t cap = (uint64_t)e->pool_cap * 2;
  if (cap > SIM_SLOT_NONE) {
    cap = SIM_SLOT_NONE;
  }
  if (cap <= e->pool_cap || cap > SIZE_MAX / sizeof(sim_event_rec)) {
    return SIM_ENOMEM;
  }
  sim_event_rec *p = realloc(e->pool, (size_t)cap * sizeof *p);
  if (p == NULL) {
    return SIM_ENOMEM;
  }
  e->pool = p;
  uint32_t old = e->pool_cap;
  e->pool_cap = (uint32_t)cap;
  pool_link_free(e, old, e->pool_cap);
  return 0;
}

static inline void pool_release(heap4_engine *e, uint32_t slot) {
  sim_event_rec *r = &e->pool[slot];
  r->seq = 0;
  r->arg = e->free_head;
  e->free_head = slot;
}

/* ---- heap storage ---------------------------------------------------------- */

/* Cache-line-aligned block for `n` heap entries of `size` bytes plus offset
 * and sentinels; NULL on overflow or allocation failure. */
static void *heap_array_alloc(size_t n, size_t size) {
  size_t extra = SIM_HEAP_OFFSET + SIM_HEAP_PAD;
  if (n > SIZE_MAX / size - extra - SIM_CACHE_LINE) {
    return NULL;
  }
  size_t bytes = (n + extra) * size;
  bytes = (bytes + SIM_CACHE_LINE - 1) / SIM_CACHE_LINE * SIM_CACHE_LINE;
  return aligned_alloc(SIM_CACHE_LINE, bytes);
}

/* Resizes both heap arrays to `cap` entries (>= heap_len); the sentinels
 * move with the entries. */
__attribute__((cold, noinline)) static int heap_resize(heap4_engine *e, size_t cap) {
  void *tm = heap_array_alloc(cap, sizeof(sim_time));
  void *gm = heap_array_alloc(cap, sizeof(sim_heap_tag));
  if (tm == NULL || gm == NULL) {
    free(tm);
    free(gm);
    return SIM_ENOMEM;
  }
  sim_time *ht = (sim_time *)tm + SIM_HEAP_OFFSET;
  sim_heap_tag *hg = (sim_heap_tag *)gm + SIM_HEAP_OFFSET;
  if (e->ht != NULL) {
    memcpy(ht, e->ht, (e->heap_len + SIM_HEAP_PAD) * sizeof *ht);
    memcpy(hg, e->hg, (e->heap_len + SIM_HEAP_PAD) * sizeof *hg);
  } else {
    for (size_t i = 0; i < SIM_HEAP_PAD; i++) {
      ht[i] = SIM_TIME_MAX;
      hg[i] = sentinel_tag;
    }
  }
  free(e->ht_mem);
  free(e->hg_mem);
  e->ht_mem = tm;
  e->hg_mem = gm;
  e->ht = ht;
  e->hg = hg;
  e->heap_cap = cap;
  return 0;
}

static inline void heap_set_sentinel(heap4_engine *e, size_t i) {
  e->ht[i] = SIM_TIME_MAX;
  e->hg[i] = sentinel_tag;
}

/* ---- heap order ------------------------------------------------------------ */

/* (ta, sa) < (tb, sb) in the (time, seq) order. */
static inline bool key_less(sim_time ta, uint64_t sa, sim_time tb, uint64_t sb) {
  return ta < tb || (ta == tb && sa < sb);
}

static inline bool idx_less(const heap4_engine *e, size_t a, size_t b) {
  return key_less(e->ht[a], e->hg[a].seq, e->ht[b], e->hg[b].seq);
}

static inline bool entry_live(const heap4_engine *e, size_t i) {
  return e->pool[e->hg[i].slot].seq == e->hg[i].seq;
}

/* Index of the smallest of the entries [c, end), any order of ties. */
static size_t heap_min_child(const heap4_engine *e, size_t c, size_t end) {
  size_t m = c;
  for (size_t j = c + 1; j < end; j++) {
    if (idx_less(e, j, m)) {
      m = j;
    }
  }
  return m;
}

/* Index of the smallest of the four entries c .. c+3, a tournament on times
 * held in registers. Which child is smaller is a coin flip that a branch
 * would mispredict half the time, so the selections use masks, which
 * compilers keep branch-free (a ?: is sometimes turned back into a branch).
 * An exact tie between compared times is rare (or sentinels at the end of
 * the heap) and takes one well-predicted branch to the full comparison. */
static inline size_t heap_min_of_four(const heap4_engine *e, size_t c) {
  const sim_time *t = e->ht + c;
  sim_time t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3];
  uint64_t k01 = -(uint64_t)(t1 < t0), k23 = -(uint64_t)(t3 < t2);
  sim_time m01 = (sim_time)((uint64_t)t0 ^ (((uint64_t)t0 ^ (uint64_t)t1) & k01));
  sim_time m23 = (sim_time)((uint64_t)t2 ^ (((uint64_t)t2 ^ (uint64_t)t3) & k23));
  size_t i01 = c + (size_t)(k01 & 1);
  size_t i23 = c + 2 + (size_t)(k23 & 1);
  size_t k = (size_t) - (uint64_t)(m23 < m01);
  if (__builtin_expect((t0 == t1) | (t2 == t3) | (m01 == m23), 0)) {
    return heap_min_child(e, c, c + SIM_HEAP_ARITY);
  }
  return i01 ^ ((i01 ^ i23) & k);
}

/* Prefetches, as macros: GCC deems a function that only prefetches free of
 * side effects and deletes the call before it would inline it.
 *
 * The 16 grandchildren of a node whose first child is c (entries 4c+1 ..
 * 4c+16) are two lines of times whose address needs no data: requesting
 * them now overlaps the next level's miss with this one. The tags of the
 * chosen child's children (one line) are moved up at the next level: off
 * the critical path, but their misses would otherwise fill the CPU's
 * out-of-order window. Callers issue these only while 4c+16 < n, where
 * every address is inside the heap. */
#define HEAP_PREFETCH_GRANDCHILDREN(ht, c)                                                         \
  do {                                                                                             \
    __builtin_prefetch(&(ht)[4 * (c) + 1]);                                                        \
    __builtin_prefetch(&(ht)[4 * (c) + 9]);                                                        \
  } while (0)
#define HEAP_PREFETCH_CHILD_TAGS(hg, m) __builtin_prefetch(&(hg)[4 * (m) + 1])

/* ---- heap operations ------------------------------------------------------- */

/* Moves entry (t, g) up from hole `i` to its place. */
static inline void heap_sift_up(heap4_engine *e, size_t i, sim_time t, sim_heap_tag g) {
  sim_time *ht = e->ht;
  sim_heap_tag *hg = e->hg;
  while (i > 0) {
    size_t parent = (i - 1) / SIM_HEAP_ARITY;
    if (!key_less(t, g.seq, ht[parent], hg[parent].seq)) {
      break;
    }
    ht[i] = ht[parent];
    hg[i] = hg[parent];
    i = parent;
  }
  ht[i] = t;
  hg[i] = g;
}

/* Top-down sift of (t, g) from hole `i`: stops as soon as the entry is no
 * larger than its smallest child, so an imminent event costs one level. A
 * sentinel child (SIM_TIME_MAX) always stops it. */
static inline void heap_sift_down(heap4_engine *e, size_t i, sim_time t, sim_heap_tag g) {
  sim_time *ht = e->ht;
  sim_heap_tag *hg = e->hg;
  size_t n = e->heap_len;
  /* Deep levels, where the grandchildren exist and are worth prefetching;
   * then at most two levels near the leaves. */
  while (4 * (4 * i + 1) + 16 < n) {
    size_t c = 4 * i + 1;
    HEAP_PREFETCH_GRANDCHILDREN(ht, c);
    size_t m = heap_min_of_four(e, c);
    HEAP_PREFETCH_CHILD_TAGS(hg, m);
    sim_time tm = ht[m];
    if (!key_less(tm, hg[m].seq, t, g.seq)) {
      goto place;
    }
    ht[i] = tm;
    hg[i] = hg[m];
    i = m;
  }
  for (size_t c = 4 * i + 1; c < n; c = 4 * i + 1) {
    size_t m = heap_min_of_four(e, c);
    sim_time tm = ht[m];
    if (!key_less(tm, hg[m].seq, t, g.seq)) {
      break;
    }
    ht[i] = tm;
    hg[i] = hg[m];
    i = m;
  }
place:
  ht[i] = t;
  hg[i] = g;
}

/* Appends (t, g) and sifts it up. The caller ensured capacity. */
static inline void heap_push(heap4_engine *e, sim_time t, sim_heap_tag g) {
  size_t i = e->heap_len++;
  heap_set_sentinel(e, e->heap_len + SIM_HEAP_PAD - 1);
  heap_sift_up(e, i, t, g);
}

/* Removes the root, bottom-up (see the file comment). */
static inline void heap_pop(heap4_engine *e) {
  sim_time *ht = e->ht;
  sim_heap_tag *hg = e->hg;
  size_t n = --e->heap_len;
  sim_time last_t = ht[n];
  sim_heap_tag last_g = hg[n];
  heap_set_sentinel(e, n);
  e->root_dead = false;
  if (n == 0) {
    return;
  }
  /* ht[c] is a real entry whenever c < n, so the minimum of a group is
   * never a sentinel. */
  size_t i = 0;
  while (4 * (4 * i + 1) + 16 < n) {
    size_t c = 4 * i + 1;
    HEAP_PREFETCH_GRANDCHILDREN(ht, c);
    size_t m = heap_min_of_four(e, c);
    HEAP_PREFETCH_CHILD_TAGS(hg, m);
    ht[i] = ht[m];
    hg[i] = hg[m];
    i = m;
  }
  for (size_t c = 4 * i + 1; c < n; c = 4 * i + 1) {
    size_t m = heap_min_of_four(e, c);
    ht[i] = ht[m];
    hg[i] = hg[m];
    i = m;
  }
  heap_sift_up(e, i, last_t, last_g);
}

/* Drops every stale entry and re-heapifies in O(n) (Floyd's heap
 * construction: sift down every internal node, last first). */
static void heap_purge(heap4_engine *e) {
  size_t n = 0;
  for (size_t i = 0; i < e->heap_len; i++) {
    if (entry_live(e, i)) {
      e->ht[n] = e->ht[i];
      e->hg[n] = e->hg[i];
      n++;
    }
  }
  e->heap_len = n;
  for (size_t i = n; i < n + SIM_HEAP_PAD; i++) {
    heap_set_sentinel(e, i);
  }
  e->stale = 0;
  e->root_dead = false;
  e->purges++;
  if (n > 1) {
    for (size_t i = (n - 2) / SIM_HEAP_ARITY + 1; i-- > 0;) {
      heap_sift_down(e, i, e->ht[i], e->hg[i]);
    }
  }
}

/* Pops stale entries off the top; afterwards the top (if any) is live. */
static inline void heap_skip_stale(heap4_engine *e) {
  while (e->heap_len > 0 && !entry_live(e, 0)) {
    heap_pop(e);
    e->stale--;
  }
}

/* ---- engine ---------------------------------------------------------------- */

heap4_engine *heap4_engine_new(size_t initial_capacity) {
  if (initial_capacity == 0) {
    initial_capacity = SIM_ENGINE_DEFAULT_CAPACITY;
  }
  if (initial_capacity >= SIM_SLOT_NONE) {
    return NULL;
  }
  heap4_engine *e = calloc(1, sizeof *e);
  if (e == NULL) {
    return NULL;
  }
  e->pool = malloc(initial_capacity * sizeof *e->pool);
  if (e->pool == NULL || heap_resize(e, initial_capacity) < 0) {
    heap4_engine_free(e);
    return NULL;
  }
  e->pool_cap = (uint32_t)initial_capacity;
  e->free_head = SIM_SLOT_NONE;
  pool_link_free(e, 0, e->pool_cap);
  e->next_seq = 1;
  return e;
}

void heap4_engine_free(heap4_engine *e) {
  if (e == NULL) {
    return;
  }
  free(e->pool);
  free(e->ht_mem);
  free(e->hg_mem);
  free(e);
}

sim_time heap4_engine_now(const heap4_engine *e) {
  return e->now;
}

/* The body of both schedule calls, inlined into each. */
static inline int engine_schedule(heap4_engine *e, sim_time at, heap4_handler fn, void *ctx,
                                  uint64_t arg, heap4_event_id *id) {
  if (fn == NULL) {
    return SIM_EINVAL;
  }
  if (at < e->now) {
    return SIM_EPAST;
  }
  if (at == SIM_TIME_NEVER) {
    return SIM_EOVERFLOW; /* reserved: it means "no event" and is the sentinel */
  }
  /* Grow both arrays before touching anything, so failure changes nothing. */
  if (e->free_head == SIM_SLOT_NONE) {
    int rc = pool_grow(e);
    if (rc < 0) {
      return rc;
    }
  }
  if (!e->root_dead && e->heap_len == e->heap_cap) {
    int rc = e->heap_cap <= SIZE_MAX / 2 ? heap_resize(e, e->heap_cap * 2) : SIM_ENOMEM;
    if (rc < 0) {
      return rc;
    }
  }
  uint32_t slot = e->free_head;
  sim_event_rec *r = &e->pool[slot];
  e->free_head = (uint32_t)r->arg;
  uint64_t seq = e->next_seq++;
  r->seq = seq;
  r->fn = fn;
  r->ctx = ctx;
  r->arg = arg;
  sim_heap_tag g = {seq, slot, 0};
  if (e->root_dead) {
    e->root_dead = false;
    e->stale--;
    heap_sift_down(e, 0, at, g);
  } else {
    heap_push(e, at, g);
  }
  if (id != NULL) {
    id->seq = seq;
    id->slot = slot;
  }
  return 0;
}

int heap4_engine_schedule_at(heap4_engine *e, sim_time at, heap4_handler fn, void *ctx,
                             uint64_t arg, heap4_event_id *id) {
  return engine_schedule(e, at, fn, ctx, arg, id);
}

int heap4_engine_schedule(heap4_engine *e, sim_time delay, heap4_handler fn, void *ctx,
                          uint64_t arg, heap4_event_id *id) {
  if (delay < 0) {
    return SIM_EPAST;
  }
  sim_time at;
  if (__builtin_add_overflow(e->now, delay, &at)) {
    return SIM_EOVERFLOW;
  }
  return engine_schedule(e, at, fn, ctx, arg, id);
}

int heap4_engine_cancel(heap4_engine *e, heap4_event_id id) {
  if (id.seq == 0 || id.slot >= e->pool_cap || e->pool[id.slot].seq != id.seq) {
    return SIM_ESTALE;
  }
  pool_release(e, id.slot);
  e->stale++;
  /* Rebuilding costs O(heap_len) and removes at least half of the entries,
   * so each cancel pays O(1) amortised and the heap stays <= 2x live + 1. */
  if (e->stale > e->heap_len - e->stale) {
    heap_purge(e);
  }
  return 0;
}

/* Fires the root, which must be live. It stays in the heap as a dead root
 * while the handler runs (see the file comment). */
static inline void fire_top(heap4_engine *e) {
  sim_time t = e->ht[0];
  uint32_t slot = e->hg[0].slot;
  sim_event_rec *r = &e->pool[slot];
  heap4_handler fn = r->fn;
  void *ctx = r->ctx;
  uint64_t arg = r->arg;
  /* Released before the call: an event that reschedules itself gets the
   * record it just left, which is still in cache. */
  pool_release(e, slot);
  e->root_dead = true;
  e->stale++;
  if (e->heap_len > 1) {
    /* The next event to fire is most likely the smallest child of the root,
     * and its record, written long ago, is likely out of cache: fetch it
     * while the handler runs. */
    __builtin_prefetch(&e->pool[e->hg[heap_min_of_four(e, 1)].slot]);
  }
  e->now = t;
  e->fired++;
  fn(e, ctx, arg);
  if (e->root_dead) {
    e->stale--;
    heap_pop(e);
  }
}

int heap4_engine_step(heap4_engine *e) {
  heap_skip_stale(e);
  if (e->heap_len == 0) {
    return 0;
  }
  fire_top(e);
  return 1;
}

uint64_t heap4_engine_run_until(heap4_engine *e, sim_time until) {
  uint64_t n = 0;
  e->stop_requested = false;
  if (until < e->now) {
    return 0;
  }
  for (;;) {
    heap_skip_stale(e);
    if (e->heap_len == 0 || e->ht[0] > until) {
      break;
    }
    fire_top(e);
    n++;
    if (e->stop_requested) {
      e->stop_requested = false;
      return n;
    }
  }
  if (until != SIM_TIME_NEVER) {
    e->now = until;
  }
  return n;
}

void heap4_engine_stop(heap4_engine *e) {
  e->stop_requested = true;
}

size_t heap4_engine_pending(const heap4_engine *e) {
  return e->heap_len - e->stale;
}

uint64_t heap4_engine_fired(const heap4_engine *e) {
  return e->fired;
}

sim_time heap4_engine_next_time(heap4_engine *e) {
  heap_skip_stale(e);
  return e->heap_len > 0 ? e->ht[0] : SIM_TIME_NEVER;
}

void heap4_engine_get_info(const heap4_engine *e, heap4_engine_info *out) {
  out->pool_capacity = e->pool_cap;
  out->heap_capacity = e->heap_cap;
  out->heap_entries = e->heap_len;
  out->stale_entries = e->stale;
  out->purges = e->purges;
}
