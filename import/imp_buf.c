/* imp_buf: text buffer and atomic writer; see imp_buf.h. */
#include "imp_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void imp_buf_init(imp_buf *b) {
  memset(b, 0, sizeof *b);
}

void imp_buf_release(imp_buf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

static bool imp_buf__reserve(imp_buf *b, size_t more) {
  if (b->nomem)
    return false;
  if (b->len + more + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->nomem = true;
    return false;
  }
  b->s = s;
  b->cap = cap;
  return true;
}

void imp_buf_putn(imp_buf *b, const char *s, size_t n) {
  if (!imp_buf__reserve(b, n))
    return;
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void imp_buf_puts(imp_buf *b, const char *s) {
  imp_buf_putn(b, s, strlen(s));
}

static void imp_buf__vprintf(imp_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0 || !imp_buf__reserve(b, (size_t)n))
    return;
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void imp_buf_printf(imp_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  imp_buf__vprintf(b, fmt, ap);
  va_end(ap);
}

void imp_buf_comment(imp_buf *b, int col, const char *fmt, ...) {
  size_t line = 0; /* characters on the current line */
  while (line < b->len && b->s[b->len - line - 1] != '\n')
    line++;
  imp_buf_putn(b, " ", 1);
  for (size_t c = line + 1; c < (size_t)col; c++)
    imp_buf_putn(b, " ", 1);
  imp_buf_puts(b, "# ");
  size_t from = b->len;
  va_list ap;
  va_start(ap, fmt);
  imp_buf__vprintf(b, fmt, ap);
  va_end(ap);
  imp_buf_one_line(b, from);
}

void imp_buf_one_line(imp_buf *b, size_t from) {
  /* A name with a line break (quoted YAML allows one) must not end the
   * comment and start a key of its own. */
  for (size_t i = from; i < b->len; i++)
    if ((unsigned char)b->s[i] < 0x20 || b->s[i] == 0x7f)
      b->s[i] = ' ';
}

/* A plain scalar reads back as the same string when it starts with a letter,
 * digit, '/' or '.', holds no ": ", " #", flow or quote characters, and is
 * not a YAML keyword that would read as null or a boolean. */
static bool imp_buf__plain_ok(const char *s) {
  static const char *const words[] = {"null", "Null",  "NULL",  "~",     "true", "True",
                                      "TRUE", "false", "False", "FALSE", "yes",  "no",
                                      "on",   "off",   "Yes",   "No",    "On",   "Off"};
  if (!*s)
    return false;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (!strcmp(s, words[i]))
      return false;
  unsigned char c0 = (unsigned char)s[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || (c0 >= '0' && c0 <= '9') ||
        c0 == '/' || c0 == '.' || c0 == '_'))
    return false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 0x20 || *p == 0x7f || strchr("\"'{}[],&*!|>%@`#", *p))
      return false;
    if (*p == ':' && (p[1] == ' ' || p[1] == '\0'))
      return false;
  }
  size_t n = strlen(s);
  return s[n - 1] != ' ';
}

void imp_buf_scalar(imp_buf *b, const char *s) {
  if (imp_buf__plain_ok(s)) {
    imp_buf_puts(b, s);
    return;
  }
  imp_buf_putn(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      imp_buf_printf(b, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      imp_buf_printf(b, "\\x%02x", *p);
    else
      imp_buf_putn(b, (const char *)p, 1);
  }
  imp_buf_putn(b, "\"", 1);
}

int imp_buf_write_atomic(const char *path, const char *text, size_t len, char *why,
                         size_t why_len) {
  if (!strcmp(path, "-")) {
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
      snprintf(why, why_len, "cannot write to standard output: %s", strerror(errno));
      return -1;
    }
    return 0;
  }
  size_t n = strlen(path);
  char *tmp = malloc(n + 32);
  if (!tmp) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  /* Beside the target, so the rename stays on one file system. */
  snprintf(tmp, n + 32, "%s.tmp-XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    snprintf(why, why_len, "cannot create \"%s\": %s", tmp, strerror(errno));
    free(tmp);
    return -1;
  }
  FILE *f = fdopen(fd, "w");
  int ok = f != NULL && fwrite(text, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0;
  int err = errno;
  if (f ? fclose(f) != 0 : close(fd) != 0)
    ok = 0;
  /* mkstemp makes the file 0600; an output file is an ordinary one. */
  if (ok && chmod(tmp, 0644) != 0)
    ok = 0, err = errno;
  if (ok && rename(tmp, path) != 0)
    ok = 0, err = errno;
  if (!ok) {
    snprintf(why, why_len, "cannot write \"%s\": %s", path, strerror(err));
    unlink(tmp);
  }
  free(tmp);
  return ok ? 0 : -1;
}
