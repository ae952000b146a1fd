/* csv_export: writes each table of the results database as a CSV file.
 *
 * The table list comes from sqlite_schema, not from a list in this file, so
 * tables added by later schema versions are exported without a change here.
 * Quoting is libcsv's (csv_fwrite): a field is wrapped in double quotes with
 * inner quotes doubled. Plain fields are written as they are, which keeps the
 * files readable and is equally valid RFC 4180. */
#include "csv_export.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsdir.h"

#define CSVX_PATH_MAX 4096

static int csvx__fail(csvx_info *info, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(info->error, sizeof info->error, fmt, ap);
  va_end(ap);
  return code;
}

/* RFC 4180 requires quotes around fields with commas, quotes and line
 * breaks; leading or trailing spaces are quoted too so that lenient readers
 * that trim them keep the value intact. */
static int csvx__needs_quotes(const char *s, size_t n) {
  if (n > 0 && (s[0] == ' ' || s[n - 1] == ' ' || s[0] == '\t' || s[n - 1] == '\t'))
    return 1;
  for (size_t i = 0; i < n; i++)
    if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
      return 1;
  return 0;
}

static int csvx__field(FILE *f, const char *s, size_t n) {
  if (csvx__needs_quotes(s, n))
    return csv_fwrite(f, s, n) == 0 ? 0 : -1;
  return fwrite(s, 1, n, f) == n ? 0 : -1;
}

/* Shortest of %.15g..%.17g that reads back as the same double. */
static void csvx__real(char *buf, size_t n, double v) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

static int csvx__table(sqlite3 *conn, const char *table, const char *dir, csvx_info *info) {
  char sql[256], path[CSVX_PATH_MAX], tmp[CSVX_PATH_MAX];
  snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", table);
  snprintf(path, sizeof path, "%s/%s.csv", dir, table);
  snprintf(tmp, sizeof tmp, "%s/.%s.csv.tmp", dir, table);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
    return csvx__fail(info, DB_ESQL, "reading table %s: %s", table, sqlite3_errmsg(conn));
  FILE *f = fopen(tmp, "w");
  if (!f) {
    sqlite3_finalize(st);
    return csvx__fail(info, DB_EIO, "%s: cannot write: %s", tmp, strerror(errno));
  }
  int ncols = sqlite3_column_count(st), bad = 0;
  for (int i = 0; i < ncols; i++) {
    const char *name = sqlite3_column_name(st, i);
    bad |= (i && fputc(',', f) == EOF);
    bad |= csvx__field(f, name, strlen(name));
  }
  bad |= fputs("\r\n", f) == EOF;
  int rc = SQLITE_DONE;
  int64_t rows = 0;
  while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int i = 0; i < ncols; i++) {
      if (i)
        bad |= fputc(',', f) == EOF;
      char num[64];
      switch (sqlite3_column_type(st, i)) {
      case SQLITE_NULL:
        break;
      case SQLITE_INTEGER:
        bad |= fprintf(f, "%" PRId64, (int64_t)sqlite3_column_int64(st, i)) < 0;
        break;
      case SQLITE_FLOAT:
        csvx__real(num, sizeof num, sqlite3_column_double(st, i));
        bad |= fputs(num, f) == EOF;
        break;
      default: {
        const char *s = (const char *)sqlite3_column_text(st, i);
        bad |= csvx__field(f, s ? s : "", (size_t)sqlite3_column_bytes(st, i));
      }
      }
    }
    bad |= fputs("\r\n", f) == EOF;
    rows++;
  }
  if (!bad && rc != SQLITE_DONE) {
    fclose(f);
    remove(tmp);
    int ret = csvx__fail(info, DB_ESQL, "reading table %s: %s", table, sqlite3_errmsg(conn));
    sqlite3_finalize(st);
    return ret;
  }
  sqlite3_finalize(st);
  bad |= ferror(f);
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    int e = errno;
    remove(tmp);
    return csvx__fail(info, DB_EIO, "%s: write failed: %s", path, strerror(e));
  }
  info->tables++;
  info->rows += rows;
  return 0;
}

static int csvx__safe_name(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return 0;
  return 1;
}

int csvx_export(db *d, const char *out_dir, csvx_info *info) {
  memset(info, 0, sizeof *info);
  if (!d || !out_dir || !*out_dir)
    return csvx__fail(info, ERR_EINVAL, "no output directory given");
  if (fsdir_mkdir_p(out_dir) != 0)
    return csvx__fail(info, DB_EIO, "%s: cannot create directory: %s", out_dir, strerror(errno));
  sqlite3 *conn = db_sqlite(d);
  /* One read transaction: every file shows the same snapshot. */
  if (sqlite3_exec(conn, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return csvx__fail(info, DB_ESQL, "%s: %s", db_path(d), sqlite3_errmsg(conn));
  sqlite3_stmt *st;
  int rc = 0;
  if (sqlite3_prepare_v2(conn,
                         "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
                         "'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
                         -1, &st, NULL) != SQLITE_OK) {
    rc = csvx__fail(info, DB_ESQL, "%s: %s", db_path(d), sqlite3_errmsg(conn));
  } else {
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(st, 0);
      if (name && csvx__safe_name(name))
        rc = csvx__table(conn, name, out_dir, info);
    }
    if (rc == 0 && step != SQLITE_DONE)
      rc = csvx__fail(info, DB_ESQL, "%s: %s", db_path(d), sqlite3_errmsg(conn));
    sqlite3_finalize(st);
  }
  sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL);
  return rc;
}
