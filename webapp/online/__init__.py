"""Paying without coming to the counter: PayFiP online payment (France) and the EPC QR code of a transfer."""
