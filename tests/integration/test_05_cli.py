# SPDX-License-Identifier: AGPL-3.0-or-later
"""The command line that prepares meetings: help, argument errors, --json."""

import json
import random

import pytest

from conftest import PDF_4_PAGES, cli, data_file
from helpers import ID_RE, TOKEN_RE, token_of

PUBLIC = "http://127.0.0.1:18080"

COMMANDS = [["serve"], ["meeting", "create"], ["participant", "add"], ["doc", "add"]]


def one_line_error(p, what):
    assert p.returncode == 2, f"{what}: expected exit 2, got {p.returncode} " \
        f"(stderr: {p.stderr!r})"
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"{what}: expected one line on stderr, got {p.stderr!r}"
    assert len(lines[0]) > 10, f"{what}: the error line says too little: {lines[0]!r}"
    return lines[0]


def create(data, *extra):
    p = cli("meeting", "create", "--data", data, "--title", "Họp giao ban",
            "--public-url", PUBLIC, *extra, "--json")
    return json.loads(p.stdout)


@pytest.fixture
def data(tmp_path):
    return str(tmp_path / "data")


@pytest.mark.parametrize("cmd", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_help_exits_0_and_describes_the_options(cmd):
    p = cli(*cmd, "--help", check=False)
    assert p.returncode == 0, f"{' '.join(cmd)} --help exited {p.returncode}: {p.stderr}"
    out = p.stdout + p.stderr
    assert "--data" in out, f"{' '.join(cmd)} --help does not mention --data:\n{out}"


def test_top_level_help_lists_the_commands():
    p = cli("--help", check=False)
    assert p.returncode == 0, p.stderr
    out = p.stdout + p.stderr
    for word in ("serve", "meeting", "participant", "doc"):
        assert word in out, f"plenum --help does not mention {word!r}:\n{out}"


def test_unknown_command_exits_2_with_one_line():
    one_line_error(cli("frobnicate", check=False), "plenum frobnicate")


@pytest.mark.parametrize("args", [
    ["meeting", "create", "--data", "{data}"],                           # no --title
    ["meeting", "create", "--data", "{data}", "--title", "T", "--bogus"],
    ["meeting", "create", "--data", "{data}", "--title", "T", "--starts", "yesterday"],
    ["participant", "add", "--data", "{data}", "--meeting", "{m}"],       # no --name
    ["participant", "add", "--data", "{data}", "--meeting", "{m}", "--name", "X",
     "--role", "wizard"],
    ["doc", "add", "--data", "{data}", "--meeting", "{m}"],               # no file
    ["doc", "add", "--data", "{data}", "--meeting", "{m}", "--item", "two", "{pdf}"],
    ["serve", "--no-such-option"],
], ids=["create-no-title", "create-unknown-flag", "create-bad-starts",
        "participant-no-name", "participant-bad-role", "doc-no-file",
        "doc-item-not-a-number", "serve-unknown-flag"])
def test_bad_arguments_exit_2_with_one_line(data, args):
    m = create(data)["meeting"]
    argv = [a.format(data=data, m=m, pdf=data_file(PDF_4_PAGES)) for a in args]
    one_line_error(cli(*argv, check=False), " ".join(args))


def test_meeting_create_json_has_exactly_the_keys(data):
    p = cli("meeting", "create", "--data", data, "--title", "Họp giao ban tháng 11",
            "--org", "Sở Thông tin", "--location", "Phòng 301",
            "--starts", "2026-11-28T08:00:00Z", "--agenda", "Khai mạc",
            "--agenda", "Báo cáo", "--public-url", PUBLIC, "--json")
    j = json.loads(p.stdout)            # one object, nothing else on stdout
    assert set(j) == {"meeting", "join_url", "chair_url", "secretary_url",
                      "display_url"}, j
    assert ID_RE.match(j["meeting"]), j["meeting"]
    tokens = set()
    for k in ("join_url", "chair_url", "secretary_url", "display_url"):
        assert j[k].startswith(PUBLIC + "/j/"), f"{k} = {j[k]}"
        t = token_of(j[k])
        assert TOKEN_RE.match(t), f"{k}: token {t!r} is not 22 base64url characters"
        tokens.add(t)
    assert len(tokens) == 4, f"the four links share a token: {j}"


def test_meeting_create_default_public_url(data):
    j = json.loads(cli("meeting", "create", "--data", data, "--title", "T",
                       "--json").stdout)
    assert j["join_url"].startswith("http://127.0.0.1:8080/j/"), j


def test_two_meetings_get_different_ids_and_tokens(data):
    a, b = create(data), create(data)
    assert a["meeting"] != b["meeting"]
    assert not set(a.values()) & set(b.values()), (a, b)


def test_participant_add_json(data):
    m = create(data)["meeting"]
    p = cli("participant", "add", "--data", data, "--meeting", m, "--name",
            "Nguyễn Văn An", "--title", "Giám đốc", "--role", "member",
            "--public-url", PUBLIC, "--json")
    j = json.loads(p.stdout)
    assert set(j) == {"participant", "url"}, j
    assert ID_RE.match(j["participant"]), j
    assert j["url"].startswith(PUBLIC + "/j/") and TOKEN_RE.match(token_of(j["url"])), j


def test_participant_add_to_unknown_meeting_fails(data):
    create(data)
    p = cli("participant", "add", "--data", data, "--meeting", "zzzzzzzzzzzz",
            "--name", "X", "--json", check=False)
    assert p.returncode != 0, "adding to a meeting that does not exist succeeded"
    assert p.stderr.strip(), "no message on stderr"


def test_doc_add_json(data):
    m = create(data, "--agenda", "Khai mạc", "--agenda", "Báo cáo")["meeting"]
    p = cli("doc", "add", "--data", data, "--meeting", m, "--item", "2",
            data_file(PDF_4_PAGES), "--json")
    j = json.loads(p.stdout)
    assert set(j) == {"doc", "pages"}, j
    assert ID_RE.match(j["doc"]), j
    assert j["pages"] == 4, j


def test_doc_add_to_an_agenda_item_that_does_not_exist_fails(data):
    m = create(data, "--agenda", "Khai mạc")["meeting"]
    p = cli("doc", "add", "--data", data, "--meeting", m, "--item", "7",
            data_file(PDF_4_PAGES), "--json", check=False)
    assert p.returncode != 0, f"--item 7 of a 1-item agenda was accepted: {p.stdout}"
    assert p.stderr.strip(), "no message on stderr"


def test_doc_add_of_a_non_document_fails_clearly(data, tmp_path):
    m = create(data)["meeting"]
    junk = tmp_path / "payroll.bin"
    rnd = random.Random(7)
    junk.write_bytes(bytes(rnd.getrandbits(8) for _ in range(8192)))
    p = cli("doc", "add", "--data", data, "--meeting", m, str(junk), "--json",
            check=False)
    assert p.returncode != 0, f"a random file was accepted as a document: {p.stdout}"
    assert not p.stdout.strip() or "doc" not in p.stdout, p.stdout
    lines = p.stderr.strip().splitlines()
    assert lines, "no message on stderr"
    last = lines[-1]
    assert "payroll.bin" in last and "document" in last.lower(), \
        f"the message names neither the file nor the problem: {last!r}"
    assert len(lines) == 1, \
        f"the message is buried under {len(lines) - 1} lines of renderer output: {lines}"


def test_doc_add_of_a_missing_file_fails(data, tmp_path):
    m = create(data)["meeting"]
    p = cli("doc", "add", "--data", data, "--meeting", m,
            str(tmp_path / "nowhere.pdf"), "--json", check=False)
    assert p.returncode != 0
    assert "nowhere.pdf" in p.stderr, f"the message does not name the file: {p.stderr!r}"
