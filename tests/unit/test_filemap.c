// SPDX-License-Identifier: MIT
/*
 * test_filemap.c - file-backed and shared anonymous mappings: first-touch reads, the end of
 * the file (zero tail, SIGBUS beyond), page offsets, write-back by msync and at teardown,
 * shared frames; madvise, mincore and msync with their errors; maps lines and smaps sizes.
 *
 * Every expectation about Linux here was checked natively on Linux 6.18 x86_64 with small
 * programs making the same calls on a temporary file (and /proc/self/maps and smaps read
 * back); the comment of each scenario says what was seen.
 *
 * A shared page is one frame kept by its object (struct mm_file) plus one reference per
 * entry mapping it. fake_check() counts one frame per leaf, which holds only while every
 * shared frame is mapped exactly once; elsewhere mm_validate() judges the accounting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fake.h"

#define P SZ_4K
#define RW (MM_PROT_READ | MM_PROT_WRITE)
#define RO MM_PROT_READ
#define PRIV (MAP_PRIVATE_LINUX | MAP_FIXED_LINUX)
#define SHARED (MAP_SHARED_LINUX | MAP_FIXED_LINUX)
#define ANON (MAP_PRIVATE_LINUX | MAP_ANONYMOUS_LINUX | MAP_FIXED_LINUX)
#define SHARED_ANON (MAP_SHARED_LINUX | MAP_ANONYMOUS_LINUX | MAP_FIXED_LINUX)

/* The file used everywhere: 3 pages and 100 bytes. */
#define FILE_SIZE (3 * P + 100)

/* ---- the host file ---- */

struct tfile {
	int fd;
	char *path;		/* real path, as /proc/PID/maps would print it */
	uint64_t size;
	uint64_t dev, ino;
};

/* Byte @off of the file as created: different in every page and along each page. */
static uint8_t file_byte(uint64_t off)
{
	return (uint8_t)(0x30 + (off / P) * 7 + off % 251);
}

/*
 * tfile_create() - a temporary file of @size bytes of file_byte(). Unless @keep_name, its
 * name is removed at once, so that a failing test leaves nothing behind.
 */
static void tfile_create_named(struct tfile *tf, uint64_t size, bool keep_name)
{
	GError *err = NULL;
	char *name = NULL;
	uint8_t *buf = g_malloc(size);
	struct stat st;

	tf->fd = g_file_open_tmp("mmuemu-filemap-XXXXXX", &name, &err);
	g_assert_no_error(err);
	g_assert_cmpint(tf->fd, >=, 0);
	tf->path = realpath(name, NULL);
	g_assert_nonnull(tf->path);
	g_free(name);
	for (uint64_t i = 0; i < size; i++)
		buf[i] = file_byte(i);
	g_assert_cmpint(pwrite(tf->fd, buf, size, 0), ==, (ssize_t)size);
	g_assert_cmpint(fsync(tf->fd), ==, 0);
	g_assert_cmpint(fstat(tf->fd, &st), ==, 0);
	tf->size = size;
	tf->dev = st.st_dev;
	tf->ino = st.st_ino;
	if (!keep_name)
		g_assert_cmpint(unlink(tf->path), ==, 0);
	g_free(buf);
}

static void tfile_create(struct tfile *tf, uint64_t size)
{
	tfile_create_named(tf, size, false);
}

static void tfile_destroy(struct tfile *tf)
{
	unlink(tf->path);
	close(tf->fd);
	free(tf->path);
}

/* A new mapping object for the file, with one reference for the caller. */
static struct mm_file *tfile_object(const struct tfile *tf)
{
	int fd = dup(tf->fd);

	g_assert_cmpint(fd, >=, 0);
	return mm_file_create(fd, tf->path, tf->size, tf->dev, tf->ino);
}

/* mmap the file at @addr (MAP_FIXED); the caller's reference to @file is kept. */
static void map_file(struct fake_env *env, uint64_t addr, uint64_t len, unsigned prot,
		     unsigned flags, struct mm_file *file, uint64_t pgoff)
{
	int64_t ret = do_mmap_file(env->mm, addr, len, prot, flags, file, pgoff);

	g_assert_cmphex(ret, ==, addr);
}

/* mmap a fresh object for the file at @addr and drop our reference at once. */
static void map_tfile(struct fake_env *env, const struct tfile *tf, uint64_t addr,
		      uint64_t len, unsigned prot, unsigned flags, uint64_t pgoff)
{
	struct mm_file *file = tfile_object(tf);

	map_file(env, addr, len, prot, flags, file, pgoff);
	mm_file_put(file);
}

static uint8_t file_read_byte(const struct tfile *tf, uint64_t off)
{
	uint8_t b = 0;

	g_assert_cmpint(pread(tf->fd, &b, 1, (off_t)off), ==, 1);
	return b;
}

static uint64_t file_size_now(const struct tfile *tf)
{
	struct stat st;

	g_assert_cmpint(fstat(tf->fd, &st), ==, 0);
	return (uint64_t)st.st_size;
}

/* ---- guest memory ---- */

static void expect_valid(struct fake_env *env)
{
	char msg[256];
	int ret = mm_validate(env->mm, msg, sizeof(msg));

	if (ret)
		g_test_message("mm_validate: %s", msg);
	g_assert_cmpint(ret, ==, 0);
}

/*
 * The guest page at @va holds file page @pgoff as created: the file's bytes, and zeroes
 * after the end of the file.
 */
static void expect_file_page(struct fake_env *env, uint64_t va, uint64_t pgoff, uint64_t size)
{
	uint8_t buf[4096];

	g_assert_cmpint(copy_from_user(env->mm, buf, va, P), ==, 0);
	for (uint64_t i = 0; i < P; i++) {
		uint64_t off = pgoff * P + i;
		uint8_t want = off < size ? file_byte(off) : 0;

		if (buf[i] != want)
			g_test_message("0x%" G_GINT64_MODIFIER "x + %" G_GUINT64_FORMAT
				       ": 0x%02x, file offset %" G_GUINT64_FORMAT " wants 0x%02x",
				       va, i, buf[i], off, want);
		g_assert_cmphex(buf[i], ==, want);
	}
}

static void write_bytes(struct fake_env *env, uint64_t va, const char *s)
{
	g_assert_cmpint(copy_to_user(env->mm, va, s, strlen(s)), ==, 0);
}

static void expect_bytes(struct fake_env *env, uint64_t va, const char *s)
{
	char buf[64];
	size_t n = strlen(s);

	g_assert_cmpuint(n, <, sizeof(buf));
	g_assert_cmpint(copy_from_user(env->mm, buf, va, n), ==, 0);
	buf[n] = 0;
	g_assert_cmpstr(buf, ==, s);
}

static void expect_file_bytes(const struct tfile *tf, uint64_t off, const char *s)
{
	char buf[64];
	size_t n = strlen(s);

	g_assert_cmpuint(n, <, sizeof(buf));
	g_assert_cmpint(pread(tf->fd, buf, n, (off_t)off), ==, (ssize_t)n);
	buf[n] = 0;
	g_assert_cmpstr(buf, ==, s);
}

static void expect_sigbus(struct fake_env *env, uint64_t va, mm_access_t access)
{
	uint64_t phys = fake_phys_in_use(env), frames = env->mm->stats.frames_in_use;
	struct mm_fault fault;
	uint64_t paddr;
	unsigned prot;

	memset(&fault, 0, sizeof(fault));
	g_assert_cmpint(mm_fill_tlb(env->mm, va, access, &paddr, &prot, &fault), ==, -EFAULT);
	g_assert_cmpint(fault.signo, ==, SIGBUS_LINUX);
	g_assert_cmpint(fault.si_code, ==, BUS_ADRERR_LINUX);
	g_assert_cmphex(fault.addr, ==, va);
	g_assert_cmpuint(fault.access, ==, access);
	g_assert_false(fault.oom);
	/* The frame tried for it went back. */
	g_assert_cmpuint(fake_phys_in_use(env), ==, phys);
	g_assert_cmpuint(env->mm->stats.frames_in_use, ==, frames);
	fake_expect_unmapped(env, va);
}

/* Tear every mapping down, so that fake_env_finish's fake_check holds, then finish. */
static void finish_all(struct fake_env *env)
{
	g_assert_cmpint(do_munmap(env->mm, 0, env->arch->task_size), ==, 0);
	expect_valid(env);
	g_assert_cmpint(env->mm->map_count, ==, 0);
	g_assert_cmpuint(env->mm->stats.frames_in_use, ==, 0);
	fake_env_finish(env);
}

