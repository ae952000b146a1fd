/* sim_engine: clock, event-record pool, and the pending-event set: a FIFO of
 * the events due at the current instant, a calendar of buckets for the near
 * future, and a 4-ary implicit min-heap for everything beyond the calendar.
 *
 * ---- Records ----
 * The pool holds one 48-byte record per pending event: sequence number,
 * time, handler, context, argument and two list links. Free records are
 * chained through `next` and reused LIFO, so steady-state scheduling
 * allocates nothing. A record's seq is 0 while it is free; sequence numbers
 * start at 1 and are never reused, so an old id or an old heap entry that
 * names a reused record is recognised as stale.
 *
 * ---- Where a pending event lives ----
 * Scheduling puts an event due at time `at` in one of four places, each but
 * the heap a doubly linked list of records:
 *   at == now          the FIFO: 10-13% of a mesh model's events. Every other
 *                      event due now was scheduled before the clock reached
 *                      now, so it has a smaller seq and fires first: the
 *                      FIFO serves only when nothing else is due now.
 *   bucket(at) <= cur  the bottom, sorted by (time, seq): the bucket being
 *                      fired. Firing its first record is an unlink.
 *   bucket(at) < cur + SIM_CAL_BUCKETS
 *                      the calendar: ring slot (at >> shift) mod 16384, an
 *                      unsorted list, records of one time newest
 *                      first; one bit per non-empty slot in a
 *                      three-level bitmap (256 words, 4 mid words, one
 *                      top word) finds the next non-empty slot in a few
 *                      instructions however sparse the calendar is.
 *   beyond             the heap: timeouts, idle sources, anything far away.
 * `cur` is the absolute bucket number of the bottom. When the bottom runs
 * out, the next non-empty bucket after cur becomes cur and its list is
 * sorted into the bottom. Calendar events span the absolute buckets
 * (cur, cur + 16384) only, so a ring slot never holds two absolute
 * buckets. Heap events that the window has since overtaken stay in the
 * heap: the next event is the smaller of the bottom's first record and the
 * heap's root, compared by (time, seq), so the order is exact whichever
 * structure holds what.
 *
 * Why a calendar and not a faster heap: a mesh model keeps 10^2-10^4 events
 * pending, nearly all 10 us-10 ms ahead, and fires each after it has waited
 * its delay. A heap pays log n dependent comparisons per event, on both
 * ends; the calendar pays a list push, a share of one small sort and a
 * bitmap scan. bench/bench_queue compares the two on that pattern.
 *
 * ---- Loading a bucket ----
 * The records of a bucket are scattered through the pool, so every step
 * along a `next` link may miss the cache. Loading walks the list once,
 * copying (time, slot) into a local array, sorts that by insertion on the
 * time alone (a few records: see the width; the list order, newest first,
 * settles ties) and relinks the records in order; a merge sort of the list
 * itself, kept for a bucket of more than 64 records, walks the links about
 * log2(n) + 1 times. One or two records (most loads at a small model's
 * rate) take neither: they are linked in order inline, and the sort stays
 * out of line. On the large cluster (1,000 nodes, about 5 events per
 * simulated us) the old 4096-bucket ring with a crowding limit of 32
 * settled at 4 us buckets of 18.7 records, merge sorted: list_merge and
 * cal_load were 13.7% of the cycles. 16384 buckets
 * let the width narrow to 1 us (3-6 records) with a 16.8 ms window that
 * still holds the 1-10 ms service times. The ring's head array is 64 KB;
 * 2^15 and 2^16 buckets (narrower still) measured the same queue share
 * within the noise, and every push reads a head entry, so the smaller
 * array is kept.
 *
 * ---- Loading ahead ----
 * With a lookahead set, when a firing leaves fewer than two records in the
 * bottom, the next non-empty bucket is sorted and appended to the bottom at
 * once, and cur moves on to it. Its records are all later than the ones
 * left, so the bottom stays sorted; an event scheduled afterwards for a
 * bucket at or before cur goes into the bottom by sorted insert, as any
 * event for the bottom's range does. This lets the lookahead name the next
 * events across a bucket's end: with 3-6 records a bucket, a quarter to
 * half of the events had no hint before (about 11% of the CPU of a
 * 100-namespace cluster, paired runs). Without a lookahead it would only
 * cost instructions (3% on chain), so it is off.
 *
 * ---- Bucket width ----
 * 2^shift ns, adapted to the events seen: every SIM_CAL_ADAPT_PERIOD
 * scheduled events the engine looks at how many went beyond the window (to
 * the heap), how many went straight into the bottom (a sorted insert each)
 * and how many records a bucket brought. Many beyond the window while
 * buckets are nearly empty: the width doubles. Crowded buckets (more than
 * 6 records on average) or many sorted inserts while hardly anything goes
 * beyond the window: it halves.
 * The thresholds are far enough apart that one change cannot trigger its
 * reverse. A change re-buckets the calendar in O(calendar + bottom) and
 * reserves heap room before it moves anything, so a failed allocation
 * leaves the width as it was. Where an event is kept never changes when it
 * fires, only how fast it is found.
 *
 * ---- Cancellation ----
 * A listed record is unlinked in O(1). A heap entry is a lazy tombstone:
 * cancel frees the record at once and the entry, whose seq no longer
 * matches its record, is skipped when it reaches the root; the heap is
 * rebuilt in O(n) when its tombstones outnumber its live entries, so it
 * never holds more than 2 live + 1 entries.
 *
 * ---- The heap ----
 * Two parallel arrays, times (8 bytes) and tags {seq, slot} (16 bytes): a
 * sift compares times and reads a seq only on an exact tie, so a sift's
 * chain of dependent loads stays in the smaller array. Both arrays start 3
 * entries into a cache-line-aligned block so that each node's four
 * children share one line, and 3 sentinel entries (time SIM_TIME_MAX, never
 * a real event time) follow the last entry so that every child group can be
 * read whole. A heap event whose handler schedules another heap event costs
 * a single pass: the fired entry stays at the root while its handler runs
 * ("dead root") and the first heap event the handler schedules replaces it
 * and sifts down; otherwise the root is popped afterwards, bottom-up (Floyd:
 * walk the hole to a leaf along the smallest children, then sift the former
 * last entry up from there). */
