"""What the soak measures and prints: requests, windows, process memory and CPU, the verdict.

Used by bench/soak.py (read its docstring first); not a benchmark itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from harness import AppServer, Result

MAX_ERROR_RATE = 0.001
MAX_P99_RATIO = 1.5
MAX_RSS_GROWTH = 0.10
MINUTE = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

Sample = tuple[float, float, str, str | None]  # seconds since start, latency, operation, error


@dataclass
class Recorder:
    """Every request's completion time, latency, operation and error kind (None when fine)."""

    started: float = field(default_factory=time.perf_counter)
    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    expected: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    examples_per_kind: int = 3

    def record(self, op: str, latency: float, error: str | None, example: str = "") -> None:
        self.samples.append((time.perf_counter() - self.started, latency, op, error))
        if error is not None:
            self.count_error(f"{op}: {error}", example)

    def count_error(self, kind: str, example: str) -> None:
        """Count an error and keep its first examples (a malformed answer is counted here only)."""
        self.errors[kind] += 1
        shown = self.examples.setdefault(kind, [])
        if len(shown) < self.examples_per_kind:
            shown.append(example[:600])


def latencies(name: str, samples: list[Sample]) -> Result:
    """harness.Result of some samples (its percentiles, in ms)."""
    errors = sum(1 for s in samples if s[3] is not None)
    span = samples[-1][0] - samples[0][0] if samples else 0.0
    return Result(name, len(samples), errors, span, [s[1] for s in samples])


# -- processes -----------------------------------------------------------------------------------


def rss_mib(pid: int | None) -> float:
    """VmRSS of a process in MiB (NaN once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (/proc/<pid>/stat fields 14 and 15)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return float("nan")


# -- windows -------------------------------------------------------------------------------------


@dataclass
class Window:
    """One sampling interval (seconds since the start); CPU in % of one core."""

    start: float
    end: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    app_rss_mib: float
    db_rss_mib: float
    cache_mib: float  # the app's response cache, estimated from the answers it stored
    app_cpu_pct: float
    db_cpu_pct: float
    gen_cpu_pct: float
    loop_slow: int  # callbacks of the app's event loop that took >= 10 ms wall time
    loop_slow_cpu: int  # ... that used >= 10 ms of CPU (wall time includes waiting for a CPU)
    loop_max_ms: float
    py_kblocks: float  # thousands of live blocks of Python's allocator in the app (-1: unknown)

    COLUMNS = (
        ("t s", 6), ("req/s", 7), ("errors", 7), ("err %", 7), ("p50 ms", 8), ("p95 ms", 8),
        ("p99 ms", 8), ("app MiB", 9), ("db MiB", 8), ("cache", 7), ("app %", 7), ("db %", 5),
        ("gen %", 6),
        ("slow", 6), ("cpu", 4), ("max ms", 7), ("py kblk", 8),
    )  # fmt: skip
    LEGEND = (
        "  # RSS, CPU: the app (uvicorn) and db (SecantusDB) processes; gen: this load generator\n"
        "  # cache: MiB the app's response cache stored (up to 64 MiB, each answer 5 minutes)\n"
        "  # slow, cpu: app event-loop callbacks >= 10 ms wall, CPU time; max: the longest (ms)\n"
        "  # py kblk: thousands of live blocks of the app's Python allocator (live objects)"
    )

    @classmethod
    def header(cls) -> str:
        return "".join(f"{name:>{width}}" for name, width in cls.COLUMNS)

    def line(self) -> str:
        loop = (
            (str(self.loop_slow), str(self.loop_slow_cpu), f"{self.loop_max_ms:.0f}")
            if self.loop_slow >= 0
            else ("?", "?", "?")
        )
        values = (
            f"{self.end:.0f}", f"{self.rps:.1f}", str(self.errors),
            f"{self.errors / self.requests if self.requests else 0.0:.2%}",
            f"{self.p50_ms:.1f}", f"{self.p95_ms:.1f}", f"{self.p99_ms:.1f}",
            f"{self.app_rss_mib:.1f}", f"{self.db_rss_mib:.1f}", f"{self.cache_mib:.1f}",
            f"{self.app_cpu_pct:.0f}",
            f"{self.db_cpu_pct:.0f}", f"{self.gen_cpu_pct:.0f}", *loop,
            f"{self.py_kblocks:.0f}" if self.py_kblocks >= 0 else "?",
        )  # fmt: skip
        return "".join(
            f"{value:>{width}}" for value, (_, width) in zip(values, self.COLUMNS, strict=True)
        )


class Sampler:
    """Cuts the recorded requests into windows; reads the processes' memory and CPU, and the
    app event loop's slow callbacks (bench/server.py's monitor, reset every window, so that
    its record does not grow in the app's memory)."""

    def __init__(
        self,
        recorder: Recorder,
        server: AppServer,
        db_pid: int | None,
        cache_bytes: Callable[[], int],
    ) -> None:
        self.recorder = recorder
        self.cache_bytes = cache_bytes
        self.url = server.url
        self.app_pid = server.process.pid if server.process else None
        self.db_pid = db_pid
        self.windows: list[Window] = []
        self._mark = 0
        self._last = 0.0
        self._cpu = self._cpu_now()

    def _cpu_now(self) -> tuple[float, float, float]:
        return cpu_seconds(self.app_pid), cpu_seconds(self.db_pid), time.process_time()

    async def _loop_report(self, http: httpx.AsyncClient) -> dict[str, Any]:
        try:
            report: dict[str, Any] = (await http.post("/_bench/loop", params={"reset": 1})).json()
            return report
        except (httpx.HTTPError, ValueError):
            return {"slow": -1, "slow_cpu": -1, "max_ms": float("nan")}

    async def cut(self, http: httpx.AsyncClient) -> Window:
        loop = await self._loop_report(http)
        now = time.perf_counter() - self.recorder.started
        samples = self.recorder.samples[self._mark :]
        self._mark += len(samples)
        result = latencies("window", samples)
        cpu = self._cpu_now()
        elapsed = max(now - self._last, 1e-9)
        app_cpu, db_cpu, gen_cpu = (
            (b - a) / elapsed * 100 for a, b in zip(self._cpu, cpu, strict=True)
        )
        window = Window(
            start=self._last,
            end=now,
            requests=len(samples),
            errors=result.errors,
            rps=len(samples) / elapsed,
            p50_ms=result.p50,
            p95_ms=result.percentile(95),
            p99_ms=result.p99,
            app_rss_mib=rss_mib(self.app_pid),
            db_rss_mib=rss_mib(self.db_pid),
            cache_mib=self.cache_bytes() / 2**20,
            app_cpu_pct=app_cpu,
            db_cpu_pct=db_cpu,
            gen_cpu_pct=gen_cpu,
            loop_slow=int(loop["slow"]),
            loop_slow_cpu=int(loop["slow_cpu"]),
            loop_max_ms=float(loop["max_ms"]),
            py_kblocks=float(loop.get("py_blocks", -1000)) / 1000,
        )
        self._last, self._cpu = now, cpu
        self.windows.append(window)
        return window

    async def run(self, interval: float, stop_at: float) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            await self._loop_report(http)  # count from the start of the run
            print(f"{Window.LEGEND}\n{Window.header()}", flush=True)
            while (left := stop_at - time.perf_counter()) > 0:
                await asyncio.sleep(min(interval, left))
                print((await self.cut(http)).line(), flush=True)

    async def close(self) -> None:
        """A last window for the requests finished since the last cut (those still running at
        the end of the run, or all since the last cut after an interruption)."""
        if self._mark == len(self.recorder.samples):
            return
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            print((await self.cut(http)).line(), flush=True)


