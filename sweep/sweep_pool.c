/* sweep_pool: tasks over forked workers, results over one shared pipe; see
 * sweep_pool.h. */
#include "sweep_pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* One result, from a worker to the caller. */
typedef struct sweep_pool__msg {
  int32_t worker;
  int32_t result;
  uint32_t task;
  uint32_t pad;
} sweep_pool__msg;

typedef struct sweep_pool__state {
  const sweep_pool_ops *ops;
  volatile int *interrupt;
  const uint32_t *tasks;
  uint32_t n, next, busy; /* busy: handed out, not answered yet */
  pid_t pid[SWEEP_POOL_MAX_WORKERS];
  int task_fd[SWEEP_POOL_MAX_WORKERS]; /* write end of each worker's task pipe; -1 closed */
  uint32_t started;
  int result_fd; /* read end of the shared result pipe */
} sweep_pool__state;

static int sweep_pool__interrupted(const sweep_pool__state *p) {
  return p->interrupt && *p->interrupt;
}

static int sweep_pool__write_all(int fd, const void *buf, size_t n) {
  const char *b = buf;
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads exactly n bytes; 0 on success, 1 at end of file, -1 on error. */
static int sweep_pool__read_all(int fd, void *buf, size_t n) {
  char *b = buf;
  while (n > 0) {
    ssize_t r = read(fd, b, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      return 1;
    if (r < 0)
      return -1;
    b += r;
    n -= (size_t)r;
  }
  return 0;
}

/* All tasks in this process, one after another. */
static void sweep_pool__inline(sweep_pool__state *p, uint32_t *lost) {
  const sweep_pool_ops *ops = p->ops;
  void *w = ops->start(ops->ctx);
  if (!w) {
    *lost = p->n;
    return;
  }
  for (uint32_t i = 0; i < p->n && !sweep_pool__interrupted(p); i++)
    ops->result(ops->ctx, p->tasks[i], ops->task(ops->ctx, w, p->tasks[i]));
  ops->stop(ops->ctx, w);
}

/* A worker process: tasks from `in` until it closes, results to `out`. */
static int sweep_pool__worker(sweep_pool__state *p, int32_t id, int in, int out) {
  const sweep_pool_ops *ops = p->ops;
  signal(SIGPIPE, SIG_IGN);
  void *w = ops->start(ops->ctx);
  if (!w)
    return 1;
  uint32_t task;
  while (!sweep_pool__interrupted(p) && sweep_pool__read_all(in, &task, sizeof task) == 0) {
    sweep_pool__msg m = {id, 0, task, 0};
    m.result = ops->task(ops->ctx, w, task);
    if (sweep_pool__write_all(out, &m, sizeof m) != 0)
      break;
  }
  ops->stop(ops->ctx, w);
  return 0;
}

/* Forks up to `workers` workers, each with its own task pipe and the write
 * end of the result pipe rp. Returns how many started; errno tells why the
 * next one did not. */
static uint32_t sweep_pool__fork(sweep_pool__state *p, uint32_t workers, const int rp[2]) {
  fflush(NULL); /* or the children would write the caller's buffered output again */
  for (uint32_t w = 0; w < workers; w++) {
    int tp[2];
    if (pipe(tp) != 0)
      break;
    pid_t child = fork();
    if (child < 0) {
      int why = errno;
      close(tp[0]);
      close(tp[1]);
      errno = why;
      break;
    }
    if (child == 0) {
      close(rp[0]);
      close(tp[1]);
      for (uint32_t j = 0; j < p->started; j++)
        if (p->task_fd[j] >= 0)
          close(p->task_fd[j]);
      int rc = sweep_pool__worker(p, (int32_t)w, tp[0], rp[1]);
      fflush(NULL);
      _exit(rc);
    }
    close(tp[0]);
    p->pid[p->started] = child;
    p->task_fd[p->started] = tp[1];
    p->started++;
  }
  return p->started;
}

/* Hands worker w its next task; with none left (or after an interrupt)
 * closes its task pipe, which ends the worker. */
static void sweep_pool__feed(sweep_pool__state *p, uint32_t w) {
  if (!sweep_pool__interrupted(p) && p->next < p->n &&
      sweep_pool__write_all(p->task_fd[w], &p->tasks[p->next], sizeof p->tasks[p->next]) == 0) {
    p->next++;
    p->busy++;
    return;
  }
  close(p->task_fd[w]);
  p->task_fd[w] = -1;
}

/* Ctrl-C reached the workers with the terminal's process group; a SIGTERM
 * to the caller alone is passed on, so the current tasks are abandoned too. */
static void sweep_pool__stop_all(sweep_pool__state *p) {
  for (uint32_t w = 0; w < p->started; w++) {
    if (p->task_fd[w] >= 0) {
      close(p->task_fd[w]);
      p->task_fd[w] = -1;
    }
    kill(p->pid[w], SIGTERM);
  }
}

/* Results until every worker has closed the result pipe. */
static void sweep_pool__gather(sweep_pool__state *p) {
  const sweep_pool_ops *ops = p->ops;
  int forwarded = 0;
  for (;;) {
    if (sweep_pool__interrupted(p) && !forwarded) {
      sweep_pool__stop_all(p);
      forwarded = 1;
    }
    struct pollfd pf = {p->result_fd, POLLIN, 0};
    int pr = poll(&pf, 1, 200);
    if (pr < 0 && errno != EINTR)
      break;
    if (ops->tick)
      ops->tick(ops->ctx);
    if (pr <= 0)
      continue;
    sweep_pool__msg m;
    if (sweep_pool__read_all(p->result_fd, &m, sizeof m) != 0)
      break; /* every worker has exited */
    p->busy--;
    ops->result(ops->ctx, m.task, m.result);
    if (m.worker >= 0 && (uint32_t)m.worker < p->started && p->task_fd[m.worker] >= 0)
      sweep_pool__feed(p, (uint32_t)m.worker);
  }
}

static int sweep_pool__forked(sweep_pool__state *p, uint32_t workers, uint32_t *lost, char *err,
                              size_t err_len) {
  int rp[2];
  if (pipe(rp) != 0) {
    snprintf(err, err_len, "pipe: %s", strerror(errno));
    return SWEEP_EWORKER;
  }
  uint32_t started = sweep_pool__fork(p, workers, rp);
  int why = errno;
  close(rp[1]);
  if (started == 0) {
    close(rp[0]);
    snprintf(err, err_len, "error: cannot start worker processes: %s", strerror(why));
    return SWEEP_EWORKER;
  }
  p->result_fd = rp[0];
  struct sigaction ign, old_pipe;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old_pipe);
  for (uint32_t w = 0; w < started; w++)
    sweep_pool__feed(p, w);
  sweep_pool__gather(p);
  close(p->result_fd);
  for (uint32_t w = 0; w < started; w++) {
    if (p->task_fd[w] >= 0)
      close(p->task_fd[w]);
    int status;
    while (waitpid(p->pid[w], &status, 0) < 0 && errno == EINTR)
      ;
  }
  sigaction(SIGPIPE, &old_pipe, NULL);
  *lost = p->busy;
  return 0;
}

int sweep_pool_run(const uint32_t *tasks, uint32_t n, uint32_t workers, const sweep_pool_ops *ops,
                   volatile int *interrupt, uint32_t *lost, char *err, size_t err_len) {
  sweep_pool__state p = {.ops = ops, .interrupt = interrupt, .tasks = tasks, .n = n};
  *lost = 0;
  if (err_len)
    err[0] = '\0';
  if (workers > SWEEP_POOL_MAX_WORKERS)
    workers = SWEEP_POOL_MAX_WORKERS;
  if (workers <= 1) {
    sweep_pool__inline(&p, lost);
    return 0;
  }
  return sweep_pool__forked(&p, workers, lost, err, err_len);
}
