/* SPDX-License-Identifier: MIT */
/*
 * guest-script.c: one setup script per VM for its guest OS: repositories,
 * kernel headers for the running kernel, the NVIDIA driver and CUDA, Fabric
 * Manager pinned to the driver's exact version when NVSwitches are passed,
 * then checks that stop with the field guide's advice: Secure Boot off, the
 * DKMS module built for the running kernel, `modprobe nvidia`, nvidia-smi
 * seeing every GPU, Fabric Manager active. POSIX sh, `set -eu`, idempotent.
 * Values from the spec reach the script only after strict validation
 * (driver version: digits and dots; counts: numbers).
 */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "emit-internal.h"

/* What differs between guest distributions: each a block of shell. */
struct guest_os {
    enum vp_guest_os os;
    const char *pretty;
    const char *repos;   /* add the NVIDIA CUDA repository (and EPEL) */
    const char *headers; /* install headers for "$kernel"; fail with advice */
    const char *driver;  /* install the driver for "$flavor" and "$version" */
    const char *cuda;
    const char *fabric_manager; /* install FM matching "$driver_version" */
};

static const char rhel9_repos[] =
    "if ! rpm -q epel-release >/dev/null 2>&1; then\n"
    "    dnf install -y epel-release || dnf install -y https://dl.fedoraproject.org/pub/epel/epel-release-latest-9.noarch.rpm\n"
    "fi\n"
    "if [ ! -f /etc/yum.repos.d/cuda-rhel9.repo ]; then\n"
    "    dnf config-manager --add-repo https://developer.download.nvidia.com/compute/cuda/repos/rhel9/x86_64/cuda-rhel9.repo\n"
    "fi\n";

static const char rhel9_headers[] =
    "if ! dnf install -y \"kernel-devel-$kernel\" \"kernel-headers-$kernel\"; then\n"
    "    have=$(dnf repoquery -q --qf '%{version}-%{release}.%{arch}' kernel-devel 2>/dev/null | tail -n 1)\n"
    "    fail \"the repositories have no kernel-devel for the running kernel $kernel (newest: ${have:-none}). Run 'dnf clean all', then 'dnf update kernel', reboot into the new kernel and run this script again\"\n"
    "fi\n";

static const char rhel9_driver[] =
    "if [ \"$flavor\" = open ]; then kmod=\"kmod-nvidia-open-dkms\"; else kmod=\"kmod-nvidia-latest-dkms\"; fi\n"
    "if [ -n \"$version\" ]; then\n"
    "    dnf install -y \"nvidia-driver-$version*\" \"nvidia-settings-$version*\" \"$kmod-$version*\"\n"
    "else\n"
    "    dnf install -y nvidia-driver nvidia-settings \"$kmod\"\n"
    "fi\n";

static const char rhel9_cuda[] = "dnf install -y cuda-toolkit\n";

static const char rhel9_fm[] = "dnf install -y \"nvidia-fabric-manager-$driver_version\"\n";

/* The CUDA repository of an Ubuntu release (%s: "ubuntu2204"), through NVIDIA's keyring package. */
#define UBUNTU_REPOS_FMT                                                                                                         \
    "if ! dpkg -s cuda-keyring >/dev/null 2>&1; then\n"                                                                          \
    "    tmp=$(mktemp)\n"                                                                                                        \
    "    curl -fsSL -o \"$tmp\" https://developer.download.nvidia.com/compute/cuda/repos/%s/x86_64/cuda-keyring_1.1-1_all.deb\n" \
    "    dpkg -i \"$tmp\"\n"                                                                                                     \
    "    rm -f \"$tmp\"\n"                                                                                                       \
    "fi\n"                                                                                                                       \
    "apt-get update\n"

static const char ubuntu_headers[] =
    "if ! apt-get install -y \"linux-headers-$kernel\"; then\n"
    "    fail \"the repositories have no linux-headers-$kernel for the running kernel. Run 'apt-get update && apt-get dist-upgrade', reboot into the new kernel and run this script again\"\n"
    "fi\n";

