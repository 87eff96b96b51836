/* SPDX-License-Identifier: MIT */
/* cmd-codes.c: `vfioplan codes`: the diagnostic codes, as text or as the README's Markdown table. */
#include <stdio.h>

#include "cli.h"

int
vp_cmd_codes(int argc, char **argv)
{
    struct vp_options opt;
    if (vp_cli_parse(argc, argv, vp_cli_command("codes"), &opt) < 0)
        return VP_EXIT_ERROR;
    if (opt.markdown)
        printf("| code | severity | meaning |\n| --- | --- | --- |\n");
    for (int i = 0; i < VP_CODE_COUNT; i++) {
        enum vp_code code = (enum vp_code)i;
        if (opt.markdown)
            printf("| %s | %s | %s |\n", vp_code_id(code), vp_severity_name(vp_code_severity(code)),
                   vp_code_summary(code));
        else
            printf("%s  %-7s  %s\n", vp_code_id(code), vp_severity_name(vp_code_severity(code)), vp_code_summary(code));
    }
    return VP_EXIT_OK;
}
