# Lesson 07: the course's gevent server with the corrected handler and no
# per-message print, for measuring beside the Rust runtimes:
#   python echo_server.py PORT
import sys

from gevent import monkey

monkey.patch_all()

import socket  # noqa: E402

import gevent  # noqa: E402


def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4096)
    print("listening", flush=True)
    while True:
        cli, addr = s.accept()
        gevent.spawn(handle_request, cli)


def handle_request(conn):
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            conn.sendall(data)
    except Exception:
        pass
    finally:
        conn.close()


if __name__ == "__main__":
    server(int(sys.argv[1]))
