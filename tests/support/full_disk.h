/* A full disk for the store's and the API's unit tests, without a mount: a SQLite VFS that
 * passes everything to the system's, except that while the disk is "full" a write that would
 * grow a file fails with SQLITE_FULL, as SQLite's own unix VFS reports a write cut short by
 * ENOSPC. Writes inside a file's present size still go through, as on a real full disk
 * (the space is the file's already). Header-only; full_disk_install() once in main(), before
 * any store is opened: it becomes the default VFS. */
#ifndef CONFIDE_TESTS_FULL_DISK_H
#define CONFIDE_TESTS_FULL_DISK_H
#include <sqlite3.h>
#include <string.h>

static int full_disk_on;
static sqlite3_vfs *full_disk_real;
static sqlite3_vfs full_disk_vfs;

struct full_disk_file {
    sqlite3_file base;  /* pMethods: full_disk_io */
    sqlite3_file *real; /* the system VFS's file, right after this struct */
};

#define FULL_DISK_REAL(f) (((struct full_disk_file *)(f))->real)

static int full_disk_close(sqlite3_file *f)
{
    return FULL_DISK_REAL(f)->pMethods->xClose(FULL_DISK_REAL(f));
}

static int full_disk_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    return FULL_DISK_REAL(f)->pMethods->xRead(FULL_DISK_REAL(f), buf, amt, off);
}

static int full_disk_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    sqlite3_file *real = FULL_DISK_REAL(f);
    sqlite3_int64 size = 0;
    if (full_disk_on && real->pMethods->xFileSize(real, &size) == SQLITE_OK && off + amt > size)
        return SQLITE_FULL;
    return real->pMethods->xWrite(real, buf, amt, off);
}

static int full_disk_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return FULL_DISK_REAL(f)->pMethods->xTruncate(FULL_DISK_REAL(f), size);
}

static int full_disk_sync(sqlite3_file *f, int flags)
{
    return FULL_DISK_REAL(f)->pMethods->xSync(FULL_DISK_REAL(f), flags);
}

static int full_disk_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return FULL_DISK_REAL(f)->pMethods->xFileSize(FULL_DISK_REAL(f), size);
}

static int full_disk_lock(sqlite3_file *f, int level)
{
    return FULL_DISK_REAL(f)->pMethods->xLock(FULL_DISK_REAL(f), level);
}

static int full_disk_unlock(sqlite3_file *f, int level)
{
    return FULL_DISK_REAL(f)->pMethods->xUnlock(FULL_DISK_REAL(f), level);
}

static int full_disk_reserved(sqlite3_file *f, int *out)
{
    return FULL_DISK_REAL(f)->pMethods->xCheckReservedLock(FULL_DISK_REAL(f), out);
}

static int full_disk_control(sqlite3_file *f, int op, void *arg)
{
    return FULL_DISK_REAL(f)->pMethods->xFileControl(FULL_DISK_REAL(f), op, arg);
}

static int full_disk_sector(sqlite3_file *f)
{
    return FULL_DISK_REAL(f)->pMethods->xSectorSize(FULL_DISK_REAL(f));
}

static int full_disk_device(sqlite3_file *f)
{
    return FULL_DISK_REAL(f)->pMethods->xDeviceCharacteristics(FULL_DISK_REAL(f));
}

static int full_disk_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **p)
{
    return FULL_DISK_REAL(f)->pMethods->xShmMap(FULL_DISK_REAL(f), page, size, extend, p);
}

static int full_disk_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return FULL_DISK_REAL(f)->pMethods->xShmLock(FULL_DISK_REAL(f), offset, n, flags);
}

static void full_disk_shm_barrier(sqlite3_file *f)
{
    FULL_DISK_REAL(f)->pMethods->xShmBarrier(FULL_DISK_REAL(f));
}

static int full_disk_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return FULL_DISK_REAL(f)->pMethods->xShmUnmap(FULL_DISK_REAL(f), delete_flag);
}

static int full_disk_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **p)
{
    return FULL_DISK_REAL(f)->pMethods->xFetch(FULL_DISK_REAL(f), off, amt, p);
}

static int full_disk_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return FULL_DISK_REAL(f)->pMethods->xUnfetch(FULL_DISK_REAL(f), off, p);
}

static const sqlite3_io_methods full_disk_io = {
    3,
    full_disk_close,
    full_disk_read,
    full_disk_write,
    full_disk_truncate,
    full_disk_sync,
    full_disk_file_size,
    full_disk_lock,
    full_disk_unlock,
    full_disk_reserved,
    full_disk_control,
    full_disk_sector,
    full_disk_device,
    full_disk_shm_map,
    full_disk_shm_lock,
    full_disk_shm_barrier,
    full_disk_shm_unmap,
    full_disk_fetch,
    full_disk_unfetch,
};

static int full_disk_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                          int *out_flags)
{
    (void)vfs;
    struct full_disk_file *p = (struct full_disk_file *)f;
    p->real = (sqlite3_file *)(p + 1);
    int rc = full_disk_real->xOpen(full_disk_real, name, p->real, flags, out_flags);
    /* every file the system VFS opens uses io methods of version 3 */
    p->base.pMethods = p->real->pMethods ? &full_disk_io : NULL;
    return rc;
}

/* Makes the pass-through VFS the default. Returns 0 or -1. */
static int full_disk_install(void)
{
    full_disk_real = sqlite3_vfs_find(NULL);
    if (!full_disk_real)
        return -1;
    full_disk_vfs = *full_disk_real;
    full_disk_vfs.zName = "confide-full-disk";
    full_disk_vfs.szOsFile = (int)sizeof(struct full_disk_file) + full_disk_real->szOsFile;
    full_disk_vfs.xOpen = full_disk_open;
    full_disk_vfs.pNext = NULL;
    return sqlite3_vfs_register(&full_disk_vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* From now on no file grows. */
static void full_disk_begin(void)
{
    full_disk_on = 1;
}

/* Space returns. */
static void full_disk_end(void)
{
    full_disk_on = 0;
}

#endif
