/* fsdir: directory creation shared by the writers of output folders (the
 * report and the CSV export). */
#ifndef MESHSIM_FSDIR_H
#define MESHSIM_FSDIR_H

/* Longest path fsdir_mkdir_p accepts, terminating NUL included. */
#define FSDIR_PATH_MAX 4096

/* `mkdir -p path`: creates path and its missing parents (mode 0777 before
 * the umask). Returns 0 when path is then a directory, -1 otherwise with
 * errno from the failing call (left as it was when path is too long). */
int fsdir_mkdir_p(const char *path);

#endif
