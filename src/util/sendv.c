/* Buffers sent together; see sendv.h. */
#include <errno.h>
#include <sys/socket.h>

#include "util/sendv.h"

int sendv_all(int fd, struct iovec *v, int n)
{
	struct msghdr msg = { .msg_iov = v, .msg_iovlen = (size_t)n };

	while (msg.msg_iovlen && msg.msg_iov[0].iov_len == 0) {
		msg.msg_iov++;
		msg.msg_iovlen--;
	}
	while (msg.msg_iovlen) {
		ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EPIPE;
		while (msg.msg_iovlen && (size_t)w >= msg.msg_iov[0].iov_len) {
			w -= (ssize_t)msg.msg_iov[0].iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + w;
			msg.msg_iov[0].iov_len -= (size_t)w;
		}
	}
	return 0;
}
