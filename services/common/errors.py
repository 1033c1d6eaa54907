"""Errors a caller can act on. Each process maps them once: to an HTTP status in the gateway,
to a gRPC status code in the agency services."""


class DomainError(Exception):
    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class Invalid(DomainError):
    pass


class TooLarge(DomainError):
    pass
