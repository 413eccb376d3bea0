#!/usr/bin/env python3
"""The quickstart scan gives the same trial ids and bitwise the same results as the build the
golden file was recorded with: every /trials value (train_seconds excepted, it is wall time),
the canonical config of each trial and a SHA-256 of every dataset of /trial/<id>.

    golden_quickstart.py KANSCAN_BINARY SOURCE_DIR            compare (the test)
    golden_quickstart.py KANSCAN_BINARY SOURCE_DIR --write    record anew

Record anew only for a change that is meant to change results (a new kernel summation order,
say), and say so in the commit message.
"""
import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def dump(path):
    out = {}
    with h5py.File(path, "r") as f:
        table = f["trials"][()]
        for row in table:
            tid = row["trial_id"].decode()
            rec = {}
            for name in table.dtype.names:
                if name == "train_seconds":
                    continue
                v = row[name]
                if isinstance(v, bytes):
                    v = v.decode()
                elif isinstance(v, np.floating):
                    v = float(v).hex()
                elif isinstance(v, np.integer):
                    v = int(v)
                rec[name] = v
            group = f["trial"][tid]
            h = hashlib.sha256()

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    h.update(name.encode())
                    h.update(np.ascontiguousarray(obj[()]).tobytes())

            group.visititems(visit)
            rec["data_sha256"] = h.hexdigest()
            config = group.attrs["config"]
            rec["config"] = config if isinstance(config, str) else config.decode()
            out[tid] = rec
    return out


def main():
    binary, source = sys.argv[1], pathlib.Path(sys.argv[2])
    golden = source / "tests/scans/data/quickstart_golden.json"
    with tempfile.TemporaryDirectory() as tmp:
        results = pathlib.Path(tmp) / "quickstart.h5"
        subprocess.run([binary, "run", str(source / "examples/quickstart.yaml"), "--out", str(results),
                        "--cache-dir", str(pathlib.Path(tmp) / "cache"), "--threads", "2"],
                       check=True, stdout=subprocess.DEVNULL)
        got = dump(results)
    if "--write" in sys.argv:
        golden.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(f"wrote {golden} ({len(got)} trials)")
        return 0
    want = json.loads(golden.read_text())
    problems = []
    for tid in sorted(set(want) - set(got)):
        problems.append(f"trial {tid} is missing (the ids changed?)")
    for tid in sorted(set(got) - set(want)):
        problems.append(f"trial {tid} is new (the ids changed?)")
    # /trials columns added after the recording (keys of later issues, e.g. `basis`) extend the
    # table without touching the recorded values; a recorded column that disappears is a change.
    added = set()
    for tid in sorted(set(want) & set(got)):
        added |= set(got[tid]) - set(want[tid])
        for key in sorted(set(want[tid])):
            if want[tid].get(key) != got[tid].get(key):
                problems.append(f"trial {tid} {key}: recorded {want[tid].get(key)!r}, now {got[tid].get(key)!r}")
    if added:
        print(f"columns added since the recording (not compared): {', '.join(sorted(added))}")
    for p in problems[:40]:
        print(p)
    print(f"{len(want)} recorded trials, {len(got)} now, {len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
