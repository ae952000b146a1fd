/* imp_buf: a growable text buffer the importers write their YAML into, and
 * the atomic file writer every importer ends with.
 *
 * Output is written whole or not at all: imp_buf_write_atomic writes a
 * temporary file beside the target (same folder, so rename(2) cannot cross
 * file systems), flushes it and renames it over the target; on any error the
 * temporary file is removed and the target is untouched. An importer builds
 * its whole text first and validates it before calling it, so a failed
 * import never leaves a partial or invalid file. */
#ifndef MESHSIM_IMP_BUF_H
#define MESHSIM_IMP_BUF_H

#include <stdbool.h>
#include <stddef.h>

/* The buffer owns `s` (always NUL-terminated once anything was added);
 * release with imp_buf_release. `nomem` is set once an append failed; the
 * text is then incomplete and must not be written. */
typedef struct imp_buf {
  char *s;
  size_t len, cap;
  bool nomem;
} imp_buf;

void imp_buf_init(imp_buf *b);
void imp_buf_release(imp_buf *b);
void imp_buf_puts(imp_buf *b, const char *s);
void imp_buf_putn(imp_buf *b, const char *s, size_t n);
void imp_buf_printf(imp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Pads with spaces up to column `col` of the current line (at least one space),
 * then writes "# " and the formatted comment. */
void imp_buf_comment(imp_buf *b, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Turns control characters (line breaks, tabs) from byte `from` on into
 * spaces, so text from the input stays on one comment line. */
void imp_buf_one_line(imp_buf *b, size_t from);
/* Appends s as a YAML scalar: plain when it is safe to read back as the same
 * string, else double-quoted with escapes. */
void imp_buf_scalar(imp_buf *b, const char *s);

/* Writes len bytes of text to path atomically (see the top). "-" writes to
 * standard output. Returns 0, or -1 with a message in why. */
int imp_buf_write_atomic(const char *path, const char *text, size_t len, char *why, size_t why_len);

#endif