#include "sim_engine.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim_error.h"
#include "sim_mem.h"

#define SIM_ENGINE_DEFAULT_CAPACITY 1024u
#define SIM_CACHE_LINE              64u

/* ---- record links ---- */
#define SIM_SLOT_NONE UINT32_MAX  /* end of a list, empty free list */
#define SIM_SLOT_MAX  0x7fffffffu /* slots stay below the head flag */
/* prev of a list's first record: SIM_LIST_HEAD | list id. */
#define SIM_LIST_HEAD   0x80000000u
#define SIM_LIST_FIFO   SIM_CAL_BUCKETS /* buckets are lists 0 .. SIM_CAL_BUCKETS - 1 */
#define SIM_LIST_BOTTOM (SIM_CAL_BUCKETS + 1)
/* prev of a record that has a heap entry instead. */
#define SIM_IN_HEAP UINT32_MAX

/* ---- calendar ---- */
/* 2^14 buckets: narrow enough for 3-6 records each at the large model's
 * rate (about 5 events per us) with a window of 16.8 ms at 1 us. */
#define SIM_CAL_BITS    14u
#define SIM_CAL_BUCKETS (1u << SIM_CAL_BITS)
#define SIM_CAL_MASK    (SIM_CAL_BUCKETS - 1)
/* Three-level bitmap: a bit per bucket, a bit per non-zero word, a bit per
 * non-zero mid word. One top word covers up to 2^18 buckets. */
#define SIM_CAL_WORDS (SIM_CAL_BUCKETS / 64)
#define SIM_CAL_MIDS  (SIM_CAL_WORDS / 64)
_Static_assert(SIM_CAL_BITS >= 12 && SIM_CAL_BITS <= 18, "the bitmap has three levels");
/* Initial bucket width 2^12 ns = 4.1 us, window 16.8 ms: a mesh model's
 * delays. The width stays within [1 ns, 2^40 ns]. */
#define SIM_CAL_SHIFT_INIT   12u
#define SIM_CAL_SHIFT_MAX    40u
#define SIM_CAL_ADAPT_PERIOD 8192u /* scheduled events between width reviews */
#define SIM_CAL_CROWDED      6u    /* narrower when a bucket brings more records on average */
#define SIM_CAL_GATHER       64u   /* keys sorted in a local array up to this many records */

/* ---- heap ---- */
#define SIM_HEAP_ARITY 4u
/* Logical entry j lives at physical index j + SIM_HEAP_OFFSET of its block,
 * which puts the children 4j+1 .. 4j+4 at physical 4(j+1) .. 4(j+1)+3. */
#define SIM_HEAP_OFFSET 3u
/* Sentinels kept after the last entry (a child group has 4 entries). */
#define SIM_HEAP_PAD 3u

typedef struct sim_event_rec {
  uint64_t seq; /* seq of the pending event in this record; 0 when free */
  sim_time at;
  sim_handler fn;
  void *ctx;
  uint64_t arg;
  uint32_t next; /* next record in its list (or the free list), SIM_SLOT_NONE at the end */
  uint32_t prev; /* previous record, SIM_LIST_HEAD | list, or SIM_IN_HEAP */
} sim_event_rec;

/* A bucket's record as cal_load sorts it: its time alone, as the list
 * order gives the sequence (see cal_load). */
typedef struct sim_sort_key {
  sim_time at;
  uint32_t slot;
  uint32_t unused;
} sim_sort_key;

typedef struct sim_heap_tag {
  uint64_t seq;
  uint32_t slot;
  uint32_t unused; /* pads the tag to 16 bytes so four children fill a line */
} sim_heap_tag;

static const sim_heap_tag sentinel_tag = {UINT64_MAX, SIM_SLOT_NONE, 0};

struct sim_engine {
  sim_time now;
  sim_event_rec *pool;
  uint32_t pool_cap;
  uint32_t free_head; /* SIM_SLOT_NONE when the free list is empty */

  /* The FIFO and the bottom (each with its last record), and the number
   * of records in any list. */
  uint32_t fifo_head, fifo_tail;
  uint32_t bot_head, bot_tail;
  size_t listed;

  /* Calendar. */
  uint64_t cur; /* absolute bucket number of the bottom */
  unsigned shift;
  uint64_t top;                  /* bit m: mid[m] != 0 */
  uint64_t mid[SIM_CAL_MIDS];    /* bit w % 64 of mid[w / 64]: words[w] != 0 */
  uint64_t words[SIM_CAL_WORDS]; /* bit i % 64 of words[i / 64]: bucket i is not empty */

  /* Heap. */
  sim_time *ht;     /* heap times */
  sim_heap_tag *hg; /* heap tags, parallel to ht */
  void *ht_mem, *hg_mem;
  size_t heap_len; /* entries, live and stale; ht[heap_len .. +2] are sentinels */
  size_t heap_cap;
  size_t heap_stale; /* heap entries whose record no longer carries their seq */
  /* The root is the entry of the heap event being fired: its record is
   * already released and the first heap event its handler schedules takes
   * its place. Counted in heap_stale while set. */
  bool root_dead;

  bool stop_requested;
  sim_lookahead lookahead; /* NULL: none */
  uint64_t next_seq;
  uint64_t fired;
  uint64_t purges;

  /* Width adaptation: counts since the last review. */
  uint32_t adapt_left; /* scheduled events until the next review */
  uint32_t n_far;      /* events that went to the heap */
  uint32_t n_near;     /* events that went straight into the bottom */
  uint32_t n_loads;    /* bucket loads */
  uint64_t n_loaded;   /* records they brought */
  uint64_t rebuilds;

