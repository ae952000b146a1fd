/* Statistical validation of the engine as a whole: sim_engine + sim_station
 * + sim_rng + sim_dist + sim_stats + sim_hist simulate classic queues whose
 * answers are known in closed form, and the theory must fall inside a 95%
 * Student-t confidence interval over independent replications.
 *
 * One replication: Poisson arrivals (one event each), the station decides
 * the start time at arrival (Kiefer-Wolfowitz), a departure event follows.
 * Customers arriving in the warm-up are served but not measured; the
 * time-average number in system (sim_timeavg, driven by arrival and
 * departure events) restarts at the end of the warm-up. Each replication
 * has its own run seed; arrivals and service times have their own streams.
 *
 * Besides the means (M/M/1 at rho 0.5, 0.8, 0.9; M/M/4 at 0.8; M/D/1):
 * Little's law L = lambda W from independent measurements, the M/M/1
 * waiting-time distribution through the histogram, a deterministic outcome
 * that depends on the equal-time tie-break, common random numbers (separate
 * streams keep the arrival sequence when the service changes, a shared
 * stream does not), and byte-identical output for equal seeds. */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>

#include "sim_dist.h"
#include "sim_engine.h"
#include "sim_error.h"
#include "sim_hist.h"
#include "sim_rng.h"
#include "sim_station.h"
#include "sim_stats.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Service rate mu = 1 per ms throughout: times below are in ms of mean
 * service. 1 ms = 10^6 ns makes rounding samples to whole ns negligible. */
#define MS_NS 1e6

/* ---- one replication of a FIFO c-server queue ---- */

typedef struct queue_model {
  sim_engine *eng;
  sim_station st;
  sim_station_stats stats; /* the station's accounting, zeroed at the end of the warm-up */
  gsl_rng *arr_rng, *svc_rng, *fb_rng; /* may alias each other (shared stream) */
  sim_dist inter, service;
  double feedback_p; /* probability a departing job re-enters (0: none) */
  bool measuring;
  sim_welford wait_ns, sojourn_ns;
  sim_timeavg in_system;
  sim_hist wait_hist;
  uint64_t arrivals; /* external arrivals measured */
  uint64_t blocked;  /* measured arrivals refused by a full waiting room */
  sim_time *trace;   /* first external arrival times, when non-NULL */
  size_t trace_n, trace_cap;
} queue_model;

typedef struct queue_params {
  uint32_t servers;
  double lambda_per_ms; /* arrival rate */
  bool deterministic;   /* constant service instead of exponential */
  double service_ms;    /* mean service time */
  double feedback_p;
  double warmup_ms, run_ms;
  uint64_t seed;
  int shared_stream;    /* arrivals, service and feedback draw from one stream */
  uint32_t queue_limit; /* places in the waiting room (0 = unbounded): M/M/c/K */
} queue_params;

typedef struct queue_result {
  double wait_ms, sojourn_ms; /* customer averages */
  double l_time_avg;          /* time-average number in system */
  double lambda_hat_per_ms;   /* measured arrival rate */
  double station_wait_ms;     /* the station's own accounting */
  double p90_ms, p99_ms, p_no_wait;
  double p_blocked; /* share of measured arrivals refused */
  uint64_t arrivals, fired;
} queue_result;

static sim_time draw_ns(const sim_dist *d, gsl_rng *r) {
  return (sim_time)llround(sim_dist_sample(d, r));
}

static void on_departure(sim_engine *e, void *ctx, uint64_t arg);

/* A job (new or fed back) joins the station at `now`. */
static void enter_station(queue_model *m, sim_time now) {
  if (sim_station_full(&m->st, now)) {
    m->blocked += m->measuring;
    return;
  }
  sim_time hold = draw_ns(&m->service, m->svc_rng);
  sim_time start = sim_station_accept_counted(&m->st, &m->stats, now, hold);
  sim_timeavg_add(&m->in_system, now, +1);
  if (m->measuring) {
    sim_welford_add(&m->wait_ns, (double)(start - now));
    sim_welford_add(&m->sojourn_ns, (double)(start - now + hold));
    sim_hist_add(&m->wait_hist, start - now);
  }
  assert_int_equal(sim_engine_schedule_at(m->eng, start + hold, on_departure, m, 0, NULL), 0);
}

