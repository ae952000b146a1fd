/* sim_time: checked conversions and arithmetic on int64 nanoseconds.
 *
 * Every operation that could leave the int64 range reports it instead of
 * wrapping: a wrapped clock would silently reorder events. */
#include "sim_time.h"

#include <math.h>

/* 2^63 is exactly representable as a double; every double in [-2^63, 2^63)
 * converts to int64 without undefined behaviour. */
#define SIM_TIME_TWO_POW_63 9223372036854775808.0

bool sim_time_from_seconds(double seconds, sim_time *out) {
  if (!isfinite(seconds)) {
    return false;
  }
  double ns = round(seconds * 1e9);
  if (!(ns >= -SIM_TIME_TWO_POW_63 && ns < SIM_TIME_TWO_POW_63)) {
    return false;
  }
  *out = (sim_time)ns;
  return true;
}

/* Whole seconds and the remainder are converted separately so large times
 * keep nanosecond-level precision as far as a double allows. */
double sim_time_to_seconds(sim_time t) {
  return (double)(t / SIM_S) + (double)(t % SIM_S) / 1e9;
}

double sim_time_to_ms(sim_time t) {
  return (double)(t / SIM_MS) + (double)(t % SIM_MS) / 1e6;
}

bool sim_time_add_checked(sim_time a, sim_time b, sim_time *out) {
  sim_time r;
  if (__builtin_add_overflow(a, b, &r)) {
    return false;
  }
  *out = r;
  return true;
}

bool sim_time_mul_checked(sim_time a, int64_t k, sim_time *out) {
  sim_time r;
  if (__builtin_mul_overflow(a, k, &r)) {
    return false;
  }
  *out = r;
  return true;
}
