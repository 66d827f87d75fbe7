"""The database connection of a request is killed (`pg_terminate_backend`) in the middle of its
transaction: an import of many rows, caught while its inserts wait on a lock.

Proves: the transaction is rolled back whole (none of the import's rows exist); the client gets a
clear 503, not a 500 or a success; no connection is left idle in a transaction; and afterwards the
pool serves two organisations' requests, alternating on the same few connections, each seeing only
its own organisation.
"""

import threading
import time
import uuid

from harness import ANALYST, HARBOUR_ADMIN, App, call, log, scenario, token

POOL = 3
ROWS = 300


def market_ids(base, bearer):
    answer = call(base, "markets", bearer)
    assert answer.status == 200, answer.status
    return {m["id"] for m in answer.json()}


def run(report, postgres, database_url, apps):
    database = database_url.rsplit("/", 1)[1]
    app = App("kill-transaction", database_url, DATABASE_MAX_CONNECTIONS=str(POOL))
    apps.append(app)
    northwind, harbour = token(app.base, ANALYST), token(app.base, HARBOUR_ADMIN)
    own = {"northwind": market_ids(app.base, northwind), "harbour": market_ids(app.base, harbour)}
    report.check("each organisation has markets of its own", own["northwind"] and own["harbour"]
                 and not own["northwind"] & own["harbour"])

    market = next(iter(own["northwind"]))
    overview = call(app.base, "market_overview", northwind, id=market).json()
    competitor, product = overview["competitors"][0]["name"], overview["products"][0]["name"]
    marker = f"killed-{uuid.uuid4()}"
    csv = "competitor,product,price,observed_at,source\n" + "".join(
        f"{competitor},{product},{10 + i / 100:.2f},2026-11-{1 + i % 27:02d},{marker}\n" for i in range(ROWS))

    # Inserts into observations now wait for this session, inside the import's transaction.
    holder = postgres.session(database)
    holder.stdin.write("BEGIN; LOCK TABLE price_observations IN SHARE MODE; SELECT 'locked';\n")
    holder.stdout.readline()

    outcome = {}

    def import_file():
        try:
            outcome["answer"] = call(app.base, "import_observations", northwind, timeout=60,
                                     market_id=market, csv=csv, commit=True)
        except OSError as error:
            outcome["error"] = error

    importer = threading.Thread(target=import_file)
    importer.start()
    victim = ""
    deadline = time.monotonic() + 15
    while not victim and time.monotonic() < deadline:
        victim = postgres.psql(database, "SELECT pid FROM pg_stat_activity WHERE application_name = 'marketedge' "
                                         "AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO price_observations%'")
        time.sleep(0.1)
    report.check("the import is caught inside its transaction", bool(victim))
    if victim:
        log(f"terminating backend {victim}")
        postgres.psql(database, f"SELECT pg_terminate_backend({int(victim.split()[0])})")
    holder.stdin.write("COMMIT;\n")
    holder.stdin.close()
    holder.wait(timeout=10)
    importer.join(timeout=60)

    answer = outcome.get("answer")
    report.measure("import answered", getattr(answer, "status", outcome.get("error")))
    report.check("the client is told to retry (503), not given a success or a 500",
                 answer is not None and answer.status == 503 and bool(answer.headers.get("retry-after")),
                 f"{getattr(answer, 'status', None)} {getattr(answer, 'body', b'')[:120]!r}")
    stored = int(postgres.psql(database, f"SELECT count(*) FROM price_observations WHERE source = '{marker}'"))
    report.check("the killed transaction is rolled back whole", stored == 0, f"{stored} of {ROWS} rows stored")
    open_tx = int(postgres.psql(database, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                          "'marketedge' AND state LIKE 'idle in transaction%'"))
    report.check("no connection is left idle in a transaction", open_tx == 0, f"{open_tx}")

    # The same few pooled connections now alternate between the two organisations.
    leaks, errors = 0, 0
    for round_ in range(60):
        name, bearer = ("northwind", northwind) if round_ % 2 else ("harbour", harbour)
        answer = call(app.base, "markets", bearer)
        if answer.status != 200:
            errors += 1
            continue
        seen = {m["id"] for m in answer.json()}
        leaks += seen != own[name]
    report.check("afterwards every request sees exactly its own organisation", leaks == 0 and errors == 0,
                 f"{leaks} mismatches, {errors} errors in 60 requests")
    retried = call(app.base, "import_observations", northwind, timeout=60, market_id=market, csv=csv, commit=True)
    stored = int(postgres.psql(database, f"SELECT count(*) FROM price_observations WHERE source = '{marker}'"))
    report.check("the retried import stores every row once", retried.status == 200 and stored == ROWS,
                 f"{retried.status}, {stored} rows")


if __name__ == "__main__":
    scenario("kill-transaction", run)
