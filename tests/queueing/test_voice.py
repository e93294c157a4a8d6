"""The spoken call: sentence, espeak-ng rendering, the audio cache (no database)."""

import array
import math
import os
import shutil
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from typing import Any

import pytest

from motcua.queueing import voice

SENTENCE_1005 = "Mời công dân có số thứ tự 1005 đến quầy số 3"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def counting_espeak(tmp_path, monkeypatch) -> Path:
    """ESPEAK_BINARY becomes a wrapper that logs each run (from any process) to the returned file."""
    log = tmp_path / "espeak-runs.log"
    wrapper = tmp_path / "espeak-counting"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{log}"\nexec "{shutil.which("espeak-ng")}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setattr(voice, "ESPEAK_BINARY", str(wrapper))
    return log


def runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def samples(path: Path) -> tuple[Any, array.array]:
    with wave.open(str(path), "rb") as wav:
        params = wav.getparams()
        data = array.array("h", wav.readframes(params.nframes))
    if sys.byteorder == "big":
        data.byteswap()  # WAV is little-endian
    return params, data


def rms(data: array.array) -> float:
    return math.sqrt(sum(x * x for x in data) / len(data))


def espeak_phonemes(text: str) -> str:
    result = subprocess.run(
        ["espeak-ng", "-b", "1", "-v", "vi", "-q", "-x", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
        timeout=15,
    )
    return result.stdout.decode()


# --- the sentence ------------------------------------------------------------------------


def test_vietnamese_sentence_is_the_centers_wording():
    assert voice.call_sentence(display="1005", counter="3") == SENTENCE_1005
    assert voice.call_sentence(display="1005", counter="3", language="vi-VN") == SENTENCE_1005


def test_english_sentence():
    assert (
        voice.call_sentence(display="1005", counter="3", language="en")
        == "Ticket number 1005, please go to counter 3"
    )


@pytest.mark.parametrize(
    ("display", "vi", "en"),
    [
        ("1005", "1005", "1005"),
        ("0015", "15", "15"),
        ("A015", "A 15", "A-15"),
        ("a015", "A 15", "A-15"),
        ("AB7", "A B 7", "A-B-7"),
        ("B-007", "B 7", "B-7"),
        ("Đ 12", "Đ 12", "Đ-12"),
        ("0", "0", "0"),
        ("A000", "A 0", "A-0"),
        (" 3 ", "3", "3"),
        ("03", "3", "3"),
    ],
)
def test_spoken_ticket(display, vi, en):
    assert voice.spoken_ticket(display, "vi") == vi
    assert voice.spoken_ticket(display, "en") == en


def test_prefixed_ticket_sentence():
    assert (
        voice.call_sentence(display="A015", counter="03")
        == "Mời công dân có số thứ tự A 15 đến quầy số 3"
    )


def test_espeak_reads_numbers_without_leading_zeros():
    # "x,o1N" is espeak's "không". 1005 needs one ("một ngàn không trăm linh năm");
    # "0015" read as-is would say "không không mười lăm".
    assert "x,o1N" in espeak_phonemes(SENTENCE_1005)
    assert espeak_phonemes("0015").count("x,o1N") == 2
    assert "x,o1N" not in espeak_phonemes(voice.call_sentence(display="A0015", counter="03"))


@pytest.mark.parametrize("display", ["", "  ", "--", "A" * 33])
def test_unspeakable_tickets_are_refused(display):
    with pytest.raises(ValueError):
        voice.spoken_ticket(display)


def test_unsupported_language_is_refused():
    with pytest.raises(ValueError, match="no voice"):
        voice.call_sentence(display="1005", counter="3", language="fr")
    with pytest.raises(ValueError):
        voice.render("Bonjour", language="fr")


# --- rendering ---------------------------------------------------------------------------


def test_render_vietnamese_is_a_real_wav_of_plausible_length(media):
    path = voice.render(SENTENCE_1005)
    assert path.parent == Path(media) / "voice"
    assert path.name == voice.audio_name(SENTENCE_1005, "vi")
    assert path.read_bytes()[:4] == b"RIFF"
    assert path.read_bytes()[8:12] == b"WAVE"
    params, data = samples(path)
    assert params.nchannels == 1
    assert params.sampwidth == 2
    assert params.framerate > 8000
    assert 2.5 < voice.wav_duration_seconds(path) < 9  # about 5 s at 140 wpm
    assert rms(data) > 500  # speech, not silence (espeak's speech is about 3,000-4,000)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_render_english(media):
    path = voice.render(
        voice.call_sentence(display="1005", counter="3", language="en"), language="en"
    )
    params, data = samples(path)
    assert params.nchannels == 1
    assert 2 < voice.wav_duration_seconds(path) < 8  # about 4.4 s at 150 wpm
    assert rms(data) > 500


def test_slower_speed_is_longer_and_cached_separately():
    normal = voice.render(SENTENCE_1005)
    slow = voice.render(SENTENCE_1005, speed=100)
    assert slow != normal
    assert voice.wav_duration_seconds(slow) > voice.wav_duration_seconds(normal) * 1.2
    assert voice.audio_name(SENTENCE_1005, "vi", speed=100) == slow.name


@pytest.mark.parametrize("speed", [0, 79, 451, -140])
def test_bad_speed_is_refused(speed):
    with pytest.raises(ValueError):
        voice.render(SENTENCE_1005, speed=speed)


def test_text_starting_with_a_dash_is_spoken_not_parsed_as_an_option():
    path = voice.render("-v en -w /tmp/x.wav 12")
    assert voice.wav_duration_seconds(path) > 0.5


def test_second_render_uses_the_cache(counting_espeak, monkeypatch):
    first = voice.render(SENTENCE_1005)
    mtime = first.stat().st_mtime_ns
    assert runs(counting_espeak) == 1

    def fail(*args, **kwargs):
        raise AssertionError("espeak-ng ran again")

    monkeypatch.setattr(voice.subprocess, "run", fail)
    second = voice.render(SENTENCE_1005)
    assert second == first
    assert second.stat().st_mtime_ns == mtime
    # Whitespace does not make another file.
    assert voice.render("  Mời công dân có số thứ tự 1005\nđến quầy số 3 ") == first
    assert runs(counting_espeak) == 1


def test_cached_audio_survives_espeak_disappearing(monkeypatch):
    path = voice.render(SENTENCE_1005)
    monkeypatch.setattr(voice, "ESPEAK_BINARY", "/nonexistent/espeak-ng")
    assert voice.render(SENTENCE_1005) == path


def test_different_text_different_file():
    a = voice.render(voice.call_sentence(display="1005", counter="3"))
    b = voice.render(voice.call_sentence(display="1006", counter="3"))
    c = voice.render(voice.call_sentence(display="1005", counter="3", language="en"), language="en")
    assert len({a, b, c}) == 3
    assert a.read_bytes() != b.read_bytes()


def test_audio_name_is_known_before_rendering():
    name = voice.audio_name(SENTENCE_1005, "vi")
    assert voice.path_for(name) is None  # not rendered yet
    assert voice.audio_name(SENTENCE_1005, "vi") == name
    assert voice.audio_name(SENTENCE_1005, "en") != name
    path = voice.render(SENTENCE_1005)
    assert path.name == name
    assert voice.path_for(name) == path


@pytest.mark.parametrize(
    "name",
    [
        "../etc/passwd",
        "abc.wav",
        "A" * 64 + ".wav",
        "ABCDEF0123" + "a" * 54 + ".wav",
        "a" * 64,
        "a" * 63 + ".wav",
        "a" * 65 + ".wav",
        "g" * 64 + ".wav",
        "a" * 64 + ".mp3",
        "a" * 64 + ".wav\n",
        "a" * 64 + ".WAV",
        "../" + "a" * 64 + ".wav",
        "voice/" + "a" * 64 + ".wav",
        "/" + "a" * 64 + ".wav",
        ".lock",
        ".render-abc.wav",
        "",
        None,
    ],
)
def test_path_for_refuses_anything_but_a_cache_name(name):
    assert voice.path_for(name) is None


def test_path_for_refuses_an_existing_file_with_a_bad_name(media):
    directory = Path(media) / "voice"
    directory.mkdir(parents=True)
    (directory / "abc.wav").write_bytes(b"RIFF")
    assert voice.path_for("abc.wav") is None


# --- failures ----------------------------------------------------------------------------


def test_missing_binary_raises_voice_unavailable(monkeypatch, media):
    monkeypatch.setattr(voice, "ESPEAK_BINARY", "/nonexistent/espeak-ng")
    with pytest.raises(voice.VoiceUnavailable, match="espeak-ng"):
        voice.render(SENTENCE_1005)
    assert voice.path_for(voice.audio_name(SENTENCE_1005, "vi")) is None


def test_failing_binary_raises_and_leaves_nothing(monkeypatch, tmp_path, media):
    broken = tmp_path / "espeak-broken"
    broken.write_text(
        "#!/bin/sh\necho 'Error: The specified espeak-ng voice does not exist.' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    monkeypatch.setattr(voice, "ESPEAK_BINARY", str(broken))
    with pytest.raises(voice.VoiceUnavailable, match="voice does not exist"):
        voice.render(SENTENCE_1005)
    assert list((Path(media) / "voice").glob("*.wav")) == []


def test_binary_writing_no_audio_raises(monkeypatch, tmp_path, media):
    silent = tmp_path / "espeak-silent"
    silent.write_text("#!/bin/sh\nexit 0\n")
    silent.chmod(0o755)
    monkeypatch.setattr(voice, "ESPEAK_BINARY", str(silent))
    with pytest.raises(voice.VoiceUnavailable, match="no valid WAV"):
        voice.render(SENTENCE_1005)
    assert list((Path(media) / "voice").glob("*.wav")) == []


def test_hanging_binary_times_out(monkeypatch, tmp_path, media):
    hanging = tmp_path / "espeak-hanging"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    hanging.chmod(0o755)
    monkeypatch.setattr(voice, "ESPEAK_BINARY", str(hanging))
    monkeypatch.setattr(voice, "RENDER_TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(voice.VoiceUnavailable, match="took more than"):
        voice.render(SENTENCE_1005)
    assert time.monotonic() - started < 10
    assert list((Path(media) / "voice").glob("*.wav")) == []


# --- concurrency -------------------------------------------------------------------------


def test_concurrent_renders_from_threads_make_one_whole_file(counting_espeak, media):
    text = voice.call_sentence(display="A042", counter="7")
    target = Path(media) / "voice" / voice.audio_name(text, "vi")
    barrier = threading.Barrier(8)
    results: list[Path] = []
    errors: list[BaseException] = []
    partial: list[str] = []
    done = threading.Event()

    def watch() -> None:
        # Whenever the final name exists, it must be a complete WAV.
        while not done.is_set():
            try:
                with wave.open(str(target), "rb") as wav:
                    frames = wav.getnframes()
                    expected = 44 + frames * wav.getsampwidth()
                if target.stat().st_size < expected or frames == 0:
                    partial.append("short file")
            except FileNotFoundError:
                pass
            except (wave.Error, EOFError) as exc:
                partial.append(repr(exc))

    def worker() -> None:
        try:
            barrier.wait()
            results.append(voice.render(text))
        except BaseException as exc:  # reported below
            errors.append(exc)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    done.set()
    watcher.join(timeout=10)

    assert errors == []
    assert partial == []
    assert results == [target] * 8
    assert runs(counting_espeak) == 1
    assert sorted(p.name for p in target.parent.iterdir()) == [".lock", target.name]
    assert 2 < voice.wav_duration_seconds(target) < 9


def test_concurrent_renders_from_processes_make_one_file(counting_espeak, media, tmp_path):
    text = voice.call_sentence(display="1077", counter="2")
    script = (
        "import sys\n"
        "from motcua.queueing import voice\n"
        "voice.ESPEAK_BINARY = sys.argv[1]\n"
        "print(voice.render(sys.argv[2]))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.conf.settings",
        "MEDIA_ROOT": str(media),
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, voice.ESPEAK_BINARY, text],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err.decode() for _, err in outputs]
    target = Path(media) / "voice" / voice.audio_name(text, "vi")
    assert {out.decode().strip() for out, _ in outputs} == {str(target)}
    assert runs(counting_espeak) == 1
    assert voice.wav_duration_seconds(target) > 2


# --- housekeeping ------------------------------------------------------------------------


def test_prune_deletes_old_audio_only(media):
    old = voice.render(voice.call_sentence(display="1001", counter="1"))
    new = voice.render(voice.call_sentence(display="1002", counter="1"))
    directory = old.parent
    abandoned = directory / ".render-abandoned.wav"
    abandoned.write_bytes(b"")
    other = directory / "keep-me.txt"
    other.write_text("not ours")
    week_ago = time.time() - 7 * 86400
    for path in (old, abandoned, other):
        os.utime(path, (week_ago, week_ago))

    assert voice.prune(older_than_seconds=86400) == 2
    assert not old.exists()
    assert not abandoned.exists()
    assert new.exists()
    assert other.exists()
    # A pruned sentence is rendered again on its next call.
    assert voice.render(voice.call_sentence(display="1001", counter="1")) == old
    assert old.exists()


def test_prune_keeps_a_rendering_in_progress(media):
    voice.render(SENTENCE_1005)
    in_progress = Path(media) / "voice" / ".render-now.wav"
    in_progress.write_bytes(b"")
    voice.prune(older_than_seconds=0, now=time.time() + 1)
    assert in_progress.exists()


def test_prune_without_cache_directory():
    assert voice.prune(older_than_seconds=0) == 0
