/* SPDX-License-Identifier: MIT */
/*
 * rules-existing.c: the rules on what a manual passthrough setup left
 * behind (the host's configuration lines, config-syntax.h): vfio-pci ids
 * that take a device the host keeps, blacklists of drivers the host uses,
 * settings that contradict the plan, and settings that repeat what
 * vfioplan now writes. vfioplan takes over the whole vfio-pci
 * configuration, so each conflict is reported and its word or line
 * recorded for the migration, which disables it in the plan's diff. Lines
 * of files vfioplan owns are its own and never judged here.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "host/config-syntax.h"
#include "resolve-internal.h"
#include "vfioplan/artifact.h"

/* Source texts longer than this are not quoted under a message (a hostile snapshot's line numbers). */
enum { MAX_QUOTED_LINE = 100000, MAX_DEVICE_NOTES = 8 };

/* ---- the lines, as messages show them ---- */

/*
 * Calls judge with every line of the existing configuration, parsed, but those of files vfioplan owns: they are
 * its own, and what it writes in them is judged by the other rules.
 */
static void
each_line(struct vp_resolver *r, enum vp_code code,
          void (*judge)(struct vp_resolver *r, enum vp_code code, size_t i, const struct vp_config_parse *p))
{
    for (size_t i = 0; i < r->host->n_config; i++) {
        const struct vp_config_line *l = &r->host->config[i];
        if (vp_artifact_path_known(l->file))
            continue;
        struct vp_config_parse p;
        vp_config_parse(l->kind, l->text, &p);
        judge(r, code, i, &p);
    }
}

/*
 * The file of host config line i as the admin finds it: ROOT/etc/... for a host tree, /etc/... on the live host
 * and for a snapshot (taken on a host). Each file's known lines are registered as its source text, at their line
 * numbers, so that a message quotes its line.
 */
static const char *
shown_file(struct vp_resolver *r, size_t i)
{
    const struct vp_host *h = r->host;
    if (!r->config_file_shown)
        r->config_file_shown = vp_arena_alloc(r->arena, (h->n_config + 1) * sizeof(*r->config_file_shown));
    if (r->config_file_shown[i])
        return r->config_file_shown[i];
    bool tree = !h->from_snapshot && strcmp(h->source, "/") != 0;
    const char *name = tree ? vp_arena_printf(r->arena, "%s/%s", h->source, h->config[i].file)
                            : vp_arena_printf(r->arena, "/%s", h->config[i].file);
    struct vp_strbuf text = {0};
    unsigned at = 1;
    bool quoted = true;
    for (size_t k = 0; k < h->n_config && quoted; k++) {
        const struct vp_config_line *l = &h->config[k];
        if (strcmp(l->file, h->config[i].file) != 0)
            continue;
        if (l->line > MAX_QUOTED_LINE || l->line < at)
            quoted = false;
        for (; quoted && at < l->line; at++)
            vp_strbuf_putc(&text, '\n');
        vp_strbuf_puts(&text, l->text);
        vp_strbuf_putc(&text, '\n');
        for (const char *c = l->text; *c; c++)
            at += *c == '\n';
        at++;
    }
    const char *shown =
        quoted && text.len ? vp_diags_add_source(r->d, name, text.data, text.len) : vp_diags_intern(r->d, name);
    vp_strbuf_free(&text);
    for (size_t k = 0; k < h->n_config; k++)
        if (strcmp(h->config[k].file, h->config[i].file) == 0)
            r->config_file_shown[k] = shown;
    return shown;
}

/* Where word (-1: the line) of config line i is, for a message. */
static struct vp_pos
line_pos(struct vp_resolver *r, size_t i, const struct vp_config_parse *p, long word)
{
    const struct vp_config_line *l = &r->host->config[i];
    struct vp_pos pos = {.file = shown_file(r, i), .line = l->line, .col = 1};
    if (word < 0)
        return pos;
    unsigned off = p->words[word].off;
    for (unsigned k = 0; k < off; k++) {
        if (l->text[k] == '\n')
            pos.line++, pos.col = 1;
        else
            pos.col++;
    }
    pos.len = p->words[word].len;
    return pos;
}