static void on_arrival(sim_engine *e, void *ctx, uint64_t arg) {
  (void)arg;
  queue_model *m = ctx;
  sim_time now = sim_engine_now(e);
  if (m->trace != NULL && m->trace_n < m->trace_cap)
    m->trace[m->trace_n++] = now;
  if (m->measuring)
    m->arrivals++;
  enter_station(m, now);
  assert_int_equal(sim_engine_schedule(e, draw_ns(&m->inter, m->arr_rng), on_arrival, m, 0, NULL),
                   0);
}

static void on_departure(sim_engine *e, void *ctx, uint64_t arg) {
  (void)arg;
  queue_model *m = ctx;
  sim_time now = sim_engine_now(e);
  sim_timeavg_add(&m->in_system, now, -1);
  /* Bernoulli feedback: the draw happens at departures, whose order depends
   * on the service times. */
  if (m->feedback_p > 0 && sim_rng_uniform_pos(m->fb_rng) < m->feedback_p)
    enter_station(m, now);
}

static void run_queue(const queue_params *p, queue_result *out, sim_time *trace, size_t trace_cap) {
  queue_model m = {0};
  m.eng = sim_engine_new(0);
  assert_non_null(m.eng);
  assert_int_equal(sim_station_init(&m.st, p->servers), 0);
  assert_int_equal(sim_station_set_queue_limit(&m.st, p->queue_limit), 0);
  assert_int_equal(sim_hist_init(&m.wait_hist), 0);
  m.arr_rng = sim_rng_new(p->seed, 1, 0);
  assert_non_null(m.arr_rng);
  m.svc_rng = p->shared_stream ? m.arr_rng : sim_rng_new(p->seed, 1, 1);
  m.fb_rng = p->shared_stream ? m.arr_rng : sim_rng_new(p->seed, 1, 2);
  assert_non_null(m.svc_rng);
  assert_non_null(m.fb_rng);
  assert_int_equal(sim_dist_exponential(MS_NS / p->lambda_per_ms, &m.inter), 0);
  if (p->deterministic)
    assert_int_equal(sim_dist_constant(p->service_ms * MS_NS, &m.service), 0);
  else
    assert_int_equal(sim_dist_exponential(p->service_ms * MS_NS, &m.service), 0);
  m.feedback_p = p->feedback_p;
  m.trace = trace;
  m.trace_cap = trace_cap;
  sim_welford_init(&m.wait_ns);
  sim_welford_init(&m.sojourn_ns);
  sim_timeavg_init(&m.in_system, 0, 0);

  const sim_time warm = (sim_time)(p->warmup_ms * MS_NS);
  const sim_time end = warm + (sim_time)(p->run_ms * MS_NS);
  assert_int_equal(
      sim_engine_schedule(m.eng, draw_ns(&m.inter, m.arr_rng), on_arrival, &m, 0, NULL), 0);
  sim_engine_run_until(m.eng, warm);
  m.measuring = true;
  sim_timeavg_restart(&m.in_system, warm);
  m.stats = (sim_station_stats){0};
  sim_engine_run_until(m.eng, end);
  assert_int_equal(sim_engine_now(m.eng), end);

  const double t_ms = p->run_ms;
  *out = (queue_result){
      .wait_ms = m.wait_ns.mean / MS_NS,
      .sojourn_ms = m.sojourn_ns.mean / MS_NS,
      .l_time_avg = sim_timeavg_mean(&m.in_system, end),
      .lambda_hat_per_ms = (double)m.arrivals / t_ms,
      .station_wait_ms = (double)m.stats.wait_ns / (double)m.stats.accepted / MS_NS,
      .p90_ms = sim_hist_quantile(&m.wait_hist, 0.90) / MS_NS,
      .p99_ms = sim_hist_quantile(&m.wait_hist, 0.99) / MS_NS,
      .p_no_wait = sim_hist_cdf(&m.wait_hist, 0),
      .p_blocked = m.arrivals ? (double)m.blocked / (double)m.arrivals : 0,
      .arrivals = m.arrivals,
      .fired = sim_engine_fired(m.eng),
  };
  /* With no feedback every accepted job is a measured customer, and the
   * station's own wait accounting must agree with ours. */
  if (p->feedback_p == 0) {
    assert_int_equal(m.stats.accepted, m.wait_ns.n);
    assert_true(fabs(out->station_wait_ms - out->wait_ms) <= 1e-9 * (1 + out->wait_ms));
  }

  if (!p->shared_stream) {
    sim_rng_free(m.svc_rng);
    sim_rng_free(m.fb_rng);
  }
  sim_rng_free(m.arr_rng);
  sim_hist_release(&m.wait_hist);
  sim_station_release(&m.st);
  sim_engine_free(m.eng);
}

