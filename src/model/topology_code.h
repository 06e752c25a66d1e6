/* A function's code as the topology file gives it (TOPOLOGY.md, v2
 * "Function code"): a runtime identifier with a handler and a code
 * package (a folder or a .zip), or a container image (an OCI image layout
 * folder or a `docker save` archive) with its image_config overrides.
 *
 * Parsing reads the keys and checks them against Lambda's rules and
 * limits, looking at the files only to learn their kind and size (a zip's
 * unzipped size from its headers, through libarchive). Paths are resolved
 * against the topology file's folder and kept absolute, so the model loaded
 * again from the state copy names the same files. */
#ifndef VPCSIM_TOPOLOGY_CODE_H
#define VPCSIM_TOPOLOGY_CODE_H

#include <stdbool.h>
#include <stddef.h>

/* Lambda's deployment limits. */
#define CODE_ZIPPED_MAX   52428800LL     /* 50 MB, a .zip */
#define CODE_UNZIPPED_MAX 262144000LL    /* 250 MB, unzipped */
#define CODE_IMAGE_MAX    10737418240LL  /* 10 GB, an image */
#define CODE_LAYERS_MAX   5              /* layers of one function */

enum code_kind {
	CODE_NONE,         /* v1: `handler` is a command for invoke */
	CODE_DIR,          /* `code` is a folder */
	CODE_ZIP,          /* `code` is a .zip */
	CODE_IMAGE_OCI,    /* `image` is an OCI image layout folder */
	CODE_IMAGE_TAR,    /* `image` is a docker/podman save archive */
};

enum runtime_family {
	RUNTIME_NONE,
	RUNTIME_PROVIDED,  /* provided, provided.al2, provided.al2023 */
	RUNTIME_PYTHON,    /* python3.x: vpcsim's bundled client */
	RUNTIME_NODEJS,    /* nodejs<N>.x: vpcsim's bundled client */
	RUNTIME_JAVA,      /* java17: vpcsim's bundled client on the machine's OpenJDK 17 */
};

/* A list of strings from the file; n = -1 when the key is absent (an
 * image's own value then applies), 0 for an explicit []. */
struct strlist {
	char **v;
	int n;
};

struct function_code {
	enum code_kind kind;
	char *runtime;             /* the identifier as written, or NULL */
	enum runtime_family family;
	char *path;                /* absolute path of `code` or `image` */
	struct strlist entry_point;  /* image_config.entry_point */
	struct strlist command;      /* image_config.command */
	char *working_directory;     /* image_config.working_directory or NULL */
	long long unzipped;          /* bytes of the package's files (-1: unknown) */
	/* `layers` (TOPOLOGY.md, "Runtime settings (v3)"): zips or folders,
	 * absolute, in the order Lambda extracts them under /opt (a later
	 * one's files over an earlier one's). */
	char *layers[CODE_LAYERS_MAX];
	enum code_kind layer_kind[CODE_LAYERS_MAX]; /* CODE_DIR or CODE_ZIP */
	int n_layers;
};

struct diags;
struct cJSON;

/* Read runtime, code, image, image_config and layers of function object `j` at
 * JSON path `path` (e.g. "functions[0]") into *c; `handler` is the
 * function's handler (NULL if absent), `file` the topology file the
 * relative paths are relative to. Every problem goes to *d. */
void function_code_parse(const struct cJSON *j, const char *path, const char *file,
			 const char *handler, struct function_code *c, struct diags *d);
void function_code_free(struct function_code *c);

/* Whether `id` is a runtime identifier AWS Lambda knows (any of its
 * valid values, supported here or not). */
bool runtime_id_known(const char *id);
/* The family vpcsim runs `id` with, RUNTIME_NONE when it cannot. */
enum runtime_family runtime_family_of(const char *id);

/* The JSON text of a topology file (len bytes, read from `file`) with
 * every function's `code` and `image` made absolute (relative to the
 * file's folder), for the state copy; malloc'ed. NULL when nothing is
 * relative (or the text is not JSON): the caller keeps the bytes parsed. */
char *function_code_absolute_paths(const char *text, size_t len, const char *file);

#endif
