#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt already uses (not the security one), for debootstrap.
mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -v security | head -1 | awk '{print $2}' || true)
echo "${mirror:-http://deb.debian.org/debian}"
