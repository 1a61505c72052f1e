"""``python -m hub`` is the ``hub`` command."""

from .cli import main

main()
