/* SPDX-License-Identifier: MIT */
/*
 * overlay.c: vms[].overlay, the admin's own tuning of a domain, merged into
 * the domain vfioplan generates, so that it survives every apply (a
 * `virsh edit` does not: the next `virsh define` replaces it). The overlay
 * is a <domain> element, read by libxml2 without a network, without
 * loading or expanding entities, after a check that it has no DTD; bounded
 * in size, depth and elements. The merge is by element path:
 *
 *   - its attributes are set on the element it matches (the overlay wins);
 *   - an element matches the generated sibling of the same name that has
 *     the same identifying attributes (name; type and index; vcpu; cellid;
 *     id) when it has any of them, else the first sibling of that name;
 *   - under <devices>, an element without identifying attributes is a new
 *     device, appended (but emulator, memballoon, iommu and vsock, which a
 *     domain has one of, match);
 *   - an element that matches nothing is appended after its generated
 *     namesakes (at the end when there are none);
 *   - text replaces the matched element's text; comments and processing
 *     instructions are dropped.
 *
 * What the spec owns is refused (VP2029): the domain's type, name, uuid,
 * memory, currentMemory and vcpu, PCI controllers and <hostdev> (the
 * passed-through devices are laid out and checked from vms[].devices).
 *
 * The merged domain is then validated against libvirt's own schema
 * (domain.rng, as 'virsh define --validate' does), so that a typo in an
 * overlay is refused by plan and apply (VP2030) rather than by virsh define
 * after the files are written.
 */
#include "overlay.h"

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Where libvirt installs its schemas (Debian, Fedora, Arch alike). */
#define VP_LIBVIRT_DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"

enum { MAX_BYTES = 64 * 1024, MAX_DEPTH = 16, MAX_ELEMENTS = 1000 };

/* The identifying attributes, in the order they are looked for; type counts only with index (controllers). */
static const char *const id_attrs[] = {"name", "index", "vcpu", "cellid", "id"};
/* Devices a domain has at most one of: an overlay's matches the generated one. */
static const char *const single_devices[] = {"emulator", "memballoon", "iommu", "vsock"};
/* Children of <domain> the spec owns. */
static const char *const owned_children[] = {"name", "uuid", "memory", "currentMemory", "vcpu"};

static bool
is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0 && !n->ns;
}

static bool
in_list(const xmlChar *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (xmlStrcmp(name, BAD_CAST list[i]) == 0)
            return true;
    return false;
}

/* "<!" that is not a comment or CDATA: a DOCTYPE, hence a DTD, entities, external subsets. */
static bool
has_declaration(const char *text, size_t len)
{
    for (const char *p = text; (p = memchr(p, '<', len - (size_t)(p - text))) && p + 1 < text + len; p++) {
        if (p[1] != '!')
            continue;
        size_t left = len - (size_t)(p - text);
        if ((left >= 4 && strncmp(p, "<!--", 4) == 0) || (left >= 9 && strncmp(p, "<![CDATA[", 9) == 0))
            continue;
        return true;
    }
    return false;
}

struct walk {
    size_t elements;
    int depth;
};

static void
measure(const xmlNode *n, int depth, struct walk *w)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        w->elements++;
        if (depth > w->depth)
            w->depth = depth;
        if (depth <= MAX_DEPTH && w->elements <= MAX_ELEMENTS)
            measure(n->children, depth + 1, w);
    }
}

