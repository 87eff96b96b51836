/* SPDX-License-Identifier: MIT */
/*
 * commands.c: the command and option table. Parsing, help, the manual page
 * and the shell completions are all generated from it, so they cannot
 * disagree with what the commands accept.
 */
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "cli.h"

static const char *const format_values[] = {"text", "json", NULL};
static const char *const color_values[] = {"auto", "always", "never", NULL};
static const char *const shell_values[] = {"bash", "zsh", "fish", NULL};
static const char *const page_values[] = {"vfioplan.8", "vfioplan.yaml.5", NULL};

static const struct vp_option_def option_defs[] = {
    {VP_OPT_HOST, "host", 0, "ROOT|FILE", NULL, NULL},
    {VP_OPT_ROOT, "root", 0, "DIR", NULL, NULL},
    {VP_OPT_OUTPUT, "output", 'o', "DIR", NULL, NULL},
    {VP_OPT_FORMAT, "format", 0, "FORMAT", format_values, NULL},
    {VP_OPT_NO_ACTIONS, "no-actions", 0, NULL, NULL, NULL},
    {VP_OPT_POOL, "pool", 0, "NAME", NULL, NULL},
    {VP_OPT_MARKDOWN, "markdown", 0, NULL, NULL, NULL},
    {VP_OPT_WAIT, "wait", 0, "SECONDS", NULL, NULL},
    {VP_OPT_COLOR, "color", 0, "WHEN", color_values,
     "Color the diagnostics: auto (when stderr is a terminal and NO_COLOR is not set), always or never."},
    {VP_OPT_HELP, "help", 'h', NULL, NULL, "Print this command's options and exit codes, and exit 0."},
    {VP_OPT_OUT, "out", 0, "FILE", NULL, NULL},
    {VP_OPT_PLAN, "plan", 0, "FILE", NULL, NULL},
    {VP_OPT_YES, "yes", 0, NULL, NULL, NULL},
    {VP_OPT_KEEP, "keep", 0, "N", NULL, NULL},
    {VP_OPT_TO, "to", 0, "N", NULL, NULL},
    {VP_OPT_CONFIRM, "confirm", 0, NULL, NULL, NULL},
    {VP_OPT_CANCEL, "cancel", 0, NULL, NULL, NULL},
    {VP_OPT_FINISH, "finish", 0, NULL, NULL, NULL},
};

/* The sentences the compiling commands share. */
#define HOST_DOC                                                                                                                                \
    "Read the host facts from ROOT, a directory shaped like / (ROOT/sys/bus/pci, ROOT/sys/kernel/iommu_groups, "                                \
    "ROOT/sys/devices/system, ROOT/proc, ROOT/etc/os-release), or from FILE, a snapshot written by 'vfioplan snapshot' ('-': standard input); " \
    "the default is the live system, /."
#define HOST_ROOT_DOC "Read the host facts from ROOT, a directory shaped like / (default: the live system, /)."
#define FORMAT_DOC                                                                                                     \
    "Print text (the default) or one JSON document on stdout (json), as schema/vfioplan-output-v1.schema.json "        \
    "describes it; the diagnostics are then in the document."
#define SPEC_DEFAULT_DOC                                                                                               \
    " Without SPEC, the host's own: /etc/vfioplan/vfioplan.yaml (DIR/etc/vfioplan/vfioplan.yaml with --root DIR)."
#define KEEP_OPT                                                                                                       \
    {                                                                                                                  \
        VP_OPT_KEEP, NULL, VP_COMPLETE_NONE, false,                                                                    \
            "Keep the newest N generations of vfioplan's files under DIR (default 5, 2 to 100), and always the "       \
            "current one; older ones are removed."                                                                     \
    }
#define YES_OPT(what_)                                                                                                 \
    {                                                                                                                  \
        VP_OPT_YES, NULL, VP_COMPLETE_NONE, false,                                                                     \
            "Do not ask: on a terminal, " what_ " shows what it would do and asks first; a run without a terminal "    \
            "never asks."                                                                                              \
    }
#define ROOT_STATE_OPT(what_)                                                                                          \
    {                                                                                                                  \
        VP_OPT_ROOT, NULL, VP_COMPLETE_DIR, false, what_                                                               \
    }
#define HOST_OPT(complete_)                                                                                            \
    {                                                                                                                  \
        VP_OPT_HOST, NULL, complete_, false, HOST_DOC                                                                  \
    }
