/* Tests for sim_time: conversions and overflow-checked arithmetic, each a
 * table of cases whose expected values are worked out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_time.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Untouched-output marker: a failed conversion must not write *out. */
#define UNTOUCHED ((sim_time)0x5a5a5a5a5a5a5a5a)

typedef struct {
  const char *name;
  double seconds;
  bool ok;
  sim_time want_ns;
} from_seconds_case;

static const from_seconds_case from_seconds_cases[] = {
    {"zero", 0.0, true, 0},
    {"negative zero", -0.0, true, 0},
    {"one second", 1.0, true, SIM_S},
    {"one and a half milliseconds", 1.5e-3, true, 1500 * SIM_US},
    /* 0.1 is not exact in binary, but the product rounds to 1e8 */
    {"a tenth of a second", 0.1, true, 100 * SIM_MS},
    {"half a nanosecond rounds away from zero", 0.5e-9, true, 1},
    {"1.4 ns rounds down", 1.4e-9, true, 1},
    {"-1.6 ns rounds to -2", -1.6e-9, true, -2},
    {"a negative hour", -3600.0, true, -3600 * SIM_S},
    /* 9223372036 s is 9.223372036e18 ns: exact in a double, below 2^63 */
    {"largest whole second", 9223372036.0, true, (sim_time)9223372036 * SIM_S},
    {"one day", 86400.0, true, (sim_time)86400 * SIM_S},
    {"2^63 ns overflows", 9223372036.854775808, false, 0},
    {"ten billion seconds overflow", 1e10, false, 0},
    {"minus ten billion seconds overflow", -1e10, false, 0},
    {"huge", 1e300, false, 0},
    {"NaN", NAN, false, 0},
    {"+inf", INFINITY, false, 0},
    {"-inf", -INFINITY, false, 0},
};

static void test_from_seconds(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(from_seconds_cases); i++) {
    const from_seconds_case *c = &from_seconds_cases[i];
    sim_time out = UNTOUCHED;
    bool ok = sim_time_from_seconds(c->seconds, &out);
    if (ok != c->ok) {
      fail_msg("case '%s': returned %d, want %d", c->name, ok, c->ok);
    }
    sim_time want = c->ok ? c->want_ns : UNTOUCHED;
    if (out != want) {
      fail_msg("case '%s': out = %lld, want %lld", c->name, (long long)out, (long long)want);
    }
  }
}

typedef struct {
  const char *name;
  sim_time t;
  double want_s;
  double want_ms;
} to_double_case;

static const to_double_case to_double_cases[] = {
    {"zero", 0, 0.0, 0.0},
    {"one ns", 1, 1e-9, 1e-6},
    {"minus one ns", -1, -1e-9, -1e-6},
    {"1.5 s", 1500 * SIM_MS, 1.5, 1500.0},
    {"250 us", 250 * SIM_US, 250e-6, 0.25},
    {"a year", (sim_time)365 * 86400 * SIM_S, 365.0 * 86400, 365.0 * 86400 * 1e3},
    {"INT64_MAX", INT64_MAX, 9223372036.854775807, 9223372036854.775807},
    {"INT64_MIN", INT64_MIN, -9223372036.854775808, -9223372036854.775808},
};

static void test_to_double(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(to_double_cases); i++) {
    const to_double_case *c = &to_double_cases[i];
    double s = sim_time_to_seconds(c->t), ms = sim_time_to_ms(c->t);
    /* Both are one or two correctly rounded operations away from the exact
     * value: a few ulps. */
    if (fabs(s - c->want_s) > 4 * 2.3e-16 * fabs(c->want_s)) {
      fail_msg("case '%s': seconds %.17g, want %.17g", c->name, s, c->want_s);
    }
    if (fabs(ms - c->want_ms) > 4 * 2.3e-16 * fabs(c->want_ms)) {
      fail_msg("case '%s': ms %.17g, want %.17g", c->name, ms, c->want_ms);
    }
  }
}

/* Round trip: ns -> s -> ns is exact while the value fits the 53-bit
 * mantissa after scaling (|t| < 2^53 ns, about 104 days). */
static void test_round_trip(void **state) {
  (void)state;
  static const sim_time values[] = {
      0, 1, -1, 999, 123456789, 86400 * SIM_S + 7, ((sim_time)1 << 52) - 3};
  for (size_t i = 0; i < N_ELEMS(values); i++) {
    sim_time back = UNTOUCHED;
    assert_true(sim_time_from_seconds(sim_time_to_seconds(values[i]), &back));
    assert_int_equal(back, values[i]);
  }
}

typedef struct {
  const char *name;
  sim_time a, b;
  bool ok;
  sim_time want;
} binop_case;