/* What the spec owns, anywhere in the overlay: reported once each, with the path. */
static int
check_owned(const xmlNode *dom, const struct vp_vm *vm, struct vp_diags *d)
{
    int rc = 0;
    if (xmlHasProp((xmlNode *)dom, BAD_CAST "type")) {
        rc = vp_error(d, VP_OVERLAY_OWNED, &vm->overlay_pos, "VM '%s': the overlay sets <domain type>", vm->name);
        vp_hint(d, "remove it: passthrough needs a kvm domain, and vfioplan writes it");
    }
    for (const xmlNode *c = dom->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !c->ns && in_list(c->name, owned_children, VP_ARRAY_SIZE(owned_children))) {
            rc = vp_error(d, VP_OVERLAY_OWNED, &vm->overlay_pos, "VM '%s': the overlay sets <%s>, which the spec owns",
                          vm->name, (const char *)c->name);
            vp_hint(d, "set it in the spec instead (vms[].name, uuid, memory, vcpus)");
        }
        if (!is(c, "devices"))
            continue;
        for (const xmlNode *dev = c->children; dev; dev = dev->next) {
            bool hostdev = is(dev, "hostdev");
            xmlChar *type = is(dev, "controller") ? xmlGetProp((xmlNode *)dev, BAD_CAST "type") : NULL;
            bool pci = type && xmlStrcmp(type, BAD_CAST "pci") == 0;
            xmlFree(type);
            if (hostdev || pci) {
                rc = vp_error(d, VP_OVERLAY_OWNED, &vm->overlay_pos, "VM '%s': the overlay adds %s", vm->name,
                              hostdev ? "a <hostdev>" : "a PCI <controller>");
                vp_hint(d, "pass devices through with vms[].devices: vfioplan checks their IOMMU groups and gives "
                           "each its own root port");
            }
        }
    }
    return rc;
}

xmlDoc *
vp_overlay_read(const struct vp_vm *vm, struct vp_diags *d)
{
    size_t len = strlen(vm->overlay);
    const struct vp_pos *pos = &vm->overlay_pos;
    if (len > MAX_BYTES) {
        vp_error(d, VP_OVERLAY_HOSTILE, pos, "VM '%s': the overlay is %zu bytes, more than %d KiB", vm->name, len,
                 MAX_BYTES / 1024);
        vp_hint(d, "an overlay holds the few elements vfioplan does not write; keep the rest in the spec");
        return NULL;
    }
    if (has_declaration(vm->overlay, len)) {
        vp_error(d, VP_OVERLAY_HOSTILE, pos, "VM '%s': the overlay has a <!DOCTYPE> or another declaration", vm->name);
        vp_note(d, "a DTD can define entities that expand without bound or read files and URLs");
        vp_hint(d, "write plain elements and attributes; only the five predefined entities (&lt; &gt; &amp; &quot; "
                   "&apos;) and character references are read");
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return NULL;
    /* no network, no DTD loaded, entities not substituted, blanks dropped (the merged domain is indented anew) */
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, vm->overlay, (int)len, "overlay", "UTF-8",
                                    XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "not well-formed");
        msg[strcspn(msg, "\n")] = '\0';
        vp_error(d, VP_OVERLAY_XML, pos,
                 "VM '%s': the overlay is not well-formed XML: %s (line %d, column %d of the "
                 "overlay)",
                 vm->name, msg, e ? e->line : 0, e ? e->int2 : 0);
        vp_hint(d, "write one <domain> element holding what to add or change, as 'virsh dumpxml' shows it");
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);
    xmlNode *root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset) {
        vp_error(d, VP_OVERLAY_HOSTILE, pos, "VM '%s': the overlay has a DTD", vm->name);
        vp_hint(d, "remove the <!DOCTYPE ...>");
        xmlFreeDoc(doc);
        return NULL;
    }
    if (!root || !is(root, "domain")) {
        vp_error(d, VP_OVERLAY_XML, pos, "VM '%s': the overlay's element is <%s>, not <domain>", vm->name,
                 root ? (const char *)root->name : "?");
        vp_hint(d, "wrap what to merge in <domain> ... </domain>, at the paths 'virsh dumpxml' shows");
        xmlFreeDoc(doc);
        return NULL;
    }
    struct walk w = {0};
    measure(root, 1, &w);
    if (w.depth > MAX_DEPTH || w.elements > MAX_ELEMENTS) {
        vp_error(d, VP_OVERLAY_HOSTILE, pos, "VM '%s': the overlay is %s than the limit (%d levels, %d elements)",
                 vm->name, w.depth > MAX_DEPTH ? "deeper" : "larger", MAX_DEPTH, MAX_ELEMENTS);
        vp_hint(d, "a domain is 6 levels deep; an overlay holds only what vfioplan does not write");
        xmlFreeDoc(doc);
        return NULL;
    }
    if (check_owned(root, vm, d) < 0) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static bool
same_ns(const xmlNode *a, const xmlNode *b)
{
    if (!a->ns || !b->ns)
        return !a->ns && !b->ns;
    return xmlStrcmp(a->ns->href, b->ns->href) == 0;
}

