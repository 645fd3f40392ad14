/* SPDX-License-Identifier: MIT */
/*
 * flock.c - file locks for the guest: fcntl's POSIX and OFD record locks and flock(2), kept
 * in mmuemu rather than in the host's kernel, because every guest process lives in the one
 * host process and the host's POSIX locks would take them all for one owner.
 *
 * One list of locks for the machine, guarded by the run lock. A lock has a class (record
 * locks, or flock's whole-file locks: the two never conflict), an owner (the process for
 * POSIX locks, the open file description for OFD and flock locks), a type and an inclusive
 * byte range. An owner's record locks never overlap one another and adjacent ones of one
 * type are merged, as Linux keeps them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "arch/abi.h"
#include "emu/fs.h"

#define OFFSET_MAX INT64_MAX

enum lock_class { LOCK_RECORD, LOCK_FLOCK };

struct lock {
	dev_t dev;
	ino_t ino;
	enum lock_class cls;
	const void *owner;   /* struct emu_proc * or struct emu_ofd * */
	bool ofd;            /* record lock owned by a description */
	int pid;             /* a POSIX lock's process, for F_GETLK */
	int type;            /* F_RDLCK_LINUX or F_WRLCK_LINUX */
	int64_t start, end;  /* inclusive; end OFFSET_MAX: to the end of the file, ever */
};

static GList *locks;

struct emu_ofd *emu_ofd_new(void)
{
	struct emu_ofd *o = g_new0(struct emu_ofd, 1);

	o->refs = 1;
	return o;
}

static bool overlaps(const struct lock *l, int64_t s, int64_t e)
{
	return l->start <= e && s <= l->end;
}

static bool same_file(const struct lock *l, dev_t dev, ino_t ino)
{
	return l->dev == dev && l->ino == ino;
}

/* The first lock of another owner that @want would conflict with, or NULL. */
static struct lock *conflict(const struct lock *want)
{
	for (GList *i = locks; i; i = i->next) {
		struct lock *l = i->data;

		if (!same_file(l, want->dev, want->ino) || l->cls != want->cls ||
		    l->owner == want->owner)
			continue;
		if (l->type != F_WRLCK_LINUX && want->type != F_WRLCK_LINUX)
			continue;
		if (overlaps(l, want->start, want->end))
			return l;
	}
	return NULL;
}

static void remove_owner(dev_t dev, ino_t ino, enum lock_class cls, const void *owner)
{
	for (GList *i = locks, *next; i; i = next) {
		struct lock *l = i->data;

		next = i->next;
		if (same_file(l, dev, ino) && l->cls == cls && l->owner == owner) {
			g_free(l);
			locks = g_list_delete_link(locks, i);
		}
	}
}

/* Set or clear (@type F_UNLCK_LINUX) the record lock @want for its owner: merge the
 * owner's locks of that type that touch it, cut the others out of its range. */
static void set_record(const struct lock *want, int type)
{
	int64_t s = want->start, e = want->end;

	if (type != F_UNLCK_LINUX) {
		for (GList *i = locks, *next; i; i = next) {
			struct lock *l = i->data;

			next = i->next;
			if (!same_file(l, want->dev, want->ino) || l->cls != LOCK_RECORD ||
			    l->owner != want->owner || l->type != type)
				continue;
			/* touching: overlapping or adjacent */
			if (l->start > (e == OFFSET_MAX ? e : e + 1) || (s > 0 ? s - 1 : 0) > l->end)
				continue;
			if (l->start < s)
				s = l->start;
			if (l->end > e)
				e = l->end;
			g_free(l);
			locks = g_list_delete_link(locks, i);
		}
	}
	for (GList *i = locks, *next; i; i = next) {
		struct lock *l = i->data;

		next = i->next;
		if (!same_file(l, want->dev, want->ino) || l->cls != LOCK_RECORD ||
		    l->owner != want->owner || !overlaps(l, s, e))
			continue;
		if (l->start < s && l->end > e) {
			struct lock *tail = g_memdup2(l, sizeof(*l));

			tail->start = e + 1;
			l->end = s - 1;
			locks = g_list_insert_before(locks, next, tail);
		} else if (l->start < s) {
			l->end = s - 1;
		} else if (l->end > e) {
			l->start = e + 1;
		} else {
			g_free(l);
			locks = g_list_delete_link(locks, i);
		}
	}
	if (type != F_UNLCK_LINUX) {
		struct lock *n = g_memdup2(want, sizeof(*want));

		n->type = type;
		n->start = s;
		n->end = e;
		locks = g_list_append(locks, n);
	}
}

