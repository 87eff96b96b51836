/* SPDX-License-Identifier: MIT */
/*
 * libvirt.c: one libvirt domain per VM, built with libxml2 (never printed by
 * hand): q35, UEFI with Secure Boot off, host-passthrough CPU, and one
 * <hostdev> per function, the functions of one host device kept together
 * on one guest slot behind their own pcie-root-port; what the guest OS adds
 * (Windows: TPM, Hyper-V) is in libvirt-windows.c. libxml2 stays in these
 * files; its errors go to a handler, not to stderr.
 */
#include <inttypes.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "emit-internal.h"
#include "libvirt-numa.h"
#include "libvirt-resources.h"
#include "libvirt-windows.h"
#include "overlay.h"

static void
xml_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static xmlNodePtr
child(xmlNodePtr parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST name, text ? BAD_CAST text : NULL);
}

static void
prop(xmlNodePtr node, const char *name, const char *value)
{
    xmlNewProp(node, BAD_CAST name, BAD_CAST value);
}

/* A number as libvirt writes it: decimal, or 0x-prefixed hex of hex_digits digits. */
static void
propn(xmlNodePtr node, const char *name, unsigned long long v, int hex_digits)
{
    char buf[32];
    if (hex_digits)
        snprintf(buf, sizeof(buf), "0x%0*llx", hex_digits, v);
    else
        snprintf(buf, sizeof(buf), "%llu", v);
    prop(node, name, buf);
}

/* XML comments may not contain "--" (a VM or host name may); it becomes "- -". */
static xmlNodePtr
new_comment(xmlDocPtr doc, const char *text)
{
    struct vp_strbuf sb = {0};
    for (const char *c = text; *c; c++) {
        vp_strbuf_putc(&sb, *c);
        if (*c == '-' && (c[1] == '-' || c[1] == '\0'))
            vp_strbuf_putc(&sb, ' ');
    }
    xmlNodePtr n = doc ? xmlNewDocComment(doc, BAD_CAST sb.data) : xmlNewComment(BAD_CAST sb.data);
    vp_strbuf_free(&sb);
    return n;
}

static void
comment(xmlNodePtr parent, const char *text)
{
    xmlAddChild(parent, new_comment(parent->doc, text));
}

static void
pci_address(xmlNodePtr addr, uint32_t domain, unsigned bus, unsigned slot, unsigned fn)
{
    propn(addr, "domain", domain, 4);
    propn(addr, "bus", bus, 2);
    propn(addr, "slot", slot, 2);
    propn(addr, "function", fn, 1);
}

static void
add_os(xmlNodePtr dom, const struct vp_vm *vm)
{
    xmlNodePtr os = child(dom, "os", NULL);
    if (vm->firmware.type == VP_FIRMWARE_UEFI)
        prop(os, "firmware", "efi");
    xmlNodePtr type = child(os, "type", "hvm");
    prop(type, "arch", "x86_64");
    prop(type, "machine", "q35");
    if (vm->firmware.type == VP_FIRMWARE_UEFI) {
        xmlNodePtr fw = child(os, "firmware", NULL);
        const char *state = vm->firmware.secure_boot ? "yes" : "no";
        xmlNodePtr f = child(fw, "feature", NULL);
        prop(f, "enabled", state);
        prop(f, "name", "enrolled-keys");
        f = child(fw, "feature", NULL);
        prop(f, "enabled", state);
        prop(f, "name", "secure-boot");
    }
}

/* The bus a disk is attached to. A CD-ROM cannot be virtio (libvirt: "does not
 * support ejectable media"), so one on the default bus goes on SATA, q35's
 * built-in AHCI controller, as virt-install and virt-manager put it. */
static enum vp_disk_bus
disk_bus(const struct vp_disk *disk)
{
    return disk->device == VP_DEVICE_CDROM && disk->bus == VP_DISK_VIRTIO ? VP_DISK_SATA : disk->bus;
}

/* A target name as libvirt spells them (virIndexToDiskName): the prefix, then
 * a..z, aa..az, ba..., so index 26 is "aa". Each bus's prefix is its own
 * namespace except that SATA and SCSI share sdX: libvirt derives a disk's
 * drive address from its name, and two disks of one name would get one
 * address ("Found duplicate drive address"). */
