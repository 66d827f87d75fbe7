"""What every fault scenario needs: a PostgreSQL cluster of its own, app instances, HTTP clients
and a report.

The scenarios stop, pause and kill parts of PostgreSQL, so they never touch the machine's shared
cluster: `Postgres` runs a private one (owned by the `postgres` user, as initdb requires) on its
own port under `.local/fault/`. Each scenario gets a fresh database with the demo data, made by the
app's own `migrate` and `seed-demo` commands. Python's standard library only: nothing to install.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("MARKETEDGE_BIN", ROOT / "target" / "debug" / "marketedge"))
LOCAL = ROOT / ".local" / "fault"
RESULTS = ROOT / "target" / "fault"
JWT_SECRET = secrets.token_urlsafe(48)
PG_PORT = int(os.environ.get("FAULT_PG_PORT", "54331"))

ANALYST = ("analyst@northwind.example", "demo-analyst-2026!")
ADMIN = ("admin@northwind.example", "demo-admin-2026!")
VIEWER = ("viewer@northwind.example", "demo-viewer-2026!")
HARBOUR_ADMIN = ("admin@harbour.example", "demo-harbour-2026!")
SUPER_ADMIN = ("superadmin@marketedge.example", "demo-superadmin-2026")


def log(message: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} {message}", flush=True)


# --- PostgreSQL -------------------------------------------------------------------------------


class Postgres:
    """A private PostgreSQL cluster the scenario may stop, crash, pause and resume."""

    def __init__(self, port: int = PG_PORT):
        self.port = port
        self.data = LOCAL / "pgdata"
        self.run_dir = LOCAL / "pgrun"
        self.bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]

    def _as_postgres(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)

    def ensure_started(self) -> None:
        LOCAL.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres:postgres", str(LOCAL), str(self.run_dir)], check=True)
        if not (self.data / "PG_VERSION").exists():
            log(f"creating the fault-test PostgreSQL cluster in {self.data}")
            self._as_postgres(str(self.bindir / "initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres")
        if not self.running():
            self.start()
        self.psql(
            "postgres",
            """DO $$ BEGIN
                 IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marketedge') THEN
                   CREATE ROLE marketedge LOGIN CREATEDB BYPASSRLS PASSWORD 'marketedge';
                 END IF;
                 IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marketedge_app') THEN
                   CREATE ROLE marketedge_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                 END IF;
                 GRANT marketedge_app TO marketedge;
               END $$;""",
        )

    def running(self) -> bool:
        return self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0

    def start(self) -> None:
        self._as_postgres(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.run_dir / "postgresql.log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.run_dir} -c listen_addresses=127.0.0.1 -c max_connections=200",
        )

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: no checkpoint, recovery from the WAL at the next start."""
        self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        return [postmaster, *map(int, children)]

    def pause(self) -> None:
        """Black-holes the port: the kernel still accepts connections, nothing ever answers."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def psql(self, database: str, sql: str, timeout: float = 60) -> str:
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
             "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql],
            check=True, capture_output=True, text=True, timeout=timeout,
        )
        return result.stdout.strip()

    def session(self, database: str) -> subprocess.Popen:
        """A psql session kept open (to hold a lock); write statements to its stdin."""
        return subprocess.Popen(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-qtA",
             "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
        )

    def fresh_database(self, name: str) -> str:
        """Drops and recreates `name`; returns its URL for the app's (owner) role."""
        self.psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.psql("postgres", f"CREATE DATABASE {name} OWNER marketedge")
        return f"postgres://marketedge:marketedge@127.0.0.1:{self.port}/{name}"


# --- The app ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "PG"))}
    env.update(
        APP_ENV="test",
        TEST_DATABASE_URL=database_url,
        LEPTOS_SITE_ADDR=f"127.0.0.1:{port}",
        RUST_LOG=os.environ.get("FAULT_RUST_LOG", "warn"),
        # Shared by every instance of a scenario, as it would be in production.
        JWT_SECRET=JWT_SECRET,
    )
    env.update(extra)
    return env


def prepare(database_url: str) -> None:
    """Migrates and loads the demo data, as `make run` does."""
    env = app_env(database_url, free_port())
    for command in ("migrate", "seed-demo"):
        done = subprocess.run([str(BIN), command], env=env, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"marketedge {command} failed: {done.stdout}{done.stderr}")


class App:
    """One `marketedge serve` process on its own port."""

    def __init__(self, name: str, database_url: str, **extra: str):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(BIN), "serve"], env=app_env(database_url, self.port, **extra), cwd=ROOT,
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited at start; see {self.log_path}")
            try:
                if request("GET", self.base + "/readyz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not become ready; see {self.log_path}")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


# --- HTTP -------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)


def request(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = 30) -> Answer:
    """One request on a fresh connection. Raises OSError (timeouts included) when no answer came."""
    parts = urllib.parse.urlsplit(url)
    started = time.monotonic()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                cookies[key.strip()] = val.strip()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data,
                      time.monotonic() - started, cookies)
    finally:
        connection.close()


def form(fields: dict[str, object]) -> bytes:
    encoded = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in fields.items()}
    return urllib.parse.urlencode(encoded).encode()


def token(base: str, account: tuple[str, str]) -> str:
    body = json.dumps({"grant_type": "password", "email": account[0], "password": account[1]}).encode()
    answer = request("POST", base + "/api/v1/token", body, {"content-type": "application/json"})
    if answer.status != 200:
        raise RuntimeError(f"token for {account[0]}: {answer.status} {answer.body[:200]!r}")
    return answer.json()["access_token"]


