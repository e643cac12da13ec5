"""Stack benchmark: our whole assistant against a stock `rasa init` assistant, on this machine, in one run.

    .venv/bin/python -m bench.stack                    # everything, several minutes
    .venv/bin/python -m bench.stack --skip-training    # reuse models/current.tar.gz; no training times
    .venv/bin/python -m bench.stack --env DATABASE_URL=postgresql://...   # extra settings for OUR servers

What it measures, in this order (so that nothing measured competes with the benchmark's own work):
 1. training from scratch: ours (`rasa train --force` with an empty Rasa cache) and stock (`rasa init --no-prompt`,
    which scaffolds and trains; the stock model is needed anyway, so it is made even with --skip-training);
 2. triage: `iep-navigator triage --jsonl` over N scenario messages, msgs/s with process start-up and without
    (start-up taken as the fastest of two 1-line runs);
 3. seconds from spawning each Rasa server to its first good answer (ours: action server already up);
 4. load, rounds ours, stock, ours, stock after a short uncounted warm-up: C concurrent conversations of T turns
    each, with the same seeded scripts from data/scenarios; throughput = completed (2xx) turns / round wall time,
    percentiles over completed turns, errors = non-2xx, timeouts, connection errors, empty answers, and the
    servers' CPU time per turn (from /proc: less sensitive than wall time to other work on the machine);
 5. memory of every server right after the load rounds: VmRSS and PSS, process and children (with several
    Sanic workers RSS counts the libraries shared since the fork once per worker; PSS splits them);
 6. sequential latency: one conversation at a time, at least 100 turns, per system.

Prints a table with targets and PASS/FAIL verdicts and writes bench/out/stack-<timestamp>.json and
bench/out/stack-latest.json. Exits 0 whatever the verdicts: it is a benchmark, not a test. Numbers depend on
the machine and on whatever else runs on it: the JSON records the load average around every round.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from bench.conversations import Scenario, conversation_scripts, load_scenarios, spanish_share, triage_items
from bench.load import Client, OursClient, Run, StockClient, Summary, concurrent_round, merge, new_session, sequential
from bench.procs import cpu_seconds, pss_mb, rss_mb, run_timed
from bench.servers import close_ours, init_stock, ours_pids, start_ours, start_stock, train_ours
from tests.stack import API_KEY, ROOT, VENV, Stack

OUT = Path(__file__).resolve().parent / "out"
BASE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
# The load comes from one address, each conversation far faster than a parent types: our rate limits
# would answer most of it with 429 (tests/test_limits.py covers them). The stock assistant has none.
UNLIMITED = {"IEP_RATE_CONVERSATION": "99999/1", "IEP_RATE_ADDRESS": "99999/1", "IEP_RATE_API_KEY": "99999/1"}


@dataclass(frozen=True)
class Options:
    skip_training: bool
    env: dict[str, str]
    conversations: int
    turns: int
    seed: int
    warmup: int
    sequential_turns: int
    triage_lines: int
    keep: bool


@dataclass(frozen=True)
class Training:
    ours_s: float | None
    stock_s: float | None  # `rasa init --no-prompt`: scaffold (well under a second) + training
    note: str = ""


@dataclass(frozen=True)
class Triage:
    lines: int
    full_run_s: float
    one_line_run_s: float
    per_s_with_startup: float
    per_s_without_startup: float | None


@dataclass(frozen=True)
class RoundResult:
    system: str
    number: int
    summary: Summary
    server_cpu_s: float  # CPU time the system's server processes used during the round
    loadavg_before: str
    loadavg_after: str

    @property
    def cpu_ms_per_turn(self) -> float | None:
        return round(self.server_cpu_s * 1000 / self.summary.completed, 1) if self.summary.completed else None


@dataclass
class HttpResults:
    rounds: list[RoundResult] = field(default_factory=list)
    load: dict[str, Summary] = field(default_factory=dict)
    cpu_ms_per_turn: dict[str, float | None] = field(default_factory=dict)
    memory_mb: dict[str, float | None] = field(default_factory=dict)
    sequential: dict[str, Summary] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    measure: str
    ours: str
    stock: str
    ratio: str
    target: str
    verdict: str


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.stack", description=__doc__.split("\n")[0])
    parser.add_argument("--skip-training", action="store_true", help="do not time training (stock is still trained)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for our servers, our training and triage (repeatable)")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--warmup", type=int, default=3, help="warm-up conversations per system (not counted)")
    parser.add_argument("--sequential-turns", type=int, default=100)
    parser.add_argument("--triage-lines", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases, models)")
    args = parser.parse_args(argv)
    if args.turns < 2 or args.conversations < 1:
        parser.error("need at least one conversation of at least 2 turns")
    extra = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--env expects KEY=VALUE, got {item!r}")
        extra[key] = value
    return Options(args.skip_training, extra, args.conversations, args.turns, args.seed, args.warmup,
                   args.sequential_turns, args.triage_lines, args.keep)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure_training(work: Path, ours_env: dict[str, str], env: dict[str, str], skip: bool) -> tuple[Training, Path]:
    """Training times, and the stock assistant's folder (always made: the stock server needs its model)."""
    ours_s = None if skip else train_ours(work / "ours-train", ours_env, work / "ours-train.log")
    stock_dir = work / "stock"
    stock_s = init_stock(stock_dir, env, work / "stock-init.log")
    note = "skipped (--skip-training)" if skip else ""
    return Training(ours_s, None if skip else stock_s, note), stock_dir


