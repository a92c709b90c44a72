"""``python -m notifications.smtp_local``: the SMTP sink and its page on loopback ports."""

from notifications.smtp_local.sink import main

if __name__ == "__main__":
    main()
