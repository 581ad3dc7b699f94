#!/bin/bash
# tests/integration/soak_short.t: the CI version of make soak: 70 s of the whole chain under load, RSS flat, every message accounted for (tests/soak).
HERE=$(cd "$(dirname "$0")" && pwd)
exec env SOAK_SECONDS="${SOAK_SECONDS:-70}" SOAK_SAMPLE=2 SOAK_ROLLUP_EVERY=10 SOAK_AGGD_OUTAGE=0 "$HERE/../soak"
