"""The docs say what the program does: every scan key named in docs/ (and the README) exists in
the key table (`kanscan validate --describe-keys`), and the "your own data" walkthrough of
docs/data.md runs as written."""
import os
import re
import subprocess
from pathlib import Path

import yaml

from conftest import BIN, SOURCE, kanscan

DOCS = sorted((SOURCE / "docs").glob("*.md")) + [SOURCE / "README.md"]


def key_table():
    r = kanscan("validate", "--describe-keys")
    assert r.code == 0, r
    keys, section = set(), None
    for line in r.out.splitlines():
        if line.startswith("### "):
            section = {"Top": "", "`data:`": "data.", "`train:`": "train.", "`models:`": "models."}[line[4:].split()[0]]
        m = re.match(r"\| `([^`]+)` \|", line)
        if m and section is not None:
            keys.add(section + m.group(1))
    return keys


KEYS = key_table()
MAPS = {"data.knobs"}  # values are names chosen by the generator, not keys


def walk_block(node, prefix, found):
    """Key paths of a YAML mapping in a doc: data.X, train.X, models.X (train keys in a block too)."""
    for k, v in node.items():
        path = f"{prefix}{k}"
        if prefix == "" and k in ("data", "train") and isinstance(v, dict):
            walk_block(v, f"{k}.", found)
        elif prefix == "" and k == "models" and isinstance(v, list):
            for blk in v:
                walk_block(blk, "models.", found)
        elif isinstance(v, dict) and path not in MAPS:
            walk_block(v, path + ".", found)
        else:
            found.append(path)


def named_keys(text):
    found = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", text, re.S):
        if lang != "yaml":
            continue
        doc = yaml.safe_load(body)
        if isinstance(doc, dict):
            walk_block(doc, "", found)
    # Inline references: `data.label`, `train.epochs`, `models[i].grid_size`, `--set models[0].width=...`;
    # not file names (data.md, io/data.hpp), nor the quoted message of an error example.
    for line in text.splitlines():
        if "unknown key" in line:
            continue
        for sec, rest in re.findall(r"\b(data|train|models\[[^\]]*\])\.([a-z_]+(?:\.[a-z_]+)*)", line):
            if rest.split(".")[0] in ("md", "hpp", "h", "cpp", "py", "csv", "h5"):
                continue
            found.append(("models" if sec.startswith("models") else sec) + "." + rest)
    return found


# A model block also takes every train key; `optimizer: adam` and `early_stopping: {...}` name a
# group of declared keys.
ALL = KEYS | {"models." + k[len("train."):] for k in KEYS if k.startswith("train.")}


def known(path):
    return path in ALL or any(k.startswith(path + ".") for k in ALL) or any(path.startswith(m + ".") for m in MAPS)


def test_every_key_named_in_the_docs_exists():
    unknown = []
    for doc in DOCS:
        for path in named_keys(doc.read_text()):
            if not known(path):
                unknown.append(f"{doc.name}: {path}")
    assert not unknown, "keys named in the docs but not in the key table:\n" + "\n".join(sorted(set(unknown)))


def test_the_check_sees_a_wrong_name():
    assert "data.label_column" in named_keys("```yaml\ndata:\n  label_column: y\n```\n")
    assert not known("data.label_column") and known("data.label") and known("models.grid_size")


def walkthrough_blocks():
    text = (SOURCE / "docs" / "data.md").read_text()
    section = text.split("## Your own data: from a pandas CSV to the report", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def test_walkthrough_runs_as_written(tmp_path):
    env = dict(os.environ, PATH=f"{Path(BIN).parent}:{os.environ['PATH']}", OMP_NUM_THREADS="1",
               PYTHONPATH=str(SOURCE / "python"))
    outputs = []
    blocks = walkthrough_blocks()
    assert [lang for lang, _ in blocks].count("sh") >= 2, blocks
    for lang, body in blocks:
        if lang == "python":
            p = subprocess.run(["/usr/bin/python3", "-c", body], cwd=tmp_path, env=env, capture_output=True, text=True)
        elif lang == "yaml":
            (tmp_path / body.splitlines()[0].lstrip("# ").strip()).write_text(body)
            continue
        elif lang == "sh":
            p = subprocess.run(["bash", "-euo", "pipefail", "-c", body], cwd=tmp_path, env=env, capture_output=True,
                               text=True)
        else:
            continue
        assert p.returncode == 0, f"{lang} block failed:\n{body}\n--- output:\n{p.stdout}\n{p.stderr}"
        outputs.append(p.stdout + p.stderr)
    validate = outputs[1]
    assert "features (3) m_bb, pt_lead, delta_eta" in validate, validate
    assert "bkg = 0" in validate and "weights: column 'weight'" in validate and "note:" in validate, validate
    assert (tmp_path / "own_analysis" / "report.html").is_file()
    assert list((tmp_path / "own_analysis").glob("kan_splines_*.png")), "the spline-vs-LLR figure"
    assert "--set train.epochs=30" in outputs[-2] and "total: 5 trial(s)" in outputs[-2], outputs[-2]
