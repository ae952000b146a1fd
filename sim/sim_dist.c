/* sim_dist: probability distributions over non-negative reals.
 *
 * Every distribution samples by inversion: sample = quantile(U) with one
 * U = sim_rng_uniform_pos() draw, for every kind (even a constant draws and
 * discards its U). A sample therefore always consumes exactly one number
 * from its stream, and the sample is monotone in U. That is what makes
 * common random numbers work: changing a distribution's parameters, or even
 * its kind, leaves every later draw of the stream where it was, and the
 * i-th sample of two variants comes from the same U (perfectly positively
 * correlated). The price is a log, pow or inverse normal CDF per sample,
 * small next to the event handling around it.
 *
 * Conventions for constructors: a parameter that is NaN, infinite or outside
 * its own domain is SIM_EINVAL; parameters valid one by one that together
 * describe no distribution, or one whose mean overflows a double, are
 * SIM_ERANGE. *out is written only on success. */
#include "sim_dist.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "sim_error.h"
#include "sim_rng.h"

/* Phi^-1(0.99), the standard normal 99th percentile. */
#define DIST_Z99 2.3263478740408408

/* log(DBL_MAX): exp() of anything larger overflows. */
#define DIST_LOG_DBL_MAX 709.782712893384

static int dist_set(sim_dist *out, sim_dist_kind kind, double a, double b) {
  if (out == NULL)
    return SIM_EINVAL;
  *out = (sim_dist){.kind = kind, .a = a, .b = b};
  return 0;
}

int sim_dist_constant(double value, sim_dist *out) {
  if (!isfinite(value) || value < 0)
    return SIM_EINVAL;
  return dist_set(out, SIM_DIST_CONSTANT, value, 0);
}

int sim_dist_exponential(double mean, sim_dist *out) {
  if (!isfinite(mean) || mean <= 0)
    return SIM_EINVAL;
  return dist_set(out, SIM_DIST_EXPONENTIAL, mean, 0);
}

int sim_dist_uniform(double low, double high, sim_dist *out) {
  if (!isfinite(low) || !isfinite(high) || low < 0)
    return SIM_EINVAL;
  if (high < low)
    return SIM_ERANGE;
  return dist_set(out, SIM_DIST_UNIFORM, low, high);
}

int sim_dist_lognormal(double mu, double sigma, sim_dist *out) {
  if (!isfinite(mu) || !isfinite(sigma) || sigma <= 0)
    return SIM_EINVAL;
  /* mean = exp(mu + sigma^2/2) must be a finite double. */
  if (mu + 0.5 * sigma * sigma > DIST_LOG_DBL_MAX)
    return SIM_ERANGE;
  return dist_set(out, SIM_DIST_LOGNORMAL, mu, sigma);
}

int sim_dist_lognormal_mean_p99(double mean, double p99, sim_dist *out) {
  if (!isfinite(mean) || !isfinite(p99) || mean <= 0 || p99 <= 0)
    return SIM_EINVAL;
  if (p99 <= mean)
    return SIM_ERANGE;
  /* mean = exp(mu + s^2/2) and p99 = exp(mu + z s) give, with r = ln(p99/mean),
   * s^2 - 2 z s + 2 r = 0, so s = z -+ sqrt(z^2 - 2 r). The smaller root is
   * the lighter tail; the larger one matches the same two numbers with a
   * heavier tail and a median far below the mean. It is computed as
   * 2 r / (z + sqrt(z^2 - 2 r)) to avoid cancellation when p99 ~ mean. */
  double r = log(p99 / mean);
  double disc = DIST_Z99 * DIST_Z99 - 2 * r;
  if (disc < 0)
    return SIM_ERANGE; /* p99/mean > exp(z^2/2) ~ 14.97 */
  double sigma = 2 * r / (DIST_Z99 + sqrt(disc));
  double mu = log(mean) - 0.5 * sigma * sigma;
  return sim_dist_lognormal(mu, sigma, out);
}

int sim_dist_pareto(double alpha, double x_min, sim_dist *out) {
  if (!isfinite(alpha) || !isfinite(x_min) || alpha <= 0 || x_min <= 0)
    return SIM_EINVAL;
  return dist_set(out, SIM_DIST_PARETO, alpha, x_min);
}

int sim_dist_pareto_mean(double mean, double alpha, sim_dist *out) {
  if (!isfinite(mean) || !isfinite(alpha) || mean <= 0 || alpha <= 0)
    return SIM_EINVAL;
  if (alpha <= 1)
    return SIM_ERANGE; /* mean = alpha x_min / (alpha - 1) is infinite */
  return sim_dist_pareto(alpha, mean * (alpha - 1) / alpha, out);
}

