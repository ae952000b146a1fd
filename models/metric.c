/* metric: the table of METRIC_LIST (metric.h), one getter per metric. */
#include "metric.h"

#include <math.h>
#include <string.h>

/* metric__get_ID(m): the value of metric ID. */
#define METRIC__GETTER(ID, expr, ...)                                                              \
  static double metric__get_##ID(const mode_result *m) {                                           \
    return (expr);                                                                                 \
  }
METRIC_LIST(METRIC__GETTER)
#undef METRIC__GETTER

#define METRIC__ROW(ID, expr, ...)                                                                 \
  [METRIC_##ID] = {.id = METRIC_##ID, .get = metric__get_##ID, __VA_ARGS__},
const metric metric_table[METRIC_COUNT] = {METRIC_LIST(METRIC__ROW)};
#undef METRIC__ROW

size_t metric_sweep_list(const metric **out) {
  size_t n = 0;
  for (int rank = 1; rank <= METRIC_COUNT; rank++)
    for (size_t i = 0; i < METRIC_COUNT; i++)
      if (metric_table[i].sweep.rank == rank)
        out[n++] = &metric_table[i];
  return n;
}

const metric *metric_find(const char *name) {
  for (size_t i = 0; i < METRIC_COUNT; i++)
    if (strcmp(metric_table[i].name, name) == 0)
      return &metric_table[i];
  return NULL;
}
