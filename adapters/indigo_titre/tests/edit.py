"""Build variants of the example: change one value at a dotted JSON path."""

from __future__ import annotations

import copy
import json
from typing import Any

from conftest import EXAMPLE

from regie_indigo_titre import jsonio
from regie_indigo_titre.records import TitlesFile

_DELETE = object()


def example_dict() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def edited(path: str, value: object = _DELETE) -> TitlesFile:
    """The example with ``path`` (e.g. ``bordereau.titles.1.debtor.address.postcode``) set or deleted."""
    return jsonio.from_dict(TitlesFile, edited_dict(path, value))


def edited_dict(path: str, value: object = _DELETE) -> dict[str, Any]:
    data = copy.deepcopy(example_dict())
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return data
