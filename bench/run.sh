#!/usr/bin/env bash
# Switchboard benchmark suite. Builds the service, starts it on an embedded PostgreSQL, runs the Gatling
# scenarios (bench/src/test/java), and writes bench/results/latest.md and latest.json (plus a dated copy).
#
#   bench/run.sh            the full suite (~15 minutes)
#   bench/run.sh quick      smaller and shorter: checks that everything works (~6 minutes)
#   bench/run.sh soak       drill 4: 10 minutes of mixed-transport traffic with connection churn, sampling
#                           the server's heap after GC, threads and file descriptors every minute
#
# BENCH_SERVER=native bench/run.sh measures the native executable (target/*-runner, built first with
# `./mvnw package -Dnative`, e.g. with the shared check toolchain) instead of the JVM; each kind keeps its
# raw figures in bench/results/raw/<kind>/ and latest.md shows the two side by side. Both run against the
# same PostgreSQL (BenchDatabase: the embedded binaries, in a process of their own) with the GC and heap
# settings below (JVM_OPTS, NATIVE_OPTS: the ones docs/performance.md recommends).
#
# The throughput ramp is driven by LeanChat (the JDK's WebSocket client, one pacing thread): Gatling on
# the same two cores spent more CPU per message than the server. BENCH_CLIENT=gatling uses Gatling there.
#
# BENCH_STEPS picks the steps (default "chat ramp overload http idle startup"; "search" seeds 100,000 messages and
# times full-text search; "upload" streams 24 files of 10 MB at once and samples the heap midway), e.g. BENCH_STEPS="idle" to re-measure
# idle connections only; the summary keeps the other steps' last figures for that kind. BENCH_RATES replaces the
# ramp's rates (e.g. BENCH_RATES=1000). The ramp runs without a profiler (a JFR recording with the profile
# settings cost ~40 µs of server CPU per message at 1,000 msg/s); after it, on the JVM, a JFR recording is
# started for 20 s of chat at 2,000 msg/s, and that is the profile in latest.md.
#
# Only 127.0.0.0/8 is used. The service runs with its rate and connection limits raised (a benchmark
# drives thousands of messages per second from a handful of identities and one host); everything else is
# the production configuration.
set -euo pipefail
MODE=${1:-full}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BENCH=$ROOT/bench
PORT=${BENCH_PORT:-18080}
BASE=http://127.0.0.1:$PORT
# Health and metrics answer on the management port only.
MANAGEMENT_PORT=${BENCH_MANAGEMENT_PORT:-19000}
MANAGEMENT=http://127.0.0.1:$MANAGEMENT_PORT
WORK=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
KIND=${BENCH_SERVER:-jvm}
STEPS=" ${BENCH_STEPS:-chat ramp overload http idle startup} "
step() { [[ "$STEPS" == *" $1 "* ]]; }
CLIENT=${BENCH_CLIENT:-lean}
RAW=$BENCH/results/raw/$KIND
mkdir -p "$RAW"
for s in chat ramp overload http idle startup; do # a step that runs replaces its own earlier figures only
  if step $s; then
    case $s in
      chat) rm -f "$RAW"/chat-*.json ;;
      ramp) rm -f "$RAW"/ramp-*.json "$RAW"/cpu-*.json "$RAW"/metrics-*.txt "$RAW"/top-ramp-*.txt "$RAW"/samples.txt "$RAW"/thread-cpu.txt "$RAW"/threads-*.txt ;;
      overload) rm -f "$RAW"/overload.json "$RAW"/overload-*.json ;;
      http) rm -f "$RAW"/http-*.json ;;
      idle) rm -f "$RAW"/idle.json "$RAW"/idle-histogram.txt ;;
      startup) rm -f "$RAW"/startup-*.json ;;
    esac
  fi
done
# The settings docs/performance.md recommends for each kind (measured: see bench/results/latest.md).
JVM_OPTS=${JVM_OPTS:--XX:+UseSerialGC -Xms64m -Xmx1g -Xmn32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30}
NATIVE_OPTS=${NATIVE_OPTS:--Xmx1g}
export MAVEN_ARGS="${MAVEN_ARGS:-} -B -ntp -q"
say() { printf '\n== %s\n' "$*"; }

