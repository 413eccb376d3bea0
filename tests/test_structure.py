#!/usr/bin/env python3
"""The structure the code promises, checked on the sources (docs/architecture.md):
HDF5, YAML and MPI each seen by one module's implementation files only, dependencies pointing
one way, no function longer than ~120 lines, and no reference to files outside the repository.

    test_structure.py SOURCE_DIR
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
SOURCE_SUFFIXES = (".cpp", ".hpp", ".inl")
MAX_FUNCTION_LINES = 120


def tracked_files():
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files"], check=True, capture_output=True, text=True).stdout
        return [ROOT / p for p in out.splitlines() if (ROOT / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        return [p for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts and "build" not in p.parts]


FILES = tracked_files()
SOURCES = [p for p in FILES if p.suffix in SOURCE_SUFFIXES]
problems = []


def rel(p):
    return str(p.relative_to(ROOT))


def only_in(pattern, allowed, what):
    rx = re.compile(pattern)
    for p in SOURCES:
        r = rel(p)
        if any(r.startswith(a) for a in allowed):
            continue
        for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
            code = line.split("//")[0]
            if rx.search(code):
                problems.append(f"{r}:{n}: {what} outside {', '.join(allowed)}: {line.strip()}")


# One owner per library.
only_in(r'#\s*include\s*[<"](hdf5|H5[A-Za-z]*)\.h[>"]|\bH5[A-Z][a-z]*[A-Za-z_]*\(', ["io/h5"], "HDF5")
only_in(r"\bYAML::|yaml-cpp/", ["io/config.cpp"], "yaml-cpp")
only_in(r"#\s*include\s*[<\"]mpi\.h[>\"]|\bMPI_[A-Z][a-z_]+\(", ["framework/mpi/"], "MPI")
only_in(r"#\s*include\s*[<\"]csv\.h[>\"]|\bcsv_(init|parse|fini)\(", ["io/csv_table.cpp"], "libcsv")

# Dependencies point one way: framework <- models <- scans; framework <- io <- scans; analysis reads io.
layers = {
    "types/": ["types/"],
    "framework/": ["types/", "framework/"],
    "models/": ["types/", "framework/", "models/"],
    "io/": ["types/", "framework/", "io/"],
    "analysis/": ["types/", "framework/", "io/", "analysis/", "kanscan_version"],
}
include_rx = re.compile(r'#\s*include\s*"([^"]+)"')
for p in SOURCES:
    r = rel(p)
    for prefix, allowed in layers.items():
        if not r.startswith(prefix):
            continue
        for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
            m = include_rx.search(line)
            if m and "/" in m.group(1) and not any(m.group(1).startswith(a) for a in allowed):
                problems.append(f"{r}:{n}: {prefix} must not include {m.group(1)}")


# Functions: a brace-depth scan of definitions (a comment or string never opens a body).
def strip(line):
    line = re.sub(r"//.*", "", line)
    line = re.sub(r'"([^"\\]|\\.)*"', '""', line)
    return re.sub(r"'([^'\\]|\\.)*'", "''", line)


def long_functions(path):
    lines = path.read_text(errors="replace").split("\n")
    stack, pending, out, raw = [], "", [], False
    for i, line in enumerate(lines):
        if raw:
            raw = ')"' not in line
            continue
        if 'R"(' in line and ')"' not in line.split('R"(', 1)[1]:
            raw = True
            continue
        s = strip(line)
        for k, ch in enumerate(s):
            if ch == "{":
                head = (pending + s[:k]).strip()
                inside = any(kind == "fn" for kind, _ in stack)
                if re.search(r"\b(namespace|struct|class|enum|union)\b[^()]*$", head):
                    kind = "type"
                elif not inside and ")" in head and not head.endswith("="):
                    kind = "fn"
                else:
                    kind = "block"
                stack.append((kind, i))
                pending = ""
            elif ch == "}":
                if stack:
                    kind, start = stack.pop()
                    if kind == "fn" and i - start + 1 > MAX_FUNCTION_LINES:
                        out.append((start + 1, i - start + 1, lines[start].strip()[:70]))
                pending = ""
            elif ch == ";":
                pending = ""
        if not s.strip().endswith(";"):
            pending = (pending + " " + s[s.rfind("}") + 1:])[-300:]
    return out


for p in SOURCES:
    for line, n, head in long_functions(p):
        problems.append(f"{rel(p)}:{line}: a function of {n} lines (more than {MAX_FUNCTION_LINES}): {head}")

# Nothing cites the developers' files beside the repository.
outside = re.compile("(" + "|".join(n + r"\.md" for n in ("SP" "EC", "GENER" "ATORS", "REFER" "ENCES", "ST" "YLE")) +
                     r"|\.\./sha" r"red/)")
for p in FILES:
    if p.suffix in (".png", ".pdf", ".h5") or p.name == "quickstart_golden.json":
        continue
    for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
        if outside.search(line):
            problems.append(f"{rel(p)}:{n}: names a file outside the repository: {line.strip()[:100]}")

for q in problems:
    print(q)
print(f"{len(SOURCES)} source files, {len(FILES)} files checked, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
