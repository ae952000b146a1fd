/* Tests for topo_fit: hand-worked picks, then long random sequences of
 * updates, appends and finds checked against the scan placement used before
 * (the first slot in index order that fits, replaced only by a strictly
 * smaller key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "topo_fit.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The reference: a scan over slots 0 .. n-1. */
typedef struct {
  int64_t mc, mem;
  uint64_t key;
} ref_slot;

static uint32_t ref_find(const ref_slot *s, uint32_t n, int64_t mc, int64_t mem) {
  uint32_t best = TOPO_FIT_NONE;
  for (uint32_t i = 0; i < n; i++) {
    if (s[i].mc < mc || s[i].mem < mem) {
      continue;
    }
    if (best == TOPO_FIT_NONE || s[i].key < s[best].key) {
      best = i;
    }
  }
  return best;
}

/* ---- hand-worked cases -------------------------------------------------------- */

typedef struct {
  const char *name;
  uint32_t n;
  ref_slot slot[8];
  int64_t mc, mem;
  uint32_t want;
} pick_case;

static const pick_case pick_cases[] = {
    {"empty set", 0, {{0, 0, 0}}, 1, 1, TOPO_FIT_NONE},
    {"one slot fits", 1, {{4, 4, 9}}, 4, 4, 0},
    {"one slot too small in memory", 1, {{4, 3, 9}}, 4, 4, TOPO_FIT_NONE},
    {"smallest key wins", 4, {{9, 9, 5}, {9, 9, 2}, {9, 9, 7}, {9, 9, 3}}, 1, 1, 1},
    {"ties go to the lowest index", 4, {{9, 9, 5}, {9, 9, 2}, {9, 9, 2}, {9, 9, 2}}, 1, 1, 1},
    {"the best key does not fit", 4, {{9, 9, 5}, {0, 9, 1}, {9, 9, 4}, {9, 0, 0}}, 1, 1, 2},
    {"full in one resource each",
     6,
     {{9, 0, 0}, {0, 9, 0}, {9, 0, 0}, {0, 9, 0}, {9, 9, 8}, {5, 5, 1}},
     6,
     6,
     4},
    {"zero request fits a full slot", 3, {{0, 0, 3}, {-1, 5, 0}, {0, 0, 3}}, 0, 0, 0},
    {"nothing fits", 3, {{1, 9, 0}, {9, 1, 0}, {2, 2, 0}}, 3, 3, TOPO_FIT_NONE},
    {"first fit: all keys 0", 5, {{1, 1, 0}, {3, 1, 0}, {3, 3, 0}, {9, 9, 0}, {3, 3, 0}}, 2, 2, 2},
};

static void test_picks(void **state) {
  (void)state;
  for (size_t k = 0; k < N_ELEMS(pick_cases); k++) {
    const pick_case *c = &pick_cases[k];
    topo_fit f;
    assert_int_equal(topo_fit_init(&f, 1), 0); /* tiny: growth happens on the way */
    for (uint32_t i = 0; i < c->n; i++) {
      assert_int_equal(topo_fit_set(&f, i, c->slot[i].mc, c->slot[i].mem, c->slot[i].key), 0);
    }
    uint32_t got = topo_fit_find(&f, c->mc, c->mem);
    if (got != c->want) {
      fail_msg("case '%s': picked %u, want %u", c->name, got, c->want);
    }
    assert_int_equal(got, ref_find(c->slot, c->n, c->mc, c->mem));
    topo_fit_release(&f);
  }
}

static void test_set_beyond_end_refused(void **state) {
  (void)state;
  topo_fit f;
  assert_int_equal(topo_fit_init(&f, 4), 0);
  assert_true(topo_fit_set(&f, 1, 1, 1, 0) < 0);
  assert_int_equal(f.n, 0);
  assert_int_equal(topo_fit_set(&f, 0, 1, 1, 0), 0);
  assert_int_equal(f.n, 1);
  topo_fit_release(&f);
}

/* ---- random sequences against the scan ------------------------------------------ */

static uint64_t rnd(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

typedef struct {
  const char *name;
  uint64_t seed;
  uint32_t max_slots;
  uint64_t key_range; /* keys drawn from [0, key_range): small ranges mean many ties */
  int64_t cap;        /* free capacity drawn from [0, cap) per resource */
} random_case;

static const random_case random_cases[] = {
    {"spread-like: few keys, many ties", 0x9e3779b97f4a7c15u, 300, 4, 16},
    {"binpack-like: distinct keys", 0x2545f4914f6cdd1du, 300, UINT64_MAX, 1000},
    {"first fit: one key", 0xd1b54a32d192ed03u, 1000, 1, 64},
    {"nearly full: most slots fit nothing", 0x8cb92ba72f3d8dd7u, 500, 50, 3},
};

static void test_random_against_scan(void **state) {
  (void)state;
  for (size_t k = 0; k < N_ELEMS(random_cases); k++) {
    const random_case *c = &random_cases[k];
    ref_slot *ref = calloc(c->max_slots, sizeof *ref);
    assert_non_null(ref);
    topo_fit f;
    assert_int_equal(topo_fit_init(&f, 0), 0);
    uint32_t n = 0;
    uint64_t x = c->seed;
    for (int op = 0; op < 200000; op++) {
      uint64_t r = rnd(&x);
      if (r % 4 == 0 || n == 0) { /* set a slot, or append one */
        uint32_t i = n < c->max_slots ? (uint32_t)((r >> 8) % (n + 1)) : (uint32_t)((r >> 8) % n);
        ref_slot s = {(int64_t)(rnd(&x) % (uint64_t)c->cap), (int64_t)(rnd(&x) % (uint64_t)c->cap),
                      c->key_range == UINT64_MAX ? rnd(&x) : rnd(&x) % c->key_range};
        assert_int_equal(topo_fit_set(&f, i, s.mc, s.mem, s.key), 0);
        ref[i] = s;
        n += i == n;
        assert_int_equal(f.n, n);
      } else {
        int64_t mc = (int64_t)((r >> 8) % (uint64_t)c->cap);
        int64_t mem = (int64_t)((r >> 24) % (uint64_t)c->cap);
        uint32_t got = topo_fit_find(&f, mc, mem), want = ref_find(ref, n, mc, mem);
        if (got != want) {
          fail_msg("case '%s', op %d: picked %u, the scan picks %u (request %lld, %lld)", c->name,
                   op, got, want, (long long)mc, (long long)mem);
        }
      }
    }
    topo_fit_release(&f);
    free(ref);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_picks),
      cmocka_unit_test(test_set_beyond_end_refused),
      cmocka_unit_test(test_random_against_scan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
