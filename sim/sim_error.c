/* sim_error: text for the engine's error codes, generated from the single
 * SIM_ERROR_MAP list so a new code cannot be added without its message. */
#include "sim_error.h"

const char *sim_strerror(int code) {
  switch (code) {
#define SIM_ERROR_CASE(name, value, text)                                                          \
  case (value):                                                                                    \
    return (text);
    SIM_ERROR_MAP(SIM_ERROR_CASE)
#undef SIM_ERROR_CASE
  default:
    return "unknown error";
  }
}