/* Wait for @want to be free of conflicts, the run lock released (F_SETLKW, LOCK_EX). */
/* A blocking lock waits for the conflict to go, or for a signal: -EINTR, as Linux gives. */
static int wait_free(struct emu *emu, const struct lock *want)
{
	while (conflict(want)) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		emu_timer_expire(emu);
		if (emu->sig.pending & ~emu->sigmask)
			return -EINTR;

		emu_task_block(emu);
		nanosleep(&ts, NULL);
		emu_task_unblock(emu);
	}
	return 0;
}

/* The guest's struct flock, as the kernel lays it out on every 64-bit architecture. */
struct guest_flock {
	int16_t type, whence;
	int32_t pad;
	int64_t start, len;
	int32_t pid, pad2;
};

/* Linux's flock_to_posix_lock(): the range of @g against @host. */
static int to_range(int host, const struct guest_flock *g, int64_t *s, int64_t *e)
{
	int64_t base;
	struct stat st;

	switch (g->whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = lseek(host, 0, SEEK_CUR);
		if (base < 0)
			return -errno;
		break;
	case SEEK_END:
		if (fstat(host, &st) < 0)
			return -errno;
		base = st.st_size;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, g->start, s))
		return -EOVERFLOW;
	if (*s < 0)
		return -EINVAL;
	if (g->len > 0) {
		if (g->len - 1 > OFFSET_MAX - *s)
			return -EOVERFLOW;
		*e = *s + g->len - 1;
	} else if (g->len < 0) {
		*e = *s - 1;
		if (__builtin_add_overflow(*s, g->len, s) || *s < 0)
			return -EINVAL;
	} else {
		*e = OFFSET_MAX;
	}
	return 0;
}

