/* scenario_load_multiply: `--set KEY=xF` multipliers, such as
 * `traffic.*.rate=x2` (every entry's rate doubled) or
 * `services.cart.replicas=x1.5`.
 *
 * A multiplier scales the value the scenario ends up with, wherever it came
 * from: the file, a plain override, a namespace's defaults, the built-in
 * default or a CSV input (traffic_csv rows are never in the node tree). So
 * it cannot be a value in the tree like other overrides: it is taken when
 * the overrides are applied (the factor checked then) and applied to the
 * converted scenario, after every plain override, in the order given.
 *
 * Only the keys of `targets` below take one; for any other key "x2" is an
 * ordinary value (a namespace may be called "x2"). KEY names one element
 * (by name or 0-based index) or every element ("*"). Counts become whole
 * numbers rounded up (3 x1.5 = 5, as Kubernetes' HPA rounds its desired
 * replicas up), so a scale-down never reaches 0; a product within 1e-9 of a
 * whole number is that number (10 x0.3 = 3, not 4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"

typedef enum mult_target {
  MULT_TRAFFIC_RATE,
  MULT_SERVICE_REPLICAS,
  MULT_SERVICE_WORKERS,
  MULT_POOL_COUNT,
  MULT_TARGET_COUNT
} mult_target;

/* The keys that take a multiplier: "LIST.<element>.KEY". */
static const struct {
  const char *list, *key;
  uint32_t lo, hi; /* counts: the range of the result */
} targets[MULT_TARGET_COUNT] = {
    [MULT_TRAFFIC_RATE] = {"traffic", "rate", 0, 0},
    [MULT_SERVICE_REPLICAS] = {"services", "replicas", 1, LD_MAX_REPLICAS},
    [MULT_SERVICE_WORKERS] = {"services", "workers", 1, LD_MAX_WORKERS},
    [MULT_POOL_COUNT] = {"cluster.nodes", "count", 0, LD_MAX_NODES},
};

struct ld_multiplier {
  mult_target target;
  char *element; /* a name, an index or "*" */
  double factor;
  size_t index; /* the override's */
};

/* Which target "LIST.<element>.KEY" (key_len bytes of ov) is, with
 * *element pointing at the element's text and *element_len its length. */
static int match_target(const char *ov, size_t key_len, const char **element, size_t *element_len) {
  for (int t = 0; t < MULT_TARGET_COUNT; t++) {
    size_t ll = strlen(targets[t].list), kl = strlen(targets[t].key);
    if (key_len < ll + kl + 3 || strncmp(ov, targets[t].list, ll) != 0 || ov[ll] != '.' ||
        strncmp(ov + key_len - kl, targets[t].key, kl) != 0 || ov[key_len - kl - 1] != '.') {
      continue;
    }
    *element = ov + ll + 1;
    *element_len = key_len - ll - kl - 2;
    if (memchr(*element, '.', *element_len) == NULL) {
      return t;
    }
  }
  return -1;
}

int ld_take_multiplier(ld_loader *L, size_t index, const char *ov, size_t key_len,
                       const char *value) {
  const char *element;
  size_t element_len;
  int t = match_target(ov, key_len, &element, &element_len);
  if (t < 0 || value[0] != 'x') {
    return 0;
  }
  double f;
  char q[128];
  if (units_parse_number(value + 1, &f) != 0 || !(f > 0) || !isfinite(f)) {
    diag_error(L->diag, L->ov_labels[index], 1, (uint32_t)key_len + 2,
               "invalid multiplier \"%s\": expected a number above 0 after \"x\", like x2 or "
               "x0.5",
               ld_quote(q, sizeof q, value));
    return -1;
  }
  if (L->mults == NULL && (L->mults = calloc(L->n_overrides, sizeof *L->mults)) == NULL) {
    ld_nomem(L);
    return -1;
  }
  ld_multiplier *m = &L->mults[L->n_mults];
  if ((m->element = strndup(element, element_len)) == NULL) {
    ld_nomem(L);
    return -1;
  }
  m->target = (mult_target)t;
  m->factor = f;
  m->index = index;
  L->n_mults++;
  return 1;
}

void ld_multipliers_free(ld_loader *L) {
  for (size_t i = 0; i < L->n_mults; i++) {
    free(L->mults[i].element);
  }
  free(L->mults);
}

/* Elements of a target's list, and the name of element i. */
static uint32_t target_size(const scenario *s, mult_target t) {
  return t == MULT_TRAFFIC_RATE ? s->n_traffic
         : t == MULT_POOL_COUNT ? s->cluster.n_pools
                                : s->n_services;
}

static const char *target_name(const scenario *s, mult_target t, uint32_t i) {
  if (t == MULT_TRAFFIC_RATE) {
    uint32_t sv = s->traffic[i].service;
    return sv != SCN_NONE ? s->services[sv].name : "";
  }
  return t == MULT_POOL_COUNT ? s->cluster.pools[i].name : s->services[i].name;
}

