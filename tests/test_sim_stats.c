/* Tests for sim_stats: Welford against hand-worked values (including a
 * large offset that breaks the naive sum-of-squares formula), merge equals
 * sequential, Student-t intervals against tabulated t quantiles and their
 * coverage, time-weighted averages on a hand-made step function, and the
 * restart (end of warm-up) semantics. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>

#include "sim_error.h"
#include "sim_rng.h"
#include "sim_stats.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* cmocka only compares floats; this compares doubles and prints both. */
#define assert_near(a, b, tol) assert_near_at((a), (b), (tol), #a, __LINE__)
static void assert_near_at(double a, double b, double tol, const char *expr, int line) {
  if (!(fabs(a - b) <= tol))
    fail_msg("line %d: %s = %.17g, want %.17g +- %g", line, expr, a, b, tol);
}

/* ---- Welford ---- */

static const struct {
  const char *what;
  double xs[8];
  size_t n;
  double mean, var, min, max;
} welford_cases[] = {
    {"empty", {0}, 0, 0, 0, 0, 0},
    {"one value", {7}, 1, 7, 0, 7, 7},
    {"1..5", {1, 2, 3, 4, 5}, 5, 3, 2.5, 1, 5},
    /* deviations -3 -1 -1 -1 0 0 2 4: squares sum to 32 */
    {"textbook", {2, 4, 4, 4, 5, 5, 7, 9}, 8, 5, 32.0 / 7, 2, 9},
    {"negative", {-1, -3}, 2, -2, 2, -3, -1},
    /* Deviations -6 -3 3 6 around 1e9 + 10: variance 90/3 = 30. The naive
     * (sum x^2 - n mean^2) / (n-1) loses all digits here (x^2 ~ 1e18). */
    {"large offset", {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}, 4, 1e9 + 10, 30, 1e9 + 4, 1e9 + 16},
};

static void test_welford_known_values(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(welford_cases); i++) {
    sim_welford w;
    sim_welford_init(&w);
    for (size_t k = 0; k < welford_cases[i].n; k++)
      sim_welford_add(&w, welford_cases[i].xs[k]);
    assert_int_equal(w.n, welford_cases[i].n);
    assert_near(w.mean, welford_cases[i].mean, 1e-12 * fabs(welford_cases[i].mean));
    assert_near(sim_welford_variance(&w), welford_cases[i].var, 1e-9);
    assert_near(sim_welford_stddev(&w), sqrt(welford_cases[i].var), 1e-9);
    if (welford_cases[i].n > 0) {
      assert_true(w.min == welford_cases[i].min);
      assert_true(w.max == welford_cases[i].max);
    }
  }
}

static void assert_welford_equal(const sim_welford *a, const sim_welford *b) {
  assert_int_equal(a->n, b->n);
  assert_near(a->mean, b->mean, 1e-12 * (1 + fabs(b->mean)));
  assert_near(a->m2, b->m2, 1e-10 * (1 + b->m2));
  assert_true(a->min == b->min && a->max == b->max);
}

/* Merging the accumulators of xs[0..k) and xs[k..n) equals adding all of
 * xs to one, for every split point k (including empty halves). */
static void test_welford_merge_equals_sequential(void **state) {
  (void)state;
  enum { N = 257 };
  double xs[N];
  gsl_rng *r = sim_rng_new(11, 0, 0);
  for (int i = 0; i < N; i++)
    xs[i] = 1e6 + 1e3 * gsl_ran_gaussian(r, 1.0) + (i % 7) * 50.0;
  sim_rng_free(r);

  sim_welford all;
  sim_welford_init(&all);
  for (int i = 0; i < N; i++)
    sim_welford_add(&all, xs[i]);

  for (int k = 0; k <= N; k++) {
    sim_welford a, b;
    sim_welford_init(&a);
    sim_welford_init(&b);
    for (int i = 0; i < k; i++)
      sim_welford_add(&a, xs[i]);
    for (int i = k; i < N; i++)
      sim_welford_add(&b, xs[i]);
    sim_welford ab = a, ba = b;
    sim_welford_merge(&ab, &b);
    sim_welford_merge(&ba, &a);
    assert_welford_equal(&ab, &all);
    assert_welford_equal(&ba, &all);
  }

  /* Many small pieces merged in sequence. */
  sim_welford acc;
  sim_welford_init(&acc);
  for (int i = 0; i < N; i += 10) {
    sim_welford piece;
    sim_welford_init(&piece);
    for (int j = i; j < i + 10 && j < N; j++)
      sim_welford_add(&piece, xs[j]);
    sim_welford_merge(&acc, &piece);
  }
  assert_welford_equal(&acc, &all);
}

