/* sim_dist: probability distributions over non-negative reals, by value.
 *
 * A sim_dist is a small tagged struct that samples with a caller-supplied
 * stream (no hidden generator). The unit is the caller's: meshsim samples
 * durations in nanoseconds and sizes in bytes. Constructors validate their
 * parameters and return SIM_EINVAL / SIM_ERANGE instead of producing NaN:
 * SIM_EINVAL for a parameter that is NaN, infinite or outside its own domain,
 * SIM_ERANGE for parameters that together describe no distribution (or one
 * whose mean overflows). On error *out is left untouched.
 *
 * Sampling is by inversion, sample = quantile(U), with exactly one uniform
 * draw per sample for every kind (a constant draws and discards one). So
 * changing a distribution's parameters or kind never shifts the numbers that
 * later draws from the same stream see (common random numbers). */
#ifndef MESHSIM_SIM_DIST_H
#define MESHSIM_SIM_DIST_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

typedef enum sim_dist_kind {
  SIM_DIST_CONSTANT,    /* a = value */
  SIM_DIST_EXPONENTIAL, /* a = mean */
  SIM_DIST_UNIFORM,     /* a = low, b = high */
  SIM_DIST_LOGNORMAL,   /* a = mu, b = sigma of the underlying normal */
  SIM_DIST_PARETO,      /* a = shape alpha, b = scale x_m (the minimum) */
  SIM_DIST_EMPIRICAL    /* piecewise-linear inverse CDF through (x[i], p[i]) */
} sim_dist_kind;

typedef struct sim_dist {
  sim_dist_kind kind;
  double a, b;
  /* SIM_DIST_EMPIRICAL only: n points, x ascending, p ascending cumulative
   * probabilities with p[0] = 0 and p[n-1] = 1. Borrowed: the caller keeps
   * the arrays alive as long as the sim_dist is used. */
  const double *x, *p;
  size_t n;
} sim_dist;

int sim_dist_constant(double value, sim_dist *out);
int sim_dist_exponential(double mean, sim_dist *out);
int sim_dist_uniform(double low, double high, sim_dist *out);
int sim_dist_lognormal(double mu, double sigma, sim_dist *out);
/* Lognormal with the given mean and 99th percentile (p99 > mean > 0):
 * solves mean = exp(mu + s^2/2), p99 = exp(mu + z s) with z = 2.3263...,
 * taking the smaller root s = z - sqrt(z^2 - 2 ln(p99/mean)). SIM_ERANGE when
 * p99/mean exceeds exp(z^2/2) (no lognormal has that shape). */
int sim_dist_lognormal_mean_p99(double mean, double p99, sim_dist *out);
int sim_dist_pareto(double alpha, double x_min, sim_dist *out);
/* Pareto with the given mean and shape alpha > 1: x_min = mean (alpha-1)/alpha. */
int sim_dist_pareto_mean(double mean, double alpha, sim_dist *out);
int sim_dist_empirical(const double *x, const double *p, size_t n, sim_dist *out);

/* One sample; finite and >= 0 for every valid distribution (a Pareto
 * sample beyond DBL_MAX is clamped to DBL_MAX). Consumes one draw of r. */
double sim_dist_sample(const sim_dist *d, gsl_rng *r);
/* Exact mean (INFINITY for Pareto with alpha <= 1). */
double sim_dist_mean(const sim_dist *d);
/* Exact quantile q in [0, 1]; q outside is clamped, NaN gives NaN.
 * INFINITY at q = 1 for the unbounded kinds. */
double sim_dist_quantile(const sim_dist *d, double q);

#endif
