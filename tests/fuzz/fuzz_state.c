/* libFuzzer target: the readers of what vpcsim keeps between commands, the
 * journal (/run/vpcsim/TOPO/journal) and an execution environment's meta
 * file (/run/vpcsim/TOPO/envs/ID/meta). A file cut short by a crash or
 * damaged must be read as far as it makes sense, never crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lambda/env.h"
#include "state/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal J;
	struct env_meta m;
	FILE *f;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (journal_read_stream(&J, f) == 0) {
		for (int i = 0; i < J.n; i++)
			if (J.e[i].kind == J_PROC && J.e[i].pid <= 1)
				__builtin_trap(); /* kill(-pid) of such a pid hits groups */
	}
	journal_close(&J);
	rewind(f);
	memset(&m, 0, sizeof(m));
	env_meta_parse(f, &m);
	fclose(f);
	return 0;
}
