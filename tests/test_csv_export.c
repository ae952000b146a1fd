/* Tests for csv_export: every table of a database holding a synthetic run
 * exported and parsed back with libcsv in strict mode: one file per table,
 * a header row equal to the table's columns, as many records as the table
 * has rows, every field equal to the stored value; a value with a comma and
 * double quotes is quoted RFC 4180 style; failures carry has_target; an
 * empty database gives header rows only; an unwritable destination is an
 * error. */
#include <csv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "csv_export.h"
#include "db.h"
#include "results_fixture.h"

typedef fixture_store ct; /* the test state */

static int setup(void **state) {
  return fixture_store_setup(state, "csv", "meshsim.db", "csv/out");
}

static int teardown(void **state) {
  return fixture_store_teardown(state);
}

/* ---- a parsed CSV file ---- */

typedef struct csv_doc {
  char ***rows; /* rows[r][f] */
  size_t *nfields;
  size_t nrows, cap;
  char **cur;
  size_t ncur, curcap;
} csv_doc;

static void on_field(void *s, size_t len, void *data) {
  csv_doc *doc = data;
  if (doc->ncur == doc->curcap) {
    doc->curcap = doc->curcap ? doc->curcap * 2 : 16;
    doc->cur = realloc(doc->cur, doc->curcap * sizeof *doc->cur);
  }
  char *f = malloc(len + 1);
  if (len)
    memcpy(f, s, len);
  f[len] = '\0';
  doc->cur[doc->ncur++] = f;
}

static void on_record(int c, void *data) {
  (void)c;
  csv_doc *doc = data;
  if (doc->nrows == doc->cap) {
    doc->cap = doc->cap ? doc->cap * 2 : 64;
    doc->rows = realloc(doc->rows, doc->cap * sizeof *doc->rows);
    doc->nfields = realloc(doc->nfields, doc->cap * sizeof *doc->nfields);
  }
  doc->rows[doc->nrows] = doc->cur;
  doc->nfields[doc->nrows++] = doc->ncur;
  doc->cur = NULL;
  doc->ncur = doc->curcap = 0;
}

static void csv_doc_free(csv_doc *doc) {
  for (size_t r = 0; r < doc->nrows; r++) {
    for (size_t f = 0; f < doc->nfields[r]; f++)
      free(doc->rows[r][f]);
    free(doc->rows[r]);
  }
  free(doc->rows);
  free(doc->nfields);
  free(doc->cur);
}

/* Strict parse: a malformed quote fails the test. */
static void parse_csv(const char *path, csv_doc *doc) {
  memset(doc, 0, sizeof *doc);
  size_t n = 0;
  char *text = fixture_slurp(path, &n);
  if (!text)
    fail_msg("%s was not written", path);
  struct csv_parser p;
  assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
  if (csv_parse(&p, text, n, on_field, on_record, doc) != n)
    fail_msg("%s: %s", path, csv_strerror(csv_error(&p)));
  assert_int_equal(csv_fini(&p, on_field, on_record, doc), 0);
  csv_free(&p);
  free(text);
}

static void write_fixture(ct *t, uint32_t variant) {
  fixture_opts o = fixture_defaults();
  o.variant = variant;
  run_result r;
  fixture_run(&r, &o);
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  run_result_release(&r);
}

/* Every table: header = columns, records = rows, fields = stored values. */
static void check_export(ct *t, const csvx_info *info) {
  sqlite3 *conn = db_sqlite(t->d);
  int tables = 0;
  int64_t rows = 0;
  for (const char *const *name = db_table_names(); *name; name++) {
    char path[700], sql[128];
    snprintf(path, sizeof path, "%s/%s.csv", t->out, *name);
    csv_doc doc;
    parse_csv(path, &doc);
    snprintf(sql, sizeof sql, "SELECT * FROM %s", *name);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(conn, sql, -1, &st, NULL), SQLITE_OK);
    size_t ncols = (size_t)sqlite3_column_count(st);
    assert_true(doc.nrows >= 1);
    assert_int_equal(doc.nfields[0], ncols);
    for (size_t c = 0; c < ncols; c++)
      assert_string_equal(doc.rows[0][c], sqlite3_column_name(st, (int)c));
    int64_t count = db_count_rows(t->d, *name);
    if ((int64_t)doc.nrows - 1 != count)
      fail_msg("%s: %zu records, table has %lld rows", *name, doc.nrows - 1, (long long)count);
    /* Field by field (both in rowid / primary-key order). */
    for (size_t r = 1; r < doc.nrows; r++) {
      assert_int_equal(sqlite3_step(st), SQLITE_ROW);
      assert_int_equal(doc.nfields[r], ncols);
      for (size_t c = 0; c < ncols; c++) {
        const char *field = doc.rows[r][c];
        switch (sqlite3_column_type(st, (int)c)) {
        case SQLITE_NULL:
          assert_string_equal(field, "");
          break;
        case SQLITE_FLOAT:
          if (strtod(field, NULL) != sqlite3_column_double(st, (int)c))
            fail_msg("%s row %zu col %zu: \"%s\" != %.17g", *name, r, c, field,
                     sqlite3_column_double(st, (int)c));
          break;
        default:
          assert_string_equal(field, (const char *)sqlite3_column_text(st, (int)c));
        }
      }
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    csv_doc_free(&doc);
    tables++;
    rows += count;
  }
  assert_int_equal(info->tables, tables);
  assert_int_equal(info->rows, rows);
}