/* ---- theory ---- */

/* Erlang C: probability an arrival waits in M/M/c with offered load a =
 * lambda / mu < c. Erlang B by the stable recursion B(0) = 1,
 * B(k) = a B(k-1) / (k + a B(k-1)); then C = c B / (c - a (1 - B)). */
static double erlang_c(uint32_t c, double a) {
  double b = 1;
  for (uint32_t k = 1; k <= c; k++)
    b = a * b / (k + a * b);
  return c * b / (c - a * (1 - b));
}

/* Mean wait in queue, in ms (mu = 1 / service_ms). */
static double theory_wq_ms(const queue_params *p) {
  double mu = 1 / p->service_ms, lambda = p->lambda_per_ms;
  double rho = lambda / (p->servers * mu);
  if (p->deterministic) /* M/D/1, Pollaczek-Khinchine: rho / (2 mu (1 - rho)) */
    return rho / (2 * mu * (1 - rho));
  if (p->servers == 1) /* M/M/1: rho / (mu - lambda) */
    return rho / (mu - lambda);
  /* M/M/c: C(c, a) / (c mu - lambda) */
  return erlang_c(p->servers, lambda / mu) / (p->servers * mu - lambda);
}

/* M/M/c/K blocking probability, K = c + L places in all (offered load
 * a = lambda / mu, any a): p_n = p_0 a^n / n! for n < c and
 * p_0 a^n / (c! c^(n-c)) for c <= n <= K; an arrival is refused with
 * probability p_K (PASTA). Terms built by ratios to stay finite. */
static double theory_blocking(uint32_t c, uint32_t limit, double a) {
  double term = 1, sum = 1, last = 1;
  for (uint32_t n = 1; n <= c + limit; n++) {
    term *= a / (n <= c ? (double)n : (double)c);
    sum += term;
    last = term;
  }
  return last / sum;
}

/* ---- replications and intervals ---- */

enum { MAX_REPS = 16 };

typedef struct rep_set {
  int n;
  queue_result r[MAX_REPS];
} rep_set;

static void run_reps(const queue_params *base, int reps, rep_set *out) {
  assert_true(reps <= MAX_REPS);
  out->n = reps;
  for (int i = 0; i < reps; i++) {
    queue_params p = *base;
    p.seed = base->seed + (uint64_t)i;
    run_queue(&p, &out->r[i], NULL, 0);
  }
}

/* Student-t CI at `level` of one field of the replications, selected by
 * its offset in queue_result. */
static sim_ci ci_of(const rep_set *s, size_t field_offset, double level) {
  double xs[MAX_REPS];
  for (int i = 0; i < s->n; i++)
    memcpy(&xs[i], (const char *)&s->r[i] + field_offset, sizeof(double));
  sim_ci ci;
  assert_int_equal(sim_ci_level(xs, (size_t)s->n, level, &ci), 0);
  return ci;
}