  uint32_t head[SIM_CAL_BUCKETS]; /* first record of each bucket */
};

/* (ta, sa) < (tb, sb) in the (time, seq) order. */
static inline bool key_less(sim_time ta, uint64_t sa, sim_time tb, uint64_t sb) {
  return ta < tb || (ta == tb && sa < sb);
}

static inline bool rec_less(const sim_event_rec *a, const sim_event_rec *b) {
  return key_less(a->at, a->seq, b->at, b->seq);
}

/* ---- pool ------------------------------------------------------------------ */

/* Links records [from, to) into the free list, lowest index first. */
static void pool_link_free(sim_engine *e, uint32_t from, uint32_t to) {
  for (uint32_t i = to; i > from; i--) {
    e->pool[i - 1].seq = 0;
    e->pool[i - 1].next = e->free_head;
    e->free_head = i - 1;
  }
}

__attribute__((cold, noinline)) static int pool_grow(sim_engine *e) {
  uint64_t cap = (uint64_t)e->pool_cap * 2;
  if (cap > SIM_SLOT_MAX) {
    cap = SIM_SLOT_MAX;
  }
  if (cap <= e->pool_cap || cap > SIZE_MAX / sizeof(sim_event_rec)) {
    return SIM_ENOMEM;
  }
  sim_event_rec *p =
      sim_mem_grow(e->pool, (size_t)e->pool_cap * sizeof *p, (size_t)cap * sizeof *p, 0);
  if (p == NULL) {
    return SIM_ENOMEM;
  }
  e->pool = p;
  uint32_t old = e->pool_cap;
  e->pool_cap = (uint32_t)cap;
  pool_link_free(e, old, e->pool_cap);
  return 0;
}

static inline void pool_release(sim_engine *e, uint32_t slot) {
  sim_event_rec *r = &e->pool[slot];
  r->seq = 0;
  r->next = e->free_head;
  e->free_head = slot;
}

/* ---- lists: the FIFO, the bottom and the buckets ----------------------------- */

static inline void cal_mark(sim_engine *e, uint32_t i) {
  e->words[i >> 6] |= 1ull << (i & 63);
  e->mid[i >> 12] |= 1ull << ((i >> 6) & 63);
  e->top |= 1ull << (i >> 12);
}

static inline void cal_unmark(sim_engine *e, uint32_t i) {
  if ((e->words[i >> 6] &= ~(1ull << (i & 63))) == 0 &&
      (e->mid[i >> 12] &= ~(1ull << ((i >> 6) & 63))) == 0) {
    e->top &= ~(1ull << (i >> 12));
  }
}

/* Bits of x at positions above b (b in 0 .. 63). */
static inline uint64_t bits_above(uint64_t x, uint32_t b) {
  return x & ((~0ull << b) << 1);
}

/* First non-empty bucket at or after ring slot i, circularly. The calendar
 * must not be empty. */
static inline uint32_t cal_find(const sim_engine *e, uint32_t i) {
  uint32_t w = i >> 6;
  uint64_t bits = e->words[w] & (~0ull << (i & 63));
  if (bits != 0) {
    return w << 6 | (uint32_t)__builtin_ctzll(bits);
  }
  uint32_t m = w >> 6;
  uint64_t mb = bits_above(e->mid[m], w & 63);
  if (mb == 0) {
    /* Past the mid word: the next non-zero one, from the start if none
     * follows (it may be m again, for the buckets before i). */
    uint64_t tb = bits_above(e->top, m);
    m = (uint32_t)__builtin_ctzll(tb != 0 ? tb : e->top);
    mb = e->mid[m];
  }
  w = m << 6 | (uint32_t)__builtin_ctzll(mb);
  return w << 6 | (uint32_t)__builtin_ctzll(e->words[w]);
}

/* A push puts the record first, so a bucket lists records of one time
 * newest first (cal_load sorts on that). */
static inline void bucket_push(sim_engine *e, uint32_t slot, uint32_t i) {
  sim_event_rec *r = &e->pool[slot];
  uint32_t h = e->head[i];
  r->prev = SIM_LIST_HEAD | i;
  r->next = h;
  if (h != SIM_SLOT_NONE) {
    e->pool[h].prev = slot;
  } else {
    cal_mark(e, i);
  }
  e->head[i] = slot;
  e->listed++;
}

static inline void fifo_push(sim_engine *e, uint32_t slot) {
  sim_event_rec *r = &e->pool[slot];
  uint32_t t = e->fifo_tail;
  r->next = SIM_SLOT_NONE;
  if (t != SIM_SLOT_NONE) {
    r->prev = t;
    e->pool[t].next = slot;
  } else {
    r->prev = SIM_LIST_HEAD | SIM_LIST_FIFO;
    e->fifo_head = slot;
  }
  e->fifo_tail = slot;
  e->listed++;
}

/* Unlinks the first record of the FIFO or the bottom; returns its slot. */
static inline uint32_t list_pop(sim_engine *e, uint32_t *head, uint32_t *tail, uint32_t list) {
  uint32_t slot = *head;
  uint32_t n = e->pool[slot].next;
  *head = n;
  if (n == SIM_SLOT_NONE) {
    *tail = SIM_SLOT_NONE;
  } else {
    e->pool[n].prev = SIM_LIST_HEAD | list;
  }
  e->listed--;
  return slot;
}

