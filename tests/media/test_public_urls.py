"""Photo links are absolute (PUBLIC_BASE_URL, else the request's origin) and carry their size."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pymongo import monitoring

from backend.settings import Settings, SettingsError, load_settings
from tests.conftest import with_settings
from tests.media.test_formats import heic_with_gps
from tests.media.test_photos import jpeg_with_gps, upload
from tests.reports.conftest import report_input

PUBLIC = "https://api.thanglong.example"
REPORT_CREATE = """
mutation ReportCreate($input: ReportCreateInput!) {
  reportCreate(input: $input) {
    report { id photos { id url thumbnailUrl width height } }
    errors { field code }
  }
}
"""
REPORT = """
query Report($id: ID!) {
  report(id: $id) { id photos { id url thumbnailUrl width height } }
}
"""

Serve = Callable[[Settings], AsyncIterator[httpx.AsyncClient]]


class FilesReads(monitoring.CommandListener):
    """Counts `find` commands on GridFS's files collection while `active`."""

    def __init__(self) -> None:
        self.active = False
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active and event.command_name == "find" and event.command["find"] == "media.files":
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


FILES_READS = FilesReads()
monitoring.register(FILES_READS)  # applies to clients created from now on, the app's included


async def create_with_photos(
    client: httpx.AsyncClient, token: str, photo_ids: list[str]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": REPORT_CREATE, "variables": {"input": report_input(photoIds=photo_ids)}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    assert body["data"]["reportCreate"]["errors"] == []
    report: dict[str, Any] = body["data"]["reportCreate"]["report"]
    return report


async def test_report_photos_are_absolute_links_with_their_size(
    settings: Settings, serve: Serve, make_token: Callable[..., str]
) -> None:
    async for client in serve(with_settings(settings, seed_on_start=True)):
        # given a resident's upload of a landscape JPEG and a sideways-stored one, and an HEIC
        token = make_token(uid="resident-1")
        uploads = [
            (jpeg_with_gps((600, 300)), "a.jpg", "image/jpeg"),
            (jpeg_with_gps((600, 300), orientation=6), "b.jpg", "application/octet-stream"),
            (heic_with_gps((320, 240)), "c.heic", "image/heic"),
        ]
        ids = []
        for data, name, declared in uploads:
            response = await upload(client, token, data, name, declared)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        # when they report with those photos, and anyone reads the report
        created = await create_with_photos(client, token, ids)
        read = await client.post(
            "/graphql", json={"query": REPORT, "variables": {"id": created["id"]}}
        )
        # then every photo has absolute links on this server's origin and its upright size
        expected = [
            {
                "id": photo_id,
                "url": f"http://testserver/media/{photo_id}",
                "thumbnailUrl": f"http://testserver/media/{photo_id}/thumb",
                "width": width,
                "height": height,
            }
            for photo_id, (width, height) in zip(
                ids, [(600, 300), (300, 600), (320, 240)], strict=True
            )
        ]
        assert created["photos"] == expected
        assert read.json()["data"]["report"]["photos"] == expected
        # and the sizes of all the photos took one read of GridFS's files (a DataLoader batch)
        FILES_READS.count, FILES_READS.active = 0, True
        try:
            again = await client.post(
                "/graphql", json={"query": REPORT, "variables": {"id": created["id"]}}
            )
        finally:
            FILES_READS.active = False
        assert again.json()["data"]["report"]["photos"] == expected
        assert FILES_READS.count == 1
        # and the links serve the photo and its thumbnail
        for photo in expected:
            for link in (photo["url"], photo["thumbnailUrl"]):
                served = await client.get(link)
                assert served.status_code == 200, link
                assert served.headers["content-type"] == "image/jpeg"


async def test_links_start_with_public_base_url_when_it_is_set(
    settings: Settings, serve: Serve, make_token: Callable[..., str]
) -> None:
    # given an app told its public origin (with a path prefix, as behind a gateway)
    public = with_settings(settings, seed_on_start=True, public_base_url=f"{PUBLIC}/api/")
    async for client in serve(public):
        token = make_token(uid="resident-1")
        # when a photo is uploaded (reaching the process under another host name)
        response = await upload(client, token, jpeg_with_gps(), "a.jpg", "image/jpeg")
        photo_id = response.json()["id"]
        # then the upload's links and GraphQL's start with PUBLIC_BASE_URL, one slash apart
        assert response.json()["url"] == f"{PUBLIC}/api/media/{photo_id}"
        assert response.json()["thumbnailUrl"] == f"{PUBLIC}/api/media/{photo_id}/thumb"
        created = await create_with_photos(client, token, [photo_id])
        assert created["photos"][0]["url"] == f"{PUBLIC}/api/media/{photo_id}"
        assert created["photos"][0]["thumbnailUrl"] == f"{PUBLIC}/api/media/{photo_id}/thumb"


async def test_without_public_base_url_links_follow_the_trusted_proxy(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    # given the load balancer (a trusted address: the test client is 127.0.0.1) forwarding a host
    headers = {"X-Forwarded-Host": "api.thanglong.example"}
    # when a photo is uploaded through it
    response = await client.post(
        "/media",
        files={"file": ("a.jpg", jpeg_with_gps(), "image/jpeg")},
        headers={"Authorization": f"Bearer {make_token()}", **headers},
    )
    # then the links name the public host, not the process
    assert response.status_code == 201, response.text
    assert response.json()["url"].startswith("http://api.thanglong.example/media/")


PRODUCTION = {
    "APP_ENV": "production",
    "MONGODB_URI": "mongodb://db.internal:27017/?replicaSet=rs0",
    "FIREBASE_PROJECT_ID": "thanglong-prod",
    "CURSOR_SECRET": "a-long-random-secret-shared-by-all-web-processes",
    "TICKET_SIGNING_KEY": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
}


def test_public_base_url_is_read_and_normalised() -> None:
    assert load_settings({"PUBLIC_BASE_URL": f" {PUBLIC}/ "}).public_base_url == PUBLIC
    assert load_settings({"PUBLIC_BASE_URL": ""}).public_base_url is None
    production = load_settings({**PRODUCTION, "PUBLIC_BASE_URL": PUBLIC})
    assert production.public_base_url == PUBLIC


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"PUBLIC_BASE_URL": "api.thanglong.example"}, "absolute http"),
        ({"PUBLIC_BASE_URL": "ftp://api.thanglong.example"}, "absolute http"),
        ({"PUBLIC_BASE_URL": "https://"}, "absolute http"),
        ({"PUBLIC_BASE_URL": f"{PUBLIC}/?next=evil"}, "no query"),
        ({"PUBLIC_BASE_URL": "https://user:pw@api.thanglong.example"}, "credentials"),
        ({**PRODUCTION, "PUBLIC_BASE_URL": "http://api.thanglong.example"}, "https in production"),
    ],
)
def test_a_public_base_url_that_cannot_prefix_links_is_refused(
    environ: dict[str, str], reason: str
) -> None:
    with pytest.raises(SettingsError, match=reason):
        load_settings(environ)
