#!/usr/bin/env bash
# Builds the appliance executable: Native AOT, trimmed, self-contained, one file (SQLite linked in).
# Usage: appliance/publish.sh linux-arm64|linux-x64      writes artifacts/<RID>/ocicache
# Installs the native toolchain it needs with apt-get when missing (clang, lld, llvm, libsqlite3-dev;
# for linux-arm64 on an x64 host also Debian's arm64 multiarch C library and libgcc).
set -euo pipefail
cd "$(dirname "$0")/.."

rid=${1:-}
case "$rid" in
  linux-x64) triple=x86_64-linux-gnu; arch=amd64 ;;
  linux-arm64) triple=aarch64-linux-gnu; arch=arm64 ;;
  *) echo "usage: $0 linux-arm64|linux-x64" >&2; exit 2 ;;
esac

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The AOT compiler runs on the host; clang links for the target (--target=<triple>, lld), against
# Debian's multiarch libraries of the target architecture.
packages=()
command -v clang >/dev/null 2>&1 || packages+=(clang)
command -v ld.lld >/dev/null 2>&1 || packages+=(lld)
command -v llvm-objcopy >/dev/null 2>&1 || packages+=(llvm)
[ -f "/usr/lib/$triple/libsqlite3.a" ] || packages+=("libsqlite3-dev:$arch")
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  [ -f "/usr/lib/$triple/crt1.o" ] || packages+=("libc6-dev:$arch")
  ls /usr/lib/gcc/"$triple"/*/crtbeginS.o >/dev/null 2>&1 || packages+=("libgcc-12-dev:$arch")
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "==> installing ${packages[*]}"
  if [ "$arch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    as_root dpkg --add-architecture "$arch"
  fi
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
staging="artifacts/publish/$rid"
rm -rf "$staging"
echo "==> publish $rid (Native AOT)"
dotnet publish src/OciCache/OciCache.csproj -c Release -r "$rid" -nologo -clp:ErrorsOnly \
  -p:PublishAot=true -p:LinkerFlavor=lld \
  -p:StaticSqlite="/usr/lib/$triple/libsqlite3.a" \
  -o "$staging"

mkdir -p "artifacts/$rid"
# Replace, never overwrite in place: a running ocicache keeps its old inode.
install -m 0755 "$staging/ocicache" "artifacts/$rid/ocicache.new"
mv -f "artifacts/$rid/ocicache.new" "artifacts/$rid/ocicache"
ls -l "artifacts/$rid/ocicache"
