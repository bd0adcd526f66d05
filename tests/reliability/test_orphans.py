"""A ``kill -9`` of a default ``qgkg build`` (parallel workers): no worker outlives it, and the next build
takes over the dead build's lock with a warning instead of refusing to run (issue 16)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.build.lock import BuildLock

PLANS = 60
DEADLINE = 60.0  # seconds to wait for a state that should come at once; a deadline, not a measure


def _children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {DEADLINE:g} s")
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_kill_9_of_a_default_build_leaves_no_worker_and_no_lock(tmp_path: Path) -> None:
    from bench.generate import generate

    folder = tmp_path / "plans"
    generate(folder, PLANS, 16)
    store = tmp_path / "store"
    cmd = [sys.executable, "-m", "qgkg.cli", "build", "-q", "--store", str(store), str(folder)]  # default --jobs
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()

    def workers_started() -> bool:
        workers.update(_children(proc.pid))
        return bool(workers) or proc.poll() is not None

    _until(workers_started, "the build started no worker")
    assert proc.poll() is None, "the build ended before its workers could be seen; give it more plans"
    if (os.cpu_count() or 1) > 1:
        assert workers, "a default build on several cores extracts in worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=DEADLINE)
    _until(lambda: not any(_alive(w) for w in workers), "the workers of the killed build did not die")
    assert (store / "build.lock").read_text().startswith(f"pid {proc.pid}")

    again = subprocess.run([*cmd[:4], "--jobs", "1", *cmd[4:]], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"(pid {proc.pid}) is no longer running; its lock was taken over" in again.stdout
    assert (store / "build.lock").read_text() == ""  # a build that ends empties it


def test_a_live_build_lock_is_still_refused(tmp_path: Path) -> None:
    with BuildLock(tmp_path) as held:
        assert held.taken_over is None
        holder = subprocess.run(
            [sys.executable, "-c", "import sys; from pathlib import Path; from graph.build.lock import BuildLock\n"
             "try:\n    BuildLock(Path(sys.argv[1])).__enter__()\nexcept Exception as e:\n    print(e)", str(tmp_path)],
            capture_output=True, text=True, timeout=60)
        assert "another build is running (pid " in holder.stdout
