#!/usr/bin/env bash
# Fetches OpenSSH's regression tests (regress/ of the Debian source package of the installed OpenSSH) into
# .cache/openssh-regress, for e2e/openssh-regress.test.ts. Debian's apt reads no deb-src entries by
# default: this gives apt a private sources file and lists directory, so the system's apt setup is not
# touched. Needs network access to the Debian mirror; run by .ci/run before the tests (never by a test).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/openssh-regress
[ -f "$dest/regress/test-exec.sh" ] && { echo "openssh regress: already in $dest"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial"
# The same mirrors and suites as the machine's own sources, as deb-src.
for file in /etc/apt/sources.list.d/*.sources; do
  [ -f "$file" ] && sed -n 's/^Types: deb$/Types: deb-src/; /^#/d; p' "$file"
  echo
done >"$work/parts/src.sources"
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list >"$work/parts/src.list"
fi
apt=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts" -o "Dir::State::Lists=$work/lists" -o APT::Sandbox::User=root)
apt-get "${apt[@]}" update -qq
version=$(dpkg-query -W -f '${source:Version}' openssh-client 2>/dev/null || true)
(cd "$work" && apt-get "${apt[@]}" source --download-only -qq "openssh${version:+=$version}" >/dev/null)
orig=$(ls "$work"/openssh_*.orig.tar.gz | head -1)
mkdir -p "$dest"
tar -xzf "$orig" -C "$work" --wildcards 'openssh-*/regress'
rm -rf "$dest/regress"
mv "$work"/openssh-*/regress "$dest/regress"
echo "openssh regress: $(basename "$orig") -> $dest/regress"
