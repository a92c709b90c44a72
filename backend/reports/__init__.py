"""Civic reports: residents report problems, follow them, add "me too", reopen and rate them."""
