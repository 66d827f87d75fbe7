"""PostgreSQL crashes and comes back while clients write observations and read pages.

Proves: during the outage requests fail fast with 503 (never 500, never a hang); the app recovers on
its own within 10 s of the database's return; every write the app acknowledged is in the database
afterwards (the writers keep a ledger that is compared with the table).
"""

import threading
import time
import uuid

from harness import check_recovery, ANALYST, VIEWER, App, Browser, Workers, call, first_market, log, scenario, token

OUTAGE_SECONDS = 6
ACQUIRE_TIMEOUT_MS = 2000
RECOVERY_LIMIT = 10.0


def run(report, postgres, database_url, apps):
    app = App("db-restart", database_url, DATABASE_ACQUIRE_TIMEOUT_MS=str(ACQUIRE_TIMEOUT_MS))
    apps.append(app)
    bearer = token(app.base, ANALYST)
    target = first_market(app.base, bearer)
    reader = Browser(app.base, VIEWER)

    lock = threading.Lock()
    acknowledged: list[str] = []  # the ledger: markers of writes answered 200
    unanswered: list[str] = []  # writes whose fate the client cannot know (no answer)
    refused: list[str] = []  # writes answered with an error
    events: list[tuple[float, str, int, float]] = []  # (time, kind, status, seconds)

    def write(_index):
        marker = f"fault-{uuid.uuid4()}"
        started = time.monotonic()
        try:
            answer = call(app.base, "record_observation", bearer, timeout=30, price="12.50",
                          observed_at="", source=marker, **{k: target[k] for k in
                                                            ("market_id", "competitor_id", "product_id", "currency")})
            status = answer.status
        except OSError:
            status = 0
        with lock:
            events.append((started, "write", status, time.monotonic() - started))
            (acknowledged if status == 200 else unanswered if status == 0 else refused).append(marker)
        if status != 200:
            time.sleep(0.2)

    def read(_index):
        started = time.monotonic()
        try:
            status = reader.get("/markets", timeout=30).status
        except OSError:
            status = 0
        with lock:
            events.append((started, "read", status, time.monotonic() - started))
        if status != 200:
            time.sleep(0.2)

    writers, readers = Workers(4, write), Workers(2, read)
    time.sleep(3)
    down_at = time.monotonic()
    log("crashing PostgreSQL (pg_ctl stop -m immediate)")
    postgres.stop("immediate")
    time.sleep(OUTAGE_SECONDS)
    # The database may accept connections before `start` returns: a request still waiting for a
    # connection then rightly succeeds. Judge only requests that ended before it was started.
    starting_at = time.monotonic()
    postgres.start()
    back_at = time.monotonic()
    log("PostgreSQL is accepting connections again")
    time.sleep(RECOVERY_LIMIT + 2)
    writers.stop()
    readers.stop()

    # Started once the database was down, answered before it was started again. (Counting by
    # start time alone once let in a write that waited for a connection across the restart and
    # was rightly answered 200 after it.)
    during = [e for e in events if down_at + 0.5 <= e[0] and e[0] + e[3] < starting_at]
    statuses = sorted({e[2] for e in during})
    report.measure("requests during the outage", len(during))
    report.measure("statuses during the outage", statuses)
    report.check("requests during the outage are answered 503",
                 bool(during) and statuses == [503], f"statuses {statuses}")
    slowest = max((e[3] for e in during), default=0.0)
    limit = ACQUIRE_TIMEOUT_MS / 1000 + 1.0
    report.check("they fail fast", slowest <= limit, f"slowest {slowest:.2f} s, limit {limit:.1f} s")

    check_recovery(report, events, back_at, ("write", "read"), RECOVERY_LIMIT)
    server_errors = [e for e in events if e[2] >= 500 and e[2] != 503]
    report.check("no 5xx other than 503 at any time", not server_errors,
                 f"{sorted({e[2] for e in server_errors})}")

    stored = set(postgres.psql(database_url.rsplit("/", 1)[1],
                               "SELECT source FROM price_observations WHERE source LIKE 'fault-%'").split())
    lost = [m for m in acknowledged if m not in stored]
    report.measure("writes acknowledged", len(acknowledged))
    report.measure("writes without an answer (fate unknown to the client)", len(unanswered))
    report.measure("writes stored", len(stored))
    report.check("every acknowledged write is in the database", not lost and len(acknowledged) > 0,
                 f"{len(lost)} lost of {len(acknowledged)}")
    report.measure("writes answered with an error but stored (commit done, answer lost)",
                   len(stored & set(refused)))
    ledger = set(acknowledged) | set(unanswered) | set(refused)
    report.check("nothing stored that no client sent", stored <= ledger, f"{len(stored - ledger)} unknown rows")


if __name__ == "__main__":
    scenario("db-restart", run)
