"""Open Contracting Partnership's Cardinal procurement red flags, reproduced over OCDS compiled releases.

One module per indicator (``r003`` … ``r058``), each following Cardinal's fold / reduce / finalize
lifecycle; ``registry.INDICATORS`` lists them; ``run.run_indicators`` returns Cardinal's output.
Reference: https://github.com/open-contracting/cardinal-rs (MIT).
"""

from __future__ import annotations

from engine.detection.cardinal.registry import INDICATORS
from engine.detection.cardinal.run import read_jsonl, run_indicators
from engine.detection.cardinal.settings import Settings, SettingsError

__all__ = ["INDICATORS", "Settings", "SettingsError", "read_jsonl", "run_indicators"]
