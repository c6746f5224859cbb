#!/usr/bin/env bash
# Measures the appliance binary: size, time to the first /healthz answer, idle RSS, and memory while
# containerd-like clients pull an image through it from a real upstream (the distribution registry).
# Usage: appliance/measure.sh RID [NAME=VALUE ...]
#   RID           linux-x64 (run natively) or linux-arm64 (run under qemu-aarch64-static: timings are
#                 qemu's, not a board's)
#   NAME=VALUE    environment for ocicache, e.g. DOTNET_GCHeapHardLimit=0x8000000 (one run per call)
#   LAYERS=4 LAYER_MIB=32 CLIENTS=4 STARTS=5   size the workload (environment of this script)
#   RUNNER='strace -f -qq -o FILE'              run ocicache under another program (see README, Hardening)
# Prints one Markdown table row; everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

rid=${1:?usage: $0 RID [NAME=VALUE ...]}
shift
binary="artifacts/$rid/ocicache"
[ -x "$binary" ] || { echo "no $binary: run appliance/publish.sh $rid first" >&2; exit 2; }
layers=${LAYERS:-4} layer_mib=${LAYER_MIB:-32} clients=${CLIENTS:-4} starts=${STARTS:-5}
read -r -a runner <<< "${RUNNER:-}"
if [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ]; then
  runner+=(qemu-aarch64-static -L /)
fi
for tool in curl docker-registry sha256sum python3 "${runner[@]:0:1}"; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see ./test.sh for the packages)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/ocicache-measure.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$2/status"; }

# The upstream: a distribution registry holding one image of $layers random layers.
reg_port=$(free_port)
cat > "$work/registry.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/registry } }
http: { addr: 127.0.0.1:$reg_port }
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
upstream="http://127.0.0.1:$reg_port"
for _ in $(seq 100); do curl -sf "$upstream/v2/" >/dev/null && break; sleep 0.1; done

push_blob() { # file -> prints digest
  local digest location
  digest="sha256:$(sha256sum "$1" | cut -d' ' -f1)"
  location=$(curl -sf -X POST -D - -o /dev/null "$upstream/v2/library/bench/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
  case "$location" in http*) ;; *) location="$upstream$location" ;; esac
  case "$location" in *\?*) location="$location&digest=$digest" ;; *) location="$location?digest=$digest" ;; esac
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" "$location" >/dev/null
  echo "$digest"
}
echo '{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' > "$work/config.json"
config_digest=$(push_blob "$work/config.json")
layer_json=() digests=()
for i in $(seq "$layers"); do
  head -c "$((layer_mib << 20))" /dev/urandom > "$work/layer$i"
  digests+=("$(push_blob "$work/layer$i")")
  layer_json+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"${digests[-1]}\",\"size\":$((layer_mib << 20))}")
done
manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$config_digest\",\"size\":$(stat -c %s "$work/config.json")},\"layers\":[$(IFS=,; echo "${layer_json[*]}")]}"
curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "$manifest" \
  "$upstream/v2/library/bench/manifests/v1" >/dev/null

# ocicache, started $starts times on the same data folder: the first start creates it.
port=$(free_port)
env_args=("$@")
start_ocicache() {
  env DOTNET_EnableWriteXorExecute=0 "${env_args[@]}" "${runner[@]}" "$binary" serve --listen "127.0.0.1:$port" \
    --data "$work/data" --upstream "docker.io=$upstream" --log-level Warning >>"$work/ocicache.log" 2>&1 &
  ocicache_pid=$!
  pids+=("$ocicache_pid")
}
# Under a RUNNER like strace, ocicache is the runner's child: stop it, and the runner ends with it.
stop_ocicache() { pkill -TERM -P "$ocicache_pid" || kill "$ocicache_pid"; wait "$ocicache_pid" 2>/dev/null || true; }
startup=()
for _ in $(seq "$starts"); do
  t0=$(now_ms)
  start_ocicache
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 "$ocicache_pid" 2>/dev/null || { cat "$work/ocicache.log" >&2; exit 1; }
    sleep 0.005
  done
  startup+=($(( $(now_ms) - t0 )))
  stop_ocicache
done
median=$(printf '%s\n' "${startup[@]:1}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

start_ocicache
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do sleep 0.01; done
sleep 5
idle=$(kib VmRSS "$ocicache_pid")
# Under qemu-user the process's RSS is mostly qemu's own heap; the guest's pages are the rest.
qemu_overhead() { awk '/^[0-9a-f]+-[0-9a-f]+ / { m = $0 } /^Rss:/ { if (m ~ /\[heap\]/ || m ~ / rwxp /) s += $2 } END { print s + 0 }' "/proc/$1/smaps"; }

pull() { # one client: manifest, then every layer, each checked against its digest
  local base="http://127.0.0.1:$port/v2/docker.io/library/bench"
  curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/manifests/v1" >/dev/null || return 1
  for digest in "${digests[@]}"; do
    [ "sha256:$(curl -sf "$base/blobs/$digest" | sha256sum | cut -d' ' -f1)" = "$digest" ] || return 1
  done
}
timed_pulls() {
  local t0 failed=0 jobs=()
  t0=$(now_ms)
  for _ in $(seq "$clients"); do pull & jobs+=($!); done
  for job in "${jobs[@]}"; do wait "$job" || failed=1; done
  [ "$failed" = 0 ] || { echo "a pull failed" >&2; cat "$work/ocicache.log" >&2; exit 1; }
  echo $(( $(now_ms) - t0 ))
}
cold=$(timed_pulls)
warm=$(timed_pulls)
peak=$(kib VmHWM "$ocicache_pid")
after=$(kib VmRSS "$ocicache_pid")
gc_heap=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '$1 == "dotnet_total_memory_bytes" { printf "%d", $2 / 1048576 }')
note=""
if [[ " ${runner[*]} " == *" qemu-aarch64-static "* ]]; then
  overhead=$(qemu_overhead "$ocicache_pid")
  note="qemu; guest ≈ RSS − qemu heap ($(( overhead / 1024 )) MiB)"
  idle=$(( idle - overhead )) peak=$(( peak - overhead )) after=$(( after - overhead ))
fi
stop_ocicache

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
size=$(stat -c %s "$binary")
echo "| $rid | ${env_args[*]:-defaults} | $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }') MiB | ${startup[0]} ms | $median ms | $(mib "$idle") MiB | $(mib "$peak") MiB | $(mib "$after") MiB | $gc_heap MiB | $cold ms | $warm ms | $note |"