/* ---- private file mappings ---- */

static void test_private_reads_file(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct tfile tf;
	uint64_t faults;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x    x+P  x+2P  x+3P  x+4P  x+5P
	 * |0   |1   |2   |3~  |~~~~|        MAP_PRIVATE rw- of the file from offset 0; page 3
	 *                                   holds the last 100 bytes, page 4 lies past the end
	 */
	map_tfile(&env, &tf, x, 5 * P, RW, PRIV, 0);
	expect_valid(&env);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 1);

	/* First touch reads the file's page: one fault, one frame. */
	faults = env.mm->stats.faults;
	fake_touch_prot(&env, x + 8, MM_PROT_READ);
	g_assert_cmpuint(env.mm->stats.faults, ==, faults + 1);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 1);
	expect_file_page(&env, x, 0, tf.size);
	fake_expect_unmapped(&env, x + P);
	expect_file_page(&env, x + P, 1, tf.size);
	expect_file_page(&env, x + 2 * P, 2, tf.size);
	fake_check(&env);
	expect_valid(&env);

	/* The partial last page: 100 bytes of file, then zeroes. */
	expect_file_page(&env, x + 3 * P, 3, tf.size);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 4);

	/* Wholly past the end: SIGBUS (BUS_ADRERR), for reads and writes alike. */
	expect_sigbus(&env, x + 4 * P, MM_PROT_READ);
	expect_sigbus(&env, x + 4 * P + 0x123, MM_PROT_WRITE);
	{
		uint8_t b;

		g_assert_cmpint(copy_from_user(env.mm, &b, x + 4 * P, 1), ==, -EFAULT);
	}

	/* A write changes the mapping only, never the file: not now, not at munmap. */
	write_bytes(&env, x + 16, "private!");
	write_bytes(&env, x + 3 * P + 200, "past-eof");
	expect_bytes(&env, x + 16, "private!");
	expect_bytes(&env, x + 3 * P + 200, "past-eof");
	g_assert_cmphex(file_read_byte(&tf, 16), ==, file_byte(16));
	/*
	 * Copy on write: pages 0 and 3 now have private copies, while the page cache keeps
	 * its four pages (1 and 2 are still mapped from it): 6 frames behind 4 entries.
	 */
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 6);
	g_assert_cmpint(fake_count_leaves(&env), ==, 4);
	expect_valid(&env);
	fake_munmap(&env, x, 5 * P);
	expect_valid(&env);
	for (uint64_t off = 16; off < 24; off++)
		g_assert_cmphex(file_read_byte(&tf, off), ==, file_byte(off));
	g_assert_cmpuint(file_size_now(&tf), ==, FILE_SIZE);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 1);
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

static void test_pgoff(gconstpointer data)
{
	const uint64_t x = 0x10000000, y = 0x10100000;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x          y
	 * |1 |2 |    |2 |3~|~~|      X: private from page 1; Y: shared from page 2
	 */
	map_tfile(&env, &tf, x, 2 * P, RO, PRIV, 1);
	map_tfile(&env, &tf, y, 3 * P, RW, SHARED, 2);
	expect_valid(&env);
	g_assert_cmpuint(vma_lookup(env.mm, x)->vm_pgoff, ==, 1);
	g_assert_cmpuint(vma_lookup(env.mm, y)->vm_pgoff, ==, 2);
	expect_file_page(&env, x, 1, tf.size);
	expect_file_page(&env, x + P, 2, tf.size);
	expect_file_page(&env, y, 2, tf.size);
	expect_file_page(&env, y + P, 3, tf.size);
	expect_sigbus(&env, y + 2 * P, MM_PROT_READ);
	/* Read-only: a write is SEGV_ACCERR, not SIGBUS. */
	fake_expect_fault(&env, x, MM_PROT_WRITE, SEGV_ACCERR_LINUX);
	fake_check(&env);
	expect_valid(&env);

	/*
	 * Split Y: the upper piece keeps counting the offset (page 3 at y + P). The object
	 * keeps page 2 cached for the piece left, so fake_check's one-frame-per-leaf rule does
	 * not hold here: mm_validate judges.
	 */
	g_assert_cmpint(do_munmap(env.mm, y, P), ==, 0);
	expect_valid(&env);
	g_assert_cmpuint(vma_lookup(env.mm, y + P)->vm_pgoff, ==, 3);
	expect_file_page(&env, y + P, 3, tf.size);
	finish_all(&env);
	tfile_destroy(&tf);
}

/* ---- shared file mappings: write-back ---- */

static void test_shared_msync(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x    x+P  x+2P  x+3P  x+4P
	 * |0   |1   |2   |3~  |        MAP_SHARED rw- of the whole file
	 */
	map_tfile(&env, &tf, x, 4 * P, RW, SHARED, 0);
	expect_file_page(&env, x + P, 1, tf.size);
	write_bytes(&env, x + P + 10, "hello");
	expect_bytes(&env, x + P + 10, "hello");
	fake_check(&env);
	expect_valid(&env);

	/* msync(MS_SYNC): the file has the bytes. */
	g_assert_cmpint(do_msync(env.mm, x, 4 * P, MS_SYNC_LINUX), ==, 0);
	expect_file_bytes(&tf, P + 10, "hello");
	/* Its neighbours in the file are untouched. */
	g_assert_cmphex(file_read_byte(&tf, P + 9), ==, file_byte(P + 9));
	g_assert_cmphex(file_read_byte(&tf, P + 15), ==, file_byte(P + 15));
	/* MS_ASYNC and MS_INVALIDATE are accepted. */
	g_assert_cmpint(do_msync(env.mm, x, 4 * P, MS_ASYNC_LINUX), ==, 0);
	g_assert_cmpint(do_msync(env.mm, x, 4 * P, MS_INVALIDATE_LINUX), ==, 0);
	g_assert_cmpint(do_msync(env.mm, x, 4 * P, MS_SYNC_LINUX | MS_INVALIDATE_LINUX), ==, 0);

	/*
	 * The last page: bytes before the end of the file go back, bytes after it do not,
	 * and the file does not grow (natively: size stays, the byte past EOF is not in it).
	 */
	write_bytes(&env, x + 3 * P + 50, "tail");
	write_bytes(&env, x + 3 * P + 200, "beyond");
	g_assert_cmpint(do_msync(env.mm, x + 3 * P, P, MS_SYNC_LINUX), ==, 0);
	expect_file_bytes(&tf, 3 * P + 50, "tail");
	g_assert_cmpuint(file_size_now(&tf), ==, FILE_SIZE);

	/* Written back at munmap too, when the entry is dirty: no msync this time. */
	write_bytes(&env, x + 2 * P + 7, "at-munmap");
	fake_munmap(&env, x, 4 * P);
	expect_valid(&env);
	expect_file_bytes(&tf, 2 * P + 7, "at-munmap");
	expect_file_bytes(&tf, P + 10, "hello");
	g_assert_cmpuint(file_size_now(&tf), ==, FILE_SIZE);
	/* The object went with its last mapping, and its pages with it. */
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 1);

	/* And at exit. */
	map_tfile(&env, &tf, x, 4 * P, RW, SHARED, 0);
	write_bytes(&env, x + 20, "at-exit");
	fake_env_finish(&env);
	expect_file_bytes(&tf, 20, "at-exit");
	expect_file_bytes(&tf, 2 * P + 7, "at-munmap");
	tfile_destroy(&tf);
}

