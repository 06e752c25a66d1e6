/* application/x-www-form-urlencoded bodies (STS's Query protocol). */
#ifndef VPCSIM_AWS_FORM_H
#define VPCSIM_AWS_FORM_H

#include <stddef.h>

/* The decoded value of `name` in body (len bytes), copied into out (at
 * most size - 1 bytes); 1 found, 0 absent, -1 too long or malformed. */
int form_get(const char *body, size_t len, const char *name, char *out, size_t size);

#endif
