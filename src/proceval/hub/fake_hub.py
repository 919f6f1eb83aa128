"""A fake Hugging Face Hub on loopback: just the endpoints ``HfApi`` uses to create a repo and commit files.

:class:`FakeHub` serves, on ``127.0.0.1`` (a free port) from a thread, as a context manager:

* ``GET /api/whoami-v2``: the user of the token (HTTP 401 for another token or none);
* ``POST /api/repos/create``: creates ``{organization}/{name}`` of ``type`` (model, dataset, space; a Space
  records its ``sdk``), HTTP 409 if it exists (``HfApi.create_repo(exist_ok=True)`` accepts that);
* ``POST /api/validate-yaml``: parses the README's YAML header (HTTP 400 if it is not a mapping);
* ``POST /api/{type}s/{org}/{name}/preupload/{revision}``: every file is uploaded ``regular`` (inline);
* ``POST /api/{type}s/{org}/{name}/commit/{revision}``: the NDJSON commit (a header line, then one
  ``file`` line per file with base64 content); files are stored per repo and the commit recorded
  (with ``?create_pr=1`` the commit opens a pull request and the repo's files stay as they were);
* ``GET``/``HEAD /[spaces/|datasets/]{org}/{name}/resolve/main/{path}``: a stored file (no token needed),
  so ``evaluate.load("ORG/name")`` can fetch a pushed metric module from the fake Hub.

Every other request must carry ``Authorization: Bearer <token>`` with the server's token (HTTP 401 otherwise).
LFS uploads are not implemented (a ``lfsFile`` line gets HTTP 400): proceval uploads small text files.
Tests assert on :attr:`FakeHub.repos` (``{(type, repo id): FakeRepo}``), :attr:`FakeHub.commits` and
:attr:`FakeHub.requests`, and on :attr:`FakeHub.headers_seen` to check which token was sent.

Example:
    >>> from huggingface_hub import CommitOperationAdd, HfApi
    >>> with FakeHub(token="hf_test", orgs=["org"]) as hub:
    ...     api = HfApi(endpoint=hub.url, token="hf_test")
    ...     _ = api.create_repo("org/model", exist_ok=True)
    ...     _ = api.create_commit("org/model", operations=[CommitOperationAdd("a.txt", b"hi")], commit_message="m")
    >>> hub.repos[("model", "org/model")].files
    {'a.txt': b'hi'}
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from proceval.loopback import LoopbackServer

_REPO_PATH = re.compile(
    r"^/api/(?P<type>models|datasets|spaces)/(?P<repo>[^/]+/[^/]+)/(?P<op>preupload|commit)/(?P<rev>[^/?]+)$"
)
_RESOLVE_PATH = re.compile(
    r"^/(?P<prefix>spaces/|datasets/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$"
)
_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


@dataclass
class FakeRepo:
    """One repo of the fake Hub.

    Attributes:
        repo_type: ``model``, ``dataset`` or ``space``.
        repo_id: ``org/name``.
        sdk: the Space SDK given at creation (``None`` for other types).
        private: whether it was created private.
        files: ``{path in repo: bytes}`` after every commit so far.
    """

    repo_type: str
    repo_id: str
    sdk: str | None = None
    private: bool = False
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class FakeCommit:
    """One commit received: repo, summary, the files (paths and bytes) it added, and whether it opened a PR."""

    repo_type: str
    repo_id: str
    summary: str
    files: dict[str, bytes]
    oid: str
    pull_request: bool = False


class FakeHub(LoopbackServer):
    """A loopback Hub that accepts repo creation and commits from ``HfApi(endpoint=hub.url)``.

    Args:
        token: the only token accepted (``Authorization: Bearer <token>``).
        user: the user name ``whoami`` reports.
        orgs: organisations the user may write to besides ``user`` (others get HTTP 403).

    Attributes:
        url: the endpoint, ``http://127.0.0.1:<port>``.
        repos: ``{(repo type, repo id): FakeRepo}``.
        commits: every commit received, in order.
        requests: ``(method, path)`` of every request, in order.
        headers_seen: the ``Authorization`` header of every request, in order.
    """

    def __init__(
        self, *, token: str = "hf_fake_token", user: str = "tester", orgs: Sequence[str] = ()
    ) -> None:
        self.token = token
        self.user = user
        self.orgs = tuple(orgs)
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        self.commits: list[FakeCommit] = []
        self.requests: list[tuple[str, str]] = []
        self.headers_seen: list[str | None] = []
        self._lock = threading.Lock()
        self.url = ""

    # -- behaviour ----------------------------------------------------------------------------------------
    def _may_write(self, namespace: str) -> bool:
        return namespace == self.user or namespace in self.orgs

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, query: str = ""
    ) -> tuple[int, dict[str, Any] | bytes]:
        """Answer one request: ``(HTTP status, JSON body or the bytes of a downloaded file)``."""
        with self._lock:
            self.requests.append((method, path))
            self.headers_seen.append(headers.get("authorization"))
        m = _RESOLVE_PATH.match(path)
        if method in ("GET", "HEAD") and m:
            return self._resolve(m)
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "Invalid credentials in Authorization header"}
        if method == "GET" and path == "/api/whoami-v2":
            return 200, {
                "type": "user",
                "name": self.user,
                "orgs": [{"name": o} for o in self.orgs],
                "auth": {"type": "access_token", "accessToken": {"displayName": "fake", "role": "write"}},
            }
        if method == "POST" and path == "/api/repos/create":
            return self._create(json.loads(body or b"{}"))
        if method == "POST" and path == "/api/validate-yaml":
            return self._validate_yaml(json.loads(body or b"{}"))
        m = _REPO_PATH.match(path)
        if method == "POST" and m:
            repo_type = m["type"][:-1]
            repo = self.repos.get((repo_type, unquote(m["repo"])))
            if repo is None:
                return 404, {"error": f"Repository not found: {m['repo']}"}
            if m["op"] == "preupload":
                files = json.loads(body)["files"]
                return 200, {
                    "files": [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                        for f in files
                    ]
                }
            return self._commit(repo, body, create_pr="create_pr=1" in query)
        return 404, {"error": f"not found: {method} {path}"}

    def _resolve(self, m: re.Match[str]) -> tuple[int, dict[str, Any] | bytes]:
        """A file of a repo at ``main`` (public download, as ``evaluate.load("ORG/name")`` fetches it)."""
        repo_type = {"spaces/": "space", "datasets/": "dataset"}.get(m["prefix"] or "", "model")
        repo = self.repos.get((repo_type, unquote(m["repo"])))
        data = repo.files.get(unquote(m["file"])) if repo is not None and m["rev"] == "main" else None
        if data is None:
            return 404, {"error": "Entry not found"}
        return 200, data

    def _create(self, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        repo_type = payload.get("type") or "model"
        namespace = payload.get("organization") or self.user
        repo_id = f"{namespace}/{payload['name']}"
        if not self._may_write(namespace):
            return 403, {"error": f"You don't have the rights to create a repo under {namespace}"}
        if repo_type == "space" and not payload.get("sdk"):
            return 400, {"error": "sdk is required for a Space"}
        with self._lock:
            if (repo_type, repo_id) in self.repos:
                return 409, {
                    "error": "You already created this repo",
                    "url": self.repo_url(repo_type, repo_id),
                }
            self.repos[(repo_type, repo_id)] = FakeRepo(
                repo_type, repo_id, payload.get("sdk"), payload.get("visibility") == "private"
            )
        return 200, {"url": self.repo_url(repo_type, repo_id), "name": repo_id}

    def _validate_yaml(self, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        content = payload.get("content", "")
        m = re.match(r"^---\n(.*?)\n---\n", content, re.S)
        try:
            meta = yaml.safe_load(m.group(1)) if m else {}
        except yaml.YAMLError as exc:
            return 400, {"errors": [{"message": f"YAML: {exc}"}]}
        if not isinstance(meta, dict):
            return 400, {"errors": [{"message": "the YAML header is not a mapping"}]}
        return 200, {"errors": [], "warnings": []}

    def _commit(self, repo: FakeRepo, body: bytes, *, create_pr: bool = False) -> tuple[int, dict[str, Any]]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            return 400, {"error": "the commit must start with a header line"}
        added: dict[str, bytes] = {}
        for line in lines[1:]:
            if line.get("key") != "file" or line["value"].get("encoding") != "base64":
                return 400, {"error": f"unsupported commit operation: {line.get('key')}"}
            added[line["value"]["path"]] = base64.b64decode(line["value"]["content"])
        oid = hashlib.sha1(body).hexdigest()
        summary = lines[0]["value"]["summary"]
        with self._lock:
            if not create_pr:  # a pull request leaves the main branch as it is
                repo.files.update(added)
            self.commits.append(FakeCommit(repo.repo_type, repo.repo_id, summary, added, oid, create_pr))
            number = sum(c.pull_request for c in self.commits if c.repo_id == repo.repo_id)
        url = self.repo_url(repo.repo_type, repo.repo_id)
        answer = {"success": True, "commitOid": oid, "commitUrl": f"{url}/commit/{oid}"}
        if create_pr:
            answer["pullRequestUrl"] = f"{url}/discussions/{number}"
        return 200, answer

    def repo_url(self, repo_type: str, repo_id: str) -> str:
        """The web URL of a repo (``<url>/spaces/org/name`` for a Space)."""
        return f"{self.url}/{_URL_PREFIX[repo_type]}{repo_id}"

    # -- lifecycle ----------------------------------------------------------------------------------------
    def start(self) -> FakeHub:
        """Listen on ``127.0.0.1`` (a free port) in a daemon thread."""
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, payload = hub.handle(method, url.path, headers, body, url.query)
                except (ValueError, KeyError, TypeError) as exc:
                    status, payload = 400, {"error": f"bad request: {exc}"}
                raw = isinstance(payload, bytes)
                data = payload if raw else json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if raw else "application/json")
                self.send_header("Content-Length", str(len(data)))
                if raw:
                    self.send_header("ETag", f'"{hashlib.sha1(data).hexdigest()}"')
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_HEAD(self) -> None:
                self._serve("HEAD")

            def do_POST(self) -> None:
                self._serve("POST")

        self.serve(Handler)
        return self
