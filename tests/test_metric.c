/* Tests for metric: the table is whole (every identifier has its row at its
 * index, a getter, a name and a unit), names are unique, so are JSON keys
 * within their object and labels within each output; the sweep ranks run
 * 1..n without gaps; per-kind rows name a kind; and a table of known answers
 * reads each kind of figure (a count, a ratio, a derived sum, a per-kind
 * value) from a mode_result the way the outputs always have. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "metric.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_table_is_whole(void **state) {
  (void)state;
  for (size_t i = 0; i < METRIC_COUNT; i++) {
    const metric *x = &metric_table[i];
    if (x->id != (metric_id)i || !x->get || !x->name || !x->name[0] || !x->unit)
      fail_msg("row %zu (%s): id %d, getter %p, unit %s", i, x->name ? x->name : "?", (int)x->id,
               (void *)x->get, x->unit ? x->unit : "NULL");
    if (x->text.label && !x->text.fmt)
      fail_msg("%s: a text label without a format", x->name);
    if ((x->flags & METRIC_DELTA) && !x->text.label)
      fail_msg("%s: METRIC_DELTA but not in the text table", x->name);
    if ((x->flags & METRIC_JSON_LAST) && !x->json.key)
      fail_msg("%s: METRIC_JSON_LAST but not in the JSON", x->name);
    if ((x->flags & METRIC_PER_KIND) && (x->kind < 0 || x->kind >= MESH_KIND_COUNT))
      fail_msg("%s: per-kind row with kind %d", x->name, (int)x->kind);
    if (x->sweep.rank && (!x->sweep.chart || !x->sweep.title || !x->sweep.phrase))
      fail_msg("%s: a sweep rank without chart name, title or phrase", x->name);
    assert_ptr_equal(metric_find(x->name), x);
  }
  assert_null(metric_find("no_such_metric"));
}

static int same_str(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* No two rows share a name, a JSON key in the same object, or a label in
 * the same output. */
static void test_names_are_unique(void **state) {
  (void)state;
  for (size_t i = 0; i < METRIC_COUNT; i++)
    for (size_t j = i + 1; j < METRIC_COUNT; j++) {
      const metric *a = &metric_table[i], *b = &metric_table[j];
      if (strcmp(a->name, b->name) == 0)
        fail_msg("name '%s' twice (rows %zu and %zu)", a->name, i, j);
      if (a->json.key && same_str(a->json.key, b->json.key) &&
          same_str(a->json.group, b->json.group))
        fail_msg("JSON key '%s' twice in object '%s'", a->json.key,
                 a->json.group ? a->json.group : "(mode)");
      if (a->text.label && same_str(a->text.label, b->text.label))
        fail_msg("text label '%s' twice", a->text.label);
      if (a->report && same_str(a->report, b->report))
        fail_msg("report label '%s' twice", a->report);
      if (a->sweep.rank &&
          (a->sweep.rank == b->sweep.rank || same_str(a->sweep.chart, b->sweep.chart)))
        fail_msg("sweep rank %d or chart '%s' twice", a->sweep.rank, a->sweep.chart);
    }
}

/* metric_sweep_list gives ranks 1, 2, ... in order: the sweep report's sections. */
static void test_sweep_order(void **state) {
  (void)state;
  const metric *list[METRIC_COUNT];
  size_t n = metric_sweep_list(list);
  static const char *const want[] = {"mesh_cpu",      "reserved_cpu", "mesh_memory", "cost",
                                     "cost_reserved", "p99",          "nodes"};
  assert_int_equal(n, N_ELEMS(want));
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(list[i]->sweep.rank, (int)i + 1);
    assert_string_equal(list[i]->sweep.chart, want[i]);
  }
}

typedef struct known_answer {
  const char *name;
  double want; /* NaN: NaN wanted */
} known_answer;

static void test_known_answers(void **state) {
  (void)state;
  mode_result m;
  memset(&m, 0, sizeof m);
  m.requests = 4000;
  m.errors = 30;
  m.latency.p99_ms = 12.5;
  m.kind[MESH_KIND_APP].reserved_cpu_cores = 2.0;
  m.kind[MESH_KIND_APP].reserved_mem_mib = 1024;
  m.kind[MESH_KIND_SIDECAR].instances = 7;
  m.kind[MESH_KIND_ZTUNNEL].instances = 2;
  m.kind[MESH_KIND_WAYPOINT].instances = 1;
  m.kind[MESH_KIND_CONTROL_PLANE].instances = 1; /* not a proxy */
  m.kind[MESH_KIND_ZTUNNEL].cpu_cores_peak = 0.25;
  m.kind[MESH_KIND_CONTROL_PLANE].cpu_cores_peak = 0.5;
  m.kind[MESH_KIND_APP].cpu_cores_peak = 8; /* not the mesh's */
  m.kind[MESH_KIND_WAYPOINT].mem_mib_mean = 96;
  m.reserved_cpu_cores = 3.5;
  m.reserved_mem_mib = 3072;
  m.nodes_needed = 3;
  static const known_answer cases[] = {
      {"requests", 4000},
      {"errors", 30},
      {"error_rate_pct", 100 * (30.0 / 4030.0)}, /* of all requests: 4000 succeeded, 30 failed */
      {"latency_p99_ms", 12.5},
      {"proxies", 10},
      {"mesh_cpu_cores_peak", 0.75},
      {"mem_mib_waypoint", 96},
      {"instances_sidecar", 7},
      {"mesh_reserved_cpu_cores", 1.5},
      {"mesh_reserved_mem_mib", 2048},
      {"nodes_needed", 3},
  };
  for (size_t i = 0; i < N_ELEMS(cases); i++) {
    const metric *x = metric_find(cases[i].name);
    assert_non_null(x);
    double got = metric_value(x, &m);
    if (got != cases[i].want)
      fail_msg("%s: want %.17g, got %.17g", cases[i].name, cases[i].want, got);
  }
  /* Every request failed: 100 %; no requests at all: no error rate rather than 0 %. */
  m.requests = 0;
  assert_true(metric_value(&metric_table[METRIC_ERROR_RATE], &m) == 100);
  m.errors = 0;
  assert_true(isnan(metric_value(&metric_table[METRIC_ERROR_RATE], &m)));
  /* The text table shows reserved memory in GiB. */
  const metric *mem = &metric_table[METRIC_RESERVED_MEM];
  assert_true(mem->text.divisor == 1024);
  assert_true(metric_value(mem, &m) / mem->text.divisor == 3.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_is_whole),
      cmocka_unit_test(test_names_are_unique),
      cmocka_unit_test(test_sweep_order),
      cmocka_unit_test(test_known_answers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
