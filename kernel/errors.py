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


class Unauthorized(DomainError):
    """No credentials, or ones that are forged, expired or revoked."""


class Forbidden(DomainError):
    """Credentials that are good but do not carry the right."""


class TooMany(DomainError):
    """Over a rate limit; ``retry_after_s`` says when to come back."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s


class Gone(DomainError):
    """Something that existed and is over: an expired link, a cancelled call-up."""


class Unavailable(DomainError):
    """A service this one depends on cannot be reached now; trying again later may work."""
