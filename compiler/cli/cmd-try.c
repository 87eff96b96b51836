/* SPDX-License-Identifier: MIT */
/*
 * cmd-try.c: `vfioplan try`: the new configuration for one boot, then
 * confirmed or cancelled. try writes apply's files except vfioplan's GRUB
 * drop-in, which keeps the default entry's command line, adds a GRUB entry
 * with the new one and selects it for the next boot only (grub-reboot);
 * the try is a generation of its own, the current one stays current, and
 * the marker apply/try.h describes says a try is under way. --confirm puts
 * the try's generation in place as apply would have, --cancel the current
 * one's; --finish, run by the boot unit, does one or the other by what the
 * running boot shows.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/lock.h"
#include "apply/restore.h"
#include "apply/state.h"
#include "apply/try.h"
#include "base/sha256.h"
#include "base/util.h"
#include "cli.h"
#include "install-report.h"

/* What the run did, for the report: the try's generation and its status now. */
struct try_outcome {
    bool known;
    unsigned long generation;
    char status[300];
    char token[128];
};

static void
no_try(const char *root, struct vp_diags *d)
{
    vp_error(d, VP_TRY_NONE, &(struct vp_pos){.file = VP_PATH_TRY_STATE}, "no try is under way under %s", root);
    vp_hint(d, "'vfioplan try SPEC --root %s' starts one; 'vfioplan history' lists the generations", root);
}

/* try SPEC: apply's set, written for one boot. */
static int
try_start(const struct vp_options *opt, struct vp_compile *c, struct vp_install *in, struct vp_artifact_set *record,
          struct try_outcome *out)
{
    if (vp_try_refuse_under_way(opt->root, "other try", &c->diags) < 0)
        return -1;
    if (vp_compile_run(c, opt, 0) < 0 || vp_compile_check_drift(c, opt->root) < 0)
        return -1;
    const struct vp_plan *p = c->plan;
    if (p->bootloader != VP_BOOTLOADER_GRUB || !p->boot.grub_dropins) {
        vp_error(&c->diags, VP_TRY_UNSUPPORTED, &(struct vp_pos){.file = opt->spec},
                 "try supports GRUB as Debian and Ubuntu configure it (update-grub, /etc/default/grub.d); this host "
                 "boots with %s%s",
                 vp_bootloader_name(p->bootloader),
                 p->bootloader == VP_BOOTLOADER_GRUB ? " whose grub-mkconfig reads no /etc/default/grub.d" : "");
        vp_hint(&c->diags, "'vfioplan apply' installs the configuration for every boot; 'vfioplan rollback' undoes it");
        return -1;
    }
    /* the word the entry carries: the boot token, or (a plan that binds nothing has none) one of the try's own,
     * named after the spec it tries */
    char own[64] = "";
    const char *extra[2] = {NULL, NULL};
    if (!p->boot_token) {
        struct vp_sha256 h;
        char hex[VP_SHA256_HEX];
        vp_sha256_init(&h);
        vp_sha256_add(&h, c->spec_text, c->spec_len);
        vp_sha256_hex(&h, hex);
        snprintf(own, sizeof(own), "vfioplan.try=%.12s", hex);
        extra[0] = own;
    }
    struct vp_install_options io = vp_cli_install_options(opt);
    io.keep_current = true;
    if (vp_try_set_make(&c->artifacts, record, p, opt->root, extra, &c->diags) < 0)
        return -1;
    if (vp_install_prepare(in, &c->artifacts, &io, &c->diags) < 0)
        return -1;
    if (opt->format == VP_FORMAT_TEXT && !opt->yes && isatty(STDIN_FILENO)) {
        vp_cli_show_changes(stdout, in, false);
        vp_cli_show_actions(stdout, in);
        char question[4200];
        snprintf(question, sizeof(question), "Try these changes under %s for one boot?", opt->root);
        if (!vp_cli_confirm(opt, question)) {
            printf("vfioplan: nothing tried\n");
            return 1;
        }
    }
    struct vp_install_meta meta = {
        .origin = VP_GEN_TRY,
        .status = "trying",
        .vfioplan = VFIOPLAN_VERSION,
        .spec = opt->spec,
        .spec_text = c->spec_text,
        .spec_len = c->spec_len,
        .host = c->spec->host.name,
        .boot_token = p->boot_token,
        .record = record,
    };
    const char *kargs[256];
    for (size_t i = 0; i < p->n_kernel_args && i < 256; i++)
        kargs[meta.n_kernel_args++] = p->kernel_args[i].value;
    meta.kernel_args = kargs;
    /* the way back: the current generation, or the files as found when there is none yet */
    unsigned long previous = in->store.current;
    bool has_previous = in->store.has_current;
    int rc = vp_install_commit(in, &c->artifacts, &meta, &io, &c->diags);
    if (!in->recorded)
        return -1; /* nothing of the try is on the root */
    if (in->found_recorded) {
        previous = in->found_generation;
        has_previous = true;
    }
    if (!has_previous) { /* every file of the try was on the root as found: nothing to go back to */
        previous = in->generation;
    }
    struct vp_try_marker nm = {.generation = in->generation, .previous = previous};
    snprintf(nm.token, sizeof(nm.token), "%s", p->boot_token ? p->boot_token : own);
    if (vp_try_marker_write(opt->root, &nm, &c->diags) < 0)
        rc = -1;
    *out = (struct try_outcome){.known = true, .generation = in->generation};
    snprintf(out->status, sizeof(out->status), "trying");
    snprintf(out->token, sizeof(out->token), "%s", nm.token);
    if (opt->format == VP_FORMAT_TEXT)
        printf("vfioplan: generation %lu is tried at the next boot only (GRUB entry %s, %s); generation %lu stays "
               "the default\n",
               in->generation, "vfioplan-try", nm.token, previous);
    return rc < 0 ? -1 : 0;
}

