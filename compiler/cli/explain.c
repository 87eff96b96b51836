/* SPDX-License-Identifier: MIT */
/*
 * explain.c: `vfioplan explain CODE`: what triggers a diagnostic code, an
 * example that does (a spec, or commands where the cause is a file or the
 * host), and the fix. The texts are in explain.def, one entry per code;
 * tests/docs/check-explain.py runs every example and checks its code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"

struct explanation {
    enum vp_code code;
    const char *trigger;
    const char *host;    /* the host the example needs, in words; NULL: any */
    const char *spec;    /* a minimal spec that gets the code, or NULL */
    const char *command; /* else: shell commands that get it */
    const char *fix;
};

static const struct explanation explanations[] = {
#define EXPLAIN(name, trigger, host, spec, command, fix) {VP_##name, trigger, host, spec, command, fix},
#include "explain.def"
#undef EXPLAIN
};

static const struct explanation *
find(enum vp_code code)
{
    for (size_t i = 0; i < VP_ARRAY_SIZE(explanations); i++)
        if (explanations[i].code == code)
            return &explanations[i];
    return NULL;
}

/* "VP4003", "vp4003" or "4003" */
static bool
parse_code(const char *s, enum vp_code *code)
{
    if ((s[0] == 'V' || s[0] == 'v') && (s[1] == 'P' || s[1] == 'p'))
        s += 2;
    for (int i = 0; i < VP_CODE_COUNT; i++) {
        if (strcmp(vp_code_id((enum vp_code)i) + 2, s) == 0) {
            *code = (enum vp_code)i;
            return true;
        }
    }
    return false;
}

static void
print_block(FILE *out, const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "    %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

int
vp_cmd_explain(int argc, char **argv)
{
    struct vp_options opt;
    const struct vp_command *cmd = vp_cli_command("explain");
    if (vp_cli_parse(argc, argv, cmd, &opt) < 0)
        return VP_EXIT_ERROR;
    enum vp_code code;
    if (!parse_code(opt.operand, &code))
        return vp_cli_usage_error(cmd, "no code '%s'; 'vfioplan codes' lists them", opt.operand);
    const struct explanation *e = find(code);
    printf("%s (%s): %s\n\nWhat triggers it:\n", vp_code_id(code), vp_severity_name(vp_code_severity(code)),
           vp_code_summary(code));
    vp_cli_print_wrapped(stdout, e ? e->trigger : "not explained yet", 2);
    if (e && e->spec) {
        char *what = e->host ? vp_xasprintf("Example spec, on %s (vfioplan check spec.yaml --host HOST):", e->host)
                             : vp_xstrdup("Example spec (vfioplan check spec.yaml, on any host):");
        fputc('\n', stdout);
        vp_cli_print_wrapped(stdout, what, 0);
        free(what);
        print_block(stdout, e->spec);
    } else if (e && e->command) {
        char *what = vp_xasprintf("Example commands%s%s (HOST is a host tree, spec.yaml a valid spec for it):",
                                  e->host ? ", on " : "", e->host ? e->host : "");
        fputc('\n', stdout);
        vp_cli_print_wrapped(stdout, what, 0);
        free(what);
        print_block(stdout, e->command);
    }
    if (e) {
        printf("\nThe fix:\n");
        vp_cli_print_wrapped(stdout, e->fix, 2);
    }
    return VP_EXIT_OK;
}