static void test_shared_two_mappings(gconstpointer data)
{
	const uint64_t x = 0x10000000, y = 0x20000000;
	struct fake_env env;
	struct mm_file *file;
	struct tfile tf;
	uint64_t px, py;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x              y
	 * |0 |1 |        |0 |1 |       one object, mapped shared twice
	 */
	file = tfile_object(&tf);
	map_file(&env, x, 2 * P, RW, SHARED, file, 0);
	map_file(&env, y, 2 * P, RW, SHARED, file, 0);
	mm_file_put(file);
	expect_valid(&env);

	write_bytes(&env, x + 100, "via-x");
	expect_bytes(&env, y + 100, "via-x");
	write_bytes(&env, y + P + 5, "via-y");
	expect_bytes(&env, x + P + 5, "via-y");
	px = fake_expect_mapped(&env, x, RW);
	py = fake_expect_mapped(&env, y, RW);
	g_assert_cmphex(px, ==, py);
	g_assert_cmphex(fake_expect_mapped(&env, x + P, RW), ==,
			fake_expect_mapped(&env, y + P, RW));
	/* Two pages of the file, two frames, four entries. */
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	g_assert_cmpint(fake_count_leaves(&env), ==, 4);
	expect_valid(&env);

	/* MADV_DONTNEED through x: the page stays in the object, x maps it again. */
	g_assert_cmpint(do_madvise(env.mm, x, 2 * P, MADV_DONTNEED_LINUX), ==, 0);
	expect_valid(&env);
	fake_expect_unmapped(&env, x);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	expect_bytes(&env, x + 100, "via-x");
	g_assert_cmphex(fake_expect_mapped(&env, x, RW), ==, px);

	/* munmap x: y still has the pages; munmap y: the object and its pages go. */
	g_assert_cmpint(do_munmap(env.mm, x, 2 * P), ==, 0);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	expect_bytes(&env, y + P + 5, "via-y");
	g_assert_cmpint(do_munmap(env.mm, y, 2 * P), ==, 0);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 0);
	g_assert_cmpuint(fake_phys_in_use(&env), ==, 1);
	/* Both writes reached the file on the way. */
	expect_file_bytes(&tf, 100, "via-x");
	expect_file_bytes(&tf, P + 5, "via-y");
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

/*
 * A private mapping shares the page cache until it writes: on Linux its first read of a
 * page sees what a shared mapping of the same file wrote, msync or not (checked natively:
 * a MAP_PRIVATE first touch after a store through a MAP_SHARED mapping reads the store).
 */
static void test_private_sees_shared_writes(gconstpointer data)
{
	const uint64_t x = 0x10000000, y = 0x20000000;
	struct fake_env env;
	struct mm_file *file;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x (shared)     y (private)
	 * |0 |           |0 |          one object
	 */
	file = tfile_object(&tf);
	map_file(&env, x, P, RW, SHARED, file, 0);
	map_file(&env, y, P, RO, PRIV, file, 0);
	mm_file_put(file);
	write_bytes(&env, x + 40, "fresh");
	expect_bytes(&env, y + 40, "fresh");
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

/* ---- shared anonymous memory, and madvise ---- */

static void test_dontneed_shared_and_private(gconstpointer data)
{
	const uint64_t s = 0x10000000, a = 0x20000000;
	struct fake_env env;
	struct fake_snap snap;
	uint64_t ps[2];
	uint8_t vec[3];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * s              a
	 * |S rw-s 2|     |A rw-p 2|      both written
	 */
	g_assert_cmphex(do_mmap(env.mm, s, 2 * P, RW, SHARED_ANON, 0), ==, s);
	g_assert_cmphex(do_mmap(env.mm, a, 2 * P, RW, ANON, 0), ==, a);
	fake_write64(&env, s, 0x51);
	fake_write64(&env, s + P, 0x52);
	fake_write64(&env, a, 0xa1);
	fake_write64(&env, a + P, 0xa2);
	ps[0] = fake_expect_mapped(&env, s, RW);
	ps[1] = fake_expect_mapped(&env, s + P, RW);
	fake_check(&env);
	expect_valid(&env);

	/* Private: the pages are dropped, flushed first, and read back as zero. */
	fake_snap_take(&env, &snap, a, a + 2 * P);
	g_assert_cmpint(do_madvise(env.mm, a, 2 * P, MADV_DONTNEED_LINUX), ==, 0);
	fake_snap_check(&env, &snap);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	g_assert_cmpint(env.mm->map_count, ==, 2);
	g_assert_cmpint(do_mincore(env.mm, a, 2 * P, vec), ==, 0);
	g_assert_cmpuint(vec[0], ==, 0);
	g_assert_cmpuint(vec[1], ==, 0);
	g_assert_cmphex(fake_read64(&env, a), ==, 0);
	g_assert_cmphex(fake_read64(&env, a + P), ==, 0);

	/* Shared: the entries go, the data stays with the object (same frames). */
	fake_snap_take(&env, &snap, s, s + 2 * P);
	g_assert_cmpint(do_madvise(env.mm, s, 2 * P, MADV_DONTNEED_LINUX), ==, 0);
	fake_snap_check(&env, &snap);
	expect_valid(&env);
	fake_expect_unmapped(&env, s);
	fake_expect_unmapped(&env, s + P);
	/* Still resident for mincore: the object holds them (natively: 1 after DONTNEED). */
	g_assert_cmpint(do_mincore(env.mm, s, 2 * P, vec), ==, 0);
	g_assert_cmpuint(vec[0], ==, 1);
	g_assert_cmpuint(vec[1], ==, 1);
	g_assert_cmphex(fake_read64(&env, s), ==, 0x51);
	g_assert_cmphex(fake_read64(&env, s + P), ==, 0x52);
	g_assert_cmphex(fake_expect_mapped(&env, s, RW), ==, ps[0]);
	g_assert_cmphex(fake_expect_mapped(&env, s + P, RW), ==, ps[1]);
	fake_check(&env);
	expect_valid(&env);
	fake_env_finish(&env);
}

static void test_remove_shared_anon(gconstpointer data)
{
	const uint64_t s = 0x10000000, a = 0x20000000;
	struct fake_env env;
	struct fake_snap snap;
	uint8_t vec[2];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * s              a
	 * |S rw-s 2|     |A rw-p 1|
	 */
	g_assert_cmphex(do_mmap(env.mm, s, 2 * P, RW, SHARED_ANON, 0), ==, s);
	g_assert_cmphex(do_mmap(env.mm, a, P, RW, ANON, 0), ==, a);
	fake_write64(&env, s, 0x61);
	fake_write64(&env, s + P, 0x62);
	fake_write64(&env, a, 0x63);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 3);

	/* MADV_REMOVE on shared memory punches a hole: the data is gone, the frames freed. */
	fake_snap_take(&env, &snap, s, s + P);
	g_assert_cmpint(do_madvise(env.mm, s, P, MADV_REMOVE_LINUX), ==, 0);
	fake_snap_check(&env, &snap);
	fake_check(&env);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 2);
	g_assert_cmpint(do_mincore(env.mm, s, 2 * P, vec), ==, 0);
	g_assert_cmpuint(vec[0], ==, 0);
	g_assert_cmpuint(vec[1], ==, 1);
	g_assert_cmphex(fake_read64(&env, s), ==, 0);
	g_assert_cmphex(fake_read64(&env, s + P), ==, 0x62);

	/* Private anonymous memory: -EINVAL, untouched. */
	g_assert_cmpint(do_madvise(env.mm, a, P, MADV_REMOVE_LINUX), ==, -EINVAL);
	g_assert_cmphex(fake_read64(&env, a), ==, 0x63);
	fake_check(&env);
	expect_valid(&env);
	fake_env_finish(&env);
}

/*
 * MADV_REMOVE punches a hole in the object, so every mapping of it loses the page, not
 * only the one madvise was given (shmem_fallocate() unmaps the range from all mappings).
 * Checked natively: after madvise(s, MADV_REMOVE), a second mapping t = mremap(s, 0, ...)
 * of the same shared memory reads 0.
 */
static void test_remove_drops_every_mapping(gconstpointer data)
{
	const uint64_t s = 0x10000000;
	struct fake_env env;
	int64_t t;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * s             t
	 * |S rw-s 1|    |T = S again|
	 */
	g_assert_cmphex(do_mmap(env.mm, s, P, RW, SHARED_ANON, 0), ==, s);
	fake_write64(&env, s, 0x71);
	t = do_mremap(env.mm, s, 0, P, MREMAP_MAYMOVE_LINUX, 0);
	g_assert_cmpint(t, >, 0);
	g_assert_cmphex(fake_read64(&env, (uint64_t)t), ==, 0x71);
	g_assert_cmpint(do_madvise(env.mm, s, P, MADV_REMOVE_LINUX), ==, 0);
	expect_valid(&env);
	g_assert_cmphex(fake_read64(&env, s), ==, 0);
	g_assert_cmphex(fake_read64(&env, (uint64_t)t), ==, 0);
	/* and they share one frame again */
	fake_write64(&env, (uint64_t)t, 0x72);
	g_assert_cmphex(fake_read64(&env, s), ==, 0x72);
	expect_valid(&env);
	finish_all(&env);
}

/*
 * madvise_remove(): a mapping that is not shared and writable is -EACCES (it has a file,
 * so not -EINVAL). Checked natively: MADV_REMOVE on a MAP_PRIVATE file mapping fails with
 * EACCES, on private anonymous memory with EINVAL.
 */