int64_t emu_flock_fcntl(struct emu *emu, int host, struct emu_ofd *ofd, uint32_t cmd, uint64_t arg)
{
	bool is_ofd = cmd == F_OFD_GETLK_LINUX || cmd == F_OFD_SETLK_LINUX || cmd == F_OFD_SETLKW_LINUX;
	bool get = cmd == F_GETLK_LINUX || cmd == F_OFD_GETLK_LINUX;
	struct guest_flock g;
	struct lock want;
	struct stat st;
	struct lock *c;
	int acc, err;

	_Static_assert(sizeof(g) == FLOCK_SIZE_LINUX, "struct flock");
	if (copy_from_user(emu->proc->mm, &g, arg, sizeof(g)))
		return -EFAULT;
	g.type = (int16_t)le16toh((uint16_t)g.type);
	g.whence = (int16_t)le16toh((uint16_t)g.whence);
	g.start = (int64_t)le64toh((uint64_t)g.start);
	g.len = (int64_t)le64toh((uint64_t)g.len);
	g.pid = (int32_t)le32toh((uint32_t)g.pid);
	if (is_ofd && g.pid != 0)
		return -EINVAL;
	if (g.type != F_RDLCK_LINUX && g.type != F_WRLCK_LINUX &&
	    (get || g.type != F_UNLCK_LINUX))
		return -EINVAL;
	if (fstat(host, &st) < 0)
		return -errno;
	want = (struct lock){ .dev = st.st_dev, .ino = st.st_ino, .cls = LOCK_RECORD,
			      .owner = is_ofd ? (const void *)ofd : (const void *)emu->proc,
			      .ofd = is_ofd, .pid = is_ofd ? -1 : emu->proc->pid, .type = g.type };
	err = to_range(host, &g, &want.start, &want.end);
	if (err)
		return err;
	if (get) {
		c = conflict(&want);
		if (!c) {
			g.type = F_UNLCK_LINUX;
		} else {
			g.type = (int16_t)c->type;
			g.whence = SEEK_SET;
			g.start = c->start;
			g.len = c->end == OFFSET_MAX ? 0 : c->end - c->start + 1;
			g.pid = c->ofd ? -1 : c->pid;
		}
		g.type = (int16_t)htole16((uint16_t)g.type);
		g.whence = (int16_t)htole16((uint16_t)g.whence);
		g.start = (int64_t)htole64((uint64_t)g.start);
		g.len = (int64_t)htole64((uint64_t)g.len);
		g.pid = (int32_t)htole32((uint32_t)g.pid);
		return copy_to_user(emu->proc->mm, arg, &g, sizeof(g)) ? -EFAULT : 0;
	}
	acc = fcntl(host, F_GETFL);
	if (acc < 0)
		return -errno;
	acc &= O_ACCMODE;
	if ((g.type == F_RDLCK_LINUX && acc == O_WRONLY) ||
	    (g.type == F_WRLCK_LINUX && acc == O_RDONLY))
		return -EBADF;
	if (g.type != F_UNLCK_LINUX && conflict(&want)) {
		if (cmd != F_SETLKW_LINUX && cmd != F_OFD_SETLKW_LINUX)
			return -EAGAIN;
		err = wait_free(emu, &want);
		if (err)
			return err;
	}
	set_record(&want, g.type);
	return 0;
}

int64_t emu_flock_flock(struct emu *emu, int h, struct emu_ofd *ofd, uint64_t how)
{
	uint32_t op = (uint32_t)how & ~(uint32_t)LOCK_NB_LINUX;
	struct lock want;
	struct stat st;
	int err;

	if (op != LOCK_SH_LINUX && op != LOCK_EX_LINUX && op != LOCK_UN_LINUX)
		return -EINVAL;
	if (fstat(h, &st) < 0)
		return -errno;
	/* As Linux does it, a conversion drops the old lock first: not atomic. */
	remove_owner(st.st_dev, st.st_ino, LOCK_FLOCK, ofd);
	if (op == LOCK_UN_LINUX)
		return 0;
	want = (struct lock){ .dev = st.st_dev, .ino = st.st_ino, .cls = LOCK_FLOCK,
			      .owner = ofd, .ofd = true, .pid = -1,
			      .type = op == LOCK_SH_LINUX ? F_RDLCK_LINUX : F_WRLCK_LINUX,
			      .start = 0, .end = OFFSET_MAX };
	if (conflict(&want)) {
		if (how & LOCK_NB_LINUX)
			return -EWOULDBLOCK;
		err = wait_free(emu, &want);
		if (err)
			return err;
	}
	locks = g_list_append(locks, g_memdup2(&want, sizeof(want)));
	return 0;
}

void emu_flock_close(struct emu *emu, int host, struct emu_ofd *ofd)
{
	struct stat st;

	if (host < 0 || fstat(host, &st) < 0) {
		/* nothing to key the locks by; the description is still counted */
		if (ofd && --ofd->refs == 0)
			g_free(ofd);
		return;
	}
	if (locks)
		remove_owner(st.st_dev, st.st_ino, LOCK_RECORD, emu->proc);
	if (ofd && --ofd->refs == 0) {
		remove_owner(st.st_dev, st.st_ino, LOCK_RECORD, ofd);
		remove_owner(st.st_dev, st.st_ino, LOCK_FLOCK, ofd);
		g_free(ofd);
	}
}
