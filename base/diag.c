/* diag: collects rendered diagnostics for a file, compiler style.
 *
 * Entries are rendered once when added, so printing and comparing against
 * golden messages in tests see the same bytes. Allocation failure never
 * loses the caller's control flow: the list just notes it is incomplete. */
#include "diag.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DIAG_MESSAGE_MAX 1024

void diag_list_init(diag_list *d) {
  memset(d, 0, sizeof *d);
  d->max_errors = DIAG_DEFAULT_MAX_ERRORS;
  d->max_listed = DIAG_DEFAULT_MAX_LISTED;
}

void diag_list_release(diag_list *d) {
  for (size_t i = 0; i < d->n; i++) {
    free(d->items[i].file);
    free(d->items[i].message);
    free(d->items[i].text);
  }
  free(d->items);
  size_t max_errors = d->max_errors, max_listed = d->max_listed;
  memset(d, 0, sizeof *d);
  d->max_errors = max_errors;
  d->max_listed = max_listed;
}

static const char *severity_word(diag_severity sev) {
  switch (sev) {
  case DIAG_ERROR:
    return "error";
  case DIAG_WARNING:
    return "warning";
  default:
    return "note";
  }
}

static char *dup_str(const char *s) {
  size_t len = strlen(s);
  char *p = malloc(len + 1);
  if (p != NULL) {
    memcpy(p, s, len + 1);
  }
  return p;
}

int diag_addv(diag_list *d, diag_severity sev, const char *file, uint32_t line, uint32_t col,
              const char *fmt, va_list ap) {
  int ret = sev == DIAG_ERROR ? -1 : 0;
  if (sev == DIAG_ERROR && d->n_errors >= d->max_errors) {
    d->n_dropped++;
    return ret;
  }
  char message[DIAG_MESSAGE_MAX];
  vsnprintf(message, sizeof message, fmt, ap);

  char location[DIAG_MESSAGE_MAX];
  if (file == NULL || file[0] == '\0') {
    location[0] = '\0';
  } else if (line == 0) {
    snprintf(location, sizeof location, "%s: ", file);
  } else if (col == 0) {
    snprintf(location, sizeof location, "%s:%u: ", file, line);
  } else {
    snprintf(location, sizeof location, "%s:%u:%u: ", file, line, col);
  }
  size_t text_len = strlen(location) + strlen(severity_word(sev)) + 2 + strlen(message) + 1;
  char *text = malloc(text_len);
  char *msg = dup_str(message);
  char *file_copy = dup_str(file != NULL ? file : "");
  if (d->n == d->cap) {
    size_t cap = d->cap == 0 ? 8 : d->cap * 2;
    diag_entry *items = realloc(d->items, cap * sizeof *items);
    if (items != NULL) {
      d->items = items;
      d->cap = cap;
    }
  }
  if (text == NULL || msg == NULL || file_copy == NULL || d->n == d->cap) {
    free(text);
    free(msg);
    free(file_copy);
    d->out_of_memory = true;
    if (sev == DIAG_ERROR) {
      d->n_dropped++;
    }
    return ret;
  }
  snprintf(text, text_len, "%s%s: %s", location, severity_word(sev), message);
  diag_entry *e = &d->items[d->n++];
  e->severity = sev;
  e->file = file_copy;
  e->line = line;
  e->col = col;
  e->message = msg;
  e->text = text;
  if (sev == DIAG_ERROR) {
    d->n_errors++;
  } else if (sev == DIAG_WARNING) {
    d->n_warnings++;
  }
  return ret;
}

int diag_add(diag_list *d, diag_severity sev, const char *file, uint32_t line, uint32_t col,
             const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int ret = diag_addv(d, sev, file, line, col, fmt, ap);
  va_end(ap);
  return ret;
}

int diag_error(diag_list *d, const char *file, uint32_t line, uint32_t col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_addv(d, DIAG_ERROR, file, line, col, fmt, ap);
  va_end(ap);
  return -1;
}

int diag_warning(diag_list *d, const char *file, uint32_t line, uint32_t col, const char *fmt,
                 ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_addv(d, DIAG_WARNING, file, line, col, fmt, ap);
  va_end(ap);
  return 0;
}

int diag_note(diag_list *d, const char *file, uint32_t line, uint32_t col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_addv(d, DIAG_NOTE, file, line, col, fmt, ap);
  va_end(ap);
  return 0;
}

bool diag_list_full(const diag_list *d) {
  return d->n_errors >= d->max_errors;
}

size_t diag_error_count(const diag_list *d) {
  return d->n_errors + d->n_dropped;
}

