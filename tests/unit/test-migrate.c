/* SPDX-License-Identifier: MIT */
/*
 * test-migrate.c: taking over a manual setup. Which files count and what
 * their lines say (config-syntax.c: kmod's continuations, sh values, bash
 * arrays, BLS options); taking words out of a line; a foreign edit applied
 * to a file's current text (nearest match, idempotence, lines gone); and
 * the rules VP7001-VP7004 on a host built in memory, with what they record
 * for the migration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/foreign-edit.h"
#include "base/util.h"
#include "host/config-syntax.h"
#include "mem-host.h"

static void
test_kinds(void **state)
{
    (void)state;
    assert_int_equal(vp_config_kind_of("etc/modprobe.d/vfio.conf"), VP_CONFIG_MODPROBE);
    assert_int_equal(vp_config_kind_of("usr/lib/modprobe.d/nvidia.conf"), VP_CONFIG_MODPROBE);
    assert_int_equal(vp_config_kind_of("etc/default/grub"), VP_CONFIG_GRUB);
    assert_int_equal(vp_config_kind_of("etc/default/grub.d/50-cloudimg-settings.cfg"), VP_CONFIG_GRUB);
    assert_int_equal(vp_config_kind_of("boot/loader/entries/abc-5.14.0.conf"), VP_CONFIG_BLS);
    assert_int_equal(vp_config_kind_of("etc/kernel/cmdline"), VP_CONFIG_KERNEL_CMDLINE);
    assert_int_equal(vp_config_kind_of("etc/mkinitcpio.conf.d/vfio.conf"), VP_CONFIG_MKINITCPIO);
    /* what the tools do not read, and what is not configuration */
    assert_int_equal(vp_config_kind_of("etc/modprobe.d/vfio"), VP_CONFIG__COUNT);
    assert_int_equal(vp_config_kind_of("etc/modprobe.d/.vfioplan-tmp-1-0.conf"), VP_CONFIG__COUNT);
    assert_int_equal(vp_config_kind_of("etc/modprobe.d/a/b.conf"), VP_CONFIG__COUNT);
    assert_int_equal(vp_config_kind_of("etc/default/grub.d/x.conf"), VP_CONFIG__COUNT);
    assert_int_equal(vp_config_kind_of("etc/passwd"), VP_CONFIG__COUNT);
    assert_int_equal(vp_config_kind_of("etc/default/grub/../../passwd"), VP_CONFIG__COUNT);
}

/* Word k of the parse, as a string. */
static const char *
word(const char *text, const struct vp_config_parse *p, size_t k)
{
    static char buf[256];
    snprintf(buf, sizeof(buf), "%.*s", (int)p->words[k].len, text + p->words[k].off);
    return buf;
}

