/* Tests for sim_dist: parameter validation (a table of bad inputs and their
 * codes), exact quantiles against GSL's independent CDF code, sample means
 * within a 99.9% interval of the exact mean, Kolmogorov-Smirnov tests of
 * samples against the CDF, the lognormal mean/p99 and Pareto mean
 * constructors, the empirical inverse CDF, and the one-draw-per-sample
 * property that common random numbers rely on. Fixed seeds throughout. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>

#include "sim_dist.h"
#include "sim_error.h"
#include "sim_rng.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* cmocka only compares floats; this compares doubles and prints both. */
#define assert_near(a, b, tol) assert_near_at((a), (b), (tol), #a, __LINE__)
static void assert_near_at(double a, double b, double tol, const char *expr, int line) {
  if (!(fabs(a - b) <= tol))
    fail_msg("line %d: %s = %.17g, want %.17g +- %g", line, expr, a, b, tol);
}

/* ---- parameter validation ---- */

static const double emp_x_ok[] = {1, 2, 4};
static const double emp_p_ok[] = {0, 0.5, 1};
static const double emp_x_desc[] = {1, 3, 2};
static const double emp_p_desc[] = {0, 0.6, 0.5};
static const double emp_p_no0[] = {0.1, 0.5, 1};
static const double emp_p_no1[] = {0, 0.5, 0.9};
static const double emp_x_neg[] = {-1, 2, 4};
static const double emp_x_nan[] = {1, NAN, 4};

typedef enum { C_CONST, C_EXP, C_UNI, C_LN, C_LN99, C_PAR, C_PARM, C_EMP } ctor;

