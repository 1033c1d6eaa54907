"""The agency's console: the HTTP door of one agency's duty room and of its members' phones.

It runs inside the agency service, on the agency's own database, beside the gRPC API, and calls
the same service functions (``services/agency/dispatch.py``, ``callups.py``, ``incidents.py``),
so what the duty room does goes out through the agency's outbox exactly like a gRPC answer, and
keeps working while the gateway or the broker is away. The contract is docs/agency-console.md.
"""
