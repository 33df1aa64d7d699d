"""circletui: a terminal UI for watching CircleCI pipelines and acting on them."""

__version__ = "0.1.0"