def measure_triage(work: Path, env: dict[str, str], scenarios: list[Scenario], lines: int, seed: int) -> Triage:
    items = triage_items(scenarios, lines, seed)
    full, one = work / "triage.jsonl", work / "triage-one.jsonl"
    full.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    one.write_text(json.dumps(items[0]) + "\n", encoding="utf-8")
    one_line_s = min(_triage_run(one, 1, work, env) for _ in range(2))
    full_s = _triage_run(full, lines, work, env)
    # Too few lines to rise above start-up noise: no figure rather than a meaningless one.
    without = round((lines - 1) / (full_s - one_line_s), 1) if full_s > one_line_s else None
    return Triage(lines, round(full_s, 3), round(one_line_s, 3), round(lines / full_s, 1), without)


def _triage_run(path: Path, expected: int, work: Path, env: dict[str, str]) -> float:
    out = work / "triage-out.jsonl"
    out.unlink(missing_ok=True)
    seconds = run_timed([str(VENV / "iep-navigator"), "triage", "--jsonl", str(path)], cwd=ROOT, env=env,
                        log=work / "triage.log", timeout=900, stdout=out)
    answered = sum(1 for line in out.read_text(encoding="utf-8").splitlines() if line.strip())
    if answered != expected:
        raise RuntimeError(f"triage answered {answered} of {expected} lines: see {work / 'triage.log'}")
    return seconds


async def measure_http(ours: Client, stock: Client, scripts: list[list[str]], options: Options,
                       memory: Callable[[], dict[str, float | None]],
                       cpu: dict[str, Callable[[], float]]) -> HttpResults:
    results = HttpResults()
    limit = max(100, options.conversations * 2)
    async with new_session(limit) as ours_session, new_session(limit) as stock_session:
        sessions = {ours.name: ours_session, stock.name: stock_session}
        for client in (ours, stock):
            await concurrent_round(client, sessions[client.name], scripts[:options.warmup], "warmup")
        runs: dict[str, list[Run]] = {ours.name: [], stock.name: []}
        for number, client in enumerate((ours, stock, ours, stock), start=1):
            before, cpu_before = loadavg(), cpu[client.name]()
            run = await concurrent_round(client, sessions[client.name], scripts, f"round{number}")
            cpu_used = round(cpu[client.name]() - cpu_before, 2)
            runs[client.name].append(run)
            results.rounds.append(RoundResult(client.name, number, run.summary(), cpu_used, before, loadavg()))
            print(f"  round {number} ({client.name}): {_brief(run.summary())}", flush=True)
        results.load = {name: merge(system_runs).summary() for name, system_runs in runs.items()}
        results.cpu_ms_per_turn = {name: _cpu_ms_per_turn([r for r in results.rounds if r.system == name])
                                   for name in runs}
        results.memory_mb = memory()
        for client in (ours, stock):
            run = await sequential(client, sessions[client.name], scripts, options.sequential_turns, "sequential")
            results.sequential[client.name] = run.summary()
            print(f"  sequential ({client.name}): {_brief(run.summary())}", flush=True)
    return results


