/* The file system as Lambda shows it to a function, set up in the calling
 * process's own mount namespace (the supervisor's, made private by
 * proc_enter_node()): this is the one place that mounts code, so the
 * environment isolation (its own mount namespace, read-only host, private
 * /tmp and /dev/shm) can be joined with it here.
 *
 * Package functions run in the jail every sandboxed command gets
 * (kernel/jail.h), with the code at /var/task and the runtime client at
 * /var/runtime as its read-only binds (supervisor_runtime.c). Images: the
 * image's root, bound onto itself read-only, nosuid and nodev, with the
 * environment's /tmp, a /dev of null, zero, full, random and urandom, and
 * the node's /etc/hosts inside; the runtime chroots into it. Each mount
 * point inside the image is opened from the root without following a
 * symlink (util/fsat.h) and mounted on by descriptor (open_tree,
 * move_mount), so nothing the image ships steers a mount (issue 18).
 *
 * A function of a topology with "aws" gets the AWS setup of a package
 * function in an image too: the node's /etc/resolv.conf (its VPC's
 * resolver) and the topology's CA bundle at CODEFS_CA_BUNDLE, both
 * read-only, on files lambda/imgroot.h made in the image's root. */
#ifndef VPCSIM_CODEFS_H
#define VPCSIM_CODEFS_H

/* Where a function finds the topology's CA bundle (the system's CAs and
 * the AWS zone's; aws/ca.h): bound there in the jail and in an image. */
#define CODEFS_CA_DIR "var/vpcsim"
#define CODEFS_CA_FILE "ca-bundle.pem"
#define CODEFS_CA_BUNDLE "/" CODEFS_CA_DIR "/" CODEFS_CA_FILE

/* The variables that point a client at the CA bundle, NULL-terminated:
 * botocore (AWS_CA_BUNDLE), requests, OpenSSL and curl (SSL_CERT_FILE,
 * CURL_CA_BUNDLE), Node.js (NODE_EXTRA_CA_CERTS). Functions get them set
 * to CODEFS_CA_BUNDLE, each unless the function sets it itself
 * (fn_aws_vars); `vpcsim exec NODE` to the host path. */
extern const char *const codefs_ca_vars[];

/* Prepare `rootfs` (read-only from now, in this namespace) for a chroot;
 * ca_bundle: the host path of the CA bundle, NULL or "" for none. */
int codefs_mount_image(const char *rootfs, const char *tmp_dir, const char *ca_bundle);

/* Enter an image's root: codefs_mount_image(), chroot into it, a procfs
 * of the caller's PID namespace on its /proc. For a process in its own
 * mount namespace about to exec: the image's runtime, and a command
 * (`invoke FN -- CMD`, `exec`) run in an image function's environment. */
int codefs_enter_image(const char *rootfs, const char *tmp_dir, const char *ca_bundle);

#endif
