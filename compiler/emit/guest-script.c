/* SPDX-License-Identifier: MIT */
/*
 * guest-script.c: one setup script per Linux VM with an NVIDIA GPU, run as
 * root inside the guest, in two phases:
 *   1. install: NVIDIA's repository, headers for the running kernel, the
 *      driver and its kernel modules, Fabric Manager with NSCQ and IMEX,
 *      and a CUDA toolkit release the driver runs, all pinned to one
 *      version and locked (guest-packages.c). Where nouveau or another
 *      driver holds the GPUs, it blacklists nouveau in the guest, rebuilds
 *      the initramfs and exits 0 with "run again after the reboot".
 *   2. check: the driver loaded for the running kernel, nvidia-persistenced
 *      enabled, Fabric Manager active and every GPU's fabric Completed,
 *      the GPU count, BAR1 as large as on the host, NVLink and P2P up.
 * POSIX sh, `set -eu`; a second run changes nothing. Values from the spec
 * reach the script only after strict validation (driver version: digits
 * and dots; names: safe identifiers; counts: numbers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "emit-internal.h"
#include "guest-packages.h"

static void
section(struct vp_strbuf *sb, const char *title)
{
    /* titles are fixed text of ours: no quotes or $ in them */
    vp_strbuf_printf(sb, "\n# --- %s\nsay \"%s\"\n", title, title);
}

static int
mib_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The BAR1 sizes of the VM's GPUs in MiB, ascending, as nvidia-smi reports them; "" if one is unknown. */
static void
put_expected_bar1(struct vp_strbuf *sb, const struct vp_plan *plan, const struct vp_plan_vm *pvm)
{
    uint64_t *mib = vp_xcalloc(pvm->n_assigned + 1, sizeof(*mib));
    size_t n = 0;
    bool known = true;
    for (size_t i = 0; i < pvm->n_assigned; i++) {
        const struct vp_device *dev = &plan->host->devices[pvm->assigned[i].device];
        if (dev->vendor != 0x10de || (dev->class_code >> 16) != 0x03)
            continue;
        known = known && dev->bars[1].size != 0;
        mib[n++] = dev->bars[1].size >> 20;
    }
    qsort(mib, n, sizeof(*mib), mib_cmp);
    for (size_t i = 0; known && i < n; i++)
        vp_strbuf_printf(sb, "%s%llu", i ? " " : "", (unsigned long long)mib[i]);
    free(mib);
}

/* text as "# " comment lines of at most 100 columns, broken between words */
static void
put_comment(struct vp_strbuf *sb, const char *text)
{
    enum { WIDTH = 100 - 2 };
    while (*text) {
        size_t len = strlen(text), cut = len;
        if (len > WIDTH) {
            cut = WIDTH;
            while (cut > 0 && text[cut] != ' ')
                cut--;
        }
        vp_strbuf_puts(sb, "# ");
        vp_strbuf_add(sb, text, cut);
        vp_strbuf_putc(sb, '\n');
        text += cut;
        while (*text == ' ')
            text++;
    }
}

