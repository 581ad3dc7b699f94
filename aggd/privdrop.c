/* aggd/privdrop.c: give up root for a configured user and group, for good. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aggd/privdrop.h"
#include "common/errors.h"

int privdrop_to(const char *user, const char *group, char *why, size_t cap)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;
	int rc;

	why[0] = '\0';
	if (!user || !user[0] || geteuid() != 0)
		return E_OK;
	if (!(pw = getpwnam(user))) {
		snprintf(why, cap, "no such user '%s'", user);
		return E_NOTFOUND;
	}
	gid = pw->pw_gid;
	if (group && group[0]) {
		if (!(gr = getgrnam(group))) {
			snprintf(why, cap, "no such group '%s'", group);
			return E_NOTFOUND;
		}
		gid = gr->gr_gid;
	}
	uid_t uid = pw->pw_uid;
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		rc = -errno;
		snprintf(why, cap, "cannot switch to %s: %s", user, strerror(errno));
		return rc;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(why, cap, "root privileges could be regained after switching to %s", user);
		return -EPERM;
	}
	return E_OK;
}
