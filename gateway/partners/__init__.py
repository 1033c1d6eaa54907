"""Partner sharing: the API neighbouring bureaus call, what they are sent and what they send us.

Module map, one line each (what it owns):

- ``models.py``: the partner tables and the partner API's request and response schemas
- ``views.py``: the partner API, ``/partner/v1``: token, feed, incident reads, cases, mutual aid
- ``admin_views.py``: operators' routes under ``/api/v1``: partners, keys, webhooks, the aid inbox
- ``registry.py``: administrators' service: partners, agreements, keys and webhooks, each audited
- ``wiring.py``: plugging it all into the gateway: routes, body limit, partner OpenAPI, gRPC server
- ``formats/``: CAP 1.2 (``cap.py``, parsed from partners and written for them) and EIDD
  (``eidd.py``) documents; both directions use them, so they sit above both
- ``access/``: who may cross the partner boundary, and proof of who did
    - ``credentials.py``: API keys kept as hashes, OAuth2 client-credentials tokens, the ``Caller``
    - ``deps.py``: FastAPI dependencies: credential, scope and rate checked before a handler runs
    - ``limits.py``: the per-partner rate limiter and the request body size limit
    - ``signing.py``: HMAC signatures on webhook deliveries, made by us and checked by receivers
- ``outbound/``: what leaves the platform for partners
    - ``changes.py``: the shared-change log every outbound channel reads from a cursor
    - ``sharing.py``: the sharing agreement applied: what a partner may see and its redacted copy
    - ``redaction.py``: masking names, ID numbers and phone numbers
    - ``webhooks.py``: signed, ordered, retried webhook deliveries, dead letters and redelivery
    - ``stream.py``: the feed as a gRPC server stream
- ``inbound/``: what partners bring into the platform
    - ``cases.py``: cases partners share, each becoming one incident
    - ``aid.py``: mutual-aid requests in either direction and their answers
"""
