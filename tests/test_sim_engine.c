/* Tests for sim_engine (and sim_strerror): ordering, equal-time order,
 * cancellation, step / stop / run_until, scheduling from handlers, errors,
 * pool reuse, and a long randomised run checked against a reference model.
 * Expected values come from hand-worked tables or from the reference model,
 * never from the engine itself. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_engine.h"
#include "sim_error.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_EVENTS 64

/* ---- a handler that records what fired ------------------------------------ */

typedef struct recorder {
  size_t n;
  uint64_t args[4096];
  sim_time times[4096];
} recorder;

static void record(sim_engine *e, void *ctx, uint64_t arg) {
  recorder *r = ctx;
  assert_true(r->n < N_ELEMS(r->args));
  r->args[r->n] = arg;
  r->times[r->n] = sim_engine_now(e);
  r->n++;
}

static sim_engine *new_engine(size_t capacity) {
  sim_engine *e = sim_engine_new(capacity);
  assert_non_null(e);
  return e;
}

/* ---- ordering ----------------------------------------------------------------- */

typedef struct {
  const char *name;
  size_t n;
  sim_time at[16];
  uint64_t want[16]; /* args (= scheduling index) in firing order, by hand */
} order_case;

static const order_case order_cases[] = {
    {"single", 1, {7}, {0}},
    {"ascending", 4, {1, 2, 3, 4}, {0, 1, 2, 3}},
    {"descending", 4, {4, 3, 2, 1}, {3, 2, 1, 0}},
    {"all at zero fire in scheduling order", 5, {0, 0, 0, 0, 0}, {0, 1, 2, 3, 4}},
    {"ties interleaved", 5, {5, 3, 5, 3, 5}, {1, 3, 0, 2, 4}},
    {"ties across a wide heap",
     12,
     {9, 1, 9, 1, 5, 9, 5, 1, 0, 9, 5, 0},
     {8, 11, 1, 3, 7, 4, 6, 10, 0, 2, 5, 9}},
    {"far apart", 3, {SIM_TIME_MAX - 1, 0, SIM_S}, {1, 2, 0}},
    {"a permutation of 0..15",
     16,
     {15, 3, 8, 0, 12, 7, 1, 14, 9, 4, 11, 2, 13, 6, 10, 5},
     {3, 6, 11, 1, 9, 15, 13, 5, 2, 8, 14, 10, 4, 12, 7, 0}},
};

static void test_order(void **state) {
  (void)state;
  for (size_t k = 0; k < N_ELEMS(order_cases); k++) {
    const order_case *c = &order_cases[k];
    sim_engine *e = new_engine(2); /* tiny: growth happens on the way */
    recorder r = {0};
    for (size_t i = 0; i < c->n; i++) {
      assert_int_equal(sim_engine_schedule_at(e, c->at[i], record, &r, i, NULL), 0);
    }
    assert_int_equal(sim_engine_pending(e), c->n);
    uint64_t fired = sim_engine_run_until(e, SIM_TIME_NEVER);
    if (fired != c->n || r.n != c->n) {
      fail_msg("case '%s': fired %llu, want %zu", c->name, (unsigned long long)fired, c->n);
    }
    for (size_t i = 0; i < c->n; i++) {
      if (r.args[i] != c->want[i] || r.times[i] != c->at[c->want[i]]) {
        fail_msg("case '%s': position %zu fired arg %llu at %lld, want arg %llu at %lld", c->name,
                 i, (unsigned long long)r.args[i], (long long)r.times[i],
                 (unsigned long long)c->want[i], (long long)c->at[c->want[i]]);
      }
    }
    assert_int_equal(sim_engine_pending(e), 0);
    assert_int_equal(sim_engine_fired(e), c->n);
    sim_engine_free(e);
  }
}

/* An event scheduled by a handler for the current instant fires after the
 * events already pending for that instant (its sequence number is larger),
 * and before anything later. */
typedef struct {
  recorder rec;
  int spawned;
} spawn_ctx;

static void spawn_now(sim_engine *e, void *ctx, uint64_t arg) {
  spawn_ctx *s = ctx;
  record(e, &s->rec, arg);
  if (arg == 0 && !s->spawned) {
    s->spawned = 1;
    assert_int_equal(sim_engine_schedule(e, 0, spawn_now, s, 100, NULL), 0);
  }
}

static void test_equal_time_spawned_after_pending(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  spawn_ctx s = {0};
  assert_int_equal(sim_engine_schedule_at(e, 5, spawn_now, &s, 0, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 5, spawn_now, &s, 1, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 6, spawn_now, &s, 2, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 5, spawn_now, &s, 3, NULL), 0);
  sim_engine_run_until(e, SIM_TIME_NEVER);
  static const uint64_t want[] = {0, 1, 3, 100, 2};
  assert_int_equal(s.rec.n, N_ELEMS(want));
  for (size_t i = 0; i < N_ELEMS(want); i++) {
    assert_int_equal(s.rec.args[i], want[i]);
  }
  assert_int_equal(s.rec.times[3], 5);
  sim_engine_free(e);
}

/* One instant reached by events in every structure: H was scheduled a
 * second ahead (beyond the calendar's window: the heap), C from a handler a
 * millisecond before (the calendar), F1 and F2 at the instant itself (the
 * FIFO). They fire by sequence number whatever holds them: H, C, F1, F2.
 * Far events beyond any window (an hour, the last representable instant)
 * come after, in order. */
typedef struct {
  recorder rec;
  sim_time t;
} instant_ctx;

static void at_instant(sim_engine *e, void *ctx, uint64_t arg) {
  instant_ctx *c = ctx;
  record(e, &c->rec, arg);
  switch (arg) {
  case 1: /* X, 1 ms before the instant: C goes into the calendar */
    assert_int_equal(sim_engine_schedule_at(e, c->t, at_instant, c, 3, NULL), 0);
    break;
  case 2: /* H: F1 for now */
    assert_int_equal(sim_engine_schedule(e, 0, at_instant, c, 4, NULL), 0);
    break;
  case 3: /* C: F2 for now */
    assert_int_equal(sim_engine_schedule(e, 0, at_instant, c, 5, NULL), 0);
    break;
  default:
    break;
  }
}

static void test_same_instant_across_structures(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  instant_ctx c = {.t = SIM_S};
  assert_int_equal(sim_engine_schedule_at(e, SIM_TIME_MAX - 1, at_instant, &c, 7, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, c.t - SIM_MS, at_instant, &c, 1, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, c.t, at_instant, &c, 2, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 3600 * SIM_S, at_instant, &c, 6, NULL), 0);
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  assert_int_equal(info.heap_entries, 4); /* all beyond the window */
  sim_engine_run_until(e, SIM_TIME_NEVER);
  static const uint64_t want[] = {1, 2, 3, 4, 5, 6, 7};
  static const sim_time want_t[] = {SIM_S - SIM_MS, SIM_S,        SIM_S,           SIM_S,
                                    SIM_S,          3600 * SIM_S, SIM_TIME_MAX - 1};
  assert_int_equal(c.rec.n, N_ELEMS(want));
  for (size_t i = 0; i < N_ELEMS(want); i++) {
    if (c.rec.args[i] != want[i] || c.rec.times[i] != want_t[i]) {
      fail_msg("position %zu: event %llu at %lld, want %llu at %lld", i,
               (unsigned long long)c.rec.args[i], (long long)c.rec.times[i],
               (unsigned long long)want[i], (long long)want_t[i]);
    }
  }
  sim_engine_free(e);
}

/* A jump in time with nothing pending: the calendar's window follows the
 * clock, so near events after it go to the calendar, not the heap. And a
 * cancel in each place: FIFO, calendar, heap. */
