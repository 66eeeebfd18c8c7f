#!/usr/bin/env bash
# Nightly end-to-end run: build the harness, then run every scenario on a fresh kind cluster with
# the Istio release $ISTIO_VERSION. Any CI can call it; see ci/README.md.
#
# The harness finds kind and istioctl itself: from PATH when the version there is right, else a
# pinned, sha256-verified download into $HARNESS_CACHE_DIR (src/provision). So this script only
# needs Docker, a Rust toolchain and network access.
#
# Exit codes are the harness's own (src/exit.rs): 0 every scenario passed, 1 a scenario failed,
# 2 the run could not be made. A failure before the harness runs (bad input, build) is also 2,
# and so is a harness crash, so that 1 always means "Istio did not behave as expected".
#
# Environment:
#   ISTIO_VERSION     required: a pinned Istio minor (1.28) or exact release (1.28.3)
#   ARTIFACTS         where reports, kind logs and diagnostics go (default: ./artifacts)
#   HARNESS_CACHE_DIR download cache for kind/istioctl/CRDs (default: the harness's XDG cache)

# -E: the ERR trap below also fires inside functions, so every setup failure exits 2.
set -Eeuo pipefail

trap 'echo "ci/nightly.sh: setup failed at line ${LINENO}: ${BASH_COMMAND}" >&2; exit 2' ERR

if [[ -z "${ISTIO_VERSION:-}" ]]; then
  echo "ci/nightly.sh: set ISTIO_VERSION to an Istio release, e.g. 1.28" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ARTIFACTS="${ARTIFACTS:-${ROOT}/artifacts}"

cd "${ROOT}"
mkdir -p "${ARTIFACTS}"

cargo build --release --locked

harness_args=(
  run scenarios
  --cluster kind
  --istio "${ISTIO_VERSION}"
  --junit "${ARTIFACTS}/junit.xml"
  --json "${ARTIFACTS}/report.json"
  --artifacts "${ARTIFACTS}"
)

trap - ERR
rc=0
target/release/harness "${harness_args[@]}" || rc=$?
case "${rc}" in
  0 | 1 | 2) exit "${rc}" ;;
  *)
    # A panic (101) or a signal is not a verdict on Istio.
    echo "ci/nightly.sh: harness exited with ${rc}; reporting 2 (run could not be made)" >&2
    exit 2
    ;;
esac
