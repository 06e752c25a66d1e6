/* The resolvers of `status` (docs/DNS.md): one row per DNS view, with the
 * addresses it answers at and whether its process runs. */
#include <stdio.h>
#include <string.h>

#include "kernel/proc.h"
#include "model/dns.h"
#include "state/journal.h"
#include "cli/report_internal.h"

/* The journaled process of a view's resolver; false when none was
 * started (DNS support off) or no journal could be read. */
static bool resolver_proc(const struct layout *L, const struct journal *J, int view,
			  struct proc_id *p)
{
	char folder[DNS_FOLDER_MAX], label[DNS_FOLDER_MAX + 16];

	dns_view_folder(L, view, folder);
	snprintf(label, sizeof(label), "resolver.%s", folder);
	for (int k = 0; J && k < J->n; k++)
		if (J->e[k].kind == J_PROC && !strcmp(J->e[k].what, label)) {
			*p = (struct proc_id){ J->e[k].pid, J->e[k].start_time };
			return true;
		}
	return false;
}

static const char *state_of(const struct layout *L, const struct journal *J, int view,
			    struct proc_id *p)
{
	if (!dns_view_serves(L, view))
		return "off (enable_dns_support false)";
	if (!resolver_proc(L, J, view, p))
		return "unknown";
	return proc_alive(p) ? "running" : "exited";
}

/* What to do about a resolver that is not running (its view's names
 * do not resolve: SDK calls hang resolving until they time out). */
static void resolver_fix(const struct layout *L, const char *state_dir, const char *folder,
			 char *buf, size_t len)
{
	snprintf(buf, len, "names do not resolve in its view (SDK calls hang until they time "
		 "out); a resolver is not restarted: see %s/logs/resolver.%s.log, then `vpcsim down "
		 "%s` and `vpcsim up` its file again", state_dir, folder, L->t->name);
}

void print_resolvers(const struct layout *L, const struct journal *J, const char *state_dir)
{
	char fix[1024];

	struct table T = { .cols = 4 };
	char folder[DNS_FOLDER_MAX], addrs[64], pid[24];

	table_row(&T, "RESOLVER", "ADDRESSES", "PID", "STATE");
	for (int view = 0; view < dns_n_views(L); view++) {
		struct proc_id p = { 0 };
		const char *state = state_of(L, J, view, &p);

		dns_view_folder(L, view, folder);
		dns_view_addresses(L, view, addrs, sizeof(addrs));
		snprintf(pid, sizeof(pid), "%d", (int)p.pid);
		table_row(&T, folder, addrs[0] ? addrs : "-", p.pid ? pid : "-", state);
	}
	table_print(&T);
	for (int view = 0; view < dns_n_views(L); view++) {
		struct proc_id p = { 0 };

		if (strcmp(state_of(L, J, view, &p), "exited"))
			continue;
		dns_view_folder(L, view, folder);
		resolver_fix(L, state_dir, folder, fix, sizeof(fix));
		printf("resolver %s exited: %s\n", folder, fix);
	}
}

void json_add_resolvers(cJSON *root, const struct layout *L, const struct journal *J,
			const char *state_dir)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "resolvers");
	char folder[DNS_FOLDER_MAX], addrs[64], *save = NULL, fix[1024];

	for (int view = 0; view < dns_n_views(L); view++) {
		cJSON *o = cJSON_CreateObject(), *a;
		struct proc_id p = { 0 };
		const char *state = state_of(L, J, view, &p);
		int vpc = dns_view_vpc(L, view);

		dns_view_folder(L, view, folder);
		cJSON_AddStringToObject(o, "view", folder);
		if (vpc >= 0)
			cJSON_AddStringToObject(o, "vpc", L->t->vpcs[vpc].name);
		else
			cJSON_AddNullToObject(o, "vpc");
		a = cJSON_AddArrayToObject(o, "addresses");
		dns_view_addresses(L, view, addrs, sizeof(addrs));
		for (char *s = strtok_r(addrs, ",", &save); s; s = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(a, cJSON_CreateString(s));
		if (p.pid)
			cJSON_AddNumberToObject(o, "pid", p.pid);
		else
			cJSON_AddNullToObject(o, "pid");
		cJSON_AddStringToObject(o, "state", !strncmp(state, "off", 3) ? "off" : state);
		if (!strcmp(state, "exited")) {
			resolver_fix(L, state_dir, folder, fix, sizeof(fix));
			cJSON_AddStringToObject(o, "fix", fix);
		} else {
			cJSON_AddNullToObject(o, "fix");
		}
		cJSON_AddItemToArray(arr, o);
	}
}
