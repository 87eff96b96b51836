/* SPDX-License-Identifier: MIT */
/*
 * cmd-verify.c: `vfioplan verify`: after the reboot, on the host: is the
 * IOMMU on, is every kernel argument on the running command line, are the
 * huge pages reserved and free, is every assigned function on vfio-pci, is
 * every group viable? One line per check;
 * exit 1 if any fails, with the field guide's advice where it applies.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/root.h"
#include "base/util.h"

#include "cli.h"
#include "json-out.h"

struct verdicts {
    unsigned passed, failed;
    struct json_object *checks; /* NULL: print as text */
};

static void __attribute__((format(printf, 4, 5)))
check(struct verdicts *v, bool ok, const char *advice, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = vp_xvasprintf(fmt, ap);
    va_end(ap);
    if (v->checks) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "ok", json_object_new_boolean(ok));
        json_object_object_add(o, "check", vp_json_string(what, strlen(what), NULL));
        json_object_object_add(o, "hint", !ok && advice ? vp_json_string(advice, strlen(advice), NULL) : NULL);
        json_object_array_add(v->checks, o);
    } else {
        /* a check names the host's drivers: printed as diagnostics are, so a name cannot forge an "ok" line */
        vp_print_safe(stdout, "%s %s\n", ok ? "ok  " : "FAIL", what);
        if (!ok && advice)
            vp_print_safe(stdout, "     hint: %s\n", advice);
    }
    free(what);
    ok ? v->passed++ : v->failed++;
}

static bool
viable_driver(const char *drv)
{
    return !drv || strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "pci-stub") == 0 || strcmp(drv, "pcieport") == 0;
}

/* The huge pages the plan reserves on the kernel command line, as /proc/meminfo counts them (the default size). */
static void
verify_hugepages(const struct vp_plan *p, struct verdicts *v)
{
    const struct vp_plan_memory *pm = &p->memory;
    const struct vp_host_memory *m = &p->host->memory;
    if (!pm->hugepages)
        return;
    const char *size = vp_hugepage_size_name(pm->hugepage_size);
    uint64_t page = vp_hugepage_bytes(pm->hugepage_size);
    bool sized = m->known && m->hugepage_size == page;
    uint64_t total = sized ? m->hugepages_total : 0, free_pages = sized ? m->hugepages_free : 0;
    char advice[300];
    snprintf(advice, sizeof(advice),
             "the kernel reserves them at boot (default_hugepagesz=%s hugepagesz=%s hugepages=%" PRIu64
             "): check /proc/cmdline, reboot, and see 'dmesg | grep -i hugetlb' if the memory was short",
             size, size, pm->n_hugepages);
    if (!m->known)
        check(v, false, "run verify on the host itself, or from a snapshot taken there after the reboot",
              "HugePages_Total: the host's /proc/meminfo is unknown");
    else if (!sized)
        check(v, false, advice,
              "HugePages_Total: the default huge page size is %" PRIu64 " KiB, not %s: the plan's %" PRIu64
              " pages are not reserved",
              m->hugepage_size >> 10, size, pm->n_hugepages);
    else
        check(v, total >= pm->n_hugepages, advice,
              "HugePages_Total is %" PRIu64 " pages of %s (the plan reserves %" PRIu64 ")", total, size,
              pm->n_hugepages);
    if (m->known && sized)
        check(v, free_pages >= pm->n_hugepages,
              "a running VM holds its pages, and then this is expected; otherwise another program maps them (grep "
              "huge /proc/*/numa_maps)",
              "HugePages_Free is %" PRIu64 " (the VMs need %" PRIu64 " when they start)", free_pages, pm->n_hugepages);
}

/* What the kernel offers to reset each assigned function between VM starts, and the ROM files the VM reads. */
static void
verify_devices(const struct vp_plan *p, const struct vp_plan_vm *pvm, struct verdicts *v, const struct vp_root *root)
{
    const struct vp_host *h = p->host;
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_device *dev = &h->devices[pvm->assigned[i].device];
        if (dev->hw.reset_method)
            check(v, true, NULL, "%s can be reset between VM starts (reset_method: %s)", dev->addr_str,
                  dev->hw.reset_method);
        const struct vp_selector *sel = &pvm->spec->devices[pvm->assigned[i].selector];
        if (!sel->has_rom || !sel->rom.file || (sel->has_address && sel->whole_slot && dev->addr.fn != 0))
            continue;
        if (!root) {
            check(v, true, NULL, "ROM file %s of %s is not checked: the host facts are a snapshot", sel->rom.file,
                  dev->addr_str);
            continue;
        }
        struct stat st;
        int fd = vp_root_openat(root, sel->rom.file + 1, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
        if (fd >= 0)
            close(fd);
        check(v, ok,
              "put the card's ROM there (dumped on another host, or from its vendor) and make it readable by libvirt's "
              "QEMU (/usr/share/vgabios is allowed by AppArmor and SELinux policies)",
              "ROM file %s of %s (VM %s) is there", sel->rom.file, dev->addr_str, pvm->spec->name);
    }
}

