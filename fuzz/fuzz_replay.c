/* fuzz_replay: a main for a fuzz harness without libFuzzer.
 *
 *   fuzz_replay_<harness> [--skip-list FILE] PATH...
 *
 * Feeds every file named, and every file of every directory named (sorted,
 * dot files skipped, not recursive), to LLVMFuzzerTestOneInput once. With
 * --skip-list, a file found in a directory is left out when the list holds
 * "<directory name>/<file name>" (fuzz/replay-skip.txt: inputs that would
 * trip an open bug at random); a file named on the command line always runs.
 * Each
 * input is copied into a buffer of exactly its size, so AddressSanitizer
 * catches a read one byte past the end just as under libFuzzer. ctest runs it
 * over fuzz/corpus/<harness> and fuzz/crashers/<harness> in every build,
 * sanitized or not; `scripts/fuzz --coverage` runs it under clang's source
 * coverage. A crash ends the program (the sanitizer names the input on the
 * line before: "replay: <path>"); otherwise it prints how many inputs ran and
 * the slowest one, and exits 0. A missing path or no input at all exits 1. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz_support.h"

typedef struct replay_stats {
  size_t inputs;
  size_t skipped;
  double slowest_ms;
  char slowest[1024];
  char **skip; /* "<directory name>/<file name>" entries of the skip list */
  size_t n_skip;
} replay_stats;

/* Reads the first word of every line that is neither blank nor a comment. */
static int replay_read_skip_list(const char *path, replay_stats *st) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "fuzz_replay: cannot open \"%s\": %s\n", path, strerror(errno));
    return -1;
  }
  char line[1024];
  int rc = 0;
  while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
    char *w = line + strspn(line, " \t");
    size_t len = strcspn(w, " \t\r\n#");
    if (len == 0) {
      continue;
    }
    char **ns = realloc(st->skip, (st->n_skip + 1) * sizeof *ns);
    if (ns == NULL || (ns[st->n_skip] = strndup(w, len)) == NULL) {
      if (ns != NULL) {
        st->skip = ns;
      }
      rc = -1;
      break;
    }
    st->skip = ns;
    st->n_skip++;
  }
  fclose(f);
  return rc;
}

static int replay_skipped(const replay_stats *st, const char *dir, const char *name) {
  size_t end = strlen(dir);
  while (end > 1 && dir[end - 1] == '/') {
    end--; /* "corpus/model/" names "model" too */
  }
  size_t start = end;
  while (start > 0 && dir[start - 1] != '/') {
    start--;
  }
  const char *base = dir + start;
  size_t blen = end - start;
  for (size_t i = 0; i < st->n_skip; i++) {
    const char *e = st->skip[i];
    if (strncmp(e, base, blen) == 0 && e[blen] == '/' && strcmp(e + blen + 1, name) == 0) {
      return 1;
    }
  }
  return 0;
}

static double replay_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int replay_file(const char *path, replay_stats *st) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "fuzz_replay: cannot open \"%s\": %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, len = 0;
  unsigned char *buf = malloc(cap);
  size_t got;
  while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      unsigned char *nb = realloc(buf, cap *= 2);
      if (nb == NULL) {
        free(buf);
      }
      buf = nb;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (buf == NULL || bad) {
    free(buf);
    fprintf(stderr, "fuzz_replay: cannot read \"%s\"\n", path);
    return -1;
  }
  /* Exactly len bytes, so a read past the end is a heap overflow. */
  unsigned char *exact = malloc(len > 0 ? len : 1);
  if (exact == NULL) {
    free(buf);
    fprintf(stderr, "fuzz_replay: out of memory for \"%s\"\n", path);
    return -1;
  }
  memcpy(exact, buf, len);
  free(buf);
  fprintf(stderr, "replay: %s\n", path);
  double t0 = replay_now_ms();
  LLVMFuzzerTestOneInput(exact, len);
  double ms = replay_now_ms() - t0;
  free(exact);
  st->inputs++;
  if (ms > st->slowest_ms) {
    st->slowest_ms = ms;
    snprintf(st->slowest, sizeof st->slowest, "%s", path);
  }
  return 0;
}

static int replay_name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, replay_stats *st) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "fuzz_replay: cannot open \"%s\": %s\n", dir, strerror(errno));
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') {
      continue;
    }
    if (replay_skipped(st, dir, e->d_name)) {
      fprintf(stderr, "skip: %s/%s (skip list)\n", dir, e->d_name);
      st->skipped++;
      continue;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nn = realloc(names, cap * sizeof *names);
      if (nn == NULL) {
        rc = -1;
        break;
      }
      names = nn;
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    if ((names[n] = malloc(len)) == NULL) {
      rc = -1;
      break;
    }
    snprintf(names[n++], len, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  if (n > 1) {
    qsort(names, n, sizeof *names, replay_name_cmp);
  }
  for (size_t i = 0; i < n; i++) {
    struct stat sb;
    if (rc == 0 && stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
      rc = replay_file(names[i], st);
    }
    free(names[i]);
  }
  free(names);
  if (rc != 0) {
    fprintf(stderr, "fuzz_replay: stopped in \"%s\"\n", dir);
  }
  return rc;
}

int main(int argc, char **argv) {
  replay_stats st = {0};
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "--skip-list") == 0) {
    if (replay_read_skip_list(argv[2], &st) != 0) {
      return 1;
    }
    first = 3;
  }
  if (first >= argc) {
    fprintf(stderr, "usage: %s [--skip-list FILE] PATH...  (files or directories of inputs)\n",
            argv[0]);
    return 2;
  }
  for (int i = first; i < argc; i++) {
    struct stat sb;
    if (stat(argv[i], &sb) != 0) {
      fprintf(stderr, "fuzz_replay: \"%s\": %s\n", argv[i], strerror(errno));
      return 1;
    }
    int rc = S_ISDIR(sb.st_mode) ? replay_dir(argv[i], &st) : replay_file(argv[i], &st);
    if (rc != 0) {
      return 1;
    }
  }
  if (st.inputs == 0) {
    fprintf(stderr, "fuzz_replay: no inputs found\n");
    return 1;
  }
  printf("fuzz_replay: %zu inputs replayed, %zu skipped; slowest %.1f ms (%s)\n", st.inputs,
         st.skipped, st.slowest_ms, st.slowest);
  for (size_t i = 0; i < st.n_skip; i++) {
    free(st.skip[i]);
  }
  free(st.skip);
  return 0;
}