static void test_remove_private_file_eacces(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_tfile(&env, &tf, x, 2 * P, RW, PRIV, 0);
	fake_touch_range(&env, x, x + 2 * P, MM_PROT_READ);
	g_assert_cmpint(do_madvise(env.mm, x, 2 * P, MADV_REMOVE_LINUX), ==, -EACCES);
	expect_file_page(&env, x, 0, tf.size);
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

/*
 * MADV_REMOVE on a shared file mapping punches a hole in the file itself (vfs_fallocate
 * with FALLOC_FL_PUNCH_HOLE): afterwards the mapping and the file read zero there.
 * Checked natively on /tmp: file byte and mapping byte both 0 after the call.
 */
static void test_remove_shared_file_punches_hole(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_tfile(&env, &tf, x, 2 * P, RW, SHARED, 0);
	write_bytes(&env, x + P + 1, "gone");
	g_assert_cmpint(do_madvise(env.mm, x + P, P, MADV_REMOVE_LINUX), ==, 0);
	expect_valid(&env);
	g_assert_cmphex(file_read_byte(&tf, P + 1), ==, 0);
	g_assert_cmphex(file_read_byte(&tf, P + 100), ==, 0);
	g_assert_cmphex(fake_read64(&env, x + P), ==, 0);
	/* page 0 is outside the hole */
	expect_file_page(&env, x, 0, tf.size);
	finish_all(&env);
	tfile_destroy(&tf);
}

static void test_madvise_args(gconstpointer data)
{
	const uint64_t a = 0x10000000;
	static const int bad[] = { 5, 6, 7, 26, 99, 104, -1 };
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * a    a+P  a+2P  a+3P      a+8P      a+16P
	 * |A   |....|B   |          |F file|   |S shm|
	 */
	fake_map(&env, a, P, RW);
	fake_map(&env, a + 2 * P, P, RW);
	map_tfile(&env, &tf, a + 8 * P, 2 * P, RW, SHARED, 0);
	g_assert_cmphex(do_mmap(env.mm, a + 16 * P, P, RW, SHARED_ANON, 0), ==, a + 16 * P);
	fake_write64(&env, a, 0x1a);
	fake_write64(&env, a + 2 * P, 0x1b);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(do_madvise(env.mm, a, P, bad[i]), ==, -EINVAL);
	g_assert_cmpint(do_madvise(env.mm, a + 1, P, MADV_DONTNEED_LINUX), ==, -EINVAL);
	g_assert_cmpint(do_madvise(env.mm, a + 0x800, P, MADV_NORMAL_LINUX), ==, -EINVAL);
	/* PAGE_ALIGN(len) wrapping, and start + len wrapping */
	g_assert_cmpint(do_madvise(env.mm, a, UINT64_MAX, MADV_DONTNEED_LINUX), ==, -EINVAL);
	g_assert_cmpint(do_madvise(env.mm, a, UINT64_MAX - a - P + 2, MADV_DONTNEED_LINUX), ==,
			-EINVAL);
	/* len 0: nothing to do */
	g_assert_cmpint(do_madvise(env.mm, a, 0, MADV_DONTNEED_LINUX), ==, 0);
	g_assert_cmphex(fake_read64(&env, a), ==, 0x1a);
	/* MADV_FREE: private anonymous memory only */
	g_assert_cmpint(do_madvise(env.mm, a + 8 * P, 2 * P, MADV_FREE_LINUX), ==, -EINVAL);
	g_assert_cmpint(do_madvise(env.mm, a + 16 * P, P, MADV_FREE_LINUX), ==, -EINVAL);
	g_assert_cmpint(do_madvise(env.mm, a, P, MADV_FREE_LINUX), ==, 0);
	/* Advice that changes nothing here is accepted. */
	g_assert_cmpint(do_madvise(env.mm, a, P, MADV_WILLNEED_LINUX), ==, 0);
	g_assert_cmpint(do_madvise(env.mm, a, P, MADV_SEQUENTIAL_LINUX), ==, 0);
	expect_valid(&env);

	/*
	 * A hole inside: -ENOMEM, and the mapped parts on both sides are still processed
	 * (natively: both pages read 0 afterwards).
	 */
	g_assert_cmpint(do_madvise(env.mm, a, 3 * P, MADV_DONTNEED_LINUX), ==, -ENOMEM);
	fake_expect_unmapped(&env, a);
	fake_expect_unmapped(&env, a + 2 * P);
	g_assert_cmphex(fake_read64(&env, a), ==, 0);
	g_assert_cmphex(fake_read64(&env, a + 2 * P), ==, 0);
	/* A hole at the start, at the end, or only a hole. */
	fake_write64(&env, a + 2 * P, 0x2b);
	g_assert_cmpint(do_madvise(env.mm, a + P, 2 * P, MADV_DONTNEED_LINUX), ==, -ENOMEM);
	g_assert_cmphex(fake_read64(&env, a + 2 * P), ==, 0);
	fake_write64(&env, a + 2 * P, 0x3b);
	g_assert_cmpint(do_madvise(env.mm, a + 2 * P, 2 * P, MADV_DONTNEED_LINUX), ==, -ENOMEM);
	g_assert_cmphex(fake_read64(&env, a + 2 * P), ==, 0);
	g_assert_cmpint(do_madvise(env.mm, a + 4 * P, 2 * P, MADV_DONTNEED_LINUX), ==, -ENOMEM);
	g_assert_cmpint(do_madvise(env.mm, a + 4 * P, 2 * P, MADV_NORMAL_LINUX), ==, -ENOMEM);
	expect_valid(&env);

	/* MAP_LOCKED memory refuses MADV_DONTNEED. */
	g_assert_cmphex(do_mmap(env.mm, a + 32 * P, P, RW, ANON | MAP_LOCKED_LINUX, 0), ==,
			a + 32 * P);
	g_assert_cmpint(do_madvise(env.mm, a + 32 * P, P, MADV_DONTNEED_LINUX), ==, -EINVAL);
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

/*
 * MADV_DONTNEED_LOCKED (24, Linux 5.18) is MADV_DONTNEED that also works on locked memory.
 * Checked natively: madvise(p, P, 24) = 0 on plain and on MAP_LOCKED memory, and the
 * private page reads 0 afterwards.
 */
static void test_madvise_dontneed_locked(gconstpointer data)
{
	const uint64_t a = 0x10000000;
	struct fake_env env;

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * a        a+P
	 * |A rw-|  |L rw- locked|
	 */
	fake_map(&env, a, P, RW);
	g_assert_cmphex(do_mmap(env.mm, a + P, P, RW, ANON | MAP_LOCKED_LINUX, 0), ==, a + P);
	fake_write64(&env, a, 0x24);
	fake_write64(&env, a + P, 0x25);
	g_assert_cmpint(do_madvise(env.mm, a, 2 * P, 24), ==, 0);
	expect_valid(&env);
	g_assert_cmphex(fake_read64(&env, a), ==, 0);
	g_assert_cmphex(fake_read64(&env, a + P), ==, 0);
	fake_env_finish(&env);
}

/* ---- mincore ---- */

static void test_mincore(gconstpointer data)
{
	const uint64_t a = 0x10000000;
	struct fake_env env;
	uint8_t vec[8];

	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * a                    a+4P     a+6P
	 * |A rw- 0 1 2 3       |....... |B r-- |       pages 0 and 2 of A touched
	 */
	fake_map(&env, a, 4 * P, RW);
	fake_map(&env, a + 6 * P, P, RO);
	fake_touch_range(&env, a, a + P, MM_PROT_WRITE);
	fake_touch_range(&env, a + 2 * P, a + 3 * P, MM_PROT_READ);

	memset(vec, 0xee, sizeof(vec));
	g_assert_cmpint(do_mincore(env.mm, a, 4 * P, vec), ==, 0);
	g_assert_cmpuint(vec[0], ==, 1);
	g_assert_cmpuint(vec[1], ==, 0);
	g_assert_cmpuint(vec[2], ==, 1);
	g_assert_cmpuint(vec[3], ==, 0);
	g_assert_cmpuint(vec[4], ==, 0xee);
	/* A length that is not a page multiple counts the partial page. */
	memset(vec, 0xee, sizeof(vec));
	g_assert_cmpint(do_mincore(env.mm, a + 2 * P, P + 1, vec), ==, 0);
	g_assert_cmpuint(vec[0], ==, 1);
	g_assert_cmpuint(vec[1], ==, 0);
	g_assert_cmpuint(vec[2], ==, 0xee);
	/* len 0: nothing written */
	memset(vec, 0xee, sizeof(vec));
	g_assert_cmpint(do_mincore(env.mm, a, 0, vec), ==, 0);
	g_assert_cmpuint(vec[0], ==, 0xee);

	/* errors: unaligned -EINVAL; a hole -ENOMEM */
	g_assert_cmpint(do_mincore(env.mm, a + 1, P, vec), ==, -EINVAL);
	g_assert_cmpint(do_mincore(env.mm, a + 4 * P, P, vec), ==, -ENOMEM);
	g_assert_cmpint(do_mincore(env.mm, a + 2 * P, 4 * P, vec), ==, -ENOMEM);
	g_assert_cmpint(do_mincore(env.mm, a + 5 * P, 2 * P, vec), ==, -ENOMEM);

	/* After munmap the touched page is gone for mincore too. */
	fake_munmap(&env, a, P);
	g_assert_cmpint(do_mincore(env.mm, a, P, vec), ==, -ENOMEM);
	g_assert_cmpint(do_mincore(env.mm, a + P, 2 * P, vec), ==, 0);
	g_assert_cmpuint(vec[0], ==, 0);
	g_assert_cmpuint(vec[1], ==, 1);
	fake_check(&env);
	fake_env_finish(&env);
}

/* ---- msync ---- */

static void test_msync_args(gconstpointer data)
{
	const uint64_t h = 0x10000000, x = h + 2 * P;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * h          x
	 * |.. hole ..|F rw-s 2|.. hole ..
	 */
	map_tfile(&env, &tf, x, 2 * P, RW, SHARED, 0);
	write_bytes(&env, x + 30, "synced");

	g_assert_cmpint(do_msync(env.mm, x, P, MS_ASYNC_LINUX | MS_SYNC_LINUX), ==, -EINVAL);
	g_assert_cmpint(do_msync(env.mm, x, P, 8), ==, -EINVAL);
	g_assert_cmpint(do_msync(env.mm, x, P, 0x100 | MS_SYNC_LINUX), ==, -EINVAL);
	g_assert_cmpint(do_msync(env.mm, x + 1, P, MS_SYNC_LINUX), ==, -EINVAL);
	g_assert_cmpint(do_msync(env.mm, x, 0, MS_SYNC_LINUX), ==, 0);
	g_assert_cmpint(do_msync(env.mm, x, UINT64_MAX - x - P + 2, MS_SYNC_LINUX), ==, -ENOMEM);
	g_assert_cmphex(file_read_byte(&tf, 30), ==, file_byte(30));

	/* Holes: -ENOMEM, and the mapping inside is still written back with MS_SYNC. */
	g_assert_cmpint(do_msync(env.mm, h, 2 * P, MS_SYNC_LINUX), ==, -ENOMEM);
	g_assert_cmpint(do_msync(env.mm, x + 2 * P, P, MS_SYNC_LINUX), ==, -ENOMEM);
	g_assert_cmpint(do_msync(env.mm, h, 6 * P, MS_SYNC_LINUX), ==, -ENOMEM);
	expect_file_bytes(&tf, 30, "synced");
	g_assert_cmpint(do_msync(env.mm, x, 3 * P, MS_ASYNC_LINUX), ==, -ENOMEM);

	/* MS_INVALIDATE on locked memory: -EBUSY. */
	g_assert_cmphex(do_mmap(env.mm, h + 16 * P, P, RW, ANON | MAP_LOCKED_LINUX, 0), ==,
			h + 16 * P);
	g_assert_cmpint(do_msync(env.mm, h + 16 * P, P, MS_INVALIDATE_LINUX), ==, -EBUSY);
	g_assert_cmpint(do_msync(env.mm, h + 16 * P, P, MS_SYNC_LINUX), ==, 0);
	expect_valid(&env);
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

/* ---- maps and smaps ---- */

/* The /proc/self/maps line of the host mapping at @addr, without its newline. */
static char *native_maps_line(const void *addr)
{
	char *want = g_strdup_printf("%lx-", (unsigned long)(uintptr_t)addr);
	char line[512], *found = NULL;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f) {
		g_free(want);
		return NULL;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)) == 0) {
			line[strcspn(line, "\n")] = 0;
			found = g_strdup(line);
		}
	}
	fclose(f);
	/* /proc is there: the host's own mapping must be in it. */
	if (!found)
		g_test_message("no line for %s in /proc/self/maps", want);
	g_assert_nonnull(found);
	g_free(want);
	return found;
}

