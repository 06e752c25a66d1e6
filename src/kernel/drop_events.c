/* Reading the drop_events ring buffer with libbpf's ring_buffer API. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "util/err.h"
#include "kernel/drop_events.h"

struct drain {
	drop_event_cb cb;
	void *ctx;
	int n;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;
	struct dp_drop_event ev;

	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	d->n++;
	if (d->cb)
		d->cb(&ev, d->ctx);
	return 0;
}

int drop_events_drain(struct dataplane *dp, drop_event_cb cb, void *ctx)
{
	struct drain d = { cb, ctx, 0 };
	struct ring_buffer *rb;
	int rc;

	rb = ring_buffer__new(dp->map_fd[DP_MAP_DROP_EVENTS], on_event, &d, NULL);
	if (!rb)
		return errf(errno ? errno : EINVAL, "opening ring buffer %s/drop_events: %s",
			    dp->pin_dir, strerror(errno));
	rc = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	if (rc < 0)
		return errf(-rc, "reading ring buffer %s/drop_events: %s", dp->pin_dir, strerror(-rc));
	return d.n;
}