static void test_window_follows_clock_and_cancel_everywhere(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  recorder r = {0};
  sim_engine_run_until(e, 1000 * SIM_S);
  sim_event_id near, now_id, far, keep;
  assert_int_equal(sim_engine_schedule(e, 50 * SIM_US, record, &r, 1, &near), 0);
  assert_int_equal(sim_engine_schedule(e, 0, record, &r, 2, &now_id), 0);
  assert_int_equal(sim_engine_schedule(e, 100 * SIM_S, record, &r, 3, &far), 0);
  assert_int_equal(sim_engine_schedule(e, 20 * SIM_US, record, &r, 4, &keep), 0);
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  assert_int_equal(info.listed_entries, 3); /* now, 20 us and 50 us */
  assert_int_equal(info.heap_entries, 1);   /* 100 s */
  assert_int_equal(sim_engine_cancel(e, near), 0);
  assert_int_equal(sim_engine_cancel(e, now_id), 0);
  assert_int_equal(sim_engine_cancel(e, far), 0);
  assert_int_equal(sim_engine_cancel(e, far), SIM_ESTALE);
  assert_int_equal(sim_engine_pending(e), 1);
  assert_int_equal(sim_engine_next_time(e), 1000 * SIM_S + 20 * SIM_US);
  assert_int_equal(sim_engine_run_until(e, SIM_TIME_NEVER), 1);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.args[0], 4);
  sim_engine_free(e);
}

/* ---- cancellation ------------------------------------------------------------- */

typedef struct {
  const char *name;
  size_t n;
  sim_time at[12];
  size_t n_cancel;
  size_t cancel[12]; /* indices to cancel, in this order */
  int cancel_rc[12]; /* expected return of each cancel */
  size_t n_want;
  uint64_t want[12]; /* args that still fire, in order */
} cancel_case;

static const cancel_case cancel_cases[] = {
    {"cancel the only event", 1, {3}, 1, {0}, {0}, 0, {0}},
    {"cancel the earliest", 3, {1, 2, 3}, 1, {0}, {0}, 2, {1, 2}},
    {"cancel the latest", 3, {1, 2, 3}, 1, {2}, {0}, 2, {0, 1}},
    {"cancel twice", 3, {1, 2, 3}, 2, {1, 1}, {0, SIM_ESTALE}, 2, {0, 2}},
    {"cancel one of equal times", 4, {5, 5, 5, 5}, 2, {1, 2}, {0, 0}, 2, {0, 3}},
    {"cancel all", 4, {4, 3, 2, 1}, 4, {0, 1, 2, 3}, {0, 0, 0, 0}, 0, {0}},
    {"cancel most (purge)",
     8,
     {8, 7, 6, 5, 4, 3, 2, 1},
     6,
     {0, 2, 3, 4, 5, 7},
     {0, 0, 0, 0, 0, 0},
     2,
     {6, 1}},
};

static void test_cancel(void **state) {
  (void)state;
  for (size_t k = 0; k < N_ELEMS(cancel_cases); k++) {
    const cancel_case *c = &cancel_cases[k];
    sim_engine *e = new_engine(0);
    recorder r = {0};
    sim_event_id ids[12];
    for (size_t i = 0; i < c->n; i++) {
      assert_int_equal(sim_engine_schedule_at(e, c->at[i], record, &r, i, &ids[i]), 0);
    }
    for (size_t i = 0; i < c->n_cancel; i++) {
      int rc = sim_engine_cancel(e, ids[c->cancel[i]]);
      if (rc != c->cancel_rc[i]) {
        fail_msg("case '%s': cancel #%zu returned %d, want %d", c->name, i, rc, c->cancel_rc[i]);
      }
    }
    assert_int_equal(sim_engine_pending(e), c->n_want);
    sim_engine_run_until(e, SIM_TIME_NEVER);
    if (r.n != c->n_want) {
      fail_msg("case '%s': %zu fired, want %zu", c->name, r.n, c->n_want);
    }
    for (size_t i = 0; i < c->n_want; i++) {
      if (r.args[i] != c->want[i]) {
        fail_msg("case '%s': position %zu fired %llu, want %llu", c->name, i,
                 (unsigned long long)r.args[i], (unsigned long long)c->want[i]);
      }
    }
    /* Every id is now stale: fired or cancelled. */
    for (size_t i = 0; i < c->n; i++) {
      assert_int_equal(sim_engine_cancel(e, ids[i]), SIM_ESTALE);
    }
    sim_engine_free(e);
  }
}

static void test_cancel_stale_ids(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  recorder r = {0};
  sim_event_id zero = {0, 0}, a, b;
  assert_int_equal(sim_engine_cancel(e, zero), SIM_ESTALE);
  sim_event_id far_slot = {1, 1000000};
  assert_int_equal(sim_engine_cancel(e, far_slot), SIM_ESTALE);

  assert_int_equal(sim_engine_schedule(e, 10, record, &r, 1, &a), 0);
  sim_event_id wrong_seq = {a.seq + 1, a.slot};
  assert_int_equal(sim_engine_cancel(e, wrong_seq), SIM_ESTALE);
  sim_event_id zero_seq = {0, a.slot};
  assert_int_equal(sim_engine_cancel(e, zero_seq), SIM_ESTALE);
  assert_int_equal(sim_engine_pending(e), 1);

  /* Fired ids are stale. */
  assert_int_equal(sim_engine_step(e), 1);
  assert_int_equal(sim_engine_cancel(e, a), SIM_ESTALE);

  /* A cancelled record is reused by the next event; the old id must not
   * cancel the new event. */
  assert_int_equal(sim_engine_schedule(e, 5, record, &r, 2, &a), 0);
  assert_int_equal(sim_engine_cancel(e, a), 0);
  assert_int_equal(sim_engine_schedule(e, 5, record, &r, 3, &b), 0);
  assert_int_equal(b.slot, a.slot); /* the free list is LIFO */
  assert_true(b.seq != a.seq);
  assert_int_equal(sim_engine_cancel(e, a), SIM_ESTALE);
  assert_int_equal(sim_engine_pending(e), 1);
  assert_int_equal(sim_engine_run_until(e, SIM_TIME_NEVER), 1);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.args[1], 3);
  sim_engine_free(e);
}

/* Cancel 90% of 1000 events: stale entries are purged (the engine stays
 * within 2 live + 1 entries) and the survivors still fire in (time, seq)
 * order. */
static void test_cancel_many_then_purge(void **state) {
  (void)state;
  enum { N = 1000 };
  sim_engine *e = new_engine(0);
  static recorder r;
  memset(&r, 0, sizeof r);
  static sim_event_id ids[N];
  static sim_time at[N];
  uint64_t x = 12345;
  for (size_t i = 0; i < N; i++) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    /* 0 .. 1023 ms: plenty of ties, most beyond the calendar, in the heap */
    at[i] = (sim_time)(x >> 54) * SIM_MS;
    assert_int_equal(sim_engine_schedule_at(e, at[i], record, &r, i, &ids[i]), 0);
  }
  size_t live = N;
  for (size_t i = 0; i < N; i++) {
    if (i % 10 != 0) {
      assert_int_equal(sim_engine_cancel(e, ids[i]), 0);
      live--;
      sim_engine_info info;
      sim_engine_get_info(e, &info);
      assert_int_equal(sim_engine_pending(e), live);
      size_t entries = info.heap_entries + info.listed_entries;
      /* Only the heap keeps tombstones, at most 1 + its live entries. */
      assert_true(entries <= 2 * live + 1);
      assert_int_equal(entries - info.stale_entries, live);
    }
  }
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  assert_true(info.purges >= 1);
  assert_int_equal(sim_engine_run_until(e, SIM_TIME_NEVER), N / 10);
  assert_int_equal(r.n, N / 10);
  for (size_t i = 0; i < r.n; i++) {
    assert_int_equal(r.args[i] % 10, 0);
    assert_int_equal(r.times[i], at[r.args[i]]);
    if (i > 0) {
      uint64_t p = r.args[i - 1], q = r.args[i];
      assert_true(at[p] < at[q] || (at[p] == at[q] && p < q));
    }
  }
  sim_engine_free(e);
}

/* ---- next_time, step, run_until, stop ------------------------------------------ */

static void test_next_time_and_step(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  recorder r = {0};
  assert_int_equal(sim_engine_next_time(e), SIM_TIME_NEVER);
  assert_int_equal(sim_engine_step(e), 0);
  assert_int_equal(sim_engine_now(e), 0);

  sim_event_id first;
  assert_int_equal(sim_engine_schedule_at(e, 30, record, &r, 0, &first), 0);
  assert_int_equal(sim_engine_schedule_at(e, 40, record, &r, 1, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 20, record, &r, 2, NULL), 0);
  assert_int_equal(sim_engine_next_time(e), 20);
  assert_int_equal(sim_engine_step(e), 1);
  assert_int_equal(sim_engine_now(e), 20);
  assert_int_equal(sim_engine_next_time(e), 30);
  /* Cancelling the earliest exposes the next live one. */
  assert_int_equal(sim_engine_cancel(e, first), 0);
  assert_int_equal(sim_engine_next_time(e), 40);
  assert_int_equal(sim_engine_step(e), 1);
  assert_int_equal(sim_engine_now(e), 40);
  assert_int_equal(sim_engine_step(e), 0);
  assert_int_equal(sim_engine_now(e), 40);
  assert_int_equal(sim_engine_fired(e), 2);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.args[0], 2);
  assert_int_equal(r.args[1], 1);
  sim_engine_free(e);
}

