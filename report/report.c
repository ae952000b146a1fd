/* report: the entry point: report_write() picks what to report (a sweep, or
 * one batch) and hands it to the sweep report (report_sweep.c) or the batch
 * report (report_batch.c), which share the two-pass rendering of
 * report_render.c. */
#include <string.h>

#include "report_internal.h"

/* Which sweep, if any, the options ask for: > 0 its id, 0 a batch report. */
static int pick_sweep(db *d, const report_options *opt, report_info *info, int64_t *sweep_id) {
  *sweep_id = 0;
  if (opt->sweep_id > 0) {
    *sweep_id = opt->sweep_id;
    return 0;
  }
  if (opt->sweep_id == REPORT_SWEEP_LATEST) {
    int rc = db_latest_sweep(d, sweep_id);
    return rc < 0 ? report_fail(info, rc, "%s", db_errmsg(d)) : 0;
  }
  if (opt->sweep_id == REPORT_SWEEP_AUTO && opt->batch_id <= 0) {
    /* The latest thing stored is a sweep point: report the sweep. */
    int64_t batch;
    if (db_latest_batch(d, opt->scenario, &batch) == 0 && db_sweep_of_batch(d, batch, sweep_id) < 0)
      *sweep_id = 0;
  }
  return 0;
}

int report_write(db *d, const report_options *opt, report_info *info) {
  memset(info, 0, sizeof *info);
  if (!d || !opt || !opt->out_dir || !*opt->out_dir)
    return report_fail(info, ERR_EINVAL, "no output directory given");
  int64_t sweep_id = 0;
  int rc = pick_sweep(d, opt, info, &sweep_id);
  if (rc < 0)
    return rc;
  if (sweep_id > 0)
    return report_sweep_write(d, opt, sweep_id, info);
  return report_batch_write(d, opt, info);
}
