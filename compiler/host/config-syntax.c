/* SPDX-License-Identifier: MIT */
/*
 * config-syntax.c: which files of a manual passthrough setup vfioplan reads,
 * and what their lines say, read as their own tools read them: kmod for
 * modprobe.d (commands, '\' continuations, '-' and '_' alike in module
 * names), sh for GRUB's defaults and the dracut and mkinitcpio files
 * (assignments of quoted words, or a bash array), the BootLoaderSpec for
 * entries ("options" and its words), initramfs-tools for its modules file
 * (a module and its parameters per line).
 */
#include "config-syntax.h"

#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"

/* kmod's order: a name in an earlier modprobe.d directory hides the same name in a later one. */
static const struct vp_config_place places[] = {
    {"etc/modprobe.d/", ".conf", VP_CONFIG_MODPROBE},
    {"run/modprobe.d/", ".conf", VP_CONFIG_MODPROBE},
    {"usr/local/lib/modprobe.d/", ".conf", VP_CONFIG_MODPROBE},
    {"usr/lib/modprobe.d/", ".conf", VP_CONFIG_MODPROBE},
    {"lib/modprobe.d/", ".conf", VP_CONFIG_MODPROBE},
    {"etc/default/grub", NULL, VP_CONFIG_GRUB},
    {"etc/default/grub.d/", ".cfg", VP_CONFIG_GRUB},
    {"boot/loader/entries/", ".conf", VP_CONFIG_BLS},
    {"etc/kernel/cmdline", NULL, VP_CONFIG_KERNEL_CMDLINE},
    {"etc/initramfs-tools/modules", NULL, VP_CONFIG_ITOOLS_MODULES},
    {"etc/dracut.conf", NULL, VP_CONFIG_DRACUT},
    {"etc/dracut.conf.d/", ".conf", VP_CONFIG_DRACUT},
    {"etc/mkinitcpio.conf", NULL, VP_CONFIG_MKINITCPIO},
    {"etc/mkinitcpio.conf.d/", ".conf", VP_CONFIG_MKINITCPIO},
};

const struct vp_config_place *
vp_config_places(size_t *n)
{
    *n = VP_ARRAY_SIZE(places);
    return places;
}

/* A file name the tools read: no dotfiles (editors' and vfioplan's temp files), no subdirectories. */
static bool
plain_file_name(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && name[0] != '.' && !strchr(name, '/') && strcmp(name + n - s, suffix) == 0 &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-@") == n;
}

enum vp_config_kind
vp_config_kind_of(const char *path)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(places); i++) {
        const struct vp_config_place *p = &places[i];
        if (!p->suffix && strcmp(path, p->path) == 0)
            return p->kind;
        if (p->suffix && vp_startswith(path, p->path) && plain_file_name(path + strlen(p->path), p->suffix))
            return p->kind;
    }
    return VP_CONFIG__COUNT;
}

bool
vp_config_file_editable(const char *path)
{
    return vp_config_kind_of(path) != VP_CONFIG__COUNT &&
           (vp_startswith(path, "etc/") || vp_startswith(path, "boot/loader/entries/"));
}

void
vp_module_name(const char *s, size_t len, char *buf, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < size; i++) {
        if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\n') { /* a kmod continuation joins without a space */
            i++;
            continue;
        }
        if (s[i] == '"' || s[i] == '\'') /* bash arrays may quote a module */
            continue;
        buf[k++] = s[i] == '-' ? '_' : s[i];
    }
    buf[k] = '\0';
}

static bool
blank(char c)
{
    return c == ' ' || c == '\t';
}

static void
add_word(struct vp_config_parse *out, size_t start, size_t end)
{
    if (out->n_words == VP_CONFIG_MAX_WORDS) {
        out->word_editable = false; /* more words than kept: the line is edited whole or by hand */
        return;
    }
    out->words[out->n_words++] = (struct vp_config_word){(unsigned)start, (unsigned)(end - start)};
}

/* The words of text[from, to): separated by blanks and newlines; "\\\n" joins (kmod) when join is set. */
static void
split_words(struct vp_config_parse *out, const char *text, size_t from, size_t to, bool join)
{
    size_t i = from;
    while (i < to) {
        while (i < to && (blank(text[i]) || text[i] == '\n' || (join && text[i] == '\\' && text[i + 1] == '\n')))
            i += text[i] == '\\' ? 2 : 1;
        size_t start = i;
        while (i < to && !blank(text[i]) && text[i] != '\n' && !(join && text[i] == '\\' && text[i + 1] == '\n'))
            i++;
        /* a continuation inside a word ("ids=a,\\\nb") keeps it one word */
        while (join && i + 1 < to && text[i] == '\\' && text[i + 1] == '\n' && i + 2 < to && !blank(text[i + 2])) {
            i += 2;
            while (i < to && !blank(text[i]) && text[i] != '\n' && !(text[i] == '\\' && text[i + 1] == '\n'))
                i++;
        }
        if (i > start)
            add_word(out, start, i);
    }
}

