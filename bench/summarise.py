#!/usr/bin/env python3
"""Turns bench/results/raw/*.json (and a JFR sample dump) into bench/results/latest.md and latest.json."""
import collections
import datetime
import glob
import json
import os
import platform
import re
import subprocess
import sys

root, _, out, mode = sys.argv[1:5]
# One directory of raw figures per kind of server measured (bench/run.sh, BENCH_SERVER=jvm|native).
KINDS = [k for k in ['jvm', 'native'] if os.path.isdir(os.path.join(root, k))]
raw = os.path.join(root, 'jvm')


def load(pattern, kind='jvm'):
    items = []
    for f in sorted(glob.glob(os.path.join(root, kind, pattern))):
        with open(f) as fh:
            items.append(json.load(fh))
    return items


def machine():
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), 'unknown')
    mem = next((int(l.split()[1]) for l in open('/proc/meminfo') if l.startswith('MemTotal')), 0)
    java = subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.splitlines()[0]
    return {'cpus': os.cpu_count(), 'cpu': cpu, 'memoryGiB': round(mem / 1024 / 1024, 1), 'kernel': platform.release(),
            'java': java, 'quarkus': '3.33.2', 'postgresql': '17 (zonky embedded binaries 17.11.0), same machine',
            'gatling': '3.15.1', 'loadGeneratorOnSameMachine': True}


def metric_file(name, kind='jvm'):
    path = os.path.join(root, kind, name)
    values = {}
    if not os.path.exists(path):
        return values
    for line in open(path):
        if line.startswith('#'):
            continue
        m = re.match(r'([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$', line.strip())
        if m and ('__vertx.DEFAULT' in (m.group(2) or '') or 'vert.x-worker-thread' in (m.group(2) or '') or not m.group(2)):
            values[m.group(1)] = values.get(m.group(1), 0) + float(m.group(3))
    return values


def pct(series, key):
    return series.get(key, {}) if series else {}


def lat(d, name):
    s = d.get(name, {})
    return f"{s.get('p50', '–')} / {s.get('p95', '–')} / {s.get('p99', '–')} / {s.get('max', '–')}" if s else '–'


servers = {k: (load('server.json', k) or [{'kind': k, 'options': '', 'client': 'gatling'}])[0] for k in KINDS}
chat = {k: {d['transport']: d for d in load('chat-*.json', k)} for k in KINDS}
ramp = {k: sorted(load('ramp-*.json', k), key=lambda d: d['rateTarget']) for k in KINDS}
cpu = {k: {d['rateTarget']: d for d in load('cpu-*.json', k)} for k in KINDS}
idle = {k: (load('idle.json', k) or [None])[0] for k in KINDS}
startup = {d['kind']: d for k in KINDS for d in load('startup-*.json', k)}

lines = []
now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
m = machine()
lines.append(f"Measured {now} ({mode} run) on {m['cpus']} × {m['cpu']}, {m['memoryGiB']} GiB, {m['java']}; "
             f"Quarkus {m['quarkus']}, PostgreSQL {m['postgresql']}; the load generators on the same machine.")
lines.append('')
for k in KINDS:
    srv = servers[k]
    stamp = datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(root, k, 'server.json')), datetime.timezone.utc) \
        .strftime('%Y-%m-%d %H:%M UTC') if os.path.exists(os.path.join(root, k, 'server.json')) else 'earlier'
    what = 'the JVM (`java -jar target/quarkus-app/quarkus-run.jar`)' if k == 'jvm' else 'the native executable (`target/*-runner`)'
    lines.append(f"- **{k}**: {what}, settings `{srv.get('options') or 'defaults'}`; throughput ramp driven by "
                 f"{'LeanChat (JDK WebSocket client)' if srv.get('client') == 'lean' else 'Gatling'}; measured {stamp}.")
lines.append('')


def delivery_cells(d):
    """The cells every fixed-rate scenario row ends with: rate, counts, and the three latencies."""
    return (f"{d['rateTarget']} | {d['sent']} | {d['received']} / {d['expected']} | "
            f"{d['duplicates']} | {d['errors']} | {lat(d, 'persisted')} | {lat(d, 'own')} | {lat(d, 'cross')} |")


