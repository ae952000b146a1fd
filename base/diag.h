/* diag: a list of diagnostics (errors and warnings) about an input file.
 *
 * Each entry renders as "file:line:col: error: message" (or "warning"), the
 * format compilers use, so editors can jump to it. Lines and columns are
 * 1-based; a line of 0 means the message is about the whole file and renders
 * as "file: error: message". The list keeps at most max_errors errors (20
 * unless changed after diag_list_init): past that, further errors are only
 * counted, and diag_list_full() tells the producer to stop; warnings of one
 * kind are listed up to max_listed (5 unless changed). Messages follow
 * STYLE.md: lowercase, the subject in double quotes, what was expected.
 *
 * The list owns every string in it; diag_list_release() frees them. */
#ifndef MESHSIM_DIAG_H
#define MESHSIM_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DIAG_DEFAULT_MAX_ERRORS 20
#define DIAG_DEFAULT_MAX_LISTED 5

typedef enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_severity;

typedef struct diag_entry {
  diag_severity severity;
  char *file;    /* as given by the producer (path or display name); "" if none */
  uint32_t line; /* 1-based; 0 = whole file */
  uint32_t col;  /* 1-based; 0 = no column */
  char *message; /* the text after "error: " */
  char *text;    /* the full rendered line, without a newline */
} diag_entry;

typedef struct diag_list {
  diag_entry *items;
  size_t n, cap;
  size_t n_errors;   /* errors kept in items */
  size_t n_warnings; /* warnings kept in items */
  size_t n_dropped;  /* errors past max_errors, counted but not kept */
  size_t max_errors;
  /* A producer with many warnings of one kind (services no traffic reaches)
   * gives this many and then one that counts the rest; SIZE_MAX lists every
   * one (`meshsim validate --all-warnings`). */
  size_t max_listed;
  bool out_of_memory; /* a message could not be stored: the list is incomplete */
} diag_list;

void diag_list_init(diag_list *d);
/* Frees every entry; the list is empty and reusable afterwards. */
void diag_list_release(diag_list *d);

/* Record an error / warning / note. diag_error returns -1 so a failing
 * check can be `return diag_error(...)`; the others return 0. Messages
 * longer than 1 KiB are cut. A NULL file renders without a location. */
int diag_error(diag_list *d, const char *file, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int diag_warning(diag_list *d, const char *file, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int diag_note(diag_list *d, const char *file, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int diag_add(diag_list *d, diag_severity sev, const char *file, uint32_t line, uint32_t col,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int diag_addv(diag_list *d, diag_severity sev, const char *file, uint32_t line, uint32_t col,
              const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* True once max_errors errors are kept: the producer should stop. */
bool diag_list_full(const diag_list *d);
/* Errors seen, including dropped ones. */
size_t diag_error_count(const diag_list *d);

/* Rendered text of entry i (the same as items[i].text). */
const char *diag_text(const diag_list *d, size_t i);
/* The first error's rendered text, or NULL when there is none. */
const char *diag_first_error(const diag_list *d);

/* Writes every entry, one per line, and a closing line when the list is
 * full ("stopped after 20 errors", plus "(3 more not shown)" when errors
 * were dropped). */
void diag_print(const diag_list *d, FILE *out);

/* Writes s into buf (size >= 8) as a message subject: printable bytes as is,
 * '"' and '\\' escaped, control bytes as \xHH, cut to at most max_chars
 * input bytes with "..." appended. No surrounding quotes. Returns buf. */
char *diag_quote(char *buf, size_t size, const char *s, size_t max_chars);

/* Levenshtein distance with adjacent transpositions (optimal string
 * alignment) between a and b, capped: returns cap + 1 when it exceeds cap.
 * Strings longer than 64 bytes compare as far apart. */
unsigned diag_edit_distance(const char *a, const char *b, unsigned cap);
/* The candidate `word` was most likely meant to be, or NULL: a case-only
 * difference; else the single closest candidate within an edit distance of
 * 1 for short words, up to 3 for long ones; else the single candidate that
 * contains `word` (at least 3 bytes and half the candidate). Two equally
 * good candidates give NULL: a coin-flip guess misleads more than a list. */
const char *diag_suggest(const char *word, const char *const *candidates, size_t n);

#endif
