# A stand-in for systemd's notify socket: prints each datagram on one line and closes the file
# descriptors it carries (systemd-notify's BARRIER=1 waits for that, as systemd does it).
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for i in range(0, len(payload) - len(payload) % 4, 4):
                os.close(int.from_bytes(payload[i:i + 4], sys.byteorder))
    sys.stdout.write(data.decode("utf-8", "replace").replace("\n", " ") + "\n")
    sys.stdout.flush()