def kind_col(k):
    return f'| {k} ' if len(KINDS) > 1 else ''


def head(columns):
    cols = (['server'] if len(KINDS) > 1 else []) + columns
    lines.append('| ' + ' | '.join(cols) + ' |')
    lines.append('|' + '---|' * len(cols))


if any(chat.values()):
    lines.append('**Chat at a fixed rate** (Gatling; latencies in ms: p50 / p95 / p99 / max; "own" = a party sees its own message, '
                 '"cross" = the other party sees it; both from send to received):')
    lines.append('')
    head(['transport', 'conversations', 'msg/s', 'sent', 'delivered / expected', 'duplicates', 'errors', 'persisted', 'own', 'cross'])
    for k in KINDS:
        for t in ['websocket', 'sse', 'longpoll', 'poll']:
            d = chat[k].get(t)
            if not d:
                continue
            lines.append(f"{kind_col(k)}| {t} | {d['conversations']} | {delivery_cells(d)}".replace('|| ', '| '))
    lines.append('')
    lines.append('The iframe stream is not in this table: Gatling cannot read a never-ending HTML response '
                 'incrementally. It shares the SSE delivery path (one Sink per connection over the same LiveHub).')
    lines.append('')

best = {}
if any(ramp.values()):
    lines.append('**Throughput ramp over WebSocket** (100 conversations, both parties sending; refused = answered '
                 '`overloaded`, not expected to be delivered):')
    lines.append('')
    head(['target msg/s', 'achieved msg/s', 'delivered / expected', 'refused', 'errors', 'persisted p99', 'own p50 / p99', 'cross p99', 'p99 ≤ 100 ms, 0 errors'])
    for k in KINDS:
        for d in ramp[k]:
            achieved = d.get('achievedRate') or round(d['sent'] / d['durationSeconds'])
            own = d.get('own', {})
            ok = d['errors'] == 0 and d['received'] >= d['expected'] and own.get('p99', 10 ** 9) <= 100 \
                and d.get('cross', {}).get('p99', 10 ** 9) <= 100
            if ok:
                best[k] = max(best.get(k, 0), achieved)
            lines.append(f"{kind_col(k)}| {d['rateTarget']} | {achieved} | {d['received']} / {d['expected']} | {d.get('refused', '–')} | {d['errors']} | "
                         f"{d.get('persisted', {}).get('p99', '–')} | {own.get('p50', '–')} / {own.get('p99', '–')} | "
                         f"{d.get('cross', {}).get('p99', '–')} | {'yes' if ok else 'no'} |".replace('|| ', '| '))
    lines.append('')
    for k in KINDS:
        lines.append(f"Highest sustained rate with p99 ≤ 100 ms and zero errors, {k}: **{best.get(k, 'none')} msg/s** "
                     '(each message persisted and delivered to both parties).')
    if best.get('jvm') and 'native' in KINDS:
        lines.append(f"The native executable reaches {100 * best.get('native', 0) / best['jvm']:.0f} % of the JVM's rate.")
    lines.append('')
    lines.append('In the ramp the agents connect with `feed=off`: the console feed (one `activity` frame per message '
                 'per agent connection) is in the fixed-rate table.')
    lines.append('')
    if any(cpu.values()):
        lines.append('**CPU per delivered message** in each ramp step (user + system seconds, from `/proc` or the '
                     "process's own count, over the delivered messages; the load generator runs on the same 2 cores). "
                     "Measured over the sending window (the lean client samples the server's and PostgreSQL's `/proc` "
                     "when its parties are connected and subscribed, and again when the last message arrived); "
                     "\"whole run\" also counts creating 100 visitors and connecting 200 sockets (JVM start-up "
                     "of the load generator included). The write path's group commit from `/q/metrics`:")
        lines.append('')
        head(['target msg/s', 'server', 'PostgreSQL', 'load generator', 'server, whole run', 'mean sends per commit',
              'refused overloaded'])
        for k in KINDS:
            for d in ramp[k]:
                c = cpu[k].get(d['rateTarget'])
                if not c or not d['received']:
                    continue
                b, a = metric_file(f"metrics-before-{d['rateTarget']}.txt", k), metric_file(f"metrics-after-{d['rateTarget']}.txt", k)
                commits = a.get('switchboard_messages_batch_size_count', 0) - b.get('switchboard_messages_batch_size_count', 0)
                batch = (a.get('switchboard_messages_batch_size_sum', 0) - b.get('switchboard_messages_batch_size_sum', 0)) / commits if commits else 0
                refused = a.get('switchboard_messages_overloaded_total', 0) - b.get('switchboard_messages_overloaded_total', 0)
                per = lambda seconds: f"{float(seconds) * 1e6 / d['received']:.0f} µs"
                window = d if 'serverCpuS' in d else c  # older runs: the whole run only
                lines.append(f"{kind_col(k)}| {d['rateTarget']} | {per(window['serverCpuS'])} | {per(window['postgresCpuS'])} | "
                             f"{per(window['loadCpuS'])} | {per(c['serverCpuS'])} | {batch:.1f} | {int(refused)} |".replace('|| ', '| '))
        lines.append('')
    pool = []
    for k in KINDS:
        for d in ramp[k]:
            r = d['rateTarget']
            b, a = metric_file(f'metrics-before-{r}.txt', k), metric_file(f'metrics-after-{r}.txt', k)
            if not a:
                continue

            def delta(name):
                return a.get(name, 0) - b.get(name, 0)

            def mean_ms(timer):
                n = delta(f'{timer}_seconds_count')
                return f"{1000 * delta(f'{timer}_seconds_sum') / n:.1f} ms" if n > 0 else '–'
            n = delta('sql_pool_queue_delay_seconds_count')
            pool.append((k, r, int(n), mean_ms('sql_pool_queue_delay') if n > 0 else '–',
                         f"{1000 * delta('sql_pool_usage_seconds_sum') / n:.1f} ms" if n > 0 else '–',
                         mean_ms('switchboard_messages_write_wait'), mean_ms('switchboard_messages_write_duration')))
    if pool:
        lines.append('Server-side queues during each ramp step (from `/q/metrics`): the reactive PostgreSQL pool '
                     '(fan-out reads), and the write path — how long a send waited in the write queue before its '
                     'batch began, and how long one batch took to be written and committed.')
        lines.append('')
        head(['target msg/s', 'reactive queries', 'mean wait for a reactive connection', 'mean time holding one',
              'mean write-queue wait', 'mean batch write + commit'])
        for row in pool:
            k, rest = row[0], row[1:]
            lines.append((kind_col(k) + '| ' + ' | '.join(str(x) for x in rest) + ' |').replace('|| ', '| '))
        lines.append('')

