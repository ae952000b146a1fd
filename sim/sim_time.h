/* sim_time: simulated time as signed 64-bit nanoseconds.
 *
 * Integers keep event order exact and runs reproducible across machines;
 * floating point appears only at the edges (parsing, reporting). int64 ns
 * spans +-292 years, far beyond any run, but arithmetic on user-supplied
 * values is still checked so a typo cannot wrap silently. */
#ifndef MESHSIM_SIM_TIME_H
#define MESHSIM_SIM_TIME_H

#include <stdbool.h>
#include <stdint.h>

typedef int64_t sim_time;

#define SIM_NS         ((sim_time)1)
#define SIM_US         ((sim_time)1000)
#define SIM_MS         ((sim_time)1000000)
#define SIM_S          ((sim_time)1000000000)
#define SIM_TIME_MAX   INT64_MAX
#define SIM_TIME_NEVER INT64_MAX

/* Seconds (double) -> ns, rounded to nearest. Returns false (and leaves *out
 * untouched) when x is NaN, infinite or outside the representable range. */
bool sim_time_from_seconds(double seconds, sim_time *out);

/* ns -> seconds / milliseconds as double, for reporting only. */
double sim_time_to_seconds(sim_time t);
double sim_time_to_ms(sim_time t);

/* a + b and a * k with overflow detection; false on overflow. */
bool sim_time_add_checked(sim_time a, sim_time b, sim_time *out);
bool sim_time_mul_checked(sim_time a, int64_t k, sim_time *out);

/* a + b saturating at SIM_TIME_MAX / INT64_MIN instead of wrapping. Inline:
 * the model calls it several times per station visit. */
static inline sim_time sim_time_add_sat(sim_time a, sim_time b) {
  sim_time r;
  if (__builtin_add_overflow(a, b, &r)) {
    /* Overflow is only possible when both operands have the same sign. */
    return b > 0 ? SIM_TIME_MAX : INT64_MIN;
  }
  return r;
}

#endif
