"""FETCH reply parsing, HTML text extraction and the cursor, without a server."""

from __future__ import annotations

import pytest

from connectors.email.cursor import EmailCursor
from connectors.email.fetchparse import FetchParseError, body_leaves, parse_fetch
from connectors.email.mime import html_to_text, internal_date


def test_fetch_reply_with_literals_split_out_by_imaplib():
    data = [
        (b'1 (UID 7 RFC822.SIZE 120 BODY[HEADER] {23}', b"Subject: hi\r\nX-A: (b)\r\n"),
        b' BODYSTRUCTURE ("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 6 1 NIL NIL NIL NIL))',
        b'2 (UID 9 RFC822.SIZE 5 BODY[HEADER] "" BODYSTRUCTURE ("text" "plain" NIL NIL NIL '
        b'"7bit" 0 0 NIL NIL NIL NIL))',
    ]
    (seq1, first), (seq2, second) = parse_fetch(data)
    assert (seq1, seq2) == ("1", "2")
    assert first["UID"] == "7" and first["BODY[HEADER]"] == b"Subject: hi\r\nX-A: (b)\r\n"
    assert first["BODYSTRUCTURE"] == ["text", "plain", ["charset", "utf-8"], None, None, "7bit",
                                      "6", "1", None, None, None, None]
    assert second["UID"] == "9" and second["BODY[HEADER]"] == ""


def test_unbalanced_reply_is_an_error():
    with pytest.raises(FetchParseError, match="unbalanced"):
        parse_fetch([b"1 (UID 7 BODYSTRUCTURE (\"text\""])


def test_nested_multipart_with_rfc2231_and_encoded_word_filenames():
    structure = [
        [["text", "plain", ["charset", "utf-8"], None, None, "quoted-printable", "10", "1",
          None, None, None, None],
         ["text", "html", ["charset", "utf-8"], None, None, "base64", "40", "1", None, None,
          None, None],
         "alternative", ["boundary", "b2"], None, None],
        ["application", "pdf", ["name", "=?UTF-8?B?5oql5Lu3LnBkZg==?="], None, None, "base64",
         "2048", None, ["attachment", ["filename*", "utf-8''%E6%8A%A5%E4%BB%B7.pdf"]], None,
         None],
        ["image", "png", None, "<logo@x>", None, "base64", "300", None, ["inline", None], None,
         None],
        ["message", "rfc822", None, None, None, "7bit", "500", ["envelope"], ["body"], "12",
         None, ["attachment", ["filename", "fwd.eml"]], None, None],
        "mixed", ["boundary", "b1"], None, None,
    ]
    leaves = body_leaves(structure)
    assert [(leaf.part, leaf.content_type, leaf.is_body_text) for leaf in leaves] == [
        ("1.1", "text/plain", True), ("1.2", "text/html", True),
        ("2", "application/pdf", False), ("3", "image/png", False),
        ("4", "message/rfc822", False)]
    pdf, png, fwd = (leaf.attachment() for leaf in leaves[2:])
    assert (pdf.filename, pdf.size) == ("报价.pdf", 2048)
    assert (png.filename, png.content_id, png.inline) == (None, "<logo@x>", True)
    assert fwd.filename == "fwd.eml"


def test_single_part_message_is_part_one():
    [leaf] = body_leaves(["TEXT", "HTML", ["CHARSET", "gb2312"], None, None, "BASE64", "88", "2",
                          None, None, None, None])
    assert (leaf.part, leaf.content_type, leaf.params, leaf.is_body_text) == (
        "1", "text/html", {"charset": "gb2312"}, True)


def test_html_to_text_keeps_blocks_and_drops_scripts():
    html = ("<div>Dear sales,<br>price for <b>1,000&nbsp;sets</b>?</div><ul><li>A</li>"
            "<li>B &lt;small&gt;</li></ul><style>.x{}</style>")
    assert html_to_text(html) == "Dear sales,\nprice for 1,000 sets?\n\nA\n\nB <small>"


def test_internal_date_is_utc():
    assert internal_date("17-Jul-1996 02:44:25 -0700").isoformat() == "1996-07-17T09:44:25+00:00"
    assert internal_date("garbage") is None


def test_cursor_round_trips_and_forgets_the_oldest_beyond_its_window():
    cursor = EmailCursor(window=100)
    for i in range(150):
        cursor.remember(f"<m{i}@x>")
    cursor.advance("INBOX", 42, 150)
    loaded = EmailCursor.load(cursor.dump(), window=100)
    assert loaded.position("INBOX", 42) == 150
    assert loaded.position("INBOX", 43) == 0  # another UIDVALIDITY: read from the start
    assert loaded.has_seen("<m149@x>") and loaded.has_seen("<m50@x>")
    assert not loaded.has_seen("<m49@x>")
    assert len(cursor.dump()) < 1200  # 8 base64 chars per remembered message
