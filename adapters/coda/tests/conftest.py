import sys
from pathlib import Path

from hypothesis import settings

# fixtures.py and strategies.py are helpers of the tests, not part of the package.
sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("regie", max_examples=60, deadline=None, derandomize=True, database=None)
settings.load_profile("regie")

SAMPLES = Path(__file__).parent / "samples"