typedef struct {
  const char *name;
  size_t n;
  sim_time at[4];
  sim_time until;
  uint64_t want_fired;
  sim_time want_now;
  size_t want_pending;
} run_case;

static const run_case run_cases[] = {
    {"empty queue still advances the clock", 0, {0}, 7, 0, 7, 0},
    {"events up to and including until", 3, {5, 10, 15}, 10, 2, 10, 1},
    {"nothing due yet", 1, {5}, 4, 0, 4, 1},
    {"until zero fires time-zero events", 2, {0, 1}, 0, 1, 0, 1},
    {"NEVER drains and keeps the last event time", 3, {5, 10, 2}, SIM_TIME_NEVER, 3, 10, 0},
    {"NEVER on an empty queue keeps the clock", 0, {0}, SIM_TIME_NEVER, 0, 0, 0},
    {"until beyond every event", 2, {1, 2}, SIM_S, 2, SIM_S, 0},
};

static void test_run_until(void **state) {
  (void)state;
  for (size_t k = 0; k < N_ELEMS(run_cases); k++) {
    const run_case *c = &run_cases[k];
    sim_engine *e = new_engine(0);
    recorder r = {0};
    for (size_t i = 0; i < c->n; i++) {
      assert_int_equal(sim_engine_schedule_at(e, c->at[i], record, &r, i, NULL), 0);
    }
    uint64_t fired = sim_engine_run_until(e, c->until);
    if (fired != c->want_fired || sim_engine_now(e) != c->want_now ||
        sim_engine_pending(e) != c->want_pending) {
      fail_msg("case '%s': fired %llu now %lld pending %zu, want %llu %lld %zu", c->name,
               (unsigned long long)fired, (long long)sim_engine_now(e), sim_engine_pending(e),
               (unsigned long long)c->want_fired, (long long)c->want_now, c->want_pending);
    }
    sim_engine_free(e);
  }
}

/* The clock never runs backwards: run_until with a past time does nothing. */
static void test_run_until_past(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  recorder r = {0};
  sim_engine_run_until(e, 100);
  assert_int_equal(sim_engine_schedule_at(e, 150, record, &r, 0, NULL), 0);
  assert_int_equal(sim_engine_run_until(e, 50), 0);
  assert_int_equal(sim_engine_now(e), 100);
  assert_int_equal(sim_engine_pending(e), 1);
  sim_engine_free(e);
}

typedef struct {
  recorder rec;
  uint64_t stop_at_arg;
} stop_ctx;

static void stop_on_arg(sim_engine *e, void *ctx, uint64_t arg) {
  stop_ctx *s = ctx;
  record(e, &s->rec, arg);
  if (arg == s->stop_at_arg) {
    sim_engine_stop(e);
  }
}

static void test_stop_in_handler(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  stop_ctx s = {.stop_at_arg = 2};
  for (uint64_t i = 1; i <= 3; i++) {
    assert_int_equal(sim_engine_schedule_at(e, (sim_time)i, stop_on_arg, &s, i, NULL), 0);
  }
  /* Stopped after the event at t=2: the clock stays there, not at until. */
  assert_int_equal(sim_engine_run_until(e, 100), 2);
  assert_int_equal(sim_engine_now(e), 2);
  assert_int_equal(sim_engine_pending(e), 1);
  /* The stop request is spent; the next run continues to its end. */
  assert_int_equal(sim_engine_run_until(e, 100), 1);
  assert_int_equal(sim_engine_now(e), 100);
  assert_int_equal(s.rec.n, 3);
  sim_engine_free(e);
}

static void test_stop_outside_run_is_forgotten(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  recorder r = {0};
  for (uint64_t i = 1; i <= 3; i++) {
    assert_int_equal(sim_engine_schedule_at(e, (sim_time)i, record, &r, i, NULL), 0);
  }
  sim_engine_stop(e);
  assert_int_equal(sim_engine_run_until(e, 10), 3);
  assert_int_equal(sim_engine_now(e), 10);
  sim_engine_free(e);
}

/* ---- scheduling from handlers -------------------------------------------------- */

typedef struct {
  recorder rec;
  sim_time delay;
  int remaining;
} chain_ctx;

static void chain(sim_engine *e, void *ctx, uint64_t arg) {
  chain_ctx *c = ctx;
  record(e, &c->rec, arg);
  if (c->remaining-- > 0) {
    assert_int_equal(sim_engine_schedule(e, c->delay, chain, c, arg + 1, NULL), 0);
  }
}

typedef struct {
  const char *name;
  sim_time start, delay;
  int links;
} chain_case;

static const chain_case chain_cases[] = {
    {"unit steps", 0, 1, 10},
    {"zero delay stays at one instant", 7, 0, 5},
    {"second steps", SIM_S, SIM_S, 20},
    {"single event", 3, 9, 0},
};

static void test_chain_from_handler(void **state) {
  (void)state;
  for (size_t k = 0; k < N_ELEMS(chain_cases); k++) {
    const chain_case *c = &chain_cases[k];
    sim_engine *e = new_engine(0);
    chain_ctx ctx = {.delay = c->delay, .remaining = c->links};
    assert_int_equal(sim_engine_schedule_at(e, c->start, chain, &ctx, 0, NULL), 0);
    assert_int_equal(sim_engine_run_until(e, SIM_TIME_NEVER), (uint64_t)c->links + 1);
    for (size_t i = 0; i < ctx.rec.n; i++) {
      if (ctx.rec.args[i] != i || ctx.rec.times[i] != c->start + (sim_time)i * c->delay) {
        fail_msg("case '%s': link %zu arg %llu at %lld", c->name, i,
                 (unsigned long long)ctx.rec.args[i], (long long)ctx.rec.times[i]);
      }
    }
    sim_engine_free(e);
  }
}

/* Handlers that schedule several events, nothing, or query the engine: the
 * fired event must not count as pending inside its own handler, and the
 * order must hold whatever the handler does. */
typedef struct {
  recorder rec;
  size_t pending_seen[16];
  sim_time next_seen[16];
  sim_event_id victim;
  int victim_rc;
} mixed_ctx;

static void mixed(sim_engine *e, void *ctx, uint64_t arg) {
  mixed_ctx *m = ctx;
  size_t i = m->rec.n;
  record(e, &m->rec, arg);
  m->pending_seen[i] = sim_engine_pending(e);
  switch (arg) {
  case 1: /* fan out: two children, the first one earlier */
    assert_int_equal(sim_engine_schedule(e, 5, mixed, m, 10, NULL), 0);
    assert_int_equal(sim_engine_schedule(e, 1, mixed, m, 11, NULL), 0);
    break;
  case 2: /* asks for the next time first, then schedules */
    m->next_seen[i] = sim_engine_next_time(e);
    assert_int_equal(sim_engine_schedule(e, 0, mixed, m, 12, NULL), 0);
    break;
  case 3: /* cancels a pending event, then schedules */
    m->victim_rc = sim_engine_cancel(e, m->victim);
    assert_int_equal(sim_engine_schedule(e, 2, mixed, m, 13, NULL), 0);
    break;
  case 4: /* fires the next event itself (nested step), then schedules */
    assert_int_equal(sim_engine_step(e), 1);
    assert_int_equal(sim_engine_schedule(e, 0, mixed, m, 14, NULL), 0);
    break;
  default: /* schedules nothing */
    break;
  }
}

