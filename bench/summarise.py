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

raw, samples_file, out, mode = sys.argv[1:5]


def load(pattern):
    items = []
    for f in sorted(glob.glob(os.path.join(raw, pattern))):
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


def metric_file(name):
    path = os.path.join(raw, name)
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


chat = {d['transport']: d for d in load('chat-*.json')}
ramp = sorted(load('ramp-*.json'), key=lambda d: d['rateTarget'])
cpu = {d['rateTarget']: d for d in load('cpu-*.json')}
idle = (load('idle.json') or [None])[0]
startup = {d['kind']: d for d in load('startup-*.json')}

lines = []
now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
m = machine()
lines.append(f"Measured {now} ({mode} run) on {m['cpus']} × {m['cpu']}, {m['memoryGiB']} GiB, {m['java']}; "
             f"Quarkus {m['quarkus']}, PostgreSQL {m['postgresql']}; Gatling {m['gatling']} on the same machine.")
lines.append('')
lines.append('**Chat at a fixed rate** (latencies in ms: p50 / p95 / p99 / max; "own" = a party sees its own message, '
             '"cross" = the other party sees it; both from send to received):')
lines.append('')
lines.append('| transport | conversations | msg/s | sent | delivered / expected | duplicates | errors | persisted | own | cross |')
lines.append('|---|---|---|---|---|---|---|---|---|---|')
for t in ['websocket', 'sse', 'longpoll', 'poll']:
    d = chat.get(t)
    if not d:
        continue
    lines.append(f"| {t} | {d['conversations']} | {d['rateTarget']} | {d['sent']} | {d['received']} / {d['expected']} | "
                 f"{d['duplicates']} | {d['errors']} | {lat(d, 'persisted')} | {lat(d, 'own')} | {lat(d, 'cross')} |")
lines.append('')
lines.append('The iframe stream is not in this table: Gatling cannot read a never-ending HTML response '
             'incrementally. It shares the SSE delivery path (one Sink per connection over the same LiveHub).')
lines.append('')

best = None
if ramp:
    lines.append('**Throughput ramp over WebSocket** (100 conversations, both parties sending):')
    lines.append('')
    lines.append('| target msg/s | achieved msg/s | delivered / expected | errors | own p50 / p99 | cross p99 | p99 ≤ 100 ms, 0 errors |')
    lines.append('|---|---|---|---|---|---|---|')
    for d in ramp:
        achieved = round(d['sent'] / d['durationSeconds'])
        own = d.get('own', {})
        ok = d['errors'] == 0 and d['received'] >= d['expected'] and own.get('p99', 10 ** 9) <= 100 \
            and d.get('cross', {}).get('p99', 10 ** 9) <= 100
        if ok:
            best = max(best or 0, achieved)
        lines.append(f"| {d['rateTarget']} | {achieved} | {d['received']} / {d['expected']} | {d['errors']} | "
                     f"{own.get('p50', '–')} / {own.get('p99', '–')} | {d.get('cross', {}).get('p99', '–')} | {'yes' if ok else 'no'} |")
    lines.append('')
    lines.append(f"Highest sustained rate with p99 ≤ 100 ms and zero errors: **{best or 'none'} msg/s** "
                 '(each message persisted and delivered to both parties). In the ramp the agents connect with '
                 '`feed=off`: the console feed (one `activity` frame per message per agent connection) is in '
                 'the fixed-rate table above.')
    lines.append('')
    if cpu:
        lines.append('**CPU per delivered message** in each ramp step (user + system seconds of the process, from '
                     '`/proc`, over the delivered messages; the load generator is Gatling on the same 2 cores, its '
                     "Maven start-up included), and the write path's group commit (from `/q/metrics`):")
        lines.append('')
        lines.append('| target msg/s | server (JVM) | PostgreSQL | load generator | mean sends per commit | refused overloaded |')
        lines.append('|---|---|---|---|---|---|')
        for d in ramp:
            c = cpu.get(d['rateTarget'])
            if not c or not d['received']:
                continue
            b, a = metric_file(f"metrics-before-{d['rateTarget']}.txt"), metric_file(f"metrics-after-{d['rateTarget']}.txt")
            commits = a.get('switchboard_messages_batch_size_count', 0) - b.get('switchboard_messages_batch_size_count', 0)
            batch = (a.get('switchboard_messages_batch_size_sum', 0) - b.get('switchboard_messages_batch_size_sum', 0)) / commits if commits else 0
            refused = a.get('switchboard_messages_overloaded_total', 0) - b.get('switchboard_messages_overloaded_total', 0)
            per = lambda seconds: f"{seconds * 1e6 / d['received']:.0f} µs"
            lines.append(f"| {d['rateTarget']} | {per(c['serverCpuS'])} | {per(c['postgresCpuS'])} | {per(c['loadCpuS'])} | "
                         f"{batch:.1f} | {int(refused)} |")
        lines.append('')
    pool = []
    for d in ramp:
        r = d['rateTarget']
        b, a = metric_file(f'metrics-before-{r}.txt'), metric_file(f'metrics-after-{r}.txt')
        if not a:
            continue
        def delta(name):
            return a.get(name, 0) - b.get(name, 0)
        n = delta('sql_pool_queue_delay_seconds_count')
        if n > 0:
            pool.append((r, n, 1000 * delta('sql_pool_queue_delay_seconds_sum') / n,
                         1000 * delta('sql_pool_usage_seconds_sum') / n,
                         1000 * delta('worker_pool_queue_delay_seconds_sum') / max(1, delta('worker_pool_queue_delay_seconds_count'))))
    if pool:
        lines.append('Server-side queues during each ramp step (from `/q/metrics`): the reactive PostgreSQL pool '
                     '(fan-out reads) and the worker pool (the write path).')
        lines.append('')
        lines.append('| target msg/s | reactive queries | mean wait for a reactive connection | mean time holding one | mean worker queue wait |')
        lines.append('|---|---|---|---|---|')
        for r, n, wait, use, worker in pool:
            lines.append(f'| {r} | {int(n)} | {wait:.1f} ms | {use:.1f} ms | {worker:.1f} ms |')
        lines.append('')

