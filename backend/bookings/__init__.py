"""Bookings: guided-tour departures and hotel room-nights, held, confirmed and cancelled."""