static void test_handlers_that_do_things(void **state) {
  (void)state;
  sim_engine *e = new_engine(1);
  mixed_ctx m = {0};
  /* t=10: 1 (fans out to 10@15, 11@11); t=20: 2 (12@20); t=30: 3 (cancels
   * 99, 13@32); t=40: 4 (steps 5@41 first, then 14@41); 99@35 cancelled. */
  assert_int_equal(sim_engine_schedule_at(e, 10, mixed, &m, 1, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 20, mixed, &m, 2, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 30, mixed, &m, 3, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 35, mixed, &m, 99, &m.victim), 0);
  assert_int_equal(sim_engine_schedule_at(e, 40, mixed, &m, 4, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 41, mixed, &m, 5, NULL), 0);
  sim_engine_run_until(e, SIM_TIME_NEVER);

  static const uint64_t want_args[] = {1, 11, 10, 2, 12, 3, 13, 4, 5, 14};
  static const sim_time want_times[] = {10, 11, 15, 20, 20, 30, 32, 40, 41, 41};
  /* Pending as seen inside each handler, excluding the event itself. */
  static const size_t want_pending[] = {5, 6, 5, 4, 4, 3, 2, 1, 0, 0};
  assert_int_equal(m.rec.n, N_ELEMS(want_args));
  for (size_t i = 0; i < N_ELEMS(want_args); i++) {
    if (m.rec.args[i] != want_args[i] || m.rec.times[i] != want_times[i] ||
        m.pending_seen[i] != want_pending[i]) {
      fail_msg("position %zu: arg %llu at %lld pending %zu", i, (unsigned long long)m.rec.args[i],
               (long long)m.rec.times[i], m.pending_seen[i]);
    }
  }
  assert_int_equal(m.next_seen[3], 30); /* event 2's own entry is not "next" */
  assert_int_equal(m.victim_rc, 0);
  sim_engine_free(e);
}

/* ---- errors --------------------------------------------------------------- */

typedef struct {
  const char *name;
  sim_time now; /* the clock is advanced here first */
  bool absolute;
  sim_time value; /* `at` when absolute, else `delay` */
  bool null_fn;
  int want;
} error_case;

static const error_case error_cases[] = {
    {"at now is fine", 50, true, 50, false, 0},
    {"delay zero is fine", 50, false, 0, false, 0},
    {"at one before now", 50, true, 49, false, SIM_EPAST},
    {"at time zero later on", 50, true, 0, false, SIM_EPAST},
    {"negative delay", 50, false, -1, false, SIM_EPAST},
    {"most negative delay", 50, false, INT64_MIN, false, SIM_EPAST},
    {"at NEVER is reserved", 0, true, SIM_TIME_NEVER, false, SIM_EOVERFLOW},
    {"delay reaching NEVER", 0, false, SIM_TIME_NEVER, false, SIM_EOVERFLOW},
    {"delay overflowing", 50, false, SIM_TIME_MAX - 10, false, SIM_EOVERFLOW},
    {"last representable instant", 50, false, SIM_TIME_MAX - 51, false, 0},
    {"null handler", 0, false, 1, true, SIM_EINVAL},
};

static void test_schedule_errors(void **state) {
  (void)state;
  for (size_t k = 0; k < N_ELEMS(error_cases); k++) {
    const error_case *c = &error_cases[k];
    sim_engine *e = new_engine(0);
    recorder r = {0};
    sim_engine_run_until(e, c->now);
    sim_event_id id = {77, 77};
    sim_handler fn = c->null_fn ? NULL : record;
    int rc = c->absolute ? sim_engine_schedule_at(e, c->value, fn, &r, 0, &id)
                         : sim_engine_schedule(e, c->value, fn, &r, 0, &id);
    if (rc != c->want) {
      fail_msg("case '%s': returned %d (%s), want %d (%s)", c->name, rc, sim_strerror(rc), c->want,
               sim_strerror(c->want));
    }
    if (c->want != 0) {
      /* Failure changes nothing: no event, id untouched. */
      assert_int_equal(sim_engine_pending(e), 0);
      assert_int_equal(id.seq, 77);
      assert_int_equal(id.slot, 77);
    } else {
      assert_int_equal(sim_engine_pending(e), 1);
      assert_true(id.seq != 0);
    }
    sim_engine_free(e);
  }
}

typedef struct {
  int code;
  const char *want;
} strerror_case;

static void test_strerror(void **state) {
  (void)state;
  static const strerror_case cases[] = {
#define SIM_TEST_ERROR_CASE(name, code, text) {code, text},
      SIM_ERROR_MAP(SIM_TEST_ERROR_CASE)
#undef SIM_TEST_ERROR_CASE
  };
  assert_true(N_ELEMS(cases) >= 8);
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    assert_string_equal(sim_strerror(cases[i].code), cases[i].want);
    for (size_t j = 0; j < i; j++) {
      assert_true(cases[i].code != cases[j].code);
      assert_string_not_equal(cases[i].want, cases[j].want);
    }
  }
  assert_string_equal(sim_strerror(SIM_EPAST), "event scheduled in the past");
  assert_string_equal(sim_strerror(SIM_ESTALE), "event handle no longer refers to a pending event");
  assert_string_equal(sim_strerror(1), "unknown error");
  assert_string_equal(sim_strerror(-1000), "unknown error");
  assert_string_equal(sim_strerror(INT32_MIN), "unknown error");
}

/* ---- the calendar under load ------------------------------------------------- */

/* The bitmap's groups: each mid word covers 4096 buckets. With the bottom
 * at bucket 5000 (group 1) and nothing else in group 1, the next bucket is
 * in group 2 (9000), then group 3 (13000), then the ring wraps to group 0
 * (bucket 16484, ring slot 100 of 16384). Bucket numbers are in the
 * initial width, which holds until the first review (8192 schedules). */
static void test_next_bucket_across_bitmap_groups(void **state) {
  (void)state;
  sim_engine *e = new_engine(0);
  recorder r = {0};
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  sim_time w = info.bucket_width_ns;
  assert_int_equal(sim_engine_schedule_at(e, 5000 * w, record, &r, 0, NULL), 0);
  sim_engine_run_until(e, 5000 * w - 1); /* loads bucket 5000, fires nothing */
  assert_int_equal(r.n, 0);
  assert_int_equal(sim_engine_schedule_at(e, 16484 * w, record, &r, 3, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 13000 * w, record, &r, 2, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 9000 * w, record, &r, 1, NULL), 0);
  sim_engine_get_info(e, &info);
  assert_int_equal(info.heap_entries, 0); /* all four in the calendar */
  sim_engine_run_until(e, SIM_TIME_NEVER);
  assert_int_equal(r.n, 4);
  for (uint64_t i = 0; i < 4; i++) {
    assert_int_equal(r.args[i], i);
  }
  sim_engine_free(e);
}

/* An order checker for long runs: arg is the scheduling index, so the
 * (time, seq) order means (time, arg) strictly increases from one fired
 * event to the next. */
typedef struct {
  uint64_t x; /* LCG state */
  uint64_t next_arg;
  uint64_t fired;
  uint64_t budget; /* successors still to schedule */
  sim_time last_t;
  uint64_t last_arg;
  int phase; /* 0: crowded, short delays; 1: sparse, long delays */
} wrap_ctx;

static uint64_t wrap_rand(wrap_ctx *c) {
  c->x = c->x * 6364136223846793005u + 1442695040888963407u;
  return c->x >> 20;
}

/* Crowded: 0-60 us on a 250 ns grid (many exact ties, some for now).
 * Sparse: 0-30 ms on a 1 us grid, 1 in 64 one to two seconds ahead. */
static sim_time wrap_delay(wrap_ctx *c) {
  uint64_t r = wrap_rand(c);
  if (c->phase == 0) {
    return (sim_time)(r % 241) * 250;
  }
  if (r % 64 == 0) {
    return SIM_S + (sim_time)(r >> 6) % SIM_S;
  }
  return (sim_time)((r >> 6) % 30000) * SIM_US;
}

static void wrap_fire(sim_engine *e, void *ctx, uint64_t arg) {
  wrap_ctx *c = ctx;
  sim_time t = sim_engine_now(e);
  if (c->fired > 0 && !(t > c->last_t || (t == c->last_t && arg > c->last_arg))) {
    fail_msg("event %llu at %lld fired after event %llu at %lld", (unsigned long long)arg,
             (long long)t, (unsigned long long)c->last_arg, (long long)c->last_t);
  }
  c->last_t = t;
  c->last_arg = arg;
  c->fired++;
  if (c->budget > 0) {
    c->budget--;
    assert_int_equal(sim_engine_schedule(e, wrap_delay(c), wrap_fire, c, c->next_arg++, NULL), 0);
  }
}

