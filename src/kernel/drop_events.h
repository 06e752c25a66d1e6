/* The data plane's drop events (ring buffer drop_events, one record per
 * dropped packet: time, reason, ENI, direction, 5-tuple), read from user
 * space. Reading consumes them: vpcsim has no other reader (`probe` uses
 * them to say why a packet was dropped). */
#ifndef VPCSIM_DROP_EVENTS_H
#define VPCSIM_DROP_EVENTS_H

#include "kernel/bpf_loader.h"

/* Calls cb for every event waiting in dp's ring buffer (in order), then
 * returns the number of events read or -errno (errf names the map). A
 * non-zero return of cb stops nothing: every waiting event is consumed. */
typedef void (*drop_event_cb)(const struct dp_drop_event *ev, void *ctx);
int drop_events_drain(struct dataplane *dp, drop_event_cb cb, void *ctx);

#endif
