#!/usr/bin/env bash
# The long fuzz run: PoolFuzzTest with CALLS calls (default 10^7) per
# configuration (rseq and fallback, debug on and off), in each given set-up
# (default: all of scripts/setup-matrix.sh). A seed to replay: SEED=N.
#
#   scripts/fuzz.sh [set-up ...]
set -uo pipefail
cd "$(dirname "$0")/.."
calls="${CALLS:-10000000}"
args="verify -pl allocator-native,allocator-core -Dtest=PoolFuzzTest -Dsurefire.failIfNoSpecifiedTests=false"
args+=" -Dpercpu.fuzz.calls=${calls}"
[ -n "${SEED:-}" ] && args+=" -Dpercpu.fuzz.seed=${SEED}"
MVN_ARGS="${args}" exec scripts/setup-matrix.sh "$@"
