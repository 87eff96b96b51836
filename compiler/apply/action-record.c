/* SPDX-License-Identifier: MIT */
/* action-record.c: actions to JSON and back (see action-record.h). */
#include "action-record.h"

#include <string.h>

#include "base/util.h"
#include "emit/emit-internal.h"
#include "host/config-syntax.h"

static const char *const vp_action_stage_names[] = {
    [VP_STAGE_INITRAMFS] = "initramfs",   [VP_STAGE_BOOTLOADER_REMOVE] = "bootloader-remove",
    [VP_STAGE_BOOTLOADER] = "bootloader", [VP_STAGE_LIBVIRT_UNDEFINE] = "libvirt-undefine",
    [VP_STAGE_LIBVIRT] = "libvirt",       [VP_STAGE_BOOT_MENU] = "boot-menu",
};

const char *
vp_action_stage_name(enum vp_action_stage stage)
{
    size_t i = (size_t)stage;
    return i < VP_ARRAY_SIZE(vp_action_stage_names) && vp_action_stage_names[i] ? vp_action_stage_names[i] : "?";
}

static struct json_object *
strings(char *const *items, size_t n)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(items[i]));
    return a;
}

struct json_object *
vp_action_to_json(const struct vp_action *a)
{
    struct json_object *o = json_object_new_object();
    size_t n = 0;
    while (a->argv[n])
        n++;
    json_object_object_add(o, "stage", json_object_new_string(vp_action_stage_name(a->stage)));
    json_object_object_add(o, "argv", strings(a->argv, n));
    json_object_object_add(o, "why", json_object_new_string(a->why));
    json_object_object_add(o, "triggers", strings(a->triggers, a->n_triggers));
    return o;
}

/* A word an emitter could have written: printable ASCII, no quote or backslash (commands run without a shell). */
static bool
plain_word(const char *s)
{
    if (!*s || strlen(s) > 4096)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '\'' || *c == '"' || *c == '\\' || *c == '`' || *c == '$')
            return false;
    return true;
}

/* The strings of array o (at most max), NULL-terminated in out (borrowed from o); false if o is not such an array. */
static bool
string_array(struct json_object *o, const char **out, size_t max, size_t *n)
{
    if (!o || !json_object_is_type(o, json_type_array) || json_object_array_length(o) > max)
        return false;
    *n = json_object_array_length(o);
    for (size_t i = 0; i < *n; i++) {
        struct json_object *s = json_object_array_get_idx(o, i);
        if (!json_object_is_type(s, json_type_string))
            return false;
        out[i] = json_object_get_string(s);
    }
    out[*n] = NULL;
    return true;
}

/*
 * The programs vfioplan's actions run: a record naming another is not one
 * vfioplan wrote, and is not run (whoever can edit var/lib/vfioplan must
 * not get a command run by the next apply).
 */
static const char *const known_programs[] = {
    "update-initramfs",
    "dracut",
    "mkinitcpio",
    "update-grub",
    "grub-mkconfig",
    "grub2-mkconfig",
    "grubby",
    "rpm-ostree",
    "kernelstub",
    "proxmox-boot-tool",
    "virsh",
    "/usr/libexec/vfioplan/sdboot",
};

bool
vp_action_program_known(const char *program)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(known_programs); i++)
        if (strcmp(program, known_programs[i]) == 0)
            return true;
    return false;
}

bool
vp_action_from_json(struct json_object *o, struct vp_artifact_set *set)
{
    struct json_object *stage, *argv, *why, *triggers;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "stage", &stage) ||
        !json_object_object_get_ex(o, "argv", &argv) || !json_object_object_get_ex(o, "why", &why) ||
        !json_object_object_get_ex(o, "triggers", &triggers) || !json_object_is_type(why, json_type_string))
        return false;
    enum vp_action_stage st = 0;
    for (size_t i = 0; i < VP_ARRAY_SIZE(vp_action_stage_names); i++)
        if (vp_action_stage_names[i] && vp_streq(vp_action_stage_names[i], json_object_get_string(stage)))
            st = (enum vp_action_stage)i;
    const char *words[65], *paths[65];
    size_t n_words, n_paths;
    if (!st || !string_array(argv, words, 64, &n_words) || n_words == 0 ||
        !string_array(triggers, paths, 64, &n_paths) || !vp_action_program_known(words[0]))
        return false;
    /* a word with spaces is one argument (grubby's --args="a b"): only the quotes a shell would need are refused */
    for (size_t i = 0; i < n_words; i++) {
        char *copy = vp_xstrdup(words[i]);
        for (char *c = copy; *c; c++)
            if (*c == ' ')
                *c = '_';
        bool ok = plain_word(copy);
        free(copy);
        if (!ok)
            return false;
    }
    /* a trigger is a file vfioplan writes, one it keeps its block in (/etc/default/grub), or one of the admin's it
     * may edit (a manual setup it adopts) */
    for (size_t i = 0; i < n_paths; i++)
        if (!vp_artifact_path_known(paths[i]) && !vp_artifact_path_editable(paths[i]) &&
            !vp_config_file_editable(paths[i]))
            return false;
    vp_action_add(set, st, json_object_get_string(why), words, paths);
    return true;
}

bool
vp_action_same(const struct vp_action *a, const struct vp_action *b)
{
    size_t i = 0;
    for (; a->argv[i] && b->argv[i]; i++)
        if (strcmp(a->argv[i], b->argv[i]) != 0)
            return false;
    return !a->argv[i] && !b->argv[i];
}