overload = {k: (load('overload.json', k) or [None])[0] for k in KINDS}
if any(overload.values()):
    lines.append('**Overload at twice the passing rate** (lean client, 20 s; refused = answered `overloaded` at once and '
                 'not stored; RSS sampled every second):')
    lines.append('')
    head(['passing rate', 'offered msg/s', 'sent', 'refused', 'other errors', 'delivered / expected', 'duplicates',
          'accepted: persisted p99', 'own p99', 'cross p99', 'RSS first → max → last'])
    for k in KINDS:
        d = overload[k]
        if not d:
            continue
        other = d['errors'] - d.get('refused', 0)
        lines.append(f"{kind_col(k)}| {d['passingRate']} | {d['rateTarget']} | {d['sent']} | {d.get('refused', 0)} | {other} | "
                     f"{d['received']} / {d['expected']} | {d['duplicates']} | {d.get('persisted', {}).get('p99', '–')} ms | "
                     f"{d.get('own', {}).get('p99', '–')} ms | {d.get('cross', {}).get('p99', '–')} ms | "
                     f"{d['rssKbFirst'] // 1024} → {d['rssKbMax'] // 1024} → {d['rssKbLast'] // 1024} MB |")
    lines.append('')

http = {k: {d['transport']: d for d in load('http-*.json', k)} for k in KINDS}
if any(http.values()):
    lines.append('**HTTP transports at 2,000 msg/s** (each party sends over REST, one request per message answered once '
                 'it is committed, and receives on the transport; 100 conversations, 20 s; latencies in ms p50 / p95 / '
                 'p99 / max; "lean" is `LeanChat`\'s own HTTP/1.1 client (keep-alive, blocking sockets), CPU per delivered message over the sending '
                 'window):')
    lines.append('')
    head(['transport', 'client', 'achieved msg/s', 'msg/s', 'sent', 'delivered / expected', 'duplicates', 'errors',
          'persisted', 'own', 'cross', 'CPU: server / PostgreSQL / load generator'])
    for k in KINDS:
        for t in ['sse', 'longpoll']:
            d = http[k].get(t)
            if d:
                per = (lambda key: f"{float(d[key]) * 1e6 / d['received']:.0f} µs" if d.get(key) and d['received'] else '–')
                lines.append(f"{kind_col(k)}| {t} | {d.get('client', 'gatling')} | {d.get('achievedRate', '–')} | "
                             f"{delivery_cells(d)} {per('serverCpuS')} / {per('postgresCpuS')} / {per('loadCpuS')} |")
    lines.append('')