/* Confidence levels. Each interval misses a true value with probability
 * 1 - level, so a suite of many intervals fails somewhere by chance far more
 * often than one interval does: the headline means (Wq, the brief's
 * criterion) use 95%, the secondary checks 99% so that together they do not
 * make the test fail on an unlucky seed after any legitimate change to the
 * random sequence. Seeds are fixed, so a given build passes or fails
 * deterministically. */
#define LEVEL_PRIMARY   0.95
#define LEVEL_SECONDARY 0.99

/* Fails unless theory lies in the CI and the CI is narrower than
 * max_rel * |theory| (so a uselessly wide interval cannot pass). */
static void assert_ci_contains(const char *what, const rep_set *s, size_t field_offset,
                               double level, double theory, double max_rel) {
  sim_ci ci = ci_of(s, field_offset, level);
  print_message("  %-32s theory %9.5f  %2.0f%% CI %9.5f +- %8.5f  [%9.5f, %9.5f]  hw %.1f%%\n",
                what, theory, 100 * level, ci.mean, ci.half_width, ci.lo, ci.hi,
                100 * ci.half_width / fmax(fabs(theory), 1e-300));
  if (!(ci.lo <= theory && theory <= ci.hi))
    fail_msg("%s: theory %.6g outside %.0f%% CI [%.6g, %.6g]", what, theory, 100 * level, ci.lo,
             ci.hi);
  if (!(ci.half_width < max_rel * fabs(theory)))
    fail_msg("%s: CI half width %.6g is not below %.0f%% of %.6g", what, ci.half_width,
             100 * max_rel, theory);
}

/* ---- mean waiting time against theory ---- */

typedef struct queue_case {
  const char *name;
  uint32_t servers;
  double rho;
  bool deterministic;
  double warmup_ms, run_ms;
  int reps;
} queue_case;

/* Run lengths: the CI half width of the mean wait scales with the
 * relaxation time, ~ 1 / (mu (1 - sqrt(rho))^2) (about 380 ms at rho = 0.9),
 * so the heavy-traffic cases need the longest runs. Warm-ups are several
 * relaxation times. Sizes give half widths of 2-3% (limit 10%). At
 * rho = 0.9 the per-replication means are right-skewed (rare long busy
 * periods), which makes a t interval under-cover: over 200 independent
 * seed sets, 160 s runs missed the theory 17 times (8.5%, 13 of them
 * below it), 640 s runs 13 times (6.5%, balanced), hence the longer run. */
static const queue_case queue_cases[] = {
    {"M/M/1 rho=0.5", 1, 0.5, false, 200, 40000, 10},
    {"M/M/1 rho=0.8", 1, 0.8, false, 1000, 80000, 10},
    {"M/M/1 rho=0.9", 1, 0.9, false, 4000, 640000, 10},
    {"M/M/4 rho=0.8", 4, 0.8, false, 500, 30000, 10},
    {"M/D/1 rho=0.8", 1, 0.8, true, 1000, 60000, 10},
};

static queue_params params_of(const queue_case *c, uint64_t seed) {
  return (queue_params){
      .servers = c->servers,
      .lambda_per_ms = c->rho * c->servers, /* mu = 1 */
      .deterministic = c->deterministic,
      .service_ms = 1,
      .warmup_ms = c->warmup_ms,
      .run_ms = c->run_ms,
      .seed = seed,
  };
}

