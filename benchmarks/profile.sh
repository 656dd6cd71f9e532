#!/usr/bin/env bash
# Profiles one or more JMH benchmarks of benchmarks/target/benchmarks.jar: allocation per operation (JMH's gc
# profiler) and a Java Flight Recording per benchmark, summarised as the hottest methods, the threads' waits on
# the database socket, and allocation by site. What docs/performance.md says about each missed target comes from it.
#
#   benchmarks/profile.sh 'PostgresReadBenchmark.check' [more JMH regexes...]
#
# Uses the data set of benchmarks/run.sh (CKBENCH_SCHEMA, default ckbench) and the same database variables. The
# recordings go to benchmarks/target/profiles/<time>/<benchmark>/profile.jfr. Summaries need `jfr view` (JDK 21 or later):
# the JDK at JFR_JDK, else /usr/lib/jvm/temurin-25-jdk-amd64, else the java on the PATH. JMH_ARGS adds JMH
# options (e.g. JMH_ARGS='-p memSubjects=200000', the full run's in-memory size).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  sed -n '2,10p' "$0"
  exit 2
fi
export CKBENCH_SCHEMA="${CKBENCH_SCHEMA:-ckbench}"
. benchmarks/databases.sh

jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "build it first: ./mvnw -q -B -Pbenchmarks -pl benchmarks -am package -DskipTests" >&2; exit 1; }
jfr_jdk="${JFR_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
jfr="$jfr_jdk/bin/jfr"
[ -x "$jfr" ] || jfr=jfr
out=benchmarks/target/profiles/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out"
regex=$(IFS='|'; echo "$*")

echo "== JMH with -prof gc -prof jfr: $regex"
java -jar "$jar" "$regex" -f 1 -wi 2 -w 3s -i 3 -r 5s -prof gc -prof "jfr:dir=$out" ${JMH_ARGS:-} 2>&1 \
  | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' | grep -vE ':(gc\.count|gc\.time|jfr) ' || true

for f in $(find "$out" -name profile.jfr | sort); do
  echo
  echo "== $(basename "$(dirname "$f")")"
  "$jfr" summary "$f" | grep -E 'jdk\.(ExecutionSample|NativeMethodSample) ' || true
  "$jfr" view --width 160 hot-methods "$f" 2>/dev/null | sed -n '4,16p' || true
  echo "-- where threads wait in native code (socket reads: the database)"
  "$jfr" print --events jdk.NativeMethodSample "$f" | grep -A1 'stackTrace = \[' | grep -v -E 'stackTrace|^--' \
    | sed 's/line:.*//; s/^ *//' | sort | uniq -c | sort -rn | head -5 || true
  "$jfr" view --width 160 allocation-by-site "$f" 2>/dev/null | sed -n '4,14p' || true
done