static void
test_parse(void **state)
{
    (void)state;
    struct vp_config_parse p;
    const char *t = "options vfio-pci ids=10de:24b0 disable_vga=1";
    vp_config_parse(VP_CONFIG_MODPROBE, t, &p);
    assert_int_equal(p.verb, VP_VERB_OPTIONS);
    assert_string_equal(p.module, "vfio_pci");
    assert_int_equal(p.n_words, 2);
    assert_string_equal(word(t, &p, 0), "ids=10de:24b0");
    assert_true(p.word_editable && p.line_editable);
    /* a kmod continuation: one logical line, edited whole */
    t = "options vfio_pci \\\n  ids=10de:24b0";
    vp_config_parse(VP_CONFIG_MODPROBE, t, &p);
    assert_int_equal(p.n_words, 1);
    assert_false(p.word_editable);
    t = "softdep nvidia pre: vfio-pci post: nvidia_drm";
    vp_config_parse(VP_CONFIG_MODPROBE, t, &p);
    assert_int_equal(p.verb, VP_VERB_SOFTDEP);
    assert_int_equal(p.n_words, 2);
    assert_string_equal(word(t, &p, 0), "vfio-pci");
    vp_config_parse(VP_CONFIG_MODPROBE, "# options vfio-pci ids=1:2", &p);
    assert_int_equal(p.verb, VP_VERB_OTHER);
    /* GRUB: quoted, single-quoted, bare, exported; a shell expansion stops word edits */
    t = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash intel_iommu=on\"";
    vp_config_parse(VP_CONFIG_GRUB, t, &p);
    assert_int_equal(p.verb, VP_VERB_KERNEL_ARGS);
    assert_int_equal(p.n_words, 3);
    assert_string_equal(word(t, &p, 2), "intel_iommu=on");
    assert_true(p.word_editable);
    t = "export GRUB_CMDLINE_LINUX='iommu=pt'";
    vp_config_parse(VP_CONFIG_GRUB, t, &p);
    assert_int_equal(p.n_words, 1);
    vp_config_parse(VP_CONFIG_GRUB, "GRUB_CMDLINE_LINUX=iommu=pt", &p);
    assert_int_equal(p.n_words, 1);
    vp_config_parse(VP_CONFIG_GRUB, "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT `cat /x`\"", &p);
    assert_false(p.word_editable);
    vp_config_parse(VP_CONFIG_GRUB, "GRUB_TIMEOUT=5", &p);
    assert_int_equal(p.verb, VP_VERB_OTHER);
    /* BLS, /etc/kernel/cmdline (no comments: never edited), initramfs lists */
    vp_config_parse(VP_CONFIG_BLS, "options root=/dev/sda1 ro vfio-pci.ids=1:2", &p);
    assert_int_equal(p.n_words, 3);
    vp_config_parse(VP_CONFIG_KERNEL_CMDLINE, "root=/dev/sda1 ro vfio-pci.ids=1:2", &p);
    assert_int_equal(p.n_words, 3);
    assert_false(p.line_editable);
    vp_config_parse(VP_CONFIG_ITOOLS_MODULES, "vfio-pci ids=10de:24b0", &p);
    assert_int_equal(p.verb, VP_VERB_LOAD);
    assert_string_equal(p.module, "vfio_pci");
    vp_config_parse(VP_CONFIG_DRACUT, "omit_drivers+=\" vfio_pci \"", &p);
    assert_int_equal(p.verb, VP_VERB_OMIT_MODULES);
    assert_int_equal(p.n_words, 1);
    t = "MODULES=(vfio_pci \"vfio\" amdgpu)";
    vp_config_parse(VP_CONFIG_MKINITCPIO, t, &p);
    assert_int_equal(p.verb, VP_VERB_MODULES);
    assert_int_equal(p.n_words, 3);
    assert_string_equal(word(t, &p, 1), "\"vfio\"");
    vp_config_parse(VP_CONFIG_MKINITCPIO, "MODULES=(vfio_pci\nvfio)", &p);
    assert_false(p.word_editable);
    /* the facts keep only what bears on passthrough */
    assert_true(vp_config_line_kept(VP_CONFIG_MODPROBE, "blacklist nouveau"));
    assert_false(vp_config_line_kept(VP_CONFIG_MODPROBE, "options snd_hda_intel model=auto"));
    assert_false(vp_config_line_kept(VP_CONFIG_MODPROBE, "softdep drm pre: amdgpu"));
    assert_false(vp_config_line_kept(VP_CONFIG_MKINITCPIO, "MODULES=(amdgpu)"));
}

static char *
rewrite(enum vp_config_kind kind, const char *text, const char *const *subst)
{
    struct vp_config_parse p;
    vp_config_parse(kind, text, &p);
    return vp_config_rewrite(text, &p, subst);
}

static void
test_rewrite(void **state)
{
    (void)state;
    char *s = rewrite(VP_CONFIG_GRUB, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on vfio-pci.ids=1:2\"",
                      (const char *[]){NULL, "", ""});
    assert_string_equal(s, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"");
    free(s);
    s = rewrite(VP_CONFIG_GRUB, "GRUB_CMDLINE_LINUX=\"vfio-pci.ids=1:2 quiet\" # local", (const char *[]){"", NULL});
    assert_string_equal(s, "GRUB_CMDLINE_LINUX=\"quiet\" # local");
    free(s);
    s = rewrite(VP_CONFIG_BLS, "options root=/dev/sda1 modprobe.blacklist=nouveau,nvidia ro",
                (const char *[]){NULL, "modprobe.blacklist=nouveau", NULL});
    assert_string_equal(s, "options root=/dev/sda1 modprobe.blacklist=nouveau ro");
    free(s);
    s = rewrite(VP_CONFIG_MKINITCPIO, "MODULES=(vfio_pci vfio amdgpu)", (const char *[]){"", "", NULL});
    assert_string_equal(s, "MODULES=(amdgpu)");
    free(s);
    s = rewrite(VP_CONFIG_MODPROBE, "options vfio-pci ids=1:2 disable_vga=1", (const char *[]){"", NULL});
    assert_string_equal(s, "options vfio-pci disable_vga=1");
    free(s);
}