static char *format_vma(struct fake_env *env, uint64_t addr)
{
	char buf[512];

	mm_format_vma(env->mm, vma_lookup(env->mm, addr), buf, sizeof(buf));
	return g_strdup(buf);
}

static void test_maps_lines(gconstpointer data)
{
	const uint64_t x = 0x30000000;
	struct fake_env env;
	struct tfile tf;
	char *line, *want, *native;
	void *na, *ns;
	struct mm_file *file;

	/* The host prints the path of a mapped file: keep the name while the test runs. */
	tfile_create_named(&tf, FILE_SIZE, true);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);

	/*
	 * Linux prints "start-end perms offset major:minor inode", pads to 72 columns, then
	 * one space: the path starts at column 73. The device is printed in hex.
	 */
	file = mm_file_create(-1, "/lib/x.so", 1 << 20, makedev(0x103, 0x12345), 42);
	map_file(&env, x, 2 * P, RO | MM_PROT_EXEC, PRIV, file, 2);
	mm_file_put(file);
	line = format_vma(&env, x);
	want = g_strdup_printf("%-73s%s", "30000000-30002000 r-xp 00002000 103:12345 42 ",
			       "/lib/x.so");
	g_assert_cmpstr(line, ==, want);
	g_assert_cmpuint(strlen(line), ==, 73 + strlen("/lib/x.so"));
	g_free(line);
	g_free(want);

	/* Shared anonymous memory: 's', offset 0, "/dev/zero (deleted)" at column 73. */
	g_assert_cmphex(do_mmap(env.mm, x + 16 * P, 2 * P, RW, SHARED_ANON, 0), ==, x + 16 * P);
	line = format_vma(&env, x + 16 * P);
	want = g_strdup_printf("%-73s%s", "30010000-30012000 rw-s 00000000 00:00 0 ",
			       "/dev/zero (deleted)");
	g_assert_cmpstr(line, ==, want);
	g_free(line);
	g_free(want);

	/* Private anonymous memory: no name, the line ends with the space after the inode. */
	g_assert_cmphex(do_mmap(env.mm, x + 32 * P, P, RW, ANON, 0), ==, x + 32 * P);
	line = format_vma(&env, x + 32 * P);
	g_assert_cmpstr(line, ==, "30020000-30021000 rw-p 00000000 00:00 0 ");
	g_free(line);
	expect_valid(&env);
	finish_all(&env);

	/*
	 * The same file mapped by the host at the same address: the lines must be identical
	 * (address, perms, offset, the file's real device and inode, path at column 73).
	 */
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	na = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, tf.fd, P);
	g_assert_true(na != MAP_FAILED);
	native = native_maps_line(na);
	if (native) {
		map_tfile(&env, &tf, (uint64_t)(uintptr_t)na, 2 * P, RW, SHARED, 1);
		line = format_vma(&env, (uint64_t)(uintptr_t)na);
		g_assert_cmpstr(line, ==, native);
		g_free(line);
		g_free(native);
	}
	g_assert_cmpint(munmap(na, 2 * P), ==, 0);

	/* And shared anonymous memory: the same but for the host's shmem device and inode. */
	ns = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	g_assert_true(ns != MAP_FAILED);
	native = native_maps_line(ns);
	if (native) {
		char **nf = g_strsplit_set(native, " ", -1), **mf;

		g_assert_cmphex(do_mmap(env.mm, (uint64_t)(uintptr_t)ns, 2 * P, RW, SHARED_ANON, 0),
				==, (uint64_t)(uintptr_t)ns);
		line = format_vma(&env, (uint64_t)(uintptr_t)ns);
		mf = g_strsplit_set(line, " ", -1);
		/* fields: range, perms, offset */
		for (int i = 0; i < 3; i++)
			g_assert_cmpstr(mf[i], ==, nf[i]);
		g_assert_cmpuint(strlen(native), >, 73);
		g_assert_cmpstr(line + 73, ==, native + 73);
		g_strfreev(nf);
		g_strfreev(mf);
		g_free(line);
		g_free(native);
	}
	g_assert_cmpint(munmap(ns, 2 * P), ==, 0);
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

