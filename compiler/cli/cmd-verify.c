/* SPDX-License-Identifier: MIT */
/*
 * cmd-verify.c: `vfioplan verify`: after the reboot, on the host: is the
 * IOMMU on, is every kernel argument on the running command line, is every
 * assigned function on vfio-pci, is every group viable? One line per check;
 * exit 1 if any fails, with the field guide's advice where it applies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"

#include "apply/pending.h"
#include "apply/reboot.h"
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
    check(v, vp_has_word(p->host->cmdline, p->boot_token), advice,
          "this boot runs the configuration applied (kernel command line has %s)", p->boot_token);
}

static void
verify_plan(const struct vp_plan *p, struct verdicts *v)
{
    const struct vp_host *h = p->host;
    check(v, h->n_groups > 0,
          "turn on VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, and check the kernel command line",
          "the IOMMU is on (%zu IOMMU groups)", h->n_groups);
    const char *boot_advice = p->bootloader == VP_BOOTLOADER_GRUB
                                  ? "run update-grub (vfioplan apply does) and reboot"
                                  : "run the bootloader action of 'vfioplan plan' and reboot";
    for (size_t i = 0; i < p->n_kernel_args; i++)
        if (p->kernel_args[i].value != p->boot_token)
            check(v, vp_has_word(h->cmdline, p->kernel_args[i].value), boot_advice, "kernel command line has %s",
                  p->kernel_args[i].value);
    if (p->boot_token)
        verify_boot_token(p, v, boot_advice);
    for (size_t vm = 0; vm < p->n_vms; vm++) {
        const struct vp_plan_vm *pvm = &p->vms[vm];
        for (size_t i = 0; i < pvm->n_assigned; i++) {
            const struct vp_device *dev = &h->devices[pvm->assigned[i].device];
            bool ok = dev->driver && strcmp(dev->driver, "vfio-pci") == 0;
            char advice[300];
            snprintf(
                advice, sizeof(advice),
                "%s claimed it first: check that vfio-pci is in the initramfs (lsinitramfs /boot/initrd.img-$(uname -r) | grep vfio), rebuild it (update-initramfs -u -k all) and reboot",
                dev->driver ? dev->driver : "no driver");
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
              "no action is pending%s", list.data ? list.data : "");
        vp_strbuf_free(&list);
    }
    vp_artifact_set_free(&pending);
    check(v, !vp_reboot_pending(root),
          "the running boot predates the configuration applied: reboot (the reboot clears run/reboot-required)",
          "no reboot is pending (run/reboot-required.pkgs does not name vfioplan)");
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
        verify_plan(c.plan, &v);
        verify_root(opt.root, &v, &c.diags);
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
