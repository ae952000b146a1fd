/* sim_station: a multi-server FIFO queueing station (c identical workers).
 *
 * Jobs are served first-come first-served by the worker that frees up
 * earliest (the Kiefer-Wolfowitz recursion). Because the engine delivers
 * arrivals in time order, the start time of a job is known the moment it
 * arrives, so a pass through a station costs the caller exactly one event
 * (its departure) and the station needs no queue of its own: only the time
 * each worker becomes free. Lookup of the earliest worker is a linear scan,
 * which beats a heap for the small worker counts of proxies and apps (<= 64).
 *
 * A job may hold its worker longer than it delays the job (`hold` >= `delay`):
 * a proxy that flushes the response and then does bookkeeping (stats, access
 * logs) keeps the CPU busy after the request has left.
 *
 * Statistics are the caller's (sim_station_stats), counted when a job is
 * accepted: busy time (sum of holds) and waiting time. Over a window of
 * length T, utilisation is busy/(c T) and the time-average queue length is
 * wait/T (Little's law); jobs straddling the window edge make an error of at
 * most one hold per worker. They live outside the station so that a caller
 * with its own accounting (the mesh model keeps per-window sums) does not
 * pay for their updates on every job. */
#ifndef MESHSIM_SIM_STATION_H
#define MESHSIM_SIM_STATION_H

#include <stddef.h>
#include <stdint.h>

#include "sim_time.h"

/* Workers whose free times live inside the station record itself: a proxy
 * station (1-2 workers) then costs one cache line per pass instead of the
 * record plus a separate array. */
#define SIM_STATION_LOCAL 2

/* The bounded waiting room (sim_station_set_queue_limit), off the record:
 * most stations have none, and a pass reads only whether it exists. */
typedef struct sim_station_room {
  uint32_t limit;     /* places */
  uint32_t head, len; /* ring of the last `limit` start times, oldest at head */
  sim_time ring[];
} sim_station_room;

/* 32 bytes, so that an owner can keep a station and its own per-pass fields
 * in one 64-byte line. */
typedef struct sim_station {
  union {
    sim_time local[SIM_STATION_LOCAL]; /* free times of up to SIM_STATION_LOCAL workers */
    sim_time *ext;                     /* more: owned, or borrowed (sim_station_init_borrowed) */
  } at;
  sim_station_room *room; /* NULL = unbounded waiting; owned */
  uint32_t workers;
  uint32_t borrowed; /* at.ext is the caller's */
} sim_station;

_Static_assert(sizeof(sim_station) == 32, "a station is half a cache line");

/* Per worker: when it becomes free (in the record or outside it). */
static inline sim_time *sim_station_free_at(sim_station *s) {
  return s->workers <= SIM_STATION_LOCAL ? s->at.local : s->at.ext;
}

/* What a caller counts of the jobs it sends to a station; zero it to start
 * (or restart, at the end of a warm-up). */
typedef struct sim_station_stats {
  uint64_t accepted;
  sim_time busy_ns; /* sum of holds */
  sim_time wait_ns; /* sum of waits */
  sim_time max_wait_ns;
} sim_station_stats;

/* SIM_EINVAL when workers == 0, SIM_ENOMEM on allocation failure. Up to
 * SIM_STATION_LOCAL workers keep their free times in the record itself. */
int sim_station_init(sim_station *s, uint32_t workers);
/* The same, with the free times of more than SIM_STATION_LOCAL workers in
 * the caller's `storage` (`workers` entries, zeroed here), which must
 * outlive the station: an owner of many stations keeps them in one slab,
 * where it can find (and prefetch) a station's free times without reading
 * the station first. Release leaves the storage alone. */
int sim_station_init_borrowed(sim_station *s, uint32_t workers, sim_time *storage);
void sim_station_release(sim_station *s);

/* Records a start in the waiting room's ring (sim_station_accept's cold part). */
void sim_station_room_push(sim_station_room *r, sim_time start);