static void
disk_target(char *buf, size_t size, const char *prefix, unsigned idx)
{
    char letters[8];
    size_t n = 0;
    for (unsigned long v = idx + 1ul; v > 0 && n < sizeof(letters); v = (v - 1) / 26)
        letters[n++] = (char)('a' + (v - 1) % 26);
    size_t len = (size_t)snprintf(buf, size, "%s", prefix);
    while (n > 0 && len + 1 < size)
        buf[len++] = letters[--n];
    buf[len] = '\0';
}

static void
add_disks(xmlNodePtr devs, const struct vp_vm *vm)
{
    /* libvirt puts the SCSI disk named sdX with index N on controller N / 7
     * (seven units per controller, whatever the model) and adds any controller
     * it lacks with its default model, an emulated LSI 53C895A that current
     * Windows has no driver for: so every SCSI controller is given as
     * virtio-scsi here. */
    unsigned scsi_controllers = 0, sd = 0;
    for (size_t i = 0; i < vm->n_disks; i++) {
        enum vp_disk_bus bus = disk_bus(&vm->disks[i]);
        if (bus == VP_DISK_SCSI)
            scsi_controllers = sd / 7 + 1;
        if (bus != VP_DISK_VIRTIO)
            sd++;
    }
    for (unsigned c = 0; c < scsi_controllers; c++) {
        xmlNodePtr ctl = child(devs, "controller", NULL);
        prop(ctl, "type", "scsi");
        propn(ctl, "index", c, 0);
        prop(ctl, "model", "virtio-scsi");
    }
    unsigned next_vd = 0, next_sd = 0;
    for (size_t i = 0; i < vm->n_disks; i++) {
        const struct vp_disk *disk = &vm->disks[i];
        enum vp_disk_bus bus = disk_bus(disk);
        bool block = vp_startswith(disk->path, "/dev/");
        xmlNodePtr d = child(devs, "disk", NULL);
        prop(d, "type", block ? "block" : "file");
        bool cdrom = disk->device == VP_DEVICE_CDROM;
        prop(d, "device", vp_disk_device_name(disk->device));
        xmlNodePtr drv = child(d, "driver", NULL);
        prop(drv, "name", "qemu");
        /* an ISO image is raw, whatever format says */
        prop(drv, "type", vp_disk_format_name(cdrom ? VP_FORMAT_RAW : disk->format));
        xmlNodePtr src = child(d, "source", NULL);
        prop(src, block ? "dev" : "file", disk->path);
        char dev[16];
        if (bus == VP_DISK_VIRTIO)
            disk_target(dev, sizeof(dev), "vd", next_vd++);
        else
            disk_target(dev, sizeof(dev), "sd", next_sd++);
        xmlNodePtr tgt = child(d, "target", NULL);
        prop(tgt, "dev", dev);
        prop(tgt, "bus", vp_disk_bus_name(bus));
        if (i == 0)
            propn(child(d, "boot", NULL), "order", 1, 0);
        if (cdrom)
            child(d, "readonly", NULL);
    }
}

static void
add_networks(xmlNodePtr devs, const struct vp_vm *vm)
{
    for (size_t i = 0; i < vm->n_networks; i++) {
        const struct vp_network *n = &vm->networks[i];
        xmlNodePtr iface = child(devs, "interface", NULL);
        prop(iface, "type", n->network ? "network" : "bridge");
        if (n->mac)
            prop(child(iface, "mac", NULL), "address", n->mac);
        prop(child(iface, "source", NULL), n->network ? "network" : "bridge", n->network ? n->network : n->bridge);
        prop(child(iface, "model", NULL), "type", vp_nic_model_name(n->model));
    }
}

/* The entry's option ROM on this function: a whole slot's goes to function 0 (the GPU; its audio and USB functions have
 * none). */
static void
add_rom(xmlNodePtr h, const struct vp_selector *sel, const struct vp_device *dev)
{
    if (!sel->has_rom || (sel->has_address && sel->whole_slot && dev->addr.fn != 0))
        return;
    xmlNodePtr rom = child(h, "rom", NULL);
    if (!sel->rom.bar)
        prop(rom, "bar", "off");
    if (sel->rom.file)
        prop(rom, "file", sel->rom.file);
}

