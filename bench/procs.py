"""Process helpers for the benchmark, without psutil: resident memory from /proc, timed commands,
and killing what the benchmark started (by process id or by its own process group, never by name)."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Mapping, Sequence


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name in field 2 may hold spaces or parentheses: split after its closing one.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = [pid]
    while pending:
        kids = children(pending.pop())
        found.extend(kids)
        pending.extend(kids)
    return found


def rss_mb(pid: int) -> float | None:
    """VmRSS of the process and all its descendants, in MB (MiB); None if it is gone."""
    total_kb = 0
    for one in [pid, *descendants(pid)]:
        kb = _vmrss_kb(one)
        if kb is None and one == pid:
            return None
        total_kb += kb or 0
    return round(total_kb / 1024, 1)


def pss_mb(pid: int) -> float | None:
    """Proportional set size of the process and its descendants, in MB: pages shared between forked
    workers (the libraries loaded before the fork) are counted once, split between them, where VmRSS
    counts them in every worker."""
    total_kb = 0
    for one in [pid, *descendants(pid)]:
        try:
            lines = Path(f"/proc/{one}/smaps_rollup").read_text().splitlines()
        except OSError:
            if one == pid:
                return None
            continue
        total_kb += next((int(line.split()[1]) for line in lines if line.startswith("Pss:")), 0)
    return round(total_kb / 1024, 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by the process and its live descendants."""
    ticks = 0
    for one in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def _vmrss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return 0  # a zombie has no VmRSS line


def kill_pids(pids: Sequence[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kill_group(proc: subprocess.Popen) -> None:
    """Kills a process started with start_new_session=True, and everything in its group."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def run_timed(command: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path,
              timeout: float, stdout: Path | None = None) -> float:
    """Wall seconds of a command run to completion; raises if it fails or outlasts `timeout`."""
    with open(log, "ab") as err, open(stdout or log, "ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(command), cwd=cwd, env=dict(env), stdout=out, stderr=err,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                kill_group(proc)
        elapsed = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f"{command[0]} {command[1] if len(command) > 1 else ''} exited {code}: see {log}")
    return elapsed
