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
  if (workers > SIM_STATION_LOCAL) {
    if (storage != NULL) {
      memset(storage, 0, workers * sizeof *storage);
      s->at.ext = storage;
      s->borrowed = 1;
    } else {
      s->at.ext = calloc(workers, sizeof *s->at.ext);
    }
    if (s->at.ext == NULL) {
      return SIM_ENOMEM;
    }
  }
  s->workers = workers;
  return 0;
}

void sim_station_release(sim_station *s) {
  if (s->workers > SIM_STATION_LOCAL && !s->borrowed) {
    free(s->at.ext);
  }
  free(s->room);
  *s = (sim_station){0};
}

int sim_station_set_queue_limit(sim_station *s, uint32_t limit) {
  free(s->room);
  s->room = NULL;
  if (limit == 0) {
    return 0;
  }
  s->room = malloc(sizeof *s->room + (size_t)limit * sizeof(sim_time));
  if (s->room == NULL) {
    return SIM_ENOMEM;
  }
  *s->room = (sim_station_room){.limit = limit};
  return 0;
}

int sim_station_full(const sim_station *s, sim_time now) {
  /* The oldest of the last `limit` starts is still ahead: all of them wait. */
  const sim_station_room *r = s->room;
  return r != NULL && r->len == r->limit && r->ring[r->head] > now;
}

static inline const sim_time *free_times(const sim_station *s) {
  return s->workers <= SIM_STATION_LOCAL ? s->at.local : s->at.ext;
}

void sim_station_room_push(sim_station_room *r, sim_time start) {
  uint32_t at = (r->head + r->len) % r->limit;
  if (r->len == r->limit) {
    at = r->head;
    r->head = (r->head + 1) % r->limit;
  } else {
    r->len++;
  }
  r->ring[at] = start;
}

uint32_t sim_station_busy_workers(const sim_station *s, sim_time t) {
  const sim_time *free_at = free_times(s);
  uint32_t busy = 0;
  for (uint32_t w = 0; w < s->workers; w++) {
    busy += free_at[w] > t;
  }
  return busy;
}

sim_time sim_station_next_free(const sim_station *s) {
  const sim_time *free_at = free_times(s);
  return free_at[sim_station_earliest(free_at, s->workers)];
}

sim_time sim_station_flush(sim_station *s, sim_time now) {
  sim_time *free_at = sim_station_free_at(s);
  sim_time undone = 0;
  for (uint32_t w = 0; w < s->workers; w++) {
    if (free_at[w] > now) {
      /* Work committed past the crash never happens: the caller takes it
       * back out of its busy time so utilisation reflects work done. */
      undone = sim_time_add_sat(undone, free_at[w] - now);
    }
    free_at[w] = now;
  }
  if (s->room != NULL) {
    s->room->head = s->room->len = 0; /* nothing waits any more */
  }
  return undone;
}