/*
 * Puts generation number's files in place under io->root and runs the actions the changes need: number's own,
 * those of on_disk (the generation whose files are there now) for what goes, update-grub for the try's entry.
 * The caller holds the lock and frees set after in.
 */
static int
restore(unsigned long number, unsigned long on_disk, const struct vp_install_options *io, struct vp_artifact_set *set,
        struct vp_install *in, bool *committed, struct vp_diags *d)
{
    struct vp_generation target = {0}, there = {0};
    int rc = vp_generation_load(io->root, number, &target, d);
    if (rc == 0)
        rc = vp_generation_load(io->root, on_disk, &there, d);
    if (rc == 0)
        rc = vp_generation_load_files(io->root, &target, set, d);
    if (rc == 0)
        rc = vp_install_prepare(in, set, io, d);
    if (rc == 0) {
        vp_restore_actions(set, &target, &there, &in->changes);
        vp_try_restore_actions(set);
        vp_install_reselect(in, set);
        struct vp_install_meta meta = {.restore = true, .restore_number = number, .vfioplan = VFIOPLAN_VERSION};
        rc = vp_install_commit(in, set, &meta, io, d);
        *committed = true;
    }
    vp_generation_free(&target);
    vp_generation_free(&there);
    return rc;
}

/* --confirm (cancel_reason NULL) or --cancel (the reason the status gives), with the marker read. */
static int
try_end(const struct vp_options *opt, const struct vp_try_marker *m, const char *cancel_reason, struct vp_install *in,
        struct vp_artifact_set *set, struct try_outcome *out, struct vp_diags *d)
{
    struct vp_install_options io = vp_cli_install_options(opt);
    io.no_found = true; /* the try's files are a generation already */
    bool confirm = !cancel_reason;
    bool committed = false;
    int rc = confirm ? restore(m->generation, m->previous, &io, set, in, &committed, d)
                     : restore(m->previous, m->generation, &io, set, in, &committed, d);
    if (!committed)
        return -1; /* nothing written: the try is still under way */
    char status[300];
    snprintf(status, sizeof(status), confirm ? "confirmed" : "cancelled: %s", cancel_reason);
    if (vp_generation_set_status(opt->root, m->generation, status, d) < 0)
        rc = -1;
    /* the marker goes last: until the files are back and the status says so, the try is still under way */
    if (rc == 0 && vp_try_marker_remove(opt->root, d) < 0)
        rc = -1;
    *out = (struct try_outcome){.known = true, .generation = m->generation};
    snprintf(out->status, sizeof(out->status), "%s", status);
    snprintf(out->token, sizeof(out->token), "%s", m->token);
    if (opt->format == VP_FORMAT_TEXT) {
        if (confirm)
            printf("vfioplan: generation %lu (the try) is confirmed: it is the current one under %s\n", m->generation,
                   opt->root);
        else
            vp_print_safe(stdout, "vfioplan: generation %lu (the try) is %s; generation %lu is in place under %s\n",
                          m->generation, status, m->previous, opt->root);
        vp_cli_report_install(in, &io);
    }
    return rc;
}

/* The running boot's command line, under the root (/proc/cmdline on the host). */
static char *
running_cmdline(const char *root, struct vp_diags *d)
{
    char *data = NULL;
    size_t len = 0;
    if (vp_state_read(root, "proc/cmdline", 64 * 1024, &data, &len, d) != 1) {
        free(data);
        return vp_xstrdup("");
    }
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n')
            data[i] = ' ';
    return data;
}

/*
 * --finish: the boot unit's. Confirms when the running boot is the try's (its word on the command line) and
 * verify's checks of the host against the try's spec pass; else cancels with the reason. 0 confirmed, 1
 * cancelled, -1 error.
 */
