"""`python -m kabinet_agent` runs the command line, like the `kabinet-agent` script."""

import sys

from .cli import main

sys.exit(main())