static char *dump_smaps(struct fake_env *env)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	g_assert_nonnull(f);
	mm_dump_smaps(env->mm, f);
	fclose(f);
	return buf;
}

/* The value in kB of @field ("Rss", "Private_Dirty"...) in the smaps block of @start. */
static uint64_t smaps_kb(const char *smaps, uint64_t start, const char *field)
{
	char *head = g_strdup_printf("%08" G_GINT64_MODIFIER "x-", start);
	char *key = g_strdup_printf("\n%s:", field);
	const char *block = smaps, *end, *p;
	uint64_t kb;

	/* The block starts at the beginning of a line. */
	while (block && strncmp(block, head, strlen(head)) != 0) {
		block = strchr(block, '\n');
		block = block ? block + 1 : NULL;
	}
	g_assert_nonnull(block);
	end = strstr(block, "\nVmFlags:");
	g_assert_nonnull(end);
	p = strstr(block, key);
	g_assert_nonnull(p);
	g_assert_true(p <= end);
	p += strlen(key);
	kb = g_ascii_strtoull(p, NULL, 10);
	g_assert_nonnull(strstr(p, " kB\n"));
	g_free(head);
	g_free(key);
	return kb;
}

struct smaps_want {
	uint64_t size, rss, pss, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous;
};

static void expect_smaps(const char *smaps, uint64_t start, const struct smaps_want *w)
{
	g_assert_cmpuint(smaps_kb(smaps, start, "Size"), ==, w->size);
	g_assert_cmpuint(smaps_kb(smaps, start, "Rss"), ==, w->rss);
	g_assert_cmpuint(smaps_kb(smaps, start, "Pss"), ==, w->pss);
	g_assert_cmpuint(smaps_kb(smaps, start, "Shared_Clean"), ==, w->shared_clean);
	g_assert_cmpuint(smaps_kb(smaps, start, "Shared_Dirty"), ==, w->shared_dirty);
	g_assert_cmpuint(smaps_kb(smaps, start, "Private_Clean"), ==, w->private_clean);
	g_assert_cmpuint(smaps_kb(smaps, start, "Private_Dirty"), ==, w->private_dirty);
	g_assert_cmpuint(smaps_kb(smaps, start, "Referenced"), ==, w->referenced);
	g_assert_cmpuint(smaps_kb(smaps, start, "Anonymous"), ==, w->anonymous);
	g_assert_cmpuint(smaps_kb(smaps, start, "KernelPageSize"), ==, 4);
}

static void test_smaps(gconstpointer data)
{
	const uint64_t a = 0x10000000, s = 0x20000000, x = 0x30000000, y = 0x40000000;
	const uint64_t r = 0x50000000;
	struct fake_env env;
	struct mm_file *file;
	struct mm_rss rss;
	struct tfile tf;
	char *smaps;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * a            s             x            y            r
	 * |A rw-p 4|   |S rw-s 2|    |X rw-s 2|   |Y rw-s 2|   |R r--p 2|
	 *  w . w .      w .           w .          w .          r r
	 * A: private anonymous, pages 0 and 2 written. S: shared anonymous, page 0 written.
	 * X and Y: the same file object, shared; page 0 written through both.
	 * R: the file, private read-only, both pages read.
	 */
	g_assert_cmphex(do_mmap(env.mm, a, 4 * P, RW, ANON, 0), ==, a);
	g_assert_cmphex(do_mmap(env.mm, s, 2 * P, RW, SHARED_ANON, 0), ==, s);
	file = tfile_object(&tf);
	map_file(&env, x, 2 * P, RW, SHARED, file, 0);
	map_file(&env, y, 2 * P, RW, SHARED, file, 0);
	mm_file_put(file);
	map_tfile(&env, &tf, r, 2 * P, RO, PRIV, 0);
	fake_write64(&env, a, 1);
	fake_write64(&env, a + 2 * P, 2);
	fake_write64(&env, s, 3);
	fake_write64(&env, x, 4);
	fake_write64(&env, y + 8, 5);
	fake_touch_range(&env, r, r + 2 * P, MM_PROT_READ);
	expect_valid(&env);

	/* natively: Private_Dirty and Anonymous for written private anonymous pages */
	memset(&rss, 0, sizeof(rss));
	mm_count_rss(env.mm, a, a + 4 * P, &rss);
	g_assert_cmpuint(rss.rss, ==, 2);
	g_assert_cmpuint(rss.anon, ==, 2);
	g_assert_cmpuint(rss.file, ==, 0);
	g_assert_cmpuint(rss.dirty, ==, 2);
	g_assert_cmpuint(rss.referenced, ==, 2);
	/* the rest: shared anonymous and file pages count as file-backed */
	memset(&rss, 0, sizeof(rss));
	mm_count_rss(env.mm, s, r + 2 * P, &rss);
	g_assert_cmpuint(rss.rss, ==, 5);
	g_assert_cmpuint(rss.anon, ==, 0);
	g_assert_cmpuint(rss.file, ==, 5);
	g_assert_cmpuint(rss.dirty, ==, 3);
	g_assert_cmpuint(rss.referenced, ==, 5);
	/* over everything, holes included */
	memset(&rss, 0, sizeof(rss));
	mm_count_rss(env.mm, 0, r + SZ_2M, &rss);
	g_assert_cmpuint(rss.rss, ==, 7);

	smaps = dump_smaps(&env);
	expect_smaps(smaps, a, &(struct smaps_want){ .size = 16, .rss = 8, .pss = 8,
		     .private_dirty = 8, .referenced = 8, .anonymous = 8 });
	/* natively: a written shmem page mapped once is Private_Dirty, not Anonymous */
	expect_smaps(smaps, s, &(struct smaps_want){ .size = 8, .rss = 4, .pss = 4,
		     .private_dirty = 4, .referenced = 4 });
	/* natively: a page mapped twice is shared, and each mapping has half of it in Pss */
	expect_smaps(smaps, x, &(struct smaps_want){ .size = 8, .rss = 4, .pss = 2,
		     .shared_dirty = 4, .referenced = 4 });
	expect_smaps(smaps, y, &(struct smaps_want){ .size = 8, .rss = 4, .pss = 2,
		     .shared_dirty = 4, .referenced = 4 });
	/* natively (file in sync with the disk): read private file pages are Private_Clean */
	expect_smaps(smaps, r, &(struct smaps_want){ .size = 8, .rss = 8, .pss = 8,
		     .private_clean = 8, .referenced = 8 });
	free(smaps);

	/* After Y goes, X's page is mapped once: private again. */
	g_assert_cmpint(do_munmap(env.mm, y, 2 * P), ==, 0);
	smaps = dump_smaps(&env);
	expect_smaps(smaps, x, &(struct smaps_want){ .size = 8, .rss = 4, .pss = 4,
		     .private_dirty = 4, .referenced = 4 });
	g_assert_null(strstr(smaps, "40000000-"));
	free(smaps);
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

/*
 * A written page of a private file mapping is a copy-on-write anonymous page: smaps counts
 * it in Anonymous and the status counters in RssAnon. Checked natively: after a store to a
 * MAP_PRIVATE file page, its smaps shows Private_Dirty 4 kB and Anonymous 4 kB; a page only
 * read shows Private_Clean 4 kB and Anonymous 0 kB.
 */
static void test_smaps_private_file_cow(gconstpointer data)
{
	const uint64_t r = 0x50000000;
	struct fake_env env;
	struct mm_rss rss;
	struct tfile tf;
	char *smaps;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * r
	 * |R rw-p 2|      page 0 read, page 1 written
	 */
	map_tfile(&env, &tf, r, 2 * P, RW, PRIV, 0);
	fake_touch_range(&env, r, r + P, MM_PROT_READ);
	fake_write64(&env, r + P, 0xc0);
	memset(&rss, 0, sizeof(rss));
	mm_count_rss(env.mm, r, r + 2 * P, &rss);
	g_assert_cmpuint(rss.rss, ==, 2);
	g_assert_cmpuint(rss.dirty, ==, 1);
	smaps = dump_smaps(&env);
	g_assert_cmpuint(smaps_kb(smaps, r, "Private_Clean"), ==, 4);
	g_assert_cmpuint(smaps_kb(smaps, r, "Private_Dirty"), ==, 4);
	g_assert_cmpuint(smaps_kb(smaps, r, "Anonymous"), ==, 4);
	g_assert_cmpuint(rss.anon, ==, 1);
	g_assert_cmpuint(rss.file, ==, 1);
	free(smaps);
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

/*
 * msync(MS_SYNC) writes the dirty pages back and cleans them (folio_clear_dirty_for_io()
 * -> folio_mkclean() clears the dirty bit of every entry mapping the page). Checked
 * natively: a written MAP_SHARED page shows Private_Dirty 4 kB before msync and
 * Private_Clean 4 kB after.
 */
static void test_msync_cleans(gconstpointer data)
{
	const uint64_t x = 0x30000000;
	struct fake_env env;
	struct mm_rss rss;
	struct tfile tf;
	char *smaps;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	map_tfile(&env, &tf, x, P, RW, SHARED, 0);
	write_bytes(&env, x, "dirty");
	smaps = dump_smaps(&env);
	g_assert_cmpuint(smaps_kb(smaps, x, "Private_Dirty"), ==, 4);
	free(smaps);
	g_assert_cmpint(do_msync(env.mm, x, P, MS_SYNC_LINUX), ==, 0);
	expect_file_bytes(&tf, 0, "dirty");
	smaps = dump_smaps(&env);
	g_assert_cmpuint(smaps_kb(smaps, x, "Private_Dirty"), ==, 0);
	g_assert_cmpuint(smaps_kb(smaps, x, "Private_Clean"), ==, 4);
	free(smaps);
	memset(&rss, 0, sizeof(rss));
	mm_count_rss(env.mm, x, x + P, &rss);
	g_assert_cmpuint(rss.dirty, ==, 0);
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

/* ---- life of the objects ---- */

static void test_no_leak_after_exit(gconstpointer data)
{
	const uint64_t x = 0x10000000, y = 0x20000000, s = 0x30000000;
	struct fake_env env;
	struct tfile tf;
	int64_t t;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x            y            s           t
	 * |X rw-s 4|   |Y rw-p 4|   |S rw-s 2|  |T = S|    everything touched, then exit
	 */
	map_tfile(&env, &tf, x, 4 * P, RW, SHARED, 0);
	map_tfile(&env, &tf, y, 4 * P, RW, PRIV, 0);
	g_assert_cmphex(do_mmap(env.mm, s, 2 * P, RW, SHARED_ANON, 0), ==, s);
	fake_touch_range(&env, x, x + 4 * P, MM_PROT_WRITE);
	fake_touch_range(&env, y, y + 4 * P, MM_PROT_WRITE);
	fake_touch_range(&env, s, s + 2 * P, MM_PROT_WRITE);
	write_bytes(&env, x + 3 * P + 1, "exit");
	t = do_mremap(env.mm, s, 0, 2 * P, MREMAP_MAYMOVE_LINUX, 0);
	g_assert_cmpint(t, >, 0);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 10);
	expect_valid(&env);

	/* S goes: its pages stay, T still maps the object. */
	g_assert_cmpint(do_munmap(env.mm, s, 2 * P), ==, 0);
	expect_valid(&env);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 10);
	/* T maps them again: the count stays the same, since the object kept them. */
	fake_touch_range(&env, (uint64_t)t, (uint64_t)t + 2 * P, MM_PROT_READ);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, 10);
	fake_check(&env);
	expect_valid(&env);

	/* exit: zero frames, zero tables (fake_env_exit), and the shared write is in the file */
	fake_env_finish(&env);
	expect_file_bytes(&tf, 3 * P + 1, "exit");
	tfile_destroy(&tf);
}

