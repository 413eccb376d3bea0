/* A write-failing shim for the fault-injection tests (LD_PRELOAD): writes to files under
 * $KANSCAN_FAILWRITE_DIR succeed until $KANSCAN_FAILWRITE_BYTES bytes in all have been written
 * by the process, then fail with ENOSPC (the last one short), as on a disk that fills up.
 * $KANSCAN_FAILWRITE_REPORT names a file that receives the bytes written when the process exits
 * (to size the budgets of a sweep). Covers the calls kanscan's writers reach: write, pwrite,
 * writev, pwritev (HDF5, the journal, atomic files), sendfile and copy_file_range (file copies),
 * fallocate. Without KANSCAN_FAILWRITE_DIR it does nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long budget = -1; /* -1: unlimited */
static long long written = 0;
static const char* prefix = NULL;
static size_t prefix_len = 0;
static int ready = 0;

static void report(void) {
  const char* path = getenv("KANSCAN_FAILWRITE_REPORT");
  if (!path || !prefix) return;
  FILE* f = fopen(path, "w");
  if (!f) return;
  fprintf(f, "%lld\n", written);
  fclose(f);
}

static void init(void) {
  if (ready) return;
  ready = 1;
  prefix = getenv("KANSCAN_FAILWRITE_DIR");
  if (!prefix || !*prefix) {
    prefix = NULL;
    return;
  }
  prefix_len = strlen(prefix);
  const char* b = getenv("KANSCAN_FAILWRITE_BYTES");
  if (b && *b) budget = atoll(b);
  atexit(report);
}

/* Whether fd is a file under the prefix. */
static int watched(int fd) {
  init();
  if (!prefix) return 0;
  char link[64], path[4096];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof(path) - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return strncmp(path, prefix, prefix_len) == 0;
}

/* How many of `want` bytes may be written now; -1 with errno = ENOSPC when none. */
static long long allow(int fd, size_t want) {
  if (!watched(fd)) return (long long)want;
  if (budget >= 0 && written >= budget) {
    errno = ENOSPC;
    return -1;
  }
  long long n = (long long)want;
  if (budget >= 0 && n > budget - written) n = budget - written;
  return n;
}

static void count(int fd, ssize_t n) {
  if (n > 0 && watched(fd)) written += n;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void* buf, size_t n) {
  const long long ok = allow(fd, n);
  if (ok < 0) return -1;
  const ssize_t r = NEXT(write)(fd, buf, (size_t)ok);
  count(fd, r);
  return r;
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  const long long ok = allow(fd, n);
  if (ok < 0) return -1;
  const ssize_t r = NEXT(pwrite)(fd, buf, (size_t)ok, off);
  count(fd, r);
  return r;
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  const long long ok = allow(fd, n);
  if (ok < 0) return -1;
  const ssize_t r = NEXT(pwrite64)(fd, buf, (size_t)ok, off);
  count(fd, r);
  return r;
}

static size_t iov_total(const struct iovec* iov, int cnt) {
  size_t t = 0;
  for (int i = 0; i < cnt; ++i) t += iov[i].iov_len;
  return t;
}

ssize_t writev(int fd, const struct iovec* iov, int cnt) {
  const size_t want = iov_total(iov, cnt);
  const long long ok = allow(fd, want);
  if (ok < 0) return -1;
  if ((size_t)ok < want) {
    /* A short write: the first `ok` bytes only. */
    errno = ENOSPC;
    if (ok == 0) return -1;
    const ssize_t r = NEXT(write)(fd, iov[0].iov_base, (size_t)ok < iov[0].iov_len ? (size_t)ok : iov[0].iov_len);
    count(fd, r);
    return r;
  }
  const ssize_t r = NEXT(writev)(fd, iov, cnt);
  count(fd, r);
  return r;
}

ssize_t pwritev(int fd, const struct iovec* iov, int cnt, off_t off) {
  const size_t want = iov_total(iov, cnt);
  const long long ok = allow(fd, want);
  if (ok < 0) return -1;
  if ((size_t)ok < want) {
    errno = ENOSPC;
    return -1;
  }
  const ssize_t r = NEXT(pwritev)(fd, iov, cnt, off);
  count(fd, r);
  return r;
}

ssize_t sendfile(int out, int in, off_t* off, size_t n) {
  const long long ok = allow(out, n);
  if (ok < 0) return -1;
  const ssize_t r = NEXT(sendfile)(out, in, off, (size_t)ok);
  count(out, r);
  return r;
}

ssize_t sendfile64(int out, int in, off64_t* off, size_t n) {
  const long long ok = allow(out, n);
  if (ok < 0) return -1;
  const ssize_t r = NEXT(sendfile64)(out, in, off, (size_t)ok);
  count(out, r);
  return r;
}

ssize_t copy_file_range(int in, off64_t* in_off, int out, off64_t* out_off, size_t n, unsigned flags) {
  const long long ok = allow(out, n);
  if (ok < 0) return -1;
  const ssize_t r = NEXT(copy_file_range)(in, in_off, out, out_off, (size_t)ok, flags);
  count(out, r);
  return r;
}

int fallocate(int fd, int mode, off_t off, off_t len) {
  if (watched(fd) && budget >= 0 && written + len > budget) {
    errno = ENOSPC;
    return -1;
  }
  return NEXT(fallocate)(fd, mode, off, len);
}

int posix_fallocate(int fd, off_t off, off_t len) {
  if (watched(fd) && budget >= 0 && written + len > budget) return ENOSPC;
  return NEXT(posix_fallocate)(fd, off, len);
}
