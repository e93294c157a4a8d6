"""The English translation is complete: every message translated, nothing left fuzzy (a fuzzy
entry is gettext's guess from a similar old string, usually wrong, and is not compiled), and
the placeholders agree with the Vietnamese source (``msgfmt --check-format``)."""

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import motcua

PO = Path(motcua.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    previous: bool = False  # a "#|" comment: the old msgid gettext guessed from
    context: str = ""
    msgid: str = ""
    msgstrs: dict[str, str] = field(default_factory=dict)  # "msgstr" or "msgstr[n]" -> text

    @property
    def label(self) -> str:
        where = f"{PO.name}:{self.line}"
        return f"{where} {self.context + ' | ' if self.context else ''}{self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return text[1:-1]


def parse(path: Path) -> list[Entry]:
    """The active entries of a .po file (obsolete ``#~`` entries are skipped)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, key = None, ""
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#|"):
            entry.previous = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = _unquote(line)
            if key == "msgctxt":
                entry.context += value
            elif key == "msgid":
                entry.msgid += value
            elif key.startswith("msgstr"):
                entry.msgstrs[key] += value
        else:
            key, _space, rest = line.partition(" ")
            value = _unquote(rest)
            if key == "msgctxt":
                entry.context = value
            elif key == "msgid":
                entry.msgid = value
            elif key.startswith("msgstr"):
                entry.msgstrs[key] = value
            # msgid_plural needs no check of its own.
    return [e for e in entries if e.msgstrs]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse(PO)


def test_the_po_file_has_messages(entries):
    assert len(entries) > 100


def test_every_english_message_is_translated(entries):
    empty = [
        e.label for e in entries if e.msgid and any(not text.strip() for text in e.msgstrs.values())
    ]
    assert not empty, f"{len(empty)} untranslated entries:\n" + "\n".join(empty)


def test_no_english_message_is_fuzzy(entries):
    fuzzy = [e.label for e in entries if e.msgid and ("fuzzy" in e.flags or e.previous)]
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy entries (write the right translation, then remove the "
        "'#, fuzzy' flag and the '#|' lines):\n" + "\n".join(fuzzy)
    )


def test_plural_messages_have_both_forms(entries):
    """English has two plural forms (the header's Plural-Forms)."""
    broken = [
        e.label
        for e in entries
        if "msgstr[0]" in e.msgstrs and set(e.msgstrs) != {"msgstr[0]", "msgstr[1]"}
    ]
    assert not broken, "\n".join(broken)


def test_msgfmt_accepts_the_translation():
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check-format", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
