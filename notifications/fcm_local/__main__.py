"""``python -m notifications.fcm_local --port 9097`` (see notifications.fcm_local.cli)."""

from notifications.fcm_local.cli import main

if __name__ == "__main__":
    main()