static void
guest_address(xmlNodePtr h, const struct vp_assignment *a)
{
    xmlNodePtr ga = child(h, "address", NULL);
    prop(ga, "type", "pci");
    pci_address(ga, 0, a->guest_port ? a->guest_port : a->guest_bus, 0, a->guest_fn);
    if (a->guest_multifunction)
        prop(ga, "multifunction", "on");
}

static void
add_hostdevs(xmlNodePtr devs, const struct vp_plan *plan, const struct vp_plan_vm *pvm)
{
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_assignment *a = &pvm->assigned[i];
        const struct vp_device *dev = &plan->host->devices[a->device];
        const struct vp_selector *sel = &pvm->spec->devices[a->selector];
        char note[200];
        if (dev->iommu_group >= 0)
            snprintf(note, sizeof(note), " %s [%04x:%04x] class %04x, IOMMU group %ld%s ", dev->addr_str, dev->vendor,
                     dev->device, vp_device_class16(dev), dev->iommu_group,
                     dev->hw.vf_planned ? " (predicted: a VF host.sriov creates)" : "");
        else
            snprintf(note, sizeof(note), " %s [%04x:%04x] class %04x ", dev->addr_str, dev->vendor, dev->device,
                     vp_device_class16(dev));
        comment(devs, note);
        xmlNodePtr h;
        if (sel->mac || sel->has_vlan) {
            /* a NIC VF with its MAC and VLAN set by the host on the VF: libvirt's hostdev interface */
            h = child(devs, "interface", NULL);
            prop(h, "type", "hostdev");
            prop(h, "managed", "yes");
            if (sel->mac)
                prop(child(h, "mac", NULL), "address", sel->mac);
        } else {
            h = child(devs, "hostdev", NULL);
            prop(h, "mode", "subsystem");
            prop(h, "type", "pci");
            prop(h, "managed", "yes");
        }
        xmlNodePtr src = child(h, "source", NULL);
        xmlNodePtr sa = child(src, "address", NULL);
        if (sel->mac || sel->has_vlan)
            prop(sa, "type", "pci");
        pci_address(sa, dev->addr.domain, dev->addr.bus, dev->addr.dev, dev->addr.fn);
        if (sel->has_vlan)
            propn(child(child(h, "vlan", NULL), "tag", NULL), "id", sel->vlan, 0);
        add_rom(h, sel, dev);
        guest_address(h, a);
    }
}

