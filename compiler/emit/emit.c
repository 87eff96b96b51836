/* SPDX-License-Identifier: MIT */
/* emit.c: the table of emitters and the artifact set they fill. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "emit-internal.h"
#include "base/validators.h"
#include "host/config-syntax.h"

static bool
uses_grub(const struct vp_plan *p)
{
    return p->bootloader == VP_BOOTLOADER_GRUB && p->boot.grub_dropins;
}

static bool
uses_grub_default(const struct vp_plan *p)
{
    return p->bootloader == VP_BOOTLOADER_GRUB && !p->boot.grub_dropins;
}

static bool
uses_rpm_ostree(const struct vp_plan *p)
{
    return p->bootloader == VP_BOOTLOADER_RPM_OSTREE;
}

static bool
uses_proxmox(const struct vp_plan *p)
{
    return p->bootloader == VP_BOOTLOADER_PROXMOX;
}

static bool
uses_kernelstub(const struct vp_plan *p)
{
    return p->bootloader == VP_BOOTLOADER_KERNELSTUB;
}

static bool
uses_sriov(const struct vp_plan *p)
{
    return p->spec->host.n_sriov > 0;
}

static bool
uses_grubby(const struct vp_plan *p)
{
    return p->bootloader == VP_BOOTLOADER_GRUBBY;
}

static bool
uses_systemd_boot(const struct vp_plan *p)
{
    return p->bootloader == VP_BOOTLOADER_SYSTEMD_BOOT;
}

static bool
uses_initramfs_tools(const struct vp_plan *p)
{
    return p->initramfs == VP_INITRAMFS_TOOLS;
}

static bool
uses_dracut(const struct vp_plan *p)
{
    return p->initramfs == VP_INITRAMFS_DRACUT;
}

static bool
uses_mkinitcpio(const struct vp_plan *p)
{
    return p->initramfs == VP_INITRAMFS_MKINITCPIO;
}

static bool
always(const struct vp_plan *p)
{
    (void)p;
    return true;
}

static bool
migrates(const struct vp_plan *p)
{
    return p->n_migrations > 0;
}

bool
vp_plan_binds_by_address(const struct vp_plan *p)
{
    return p->n_bind_addresses > 0;
}

/*
 * Each row names the paths it owns: vp_artifact_path_known() is the union of
 * them, so a path is removable from an old manifest only if a row could have
 * written it. Actions run in the order of their stage, whatever the row; the
 * order of rows matters for the manifest, last, which lists what the rows
 * before it wrote.
 */
/* every row of a tool that only adds keeps the record */
#define KERNEL_ARGS_RECORD                                                                                             \
    "the kernel arguments vfioplan added (grubby, systemd-boot, rpm-ostree, Proxmox, kernelstub), so that apply removes those and only those"
#define SDBOOT_SCRIPT_DOC                                                                                              \
    "adds the kernel arguments to the systemd-boot entries and /etc/kernel/cmdline, or removes them"