static const char ubuntu_driver[] =
    "branch=${version%%.*}\n"
    "if [ -n \"$branch\" ]; then\n"
    "    if [ \"$flavor\" = open ]; then pkg=\"nvidia-driver-$branch-open\"; else pkg=\"nvidia-driver-$branch\"; fi\n"
    "elif [ \"$flavor\" = open ]; then\n"
    "    pkg=nvidia-open\n"
    "else\n"
    "    pkg=cuda-drivers\n"
    "fi\n"
    "apt-get install -y dkms \"$pkg\"\n";

static const char ubuntu_cuda[] = "apt-get install -y cuda-toolkit\n";

static const char ubuntu_fm[] =
    "fm_branch=${driver_version%%.*}\n"
    "apt-get install -y --allow-downgrades \"nvidia-fabricmanager-$fm_branch=$driver_version-*\"\n"
    "apt-mark hold \"nvidia-fabricmanager-$fm_branch\"\n";

static const struct guest_os guest_oses[] = {
    {VP_GUEST_RHEL9, "RHEL 9", rhel9_repos, rhel9_headers, rhel9_driver, rhel9_cuda, rhel9_fm},
    {VP_GUEST_UBUNTU_2204, "Ubuntu 22.04", "ubuntu2204", ubuntu_headers, ubuntu_driver, ubuntu_cuda, ubuntu_fm},
    {VP_GUEST_UBUNTU_2404, "Ubuntu 24.04", "ubuntu2404", ubuntu_headers, ubuntu_driver, ubuntu_cuda, ubuntu_fm},
};

static void
section(struct vp_strbuf *sb, const char *title)
{
    /* titles are fixed text of ours: no quotes or $ in them */
    vp_strbuf_printf(sb, "\n# --- %s\nsay \"%s\"\n", title, title);
}

