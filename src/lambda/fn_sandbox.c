/* A command's sandbox in a function's environment; see fn_sandbox.h. */
#include <stdlib.h>
#include <string.h>

#include "lambda/codefs.h"
#include "lambda/fn_sandbox.h"
#include "util/err.h"

/* The image's KEY=VALUE list, then the function's variables over it. */
static int vars_merge(struct fn_sandbox *v, const struct function *f)
{
	int ni = 0, n = 0;

	for (int i = 0; v->im.env && v->im.env[i]; i++)
		ni++;
	v->vars = calloc((size_t)(ni + f->n_env) + 1, sizeof(*v->vars));
	if (!v->vars)
		return errf(ENOMEM, "the variables of %s: out of memory", f->name);
	for (int i = 0; i < ni; i++) {
		const char *kv = v->im.env[i], *eq = strchr(kv, '=');
		bool overridden = false;

		if (!eq)
			continue;
		for (int k = 0; k < f->n_env && !overridden; k++)
			overridden = strlen(f->env[k].key) == (size_t)(eq - kv) &&
				     !strncmp(f->env[k].key, kv, (size_t)(eq - kv));
		if (overridden)
			continue;
		v->vars[n].key = strndup(kv, (size_t)(eq - kv));
		v->vars[n].value = strdup(eq + 1);
		n++;
	}
	for (int k = 0; k < f->n_env; k++) {
		v->vars[n].key = strdup(f->env[k].key);
		v->vars[n].value = strdup(f->env[k].value);
		n++;
	}
	v->env.vars = v->vars;
	v->env.n = n;
	return 0;
}

/* A package function's code at /var/task and its layers at /opt, made
 * ready as its cold starts make them (lambda/codepkg.h). */
static int package_view(const struct live *lv, const struct function *f, struct fn_sandbox *v)
{
	int err;

	if ((err = codepkg_task_dir(lv->dir, f->name, &f->code, v->task_dir)) < 0 ||
	    (err = codepkg_layers(lv->dir, f->name, &f->code, v->opt_dirs, &v->opt.n)) < 0)
		return err;
	v->binds[v->sb.n_binds++] = (struct jail_bind){ .src = v->task_dir, .dst = "/var/task" };
	v->opt.dst = "/opt";
	for (int i = 0; i < v->opt.n; i++)
		v->opt.srcs[i] = v->opt_dirs[i];
	if (v->opt.n)
		v->sb.layered = &v->opt;
	return 0;
}

int fn_sandbox_open(const struct live *lv, int fn, const struct env_handle *h,
		    struct fn_sandbox *v)
{
	const struct function *f = &lv->t->functions[fn];
	int err;

	memset(v, 0, sizeof(*v));
	v->sb = (struct sandbox){
		.topo = lv->name, .env_id = h->m.id, .netns = h->m.netns, .locked = true,
		.limits = { f->memory_mb, f->timeout_s, f->ephemeral_storage_mb },
	};
	v->env = (struct sandbox_env){
		.vars = f->env, .n = f->n_env, .function_name = f->name,
		.region = lv->t->region, .handler = f->handler,
	};
	fn_aws_load(lv->dir, lv->t->aws.enabled, f->name, &v->aws);
	v->sb.aws = &v->aws;
	v->sb.binds = v->binds;
	if (v->aws.ca_bundle[0])
		v->binds[v->sb.n_binds++] = (struct jail_bind){ .src = v->aws.ca_bundle,
							   .dst = CODEFS_CA_BUNDLE };
	if (f->code.kind == CODE_DIR || f->code.kind == CODE_ZIP)
		return package_view(lv, f, v);
	if (f->code.kind != CODE_IMAGE_OCI && f->code.kind != CODE_IMAGE_TAR)
		return 0;
	if ((err = codepkg_image_current(lv->dir, f->name, &f->code, &v->im)) < 0)
		return err;
	v->image = true;
	v->sb.rootfs = v->im.rootfs;
	v->sb.workdir = image_workdir(&f->code, &v->im);
	if ((err = vars_merge(v, f)) < 0)
		fn_sandbox_close(v);
	return err;
}

void fn_sandbox_close(struct fn_sandbox *v)
{
	for (int i = 0; v->vars && i < v->env.n; i++) {
		free(v->vars[i].key);
		free(v->vars[i].value);
	}
	free(v->vars);
	v->vars = NULL;
	if (v->image)
		image_spec_free(&v->im);
	v->image = false;
}
