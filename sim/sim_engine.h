/* sim_engine: the discrete-event engine (clock + pending-event queue).
 *
 * Events are ordered by (time, sequence number): two events for the same
 * instant fire in the order they were scheduled, which makes runs exactly
 * reproducible. Event records live in a pool inside the engine and are reused,
 * so scheduling never calls malloc once the pool has grown to the peak number
 * of pending events (growth is geometric, amortised O(1)).
 *
 * Cancellation is a lazy tombstone: sim_engine_cancel() frees the record at
 * once and bumps its sequence so the heap entry left behind is recognised as
 * stale and skipped when it reaches the top. Cancel is O(1); stale entries are
 * purged in O(n) when they outnumber live ones, so memory stays bounded.
 *
 * The engine knows nothing of what events mean: a handler is a function
 * pointer with a user context pointer and a 64-bit argument. */
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
 * `delay` (>= 0). Returns 0 or SIM_EPAST / SIM_EOVERFLOW / SIM_ENOMEM.
 * `id` may be NULL when the event will never be cancelled. */
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
 * to `until` (unless stopped early). Returns the number of events fired. */
uint64_t sim_engine_run_until(sim_engine *e, sim_time until);

/* Asks a running sim_engine_run_until() to return after the current event. */
void sim_engine_stop(sim_engine *e);

/* Number of live pending events (cancelled ones excluded). */
size_t sim_engine_pending(const sim_engine *e);

/* Events fired since creation. */
uint64_t sim_engine_fired(const sim_engine *e);

/* Time of the earliest live pending event, or SIM_TIME_NEVER. */
sim_time sim_engine_next_time(sim_engine *e);

#endif
