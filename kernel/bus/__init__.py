"""The Kafka bus: CloudEvents envelopes, a transactional outbox and an idempotent inbox."""
