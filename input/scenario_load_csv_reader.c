/* scenario_load_csv_reader: the CSV inputs (call_graph_csv, traffic_csv,
 * services_csv): reading the file a key names, and its rows, in RFC 4180
 * CSV parsed by libcsv (strict mode).
 *
 * libcsv reports fields but not where they are, so the reader feeds it one
 * byte at a time and notes the line and column of each field's first
 * non-blank byte; a field libcsv completes is then known by position. It
 * also skips what libcsv has no notion of: a UTF-8 byte order mark and
 * comment lines (first non-blank character '#'). Empty lines are skipped by
 * libcsv itself. What a row means is its caller's: scenario_load_csv.c
 * (calls, traffic) and scenario_load_csv_services.c (services). */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_load_internal.h"
#include "sim_error.h"

/* ---- reading rows -------------------------------------------------------- */

/* A reader of `file` calling on_row(r) for each row, r->user = user. */
void ld_csvr_init(ld_csv_reader *r, ld_loader *L, const char *file, ld_csvr_row_fn on_row,
                  void *user) {
  memset(r, 0, sizeof *r);
  r->L = L;
  r->file = file;
  r->on_row = on_row;
  r->user = user;
}

const char *ld_csvr_text(const ld_csv_reader *r, size_t i) {
  return r->buf + r->fields[i].off;
}

static void csvr_on_field(void *data, size_t len, void *user) {
  ld_csv_reader *r = user;
  if (r->stopped) {
    return;
  }
  size_t i = r->n_fields++;
  /* An empty field has no non-blank byte: it is where its delimiter is. */
  uint32_t line = r->have_start ? r->start_line : r->line;
  uint32_t col = r->have_start ? r->start_col : r->col;
  bool quoted = r->have_start && r->start_quoted;
  r->have_start = false;
  if (i >= LD_CSVR_MAX_FIELDS) {
    return;
  }
  if (r->buf_len + len + 1 > r->buf_cap) {
    size_t cap = r->buf_cap > 0 ? r->buf_cap : 256;
    while (cap < r->buf_len + len + 1) {
      cap *= 2;
    }
    char *nb = realloc(r->buf, cap);
    if (nb == NULL) {
      ld_nomem(r->L);
      r->stopped = true;
      return;
    }
    r->buf = nb;
    r->buf_cap = cap;
  }
  if (len > 0) {
    memcpy(r->buf + r->buf_len, data, len);
  }
  r->buf[r->buf_len + len] = '\0';
  r->fields[i] = (ld_csvr_field){r->buf_len, len, line, col, quoted};
  r->buf_len += len + 1;
}

static void csvr_on_row(int terminator, void *user) {
  (void)terminator;
  ld_csv_reader *r = user;
  if (!r->stopped && r->n_fields > 0) {
    r->on_row(r);
    r->rows++;
  }
  r->n_fields = 0;
  r->buf_len = 0;
  r->have_start = false;
  r->row_begun = false;
  if (ld_stop(r->L)) {
    r->stopped = true;
  }
}

/* Parses bytes, calling r->on_row for every row. Returns 0, or -1 after
 * reporting a file that is not valid CSV. */
