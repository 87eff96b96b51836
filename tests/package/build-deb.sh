#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package, built and judged as a distribution would:
#   1. dpkg-buildpackage -b -us -uc on a copy of the tracked sources (so the
#      .debs land in a scratch folder, not beside the checkout)
#   2. lintian on the result, and on the source package (dpkg-source -b):
#      no error and no warning
#   3. the .deb holds what it must: the program, both manual pages, the
#      three completions, the schemas in /usr/share/vfioplan, the helpers'
#      directory /usr/libexec/vfioplan, vfioplan-try.service (enabled by the
#      maintainer scripts, never started); and the program runs from it
# usage: tests/package/build-deb.sh [OUTDIR]   (default: build-deb/; the .debs stay there)
# Needs tests/setup-debian.sh test (debhelper, lintian, dpkg-dev).
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
out=${1:-$top/build-deb}
rm -rf "$out"
mkdir -p "$out/src"
# the tracked files and new ones not ignored; tar keeps the host trees' symlinks as symlinks
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$out/src"
# the source package first, from the pristine copy (lintian checks debian/ there)
(cd "$out" && dpkg-source -b src > source.log 2>&1) || {
    cat "$out/source.log" >&2
    echo "package: dpkg-source -b failed" >&2
    exit 1
}
cd "$out/src"
t0=$(date +%s)
dpkg-buildpackage -b -us -uc > "$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    echo "package: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
}
echo "package: built in $(($(date +%s) - t0)) s: $(cd "$out" && ls ./*.deb)"
cd "$out"
changes=$(ls ./*.changes)
# --fail-on error,warning: lintian exits non-zero on either; the tags it printed say why
if ! lintian --fail-on error,warning --info "$changes" ./*.dsc > lintian.log 2>&1; then
    cat lintian.log >&2
    echo "package: lintian found errors or warnings" >&2
    exit 1
fi
sed 's/^/lintian: /' lintian.log
deb=$(ls ./vfioplan_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > contents
status=0
for f in /usr/bin/vfioplan /usr/share/man/man8/vfioplan.8.gz /usr/share/man/man5/vfioplan.yaml.5.gz \
    /usr/share/bash-completion/completions/vfioplan /usr/share/zsh/vendor-completions/_vfioplan \
    /usr/share/fish/vendor_completions.d/vfioplan.fish /usr/share/vfioplan/vfioplan-v1.schema.json \
    /usr/share/vfioplan/vfioplan-output-v1.schema.json /usr/libexec/vfioplan/ \
    /lib/systemd/system/vfioplan-try.service; do
    grep -qxF "$f" contents || { echo "package: $deb lacks $f" >&2; status=1; }
done
rm -rf root control && dpkg-deb -x "$deb" root && dpkg-deb -e "$deb" control
# enabled on install (WantedBy=multi-user.target), not started (--no-start: a start during an upgrade would end a try)
grep -q "deb-systemd-helper enable 'vfioplan-try.service'\|deb-systemd-helper enable vfioplan-try.service" \
    control/postinst || { echo "package: its postinst does not enable vfioplan-try.service" >&2; status=1; }
if grep -q "deb-systemd-invoke.*start.*vfioplan-try" control/postinst; then
    echo "package: its postinst starts vfioplan-try.service" >&2
    status=1
fi
root/usr/bin/vfioplan --version
# the manual pages in the package are the ones the program writes
zcat root/usr/share/man/man8/vfioplan.8.gz | cmp - "$out/src/obj-$(dpkg-architecture -qDEB_HOST_GNU_TYPE)/vfioplan.8" \
    || { echo "package: its vfioplan(8) is not what the program writes" >&2; status=1; }
[ $status -eq 0 ] && echo "package: $deb holds every file, lintian is clean"
exit $status
