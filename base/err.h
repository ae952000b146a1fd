/* err: meshsim's one error space. Every library function returns 0 or a
 * negative code from the list below, and err_str() turns any of them, the
 * engine's included, into text. Each layer owns a range, so a code names the
 * layer that failed:
 *
 *     -1 ..  -99  the engine (sim/sim_error.h); -1 and -2 are also every
 *                 layer's "out of memory" and "invalid argument"
 *   -100 .. -199  shared conditions (interrupted)
 *   -200 .. -299  input/: scenario and profile files
 *   -300 .. -399  store/: the results database
 *   -400 .. -499  sweep/: sweep specifications
 *   -500 .. -599  import/: Kubernetes objects, monitoring data, benchmark results
 *
 * The engine keeps its own list because sim/ knows nothing above it; this
 * list repeats nothing of it. A message for the user travels separately, in a
 * diagnostics list (diag.h): a code says what kind of failure, never which
 * file or line. */
#ifndef MESHSIM_ERR_H
#define MESHSIM_ERR_H

#include "sim_error.h"

#define ERR_MAP(X)                                                                                 \
  X(ERR, INTR, -100, "interrupted")                                                                \
  X(SCENARIO_LOAD, IO, -200, "cannot read the scenario file")                                      \
  X(SCENARIO_LOAD, SYNTAX, -201, "the scenario file is not valid YAML")                            \
  X(SCENARIO_LOAD, OVERRIDE, -202, "an override (--set) is invalid")                               \
  X(SCENARIO_LOAD, INVALID, -203, "the scenario is invalid")                                       \
  X(PROFILE_LOAD, IO, -250, "cannot read the profile file")                                        \
  X(PROFILE_LOAD, SYNTAX, -251, "the profile file is not valid YAML")                              \
  X(PROFILE_LOAD, INVALID, -252, "the profile is invalid")                                         \
  X(PROFILE_LOAD, UNKNOWN, -253, "no builtin profile has that name")                               \
  X(DB, IO, -300, "file system error")                                                             \
  X(DB, SQL, -301, "database error")                                                               \
  X(DB, NOTFOUND, -302, "not found")                                                               \
  X(DB, NEWER, -303, "database schema is newer than this meshsim")                                 \
  X(DB, FOREIGN, -304, "not a meshsim results database")                                           \
  X(DB, TOOL, -305, "external program failed")                                                     \
  X(SWEEP, SYNTAX, -400, "invalid sweep specification")                                            \
  X(SWEEP, EMPTY, -401, "the range or list is empty")                                              \
  X(SWEEP, TOOBIG, -402, "too many values or points")                                              \
  X(SWEEP, DUPLICATE, -403, "a key is swept twice")                                                \
  X(SWEEP, WORKER, -404, "cannot start the worker processes")                                      \
  X(IMPORT, INPUT, -500, "an input to import is unreadable or invalid")                            \
  X(IMPORT, OUTPUT, -501, "the imported file would not validate")

enum {
  ERR_OK = 0,
  ERR_ENOMEM = SIM_ENOMEM, /* every layer's "out of memory" */
  ERR_EINVAL = SIM_EINVAL, /* every layer's "invalid argument" */
#define ERR_ENUM(layer, name, code, text) layer##_E##name = (code),
  ERR_MAP(ERR_ENUM)
#undef ERR_ENUM
};

/* Text for any code returned by a meshsim function (engine codes included);
 * never NULL. */
const char *err_str(int code);

#endif