/* Word k of a line as the tool reads it (a kmod continuation inside it taken out). */
static void
word_text(const char *text, const struct vp_config_parse *p, size_t k, char *buf, size_t size)
{
    size_t n = 0;
    const char *w = text + p->words[k].off;
    for (size_t i = 0; i < p->words[k].len && n + 1 < size; i++) {
        if (w[i] == '\\' && i + 1 < p->words[k].len && w[i + 1] == '\n') {
            i++;
            continue;
        }
        buf[n++] = w[i];
    }
    buf[n] = '\0';
}

/* The line in quotes for a message, shortened. */
static const char *
quote(struct vp_resolver *r, const char *text)
{
    return vp_arena_printf(r->arena, "'%.*s%s'", 120, text, strlen(text) > 120 ? "..." : "");
}

static void
record(struct vp_resolver *r, const struct vp_config_line *l, enum vp_code code, long word, const char *replacement)
{
    void *items = r->migrations;
    vp_xgrow(&items, &r->cap_migrations, r->n_migrations + 1, sizeof(*r->migrations));
    r->migrations = items;
    r->migrations[r->n_migrations++] = (struct vp_migration){l, code, word, replacement};
}

/*
 * Records what the migration does with the words of a line (n_words 0: the whole line) and says so in the hint:
 * words are taken out (or replaced) where the line can lose a word, the line is disabled where the file takes
 * comments and whole_ok says that loses nothing the admin wants (a modprobe line, not a kernel command line);
 * otherwise the admin edits it.
 */
static void
take_over(struct vp_resolver *r, size_t i, const struct vp_config_parse *p, enum vp_code code, const size_t *words,
          const char *const *replacements, size_t n_words, bool whole_ok)
{
    const struct vp_config_line *l = &r->host->config[i];
    if (!vp_config_file_editable(l->file)) {
        vp_hint(r->d,
                "vfioplan does not edit /%s, which a package or the system owns: copy it to /etc/modprobe.d/ under the "
                "same name without the line (kmod then reads that copy instead)",
                l->file);
        return;
    }
    if (n_words && p->word_editable && p->line_editable) {
        bool replaced = false;
        for (size_t k = 0; k < n_words; k++) {
            record(r, l, code, (long)words[k], replacements ? replacements[k] : NULL);
            replaced |= replacements && replacements[k];
        }
        vp_hint(r->d,
                "'vfioplan plan' shows the line disabled and %s in the diff, and 'vfioplan apply' does it (README: "
                "Adopting a manual setup)",
                replaced ? "rewritten" : "written again without it");
    } else if ((!n_words || whole_ok) && p->line_editable) {
        record(r, l, code, -1, NULL);
        vp_hint(r->d,
                "'vfioplan plan' shows the line disabled in the diff, and 'vfioplan apply' does it (README: Adopting a "
                "manual setup)");
    } else {
        char w[256] = "";
        if (n_words)
            word_text(l->text, p, words[0], w, sizeof(w));
        vp_hint(r->d, "vfioplan does not edit this line (%s): %s%s%s by hand, then rebuild what reads the file",
                p->line_editable ? "a value only a shell can read" : "the file takes no comments",
                n_words ? "take '" : "change it", w, n_words ? "' out of it" : "");
    }
}

/* One word of the line, or (word < 0) the whole line. */
static void
take_over_one(struct vp_resolver *r, size_t i, const struct vp_config_parse *p, enum vp_code code, long word,
              const char *replacement, bool whole_ok)
{
    size_t w = word < 0 ? 0 : (size_t)word;
    take_over(r, i, p, code, &w, &replacement, word < 0 ? 0 : 1, whole_ok);
}

/* ---- what an ids= list takes ---- */

#define PCI_ANY 0xffffffffu

struct pci_id {
    unsigned vendor, device, subvendor, subdevice, class_code, class_mask;
};

