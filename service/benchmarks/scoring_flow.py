"""The flow benchmarks of issue 10 (``make bench-scoring`` runs them after the engine's cases):

* end to end on the local service: gunicorn (production settings, one worker process), ``run_scoring_worker`` in a
  process of its own, moto's server for S3 and SQS, PostgreSQL. The client asks for a ticket, uploads the
  1,000,000-row file straight to the bucket, completes, and polls the submission until it is scored (scored and
  ranked are one transaction). Measured: ``complete`` to "ranked", the worker's peak RSS (``ru_maxrss``), every
  byte clients sent the web process (the client reaches it through a byte-counting TCP proxy; the upload goes to
  the bucket) and the web process's peak RSS (``VmHWM``), against the file's size;
* the worker loop's throughput: a backlog of 1,000 queued 100,000-row submissions drained by 1, then 2 worker
  processes limited to one CPU thread each (``POLARS_MAX_THREADS=1``, ``OMP_NUM_THREADS=1``), taking ten messages
  per receive (``SCORING_RECEIVE_BATCH=10``), through moto's SQS server and PostgreSQL (the file from local
  storage, so that moto's S3 does not compete for the 2 cores).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from .counting_proxy import CountingProxy
from .scoring_files import BenchmarkFiles
from .scoring_flow_stack import SERVICE_DIR, Stack, free_port, local_stack, wait_for_port

# One CPU thread per worker (a small Fargate task); ten messages per receive (SCORING_RECEIVE_BATCH): fewer SQS calls.
ONE_THREAD = {"POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1", "SCORING_RECEIVE_BATCH": "10"}
FINAL = {"scored", "invalid", "failed"}


@dataclass
class EndToEnd:
    rows: int
    file_bytes: int
    seconds: list[float] = field(default_factory=list)  # complete sent -> scored seen by the client
    server_seconds: list[float] = field(default_factory=list)  # queued_at -> scored_at in the database
    worker_peak_mib: float = 0.0
    web_received_bytes: int = 0  # everything clients sent the web process, all submissions together
    web_peak_mib: float = 0.0


@dataclass
class Throughput:
    workers: int
    submissions: int
    rows: int
    seconds: float
    latencies: list[float]
    worker_cpu_seconds: float  # all workers, the whole run
    moto_cpu_seconds: float  # moto's server (SQS), the whole run
    load_average: float  # the machine's 1-minute load average at the end (2 cores; other work shares them)

    @property
    def per_second(self) -> float:
        return self.submissions / self.seconds


def last_json(output: str) -> Any:
    return json.loads(output.strip().splitlines()[-1])


def proc_value(pid: int, file: str, key: str) -> int:
    for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    raise SystemExit(f"no {key} in /proc/{pid}/{file}")


def web_worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise SystemExit(f"expected one gunicorn worker under {master}, found {children}")
    return int(children[0])


def stop(process: subprocess.Popen[bytes]) -> tuple[float, float]:
    """SIGTERM, then the child's peak RSS in MiB (``ru_maxrss`` from ``wait4``) and its CPU seconds."""
    process.send_signal(signal.SIGTERM)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def end_to_end(files: BenchmarkFiles, repeats: int) -> EndToEnd:
    predictions = Path(files.predictions["same order"])
    data = predictions.read_bytes()
    result = EndToEnd(files.rows, len(data))
    with local_stack(storage="s3") as stack:
        setup = last_json(
            stack.python("benchmarks.scoring_flow_setup", "competition", files.truth_csv, files.metric, "1")
        )
        port = free_port()
        web = stack.manage_gunicorn(port)
        worker = stack.manage("run_scoring_worker", "--wait-seconds", "1")
        try:
            wait_for_port(port)
            proxy = CountingProxy(port)  # every byte a client sends the web process passes through it
            client = requests.Session()
            client.headers["Authorization"] = f"Token {setup['tokens'][0]}"
            base = f"http://127.0.0.1:{proxy.port}/api/v1/competitions/{setup['slug']}/submissions/"
            web_pid = web_worker_pid(web.pid)
            for _ in range(repeats):
                measure_one(client, base, data, result)
            result.web_received_bytes = proxy.sent_upstream
            result.web_peak_mib = proc_value(web_pid, "status", "VmHWM") / 1024
            proxy.close()
        finally:
            result.worker_peak_mib = stop(worker)[0]
            stop(web)
    return result


