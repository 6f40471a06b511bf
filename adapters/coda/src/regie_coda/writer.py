"""Write statements as CODA bytes that :func:`regie_coda.read` reads back identically.

Positions come from the same layouts as the reader. Next and link codes, the
record count and the trailer totals are computed from what is written; a
statement whose balances do not add up, or a value that does not fit its
field, raises a :class:`~regie_coda.errors.CodaError` and nothing is returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import layouts as L
from . import shapes
from .errors import CodaError, EncodingError, FieldError, StructureError
from .fields import Layout
from .records import FreeCommunication, Information, Movement, Statement
from .rules import check_balance, totals


def write(
    statements: Iterable[Statement], *, encoding: str = "cp1252", newline: str = "\r\n"
) -> bytes:
    """CODA bytes for ``statements``: windows-1252 and CRLF by default, as banks send."""
    items = list(statements)
    if not items:
        raise StructureError("aucun extrait à écrire : un fichier CODA en contient au moins un")
    chunks: list[bytes] = []
    written = 0
    for index, statement in enumerate(items, 1):
        try:
            shapes.check(statement)
            check_balance(statement)
            lines = _statement(statement, last=index == len(items))
        except CodaError as e:
            if e.statement is not None:
                raise
            raise type(e)(e.message, field=e.field, value=e.value, statement=statement.number) from e
        text = newline.join(lines) + newline
        try:
            chunks.append(text.encode(encoding))
        except UnicodeEncodeError as e:
            raise EncodingError(
                f"le caractère « {text[e.start]} » ne s'écrit pas en {encoding}",
                line=written + text.count(newline, 0, e.start) + 1,
                value=text[e.start],
                statement=statement.number,
            ) from e
        written += len(lines)
    return b"".join(chunks)


def _statement(s: Statement, *, last: bool) -> list[str]:
    block = _account_block(s)
    lines = [
        L.HEADER.render(
            {
                "zeros": "0000",
                "creation_date": s.creation_date,
                "bank_id": s.bank_id,
                "application": "05",
                "duplicate": "D" if s.duplicate else "",
                "file_reference": s.file_reference,
                "addressee": s.addressee,
                "bic": s.bic,
                "holder_id": s.holder_id,
                "separate_application": s.separate_application,
                "transaction_reference": s.transaction_reference,
                "related_reference": s.related_reference,
                "version": s.version,
            }
        ),
        L.OLD_BALANCE.render(
            {
                "structure": s.account_structure,
                "number": s.number,
                "account_block": block,
                "debit": s.old_balance < 0,
                "balance": abs(s.old_balance),
                "balance_date": s.old_balance_date,
                "holder": s.holder,
                "description": s.description,
                "coda_number": s.sequence_number,
            }
        ),
    ]
    for movement in s.movements:
        lines.extend(_movement(s, movement))
    free = s.free_communications
    before = sum(1 for f in free if f.before_new_balance)
    if any(f.before_new_balance for f in free[before:]):
        raise FieldError(
            "les communications libres d'avant le nouveau solde doivent précéder les autres",
            field="communications libres",
        )
    lines.extend(_free(free[:before]))
    if s.new_balance_record:
        lines.append(
            L.NEW_BALANCE.render(
                {
                    "number": s.number,
                    "account_block": block,
                    "debit": s.new_balance < 0,
                    "balance": abs(s.new_balance),
                    "balance_date": s.new_balance_date,
                    "link": "1" if len(free) > before else "0",
                }
            )
        )
    elif (s.new_balance, s.new_balance_date) != (s.old_balance, s.old_balance_date):
        raise FieldError(
            "sans enregistrement 8, le nouveau solde et sa date sont ceux de l'ancien solde",
            field="nouveau solde",
            value=str(s.new_balance),
        )
    elif before < len(free):
        raise FieldError(
            "sans enregistrement 8, les communications libres viennent avant la fin de l'extrait",
            field="communications libres",
        )
    lines.extend(_free(free[before:]))
    debit, credit = totals(s)
    counted = sum(1 for line in lines if line[0] in "1238")
    lines.append(L.TRAILER.render({"count": counted, "debit": debit, "credit": credit, "last": "2" if last else "1"}))
    return lines


def _free(group: tuple[FreeCommunication, ...]) -> Iterator[str]:
    """Records 4 in a row: each links to the next one, the last to none."""
    for position, free in enumerate(group, 1):
        link = "1" if position < len(group) else "0"
        yield L.FREE.render({"sequence": free.sequence, "detail": free.detail, "text": free.text, "link": link})


def _account_block(s: Statement) -> str:
    values = {"account": s.account, "currency": s.currency, "country": s.account_country}
    if s.version == 1:
        return L.ACCOUNT_BLOCK_V1.render(values)
    layout = L.ACCOUNT_BLOCKS.get(s.account_structure)
    if layout is None:
        raise FieldError(
            "structure de compte inconnue (0 à 3 attendu)",
            field="structure du compte",
            value=str(s.account_structure),
        )
    return layout.render(values)


def _pieces(kind: str | None, text: str, widths: tuple[int, ...], what: str) -> list[str]:
    """Cut a communication into the pieces of its records, the structure type first."""
    if kind is not None:
        if len(kind) != L.STRUCTURED_TYPE or not (kind.isascii() and kind.isdigit()):
            raise FieldError("type de communication structurée de 3 chiffres attendu", field=what, value=kind)
        text = kind + text
    pieces, start = [], 0
    for width in widths:
        pieces.append(text[start : start + width])
        start += width
    if len(text) > start:
        raise FieldError(f"communication trop longue ({len(text)} caractères, {start} au plus)", field=what, value=text)
    return pieces


def _movement(s: Statement, m: Movement) -> Iterator[str]:
    v1 = s.version == 1
    pieces = _pieces(
        m.communication_type, m.communication, L.MOVEMENT_PIECES_V1 if v1 else L.MOVEMENT_PIECES, "communication"
    )
    third = m.counterparty_account or m.counterparty_currency or m.counterparty_name or any(pieces[2:])
    second = third or pieces[1] or any(
        (m.customer_reference, m.counterparty_bic, m.r_type, m.reason, m.category_purpose, m.purpose)
    )
    link = "1" if m.information else "0"
    ids = {"sequence": m.sequence, "detail": m.detail}
    yield L.MOVEMENT.render(
        {
            **ids,
            "bank_reference": m.bank_reference,
            "debit": m.amount < 0,
            "amount": abs(m.amount),
            "value_date": m.value_date,
            "transaction_code": str(m.transaction_code),
            "structured": 0 if m.communication_type is None else 1,
            "communication": pieces[0],
            "entry_date": m.entry_date,
            "paper_number": f"{s.number:03d}",
            "globalisation_code": m.globalisation_code,
            "next": "1" if second else "0",
            "link": link,
        }
    )
    if second:
        yield L.MOVEMENT_2.render(
            {
                **ids,
                "communication": pieces[1],
                "customer_reference": m.customer_reference,
                "counterparty_bic": m.counterparty_bic,
                "r_type": m.r_type,
                "reason": m.reason,
                "category_purpose": m.category_purpose,
                "purpose": m.purpose,
                "next": "1" if third else "0",
                "link": link,
            }
        )
    if third:
        yield _layout_3(m, v1).render(
            {
                **ids,
                "counterparty_account": m.counterparty_account,
                "counterparty_currency": m.counterparty_currency,
                "counterparty_name": m.counterparty_name,
                "communication": "" if v1 else pieces[2],
                "link": link,
            }
        )
    for position, info in enumerate(m.information, 1):
        yield from _information(info, more=position < len(m.information))


def _layout_3(m: Movement, v1: bool) -> Layout:
    """The 2.3 layout the reader will pick for this counterparty account."""
    account = m.counterparty_account
    if v1:
        return L.MOVEMENT_3_V1
    if len(account) <= L.BBAN_LENGTH:
        return L.MOVEMENT_3
    if account[L.BBAN_LENGTH] == " ":
        raise FieldError(
            "un compte de plus de 12 caractères ne peut pas avoir d'espace en 13e position",
            field="compte de la contrepartie",
            value=account,
        )
    return L.MOVEMENT_3_LONG


def _information(info: Information, *, more: bool) -> Iterator[str]:
    pieces = _pieces(info.communication_type, info.communication, L.INFORMATION_PIECES, "communication")
    count = max((i + 1 for i, piece in enumerate(pieces) if piece), default=1)
    layouts = (L.INFORMATION, L.INFORMATION_2, L.INFORMATION_3)
    for i in range(count):
        values: dict[str, Any] = {
            "sequence": info.sequence,
            "detail": info.detail,
            "communication": pieces[i],
            "next": "1" if i + 1 < count else "0",
            "link": "1" if more or i + 1 < count else "0",
        }
        if i == 0:
            values["bank_reference"] = info.bank_reference
            values["transaction_code"] = str(info.transaction_code)
            values["structured"] = 0 if info.communication_type is None else 1
        yield layouts[i].render(values)