def thread_split(kind, rate=None):
    """CPU ticks per thread group over one ramp step (the last one unless rate is given)."""
    steps = sorted(int(re.search(r'(\d+)', os.path.basename(f)).group(1))
                   for f in glob.glob(os.path.join(root, kind, 'threads-after-*.txt')))
    if not steps or (rate is not None and rate not in steps):
        return None, {}
    r = steps[-1] if rate is None else rate

    def read(name):
        out = collections.Counter()
        path = os.path.join(root, kind, name)
        if os.path.exists(path):
            for line in open(path):
                parts = line.split()
                if len(parts) == 2:
                    out[re.sub(r'\d+', 'N', parts[0])] += int(parts[1])
        return out
    delta = read(f'threads-after-{r}.txt')
    delta.subtract(read(f'threads-before-{r}.txt'))
    return r, {k: v for k, v in delta.items() if v > 0}


for k, which in [(k, which) for k in KINDS for which in (1000, None)]:
    r, split = thread_split(k, which)
    total = sum(split.values())
    if total and not (which is None and r == 1000):
        step_name = 'the 1,000 msg/s step' if which else 'the last ramp step'
        lines.append(f"**Which {k} threads burn the CPU** in {step_name} ({r} msg/s; `/proc` ticks per thread group):")
        lines.append('')
        lines.append('| share | thread |')
        lines.append('|---|---|')
        for name, v in sorted(split.items(), key=lambda kv: -kv[1])[:8]:
            lines.append(f'| {100 * v / total:.1f} % | `{name}` |')
        lines.append('')

if any(idle.values()):
    lines.append('**Idle WebSocket capacity** (heap after a full GC: JVM only, the native executable has no jcmd):')
    lines.append('')
    head(['target', 'connected', 'got the final broadcast', 'server RSS before → after', 'RSS per connection', 'heap (after GC) per connection'])
    for k in KINDS:
        d = idle[k]
        if not d:
            continue
        rss = f"{d.get('rssKbBefore', 0) // 1024} MB → {d.get('rssKbAfter', 0) // 1024} MB" if 'rssKbBefore' in d else '–'
        per = f"{d.get('rssBytesPerConnection', 0) / 1024:.1f} KB" if 'rssBytesPerConnection' in d else '–'
        heap = f"{d.get('heapBytesPerConnection', 0) / 1024:.1f} KB" if d.get('heapBytesPerConnection') else '–'
        lines.append(f"{kind_col(k)}| {d['target']} | {d['connected']} | {d['broadcastReceived']} | {rss} | {per} | {heap} |".replace('|| ', '| '))
    lines.append('')
    histogram = os.path.join(root, 'jvm', 'idle-histogram.txt')
    if os.path.exists(histogram):
        rows = [l.split() for l in open(histogram) if re.match(r'\s*\d+:\s+\d+\s+\d+\s+\S', l)]
        conns = (idle.get('jvm') or {}).get('connected') or 0
        if rows and conns:
            lines.append(f"Where an idle connection's heap goes (JVM, `GC.class_histogram` with {conns} connections held; "
                         'bytes per connection of the largest classes):')
            lines.append('')
            lines.append('| bytes per connection | instances per connection | class |')
            lines.append('|---|---|---|')
            for r in rows[:12]:
                lines.append(f"| {int(r[2]) / conns:.0f} | {int(r[1]) / conns:.1f} | `{r[3]}` |")
            lines.append('')

