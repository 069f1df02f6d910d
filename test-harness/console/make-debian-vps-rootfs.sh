#!/usr/bin/env bash
# Builds the root filesystem of a fresh Debian 12 VPS for the fleet suites (test-harness/console/debian-vps.ts):
# debootstrap minbase plus what a Debian cloud image boots with (systemd as init, OpenSSH, sudo, curl, procps,
# CA certificates; openssl comes with them). No Docker, nginx, nftables or certbot: provisioning installs
# those from Debian's mirror, as it would on a rented server. Packed as a tarball, cached between runs.
set -euo pipefail
out=${1:?usage: make-debian-vps-rootfs.sh <output.tar>}
[ -s "$out" ] && { echo "cached: $out"; exit 0; }
mirror=$("$(dirname "$0")/debian-mirror.sh")
work=$(mktemp -d /var/tmp/mf-vps-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,openssh-server,sudo,iproute2,ca-certificates,curl,procps \
  bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# Each VPS made from this gets its own host keys and machine id when it is started.
rm -f "$work/root"/etc/ssh/ssh_host_* "$work/root/etc/machine-id" "$work/root/var/lib/dbus/machine-id"
rm -rf "$work/root"/var/lib/apt/lists/* "$work/root"/var/cache/apt/*.bin
mkdir -p "$(dirname "$out")"
tar -C "$work/root" --numeric-owner -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "built: $out ($(du -h "$out" | cut -f1))"