static void
verify_plan(const struct vp_plan *p, struct verdicts *v, const struct vp_root *root)
{
    const struct vp_host *h = p->host;
    check(v, h->n_groups > 0,
          "turn on VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, and check the kernel command line",
          "the IOMMU is on (%zu IOMMU groups)", h->n_groups);
    char boot_advice[300];
    snprintf(boot_advice, sizeof(boot_advice), "run %s (vfioplan apply does), check with %s, and reboot",
             vp_plan_advice(p, VP_ADVICE_BOOT_UPDATE), vp_plan_advice(p, VP_ADVICE_BOOT_INSPECT));
    for (size_t i = 0; i < p->n_kernel_args; i++)
        check(v, vp_has_word(h->cmdline, p->kernel_args[i].value), boot_advice, "kernel command line has %s",
              p->kernel_args[i].value);
    verify_hugepages(p, v);
    for (size_t vm = 0; vm < p->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &p->vms[vm];
        for (size_t i = 0; i < pvm->n_assigned; i++) {
            const struct vp_device *dev = &h->devices[pvm->assigned[i].device];
            bool ok = dev->driver && strcmp(dev->driver, "vfio-pci") == 0;
            char advice[400];
            snprintf(advice, sizeof(advice),
                     "%s claimed it first: check that vfio-pci is in the initramfs (%s), rebuild it (%s) and reboot",
                     dev->driver ? dev->driver : "no driver", vp_plan_advice(p, VP_ADVICE_INITRAMFS_INSPECT),
                     vp_plan_advice(p, VP_ADVICE_INITRAMFS_REBUILD));
            check(v, ok,
                  dev->driver
                      ? advice
                      : "nothing claimed it: load vfio-pci (modprobe vfio-pci) and check dmesg for vfio-pci errors",
                  "%s (VM %s) is bound to vfio-pci%s%s", dev->addr_str, pvm->spec->name, ok ? "" : ": it is on ",
                  ok ? "" : (dev->driver ? dev->driver : "no driver"));
        }
        /* each group of the VM once */
        for (size_t i = 0; i < pvm->n_assigned; i++) {
            const struct vp_device *dev = &h->devices[pvm->assigned[i].device];
            const struct vp_group *g = dev->iommu_group >= 0 ? vp_host_group(h, dev->iommu_group) : NULL;
            /* report a group once, at its first assigned member */
            bool first = g != NULL;
            for (size_t k = 0; first && k < i; k++)
                first = h->devices[pvm->assigned[k].device].iommu_group != dev->iommu_group;
            if (!first)
                continue;
            const char *bad = NULL;
            for (size_t k = 0; k < g->n_members && !bad; k++)
                if (!viable_driver(h->devices[g->members[k]].driver))
                    bad = h->devices[g->members[k]].addr_str;
            check(v, !bad, "every member of the group must be on vfio-pci (or pci-stub, or a bridge's pcieport)",
                  "IOMMU group %ld is viable%s%s", g->id, bad ? ": " : "", bad ? bad : "");
        }
        verify_devices(p, pvm, v, root);
    }
}

int
vp_cmd_verify(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("verify"), &opt) < 0)
        return VP_EXIT_ERROR;
    struct vp_compile c = {0};
    vp_compile_run(&c, &opt, 0);
    int rc = vp_cli_report(&c, &opt);
    struct verdicts v = {0};
    struct json_object *doc = opt.format == VP_FORMAT_JSON ? vp_json_begin("verify") : NULL;
    if (doc)
        v.checks = json_object_new_array();
    if (rc == VP_EXIT_OK) {
        /* ROM files are checked on the host (a tree given with --host); a snapshot has none to look at */
        struct vp_root root;
        bool tree = !c.host->from_snapshot && vp_root_open(&root, opt.host) == 0;
        verify_plan(c.plan, &v, tree ? &root : NULL);
        if (tree)
            vp_root_close(&root);
        rc = v.failed ? VP_EXIT_CHANGES : VP_EXIT_OK;
        if (!doc)
            printf("verify: %u passed, %u failed\n", v.passed, v.failed);
    }
    if (doc) {
        json_object_object_add(doc, "checks", v.checks);
        json_object_object_add(doc, "passed", json_object_new_int64(v.passed));
        json_object_object_add(doc, "failed", json_object_new_int64(v.failed));
        vp_json_finish(doc, &c.diags, rc);
    }
    vp_compile_free(&c);
    return rc;
}
