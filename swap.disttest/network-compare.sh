#!/usr/bin/env bash
# Issue 26's comparison, in one run on this machine: the network example's handler upgraded in place on this
# platform (NetworkExampleIT) and the same handler classes restarted in a fresh JVM per "upgrade" behind nginx
# with a graceful reload (ProxyRestartIT), under the same load (HttpLoad); prints both figure sets and a table.
# Needs nginx (Debian: apt-get install -y nginx; another binary: NGINX=/path/to/nginx).
# Usage, from the repository root:  swap.disttest/network-compare.sh [CONNECTIONS [UPGRADES [RESTARTS]]]
# (default 1000 100 100; RESTARTS: the proxy setup's upgrades). Builds what the tests need first (offline);
# MAVEN_ARGS adds Maven options (e.g. -Dmaven.repo.local=...). docs/network-example.md shows a run.
set -euo pipefail
cd "$(dirname "$0")/.."
connections="${1:-1000}"
upgrades="${2:-100}"
restarts="${3:-$upgrades}"
nginx="${NGINX:-/usr/sbin/nginx}"
if [ ! -x "$nginx" ]; then
  echo "nginx not found at $nginx: install it (apt-get install -y nginx) or set NGINX=/path/to/nginx" >&2
  exit 2
fi
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run, $(java -version 2>&1 | head -1)"
# the platform first, then the proxy setup (two runs of failsafe: each test gets its own upgrade count)
mvn -o -q ${MAVEN_ARGS:-} -pl swap.disttest -am verify -Dtest=none -Dit.test=NetworkExampleIT \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -DfailIfNoTests=false \
  -Dnetwork.connections="$connections" -Dnetwork.upgrades="$upgrades" || status=$?
mvn -o -q ${MAVEN_ARGS:-} -pl swap.disttest -am verify -Dtest=none -Dit.test=ProxyRestartIT \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -DfailIfNoTests=false \
  -Dnetwork.proxy=true -Dnetwork.nginx="$nginx" \
  -Dnetwork.connections="$connections" -Dnetwork.upgrades="$restarts" || status=$?
echo "== load average $(cut -d' ' -f1-3 /proc/loadavg) after the run"
platform=swap.disttest/target/shell-it/network/figures.properties
proxy=swap.disttest/target/shell-it/proxy/figures.properties
for f in swap.disttest/target/shell-it/network/figures.txt swap.disttest/target/shell-it/proxy/figures.txt; do
  [ -f "$f" ] && { echo "== $f"; cat "$f"; }
done
if [ -f "$platform" ] && [ -f "$proxy" ]; then
  echo "== $connections connections; this platform: $upgrades upgrades; restart behind nginx: $restarts restarts"
  awk -F= '
    FNR == 1 { file++ }
    { key = $1; sub(/^[^=]*=/, ""); v[file, key] = $0 }
    END {
      n = split("failed limited lost dropped breaks cacheLost carried steadyP50 steadyP99 steadyMax upgradeP50 upgradeP99 upgradeMax ratio busiest", keys, " ")
      split("requests failed|  of them 429|  of them lost with their connection|connections dropped|counter breaks (client state lost)|cached pages lost|probe counter carried (upgrades)|steady p50 ms|steady p99 ms|steady max ms|upgrade + 1 s p50 ms|upgrade + 1 s p99 ms|upgrade + 1 s max ms|p99 upgrade / steady (goal <= 2)|busiest client second", labels, "|")
      printf "| %-38s | %-28s | %-28s |\n", "", "this platform (swap)", "restart behind nginx"
      printf "|%s|%s|%s|\n", "----------------------------------------", "------------------------------", "------------------------------"
      for (i = 1; i <= n; i++) {
        a = v[1, keys[i]]; b = v[2, keys[i]]
        sub(/ \(.*/, "", a); sub(/ \(.*/, "", b)
        sub(/ requests; client gap.*/, "", a); sub(/ requests; client gap.*/, "", b)
        printf "| %-38s | %-28s | %-28s |\n", labels[i], a, b
      }
    }' "$platform" "$proxy"
fi
exit "${status:-0}"
