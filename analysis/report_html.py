#!/usr/bin/python3
"""report.html: one self-contained page of a `kanscan analyze` output directory, to send to a
colleague. Built from what analyze already wrote (summary.txt, every CSV table, every figure:
the PNGs listed in analysis.json "figures", else every PNG of the directory), so new tables and
figures appear without a change here. Images are embedded as data: URIs, the CSS is inline and
printable; the page loads nothing from the network and runs no script.

    report_html.py DIR        (writes DIR/report.html atomically)
"""
import base64
import csv
import datetime
import html
import json
import os
import sys
import tempfile
from pathlib import Path

MAX_ROWS = 60  # rows shown per table; the CSV beside the report has them all

CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 70em; color: #222;
       padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; border-bottom: 2px solid #1f77b4; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; color: #1f4e79; }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
pre { background: #f6f8fa; border: 1px solid #ddd; padding: .8em; overflow-x: auto; font-size: .82em;
      white-space: pre-wrap; }
table { border-collapse: collapse; font-size: .8em; margin: .4em 0 1em; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: right; white-space: nowrap; }
th { background: #eef3f8; }
td.text { text-align: left; }
.tablewrap { overflow-x: auto; }
figure { margin: 1em 0 2em; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
.meta, .note { color: #555; font-size: .85em; }
nav ul { columns: 2; font-size: .9em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  nav { display: none; }
  h2 { page-break-before: auto; page-break-after: avoid; break-after: avoid; }
  .tablewrap { overflow: visible; }
  table { page-break-inside: auto; }
  tr { page-break-inside: avoid; break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(s):
    return html.escape(str(s), quote=True)


def figures(out, manifest):
    listed = manifest.get("figures")
    if isinstance(listed, list) and listed:
        # plots.py lists {"name", "png", "pdf", "title"}; plain names are accepted too.
        names = [f.get("png", f"{f.get('name')}.png") if isinstance(f, dict) else
                 (f if str(f).endswith(".png") else f"{f}.png") for f in listed]
        return [out / n for n in names if (out / n).is_file()]
    return sorted(out.glob("*.png"))


def table_html(path):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.reader(f))
    if not rows:
        return "<p class='note'>(empty table)</p>"
    head, body = rows[0], rows[1:]
    parts = ["<div class='tablewrap'><table><thead><tr>"]
    parts += [f"<th>{esc(h)}</th>" for h in head]
    parts.append("</tr></thead><tbody>")
    for r in body[:MAX_ROWS]:
        cells = []
        for v in r:
            try:
                float(v)
                cells.append(f"<td>{esc(v)}</td>")
            except ValueError:
                cells.append(f"<td class='text'>{esc(v)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    if len(body) > MAX_ROWS:
        parts.append(f"<p class='note'>first {MAX_ROWS} of {len(body)} rows; all of them in {esc(path.name)}</p>")
    return "".join(parts)


def build(out):
    manifest = {}
    if (out / "analysis.json").is_file():
        manifest = json.loads((out / "analysis.json").read_text())
    summary = (out / "summary.txt").read_text(errors="replace") if (out / "summary.txt").is_file() else ""
    tables = sorted(p for p in out.glob("*.csv"))
    # The headline tables first, the per-trial detail after.
    order = ["pareto.csv", "configs.csv", "matched_budget.csv", "axes.csv", "working_points.csv", "trials.csv"]
    tables.sort(key=lambda p: (order.index(p.name) if p.name in order else len(order), p.name))
    figs = figures(out, manifest)
    title = f"kanscan analysis: {manifest.get('scan_name') or Path(manifest.get('results', out.name)).stem}"
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p class='meta'>results file {esc(manifest.get('results', ''))}; report written {stamp} from the "
        f"files of {esc(out)}</p>",
        "<nav><ul><li><a href='#summary'>Summary</a></li>",
    ]
    parts += [f"<li><a href='#fig-{esc(p.stem)}'>Figure: {esc(p.stem)}</a></li>" for p in figs]
    parts += [f"<li><a href='#tab-{esc(p.stem)}'>Table: {esc(p.name)}</a></li>" for p in tables]
    parts.append("</ul></nav>")
    parts.append(f"<h2 id='summary'>Summary</h2><pre>{esc(summary) or '(no summary.txt)'}</pre>")
    parts.append("<h2>Figures</h2>")
    if not figs:
        parts.append("<p class='note'>no figures (analyze ran with --no-plots, or matplotlib is missing)</p>")
    for p in figs:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        parts.append(f"<figure id='fig-{esc(p.stem)}'><img alt='{esc(p.stem)}' src='data:image/png;base64,{data}'>"
                     f"<figcaption>{esc(p.name)}</figcaption></figure>")
    parts.append("<h2>Tables</h2>")
    for p in tables:
        parts.append(f"<h3 id='tab-{esc(p.stem)}'>{esc(p.name)}</h3>{table_html(p)}")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    page = build(out)
    fd, tmp = tempfile.mkstemp(prefix=".report.html.", dir=out)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out / "report.html")
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print(f"report_html.py: wrote {out / 'report.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