# -- the summary ---------------------------------------------------------------------------------


def server_errors(log_file: Path, request_ids: set[str]) -> dict[str, str]:
    """The last line of the exception the server logged for each of these requests."""
    found: dict[str, str] = {}
    for line in log_file.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        request_id = record.get("request_id")
        if request_id in request_ids and record.get("exc") and request_id not in found:
            found[request_id] = record["exc"].strip().splitlines()[-1]
    return found


def _median_window(windows: list[Window]) -> Window:
    """A window whose memory figures are the medians of `windows`'."""
    fields = ("app_rss_mib", "db_rss_mib", "cache_mib", "py_kblocks")
    medians = {name: statistics.median(getattr(w, name) for w in windows) for name in fields}
    return replace(windows[-1], **medians)


def _growth(before: float, after: float) -> float:
    return (after - before) / before if before else float("nan")


def summarise(
    recorder: Recorder,
    windows: list[Window],
    *,
    users: int,
    duration: float,
    ran: float,
    log_file: Path,
) -> dict[str, Any]:
    """Print the summary and the verdict; return them (for --json).

    The first and last minutes (halves of a run shorter than two minutes) are of the planned
    `duration`; requests still running at its end count in the last one."""
    samples = recorder.samples
    total, errors = len(samples), sum(recorder.errors.values())
    rate = errors / total if total else 0.0
    minute = min(MINUTE, duration / 2, ran / 2)
    first = latencies("first", [s for s in samples if s[0] < minute])
    last = latencies("last", [s for s in samples if s[0] >= min(duration, ran) - minute])
    p99_ratio = last.p99 / first.p99 if first.latencies and last.latencies else float("nan")
    # Memory: the median of the windows of the minute after warm-up against the median of the
    # last minute's windows (a single sample swings with when the cyclic GC last ran).
    settled = [w for w in windows if minute - 1 <= w.end < 2 * minute] or windows[:1]
    final = [w for w in windows if w.end >= min(duration, ran) - minute] or windows[-1:]
    baseline = _median_window(settled) if windows else None
    end = _median_window(final) if windows else None
    growth = _growth(baseline.app_rss_mib, end.app_rss_mib) if baseline and end else float("nan")
    db_growth = _growth(baseline.db_rss_mib, end.db_rss_mib) if baseline and end else float("nan")
    heap_growth = (
        _growth(baseline.py_kblocks, end.py_kblocks)
        if baseline and end and baseline.py_kblocks > 0
        else float("nan")
    )
    print(
        f"# summary: {ran:.0f} s, {users} users, {total:,} requests "
        f"({total / ran if ran else 0:.1f} req/s), errors {errors} ({rate:.3%})"
    )
    actions = sum(recorder.actions.values()) or 1
    shares = ", ".join(f"{g} {n:,} ({n / actions:.1%})" for g, n in recorder.actions.items())
    print(f"  actions: {shares}")
    print(f"  {'operation':<18} {'requests':>8} {'errors':>6} {'p50':>8} {'p95':>8} {'p99 ms':>8}")
    operations: dict[str, dict[str, float]] = {}
    for op in sorted({s[2] for s in samples}):
        result = latencies(op, [s for s in samples if s[2] == op])
        p50, p95, p99 = result.p50, result.percentile(95), result.p99
        operations[op] = {"requests": result.requests, "errors": result.errors,
                          "p50_ms": p50, "p95_ms": p95, "p99_ms": p99}  # fmt: skip
        print(f"  {op:<18} {result.requests:8,} {result.errors:6} {p50:8.1f} {p95:8.1f} {p99:8.1f}")
    for title, counts in (("expected answers", recorder.expected), ("skipped", recorder.skipped)):
        if counts:
            print(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if recorder.errors:
        shown = {e.split(" ", 1)[0] for examples in recorder.examples.values() for e in examples}
        logged = server_errors(log_file, shown)
        print(f"  errors by kind (server log {log_file}):")
        for kind, count in recorder.errors.most_common():
            print(f"    {count:6}  {kind}")
            for example in recorder.examples[kind]:
                print(f"            {example}")
                if cause := logged.get(example.split(" ", 1)[0]):
                    print(f"              server: {cause}")
    print(
        f"  first {minute:.0f} s: p95 {first.percentile(95):.1f} ms, p99 {first.p99:.1f} ms; "
        f"last {minute:.0f} s: p95 {last.percentile(95):.1f} ms, p99 {last.p99:.1f} ms; "
        f"p99 last/first {p99_ratio:.2f}x"
    )
    if baseline and end:
        print(
            f"  RSS app {baseline.app_rss_mib:.1f} MiB after warm-up -> "
            f"{end.app_rss_mib:.1f} MiB at the end ({growth:+.1%}), of which the response "
            f"cache {end.cache_mib - baseline.cache_mib:+.1f} MiB (estimate); database "
            f"{baseline.db_rss_mib:.1f} -> {end.db_rss_mib:.1f} MiB ({db_growth:+.1%}); "
            f"live Python blocks in the app {baseline.py_kblocks:,.0f}k -> "
            f"{end.py_kblocks:,.0f}k ({heap_growth:+.1%}) (medians of the settled and the last "
            "minute's windows)"
        )
    verdicts = {
        f"error rate {rate:.3%} < {MAX_ERROR_RATE:.1%}": rate < MAX_ERROR_RATE,
        f"p99 last/first {p99_ratio:.2f}x <= {MAX_P99_RATIO}x": p99_ratio <= MAX_P99_RATIO,
        f"app RSS growth {growth:+.1%} < {MAX_RSS_GROWTH:.0%}": growth < MAX_RSS_GROWTH,
    }
    for label, ok in verdicts.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    if ran < 10 * MINUTE - 1:
        print(f"  (the targets are for a 10-minute run; this one ran {ran:.0f} s)")
    return {
        "seconds": ran,
        "requests": total,
        "errors": errors,
        "error_rate": rate,
        "actions": dict(recorder.actions),
        "operations": operations,
        "error_kinds": dict(recorder.errors),
        "error_examples": recorder.examples,
        "expected_answers": dict(recorder.expected),
        "skipped": dict(recorder.skipped),
        "first": {"seconds": minute, "p95_ms": first.percentile(95), "p99_ms": first.p99},
        "last": {"seconds": minute, "p95_ms": last.percentile(95), "p99_ms": last.p99},
        "p99_ratio": p99_ratio,
        "app_rss_growth": growth,
        "app_heap_growth": heap_growth,
        "db_rss_growth": db_growth,
        "verdicts": verdicts,
        "passed": all(verdicts.values()),
    }
