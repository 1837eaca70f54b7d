"""A sandbox's command line run by the tests as a real process: started, its banner read, stopped."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


@asynccontextmanager
async def running_command(module: str, port: int, *options: str, banner_lines: int) -> AsyncIterator[list[str]]:
    """Run `python -m module --port port options…`; yield the first lines it prints, and stop it afterwards."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "--port",
        str(port),
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield [(await asyncio.wait_for(proc.stdout.readline(), 10)).decode() for _ in range(banner_lines)]
    finally:
        proc.terminate()
        await proc.wait()