static void
emit_script(struct vp_strbuf *sb, const struct vp_plan *plan, const struct vp_plan_vm *pvm, const struct guest_os *g)
{
    const struct vp_vm *vm = pvm->spec;
    const struct vp_nvidia *nv = &vm->guest.nvidia;
    vp_strbuf_puts(sb, "#!/bin/sh\n");
    vp_emit_hash_header(sb, plan);
    vp_strbuf_printf(sb,
                     "#\n# Guest setup for VM %s (%s): the NVIDIA driver (%s kernel modules)%s%s\n"
                     "# for %u GPU%s%s. Run it as root inside the guest; it is safe to run again, and\n"
                     "# every check that fails says what is wrong and what to do.\n",
                     vm->name, g->pretty, vp_nvidia_flavor_name(nv->flavor), nv->cuda ? ", CUDA" : "",
                     pvm->fabric_manager ? " and Fabric Manager" : "", pvm->nvidia_gpus,
                     pvm->nvidia_gpus == 1 ? "" : "s", pvm->nvswitches ? " on an NVSwitch fabric" : "");
    vp_strbuf_printf(sb,
                     "set -eu\n\n"
                     "expected_gpus=%u\n"
                     "flavor=%s\n"
                     "version='%s'\n"
                     "kernel=$(uname -r)\n\n",
                     pvm->nvidia_gpus, vp_nvidia_flavor_name(nv->flavor), nv->version ? nv->version : "");
    vp_strbuf_puts(sb, "say() { printf 'vfioplan-guest: %s\\n' \"$*\"; }\n"
                       "fail() {\n"
                       "    printf 'vfioplan-guest: FAILED: %s\\n' \"$*\" >&2\n"
                       "    exit 1\n"
                       "}\n\n"
                       "[ \"$(id -u)\" -eq 0 ] || fail \"run this script as root\"\n");

    section(sb, "Secure Boot must be off");
    vp_strbuf_puts(
        sb,
        "# DKMS builds an unsigned module; with Secure Boot on, 'modprobe nvidia' fails\n"
        "# with \"could not insert 'nvidia'\".\n"
        "if command -v mokutil >/dev/null 2>&1; then\n"
        "    case \"$(mokutil --sb-state 2>&1 || true)\" in\n"
        "    *\"SecureBoot enabled\"*)\n"
        "        fail \"Secure Boot is on (mokutil --sb-state). Turn it off in the VM's firmware: the domain vfioplan wrote has secure-boot off; check it was defined from that file\"\n"
        "        ;;\n"
        "    esac\n"
        "fi\n");

    section(sb, "Repositories");
    if (g->os == VP_GUEST_RHEL9)
        vp_strbuf_puts(sb, g->repos);
    else
        vp_strbuf_printf(sb, UBUNTU_REPOS_FMT, g->repos);

    section(sb, "Kernel headers for the running kernel");
    vp_strbuf_puts(sb, g->headers);

    section(sb, "NVIDIA driver");
    vp_strbuf_puts(sb, g->driver);

    section(sb, "Kernel module built for the running kernel");
    vp_strbuf_puts(
        sb,
        "if ! dkms status -k \"$kernel\" 2>/dev/null | grep -q '^nvidia.*: installed'; then\n"
        "    say \"no nvidia module for $kernel yet (dkms status shows it as added, not installed): running dkms autoinstall\"\n"
        "    dkms autoinstall -k \"$kernel\" || true\n"
        "fi\n"
        "if ! dkms status -k \"$kernel\" 2>/dev/null | grep -q '^nvidia.*: installed'; then\n"
        "    fail \"DKMS could not build the nvidia module for $kernel ('dkms status' shows why); usually the kernel headers do not match the running kernel\"\n"
        "fi\n"
        "if ! modprobe nvidia; then\n"
        "    fail \"'modprobe nvidia' failed: 'could not insert' means Secure Boot or a driver/kernel mismatch, 'not found' means no module for $kernel (see dmesg)\"\n"
        "fi\n"
        "driver_version=$(cat /sys/module/nvidia/version)\n"
        "say \"nvidia $driver_version loaded\"\n");

    if (nv->cuda) {
        section(sb, "CUDA toolkit");
        vp_strbuf_puts(sb, g->cuda);
    }

    if (pvm->fabric_manager) {
        section(sb, "Fabric Manager, pinned to the exact driver version");
        vp_strbuf_puts(sb, "# Without it the GPUs are visible but CUDA fails with \"system not yet\n"
                           "# initialized\"; its version must equal the driver version.\n");
        vp_strbuf_puts(sb, g->fabric_manager);
        vp_strbuf_puts(
            sb,
            "systemctl enable --now nvidia-fabricmanager\n"
            "if ! systemctl is-active --quiet nvidia-fabricmanager; then\n"
            "    fail \"nvidia-fabricmanager is not active ('journalctl -u nvidia-fabricmanager' tells why; its version must be $driver_version, and every NVSwitch must be passed to this VM)\"\n"
            "fi\n");
    }

    section(sb, "Every GPU is visible");
    vp_strbuf_puts(
        sb,
        "if ! gpus=$(nvidia-smi -L); then\n"
        "    fail \"nvidia-smi cannot talk to the driver: check that the module matches the kernel ('dkms status', 'uname -r')\"\n"
        "fi\n"
        "found=$(printf '%s\\n' \"$gpus\" | grep -c '^GPU ' || true)\n"
        "if [ \"$found\" -ne \"$expected_gpus\" ]; then\n"
        "    fail \"nvidia-smi sees $found GPUs, the VM has $expected_gpus: check the hostdev entries of the domain and dmesg for NVRM errors\"\n"
        "fi\n"
        "say \"all checks passed: $found GPUs, driver $driver_version\"\n");
}

int
vp_emit_guest_scripts(const struct vp_plan *plan, const struct vp_previous *previous, struct vp_artifact_set *set,
                      struct vp_diags *d)
{
    (void)previous;
    (void)d;
    for (size_t i = 0; i < plan->n_vms; i++) {
        const struct vp_plan_vm *pvm = &plan->vms[i];
        if (!pvm->spec->has_guest || pvm->nvidia_gpus == 0)
            continue;
        const struct guest_os *g = NULL;
        for (size_t k = 0; k < VP_ARRAY_SIZE(guest_oses); k++)
            if (guest_oses[k].os == pvm->spec->guest.os)
                g = &guest_oses[k];
        if (!g)
            continue;
        struct vp_strbuf sb = {0};
        emit_script(&sb, plan, pvm, g);
        char path[160];
        snprintf(path, sizeof(path), VP_DIR_GUEST "/%s-setup.sh", pvm->spec->name);
        vp_artifact_add_buf(set, path, 0755, &sb);
    }
    return 0;
}
