#!/usr/bin/env bash
# Issue 26's benchmark: NetworkExampleIT with 1,000 keep-alive connections and 100 upgrades (swap:swap,
# side-by-side swap:upgrade and in-place update, alternating) against the real distribution; prints its figures
# (requests failed, connections dropped, p50/p99/max latency in steady state and within 1 s after each upgrade,
# state carried). Builds what the test needs first (offline, nothing installed into ~/.m2); MAVEN_ARGS adds Maven
# options (e.g. -Dmaven.repo.local=...). swap.disttest/network-compare.sh runs it beside the restart-behind-nginx setup.
# Usage, from the repository root:  swap.disttest/network-bench.sh [CONNECTIONS [UPGRADES]]
# docs/network-example.md shows a run. The load client and the platform share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
connections="${1:-1000}"
upgrades="${2:-100}"
mvn -o -q ${MAVEN_ARGS:-} -pl swap.disttest -am verify -Dtest=none -Dit.test=NetworkExampleIT \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -DfailIfNoTests=false \
  -Dnetwork.connections="$connections" -Dnetwork.upgrades="$upgrades" || status=$?
figures=swap.disttest/target/shell-it/network/figures.txt
if [ -f "$figures" ]; then
  echo "== $connections connections, $upgrades upgrades ($(nproc) cores, $(java -version 2>&1 | head -1))"
  cat "$figures"
fi
exit "${status:-0}"
