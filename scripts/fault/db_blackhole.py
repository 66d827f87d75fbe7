"""PostgreSQL stops answering without closing anything (every process of it paused with SIGSTOP:
the kernel still accepts connections, nothing replies) — a black-holed database port.

Proves: no request hangs longer than the configured request timeout; they are answered 503 with
`Retry-After`; `/healthz` answers; once the database answers again the app recovers on its own.
"""

import time

from harness import check_recovery, ANALYST, VIEWER, App, Browser, Workers, call, log, request, scenario, token

REQUEST_TIMEOUT_SECS = 5
ACQUIRE_TIMEOUT_MS = 2000
BLACKHOLE_SECONDS = 12
RECOVERY_LIMIT = 10.0


def run(report, postgres, database_url, apps):
    app = App("db-blackhole", database_url, REQUEST_TIMEOUT_SECS=str(REQUEST_TIMEOUT_SECS),
              DATABASE_ACQUIRE_TIMEOUT_MS=str(ACQUIRE_TIMEOUT_MS))
    apps.append(app)
    bearer = token(app.base, ANALYST)
    reader = Browser(app.base, VIEWER)
    events = []

    def api(_index):
        started = time.monotonic()
        try:
            answer = call(app.base, "markets", bearer, timeout=60)
            events.append((started, "api", answer.status, answer.seconds, answer.headers.get("retry-after")))
        except OSError:
            events.append((started, "api", 0, time.monotonic() - started, None))
        time.sleep(0.1)

    def page(_index):
        started = time.monotonic()
        try:
            answer = reader.get("/markets", timeout=60)
            events.append((started, "page", answer.status, answer.seconds, answer.headers.get("retry-after")))
        except OSError:
            events.append((started, "page", 0, time.monotonic() - started, None))
        time.sleep(0.1)

    workers = [Workers(4, api), Workers(2, page)]
    time.sleep(2)  # every pooled connection has been used: the pause catches some mid-query
    log("pausing every PostgreSQL process (SIGSTOP)")
    postgres.pause()
    paused_at = time.monotonic()  # requests sent before this may still have been answered
    time.sleep(BLACKHOLE_SECONDS / 2)
    health = request("GET", app.base + "/healthz", timeout=5)
    ready = request("GET", app.base + "/readyz", timeout=15)
    time.sleep(BLACKHOLE_SECONDS / 2)
    postgres.resume()
    resumed_at = time.monotonic()
    log("PostgreSQL resumed (SIGCONT)")
    time.sleep(RECOVERY_LIMIT + 2)
    for group in workers:
        group.stop()

    during = [e for e in events if paused_at <= e[0] < resumed_at - REQUEST_TIMEOUT_SECS - 1]
    slowest = max((e[3] for e in during), default=0.0)
    limit = REQUEST_TIMEOUT_SECS + 1.0
    statuses = sorted({e[2] for e in during})
    report.measure("requests started while paused", len(during))
    report.measure("their statuses", statuses)
    report.measure("by kind", {kind: sorted({e[2] for e in during if e[1] == kind}) for kind in ("api", "page")})
    report.measure("answered 200 (kind, started after the pause, seconds)",
                   [(e[1], round(e[0] - paused_at, 2), round(e[3], 2)) for e in during if e[2] == 200])
    report.measure("slowest", f"{slowest:.2f} s")
    report.check("no request hangs longer than the request timeout", bool(during) and slowest <= limit,
                 f"slowest {slowest:.2f} s, limit {limit:.0f} s")
    # 503 when a request itself gave up on the database; 429 "busy" when it gave up waiting for a
    # turn behind requests stuck on it (fair_share.rs). Both say "retry after".
    report.check("they are answered 503 (or 429 behind stuck requests)", set(statuses) <= {503, 429}
                 and 503 in statuses, f"statuses {statuses}")
    report.check("with Retry-After", all(e[4] for e in during))
    report.check("/healthz answers while the database is black-holed", health.status == 200 and health.seconds < 1,
                 f"{health.status} in {health.seconds:.2f} s")
    report.check("/readyz says not ready, in bounded time", ready.status == 503 and ready.seconds < 6,
                 f"{ready.status} in {ready.seconds:.2f} s")

    check_recovery(report, events, resumed_at, ("api", "page"), RECOVERY_LIMIT)
    report.check("the app still answers the API", call(app.base, "markets", bearer).status == 200)


if __name__ == "__main__":
    scenario("db-blackhole", run)
