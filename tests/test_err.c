/* test_err: the one error space. Every code is unique across layers, sits in
 * its layer's range, has its own text, and the engine's codes read through
 * err_str exactly as through sim_strerror. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
  const char *layer;
  int code;
  const char *text;
} err_case;

static const err_case codes[] = {
#define ERR_TEST_CASE(layer, name, code, text) {#layer, code, text},
    ERR_MAP(ERR_TEST_CASE)
#undef ERR_TEST_CASE
};

/* The range each layer owns (err.h). */
static const struct {
  const char *layer;
  int hi, lo;
} ranges[] = {
    {"ERR", -100, -199}, {"SCENARIO_LOAD", -200, -249}, {"PROFILE_LOAD", -250, -299},
    {"DB", -300, -399},  {"SWEEP", -400, -499},         {"IMPORT", -500, -599},
};

static void test_codes_unique_in_range_with_text(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(codes); i++) {
    int placed = 0;
    for (size_t r = 0; r < N_ELEMS(ranges); r++)
      if (!strcmp(ranges[r].layer, codes[i].layer)) {
        assert_true(codes[i].code <= ranges[r].hi && codes[i].code >= ranges[r].lo);
        placed = 1;
      }
    assert_true(placed);
    assert_string_equal(err_str(codes[i].code), codes[i].text);
    assert_int_equal(strcmp(err_str(codes[i].code), "unknown error") != 0, 1);
    for (size_t j = 0; j < i; j++) {
      assert_int_not_equal(codes[i].code, codes[j].code);
      assert_string_not_equal(codes[i].text, codes[j].text);
    }
  }
}

static void test_engine_codes_and_unknown(void **state) {
  (void)state;
  static const int engine[] = {SIM_ENOMEM,    SIM_EINVAL, SIM_ERANGE, SIM_EPAST,
                               SIM_EOVERFLOW, SIM_ESTALE, SIM_EEMPTY};
  for (size_t i = 0; i < N_ELEMS(engine); i++)
    assert_string_equal(err_str(engine[i]), sim_strerror(engine[i]));
  assert_string_equal(err_str(ERR_ENOMEM), "out of memory");
  assert_string_equal(err_str(ERR_EINTR), "interrupted");
  assert_string_not_equal(err_str(ERR_EINTR), err_str(ERR_EINVAL));
  assert_string_equal(err_str(-150), "unknown error");
  assert_string_equal(err_str(1), "unknown error");
  assert_string_equal(err_str(INT32_MIN), "unknown error");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_codes_unique_in_range_with_text),
      cmocka_unit_test(test_engine_codes_and_unknown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
