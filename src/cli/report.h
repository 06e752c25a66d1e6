/* What `up` and `status` print: tables for people, JSON for programs. */
#ifndef VPCSIM_REPORT_H
#define VPCSIM_REPORT_H

#include <stdbool.h>

#include "model/layout.h"
#include "state/state.h"

void report_up(const struct layout *L, double elapsed_ms, bool json);
void report_status(const struct live *lv, bool json);

#endif
