/* SPDX-License-Identifier: MIT */
/*
 * host-tree-check.c: a host tree is checked before libpci reads it. libpci
 * opens ROOT/sys/bus/pci/devices/ADDR/ATTR by path, blocking, following
 * every link: a device link to /sys/devices/... (absolute, or relative and
 * climbing out with "..") would make it read the machine vfioplan runs on,
 * and a FIFO as an attribute file would hang it. So, before libpci starts,
 * the lookups libpci will make must stay inside ROOT (openat2
 * RESOLVE_BENEATH: the kernel's own lookup, refused where it would leave),
 * and every entry of a device's directory must be a regular file, a
 * directory or a link (and the links libpci opens lead to regular files
 * inside ROOT). pci.ids, which libpci reads whole, must be a regular file
 * inside ROOT of a bounded size.
 *
 * Where openat2 is missing, a lookup as libpci makes it and a ROOT-confined
 * one (base/root.c's walk) must reach the same inode instead.
 *
 * What this cannot stop: a tree changed by someone else while vfioplan
 * reads it. The live /sys is not checked: a lookup in "/" cannot leave it,
 * and sysfs holds no FIFO.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"
#include "host-internal.h"

/* The real pci.ids is about 1.3 MiB; libpci reads the file whole into its hash table. */
enum { MAX_PCI_IDS = 16 * 1024 * 1024 };

/* Files of a device libpci opens for the fields vfioplan asks for, or vfioplan reads itself. */
static const char *const read_attrs[] = {
    "vendor", "device",   "class", "revision", "subsystem_vendor", "subsystem_device", "numa_node",
    "config", "resource", "irq",   "label",    "boot_vga",         "modalias",
};

static const char *
kind_of(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISDIR(m)  ? "a directory"
                         : "not a regular file";
}

static int __attribute__((format(printf, 3, 4))) refuse(struct vp_diags *d, const char *source, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vp_xvasprintf(fmt, ap);
    va_end(ap);
    vp_error(d, VP_HOST_TREE_UNSAFE, &(struct vp_pos){.file = source}, "%s", msg);
    free(msg);
    vp_hint(d, "a host tree is read as if it were '/': its links must stay inside it and the files read must be "
               "regular files; capture it again, or run 'vfioplan snapshot' on the host");
    return -1;
}

/*
 * Opens rel (under ROOT; name in plain_dirfd is the same entry) as libpci's
 * lookup would, if that lookup stays inside ROOT. 0 with *out set; 1 if it
 * cannot be opened at all (libpci reports that, where it needs the file);
 * -1 (reported) if the lookup leaves ROOT.
 */
