"""Tickets of confirmed bookings: a QR code whose content is signed, checked at the door.

A ticket's code is `base64url(payload) + "." + base64url(Ed25519 signature of the first part)`;
the payload (compact JSON) names the booking, its operator (the tour or hotel), the service day,
the party size, the validity window and the signing key's id, so an operator's offline checker
verifies it with the public keys of /.well-known/ticket-keys.json and no database. At the door,
`bookingRedeem` checks the same and turns the booking REDEEMED exactly once.

The modules: `codes` (keys, signing, verifying), `qr` (SVG and PNG), `hooks` (what happens when a
booking is confirmed, cancelled or refunded: the ticket and the emails), `service` (redemption,
downloads), `types` and `mutations` (GraphQL), `routes` (the keys and the ticket downloads).
"""
