"""Configuration: one TOML file, validated once at start, then passed down typed."""

from edge.config.load import load_config, parse_config
from edge.config.model import AppConfig

__all__ = ["AppConfig", "load_config", "parse_config"]
