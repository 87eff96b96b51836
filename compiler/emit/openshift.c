/* SPDX-License-Identifier: MIT */
/*
 * openshift.c: what OpenShift rolls out to a pool of GPU nodes from the same
 * spec: a MachineConfig (kernel arguments; Ignition 3.2 storage entries for
 * the vfio-pci modprobe config, a modules-load.d entry that loads vfio-pci at
 * boot as OpenShift's own docs do, and the bind script when binding by
 * address), and the KubeVirt/HyperConverged permittedHostDevices entries that
 * let VMs request the devices. The file contents are the same bytes the host
 * artifacts carry, except that the bind script moves to /usr/local (RHCOS's
 * /usr is read-only) and the modprobe config calls it there.
 */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/util.h"
#include "emit-internal.h"
#include "vfioplan/openshift.h"

static struct json_object *
ignition_file(const char *path, unsigned mode, const char *data, size_t len)
{
    struct vp_strbuf url = {0};
    vp_strbuf_puts(&url, "data:text/plain;charset=utf-8;base64,");
    vp_base64_append(&url, (const unsigned char *)data, len);
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "path", json_object_new_string(path));
    json_object_object_add(f, "mode", json_object_new_int((int)mode));
    json_object_object_add(f, "overwrite", json_object_new_boolean(1));
    struct json_object *contents = json_object_new_object();
    json_object_object_add(contents, "source", json_object_new_string(url.data));
    json_object_object_add(f, "contents", contents);
    vp_strbuf_free(&url);
    return f;
}

/* data with every "/usr/libexec/vfioplan/bind" (fixed text vfioplan wrote) made the RHCOS path. */
static char *
relocate_bind_script(const char *data, size_t len, size_t *out_len)
{
    static const char from[] = "/" VP_PATH_BIND_SCRIPT, to[] = "/" VP_PATH_BIND_SCRIPT_RHCOS;
    struct vp_strbuf sb = {0};
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), from, sizeof(from) - 1);
        if (!hit) {
            vp_strbuf_add(&sb, p, (size_t)(end - p));
            break;
        }
        vp_strbuf_add(&sb, p, (size_t)(hit - p));
        vp_strbuf_puts(&sb, to);
        p = hit + sizeof(from) - 1;
    }
    return vp_strbuf_steal(&sb, out_len);
}

static int
selector_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static char *
to_json(struct json_object *o, size_t *len)
{
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    char *out = vp_xasprintf("%s\n", text);
    *len = strlen(out);
    json_object_put(o);
    return out;
}

/* The resource a VM requests: vendor domain / vendor_device ids, never names from pci.ids (they vary by host). */
static void
resource_name(uint16_t vendor, uint16_t device, char *buf, size_t size)
{
    static const struct {
        uint16_t id;
        const char *domain;
    } vendors[] = {{0x10de, "nvidia.com"}, {0x1002, "amd.com"}, {0x8086, "intel.com"}, {0x15b3, "mellanox.com"}};
    const char *domain = "vfioplan.dev";
    for (size_t i = 0; i < VP_ARRAY_SIZE(vendors); i++)
        if (vendors[i].id == vendor)
            domain = vendors[i].domain;
    snprintf(buf, size, "%s/%04x_%04x", domain, vendor, device);
}

