"""One stack under test: a checkout server and both gateway sandboxes, each its own process on its own port."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from sandboxes.common.gcfreeze import keep_survivors_frozen

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "bench" / "results" / "logs"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WEBHOOK_PARALLEL = 32  # a gateway under load delivers many events at once, not one by one
# What stands in for the outside world (the shoppers' generator, both sandboxes) runs this much nicer than
# the server: on a 2-core machine it would otherwise take turns on the server's core, and the loop lag would
# measure the OS scheduler rather than Galla. In production they are other machines.
OUTSIDE_NICENESS = 10
# Servers are started from this thread, which keeps the priority the bench began with (Linux keeps a nice
# value per thread, and a child inherits the one of the thread that forked it).
SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-spawner")


def split_cpus(allowed: set[int]) -> tuple[set[int], set[int]]:
    """The CPUs for the server and for everything else: one of its own when there are two or more, else all."""
    if len(allowed) < 2:
        return allowed, allowed
    server = min(allowed)
    return {server}, allowed - {server}


# The server gets a CPU to itself and the outside world the others. Niceness alone still let the scheduler put a
# sandbox on the server's CPU, where each of its turns delayed the loop by milliseconds; in production they are
# other machines. A single-threaded server loses nothing: it never uses more than one CPU.
SERVER_CPUS, OUTSIDE_CPUS = split_cpus(os.sched_getaffinity(0))


def pin(pid: int, cpus: set[int]) -> None:
    """Keep every thread of a process on these CPUs (threads it starts later inherit them)."""
    with contextlib.suppress(FileNotFoundError):  # a process that has just ended: its caller finds out
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(ProcessLookupError):  # a thread that has just ended
                os.sched_setaffinity(int(tid), cpus)


def step_aside() -> None:
    """Lower the calling thread (the shoppers' generator) to OUTSIDE_NICENESS and move this process to the
    outside CPUs; servers started later keep our priority and get SERVER_CPUS. Freeze the collector's
    survivors too: a full collection over the tallies would stop the shoppers' arrivals for 100 ms and more."""
    SPAWNER.submit(int).result()  # the spawner thread must exist before the change, or it inherits it
    os.setpriority(os.PRIO_PROCESS, 0, OUTSIDE_NICENESS)  # 0: this thread only, on Linux
    pin(os.getpid(), OUTSIDE_CPUS)
    keep_survivors_frozen()


def free_port() -> int:
    """Return a TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time a process (all its threads) has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Keys:
    """The test keys one stack's server and sandboxes share."""

    razorpay_key_id: str = field(default_factory=lambda: "rzp_test_" + secrets.token_hex(7))
    razorpay_key_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    razorpay_webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    stripe_secret_key: str = field(default_factory=lambda: "sk_test_" + secrets.token_urlsafe(24))
    stripe_publishable_key: str = field(default_factory=lambda: "pk_test_" + secrets.token_urlsafe(24))
    stripe_webhook_secret: str = field(default_factory=lambda: "whsec_" + secrets.token_urlsafe(24))
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))


@dataclass
class Stack:
    """Where a running stack's processes listen, and their pids."""

    name: str
    server: str  # "galla", "blocking" (the default executor) or "threads" (a pool of a thread per shopper)
    latency: float
    keys: Keys
    server_url: str
    razorpay_url: str
    stripe_url: str
    processes: dict[str, subprocess.Popen]
    store: str

    @property
    def server_pid(self) -> int:
        """The checkout server's pid (the one whose CPU time is reported)."""
        return self.processes["server"].pid

    def cpu(self) -> dict[str, float]:
        """Return each process's CPU seconds so far."""
        return {role: cpu_seconds(proc.pid) for role, proc in self.processes.items()}


def module_in(root: Path, module: str) -> str:
    """`module`'s name in the tree at root: trees before the galla/ package (issue 25) had views/ and sandbox/."""
    if (root / "galla").is_dir():
        return module
    return {"galla.cli": "views.cli", "sandboxes.razorpay": "sandbox.razorpay", "sandboxes.stripe": "sandbox.stripe"}[
        module
    ]


def server_command(server: str, port: int, threads: int = 0, root: Path = ROOT) -> list[str]:
    """The command line that serves the shop: `galla serve`, or the blocking baseline ("threads": on `threads`)."""
    if server == "galla":
        return [sys.executable, "-m", module_in(root, "galla.cli"), "serve", "--port", str(port)]
    baseline = [sys.executable, "-m", "bench.blocking", "--port", str(port)]
    return [*baseline, "--threads", str(threads)] if server == "threads" else baseline