static void test_export_every_table(void **state) {
  ct *t = *state;
  write_fixture(t, 0);
  write_fixture(t, 1);
  csvx_info info;
  int rc = csvx_export(t->d, t->out, &info);
  if (rc != 0)
    fail_msg("csvx_export: %s", info.error);
  check_export(t, &info);
  assert_true(info.rows > 1000); /* series, buckets... really were exported */
}

static void test_export_quoting(void **state) {
  ct *t = *state;
  write_fixture(t, 0);
  csvx_info info;
  assert_int_equal(csvx_export(t->d, t->out, &info), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/batches.csv", t->out);
  char *raw = fixture_slurp(path, NULL);
  assert_non_null(raw);
  /* RFC 4180: the field is quoted and its quotes doubled (as libcsv writes it). */
  char want[512];
  size_t n = csv_write(want, sizeof want, FIXTURE_PARAMS, strlen(FIXTURE_PARAMS));
  assert_true(n < sizeof want);
  want[n] = '\0';
  assert_string_equal(want, "\"metadata.description=\"\"busy, then quiet\"\";metadata.seed=7\"");
  assert_non_null(strstr(raw, want));
  /* The path with a comma is quoted too; plain values are not. */
  assert_non_null(strstr(raw, ",\"scenarios/fixture, shop.yaml\","));
  assert_non_null(strstr(raw, ",fixture-shop,"));
  /* Header first, CRLF line ends. */
  assert_true(strncmp(raw, "id,batch_key,scenario,", 22) == 0);
  char *eol = strchr(raw, '\n');
  assert_non_null(eol);
  assert_true(eol > raw && eol[-1] == '\r');
  free(raw);
  /* And it parses back to the original text. */
  csv_doc doc;
  parse_csv(path, &doc);
  assert_int_equal(doc.nrows, 2);
  size_t col = 0;
  while (col < doc.nfields[0] && strcmp(doc.rows[0][col], "params") != 0)
    col++;
  assert_true(col < doc.nfields[0]);
  assert_string_equal(doc.rows[1][col], FIXTURE_PARAMS);
  csv_doc_free(&doc);
}

/* failures.csv carries has_target, the typed flag of a drill that found
 * nothing to take down in a mode, as 1 or 0. */
static void test_export_failure_has_target(void **state) {
  ct *t = *state;
  fixture_opts o = fixture_defaults();
  run_result r;
  fixture_run(&r, &o);
  r.modes[0].failures[0].has_target = false;
  int64_t id;
  assert_int_equal(db_write_run(t->d, &r, &id), 0);
  run_result_release(&r);
  csvx_info info;
  assert_int_equal(csvx_export(t->d, t->out, &info), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/failures.csv", t->out);
  csv_doc doc;
  parse_csv(path, &doc);
  size_t last = 0; /* the has_target column, after series_seconds */
  while (last + 1 < doc.nfields[0] && strcmp(doc.rows[0][last], "has_target") != 0)
    last++;
  assert_string_equal(doc.rows[0][last], "has_target");
  assert_string_equal(doc.rows[0][last - 1], "series_seconds");
  assert_int_equal(doc.nrows, 1 + o.n_modes);
  for (size_t row = 1; row < doc.nrows; row++)
    assert_string_equal(doc.rows[row][last], row == 1 ? "0" : "1");
  csv_doc_free(&doc);
}

static void test_export_empty_database(void **state) {
  ct *t = *state;
  csvx_info info;
  assert_int_equal(csvx_export(t->d, t->out, &info), 0);
  assert_int_equal(info.rows, 0);
  check_export(t, &info); /* header rows only */
}

static void test_export_errors(void **state) {
  ct *t = *state;
  csvx_info info;
  /* The destination is an existing file, not a directory. */
  char file[600];
  snprintf(file, sizeof file, "%s/a-file", t->dir);
  FILE *f = fopen(file, "w");
  assert_non_null(f);
  fclose(f);
  assert_int_equal(csvx_export(t->d, file, &info), DB_EIO);
  assert_non_null(strstr(info.error, file));
  assert_non_null(strstr(info.error, ": cannot create directory: "));
  /* A parent that is a file, and a path longer than any directory made. */
  char below[700];
  snprintf(below, sizeof below, "%s/sub/dir", file);
  assert_int_equal(csvx_export(t->d, below, &info), DB_EIO);
  assert_non_null(strstr(info.error, ": cannot create directory: "));
  char *lng = malloc(5000);
  assert_non_null(lng);
  snprintf(lng, 5000, "%s/", t->dir);
  size_t used = strlen(lng);
  memset(lng + used, 'x', 5000 - used - 1);
  lng[4999] = '\0';
  assert_int_equal(csvx_export(t->d, lng, &info), DB_EIO);
  free(lng);
  assert_int_equal(csvx_export(t->d, "", &info), ERR_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_export_every_table, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_quoting, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_failure_has_target, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_empty_database, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_errors, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
