/* fuzz_support: shared helpers of the fuzz harnesses. See fuzz_support.h. */
#define _GNU_SOURCE /* memfd_create */
#include "fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <yaml.h>

#include "scenario_load.h"

char *fuzz_support_cstr(const uint8_t *data, size_t len) {
  char *s = malloc(len + 1);
  if (s == NULL) {
    return NULL;
  }
  if (len > 0) {
    memcpy(s, data, len);
  }
  s[len] = '\0';
  return s;
}

static bool fuzz_support_has_csv(const unsigned char *s, size_t len) {
  static const char needle[] = "_csv";
  const size_t n = sizeof needle - 1;
  for (size_t i = 0; i + n <= len; i++) {
    if (memcmp(s + i, needle, n) == 0) {
      return true;
    }
  }
  return false;
}

bool fuzz_support_names_csv(const uint8_t *data, size_t len) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    return true;
  }
  yaml_parser_set_input_string(&p, data, len);
  bool found = false;
  bool done = false;
  while (!found && !done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      /* Out of memory leaves the rest unscanned: skip the input to be safe. */
      found = p.error == YAML_MEMORY_ERROR;
      break;
    }
    if (ev.type == YAML_SCALAR_EVENT) {
      found = fuzz_support_has_csv(ev.data.scalar.value, ev.data.scalar.length);
    }
    done = ev.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  return found;
}

void fuzz_support_memfile_init(fuzz_support_memfile *f, const char *name) {
  f->fd = memfd_create(name, MFD_CLOEXEC);
  if (f->fd < 0) {
    perror("fuzz_support: memfd_create");
    abort();
  }
  snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

void fuzz_support_memfile_set(fuzz_support_memfile *f, const void *data, size_t len) {
  if (ftruncate(f->fd, 0) != 0 || (len > 0 && pwrite(f->fd, data, len, 0) != (ssize_t)len)) {
    perror("fuzz_support: writing the in-memory file");
    abort();
  }
}

void fuzz_support_diag_drain(diag_list *d) {
  static FILE *devnull;
  if (devnull == NULL) {
    devnull = fopen("/dev/null", "w");
  }
  if (devnull != NULL) {
    diag_print(d, devnull);
  }
  diag_list_release(d);
}

bool fuzz_support_load(const uint8_t *data, size_t len, scenario *out) {
  if (fuzz_support_names_csv(data, len)) {
    return false;
  }
  diag_list d;
  diag_list_init(&d);
  bool ok = scenario_load_string((const char *)data, len, "fuzz.yaml", NULL, 0, out, &d) == 0;
  fuzz_support_diag_drain(&d);
  return ok;
}