if idle:
    lines.append('**Idle WebSocket capacity:**')
    lines.append('')
    lines.append('| target | connected | got the final broadcast | server RSS before → after | RSS per connection | heap (after GC) per connection |')
    lines.append('|---|---|---|---|---|---|')
    rss = f"{idle.get('rssKbBefore', 0) // 1024} MB → {idle.get('rssKbAfter', 0) // 1024} MB" if 'rssKbBefore' in idle else '–'
    per = f"{idle.get('rssBytesPerConnection', 0) / 1024:.1f} KB" if 'rssBytesPerConnection' in idle else '–'
    heap = f"{idle.get('heapBytesPerConnection', 0) / 1024:.1f} KB" if 'heapBytesPerConnection' in idle else '–'
    lines.append(f"| {idle['target']} | {idle['connected']} | {idle['broadcastReceived']} | {rss} | {per} | {heap} |")
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
        lines.append(f'**Where the server spends its CPU** during the ramp (JFR execution samples, top frames, {total} samples):')
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

threads_file = os.path.join(raw, 'thread-cpu.txt')
if os.path.exists(threads_file):
    load = collections.Counter()
    thread = None
    for line in open(threads_file, errors='replace'):
        m = re.search(r'eventThread = "([^"]+)"', line)
        if m:
            thread = re.sub(r'\d+', 'N', m.group(1))
        m = re.search(r'(user|system) = ([\d.]+)%', line)
        if m and thread:
            load[thread] += float(m.group(2))
    if load:
        total_load = sum(load.values())
        lines.append('**Which server threads burn the CPU** during the ramp (JFR `jdk.ThreadCPULoad`, share of the '
                     "server's CPU time):")
        lines.append('')
        lines.append('| share | thread |')
        lines.append('|---|---|')
        for name, v in load.most_common(8):
            lines.append(f'| {100 * v / total_load:.1f} % | `{name}` |')
        lines.append('')

soak = None
soak_files = glob.glob(os.path.join(raw, 'soak.json'))
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

summary = {'date': now, 'mode': mode, 'machine': m, 'chat': chat, 'ramp': ramp, 'cpu': list(cpu.values()), 'soak': soak, 'highestSustainedMsgPerSecond': best,
           'idle': idle, 'startup': startup, 'profile': profile}
os.makedirs(out, exist_ok=True)
text = '\n'.join(lines) + '\n'
stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%d-%H%M')
for name in (['soak-latest'] if mode == 'soak' else ['latest']) + [stamp + '-' + mode]:
    with open(os.path.join(out, name + '.md'), 'w') as fh:
        fh.write(text)
    with open(os.path.join(out, name + '.json'), 'w') as fh:
        json.dump(summary, fh, indent=2)
print(text)
