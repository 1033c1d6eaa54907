"""Topic names and how they are created.

Topics are created explicitly: the embedded broker would otherwise auto-create them on first
use. Four partitions matches what it would pick, so either way the layout is the same.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = 4
    replication: int = 1


INCIDENTS = "incidents.v1"
# Tasks, their answers and clock escalations, keyed by incident id so one incident's dispatch
# stays in order.
DISPATCH = "dispatch.v1"
# Unit status and position, keyed by unit id.
UNITS = "units.v1"
# Call-ups of the response teams and their members' answers, keyed by call-up id.
ROSTER = "roster.v1"
DEAD_LETTERS = "deadletters.v1"

ALL: tuple[TopicSpec, ...] = (
    TopicSpec(INCIDENTS),
    TopicSpec(DISPATCH),
    TopicSpec(UNITS),
    TopicSpec(ROSTER),
    TopicSpec(DEAD_LETTERS),
)
