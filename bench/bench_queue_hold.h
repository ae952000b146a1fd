/* bench_queue_hold.h: the hold loop of bench_queue, written once for both
 * engines. The includer defines Q(name) (the engine's function prefix), QE
 * (its engine type) and QS (a suffix for this file's own names), includes
 * this file, and undefines them. No include guard: included once per
 * engine. */

/* Each fired event schedules its successor after the next delay of the
 * shared table, so both engines see the same schedule. */
static void QS(hold_fire)(QE *e, void *ctx, uint64_t arg) {
  queue_hold *h = ctx;
  sim_time d = h->delays[h->next++ & (QUEUE_DELAYS - 1)];
  if (Q(schedule)(e, d, QS(hold_fire), h, arg, NULL) < 0 && h->failed == 0) {
    h->failed = 1;
  }
}

/* Runs `events` events with `pending` pending; returns the best chunk's
 * events per second, or a negative value on failure. Not static: callgrind
 * collects inside it by name (--toggle-collect=bench_queue_measure_*). */
double QS(bench_queue_measure)(QE *e, uint64_t events);
double QS(bench_queue_measure)(QE *e, uint64_t events) {
  double best = INFINITY;
  for (int k = 0; k < QUEUE_CHUNKS; k++) {
    double t0 = now_seconds();
    for (uint64_t i = 0; i < events / QUEUE_CHUNKS; i++) {
      Q(step)(e);
    }
    double dt = now_seconds() - t0;
    best = dt < best ? dt : best;
  }
  return (double)(events / QUEUE_CHUNKS) / best;
}

static double QS(bench_queue_run)(uint64_t pending, uint64_t events, uint64_t *pending_after,
                                  sim_time *width_ns) {
  queue_hold h = {.delays = queue_delays, .next = 0};
  QE *e = Q(new)((size_t)pending);
  if (e == NULL) {
    return -1;
  }
  for (uint64_t i = 0; i < pending && h.failed == 0; i++) {
    /* Start spread over the largest delay, so the warm-up is short. */
    h.failed = Q(schedule)(e, queue_delays[i & (QUEUE_DELAYS - 1)], QS(hold_fire), &h, i, NULL);
  }
  for (uint64_t i = 0; i < QUEUE_WARMUP(pending); i++) {
    Q(step)(e);
  }
  double rate = QS(bench_queue_measure)(e, events);
  *pending_after = Q(pending)(e);
  QINFO(e, width_ns);
  Q(free)(e);
  return h.failed != 0 ? -1 : rate;
}
