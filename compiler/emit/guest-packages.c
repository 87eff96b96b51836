/* SPDX-License-Identifier: MIT */
/*
 * guest-packages.c: the package-manager half of the guest setup script. dnf
 * and apt differ in how they hold a driver to one version:
 *   - dnf: NVIDIA's RHEL repository keeps each branch in a module stream of
 *     nvidia-driver ("570-open"); every package is installed as
 *     NAME-VERSION, and `dnf versionlock` locks them (it also blocks
 *     obsoleting packages: nvidia-fabric-manager-570 would otherwise replace
 *     nvidia-fabricmanager-580).
 *   - apt: `apt-get install nvidia-driver-550-open` takes the newest 550, and
 *     an explicit =VERSION on one package leaves its dependencies at the
 *     newest. An apt preferences file pinning VERSION-* at priority 1001 makes
 *     that version the only candidate for every NVIDIA package (the driver's
 *     are VERSION-0ubuntu1, Fabric Manager's VERSION-1), so the whole set
 *     installs at it and no upgrade moves it; `apt-mark hold` keeps
 *     full-upgrade from removing it.
 * Every name comes from the table in nvidia-packages.c, rendered into the
 * shell function nvidia_names so the branch can be picked at run time.
 */
#include <stdlib.h>

#include "guest-packages.h"

/* Writes template with each "%s" replaced by shell_expr (a branch variable). */
static void
put_template(struct vp_strbuf *sb, const char *template, const char *shell_expr)
{
    for (const char *p = template; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            vp_strbuf_puts(sb, shell_expr);
            p++;
        } else {
            vp_strbuf_putc(sb, *p);
        }
    }
}

static void
put_name(struct vp_strbuf *sb, const char *var, const char *template)
{
    vp_strbuf_printf(sb, "        %s=\"", var);
    if (template)
        put_template(sb, template, "$1");
    vp_strbuf_puts(sb, "\"\n");
}

static void
emit_names_function(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro, enum vp_nvidia_flavor flavor)
{
    vp_strbuf_printf(sb,
                     "# nvidia_names BRANCH: NVIDIA's package names for BRANCH in its %s repository, %s kernel\n"
                     "# modules (vfioplan's table, compiler/emit/nvidia-packages.c: the names change with the branch)\n"
                     "nvidia_names() {\n",
                     distro->repo, vp_nvidia_flavor_name(flavor));
    for (size_t i = 0; i < distro->n_names; i++) {
        const struct vp_nvidia_names *row = &distro->names[i];
        if (row->first_branch == 0)
            vp_strbuf_puts(sb, i == 0 ? "    if true; then\n" : "    else\n");
        else
            vp_strbuf_printf(sb, "    %s [ \"$1\" -ge %u ]; then\n", i == 0 ? "if" : "elif", row->first_branch);
        put_name(sb, "driver_pkgs", row->driver[flavor]);
        put_name(sb, "module_pkgs", row->modules[flavor]);
        put_name(sb, "fm_pkg", row->fabric_manager);
        put_name(sb, "nscq_pkg", row->nscq);
        put_name(sb, "imex_pkg", row->imex);
    }
    vp_strbuf_puts(sb, "    fi\n}\n\n");
}

/* The CUDA table, cut to the releases a pinned branch can run (the script compares exact versions). */
static void
emit_cuda_table(struct vp_strbuf *sb, const char *version)
{
    size_t n;
    const struct vp_cuda_release *rows = vp_cuda_releases(&n);
    unsigned long branch = version ? strtoul(version, NULL, 10) : 0;
    vp_strbuf_puts(sb,
                   "# CUDA toolkit releases, newest first, with the oldest driver each runs with (the CUDA Toolkit\n"
                   "# Release Notes, \"CUDA Toolkit and Corresponding Driver Versions\"): package, version, driver\n"
                   "cuda_releases='\n");
    for (size_t i = 0; i < n; i++)
        if (!branch || strtoul(rows[i].min_driver, NULL, 10) <= branch)
            vp_strbuf_printf(sb, "%s %s %s\n", rows[i].package, rows[i].version, rows[i].min_driver);
    vp_strbuf_puts(sb, "'\n\n");
}