static void test_mean_wait_against_theory(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(queue_cases); i++) {
    const queue_case *c = &queue_cases[i];
    queue_params p = params_of(c, 1000 * (i + 1));
    rep_set s;
    run_reps(&p, c->reps, &s);
    double wq = theory_wq_ms(&p);
    print_message("%s (%d replications of %.0f ms after %.0f ms warm-up)\n", c->name, c->reps,
                  c->run_ms, c->warmup_ms);
    assert_ci_contains("mean wait in queue Wq (ms)", &s, offsetof(queue_result, wait_ms),
                       LEVEL_PRIMARY, wq, 0.10);

    /* Little's law, L = lambda W, with L from the time average of the
     * number in system and W from per-customer sojourn times: first the
     * measured L against theory, then the per-replication difference
     * L - lambda_hat W against 0 (edge effects only, no bias). */
    double l_theory = p.lambda_per_ms * (wq + p.service_ms);
    assert_ci_contains("time-average in system L", &s, offsetof(queue_result, l_time_avg),
                       LEVEL_SECONDARY, l_theory, 0.10);
    double diff[MAX_REPS];
    for (int k = 0; k < s.n; k++)
      diff[k] = s.r[k].l_time_avg - s.r[k].lambda_hat_per_ms * s.r[k].sojourn_ms;
    sim_ci dci;
    assert_int_equal(sim_ci_level(diff, (size_t)s.n, LEVEL_SECONDARY, &dci), 0);
    print_message("  %-32s 99%% CI %9.6f +- %8.6f\n", "L - lambda_hat W (Little)", dci.mean,
                  dci.half_width);
    assert_true(dci.lo <= 0 && 0 <= dci.hi);
    assert_true(dci.half_width < 0.01 * l_theory); /* tight: it is an identity */
  }
}

/* The M/M/1 waiting-time distribution through the histogram:
 * P(Wq = 0) = 1 - rho and P(Wq > t) = rho exp(-(mu - lambda) t), so the
 * q-quantile for q > 1 - rho is ln(rho / (1 - q)) / (mu - lambda). */
/* A bounded waiting room refuses exactly as often as M/M/c/K says, below,
 * near and above saturation (the overload the model's queue limits are
 * for), and never when the room is large against the load. */
static void test_bounded_queue_blocking(void **state) {
  (void)state;
  static const struct {
    uint32_t servers, limit;
    double rho;
  } cases[] = {{1, 4, 0.8}, {2, 3, 1.0}, {4, 8, 1.5}};
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    queue_params p = {.servers = cases[i].servers,
                      .lambda_per_ms = cases[i].rho * cases[i].servers,
                      .service_ms = 1,
                      .warmup_ms = 200,
                      .run_ms = 20000,
                      .seed = 7000 + 100 * i,
                      .queue_limit = cases[i].limit};
    rep_set s;
    run_reps(&p, 10, &s);
    double pk = theory_blocking(p.servers, p.queue_limit, p.lambda_per_ms);
    print_message("M/M/%u/%u rho=%.1f\n", p.servers, p.servers + p.queue_limit, cases[i].rho);
    assert_ci_contains("P(refused)", &s, offsetof(queue_result, p_blocked), LEVEL_PRIMARY, pk,
                       0.10);
  }
  queue_params roomy = {.servers = 1,
                        .lambda_per_ms = 0.3,
                        .service_ms = 1,
                        .run_ms = 5000,
                        .seed = 42,
                        .queue_limit = 1000};
  queue_result r;
  run_queue(&roomy, &r, NULL, 0);
  assert_true(r.arrivals > 1000);
  assert_true(r.p_blocked == 0);
}

static void test_mm1_wait_distribution(void **state) {
  (void)state;
  const queue_case *c = &queue_cases[1]; /* M/M/1 rho = 0.8 */
  queue_params p = params_of(c, 77000);
  rep_set s;
  run_reps(&p, c->reps, &s);
  double rho = c->rho, gap = 1 - p.lambda_per_ms; /* mu - lambda, per ms */
  print_message("%s waiting-time distribution\n", c->name);
  assert_ci_contains("P(no wait)", &s, offsetof(queue_result, p_no_wait), LEVEL_SECONDARY, 1 - rho,
                     0.10);
  assert_ci_contains("p90 of wait (ms)", &s, offsetof(queue_result, p90_ms), LEVEL_SECONDARY,
                     log(rho / 0.10) / gap, 0.10);
  assert_ci_contains("p99 of wait (ms)", &s, offsetof(queue_result, p99_ms), LEVEL_SECONDARY,
                     log(rho / 0.01) / gap, 0.10);
}

