"""Email: bilingual templates, MIME messages and the SMTP sender of the outbox's email channel.

Services queue an email with `backend.email.queue.enqueue` inside the transaction of the change
it tells of (like a push); the worker (notifications/email_delivery.py) renders it with
`templates`, builds the message with `message` and sends it with `smtp.Mailer`.
"""
