"""What the platform sends partners. Every outbound channel (the HTTP feed served by
``views.py``, webhooks, the gRPC stream, single reads as JSON, CAP 1.2 or EIDD) reads the one
shared-change log in ``changes.py`` and applies the partner's agreement through
``sharing.shared_view``, with ``redaction.py`` masking personal data. It exists so those
channels live side by side and cannot drift apart in what they let out."""
