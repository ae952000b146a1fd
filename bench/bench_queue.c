/* bench_queue: the engine's pending-event set against the 4-ary heap it
 * replaced, on a mesh model's pattern (a benchmark, not a test).
 *
 * The pattern, as measured on the model (issue 16): 10^2-10^4 events
 * pending; 1 in 8 is scheduled for the current instant, the others 10 us -
 * 10 ms ahead (here log-uniform, so each decade is equally common); nothing
 * is cancelled. A hold loop keeps N events pending: each fired event
 * schedules one successor after the next delay of a fixed table (2^20
 * delays drawn once from a seeded stream), so both engines see exactly the
 * same schedule and no random-number cost is measured.
 *
 * heap4 is bench/heap4_engine.c, a frozen copy of sim/sim_engine.c as it
 * was before the calendar queue (commit f00aec5): the baseline, built with
 * the same flags into the same program, so one run compares both.
 *
 * Usage:
 *   bench_queue                          both engines at 10^2 .. 10^5 pending
 *   bench_queue ENGINE PENDING EVENTS    one run (ENGINE: engine | heap4); under
 *                                        callgrind, --toggle-collect=
 *                                        bench_queue_measure_ENGINE counts
 *                                        exactly the EVENTS measured
 * Output: one line per result, `key=value` fields. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "heap4_engine.h"
#include "sim_engine.h"
#include "sim_rng.h"

#define QUEUE_SEED   20261202u
#define QUEUE_DELAYS (1u << 20) /* table size, a power of two */
#define QUEUE_CHUNKS 5
/* Enough events that every initial event has fired a few times. */
#define QUEUE_WARMUP(n) ((n)*8 > 1000000 ? (n)*8 : 1000000)

static sim_time queue_delays[QUEUE_DELAYS];

typedef struct queue_hold {
  const sim_time *delays;
  uint64_t next;
  int failed;
} queue_hold;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 in 8 delays zero, the rest 10 us * 1000^u with u uniform in [0, 1). */
static int fill_delays(void) {
  gsl_rng *r = sim_rng_new(QUEUE_SEED, 1, 0);
  if (r == NULL) {
    return -1;
  }
  for (size_t i = 0; i < QUEUE_DELAYS; i++) {
    double u = gsl_rng_uniform(r);
    queue_delays[i] = u < 0.125 ? 0 : (sim_time)(10e3 * pow(1000.0, (u - 0.125) / 0.875) + 0.5);
  }
  sim_rng_free(r);
  return 0;
}

static void engine_width(sim_engine *e, sim_time *width_ns) {
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  *width_ns = info.bucket_width_ns;
}

#define Q(name)         sim_engine_##name
#define QE              sim_engine
#define QS(name)        name##_engine
#define QINFO(e, width) engine_width(e, width)
#include "bench_queue_hold.h"
#undef Q
#undef QE
#undef QS
#undef QINFO

#define Q(name)         heap4_engine_##name
#define QE              heap4_engine
#define QS(name)        name##_heap4
#define QINFO(e, width) (*(width) = 0)
#include "bench_queue_hold.h"
#undef Q
#undef QE
#undef QS
#undef QINFO

static int run_one(const char *engine, uint64_t pending, uint64_t events, double *rate,
                   sim_time *width_ns) {
  uint64_t after = 0;
  if (strcmp(engine, "engine") == 0) {
    *rate = bench_queue_run_engine(pending, events, &after, width_ns);
  } else if (strcmp(engine, "heap4") == 0) {
    *rate = bench_queue_run_heap4(pending, events, &after, width_ns);
  } else {
    fprintf(stderr, "bench_queue: unknown engine '%s'; valid engines are: engine, heap4\n", engine);
    return -1;
  }
  if (*rate < 0 || after != pending) {
    fprintf(stderr, "bench_queue: %s run broke (pending %" PRIu64 ", want %" PRIu64 ")\n", engine,
            after, pending);
    return -1;
  }
  return 0;
}

static int parse_count(const char *s, const char *what, uint64_t *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end); /* accepts 1e6 */
  if (errno != 0 || end == s || *end != '\0' || !(v >= 1 && v <= 1e12) || v != floor(v)) {
    fprintf(stderr, "bench_queue: bad %s '%s': expected a whole number in [1, 1e12]\n", what, s);
    return -1;
  }
  *out = (uint64_t)v;
  return 0;
}

int main(int argc, char **argv) {
  sim_rng_library_init();
  if (fill_delays() < 0) {
    fprintf(stderr, "bench_queue: out of memory\n");
    return 1;
  }
  if (argc == 4) {
    uint64_t pending, events;
    double rate;
    sim_time width;
    if (parse_count(argv[2], "PENDING", &pending) < 0 ||
        parse_count(argv[3], "EVENTS", &events) < 0) {
      return 2;
    }
    if (run_one(argv[1], pending, events, &rate, &width) < 0) {
      return 1;
    }
    printf("queue engine=%s pending=%" PRIu64 " events=%" PRIu64 " events_per_s=%.3e"
           " bucket_width_ns=%lld\n",
           argv[1], pending, events, rate, (long long)width);
    return 0;
  }
  if (argc != 1) {
    fprintf(stderr, "usage: bench_queue [ENGINE PENDING EVENTS]\n");
    return 2;
  }
  /* Each size runs heap4, engine, heap4, engine and keeps each engine's
   * better run: on a shared machine the faster is the better estimate. */
  static const uint64_t sizes[] = {100, 1000, 10000, 100000};
  printf("queue   pending  heap4_events_per_s  engine_events_per_s  speedup  bucket_width_ns\n");
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    double best[2] = {0, 0};
    sim_time width = 0, w;
    for (int round = 0; round < 4; round++) {
      double rate;
      if (run_one(round % 2 ? "engine" : "heap4", sizes[i], 5000000, &rate, &w) < 0) {
        return 1;
      }
      width = round % 2 ? w : width;
      best[round % 2] = rate > best[round % 2] ? rate : best[round % 2];
    }
    printf("queue   %7" PRIu64 "  %18.3e  %19.3e  %6.2fx  %15lld\n", sizes[i], best[0], best[1],
           best[1] / best[0], (long long)width);
    fflush(stdout);
  }
  return 0;
}
