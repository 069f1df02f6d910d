#!/usr/bin/env bash
# CI: the README's set-up and tests in a clean Debian 12 root, so a missing install step turns CI red. The root
# is a fresh `debootstrap --variant=minbase` (what a new machine has), plus what the README asks for first
# (Node 20.19+ with npm) and what this build machine needs to reach the outside (see DESIGN.md, "A fresh Debian
# 12 root"): its CA bundle for the npm registry, and Node's headers so native modules build offline. The
# checkout is copied in with ../shared beside it (read-only); then, as root inside it:
#   scripts/setup.sh && npm test
# Usage: .ci/clean-root-test.sh [--setup-only]   (as root; needs debootstrap)
set -euo pipefail
setup_only=false
[ "${1:-}" = "--setup-only" ] && setup_only=true
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" 2>/dev/null && pwd) || { echo "clean-root: ../shared is missing beside the checkout" >&2; exit 1; }
started=$(date +%s)
step() { echo "=== clean root: $* ($(( $(date +%s) - started ))s)"; }

work=$(mktemp -d /var/tmp/mf-clean-root.XXXXXX)
root="$work/root"
mounts=()
cleanup() {
  for (( i=${#mounts[@]}-1; i>=0; i-- )); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; mounts+=("$2"); }

step "debootstrap bookworm (minbase)"
mirror=$("$repo/test-harness/console/debian-mirror.sh")
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

step "Node $(node --version) and npm $(npm --version) from this machine; its CA bundle and Node headers"
install -m 0755 "$(readlink -f "$(command -v node)")" "$root/usr/bin/node"
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
mkdir -p "$root/usr/lib/node_modules"
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
cp -a /usr/include/node "$root/usr/include/node"
# Not at /etc/ssl/certs/ca-certificates.crt: the set-up installs ca-certificates, which rewrites that file.
mkdir -p "$root/etc/mediafleet-ci"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/mediafleet-ci/host-ca.crt"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# What every installed Debian has and minbase leaves out: a hosts file naming localhost (vitest and the tests
# listen on it).
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"

step "the checkout (tracked and unignored files) and ../shared beside it"
mkdir -p "$root/src/mediafleet"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' | tar --null -T - -cf -) \
  | tar -C "$root/src/mediafleet" -xf -
bind "$shared" "$root/src/shared"
mount -o remount,ro,bind "$root/src/shared"
bind /proc "$root/proc"
bind /sys "$root/sys"
bind /dev "$root/dev"
bind /dev/pts "$root/dev/pts"
mkdir -p "$root/dev/shm" && mount -t tmpfs tmpfs "$root/dev/shm" && mounts+=("$root/dev/shm")
# npm's download cache only (nothing installed from it): the registry answers the same, faster.
if [ -d "${npm_config_cache:-$HOME/.npm}" ]; then bind "${npm_config_cache:-$HOME/.npm}" "$root/root/.npm"; fi

run_in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    npm_config_cafile=/etc/mediafleet-ci/host-ca.crt NODE_EXTRA_CA_CERTS=/etc/mediafleet-ci/host-ca.crt \
    npm_config_nodedir=/usr npm_config_update_notifier=false \
    /bin/bash -c "cd /src/mediafleet && $1"
}

step "scripts/setup.sh (as the README says)"
run_in_root 'scripts/setup.sh'
if $setup_only; then
  step "--setup-only: skipping npm test; the agent can analyse a video and a recording:"
  run_in_root 'npm run -s agent -- analyze ../shared/fixtures/audio/cards-001.wav ../shared/fixtures/bad/truncated.avi --analyses transcribe | head -c 2000; echo'
  exit 0
fi
step "npm test"
run_in_root 'npm test'
step "done"
