#!/usr/bin/env python3
"""Floods against a live `interforce serve`, for the attack suite (Tests/InterforceFederationTests/FloodTests.swift)
and for trying by hand. Every mode is bounded (a duration or a count) and stops by itself; each prints one JSON
object with what happened, and exits 0 unless it could not run at all.

  flood.py memory  PORT CA --sources A,B,.. --connections N --seconds S [--cert C --key K] [--body-mib M]
      N connections, spread over the source addresses, each POSTing M MiB JSON bodies to /v1/entries in a loop
      (the shape that costs the most to parse: {"items":[{"":0},{"":0},...]}, 26 times its size as JSONValue), reconnecting whenever the server closes.
  slow     PORT CA --sources A,B,.. --connections N --seconds S
      N connections without a certificate, spread over the sources, each kept as slow as it can be: a quarter
      never start TLS, the rest finish the handshake and send one header byte a second. A connection the
      server closes is reopened at once.
  refused  PORT CA --sources A,B,.. --requests N
      N requests without a certificate (GET /v1/feeds), one connection each, round-robin over the sources.
  push     PORT CA --cert C --key K --body FILE --requests N [--path /v1/evidence]
      N POSTs of FILE to /v1/entries (or PATH) as a member, one connection, reconnecting when closed.
  gets     PORT CA --cert C --key K --paths P1,P2,.. --requests N --connections C
      N GETs as a member, round-robin over the paths (with their query strings), on C keep-alive connections,
      reconnecting when closed; the statuses per path.
"""
import argparse, http.client, json, random, socket, ssl, sys, threading, time


def context(ca, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False  # node certificates name 127.0.0.1 and <force>.node.interforce; the CA is what counts
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def connection(port, ctx, source, timeout=20):
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, source_address=(source, 0), timeout=timeout)


def memory(a):
    ctx = context(a.ca, a.cert, a.key)
    unit = b'{"":0},'
    body = b'{"items":[' + unit * ((a.body_mib << 20) // len(unit) - 5) + b'{"":0}]}'
    stop = time.monotonic() + a.seconds
    statuses, errors, lock = {}, {}, threading.Lock()

    def worker(source):
        c = None
        while time.monotonic() < stop:
            try:
                c = c or connection(a.port, ctx, source)
                c.request("POST", a.path, body=body, headers={"Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                with lock:
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = None
            except Exception as e:  # refused, reset, closed mid-body: count and go again
                with lock:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                if c:
                    c.close()
                c = None
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(a.sources[i % len(a.sources)],), daemon=True)
               for i in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(a.seconds + 30)
    return {"statuses": statuses, "errors": errors, "bodyBytes": len(body)}


def slow(a):
    ctx = context(a.ca)
    stop = time.monotonic() + a.seconds
    counts, lock = {"opened": 0, "closedAtOnce": 0, "closedLater": 0, "open": 0, "maxOpen": 0}, threading.Lock()

    def note(**changes):
        with lock:
            for k, v in changes.items():
                counts[k] += v
            counts["maxOpen"] = max(counts["maxOpen"], counts["open"])

    def worker(index, source):
        silent = index % 4 == 0
        while time.monotonic() < stop:
            s, started, is_open = None, time.monotonic(), False
            try:
                s = socket.create_connection(("127.0.0.1", a.port), timeout=5, source_address=(source, 0))
                note(opened=1)
                if not silent:
                    s = ctx.wrap_socket(s, server_hostname="localhost")
                note(open=1)
                is_open = True
                header = b"GET /v1/feeds HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
                i = 0
                while time.monotonic() < stop:
                    if silent:
                        s.settimeout(1)
                        try:
                            if s.recv(1) == b"":
                                raise ConnectionError("closed")
                        except socket.timeout:
                            pass
                    else:
                        s.sendall(header[i:i + 1])
                        i += 1
                        time.sleep(1)
            except Exception:
                pass
            finally:
                if s:
                    s.close()
                if is_open:
                    note(open=-1)
                lived = time.monotonic() - started
                if time.monotonic() < stop:
                    note(**({"closedAtOnce": 1} if lived < 0.5 else {"closedLater": 1}))
                    time.sleep(0.1)

    threads = [threading.Thread(target=worker, args=(i, a.sources[i % len(a.sources)]), daemon=True)
               for i in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(a.seconds + 10)
    return counts


def refused(a):
    ctx = context(a.ca)
    statuses, errors = {}, {}
    started = time.monotonic()
    for i in range(a.requests):
        try:
            c = connection(a.port, ctx, a.sources[i % len(a.sources)], timeout=10)
            c.request("GET", "/v1/feeds")
            r = c.getresponse()
            r.read()
            statuses[r.status] = statuses.get(r.status, 0) + 1
            c.close()
        except Exception as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    return {"statuses": statuses, "errors": errors, "seconds": round(time.monotonic() - started, 2)}


def push(a):
    ctx = context(a.ca, a.cert, a.key)
    body = open(a.body, "rb").read()
    statuses, errors, retry_after, c = {}, {}, None, None
    for _ in range(a.requests):
        try:
            c = c or connection(a.port, ctx, "127.0.0.1")
            c.request("POST", a.path, body=body, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            text = r.read()
            statuses[r.status] = statuses.get(r.status, 0) + 1
            if r.status == 429:
                retry_after = r.getheader("Retry-After")
                last = json.loads(text)
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                c = None
        except Exception as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            if c:
                c.close()
            c = None
    result = {"statuses": statuses, "errors": errors, "retryAfter": retry_after}
    if retry_after is not None:
        result["throttled"] = last
    return result


def gets(a):
    ctx = context(a.ca, a.cert, a.key)
    statuses, errors, lock, counter = {}, {}, threading.Lock(), iter(range(a.requests))
    started = time.monotonic()

    def worker():
        c = None
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            path = a.paths[n % len(a.paths)]
            try:
                c = c or connection(a.port, ctx, "127.0.0.1")
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                with lock:
                    per = statuses.setdefault(path, {})
                    per[r.status] = per.get(r.status, 0) + 1
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = None
            except Exception as e:
                with lock:
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                if c:
                    c.close()
                c = None

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return {"statuses": statuses, "errors": errors, "seconds": round(time.monotonic() - started, 2)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["memory", "slow", "refused", "push", "gets"])
    p.add_argument("port", type=int)
    p.add_argument("ca")
    p.add_argument("--sources", default="127.0.0.1", type=lambda s: s.split(","))
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--body")
    p.add_argument("--body-mib", type=int, default=8)
    p.add_argument("--path", default="/v1/entries")
    p.add_argument("--paths", default="/v1/feeds", type=lambda s: s.split(","))
    a = p.parse_args()
    result = {"memory": memory, "slow": slow, "refused": refused, "push": push, "gets": gets}[a.mode](a)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
