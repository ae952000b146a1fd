/* sweep_point: a point's overrides, its scenario and profiles, its
 * provenance; see sweep_point.h. */
#include "sweep_point.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_load.h"
#include "scenario_load.h"
#include "sim_rng.h"

/* A profile by builtin name or, when the name looks like a path, from a file
 * (relative to the scenario's folder, so a scenario and its profile move
 * together). */
static int sweep_point__profile(const char *scn_path, const char *name, profile *out,
                                diag_list *d) {
  size_t len = strlen(name);
  if (!strchr(name, '/') && !(len > 5 && !strcmp(name + len - 5, ".yaml")))
    return profile_load_builtin(name, out, d);
  char path[1024];
  const char *slash = strrchr(scn_path, '/');
  if (name[0] != '/' && slash)
    snprintf(path, sizeof path, "%.*s/%s", (int)(slash - scn_path), scn_path, name);
  else
    snprintf(path, sizeof path, "%s", name);
  return profile_load_file(path, out, d);
}

int sweep_point_load(sweep_point *p, const char *path, const char *const *overrides,
                     size_t n_overrides, diag_list *d, char *why, size_t why_len) {
  memset(p, 0, sizeof *p);
  if (why_len)
    why[0] = '\0';
  sim_rng_library_init();
  int rc = scenario_load_file(path, overrides, n_overrides, &p->scn, d);
  if (rc != 0) {
    snprintf(why, why_len, "%s", err_str(rc));
    return rc;
  }
  for (int src = 0; src < MODE_RULES_SOURCES; src++) {
    const char *name = mode_rules_profile_name(&p->scn, (mode_rules_source)src);
    if (!name) {
      p->profiles[src] = p->profiles[MODE_RULES_MAIN];
      continue;
    }
    rc = sweep_point__profile(path, name, &p->profiles[src], d);
    if (rc != 0) {
      snprintf(why, why_len, "cannot load calibration profile \"%s\"", name);
      goto fail;
    }
  }
  /* The diagnostics name the gap; `why` stays empty. */
  if (mode_rules_check(&p->scn, path, p->profiles, d) != 0) {
    rc = SCENARIO_LOAD_EINVALID;
    goto fail;
  }
  mode_rules_wire(&p->in, &p->scn, p->profiles);
  /* Modes that name a profile of their own: loaded and checked apart. */
  for (uint32_t i = 0; i < p->scn.mesh.n_modes; i++) {
    const char *name = mode_rules_mode_profile_name(&p->scn, i);
    if (!name)
      continue;
    rc = sweep_point__profile(path, name, &p->mode_profiles[i], d);
    if (rc != 0) {
      snprintf(why, why_len, "cannot load calibration profile \"%s\"", name);
      goto fail;
    }
    if (mode_rules_check_mode(&p->scn, i, path, &p->mode_profiles[i], d) != 0) {
      rc = SCENARIO_LOAD_EINVALID;
      goto fail;
    }
    p->in.mode_profile[i] = &p->mode_profiles[i];
  }
  if ((rc = work_estimate_compute(&p->scn, &p->work)) != 0) {
    snprintf(why, why_len, "cannot estimate the work of the run: %s", err_str(rc));
    goto fail;
  }
  return 0;
fail:
  scenario_release(&p->scn);
  return rc;
}

void sweep_point_release(sweep_point *p) {
  scenario_release(&p->scn);
  memset(p, 0, sizeof *p);
}

int sweep_point_params(const sweep *s, uint64_t point, char *buf, size_t n) {
  size_t off = 0;
  if (n)
    buf[0] = '\0';
  for (uint32_t a = 0; a < s->n_axes; a++) {
    int w = snprintf(buf + off, n - off, "%s%s=%s", a ? ";" : "", s->axes[a].key,
                     s->axes[a].values[sweep_value_index(s, point, a)]);
    if (w < 0 || (size_t)w >= n - off)
      return SWEEP_ETOOBIG;
    off += (size_t)w;
  }
  return 0;
}

/* Orders "KEY=VALUE" strings by KEY alone, a key before its sub-keys. */
static int sweep_point__cmp_key(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
  int c = strncmp(x, y, lx < ly ? lx : ly);
  if (c)
    return c;
  return (lx > ly) - (lx < ly);
}

int sweep_point_overrides_of(const sweep *s, uint64_t point, const char *const *fixed,
                             size_t n_fixed, sweep_point_overrides *out) {
  if (n_fixed > SWEEP_POINT_MAX_FIXED)
    return ERR_EINVAL;
  out->n = 0;
  size_t off = 0;
  for (uint32_t a = 0; a < s->n_axes; a++) {
    const sweep_axis *ax = &s->axes[a];
    uint32_t v = sweep_value_index(s, point, a);
    for (uint32_t k = 0; k < ax->n_keys; k++) {
      int w = snprintf(out->store + off, sizeof out->store - off, "%s=%s", ax->keys[k],
                       sweep_axis_value(ax, v, k));
      if (w < 0 || (size_t)w >= SWEEP_POINT_OVERRIDE_MAX || (size_t)w >= sizeof out->store - off ||
          out->n >= SWEEP_MAX_KEYS)
        return SWEEP_ETOOBIG;
      out->sets[out->n++] = out->store + off;
      off += (size_t)w + 1;
    }
  }
  for (size_t i = 0; i < n_fixed; i++)
    out->sets[out->n++] = fixed[i];
  qsort(out->sets, out->n, sizeof *out->sets, sweep_point__cmp_key);
  return sweep_point_params(s, point, out->params, sizeof out->params);
}

static int sweep_point__cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sweep_point_stamp(run_result *r, const char *path, time_t started, const char *const *overrides,
                      size_t n_overrides) {
  snprintf(r->scenario_path, sizeof r->scenario_path, "%s", path);
  snprintf(r->version, sizeof r->version, "%s", MESHSIM_VERSION);
  strftime(r->started_at, sizeof r->started_at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
  r->params[0] = '\0';
  if (n_overrides > SWEEP_POINT_MAX_OVERRIDES)
    return ERR_EINVAL;
  const char *sorted[SWEEP_POINT_MAX_OVERRIDES];
  memcpy(sorted, overrides, n_overrides * sizeof *sorted);
  qsort(sorted, n_overrides, sizeof *sorted, sweep_point__cmp_str);
  size_t off = 0;
  for (size_t i = 0; i < n_overrides && off < sizeof r->params; i++)
    off +=
        (size_t)snprintf(r->params + off, sizeof r->params - off, "%s%s", i ? ";" : "", sorted[i]);
  return 0;
}
