"""Check the adapters' built wheels and sdists the way another tool would adopt them.

For each adapter of ``adapters/``, from the files ``make dist`` left in DIST:

- the wheel and the sdist pass ``twine check --strict``; the wheel holds the LICENSE, ``py.typed`` and
  the licence expression, the sdist holds the LICENSE, the tests with their conftest and samples, and
  the examples;
- the wheel alone is installed (never editable) with its ``test`` extra in a fresh virtualenv outside
  the repository;
- the tests, taken from the sdist without its ``src/``, run from a temporary folder against that install;
- the README's examples run as a doctest from an empty folder.

With ``--minimum``, each dependency is pinned at the floor its ``pyproject.toml`` declares (``>=X``
becomes ``==X``; a dependency without a floor is an error), so a floor that does not work fails here.

PES V2 adapters validate against the DGFiP schemas, which are not shipped (see their README): their
variables point at ``../shared/schemas/pes_v2`` beside the repository unless already set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

ADAPTERS = Path(__file__).resolve().parent
PES_SCHEMAS = ADAPTERS.parent.parent / "shared" / "schemas" / "pes_v2"
SCHEMA_VARIABLES = ("REGIE_PES_SCHEMAS",)


class Refused(Exception):
    """A package that another tool could not adopt as built; the message says what is missing."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", type=Path, help="folder holding the wheels and sdists of `make dist`")
    parser.add_argument("--minimum", action="store_true", help="pin every dependency at its declared floor")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the fresh virtualenvs")
    parser.add_argument("adapters", nargs="*", help="adapter folder names (default: all)")
    args = parser.parse_args()
    names = args.adapters or sorted(p.parent.name for p in ADAPTERS.glob("*/pyproject.toml"))
    env = _environment()
    failed = []
    for name in names:
        print(f"== {name}{' (dependency floors)' if args.minimum else ''}", flush=True)
        try:
            check(ADAPTERS / name, args.dist.resolve(), minimum=args.minimum, interpreter=args.python, env=env)
        except (Refused, subprocess.CalledProcessError) as e:
            print(f"{name}: {e}", file=sys.stderr, flush=True)
            failed.append(name)
    if failed:
        print(f"check_dist: failed for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def check(adapter: Path, dist: Path, *, minimum: bool, interpreter: str, env: dict[str, str]) -> None:
    project = tomllib.loads((adapter / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    stem = f"{project['name'].replace('-', '_')}-{project['version']}"
    wheel, sdist = dist / f"{stem}-py3-none-any.whl", dist / f"{stem}.tar.gz"
    for built in (wheel, sdist):
        if not built.is_file():
            raise Refused(f"{built} is missing: run `make dist` first")
    if not minimum:
        _run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)], env=env)
        _check_wheel(wheel, stem)
        _check_sdist(sdist, stem)
    with tempfile.TemporaryDirectory(prefix=f"regie-check-{adapter.name}-") as tmp:
        work = Path(tmp)
        python = _fresh_venv(interpreter, work / "venv")
        install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-qq", f"{wheel}[test]"]
        if minimum:
            floors = work / "floors.txt"
            floors.write_text("".join(f"{pin}\n" for pin in _floors(project)), encoding="utf-8")
            install += ["--constraint", str(floors)]
        _run(install, env=env)
        env = dict(env, PATH=f"{python.parent}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(python.parent.parent))
        with tarfile.open(sdist) as archive:
            archive.extractall(work, filter="data")
        source = work / stem
        shutil.rmtree(source / "src")  # the tests must import the installed wheel, nothing else
        package = project["name"].replace("-", "_")
        found = subprocess.run([python, "-c", f"import {package}; print({package}.__file__)"], cwd=source,
                               env=env, capture_output=True, text=True)
        if found.returncode:
            raise Refused(f"import {package} fails:\n{found.stderr}")
        where = found.stdout.strip()
        if not where.startswith(str(work / "venv")):
            raise Refused(f"the tests would import {package} from {where}, not from the installed wheel")
        _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=source, env=env)
        empty = work / "empty"
        empty.mkdir()
        _run([python, "-m", "doctest", "-o", "ELLIPSIS", str(source / "README.md")], cwd=empty, env=env)
        print(f"{adapter.name}: README examples passed", flush=True)


def _check_wheel(wheel: Path, stem: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"{stem}.dist-info/METADATA").decode("utf-8")
    package = stem.split("-")[0]
    needed = {f"{stem}.dist-info/licenses/LICENSE", f"{package}/py.typed"}
    if missing := needed - names:
        raise Refused(f"{wheel.name} lacks {', '.join(sorted(missing))}")
    for line in ("License-Expression: Apache-2.0", "Classifier: Typing :: Typed"):
        if line not in metadata.splitlines():
            raise Refused(f"{wheel.name}: no « {line} » in its metadata")


def _check_sdist(sdist: Path, stem: str) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(f"{stem}/") for name in archive.getnames()}
    needed = {"LICENSE", "CHANGELOG.md", "tests/conftest.py", "tests/samples", "examples"}
    if missing := needed - names:
        raise Refused(f"{sdist.name} lacks {', '.join(sorted(missing))}")


def _floors(project: dict) -> list[str]:
    """``name==X`` for each runtime dependency declared ``>=X``."""
    pins = []
    for text in project.get("dependencies", []):
        requirement = Requirement(text)
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(floors) != 1:
            raise Refused(f"dependency « {text} » declares no single floor (>=) to test")
        pins.append(f"{requirement.name}=={floors[0]}")
    return pins


def _fresh_venv(interpreter: str, where: Path) -> Path:
    """A virtualenv without pip: this interpreter's pip installs into it (``pip --python``), which is faster."""
    _run([interpreter, "-m", "venv", "--without-pip", where])
    return where / "bin" / "python"


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    env.setdefault("PIP_NO_INPUT", "1")
    if PES_SCHEMAS.is_dir():
        for variable in SCHEMA_VARIABLES:
            env.setdefault(variable, str(PES_SCHEMAS))
    return env


def _run(command: list, **kwargs) -> None:
    subprocess.run([str(part) for part in command], check=True, **kwargs)


if __name__ == "__main__":
    sys.exit(main())