static const struct {
  const char *what;
  ctor c;
  double a, b;
  const double *x, *p;
  size_t n;
  int want;
} validation_cases[] = {
    {"constant 0", C_CONST, 0, 0, NULL, NULL, 0, 0},
    {"constant 5", C_CONST, 5, 0, NULL, NULL, 0, 0},
    {"constant negative", C_CONST, -1, 0, NULL, NULL, 0, SIM_EINVAL},
    {"constant nan", C_CONST, NAN, 0, NULL, NULL, 0, SIM_EINVAL},
    {"constant inf", C_CONST, INFINITY, 0, NULL, NULL, 0, SIM_EINVAL},
    {"exponential 1", C_EXP, 1, 0, NULL, NULL, 0, 0},
    {"exponential 0", C_EXP, 0, 0, NULL, NULL, 0, SIM_EINVAL},
    {"exponential negative", C_EXP, -2, 0, NULL, NULL, 0, SIM_EINVAL},
    {"exponential nan", C_EXP, NAN, 0, NULL, NULL, 0, SIM_EINVAL},
    {"exponential inf", C_EXP, INFINITY, 0, NULL, NULL, 0, SIM_EINVAL},
    {"uniform ok", C_UNI, 1, 3, NULL, NULL, 0, 0},
    {"uniform degenerate", C_UNI, 2, 2, NULL, NULL, 0, 0},
    {"uniform reversed", C_UNI, 3, 1, NULL, NULL, 0, SIM_ERANGE},
    {"uniform negative low", C_UNI, -1, 1, NULL, NULL, 0, SIM_EINVAL},
    {"uniform inf high", C_UNI, 0, INFINITY, NULL, NULL, 0, SIM_EINVAL},
    {"uniform nan low", C_UNI, NAN, 1, NULL, NULL, 0, SIM_EINVAL},
    {"lognormal ok", C_LN, 0, 1, NULL, NULL, 0, 0},
    {"lognormal negative mu", C_LN, -3, 0.5, NULL, NULL, 0, 0},
    {"lognormal sigma 0", C_LN, 0, 0, NULL, NULL, 0, SIM_EINVAL},
    {"lognormal sigma negative", C_LN, 0, -1, NULL, NULL, 0, SIM_EINVAL},
    {"lognormal mu nan", C_LN, NAN, 1, NULL, NULL, 0, SIM_EINVAL},
    {"lognormal sigma inf", C_LN, 0, INFINITY, NULL, NULL, 0, SIM_EINVAL},
    {"lognormal mean overflows", C_LN, 700, 5, NULL, NULL, 0, SIM_ERANGE},
    {"mean_p99 ok", C_LN99, 10, 30, NULL, NULL, 0, 0},
    {"mean_p99 near limit", C_LN99, 1, 14.9, NULL, NULL, 0, 0},
    {"mean_p99 beyond limit", C_LN99, 1, 15.0, NULL, NULL, 0, SIM_ERANGE},
    {"mean_p99 p99 == mean", C_LN99, 10, 10, NULL, NULL, 0, SIM_ERANGE},
    {"mean_p99 p99 < mean", C_LN99, 10, 5, NULL, NULL, 0, SIM_ERANGE},
    {"mean_p99 mean 0", C_LN99, 0, 5, NULL, NULL, 0, SIM_EINVAL},
    {"mean_p99 mean negative", C_LN99, -1, 5, NULL, NULL, 0, SIM_EINVAL},
    {"mean_p99 p99 nan", C_LN99, 1, NAN, NULL, NULL, 0, SIM_EINVAL},
    {"mean_p99 p99 inf", C_LN99, 1, INFINITY, NULL, NULL, 0, SIM_EINVAL},
    {"pareto ok", C_PAR, 2.5, 1, NULL, NULL, 0, 0},
    {"pareto alpha < 1 ok", C_PAR, 0.5, 1, NULL, NULL, 0, 0},
    {"pareto alpha 0", C_PAR, 0, 1, NULL, NULL, 0, SIM_EINVAL},
    {"pareto x_min 0", C_PAR, 2, 0, NULL, NULL, 0, SIM_EINVAL},
    {"pareto x_min negative", C_PAR, 2, -1, NULL, NULL, 0, SIM_EINVAL},
    {"pareto alpha nan", C_PAR, NAN, 1, NULL, NULL, 0, SIM_EINVAL},
    {"pareto_mean ok", C_PARM, 10, 3, NULL, NULL, 0, 0},
    {"pareto_mean alpha 1", C_PARM, 10, 1, NULL, NULL, 0, SIM_ERANGE},
    {"pareto_mean alpha 0.5", C_PARM, 10, 0.5, NULL, NULL, 0, SIM_ERANGE},
    {"pareto_mean alpha 0", C_PARM, 10, 0, NULL, NULL, 0, SIM_EINVAL},
    {"pareto_mean mean 0", C_PARM, 0, 3, NULL, NULL, 0, SIM_EINVAL},
    {"pareto_mean mean inf", C_PARM, INFINITY, 3, NULL, NULL, 0, SIM_EINVAL},
    {"empirical ok", C_EMP, 0, 0, emp_x_ok, emp_p_ok, 3, 0},
    {"empirical n 1", C_EMP, 0, 0, emp_x_ok, emp_p_ok, 1, SIM_EINVAL},
    {"empirical n 0", C_EMP, 0, 0, emp_x_ok, emp_p_ok, 0, SIM_EINVAL},
    {"empirical x NULL", C_EMP, 0, 0, NULL, emp_p_ok, 3, SIM_EINVAL},
    {"empirical p NULL", C_EMP, 0, 0, emp_x_ok, NULL, 3, SIM_EINVAL},
    {"empirical x descending", C_EMP, 0, 0, emp_x_desc, emp_p_ok, 3, SIM_EINVAL},
    {"empirical p descending", C_EMP, 0, 0, emp_x_ok, emp_p_desc, 3, SIM_EINVAL},
    {"empirical p[0] != 0", C_EMP, 0, 0, emp_x_ok, emp_p_no0, 3, SIM_EINVAL},
    {"empirical p[n-1] != 1", C_EMP, 0, 0, emp_x_ok, emp_p_no1, 3, SIM_EINVAL},
    {"empirical negative x", C_EMP, 0, 0, emp_x_neg, emp_p_ok, 3, SIM_EINVAL},
    {"empirical nan x", C_EMP, 0, 0, emp_x_nan, emp_p_ok, 3, SIM_EINVAL},
};

