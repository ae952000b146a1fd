/* cmd_merge: `meshsim merge OUT.db IN.db...`: combines results databases,
 * typically the shards of a sweep, into OUT (created if missing).
 * Idempotent (db_merge): batches are matched by batch_key, runs by run_key,
 * sweeps by sweep_key and points by (sweep, point), so merging a database
 * twice, or merging into a database that already holds some of it, adds
 * nothing twice. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_options.h"
#include "db.h"

enum { MO_QUIET, MO_HELP, MO_COUNT };

static const cli_option merge_opts[MO_COUNT] = {
    [MO_QUIET] = {"--quiet", NULL, "no per-database summary", .repeat = 1},
    [MO_HELP] = {"--help", NULL, "this text", .label = "-h, --help"},
};

#define MERGE_MAX_DBS 1024

typedef struct merge_args {
  const char *paths[MERGE_MAX_DBS]; /* OUT.db, then every IN.db */
  int n, quiet;
} merge_args;

static int merge_on_arg(void *ctx, int opt, const char *v) {
  merge_args *a = ctx;
  if (opt == MO_QUIET) {
    a->quiet = 1;
  } else if (a->n < MERGE_MAX_DBS) {
    a->paths[a->n++] = v;
  } else {
    return cli_usage_error("merge", "too many databases (at most %d)", MERGE_MAX_DBS);
  }
  return CLI_CONTINUE;
}

static const cli_options merge_cli = {
    .cmd = "merge",
    .opts = merge_opts,
    .n_opts = MO_COUNT,
    .help = "usage: meshsim merge OUT.db IN.db...\n\n"
            "Copies every run, batch, sweep and sweep point of each IN.db into OUT.db\n"
            "(created if missing). What OUT.db already holds is not copied again, so\n"
            "merging the same shard twice adds nothing. Each batch is copied in its own\n"
            "transaction: an interrupted merge can simply be run again.\n\n",
    .width = 18,
    .on_arg = merge_on_arg};

/* Same file (device and inode), so a database is never merged into itself. */
static int merge_same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Merges paths[1..n) into paths[0]. */
static int merge_run(const char *const *paths, int n, int quiet) {
  if (n < 2)
    return cli_usage_error("merge", "expected OUT.db and at least one IN.db (usage: meshsim "
                                    "merge OUT.db IN.db...)");
  for (int i = 1; i < n; i++)
    if (merge_same_file(paths[0], paths[i]))
      return cli_usage_error("merge", "%s is the output database; it cannot be an input too",
                             paths[i]);

  /* Every input is opened (and so checked: a meshsim database of a schema
   * this build reads) before the output is created, so a refused input
   * leaves no empty OUT behind. */
  db **in = calloc((size_t)n, sizeof *in);
  if (!in)
    return CLI_EXIT_FAIL;
  int status = CLI_EXIT_OK;
  for (int i = 1; i < n && status == CLI_EXIT_OK; i++)
    if (cli_db_open("merge", paths[i], 0, &in[i]) != 0)
      status = CLI_EXIT_FAIL;
  db *out = NULL;
  if (status == CLI_EXIT_OK && cli_db_open("merge", paths[0], DB_OPEN_CREATE, &out) != 0)
    status = CLI_EXIT_FAIL;
  for (int i = 1; i < n && out; i++) {
    db_merge_stats st;
    memset(&st, 0, sizeof st);
    int rc = db_merge(out, in[i], &st);
    if (rc < 0) {
      fprintf(stderr, "meshsim merge: error: merging %s: %s\n", paths[i], db_errmsg(out));
      status = CLI_EXIT_FAIL;
      continue;
    }
    if (!quiet)
      printf("%s: %" PRId64 " of %" PRId64 " batches added, %" PRId64 " of %" PRId64
             " sweep points added (%" PRId64 " new sweeps)\n",
             paths[i], st.batches_added, st.batches_read, st.points_added, st.points_read,
             st.sweeps_added);
  }
  for (int i = 1; i < n; i++)
    if (in[i])
      db_close(in[i]);
  free(in);
  if (!out)
    return status;
  if (!quiet && status == CLI_EXIT_OK)
    printf("%s: %" PRId64 " batches, %" PRId64 " runs, %" PRId64 " sweeps, %" PRId64
           " sweep points\n",
           paths[0], db_count_rows(out, "batches"), db_count_rows(out, "runs"),
           db_count_rows(out, "sweeps"), db_count_rows(out, "sweep_points"));
  db_close(out);
  return status;
}

int cli_cmd_merge(int argc, char **argv) {
  merge_args *a = calloc(1, sizeof *a);
  if (!a)
    return CLI_EXIT_FAIL;
  int status = cli_options_parse(&merge_cli, argc, argv, NULL, a);
  if (status == CLI_CONTINUE)
    status = merge_run(a->paths, a->n, a->quiet);
  free(a);
  return status;
}
