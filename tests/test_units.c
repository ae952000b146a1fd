/* test_units: tables of good and bad inputs for every unit kind, with the
 * exact value or error code expected, and the messages built from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "sim_error.h"
#include "units.h"

typedef struct int_case {
  const char *in;
  int rc;
  int64_t want;
} int_case;

typedef struct dbl_case {
  const char *in;
  int rc;
  double want;
} dbl_case;

#define OK(in, v)                                                                                  \
  { in, 0, v }
#define BAD(in)                                                                                    \
  { in, SIM_EINVAL, 0 }
#define RANGE(in)                                                                                  \
  { in, SIM_ERANGE, 0 }

static const int_case durations[] = {
    OK("250ns", 250),
    OK("250us", 250000),
    OK("250\xc2\xb5s", 250000), /* micro sign */
    OK("250\xce\xbcs", 250000), /* greek mu */
    OK("2ms", 2000000),
    OK("1.5ms", 1500000),
    OK("60s", 60000000000LL),
    OK("0.1s", 100000000),
    OK("5min", 300000000000LL),
    OK("1h", 3600000000000LL),
    OK("2 ms", 2000000),
    OK("1e3us", 1000000),
    OK("0", 0),
    OK("0.0", 0),
    OK("+3s", 3000000000LL),
    OK(".5s", 500000000),
    OK("1.4ns", 1),
    OK("2562047h", 9223369200000000000LL),
    BAD("2 parsecs"),
    BAD("2"), /* a bare number other than 0 has no unit */
    BAD("ms"),
    BAD(""),
    BAD("2m"), /* minutes are "min" */
    BAD("2MS"),
    BAD("2ms "),
    BAD(" 2ms"),
    BAD("2  ms"),
    BAD("0x10s"),
    BAD("infs"),
    BAD("nan"),
    BAD("1e"),
    BAD("1.2.3s"),
    BAD("5e ms"),
    RANGE("-5ms"),
    RANGE("2562048h"),
    RANGE("1e300h"),
};

static const int_case sizes[] = {
    OK("512B", 512),
    OK("512", 512),
    OK("8KB", 8000),
    OK("8kB", 8000),
    OK("8k", 8000),
    OK("8KiB", 8192),
    OK("8Ki", 8192),
    OK("128Mi", 134217728),
    OK("128MiB", 134217728),
    OK("1Gi", 1073741824),
    OK("1G", 1000000000),
    OK("1.5GiB", 1610612736),
    OK("2TiB", 2199023255552LL),
    OK("1T", 1000000000000LL),
    OK("0", 0),
    OK("1 KiB", 1024),
    OK("1.1KiB", 1126), /* 1126.4 rounds to the nearest byte */
    BAD("8kb"),
    BAD("8 bytes"),
    BAD("1.5 GiBs"),
    BAD("Gi"),
    BAD("8mi"),
    BAD("8E"),
    RANGE("-1Ki"),
    RANGE("9000000TiB"),
};

static const int_case cpus[] = {
    OK("100m", 100),       OK("0.5", 500), OK("2", 2000),
    OK("8000m", 8000),     OK("8", 8000),  OK("2 vCPU", 2000),
    OK("1.5cores", 1500),  OK("0", 0),     OK("0.25m", 0),
    BAD("100 millicores"), BAD("2c"),      BAD("m"),
    BAD("100M"),           RANGE("-100m"), RANGE("1e20"),
};

static const dbl_case rates[] = {
    OK("1000/s", 1000.0), OK("2k/s", 2000.0), OK("2K/s", 2000.0),
    OK("1.5M/s", 1.5e6),  OK("60/min", 1.0),  OK("3600/h", 1.0),
    OK("800", 800.0),     OK("2k", 2000.0),   OK("50rps", 50.0),
    OK("10/sec", 10.0),   OK("0.5/s", 0.5),   OK("100 /s", 100.0),
    BAD("1000/ms"),       BAD("fast"),        BAD("2x/s"),
    BAD("2m/s"),          BAD("/s"),          BAD("1000 per second"),
    RANGE("-1/s"),
};

static const dbl_case bandwidths[] = {
    OK("10Gbps", 1.25e9),
    OK("100Mbps", 1.25e7),
    OK("1Gbit/s", 1.25e8),
    OK("125MB/s", 1.25e8),
    OK("1GiB/s", 1073741824.0),
    OK("8bps", 1.0),
    OK("1000B/s", 1000.0),
    OK("0", 0.0),
    BAD("10"), /* bits or bytes? */
    BAD("10Gb"),
    BAD("10 gbps"),
    BAD("10GBps"),
    RANGE("-1Gbps"),
};

typedef struct uint_case {
  const char *in;
  uint64_t max;
  int rc;
  uint64_t want;
} uint_case;

