#!/usr/bin/env python3
"""Times a DAP client's first minute on a dump, the way VS Code spends it: start `kdump-bridge dap
--stdio`, initialize, attach (the dump is opened here), configurationDone, the stopped event,
then the panicking thread's stack and the thread list. Prints milliseconds per step, median of
--runs fresh processes.

usage: dap-bench.py JAR DUMP [VMLINUX] [--runs N]
"""
import json
import statistics
import subprocess
import sys
import time


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--runs")]
    runs = int(next((a.split("=")[1] for a in sys.argv[1:] if a.startswith("--runs=")), "3"))
    if len(args) < 2:
        sys.exit(__doc__)
    jar, dump = args[0], args[1]
    vmlinux = args[2] if len(args) > 2 else None
    steps = {}
    for _ in range(runs):
        for name, ms in one_run(jar, dump, vmlinux).items():
            steps.setdefault(name, []).append(ms)
    for name, values in steps.items():
        print(f"{name:38s} {statistics.median(values):8.0f} ms   (runs: {', '.join(f'{v:.0f}' for v in values)})")


def one_run(jar, dump, vmlinux):
    started = time.monotonic()
    adapter = subprocess.Popen(["java", "-jar", jar, "dap", "--stdio"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    client = Client(adapter)
    times = {}

    def mark(name):
        times[name] = (time.monotonic() - started) * 1000

    client.request("initialize", {"adapterID": "kdump", "supportsMemoryReferences": True})
    mark("initialize (JVM start)")
    attach = {"coreFile": dump}
    if vmlinux:
        attach["vmlinux"] = vmlinux
    client.request("attach", attach)
    mark("attach (dump opened)")
    client.request("configurationDone")
    stopped = client.event("stopped")
    mark("stopped event")
    client.request("stackTrace", {"threadId": stopped["threadId"], "levels": 20})
    mark("first stack of the panic task")
    before = time.monotonic()
    client.request("threads")
    times["threads (alone)"] = (time.monotonic() - before) * 1000
    frame = client.request("stackTrace", {"threadId": stopped["threadId"], "levels": 1})["stackFrames"][0]
    before = time.monotonic()
    scopes = client.request("scopes", {"frameId": frame["id"]})["scopes"]
    task = [s for s in scopes if s["name"] == "Task"]
    if task:
        client.request("variables", {"variablesReference": task[0]["variablesReference"]})
        times["Task scope (task_struct, alone)"] = (time.monotonic() - before) * 1000
    if vmlinux:
        before = time.monotonic()
        client.request("evaluate", {"expression": "init_task.comm", "context": "watch"})
        times["first global evaluated (DWARF index)"] = (time.monotonic() - before) * 1000
    client.request("disconnect")
    adapter.wait(timeout=30)
    return times


class Client:
    def __init__(self, process):
        self.process = process
        self.seq = 0
        self.pending = []

    def send(self, command, arguments):
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command,
                           "arguments": arguments or {}}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return self.seq

    def read(self):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = self.process.stdout.read(1)
            if not byte:
                raise SystemExit("the adapter closed its output")
            header += byte
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        return json.loads(self.process.stdout.read(length))

    def request(self, command, arguments=None):
        seq = self.send(command, arguments)
        while True:
            message = self.read()
            if message["type"] == "response" and message["request_seq"] == seq:
                if not message["success"]:
                    raise SystemExit(f"{command} failed: {message.get('message')}")
                return message.get("body")
            self.pending.append(message)

    def event(self, name):
        while True:
            for message in self.pending:
                if message.get("event") == name:
                    self.pending.remove(message)
                    return message["body"]
            self.pending.append(self.read())


if __name__ == "__main__":
    main()
