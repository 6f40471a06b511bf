"""What one area announces and another acts on, inside the same transaction: the way an area reaches one that
depends on it without importing it (invoicing numbers invoices; the counter books them on the accounts)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent by invoicing once a batch's invoices are numbered (sender: the batch; invoices: those numbered).
invoices_numbered = _signals.signal("invoices-numbered")