/* ---- Student-t intervals ---- */

static const struct {
  const char *what;
  double xs[10];
  size_t n;
  double mean, half_width;
} ci_cases[] = {
    /* t(0.975, 4) = 2.776445, s^2 = 2.5 */
    {"1..5", {1, 2, 3, 4, 5}, 5, 3, 2.7764451051977987 * 1.5811388300841898 / 2.2360679774997898},
    /* t(0.975, 1) = 12.706205, s = sqrt(2), n = 2: half width = t */
    {"two values", {0, 2}, 2, 1, 12.706204736174707},
    /* t(0.975, 9) = 2.262157, s^2 = 55/6 */
    {"1..10",
     {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
     10,
     5.5,
     2.2621571627982053 * 3.0276503540974917 / 3.1622776601683795},
    {"constant", {4, 4, 4}, 3, 4, 0},
    {"single", {9}, 1, 9, 0},
};

static void test_ci95_known_values(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(ci_cases); i++) {
    sim_ci ci, cw;
    assert_int_equal(sim_ci95(ci_cases[i].xs, ci_cases[i].n, &ci), 0);
    assert_int_equal(ci.n, ci_cases[i].n);
    assert_near(ci.mean, ci_cases[i].mean, 1e-12);
    assert_near(ci.half_width, ci_cases[i].half_width, 1e-6);
    assert_near(ci.lo, ci_cases[i].mean - ci_cases[i].half_width, 1e-6);
    assert_near(ci.hi, ci_cases[i].mean + ci_cases[i].half_width, 1e-6);

    sim_welford w;
    sim_welford_init(&w);
    for (size_t k = 0; k < ci_cases[i].n; k++)
      sim_welford_add(&w, ci_cases[i].xs[k]);
    assert_int_equal(sim_ci95_welford(&w, &cw), 0);
    assert_near(cw.half_width, ci.half_width, 1e-12);
    assert_near(cw.mean, ci.mean, 1e-12);
  }
}

/* Other levels: t(0.995, 4) = 4.604095, t(0.95, 4) = 2.131847 for 1..5;
 * level 0.95 equals sim_ci95; levels outside (0, 1) are refused. */
static const struct {
  double level, t;
} level_cases[] = {
    {0.99, 4.6040948713499869},
    {0.90, 2.1318467863266499},
    {0.95, 2.7764451051977987},
};

static void test_ci_level(void **state) {
  (void)state;
  const double xs[] = {1, 2, 3, 4, 5};
  for (size_t i = 0; i < N_ELEMS(level_cases); i++) {
    sim_ci ci;
    assert_int_equal(sim_ci_level(xs, 5, level_cases[i].level, &ci), 0);
    assert_near(ci.half_width, level_cases[i].t * sqrt(2.5) / sqrt(5.0), 1e-6);
  }
  sim_ci a, b;
  assert_int_equal(sim_ci_level(xs, 5, 0.95, &a), 0);
  assert_int_equal(sim_ci95(xs, 5, &b), 0);
  assert_near(a.half_width, b.half_width, 0);
  static const double bad_levels[] = {0, 1, -0.5, 1.5, NAN};
  for (size_t i = 0; i < N_ELEMS(bad_levels); i++)
    assert_int_equal(sim_ci_level(xs, 5, bad_levels[i], &a), SIM_EINVAL);
}

static void test_ci95_errors(void **state) {
  (void)state;
  sim_ci ci;
  double x = 1;
  sim_welford w;
  sim_welford_init(&w);
  assert_int_equal(sim_ci95(&x, 0, &ci), SIM_EINVAL);
  assert_int_equal(sim_ci95(NULL, 3, &ci), SIM_EINVAL);
  assert_int_equal(sim_ci95(&x, 1, NULL), SIM_EINVAL);
  assert_int_equal(sim_ci95_welford(&w, &ci), SIM_EINVAL);
  assert_int_equal(sim_ci95_welford(NULL, &ci), SIM_EINVAL);
}

/* Coverage: of many 95% intervals from n = 10 normal samples, the share
 * containing the true mean is within a 99.9% binomial interval of 0.95. */
static void test_ci95_coverage(void **state) {
  (void)state;
  enum { TRIALS = 4000, N = 10 };
  const double mu = 50;
  gsl_rng *r = sim_rng_new(12, 0, 0);
  int covered = 0;
  for (int t = 0; t < TRIALS; t++) {
    double xs[N];
    for (int i = 0; i < N; i++)
      xs[i] = mu + 7 * gsl_ran_gaussian(r, 1.0);
    sim_ci ci;
    assert_int_equal(sim_ci95(xs, N, &ci), 0);
    covered += ci.lo <= mu && mu <= ci.hi;
  }
  sim_rng_free(r);
  double share = (double)covered / TRIALS;
  assert_near(share, 0.95, 3.29 * sqrt(0.95 * 0.05 / TRIALS));
}

