import sys
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# fixtures.py and strategies.py are helpers of the tests, not part of the package.
sys.path.insert(0, str(Path(__file__).parent))

# Tests write nothing in the source tree: hypothesis keeps its caches in a temporary folder.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="regie-coda-hypothesis-"))
settings.register_profile("regie", max_examples=60, deadline=None, derandomize=True, database=None)
settings.load_profile("regie")

SAMPLES = Path(__file__).parent / "samples"
