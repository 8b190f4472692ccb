"""The results page's player on a real 3-minute recording (31.75 MB of 16-bit WAV, hard-clipped
the way an over-driven master is) against a real reference of another length: Play opens and
the track plays before its file has arrived; A/B shows the playing file's length and waveform
and keeps the place in the music through the cue offset; the keys work; zoom narrows the
visible span; the findings' places and labels stay apart; the sections are drawn above.

The server counts the audio bytes it sends (an ASGI wrapper around the real app), so the test
says how much of the file had gone out when the track first played."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from api.live import LiveServer
from playwright.sync_api import expect
from pydantic import SecretStr
from recordings import DRASCULA, SINGULARITY, excerpt, hard_clipped, write
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from web_page import Page
from web_steps import analysed_review, clock

from mixcoach.config import AudioSettings, DatabaseSettings, JobSettings, Settings, UploadSettings

AUDIO_PATH = re.compile(r"^/api/tracks/[^/]+/audio$")
TRACK_SECONDS = 180.0
REFERENCE_SECONDS = 100.0
TIMES = "\u00d7"  # the zoom readout's f"4{TIMES}"


class AudioBytes:
    """How many audio bytes the server has handed to the network so far, per track id."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = {}

    def of(self, track_id: str) -> int:
        return self.sent.get(track_id, 0)


class CountAudio:
    """ASGI wrapper: counts the body bytes of every /api/tracks/{id}/audio answer."""

    def __init__(self, app: ASGIApp, counter: AudioBytes) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not AUDIO_PATH.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        track_id = scope["path"].split("/")[3]
        sent = self.counter.sent

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.body":
                sent[track_id] = sent.get(track_id, 0) + len(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, counted)


@pytest.fixture(scope="module")
def audio_bytes() -> AudioBytes:
    return AudioBytes()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, audio_bytes: AudioBytes
) -> Iterator[LiveServer]:
    """A server that takes 3-minute WAVs (the shared one stops at 30 s and 8 MB)."""
    folder = tmp_path_factory.mktemp("player-server")
    settings = Settings(
        data_dir=folder / "data",
        database=DatabaseSettings(url=SecretStr(f"sqlite:///{folder / 'mixcoach.db'}")),
        uploads=UploadSettings(max_file_mb=64),
        audio=AudioSettings(max_duration_minutes=5),
        jobs=JobSettings(workers=1, max_attempts=1),
    )
    live = LiveServer(settings)
    live.app.add_middleware(CountAudio, counter=audio_bytes)
    with live:
        yield live