/* Removes a record from whichever list holds it. */
static void list_unlink(sim_engine *e, uint32_t slot) {
  sim_event_rec *r = &e->pool[slot];
  uint32_t p = r->prev, n = r->next;
  if (p & SIM_LIST_HEAD) {
    uint32_t list = p & ~SIM_LIST_HEAD;
    if (list == SIM_LIST_FIFO) {
      e->fifo_head = n;
    } else if (list == SIM_LIST_BOTTOM) {
      e->bot_head = n;
    } else {
      e->head[list] = n;
      if (n == SIM_SLOT_NONE) {
        cal_unmark(e, list);
      }
    }
  } else {
    e->pool[p].next = n;
  }
  if (n != SIM_SLOT_NONE) {
    e->pool[n].prev = p;
  } else {
    /* The last record of its list: the FIFO and the bottom keep theirs. */
    uint32_t before = (p & SIM_LIST_HEAD) ? SIM_SLOT_NONE : p;
    if (e->fifo_tail == slot) {
      e->fifo_tail = before;
    } else if (e->bot_tail == slot) {
      e->bot_tail = before;
    }
  }
  e->listed--;
}

/* Inserts record `slot` into the bottom in (time, seq) order, searching
 * from the end: an event scheduled into the bucket being fired is usually
 * later than most of it. Does not count it in `listed`. */
static inline void bottom_insert(sim_engine *e, uint32_t slot) {
  sim_event_rec *x = &e->pool[slot];
  uint32_t p = e->bot_tail;
  while (p != SIM_SLOT_NONE && rec_less(x, &e->pool[p])) {
    uint32_t pp = e->pool[p].prev;
    p = (pp & SIM_LIST_HEAD) ? SIM_SLOT_NONE : pp;
  }
  uint32_t n;
  if (p == SIM_SLOT_NONE) {
    n = e->bot_head;
    x->prev = SIM_LIST_HEAD | SIM_LIST_BOTTOM;
    e->bot_head = slot;
  } else {
    n = e->pool[p].next;
    x->prev = p;
    e->pool[p].next = slot;
  }
  x->next = n;
  if (n == SIM_SLOT_NONE) {
    e->bot_tail = slot;
  } else {
    e->pool[n].prev = slot;
  }
}

/* Merges two sorted lists linked through `next` only. */
static uint32_t list_merge(sim_event_rec *pool, uint32_t a, uint32_t b) {
  uint32_t head = SIM_SLOT_NONE, *link = &head;
  while (a != SIM_SLOT_NONE && b != SIM_SLOT_NONE) {
    if (rec_less(&pool[b], &pool[a])) {
      *link = b;
      link = &pool[b].next;
      b = pool[b].next;
    } else {
      *link = a;
      link = &pool[a].next;
      a = pool[a].next;
    }
  }
  *link = a != SIM_SLOT_NONE ? a : b;
  return head;
}

/* Sorts the list from `s` (linked through `next`) and makes it the whole
 * bottom (cal_load splices any earlier bottom records back in front):
 * bottom-up merge sort with one pending sorted run per power of two, then
 * the prev links and the tail in one pass. Returns the number of records. */
static uint32_t bottom_merge_sort(sim_engine *e, uint32_t s) {
  uint32_t run[33];
  size_t top = 0;
  for (size_t i = 0; i < 33; i++) {
    run[i] = SIM_SLOT_NONE;
  }
  while (s != SIM_SLOT_NONE) {
    uint32_t carry = s;
    s = e->pool[s].next;
    e->pool[carry].next = SIM_SLOT_NONE;
    size_t i = 0;
    for (; run[i] != SIM_SLOT_NONE; i++) {
      carry = list_merge(e->pool, run[i], carry);
      run[i] = SIM_SLOT_NONE;
    }
    run[i] = carry;
    top = i > top ? i : top;
  }
  uint32_t all = SIM_SLOT_NONE;
  for (size_t i = 0; i <= top; i++) {
    all = list_merge(e->pool, run[i], all);
  }
  uint32_t prev = SIM_LIST_HEAD | SIM_LIST_BOTTOM, last = SIM_SLOT_NONE, n = 0;
  e->bot_head = all;
  for (uint32_t r = all; r != SIM_SLOT_NONE; r = e->pool[r].next) {
    e->pool[r].prev = prev;
    prev = last = r;
    n++;
  }
  e->bot_tail = last;
  return n;
}

/* Appends the sorted run first .. last, linked both ways among itself, to
 * the end of the bottom. */
static inline void bottom_append(sim_engine *e, uint32_t first, uint32_t last) {
  if (e->bot_tail == SIM_SLOT_NONE) {
    e->pool[first].prev = SIM_LIST_HEAD | SIM_LIST_BOTTOM;
    e->bot_head = first;
  } else {
    e->pool[first].prev = e->bot_tail;
    e->pool[e->bot_tail].next = first;
  }
  e->bot_tail = last;
}

/* Sorts a loaded bucket of three or more records, listed from s, onto the
 * end of the bottom (cal_load's general case, kept out of line so that the
 * common loads save no registers). */
static __attribute__((noinline)) void cal_load_sort(sim_engine *e, uint32_t s) {
  /* One walk gathers the keys; the sort runs on them in a local array and
   * the records are relinked in order, so no comparison chases a link. A
   * push puts a record first (bucket_push), so the walk meets records of
   * one time by falling seq, and a stable sort by time alone, inserting
   * from the end of the list, gives the (time, seq) order. Re-bucketing
   * (cal_rebuild) keeps that: records of one time were in one old bucket
   * (or all in the bottom, sorted), and it re-pushes each old list in its
   * order. */
  sim_sort_key k[SIM_CAL_GATHER];
  uint32_t n = 0;
  for (uint32_t r = s; r != SIM_SLOT_NONE; r = e->pool[r].next) {
    if (n == SIM_CAL_GATHER) { /* too crowded for the array (the width will narrow) */
      uint32_t head = e->bot_head, tail = e->bot_tail;
      e->n_loaded += bottom_merge_sort(e, s);
      uint32_t first = e->bot_head, last = e->bot_tail;
      e->bot_head = head; /* the earlier records back in front */
      e->bot_tail = tail;
      bottom_append(e, first, last);
      return;
    }
    k[n] = (sim_sort_key){e->pool[r].at, r, 0};
    n++;
  }
  e->n_loaded += n;
  /* k[j + 1 ..] is sorted, and a key there of k[j]'s time is older than
   * k[j]: k[j] goes after every key not later than it. */
  for (uint32_t j = n - 1; j-- > 0;) {
    sim_sort_key x = k[j];
    uint32_t m = j;
    for (; m + 1 < n && k[m + 1].at <= x.at; m++) {
      k[m] = k[m + 1];
    }
    k[m] = x;
  }
  for (uint32_t j = 1; j < n; j++) {
    sim_event_rec *r = &e->pool[k[j].slot];
    r->prev = k[j - 1].slot;
    e->pool[k[j - 1].slot].next = k[j].slot;
  }
  e->pool[k[n - 1].slot].next = SIM_SLOT_NONE;
  bottom_append(e, k[0].slot, k[n - 1].slot);
}