static const struct vp_emitter emitters[] = {
    {"modprobe",
     always,
     vp_emit_modprobe,
     {{VP_PATH_MODPROBE, NULL, "vfio-pci options (ids), softdeps, and the install hook when binding by address"}}},
    {"bind-script",
     vp_plan_has_binding,
     vp_emit_bind_script,
     {{VP_PATH_BIND_SCRIPT, NULL,
       "gives vfio-pci its ids and functions by address (driver_override), on a boot with the boot token"}},
     {"usr/local/libexec/vfioplan-bind"}},
    {"initramfs-tools",
     uses_initramfs_tools,
     vp_emit_initramfs_tools,
     {{VP_PATH_ITOOLS_HOOK, NULL, "puts vfio-pci (and the bind script) into the initramfs-tools initramfs"},
      {VP_PATH_ITOOLS_INIT_TOP, NULL, "runs the bind script in the initramfs, before udev"}}},
    {"dracut",
     uses_dracut,
     vp_emit_dracut,
     {{VP_PATH_DRACUT, NULL, "the vfio modules (and the bind script) for dracut"}}},
    {"mkinitcpio",
     uses_mkinitcpio,
     vp_emit_mkinitcpio,
     {{VP_PATH_MKINITCPIO, NULL, "the vfio modules (and the bind script) for mkinitcpio"}}},
    {"grub",
     uses_grub,
     vp_emit_grub,
     {{VP_PATH_GRUB_DROPIN, NULL, "the kernel arguments, for GRUB (update-grub)"},
      {VP_PATH_GRUB_TRY, NULL,
       "the boot entry of 'vfioplan try', booted once (grub-reboot); there only while a try is under way"}}},
    {"grub-default",
     uses_grub_default,
     vp_emit_grub_default,
     {{VP_PATH_GRUB_DEFAULT, NULL,
       "the admin's; vfioplan keeps the kernel arguments in a marked block at its end, for an upstream grub-mkconfig that reads no grub.d",
       .edit = true}}},
    {"grubby", uses_grubby, vp_emit_grubby, {{VP_PATH_KERNEL_ARGS, NULL, KERNEL_ARGS_RECORD}}},
    {"systemd-boot",
     uses_systemd_boot,
     vp_emit_systemd_boot,
     {{VP_PATH_KERNEL_ARGS, NULL, KERNEL_ARGS_RECORD}, {VP_PATH_SDBOOT_SCRIPT, NULL, SDBOOT_SCRIPT_DOC}},
     {"usr/local/libexec/vfioplan-sdboot"}},
    {"rpm-ostree", uses_rpm_ostree, vp_emit_rpm_ostree, {{VP_PATH_KERNEL_ARGS, NULL, KERNEL_ARGS_RECORD}}},
    {"proxmox",
     uses_proxmox,
     vp_emit_proxmox,
     {{VP_PATH_KERNEL_ARGS, NULL, KERNEL_ARGS_RECORD},
      {VP_PATH_SDBOOT_SCRIPT, NULL, SDBOOT_SCRIPT_DOC},
      {VP_PATH_GRUB_DROPIN, NULL, "the kernel arguments, for GRUB (update-grub)"}}},
    {"kernelstub", uses_kernelstub, vp_emit_kernelstub, {{VP_PATH_KERNEL_ARGS, NULL, KERNEL_ARGS_RECORD}}},
    {"sriov",
     uses_sriov,
     vp_emit_sriov,
     {{VP_PATH_SRIOV_RULES, NULL, "creates the VFs of host.sriov at boot, when the PF's driver binds"},
      {VP_PATH_SRIOV_SCRIPT, NULL, "gives the assigned VFs to vfio-pci, then lets the others probe"}}},
    {"libvirt", always, vp_emit_libvirt, {{VP_DIR_VMS "/", ".xml", "one libvirt domain per VM (virsh define)"}}},
    {"guest-script",
     always,
     vp_emit_guest_scripts,
     {{VP_DIR_GUEST "/", "-setup.sh",
       "one guest setup script per VM with a guest: the NVIDIA driver, CUDA, Fabric Manager"}}},
    /* after the initramfs and GRUB rows: its edits add their paths to those rows' actions */
    {"migrate", migrates, vp_emit_migrate, {{0}}, {0}, .edits_foreign = true},
    {"manifest",
     always,
     vp_emit_manifest,
     {{VP_PATH_MANIFEST, NULL,
       "the files vfioplan wrote, so that it removes those it no longer generates and touches nothing else"}}},
};

const struct vp_emitter *
vp_emitters(size_t *n)
{
    *n = VP_ARRAY_SIZE(emitters);
    return emitters;
}

static int
artifact_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vp_artifact *)a)->path, ((const struct vp_artifact *)b)->path);
}

static int
edit_cmp(const void *a, const void *b)
{
    return strcmp(((const struct vp_foreign_edit *)a)->path, ((const struct vp_foreign_edit *)b)->path);
}

static int
action_cmp(const void *a, const void *b)
{
    const struct vp_action *x = a, *y = b;
    if (x->stage != y->stage)
        return x->stage < y->stage ? -1 : 1;
    return strcmp(x->command, y->command);
}

void
vp_action_copy(struct vp_artifact_set *set, const struct vp_action *a)
{
    const char **triggers = vp_xcalloc(a->n_triggers + 1, sizeof(*triggers));
    for (size_t n = 0; n < a->n_triggers; n++)
        triggers[n] = a->triggers[n];
    vp_action_add(set, a->stage, a->why, (const char *const *)a->argv, triggers);
    free(triggers);
}

