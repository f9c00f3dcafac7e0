"""Entry point for ``python -m dscb_assistant``."""

import sys

from .cli import main

sys.exit(main())
