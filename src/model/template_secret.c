/* AWS::SecretsManager::Secret in a template: SecretString, or
 * GenerateSecretString generated with the kernel's CSPRNG (getrandom) as
 * Secrets Manager's GetRandomPassword does, and the dynamic references
 * {{resolve:secretsmanager:ID:SecretString:KEY:STAGE:VERSION}} replaced
 * wherever a string goes (AWS-FACTS section 11, CFN dynamic-references). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "model/template_internal.h"

#define PASSWORD_LEN_DEFAULT 32
#define PASSWORD_LEN_MAX 4096
#define RESOLVE "{{resolve:"

/* A uniform number below n (rejection sampling, no modulo bias); -1 if
 * getrandom fails. */
static int random_below(uint32_t n, uint32_t *out)
{
	uint32_t r, lim = UINT32_MAX - UINT32_MAX % n;

	do {
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -1;
	} while (r >= lim);
	*out = r % n;
	return 0;
}

/* The characters of class `set` not in `exclude`, into out. */
static size_t class_chars(const char *set, const char *exclude, char *out)
{
	size_t n = 0;

	for (; *set; set++)
		if (!strchr(exclude, *set))
			out[n++] = *set;
	out[n] = '\0';
	return n;
}

/* GetRandomPassword's classes, each unless excluded: lowercase, uppercase,
 * numbers, punctuation, and a space when IncludeSpace. */
static int password_classes(const cJSON *g, char cls[5][100])
{
	static const char *const keys[] = { "ExcludeLowercase", "ExcludeUppercase",
		"ExcludeNumbers", "ExcludePunctuation", "IncludeSpace" };
	static const char *const sets[] = { "abcdefghijklmnopqrstuvwxyz",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789",
		"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", " " };
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(g, "ExcludeCharacters");
	const char *exclude = cJSON_IsString(ex) ? ex->valuestring : "";
	int n = 0;

	for (int i = 0; i < 5; i++) {
		int b = tmpl_bool(cJSON_GetObjectItemCaseSensitive(g, keys[i]));

		cls[i][0] = '\0';
		if ((i < 4 && b == 1) || (i == 4 && b != 1))
			continue;
		if (class_chars(sets[i], exclude, cls[i]))
			n++;
	}
	return n;
}

/* A password as GenerateSecretString `g` asks (at `path`), or NULL
 * reported. RequireEachIncludedType (default true): one character of each
 * class first, then the rest from all, then a shuffle. */
static char *generate_password(struct tctx *c, const cJSON *g, const char *path)
{
	char cls[5][100], all[500] = "", *pw;
	long len = tmpl_num(cJSON_GetObjectItemCaseSensitive(g, "PasswordLength"),
			    PASSWORD_LEN_DEFAULT);
	bool each = tmpl_bool(cJSON_GetObjectItemCaseSensitive(g, "RequireEachIncludedType")) != 0;
	int n = password_classes(g, cls);
	long k = 0;
	uint32_t r;

	if (len < 1 || len > PASSWORD_LEN_MAX || !n || (each && len < n)) {
		tmpl_error(c, path, "InvalidParameterException", "PasswordLength must be 1..4096 "
			   "and leave at least one character of each included type (%d); the "
			   "exclusions must leave some characters", n);
		return NULL;
	}
	for (int i = 0; i < 5; i++)
		strcat(all, cls[i]);
	pw = calloc((size_t)len + 1, 1);
	for (int i = 0; each && i < 5; i++)
		if (cls[i][0] && random_below((uint32_t)strlen(cls[i]), &r) == 0)
			pw[k++] = cls[i][r];
	for (; k < len; k++)
		if (random_below((uint32_t)strlen(all), &r) == 0)
			pw[k] = all[r];
	for (long i = len - 1; i > 0; i--) {
		char t = pw[i];

		if (random_below((uint32_t)i + 1, &r) < 0)
			break;
		pw[i] = pw[r];
		pw[r] = t;
	}
	if ((long)strlen(pw) != len) {
		tmpl_error(c, path, "InternalFailure", "getrandom failed while generating the "
			   "secret's password");
		free(pw);
		return NULL;
	}
	return pw;
}

/* GenerateSecretString: the password alone, or SecretStringTemplate (a
 * JSON object) with GenerateStringKey set to it. NULL reported. */
