"""Command line: `python -m backend.cli migrate | users grant | export-schema`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from firebase_admin import auth as firebase_auth

from backend import firebase
from backend.auth.models import Role
from backend.db import open_client
from backend.embedded import EmbeddedMongo
from backend.seed import migrate
from backend.settings import ROOT, Settings, load_settings

SCHEMA_PATH = ROOT / "graphql" / "schema.graphql"


async def _migrate(settings: Settings, *, reload_content: bool) -> None:
    embedded = None
    uri = settings.mongodb_uri
    if uri is None:
        embedded = EmbeddedMongo(settings.data_dir / "db").start()
        uri = embedded.uri
    client = open_client(uri, settings)
    try:
        result = await migrate(client[settings.mongodb_db], reload_content=reload_content)
    finally:
        await client.close()
        if embedded is not None:
            embedded.stop()
    print(
        f"indexes: {result.indexes}; content "
        f"{'loaded' if result.content_loaded else 'already present'} "
        f"(version {result.content_version}, {result.documents} documents)"
    )


def grant_role(settings: Settings, *, email: str, role: Role, department: str | None) -> str:
    """Set the `role` (and `department`) custom claims of the user with this email."""
    app = firebase.initialize(settings)
    try:
        user = firebase_auth.get_user_by_email(email, app=app)
        claims = dict(user.custom_claims or {})
        claims["role"] = role.value
        if department:
            claims["department"] = department
        else:
            claims.pop("department", None)
        firebase_auth.set_custom_user_claims(user.uid, claims, app=app)
        return str(user.uid)
    finally:
        firebase.close(app)


def export_schema(path: Path = SCHEMA_PATH) -> None:
    """Write the SDL the clients generate code from."""
    from backend.schema import schema

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(schema) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate_cmd = commands.add_parser("migrate", help="ensure indexes, load content if empty")
    migrate_cmd.add_argument("--reload-content", action="store_true")
    users = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True
    )
    grant = users.add_parser("grant", help="set a user's role claim")
    grant.add_argument("--email", required=True)
    grant.add_argument("--role", required=True, choices=[role.value for role in Role])
    grant.add_argument("--department", default=None, help="department slug (for staff)")
    commands.add_parser("export-schema", help=f"write {SCHEMA_PATH.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    if args.command == "export-schema":
        export_schema()
        print(f"wrote {SCHEMA_PATH.relative_to(ROOT)}")
        return 0
    settings = load_settings()
    if args.command == "migrate":
        asyncio.run(_migrate(settings, reload_content=args.reload_content))
        return 0
    if args.command == "users" and args.users_command == "grant":
        try:
            uid = grant_role(
                settings, email=args.email, role=Role(args.role), department=args.department
            )
        except firebase_auth.UserNotFoundError:
            print(f"no user with email {args.email}", file=sys.stderr)
            return 1
        print(f"{args.email} ({uid}) is now {args.role}; it applies from their next sign-in")
        return 0
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())