if startup:
    lines.append('**Startup** (launch → first successful response, a second instance on the running PostgreSQL):')
    lines.append('')
    lines.append('| kind | first response | RSS after it |')
    lines.append('|---|---|---|')
    for k in ['jvm', 'native']:
        if k in startup:
            lines.append(f"| {k} | {startup[k]['firstResponseMs']} ms | {startup[k]['rssKb'] // 1024} MB |")
    lines.append('')

profile = []
samples_file = os.path.join(root, 'jvm', 'samples.txt')
if os.path.exists(samples_file):
    top = collections.Counter()
    packages = collections.Counter()
    total = 0
    block = []
    for line in open(samples_file, errors='replace'):
        if line.startswith('jdk.ExecutionSample'):
            block = []
        frame = re.match(r'\s+([\w$.<>/]+)\(', line)
        if frame:
            block.append(frame.group(1))
            if len(block) == 1:
                total += 1
                top[frame.group(1)] += 1
                parts = frame.group(1).split('.')
                packages['.'.join(parts[:3])] += 1
    if total:
        lines.append(f'**Where the server spends its CPU** over 20 s of chat at 2,000 msg/s after the ramp (JFR execution samples, profile settings, top frames, {total} samples):')
        lines.append('')
        lines.append('| share | method (self time) |')
        lines.append('|---|---|')
        for method, n in top.most_common(12):
            lines.append(f'| {100 * n / total:.1f} % | `{method}` |')
            profile.append({'method': method, 'share': round(n / total, 4)})
        lines.append('')
        lines.append('| share | package |')
        lines.append('|---|---|')
        for pkg, n in packages.most_common(8):
            lines.append(f'| {100 * n / total:.1f} % | `{pkg}` |')
        lines.append('')

soak = None
soak_files = [f for k in KINDS for f in glob.glob(os.path.join(root, k, 'soak.json'))]
if soak_files:
    soak = json.load(open(soak_files[0]))
    lines.append(f"**Soak** ({soak['minutes']} min, {soak['conversations']} conversations over WebSocket, SSE and long-poll "
                 f"with a new client every 0.5 s for a 30 s session, ~60 open at a time; {soak['sent']} messages): the server sampled every minute "
                 '(heap after a full GC).')
    lines.append('')
    lines.append('| minute | heap after GC | RSS | threads | file descriptors | live connections (server count) | fds − connections |')
    lines.append('|---|---|---|---|---|---|---|')
    start = soak['samples'][0]['atMs'] if soak['samples'] else 0
    for i, smp in enumerate(soak['samples']):
        label = 'end (all closed)' if i == len(soak['samples']) - 1 else str(round((smp['atMs'] - start) / 60000))
        lines.append(f"| {label} | {smp.get('heapUsedKb', 0) // 1024} MB | "
                     f"{smp.get('rssKb', 0) // 1024} MB | {smp.get('threads', '–')} | {smp.get('fds', '–')} | "
                     f"{smp.get('connections', '–')} | {smp.get('fds', 0) - smp.get('connections', 0) if 'connections' in smp else '–'} |")
    lines.append('')

summary = {'date': now, 'mode': mode, 'machine': m, 'chat': chat, 'ramp': ramp, 'cpu': list(cpu.values()), 'soak': soak, 'highestSustainedMsgPerSecond': best, 'servers': servers,
           'idle': idle, 'overload': overload, 'http': http, 'startup': startup, 'profile': profile}
os.makedirs(out, exist_ok=True)
text = '\n'.join(lines) + '\n'
stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%d-%H%M')
for name in (['soak-latest'] if mode == 'soak' else ['latest']) + [stamp + '-' + mode]:
    with open(os.path.join(out, name + '.md'), 'w') as fh:
        fh.write(text)
    with open(os.path.join(out, name + '.json'), 'w') as fh:
        json.dump(summary, fh, indent=2)
print(text)