/* Equal values of attr on both, or absent on both. */
static bool
same_attr(const xmlNode *a, const xmlNode *b, const char *attr)
{
    xmlChar *x = xmlGetProp((xmlNode *)a, BAD_CAST attr), *y = xmlGetProp((xmlNode *)b, BAD_CAST attr);
    bool same = (!x && !y) || (x && y && xmlStrcmp(x, y) == 0);
    xmlFree(x);
    xmlFree(y);
    return same;
}

static xmlNode *
match(xmlNode *parent, const xmlNode *ov)
{
    bool keyed = false;
    for (size_t i = 0; i < VP_ARRAY_SIZE(id_attrs); i++)
        keyed |= xmlHasProp((xmlNode *)ov, BAD_CAST id_attrs[i]) != NULL;
    if (!keyed && is(parent, "devices") && !in_list(ov->name, single_devices, VP_ARRAY_SIZE(single_devices)))
        return NULL; /* a new device */
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, ov->name) != 0 || !same_ns(c, ov))
            continue;
        bool same = true;
        for (size_t i = 0; keyed && i < VP_ARRAY_SIZE(id_attrs) && same; i++)
            if (xmlHasProp((xmlNode *)ov, BAD_CAST id_attrs[i]))
                same = same_attr(c, ov, id_attrs[i]);
        if (same && keyed && xmlHasProp((xmlNode *)ov, BAD_CAST "index"))
            same = same_attr(c, ov, "type");
        if (same)
            return c;
    }
    return NULL;
}

static bool
has_text(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !xmlIsBlankNode((xmlNode *)c))
            return true;
    return false;
}

static void
strip(xmlNode *n)
{
    for (xmlNode *c = n->children, *next; c; c = next) {
        next = c->next;
        if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE) {
            strip(c);
        }
    }
}

/* A copy of ov for the generated document, without comments and processing instructions. */
static xmlNode *
copy_clean(const xmlNode *ov, xmlDoc *doc)
{
    xmlNode *copy = xmlDocCopyNode((xmlNode *)ov, doc, 1);
    if (copy)
        strip(copy);
    return copy;
}

static void
repoint(xmlNode *n, const xmlNs *from, xmlNs *to)
{
    if (n->ns == from)
        n->ns = to;
    for (xmlAttr *a = n->properties; a; a = a->next)
        if (a->ns == from)
            a->ns = to;
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            repoint(c, from, to);
}

/* A copied element declares the namespaces it uses (xmlns:qemu=...): where its new ancestors declare the same,
 * it uses theirs, and the copy's declaration goes. */
static void
drop_redundant_ns(xmlNode *n)
{
    for (xmlNs **link = &n->nsDef; *link;) {
        xmlNs *def = *link, *up = n->parent ? xmlSearchNs(n->doc, n->parent, def->prefix) : NULL;
        if (up && xmlStrcmp(up->href, def->href) == 0) {
            repoint(n, def, up);
            *link = def->next;
            def->next = NULL;
            xmlFreeNs(def);
        } else {
            link = &def->next;
        }
    }
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            drop_redundant_ns(c);
}

static void
merge(xmlNode *gen, const xmlNode *ov)
{
    for (const xmlAttr *a = ov->properties; a; a = a->next) {
        xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
        if (a->ns)
            xmlSetNsProp(gen, xmlSearchNsByHref(gen->doc, gen, a->ns->href), a->name, v);
        else
            xmlSetProp(gen, a->name, v);
        xmlFree(v);
    }
    if (has_text(ov)) {
        xmlChar *text = xmlNodeGetContent((const xmlNode *)ov);
        xmlNodeSetContent(gen, NULL);
        xmlNodeAddContent(gen, text);
        xmlFree(text);
        return;
    }
    for (const xmlNode *c = ov->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlNode *m = match(gen, c);
        if (m) {
            merge(m, c);
            continue;
        }
        xmlNode *copy = copy_clean(c, gen->doc);
        if (!copy)
            continue;
        xmlNode *last = NULL;
        for (xmlNode *s = gen->children; s; s = s->next)
            if (s->type == XML_ELEMENT_NODE && xmlStrcmp(s->name, c->name) == 0 && same_ns(s, c))
                last = s;
        if (last)
            xmlAddNextSibling(last, copy);
        else
            xmlAddChild(gen, copy);
        drop_redundant_ns(copy);
    }
}

