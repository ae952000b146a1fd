/* progress: one updating status line on a terminal ("12/40 runs  3.1/s
 * ETA 9s"). Silent when the stream is not a terminal or when quiet, so logs
 * and pipes stay clean. Redraws at most every 100 ms. */
#ifndef MESHSIM_PROGRESS_H
#define MESHSIM_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct progress {
  FILE *out;
  bool enabled;
  double started;   /* monotonic seconds */
  double last_draw; /* monotonic seconds */
  char label[64];
  int width; /* characters drawn last time, to blank them out */
} progress;

/* Enabled when `out` is a terminal and !quiet. */
void progress_init(progress *p, FILE *out, const char *label, bool quiet);
/* Shows done/total with rate and ETA (total 0 = unknown). */
void progress_update(progress *p, double done, double total, const char *unit);
/* Clears the line. */
void progress_finish(progress *p);

/* Monotonic clock in seconds. */
double progress_now(void);

#endif
