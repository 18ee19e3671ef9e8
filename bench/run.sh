#!/usr/bin/env bash
# Switchboard benchmark suite. Builds the service, starts it on an embedded PostgreSQL, runs the Gatling
# scenarios (bench/src/test/java), and writes bench/results/latest.md and latest.json (plus a dated copy).
#
#   bench/run.sh            the full suite (~15 minutes)
#   bench/run.sh quick      smaller and shorter: checks that everything works (~6 minutes)
#   bench/run.sh soak       drill 4: 10 minutes of mixed-transport traffic with connection churn, sampling
#                           the server's heap after GC, threads and file descriptors every minute
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
WORK=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
RAW=$BENCH/results/raw
rm -rf "$RAW" && mkdir -p "$RAW"
export MAVEN_ARGS="${MAVEN_ARGS:-} -B -ntp -q"
say() { printf '\n== %s\n' "$*"; }

if [ "$MODE" = quick ]; then
  CONVERSATIONS=20; RATE=100; DURATION=15; RAMP_RATES="200 400"; RAMP_DURATION=10; IDLE=2000; IDLE_RAMP=10
else
  CONVERSATIONS=50; RATE=200; DURATION=30; RAMP_RATES="500 1000 2000 3000 4000 6000 8000"; RAMP_DURATION=20; IDLE=19000; IDLE_RAMP=60
fi

say "build the service"
./mvnw package -DskipTests
JAR=$ROOT/target/quarkus-app/quarkus-run.jar

LIMITS=(-Dswitchboard.limits.sends.per-second=1000000 -Dswitchboard.limits.sends.burst=1000000
  -Dswitchboard.limits.visitor-creation.per-second=1000000 -Dswitchboard.limits.visitor-creation.burst=1000000
  -Dswitchboard.limits.logins.per-second=1000000 -Dswitchboard.limits.logins.burst=1000000
  -Dswitchboard.limits.connections-per-identity=1000000 -Dswitchboard.limits.connections-per-ip=1000000
  -Dswitchboard.agents.admin.password=switchboard-bench -Dswitchboard.limits.idle-timeout=30m)

wait_ready() { # url timeout-seconds
  for _ in $(seq 1 $(( $2 * 20 ))); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "not ready: $1" >&2
  return 1
}

say "start the service (JVM, embedded PostgreSQL) on $BASE"
( cd "$WORK" && exec java -XX:StartFlightRecording=name=bench,settings=profile,maxage=10m \
    -Dswitchboard.embedded-db.enabled=true -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$PORT "${LIMITS[@]}" \
    -jar "$JAR" > "$WORK/server.log" 2>&1 ) &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
wait_ready "$BASE/q/health/ready" 120
DB_PORT=$(grep -o 'embedded PostgreSQL on port [0-9]*' "$WORK/server.log" | grep -o '[0-9]*$')
echo "service pid $SERVER, PostgreSQL on port $DB_PORT"

gatling() { # simulation, then -D settings
  local simulation=$1; shift
  ( cd "$BENCH" && ../mvnw gatling:test -Dgatling.simulationClass="io.switchboard.bench.$simulation" \
      -Dbench.base="$BASE" "$@" ) || echo "simulation $simulation failed (see above)"
}

metrics() { curl -fs "$BASE/q/metrics" > "$1" || true; }

# CPU seconds (user + system) of a process, and of every PostgreSQL process, from /proc.
cpu_of() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_cpu() {
  local total=0 pid
  for pid in $(pgrep -x postgres); do total=$(echo "$total + $(cpu_of "$pid")" | bc); done
  echo "$total"
}

if [ "$MODE" = soak ]; then
  say "soak: ${SOAK_MINUTES:-10} minutes"
  gatling SoakSimulation -Dbench.minutes="${SOAK_MINUTES:-10}" -Dbench.server-pid=$SERVER -Dbench.out="$RAW/soak.json"
  python3 "$BENCH/summarise.py" "$RAW" /dev/null "$BENCH/results" soak
  exit 0
fi

say "0. warm-up (not measured): 15 s of WebSocket chat, so the JIT has compiled the hot paths"
gatling ChatSimulation -Dbench.transport=websocket -Dbench.conversations=20 -Dbench.rate=100 -Dbench.duration=15 \
  -Dbench.out="$WORK/warmup.json"

