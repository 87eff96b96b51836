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
#include <sys/stat.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/root.h"
#include "base/strbuf.h"
#include "base/util.h"

#include "apply/pending.h"
#include "apply/reboot.h"
#include "cli.h"
#include "json-out.h"

struct verdicts {
    unsigned passed, failed;
    struct json_object *checks; /* NULL: print as text */
    char *first_failed;         /* what the first failed check checked */
};

/*
 * One check. id names it for a bot, stable across versions and runs: its kind, then what it is about
 * ("iommu", "kernel-argument:intel_iommu=on", "driver:0000:01:00.0", "group:12").
 */
static void __attribute__((format(printf, 5, 6)))
check(struct verdicts *v, bool ok, const char *advice, const char *id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = vp_xvasprintf(fmt, ap);
    va_end(ap);
    if (v->checks) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(id));
        json_object_object_add(o, "status", json_object_new_string(ok ? "pass" : "fail"));
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
    if (!ok && !v->first_failed)
        v->first_failed = what;
    else
        free(what);
    ok ? v->passed++ : v->failed++;
}

static bool
viable_driver(const char *drv)
{
    return !drv || strcmp(drv, "vfio-pci") == 0 || strcmp(drv, "pci-stub") == 0 || strcmp(drv, "pcieport") == 0;
}

/* The running boot's own token, "vfioplan.gen=X" (a word of /proc/cmdline), into buf; "" if it has none. */
static void
running_token(const char *cmdline, char *buf, size_t size)
{
    buf[0] = '\0';
    for (const char *w = cmdline ? strstr(cmdline, VP_BOOT_TOKEN_PREFIX) : NULL; w;
         w = strstr(w + 1, VP_BOOT_TOKEN_PREFIX)) {
        if (w != cmdline && w[-1] != ' ')
            continue;
        size_t n = strcspn(w, " \n");
        snprintf(buf, size, "%.*s", (int)n, w);
        return;
    }
}

/* The binding acts only on a boot whose command line carries the plan's token: a boot without it predates the
 * applied configuration (or is the fallback of vfioplan try). */
static void
verify_boot_token(const struct vp_plan *p, struct verdicts *v, const char *boot_advice)
{
    char running[64];
    running_token(p->host->cmdline, running, sizeof(running));
    char advice[512];
    if (running[0])
        snprintf(advice, sizeof(advice),
                 "this boot carries %s, an earlier configuration's: it predates the configuration applied; %s", running,
                 boot_advice);
    else
        snprintf(advice, sizeof(advice),
                 "this boot carries no vfioplan.gen= token: it predates the configuration applied; %s", boot_advice);
    check(v, vp_has_word(p->host->cmdline, p->boot_token), advice, "boot-token",
          "this boot runs the configuration applied (kernel command line has %s)", p->boot_token);
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
              "hugepages-total", "HugePages_Total: the host's /proc/meminfo is unknown");
    else if (!sized)
        check(v, false, advice, "hugepages-total",
              "HugePages_Total: the default huge page size is %" PRIu64 " KiB, not %s: the plan's %" PRIu64
              " pages are not reserved",
              m->hugepage_size >> 10, size, pm->n_hugepages);
    else
        check(v, total >= pm->n_hugepages, advice, "hugepages-total",
              "HugePages_Total is %" PRIu64 " pages of %s (the plan reserves %" PRIu64 ")", total, size,
              pm->n_hugepages);
    if (m->known && sized)
        check(v, free_pages >= pm->n_hugepages,
              "a running VM holds its pages, and then this is expected; otherwise another program maps them (grep "
              "huge /proc/*/numa_maps)",
              "hugepages-free", "HugePages_Free is %" PRIu64 " (the VMs need %" PRIu64 " when they start)", free_pages,
              pm->n_hugepages);
}

/* What the kernel offers to reset each assigned function between VM starts, and the ROM files the VM reads. */
static void
verify_devices(const struct vp_plan *p, const struct vp_plan_vm *pvm, struct verdicts *v, const struct vp_root *root)
{
    const struct vp_host *h = p->host;
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_device *dev = &h->devices[pvm->assigned[i].device];
        char id[64];
        snprintf(id, sizeof(id), "reset-method:%s", dev->addr_str);
        if (dev->hw.reset_method)
            check(v, true, NULL, id, "%s can be reset between VM starts (reset_method: %s)", dev->addr_str,
                  dev->hw.reset_method);
        const struct vp_selector *sel = &pvm->spec->devices[pvm->assigned[i].selector];
        if (!sel->has_rom || !sel->rom.file || (sel->has_address && sel->whole_slot && dev->addr.fn != 0))
            continue;
        snprintf(id, sizeof(id), "rom-file:%s", dev->addr_str);
        if (!root) {
            check(v, true, NULL, id, "ROM file %s of %s is not checked: the host facts are a snapshot", sel->rom.file,
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
              id, "ROM file %s of %s (VM %s) is there", sel->rom.file, dev->addr_str, pvm->spec->name);
    }
}

