"""`python -m schedtui` runs the same entry point as the `schedtui` script."""

from schedtui.cli.main import main

raise SystemExit(main())
