"""ThangLong: the backend of Hanoi's smart-city app."""

__version__ = "0.1.0"