/* A file mapping grown in place or moved keeps reading the file at the right offset. */
static void test_mremap_file(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct fake_env env;
	struct tfile tf;
	int64_t n;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	/*
	 * x       x+P          (nothing above)
	 * |1 |    private r-- from page 1, then grown to 3 pages, then moved
	 */
	map_tfile(&env, &tf, x, P, RO, PRIV, 1);
	expect_file_page(&env, x, 1, tf.size);
	g_assert_cmphex(do_mremap(env.mm, x, P, 3 * P, 0, 0), ==, x);
	expect_file_page(&env, x + P, 2, tf.size);
	expect_file_page(&env, x + 2 * P, 3, tf.size);
	fake_map(&env, x + 3 * P, P, RW);
	n = do_mremap(env.mm, x + P, 2 * P, 4 * P, MREMAP_MAYMOVE_LINUX, 0);
	g_assert_cmpint(n, >, 0);
	g_assert_cmpuint(vma_lookup(env.mm, (uint64_t)n)->vm_pgoff, ==, 2);
	expect_file_page(&env, (uint64_t)n, 2, tf.size);
	expect_file_page(&env, (uint64_t)n + P, 3, tf.size);
	/* offset 4 and 5: past the end of the file */
	expect_sigbus(&env, (uint64_t)n + 2 * P, MM_PROT_READ);
	fake_check(&env);
	expect_valid(&env);
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

/*
 * One object per file: mm_file_open() of the same (dev, ino) twice gives the same object,
 * so two mmap calls of one file share frames, as two mmaps of one file share the page cache
 * on Linux.
 */
static void test_open_same_inode_shares(gconstpointer data)
{
	const uint64_t x = 0x10000000, y = 0x20000000;
	struct mm_file *a, *b;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	a = mm_file_open(env.mm, dup(tf.fd), tf.path, tf.size, tf.dev, tf.ino, true);
	b = mm_file_open(env.mm, dup(tf.fd), tf.path, tf.size, tf.dev, tf.ino, true);
	g_assert_true(a == b);
	g_assert_true(mm_has_files(env.mm));
	map_file(&env, x, P, RW, SHARED, a, 0);
	map_file(&env, y, P, RW, SHARED, b, 0);
	mm_file_put(a);
	mm_file_put(b);
	write_bytes(&env, x + 7, "one-cache");
	expect_bytes(&env, y + 7, "one-cache");
	g_assert_cmphex(fake_expect_mapped(&env, x, RW), ==, fake_expect_mapped(&env, y, RW));
	expect_valid(&env);
	/* The last mapping gone, the object leaves the registry. */
	g_assert_cmpint(do_munmap(env.mm, x, P), ==, 0);
	g_assert_true(mm_has_files(env.mm));
	g_assert_cmpint(do_munmap(env.mm, y, P), ==, 0);
	g_assert_false(mm_has_files(env.mm));
	fake_env_finish(&env);
	tfile_destroy(&tf);
}

/*
 * write(2) after a shared mapping touched the page: the mapping sees the new bytes (Linux:
 * one page cache; checked natively with pwrite after a read through MAP_SHARED), and a file
 * grown by write(2) maps its new page instead of raising SIGBUS.
 */
static void test_written_reaches_cache(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct mm_file *file;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, P + 10);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	file = mm_file_open(env.mm, dup(tf.fd), tf.path, tf.size, tf.dev, tf.ino, true);
	map_file(&env, x, 3 * P, RW, SHARED, file, 0);
	mm_file_put(file);
	expect_file_page(&env, x, 0, tf.size);		/* page 0 now cached */

	g_assert_cmpint(pwrite(tf.fd, "via write", 9, 100), ==, 9);
	mm_file_written(env.mm, tf.dev, tf.ino, 100, "via write", 9);
	expect_bytes(&env, x + 100, "via write");

	/* Page 2 lies past the end: SIGBUS until write(2) makes the file reach it. */
	expect_sigbus(&env, x + 2 * P, MM_PROT_READ);
	g_assert_cmpint(pwrite(tf.fd, "tail", 4, 2 * P + 1), ==, 4);
	mm_file_written(env.mm, tf.dev, tf.ino, 2 * P + 1, "tail", 4);
	expect_bytes(&env, x + 2 * P + 1, "tail");
	/* A file nobody maps is left alone. */
	mm_file_written(env.mm, tf.dev, tf.ino + 1, 0, "x", 1);
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

/*
 * read(2) of a file a shared mapping wrote: mm_file_sync() puts the bytes in the file first
 * and cleans the entries, so a later store dirties the page again.
 */
static void test_sync_before_read(gconstpointer data)
{
	const struct arch_mmu *a = data;
	const uint64_t x = 0x10000000;
	struct mm_file *file;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	file = mm_file_open(env.mm, dup(tf.fd), tf.path, tf.size, tf.dev, tf.ino, true);
	map_file(&env, x, P, RW, SHARED, file, 0);
	mm_file_put(file);
	write_bytes(&env, x + 40, "unsynced");
	g_assert_cmpuint(file_read_byte(&tf, 40), ==, file_byte(40));	/* not yet */
	mm_file_sync(env.mm, tf.dev, tf.ino);
	expect_file_bytes(&tf, 40, "unsynced");
	{
		struct arch_walk w;

		g_assert_cmpint(mm_walk(env.mm, x, MM_PROT_READ, &w), ==, ARCH_WALK_OK);
		g_assert_false(a->leaf_dirty(w.entry[w.nr_levels - 1]));
	}
	/* The next store must come back to the walker and dirty the page again. */
	g_assert_false(fake_touch_prot(&env, x, MM_PROT_READ) & MM_PROT_WRITE);
	write_bytes(&env, x + 40, "again");
	{
		struct arch_walk w;

		g_assert_cmpint(mm_walk(env.mm, x, MM_PROT_READ, &w), ==, ARCH_WALK_OK);
		g_assert_true(a->leaf_dirty(w.entry[w.nr_levels - 1]));
	}
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

/*
 * A shared mapping of a descriptor that cannot write: no VM_MAYWRITE, so mprotect cannot
 * make it writable (Linux: EACCES, checked natively), yet it still maps the page cache and
 * sees what write(2) puts there.
 */
static void test_readonly_fd_shared(gconstpointer data)
{
	const uint64_t x = 0x10000000;
	struct vm_area_struct *vma;
	struct mm_file *file;
	struct fake_env env;
	struct tfile tf;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	file = mm_file_open(env.mm, dup(tf.fd), tf.path, tf.size, tf.dev, tf.ino, false);
	map_file(&env, x, P, RO, SHARED, file, 0);
	mm_file_put(file);
	vma = vma_lookup(env.mm, x);
	g_assert_nonnull(vma);
	g_assert_cmphex(vma->vm_flags & (VM_MAYWRITE | VM_SHARED | VM_MAYSHARE), ==, VM_MAYSHARE);
	g_assert_cmpint(do_mprotect(env.mm, x, P, RW), ==, -EACCES);
	expect_file_page(&env, x, 0, tf.size);
	g_assert_cmpint(pwrite(tf.fd, "later", 5, 8), ==, 5);
	mm_file_written(env.mm, tf.dev, tf.ino, 8, "later", 5);
	expect_bytes(&env, x + 8, "later");
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

/*
 * MAP_PRIVATE is copy on write from the page cache: until a page is written, the private
 * mapping maps the cache's own frame read-only and sees later write(2)s to the file; the
 * first write copies it, and from then on the file's changes no longer show (Linux, checked
 * natively: pwrite after a private read is visible, after a private write it is not).
 */
static void test_private_cow(gconstpointer data)
{
	const uint64_t x = 0x10000000, s = 0x20000000;
	struct mm_file *file;
	struct fake_env env;
	struct tfile tf;
	struct mm_rss rss = { 0 };
	uint64_t cache0, frames;

	tfile_create(&tf, FILE_SIZE);
	fake_env_init(&env, data, FAKE_PHYS_SIZE);
	file = mm_file_open(env.mm, dup(tf.fd), tf.path, tf.size, tf.dev, tf.ino, true);
	map_file(&env, x, 2 * P, RW, PRIV, file, 0);
	map_file(&env, s, 2 * P, RO, SHARED, file, 0);
	mm_file_put(file);

	/* A read maps the cache's frame, the same one the shared mapping uses, read-only. */
	g_assert_false(fake_touch_prot(&env, x, MM_PROT_READ) & MM_PROT_WRITE);
	fake_touch_prot(&env, s, MM_PROT_READ);
	cache0 = fake_expect_mapped(&env, s, RO);
	g_assert_cmphex(fake_expect_mapped(&env, x, MM_PROT_READ), ==, cache0);
	/* mprotect to rw again does not make the shared page writable. */
	g_assert_cmpint(do_mprotect(env.mm, x, 2 * P, RW), ==, 0);
	g_assert_false(fake_touch_prot(&env, x, MM_PROT_READ) & MM_PROT_WRITE);
	frames = env.mm->stats.frames_in_use;

	/* write(2) before any private write: the private mapping sees it. */
	g_assert_cmpint(pwrite(tf.fd, "from-write", 10, 32), ==, 10);
	mm_file_written(env.mm, tf.dev, tf.ino, 32, "from-write", 10);
	expect_bytes(&env, x + 32, "from-write");

	/* The first private write copies: a frame of its own, the file and cache unchanged. */
	write_bytes(&env, x + 64, "mine");
	g_assert_cmphex(fake_expect_mapped(&env, x, RW), !=, cache0);
	g_assert_cmpuint(env.mm->stats.frames_in_use, ==, frames + 1);
	expect_bytes(&env, x + 32, "from-write");
	expect_bytes(&env, x + 64, "mine");
	g_assert_cmphex(file_read_byte(&tf, 64), ==, file_byte(64));
	g_assert_cmphex(fake_expect_mapped(&env, s, RO), ==, cache0);

	/* After the copy, later writes to the file no longer show in that page. */
	g_assert_cmpint(pwrite(tf.fd, "late", 4, 100), ==, 4);
	mm_file_written(env.mm, tf.dev, tf.ino, 100, "late", 4);
	expect_bytes(&env, s + 100, "late");
	g_assert_cmphex(fake_read64(&env, x + 100) & 0xff, ==, file_byte(100));

	/* smaps: the copied page is anonymous; the shared one is the file's. */
	mm_count_rss(env.mm, x, x + 2 * P, &rss);
	g_assert_cmpuint(rss.rss, ==, 1);
	g_assert_cmpuint(rss.anon, ==, 1);
	g_assert_cmpuint(rss.file, ==, 0);
	mm_count_rss(env.mm, s, s + 2 * P, &rss);
	g_assert_cmpuint(rss.file, ==, 1);
	expect_valid(&env);
	finish_all(&env);
	tfile_destroy(&tf);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	fake_add_test("/mm/filemap/private-reads-file-writes-stay", test_private_reads_file);
	fake_add_test("/mm/filemap/pgoff", test_pgoff);
	fake_add_test("/mm/filemap/private-copy-on-write", test_private_cow);
	fake_add_test("/mm/filemap/open-same-inode-shares", test_open_same_inode_shares);
	fake_add_test("/mm/filemap/write-syscall-reaches-cache", test_written_reaches_cache);
	fake_add_test("/mm/filemap/sync-before-read-cleans", test_sync_before_read);
	fake_add_test("/mm/filemap/readonly-fd-shared-cannot-write", test_readonly_fd_shared);
	fake_add_test("/mm/filemap/shared-written-back-msync-munmap-exit", test_shared_msync);
	fake_add_test("/mm/filemap/shared-two-mappings-one-frame", test_shared_two_mappings);
	fake_add_test("/mm/filemap/private-sees-shared-writes", test_private_sees_shared_writes);
	fake_add_test("/mm/filemap/mremap-keeps-offset", test_mremap_file);
	fake_add_test("/mm/filemap/no-leak-after-exit", test_no_leak_after_exit);
	fake_add_test("/mm/madvise/dontneed-shared-keeps-private-zeroes",
		      test_dontneed_shared_and_private);
	fake_add_test("/mm/madvise/remove-shared-anon", test_remove_shared_anon);
	fake_add_test("/mm/madvise/remove-drops-every-mapping", test_remove_drops_every_mapping);
	fake_add_test("/mm/madvise/remove-private-file-eacces", test_remove_private_file_eacces);
	fake_add_test("/mm/madvise/remove-shared-file-punches-hole",
		      test_remove_shared_file_punches_hole);
	fake_add_test("/mm/madvise/bad-arguments-and-holes", test_madvise_args);
	fake_add_test("/mm/madvise/dontneed-locked", test_madvise_dontneed_locked);
	fake_add_test("/mm/mincore/touched-untouched-errors", test_mincore);
	fake_add_test("/mm/msync/bad-arguments-and-holes", test_msync_args);
	fake_add_test("/mm/msync/cleans-dirty-entries", test_msync_cleans);
	fake_add_test("/mm/maps/file-and-shared-lines", test_maps_lines);
	fake_add_test("/mm/smaps/known-layouts", test_smaps);
	fake_add_test("/mm/smaps/private-file-cow-is-anonymous", test_smaps_private_file_cow);
	return g_test_run();
}
