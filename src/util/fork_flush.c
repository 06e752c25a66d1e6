/* What to flush before fork(); see fork_flush.h. */
#include <stdio.h>

#include "util/fork_flush.h"

void fork_flush(void)
{
	fflush(stdout);
	fflush(stderr);
}
