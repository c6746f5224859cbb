#!/usr/bin/env bash
# Builds or removes the benchmark network (root only). Names and addresses match
# OciCache.Benchmarks/Infra/Topology.cs.
#
#   ocb-client 10.90.1.2 ──LAN── 10.90.1.1 ocb-site 10.90.2.1 ──WAN── 10.90.2.2 ocb-up
#      ocb-lan-c          ocb-lan-s       ocb-wan-s    (tbf RATE)     ocb-wan-u
#
# The WAN veth gets a token bucket (tbf) of RATE Mbit/s on both ends; its latency is added by the
# harness's relay in ocb-up (the kernel here has no netem). The site namespace routes between the two.
#
# Usage: netns.sh up [RATE_MBIT] | netns.sh down
set -euo pipefail

down() {
  for ns in ocb-client ocb-site ocb-up; do
    ip netns del "$ns" 2>/dev/null || true
  done
}

up() {
  local rate=$1
  down
  for ns in ocb-client ocb-site ocb-up; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip link add ocb-lan-c type veth peer name ocb-lan-s
  ip link add ocb-wan-s type veth peer name ocb-wan-u
  ip link set ocb-lan-c netns ocb-client
  ip link set ocb-lan-s netns ocb-site
  ip link set ocb-wan-s netns ocb-site
  ip link set ocb-wan-u netns ocb-up
  ip -n ocb-client addr add 10.90.1.2/24 dev ocb-lan-c
  ip -n ocb-site addr add 10.90.1.1/24 dev ocb-lan-s
  ip -n ocb-site addr add 10.90.2.1/24 dev ocb-wan-s
  ip -n ocb-up addr add 10.90.2.2/24 dev ocb-wan-u
  ip -n ocb-client link set ocb-lan-c up
  ip -n ocb-site link set ocb-lan-s up
  ip -n ocb-site link set ocb-wan-s up
  ip -n ocb-up link set ocb-wan-u up
  ip -n ocb-client route add default via 10.90.1.1
  ip -n ocb-up route add 10.90.1.0/24 via 10.90.2.1
  ip netns exec ocb-site sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
  # 64 KiB of burst is about 10 ms of traffic at 50 Mbit/s; packets wait at most 50 ms in the bucket.
  ip netns exec ocb-site tc qdisc replace dev ocb-wan-s root tbf rate "${rate}mbit" burst 64kb latency 50ms
  ip netns exec ocb-up tc qdisc replace dev ocb-wan-u root tbf rate "${rate}mbit" burst 64kb latency 50ms
}

case "${1:-}" in
  up) up "${2:-50}" ;;
  down) down ;;
  *) echo "usage: $0 up [RATE_MBIT] | down" >&2; exit 2 ;;
esac