#define FORMAT_OPT                                                                                                     \
    {                                                                                                                  \
        VP_OPT_FORMAT, "text|json", VP_COMPLETE_WORDS, false, FORMAT_DOC                                               \
    }

static const struct vp_command commands[] = {
    {"check",
     vp_cmd_check,
     "SPEC",
     true,
     VP_COMPLETE_SPEC,
     NULL,
     "parse and resolve SPEC; print diagnostics and the plan's summary",
     "Reads SPEC ('-': standard input), resolves its device selectors against the host's PCI tree and IOMMU groups, "
     "checks every rule, and prints the diagnostics on stderr and a summary of the plan on stdout: the kernel "
     "arguments, the vfio-pci ids and addresses, and each VM's functions with their guest addresses. Nothing is "
     "written." SPEC_DEFAULT_DOC,
     {HOST_OPT(VP_COMPLETE_HOST), FORMAT_OPT},
     "the spec is valid and its plan is safe (warnings may have been printed)",
     NULL},
    {"build",
     vp_cmd_build,
     "SPEC",
     true,
     VP_COMPLETE_SPEC,
     NULL,
     "write every artifact under DIR, laid out as under /",
     "Writes every artifact of the plan under DIR as they would be under /: the kernel command line drop-in, the "
     "modprobe config, the initramfs hook, one libvirt domain and one guest setup script per VM. Files are written "
     "atomically; DIR's manifest (etc/vfioplan/manifest) lists what vfioplan owns, so files a later build no longer "
     "generates are removed and nothing else under DIR is touched. Runs no commands." SPEC_DEFAULT_DOC,
     {HOST_OPT(VP_COMPLETE_HOST),
      {VP_OPT_OUTPUT, "DIR", VP_COMPLETE_DIR, true, "Write the artifacts under DIR, created if missing (required)."}},
     "every artifact was written",
     NULL},
    {"plan",
     vp_cmd_plan,
     "SPEC",
     true,
     VP_COMPLETE_SPEC,
     NULL,
     "show the diff an apply would make under DIR (default /) and its actions",
     "The dry run: a git-style diff of every file that would be created, changed or removed under DIR (patch -p1 and "
     "git apply take it), then the commands an apply would run for those changes (update-initramfs, update-grub, "
     "virsh define, ...), after those an earlier apply did not see succeed (pending). Nothing is written. When the "
     "host facts come from a snapshot and DIR is a host, its devices must still match the snapshot. The exit code "
     "follows diff(1): 1 means changes (a file, or a pending action), unlike terraform plan -detailed-exitcode, "
     "where 2 does; with --format json, \"changed\" says the same." SPEC_DEFAULT_DOC,
     {HOST_OPT(VP_COMPLETE_HOST),
      {VP_OPT_ROOT, NULL, VP_COMPLETE_DIR, false, "Compare with the files under DIR instead of / (the default)."},
      {VP_OPT_OUT, NULL, VP_COMPLETE_FILE, false,
       "Save the plan to FILE: the digests of the spec, the host facts and every file before and after, and the "
       "actions; 'vfioplan apply --plan FILE' applies exactly that, or refuses (VP6005) when anything changed."},
      FORMAT_OPT},
     "nothing would change",
     "something would change (as diff(1) has it; terraform's -detailed-exitcode says 2)"},
    {"apply",
     vp_cmd_apply,
     "SPEC",
     true,
     VP_COMPLETE_SPEC,
     NULL,
     "write the files that change under DIR (default /) atomically, keep the old ones as a generation, run the "
     "actions",
     "Writes only the files that change, each atomically (a temp file, fsync, rename), removes the files vfioplan "
     "generated before and no longer does, then runs the actions those changes need (in a chroot when DIR is not /), "
     "after any an earlier apply did not see succeed. The state it replaced and the one it wrote are kept as "
     "generations under DIR/var/lib/vfioplan (vfioplan history, vfioplan rollback). When an initramfs or "
     "bootloader action ran, DIR/run/reboot-required says so. On a terminal it shows the plan and asks first. With "
     "a snapshot, refuses when the devices under DIR differ from it. A failure leaves every file either old or new, "
     "never half written. One apply at a time per DIR: it holds DIR/run/lock/vfioplan.lock from before it reads "
     "DIR until its last action." SPEC_DEFAULT_DOC,
     {HOST_OPT(VP_COMPLETE_HOST),
      {VP_OPT_ROOT, NULL, VP_COMPLETE_DIR, false, "Write under DIR instead of / (the default)."},
      {VP_OPT_PLAN, NULL, VP_COMPLETE_FILE, false,
       "Apply the plan 'vfioplan plan --out FILE' saved, exactly: with its spec, host and root, or refuse (VP6005) "
       "when the spec, the host facts or a file under the root changed since. Never asks."},
      YES_OPT("apply"),
      {VP_OPT_NO_ACTIONS, NULL, VP_COMPLETE_NONE, false,
       "Write the files but run none of the actions: they stay pending ('vfioplan plan' lists them) and the next "
       "apply runs them."},
      {VP_OPT_WAIT, NULL, VP_COMPLETE_NONE, false,
       "While another apply holds DIR's lock, wait up to SECONDS for it (default 600; 0: fail at once), then fail "
       "with VP6004 naming its pid."},
      KEEP_OPT,
      FORMAT_OPT},
     "the files are up to date and every action ran",
     "the question was answered no: nothing was written"},
    {"rollback",
     vp_cmd_rollback,
     NULL,
     false,
     VP_COMPLETE_NONE,
     NULL,
     "restore an earlier generation of vfioplan's files under DIR (default /) and run its actions",
     "Puts back the files of a generation 'vfioplan history' lists (the previous one, or --to N), exactly as they "
     "were, with the same machinery as apply (the lock, atomic writes, the manifest of old and new first), removes "
     "vfioplan's files it did not have, and runs the actions the changes need. The generation becomes the current "
     "one; nothing is deleted from the history.",
     {ROOT_STATE_OPT("Restore under DIR instead of / (the default)."),
      {VP_OPT_TO, NULL, VP_COMPLETE_NONE, false,
       "The generation to restore (default: the newest one before the current one)."},
      YES_OPT("rollback"),
      {VP_OPT_NO_ACTIONS, NULL, VP_COMPLETE_NONE, false, "Restore the files only; the actions stay pending."},
      {VP_OPT_WAIT, NULL, VP_COMPLETE_NONE, false,
       "While another apply holds DIR's lock, wait up to SECONDS for it (default 600)."},
      KEEP_OPT,
      FORMAT_OPT},
     "the generation is in place and every action ran",
     "the question was answered no: nothing was written"},
    {"try",
     vp_cmd_try,
     "SPEC",
     true,
     VP_COMPLETE_SPEC,
     NULL,
     "install the new configuration for one boot under DIR (default /); confirm it, or fall back",
     "Compiles SPEC like apply and writes its files, except that the default boot entry keeps the current "
     "generation's kernel command line: a GRUB entry of its own (/etc/grub.d/42_vfioplan-try, --id vfioplan-try) "
     "boots the new one, once (grub-reboot). The binding acts only on a boot whose command line carries the new "
     "boot token, so the one initramfs serves both entries. The try is recorded as a generation (status trying); "
     "the current generation stays current, and DIR/var/lib/vfioplan/try marks the try under way. After the reboot, "
     "the vfioplan-try service runs 'vfioplan try --finish': when the boot carries the token and verify's checks "
     "pass, the try becomes the current generation (confirmed); otherwise the files of the current generation come "
     "back (cancelled). GRUB clears the one-shot entry before the kernel loads, so a hang, a panic or a power cycle "
     "boots the default entry, and the host as it was. Only GRUB as Debian and Ubuntu configure it (update-grub, "
     "/etc/default/grub.d) is supported (VP6009); one try at a time (VP6007)." SPEC_DEFAULT_DOC,
     {HOST_OPT(VP_COMPLETE_HOST),
      {VP_OPT_ROOT, NULL, VP_COMPLETE_DIR, false, "Write under DIR instead of / (the default)."},
      {VP_OPT_CONFIRM, NULL, VP_COMPLETE_NONE, false,
       "Make the try under way the current configuration: its files exactly as apply writes them, the try entry "
       "removed, update-grub run."},
      {VP_OPT_CANCEL, NULL, VP_COMPLETE_NONE, false,
       "Put the current generation's files back (the try entry removed) and run their actions."},
      {VP_OPT_FINISH, NULL, VP_COMPLETE_NONE, false,
       "What the boot unit runs: nothing without a try under way; confirm when the running boot carries the try's "
       "token and verify's checks pass (exit 0), else cancel (exit 1)."},
      YES_OPT("try"),
      {VP_OPT_NO_ACTIONS, NULL, VP_COMPLETE_NONE, false,
       "Write the files but run none of the actions: they stay pending."},
      FORMAT_OPT},
     "the try is installed (or confirmed, or cancelled by hand, or there was none to finish)",
     "try --finish: the try failed and was cancelled; try: the question was answered no"},
    {"history",
     vp_cmd_history,
     NULL,
     false,
     VP_COMPLETE_NONE,
     NULL,
     "list the generations of vfioplan's files under DIR (default /)",
     "Lists the generations kept under DIR/var/lib/vfioplan/generations, oldest first: when each was recorded, "
     "where it came from (apply; found: the files as they were before an apply replaced them), its files, its "
     "spec and boot token, and which one is current.",
     {ROOT_STATE_OPT("Read the generations under DIR instead of / (the default)."), FORMAT_OPT},
     "the generations were listed",
     NULL},
    {"verify",
     vp_cmd_verify,
     "SPEC",
     true,
     VP_COMPLETE_SPEC,
     NULL,
     "after the reboot: check the IOMMU, the kernel command line, huge pages, vfio-pci and the groups",
     "Run on the host after the reboot that follows an apply: checks that the IOMMU is on, that each kernel argument "
     "is on /proc/cmdline, that the huge pages the VMs need are reserved and free (HugePages_Total and "
     "HugePages_Free), that each assigned function is bound to vfio-pci and that each of their IOMMU groups is "
     "viable, that the running boot carries the configuration's boot token (else it predates it), and that no "
     "action is pending and no reboot asked for under DIR. Prints one line per check, with advice for each that "
     "failed." SPEC_DEFAULT_DOC,
     {{VP_OPT_HOST, "ROOT", VP_COMPLETE_DIR, false, HOST_ROOT_DOC},
      ROOT_STATE_OPT("Read the pending actions and the reboot signal under DIR instead of / (the default)."),
      FORMAT_OPT},
     "every check passed",
     "a check failed"},
    {"openshift",
     vp_cmd_openshift,
     "SPEC",
     true,
     VP_COMPLETE_SPEC,
     NULL,
     "write the MachineConfig and HyperConverged permittedHostDevices for an OpenShift pool",
     "Writes the same plan as OpenShift objects under DIR: a MachineConfig for the pool (the kernel arguments, and "
     "Ignition storage entries for the modprobe config and vfio-pci loading) and the HyperConverged "
     "permittedHostDevices entries that let VMs request the devices." SPEC_DEFAULT_DOC,
     {HOST_OPT(VP_COMPLETE_HOST),
      {VP_OPT_OUTPUT, "DIR", VP_COMPLETE_DIR, true, "Write the objects under DIR, created if missing (required)."},
      {VP_OPT_POOL, NULL, VP_COMPLETE_NONE, false,
       "The machine config pool the MachineConfig is for (default: worker)."}},
     "the objects were written",
     NULL},
    {"scan",
     vp_cmd_scan,
     NULL,
     false,
     VP_COMPLETE_NONE,
     NULL,
     "list IOMMU groups with their devices, drivers and whether each can be passed through",
     "Lists every IOMMU group of the host with its devices (address, class, ids, driver, name) and whether the "
     "group can be passed through whole, and why not: the host's boot VGA, root disk or default-route NIC, or a "
     "platform device in the group.",
     {HOST_OPT(VP_COMPLETE_HOST), FORMAT_OPT},
     "the host facts were read",
     NULL},
    {"snapshot",
     vp_cmd_snapshot,
     NULL,
     false,
     VP_COMPLETE_NONE,
     NULL,
     "write the host facts vfioplan uses to FILE (default: stdout), for --host FILE elsewhere",
     "Writes the host facts vfioplan uses (PCI functions and the PCIe tree above them, IOMMU groups, drivers, BARs, "
     "the OS, CPU, kernel and firmware, memory and huge pages, CPUs and NUMA nodes, the host's own boot VGA, root "
     "disk and default-route NIC) as a versioned YAML file (vfioplan/snapshot-v2; v1 files are still read). "
     "Compiling against it with --host FILE anywhere gives byte-identical results. A fact a snapshot cannot hold "
     "(a driver name no kernel driver has, from a damaged tree) is refused.",
     {{VP_OPT_HOST, "ROOT", VP_COMPLETE_DIR, false, HOST_ROOT_DOC},
      {VP_OPT_OUTPUT, "FILE", VP_COMPLETE_FILE, false,
       "Write the snapshot to FILE, atomically ('-': standard output, the default); a FIFO or a device is written to, "
       "never replaced."}},
     "the snapshot was written",
     NULL},
    {"codes",
     vp_cmd_codes,
     NULL,
     false,
     VP_COMPLETE_NONE,
     NULL,
     "list every diagnostic code",
     "Lists every diagnostic code with its severity and meaning. 'vfioplan explain CODE' says more about one.",
     {{VP_OPT_MARKDOWN, NULL, VP_COMPLETE_NONE, false, "Print the table as Markdown, as the README has it."}},
     "the codes were listed",
     NULL},
    {"explain",
     vp_cmd_explain,
     "CODE",
     false,
     VP_COMPLETE_CODE,
     NULL,
     "explain a diagnostic code: what triggers it, an example, the fix",
     "Explains one diagnostic code (VP4003, or 4003): what triggers it, a minimal spec (or command) that does, and "
     "how to fix it.",
     {{0}},
     "the code was explained",
     NULL},
    {"help",
     vp_cmd_help,
     "COMMAND",
     true,
     VP_COMPLETE_COMMAND,
     NULL,
     "show the help of vfioplan or of one command",
     "Prints the list of commands, or one command's options and exit codes ('vfioplan COMMAND --help' does the "
     "same).",
     {{0}},
     "the help was printed",
     NULL},
    {"completion",
     vp_cmd_completion,
     "SHELL",
     false,
     VP_COMPLETE_WORDS,
     shell_values,
     "print the shell completion script for bash, zsh or fish",
     "Prints a completion script for SHELL (bash, zsh or fish) that completes the commands, their options, the "
     "values of --format and --color, diagnostic codes and spec files (*.yaml, *.yml). The package installs them; "
     "to try one: source <(vfioplan completion bash).",
     {{0}},
     "the script was printed",
     NULL},
    {"man",
     vp_cmd_man,
     "PAGE",
     false,
     VP_COMPLETE_WORDS,
     page_values,
     "print a manual page (roff)",
     "Prints the manual page vfioplan.8 (the commands) or vfioplan.yaml.5 (the spec) as roff; both are generated "
     "from the tables the program uses and installed with it (man 8 vfioplan, man 5 vfioplan.yaml).",
     {{0}},
     "the page was printed",
     NULL},
};

