"""The API's refusals are JSON, also when Django cannot read the body at all (found by the
schemathesis run: a broken multipart form got Django's HTML "Bad Request" page)."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=b8ef", b"garbage"),
        ("multipart/form-data", b"--b8ef\r\n\r\n\r\n--b8ef--"),
        ("multipart/form-data; boundary=\x00\x01", b"--b8ef\r\n[['', None]]--b8ef--\r\n"),
    ],
)
def test_an_unreadable_body_gets_a_json_400(client, content_type, body):
    response = client.generic("POST", "/api/v1/dossiers/0/files", body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "invalid_input"
