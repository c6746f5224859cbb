#!/usr/bin/env bash
# Runs the benchmarks and prints the results table. See benchmarks/README.md.
#
# Usage: benchmarks/run.sh [--quick] [--no-wan] [--rate-mbit N] [--delay-ms N] [--rounds N] [--results DIR]
#                          [--fast-link-rounds N] [--pinned-rounds N] [--note TEXT] [--only SCENARIO,...] [--images IMAGE,...]
#   --quick       small images (5 and 30 MiB), 1 and 4 concurrent clients: the CI smoke run (~4 min)
#   --no-wan      everything on 127.0.0.1, no namespaces and no shaping
#   --rate-mbit   WAN rate, each way (default 50)
#   --delay-ms    WAN one-way delay added by the relay (default 20, so 40 ms RTT)
#   --rounds      rounds of interleaved cold/warm pulls (default 2)
#   --fast-link-rounds
#                 rounds of the fast-link scenario's interleaved blob GETs (default 5, 3 with --quick)
#   --pinned-rounds
#                 rounds of the pinned scenario's interleaved cold and warm GETs (default 5, 2 with --quick)
#   --note        a line for the results' conditions (what else ran on the machine)
#   --only        run only these scenarios: startup, pulls, first-byte, throughput, head-load,
#                 concurrency, footprint, fast-link, pinned, scale-out, trust, offline
#   --images      pull only these images in the cold/warm scenario (small, medium, large, huge, multiarch)
#   --results     where results.md, results.json and the charts go (default benchmarks/results/ for a
#                 full run, benchmarks/work/results-quick/ for --quick, so a smoke run never
#                 overwrites the committed results)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
work=$here/work

quick=false
wan=true
only=""
rate=50
results=""
only=""
harness_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true; harness_args+=(--quick) ;;
    --no-wan) wan=false; harness_args+=(--no-wan) ;;
    --rate-mbit) rate=$2; harness_args+=(--rate-mbit "$2"); shift ;;
    --only) only=$2; harness_args+=("$1" "$2"); shift ;;
    --delay-ms|--rounds|--fast-link-rounds|--pinned-rounds|--note|--images) harness_args+=("$1" "$2"); shift ;;
    --results) results=$2; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$results" ]; then
  if $quick; then results=$work/results-quick; else results=$here/results; fi
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if $wan && [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: the emulated WAN needs root (network namespaces); use --no-wan otherwise" >&2
  exit 2
fi

# The tools the harness drives, from Debian, installed only when missing.
packages=()
need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || packages+=("$2"); }
need skopeo skopeo
need containerd containerd
need ctr containerd
need docker-registry docker-registry
need curl curl
need gnuplot gnuplot-nox
need ip iproute2
need tc iproute2
# The pinned scenario: CPU affinity and the SHA-256 floor.
need taskset util-linux
need openssl openssl
# The scale-out scenario's backends: PostgreSQL (server binaries off PATH), a single-node Ceph with RGW,
# HAProxy; not when --only leaves that scenario out.
if [ -z "$only" ] || [[ ",$only," == *",scale-out,"* ]]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || packages+=(postgresql)
  need ceph-mon ceph-mon
  need ceph-osd ceph-osd
  need radosgw radosgw
  need radosgw-admin ceph-common
  need haproxy haproxy
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "==> installing ${packages[*]}" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
echo "==> building the harness" >&2
dotnet build "$here/OciCache.Benchmarks" -c Release -nologo -clp:ErrorsOnly >&2
harness=$here/OciCache.Benchmarks/bin/Release/net10.0/ocibench

# The ocicache under test: the appliance's Native AOT build when there is one; else a self-contained
# release publish for a full run, or the release build beside the harness for a quick one.
if [ -x "$repo/appliance/publish.sh" ] && [ -x "$repo/artifacts/linux-x64/ocicache" ]; then
  ocicache=$repo/artifacts/linux-x64/ocicache
  build="appliance build (artifacts/linux-x64)"
elif $quick; then
  ocicache=$repo/src/OciCache/bin/Release/net10.0/ocicache
  build="framework-dependent release build"
else
  echo "==> publishing ocicache (self-contained, linux-x64)" >&2
  dotnet publish "$repo/src/OciCache" -c Release -r linux-x64 --self-contained -nologo -clp:ErrorsOnly \
    --artifacts-path "$work/publish-obj" -o "$work/ocicache" >&2
  ocicache=$work/ocicache/ocicache
  build="self-contained release publish"
fi
export OCIBENCH_OCICACHE_BUILD="$build, commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"

mkdir -p "$work"
run=("$harness" run "${harness_args[@]}" --ocicache "$ocicache" --work "$work" --results "$results")
if $wan; then
  "$here/netns.sh" up "$rate"
  trap '"$here/netns.sh" down' EXIT
  ip netns exec ocb-client "${run[@]}"
else
  "${run[@]}"
fi
echo "==> results in $results" >&2
