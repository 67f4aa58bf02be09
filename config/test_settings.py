"""Settings for the test suite: the production settings with test switches on."""

import os

os.environ["THAMVAN_TESTING"] = "true"
os.environ.setdefault("DEMO_MODE", "false")

from config.settings import *  # noqa: F403
