#!/usr/bin/env python3
"""Footprint of a published ocicache binary, the way benchmarks/results/ANALYSIS.md ("Footprint") counts it.

    appliance/footprint.py artifacts/linux-x64/ocicache [NAME=VALUE ...]

NAME=VALUE pairs are environment for ocicache (e.g. DOTNET_GCgen0size=100000: hex, no "0x"). Measures

- start: process start until GET /v2/ answers 200 on 127.0.0.1, STARTS times on a new data folder (the
  median and the slowest are printed; the machine's load shows in both);
- idle: VmRSS, RssAnon and RssFile from /proc/PID/status IDLE_S seconds after a start, and the thread count;
- peak: the highest VmRSS sampled (every 20 ms) while CLIENTS curl clients fetch one cold BLOB_MIB MiB blob at
  once through the cache from a distribution registry (Debian's docker-registry) on 127.0.0.1, with its anon and
  file parts; then VmHWM, the process's highest RSS ever, start-up included; and the CPU time ocicache spent
  on the pull.

Environment of this script: STARTS=11 CLIENTS=8 BLOB_MIB=256 IDLE_S=3; UPSTREAM_DIR=<folder> keeps the
registry's storage (and its random blob) between runs; SMAPS=<file> saves /proc/PID/smaps at the highest
RSS seen during the pull. Prints one Markdown table row. Everything stops by itself.
"""
import hashlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

binary = os.path.abspath(sys.argv[1])
extra_env = dict(arg.split("=", 1) for arg in sys.argv[2:])
starts = int(os.environ.get("STARTS", "11"))
clients = int(os.environ.get("CLIENTS", "8"))
blob_mib = int(os.environ.get("BLOB_MIB", "256"))
idle_s = float(os.environ.get("IDLE_S", "3"))
work = tempfile.mkdtemp(prefix="ocicache-footprint.")
processes = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                values[key] = int(value.split()[0])
    return values


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get_status(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_ready(process, port, path, started):
    while time.monotonic() - started < 30:
        if process.poll() is not None:
            sys.exit(f"exited at start:\n{open(f'{work}/ocicache.log').read()}")
        try:
            if get_status(port, path) == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.002)
    sys.exit(f"{path} did not answer within 30 s")


def start_upstream():
    port = free_port()
    storage = os.environ.get("UPSTREAM_DIR") or f"{work}/registry"
    with open(f"{work}/registry.yml", "w") as f:
        f.write("version: 0.1\nlog: { level: error, accesslog: { disabled: true } }\n"
                f"storage: {{ filesystem: {{ rootdirectory: {storage} }} }}\nhttp: {{ addr: 127.0.0.1:{port} }}\n")
    processes.append(subprocess.Popen(["docker-registry", "serve", f"{work}/registry.yml"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(300):
        try:
            if get_status(port, "/v2/") == 200:
                break
        except OSError:
            time.sleep(0.05)
    return port, storage


def push_blob(upstream, storage):
    """One random blob in library/big, pushed once per storage folder: returns its digest."""
    remembered = f"{storage}/footprint-blob-{blob_mib}"
    if os.path.exists(remembered):
        return open(remembered).read().strip()
    path, sha = f"{work}/blob", hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(blob_mib):
            chunk = os.urandom(1 << 20)
            sha.update(chunk)
            f.write(chunk)
    digest = "sha256:" + sha.hexdigest()
    headers = subprocess.run(["curl", "-sf", "-X", "POST", "-D", "-", "-o", "/dev/null", f"{upstream}/v2/library/big/blobs/uploads/"],
                             capture_output=True, text=True, check=True).stdout
    location = next(line.split(" ", 1)[1].strip() for line in headers.splitlines() if line.lower().startswith("location:"))
    location = (location if location.startswith("http") else upstream + location)
    location += ("&" if "?" in location else "?") + "digest=" + digest
    subprocess.run(["curl", "-sf", "-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", f"@{path}", location], check=True)
    os.remove(path)
    with open(remembered, "w") as f:
        f.write(digest)
    return digest


def main():
    upstream_port, storage = start_upstream()
    upstream = f"http://127.0.0.1:{upstream_port}"
    digest = push_blob(upstream, storage)
    port = free_port()
    env = dict(os.environ, **extra_env)
    log = open(f"{work}/ocicache.log", "ab")

    def start(data):
        started = time.monotonic()
        process = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", data,
                                    "--upstream", f"docker.io={upstream}", "--log-level", "Warning"],
                                   env=env, stdout=log, stderr=log)
        processes.append(process)
        return process, started

    def stop(process):
        process.terminate()
        process.wait(30)

    startup_ms = []
    for i in range(starts):
        process, started = start(f"{work}/data{i}")
        startup_ms.append(wait_ready(process, port, "/v2/", started) * 1000)
        stop(process)
        shutil.rmtree(f"{work}/data{i}")

    process, started = start(f"{work}/data")
    wait_ready(process, port, "/v2/", started)
    time.sleep(idle_s)
    idle = status_kib(process.pid)
    threads = len(os.listdir(f"/proc/{process.pid}/task"))

    cpu_before = cpu_seconds(process.pid)
    pull_started = time.monotonic()
    url = f"http://127.0.0.1:{port}/v2/docker.io/library/big/blobs/{digest}"
    curls = [subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url],
                              stdout=subprocess.PIPE, text=True) for _ in range(clients)]
    highest = (0, 0, 0)
    while any(c.poll() is None for c in curls):
        now = status_kib(process.pid)
        if now["VmRSS"] > highest[0]:
            highest = (now["VmRSS"], now["RssAnon"], now["RssFile"])
            if os.environ.get("SMAPS"):
                shutil.copyfile(f"/proc/{process.pid}/smaps", os.environ["SMAPS"])
        time.sleep(0.02)
    pull_s = time.monotonic() - pull_started
    peak = status_kib(process.pid)["VmHWM"]
    cpu = cpu_seconds(process.pid) - cpu_before
    answers = [c.stdout.read().split() for c in curls]
    ok = sum(1 for a in answers if a[0] == "200" and int(a[1]) == blob_mib << 20)
    stop(process)

    mib = lambda kib: f"{kib / 1024:.1f}"
    print(f"| {' '.join(sys.argv[2:]) or 'defaults'} | {os.path.getsize(binary) / 1048576:.1f} MiB "
          f"| {statistics.median(startup_ms):.0f} ms (max {max(startup_ms):.0f}) "
          f"| {mib(idle['VmRSS'])} MiB ({mib(idle['RssAnon'])} anon + {mib(idle['RssFile'])} file), {threads} threads "
          f"| {mib(highest[0])} MiB ({mib(highest[1])} anon + {mib(highest[2])} file), VmHWM {mib(peak)} MiB "
          f"| {pull_s:.2f} s, {cpu:.2f} s CPU, {ok}/{clients} ok |")


try:
    main()
finally:
    for p in processes:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(work, ignore_errors=True)