static void
word_text(const char *text, const struct vp_config_word *w, char *buf, size_t size)
{
    vp_module_name(text + w->off, w->len, buf, size);
}

/* ---- modprobe.d, as kmod's parser reads it ---- */

static void
parse_modprobe(const char *text, struct vp_config_parse *out)
{
    struct vp_config_parse words = {0};
    split_words(&words, text, 0, strlen(text), true);
    if (words.n_words < 2 || text[words.words[0].off] == '#')
        return;
    static const struct {
        const char *command;
        enum vp_config_verb verb;
    } commands[] = {{"options", VP_VERB_OPTIONS},
                    {"install", VP_VERB_INSTALL},
                    {"blacklist", VP_VERB_BLACKLIST},
                    {"softdep", VP_VERB_SOFTDEP}};
    char command[16];
    snprintf(command, sizeof(command), "%.*s", (int)words.words[0].len, text + words.words[0].off);
    for (size_t i = 0; i < VP_ARRAY_SIZE(commands); i++)
        if (words.words[0].len == strlen(commands[i].command) && strcmp(command, commands[i].command) == 0)
            out->verb = commands[i].verb;
    if (out->verb == VP_VERB_OTHER)
        return;
    word_text(text, &words.words[1], out->module, sizeof(out->module));
    for (size_t i = 2; i < words.n_words; i++) {
        const struct vp_config_word *w = &words.words[i];
        if (out->verb == VP_VERB_SOFTDEP && ((w->len == 4 && memcmp(text + w->off, "pre:", 4) == 0) ||
                                             (w->len == 5 && memcmp(text + w->off, "post:", 5) == 0)))
            continue;
        add_word(out, w->off, w->off + w->len);
    }
}

/* ---- sh assignments: NAME=value, NAME="value", NAME='value', NAME=(a b) ---- */

/*
 * The words of the value after "NAME=" (or "NAME+=") at text[i]: a quoted string or a bash array. Expansions
 * and escapes make the value something only a shell can read: its words are still listed (a "$VAR" word never
 * matches an argument), but none is taken out.
 */
static void
parse_value(const char *text, size_t i, struct vp_config_parse *out)
{
    size_t n = strlen(text);
    out->word_editable = !strchr(text, '\n');
    char open = text[i], close = open == '(' ? ')' : open;
    if (open == '"' || open == '\'' || open == '(') {
        size_t end = i + 1;
        while (end < n && text[end] != close)
            end++;
        if (end == n) /* not closed on its line */
            out->word_editable = false;
        if (open != '\'' &&
            (memchr(text + i, '`', end - i) || memchr(text + i, '\\', end - i) || memmem(text + i, end - i, "$(", 2)))
            out->word_editable = false;
        split_words(out, text, i + 1, end, false);
    } else {
        size_t end = i;
        while (end < n && !blank(text[end]) && text[end] != ';')
            end++;
        if (memchr(text + i, '`', end - i) || memchr(text + i, '\\', end - i) || memchr(text + i, '$', end - i))
            out->word_editable = false;
        split_words(out, text, i, end, false);
    }
}

/* "[export ]NAME=" or "NAME+=" at the start of text with NAME one of names: the value's offset, or 0. */
static size_t
assignment(const char *text, const char *const *names, size_t n_names, size_t *which)
{
    size_t i = strspn(text, " \t");
    if (vp_startswith(text + i, "export") && blank(text[i + 6]))
        i += 6 + strspn(text + i + 6, " \t");
    for (size_t k = 0; k < n_names; k++) {
        size_t len = strlen(names[k]);
        if (strncmp(text + i, names[k], len) != 0)
            continue;
        size_t at = i + len;
        if (text[at] == '+')
            at++;
        if (text[at] == '=') {
            *which = k;
            return at + 1;
        }
    }
    return 0;
}

static void
parse_grub(const char *text, struct vp_config_parse *out)
{
    static const char *const names[] = {"GRUB_CMDLINE_LINUX_DEFAULT", "GRUB_CMDLINE_LINUX"};
    size_t which, at = assignment(text, names, VP_ARRAY_SIZE(names), &which);
    if (!at || text[at - 2] == '+') /* sh has no += */
        return;
    out->verb = VP_VERB_KERNEL_ARGS;
    parse_value(text, at, out);
}

static void
parse_dracut(const char *text, struct vp_config_parse *out)
{
    static const char *const names[] = {"add_drivers", "force_drivers", "drivers", "omit_drivers"};
    size_t which, at = assignment(text, names, VP_ARRAY_SIZE(names), &which);
    if (!at)
        return;
    out->verb = which == 3 ? VP_VERB_OMIT_MODULES : VP_VERB_MODULES;
    parse_value(text, at, out);
}

