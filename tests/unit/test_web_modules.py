"""The command room and the duty rooms share their code through ``kernel/web/`` (served at
``/shared/``), not through copies: no run of lines in one page's own scripts or styles stands
again in the other's, and both pages start from the shared frame (sign-in, navigation, views,
who is signed in) rather than each from its own."""

import re
from pathlib import Path

import pytest

from gateway.web.views import STATIC as COMMAND_ROOM
from services.agency.console.pages import STATIC as DUTY_ROOM

# Long enough that a shared idiom (a closing bracket, a one-line call) is not a copy; lines
# shorter than SHORT (`h(`, `"div",`, `main,`) say too little to count.
RUN = 6
SHORT = 12
PAGES = {"command room": COMMAND_ROOM, "duty room": DUTY_ROOM}
ENTRY = {"command room": COMMAND_ROOM / "js" / "main.js", "duty room": DUTY_ROOM / "js" / "console.js"}


def _meaningful(path: Path) -> list[tuple[int, str]]:
    """Lines that say something: no blanks, comments, imports, lone punctuation or short
    structural lines; white space folded."""
    lines = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = " ".join(raw.split())
        if len(line) < SHORT or line.startswith(("//", "/*", "*", "import ")) or not re.search(r"\w", line):
            continue
        lines.append((number, line))
    return lines


def _runs(folder: Path) -> dict[tuple[str, ...], str]:
    """Every run of RUN meaningful lines of the page's own scripts and styles, and where."""
    found: dict[tuple[str, ...], str] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".js", ".css"):
            continue
        lines = _meaningful(path)
        for start in range(len(lines) - RUN + 1):
            window = tuple(text for _, text in lines[start : start + RUN])
            found.setdefault(window, f"{path.relative_to(folder)}:{lines[start][0]}")
    return found


def test_no_run_of_lines_is_copied_between_the_command_room_and_the_duty_rooms() -> None:
    command, duty = _runs(COMMAND_ROOM), _runs(DUTY_ROOM)
    copied = sorted((command[run], duty[run]) for run in command.keys() & duty.keys())
    assert copied == [], "move what both pages do into kernel/web/static/js (served at /shared/)"


@pytest.mark.parametrize("page", PAGES)
def test_each_page_starts_from_the_shared_frame(page: str) -> None:
    entry = ENTRY[page].read_text()
    assert 'from "/shared/js/frame.js"' in entry
    for shared in ("startPage(", "viewRouter(", "drawWho("):
        assert shared in entry, shared
    own = "\n".join(path.read_text() for path in PAGES[page].rglob("*.js"))
    for written_once in ("function drawWho", "function drawNav", "function route(", "showSignInForm("):
        assert written_once not in own, f"{page} writes {written_once} again"