/* vfio-pci's ids: "vendor:device[:subvendor[:subdevice[:class[:class_mask]]]]", comma separated; as vfio-pci
 * parses them (an entry with fewer than two fields is skipped). */
static size_t
parse_ids(const char *list, struct pci_id *ids, size_t max)
{
    size_t n = 0;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", list);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item && n < max; item = strtok_r(NULL, ",", &save)) {
        struct pci_id id = {PCI_ANY, PCI_ANY, PCI_ANY, PCI_ANY, 0, 0};
        if (sscanf(item, "%x:%x:%x:%x:%x:%x", &id.vendor, &id.device, &id.subvendor, &id.subdevice, &id.class_code,
                   &id.class_mask) >= 2)
            ids[n++] = id;
    }
    return n;
}

/* pci_match_one_device() */
static bool
id_matches(const struct pci_id *id, const struct vp_device *d)
{
    return (id->vendor == PCI_ANY || id->vendor == d->vendor) && (id->device == PCI_ANY || id->device == d->device) &&
           (id->subvendor == PCI_ANY || id->subvendor == d->subsystem_vendor) &&
           (id->subdevice == PCI_ANY || id->subdevice == d->subsystem_device) &&
           !((id->class_code ^ d->class_code) & id->class_mask);
}

/* The ids list of a word that gives vfio-pci ids: "ids=..." of vfio-pci's options, or a kernel argument
 * "vfio-pci.ids=..." / "vfio_pci.ids=..."; NULL if the word is not one. */
static const char *
ids_of_word(const struct vp_config_parse *p, const char *word)
{
    if ((p->verb == VP_VERB_OPTIONS || p->verb == VP_VERB_LOAD) && strcmp(p->module, "vfio_pci") == 0 &&
        vp_startswith(word, "ids="))
        return word + 4;
    if (p->verb == VP_VERB_KERNEL_ARGS &&
        (vp_startswith(word, "vfio-pci.ids=") || vp_startswith(word, "vfio_pci.ids=")))
        return word + 13;
    return NULL;
}

/* How many host devices the ids take, and how many of them the host keeps (their indices in kept[]). */
static size_t
ids_take(const struct vp_resolver *r, const char *list, size_t *kept, size_t max_kept, size_t *n_kept)
{
    struct pci_id ids[64];
    size_t n_ids = parse_ids(list, ids, VP_ARRAY_SIZE(ids)), taken = 0;
    *n_kept = 0;
    for (size_t i = 0; i < r->host->n_devices; i++) {
        bool hit = false;
        for (size_t k = 0; k < n_ids && !hit; k++)
            hit = id_matches(&ids[k], &r->host->devices[i]);
        if (!hit)
            continue;
        taken++;
        if (r->owner_vm[i] < 0 && *n_kept < max_kept)
            kept[(*n_kept)++] = i;
    }
    return taken;
}

static void
note_kept_device(struct vp_resolver *r, size_t idx)
{
    const struct vp_device *dev = &r->host->devices[idx];
    char buf[160];
    vp_device_describe(dev, buf, sizeof(buf));
    vp_note(r->d, "%s stays with the host%s%s", buf, dev->role_detail ? ": " : "",
            dev->role_detail ? dev->role_detail : "");
}