/* The file after edit (one operation), and the counts. */
static char *
edited(const char *file, enum vp_edit_kind kind, const char *line, unsigned at, const char *replacement,
       struct vp_edit_result *res)
{
    struct vp_edit_op op = {kind, (char *)line, at, "VP7001", (char *)replacement};
    struct vp_foreign_edit e = {"etc/modprobe.d/vfio.conf", &op, 1, 1};
    struct vp_strbuf out = {0};
    vp_foreign_edit_apply(&e, file, strlen(file), &out, res);
    return vp_strbuf_steal(&out, NULL);
}

static void
test_foreign_edit(void **state)
{
    (void)state;
    struct vp_edit_result res;
    char *s =
        edited("# mine\nblacklist nvidia\noptions x y\n", VP_EDIT_DISABLE_LINE, "blacklist nvidia", 2, NULL, &res);
    assert_string_equal(s, "# mine\n# vfioplan: disabled VP7001: blacklist nvidia\noptions x y\n");
    assert_int_equal(res.applied, 1);
    /* again: already done, nothing changes */
    char *again = edited(s, VP_EDIT_DISABLE_LINE, "blacklist nvidia", 2, NULL, &res);
    assert_string_equal(again, s);
    assert_int_equal(res.done, 1);
    free(again);
    free(s);
    /* of equal lines, the nearest to where the facts saw it; lines moved since are still found */
    s = edited("a\nx\nb\nx\n", VP_EDIT_DISABLE_LINE, "x", 4, NULL, &res);
    assert_string_equal(s, "a\nx\nb\n# vfioplan: disabled VP7001: x\n");
    free(s);
    s = edited("new\nnew\na\nx\n", VP_EDIT_DISABLE_LINE, "x", 2, NULL, &res);
    assert_string_equal(s, "new\nnew\na\n# vfioplan: disabled VP7001: x\n");
    free(s);
    /* gone since: left alone, and counted */
    s = edited("a\n", VP_EDIT_DISABLE_LINE, "x", 1, NULL, &res);
    assert_string_equal(s, "a\n");
    assert_int_equal(res.not_found, 1);
    free(s);
    /* a replacement, on a last line without its newline; a continued line, every physical line disabled */
    s = edited("G=\"a b\"", VP_EDIT_REPLACE_LINE, "G=\"a b\"", 1, "G=\"a\"", &res);
    assert_string_equal(s, "# vfioplan: disabled VP7001: G=\"a b\"\n"
                           "# vfioplan: the next line replaces the one above\nG=\"a\"\n");
    free(s);
    s = edited("options vfio-pci \\\n  ids=1:2\nz\n", VP_EDIT_DISABLE_LINE, "options vfio-pci \\\n  ids=1:2", 1, NULL,
               &res);
    assert_string_equal(
        s, "# vfioplan: disabled VP7001: options vfio-pci \\\n# vfioplan: disabled VP7001:   ids=1:2\nz\n");
    free(s);
}

/* ---- the rules, on two identical GPUs: 0000:10:00.0 assigned, 0000:11:00.0 the host's ---- */

static struct vp_config_line lines[16];

static struct vp_plan *
resolve_with(const struct vp_config_line *config, size_t n, struct vp_spec **spec, struct vp_diags *d)
{
    make_host(2, 0x2204, 256ull << 20, 32ull << 20);
    devices[1].driver = "nvidia";
    devices[1].driver_module = "nvidia";
    memcpy(lines, config, n * sizeof(*lines));
    for (size_t i = 0; i < n; i++)
        lines[i].kind = vp_config_kind_of(lines[i].file);
    host.config = lines;
    host.n_config = n;
    return resolve_vm("bootloader: grub, initramfs: initramfs-tools",
                      "    devices:\n      - address: \"0000:10:00.0\"\n", spec, d);
}

