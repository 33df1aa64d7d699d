"""Tests of the simulated CircleCI."""