static const char dnf_functions[] =
    "# versions_of PACKAGE: the versions of PACKAGE in the enabled repositories and module streams\n"
    "versions_of() {\n"
    "    dnf repoquery -q --qf '%{version}\\n' \"$1\" 2>/dev/null\n"
    "}\n"
    "\n"
    "# pm_has PACKAGE VERSION: the repositories offer PACKAGE at VERSION\n"
    "pm_has() {\n"
    "    [ -n \"$2\" ] && versions_of \"$1\" | grep -qxF \"$2\"\n"
    "}\n"
    "\n";

static const char dnf_install[] =
    "# nvidia_locked VERSION: dnf's versionlock holds the driver at VERSION\n"
    "nvidia_locked() {\n"
    "    dnf versionlock list 2>/dev/null | grep -qF \":$1-\"\n"
    "}\n"
    "\n"
    "# pm_install_driver: the driver and its kernel modules, each at $driver_version\n"
    "pm_install_driver() {\n"
    "    set --\n"
    "    for p in $driver_pkgs $module_pkgs; do\n"
    "        set -- \"$@\" \"$p-$driver_version\"\n"
    "    done\n"
    "    dnf install -y \"$@\"\n"
    "}\n"
    "\n"
    "# pm_install_fabric: Fabric Manager, NSCQ and IMEX at the driver's version\n"
    "pm_install_fabric() {\n"
    "    set -- \"$fm_pkg-$driver_version\" \"$nscq_pkg-$driver_version\"\n"
    "    [ -z \"$imex_pkg\" ] || set -- \"$@\" \"$imex_pkg-$driver_version\"\n"
    "    dnf install -y \"$@\"\n"
    "}\n"
    "\n"
    "pm_install_cuda() {\n"
    "    dnf install -y \"$cuda_pkg-$cuda_version\"\n"
    "}\n"
    "\n"
    "# pm_lock: every package at the driver's version, and the CUDA release, stay where they are\n"
    "pm_lock() {\n"
    "    dnf versionlock list >/dev/null 2>&1 || dnf install -y python3-dnf-plugin-versionlock\n"
    "    locks=$(rpm -qa --qf '%{NAME} %{VERSION}\\n' | awk -v v=\"$driver_version\" '$2 == v {print $1 \"-\" $2}' | "
    "sort)\n"
    "    [ -z \"$cuda_pkg\" ] || locks=\"$locks\n"
    "$cuda_pkg-$cuda_version\"\n"
    "    printf '%s\\n' \"$locks\" | xargs dnf versionlock add\n"
    "    unlock=\"dnf versionlock delete $(printf '%s\\n' \"$locks\" | tr '\\n' ' ')\"\n"
    "}\n"
    "\n"
    "initramfs_rebuild() {\n"
    "    dracut --regenerate-all -f\n"
    "}\n"
    "\n";

static const char apt_functions[] =
    "export DEBIAN_FRONTEND=noninteractive\n"
    "pins=/etc/apt/preferences.d/vfioplan-nvidia\n"
    "\n"
    "# versions_of PACKAGE: the upstream versions of PACKAGE in the repositories (no Debian revision)\n"
    "versions_of() {\n"
    "    apt-cache madison \"$1\" 2>/dev/null | awk -F'|' '{v = $2; gsub(/ /, \"\", v); sub(/-[^-]*$/, \"\", v); print "
    "v}'\n"
    "}\n"
    "\n"
    "# pm_has PACKAGE VERSION: the repositories offer PACKAGE at VERSION\n"
    "pm_has() {\n"
    "    [ -n \"$2\" ] && versions_of \"$1\" | grep -qxF \"$2\"\n"
    "}\n"
    "\n";