def server_env(
    keys: Keys, port: int, razorpay_url: str, stripe_url: str, name: str, root: Path = ROOT
) -> dict[str, str]:
    """The settings a shop with real-looking keys gets, pointed at the sandboxes (real MongoDB if MONGODB_URI)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RAZORPAY_", "STRIPE_"))}
    env.update(
        RAZORPAY_KEY_ID=keys.razorpay_key_id,
        RAZORPAY_KEY_SECRET=keys.razorpay_key_secret,
        RAZORPAY_WEBHOOK_SECRET=keys.razorpay_webhook_secret,
        RAZORPAY_API_BASE=razorpay_url,
        STRIPE_SECRET_KEY=keys.stripe_secret_key,
        STRIPE_PUBLISHABLE_KEY=keys.stripe_publishable_key,
        STRIPE_WEBHOOK_SECRET=keys.stripe_webhook_secret,
        STRIPE_API_BASE=stripe_url,
        ADMIN_PASSWORD=keys.admin_password,
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        # Every simulated shopper comes from 127.0.0.1: the per-client limit would stop the second one.
        CHECKOUT_RATE_LIMIT="1000000/second",
        PUBLIC_GATEWAY_RATE_LIMIT="1000000/second",
        PYTHONPATH=str(root),
    )
    if env.get("MONGODB_URI"):
        env["MONGODB_DB"] = f"galla_bench_{name}_{secrets.token_hex(3)}"
    return env


def sandbox_commands(keys: Keys, ports: dict[str, int], latency: float, root: Path = ROOT) -> dict[str, list[str]]:
    """The command lines of both sandboxes, delivering their webhooks to the server."""
    server = f"http://127.0.0.1:{ports['server']}"
    common = [f"--latency={latency}", f"--webhook-parallel={WEBHOOK_PARALLEL}"]
    # --option=value: a generated secret may start with "-", which argparse would read as an option.
    return {
        "razorpay": [
            sys.executable,
            "-m",
            module_in(root, "sandboxes.razorpay"),
            f"--port={ports['razorpay']}",
            f"--key-id={keys.razorpay_key_id}",
            f"--key-secret={keys.razorpay_key_secret}",
            f"--webhook-url={server}/webhooks/razorpay",
            f"--webhook-secret={keys.razorpay_webhook_secret}",
            *common,
        ],
        "stripe": [
            sys.executable,
            "-m",
            module_in(root, "sandboxes.stripe"),
            f"--port={ports['stripe']}",
            f"--secret-key={keys.stripe_secret_key}",
            f"--publishable-key={keys.stripe_publishable_key}",
            f"--webhook-url={server}/webhooks/stripe",
            f"--webhook-secret={keys.stripe_webhook_secret}",
            *common,
        ],
    }


async def wait_until_up(url: str, deadline: float, process: subprocess.Popen, role: str) -> None:
    """Poll url until it answers 200; fail early if the process died."""
    async with aiohttp.ClientSession() as session:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the {role} process exited with {process.returncode}; see {LOGS}/")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {role} process did not answer {url} in time; see {LOGS}/")
            await asyncio.sleep(0.1)


async def set_latency(stack: Stack, session: aiohttp.ClientSession, seconds: float) -> None:
    """Change the latency the Razorpay sandbox adds to every REST call, live (PUT /sandbox/latency)."""
    auth = aiohttp.BasicAuth(stack.keys.razorpay_key_id, stack.keys.razorpay_key_secret)
    async with session.put(stack.razorpay_url + "/sandbox/latency", json={"seconds": seconds}, auth=auth) as resp:
        resp.raise_for_status()


@contextlib.asynccontextmanager
async def running_stack(
    name: str, server: str, latency: float, root: Path = ROOT, threads: int = 0
) -> AsyncIterator[Stack]:
    """Start a server and both sandboxes with `latency` seconds on every gateway call; stop them at exit.

    `root` is the source tree they run from: another checkout of Galla, to compare two versions side by side.
    `threads` sizes the pool of the "threads" baseline.
    """
    LOGS.mkdir(parents=True, exist_ok=True)
    keys = Keys()
    ports = {role: free_port() for role in ("server", "razorpay", "stripe")}
    urls = {role: f"http://127.0.0.1:{port}" for role, port in ports.items()}
    commands = {
        **sandbox_commands(keys, ports, latency, root),
        "server": server_command(server, ports["server"], threads, root),
    }
    env = server_env(keys, ports["server"], urls["razorpay"], urls["stripe"], name, root)
    processes: dict[str, subprocess.Popen] = {}
    try:
        for role, command in commands.items():
            with open(LOGS / f"{name}-{role}.log", "wb") as log:
                processes[role] = await asyncio.get_running_loop().run_in_executor(
                    SPAWNER,
                    functools.partial(
                        subprocess.Popen, command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT
                    ),
                )
            pin(processes[role].pid, SERVER_CPUS if role == "server" else OUTSIDE_CPUS)
            if role != "server":
                os.setpriority(os.PRIO_PROCESS, processes[role].pid, OUTSIDE_NICENESS)
        deadline = time.monotonic() + 60
        checks = {"server": "/readyz", "razorpay": "/v1/checkout.js", "stripe": "/webhooks/deliveries"}
        for role, path in checks.items():
            await wait_until_up(urls[role] + path, deadline, processes[role], role)
        yield Stack(
            name=name,
            server=server,
            latency=latency,
            keys=keys,
            server_url=urls["server"],
            razorpay_url=urls["razorpay"],
            stripe_url=urls["stripe"],
            processes=processes,
            store="mongodb" if env.get("MONGODB_URI") else "embedded",
        )
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