static void
ids_line(struct vp_resolver *r, enum vp_code code, size_t i, const struct vp_config_parse *p)
{
    const struct vp_host *h = r->host;
    const struct vp_config_line *l = &h->config[i];
    for (size_t w = 0; w < p->n_words; w++) {
        char word[512];
        word_text(l->text, p, w, word, sizeof(word));
        const char *list = ids_of_word(p, word);
        size_t kept[MAX_DEVICE_NOTES], n_kept;
        if (!list || (ids_take(r, list, kept, VP_ARRAY_SIZE(kept), &n_kept), n_kept == 0))
            continue;
        struct vp_pos pos = line_pos(r, i, p, (long)w);
        struct vp_strbuf which = {0};
        for (size_t k = 0; k < n_kept && k < 3; k++)
            vp_strbuf_printf(&which, "%s%s", k ? ", " : "", h->devices[kept[k]].addr_str);
        vp_rule_report(r, code, &pos, "%s gives vfio-pci %s%s, which the host keeps", quote(r, word), which.data,
                       n_kept > 3 ? " and more" : "");
        vp_strbuf_free(&which);
        for (size_t k = 0; k < n_kept; k++)
            note_kept_device(r, kept[k]);
        if (r->plan->n_bind_addresses)
            vp_note(r->d, "vfioplan binds the functions it assigns that share ids with the host's by address");
        /* a modprobe or initramfs-tools line with nothing else to say goes whole */
        bool whole = p->verb != VP_VERB_KERNEL_ARGS && (p->n_words == 1 || p->verb == VP_VERB_LOAD);
        take_over_one(r, i, p, code, whole ? -1 : (long)w, NULL, p->verb != VP_VERB_KERNEL_ARGS);
    }
}

void
vp_rule_existing_ids(struct vp_resolver *r, enum vp_code code)
{
    each_line(r, code, ids_line);
}

/* ---- blacklists ---- */

/* The kernel arguments that blacklist modules: modprobe's, the kernel's own, dracut's. */
static const char *
blacklist_arg(const char *word)
{
    static const char *const names[] = {"modprobe.blacklist=", "module_blacklist=", "rd.driver.blacklist="};
    for (size_t i = 0; i < VP_ARRAY_SIZE(names); i++)
        if (vp_startswith(word, names[i]))
            return word + strlen(names[i]);
    return NULL;
}

/* Whether the existing configuration blacklists module anywhere: a blacklist line, or a kernel argument. */
static bool
module_blacklisted(const struct vp_resolver *r, const char *module)
{
    for (size_t i = 0; i < r->host->n_config; i++) {
        const struct vp_config_line *l = &r->host->config[i];
        if (vp_artifact_path_known(l->file))
            continue;
        struct vp_config_parse p;
        vp_config_parse(l->kind, l->text, &p);
        if (p.verb == VP_VERB_BLACKLIST && strcmp(p.module, module) == 0)
            return true;
        for (size_t w = 0; p.verb == VP_VERB_KERNEL_ARGS && w < p.n_words; w++) {
            char word[512], buf[512];
            word_text(l->text, &p, w, word, sizeof(word));
            const char *list = blacklist_arg(word);
            snprintf(buf, sizeof(buf), "%s", list ? list : "");
            char *save = NULL;
            for (char *m = strtok_r(buf, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                char name[VP_CONFIG_MODULE_MAX];
                vp_module_name(m, strlen(m), name, sizeof(name));
                if (strcmp(name, module) == 0)
                    return true;
            }
        }
    }
    return false;
}

/*
 * Whether module is one of the drivers an installed kernel has for a device that no driver of its own holds
 * today, and every such driver is blacklisted: the device then stays without a driver after the reboot. This is
 * how a host that already booted with a manual setup looks (ids= gave vfio-pci the host's own GPU, the blacklist
 * keeps nvidia unloaded): no device uses the module today, yet the blacklist keeps it from one.
 */
static bool
blacklist_starves(const struct vp_resolver *r, const struct vp_device *dev, const char *module)
{
    char modalias[80];
    vp_device_modalias(dev, modalias, sizeof(modalias));
    bool claims = false;
    for (size_t k = 0; k < r->host->n_kernels; k++) {
        const struct vp_kernel_drivers *kd = &r->host->kernels[k].drivers;
        for (size_t a = 0; a < kd->n_aliases; a++) {
            const struct vp_module_alias *al = &kd->aliases[a];
            if (al->builtin || fnmatch(al->pattern, modalias, 0) != 0)
                continue;
            char name[VP_CONFIG_MODULE_MAX];
            vp_module_name(al->module, strlen(al->module), name, sizeof(name));
            if (!module_blacklisted(r, name))
                return false; /* a driver the blacklists leave claims it */
            claims = claims || strcmp(name, module) == 0;
        }
    }
    return claims;
}

/*
 * Whether module is a driver a device the host keeps needs, and which device: the module that device is using
 * today, or, for a device no driver of its own holds today (none, or vfio-pci and pci-stub while no VM gets it),
 * a driver a kernel has for it that the blacklists leave it without.
 */
static bool
host_needs_module(const struct vp_resolver *r, const char *module, size_t *device)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->host->n_devices; i++) {
            const struct vp_device *dev = &r->host->devices[i];
            if (r->owner_vm[i] >= 0)
                continue;
            bool held = vp_device_has_own_driver(dev);
            if (pass == 0 && held) {
                char name[VP_CONFIG_MODULE_MAX];
                const char *m = dev->driver_module ? dev->driver_module : dev->driver;
                vp_module_name(m, strlen(m), name, sizeof(name));
                char drv[VP_CONFIG_MODULE_MAX];
                vp_module_name(dev->driver, strlen(dev->driver), drv, sizeof(drv));
                if (strcmp(name, module) == 0 || strcmp(drv, module) == 0) {
                    *device = i;
                    return true;
                }
            } else if (pass == 1 && !held && !vp_device_is_bridge(dev) && blacklist_starves(r, dev, module)) {
                *device = i;
                return true;
            }
        }
    }
    return false;
}

