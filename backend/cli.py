"""Command line: `python -m backend.cli migrate | users grant | export-schema | open311 ... |
areas refresh | areas import FILE.geojson`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firebase_admin import auth as firebase_auth

from backend import firebase
from backend.areas import repository as area_repository
from backend.areas import service as area_service
from backend.areas import source as area_source
from backend.auth.models import Role
from backend.db import Database, open_client
from backend.embedded import EmbeddedMongo
from backend.moderation import repository as moderation_repository
from backend.moderation.models import WARD_COMMITTEES
from backend.open311 import repository as open311_repository
from backend.open311 import service as open311_service
from backend.reports import repository as report_repository
from backend.seed import CONTENT_DIR, migrate
from backend.settings import ROOT, Settings, load_settings

SCHEMA_PATH = ROOT / "graphql" / "schema.graphql"


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    """The configured database, or the embedded one (var/db) when MONGODB_URI is unset."""
    embedded = None
    uri = settings.mongodb_uri
    if uri is None:
        embedded = EmbeddedMongo(settings.data_dir / "db").start()
        uri = embedded.uri
    client = open_client(uri, settings)
    try:
        yield client[settings.mongodb_db]
    finally:
        await client.close()
        if embedded is not None:
            embedded.stop()


async def _migrate(settings: Settings, *, reload_content: bool) -> None:
    async with _database(settings) as db:
        result = await migrate(db, reload_content=reload_content)
    print(
        f"indexes: {result.indexes}; content "
        f"{'loaded' if result.content_loaded else 'already present'} "
        f"(version {result.content_version}, {result.documents} documents)"
    )
    print(f"areas migration: {result.areas.summary()}")
    print(f"reports migration: location cells stored for {result.location_cells} reports")
    print(f"flags migration: {result.legacy_flags} flags from before resolutions counted open")
    print(f"media migration: {result.legacy_photos} photos from before upload states given one")
    print(f"audit migration: {result.legacy_audit} entries from before `people` name someone")


# `--department ubnd`: the wards' and communes' People's Committees (one office per unit).
DEPARTMENT_ALIASES = {"ubnd": WARD_COMMITTEES}


def grant_role(
    settings: Settings,
    *,
    email: str,
    role: Role,
    department: str | None,
    areas: Sequence[str] = (),
    lead: bool = False,
) -> str:
    """Set the `role`, `department`, `areas` (ward offices' units) and `lead` custom claims of
    the user with this email."""
    app = firebase.initialize(settings)
    try:
        user = firebase_auth.get_user_by_email(email, app=app)
        claims = dict(user.custom_claims or {})
        claims["role"] = role.value
        for name, value in (("department", department), ("areas", sorted(areas)), ("lead", lead)):
            if value:
                claims[name] = value
            else:
                claims.pop(name, None)
        firebase_auth.set_custom_user_claims(user.uid, claims, app=app)
        return str(user.uid)
    finally:
        firebase.close(app)


async def _unknown_unit(db: Database, department: str | None, areas: Sequence[str]) -> str | None:
    """Why a grant names no real unit (an unknown department or ward code), or None."""
    if areas and not department:
        return "--area needs --department (the ward offices: --department ubnd)"
    if department and not await report_repository.department_exists(db, department):
        return f"no department {department}"
    for code in areas:
        if await area_repository.get(db, code) is None:
            return f"no ward or commune with code {code}"
    return None


async def _grant(settings: Settings, args: argparse.Namespace) -> int:
    """`users grant`: check the unit, set the claims, keep the staff directory in step."""
    department = DEPARTMENT_ALIASES.get(args.department, args.department)
    role = Role(args.role)
    async with _database(settings) as db:
        problem = await _unknown_unit(db, department, args.area)
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
        try:
            uid = grant_role(
                settings,
                email=args.email,
                role=role,
                department=department,
                areas=args.area,
                lead=args.lead,
            )
        except firebase_auth.UserNotFoundError:
            print(f"no user with email {args.email}", file=sys.stderr)
            return 1
        if role is Role.RESIDENT:
            await moderation_repository.remove_staff_member(db, uid)
        else:
            await moderation_repository.set_staff_member(
                db,
                uid=uid,
                role=role.value,
                department=department,
                areas=list(args.area),
                lead=args.lead,
                email=args.email,
                now=datetime.now(UTC),
            )
    print(f"{args.email} ({uid}) is now {args.role}; it applies from their next sign-in")
    return 0


async def _open311(settings: Settings, args: argparse.Namespace) -> int:
    """Partner API keys: create (the key is printed once, only its hash is kept), list, revoke."""
    now = datetime.now(UTC)
    async with _database(settings) as db:
        if args.open311_command == "key-create":
            key, secret = await open311_service.create_key(db=db, name=args.name, now=now)
            print(f"created key {key.prefix} for {key.name}; it is shown only this once:")
            print(secret)
        elif args.open311_command == "key-list":
            for key in await open311_repository.list_keys(db):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                print(f"{key.prefix}\t{key.name}\t{key.created_at:%Y-%m-%d}\t{state}")
        elif await open311_repository.revoke_key(db, prefix=args.prefix, now=now) is None:
            print(f"no active key {args.prefix}", file=sys.stderr)
            return 1
        else:
            print(f"revoked {args.prefix}")
        return 0


def _read_features(path: Path) -> list[Any] | str:
    """The features of a GeoJSON FeatureCollection file, or why there are none."""
    try:
        collection = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        return f"cannot read {path}: {error}"
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return f"{path} is no GeoJSON FeatureCollection"
    features = collection.get("features")
    return features if isinstance(features, list) else f"{path} has no list of features"


async def _areas_import(
    settings: Settings, path: Path, features: list[Any], code_property: str
) -> int:
    """Load the city's official ward/commune boundaries: all of them, checked, or none."""
    async with _database(settings) as db:
        result = await area_service.import_polygons(
            db=db, features=features, code_property=code_property
        )
    if result.refused:
        print(f"{path}: {result.summary()}", file=sys.stderr)
        for reason in result.refused:
            print(f"  {reason}", file=sys.stderr)
        return 1
    print(f"{path}: {result.summary()}")
    return 0


async def _air_ingest(settings: Settings, path: Path) -> int:
    """Load a station export (CSV or JSON) or an OpenAQ location/latest pair into the database."""
    from backend.air import cli as air_cli

    async with _database(settings) as db:
        return await air_cli.ingest_file(db, path, settings=settings)


async def _payments_reconcile(settings: Settings, day: str) -> int:
    """Print the day's bookings, payments and refunds that disagree; 1 when there are any."""
    from backend.payments import cli as payments_cli

    async with _database(settings) as db:
        return await payments_cli.reconcile(db, day)


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
    grant.add_argument(
        "--area",
        action="append",
        default=[],
        help="a ward/commune code the staff member's office covers (repeatable; ward offices: "
        "--department ubnd --area 00070)",
    )
    grant.add_argument(
        "--lead", action="store_true", help="heads the unit (told of overdue reports)"
    )
    commands.add_parser("export-schema", help=f"write {SCHEMA_PATH.relative_to(ROOT)}")
    open311 = commands.add_parser("open311", help="Open311 partner API keys").add_subparsers(
        dest="open311_command", required=True
    )
    open311.add_parser("key-create", help="issue a key (printed once)").add_argument("name")
    open311.add_parser("key-list", help="list keys (prefix, name, state)")
    open311.add_parser("key-revoke", help="revoke a key by prefix").add_argument("prefix")
    areas = commands.add_parser("areas", help="Hanoi's wards and communes").add_subparsers(
        dest="areas_command", required=True
    )
    areas.add_parser(
        "refresh",
        help=f"rewrite content/{area_source.UNITS_FILE} and content/{area_source.LEGACY_FILE} "
        f"from the installed {area_source.PACKAGE} package (a development dependency)",
    )
    area_import = areas.add_parser(
        "import",
        help="load official boundaries: a GeoJSON FeatureCollection, one feature per unit, all "
        "units; checked (geometry, overlaps) and stored all at once, or refused",
    )
    area_import.add_argument("file", type=Path)
    area_import.add_argument(
        "--code-property", default="code", help="the feature property holding the unit's code"
    )
    air = commands.add_parser("air", help="air quality").add_subparsers(
        dest="air_command", required=True
    )
    air.add_parser(
        "ingest", help="load a station export (.csv/.json) or an OpenAQ v3 response pair"
    ).add_argument("file", type=Path)
    payments = commands.add_parser("payments", help="VNPay payments").add_subparsers(
        dest="payments_command", required=True
    )
    payments.add_parser(
        "reconcile", help="print a day's bookings, payments and refunds that disagree"
    ).add_argument("--date", required=True, help="the Hanoi day, YYYY-MM-DD")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    if args.command == "export-schema":
        export_schema()
        print(f"wrote {SCHEMA_PATH.relative_to(ROOT)}")
        return 0
    if args.command == "areas" and args.areas_command == "refresh":
        path, count, version = area_source.refresh(CONTENT_DIR)
        print(f"wrote {path.relative_to(ROOT)}: {count} units from {area_source.PACKAGE} {version}")
        path, count, version = area_source.refresh_legacy(CONTENT_DIR)
        print(
            f"wrote {path.relative_to(ROOT)}: {count} former districts from "
            f"{area_source.PACKAGE} {version}"
        )
        return 0
    settings = load_settings()
    if args.command == "areas" and args.areas_command == "import":
        features = _read_features(args.file)
        if isinstance(features, str):
            print(features, file=sys.stderr)
            return 1
        return asyncio.run(_areas_import(settings, args.file, features, args.code_property))
    if args.command == "migrate":
        asyncio.run(_migrate(settings, reload_content=args.reload_content))
        return 0
    if args.command == "open311":
        return asyncio.run(_open311(settings, args))
    if args.command == "air" and args.air_command == "ingest":
        return asyncio.run(_air_ingest(settings, args.file))
    if args.command == "payments" and args.payments_command == "reconcile":
        return asyncio.run(_payments_reconcile(settings, args.date))
    if args.command == "users" and args.users_command == "grant":
        return asyncio.run(_grant(settings, args))
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())
