/* prefetch_as_load.h: force-included (-include) into a build of meshsim for
 * `scripts/bench coverage` only. Every __builtin_prefetch becomes a real
 * one-byte load, kept by a store to a volatile sink (a load whose result is
 * unused is dropped by valgrind's translation, and then its line is never
 * simulated). Callgrind's cache simulation ignores prefetch instructions, so
 * in a normal build it counts a prefetched line as a miss where it is used;
 * in this build the miss lands on the prefetch's own line instead, which
 * names this file. The misses left elsewhere are those no prefetch covers. */
#ifndef MESHSIM_PREFETCH_AS_LOAD_H
#define MESHSIM_PREFETCH_AS_LOAD_H

static volatile unsigned char prefetch_as_load_sink;

static inline void prefetch_as_load(const void *p) {
  prefetch_as_load_sink = *(const volatile unsigned char *)p;
}

#define PREFETCH_AS_LOAD_FIRST(a, ...) a
#define __builtin_prefetch(...)        prefetch_as_load(PREFETCH_AS_LOAD_FIRST(__VA_ARGS__, 0))

#endif
