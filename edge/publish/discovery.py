"""Home Assistant MQTT discovery for the `status` figures.

One retained `sensor` config per figure under
`<discovery_prefix>/sensor/goban_edge_<board>/<figure>/config`; Home
Assistant then reads the values from the board's `status` topic and greys
them out while `available` is `offline`.
"""

from __future__ import annotations

from typing import Any

from edge.publish.payloads import encode
from edge.publish.topics import Topics

# (status key, name, unit, device_class, state_class)
_SENSORS: tuple[tuple[str, str, str | None, str | None, str | None], ...] = (
    ("fps", "Frame rate", "fps", None, "measurement"),
    ("detector_latency_ms", "Detector latency", "ms", "duration", "measurement"),
    ("calibration_error_px", "Calibration error", "px", None, "measurement"),
    ("uptime_s", "Uptime", "s", "duration", "total_increasing"),
    ("delegate", "Delegate", None, None, None),
    ("camera", "Camera", None, None, None),
)

STATUS_KEYS: tuple[str, ...] = tuple(s[0] for s in _SENSORS)


def discovery_messages(topics: Topics, discovery_prefix: str, version: str) -> list[tuple[str, bytes]]:
    """(topic, retained payload) pairs announcing the status sensors."""
    # Kept equal to the board id so the club ACL can grant
    # homeassistant/sensor/goban_edge_%u/# to each board.
    node = f"goban_edge_{topics.board_id}"
    device = {
        "identifiers": [node],
        "name": f"Goban {topics.board_id}",
        "model": "goban-edge",
        "sw_version": version,
    }
    out = []
    for key, name, unit, device_class, state_class in _SENSORS:
        config: dict[str, Any] = {
            "name": name,
            "unique_id": f"{node}_{key}",
            "object_id": f"{node}_{key}",
            "state_topic": topics.status,
            "value_template": f"{{{{ value_json.{key} }}}}",
            "availability_topic": topics.available,
            "payload_available": "online",
            "payload_not_available": "offline",
            "entity_category": "diagnostic",
            "device": device,
        }
        if unit:
            config["unit_of_measurement"] = unit
        if device_class:
            config["device_class"] = device_class
        if state_class:
            config["state_class"] = state_class
        out.append((f"{discovery_prefix}/sensor/{node}/{key}/config", encode(config)))
    return out