say "1. chat at a fixed rate: $CONVERSATIONS conversations, $RATE msg/s, ${DURATION}s, per transport"
for t in websocket sse longpoll poll; do
  gatling ChatSimulation -Dbench.transport=$t -Dbench.conversations=$CONVERSATIONS -Dbench.rate=$RATE \
    -Dbench.duration=$DURATION -Dbench.out="$RAW/chat-$t.json"
done

say "2. throughput ramp over WebSocket: $RAMP_RATES msg/s, ${RAMP_DURATION}s each"
for r in $RAMP_RATES; do
  ( sleep $(( RAMP_DURATION / 2 + 10 )); top -b -n 1 -w 200 | head -15 > "$RAW/top-ramp-$r.txt" ) &
  metrics "$RAW/metrics-before-$r.txt"
  server0=$(cpu_of $SERVER); pg0=$(pg_cpu)
  # The load generator's own CPU: bash's `time` counts the Maven and Gatling JVMs it waited for.
  TIMEFORMAT='%U %S'
  { time gatling ChatSimulation -Dbench.transport=websocket -Dbench.conversations=100 -Dbench.rate=$r -Dbench.feed=off \
    -Dbench.duration=$RAMP_DURATION -Dbench.out="$RAW/ramp-$r.json" ; } 2> "$WORK/time-$r.txt"
  read -r lu ls < <(tail -1 "$WORK/time-$r.txt")
  echo "{\"rateTarget\":$r,\"serverCpuS\":$(echo "$(cpu_of $SERVER) - $server0" | bc),\"postgresCpuS\":$(echo "$(pg_cpu) - $pg0" | bc),\"loadCpuS\":$(echo "$lu + $ls" | bc)}" \
    > "$RAW/cpu-$r.json"
  metrics "$RAW/metrics-after-$r.txt"
  p99=$(python3 -c "import json;d=json.load(open('$RAW/ramp-$r.json'));print(d.get('own',{}).get('p99',10**9))" 2>/dev/null || echo 1000000000)
  if [ "$p99" -gt 1000 ]; then echo "p99 ${p99} ms at $r msg/s: stopping the ramp"; break; fi
done
jcmd $SERVER JFR.dump name=bench filename="$WORK/ramp.jfr" >/dev/null
jfr print --events jdk.ExecutionSample --stack-depth 6 "$WORK/ramp.jfr" > "$WORK/samples.txt" || true
jfr print --events jdk.ThreadCPULoad "$WORK/ramp.jfr" > "$RAW/thread-cpu.txt" || true

say "3. idle capacity: $IDLE WebSockets"
gatling IdleSimulation -Dbench.connections=$IDLE -Dbench.ramp=$IDLE_RAMP -Dbench.hold=20 -Dbench.server-pid=$SERVER \
  -Dbench.out="$RAW/idle.json"

say "4. startup: a second instance on the same PostgreSQL, JVM and (if built) native"
startup() { # kind, then the command up to (not including) its settings, then what follows them
  local kind=$1 command=$2 tail=${3:-}
  local t0; t0=$(date +%s%N)
  # shellcheck disable=SC2086
  $command -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$((PORT + 1)) \
    -Dquarkus.datasource.jdbc.url="jdbc:postgresql://127.0.0.1:$DB_PORT/postgres" \
    -Dquarkus.datasource.reactive.url="postgresql://127.0.0.1:$DB_PORT/postgres" \
    -Dquarkus.datasource.username=postgres -Dquarkus.datasource.password=postgres \
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
startup jvm java "-jar $JAR"
RUNNER=$(ls "$ROOT"/target/*-runner 2>/dev/null | head -1 || true)
# Only a native executable built from the same sources as the jar (e.g. by .ci/run's native step) counts.
if [ -n "$RUNNER" ] && [ "$RUNNER" -nt "$JAR" ]; then startup native "$RUNNER"; fi

say "summary"
python3 "$BENCH/summarise.py" "$RAW" "$WORK/samples.txt" "$BENCH/results" "$MODE"
echo "server log: $WORK/server.log"
