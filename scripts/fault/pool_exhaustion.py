"""Every pooled connection is stuck in a slow query (blocked on a lock another session holds).

Proves: further requests get 503 with `Retry-After` within the acquire timeout (no hang, no 500);
`/healthz` keeps answering; when the slow queries end, the stuck requests finish and new ones are
served again.
"""

import threading
import time

from harness import ANALYST, App, call, log, percentile, request, scenario, token

POOL = 4
ACQUIRE_TIMEOUT_MS = 2000


def run(report, postgres, database_url, apps):
    database = database_url.rsplit("/", 1)[1]
    # More requests than the pool has connections, to see them wait for one: by default only as
    # many are at work as the pool has connections (fair_share.rs), and the further ones would
    # wait for a turn (429) instead of a connection (503).
    app = App("pool-exhaustion", database_url, DATABASE_MAX_CONNECTIONS=str(POOL),
              DATABASE_ACQUIRE_TIMEOUT_MS=str(ACQUIRE_TIMEOUT_MS), REQUEST_CAPACITY=str(POOL + 10))
    apps.append(app)
    bearer = token(app.base, ANALYST)
    quiet = [call(app.base, "markets", bearer).seconds for _ in range(20)]
    report.measure("quiet markets p50", f"{percentile(quiet, 50) * 1000:.1f} ms")

    # Another session takes the markets table and keeps it: every query on it now waits.
    holder = postgres.session(database)
    holder.stdin.write("BEGIN; LOCK TABLE markets IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
    holder.stdout.readline()
    log("markets table locked by another session")

    slow_answers = []

    def slow():
        try:
            slow_answers.append(call(app.base, "markets", bearer, timeout=60))
        except OSError as error:
            slow_answers.append(error)

    stuck = [threading.Thread(target=slow) for _ in range(POOL)]
    for thread in stuck:
        thread.start()
    deadline = time.monotonic() + 15
    waiting = 0
    while time.monotonic() < deadline:
        waiting = int(postgres.psql(database, "SELECT count(*) FROM pg_stat_activity WHERE "
                                              "application_name = 'marketedge' AND wait_event_type = 'Lock'"))
        if waiting >= POOL:
            break
        time.sleep(0.2)
    report.check("every pooled connection is stuck in a slow query", waiting >= POOL, f"{waiting} waiting")

    further = []

    def another(function):
        try:
            further.append(call(app.base, function, bearer, timeout=30))
        except OSError as error:
            further.append(error)

    extra = [threading.Thread(target=another, args=(f,)) for f in ("markets", "alerts", "unread_alerts") * 3]
    for thread in extra:
        thread.start()
    health = request("GET", app.base + "/healthz", timeout=5)
    for thread in extra:
        thread.join()

    answered = [a for a in further if not isinstance(a, OSError)]
    statuses = sorted({a.status for a in answered})
    slowest = max((a.seconds for a in answered), default=float("inf"))
    limit = ACQUIRE_TIMEOUT_MS / 1000 + 1.0
    report.measure("further requests' statuses", statuses)
    report.check("further requests are answered 503", len(answered) == len(extra) and statuses == [503],
                 f"{len(answered)}/{len(extra)} answered, statuses {statuses}")
    report.check("within the acquire timeout", slowest <= limit, f"slowest {slowest:.2f} s, limit {limit:.1f} s")
    report.check("with Retry-After", all(a.headers.get("retry-after") for a in answered))
    report.check("and the documented error body", all(a.json().get("error") == "unavailable" for a in answered),
                 repr(answered[0].body[:100]) if answered else "")
    report.check("/healthz answers meanwhile", health.status == 200 and health.seconds < 1.0,
                 f"{health.status} in {health.seconds * 1000:.0f} ms")

    holder.stdin.write("COMMIT;\n")
    holder.stdin.close()
    holder.wait(timeout=10)
    log("lock released")
    for thread in stuck:
        thread.join(timeout=60)
    report.check("the slow requests finish once the lock is gone",
                 all(not isinstance(a, OSError) and a.status == 200 for a in slow_answers),
                 str([getattr(a, "status", a) for a in slow_answers]))
    after = [call(app.base, "markets", bearer) for _ in range(20)]
    report.check("new requests are served again", all(a.status == 200 for a in after))
    report.measure("markets p50 after", f"{percentile([a.seconds for a in after], 50) * 1000:.1f} ms")


if __name__ == "__main__":
    scenario("pool-exhaustion", run)