static void
emit_header(struct vp_strbuf *sb, const struct vp_plan *plan, const struct vp_plan_vm *pvm,
            const struct vp_nvidia_distro *distro)
{
    const struct vp_vm *vm = pvm->spec;
    const struct vp_nvidia *nv = &vm->guest.nvidia;
    vp_strbuf_puts(sb, "#!/bin/sh\n");
    vp_emit_hash_header(sb, plan);
    struct vp_strbuf text = {0};
    vp_strbuf_printf(&text, "Guest setup for VM %s (%s): the %s%s (%s kernel modules)%s%s for %u GPU%s%s.", vm->name,
                     distro->pretty, nv->version ? "NVIDIA driver " : "newest NVIDIA driver",
                     nv->version ? nv->version : "", vp_nvidia_flavor_name(pvm->nvidia_flavor),
                     nv->cuda ? ", CUDA" : "", pvm->fabric_manager ? " and Fabric Manager" : "", pvm->nvidia_gpus,
                     pvm->nvidia_gpus == 1 ? "" : "s", pvm->nvswitches ? " on an NVSwitch fabric" : "");
    vp_strbuf_printf(&text,
                     " Run it as root inside the guest. Phase one installs the packages and locks them; where "
                     "nouveau holds the GPUs it asks for a reboot (\"run again after the reboot\"). Phase two "
                     "checks the driver%s, every GPU and its BAR1%s. Running it again changes nothing; every failure "
                     "says what to do.",
                     pvm->fabric_manager ? ", Fabric Manager" : "",
                     pvm->fabric_manager && pvm->nvswitches ? ", the fabric, NVLink and P2P" : "");
    vp_strbuf_puts(sb, "#\n");
    put_comment(sb, text.data);
    vp_strbuf_free(&text);
    vp_strbuf_printf(sb,
                     "set -eu\n\n"
                     "expected_gpus=%u\n"
                     "expected_bar1_mib='",
                     pvm->nvidia_gpus);
    put_expected_bar1(sb, plan, pvm);
    vp_strbuf_printf(sb,
                     "'\n"
                     "flavor=%s\n"
                     "version='%s'\n"
                     "kernel=$(uname -r)\n"
                     "state=/var/lib/vfioplan-guest\n"
                     "blacklist=/etc/modprobe.d/vfioplan-blacklist-nouveau.conf\n"
                     "cuda_pkg=\n"
                     "cuda_version=\n"
                     "unlock=\n\n",
                     vp_nvidia_flavor_name(pvm->nvidia_flavor), nv->version ? nv->version : "");
    vp_strbuf_puts(
        sb, "say() { printf 'vfioplan-guest: %s\\n' \"$*\"; }\n"
            "fail() {\n"
            "    printf 'vfioplan-guest: FAILED: %s\\n' \"$*\" >&2\n"
            "    exit 1\n"
            "}\n"
            "\n"
            "# version_ge A B: version A is B or newer (sort -V orders 570.86.10 before 570.124.06)\n"
            "version_ge() {\n"
            "    [ \"$(printf '%s\\n%s\\n' \"$1\" \"$2\" | sort -V | head -n 1)\" = \"$2\" ]\n"
            "}\n"
            "\n"
            "# put_state NAME VALUE: what this script did, in $state (written only when it changes)\n"
            "put_state() {\n"
            "    mkdir -p \"$state\"\n"
            "    [ \"$(cat \"$state/$1\" 2>/dev/null || true)\" = \"$2\" ] || printf '%s\\n' \"$2\" >\"$state/$1\"\n"
            "}\n"
            "\n"
            "# gpu_holder: 'DRIVER on ADDRESS' of the first NVIDIA GPU a driver other than nvidia holds\n"
            "gpu_holder() {\n"
            "    for d in /sys/bus/pci/devices/*; do\n"
            "        [ \"$(cat \"$d/vendor\" 2>/dev/null || true)\" = 0x10de ] || continue\n"
            "        case $(cat \"$d/class\") in 0x03*) ;; *) continue ;; esac\n"
            "        [ -L \"$d/driver\" ] || continue\n"
            "        drv=$(basename \"$(readlink \"$d/driver\")\")\n"
            "        if [ \"$drv\" != nvidia ]; then\n"
            "            echo \"$drv on ${d##*/}\"\n"
            "            return 0\n"
            "        fi\n"
            "    done\n"
            "}\n"
            "\n"
            "# module_built: DKMS built the nvidia module of $driver_version for the running kernel\n"
            "module_built() {\n"
            "    dkms status -k \"$kernel\" 2>/dev/null | grep '^nvidia' | grep -F \"$driver_version, $kernel,\" |\n"
            "        grep -q ': installed'\n"
            "}\n"
            "\n");
}

static void
emit_secure_boot(struct vp_strbuf *sb)
{
    section(sb, "Secure Boot must be off");
    vp_strbuf_puts(
        sb,
        "# DKMS builds an unsigned module; with Secure Boot on the kernel refuses it.\n"
        "if command -v mokutil >/dev/null 2>&1; then\n"
        "    case \"$(mokutil --sb-state 2>&1 || true)\" in\n"
        "    *\"SecureBoot enabled\"*)\n"
        "        fail \"Secure Boot is on (mokutil --sb-state). Turn it off in the VM's firmware: the domain vfioplan wrote has secure-boot off; check it was defined from that file\"\n"
        "        ;;\n"
        "    esac\n"
        "fi\n");
}

