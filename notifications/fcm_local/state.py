"""The endpoint's memory: deliveries, attempt counts and failure rules, each bounded.

All of it is lost when the process exits. `instance_id` tells this process from another server
that happens to answer on the same port (see `INSTANCE_ENV`).
"""

from __future__ import annotations

import itertools
import uuid
from collections import deque
from typing import Any, Final

from notifications.fcm_local.errors import FailureRule

MAX_MESSAGES: Final = 100_000
# Attempt counters and rules are keyed by token; cap them too so a long `make run` session
# hammering random tokens cannot grow the process without bound.
MAX_TRACKED_TOKENS: Final = 100_000
MAX_RULES: Final = 10_000

# LocalFcm hands its child a random id through this variable and only trusts a readiness answer
# carrying it back in INSTANCE_HEADER: otherwise another server already on a fixed port would
# look like our child being ready.
INSTANCE_ENV: Final = "LOCAL_FCM_INSTANCE_ID"
INSTANCE_HEADER: Final = "X-Local-Fcm-Instance"


class FcmState:
    """Bounded in-memory record of deliveries, per-token attempt counts and failure rules.

    Handlers are coroutines that never await between reading and mutating this state, so the
    single event loop serialises access and no lock is needed.
    """

    def __init__(self, max_messages: int = MAX_MESSAGES, instance_id: str | None = None) -> None:
        self.instance_id = instance_id or uuid.uuid4().hex
        self.messages: deque[dict[str, Any]] = deque(maxlen=max_messages)
        self.attempts: dict[str, int] = {}
        self.rules: dict[str, FailureRule] = {}
        # Never reset, so message names stay unique for the life of the process, as in FCM.
        self._ids = itertools.count(1)

    def count_attempt(self, token: str) -> int:
        """Count one HTTP attempt for ``token`` and return the new total."""
        if token not in self.attempts and len(self.attempts) >= MAX_TRACKED_TOKENS:
            del self.attempts[next(iter(self.attempts))]
        self.attempts[token] = self.attempts.get(token, 0) + 1
        return self.attempts[token]

    def consume_failure(self, token: str) -> FailureRule | None:
        """Return the rule that makes this attempt fail, using up one of its ``times``."""
        rule = self.rules.get(token)
        if rule is None:
            return None
        if rule.times is not None:
            rule.times -= 1
            if rule.times <= 0:
                del self.rules[token]
        return rule

    def record(
        self, project_id: str, message: dict[str, Any], token: str | None, received_at: str
    ) -> str:
        """Store a delivered message and return its FCM-style name."""
        name = f"projects/{project_id}/messages/{next(self._ids)}"
        self.messages.append(
            {
                "name": name,
                "project_id": project_id,
                "token": token,
                "message": message,
                "received_at": received_at,
            }
        )
        return name

    def reset(self) -> None:
        """Forget messages, attempt counts and rules."""
        self.messages.clear()
        self.attempts.clear()
        self.rules.clear()
