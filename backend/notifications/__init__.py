"""Push notifications: devices, preferences, the in-app inbox, area alerts, outbox delivery."""
