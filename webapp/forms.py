"""The base form and the one way a view turns a form into a service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import DecimalField

from webapp.errors import DomainError

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


class FrenchDecimalField(DecimalField):
    """Takes what an agent types: '1 234,50' as well as '1234.50'."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [str(valuelist[0]).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)
        if self.process_errors:
            self.process_errors = ["Saisissez un nombre, par exemple 850,50."]


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