def _cpu_ms_per_turn(rounds: list[RoundResult]) -> float | None:
    completed = sum(r.summary.completed for r in rounds)
    return round(sum(r.server_cpu_s for r in rounds) * 1000 / completed, 1) if completed else None


def _brief(summary: Summary) -> str:
    return (f"{_counts(summary)} good/completed/sent in {summary.wall_s:.1f} s, {summary.throughput} msg/s, "
            f"p50 {summary.p50_ms} ms, p95 {summary.p95_ms} ms, errors {summary.errors or 0}")


def memory_of(pids: dict[str, int]) -> Callable[[], dict[str, float | None]]:
    return lambda: {**{name: rss_mb(pid) for name, pid in pids.items()},
                    **{f"{name}_pss": pss_mb(pid) for name, pid in pids.items()}}


def cpu_of(pids: list[int]) -> Callable[[], float]:
    return lambda: sum(cpu_seconds(pid) for pid in pids)


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(ours: float | None, stock: float | None) -> str:
    return "—" if ours is None or not stock else f"{ours / stock:.2f}"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "FAIL")


def _le(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def rows(training: Training, triage: Triage, startup: dict[str, float], http: HttpResults) -> list[Row]:
    ours, stock = http.load["ours"], http.load["stock"]
    seq_ours, seq_stock = http.sequential["ours"], http.sequential["stock"]
    mem = http.memory_mb
    return [
        Row("load throughput (msg/s)", _num(ours.throughput, 2), _num(stock.throughput, 2),
            _ratio(ours.throughput, stock.throughput), "ours ≥ stock", _verdict(ours.throughput >= stock.throughput)),
        Row("load p50 (ms)", _num(ours.p50_ms), _num(stock.p50_ms), _ratio(ours.p50_ms, stock.p50_ms), "", ""),
        Row("load p95 (ms)", _num(ours.p95_ms), _num(stock.p95_ms), _ratio(ours.p95_ms, stock.p95_ms),
            "ours ≤ stock",
            _verdict(None if ours.p95_ms is None or stock.p95_ms is None else ours.p95_ms <= stock.p95_ms)),
        Row("load p99 (ms)", _num(ours.p99_ms), _num(stock.p99_ms), _ratio(ours.p99_ms, stock.p99_ms), "", ""),
        Row("server CPU per load turn (ms)", _num(http.cpu_ms_per_turn["ours"]), _num(http.cpu_ms_per_turn["stock"]),
            _ratio(http.cpu_ms_per_turn["ours"], http.cpu_ms_per_turn["stock"]), "", ""),
        Row("load turns good/completed/sent", _counts(ours), _counts(stock), "", "", ""),
        Row("load errors", _errors(ours), _errors(stock), "", "ours 0", _verdict(not ours.errors)),
        Row("sequential p50 (ms)", _num(seq_ours.p50_ms), _num(seq_stock.p50_ms),
            _ratio(seq_ours.p50_ms, seq_stock.p50_ms), "ours ≤ 60", _verdict(_le(seq_ours.p50_ms, 60))),
        Row("sequential p95 (ms)", _num(seq_ours.p95_ms), _num(seq_stock.p95_ms),
            _ratio(seq_ours.p95_ms, seq_stock.p95_ms), "", ""),
        Row("sequential errors", _errors(seq_ours), _errors(seq_stock), "", "ours 0", _verdict(not seq_ours.errors)),
        Row("RSS Rasa server (MB)", _num(mem.get("ours_rasa"), 0), _num(mem.get("stock_rasa"), 0),
            _ratio(mem.get("ours_rasa"), mem.get("stock_rasa")), "ours ≤ 1500",
            _verdict(_le(mem.get("ours_rasa"), 1500))),
        Row("PSS Rasa server (MB)", _num(mem.get("ours_rasa_pss"), 0), _num(mem.get("stock_rasa_pss"), 0),
            _ratio(mem.get("ours_rasa_pss"), mem.get("stock_rasa_pss")), "", ""),
        Row("RSS action server (MB)", _num(mem.get("ours_actions"), 0), "not run", "", "", ""),
        Row("first answer after spawn (s)", _num(startup["ours"]), _num(startup["stock"]),
            _ratio(startup["ours"], startup["stock"]), "ours ≤ 30", _verdict(startup["ours"] <= 30)),
        Row("training from scratch (s)", _num(training.ours_s) if training.ours_s is not None else training.note,
            _num(training.stock_s) if training.stock_s is not None else training.note,
            _ratio(training.ours_s, training.stock_s), "ours ≤ 300", _verdict(_le(training.ours_s, 300))),
        Row("triage msg/s, with start-up", _num(triage.per_s_with_startup), "", "", "", ""),
        Row("triage msg/s, without start-up", _num(triage.per_s_without_startup), "", "", "≥ 50",
            _verdict(None if triage.per_s_without_startup is None else triage.per_s_without_startup >= 50)),
    ]


def _counts(summary: Summary) -> str:
    return f"{summary.ok}/{summary.completed}/{summary.turns}"


def _errors(summary: Summary) -> str:
    if not summary.errors:
        return "0"
    return f"{summary.error_count} (" + ", ".join(f"{k} {v}" for k, v in sorted(summary.errors.items())) + ")"


def table(header: Sequence[str], body: list[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *body)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)])