static void
emit_pick(struct vp_strbuf *sb, const struct vp_plan_vm *pvm)
{
    section(sb, "Which driver");
    vp_strbuf_puts(
        sb,
        "installed=$(cat \"$state/driver\" 2>/dev/null || true)\n"
        "want=$version\n"
        "driver_version=\n"
        "if [ -n \"$installed\" ]; then\n"
        "    case $want in\n"
        "    '' | \"$installed\" | \"${installed%%.*}\") driver_version=$installed ;;\n"
        "    *)\n"
        "        if nvidia_locked \"$installed\"; then\n"
        "            fail \"driver $installed is installed and locked, and the spec asks for $want. For this planned change, unlock first: $(cat \"$state/unlock\"); then run this script again\"\n"
        "        fi\n"
        "        ;;\n"
        "    esac\n"
        "fi\n"
        "[ -n \"$driver_version\" ] || pm_pick_driver\n"
        "nvidia_names \"${driver_version%%.*}\"\n"
        "say \"driver $driver_version, $flavor kernel modules\"\n");
    if (!pvm->spec->guest.nvidia.cuda)
        return;
    section(sb, "Which CUDA toolkit release");
    vp_strbuf_puts(sb, "if [ \"$installed\" = \"$driver_version\" ] && [ -f \"$state/cuda\" ]; then\n"
                       "    read -r cuda_pkg cuda_version <\"$state/cuda\"\n"
                       "else\n"
                       "    # the newest release this driver runs that the repository has\n"
                       "    while read -r pkg ver min; do\n"
                       "        [ -n \"$pkg\" ] || continue\n"
                       "        if version_ge \"$driver_version\" \"$min\" && pm_has \"$pkg\" \"$ver\"; then\n"
                       "            cuda_pkg=$pkg\n"
                       "            cuda_version=$ver\n"
                       "            break\n"
                       "        fi\n"
                       "    done <<EOF\n"
                       "$cuda_releases\n"
                       "EOF\n"
                       "    [ -n \"$cuda_pkg\" ] || fail \"the repositories have no CUDA toolkit release that driver "
                       "$driver_version runs (cuda_releases in this script lists each release's oldest driver)\"\n"
                       "fi\n"
                       "say \"CUDA $cuda_version ($cuda_pkg)\"\n");
}

static void
emit_install(struct vp_strbuf *sb, const struct vp_plan_vm *pvm)
{
    section(sb, "NVIDIA driver and kernel modules");
    vp_strbuf_puts(sb, "pm_install_driver\n");
    if (pvm->fabric_manager) {
        section(sb, "Fabric Manager, NSCQ and IMEX at the driver's version");
        vp_strbuf_puts(sb, "# Without Fabric Manager the GPUs are visible but CUDA fails with \"system not yet\n"
                           "# initialized\"; it refuses to start unless its version is the driver's.\n"
                           "pm_install_fabric\n"
                           "systemctl enable nvidia-fabricmanager\n");
    }
    if (pvm->spec->guest.nvidia.cuda) {
        section(sb, "CUDA toolkit");
        vp_strbuf_puts(sb, "pm_install_cuda\n");
    }
    section(sb, "Locks");
    vp_strbuf_puts(
        sb, "pm_lock\n"
            "put_state driver \"$driver_version\"\n"
            "[ -z \"$cuda_pkg\" ] || put_state cuda \"$cuda_pkg $cuda_version\"\n"
            "put_state unlock \"$unlock\"\n"
            "say \"locked at $driver_version${cuda_pkg:+, $cuda_pkg $cuda_version}; to upgrade on purpose, unlock "
            "first: $unlock\"\n");
}

