/* sim_error: the engine's error codes, one list, with a matching strerror.
 * Functions return 0 or a negative SIM_E* code; library code never exits. */
#ifndef MESHSIM_SIM_ERROR_H
#define MESHSIM_SIM_ERROR_H

#define SIM_ERROR_MAP(X)                                                                           \
  X(OK, 0, "success")                                                                              \
  X(NOMEM, -1, "out of memory")                                                                    \
  X(INVAL, -2, "invalid argument")                                                                 \
  X(RANGE, -3, "value out of range")                                                               \
  X(PAST, -4, "event scheduled in the past")                                                       \
  X(OVERFLOW, -5, "simulated time overflow")                                                       \
  X(STALE, -6, "event handle no longer refers to a pending event")                                 \
  X(EMPTY, -7, "no pending event")

enum {
#define SIM_ERROR_ENUM(name, code, text) SIM_E##name = (code),
  SIM_ERROR_MAP(SIM_ERROR_ENUM)
#undef SIM_ERROR_ENUM
};

/* Text for a code returned by any sim_* function; never NULL. */
const char *sim_strerror(int code);

#endif
