"""Who may call an agency's gRPC API, and how a caller says who it is.

Every call carries ``authorization: Bearer <token>`` metadata: the gateway's service token
(ES256, audience ``agency:<id>``, minted per agency and short-lived), or the token of one of
the agency's own staff. Both are checked with the gateway's published keys, so no secret is
shared between services and an agency checks callers while the gateway is down. Signed tokens
were chosen over mutual TLS because the same keys already sign operators' tokens, nothing new
has to be issued or rotated, and a token names the one agency it is for, which a platform-wide
client certificate would not. Health checks and reflection stay open.
"""

from collections.abc import Callable
from typing import Any

import grpc

from kernel import identity
from kernel.clock import Clock, utc_now

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


class Refused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bearer(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def check_caller(token: str | None, *, keys: identity.PublicKeys, agency: str, now: Any) -> str:
    """Who is calling agency ``agency``; raises Refused: UNAUTHENTICATED for no token or one
    that is not genuine, PERMISSION_DENIED for a genuine one meant for someone else."""
    if token is None:
        raise Refused(grpc.StatusCode.UNAUTHENTICATED, "no bearer token in the call's metadata")
    try:
        claims = keys.verify(token, audience=None, now=now)
    except identity.BadToken as exc:
        raise Refused(grpc.StatusCode.UNAUTHENTICATED, f"token refused: {exc}") from exc
    audience = claims["aud"]
    if audience == identity.service_audience(agency) and claims["sub"] == identity.SERVICE_SUBJECT:
        return "gateway"
    if audience == identity.OPERATOR_AUDIENCE:
        if claims.get("agency") == agency and claims.get("role") in identity.AGENCY_ROLES:
            return f"{claims['sub']}@{agency}"
        raise Refused(
            grpc.StatusCode.PERMISSION_DENIED,
            f"{claims['sub']} is not one of {agency}'s own staff (agency: {claims.get('agency')})",
        )
    raise Refused(grpc.StatusCode.PERMISSION_DENIED, f"a token for {audience!r} is not for agency {agency}")


def _refusal(handler: grpc.RpcMethodHandler, refused: Refused) -> grpc.RpcMethodHandler:
    def abort(_request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(refused.code, refused.message)

    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            abort, handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            abort, handler.request_deserializer, handler.response_serializer
        )
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            abort, handler.request_deserializer, handler.response_serializer
        )
    return grpc.stream_stream_rpc_method_handler(
        abort, handler.request_deserializer, handler.response_serializer
    )


class Authenticator(grpc.ServerInterceptor):
    """Refuses every call to one agency that does not carry a token good for that agency."""

    def __init__(self, *, keys: identity.PublicKeys, agency: str, clock: Clock = utc_now) -> None:
        self._keys = keys
        self._agency = agency
        self._clock = clock

    def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None], details: Any
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(details)
        if handler is None or details.method.startswith(OPEN_SERVICES):
            return handler
        try:
            check_caller(
                bearer(details.invocation_metadata), keys=self._keys, agency=self._agency, now=self._clock()
            )
        except Refused as refused:
            return _refusal(handler, refused)
        return handler


class _WithBearer(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    def __init__(self, token: Callable[[], str]) -> None:
        self._token = token

    def _details(self, details: Any) -> Any:
        metadata = [*(details.metadata or ()), ("authorization", f"Bearer {self._token()}")]
        return details._replace(metadata=metadata)

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)


def authorized_channel(target: str, token: Callable[[], str], options: Any = None) -> grpc.Channel:
    """A channel whose every call carries the bearer token ``token()`` returns at that moment."""
    return grpc.intercept_channel(grpc.insecure_channel(target, options=options), _WithBearer(token))
