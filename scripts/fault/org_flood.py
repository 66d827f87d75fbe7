"""One organisation floods the app (a bounded run of as many API calls as its clients can send).

Proves: another organisation's latency stays within 2x of quiet; the app's memory stays flat; and
expired sessions are pruned by the maintenance task meanwhile.
"""

import os
import re
import subprocess
import time

from harness import ANALYST, HARBOUR_ADMIN, RESULTS, App, call, first_market, log, percentile, scenario, token

FLOOD_CLIENTS = 8
FLOOD_SECONDS = 30
MEASURE_SECONDS = 10
EXPIRED_SESSIONS = 2000
MAINTENANCE_INTERVAL = 60  # serve.rs
FLOOD_SECONDS = int(os.environ.get("FAULT_FLOOD_SECONDS", FLOOD_SECONDS))


def run(report, postgres, database_url, apps):
    database = database_url.rsplit("/", 1)[1]
    capacity = os.environ.get("REQUEST_CAPACITY")  # to compare settings; default: the app's
    app = App("org-flood", database_url, **({"REQUEST_CAPACITY": capacity} if capacity else {}))
    apps.append(app)
    started = time.monotonic()
    flooder, other = token(app.base, ANALYST), token(app.base, HARBOUR_ADMIN)
    flood_market = first_market(app.base, flooder)
    other_market = first_market(app.base, other)

    # Sessions that expired long ago, as a busy day leaves behind.
    postgres.psql(database, f"""INSERT INTO tower_sessions.session (id, data, expiry_date)
        SELECT 'expired-' || g, '\\x'::bytea, now() - interval '1 day' FROM generate_series(1, {EXPIRED_SESSIONS}) g""")

    def measure_other(seconds):
        latencies, failures = [], 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for function, arguments in (("markets", {}), ("market_analysis", {"market_id": other_market["market_id"]})):
                answer = call(app.base, function, other, **arguments)
                if answer.status == 200:
                    latencies.append(answer.seconds)
                else:
                    failures += 1
        return latencies, failures

    measure_other(2)  # warm up
    quiet, _ = measure_other(MEASURE_SECONDS)
    quiet_p99 = percentile(quiet, 99)
    report.measure("other organisation, quiet p99", f"{quiet_p99 * 1000:.1f} ms ({len(quiet)} requests)")
    rss_before = app.rss_kb()

    # The flood comes from wrk, a separate process: Python threads flooding in this process would
    # hold the interpreter lock and slow the measuring client down, not the server.
    script = RESULTS / "org-flood.lua"
    script.write_text(f"""
wrk.method = "POST"
wrk.headers["authorization"] = "Bearer {flooder}"
wrk.headers["content-type"] = "application/x-www-form-urlencoded"
local bodies = {{"", "market_id={flood_market['market_id']}"}}
local paths = {{"/api/markets", "/api/market_analysis"}}
local n = 0
request = function()
  n = n + 1
  local i = n % 2 + 1
  return wrk.format(nil, paths[i], nil, bodies[i])
end
-- Every answer's status, gathered from all threads at the end.
local threads = {{}}
setup = function(thread) table.insert(threads, thread) end
statuses = {{}}
response = function(status) statuses[status] = (statuses[status] or 0) + 1 end
done = function()
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do print("status " .. status .. " " .. count) end
  end
end
""")
    flood = subprocess.Popen(["wrk", "-t2", f"-c{FLOOD_CLIENTS}", f"-d{FLOOD_SECONDS}s", "-s", str(script), app.base],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    rss_samples = []
    flood_started = time.monotonic()
    time.sleep(2)
    loaded, failures = measure_other(MEASURE_SECONDS)
    while flood.poll() is None:
        rss_samples.append(app.rss_kb())
        time.sleep(1)
    summary = flood.stdout.read()
    requests = re.search(r"(\d+) requests in", summary)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", summary)
    loaded_p99 = percentile(loaded, 99)
    report.measure("flood", f"{int(requests.group(1)) if requests else '?'} requests in {FLOOD_SECONDS} s from "
                   f"{FLOOD_CLIENTS} connections, {int(non_2xx.group(1)) if non_2xx else 0} not 2xx")
    report.measure("other organisation, p99 during the flood", f"{loaded_p99 * 1000:.1f} ms ({len(loaded)} requests)")
    report.check("the other organisation is served throughout", failures == 0 and len(loaded) > 0,
                 f"{failures} failures")
    report.check("its p99 stays within 2x of quiet", loaded_p99 <= 2 * quiet_p99,
                 f"ratio {loaded_p99 / quiet_p99:.2f}")
    statuses = {}
    for status, count in re.findall(r"^status (\d+) (\d+)$", summary, re.M):
        statuses[status] = statuses.get(status, 0) + int(count)
    report.measure("flood answers by status (from the app's log)", statuses)
    report.check("the flood is answered, never with a server error other than 503",
                 not any(int(status) >= 500 and status != "503" for status in statuses), str(statuses))

    rss_after = app.rss_kb()
    report.measure("RSS before / peak / after", f"{rss_before / 1024:.1f} / {max(rss_samples) / 1024:.1f} / "
                   f"{rss_after / 1024:.1f} MB")
    # Flat: the second half of the flood does not keep growing, and what is left is bounded.
    half = len(rss_samples) // 2
    growth = max(rss_samples[half:]) / max(rss_samples[:half])
    report.check("memory stays flat during the flood", growth <= 1.10, f"second half / first half peak {growth:.2f}")
    report.check("memory after the flood stays bounded", rss_after <= rss_before * 2 + 20 * 1024,
                 f"{rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MB")

    deadline = started + MAINTENANCE_INTERVAL + 15
    remaining = EXPIRED_SESSIONS
    while time.monotonic() < deadline:
        remaining = int(postgres.psql(database, "SELECT count(*) FROM tower_sessions.session "
                                                "WHERE expiry_date < now()"))
        if remaining == 0:
            break
        time.sleep(2)
    log(f"expired sessions left: {remaining}")
    report.check("expired sessions are pruned by the maintenance task", remaining == 0,
                 f"{remaining} of {EXPIRED_SESSIONS} left")


if __name__ == "__main__":
    scenario("org-flood", run)
