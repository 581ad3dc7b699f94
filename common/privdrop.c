/* common/privdrop.c: give up root for a configured user and group, and every capability, for good. */
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/privdrop.h"
#include "common/errors.h"

int privdrop_to(const char *user, const char *group, char *why, size_t cap)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;
	int rc;

	why[0] = '\0';
	if (!user || !user[0])
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
	if (getuid() == uid && geteuid() == uid && getgid() == gid)
		return E_OK; /* started as that user already (systemd User=): nothing to switch */
	if (geteuid() != 0) {
		snprintf(why, cap, "cannot switch to %s: not started as root", user);
		return -EPERM;
	}
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

int privdrop_caps(char *why, size_t cap)
{
	char line[256];
	unsigned long long eff = 0, prm = 0, amb = 0;
	why[0] = '\0';
	if (geteuid() == 0)
		return E_OK;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return E_OK; /* no /proc: nothing to learn, and capset below would be blind */
	while (fgets(line, sizeof line, f)) {
		sscanf(line, "CapEff: %llx", &eff);
		sscanf(line, "CapPrm: %llx", &prm);
		sscanf(line, "CapAmb: %llx", &amb);
	}
	fclose(f);
	if (eff == 0 && prm == 0 && amb == 0)
		return E_OK;
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	if ((prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) ||
	    syscall(SYS_capset, &hdr, data) < 0) {
		int rc = -errno;
		snprintf(why, cap, "cannot drop capabilities: %s", strerror(errno));
		return rc;
	}
	return E_OK;
}

int privdrop_fs_begin(const char *user, const char *group, struct privdrop_fs *st)
{
	struct passwd *pw;
	struct group *gr;
	memset(st, 0, sizeof *st);
	if (!user || !user[0] || geteuid() != 0)
		return E_OK;
	if (!(pw = getpwnam(user)))
		return E_NOTFOUND;
	gid_t gid = pw->pw_gid;
	if (group && group[0]) {
		if (!(gr = getgrnam(group)))
			return E_NOTFOUND;
		gid = gr->gr_gid;
	}
	if ((st->ngroups = getgroups(64, st->groups)) < 0 || setgroups(1, &gid) < 0)
		return -errno;
	st->active = 1;
	setfsgid(gid);
	setfsuid(pw->pw_uid);
	return E_OK;
}

void privdrop_fs_end(struct privdrop_fs *st)
{
	if (!st->active)
		return;
	setfsuid(geteuid()); /* the fs ids follow the effective ones again */
	setfsgid(getegid());
	if (setgroups((size_t)st->ngroups, st->groups) < 0)
		abort(); /* root could not restore its own groups: nothing sane is left to do */
	st->active = 0;
}
