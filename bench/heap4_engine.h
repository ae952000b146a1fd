/* heap4_engine.h: a frozen copy of sim/sim_engine.h as it was before the
 * calendar queue (commit f00aec5), renamed heap4_*, kept only as
 * bench_queue's baseline. Not part of any library; do not fix or tune it
 * (it would stop being the baseline). */
/* heap4_engine: the discrete-event engine (clock + pending-event queue).
 *
 * Events are ordered by (time, sequence number): two events for the same
 * instant fire in the order they were scheduled, which makes runs exactly
 * reproducible. Event records live in a pool inside the engine and are reused,
 * so scheduling never calls malloc once the pool has grown to the peak number
 * of pending events (growth is geometric, amortised O(1)). The queue is a
 * 4-ary implicit heap: O(log n) schedule and fire, about 56 bytes per pending
 * event (32 for the record, 24 for the heap entry) before growth slack.
 *
 * Cancellation is a lazy tombstone: heap4_engine_cancel() frees the record at
 * once and changes its sequence so the heap entry left behind is recognised
 * as stale and skipped when it reaches the top. Cancel is O(1) amortised;
 * stale entries are purged in O(n) when they outnumber live ones, so the heap
 * never holds more than 2 live + 1 entries.
 *
 * The engine knows nothing of what events mean: a handler is a function
 * pointer with a user context pointer and a 64-bit argument. A handler may
 * call any heap4_engine function on its engine except heap4_engine_free(); the
 * event being fired no longer counts as pending inside its handler.
 * An event whose handler schedules another one costs a single heap pass
 * (the new event takes the fired one's place at the root), so the common
 * "fire, then schedule the next step" pattern is the fast path. */
#ifndef MESHSIM_BENCH_HEAP4_ENGINE_H
#define MESHSIM_BENCH_HEAP4_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

typedef struct heap4_engine heap4_engine;

/* Called when an event fires; e->now equals the event's time. */
typedef void (*heap4_handler)(heap4_engine *e, void *ctx, uint64_t arg);

/* Names a scheduled event for cancellation. A zero handle names nothing. */
typedef struct heap4_event_id {
  uint64_t seq;  /* sequence number assigned at scheduling; 0 = none */
  uint32_t slot; /* index of the record in the pool */
} heap4_event_id;

/* Creates an engine with room for `initial_capacity` pending events (0 picks
 * a default). Returns NULL on allocation failure. Caller owns; free with
 * heap4_engine_free(). */
heap4_engine *heap4_engine_new(size_t initial_capacity);
void heap4_engine_free(heap4_engine *e);

/* Current simulated time. */
sim_time heap4_engine_now(const heap4_engine *e);

/* Schedules handler(ctx, arg) at absolute time `at` (>= now) or after
 * `delay` (>= 0). Returns 0 or SIM_EPAST / SIM_EOVERFLOW / SIM_ENOMEM
 * (SIM_EINVAL when fn is NULL). SIM_TIME_NEVER is not a schedulable time:
 * `at` == SIM_TIME_NEVER, or now + delay reaching it, is SIM_EOVERFLOW.
 * `id` may be NULL when the event will never be cancelled; on error *id is
 * left untouched. Safe to call from inside handlers. */
int heap4_engine_schedule_at(heap4_engine *e, sim_time at, heap4_handler fn, void *ctx,
                             uint64_t arg, heap4_event_id *id);
int heap4_engine_schedule(heap4_engine *e, sim_time delay, heap4_handler fn, void *ctx,
                          uint64_t arg, heap4_event_id *id);

/* Cancels a pending event. Returns 0, or SIM_ESTALE when the event already
 * fired, was cancelled, or the id is zero. */
int heap4_engine_cancel(heap4_engine *e, heap4_event_id id);

/* Fires the earliest pending event. Returns 1 when one fired, 0 when the
 * queue is empty. */
int heap4_engine_step(heap4_engine *e);

/* Fires events in order while their time is <= `until`, then sets the clock
 * to `until` (unless stopped early). Returns the number of events fired.
 * Two edge cases: `until` < now fires nothing and leaves the clock alone
 * (time never runs backwards), and `until` == SIM_TIME_NEVER runs until the
 * queue is empty and leaves the clock at the last event's time, so that
 * scheduling can continue afterwards. */
uint64_t heap4_engine_run_until(heap4_engine *e, sim_time until);

/* Asks a running heap4_engine_run_until() to return after the current event.
 * The request is forgotten when the next heap4_engine_run_until() starts, so
 * a stop outside a run has no effect. */
void heap4_engine_stop(heap4_engine *e);

/* Number of live pending events (cancelled ones excluded). */
size_t heap4_engine_pending(const heap4_engine *e);

/* Events fired since creation. */
uint64_t heap4_engine_fired(const heap4_engine *e);

/* Time of the earliest live pending event, or SIM_TIME_NEVER. Not const:
 * it discards stale (cancelled) entries that sit on top of the heap. */
sim_time heap4_engine_next_time(heap4_engine *e);

/* Introspection for tests and benchmarks: sizes of the engine's storage. */
typedef struct heap4_engine_info {
  size_t pool_capacity; /* event records allocated (peak live events, rounded up) */
  size_t heap_capacity; /* heap entries allocated */
  size_t heap_entries;  /* heap entries in use, live and stale */
  size_t stale_entries; /* heap entries left by cancel, not yet discarded */
  uint64_t purges;      /* O(n) heap rebuilds that discarded stale entries */
} heap4_engine_info;

void heap4_engine_get_info(const heap4_engine *e, heap4_engine_info *out);

#endif
