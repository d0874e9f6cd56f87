"""goban-edge: live Go-board recognition for embedded Linux.

Pipeline stages, one subpackage each:
capture -> rectify -> detect -> board -> game -> publish,
with config, daemon and cli around them.
"""

__version__ = "0.1.0"