static char *
build_domain(const struct vp_plan *plan, const struct vp_plan_vm *pvm, xmlDoc *overlay, size_t *len, struct vp_diags *d)
{
    const struct vp_vm *vm = pvm->spec;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    struct vp_strbuf head = {0};
    vp_strbuf_putc(&head, ' ');
    vp_emit_generated_sentence(&head, plan);
    vp_strbuf_puts(&head, " Define it with: virsh define /" VP_DIR_VMS "/");
    vp_strbuf_puts(&head, vm->name);
    vp_strbuf_puts(&head, ".xml ");
    xmlAddChild((xmlNodePtr)doc, new_comment(doc, head.data));
    vp_strbuf_free(&head);

    xmlNodePtr dom = xmlNewNode(NULL, BAD_CAST "domain");
    xmlDocSetRootElement(doc, dom);
    prop(dom, "type", "kvm");
    child(dom, "name", vm->name);
    child(dom, "uuid", pvm->uuid);
    char num[32];
    snprintf(num, sizeof(num), "%" PRIu64, vm->memory_bytes >> 10);
    prop(child(dom, "memory", num), "unit", "KiB");
    vp_libvirt_memory_backing(dom, pvm);
    snprintf(num, sizeof(num), "%u", vm->vcpus);
    prop(child(dom, "vcpu", num), "placement", "static");
    vp_libvirt_numa_tune(dom, pvm);
    if (pvm->mmio64_mib) {
        char why[400];
        snprintf(why, sizeof(why),
                 " The passed-through devices' 64-bit BARs need %" PRIu64 " MiB of guest address space"
                 " (each root port's window aligned to its largest BAR); OVMF maps only 32 GiB unless"
                 " told more, and the guest then cannot use the devices. ",
                 pvm->mmio64_bytes >> 20);
        comment(dom, why);
        xmlNodePtr si = child(dom, "sysinfo", NULL);
        prop(si, "type", "fwcfg");
        snprintf(num, sizeof(num), "%" PRIu64, pvm->mmio64_mib);
        prop(child(si, "entry", num), "name", "opt/ovmf/X-PciMmio64Mb");
    }
    add_os(dom, vm);
    xmlNodePtr features = child(dom, "features", NULL);
    child(features, "acpi", NULL);
    child(features, "apic", NULL);
    vp_libvirt_guest_features(features, vm);
    xmlNodePtr cpu = child(dom, "cpu", NULL);
    prop(cpu, "mode", "host-passthrough");
    prop(cpu, "check", "none");
    prop(cpu, "migratable", "off");
    vp_libvirt_cpu_topology(cpu, pvm);
    vp_libvirt_numa_cells(cpu, pvm);
    if (pvm->mmio64_mib) /* the guest must be able to address that window */
        prop(child(cpu, "maxphysaddr", NULL), "mode", "passthrough");
    vp_libvirt_guest_clock(dom, vm);

    xmlNodePtr devs = child(dom, "devices", NULL);
    xmlNodePtr root = child(devs, "controller", NULL);
    prop(root, "type", "pci");
    prop(root, "index", "0");
    prop(root, "model", "pcie-root");
    bool mirrored = vp_libvirt_numa_controllers(devs, pvm);
    if (pvm->n_guest_slots && !mirrored)
        comment(devs, " One root port per passed-through device: its functions stay together on one slot. ");
    for (unsigned s = 1; s <= pvm->n_guest_slots && !mirrored; s++) {
        xmlNodePtr rp = child(devs, "controller", NULL);
        prop(rp, "type", "pci");
        propn(rp, "index", s, 0);
        prop(rp, "model", "pcie-root-port");
    }
    add_disks(devs, vm);
    add_networks(devs, vm);
    add_hostdevs(devs, plan, pvm);
    vp_libvirt_guest_devices(devs, vm);
    prop(child(devs, "serial", NULL), "type", "pty");
    prop(child(devs, "console", NULL), "type", "pty");
    /* Passed-through devices pin all guest memory; a balloon could not give any back. */
    prop(child(devs, "memballoon", NULL), "model", "none");
    if (overlay) {
        xmlAddPrevSibling(xmlFirstElementChild(dom),
                          new_comment(doc, " With the spec's vms[].overlay merged in: hand tuning that every apply "
                                           "writes again. "));
        vp_overlay_merge(dom, overlay);
        if (vp_overlay_validate(doc, vm, d) < 0) {
            xmlFreeDoc(doc);
            return NULL;
        }
    }

    xmlBufferPtr buf = xmlBufferCreate();
    xmlSaveCtxtPtr save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
    xmlSaveDoc(save, doc);
    xmlSaveClose(save);
    size_t n = (size_t)xmlBufferLength(buf);
    char *out = vp_xmalloc(n + 1);
    memcpy(out, xmlBufferContent(buf), n);
    out[n] = '\0';
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    *len = n;
    return out;
}

int
vp_emit_libvirt(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                struct vp_diags *d)
{
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    vp_libvirt_undefine_dropped(plan, previous, set);
    int rc = 0;
    for (size_t i = 0; i < plan->n_vms; i++) {
        const struct vp_plan_vm *pvm = &plan->vms[i];
        xmlDoc *overlay = NULL;
        if (pvm->spec->overlay && !(overlay = vp_overlay_read(pvm->spec, d))) {
            rc = -1;
            continue;
        }
        char path[160];
        snprintf(path, sizeof(path), VP_DIR_VMS "/%s.xml", pvm->spec->name);
        size_t len;
        char *xml = build_domain(plan, pvm, overlay, &len, d);
        xmlFreeDoc(overlay);
        if (!xml) {
            rc = -1;
            continue;
        }
        vp_artifact_add(set, path, 0644, xml, len);
        char abs[170];
        snprintf(abs, sizeof(abs), "/%s", path);
        const char *argv[] = {"virsh", "define", abs, NULL};
        const char *triggers[] = {path, NULL};
        vp_action_add(set, VP_STAGE_LIBVIRT, "define (or update) the VM in libvirt", argv, triggers);
    }
    return rc;
}
