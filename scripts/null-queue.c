/* A QMAILQUEUE for benchmarks: reads the whole message (fd 0) and then the
 * whole envelope (fd 1), as qmail-queue does, stores nothing, and appends
 * one line to the file named by $NULL_QUEUE_COUNT so that the benchmark can
 * count what was accepted. Exits 0 only if both reads reached end of file
 * and the envelope looks like one (starts with F, ends with two NULs);
 * otherwise 54 (qmail-queue's "trouble reading") or 81 ("internal bug").
 * With $NULL_QUEUE_PAUSE_US set it sleeps that many microseconds after each
 * read of the message: a slow queue, for the backpressure measurement.
 * Built by scripts/bench-serve and scripts/serve-robustness with `cc -O2`. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static char buffer[65536];

/* Reads fd to end of file; returns the byte count (-1 on a read error) and
 * keeps the first byte and the last two bytes seen. */
static long drain(int fd, char *first, char last[2], useconds_t pause) {
  long total = 0;
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) return total;
    if (n < 0) return -1;
    if (pause) usleep(pause);
    if (total == 0) *first = buffer[0];
    last[0] = n >= 2 ? buffer[n - 2] : last[1];
    last[1] = buffer[n - 1];
    total += n;
  }
}

int main(void) {
  char first = 0, last[2] = {1, 1};
  const char *path = getenv("NULL_QUEUE_COUNT");
  const char *pause = getenv("NULL_QUEUE_PAUSE_US");
  if (!path) return 81;
  if (drain(0, &first, last, pause ? (useconds_t)atol(pause) : 0) < 0) return 54;
  first = 0;
  last[0] = last[1] = 1;
  if (drain(1, &first, last, 0) < 4 || first != 'F' || last[0] != 0 || last[1] != 0) return 54;
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0 || write(fd, "1\n", 2) != 2) return 81;
  return 0;
}
