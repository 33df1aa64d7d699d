"""`python -m circletui.simulator` serves the simulated CircleCI on loopback."""

from circletui.simulator.cli import main

raise SystemExit(main())
