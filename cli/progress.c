/* progress: an updating status line on terminals only; see progress.h. */
#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

double progress_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(progress *p, FILE *out, const char *label, bool quiet) {
  memset(p, 0, sizeof *p);
  p->out = out;
  p->enabled = !quiet && out && isatty(fileno(out));
  p->started = progress_now();
  p->last_draw = 0;
  snprintf(p->label, sizeof p->label, "%s", label ? label : "");
}

void progress_update(progress *p, double done, double total, const char *unit) {
  if (!p->enabled)
    return;
  double now = progress_now();
  if (now - p->last_draw < 0.1 && done < total)
    return;
  p->last_draw = now;
  double elapsed = now - p->started;
  double rate = elapsed > 0 ? done / elapsed : 0;
  char line[160];
  int n;
  if (total > 0 && unit && !strcmp(unit, "%")) { /* a share of one job: no rate to show */
    double eta = done > 0 ? elapsed * (total - done) / done : 0;
    n = snprintf(line, sizeof line, "%s %3.0f%%  %.0fs elapsed  ETA %.0fs", p->label,
                 100.0 * done / total, elapsed, eta);
  } else if (total > 0) {
    double eta = rate > 0 ? (total - done) / rate : 0;
    n = snprintf(line, sizeof line, "%s %.0f/%.0f %s  %.1f/s  ETA %.0fs", p->label, done, total,
                 unit, rate, eta);
  } else {
    n = snprintf(line, sizeof line, "%s %.0f %s  %.1f/s", p->label, done, unit, rate);
  }
  fprintf(p->out, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
  fflush(p->out);
  p->width = n;
}

void progress_finish(progress *p) {
  if (!p->enabled || p->width == 0)
    return;
  fprintf(p->out, "\r%*s\r", p->width, "");
  fflush(p->out);
  p->width = 0;
}