static char *generate(struct tctx *c, const cJSON *g, const char *path)
{
	const cJSON *tpl = cJSON_GetObjectItemCaseSensitive(g, "SecretStringTemplate");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(g, "GenerateStringKey");
	char *pw = generate_password(c, g, path), *out;
	cJSON *obj;

	if (!pw || (!tpl && !key))
		return pw;
	obj = cJSON_IsString(tpl) ? cJSON_Parse(tpl->valuestring) : NULL;
	if (!cJSON_IsObject(obj) || !cJSON_IsString(key) || !key->valuestring[0]) {
		tmpl_error(c, path, "InvalidParameterException", "SecretStringTemplate (a JSON "
			   "object in a string) and GenerateStringKey go together");
		cJSON_Delete(obj);
		free(pw);
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key->valuestring);
	cJSON_AddStringToObject(obj, key->valuestring, pw);
	free(pw);
	out = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return out;
}

void tmpl_secret_name(struct tctx *c, const char *id, char *out, size_t size)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(c->resources, id), "Properties"), "Name");
	cJSON *v = n && c->depth < 32 ? tmpl_eval(c, n, "") : NULL;

	if (cJSON_IsString(v) && v->valuestring[0])
		snprintf(out, size, "%s", v->valuestring);
	else
		template_kebab(id, out, size);
	cJSON_Delete(v);
}

/* One secret's value into c->secrets: 0, or -1 reported. */
static int secret_value(struct tctx *c, const char *id, const cJSON *p)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "SecretString");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(p, "GenerateSecretString");
	char path[TPATH_LEN], name[TPATH_LEN];
	char *val;
	cJSON *e;

	snprintf(path, sizeof(path), "Resources.%s.Properties%s", id,
		 g ? ".GenerateSecretString" : s ? ".SecretString" : "");
	if (!!s == !!g) {
		tmpl_error(c, path, "InvalidParameterException", "a secret needs SecretString or "
			   "GenerateSecretString, one of them");
		return -1;
	}
	e = tmpl_eval(c, s ? s : g, path);
	if (!e)
		return -1;
	val = s ? tmpl_string(c, e, path) : generate(c, e, path);
	cJSON_Delete(e);
	if (!val)
		return -1;
	tmpl_secret_name(c, id, name, sizeof(name));
	e = cJSON_AddObjectToObject(c->secrets, name);
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "string", val);
	free(val);
	return 0;
}

int tmpl_secrets(struct tctx *c)
{
	const cJSON *r;
	int rc = 0;

	cJSON_ArrayForEach(r, c->resources) {
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(r, "Condition");
		char path[TPATH_LEN];

		if (strcmp(tmpl_type(c, r->string), "AWS::SecretsManager::Secret"))
			continue;
		snprintf(path, sizeof(path), "Resources.%s", r->string);
		if (cJSON_IsString(cond) && tmpl_condition(c, cond->valuestring, path) != 1)
			continue;
		if (secret_value(c, r->string, cJSON_GetObjectItemCaseSensitive(r, "Properties")) < 0)
			rc = -1;
	}
	return c->d->n_errors ? -1 : rc;
}

/* The secret a reference's id names: a name, or an ARN
 * arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[-XXXXXX]. */
static const cJSON *secret_by_id(struct tctx *c, const char *ident)
{
	const char *name = ident, *p = strstr(ident, ":secret:");
	const cJSON *s;

	if (!strncmp(ident, "arn:", 4) && p)
		name = p + 8;
	cJSON_ArrayForEach(s, c->secrets) {
		size_t n = strlen(s->string);

		if (!strcmp(s->string, name) ||
		    (!strncmp(s->string, name, n) && name[n] == '-' && strlen(name + n) == 7))
			return s;
	}
	return NULL;
}

bool tmpl_secret_at(struct tctx *c, const cJSON *v, const char *path, char *out, size_t size)
{
	const cJSON *s;

	if (!cJSON_IsString(v))
		return tmpl_ref_at(c, v, path, "AWS::SecretsManager::Secret", true, out, size);
	if (!(s = secret_by_id(c, v->valuestring))) {
		tmpl_error(c, path, "UnresolvedReference", "'%s' names no "
			   "AWS::SecretsManager::Secret of the template", v->valuestring);
		return false;
	}
	snprintf(out, size, "%s", s->string);
	return true;
}

/* The text after "secretsmanager:" split into ID (an ARN keeps its 7
 * parts), SecretString, KEY, STAGE, VERSION: the number of fields. */
static int split_ref(char *body, char *f[5])
{
	int n = 0, colons = strncmp(body, "arn:", 4) ? 0 : 6;
	char *s = body;

	f[n++] = s;
	for (; *s; s++) {
		if (*s != ':')
			continue;
		if (colons > 0) {
			colons--;
			continue;
		}
		*s = '\0';
		if (n == 5)
			return 6;
		f[n++] = s + 1;
	}
	return n;
}

