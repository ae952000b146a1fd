/* sweep_point: one point of a sweep, made runnable. Its overrides (the axis
 * values of the point plus the fixed ones, in key order), the scenario loaded
 * with them together with the calibration profiles its modes need
 * (models/mode_rules.h says which), and the provenance stamped on its result.
 *
 * `meshsim run` and `meshsim validate` load through here too: a run is the
 * point of a sweep with no axis, so a run and a sweep point given the same
 * overrides load, check and stamp the scenario the same way and get the same
 * run keys in the database.
 *
 * Nothing here prints: the loader's diagnostics go to the caller's diag_list
 * ("file:line:col: error: ..."), and what failed, in one line, to its buffer. */
#ifndef MESHSIM_SWEEP_POINT_H
#define MESHSIM_SWEEP_POINT_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"
#include "mode_rules.h"
#include "model.h"
#include "sweep.h"
#include "work.h"

#define SWEEP_POINT_MAX_FIXED     4    /* fixed overrides: --modes, --seed, ... */
#define SWEEP_POINT_OVERRIDE_MAX  2048 /* one axis assignment "KEY=VALUE", NUL included */
#define SWEEP_POINT_MAX_OVERRIDES 64   /* overrides of one run, for sweep_point_stamp */

/* A scenario loaded with its profiles, ready for model_run(&p->in, ...).
 * `in` points into the struct itself: do not copy a loaded point. */
typedef struct sweep_point {
  scenario scn;
  profile profiles[MODE_RULES_SOURCES];
  profile mode_profiles[SCN_MODES_MAX]; /* of the modes that name one ("linkerd-2.14:sidecar") */
  model_inputs in;
  work_estimate work; /* what running it would cost (models/work.h) */
} sweep_point;

/* Loads the scenario at `path` with the overrides applied in order, then the
 * profiles mode_rules names (a builtin name, or a file when the name has a
 * '/' or ends in ".yaml", relative to the scenario's folder), and checks
 * they cover every mode. Diagnostics, warnings included, are appended to *d.
 * Returns 0 (release *p with sweep_point_release), or a negative code with
 * nothing to release and `why` holding the failure for the user, after the
 * diagnostics: "the scenario is invalid", "cannot load calibration profile
 * \"x\"", or "" when the diagnostics say it all. */
int sweep_point_load(sweep_point *p, const char *path, const char *const *overrides,
                     size_t n_overrides, diag_list *d, char *why, size_t why_len);
void sweep_point_release(sweep_point *p);

/* The overrides of one point of a sweep. */
typedef struct sweep_point_overrides {
  const char *sets[SWEEP_MAX_KEYS + SWEEP_POINT_MAX_FIXED]; /* into store and `fixed` */
  size_t n;
  char params[RESULT_TEXT_MAX]; /* the axis assignments: sweep_point_params() */
  char store[SWEEP_MAX_KEYS * SWEEP_POINT_OVERRIDE_MAX];
} sweep_point_overrides;

/* Fills *out with point `point` of s: its axis assignments and the n_fixed
 * `fixed` overrides, sorted by key so that the scenario hash does not depend
 * on the order of the options (a key sorts before its own sub-keys, so the
 * more specific one is applied last and wins). The strings of `fixed` must
 * outlive *out. Returns 0, SWEEP_ETOOBIG when an assignment does not fit, or
 * ERR_EINVAL for more than SWEEP_POINT_MAX_FIXED fixed overrides. */
int sweep_point_overrides_of(const sweep *s, uint64_t point, const char *const *fixed,
                             size_t n_fixed, sweep_point_overrides *out);

/* "key=value;key=value" of point p in axis order; 0, or SWEEP_ETOOBIG when
 * it does not fit. */
int sweep_point_params(const sweep *s, uint64_t point, char *buf, size_t n);

/* Provenance of a finished run, so it can be reproduced and stored
 * idempotently: the scenario path, this meshsim's version, the UTC start time
 * and, as params, every override sorted and joined by ';' (`meshsim run`
 * writes the same for the same overrides). Returns 0, or ERR_EINVAL with
 * params left empty for more than SWEEP_POINT_MAX_OVERRIDES overrides. */
int sweep_point_stamp(run_result *r, const char *path, time_t started, const char *const *overrides,
                      size_t n_overrides);

#endif
