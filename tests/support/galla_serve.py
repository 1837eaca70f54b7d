"""`galla serve` run by the tests as a real process, as a developer starts it: in an empty folder (no .env) with a
clean environment (no PUBLIC_URL), its stdout read for the URL it says to open, its log (stderr) kept in a file."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]  # this checkout's galla and sandboxes, ahead of any installed copy
URL_LINE = re.compile(r"Open (http://\S+?)/ in your browser")
LAST_LINE = "Press Ctrl-C to stop."  # the end of what `galla serve` prints once it listens
START_SECONDS = 20.0


@dataclass
class Serving:
    """A running `galla serve`: the URL it told us to open, what it printed before, and its log file."""

    url: str
    printed: list[str]
    log: Path

    def log_records(self) -> list[dict]:
        """Every JSON line logged so far (stderr is a file, so LOG_FORMAT's auto is JSON)."""
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def clean_env(home: Path, **settings: str) -> dict[str, str]:
    """No setting of the developer's shell or of the test run leaks in: only these `settings` and what Python needs."""
    return {"PATH": os.defpath, "HOME": str(home), "PYTHONPATH": str(REPO), "LANG": "C.UTF-8", **settings}


@asynccontextmanager
async def galla_serve(folder: Path, port: int, **settings: str) -> AsyncIterator[Serving]:
    """Start `galla serve --port port` in folder with only `settings` set; stop it with Ctrl-C (SIGINT) after."""
    log = folder / "serve.log"
    with log.open("w") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "galla.cli",
            "serve",
            "--port",
            str(port),
            cwd=folder,
            env=clean_env(folder, **settings),
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    try:
        printed = await read_until_ready(proc, log)
        yield Serving(url=URL_LINE.search("".join(printed))[1], printed=printed, log=log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def read_until_ready(proc: asyncio.subprocess.Process, log: Path) -> list[str]:
    """What the server prints once it listens (up to LAST_LINE); fail with its log if it never names the URL."""
    printed: list[str] = []
    try:
        async with asyncio.timeout(START_SECONDS):
            while not printed or printed[-1].strip() != LAST_LINE:
                line = await proc.stdout.readline()
                if not line:
                    break
                printed.append(line.decode())
    except TimeoutError:
        pass
    if not URL_LINE.search("".join(printed)):
        pytest.fail(f"galla serve never said where to open it:\n{''.join(printed)}\n{log.read_text()[-4000:]}")
    return printed
