"""The aggregator's progress over drivers that each count for an equal share."""

from __future__ import annotations

from typing import Any


class ProgressTracker:
    """Overall progress of a sequence of drivers that each count for an equal share.

    With ``total`` drivers, ``done`` of them complete and the running one at
    ``p`` percent, the overall progress is ``floor((done * 100 + p) / total)``:
    a driver's advance is divided by the number of drivers.  Driver values
    are clamped to 0..100, a driver going backwards is ignored, and the
    reported value never decreases.  After the last driver completes it is
    exactly 100.
    """

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.current = 0.0
        self.reported = 0

    def _overall(self) -> int:
        value = int((self.done * 100 + self.current) // self.total)
        self.reported = max(self.reported, min(value, 100))
        return self.reported

    def update(self, driver_progress: Any) -> int:
        """Take a progress value of the running driver; return the overall progress."""
        try:
            value = float(driver_progress)
        except (TypeError, ValueError):
            return self._overall()
        if value != value:  # NaN
            return self._overall()
        value = min(max(value, 0.0), 100.0)
        self.current = max(self.current, value)
        return self._overall()

    def complete(self) -> int:
        """Record that the running driver finished; return the overall progress."""
        self.done = min(self.done + 1, self.total)
        self.current = 0.0
        return self._overall()
