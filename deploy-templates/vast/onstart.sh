#!/bin/sh
# Vast.ai on-start script for a rented GPU instance running the Mediafleet GPU image. Vast passes the
# instance's own CONTAINER_ID and CONTAINER_API_KEY in the environment (the agent's dead-man switch uses
# them), and the console's one-time MEDIAFLEET_PAIRING_SECRET the same way, never in this script. No admin
# token is in the env (Vast lists env values): the agent serves HTTPS with its own self-signed certificate and
# the console installs its token over a connection pinned to it (agent/src/pairing/README.md).
set -eu
mkdir -p /data
export MEDIAFLEET_HOST=0.0.0.0
export MEDIAFLEET_PORT="${MEDIAFLEET_PORT:-{{agentPort}}}"
export MEDIAFLEET_DATA=/data
export MEDIAFLEET_TLS="${MEDIAFLEET_TLS:-self-signed}"
export MEDIAFLEET_CONSOLE_ID="{{consoleId}}"
export MEDIAFLEET_IDLE_TIMEOUT_S="{{idleTimeoutS}}"
export MEDIAFLEET_DEADMAN_S="{{deadmanS}}"
export MEDIAFLEET_SPEND_CAP_USD="{{spendCapUsd}}"
cd /app
nohup node /app/node_modules/tsx/dist/cli.mjs /app/agent/src/cli.ts serve >>/data/agent.log 2>&1 &
