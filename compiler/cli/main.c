/* SPDX-License-Identifier: MIT */
/* main.c: vfioplan's command table and entry point. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"

static const struct vp_command commands[] = {
    {"check", vp_cmd_check, "check SPEC [--host ROOT|SNAPSHOT] [--format json]",
     "parse and resolve SPEC; print diagnostics and the plan's summary"},
    {"build", vp_cmd_build, "build SPEC [--host ROOT|SNAPSHOT] -o DIR",
     "write every artifact under DIR, laid out as under /"},
    {"plan", vp_cmd_plan, "plan SPEC [--host ROOT|SNAPSHOT] [--root DIR] [--format json]",
     "show the diff an apply would make under DIR (default /) and its actions; exit 1 if anything would change"},
    {"apply", vp_cmd_apply, "apply SPEC [--host ROOT|SNAPSHOT] [--root DIR] [--no-actions] [--wait SECONDS]",
     "write the files that change under DIR (default /) atomically, with backups, and run the actions they need; one apply at a time per DIR"},
    {"verify", vp_cmd_verify, "verify SPEC [--host ROOT] [--format json]",
     "after the reboot: check the IOMMU, the kernel command line, that every assigned function is on vfio-pci and every group viable; exit 1 if not"},
    {"openshift", vp_cmd_openshift, "openshift SPEC [--host ROOT|SNAPSHOT] -o DIR [--pool NAME]",
     "write the MachineConfig and the HyperConverged permittedHostDevices that roll the plan out to an OpenShift pool (default pool: worker)"},
    {"scan", vp_cmd_scan, "scan [--host ROOT|SNAPSHOT] [--format json]",
     "list IOMMU groups with their devices, drivers and whether each can be passed through"},
    {"snapshot", vp_cmd_snapshot, "snapshot [--host ROOT] [-o FILE]",
     "write the host facts vfioplan uses to FILE (default: stdout), for --host FILE elsewhere"},
    {"codes", vp_cmd_codes, "codes [--markdown]", "list every diagnostic code"},
};

const struct vp_command *
vp_cli_command(const char *name)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void
vp_cli_usage(FILE *out)
{
    fprintf(out, "usage: vfioplan COMMAND [OPTIONS]\n\n"
                 "vfioplan compiles a YAML spec of a host and its VMs into everything PCI\n"
                 "passthrough needs: kernel command line, vfio modprobe config, initramfs hooks,\n"
                 "libvirt domains and guest setup scripts.\n\ncommands:\n");
    for (size_t i = 0; i < VP_ARRAY_SIZE(commands); i++)
        fprintf(out, "  vfioplan %s\n      %s\n", commands[i].usage, commands[i].summary);
    fprintf(out, "\noptions:\n"
                 "  --host ROOT|FILE  host facts: a directory shaped like / (default: the live system)\n"
                 "                    or a snapshot file written by 'vfioplan snapshot'\n"
                 "  --root DIR        the root plan and apply compare with and write to (default /)\n"
                 "  -o, --output DIR  build's output directory\n"
                 "  --format text|json  output of check, plan, scan and verify (json: one versioned document)\n"
                 "  --no-actions      apply: write the files, run none of the actions\n"
                 "  --pool NAME       openshift: the machine config pool (default worker)\n"
                 "  --wait SECONDS    apply: how long to wait while another apply holds the root's lock\n"
                 "                    (DIR/run/lock/vfioplan.lock; default 600, 0: fail at once)\n"
                 "  --color auto|always|never\n"
                 "  -h, --help        this help; 'vfioplan COMMAND --help' for one command\n"
                 "  --version\n\n"
                 "exit status: 0 success (plan: no change), 1 plan: changes / verify: a check failed, 2 any error\n");
}

int
main(int argc, char **argv)
{
    /* Output must not depend on the caller's locale: collation, decimal points. */
    setlocale(LC_ALL, "C");
    if (argc < 2) {
        vp_cli_usage(stderr);
        return VP_EXIT_ERROR;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        vp_cli_usage(stdout);
        return VP_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("vfioplan %s\n", VFIOPLAN_VERSION);
        return VP_EXIT_OK;
    }
    const struct vp_command *cmd = vp_cli_command(argv[1]);
    if (!cmd) {
        fprintf(stderr, "vfioplan: unknown command '%s'\n", argv[1]);
        const char *names[VP_ARRAY_SIZE(commands)];
        for (size_t i = 0; i < VP_ARRAY_SIZE(commands); i++)
            names[i] = commands[i].name;
        const char *near = vp_nearest(argv[1], names, VP_ARRAY_SIZE(commands));
        if (near)
            fprintf(stderr, "hint: did you mean '%s'?\n", near);
        else
            fprintf(stderr, "hint: 'vfioplan --help' lists the commands\n");
        return VP_EXIT_ERROR;
    }
    return cmd->run(argc - 1, argv + 1);
}
