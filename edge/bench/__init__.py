"""Measurements of the appliance: the benchmark suite and the tournament-scale simulator.

`goban-edge bench` (see `suite`) times the detector, the reference network,
the full pipeline and the machine's peak arithmetic rate in one process;
`goban-edge simulate` (see `simulate`) replays games as many boards through
the real MQTT publisher. Both write JSON + Markdown; docs/performance.md holds
the figures. Nothing here runs as a timed test.
"""