int
vp_plan_emit(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
             struct vp_diags *d)
{
    int rc = 0;
    for (size_t i = 0; i < VP_ARRAY_SIZE(emitters); i++) {
        const struct vp_emitter *e = &emitters[i];
        /* before the manifest: a file vfioplan edited whose block no row set this time gets it taken out */
        if (i + 1 == VP_ARRAY_SIZE(emitters) && vp_emit_edits_cleanup(previous, set, d) < 0)
            rc = -1;
        size_t first = set->n, first_edit = set->n_edits;
        if (e->applies(plan) && e->emit(plan, previous, set, d) < 0)
            rc = -1;
        /* A row writes only what it owns, and edits only the files of a manual setup, if it may:
         * otherwise a later apply could not remove the file, or vfioplan would touch what is not its
         * business (tests/unit/test-emit.c). */
        for (size_t k = first; k < set->n; k++)
            assert(vp_emitter_owns(e, set->items[k].path));
        for (size_t k = first_edit; k < set->n_edits; k++)
            assert(e->edits_foreign && vp_config_file_editable(set->edits[k].path));
    }
    /* an action waits only on paths some row owns, puts its block in, or edits */
    for (size_t k = 0; k < set->n_actions; k++)
        for (size_t t = 0; t < set->actions[k].n_triggers; t++)
            assert(vp_artifact_path_known(set->actions[k].triggers[t]) ||
                   vp_artifact_path_editable(set->actions[k].triggers[t]) ||
                   vp_foreign_edit_find(set, set->actions[k].triggers[t]));
    vp_sort(set->items, set->n, sizeof(*set->items), artifact_cmp);
    vp_sort(set->edits, set->n_edits, sizeof(*set->edits), edit_cmp);
    vp_sort(set->actions, set->n_actions, sizeof(*set->actions), action_cmp);
    return rc;
}

void
vp_artifact_add(struct vp_artifact_set *set, const char *path, unsigned mode, char *data, size_t len)
{
    void *items = set->items;
    vp_xgrow(&items, &set->cap, set->n + 1, sizeof(*set->items));
    set->items = items;
    set->items[set->n++] = (struct vp_artifact){vp_xstrdup(path), mode, data, len};
}

void
vp_artifact_add_buf(struct vp_artifact_set *set, const char *path, unsigned mode, struct vp_strbuf *sb)
{
    size_t len;
    char *data = vp_strbuf_steal(sb, &len);
    vp_artifact_add(set, path, mode, data, len);
}

/* Adds the triggers a lacks. */
static void
action_add_triggers(struct vp_action *a, const char *const *triggers)
{
    for (size_t i = 0; triggers[i]; i++) {
        bool have = false;
        for (size_t k = 0; k < a->n_triggers && !have; k++)
            have = strcmp(a->triggers[k], triggers[i]) == 0;
        if (have)
            continue;
        a->triggers = vp_xrealloc(a->triggers, (a->n_triggers + 2) * sizeof(*a->triggers));
        a->triggers[a->n_triggers++] = vp_xstrdup(triggers[i]);
        a->triggers[a->n_triggers] = NULL;
    }
}

void
vp_action_add(struct vp_artifact_set *set, enum vp_action_stage stage, const char *why, const char *const *argv,
              const char *const *triggers)
{
    for (size_t i = 0; i < set->n_actions; i++) {
        struct vp_action *a = &set->actions[i];
        bool same = a->stage == stage;
        size_t k = 0;
        for (; same && argv[k] && a->argv[k]; k++)
            same = strcmp(argv[k], a->argv[k]) == 0;
        if (same && !argv[k] && !a->argv[k]) { /* one command, run once, for every path that needs it */
            action_add_triggers(a, triggers);
            return;
        }
    }
    void *items = set->actions;
    vp_xgrow(&items, &set->cap_actions, set->n_actions + 1, sizeof(*set->actions));
    set->actions = items;
    struct vp_action *a = &set->actions[set->n_actions++];
    memset(a, 0, sizeof(*a));
    a->stage = stage;
    a->why = vp_xstrdup(why);
    size_t n = 0;
    while (argv[n])
        n++;
    a->argv = vp_xcalloc(n + 1, sizeof(*a->argv));
    struct vp_strbuf cmd = {0};
    for (size_t i = 0; i < n; i++) {
        a->argv[i] = vp_xstrdup(argv[i]);
        /* Shown as a shell would need it: --args="a b" for a word with spaces. */
        const char *eq = strchr(argv[i], '=');
        if (!strchr(argv[i], ' '))
            vp_strbuf_printf(&cmd, "%s%s", i ? " " : "", argv[i]);
        else if (eq && argv[i][0] == '-')
            vp_strbuf_printf(&cmd, "%s%.*s\"%s\"", i ? " " : "", (int)(eq - argv[i] + 1), argv[i], eq + 1);
        else
            vp_strbuf_printf(&cmd, "%s'%s'", i ? " " : "", argv[i]);
    }
    a->command = vp_strbuf_steal(&cmd, NULL);
    while (triggers[a->n_triggers])
        a->n_triggers++;
    a->triggers = vp_xcalloc(a->n_triggers + 1, sizeof(*a->triggers));
    for (size_t i = 0; i < a->n_triggers; i++)
        a->triggers[i] = vp_xstrdup(triggers[i]);
}

