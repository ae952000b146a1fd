/* Tests for sim_station: start times worked out by hand for 1 and 3
 * workers (on owned and on borrowed storage), hold longer than delay, busy/wait accounting in a
 * caller's sim_station_stats, flush and the work it withdraws, and an M/M/c run against the
 * Erlang-C formula with a confidence interval. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_error.h"
#include "sim_station.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
  sim_time now, hold;
  sim_time want_start;
} job;

typedef struct {
  const char *name;
  uint32_t workers;
  size_t n;
  job jobs[10];
  sim_time want_busy, want_wait, want_max_wait;
  /* busy_workers at a few instants after all jobs were accepted */
  size_t n_probe;
  sim_time probe_t[6];
  uint32_t probe_busy[6];
  sim_time want_next_free;
} station_case;

static const station_case station_cases[] = {
    {"one worker: FIFO queue",
     1,
     5,
     /* 0+10 -> [0,10); 5 waits for 10 -> [10,20); 6 waits for 20 -> [20,23);
      * 30 finds it idle -> [30,35); 31 with hold 0 still queues behind -> 35 */
     {{0, 10, 0}, {5, 10, 10}, {6, 3, 20}, {30, 5, 30}, {31, 0, 35}},
     28,
     0 + 5 + 14 + 0 + 4,
     14,
     4,
     {0, 34, 35, 100},
     {1, 1, 0, 0},
     35},
    {"three workers: the earliest free worker takes the next job",
     3,
     8,
     /* three at 0 fill the workers until 10; 1, 2, 3 wait for 10 (one each);
      * 4 waits for the first of them to free (11); 20 finds one idle */
     {{0, 10, 0},
      {0, 10, 0},
      {0, 10, 0},
      {1, 5, 10},
      {2, 1, 10},
      {3, 1, 10},
      {4, 1, 11},
      {20, 2, 20}},
     10 * 3 + 5 + 1 + 1 + 1 + 2,
     0 + 0 + 0 + 9 + 8 + 7 + 7 + 0,
     9,
     /* free times are now {15, 12, 22} */
     5,
     {11, 12, 15, 21, 22},
     {3, 2, 1, 1, 0},
     12},
    {"three workers never saturated: no waiting",
     3,
     4,
     {{0, 5, 0}, {1, 5, 1}, {2, 5, 2}, {5, 5, 5}},
     20,
     0,
     0,
     /* free times are now {10, 6, 7} */
     4,
     {0, 6, 7, 10},
     {3, 2, 1, 0},
     6},
    {"zero holds pass straight through",
     2,
     3,
     {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
     0,
     0,
     0,
     1,
     {0},
     {0},
     0},
};

/* Each case runs on an owned station and on one whose free times are in
 * the caller's storage (sim_station_init_borrowed): the same answers, the
 * storage used only when the workers do not fit inside the record, nothing
 * beyond it touched, and release leaves it alone (it is on the stack: a
 * free of it fails under ASan and glibc alike). */
#define GUARD ((sim_time)0x5a5a5a5a5a5a5a5a)

static void test_station_cases(void **state) {
  (void)state;
  for (size_t k = 0; k < 2 * N_ELEMS(station_cases); k++) {
    const station_case *c = &station_cases[k / 2];
    int borrowed = k % 2;
    sim_time storage[12];
    for (size_t i = 0; i < N_ELEMS(storage); i++) {
      storage[i] = GUARD;
    }
    sim_station s;
    sim_station_stats st = {0};
    assert_true(c->workers + 2 <= N_ELEMS(storage));
    if (borrowed) {
      assert_int_equal(sim_station_init_borrowed(&s, c->workers, storage + 1), 0);
      int inside = c->workers <= SIM_STATION_LOCAL;
      assert_true(sim_station_free_at(&s) == (inside ? s.at.local : storage + 1));
    } else {
      assert_int_equal(sim_station_init(&s, c->workers), 0);
    }
    assert_int_equal(sim_station_next_free(&s), 0);
    for (size_t i = 0; i < c->n; i++) {
      sim_time start = sim_station_accept_counted(&s, &st, c->jobs[i].now, c->jobs[i].hold);
      if (start != c->jobs[i].want_start) {
        fail_msg("case '%s': job %zu starts at %lld, want %lld", c->name, i, (long long)start,
                 (long long)c->jobs[i].want_start);
      }
    }
    if (st.accepted != c->n || st.busy_ns != c->want_busy || st.wait_ns != c->want_wait ||
        st.max_wait_ns != c->want_max_wait) {
      fail_msg("case '%s': accepted %llu busy %lld wait %lld max_wait %lld", c->name,
               (unsigned long long)st.accepted, (long long)st.busy_ns, (long long)st.wait_ns,
               (long long)st.max_wait_ns);
    }
    for (size_t i = 0; i < c->n_probe; i++) {
      uint32_t busy = sim_station_busy_workers(&s, c->probe_t[i]);
      if (busy != c->probe_busy[i]) {
        fail_msg("case '%s': %u busy at %lld, want %u", c->name, busy, (long long)c->probe_t[i],
                 c->probe_busy[i]);
      }
    }
    assert_int_equal(sim_station_next_free(&s), c->want_next_free);
    sim_station_release(&s);
    int used = borrowed && c->workers > SIM_STATION_LOCAL;
    for (size_t i = 0; i < N_ELEMS(storage); i++) {
      int run = i >= 1 && i <= c->workers;
      if (!(used && run)) {
        assert_true(storage[i] == GUARD);
      } else {
        assert_true(storage[i] != GUARD && storage[i] >= 0); /* a free time, kept */
      }
    }
  }
}

/* A job may hold its worker after it has left (hold > delay): the next job
 * waits for the worker, not for the departure. */
static void test_hold_longer_than_delay(void **state) {
  (void)state;
  sim_station s;
  sim_station_stats st = {0};
  assert_int_equal(sim_station_init(&s, 1), 0);
  const sim_time delay = 4, hold = 10;
  sim_time start_a = sim_station_accept_counted(&s, &st, 0, hold);
  sim_time depart_a = start_a + delay; /* what the caller schedules */
  assert_int_equal(start_a, 0);
  assert_int_equal(depart_a, 4);
  /* At 5 job A is gone, but its worker is still doing bookkeeping. */
  assert_int_equal(sim_station_busy_workers(&s, 5), 1);
  sim_time start_b = sim_station_accept_counted(&s, &st, 5, hold);
  assert_int_equal(start_b, 10);
  assert_int_equal(st.wait_ns, 5);
  assert_int_equal(st.busy_ns, 2 * hold);
  sim_station_release(&s);
}

/* A crash frees every worker; the work not yet done is returned, and
 * withdrawn from the caller's busy time. */
static void test_flush(void **state) {
  (void)state;
  sim_station s;
  sim_station_stats st = {0};
  assert_int_equal(sim_station_init(&s, 2), 0);
  assert_int_equal(sim_station_accept_counted(&s, &st, 0, 100), 0);
  assert_int_equal(sim_station_accept_counted(&s, &st, 0, 100), 0);
  assert_int_equal(sim_station_accept_counted(&s, &st, 10, 50), 100); /* queued: [100, 150) */
  assert_int_equal(st.busy_ns, 250);
  /* Undone at t=20: 80 ns on one worker, 130 on the other (the queued job
   * never started); done: 20 ns on each. */
  sim_time undone = sim_station_flush(&s, 20);
  assert_int_equal(undone, 210);
  sim_station_stats_withdraw(&st, undone);
  assert_int_equal(st.busy_ns, 40);
  assert_int_equal(sim_station_busy_workers(&s, 20), 0);
  assert_int_equal(sim_station_next_free(&s), 20);
  assert_int_equal(sim_station_accept(&s, 20, 5), 20);
  assert_int_equal(sim_station_accept(&s, 20, 5), 20);
  assert_int_equal(sim_station_accept(&s, 21, 5), 25);
  sim_station_release(&s);
}

/* Flushing an idle station undoes nothing; withdrawing work counted
 * before the stats were zeroed cannot make busy time negative. */
static void test_flush_edges(void **state) {
  (void)state;
  sim_station s;
  sim_station_stats st = {0};
  assert_int_equal(sim_station_init(&s, 1), 0);
  assert_int_equal(sim_station_accept_counted(&s, &st, 0, 10), 0);
  assert_int_equal(sim_station_flush(&s, 50), 0);
  assert_int_equal(st.busy_ns, 10);
  assert_int_equal(sim_station_accept_counted(&s, &st, 60, 100), 60);
  st = (sim_station_stats){0};
  sim_time undone = sim_station_flush(&s, 70);
  assert_int_equal(undone, 90);
  sim_station_stats_withdraw(&st, undone);
  assert_int_equal(st.busy_ns, 0);
  assert_int_equal(sim_station_accept(&s, 70, 1), 70);
  sim_station_release(&s);
}

/* Stats zeroed at the end of a warm-up count from there on; the workers
 * keep the work they had. */
static void test_restarted_stats_keep_workers(void **state) {
  (void)state;
  sim_station s;
  sim_station_stats st = {0};
  assert_int_equal(sim_station_init(&s, 1), 0);
  assert_int_equal(sim_station_accept_counted(&s, &st, 0, 10), 0);
  assert_int_equal(sim_station_accept_counted(&s, &st, 0, 10), 10);
  assert_int_equal(st.accepted, 2);
  st = (sim_station_stats){0};
  /* The worker is still committed until 20. */
  assert_int_equal(sim_station_accept_counted(&s, &st, 5, 1), 20);
  assert_int_equal(st.accepted, 1);
  assert_int_equal(st.wait_ns, 15);
  assert_int_equal(st.max_wait_ns, 15);
  assert_int_equal(st.busy_ns, 1);
  sim_station_release(&s);
}

static void test_init_errors(void **state) {
  (void)state;
  sim_station s;
  assert_int_equal(sim_station_init(&s, 0), SIM_EINVAL);
  assert_int_equal(s.workers, 0);
  sim_station_release(&s); /* safe after a failed init */
  assert_int_equal(sim_station_init(&s, 64), 0);
  for (int i = 0; i < 64; i++) {
    assert_int_equal(sim_station_accept(&s, i, 1000), i); /* 64 in parallel */
  }
  assert_int_equal(sim_station_busy_workers(&s, 63), 64);
  assert_int_equal(sim_station_accept(&s, 64, 1), 1000); /* the 65th waits */
  sim_station_release(&s);
  assert_int_equal(s.workers, 0);
  assert_null(s.room);
}

/* A negative hold is a contract violation; it is treated as 0 rather than
 * letting worker time run backwards. */
static void test_negative_hold_clamped(void **state) {
  (void)state;
  sim_station s;
  sim_station_stats st = {0};
  assert_int_equal(sim_station_init(&s, 1), 0);
  assert_int_equal(sim_station_accept_counted(&s, &st, 10, -5), 10);
  assert_int_equal(sim_station_next_free(&s), 10);
  assert_int_equal(st.busy_ns, 0);
  sim_station_release(&s);
}

/* ---- M/M/c against Erlang C ------------------------------------------------------------ */

static uint64_t lcg(uint64_t *x) {
  *x = *x * 6364136223846793005u + 1442695040888963407u;
  return *x;
}

/* Exp(mean) by inversion: -mean ln(U), U uniform in (0, 1]. */
static double exp_sample(uint64_t *x, double mean) {
  double u = ((double)(lcg(x) >> 11) + 1.0) / 9007199254740992.0;
  return -mean * log(u);
}

/* Wq = C(c, a) / (c mu - lambda), a = lambda/mu, rho = a/c,
 * C(c, a) = [a^c/c! /(1-rho)] / [sum_{k<c} a^k/k! + a^c/c! /(1-rho)]. */
static double erlang_c_wait(unsigned c, double lambda, double mu) {
  double a = lambda / mu, rho = a / c, term = 1.0, sum = 0.0;
  for (unsigned k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  double tail = term / (1.0 - rho);
  return tail / (sum + tail) / (c * mu - lambda);
}

typedef struct {
  const char *name;
  uint32_t workers;
  double rho;
} mmc_case;

static void test_mmc_against_erlang_c(void **state) {
  (void)state;
  static const mmc_case cases[] = {{"M/M/1 rho 0.5", 1, 0.5}, {"M/M/3 rho 0.7", 3, 0.7}};
  enum { BATCHES = 30, PER_BATCH = 20000, WARMUP = 10000 };
  for (size_t k = 0; k < N_ELEMS(cases); k++) {
    const mmc_case *c = &cases[k];
    const double service_mean_ns = 1e6; /* 1 ms */
    const double interarrival_ns = service_mean_ns / (c->rho * c->workers);
    sim_station s;
    sim_station_stats st = {0};
    assert_int_equal(sim_station_init(&s, c->workers), 0);
    uint64_t x = 2024 + k;
    double t = 0.0;
    for (int i = 0; i < WARMUP; i++) {
      t += exp_sample(&x, interarrival_ns);
      sim_station_accept(&s, (sim_time)t, (sim_time)exp_sample(&x, service_mean_ns));
    }
    /* Batch means: waits of consecutive jobs are correlated, means of long
     * batches nearly independent. */
    double sum = 0.0, sum2 = 0.0;
    sim_time t_start = (sim_time)t;
    for (int b = 0; b < BATCHES; b++) {
      sim_time wait_before = st.wait_ns;
      for (int i = 0; i < PER_BATCH; i++) {
        t += exp_sample(&x, interarrival_ns);
        sim_station_accept_counted(&s, &st, (sim_time)t, (sim_time)exp_sample(&x, service_mean_ns));
      }
      double mean = (double)(st.wait_ns - wait_before) / PER_BATCH;
      sum += mean;
      sum2 += mean * mean;
    }
    double mean = sum / BATCHES;
    double se = sqrt((sum2 / BATCHES - mean * mean) / (BATCHES - 1));
    double want = erlang_c_wait(c->workers, 1.0 / interarrival_ns, 1.0 / service_mean_ns);
    /* 4 standard errors: a false alarm about once in 15,000 seeds. */
    if (fabs(mean - want) > 4 * se) {
      fail_msg("case '%s': mean wait %.1f ns +- %.1f, Erlang C says %.1f", c->name, mean, se, want);
    }
    double util = (double)st.busy_ns / (c->workers * ((double)t - (double)t_start));
    if (fabs(util - c->rho) > 0.02) {
      fail_msg("case '%s': utilisation %.4f, want %.2f", c->name, util, c->rho);
    }
    sim_station_release(&s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_station_cases),
      cmocka_unit_test(test_hold_longer_than_delay),
      cmocka_unit_test(test_flush),
      cmocka_unit_test(test_flush_edges),
      cmocka_unit_test(test_restarted_stats_keep_workers),
      cmocka_unit_test(test_init_errors),
      cmocka_unit_test(test_negative_hold_clamped),
      cmocka_unit_test(test_mmc_against_erlang_c),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
