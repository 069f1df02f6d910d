#!/usr/bin/env bash
# Set-up for a fresh machine: the Debian/Ubuntu packages the agent and the tests use, `npm install`, and the
# offer to download the default Whisper model. Run from the repository: scripts/setup.sh [--yes] [--no-models]
#   --yes        also pull the offered models without asking (when the machine can reach them)
#   --no-models  do not offer models (PocketSphinx, which needs no download, transcribes meanwhile)
# Packages are installed as root, or through sudo; on another system it prints what to install and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

offer=ask
for arg in "$@"; do
  case "$arg" in
    --yes) offer=yes ;;
    --no-models) offer=no ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

# Each package and why; keep in step with README.md ("Set up and run").
packages=(
  ffmpeg               # video and audio: probing, decoding, keyframes (newer than the npm packages' static builds)
  pocketsphinx         # speech to text that needs no download (its libpocketsphinx3 is loaded in-process)
  pocketsphinx-en-us   # PocketSphinx's US English acoustic and language models
  openssh-client       # ssh-keygen: the console makes and checks SSH login keys for servers
  openssl              # certificates for agents' HTTPS (the console's deploy bundles and their tests)
  nftables             # nft --check: the firewall rules provisioning writes are checked by the tests
  redis-server         # cluster mode (agents sharing one queue); its tests start a private redis-server
  g++                  # builds better-sqlite3 / node-pty from source when no prebuilt binary can be fetched
  make
  python3
  ca-certificates      # model downloads and npm over HTTPS
  nginx-light          # tests only: `nginx -t` on the HTTPS configs the console deploys (not left running)
  systemd              # tests only: `systemd-analyze verify` on the agent's units (any machine booted with systemd has it)
  prometheus           # tests only: `promtool check metrics` on the agent's /metrics (the server is stopped and disabled)
)

need_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "setup: Node 20.19+ and npm are needed first (https://nodejs.org, or NodeSource's packages for Debian/Ubuntu)" >&2
    exit 1
  fi
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || { echo "setup: Node $(node --version) is too old; Node 20.19 or newer is needed" >&2; exit 1; }
}

install_packages() {
  if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
    echo "setup: this is not Debian or Ubuntu. Install the equivalents of these packages yourself, then run npm install:" >&2
    printf '  %s\n' "${packages[@]}" >&2
    exit 1
  fi
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: Debian packages already installed"
    return
  fi
  local run=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root, or install sudo, to install: ${missing[*]}" >&2; exit 1; }
    run=(sudo)
  fi
  echo "setup: installing ${missing[*]}"
  grep -E '^\s+[a-z0-9.+-]+\s+#' "$0" | sed 's/^ */  /' | grep -wFf <(printf '%s\n' "${missing[@]}") || true
  export DEBIAN_FRONTEND=noninteractive
  "${run[@]}" apt-get update -qq
  "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # nginx is here for its config check only: a web server this set-up started would hold port 80.
  if printf '%s\n' "${missing[@]}" | grep -qx nginx-light && [ -d /run/systemd/system ]; then
    "${run[@]}" systemctl disable --now nginx >/dev/null 2>&1 && echo "setup: nginx stopped and disabled (installed for the tests' nginx -t only)"
  fi
  # Likewise Prometheus: only its promtool is used; its server would listen on port 9090.
  if printf '%s\n' "${missing[@]}" | grep -qx prometheus && [ -d /run/systemd/system ]; then
    "${run[@]}" systemctl disable --now prometheus >/dev/null 2>&1 && echo "setup: prometheus stopped and disabled (installed for the tests' promtool only)"
  fi
}

need_node
install_packages

echo "setup: npm install"
# Install scripts run only where package.json approves them (allowScripts); nothing else is fetched at run time.
npm install --no-audit --no-fund

case "$offer" in
  no) echo "setup: models not offered (--no-models); later: npm run agent -- models setup" ;;
  yes) npm run -s agent -- models setup --yes >/dev/null ;;
  ask) npm run -s agent -- models setup >/dev/null ;;
esac

echo "setup: done. Run the agent: npm run agent -- serve --port 8080; the tests: npm test"
