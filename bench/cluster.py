#!/usr/bin/env python3
"""Distributed-mode benchmark, driven by bench/cluster.sh (read its header for the command).

Clusters of `sluice run` workers on one `sluice-mock-kafka` each (the mock has no
CreateTopics: every topic a cluster needs is created when the mock starts), measured from
outside through REST, /metrics, /proc and the workers' logs:

  failover    3 workers, 9 tasks; kill -9 of one worker -> every task RUNNING on the others
  scale-out   3 workers, 9 tasks; a fourth worker started -> balance (2..3 tasks each)
  throughput  a blackhole sink (tasks.max 3) reading N pre-filled records with 1, 2 and 3
              workers, against kcat reading the same records in the same run

Not a test: nothing asserts beyond what a measurement needs to be valid. A wait that times
out, or a kcat read that does not find every record, stops the benchmark with a clear error;
a throughput run that measured the mock's rebalancing instead of the sink is repeated and
listed (bench/README.md, "Distributed mode", says why and when).
"""
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

BUILD = os.environ["BENCH_BUILD"]
WORK = os.environ["BENCH_WORK"]
SLUICE = os.path.join(BUILD, "bin", "sluice")
MOCK = os.path.join(BUILD, "bin", "sluice-mock-kafka")
PLUGINS = os.path.join(BUILD, "plugins")
RUNS = int(os.environ.get("RUNS", "5"))
TP_RUNS = int(os.environ.get("TP_RUNS", "3"))
TP_ATTEMPTS = 5  # tries per throughput run (see sluice_run in throughput())
RECORDS = int(os.environ.get("RECORDS", "1000000"))
PARTITIONS = int(os.environ.get("PARTITIONS", "60"))
SESSION_TIMEOUTS = [int(s) for s in os.environ.get("SESSION_TIMEOUTS", "3000 10000").split()]
ONLY = set(os.environ.get("ONLY", "failover scaleout throughput").split())
POLL_S = 0.05  # status polls (failover, scale-out)
METRICS_POLL_S = 0.025  # /metrics polls (throughput)
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Failover and scale-out: 3 datagen sources x 2 tasks + 3 blackhole sinks = 9 tasks.
SOURCES = {"src-a": "fo.a", "src-b": "fo.b", "src-c": "fo.c"}
SINKS = {"out-a": "fo.a", "out-b": "fo.b", "out-c": "fo.c"}
TASKS = {**{n: 2 for n in SOURCES}, **{n: 1 for n in SINKS}}
TOTAL_TASKS = sum(TASKS.values())
SLOT_TOPICS = 16
DATA_TOPIC = "bench.cluster"


