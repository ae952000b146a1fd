/* sim_station: FIFO multi-server station by the Kiefer-Wolfowitz recursion.
 *
 * With arrivals in time order and FIFO service, job k starts at
 *   start_k = max(arrival_k, min_w free_at[w])
 * and then occupies that worker until start_k + hold_k. Only the vector of
 * worker free times is state; no job list is kept. */
#include "sim_station.h"

#include <stdlib.h>
#include <string.h>

#include "sim_error.h"

int sim_station_init(sim_station *s, uint32_t workers) {
  return sim_station_init_borrowed(s, workers, NULL);
}

int sim_station_init_borrowed(sim_station *s, uint32_t workers, sim_time *storage) {
  *s = (sim_station){0};
  if (workers == 0) {
    return SIM_EINVAL;
  }
  if (workers <= SIM_STATION_LOCAL) {
    s->free_at = s->local;
  } else if (storage != NULL) {
    memset(storage, 0, workers * sizeof *storage);
    s->free_at = storage;
    s->borrowed = 1;
  } else {
    s->free_at = calloc(workers, sizeof *s->free_at);
  }
  if (s->free_at == NULL) {
    return SIM_ENOMEM;
  }
  s->workers = workers;
  return 0;
}

void sim_station_release(sim_station *s) {
  if (s->free_at != s->local && !s->borrowed) {
    free(s->free_at);
  }
  free(s->ring);
  *s = (sim_station){0};
}

int sim_station_set_queue_limit(sim_station *s, uint32_t limit) {
  free(s->ring);
  s->ring = NULL;
  s->queue_limit = 0;
  s->ring_head = s->ring_len = 0;
  if (limit == 0) {
    return 0;
  }
  s->ring = malloc((size_t)limit * sizeof *s->ring);
  if (s->ring == NULL) {
    return SIM_ENOMEM;
  }
  s->queue_limit = limit;
  return 0;
}

int sim_station_full(const sim_station *s, sim_time now) {
  /* The oldest of the last `limit` starts is still ahead: all of them wait. */
  return s->queue_limit > 0 && s->ring_len == s->queue_limit && s->ring[s->ring_head] > now;
}

/* The first worker of the earliest free time; the best time is kept in a
 * local, so the scan is one load and one compare per worker. */
static inline uint32_t earliest_worker(const sim_station *s) {
  const sim_time *free_at = s->free_at;
  uint32_t best = 0;
  sim_time best_at = free_at[0];
  for (uint32_t w = 1; w < s->workers; w++) {
    if (free_at[w] < best_at) {
      best = w;
      best_at = free_at[w];
    }
  }
  return best;
}

sim_time sim_station_accept(sim_station *s, sim_time now, sim_time hold) {
  if (hold < 0) {
    hold = 0; /* a contract violation; clamp rather than run time backwards */
  }
  uint32_t w = earliest_worker(s);
  sim_time start = s->free_at[w] > now ? s->free_at[w] : now;
  s->free_at[w] = sim_time_add_sat(start, hold);
  if (s->queue_limit > 0) {
    uint32_t at = (s->ring_head + s->ring_len) % s->queue_limit;
    if (s->ring_len == s->queue_limit) {
      at = s->ring_head;
      s->ring_head = (s->ring_head + 1) % s->queue_limit;
    } else {
      s->ring_len++;
    }
    s->ring[at] = start;
  }
  return start;
}

uint32_t sim_station_busy_workers(const sim_station *s, sim_time t) {
  uint32_t busy = 0;
  for (uint32_t w = 0; w < s->workers; w++) {
    busy += s->free_at[w] > t;
  }
  return busy;
}

sim_time sim_station_next_free(const sim_station *s) {
  return s->free_at[earliest_worker(s)];
}

sim_time sim_station_flush(sim_station *s, sim_time now) {
  sim_time undone = 0;
  for (uint32_t w = 0; w < s->workers; w++) {
    if (s->free_at[w] > now) {
      /* Work committed past the crash never happens: the caller takes it
       * back out of its busy time so utilisation reflects work done. */
      undone = sim_time_add_sat(undone, s->free_at[w] - now);
    }
    s->free_at[w] = now;
  }
  s->ring_head = s->ring_len = 0; /* nothing waits any more */
  return undone;
}