/* A hold loop that first crowds the buckets (the width must narrow while
 * they are full), then spreads its events over tens of milliseconds and
 * seconds (the width must widen, and the clock passes the ring's end many
 * times), with ties throughout. Every event fires in (time, seq) order. */
static void test_order_across_width_changes_and_wraps(void **state) {
  (void)state;
  enum { PENDING = 20000, EVENTS = 1500000 };
  sim_engine *e = new_engine(0);
  wrap_ctx c = {.x = 99, .budget = EVENTS};
  for (int i = 0; i < PENDING; i++) {
    assert_int_equal(sim_engine_schedule(e, wrap_delay(&c), wrap_fire, &c, c.next_arg++, NULL), 0);
  }
  sim_engine_info start;
  sim_engine_get_info(e, &start);
  assert_int_equal(sim_engine_run_until(e, 2 * SIM_MS) > 0, 1);
  sim_engine_info crowded;
  sim_engine_get_info(e, &crowded);
  c.phase = 1;
  sim_engine_run_until(e, SIM_TIME_NEVER);
  sim_engine_info sparse;
  sim_engine_get_info(e, &sparse);
  assert_int_equal(c.fired, PENDING + EVENTS);
  assert_int_equal(sim_engine_pending(e), 0);
  /* Narrower while crowded (20,000 events in 60 us), wider afterwards. */
  if (!(crowded.bucket_width_ns < start.bucket_width_ns &&
        sparse.bucket_width_ns > crowded.bucket_width_ns)) {
    fail_msg("bucket width %lld ns at the start, %lld crowded, %lld sparse",
             (long long)start.bucket_width_ns, (long long)crowded.bucket_width_ns,
             (long long)sparse.bucket_width_ns);
  }
  /* The clock crossed more than twice as many buckets of the final width as
   * the largest ring the engine allows (2^18; it has 2^14): the ring
   * wrapped, at that width alone, dozens of times. */
  assert_true(sim_engine_now(e) / sparse.bucket_width_ns > 2 * (1 << 18));
  sim_engine_free(e);
}

/* One bucket brings n records, all within one initial bucket width, with
 * runs of exact ties: below, at and above the size sorted in a local array
 * (64 records), and the same with a cancel in the middle. */
static void test_crowded_bucket_order(void **state) {
  (void)state;
  static const size_t sizes[] = {2, 5, 63, 64, 65, 200, 1000};
  for (size_t k = 0; k < N_ELEMS(sizes); k++) {
    for (int cancel = 0; cancel < 2; cancel++) {
      size_t n = sizes[k];
      sim_engine *e = new_engine(0);
      recorder *r = calloc(1, sizeof *r);
      assert_non_null(r);
      sim_engine_run_until(e, SIM_MS); /* the bucket is not the one being fired */
      sim_time base = 2 * SIM_MS;
      sim_event_id mid = {0};
      for (size_t i = 0; i < n; i++) {
        /* Times (i * 7) mod 5: five instants, each a run of ties, scheduled
         * out of order. */
        sim_event_id id;
        assert_int_equal(
            sim_engine_schedule_at(e, base + (sim_time)((i * 7) % 5), record, r, i, &id), 0);
        if (i == n / 2) {
          mid = id;
        }
      }
      if (cancel) {
        assert_int_equal(sim_engine_cancel(e, mid), 0);
      }
      sim_engine_run_until(e, SIM_TIME_NEVER);
      assert_int_equal(r->n, n - (size_t)cancel);
      /* Expected, by hand: instant 0 first, then 1 .. 4; within an instant
       * ascending i. */
      size_t pos = 0;
      for (sim_time t = 0; t < 5; t++) {
        for (size_t i = 0; i < n; i++) {
          if ((sim_time)((i * 7) % 5) != t || (cancel && i == n / 2)) {
            continue;
          }
          if (r->args[pos] != i || r->times[pos] != base + t) {
            fail_msg("%zu records%s, position %zu: event %llu at %lld, want %zu at %lld", n,
                     cancel ? " (one cancelled)" : "", pos, (unsigned long long)r->args[pos],
                     (long long)r->times[pos], i, (long long)(base + t));
          }
          pos++;
        }
      }
      free(r);
      sim_engine_free(e);
    }
  }
}

/* A bucket of two or three records, each order of their times, ties
 * included: the two-record load orders them with one comparison, three go
 * through the sort. Times are ns into one bucket that is not the one being
 * fired; the wanted order is (time, scheduling order), by hand. */
static void test_small_bucket_order(void **state) {
  (void)state;
  static const order_case cases[] = {
      {"two, later first", 2, {3, 1}, {1, 0}},
      {"two, earlier first", 2, {1, 3}, {0, 1}},
      {"two, tied", 2, {2, 2}, {0, 1}},
      {"three, tied", 3, {2, 2, 2}, {0, 1, 2}},
      {"three, last earliest", 3, {2, 2, 1}, {2, 0, 1}},
      {"three, first latest", 3, {3, 1, 1}, {1, 2, 0}},
  };
  for (size_t k = 0; k < N_ELEMS(cases); k++) {
    const order_case *c = &cases[k];
    sim_engine *e = new_engine(0);
    recorder *r = calloc(1, sizeof *r);
    assert_non_null(r);
    sim_engine_run_until(e, SIM_MS);
    sim_time base = 2 * SIM_MS;
    for (size_t i = 0; i < c->n; i++)
      assert_int_equal(sim_engine_schedule_at(e, base + c->at[i], record, r, i, NULL), 0);
    sim_engine_run_until(e, SIM_TIME_NEVER);
    assert_int_equal(r->n, c->n);
    for (size_t i = 0; i < c->n; i++)
      if (r->args[i] != c->want[i] || r->times[i] != base + c->at[c->want[i]])
        fail_msg("%s, position %zu: event %llu at %lld, want %llu", c->name, i,
                 (unsigned long long)r->args[i], (long long)r->times[i],
                 (unsigned long long)c->want[i]);
    free(r);
    sim_engine_free(e);
  }
}

/* Every subset of six events in one calendar bucket is cancelled (its
 * first, last, middle records, all of them), an event is scheduled into the
 * bucket after the cancels, and what is left must fire in time order and
 * leave nothing pending: an unlink anywhere in a bucket keeps the rest of
 * it, and the bucket stays in the calendar while it holds a record. */
static void test_cancel_every_subset_of_a_bucket(void **state) {
  (void)state;
  enum { N = 6 };
  for (unsigned mask = 0; mask < (1u << N); mask++) {
    sim_engine *e = new_engine(0);
    recorder *r = calloc(1, sizeof *r);
    assert_non_null(r);
    sim_engine_run_until(e, SIM_MS); /* the bucket is not the one being fired */
    sim_time base = 2 * SIM_MS;
    sim_event_id id[N];
    /* Times descending, so the firing order differs from the scheduling
     * order: event i at base + N - i. */
    for (unsigned i = 0; i < N; i++) {
      assert_int_equal(sim_engine_schedule_at(e, base + N - i, record, r, i, &id[i]), 0);
    }
    for (unsigned i = 0; i < N; i++) {
      if (mask >> i & 1u) {
        assert_int_equal(sim_engine_cancel(e, id[i]), 0);
      }
    }
    /* One more after the cancels, at base: the earliest of all. */
    assert_int_equal(sim_engine_schedule_at(e, base, record, r, N, NULL), 0);
    size_t left = (size_t)N + 1 - (size_t)__builtin_popcount(mask);
    assert_int_equal(sim_engine_pending(e), left);
    sim_engine_run_until(e, SIM_TIME_NEVER);
    if (r->n != left) {
      fail_msg("cancel mask %#x: %zu fired, want %zu", mask, r->n, left);
    }
    assert_int_equal(r->args[0], N);
    size_t pos = 1;
    for (unsigned i = N; i-- > 0;) { /* latest scheduled = earliest time */
      if (mask >> i & 1u) {
        continue;
      }
      if (r->args[pos] != i || r->times[pos] != base + N - i) {
        fail_msg("cancel mask %#x, position %zu: event %llu at %lld, want %u at %lld", mask, pos,
                 (unsigned long long)r->args[pos], (long long)r->times[pos], i,
                 (long long)(base + N - i));
      }
      pos++;
    }
    assert_int_equal(sim_engine_pending(e), 0);
    free(r);
    sim_engine_free(e);
  }
}

