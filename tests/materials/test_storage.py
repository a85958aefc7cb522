"""Content-addressed storage: the instance-folder directory, S3 against a
local S3 server (moto's server mode, started here on a free port), the
storage URL, and a crash between writing a file and committing its row."""
from __future__ import annotations

import io
import socket

import pytest
from sqlalchemy import event, func, select

from coordinator.extensions import db
from coordinator.materials.storage import DirectoryStore, S3Store, StorageError, digest, store_from_url
from tests.conftest import login, pdf_bytes
from tests.tracking.tracking_fixtures import more_officers, project  # noqa: F401  (fixtures)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3 server (moto) with the bucket ``materials``; yields its URL."""
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket="materials")
    yield url
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint, monkeypatch):
    """boto3's usual variables pointing at the local server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return s3_endpoint


@pytest.mark.parametrize("kind", ["directory", "s3"])
def test_a_store_keeps_bytes_under_their_sha256(kind, tmp_path, request):
    if kind == "s3":
        request.getfixturevalue("s3_env")
        store = store_from_url("s3://materials/tests/a", str(tmp_path))
        assert isinstance(store, S3Store) and store.prefix == "tests/a"
    else:
        store = store_from_url(None, str(tmp_path))
        assert isinstance(store, DirectoryStore) and store.root == tmp_path / "files"
    data = pdf_bytes("store") * 1000
    key = digest(data)
    assert not store.exists(key)
    store.put(key, data)
    store.put(key, data)  # idempotent
    assert store.exists(key) and store.get(key) == data
    with pytest.raises(StorageError):
        store.get(digest(b"never stored"))
    with pytest.raises(StorageError):
        store.put("../../etc/passwd", data)


def test_the_storage_url_is_checked(tmp_path):
    assert isinstance(store_from_url(f"file://{tmp_path}", "x"), DirectoryStore)
    assert store_from_url(str(tmp_path / "d"), "x").root == tmp_path / "d"
    for bad in ("s3://", "ftp://host/files"):
        with pytest.raises(StorageError):
            store_from_url(bad, "x")


def test_directory_blobs_are_written_whole(tmp_path):
    store = DirectoryStore(tmp_path)
    data = b"x" * 100_000
    store.put(digest(data), data)
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(".upload-")]
    assert leftovers == [] and (tmp_path / digest(data)[:2] / digest(data)[2:4] / digest(data)).read_bytes() == data


def test_the_app_uploads_to_and_serves_from_s3(s3_env, tmp_path_factory):
    """The whole upload → list → download path with ``COORDINATOR_STORAGE_URL=s3://…``."""
    import boto3
    from coordinator import create_app
    from coordinator.accounts.models import Role
    from coordinator.accounts.service import create_user
    from coordinator.database import upgrade
    from coordinator.projects.service import create_project
    from tests.conftest import PASSWORD, TODAY, example_answers, reset_schema

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "s3",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('s3db') / 'db.sqlite'}",
                      "COORDINATOR_STORAGE_URL": "s3://materials/app"})
    reset_schema(app)
    upgrade(app)
    with app.app_context():
        owner = create_user("s3owner", PASSWORD, Role.owner, "业主")
        db.session.commit()
        item = next(i.id for i in create_project(owner, "S3 仓库", example_answers(), today=TODAY).current_plan.items
                    if i.code == "land_transfer")
    client = app.test_client()
    login(client, "s3owner")
    data = pdf_bytes("s3") * 500
    r = client.post(f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                    data={"material": "营业执照", "file": (io.BytesIO(data), "执照.pdf")})
    assert r.status_code == 201
    s3 = boto3.client("s3")
    assert s3.get_object(Bucket="materials", Key=f"app/{r.json['sha256']}")["Body"].read() == data
    assert client.get(f"/api/v1/files/{r.json['id']}").data == data
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_crash_between_file_and_row_leaves_no_row_to_a_missing_file(app, project):
    """The commit fails after the bytes are stored: no row exists, the blob is
    harmless, and the upload done again succeeds and names the same blob.
    A store that fails to write leaves no row either."""
    from coordinator.materials.models import MaterialFile, StoredFile
    from coordinator.materials.storage import blob_store

    item = project["items"]["land_transfer"]
    client = app.test_client()
    login(client, "owner")
    data = pdf_bytes("crash")

    def upload():
        return client.post(f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                           data={"material": "营业执照", "file": (io.BytesIO(data), "执照.pdf")})

    class Crash(RuntimeError):
        pass

    def crash(session):
        raise Crash("the process died before the commit")

    event.listen(db.session, "before_commit", crash)
    try:
        with pytest.raises(Crash):
            upload()
    finally:
        event.remove(db.session, "before_commit", crash)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
        assert db.session.scalar(select(func.count()).select_from(MaterialFile)) == 0
        assert blob_store().exists(digest(data))  # written first: an unreferenced blob at most

    store = app.extensions["blob_store"]
    original = store.put

    def broken_put(sha256, blob):
        raise OSError("disk full")

    store.put = broken_put
    try:
        with pytest.raises(OSError):
            client.post(f"/api/v1/items/{item}/materials", content_type="multipart/form-data",
                        data={"material": "营业执照", "file": (io.BytesIO(pdf_bytes("other")), "b.pdf")})
    finally:
        store.put = original
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0

    r = upload()
    assert r.status_code == 201 and r.json["sha256"] == digest(data)
    with app.app_context():
        for stored in db.session.scalars(select(StoredFile)):
            assert blob_store().exists(stored.sha256)
    assert client.get(f"/api/v1/files/{r.json['id']}").data == data