int
vp_emit_openshift(const struct vp_plan *plan, const struct vp_artifact_set *host_artifacts, const char *pool,
                  struct vp_artifact_set *out, struct vp_diags *d)
{
    (void)d;
    /* MachineConfig */
    struct json_object *files = json_object_new_array();
    const struct vp_artifact *conf = vp_artifact_find(host_artifacts, VP_PATH_MODPROBE);
    if (conf) {
        size_t len;
        char *data = relocate_bind_script(conf->data, conf->len, &len);
        json_object_array_add(files, ignition_file("/" VP_PATH_MODPROBE, conf->mode, data, len));
        free(data);
    }
    static const char modules_load[] =
        "# vfioplan: load vfio-pci at boot, before the devices' own drivers (softdeps in /etc/modprobe.d/vfioplan.conf)\nvfio-pci\n";
    json_object_array_add(
        files, ignition_file("/etc/modules-load.d/vfioplan.conf", 0644, modules_load, sizeof(modules_load) - 1));
    const struct vp_artifact *bind = vp_artifact_find(host_artifacts, VP_PATH_BIND_SCRIPT);
    if (bind) /* /usr/local is writable on RHCOS (it is /var/usrlocal) */
        json_object_array_add(files, ignition_file("/" VP_PATH_BIND_SCRIPT_RHCOS, bind->mode, bind->data, bind->len));
    struct json_object *ignition = json_object_new_object();
    json_object_object_add(ignition, "version", json_object_new_string("3.2.0"));
    struct json_object *storage = json_object_new_object();
    json_object_object_add(storage, "files", files);
    struct json_object *config = json_object_new_object();
    json_object_object_add(config, "ignition", ignition);
    json_object_object_add(config, "storage", storage);
    struct json_object *kargs = json_object_new_array();
    for (size_t i = 0; i < plan->n_kernel_args; i++)
        json_object_array_add(kargs, json_object_new_string(plan->kernel_args[i].value));
    struct json_object *spec = json_object_new_object();
    json_object_object_add(spec, "config", config);
    json_object_object_add(spec, "kernelArguments", kargs);
    char name[128];
    snprintf(name, sizeof(name), "99-%s-vfioplan", pool);
    struct json_object *labels = json_object_new_object();
    json_object_object_add(labels, "machineconfiguration.openshift.io/role", json_object_new_string(pool));
    struct json_object *meta = json_object_new_object();
    json_object_object_add(meta, "name", json_object_new_string(name));
    json_object_object_add(meta, "labels", labels);
    struct json_object *mc = json_object_new_object();
    json_object_object_add(mc, "apiVersion", json_object_new_string("machineconfiguration.openshift.io/v1"));
    json_object_object_add(mc, "kind", json_object_new_string("MachineConfig"));
    json_object_object_add(mc, "metadata", meta);
    json_object_object_add(mc, "spec", spec);
    size_t len;
    char *data = to_json(mc, &len);
    char path[200];
    snprintf(path, sizeof(path), "%s.machineconfig.json", name);
    vp_artifact_add(out, path, 0644, data, len);

    /* HyperConverged permittedHostDevices: one entry per vendor:device assigned to any VM */
    char seen[256][10];
    size_t n_seen = 0;
    struct json_object *pci = json_object_new_array();
    for (size_t v = 0; v < plan->n_vms; v++) {
        for (size_t i = 0; i < plan->vms[v].n_assigned; i++) {
            const struct vp_device *dev = &plan->host->devices[plan->vms[v].assigned[i].device];
            char sel[10];
            snprintf(sel, sizeof(sel), "%04X:%04X", dev->vendor, dev->device);
            bool dup = false;
            for (size_t k = 0; k < n_seen && !dup; k++)
                dup = strcmp(seen[k], sel) == 0;
            if (dup || n_seen == VP_ARRAY_SIZE(seen))
                continue;
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", sel);
        }
    }
    vp_sort(seen, n_seen, sizeof(seen[0]), selector_cmp);
    for (size_t k = 0; k < n_seen; k++) {
        unsigned vendor, device;
        sscanf(seen[k], "%4X:%4X", &vendor, &device);
        char res[64];
        resource_name((uint16_t)vendor, (uint16_t)device, res, sizeof(res));
        struct json_object *e = json_object_new_object();
        json_object_object_add(e, "pciDeviceSelector", json_object_new_string(seen[k]));
        json_object_object_add(e, "resourceName", json_object_new_string(res));
        json_object_array_add(pci, e);
    }
    struct json_object *phd = json_object_new_object();
    json_object_object_add(phd, "pciHostDevices", pci);
    struct json_object *hspec = json_object_new_object();
    json_object_object_add(hspec, "permittedHostDevices", phd);
    struct json_object *hmeta = json_object_new_object();
    json_object_object_add(hmeta, "name", json_object_new_string("kubevirt-hyperconverged"));
    json_object_object_add(hmeta, "namespace", json_object_new_string("openshift-cnv"));
    struct json_object *hco = json_object_new_object();
    json_object_object_add(hco, "apiVersion", json_object_new_string("hco.kubevirt.io/v1beta1"));
    json_object_object_add(hco, "kind", json_object_new_string("HyperConverged"));
    json_object_object_add(hco, "metadata", hmeta);
    json_object_object_add(hco, "spec", hspec);
    data = to_json(hco, &len);
    vp_artifact_add(out, "hyperconverged.permitted-host-devices.json", 0644, data, len);
    return 0;
}