static void
emit_phase_one_end(struct vp_strbuf *sb)
{
    section(sb, "Kernel module built for the running kernel");
    vp_strbuf_puts(
        sb,
        "if ! module_built; then\n"
        "    say \"no nvidia module $driver_version for $kernel yet ('dkms status' shows it added, not installed): running dkms autoinstall\"\n"
        "    dkms autoinstall -k \"$kernel\" || true\n"
        "fi\n"
        "module_built || fail \"DKMS could not build the nvidia module $driver_version for $kernel ('dkms status' and /var/lib/dkms/nvidia*/$driver_version/build/make.log show why); usually the kernel headers do not match the running kernel\"\n");

    section(sb, "The GPUs must be free for the nvidia module");
    vp_strbuf_puts(
        sb,
        "loaded=$(cat /sys/module/nvidia/version 2>/dev/null || true)\n"
        "holder=$(gpu_holder)\n"
        "if [ -z \"$loaded\" ] && { [ -n \"$holder\" ] || [ -d /sys/module/nouveau ]; }; then\n"
        "    boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || true)\n"
        "    asked=$(cat \"$state/reboot-asked\" 2>/dev/null || true)\n"
        "    if [ -n \"$asked\" ] && [ \"$asked\" != \"$boot\" ]; then\n"
        "        fail \"${holder:-nouveau} still holds the GPUs after the reboot: check that $blacklist is in the initramfs, and which driver claims NVIDIA devices ('lspci -k -d 10de:')\"\n"
        "    fi\n"
        "    # In this guest only: the host never loads nouveau for devices vfio-pci holds.\n"
        "    conf='# Written by the vfioplan guest setup script: nouveau must leave the GPUs to the NVIDIA driver.\n"
        "blacklist nouveau\n"
        "options nouveau modeset=0'\n"
        "    if [ \"$(cat \"$blacklist\" 2>/dev/null || true)\" != \"$conf\" ]; then\n"
        "        mkdir -p \"${blacklist%/*}\"\n"
        "        printf '%s\\n' \"$conf\" >\"$blacklist\"\n"
        "        put_state initramfs stale\n"
        "    fi\n"
        "    if [ \"$(cat \"$state/initramfs\" 2>/dev/null || true)\" = stale ]; then\n"
        "        initramfs_rebuild\n"
        "        put_state initramfs rebuilt\n"
        "    fi\n"
        "    put_state reboot-asked \"$boot\"\n"
        "    say \"${holder:-nouveau} holds the GPUs: nouveau is now blacklisted in this guest ($blacklist) and the initramfs rebuilt\"\n"
        "    say \"phase one done: reboot the guest, then run this script again (run again after the reboot)\"\n"
        "    exit 0\n"
        "fi\n"
        "if [ -z \"$loaded\" ]; then\n"
        "    if ! out=$(modprobe nvidia 2>&1); then\n"
        "        case $out in\n"
        "        *\"not found\"*) fail \"'modprobe nvidia': $out. There is no nvidia module for $kernel: 'dkms status' shows why\" ;;\n"
        "        *\"Key was rejected\"* | *\"Required key not available\"*) fail \"'modprobe nvidia': $out. The kernel refuses the unsigned module: Secure Boot is on ('mokutil --sb-state'); turn it off in the VM's firmware\" ;;\n"
        "        *) fail \"'modprobe nvidia': $out. 'dmesg | grep NVRM' tells why ('No such device': no GPU this module drives; the open modules need Turing or newer)\" ;;\n"
        "        esac\n"
        "    fi\n"
        "    loaded=$(cat /sys/module/nvidia/version 2>/dev/null || true)\n"
        "fi\n"
        "if [ \"$loaded\" != \"$driver_version\" ]; then\n"
        "    say \"nvidia ${loaded:-(none)} is loaded, $driver_version installed\"\n"
        "    say \"phase one done: reboot the guest, then run this script again (run again after the reboot)\"\n"
        "    exit 0\n"
        "fi\n");
}

