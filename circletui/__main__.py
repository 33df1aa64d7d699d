"""`python -m circletui` runs the same entry point as the `circletui` script."""

from circletui.cli import main

raise SystemExit(main())