static const uint_case uints[] = {
    {"3", 10, 0, 3},
    {"0", 10, 0, 0},
    {"+7", 10, 0, 7},
    {"007", 10, 0, 7},
    {"10", 10, 0, 10},
    {"11", 10, SIM_ERANGE, 0},
    {"18446744073709551615", UINT64_MAX, 0, UINT64_MAX},
    {"18446744073709551616", UINT64_MAX, SIM_ERANGE, 0},
    {"-1", 10, SIM_ERANGE, 0},
    {"-0", 10, 0, 0},
    {"3.0", 10, SIM_EINVAL, 0},
    {"1e3", 10000, SIM_EINVAL, 0},
    {"0x10", 100, SIM_EINVAL, 0},
    {"", 10, SIM_EINVAL, 0},
    {"+", 10, SIM_EINVAL, 0},
    {"three", 10, SIM_EINVAL, 0},
    {" 3", 10, SIM_EINVAL, 0},
};

static void check_int_table(const int_case *t, size_t n, int (*fn)(const char *, int64_t *)) {
  for (size_t i = 0; i < n; i++) {
    int64_t got = -12345;
    int rc = fn(t[i].in, &got);
    if (rc != t[i].rc || (rc == 0 && got != t[i].want) || (rc != 0 && got != -12345)) {
      fail_msg("input \"%s\": rc %d value %lld, want rc %d value %lld", t[i].in, rc, (long long)got,
               t[i].rc, (long long)t[i].want);
    }
  }
}

static void check_dbl_table(const dbl_case *t, size_t n, int (*fn)(const char *, double *)) {
  for (size_t i = 0; i < n; i++) {
    double got = -1.0;
    int rc = fn(t[i].in, &got);
    bool value_ok = rc != 0 || fabs(got - t[i].want) <= 1e-12 * fmax(1.0, fabs(t[i].want));
    if (rc != t[i].rc || !value_ok) {
      fail_msg("input \"%s\": rc %d value %.17g, want rc %d value %.17g", t[i].in, rc, got, t[i].rc,
               t[i].want);
    }
  }
}

static int duration_as_int64(const char *s, int64_t *out) {
  sim_time t;
  int rc = units_parse_duration(s, &t);
  if (rc == 0) {
    *out = t;
  }
  return rc;
}

#define N_OF(t) (sizeof(t) / sizeof((t)[0]))

static void test_durations(void **state) {
  (void)state;
  check_int_table(durations, N_OF(durations), duration_as_int64);
}

static void test_sizes(void **state) {
  (void)state;
  check_int_table(sizes, N_OF(sizes), units_parse_size);
}

static void test_cpu(void **state) {
  (void)state;
  check_int_table(cpus, N_OF(cpus), units_parse_cpu);
}

static void test_rates(void **state) {
  (void)state;
  check_dbl_table(rates, N_OF(rates), units_parse_rate);
}

static void test_bandwidths(void **state) {
  (void)state;
  check_dbl_table(bandwidths, N_OF(bandwidths), units_parse_bandwidth);
}

static void test_uints(void **state) {
  (void)state;
  for (size_t i = 0; i < N_OF(uints); i++) {
    uint64_t got = 12345;
    int rc = units_parse_uint(uints[i].in, uints[i].max, &got);
    if (rc != uints[i].rc || (rc == 0 && got != uints[i].want)) {
      fail_msg("input \"%s\": rc %d value %llu", uints[i].in, rc, (unsigned long long)got);
    }
  }
}

static void test_numbers_and_bools(void **state) {
  (void)state;
  static const dbl_case numbers[] = {
      OK("0.5", 0.5),    OK("-2", -2.0), OK("1e-3", 1e-3), OK("7", 7.0),
      OK("1e-400", 0.0), BAD("0.5.1"),   BAD("inf"),       BAD("nan"),
      BAD("1,5"),        BAD("0x1p3"),   BAD("half"),      RANGE("1e400"),
  };
  check_dbl_table(numbers, N_OF(numbers), units_parse_number);

  static const struct {
    const char *in;
    int rc;
    bool want;
  } bools[] = {
      {"true", 0, true},       {"True", 0, true},           {"yes", 0, true},
      {"on", 0, true},         {"false", 0, false},         {"NO", 0, false},
      {"off", 0, false},       {"1", SIM_EINVAL, false},    {"tru", SIM_EINVAL, false},
      {"", SIM_EINVAL, false}, {"tRUE", SIM_EINVAL, false},
  };
  for (size_t i = 0; i < N_OF(bools); i++) {
    bool got = !bools[i].want;
    int rc = units_parse_bool(bools[i].in, &got);
    assert_int_equal(rc, bools[i].rc);
    if (rc == 0) {
      assert_int_equal(got, bools[i].want);
    }
  }
}