static const char apt_install[] =
    "# nvidia_locked VERSION: apt holds NVIDIA's packages\n"
    "nvidia_locked() {\n"
    "    apt-mark showhold | grep -q nvidia\n"
    "}\n"
    "\n"
    "# pm_pin: apt preferences that make $driver_version (and the CUDA release) the only candidates, so\n"
    "# apt-get installs exactly them, dependencies included, and no upgrade moves them\n"
    "pm_pin() {\n"
    "    tmp=$(mktemp)\n"
    "    {\n"
    "        echo \"# Written by the vfioplan guest setup script: NVIDIA's driver, Fabric Manager and CUDA stay\"\n"
    "        echo \"# at these versions; $state/unlock holds the command that unlocks them.\"\n"
    "        echo \"Package: *nvidia* cuda-drivers*\"\n"
    "        echo \"Pin: version $driver_version-*\"\n"
    "        echo \"Pin-Priority: 1001\"\n"
    "        if [ -n \"$cuda_pkg\" ]; then\n"
    "            echo\n"
    "            echo \"Package: $cuda_pkg\"\n"
    "            echo \"Pin: version $cuda_version-*\"\n"
    "            echo \"Pin-Priority: 1001\"\n"
    "        fi\n"
    "    } >\"$tmp\"\n"
    "    if cmp -s \"$tmp\" \"$pins\"; then\n"
    "        rm -f \"$tmp\"\n"
    "    else\n"
    "        chmod 644 \"$tmp\"\n"
    "        mv \"$tmp\" \"$pins\"\n"
    "    fi\n"
    "}\n"
    "\n"
    "# pm_install_driver: the driver and its kernel modules; the pins hold them at $driver_version\n"
    "pm_install_driver() {\n"
    "    pm_pin\n"
    "    set --\n"
    "    for p in $driver_pkgs $module_pkgs; do\n"
    "        set -- \"$@\" \"$p\"\n"
    "    done\n"
    "    apt-get install -y \"$@\"\n"
    "}\n"
    "\n"
    "# pm_install_fabric: Fabric Manager, NSCQ and IMEX at the driver's version\n"
    "pm_install_fabric() {\n"
    "    set -- \"$fm_pkg\" \"$nscq_pkg\"\n"
    "    [ -z \"$imex_pkg\" ] || set -- \"$@\" \"$imex_pkg\"\n"
    "    apt-get install -y \"$@\"\n"
    "}\n"
    "\n"
    "pm_install_cuda() {\n"
    "    apt-get install -y \"$cuda_pkg\"\n"
    "}\n"
    "\n"
    "# pm_lock: every installed package at the driver's version (held or not: ii, hi), and the CUDA release, are held\n"
    "pm_lock() {\n"
    "    # shellcheck disable=SC2016 # dpkg-query's own ${...} fields\n"
    "    locks=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n' |\n"
    "        awk -v v=\"$driver_version-\" '$1 ~ /^.i/ && index($3, v) == 1 {print $2}' | sort)\n"
    "    [ -z \"$cuda_pkg\" ] || locks=\"$locks\n"
    "$cuda_pkg\"\n"
    "    printf '%s\\n' \"$locks\" | xargs apt-mark hold\n"
    "    unlock=\"apt-mark unhold $(printf '%s\\n' \"$locks\" | tr '\\n' ' ')&& rm -f $pins\"\n"
    "}\n"
    "\n"
    "initramfs_rebuild() {\n"
    "    update-initramfs -u -k all\n"
    "}\n"
    "\n";

/* pm_pick_driver: sets driver_version from $want (empty, a branch or a version) and loads the names of its branch. */
static void
emit_pick_driver(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro, enum vp_nvidia_flavor flavor)
{
    vp_strbuf_puts(sb, "# pm_pick_driver: sets driver_version to what the spec asks for ($want: empty for the newest,\n"
                       "# a branch, or a version)\n"
                       "pm_pick_driver() {\n");
    if (distro->pm == VP_PM_DNF) {
        vp_strbuf_printf(sb,
                         "    # One module stream per branch keeps dnf on that branch; %s follows the newest.\n"
                         "    case $want in\n"
                         "    '') stream=%s ;;\n"
                         "    *) stream=",
                         distro->stream_latest[flavor], distro->stream_latest[flavor]);
        put_template(sb, distro->stream_branch[flavor], "${want%%.*}");
        vp_strbuf_puts(sb, " ;;\n"
                           "    esac\n"
                           "    # a planned change of branch: another stream is enabled today\n"
                           "    [ -z \"$installed\" ] || dnf -y module reset nvidia-driver\n"
                           "    dnf -y module enable \"nvidia-driver:$stream\"\n"
                           "    case $want in\n"
                           "    *.*) driver_version=$want ;;\n"
                           "    *) driver_version=$(versions_of nvidia-driver | sort -V | tail -n 1) ;;\n"
                           "    esac\n"
                           "    if ! pm_has nvidia-driver \"$driver_version\"; then\n");
        vp_strbuf_printf(sb,
                         "        fail \"NVIDIA's %s repository has no driver ${want:-at all} in the module stream "
                         "nvidia-driver:$stream ('dnf list --showduplicates nvidia-driver' lists what it offers)\"\n",
                         distro->repo);
    } else {
        vp_strbuf_printf(
            sb,
            "    case $want in\n"
            "    '') driver_version=$(versions_of %s | sort -V | tail -n 1) ;;\n"
            "    *.*) driver_version=$want ;;\n"
            "    *)\n"
            "        nvidia_names \"$want\"\n"
            "        driver_version=$(versions_of \"${driver_pkgs%%%% *}\" | awk -v b=\"$want.\" 'index($0, b) == 1' |\n"
            "            sort -V | tail -n 1)\n"
            "        ;;\n"
            "    esac\n"
            "    nvidia_names \"${driver_version%%%%.*}\"\n"
            "    if ! pm_has \"${driver_pkgs%%%% *}\" \"$driver_version\"; then\n"
            "        fail \"NVIDIA's %s repository has no driver ${want:-at all} ('apt-cache madison %s' lists what it "
            "offers)\"\n",
            distro->newest_probe, distro->repo, distro->newest_probe);
    }
    vp_strbuf_puts(sb, "    fi\n}\n\n");
}

