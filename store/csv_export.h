/* csv_export: every table of the results database as RFC 4180 CSV.
 *
 * One file per table, named after it (runs.csv, series.csv, ...), with a
 * header row of column names and CRLF line ends. Fields containing a
 * comma, a double quote, a line break or leading/trailing spaces are
 * quoted by libcsv (quotes doubled); NULL is an empty field. Reals are
 * written with the fewest digits that read back to the same double. All
 * tables come from one read transaction, so they are mutually consistent. */
#ifndef MESHSIM_CSV_EXPORT_H
#define MESHSIM_CSV_EXPORT_H

#include <stdint.h>

#include "db.h"

typedef struct csvx_info {
  int tables;       /* files written */
  int64_t rows;     /* data rows written, all tables */
  char error[1024]; /* message when csvx_export() < 0 */
} csvx_info;

/* Writes out_dir/<table>.csv for every table (out_dir is created if
 * missing; each file is written to a temporary name and renamed, so a
 * failed export never leaves a truncated CSV). 0 or a negative DB_E* code. */
int csvx_export(db *d, const char *out_dir, csvx_info *info);

#endif