static void
verify_plan(const struct vp_plan *p, struct verdicts *v, const struct vp_root *root)
{
    const struct vp_host *h = p->host;
    check(v, h->n_groups > 0,
          "turn on VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, and check the kernel command line",
          "iommu", "the IOMMU is on (%zu IOMMU groups)", h->n_groups);
    char boot_advice[300];
    snprintf(boot_advice, sizeof(boot_advice), "run %s (vfioplan apply does), check with %s, and reboot",
             vp_plan_advice(p, VP_ADVICE_BOOT_UPDATE), vp_plan_advice(p, VP_ADVICE_BOOT_INSPECT));
    for (size_t i = 0; i < p->n_kernel_args; i++) {
        if (p->kernel_args[i].value == p->boot_token)
            continue; /* its own check, with its own advice */
        char id[300];
        snprintf(id, sizeof(id), "kernel-argument:%s", p->kernel_args[i].value);
        check(v, vp_has_word(h->cmdline, p->kernel_args[i].value), boot_advice, id, "kernel command line has %s",
              p->kernel_args[i].value);
    }
    if (p->boot_token)
        verify_boot_token(p, v, boot_advice);
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
            char id[64];
            snprintf(id, sizeof(id), "driver:%s", dev->addr_str);
            check(v, ok,
                  dev->driver
                      ? advice
                      : "nothing claimed it: load vfio-pci (modprobe vfio-pci) and check dmesg for vfio-pci errors",
                  id, "%s (VM %s) is bound to vfio-pci%s%s", dev->addr_str, pvm->spec->name, ok ? "" : ": it is on ",
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
            char id[64];
            snprintf(id, sizeof(id), "group:%ld", g->id);
            check(v, !bad, "every member of the group must be on vfio-pci (or pci-stub, or a bridge's pcieport)", id,
                  "IOMMU group %ld is viable%s%s", g->id, bad ? ": " : "", bad ? bad : "");
        }
        verify_devices(p, pvm, v, root);
    }
}

/* Under the root apply wrote to: no action left pending, no reboot asked for and not done. */
static void
verify_root(const char *root, struct verdicts *v, struct vp_diags *d)
{
    struct vp_artifact_set pending = {0};
    if (vp_pending_read(root, &pending, d) == 0) {
        struct vp_strbuf list = {0};
        for (size_t i = 0; i < pending.n_actions; i++)
            vp_strbuf_printf(&list, "%s'%s'", i ? ", " : ": ", pending.actions[i].command);
        check(v, pending.n_actions == 0,
              "an earlier apply did not see them succeed: fix what made them fail and run 'vfioplan apply', which "
              "runs them first, then reboot",
              "pending-actions", "no action is pending%s", list.data ? list.data : "");
        vp_strbuf_free(&list);
    }
    vp_artifact_set_free(&pending);
    check(v, !vp_reboot_pending(root),
          "the running boot predates the configuration applied: reboot (the reboot clears run/reboot-required)",
          "reboot-required", "no reboot is pending (run/reboot-required.pkgs does not name vfioplan)");
}

unsigned
vp_cli_verify_host(const struct vp_plan *p, const char *host, bool quiet, char **first_failed)
{
    struct verdicts v = {.checks = quiet ? json_object_new_array() : NULL};
    struct vp_root root;
    bool tree = vp_root_open(&root, host) == 0;
    verify_plan(p, &v, tree ? &root : NULL);
    if (tree)
        vp_root_close(&root);
    json_object_put(v.checks);
    *first_failed = v.first_failed;
    return v.failed;
}

int
vp_cmd_verify(int argc, char **argv)
{
    struct vp_options opt;
    const struct vp_command *cmd = vp_cli_command("verify");
    if (vp_cli_parse(argc, argv, cmd, &opt) < 0)
        return VP_EXIT_ERROR;
    /* the host as it runs now: a snapshot holds facts from before the reboot, which verify is about */
    struct stat st;
    if (stat(opt.host, &st) == 0 && !S_ISDIR(st.st_mode))
        return vp_cli_usage_error(cmd,
                                  "--host takes a host's root directory here (the default is /), not the file "
                                  "'%s': a snapshot holds facts from before the reboot, not the host as it runs now",
                                  opt.host);
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
        verify_root(opt.root, &v, &c.diags);
        rc = v.failed ? VP_EXIT_CHANGES : VP_EXIT_OK;
        if (!doc)
            printf("verify: %u passed, %u failed\n", v.passed, v.failed);
    }
    if (doc) {
        json_object_object_add(doc, "checks", v.checks);
        /* "passed": the verdict a bot keys on (false when any check failed, or none could run); the counts aside.
         * "ok" (every document has it) only says that no error stopped the command. */
        json_object_object_add(doc, "passed", json_object_new_boolean(rc == VP_EXIT_OK && v.failed == 0));
        struct json_object *summary = json_object_new_object();
        json_object_object_add(summary, "passed", json_object_new_int64(v.passed));
        json_object_object_add(summary, "failed", json_object_new_int64(v.failed));
        json_object_object_add(doc, "summary", summary);
        vp_json_finish(doc, &c.diags, rc);
    }
    free(v.first_failed);
    vp_compile_free(&c);
    return rc;
}