def say(*args):
    print(*args, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def wait_for(condition, timeout_s, what, interval_s=0.05):
    """Polls condition() until it returns something truthy; BenchError naming `what` on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


# ---- processes ------------------------------------------------------------------------------
LIVE = []  # every child still to be ended on exit


def spawn(argv, log_path):
    log = open(log_path, "wb")
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    LIVE.append(p)
    return p


def end(p, timeout_s=20.0, signalled=False):
    """SIGTERM (unless `signalled` already: a second one makes a worker exit without its final
    flush), a bounded wait, then SIGKILL."""
    if p.poll() is None:
        if not signalled:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout_s)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in LIVE:
        LIVE.remove(p)


MOCKS = set()  # pids of mock brokers: ended after the workers that use them


def end_all():
    for last in (False, True):
        batch = [p for p in LIVE if (p.pid in MOCKS) == last]
        for p in batch:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in batch:
            end(p, 10.0, signalled=True)


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK  # utime + stime


def vmhwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


class Mock:
    def __init__(self, tag, topics):
        self.bootstrap_file = os.path.join(WORK, f"{tag}.bootstrap")
        if os.path.exists(self.bootstrap_file):
            raise BenchError(f"{self.bootstrap_file} exists already: two mock clusters with the tag {tag}")
        argv = [MOCK, "--bootstrap-file", self.bootstrap_file]
        for t in topics:
            argv += ["--topic", t]
        self.log = os.path.join(WORK, f"{tag}.mock.log")
        self.proc = spawn(argv, self.log)
        MOCKS.add(self.proc.pid)

        def ready():
            if self.proc.poll() is not None:
                raise BenchError(f"sluice-mock-kafka exited ({self.proc.returncode}): {open(self.log).read()[-2000:]}")
            if os.path.exists(self.bootstrap_file):
                return open(self.bootstrap_file).read().strip()
            return None

        self.bootstrap = wait_for(ready, 120, "sluice-mock-kafka to create its topics and print its bootstrap servers")

    def stop(self, signalled=False):
        end(self.proc, signalled=signalled)


def cluster_topics(prefix, slots, status_partitions=5):
    return [f"{prefix}configs:1", f"{prefix}status:{status_partitions}"] + [f"{prefix}placement.{i}:1" for i in range(slots)]


class Worker:
    count = 0

    def __init__(self, wid, bootstrap, group, session_ms, topic_prefix):
        Worker.count += 1
        self.wid = wid
        tag = f"{group}-{wid}-{Worker.count}"
        self.file = os.path.join(WORK, f"{tag}.yaml")
        self.port_file = os.path.join(WORK, f"{tag}.port")
        self.log = os.path.join(WORK, f"{tag}.log")
        with open(self.file, "w") as f:
            f.write(f"""worker.id: {wid}
cluster.group.id: {group}
cluster.config.topic: {topic_prefix}configs
cluster.status.topic: {topic_prefix}status
cluster.placement.topic: {topic_prefix}placement
cluster.session.timeout.ms: {session_ms}
cluster.topic.replication.factor: 1
offsets.topic.partitions: 5
offsets.topic.replication.factor: 1
topic.creation.enable: false
rest.listener: 127.0.0.1:0
log.progress.interval.ms: 0
offset.flush.interval.ms: 500
shutdown.timeout.ms: 10000
kafka:
  bootstrap.servers: "{bootstrap}"
  consumer:
    session.timeout.ms: {session_ms}
    heartbeat.interval.ms: 500
    queued.min.messages: 1000000
    queued.max.messages.kbytes: 1048576
""")
        self.started = time.monotonic()
        self.proc = spawn([SLUICE, "run", "--worker", self.file, "--rest-port-file", self.port_file,
                           "--plugin-dir", PLUGINS], self.log)
        self.port = None

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def check_alive(self):
        if not self.alive():
            raise BenchError(f"worker {self.wid} exited ({self.proc.returncode}); log {self.log}:\n{self.log_text()[-3000:]}")

    def try_port(self):
        if self.port is None and os.path.exists(self.port_file):
            text = open(self.port_file).read().strip()
            if text:
                self.port = int(text)
        return self.port

    def ready(self):
        """Non-blocking: REST answers /health and /connectors."""
        self.check_alive()
        if not self.try_port():
            return False
        return self.req("GET", "/health")[0] == 200 and self.req("GET", "/connectors")[0] == 200

    def wait_ready(self, timeout_s=60):
        wait_for(self.ready, timeout_s, f"worker {self.wid} to answer GET /health (log {self.log})")

    def req(self, method, path, body=None, timeout_s=5.0):
        """(status, parsed JSON or text); (None, error) when nobody answers."""
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout_s)
            headers = {"Content-Type": "application/json"} if body is not None else {}
            c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            r = c.getresponse()
            data = r.read().decode(errors="replace")
            c.close()
            try:
                return r.status, json.loads(data)
            except ValueError:
                return r.status, data
        except (OSError, http.client.HTTPException) as e:
            return None, str(e)

    def call(self, method, path, body=None, expect=(200, 201, 202, 204)):
        status, reply = self.req(method, path, body, timeout_s=30.0)
        if status not in expect:
            raise BenchError(f"{method} {path} on worker {self.wid}: {status} {reply}")
        return reply

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        LIVE.remove(self.proc)

    def stop(self, signalled=False):
        end(self.proc, signalled=signalled)


def start_workers(ids, *args):
    workers = {wid: Worker(wid, *args) for wid in ids}
    for w in workers.values():
        w.wait_ready()
    return workers


def stop_workers(workers):
    for w in workers.values():
        if w.alive():
            w.proc.send_signal(signal.SIGTERM)
    for w in workers.values():
        w.stop(signalled=True)


# ---- placement as the workers report it -----------------------------------------------------
def task_states(reply):
    """task "<connector>-<id>" -> (state, worker_id) from a GET /connectors?expand=status answer."""
    out = {}
    if not isinstance(reply, dict):
        return out
    for name, entry in reply.items():
        for t in entry.get("status", {}).get("tasks", []):
            out[f"{name}-{t.get('id')}"] = (t.get("state"), t.get("worker_id"))
    return out


def sample(workers):
    """Asks every worker; returns ({wid: {task: (state, worker)}}, {wid: midpoint time})."""
    views, times = {}, {}
    for wid, w in workers.items():
        t0 = time.monotonic()
        status, reply = w.req("GET", "/connectors?expand=status", timeout_s=2.0)
        views[wid] = task_states(reply) if status == 200 else None
        times[wid] = (t0 + time.monotonic()) / 2
    return views, times


def view_placement(view, live):
    """Tasks RUNNING on a live worker, as one worker's answer shows them."""
    return {t: w for t, (s, w) in (view or {}).items() if s == "RUNNING" and w in live}


def self_placement(views):
    """Each worker's own tasks, as it reports them itself (no status-topic delay); a task that
    two workers both claim is left out (not settled)."""
    claims = {}
    for wid, view in views.items():
        for t, (s, w) in (view or {}).items():
            if s == "RUNNING" and w == wid:
                claims.setdefault(t, set()).add(wid)
    return {t: next(iter(ws)) for t, ws in claims.items() if len(ws) == 1}


def balanced(placement, live, total):
    if len(placement) != total:
        return False
    counts = {w: 0 for w in live}
    for w in placement.values():
        counts[w] += 1
    lo, hi = total // len(live), -(-total // len(live))
    return all(lo <= n <= hi for n in counts.values())


def wait_settled(workers, total, timeout_s=90):
    """Every worker shows the same balanced placement of all tasks, twice in a row 1 s apart."""
    live = set(workers)
    last = [None]

    def settled():
        for w in workers.values():
            w.check_alive()
        views, _ = sample(workers)
        placements = [view_placement(v, live) for v in views.values()]
        p = placements[0]
        if not all(q == p for q in placements) or not balanced(p, live, total) or self_placement(views) != p:
            last[0] = None
            return None
        if last[0] == p:
            return p
        last[0] = p
        return None

    return wait_for(settled, timeout_s, f"{total} tasks RUNNING and balanced over {sorted(live)}", interval_s=1.0)


RACES = []  # 409 "changed while answering" to a POST: see create()
POSTS = [0]  # POST /connectors sent


def create(worker, body):
    """POST /connectors. A 409 "changed while answering" means the write was stored and the
    worker answered before it had applied its own record (a read-your-writes race of the
    worker); the benchmark notes it and waits until the worker shows the connector."""
    POSTS[0] += 1
    status, reply = worker.req("POST", "/connectors", body, timeout_s=30.0)
    if status == 409 and "changed while answering" in str(reply):
        RACES.append(f"POST /connectors {body['name']} on {worker.wid}")
        say(f"  note: POST /connectors {body['name']} on {worker.wid} answered 409 {reply.get('message')!r}; "
            "waiting for the worker to show it")
        wait_for(lambda: worker.req("GET", f"/connectors/{body['name']}")[0] == 200, 30,
                 f"worker {worker.wid} to show connector {body['name']}")
    elif status != 201:
        raise BenchError(f"POST /connectors {body['name']} on worker {worker.wid}: {status} {reply}")


def create_connectors(workers):
    via = list(workers.values())
    i = 0
    for name, topic in SINKS.items():
        create(via[i % len(via)], {"name": name, "config": {
            "connector.class": "blackhole", "topics": topic, "tasks.max": "1"}})
        i += 1
    for name, topic in SOURCES.items():
        create(via[i % len(via)], {"name": name, "config": {
            "connector.class": "datagen", "topic": topic, "tasks.max": str(TASKS[name]), "rate": "100",
            "sensors": "50", "batch.size": "100"}})
        i += 1


def fresh_cluster(tag, session_ms, ids=("w1", "w2", "w3")):
    topics = ["sluice-offsets:5"] + cluster_topics("sluice-", SLOT_TOPICS) + [f"{t}:4" for t in SOURCES.values()]
    mock = Mock(tag, topics)
    workers = start_workers(ids, mock.bootstrap, f"bench-{tag}", session_ms, "sluice-")
    create_connectors(workers)
    placement = wait_settled(workers, TOTAL_TASKS)
    return mock, workers, placement


LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z .*?\[([\w.-]+)/(\d+)\] (assigned|revoked|lost|started) ?(.*)$")


def log_events(path):
    """(wall time, connector, task, event, rest) for the task lines of a worker log."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LOG_LINE.match(line)
            if m:
                t = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()
                out.append((t, m.group(2), int(m.group(3)), m.group(4), m.group(5)))
    return out


# ---- failover ---------------------------------------------------------------------------------
def failover_run(i, session_ms):
    tag = f"fo{session_ms}-{i}"
    mock, workers, before = fresh_cluster(tag, session_ms)
    try:
        victim = f"w{(i - 1) % 3 + 1}"
        moved = sorted(t for t, w in before.items() if w == victim)
        survivors = {wid: w for wid, w in workers.items() if wid != victim}
        live = set(survivors)
        observer = sorted(survivors)[0]
        killed_wall = time.time()
        t0 = time.monotonic()
        workers[victim].kill9()
        t_view = t_self = None
        deadline = t0 + session_ms / 1000 + 60
        while t_view is None or t_self is None:
            if time.monotonic() > deadline:
                raise BenchError(f"failover {tag}: tasks of {victim} not RUNNING elsewhere after {deadline - t0:.0f} s")
            views, times = sample(survivors)
            if t_view is None and len(view_placement(views[observer], live)) == TOTAL_TASKS:
                t_view = times[observer] - t0
            if t_self is None and len(self_placement(views)) == TOTAL_TASKS:
                t_self = max(times.values()) - t0
            time.sleep(POLL_S)
        after = self_placement(sample(survivors)[0])
        # The moved sinks: when their new consumer got the topic's 4 partitions (the sink group
        # also waits for the dead member's session to expire), from the new owners' logs.
        moved_sinks = [t for t in moved if t.rsplit("-", 1)[0] in SINKS]

        def sinks_assigned():
            latest = 0.0
            for t in moved_sinks:
                name, tid = t.rsplit("-", 1)
                owner = after.get(t)
                if owner is None:
                    return None
                held, full_at = set(), None
                for when, c, n, event, rest in log_events(survivors[owner].log):
                    if c != name or n != int(tid) or when < killed_wall - 0.002 or event == "started":
                        continue
                    parts = set(re.findall(r"\[(\d+)\]", rest))
                    held = held | parts if event == "assigned" else held - parts
                    if len(held) == 4:
                        full_at = when
                        break
                if full_at is None:
                    return None
                latest = max(latest, full_at)
            return latest - killed_wall if moved_sinks else -1.0

        t_sinks = wait_for(sinks_assigned, session_ms / 1000 + 60, f"failover {tag}: moved sinks to be assigned their partitions", 0.2)
        stayed = all(after.get(t) == w for t, w in before.items() if w != victim)
        say(f"  failover {session_ms} ms run {i}: kill -9 {victim} ({len(moved)} tasks) -> all {TOTAL_TASKS} RUNNING "
            f"{t_self:.2f} s (self-reports), {t_view:.2f} s (as {observer} shows it); "
            f"moved sinks reading again {t_sinks:.2f} s; others stayed: {stayed}")
        return {"view": t_view, "self": t_self, "sinks": t_sinks if t_sinks >= 0 else None, "moved": len(moved), "stayed": stayed}
    finally:
        stop_workers(workers)
        mock.stop()


# ---- scale-out ------------------------------------------------------------------------------
def scaleout_run(i, session_ms):
    tag = f"so{session_ms}-{i}"
    mock, workers, before = fresh_cluster(tag, session_ms)
    try:
        starts_before = count_starts(workers)
        t0 = time.monotonic()
        w4 = Worker("w4", mock.bootstrap, f"bench-{tag}", session_ms, "sluice-")
        workers["w4"] = w4
        live = set(workers)
        t_ready = t_view = t_self = None
        deadline = t0 + 90
        while t_view is None or t_self is None:
            if time.monotonic() > deadline:
                raise BenchError(f"scale-out {tag}: no balance over 4 workers after 90 s (w4 log {w4.log})")
            if t_ready is None and w4.ready():
                t_ready = time.monotonic() - t0
            asked = workers if t_ready is not None else {k: v for k, v in workers.items() if k != "w4"}
            views, times = sample(asked)
            if t_view is None and balanced(view_placement(views["w1"], live), live, TOTAL_TASKS):
                t_view = times["w1"] - t0
            if t_self is None and t_ready is not None and balanced(self_placement(views), live, TOTAL_TASKS):
                t_self = max(times.values()) - t0
            time.sleep(POLL_S)
        after = self_placement(sample(workers)[0])
        moved = sorted(t for t, w in before.items() if after.get(t) != w)
        starts_after = count_starts(workers)
        restarted = sorted(t for t in before if t not in moved and starts_after.get(t, 0) != starts_before.get(t, 0))
        say(f"  scale-out run {i}: w4 answering REST after {t_ready:.2f} s; balanced over 4 workers {t_self:.2f} s "
            f"(self-reports), {t_view:.2f} s (as w1 shows it); moved {len(moved)} ({', '.join(moved)}); "
            f"restarted without moving: {len(restarted)}")
        return {"view": t_view, "self": t_self, "ready": t_ready, "moved": len(moved), "restarted": len(restarted)}
    finally:
        stop_workers(workers)
        mock.stop()


def count_starts(workers):
    n = {}
    for w in workers.values():
        for _, name, tid, event, _ in log_events(w.log):
            if event == "started":
                n[f"{name}-{tid}"] = n.get(f"{name}-{tid}", 0) + 1
    return n


# ---- throughput -------------------------------------------------------------------------------
def make_records(path, n, partitions):
    """N datagen-like readings (~190 B of JSON, keys S0000..S9999), in one file per partition
    with the same number of records in each (records are spread round robin)."""
    files = [open(f"{path}.{p}", "w") for p in range(partitions)]
    for i in range(n):
        s = i % 10000
        step = i // 10000
        files[i % partitions].write(
            f'S{s:04d}\t{{"sensor_id":"S{s:04d}","road":"A{s % 97}","lane":{1 + s % 3},'
            f'"ts":"2026-11-22T{(step // 60) % 24:02d}:{step % 60:02d}:00Z","interval_s":60,'
            f'"vehicle_count":{(i * 7) % 40},"avg_speed_kmh":{40 + (i % 900) / 10:.1f},'
            f'"occupancy_pct":{(i % 500) / 10:.1f},"heavy_vehicle_pct":{(i % 300) / 10:.1f},"seq":{i}}}\n')
    for f in files:
        f.close()
    return sum(os.path.getsize(f"{path}.{p}") for p in range(partitions))


# The consumer tuning the workers get too (bench/README.md: without it librdkafka 2.0 stalls in
# 1-second steps), plus a short fetch.wait.max.ms: kcat exits after the N-th record (-c N), and
# its teardown must not wait out a fetch the broker holds for want of data (500 ms by default).
KCAT_TUNING = ["-X", "queued.min.messages=1000000", "-X", "queued.max.messages.kbytes=1048576", "-X", "fetch.wait.max.ms=10"]


def kcat_read(bootstrap, n):
    """One kcat reading the whole topic from the beginning to its end: its rate from spawn to
    exit, its steady rate (from its first output), CPU per record."""
    t0 = time.monotonic()
    # -c N: exit at the N-th record; -e: or at the end of every partition, should there be fewer.
    p = subprocess.Popen(["kcat", "-C", "-b", bootstrap, "-t", DATA_TOPIC, "-o", "beginning", "-c", str(n), "-e", "-q",
                          "-f", "\\n"] + KCAT_TUNING, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    LIVE.append(p)
    lines = 0
    first = None  # (time, records) of the first output: the steady rate leaves out start-up
    deadline = t0 + 300
    while True:
        chunk = p.stdout.read1(1 << 20)
        if not chunk:
            break
        lines += chunk.count(b"\n")
        if first is None:
            first = (time.monotonic(), lines)
        if time.monotonic() > deadline:
            raise BenchError("kcat did not reach the end of the topic within 300 s")
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    t1 = time.monotonic()
    LIVE.remove(p)
    if p.returncode != 0 or lines != n:
        raise BenchError(f"kcat read {lines} of {n} records (exit {p.returncode}): {p.stderr.read().decode()[-1000:]}"
                         " (the mock keeps ~5 MiB per partition: more PARTITIONS or fewer RECORDS)")
    return {"secs": t1 - t0, "rate": n / (t1 - t0), "steady": (n - first[1]) / (t1 - first[0]),
            "first": first[0] - t0, "cpu_us": (usage.ru_utime + usage.ru_stime) / n * 1e6}


def written(worker, connector):
    status, text = worker.req("GET", "/metrics", timeout_s=2.0)
    if status != 200:
        return None
    total = 0.0
    for line in text.splitlines():
        if line.startswith("sluice_records_written_total{") and f'connector="{connector}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def throughput_run(mock, n_workers, run, attempt, n):
    tag = f"tp{n_workers}-{run}-{attempt}"
    connector = f"sink-{n_workers}-{run}-{attempt}"
    ids = [f"w{k + 1}" for k in range(n_workers)]
    workers = start_workers(ids, mock.bootstrap, f"bench-{tag}", SESSION_TIMEOUTS[0], f"{tag}.")
    try:
        # The clock starts at the sink's first partition assignment (the log line's time), as in
        # bench/lake.sh: placing the tasks and joining the consumer group are Kafka's business
        # (seconds on the mock, which holds a new group's first join open for 3 s, so that the
        # three tasks normally get their partitions together). Not a paused sink resumed instead:
        # librdkafka 2.0.2 starts fetching a resumed partition only at its broker thread's next
        # 1-second wake-up, which would stagger the tasks' starts by up to a second.
        timeline = []  # (wall time, workers' CPU s, mock CPU s): the CPU at the assignment is read from it

        def note_cpu():
            timeline.append((time.time(), sum(cpu_s(w.pid) for w in workers.values()), cpu_s(mock.proc.pid)))

        note_cpu()
        create(workers["w1"], {"name": connector, "config": {
            "connector.class": "blackhole", "topics": DATA_TOPIC, "tasks.max": "3", "report.interval.ms": "0"}})
        first = done = None  # (wall time, records written)
        deadline = time.monotonic() + 120 + 30 * n / 1e6
        while done is None:
            if time.monotonic() > deadline:
                raise BenchError(f"{tag}: the sink did not write {n} records within {deadline:.0f} s (logs in {WORK})")
            note_cpu()
            total = 0.0
            for w in workers.values():
                v = written(w, connector)
                if v is None:
                    w.check_alive()
                    v = 0.0
                total += v
            stamp = time.time()  # after the last worker answered: the count is at least this by then
            if first is None and total > 0:
                first = (stamp, total)
            if total >= n:
                done = (stamp, total)
            else:
                time.sleep(METRICS_POLL_S)
        note_cpu()
        hwm = {wid: vmhwm_mib(w.pid) for wid, w in workers.items()}
        # The assignments, from the logs: the first one of each task, and whether any came later.
        firsts, events = {}, 0
        for w in workers.values():
            for when, name, tid, event, rest in log_events(w.log):
                if name == connector and event in ("assigned", "revoked", "lost"):
                    events += 1
                    if event == "assigned" and tid not in firsts:
                        firsts[tid] = (when, len(re.findall(r"\[(\d+)\]", rest)))
        if not firsts:
            raise BenchError(f"{tag}: the sink wrote {n} records but no task logged an assignment (logs in {WORK})")
        t0 = min(t for t, _ in firsts.values())
        spread = max(t for t, _ in firsts.values()) - t0
        # One round: the three tasks got a third of the partitions each, together, and kept them.
        # Otherwise the sink's group took another rebalance, a round of the mock's join phase
        # (cluster.session.timeout.ms - 1 s) later, and the tasks did not read together: a task
        # placed later than the others joined after they had started; or the mock answered a
        # member's SyncGroup with INVALID_REQUEST because the leader's assignment had completed
        # the round before that member's SyncGroup came in (librdkafka 2.0.2's mock completes a
        # round on the leader's SyncGroup), so that member rejoined.
        one_round = len(firsts) == 3 and events == 3 and all(k == PARTITIONS // 3 for _, k in firsts.values())
        cpu0 = [c for t, c, _ in timeline if t <= t0][-1]
        mock0 = [m for t, _, m in timeline if t <= t0][-1]
        cpu, mock_cpu = timeline[-1][1] - cpu0, timeline[-1][2] - mock0
        secs = done[0] - t0
        rate = n / secs
        steady = (n - first[1]) / (done[0] - first[0]) if done[0] > first[0] else float("nan")
        time.sleep(0.5)  # anything written twice (a rebalance during the run) shows up by now
        final = sum(written(w, connector) or 0 for w in workers.values())
        views, _ = sample(workers)
        per_worker = {wid: sum(1 for t, (st, w) in views["w1"].items() if t.startswith(connector + "-") and w == wid)
                      for wid in workers}
        say(f"  sluice, {n_workers} worker(s) run {run}{f' (attempt {attempt})' if attempt > 1 else ''}: {rate:,.0f} records/s ({n} in {secs:.3f} s from the first assignment; "
            f"{len(firsts)} of 3 tasks assigned within {spread * 1000:.0f} ms{'' if one_round else ', NOT IN ONE ROUND'}; "
            f"first record seen after "
            f"{(first[0] - t0) * 1000:.0f} ms; steady {steady:,.0f}/s); CPU/record {cpu / n * 1e6:.2f} us + mock "
            f"{mock_cpu / n * 1e6:.2f} us; VmHWM " + ", ".join(f"{wid} {h:.0f} MiB" for wid, h in hwm.items()) +
            f"; tasks per worker {per_worker}; written twice: {final - n:.0f}")
        return {"rate": rate, "steady": steady, "secs": secs, "first": first[0] - t0, "spread": spread, "one_round": one_round,
                "cpu_us": cpu / n * 1e6, "mock_cpu_us": mock_cpu / n * 1e6, "hwm": [hwm[w] for w in ids], "dups": final - n}
    finally:
        stop_workers(workers)


def throughput(n):
    topics = ["sluice-offsets:5", f"{DATA_TOPIC}:{PARTITIONS}"]
    for w in (1, 2, 3):
        for r in range(1, TP_RUNS + 1):
            for a in range(1, TP_ATTEMPTS + 1):
                topics += cluster_topics(f"tp{w}-{r}-{a}.", 4)
    mock = Mock("tp", topics)
    try:
        say(f"throughput: generating {n} records in {PARTITIONS} partitions ...")
        base = os.path.join(WORK, "records")
        size = make_records(base, n, PARTITIONS)
        t0 = time.monotonic()
        for p in range(PARTITIONS):
            with open(f"{base}.{p}", "rb") as lines:  # on stdin: a file argument would be one record
                subprocess.run(["kcat", "-P", "-b", mock.bootstrap, "-t", DATA_TOPIC, "-p", str(p), "-K", "\t",
                                "-X", "linger.ms=20", "-X", "queue.buffering.max.messages=1000000"],
                               stdin=lines, check=True, timeout=300)
            os.remove(f"{base}.{p}")
        say(f"  produced {n} records ({size / n:.0f} B per line of key + value) in {time.monotonic() - t0:.1f} s; "
            "checking that the mock kept them all ...")
        kcat_read(mock.bootstrap, n)  # warm-up, and the check that nothing was trimmed
        results = {1: [], 2: [], 3: []}
        kcat = {1: [], 2: [], 3: []}
        repeated = []

        def sluice_run(w, r):
            """A run whose tasks did not read together (see one_round in throughput_run) is repeated,
            TP_ATTEMPTS tries in all, and noted: it measures the mock's rebalance, not the sink."""
            for a in range(1, TP_ATTEMPTS + 1):
                res = throughput_run(mock, w, r, a, n)
                if (res["one_round"] and res["dups"] == 0) or a == TP_ATTEMPTS:
                    return res
                repeated.append((w, r, res["rate"]))

        for r in range(1, TP_RUNS + 1):
            for w in (1, 2, 3):
                # kcat first on odd runs, last on even ones: neither side always meets a calmer machine.
                if r % 2:
                    kcat[w].append(kcat_read(mock.bootstrap, n))
                    results[w].append(sluice_run(w, r))
                else:
                    results[w].append(sluice_run(w, r))
                    kcat[w].append(kcat_read(mock.bootstrap, n))
                k = kcat[w][-1]
                say(f"  kcat (run {r}, next to {w} worker(s)): {k['rate']:,.0f} records/s ({k['secs']:.3f} s from spawn; "
                    f"first record after {k['first'] * 1000:.0f} ms; steady {k['steady']:,.0f}/s); CPU/record {k['cpu_us']:.2f} us")
        return results, kcat, size / n, repeated
    finally:
        mock.stop()


# ---- report -----------------------------------------------------------------------------------
def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def span(values):
    values = [v for v in values if v is not None]
    return f"{min(values):.2f}..{max(values):.2f}" if values else "-"


def main():
    load_before = loadavg()
    say(f"sluice cluster benchmark: build {BUILD}, load average {load_before}")
    failover, scaleout, tp = {}, {}, None
    if "failover" in ONLY:
        for ms in SESSION_TIMEOUTS:
            say(f"failover, cluster.session.timeout.ms {ms}: {RUNS} runs, a fresh cluster each")
            failover[ms] = [failover_run(i, ms) for i in range(1, RUNS + 1)]
    if "scaleout" in ONLY:
        for ms in SESSION_TIMEOUTS:
            say(f"scale-out, cluster.session.timeout.ms {ms}: {RUNS} runs, a fresh cluster each")
            scaleout[ms] = [scaleout_run(i, ms) for i in range(1, RUNS + 1)]
    if "throughput" in ONLY:
        tp = throughput(RECORDS)
    load_after = loadavg()

    print()
    print(f"== sluice cluster benchmark ({os.cpu_count()} CPUs, load average {load_before} before, {load_after} after)")
    if failover:
        print(f"\nfailover: 3 workers, {TOTAL_TASKS} tasks (3 datagen x 2 + 3 blackhole), kill -9 of one worker, "
              f"median (min..max) of {RUNS} runs, seconds")
        print(f"{'session timeout':>16} {'all RUNNING (self)':>22} {'as a worker shows it':>22} {'moved sinks reading':>22} {'tasks moved':>11} {'others kept':>11}")
        for ms, rows in failover.items():
            print(f"{ms:>13} ms {med([r['self'] for r in rows]):>9.2f} ({span([r['self'] for r in rows]):>10})"
                  f" {med([r['view'] for r in rows]):>9.2f} ({span([r['view'] for r in rows]):>10})"
                  f" {med([r['sinks'] for r in rows]):>9.2f} ({span([r['sinks'] for r in rows]):>10})"
                  f" {med([r['moved'] for r in rows]):>11.0f} {sum(r['stayed'] for r in rows):>5}/{len(rows)} runs")
        print("  self: every task RUNNING as the worker running it reports it; as a worker shows it: one surviving worker's "
              "GET /connectors?expand=status (others' tasks through the status topic); moved sinks reading: the moved sink "
              "tasks' consumers assigned their partitions again (worker logs); others kept: runs in which no task of "
              "the surviving workers moved.")
        print("  On the mock, the join phase of every rebalance after the group's first lasts session timeout - 1 s "
              "(librdkafka's rdkafka_mock_cgrp.c), after the dead member's session expired: failover grows about twice "
              "as fast as the session timeout.")
    if scaleout:
        print(f"\nscale-out: a fourth worker joins 3 workers running {TOTAL_TASKS} tasks, median (min..max) of {RUNS} runs, seconds")
        print(f"{'session timeout':>16} {'w4 REST up':>18} {'balanced (self)':>22} {'as w1 shows it':>22} {'tasks moved':>11} {'restarted':>9}")
        for ms, rows in scaleout.items():
            print(f"{ms:>13} ms {med([r['ready'] for r in rows]):>5.2f} ({span([r['ready'] for r in rows]):>10})"
                  f" {med([r['self'] for r in rows]):>9.2f} ({span([r['self'] for r in rows]):>10})"
                  f" {med([r['view'] for r in rows]):>9.2f} ({span([r['view'] for r in rows]):>10})"
                  f" {med([r['moved'] for r in rows]):>11.0f} {max(r['restarted'] for r in rows):>9}")
        print("  balanced: 4 workers running 2..3 tasks each, every task RUNNING (self-reports; as w1 shows it: its "
              "GET /connectors?expand=status); tasks moved: median; restarted: most tasks restarted without moving in a run.")
        print("  A cooperative rebalance that moves tasks takes two rounds (revoke, then assign), each with the mock's "
              "join phase of session timeout - 1 s.")
    if tp:
        results, kcat, bpr, repeated = tp
        print(f"\nsink throughput: {RECORDS:,} records ({bpr:.0f} B of key + value each), {PARTITIONS} partitions, "
              f"blackhole sink with tasks.max 3, median of {TP_RUNS} runs")
        print(f"{'workers':>7} {'sluice rec/s':>13} {'MB/s':>5} {'kcat rec/s':>11} {'ratio':>5} {'steady sluice':>13}"
              f" {'steady kcat':>11} {'ratio':>5} {'CPU us/rec':>10} {'+mock':>5} {'kcat':>5} {'VmHWM per worker MiB':>20} {'dups':>4} {'1 round':>7}")
        for w in (1, 2, 3):
            rows, ks = results[w], kcat[w]
            rate, krate = med([r["rate"] for r in rows]), med([k["rate"] for k in ks])
            steady, ksteady = med([r["steady"] for r in rows]), med([k["steady"] for k in ks])
            hwm = "/".join(f"{med([r['hwm'][k] for r in rows]):.0f}" for k in range(w))
            rounds = sum(r["one_round"] for r in rows)
            print(f"{w:>7} {rate:>13,.0f} {rate * bpr / 1e6:>5.0f} {krate:>11,.0f} {rate / krate:>5.2f} {steady:>13,.0f}"
                  f" {ksteady:>11,.0f} {steady / ksteady:>5.2f} {med([r['cpu_us'] for r in rows]):>10.2f}"
                  f" {med([r['mock_cpu_us'] for r in rows]):>5.2f} {med([k['cpu_us'] for k in ks]):>5.2f} {hwm:>20}"
                  f" {max(r['dups'] for r in rows):>4.0f} {rounds:>3}/{len(rows)}")
        print("  sluice rec/s: N / (the sink's first partition assignment, from the worker logs -> the sum over the "
              "workers of its sluice_records_written_total reaches N, polled every 25 ms); kcat rec/s: N / (spawn -> exit) of one "
              "kcat -C -c N reading every partition (its output counted, then dropped); ratio: sluice / kcat; steady: from the first record seen "
              "(start-up and first fetch left out); CPU us/rec: the workers' user+sys over the run, "
              "+mock: the mock broker's, kcat: kcat's own; dups: most records written twice in a run; 1 round: runs in which "
              "the three tasks got their partitions (a third each) in one assignment and kept them (a run where they did "
              f"not, or records were written twice, is repeated, up to {TP_ATTEMPTS} tries).")
        if repeated:
            print(f"  repeated {len(repeated)} run(s) whose tasks did not get their partitions in one round (the sink's "
                  "group took another rebalance: a task placed late, or the mock's SyncGroup race): " +
                  ", ".join(f"{w} worker(s) run {r} ({rate:,.0f}/s)" for w, r, rate in repeated))
        print(f"  {os.cpu_count()} CPUs: the workers, the mock broker and the poller share them, so 2 and 3 workers cannot "
              "scale linearly here; the figures show the cost of the split, not the gain of more machines.")
    if RACES:
        print(f"\nnote: {len(RACES)} of {POSTS[0]} POST /connectors answered 409 'changed while answering' although the "
              "connector was created: the worker answered before it had applied its own config record (its progress "
              "lines name them)")
    print(f"\ncommand: RUNS={RUNS} TP_RUNS={TP_RUNS} RECORDS={RECORDS} PARTITIONS={PARTITIONS} "
          f"SESSION_TIMEOUTS='{' '.join(map(str, SESSION_TIMEOUTS))}' ONLY='{' '.join(sorted(ONLY))}' bench/cluster.sh")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    except BenchError as e:
        say(f"cluster bench: {e}")
        sys.exit(1)
    finally:
        end_all()
