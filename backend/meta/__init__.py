"""Deployment metadata: the loaded content version."""