def round_table(http: HttpResults) -> str:
    body = [[str(r.number), r.system, _counts(r.summary), _errors(r.summary),
             _num(r.summary.wall_s, 2), _num(r.summary.throughput, 2), _num(r.summary.p50_ms), _num(r.summary.p95_ms),
             _num(r.summary.p99_ms), _num(r.summary.max_ms), _num(r.cpu_ms_per_turn), r.loadavg_before]
            for r in http.rounds]
    return table(["round", "system", "good/done/sent", "errors", "wall s", "msg/s", "p50 ms", "p95 ms", "p99 ms",
                  "max ms", "CPU ms/turn", "loadavg before"], body)


def write_report(report: dict) -> Path:
    OUT.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = OUT / f"stack-{stamp}.json"
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")
    (OUT / "stack-latest.json").write_text(text + "\n", encoding="utf-8")
    return path


def git_state() -> dict[str, object]:
    """The commit, and the files that differ from it: the servers run the working tree as it is."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD").strip(), "changed": git("status", "--porcelain").splitlines()}


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so the finally blocks kill every server started


def run(options: Options) -> int:
    began = time.perf_counter()
    env = {**os.environ, **BASE_ENV}
    ours_env = {**env, **options.env}
    scenarios = load_scenarios()
    scripts = conversation_scripts(scenarios, options.conversations, options.turns, options.seed)
    share = spanish_share(scenarios, scripts)
    work = Path(tempfile.mkdtemp(prefix="iep-bench-"))
    print(f"Working in {work} ({options.conversations} conversations x {options.turns} turns, seed {options.seed}; "
          f"{share:.0%} of the messages from Spanish-speaking parents)", flush=True)
    succeeded = False
    try:
        print("Training..." if not options.skip_training else "Making the stock assistant (rasa init)...", flush=True)
        training, stock_dir = measure_training(work, ours_env, env, options.skip_training)
        print(f"  ours {_num(training.ours_s)} s, stock {_num(training.stock_s)} s", flush=True)
        print("Triage...", flush=True)
        triage = measure_triage(work, ours_env, scenarios, options.triage_lines, options.seed)
        print(f"  {triage}", flush=True)
        with ExitStack() as servers:
            print("Starting our stack and the stock assistant...", flush=True)
            (work / "ours").mkdir()
            stack = Stack(work / "ours", {**BASE_ENV, **UNLIMITED, **options.env})
            servers.callback(close_ours, stack)
            startup = {"ours": start_ours(stack)}
            stock, startup["stock"] = start_stock(stock_dir, env, work / "stock-run.log")
            servers.callback(stock.close)
            print(f"  first answer: ours {startup['ours']:.1f} s, stock {startup['stock']:.1f} s", flush=True)
            pids = {f"ours_{name}": pid for name, pid in ours_pids(stack).items()}
            pids["stock_rasa"] = stock.proc.pid
            print("Load and latency...", flush=True)
            cpu = {"ours": cpu_of([pids["ours_rasa"], pids["ours_actions"]]), "stock": cpu_of([pids["stock_rasa"]])}
            http = asyncio.run(measure_http(OursClient(stack.rasa_url, API_KEY), StockClient(stock.url), scripts,
                                            options, memory_of(pids), cpu))
        wall = time.perf_counter() - began
        report_rows = rows(training, triage, startup, http)
        print()
        print(round_table(http))
        print()
        print(table(["measure", "ours", "stock", "ratio", "target", "verdict"],
                    [[r.measure, r.ours, r.stock, r.ratio, r.target, r.verdict] for r in report_rows]))
        path = write_report({
            "when": datetime.now().isoformat(timespec="seconds"), "git": git_state(), "cpus": os.cpu_count(),
            "spanish_share": round(share, 3),
            "wall_s": round(wall, 1), "options": asdict(options) | {"env": sorted(options.env)},
            "notes": {"throughput": "completed (2xx) turns / wall time of the round (aggregate: over the sum of "
                                    "wall times); ok_throughput counts only turns with a non-empty answer",
                      "latency": "per turn, completed (2xx) turns, statistics.quantiles(n=100, method='inclusive')",
                      "errors": "non-2xx, timeouts, connection errors, unreadable or empty answers (stock's "
                                "`rasa init` bot answers some messages with an empty list)",
                      "ours_first_answer": "spawn of our Rasa process (action server already up) to first good turn",
                      "stock_tracker_store": "in-memory (rasa init default); ours is SQLite",
                      "memory": "VmRSS of process + descendants, MiB, right after the load rounds",
                      "cpu_ms_per_turn": "user+system CPU of the system's servers (ours: Rasa + action server) "
                                         "during its load rounds / completed turns: less sensitive than wall "
                                         "time to other work on the machine"},
            "training": asdict(training), "triage": asdict(triage), "first_answer_s": startup,
            "load": {name: asdict(s) for name, s in http.load.items()},
            "rounds": [asdict(r) | {"cpu_ms_per_turn": r.cpu_ms_per_turn} for r in http.rounds],
            "cpu_ms_per_turn": http.cpu_ms_per_turn, "memory_mb": http.memory_mb,
            "sequential": {name: asdict(s) for name, s in http.sequential.items()},
            "table": [asdict(r) for r in report_rows],
        })
        print(f"\nWall time {wall:.0f} s. Wrote {path.relative_to(ROOT)} and bench/out/stack-latest.json")
        succeeded = True
    finally:
        if succeeded and not options.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"Logs and data kept in {work}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
