/* aggd/privdrop.h: give up root for a configured user and group, for good. */
#ifndef DNSA_AGGD_PRIVDROP_H
#define DNSA_AGGD_PRIVDROP_H

#include <stddef.h>

/*
 * privdrop_to: when running as root and user is non-empty, switch to user
 * and group (empty group: the user's primary group): setgroups to that one
 * group, setgid, setuid, then check that root cannot be regained. When not
 * root, or user is empty, nothing changes. Returns E_OK, E_NOTFOUND (no such
 * user or group) or -errno; why[0..cap) explains a failure.
 */
int privdrop_to(const char *user, const char *group, char *why, size_t cap);

#endif