static void
blacklist_line(struct vp_resolver *r, enum vp_code code, size_t i, const struct vp_config_parse *p)
{
    const struct vp_host *h = r->host;
    const struct vp_config_line *l = &h->config[i];
    size_t dev;
    if (p->verb == VP_VERB_BLACKLIST && host_needs_module(r, p->module, &dev)) {
        struct vp_pos pos = line_pos(r, i, p, -1);
        vp_rule_report(r, code, &pos, "%s keeps %s from %s, which the host keeps", quote(r, l->text), p->module,
                       h->devices[dev].addr_str);
        note_kept_device(r, dev);
        take_over_one(r, i, p, code, -1, NULL, true);
        return;
    }
    for (size_t w = 0; p->verb == VP_VERB_KERNEL_ARGS && w < p->n_words; w++) {
        char word[512];
        word_text(l->text, p, w, word, sizeof(word));
        const char *list = blacklist_arg(word);
        if (!list)
            continue;
        /* the same argument without the modules the host needs; empty: the argument goes */
        struct vp_strbuf rest = {0};
        vp_strbuf_add(&rest, word, (size_t)(list - word));
        size_t prefix = rest.len, first = 0;
        const char *first_module = NULL;
        bool needed = false;
        char buf[512];
        snprintf(buf, sizeof(buf), "%s", list);
        char *save = NULL;
        for (char *m = strtok_r(buf, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
            char name[VP_CONFIG_MODULE_MAX];
            vp_module_name(m, strlen(m), name, sizeof(name));
            size_t d;
            if (host_needs_module(r, name, &d)) {
                if (!needed) {
                    first = d;
                    first_module = vp_arena_strdup(r->arena, name);
                }
                needed = true;
            } else {
                vp_strbuf_printf(&rest, "%s%s", rest.len > prefix ? "," : "", m);
            }
        }
        if (needed) {
            struct vp_pos pos = line_pos(r, i, p, (long)w);
            vp_rule_report(r, code, &pos, "%s keeps %s from %s, which the host keeps", quote(r, word), first_module,
                           h->devices[first].addr_str);
            note_kept_device(r, first);
            take_over_one(r, i, p, code, (long)w, rest.len > prefix ? vp_arena_strdup(r->arena, rest.data) : NULL,
                          false);
        }
        vp_strbuf_free(&rest);
    }
}

void
vp_rule_existing_blacklist(struct vp_resolver *r, enum vp_code code)
{
    each_line(r, code, blacklist_line);
}

/* ---- settings that contradict the plan ---- */

static const char *
planned_arg(const struct vp_plan *p, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < p->n_kernel_args; i++)
        if (strncmp(p->kernel_args[i].value, name, n) == 0 && p->kernel_args[i].value[n] == '=')
            return p->kernel_args[i].value;
    return NULL;
}

