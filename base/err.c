/* err: the one strerror, generated from ERR_MAP so a code cannot exist without its text. */
#include "err.h"

const char *err_str(int code) {
  switch (code) {
#define ERR_CASE(layer, name, value, text)                                                         \
  case (value):                                                                                    \
    return (text);
    ERR_MAP(ERR_CASE)
#undef ERR_CASE
  default:
    return code > -100 ? sim_strerror(code) : "unknown error";
  }
}
