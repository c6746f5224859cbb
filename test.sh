#!/usr/bin/env bash
# Installs what the tests need (when missing), builds, and runs every test.
# Usage: ./test.sh            everything
#        ./test.sh --fast     unit and conformance tests only (no external tools)
set -euo pipefail
cd "$(dirname "$0")"

fast=false
[ "${1:-}" = "--fast" ] && fast=true

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages the tests drive: real clients (skopeo, podman, containerd/ctr), a real upstream
# (the CNCF distribution registry) and the tools of the benchmark smoke run.
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
if ! $fast; then
  need skopeo skopeo
  need podman podman
  need containerd containerd
  need ctr containerd
  need docker-registry docker-registry
  need curl curl
  # TLS policy tests: a client that offers any protocol and suite.
  need openssl openssl
  need ip iproute2
  # Appliance and rollout: the playbook, its linter, the unit checker, qemu for the arm64 binary.
  need ansible-playbook ansible
  need ansible-lint ansible-lint
  need systemd-analyze systemd
  need qemu-aarch64-static qemu-user-static
  # Benchmark charts.
  need gnuplot gnuplot-nox
  # The OIDC provider of the sign-in tests (npm oidc-provider under Node).
  need node nodejs
  need npm npm
  # The console's browser test: Debian's chromium, headless, driven by Playwright (no browser download).
  need chromium chromium
  # The scale-out backends, started by the tests on 127.0.0.1: PostgreSQL (its server binaries are not on
  # PATH), a single-node Ceph with RGW as the S3 store, and HAProxy in front of the replicas.
  [ -x /usr/lib/postgresql/15/bin/initdb ] || packages+=(postgresql)
  need ceph-mon ceph-mon
  need ceph-osd ceph-osd
  need radosgw radosgw
  need radosgw-admin ceph-common
  need haproxy haproxy
fi
# The arm64 binary under qemu loads Debian's arm64 C library and OpenSSL (multiarch).
if ! $fast && [ "$(dpkg --print-architecture)" != arm64 ] && [ ! -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ]; then
  dpkg --print-foreign-architectures | grep -qx arm64 || as_root dpkg --add-architecture arm64
  packages+=(libc6:arm64 libssl3:arm64)
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "==> installing ${packages[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! $fast; then
  # The sign-in tests' OpenID provider: npm oidc-provider, pinned by tests/oidc/package-lock.json.
  if [ ! -d tests/oidc/node_modules/oidc-provider ]; then
    echo "==> npm ci (tests/oidc)"
    (cd tests/oidc && npm ci --no-audit --no-fund --silent)
  fi
fi

echo "==> build"
dotnet build OciCache.sln -c Release -nologo -clp:ErrorsOnly

run_tests() {
  local project=$1
  echo "==> test $project"
  dotnet test "tests/$project" -c Release --no-build -nologo \
    --blame-hang-timeout 10m --logger "console;verbosity=minimal"
}

if ! $fast; then
  # The appliance executables (Native AOT) the Appliance tests install, run and run under qemu.
  appliance/publish.sh linux-x64
  appliance/publish.sh linux-arm64
fi

run_tests OciCache.Tests
if ! $fast; then
  run_tests OciCache.IntegrationTests
  # A smoke run of the benchmarks on loopback: it must finish and produce its table; its timings are
  # not checked (benchmarks/README.md).
  echo "==> benchmarks smoke run"
  mkdir -p benchmarks/work
  benchmarks/run.sh --quick --no-wan > benchmarks/work/smoke.log 2>&1 || { tail -50 benchmarks/work/smoke.log; exit 1; }
  grep -q '^## Cold and warm pulls' benchmarks/work/results-quick/results.md
  sed -n '/^## Targets/,/^## Cold/p' benchmarks/work/results-quick/results.md | head -n -1
fi
echo "==> all tests passed"