static int construct(ctor c, double a, double b, const double *x, const double *p, size_t n,
                     sim_dist *out) {
  switch (c) {
  case C_CONST:
    return sim_dist_constant(a, out);
  case C_EXP:
    return sim_dist_exponential(a, out);
  case C_UNI:
    return sim_dist_uniform(a, b, out);
  case C_LN:
    return sim_dist_lognormal(a, b, out);
  case C_LN99:
    return sim_dist_lognormal_mean_p99(a, b, out);
  case C_PAR:
    return sim_dist_pareto(a, b, out);
  case C_PARM:
    return sim_dist_pareto_mean(a, b, out);
  case C_EMP:
    return sim_dist_empirical(x, p, n, out);
  }
  return 1;
}

static void test_parameter_validation(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(validation_cases); i++) {
    /* A sentinel shows whether a failing constructor wrote *out. */
    sim_dist d = {.kind = SIM_DIST_CONSTANT, .a = 1234.5};
    int rc = construct(validation_cases[i].c, validation_cases[i].a, validation_cases[i].b,
                       validation_cases[i].x, validation_cases[i].p, validation_cases[i].n, &d);
    if (rc != validation_cases[i].want)
      fail_msg("%s: got %d, want %d", validation_cases[i].what, rc, validation_cases[i].want);
    if (rc != 0) {
      assert_int_equal(d.kind, SIM_DIST_CONSTANT);
      assert_true(d.a == 1234.5);
      continue;
    }
    /* A valid distribution has a non-NaN mean and non-NaN quantiles. */
    assert_false(isnan(sim_dist_mean(&d)));
    for (double q = 0; q <= 1.0; q += 0.125)
      assert_false(isnan(sim_dist_quantile(&d, q)));
  }
  /* NULL out is refused, not dereferenced. */
  assert_int_equal(sim_dist_exponential(1, NULL), SIM_EINVAL);
}

/* ---- distributions used by the statistical tests ---- */

static const double emp_x[] = {0, 1, 1, 3, 10};
static const double emp_p[] = {0, 0.2, 0.5, 0.5, 1}; /* atom at 1 (0.3), gap at p = 0.5 */

typedef struct dist_case {
  const char *what;
  sim_dist d;
  /* Reference CDF from an independent implementation (GSL or by hand). */
  double (*cdf)(const struct dist_case *c, double x);
  double var; /* exact variance, INFINITY when it does not exist */
} dist_case;

static double cdf_exponential(const dist_case *c, double x) {
  return gsl_cdf_exponential_P(x, c->d.a);
}
static double cdf_uniform(const dist_case *c, double x) {
  return gsl_cdf_flat_P(x, c->d.a, c->d.b);
}
static double cdf_lognormal(const dist_case *c, double x) {
  return gsl_cdf_lognormal_P(x, c->d.a, c->d.b);
}
static double cdf_pareto(const dist_case *c, double x) {
  return gsl_cdf_pareto_P(x, c->d.a, c->d.b);
}
/* The CDF of the empirical table, written as a forward search so it shares
 * no code with the inverse in sim_dist.c. */