const struct vp_command *
vp_cli_commands(size_t *n)
{
    *n = VP_ARRAY_SIZE(commands);
    return commands;
}

const struct vp_command *
vp_cli_command(const char *name)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

const struct vp_option_def *
vp_cli_option_defs(size_t *n)
{
    *n = VP_ARRAY_SIZE(option_defs);
    return option_defs;
}

const struct vp_option_def *
vp_cli_option_def(enum vp_option_id id)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(option_defs); i++)
        if (option_defs[i].id == id)
            return &option_defs[i];
    return NULL;
}

const char *
vp_cli_option_arg(const struct vp_command_option *o)
{
    return o->arg ? o->arg : vp_cli_option_def(o->id)->arg;
}

char *
vp_cli_synopsis(const struct vp_command *cmd)
{
    struct vp_strbuf sb = {0};
    vp_strbuf_puts(&sb, cmd->name);
    if (cmd->operand)
        vp_strbuf_printf(&sb, cmd->operand_optional ? " [%s]" : " %s", cmd->operand);
    for (const struct vp_command_option *o = cmd->options; o->id; o++) {
        const struct vp_option_def *def = vp_cli_option_def(o->id);
        const char *arg = vp_cli_option_arg(o);
        vp_strbuf_printf(&sb, " %s", o->required ? "" : "[");
        if (def->short_name)
            vp_strbuf_printf(&sb, "-%c", def->short_name);
        else
            vp_strbuf_printf(&sb, "--%s", def->name);
        if (arg)
            vp_strbuf_printf(&sb, " %s", arg);
        vp_strbuf_puts(&sb, o->required ? "" : "]");
    }
    return vp_strbuf_steal(&sb, NULL);
}