static void
emit_checks(struct vp_strbuf *sb, const struct vp_plan_vm *pvm)
{
    section(sb, "Phase two: nvidia-persistenced keeps the GPUs initialized");
    vp_strbuf_puts(
        sb, "say \"nvidia $loaded is loaded, built for $kernel\"\n"
            "systemctl enable --now nvidia-persistenced\n"
            "systemctl is-enabled --quiet nvidia-persistenced ||\n"
            "    fail \"nvidia-persistenced is not enabled ('systemctl status nvidia-persistenced' tells why)\"\n");
    if (pvm->fabric_manager) {
        section(sb, "Fabric Manager is active");
        vp_strbuf_puts(
            sb,
            "systemctl enable --now nvidia-fabricmanager\n"
            "if ! systemctl is-active --quiet nvidia-fabricmanager; then\n"
            "    fail \"nvidia-fabricmanager is not active ('journalctl -u nvidia-fabricmanager' tells why; its version must be $driver_version, and every NVSwitch must be passed to this VM)\"\n"
            "fi\n");
    }
    section(sb, "Every GPU is visible, with its BAR1");
    vp_strbuf_puts(
        sb,
        "if ! gpus=$(nvidia-smi -L); then\n"
        "    fail \"nvidia-smi cannot talk to the driver: check that the module matches the kernel ('dkms status', 'uname -r')\"\n"
        "fi\n"
        "found=$(printf '%s\\n' \"$gpus\" | grep -c '^GPU ' || true)\n"
        "if [ \"$found\" -ne \"$expected_gpus\" ]; then\n"
        "    fail \"nvidia-smi sees $found GPUs, the VM has $expected_gpus: check the hostdev entries of the domain and dmesg for NVRM errors\"\n"
        "fi\n"
        "bar1=$(nvidia-smi -q | awk '/BAR1 Memory Usage/ {b = 1; next} b && /Total/ {print $(NF - 1); b = 0}' | sort -n | tr '\\n' ' ')\n"
        "bar1=${bar1% }\n"
        "if [ -n \"$expected_bar1_mib\" ] && [ \"$bar1\" != \"$expected_bar1_mib\" ]; then\n"
        "    fail \"BAR1 sizes are '$bar1' MiB, the host's are '$expected_bar1_mib': the guest's 64-bit MMIO window is too small (the domain's opt/ovmf/X-PciMmio64Mb)\"\n"
        "fi\n");
    if (pvm->fabric_manager && pvm->nvswitches) {
        section(sb, "Every GPU's fabric state is Completed");
        vp_strbuf_puts(
            sb,
            "# Fabric Manager trains the NVLink fabric after it starts; that takes up to a minute.\n"
            "tries=0\n"
            "while :; do\n"
            "    states=$(nvidia-smi -q | awk '/^ *Fabric *$/ {f = 1; next} f && /^ *State *:/ {sub(/^[^:]*: */, \"\"); print; f = 0}')\n"
            "    completed=$(printf '%s\\n' \"$states\" | grep -c '^Completed$' || true)\n"
            "    [ \"$completed\" -ne \"$expected_gpus\" ] || break\n"
            "    tries=$((tries + 1))\n"
            "    if [ \"$tries\" -ge 60 ]; then\n"
            "        fail \"$completed of $expected_gpus GPUs have fabric state Completed after 2 minutes (nvidia-smi -q, Fabric): Fabric Manager has not trained the NVLink fabric ('journalctl -u nvidia-fabricmanager')\"\n"
            "    fi\n"
            "    sleep 2\n"
            "done\n");
        section(sb, "NVLink and peer-to-peer are up between every pair of GPUs");
        vp_strbuf_puts(
            sb,
            "links=$(nvidia-smi nvlink -s)\n"
            "inactive=$(printf '%s\\n' \"$links\" | grep -c 'inactive' || true)\n"
            "linked=$(printf '%s\\n' \"$links\" | awk '/^GPU [0-9]+:/ {g = $2} /GB\\/s/ {up[g] = 1} END {n = 0; for (g in up) n++; print n}')\n"
            "if [ \"$inactive\" -ne 0 ] || [ \"$linked\" -ne \"$expected_gpus\" ]; then\n"
            "    fail \"NVLink: $inactive links inactive, $linked of $expected_gpus GPUs with active links (nvidia-smi nvlink -s)\"\n"
            "fi\n"
            "bad=$(nvidia-smi topo -m | awk -v n=\"$expected_gpus\" '/^GPU[0-9]+[ \\t]/ {for (i = 2; i <= n + 1; i++) if ($i != \"X\" && $i !~ /^NV[0-9]+$/) printf \"%s-GPU%d:%s \", $1, i - 2, $i}')\n"
            "[ -z \"$bad\" ] || fail \"GPU pairs not joined by NVLink (nvidia-smi topo -m): $bad\"\n"
            "bad=$(nvidia-smi topo -p2p r | awk -v n=\"$expected_gpus\" '/^GPU[0-9]+[ \\t]/ {for (i = 2; i <= n + 1; i++) if ($i != \"X\" && $i != \"OK\") printf \"%s-GPU%d:%s \", $1, i - 2, $i}')\n"
            "[ -z \"$bad\" ] || fail \"GPU pairs without peer-to-peer reads (nvidia-smi topo -p2p r): $bad\"\n");
    }
    vp_strbuf_printf(sb, "say \"all checks passed: $found GPUs, driver $driver_version%s%s\"\n",
                     pvm->fabric_manager ? ", Fabric Manager active" : "",
                     pvm->fabric_manager && pvm->nvswitches ? ", fabric Completed, NVLink and P2P up" : "");
}

static void
emit_script(struct vp_strbuf *sb, const struct vp_plan *plan, const struct vp_plan_vm *pvm,
            const struct vp_nvidia_distro *distro)
{
    emit_header(sb, plan, pvm, distro);
    vp_guest_emit_package_functions(sb, distro, pvm);
    vp_strbuf_puts(sb, "[ \"$(id -u)\" -eq 0 ] || fail \"run this script as root\"\n");
    emit_secure_boot(sb);
    section(sb, "Repositories");
    vp_guest_emit_repositories(sb, distro);
    section(sb, "Kernel headers for the running kernel");
    vp_guest_emit_kernel_headers(sb, distro);
    emit_pick(sb, pvm);
    emit_install(sb, pvm);
    emit_phase_one_end(sb);
    emit_checks(sb, pvm);
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
        const struct vp_nvidia_distro *distro = vp_nvidia_distro_of(pvm->spec->guest.os);
        if (!distro) /* Windows: the user installs NVIDIA's signed driver (README) */
            continue;
        struct vp_strbuf sb = {0};
        emit_script(&sb, plan, pvm, distro);
        char path[160];
        snprintf(path, sizeof(path), VP_DIR_GUEST "/%s-setup.sh", pvm->spec->name);
        vp_artifact_add_buf(set, path, 0755, &sb);
    }
    return 0;
}
