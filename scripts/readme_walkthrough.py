"""Runs the README's curl walk-through exactly as written and checks what it prints.

Every fenced block opened with ```bash walkthrough runs, in order, in one bash process
(so the variables one block sets are there for the next), with `set -euo pipefail`. A
block may be followed by a ```text output block: what the block prints on stdout must
match it line by line, `…` standing for any text within a line. A block without one must
print nothing. Anything on stderr, a non-zero exit, or a mismatch fails the run, naming
the block. The README's blocks read the mock's address from ENGEE_URL.

    python3 scripts/readme_walkthrough.py README.md   # ENGEE_URL=http://127.0.0.1:PORT
"""

import os
import re
import subprocess
import sys
import tempfile

# README_BLOCKS picks another kind of block: `ci-example` runs "Use it in CI" the same way.
RUN = "```bash " + os.environ.get("README_BLOCKS", "walkthrough")
OUTPUT = "```text output"
TIMEOUT_SECS = 60


def blocks(markdown):
    """[(first line number, code, expected output or None)] in document order."""
    lines = markdown.split("\n")
    found = []
    i = 0

    def fenced(start):  # the body of the block opened at `start`, and the line after it
        end = start + 1
        while lines[end].rstrip() != "```":
            end += 1
        return "\n".join(lines[start + 1 : end]), end + 1

    while i < len(lines):
        if lines[i].rstrip() == RUN:
            first = i + 1  # the opening fence's line number
            code, i = fenced(i)
            j = i
            while j < len(lines) and not lines[j].strip():
                j += 1
            expected = None
            if j < len(lines) and lines[j].rstrip() == OUTPUT:
                expected, i = fenced(j)
            found.append((first, code, expected))
        else:
            i += 1
    return found


def matches(expected, actual):
    exp = expected.rstrip("\n").split("\n") if expected else []
    act = actual.rstrip("\n").split("\n") if actual else []
    if len(exp) != len(act):
        return False
    for e, a in zip(exp, act):
        pattern = ".*?".join(re.escape(part) for part in e.rstrip().split("…"))
        if not re.fullmatch(pattern, a.rstrip()):
            return False
    return True


def main():
    readme = sys.argv[1]
    found = blocks(open(readme, encoding="utf-8").read())
    if not found:
        sys.exit(f"{readme}: no {RUN} blocks")
    with tempfile.TemporaryDirectory() as work:
        script = ["set -euo pipefail"]
        for n, (_, code, _) in enumerate(found):
            script.append(f'echo {n} >"{work}/current"')
            script.append("{\n" + code + f'\n}} >"{work}/{n}.out" 2>"{work}/{n}.err"')
        script.append(f'echo done >"{work}/current"')
        env = dict(os.environ, TMPDIR=work)
        try:
            run = subprocess.run(
                ["bash", "-c", "\n".join(script)],
                env=env,
                cwd=work,
                timeout=TIMEOUT_SECS,
            )
            status = run.returncode
        except subprocess.TimeoutExpired:
            status = f"timeout after {TIMEOUT_SECS} s"
        reached = open(f"{work}/current").read().strip()
        last = len(found) if reached == "done" else int(reached)
        failures = 0
        for n, (line, code, expected) in enumerate(found[: last + 1]):
            out = open(f"{work}/{n}.out", encoding="utf-8", errors="replace").read()
            err = open(f"{work}/{n}.err", encoding="utf-8", errors="replace").read()
            problems = []
            if n == last:
                problems.append(f"stopped here (bash: {status})")
            if err:
                problems.append("printed on stderr:\n" + err)
            if not matches(expected, out):
                problems.append(
                    "printed:\n" + (out or "(nothing)\n")
                    + "but the README shows:\n" + (expected + "\n" if expected else "(nothing)\n")
                )
            if problems:
                failures += 1
                print(f"FAIL {readme}:{line} block {n + 1}:\n{code}\n-- " + "\n-- ".join(problems))
        if failures or last < len(found):
            sys.exit(f"walk-through: {failures} of {len(found)} blocks failed")
        print(f"walk-through: all {len(found)} blocks of {readme} ran as written")


if __name__ == "__main__":
    main()
