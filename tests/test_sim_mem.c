/* Tests for sim_mem: alignment, zeroing, growth and refusals, and that a
 * large array is really advised for huge pages (its mapping's VmFlags in
 * /proc/self/smaps carry "hg"). */
#define _DEFAULT_SOURCE /* madvise, MAP_ANONYMOUS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "sim_mem.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
  const char *name;
  size_t bytes, align;
  size_t want_align; /* the address must be a multiple of this */
} alloc_case;

static const alloc_case alloc_cases[] = {
    {"one byte, malloc's alignment", 1, 0, sizeof(void *)},
    {"a cache line pair", 1000, 128, 128},
    {"just below the huge size keeps its own alignment", SIM_MEM_HUGE_MIN - 1, 64, 64},
    {"the huge size goes on a 2 MiB boundary", SIM_MEM_HUGE_MIN, 64, SIM_MEM_HUGE_PAGE},
    {"an odd size above a huge page", SIM_MEM_HUGE_PAGE + 12345, 0, SIM_MEM_HUGE_PAGE},
};

static void test_alloc_aligns_and_is_writable(void **state) {
  (void)state;
  for (size_t i = 0; i < N_ELEMS(alloc_cases); i++) {
    const alloc_case *c = &alloc_cases[i];
    unsigned char *p = sim_mem_alloc(c->bytes, c->align);
    if (p == NULL)
      fail_msg("%s: NULL", c->name);
    if ((uintptr_t)p % c->want_align != 0)
      fail_msg("%s: %p is not a multiple of %zu", c->name, (void *)p, c->want_align);
    assert_int_equal(sim_mem_is_huge(c->bytes), c->want_align == SIM_MEM_HUGE_PAGE);
    memset(p, 0xa5, c->bytes); /* ASan reports any byte short of the request */
    assert_int_equal(p[c->bytes - 1], 0xa5);
    sim_mem_free(p);
  }
}

static void test_calloc_zeroes(void **state) {
  (void)state;
  const size_t sizes[] = {24, SIM_MEM_HUGE_MIN + 8};
  for (size_t i = 0; i < N_ELEMS(sizes); i++) {
    /* Dirty an array first, so a reused block would show old bytes. */
    unsigned char *d = sim_mem_alloc(sizes[i], 0);
    assert_non_null(d);
    memset(d, 0xff, sizes[i]);
    sim_mem_free(d);
    unsigned char *p = sim_mem_calloc(sizes[i], 1, 0);
    assert_non_null(p);
    for (size_t j = 0; j < sizes[i]; j++)
      if (p[j] != 0)
        fail_msg("byte %zu of %zu is %u", j, sizes[i], p[j]);
    sim_mem_free(p);
  }
}

static void test_grow_keeps_contents(void **state) {
  (void)state;
  size_t old_bytes = 4096;
  uint32_t *p = sim_mem_alloc(old_bytes, 64);
  assert_non_null(p);
  for (uint32_t i = 0; i < old_bytes / sizeof *p; i++)
    p[i] = i * 2654435761u;
  /* Across the huge threshold: a new block, the old contents copied. */
  size_t new_bytes = 2 * SIM_MEM_HUGE_PAGE;
  uint32_t *q = sim_mem_grow(p, old_bytes, new_bytes, 64);
  assert_non_null(q);
  assert_int_equal((uintptr_t)q % SIM_MEM_HUGE_PAGE, 0);
  for (uint32_t i = 0; i < old_bytes / sizeof *q; i++)
    assert_int_equal(q[i], i * 2654435761u);
  memset((char *)q + old_bytes, 0, new_bytes - old_bytes);
  /* From nothing. */
  void *r = sim_mem_grow(NULL, 0, 100, 0);
  assert_non_null(r);
  sim_mem_free(r);
  /* Shrinking is refused and the array left as it was. */
  assert_null(sim_mem_grow(q, new_bytes, 16, 64));
  assert_int_equal(q[7], 7 * 2654435761u);
  sim_mem_free(q);
  sim_mem_free(NULL);
}

static void test_refusals(void **state) {
  (void)state;
  assert_null(sim_mem_alloc(0, 0));
  assert_null(sim_mem_alloc(64, 48));                          /* not a power of two */
  assert_null(sim_mem_alloc(64, 2 * SIM_MEM_HUGE_PAGE));       /* beyond a huge page */
  assert_null(sim_mem_alloc(SIZE_MAX, 0));                     /* above PTRDIFF_MAX */
  assert_null(sim_mem_alloc(SIZE_MAX - SIM_MEM_HUGE_PAGE, 0)); /* so is this */
  assert_null(sim_mem_calloc(SIZE_MAX / 8 + 1, 8, 0));         /* n * size overflows */
}

/* The VmFlags line of the mapping that holds address a, or "" when
 * /proc/self/smaps does not say. */
static void vm_flags_of(const void *a, char *out, size_t n) {
  out[0] = '\0';
  FILE *f = fopen("/proc/self/smaps", "r");
  if (f == NULL)
    return;
  char line[512];
  int inside = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long lo, hi;
    const char *dash = strchr(line, '-'), *space = strchr(line, ' ');
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && dash && space && dash < space) {
      inside = (uintptr_t)a >= lo && (uintptr_t)a < hi;
      continue;
    }
    if (inside && strncmp(line, "VmFlags:", 8) == 0) {
      snprintf(out, n, "%s", line + 8);
      break;
    }
  }
  fclose(f);
}

static void test_large_array_is_advised(void **state) {
  (void)state;
  /* A kernel without transparent huge pages (or one that ignores the
   * advice) refuses it, and the array stays on small pages as sim_mem.h
   * says: nothing to check then. */
#ifdef MADV_HUGEPAGE
  void *probe =
      mmap(NULL, SIM_MEM_HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int refused = probe == MAP_FAILED || madvise(probe, SIM_MEM_HUGE_PAGE, MADV_HUGEPAGE) != 0;
  if (probe != MAP_FAILED)
    munmap(probe, SIM_MEM_HUGE_PAGE);
  if (refused)
    skip();
#else
  skip();
#endif
  char *p = sim_mem_alloc(SIM_MEM_HUGE_PAGE * 2, 0);
  assert_non_null(p);
  char flags[512];
  vm_flags_of(p, flags, sizeof flags);
  if (flags[0] == '\0') {
    sim_mem_free(p);
    skip(); /* no smaps here: nothing to check against */
  }
  if (strstr(flags, " hg") == NULL)
    fail_msg("VmFlags of a %zu-byte array lack hg:%s", SIM_MEM_HUGE_PAGE * 2, flags);
  sim_mem_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_aligns_and_is_writable), cmocka_unit_test(test_calloc_zeroes),
      cmocka_unit_test(test_grow_keeps_contents),          cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_large_array_is_advised),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