static double cdf_empirical(const dist_case *c, double x) {
  const double *xs = c->d.x, *ps = c->d.p;
  if (x < xs[0])
    return 0;
  double f = 0;
  for (size_t i = 1; i < c->d.n; i++) {
    if (x >= xs[i])
      f = ps[i];
    else if (x >= xs[i - 1] && xs[i] > xs[i - 1])
      f = ps[i - 1] + (ps[i] - ps[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  }
  return f;
}

static size_t make_cases(dist_case *cs) {
  size_t n = 0;
  cs[n] = (dist_case){.what = "exponential(3)", .cdf = cdf_exponential, .var = 9};
  assert_int_equal(sim_dist_exponential(3, &cs[n++].d), 0);
  cs[n] = (dist_case){.what = "uniform(2, 5)", .cdf = cdf_uniform, .var = 9.0 / 12};
  assert_int_equal(sim_dist_uniform(2, 5, &cs[n++].d), 0);
  /* Var = (exp(s^2) - 1) exp(2 mu + s^2) */
  cs[n] = (dist_case){
      .what = "lognormal(1, 0.5)", .cdf = cdf_lognormal, .var = (exp(0.25) - 1) * exp(2 + 0.25)};
  assert_int_equal(sim_dist_lognormal(1, 0.5, &cs[n++].d), 0);
  cs[n] = (dist_case){.what = "lognormal mean 1 ms, p99 5 ms", .cdf = cdf_lognormal};
  assert_int_equal(sim_dist_lognormal_mean_p99(1e6, 5e6, &cs[n].d), 0);
  cs[n].var = (exp(cs[n].d.b * cs[n].d.b) - 1) * exp(2 * cs[n].d.a + cs[n].d.b * cs[n].d.b);
  n++;
  /* Var = x_m^2 alpha / ((alpha - 1)^2 (alpha - 2)) = 4 * 4.5 / (3.5^2 * 2.5) */
  cs[n] = (dist_case){.what = "pareto(4.5, 2)", .cdf = cdf_pareto, .var = 4 * 4.5 / (12.25 * 2.5)};
  assert_int_equal(sim_dist_pareto(4.5, 2, &cs[n++].d), 0);
  cs[n] =
      (dist_case){.what = "pareto(1.5, 1): infinite variance", .cdf = cdf_pareto, .var = INFINITY};
  assert_int_equal(sim_dist_pareto(1.5, 1, &cs[n++].d), 0);
  /* E[X] = 0.2*0.5 + 0.3*1 + 0.5*6.5 = 3.65; E[X^2] = 0.2/3 + 0.3 + 0.5*(9+30+100)/3 */
  cs[n] = (dist_case){.what = "empirical",
                      .cdf = cdf_empirical,
                      .var = 0.2 / 3 + 0.3 + 0.5 * 139.0 / 3 - 3.65 * 3.65};
  assert_int_equal(sim_dist_empirical(emp_x, emp_p, N_ELEMS(emp_x), &cs[n++].d), 0);
  return n;
}

/* ---- exact quantiles and means ---- */

static void test_quantile_matches_reference_cdf(void **state) {
  (void)state;
  dist_case cs[8];
  size_t n = make_cases(cs);
  static const double qs[] = {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999};
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < N_ELEMS(qs); j++) {
      double x = sim_dist_quantile(&cs[i].d, qs[j]);
      double f = cs[i].cdf(&cs[i], x);
      if (fabs(f - qs[j]) > 1e-9) {
        /* At an atom or a gap the CDF jumps: q must lie within the jump. */
        double left = cs[i].cdf(&cs[i], nextafter(x, -INFINITY));
        if (!(left <= qs[j] + 1e-12 && qs[j] <= f + 1e-12))
          fail_msg("%s: F(Q(%g)) = %.12g", cs[i].what, qs[j], f);
      }
    }
  }
}

