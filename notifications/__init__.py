"""Push notification delivery: the outbox worker and a local FCM-compatible endpoint."""
