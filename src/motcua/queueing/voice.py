"""The spoken call: "Mời công dân có số thứ tự 1005 đến quầy số 3", rendered by espeak-ng.

Pure: no models. The only setting read is ``MEDIA_ROOT``; audio is cached under
``MEDIA_ROOT/voice/`` in files named by a SHA-256 of what was spoken and how, so a URL can be
built (:func:`audio_name`) before the audio exists, and a serving view can map a name back to a
file safely (:func:`path_for`). When espeak-ng is missing or fails, :func:`render` raises
:class:`VoiceUnavailable` and the display falls back to the browser's speech synthesis with the
same sentence. See docs/voice.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

try:  # POSIX: one renderer at a time per cache directory, across processes.
    import fcntl
except ImportError:  # pragma: no cover - other systems: os.replace alone keeps files whole
    fcntl = None  # type: ignore[assignment]

# The binary looked up on PATH (or an absolute path). Tests point it at a missing file.
ESPEAK_BINARY = "espeak-ng"
# Bump when the rendering changes in a way the cache key does not capture (e.g. new arguments).
VOICE_VERSION = "1"
# espeak-ng voice per language: "vi" is the Northern voice ("vi-vn-x-south" and
# "vi-vn-x-central" also exist).
VOICES = {"vi": "vi", "en": "en"}
# Words per minute (espeak's default is 175): slower, for elderly citizens in a noisy hall.
DEFAULT_SPEED = {"vi": 140, "en": 150}
MIN_SPEED, MAX_SPEED = 80, 450
RENDER_TIMEOUT_SECONDS = 15
MAX_TEXT_LENGTH = 500
CACHE_SUBDIR = "voice"

SENTENCES = {
    "vi": "Mời công dân có số thứ tự {ticket} đến quầy số {counter}",
    "en": "Ticket number {ticket}, please go to counter {counter}",
}

_NAME_RE = re.compile(r"[0-9a-f]{64}\.wav")
# A run of letters (any script, e.g. "Đ") or a run of digits; everything else separates.
_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+")
_MAX_DISPLAY_LENGTH = 32


class VoiceUnavailable(RuntimeError):
    """espeak-ng is missing or failed: speak with the browser's speech synthesis instead."""


def _language(language: str) -> str:
    """``"vi"``, ``"vi-VN"`` → ``"vi"``; unsupported languages are an error."""
    code = (language or "").replace("_", "-").split("-")[0].lower()
    if code not in VOICES:
        raise ValueError(f"no voice for language {language!r} (have: {', '.join(VOICES)})")
    return code


def _speed(language: str, speed: int | None) -> int:
    if speed is None:
        return DEFAULT_SPEED[language]
    if isinstance(speed, bool) or not isinstance(speed, int):
        raise TypeError("speed must be an int (words per minute)")
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be between {MIN_SPEED} and {MAX_SPEED} words per minute")
    return speed


def _text(text: str) -> str:
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("nothing to say")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"text longer than {MAX_TEXT_LENGTH} characters")
    return text


def spoken_ticket(display: str, language: str = "vi") -> str:
    """A ticket or counter number as espeak-ng reads it well.

    Digit runs lose their leading zeros (espeak reads "0015" as "không không mười lăm");
    letters are spelled one by one. Vietnamese: ``"A015"`` → ``"A 15"`` ("a mười lăm"),
    ``"AB7"`` → ``"A B 7"``, ``"1005"`` → ``"1005"`` ("một ngàn không trăm linh năm").
    English joins with hyphens, because espeak's English voice reads a lone "A " as the article:
    ``"A015"`` → ``"A-15"`` ("ay fifteen").
    """
    language = _language(language)
    display = str(display).strip()
    if len(display) > _MAX_DISPLAY_LENGTH:
        raise ValueError(f"ticket display longer than {_MAX_DISPLAY_LENGTH} characters")
    parts: list[str] = []
    for token in _TOKEN_RE.findall(display):
        if token.isdigit():
            parts.append(token.lstrip("0") or "0")
        else:
            parts.extend(token.upper())
    if not parts:
        raise ValueError(f"nothing to say in {display!r}")
    return ("-" if language == "en" else " ").join(parts)


def call_sentence(*, display: str, counter: str, language: str = "vi") -> str:
    """The call, e.g. "Mời công dân có số thứ tự 1005 đến quầy số 3"."""
    language = _language(language)
    return SENTENCES[language].format(
        ticket=spoken_ticket(display, language), counter=spoken_ticket(counter, language)
    )