static void test_quantile_edges(void **state) {
  (void)state;
  sim_dist d;
  assert_int_equal(sim_dist_exponential(2, &d), 0);
  assert_true(sim_dist_quantile(&d, 0) == 0);
  assert_true(isinf(sim_dist_quantile(&d, 1)));
  assert_true(sim_dist_quantile(&d, -0.5) == 0);  /* clamped */
  assert_true(isinf(sim_dist_quantile(&d, 1.5))); /* clamped */
  assert_true(isnan(sim_dist_quantile(&d, NAN)));
  /* Q(0.5) = 2 ln 2 */
  assert_near(sim_dist_quantile(&d, 0.5), 2 * log(2), 1e-15);
  assert_int_equal(sim_dist_lognormal(0, 1, &d), 0);
  assert_true(sim_dist_quantile(&d, 0) == 0);
  assert_near(sim_dist_quantile(&d, 0.5), 1.0, 1e-15); /* median exp(mu) */
  assert_int_equal(sim_dist_pareto(2, 3, &d), 0);
  assert_true(sim_dist_quantile(&d, 0) == 3);
  assert_near(sim_dist_quantile(&d, 0.75), 6.0, 1e-12); /* 3 * 0.25^(-1/2) */
  assert_int_equal(sim_dist_constant(7, &d), 0);
  assert_true(sim_dist_quantile(&d, 0.3) == 7 && sim_dist_mean(&d) == 7);
}

static const struct {
  double x[4], p[4];
  size_t n;
  double q, want;
} empirical_quantiles[] = {
    {{10, 20, 40}, {0, 0.5, 1}, 3, 0.0, 10},
    {{10, 20, 40}, {0, 0.5, 1}, 3, 0.25, 15},
    {{10, 20, 40}, {0, 0.5, 1}, 3, 0.5, 20},
    {{10, 20, 40}, {0, 0.5, 1}, 3, 0.75, 30},
    {{10, 20, 40}, {0, 0.5, 1}, 3, 1.0, 40},
    {{5, 5, 9}, {0, 0.4, 1}, 3, 0.2, 5},         /* atom at 5 with mass 0.4 */
    {{5, 5, 9}, {0, 0.4, 1}, 3, 0.7, 7},         /* 5 + 4 * 0.3 / 0.6 */
    {{1, 2, 8, 9}, {0, 0.5, 0.5, 1}, 4, 0.5, 2}, /* gap: no mass in (2, 8) */
    {{1, 2, 8, 9}, {0, 0.5, 0.5, 1}, 4, 0.75, 8.5},
};

static void test_empirical_quantiles(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(empirical_quantiles); i++) {
    sim_dist d;
    assert_int_equal(sim_dist_empirical(empirical_quantiles[i].x, empirical_quantiles[i].p,
                                        empirical_quantiles[i].n, &d),
                     0);
    assert_near(sim_dist_quantile(&d, empirical_quantiles[i].q), empirical_quantiles[i].want,
                1e-12);
  }
}

/* The exact means, checked against the integral of the quantile function,
 * E[X] = int_0^1 Q(q) dq, by the midpoint rule (bounded kinds only). */
static void test_mean_is_integral_of_quantile(void **state) {
  (void)state;
  dist_case cs[8];
  size_t n = make_cases(cs);
  for (size_t i = 0; i < n; i++) {
    if (cs[i].d.kind != SIM_DIST_UNIFORM && cs[i].d.kind != SIM_DIST_EMPIRICAL)
      continue;
    const int steps = 100000;
    double s = 0;
    for (int k = 0; k < steps; k++)
      s += sim_dist_quantile(&cs[i].d, (k + 0.5) / steps);
    assert_near(s / steps, sim_dist_mean(&cs[i].d), 1e-6);
  }
  sim_dist d;
  assert_int_equal(sim_dist_pareto(1.0, 1, &d), 0);
  assert_true(isinf(sim_dist_mean(&d)));
  assert_int_equal(sim_dist_pareto(3, 2, &d), 0);
  assert_near(sim_dist_mean(&d), 3.0, 1e-15); /* 3 * 2 / 2 */
}

/* ---- samples against theory ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sample mean within a 99.9% normal interval of the exact mean, using the
 * exact variance (skipped when it is infinite). */