/* ---- pool reuse ----------------------------------------------------------- */

typedef struct {
  uint64_t x; /* LCG state */
  size_t live, peak;
  uint64_t budget; /* events still to schedule */
} churn_ctx;

static uint64_t churn_next(churn_ctx *c) {
  c->x = c->x * 6364136223846793005u + 1442695040888963407u;
  return c->x >> 33;
}

/* Each event schedules 0, 1 or 2 successors, so the number pending
 * wanders; the cap keeps it bounded. */
static void churn(sim_engine *e, void *ctx, uint64_t arg) {
  (void)arg;
  churn_ctx *c = ctx;
  c->live--;
  uint64_t r = churn_next(c);
  int children = c->live < 20 ? 2 : c->live > 500 ? 0 : (int)(r % 3);
  for (int i = 0; i < children && c->budget > 0; i++, c->budget--) {
    assert_int_equal(sim_engine_schedule(e, (sim_time)(churn_next(c) % 1000), churn, c, 0, NULL),
                     0);
    if (++c->live > c->peak) {
      c->peak = c->live;
    }
  }
}

static void test_pool_reuse(void **state) {
  (void)state;
  enum { EVENTS = 1000000 };
  sim_engine *e = new_engine(16);
  churn_ctx c = {.x = 42, .budget = EVENTS};
  for (int i = 0; i < 100; i++, c.budget--) {
    assert_int_equal(sim_engine_schedule(e, i, churn, &c, 0, NULL), 0);
    c.live++;
  }
  c.peak = c.live;
  /* Warm up until the pool has reached the peak, then it must not move. */
  sim_engine_run_until(e, 100000);
  sim_engine_info before;
  sim_engine_get_info(e, &before);
  size_t peak_before = c.peak;
  sim_engine_run_until(e, SIM_TIME_NEVER);
  sim_engine_info after;
  sim_engine_get_info(e, &after);
  assert_int_equal(sim_engine_fired(e), EVENTS);
  assert_int_equal(c.live, 0);
  /* The pool doubles from 16 only when it is full: it ends at the smallest
   * 16 * 2^k that holds the peak, never more. */
  size_t want_cap = 16;
  while (want_cap < c.peak) {
    want_cap *= 2;
  }
  assert_true(c.peak > 200); /* the walk did wander */
  assert_int_equal(after.pool_capacity, want_cap);
  assert_true(after.heap_capacity <= want_cap);
  if (c.peak == peak_before) {
    assert_int_equal(after.pool_capacity, before.pool_capacity);
    assert_int_equal(after.heap_capacity, before.heap_capacity);
  }
  sim_engine_free(e);
}

/* The hold pattern with exactly `capacity` pending events fits the initial
 * allocation: firing an event and scheduling its successor needs no spare
 * record, and leaves no entry behind. */
static void hold_fire(sim_engine *e, void *ctx, uint64_t arg) {
  uint64_t *x = ctx;
  *x = *x * 6364136223846793005u + 1442695040888963407u;
  assert_int_equal(sim_engine_schedule(e, (sim_time)(*x >> 54), hold_fire, ctx, arg, NULL), 0);
}

static void test_hold_fits_exactly(void **state) {
  (void)state;
  enum { CAP = 64 };
  sim_engine *e = new_engine(CAP);
  uint64_t x = 7;
  for (int i = 0; i < CAP; i++) {
    assert_int_equal(sim_engine_schedule(e, i, hold_fire, &x, 0, NULL), 0);
  }
  for (int i = 0; i < 100000; i++) {
    assert_int_equal(sim_engine_step(e), 1);
  }
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  assert_int_equal(sim_engine_pending(e), CAP);
  assert_int_equal(info.pool_capacity, CAP);
  assert_int_equal(info.heap_entries + info.listed_entries, CAP);
  assert_int_equal(info.stale_entries, 0);
  sim_engine_free(e);
}

/* Schedule-and-cancel churn never lets tombstones accumulate. */
static void test_cancel_churn_bounded(void **state) {
  (void)state;
  sim_engine *e = new_engine(16);
  recorder r = {0};
  for (int i = 0; i < 10; i++) {
    assert_int_equal(sim_engine_schedule_at(e, 1000000 + i, record, &r, 0, NULL), 0);
  }
  sim_event_id id;
  for (int i = 0; i < 1000000; i++) {
    assert_int_equal(sim_engine_schedule_at(e, i % 5000, record, &r, 0, &id), 0);
    assert_int_equal(sim_engine_cancel(e, id), 0);
  }
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  assert_int_equal(sim_engine_pending(e), 10);
  assert_true(info.heap_entries + info.listed_entries <= 2 * 10 + 1);
  assert_true(info.pool_capacity <= 16);
  assert_true(info.heap_capacity <= 32);
  sim_engine_free(e);
}

/* ---- randomised run against a reference model ------------------------------ */

enum { REF_PENDING, REF_FIRED, REF_CANCELLED };

typedef struct {
  sim_time at;
  int state;
  sim_event_id id;
} ref_event;

/* Index of an event is its arg and its scheduling order: seq order equals
 * index order, so the reference breaks ties by index. */
/* Delay mixes: which structures of the engine a run exercises. */
enum {
  MIX_SHORT, /* 0 .. 15 ns, now and then up to 100 us: FIFO, bottom, calendar */
  MIX_MODEL, /* 1/8 now, else log-uniform 10 us .. 10 ms, 1/64 up to 100 s */
  MIX_FAR,   /* up to 1000 s: the heap first, until the width adapts */
  MIX_SHIFT, /* far for the first half of the run, then short: the width comes back */
};

typedef struct {
  sim_engine *e;
  int mix;
  int op, ops; /* operation count, for MIX_SHIFT */
  uint64_t x;
  ref_event *ev;
  size_t n, cap;
  size_t *pending; /* indices of pending events, unordered */
  size_t n_pending;
  size_t fired;
} world;

static uint64_t world_rand(world *w) {
  w->x ^= w->x << 13;
  w->x ^= w->x >> 7;
  w->x ^= w->x << 17;
  return w->x;
}

static void world_fire(sim_engine *e, void *ctx, uint64_t arg);

/* A delay drawn from the world's mix; r is a fresh random word. */
static sim_time world_delay(const world *w, uint64_t r) {
  int mix = w->mix == MIX_SHIFT ? (w->op < w->ops / 2 ? MIX_FAR : MIX_SHORT) : w->mix;
  switch (mix) {
  case MIX_SHORT:
    return (r >> 8) % 16 == 0 ? (sim_time)((r >> 12) % 100000) : (sim_time)((r >> 8) % 16);
  case MIX_MODEL: {
    if ((r >> 8) % 8 == 0) {
      return 0;
    }
    if ((r >> 11) % 64 == 0) {
      return (sim_time)((r >> 17) % (100 * SIM_S));
    }
    /* 10 us * 1000^u, u uniform in [0, 1): 2^-20 steps of u */
    double u = (double)((r >> 17) & 0xfffff) / 1048576.0;
    return (sim_time)(10e3 * pow(1000.0, u));
  }
  default:
    return (sim_time)((r >> 8) % (1000 * SIM_S));
  }
}

static void world_schedule(world *w, sim_time delay) {
  assert_true(w->n < w->cap);
  ref_event *r = &w->ev[w->n];
  r->at = sim_engine_now(w->e) + delay;
  r->state = REF_PENDING;
  assert_int_equal(sim_engine_schedule(w->e, delay, world_fire, w, w->n, &r->id), 0);
  w->pending[w->n_pending++] = w->n;
  w->n++;
}

static size_t world_min(const world *w, size_t *pos) {
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < w->n_pending; i++) {
    size_t k = w->pending[i];
    if (best == SIZE_MAX || w->ev[k].at < w->ev[best].at ||
        (w->ev[k].at == w->ev[best].at && k < best)) {
      best = k;
      *pos = i;
    }
  }
  return best;
}