/* ---- tie-break: equal-time events must fire in scheduling order ---- */

typedef struct dd1 {
  sim_engine *eng;
  sim_timeavg n;
  int remaining;
  bool departure_first; /* schedule the departure before the next arrival */
} dd1;

static void dd1_departure(sim_engine *e, void *ctx, uint64_t arg) {
  (void)arg;
  dd1 *m = ctx;
  sim_timeavg_add(&m->n, sim_engine_now(e), -1);
}

static void dd1_arrival(sim_engine *e, void *ctx, uint64_t arg) {
  (void)arg;
  dd1 *m = ctx;
  sim_timeavg_add(&m->n, sim_engine_now(e), +1);
  /* Service 1 ms, interarrival 1 ms: each departure coincides with the
   * next arrival. Which of the two fires first is decided only by the
   * order they were scheduled in. */
  bool more = --m->remaining > 0;
  if (m->departure_first)
    assert_int_equal(sim_engine_schedule(e, SIM_MS, dd1_departure, m, 0, NULL), 0);
  if (more)
    assert_int_equal(sim_engine_schedule(e, SIM_MS, dd1_arrival, m, 0, NULL), 0);
  if (!m->departure_first)
    assert_int_equal(sim_engine_schedule(e, SIM_MS, dd1_departure, m, 0, NULL), 0);
}

/* The peak number in system of a D/D/1 queue at rho = 1 is 1 when the
 * departure at each instant fires first and 2 when the arrival does: a
 * deterministic outcome that only the equal-time order decides. An engine
 * that broke ties by anything other than scheduling order (a plain binary
 * heap, LIFO) would get at least one of the two wrong. */
static void test_tie_break_decides_outcome(void **state) {
  (void)state;
  for (int order = 0; order < 2; order++) {
    dd1 m = {.remaining = 1000, .departure_first = order == 0};
    m.eng = sim_engine_new(0);
    assert_non_null(m.eng);
    sim_timeavg_init(&m.n, 0, 0);
    assert_int_equal(sim_engine_schedule_at(m.eng, 0, dd1_arrival, &m, 0, NULL), 0);
    sim_engine_run_until(m.eng, SIM_TIME_NEVER);
    assert_int_equal(sim_engine_fired(m.eng), 2000);
    assert_true(m.n.value == 0);
    assert_true(m.n.peak == (m.departure_first ? 1 : 2));
    /* The time average is 1 either way: order changes instants only. */
    assert_true(fabs(sim_timeavg_mean(&m.n, 1000 * SIM_MS) - 1) < 1e-12);
    sim_engine_free(m.eng);
  }
}

/* Two jobs arriving at one instant at a single server: the one whose
 * arrival was scheduled first is served first. Holds 5 ms and 1 ms give
 * total waits of 5 ms in scheduling order and 1 ms in reverse. */
typedef struct pair_ctx {
  sim_station st;
  sim_time wait_of[2];
} pair_ctx;

static const sim_time pair_hold[2] = {5 * SIM_MS, 1 * SIM_MS};

static void pair_arrival(sim_engine *e, void *ctx, uint64_t arg) {
  pair_ctx *c = ctx;
  sim_time now = sim_engine_now(e);
  c->wait_of[arg] = sim_station_accept(&c->st, now, pair_hold[arg]) - now;
}

/* Equal-time events interleaved with others, many of them, scheduled in a
 * scrambled order (also from inside handlers at the current time): the
 * firing order must be (time, scheduling order). */
typedef struct order_ctx {
  uint64_t fired[4096];
  size_t n;
  sim_time time_of[4096];
  uint64_t next_id;
} order_ctx;