def audio_name(text: str, language: str = "vi", *, speed: int | None = None) -> str:
    """The cache file name for ``text``: 64 hex digits + ``.wav`` (no rendering)."""
    language = _language(language)
    key = json.dumps(
        [VOICE_VERSION, language, VOICES[language], _speed(language, speed), _text(text)],
        ensure_ascii=False,
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest() + ".wav"


def cache_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / CACHE_SUBDIR


def path_for(name: str) -> Path | None:
    """The cached file called ``name``, or None if the name is not one of ours or not rendered.

    Only ``[0-9a-f]{64}.wav`` is accepted: no path separators, no dots, no uppercase.
    """
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        return None
    path = cache_dir() / name
    return path if path.is_file() else None


def _binary() -> str:
    found = shutil.which(ESPEAK_BINARY)
    if found is None:
        raise VoiceUnavailable(
            f"{ESPEAK_BINARY!r} not found: install the Debian package espeak-ng "
            "(apt-get install espeak-ng)"
        )
    return found


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory/.lock`` (threads and processes alike on Linux)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _check_wav(path: Path) -> None:
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
    except (wave.Error, EOFError, OSError) as exc:
        raise VoiceUnavailable(f"espeak-ng wrote no valid WAV: {exc}") from exc
    if frames == 0:
        raise VoiceUnavailable("espeak-ng wrote an empty WAV")


def _espeak(binary: str, text: str, *, language: str, speed: int, output: Path) -> None:
    # Text on stdin (never parsed as options), UTF-8 (-b 1), no SSML, no shell.
    args = [binary, "-b", "1", "-v", VOICES[language], "-s", str(speed), "-w", str(output)]
    try:
        result = subprocess.run(  # noqa: S603 - fixed argument list, text on stdin
            [*args, "--stdin"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=RENDER_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise VoiceUnavailable(f"{binary!r} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise VoiceUnavailable(f"espeak-ng took more than {RENDER_TIMEOUT_SECONDS} s") from exc
    except OSError as exc:
        raise VoiceUnavailable(f"cannot run {binary!r}: {exc}") from exc
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or "no message"
        raise VoiceUnavailable(f"espeak-ng failed ({result.returncode}): {message}")
    _check_wav(output)


def render(text: str, *, language: str = "vi", speed: int | None = None) -> Path:
    """The WAV file saying ``text``, rendered once and cached; raises :class:`VoiceUnavailable`.

    A cached file is returned without running espeak-ng (even if espeak-ng is now missing).
    Rendering writes a temporary file in the cache directory and moves it into place with
    ``os.replace``, so a file under its final name is always complete; a lock file makes
    concurrent callers (threads or worker processes) wait for one rendering instead of
    repeating it.
    """
    language = _language(language)
    speed = _speed(language, speed)
    text = _text(text)
    directory = cache_dir()
    target = directory / audio_name(text, language, speed=speed)
    if target.is_file():
        return target
    binary = _binary()
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory):
        if target.is_file():  # another caller rendered it while we waited
            return target
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".render-", suffix=".wav")
        os.close(fd)
        try:
            _espeak(binary, text, language=language, speed=speed, output=Path(temporary))
            os.chmod(temporary, 0o644)  # public audio: readable by a web server
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    return target


def wav_duration_seconds(path: Path | str) -> float:
    """Length of a WAV file in seconds (stdlib ``wave``, no sox)."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def prune(*, older_than_seconds: float, now: float | None = None) -> int:
    """Delete cached audio (and stale temporary files) last written before the cutoff.

    Returns how many files were deleted. Safe while rendering: a deleted file is rendered again
    on its next call.
    """
    directory = cache_dir()
    if not directory.is_dir():
        return 0
    now = time.time() if now is None else now
    cutoff = now - older_than_seconds
    # A temporary file may belong to a rendering in progress: only remove abandoned ones.
    temporary_cutoff = min(cutoff, now - 4 * RENDER_TIMEOUT_SECONDS)
    deleted = 0
    for path in directory.iterdir():
        if _NAME_RE.fullmatch(path.name):
            limit = cutoff
        elif path.name.startswith(".render-"):
            limit = temporary_cutoff
        else:
            continue
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
    return deleted
