/* Tests for the capacity section of the batch report (report_capacity.c),
 * from a synthetic run stored in a temporary database: the nodes table with
 * the counts by requests and by use, the warning sentence for a node over
 * capacity, the hot spots led by the busiest station, the waypoint that
 * needs more replicas, the right-sized requests; and the one sentence of a
 * batch stored before the figures were recorded. Charts are not drawn
 * (gnuplot is pointed at a program that does not exist). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "report.h"
#include "results_fixture.h"

static int setup(void **state) {
  return fixture_store_setup(state, "report-capacity", "meshsim.db", "out/report");
}

static int teardown(void **state) {
  return fixture_store_teardown(state);
}

/* Stores r, writes its report and returns its Capacity section (caller frees). */
static char *capacity_section(fixture_store *t, const run_result *r) {
  int64_t id;
  assert_int_equal(db_write_run(t->d, r, &id), 0);
  report_options opt = {.out_dir = t->out, .batch_id = id, .gnuplot = "/nonexistent/gnuplot"};
  report_info info;
  if (report_write(t->d, &opt, &info) != 0)
    fail_msg("report_write: %s", info.error);
  char path[700];
  snprintf(path, sizeof path, "%s/report.md", t->out);
  char *md = fixture_slurp(path, NULL);
  assert_non_null(md);
  const char *from = strstr(md, "\n## Capacity\n");
  assert_non_null(from);
  const char *to = strstr(from + 1, "\n## ");
  size_t n = to ? (size_t)(to - from) : strlen(from);
  char *sec = malloc(n + 1);
  memcpy(sec, from, n);
  sec[n] = '\0';
  free(md);
  return sec;
}

static void test_capacity_section(void **state) {
  fixture_store *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  char *sec = capacity_section(t, &r);
  /* sidecar: 4 nodes by use, 3 by requests, one node at 122% CPU */
  assert_contains(sec, "| sidecar | 3 | 4 | 4 | 1 | 0 | `node-4` | 122.0% |");
  assert_contains(sec, "- Warning: in sidecar mode 1 of 4 nodes use more than they have (1 on "
                       "CPU, 0 on memory). The worst, `node-4`, uses 4.88 of 4.00 cores "
                       "(122.0%) and 7045 MiB of 16384.");
  assert_contains(sec, "Counting what the pods use, sidecar mode needs 4 nodes, not the 3");
  /* The hot spots, the busiest station first. */
  assert_contains(sec, "### Hot spots");
  assert_contains(sec,
                  "| ambient-waypoint | 1 | `shop/waypoint#0` | waypoint | `node-2` | 125.0% |");
  assert_contains(sec, "| sidecar | 1 | `cart-1` | app | `node-0` | 40.0% |");
  /* The overloaded waypoint needs a second replica. */
  assert_contains(sec, "| ambient-waypoint | waypoint | `shop/waypoint` | 1 | 125.0% | 125.0% |");
  assert_contains(sec, "- In ambient-waypoint mode, waypoint `shop/waypoint` runs at 125.0% "
                       "utilisation on 1 replica: it needs 2 to stay under 70.0%.");
  /* Right-sized requests beside the configured ones. */
  assert_contains(sec, "plus 15.0% headroom");
  assert_contains(sec, "| sidecar | sidecar | 24 | 0.100 | 0.136 | 0.272 | 0.157 | 128 | 55.8 |");
  free(sec);
  run_result_release(&r);
}

/* A batch as schema version 3 left it: no figures, one sentence. */
static void test_capacity_not_recorded(void **state) {
  fixture_store *t = *state;
  fixture_opts o = fixture_defaults();
  o.variant = 3;
  run_result r;
  fixture_run(&r, &o);
  for (uint32_t i = 0; i < r.n_modes; i++) {
    result_plan *p = &r.modes[i].plan;
    free(p->capacity);
    free(p->node_warnings);
    memset(p, 0, sizeof *p);
    p->target_utilisation = p->headroom = NAN;
  }
  char *sec = capacity_section(t, &r);
  assert_contains(sec, "This batch was stored before meshsim recorded hot spots, capacity and "
                       "sizing");
  assert_null(strstr(sec, "### Hot spots"));
  free(sec);
  run_result_release(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_capacity_section, setup, teardown),
      cmocka_unit_test_setup_teardown(test_capacity_not_recorded, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