void
vp_overlay_merge(xmlNode *domain, xmlDoc *overlay)
{
    xmlNode *root = xmlDocGetRootElement(overlay);
    /* namespaces the overlay declares on <domain> (qemu:commandline) go on the generated one */
    for (xmlNs *ns = root->nsDef; ns; ns = ns->next)
        if (!xmlSearchNsByHref(domain->doc, domain, ns->href))
            xmlNewNs(domain, ns->href, ns->prefix);
    merge(domain, root);
}

/* What the validator reports, the first few errors with the paths of their elements. libxml2's RelaxNG
 * reports a bad value where it tried a choice first, and the element that failed last: the last error is the
 * one that names the element to fix. */
enum { MAX_ERRORS = 4 };
struct rng_errors {
    char message[MAX_ERRORS][200];
    char path[MAX_ERRORS][200];
    size_t n;
};

static void
keep_error(void *ctx, xmlError *e)
{
    struct rng_errors *r = ctx;
    if (r->n == MAX_ERRORS || !e)
        return;
    snprintf(r->message[r->n], sizeof(r->message[0]), "%s", e->message ? e->message : "invalid");
    /* libxml2 ends its messages with a newline, some with a space before it */
    char *m = r->message[r->n];
    m[strcspn(m, "\n")] = '\0';
    for (size_t len = strlen(m); len && m[len - 1] == ' ';)
        m[--len] = '\0';
    xmlChar *path = e->node ? xmlGetNodePath((xmlNode *)e->node) : NULL;
    snprintf(r->path[r->n], sizeof(r->path[0]), "%s", path ? (const char *)path : "/domain");
    xmlFree(path);
    r->n++;
}

static void
ignore(void *ctx, xmlError *e)
{
    (void)ctx;
    (void)e;
}

const char *
vp_overlay_schema_path(void)
{
    const char *env = getenv("VFIOPLAN_LIBVIRT_SCHEMA");
    return env && *env ? env : VP_LIBVIRT_DOMAIN_RNG;
}

int
vp_overlay_validate(xmlDoc *merged, const struct vp_vm *vm, struct vp_diags *d)
{
    const char *schema = vp_overlay_schema_path();
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt(schema);
    xmlRelaxNGPtr rng = NULL;
    if (pctxt) {
        xmlRelaxNGSetParserStructuredErrors(pctxt, ignore, NULL);
        rng = xmlRelaxNGParse(pctxt);
        xmlRelaxNGFreeParserCtxt(pctxt);
    }
    if (!rng) {
        vp_error(d, VP_OVERLAY_INVALID, &vm->overlay_pos,
                 "VM '%s': cannot validate the domain with its overlay: libvirt's schema %s cannot be read", vm->name,
                 schema);
        vp_hint(d, "install libvirt's schemas (Debian: libvirt-daemon-common or libvirt-clients; Fedora: "
                   "libvirt-libs), or name domain.rng in VFIOPLAN_LIBVIRT_SCHEMA");
        return -1;
    }
    xmlRelaxNGValidCtxtPtr vctxt = xmlRelaxNGNewValidCtxt(rng);
    struct rng_errors errors = {0};
    xmlRelaxNGSetValidStructuredErrors(vctxt, keep_error, &errors);
    int r = xmlRelaxNGValidateDoc(vctxt, merged);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlRelaxNGFree(rng);
    if (r == 0)
        return 0;
    size_t last = errors.n ? errors.n - 1 : 0;
    vp_error(d, VP_OVERLAY_INVALID, &vm->overlay_pos,
             "VM '%s': with its overlay merged, the domain is not valid for libvirt: %s: %s", vm->name,
             errors.n ? errors.path[last] : "/domain", errors.n ? errors.message[last] : "invalid");
    for (size_t i = 0; i + 1 < errors.n; i++)
        vp_note(d, "the validator also says: %s: %s", errors.path[i], errors.message[i]);
    vp_note(d, "checked against %s, the schema 'virsh define --validate' uses", schema);
    vp_hint(d, "fix the overlay's element or attribute at that path ('vfioplan build' without the overlay shows "
               "the domain it is merged into)");
    return -1;
}
