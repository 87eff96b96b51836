/* SPDX-License-Identifier: MIT */
/*
 * fuzz-snapshot: the host snapshot reader (what --host FILE reads) on any
 * bytes, through the same entry point as the CLI: vp_host_load on a path.
 * The bytes go to a memfd, opened by its /proc/self/fd path. A snapshot
 * that loads must also survive a round trip: writing it again and reading
 * that back gives the same text. And it is compiled: two fixed specs (one
 * takes every display function, one no device) are resolved against it and
 * emitted, and the artifacts must keep fuzz_check_artifacts' promises --
 * host facts (driver names, OS ids, the command line, ...) are as hostile
 * as a spec and must not reach a script either.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "vfioplan/host.h"
#include "vfioplan/plan.h"
#include "vfioplan/snapshot.h"
#include "vfioplan/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const specs[] = {
    "apiVersion: vfioplan/v1\n"
    "host: {name: fuzz, acs_override: true, iommu: {passthrough: true}}\n"
    "vms:\n"
    "  - name: gpu\n"
    "    vcpus: 4\n"
    "    memory: 8GiB\n"
    "    devices:\n"
    "      - match: {class: \"03\"}\n"
    "        allow_host_critical: true\n"
    "    guest: {os: rhel9}\n",
    "apiVersion: vfioplan/v1\n"
    "host: {name: fuzz}\n"
    "vms:\n"
    "  - {name: empty, vcpus: 1, memory: 1GiB, allow_no_devices: true}\n",
};

static void
compile(const struct vp_host *host)
{
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct vp_diags d = {0};
        struct vp_spec *spec = vp_spec_parse("spec.yaml", specs[i], strlen(specs[i]), &d);
        fuzz_expect(spec != NULL, "a fixed spec of fuzz-snapshot does not parse");
        struct vp_plan *plan = vp_plan_resolve(spec, host, &d);
        fuzz_expect(plan ? !vp_diags_has_errors(&d) : vp_diags_has_errors(&d),
                    "vp_plan_resolve's result and its diagnostics disagree");
        if (plan) {
            struct vp_artifact_set set = {0};
            if (vp_plan_emit(plan, NULL, &set, &d) == 0) {
                fuzz_check_artifacts(&set);
            }
            vp_artifact_set_free(&set);
        }
        fuzz_render(&d);
        vp_plan_free(&plan);
        vp_spec_free(&spec);
        vp_diags_free(&d);
    }
}

static struct vp_host *
load_bytes(const void *data, size_t size, struct vp_diags *d)
{
    int fd = memfd_create("fuzz-snapshot", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, (const char *)data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct vp_host *host = vp_host_load(path, 0, d);
    close(fd);
    return host;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4u * 1024 * 1024) /* the 64 MiB limit is checked by fstat, not worth fuzzing */
        return 0;
    struct vp_diags d = {0};
    struct vp_host *host = load_bytes(data, size, &d);
    fuzz_expect(host ? !vp_diags_has_errors(&d) : vp_diags_has_errors(&d),
                "vp_host_load's result and its diagnostics disagree");
    fuzz_render(&d);
    if (host)
        compile(host);
    if (host) {
        /* round trip: write, read back, write again; both texts must be equal */
        char *text1 = NULL, *text2 = NULL;
        size_t len1 = 0, len2 = 0;
        struct vp_diags d2 = {0};
        fuzz_expect(vp_snapshot_write(host, true, &text1, &len1, &d2) == 0, "a loaded snapshot cannot be written");
        struct vp_host *again = load_bytes(text1, len1, &d2);
        if (!again) {
            fuzz_render(&d2);
            vp_diags_render(&d2, stderr, false);
            fprintf(stderr, "--- written:\n%.*s\n", (int)len1, text1);
        }
        fuzz_expect(again != NULL, "a snapshot vfioplan wrote does not load");
        fuzz_expect(vp_snapshot_write(again, true, &text2, &len2, &d2) == 0, "a reloaded snapshot cannot be written");
        fuzz_expect(len1 == len2 && memcmp(text1, text2, len1) == 0, "a snapshot changes on a round trip");
        free(text1);
        free(text2);
        vp_host_free(&again);
        vp_diags_free(&d2);
    }
    vp_host_free(&host);
    vp_diags_free(&d);
    return 0;
}
