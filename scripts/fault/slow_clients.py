"""Many clients send their headers, or their bodies, one byte at a time (slowloris and slow POST).

Proves: the header-read timeout closes the slow-header connections and the request timeout ends the
slow-body requests, while normal requests' p99 stays within 2x of a quiet run.
"""

import multiprocessing
import socket
import time

from harness import ANALYST, App, Workers, call, percentile, scenario, token

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

    workers = Workers(1, work)
    time.sleep(seconds)
    workers.stop()
    return latencies, failures


def trickle(port, results):
    """Opens the slow connections, sends one byte to each every half second, and reports for each
    (kind, opened, seconds until the server closed it or None)."""
    header_request = (f"GET /markets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: slow\r\nX-Padding: "
                      + "x" * 4000 + "\r\n\r\n").encode()
    # Under the 64 KiB body limit, so the body is read (slowly) rather than refused at once.
    body_request = (f"POST /api/markets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n").encode()
    clients = []  # [socket, bytes still to send, kind, opened, closed_after]
    for index in range(HEADER_CLIENTS + BODY_CLIENTS):
        connection = socket.create_connection(("127.0.0.1", port))
        if index < HEADER_CLIENTS:
            connection.setblocking(False)
            clients.append([connection, header_request, "header", time.monotonic(), None])
        else:
            connection.sendall(body_request)  # headers at once, then the body a byte at a time
            connection.setblocking(False)
            clients.append([connection, b"a" * 60000, "body", time.monotonic(), None])
    deadline = time.monotonic() + HEADER_READ_TIMEOUT + REQUEST_TIMEOUT_SECS + 15
    while time.monotonic() < deadline and any(c[4] is None for c in clients):
        for client in clients:
            if client[4] is not None:
                continue
            try:
                # Anything the server sent (an error answer) is read; an empty read means closed.
                try:
                    if client[0].recv(65536) == b"":
                        client[4] = time.monotonic() - client[3]
                        continue
                except BlockingIOError:
                    pass
                if client[1]:
                    client[0].send(client[1][:1])
                    client[1] = client[1][1:]
            except OSError:
                client[4] = time.monotonic() - client[3]
        time.sleep(0.5)
    results.put([(c[2], c[3], c[4]) for c in clients])
    for client in clients:
        client[0].close()


def run(report, postgres, database_url, apps):
    app = App("slow-clients", database_url, REQUEST_TIMEOUT_SECS=str(REQUEST_TIMEOUT_SECS))
    apps.append(app)
    bearer = token(app.base, ANALYST)
    measure(app, bearer, 2)  # warm up
    quiet, quiet_failures = measure(app, bearer, MEASURE_SECONDS)
    quiet_p99 = percentile(quiet, 99)
    report.measure("quiet p99", f"{quiet_p99 * 1000:.1f} ms ({len(quiet)} requests)")

    # The slow clients live in a process of their own: trickling from a thread of this one would
    # hold the interpreter lock and slow the measuring clients, not the server.
    results = multiprocessing.Queue()
    slow = multiprocessing.Process(target=trickle, args=(app.port, results), daemon=True)
    slow.start()
    time.sleep(2)
    loaded, loaded_failures = measure(app, bearer, MEASURE_SECONDS)
    loaded_p99 = percentile(loaded, 99)
    report.measure("p99 under slow clients", f"{loaded_p99 * 1000:.1f} ms ({len(loaded)} requests)")
    report.check("normal requests keep being served", not loaded_failures and len(loaded) > 0,
                 f"{len(loaded_failures)} failures")
    report.check("normal requests' p99 within 2x of quiet", loaded_p99 <= 2 * quiet_p99,
                 f"{loaded_p99 * 1000:.1f} ms vs {quiet_p99 * 1000:.1f} ms quiet "
                 f"(ratio {loaded_p99 / quiet_p99:.2f})")
    clients = results.get(timeout=HEADER_READ_TIMEOUT + REQUEST_TIMEOUT_SECS + 30)
    slow.join(timeout=10)
    for kind, limit in (("header", HEADER_READ_TIMEOUT), ("body", REQUEST_TIMEOUT_SECS)):
        group = [c for c in clients if c[0] == kind]
        closed = [c[2] for c in group if c[2] is not None]
        slowest = max(closed, default=float("inf"))
        report.measure(f"slow-{kind} connections closed", f"{len(closed)}/{len(group)}, last after {slowest:.1f} s")
        report.check(f"every slow-{kind} connection is closed by the server within {limit} s (+2 s)",
                     len(closed) == len(group) and slowest <= limit + 2)
    report.check("the app answers normally afterwards", call(app.base, "markets", bearer).status == 200)


if __name__ == "__main__":
    scenario("slow-clients", run)
