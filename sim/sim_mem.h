/* sim_mem: the large arrays a simulation reads at random, on huge pages.
 *
 * A 20,000-pod cluster's stations, calls and event records take tens of
 * MiB and every pass touches a different part of them: with 4 KiB pages
 * nearly every such touch also misses the TLB (a core's second-level TLB
 * covers about 6 MiB), and the page walk costs about as much as the cache
 * miss itself. Arrays of at least SIM_MEM_HUGE_MIN bytes are therefore
 * placed on 2 MiB boundaries, rounded up to whole 2 MiB pages and advised
 * for transparent huge pages (madvise MADV_HUGEPAGE) when they are
 * allocated, so the kernel backs them with 2 MiB pages where it can. A
 * kernel set to transparent_hugepage=madvise (as the machines this was
 * measured on are) grants huge pages only to memory advised this way. Memory the allocator
 * hands out again may already sit on small pages, which the kernel's
 * khugepaged collapses only later; where the kernel refuses or lacks the
 * advice the array stays on small pages. Nothing but speed depends on it.
 *
 * Smaller arrays are plain aligned allocations. Every pointer returned is
 * owned by the caller and released with sim_mem_free. */
#ifndef MESHSIM_SIM_MEM_H
#define MESHSIM_SIM_MEM_H

#include <stddef.h>

/* Arrays from this size on go on huge pages (rounded up to 2 MiB: at most
 * half of such an array's memory is rounding). */
#define SIM_MEM_HUGE_MIN  ((size_t)1 << 20)
#define SIM_MEM_HUGE_PAGE ((size_t)2 << 20)

/* `bytes` of memory aligned to `align` (a power of two, at most
 * SIM_MEM_HUGE_PAGE; 0 means malloc's alignment), not zeroed. NULL when
 * out of memory or when bytes is 0 or above PTRDIFF_MAX. */
void *sim_mem_alloc(size_t bytes, size_t align);

/* n * size bytes as sim_mem_alloc, zeroed; NULL also when n * size
 * overflows. */
void *sim_mem_calloc(size_t n, size_t size, size_t align);

/* A new array of new_bytes (>= old_bytes) holding the first old_bytes of
 * p, which is released; p may be NULL with old_bytes 0. On failure NULL,
 * and p is left as it was. */
void *sim_mem_grow(void *p, size_t old_bytes, size_t new_bytes, size_t align);

/* Releases an array from this module (NULL is a no-op). */
void sim_mem_free(void *p);

/* Whether an array of `bytes` goes on huge pages (for tests and reports). */
int sim_mem_is_huge(size_t bytes);

#endif