static int
open_inside(const struct vp_root *root, int plain_dirfd, const char *name, const char *rel, int flags, int *out,
            const char *source, struct vp_diags *d)
{
    int fd = vp_root_open_beneath(root, rel, flags);
    if (fd < 0 && errno == ENOSYS) {
        fd = openat(plain_dirfd, name, flags | O_CLOEXEC);
        int confined = fd >= 0 ? vp_root_openat(root, rel, O_PATH | (flags & O_DIRECTORY)) : -1;
        struct stat a, b;
        if (fd >= 0 && !(confined >= 0 && fstat(fd, &a) == 0 && fstat(confined, &b) == 0 && a.st_dev == b.st_dev &&
                         a.st_ino == b.st_ino)) {
            close(fd);
            fd = -1;
            errno = EXDEV;
        }
        if (confined >= 0)
            close(confined);
    }
    if (fd >= 0) {
        *out = fd;
        return 0;
    }
    if (errno != EXDEV)
        return 1;
    char target[PATH_MAX];
    ssize_t n = readlinkat(plain_dirfd, name, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    return refuse(d, source, "%s%s%s leads outside the host tree (%s)", rel, n > 0 ? " -> " : "", target,
                  n > 0 ? "links are resolved as if the tree were '/': absolute ones and '..' above it would leave it"
                        : "a link on the way leaves it");
}

/* getdents64's record; glibc has a wrapper only since 2.30. */
struct dirent64_rec {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* A link of a device's directory that libpci opens: it must lead to a regular file inside ROOT. */
static int
check_attr_link(const struct vp_root *root, int devfd, const char *rel, const char *name, const char *source,
                struct vp_diags *d)
{
    bool read = false;
    for (size_t i = 0; i < VP_ARRAY_SIZE(read_attrs) && !read; i++)
        read = strcmp(name, read_attrs[i]) == 0;
    if (!read)
        return 0; /* driver, subsystem, iommu_group...: read as links, never opened */
    char attr[PATH_MAX];
    snprintf(attr, sizeof(attr), "%s/%s", rel, name);
    int fd;
    int r = open_inside(root, devfd, name, attr, O_PATH, &fd, source, d);
    if (r != 0)
        return r < 0 ? -1 : 0;
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
        rc = refuse(d, source, "%s leads to %s, not a regular file", attr, kind_of(st.st_mode));
    close(fd);
    return rc;
}

/* Every entry of a device's directory: regular files, directories and links only. */
static int
check_device(const struct vp_root *root, int devices_fd, const char *name, const char *source, struct vp_diags *d)
{
    char rel[NAME_MAX + 64];
    snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", name);
    int fd;
    int r = open_inside(root, devices_fd, name, rel, O_RDONLY | O_DIRECTORY, &fd, source, d);
    if (r != 0)
        return r < 0 ? -1 : 0;
    /* one getdents64 call reads a whole sysfs-sized directory; d_type saves a stat per entry */
    union {
        char bytes[32768];
        uint64_t align;
    } buf;
    int rc = 0;
    long n;
    while (rc == 0 && (n = syscall(SYS_getdents64, fd, buf.bytes, sizeof(buf.bytes))) > 0) {
        for (long off = 0; rc == 0 && off < n;) {
            const struct dirent64_rec *e = (const struct dirent64_rec *)(buf.bytes + off);
            off += e->reclen;
            unsigned char type = e->type;
            struct stat st;
            if (type == DT_UNKNOWN) /* file systems that do not fill d_type */
                type = fstatat(fd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? DT_REG
                       : S_ISREG(st.st_mode)                              ? DT_REG
                       : S_ISDIR(st.st_mode)                              ? DT_DIR
                       : S_ISLNK(st.st_mode)                              ? DT_LNK
                                                                          : DT_FIFO;
            if (type == DT_LNK)
                rc = check_attr_link(root, fd, rel, e->name, source, d);
            else if (type != DT_REG && type != DT_DIR)
                rc = refuse(d, source, "%s/%s is %s, not a regular file", rel, e->name,
                            fstatat(fd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? kind_of(st.st_mode)
                                                                                : "not a regular file");
        }
    }
    close(fd);
    return rc;
}

static int
check_pci_ids(const struct vp_root *root, const char *source, struct vp_diags *d)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/usr/share/misc", root->path);
    int misc = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (misc < 0)
        return 0;
    int fd;
    int r = open_inside(root, misc, "pci.ids", "usr/share/misc/pci.ids", O_PATH, &fd, source, d);
    close(misc);
    if (r != 0)
        return r < 0 ? -1 : 0;
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = 0; /* libpci reports it */
    else if (!S_ISREG(st.st_mode))
        rc = refuse(d, source, "usr/share/misc/pci.ids is %s, not a regular file", kind_of(st.st_mode));
    else if (st.st_size > MAX_PCI_IDS)
        rc = refuse(d, source,
                    "usr/share/misc/pci.ids is %lld bytes; the limit is %d MiB (the real one is about 1.3 MiB)",
                    (long long)st.st_size, MAX_PCI_IDS / (1024 * 1024));
    close(fd);
    return rc;
}

int
vp_host_tree_check(const struct vp_root *root, const char *sysfs_path, const char *source, struct vp_diags *d)
{
    if (root->live)
        return 0;
    /* sysfs_path is ROOT/sys/bus/pci, as libpci gets it */
    int bus = open(sysfs_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (bus < 0)
        return 0; /* the caller has checked that the devices directory exists, confined */
    int devices;
    int r = open_inside(root, bus, "devices", "sys/bus/pci/devices", O_RDONLY | O_DIRECTORY, &devices, source, d);
    close(bus);
    if (r != 0)
        return r < 0 ? -1 : 0;
    DIR *dir = fdopendir(devices);
    if (!dir) {
        close(devices);
        return 0;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)))
        if (e->d_name[0] != '.') /* libpci skips these too */
            rc = check_device(root, dirfd(dir), e->d_name, source, d);
    closedir(dir);
    return rc == 0 ? check_pci_ids(root, source, d) : rc;
}
