"""Build step of the package: the wheel carries the Alembic migrations and the compiled
interface translations, so that a plain ``pip install`` runs ``hub db upgrade`` and speaks
every interface language. Everything else is declared in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class build_with_data(build_py):  # noqa: N801 - setuptools' naming
    """``build_py``, then the migrations copied in as ``hub/migrations`` and every
    ``messages.po`` compiled to ``messages.mo`` beside it."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        target = Path(self.build_lib) / "hub"
        shutil.copytree(
            ROOT / "migrations",
            target / "migrations",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        for po in sorted((ROOT / "hub" / "translations").glob("*/LC_MESSAGES/messages.po")):
            mo = target / po.relative_to(ROOT / "hub").with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source, mo.open("wb") as out:
                write_mo(out, read_po(source, locale=po.parent.parent.name))


setup(cmdclass={"build_py": build_with_data})