void
vp_guest_emit_package_functions(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro,
                                const struct vp_plan_vm *pvm)
{
    const struct vp_nvidia *nv = &pvm->spec->guest.nvidia;
    emit_names_function(sb, distro, pvm->nvidia_flavor);
    if (nv->cuda)
        emit_cuda_table(sb, nv->version);
    vp_strbuf_puts(sb, distro->pm == VP_PM_DNF ? dnf_functions : apt_functions);
    emit_pick_driver(sb, distro, pvm->nvidia_flavor);
    vp_strbuf_puts(sb, distro->pm == VP_PM_DNF ? dnf_install : apt_install);
}

void
vp_guest_emit_repositories(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro)
{
    if (distro->pm == VP_PM_DNF) {
        vp_strbuf_printf(
            sb,
            "if ! rpm -q epel-release >/dev/null 2>&1; then\n"
            "    dnf install -y epel-release || dnf install -y "
            "https://dl.fedoraproject.org/pub/epel/epel-release-latest-9.noarch.rpm\n"
            "fi\n"
            "if [ ! -f /etc/yum.repos.d/cuda-%s.repo ]; then\n"
            "    dnf config-manager --add-repo https://developer.download.nvidia.com/compute/cuda/repos/%s/x86_64/cuda-%s.repo\n"
            "fi\n",
            distro->repo, distro->repo, distro->repo);
        return;
    }
    vp_strbuf_printf(
        sb,
        "if ! dpkg -s cuda-keyring >/dev/null 2>&1; then\n"
        "    tmp=$(mktemp)\n"
        "    curl -fsSL -o \"$tmp\" https://developer.download.nvidia.com/compute/cuda/repos/%s/x86_64/cuda-keyring_1.1-1_all.deb\n"
        "    dpkg -i \"$tmp\"\n"
        "    rm -f \"$tmp\"\n"
        "fi\n"
        "apt-get update\n",
        distro->repo);
}

void
vp_guest_emit_kernel_headers(struct vp_strbuf *sb, const struct vp_nvidia_distro *distro)
{
    if (distro->pm == VP_PM_DNF) {
        vp_strbuf_puts(
            sb,
            "if ! dnf install -y \"kernel-devel-$kernel\" \"kernel-headers-$kernel\"; then\n"
            "    have=$(dnf repoquery -q --qf '%{version}-%{release}.%{arch}' kernel-devel 2>/dev/null | tail -n 1)\n"
            "    fail \"the repositories have no kernel-devel for the running kernel $kernel (newest: ${have:-none}). Run 'dnf clean all', then 'dnf update kernel', reboot into the new kernel and run this script again\"\n"
            "fi\n");
        return;
    }
    vp_strbuf_puts(
        sb,
        "if ! apt-get install -y \"linux-headers-$kernel\"; then\n"
        "    fail \"the repositories have no linux-headers-$kernel for the running kernel. Run 'apt-get update && apt-get dist-upgrade', reboot into the new kernel and run this script again\"\n"
        "fi\n");
}
