#!/usr/bin/env python3
"""A bad network for the fault suite: holds every packet iptables hands to an NFQUEUE for a random delay, so
packets leave late and out of order (the kernel here has no netem).

Speaks nfnetlink_queue over a raw netlink socket (linux/netfilter/nfnetlink_queue.h), standard library only. Each
packet gets a verdict NF_ACCEPT after `--delay-ms` plus a uniform random `--jitter-ms`; a packet with less jitter
than the one before it overtakes it: that is the reordering. Packet contents are never copied (copy mode META).
Runs inside the network namespace whose iptables rule names the queue; stops after `--seconds` or on SIGTERM
(releasing what it holds), and prints how many packets it delayed. Use the rule with --queue-bypass, so packets pass
untouched if this program is not running.

    ip netns exec HUB python3 nfqueue_delay.py --queue 7 --delay-ms 20 --jitter-ms 60 --seconds 120
"""
import argparse, heapq, os, random, select, signal, socket, struct, time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS = 1, 2
NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_UNBIND = 1, 2
NFQNL_COPY_META = 1
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NF_ACCEPT = 1


def attribute(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def message(kind, queue, attributes, flags=NLM_F_REQUEST, seq=0):
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attributes)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | kind, flags, seq, 0) + body


def configure(sock, queue, attributes, seq):
    sock.send(message(NFQNL_MSG_CONFIG, queue, attributes, NLM_F_REQUEST | NLM_F_ACK, seq))
    reply = sock.recv(65536)
    length, kind = struct.unpack_from("=IH", reply)
    if kind == NLMSG_ERROR:
        (error,) = struct.unpack_from("=i", reply, 16)
        if error != 0:
            raise OSError(-error, "nfqueue config: " + os.strerror(-error))


def packet_ids(data):
    """The packet ids of the NFQNL_MSG_PACKET messages in one datagram."""
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            break
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            at = offset + 20  # nlmsghdr (16) + nfgenmsg (4)
            while at + 4 <= offset + length:
                alen, atype = struct.unpack_from("=HH", data, at)
                if alen < 4:
                    break
                if atype & 0x7FFF == NFQA_PACKET_HDR:
                    yield struct.unpack_from("!I", data, at + 4)[0]
                at += (alen + 3) & ~3
        offset += (length + 3) & ~3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=20)
    parser.add_argument("--jitter-ms", type=float, default=60)
    parser.add_argument("--seconds", type=float, default=300)
    args = parser.parse_args()

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((0, 0))
    configure(sock, args.queue, [attribute(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, 0))], 1)
    configure(sock, args.queue, [attribute(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META))], 2)
    print("ready", flush=True)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # a parent may have left it blocked
    deadline = time.monotonic() + args.seconds
    held, delayed, reordered, last_release = [], 0, 0, 0.0

    def release(due_before):
        nonlocal last_release
        while held and held[0][0] <= due_before:
            _, packet = heapq.heappop(held)
            sock.send(message(NFQNL_MSG_VERDICT, args.queue,
                              [attribute(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet))]))

    while not stopping and time.monotonic() < deadline:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else 0.5
        ready, _, _ = select.select([sock], [], [], min(timeout, 0.5))
        if ready:
            try:
                data = sock.recv(1 << 16)
            except OSError:  # ENOBUFS: the kernel dropped queued messages; those packets are lost, as on a bad link
                continue
            for packet in packet_ids(data):
                due = time.monotonic() + (args.delay_ms + random.uniform(0, args.jitter_ms)) / 1000
                if due < last_release:
                    reordered += 1
                last_release = max(last_release, due)
                heapq.heappush(held, (due, packet))
                delayed += 1
        release(time.monotonic())
    release(float("inf"))
    print(f"delayed {delayed} packets, {reordered} overtook an earlier one", flush=True)
    # Closing the socket unbinds the queue; the rule's --queue-bypass then lets packets through untouched.


if __name__ == "__main__":
    main()
