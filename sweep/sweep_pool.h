/* sweep_pool: runs numbered tasks on forked worker processes, or in this
 * process with one worker, and gathers one int result per task.
 *
 * The calling process hands task numbers to N workers over one pipe each and
 * reads their results from one shared pipe: fixed-size messages, written
 * whole because they are smaller than PIPE_BUF, so results of several
 * workers never interleave. A worker gets its next task when it answers,
 * so a slow task delays no other. Each worker calls ops->start once before
 * its first task, to open what it needs itself (a database connection):
 * nothing open in the caller is used across fork().
 *
 * Interrupts: once *interrupt is non-zero no task is handed out, and the
 * caller's process closes the task pipes and sends SIGTERM to every worker,
 * so that a SIGTERM to the caller alone (kill, scancel, Kubernetes) stops the
 * workers too. Workers inherit the caller's signal handlers: with a handler
 * that sets *interrupt, a worker's task sees its own copy of the flag change
 * and can abandon its work; without one, SIGTERM ends the worker. SIGPIPE is
 * ignored while the pool runs, so a worker that died cannot kill the caller
 * through its pipe. */
#ifndef MESHSIM_SWEEP_POOL_H
#define MESHSIM_SWEEP_POOL_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define SWEEP_POOL_MAX_WORKERS 256

typedef struct sweep_pool_ops {
  /* In each worker, before its first task: the worker's state, passed to
   * task and stop. NULL: the worker cannot work, and the tasks it was
   * given are lost. */
  void *(*start)(void *ctx);
  /* In a worker: runs one task; the result goes to `result` unchanged. */
  int (*task)(void *ctx, void *worker, uint32_t task);
  void (*stop)(void *ctx, void *worker);
  /* In the calling process, as each result arrives. */
  void (*result)(void *ctx, uint32_t task, int result);
  /* In the calling process, at least every 200 ms while tasks run (a
   * progress line redraws its rate and ETA). Optional. */
  void (*tick)(void *ctx);
  void *ctx;
} sweep_pool_ops;

/* Runs tasks[0..n) on `workers` processes (at most SWEEP_POOL_MAX_WORKERS),
 * or in this process when workers <= 1. `interrupt` may be NULL. Returns 0
 * with *lost set to the number of tasks handed out that never answered
 * (their worker died or could not start, or was interrupted), or SWEEP_EWORKER
 * with a message in err when no worker process could be started (pipe() or
 * fork() failed: the system is out of processes, files or memory). */
int sweep_pool_run(const uint32_t *tasks, uint32_t n, uint32_t workers, const sweep_pool_ops *ops,
                   volatile int *interrupt, uint32_t *lost, char *err, size_t err_len);

#endif