int ld_csvr_run(ld_csv_reader *r, const char *bytes, size_t len) {
  ld_loader *L = r->L;
  const char *enc = ld_foreign_bom(bytes, len);
  if (enc != NULL) {
    return diag_error(L->diag, r->file, 0, 0,
                      "file is %s encoded; save it as UTF-8 (CSV inputs must be UTF-8)", enc);
  }
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
    return ld_nomem(L);
  }
  const unsigned char *u = (const unsigned char *)bytes;
  size_t i = len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* as Excel writes */
  r->line = 1;
  r->col = 1;
  bool comment = false, prev_cr = false;
  int rc = 0;
  for (; i < len && !r->stopped; i++) {
    unsigned char c = u[i];
    if (comment) {
      comment = c != '\n' && c != '\r';
    } else if (!r->row_begun && c == '#') {
      comment = true;
    } else {
      if (!r->have_start && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        r->have_start = true;
        r->row_begun = true;
        r->start_line = r->line;
        r->start_col = r->col;
        r->start_quoted = c == '"';
      }
      if (csv_parse(&p, &c, 1, csvr_on_field, csvr_on_row, r) != 1) {
        if (csv_error(&p) != CSV_EPARSE) {
          rc = ld_nomem(L);
        } else if (c == '"') {
          rc = diag_error(L->diag, r->file, r->line, r->col,
                          "malformed CSV: a double quote inside an unquoted field; quote the "
                          "whole field and double the quotes in it (RFC 4180)");
        } else {
          rc = diag_error(L->diag, r->file, r->line, r->col,
                          "malformed CSV: text after a closing quote; expected a comma or the "
                          "end of the line");
        }
        break;
      }
    }
    if (c == '\n') {
      r->line += prev_cr ? 0 : 1; /* CR LF is one line break */
      r->col = 1;
    } else if (c == '\r') {
      r->line++;
      r->col = 1;
    } else if ((c & 0xC0) != 0x80) {
      r->col++; /* columns count characters, as for YAML */
    }
    prev_cr = c == '\r';
  }
  if (rc == 0 && !r->stopped && csv_fini(&p, csvr_on_field, csvr_on_row, r) != 0) {
    if (csv_error(&p) != CSV_EPARSE) {
      rc = ld_nomem(L);
    } else {
      rc = diag_error(L->diag, r->file, r->start_line, r->start_col,
                      "malformed CSV: this quoted field is not closed before the end of the "
                      "file");
    }
  }
  csv_free(&p);
  return rc;
}

