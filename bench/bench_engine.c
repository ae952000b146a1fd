/* bench_engine: throughput of the event engine (a benchmark, not a test).
 *
 * hold model (Jones 1986, the classic priority-queue benchmark): keep N
 * events pending; each fired event schedules one successor at now + Exp(1 s).
 * The measured cost per event is firing one event, drawing one exponential
 * sample (about 17 ns of the total on the reference machine) and scheduling
 * one event, with a queue of constant size N. A warm-up of max(N, 1e6)
 * events first lets the heap reach its stationary shape.
 *
 * tandem: an M/M/c network of 3 stations in series (c = 4, utilisation 0.8)
 * on sim_station; one event per arrival and one per departure. By Burke's
 * theorem every station sees Poisson arrivals, so the measured mean wait per
 * station is printed next to the Erlang-C value as a sanity check.
 *
 * Usage:
 *   bench_engine                        the whole suite
 *   bench_engine hold PENDING EVENTS    one hold run (used under callgrind:
 *                                       --toggle-collect=bench_hold_measure
 *                                       counts exactly the EVENTS measured)
 *   bench_engine tandem JOBS            one tandem run
 * Output is one line per result, `key=value` fields, for scripts to parse. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim_engine.h"
#include "sim_error.h"
#include "sim_rng.h"
#include "sim_station.h"

#define BENCH_SEED 20240611u

/* One stream per (component, purpose), as the rest of meshsim does. */
static gsl_rng *bench_rng(uint64_t component, uint64_t stream) {
  return sim_rng_new(BENCH_SEED, component, stream);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mib(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) {
    return NAN;
  }
  return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

static sim_time sample_ns(gsl_rng *r, double mean_ns) {
  return (sim_time)(gsl_ran_exponential(r, mean_ns) + 0.5);
}

/* ---- hold model ---------------------------------------------------------- */

typedef struct hold_ctx {
  gsl_rng *rng;
  double mean_ns;
  int failed; /* first scheduling error, 0 if none */
} hold_ctx;

static void hold_fire(sim_engine *e, void *ctx, uint64_t arg) {
  hold_ctx *h = ctx;
  int rc = sim_engine_schedule(e, sample_ns(h->rng, h->mean_ns), hold_fire, h, arg, NULL);
  if (rc < 0 && h->failed == 0) {
    h->failed = rc;
    sim_engine_stop(e);
  }
}

static uint64_t hold_steps(sim_engine *e, uint64_t events) {
  uint64_t n = 0;
  while (n < events && sim_engine_step(e)) {
    n++;
  }
  return n;
}

/* The measured loop, out of line and not static so that callgrind can find
 * it by name and collect just it. It times HOLD_CHUNKS equal chunks: on a
 * shared machine the fastest chunk is the best estimate of what the engine
 * costs, the total of what a run experienced. */
#define HOLD_CHUNKS 10
__attribute__((noinline)) uint64_t bench_hold_measure(sim_engine *e, uint64_t events,
                                                      double *total_s, double *best_chunk_s);
__attribute__((noinline)) uint64_t bench_hold_measure(sim_engine *e, uint64_t events,
                                                      double *total_s, double *best_chunk_s) {
  uint64_t n = 0;
  *total_s = 0.0;
  *best_chunk_s = INFINITY;
  for (int k = 0; k < HOLD_CHUNKS; k++) {
    double t0 = now_seconds();
    n += hold_steps(e, events / HOLD_CHUNKS);
    double dt = now_seconds() - t0;
    *total_s += dt;
    if (dt < *best_chunk_s) {
      *best_chunk_s = dt;
    }
  }
  return n;
}

typedef struct hold_result {
  uint64_t events;
  double events_per_s;
  double best_events_per_s; /* of the fastest chunk */
  double ns_per_event;
  size_t pool_capacity, heap_capacity;
} hold_result;

static int bench_hold(uint64_t pending, uint64_t events, hold_result *out) {
  hold_ctx h = {.rng = bench_rng(1, 0), .mean_ns = 1e9};
  sim_engine *e = sim_engine_new((size_t)pending);
  if (h.rng == NULL || e == NULL) {
    fprintf(stderr, "bench_engine: out of memory\n");
    sim_rng_free(h.rng);
    sim_engine_free(e);
    return -1;
  }
  for (uint64_t i = 0; i < pending && h.failed == 0; i++) {
    h.failed = sim_engine_schedule(e, sample_ns(h.rng, h.mean_ns), hold_fire, &h, i, NULL);
  }
  uint64_t warmup = pending > 1000000 ? pending : 1000000;
  hold_steps(e, warmup);
  events = events < HOLD_CHUNKS ? HOLD_CHUNKS : events - events % HOLD_CHUNKS;
  double dt, best;
  uint64_t n = bench_hold_measure(e, events, &dt, &best);
  int rc = 0;
  if (h.failed != 0 || n != events || sim_engine_pending(e) != pending) {
    fprintf(stderr, "bench_engine: hold run broke: %s (fired %" PRIu64 " of %" PRIu64 ")\n",
            sim_strerror(h.failed), n, events);
    rc = -1;
  }
  sim_engine_info info;
  sim_engine_get_info(e, &info);
  out->events = n;
  out->events_per_s = (double)n / dt;
  out->ns_per_event = dt * 1e9 / (double)n;
  out->best_events_per_s = (double)(n / HOLD_CHUNKS) / best;
  out->pool_capacity = info.pool_capacity;
  out->heap_capacity = info.heap_capacity;
  sim_engine_free(e);
  sim_rng_free(h.rng);
  return rc;
}

/* ---- tandem M/M/c network ---------------------------------------------- */

#define TANDEM_STATIONS        3
#define TANDEM_WORKERS         4
#define TANDEM_RHO             0.8
#define TANDEM_SERVICE_MEAN_NS 1e6 /* 1 ms */

typedef struct tandem_ctx {
  sim_station st[TANDEM_STATIONS];
  sim_station_stats stats[TANDEM_STATIONS];
  gsl_rng *service_rng[TANDEM_STATIONS];
  gsl_rng *arrival_rng;
  double interarrival_mean_ns;
  uint64_t jobs_left; /* external arrivals still to generate */
  uint64_t done;
  double sojourn_sum_ns;
  int failed;
} tandem_ctx;

/* Departure argument: entry time << 2 | station index. Entry times of a run
 * stay far below 2^62 ns, so the job needs no record of its own. */
static void tandem_depart(sim_engine *e, void *ctx, uint64_t arg);

static void tandem_enter(sim_engine *e, tandem_ctx *t, unsigned station, uint64_t entry_ns) {
  sim_time now = sim_engine_now(e);
  sim_time hold = sample_ns(t->service_rng[station], TANDEM_SERVICE_MEAN_NS);
  sim_time start = sim_station_accept_counted(&t->st[station], &t->stats[station], now, hold);
  int rc = sim_engine_schedule_at(e, start + hold, tandem_depart, t, entry_ns << 2 | station, NULL);
  if (rc < 0 && t->failed == 0) {
    t->failed = rc;
    sim_engine_stop(e);
  }
}

static void tandem_depart(sim_engine *e, void *ctx, uint64_t arg) {
  tandem_ctx *t = ctx;
  unsigned station = (unsigned)(arg & 3u);
  uint64_t entry_ns = arg >> 2;
  if (station + 1 < TANDEM_STATIONS) {
    tandem_enter(e, t, station + 1, entry_ns);
  } else {
    t->done++;
    t->sojourn_sum_ns += (double)((uint64_t)sim_engine_now(e) - entry_ns);
  }
}

static void tandem_arrive(sim_engine *e, void *ctx, uint64_t arg) {
  (void)arg;
  tandem_ctx *t = ctx;
  tandem_enter(e, t, 0, (uint64_t)sim_engine_now(e));
  if (--t->jobs_left > 0) {
    int rc = sim_engine_schedule(e, sample_ns(t->arrival_rng, t->interarrival_mean_ns),
                                 tandem_arrive, t, 0, NULL);
    if (rc < 0 && t->failed == 0) {
      t->failed = rc;
      sim_engine_stop(e);
    }
  }
}

/* Erlang-C mean wait in queue for M/M/c with arrival rate lambda and
 * service rate mu: Wq = C(c, a) / (c mu - lambda), a = lambda / mu,
 * C(c, a) = [a^c / c! / (1 - rho)] / [sum_{k<c} a^k / k! + a^c / c! / (1 - rho)]. */
static double erlang_c_wait(unsigned c, double lambda, double mu) {
  double a = lambda / mu, rho = a / c, term = 1.0, sum = 0.0;
  for (unsigned k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  double tail = term / (1.0 - rho);
  return tail / (sum + tail) / (c * mu - lambda);
}

static int bench_tandem(uint64_t jobs) {
  tandem_ctx t = {0};
  int rc = 0;
  t.interarrival_mean_ns = TANDEM_SERVICE_MEAN_NS / (TANDEM_RHO * TANDEM_WORKERS);
  t.jobs_left = jobs;
  t.arrival_rng = bench_rng(100, 0);
  for (unsigned i = 0; i < TANDEM_STATIONS; i++) {
    t.service_rng[i] = bench_rng(101 + i, 0);
    if (sim_station_init(&t.st[i], TANDEM_WORKERS) < 0) {
      rc = -1;
    }
  }
  sim_engine *e = sim_engine_new(0);
  if (e == NULL || t.arrival_rng == NULL || rc < 0) {
    fprintf(stderr, "bench_engine: out of memory\n");
    rc = -1;
    goto out;
  }
  for (unsigned i = 0; i < TANDEM_STATIONS; i++) {
    if (t.service_rng[i] == NULL) {
      rc = -1;
      goto out;
    }
  }
  rc = sim_engine_schedule(e, 0, tandem_arrive, &t, 0, NULL);
  if (rc < 0) {
    goto out;
  }
  double t0 = now_seconds();
  uint64_t n = sim_engine_run_until(e, SIM_TIME_NEVER);
  double dt = now_seconds() - t0;
  if (t.failed != 0 || t.done != jobs) {
    fprintf(stderr, "bench_engine: tandem run broke: %s\n", sim_strerror(t.failed));
    rc = -1;
    goto out;
  }
  double lambda = 1.0 / t.interarrival_mean_ns, mu = 1.0 / TANDEM_SERVICE_MEAN_NS;
  double wq_theory_ms = erlang_c_wait(TANDEM_WORKERS, lambda, mu) / 1e6;
  printf("tandem  stations=%d workers=%d rho=%.2f jobs=%" PRIu64 " events=%" PRIu64
         " seconds=%.3f events_per_s=%.3e peak_rss_mib=%.1f\n",
         TANDEM_STATIONS, TANDEM_WORKERS, TANDEM_RHO, jobs, n, dt, (double)n / dt, peak_rss_mib());
  double sim_span_ns = (double)sim_engine_now(e);
  for (unsigned i = 0; i < TANDEM_STATIONS; i++) {
    const sim_station_stats *s = &t.stats[i];
    printf("tandem  station=%u util=%.4f mean_wait_ms=%.4f erlang_c_wait_ms=%.4f\n", i,
           (double)s->busy_ns / (TANDEM_WORKERS * sim_span_ns),
           (double)s->wait_ns / (double)s->accepted / 1e6, wq_theory_ms);
  }
  printf("tandem  mean_sojourn_ms=%.4f theory_ms=%.4f\n", t.sojourn_sum_ns / (double)t.done / 1e6,
         TANDEM_STATIONS * (wq_theory_ms + TANDEM_SERVICE_MEAN_NS / 1e6));
out:
  sim_engine_free(e);
  for (unsigned i = 0; i < TANDEM_STATIONS; i++) {
    sim_station_release(&t.st[i]);
    if (t.service_rng[i] != NULL) {
      sim_rng_free(t.service_rng[i]);
    }
  }
  if (t.arrival_rng != NULL) {
    sim_rng_free(t.arrival_rng);
  }
  return rc;
}

/* ---- driver ---------------------------------------------------------------- */

static int run_hold(uint64_t pending, uint64_t events) {
  hold_result r;
  if (bench_hold(pending, events, &r) < 0) {
    return -1;
  }
  printf("hold    pending=%-8" PRIu64 " events=%-9" PRIu64
         " ns_per_event=%6.1f events_per_s=%.3e best_chunk_events_per_s=%.3e pool_cap=%zu"
         " heap_cap=%zu peak_rss_mib=%.1f\n",
         pending, r.events, r.ns_per_event, r.events_per_s, r.best_events_per_s, r.pool_capacity,
         r.heap_capacity, peak_rss_mib());
  fflush(stdout);
  return 0;
}

static int parse_count(const char *s, const char *what, uint64_t *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end); /* accepts 1e6 */
  if (errno != 0 || end == s || *end != '\0' || !(v >= 1 && v <= 1e12) || v != floor(v)) {
    fprintf(stderr, "bench_engine: bad %s '%s': expected a whole number in [1, 1e12]\n", what, s);
    return -1;
  }
  *out = (uint64_t)v;
  return 0;
}

int main(int argc, char **argv) {
  sim_rng_library_init();
  if (argc == 4 && strcmp(argv[1], "hold") == 0) {
    uint64_t pending, events;
    if (parse_count(argv[2], "PENDING", &pending) < 0 ||
        parse_count(argv[3], "EVENTS", &events) < 0) {
      return 2;
    }
    return run_hold(pending, events) < 0 ? 1 : 0;
  }
  if (argc == 3 && strcmp(argv[1], "tandem") == 0) {
    uint64_t jobs;
    if (parse_count(argv[2], "JOBS", &jobs) < 0) {
      return 2;
    }
    return bench_tandem(jobs) < 0 ? 1 : 0;
  }
  if (argc != 1) {
    fprintf(stderr, "usage: bench_engine [hold PENDING EVENTS | tandem JOBS]\n");
    return 2;
  }
  static const struct {
    uint64_t pending, events;
  } holds[] = {{1000, 20000000}, {100000, 20000000}, {1000000, 10000000}};
  int rc = 0;
  for (size_t i = 0; i < sizeof holds / sizeof holds[0]; i++) {
    rc |= run_hold(holds[i].pending, holds[i].events);
  }
  rc |= bench_tandem(2000000);
  return rc < 0 ? 1 : 0;
}
