/* common/privdrop.h: give up root for a configured user and group, and every capability, for good. */
#ifndef DNSA_PRIVDROP_H
#define DNSA_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/*
 * privdrop_to: when user is non-empty, switch to user and group (empty
 * group: the user's primary group): setgroups to that one group,
 * setresgid, setresuid, then check that root cannot be regained. Already
 * running as exactly that user and group (systemd User=): nothing to do.
 * Empty user: nothing changes. Returns E_OK, E_NOTFOUND (no such user or
 * group), -EPERM (not root, so cannot switch; or root could be regained)
 * or -errno; why[0..cap) explains a failure.
 */
int privdrop_to(const char *user, const char *group, char *why, size_t cap);

/*
 * privdrop_caps: a process that is not root may still hold capabilities
 * (systemd's AmbientCapabilities=, setpriv --ambient-caps): once sockets
 * and capture handles are open they are of no use, so clear the ambient
 * set and every capability. Nothing is done for root (euid 0), or when no
 * capability is held (so a seccomp filter without capset does not matter
 * to the common case). Returns E_OK or -errno (why explains).
 */
int privdrop_caps(char *why, size_t cap);

/*
 * Checking files as the user a daemon will become, while still root (so
 * -n and start-up refuse what the user could not open, before anything is
 * bound): privdrop_fs_begin switches the filesystem ids (setfsuid,
 * setfsgid) and the supplementary groups to user/group; privdrop_fs_end
 * switches back. Nothing is switched when not root or user is empty.
 * Single-threaded use only. begin returns E_OK, E_NOTFOUND or -errno.
 */
struct privdrop_fs {
	int active;          /* begin switched something; end must switch back */
	gid_t groups[64];    /* supplementary groups before */
	int ngroups;
};
int privdrop_fs_begin(const char *user, const char *group, struct privdrop_fs *st);
void privdrop_fs_end(struct privdrop_fs *st);

#endif
