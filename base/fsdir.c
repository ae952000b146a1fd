/* fsdir: mkdir -p. */
#include "fsdir.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int fsdir_mkdir_p(const char *path) {
  char buf[FSDIR_PATH_MAX];
  if (strlen(path) >= sizeof buf)
    return -1;
  memcpy(buf, path, strlen(path) + 1);
  /* Each prefix ending at a '/' in turn, then the whole path; one that
   * exists already is fine, whether it is a directory is checked once at
   * the end. */
  for (char *p = buf + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char saved = *p;
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
      *p = saved;
      if (!saved)
        break;
    }
  }
  struct stat sb;
  return (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) ? 0 : -1;
}