const char *diag_text(const diag_list *d, size_t i) {
  return i < d->n ? d->items[i].text : NULL;
}

const char *diag_first_error(const diag_list *d) {
  for (size_t i = 0; i < d->n; i++) {
    if (d->items[i].severity == DIAG_ERROR) {
      return d->items[i].text;
    }
  }
  return NULL;
}

void diag_print(const diag_list *d, FILE *out) {
  for (size_t i = 0; i < d->n; i++) {
    fprintf(out, "%s\n", d->items[i].text);
  }
  /* Producers stop once the list is full, so more errors may exist even
   * when none was dropped. */
  if (d->n_dropped > 0) {
    fprintf(out, "stopped after %zu errors (%zu more not shown)\n", d->n_errors, d->n_dropped);
  } else if (d->max_errors > 0 && d->n_errors >= d->max_errors) {
    fprintf(out, "stopped after %zu errors\n", d->n_errors);
  }
  if (d->out_of_memory) {
    fprintf(out, "out of memory while recording diagnostics; the list is incomplete\n");
  }
}

char *diag_quote(char *buf, size_t size, const char *s, size_t max_chars) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  size_t i = 0;
  /* Keep room for an escape (4), "..." (3) and the NUL. */
  for (; s[i] != '\0' && i < max_chars && o + 8 < size; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      buf[o++] = '\\';
      buf[o++] = 'x';
      buf[o++] = hex[c >> 4];
      buf[o++] = hex[c & 15];
    } else {
      buf[o++] = (char)c;
    }
  }
  if (s[i] != '\0') {
    /* Do not cut a UTF-8 sequence in half. */
    while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80) {
      o--;
    }
    if (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0xC0) {
      o--;
    }
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = '\0';
  return buf;
}

#define DIAG_EDIT_MAX 64

unsigned diag_edit_distance(const char *a, const char *b, unsigned cap) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > DIAG_EDIT_MAX || lb > DIAG_EDIT_MAX) {
    return cap + 1;
  }
  size_t diff = la > lb ? la - lb : lb - la;
  if (diff > cap) {
    return cap + 1;
  }
  /* Three rolling rows: the transposition step looks two rows back. */
  unsigned rows[3][DIAG_EDIT_MAX + 1];
  unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= lb; j++) {
    prev[j] = (unsigned)j;
  }
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (unsigned)i;
    unsigned row_min = cur[0];
    for (size_t j = 1; j <= lb; j++) {
      unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
      unsigned v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) {
        v = cur[j - 1] + 1;
      }
      if (prev[j - 1] + cost < v) {
        v = prev[j - 1] + cost;
      }
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v) {
        v = prev2[j - 2] + 1;
      }
      cur[j] = v;
      if (v < row_min) {
        row_min = v;
      }
    }
    if (row_min > cap) {
      return cap + 1;
    }
    unsigned *t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb] > cap ? cap + 1 : prev[lb];
}

const char *diag_suggest(const char *word, const char *const *candidates, size_t n) {
  size_t len = strlen(word);
  for (size_t i = 0; i < n; i++) {
    if (strcasecmp(word, candidates[i]) == 0) {
      return candidates[i];
    }
  }
  /* A typo budget that grows with the word: "sed" -> "seed" is plausible,
   * "cpu" -> "max" is not. Two equally close candidates ("zone-d" against
   * zone-a and zone-b) make a guess misleading: suggest nothing then. */
  unsigned cap = len <= 4 ? 1 : len <= 8 ? 2 : 3;
  const char *best = NULL;
  unsigned best_d = cap + 1;
  bool tie = false;
  for (size_t i = 0; i < n; i++) {
    unsigned d = diag_edit_distance(word, candidates[i], cap);
    /* Never suggest by replacing most of a short candidate ("ns" -> "h"). */
    if (d > cap || d >= strlen(candidates[i])) {
      continue;
    }
    if (d < best_d) {
      best = candidates[i];
      best_d = d;
      tie = false;
    } else if (d == best_d) {
      tie = true;
    }
  }
  if (best != NULL) {
    return tie ? NULL : best;
  }
  /* A fragment of one name ("pack" for "binpack", "time" for
   * "service_time"), when it is at least half of it and names only one. */
  const char *frag = NULL;
  for (size_t i = 0; len >= 3 && i < n; i++) {
    if (strstr(candidates[i], word) != NULL && 2 * len >= strlen(candidates[i])) {
      if (frag != NULL) {
        return NULL;
      }
      frag = candidates[i];
    }
  }
  return frag;
}