static void test_sample_means(void **state) {
  (void)state;
  dist_case cs[8];
  size_t n = make_cases(cs);
  const int samples = 200000;
  for (size_t i = 0; i < n; i++) {
    if (isinf(cs[i].var))
      continue;
    gsl_rng *r = sim_rng_new(2024, 1, i);
    double sum = 0;
    for (int k = 0; k < samples; k++) {
      double x = sim_dist_sample(&cs[i].d, r);
      assert_true(x >= 0 && isfinite(x));
      sum += x;
    }
    double mean = sum / samples, want = sim_dist_mean(&cs[i].d);
    double half = 3.29 * sqrt(cs[i].var / samples);
    if (fabs(mean - want) > half)
      fail_msg("%s: sample mean %.6g, exact %.6g, 99.9%% half width %.3g", cs[i].what, mean, want,
               half);
    sim_rng_free(r);
  }
}

/* Kolmogorov-Smirnov: D = sup |F_n(x) - F(x)| against the reference CDF;
 * the 0.1% critical value is about 1.95 / sqrt(n). */
static void test_kolmogorov_smirnov(void **state) {
  (void)state;
  dist_case cs[8];
  size_t n = make_cases(cs);
  enum { SAMPLES = 20000 };
  static double xs[SAMPLES];
  for (size_t i = 0; i < n; i++) {
    if (cs[i].d.kind == SIM_DIST_EMPIRICAL)
      continue; /* atoms make the continuous KS bound invalid; see below */
    gsl_rng *r = sim_rng_new(77, 2, i);
    for (int k = 0; k < SAMPLES; k++)
      xs[k] = sim_dist_sample(&cs[i].d, r);
    qsort(xs, SAMPLES, sizeof(xs[0]), cmp_double);
    double dmax = 0;
    for (int k = 0; k < SAMPLES; k++) {
      double f = cs[i].cdf(&cs[i], xs[k]);
      double d1 = (double)(k + 1) / SAMPLES - f, d2 = f - (double)k / SAMPLES;
      dmax = fmax(dmax, fmax(d1, d2));
    }
    if (dmax > 1.95 / sqrt((double)SAMPLES))
      fail_msg("%s: KS D = %.4f", cs[i].what, dmax);
    sim_rng_free(r);
  }
}

/* For every kind (the empirical one with its atom too), the share of
 * samples <= Q(q) is within a 99.9% binomial interval of q. */
static void test_sample_quantile_shares(void **state) {
  (void)state;
  dist_case cs[8];
  size_t n = make_cases(cs);
  static const double qs[] = {0.1, 0.3, 0.5, 0.9, 0.99};
  const int samples = 50000;
  for (size_t i = 0; i < n; i++) {
    size_t below[N_ELEMS(qs)] = {0};
    double cut[N_ELEMS(qs)];
    for (size_t j = 0; j < N_ELEMS(qs); j++)
      cut[j] = sim_dist_quantile(&cs[i].d, qs[j]);
    gsl_rng *r = sim_rng_new(31, 3, i);
    for (int k = 0; k < samples; k++) {
      double x = sim_dist_sample(&cs[i].d, r);
      for (size_t j = 0; j < N_ELEMS(qs); j++)
        below[j] += x <= cut[j];
    }
    for (size_t j = 0; j < N_ELEMS(qs); j++) {
      /* With an atom at Q(q), P(X <= Q(q)) = F(Q(q)) >= q. */
      double p = cs[i].cdf(&cs[i], cut[j]);
      double share = (double)below[j] / samples;
      double half = 3.29 * sqrt(p * (1 - p) / samples) + 1e-12;
      if (fabs(share - p) > half)
        fail_msg("%s: share below Q(%g) = %.4f, want %.4f", cs[i].what, qs[j], share, p);
    }
    sim_rng_free(r);
  }
}

/* ---- constructors defined by moments ---- */

static const struct {
  double mean, p99;
} mean_p99_cases[] = {
    {1, 1.0001}, {1, 1.5}, {1e6, 5e6}, {250e3, 2e6}, {3, 40}, {1, 14.96},
};

