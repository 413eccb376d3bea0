#!/usr/bin/python3
"""`kanscan analyze` writes report.html: one self-contained page (no network) with the summary,
the tables and every figure. Opened in headless Chromium from Debian: a non-blank screenshot, no
console error, every <img> loaded (naturalWidth > 0). Exit 77 (ctest SKIP_RETURN_CODE) only when
/usr/bin/chromium is absent (scripts/setup.sh installs it).

    test_report_html.py KANSCAN_BINARY SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]

# Written into the DOM after the load event (a copy of the page only: the report runs no script).
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  document.body.setAttribute('data-probe', JSON.stringify(imgs.map(function (i) {
    return [i.alt, i.complete, i.naturalWidth, i.naturalHeight]; })));
});
</script>"""


def chromium(args, tmp):
    profile = tempfile.mkdtemp(dir=tmp, prefix="profile-")
    p = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                       timeout=180)
    return p


def main():
    if not os.path.exists(CHROMIUM):
        print(f"SKIP: {CHROMIUM} is not installed (apt-get install chromium; scripts/setup.sh does)")
        return 77
    kanscan, source = sys.argv[1], Path(sys.argv[2])
    sys.path.insert(0, str(source / "tests" / "analysis"))
    import py_fixture
    failures = []

    def check(cond, what):
        print(("ok: " if cond else "FAIL: ") + what)
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        py_fixture.main(tmp)
        out = tmp / "analysis"
        r = subprocess.run([kanscan, "analyze", str(tmp / "scan.h5"), "--out", str(out), "--data",
                            str(tmp / "events.h5")], capture_output=True, text=True, timeout=600)
        check(r.returncode == 0, f"analyze exit 0 (got {r.returncode}: {r.stderr[-500:]})")
        page = out / "report.html"
        check(page.is_file(), "report.html written")
        if not page.is_file():
            return 1
        text = page.read_text()
        pngs = sorted(out.glob("*.png"))
        check(len(pngs) >= 3, f"analyze drew figures ({len(pngs)})")
        check(text.count("<img ") == len(pngs), f"every figure in the page ({text.count('<img ')} of {len(pngs)})")
        check(not re.search(r"""(src|href)\s*=\s*['"]?(https?:|//)""", text, re.I), "nothing loaded from the network")
        check("<script" not in text.lower(), "no script")
        check("@media print" in text, "printable CSS")
        check("summary" in text.lower() and "pareto.csv" in text, "summary and tables in the page")

        shot = tmp / "shot.png"
        p = chromium([f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()], tmp)
        check(shot.is_file(), f"screenshot taken ({p.returncode}: {p.stderr[-300:]})")
        if shot.is_file():
            import matplotlib.image
            import numpy as np
            img = matplotlib.image.imread(str(shot))
            colours = len(np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0))
            check(colours > 50, f"screenshot not blank ({colours} distinct colours)")
        console = [line for line in p.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
        check(not console, f"no console errors ({console[:3]})")

        probe = out / "report_probe.html"
        probe.write_text(text.replace("</body>", PROBE + "</body>"))
        p = chromium(["--dump-dom", "--virtual-time-budget=10000", probe.as_uri()], tmp)
        m = re.search(r'data-probe="([^"]*)"', p.stdout)
        check(m is not None, f"probe ran ({p.stderr[-300:]})")
        if m:
            imgs = json.loads(m.group(1).replace("&quot;", '"'))
            check(len(imgs) == len(pngs), f"{len(imgs)} images in the DOM")
            bad = [i for i in imgs if not (i[1] and i[2] > 0 and i[3] > 0)]
            check(not bad, f"every image loaded (naturalWidth > 0); not loaded: {bad}")
        console = [line for line in p.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
        check(not console, f"no console errors with the probe ({console[:3]})")
    print(f"report.html: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