if [ "$MODE" = quick ]; then
  CONVERSATIONS=20; RATE=100; DURATION=15; RAMP_RATES="${BENCH_RATES:-200 400}"; RAMP_DURATION=10; IDLE=2000; IDLE_RAMP=10
else
  CONVERSATIONS=50; RATE=200; DURATION=30; RAMP_RATES="${BENCH_RATES:-500 1000 2000 3000 4000 5000 6000 8000}"; RAMP_DURATION=20; IDLE=19000; IDLE_RAMP=60
fi

JAR=$ROOT/target/quarkus-app/quarkus-run.jar
if [ "$KIND" = native ]; then
  RUNNER=$(ls "$ROOT"/target/*-runner 2>/dev/null | head -1 || true)
  [ -n "$RUNNER" ] || { echo "no target/*-runner: build it first with ./mvnw package -Dnative" >&2; exit 1; }
  echo "measuring $RUNNER, built $(date -r "$RUNNER")"
else
  say "build the service"
  ./mvnw package -DskipTests
fi

say "build the load clients and start the benchmark's PostgreSQL"
( cd "$BENCH" && ../mvnw test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" )
CP=$BENCH/target/test-classes:$(cat "$WORK/cp.txt")
java -cp "$CP" -Dbench.db-port-file="$WORK/db.port" io.switchboard.bench.BenchDatabase > "$WORK/db.log" 2>&1 &
DB=$!
for _ in $(seq 1 600); do [ -s "$WORK/db.port" ] && break; sleep 0.1; done
DB_PORT=$(cat "$WORK/db.port")
DATASOURCE=(-Dquarkus.datasource.jdbc.url="jdbc:postgresql://127.0.0.1:$DB_PORT/postgres"
  -Dquarkus.datasource.reactive.url="postgresql://127.0.0.1:$DB_PORT/postgres"
  -Dquarkus.datasource.username=postgres -Dquarkus.datasource.password=postgres)

LIMITS=(-Dswitchboard.limits.sends.per-second=1000000 -Dswitchboard.limits.sends.burst=1000000
  -Dswitchboard.limits.control.per-second=1000000 -Dswitchboard.limits.control.burst=1000000
  -Dswitchboard.limits.visitor-creation.per-second=1000000 -Dswitchboard.limits.visitor-creation.burst=1000000
  -Dswitchboard.limits.logins.per-second=1000000 -Dswitchboard.limits.logins.burst=1000000
  -Dswitchboard.limits.connections-per-identity=1000000 -Dswitchboard.limits.connections-per-ip=1000000 \
  -Dswitchboard.limits.connections-per-instance=1000000 -Dswitchboard.limits.inbound-frames-per-second=1000000 -Dswitchboard.limits.inbound-frames-burst=1000000
  -Dswitchboard.agents.admin.password=switchboard-bench -Dswitchboard.limits.idle-timeout=30m
  -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port=$MANAGEMENT_PORT)

wait_ready() { # url timeout-seconds
  for _ in $(seq 1 $(( $2 * 20 ))); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "not ready: $1" >&2
  return 1
}

start_service() { # log file name; sets SERVER
  if [ "$KIND" = native ]; then
    # shellcheck disable=SC2086
    ( cd "$WORK" && exec "$RUNNER" $NATIVE_OPTS -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$PORT "${DATASOURCE[@]}" \
        "${LIMITS[@]}" > "$WORK/$1" 2>&1 ) &
  else
    # shellcheck disable=SC2086
    ( cd "$WORK" && exec java $JVM_OPTS \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$PORT "${DATASOURCE[@]}" "${LIMITS[@]}" \
        -jar "$JAR" > "$WORK/$1" 2>&1 ) &
  fi
  SERVER=$!
  wait_ready "$MANAGEMENT/q/health/ready" 120
}

say "start the service ($KIND) on $BASE"
trap 'kill $SERVER $DB 2>/dev/null || true; wait $SERVER $DB 2>/dev/null || true' EXIT
start_service server.log
OPTS=$([ "$KIND" = native ] && echo "$NATIVE_OPTS" || echo "$JVM_OPTS")
echo "service pid $SERVER ($KIND: $OPTS), PostgreSQL on port $DB_PORT"
echo "{\"kind\":\"$KIND\",\"options\":\"$OPTS\",\"client\":\"$CLIENT\"}" > "$RAW/server.json"

gatling() { # simulation, then -D settings
  local simulation=$1; shift
  ( cd "$BENCH" && ../mvnw gatling:test -Dgatling.simulationClass="io.switchboard.bench.$simulation" \
      -Dbench.base="$BASE" "$@" ) || echo "simulation $simulation failed (see above)"
}

metrics() { curl -fs "$MANAGEMENT/q/metrics" > "$1" || true; }

lean() { # the lean chat client (WebSocket, or REST + SSE / long-poll), then -D settings
  java -Xmx512m -cp "$CP" -Dbench.base="$BASE" "$@" io.switchboard.bench.LeanChat || echo "LeanChat failed (see above)"
}

# CPU ticks per server thread (name, user + system), from /proc: a profile by thread that works for the
# native executable too (it has no JFR here).
threads() {
  for t in /proc/$SERVER/task/*; do
    awk -v name="$(tr ' ' '_' < "$t/comm")" '{print name, $14 + $15}' "$t/stat" 2>/dev/null
  done > "$1" || true
}

# CPU seconds (user + system) of a process, and of every PostgreSQL process, from /proc.
cpu_of() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_cpu() {
  local total=0 pid
  for pid in $(pgrep -x postgres); do total=$(echo "$total + $(cpu_of "$pid")" | bc); done
  echo "$total"
}

if step search; then
  say "search over 100,000 messages (seeded straight into the store), timed over HTTP"
  server0=$(cpu_of $SERVER); pg0=$(pg_cpu)
  TIMEFORMAT='%U %S'
  { time java -cp "$CP" -Dbench.base="$BASE" -Dbench.db-port="$DB_PORT" -Dbench.out="$RAW/search.json" \
      io.switchboard.bench.SearchBench ; } 2> "$WORK/time-search.txt" || echo "SearchBench failed (see above)"
  read -r lu ls < <(tail -1 "$WORK/time-search.txt")
  echo "search: server CPU $(echo "$(cpu_of $SERVER) - $server0" | bc) s, PostgreSQL CPU $(echo "$(pg_cpu) - $pg0" | bc) s, load generator CPU $(echo "$lu + $ls" | bc) s"
  # Search alone: its figures are printed (and in $RAW/search.json); the summary of the other steps is left as it was.
  [ "$STEPS" = " search " ] && exit 0
fi

if step upload; then
  say "streamed uploads: ${BENCH_UPLOADS:-24} visitors × 10 MB at once, the service's heap sampled with every upload 6 MB in"
  server0=$(cpu_of $SERVER); pg0=$(pg_cpu)
  TIMEFORMAT='%U %S'
  { time java -cp "$CP" -Dbench.base="$BASE" -Dbench.server-pid=$SERVER -Dbench.uploads=${BENCH_UPLOADS:-24} -Dbench.out="$RAW/upload.json" \
      io.switchboard.bench.UploadBench ; } 2> "$WORK/time-upload.txt" || echo "UploadBench failed (see above)"
  read -r lu ls < <(tail -1 "$WORK/time-upload.txt")
  echo "upload: server CPU $(echo "$(cpu_of $SERVER) - $server0" | bc) s, PostgreSQL CPU $(echo "$(pg_cpu) - $pg0" | bc) s, load generator CPU $(echo "$lu + $ls" | bc) s (the JVM's whole life)"
  # Like search: its figures are printed (and in $RAW/upload.json); the summary of the other steps is left as it was.
  [ "$STEPS" = " upload " ] && exit 0
fi

if [ "$MODE" = soak ]; then
  say "soak: ${SOAK_MINUTES:-10} minutes"
  gatling SoakSimulation -Dbench.minutes="${SOAK_MINUTES:-10}" -Dbench.server-pid=$SERVER -Dbench.management="$MANAGEMENT" -Dbench.out="$RAW/soak.json"
  python3 "$BENCH/summarise.py" "$BENCH/results/raw" - "$BENCH/results" soak
  exit 0
fi

if step chat || step ramp; then
say "0. warm-up (not measured): 15 s of WebSocket chat, then 20 s at 2,000 msg/s, so the JIT has compiled the hot paths"
gatling ChatSimulation -Dbench.transport=websocket -Dbench.conversations=20 -Dbench.rate=100 -Dbench.duration=15 \
  -Dbench.out="$WORK/warmup.json"
lean -Dbench.conversations=100 -Dbench.rate=2000 -Dbench.feed=off -Dbench.duration=20 -Dbench.out="$WORK/warmup-lean.json"
fi

if step chat; then
say "1. chat at a fixed rate: $CONVERSATIONS conversations, $RATE msg/s, ${DURATION}s, per transport"
for t in websocket sse longpoll poll; do
  gatling ChatSimulation -Dbench.transport=$t -Dbench.conversations=$CONVERSATIONS -Dbench.rate=$RATE \
    -Dbench.duration=$DURATION -Dbench.out="$RAW/chat-$t.json"
done
fi

if step ramp; then
say "2. throughput ramp over WebSocket ($CLIENT client): $RAMP_RATES msg/s, ${RAMP_DURATION}s each"
for r in $RAMP_RATES; do
  ( sleep $(( RAMP_DURATION / 2 + 10 )); top -b -n 1 -w 200 | head -15 > "$RAW/top-ramp-$r.txt" ) &
  metrics "$RAW/metrics-before-$r.txt"
  threads "$RAW/threads-before-$r.txt"
  server0=$(cpu_of $SERVER); pg0=$(pg_cpu)
  # The load generator's own CPU: bash's `time` counts the JVMs it waited for (Gatling: Maven's too).
  TIMEFORMAT='%U %S'
  if [ "$CLIENT" = gatling ]; then
    { time gatling ChatSimulation -Dbench.transport=websocket -Dbench.conversations=100 -Dbench.rate=$r -Dbench.feed=off \
      -Dbench.duration=$RAMP_DURATION -Dbench.out="$RAW/ramp-$r.json" ; } 2> "$WORK/time-$r.txt"
  else
    { time lean -Dbench.server-pid=$SERVER -Dbench.conversations=100 -Dbench.rate=$r -Dbench.feed=off -Dbench.duration=$RAMP_DURATION \
      -Dbench.out="$RAW/ramp-$r.json" ; } 2> "$WORK/time-$r.txt"
  fi
  read -r lu ls < <(tail -1 "$WORK/time-$r.txt")
  echo "{\"rateTarget\":$r,\"serverCpuS\":$(echo "$(cpu_of $SERVER) - $server0" | bc),\"postgresCpuS\":$(echo "$(pg_cpu) - $pg0" | bc),\"loadCpuS\":$(echo "$lu + $ls" | bc)}" \
    > "$RAW/cpu-$r.json"
  metrics "$RAW/metrics-after-$r.txt"
  threads "$RAW/threads-after-$r.txt"
  p99=$(python3 -c "import json;d=json.load(open('$RAW/ramp-$r.json'));print(d.get('own',{}).get('p99',10**9))" 2>/dev/null || echo 1000000000)
  if [ "$p99" -gt 1000 ]; then echo "p99 ${p99} ms at $r msg/s: stopping the ramp"; break; fi
done
if [ "$KIND" = jvm ]; then
  say "profile (not measured): JFR over 20 s of chat at 2,000 msg/s"
  jcmd $SERVER JFR.start name=bench settings=profile >/dev/null
  lean -Dbench.conversations=100 -Dbench.rate=2000 -Dbench.feed=off -Dbench.duration=20 -Dbench.out="$WORK/profile-lean.json"
  jcmd $SERVER JFR.dump name=bench filename="$WORK/ramp.jfr" >/dev/null
  jcmd $SERVER JFR.stop name=bench >/dev/null || true
  jfr print --events jdk.ExecutionSample --stack-depth 6 "$WORK/ramp.jfr" > "$RAW/samples.txt" || true
fi
fi

if step overload; then
# Overload: twice the highest rate this kind passed in the ramp, for 20 s. Refusals must be `overloaded`,
# accepted messages delivered once, and memory flat (RSS sampled every second).
best=$(python3 - "$RAW" <<'PY'
import glob, json, sys
best = 0
for f in glob.glob(sys.argv[1] + '/ramp-*.json'):
    d = json.load(open(f))
    ok = d['errors'] == 0 and d['received'] >= d['expected'] and d.get('own', {}).get('p99', 1e9) <= 100 \
        and d.get('cross', {}).get('p99', 1e9) <= 100
    if ok:
        best = max(best, d['rateTarget'])
print(best)
PY
)
if [ "${best:-0}" -gt 0 ]; then
  rate=$(( best * 2 ))
  say "overload: $rate msg/s offered (2 × $best) for 20 s"
  ( for _ in $(seq 1 40); do awk '/VmRSS/ {print $2}' /proc/$SERVER/status; sleep 1; done > "$WORK/overload-rss.txt" ) &
  rss_sampler=$!
  server0=$(cpu_of $SERVER)
  lean -Dbench.conversations=100 -Dbench.rate=$rate -Dbench.feed=off -Dbench.duration=20 -Dbench.out="$RAW/overload-run.json"
  wait $rss_sampler 2>/dev/null || true
  python3 - "$RAW/overload-run.json" "$WORK/overload-rss.txt" "$best" "$(echo "$(cpu_of $SERVER) - $server0" | bc)" > "$RAW/overload.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rss = [int(x) for x in open(sys.argv[2]).read().split()]
d['passingRate'] = int(sys.argv[3])
d['serverCpuS'] = float(sys.argv[4])
d['rssKbMin'], d['rssKbMax'] = (min(rss), max(rss)) if rss else (0, 0)
d['rssKbFirst'], d['rssKbLast'] = (rss[0], rss[-1]) if rss else (0, 0)
print(json.dumps(d))
PY
fi
fi

if step http; then
say "HTTP transports at a high rate: REST send + SSE, REST send + long-poll, 2,000 msg/s, 100 conversations ($CLIENT client)"
for t in sse longpoll; do
  if [ "$CLIENT" = gatling ]; then
    gatling ChatSimulation -Dbench.transport=$t -Dbench.conversations=100 -Dbench.rate=2000 -Dbench.feed=off \
      -Dbench.duration=20 -Dbench.out="$RAW/http-$t.json"
  else
    lean -Dbench.transport=$t -Dbench.conversations=100 -Dbench.rate=2000 -Dbench.duration=20 \
      -Dbench.server-pid=$SERVER -Dbench.out="$RAW/http-$t.json"
  fi
done
fi

if step idle; then
say "3. idle capacity: $IDLE WebSockets, on a fresh instance (no earlier step's heap or JIT state in its RSS)"
kill $SERVER 2>/dev/null || true
wait $SERVER 2>/dev/null || true
start_service server-idle.log
if [ "$KIND" = jvm ]; then # what the bytes of the held connections are: the heap's largest classes at the peak
  ( sleep $(( IDLE_RAMP + 12 )); jcmd $SERVER GC.class_histogram 2>/dev/null | head -40 > "$RAW/idle-histogram.txt" ) &
fi
gatling IdleSimulation -Dbench.connections=$IDLE -Dbench.ramp=$IDLE_RAMP -Dbench.hold=20 -Dbench.server-pid=$SERVER \
  -Dbench.out="$RAW/idle.json"
fi

step startup && say "4. startup: a second instance ($KIND) on the same PostgreSQL"
startup() { # kind, then the command up to (not including) its settings, then what follows them
  local kind=$1 command=$2 tail=${3:-}
  local t0; t0=$(date +%s%N)
  # shellcheck disable=SC2086
  $command -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$((PORT + 1)) "${DATASOURCE[@]}" \
    -Dswitchboard.agents.admin.password=switchboard-bench $tail > "$WORK/startup-$kind.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 1500); do
    curl -fs -o /dev/null "http://127.0.0.1:$((PORT + 1))/api/presence" && break
    sleep 0.01
  done
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  local rss; rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  if [ "${rss:-0}" = 0 ]; then echo "startup $kind failed:"; tail -5 "$WORK/startup-$kind.log"; return 0; fi
  echo "{\"kind\":\"$kind\",\"firstResponseMs\":$ms,\"rssKb\":$rss}" | tee "$RAW/startup-$kind.json"
}
if step startup; then
  if [ "$KIND" = native ]; then startup native "$RUNNER $NATIVE_OPTS"; else startup jvm "java $JVM_OPTS" "-jar $JAR"; fi
fi

say "summary"
python3 "$BENCH/summarise.py" "$BENCH/results/raw" - "$BENCH/results" "$MODE"
echo "server log: $WORK/server.log"
