/* advice: names and teardown of what `meshsim advise` found; see advice.h. */
#include "advice.h"

#include <stdlib.h>
#include <string.h>

static const char *const advice_reason_names[ADVICE_REASON_COUNT] = {"pinned", "l7", "blast",
                                                                     "objective", "cost"};

const char *advice_reason_name(advice_reason r) {
  return (unsigned)r < ADVICE_REASON_COUNT ? advice_reason_names[r] : "?";
}

int advice_reason_from_name(const char *name) {
  for (int i = 0; i < ADVICE_REASON_COUNT; i++)
    if (strcmp(advice_reason_names[i], name) == 0)
      return i;
  return -1;
}

void advice_release(advice *a) {
  free(a->namespaces);
  free(a->uniform);
  free(a->alternatives);
  free(a->constraints);
  for (uint32_t i = 0; i < a->n_steps; i++)
    free(a->steps[i].risks);
  free(a->steps);
  memset(a, 0, sizeof *a);
}
