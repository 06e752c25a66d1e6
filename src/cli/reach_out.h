/* Printing a reach result (text and JSON), shared by `reach`,
 * `reach --matrix` and `check`. */
#ifndef VPCSIM_REACH_OUT_H
#define VPCSIM_REACH_OUT_H

#include <stdio.h>

#include <cJSON.h>

#include "model/reach.h"

const char *reach_proto_name(uint8_t proto);
/* "tcp 5432", "udp 53", "icmp". */
void reach_what(uint8_t proto, uint16_t port, char *buf, size_t len);
/* The verdict line, the hops (request, then reply) and, when blocked or
 * refused, the component, code, explanation and fix. */
void reach_print(FILE *out, const struct reach_query *q, const struct reach_result *r);
/* "CODE at COMPONENT: explanation; fix: ..." in one line. */
void reach_oneline(const struct reach_result *r, char *buf, size_t len);
cJSON *reach_json(const struct reach_query *q, const struct reach_result *r);

#endif