static size_t
count(const struct vp_diags *d, enum vp_code code)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += d->items[i].code == code;
    return n;
}

static void
test_rules(void **state)
{
    (void)state;
    static const struct vp_config_line config[] = {
        {"etc/modprobe.d/vfio.conf", 1, "options vfio-pci ids=10de:2204", 0},
        {"etc/modprobe.d/vfio.conf", 2, "blacklist nvidia", 0},
        {"etc/modprobe.d/vfio.conf", 3, "blacklist nouveau", 0},                /* no device the host keeps uses it */
        {"etc/modprobe.d/vfioplan.conf", 4, "softdep nvidia pre: vfio-pci", 0}, /* vfioplan's own */
        {"etc/default/grub", 5, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on pcie_acs_override=downstream\"", 0},
        {"etc/kernel/cmdline", 1, "root=/dev/sda1 intel_iommu=off", 0},
        /* a package's file: reported, never edited (its next upgrade would bring the line back) */
        {"usr/lib/modprobe.d/nvidia.conf", 1, "blacklist nvidia", 0},
    };
    struct vp_diags d = {0};
    struct vp_spec *spec;
    struct vp_plan *plan = resolve_with(config, VP_ARRAY_SIZE(config), &spec, &d);
    assert_non_null(plan);
    assert_int_equal(count(&d, VP_EXISTING_IDS_HOST_DEVICE), 1);
    assert_int_equal(count(&d, VP_EXISTING_BLACKLIST), 2);
    assert_int_equal(count(&d, VP_EXISTING_CONTRADICTS), 2); /* the ACS override left over, intel_iommu=off */
    assert_int_equal(count(&d, VP_EXISTING_DUPLICATE), 1);   /* intel_iommu=on, which the drop-in adds */
    /* recorded: the ids line and the blacklist whole, two words of the GRUB line; /etc/kernel/cmdline by hand */
    assert_int_equal(plan->n_migrations, 4);
    for (size_t i = 0; i < plan->n_migrations; i++) {
        const struct vp_migration *m = &plan->migrations[i];
        assert_string_not_equal(m->line->file, "etc/kernel/cmdline");
        assert_string_not_equal(m->line->file, "etc/modprobe.d/vfioplan.conf");
        assert_string_not_equal(m->line->file, "usr/lib/modprobe.d/nvidia.conf");
        if (strcmp(m->line->file, "etc/default/grub") == 0)
            assert_true(m->word == 1 || m->word == 2);
        else
            assert_int_equal(m->word, -1);
    }
    bool by_hand = false, override = false;
    for (size_t i = 0; i < d.n; i++) {
        by_hand |= d.items[i].hint && strstr(d.items[i].hint, "the file takes no comments");
        override |= d.items[i].hint && strstr(d.items[i].hint, "copy it to /etc/modprobe.d/ under the same name");
    }
    assert_true(by_hand && override);
    /* the plan's artifacts: the edits, and the actions their files need */
    struct vp_artifact_set set = {0};
    assert_int_equal(vp_plan_emit(plan, NULL, &set, &d), 0);
    assert_int_equal(set.n_edits, 2);
    assert_string_equal(set.edits[0].path, "etc/default/grub");
    assert_int_equal(set.edits[0].ops[0].kind, VP_EDIT_REPLACE_LINE);
    assert_string_equal(set.edits[0].ops[0].replacement, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"");
    assert_string_equal(set.edits[0].ops[0].code, "VP7003");
    bool initramfs = false, grub = false;
    for (size_t i = 0; i < set.n_actions; i++) {
        const char *const changed[] = {"etc/modprobe.d/vfio.conf"}, *const changed_grub[] = {"etc/default/grub"};
        initramfs |=
            strcmp(set.actions[i].argv[0], "update-initramfs") == 0 && vp_action_triggered(&set.actions[i], changed, 1);
        grub |=
            strcmp(set.actions[i].argv[0], "update-grub") == 0 && vp_action_triggered(&set.actions[i], changed_grub, 1);
    }
    assert_true(initramfs && grub);
    vp_artifact_set_free(&set);
    vp_plan_free(&plan);
    vp_spec_free(&spec);
    vp_diags_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),        cmocka_unit_test(test_parse), cmocka_unit_test(test_rewrite),
        cmocka_unit_test(test_foreign_edit), cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