static void order_handler(sim_engine *e, void *ctx, uint64_t arg) {
  order_ctx *c = ctx;
  c->fired[c->n++] = arg;
  /* Every 7th event schedules a follower at the same instant: it gets a
   * later sequence number than everything already pending at that time. */
  if (arg % 7 == 0 && c->next_id < 4096) {
    uint64_t id = c->next_id++;
    c->time_of[id] = sim_engine_now(e);
    assert_int_equal(sim_engine_schedule(e, 0, order_handler, c, id, NULL), 0);
  }
}

static void test_equal_time_order(void **state) {
  (void)state;
  /* Pair at a station. */
  for (int first = 0; first < 2; first++) {
    pair_ctx c = {0};
    assert_int_equal(sim_station_init(&c.st, 1), 0);
    sim_engine *e = sim_engine_new(0);
    assert_non_null(e);
    assert_int_equal(sim_engine_schedule_at(e, SIM_MS, pair_arrival, &c, (uint64_t)first, NULL), 0);
    assert_int_equal(sim_engine_schedule_at(e, SIM_MS, pair_arrival, &c, (uint64_t)!first, NULL),
                     0);
    sim_engine_run_until(e, SIM_TIME_NEVER);
    assert_int_equal(c.wait_of[first], 0);
    assert_int_equal(c.wait_of[!first], pair_hold[first]);
    sim_engine_free(e);
    sim_station_release(&c.st);
  }

  /* Many events on few distinct instants. */
  static order_ctx c;
  memset(&c, 0, sizeof(c));
  sim_engine *e = sim_engine_new(0);
  assert_non_null(e);
  gsl_rng *r = sim_rng_new(5, 0, 0);
  for (uint64_t id = 0; id < 2000; id++) {
    c.time_of[id] = (sim_time)gsl_rng_uniform_int(r, 8) * SIM_US;
    assert_int_equal(sim_engine_schedule_at(e, c.time_of[id], order_handler, &c, id, NULL), 0);
  }
  c.next_id = 2000;
  sim_engine_run_until(e, SIM_TIME_NEVER);
  assert_int_equal(c.n, c.next_id);
  /* Ids were handed out in scheduling order, so within one instant they
   * must fire in increasing id order, and times must never decrease. */
  for (size_t i = 1; i < c.n; i++) {
    sim_time ta = c.time_of[c.fired[i - 1]], tb = c.time_of[c.fired[i]];
    assert_true(ta < tb || (ta == tb && c.fired[i - 1] < c.fired[i]));
  }
  sim_rng_free(r);
  sim_engine_free(e);
}

/* ---- common random numbers ---- */

enum { TRACE = 3000 };

/* First TRACE external arrival times of an M/M/1 with Bernoulli feedback
 * (p = 0.2, rho = 0.75 including fed-back work) for a given mean service. */
static void arrival_trace(double service_ms, int shared, sim_time *trace) {
  queue_params p = {
      .servers = 1,
      .lambda_per_ms = 0.6,
      .service_ms = service_ms,
      .feedback_p = 0.2,
      .warmup_ms = 0,
      .run_ms = TRACE / 0.6 * 1.5, /* long enough for TRACE arrivals */
      .seed = 4242,
      .shared_stream = shared,
  };
  queue_result res;
  memset(trace, 0, TRACE * sizeof(*trace));
  run_queue(&p, &res, trace, TRACE);
  assert_true(trace[TRACE - 1] > 0);
}

/* Inversion sampling draws exactly one uniform per sample, so a change of
 * service *parameter* alone would not shift a shared stream here (the
 * arrival handler always draws service then interarrival). What shifts it
 * are draws tied to events whose order depends on the service times: the
 * feedback decision at each departure. With one stream per purpose the
 * arrival sequence is identical whatever the service (common random
 * numbers); with one shared stream it is not. */
