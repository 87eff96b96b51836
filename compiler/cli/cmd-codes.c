/* SPDX-License-Identifier: MIT */
/* cmd-codes.c: `vfioplan codes`: the diagnostic codes, as text or as the README's Markdown table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int
vp_cmd_codes(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf(
            "usage: vfioplan codes [--markdown]\n\nList every diagnostic code; --markdown prints the README's table.\n");
        return VP_EXIT_OK;
    }
    bool markdown = argc == 2 && strcmp(argv[1], "--markdown") == 0;
    if (argc > 2 || (argc == 2 && !markdown)) {
        fprintf(stderr, "usage: vfioplan codes [--markdown]\n");
        return VP_EXIT_ERROR;
    }
    if (markdown)
        printf("| code | severity | meaning |\n| --- | --- | --- |\n");
    for (int i = 0; i < VP_CODE_COUNT; i++) {
        enum vp_code code = (enum vp_code)i;
        if (markdown)
            printf("| %s | %s | %s |\n", vp_code_id(code), vp_severity_name(vp_code_severity(code)),
                   vp_code_summary(code));
        else
            printf("%s  %-7s  %s\n", vp_code_id(code), vp_severity_name(vp_code_severity(code)), vp_code_summary(code));
    }
    return VP_EXIT_OK;
}
