"""Reusable Textual widgets for circletui's screens."""
