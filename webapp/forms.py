"""The base form and the one way a view turns a form into a service call."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.widgets import TextInput

from webapp.errors import DomainError
from webapp.formatting import decimal_input

T = TypeVar("T")


class Form(FlaskForm):
    def service_data(self) -> dict[str, Any]:
        return {name: field.data for name, field in self._fields.items() if name not in ("csrf_token", "submit")}

    def add_error(self, error: DomainError) -> None:
        field = self._fields.get(error.field or "")
        if field is None:
            self.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]


def _plain_number(text: str) -> str:
    return str(text).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "").replace(",", ".")


def french_decimal(text: str, field: str) -> Decimal | None:
    """A number typed outside a WTForms field (a row of a table of inputs); blank is None."""
    if not (text or "").strip():
        return None
    try:
        return Decimal(_plain_number(text))
    except InvalidOperation:
        raise DomainError(f"« {text} » n'est pas un montant : saisissez par exemple 850,50.", field) from None


class FrenchDecimalField(DecimalField):
    """Takes what an agent types: '1 234,50' as well as '1234.50' (a text input: a number input refuses the
    comma in most browsers)."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})  # the phone's number pad
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is not None and self.places is not None:
            return decimal_input(Decimal(self.data).quantize(Decimal(1).scaleb(-self.places)))
        return decimal_input(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [_plain_number(valuelist[0])]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Saisissez un nombre, par exemple 850,50.") from None


def submit(form: Form, action: Callable[[dict[str, Any]], T]) -> T | None:
    """Run the service on a valid POST; a domain error goes back onto the form, next to its field."""
    if not form.validate_on_submit():
        return None
    try:
        return action(form.service_data())
    except DomainError as error:
        form.add_error(error)
        return None


def form_status(form: Form) -> int:
    """422 when the form comes back with errors, so htmx swaps it and the request rolls back."""
    return 422 if form.errors or form.form_errors else 200
