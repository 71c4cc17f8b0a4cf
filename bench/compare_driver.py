"""Runs the configurations of bench/run-compare.sh with ours and PyTorch side by side: per configuration one process
per side (so each side's peak resident set is that configuration's), both started in --serve mode (set-up and one
warm-up call each), then timed calls alternating between the sides, the side that goes first swapped every round,
so that load from other work on the machine falls on both columns alike. Prints the summary line of each process
(JSON, as bench/compare_report.py reads them), with the 1-minute load average at the start of the configuration.

Usage: compare_driver.py --ours CMD --torch CMD [--rounds 3] [--slow 20] [--slow-rounds 2] [--very-slow 60]
                         [--gap 0.5] [--time-limit 600] CONFIG...
CMD is a command line that takes a configuration's arguments ("--kind forward --tower vision ..."); each CONFIG is
one such argument string. A configuration whose first round took longer than --slow seconds gets --slow-rounds
rounds (the B/14 batch-8 cases, where one PyTorch call takes 10-40 s), one longer than --very-slow seconds that one
round only (B/14 at 448 px, batch 8: ~65 s a round), so that every configuration fits in one run of ~15 minutes.
Configurations that would start after --time-limit seconds are skipped and reported on stderr, so a run ends in
bounded time."""
import argparse
import json
import shlex
import subprocess
import sys
import time


class Side:
    """One --serve process: send "step", read its seconds; "end", read its summary line."""

    def __init__(self, command, config):
        self.command = shlex.split(command) + shlex.split(config) + ["--serve"]
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        ready = self._read()
        if not ready.get("ready"):
            raise RuntimeError(f"{self.command[0]}: expected a ready line, got {ready}")

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise RuntimeError(f"{' '.join(self.command)} ended (exit code {code}) without an answer")
        return json.loads(line)

    def step(self):
        self.proc.stdin.write("step\n")
        return self._read()["s"]

    def end(self):
        self.proc.stdin.write("end\n")
        summary = self._read()
        self.proc.wait()
        return summary

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def run_config(args, config):
    load = load1()
    sides = []
    try:
        # Set-up one after the other: both processes warm up alone, not against each other.
        sides.append(Side(args.ours, config))
        sides.append(Side(args.torch, config))
        rounds, r = args.rounds, 0
        while r < rounds:
            t0 = time.perf_counter()
            for side in sides if r % 2 == 0 else sides[::-1]:
                # Idle OpenMP / OpenBLAS / thread-pool workers of the side that just ran spin for a while: let
                # them go to sleep before the other side's call.
                time.sleep(args.gap)
                side.step()
            first = time.perf_counter() - t0
            if r == 0 and first > args.very_slow:
                rounds = 1
            elif r == 0 and first > args.slow:
                rounds = min(rounds, args.slow_rounds)
            r += 1
        summaries = [side.end() for side in sides]
    finally:
        for side in sides:
            side.kill()
    for s in summaries:
        s["load1"] = load
        print(json.dumps(s), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True)
    parser.add_argument("--torch", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--slow", type=float, default=20.0)
    parser.add_argument("--slow-rounds", type=int, default=2)
    parser.add_argument("--very-slow", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=0.5)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("configs", nargs="+")
    args = parser.parse_args()
    if args.rounds < 1 or args.slow_rounds < 1:
        parser.error("--rounds and --slow-rounds must be at least 1")
    start = time.perf_counter()
    failed = 0
    for config in args.configs:
        elapsed = time.perf_counter() - start
        if elapsed > args.time_limit:
            print(f"compare_driver.py: skipped '{config}': {elapsed:.0f} s spent, over --time-limit {args.time_limit:.0f}",
                  file=sys.stderr, flush=True)
            continue
        print(f"== {config} ({elapsed:.0f} s)", file=sys.stderr, flush=True)
        try:
            run_config(args, config)
        except (RuntimeError, OSError, ValueError) as e:
            failed += 1
            print(f"compare_driver.py: '{config}' failed: {e}", file=sys.stderr, flush=True)
    print(f"compare_driver.py: {len(args.configs)} configurations in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
