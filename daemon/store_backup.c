/*
 * store_backup.c - the online copy of the database (`peerpland backup FILE`).
 *
 * SQLite's backup API copies the database page by page through a connection
 * of its own, so it runs beside a live daemon: in WAL mode a reader never
 * blocks the writer, and one backup step that copies every page reads one
 * snapshot -- the database as of one commit -- while the daemon goes on
 * committing.  (Copying in several steps would restart whenever the daemon
 * wrote between two of them.)  The copy goes to a temporary file beside
 * FILE, made by mkstemp() and so 0600 whatever the umask, as the database
 * holds every request, profile and token hash; it is made a rollback-
 * journal database (one file, no -wal beside it), checked (PRAGMA
 * quick_check), synced and only then renamed over FILE, so FILE is either
 * what it was or a complete copy, never half of one.
 *
 * The copy is a database in its own right: restoring is stopping the
 * daemon, putting the copy in the database's place (without the old -wal
 * and -shm files) and starting it (docs/daemon.md, "Backup and restore").
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long the copy waits for a read snapshot of a busy database. */
#define BACKUP_BUSY_MS 10000

/* Remove the temporary copy and the files SQLite may have left beside it. */
static void backup_discard(const char *tmp)
{
	static const char *const sfx[] = {"", "-journal", "-wal", "-shm"};
	char path[4096];

	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (snprintf(path, sizeof path, "%s%s", tmp, sfx[i]) < (int)sizeof path)
			unlink(path);
}

/* fsync the file (or directory) at path; 0 or -1 with errno set. */
static int backup_sync(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Open the live database read-only, refusing a file that is not peerplan's
 * (no schema version): NULL with err set. */
static sqlite3 *backup_open_source(const char *database, struct pp_error *err)
{
	sqlite3 *src = NULL;
	sqlite3_stmt *st = NULL;
	int version = -1;

	if (sqlite3_open_v2(database, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		pp_error_set(err, PP_ERR_INVALID_INPUT, "database", "cannot open %s: %s", database,
			     src != NULL ? sqlite3_errmsg(src) : "out of memory");
		sqlite3_close(src);
		return NULL;
	}
	sqlite3_busy_timeout(src, BACKUP_BUSY_MS);
	if (sqlite3_prepare_v2(src, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version <= 0) {
		pp_error_set(err, PP_ERR_INVALID_INPUT, "database", "%s: %s", database,
			     version < 0 ? sqlite3_errmsg(src) : "not a peerplan database");
		sqlite3_close(src);
		return NULL;
	}
	return src;
}

/* Copy src into the (empty) database file tmp in one step and check the
 * copy; 0 or -1 with err set. */
static int backup_copy(sqlite3 *src, const char *tmp, struct pp_error *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	sqlite3_stmt *st = NULL;
	int rc, tries = 0;
	bool ok = false;

	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "cannot open %s: %s", tmp,
			     dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "backup: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	/* BUSY or LOCKED: no snapshot yet (a WAL being recovered); wait. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (++tries * 100 > BACKUP_BUSY_MS)
			break;
		sqlite3_sleep(100);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "backup: %s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	/* The copy is one self-contained file (the daemon that opens it makes
	 * it WAL again); a WAL copy would grow -wal and -shm files beside it
	 * whenever it is read. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	if (!ok)
		pp_error_set(err, PP_ERR_INTERNAL, "", "the copy fails its check: %s",
			     sqlite3_errmsg(dst));
	if (sqlite3_close(dst) != SQLITE_OK && ok) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "cannot close %s", tmp);
		ok = false;
	}
	return ok ? 0 : -1;
}

int store_backup(const char *database, const char *file, struct pp_error *err)
{
	char tmp[4096], dir[4096];
	sqlite3 *src;
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", file) >= (int)sizeof tmp - 8) /* -journal */
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "", "%s: name too long", file);
	src = backup_open_source(database, err);
	if (src == NULL)
		return -1;
	fd = mkstemp(tmp); /* 0600: the copy is as private as the database */
	if (fd < 0) {
		pp_error_set(err, PP_ERR_INVALID_INPUT, "", "cannot create a file beside %s: %s",
			     file, strerror(errno));
		sqlite3_close(src);
		return -1;
	}
	close(fd);
	if (backup_copy(src, tmp, err) < 0) {
		sqlite3_close(src);
		backup_discard(tmp);
		return -1;
	}
	sqlite3_close(src);
	if (backup_sync(tmp, O_RDONLY) < 0 || rename(tmp, file) < 0) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "cannot write %s: %s", file,
			     strerror(errno));
		backup_discard(tmp);
		return -1;
	}
	/* The rename is durable once the directory is synced. */
	snprintf(dir, sizeof dir, "%s", file);
	if (backup_sync(dirname(dir), O_RDONLY | O_DIRECTORY) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "cannot sync the directory of %s: %s",
				    file, strerror(errno));
	return 0;
}
