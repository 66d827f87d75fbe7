"""Many clients send their headers, or their bodies, one byte at a time (slowloris and slow POST).

Proves: the header-read timeout closes the slow-header connections and the request timeout ends the
slow-body requests, while normal requests' p99 stays within 2x of a quiet run.
"""

import socket
import threading
import time

from harness import ANALYST, App, Workers, call, log, percentile, scenario, token

HEADER_CLIENTS = 200
BODY_CLIENTS = 50
HEADER_READ_TIMEOUT = 10  # serve.rs
REQUEST_TIMEOUT_SECS = 5
MEASURE_SECONDS = 8


def measure(app, bearer, seconds):
    latencies, failures = [], []

    def work(_index):
        answer = call(app.base, "markets", bearer)
        (latencies if answer.status == 200 else failures).append(answer.seconds)

    workers = Workers(2, work)
    time.sleep(seconds)
    workers.stop()
    return latencies, failures


def run(report, postgres, database_url, apps):
    app = App("slow-clients", database_url, REQUEST_TIMEOUT_SECS=str(REQUEST_TIMEOUT_SECS))
    apps.append(app)
    bearer = token(app.base, ANALYST)
    measure(app, bearer, 2)  # warm up
    quiet, quiet_failures = measure(app, bearer, MEASURE_SECONDS)
    quiet_p99 = percentile(quiet, 99)
    report.measure("quiet p99", f"{quiet_p99 * 1000:.1f} ms ({len(quiet)} requests)")

    header_request = f"GET /markets HTTP/1.1\r\nHost: 127.0.0.1:{app.port}\r\nUser-Agent: slow\r\nX-Padding: " \
                     + "x" * 4000 + "\r\n\r\n"
    body_request = (f"POST /api/markets HTTP/1.1\r\nHost: 127.0.0.1:{app.port}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n")
    clients = []  # [socket, bytes still to send one at a time, kind, opened, closed_at]
    for index in range(HEADER_CLIENTS + BODY_CLIENTS):
        slow = socket.create_connection(("127.0.0.1", app.port))
        slow.setblocking(False)
        if index < HEADER_CLIENTS:
            clients.append([slow, header_request.encode(), "header", time.monotonic(), None])
        else:
            slow.sendall(body_request.encode())  # headers at once, then the body a byte at a time
            clients.append([slow, b"a" * 60000, "body", time.monotonic(), None])
    log(f"{HEADER_CLIENTS} slow-header and {BODY_CLIENTS} slow-body connections open")

    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for client in clients:
                if client[4] is not None:
                    continue
                try:
                    # Anything the server sent (an error answer) is read; an empty read means closed.
                    try:
                        if client[0].recv(65536) == b"":
                            client[4] = time.monotonic()
                            continue
                    except BlockingIOError:
                        pass
                    if client[1]:
                        client[0].send(client[1][:1])
                        client[1] = client[1][1:]
                except OSError:
                    client[4] = time.monotonic()
            time.sleep(0.5)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    time.sleep(1)
    loaded, loaded_failures = measure(app, bearer, MEASURE_SECONDS)
    loaded_p99 = percentile(loaded, 99)
    report.measure("p99 under slow clients", f"{loaded_p99 * 1000:.1f} ms ({len(loaded)} requests)")
    report.check("normal requests keep being served", not loaded_failures and len(loaded) > 0,
                 f"{len(loaded_failures)} failures")
    report.check("normal requests' p99 within 2x of quiet", loaded_p99 <= 2 * quiet_p99,
                 f"{loaded_p99 * 1000:.1f} ms vs {quiet_p99 * 1000:.1f} ms quiet "
                 f"(ratio {loaded_p99 / quiet_p99:.2f})")

    deadline = time.monotonic() + HEADER_READ_TIMEOUT + REQUEST_TIMEOUT_SECS + 5
    while time.monotonic() < deadline and any(c[4] is None for c in clients):
        time.sleep(0.5)
    stop.set()
    trickler.join()
    for kind, limit in (("header", HEADER_READ_TIMEOUT), ("body", REQUEST_TIMEOUT_SECS)):
        group = [c for c in clients if c[2] == kind]
        closed = [c[4] - c[3] for c in group if c[4] is not None]
        slowest = max(closed, default=float("inf"))
        report.measure(f"slow-{kind} connections closed", f"{len(closed)}/{len(group)}, last after {slowest:.1f} s")
        report.check(f"every slow-{kind} connection is closed by the server within {limit} s (+2 s)",
                     len(closed) == len(group) and slowest <= limit + 2)
    for client in clients:
        client[0].close()
    report.check("the app answers normally afterwards", call(app.base, "markets", bearer).status == 200)


if __name__ == "__main__":
    scenario("slow-clients", run)