static void test_null_input(void **state) {
  (void)state;
  sim_time t;
  int64_t i;
  double d;
  uint64_t u;
  bool b;
  assert_int_equal(units_parse_duration(NULL, &t), SIM_EINVAL);
  assert_int_equal(units_parse_size(NULL, &i), SIM_EINVAL);
  assert_int_equal(units_parse_cpu(NULL, &i), SIM_EINVAL);
  assert_int_equal(units_parse_rate(NULL, &d), SIM_EINVAL);
  assert_int_equal(units_parse_bandwidth(NULL, &d), SIM_EINVAL);
  assert_int_equal(units_parse_uint(NULL, 1, &u), SIM_EINVAL);
  assert_int_equal(units_parse_number(NULL, &d), SIM_EINVAL);
  assert_int_equal(units_parse_bool(NULL, &b), SIM_EINVAL);
}

static void test_messages(void **state) {
  (void)state;
  static const struct {
    units_kind kind;
    int code;
    const char *in;
    const char *want;
  } cases[] = {
      {UNITS_DURATION, SIM_EINVAL, "2 parsecs",
       "expected a duration like 250us, 2ms or 1s, got \"2 parsecs\""},
      {UNITS_DURATION, SIM_ERANGE, "-5ms", "duration \"-5ms\" must not be negative"},
      {UNITS_DURATION, SIM_ERANGE, "1e300h", "duration \"1e300h\" is too large"},
      {UNITS_SIZE, SIM_EINVAL, "8kb",
       "expected a size like 512B, 8KiB, 128Mi or 1.5GiB, got \"8kb\""},
      {UNITS_CPU, SIM_EINVAL, "2c", "expected a cpu amount like 100m, 0.5 or 2, got \"2c\""},
      {UNITS_RATE, SIM_EINVAL, "fast", "expected a rate like 1000/s, 2k/s or 60/min, got \"fast\""},
      {UNITS_BANDWIDTH, SIM_EINVAL, "10",
       "expected a bandwidth like 10Gbps, 100Mbps or 125MB/s, got \"10\""},
      {UNITS_BOOL, SIM_EINVAL, "maybe", "expected true or false, got \"maybe\""},
      /* Quotes and control bytes are escaped; long input is cut. */
      {UNITS_DURATION, SIM_EINVAL, "a\"b\tc",
       "expected a duration like 250us, 2ms or 1s, got \"a\\\"b\\x09c\""},
      {UNITS_SIZE, SIM_EINVAL, "0123456789012345678901234567890123456789012345678901234567890",
       "expected a size like 512B, 8KiB, 128Mi or 1.5GiB, got "
       "\"012345678901234567890123456789012345678901234567...\""},
  };
  for (size_t i = 0; i < N_OF(cases); i++) {
    char buf[256];
    units_describe_error(cases[i].kind, cases[i].code, cases[i].in, buf, sizeof buf);
    assert_string_equal(buf, cases[i].want);
  }
  assert_string_equal(units_noun(UNITS_KIND_COUNT), "value");
  assert_string_equal(units_expected((units_kind)99), "a value");
}

/* Every good input round-trips through the messages' examples: the
 * examples the messages offer must themselves parse. */
static void test_examples_parse(void **state) {
  (void)state;
  sim_time t;
  int64_t i;
  double d;
  const char *dur[] = {"250us", "2ms", "1s"};
  for (size_t k = 0; k < 3; k++) {
    assert_int_equal(units_parse_duration(dur[k], &t), 0);
  }
  const char *sz[] = {"512B", "8KiB", "128Mi", "1.5GiB"};
  for (size_t k = 0; k < 4; k++) {
    assert_int_equal(units_parse_size(sz[k], &i), 0);
  }
  const char *cpu[] = {"100m", "0.5", "2"};
  for (size_t k = 0; k < 3; k++) {
    assert_int_equal(units_parse_cpu(cpu[k], &i), 0);
  }
  const char *rate[] = {"1000/s", "2k/s", "60/min"};
  for (size_t k = 0; k < 3; k++) {
    assert_int_equal(units_parse_rate(rate[k], &d), 0);
  }
  const char *bw[] = {"10Gbps", "100Mbps", "125MB/s"};
  for (size_t k = 0; k < 3; k++) {
    assert_int_equal(units_parse_bandwidth(bw[k], &d), 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_durations),
      cmocka_unit_test(test_sizes),
      cmocka_unit_test(test_cpu),
      cmocka_unit_test(test_rates),
      cmocka_unit_test(test_bandwidths),
      cmocka_unit_test(test_uints),
      cmocka_unit_test(test_numbers_and_bools),
      cmocka_unit_test(test_null_input),
      cmocka_unit_test(test_messages),
      cmocka_unit_test(test_examples_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
