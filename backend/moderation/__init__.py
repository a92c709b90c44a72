"""Moderation: triage queue, routing, SLA, public answers, merge, audit and statistics."""