/* One reference's body (between "{{resolve:" and "}}"): its value. */
static char *resolve_one(struct tctx *c, char *body, const char *path)
{
	char *f[5] = { 0 };
	int n;
	const cJSON *s, *str;
	cJSON *j, *v;
	char *out;

	if (strncmp(body, "secretsmanager:", 15)) {
		tmpl_error(c, path, "UnsupportedFunction", "{{resolve:%s}}: only secretsmanager "
			   "references are simulated (Systems Manager parameters are not): write "
			   "the value or a Parameter in its place", body);
		return NULL;
	}
	n = split_ref(body + 15, f);
	if (n > 5 || (n >= 2 && f[1][0] && strcmp(f[1], "SecretString")) ||
	    (n >= 4 && f[3][0] && strcmp(f[3], "AWSCURRENT")) || (n == 5 && f[4][0])) {
		tmpl_error(c, path, "InvalidTemplate", "{{resolve:secretsmanager:ID:SecretString:"
			   "KEY}}: only SecretString and the AWSCURRENT version are simulated");
		return NULL;
	}
	if (!(s = secret_by_id(c, f[0]))) {
		tmpl_error(c, path, "UnresolvedReference", "{{resolve:secretsmanager:%s...}}: no "
			   "AWS::SecretsManager::Secret of the template has that name", f[0]);
		return NULL;
	}
	str = cJSON_GetObjectItemCaseSensitive(s, "string");
	if (n < 3 || !f[2][0])
		return strdup(str->valuestring);
	j = cJSON_Parse(str->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, f[2]);
	out = cJSON_IsString(v) ? strdup(v->valuestring) : v ? cJSON_PrintUnformatted(v) : NULL;
	if (!out)
		tmpl_error(c, path, "UnresolvedReference", "{{resolve:secretsmanager:%s:SecretString:"
			   "%s}}: the secret's value has no key '%s'", f[0], f[2], f[2]);
	cJSON_Delete(j);
	return out;
}

char *tmpl_resolve(struct tctx *c, const char *s, const char *path)
{
	char *out = NULL, *body, *val;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	const char *at, *end;
	bool bad = false;

	while (!bad && (at = strstr(s, RESOLVE)) && (end = strstr(at, "}}"))) {
		fwrite(s, 1, (size_t)(at - s), f);
		body = strndup(at + strlen(RESOLVE), (size_t)(end - at - strlen(RESOLVE)));
		val = resolve_one(c, body, path);
		free(body);
		bad = !val;
		if (val)
			fputs(val, f);
		free(val);
		s = end + 2;
	}
	if (!bad)
		fputs(s, f);
	fclose(f);
	if (bad) {
		free(out);
		return NULL;
	}
	return out;
}

/* The topology's "secrets": each secret whose value is Secrets Manager's
 * RDS shape {username, password}; any other value is read by references
 * only, and listed. */
static int map_secret(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "Name", "Description", "SecretString",
					     "GenerateSecretString", NULL };
	char name[TPATH_LEN], path[TPATH_LEN];
	const cJSON *s;
	cJSON *v, *list, *o;

	tmpl_secret_name(c, id, name, sizeof(name));
	s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->secrets, name),
					     "string");
	v = s ? cJSON_Parse(s->valuestring) : NULL;
	tmpl_rest_unmapped(c, id, p, known);
	if (cJSON_GetArraySize(v) != 2 ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "username")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "password"))) {
		snprintf(path, sizeof(path), "Resources.%s", id);
		tmpl_unmapped(c, path, "AWS::SecretsManager::Secret: a value other than "
			      "{\"username\", \"password\"} is not served by vpcsim's Secrets "
			      "Manager; {{resolve:...}} references still read it");
		cJSON_Delete(v);
		return 0;
	}
	list = cJSON_GetObjectItemCaseSensitive(topo, "secrets");
	if (!list)
		list = cJSON_AddArrayToObject(topo, "secrets");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "value", v);
	cJSON_AddItemToArray(list, o);
	return 0;
}

int tmpl_map_secrets(struct tctx *c, cJSON *topo)
{
	static const struct tmpl_step steps[] = {
		{ "AWS::SecretsManager::Secret", map_secret, NULL },
	};

	return tmpl_run(c, topo, steps, 1) < 0 ? -1 : 0;
}