static const binop_case add_cases[] = {
    {"small", 2, 3, true, 5},
    {"signs", -7, 3, true, -4},
    {"max plus zero", INT64_MAX, 0, true, INT64_MAX},
    {"max plus min", INT64_MAX, INT64_MIN, true, -1},
    {"max minus one plus one", INT64_MAX - 1, 1, true, INT64_MAX},
    {"max plus one", INT64_MAX, 1, false, 0},
    {"one plus max", 1, INT64_MAX, false, 0},
    {"half max twice plus two", INT64_MAX / 2 + 1, INT64_MAX / 2 + 1, false, 0},
    {"min minus one", INT64_MIN, -1, false, 0},
    {"min plus min", INT64_MIN, INT64_MIN, false, 0},
    {"min plus zero", INT64_MIN, 0, true, INT64_MIN},
};

static const binop_case mul_cases[] = {
    {"small", 3, 4, true, 12},
    {"negative", -3, 4, true, -12},
    {"zero times max", 0, INT64_MAX, true, 0},
    {"max times one", INT64_MAX, 1, true, INT64_MAX},
    {"max times minus one", INT64_MAX, -1, true, -INT64_MAX},
    {"half max times two", INT64_MAX / 2, 2, true, INT64_MAX - 1},
    {"max times two", INT64_MAX, 2, false, 0},
    {"min times minus one", INT64_MIN, -1, false, 0},
    {"minus one times min", -1, INT64_MIN, false, 0},
    {"2^32 squared", (sim_time)1 << 32, (sim_time)1 << 32, false, 0},
    {"2^31 times 2^32 is 2^63", (sim_time)1 << 31, (sim_time)1 << 32, false, 0},
    {"2^31 times 2^31", (sim_time)1 << 31, (sim_time)1 << 31, true, (sim_time)1 << 62},
    {"-2^31 times 2^32 is INT64_MIN", -((sim_time)1 << 31), (sim_time)1 << 32, true, INT64_MIN},
    {"seconds in a century", SIM_S, (sim_time)100 * 365 * 86400, true,
     (sim_time)100 * 365 * 86400 * SIM_S},
};

static void run_binop_cases(const binop_case *cases, size_t n, const char *what,
                            bool (*op)(sim_time, sim_time, sim_time *)) {
  for (size_t i = 0; i < n; i++) {
    const binop_case *c = &cases[i];
    sim_time out = UNTOUCHED;
    bool ok = op(c->a, c->b, &out);
    if (ok != c->ok) {
      fail_msg("%s case '%s': returned %d, want %d", what, c->name, ok, c->ok);
    }
    sim_time want = c->ok ? c->want : UNTOUCHED;
    if (out != want) {
      fail_msg("%s case '%s': out = %lld, want %lld", what, c->name, (long long)out,
               (long long)want);
    }
  }
}

static void test_add_checked(void **state) {
  (void)state;
  run_binop_cases(add_cases, N_ELEMS(add_cases), "add", sim_time_add_checked);
}

static void test_mul_checked(void **state) {
  (void)state;
  run_binop_cases(mul_cases, N_ELEMS(mul_cases), "mul", sim_time_mul_checked);
}

static const binop_case add_sat_cases[] = {
    {"small", 2, 3, true, 5},
    {"max plus one saturates", INT64_MAX, 1, true, INT64_MAX},
    {"max plus max saturates", INT64_MAX, INT64_MAX, true, INT64_MAX},
    {"min minus one saturates", INT64_MIN, -1, true, INT64_MIN},
    {"min plus min saturates", INT64_MIN, INT64_MIN, true, INT64_MIN},
    {"max plus min", INT64_MAX, INT64_MIN, true, -1},
    {"near max, no overflow", INT64_MAX - 10, 10, true, INT64_MAX},
};

static void test_add_sat(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(add_sat_cases); i++) {
    const binop_case *c = &add_sat_cases[i];
    sim_time got = sim_time_add_sat(c->a, c->b);
    if (got != c->want) {
      fail_msg("case '%s': %lld, want %lld", c->name, (long long)got, (long long)c->want);
    }
  }
}

/* The unit constants are what their names say. */
static void test_units(void **state) {
  (void)state;
  assert_int_equal(SIM_US, 1000 * SIM_NS);
  assert_int_equal(SIM_MS, 1000 * SIM_US);
  assert_int_equal(SIM_S, 1000 * SIM_MS);
  assert_true(SIM_TIME_NEVER == INT64_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_from_seconds), cmocka_unit_test(test_to_double),
      cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_add_checked),
      cmocka_unit_test(test_mul_checked),  cmocka_unit_test(test_add_sat),
      cmocka_unit_test(test_units),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