def call(base: str, function: str, bearer: str, timeout: float = 30, **arguments) -> Answer:
    """A server function through the API, as docs/api.md describes."""
    return request(
        "POST", f"{base}/api/{function}", form(arguments),
        {"authorization": f"Bearer {bearer}", "content-type": "application/x-www-form-urlencoded"},
        timeout=timeout,
    )


class Browser:
    """A cookie session, signed in through the login form like a browser."""

    def __init__(self, base: str, account: tuple[str, str]):
        self.base = base
        answer = request(
            "POST", base + "/login", form({"email": account[0], "password": account[1], "next": "/"}),
            {"content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin"},
        )
        if not answer.cookies:
            raise RuntimeError(f"login of {account[0]} set no cookie: {answer.status} {answer.headers}")
        self.cookies = answer.cookies

    def on(self, base: str) -> "Browser":
        """The same cookie jar pointed at another instance."""
        other = object.__new__(Browser)
        other.base, other.cookies = base, self.cookies
        return other

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"cookie": cookie, "sec-fetch-site": "same-origin", **(extra or {})}

    def get(self, path: str, timeout: float = 30) -> Answer:
        return request("GET", self.base + path, headers=self.headers(), timeout=timeout)

    def call(self, function: str, timeout: float = 30, **arguments) -> Answer:
        answer = request(
            "POST", f"{self.base}/api/{function}", form(arguments),
            self.headers({"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}),
            timeout=timeout,
        )
        self.cookies.update(answer.cookies)
        return answer

    def post_form(self, path: str, **fields) -> Answer:
        answer = request("POST", self.base + path, form(fields),
                         self.headers({"content-type": "application/x-www-form-urlencoded"}))
        self.cookies.update(answer.cookies)
        return answer


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- Workload helpers -------------------------------------------------------------------------


def first_market(base: str, bearer: str) -> dict:
    """The first market of the bearer's organisation with a competitor and a product."""
    for market in call(base, "markets", bearer).json():
        overview = call(base, "market_overview", bearer, id=market["id"]).json()
        if overview["competitors"] and overview["products"]:
            return {"market_id": market["id"], "competitor_id": overview["competitors"][0]["id"],
                    "product_id": overview["products"][0]["id"], "currency": market["currency"]}
    raise RuntimeError("no market with a competitor and a product")


class Workers:
    """Threads running `work(index)` in a loop until stopped."""

    def __init__(self, count: int, work):
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(work, i), daemon=True) for i in range(count)]
        for thread in self.threads:
            thread.start()

    def _loop(self, work, index: int) -> None:
        while not self.stopping.is_set():
            work(index)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def check_recovery(report, events, since: float, kinds, limit: float) -> None:
    """Each kind of request succeeds again within `limit` seconds of `since`, and nothing fails
    after that. `events` are (started, kind, status, seconds, ...)."""
    for kind in kinds:
        first_ok = min((e[0] + e[3] for e in events if e[1] == kind and e[0] >= since and e[2] == 200),
                       default=None)
        recovered = None if first_ok is None else first_ok - since
        report.measure(f"{kind} recovered after", None if recovered is None else f"{recovered:.2f} s")
        report.check(f"{kind} requests recover within {limit:.0f} s", recovered is not None and recovered <= limit)
    late = [e for e in events if e[0] >= since + limit and e[2] != 200]
    report.check("no errors once recovered", not late, f"{len(late)} errors")


# --- Report -----------------------------------------------------------------------------------


class Report:
    """Named checks with their measurements; printed, saved as JSON, and the exit status."""

    def __init__(self, scenario: str):
        self.scenario = scenario
        self.checks: list[dict] = []
        self.measured: dict[str, object] = {}
        self.started = time.monotonic()
        print(f"== {scenario}", flush=True)

    def measure(self, name: str, value) -> None:
        self.measured[name] = value
        log(f"{name}: {value}")

    def check(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append({"check": name, "passed": bool(passed), "detail": detail})
        print(f"  {'PASS' if passed else 'FAIL'} {name}{' — ' + detail if detail else ''}", flush=True)
        return passed

    def finish(self) -> None:
        failed = [c for c in self.checks if not c["passed"]]
        seconds = round(time.monotonic() - self.started, 1)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{self.scenario}.json").write_text(json.dumps(
            {"scenario": self.scenario, "seconds": seconds, "passed": not failed and bool(self.checks),
             "checks": self.checks, "measured": self.measured}, indent=2))
        print(f"== {self.scenario}: {'passed' if not failed else f'{len(failed)} check(s) failed'} in {seconds} s",
              flush=True)
        sys.exit(1 if failed or not self.checks else 0)


def scenario(name: str, body) -> None:
    """Runs `body(report, postgres, database_url)` with a fresh database, cleaning up whatever happens."""
    report = Report(name)
    postgres = Postgres()
    postgres.ensure_started()
    database_url = postgres.fresh_database(f"fault_{name.replace('-', '_')}")
    prepare(database_url)
    apps: list[App] = []
    try:
        body(report, postgres, database_url, apps)
    except Exception as error:  # a crashed scenario is a failed one, with its reason
        report.check("scenario ran to the end", False, f"{type(error).__name__}: {error}")
    finally:
        try:
            postgres.resume()
        except Exception:
            pass
        if not postgres.running():
            postgres.start()
        for app in apps:
            app.stop()
    report.finish()
