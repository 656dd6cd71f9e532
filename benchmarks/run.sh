#!/usr/bin/env bash
# Runs ConsentKit's JMH benchmarks against the local PostgreSQL and MariaDB named by the same environment
# variables as the tests (CONSENTKIT_TEST_POSTGRES_URL / _USER / _PASSWORD, CONSENTKIT_TEST_MARIADB_URL / ...;
# defaults: the local servers, as .ci/run sets them). Starts no server. Seeds the data once (reused while its size
# matches), runs JMH, writes benchmarks/results/<date>-<mode>.json and, for a full run, the table in
# docs/performance.md.
#
#   benchmarks/run.sh --quick   20,000 subjects, short JMH iterations (under 10 minutes)
#   benchmarks/run.sh           1,000,000 subjects x 5 purposes, 10,000,000 log records (under an hour); also
#                               RelayBenchmark (outbox to Kafka): benchmarks/results/<date>-full-relay*.json*
#   benchmarks/run.sh --quick --no-build   reuse benchmarks/target/benchmarks.jar
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
command="benchmarks/run.sh${*:+ $*}"

mode=full
build=yes
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    --no-build) build=no ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (use --quick, --no-build)" >&2; exit 2 ;;
  esac
done

. benchmarks/databases.sh

if [ "$mode" = quick ]; then
  export CKBENCH_SCHEMA=ckbench_quick   # PostgreSQL schema; MariaDB tables ckbench_quick_*
  subjects=20000; write_pool=1000; mem_subjects=20000; memory_entries=200000
  jmh=(-f 1 -wi 2 -w 2s -i 3 -r 2s)
  export_iterations=(-wi 1 -i 2)
else
  export CKBENCH_SCHEMA=ckbench         # PostgreSQL schema; MariaDB tables ckbench_*
  subjects=1000000; write_pool=20000; mem_subjects=200000; memory_entries=1000000
  jmh=(-f 1 -wi 3 -w 5s -i 5 -r 5s)
  export_iterations=(-wi 1 -i 3)
fi
export_records=$(( subjects < 1000000 ? subjects : 1000000 ))

jar=benchmarks/target/benchmarks.jar
if [ "$build" = yes ]; then
  echo "== building $jar"
  ./mvnw -q -B -Pbenchmarks -pl benchmarks -am package -DskipTests
fi

day=$(date -u +%Y-%m-%d)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p benchmarks/results

echo "== seeding ($subjects subjects; reused when already there)"
java -Xmx3g -cp "$jar" dev.consentkit.benchmarks.Seed "$subjects" "$write_pool" 2>&1 | grep -E '^\[seed|Exception|Caused by'

echo "== JMH: in-memory, PostgreSQL reads, writes, filterAllowed, peers"
java -jar "$jar" -e ExportBenchmark,RelayBenchmark "${jmh[@]}" -p memSubjects="$mem_subjects" \
  -rf json -rff "$work/main.json" 2>&1 | tee "$work/main.log" | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)|Exception|ERROR' || true

echo "== JMH: history export of $export_records records with -Xmx64m"
java -jar "$jar" ExportBenchmark "${export_iterations[@]}" -p records="$export_records" \
  -rf json -rff "$work/export.json" 2>&1 | tee "$work/export.log" | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)|Exception|ERROR' || true

if [ "$mode" = full ]; then
  # single-shot: each invocation is 100,000 changes from commit to a Kafka consumer (about half a minute here);
  # not in --quick. Its own files; docs/performance.md's relay section is written by hand from them.
  echo "== JMH: outbox relay to an in-process Kafka broker, 100,000 changes per invocation, 1 and 3 relays"
  CKBENCH_RELAY_LATENCY_OUT="benchmarks/results/$day-full-relay-latency.jsonl" \
    java -jar "$jar" RelayBenchmark -f 1 -wi 1 -i 3 -rf json -rff "benchmarks/results/$day-full-relay.json" 2>&1 \
    | tee "$work/relay.log" | grep -E '^\[relay\]|^(Benchmark|RelayBenchmark\.)|Exception|ERROR' || true
fi

echo "== heap per in-memory entry ($memory_entries entries)"
java -Xmx8g -cp "$jar" dev.consentkit.benchmarks.MemoryFootprint "$memory_entries" "$work/memory.json"

minutes=$(( ($(date +%s) - started + 59) / 60 ))
doc=
[ "$mode" = full ] && doc=docs/performance.md
java -cp "$jar" dev.consentkit.benchmarks.Report "$mode" "benchmarks/results/$day-$mode.json" "$work/memory.json" \
  "benchmarks/results/$day-$mode.md" "$command" "$minutes" "${doc:--}" "$work/main.json" "$work/export.json"
cp "$work/memory.json" "benchmarks/results/$day-$mode-memory.json"
echo "== done in $minutes minutes: benchmarks/results/$day-$mode.json, $day-$mode.md${doc:+ (table also in $doc)}"
