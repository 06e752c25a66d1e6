/* Error messages for the user, built where the error is known.
 *
 * A failing function formats one message that names the operation and the
 * object ("creating veth e3 in vpcsim-demo.res.app: File exists") with errf(),
 * which returns -code so `return errf(...)` ends the function. The caller
 * adds context with errf_prefix() and the command prints err_msg(). The
 * buffer is per thread. */
#ifndef VPCSIM_ERR_H
#define VPCSIM_ERR_H

#include <errno.h>

__attribute__((format(printf, 2, 3)))
int errf(int code, const char *fmt, ...);
/* Prepend "PREFIX: " to the current message; returns -code like errf. */
__attribute__((format(printf, 2, 3)))
int errf_prefix(int code, const char *fmt, ...);
const char *err_msg(void);
void err_clear(void);

#endif
