/* sim_mem: large arrays on 2 MiB boundaries, advised for huge pages. */
#define _DEFAULT_SOURCE /* madvise */
#include "sim_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int sim_mem_is_huge(size_t bytes) {
  return bytes >= SIM_MEM_HUGE_MIN;
}

void *sim_mem_alloc(size_t bytes, size_t align) {
  /* No object may exceed PTRDIFF_MAX; refusing here also spares the
   * allocator (and AddressSanitizer's) a request it could never serve. */
  if (bytes == 0 || bytes > PTRDIFF_MAX || align > SIM_MEM_HUGE_PAGE || (align & (align - 1)) != 0)
    return NULL;
  if (align < _Alignof(max_align_t))
    align = _Alignof(max_align_t);
  int huge = sim_mem_is_huge(bytes);
  if (huge)
    align = SIM_MEM_HUGE_PAGE;
  /* aligned_alloc wants a multiple of the alignment (with bytes at most
   * PTRDIFF_MAX the rounding cannot wrap). */
  size_t rounded = (bytes + align - 1) & ~(align - 1);
  void *p = aligned_alloc(align, rounded);
#ifdef MADV_HUGEPAGE
  /* Before anything here touches it, so fresh pages fault in huge (memory
   * the allocator reuses waits for khugepaged). The advice only ever
   * changes speed, so its failure is ignored. */
  if (p != NULL && huge)
    (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

void *sim_mem_calloc(size_t n, size_t size, size_t align) {
  if (size != 0 && n > SIZE_MAX / size)
    return NULL;
  void *p = sim_mem_alloc(n * size, align);
  if (p != NULL)
    memset(p, 0, n * size);
  return p;
}

void *sim_mem_grow(void *p, size_t old_bytes, size_t new_bytes, size_t align) {
  if (new_bytes < old_bytes)
    return NULL;
  void *q = sim_mem_alloc(new_bytes, align);
  if (q == NULL)
    return NULL;
  if (old_bytes > 0)
    memcpy(q, p, old_bytes);
  free(p);
  return q;
}

void sim_mem_free(void *p) {
  free(p);
}
