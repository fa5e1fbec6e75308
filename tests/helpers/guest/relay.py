"""QEMU's guestfwd command for a test guest: QEMU starts one per guest connection, with the
connection on stdin and stdout; this copies both ways to a port on the host's loopback (nothing
else: any other address is refused) until both sides have closed. An optional third argument is
the loopback address to connect from (a 2008 appliance is known to the server by its address).

    relay.py HOST PORT [SOURCE]
"""

import ipaddress
import os
import selectors
import socket
import sys


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    source = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    for address in (host, source):
        if not ipaddress.ip_address(address).is_loopback:
            print(f"relay: {address} is not a loopback address", file=sys.stderr)
            return 2
    connection = socket.create_connection((host, port), timeout=10, source_address=(source, 0))
    connection.settimeout(None)
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "guest")
    selector.register(connection, selectors.EVENT_READ, "host")
    open_sides = 2
    while open_sides:
        for key, _ in selector.select():
            if key.data == "guest":
                data = os.read(0, 65536)
                if data:
                    connection.sendall(data)
                    continue
                selector.unregister(0)
                connection.shutdown(socket.SHUT_WR)
            else:
                data = connection.recv(65536)
                if data:
                    os.write(1, data)
                    continue
                selector.unregister(connection)
                os.close(1)
            open_sides -= 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
