#!/usr/bin/env python3
"""Memory of idle keep-alive connections, for `make bench`.

Usage: bench-connections.py HOST PORT CONNECTIONS PID

Reads the server's resident memory when idle, opens CONNECTIONS connections that each make one
request (`GET /healthz`, keep-alive) and then stay open and idle, reads the memory again, and
prints `idle_rss_kb`, `connections` and `per_connection_kb`.
"""

import resource
import socket
import sys
import time


def rss_kb(pid: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS for the server process")


def one_request(host: str, port: int) -> socket.socket:
    connection = socket.create_connection((host, port), timeout=10)
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = connection.recv(4096)
        if not chunk:
            raise SystemExit("the server closed a keep-alive connection")
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        body += connection.recv(4096)
    return connection


def main() -> None:
    host, port, count, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 64)), hard))

    time.sleep(2)
    idle = rss_kb(pid)
    connections = [one_request(host, port) for _ in range(count)]
    time.sleep(2)
    loaded = rss_kb(pid)
    for connection in connections:
        connection.close()

    print(f"idle_rss_kb {idle}")
    print(f"connections {count}")
    print(f"per_connection_kb {(loaded - idle) / count:.2f}")


if __name__ == "__main__":
    main()
