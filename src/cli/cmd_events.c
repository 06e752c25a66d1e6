/* vpcsim events fire [-t NAME] FN [--index K] (docs/EVENTS.md): fire the
 * function's K-th event source now, asynchronously as the source does: a
 * schedule's tick (EventBridge's scheduled event) or a synthetic S3
 * notification of an object matching the source's filters. Prints the
 * request id the event service delivers it under (logs/events.log). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lambda/event_service.h"
#include "lambda/sandbox.h"
#include "model/event_payload.h"
#include "util/err.h"

/* The payload of event source k of function fn, fired now. */
static char *fired_payload(const struct live *lv, int fn, int k)
{
	const struct fn_event *e = &lv->t->functions[fn].events[k];
	struct s3_notice n = { .principal = lv->t->account_id, .source_ip = "127.0.0.1",
			       .etag = "d41d8cd98f00b204e9800998ecf8427e", .size = 0 };
	char id[37], key[1024];
	struct timespec ts;

	sandbox_uuid_v4(id);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (e->type == FN_EVENT_SCHEDULE)
		return event_scheduled(lv->t, fn, k, id, ts.tv_sec);
	snprintf(key, sizeof(key), "%svpcsim-events-fire%s", e->prefix ? e->prefix : "",
		 e->suffix ? e->suffix : "");
	n.name = e->s3_events & S3_EV_CREATED ? "ObjectCreated:Put" : "ObjectRemoved:Delete";
	if (!(e->s3_events & S3_EV_CREATED))
		n.etag = NULL, n.size = -1;
	n.bucket = e->bucket;
	n.key = key;
	n.request_id = id;
	n.ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	n.sequence = (unsigned long long)n.ms;
	return event_s3(lv->t, &n);
}

static int fire(const char *topo, const char *name, long long k)
{
	const struct function *f;
	struct live lv;
	char id[40], *payload;
	int rc, fn, err;

	if ((rc = open_topology(topo, &lv)) != EXIT_OK)
		return rc;
	fn = layout_find_function(&lv.L, name);
	if (fn < 0) {
		rc = fail(EXIT_USAGE, "events fire: no function '%s' in topology %s%s", name, lv.name,
			  layout_name_hint(&lv.L, name, true));
		live_close(&lv);
		return rc;
	}
	f = &lv.t->functions[fn];
	if (k >= f->n_events || f->events[k].type == FN_EVENT_HTTP_API) {
		rc = k >= f->n_events
			? fail(EXIT_USAGE, "events fire: function %s has %d event source%s; give --index "
			       "0..%d (TOPOLOGY.md, \"events\")", name, f->n_events,
			       f->n_events == 1 ? "" : "s", f->n_events - 1)
			: fail(EXIT_USAGE, "events fire: source %lld of %s is an http_api route, called "
			       "synchronously: send it a request (curl, at the address `status` prints "
			       "as 'http api'; docs/HTTP-API.md)", k, name);
		live_close(&lv);
		return rc;
	}
	payload = fired_payload(&lv, fn, (int)k);
	err = payload ? async_invoke(&lv, fn, f->events[k].type == FN_EVENT_S3 ? "s3" : "schedule",
				     payload, strlen(payload), 0, id) : -1;
	if (err < 0)
		rc = fail(EXIT_FAILED, "events fire %s: %s", name, payload ? err_msg() : "out of memory");
	else
		printf("{\"StatusCode\": 202, \"RequestId\": \"%s\"}\n", id);
	free(payload);
	live_close(&lv);
	return err < 0 ? rc : EXIT_OK;
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = { { "index", required_argument, NULL, 'i' }, { 0 } };
	const char *topo = NULL;
	long long k = 0;
	int c, rc;

	if (argc < 2 || strcmp(argv[1], "fire"))
		return fail(EXIT_USAGE, "%s", verb_usage("events"));
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			topo = optarg;
		else if (c == 'i' && parse_num(optarg, 0, FN_EVENTS_MAX - 1, &k))
			continue;
		else if (c == 'i')
			return fail(EXIT_USAGE, "events fire: --index '%s': give an event source's "
				    "number, 0..%d", optarg, FN_EVENTS_MAX - 1);
		else
			return fail(EXIT_USAGE, "%s", verb_usage("events"));
	}
	if (argc - optind != 1)
		return fail(EXIT_USAGE, "%s", verb_usage("events"));
	if ((rc = need_privilege("events")) != EXIT_OK)
		return rc;
	return fire(topo, argv[optind], k);
}