/* Why a kernel argument contradicts the plan, or NULL. */
static const char *
contradiction(struct vp_resolver *r, const char *word)
{
    enum vp_iommu_mode mode = vp_resolver_iommu_mode(r);
    if (vp_startswith(word, "intel_iommu=") && mode == VP_IOMMU_INTEL) {
        char items[520];
        snprintf(items, sizeof(items), ",%.512s,", word + 12);
        if (strstr(items, ",off,"))
            return "turns the IOMMU off, which vfio needs";
    }
    if (strcmp(word, "amd_iommu=off") == 0 && mode == VP_IOMMU_AMD)
        return "turns the IOMMU off, which vfio needs";
    if (strcmp(word, "iommu=off") == 0)
        return "turns the IOMMU off, which vfio needs";
    if (vp_startswith(word, "pcie_acs_override=")) {
        const char *planned = planned_arg(r->plan, "pcie_acs_override");
        if (!planned)
            return "is left over: the spec does not ask for host.acs_override, and it weakens isolation";
        if (strcmp(planned, word) != 0)
            return vp_arena_printf(r->arena, "differs from the spec's %s (host.acs_override)", planned);
    }
    return NULL;
}

static void
contradiction_line(struct vp_resolver *r, enum vp_code code, size_t i, const struct vp_config_parse *p)
{
    const struct vp_host *h = r->host;
    const struct vp_config_line *l = &h->config[i];
    if (p->verb == VP_VERB_INSTALL && strcmp(p->module, "vfio_pci") == 0) {
        struct vp_pos pos = line_pos(r, i, p, -1);
        vp_rule_report(r, code, &pos,
                       "%s runs instead of loading vfio-pci (modprobe runs the first install command it finds)%s",
                       quote(r, l->text),
                       r->plan->n_bind_addresses ? ", and instead of vfioplan's own, which binds by address" : "");
        take_over_one(r, i, p, code, -1, NULL, true);
        return;
    }
    for (size_t w = 0; w < p->n_words; w++) {
        char word[512];
        word_text(l->text, p, w, word, sizeof(word));
        const char *why = NULL;
        if (p->verb == VP_VERB_KERNEL_ARGS)
            why = contradiction(r, word);
        else if (p->verb == VP_VERB_OMIT_MODULES) {
            char name[VP_CONFIG_MODULE_MAX];
            vp_module_name(word, strlen(word), name, sizeof(name));
            if (vp_startswith(name, "vfio"))
                why = "leaves a vfio module out of dracut's initramfs, where vfio-pci must claim the devices";
        }
        if (!why)
            continue;
        struct vp_pos pos = line_pos(r, i, p, (long)w);
        vp_rule_report(r, code, &pos, "%s %s", quote(r, word), why);
        take_over_one(r, i, p, code, (long)w, NULL, p->verb == VP_VERB_OMIT_MODULES && p->n_words == 1);
    }
}

void
vp_rule_existing_contradiction(struct vp_resolver *r, enum vp_code code)
{
    each_line(r, code, contradiction_line);
}

/* ---- settings vfioplan now writes itself ---- */

/* vfioplan's own kernel arguments live in its GRUB drop-in; elsewhere (grubby's and systemd-boot's entries,
 * /etc/kernel/cmdline) they are where vfioplan put them. */
static bool
repeats_planned_arg(const struct vp_resolver *r, const struct vp_config_line *l, const char *word)
{
    if (l->kind != VP_CONFIG_GRUB || r->plan->bootloader != VP_BOOTLOADER_GRUB)
        return false;
    for (size_t i = 0; i < r->plan->n_kernel_args; i++)
        if (strcmp(r->plan->kernel_args[i].value, word) == 0)
            return true;
    return false;
}

static bool
own_arg(const struct vp_resolver *r, const char *word)
{
    for (size_t i = 0; i < r->plan->n_kernel_args; i++)
        if (strcmp(r->plan->kernel_args[i].value, word) == 0)
            return true;
    return false;
}

