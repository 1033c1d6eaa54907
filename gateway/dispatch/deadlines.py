"""How long an agency has to acknowledge a task and to reach the scene.

The district's promise is on scene within 10 minutes by day and 5 by night, in Asia/Shanghai
time; the night is shorter on the clock because the roads are empty. Every figure is a setting.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ResponsePolicy:
    timezone: str = "Asia/Shanghai"
    day_starts: time = time(6, 0)
    night_starts: time = time(22, 0)
    acknowledge_s: float = 120.0
    on_scene_day_s: float = 600.0
    on_scene_night_s: float = 300.0

    def is_night(self, at: datetime) -> bool:
        local = at.astimezone(ZoneInfo(self.timezone)).time()
        if self.day_starts < self.night_starts:
            return not (self.day_starts <= local < self.night_starts)
        return self.night_starts <= local < self.day_starts

    def deadlines(self, dispatched_at: datetime) -> tuple[datetime, datetime]:
        """(acknowledge by, on scene by) for a task dispatched at ``dispatched_at``."""
        on_scene = self.on_scene_night_s if self.is_night(dispatched_at) else self.on_scene_day_s
        return (
            dispatched_at + timedelta(seconds=self.acknowledge_s),
            dispatched_at + timedelta(seconds=on_scene),
        )
