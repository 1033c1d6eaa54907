"""The partner feed as a gRPC server stream: the same log, cursor and agreement as the HTTP
feed, pushed as changes commit."""

import json
import threading

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.orm import Session, sessionmaker

from gateway.audit import service as audit
from gateway.auth.tokens import Signer
from gateway.partners.access import credentials
from gateway.partners.access.credentials import Caller
from gateway.partners.models import Partner
from gateway.partners.outbound import changes
from jcp.partners.v1 import feed_pb2, feed_pb2_grpc
from kernel.change_signal import ChangeSignal
from kernel.clock import Clock
from kernel.db import transaction
from kernel.errors import Unauthorized

SERVICE_NAME = feed_pb2.DESCRIPTOR.services_by_name["PartnerFeed"].full_name
PAGE = 100


class PartnerFeed(feed_pb2_grpc.PartnerFeedServicer):
    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        signer: Signer,
        signal: ChangeSignal,
        clock: Clock,
        stopping: threading.Event,
    ) -> None:
        self._factory = factory
        self._signer = signer
        self._signal = signal
        self._clock = clock
        self._stopping = stopping

    def _caller(self, context: grpc.ServicerContext) -> Caller:
        metadata = {key.lower(): value for key, value in context.invocation_metadata()}
        with self._factory() as session:
            if api_key := metadata.get("x-api-key"):
                return credentials.from_api_key(session=session, api_key=str(api_key))
            scheme, _, token = str(metadata.get("authorization", "")).partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise Unauthorized("send authorization: Bearer <token> or x-api-key metadata")
            return credentials.from_token(
                session=session, signer=self._signer, token=token.strip(), now=self._clock()
            )

    def _still_allowed(self, who: Caller) -> None:
        """A revoked key ends the stream on its next change, not at token expiry."""
        with self._factory() as session:
            credentials.live_key(session=session, key_id=who.key_id)

    def Subscribe(self, request: feed_pb2.SubscribeRequest, context: grpc.ServicerContext):  # type: ignore[no-untyped-def]
        try:
            who = self._caller(context)
        except Unauthorized as exc:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, exc.message)
        if "feed:read" not in who.scopes:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "this credential lacks the scope feed:read")
        with transaction(self._factory) as session:
            audit.append(
                session=session,
                actor=who.actor,
                action="feed.subscribed",
                subject="feed",
                at=self._clock(),
                detail={"cursor": request.cursor},
            )
        cursor = request.cursor
        while context.is_active() and not self._stopping.is_set():
            seen = self._signal.generation
            try:
                self._still_allowed(who)
            except Unauthorized as exc:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, exc.message)
            with self._factory() as session:
                partner = session.get(Partner, who.partner_id)
                if partner is None:
                    context.abort(grpc.StatusCode.UNAUTHENTICATED, "the partner was removed")
                items, cursor_after = changes.read(session=session, partner=partner, after=cursor, limit=PAGE)
            for item in items:
                at = Timestamp()
                at.FromDatetime(item.at)
                yield feed_pb2.FeedItem(
                    id=item.id,
                    cursor=item.cursor,
                    kind=item.kind,
                    at=at,
                    data_json=json.dumps(item.data, ensure_ascii=False).encode(),
                )
            cursor = cursor_after
            if not items:
                self._signal.wait(seen, timeout=1.0)
