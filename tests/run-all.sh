#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole test suite, as the README gives it and CI runs it (as root, on Debian 12):
#   1. installs every tool the tests need (tests/setup-debian.sh test)
#   2. build/: unit, golden, judge and slow (fault injection) suites (-Wall -Wextra -Werror)
#   3. build-sanitize/: the same suites under ASan + UBSan
#   4. build/: the same suites under valgrind (no leaks, no errors)
#   5. the Debian package: dpkg-buildpackage, lintian clean (tests/package)
#   6. the README's first command in a fresh Debian 12 root (tests/fresh)
#   7. the guest setup scripts run in chroots (tests/guest; root and Debian's archive)
#   8. the end-to-end boot suite (tests/e2e), unless VP_SKIP_E2E=1
set -eu
cd "$(dirname "$0")/.."
tests/setup-debian.sh test

suites="--suite unit --suite golden --suite judges --suite slow"
# setup_build DIR [OPTION...]: configure DIR with the tests required (a build
# made by the README's first command has them left out until cmocka is there)
setup_build() {
    d=$1
    shift
    if [ -d "$d" ]; then meson configure "$d" -Dtests=enabled "$@"; else meson setup "$d" -Dtests=enabled "$@"; fi
}
setup_build build
ninja -C build
# shellcheck disable=SC2086  # $suites is a list of options
meson test -C build --print-errorlogs $suites

setup_build build-sanitize -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-sanitize
# shellcheck disable=SC2086
meson test -C build-sanitize --setup sanitize --print-errorlogs $suites

# shellcheck disable=SC2086
meson test -C build --setup valgrind --print-errorlogs $suites

meson test -C build --suite package --suite fresh --print-errorlogs

# exit 77 (not root) shows as skipped
meson test -C build --suite guest --print-errorlogs

if [ "${VP_SKIP_E2E:-0}" != 1 ]; then
    meson test -C build --suite e2e --print-errorlogs
fi
echo "run-all: every suite passed"