/* Reports at field i of the current row (SIZE_MAX: the row's start). */
int ld_csv_err(ld_csv_reader *r, size_t i, const char *fmt, ...) {
  size_t k = i < r->n_fields && i < LD_CSVR_MAX_FIELDS ? i : 0;
  char msg[LD_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag_error(r->L->diag, r->file, r->fields[k].line, r->fields[k].col, "%s", msg);
  return -1;
}

/* "a,b,c" from the kept fields or from column names, for messages. */
const char *ld_csv_join(char *buf, size_t size, const char *const *cols, size_t n) {
  ld_join_sep(buf, size, cols, n, ",");
  return buf;
}

/* The first row must name the columns exactly, in order. Anything else
 * stops the file: its rows cannot be read without knowing the columns. */
static bool csv_check_header(ld_csv_reader *r, const char *const *cols, size_t n) {
  char want[256];
  ld_csv_join(want, sizeof want, cols, n);
  size_t kept = r->n_fields < LD_CSVR_MAX_FIELDS ? r->n_fields : LD_CSVR_MAX_FIELDS;
  size_t matching = 0, first_bad = SIZE_MAX;
  for (size_t i = 0; i < kept && i < n; i++) {
    if (strcmp(ld_csvr_text(r, i), cols[i]) == 0) {
      matching++;
    } else if (first_bad == SIZE_MAX) {
      first_bad = i;
    }
  }
  if (r->n_fields == n && matching == n) {
    return true;
  }
  r->stopped = true;
  char q[128];
  if (r->n_fields == n && matching > 0) {
    char q2[128];
    ld_csv_err(r, first_bad,
               "expected the header row \"%s\": column %zu is \"%s\", expected \"%s\"", want,
               first_bad + 1, diag_quote(q, sizeof q, ld_csvr_text(r, first_bad), 60),
               diag_quote(q2, sizeof q2, cols[first_bad], 60));
    return false;
  }
  /* The row as it was, its first 16 fields at most. */
  size_t shown = kept < 16 ? kept : 16;
  const char *got[LD_CSVR_MAX_FIELDS];
  for (size_t i = 0; i < shown; i++) {
    got[i] = ld_csvr_text(r, i);
  }
  char g[512];
  ld_csv_join(g, sizeof g, got, shown);
  if (r->n_fields > shown && strlen(g) + 5 < sizeof g) {
    strcat(g, ",...");
  }
  ld_csv_err(r, SIZE_MAX, "expected the header row \"%s\", got \"%s\"", want,
             diag_quote(q, sizeof q, g, 100));
  return false;
}

/* Data rows have exactly the header's fields. */
static bool csv_check_width(ld_csv_reader *r, const char *const *cols, size_t n) {
  if (r->n_fields == n) {
    return true;
  }
  char want[256];
  ld_csv_err(r, SIZE_MAX, "expected %zu fields (%s), got %zu", n,
             ld_csv_join(want, sizeof want, cols, n), r->n_fields);
  return false;
}

/* Whether r's current row is a data row to convert: the first row is the
 * header, checked against cols; a data row must have as many fields. */
bool ld_csv_data_row(ld_csv_reader *r, const char *const *cols, size_t n) {
  if (r->rows == 0) {
    csv_check_header(r, cols, n);
    return false;
  }
  return csv_check_width(r, cols, n);
}

/* Field i as text; NULL (after reporting) when it holds a NUL byte. */
const char *ld_csv_field(ld_csv_reader *r, size_t i, const char *key) {
  const char *t = ld_csvr_text(r, i);
  if (strlen(t) != r->fields[i].len) {
    ld_csv_err(r, i, "invalid \"%s\": contains a NUL character", key);
    return NULL;
  }
  return t;
}

/* ---- the files ----------------------------------------------------------- */

bool ld_read_csv_input(ld_loader *L, const yaml_node_t *root, ld_csv_kind kind) {
  static const char *const keys[] = {"call_graph_csv", "traffic_csv", "services_csv"};
  const char *key = keys[kind];
  ld_csv_input *in = &L->csv[kind];
  yaml_node_t *v = ld_get(L, root, key);
  if (v == NULL) {
    return false;
  }
  in->used = true;
  const char *t;
  if (ld_val_scalar(L, v, key, "a file path", &t) != 0) {
    return false;
  }
  if (t[0] == '\0') {
    ld_err_at(L, v, "invalid \"%s\": expected a file path, got nothing", key);
    return false;
  }
  const char *file;
  uint32_t line, col;
  ld_locate(L, v, &file, &line, &col);
  const char *slash = strrchr(L->file, '/');
  int w;
  if (t[0] != '/' && file == L->file && slash != NULL) {
    w = snprintf(in->path, sizeof in->path, "%.*s/%s", (int)(slash - L->file), L->file, t);
  } else {
    w = snprintf(in->path, sizeof in->path, "%s", t);
  }
  /* Paths are quoted whole: a cut one would not say which file. */
  char q[2 * LD_FILE_MAX + 16];
  if (w < 0 || (size_t)w >= sizeof in->path) {
    ld_err_at(L, v, "invalid \"%s\": the path \"%s\" is too long (at most %zu bytes)", key,
              diag_quote(q, sizeof q, t, LD_FILE_MAX), sizeof in->path - 1);
    return false;
  }
  int err_no;
  switch (ld_read_file(in->path, SCENARIO_LOAD_MAX_BYTES, &in->bytes, &in->len, &err_no)) {
  case LD_READ_OK:
    return true;
  case LD_READ_OPEN:
    ld_err_at(L, v, "invalid \"%s\": cannot open \"%s\": %s", key,
              diag_quote(q, sizeof q, in->path, LD_FILE_MAX), strerror(err_no));
    break;
  case LD_READ_DIR:
    ld_err_at(L, v, "invalid \"%s\": \"%s\" is a directory; expected a CSV file", key,
              diag_quote(q, sizeof q, in->path, LD_FILE_MAX));
    break;
  case LD_READ_TOO_LARGE:
    ld_err_at(L, v, "invalid \"%s\": \"%s\" is too large (more than %zu MiB)", key,
              diag_quote(q, sizeof q, in->path, LD_FILE_MAX), SCENARIO_LOAD_MAX_BYTES >> 20);
    break;
  case LD_READ_ERROR:
    ld_err_at(L, v, "invalid \"%s\": cannot read \"%s\": %s", key,
              diag_quote(q, sizeof q, in->path, LD_FILE_MAX), strerror(err_no));
    break;
  case LD_READ_NOMEM:
    ld_nomem(L);
    break;
  }
  return false;
}