static void test_lognormal_mean_p99_round_trip(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(mean_p99_cases); i++) {
    sim_dist d;
    double mean = mean_p99_cases[i].mean, p99 = mean_p99_cases[i].p99;
    assert_int_equal(sim_dist_lognormal_mean_p99(mean, p99, &d), 0);
    assert_int_equal(d.kind, SIM_DIST_LOGNORMAL);
    assert_near(sim_dist_mean(&d), mean, 1e-12 * mean);
    assert_near(sim_dist_quantile(&d, 0.99), p99, 1e-9 * p99);
    /* The smaller root: sigma <= z, the light-tailed solution. */
    assert_true(d.b > 0 && d.b <= 2.3263478740408408);
  }
  /* The limit exp(z^2/2): just below works, just above is SIM_ERANGE. */
  double lim = exp(2.3263478740408408 * 2.3263478740408408 / 2);
  sim_dist d;
  assert_int_equal(sim_dist_lognormal_mean_p99(1, lim * (1 - 1e-9), &d), 0);
  assert_int_equal(sim_dist_lognormal_mean_p99(1, lim * (1 + 1e-9), &d), SIM_ERANGE);
}

static void test_pareto_mean_round_trip(void **state) {
  (void)state;
  static const double alphas[] = {1.1, 1.5, 2, 3, 10};
  for (size_t i = 0; i < N_ELEMS(alphas); i++) {
    sim_dist d;
    assert_int_equal(sim_dist_pareto_mean(500, alphas[i], &d), 0);
    assert_near(sim_dist_mean(&d), 500, 1e-9);
    assert_near(d.b, 500 * (alphas[i] - 1) / alphas[i], 1e-9);
    assert_near(sim_dist_quantile(&d, 0), d.b, 0);
  }
}

/* ---- common random numbers: one draw per sample, monotone in U ---- */

static void test_one_draw_per_sample(void **state) {
  (void)state;
  dist_case cs[8];
  size_t n = make_cases(cs);
  sim_dist c;
  assert_int_equal(sim_dist_constant(4, &c), 0);
  cs[n++] = (dist_case){.what = "constant", .d = c};
  for (size_t i = 0; i < n; i++) {
    gsl_rng *a = sim_rng_new(8, 8, 8), *b = sim_rng_new(8, 8, 8);
    for (int k = 0; k < 1000; k++) {
      double x = sim_dist_sample(&cs[i].d, a);
      double u = sim_rng_uniform_pos(b);
      /* The sample is the quantile of the very uniform it drew. */
      assert_true(x == sim_dist_quantile(&cs[i].d, u));
    }
    /* Both streams are at the same position afterwards. */
    assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
    sim_rng_free(a);
    sim_rng_free(b);
  }
}

/* A Pareto with a tiny alpha overflows double; samples stay finite. */
static void test_pareto_sample_clamped(void **state) {
  (void)state;
  sim_dist d;
  assert_int_equal(sim_dist_pareto(0.01, 1, &d), 0);
  gsl_rng *r = sim_rng_new(1, 1, 1);
  int clamped = 0;
  for (int k = 0; k < 10000; k++) {
    double x = sim_dist_sample(&d, r);
    assert_true(isfinite(x) && x >= 1);
    clamped += x == DBL_MAX;
  }
  /* P(U^-100 > DBL_MAX) = P(U < DBL_MAX^-0.01) ~ 0.0008: some clamp. */
  assert_true(clamped > 0);
  sim_rng_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parameter_validation),
      cmocka_unit_test(test_quantile_matches_reference_cdf),
      cmocka_unit_test(test_quantile_edges),
      cmocka_unit_test(test_empirical_quantiles),
      cmocka_unit_test(test_mean_is_integral_of_quantile),
      cmocka_unit_test(test_sample_means),
      cmocka_unit_test(test_kolmogorov_smirnov),
      cmocka_unit_test(test_sample_quantile_shares),
      cmocka_unit_test(test_lognormal_mean_p99_round_trip),
      cmocka_unit_test(test_pareto_mean_round_trip),
      cmocka_unit_test(test_one_draw_per_sample),
      cmocka_unit_test(test_pareto_sample_clamped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