int sim_dist_empirical(const double *x, const double *p, size_t n, sim_dist *out) {
  if (x == NULL || p == NULL || n < 2)
    return SIM_EINVAL;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(p[i]))
      return SIM_EINVAL;
  }
  if (x[0] < 0 || p[0] != 0 || p[n - 1] != 1)
    return SIM_EINVAL;
  for (size_t i = 1; i < n; i++) {
    /* Equal x make an atom, equal p a gap; both are valid CDFs. */
    if (x[i] < x[i - 1] || p[i] < p[i - 1])
      return SIM_EINVAL;
  }
  int rc = dist_set(out, SIM_DIST_EMPIRICAL, 0, 0);
  if (rc == 0) {
    out->x = x;
    out->p = p;
    out->n = n;
  }
  return rc;
}

/* Empirical inverse CDF: for p[j-1] < q <= p[j],
 *   Q(q) = x[j-1] + (x[j] - x[j-1]) (q - p[j-1]) / (p[j] - p[j-1]),
 * with j the first index >= 1 having p[j] >= q (binary search, O(log n)). */
static double dist_empirical_quantile(const sim_dist *d, double q) {
  if (q <= 0)
    return d->x[0];
  size_t lo = 1, hi = d->n - 1;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->p[mid] >= q)
      hi = mid;
    else
      lo = mid + 1;
  }
  /* p[lo-1] < q <= p[lo], so the denominator is positive. */
  double x0 = d->x[lo - 1], x1 = d->x[lo];
  double p0 = d->p[lo - 1], p1 = d->p[lo];
  double v = x0 + (x1 - x0) * ((q - p0) / (p1 - p0));
  return v > x1 ? x1 : v;
}

double sim_dist_quantile(const sim_dist *d, double q) {
  if (isnan(q))
    return NAN;
  if (q < 0)
    q = 0;
  if (q > 1)
    q = 1;
  switch (d->kind) {
  case SIM_DIST_CONSTANT:
    return d->a;
  case SIM_DIST_EXPONENTIAL:
    /* F(x) = 1 - exp(-x/m)  =>  Q(q) = -m ln(1 - q) */
    return -d->a * log1p(-q);
  case SIM_DIST_UNIFORM:
    /* Q(q) = low + q (high - low) */
    return d->a + q * (d->b - d->a);
  case SIM_DIST_LOGNORMAL:
    /* ln X ~ N(mu, sigma^2)  =>  Q(q) = exp(mu + sigma Phi^-1(q)) */
    if (q <= 0)
      return 0;
    if (q >= 1)
      return INFINITY;
    return exp(d->a + d->b * gsl_cdf_ugaussian_Pinv(q));
  case SIM_DIST_PARETO:
    /* F(x) = 1 - (x_m / x)^alpha for x >= x_m  =>  Q(q) = x_m (1 - q)^(-1/alpha) */
    if (q >= 1)
      return INFINITY;
    return d->b * pow(1 - q, -1 / d->a);
  case SIM_DIST_EMPIRICAL:
    return dist_empirical_quantile(d, q);
  }
  return NAN;
}

double sim_dist_sample(const sim_dist *d, gsl_rng *r) {
  /* U in (0, 1), so every quantile above is finite except for a Pareto with
   * a tiny alpha, where x_m U^(-1/alpha) can exceed DBL_MAX. */
  double u = sim_rng_uniform_pos(r);
  double v = sim_dist_quantile(d, u);
  return v > DBL_MAX ? DBL_MAX : v;
}

double sim_dist_mean(const sim_dist *d) {
  switch (d->kind) {
  case SIM_DIST_CONSTANT:
  case SIM_DIST_EXPONENTIAL:
    return d->a;
  case SIM_DIST_UNIFORM:
    return 0.5 * (d->a + d->b);
  case SIM_DIST_LOGNORMAL:
    /* E[X] = exp(mu + sigma^2 / 2) */
    return exp(d->a + 0.5 * d->b * d->b);
  case SIM_DIST_PARETO:
    /* E[X] = alpha x_m / (alpha - 1) for alpha > 1, infinite otherwise */
    return d->a > 1 ? d->a * d->b / (d->a - 1) : INFINITY;
  case SIM_DIST_EMPIRICAL: {
    /* Each segment holds mass p[i] - p[i-1] spread uniformly over
     * [x[i-1], x[i]]: E[X] = sum (p[i] - p[i-1]) (x[i-1] + x[i]) / 2. */
    double m = 0;
    for (size_t i = 1; i < d->n; i++)
      m += (d->p[i] - d->p[i - 1]) * 0.5 * (d->x[i - 1] + d->x[i]);
    return m;
  }
  }
  return NAN;
}