static int
try_finish(const struct vp_options *opt, const struct vp_try_marker *m, struct vp_install *in,
           struct vp_artifact_set *set, struct try_outcome *out, struct vp_diags *d)
{
    char *cmdline = running_cmdline(opt->root, d);
    char reason[300] = "";
    if (!m->token[0] || !vp_has_word(cmdline, m->token)) {
        snprintf(reason, sizeof(reason), "this boot did not carry %s (the default entry booted)",
                 m->token[0] ? m->token : "the try's word");
    } else {
        /* verify, as after an apply, with the spec the try was compiled from */
        struct vp_options vo = *opt;
        char spec[4200];
        snprintf(spec, sizeof(spec), "%s%s" VP_DIR_GENERATIONS "/%lu/spec.yaml", opt->root,
                 opt->root[strlen(opt->root) - 1] == '/' ? "" : "/", m->generation);
        vo.spec = vo.operand = spec;
        if (!opt->host_given)
            vo.host = opt->root;
        struct vp_compile c = {0};
        if (vp_compile_run(&c, &vo, 0) < 0) {
            snprintf(reason, sizeof(reason), "the try's spec did not compile against the host");
            vp_diags_render(&c.diags, stderr, opt->color);
        } else {
            char *first = NULL;
            unsigned failed = vp_cli_verify_host(c.plan, vo.host, opt->format == VP_FORMAT_JSON, &first);
            if (failed)
                snprintf(reason, sizeof(reason), "verify failed: %s%s", first ? first : "?",
                         failed > 1 ? " (and more)" : "");
            free(first);
        }
        vp_compile_free(&c);
    }
    free(cmdline);
    int rc = try_end(opt, m, reason[0] ? reason : NULL, in, set, out, d);
    if (rc < 0)
        return -1;
    return reason[0] ? 1 : 0;
}

int
vp_cmd_try(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("try"), &opt) < 0)
        return VP_EXIT_ERROR;
    signal(SIGPIPE, SIG_IGN); /* as apply: a closed stdout must not stop it between its files and its actions */
    struct vp_compile c = {0};
    struct vp_install in = {0};
    struct vp_artifact_set set = {0}, record = {0};
    struct try_outcome out = {0};
    bool json = opt.format == VP_FORMAT_JSON;
    bool start = !opt.try_confirm && !opt.try_cancel && !opt.try_finish;
    int rc = VP_EXIT_ERROR;
    c.target_root = opt.root;
    int lock = vp_lock_take(opt.root, opt.wait_seconds, vp_cli_say_waiting, &opt, &c.diags);
    if (lock < 0)
        goto out;
    if (start) {
        int r = try_start(&opt, &c, &in, &record, &out);
        rc = r == 1 ? VP_EXIT_CHANGES : r == 0 ? VP_EXIT_OK : VP_EXIT_ERROR;
        goto out;
    }
    struct vp_try_marker m;
    int r = vp_try_marker_read(opt.root, &m, &c.diags);
    if (r == 0 && opt.try_finish) {
        rc = VP_EXIT_OK; /* the boot unit on a host without a try: nothing to do */
        goto out;
    }
    if (r == 0)
        no_try(opt.root, &c.diags);
    if (r != 1)
        goto out;
    if (opt.try_finish)
        r = try_finish(&opt, &m, &in, &set, &out, &c.diags);
    else
        r = try_end(&opt, &m, opt.try_cancel ? "by hand" : NULL, &in, &set, &out, &c.diags);
    rc = r < 0 ? VP_EXIT_ERROR : r == 1 ? VP_EXIT_CHANGES : VP_EXIT_OK;
out:
    vp_lock_release(lock);
    vp_diags_sort(&c.diags);
    if (vp_diags_has_errors(&c.diags))
        rc = VP_EXIT_ERROR;
    if (json) {
        struct json_object *doc = vp_json_begin("try");
        json_object_object_add(doc, "root", vp_json_string(opt.root, strlen(opt.root), NULL));
        if (out.known) {
            vp_json_install(doc, &in, true);
            struct json_object *t = json_object_new_object();
            json_object_object_add(t, "generation", json_object_new_int64((int64_t)out.generation));
            json_object_object_add(t, "status", vp_json_string(out.status, strlen(out.status), NULL));
            json_object_object_add(t, "token", out.token[0] ? json_object_new_string(out.token) : NULL);
            json_object_object_add(doc, "try", t);
        }
        vp_json_finish(doc, &c.diags, rc);
    } else {
        vp_diags_render(&c.diags, stderr, opt.color);
    }
    vp_install_free(&in);
    vp_artifact_set_free(&set);
    vp_artifact_set_free(&record);
    vp_compile_free(&c);
    return rc;
}
