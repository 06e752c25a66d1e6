/* A live change of a VPC's policy: see policy_change.h. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "state/policy_change.h"

bool policy_change_allowed(const struct layout *a, const struct layout *b)
{
	if (a->t->n_vpcs != b->t->n_vpcs || a->n_atts != b->n_atts)
		return false;
	for (int v = 0; v < a->t->n_vpcs; v++) {
		if (a->t->vpcs[v].n_security_groups != b->t->vpcs[v].n_security_groups)
			return false;
		for (int g = 0; g < a->t->vpcs[v].n_security_groups; g++)
			if (policy_group_id(a->t, v, g) != policy_group_id(b->t, v, g))
				return false;
	}
	for (int i = 0; i < a->n_atts; i++) {
		const struct attachment *x = &a->atts[i], *y = &b->atts[i];

		if (x->vpc != y->vpc || x->ip != y->ip || x->ifindex != y->ifindex ||
		    x->n_sgs != y->n_sgs || memcmp(x->sgs, y->sgs, sizeof(x->sgs[0]) * (size_t)x->n_sgs))
			return false;
	}
	return true;
}

/* Refresh one ENI entry (if it has one) from the new policy. */
static int eni_refresh(struct policy_change *c, const struct layout *newL,
		       const struct attachment *a)
{
	struct dp_eni old, now;
	int err = dp_eni_get(c->dp, (uint32_t)a->ifindex, &old);

	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return err;
	vpc_dp_eni_of(newL, &c->new_pol, a, &now);
	if (!memcmp(&old, &now, sizeof(old)))
		return 0;
	err = dp_eni_add(c->dp, (uint32_t)a->ifindex, &now);
	if (err < 0)
		return err;
	c->ifindex[c->n_eni] = (uint32_t)a->ifindex;
	c->old_eni[c->n_eni++] = old;
	return 0;
}

int policy_change_apply(struct policy_change *c, const struct layout *oldL,
			const struct layout *newL, int vi,
			const struct attachment *extra, int n_extra)
{
	int err;

	err = vpc_dp_compile(oldL, vi, &c->old_pol);
	if (!err)
		err = vpc_dp_compile(newL, vi, &c->new_pol);
	if (!err)
		err = vpc_dp_open(newL, vi, &c->dp);
	if (err < 0)
		return err;
	c->ifindex = calloc((size_t)(newL->n_atts + n_extra) + 1, sizeof(*c->ifindex));
	c->old_eni = calloc((size_t)(newL->n_atts + n_extra) + 1, sizeof(*c->old_eni));
	if (!c->ifindex || !c->old_eni)
		return errf(ENOMEM, "ENI entries");
	err = dp_policy_write(c->dp, &c->new_pol);
	if (err == 0)
		c->policy_written = true;
	/* The new rules are in force; now the flags that depend on them. An
	 * ENI without an entry (none at up) is left alone. */
	for (int i = 0; !err && i < newL->n_atts; i++)
		if (newL->atts[i].vpc == vi)
			err = eni_refresh(c, newL, &newL->atts[i]);
	for (int i = 0; !err && i < n_extra; i++)
		err = eni_refresh(c, newL, &extra[i]);
	return err;
}

void policy_change_undo(struct policy_change *c)
{
	for (int i = 0; i < c->n_eni; i++)
		dp_eni_add(c->dp, c->ifindex[i], &c->old_eni[i]);
	if (c->policy_written)
		dp_policy_write(c->dp, &c->old_pol);
}

void policy_change_free(struct policy_change *c)
{
	dp_close(c->dp);
	policy_free(&c->old_pol);
	policy_free(&c->new_pol);
	free(c->ifindex);
	free(c->old_eni);
}