def measure_one(client: requests.Session, base: str, data: bytes, result: EndToEnd) -> None:
    ticket = client.post(base, json={"file_name": "predictions.csv", "size_bytes": len(data)}, timeout=30).json()
    upload = ticket["upload"]
    posted = requests.post(upload["url"], data=upload["fields"], files={"file": ("p.csv", data)}, timeout=120)
    posted.raise_for_status()
    started = time.perf_counter()
    completed = client.post(f"{base}{ticket['id']}/complete/", timeout=30)
    completed.raise_for_status()
    while True:
        body = client.get(f"{base}{ticket['id']}/", timeout=30).json()
        if body["status"] in FINAL:
            break
        time.sleep(0.005)
    if body["status"] != "scored":
        raise SystemExit(f"the benchmark's submission ended {body['status']}: {body['error']}")
    result.seconds.append(time.perf_counter() - started)
    result.server_seconds.append(seconds_between(body["queued_at"], body["scored_at"]))


def seconds_between(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def throughput(files: BenchmarkFiles, submissions: int, worker_counts: tuple[int, ...]) -> list[Throughput]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-flow-files-") as folder, local_stack(storage=folder) as stack:
        setup = last_json(
            stack.python("benchmarks.scoring_flow_setup", "competition", files.truth_csv, files.metric, "50")
        )
        for count in worker_counts:
            workers = [stack.manage("run_scoring_worker", "--wait-seconds", "2", **ONE_THREAD) for _ in range(count)]
            time.sleep(3)  # the workers are up and polling an empty queue
            moto_before = cpu_seconds(stack.moto_pid)
            ids = last_json(
                stack.python(
                    "benchmarks.scoring_flow_setup",
                    "backlog",
                    setup["slug"],
                    files.predictions["same order"],
                    str(submissions),
                )
            )["ids"]
            rows = wait_until_final(stack, ids)
            load = os.getloadavg()[0]
            moto_cpu = cpu_seconds(stack.moto_pid) - moto_before
            worker_cpu = sum(stop(worker)[1] for worker in workers)
            queued = [row[0] for row in rows]
            scored = [row[1] for row in rows]
            seconds = (max(scored) - min(queued)).total_seconds()
            latencies = [(done - start).total_seconds() for start, done in rows]
            results.append(Throughput(count, submissions, files.rows, seconds, latencies, worker_cpu, moto_cpu, load))
    return results


def wait_until_final(stack: Stack, ids: list[int]) -> list[Any]:
    """Poll the database until every submission is final; (queued_at, scored_at) of each."""
    import psycopg

    environment = stack.environment
    connection = psycopg.connect(
        host=environment["DATABASE_HOST"],
        port=environment["DATABASE_PORT"],
        user="app",
        dbname="postgres",
        autocommit=True,
    )
    with connection:
        while True:
            rows = connection.execute(
                "SELECT status, queued_at, scored_at FROM submissions_submission WHERE id = ANY(%s)", [ids]
            ).fetchall()
            if all(row[0] in FINAL for row in rows):
                break
            time.sleep(0.2)
    unscored = [row for row in rows if row[0] != "scored"]
    if unscored:
        raise SystemExit(f"{len(unscored)} submissions did not score: {unscored[:3]}")
    return [(row[1], row[2]) for row in rows]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(e2e: EndToEnd, runs: list[Throughput]) -> str:
    warm = e2e.seconds[1:] or e2e.seconds
    lines = [
        "## The flow on the local service (issue 10)",
        "",
        str(__doc__).split("\n\n", 1)[1].strip(),
        "",
        f"### End to end, {e2e.rows:,} rows ({e2e.file_bytes / (1 << 20):.0f} MiB), {len(e2e.seconds)} submissions",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| `complete` to ranked, first submission (the worker reads the ground truth) | {e2e.seconds[0]:.3f} s "
        "| ≤ 1 s |",
        f"| `complete` to ranked, later ones: median / max | {statistics.median(warm):.3f} / {max(warm):.3f} s "
        "| ≤ 1 s |",
        "| the same in the database (`queued_at` to `scored_at`): median "
        f"| {statistics.median(e2e.server_seconds):.3f} s | |",
        f"| worker peak RSS (`ru_maxrss`) | {e2e.worker_peak_mib:.0f} MiB | ≤ 400 MiB |",
        f"| bytes clients sent the web process, all {len(e2e.seconds)} submissions together (a counting proxy) | "
        f"{e2e.web_received_bytes / 1024:.1f} KiB | the file alone: {e2e.file_bytes / 1024:.0f} KiB |",
        f"| web process peak RSS | {e2e.web_peak_mib:.0f} MiB | |",
        "",
        f"### Worker throughput: {runs[0].submissions:,} queued {runs[0].rows:,}-row submissions, "
        "one CPU thread per worker",
        "",
        "| workers | submissions/s | p50 complete to ranked (s) | p95 (s) | drained in (s) | worker CPU per "
        "submission (ms) | moto's CPU per submission (ms) | load average at the end |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.workers} | {run.per_second:.1f} | {percentile(run.latencies, 0.5):.2f} | "
            f"{percentile(run.latencies, 0.95):.2f} | {run.seconds:.1f} | "
            f"{1000 * run.worker_cpu_seconds / run.submissions:.1f} | "
            f"{1000 * run.moto_cpu_seconds / run.submissions:.1f} | {run.load_average:.2f} |"
        )
    if len(runs) > 1:
        lines += ["", f"2 workers / 1 worker: {runs[1].per_second / runs[0].per_second:.2f}× (target ≥ 1.7×)."]
    return "\n".join(lines) + "\n"


SECTION_TITLE = "## The flow on the local service (issue 10)"


def with_section(existing: str, section: str) -> str:
    """``existing`` report text with its flow section replaced by (or extended with) ``section``."""
    kept = existing.split(SECTION_TITLE, 1)[0].rstrip()
    return f"{kept}\n\n{section}" if kept else section


def generate_files(directory: Path, rows: int, metric: str) -> BenchmarkFiles:
    command = [sys.executable, "-m", "benchmarks.scoring_data", str(directory), str(rows), metric, str(rows)]
    output = subprocess.run(command, cwd=SERVICE_DIR, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return BenchmarkFiles(**json.loads(output))


def run_flow(*, e2e_rows: int, repeats: int, backlog_rows: int, submissions: int) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-flow-") as scratch:
        directory = Path(scratch)
        big = generate_files(directory, e2e_rows, "rmse")
        print(f"end to end: {e2e_rows:,} rows, {repeats} submissions", flush=True)
        e2e = end_to_end(big, repeats)
        print(f"  complete to ranked: {[round(s, 3) for s in e2e.seconds]} s, worker {e2e.worker_peak_mib:.0f} MiB")
        small = generate_files(directory, backlog_rows, "rmse")
        runs = []
        for count in (1, 2):
            print(f"throughput: {submissions} x {backlog_rows:,} rows, {count} worker(s)", flush=True)
            (run,) = throughput(small, submissions, (count,))
            print(f"  {run.per_second:.1f} submissions/s")
            runs.append(run)
    return report(e2e, runs)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--e2e-rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backlog-rows", type=int, default=100_000)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--output", type=Path, default=SERVICE_DIR / "benchmarks" / "SCORING_RESULTS.md")
    args = parser.parse_args(argv)
    section = run_flow(
        e2e_rows=args.e2e_rows, repeats=args.repeats, backlog_rows=args.backlog_rows, submissions=args.submissions
    )
    existing = args.output.read_text() if args.output.exists() else ""
    args.output.write_text(with_section(existing, section))
    print(section)


if __name__ == "__main__":
    main()