static void
parse_mkinitcpio(const char *text, struct vp_config_parse *out)
{
    static const char *const names[] = {"MODULES"};
    size_t which, at = assignment(text, names, VP_ARRAY_SIZE(names), &which);
    if (!at)
        return;
    out->verb = VP_VERB_MODULES;
    parse_value(text, at, out);
}

/* ---- a BootLoaderSpec entry's "options", /etc/kernel/cmdline, initramfs-tools' modules ---- */

static void
parse_bls(const char *text, struct vp_config_parse *out)
{
    size_t i = strspn(text, " \t");
    if (!vp_startswith(text + i, "options") || !blank(text[i + 7]))
        return;
    out->verb = VP_VERB_KERNEL_ARGS;
    out->word_editable = !strchr(text, '\n');
    split_words(out, text, i + 7, strlen(text), false);
}

static void
parse_kernel_cmdline(const char *text, struct vp_config_parse *out)
{
    if (text[strspn(text, " \t")] == '#')
        return;
    out->verb = VP_VERB_KERNEL_ARGS;
    split_words(out, text, 0, strlen(text), false);
}

static void
parse_itools_modules(const char *text, struct vp_config_parse *out)
{
    struct vp_config_parse words = {0};
    split_words(&words, text, 0, strlen(text), false);
    if (words.n_words == 0 || text[words.words[0].off] == '#')
        return;
    out->verb = VP_VERB_LOAD;
    word_text(text, &words.words[0], out->module, sizeof(out->module));
    for (size_t i = 1; i < words.n_words; i++)
        add_word(out, words.words[i].off, words.words[i].off + words.words[i].len);
}

void
vp_config_parse(enum vp_config_kind kind, const char *text, struct vp_config_parse *out)
{
    memset(out, 0, sizeof(*out));
    out->word_editable = !strchr(text, '\n');
    /* every kind but /etc/kernel/cmdline takes '#' comment lines (kernel-install reads that file whole) */
    out->line_editable = kind != VP_CONFIG_KERNEL_CMDLINE;
    switch (kind) {
    case VP_CONFIG_MODPROBE:
        parse_modprobe(text, out);
        break;
    case VP_CONFIG_GRUB:
        parse_grub(text, out);
        break;
    case VP_CONFIG_BLS:
        parse_bls(text, out);
        break;
    case VP_CONFIG_KERNEL_CMDLINE:
        parse_kernel_cmdline(text, out);
        out->word_editable = false;
        break;
    case VP_CONFIG_ITOOLS_MODULES:
        parse_itools_modules(text, out);
        break;
    case VP_CONFIG_DRACUT:
        parse_dracut(text, out);
        break;
    case VP_CONFIG_MKINITCPIO:
        parse_mkinitcpio(text, out);
        break;
    case VP_CONFIG__COUNT:
        break;
    }
}

/* The vfio modules: a line that loads or configures one of them is passthrough configuration. */
static bool
vfio_module(const char *name)
{
    return vp_startswith(name, "vfio");
}

bool
vp_config_line_kept(enum vp_config_kind kind, const char *text)
{
    struct vp_config_parse p;
    vp_config_parse(kind, text, &p);
    char name[VP_CONFIG_MODULE_MAX];
    switch (p.verb) {
    case VP_VERB_OTHER:
        return false;
    case VP_VERB_OPTIONS:
    case VP_VERB_INSTALL:
    case VP_VERB_LOAD:
        return vfio_module(p.module);
    case VP_VERB_SOFTDEP:
    case VP_VERB_MODULES:
    case VP_VERB_OMIT_MODULES:
        for (size_t i = 0; i < p.n_words; i++) {
            word_text(text, &p.words[i], name, sizeof(name));
            if (vfio_module(name))
                return true;
        }
        return false;
    case VP_VERB_BLACKLIST:
    case VP_VERB_KERNEL_ARGS:
        return true;
    }
    return false;
}

char *
vp_config_rewrite(const char *text, const struct vp_config_parse *p, const char *const *subst)
{
    struct vp_strbuf sb = {0};
    size_t at = 0, n = strlen(text);
    for (size_t i = 0; i < p->n_words; i++) {
        if (!subst[i])
            continue;
        size_t start = p->words[i].off, end = start + p->words[i].len;
        if (!subst[i][0]) {
            /* the blanks before the word go with it; a word with none before it takes those after it */
            size_t before = start;
            while (before > at && blank(text[before - 1]))
                before--;
            if (before < start)
                start = before;
            else
                while (end < n && blank(text[end]))
                    end++;
        }
        vp_strbuf_add(&sb, text + at, start - at);
        vp_strbuf_puts(&sb, subst[i]);
        at = end;
    }
    vp_strbuf_add(&sb, text + at, n - at);
    if (!sb.data)
        vp_strbuf_puts(&sb, "");
    return vp_strbuf_steal(&sb, NULL);
}
