# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pre-rendering after an upload and the page cache's cap: doc.progress
notices, what lands in <data>/cache, hits and misses in /metrics, and a
small --cache-max that holds while pages are evicted and rendered again."""

import asyncio
import hashlib
import os
import re
import time

import pytest

from conftest import PDF_4_PAGES, data_file, prepare_standard
from helpers import close_all, connect, get, join, png_size, run, upload

PAGES = 4
TOTAL = 2 + PAGES + (PAGES - 1)     # page 1 at 1024 and 2048, thumbnails, the rest at 1024
# This PDF's pages are 75-600 KB each as PNG (300 KB at 1024 px): a cap of
# 1 MiB holds two to a dozen of them, so rendering every width evicts.
SMALL_CAP = 1024 * 1024


def prepare(server):
    return prepare_standard(server, docs=())


def metric(srv, name):
    text = get(srv.url, "/metrics").text()
    m = re.search(rf"^{name} (\d+)$", text, re.M)
    assert m, f"/metrics has no {name}:\n{text}"
    return int(m.group(1))


def cache_dir(srv, sha):
    return os.path.join(srv.data, "cache", sha[:2], sha)


def pngs_on_disk(srv):
    total = 0
    for root, _, files in os.walk(os.path.join(srv.data, "cache")):
        total += sum(os.path.getsize(os.path.join(root, f))
                     for f in files if f.endswith(".png"))
    return total


async def upload_and_wait(srv, timeout=120):
    """Uploads the 4-page PDF with the chair's session while the chair
    listens; returns (doc id, the doc.progress notices, seconds to the last)."""
    chair = join(srv.url, srv.ctx["chair_url"])["session"]
    c, _ = await connect(srv.url, chair, label="chair")
    try:
        with open(data_file(PDF_4_PAGES), "rb") as f:
            data = f.read()
        t0 = time.monotonic()
        r = await asyncio.get_running_loop().run_in_executor(
            None, lambda: upload(srv.url, srv.ctx["meeting"], chair, PDF_4_PAGES, data))
        assert r.status == 201, f"upload failed: {r!r}"
        doc = r.json()["doc"]
        last = await c.wait_for(
            lambda m: m.get("type") == "doc.progress" and m.get("doc") == doc
            and m.get("rendered", 0) + m.get("failed", 0) == m.get("total"),
            "the last doc.progress", timeout=timeout)
        elapsed = time.monotonic() - t0
        notices = [m for m in c.notices("doc.progress") if m.get("doc") == doc]
        assert "seq" not in last, f"doc.progress is a notice, not an event: {last}"
        return doc, notices, elapsed, hashlib.sha256(data).hexdigest(), chair
    finally:
        await close_all([c])


def test_prerender_after_upload(server_factory):
    srv = server_factory(prepare)
    doc, notices, elapsed, sha, chair = run(upload_and_wait(srv))
    print(f"pre-render of {PDF_4_PAGES}: {TOTAL} images in {elapsed:.2f} s")
    last = notices[-1]
    assert last["total"] == TOTAL and last["rendered"] == TOTAL and last["failed"] == 0, last
    counts = [n["rendered"] for n in notices]
    assert counts == sorted(counts), f"progress went backwards: {counts}"
    assert len(notices) <= TOTAL + 1, f"more notices than jobs: {notices}"

    d = cache_dir(srv, sha)
    have = set(os.listdir(d))
    want = {"1-1024.png", "1-2048.png"} | {f"{p}-320.png" for p in range(1, PAGES + 1)} \
        | {f"{p}-1024.png" for p in range(2, PAGES + 1)}
    assert want <= have, f"missing from the cache: {sorted(want - have)}"
    assert not [f for f in have if not f.endswith(".png")], f"leftovers: {have}"

    hits, misses = metric(srv, "plenum_cache_hits_total"), metric(srv, "plenum_cache_misses_total")
    for page, w in ((1, 1024), (1, 2048), (3, 320), (4, 1024)):
        r = get(srv.url, f"/api/docs/{doc}/pages/{page}.png?w={w}", session=chair)
        assert r.status == 200, r
        assert png_size(r.body)[0] == w
    assert metric(srv, "plenum_cache_hits_total") == hits + 4
    assert metric(srv, "plenum_cache_misses_total") == misses

    # A width not pre-rendered is a miss, rendered, then a hit.
    r = get(srv.url, f"/api/docs/{doc}/pages/2.png?w=640", session=chair)
    assert r.status == 200 and png_size(r.body)[0] == 640
    assert metric(srv, "plenum_cache_misses_total") == misses + 1
    r = get(srv.url, f"/api/docs/{doc}/pages/2.png?w=640", session=chair)
    assert r.status == 200
    assert metric(srv, "plenum_cache_hits_total") == hits + 5


def test_small_cap_holds_and_evicted_pages_render_again(server_factory):
    srv = server_factory(prepare, extra_args=["--cache-max", "1M"])
    assert metric(srv, "plenum_cache_max_bytes") == SMALL_CAP
    doc, notices, _, sha, chair = run(upload_and_wait(srv))
    assert notices[-1]["rendered"] + notices[-1]["failed"] == TOTAL
    assert pngs_on_disk(srv) <= SMALL_CAP

    for w in (640, 800, 1280, 1600, 2048):
        for page in range(1, PAGES + 1):
            r = get(srv.url, f"/api/docs/{doc}/pages/{page}.png?w={w}", session=chair)
            assert r.status == 200, r
            assert png_size(r.body)[0] == w
            assert metric(srv, "plenum_cache_bytes") <= SMALL_CAP
            assert pngs_on_disk(srv) <= SMALL_CAP
    assert metric(srv, "plenum_cache_evictions_total") > 0

    # Page 1 at 640 was evicted long ago: it renders again, a miss.
    assert not os.path.exists(os.path.join(cache_dir(srv, sha), "1-640.png"))
    misses = metric(srv, "plenum_cache_misses_total")
    r = get(srv.url, f"/api/docs/{doc}/pages/1.png?w=640", session=chair)
    assert r.status == 200 and png_size(r.body)[0] == 640
    assert metric(srv, "plenum_cache_misses_total") == misses + 1
    assert pngs_on_disk(srv) <= SMALL_CAP


def test_cache_survives_restart(server_factory):
    srv = server_factory(prepare)
    doc, _, _, sha, chair = run(upload_and_wait(srv))
    before = metric(srv, "plenum_cache_bytes")
    assert before == pngs_on_disk(srv) > 0
    srv.restart()
    assert metric(srv, "plenum_cache_bytes") == before
    r = get(srv.url, f"/api/docs/{doc}/pages/2.png?w=320", session=chair)
    assert r.status == 200
    assert metric(srv, "plenum_cache_hits_total") == 1
    assert metric(srv, "plenum_cache_misses_total") == 0


def test_shutdown_with_jobs_queued(server_factory):
    """Stopping while pre-render jobs wait is clean (the sanitizer watch
    fails the test on a leak report)."""
    srv = server_factory(prepare, extra_args=["--render-workers", "1"])
    chair = join(srv.url, srv.ctx["chair_url"])["session"]
    with open(data_file(PDF_4_PAGES), "rb") as f:
        r = upload(srv.url, srv.ctx["meeting"], chair, PDF_4_PAGES, f.read())
    assert r.status == 201
    assert srv.stop() == 0
