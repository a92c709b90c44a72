"""The HTML page at ``GET /``: the newest deliveries and the failure rules, for a developer
watching pushes arrive during `make run`."""

from __future__ import annotations

import html
import itertools
import json
from typing import Any, Final

from notifications.fcm_local.state import FcmState

HTML_PAGE_MESSAGES: Final = 100


def render_index(state: FcmState) -> str:
    """Render the newest deliveries as a small, fully escaped HTML page."""
    esc = html.escape
    rows: list[str] = []
    for entry in reversed(list(itertools.islice(reversed(state.messages), HTML_PAGE_MESSAGES))):
        message: dict[str, Any] = entry["message"]
        notification = message.get("notification")
        if not isinstance(notification, dict):
            notification = {}
        data = message.get("data")
        data_text = ", ".join(f"{k}={v}" for k, v in data.items()) if isinstance(data, dict) else ""
        target = entry["token"] or message.get("topic") or message.get("condition") or ""
        cells = (
            entry["received_at"],
            entry["project_id"],
            str(notification.get("title", "")),
            str(notification.get("body", "")),
            str(target),
            data_text,
        )
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    rules = "".join(
        f"<li>{esc(token)}: {esc(json.dumps(rule.as_json()))}</li>"
        for token, rule in state.rules.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        # Auto-refresh so a developer can leave the tab open during `make run`.
        "<meta http-equiv='refresh' content='5'><title>Local FCM</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px;"
        "vertical-align:top;word-break:break-all}table{border-collapse:collapse}</style>"
        "</head><body><h1>Local FCM</h1>"
        f"<p>{len(state.messages)} message(s) recorded; newest {HTML_PAGE_MESSAGES} shown, "
        "newest last.</p>"
        "<table><tr><th>received</th><th>project</th><th>title</th><th>body</th>"
        "<th>token / topic / condition</th><th>data</th></tr>"
        + "".join(rows)
        + "</table><h2>Failure rules</h2><ul>"
        + (rules or "<li>none</li>")
        + "</ul></body></html>"
    )