/* Moves the next non-empty bucket, sorted, to the end of the bottom and
 * makes it the bottom's bucket. The calendar must not be empty. The bottom
 * may still hold records of the buckets before: they are all earlier, so
 * the bottom stays sorted (see "Loading ahead" in the file comment). */
static inline void cal_load(sim_engine *e) {
  uint32_t i = cal_find(e, (uint32_t)(e->cur + 1) & SIM_CAL_MASK);
  e->cur += (i - (uint32_t)e->cur) & SIM_CAL_MASK;
  uint32_t s = e->head[i];
  e->head[i] = SIM_SLOT_NONE;
  cal_unmark(e, i);
  e->n_loads++;
  if (e->pool[s].next == SIM_SLOT_NONE) { /* one record: nothing to sort */
    bottom_append(e, s, s);
    e->n_loaded++;
    return;
  }
  uint32_t s2 = e->pool[s].next;
  if (e->pool[s2].next == SIM_SLOT_NONE) {
    /* Two records, the commonest load that needs ordering at a small
     * model's rate (chain: two thirds of them): one comparison, as the sort
     * would order them. s2 is the older one, so it goes first on a tie. */
    uint32_t first = s, last = s2;
    if (e->pool[s2].at <= e->pool[s].at) {
      first = s2;
      last = s;
    }
    e->pool[first].next = last;
    e->pool[last].prev = first;
    e->pool[last].next = SIM_SLOT_NONE;
    bottom_append(e, first, last);
    e->n_loaded += 2;
    return;
  }
  cal_load_sort(e, s);
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
__attribute__((cold, noinline)) static int heap_resize(sim_engine *e, size_t cap) {
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

/* Room for `n` more heap entries. */
static int heap_reserve(sim_engine *e, size_t n) {
  if (e->heap_len + n <= e->heap_cap) {
    return 0;
  }
  if (e->heap_len > SIZE_MAX / 2 - n) {
    return SIM_ENOMEM;
  }
  size_t cap = e->heap_cap * 2 > e->heap_len + n ? e->heap_cap * 2 : e->heap_len + n;
  return heap_resize(e, cap);
}

static inline void heap_set_sentinel(sim_engine *e, size_t i) {
  e->ht[i] = SIM_TIME_MAX;
  e->hg[i] = sentinel_tag;
}

/* ---- heap order ------------------------------------------------------------ */

static inline bool idx_less(const sim_engine *e, size_t a, size_t b) {
  return key_less(e->ht[a], e->hg[a].seq, e->ht[b], e->hg[b].seq);
}

static inline bool heap_live(const sim_engine *e, size_t i) {
  return e->pool[e->hg[i].slot].seq == e->hg[i].seq;
}

/* Index of the smallest of the entries [c, end), any order of ties. */
static size_t heap_min_child(const sim_engine *e, size_t c, size_t end) {
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
static inline size_t heap_min_of_four(const sim_engine *e, size_t c) {
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
static inline void heap_sift_up(sim_engine *e, size_t i, sim_time t, sim_heap_tag g) {
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
static inline void heap_sift_down(sim_engine *e, size_t i, sim_time t, sim_heap_tag g) {
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

/* Adds (t, g): into a dead root's place if there is one, else appended and
 * sifted up. The caller ensured capacity. */
static inline void heap_insert(sim_engine *e, sim_time t, sim_heap_tag g) {
  e->pool[g.slot].prev = SIM_IN_HEAP;
  if (e->root_dead) {
    e->root_dead = false;
    e->heap_stale--;
    heap_sift_down(e, 0, t, g);
    return;
  }
  size_t i = e->heap_len++;
  heap_set_sentinel(e, e->heap_len + SIM_HEAP_PAD - 1);
  heap_sift_up(e, i, t, g);
}

/* Removes the root, bottom-up (see the file comment). */
static inline void heap_pop(sim_engine *e) {
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
static void heap_purge(sim_engine *e) {
  size_t n = 0;
  for (size_t i = 0; i < e->heap_len; i++) {
    if (heap_live(e, i)) {
      e->ht[n] = e->ht[i];
      e->hg[n] = e->hg[i];
      n++;
    }
  }
  e->heap_len = n;
  for (size_t i = n; i < n + SIM_HEAP_PAD; i++) {
    heap_set_sentinel(e, i);
  }
  e->heap_stale = 0;
  e->root_dead = false;
  e->purges++;
  if (n > 1) {
    for (size_t i = (n - 2) / SIM_HEAP_ARITY + 1; i-- > 0;) {
      heap_sift_down(e, i, e->ht[i], e->hg[i]);
    }
  }
}
/* ---- placing an event ---------------------------------------------------------- */

/* Where an event due at `at` (> now) goes with this width and window start:
 * 0 the bottom, 1 a bucket, 2 the heap. */
static inline int place_of(sim_time at, unsigned shift, uint64_t cur) {
  uint64_t b = (uint64_t)at >> shift;
  return b <= cur ? 0 : b - cur < SIM_CAL_BUCKETS ? 1 : 2;
}

/* Re-buckets the calendar and the bottom with bucket width 2^shift and the
 * window starting at the clock. The heap room the move needs is reserved
 * first, so failure changes nothing. */
static int cal_rebuild(sim_engine *e, unsigned shift) {
  uint64_t cur = (uint64_t)e->now >> shift;
  size_t to_heap = 0;
  for (uint32_t s = e->bot_head; s != SIM_SLOT_NONE; s = e->pool[s].next) {
    to_heap += place_of(e->pool[s].at, shift, cur) == 2;
  }
  if (e->top != 0) {
    uint32_t first = cal_find(e, 0), i = first;
    do {
      for (uint32_t s = e->head[i]; s != SIM_SLOT_NONE; s = e->pool[s].next) {
        to_heap += place_of(e->pool[s].at, shift, cur) == 2;
      }
      i = cal_find(e, (i + 1) & SIM_CAL_MASK);
    } while (i != first);
  }
  int rc = e->root_dead && to_heap > 0 ? heap_reserve(e, to_heap - 1) : heap_reserve(e, to_heap);
  if (rc < 0) {
    return rc;
  }
  /* Chain every bottom and calendar record through `next`, then place each
   * afresh. A bucket's list goes onto the chain reversed and its pushes
   * reverse it again, and the bottom's sorted order pushes oldest first, so
   * records of one time stay newest first in their new bucket (cal_load
   * sorts on that). */
  uint32_t chain = e->bot_head;
  size_t moved = 0;
  for (uint32_t s = e->bot_head; s != SIM_SLOT_NONE; s = e->pool[s].next) {
    moved++;
  }
  e->bot_head = e->bot_tail = SIM_SLOT_NONE;
  while (e->top != 0) {
    uint32_t i = cal_find(e, 0);
    for (uint32_t s = e->head[i]; s != SIM_SLOT_NONE;) {
      uint32_t next = e->pool[s].next;
      e->pool[s].next = chain;
      chain = s;
      moved++;
      s = next;
    }
    e->head[i] = SIM_SLOT_NONE;
    cal_unmark(e, i);
  }
  e->listed -= moved;
  e->shift = shift;
  e->cur = cur;
  while (chain != SIM_SLOT_NONE) {
    uint32_t s = chain;
    sim_event_rec *r = &e->pool[s];
    chain = r->next;
    switch (place_of(r->at, shift, cur)) {
    case 0:
      bottom_insert(e, s);
      e->listed++;
      break;
    case 1:
      bucket_push(e, s, (uint32_t)((uint64_t)r->at >> shift) & SIM_CAL_MASK);
      break;
    default:
      heap_insert(e, r->at, (sim_heap_tag){r->seq, s, 0});
      break;
    }
  }
  e->rebuilds++;
  return 0;
}

/* Reviews the bucket width (see the file comment) and restarts the counts.
 * Wider when more than 1/8 of the events went beyond the window while a
 * bucket brought fewer than half of SIM_CAL_CROWDED records (so that twice
 * as many stay below it) and few events went straight into the bottom;
 * narrower when a bucket brought more than SIM_CAL_CROWDED records, or more
 * than 1/8 of the events went straight into the bottom, while fewer than
 * 1/32 went beyond the window. Without the factor of two a widening could
 * crowd the buckets and be undone at the next review, and every change
 * re-buckets the whole calendar (test_width_settles_on_steady_load). */
__attribute__((cold, noinline)) static void cal_adapt(sim_engine *e) {
  uint32_t far = e->n_far, near = e->n_near;
  uint64_t loads = e->n_loads, loaded = e->n_loaded;
  e->adapt_left = SIM_CAL_ADAPT_PERIOD;
  e->n_far = 0;
  e->n_near = 0;
  e->n_loads = 0;
  e->n_loaded = 0;
  if (far * 8u > SIM_CAL_ADAPT_PERIOD && 2 * loaded < SIM_CAL_CROWDED * loads + 4 &&
      near * 8u < SIM_CAL_ADAPT_PERIOD && e->shift < SIM_CAL_SHIFT_MAX) {
    cal_rebuild(e, e->shift + 1); /* on failure the width stays: still correct */
  } else if ((loaded > SIM_CAL_CROWDED * loads || near * 8u > SIM_CAL_ADAPT_PERIOD) &&
             far * 32u < SIM_CAL_ADAPT_PERIOD && e->shift > 0) {
    cal_rebuild(e, e->shift - 1);
  }
}

/* Puts record `slot` (due at `at` > now) where it belongs; the caller
 * ensured heap room. */
static void place_later(sim_engine *e, uint32_t slot, sim_time at) {
  if (e->top == 0 && e->bot_head == SIM_SLOT_NONE) {
    /* The calendar is empty: start its window at the clock, or a jump in
     * time would leave every later event beyond it. */
    e->cur = (uint64_t)e->now >> e->shift;
  }
  uint64_t b = (uint64_t)at >> e->shift;
  if (b <= e->cur) {
    e->n_near++;
    bottom_insert(e, slot);
    e->listed++;
  } else if (b - e->cur < SIM_CAL_BUCKETS) {
    bucket_push(e, slot, (uint32_t)b & SIM_CAL_MASK);
  } else {
    e->n_far++;
    heap_insert(e, at, (sim_heap_tag){e->pool[slot].seq, slot, 0});
  }
}

/* engine_schedule() for everything but its two fast paths: a full pool, an
 * empty calendar, an event for the bucket being fired or beyond the
 * window. Arguments are checked. */
__attribute__((noinline)) static int schedule_slow(sim_engine *e, sim_time at, sim_handler fn,
                                                   void *ctx, uint64_t arg, sim_event_id *id) {
  /* Grow what the event needs before touching anything, so failure changes
   * nothing. The heap may need a place even when the event goes elsewhere
   * (the window is re-anchored below); reserving one is harmless. */
  if (e->free_head == SIM_SLOT_NONE) {
    int rc = pool_grow(e);
    if (rc < 0) {
      return rc;
    }
  }
  if (!e->root_dead && e->heap_len == e->heap_cap) {
    int rc = heap_reserve(e, 1);
    if (rc < 0) {
      return rc;
    }
  }
  uint32_t slot = e->free_head;
  sim_event_rec *r = &e->pool[slot];
  e->free_head = r->next;
  uint64_t seq = e->next_seq++;
  r->seq = seq;
  r->at = at;
  r->fn = fn;
  r->ctx = ctx;
  r->arg = arg;
  if (id != NULL) {
    id->seq = seq;
    id->slot = slot;
  }
  if (at == e->now) {
    fifo_push(e, slot);
    return 0;
  }
  place_later(e, slot, at);
  if (--e->adapt_left == 0) {
    cal_adapt(e);
  }
  return 0;
}

/* ---- the next event -------------------------------------------------------------- */

enum { SRC_NONE, SRC_FIFO, SRC_BOTTOM, SRC_HEAP };

/* Drops cancelled entries from the top of the heap. */
static inline void heap_skip_stale(sim_engine *e) {
  while (e->heap_len > 0 && !heap_live(e, 0)) {
    heap_pop(e);
    e->heap_stale--;
  }
}

/* Where the earliest pending event is, loading the next bucket if the
 * bottom ran out. Events due now elsewhere precede the FIFO's. */
static inline int queue_next(sim_engine *e) {
  if (__builtin_expect(e->bot_head == SIM_SLOT_NONE, 0) && e->top != 0) {
    cal_load(e);
  }
  if (e->heap_len > 0) {
    heap_skip_stale(e);
  }
  bool fifo = e->fifo_head != SIM_SLOT_NONE;
  if (e->bot_head != SIM_SLOT_NONE) {
    const sim_event_rec *b = &e->pool[e->bot_head];
    if (e->heap_len > 0 && key_less(e->ht[0], e->hg[0].seq, b->at, b->seq)) {
      return e->ht[0] == e->now || !fifo ? SRC_HEAP : SRC_FIFO;
    }
    return b->at == e->now || !fifo ? SRC_BOTTOM : SRC_FIFO;
  }
  if (e->heap_len > 0) {
    return e->ht[0] == e->now || !fifo ? SRC_HEAP : SRC_FIFO;
  }
  return fifo ? SRC_FIFO : SRC_NONE;
}

/* Time of the event queue_next() found. */
static inline sim_time queue_time(const sim_engine *e, int src) {
  switch (src) {
  case SRC_BOTTOM:
    return e->pool[e->bot_head].at;
  case SRC_HEAP:
    return e->ht[0];
  case SRC_FIFO:
    return e->now;
  default:
    return SIM_TIME_NEVER;
  }
}

/* ---- engine ---------------------------------------------------------------- */

sim_engine *sim_engine_new(size_t initial_capacity) {
  if (initial_capacity == 0) {
    initial_capacity = SIM_ENGINE_DEFAULT_CAPACITY;
  }
  if (initial_capacity > SIM_SLOT_MAX) {
    return NULL;
  }
  sim_engine *e = calloc(1, sizeof *e);
  if (e == NULL) {
    return NULL;
  }
  e->pool = sim_mem_alloc(initial_capacity * sizeof *e->pool, 0);
  if (e->pool == NULL || heap_resize(e, 16) < 0) {
    sim_engine_free(e);
    return NULL;
  }
  e->pool_cap = (uint32_t)initial_capacity;
  e->free_head = SIM_SLOT_NONE;
  pool_link_free(e, 0, e->pool_cap);
  e->fifo_head = e->fifo_tail = SIM_SLOT_NONE;
  e->bot_head = e->bot_tail = SIM_SLOT_NONE;
  for (uint32_t i = 0; i < SIM_CAL_BUCKETS; i++) {
    e->head[i] = SIM_SLOT_NONE;
  }
  e->shift = SIM_CAL_SHIFT_INIT;
  e->adapt_left = SIM_CAL_ADAPT_PERIOD;
  e->next_seq = 1;
  return e;
}

void sim_engine_free(sim_engine *e) {
  if (e == NULL) {
    return;
  }
  sim_mem_free(e->pool);
  free(e->ht_mem);
  free(e->hg_mem);
  free(e);
}

sim_time sim_engine_now(const sim_engine *e) {
  return e->now;
}

/* The body of both schedule calls, inlined into each. Its fast paths, an
 * event for now or for a later bucket of a non-empty calendar, keep every
 * call at the end, so they need no registers saved. */
static inline int engine_schedule(sim_engine *e, sim_time at, sim_handler fn, void *ctx,
                                  uint64_t arg, sim_event_id *id) {
  if (fn == NULL) {
    return SIM_EINVAL;
  }
  if (at < e->now) {
    return SIM_EPAST;
  }
  if (at == SIM_TIME_NEVER) {
    return SIM_EOVERFLOW; /* reserved: it means "no event" and is the sentinel */
  }
  uint32_t slot = e->free_head;
  uint64_t b = (uint64_t)at >> e->shift;
  bool now = at == e->now;
  if (slot == SIM_SLOT_NONE || (!now && (b - e->cur - 1 >= SIM_CAL_BUCKETS - 1 || e->top == 0))) {
    return schedule_slow(e, at, fn, ctx, arg, id);
  }
  sim_event_rec *r = &e->pool[slot];
  e->free_head = r->next;
  uint64_t seq = e->next_seq++;
  r->seq = seq;
  r->at = at;
  r->fn = fn;
  r->ctx = ctx;
  r->arg = arg;
  if (id != NULL) {
    id->seq = seq;
    id->slot = slot;
  }
  if (now) {
    fifo_push(e, slot);
    return 0;
  }
  bucket_push(e, slot, (uint32_t)b & SIM_CAL_MASK);
  if (--e->adapt_left == 0) {
    cal_adapt(e);
  }
  return 0;
}

int sim_engine_schedule_at(sim_engine *e, sim_time at, sim_handler fn, void *ctx, uint64_t arg,
                           sim_event_id *id) {
  return engine_schedule(e, at, fn, ctx, arg, id);
}

int sim_engine_schedule(sim_engine *e, sim_time delay, sim_handler fn, void *ctx, uint64_t arg,
                        sim_event_id *id) {
  if (delay < 0) {
    return SIM_EPAST;
  }
  sim_time at;
  if (__builtin_add_overflow(e->now, delay, &at)) {
    return SIM_EOVERFLOW;
  }
  return engine_schedule(e, at, fn, ctx, arg, id);
}

int sim_engine_cancel(sim_engine *e, sim_event_id id) {
  if (id.seq == 0 || id.slot >= e->pool_cap || e->pool[id.slot].seq != id.seq) {
    return SIM_ESTALE;
  }
  if (e->pool[id.slot].prev != SIM_IN_HEAP) {
    list_unlink(e, id.slot);
    pool_release(e, id.slot);
    return 0;
  }
  pool_release(e, id.slot);
  /* Rebuilding costs O(heap_len) and removes at least half of the entries,
   * so each cancel pays O(1) amortised. */
  e->heap_stale++;
  if (e->heap_stale > e->heap_len - e->heap_stale) {
    heap_purge(e);
  }
  return 0;
}

/* After a bottom record is popped, with a lookahead set: loads ahead (see
 * the file comment), hands the next two bottom records (requested by the
 * previous events) to the lookahead, and requests the one after them. */
__attribute__((noinline)) static void bottom_lookahead(sim_engine *e) {
  if ((e->bot_head == SIM_SLOT_NONE || e->pool[e->bot_head].next == SIM_SLOT_NONE) && e->top != 0) {
    cal_load(e);
  }
  if (e->bot_head == SIM_SLOT_NONE) {
    return;
  }
  const sim_event_rec *n1 = &e->pool[e->bot_head], *n2 = NULL;
  if (n1->next != SIM_SLOT_NONE) {
    n2 = &e->pool[n1->next];
    if (n2->next != SIM_SLOT_NONE) {
      __builtin_prefetch(&e->pool[n2->next]);
    }
  }
  bool two = n2 != NULL && n2->ctx == n1->ctx;
  e->lookahead(n1->ctx, n1->fn, n1->arg, two ? n2->fn : NULL, two ? n2->arg : 0);
}

/* Fires the event queue_next() found. */
static inline void fire(sim_engine *e, int src) {
  uint32_t slot;
  if (src == SRC_BOTTOM) {
    slot = list_pop(e, &e->bot_head, &e->bot_tail, SIM_LIST_BOTTOM);
    e->now = e->pool[slot].at;
    if (e->lookahead != NULL) {
      bottom_lookahead(e);
    } else if (e->bot_head != SIM_SLOT_NONE) {
      /* Request the record after the next, which may have left the cache
       * since its bucket was sorted (the next one was requested before). */
      const sim_event_rec *n1 = &e->pool[e->bot_head];
      if (n1->next != SIM_SLOT_NONE && e->pool[n1->next].next != SIM_SLOT_NONE) {
        __builtin_prefetch(&e->pool[e->pool[n1->next].next]);
      }
    }
  } else if (src == SRC_FIFO) {
    slot = list_pop(e, &e->fifo_head, &e->fifo_tail, SIM_LIST_FIFO);
  } else {
    /* The heap's root stays as a dead root while the handler runs. */
    slot = e->hg[0].slot;
    e->now = e->ht[0];
    e->root_dead = true;
    e->heap_stale++;
  }
  sim_event_rec *r = &e->pool[slot];
  sim_handler fn = r->fn;
  void *ctx = r->ctx;
  uint64_t arg = r->arg;
  /* Released before the call: an event that reschedules itself gets the
   * record it just left, which is still in cache. */
  pool_release(e, slot);
  e->fired++;
  fn(e, ctx, arg);
  if (e->root_dead) {
    e->heap_stale--;
    heap_pop(e);
  }
}

int sim_engine_step(sim_engine *e) {
  int src = queue_next(e);
  if (src == SRC_NONE) {
    return 0;
  }
  fire(e, src);
  return 1;
}

uint64_t sim_engine_run_until(sim_engine *e, sim_time until) {
  uint64_t n = 0;
  e->stop_requested = false;
  if (until < e->now) {
    return 0;
  }
  for (;;) {
    int src = queue_next(e);
    if (src == SRC_NONE || queue_time(e, src) > until) {
      break;
    }
    fire(e, src);
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

void sim_engine_set_lookahead(sim_engine *e, sim_lookahead fn) {
  e->lookahead = fn;
}

void sim_engine_stop(sim_engine *e) {
  e->stop_requested = true;
}

size_t sim_engine_pending(const sim_engine *e) {
  return e->listed + (e->heap_len - e->heap_stale);
}

uint64_t sim_engine_fired(const sim_engine *e) {
  return e->fired;
}

sim_time sim_engine_next_time(sim_engine *e) {
  return queue_time(e, queue_next(e));
}

void sim_engine_get_info(const sim_engine *e, sim_engine_info *out) {
  out->pool_capacity = e->pool_cap;
  out->heap_capacity = e->heap_cap;
  out->heap_entries = e->heap_len;
  out->listed_entries = e->listed;
  out->stale_entries = e->heap_stale;
  out->purges = e->purges;
  out->bucket_width_ns = (sim_time)1 << e->shift;
  out->width_changes = e->rebuilds;
}
