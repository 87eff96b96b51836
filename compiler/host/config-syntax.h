/* SPDX-License-Identifier: MIT */
/*
 * config-syntax.h: the files a manual passthrough setup leaves behind
 * (modprobe.d, GRUB's defaults, BootLoaderSpec entries, /etc/kernel/cmdline,
 * the initramfs tools' module lists), which of them vfioplan reads, and
 * what one of their lines says, read as each file's own tool reads it.
 * Pure functions: the host reader keeps the lines, the rules judge them,
 * the migration rewrites them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "vfioplan/host.h"

/* The kind of file at path (relative to the root, "etc/default/grub"); VP_CONFIG__COUNT if vfioplan does not read
 * it. A snapshot may name only these files. */
enum vp_config_kind vp_config_kind_of(const char *path);

/* True if vfioplan may edit the file at path (a kind vp_config_kind_of knows): the admin's, under etc/ or
 * boot/loader/entries/. A package's file in usr/lib or lib would come back at its next upgrade, and run/ at the
 * next boot: those are the admin's to override (a file of the same name in etc/modprobe.d). */
bool vp_config_file_editable(const char *path);

/* The directories and files of each kind, in kmod's order of precedence for modprobe.d. */
struct vp_config_place {
    const char *path;   /* a file ("etc/default/grub"), or a directory ending in '/' */
    const char *suffix; /* a directory's files: only names ending in this (".conf") */
    enum vp_config_kind kind;
};
const struct vp_config_place *vp_config_places(size_t *n);

/* What a line says. */
enum vp_config_verb {
    VP_VERB_OTHER,        /* nothing vfioplan judges */
    VP_VERB_OPTIONS,      /* modprobe.d: options MODULE PARAM... */
    VP_VERB_INSTALL,      /* modprobe.d: install MODULE COMMAND... */
    VP_VERB_BLACKLIST,    /* modprobe.d: blacklist MODULE */
    VP_VERB_SOFTDEP,      /* modprobe.d: softdep MODULE pre: ... post: ... (words: the modules) */
    VP_VERB_LOAD,         /* initramfs-tools modules: MODULE PARAM... (load it in the initramfs) */
    VP_VERB_KERNEL_ARGS,  /* GRUB_CMDLINE_LINUX(_DEFAULT)=, a BLS "options" line, /etc/kernel/cmdline */
    VP_VERB_MODULES,      /* dracut add_drivers/force_drivers/drivers, mkinitcpio MODULES */
    VP_VERB_OMIT_MODULES, /* dracut omit_drivers */
};

#define VP_CONFIG_MAX_WORDS 256
#define VP_CONFIG_MODULE_MAX 64

/* A word of a line: bytes [off, off + len) of its text. */
struct vp_config_word {
    unsigned off, len;
};

struct vp_config_parse {
    enum vp_config_verb verb;
    char module[VP_CONFIG_MODULE_MAX]; /* the module the line is about, '-' as '_'; "" if none */
    /* OPTIONS, LOAD: the parameters; SOFTDEP: the modules after pre: and post:; KERNEL_ARGS: the arguments;
     * MODULES, OMIT_MODULES: the modules (quotes included, if the file quotes one) */
    struct vp_config_word words[VP_CONFIG_MAX_WORDS];
    size_t n_words;
    /* One physical line whose words can be taken out one by one (no continuation, no shell expansion, no
     * multi-line value); otherwise a migration disables the whole line or leaves it to the admin. */
    bool word_editable;
    /* The file takes '#' comment lines, so a line can be disabled (not /etc/kernel/cmdline). */
    bool line_editable;
};

/* Parses text, a line of a file of kind as the host facts keep it. */
void vp_config_parse(enum vp_config_kind kind, const char *text, struct vp_config_parse *out);

/* True if the line is one the host facts keep: what vp_config_parse would not call VP_VERB_OTHER. */
bool vp_config_line_kept(enum vp_config_kind kind, const char *text);

/* Module names compare as kmod compares them: '-' and '_' are the same. A word's module name, into buf. */
void vp_module_name(const char *s, size_t len, char *buf, size_t size);

/*
 * text with word i replaced by subst[i] (NULL: kept, "": removed together with the space before it), for a
 * word_editable line. The result is malloc'ed.
 */
char *vp_config_rewrite(const char *text, const struct vp_config_parse *p, const char *const *subst);
