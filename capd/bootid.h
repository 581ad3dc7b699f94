/* capd/bootid.h: the boot id of this start, above every earlier one of the node whatever the clock says, kept in a state file. */
#ifndef CAPD_BOOTID_H
#define CAPD_BOOTID_H

#include <stddef.h>
#include <stdint.h>

/*
 * aggd accepts a node's datagrams only from its newest boot (a lower boot id
 * is `old_boot`), so boot ids must grow across restarts. The clock alone
 * does not make them grow: a node restarted with its clock an hour behind
 * lost that hour at aggd. So the last boot id is kept in a state file, one
 * decimal number and a newline, and the next one is
 *
 *     max(last + 1, now_us)
 *
 * (the clock is still used so that a lost state file most likely still
 * gives a higher id). The file is replaced atomically: a new file written
 * next to it (O_CREAT|O_EXCL|O_NOFOLLOW), fsync, rename over the old one,
 * fsync of the directory, all before the first datagram leaves, so a crash
 * at any point leaves the old or the new id, never a lower one.
 */
#define BOOTID_FILE "boot_id"

/*
 * bootid_next: with the state in dir/BOOTID_FILE, pick the boot id of this
 * start (now_us: the wall clock, microseconds since the epoch), write it
 * back and return it in *out (never 0). A missing file counts as last = 0.
 * Returns E_OK, or on failure still sets *out to the best id it has
 * (max(last + 1, now_us) if last was read, else max(1, now_us)) and says in
 * why[0..cap) what went wrong, the file named: E_MALFORMED (not one decimal
 * number; replaced by the new id), E_TOOBIG (last is 2^64-1: nothing is
 * higher), -ELOOP/-EPERM (the file is a link or not a regular file: left
 * alone), -errno of a failed read or write (the id was not saved). The
 * caller decides how loud to be. E_INVAL (and *out = max(1, now_us)) for a
 * NULL or empty dir.
 */
int bootid_next(const char *dir, uint64_t now_us, uint64_t *out, char *why, size_t cap);

#endif