static void world_cancel_random(world *w) {
  if (w->n == 0) {
    return;
  }
  /* Half the time a pending event, otherwise any event ever scheduled
   * (mostly fired or cancelled ones, which must be refused). */
  uint64_t r = world_rand(w);
  size_t k = (r & 1) && w->n_pending > 0 ? w->pending[(r >> 1) % w->n_pending] : (r >> 1) % w->n;
  int want = w->ev[k].state == REF_PENDING ? 0 : SIM_ESTALE;
  assert_int_equal(sim_engine_cancel(w->e, w->ev[k].id), want);
  if (want == 0) {
    w->ev[k].state = REF_CANCELLED;
    for (size_t i = 0; i < w->n_pending; i++) {
      if (w->pending[i] == k) {
        w->pending[i] = w->pending[--w->n_pending];
        break;
      }
    }
  }
}

static void world_fire(sim_engine *e, void *ctx, uint64_t arg) {
  world *w = ctx;
  size_t pos = 0;
  size_t k = world_min(w, &pos);
  if (k != arg) {
    fail_msg("fired event %llu at %lld, reference expects %zu at %lld", (unsigned long long)arg,
             (long long)sim_engine_now(e), k, k == SIZE_MAX ? -1LL : (long long)w->ev[k].at);
  }
  assert_int_equal(sim_engine_now(e), w->ev[k].at);
  w->ev[k].state = REF_FIRED;
  w->pending[pos] = w->pending[--w->n_pending];
  w->fired++;
  assert_int_equal(sim_engine_pending(e), w->n_pending);
  /* Some handlers schedule (often at the same instant), some cancel. */
  uint64_t r = world_rand(w);
  if (r % 3 == 0 && w->n + 2 < w->cap) {
    world_schedule(w, w->mix == MIX_SHORT ? (sim_time)(r >> 8) % 4 : world_delay(w, r >> 2));
  }
  if (r % 7 == 0) {
    world_cancel_random(w);
  }
}

static void world_check(world *w) {
  assert_int_equal(sim_engine_pending(w->e), w->n_pending);
  size_t pos;
  size_t k = world_min(w, &pos);
  assert_int_equal(sim_engine_next_time(w->e), k == SIZE_MAX ? SIM_TIME_NEVER : w->ev[k].at);
}

typedef struct {
  const char *name;
  int mix;
  uint64_t seed;
  int want_purge;        /* the heap held tombstones enough to be rebuilt (-1: either) */
  int want_width_change; /* the calendar's bucket width adapted (-1: either) */
} random_case;

static const random_case random_cases[] = {
    {"short delays, ties", MIX_SHORT, 0x9e3779b97f4a7c15u, 0, 1},
    {"the model's mix", MIX_MODEL, 0x2545f4914f6cdd1du, 1, -1},
    {"far delays", MIX_FAR, 0xd1b54a32d192ed03u, 1, 1},
    {"far, then short", MIX_SHIFT, 0x8cb92ba72f3d8dd7u, 1, 1},
};

/* Random schedules, cancels, steps and runs, each checked against a
 * reference that knows only the (time, seq) order. */
static void test_random_against_reference(void **state) {
  (void)state;
  enum { OPS = 60000 };
  for (size_t k = 0; k < N_ELEMS(random_cases); k++) {
    const random_case *c = &random_cases[k];
    world w = {.x = c->seed, .cap = 4 * OPS, .mix = c->mix, .ops = OPS};
    w.e = new_engine(4);
    w.ev = calloc(w.cap, sizeof *w.ev);
    w.pending = calloc(w.cap, sizeof *w.pending);
    assert_non_null(w.ev);
    assert_non_null(w.pending);
    sim_time span = c->mix == MIX_SHORT ? 12 : c->mix == MIX_MODEL ? 5 * SIM_MS : 10 * SIM_S;
    for (w.op = 0; w.op < OPS; w.op++) {
      uint64_t r = world_rand(&w);
      switch (r % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        world_schedule(&w, world_delay(&w, r));
        break;
      case 4:
      case 5:
        world_cancel_random(&w);
        break;
      case 6:
      case 7:
      case 8: {
        size_t fired_before = w.fired;
        int want = w.n_pending > 0;
        assert_int_equal(sim_engine_step(w.e), want);
        assert_int_equal(w.fired - fired_before, (size_t)want);
        break;
      }
      default: {
        sim_time until = sim_engine_now(w.e) + (sim_time)((r >> 8) % (uint64_t)span);
        sim_engine_run_until(w.e, until);
        assert_int_equal(sim_engine_now(w.e), until);
        size_t pos;
        size_t m = world_min(&w, &pos);
        assert_true(m == SIZE_MAX || w.ev[m].at > until);
        break;
      }
      }
      world_check(&w);
    }
    sim_engine_run_until(w.e, SIM_TIME_NEVER);
    assert_int_equal(w.n_pending, 0);
    assert_int_equal(sim_engine_fired(w.e), w.fired);
    sim_engine_info info;
    sim_engine_get_info(w.e, &info);
    if ((c->want_purge >= 0 && (info.purges > 0) != c->want_purge) ||
        (c->want_width_change >= 0 && (info.width_changes > 0) != c->want_width_change)) {
      fail_msg("case '%s': %llu purges, %llu width changes (bucket width now %lld ns)", c->name,
               (unsigned long long)info.purges, (unsigned long long)info.width_changes,
               (long long)info.bucket_width_ns);
    }
    sim_engine_free(w.e);
    free(w.ev);
    free(w.pending);
  }
}

/* ---- width stability ------------------------------------------------------------ */

typedef struct {
  uint64_t x;
} steady;

static sim_time steady_delay(steady *st) {
  st->x = st->x * 6364136223846793005ull + 1442695040888963407ull;
  uint64_t r = st->x >> 20;
  if (r % 100 < 87) {
    return (sim_time)((r >> 7) % 16000000); /* 0-16 ms */
  }
  return 17000000 + (sim_time)((r >> 7) % 13000000); /* 17-30 ms */
}

static void steady_hold(sim_engine *e, void *ctx, uint64_t arg) {
  assert_int_equal(sim_engine_schedule(e, steady_delay(ctx), steady_hold, ctx, arg, NULL), 0);
}

/* On a steady load the bucket width settles: a change must not trigger its
 * reverse at the next review (each change re-buckets the whole calendar).
 * 35,000 pending events with a mesh model's delays; after 200 ms to settle,
 * 200 ms more (about 60 reviews) may change the width at most twice. */
static void test_width_settles_on_steady_load(void **state) {
  (void)state;
  steady st = {7};
  sim_engine *e = new_engine(0);
  for (uint64_t i = 0; i < 35000; i++) {
    assert_int_equal(sim_engine_schedule(e, steady_delay(&st), steady_hold, &st, i, NULL), 0);
  }
  sim_engine_info a, b;
  sim_engine_run_until(e, 200 * 1000000LL);
  sim_engine_get_info(e, &a);
  sim_engine_run_until(e, 400 * 1000000LL);
  sim_engine_get_info(e, &b);
  assert_true(b.width_changes - a.width_changes <= 2);
  sim_engine_free(e);
}

/* ---- lookahead ------------------------------------------------------------------ */

typedef struct {
  recorder r; /* first: the record handler takes the context as a recorder */
  size_t n;
  size_t at[4096]; /* events fired before the hint, i.e. the current event's index */
  uint64_t arg1[4096], arg2[4096];
  int two[4096];
} hints;

/* Notes a hint given before event h->r.n fires. */
static void hints_add(hints *h, uint64_t arg1, sim_handler fn2, uint64_t arg2) {
  assert_true(h->n < N_ELEMS(h->at));
  h->at[h->n] = h->r.n;
  h->arg1[h->n] = arg1;
  h->two[h->n] = fn2 != NULL;
  h->arg2[h->n] = arg2;
  h->n++;
}

static void note_hint(void *ctx, sim_handler fn1, uint64_t arg1, sim_handler fn2, uint64_t arg2) {
  assert_ptr_equal(fn1, record);
  if (fn2 != NULL) {
    assert_ptr_equal(fn2, record);
  }
  hints_add(ctx, arg1, fn2, arg2);
}

