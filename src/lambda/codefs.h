/* The file system as Lambda shows it to a function, set up in the calling
 * process's own mount namespace (the supervisor's, made private by
 * proc_enter_node()): this is the one place that mounts code, so the
 * environment isolation (its own mount namespace, read-only host, private
 * /tmp and /dev/shm) can be joined with it here.
 *
 * Package functions: a small tmpfs on /var (the host's /var is hidden)
 * holding task/ and runtime/, read-only binds of the code folder and of
 * vpcsim's bundled runtime client; the environment's tmpfs on /tmp.
 * Images: the image's root, bound read-only onto itself, with the
 * environment's /tmp, a /dev of null, zero, full, random and urandom, and
 * the node's /etc/hosts inside; the runtime chroots into it. */
#ifndef VPCSIM_CODEFS_H
#define VPCSIM_CODEFS_H

/* task_dir at /var/task and runtime_dir (may be "") at /var/runtime,
 * both read-only; tmp_dir at /tmp. Errors name the mount. */
int codefs_mount_package(const char *task_dir, const char *runtime_dir, const char *tmp_dir);

/* Prepare `rootfs` (read-only from now, in this namespace) for a chroot. */
int codefs_mount_image(const char *rootfs, const char *tmp_dir);

#endif
