#!/usr/bin/env bash
# Builds a stand-in for the production base image (node:20-bookworm-slim) without a registry:
# debootstrap a Debian bookworm minbase root from the mirror apt already uses, add this machine's `node`
# binary, and pack it as a tarball for `docker import`. The tarball is cached between runs.
#
# Why the host's node and not Debian's `nodejs`: bookworm ships Node 18, the agent needs >= 20.19, and the
# agent bundle's native modules (better-sqlite3, sharp, onnxruntime) were built for the host's Node ABI.
# The binary only links glibc and libstdc++, which minbase contains.
set -euo pipefail
out=${1:?usage: make-node-base-image.sh <output.tar>}
[ -s "$out" ] && { echo "cached: $out"; exit 0; }
mirror=$("$(dirname "$0")/debian-mirror.sh")
work=$(mktemp -d /var/tmp/mf-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
node_bin=$(readlink -f "$(command -v node)")
install -m 0755 "$node_bin" "$work/root/usr/local/bin/node"
# Same shape as the official image: a `node` user with uid 1000.
chroot "$work/root" useradd --uid 1000 --create-home --shell /bin/bash node
# Lean: no apt lists, docs or man pages in every vfs layer copy.
rm -rf "$work/root"/var/lib/apt/lists/* "$work/root"/var/cache/apt/*.bin \
  "$work/root"/usr/share/doc/* "$work/root"/usr/share/man/* "$work/root"/usr/share/locale/*
mkdir -p "$(dirname "$out")"
tar -C "$work/root" --numeric-owner -cf "$out.tmp" .
mv "$out.tmp" "$out"
echo "built: $out ($(du -h "$out" | cut -f1))"
