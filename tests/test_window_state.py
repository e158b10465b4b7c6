"""Where the main window opens (viewmodels.window_state), without Qt: inside a screen's free
area, where it was last time only if that still fits."""

from __future__ import annotations

import pytest

from nianbao.desktop.viewmodels.window_state import Frame, Rect, keep_inside, placement

LAPTOP = Rect(0, 0, 1366, 728)  # 1366×768 less a 40-pixel taskbar at the bottom
BIG = Rect(0, 0, 1920, 1040)
SECOND = Rect(1920, 0, 1280, 984)  # a second screen to the right of BIG
FRAME = Frame()


@pytest.mark.parametrize(
    ("areas", "primary", "saved", "expected"),
    [
        pytest.param(
            [LAPTOP], LAPTOP, None, Rect(43, 40, 1280, 680), id="laptop-default-shrunk-to-fit"
        ),
        pytest.param([BIG], BIG, None, Rect(320, 136, 1280, 800), id="big-screen-default-centred"),
        pytest.param(
            [LAPTOP], LAPTOP, Rect(20, 50, 900, 600), Rect(20, 50, 900, 600), id="saved-fits"
        ),
        pytest.param(
            [LAPTOP],
            LAPTOP,
            Rect(300, 100, 1180, 760),  # saved on a bigger screen: too tall here
            Rect(43, 40, 1280, 680),
            id="saved-too-tall-for-this-screen",
        ),
        pytest.param(
            [BIG],
            BIG,
            Rect(2100, 100, 1000, 700),  # on a second screen since unplugged
            Rect(320, 136, 1280, 800),
            id="saved-on-an-unplugged-screen",
        ),
        pytest.param(
            [BIG, SECOND],
            BIG,
            Rect(2100, 100, 1000, 700),
            Rect(2100, 100, 1000, 700),
            id="saved-on-the-second-screen",
        ),
        pytest.param(
            [LAPTOP],
            LAPTOP,
            Rect(0, 0, 900, 600),  # its title bar would be above the screen
            Rect(43, 40, 1280, 680),
            id="saved-with-the-frame-off-the-top",
        ),
        pytest.param(
            [Rect(0, 0, 1024, 728)],
            Rect(0, 0, 1024, 728),
            None,
            Rect(8, 40, 1008, 680),
            id="narrow-screen-width-shrunk",
        ),
    ],
)
def test_placement(areas, primary, saved, expected):
    place = placement(areas, primary, saved)
    assert place == expected
    assert any(area.contains(FRAME.around(place)) for area in areas)


@pytest.mark.parametrize(
    ("outer", "expected"),
    [
        pytest.param(Rect(91, 0, 1184, 728), None, id="inside"),
        pytest.param(Rect(91, 10, 1184, 760), Rect(91, 0, 1184, 728), id="too-tall-shrunk"),
        pytest.param(Rect(500, 20, 1000, 600), Rect(366, 20, 1000, 600), id="off-right-moved"),
        pytest.param(Rect(-30, -20, 800, 600), Rect(0, 0, 800, 600), id="off-top-left-moved"),
    ],
)
def test_keep_inside(outer, expected):
    assert keep_inside(outer, LAPTOP) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20,50,900,600", Rect(20, 50, 900, 600)),
        ("-1200,0,800,600", Rect(-1200, 0, 800, 600)),  # a screen left of the primary one
        ("", None),
        ("20,50,900", None),
        ("a,b,c,d", None),
        ("0,0,0,600", None),
    ],
)
def test_a_stored_rectangle_is_read_back_or_ignored(text, expected):
    assert Rect.parse(text) == expected
    if expected is not None:
        assert Rect.parse(expected.text()) == expected