/* The element m names, as the tree's overrides find one: every element for
 * "*", else the one with that name, else the one at that 0-based index;
 * UINT32_MAX for all, n for none. */
static uint32_t selected(const scenario *s, const ld_multiplier *m, uint32_t n) {
  if (strcmp(m->element, "*") == 0) {
    return UINT32_MAX;
  }
  for (uint32_t i = 0; i < n; i++) {
    if (strcmp(m->element, target_name(s, m->target, i)) == 0) {
      return i;
    }
  }
  uint64_t idx;
  if (m->element[0] != '+' && units_parse_uint(m->element, UINT64_MAX, &idx) == 0 && idx < n) {
    return (uint32_t)idx;
  }
  return n;
}

/* "no entry "x" in "services"", with the closest name or the names. */
static void no_entry(ld_loader *L, const ld_multiplier *m) {
  const scenario *s = L->s;
  uint32_t n = target_size(s, m->target);
  const char **names = calloc(n + 1, sizeof *names);
  if (names == NULL) {
    ld_nomem(L);
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    names[i] = target_name(s, m->target, i);
  }
  char q[128], sug[640];
  diag_error(L->diag, L->ov_labels[m->index], 0, 0, "no entry \"%s\" in \"%s\"%s",
             ld_quote(q, sizeof q, m->element), targets[m->target].list,
             ld_suggestion(sug, sizeof sug, m->element, names, n, "entries"));
  free(names);
}

/* old x f as a count: rounded up, after forgiving float noise. */
static double count_product(uint32_t old, double f) {
  double v = (double)old * f, r = round(v);
  return fabs(v - r) <= 1e-9 * (v > 1 ? v : 1) ? r : ceil(v);
}

/* Multiplies one count; false after reporting a result out of range. */
static bool scale_count(ld_loader *L, const ld_multiplier *m, uint32_t i, uint32_t *v) {
  const scenario *s = L->s;
  double x = count_product(*v, m->factor);
  uint32_t lo = targets[m->target].lo, hi = targets[m->target].hi;
  const char *key = targets[m->target].key;
  if (x < lo) {
    x = lo; /* a scale-down keeps one replica, one worker */
  }
  if (x > hi) {
    diag_error(L->diag, L->ov_labels[m->index], 0, 0,
               "invalid \"%s\": %u x%g is %.0f for \"%s.%s\", more than %u", key, *v, m->factor, x,
               targets[m->target].list, target_name(s, m->target, i), hi);
    return false;
  }
  if (m->target == MULT_POOL_COUNT) {
    const scenario_node_pool *p = &s->cluster.pools[i];
    if (p->max_count > 0 && x > p->max_count) {
      diag_error(L->diag, L->ov_labels[m->index], 0, 0,
                 "invalid \"count\": %u x%g is %.0f for \"cluster.nodes.%s\", above its \"max\" "
                 "%u",
                 *v, m->factor, x, p->name, p->max_count);
      return false;
    }
  }
  *v = (uint32_t)x;
  return true;
}

static void apply_one(ld_loader *L, const ld_multiplier *m) {
  scenario *s = L->s;
  uint32_t n = target_size(s, m->target), sel = selected(s, m, n);
  if (sel == n) {
    /* A service left out by a broken services_csv row may be the one. */
    if (m->target == MULT_POOL_COUNT || !L->services_incomplete) {
      no_entry(L, m);
    }
    return;
  }
  for (uint32_t i = sel == UINT32_MAX ? 0 : sel; i < (sel == UINT32_MAX ? n : sel + 1); i++) {
    switch (m->target) {
    case MULT_TRAFFIC_RATE:
      s->traffic[i].rate_rps *= m->factor;
      if (!isfinite(s->traffic[i].rate_rps)) {
        diag_error(L->diag, L->ov_labels[m->index], 0, 0,
                   "invalid \"rate\": x%g is too large for \"traffic.%s\"", m->factor,
                   target_name(s, m->target, i));
        return;
      }
      break;
    case MULT_SERVICE_REPLICAS:
      if (!scale_count(L, m, i, &s->services[i].replicas)) {
        return;
      }
      break;
    case MULT_SERVICE_WORKERS:
      if (!scale_count(L, m, i, &s->services[i].app_workers)) {
        return;
      }
      break;
    case MULT_POOL_COUNT:
      if (!scale_count(L, m, i, &s->cluster.pools[i].count)) {
        return;
      }
      break;
    default:
      return;
    }
  }
}

void ld_apply_multipliers(ld_loader *L) {
  for (size_t i = 0; i < L->n_mults && !ld_stop(L); i++) {
    apply_one(L, &L->mults[i]);
  }
}
