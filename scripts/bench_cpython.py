"""The workloads of julia-lite's `examples/timing.rs`, in CPython, for `make bench`: best
of N runs (argv[1], default 5) of each, in milliseconds. With the path of the `timing`
example as argv[2], runs it too (same number of runs) and prints both side by side."""
import os
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
JULIA = sys.argv[2] if len(sys.argv) > 2 else None


def best(f):
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times) * 1e3


def top_level_loop():
    # module-level code: `s` and `i` are globals, as in julia-lite's top-level loop
    exec("s = 0\nfor i in range(1, 10**7 + 1):\n    s += i\n", {})


def loop7():
    s = 0
    for i in range(1, 10**7 + 1):
        s += i
    return s


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def matmul():
    # pure Python lists (CPython has no matrix type; numpy is not CPython)
    n = 200
    import math
    a = [[math.sin(i + j) for j in range(1, n + 1)] for i in range(1, n + 1)]
    b = [[math.cos(i - j) for j in range(1, n + 1)] for i in range(1, n + 1)]
    bt = list(zip(*b))
    t = time.perf_counter()
    [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]
    return time.perf_counter() - t


python = [
    ("loop 10^7, top level", best(top_level_loop), ""),
    ("loop 10^7, in a function", best(loop7), ""),
    ("fib(25), recursive", best(lambda: fib(25)), ""),
    ("200×200 Float64 matrix product", min(matmul() for _ in range(2)) * 1e3,
     "  (CPython: pure-Python lists)"),
]
if JULIA is None:
    for name, ms, note in python:
        print(f"{name:<34} {ms:>9.2f} ms{note}")
    sys.exit(0)

env = dict(os.environ, TIMING_RUNS=str(RUNS))
out = subprocess.run([JULIA], env=env, check=True, capture_output=True, text=True).stdout
julia = [float(line.rsplit(None, 2)[-2]) for line in out.splitlines() if line.strip()]
print(f"Python {sys.version.split()[0]} on this machine")
print(f"{'workload':<34} {'julia-lite':>12} {'CPython':>12} {'ratio':>7}")
for (name, ms, note), jl in zip(python, julia):
    print(f"{name:<34} {jl:>9.2f} ms {ms:>9.2f} ms {jl / ms:>7.3g}x{note}")
