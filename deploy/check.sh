#!/usr/bin/env bash
# Checks a built casewatch .deb: the files it installs, its conffiles and
# maintainer scripts, that its settings file is valid, and its systemd unit
# (`systemd-analyze verify` against the packaged binary, and an exposure of
# 2.0 or lower from `systemd-analyze security`).
# Usage: deploy/check.sh PATH/TO/casewatch_*.deb
set -euo pipefail
deb=${1:?usage: deploy/check.sh casewatch.deb}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"

fail() { echo "deploy/check.sh: $*" >&2; exit 1; }
for file in usr/bin/casewatch etc/casewatch/casewatch.toml usr/lib/sysusers.d/casewatch.conf \
    usr/share/doc/casewatch/ADMIN.md usr/share/doc/casewatch/examples/casewatch.env; do
    [ -e "$work/root/$file" ] || fail "the package lacks /$file"
done
unit=$(find "$work/root" -name casewatch.service -path '*systemd/system*' | head -n 1)
[ -n "$unit" ] || fail "the package lacks the systemd unit"
grep -qx /etc/casewatch/casewatch.toml "$work/control/conffiles" \
    || fail "/etc/casewatch/casewatch.toml is not a conffile (it would be overwritten on upgrade)"
grep -q 'casewatch --config /etc/casewatch/casewatch.toml migrate' "$work/control/postinst" \
    || fail "postinst does not migrate the database on upgrade"
grep -q 'systemd-sysusers casewatch.conf' "$work/control/postinst" || fail "postinst does not make the user"
grep -q 'deb-systemd-helper' "$work/control/postinst" || fail "postinst does not enable the unit"

# The packaged settings file, as the packaged binary reads it.
CASEWATCH_CONFIG="$work/root/etc/casewatch/casewatch.toml" "$work/root/usr/bin/casewatch" check-config > /dev/null \
    || fail "the packaged settings file is refused"

# verify checks that ExecStart exists, so point it at the packaged binary.
sed "s|/usr/bin/casewatch|$work/root/usr/bin/casewatch|" "$unit" > "$work/casewatch.service"
systemd-analyze verify "$work/casewatch.service"
systemd-analyze security --offline=true --threshold=20 "$work/casewatch.service" | tail -n 1
echo "deploy/check.sh: $(basename "$deb") is complete"