@pytest.fixture(scope="module")
def long_review(server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("player-audio")
    music, rate = excerpt(DRASCULA / "track2.ogg", start_s=0.0, seconds=TRACK_SECONDS)
    track = write(
        folder / "long-master.wav", hard_clipped(music, gain_db=8.0), rate, subtype="PCM_16"
    )
    other, other_rate = excerpt(
        SINGULARITY / "Coherence.ogg", start_s=30.0, seconds=REFERENCE_SECONDS
    )
    reference = write(folder / "reference.wav", other, other_rate, subtype="PCM_16")
    review = analysed_review(server, track, reference)
    review["track_bytes"] = track.stat().st_size
    return review


@pytest.fixture
def opened(new_page: Any, long_review: dict[str, Any]) -> Page:
    page: Page = new_page(session=long_review["session"])
    page.open(f"#/review/{long_review['review']['id']}")
    page.page.wait_for_selector("#results:not([hidden])")
    return page


def audio(page: Page, prop: str, which: str = "track") -> Any:
    return page.page.evaluate(f"document.getElementById('audio-{which}').{prop}")


def wait_for_time(page: Page, which: str, low: float, high: float = 1e9) -> None:
    page.page.wait_for_function(
        """([which, low, high]) => {
            const t = document.getElementById(`audio-${which}`).currentTime;
            return t >= low && t <= high;
        }""",
        arg=[which, low, high],
    )


def painted_columns(page: Page) -> int:
    """How many pixel columns of the waveform's canvas have anything drawn."""
    count: int = page.page.evaluate(
        """() => {
            const canvas = document.getElementById('wave-canvas');
            const { width, height } = canvas;
            const { data } = canvas.getContext('2d').getImageData(0, 0, width, height);
            let columns = 0;
            for (let x = 0; x < canvas.width; x += 1) {
                for (let y = 0; y < canvas.height; y += 1) {
                    if (data[(y * canvas.width + x) * 4 + 3]) { columns += 1; break; }
                }
            }
            return columns;
        }"""
    )
    return count


def shown_length(page: Page) -> str:
    return page.text("#play-time").split(" / ")[1]


def test_play_opens_and_the_track_plays_before_its_file_has_arrived(
    new_page: Any, long_review: dict[str, Any], audio_bytes: AudioBytes
) -> None:
    page: Page = new_page(session=long_review["session"])
    page.page.add_init_script(
        "document.addEventListener('playing',"
        " () => { window.firstPlayMs ??= performance.now(); }, true);"
    )
    track_id = long_review["review"]["track"]["id"]
    reference_id = long_review["review"]["reference"]["id"]
    before = audio_bytes.of(track_id), audio_bytes.of(reference_id)
    page.open(f"#/review/{long_review['review']['id']}")
    page.page.wait_for_selector("#play:not([disabled])")
    at_enabled = audio_bytes.of(track_id) - before[0]
    enabled_ms = page.page.evaluate("performance.now()")
    page.page.click("#play")
    wait_for_time(page, "track", 0.01)  # the first moment the track is heard to move
    at_play = audio_bytes.of(track_id) - before[0]
    reference_sent = audio_bytes.of(reference_id) - before[1]
    first_play_ms = page.page.evaluate("window.firstPlayMs")
    size = long_review["track_bytes"]
    print(
        f"\n3-minute WAV, {size / 1e6:.2f} MB: Play opened with {at_enabled / 1e6:.2f} MB of it "
        f"sent; playing {first_play_ms / 1000:.2f} s after the page was asked for, with "
        f"{at_play / 1e6:.2f} MB of it (and {reference_sent / 1e6:.2f} MB of the reference) sent; "
        f"{first_play_ms - enabled_ms:.0f} ms from Play opening to sound"
    )
    assert size > 30e6
    # Streamed: Play opens with a part of the file sent (most of it waiting in the sockets'
    # buffers), and the track moves before the whole file has gone out.
    assert at_enabled < size / 2, (at_enabled, size)
    assert at_play < size, (at_play, size)
    expect(page.page.locator("#play")).to_have_text("Pause")
    assert shown_length(page) == clock(TRACK_SECONDS)


def test_a_b_shows_the_playing_files_length_and_waveform_and_keeps_the_place(
    opened: Page,
) -> None:
    page = opened
    p = page.page
    p.wait_for_selector("#play:not([disabled])")
    expect(p.locator("#ab")).to_be_visible()
    p.wait_for_function("document.getElementById('audio-reference').readyState >= 1")
    p.wait_for_selector("#waveform[aria-busy=false]")  # the track's outline is drawn
    track_picture = p.evaluate("document.getElementById('wave-canvas').toDataURL()")
    width = p.evaluate("document.getElementById('wave-canvas').width")
    assert painted_columns(page) > 0.95 * width  # 3 minutes of music fill the strip
    assert shown_length(page) == clock(TRACK_SECONDS)
    # A cue offset of 10 s: B's place is A's plus 10 s.
    p.fill("#ab-offset", "10")
    p.press("#ab-offset", "Enter")
    p.locator("#ab-offset").blur()
    p.evaluate("document.getElementById('audio-track').currentTime = 30")
    p.click("#ab-reference")
    assert p.get_attribute("#ab-reference", "aria-pressed") == "true"
    assert shown_length(page) == clock(REFERENCE_SECONDS)
    assert abs(audio(page, "currentTime", "reference") - 40) < 0.3
    assert page.text("#play-time").startswith("0:40")
    # B's own outline, and the findings' places (the track's) are not on it.
    p.wait_for_selector("#waveform[aria-busy=false]")
    assert p.evaluate("document.getElementById('wave-canvas').toDataURL()") != track_picture
    # 100 s of reference fill the strip too: its own length, not the track's.
    assert painted_columns(page) > 0.95 * width
    assert p.locator(".finding-region").count() == 0
    assert "reference" in (p.get_attribute("#waveform", "aria-label") or "")
    # Playing B and switching back: A is where the music is.
    p.click("#play")
    wait_for_time(page, "reference", 41)
    p.click("#ab-track")
    assert shown_length(page) == clock(TRACK_SECONDS)
    assert 31 <= audio(page, "currentTime") < 33
    expect(p.locator("#play")).to_have_text("Pause")  # still playing, now A
    p.click("#play")
    # "Cue B here": B's place now matches A's place.
    p.evaluate("document.getElementById('audio-track').currentTime = 20")
    p.click("#ab-reference")
    p.evaluate("document.getElementById('audio-reference').currentTime = 25")
    p.click("#ab-cue")
    assert p.input_value("#ab-offset") == "5.0"


def test_the_keys_play_seek_switch_and_loop(opened: Page) -> None:
    page = opened
    p = page.page
    p.wait_for_selector("#play:not([disabled])")
    p.wait_for_selector(".finding-region", state="attached")
    p.focus("#wave-scroll")
    p.keyboard.press(" ")
    expect(p.locator("#play")).to_have_text("Pause")
    wait_for_time(page, "track", 0.3)
    p.keyboard.press(" ")
    expect(p.locator("#play")).to_have_text("Play")
    start = audio(page, "currentTime")
    p.keyboard.press("ArrowRight")
    assert abs(audio(page, "currentTime") - (start + 5)) < 0.1
    p.keyboard.press("ArrowLeft")
    p.keyboard.press("ArrowLeft")
    assert abs(audio(page, "currentTime") - max(0, start - 5)) < 0.1
    p.keyboard.press("b")
    assert p.get_attribute("#ab-reference", "aria-pressed") == "true"
    assert shown_length(page) == clock(REFERENCE_SECONDS)
    p.keyboard.press("a")
    assert p.get_attribute("#ab-track", "aria-pressed") == "true"
    # L loops the selected place: click a finding's place on the waveform, then L.
    region = p.locator('.finding-region[data-finding="clipping"]').first  # a short place
    start_s = float(region.get_attribute("data-start") or 0)
    end_s = float(region.get_attribute("data-end") or 0)
    region.click()
    assert p.locator(".finding-region.selected").count() >= 1
    p.focus("#wave-scroll")
    p.keyboard.press("l")
    loop = p.locator("#loop")
    expect(loop).to_have_attribute("aria-pressed", "true")
    assert loop.inner_text().startswith("Loop ")
    assert loop.get_attribute("aria-label") is None  # its name is its text
    p.keyboard.press(" ")
    # Playing in the loop: it comes back to the start, never runs on past the end.
    seen = p.wait_for_function(
        """([start, end]) => {
            const a = document.getElementById('audio-track');
            const w = (window.loopSeen ??= { last: a.currentTime, wraps: 0, max: 0 });
            if (a.currentTime < w.last - 0.05) w.wraps += 1;
            w.max = Math.max(w.max, a.currentTime);
            w.last = a.currentTime;
            return w.wraps >= 2 && w;
        }""",
        arg=[start_s, end_s],
    ).json_value()
    assert seen["max"] <= max(end_s, start_s + 0.05) + 0.5, (seen, start_s, end_s)
    p.keyboard.press("l")
    expect(loop).to_have_attribute("aria-pressed", "false")
    p.keyboard.press(" ")
    # Focus is visible on the waveform.
    p.focus("#wave-scroll")
    assert (
        p.evaluate("getComputedStyle(document.getElementById('wave-scroll')).outlineStyle")
        != "none"
    )


def visible_span(page: Page) -> float:
    """The seconds the waveform shows, from the ruler's labels in view."""
    times = page.page.evaluate(
        """() => {
            const view = document.getElementById('wave-scroll').getBoundingClientRect();
            return [...document.querySelectorAll('.wave-tick')]
                .filter((t) => {
                    const r = t.getBoundingClientRect();
                    return r.left >= view.left && r.left <= view.right;
                })
                .map((t) => t.textContent);
        }"""
    )
    seconds = [int(m) * 60 + int(s) for m, s in (t.split(":") for t in times)]
    return float(max(seconds) - min(seconds))


def test_zoom_narrows_the_view_and_a_click_seeks(opened: Page) -> None:
    page = opened
    p = page.page
    p.wait_for_selector("#play:not([disabled])")
    whole = visible_span(page)
    assert whole >= TRACK_SECONDS * 0.8
    p.click("#zoom-in")
    p.click("#zoom-in")
    expect(p.locator("#zoom-level")).to_have_text(f"4{TIMES}")
    quarter = visible_span(page)
    assert TRACK_SECONDS / 4 * 0.7 <= quarter <= TRACK_SECONDS / 4 * 1.1, quarter
    # ctrl + wheel (a pinch) zooms further in.
    box = p.locator("#wave-scroll").bounding_box()
    assert box is not None
    p.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    p.keyboard.down("Control")
    p.mouse.wheel(0, -150)
    p.keyboard.up("Control")
    expect(p.locator("#zoom-level")).not_to_have_text(f"4{TIMES}")
    assert visible_span(page) < quarter
    p.click("#zoom-out")
    for _ in range(6):
        if p.locator("#zoom-out").is_disabled():
            break
        p.click("#zoom-out")
    expect(p.locator("#zoom-level")).to_have_text(f"1{TIMES}")
    # A click on the ruler, at 3/4 of the width, seeks there.
    ruler = p.locator("#wave-ruler").bounding_box()
    assert ruler is not None
    p.mouse.click(ruler["x"] + ruler["width"] * 0.75, ruler["y"] + ruler["height"] / 2)
    assert abs(audio(page, "currentTime") - TRACK_SECONDS * 0.75) < 2


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_places_are_merged_capped_and_their_labels_never_overlap(
    opened: Page, long_review: dict[str, Any]
) -> None:
    page = opened
    p = page.page
    analysis = page.api(f"/api/reviews/{long_review['review']['id']}/analysis").json()
    clipping = next(f for f in analysis["findings"] if f["code"] == "clipping")
    assert len(clipping["time_ranges"]) > 8  # the over-driven master clips all through
    p.wait_for_selector("#waveform[aria-busy=false]")
    for zoom in (f"1{TIMES}", f"8{TIMES}"):
        while page.text("#zoom-level") != zoom:
            p.click("#zoom-in")
        page.shot_of("#waveform", f"player-waveform-{zoom[:-1]}x")
        labels = [
            b for b in (el.bounding_box() for el in p.locator(".wave-label:visible").all()) if b
        ]
        assert labels
        assert not [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :] if overlaps(a, b)]
    width = p.evaluate("document.getElementById('wave-inner').clientWidth")
    for code in {el.get_attribute("data-finding") for el in p.locator(".finding-region").all()}:
        regions = p.locator(f'.finding-region[data-finding="{code}"]')
        assert regions.count() <= 8
        painted = sum(r.evaluate("e => e.offsetWidth") for r in regions.all())
        assert painted <= 0.2 * width + 2 * regions.count(), (code, painted, width)
    page.shot_of("#player-section", "player-zoomed")
    legend = p.locator('#wave-legend [data-finding="clipping"]').inner_text()
    assert re.search(r"the longest \d of \d+ places", legend), legend


def test_the_sections_are_labelled_bands_above_the_waveform(
    opened: Page, long_review: dict[str, Any]
) -> None:
    page = opened
    p = page.page
    analysis = page.api(f"/api/reviews/{long_review['review']['id']}/analysis").json()
    sections = analysis["sections"]
    assert len(sections) >= 2
    bands = p.locator(".wave-section")
    expect(bands).to_have_count(len(sections))
    for band, section in zip(bands.all(), sections, strict=True):
        assert band.inner_text().startswith(section["label"])
    first = bands.first.bounding_box()
    wave = p.locator("#wave-canvas").bounding_box()
    assert first is not None and wave is not None and first["y"] + first["height"] <= wave["y"]
