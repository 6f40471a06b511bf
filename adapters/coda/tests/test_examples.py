import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_example_runs(script):
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert "+++240/2838/42818+++" in result.stdout


def test_example_refuses_a_broken_file():
    script = EXAMPLES / "import_statement.py"
    result = subprocess.run([sys.executable, str(script), str(SAMPLES / "bad/balance.cod")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Fichier refusé" in result.stderr
