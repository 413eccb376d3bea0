"""`cmake --install` gives a kanscan that works from any directory: bin/kanscan, its scripts in
share/kanscan (analyze draws the plots and report.html with them), and the Python package in
the prefix's site directory for /usr/bin/python3; the package also installs offline with
Debian's pip from python/ (pyproject + setuptools, no network)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SOURCE

BUILD = Path(os.environ.get("KANSCAN_BUILD", SOURCE / "build"))


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    p = tmp_path_factory.mktemp("prefix")
    r = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", str(p)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return p


def site_dir(prefix):
    return prefix / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "dist-packages"


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KANSCAN_PLOTS_SCRIPT")}
    env.update(extra)
    return env


def test_installed_layout(prefix):
    assert (prefix / "bin" / "kanscan").is_file()
    assert (prefix / "share" / "kanscan" / "plots.py").is_file()
    assert (prefix / "share" / "kanscan" / "report_html.py").is_file()
    assert (site_dir(prefix) / "kanscan" / "__init__.py").is_file()
    assert (site_dir(prefix) / "kanscan" / "torch_model.py").is_file()


def test_installed_binary_analyzes_from_another_directory(prefix, tmp_path):
    sys.path.insert(0, str(SOURCE / "tests" / "analysis"))
    import py_fixture
    py_fixture.main(tmp_path)
    env = clean_env(PATH=f"{prefix / 'bin'}:/usr/bin:/bin", PYTHONPATH=str(site_dir(prefix)))
    r = subprocess.run(["kanscan", "analyze", "scan.h5", "--out", "a"], cwd=tmp_path, env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "plots (PNG, PDF)" in r.stdout and (tmp_path / "a" / "pareto.png").is_file(), r.stdout + r.stderr
    assert (tmp_path / "a" / "report.html").is_file(), r.stdout + r.stderr


def test_installed_package_imports_for_usr_bin_python3(prefix, tmp_path):
    r = subprocess.run(["/usr/bin/python3", "-c", "import kanscan, kanscan.plotting; print(kanscan.__file__)"],
                       cwd=tmp_path, env=clean_env(PYTHONPATH=str(site_dir(prefix))), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(site_dir(prefix))), r.stdout


def test_default_prefix_site_dir_is_on_debians_path():
    # cmake --install without --prefix puts the package in /usr/local/lib/python3.X/dist-packages
    r = subprocess.run(["/usr/bin/python3", "-c", "import sys; print('\\n'.join(sys.path))"], capture_output=True,
                       text=True, env=clean_env())
    assert str(site_dir(Path("/usr/local"))) in r.stdout.splitlines(), r.stdout


def test_pip_installs_the_package_offline(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SOURCE / "python", src, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    target = tmp_path / "target"
    r = subprocess.run(["/usr/bin/python3", "-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-deps",
                        "--target", str(target), str(src)], capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["/usr/bin/python3", "-c", "import kanscan; print(kanscan.__file__, kanscan.__version__)"],
                       cwd=tmp_path, env=clean_env(PYTHONPATH=str(target)), capture_output=True, text=True)
    assert r.returncode == 0 and str(target) in r.stdout, r.stdout + r.stderr


def test_readme_first_command_installs_and_slurm_calls_kanscan_by_name():
    quick = (SOURCE / "scripts" / "quickstart.sh").read_text()
    assert "cmake --install" in quick
    assert "\nkanscan " in quick or " kanscan " in quick  # the quickstart itself uses the installed command
    sbatch = (SOURCE / "examples" / "slurm" / "kanscan_scan.sbatch").read_text()
    assert "srun --cpu-bind=cores kanscan run" in sbatch
