"""Domain errors: a French message a person can act on, and the field it is about."""


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The user's role does not allow the action."""