/* The note every VP7004 gets: why a harmless-looking repeat is taken over all the same. */
static void
note_left_over(struct vp_resolver *r)
{
    vp_note(r->d, "vfioplan now writes the vfio-pci configuration; a line left over would still act when the spec "
                  "no longer asks for it");
}

static void
duplicate_line(struct vp_resolver *r, enum vp_code code, size_t i, const struct vp_config_parse *p)
{
    const struct vp_host *h = r->host;
    const struct vp_config_line *l = &h->config[i];
    char word[512];
    size_t kept[1], n_kept;
    bool line_grabs = false; /* VP7001 took the line */
    for (size_t w = 0; w < p->n_words && !line_grabs; w++) {
        word_text(l->text, p, w, word, sizeof(word));
        const char *list = ids_of_word(p, word);
        line_grabs = list && (ids_take(r, list, kept, 1, &n_kept), n_kept > 0);
    }
    /* whole lines: vfio modules loaded in the initramfs, softdeps on vfio-pci */
    const char *what = NULL;
    if (p->verb == VP_VERB_LOAD && vp_startswith(p->module, "vfio") && !line_grabs)
        what = "loads a vfio module in the initramfs, as vfioplan's initramfs hook does";
    else if (p->verb == VP_VERB_SOFTDEP)
        what = "loads vfio-pci before a driver, as vfioplan's softdeps do";
    if (what) {
        struct vp_pos pos = line_pos(r, i, p, -1);
        vp_rule_report(r, code, &pos, "%s %s", quote(r, l->text), what);
        note_left_over(r);
        take_over_one(r, i, p, code, -1, NULL, true);
        return;
    }
    /* words: ids that take no device the host keeps, vfio modules in a module list, vfioplan's own arguments */
    size_t words[VP_CONFIG_MAX_WORDS], n = 0;
    struct vp_strbuf listed = {0};
    const char *why = NULL;
    for (size_t w = 0; w < p->n_words; w++) {
        word_text(l->text, p, w, word, sizeof(word));
        const char *list = ids_of_word(p, word);
        char name[VP_CONFIG_MODULE_MAX];
        vp_module_name(word, strlen(word), name, sizeof(name));
        const char *this_why = NULL;
        if (list && p->verb != VP_VERB_LOAD) {
            size_t taken = ids_take(r, list, kept, 1, &n_kept);
            if (!n_kept && !own_arg(r, word))
                this_why = taken ? "gives vfio-pci only devices the spec assigns, as vfioplan's own ids= does"
                                 : "matches no device on this host; vfioplan writes vfio-pci's ids itself";
        } else if (p->verb == VP_VERB_MODULES && vp_startswith(name, "vfio")) {
            this_why = "puts vfio modules into the initramfs, as vfioplan's drop-in does";
        } else if (p->verb == VP_VERB_KERNEL_ARGS && repeats_planned_arg(r, l, word)) {
            this_why = "repeats what vfioplan's GRUB drop-in adds";
        }
        if (!this_why)
            continue;
        /* one message for the line; words that repeat different things say so together */
        why = !why || strcmp(why, this_why) == 0 ? this_why : "repeat what vfioplan now writes itself";
        words[n++] = w;
        vp_strbuf_printf(&listed, "%s%s", listed.len ? " " : "", word);
    }
    if (n) {
        struct vp_pos pos = line_pos(r, i, p, (long)words[0]);
        vp_rule_report(r, code, &pos, "%s %s", quote(r, listed.data), why);
        note_left_over(r);
        /* a line left with nothing to say goes whole: options without parameters, an empty module list */
        bool empty = n == p->n_words && p->verb != VP_VERB_KERNEL_ARGS;
        take_over(r, i, p, code, words, NULL, empty ? 0 : n, p->verb != VP_VERB_KERNEL_ARGS);
    }
    vp_strbuf_free(&listed);
}

void
vp_rule_existing_duplicate(struct vp_resolver *r, enum vp_code code)
{
    each_line(r, code, duplicate_line);
}
