#!/usr/bin/env bash
# The Debian packages the tests use as real parts (docs: ../shared/ENVIRONMENT.md):
#   kannel, kannel-extras  the SMS gateway (bearerbox, smsbox) and its test SMSC, fakesmsc
#   chromium, fonts-nanum  the browser for the web tests, and a font that has Hangul glyphs
#   libfaketime            steps the wall clock of a running `anbu serve` (tests/faults)
# Installs them only when one is missing, so that a second run is quick and silent.
set -euo pipefail

packages=(kannel kannel-extras chromium fonts-nanum libfaketime)
# One file each package is known by; the test fixtures call these paths.
needed=(
    /usr/sbin/bearerbox
    /usr/lib/kannel/test/fakesmsc
    /usr/bin/chromium
    /usr/share/fonts/truetype/nanum
    "/usr/lib/$(uname -m)-linux-gnu/faketime/libfaketime.so.1"
)

missing=()
for path in "${needed[@]}"; do
    [[ -e "$path" ]] || missing+=("$path")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null; then
    as_root=(sudo)
else
    echo "install-system-packages: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
fi

echo "install-system-packages: missing ${missing[*]}; installing ${packages[*]}" >&2
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

for path in "${needed[@]}"; do
    if [[ ! -e "$path" ]]; then
        echo "install-system-packages: $path is still missing after the install" >&2
        exit 1
    fi
done