void
vp_artifact_set_free(struct vp_artifact_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i].path);
        free(set->items[i].data);
    }
    free(set->items);
    for (size_t i = 0; i < set->n_actions; i++) {
        struct vp_action *a = &set->actions[i];
        free(a->command);
        free(a->why);
        for (size_t k = 0; a->argv[k]; k++)
            free(a->argv[k]);
        free(a->argv);
        for (size_t k = 0; k < a->n_triggers; k++)
            free(a->triggers[k]);
        free(a->triggers);
    }
    free(set->actions);
    for (size_t i = 0; i < set->n_edits; i++) {
        struct vp_foreign_edit *e = &set->edits[i];
        for (size_t k = 0; k < e->n_ops; k++) {
            free(e->ops[k].text);
            free(e->ops[k].code);
            free(e->ops[k].replacement);
        }
        free(e->ops);
        free(e->path);
    }
    free(set->edits);
    memset(set, 0, sizeof(*set));
}

struct vp_foreign_edit *
vp_foreign_edit_add(struct vp_artifact_set *set, const char *path)
{
    const struct vp_foreign_edit *found = vp_foreign_edit_find(set, path);
    if (found) /* the set's own: found among set->edits */
        return &set->edits[found - set->edits];
    void *items = set->edits;
    vp_xgrow(&items, &set->cap_edits, set->n_edits + 1, sizeof(*set->edits));
    set->edits = items;
    struct vp_foreign_edit *e = &set->edits[set->n_edits++];
    memset(e, 0, sizeof(*e));
    e->path = vp_xstrdup(path);
    return e;
}

void
vp_foreign_edit_op(struct vp_foreign_edit *edit, enum vp_edit_kind kind, const char *text, unsigned line,
                   const char *code, const char *replacement)
{
    void *items = edit->ops;
    vp_xgrow(&items, &edit->cap_ops, edit->n_ops + 1, sizeof(*edit->ops));
    edit->ops = items;
    edit->ops[edit->n_ops++] = (struct vp_edit_op){kind, vp_xstrdup(text), line, vp_xstrdup(code),
                                                   replacement ? vp_xstrdup(replacement) : NULL};
}

const struct vp_foreign_edit *
vp_foreign_edit_find(const struct vp_artifact_set *set, const char *path)
{
    for (size_t i = 0; i < set->n_edits; i++)
        if (strcmp(set->edits[i].path, path) == 0)
            return &set->edits[i];
    return NULL;
}

const struct vp_artifact *
vp_artifact_find(const struct vp_artifact_set *set, const char *path)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].path, path) == 0)
            return &set->items[i];
    return NULL;
}

bool
vp_action_triggered(const struct vp_action *a, const char *const *changed, size_t n_changed)
{
    for (size_t i = 0; i < a->n_triggers; i++)
        for (size_t k = 0; k < n_changed; k++)
            if (strcmp(a->triggers[i], changed[k]) == 0)
                return true;
    return false;
}

/* "PREFIX" NAME "SUFFIX" with a valid VM name in the middle. */
static bool
named(const char *path, const char *prefix, const char *suffix)
{
    size_t p = strlen(prefix), s = strlen(suffix), n = strlen(path);
    if (n <= p + s || strncmp(path, prefix, p) != 0 || strcmp(path + n - s, suffix) != 0)
        return false;
    char name[128];
    if (n - p - s >= sizeof(name))
        return false;
    memcpy(name, path + p, n - p - s);
    name[n - p - s] = '\0';
    return vp_valid_name(name);
}

