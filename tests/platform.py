"""Make the test plugin load on the Home Assistant release under test.

Loaded by pytest before any plugin (``-p tests.platform`` in pyproject.toml); scripts/setup puts
the repository on the virtualenv's path so this module is importable that early.

- Home Assistant 2026.11 swaps httpx for httpx2 when ``homeassistant`` is first imported, and
  refuses if httpx was imported before, which respx's pytest plugin does: import it first.
- pytest-homeassistant-custom-component 0.13.375 is built from 2026.10.4 and imports
  ``_clear_logger_overwrites`` from ``homeassistant.components.logger``; 2026.11 keeps it in
  ``homeassistant.components.logger.helpers``. Offer it where the plugin looks.
"""

import homeassistant  # noqa: F401  (first, for its httpx alias)
from homeassistant.components import logger
from homeassistant.components.logger import helpers

if not hasattr(logger, "_clear_logger_overwrites"):
    logger._clear_logger_overwrites = helpers._clear_logger_overwrites  # type: ignore[attr-defined]
