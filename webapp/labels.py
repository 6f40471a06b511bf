"""The one way a stored value carries its French label: an enum whose members are written `NAME = value, label`
and read `Role.ADMIN.label`, in Python and in templates alike."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Self

from wtforms import SelectChoice


class Labelled(enum.StrEnum):
    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls, members: Iterable[Self] | None = None) -> list[SelectChoice]:
        """The members (all, or those given) as the options of a select."""
        return [SelectChoice(member.value, member.label) for member in (cls if members is None else members)]
