#!/usr/bin/env python3
"""Server CPU time per search query, by kind: one client sends the benchmark's queries
(search_corpus.py) to a running newsd, one at a time, and reads the server's CPU time
(utime + stime in /proc/PID/stat) before and after each kind's queries. On a shared machine
this is steadier than latency.

    search_cpu.py PID BASE_URL QUERIES [ROUNDS]
"""

import collections
import http.client
import json
import os
import sys
import time
import urllib.parse


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    pid, base, path = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    by_kind = collections.defaultdict(list)
    for line in open(path, encoding="utf-8"):
        query = json.loads(line)
        params = [("q", query["q"])] + list(query["params"].items())
        by_kind[query["kind"]].append("/api/v1/search?" + urllib.parse.urlencode(params))

    def ask(target):
        conn.request("GET", target)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"{response.status} {target}: {body[:200]!r}")
        return len(body)

    for targets in by_kind.values():  # warm-up
        for target in targets:
            ask(target)
    total_cpu, total_n = 0.0, 0
    report = {}
    for kind, targets in by_kind.items():
        before, wall, size = cpu_seconds(pid), time.perf_counter(), 0
        for _ in range(rounds):
            for target in targets:
                size += ask(target)
        n = rounds * len(targets)
        cpu = cpu_seconds(pid) - before
        total_cpu, total_n = total_cpu + cpu, total_n + n
        report[kind] = {
            "cpu_ms": round(cpu * 1000 / n, 3),
            "wall_ms": round((time.perf_counter() - wall) * 1000 / n, 3),
            "bytes": size // n,
        }
    report["all"] = {"cpu_ms": round(total_cpu * 1000 / total_n, 3), "queries": total_n}
    for kind, numbers in report.items():
        print(kind, json.dumps(numbers))


if __name__ == "__main__":
    main()
