/* db: the SQLite results store: opening and closing a database, errors, and
 * the small SQL helpers the other db_*.c files share (db_internal.h).
 *
 * Journal mode: the default rollback journal (DELETE), not WAL. A results
 * database is written once per `meshsim run` in one short transaction and
 * read later by reports; it is a file users copy, attach to tickets and
 * merge. A rollback journal keeps it one self-contained file (WAL leaves
 * -wal/-shm files next to it and needs shared memory, so it fails on network
 * file systems), and its atomic commit is all the crash safety we need: a
 * process killed mid-write leaves a hot journal that the next open rolls
 * back. Concurrent writers (parallel sweeps) serialise on BEGIN IMMEDIATE
 * with a busy timeout instead of failing. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "db_internal.h"

#define DB_BUSY_TIMEOUT_MS 30000
#define DB_COLLECT_FIRST   16 /* elements db__collect() makes room for first */

/* ---- errors --------------------------------------------------------------- */

int db__fail(db *d, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->errmsg, sizeof d->errmsg, fmt, ap);
  va_end(ap);
  return code;
}

int db__sqlfail(db *d, const char *what) {
  return db__fail(d, DB_ESQL, "%s: %s: %s", d->path, what, sqlite3_errmsg(d->conn));
}

const char *db_errmsg(const db *d) {
  return d ? d->errmsg : "";
}

const char *db_path(const db *d) {
  return d ? d->path : "";
}

struct sqlite3 *db_sqlite(db *d) {
  return d->conn;
}

/* ---- small SQL helpers ---------------------------------------------------- */

int db__exec(db *d, const char *sql, const char *what) {
  if (sqlite3_exec(d->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db__sqlfail(d, what);
  return 0;
}

int db__done(db *d, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_DONE)
    return db__sqlfail(d, what);
  return 0;
}

int db__int_query(db *d, const char *sql, int64_t *out) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(d->conn, sql, -1, &st, NULL) != SQLITE_OK)
    return db__sqlfail(d, sql);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  else
    *out = 0;
  int ret = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : db__sqlfail(d, sql);
  sqlite3_finalize(st);
  return ret;
}

int db__prepare(db *d, const char *sql, sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(d->conn, sql, -1, st, NULL) != SQLITE_OK) {
    *st = NULL;
    return db__sqlfail(d, "preparing query");
  }
  return 0;
}

int db__finish(db *d, sqlite3_stmt *st, int step_rc, const char *what) {
  int rc = step_rc == SQLITE_DONE ? 0 : db__sqlfail(d, what);
  sqlite3_finalize(st);
  return rc;
}

/* A failed COMMIT may have rolled back already; a second ROLLBACK then just
 * reports "no transaction", which is fine. */
int db__end_tx(db *d, int rc) {
  if (rc >= 0 && db__exec(d, "COMMIT", "committing") == 0)
    return rc;
  sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
  return rc < 0 ? rc : DB_ESQL;
}

void *db__collect(db *d, sqlite3_stmt *st, size_t size, size_t *n,
                  int (*read)(sqlite3_stmt *st, void *row), const char *what, int *rc) {
  unsigned char *arr = NULL;
  size_t cap = 0;
  int step = SQLITE_DONE, ret = 0;
  *n = 0;
  while (ret == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : DB_COLLECT_FIRST;
      unsigned char *p = realloc(arr, ncap * size);
      if (!p) {
        ret = db__fail(d, ERR_ENOMEM, "out of memory %s", what);
        break;
      }
      arr = p;
      cap = ncap;
    }
    unsigned char *row = arr + *n * size;
    memset(row, 0, size);
    *n += (size_t)read(st, row);
  }
  if (ret == 0 && step != SQLITE_DONE)
    ret = db__sqlfail(d, what);
  sqlite3_finalize(st);
  if (ret < 0 || *n == 0) {
    free(arr);
    arr = NULL;
    *n = 0;
  }
  *rc = ret;
  return arr;
}

/* ---- open / close ----------------------------------------------------------- */

/* mkdir -p of the directory part of `path`. */
static int db__make_parent_dirs(const char *path) {
  char *dir = strdup(path);
  if (!dir)
    return ERR_ENOMEM;
  char *slash = strrchr(dir, '/');
  int rc = 0;
  if (slash && slash != dir) {
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
      if (*p == '/' || *p == '\0') {
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
          rc = DB_EIO;
          break;
        }
        *p = saved;
        if (saved == '\0')
          break;
      }
    }
  }
  free(dir);
  return rc;
}

int db_open(const char *path, unsigned flags, db **out, char *err, size_t err_len) {
  *out = NULL;
  if (err && err_len)
    err[0] = '\0';
  if (!path || !*path) {
    if (err)
      snprintf(err, err_len, "empty database path");
    return ERR_EINVAL;
  }
  struct stat sb;
  if (stat(path, &sb) != 0) {
    if (!(flags & DB_OPEN_CREATE)) {
      if (err)
        snprintf(err, err_len, "%s: no results database there (run `meshsim run --db %s` first)",
                 path, path);
      return DB_ENOTFOUND;
    }
    if (db__make_parent_dirs(path) < 0) {
      if (err)
        snprintf(err, err_len, "%s: cannot create its directory: %s", path, strerror(errno));
      return DB_EIO;
    }
  } else if (S_ISDIR(sb.st_mode)) {
    if (err)
      snprintf(err, err_len, "%s: is a directory, expected a database file", path);
    return ERR_EINVAL;
  }

  db *d = calloc(1, sizeof *d);
  if (!d || !(d->path = strdup(path))) {
    free(d);
    return ERR_ENOMEM;
  }
  int oflags = SQLITE_OPEN_READWRITE | ((flags & DB_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);
  int rc = 0;
  if (sqlite3_open_v2(path, &d->conn, oflags, NULL) != SQLITE_OK) {
    rc = db__fail(d, DB_ESQL, "%s: cannot open: %s", path,
                  d->conn ? sqlite3_errmsg(d->conn) : "out of memory");
  } else {
    sqlite3_busy_timeout(d->conn, DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(d->conn, 1);
    rc = db__exec(d, "PRAGMA foreign_keys = ON", "enabling foreign keys");
    if (rc == 0)
      rc = db__upgrade(d);
  }
  if (rc < 0) {
    if (err)
      snprintf(err, err_len, "%s", d->errmsg);
    db_close(d);
    return rc;
  }
  *out = d;
  return 0;
}

void db_close(db *d) {
  if (!d)
    return;
  for (int i = 0; i < ST_COUNT; i++)
    sqlite3_finalize(d->st[i]);
  sqlite3_close(d->conn);
  free(d->path);
  free(d);
}