/* ---- time-weighted averages ---- */

static void test_timeavg_step_function(void **state) {
  (void)state;
  /* value: 0 on [10,20), 2 on [20,50), 5 on [50,60), 4 from 60 on.
   * Area over [10,100] = 0 + 60 + 50 + 160 = 270, length 90: mean 3. */
  sim_timeavg ta;
  sim_timeavg_init(&ta, 10, 0);
  assert_near(sim_timeavg_mean(&ta, 10), 0, 0); /* empty window: current value */
  sim_timeavg_set(&ta, 20, 2);
  sim_timeavg_set(&ta, 50, 5);
  sim_timeavg_add(&ta, 60, -1);
  assert_near(ta.value, 4, 0);
  assert_near(ta.peak, 5, 0);
  assert_near(sim_timeavg_mean(&ta, 100), 3.0, 1e-15);
  assert_near(sim_timeavg_mean(&ta, 60), 110.0 / 50, 1e-15);
  /* A t_end before the last change reads as that change's time. */
  assert_near(sim_timeavg_mean(&ta, 30), 110.0 / 50, 1e-15);
  /* Two changes at one instant: only the last value holds any time. */
  sim_timeavg_add(&ta, 100, +10);
  sim_timeavg_add(&ta, 100, -10);
  assert_near(sim_timeavg_mean(&ta, 190), (270.0 + 4 * 90) / 180, 1e-15);
  assert_near(ta.peak, 14, 0); /* the instant spike still counts as a peak */
}

static void test_timeavg_restart(void **state) {
  (void)state;
  sim_timeavg ta;
  sim_timeavg_init(&ta, 0, 1);
  sim_timeavg_set(&ta, 100, 9); /* warm-up transient: area 100, peak 9 */
  sim_timeavg_set(&ta, 200, 4);
  sim_timeavg_restart(&ta, 250);
  /* The window now starts at 250 with the current value kept. */
  assert_true(ta.start == 250 && ta.last == 250);
  assert_near(ta.area, 0, 0);
  assert_near(ta.peak, 4, 0); /* the warm-up peak is forgotten */
  assert_near(sim_timeavg_mean(&ta, 250), 4, 0);
  sim_timeavg_set(&ta, 300, 6);
  /* 4 on [250,300), 6 on [300,350): mean 5 */
  assert_near(sim_timeavg_mean(&ta, 350), 5, 1e-15);
  assert_near(ta.peak, 6, 0);

  /* Restarting before the last change starts the window at that change. */
  sim_timeavg_restart(&ta, 100);
  assert_true(ta.start == 300);
  assert_near(sim_timeavg_mean(&ta, 400), 6, 1e-15);

  /* A change dated before the last one adds no (negative) area. */
  sim_timeavg_set(&ta, 200, 0);
  assert_near(sim_timeavg_mean(&ta, 400), 0, 1e-15);
}

/* A long random step function against an independently summed integral. */
static void test_timeavg_random_steps(void **state) {
  (void)state;
  gsl_rng *r = sim_rng_new(13, 0, 0);
  const sim_time t0 = 1000;
  sim_timeavg ta;
  sim_timeavg_init(&ta, t0, 3);
  double area = 0, v = 3, peak = 3;
  sim_time t = t0;
  for (int i = 0; i < 10000; i++) {
    sim_time dt = (sim_time)gsl_rng_uniform_int(r, 1000);
    double nv = (double)gsl_rng_uniform_int(r, 50);
    area += v * (double)dt;
    t += dt;
    v = nv;
    peak = fmax(peak, v);
    sim_timeavg_set(&ta, t, v);
  }
  area += v * 500;
  assert_near(sim_timeavg_mean(&ta, t + 500), area / (double)(t + 500 - t0), 1e-9);
  assert_near(ta.peak, peak, 0);
  sim_rng_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_welford_known_values),
      cmocka_unit_test(test_welford_merge_equals_sequential),
      cmocka_unit_test(test_ci95_known_values),
      cmocka_unit_test(test_ci_level),
      cmocka_unit_test(test_ci95_errors),
      cmocka_unit_test(test_ci95_coverage),
      cmocka_unit_test(test_timeavg_step_function),
      cmocka_unit_test(test_timeavg_restart),
      cmocka_unit_test(test_timeavg_random_steps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
