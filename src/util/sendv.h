/* Several buffers sent on a socket in as few system calls as the socket
 * allows (one, unless it is full): a frame's head and body, a request's
 * head and payload, reach the reader together and wake it once. */
#ifndef VPCSIM_SENDV_H
#define VPCSIM_SENDV_H

#include <sys/uio.h>

/* Send every byte of v[0..n) on fd (MSG_NOSIGNAL); v is consumed. 0, or
 * -errno (-EPIPE when the peer is gone). */
int sendv_all(int fd, struct iovec *v, int n);

#endif
