#!/usr/bin/env bash
# Profiles OciCache's cold fill as the pinned scenario runs it: the cache alone on CPU 1, the upstream
# and curl on CPU 0, one cold blob per fresh process, `perf record -g` attached to the cache for that
# fill only. Writes perf-N.data and a flat and a caller report per fill into the output folder.
# See benchmarks/results/pinned-profile.md.
#
# Usage: benchmarks/pinned-profile.sh [--ocicache PATH] [--image NAME] [--fills N] [--out DIR]
#   --ocicache  the executable under test (default: the appliance's AOT build in
#               artifacts/publish/linux-x64, beside its ocicache.dbg so perf finds the symbols)
#   --image     a generated image whose largest layer is fetched (default fast-128)
#   --fills     cold fills, each in a fresh process with its own perf record (default 3)
# Needs an upstream storage seeded by a run of benchmarks/run.sh (benchmarks/work/upstream, images/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
work=$here/work
ocicache=$repo/artifacts/publish/linux-x64/ocicache
image=fast-128
fills=3
out=$work/profile
while [ $# -gt 0 ]; do
  case "$1" in
    --ocicache) ocicache=$2; shift ;;
    --image) image=$2; shift ;;
    --fills) fills=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "pinned-profile.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v perf >/dev/null || { echo "pinned-profile.sh: perf is missing (apt-get install linux-perf)" >&2; exit 1; }
[ -x "$ocicache" ] || { echo "pinned-profile.sh: no executable at $ocicache (appliance/publish.sh linux-x64)" >&2; exit 1; }
[ -d "$work/upstream/docker" ] || { echo "pinned-profile.sh: no seeded upstream in $work/upstream (run benchmarks/run.sh first)" >&2; exit 1; }

# One image's repository, tag and blobs from its generated description.
describe() {
  python3 - "$work/images" "$1" <<'EOF'
import json, glob, sys
path = sorted(glob.glob(f"{sys.argv[1]}/{sys.argv[2]}-v2-*.json"))[-1]
image = json.load(open(path))
print(image["Repository"], image["Tag"], image["LargestLayer"]["Digest"], image["LargestLayer"]["Size"],
      " ".join(b["Digest"] for b in image["Blobs"]))
EOF
}
read -r repository tag digest size _ < <(describe "$image")
read -r warm_repository warm_tag _ _ warm_blobs < <(describe warmup)

rm -rf "$out"
mkdir -p "$out"
upstream_port=$((20000 + RANDOM % 10000))
cache_port=$((upstream_port + 1))
cat > "$out/upstream.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/upstream
http:
  addr: 127.0.0.1:$upstream_port
EOF
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() { for _ in $(seq 1 1500); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.02; done; echo "no answer from $1" >&2; exit 1; }

taskset -c 0 docker-registry serve "$out/upstream.yml" > "$out/upstream.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$upstream_port/v2/"
# The blob once from the upstream, so no fill reads it from disk.
taskset -c 0 curl -fsS -o /dev/null "http://127.0.0.1:$upstream_port/v2/$repository/blobs/$digest"

for fill in $(seq 1 "$fills"); do
  data=$out/data-$fill
  mkdir -p "$data"
  taskset -c 1 "$ocicache" serve --listen "127.0.0.1:$cache_port" --data "$data" \
    --upstream "docker.io=http://127.0.0.1:$upstream_port" --log-level Warning > "$out/ocicache-$fill.log" 2>&1 &
  cache=$!
  pids+=("$cache")
  base=http://127.0.0.1:$cache_port/v2
  wait_for "http://127.0.0.1:$cache_port/healthz"
  # The warm-up image through the cold path, as the harness does after each start.
  curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/$warm_repository/manifests/$warm_tag?ns=docker.io"
  for blob in $warm_blobs; do curl -fsS -o /dev/null "$base/$warm_repository/blobs/$blob?ns=docker.io"; done

  perf record -F 4999 -g -p "$cache" -o "$out/perf-$fill.data" 2> "$out/perf-record-$fill.log" &
  perf_pid=$!
  sleep 1 # perf has no ready signal; it attaches well within this
  before=$(awk '{print $14 + $15}' "/proc/$cache/stat")
  taskset -c 0 curl -fsS -o /dev/null -w "fill $fill: %{size_download} bytes in %{time_total} s\n" "$base/$repository/blobs/$digest?ns=docker.io"
  hex=${digest#sha256:}
  until [ -f "$data/blobs/sha256/${hex:0:2}/$hex" ]; do sleep 0.05; done
  after=$(awk '{print $14 + $15}' "/proc/$cache/stat")
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  echo "fill $fill: cache CPU $(( (after - before) * 1000 / $(getconf CLK_TCK) )) ms for $size bytes"
  kill "$cache"
  wait "$cache" || true

  perf report -i "$out/perf-$fill.data" --no-children --sort dso,sym --percent-limit 0.5 --stdio 2>/dev/null > "$out/flat-$fill.txt"
  perf report -i "$out/perf-$fill.data" --children --sort sym --percent-limit 3 --stdio -g caller,0.5,callee --max-stack 40 2>/dev/null > "$out/callers-$fill.txt"
done
echo "reports in $out (flat-N.txt: self time by symbol; callers-N.txt: inclusive time with call chains)"