/* The hint names the events that fire next, in order, and changes nothing. */
static void test_lookahead_names_the_next_events(void **state) {
  (void)state;
  hints *h = calloc(1, sizeof *h);
  assert_non_null(h);
  sim_engine *e = new_engine(16);
  sim_engine_set_lookahead(e, note_hint);
  /* Crowded buckets with ties, spread over many buckets, some for now. */
  uint64_t x = 12345;
  for (uint64_t i = 0; i < 2000; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    sim_time at = (sim_time)((x >> 33) % 50000);
    assert_int_equal(sim_engine_schedule_at(e, at, record, h, i, NULL), 0);
  }
  sim_engine_run_until(e, SIM_TIME_NEVER);
  assert_int_equal(h->r.n, 2000);
  assert_true(h->n > 1000); /* most events are fired from a sorted bucket */
  size_t twos = 0;
  for (size_t k = 0; k < h->n; k++) {
    size_t i = h->at[k];
    assert_true(i + 1 < h->r.n);
    assert_int_equal(h->arg1[k], h->r.args[i + 1]);
    if (h->two[k]) {
      assert_true(i + 2 < h->r.n);
      assert_int_equal(h->arg2[k], h->r.args[i + 2]);
      twos++;
    }
  }
  assert_true(twos > 0);
  for (size_t i = 1; i < h->r.n; i++) {
    assert_true(h->r.times[i - 1] < h->r.times[i] ||
                (h->r.times[i - 1] == h->r.times[i] && h->r.args[i - 1] < h->r.args[i]));
  }
  sim_engine_free(e);
  free(h);
}

/* Loading ahead: the next bucket joins the bottom while the last record of
 * the one before still waits, so the hint names events across buckets.
 * One event per bucket (10 us apart at the initial 4 us width) gave no
 * hint at all before. Events scheduled afterwards into the bucket being
 * fired, and a crowded bucket (merge sorted) loaded behind a waiting
 * record, keep the (time, seq) order. Right after a bucket joins behind a
 * waiting record (a small one, insertion sorted, behind 100's; the crowded
 * one behind 199's), the handler cancels the first record past the join
 * and schedules an event between the two buckets: the sorted insert walks
 * back across the join, the unlink rewrites the waiting record's link. */
typedef struct {
  hints h; /* first: note_hint and record take the context as hints / recorder */
  sim_event_id crowded_id, id101, id200;
} ahead_ctx;

static void ahead_record(sim_engine *e, void *ctx, uint64_t arg) {
  ahead_ctx *a = ctx;
  record(e, &a->h.r, arg);
  if (arg == 5) { /* into the bucket being fired, after the next one joined */
    assert_int_equal(sim_engine_schedule(e, 1, record, a, 1000, NULL), 0);
    assert_int_equal(sim_engine_schedule(e, 0, record, a, 1001, NULL), 0);
  }
  if (arg == 150) { /* the crowded bucket is not loaded yet: cancel one of it */
    assert_int_equal(sim_engine_cancel(e, a->crowded_id), 0);
  }
  if (arg == 100 || arg == 199) { /* the next bucket has joined behind 901 / 900 */
    assert_int_equal(sim_engine_cancel(e, arg == 100 ? a->id101 : a->id200), 0);
    assert_int_equal(sim_engine_schedule(e, 5 * SIM_US, record, a, arg == 100 ? 1004 : 1002, NULL),
                     0);
  }
}

static void ahead_hint(void *ctx, sim_handler fn1, uint64_t arg1, sim_handler fn2, uint64_t arg2) {
  assert_true(fn1 == record || fn1 == ahead_record);
  hints_add(ctx, arg1, fn2, arg2);
}

static void test_load_ahead_across_buckets(void **state) {
  (void)state;
  ahead_ctx *a = calloc(1, sizeof *a);
  assert_non_null(a);
  sim_engine *e = new_engine(16);
  sim_engine_set_lookahead(e, ahead_hint);
  for (uint64_t i = 1; i <= 300; i++) {
    sim_handler fn = i == 5 || i == 150 || i == 100 || i == 199 ? ahead_record : record;
    sim_event_id id;
    assert_int_equal(sim_engine_schedule_at(e, (sim_time)i * 10 * SIM_US, fn, a, i, &id), 0);
    if (i == 101)
      a->id101 = id;
    if (i == 200)
      a->id200 = id;
  }
  /* Second records in the buckets of 199 (900), 100 (901) and 101 (902). */
  assert_int_equal(sim_engine_schedule_at(e, 1990 * SIM_US + 100, record, a, 900, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 1000 * SIM_US + 100, record, a, 901, NULL), 0);
  assert_int_equal(sim_engine_schedule_at(e, 1010 * SIM_US + 50, record, a, 902, NULL), 0);
  /* 100 records in one bucket right after event 200's: more than the
   * gathered sort takes, out of order, with ties. */
  for (uint64_t i = 0; i < 100; i++) {
    sim_event_id id;
    sim_time at = 2000 * SIM_US + 1 + (sim_time)((i * 7) % 5);
    assert_int_equal(sim_engine_schedule_at(e, at, record, a, 500 + i, &id), 0);
    if (i == 50) {
      a->crowded_id = id;
    }
  }
  sim_engine_run_until(e, SIM_TIME_NEVER);
  recorder *r = &a->h.r;
  assert_int_equal(r->n, 300 + 99 + 2 + 3 + 2 - 2);
  for (size_t i = 1; i < r->n; i++) {
    if (!(r->times[i - 1] < r->times[i] ||
          (r->times[i - 1] == r->times[i] && r->args[i - 1] < r->args[i])))
      fail_msg("position %zu: event %llu at %lld after %llu at %lld", i,
               (unsigned long long)r->args[i], (long long)r->times[i],
               (unsigned long long)r->args[i - 1], (long long)r->times[i - 1]);
    assert_int_not_equal(r->args[i], 550); /* cancelled */
    assert_int_not_equal(r->args[i], 101);
    assert_int_not_equal(r->args[i], 200);
  }
  /* Across each join: the waiting record, the inserted event, the next bucket. */
  static const uint64_t joins[][4] = {{100, 901, 1004, 902}, {199, 900, 1002, 500}};
  for (size_t j = 0; j < N_ELEMS(joins); j++) {
    size_t at = 0;
    while (at < r->n && r->args[at] != joins[j][0])
      at++;
    assert_true(at + 3 < r->n);
    for (size_t k = 1; k < 4; k++)
      assert_int_equal(r->args[at + k], joins[j][k]);
  }
  /* Event 5, then the one it scheduled for now, then the one 1 ns later. */
  assert_int_equal(r->args[4], 5);
  assert_int_equal(r->args[5], 1001);
  assert_int_equal(r->args[6], 1000);
  /* A hint at (nearly) every event, naming the next one, except that events
   * the handlers schedule (args from 1000) may come in between. */
  assert_true(a->h.n >= r->n - 3);
  for (size_t k = 0; k < a->h.n; k++) {
    size_t i = a->h.at[k] + 1;
    while (i < r->n && r->args[i] >= 1000 && r->args[i] != a->h.arg1[k])
      i++;
    assert_true(i < r->n);
    assert_int_equal(a->h.arg1[k], r->args[i]);
  }
  sim_engine_free(e);
  free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order),
      cmocka_unit_test(test_equal_time_spawned_after_pending),
      cmocka_unit_test(test_same_instant_across_structures),
      cmocka_unit_test(test_window_follows_clock_and_cancel_everywhere),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_cancel_stale_ids),
      cmocka_unit_test(test_cancel_many_then_purge),
      cmocka_unit_test(test_next_time_and_step),
      cmocka_unit_test(test_run_until),
      cmocka_unit_test(test_run_until_past),
      cmocka_unit_test(test_stop_in_handler),
      cmocka_unit_test(test_stop_outside_run_is_forgotten),
      cmocka_unit_test(test_chain_from_handler),
      cmocka_unit_test(test_handlers_that_do_things),
      cmocka_unit_test(test_schedule_errors),
      cmocka_unit_test(test_strerror),
      cmocka_unit_test(test_next_bucket_across_bitmap_groups),
      cmocka_unit_test(test_order_across_width_changes_and_wraps),
      cmocka_unit_test(test_crowded_bucket_order),
      cmocka_unit_test(test_small_bucket_order),
      cmocka_unit_test(test_cancel_every_subset_of_a_bucket),
      cmocka_unit_test(test_lookahead_names_the_next_events),
      cmocka_unit_test(test_load_ahead_across_buckets),
      cmocka_unit_test(test_width_settles_on_steady_load),
      cmocka_unit_test(test_pool_reuse),
      cmocka_unit_test(test_hold_fits_exactly),
      cmocka_unit_test(test_cancel_churn_bounded),
      cmocka_unit_test(test_random_against_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