bool
vp_emitter_owns(const struct vp_emitter *e, const char *path)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(e->owns) && e->owns[i].path; i++) {
        const struct vp_owned_path *o = &e->owns[i];
        if (o->suffix ? named(path, o->path, o->suffix) : strcmp(path, o->path) == 0)
            return true;
    }
    return false;
}

bool
vp_artifact_path_editable(const char *path)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(emitters); i++)
        for (size_t k = 0; k < VP_ARRAY_SIZE(emitters[i].owns) && emitters[i].owns[k].path; k++)
            if (emitters[i].owns[k].edit && strcmp(emitters[i].owns[k].path, path) == 0)
                return true;
    return false;
}

size_t
vp_artifact_edit_paths(const char *const **paths)
{
    /* the table is constant: the list is built once */
    static const char *list[VP_ARRAY_SIZE(emitters) * VP_ARRAY_SIZE(emitters[0].owns)];
    static size_t n;
    if (!n) {
        for (size_t i = 0; i < VP_ARRAY_SIZE(emitters); i++)
            for (size_t k = 0; k < VP_ARRAY_SIZE(emitters[i].owns) && emitters[i].owns[k].path; k++) {
                bool seen = false;
                for (size_t j = 0; j < n && !seen; j++)
                    seen = strcmp(list[j], emitters[i].owns[k].path) == 0;
                if (emitters[i].owns[k].edit && !seen)
                    list[n++] = emitters[i].owns[k].path;
            }
    }
    *paths = list;
    return n;
}

bool
vp_artifact_path_known(const char *path)
{
    if (vp_artifact_path_editable(path)) /* never removable: an old manifest cannot make apply delete it */
        return false;
    for (size_t i = 0; i < VP_ARRAY_SIZE(emitters); i++) {
        if (vp_emitter_owns(&emitters[i], path))
            return true;
        for (size_t k = 0; k < VP_ARRAY_SIZE(emitters[i].retired) && emitters[i].retired[k]; k++)
            if (strcmp(path, emitters[i].retired[k]) == 0)
                return true;
    }
    return false;
}

size_t
vp_artifact_path_docs(struct vp_path_doc **docs)
{
    size_t n = 0;
    struct vp_path_doc *out = vp_xcalloc(VP_ARRAY_SIZE(emitters) * VP_ARRAY_SIZE(emitters[0].owns) + 1, sizeof(*out));
    for (size_t i = 0; i < VP_ARRAY_SIZE(emitters); i++) {
        for (size_t k = 0; k < VP_ARRAY_SIZE(emitters[i].owns) && emitters[i].owns[k].path; k++) {
            const struct vp_owned_path *o = &emitters[i].owns[k];
            char *path = vp_xasprintf("/%s%s%s", o->path, o->suffix ? "NAME" : "", o->suffix ? o->suffix : "");
            bool seen = false; /* a path two rows own (the kernel-argument record) is listed once */
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcmp(out[j].path, path) == 0;
            if (seen)
                free(path);
            else
                out[n++] = (struct vp_path_doc){path, o->what};
        }
    }
    *docs = out;
    return n;
}

void
vp_artifact_path_docs_free(struct vp_path_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(docs[i].path);
    free(docs);
}

void
vp_emit_generated_sentence(struct vp_strbuf *sb, const struct vp_plan *plan)
{
    /* The host's name (a validated value), never the spec's path: renaming or moving the spec in a GitOps
     * repository is not a change to the host, and must not rewrite every file and rebuild the initramfs.
     * Not a hash of the spec either: any edit of it would then change every file. */
    vp_strbuf_printf(sb, "Generated by vfioplan for host %s. Do not edit: " VP_GENERATED_HOW_APPLIED,
                     plan->spec->host.name);
}

void
vp_emit_hash_header(struct vp_strbuf *sb, const struct vp_plan *plan)
{
    vp_strbuf_puts(sb, "# ");
    vp_emit_generated_sentence(sb, plan);
    vp_strbuf_putc(sb, '\n');
}