/* The first worker of the earliest free time; the best time is kept in a
 * local, so the scan is one load and one compare per worker. */
static inline uint32_t sim_station_earliest(const sim_time *free_at, uint32_t workers) {
  uint32_t best = 0;
  sim_time best_at = free_at[0];
  for (uint32_t w = 1; w < workers; w++) {
    if (free_at[w] < best_at) {
      best = w;
      best_at = free_at[w];
    }
  }
  return best;
}

/* A job arriving at `now` needing `hold` of worker time; returns the time it
 * starts service (>= now). The caller schedules its departure at
 * start + delay. hold must be >= 0 (a negative hold is treated as 0).
 * Successive calls must have non-decreasing `now` (the engine's clock
 * guarantees it); FIFO order is the order of the calls. Inline: every pass
 * of the model runs it. */
static inline sim_time sim_station_accept(sim_station *s, sim_time now, sim_time hold) {
  if (hold < 0) {
    hold = 0; /* a contract violation; clamp rather than run time backwards */
  }
  sim_time *free_at = sim_station_free_at(s);
  uint32_t w = sim_station_earliest(free_at, s->workers);
  sim_time start = free_at[w] > now ? free_at[w] : now;
  free_at[w] = sim_time_add_sat(start, hold);
  if (s->room != NULL) {
    sim_station_room_push(s->room, start);
  }
  return start;
}

/* Bounds the jobs waiting (accepted, not yet started) to `limit`, making the
 * station M/M/c/K-like with K = workers + limit; 0 = unbounded (the
 * default). Start times are non-decreasing in acceptance order (FIFO), so
 * the waiting jobs are always the most recent ones: a ring of the last
 * `limit` start times answers "is the room full?" in O(1). Costs 8 bytes per
 * place. SIM_ENOMEM on allocation failure. */
int sim_station_set_queue_limit(sim_station *s, uint32_t limit);

/* Whether a job arriving at `now` would find `queue_limit` jobs waiting
 * (always false when unbounded). The caller refuses the job instead of
 * calling sim_station_accept. */
int sim_station_full(const sim_station *s, sim_time now);

/* Number of workers busy or committed at time t (0..workers). */
uint32_t sim_station_busy_workers(const sim_station *s, sim_time t);

/* Earliest time a newly arriving job could start. */
sim_time sim_station_next_free(const sim_station *s);

/* Frees every worker at `now` and empties the waiting room (a crash: queued and running work is
 * gone; the caller fails the jobs it had in flight). Returns the worker time that had been
 * committed beyond `now` and now never happens (for sim_station_stats_withdraw). */
sim_time sim_station_flush(sim_station *s, sim_time now);

/* Counts a job that arrived at `now`, starts at `start` (what sim_station_accept returned) and
 * holds its worker for `hold` (a negative hold counts as 0, as accept takes it). */
static inline void sim_station_stats_add(sim_station_stats *st, sim_time now, sim_time start,
                                         sim_time hold) {
  sim_time wait = start - now;
  st->accepted++;
  st->busy_ns = sim_time_add_sat(st->busy_ns, hold > 0 ? hold : 0);
  st->wait_ns = sim_time_add_sat(st->wait_ns, wait);
  if (wait > st->max_wait_ns) {
    st->max_wait_ns = wait;
  }
}

/* sim_station_accept, counted in st. */
static inline sim_time sim_station_accept_counted(sim_station *s, sim_station_stats *st,
                                                  sim_time now, sim_time hold) {
  sim_time start = sim_station_accept(s, now, hold);
  sim_station_stats_add(st, now, start, hold);
  return start;
}

/* Takes work a flush undid (its return value) back out of the busy time, floored at 0 (the
 * work may have been counted before the stats were last zeroed); the wait is not corrected,
 * since no per-job record is kept. */
static inline void sim_station_stats_withdraw(sim_station_stats *st, sim_time undone) {
  st->busy_ns = st->busy_ns > undone ? st->busy_ns - undone : 0;
}

#endif
