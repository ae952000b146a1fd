/* sim_engine: the discrete-event engine (clock + pending-event set).
 *
 * Events are ordered by (time, sequence number): two events for the same
 * instant fire in the order they were scheduled, which makes runs exactly
 * reproducible. Event records (48 bytes) live in a pool inside the engine
 * and are reused, so scheduling never calls malloc once the pool has grown
 * to the peak number of pending events (growth is geometric, amortised
 * O(1)).
 *
 * The pending set is shaped for a simulation's pattern (sim_engine.c has
 * the details): events due at the current instant go to a FIFO (O(1));
 * events due within a window of 16384 buckets go to a calendar whose bucket
 * width adapts to the delays seen (O(1) to schedule; firing sorts each
 * bucket once when the clock reaches it); anything further goes to a 4-ary
 * heap (O(log n)). Which structure holds an event never changes the order
 * it fires in.
 *
 * Cancellation is O(1): events in the FIFO, the calendar or the bucket
 * being fired are unlinked at once; a heap event leaves a lazy tombstone
 * (the record is freed at once, the stale entry is skipped when it comes
 * up, and the heap is compacted in O(n) when its tombstones outnumber its
 * live entries, so it never holds more than 2 live + 1 entries).
 *
 * The engine knows nothing of what events mean: a handler is a function
 * pointer with a user context pointer and a 64-bit argument. A handler may
 * call any sim_engine function on its engine except sim_engine_free(); the
 * event being fired no longer counts as pending inside its handler. */
#ifndef MESHSIM_SIM_ENGINE_H
#define MESHSIM_SIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

typedef struct sim_engine sim_engine;

/* Called when an event fires; e->now equals the event's time. */
typedef void (*sim_handler)(sim_engine *e, void *ctx, uint64_t arg);

/* Names a scheduled event for cancellation. A zero handle names nothing. */
typedef struct sim_event_id {
  uint64_t seq;  /* sequence number assigned at scheduling; 0 = none */
  uint32_t slot; /* index of the record in the pool */
} sim_event_id;

/* Creates an engine with room for `initial_capacity` pending events (0 picks
 * a default). Returns NULL on allocation failure. Caller owns; free with
 * sim_engine_free(). */
sim_engine *sim_engine_new(size_t initial_capacity);
void sim_engine_free(sim_engine *e);

/* Current simulated time. */
sim_time sim_engine_now(const sim_engine *e);

/* Schedules handler(ctx, arg) at absolute time `at` (>= now) or after
 * `delay` (>= 0). Returns 0 or SIM_EPAST / SIM_EOVERFLOW / SIM_ENOMEM
 * (SIM_EINVAL when fn is NULL). SIM_TIME_NEVER is not a schedulable time:
 * `at` == SIM_TIME_NEVER, or now + delay reaching it, is SIM_EOVERFLOW.
 * `id` may be NULL when the event will never be cancelled; on error *id is
 * left untouched. Safe to call from inside handlers. */
int sim_engine_schedule_at(sim_engine *e, sim_time at, sim_handler fn, void *ctx, uint64_t arg,
                           sim_event_id *id);
int sim_engine_schedule(sim_engine *e, sim_time delay, sim_handler fn, void *ctx, uint64_t arg,
                        sim_event_id *id);

/* Cancels a pending event. Returns 0, or SIM_ESTALE when the event already
 * fired, was cancelled, or the id is zero. */
int sim_engine_cancel(sim_engine *e, sim_event_id id);

/* Fires the earliest pending event. Returns 1 when one fired, 0 when the
 * queue is empty. */
int sim_engine_step(sim_engine *e);

/* Fires events in order while their time is <= `until`, then sets the clock
 * to `until` (unless stopped early). Returns the number of events fired.
 * Two edge cases: `until` < now fires nothing and leaves the clock alone
 * (time never runs backwards), and `until` == SIM_TIME_NEVER runs until the
 * queue is empty and leaves the clock at the last event's time, so that
 * scheduling can continue afterwards. */
uint64_t sim_engine_run_until(sim_engine *e, sim_time until);

/* Asks a running sim_engine_run_until() to return after the current event.
 * The request is forgotten when the next sim_engine_run_until() starts, so
 * a stop outside a run has no effect. */
void sim_engine_stop(sim_engine *e);

/* A hint about the two events that fire after the current one (fn2 is
 * NULL when only one is known): the engine calls it, when it knows them
 * cheaply (the next records of the sorted bucket being fired), just before
 * it runs the current handler, so the model can request the state they will
 * touch while this one runs: two ahead, what it can locate without reading
 * memory; one ahead, what it locates through state it requested on the
 * previous call. It must not change anything the simulation reads. */
typedef void (*sim_lookahead)(void *ctx, sim_handler fn1, uint64_t arg1, sim_handler fn2,
                              uint64_t arg2);

/* Sets (or, with NULL, clears) the lookahead hint; none by default. */
void sim_engine_set_lookahead(sim_engine *e, sim_lookahead fn);

/* Number of live pending events (cancelled ones excluded). */
size_t sim_engine_pending(const sim_engine *e);

/* Events fired since creation. */
uint64_t sim_engine_fired(const sim_engine *e);

/* Time of the earliest live pending event, or SIM_TIME_NEVER. Not const:
 * it discards stale (cancelled) entries in the way and may sort the next
 * bucket. */
sim_time sim_engine_next_time(sim_engine *e);

/* Introspection for tests and benchmarks: sizes of the engine's storage. */
typedef struct sim_engine_info {
  size_t pool_capacity;     /* event records allocated (peak live events, rounded up) */
  size_t heap_capacity;     /* heap entries allocated */
  size_t heap_entries;      /* heap entries in use, live and stale */
  size_t listed_entries;    /* events in the FIFO and the calendar (all live) */
  size_t stale_entries;     /* heap entries left by cancel, not yet discarded */
  uint64_t purges;          /* O(n) compactions that discarded stale entries */
  sim_time bucket_width_ns; /* the calendar's current bucket width */
  uint64_t width_changes;   /* times the bucket width adapted */
} sim_engine_info;

void sim_engine_get_info(const sim_engine *e, sim_engine_info *out);

#endif
