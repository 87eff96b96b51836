#!/bin/sh
# SPDX-License-Identifier: MIT
# check-format.sh SRCDIR: every C source and header is formatted as
# .clang-format says (Debian 12's clang-format 14). Fix with:
#   clang-format -i FILE...
set -eu
cd "$1"
command -v clang-format > /dev/null || { echo "check-format: clang-format is not installed (tests/setup-debian.sh test)" >&2; exit 1; }
bad=0
for f in $(find compiler include tests -name '*.[ch]' | sort); do
    if ! clang-format --style=file --dry-run --Werror "$f" > /dev/null 2>&1; then
        echo "not formatted: $f (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
[ "$bad" = 0 ] || { echo "check-format: $bad file(s) differ from .clang-format" >&2; exit 1; }
echo "check-format: every C file matches .clang-format"