static void test_common_random_numbers(void **state) {
  (void)state;
  static sim_time a[TRACE], b[TRACE];
  arrival_trace(1.0, 0, a);
  arrival_trace(0.7, 0, b);
  assert_memory_equal(a, b, sizeof(a));

  arrival_trace(1.0, 1, a);
  arrival_trace(0.7, 1, b);
  size_t first_diff = 0;
  while (first_diff < TRACE && a[first_diff] == b[first_diff])
    first_diff++;
  print_message("shared stream: arrival sequences diverge at arrival %zu of %d\n", first_diff,
                TRACE);
  assert_true(first_diff < TRACE);

  /* What common random numbers buy: the difference of mean waits between
   * service 1.0 ms and 0.95 ms, per replication, varies far less when both
   * variants share seeds than when they use independent seeds. */
  enum { R = 10 };
  const double fast_ms = 0.95, lambda = 0.7;
  double crn[R], indep[R];
  for (int i = 0; i < R; i++) {
    queue_params p = {.servers = 1,
                      .lambda_per_ms = lambda,
                      .service_ms = 1.0,
                      .warmup_ms = 200,
                      .run_ms = 5000,
                      .seed = 900 + (uint64_t)i};
    queue_result slow, fast, fast_indep;
    run_queue(&p, &slow, NULL, 0);
    p.service_ms = fast_ms;
    run_queue(&p, &fast, NULL, 0);
    p.seed += 100000;
    run_queue(&p, &fast_indep, NULL, 0);
    crn[i] = slow.wait_ms - fast.wait_ms;
    indep[i] = slow.wait_ms - fast_indep.wait_ms;
  }
  sim_ci ci_crn, ci_indep;
  assert_int_equal(sim_ci95(crn, R, &ci_crn), 0);
  assert_int_equal(sim_ci95(indep, R, &ci_indep), 0);
  double var_ratio = pow(ci_indep.half_width / ci_crn.half_width, 2);
  double f_crit = gsl_cdf_fdist_Pinv(0.99, R - 1, R - 1);
  print_message("Wq(1.0 ms) - Wq(%.2f ms): CRN %.4f +- %.4f, independent %.4f +- %.4f "
                "(theory %.4f); variance ratio %.1f (F 1%% critical %.2f)\n",
                fast_ms, ci_crn.mean, ci_crn.half_width, ci_indep.mean, ci_indep.half_width,
                lambda / (1 - lambda) - lambda * fast_ms / (1 / fast_ms - lambda), var_ratio,
                f_crit);
  /* Every CRN difference is positive (monotone coupling: shorter services
   * never make a customer wait longer), and a one-sided F test at 1%
   * rejects "CRN does not reduce the variance". */
  for (int i = 0; i < R; i++)
    assert_true(crn[i] > 0);
  assert_true(var_ratio > f_crit);
}

/* ---- determinism ---- */

static void format_run(uint64_t seed, char *buf, size_t len) {
  queue_params p = {.servers = 2,
                    .lambda_per_ms = 1.5,
                    .service_ms = 1.0,
                    .feedback_p = 0.1,
                    .warmup_ms = 100,
                    .run_ms = 3000,
                    .seed = seed};
  queue_result r;
  run_queue(&p, &r, NULL, 0);
  snprintf(buf, len,
           "wait=%.17g sojourn=%.17g L=%.17g lambda=%.17g p90=%.17g p99=%.17g p0=%.17g "
           "arrivals=%" PRIu64 " fired=%" PRIu64,
           r.wait_ms, r.sojourn_ms, r.l_time_avg, r.lambda_hat_per_ms, r.p90_ms, r.p99_ms,
           r.p_no_wait, r.arrivals, r.fired);
}

static void test_determinism(void **state) {
  (void)state;
  char a[512], b[512], c[512];
  format_run(31337, a, sizeof(a));
  format_run(31337, b, sizeof(b));
  format_run(31338, c, sizeof(c));
  print_message("seed 31337: %s\n", a);
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mean_wait_against_theory),
      cmocka_unit_test(test_mm1_wait_distribution),
      cmocka_unit_test(test_bounded_queue_blocking),
      cmocka_unit_test(test_tie_break_decides_outcome),
      cmocka_unit_test(test_equal_time_order),
      cmocka_unit_test(test_common_random_numbers),
      cmocka_unit_test(test_determinism),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
