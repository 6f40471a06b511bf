import subprocess
import sys

import regie_ormc


def test_version_comes_from_the_distribution():
    assert regie_ormc.__version__ == "0.4.0"


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "regie_ormc", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "build" in done.stdout
